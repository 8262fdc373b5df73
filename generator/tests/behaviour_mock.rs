//! The test double generated for tests/behaviour/api.yml (the client tests/behaviour.rs exercises),
//! beyond Machines: answers of every kind (JSON, text, none), parameters read back typed from
//! every place (path, query lists exploded or comma-joined, headers, nullable JSON members,
//! multipart text and files), operations without parameters, and a group named like one of
//! `MockClerk`'s own methods.

#[rustfmt::skip]
#[allow(dead_code, unused_imports, deprecated, clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]
#[path = "behaviour/generated"]
mod generated {
    pub mod actor_tokens;
    pub mod calls;
    pub mod email_addresses;
    pub mod exprs;
    pub mod jobs;
    pub mod jwks;
    pub mod miscellaneous;
    pub mod oauth_access_tokens;
    pub mod organization_domains;
    pub mod organizations;
    pub mod saml_connections;
    pub mod testing;
    pub mod types;
    pub mod users;
}

use generated::*;

/// What generated code reaches as `crate::runtime`.
mod runtime {
    pub use clerk_bapi::runtime::*;
}

pub use clerk_bapi::{Client, FilePart, RequestOptions, Result, Secret};

use testing::MockClerk;

#[tokio::test]
async fn a_group_named_calls_is_reached_as_calls_group_and_answers_nothing() {
    let mock = MockClerk::start().await;
    let deletion = mock
        .calls_group()
        .delete()
        .when(|p| p.hard == Some(true) && p.after == Some(5) && p.call_id == "7")
        .returns(())
        .times(1);
    let client = mock.client();
    calls::Calls::new(&client)
        .delete(types::DeleteCallParams {
            call_id: "7".into(),
            hard: Some(true),
            after: Some(5),
        })
        .await
        .expect("the expectation answers 204");
    assert_eq!(deletion.calls(), 1);
    // `calls()` is still the list of calls received.
    let calls = mock.calls();
    assert_eq!(calls[0].operation_id, "DeleteCall");
    assert_eq!(
        calls[0].query,
        vec![
            ("hard".to_owned(), "true".to_owned()),
            ("after".to_owned(), "5".to_owned())
        ]
    );
    mock.verify();
}

#[tokio::test]
async fn a_text_answer_and_a_query_parameter_that_collides() {
    let mock = MockClerk::start().await;
    mock.miscellaneous()
        .get_public_interstitial()
        .when(|p| p.frontend_api.as_deref() == Some("new.example.test"))
        .returns("<html>wait</html>".to_owned());
    let page = miscellaneous::Miscellaneous::new(&mock.client())
        .get_public_interstitial(types::GetPublicInterstitialParams {
            frontend_api: Some("new.example.test".into()),
            ..Default::default()
        })
        .await
        .expect("the text is answered");
    assert_eq!(page, "<html>wait</html>");
}

#[tokio::test]
async fn list_query_parameters_and_headers_are_read_back_typed() {
    use types::ListAllOrganizationDomainsEnrollmentModeItem as Mode;
    let mock = MockClerk::start().await;
    let modes = vec![
        Mode::ManualInvitation,
        Mode::MinusManualInvitation,
        Mode::Unknown("a,b".into()),
    ];
    let wanted = modes.clone();
    mock.organization_domains()
        .list_all()
        .when(move |p| {
            p.organization_id == Some(vec!["org_1".into(), "org 2".into()])
                && p.enrollment_mode.as_ref() == Some(&wanted)
                && p.x_request_id.as_deref() == Some("req_42")
        })
        .returns(vec!["orgdmn_1".to_owned()])
        .times(1);
    let domains = organization_domains::OrganizationDomains::new(&mock.client())
        .list_all(types::ListAllOrganizationDomainsParams {
            organization_id: Some(vec!["org_1".into(), "org 2".into()]),
            enrollment_mode: Some(modes),
            x_request_id: Some("req_42".into()),
        })
        .await
        .expect("the typed matcher takes the call");
    assert_eq!(domains, ["orgdmn_1"]);
    let call = &mock.calls()[0];
    assert!(
        call.headers
            .contains(&("x-request-id".to_owned(), "req_42".to_owned()))
    );
    mock.verify();
}

#[tokio::test]
async fn nullable_members_tell_null_from_left_out() {
    let mock = MockClerk::start().await;
    mock.users()
        .update()
        .when(|p| p.first_name == Some(None) && p.external_id.is_none() && p.user_id == "user_1")
        .returns(types::UpdateUserResponse {
            id: Some("user_1".into()),
        })
        .times(1);
    let updated = users::Users::new(&mock.client())
        .update(types::UpdateUserParams {
            user_id: "user_1".into(),
            first_name: Some(None),
            external_id: None,
            username: Some("ada".into()),
        })
        .await
        .expect("the typed matcher takes the call");
    assert_eq!(updated.id.as_deref(), Some("user_1"));
    assert_eq!(
        mock.calls()[0].body,
        Some(serde_json::json!({"first_name": null, "username": "ada"}))
    );
    mock.verify();
}

#[tokio::test]
async fn multipart_parts_and_files_are_recorded_and_read_back() {
    let mock = MockClerk::start().await;
    mock.organizations()
        .upload_logo()
        .when(|p| {
            p.organization_id == "org_1"
                && p.uploader_user_id.as_deref() == Some("user_1")
                && p.file.bytes == b"PNG"
                && p.file.file_name == "logo.png"
                && p.file.content_type == "image/png"
        })
        .returns(types::Organization { id: "org_1".into() })
        .times(1);
    let organization = organizations::Organizations::new(&mock.client())
        .upload_logo(types::UploadOrganizationLogoParams {
            organization_id: "org_1".into(),
            uploader_user_id: Some("user_1".into()),
            file: FilePart::new(b"PNG".to_vec(), "logo.png", "image/png"),
        })
        .await
        .expect("the typed matcher takes the call");
    assert_eq!(organization.id, "org_1");
    let call = &mock.calls()[0];
    let names: Vec<&str> = call.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["uploader_user_id", "file"]);
    assert_eq!(call.body, None);
    mock.verify();
}

#[tokio::test]
async fn operations_without_parameters_and_unions_answer() {
    let mock = MockClerk::start().await;
    mock.exprs()
        .get()
        .returns(types::Expr::Literal(types::Literal { value: true }));
    mock.jwks().get().returns(types::Keys { keys: Vec::new() });
    let client = mock.client();
    let expr = exprs::Exprs::new(&client).get().await.expect("answered");
    assert_eq!(expr, types::Expr::Literal(types::Literal { value: true }));
    let keys = jwks::Jwks::new(&client).get().await.expect("answered");
    assert!(keys.keys.is_empty());
    // An operation without expectation fails, naming itself.
    let err = jobs::Jobs::new(&client).create().await.unwrap_err();
    assert!(err.to_string().contains("CreateJob"), "{err}");
    let ids: Vec<&str> = mock.calls().iter().map(|c| c.operation_id).collect();
    assert_eq!(ids, ["GetExpr", "GetJWKS", "CreateJob"]);
}
