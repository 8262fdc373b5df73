//! A sample of the Frontend API client's operations against Stoplight Prism mocking Clerk's
//! Frontend API document: Prism checks each request (path, query, headers, form body, the
//! credentials its security asks for) against the document and answers from it, and the client must
//! decode every answer. The sample covers URL-encoded form bodies and each kind of security scheme
//! the document declares: a query key (`DevBrowser`), a cookie (`ProductionBrowser`), bearer with a
//! query flag (`ProductionNativeApp` and `ProductionNativeFlag`) and HTTP basic
//! (`ClientCredentials`).
//!
//! `.ci/run` generates the client, starts `prism mock` on the document and runs
//! `CLERK_FAPI_PRISM_URL=http://127.0.0.1:PORT cargo test` here; an unset variable fails every test.

use std::time::Duration;

use clerk_fapi::types::{
    CreateSignInParams, GetOAuthTokenGrantType, GetOAuthTokenParams, RevokeOAuthTokenParams,
};
use clerk_fapi::{Client, ClientBuilder, Error, RetryPolicy};

/// A client builder pointed at Prism, with one attempt of at most 10 s per call (malformed input
/// can make Prism hang).
fn prism() -> ClientBuilder {
    let url = std::env::var("CLERK_FAPI_PRISM_URL").unwrap_or_default();
    assert!(
        !url.trim().is_empty(),
        "Prism must be started for these tests: set CLERK_FAPI_PRISM_URL (see .ci/run)"
    );
    Client::builder()
        .base_url(url.trim())
        .timeout(Duration::from_secs(10))
        .retry_policy(RetryPolicy::none())
}

/// The value, or a failure that shows Prism's answer.
fn ok<T>(what: &str, result: clerk_fapi::Result<T>) -> T {
    match result {
        Ok(value) => value,
        Err(Error::Api(api)) => panic!("{what}: Prism answered {}: {api:?}", api.status),
        Err(err) => {
            let cause = std::error::Error::source(&err).map(ToString::to_string);
            panic!("{what}: {err}; cause: {}", cause.unwrap_or_default())
        }
    }
}

/// Like [`ok`], for the operations answering a client (`Client.Client-2`): the request must be
/// accepted, and the answer must decode or fail on the one known flaw of Prism's static answers
/// for this document. A SAML account's `saml_connection` is `type: object, nullable: true,
/// oneOf: [Stubs.SAMLConnection.SAMLAccount]`; Prism's static sampler stops at `type: object` and
/// answers `{}`, which the only `oneOf` member rejects (it requires `id` and more). The document
/// does not allow `{}`, so the client is right to refuse it; any other failure fails the test.
fn accepted<T>(what: &str, result: clerk_fapi::Result<T>) {
    if let Err(Error::Decode {
        source, excerpt, ..
    }) = &result
        && source.to_string().starts_with("missing field `id`")
        && excerpt.contains("\"client\"")
    {
        return;
    }
    ok(what, result);
}

#[tokio::test]
async fn a_dev_browser_token_in_the_query() {
    let client = prism().dev_browser("dvb_prism").build().unwrap();
    ok(
        "getEnvironment",
        client.environment().get_environment().await,
    );
    ok("getHealth", client.health().get_health().await);
}

#[tokio::test]
async fn a_production_browser_cookie() {
    let client = prism().production_browser("client_prism").build().unwrap();
    accepted(
        "deleteClientSessions",
        client.client_api().delete_client_sessions().await,
    );
}

#[tokio::test]
async fn a_native_bearer_token_with_its_flag() {
    let client = prism()
        .production_native_app("client_prism")
        .production_native_flag("true")
        .build()
        .unwrap();
    accepted("getClient", client.client_api().get_client().await);
    accepted(
        "deleteClientSessions",
        client.client_api().delete_client_sessions().await,
    );
}

#[tokio::test]
async fn a_form_body_signing_in() {
    let client = prism().dev_browser("dvb_prism").build().unwrap();
    let params = CreateSignInParams {
        strategy: Some("password".into()),
        identifier: Some("user@example.com".into()),
        password: Some("correct horse".into()),
        ..CreateSignInParams::default()
    };
    accepted(
        "createSignIn",
        client.sign_ins().create_sign_in(params).await,
    );
}

#[tokio::test]
async fn http_basic_client_credentials_with_form_bodies() {
    let client = prism()
        .client_credentials("client_id", "client_secret")
        .build()
        .unwrap();
    let token = GetOAuthTokenParams {
        grant_type: GetOAuthTokenGrantType::RefreshToken,
        refresh_token: Some("rt_prism".into()),
        ..token_params()
    };
    ok(
        "getOAuthToken",
        client
            .oauth2_identity_provider()
            .get_oauth_token(token)
            .await,
    );
    let revoke = RevokeOAuthTokenParams {
        token: Some("rt_prism".into()),
        ..RevokeOAuthTokenParams::default()
    };
    ok(
        "revokeOAuthToken",
        client
            .oauth2_identity_provider()
            .revoke_oauth_token(revoke)
            .await,
    );
}

#[tokio::test]
async fn a_required_scheme_missing_is_refused_before_sending() {
    let client = prism().build().unwrap();
    let err = client
        .oauth2_identity_provider()
        .revoke_oauth_token(RevokeOAuthTokenParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingCredentials { schemes, .. } if schemes == "ClientCredentials"),
        "{err}"
    );
}

/// Every optional member of the token request left out.
fn token_params() -> GetOAuthTokenParams {
    GetOAuthTokenParams {
        grant_type: GetOAuthTokenGrantType::AuthorizationCode,
        code: None,
        redirect_uri: None,
        code_verifier: None,
        client_id: None,
        client_secret: None,
        refresh_token: None,
        scope: None,
    }
}
