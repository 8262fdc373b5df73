//! The `m2m` and `jwks` operations of the committed client over real HTTP on loopback: for each,
//! the method, path, query, key and JSON body sent and the decoding of its answer; and the
//! per-call secret key of `RequestOptions`.

use clerk_bapi::types::{
    CreateM2mTokenParams, CreateM2mTokenTokenFormat, GetM2mTokensParams, JwksKeysItem,
    RevokeM2mTokenParams, VerifyM2mTokenParams,
};
use clerk_bapi::{Client, Error, RequestOptions, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk_test_INSTANCEKEY123";
const MACHINE_KEY: &str = "ak_MACHINEKEY456";
const TOKEN_ID: &str = "mt_0123456789abcdef0123456789abcdef";
const SUBJECT: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

fn record(extra: Value) -> Value {
    let mut record = json!({
        "object": "machine_to_machine_token",
        "id": TOKEN_ID,
        "subject": SUBJECT,
        "claims": {"tenant": "t1"},
        "scopes": ["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"],
        "revoked": false,
        "revocation_reason": null,
        "expired": false,
        "expiration": 1_900_000_000_000_i64,
        "last_used_at": null,
        "created_at": 1_800_000_000_000_i64,
        "updated_at": 1_800_000_000_000_i64
    });
    if let (Some(target), Value::Object(extra)) = (record.as_object_mut(), extra) {
        target.extend(extra);
    }
    record
}

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::builder()
        .secret_key(KEY)
        .base_url(format!("{}/v1", server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client builds");
    (server, client)
}

async fn expect(server: &MockServer, verb: &str, route: &str, key: &str, status: u16, body: Value) {
    Mock::given(method(verb))
        .and(path(route))
        .and(header("authorization", format!("Bearer {key}").as_str()))
        .and(header("clerk-api-version", "2026-05-12"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "exactly one request was sent");
    requests.remove(0)
}

fn json_body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("the body is JSON")
}

#[tokio::test]
async fn create_token_sends_the_machine_key_and_decodes_the_token() {
    let (server, client) = setup().await;
    expect(
        &server,
        "POST",
        "/v1/m2m_tokens",
        MACHINE_KEY,
        201,
        record(json!({"token": "mt_secretvalue"})),
    )
    .await;
    let minted = client
        .m2m()
        .with_options(RequestOptions::default().secret_key(MACHINE_KEY))
        .create_token(CreateM2mTokenParams {
            token_format: Some(CreateM2mTokenTokenFormat::Jwt),
            seconds_until_expiration: Some(Some(60.0)),
            claims: Some(Some(json!({"tenant": "t1"}))),
            min_remaining_ttl_seconds: Some(0),
        })
        .await
        .expect("minted");
    assert_eq!(minted.token.expose_secret(), "mt_secretvalue");
    // The minted token is a credential: printing the answer does not show it.
    assert!(!format!("{minted:?}").contains("mt_secretvalue"));
    assert_eq!(minted.subject, SUBJECT);
    assert_eq!(minted.expiration, Some(1_900_000_000_000.0));
    assert_eq!(
        json_body(&only_request(&server).await),
        json!({"token_format": "jwt", "seconds_until_expiration": 60.0,
               "claims": {"tenant": "t1"}, "min_remaining_ttl_seconds": 0})
    );
}

#[tokio::test]
async fn create_token_checks_its_constraints_before_sending() {
    let (server, client) = setup().await;
    let err = client
        .m2m()
        .create_token(CreateM2mTokenParams {
            seconds_until_expiration: Some(Some(0.0)),
            ..CreateM2mTokenParams::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "seconds_until_expiration"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn list_tokens_sends_its_query() {
    let (server, client) = setup().await;
    expect(
        &server,
        "GET",
        "/v1/m2m_tokens",
        KEY,
        200,
        json!({"m2m_tokens": [record(json!({}))], "total_count": 1}),
    )
    .await;
    let page = client
        .m2m()
        .list_tokens(GetM2mTokensParams {
            subject: SUBJECT.into(),
            revoked: Some(false),
            expired: Some(true),
            limit: Some(10.0),
            offset: Some(0.0),
        })
        .await
        .expect("listed");
    assert_eq!(page.total_count, 1.0);
    assert_eq!(page.m2m_tokens[0].id, TOKEN_ID);
    assert_eq!(
        only_request(&server).await.url.query(),
        Some(&*format!(
            "subject={SUBJECT}&revoked=false&expired=true&limit=10&offset=0"
        ))
    );
}

#[tokio::test]
async fn list_tokens_refuses_a_subject_that_is_not_a_machine() {
    let (server, client) = setup().await;
    let err = client
        .m2m()
        .list_tokens(GetM2mTokensParams {
            subject: "user_123".into(),
            revoked: None,
            expired: None,
            limit: None,
            offset: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn revoke_token_sends_the_reason() {
    let (server, client) = setup().await;
    expect(
        &server,
        "POST",
        &format!("/v1/m2m_tokens/{TOKEN_ID}/revoke"),
        KEY,
        200,
        record(json!({"revoked": true, "revocation_reason": "leaked"})),
    )
    .await;
    let revoked = client
        .m2m()
        .revoke_token(RevokeM2mTokenParams {
            m2m_token_id: TOKEN_ID.into(),
            revocation_reason: Some(Some("leaked".into())),
        })
        .await
        .expect("revoked");
    assert!(revoked.revoked);
    assert_eq!(revoked.revocation_reason.as_deref(), Some("leaked"));
    assert_eq!(
        json_body(&only_request(&server).await),
        json!({"revocation_reason": "leaked"})
    );
}

#[tokio::test]
async fn verify_token_sends_the_token_and_decodes_its_record() {
    let (server, client) = setup().await;
    expect(
        &server,
        "POST",
        "/v1/m2m_tokens/verify",
        KEY,
        200,
        record(json!({})),
    )
    .await;
    let checked = client
        .m2m()
        .verify_token(VerifyM2mTokenParams {
            token: "mt_presented".into(),
        })
        .await
        .expect("verified");
    assert_eq!(checked.subject, SUBJECT);
    assert_eq!(checked.claims, Some(json!({"tenant": "t1"})));
    assert_eq!(
        json_body(&only_request(&server).await),
        json!({"token": "mt_presented"})
    );
}

#[tokio::test]
async fn verify_token_error_answer() {
    let (server, client) = setup().await;
    expect(
        &server,
        "POST",
        "/v1/m2m_tokens/verify",
        KEY,
        404,
        json!({"errors": [{"code": "resource_not_found", "message": "not found", "long_message": "no such token"}]}),
    )
    .await;
    let err = client
        .m2m()
        .verify_token(VerifyM2mTokenParams {
            token: "mt_unknown".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(
        err.api_error().and_then(|e| e.code()),
        Some("resource_not_found")
    );
}

#[tokio::test]
async fn get_jwks_decodes_public_keys_and_tolerates_unknown_ones() {
    let (server, client) = setup().await;
    expect(
        &server,
        "GET",
        "/v1/jwks",
        KEY,
        200,
        json!({"keys": [
            {"kid": "ins_1", "alg": "RS256", "use": "sig", "kty": "RSA", "n": "AQAB", "e": "AQAB"},
            {"kid": "ins_2", "alg": "ES256", "use": "sig", "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
            {"kid": "ins_3", "kty": "future-kind"}
        ]}),
    )
    .await;
    let jwks = client.jwks().get_jwks().await.expect("fetched");
    let keys = jwks.keys.expect("keys");
    assert!(matches!(&keys[0], JwksKeysItem::JwksRsaPublicKey(k) if k.kid == "ins_1"));
    assert!(matches!(&keys[1], JwksKeysItem::JwksEcdsaPublicKey(k) if k.crv == "P-256"));
    assert!(matches!(&keys[2], JwksKeysItem::Unknown(_)));
}

#[tokio::test]
async fn without_a_per_call_key_the_client_key_is_sent() {
    let (server, client) = setup().await;
    expect(&server, "GET", "/v1/jwks", KEY, 200, json!({"keys": []})).await;
    client
        .jwks()
        .with_options(RequestOptions::default().no_retries())
        .get_jwks()
        .await
        .expect("fetched with the client's key");
}

#[tokio::test]
async fn a_per_call_key_that_cannot_be_a_header_fails_before_sending() {
    let (server, client) = setup().await;
    let err = client
        .jwks()
        .with_options(RequestOptions::default().secret_key("ak_BAD\nKEY"))
        .get_jwks()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "secret_key"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("BAD"), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn per_call_keys_are_redacted() {
    let options = RequestOptions::default().secret_key(MACHINE_KEY);
    let printed = format!("{options:?} {options:#?}");
    assert!(!printed.contains("MACHINEKEY"), "{printed}");
}
