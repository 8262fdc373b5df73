//! `Secret`: a string that must never show up in logs, error messages or panics.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string, such as the Clerk secret key or a machine secret returned by the API.
///
/// The value is only reachable through [`Secret::expose_secret`], so every place that reads it is
/// explicit and easy to audit. `Debug` prints `Secret([REDACTED])` and there is deliberately no
/// `Display`, so a secret cannot end up in a log line or an error message through formatting.
///
/// Serialization is transparent: a `Secret` serializes as the plain string it holds, because
/// secrets do travel on the wire in request bodies, and it deserializes from a plain string.
///
/// ```
/// use clerk_bapi::Secret;
///
/// let secret = Secret::new("ak_live_123");
/// assert_eq!(format!("{secret:?}"), "Secret([REDACTED])");
/// assert_eq!(secret.expose_secret(), "ak_live_123");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value as a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret value.
    ///
    /// Call this only where the real value is needed, for example to hand it to another system;
    /// never to log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::from("sk_test_SECRETVALUE123");
        let printed = format!("{secret:?} {secret:#?}");
        assert!(!printed.contains("SECRETVALUE"), "{printed}");
        assert!(printed.contains("REDACTED"));
    }

    #[test]
    fn serde_is_transparent() {
        let secret = Secret::new("ak_123");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"ak_123\"");
        let back: Secret = serde_json::from_str("\"ak_123\"").unwrap();
        assert_eq!(back, secret);
        assert!(serde_json::from_str::<Secret>("12").is_err());
    }
}
