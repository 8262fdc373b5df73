//! Production behaviour of the generated Machines client over loopback HTTP: page walking, every
//! documented bound at and beyond its edge, hostile ids, and answers the document does not describe.

use clerk_bapi::types::{
    CreateMachineParams, GetMachineParams, ListMachinesParams, Machine,
    RotateMachineSecretKeyParams, UpdateMachineParams,
};
use clerk_bapi::{Client, Error, RetryPolicy};
use futures_util::StreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn machine(id: &str) -> Value {
    json!({
        "object": "machine", "id": id, "name": "n", "instance_id": "ins_1",
        "created_at": 1, "updated_at": 2, "scoped_machines": []
    })
}

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::builder()
        .secret_key("sk_test_BEHAVIOUR")
        .base_url(format!("{}/v1", server.uri()))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client builds");
    (server, client)
}

async fn page(server: &MockServer, offset: &str, limit: &str, ids: &[&str], total: i64) {
    let data: Vec<Value> = ids.iter().map(|id| machine(id)).collect();
    Mock::given(method("GET"))
        .and(path("/v1/machines"))
        .and(query_param("offset", offset))
        .and(query_param("limit", limit))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": data, "total_count": total})),
        )
        .expect(1)
        .mount(server)
        .await;
}

async fn ids(stream: impl futures_core::Stream<Item = clerk_bapi::Result<Machine>>) -> Vec<String> {
    stream
        .map(|item| item.expect("every page decodes").id)
        .collect()
        .await
}

#[tokio::test]
async fn list_all_walks_pages_by_total_count() {
    let (server, client) = setup().await;
    page(&server, "0", "2", &["a", "b"], 5).await;
    page(&server, "2", "2", &["c", "d"], 5).await;
    page(&server, "4", "2", &["e"], 5).await;
    let params = ListMachinesParams {
        limit: Some(2),
        query: Some("q".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(client.machines().list_all(params)).await,
        ["a", "b", "c", "d", "e"]
    );
    for request in server.received_requests().await.expect("recording is on") {
        assert!(
            request.url.query().unwrap_or("").contains("query=q"),
            "filters are kept on every page"
        );
    }
}

#[tokio::test]
async fn list_all_stops_on_an_empty_last_page() {
    let (server, client) = setup().await;
    page(&server, "0", "2", &["a", "b"], 10).await;
    page(&server, "2", "2", &["c", "d"], 10).await;
    page(&server, "4", "2", &[], 10).await;
    let params = ListMachinesParams {
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(
        ids(client.machines().list_all(params)).await,
        ["a", "b", "c", "d"]
    );
}

#[tokio::test]
async fn list_all_uses_the_largest_page_and_the_given_start() {
    let (server, client) = setup().await;
    page(&server, "7", "500", &["h"], 8).await;
    let params = ListMachinesParams {
        offset: Some(7),
        ..Default::default()
    };
    assert_eq!(ids(client.machines().list_all(params)).await, ["h"]);
}

#[tokio::test]
async fn list_all_yields_an_error_and_ends() {
    let (server, client) = setup().await;
    page(&server, "0", "1", &["a"], 3).await;
    Mock::given(method("GET"))
        .and(path("/v1/machines"))
        .and(query_param("offset", "1"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .expect(1)
        .mount(&server)
        .await;
    let params = ListMachinesParams {
        limit: Some(1),
        ..Default::default()
    };
    let items: Vec<clerk_bapi::Result<Machine>> =
        client.machines().list_all(params).collect().await;
    assert_eq!(items.len(), 2);
    assert!(matches!(&items[1], Err(Error::Api(api)) if api.status == 500));
}

#[tokio::test]
async fn a_page_size_beyond_the_maximum_is_refused() {
    let (server, client) = setup().await;
    let params = ListMachinesParams {
        limit: Some(501),
        ..Default::default()
    };
    let first = client.machines().list_all(params).next().await;
    assert!(matches!(first, Some(Err(Error::Validation(_)))));
    assert!(
        server
            .received_requests()
            .await
            .expect("recording is on")
            .is_empty()
    );
}

/// Runs `call` against a server that accepts anything, and says whether a request was sent.
async fn sent<F, Fut, T>(call: F) -> Result<(), Error>
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = clerk_bapi::Result<T>>,
{
    let (server, client) = setup().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"errors": []})))
        .mount(&server)
        .await;
    let result = call(client).await;
    let requests = server.received_requests().await.expect("recording is on");
    match result {
        Err(Error::Validation(v)) => {
            assert!(requests.is_empty(), "a refused value must not be sent");
            Err(Error::Validation(v))
        }
        _ => {
            assert_eq!(requests.len(), 1, "an accepted value is sent once");
            Ok(())
        }
    }
}

fn assert_refused(result: Result<(), Error>, field: &str) {
    match result {
        Err(Error::Validation(v)) => {
            assert_eq!(v.field, field);
            let text = v.to_string();
            assert!(
                text.contains(field) && text.contains(&v.value),
                "names field and value: {text}"
            );
        }
        other => panic!("expected {field} to be refused, got {other:?}"),
    }
}

fn list(limit: Option<i64>, offset: Option<i64>) -> ListMachinesParams {
    ListMachinesParams {
        limit,
        offset,
        ..Default::default()
    }
}

#[tokio::test]
async fn list_bounds() {
    for (limit, offset) in [(1, 0), (500, 0), (10, i64::MAX)] {
        assert!(
            sent(|c| async move { c.machines().list(list(Some(limit), Some(offset))).await })
                .await
                .is_ok()
        );
    }
    for limit in [0, 501, -1] {
        assert_refused(
            sent(|c| async move { c.machines().list(list(Some(limit), None)).await }).await,
            "limit",
        );
    }
    assert_refused(
        sent(|c| async move { c.machines().list(list(None, Some(-1))).await }).await,
        "offset",
    );
}

fn create(name: &str, scopes: usize, ttl: Option<i64>) -> CreateMachineParams {
    CreateMachineParams {
        name: name.into(),
        scoped_machines: Some((0..scopes).map(|i| format!("mch_{i}")).collect()),
        default_token_ttl: ttl,
    }
}

#[tokio::test]
async fn create_bounds() {
    let max_name = "n".repeat(255);
    let accepted = [
        create("a", 0, Some(1)),
        create(&max_name, 150, Some(315_360_000)),
        create("é", 1, None),
    ];
    for params in accepted {
        assert!(
            sent(|c| async move { c.machines().create(params).await })
                .await
                .is_ok()
        );
    }
    let long_name = "n".repeat(256);
    for (params, field) in [
        (create("", 0, None), "name"),
        (create(&long_name, 0, None), "name"),
        (create("a", 151, None), "scoped_machines"),
        (create("a", 0, Some(0)), "default_token_ttl"),
        (create("a", 0, Some(315_360_001)), "default_token_ttl"),
    ] {
        assert_refused(
            sent(|c| async move { c.machines().create(params).await }).await,
            field,
        );
    }
}

fn update(name: Option<&str>, ttl: Option<i64>) -> UpdateMachineParams {
    UpdateMachineParams {
        machine_id: "mch_1".into(),
        name: name.map(Into::into),
        default_token_ttl: ttl,
    }
}

#[tokio::test]
async fn update_bounds() {
    let max_name = "n".repeat(255);
    for params in [
        update(Some("a"), Some(1)),
        update(Some(&max_name), Some(315_360_000)),
        update(None, None),
    ] {
        assert!(
            sent(|c| async move { c.machines().update(params).await })
                .await
                .is_ok()
        );
    }
    let long_name = "n".repeat(256);
    for (params, field) in [
        (update(Some(""), None), "name"),
        (update(Some(&long_name), None), "name"),
        (update(None, Some(0)), "default_token_ttl"),
        (update(None, Some(315_360_001)), "default_token_ttl"),
    ] {
        assert_refused(
            sent(|c| async move { c.machines().update(params).await }).await,
            field,
        );
    }
}

fn rotate(ttl: i64) -> RotateMachineSecretKeyParams {
    RotateMachineSecretKeyParams {
        machine_id: "mch_1".into(),
        previous_token_ttl: ttl,
    }
}

#[tokio::test]
async fn rotate_bounds() {
    for ttl in [0, 1, 28_800] {
        assert!(
            sent(|c| async move { c.machines().rotate_secret_key(rotate(ttl)).await })
                .await
                .is_ok()
        );
    }
    for ttl in [-1, 28_801, i64::MAX, i64::MIN] {
        let result =
            sent(|c| async move { c.machines().rotate_secret_key(rotate(ttl)).await }).await;
        assert_refused(result, "previous_token_ttl");
    }
}

#[tokio::test]
async fn hostile_ids_stay_inside_their_segment() {
    let cases = [
        ("../users", "/v1/machines/..%2Fusers"),
        ("a/b", "/v1/machines/a%2Fb"),
        ("x?y=1", "/v1/machines/x%3Fy%3D1"),
        ("mch #1", "/v1/machines/mch%20%231"),
        ("%2e%2e", "/v1/machines/%252e%252e"),
    ];
    for (id, expected) in cases {
        let (server, client) = setup().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200).set_body_json(machine("x")))
            .mount(&server)
            .await;
        client
            .machines()
            .get(GetMachineParams {
                machine_id: id.into(),
            })
            .await
            .expect("sent");
        let requests = server.received_requests().await.expect("recording is on");
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].url.path(), expected, "id {id:?}");
        assert_eq!(
            requests[0].url.query(),
            None,
            "id {id:?} must not start a query"
        );
    }
    for id in ["..", ".", ""] {
        let result = sent(|c| async move {
            c.machines()
                .get(GetMachineParams {
                    machine_id: id.into(),
                })
                .await
        })
        .await;
        assert_refused(result, "machine_id");
    }
}

#[tokio::test]
async fn answers_with_values_the_document_does_not_know_still_decode() {
    let (server, client) = setup().await;
    let mut answer = machine("mch_1");
    answer["object"] = json!("machine_v2");
    answer["brand_new_field"] = json!([1, 2, 3]);
    answer["scoped_machines"] = json!([{
        "object": "something_else", "id": "mch_2", "name": "n", "instance_id": "i",
        "created_at": 1, "updated_at": 2, "unknown": {"deep": true}
    }]);
    Mock::given(method("GET"))
        .and(path("/v1/machines/mch_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    let got = client
        .machines()
        .get(GetMachineParams {
            machine_id: "mch_1".into(),
        })
        .await
        .expect("decodes");
    assert_eq!(
        got.object, "machine_v2",
        "the unknown value is kept, not mapped to an error"
    );
    assert_eq!(got.scoped_machines[0].object, "something_else");
}

#[tokio::test]
async fn a_429_on_get_secret_key_is_waited_out() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .secret_key("sk_test_BEHAVIOUR")
        .base_url(format!("{}/v1", server.uri()))
        .build()
        .expect("client builds with the default retry policy");
    Mock::given(method("GET"))
        .and(path("/v1/machines/mch_1/secret_key"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/machines/mch_1/secret_key"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"object": "machine_secret_key", "secret": "ak_1"})),
        )
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let key = client
        .machines()
        .get_secret_key(clerk_bapi::types::GetMachineSecretKeyParams {
            machine_id: "mch_1".into(),
        })
        .await
        .expect("the retry succeeds");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(950),
        "Retry-After was honoured"
    );
    assert_eq!(key.secret.expose_secret(), "ak_1");
    assert_eq!(
        server
            .received_requests()
            .await
            .expect("recording is on")
            .len(),
        2
    );
}

#[tokio::test]
async fn a_422_names_status_code_and_trace_id() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "errors": [{"code": "form_param_value_invalid", "message": "is invalid", "long_message": "previous_token_ttl is invalid"}],
            "clerk_trace_id": "trace_422"
        })))
        .mount(&server)
        .await;
    let error = client
        .machines()
        .rotate_secret_key(rotate(10))
        .await
        .expect_err("422 is an error");
    let text = error.to_string();
    for part in ["422", "form_param_value_invalid", "trace_422"] {
        assert!(text.contains(part), "{text:?} names {part}");
    }
    assert!(!format!("{error:?}").contains("sk_test_BEHAVIOUR"));
}
