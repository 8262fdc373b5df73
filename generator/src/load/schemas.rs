//! Checks made before `openapiv3` parses a document: numbers that are not finite, and schemas that
//! do not parse on their own, each reported at its JSON pointer.

use super::*;

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
pub(super) fn check_schemas(file: &str, root: &Value) -> Result<(), Error> {
    check_schemas_at(file, root, "", None)
}

/// [`check_schemas`] on a part of a document: `value`, at `pointer`, reached by the key `via` from a
/// node that is not a schema and was itself reached by no key that matters (the top level, or
/// `paths`).
pub(super) fn check_schemas_at(
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
