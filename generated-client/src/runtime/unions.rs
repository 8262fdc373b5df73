//! Helpers for generated `oneOf`/`anyOf` enums: picking and writing variants.

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::error::Result;

/// The text of a discriminator property (`"object": "verification_otp"`), used by generated
/// `oneOf` enums to pick the variant to decode. `None` when the value is not an object or the
/// property is missing or not a string.
pub fn tag(value: &Value, property: &str) -> Option<String> {
    value.get(property)?.as_str().map(str::to_owned)
}

/// Decodes a variant of a generated `oneOf` enum from an already parsed JSON value, with the
/// error type of the deserializer the enum was read with.
pub fn decode<T: DeserializeOwned, E: serde::de::Error>(value: Value) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

/// Tries to decode a variant of a generated `oneOf` enum without a discriminator; `None` when
/// the value does not have that variant's shape, so that the next variant can be tried.
pub fn try_decode<T: DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}

/// Serializes a variant of a generated `oneOf` enum with a discriminator, adding the
/// discriminator property when the variant does not carry it (the document does not always
/// require it in the variants), so that what is written decodes back to the same variant.
pub fn serialize_tagged<T: Serialize + ?Sized, S: Serializer>(
    value: &T,
    property: &str,
    tag: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut json = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    if let Value::Object(map) = &mut json
        && !map.contains_key(property)
    {
        map.insert(property.to_owned(), Value::String(tag.to_owned()));
    }
    json.serialize(serializer)
}
