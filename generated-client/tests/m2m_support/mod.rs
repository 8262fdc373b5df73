//! Test keys and token signing shared by the machine-token tests.
//!
//! The keys in `tests/fixtures/` were generated for these tests with `openssl genpkey` (two RSA
//! 2048 keys, one P-256 key) and are used for nothing else; the `.jwk.json` files hold their
//! public halves as a JWKS lists them.

#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub const CATEGORY: &str = "cl_B7d4PD333AAA";
pub const SUBJECT: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// One of the test keys: `a` and `b` (RSA), `ec` (P-256).
pub struct TestKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwk: Value,
}

pub fn key(name: &str) -> TestKey {
    let pem = fixture(&format!("m2m_test_key_{name}.pem"));
    let jwk: Value = serde_json::from_str(&fixture(&format!("m2m_test_key_{name}.jwk.json")))
        .expect("the JWK fixture is JSON");
    let encoding = if name == "ec" {
        EncodingKey::from_ec_pem(pem.as_bytes())
    } else {
        EncodingKey::from_rsa_pem(pem.as_bytes())
    }
    .expect("the PEM fixture is a key");
    TestKey {
        kid: jwk["kid"].as_str().expect("kid").to_owned(),
        encoding,
        jwk,
    }
}

/// A JWKS listing the public halves of `keys`.
pub fn jwks(keys: &[&TestKey]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()})
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        .try_into()
        .expect("fits")
}

/// The claims of a good machine token, valid for an hour.
pub fn claims() -> Value {
    let now = now();
    json!({
        "iss": "https://clerk.example.test",
        "sub": SUBJECT,
        "jti": "mt_0123456789abcdef0123456789abcdef",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "scopes": "mch_aaa mch_bbb",
        "aud": ["ignored"],
        "tenant": "t1"
    })
}

/// The header of a good machine token signed by `key`.
pub fn header(key: &TestKey) -> Header {
    let mut header = Header::new(if key.kid.ends_with("ec") {
        Algorithm::ES256
    } else {
        Algorithm::RS256
    });
    header.kid = Some(key.kid.clone());
    header.extras.insert("cat", CATEGORY);
    header
}

pub fn sign_with(header: &Header, claims: &Value, key: &TestKey) -> String {
    jsonwebtoken::encode(header, claims, &key.encoding).expect("signs")
}

/// A good machine token signed by `key`.
pub fn token(key: &TestKey) -> String {
    sign_with(&header(key), &claims(), key)
}
