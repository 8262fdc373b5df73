//! Conformance of the `m2m` and `jwks` operations, and of the opaque-token path of
//! `MachineTokenVerifier`, against Prism serving Clerk's published document. Run as part of
//! `tests/conformance.rs`, under the same rules (see there).

use clerk_bapi::RequestOptions;
use clerk_bapi::m2m::{MachineTokenVerifier, TokenFormat, TokenProvider, TokenProviderConfig};
use clerk_bapi::types::{
    CreateM2mTokenParams, CreateM2mTokenTokenFormat, GetM2mTokensParams, JwksKeysItem,
    RevokeM2mTokenParams, VerifyM2mTokenParams,
};
use serde_json::json;

use super::Prism;

/// A machine id of the shape the document requires (`mch_` and 27 word characters).
const MACHINE: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
/// A token id of the shape the document requires (`mt_` and 32 hex digits).
const TOKEN_ID: &str = "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e";

fn check_record(object: &str, subject: &str) {
    assert_eq!(object, "machine_to_machine_token");
    assert!(subject.starts_with("mch_"), "{subject}");
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn create_token() {
    let prism = Prism::connect();
    let m2m = prism
        .client
        .m2m()
        .with_options(RequestOptions::default().secret_key("ak_CONFORMANCEMACHINE"));
    let params = CreateM2mTokenParams {
        token_format: Some(CreateM2mTokenTokenFormat::Jwt),
        seconds_until_expiration: Some(Some(3600.0)),
        claims: Some(Some(json!({"tenant": "t1"}))),
        min_remaining_ttl_seconds: Some(240),
    };
    let minted = prism.accepted("createM2MToken", m2m.create_token(params).await);
    check_record(&minted.object, &minted.subject);
    // Every member of the body is optional, so an empty body (`{}`) is valid too.
    let minted = prism.accepted(
        "createM2MToken",
        m2m.create_token(CreateM2mTokenParams::default()).await,
    );
    check_record(&minted.object, &minted.subject);
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn list_tokens() {
    let prism = Prism::connect();
    let m2m = prism.client.m2m();
    let params = GetM2mTokensParams {
        subject: MACHINE.into(),
        revoked: Some(true),
        expired: Some(false),
        limit: Some(100.0),
        offset: Some(0.0),
    };
    let page = prism.accepted("getM2MTokens", m2m.list_tokens(params).await);
    for token in &page.m2m_tokens {
        check_record(&token.object, &token.subject);
    }
    let params = GetM2mTokensParams {
        subject: MACHINE.into(),
        revoked: None,
        expired: None,
        limit: None,
        offset: None,
    };
    prism.accepted("getM2MTokens", m2m.list_tokens(params).await);
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn revoke_token() {
    let prism = Prism::connect();
    let params = RevokeM2mTokenParams {
        m2m_token_id: TOKEN_ID.into(),
        revocation_reason: Some(Some("rotated".into())),
    };
    let revoked = prism.accepted(
        "revokeM2MToken",
        prism.client.m2m().revoke_token(params).await,
    );
    check_record(&revoked.object, &revoked.subject);
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn verify_token() {
    let prism = Prism::connect();
    let params = VerifyM2mTokenParams {
        token: "mt_presentedbyanothermachine".into(),
    };
    let checked = prism.accepted(
        "verifyM2MToken",
        prism.client.m2m().verify_token(params).await,
    );
    check_record(&checked.object, &checked.subject);
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn get_jwks() {
    let prism = Prism::connect();
    let jwks = prism.accepted("GetJWKS", prism.client.jwks().get_jwks().await);
    for key in jwks.keys.iter().flatten() {
        assert!(!matches!(key, JwksKeysItem::Unknown(_)), "{key:?}");
    }
}

/// The hand-written machine-auth types reach Prism through the generated operations: the
/// provider mints, and the verifier routes an opaque token to `POST /m2m_tokens/verify`. Only
/// static answers are predictable enough to check the verdict (dynamic ones may say revoked).
#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn provider_and_verifier() {
    let prism = Prism::connect();
    let provider = TokenProvider::with_config(
        prism.client.clone(),
        "ak_CONFORMANCEMACHINE",
        TokenProviderConfig::default().with_token_format(TokenFormat::Opaque),
    );
    let token = prism.accepted("createM2MToken", provider.token().await);
    let verifier = MachineTokenVerifier::new(prism.client.clone());
    let result = verifier.verify("mt_presentedbyanothermachine").await;
    if prism.is_static {
        let machine = prism.accepted("verifyM2MToken", result);
        assert_eq!(machine.format, TokenFormat::Opaque);
        assert!(machine.subject.starts_with("mch_"));
        assert!(!token.expose_secret().is_empty());
    } else if let Err(err) = result {
        // A random record may be revoked or expired; anything else is a failure.
        assert!(err.token_error().is_some(), "{err:?}");
    }
}
