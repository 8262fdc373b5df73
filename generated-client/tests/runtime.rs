//! Loopback tests of the runtime that generated code calls: real HTTP against a wiremock server.

use std::time::{Duration, Instant, SystemTime};

use clerk_bapi::runtime::{self, Handle, Method, Request, StringEnum};
use clerk_bapi::{Client, Error, FilePart, RequestOptions, RetryPolicy, Secret};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_test_SECRETVALUE123";
const USER_AGENT: &str = concat!("clerk-bapi-rust/", env!("CARGO_PKG_VERSION"));

/// Short backoffs so that retry tests stay fast; the budget still leaves room for a 1 s
/// `Retry-After`.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(40))
        .with_max_elapsed(Duration::from_secs(5))
}

fn client_for(base_url: &str) -> Client {
    Client::builder()
        .secret_key(KEY)
        .base_url(base_url)
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn request(method: Method, literal: &'static str) -> Request {
    let mut request = Request::new(method, "TestOperation", "/test");
    request.path(literal);
    request
}

/// Fails the test if the error, its `Debug` or any error in its source chain shows the key.
fn assert_no_secret(err: &Error) {
    let mut texts = vec![format!("{err}"), format!("{err:?}"), format!("{err:#?}")];
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        texts.push(inner.to_string());
        texts.push(format!("{inner:?}"));
        source = inner.source();
    }
    for text in texts {
        assert!(!text.contains("SECRETVALUE"), "secret leaked: {text}");
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Machine {
    id: String,
    name: String,
}

enum Status {
    Active,
}

impl StringEnum for Status {
    fn as_str(&self) -> &str {
        match self {
            Status::Active => "active",
        }
    }
}

#[tokio::test]
async fn sends_the_client_headers_and_the_json_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/machines"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("clerk-api-version", "2026-05-12"))
        .and(header("user-agent", USER_AGENT))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"name": "robot", "scopes": ["a"]})))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": "mch_1", "name": "robot"})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let client = client_for(&server.uri());
    let mut req = request(Method::POST, "/machines");
    req.json(&json!({"name": "robot", "scopes": ["a"]}))
        .unwrap();
    let machine: Machine = Handle::new(&client).send_json(req).await.unwrap();
    assert_eq!(
        machine,
        Machine {
            id: "mch_1".into(),
            name: "robot".into()
        }
    );

    let received = &server.received_requests().await.unwrap()[0];
    assert_eq!(received.body, br#"{"name":"robot","scopes":["a"]}"#);
    assert_eq!(
        received.url.query(),
        None,
        "no __clerk_api_version or other query"
    );
}

#[tokio::test]
async fn no_auth_sends_no_authorization_and_bodiless_requests_no_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"keys": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let mut req = request(Method::GET, "/jwks");
    req.no_auth();
    let _: Value = Handle::new(&client).send_json(req).await.unwrap();

    let received = &server.received_requests().await.unwrap()[0];
    assert!(received.headers.get("authorization").is_none());
    assert!(received.headers.get("content-type").is_none());
    assert_eq!(received.headers["clerk-api-version"], "2026-05-12");
}

#[tokio::test]
async fn query_values_keep_zero_false_and_empty_and_repeat_lists() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/machines"))
        .and(query_param("limit", "0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [], "total_count": 0})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let mut req = request(Method::GET, "/machines");
    req.query("limit", &Some(0i64));
    req.query("offset", &None::<i64>);
    req.query("archived", &Some(false));
    req.query("name", &Some(String::new()));
    req.query("ids", &vec!["a b".to_string(), "c&d=e".to_string()]);
    req.query("status", &Status::Active);
    req.query("statuses", &Some(vec![Status::Active]));
    req.query("ratio", &0.5f64);
    req.query("__clerk_api_version", "2021-02-05");
    let _: Value = Handle::new(&client).send_json(req).await.unwrap();

    let received = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        received.url.query(),
        Some(
            "limit=0&archived=false&name=&ids=a%20b&ids=c%26d%3De&status=active&statuses=active&ratio=0.5"
        )
    );
}

#[tokio::test]
async fn hostile_path_ids_arrive_as_one_encoded_segment() {
    let server = MockServer::start().await;
    let cases = [
        ("../users", "/v1/machines/..%2Fusers/scopes"),
        ("a/b", "/v1/machines/a%2Fb/scopes"),
        ("x?y=1", "/v1/machines/x%3Fy%3D1/scopes"),
        ("mch #1", "/v1/machines/mch%20%231/scopes"),
    ];
    for (_, expected) in cases {
        Mock::given(method("GET"))
            .and(path(expected))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
            .expect(1)
            .mount(&server)
            .await;
    }
    // A base URL with a path and a trailing slash: the slash is dropped, the path kept.
    let client = client_for(&format!("{}/v1/", server.uri()));
    for (id, expected) in cases {
        let mut req = request(Method::GET, "/machines/");
        req.path_param("machine_id", id).unwrap();
        req.path("/scopes");
        let result: Result<Value, _> = Handle::new(&client).send_json(req).await;
        assert!(result.is_ok(), "{id:?} should reach {expected}: {result:?}");
    }
}

#[tokio::test]
async fn dot_segments_and_empty_ids_are_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    for id in ["..", ".", ""] {
        let send = async {
            let mut req = request(Method::DELETE, "/machines/");
            req.path_param("machine_id", id)?;
            Handle::new(&client).send_empty(req).await
        };
        let err = send.await.unwrap_err();
        let Error::Validation(validation) = &err else {
            panic!("expected a validation error, got {err:?}");
        };
        assert_eq!(validation.field, "machine_id");
        assert!(err.to_string().starts_with("machine_id = "), "{err}");
    }
}

#[tokio::test]
async fn api_errors_parse_clerk_errors_and_the_trace_id_from_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(json!({
                    "errors": [{
                        "code": "form_param_missing",
                        "message": "previous_token_ttl is missing",
                        "long_message": "previous_token_ttl must be given",
                        "meta": {"param_name": "previous_token_ttl"},
                        "unknown": "tolerated"
                    }],
                    "meta": {"x": 1},
                    "clerk_trace_id": "abc123"
                }))
                .insert_header("x-clerk-trace-id", "from-header"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = Handle::new(&client)
        .send_json::<Value>(request(Method::POST, "/machines/mch_1/secret_key/rotate"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.clerk_trace_id(), Some("abc123"));
    assert!(!err.is_retryable());
    let api = err.api_error().unwrap();
    assert_eq!(api.errors[0].code, "form_param_missing");
    assert_eq!(
        api.errors[0].long_message.as_deref(),
        Some("previous_token_ttl must be given")
    );
    assert_eq!(
        api.errors[0].meta,
        Some(json!({"param_name": "previous_token_ttl"}))
    );
    assert_eq!(api.meta, Some(json!({"x": 1})));
    assert_eq!(api.raw_body, None);
    assert_eq!(api.operation, "TestOperation");
    assert_eq!(
        err.to_string(),
        "Clerk API error 422 Unprocessable Entity: form_param_missing: previous_token_ttl is missing (trace id abc123)"
    );
    assert_no_secret(&err);
}

#[tokio::test]
async fn api_errors_fall_back_to_the_trace_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(
                    json!({"errors": [{"code": "resource_not_found", "message": "not found"}]}),
                )
                .insert_header("x-clerk-trace-id", "trace-from-header"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = Handle::new(&client)
        .send_empty(request(Method::GET, "/machines/mch_404"))
        .await
        .unwrap_err();
    assert_eq!(err.clerk_trace_id(), Some("trace-from-header"));
    assert_eq!(err.api_error().unwrap().code(), Some("resource_not_found"));
    assert!(
        err.to_string().ends_with("(trace id trace-from-header)"),
        "{err}"
    );
}

#[tokio::test]
async fn non_json_error_bodies_are_kept_raw() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(502)
                .set_body_raw("<html>\n<b>Bad gateway</b></html>", "text/html"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = Handle::new(&client)
        .send_empty(request(Method::POST, "/machines"))
        .await
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert!(api.errors.is_empty());
    assert_eq!(
        api.raw_body.as_deref(),
        Some("<html>\n<b>Bad gateway</b></html>")
    );
    assert_eq!(
        err.to_string(),
        "Clerk API error 502 Bad Gateway: <html> <b>Bad gateway</b></html>"
    );
    assert!(
        err.is_retryable(),
        "a 502 is transient, even though POST was not retried"
    );
}

#[tokio::test]
async fn undecodable_success_bodies_are_decode_errors_with_an_excerpt() {
    let server = MockServer::start().await;
    let long_name = "n".repeat(500);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 5, "name": long_name, "secret": "ak_SECRETVALUE"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = Handle::new(&client)
        .send_json::<Machine>(request(Method::GET, "/machines/mch_1"))
        .await
        .unwrap_err();
    let Error::Decode {
        status,
        excerpt,
        operation,
        ..
    } = &err
    else {
        panic!("expected a decode error, got {err:?}");
    };
    assert_eq!((*status, *operation), (200, "TestOperation"));
    assert!(excerpt.starts_with(r#"{"id":5,"#), "{excerpt}");
    assert!(excerpt.chars().count() <= 201, "{excerpt}");
    assert_eq!(err.status(), Some(200));
    assert!(
        std::error::Error::source(&err)
            .unwrap()
            .to_string()
            .contains("invalid type")
    );
    assert_no_secret(&err);
}

#[tokio::test]
async fn text_and_empty_responses() {
    let server = MockServer::start().await;
    Mock::given(path("/text"))
        .respond_with(ResponseTemplate::new(200).set_body_string("plain words"))
        .mount(&server)
        .await;
    Mock::given(path("/empty"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let handle = Handle::new(&client);
    assert_eq!(
        handle
            .send_text(request(Method::GET, "/text"))
            .await
            .unwrap(),
        "plain words"
    );
    handle
        .send_empty(request(Method::DELETE, "/empty"))
        .await
        .unwrap();
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = MockServer::start().await;
    Mock::given(path("/moved"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/elsewhere"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = Handle::new(&client)
        .send_empty(request(Method::GET, "/moved"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(302));
}

#[tokio::test]
async fn client_timeout_gives_a_timeout_error_and_get_timeouts_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(2)
        .mount(&server)
        .await;
    let client = Client::builder()
        .secret_key(KEY)
        .base_url(server.uri())
        .timeout(Duration::from_millis(150))
        .retry_policy(fast_retries().with_max_attempts(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = Handle::new(&client)
        .send_empty(request(Method::GET, "/slow"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { timeout, .. } if timeout == Duration::from_millis(150)),
        "{err:?}"
    );
    assert!(err.is_timeout() && err.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.to_string(), "TestOperation timed out after 150ms");
}

#[tokio::test]
async fn post_timeouts_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = Handle::new(&client)
        .with_options(RequestOptions::default().timeout(Duration::from_millis(150)))
        .send_empty(request(Method::POST, "/slow"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn per_call_timeout_overrides_the_client_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({}))
                .set_delay(Duration::from_millis(600)),
        )
        .mount(&server)
        .await;
    // The client's own 150 ms would fail the call; the call's 3 s lets it through.
    let client = Client::builder()
        .secret_key(KEY)
        .base_url(server.uri())
        .timeout(Duration::from_millis(150))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let handle = Handle::new(&client);
    let err = handle
        .send_empty(request(Method::GET, "/slow"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    handle
        .clone()
        .with_options(RequestOptions::default().timeout(Duration::from_secs(3)))
        .send_empty(request(Method::GET, "/slow"))
        .await
        .unwrap();
}

#[tokio::test]
async fn closed_ports_give_transport_errors_without_secrets() {
    // Bind then drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client_for(&format!("http://127.0.0.1:{port}"));
    let mut req = request(Method::GET, "/machines");
    req.query("token", &Secret::new("tok_SECRETVALUE"));
    let err = Handle::new(&client).send_empty(req).await.unwrap_err();
    let Error::Transport { operation, url, .. } = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(*operation, "TestOperation");
    assert_eq!(url, &format!("http://127.0.0.1:{port}/machines"));
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
    assert_no_secret(&err);
}

#[tokio::test]
async fn validation_helpers_fail_before_anything_is_sent() {
    let err = runtime::check_int("previous_token_ttl", 28801, 0..=28800).unwrap_err();
    assert!(matches!(err, Error::Validation(_)));
    assert_eq!(
        err.to_string(),
        "previous_token_ttl = 28801 is out of range: must be at most 28800"
    );
    let err = runtime::check_len_secret("secret_key", &Secret::new(KEY), 50..).unwrap_err();
    assert_no_secret(&err);
}

#[tokio::test]
async fn rate_limits_are_waited_out_even_for_post() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "mch_1", "name": "robot"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let mut req = request(Method::POST, "/machines");
    req.json(&json!({"name": "robot"})).unwrap();
    let started = Instant::now();
    let machine: Machine = Handle::new(&client).send_json(req).await.unwrap();
    assert_eq!(machine.id, "mch_1");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    // The retry resent the same body.
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].body, received[1].body);
}

#[tokio::test]
async fn retry_after_http_dates_are_obeyed_and_too_long_ones_are_not_waited_for() {
    let server = MockServer::start().await;
    let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(1));
    Mock::given(path("/soon"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", soon.as_str()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/soon"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let late = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    Mock::given(path("/late"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", late.as_str()))
        .expect(1)
        .mount(&server)
        .await;

    let client = client_for(&server.uri());
    let handle = Handle::new(&client);
    let started = Instant::now();
    handle
        .send_empty(request(Method::GET, "/soon"))
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));

    let started = Instant::now();
    let err = handle
        .send_empty(request(Method::GET, "/late"))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the hour-long wait must not begin"
    );
    assert_eq!(err.status(), Some(429));
    let retry_after = err.api_error().unwrap().retry_after.unwrap();
    assert!(retry_after > Duration::from_secs(3500), "{retry_after:?}");
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = Handle::new(&client)
        .send_empty(request(Method::GET, "/machines"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
}

#[tokio::test]
async fn post_answered_500_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = Handle::new(&client)
        .send_empty(request(Method::POST, "/machines"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn get_answered_503_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "mch_1", "name": "robot"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let machine: Machine = Handle::new(&client)
        .send_json(request(Method::GET, "/machines/mch_1"))
        .await
        .unwrap();
    assert_eq!(machine.name, "robot");
}

#[tokio::test]
async fn no_retries_makes_a_single_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let err = Handle::new(&client)
        .with_options(RequestOptions::default().no_retries())
        .send_empty(request(Method::GET, "/machines"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
}

#[tokio::test]
async fn extra_headers_are_sent_and_bad_ones_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(header("x-request-id", "req-42"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    Handle::new(&client)
        .with_options(RequestOptions::default().header("X-Request-Id", "req-42"))
        .send_empty(request(Method::GET, "/machines"))
        .await
        .unwrap();

    for options in [
        RequestOptions::default().header("bad name", "v"),
        RequestOptions::default().header("x-ok", "line\nbreak SECRETVALUE"),
        RequestOptions::default().header("Authorization", "Bearer sk_test_SECRETVALUE999"),
        RequestOptions::default().header("clerk-api-version", "2021-02-05"),
    ] {
        let err = Handle::new(&client)
            .with_options(options)
            .send_empty(request(Method::GET, "/machines"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{err:?}");
        assert_no_secret(&err);
    }
    // Only the first, valid call reached the server (checked by `expect(1)` on drop).
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn debug_and_display_never_show_the_key() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errors": [{"code": "authentication_invalid", "message": "invalid key"}]
        })))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    for text in [
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{:?}", Secret::new(KEY)),
    ] {
        assert!(!text.contains("SECRETVALUE"), "{text}");
    }
    let handle =
        Handle::new(&client).with_options(RequestOptions::default().header("x-token", KEY));
    assert!(!format!("{handle:?}").contains("SECRETVALUE"));
    let err = handle
        .send_empty(request(Method::GET, "/machines"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(!format!("{:?}", err.api_error().unwrap()).contains("SECRETVALUE"));
    assert_no_secret(&err);
}

#[tokio::test]
async fn send_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::new(KEY).unwrap();
    let handle = Handle::new(&client);
    let future = handle.send_json::<Value>(request(Method::GET, "/x"));
    assert_send(&future);
    assert_send(&handle.send_text(request(Method::GET, "/x")));
    assert_send(&handle.send_empty(request(Method::GET, "/x")));
    drop(future);
}

/// A fake `fetch` over `items`, answering with `total_count` and failing at `fail_at_offset`.
fn fake_pages(
    items: Vec<i32>,
    total_count: i64,
    fail_at_offset: Option<i64>,
    calls: std::sync::Arc<std::sync::Mutex<Vec<(i64, i64)>>>,
) -> impl FnMut(i64, i64) -> std::future::Ready<clerk_bapi::Result<(Vec<i32>, i64)>> {
    move |limit, offset| {
        calls.lock().unwrap().push((limit, offset));
        if Some(offset) == fail_at_offset {
            return std::future::ready(Err(Error::Timeout {
                operation: "ListThings",
                timeout: Duration::from_secs(1),
            }));
        }
        let start = usize::try_from(offset).unwrap().min(items.len());
        let end = (start + usize::try_from(limit).unwrap()).min(items.len());
        std::future::ready(Ok((items[start..end].to_vec(), total_count)))
    }
}

#[tokio::test]
async fn paginate_walks_every_page_by_total_count() {
    let calls = std::sync::Arc::default();
    let stream = runtime::paginate(
        2,
        0,
        fake_pages((1..=5).collect(), 5, None, std::sync::Arc::clone(&calls)),
    );
    let items: Vec<i32> = stream.map(Result::unwrap).collect().await;
    assert_eq!(items, [1, 2, 3, 4, 5]);
    assert_eq!(*calls.lock().unwrap(), [(2, 0), (2, 2), (2, 4)]);
}

#[tokio::test]
async fn paginate_stops_on_an_empty_page() {
    // The server claims more items than it has: the empty page ends the walk.
    let calls = std::sync::Arc::default();
    let stream = runtime::paginate(
        2,
        0,
        fake_pages((1..=4).collect(), 10, None, std::sync::Arc::clone(&calls)),
    );
    let items: Vec<i32> = stream.map(Result::unwrap).collect().await;
    assert_eq!(items, [1, 2, 3, 4]);
    assert_eq!(*calls.lock().unwrap(), [(2, 0), (2, 2), (2, 4)]);
}

#[tokio::test]
async fn paginate_yields_an_error_then_stops() {
    let calls = std::sync::Arc::default();
    let mut stream = runtime::paginate(
        2,
        0,
        fake_pages((1..=6).collect(), 6, Some(2), std::sync::Arc::clone(&calls)),
    );
    assert_eq!(stream.next().await.unwrap().unwrap(), 1);
    assert_eq!(stream.next().await.unwrap().unwrap(), 2);
    assert!(matches!(
        stream.next().await,
        Some(Err(Error::Timeout { .. }))
    ));
    assert!(stream.next().await.is_none());
    assert_eq!(calls.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn paginate_over_http_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let server = MockServer::start().await;
    Mock::given(query_param("offset", "0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [1, 2], "total_count": 3})),
        )
        .mount(&server)
        .await;
    Mock::given(query_param("offset", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [3], "total_count": 3})),
        )
        .mount(&server)
        .await;
    #[derive(Deserialize)]
    struct Page {
        data: Vec<i32>,
        total_count: i64,
    }
    let client = client_for(&server.uri());
    let stream = runtime::paginate(2, 0, |limit, offset| {
        let handle = Handle::new(&client);
        async move {
            let mut req = request(Method::GET, "/things");
            req.query("limit", &limit);
            req.query("offset", &offset);
            let page: Page = handle.send_json(req).await?;
            Ok((page.data, page.total_count))
        }
    });
    assert_send(&stream);
    let items: Vec<i32> = stream.map(Result::unwrap).collect().await;
    assert_eq!(items, [1, 2, 3]);
}

/// The shape of generated code, written by hand: if the runtime's interface drifts from what the
/// generator emits, this stops compiling.
mod generated_shape {
    use clerk_bapi::Secret;
    use clerk_bapi::runtime::{Handle, Method, Request};

    #[derive(serde::Serialize)]
    pub struct RotateMachineSecretKeyParams {
        #[serde(skip)]
        pub machine_id: String,
        pub previous_token_ttl: i64,
    }

    #[derive(Debug, serde::Deserialize)]
    pub struct MachineSecretKey {
        pub object: String,
        pub secret: Secret,
    }

    #[derive(Debug, Clone)]
    pub struct Machines<'a> {
        inner: Handle<'a>,
    }

    impl<'a> Machines<'a> {
        pub fn new(client: &'a clerk_bapi::Client) -> Self {
            Self {
                inner: Handle::new(client),
            }
        }

        pub fn with_options(self, options: clerk_bapi::RequestOptions) -> Self {
            Self {
                inner: self.inner.with_options(options),
            }
        }

        pub async fn rotate_secret_key(
            &self,
            params: RotateMachineSecretKeyParams,
        ) -> clerk_bapi::Result<MachineSecretKey> {
            clerk_bapi::runtime::check_int(
                "previous_token_ttl",
                params.previous_token_ttl,
                0..=28800,
            )?;
            let mut req = Request::new(
                Method::POST,
                "RotateMachineSecretKey",
                "/machines/{machine_id}/secret_key/rotate",
            );
            req.path("/machines/");
            req.path_param("machine_id", &params.machine_id)?;
            req.path("/secret_key/rotate");
            req.json(&params)?;
            self.inner.send_json(req).await
        }
    }
}

#[tokio::test]
async fn generated_code_shape_round_trips() {
    use generated_shape::{Machines, RotateMachineSecretKeyParams};

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/machines/mch_1/secret_key/rotate"))
        .and(body_json(json!({"previous_token_ttl": 3600})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"object": "machine_secret_key", "secret": "ak_SECRETVALUE"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&format!("{}/v1", server.uri()));
    let machines = Machines::new(&client).with_options(RequestOptions::default().no_retries());
    let key = machines
        .rotate_secret_key(RotateMachineSecretKeyParams {
            machine_id: "mch_1".into(),
            previous_token_ttl: 3600,
        })
        .await
        .unwrap();
    assert_eq!(key.object, "machine_secret_key");
    assert_eq!(key.secret.expose_secret(), "ak_SECRETVALUE");
    assert!(!format!("{key:?}").contains("SECRETVALUE"));

    let err = machines
        .rotate_secret_key(RotateMachineSecretKeyParams {
            machine_id: "mch_1".into(),
            previous_token_ttl: 28801,
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "previous_token_ttl = 28801 is out of range: must be at most 28800"
    );
}

// ----- what generated code for the whole document needs ------------------------------------------

#[tokio::test]
async fn comma_joined_query_lists_escape_commas_inside_values() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let mut req = request(Method::GET, "/organization_domains");
    req.query_csv("enrollment_mode", &Some(vec!["manual", "-sso", "a,b c"]));
    req.query_csv("empty", &Vec::<String>::new());
    req.query_csv("absent", &None::<Vec<String>>);
    req.query_csv("one", &Status::Active);
    req.query_csv("__clerk_api_version", &vec!["2021-02-05"]);
    let _: Value = Handle::new(&client).send_json(req).await.unwrap();
    let received = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        received.url.query(),
        Some("enrollment_mode=manual,-sso,a%2Cb%20c&one=active")
    );
}

#[tokio::test]
async fn header_parameters_are_sent_and_bad_ones_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(header("x-request-id", "req-42"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let mut req = request(Method::GET, "/things");
    req.header("X-Request-Id", &Some("req-42")).unwrap();
    req.header("X-Tags", &vec!["a", "b"]).unwrap();
    req.header("X-Absent", &None::<String>).unwrap();
    Handle::new(&client).send_empty(req).await.unwrap();

    let mut req = request(Method::GET, "/things");
    let err = req
        .header("X-Token", &Secret::new("line\nbreak SECRETVALUE"))
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_no_secret(&err);
    let err = req.header("Authorization", "Bearer other").unwrap_err();
    assert!(matches!(err, Error::Validation(ref v) if v.problem == "cannot be set by a parameter"));
    let printed = format!("{req:?}");
    assert!(!printed.contains("SECRETVALUE"), "{printed}");
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    // A list is one comma-separated value (`simple` style), not a repeated header.
    let tags: Vec<&str> = received[0]
        .headers
        .get_all("x-tags")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(tags, ["a,b"]);
    assert!(received[0].headers.get("x-absent").is_none());
}

/// The parts of a multipart body, as (headers, content), split on the boundary of its
/// `Content-Type`.
fn multipart_parts(request: &wiremock::Request) -> Vec<(String, Vec<u8>)> {
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {content_type:?}"));
    let delimiter = format!("--{boundary}");
    let find =
        |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).position(|w| w == needle);
    let mut parts = Vec::new();
    let mut rest: &[u8] = &request.body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        let Some(end) = find(rest, delimiter.as_bytes()) else {
            break;
        };
        let part = &rest[..end];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let split = find(part, b"\r\n\r\n").expect("headers end with a blank line");
        parts.push((
            String::from_utf8_lossy(&part[..split]).into_owned(),
            part[split + 4..].to_vec(),
        ));
    }
    parts
}

#[tokio::test]
async fn multipart_bodies_carry_text_and_file_parts_and_are_resent_on_retry() {
    let server = MockServer::start().await;
    // A POST is retried only after a 429; the whole form must be sent again.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/users/user_1/profile_image"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "user_1"})))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let image: Vec<u8> = (0..=255).collect();
    let mut req = request(Method::POST, "/users/user_1/profile_image");
    req.multipart();
    req.multipart_text("tags", &Some(vec!["a", "b"]));
    req.multipart_text("absent", &None::<String>);
    req.multipart_file(
        "file",
        FilePart::new(image.clone(), "avatar.jpg", "image/jpeg"),
    )
    .unwrap();
    req.multipart_file("other", None).unwrap();
    let printed = format!("{req:?}");
    assert!(
        printed.contains(r#"part_names: ["tags", "tags", "file"]"#)
            && printed.contains("body_len: Some(258)"),
        "{printed}"
    );
    let _: Value = Handle::new(&client).send_json(req).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for received in &requests {
        let parts = multipart_parts(received);
        let names: Vec<&str> = parts.iter().map(|(h, _)| h.as_str()).collect();
        assert_eq!(parts.len(), 3, "{names:?}");
        assert!(parts[0].0.contains(r#"name="tags""#) && parts[0].1 == b"a");
        assert!(parts[1].0.contains(r#"name="tags""#) && parts[1].1 == b"b");
        assert!(
            parts[2].0.contains(r#"name="file"; filename="avatar.jpg""#),
            "{}",
            parts[2].0
        );
        assert!(
            parts[2]
                .0
                .to_ascii_lowercase()
                .contains("content-type: image/jpeg")
        );
        assert_eq!(parts[2].1, image);
    }
}

#[test]
fn bad_media_types_of_files_are_validation_errors() {
    let mut req = request(Method::PUT, "/logo");
    let err = req
        .multipart_file("file", FilePart::new(vec![1], "a.png", "image png"))
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.field == "file.content_type"),
        "{err}"
    );
    let file = FilePart::new(vec![0; 1000], "a.png", "image/png");
    assert_eq!(
        format!("{file:?}"),
        r#"FilePart { file_name: "a.png", content_type: "image/png", len: 1000 }"#
    );
}

#[test]
fn required_alternatives_need_one_or_exactly_one_set() {
    let sets = ["domain", "domains"];
    assert!(runtime::check_alternatives(&sets, &[true, false], false).is_ok());
    assert!(runtime::check_alternatives(&sets, &[true, true], false).is_ok());
    let err = runtime::check_alternatives(&sets, &[false, false], false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "domain | domains = [none given] is missing: must give at least one of `domain`, `domains`"
    );
    let err = runtime::check_alternatives(&["a and b", "c"], &[true, true], true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a and b | c = [2 given] is ambiguous: must give exactly one of `a and b`, `c`"
    );
    assert!(runtime::check_alternatives(&sets, &[false, true], true).is_ok());
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Otp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object: Option<String>,
    status: String,
}

#[test]
fn union_helpers_read_tags_decode_and_write_missing_tags() {
    let value = json!({"object": "verification_otp", "status": "verified"});
    assert_eq!(
        runtime::tag(&value, "object").as_deref(),
        Some("verification_otp")
    );
    assert_eq!(runtime::tag(&json!({"object": 1}), "object"), None);
    assert_eq!(runtime::tag(&json!([1]), "object"), None);

    let otp: Otp = runtime::decode::<_, serde_json::Error>(value.clone()).unwrap();
    assert_eq!(otp.status, "verified");
    let err = runtime::decode::<Otp, serde_json::Error>(json!({"status": 7})).unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
    assert_eq!(runtime::try_decode::<Otp>(&json!({"nope": 1})), None);
    assert!(runtime::try_decode::<Otp>(&value).is_some());

    let bare = Otp {
        object: None,
        status: "pending".into(),
    };
    let written = runtime::serialize_tagged(
        &bare,
        "object",
        "verification_otp",
        serde_json::value::Serializer,
    )
    .unwrap();
    assert_eq!(
        written,
        json!({"object": "verification_otp", "status": "pending"})
    );
    // A tag the value carries is kept, even if it is another of the variant's values.
    let tagged = Otp {
        object: Some("otp".into()),
        status: "pending".into(),
    };
    let written = runtime::serialize_tagged(
        &tagged,
        "object",
        "verification_otp",
        serde_json::value::Serializer,
    )
    .unwrap();
    assert_eq!(written["object"], "otp");
    // Values that are not objects are written as they are.
    let written =
        runtime::serialize_tagged(&7, "object", "x", serde_json::value::Serializer).unwrap();
    assert_eq!(written, json!(7));
}
