//! Behaviour of generated code: the client generated from tests/behaviour/api.yml (committed under
//! tests/behaviour/generated/, kept up to date by `snapshots::behaviour_client_is_up_to_date`) is
//! compiled here against the real runtime of `clerk_bapi` and exercised over loopback HTTP
//! (wiremock): `oneOf`/`anyOf` enums, required-field rules, flattened extra members, multipart
//! uploads, list query and header parameters, colliding parameter names, several success bodies and
//! recursive types.
//!
//! Generated code names the crate it lives in as `crate::`, so this test crate provides what the
//! client crate would: `crate::runtime`, `crate::types`, the client types, and one module per group.

// The generated modules, compiled as the client crate compiles them: formatted by the generator, and
// using deprecated members and Clerk's prose as they are. Not every generated item is used here.
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

use std::time::Duration;

use clerk_bapi::{Error, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request as Received, ResponseTemplate};

const KEY: &str = "sk_test_behaviour";

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
        .expect("the client builds")
}

async fn received(server: &MockServer) -> Vec<Received> {
    server
        .received_requests()
        .await
        .expect("wiremock records requests")
}

/// Serves `body` with status 200 at `GET route`.
async fn serve_get(server: &MockServer, route: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

// ----- oneOf with a discriminator ----------------------------------------------------------------

#[tokio::test]
async fn tagged_one_of_picks_the_variant_by_discriminator_and_keeps_unknown_values() {
    let cases = [
        // From the mapping.
        json!({"object": "verification_otp", "status": "verified", "attempts": null}),
        // From the implicit mapping (the component's name), with no `object` at all in the member.
        json!({"object": "verification_admin", "status": "verified"}),
        // From the member's own one-value enum.
        json!({"object": "admin", "status": "verified"}),
        // A kind this version does not know.
        json!({"object": "verification_passkey", "status": "verified", "nonce": "n"}),
    ];
    for verification in cases {
        let server = MockServer::start().await;
        let body = json!({
            "id": "idn_1",
            "created_at": 1_700_690_400_000_i64,
            "verification": verification,
            "error": {"code": "expired"},
        });
        serve_get(&server, "/email_addresses/idn_1", body.clone()).await;
        let email = email_addresses::EmailAddresses::new(&client(&server))
            .get(types::GetEmailAddressParams { id: "idn_1".into() })
            .await
            .expect("the answer decodes");
        assert_eq!(email.created_at, 1_700_690_400_000);
        assert_eq!(
            email.error,
            Some(types::ClerkError {
                code: "expired".into()
            })
        );
        match (verification["object"].as_str(), &email.verification) {
            (Some("verification_otp"), Some(types::EmailAddressVerification::Otp(otp))) => {
                assert_eq!((otp.status.as_str(), otp.attempts), ("verified", None));
            }
            (
                Some("verification_admin" | "admin"),
                Some(types::EmailAddressVerification::Admin(admin)),
            ) => assert_eq!(admin.status, "verified"),
            (
                Some("verification_passkey"),
                Some(types::EmailAddressVerification::Unknown(kept)),
            ) => {
                assert_eq!(kept, &verification);
            }
            (tag, other) => panic!("{tag:?} decoded as {other:?}"),
        }
        // Whatever was decoded encodes back to the same JSON.
        assert_eq!(serde_json::to_value(&email).expect("encodes"), body);
    }
}

#[tokio::test]
async fn tagged_one_of_accepts_null_and_writes_the_tag_members_leave_out() {
    let server = MockServer::start().await;
    let body = json!({"id": "idn_1", "created_at": 1, "verification": null, "error": null});
    serve_get(&server, "/email_addresses/idn_1", body.clone()).await;
    let email = email_addresses::EmailAddresses::new(&client(&server))
        .get(types::GetEmailAddressParams { id: "idn_1".into() })
        .await
        .expect("null members decode");
    assert_eq!(
        (email.verification.clone(), email.error.clone()),
        (None, None)
    );
    assert_eq!(serde_json::to_value(&email).expect("encodes"), body);

    // A variant built in Rust without its `object` still says which one it is on the wire.
    let admin = types::EmailAddressVerification::Admin(types::Admin {
        object: None,
        status: "pending".into(),
    });
    let written = serde_json::to_value(&admin).expect("encodes");
    assert_eq!(
        written,
        json!({"object": "verification_admin", "status": "pending"})
    );
    let read: types::EmailAddressVerification = serde_json::from_value(written).expect("decodes");
    assert!(matches!(read, types::EmailAddressVerification::Admin(_)));
}

#[tokio::test]
async fn a_known_discriminator_on_a_malformed_member_is_a_decode_error() {
    let server = MockServer::start().await;
    let body = json!({
        "id": "idn_1",
        "created_at": 1,
        "verification": {"object": "verification_otp", "status": 7, "attempts": 1},
        "error": null,
    });
    serve_get(&server, "/email_addresses/idn_1", body).await;
    let err = email_addresses::EmailAddresses::new(&client(&server))
        .get(types::GetEmailAddressParams { id: "idn_1".into() })
        .await
        .expect_err("a member that breaks its schema is not hidden in Unknown");
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err}");
}

// ----- oneOf without a discriminator, anyOf of objects ------------------------------------------

#[tokio::test]
async fn untagged_one_of_tries_the_most_specific_member_first() {
    let server = MockServer::start().await;
    let body = json!({"keys": [
        {"kid": "a", "x": "xa", "d": "secret"},
        {"kid": "b", "x": "xb"},
        {"kid": "c", "kty": "oct", "k": "key"},
    ]});
    serve_get(&server, "/jwks", body.clone()).await;
    let keys = jwks::Jwks::new(&client(&server))
        .get()
        .await
        .expect("the keys decode");
    assert!(
        matches!(&keys.keys[0], types::KeysKeysItem::PrivateKey(k) if k.d == "secret"),
        "a private key is not read as its public half: {:?}",
        keys.keys[0]
    );
    assert!(matches!(&keys.keys[1], types::KeysKeysItem::PublicKey(k) if k.kid == "b"));
    assert!(matches!(&keys.keys[2], types::KeysKeysItem::Unknown(v) if v["k"] == "key"));
    assert_eq!(serde_json::to_value(&keys).expect("encodes"), body);
    // `security: []`: no key is sent.
    assert!(
        received(&server).await[0]
            .headers
            .get("authorization")
            .is_none()
    );
}

#[tokio::test]
async fn any_of_objects_decodes_either_branch_and_error_bodies_stay_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth_applications/access_tokens/verify"))
        .and(body_json(json!({"access_token": "good"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "clerk_idp_oauth_access_token", "id": "oat_1", "expiration": null,
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({"access_token": "expired"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"active": false})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({"access_token": "bad"})))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "errors": [{"code": "bad_request", "message": "Bad Request", "long_message": "bad"}],
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let tokens = oauth_access_tokens::OauthAccessTokens::new(&client);
    let verify = |token: &str| {
        tokens.verify(types::VerifyOAuthAccessTokenParams {
            access_token: token.into(),
        })
    };
    let good = verify("good").await.expect("the token branch decodes");
    assert!(matches!(
        good,
        types::VerifyOAuthAccessTokenResponse::ClerkIdpOauthAccessToken(ref t) if t.id == "oat_1" && t.expiration.is_none()
    ));
    let expired = verify("expired")
        .await
        .expect("the inactive branch decodes");
    assert!(matches!(
        expired,
        types::VerifyOAuthAccessTokenResponse::Variant2(
            types::VerifyOAuthAccessTokenResponseVariant2 { active: false }
        )
    ));
    let err = verify("bad").await.expect_err("a 400 is an error");
    let api = err.api_error().expect("an API error");
    assert_eq!(
        (api.status, api.errors[0].code.as_str()),
        (400, "bad_request")
    );
}

#[tokio::test]
async fn several_success_bodies_decode_by_their_shape() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"queue": "default"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "job_1"})))
        .mount(&server)
        .await;
    let client = client(&server);
    let jobs = jobs::Jobs::new(&client);
    let queued = jobs.create().await.expect("the 202 body decodes");
    assert!(
        matches!(queued, types::CreateJobResponse::CreateJobResponse202(ref q) if q.queue == "default")
    );
    let done = jobs.create().await.expect("the 200 body decodes");
    assert!(matches!(done, types::CreateJobResponse::Job(ref j) if j.id == "job_1"));
}

#[tokio::test]
async fn recursive_one_of_round_trips() {
    let server = MockServer::start().await;
    let body = json!({"operand": {"operand": {"value": true}}});
    serve_get(&server, "/expr", body.clone()).await;
    let expr = exprs::Exprs::new(&client(&server))
        .get()
        .await
        .expect("nested expressions decode");
    let types::Expr::Not(outer) = &expr else {
        panic!("expected a Not, got {expr:?}");
    };
    let types::Expr::Not(inner) = outer.operand.as_ref() else {
        panic!("expected a nested Not, got {:?}", outer.operand);
    };
    assert_eq!(
        *inner.operand,
        types::Expr::Literal(types::Literal { value: true })
    );
    assert_eq!(serde_json::to_value(&expr).expect("encodes"), body);
}

// ----- request bodies ----------------------------------------------------------------------------

#[tokio::test]
// `domain` is deprecated in the document, and still part of the rule under test.
#[allow(deprecated)]
async fn required_alternatives_are_checked_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/saml_connections"))
        .and(body_json(json!({"name": "Acme", "domains": ["acme.test"]})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "samlc_1", "domains": ["acme.test"]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let saml = saml_connections::SamlConnections::new(&client);
    let err = saml
        .create(types::CreateSamlConnectionParams {
            name: "Acme".into(),
            domain: None,
            domains: None,
        })
        .await
        .expect_err("neither domain nor domains");
    let Error::Validation(validation) = &err else {
        panic!("expected a validation error, got {err}");
    };
    assert_eq!(
        validation.to_string(),
        "domain | domains = [none given] is missing: must give at least one of `domain`, `domains`"
    );
    let connection = saml
        .create(types::CreateSamlConnectionParams {
            name: "Acme".into(),
            domain: None,
            domains: Some(vec!["acme.test".into()]),
        })
        .await
        .expect("domains alone is enough");
    assert_eq!(connection.domains, Some(vec!["acme.test".to_owned()]));
    assert_eq!(
        received(&server).await.len(),
        1,
        "nothing sent for the bad call"
    );
}

#[tokio::test]
async fn extra_members_are_sent_and_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/actor_tokens"))
        .and(body_json(
            json!({"actor": {"sub": "user_1", "iss": "support", "level": 2}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"sub": "user_1", "iss": "support", "level": 2, "added_later": [1]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let mut extra = std::collections::BTreeMap::new();
    extra.insert("iss".to_owned(), json!("support"));
    extra.insert("level".to_owned(), json!(2));
    let actor = actor_tokens::ActorTokens::new(&client(&server))
        .create(types::CreateActorTokenParams {
            actor: types::Actor {
                sub: "user_1".into(),
                additional_properties: extra.clone(),
            },
        })
        .await
        .expect("sent and decoded");
    assert_eq!(actor.sub, "user_1");
    extra.insert("added_later".to_owned(), json!([1]));
    assert_eq!(actor.additional_properties, extra);
}

/// An optional, nullable body member is left out (`None`), sent as `null` (`Some(None)`) to clear a
/// value, or sent with a value (`Some(Some(v))`), whose constraints alone are checked.
#[tokio::test]
async fn optional_nullable_body_members_can_be_left_out_sent_as_null_or_set() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/users/user_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "user_1"})))
        .mount(&server)
        .await;
    let client = client(&server);
    let users = users::Users::new(&client);
    let sent = [
        (
            types::UpdateUserParams {
                user_id: "user_1".into(),
                first_name: Some(None),
                external_id: None,
                username: Some("ada".into()),
            },
            json!({"first_name": null, "username": "ada"}),
        ),
        (
            types::UpdateUserParams {
                user_id: "user_1".into(),
                first_name: Some(Some("Ada".into())),
                external_id: Some(None),
                username: None,
            },
            json!({"first_name": "Ada", "external_id": null}),
        ),
        (
            types::UpdateUserParams {
                user_id: "user_1".into(),
                first_name: None,
                external_id: None,
                username: None,
            },
            json!({}),
        ),
    ];
    for (params, _) in &sent {
        users.update(params.clone()).await.expect("sent");
    }
    let bodies: Vec<Value> = received(&server)
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("a JSON body"))
        .collect();
    let expected: Vec<Value> = sent.into_iter().map(|(_, body)| body).collect();
    assert_eq!(bodies, expected);

    // A value is checked against the member's constraints before anything is sent.
    let error = users
        .update(types::UpdateUserParams {
            user_id: "user_1".into(),
            first_name: Some(Some("Augusta".into())),
            external_id: None,
            username: None,
        })
        .await
        .expect_err("too long");
    assert!(matches!(error, Error::Validation(_)), "{error:?}");
    assert_eq!(
        received(&server).await.len(),
        3,
        "nothing sent for the bad call"
    );
}

/// The parts of a multipart body as (headers, content) pairs, split on the boundary the
/// request's `Content-Type` names.
fn multipart_parts(request: &Received) -> Vec<(String, Vec<u8>)> {
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not a multipart request: {content_type:?}"));
    let delimiter = format!("--{boundary}");
    let body = &request.body;
    let mut parts = Vec::new();
    let mut rest: &[u8] = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(end) = find(rest, delimiter.as_bytes()) else {
            break;
        };
        let part = &rest[..end];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let split = find(part, b"\r\n\r\n").expect("a part has headers and content");
        parts.push((
            String::from_utf8_lossy(&part[..split]).into_owned(),
            part[split + 4..].to_vec(),
        ));
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn multipart_uploads_send_the_file_bytes_name_and_type_on_every_attempt() {
    let server = MockServer::start().await;
    // The first attempt fails with a 503, which a PUT may retry: the form is sent again whole.
    Mock::given(method("PUT"))
        .and(path("/organizations/org_1/logo"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/organizations/org_1/logo"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "org_1"})))
        .mount(&server)
        .await;
    let logo: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 0xff, b'\r', b'\n'];
    let organization = organizations::Organizations::new(&client(&server))
        .upload_logo(types::UploadOrganizationLogoParams {
            organization_id: "org_1".into(),
            uploader_user_id: Some("user_1".into()),
            file: FilePart::new(logo.clone(), "logo.png", "image/png"),
        })
        .await
        .expect("the upload succeeds on the second attempt");
    assert_eq!(organization.id, "org_1");
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    for request in &requests {
        let parts = multipart_parts(request);
        assert_eq!(parts.len(), 2, "{parts:?}");
        let (text_headers, text) = &parts[0];
        assert!(
            text_headers.contains(r#"name="uploader_user_id""#),
            "{text_headers}"
        );
        assert_eq!(text, b"user_1");
        let (file_headers, bytes) = &parts[1];
        assert!(
            file_headers.contains(r#"name="file"; filename="logo.png""#),
            "{file_headers}"
        );
        assert!(
            file_headers
                .to_ascii_lowercase()
                .contains("content-type: image/png"),
            "{file_headers}"
        );
        assert_eq!(bytes, &logo);
    }
}

#[tokio::test]
async fn an_upload_without_a_file_sends_an_empty_form_and_a_bad_media_type_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/users/user_1/profile_image"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "org_1"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let users = users::Users::new(&client);
    users
        .set_profile_image(types::SetUserProfileImageParams {
            user_id: "user_1".into(),
            file: None,
        })
        .await
        .expect("an empty form is sent");
    let requests = received(&server).await;
    assert!(multipart_parts(&requests[0]).is_empty());

    let err = users
        .set_profile_image(types::SetUserProfileImageParams {
            user_id: "user_1".into(),
            file: Some(FilePart::new(
                b"GIF89a".to_vec(),
                "a.gif",
                "not a media type",
            )),
        })
        .await
        .expect_err("the media type is checked before sending");
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "file.content_type"),
        "{err}"
    );
    assert_eq!(received(&server).await.len(), 1);
}

// ----- parameters --------------------------------------------------------------------------------

#[tokio::test]
async fn list_query_parameters_repeat_or_join_and_header_parameters_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/organization_domains"))
        .and(header("x-request-id", "req_42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(["orgdmn_1"])))
        .expect(1)
        .mount(&server)
        .await;
    use types::ListAllOrganizationDomainsEnrollmentModeItem as Mode;
    let domains = organization_domains::OrganizationDomains::new(&client(&server))
        .list_all(types::ListAllOrganizationDomainsParams {
            organization_id: Some(vec!["org_1".into(), "org 2".into()]),
            enrollment_mode: Some(vec![
                Mode::ManualInvitation,
                Mode::MinusManualInvitation,
                Mode::Unknown("a,b".into()),
            ]),
            x_request_id: Some("req_42".into()),
        })
        .await
        .expect("the list is answered");
    assert_eq!(domains, ["orgdmn_1"]);
    let query = received(&server).await[0]
        .url
        .query()
        .unwrap_or_default()
        .to_owned();
    // Repeated keys for the exploded list; one comma-joined value, commas inside values escaped,
    // for the other.
    assert_eq!(
        query,
        "organization_id=org_1&organization_id=org%202&enrollment_mode=manual_invitation,-manual_invitation,a%2Cb"
    );
}

// `frontendApi` is deprecated in the document, and sending it is what is tested.
#[allow(deprecated)]
#[tokio::test]
async fn colliding_parameter_names_are_each_sent_under_their_own_wire_name() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/public/interstitial"))
        .and(query_param("frontendApi", "old.example.test"))
        .and(query_param("frontend_api", "new.example.test"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>wait</html>"))
        .expect(1)
        .mount(&server)
        .await;
    let page = miscellaneous::Miscellaneous::new(&client(&server))
        .get_public_interstitial(types::GetPublicInterstitialParams {
            frontend_api_2: Some("old.example.test".into()),
            frontend_api: Some("new.example.test".into()),
        })
        .await
        .expect("the HTML page comes back as text");
    assert_eq!(page, "<html>wait</html>");
    let request = &received(&server).await[0];
    assert_eq!(
        request.url.query(),
        Some("frontendApi=old.example.test&frontend_api=new.example.test")
    );
    assert!(request.headers.get("authorization").is_none());
}
