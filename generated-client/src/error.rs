//! The crate's error types: one [`Error`] for every failure, and the Clerk error payload it carries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The result type of every fallible operation in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every way a call to the Clerk Backend API can fail.
///
/// Match on the variant to tell the kinds apart; the enum is `#[non_exhaustive]` so that new kinds
/// can be added without breaking callers. The helper methods ([`Error::status`],
/// [`Error::is_retryable`], [`Error::api_error`], [`Error::clerk_trace_id`]) cover the common
/// questions without a `match`.
///
/// No variant's `Display` or `Debug` contains the secret key: the `Authorization` header is never
/// part of an error, and URLs are reported without their query string.
///
/// ```no_run
/// # async fn example(client: clerk_bapi::Client) {
/// # let call = async { clerk_bapi::Result::<()>::Ok(()) };
/// match call.await {
///     Ok(()) => {}
///     Err(clerk_bapi::Error::Api(api)) if api.status == 404 => println!("not found"),
///     Err(err) => eprintln!("{err} (trace id {:?})", err.clerk_trace_id()),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Clerk answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The request could not be sent or its response could not be read: DNS, connect, TLS,
    /// connection reset, or a timeout enforced by the underlying HTTP client (its connect timeout,
    /// or the timeout of an HTTP client supplied with
    /// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client)).
    #[error("transport error in {operation} ({url})")]
    Transport {
        /// The API operation being called, e.g. `ListMachines`.
        operation: &'static str,
        /// The request URL without its query string.
        url: String,
        /// The underlying HTTP error, stripped of its URL so that query values never leak.
        #[source]
        source: reqwest::Error,
    },

    /// An attempt took longer than the per-attempt timeout of the client or of the call.
    #[error("{operation} timed out after {timeout:?}")]
    Timeout {
        /// The API operation being called.
        operation: &'static str,
        /// The per-attempt timeout that expired.
        timeout: Duration,
    },

    /// A 2xx response arrived but its body is not the JSON this crate expected.
    #[error(
        "could not decode the {status} response of {operation}; the body starts with {excerpt:?}"
    )]
    Decode {
        /// The API operation being called.
        operation: &'static str,
        /// The HTTP status of the response.
        status: u16,
        /// The first 200 or so characters of the body, with the values of secret-looking JSON
        /// fields (`secret`, `token`, `password`...) replaced by `[REDACTED]`.
        excerpt: String,
        /// What the JSON decoder complained about.
        #[source]
        source: serde_json::Error,
    },

    /// A request body could not be serialized to JSON (for example a map with non-string keys).
    #[error("could not encode the request body of {operation} as JSON")]
    Encode {
        /// The API operation being called.
        operation: &'static str,
        /// What the JSON encoder complained about.
        #[source]
        source: serde_json::Error,
    },

    /// A parameter broke a constraint of the API document; nothing was sent.
    #[error(transparent)]
    Validation(ValidationError),

    /// The operation needs credentials of security schemes the client was not built with (see
    /// the `ClientBuilder` method of each scheme); nothing was sent.
    #[error("{operation} needs credentials that were not given to the client: {schemes}")]
    MissingCredentials {
        /// The API operation being called.
        operation: &'static str,
        /// The alternatives that would have authorised the call, e.g. `DevBrowser, or
        /// ProductionNativeApp and ProductionNativeFlag`.
        schemes: String,
    },

    /// The client could not be built: missing or malformed secret key, bad base URL, bad
    /// user-agent suffix, or an HTTP client that could not be created.
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// A machine token was refused by [`MachineTokenVerifier`](crate::m2m::MachineTokenVerifier):
    /// the [`TokenError`] says why. The token itself is never part of the error.
    #[error("machine token refused: {0}")]
    Token(TokenError),

    /// The failure of one request made on behalf of several concurrent callers: the JWKS fetch
    /// of a [`MachineTokenVerifier`](crate::m2m::MachineTokenVerifier) or the mint of a
    /// [`TokenProvider`](crate::m2m::TokenProvider), which make one request however many callers
    /// wait for it, and hand each of them the same error. `Display` and the helper methods
    /// ([`Error::status`], [`Error::is_retryable`]...) see through it.
    #[error(transparent)]
    Shared(Arc<Error>),
}

impl Error {
    /// The HTTP status of the response, for [`Error::Api`] and [`Error::Decode`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::Decode { status, .. } => Some(*status),
            Self::Shared(shared) => shared.status(),
            _ => None,
        }
    }

    /// The API error, when Clerk answered with a non-2xx status.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(api) => Some(api),
            Self::Shared(shared) => shared.api_error(),
            _ => None,
        }
    }

    /// Why a machine token was refused, for [`Error::Token`].
    pub fn token_error(&self) -> Option<&TokenError> {
        match self {
            Self::Token(token) => Some(token),
            Self::Shared(shared) => shared.token_error(),
            _ => None,
        }
    }

    /// The Clerk trace id of a failed response, to quote when contacting Clerk support.
    pub fn clerk_trace_id(&self) -> Option<&str> {
        self.api_error()
            .and_then(|api| api.clerk_trace_id.as_deref())
    }

    /// Whether this kind of failure is transient, so that trying again later may succeed.
    ///
    /// True for 429, 500, 502, 503 and 504 answers, timeouts and transport failures. The client
    /// already retries these on its own within its [`RetryPolicy`](crate::RetryPolicy), except
    /// that 5xx answers, timeouts and transport failures are only retried for idempotent methods;
    /// this method says what the failure is, not what the method allows.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(api) => is_retryable_status(api.status),
            Self::Transport { source, .. } => !source.is_builder() && !source.is_redirect(),
            Self::Timeout { .. } => true,
            Self::Shared(shared) => shared.is_retryable(),
            _ => false,
        }
    }

    /// Whether this is a timeout: the per-attempt timeout of this crate, or a timeout raised by
    /// the underlying HTTP client (such as its connect timeout).
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Timeout { .. } => true,
            Self::Transport { source, .. } => source.is_timeout(),
            Self::Shared(shared) => shared.is_timeout(),
            _ => false,
        }
    }
}

/// The statuses that mean "try again later": rate limited, or a server-side failure that is
/// usually temporary. 501 (not implemented) and 505 are permanent, so they are left out.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

impl From<TokenError> for Error {
    fn from(err: TokenError) -> Self {
        Self::Token(err)
    }
}

impl From<ValidationError> for Error {
    fn from(err: ValidationError) -> Self {
        Self::Validation(err)
    }
}

impl From<ApiError> for Error {
    fn from(err: ApiError) -> Self {
        Self::Api(Box::new(err))
    }
}

/// A non-2xx answer from Clerk.
///
/// `Display` names the status, the first Clerk error code and message, and the trace id:
/// `Clerk API error 422 Unprocessable Entity: form_param_missing: previous_token_ttl is missing
/// (trace id abc123)`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The API operation that was called, e.g. `RotateMachineSecretKey`.
    pub operation: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// The Clerk errors of the body; empty when the body was not Clerk's error JSON.
    pub errors: Vec<ClerkError>,
    /// The top-level `meta` of Clerk's error JSON.
    pub meta: Option<Value>,
    /// The trace id: `clerk_trace_id` of the JSON body, else the `x-clerk-trace-id` response
    /// header, else the `clerk-trace-id` response header.
    pub clerk_trace_id: Option<String>,
    /// The delay requested by the `Retry-After` header (seconds or HTTP date), if any.
    pub retry_after: Option<Duration>,
    /// The body, when it was not Clerk's error JSON (for example an HTML page from a proxy);
    /// cut to its first 4096 characters.
    pub raw_body: Option<String>,
}

impl ApiError {
    /// The first Clerk error code, e.g. `form_param_missing`.
    pub fn code(&self) -> Option<&str> {
        self.errors.first().map(|e| e.code.as_str())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clerk API error {}", self.status)?;
        if let Some(reason) = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
        {
            write!(f, " {reason}")?;
        }
        if let Some(first) = self.errors.first() {
            write!(f, ": {}: {}", first.code, first.message)?;
            if self.errors.len() > 1 {
                write!(f, " (and {} more)", self.errors.len() - 1)?;
            }
        } else if let Some(raw) = self.raw_body.as_deref().filter(|b| !b.trim().is_empty()) {
            write!(f, ": {}", excerpt(raw, 200))?;
        }
        if let Some(trace) = &self.clerk_trace_id {
            write!(f, " (trace id {trace})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// One error of Clerk's error payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClerkError {
    /// A stable, machine-readable code, e.g. `form_param_missing`.
    pub code: String,
    /// A short human-readable message.
    pub message: String,
    /// A longer explanation, when Clerk gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_message: Option<String>,
    /// Extra details, such as the name of the offending parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

/// Clerk's error payload: `{"errors": [...], "meta": ..., "clerk_trace_id": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClerkErrors {
    /// The errors, most important first.
    #[serde(default)]
    pub errors: Vec<ClerkError>,
    /// Extra details about the failure as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    /// The trace id Clerk support can look up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clerk_trace_id: Option<String>,
}

/// A parameter that breaks a constraint of the API document, caught before anything was sent.
///
/// `Display` reads like `previous_token_ttl = 28801 is out of range: must be at most 28800`.
/// The value of a secret parameter is shown as `[REDACTED]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationError {
    /// The parameter (or header) at fault, e.g. `previous_token_ttl`.
    pub field: String,
    /// The offending value as shown to people: quoted and shortened for strings, `[REDACTED]`
    /// for secrets.
    pub value: String,
    /// What is wrong, e.g. `is out of range`.
    pub problem: String,
    /// The rule that was broken, e.g. `must be at most 28800`.
    pub constraint: String,
}

impl ValidationError {
    /// Builds a validation error. `value` must already be safe to show (redacted for secrets).
    pub(crate) fn new(
        field: impl Into<String>,
        value: impl Into<String>,
        problem: impl Into<String>,
        constraint: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            value: value.into(),
            problem: problem.into(),
            constraint: constraint.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {} {}: {}",
            self.field, self.value, self.problem, self.constraint
        )
    }
}

impl std::error::Error for ValidationError {}

/// Why a machine token was refused.
///
/// Every variant names a reason a service can act on (answer 401, log, alert) without the token
/// itself: no variant holds the token or a piece of it. Values read from the token's header (a key
/// id, an algorithm, a category) are shortened and printed on one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is neither an opaque machine token (`mt_...`) nor a JWT; nothing was sent.
    #[error("the token is neither an opaque machine token (mt_...) nor a JWT")]
    UnrecognizedFormat,
    /// The token looks like a JWT but cannot be read: bad encoding, bad JSON, or a claim of the
    /// wrong type or missing.
    #[error("the token is malformed: {0}")]
    Malformed(String),
    /// The token's expiration time has passed (beyond the allowed clock skew), or Clerk reports
    /// it expired.
    #[error("the token has expired")]
    Expired,
    /// The token's `nbf` or `iat` lies in the future (beyond the allowed clock skew).
    #[error("the token is not valid yet ({claim} is in the future)")]
    NotYetValid {
        /// The claim at fault: `nbf` or `iat`.
        claim: &'static str,
    },
    /// The signature does not match the token under the instance's key.
    #[error("the token's signature is invalid")]
    BadSignature,
    /// No key of the instance's JWKS has the token's `kid`, even after fetching the key set again.
    #[error("no key with id {kid:?} in the instance's JWKS")]
    UnknownKey {
        /// The key id named by the token's header (shortened).
        kid: String,
    },
    /// The token's algorithm is refused: `none`, an HMAC algorithm, one this crate does not
    /// support, or one that disagrees with the key named by `kid`.
    #[error("algorithm {alg:?} is refused: {reason}")]
    DisallowedAlgorithm {
        /// The `alg` of the token's header (shortened).
        alg: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The token's `cat` header names another category of Clerk token (a session token, for
    /// example), not a machine token.
    #[error("the token is of category {category:?}, not a machine token")]
    WrongCategory {
        /// The `cat` of the token's header (shortened).
        category: String,
    },
    /// The token's subject is not a machine (`mch_...`).
    #[error("the token's subject is not a machine (mch_...)")]
    NotAMachine,
    /// The token's `iss` is not the issuer the verifier was configured with.
    #[error("the token was issued by another issuer")]
    WrongIssuer,
    /// Clerk reports that the token was revoked.
    #[error("the token has been revoked{}", reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    Revoked {
        /// The revocation reason recorded by Clerk, if any (shortened).
        reason: Option<String>,
    },
    /// Clerk does not know the opaque token (it answered 404).
    #[error("Clerk does not know this token")]
    NotFound,
}

/// The first `max` characters of `text` on one line: control characters (newlines included)
/// become spaces so that an excerpt cannot forge extra log lines.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(errors: Vec<ClerkError>, raw: Option<&str>, trace: Option<&str>) -> ApiError {
        ApiError {
            operation: "RotateMachineSecretKey",
            status: 422,
            errors,
            meta: None,
            clerk_trace_id: trace.map(str::to_owned),
            retry_after: None,
            raw_body: raw.map(str::to_owned),
        }
    }

    #[test]
    fn api_error_display_names_status_code_message_and_trace() {
        let err = api(
            vec![ClerkError {
                code: "form_param_missing".into(),
                message: "previous_token_ttl is missing".into(),
                long_message: None,
                meta: None,
            }],
            None,
            Some("abc123"),
        );
        let expected = "Clerk API error 422 Unprocessable Entity: form_param_missing: \
                        previous_token_ttl is missing (trace id abc123)";
        assert_eq!(err.to_string(), expected);
        // The crate error is transparent over the API error.
        assert_eq!(Error::from(err).to_string(), expected);
    }

    #[test]
    fn api_error_display_shows_raw_body_excerpt_on_one_line() {
        let err = api(vec![], Some("<html>\nBad gateway\n</html>"), None);
        assert_eq!(
            err.to_string(),
            "Clerk API error 422 Unprocessable Entity: <html> Bad gateway </html>"
        );
    }

    #[test]
    fn clerk_errors_tolerate_missing_and_unknown_fields() {
        let parsed: ClerkErrors = serde_json::from_str(
            r#"{"errors":[{"code":"c","message":"m","surprise":1}],"other":true}"#,
        )
        .unwrap();
        assert_eq!(parsed.errors[0].long_message, None);
        assert_eq!(parsed.clerk_trace_id, None);
    }

    #[test]
    fn validation_error_display() {
        let err = ValidationError::new(
            "previous_token_ttl",
            "28801",
            "is out of range",
            "must be at most 28800",
        );
        assert_eq!(
            err.to_string(),
            "previous_token_ttl = 28801 is out of range: must be at most 28800"
        );
    }

    #[test]
    fn excerpt_cuts_by_chars() {
        assert_eq!(excerpt("héllo", 2), "hé…");
        assert_eq!(excerpt("hé", 2), "hé");
    }

    #[test]
    fn token_errors_say_why() {
        let err = Error::from(TokenError::UnknownKey {
            kid: "ins_123".into(),
        });
        assert_eq!(
            err.to_string(),
            "machine token refused: no key with id \"ins_123\" in the instance's JWKS"
        );
        assert!(!err.is_retryable());
        let shared = Error::Shared(Arc::new(err));
        assert!(shared.token_error().is_some());
        assert!(shared.to_string().starts_with("machine token refused"));
        assert_eq!(
            TokenError::Revoked {
                reason: Some("leaked".into())
            }
            .to_string(),
            "the token has been revoked (leaked)"
        );
        assert_eq!(
            TokenError::Revoked { reason: None }.to_string(),
            "the token has been revoked"
        );
    }

    #[test]
    fn error_is_send_sync_static_and_small() {
        fn assert_bounds<T: std::error::Error + Send + Sync + 'static>() {}
        assert_bounds::<Error>();
        assert!(std::mem::size_of::<Error>() <= 128);
    }
}
