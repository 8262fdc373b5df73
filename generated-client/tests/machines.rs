//! The nine Machines operations of the committed client over real HTTP on loopback: for each, the
//! method, path, query, headers and JSON body sent, the decoding of its answer, and of an error answer.

use clerk_bapi::types::{
    CreateMachineParams, CreateMachineScopeParams, DeleteMachineParams, DeleteMachineScopeParams,
    GetMachineParams, GetMachineSecretKeyParams, ListMachinesParams, MachineSecretKey,
    RotateMachineSecretKeyParams, UpdateMachineParams,
};
use clerk_bapi::{Client, Error, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk_test_MACHINESKEY123";

fn machine(id: &str) -> Value {
    json!({
        "object": "machine",
        "id": id,
        "name": "ci-bot",
        "instance_id": "ins_1",
        "created_at": 1_700_690_400_000_i64,
        "updated_at": 1_700_690_400_001_i64,
        "default_token_ttl": 3600,
        "scoped_machines": [{
            "object": "machine",
            "id": "mch_456",
            "name": "db",
            "instance_id": "ins_1",
            "created_at": 1,
            "updated_at": 2
        }]
    })
}

fn clerk_errors(code: &str) -> Value {
    json!({
        "errors": [{"code": code, "message": "something is off", "long_message": "longer", "meta": {"param_name": "x"}}],
        "clerk_trace_id": "trace_abc"
    })
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

/// Mounts a mock for one request, checking the headers every request must carry.
async fn expect(server: &MockServer, verb: &str, route: &str, status: u16, body: Value) {
    Mock::given(method(verb))
        .and(path(route))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("clerk-api-version", "2026-05-12"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

/// The single request the server received, for checks matchers cannot express (exact query, body).
async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "exactly one request was sent");
    requests.remove(0)
}

fn json_body(request: &Request) -> Value {
    assert_eq!(
        request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    serde_json::from_slice(&request.body).expect("the body is JSON")
}

fn assert_common_headers(request: &Request) {
    let user_agent = request
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        user_agent.starts_with("clerk-bapi-rust/"),
        "user agent names the crate: {user_agent}"
    );
    assert!(
        request
            .url
            .query_pairs()
            .all(|(k, _)| k != "__clerk_api_version")
    );
}

fn assert_api_error(result: Result<impl std::fmt::Debug, Error>, status: u16, code: &str) {
    match result {
        Err(Error::Api(api)) => {
            assert_eq!(api.status, status);
            assert_eq!(api.code(), Some(code));
            assert_eq!(api.errors[0].long_message.as_deref(), Some("longer"));
            assert_eq!(api.clerk_trace_id.as_deref(), Some("trace_abc"));
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn list_sends_every_query_parameter_including_zero() {
    let (server, client) = setup().await;
    expect(
        &server,
        "GET",
        "/v1/machines",
        200,
        json!({"data": [machine("mch_1")], "total_count": 1}),
    )
    .await;
    let list = client
        .machines()
        .list(ListMachinesParams {
            limit: Some(20),
            offset: Some(0),
            query: Some("ci bot".into()),
            order_by: Some("-created_at".into()),
        })
        .await
        .expect("list succeeds");
    assert_eq!(list.total_count, 1);
    assert_eq!(list.data[0].id, "mch_1");
    assert_eq!(list.data[0].created_at, 1_700_690_400_000);
    assert_eq!(list.data[0].scoped_machines[0].default_token_ttl, None);
    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert_eq!(
        request.url.query(),
        Some("limit=20&offset=0&query=ci%20bot&order_by=-created_at")
    );
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn list_omits_unset_query_parameters() {
    let (server, client) = setup().await;
    expect(
        &server,
        "GET",
        "/v1/machines",
        200,
        json!({"data": [], "total_count": 0}),
    )
    .await;
    let list = client
        .machines()
        .list(ListMachinesParams::default())
        .await
        .expect("list succeeds");
    assert!(list.data.is_empty());
    assert_eq!(only_request(&server).await.url.query(), None);
}

#[tokio::test]
async fn list_error() {
    let (server, client) = setup().await;
    expect(
        &server,
        "GET",
        "/v1/machines",
        400,
        clerk_errors("bad_request"),
    )
    .await;
    assert_api_error(
        client.machines().list(ListMachinesParams::default()).await,
        400,
        "bad_request",
    );
}

#[tokio::test]
async fn create_sends_a_json_body_and_decodes_the_secret_key() {
    let (server, client) = setup().await;
    let mut created = machine("mch_new");
    created["secret_key"] = json!("ak_live_CREATEDSECRET");
    expect(&server, "POST", "/v1/machines", 200, created).await;
    let machine = client
        .machines()
        .create(CreateMachineParams {
            name: "ci-bot".into(),
            scoped_machines: Some(vec!["mch_456".into()]),
            default_token_ttl: Some(3600),
        })
        .await
        .expect("create succeeds");
    assert_eq!(machine.id, "mch_new");
    assert_eq!(machine.secret_key.expose_secret(), "ak_live_CREATEDSECRET");
    assert!(
        !format!("{machine:?}").contains("CREATEDSECRET"),
        "Debug hides the secret key"
    );
    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert_eq!(
        json_body(&request),
        json!({"name": "ci-bot", "scoped_machines": ["mch_456"], "default_token_ttl": 3600})
    );
}

#[tokio::test]
async fn create_error() {
    let (server, client) = setup().await;
    expect(
        &server,
        "POST",
        "/v1/machines",
        422,
        clerk_errors("form_param_missing"),
    )
    .await;
    let params = CreateMachineParams {
        name: "x".into(),
        scoped_machines: None,
        default_token_ttl: None,
    };
    assert_api_error(
        client.machines().create(params).await,
        422,
        "form_param_missing",
    );
    assert_eq!(
        json_body(&only_request(&server).await),
        json!({"name": "x"})
    );
}

#[tokio::test]
async fn get_decodes_a_machine() {
    let (server, client) = setup().await;
    expect(
        &server,
        "GET",
        "/v1/machines/mch_123",
        200,
        machine("mch_123"),
    )
    .await;
    let got = client
        .machines()
        .get(GetMachineParams {
            machine_id: "mch_123".into(),
        })
        .await
        .expect("get succeeds");
    assert_eq!(got.id, "mch_123");
    assert_eq!(got.default_token_ttl, Some(3600));
    assert_eq!(got.scoped_machines.len(), 1);
    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn get_error() {
    let (server, client) = setup().await;
    expect(
        &server,
        "GET",
        "/v1/machines/mch_404",
        404,
        clerk_errors("resource_not_found"),
    )
    .await;
    let result = client
        .machines()
        .get(GetMachineParams {
            machine_id: "mch_404".into(),
        })
        .await;
    assert_api_error(result, 404, "resource_not_found");
}

#[tokio::test]
async fn update_sends_only_the_fields_given() {
    let (server, client) = setup().await;
    expect(
        &server,
        "PATCH",
        "/v1/machines/mch_123",
        200,
        machine("mch_123"),
    )
    .await;
    let updated = client
        .machines()
        .update(UpdateMachineParams {
            machine_id: "mch_123".into(),
            name: Some("renamed".into()),
            default_token_ttl: None,
        })
        .await
        .expect("update succeeds");
    assert_eq!(updated.id, "mch_123");
    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert_eq!(json_body(&request), json!({"name": "renamed"}));
}

#[tokio::test]
async fn update_error() {
    let (server, client) = setup().await;
    expect(
        &server,
        "PATCH",
        "/v1/machines/mch_123",
        422,
        clerk_errors("form_param_invalid"),
    )
    .await;
    let params = UpdateMachineParams {
        machine_id: "mch_123".into(),
        name: None,
        default_token_ttl: None,
    };
    assert_api_error(
        client.machines().update(params).await,
        422,
        "form_param_invalid",
    );
}

#[tokio::test]
async fn delete_returns_the_deleted_shape() {
    let (server, client) = setup().await;
    expect(
        &server,
        "DELETE",
        "/v1/machines/mch_123",
        200,
        json!({"object": "machine", "id": "mch_123", "deleted": true}),
    )
    .await;
    let deleted = client
        .machines()
        .delete(DeleteMachineParams {
            machine_id: "mch_123".into(),
        })
        .await
        .expect("delete succeeds");
    assert_eq!((deleted.id.as_str(), deleted.deleted), ("mch_123", true));
    assert_common_headers(&only_request(&server).await);
}

#[tokio::test]
async fn delete_error() {
    let (server, client) = setup().await;
    expect(
        &server,
        "DELETE",
        "/v1/machines/mch_123",
        403,
        clerk_errors("authorization_invalid"),
    )
    .await;
    let result = client
        .machines()
        .delete(DeleteMachineParams {
            machine_id: "mch_123".into(),
        })
        .await;
    assert_api_error(result, 403, "authorization_invalid");
}

#[tokio::test]
async fn get_secret_key_decodes_a_secret() {
    let (server, client) = setup().await;
    expect(
        &server,
        "GET",
        "/v1/machines/mch_123/secret_key",
        200,
        json!({"object": "machine_secret_key", "secret": "ak_live_GOTSECRET"}),
    )
    .await;
    let key = client
        .machines()
        .get_secret_key(GetMachineSecretKeyParams {
            machine_id: "mch_123".into(),
        })
        .await
        .expect("get_secret_key succeeds");
    assert_eq!(key.secret.expose_secret(), "ak_live_GOTSECRET");
    assert!(!format!("{key:?}").contains("GOTSECRET"));
    assert_common_headers(&only_request(&server).await);
}

#[tokio::test]
async fn get_secret_key_error() {
    let (server, client) = setup().await;
    expect(
        &server,
        "GET",
        "/v1/machines/mch_123/secret_key",
        401,
        clerk_errors("authentication_invalid"),
    )
    .await;
    let result = client
        .machines()
        .get_secret_key(GetMachineSecretKeyParams {
            machine_id: "mch_123".into(),
        })
        .await;
    assert_api_error(result, 401, "authentication_invalid");
}

/// The documented call, written exactly as `CLIENT.md` shows it.
#[tokio::test]
async fn rotate_secret_key_is_the_documented_call() {
    let (server, client) = setup().await;
    expect(
        &server,
        "POST",
        "/v1/machines/mch_123/secret_key/rotate",
        200,
        json!({"object": "machine_secret_key", "secret": "ak_live_ROTATED"}),
    )
    .await;
    let key: MachineSecretKey = client
        .machines()
        .rotate_secret_key(RotateMachineSecretKeyParams {
            machine_id: "mch_123".into(),
            previous_token_ttl: 3600,
        })
        .await
        .expect("rotation succeeds");
    assert_eq!(key.secret.expose_secret(), "ak_live_ROTATED");
    assert_eq!(key.object, "machine_secret_key");
    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert_eq!(request.body, br#"{"previous_token_ttl":3600}"#);
    assert_eq!(json_body(&request), json!({"previous_token_ttl": 3600}));
}

#[tokio::test]
async fn rotate_secret_key_error() {
    let (server, client) = setup().await;
    expect(
        &server,
        "POST",
        "/v1/machines/mch_123/secret_key/rotate",
        422,
        clerk_errors("form_param_missing"),
    )
    .await;
    let params = RotateMachineSecretKeyParams {
        machine_id: "mch_123".into(),
        previous_token_ttl: 0,
    };
    assert_api_error(
        client.machines().rotate_secret_key(params).await,
        422,
        "form_param_missing",
    );
    assert_eq!(
        json_body(&only_request(&server).await),
        json!({"previous_token_ttl": 0})
    );
}

#[tokio::test]
async fn create_scope_sends_the_target_machine() {
    let (server, client) = setup().await;
    expect(
        &server,
        "POST",
        "/v1/machines/mch_123/scopes",
        200,
        json!({"object": "machine_scope", "from_machine_id": "mch_123", "to_machine_id": "mch_456", "created_at": 5}),
    )
    .await;
    let scope = client
        .machines()
        .create_scope(CreateMachineScopeParams {
            machine_id: "mch_123".into(),
            to_machine_id: "mch_456".into(),
        })
        .await
        .expect("create_scope succeeds");
    assert_eq!(
        (scope.from_machine_id.as_str(), scope.to_machine_id.as_str()),
        ("mch_123", "mch_456")
    );
    let request = only_request(&server).await;
    assert_common_headers(&request);
    assert_eq!(json_body(&request), json!({"to_machine_id": "mch_456"}));
}

#[tokio::test]
async fn create_scope_error() {
    let (server, client) = setup().await;
    expect(
        &server,
        "POST",
        "/v1/machines/mch_123/scopes",
        409,
        clerk_errors("duplicate_record"),
    )
    .await;
    let params = CreateMachineScopeParams {
        machine_id: "mch_123".into(),
        to_machine_id: "mch_456".into(),
    };
    assert_api_error(
        client.machines().create_scope(params).await,
        409,
        "duplicate_record",
    );
}

#[tokio::test]
async fn delete_scope_uses_both_path_parameters() {
    let (server, client) = setup().await;
    expect(
        &server,
        "DELETE",
        "/v1/machines/mch_123/scopes/mch_456",
        200,
        json!({"object": "machine_scope", "from_machine_id": "mch_123", "to_machine_id": "mch_456", "deleted": true}),
    )
    .await;
    let deleted = client
        .machines()
        .delete_scope(DeleteMachineScopeParams {
            machine_id: "mch_123".into(),
            other_machine_id: "mch_456".into(),
        })
        .await
        .expect("delete_scope succeeds");
    assert!(deleted.deleted);
    assert_common_headers(&only_request(&server).await);
}

#[tokio::test]
async fn delete_scope_error() {
    let (server, client) = setup().await;
    expect(
        &server,
        "DELETE",
        "/v1/machines/mch_123/scopes/mch_456",
        404,
        clerk_errors("resource_not_found"),
    )
    .await;
    let params = DeleteMachineScopeParams {
        machine_id: "mch_123".into(),
        other_machine_id: "mch_456".into(),
    };
    assert_api_error(
        client.machines().delete_scope(params).await,
        404,
        "resource_not_found",
    );
}

#[tokio::test]
async fn out_of_range_values_never_reach_the_network() {
    let (server, client) = setup().await;
    let too_long = RotateMachineSecretKeyParams {
        machine_id: "mch_123".into(),
        previous_token_ttl: 28_801,
    };
    let negative = RotateMachineSecretKeyParams {
        machine_id: "mch_123".into(),
        previous_token_ttl: -1,
    };
    for params in [too_long, negative] {
        match client.machines().rotate_secret_key(params).await {
            Err(Error::Validation(v)) => assert_eq!(v.field, "previous_token_ttl"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
    let empty_name = CreateMachineParams {
        name: String::new(),
        scoped_machines: None,
        default_token_ttl: None,
    };
    assert!(matches!(
        client.machines().create(empty_name).await,
        Err(Error::Validation(_))
    ));
    let big_page = ListMachinesParams {
        limit: Some(501),
        ..Default::default()
    };
    assert!(matches!(
        client.machines().list(big_page).await,
        Err(Error::Validation(_))
    ));
    assert!(
        server
            .received_requests()
            .await
            .expect("recording is on")
            .is_empty()
    );
}

#[tokio::test]
async fn unknown_fields_in_answers_are_tolerated() {
    let (server, client) = setup().await;
    let mut answer = machine("mch_123");
    answer["a_field_added_later"] = json!({"nested": true});
    expect(&server, "GET", "/v1/machines/mch_123", 200, answer).await;
    let got = client
        .machines()
        .get(GetMachineParams {
            machine_id: "mch_123".into(),
        })
        .await;
    assert_eq!(got.expect("decodes").id, "mch_123");
}
