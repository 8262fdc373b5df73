//! Path and query encoding: how values become URL segments and query pairs.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use crate::secret::Secret;

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is percent-encoded,
/// in path segments and in query keys and values alike. Encoding `/`, `?`, `#`, `%`, `&`, `=`
/// and `+` keeps a value inside its own segment or query pair whatever it contains.
pub(super) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A generated string enum, sent in paths and queries as its wire value.
pub trait StringEnum {
    /// The wire value, e.g. `"active"`; for an unknown value received from the API, that value.
    fn as_str(&self) -> &str;
}

/// A value that can fill a path parameter.
pub trait PathValue {
    /// The value as text, before percent-encoding.
    fn path_value(&self) -> Cow<'_, str>;
}

impl PathValue for str {
    fn path_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl PathValue for String {
    fn path_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl<T: StringEnum> PathValue for T {
    fn path_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

/// Implements [`PathValue`] for types whose text form is their `Display`.
macro_rules! path_value_via_display {
    ($($ty:ty),*) => {$(
        impl PathValue for $ty {
            fn path_value(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}

path_value_via_display!(i32, i64, u32, u64, f32, f64);

impl PathValue for bool {
    fn path_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

/// A value that can fill a query parameter: zero, one or several values for one key.
///
/// `None` sends nothing; `Some(0)`, `Some(false)` and `Some("")` are sent; a list sends the key
/// once per element (`k=a&k=b`).
pub trait QueryValue {
    /// Appends the value's text forms, before percent-encoding, to `out`.
    fn query_values(&self, out: &mut Vec<String>);
}

impl QueryValue for str {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(self.to_owned());
    }
}

impl QueryValue for &str {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push((*self).to_owned());
    }
}

impl QueryValue for String {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(self.clone());
    }
}

impl QueryValue for Secret {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(self.expose_secret().to_owned());
    }
}

impl QueryValue for bool {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(if *self { "true" } else { "false" }.to_owned());
    }
}

/// Implements [`QueryValue`] for types whose text form is their `Display`.
macro_rules! query_value_via_display {
    ($($ty:ty),*) => {$(
        impl QueryValue for $ty {
            fn query_values(&self, out: &mut Vec<String>) {
                out.push(self.to_string());
            }
        }
    )*};
}

// Rust prints floats without exponents (`1e21` as `1000000000000000000000`), which every JSON
// and form parser reads back exactly.
query_value_via_display!(i32, i64, u32, u64, f32, f64);

impl<T: StringEnum> QueryValue for T {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(self.as_str().to_owned());
    }
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn query_values(&self, out: &mut Vec<String>) {
        if let Some(value) = self {
            value.query_values(out);
        }
    }
}

impl<T: QueryValue> QueryValue for [T] {
    fn query_values(&self, out: &mut Vec<String>) {
        for value in self {
            value.query_values(out);
        }
    }
}

impl<T: QueryValue> QueryValue for Vec<T> {
    fn query_values(&self, out: &mut Vec<String>) {
        self.as_slice().query_values(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_cover_every_kind() {
        struct Status;
        impl StringEnum for Status {
            fn as_str(&self) -> &str {
                "active"
            }
        }
        let mut out = Vec::new();
        Some(false).query_values(&mut out);
        Some(String::new()).query_values(&mut out);
        vec![1u32, 2].query_values(&mut out);
        [1.5f64][..].query_values(&mut out);
        Status.query_values(&mut out);
        Some(vec![Status]).query_values(&mut out);
        Secret::new("s").query_values(&mut out);
        assert_eq!(out, ["false", "", "1", "2", "1.5", "active", "active", "s"]);
    }
}
