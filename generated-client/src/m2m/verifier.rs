//! `MachineTokenVerifier`: the receiving side, which decides whether a presented machine token
//! is good, and `VerifierConfig`, how it does so.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::keys::KeyCache;
use super::{MachineToken, OPAQUE_TOKEN_PREFIX, TokenFormat, jwt};
use crate::error::{Result, TokenError, excerpt};
use crate::types::VerifyM2mTokenParams;
use crate::{Client, RequestOptions};

/// Checks machine tokens presented to this service.
///
/// The token's shape decides how:
///
/// - **Opaque tokens** (`mt_...`) are sent to Clerk (`POST /m2m_tokens/verify`); a token Clerk
///   reports revoked or expired is refused.
/// - **JWTs** are checked locally, with no request per token: the signature against the
///   instance's public key named by the header's `kid` (from `GET /jwks`, cached for
///   [`VerifierConfig::jwks_cache_ttl`]), `exp`, `nbf` and `iat` within
///   [`VerifierConfig::clock_skew`], a machine subject (`mch_...`), the machine-token category
///   in the `cat` header when there is one, and the issuer when one is configured. Unsigned
///   tokens (`alg: none`), HMAC algorithms and an algorithm other than the key's are refused.
/// - Anything else is refused before any request is made.
///
/// Cloning is cheap and clones share the key cache: however many verifications run at once,
/// the key set is fetched once, and a token naming an unknown key triggers at most one fetch per
/// [`VerifierConfig::unknown_kid_refetch_interval`]. The key set is fetched with the client's
/// timeout and retry policy, or with [`VerifierConfig::request_options`].
///
/// The client's key authorises the requests; the instance's secret key can check any token of the
/// instance, a machine's key only tokens that may reach that machine.
///
/// ```no_run
/// use clerk_bapi::{Client, Error};
/// use clerk_bapi::m2m::MachineTokenVerifier;
///
/// # async fn handle(verifier: MachineTokenVerifier, bearer: &str) -> u16 {
/// match verifier.verify(bearer).await {
///     Ok(machine) => {
///         println!("call from {}", machine.subject);
///         200
///     }
///     Err(Error::Token(why)) => {
///         eprintln!("refused: {why}");
///         401
///     }
///     Err(_) => 503, // the token could not be checked, for example Clerk was unreachable
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct MachineTokenVerifier {
    inner: Arc<VerifierInner>,
}

struct VerifierInner {
    client: Client,
    config: VerifierConfig,
    keys: KeyCache,
}

impl MachineTokenVerifier {
    /// A verifier with the default [`VerifierConfig`].
    pub fn new(client: Client) -> Self {
        Self::with_config(client, VerifierConfig::default())
    }

    /// A verifier with the given configuration.
    pub fn with_config(client: Client, config: VerifierConfig) -> Self {
        Self {
            inner: Arc::new(VerifierInner {
                keys: KeyCache::new(&config),
                client,
                config,
            }),
        }
    }

    /// Checks `token` (without a `Bearer ` prefix) and returns what it says about its bearer.
    ///
    /// A refused token is [`Error::Token`](crate::Error::Token), saying why; any other error means the token could
    /// not be checked (Clerk unreachable, an unexpected answer...).
    pub async fn verify(&self, token: &str) -> Result<MachineToken> {
        if let Some(rest) = token.strip_prefix(OPAQUE_TOKEN_PREFIX) {
            if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(TokenError::UnrecognizedFormat.into());
            }
            return self.verify_opaque(token).await;
        }
        if !jwt::looks_like_jwt(token) {
            return Err(TokenError::UnrecognizedFormat.into());
        }
        let (header, kid) = jwt::checked_header(token)?;
        let key = self.inner.keys.key(&self.inner.client, &kid).await?;
        Ok(jwt::verify(token, &header, &key)?)
    }

    /// Asks Clerk about an opaque token.
    async fn verify_opaque(&self, token: &str) -> Result<MachineToken> {
        let client = &self.inner.client;
        let handle = match &self.inner.config.request_options {
            Some(options) => client.m2m().with_options(options.clone()),
            None => client.m2m(),
        };
        let record = handle
            .verify_token(VerifyM2mTokenParams {
                token: token.into(),
            })
            .await
            .map_err(|err| match err.status() {
                // Clerk answers 404 for a token it has no record of.
                Some(404) => TokenError::NotFound.into(),
                _ => err,
            })?;
        if record.revoked {
            return Err(TokenError::Revoked {
                reason: record.revocation_reason.map(|r| excerpt(&r, 200)),
            }
            .into());
        }
        if record.expired {
            return Err(TokenError::Expired.into());
        }
        Ok(MachineToken {
            id: record.id,
            subject: record.subject,
            scopes: record.scopes.unwrap_or_default(),
            claims: record.claims.filter(|claims| !claims.is_null()),
            // Milliseconds since the epoch; `as` saturates on absurd values.
            #[allow(clippy::cast_possible_truncation)]
            expiration: record.expiration.map(|ms| ms.round() as i64),
            format: TokenFormat::Opaque,
        })
    }
}

impl fmt::Debug for MachineTokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineTokenVerifier")
            .field("client", &self.inner.client)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// How a [`MachineTokenVerifier`] checks tokens. Build it from [`VerifierConfig::default`] with
/// the `with_*` methods:
///
/// ```
/// use std::time::Duration;
/// use clerk_bapi::m2m::VerifierConfig;
///
/// let config = VerifierConfig::default()
///     .with_jwks_cache_ttl(Duration::from_secs(600))
///     .with_issuer("https://clerk.example.com");
/// assert_eq!(config.clock_skew, Duration::from_secs(5));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifierConfig {
    /// How long a fetched key set is used before it is fetched again. Default: 5 minutes.
    pub jwks_cache_ttl: Duration,
    /// The shortest time between two fetches caused by a token naming a key the cached set does
    /// not have. Default: 5 seconds.
    pub unknown_kid_refetch_interval: Duration,
    /// How far the clocks of Clerk and this machine may disagree when `exp`, `nbf` and `iat` are
    /// checked; counted in whole seconds, rounded up. Default: 5 seconds.
    pub clock_skew: Duration,
    /// When set, a JWT must carry exactly this `iss`. Default: not checked.
    pub issuer: Option<String>,
    /// Timeout, retries or headers for the requests the verifier makes (the key set, opaque
    /// tokens), instead of the client's. Default: the client's.
    pub request_options: Option<RequestOptions>,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self {
            jwks_cache_ttl: Duration::from_secs(300),
            unknown_kid_refetch_interval: Duration::from_secs(5),
            clock_skew: Duration::from_secs(5),
            issuer: None,
            request_options: None,
        }
    }
}

impl VerifierConfig {
    /// Sets [`jwks_cache_ttl`](Self::jwks_cache_ttl).
    pub fn with_jwks_cache_ttl(mut self, ttl: Duration) -> Self {
        self.jwks_cache_ttl = ttl;
        self
    }

    /// Sets [`unknown_kid_refetch_interval`](Self::unknown_kid_refetch_interval).
    pub fn with_unknown_kid_refetch_interval(mut self, interval: Duration) -> Self {
        self.unknown_kid_refetch_interval = interval;
        self
    }

    /// Sets [`clock_skew`](Self::clock_skew).
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Sets [`issuer`](Self::issuer).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Sets [`request_options`](Self::request_options).
    pub fn with_request_options(mut self, options: RequestOptions) -> Self {
        self.request_options = Some(options);
        self
    }
}
