//! The round trip of every example `cargo xtask verify` found in a document: each example, read from
//! `examples.json` (which the run writes beside this crate's manifest), decodes into its generated
//! type and encodes back to an equal value. Two differences are not failures, since they are the
//! same data written otherwise: numbers are compared by value (an integer example of a `number`
//! comes back as a float), and an object member that is `null` on one side and absent on the other
//! is the same (an `Option` skipped when `None`). Anything else (a member dropped or added, a string
//! changed, an array of another length) fails with the place where it differs.
//!
//! The failures are also written, as JSON, to the file `CLERK_BAPI_VERIFY_REPORT` names, for
//! `cargo xtask verify` to report.
#![allow(
    deprecated,
    reason = "generated types may be deprecated; their examples still count"
)]

use std::marker::PhantomData;
use std::path::PathBuf;

use serde_json::Value;

/// Names the generated type an example must round-trip through.
struct Check<T>(PhantomData<T>);

/// The round trip, for types that both decode and encode.
trait RoundTrip {
    fn round_trip(&self, example: &Value) -> Result<(), String>;
}

impl<T: serde::de::DeserializeOwned + serde::Serialize> RoundTrip for Check<T> {
    fn round_trip(&self, example: &Value) -> Result<(), String> {
        let typed: T = serde_json::from_value(example.clone())
            .map_err(|err| format!("does not decode: {err}"))?;
        let back = serde_json::to_value(&typed).map_err(|err| format!("does not encode: {err}"))?;
        match difference(example, &back, "") {
            Some(difference) => Err(format!("encodes back differently: {difference}")),
            None => Ok(()),
        }
    }
}

/// Picked by method resolution, one auto-reference later, when the type lacks `Serialize` or
/// `Deserialize`: such a type fails its examples rather than the build of every other one.
#[allow(
    dead_code,
    reason = "only used when some example's type cannot round-trip"
)]
trait CannotRoundTrip {
    fn round_trip(&self, _example: &Value) -> Result<(), String> {
        Err("the type does not implement both Serialize and Deserialize".to_owned())
    }
}

impl<T> CannotRoundTrip for &Check<T> {}

/// Defines `round_trip(rust_type, example)` over the table of types `build.rs` wrote.
macro_rules! round_trip_types {
    ($($name:literal => $ty:ty,)*) => {
        /// `None` when the type is not in the table.
        fn round_trip(rust_type: &str, example: &Value) -> Option<Result<(), String>> {
            match rust_type {
                $($name => Some((&Check::<$ty>(PhantomData)).round_trip(example)),)*
                _ => {
                    // Unused when the table is empty (the crate has not been filled).
                    let _ = example;
                    None
                }
            }
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/round_trip_types.rs"));

/// Where `back` differs from `expected`, as `at place: what`, or `None` when they are the same data.
fn difference(expected: &Value, back: &Value, place: &str) -> Option<String> {
    let at = if place.is_empty() { "/" } else { place };
    match (expected, back) {
        (Value::Number(a), Value::Number(b)) => {
            let same = match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
                (Some(a), Some(b), _, _) => a == b,
                (_, _, Some(a), Some(b)) => a == b,
                _ => a.as_f64().is_some() && a.as_f64() == b.as_f64(),
            };
            (!same).then(|| format!("at {at}: {a} became {b}"))
        }
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let inner = format!("{place}/{}", key.replace('~', "~0").replace('/', "~1"));
                match b.get(key) {
                    Some(other) => {
                        if let Some(difference) = difference(value, other, &inner) {
                            return Some(difference);
                        }
                    }
                    None if value.is_null() => {}
                    None => return Some(format!("at {inner}: {} was dropped", excerpt(value))),
                }
            }
            b.iter()
                .find(|(key, value)| !a.contains_key(*key) && !value.is_null())
                .map(|(key, value)| format!("at {place}/{key}: {} was added", excerpt(value)))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(index, (a, b))| difference(a, b, &format!("{place}/{index}"))),
        _ => (expected != back)
            .then(|| format!("at {at}: {} became {}", excerpt(expected), excerpt(back))),
    }
}

/// A value's JSON, cut short when long.
fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(120) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

#[test]
fn every_example_round_trips() {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let path = dir.join("examples.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        // Not filled by `cargo xtask verify`: the crate is the client crate again, without examples.
        if cfg!(clerk_bapi_generated = "verify-crate") {
            panic!("{} is missing", path.display());
        }
        println!("{} is absent: nothing to round-trip", path.display());
        return;
    };
    let examples: Vec<Value> = serde_json::from_str(&text).expect("examples.json is JSON");
    let mut failures = Vec::new();
    for example in &examples {
        let field = |name: &str| {
            example
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let (pointer, rust_type) = (field("pointer"), field("rust_type"));
        let value = example.get("value").unwrap_or(&Value::Null);
        let problem = match round_trip(rust_type, value) {
            Some(Ok(())) => continue,
            Some(Err(problem)) => problem,
            None => "the type is not in the table build.rs wrote (rebuild the crate)".to_owned(),
        };
        let shown: String = rust_type.split(' ').collect();
        failures
            .push(serde_json::json!({"pointer": pointer, "rust_type": shown, "problem": problem}));
    }
    if let Some(report) = std::env::var_os("CLERK_BAPI_VERIFY_REPORT") {
        let text = serde_json::to_string(&failures).expect("failures are JSON");
        std::fs::write(&report, text).expect("the report is written");
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples do not round-trip:\n{}",
        failures.len(),
        examples.len(),
        failures
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// What counts as the same data: numbers by value, `null` as absent; anything else is a difference
/// named by its place.
#[test]
fn only_representations_of_the_same_data_are_equal() {
    let same = |expected: Value, back: Value| difference(&expected, &back, "");
    assert_eq!(same(serde_json::json!(3), serde_json::json!(3.0)), None);
    assert_eq!(
        same(serde_json::json!({"a": null}), serde_json::json!({})),
        None
    );
    assert_eq!(
        same(
            serde_json::json!({"a": {"b": 1}}),
            serde_json::json!({"a": {}})
        ),
        Some("at /a/b: 1 was dropped".to_owned())
    );
    assert_eq!(
        same(serde_json::json!([1]), serde_json::json!([1, 2])),
        Some("at /: [1] became [1,2]".to_owned())
    );
    let check = &Check::<i64>(PhantomData);
    assert_eq!(check.round_trip(&serde_json::json!(7)), Ok(()));
    assert!(check.round_trip(&serde_json::json!("seven")).is_err());
    assert_eq!(round_trip("no such type", &Value::Null), None);
}
