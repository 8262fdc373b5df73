//! The generated test double (`MockClerk`, feature `test-util`) on operations whose bodies are not
//! JSON: URL-encoded forms and bytes. Each parameter is read back from the body as the client sent
//! it, so `when` matches on typed form fields and `calls()` shows the form pairs and the bytes.

use loopback_client::testing::MockClerk;
use loopback_client::types::{CreateSessionParams, IssueTokenParams, PutAvatarParams};

#[tokio::test]
async fn when_matches_typed_form_fields_and_calls_show_the_pairs() {
    let mock = MockClerk::start().await;
    mock.sessions()
        .create_session()
        .when(|p| p.tags.as_deref() == Some(&["x".to_owned(), "y".to_owned()][..]))
        .returns("tagged".into())
        .times(1);
    mock.sessions()
        .create_session()
        .when(|p| p.name.as_deref() == Some("a b&c") && p.tags.is_none())
        .returns("named".into())
        .times(1);
    let client = mock.client_builder().dev_token("dev").build().unwrap();

    let named = CreateSessionParams {
        name: Some("a b&c".into()),
        tags: None,
    };
    let tagged = CreateSessionParams {
        name: None,
        tags: Some(vec!["x".into(), "y".into()]),
    };
    assert_eq!(
        client.sessions().create_session(named).await.unwrap(),
        "named"
    );
    assert_eq!(
        client.sessions().create_session(tagged).await.unwrap(),
        "tagged"
    );

    let calls = mock.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].operation_id, "createSession");
    assert_eq!(calls[0].form, [("name".to_owned(), "a b&c".to_owned())]);
    assert_eq!(calls[0].raw_body, b"name=a+b%26c");
    assert_eq!(
        calls[1].form,
        [
            ("tags".to_owned(), "x".to_owned()),
            ("tags".to_owned(), "y".to_owned())
        ]
    );
    // A form is not JSON: `body` stays empty rather than holding a wrong reading.
    assert!(calls.iter().all(|call| call.body.is_none()));
    mock.verify();
}

#[tokio::test]
async fn a_form_that_matches_no_expectation_gets_an_answer_naming_the_operation() {
    let mock = MockClerk::start().await;
    mock.oauth()
        .issue_token()
        .when(|p| p.grant_type == "client_credentials")
        .returns("token".into());
    let client = mock
        .client_builder()
        .client_credentials("id", "s3cr3t")
        .build()
        .unwrap();
    let refresh = IssueTokenParams {
        grant_type: "refresh_token".into(),
    };
    let error = client.oauth().issue_token(refresh).await.unwrap_err();
    assert!(error.to_string().contains("issueToken"), "{error}");
    let granted = IssueTokenParams {
        grant_type: "client_credentials".into(),
    };
    assert_eq!(client.oauth().issue_token(granted).await.unwrap(), "token");
    let grants: Vec<String> = mock
        .calls()
        .into_iter()
        .map(|call| call.form_field("grant_type").unwrap())
        .collect();
    assert_eq!(grants, ["refresh_token", "client_credentials"]);
}

#[tokio::test]
async fn a_byte_body_is_matched_and_recorded_as_sent() {
    let mock = MockClerk::start().await;
    let avatar = vec![0, b'r', b'a', b'w', 0xff];
    let wanted = avatar.clone();
    mock.sessions()
        .put_avatar()
        .when(move |p| p.body == wanted)
        .returns("stored".into())
        .times(1);
    let client = mock.client_builder().native("tok").build().unwrap();
    let params = PutAvatarParams {
        body: avatar.clone(),
    };
    assert_eq!(
        client.sessions().put_avatar(params).await.unwrap(),
        "stored"
    );
    let calls = mock.calls();
    assert_eq!(calls[0].raw_body, avatar);
    assert!(calls[0].body.is_none() && calls[0].form.is_empty());
    assert!(calls[0].headers.contains(&(
        "content-type".to_owned(),
        "application/octet-stream".to_owned()
    )));
    mock.verify();
}
