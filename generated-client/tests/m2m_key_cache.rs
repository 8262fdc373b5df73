//! `MachineTokenVerifier`'s key set over loopback: one fetch for many concurrent verifications,
//! refreshing after the cache lifetime, picking up a rotated instance key, the limit on refetches
//! for unknown key ids, retries and timeouts of the fetch; and opaque tokens, checked with Clerk.

mod m2m_support;

use std::sync::Arc;
use std::time::Duration;

use clerk_bapi::m2m::{MachineTokenVerifier, TokenFormat, VerifierConfig};
use clerk_bapi::{Client, Error, RequestOptions, RetryPolicy, TokenError};
use m2m_support::{SUBJECT, claims, header, jwks, key, sign_with, token};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .secret_key("sk_test_CACHEKEY")
        .base_url(format!("{}/v1", server.uri()))
        .retry_policy(policy)
        .build()
        .expect("client builds")
}

async fn mount_jwks(server: &MockServer, body: Value, delay: Duration) {
    Mock::given(method("GET"))
        .and(path("/v1/jwks"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(body)
                .set_delay(delay),
        )
        .mount(server)
        .await;
}

async fn fetches(server: &MockServer) -> usize {
    server.received_requests().await.expect("recording").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_verifications_fetch_the_key_set_once() {
    let a = key("a");
    let server = MockServer::start().await;
    // The answer is slow, so that every verification starts while the fetch is in flight.
    mount_jwks(&server, jwks(&[&a]), Duration::from_millis(300)).await;
    let verifier = MachineTokenVerifier::new(client(&server, RetryPolicy::none()));
    let token = Arc::new(token(&a));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), Arc::clone(&token));
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        let machine = task.await.expect("joined").expect("accepted");
        assert_eq!(machine.subject, SUBJECT);
    }
    assert_eq!(fetches(&server).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_fetch_is_shared_by_its_waiters_and_retried_by_the_next_caller() {
    let a = key("a");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/jwks"))
        .respond_with(ResponseTemplate::new(500).set_delay(Duration::from_millis(300)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let verifier = MachineTokenVerifier::new(client(&server, RetryPolicy::none()));
    let token = Arc::new(token(&a));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), Arc::clone(&token));
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        let err = task.await.expect("joined").expect_err("the fetch failed");
        assert!(matches!(err, Error::Shared(_)), "{err:?}");
        assert_eq!(err.status(), Some(500));
        assert!(err.token_error().is_none(), "not a verdict on the token");
    }
    assert_eq!(fetches(&server).await, 1);

    mount_jwks(&server, jwks(&[&a]), Duration::ZERO).await;
    verifier
        .verify(&token)
        .await
        .expect("the next call fetches again");
    assert_eq!(fetches(&server).await, 2);
}

#[tokio::test]
async fn the_key_set_is_fetched_again_after_its_lifetime() {
    let a = key("a");
    let server = MockServer::start().await;
    mount_jwks(&server, jwks(&[&a]), Duration::ZERO).await;
    let verifier = MachineTokenVerifier::with_config(
        client(&server, RetryPolicy::none()),
        VerifierConfig::default().with_jwks_cache_ttl(Duration::from_millis(200)),
    );
    verifier.verify(&token(&a)).await.expect("accepted");
    verifier.verify(&token(&a)).await.expect("accepted");
    assert_eq!(fetches(&server).await, 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    verifier.verify(&token(&a)).await.expect("accepted");
    assert_eq!(fetches(&server).await, 2);
}

#[tokio::test]
async fn a_rotated_instance_key_is_picked_up_and_unknown_kids_refetch_at_most_once_per_interval() {
    let (a, b) = (key("a"), key("b"));
    let server = MockServer::start().await;
    mount_jwks(&server, jwks(&[&a]), Duration::ZERO).await;
    let verifier = MachineTokenVerifier::with_config(
        client(&server, RetryPolicy::none()),
        VerifierConfig::default().with_unknown_kid_refetch_interval(Duration::from_millis(300)),
    );
    verifier.verify(&token(&a)).await.expect("accepted");

    // The instance now signs with b: the first token naming b fetches the set again.
    server.reset().await;
    mount_jwks(&server, jwks(&[&a, &b]), Duration::ZERO).await;
    verifier
        .verify(&token(&b))
        .await
        .expect("b is found after one refetch");
    assert_eq!(fetches(&server).await, 1);

    // Forged key ids do not each cause a request: one refetch per interval at most.
    let mut forged = header(&a);
    forged.kid = Some("ins_forged".into());
    let forged = sign_with(&forged, &claims(), &a);
    for _ in 0..5 {
        let err = verifier.verify(&forged).await.expect_err("unknown key");
        assert_eq!(
            err.token_error(),
            Some(&TokenError::UnknownKey {
                kid: "ins_forged".into()
            })
        );
    }
    assert_eq!(
        fetches(&server).await,
        1,
        "within the interval of b's refetch"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    verifier.verify(&forged).await.expect_err("still unknown");
    verifier.verify(&forged).await.expect_err("still unknown");
    assert_eq!(
        fetches(&server).await,
        2,
        "one more refetch after the interval"
    );
    // Known keys keep working from the cache meanwhile.
    verifier.verify(&token(&a)).await.expect("accepted");
    assert_eq!(fetches(&server).await, 2);
}

#[tokio::test]
async fn the_fetch_is_retried_under_the_client_policy() {
    let a = key("a");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/jwks"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_jwks(&server, jwks(&[&a]), Duration::ZERO).await;
    let policy = RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(20));
    let verifier = MachineTokenVerifier::new(client(&server, policy));
    verifier
        .verify(&token(&a))
        .await
        .expect("accepted on the retry");
    assert_eq!(fetches(&server).await, 2);
}

#[tokio::test]
async fn the_fetch_times_out_under_the_configured_options() {
    let a = key("a");
    let server = MockServer::start().await;
    mount_jwks(&server, jwks(&[&a]), Duration::from_secs(5)).await;
    let verifier = MachineTokenVerifier::with_config(
        client(&server, RetryPolicy::none()),
        VerifierConfig::default().with_request_options(
            RequestOptions::default()
                .timeout(Duration::from_millis(100))
                .no_retries(),
        ),
    );
    let started = std::time::Instant::now();
    let err = verifier.verify(&token(&a)).await.expect_err("timed out");
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

async fn mount_opaque(server: &MockServer, status: u16, answer: Value) {
    Mock::given(method("POST"))
        .and(path("/v1/m2m_tokens/verify"))
        .and(body_json(json!({"token": "mt_presented"})))
        .respond_with(ResponseTemplate::new(status).set_body_json(answer))
        .mount(server)
        .await;
}

fn record(revoked: bool, expired: bool) -> Value {
    json!({
        "object": "machine_to_machine_token",
        "id": "mt_0123456789abcdef0123456789abcdef",
        "subject": SUBJECT,
        "claims": null,
        "scopes": ["mch_aaa"],
        "revoked": revoked,
        "revocation_reason": revoked.then_some("leaked"),
        "expired": expired,
        "expiration": 1_900_000_000_000_i64,
        "last_used_at": null,
        "created_at": 1,
        "updated_at": 2
    })
}

#[tokio::test]
async fn opaque_tokens_are_checked_with_clerk() {
    let server = MockServer::start().await;
    mount_opaque(&server, 200, record(false, false)).await;
    let verifier = MachineTokenVerifier::new(client(&server, RetryPolicy::none()));
    let machine = verifier.verify("mt_presented").await.expect("accepted");
    assert_eq!(machine.id, "mt_0123456789abcdef0123456789abcdef");
    assert_eq!(machine.subject, SUBJECT);
    assert_eq!(machine.scopes, ["mch_aaa"]);
    assert_eq!(machine.claims, None);
    assert_eq!(machine.expiration, Some(1_900_000_000_000));
    assert_eq!(machine.format, TokenFormat::Opaque);
}

#[tokio::test]
async fn revoked_expired_and_unknown_opaque_tokens_are_refused() {
    let cases = [
        (
            200,
            record(true, false),
            TokenError::Revoked {
                reason: Some("leaked".into()),
            },
        ),
        (200, record(false, true), TokenError::Expired),
        (
            404,
            json!({"errors": [{"code": "resource_not_found", "message": "m", "long_message": "l"}]}),
            TokenError::NotFound,
        ),
    ];
    for (status, answer, expected) in cases {
        let server = MockServer::start().await;
        mount_opaque(&server, status, answer).await;
        let verifier = MachineTokenVerifier::new(client(&server, RetryPolicy::none()));
        let err = verifier.verify("mt_presented").await.expect_err("refused");
        assert_eq!(err.token_error(), Some(&expected));
        assert!(!err.to_string().contains("mt_presented"), "{err}");
    }

    // A failure of Clerk is not a verdict on the token.
    let server = MockServer::start().await;
    mount_opaque(&server, 500, json!({"errors": []})).await;
    let verifier = MachineTokenVerifier::new(client(&server, RetryPolicy::none()));
    let err = verifier.verify("mt_presented").await.expect_err("failed");
    assert_eq!(err.status(), Some(500));
    assert!(err.token_error().is_none());
}
