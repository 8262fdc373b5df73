//! Loading: bytes of a YAML or JSON document → a checked `openapiv3::OpenAPI`, or an error naming the
//! file and the place.

use openapiv3::{OpenAPI, ReferenceOr, Schema};
use serde_yaml::{Mapping, Value};

use crate::Source;
use crate::error::{Error, ErrorKind, ErrorLocation, pointer_token};

mod split;

/// How deep a document may nest. Clerk's documents nest about 20 levels; anything near this limit is
/// hostile or broken, and refusing it keeps every later recursive stage far from the stack's end.
pub const MAX_DEPTH: usize = 96;

/// Parses and checks one document.
pub fn load(source: Source<'_>) -> Result<OpenAPI, Error> {
    let file = source.name;
    let text = std::str::from_utf8(source.bytes).map_err(|e| {
        Error::new(
            ErrorKind::Syntax,
            file,
            ErrorLocation::Byte(e.valid_up_to()),
            "the document is not valid UTF-8",
        )
    })?;
    if text.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::Empty,
            file,
            ErrorLocation::Document,
            "the document is empty",
        ));
    }
    // Large documents are read on all cores; anything unusual, and every error, is left to the
    // whole-text path, which reads the whole text on one thread and words the message.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if let Some(document) = split::load(text, threads) {
        return Ok(document);
    }
    load_whole(file, text)
}

/// Checks that reading `text` cut into each number of `pieces` either gives up or gives what the
/// whole-text path reads from the whole text; returns how many of the cuts read it. Not part of the
/// API: `cargo xtask fuzz` runs it on every input, since the documents it makes are mostly too
/// small for [`load`] to cut.
#[doc(hidden)]
pub fn split_agrees(text: &str, pieces: &[usize]) -> Result<usize, String> {
    let whole = load_whole("whole.yml", text);
    let mut read = 0;
    for &count in pieces {
        match (split::load_pieces(text, 2, count), &whole) {
            (None, _) => {}
            (Some(cut), Ok(whole)) if cut == *whole => read += 1,
            (Some(_), Ok(_)) => {
                return Err(format!(
                    "cut in {count} pieces, the document reads otherwise than whole"
                ));
            }
            (Some(_), Err(error)) => {
                return Err(format!(
                    "cut in {count} pieces, the document reads, but whole it is refused: {error}"
                ));
            }
        }
    }
    Ok(read)
}

/// The whole-text path: the whole text checked, parsed on one thread, checked again, then read. Every
/// error is found and worded here.
fn load_whole(file: &str, text: &str) -> Result<OpenAPI, Error> {
    check_expansion(file, text)?;
    let mut value: Value = serde_yaml::from_str(text).map_err(|e| syntax_error(file, &e))?;
    check_depth(file, &value)?;
    // YAML merge keys (`<<: *anchor`) are part of how people write YAML; resolve them before
    // interpreting the document so they behave as the author meant.
    value.apply_merge().map_err(|e| {
        Error::new(
            ErrorKind::Syntax,
            file,
            ErrorLocation::Document,
            format!("invalid YAML merge key: {e}"),
        )
    })?;
    webhooks_of_3_1(file, &mut value)?;
    check_version(file, &value)?;
    paths_or_webhooks(file, &mut value)?;
    check_schemas(file, &value)?;
    let document: OpenAPI = serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = json_pointer(e.path());
        let message = e.inner().to_string();
        Error::new(ErrorKind::WrongType, file, pointer, tidy(&message))
    })?;
    Ok(document)
}

/// The extension under which an OpenAPI 3.0 document lists its webhooks (OpenAPI 3.1 has a
/// `webhooks` field instead): event name → path item, whose one operation's request body is the
/// payload delivered.
pub const WEBHOOKS_EXTENSION: &str = "x-webhooks";

/// Reads an OpenAPI 3.1 document that only describes webhooks as the 3.0 document it then is: its
/// `webhooks` become `x-webhooks`. The schemas must keep to what 3.0 can say, which the parse that
/// follows checks. A 3.1 document with `paths` is refused: its operations would be read with 3.0
/// rules, silently wrong where the two differ.
fn webhooks_of_3_1(file: &str, value: &mut Value) -> Result<(), Error> {
    let Value::Mapping(map) = value else {
        return Ok(());
    };
    let Some(webhooks) = map.get("webhooks") else {
        return Ok(());
    };
    let version = map.get("openapi").map(scalar_text).unwrap_or_default();
    if !version.starts_with("3.1") {
        return Err(Error::new(
            ErrorKind::NotOpenApi,
            file,
            "/webhooks",
            format!(
                "`webhooks` is an OpenAPI 3.1 field, but this document is OpenAPI {version}; in a 3.0 document write `{WEBHOOKS_EXTENSION}`"
            ),
        ));
    }
    if map.contains_key(WEBHOOKS_EXTENSION) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            file,
            format!("/{WEBHOOKS_EXTENSION}"),
            "the document lists webhooks both under `webhooks` and `x-webhooks`; keep one",
        ));
    }
    if map.contains_key("paths") {
        return Err(Error::new(
            ErrorKind::NotOpenApi,
            file,
            "/openapi",
            format!(
                "OpenAPI {version} is read only for documents that describe webhooks alone; this one also has `paths`"
            ),
        ));
    }
    let webhooks = webhooks.clone();
    map.remove("webhooks");
    map.insert(Value::from(WEBHOOKS_EXTENSION), webhooks);
    map.insert(Value::from("openapi"), Value::from("3.0.3"));
    Ok(())
}

/// A document needs operations (`paths`) or webhooks; one with webhooks alone gets an empty `paths`,
/// which the document model requires.
fn paths_or_webhooks(file: &str, value: &mut Value) -> Result<(), Error> {
    let Value::Mapping(map) = value else {
        return Ok(());
    };
    if map.contains_key("paths") {
        return Ok(());
    }
    if !map.contains_key(WEBHOOKS_EXTENSION) {
        return Err(Error::new(
            ErrorKind::NotOpenApi,
            file,
            "/paths",
            format!(
                "the document has neither `paths` nor webhooks (`{WEBHOOKS_EXTENSION}`, or `webhooks` in OpenAPI 3.1), so there is nothing to generate"
            ),
        ));
    }
    map.insert(Value::from("paths"), Value::Mapping(Mapping::new()));
    Ok(())
}

/// How many values (scalars, lists and mappings) a document may hold once its YAML aliases are
/// expanded: one per byte of its text (a value takes at least one byte to write), and a fixed
/// allowance for merge keys and anchors used as intended.
const EXPANSION_ALLOWANCE: usize = 100_000;

/// Refuses a document whose aliases expand it far beyond its size (the "billion laughs": each level
/// of aliases to aliases multiplies the values). `serde_yaml` stops only after a number of alias
/// expansions proportional to the document's size, by which time a 400 kB document has taken 13 s
/// and 6 GB. The values are counted here without being stored, and counting stops at the limit.
/// Any other problem is left to the parse that follows, which words it.
fn check_expansion(file: &str, text: &str) -> Result<(), Error> {
    use serde::de::{self, DeserializeSeed, Deserializer as _, Visitor};

    /// The number of values still allowed.
    struct Budget(usize);

    impl Budget {
        fn spend<E: de::Error>(&mut self) -> Result<(), E> {
            match self.0.checked_sub(1) {
                Some(left) => {
                    self.0 = left;
                    Ok(())
                }
                None => Err(E::custom(EXCEEDED)),
            }
        }
    }

    const EXCEEDED: &str = "the expansion limit is reached";

    impl<'de> DeserializeSeed<'de> for &mut Budget {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for &mut Budget {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any YAML value")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            self.spend()
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            self.spend()
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            self.spend()
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            self.spend()
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            self.spend()
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            self.spend()
        }
        fn visit_none<E: de::Error>(self) -> Result<(), E> {
            self.spend()
        }
        fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            self.spend()?;
            deserializer.deserialize_any(self)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            self.spend()?;
            while seq.next_element_seed(&mut *self)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            self.spend()?;
            while map.next_key_seed(&mut *self)?.is_some() {
                map.next_value_seed(&mut *self)?;
            }
            Ok(())
        }
        fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
            use de::VariantAccess as _;
            self.spend()?;
            let ((), variant) = data.variant_seed(&mut *self)?;
            variant.newtype_variant_seed(&mut *self)
        }
    }

    let limit = text.len().saturating_add(EXPANSION_ALLOWANCE);
    let mut budget = Budget(limit);
    match serde_yaml::Deserializer::from_str(text).deserialize_any(&mut budget) {
        // `serde_yaml` puts the path to the value before the message.
        Err(e) if e.to_string().contains(EXCEEDED) => Err(Error::new(
            ErrorKind::Syntax,
            file,
            location_of(&e),
            format!("YAML aliases expand the document to more than {limit} values"),
        )),
        _ => Ok(()),
    }
}

/// Checks, before `openapiv3` parses the document, what would make that parse panic or take
/// exponential time: numbers that are not finite, and schemas that do not parse.
///
/// When a value that may be a `$ref` fails to parse, `openapiv3` parses it a second time, through
/// `serde_json::Value`, to word its error. `serde_json` has no NaN or infinity and turns `.nan` and
/// `.inf` into `null`, with which the second parse can succeed, and `openapiv3` then panics
/// ("somehow this parsed successfully the second time"); so non-finite numbers are refused. And the
/// second parse happens at every level of a nest of schemas, so a schema that fails deep inside
/// others takes time that doubles with each level (a 1 MB document with a broken schema 8 levels deep
/// takes half a minute). So each schema is parsed here on its own, with the schemas nested in it
/// replaced by `{}`: one pass over the schemas, and one that `openapiv3` refuses is reported here,
/// at its place, before the whole document is parsed.
fn check_schemas(file: &str, root: &Value) -> Result<(), Error> {
    check_schemas_at(file, root, "", None)
}

/// [`check_schemas`] on a part of a document: `value`, at `pointer`, reached by the key `via` from a
/// node that is not a schema and was itself reached by no key that matters (the top level, or
/// `paths`).
fn check_schemas_at(
    file: &str,
    value: &Value,
    pointer: &str,
    via: Option<&str>,
) -> Result<(), Error> {
    // Each node with its place, whether it is a schema, the key it was reached by, and the key its
    // parent was reached by (a `schema` member is a schema in a media type, a parameter or a header,
    // whose parents are reached by `content`, `parameters` and `headers`).
    type Entry<'v> = (&'v Value, usize, bool, Option<&'v str>, Option<&'v str>);
    let mut places = Places::new(pointer);
    let mut stack: Vec<Entry<'_>> = vec![(value, 0, false, via, None)];
    // Schemas are parsed once every number is known to be finite.
    let mut schemas: Vec<(&Mapping, usize)> = Vec::new();
    while let Some((value, place, is_schema, via, parent_via)) = stack.pop() {
        match value {
            Value::Number(n) if n.as_f64().is_some_and(|f| !f.is_finite()) => {
                let pointer = places.pointer(place);
                return Err(Error::new(
                    ErrorKind::WrongType,
                    file,
                    if pointer.is_empty() { "/" } else { &pointer },
                    format!("`{n}` is not a number JSON can hold; write a finite number"),
                ));
            }
            Value::Sequence(items) => {
                for (index, item) in items.iter().enumerate() {
                    let at = places.add(place, Step::Index(index));
                    stack.push((item, at, false, None, via));
                }
            }
            Value::Mapping(map) => {
                if is_schema {
                    schemas.push((map, place));
                }
                let components = places.is_components(place);
                for (key, child) in map {
                    let Some(key) = key.as_str() else {
                        stack.push((child, place, false, None, None));
                        continue;
                    };
                    let at = places.add(place, Step::Key(key));
                    let plain = (child, at, false, None, None);
                    match key {
                        // Free-form values, never schemas, whatever keys they hold.
                        "example" | "examples" | "default" | "enum" | "links" => stack.push(plain),
                        // Webhook entries hold path items, whose schemas are checked like those
                        // of `paths`.
                        WEBHOOKS_EXTENSION if place == 0 && places.start.is_empty() => {
                            stack.push((child, at, false, Some(key), via));
                        }
                        _ if key.starts_with("x-") => stack.push(plain),
                        "items" | "additionalProperties" | "not" if is_schema => {
                            stack.push((child, at, true, None, None));
                        }
                        "allOf" | "oneOf" | "anyOf" if is_schema => match child {
                            Value::Sequence(members) => {
                                for (index, member) in members.iter().enumerate() {
                                    let at = places.add(at, Step::Index(index));
                                    stack.push((member, at, true, None, None));
                                }
                            }
                            _ => stack.push(plain),
                        },
                        "properties" if is_schema => match child {
                            Value::Mapping(properties) => {
                                for (name, property) in properties {
                                    let name = name.as_str().unwrap_or_default();
                                    let at = places.add(at, Step::Key(name));
                                    stack.push((property, at, true, None, None));
                                }
                            }
                            _ => stack.push(plain),
                        },
                        "schemas" if components => match child {
                            Value::Mapping(schemas) => {
                                for (name, schema) in schemas {
                                    let name = name.as_str().unwrap_or_default();
                                    let at = places.add(at, Step::Key(name));
                                    stack.push((schema, at, true, None, None));
                                }
                            }
                            _ => stack.push(plain),
                        },
                        "schema"
                            if !is_schema
                                && matches!(
                                    parent_via,
                                    Some("content" | "parameters" | "headers")
                                ) =>
                        {
                            stack.push((child, at, true, None, None));
                        }
                        _ if is_schema => stack.push(plain),
                        _ => stack.push((child, at, false, Some(key), via)),
                    }
                }
            }
            Value::Tagged(tagged) => {
                stack.push((&tagged.value, place, is_schema, via, parent_via));
            }
            _ => {}
        }
    }
    for (schema, place) in schemas {
        check_schema(file, || places.pointer(place), schema)?;
    }
    Ok(())
}

/// A step from a node to one of its members, in a JSON pointer.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// The places of the nodes met while walking a document, each as its parent's place and the step
/// from it: a JSON pointer is written out only for a node that an error names.
struct Places<'v> {
    /// The pointer of the place the walk starts from.
    start: &'v str,
    /// Every place but the start (index 0): its parent and the step from it.
    steps: Vec<(usize, Step<'v>)>,
}

impl<'v> Places<'v> {
    fn new(start: &'v str) -> Self {
        Places {
            start,
            steps: vec![(0, Step::Index(0))],
        }
    }

    /// The place one step from `parent`.
    fn add(&mut self, parent: usize, step: Step<'v>) -> usize {
        self.steps.push((parent, step));
        self.steps.len() - 1
    }

    /// Whether the pointer of `place` is `/components`.
    fn is_components(&self, place: usize) -> bool {
        match place {
            0 => self.start == "/components",
            _ => {
                let (parent, step) = self.steps[place];
                matches!(step, Step::Key("components"))
                    && match parent {
                        0 => self.start.is_empty(),
                        _ => false,
                    }
            }
        }
    }

    /// The JSON pointer of `place`.
    fn pointer(&self, mut place: usize) -> String {
        let mut steps = Vec::new();
        while place != 0 {
            let (parent, step) = self.steps[place];
            steps.push(step);
            place = parent;
        }
        let mut pointer = self.start.to_owned();
        for step in steps.into_iter().rev() {
            match step {
                Step::Key(key) => {
                    pointer.push('/');
                    pointer.push_str(&pointer_token(key));
                }
                Step::Index(index) => pointer.push_str(&format!("/{index}")),
            }
        }
        pointer
    }
}

/// Parses one schema with the schemas nested in it replaced by `{}` (which are checked on their own).
fn check_schema(
    file: &str,
    pointer: impl FnOnce() -> String,
    schema: &Mapping,
) -> Result<(), Error> {
    let shallow = || {
        let empty = || Value::Mapping(Mapping::new());
        let mut shallow = Mapping::with_capacity(schema.len());
        for (key, value) in schema {
            let value = match (key.as_str(), value) {
                (Some("items" | "additionalProperties" | "not"), Value::Mapping(_)) => empty(),
                (Some("allOf" | "oneOf" | "anyOf"), Value::Sequence(members)) => Value::Sequence(
                    members
                        .iter()
                        .map(|m| if m.is_mapping() { empty() } else { m.clone() })
                        .collect(),
                ),
                (Some("properties"), Value::Mapping(properties)) => Value::Mapping(
                    properties
                        .iter()
                        .map(|(k, v)| (k.clone(), if v.is_mapping() { empty() } else { v.clone() }))
                        .collect(),
                ),
                _ => value.clone(),
            };
            shallow.insert(key.clone(), value);
        }
        Value::Mapping(shallow)
    };
    // Most schemas parse: try without tracking the path, which costs, and track it only to word an
    // error (the parse is the same, so it fails the same way).
    if serde_yaml::from_value::<ReferenceOr<Schema>>(shallow()).is_ok() {
        return Ok(());
    }
    serde_path_to_error::deserialize::<_, ReferenceOr<Schema>>(shallow())
        .map(|_| ())
        .map_err(|e| {
            let pointer = pointer();
            let inner = json_pointer(e.path());
            let at = if inner == "/" {
                pointer
            } else {
                format!("{pointer}{inner}")
            };
            Error::new(ErrorKind::WrongType, file, at, tidy(&e.inner().to_string()))
        })
}

fn syntax_error(file: &str, error: &serde_yaml::Error) -> Error {
    let message = error.to_string();
    if message.contains("recursion limit exceeded") {
        return Error::new(
            ErrorKind::TooDeep,
            file,
            location_of(error),
            format!("the document nests more than {MAX_DEPTH} levels deep"),
        );
    }
    Error::new(
        ErrorKind::Syntax,
        file,
        location_of(error),
        format!("invalid YAML: {}", tidy(&message)),
    )
}

fn location_of(error: &serde_yaml::Error) -> ErrorLocation {
    error
        .location()
        .map_or(ErrorLocation::Document, |l| ErrorLocation::LineColumn {
            line: l.line(),
            column: l.column(),
        })
}

/// serde messages end with "at line X column Y" that duplicates our location; keep the first line.
pub(crate) fn tidy(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    match first.find(" at line ") {
        Some(i) => first[..i].to_owned(),
        None => first.to_owned(),
    }
}

fn check_depth(file: &str, root: &Value) -> Result<(), Error> {
    if within_depth(root, 0) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::TooDeep,
        file,
        ErrorLocation::Document,
        format!("the document nests more than {MAX_DEPTH} levels deep"),
    ))
}

/// Whether nothing under `root`, itself `depth` levels down in the document, is more than
/// [`MAX_DEPTH`] levels down.
fn within_depth(root: &Value, depth: usize) -> bool {
    // An explicit stack rather than recursion, so that checking depth cannot itself overflow.
    let mut stack: Vec<(&Value, usize)> = vec![(root, depth)];
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return false;
        }
        match value {
            Value::Sequence(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            Value::Mapping(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            Value::Tagged(tagged) => stack.push((&tagged.value, depth + 1)),
            _ => {}
        }
    }
    true
}

fn check_version(file: &str, value: &Value) -> Result<(), Error> {
    let Value::Mapping(map) = value else {
        return Err(Error::new(
            ErrorKind::NotOpenApi,
            file,
            ErrorLocation::Document,
            format!(
                "expected an OpenAPI document (a mapping at the top level), found {}",
                yaml_kind(value)
            ),
        ));
    };
    if let Some(swagger) = map.get("swagger") {
        let version = scalar_text(swagger);
        return Err(Error::new(
            ErrorKind::NotOpenApi,
            file,
            "/swagger",
            format!(
                "this is a Swagger {version} document; only OpenAPI 3.0.x is supported (convert it first)"
            ),
        ));
    }
    match map.get("openapi") {
        None => Err(Error::new(
            ErrorKind::NotOpenApi,
            file,
            "/openapi",
            "the `openapi` field is missing; this does not look like an OpenAPI document",
        )),
        Some(Value::String(version)) if version.starts_with("3.0.") || version == "3.0" => Ok(()),
        Some(Value::String(version)) => Err(Error::new(
            ErrorKind::NotOpenApi,
            file,
            "/openapi",
            format!("OpenAPI {version} is not supported; only OpenAPI 3.0.x is"),
        )),
        Some(other) => Err(Error::new(
            ErrorKind::WrongType,
            file,
            "/openapi",
            format!(
                "expected a version string such as '3.0.3', found {}",
                yaml_kind(other)
            ),
        )),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => yaml_kind(other).to_owned(),
    }
}

fn yaml_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

pub(crate) fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&pointer_token(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    if pointer.is_empty() {
        "/".to_owned()
    } else {
        pointer
    }
}
