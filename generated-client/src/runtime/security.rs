//! Security: the schemes a document declares, the credentials the client was built with, and
//! which of an operation's alternatives a call sends.
//!
//! An operation lists alternatives, each a set of schemes whose credentials are all sent
//! together. A call sends the first non-empty alternative whose credentials were all given to
//! the builder. An empty alternative (`{}` in the document) makes credentials optional: it is
//! used only when no other alternative can be. An operation with no alternative at all
//! (`security: []`) sends none. Otherwise the call fails before sending, naming the schemes.

use base64::Engine as _;
use reqwest::header::{self, HeaderName, HeaderValue};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// How a security scheme's credential is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <base64 of user:password>`.
    Basic,
    /// An API key in the header of this name.
    Header(&'static str),
    /// An API key in the query parameter of this name.
    Query(&'static str),
    /// An API key in the cookie of this name.
    Cookie(&'static str),
}

/// A security scheme the document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The scheme's name in the document.
    pub name: &'static str,
    /// How its credential is sent.
    pub kind: SchemeKind,
}

impl SecurityScheme {
    /// An HTTP bearer scheme.
    pub const fn bearer(name: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::Bearer,
        }
    }

    /// An HTTP basic scheme.
    pub const fn basic(name: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::Basic,
        }
    }

    /// An API key in the header `key`.
    pub const fn header(name: &'static str, key: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::Header(key),
        }
    }

    /// An API key in the query parameter `key`.
    pub const fn query(name: &'static str, key: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::Query(key),
        }
    }

    /// An API key in the cookie `key`.
    pub const fn cookie(name: &'static str, key: &'static str) -> Self {
        Self {
            name,
            kind: SchemeKind::Cookie(key),
        }
    }
}

/// A credential given to the client builder for one scheme. `Debug` shows no secret.
#[derive(Clone)]
pub enum Credential {
    /// A token or key, for bearer and API key schemes.
    Token(Secret),
    /// A user name and password, for HTTP basic.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: Secret,
    },
}

impl Credential {
    /// A token or key.
    pub fn token(value: impl Into<String>) -> Self {
        Credential::Token(Secret::new(value))
    }

    /// A user name and password.
    pub fn basic(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credential::Basic {
            user: user.into(),
            password: Secret::new(password),
        }
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Token(_) => f.write_str("Token([REDACTED])"),
            Credential::Basic { .. } => f.write_str("Basic([REDACTED])"),
        }
    }
}

/// A credential checked and put in the form it is sent in.
#[derive(Clone)]
enum Prepared {
    /// A header, marked sensitive.
    Header(HeaderName, HeaderValue),
    /// A query parameter and its value (percent-encoded when the URL is built).
    Query(&'static str, Secret),
    /// One `name=value` cookie.
    Cookie(String),
}

/// The credentials of a client, by scheme name, checked when the client is built.
#[derive(Clone, Default)]
pub(crate) struct Credentials {
    by_scheme: Vec<(&'static str, Prepared)>,
}

/// What a call sends for its security: headers, and query pairs to add to the URL.
#[derive(Default)]
pub(super) struct Applied {
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) query: Vec<(&'static str, String)>,
}

impl Credentials {
    /// Checks each credential against its scheme and prepares it for sending. `label` names a
    /// credential in errors (the secret key has its own wording); errors never show a value.
    pub(crate) fn prepare(
        given: Vec<(&'static str, Credential)>,
        schemes: &[SecurityScheme],
        label: impl Fn(&str) -> String,
    ) -> Result<Self> {
        let mut by_scheme = Vec::new();
        for (name, credential) in given {
            let Some(scheme) = schemes.iter().find(|s| s.name == name) else {
                return Err(Error::Config(format!(
                    "the document declares no security scheme `{name}`"
                )));
            };
            let what = label(name);
            let unsendable = || {
                Error::Config(format!(
                    "{what} contains characters that cannot be sent in an HTTP header"
                ))
            };
            let prepared = match (scheme.kind, credential) {
                (kind, Credential::Token(token)) => {
                    let token = token.expose_secret();
                    if token.trim().is_empty() {
                        return Err(Error::Config(format!("{what} is empty")));
                    }
                    match kind {
                        SchemeKind::Bearer => Prepared::Header(
                            header::AUTHORIZATION,
                            sensitive(&format!("Bearer {token}")).ok_or_else(unsendable)?,
                        ),
                        SchemeKind::Header(header_name) => Prepared::Header(
                            HeaderName::from_bytes(header_name.as_bytes()).map_err(|_| {
                                Error::Config(format!(
                                    "the header name `{header_name}` of `{name}` is not a valid header name"
                                ))
                            })?,
                            sensitive(token).ok_or_else(unsendable)?,
                        ),
                        SchemeKind::Query(query_name) => {
                            Prepared::Query(query_name, Secret::new(token))
                        }
                        SchemeKind::Cookie(cookie_name) => {
                            let cookie = format!("{cookie_name}={token}");
                            // Checked now, so that sending cannot fail on it later.
                            sensitive(&cookie).ok_or_else(unsendable)?;
                            Prepared::Cookie(cookie)
                        }
                        SchemeKind::Basic => {
                            return Err(Error::Config(format!(
                                "{what} is HTTP basic, which takes a user name and a password"
                            )));
                        }
                    }
                }
                (SchemeKind::Basic, Credential::Basic { user, password }) => {
                    let pair = format!("{user}:{}", password.expose_secret());
                    let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                    Prepared::Header(
                        header::AUTHORIZATION,
                        sensitive(&format!("Basic {encoded}")).ok_or_else(unsendable)?,
                    )
                }
                (_, Credential::Basic { .. }) => {
                    return Err(Error::Config(format!(
                        "{what} takes a token, not a user name and a password"
                    )));
                }
            };
            by_scheme.retain(|(n, _)| *n != name);
            by_scheme.push((name, prepared));
        }
        Ok(Self { by_scheme })
    }

    /// The credentials a client is built with: the secret key (the credential of the document's
    /// first bearer scheme, unless that scheme was given one of its own) and those given per
    /// scheme. Fails when the document's own alternatives all need a credential and none has all
    /// of them, so that a client that could call nothing is not built.
    pub(crate) fn for_builder(
        secret_key: Option<Secret>,
        mut given: Vec<(&'static str, Credential)>,
    ) -> Result<Self> {
        let bearer = crate::SECURITY_SCHEMES
            .iter()
            .find(|s| s.kind == SchemeKind::Bearer)
            .map(|s| s.name);
        let mut from_secret_key = None;
        if let Some(secret_key) = secret_key {
            let Some(bearer) = bearer else {
                return Err(Error::Config(
                    "the API declares no bearer security scheme to send a secret key with".into(),
                ));
            };
            if !given.iter().any(|(name, _)| *name == bearer) {
                given.insert(0, (bearer, Credential::Token(secret_key)));
                from_secret_key = Some(bearer);
            }
        }
        let none_given = given.is_empty();
        let credentials = Self::prepare(given, crate::SECURITY_SCHEMES, |name| {
            if from_secret_key == Some(name) {
                "the secret key".to_owned()
            } else {
                format!("the credential of the `{name}` security scheme")
            }
        })?;
        if credentials.choose(crate::SECURITY).is_none() {
            return Err(Error::Config(match bearer {
                Some(_) if none_given => format!(
                    "no secret key: call ClientBuilder::secret_key, or set {} and use Client::from_env",
                    crate::client::SECRET_KEY_ENV
                ),
                _ => format!(
                    "no credentials for any of the API's security alternatives: {}",
                    describe(crate::SECURITY)
                ),
            }));
        }
        Ok(credentials)
    }

    fn get(&self, name: &str) -> Option<&Prepared> {
        self.by_scheme
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| p)
    }

    /// The first non-empty alternative whose credentials are all present; `Some(&[])` when
    /// none is but an empty alternative makes them optional, or when there are no alternatives.
    pub(crate) fn choose<'s>(&self, alternatives: &'s [&'s [&'s str]]) -> Option<&'s [&'s str]> {
        if alternatives.is_empty() {
            return Some(&[]);
        }
        alternatives
            .iter()
            .find(|set| !set.is_empty() && set.iter().all(|name| self.get(name).is_some()))
            .copied()
            .or_else(|| alternatives.iter().find(|set| set.is_empty()).copied())
    }

    /// What a call of `operation` requiring `alternatives` sends, or the error naming what is
    /// missing.
    pub(super) fn apply(
        &self,
        alternatives: &[&[&str]],
        operation: &'static str,
    ) -> Result<Applied> {
        let Some(set) = self.choose(alternatives) else {
            return Err(Error::MissingCredentials {
                operation,
                schemes: describe(alternatives),
            });
        };
        let mut applied = Applied::default();
        let mut cookies = Vec::new();
        for prepared in set.iter().filter_map(|name| self.get(name)) {
            match prepared {
                Prepared::Header(name, value) => {
                    applied.headers.push((name.clone(), value.clone()))
                }
                Prepared::Query(name, value) => {
                    applied.query.push((name, value.expose_secret().to_owned()));
                }
                Prepared::Cookie(cookie) => cookies.push(cookie.as_str()),
            }
        }
        if !cookies.is_empty()
            && let Some(value) = sensitive(&cookies.join("; "))
        {
            applied.headers.push((header::COOKIE, value));
        }
        Ok(applied)
    }
}

/// `DevBrowser, or ProductionNativeApp and ProductionNativeFlag`.
pub(crate) fn describe(alternatives: &[&[&str]]) -> String {
    alternatives
        .iter()
        .filter(|set| !set.is_empty())
        .map(|set| set.join(" and "))
        .collect::<Vec<_>>()
        .join(", or ")
}

/// A header value marked sensitive, so that `Debug` output of the HTTP client redacts it.
fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMES: &[SecurityScheme] = &[
        SecurityScheme {
            name: "A",
            kind: SchemeKind::Bearer,
        },
        SecurityScheme {
            name: "B",
            kind: SchemeKind::Basic,
        },
        SecurityScheme {
            name: "C",
            kind: SchemeKind::Cookie("__client"),
        },
        SecurityScheme {
            name: "Q",
            kind: SchemeKind::Query("flag"),
        },
    ];

    fn credentials(given: Vec<(&'static str, Credential)>) -> Result<Credentials> {
        Credentials::prepare(given, SCHEMES, |name| format!("the credential of `{name}`"))
    }

    #[test]
    fn the_first_complete_alternative_wins_and_empty_means_optional() {
        let creds = credentials(vec![("C", Credential::token("tok"))]).unwrap();
        let alternatives: &[&[&str]] = &[&[], &["A", "Q"], &["C"]];
        assert_eq!(creds.choose(alternatives), Some(&["C"][..]));
        assert_eq!(creds.choose(&[&[], &["A"]]), Some(&[][..]));
        assert_eq!(creds.choose(&[]), Some(&[][..]));
        assert_eq!(creds.choose(&[&["A", "Q"]]), None);
        let err = creds.apply(&[&["A", "Q"], &["B"]], "Op").err().unwrap();
        assert_eq!(
            err.to_string(),
            "Op needs credentials that were not given to the client: A and Q, or B"
        );
    }

    #[test]
    fn each_kind_is_sent_in_its_place() {
        let creds = credentials(vec![
            ("A", Credential::token("t1")),
            ("B", Credential::basic("user", "pw")),
            ("C", Credential::token("c1")),
            ("Q", Credential::token("true")),
        ])
        .unwrap();
        let applied = creds.apply(&[&["B", "C", "Q"]], "Op").unwrap();
        let headers: Vec<(String, &str)> = applied
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap()))
            .collect();
        assert_eq!(
            headers,
            [
                ("authorization".to_owned(), "Basic dXNlcjpwdw=="),
                ("cookie".to_owned(), "__client=c1")
            ]
        );
        assert_eq!(applied.query, [("flag", "true".to_owned())]);
        let bearer = creds.apply(&[&["A"]], "Op").unwrap();
        assert_eq!(bearer.headers[0].1.to_str().unwrap(), "Bearer t1");
    }

    #[test]
    fn bad_credentials_are_refused_without_their_value() {
        for (name, credential) in [
            ("A", Credential::token(" ")),
            ("A", Credential::token("SECRET\nVALUE")),
            ("A", Credential::basic("u", "SECRET")),
            ("B", Credential::token("SECRET")),
            ("Z", Credential::token("SECRET")),
        ] {
            let err = credentials(vec![(name, credential)]).err().unwrap();
            assert!(matches!(err, Error::Config(_)), "{err}");
            assert!(!err.to_string().contains("SECRET"), "{err}");
        }
        assert_eq!(
            format!("{:?}", Credential::token("SECRET")),
            "Token([REDACTED])"
        );
    }
}
