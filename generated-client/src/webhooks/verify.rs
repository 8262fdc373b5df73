//! Checking that a webhook delivery was signed by Clerk (the Svix scheme), before anything in it is
//! read.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{HeaderMap, WebhookEvent};
use crate::Secret;

/// The environment variable [`Webhook::from_env`] reads, as Clerk's JavaScript SDK does.
pub const SIGNING_SECRET_ENV: &str = "CLERK_WEBHOOK_SIGNING_SECRET";

/// How far a delivery's timestamp may be from this machine's clock, either way, by default.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The prefix Clerk's dashboard shows before the base64 of the signing key.
const SECRET_PREFIX: &str = "whsec_";

/// The only signature version defined so far; entries of other versions are skipped.
const SIGNATURE_VERSION: &str = "v1";

/// The longest decoded signature worth comparing: HMAC-SHA256 gives 32 bytes, and anything longer
/// cannot match, so it is not decoded at all.
const MAX_SIGNATURE_BYTES: usize = 48;

/// The three headers of a delivery, each with its Svix and its Standard Webhooks spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookHeader {
    /// `svix-id` or `webhook-id`: the message id, the same for every retry of a delivery.
    Id,
    /// `svix-timestamp` or `webhook-timestamp`: when the delivery was signed, in Unix seconds.
    Timestamp,
    /// `svix-signature` or `webhook-signature`: space-separated `v1,<base64>` entries.
    Signature,
}

impl WebhookHeader {
    /// The two names the header goes by, Svix's first.
    pub fn names(self) -> [&'static str; 2] {
        match self {
            WebhookHeader::Id => ["svix-id", "webhook-id"],
            WebhookHeader::Timestamp => ["svix-timestamp", "webhook-timestamp"],
            WebhookHeader::Signature => ["svix-signature", "webhook-signature"],
        }
    }
}

impl fmt::Display for WebhookHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [svix, standard] = self.names();
        write!(f, "`{svix}` (or `{standard}`)")
    }
}

/// Why a delivery was refused, or a verifier could not be built. One case per check; none of them
/// carries the signing secret or the signature that was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signing secret is not `whsec_` followed by base64 (or the bare base64).
    #[error("the webhook signing secret is malformed: {reason}")]
    MalformedSecret {
        /// What is wrong with it, without any of its characters.
        reason: &'static str,
    },
    /// [`Webhook::from_env`] found no signing secret in the environment.
    #[error("the environment variable {variable} is not set (or not valid Unicode)")]
    MissingSecret {
        /// The variable it read.
        variable: &'static str,
    },
    /// The delivery lacks one of the three signature headers.
    #[error("the delivery has no {0} header")]
    MissingHeader(WebhookHeader),
    /// A header is there but cannot be read: not visible ASCII, or a timestamp that is not a whole
    /// number of seconds.
    #[error("the {0} header is malformed")]
    MalformedHeader(WebhookHeader),
    /// The timestamp is further in the past than the tolerance allows (a replay, or a delivery held
    /// up for too long).
    #[error(
        "the delivery was signed {age_secs} s ago, more than the tolerance of {tolerance_secs} s"
    )]
    TimestampTooOld {
        /// How long ago the delivery says it was signed.
        age_secs: u64,
        /// The tolerance in force.
        tolerance_secs: u64,
    },
    /// The timestamp is further in the future than the tolerance allows (a clock far off, or a
    /// forged header).
    #[error(
        "the delivery's timestamp is {ahead_secs} s ahead of this clock, more than the tolerance of {tolerance_secs} s"
    )]
    TimestampInFuture {
        /// How far ahead of this machine's clock the timestamp is.
        ahead_secs: u64,
        /// The tolerance in force.
        tolerance_secs: u64,
    },
    /// No `v1` entry of the signature header matches: a wrong secret, or a body, id or timestamp
    /// changed on the way.
    #[error(
        "no signature of the delivery matches (wrong signing secret, or the body, id or timestamp was changed)"
    )]
    NoMatchingSignature,
    /// The signature is good but the body is not an event (not JSON, no `type`, or a known type
    /// whose payload does not have its documented shape).
    #[error("the signed body is not a Clerk event: {0}")]
    InvalidPayload(#[source] serde_json::Error),
}

/// Verifies Clerk webhook deliveries with one endpoint's signing secret.
///
/// Build it once and share it: the key is decoded and the HMAC prepared once, and verification
/// takes `&self`. `Debug` shows the tolerance, never the key.
///
/// ```
/// use clerk_bapi::webhooks::{HeaderMap, Webhook, WebhookEvent};
///
/// # fn handle(headers: &HeaderMap, body: &[u8]) -> Result<(), clerk_bapi::webhooks::WebhookError> {
/// let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// match webhook.verify(headers, body)? {
///     WebhookEvent::UserCreated(event) => println!("new user {}", event.data.id),
///     other => println!("ignored {}", other.event_type()),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Webhook {
    /// The signing key, as base64 without the `whsec_` prefix.
    key: Secret,
    /// The HMAC keyed once with the decoded key, cloned for each delivery.
    mac: Hmac<Sha256>,
    tolerance: Duration,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("key", &self.key)
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// A verifier for the signing secret shown in Clerk's dashboard: `whsec_` followed by the
    /// base64 of the key, or the bare base64.
    pub fn new(secret: impl Into<Secret>) -> Result<Self, WebhookError> {
        let secret: Secret = secret.into();
        let text = secret.expose_secret().trim();
        let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        if encoded.is_empty() {
            return Err(WebhookError::MalformedSecret {
                reason: "it is empty",
            });
        }
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| WebhookError::MalformedSecret {
                reason: "it is not `whsec_` followed by standard base64",
            })?;
        let mac =
            Hmac::<Sha256>::new_from_slice(&key).map_err(|_| WebhookError::MalformedSecret {
                reason: "HMAC-SHA256 does not take it as a key",
            })?;
        Ok(Self {
            key: Secret::new(encoded),
            mac,
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    /// A verifier for the secret in `CLERK_WEBHOOK_SIGNING_SECRET`.
    pub fn from_env() -> Result<Self, WebhookError> {
        let secret =
            std::env::var(SIGNING_SECRET_ENV).map_err(|_| WebhookError::MissingSecret {
                variable: SIGNING_SECRET_ENV,
            })?;
        Self::new(secret)
    }

    /// How far a delivery's timestamp may be from this machine's clock, either way (5 minutes by
    /// default).
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The tolerance in force.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Checks the delivery's signature and timestamp, then decodes the body into its event.
    ///
    /// `body` must be the bytes exactly as received: the signature covers them, not a
    /// re-serialisation. An event type this crate does not know becomes [`WebhookEvent::Unknown`].
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// [`Webhook::verify`], with the given time as this machine's clock.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<WebhookEvent, WebhookError> {
        self.check(headers, body, now)?;
        WebhookEvent::from_json(body).map_err(WebhookError::InvalidPayload)
    }

    /// Checks the delivery like [`Webhook::verify`], and returns the body as JSON, for callers with
    /// their own types.
    pub fn verify_raw(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<serde_json::Value, WebhookError> {
        self.verify_raw_at(headers, body, SystemTime::now())
    }

    /// [`Webhook::verify_raw`], with the given time as this machine's clock.
    pub fn verify_raw_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<serde_json::Value, WebhookError> {
        self.check(headers, body, now)?;
        serde_json::from_slice(body).map_err(WebhookError::InvalidPayload)
    }

    /// The `v1,<base64>` signature of a delivery, as Clerk would send it in `svix-signature`: for
    /// signing test deliveries.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.tag(id, &timestamp.to_string(), body);
        format!("{SIGNATURE_VERSION},{}", STANDARD.encode(tag))
    }

    /// Every check but decoding, cheapest first: headers, timestamp, then the signature.
    fn check(&self, headers: &HeaderMap, body: &[u8], now: SystemTime) -> Result<(), WebhookError> {
        let id = header(headers, WebhookHeader::Id)?;
        let timestamp = header(headers, WebhookHeader::Timestamp)?;
        let signatures = header(headers, WebhookHeader::Signature)?;
        self.check_timestamp(timestamp, now)?;
        let expected = self.tag(id, timestamp, body);
        let mut decoded = [0_u8; MAX_SIGNATURE_BYTES];
        // Every entry is compared, whether or not an earlier one matched, so that the time taken
        // says nothing about which entry matched.
        let mut matched = subtle::Choice::from(0);
        for entry in signatures.split(' ') {
            let Some((SIGNATURE_VERSION, signature)) = entry.split_once(',') else {
                continue;
            };
            if let Ok(length) = STANDARD.decode_slice(signature, &mut decoded) {
                matched |= expected.as_slice().ct_eq(&decoded[..length]);
            }
        }
        if bool::from(matched) {
            Ok(())
        } else {
            Err(WebhookError::NoMatchingSignature)
        }
    }

    fn check_timestamp(&self, text: &str, now: SystemTime) -> Result<(), WebhookError> {
        let malformed = || WebhookError::MalformedHeader(WebhookHeader::Timestamp);
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let signed: u64 = text.parse().map_err(|_| malformed())?;
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let tolerance_secs = self.tolerance.as_secs();
        if now > signed && now - signed > tolerance_secs {
            return Err(WebhookError::TimestampTooOld {
                age_secs: now - signed,
                tolerance_secs,
            });
        }
        if signed > now && signed - now > tolerance_secs {
            return Err(WebhookError::TimestampInFuture {
                ahead_secs: signed - now,
                tolerance_secs,
            });
        }
        Ok(())
    }

    /// HMAC-SHA256 of `"{id}.{timestamp}.{body}"`, fed in pieces so the body is never copied.
    fn tag(&self, id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().into()
    }
}

/// The header's value under its Svix name, else its Standard Webhooks name.
fn header(headers: &HeaderMap, which: WebhookHeader) -> Result<&str, WebhookError> {
    let [svix, standard] = which.names();
    let value = headers
        .get(svix)
        .or_else(|| headers.get(standard))
        .ok_or(WebhookError::MissingHeader(which))?;
    value
        .to_str()
        .map(str::trim)
        .map_err(|_| WebhookError::MalformedHeader(which))
}
