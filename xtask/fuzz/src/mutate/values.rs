//! Awkward material for mutations: odd strings, scalars, values and names, `$ref` targets, and
//! what tells a schema from other nodes.

use serde_yaml::{Mapping, Value};

use super::*;

/// Strings that have broken or could break naming, escaping, parsing or formatting somewhere.
pub(super) const ODD_STRINGS: &[&str] = &[
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

pub(super) fn random_type(rng: &mut Rng) -> &'static str {
    const TYPES: &[&str] = &[
        "string", "integer", "number", "boolean", "array", "object", "null", "file", "String",
        "int", "",
    ];
    rng.pick(TYPES).copied().unwrap_or("string")
}

pub(super) fn random_format(rng: &mut Rng) -> &'static str {
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

pub(super) fn random_schema_keyword(rng: &mut Rng) -> &'static str {
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
pub(super) fn words(name: &str) -> Vec<String> {
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

pub(super) fn capitalised(word: &str) -> String {
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
pub(super) fn existing_targets(doc: &Value) -> Vec<String> {
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
pub(super) fn schema_names(doc: &Value) -> Vec<String> {
    match doc.get("components").and_then(|c| c.get("schemas")) {
        Some(Value::Mapping(schemas)) => schemas
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A `$ref` target: usually one that exists (in any section), else one that cannot be followed.
pub(super) fn random_target(rng: &mut Rng, doc: &Value, own: Option<&str>) -> String {
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
pub(super) fn own_component(path: &[Seg]) -> Option<String> {
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
pub(super) fn is_schema(path: &[Seg], value: &Value) -> bool {
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
