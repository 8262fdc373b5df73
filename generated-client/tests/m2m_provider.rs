//! `TokenProvider` over loopback: minting under the machine's key with the configured format,
//! lifetime and claims; reuse until the refresh margin; one mint for many concurrent callers;
//! swapping the machine key after a rotation without a gap.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_bapi::m2m::{TokenFormat, TokenProvider, TokenProviderConfig};
use clerk_bapi::{Client, Error, RequestOptions, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const INSTANCE_KEY: &str = "sk_test_INSTANCE";
const OLD_KEY: &str = "ak_OLDMACHINEKEY";
const NEW_KEY: &str = "ak_NEWMACHINEKEY";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .try_into()
        .unwrap()
}

/// Answers each mint with a new token (`mt_1`, `mt_2`...) living `lifetime_ms`, after `delay`.
struct Minter {
    lifetime_ms: i64,
    delay: Duration,
    count: std::sync::atomic::AtomicUsize,
}

impl Respond for Minter {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let now = now_ms();
        ResponseTemplate::new(201)
            .set_delay(self.delay)
            .set_body_json(json!({
                "object": "machine_to_machine_token",
                "id": format!("mt_{n:032x}"),
                "subject": "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
                "claims": null,
                "scopes": [],
                "token": format!("mt_{n}"),
                "revoked": false,
                "revocation_reason": null,
                "expired": false,
                "expiration": now + self.lifetime_ms,
                "last_used_at": null,
                "created_at": now,
                "updated_at": now
            }))
    }
}

async fn mount_minter(server: &MockServer, key: &str, lifetime_ms: i64, delay: Duration) {
    Mock::given(method("POST"))
        .and(path("/v1/m2m_tokens"))
        .and(header("authorization", format!("Bearer {key}").as_str()))
        .respond_with(Minter {
            lifetime_ms,
            delay,
            count: Default::default(),
        })
        .mount(server)
        .await;
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .secret_key(INSTANCE_KEY)
        .base_url(format!("{}/v1", server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client builds")
}

async fn mints(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording")
}

#[tokio::test]
async fn mints_under_the_machine_key_with_the_configured_body() {
    let server = MockServer::start().await;
    mount_minter(&server, OLD_KEY, 3_600_000, Duration::ZERO).await;
    let provider = TokenProvider::with_config(
        client(&server),
        OLD_KEY,
        TokenProviderConfig::default()
            .with_token_format(TokenFormat::Jwt)
            .with_seconds_until_expiration(3600.0)
            .with_claims(json!({"tenant": "t1"}))
            .with_request_options(RequestOptions::default().header("x-request-id", "r1")),
    );
    let token = provider.token().await.expect("minted");
    assert_eq!(token.expose_secret(), "mt_1");
    let requests = mints(&server).await;
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body,
        json!({"token_format": "jwt", "seconds_until_expiration": 3600.0, "claims": {"tenant": "t1"}})
    );
    assert_eq!(requests[0].headers.get("x-request-id").unwrap(), "r1");
    let printed = format!("{provider:?} {token:?}");
    assert!(
        !printed.contains("OLDMACHINEKEY") && !printed.contains("mt_1"),
        "{printed}"
    );
}

#[tokio::test]
async fn the_token_is_reused_until_the_refresh_margin() {
    let server = MockServer::start().await;
    // A 2 s lifetime with a 1.5 s margin: capped at half the lifetime, so refreshed after ~1 s.
    mount_minter(&server, OLD_KEY, 2_000, Duration::ZERO).await;
    let provider = TokenProvider::with_config(
        client(&server),
        OLD_KEY,
        TokenProviderConfig::default().with_refresh_margin(Duration::from_millis(1_500)),
    );
    assert_eq!(provider.token().await.unwrap().expose_secret(), "mt_1");
    assert_eq!(provider.token().await.unwrap().expose_secret(), "mt_1");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(provider.token().await.unwrap().expose_secret(), "mt_2");
    assert_eq!(mints(&server).await.len(), 2);

    // `invalidate` forces the next call to mint.
    provider.invalidate();
    assert_eq!(provider.token().await.unwrap().expose_secret(), "mt_3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_callers_share_one_mint() {
    let server = MockServer::start().await;
    mount_minter(&server, OLD_KEY, 3_600_000, Duration::from_millis(300)).await;
    let provider = TokenProvider::new(client(&server), OLD_KEY);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.token().await })
        })
        .collect();
    for task in tasks {
        let token = task.await.expect("joined").expect("minted");
        assert_eq!(token.expose_secret(), "mt_1");
    }
    assert_eq!(mints(&server).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_mint_is_shared_by_its_waiters_and_retried_by_the_next_caller() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/m2m_tokens"))
        .respond_with(
            ResponseTemplate::new(409)
                .set_delay(Duration::from_millis(300))
                .set_body_json(
                    json!({"errors": [{"code": "conflict", "message": "m", "long_message": "l"}]}),
                ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_minter(&server, OLD_KEY, 3_600_000, Duration::ZERO).await;
    let provider = TokenProvider::new(client(&server), OLD_KEY);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.token().await })
        })
        .collect();
    for task in tasks {
        let err = task.await.expect("joined").expect_err("the mint failed");
        assert!(matches!(err, Error::Shared(_)), "{err:?}");
        assert_eq!(err.api_error().and_then(|e| e.code()), Some("conflict"));
    }
    assert_eq!(mints(&server).await.len(), 1);
    assert_eq!(provider.token().await.unwrap().expose_secret(), "mt_1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn swapping_the_machine_key_leaves_no_gap() {
    let server = MockServer::start().await;
    // Mints take a while, so that the swap happens while one is in flight.
    mount_minter(&server, OLD_KEY, 1_000, Duration::from_millis(300)).await;
    mount_minter(&server, NEW_KEY, 1_000, Duration::ZERO).await;
    let provider = TokenProvider::with_config(
        client(&server),
        OLD_KEY,
        TokenProviderConfig::default().with_refresh_margin(Duration::ZERO),
    );
    let in_flight = {
        let provider = provider.clone();
        tokio::spawn(async move { provider.token().await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    provider.set_machine_secret_key(NEW_KEY);
    // The mint that started with the old key finishes with it, and its token is served.
    let first = in_flight.await.unwrap().expect("minted with the old key");
    assert_eq!(first.expose_secret(), "mt_1");
    assert_eq!(provider.token().await.unwrap().expose_secret(), "mt_1");

    // Once that token is due, the next mint uses the new key.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let next = provider.token().await.expect("minted with the new key");
    assert_eq!(
        next.expose_secret(),
        "mt_1",
        "the new key's minter counts from 1"
    );
    let keys: Vec<String> = mints(&server)
        .await
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        keys,
        [format!("Bearer {OLD_KEY}"), format!("Bearer {NEW_KEY}")]
    );
}

#[tokio::test]
async fn a_token_without_expiration_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/m2m_tokens"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "object": "machine_to_machine_token", "id": "mt_x", "subject": "mch_x",
            "token": "mt_forever", "revoked": false, "revocation_reason": null, "expired": false,
            "expiration": null, "last_used_at": null, "created_at": 1, "updated_at": 1
        })))
        .mount(&server)
        .await;
    let provider = TokenProvider::new(client(&server), OLD_KEY);
    for _ in 0..3 {
        assert_eq!(
            provider.token().await.unwrap().expose_secret(),
            "mt_forever"
        );
    }
    assert_eq!(mints(&server).await.len(), 1);
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_unexpired_token() {
    let server = MockServer::start().await;
    // A 2 s lifetime, refreshed after 1 s (the margin is capped at half the lifetime).
    mount_minter(&server, OLD_KEY, 2_000, Duration::ZERO).await;
    let provider = TokenProvider::new(client(&server), OLD_KEY);
    assert_eq!(provider.token().await.unwrap().expose_secret(), "mt_1");

    // Clerk now fails every mint.
    Mock::given(method("POST"))
        .and(path("/v1/m2m_tokens"))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(1)
        .mount(&server)
        .await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    // Due for refresh, the refresh fails, but the token still works for a while: no gap.
    assert_eq!(provider.token().await.unwrap().expose_secret(), "mt_1");
    assert_eq!(mints(&server).await.len(), 2);

    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let err = provider
        .token()
        .await
        .expect_err("expired and not replaced");
    assert_eq!(err.status(), Some(503));
}
