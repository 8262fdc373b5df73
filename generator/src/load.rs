//! Loading: bytes of a YAML or JSON document → a checked `openapiv3::OpenAPI`, or an error naming the
//! file and the place.

use openapiv3::OpenAPI;
use serde_yaml::Value;

use crate::Source;
use crate::error::{Error, ErrorKind, pointer_token};

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
            format!("byte {}", e.valid_up_to()),
            "the document is not valid UTF-8",
        )
    })?;
    if text.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::Empty,
            file,
            "",
            "the document is empty",
        ));
    }
    let mut value: Value = serde_yaml::from_str(text).map_err(|e| syntax_error(file, &e))?;
    check_depth(file, &value)?;
    // YAML merge keys (`<<: *anchor`) are part of how people write YAML; resolve them before
    // interpreting the document so they behave as the author meant.
    value.apply_merge().map_err(|e| {
        Error::new(
            ErrorKind::Syntax,
            file,
            "",
            format!("invalid YAML merge key: {e}"),
        )
    })?;
    check_version(file, &value)?;
    let document: OpenAPI = serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = json_pointer(e.path());
        let message = e.inner().to_string();
        Error::new(ErrorKind::WrongType, file, pointer, tidy(&message))
    })?;
    Ok(document)
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

fn location_of(error: &serde_yaml::Error) -> String {
    error
        .location()
        .map(|l| format!("line {}, column {}", l.line(), l.column()))
        .unwrap_or_default()
}

/// serde messages end with "at line X column Y" that duplicates our location; keep the first line.
fn tidy(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    match first.find(" at line ") {
        Some(i) => first[..i].to_owned(),
        None => first.to_owned(),
    }
}

fn check_depth(file: &str, root: &Value) -> Result<(), Error> {
    // An explicit stack rather than recursion, so that checking depth cannot itself overflow.
    let mut stack: Vec<(&Value, usize)> = vec![(root, 0)];
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(Error::new(
                ErrorKind::TooDeep,
                file,
                "",
                format!("the document nests more than {MAX_DEPTH} levels deep"),
            ));
        }
        match value {
            Value::Sequence(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            Value::Mapping(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            Value::Tagged(tagged) => stack.push((&tagged.value, depth + 1)),
            _ => {}
        }
    }
    Ok(())
}

fn check_version(file: &str, value: &Value) -> Result<(), Error> {
    let Value::Mapping(map) = value else {
        return Err(Error::new(
            ErrorKind::NotOpenApi,
            file,
            "",
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

fn json_pointer(path: &serde_path_to_error::Path) -> String {
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
