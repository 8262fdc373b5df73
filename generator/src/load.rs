//! Loading: bytes of a YAML or JSON document → a checked `openapiv3::OpenAPI`, or an error naming the
//! file and the place.

use openapiv3::{OpenAPI, ReferenceOr, Schema};
use serde_yaml::{Mapping, Value};

use crate::Source;
use crate::error::{Error, ErrorKind, ErrorLocation, pointer_token};

mod schemas;
mod split;

use schemas::{check_schemas, check_schemas_at};

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
