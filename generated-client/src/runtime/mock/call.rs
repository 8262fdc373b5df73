//! A request the test double received, and how generated code reads typed parameters out of it.

use serde::de::DeserializeOwned;
use serde_json::Value;

use percent_encoding::percent_decode_str;

use crate::runtime::FilePart;

/// One request the test double received, in the form tests check it.
///
/// Path parameters and query values are percent-decoded. Headers leave out `Authorization`, so
/// that printing a call shows no key.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The operation the request was routed to, e.g. `RotateMachineSecretKey`.
    pub operation_id: &'static str,
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path as sent, still percent-encoded, e.g. `/machines/mch_1/secret_key/rotate`.
    pub path: String,
    /// The path parameters by their names in the document's template, decoded.
    pub path_params: Vec<(String, String)>,
    /// The query pairs in the order sent, decoded.
    pub query: Vec<(String, String)>,
    /// The request headers (names in lower case) but `Authorization`.
    pub headers: Vec<(String, String)>,
    /// The JSON body, when the request had one.
    pub body: Option<Value>,
    /// The parts of a `multipart/form-data` body, when the request had one.
    pub parts: Vec<Part>,
    /// The query as sent, still percent-encoded, to cut comma-separated lists.
    pub(super) raw_query: String,
}

/// One part of a `multipart/form-data` request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The form field's name.
    pub name: String,
    /// The file name, for a file part.
    pub file_name: Option<String>,
    /// The part's media type, when it was given.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: Vec<u8>,
}

impl Call {
    /// The path parameter `name`, as the type of its field.
    pub fn path_param<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let values = pick(&self.path_params, name);
        lenient(name, &values, &owned(&values))
    }

    /// The query parameter `name` (all its values, for a list), as the type of its field.
    pub fn query_param<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let values = pick(&self.query, name);
        lenient(name, &values, &owned(&values))
    }

    /// A query parameter sent as one value joined by `separator` (a space for
    /// `spaceDelimited`, `|` for `pipeDelimited`), as the type of its (list) field.
    pub fn query_joined<T: DeserializeOwned>(
        &self,
        name: &str,
        separator: &str,
    ) -> Result<T, String> {
        let items: Vec<String> = pick(&self.query, name)
            .iter()
            .flat_map(|value| value.split(separator).map(str::to_owned))
            .collect();
        let values = pick(&self.query, name);
        lenient(name, &values, &items)
    }

    /// A query parameter sent as one comma-separated value, as the type of its (list) field.
    pub fn query_csv<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        // Cut before decoding: a comma inside a value was sent escaped.
        let items: Vec<String> = self
            .raw_query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(n, _)| decode(n) == name)
            .flat_map(|(_, v)| v.split(',').map(decode))
            .collect();
        let values = pick(&self.query, name);
        lenient(name, &values, &items)
    }

    /// The header parameter `name` (comma-separated for a list), as the type of its field.
    pub fn header<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let values = pick(&self.headers, &name.to_ascii_lowercase());
        let items: Vec<String> = values
            .iter()
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_owned())
            .collect();
        lenient(name, &values, &items)
    }

    /// The member `name` of the JSON body, as the type of its field (absent reads as `null`).
    pub fn body_member<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let value = self.body.as_ref().and_then(|b| b.get(name)).cloned();
        serde_json::from_value(value.unwrap_or(Value::Null))
            .map_err(|e| format!("body member `{name}`: {e}"))
    }

    /// The member `name` of the JSON body, for a field that tells a member left out (`None`) from
    /// one sent as `null` (`Some(None)`).
    pub fn body_nullable<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, String> {
        match self.body.as_ref().and_then(|b| b.get(name)) {
            None => Ok(None),
            Some(value) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|e| format!("body member `{name}`: {e}")),
        }
    }

    /// The members of the JSON body but the `named` ones, for the field that collects them.
    pub fn body_rest<T: DeserializeOwned>(&self, named: &[&str]) -> Result<T, String> {
        let mut rest = match &self.body {
            Some(Value::Object(members)) => members.clone(),
            _ => serde_json::Map::new(),
        };
        rest.retain(|name, _| !named.contains(&name.as_str()));
        serde_json::from_value(Value::Object(rest)).map_err(|e| format!("body: {e}"))
    }

    /// The whole JSON body, as the type of the field it was sent from.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_value(self.body.clone().unwrap_or(Value::Null))
            .map_err(|e| format!("body: {e}"))
    }

    /// The text parts named `name` of a multipart body, as the type of their field.
    pub fn part<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let items: Vec<String> = self
            .parts
            .iter()
            .filter(|p| p.name == name && p.file_name.is_none())
            .map(|p| String::from_utf8_lossy(&p.bytes).into_owned())
            .collect();
        let values: Vec<&str> = items.iter().map(String::as_str).collect();
        lenient(name, &values, &items)
    }

    /// The file part named `name` of a multipart body, for a `FilePart` or `Option<FilePart>`
    /// field.
    pub fn file<T: FromFile>(&self, name: &str) -> Result<T, String> {
        let file = self
            .parts
            .iter()
            .find(|p| p.name == name && p.file_name.is_some())
            .map(|p| FilePart {
                bytes: p.bytes.clone(),
                file_name: p.file_name.clone().unwrap_or_default(),
                content_type: p.content_type.clone().unwrap_or_default(),
            });
        T::from_file(file).ok_or_else(|| format!("no file part `{name}`"))
    }
}

/// The values of `name` among `pairs`.
fn pick<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn owned(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// The types a file field of a parameter struct has.
pub trait FromFile: Sized {
    /// The field's value from the file part, if there was one; `None` when it cannot go without.
    fn from_file(file: Option<FilePart>) -> Option<Self>;
}

impl FromFile for FilePart {
    fn from_file(file: Option<FilePart>) -> Option<Self> {
        file
    }
}

impl FromFile for Option<FilePart> {
    fn from_file(file: Option<FilePart>) -> Option<Self> {
        Some(file)
    }
}

/// Reads text values (from a path, query, header or form) as `T`: numbers and booleans as such
/// when `T` wants them, else as strings. `values` are tried first (none is `null`, several a
/// list), then `items`, the values cut into list elements, as a list.
fn lenient<T: DeserializeOwned>(
    name: &str,
    values: &[&str],
    items: &[String],
) -> Result<T, String> {
    let one = |v: &str, typed: bool| match serde_json::from_str::<Value>(v) {
        Ok(value @ (Value::Number(_) | Value::Bool(_))) if typed => value,
        _ => Value::String(v.to_owned()),
    };
    let scalar = |typed: bool| match values {
        [] => Value::Null,
        [value] => one(value, typed),
        many => Value::Array(many.iter().map(|v| one(v, typed)).collect()),
    };
    let list = |typed: bool| Value::Array(items.iter().map(|v| one(v, typed)).collect());
    // A value read as a number that `T` wants as a string (an id made of digits), or a list that
    // came as one value, gets another chance in the other shape.
    let mut last = None;
    for attempt in [scalar(true), scalar(false), list(true), list(false)] {
        match serde_json::from_value(attempt) {
            Ok(value) => return Ok(value),
            Err(error) => last = Some(error),
        }
    }
    Err(match last {
        Some(error) => format!("`{name}`: {error}"),
        None => format!("`{name}` could not be read"),
    })
}

/// Percent-decodes one piece of a query.
fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}
