//! The serde impls of generated types, written by macros rather than by serde's derive.
//!
//! Every generated type used to derive `Serialize` and `Deserialize`, and serde's derive output
//! (a field enum with its own visitor, sequence and map visitors, one arm per field in each) was
//! most of the crate's build time. The macros here write only what JSON needs: a map visitor that
//! matches member names, and a struct serializer that leaves out absent optional members. The
//! behaviour is serde's: unknown members are ignored, a missing required member and a repeated
//! member are errors with serde's own messages, `None` in an optional member is left out.
//!
//! Generated code declares each type as plain Rust, then calls one macro naming its members:
//! `json_object!(Machine { object, id, default_token_ttl: optional, r#type = "type" })`. A member is
//! `required` (no marker: always sent, an error when missing), `optional` (left out when `None`,
//! `None` when missing) or `nullable` (required but may be `null`: always sent, `None` when missing
//! or `null`); `= "wire"` gives the member's name on the wire when it differs from the field's.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize as _;
use serde::de::{self, Deserializer, Visitor};

/// A member name read from a JSON object: borrowed from the input when it can be, so that reading
/// an object allocates nothing for its keys.
#[derive(Debug)]
pub struct MemberName<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = MemberName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// Reads a string enum's wire value, borrowed when it can be, and turns it into the enum.
pub fn deserialize_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    let name = MemberName::deserialize(deserializer)?;
    Ok(T::from(&name.0))
}

/// The wire name of a member: the one given, else the field's own name.
#[doc(hidden)]
#[macro_export]
macro_rules! __clerk_wire {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident $wire:literal) => {
        $wire
    };
}

/// Writes one member of a struct being serialized; an `optional` member only when it is `Some`.
#[doc(hidden)]
#[macro_export]
macro_rules! __clerk_serialize_member {
    ($state:ident, $value:expr, $wire:expr,) => {
        ::serde::ser::SerializeStruct::serialize_field(&mut $state, $wire, $value)?
    };
    ($state:ident, $value:expr, $wire:expr, nullable) => {
        ::serde::ser::SerializeStruct::serialize_field(&mut $state, $wire, $value)?
    };
    ($state:ident, $value:expr, $wire:expr, optional) => {
        if ::std::option::Option::is_some($value) {
            ::serde::ser::SerializeStruct::serialize_field(&mut $state, $wire, $value)?
        } else {
            ::serde::ser::SerializeStruct::skip_field(&mut $state, $wire)?
        }
    };
}

/// The value of one member once the whole object is read: a required member must have been there.
#[doc(hidden)]
#[macro_export]
macro_rules! __clerk_member_value {
    ($value:ident, $wire:expr,) => {
        match $value {
            ::std::option::Option::Some(value) => value,
            ::std::option::Option::None => {
                return ::std::result::Result::Err(::serde::de::Error::missing_field($wire));
            }
        }
    };
    ($value:ident, $wire:expr, $mode:ident) => {
        ::std::option::Option::unwrap_or_default($value)
    };
}

/// `Serialize` for a struct: its members in order, each under its wire name.
#[doc(hidden)]
#[macro_export]
macro_rules! __clerk_serialize {
    ($name:ident { $($field:ident $(= $wire:literal)? $(: $mode:ident)?),* $(,)? }) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                #[allow(unused_mut)]
                let mut state = ::serde::Serializer::serialize_struct(
                    serializer,
                    stringify!($name),
                    [$($crate::__clerk_wire!($field $($wire)?)),*].len(),
                )?;
                $($crate::__clerk_serialize_member!(
                    state,
                    &self.$field,
                    $crate::__clerk_wire!($field $($wire)?),
                    $($mode)?
                );)*
                ::serde::ser::SerializeStruct::end(state)
            }
        }
    };
}

/// `Serialize` and `Deserialize` for a struct of the API's answers (see the module docs).
#[doc(hidden)]
#[macro_export]
macro_rules! __clerk_json_object {
    ($name:ident { $($field:ident $(= $wire:literal)? $(: $mode:ident)?),* $(,)? }) => {
        $crate::__clerk_serialize!($name { $($field $(= $wire)? $(: $mode)?),* });
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct ObjectVisitor;
                impl<'de> ::serde::de::Visitor<'de> for ObjectVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<$name, A::Error> {
                        $(let mut $field = ::std::option::Option::None;)*
                        #[allow(unreachable_code, unused_variables, clippy::diverging_sub_expression)]
                        if false {
                            // Never runs: it gives each local its field's type up front. Left to
                            // inference from the struct literal at the end, every member read
                            // would stay an open question until then, which made type checking
                            // the whole crate about a tenth slower.
                            let object: $name = loop {};
                            $($field = ::std::option::Option::Some(object.$field);)*
                        }
                        while let ::std::option::Option::Some(key) =
                            map.next_key::<$crate::runtime::MemberName<'de>>()?
                        {
                            match &*key.0 {
                                $($crate::__clerk_wire!($field $($wire)?) => {
                                    if $field.is_some() {
                                        return ::std::result::Result::Err(
                                            ::serde::de::Error::duplicate_field(
                                                $crate::__clerk_wire!($field $($wire)?),
                                            ),
                                        );
                                    }
                                    $field = ::std::option::Option::Some(map.next_value()?);
                                })*
                                _ => {
                                    map.next_value::<::serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        ::std::result::Result::Ok($name {
                            $($field: $crate::__clerk_member_value!(
                                $field,
                                $crate::__clerk_wire!($field $($wire)?),
                                $($mode)?
                            ),)*
                        })
                    }
                }
                ::serde::Deserializer::deserialize_map(deserializer, ObjectVisitor)
            }
        }
    };
}

/// The impls of a string enum declared with its known variants and an `Unknown(String)` variant:
/// the wire value both ways (`as_str`, `From<&str>`, `Display`), and serde through it.
#[doc(hidden)]
#[macro_export]
macro_rules! __clerk_string_enum {
    ($name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown(value) => value,
                }
            }
        }
        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => $name::$variant,)*
                    other => $name::Unknown(::std::borrow::ToOwned::to_owned(other)),
                }
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl $crate::runtime::StringEnum for $name {
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::runtime::deserialize_enum(deserializer)
            }
        }
    };
}

// Generated code names the macros through the runtime module, like the rest of the runtime:
// `crate::runtime::json_object!(..)`. `#[macro_export]` puts them at the crate root (hidden), since
// a macro one macro calls must be reachable by a path from anywhere.
pub use crate::__clerk_json_object as json_object;
pub use crate::__clerk_serialize as json_body;
pub use crate::__clerk_string_enum as string_enum;

#[cfg(test)]
mod tests {
    #![allow(dead_code)]

    #[derive(Debug, PartialEq)]
    struct Sample {
        id: String,
        r#type: Option<String>,
        note: Option<String>,
        count: Option<i64>,
    }
    crate::runtime::json_object!(Sample { id, r#type = "type": optional, note: nullable, count: optional });

    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    enum Colour {
        Red,
        DarkBlue,
        Unknown(String),
    }
    crate::runtime::string_enum!(Colour { Red = "red", DarkBlue = "dark_blue" });

    #[test]
    fn objects_read_and_write_as_serde_derive_would() {
        let value: Sample =
            serde_json::from_str(r#"{"id":"a","type":"t","extra":[1,{"x":2}],"count":3}"#).unwrap();
        assert_eq!(
            value,
            Sample {
                id: "a".into(),
                r#type: Some("t".into()),
                note: None,
                count: Some(3)
            }
        );
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"id":"a","type":"t","note":null,"count":3}"#
        );
        let err = serde_json::from_str::<Sample>(r#"{"type":"t"}"#).unwrap_err();
        assert_eq!(err.to_string(), "missing field `id` at line 1 column 12");
        let err = serde_json::from_str::<Sample>(r#"{"id":"a","id":"b"}"#).unwrap_err();
        assert_eq!(err.to_string(), "duplicate field `id` at line 1 column 14");
        let err = serde_json::from_str::<Sample>("[1]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid type: sequence, expected struct Sample at line 1 column 0"
        );
        // An escaped key cannot be borrowed from the input, and must still match.
        let value: Sample = serde_json::from_str(r#"{"\u0069d":"a"}"#).unwrap();
        assert_eq!(value.id, "a");
        let value: Sample = serde_json::from_value(serde_json::json!({"id": "v"})).unwrap();
        assert_eq!(value.id, "v");
    }

    #[test]
    fn string_enums_keep_unknown_values() {
        let colours: Vec<Colour> = serde_json::from_str(r#"["red","dark_blue","green"]"#).unwrap();
        assert_eq!(
            colours,
            [
                Colour::Red,
                Colour::DarkBlue,
                Colour::Unknown("green".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&colours).unwrap(),
            r#"["red","dark_blue","green"]"#
        );
        assert_eq!(Colour::DarkBlue.to_string(), "dark_blue");
    }
}
