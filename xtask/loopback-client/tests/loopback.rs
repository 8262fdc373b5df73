//! The client generated from generator/tests/fixtures/security_and_servers.yml, over loopback HTTP
//! (wiremock): each kind of security scheme in its place, the first complete alternative chosen,
//! optional and absent security, a refusal before sending, server variables, no version header,
//! and form and byte bodies.

use loopback_client::types::{CreateSessionParams, IssueTokenParams, PutAvatarParams};
use loopback_client::{Client, ClientBuilder, Error};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder().base_url(server.uri())
}

async fn ok(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"count": 1})))
        .mount(server)
        .await;
}

async fn only_request(server: &MockServer) -> Request {
    let mut received = server.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 1, "exactly one request");
    received.remove(0)
}

fn query(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn optional_security_sends_nothing_without_credentials_and_no_version_header() {
    let server = MockServer::start().await;
    ok(&server).await;
    let client = builder(&server).build().unwrap();
    let answer = client.sessions().list_sessions().await.unwrap();
    assert_eq!(answer.count, Some(1));
    let request = only_request(&server).await;
    assert!(request.headers.get("authorization").is_none());
    assert!(request.headers.get("cookie").is_none());
    assert!(request.headers.get("clerk-api-version").is_none());
    assert!(query(&request).is_empty());
}

#[tokio::test]
async fn a_cookie_scheme_is_sent_as_a_cookie() {
    let server = MockServer::start().await;
    ok(&server).await;
    let client = builder(&server).session("sess_1").build().unwrap();
    client.sessions().list_sessions().await.unwrap();
    let request = only_request(&server).await;
    assert_eq!(request.headers.get("cookie").unwrap(), "__session=sess_1");
    assert!(request.headers.get("authorization").is_none());
}

#[tokio::test]
async fn the_first_complete_alternative_wins_with_bearer_and_query_together() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sessions"))
        .and(header("authorization", "Bearer tok_native"))
        .and(query_param("_is_native", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    // `session` comes first among the document's alternatives but has no credential, so the
    // pair of `native` and `nativeFlag` is sent; `devToken` is not part of these alternatives.
    let client = builder(&server)
        .native("tok_native")
        .native_flag("true")
        .dev_token("dev_1")
        .build()
        .unwrap();
    client.sessions().list_sessions().await.unwrap();
    let request = only_request(&server).await;
    assert_eq!(
        query(&request),
        [("_is_native".to_owned(), "true".to_owned())]
    );
    assert!(request.headers.get("cookie").is_none());
}

#[tokio::test]
async fn a_required_alternative_missing_refuses_before_sending() {
    let server = MockServer::start().await;
    ok(&server).await;
    // `native` alone does not complete `native and nativeFlag`, and `devToken` is not given.
    let client = builder(&server).native("tok").build().unwrap();
    let err = client
        .sessions()
        .create_session(CreateSessionParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingCredentials { operation: "createSession", schemes } if schemes == "native and nativeFlag, or devToken"),
        "{err}"
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn a_query_key_and_a_form_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sessions"))
        .and(query_param("__dev_token", "dev 1&2"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("name=a+b%26c&tags=x&tags=y"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server).dev_token("dev 1&2").build().unwrap();
    let params = CreateSessionParams {
        name: Some("a b&c".into()),
        tags: Some(vec!["x".into(), "y".into()]),
    };
    client.sessions().create_session(params).await.unwrap();
}

#[tokio::test]
async fn http_basic_sends_user_and_password() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header("authorization", "Basic aWQ6czNjcjN0"))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server)
        .client_credentials("id", "s3cr3t")
        .build()
        .unwrap();
    let params = IssueTokenParams {
        grant_type: "client_credentials".into(),
    };
    client.oauth().issue_token(params).await.unwrap();
}

#[tokio::test]
async fn a_header_key_and_no_security_at_all() {
    let server = MockServer::start().await;
    ok(&server).await;
    let client = builder(&server)
        .api_key("key_1")
        .session("sess_1")
        .build()
        .unwrap();
    client.oauth().list_keys().await.unwrap();
    client.sessions().get_health().await.unwrap();
    let received = server.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].headers.get("x-api-key").unwrap(), "key_1");
    assert!(received[0].headers.get("cookie").is_none());
    // `security: []`: nothing is sent even though credentials are at hand.
    assert!(received[1].headers.get("x-api-key").is_none());
    assert!(received[1].headers.get("cookie").is_none());
}

#[tokio::test]
async fn bytes_are_sent_as_they_are() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/avatar"))
        .and(header("content-type", "application/octet-stream"))
        .and(header("authorization", "Bearer tok"))
        .and(body_string("\u{0}raw\u{1}"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server).native("tok").build().unwrap();
    let params = PutAvatarParams {
        body: vec![0, b'r', b'a', b'w', 1],
    };
    client.sessions().put_avatar(params).await.unwrap();
}

#[test]
fn server_variables_fill_the_url_and_base_url_wins() {
    let default = Client::builder().build().unwrap();
    assert_eq!(default.base_url(), "https://demo.auth.example.test/v1");
    let tenant = Client::builder()
        .server_variable("tenant", "acme")
        .server_variable("base", "v2")
        .build()
        .unwrap();
    assert_eq!(tenant.base_url(), "https://acme.auth.example.test/v2");
    let both = Client::builder()
        .server_variable("tenant", "acme")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    assert_eq!(both.base_url(), "http://127.0.0.1:9");
    for bad in [("region", "eu"), ("tenant", "evil.test/x")] {
        let err = Client::builder()
            .server_variable(bad.0, bad.1)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
    }
}

#[test]
fn credentials_never_show_in_debug_or_errors() {
    let client = Client::builder()
        .session("SECRETVALUE")
        .client_credentials("id", "SECRETVALUE")
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("SECRETVALUE"));
    let err = Client::builder()
        .session("SECRET\nVALUE")
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
}
