//! The test double (`clerk_bapi::testing`, feature `test-util`) on the Machines operations: every
//! call goes over loopback through the real client, as in production.
#![cfg(feature = "test-util")]

use std::panic::{AssertUnwindSafe, catch_unwind};

use clerk_bapi::testing::MockClerk;
use clerk_bapi::types::{
    ListMachinesParams, MachineList, MachineSecretKey, RotateMachineSecretKeyParams,
    UpdateMachineParams,
};
use clerk_bapi::{Error, Secret};
use serde_json::json;

fn key(secret: &str) -> MachineSecretKey {
    MachineSecretKey {
        object: "machine_secret_key".into(),
        secret: Secret::new(secret),
    }
}

fn rotate(machine_id: &str) -> RotateMachineSecretKeyParams {
    RotateMachineSecretKeyParams {
        machine_id: machine_id.into(),
        previous_token_ttl: 3600,
    }
}

/// The message of the panic `f` raises, or `None` when it does not panic.
fn panic_message(f: impl FnOnce()) -> Option<String> {
    let payload = catch_unwind(AssertUnwindSafe(f)).err()?;
    Some(
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default(),
    )
}

#[tokio::test]
async fn returns_the_typed_answer_and_records_the_call() {
    let mock = MockClerk::start().await;
    mock.machines().rotate_secret_key().returns(key("ak_new"));
    let got = mock
        .client()
        .machines()
        .rotate_secret_key(rotate("mch 1/2"))
        .await
        .unwrap();
    assert_eq!(got, key("ak_new"));
    let calls = mock.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.operation_id, "RotateMachineSecretKey");
    assert_eq!(call.method, "POST");
    assert_eq!(call.path, "/machines/mch%201%2F2/secret_key/rotate");
    assert_eq!(
        call.path_params,
        vec![("machine_id".to_owned(), "mch 1/2".to_owned())]
    );
    assert!(call.query.is_empty());
    assert_eq!(call.body, Some(json!({"previous_token_ttl": 3600})));
    // The key is not recorded, so that printing a call shows none.
    assert!(call.headers.iter().all(|(name, _)| name != "authorization"));
    assert!(
        call.headers
            .iter()
            .any(|(name, value)| name == "clerk-api-version" && value == clerk_bapi::API_VERSION)
    );
    mock.verify();
}

#[tokio::test]
async fn query_parameters_are_recorded_decoded_and_matched_typed() {
    let mock = MockClerk::start().await;
    let page = MachineList {
        data: Vec::new(),
        total_count: 0,
    };
    mock.machines()
        .list()
        .when(|p: &ListMachinesParams| p.limit == Some(5) && p.query.as_deref() == Some("a&b"))
        .returns(page.clone())
        .times(1);
    let params = ListMachinesParams {
        limit: Some(5),
        offset: Some(0),
        query: Some("a&b".into()),
        order_by: None,
    };
    let got = mock.client().machines().list(params).await.unwrap();
    assert_eq!(got, page);
    assert_eq!(
        mock.calls()[0].query,
        vec![
            ("limit".to_owned(), "5".to_owned()),
            ("offset".to_owned(), "0".to_owned()),
            ("query".to_owned(), "a&b".to_owned()),
        ]
    );
    // Another limit matches nothing: the call fails, naming the operation.
    let other = ListMachinesParams {
        limit: Some(6),
        ..ListMachinesParams::default()
    };
    let err = mock.client().machines().list(other).await.unwrap_err();
    assert!(err.to_string().contains("ListMachines"), "{err}");
}

#[tokio::test]
async fn matching_on_typed_parameters_picks_the_expectation() {
    let mock = MockClerk::start().await;
    mock.machines()
        .rotate_secret_key()
        .when(|p| p.machine_id == "mch_1")
        .returns(key("ak_one"));
    mock.machines()
        .rotate_secret_key()
        .when(|p| p.machine_id == "mch_2" && p.previous_token_ttl == 3600)
        .returns(key("ak_two"));
    let client = mock.client();
    let two = client.machines().rotate_secret_key(rotate("mch_2")).await;
    let one = client.machines().rotate_secret_key(rotate("mch_1")).await;
    assert_eq!(two.unwrap(), key("ak_two"));
    assert_eq!(one.unwrap(), key("ak_one"));
    let err = client
        .machines()
        .rotate_secret_key(rotate("mch_3"))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("RotateMachineSecretKey") && message.contains("none of its 2"),
        "{message}"
    );
    assert_eq!(
        mock.calls().len(),
        3,
        "unexpected calls are recorded as well"
    );
    let problem = panic_message(|| mock.verify()).expect("verify fails on an unexpected call");
    assert!(
        problem.contains("unexpected call to RotateMachineSecretKey"),
        "{problem}"
    );
}

#[tokio::test]
async fn answers_come_in_sequence_so_retries_can_be_tested() {
    let mock = MockClerk::start().await;
    let rotation = mock
        .machines()
        .rotate_secret_key()
        .fails(429, "too_many_requests")
        .returns(key("ak_after_retry"))
        .times(2);
    let got = mock
        .client()
        .machines()
        .rotate_secret_key(rotate("mch_1"))
        .await
        .unwrap();
    assert_eq!(got, key("ak_after_retry"));
    assert_eq!(rotation.calls(), 2);
    assert_eq!(mock.calls().len(), 2);
    mock.verify();
}

#[tokio::test]
async fn fails_answers_a_clerk_error() {
    let mock = MockClerk::start().await;
    mock.machines().get().fails(404, "resource_not_found");
    let params = clerk_bapi::types::GetMachineParams {
        machine_id: "mch_gone".into(),
    };
    let err = mock.client().machines().get(params).await.unwrap_err();
    let Error::Api(api) = err else {
        panic!("not an API error: {err}");
    };
    assert_eq!(api.status, 404);
    assert_eq!(api.errors[0].code, "resource_not_found");
    assert_eq!(api.clerk_trace_id.as_deref(), Some("mock_trace_id"));
}

#[tokio::test]
async fn an_operation_nothing_expects_fails_naming_it() {
    let mock = MockClerk::start().await;
    let params = UpdateMachineParams {
        machine_id: "mch_1".into(),
        name: Some("robot".into()),
        default_token_ttl: None,
    };
    let err = mock.client().machines().update(params).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("not an API error: {err}");
    };
    assert_eq!(api.status, 501, "not a status the client retries");
    let message = err.to_string();
    assert!(
        message.contains("UpdateMachine") && message.contains("no expectation is set"),
        "{message}"
    );
    assert_eq!(mock.calls()[0].body, Some(json!({"name": "robot"})));
}

#[tokio::test]
async fn counts_are_checked_by_verify_and_on_drop() {
    let mock = MockClerk::start().await;
    mock.machines().delete().times(1).fails(409, "conflict");
    let problem = panic_message(|| mock.verify()).expect("a missing call fails verify");
    assert!(
        problem.contains("DeleteMachine was expected 1 time(s) but was called 0 time(s)"),
        "{problem}"
    );
    let problem = panic_message(|| drop(mock)).expect("dropping the mock checks counts too");
    assert!(problem.contains("DeleteMachine"), "{problem}");

    // One call too many goes unexpected.
    let mock = MockClerk::start().await;
    mock.machines().get_secret_key().returns(key("ak")).times(1);
    let client = mock.client();
    let params = || clerk_bapi::types::GetMachineSecretKeyParams {
        machine_id: "mch_1".into(),
    };
    client.machines().get_secret_key(params()).await.unwrap();
    let err = client
        .machines()
        .get_secret_key(params())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("GetMachineSecretKey"), "{err}");
}

#[tokio::test]
async fn an_expectation_without_an_answer_says_so() {
    let mock = MockClerk::start().await;
    let _ = mock.machines().delete_scope();
    let params = clerk_bapi::types::DeleteMachineScopeParams {
        machine_id: "mch_1".into(),
        other_machine_id: "mch_2".into(),
    };
    let err = mock
        .client()
        .machines()
        .delete_scope(params)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("DeleteMachineScope has no answer"),
        "{err}"
    );
}

#[tokio::test]
async fn client_builder_sets_the_client_up_and_uri_is_the_server() {
    let mock = MockClerk::start().await;
    assert!(mock.uri().starts_with("http://127.0.0.1:"));
    let client = mock
        .client_builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()
        .unwrap();
    assert_eq!(client.base_url(), mock.uri());
    mock.machines()
        .create_scope()
        .when(|p| p.to_machine_id == "mch_2")
        .returns(clerk_bapi::types::MachineScope {
            object: "machine_scope".into(),
            from_machine_id: "mch_1".into(),
            to_machine_id: "mch_2".into(),
            created_at: 1,
        });
    let scope = client
        .machines()
        .create_scope(clerk_bapi::types::CreateMachineScopeParams {
            machine_id: "mch_1".into(),
            to_machine_id: "mch_2".into(),
        })
        .await
        .unwrap();
    assert_eq!(scope.from_machine_id, "mch_1");
}
