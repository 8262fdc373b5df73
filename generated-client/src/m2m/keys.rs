//! The instance's public keys for local JWT checks: fetched with `GET /jwks` through the generated
//! `jwks` operation, cached for a while, and fetched once for any number of concurrent callers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::verifier::VerifierConfig;
use crate::error::{Error, Result, TokenError, excerpt};
use crate::types::JwksKeysItem;
use crate::{Client, RequestOptions};

/// One public key of the instance, ready to check signatures with.
pub(super) struct VerifyingKey {
    pub(super) key: DecodingKey,
    /// What `jsonwebtoken` checks besides the signature: the key's algorithm(s), `exp`, `nbf`,
    /// the issuer when configured. Built once per key so that a check allocates nothing for it.
    pub(super) validation: Validation,
}

/// One fetched key set.
struct KeySet {
    fetched_at: Instant,
    keys: HashMap<String, Arc<VerifyingKey>>,
}

/// What the single flight remembers between fetches.
#[derive(Default)]
struct Flight {
    /// The error of the last fetch, if it failed: callers that waited for that fetch get it too
    /// instead of each trying again.
    last_failure: Option<Arc<Error>>,
    /// When a fetch was last made because a token named a key the set did not have.
    last_unknown_kid_fetch: Option<Instant>,
}

/// The cache of the instance's key set, shared by every clone of a verifier.
pub(super) struct KeyCache {
    current: RwLock<Option<Arc<KeySet>>>,
    /// Held for the duration of a fetch, so that one fetch serves every caller waiting on it.
    flight: tokio::sync::Mutex<Flight>,
    /// How many fetches have finished; a caller that sees it move while waiting for the flight
    /// knows a fetch happened on its behalf.
    finished: AtomicU64,
    ttl: Duration,
    refetch_interval: Duration,
    leeway_secs: u64,
    issuer: Option<String>,
    options: Option<RequestOptions>,
}

impl KeyCache {
    pub(super) fn new(config: &VerifierConfig) -> Self {
        Self {
            current: RwLock::new(None),
            flight: tokio::sync::Mutex::new(Flight::default()),
            finished: AtomicU64::new(0),
            ttl: config.jwks_cache_ttl,
            refetch_interval: config.unknown_kid_refetch_interval,
            // `jsonwebtoken` counts leeway in whole seconds; a fraction of a second is rounded up
            // so that a configured skew is never narrowed.
            leeway_secs: config
                .clock_skew
                .as_secs()
                .saturating_add(u64::from(config.clock_skew.subsec_nanos() > 0)),
            issuer: config.issuer.clone(),
            options: config.request_options.clone(),
        }
    }

    /// The key named `kid`, fetching the key set when the cache is empty or stale, or when it
    /// lacks `kid` and no such refetch happened within the refetch interval.
    pub(super) async fn key(&self, client: &Client, kid: &str) -> Result<Arc<VerifyingKey>> {
        let seen = self.finished.load(Ordering::Acquire);
        let (fresh, found) = self.lookup(kid);
        if let Some(key) = found.filter(|_| fresh) {
            return Ok(key);
        }

        let mut flight = self.flight.lock().await;
        if self.finished.load(Ordering::Acquire) != seen {
            // A fetch finished while this caller waited: its outcome answers this caller too.
            if let Some(failure) = &flight.last_failure {
                return Err(Error::Shared(Arc::clone(failure)));
            }
            let (fresh, found) = self.lookup(kid);
            if fresh {
                return found.ok_or_else(|| unknown_key(kid));
            }
        }
        let (fresh, _) = self.lookup(kid);
        if fresh {
            // The set is current but lacks this key: perhaps the instance's key was rotated a
            // moment ago, or perhaps the token is forged. Fetching again is allowed once per
            // interval so that a stream of forged `kid`s cannot turn into a stream of requests.
            let now = Instant::now();
            if flight
                .last_unknown_kid_fetch
                .is_some_and(|at| now.duration_since(at) < self.refetch_interval)
            {
                return Err(unknown_key(kid));
            }
            flight.last_unknown_kid_fetch = Some(now);
        }

        let outcome = self.fetch(client).await;
        let result = match outcome {
            Ok(set) => {
                let key = set.keys.get(kid).cloned();
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(set));
                flight.last_failure = None;
                key.ok_or_else(|| unknown_key(kid))
            }
            Err(err) => {
                let err = Arc::new(err);
                flight.last_failure = Some(Arc::clone(&err));
                Err(Error::Shared(err))
            }
        };
        self.finished.fetch_add(1, Ordering::Release);
        result
    }

    /// Whether the cached set is fresh, and the key named `kid` in it, if any.
    fn lookup(&self, kid: &str) -> (bool, Option<Arc<VerifyingKey>>) {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        match current.as_ref() {
            Some(set) => (
                set.fetched_at.elapsed() < self.ttl,
                set.keys.get(kid).cloned(),
            ),
            None => (false, None),
        }
    }

    /// Fetches the key set with the client's (or the configured) timeout and retry policy.
    async fn fetch(&self, client: &Client) -> Result<KeySet> {
        let handle = match &self.options {
            Some(options) => client.jwks().with_options(options.clone()),
            None => client.jwks(),
        };
        let jwks = handle.get_jwks().await?;
        let keys = jwks
            .keys
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| self.verifying_key(item))
            .collect();
        Ok(KeySet {
            fetched_at: Instant::now(),
            keys,
        })
    }

    /// Turns one entry of the key set into a usable public key, or `None` for entries that must
    /// not or cannot check a token: private and symmetric keys (a key set should hold neither,
    /// and a shared secret would let anyone who knows it mint tokens), keys without a `kid`, and
    /// keys or algorithms `jsonwebtoken` does not support.
    fn verifying_key(&self, item: JwksKeysItem) -> Option<(String, Arc<VerifyingKey>)> {
        let value = match item {
            JwksKeysItem::JwksRsaPublicKey(key) => serde_json::to_value(key).ok()?,
            JwksKeysItem::JwksEcdsaPublicKey(key) => serde_json::to_value(key).ok()?,
            JwksKeysItem::JwksEd25519PublicKey(key) => serde_json::to_value(key).ok()?,
            JwksKeysItem::Unknown(value) => value,
            _ => return None,
        };
        let jwk: Jwk = serde_json::from_value(value).ok()?;
        let kid = jwk.common.key_id.clone()?;
        let key = DecodingKey::from_jwk(&jwk).ok()?;
        let family = key.family();
        // A key that names its algorithm accepts only that one; one that does not accepts its
        // family's asymmetric algorithms. Either way the token's `alg` must be among them.
        let algorithms: Vec<Algorithm> = match jwk.common.key_algorithm {
            Some(named) => vec![Algorithm::try_from(named).ok()?],
            None => family.algorithms().to_vec(),
        };
        if algorithms.iter().any(|alg| {
            alg.family() != family || alg.family() == jsonwebtoken::AlgorithmFamily::Hmac
        }) {
            return None;
        }
        // `new` sets defaults only; the algorithms are replaced right away.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = algorithms;
        validation.leeway = self.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // `aud` of a machine token lists the machines it may reach, which is for the caller to
        // judge from `MachineToken::scopes`, not a fixed audience.
        validation.validate_aud = false;
        let mut required = vec!["exp", "sub"];
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        Some((kid, Arc::new(VerifyingKey { key, validation })))
    }
}

fn unknown_key(kid: &str) -> Error {
    TokenError::UnknownKey {
        kid: excerpt(kid, 64),
    }
    .into()
}
