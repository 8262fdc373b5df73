//! Webhook verification: Svix's published test vector, every check failing on its own, both header
//! spellings, and errors that never show the secret or the expected signature.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_bapi::Secret;
use clerk_bapi::webhooks::{HeaderMap, Webhook, WebhookError, WebhookEvent, WebhookHeader};

// Svix's published test vector (also in the project's design notes).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const KEY_BASE64: &str = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP: u64 = 1_614_265_330;
const BODY: &[u8] = br#"{"test": 2432232314}"#;
const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

/// A second, unrelated key.
const OTHER_SECRET: &str = "whsec_c2Vjb25kLXRlc3Qta2V5LW5vdC10aGUtcmVhbC1vbmU=";

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn headers(prefix: &str, id: &str, timestamp: &str, signature: &str) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in [
        ("id", id),
        ("timestamp", timestamp),
        ("signature", signature),
    ] {
        map.insert(
            http::HeaderName::try_from(format!("{prefix}-{name}")).unwrap(),
            value.parse().unwrap(),
        );
    }
    map
}

fn vector_headers() -> HeaderMap {
    headers("svix", ID, &TIMESTAMP.to_string(), SIGNATURE)
}

fn webhook() -> Webhook {
    Webhook::new(SECRET).unwrap()
}

/// A `permission.created` delivery written for these tests.
fn permission_created(timestamp: u64) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": "permission.created",
        "object": "event",
        "timestamp": timestamp * 1000,
        "instance_id": "ins_test",
        "data": {
            "object": "permission",
            "id": "perm_test",
            "name": "Read invoices",
            "key": "org:invoices:read",
            "description": "May read the organization's invoices",
            "type": "user",
            "created_at": 1,
            "updated_at": 2
        }
    }))
    .unwrap()
}

/// Headers for `body`, signed now with `secret`.
fn signed(secret: &str, body: &[u8], timestamp: u64) -> HeaderMap {
    let signature = Webhook::new(secret)
        .unwrap()
        .sign("msg_test", timestamp as i64, body);
    headers("svix", "msg_test", &timestamp.to_string(), &signature)
}

#[test]
fn svix_published_vector_verifies() {
    let value = webhook()
        .verify_raw_at(&vector_headers(), BODY, at(TIMESTAMP))
        .unwrap();
    assert_eq!(value, serde_json::json!({"test": 2_432_232_314_u64}));
    assert_eq!(webhook().sign(ID, TIMESTAMP as i64, BODY), SIGNATURE);
    // The bare base64, without `whsec_`, is the same key.
    Webhook::new(KEY_BASE64)
        .unwrap()
        .verify_raw_at(&vector_headers(), BODY, at(TIMESTAMP))
        .unwrap();
}

#[test]
fn the_body_is_checked_before_it_is_decoded() {
    // The vector's body is not an event: verify gets past the signature, then refuses it.
    let err = webhook()
        .verify_at(&vector_headers(), BODY, at(TIMESTAMP))
        .unwrap_err();
    assert!(matches!(err, WebhookError::InvalidPayload(_)), "{err:?}");
    // A tampered body is refused for its signature, not for its shape.
    let err = webhook()
        .verify_at(&vector_headers(), b"not json", at(TIMESTAMP))
        .unwrap_err();
    assert!(matches!(err, WebhookError::NoMatchingSignature), "{err:?}");
}

#[test]
fn tampering_with_body_id_or_timestamp_is_refused() {
    let w = webhook();
    let cases = [
        (vector_headers(), br#"{"test": 2432232315}"#.as_slice()),
        (vector_headers(), br#"{"test":2432232314}"#.as_slice()),
        (vector_headers(), br#"{"test": 2432232314} "#.as_slice()),
        (
            headers("svix", "msg_other", &TIMESTAMP.to_string(), SIGNATURE),
            BODY,
        ),
        (
            headers("svix", ID, &(TIMESTAMP + 1).to_string(), SIGNATURE),
            BODY,
        ),
    ];
    for (headers, body) in cases {
        let err = w.verify_raw_at(&headers, body, at(TIMESTAMP)).unwrap_err();
        assert!(matches!(err, WebhookError::NoMatchingSignature), "{err:?}");
    }
}

#[test]
fn a_wrong_secret_is_refused() {
    let err = Webhook::new(OTHER_SECRET)
        .unwrap()
        .verify_raw_at(&vector_headers(), BODY, at(TIMESTAMP))
        .unwrap_err();
    assert!(matches!(err, WebhookError::NoMatchingSignature), "{err:?}");
}

#[test]
fn stale_and_future_timestamps_are_refused() {
    let w = webhook();
    let h = vector_headers();
    // Five minutes either way is within the default tolerance; a second more is not.
    w.verify_raw_at(&h, BODY, at(TIMESTAMP + 300)).unwrap();
    w.verify_raw_at(&h, BODY, at(TIMESTAMP - 300)).unwrap();
    match w.verify_raw_at(&h, BODY, at(TIMESTAMP + 301)) {
        Err(WebhookError::TimestampTooOld {
            age_secs: 301,
            tolerance_secs: 300,
        }) => {}
        other => panic!("{other:?}"),
    }
    match w.verify_raw_at(&h, BODY, at(TIMESTAMP - 301)) {
        Err(WebhookError::TimestampInFuture {
            ahead_secs: 301,
            tolerance_secs: 300,
        }) => {}
        other => panic!("{other:?}"),
    }
    // Today's clock is years past the vector's timestamp.
    let err = w.verify_raw(&h, BODY).unwrap_err();
    assert!(
        matches!(err, WebhookError::TimestampTooOld { .. }),
        "{err:?}"
    );
}

#[test]
fn the_tolerance_is_configurable() {
    let w = webhook().with_tolerance(Duration::from_secs(10));
    assert_eq!(w.tolerance(), Duration::from_secs(10));
    let h = vector_headers();
    w.verify_raw_at(&h, BODY, at(TIMESTAMP + 10)).unwrap();
    assert!(matches!(
        w.verify_raw_at(&h, BODY, at(TIMESTAMP + 11)),
        Err(WebhookError::TimestampTooOld { .. })
    ));
    assert!(matches!(
        w.verify_raw_at(&h, BODY, at(TIMESTAMP - 11)),
        Err(WebhookError::TimestampInFuture { .. })
    ));
}

#[test]
fn each_missing_header_is_named() {
    for (missing, which) in [
        ("svix-id", WebhookHeader::Id),
        ("svix-timestamp", WebhookHeader::Timestamp),
        ("svix-signature", WebhookHeader::Signature),
    ] {
        let mut h = vector_headers();
        h.remove(missing);
        let err = webhook()
            .verify_raw_at(&h, BODY, at(TIMESTAMP))
            .unwrap_err();
        match &err {
            WebhookError::MissingHeader(found) => assert_eq!(*found, which),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains(missing), "{err}");
    }
    let err = webhook()
        .verify_raw_at(&HeaderMap::new(), BODY, at(TIMESTAMP))
        .unwrap_err();
    assert!(matches!(
        err,
        WebhookError::MissingHeader(WebhookHeader::Id)
    ));
}

#[test]
fn malformed_headers_are_refused() {
    for timestamp in [
        "",
        "soon",
        "-1614265330",
        "1614265330.5",
        "99999999999999999999999",
    ] {
        let h = headers("svix", ID, timestamp, SIGNATURE);
        let err = webhook()
            .verify_raw_at(&h, BODY, at(TIMESTAMP))
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::MalformedHeader(WebhookHeader::Timestamp)),
            "{timestamp:?}: {err:?}"
        );
    }
    let mut h = vector_headers();
    h.insert(
        "svix-id",
        http::HeaderValue::from_bytes(b"msg_\xff").unwrap(),
    );
    let err = webhook()
        .verify_raw_at(&h, BODY, at(TIMESTAMP))
        .unwrap_err();
    assert!(matches!(
        err,
        WebhookError::MalformedHeader(WebhookHeader::Id)
    ));
}

#[test]
fn any_one_valid_v1_signature_passes() {
    let w = webhook();
    let valid = SIGNATURE;
    let passing = [
        format!("v1,bm90IHRoZSBzaWduYXR1cmU= {valid}"),
        format!("{valid} v1,bm90IHRoZSBzaWduYXR1cmU="),
        format!("v2,whatever v1,!!notbase64!! v1a,{} {valid}", &valid[3..]),
        format!("  {valid}  "),
    ];
    for signatures in passing {
        let h = headers("svix", ID, &TIMESTAMP.to_string(), &signatures);
        w.verify_raw_at(&h, BODY, at(TIMESTAMP))
            .unwrap_or_else(|e| panic!("{signatures}: {e:?}"));
    }
    let failing = [
        "v1,bm90IHRoZSBzaWduYXR1cmU= v1,YW5vdGhlcg==".to_owned(),
        // The right signature under another version, or without a version, is not a v1 entry.
        format!("v2,{}", &valid[3..]),
        valid[3..].to_owned(),
        // The right signature with a byte more or less.
        format!("{valid}AA"),
        "v1,".to_owned(),
        String::new(),
    ];
    for signatures in failing {
        let h = headers("svix", ID, &TIMESTAMP.to_string(), &signatures);
        let err = w.verify_raw_at(&h, BODY, at(TIMESTAMP)).unwrap_err();
        assert!(
            matches!(err, WebhookError::NoMatchingSignature),
            "{signatures}: {err:?}"
        );
    }
}

#[test]
fn standard_webhooks_header_names_are_accepted() {
    let h = headers("webhook", ID, &TIMESTAMP.to_string(), SIGNATURE);
    webhook().verify_raw_at(&h, BODY, at(TIMESTAMP)).unwrap();
    // The Svix spelling wins when both are there.
    let mut both = h.clone();
    both.insert("svix-signature", "v1,YW5vdGhlcg==".parse().unwrap());
    assert!(matches!(
        webhook().verify_raw_at(&both, BODY, at(TIMESTAMP)),
        Err(WebhookError::NoMatchingSignature)
    ));
}

#[test]
fn malformed_secrets_are_refused() {
    for secret in ["", "whsec_", "   ", "whsec_not base64!", "whsec_YWJj=x"] {
        let err = Webhook::new(secret).unwrap_err();
        assert!(
            matches!(err, WebhookError::MalformedSecret { .. }),
            "{secret:?}: {err:?}"
        );
    }
    // A `Secret` held elsewhere in the crate is accepted as is.
    Webhook::new(Secret::new(SECRET)).unwrap();
}

#[test]
fn a_verified_event_is_decoded_into_its_variant() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let body = permission_created(now);
    let event = webhook()
        .verify(&signed(SECRET, &body, now), &body)
        .unwrap();
    let WebhookEvent::PermissionCreated(created) = &event else {
        panic!("{event:?}");
    };
    assert_eq!(created.data.key, "org:invoices:read");
    assert_eq!(event.event_type(), "permission.created");
    // The raw form is the same JSON.
    let raw = webhook()
        .verify_raw(&signed(SECRET, &body, now), &body)
        .unwrap();
    assert_eq!(serde_json::to_value(&event).unwrap(), raw);
}

#[test]
fn an_unknown_event_type_is_kept_whole() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let body = br#"{"type":"invoice.paid","object":"event","data":{"id":"in_1","amount":5}}"#;
    let event = webhook().verify(&signed(SECRET, body, now), body).unwrap();
    assert_eq!(event.event_type(), "invoice.paid");
    let WebhookEvent::Unknown(value) = &event else {
        panic!("{event:?}");
    };
    assert_eq!(value["data"]["amount"], 5);
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        serde_json::from_slice::<serde_json::Value>(body).unwrap(),
        "encoding gives the same JSON back"
    );
}

#[test]
fn a_known_type_with_the_wrong_shape_is_not_an_event() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for body in [
        br#"{"type":"permission.created","object":"event"}"#.as_slice(),
        br#"{"object":"event"}"#,
        br#"[1, 2]"#,
    ] {
        let err = webhook()
            .verify(&signed(SECRET, body, now), body)
            .unwrap_err();
        assert!(matches!(err, WebhookError::InvalidPayload(_)), "{err:?}");
    }
}

#[test]
fn errors_and_debug_never_show_the_secret_or_the_expected_signature() {
    let w = webhook();
    let expected = &SIGNATURE[3..];
    let mut errors = vec![
        Webhook::new("whsec_not base64!").unwrap_err(),
        w.verify_raw_at(&HeaderMap::new(), BODY, at(TIMESTAMP))
            .unwrap_err(),
        w.verify_raw_at(&headers("svix", ID, "soon", SIGNATURE), BODY, at(TIMESTAMP))
            .unwrap_err(),
        w.verify_raw_at(&vector_headers(), BODY, at(TIMESTAMP + 1000))
            .unwrap_err(),
        w.verify_raw_at(&vector_headers(), BODY, at(TIMESTAMP - 1000))
            .unwrap_err(),
        w.verify_at(&vector_headers(), BODY, at(TIMESTAMP))
            .unwrap_err(),
    ];
    // A delivery signed with another key: the signature we expected is the vector's.
    let other = Webhook::new(OTHER_SECRET).unwrap();
    errors.push(
        other
            .verify_raw_at(&vector_headers(), BODY, at(TIMESTAMP))
            .unwrap_err(),
    );
    let other_expected = &other.sign(ID, TIMESTAMP as i64, BODY)[3..];
    for err in &errors {
        let shown = format!("{err} {err:?} {err:#?}");
        for hidden in [KEY_BASE64, expected, other_expected, "c2Vjb25kLXRlc3Qta2V5"] {
            assert!(!shown.contains(hidden), "{shown}");
        }
    }
    let shown = format!("{w:?} {w:#?} {other:?}");
    assert!(!shown.contains(KEY_BASE64), "{shown}");
    assert!(!shown.contains("c2Vjb25kLXRlc3Qta2V5"), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");
}
