//! `WebhookEvent` against Clerk's published webhook document, read from `../shared` at test time:
//! every event's example decodes into its own variant (through `from_json` and through `Deserialize`,
//! which must agree), encodes back to the same JSON, and still decodes with members added at every
//! level of objects.

use clerk_bapi::webhooks::WebhookEvent;
use serde_json::Value;

#[path = "../../generator/tests/support/shared_documents.rs"]
mod shared_documents;

/// Clerk's document, or `None` when the test is skipped (see
/// `generator/tests/support/shared_documents.rs`).
fn upstream() -> Option<serde_yaml::Value> {
    let path = shared_documents::document("clerk-webhooks/2025-04-15.yml")?;
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    Some(serde_yaml::from_str(&text).expect("the upstream document is YAML"))
}

/// Every event's example, by event type: inline `example`s and `examples` given by `$ref`.
fn examples(document: &serde_yaml::Value) -> Vec<(String, String, Value)> {
    let to_json = |value: &serde_yaml::Value| -> Value { serde_json::to_value(value).unwrap() };
    let mut found = Vec::new();
    let events = document["x-webhooks"].as_mapping().expect("x-webhooks");
    for (event_type, item) in events {
        let event_type = event_type.as_str().unwrap().to_owned();
        let media = &item["post"]["requestBody"]["content"]["application/json"];
        if let Some(example) = media.get("example") {
            found.push((event_type.clone(), "example".to_owned(), to_json(example)));
        }
        for (name, example) in media
            .get("examples")
            .and_then(serde_yaml::Value::as_mapping)
            .into_iter()
            .flatten()
        {
            let example = match example.get("$ref").and_then(serde_yaml::Value::as_str) {
                Some(reference) => {
                    let key = reference
                        .strip_prefix("#/components/examples/")
                        .expect("a local example reference");
                    &document["components"]["examples"][key]
                }
                None => example,
            };
            let name = format!("examples/{}", name.as_str().unwrap());
            found.push((event_type.clone(), name, to_json(&example["value"])));
        }
    }
    found
}

/// Where `back` differs from `expected`, treating `null` as absent and numbers by value.
fn difference(expected: &Value, back: &Value, place: &str) -> Option<String> {
    match (expected, back) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let at = format!("{place}/{key}");
                let problem = match b.get(key) {
                    Some(other) => difference(value, other, &at),
                    None if value.is_null() => None,
                    None => Some(format!("{at} is missing")),
                };
                if problem.is_some() {
                    return problem;
                }
            }
            b.iter()
                .find(|(key, value)| !a.contains_key(*key) && !value.is_null())
                .map(|(key, _)| format!("{place}/{key} was added"))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| difference(x, y, &format!("{place}/{i}"))),
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => None,
        (a, b) if a == b => None,
        (a, b) => Some(format!("{place}: {a} became {b}")),
    }
}

/// A copy of `value` with an unknown member added to every object, at every depth.
fn with_extra_members(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut map: serde_json::Map<String, Value> = map
                .iter()
                .map(|(key, value)| (key.clone(), with_extra_members(value)))
                .collect();
            map.insert(
                "zz_added_later".to_owned(),
                serde_json::json!({"nested": [1, "two"]}),
            );
            Value::Object(map)
        }
        Value::Array(items) => Value::Array(items.iter().map(with_extra_members).collect()),
        other => other.clone(),
    }
}

/// `value` without the members [`with_extra_members`] adds.
fn without_extra_members(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| *key != "zz_added_later")
                .map(|(key, value)| (key.clone(), without_extra_members(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_extra_members).collect()),
        other => other.clone(),
    }
}

#[test]
fn every_example_decodes_into_its_variant_and_round_trips() {
    let Some(document) = upstream() else { return };
    let examples = examples(&document);
    let events = document["x-webhooks"].as_mapping().unwrap().len();
    // Clerk's document of 2025-04-15: 45 events, 27 with an `example`, 18 with `examples`.
    assert_eq!(events, 45);
    assert_eq!(examples.len(), 45, "one example per event");
    let mut failures = Vec::new();
    let mut dropped = Vec::new();
    for (event_type, name, example) in &examples {
        let place = format!("{event_type} ({name})");
        let bytes = serde_json::to_vec(example).unwrap();
        let event = match WebhookEvent::from_json(&bytes) {
            Ok(event) => event,
            Err(error) => {
                failures.push(format!("{place}: does not decode: {error}"));
                continue;
            }
        };
        if matches!(event, WebhookEvent::Unknown(_)) || event.event_type() != event_type {
            failures.push(format!("{place}: decoded as {}", event.event_type()));
        }
        match serde_json::from_value::<WebhookEvent>(example.clone()) {
            Ok(other) if other == event => {}
            Ok(_) => failures.push(format!("{place}: Deserialize and from_json disagree")),
            Err(error) => failures.push(format!("{place}: Deserialize fails: {error}")),
        }
        // Encoding gives the example back, but for the members its schema does not declare,
        // which decoding ignores like any unknown member.
        let back = serde_json::to_value(&event).unwrap();
        let mut undeclared = Vec::new();
        let expected = without_dropped(example, &back, "", &mut undeclared);
        for path in undeclared {
            dropped.push(format!("{event_type}: {path}"));
        }
        if let Some(problem) = difference(&expected, &back, "") {
            failures.push(format!("{place}: does not round-trip: {problem}"));
        }
        // Added members are ignored, or kept where the document leaves an object open (metadata);
        // nothing else changes.
        let extended = serde_json::to_vec(&with_extra_members(example)).unwrap();
        match WebhookEvent::from_json(&extended) {
            Ok(decoded) => {
                let back = without_extra_members(&serde_json::to_value(&decoded).unwrap());
                if back != serde_json::to_value(&event).unwrap() {
                    failures.push(format!("{place}: added members changed the event"));
                }
            }
            Err(error) => failures.push(format!("{place}: added members refused: {error}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples fail:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
    // The members of Clerk's examples that its schemas do not declare (checked against the
    // document in `undeclared_members_are_not_in_the_schemas`); anything else dropped is a bug.
    let mut found: Vec<(String, String)> = dropped
        .iter()
        .map(|path| {
            let (event, path) = path.split_once(": ").unwrap();
            let (parent, member) = path.rsplit_once('/').unwrap();
            let parent = parent.replace("/0", "/*");
            (format!("{event} {parent}"), member.to_owned())
        })
        .collect();
    found.sort();
    let mut expected: Vec<(String, String)> = Vec::new();
    for (event, parent, _, members) in UNDECLARED {
        for member in *members {
            expected.push((format!("{event} {parent}"), (*member).to_owned()));
        }
    }
    expected.sort();
    assert_eq!(found, expected, "members dropped by decoding");
}

/// Members that Clerk's examples carry and its schemas do not declare: event, place, schema,
/// members.
const UNDECLARED: &[(&str, &str, &str, &[&str])] = &[
    (
        "paymentAttempt.created",
        "/data/subscription_items/*",
        "BillingSubscriptionItem",
        ITEM,
    ),
    (
        "paymentAttempt.created",
        "/data/subscription_items/*/plan",
        "BillingPlan",
        PLAN,
    ),
    (
        "paymentAttempt.updated",
        "/data/subscription_items/*",
        "BillingSubscriptionItem",
        ITEM,
    ),
    (
        "paymentAttempt.updated",
        "/data/subscription_items/*/plan",
        "BillingPlan",
        PLAN,
    ),
    ("sms.created", "/data", "SmsEventPayload", &["created_at"]),
];
const ITEM: &[&str] = &[
    "amount",
    "lifetime_paid",
    "next_payment_amount",
    "next_payment_date",
    "plan_period",
    "proration_date",
];
const PLAN: &[&str] = &[
    "annual_monthly_amount",
    "description",
    "has_base_fee",
    "instance_id",
    "interval",
    "is_default",
    "is_prorated",
    "period",
    "product_id",
    "publicly_visible",
];

/// `example` without the non-null members that `back` lacks, each recorded in `dropped`.
fn without_dropped(example: &Value, back: &Value, place: &str, dropped: &mut Vec<String>) -> Value {
    match (example, back) {
        (Value::Object(a), Value::Object(b)) => Value::Object(
            a.iter()
                .filter_map(|(key, value)| {
                    let at = format!("{place}/{key}");
                    match b.get(key) {
                        Some(other) => {
                            Some((key.clone(), without_dropped(value, other, &at, dropped)))
                        }
                        None if value.is_null() => Some((key.clone(), value.clone())),
                        None => {
                            dropped.push(at);
                            None
                        }
                    }
                })
                .collect(),
        ),
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => Value::Array(
            a.iter()
                .zip(b)
                .enumerate()
                .map(|(i, (x, y))| without_dropped(x, y, &format!("{place}/{i}"), dropped))
                .collect(),
        ),
        (other, _) => other.clone(),
    }
}

#[test]
fn undeclared_members_are_not_in_the_schemas() {
    let Some(document) = upstream() else { return };
    let schemas = &document["components"]["schemas"];
    for (_, _, schema, members) in UNDECLARED {
        let properties = schemas[*schema]["properties"].as_mapping().unwrap();
        for member in *members {
            assert!(
                !properties.contains_key(*member),
                "{schema} declares {member}"
            );
        }
    }
}

#[test]
fn every_event_type_of_the_document_has_a_variant() {
    let Some(document) = upstream() else { return };
    for (event_type, _) in document["x-webhooks"].as_mapping().unwrap() {
        let event_type = event_type.as_str().unwrap();
        // The smallest body of this type: it must be refused for its missing members, never taken
        // for an unknown type.
        let body = serde_json::json!({ "type": event_type });
        let decoded = WebhookEvent::from_json(&serde_json::to_vec(&body).unwrap());
        assert!(decoded.is_err(), "{event_type}: {decoded:?}");
    }
}

#[test]
fn the_comparison_sees_a_changed_value() {
    let a = serde_json::json!({"a": {"b": [1, 2]}, "c": null});
    assert_eq!(
        difference(&a, &serde_json::json!({"a": {"b": [1, 2]}}), ""),
        None
    );
    assert!(difference(&a, &serde_json::json!({"a": {"b": [1, 3]}}), "").is_some());
    assert!(difference(&a, &serde_json::json!({"a": {"b": [1, 2]}, "d": 1}), "").is_some());
    assert_eq!(
        with_extra_members(&serde_json::json!([{"a": {}}]))[0]["a"]["zz_added_later"]["nested"][1],
        "two"
    );
}
