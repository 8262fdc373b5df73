//! `TokenProvider`: the calling side, which mints machine tokens with a machine's secret key and
//! reuses each until it is close to expiring.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::TokenFormat;
use crate::error::{Error, Result};
use crate::types::CreateM2mTokenParams;
use crate::{Client, RequestOptions, Secret};

/// Hands out machine tokens for calling other services, minting them as a machine.
///
/// [`token`](Self::token) returns the cached token while it is more than
/// [`TokenProviderConfig::refresh_margin`] away from expiring, and otherwise mints a new one
/// with `POST /m2m_tokens` under the machine's secret key (Clerk requires a machine key for
/// minting; the client's own key is not used). However many tasks ask at once, one mint serves
/// them all. Cloning is cheap and clones share the cache.
///
/// After rotating the machine's key (`client.machines().rotate_secret_key(..)`), hand the new
/// key to [`set_machine_secret_key`](Self::set_machine_secret_key): the cached token and any mint
/// in flight keep working (Clerk accepts the old key for the rotation's `previous_token_ttl`),
/// and the next mint uses the new key, so no call goes without a token.
///
/// ```no_run
/// use clerk_bapi::Client;
/// use clerk_bapi::m2m::{TokenFormat, TokenProvider, TokenProviderConfig};
///
/// # async fn run() -> clerk_bapi::Result<()> {
/// let provider = TokenProvider::with_config(
///     Client::from_env()?,
///     std::env::var("MACHINE_SECRET_KEY").unwrap_or_default(),
///     TokenProviderConfig::default().with_token_format(TokenFormat::Jwt),
/// );
/// let token = provider.token().await?;
/// let _header = format!("Bearer {}", token.expose_secret());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<ProviderInner>,
}

struct ProviderInner {
    client: Client,
    config: TokenProviderConfig,
    machine_key: RwLock<Secret>,
    cached: RwLock<Option<Cached>>,
    /// Held for the duration of a mint, so that one mint serves every caller waiting on it;
    /// holds the error of the last mint if it failed, for the callers that waited for it.
    flight: tokio::sync::Mutex<Option<Arc<Error>>>,
    /// How many mints have finished; a caller that sees it move while waiting for the flight
    /// knows a mint happened on its behalf.
    finished: AtomicU64,
}

/// A minted token, when to replace it, and when it stops working.
struct Cached {
    token: Secret,
    /// `None` for a token that never expires.
    refresh_at: Option<Instant>,
    /// `None` for a token that never expires.
    expires_at: Option<Instant>,
}

/// Which cached token is good enough.
#[derive(Clone, Copy)]
enum Use {
    /// One not yet due for refresh: what callers normally get.
    Fresh,
    /// One not yet expired: what callers get when minting its replacement failed.
    Unexpired,
}

impl TokenProvider {
    /// A provider minting with `machine_secret_key` and the default [`TokenProviderConfig`].
    pub fn new(client: Client, machine_secret_key: impl Into<String>) -> Self {
        Self::with_config(client, machine_secret_key, TokenProviderConfig::default())
    }

    /// A provider minting with `machine_secret_key` and the given configuration.
    pub fn with_config(
        client: Client,
        machine_secret_key: impl Into<String>,
        config: TokenProviderConfig,
    ) -> Self {
        Self {
            inner: Arc::new(ProviderInner {
                client,
                config,
                machine_key: RwLock::new(Secret::new(machine_secret_key)),
                cached: RwLock::new(None),
                flight: tokio::sync::Mutex::new(None),
                finished: AtomicU64::new(0),
            }),
        }
    }

    /// A token to present to another service, minted now or earlier.
    ///
    /// When several callers find no usable token at once, one mint serves all of them. If it
    /// fails, the cached token is still handed out while it has not expired (only its refresh
    /// failed); otherwise each caller gets the same error as [`Error::Shared`]. Either way the
    /// next call tries to mint again.
    pub async fn token(&self) -> Result<Secret> {
        let seen = self.inner.finished.load(Ordering::Acquire);
        if let Some(token) = self.cached_token(Use::Fresh) {
            return Ok(token);
        }
        let mut last_failure = self.inner.flight.lock().await;
        if self.inner.finished.load(Ordering::Acquire) != seen {
            // A mint finished while this caller waited: its outcome answers this caller too.
            if let Some(failure) = last_failure.as_ref() {
                return self
                    .cached_token(Use::Unexpired)
                    .ok_or_else(|| Error::Shared(Arc::clone(failure)));
            }
            if let Some(token) = self.cached_token(Use::Fresh) {
                return Ok(token);
            }
        }
        let result = match self.mint().await {
            Ok(cached) => {
                let token = cached.token.clone();
                *self
                    .inner
                    .cached
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = Some(cached);
                *last_failure = None;
                Ok(token)
            }
            Err(err) => {
                let err = Arc::new(err);
                *last_failure = Some(Arc::clone(&err));
                self.cached_token(Use::Unexpired)
                    .ok_or_else(|| Error::Shared(err))
            }
        };
        self.inner.finished.fetch_add(1, Ordering::Release);
        result
    }

    /// Replaces the machine secret key used for the next mints, for example with the key
    /// `rotate_secret_key` returned. The cached token stays in use until it is due for refresh,
    /// and a mint already in flight finishes with the key it started with.
    pub fn set_machine_secret_key(&self, machine_secret_key: impl Into<String>) {
        *self
            .inner
            .machine_key
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Secret::new(machine_secret_key);
    }

    /// Forgets the cached token, so that the next [`token`](Self::token) mints a new one (for
    /// example after the receiving side refused the token).
    pub fn invalidate(&self) {
        *self
            .inner
            .cached
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The cached token, if it is good enough for `usage`.
    fn cached_token(&self, usage: Use) -> Option<Secret> {
        let cached = self
            .inner
            .cached
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let cached = cached.as_ref()?;
        let until = match usage {
            Use::Fresh => cached.refresh_at,
            Use::Unexpired => cached.expires_at,
        };
        until
            .is_none_or(|at| Instant::now() < at)
            .then(|| cached.token.clone())
    }

    /// Mints a token with the current machine key.
    async fn mint(&self) -> Result<Cached> {
        let config = &self.inner.config;
        let key = self
            .inner
            .machine_key
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let options = config
            .request_options
            .clone()
            .unwrap_or_default()
            .secret_key(key.expose_secret());
        let minted = self
            .inner
            .client
            .m2m()
            .with_options(options)
            .create_token(CreateM2mTokenParams {
                token_format: config.token_format.map(Into::into),
                seconds_until_expiration: config.seconds_until_expiration.map(Some),
                claims: config.claims.clone().map(Some),
                min_remaining_ttl_seconds: None,
            })
            .await?;
        let now = Instant::now();
        let (refresh_at, expires_at) = match minted.expiration {
            Some(expiration_ms) => {
                let now_ms = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0.0, |since| since.as_secs_f64() * 1000.0);
                // The remaining time is measured against this machine's clock, the lifetime
                // against Clerk's (both of its timestamps), so that clock skew cannot shrink it.
                let remaining = millis(expiration_ms - now_ms);
                let lifetime = millis(expiration_ms - minted.created_at);
                // A margin larger than half the lifetime would refresh short tokens at once.
                let margin = config.refresh_margin.min(lifetime / 2);
                // An expiration too far away to represent is as good as none.
                (
                    now.checked_add(remaining.saturating_sub(margin)),
                    now.checked_add(remaining),
                )
            }
            None => (None, None),
        };
        Ok(Cached {
            token: minted.token,
            refresh_at,
            expires_at,
        })
    }
}

/// A non-negative number of milliseconds as a duration; negative or absurd values become zero.
fn millis(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or(Duration::ZERO)
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("client", &self.inner.client)
            .field("config", &self.inner.config)
            .field("machine_secret_key", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// What tokens a [`TokenProvider`] mints and when it mints again. Build it from
/// [`TokenProviderConfig::default`] with the `with_*` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenProviderConfig {
    /// How long before its expiration a token is replaced, capped at half its lifetime.
    /// Default: 60 seconds.
    pub refresh_margin: Duration,
    /// Opaque or JWT. Default: not sent, so Clerk's default (opaque) applies.
    pub token_format: Option<TokenFormat>,
    /// The lifetime of minted tokens in seconds. Default: not sent, so the machine's default
    /// token lifetime applies.
    pub seconds_until_expiration: Option<f64>,
    /// Custom claims embedded in minted tokens. Default: none.
    pub claims: Option<Value>,
    /// Timeout, retries or headers for the mint requests, instead of the client's. Its secret
    /// key, if any, is replaced by the machine's. Default: the client's.
    pub request_options: Option<RequestOptions>,
}

impl Default for TokenProviderConfig {
    fn default() -> Self {
        Self {
            refresh_margin: Duration::from_secs(60),
            token_format: None,
            seconds_until_expiration: None,
            claims: None,
            request_options: None,
        }
    }
}

impl TokenProviderConfig {
    /// Sets [`refresh_margin`](Self::refresh_margin).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Sets [`token_format`](Self::token_format).
    pub fn with_token_format(mut self, format: TokenFormat) -> Self {
        self.token_format = Some(format);
        self
    }

    /// Sets [`seconds_until_expiration`](Self::seconds_until_expiration).
    pub fn with_seconds_until_expiration(mut self, seconds: f64) -> Self {
        self.seconds_until_expiration = Some(seconds);
        self
    }

    /// Sets [`claims`](Self::claims).
    pub fn with_claims(mut self, claims: Value) -> Self {
        self.claims = Some(claims);
        self
    }

    /// Sets [`request_options`](Self::request_options).
    pub fn with_request_options(mut self, options: RequestOptions) -> Self {
        self.request_options = Some(options);
        self
    }
}
