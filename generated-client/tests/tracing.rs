//! The span of each call (feature `tracing`), captured by a test subscriber over loopback calls:
//! its OpenTelemetry fields on success, on a retried 429, on an API error and on a timeout, and
//! that no secret, token, path id or query value reaches any span or event.
#![cfg(feature = "tracing")]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clerk_bapi::types::{ListMachinesParams, RotateMachineSecretKeyParams};
use clerk_bapi::{Client, Error, RequestOptions, RetryPolicy};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_test_TRACEDKEY";
const ROTATE_TEMPLATE: &str = "/machines/{machine_id}/secret_key/rotate";

/// What the subscriber saw: each span's fields (by span id) and each event's fields.
#[derive(Default, Clone)]
struct Captured {
    spans: Arc<Mutex<BTreeMap<u64, BTreeMap<String, String>>>>,
    events: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

impl Captured {
    /// The fields of the only span of the client.
    fn span(&self) -> BTreeMap<String, String> {
        let spans = self.spans.lock().unwrap();
        assert_eq!(spans.len(), 1, "one span per call: {spans:?}");
        spans.values().next().unwrap().clone()
    }

    fn events(&self) -> Vec<BTreeMap<String, String>> {
        self.events.lock().unwrap().clone()
    }

    /// Every name and value recorded, spans and events, as text.
    fn everything(&self) -> String {
        format!(
            "{:?} {:?}",
            self.spans.lock().unwrap(),
            self.events.lock().unwrap()
        )
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Captured {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        if attrs.metadata().target() != "clerk_bapi" {
            return;
        }
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        self.spans.lock().unwrap().insert(id.into_u64(), fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(fields) = self.spans.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "clerk_bapi" {
            return;
        }
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(fields);
    }
}

/// Captures what the client traces while this thread's tests run (each test runs on its own
/// current-thread runtime).
fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(captured.clone());
    (captured, tracing::subscriber::set_default(subscriber))
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .secret_key(KEY)
        .base_url(server.uri())
        .retry_policy(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap()
}

fn rotate() -> RotateMachineSecretKeyParams {
    RotateMachineSecretKeyParams {
        machine_id: "mch_PATHID".into(),
        previous_token_ttl: 3600,
    }
}

const ROTATE_PATH: &str = "/machines/mch_PATHID/secret_key/rotate";

fn secret_answer() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"object": "machine_secret_key", "secret": "ak_RESPONSESECRET"}))
}

fn assert_call_fields(span: &BTreeMap<String, String>, server: &MockServer) {
    let address = server.address();
    assert_eq!(span["otel.name"], format!("POST {ROTATE_TEMPLATE}"));
    assert_eq!(span["otel.kind"], "client");
    assert_eq!(span["http.request.method"], "POST");
    assert_eq!(span["url.template"], ROTATE_TEMPLATE);
    assert_eq!(span["server.address"], address.ip().to_string());
    assert_eq!(span["server.port"], address.port().to_string());
    assert_eq!(span["clerk.operation_id"], "RotateMachineSecretKey");
}

#[tokio::test]
async fn a_successful_call_has_one_span_with_the_otel_fields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ROTATE_PATH))
        .respond_with(secret_answer().insert_header("x-clerk-trace-id", "trace_ok"))
        .mount(&server)
        .await;
    let (captured, _guard) = capture();
    client(&server)
        .machines()
        .rotate_secret_key(rotate())
        .await
        .unwrap();
    let span = captured.span();
    assert_call_fields(&span, &server);
    assert_eq!(span["http.response.status_code"], "200");
    assert_eq!(span["clerk.trace_id"], "trace_ok");
    assert!(!span.contains_key("error.type"), "{span:?}");
    assert!(!span.contains_key("http.request.resend_count"), "{span:?}");
    assert!(captured.events().is_empty());
}

#[tokio::test]
async fn a_retried_429_counts_resends_and_logs_each_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(secret_answer())
        .mount(&server)
        .await;
    let (captured, _guard) = capture();
    client(&server)
        .machines()
        .rotate_secret_key(rotate())
        .await
        .unwrap();
    let span = captured.span();
    assert_call_fields(&span, &server);
    assert_eq!(span["http.request.resend_count"], "2");
    assert_eq!(span["http.response.status_code"], "200");
    assert!(!span.contains_key("error.type"), "{span:?}");
    let events = captured.events();
    assert_eq!(events.len(), 2, "{events:?}");
    for (n, event) in events.iter().enumerate() {
        assert_eq!(event["http.response.status_code"], "429");
        assert_eq!(event["error.type"], "429");
        assert_eq!(event["retry.delay_ms"], "0");
        assert_eq!(event["http.request.resend_count"], (n + 1).to_string());
    }
}

#[tokio::test]
async fn an_api_error_records_the_status_type_and_trace_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "errors": [{"code": "resource_not_found", "message": "not found"}],
            "clerk_trace_id": "trace_from_body",
        })))
        .mount(&server)
        .await;
    let (captured, _guard) = capture();
    let err = client(&server)
        .machines()
        .rotate_secret_key(rotate())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err}");
    let span = captured.span();
    assert_call_fields(&span, &server);
    assert_eq!(span["http.response.status_code"], "404");
    assert_eq!(span["error.type"], "404");
    assert_eq!(span["clerk.trace_id"], "trace_from_body");
}

#[tokio::test]
async fn a_timeout_records_its_type_and_no_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(secret_answer().set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let (captured, _guard) = capture();
    let err = client(&server)
        .machines()
        .with_options(RequestOptions::default().timeout(Duration::from_millis(50)))
        .rotate_secret_key(rotate())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    let span = captured.span();
    assert_call_fields(&span, &server);
    assert_eq!(span["error.type"], "timeout");
    assert!(!span.contains_key("http.response.status_code"), "{span:?}");
}

#[tokio::test]
async fn no_secret_token_path_id_or_query_value_reaches_a_span_or_event() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(secret_answer())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"errors": [{"code": "bad"}]})),
        )
        .mount(&server)
        .await;
    let (captured, _guard) = capture();
    let client = client(&server);
    let key = client
        .machines()
        .with_options(RequestOptions::default().header("x-extra", "tok_HEADERTOKEN"))
        .rotate_secret_key(rotate())
        .await
        .unwrap();
    assert_eq!(key.secret.expose_secret(), "ak_RESPONSESECRET");
    let list = ListMachinesParams {
        query: Some("QUERYVALUE".into()),
        order_by: Some("-ORDERVALUE".into()),
        ..ListMachinesParams::default()
    };
    client.machines().list(list).await.unwrap_err();
    let everything = captured.everything();
    for secret in [
        "TRACEDKEY",
        "RESPONSESECRET",
        "HEADERTOKEN",
        "PATHID",
        "QUERYVALUE",
        "ORDERVALUE",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} reached a span: {everything}"
        );
    }
    // The check above is only worth something if the calls were traced at all.
    assert!(everything.contains("ListMachines") && everything.contains("503"));
}
