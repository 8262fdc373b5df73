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
    /// The JSON body, when the request had one (`Content-Type` `application/json` or `…+json`).
    pub body: Option<Value>,
    /// The pairs of an `application/x-www-form-urlencoded` body in the order sent, decoded.
    pub form: Vec<(String, String)>,
    /// The body as sent, whatever its media type (empty when there was none).
    pub raw_body: Vec<u8>,
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

    /// The form member `name` (all its values, for a list sent as repeated pairs), as the type of
    /// its field.
    pub fn form_field<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let values = pick(&self.form, name);
        lenient(name, &values, &owned(&values))
    }

    /// A form member sent as one value joined by `separator` (`,` for `style: form` without
    /// `explode`, a space for `spaceDelimited`, `|` for `pipeDelimited`), as the type of its field.
    pub fn form_joined<T: DeserializeOwned>(
        &self,
        name: &str,
        separator: &str,
    ) -> Result<T, String> {
        let values = pick(&self.form, name);
        let items: Vec<String> = values
            .iter()
            .flat_map(|value| value.split(separator).map(str::to_owned))
            .collect();
        lenient(name, &values, &items)
    }

    /// An object form member sent with `explode: false`, as one value `key,value,key,value`.
    pub fn form_object<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let members = match pick(&self.form, name).first() {
            Some(joined) => {
                let items: Vec<&str> = joined.split(',').collect();
                let pairs = items.chunks(2).filter_map(|pair| match pair {
                    [key, value] => Some(((*key).to_owned(), (*value).to_owned())),
                    _ => None,
                });
                pairs.collect()
            }
            None => Vec::new(),
        };
        lenient_object(name, &members)
    }

    /// An object form member sent as `deepObject`: the pairs `name[key]=value`.
    pub fn form_deep<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let prefix = format!("{name}[");
        let members: Vec<(String, String)> = self
            .form
            .iter()
            .filter_map(|(n, v)| {
                let key = n.strip_prefix(&prefix)?.strip_suffix(']')?;
                Some((key.to_owned(), v.clone()))
            })
            .collect();
        lenient_object(name, &members)
    }

    /// An object form member sent exploded (`style: form`), whose members are pairs of their own:
    /// every pair but those of the `named` members of the form.
    pub fn form_spread<T: DeserializeOwned>(
        &self,
        name: &str,
        named: &[&str],
    ) -> Result<T, String> {
        let members: Vec<(String, String)> = self
            .form
            .iter()
            .filter(|(n, _)| !named.contains(&n.as_str()))
            .cloned()
            .collect();
        lenient_object(name, &members)
    }

    /// The whole body as sent, for a byte body's field (`Vec<u8>`, or `Option<Vec<u8>>`, which
    /// is `None` when no body was sent).
    pub fn raw<T: FromRaw>(&self) -> Result<T, String> {
        T::from_raw(&self.raw_body).ok_or_else(|| "no body was sent".to_owned())
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

/// The types a byte body's field has.
pub trait FromRaw: Sized {
    /// The field's value from the body as sent; `None` when it cannot go without one.
    fn from_raw(bytes: &[u8]) -> Option<Self>;
}

impl FromRaw for Vec<u8> {
    fn from_raw(bytes: &[u8]) -> Option<Self> {
        Some(bytes.to_vec())
    }
}

impl FromRaw for Option<Vec<u8>> {
    fn from_raw(bytes: &[u8]) -> Option<Self> {
        // The client sends no body for `None`, so an empty body reads back as `None`.
        Some((!bytes.is_empty()).then(|| bytes.to_vec()))
    }
}

/// Reads an object sent as text pairs as `T`, trying typed members (numbers, booleans) first and
/// then every member as a string. No member at all reads as `null`, for an optional field.
fn lenient_object<T: DeserializeOwned>(
    name: &str,
    members: &[(String, String)],
) -> Result<T, String> {
    if members.is_empty() {
        return serde_json::from_value(Value::Null).map_err(|e| format!("`{name}`: {e}"));
    }
    let object = |typed: bool| {
        let members = members
            .iter()
            .map(|(k, v)| (k.clone(), text_value(v, typed)));
        Value::Object(members.collect())
    };
    serde_json::from_value(object(true))
        .or_else(|_| serde_json::from_value(object(false)))
        .map_err(|e| format!("`{name}`: {e}"))
}

/// One text value as JSON: with `typed`, what it reads as when that is not a string (a number, a
/// boolean, or a list or object sent as its JSON text); otherwise, and failing that, a string.
fn text_value(text: &str, typed: bool) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ (Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_)))
            if typed =>
        {
            value
        }
        _ => Value::String(text.to_owned()),
    }
}

/// Reads text values (from a path, query, header or form) as `T`: numbers, booleans and JSON text
/// as such when `T` wants them, else as strings. `values` are tried first (none is `null`, several a
/// list), then `items`, the values cut into list elements, as a list.
fn lenient<T: DeserializeOwned>(
    name: &str,
    values: &[&str],
    items: &[String],
) -> Result<T, String> {
    let one = text_value;
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::runtime::FormStyle;
    use crate::runtime::form::form_pairs;

    /// A call carrying `value` as the runtime's `Request::form` sends it, read back as the test
    /// double's server reads it.
    fn form_call(value: Value, styles: &[(&str, FormStyle)]) -> Call {
        let sent = serde_urlencoded::to_string(form_pairs(value, styles)).unwrap();
        Call {
            operation_id: "createThing",
            method: "POST".into(),
            path: "/things".into(),
            path_params: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            form: serde_urlencoded::from_str(&sent).unwrap(),
            raw_body: sent.into_bytes(),
            parts: Vec::new(),
            raw_query: String::new(),
        }
    }

    #[test]
    fn form_scalars_and_lists_read_back_as_their_types() {
        let call = form_call(
            json!({"name": "a b&c", "n": 3, "ok": true, "id": "007", "tags": ["x", "y"], "one": ["z"]}),
            &[],
        );
        assert_eq!(call.form_field::<String>("name").unwrap(), "a b&c");
        assert_eq!(call.form_field::<i64>("n").unwrap(), 3);
        assert!(call.form_field::<bool>("ok").unwrap());
        // Digits that a string field holds stay a string, leading zeros and all.
        assert_eq!(call.form_field::<String>("id").unwrap(), "007");
        assert_eq!(call.form_field::<Vec<String>>("tags").unwrap(), ["x", "y"]);
        assert_eq!(call.form_field::<Vec<String>>("one").unwrap(), ["z"]);
        assert_eq!(call.form_field::<Option<String>>("absent").unwrap(), None);
        assert!(call.form_field::<String>("absent").is_err());
        assert!(call.form_field::<i64>("name").is_err());
    }

    #[test]
    fn form_lists_read_back_in_every_joined_style() {
        let value = json!({"c": ["1", "2"], "s": ["a", "b"], "p": ["x y", "z"], "n": [1, 2]});
        let styles = [
            ("c", FormStyle::FormJoined),
            ("s", FormStyle::SpaceDelimited),
            ("p", FormStyle::PipeDelimited),
            ("n", FormStyle::FormJoined),
        ];
        let call = form_call(value, &styles);
        assert_eq!(
            call.form_joined::<Vec<String>>("c", ",").unwrap(),
            ["1", "2"]
        );
        assert_eq!(
            call.form_joined::<Vec<String>>("s", " ").unwrap(),
            ["a", "b"]
        );
        assert_eq!(
            call.form_joined::<Vec<String>>("p", "|").unwrap(),
            ["x y", "z"]
        );
        assert_eq!(call.form_joined::<Vec<i64>>("n", ",").unwrap(), [1, 2]);
        // A scalar in a joined style keeps its separator.
        let call = form_call(json!({"c": "a,b"}), &[("c", FormStyle::FormJoined)]);
        assert_eq!(call.form_joined::<String>("c", ",").unwrap(), "a,b");
    }

    #[test]
    fn form_objects_read_back_in_every_style() {
        type Object = BTreeMap<String, Value>;
        let object = json!({"p": 1, "q": "w"});
        let expected: Object = serde_json::from_value(object.clone()).unwrap();
        let deep = form_call(json!({"o": object}), &[("o", FormStyle::DeepObject)]);
        assert_eq!(deep.form_deep::<Object>("o").unwrap(), expected);
        for style in [
            FormStyle::FormJoined,
            FormStyle::SpaceDelimited,
            FormStyle::PipeDelimited,
        ] {
            let joined = form_call(json!({"o": object}), &[("o", style)]);
            assert_eq!(joined.form_object::<Object>("o").unwrap(), expected);
        }
        let spread = form_call(json!({"name": "n", "o": object}), &[]);
        assert_eq!(
            spread.form_spread::<Object>("o", &["name"]).unwrap(),
            expected
        );
        assert_eq!(spread.form_field::<String>("name").unwrap(), "n");
        // An optional object that was not sent reads as `None` in every style.
        let none = form_call(json!({"name": "n"}), &[]);
        assert_eq!(none.form_deep::<Option<Object>>("o").unwrap(), None);
        assert_eq!(none.form_object::<Option<Object>>("o").unwrap(), None);
        assert_eq!(
            none.form_spread::<Option<Object>>("o", &["name"]).unwrap(),
            None
        );
    }

    #[test]
    fn a_byte_body_reads_back_whole_and_an_empty_one_as_none() {
        let mut call = form_call(json!({}), &[]);
        call.raw_body = b"\x00\xffbytes".to_vec();
        assert_eq!(call.raw::<Vec<u8>>().unwrap(), b"\x00\xffbytes");
        assert_eq!(
            call.raw::<Option<Vec<u8>>>().unwrap().unwrap(),
            b"\x00\xffbytes"
        );
        call.raw_body.clear();
        assert_eq!(call.raw::<Option<Vec<u8>>>().unwrap(), None);
        assert_eq!(call.raw::<Vec<u8>>().unwrap(), b"");
    }
}
