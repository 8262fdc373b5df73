//! `MachineTokenVerifier` on JWTs, over loopback against a JWKS of our own test keys: what a good
//! token gives, and every refusal, each saying why without repeating the token.

mod m2m_support;

use std::time::Duration;

use clerk_bapi::m2m::{MachineTokenVerifier, TokenFormat, TokenProvider, VerifierConfig};
use clerk_bapi::{Client, Error, RetryPolicy, TokenError};
use jsonwebtoken::Algorithm;
use m2m_support::{SUBJECT, TestKey, claims, header, jwks, key, now, sign_with, token};
use serde_json::{Value, json};
use wiremock::matchers::{header as has_header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_test_VERIFIERKEY";

async fn serve_jwks(keys: &[&TestKey]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/jwks"))
        .and(has_header(
            "authorization",
            format!("Bearer {KEY}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(keys)))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .secret_key(KEY)
        .base_url(format!("{}/v1", server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client builds")
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.expect("recording").len()
}

/// Verifies `token` and returns why it was refused, checking that the error never repeats it.
async fn refusal(verifier: &MachineTokenVerifier, token: &str) -> TokenError {
    let err = verifier.verify(token).await.expect_err("refused");
    let printed = format!("{err} {err:?}");
    for piece in token.split('.').filter(|piece| piece.len() > 8) {
        assert!(
            !printed.contains(piece),
            "the error repeats the token: {printed}"
        );
    }
    match err {
        Error::Token(why) => why,
        other => panic!("expected a token refusal, got {other:?}"),
    }
}

fn with_claim(name: &str, value: Value) -> Value {
    let mut claims = claims();
    claims[name] = value;
    claims
}

fn without_claim(name: &str) -> Value {
    let mut claims = claims();
    claims.as_object_mut().expect("object").remove(name);
    claims
}

#[tokio::test]
async fn a_good_jwt_is_checked_locally_and_read() {
    let a = key("a");
    let server = serve_jwks(&[&a]).await;
    let verifier = MachineTokenVerifier::new(client(&server));
    let machine = verifier.verify(&token(&a)).await.expect("accepted");
    assert_eq!(machine.id, "mt_0123456789abcdef0123456789abcdef");
    assert_eq!(machine.subject, SUBJECT);
    assert_eq!(machine.scopes, ["mch_aaa", "mch_bbb"]);
    assert_eq!(
        machine.claims,
        Some(json!({"aud": ["ignored"], "scopes": "mch_aaa mch_bbb", "tenant": "t1"}))
    );
    assert_eq!(machine.expiration, Some((now() + 3600) * 1000));
    assert_eq!(machine.format, TokenFormat::Jwt);

    // A warm cache answers without asking again, also through a clone.
    verifier.clone().verify(&token(&a)).await.expect("accepted");
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn scopes_fall_back_to_aud_and_the_category_header_is_optional() {
    let (a, ec) = (key("a"), key("ec"));
    let server = serve_jwks(&[&a, &ec]).await;
    let verifier = MachineTokenVerifier::new(client(&server));
    let mut plain = header(&a);
    plain.extras = Default::default();
    let claims = json!({"sub": SUBJECT, "jti": "j1", "exp": now() + 60, "aud": ["mch_x", "mch_y"]});
    let machine = verifier
        .verify(&sign_with(&plain, &claims, &a))
        .await
        .expect("accepted");
    assert_eq!(machine.scopes, ["mch_x", "mch_y"]);
    assert_eq!(machine.claims, Some(json!({"aud": ["mch_x", "mch_y"]})));

    // The JWKS may hold other supported key types: an ES256 token checks against its key.
    let machine = verifier.verify(&token(&ec)).await.expect("accepted");
    assert_eq!(machine.subject, SUBJECT);
}

#[tokio::test]
async fn unsigned_hmac_and_foreign_tokens_are_refused_before_any_request() {
    let a = key("a");
    let server = serve_jwks(&[&a]).await;
    let verifier = MachineTokenVerifier::new(client(&server));
    let body = token(&a);
    let payload = body.split('.').nth(1).expect("payload");

    // `alg: none`, with and without a signature.
    let none = format!("eyJhbGciOiJub25lIiwia2lkIjoiaW5zX3Rlc3RfYSJ9.{payload}.c2ln");
    let why = refusal(&verifier, &none).await;
    assert!(
        matches!(&why, TokenError::DisallowedAlgorithm { alg, .. } if alg == "none"),
        "{why}"
    );

    // HMAC, even signed with the public key's text as the secret (the classic confusion attack).
    let mut hmac = header(&a);
    hmac.alg = Algorithm::HS256;
    let secret =
        jsonwebtoken::EncodingKey::from_secret(a.jwk["n"].as_str().unwrap().as_bytes()).unwrap();
    let forged = jsonwebtoken::encode(&hmac, &claims(), &secret).unwrap();
    let why = refusal(&verifier, &forged).await;
    assert!(
        matches!(why, TokenError::DisallowedAlgorithm { .. }),
        "{why}"
    );
    assert!(why.to_string().contains("HMAC"), "{why}");

    // A session token (another category).
    let mut session = header(&a);
    session.extras.insert("cat", "cl_SESSION");
    let why = refusal(&verifier, &sign_with(&session, &claims(), &a)).await;
    assert_eq!(
        why,
        TokenError::WrongCategory {
            category: "cl_SESSION".into()
        }
    );

    // No key id.
    let mut anonymous = header(&a);
    anonymous.kid = None;
    let why = refusal(&verifier, &sign_with(&anonymous, &claims(), &a)).await;
    assert!(matches!(why, TokenError::Malformed(_)), "{why}");

    // Not a token at all.
    for garbage in [
        "",
        "hello",
        "a.b",
        "Bearer a.b.c",
        "mt_",
        "mt_with space",
        "ak_123",
    ] {
        assert_eq!(
            refusal(&verifier, garbage).await,
            TokenError::UnrecognizedFormat,
            "{garbage:?}"
        );
    }
    let undecodable = format!("bm90IGpzb24.{payload}.c2ln");
    assert!(matches!(
        refusal(&verifier, &undecodable).await,
        TokenError::Malformed(_)
    ));
    assert_eq!(requests(&server).await, 0, "nothing was fetched");
}

#[tokio::test]
async fn signature_and_algorithm_must_match_the_key() {
    let (a, b) = (key("a"), key("b"));
    let server = serve_jwks(&[&a, &b]).await;
    let verifier = MachineTokenVerifier::new(client(&server));

    // Signed by b but claiming to be a.
    let mut lying = header(&b);
    lying.kid = Some(a.kid.clone());
    let why = refusal(&verifier, &sign_with(&lying, &claims(), &b)).await;
    assert_eq!(why, TokenError::BadSignature);

    // A payload changed after signing.
    let good = token(&a);
    let mut parts: Vec<&str> = good.split('.').collect();
    let other = sign_with(&header(&a), &with_claim("sub", json!("mch_evil")), &a);
    parts[1] = other.split('.').nth(1).unwrap();
    assert_eq!(
        refusal(&verifier, &parts.join(".")).await,
        TokenError::BadSignature
    );

    // RS384 with a key published for RS256.
    let mut rs384 = header(&a);
    rs384.alg = Algorithm::RS384;
    let why = refusal(&verifier, &sign_with(&rs384, &claims(), &a)).await;
    assert!(
        matches!(&why, TokenError::DisallowedAlgorithm { alg, .. } if alg == "RS384"),
        "{why}"
    );

    // ES256 naming an RSA key.
    let ec = key("ec");
    let mut confused = header(&ec);
    confused.kid = Some(a.kid.clone());
    let why = refusal(&verifier, &sign_with(&confused, &claims(), &ec)).await;
    assert!(
        matches!(why, TokenError::DisallowedAlgorithm { .. }),
        "{why}"
    );
}

#[tokio::test]
async fn times_are_checked_with_five_seconds_of_leeway() {
    let a = key("a");
    let server = serve_jwks(&[&a]).await;
    let verifier = MachineTokenVerifier::new(client(&server));
    let sign = |claims: Value| sign_with(&header(&a), &claims, &a);
    let now = now();

    let why = refusal(&verifier, &sign(with_claim("exp", json!(now - 30)))).await;
    assert_eq!(why, TokenError::Expired);
    let why = refusal(&verifier, &sign(with_claim("nbf", json!(now + 60)))).await;
    assert_eq!(why, TokenError::NotYetValid { claim: "nbf" });
    let why = refusal(&verifier, &sign(with_claim("iat", json!(now + 60)))).await;
    assert_eq!(why, TokenError::NotYetValid { claim: "iat" });

    // Within the leeway, each is fine.
    for (claim, value) in [("exp", now - 2), ("nbf", now + 2), ("iat", now + 2)] {
        verifier
            .verify(&sign(with_claim(claim, json!(value))))
            .await
            .unwrap_or_else(|err| panic!("{claim} = now {:+}: {err}", value - now));
    }

    // A wider skew accepts what the default refuses.
    let lenient = MachineTokenVerifier::with_config(
        client(&server),
        VerifierConfig::default().with_clock_skew(Duration::from_secs(60)),
    );
    lenient
        .verify(&sign(with_claim("exp", json!(now - 30))))
        .await
        .expect("within a minute of skew");
}

#[tokio::test]
async fn claims_must_describe_a_machine() {
    let a = key("a");
    let server = serve_jwks(&[&a]).await;
    let verifier = MachineTokenVerifier::new(client(&server));
    let sign = |claims: Value| sign_with(&header(&a), &claims, &a);

    let why = refusal(&verifier, &sign(with_claim("sub", json!("user_123")))).await;
    assert_eq!(why, TokenError::NotAMachine);
    for missing in ["sub", "jti", "exp"] {
        let why = refusal(&verifier, &sign(without_claim(missing))).await;
        assert!(
            matches!(&why, TokenError::Malformed(m) if m.contains(missing)),
            "{missing}: {why}"
        );
    }
    let why = refusal(&verifier, &sign(with_claim("scopes", json!(["a"])))).await;
    assert!(matches!(why, TokenError::Malformed(_)), "{why}");
    let why = refusal(&verifier, &sign(with_claim("exp", json!("tomorrow")))).await;
    assert!(matches!(why, TokenError::Malformed(_)), "{why}");
}

#[tokio::test]
async fn the_issuer_is_checked_only_when_configured() {
    let a = key("a");
    let server = serve_jwks(&[&a]).await;
    let sign = |claims: Value| sign_with(&header(&a), &claims, &a);
    let other = sign(with_claim("iss", json!("https://elsewhere.test")));

    MachineTokenVerifier::new(client(&server))
        .verify(&other)
        .await
        .expect("no issuer configured");

    let strict = MachineTokenVerifier::with_config(
        client(&server),
        VerifierConfig::default().with_issuer("https://clerk.example.test"),
    );
    strict.verify(&token(&a)).await.expect("the right issuer");
    assert_eq!(refusal(&strict, &other).await, TokenError::WrongIssuer);
    let why = refusal(&strict, &sign(without_claim("iss"))).await;
    assert!(
        matches!(&why, TokenError::Malformed(m) if m.contains("iss")),
        "{why}"
    );
}

#[test]
fn verifier_and_provider_are_shareable_and_their_futures_are_send() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn send<F: std::future::Future + Send>(_: F) {}
    shareable::<MachineTokenVerifier>();
    shareable::<TokenProvider>();
    let client = Client::new("sk_test_x").unwrap();
    let verifier = MachineTokenVerifier::new(client.clone());
    let provider = TokenProvider::new(client, "ak_x");
    // The futures are built, checked for `Send` at compile time, and dropped without running.
    send(verifier.verify("mt_x"));
    send(provider.token());
}
