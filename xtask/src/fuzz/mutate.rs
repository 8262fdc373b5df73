//! The mutations of `cargo xtask fuzz`: structural changes to a document's YAML tree aimed at what
//! the generator must either handle or refuse with a located error, and byte-level damage to the
//! text of a document.

use serde_yaml::{Mapping, Value};

/// A small deterministic random number generator (SplitMix64), so that a run is reproducible from
/// its seed without a dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // The modulo bias is irrelevant for fuzzing.
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `numerator / denominator`.
    pub fn chance(&mut self, numerator: usize, denominator: usize) -> bool {
        self.below(denominator) < numerator
    }

    /// A random element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }
}

/// One step from a node to a child: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    /// The value under this key of a mapping.
    Key(Value),
    /// The item at this index of a list.
    Index(usize),
}

/// The place of a node in the tree, from the root.
pub type NodePath = Vec<Seg>;

/// Every node of the tree in pre-order (a node before its children, document order), the root
/// (the empty path) first.
pub fn paths(root: &Value) -> Vec<NodePath> {
    let mut out = Vec::new();
    let mut stack: Vec<(NodePath, &Value)> = vec![(Vec::new(), root)];
    while let Some((path, value)) = stack.pop() {
        let mut children: Vec<(NodePath, &Value)> = Vec::new();
        match value {
            Value::Mapping(map) => {
                for (key, child) in map {
                    let mut p = path.clone();
                    p.push(Seg::Key(key.clone()));
                    children.push((p, child));
                }
            }
            Value::Sequence(items) => {
                for (index, child) in items.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(Seg::Index(index));
                    children.push((p, child));
                }
            }
            _ => {}
        }
        out.push(path);
        stack.extend(children.into_iter().rev());
    }
    out
}

/// The node at `path`, if there is one.
pub fn node<'v>(root: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    let mut current = root;
    for seg in path {
        current = match (seg, current) {
            (Seg::Key(key), Value::Mapping(map)) => map.get(key)?,
            (Seg::Index(index), Value::Sequence(items)) => items.get(*index)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The node at `path`, mutably.
pub fn node_mut<'v>(root: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    let mut current = root;
    for seg in path {
        current = match (seg, current) {
            (Seg::Key(key), Value::Mapping(map)) => map.get_mut(key)?,
            (Seg::Index(index), Value::Sequence(items)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Removes the node at `path` from its parent; false when there is no such node (or it is the root).
pub fn remove(root: &mut Value, path: &[Seg]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match (last, node_mut(root, parent)) {
        (Seg::Key(key), Some(Value::Mapping(map))) => map.shift_remove(key).is_some(),
        (Seg::Index(index), Some(Value::Sequence(items))) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in entries {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}

fn reference(target: &str) -> Value {
    map(vec![("$ref", s(target))])
}

/// The key a path ends with, when it ends with a string key.
fn last_key(path: &[Seg]) -> Option<&str> {
    match path.last() {
        Some(Seg::Key(Value::String(key))) => Some(key),
        _ => None,
    }
}

/// The string key `back` steps above the end of the path (0 is the last).
fn key_at(path: &[Seg], back: usize) -> Option<&str> {
    let index = path.len().checked_sub(back + 1)?;
    match path.get(index) {
        Some(Seg::Key(Value::String(key))) => Some(key),
        _ => None,
    }
}

/// Strings that have broken or could break naming, escaping, parsing or formatting somewhere.
const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "a",
    "A",
    "é",
    "日本語",
    "🦀",
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "_",
    "__",
    "r#type",
    "async",
    "gen",
    "..",
    ".",
    "/",
    "{x}",
    "{",
    "}",
    "{}",
    "#",
    "~",
    "~1",
    "1abc",
    "9",
    "Unknown",
    "unknown",
    "None",
    "Some",
    "Option",
    "String",
    "Vec",
    "Box",
    "std",
    "serde",
    "Default",
    "Result",
    "Error",
    "mod",
    "types",
    "runtime",
    "a-b",
    "a.b",
    "a b",
    "+a",
    "-a",
    "*",
    "@",
    "\0",
    "\n",
    "\t",
    "line\nbreak",
    "```rust\nfn x() {}\n```",
    "    indented code",
    "\"quote",
    "'single",
    "back\\slash",
    "*/",
    "/*",
    "]]",
    "\u{202e}rtl",
    "\u{feff}bom",
    "null",
    "true",
    "0",
    "-1",
    "1e309",
    "application/json",
    "multipart/form-data",
    "#/components/schemas/A",
    "fooBar",
    "foo_bar",
    "FooBar",
    "foo-bar",
    "FOO_BAR",
    "limit",
    "offset",
    "data",
    "total_count",
    "additional_properties",
    "body",
    "secret",
    "kty",
    "object",
    "params",
    "value",
];

/// A random string that is likely to be awkward somewhere.
pub fn odd_string(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => "a".repeat(1 + rng.below(5000)),
        1 => {
            let words = 1 + rng.below(400);
            (0..words).map(|i| format!("w{i} ")).collect()
        }
        2 => {
            // A random run of printable and control characters.
            let len = 1 + rng.below(20);
            (0..len)
                .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'))
                .collect()
        }
        _ => rng.pick(ODD_STRINGS).copied().unwrap_or("x").to_owned(),
    }
}

/// A random scalar of any type, including numbers at the edges of what YAML and Rust hold.
pub fn odd_scalar(rng: &mut Rng) -> Value {
    match rng.below(24) {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => Value::Bool(false),
        3 => Value::from(0),
        4 => Value::from(-1),
        5 => Value::from(i64::MAX),
        6 => Value::from(i64::MIN),
        7 => Value::from(u64::MAX),
        8 => Value::from(1e308),
        9 => Value::from(-0.0),
        10 => Value::from(0.5),
        11 => Value::from(f64::INFINITY),
        12 => Value::from(f64::NEG_INFINITY),
        13 => Value::from(f64::NAN),
        14 => Value::from(9_007_199_254_740_993_i64),
        15 => Value::from(4_294_967_296_i64),
        16 => Value::from(-2_147_483_649_i64),
        17 => Value::from(1e-300),
        _ => Value::String(odd_string(rng)),
    }
}

/// A random value: a scalar, an empty or small collection, or a small schema.
pub fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => Value::Mapping(Mapping::new()),
        1 => Value::Sequence(Vec::new()),
        2 => Value::Sequence(vec![odd_scalar(rng), odd_scalar(rng)]),
        3 => map(vec![("type", s(random_type(rng)))]),
        4 => map(vec![(random_schema_keyword(rng), odd_scalar(rng))]),
        _ => odd_scalar(rng),
    }
}

fn random_type(rng: &mut Rng) -> &'static str {
    const TYPES: &[&str] = &[
        "string", "integer", "number", "boolean", "array", "object", "null", "file", "String",
        "int", "",
    ];
    rng.pick(TYPES).copied().unwrap_or("string")
}

fn random_format(rng: &mut Rng) -> &'static str {
    const FORMATS: &[&str] = &[
        "int32",
        "int64",
        "float",
        "double",
        "binary",
        "byte",
        "date",
        "date-time",
        "uri",
        "email",
        "uuid",
        "password",
        "",
        "int8",
        "decimal",
        "unix-time",
    ];
    rng.pick(FORMATS).copied().unwrap_or("int32")
}

fn random_schema_keyword(rng: &mut Rng) -> &'static str {
    const KEYWORDS: &[&str] = &[
        "type",
        "format",
        "properties",
        "items",
        "required",
        "enum",
        "nullable",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "additionalProperties",
        "discriminator",
        "readOnly",
        "writeOnly",
        "deprecated",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "pattern",
        "default",
        "example",
        "title",
        "description",
        "$ref",
        "x-speakeasy-name-override",
        "x-speakeasy-unknown-values",
    ];
    rng.pick(KEYWORDS).copied().unwrap_or("type")
}

/// Splits a name into lower-case words at case changes and separators.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A variant of `name` that a name converter may confuse with it, or a name that is awkward in
/// itself.
pub fn mutate_name(rng: &mut Rng, name: &str) -> String {
    let w = words(name);
    match rng.below(16) {
        0 => name.to_uppercase(),
        1 => name.to_lowercase(),
        2 => w.join("_"),
        3 => {
            // lowerCamelCase.
            let mut out = String::new();
            for (i, word) in w.iter().enumerate() {
                if i == 0 {
                    out.push_str(word);
                } else {
                    out.push_str(&capitalised(word));
                }
            }
            out
        }
        4 => w.iter().map(|word| capitalised(word)).collect(),
        5 => w.join("-"),
        6 => w.join("."),
        7 => format!("{}{name}", rng.below(10)),
        8 => format!("{name}_"),
        9 => format!("_{name}"),
        10 => format!("{name}{}", 2 + rng.below(3)),
        11 => format!("{name} "),
        12 => format!("{name}.{name}"),
        _ => odd_string(rng),
    }
}

/// Every `$ref` target that exists in the document, in every components section.
fn existing_targets(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Value::Mapping(components)) = doc.get("components") {
        for (section, entries) in components {
            let (Value::String(section), Value::Mapping(entries)) = (section, entries) else {
                continue;
            };
            for name in entries.keys() {
                if let Value::String(name) = name {
                    out.push(format!(
                        "#/components/{section}/{}",
                        name.replace('~', "~0").replace('/', "~1")
                    ));
                }
            }
        }
    }
    out
}

/// The names of the component schemas.
fn schema_names(doc: &Value) -> Vec<String> {
    match doc.get("components").and_then(|c| c.get("schemas")) {
        Some(Value::Mapping(schemas)) => schemas
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A `$ref` target: usually one that exists (in any section), else one that cannot be followed.
fn random_target(rng: &mut Rng, doc: &Value, own: Option<&str>) -> String {
    const BOGUS: &[&str] = &[
        "#/components/schemas/Nope",
        "#/components/schemas/",
        "#/components/schemas",
        "#/components/schemas/A/properties/x",
        "#/components/parameters/Nope",
        "#/components/responses/Nope",
        "#/components/requestBodies/Nope",
        "#/components/securitySchemes/bearerAuth",
        "#/paths/~1a",
        "#",
        "#/",
        "",
        "other.yml",
        "other.yml#/components/schemas/A",
        "https://example.test/api.yml#/components/schemas/A",
        "#/components/schemas/a~1b",
        "#/components/schemas/%7Bx%7D",
        "#/components/schemas/A#/x",
        "#/components/schemas/..",
        "#/components/schemas/{x}",
    ];
    if let Some(own) = own
        && rng.chance(1, 6)
    {
        return own.to_owned();
    }
    let existing = existing_targets(doc);
    if !existing.is_empty()
        && rng.chance(3, 4)
        && let Some(target) = rng.pick(&existing)
    {
        return target.clone();
    }
    rng.pick(BOGUS).copied().unwrap_or("#").to_owned()
}

/// The `$ref` target of the component a node sits in, e.g. `#/components/schemas/A`.
fn own_component(path: &[Seg]) -> Option<String> {
    match path {
        [
            Seg::Key(Value::String(components)),
            Seg::Key(Value::String(section)),
            Seg::Key(Value::String(name)),
            ..,
        ] if components == "components" => Some(format!("#/components/{section}/{name}")),
        _ => None,
    }
}

/// Whether the node at `path` is (most likely) a schema.
fn is_schema(path: &[Seg], value: &Value) -> bool {
    let Value::Mapping(m) = value else {
        return false;
    };
    if matches!(
        last_key(path),
        Some("schema" | "items" | "additionalProperties" | "not")
    ) {
        return true;
    }
    if matches!(key_at(path, 1), Some("properties" | "schemas"))
        || (matches!(path.last(), Some(Seg::Index(_)))
            && matches!(key_at(path, 1), Some("allOf" | "oneOf" | "anyOf")))
    {
        return true;
    }
    [
        "type",
        "properties",
        "$ref",
        "allOf",
        "oneOf",
        "anyOf",
        "enum",
        "items",
        "nullable",
    ]
    .iter()
    .any(|k| m.contains_key(*k))
}

/// The paths of the nodes for which `keep` holds.
fn select_paths(doc: &Value, keep: impl Fn(&[Seg], &Value) -> bool) -> Vec<NodePath> {
    paths(doc)
        .into_iter()
        .filter(|p| node(doc, p).is_some_and(|v| keep(p, v)))
        .collect()
}

fn random_path(
    rng: &mut Rng,
    doc: &Value,
    keep: impl Fn(&[Seg], &Value) -> bool,
) -> Option<NodePath> {
    let candidates = select_paths(doc, keep);
    rng.pick(&candidates).cloned()
}

fn random_schema_path(rng: &mut Rng, doc: &Value) -> Option<NodePath> {
    random_path(rng, doc, is_schema)
}

/// The mapping at `path`, created (replacing whatever is there) when it is not a mapping.
fn mapping_at<'v>(doc: &'v mut Value, path: &[Seg]) -> Option<&'v mut Mapping> {
    let value = node_mut(doc, path)?;
    if !value.is_mapping() {
        *value = Value::Mapping(Mapping::new());
    }
    value.as_mapping_mut()
}

/// `components.schemas` of the document, created when missing.
fn schemas_mut(doc: &mut Value) -> Option<&mut Mapping> {
    let root = doc.as_mapping_mut()?;
    let components = root
        .entry(s("components"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !components.is_mapping() {
        *components = Value::Mapping(Mapping::new());
    }
    let schemas = components
        .as_mapping_mut()?
        .entry(s("schemas"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !schemas.is_mapping() {
        *schemas = Value::Mapping(Mapping::new());
    }
    schemas.as_mapping_mut()
}

/// Applies one random structural mutation to `doc`, taking material from `donor` where it splices.
/// Returns a short name of what it did.
pub fn mutate(rng: &mut Rng, doc: &mut Value, donor: &Value) -> &'static str {
    // Some mutations find nothing to act on in a given document; try others.
    for _ in 0..8 {
        let (name, applied) = match rng.below(100) {
            0..=9 => ("delete", delete(rng, doc)),
            10..=14 => ("duplicate", duplicate(rng, doc)),
            15..=23 => ("replace", replace(rng, doc)),
            24..=30 => ("rename", rename(rng, doc)),
            31..=37 => ("ref", inject_ref(rng, doc)),
            38..=40 => ("cycle", ref_cycle(rng, doc)),
            41..=45 => ("wrap", wrap(rng, doc)),
            46..=49 => ("discriminator", discriminator(rng, doc)),
            50..=52 => ("nullable", nullable(rng, doc)),
            53..=56 => ("enum", enumeration(rng, doc)),
            57..=59 => ("additional", additional(rng, doc)),
            60..=64 => ("type", type_format(rng, doc)),
            65..=66 => ("deepen", deepen(rng, doc)),
            67..=68 => ("chain", chain(rng, doc)),
            69..=72 => ("path", path_template(rng, doc)),
            73..=76 => ("parameter", parameter(rng, doc)),
            77..=80 => ("media", media_type(rng, doc)),
            81 => ("openapi", openapi_version(rng, doc)),
            82..=87 => ("splice", splice(rng, doc, donor)),
            88..=90 => ("status", status_code(rng, doc)),
            91..=94 => ("names", operation_names(rng, doc)),
            95..=97 => ("constraints", constraints(rng, doc)),
            _ => ("top", top_level(rng, doc)),
        };
        if applied {
            return name;
        }
    }
    "none"
}

fn delete(rng: &mut Rng, doc: &mut Value) -> bool {
    let all = paths(doc);
    match rng.pick(&all[1.min(all.len())..]) {
        Some(path) => remove(doc, &path.clone()),
        None => false,
    }
}

fn duplicate(rng: &mut Rng, doc: &mut Value) -> bool {
    let all = paths(doc);
    let Some(path) = rng.pick(&all[1.min(all.len())..]).cloned() else {
        return false;
    };
    let Some(copy) = node(doc, &path).cloned() else {
        return false;
    };
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match (last, node_mut(doc, parent)) {
        (Seg::Index(index), Some(Value::Sequence(items))) => {
            let at = (*index).min(items.len());
            items.insert(at, copy);
            true
        }
        (Seg::Key(key), Some(Value::Mapping(m))) => {
            let base = key.as_str().unwrap_or("k").to_owned();
            let new_key = mutate_name(rng, &base);
            m.insert(s(&new_key), copy);
            true
        }
        _ => false,
    }
}

fn replace(rng: &mut Rng, doc: &mut Value) -> bool {
    let all = paths(doc);
    let Some(path) = rng.pick(&all[1.min(all.len())..]).cloned() else {
        return false;
    };
    let value = odd_value(rng);
    match node_mut(doc, &path) {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

fn rename(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_path(rng, doc, |p, _| {
        matches!(p.last(), Some(Seg::Key(Value::String(_))))
    }) else {
        return false;
    };
    let Some((Seg::Key(key), parent)) = path.split_last() else {
        return false;
    };
    let base = key.as_str().unwrap_or("k").to_owned();
    let new_key = mutate_name(rng, &base);
    let keep_old = rng.chance(1, 3);
    let Some(Value::Mapping(m)) = node_mut(doc, parent) else {
        return false;
    };
    let Some(value) = (if keep_old {
        m.get(key).cloned()
    } else {
        m.shift_remove(key)
    }) else {
        return false;
    };
    // Sometimes a key that is not a string at all.
    let new_key = if rng.chance(1, 20) {
        odd_scalar(rng)
    } else {
        s(&new_key)
    };
    m.insert(new_key, value);
    true
}

fn inject_ref(rng: &mut Rng, doc: &mut Value) -> bool {
    let slot = if rng.chance(3, 4) {
        random_schema_path(rng, doc)
    } else {
        // Parameters, responses, request bodies and anything else.
        random_path(rng, doc, |p, v| !p.is_empty() && v.is_mapping())
    };
    let Some(path) = slot else {
        return false;
    };
    let own = own_component(&path);
    let target = random_target(rng, doc, own.as_deref());
    let Some(value) = node_mut(doc, &path) else {
        return false;
    };
    match (rng.below(4), value) {
        // A `$ref` beside the schema's other keywords.
        (0, Value::Mapping(m)) => {
            m.insert(s("$ref"), s(&target));
        }
        (_, value) => *value = reference(&target),
    }
    true
}

/// Makes two or three component schemas refer to each other in a circle, directly or through a
/// keyword; or one refer to itself.
fn ref_cycle(rng: &mut Rng, doc: &mut Value) -> bool {
    let mut names = schema_names(doc);
    if names.is_empty() {
        names = vec!["Fa".to_owned(), "Fb".to_owned()];
    }
    let count = 1 + rng.below(3);
    let members: Vec<String> = (0..count)
        .filter_map(|_| rng.pick(&names).cloned())
        .collect();
    let forms: Vec<u8> = (0..members.len()).map(|_| rng.below(9) as u8).collect();
    let Some(schemas) = schemas_mut(doc) else {
        return false;
    };
    for (i, name) in members.iter().enumerate() {
        let next = &members[(i + 1) % members.len()];
        let r = reference(&format!("#/components/schemas/{next}"));
        let value = match forms[i] {
            0 => r,
            1 => map(vec![("allOf", Value::Sequence(vec![r]))]),
            2 => map(vec![("oneOf", Value::Sequence(vec![r]))]),
            3 => map(vec![("anyOf", Value::Sequence(vec![r.clone(), r]))]),
            4 => map(vec![("type", s("array")), ("items", r)]),
            5 => map(vec![
                ("type", s("object")),
                ("properties", map(vec![("x", r)])),
                ("required", Value::Sequence(vec![s("x")])),
            ]),
            6 => map(vec![("additionalProperties", r)]),
            7 => map(vec![("not", r)]),
            _ => map(vec![
                (
                    "oneOf",
                    Value::Sequence(vec![r, map(vec![("type", s("string"))])]),
                ),
                ("nullable", Value::Bool(true)),
            ]),
        };
        schemas.insert(s(name), value);
    }
    true
}

fn wrap(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let target = random_target(rng, doc, None);
    let Some(slot) = node_mut(doc, &path) else {
        return false;
    };
    let inner = std::mem::take(slot);
    let other = match rng.below(4) {
        0 => reference(&target),
        1 => map(vec![("type", s(random_type(rng)))]),
        2 => inner.clone(),
        _ => map(vec![("required", Value::Sequence(vec![s("a")]))]),
    };
    *slot = match rng.below(10) {
        0 => map(vec![("allOf", Value::Sequence(vec![inner]))]),
        1 => map(vec![("allOf", Value::Sequence(vec![inner, other]))]),
        2 => map(vec![("oneOf", Value::Sequence(vec![inner, other]))]),
        3 => map(vec![("anyOf", Value::Sequence(vec![inner]))]),
        4 => map(vec![("not", inner)]),
        5 => map(vec![
            ("type", s("object")),
            ("oneOf", Value::Sequence(vec![inner, other])),
        ]),
        6 => map(vec![
            ("oneOf", Value::Sequence(vec![inner])),
            ("nullable", Value::Bool(true)),
        ]),
        7 => map(vec![
            ("allOf", Value::Sequence(vec![inner])),
            (
                "properties",
                map(vec![("a", map(vec![("type", s("string"))]))]),
            ),
        ]),
        8 => map(vec![
            ("type", s("object")),
            ("properties", map(vec![("a", inner), ("b", other)])),
            (
                "anyOf",
                Value::Sequence(vec![
                    map(vec![("required", Value::Sequence(vec![s("a")]))]),
                    map(vec![("required", Value::Sequence(vec![s("b")]))]),
                ]),
            ),
        ]),
        _ => map(vec![("anyOf", Value::Sequence(vec![inner, other]))]),
    };
    true
}

fn discriminator(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let names = schema_names(doc);
    let mut targets: Vec<String> = names
        .iter()
        .map(|n| format!("#/components/schemas/{n}"))
        .collect();
    targets.push(random_target(rng, doc, None));
    let members: Vec<Value> = (0..1 + rng.below(3))
        .filter_map(|_| rng.pick(&targets).map(|t| reference(t)))
        .collect();
    let property = match rng.below(4) {
        0 => "type".to_owned(),
        1 => odd_string(rng),
        _ => "object".to_owned(),
    };
    let mut mapping = Mapping::new();
    for _ in 0..rng.below(4) {
        let key = match rng.below(3) {
            0 => odd_string(rng),
            _ => names
                .get(rng.below(names.len().max(1)))
                .cloned()
                .unwrap_or_else(|| "a".to_owned()),
        };
        let target = rng.pick(&targets).cloned().unwrap_or_default();
        mapping.insert(s(&key), s(&target));
    }
    let mut d = Mapping::new();
    if rng.chance(9, 10) {
        d.insert(s("propertyName"), s(&property));
    }
    if !mapping.is_empty() || rng.chance(1, 4) {
        d.insert(s("mapping"), Value::Mapping(mapping));
    }
    let keyword = if rng.chance(1, 2) { "oneOf" } else { "anyOf" };
    let replace_members = rng.chance(2, 3);
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    if replace_members && !members.is_empty() {
        m.insert(s(keyword), Value::Sequence(members));
    }
    m.insert(s("discriminator"), Value::Mapping(d));
    true
}

fn nullable(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let value = match rng.below(5) {
        0 => Value::Bool(false),
        1 => odd_scalar(rng),
        _ => Value::Bool(true),
    };
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s("nullable"), value);
    true
}

fn enumeration(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let count = rng.below(6);
    let mut values: Vec<Value> = (0..count)
        .map(|_| match rng.below(3) {
            0 => odd_scalar(rng),
            _ => Value::String(odd_string(rng)),
        })
        .collect();
    if rng.chance(1, 3)
        && let Some(first) = values.first().cloned()
    {
        values.push(first);
    }
    let typ = match rng.below(4) {
        0 => None,
        1 => Some(random_type(rng)),
        _ => Some("string"),
    };
    let allow = rng.chance(1, 4);
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s("enum"), Value::Sequence(values));
    if let Some(typ) = typ {
        m.insert(s("type"), s(typ));
    }
    if allow {
        m.insert(s("x-speakeasy-unknown-values"), s("allow"));
    }
    true
}

fn additional(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let target = random_target(rng, doc, None);
    let value = match rng.below(6) {
        0 => Value::Bool(true),
        1 => Value::Bool(false),
        2 => Value::Mapping(Mapping::new()),
        3 => reference(&target),
        4 => map(vec![("type", s(random_type(rng)))]),
        _ => odd_value(rng),
    };
    let object_only = rng.chance(1, 3);
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s("additionalProperties"), value);
    if object_only {
        m.insert(s("type"), s("object"));
        m.shift_remove("properties");
    }
    true
}

fn type_format(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let typ = match rng.below(8) {
        0 => Value::Sequence(vec![s("string"), s("null")]),
        1 => odd_scalar(rng),
        _ => s(random_type(rng)),
    };
    let format = rng.chance(1, 2).then(|| s(random_format(rng)));
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s("type"), typ);
    if let Some(format) = format {
        m.insert(s("format"), format);
    }
    true
}

/// Nests a schema inside `depth` layers of lists, objects, maps or `allOf`s.
fn deepen(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let depth = match rng.below(4) {
        0 => 1 + rng.below(120),
        _ => 1 + rng.below(12),
    };
    let kinds: Vec<usize> = (0..depth).map(|_| rng.below(5)).collect();
    let Some(slot) = node_mut(doc, &path) else {
        return false;
    };
    let mut value = std::mem::take(slot);
    for kind in kinds {
        value = match kind {
            0 => map(vec![("type", s("array")), ("items", value)]),
            1 => map(vec![
                ("type", s("object")),
                ("properties", map(vec![("x", value)])),
            ]),
            2 => map(vec![("additionalProperties", value)]),
            3 => map(vec![("allOf", Value::Sequence(vec![value]))]),
            _ => map(vec![("oneOf", Value::Sequence(vec![value]))]),
        };
    }
    *slot = value;
    true
}

/// Adds a chain of component schemas, each referring to the next one or more times, and points a
/// schema of the document at its head: anything that expands references without remembering
/// what it already expanded takes exponential time on it.
fn chain(rng: &mut Rng, doc: &mut Value) -> bool {
    // Mostly short chains; sometimes long ones, for what recurses or compares once per link.
    let length = match rng.below(10) {
        0 => 300 + rng.below(3000),
        1 | 2 => 40 + rng.below(300),
        _ => 2 + rng.below(40),
    };
    let form = rng.below(11);
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let Some(schemas) = schemas_mut(doc) else {
        return false;
    };
    for i in 0..length {
        let name = format!("Fz{i}");
        let value = if i + 1 == length {
            map(vec![
                ("type", s("object")),
                (
                    "properties",
                    map(vec![("x", map(vec![("type", s("string"))]))]),
                ),
            ])
        } else {
            let r = reference(&format!("#/components/schemas/Fz{}", i + 1));
            match form {
                0 => map(vec![("allOf", Value::Sequence(vec![r.clone(), r]))]),
                1 => map(vec![("type", s("array")), ("items", r)]),
                2 => map(vec![
                    ("type", s("object")),
                    ("properties", map(vec![("a", r.clone()), ("b", r)])),
                ]),
                3 => map(vec![(
                    "oneOf",
                    Value::Sequence(vec![r, map(vec![("type", s("string"))])]),
                )]),
                4 => map(vec![("anyOf", Value::Sequence(vec![r.clone(), r]))]),
                5 => map(vec![
                    ("allOf", Value::Sequence(vec![r.clone()])),
                    ("properties", map(vec![("a", r)])),
                ]),
                6 => map(vec![("additionalProperties", r)]),
                7 => map(vec![
                    ("additionalProperties", r),
                    ("nullable", Value::Bool(true)),
                ]),
                8 => map(vec![
                    ("type", s("array")),
                    (
                        "items",
                        map(vec![
                            ("type", s("object")),
                            ("properties", map(vec![("x", r)])),
                        ]),
                    ),
                ]),
                9 => map(vec![
                    ("oneOf", Value::Sequence(vec![r])),
                    ("nullable", Value::Bool(true)),
                ]),
                _ => map(vec![("allOf", Value::Sequence(vec![r]))]),
            }
        };
        schemas.insert(s(&name), value);
    }
    if let Some(slot) = node_mut(doc, &path) {
        *slot = reference("#/components/schemas/Fz0");
    }
    true
}

fn path_template(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(Value::Mapping(paths)) = doc.get_mut("paths") else {
        return false;
    };
    let keys: Vec<Value> = paths.keys().cloned().collect();
    let Some(key) = rng.pick(&keys).cloned() else {
        return false;
    };
    let old = key.as_str().unwrap_or("/").to_owned();
    let new = match rng.below(14) {
        0 => format!("{old}/{{a}}"),
        1 => format!("{old}/{{"),
        2 => format!("{old}/}}"),
        3 => format!("{old}/{{}}"),
        4 => format!("{old}/{{{{a}}}}"),
        5 => format!("{old}/{{id}}/{{id}}"),
        6 => old.replace(['{', '}'], ""),
        7 => old.replace('{', ""),
        8 => String::new(),
        9 => old.trim_start_matches('/').to_owned(),
        10 => format!("{old}/.."),
        11 => format!("{old}/{{é}}/{{a b}}"),
        12 => format!("{old}/{{type}}"),
        _ => format!("{old}/{{{}}}", odd_string(rng)),
    };
    if let Some(item) = paths.shift_remove(&key) {
        paths.insert(s(&new), item);
        return true;
    }
    false
}

fn is_parameter(path: &[Seg], value: &Value) -> bool {
    value.get("in").is_some()
        || (matches!(path.last(), Some(Seg::Index(_))) && key_at(path, 1) == Some("parameters"))
}

fn parameter(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_path(rng, doc, is_parameter) else {
        return false;
    };
    let choice = rng.below(9);
    let odd = odd_value(rng);
    let name = odd_string(rng);
    let target = random_target(rng, doc, None);
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    const INS: &[&str] = &[
        "path", "query", "header", "cookie", "body", "formData", "", "Query",
    ];
    const STYLES: &[&str] = &[
        "form",
        "simple",
        "spaceDelimited",
        "pipeDelimited",
        "deepObject",
        "matrix",
        "label",
    ];
    match choice {
        0 => {
            m.insert(s("in"), s(INS[rng.below(INS.len())]));
        }
        1 => {
            m.insert(s("style"), s(STYLES[rng.below(STYLES.len())]));
        }
        2 => {
            m.insert(s("explode"), Value::Bool(rng.chance(1, 2)));
        }
        3 => {
            m.insert(s("required"), odd.clone());
        }
        4 => {
            let new_name = if rng.chance(1, 2) {
                const NAMES: &[&str] = &[
                    "Authorization",
                    "Content-Type",
                    "accept",
                    "limit",
                    "offset",
                    "type",
                    "body",
                    "id",
                ];
                NAMES[rng.below(NAMES.len())].to_owned()
            } else {
                name
            };
            m.insert(s("name"), s(&new_name));
        }
        5 => {
            // `content` instead of `schema`.
            let schema = m.shift_remove("schema").unwrap_or(Value::Null);
            m.insert(
                s("content"),
                map(vec![("application/json", map(vec![("schema", schema)]))]),
            );
        }
        6 => {
            m.shift_remove("schema");
        }
        7 => {
            m.insert(s("schema"), reference(&target));
        }
        _ => {
            m.insert(s("example"), odd);
        }
    }
    true
}

fn media_type(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_path(rng, doc, |p, v| {
        last_key(p) == Some("content") && v.is_mapping()
    }) else {
        return false;
    };
    const MEDIA: &[&str] = &[
        "application/json",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
        "text/plain",
        "text/html",
        "application/vnd.api+json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "*/*",
        "application/octet-stream",
        "",
        "image/png",
        "+json",
        ";",
    ];
    let media = MEDIA[rng.below(MEDIA.len())];
    let choice = rng.below(4);
    let binary_part = map(vec![
        ("type", s("object")),
        (
            "properties",
            map(vec![
                (
                    "file",
                    map(vec![("type", s("string")), ("format", s("binary"))]),
                ),
                ("name", map(vec![("type", s("string"))])),
            ]),
        ),
    ]);
    let Some(Value::Mapping(content)) = node_mut(doc, &path) else {
        return false;
    };
    let keys: Vec<Value> = content.keys().cloned().collect();
    match (choice, rng.pick(&keys).cloned()) {
        (0, Some(key)) => {
            // Add a second media type with the same schema.
            if let Some(value) = content.get(&key).cloned() {
                content.insert(s(media), value);
            }
        }
        (1, _) => {
            content.insert(s(media), map(vec![("schema", binary_part)]));
        }
        (2, Some(key)) => {
            if let Some(Value::Mapping(m)) = content.get_mut(&key) {
                m.shift_remove("schema");
            }
        }
        (_, Some(key)) => {
            if let Some(value) = content.shift_remove(&key) {
                content.insert(s(media), value);
            }
        }
        (_, None) => {
            content.insert(s(media), map(vec![("schema", binary_part)]));
        }
    }
    true
}

fn openapi_version(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(root) = doc.as_mapping_mut() else {
        return false;
    };
    const VERSIONS: &[&str] = &[
        "3.0.0",
        "3.0.3",
        "3.0",
        "3.0.",
        "3.0.x",
        "3.1.0",
        "2.0",
        "3",
        "",
        "3.0.3-rc1",
        " 3.0.3",
    ];
    match rng.below(5) {
        0 => {
            root.shift_remove("openapi");
        }
        1 => {
            root.insert(s("swagger"), s("2.0"));
        }
        2 => {
            root.insert(s("openapi"), odd_scalar(rng));
        }
        _ => {
            root.insert(s("openapi"), s(VERSIONS[rng.below(VERSIONS.len())]));
        }
    }
    true
}

/// Puts a piece of another document into this one: under the same key where this document has
/// it, else anywhere.
fn splice(rng: &mut Rng, doc: &mut Value, donor: &Value) -> bool {
    let donor_paths = paths(donor);
    let Some(from) = rng.pick(&donor_paths[1.min(donor_paths.len())..]).cloned() else {
        return false;
    };
    let Some(piece) = node(donor, &from).cloned() else {
        return false;
    };
    let key = last_key(&from).map(str::to_owned);
    let same_key: Vec<NodePath> = match &key {
        Some(key) => select_paths(doc, |p, _| last_key(p) == Some(key.as_str())),
        None => Vec::new(),
    };
    let target = match rng.pick(&same_key) {
        Some(path) if rng.chance(3, 4) => path.clone(),
        _ => {
            let all = paths(doc);
            match rng.pick(&all[1.min(all.len())..]) {
                Some(path) => path.clone(),
                None => return false,
            }
        }
    };
    // Either replace the node, or add the piece beside it.
    let beside = rng.chance(1, 2);
    let Some((last, parent)) = target.split_last() else {
        return false;
    };
    if beside {
        match node_mut(doc, parent) {
            Some(Value::Mapping(m)) => {
                let name = match (&from.last(), last) {
                    (Some(Seg::Key(k)), _) if !m.contains_key(k) => k.clone(),
                    _ => s(&format!("fz{}", rng.below(1000))),
                };
                m.insert(name, piece);
                return true;
            }
            Some(Value::Sequence(items)) => {
                items.push(piece);
                return true;
            }
            _ => {}
        }
    }
    match node_mut(doc, &target) {
        Some(slot) => {
            *slot = piece;
            true
        }
        None => false,
    }
}

fn status_code(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_path(rng, doc, |p, v| {
        last_key(p) == Some("responses") && v.is_mapping() && p.len() > 2
    }) else {
        return false;
    };
    const CODES: &[&str] = &[
        "200", "201", "202", "204", "299", "2XX", "2xx", "default", "1XX", "300", "404", "4XX",
        "600", "99", "abc", "", "20", "2000",
    ];
    let code = CODES[rng.below(CODES.len())];
    let choice = rng.below(4);
    let target = random_target(rng, doc, None);
    let Some(Value::Mapping(responses)) = node_mut(doc, &path) else {
        return false;
    };
    let keys: Vec<Value> = responses.keys().cloned().collect();
    let picked = rng.pick(&keys).cloned();
    match (choice, picked) {
        (0, Some(key)) => {
            if let Some(value) = responses.shift_remove(&key) {
                let new_key = if rng.chance(1, 5) {
                    Value::from(200)
                } else {
                    s(code)
                };
                responses.insert(new_key, value);
            }
        }
        (1, Some(key)) => {
            if let Some(value) = responses.get(&key).cloned() {
                responses.insert(s(code), value);
            }
        }
        (2, _) => {
            responses.insert(s(code), reference(&target));
        }
        _ => {
            responses.insert(s(code), map(vec![("description", s("x"))]));
        }
    }
    true
}

fn is_operation(path: &[Seg], value: &Value) -> bool {
    value.get("responses").is_some()
        && matches!(
            last_key(path),
            Some("get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace")
        )
}

/// Changes what names an operation: its operationId, group, name override or tags (often to
/// collide with another operation's), or a component schema's name override.
fn operation_names(rng: &mut Rng, doc: &mut Value) -> bool {
    let operations = select_paths(doc, is_operation);
    let ids: Vec<String> = operations
        .iter()
        .filter_map(|p| {
            node(doc, p)?
                .get("operationId")?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    let groups: Vec<String> = operations
        .iter()
        .filter_map(|p| {
            let op = node(doc, p)?;
            op.get("x-speakeasy-group")
                .or_else(|| op.get("tags")?.get(0))?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    if rng.chance(1, 5) {
        // A schema's name override, often another schema's name.
        let names = schema_names(doc);
        let Some(name) = rng.pick(&names).cloned() else {
            return false;
        };
        let other = match rng.pick(&names) {
            Some(other) if rng.chance(1, 2) => mutate_name(rng, other),
            _ => odd_string(rng),
        };
        let Some(Value::Mapping(schema)) = schemas_mut(doc).and_then(|m| m.get_mut(name.as_str()))
        else {
            return false;
        };
        schema.insert(s("x-speakeasy-name-override"), s(&other));
        return true;
    }
    let Some(path) = rng.pick(&operations).cloned() else {
        return false;
    };
    let pick_name = |rng: &mut Rng, names: &[String]| -> String {
        match rng.pick(names) {
            Some(name) if rng.chance(2, 3) => {
                if rng.chance(1, 2) {
                    name.clone()
                } else {
                    mutate_name(rng, name)
                }
            }
            _ => odd_string(rng),
        }
    };
    let choice = rng.below(8);
    let value = match choice {
        0 | 1 => s(&pick_name(rng, &ids)),
        2 | 3 => s(&pick_name(rng, &groups)),
        4 => s(&pick_name(rng, &ids)),
        5 => Value::Sequence(vec![s(&pick_name(rng, &groups))]),
        _ => odd_value(rng),
    };
    let Some(Value::Mapping(op)) = node_mut(doc, &path) else {
        return false;
    };
    let key = match choice {
        0 | 1 => "operationId",
        2 | 3 => "x-speakeasy-group",
        4 => "x-speakeasy-name-override",
        5 => "tags",
        6 => "security",
        _ => ["deprecated", "summary", "description", "x-speakeasy-group"][rng.below(4)],
    };
    if choice == 6 {
        op.insert(s(key), Value::Sequence(Vec::new()));
    } else {
        op.insert(s(key), value);
    }
    true
}

fn constraints(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    const KEYS: &[&str] = &[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "multipleOf",
        "pattern",
        "default",
        "example",
        "readOnly",
        "writeOnly",
        "deprecated",
        "title",
        "description",
    ];
    let key = KEYS[rng.below(KEYS.len())];
    let value = match key {
        "pattern" => s(["(", "\\", "[", "^a$", "é+", "\\p{L}", "a{99999}"][rng.below(7)]),
        "example" | "default" => odd_value(rng),
        "title" | "description" => s(&odd_string(rng)),
        _ => odd_scalar(rng),
    };
    let typ = rng
        .chance(1, 2)
        .then(|| s(["integer", "number", "string", "array"][rng.below(4)]));
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s(key), value);
    if let Some(typ) = typ {
        m.insert(s("type"), typ);
    }
    true
}

/// Changes a top-level field: servers, security, info, tags or the components map itself.
fn top_level(rng: &mut Rng, doc: &mut Value) -> bool {
    let value = odd_value(rng);
    let Some(root) = doc.as_mapping_mut() else {
        return false;
    };
    match rng.below(7) {
        0 => {
            let url = [
                "",
                "{x}",
                "http://a/",
                "/v1",
                "https://api.example.test/v1/",
            ][rng.below(5)];
            root.insert(
                s("servers"),
                Value::Sequence(vec![map(vec![("url", s(url))])]),
            );
        }
        1 => {
            root.insert(s("servers"), Value::Sequence(Vec::new()));
        }
        2 => {
            root.insert(s("security"), Value::Sequence(Vec::new()));
        }
        3 => {
            let version = ["", "2026-05-12", "1.0", "v1", "é", "0.0.0-alpha+b"][rng.below(6)];
            let title = odd_string(rng);
            root.insert(
                s("info"),
                map(vec![("title", s(&title)), ("version", s(version))]),
            );
        }
        4 => {
            root.insert(
                s("tags"),
                Value::Sequence(vec![map(vec![("name", s("T")), ("description", value)])]),
            );
        }
        5 => {
            root.insert(s("components"), value);
        }
        _ => {
            root.insert(s("info"), value);
        }
    }
    true
}

/// Damages the text of a document: truncation, flipped bytes, invalid UTF-8, duplicated, removed
/// or swapped lines, and YAML constructs (anchors, aliases, merge keys, tags) dropped in at random.
pub fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let len = bytes.len();
    match rng.below(12) {
        0 => bytes.truncate(rng.below(len + 1)),
        1 => {
            for _ in 0..1 + rng.below(4) {
                if len > 0 {
                    let at = rng.below(len);
                    bytes[at] ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            const INVALID: &[&[u8]] = &[
                b"\xff",
                b"\xfe\xff",
                b"\xc3",
                b"\xed\xa0\x80",
                b"\xf8\x88\x80\x80\x80",
                b"\0",
            ];
            let at = rng.below(len + 1);
            let piece = INVALID[rng.below(INVALID.len())];
            bytes.splice(at..at, piece.iter().copied());
        }
        3..=5 => {
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let n = lines.len();
            match rng.below(3) {
                0 => {
                    let i = rng.below(n);
                    let line = lines[i].clone();
                    lines.insert(i, line);
                }
                1 => {
                    if n > 1 {
                        lines.remove(rng.below(n));
                    }
                }
                _ => {
                    let (i, j) = (rng.below(n), rng.below(n));
                    lines.swap(i, j);
                }
            }
            *bytes = lines.join(&b'\n');
        }
        6..=8 => yaml_construct(rng, bytes),
        9 => {
            let at = rng.below(len + 1);
            let text = odd_string(rng);
            bytes.splice(at..at, text.bytes());
        }
        10 => {
            // A billion-laughs block of aliases.
            let mut block = String::from(
                "\nx-laughs:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
            );
            let levels = 2 + rng.below(10);
            for i in 1..levels {
                let prev = i - 1;
                block.push_str(&format!(
                    "  l{i}: &l{i} [*l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}]\n"
                ));
            }
            bytes.extend_from_slice(block.as_bytes());
        }
        _ => match rng.below(3) {
            0 => {
                let text = String::from_utf8_lossy(bytes).replace('\n', "\r\n");
                *bytes = text.into_bytes();
            }
            1 => {
                bytes.splice(0..0, b"\xef\xbb\xbf".iter().copied());
            }
            _ => {
                let text = String::from_utf8_lossy(bytes).replace("  ", "\t");
                *bytes = text.into_bytes();
            }
        },
    }
}

/// Adds an anchor to one line that opens a mapping and an alias or merge key elsewhere.
fn yaml_construct(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        return;
    }
    let opens: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with(':'))
        .map(|(i, _)| i)
        .collect();
    let anchor = match rng.pick(&opens) {
        Some(&i) => {
            lines[i].push_str(" &fz");
            true
        }
        None => false,
    };
    let i = rng.below(lines.len());
    let indent: String = lines[i].chars().take_while(|c| *c == ' ').collect();
    let piece = match rng.below(8) {
        0 if anchor => format!("{indent}<<: *fz"),
        1 if anchor => format!("{indent}fzalias: *fz"),
        2 => format!("{indent}<<: [{{a: 1}}, 2]"),
        3 => format!("{indent}fztag: !custom {{a: 1}}"),
        4 => format!("{indent}fzbin: !!binary aGVsbG8="),
        5 => format!("{indent}? [complex, key]\n{indent}: 1"),
        6 => "---\nsecond: document".to_owned(),
        _ => format!("{indent}<<: *nowhere"),
    };
    lines.insert(i, piece);
    *bytes = lines.join("\n").into_bytes();
}
