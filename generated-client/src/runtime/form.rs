//! `application/x-www-form-urlencoded` bodies: a parameter struct's body fields as `name=value`
//! pairs, lists and objects spelled by the OpenAPI `encoding` rules, encoded by `serde_urlencoded`.

use serde::Serialize;
use serde_json::Value;

use super::request::{Body, Request};
use crate::error::{Error, Result};

/// The media type of a URL-encoded form.
pub(super) const FORM_MEDIA_TYPE: &str = "application/x-www-form-urlencoded";

/// How a form member holding a list or an object is spelled (OpenAPI `style` and `explode`).
/// Scalars are `name=value` in every style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormStyle {
    /// `style: form`, `explode: true` (the default): a list as `k=a&k=b`, an object as its
    /// members' own pairs `p=v&q=w`.
    Form,
    /// `style: form`, `explode: false`: a list as `k=a,b`, an object as `k=p,v,q,w`.
    FormJoined,
    /// `style: spaceDelimited`: a list as `k=a b`.
    SpaceDelimited,
    /// `style: pipeDelimited`: a list as `k=a|b`.
    PipeDelimited,
    /// `style: deepObject`: an object as `k[p]=v&k[q]=w`.
    DeepObject,
}

impl Request {
    /// Sets a URL-encoded form body made of `value`'s members (a struct serializing to an object;
    /// `()` gives an empty form), with the styles of the members named in `styles`; the others use
    /// [`FormStyle::Form`]. `None` members are left out; a value nested deeper than a style
    /// describes (an object in a list) is sent as its JSON text.
    ///
    /// Fails with [`Error::Encode`] when the value cannot be serialized.
    pub fn form<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        styles: &[(&str, FormStyle)],
    ) -> Result<()> {
        let operation = self.operation_id;
        let value =
            serde_json::to_value(value).map_err(|source| Error::Encode { operation, source })?;
        let pairs = form_pairs(value, styles);
        // Encoding a list of string pairs cannot fail; the error is kept rather than unwrapped.
        let bytes = serde_urlencoded::to_string(&pairs)
            .map_err(|err| {
                Error::Config(format!("could not encode the form of {operation}: {err}"))
            })?
            .into_bytes();
        self.body = Some(Body::Raw {
            bytes,
            content_type: FORM_MEDIA_TYPE,
        });
        Ok(())
    }
}

/// The `name=value` pairs of a form: each member's, in the order `serde_json` keeps them.
pub(super) fn form_pairs(value: Value, styles: &[(&str, FormStyle)]) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let Value::Object(members) = value else {
        return pairs;
    };
    for (name, value) in members {
        let style = styles
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(FormStyle::Form, |(_, style)| *style);
        member_pairs(&name, value, style, &mut pairs);
    }
    pairs
}

fn member_pairs(name: &str, value: Value, style: FormStyle, pairs: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            let items: Vec<String> = items.into_iter().filter_map(text).collect();
            let separator = match style {
                FormStyle::Form | FormStyle::DeepObject => {
                    pairs.extend(items.into_iter().map(|item| (name.to_owned(), item)));
                    return;
                }
                FormStyle::FormJoined => ",",
                FormStyle::SpaceDelimited => " ",
                FormStyle::PipeDelimited => "|",
            };
            if !items.is_empty() {
                pairs.push((name.to_owned(), items.join(separator)));
            }
        }
        Value::Object(members) => {
            let members = members
                .into_iter()
                .filter_map(|(key, value)| text(value).map(|value| (key, value)));
            match style {
                FormStyle::DeepObject => {
                    pairs.extend(members.map(|(key, value)| (format!("{name}[{key}]"), value)));
                }
                FormStyle::FormJoined | FormStyle::SpaceDelimited | FormStyle::PipeDelimited => {
                    let joined: Vec<String> = members.flat_map(|(k, v)| [k, v]).collect();
                    if !joined.is_empty() {
                        pairs.push((name.to_owned(), joined.join(",")));
                    }
                }
                FormStyle::Form => pairs.extend(members),
            }
        }
        scalar => pairs.extend(text(scalar).map(|text| (name.to_owned(), text))),
    }
}

/// The text of one value: strings as they are, numbers and booleans as JSON writes them, lists
/// and objects as their JSON text, `null` as nothing.
fn text(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn encode(value: Value, styles: &[(&str, FormStyle)]) -> String {
        serde_urlencoded::to_string(form_pairs(value, styles)).unwrap()
    }

    #[test]
    fn scalars_lists_and_nulls() {
        let value = json!({"name": "a b&c", "n": 3, "ok": true, "skip": null, "tags": ["x", "y"]});
        assert_eq!(encode(value, &[]), "n=3&name=a+b%26c&ok=true&tags=x&tags=y");
    }

    #[test]
    fn every_style_of_lists_and_objects() {
        let value = json!({"l": ["a", "b"], "o": {"p": 1, "q": "w"}});
        let all = |style| encode(value.clone(), &[("l", style), ("o", style)]);
        assert_eq!(all(FormStyle::Form), "l=a&l=b&p=1&q=w");
        assert_eq!(all(FormStyle::FormJoined), "l=a%2Cb&o=p%2C1%2Cq%2Cw");
        assert_eq!(all(FormStyle::SpaceDelimited), "l=a+b&o=p%2C1%2Cq%2Cw");
        assert_eq!(all(FormStyle::PipeDelimited), "l=a%7Cb&o=p%2C1%2Cq%2Cw");
        assert_eq!(all(FormStyle::DeepObject), "l=a&l=b&o%5Bp%5D=1&o%5Bq%5D=w");
    }

    #[test]
    fn nested_values_are_json_text_and_unit_is_empty() {
        assert_eq!(encode(json!({"l": [{"a": 1}]}), &[]), "l=%7B%22a%22%3A1%7D");
        assert_eq!(encode(json!(null), &[]), "");
    }
}
