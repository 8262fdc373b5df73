//! Checks that `specs/clerk-webhooks.yml` states exactly the same facts as Clerk's published
//! webhook document: the same event types, each with the same payload schema, and the same
//! component schemas (properties, types, required members, enums, references), with every
//! reference resolving inside our document and no upstream prose, example or branding in it.
//!
//! Facts are compared after removing prose (`description`, `summary`, `title`, `example`,
//! `examples`, `externalDocs`) from both sides, as the BAPI agreement test does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_yaml::{Mapping, Value};

#[path = "../../generator/tests/support/shared_documents.rs"]
mod shared_documents;

/// Keys whose values are prose or illustrations rather than facts.
const PROSE_KEYS: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
];

/// Keys whose values are literal data, compared verbatim.
const DATA_KEYS: &[&str] = &["default", "enum"];

/// The extension by which our document states what upstream states through its examples: the
/// required members that Clerk's own examples leave out. It is checked on its own.
const ABSENT: &str = "x-sometimes-absent";

/// How many event types Clerk's document of 2025-04-15 describes.
const EVENT_COUNT: usize = 45;

struct Documents {
    ours: Value,
    upstream: Value,
    our_text: String,
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn our_spec_path() -> PathBuf {
    manifest_dir().join("../specs/clerk-webhooks.yml")
}

fn read(path: &Path, hint: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}. {hint}", path.display()))
}

/// Both documents, or `None` when the upstream one is absent and the test is skipped (see
/// `generator/tests/support/shared_documents.rs`).
fn documents() -> Option<&'static Documents> {
    static DOCUMENTS: OnceLock<Documents> = OnceLock::new();
    let upstream_path = shared_documents::document("clerk-webhooks/2025-04-15.yml")?;
    Some(DOCUMENTS.get_or_init(|| {
        let our_text = read(
            &our_spec_path(),
            "It lives in the workspace's `specs` directory.",
        );
        let upstream_text = read(&upstream_path, "It is Clerk's published webhook document.");
        Documents {
            ours: serde_yaml::from_str(&our_text).expect("our webhook document is YAML"),
            upstream: serde_yaml::from_str(&upstream_text).expect("upstream document is YAML"),
            our_text,
        }
    }))
}

fn entry<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.as_mapping().and_then(|map| map.get(key))
}

fn lookup<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .try_fold(value, |current, key| entry(current, key))
}

fn keys_of(value: Option<&Value>) -> BTreeSet<String> {
    value
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(key, _)| key.as_str().map(str::to_owned))
        .collect()
}

/// A copy of `value` without prose; property names are never taken for keywords.
fn strip_prose(value: &Value) -> Value {
    strip_at(value, false)
}

fn strip_at(value: &Value, property_names: bool) -> Value {
    match value {
        Value::Mapping(map) => {
            let mut stripped = Mapping::new();
            for (key, child) in map {
                let name = key.as_str().unwrap_or_default();
                let child = if property_names {
                    strip_at(child, false)
                } else if PROSE_KEYS.contains(&name) || name == ABSENT {
                    continue;
                } else if DATA_KEYS.contains(&name) || name.starts_with("x-") {
                    child.clone()
                } else {
                    strip_at(child, name == "properties" && child.is_mapping())
                };
                stripped.insert(key.clone(), child);
            }
            Value::Mapping(stripped)
        }
        Value::Sequence(items) => Value::Sequence(items.iter().map(strip_prose).collect()),
        other => other.clone(),
    }
}

/// Lists every place where the two values differ, by JSON pointer.
fn diff(ours: &Value, upstream: &Value, pointer: &str, found: &mut Vec<String>) {
    match (ours, upstream) {
        (Value::Mapping(a), Value::Mapping(b)) => {
            let keys: BTreeSet<String> = a
                .keys()
                .chain(b.keys())
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect();
            for key in keys {
                let at = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (a.get(key.as_str()), b.get(key.as_str())) {
                    (Some(x), Some(y)) => diff(x, y, &at, found),
                    (Some(_), None) => found.push(format!("{at}: only in ours")),
                    (None, Some(_)) => found.push(format!("{at}: only upstream")),
                    (None, None) => {}
                }
            }
        }
        (Value::Sequence(a), Value::Sequence(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                diff(x, y, &format!("{pointer}/{index}"), found);
            }
        }
        (a, b) if a == b => {}
        (a, b) => found.push(format!("{pointer}: ours {a:?}, upstream {b:?}")),
    }
}

fn assert_none(what: &str, found: &[String]) {
    assert!(
        found.is_empty(),
        "{what} ({} places):\n{}",
        found.len(),
        found
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn same_event_types_as_upstream() {
    let Some(docs) = documents() else {
        return;
    };
    let ours = keys_of(entry(&docs.ours, "x-webhooks"));
    let upstream = keys_of(entry(&docs.upstream, "x-webhooks"));
    assert_eq!(
        upstream.len(),
        EVENT_COUNT,
        "upstream's event count changed"
    );
    assert_eq!(ours, upstream, "the event types differ");
    assert!(
        entry(&docs.ours, "paths").is_none(),
        "a webhook document has no paths"
    );
}

#[test]
fn each_event_states_the_same_facts_as_upstream() {
    let Some(docs) = documents() else {
        return;
    };
    let mut found = Vec::new();
    for event in keys_of(entry(&docs.upstream, "x-webhooks")) {
        let ours = lookup(&docs.ours, &["x-webhooks", &event]).map(strip_prose);
        let upstream = lookup(&docs.upstream, &["x-webhooks", &event]).map(strip_prose);
        match (ours, upstream) {
            (Some(ours), Some(upstream)) => {
                diff(
                    &ours,
                    &upstream,
                    &format!("/x-webhooks/{event}"),
                    &mut found,
                );
            }
            _ => found.push(format!("/x-webhooks/{event}: missing on one side")),
        }
    }
    assert_none("events differ from upstream", &found);
}

#[test]
fn component_schemas_state_the_same_facts_as_upstream() {
    let Some(docs) = documents() else {
        return;
    };
    let ours = lookup(&docs.ours, &["components", "schemas"]).map(strip_prose);
    let upstream = lookup(&docs.upstream, &["components", "schemas"]).map(strip_prose);
    let (Some(ours), Some(upstream)) = (ours, upstream) else {
        panic!("both documents have components/schemas");
    };
    let mut found = Vec::new();
    diff(&ours, &upstream, "/components/schemas", &mut found);
    assert_none("component schemas differ from upstream", &found);
    // Upstream's other component sections hold examples only, which are prose to us.
    assert_eq!(
        keys_of(entry(&docs.ours, "components")),
        ["schemas".to_owned()].into()
    );
}

#[test]
fn document_metadata_matches_upstream() {
    let Some(docs) = documents() else {
        return;
    };
    for keys in [
        &["openapi"][..],
        &["info", "version"],
        &["info", "license", "name"],
        &["servers"],
    ] {
        assert_eq!(
            lookup(&docs.ours, keys),
            lookup(&docs.upstream, keys),
            "/{} differs",
            keys.join("/")
        );
    }
}

fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    (Some("$ref"), Value::String(target)) => found.push(target.clone()),
                    (Some(key), _) if PROSE_KEYS.contains(&key) || DATA_KEYS.contains(&key) => {}
                    _ => references(child, found),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_every_schema_is_used() {
    let Some(docs) = documents() else {
        return;
    };
    let mut targets = Vec::new();
    references(&docs.ours, &mut targets);
    let schemas = keys_of(lookup(&docs.ours, &["components", "schemas"]));
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for target in &targets {
        match target.strip_prefix("#/components/schemas/") {
            Some(name) if schemas.contains(name) => {
                used.insert(name.to_owned());
            }
            _ => problems.push(format!("{target} does not resolve")),
        }
    }
    for unused in schemas.difference(&used) {
        problems.push(format!("components/schemas/{unused} is never referenced"));
    }
    assert_none("references are inconsistent", &problems);
}

/// Every prose string of a document, whatever its place.
fn prose(value: &Value, property_names: bool, found: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                let name = key.as_str().unwrap_or_default();
                if property_names {
                    prose(child, false, found);
                } else if PROSE_KEYS.contains(&name) {
                    let text = serde_yaml::to_string(child).unwrap_or_default();
                    found.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
                } else if !DATA_KEYS.contains(&name) {
                    prose(child, name == "properties", found);
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| prose(item, false, found)),
        _ => {}
    }
}

#[test]
fn no_upstream_prose_examples_or_branding() {
    let Some(docs) = documents() else {
        return;
    };
    let mut ours = Vec::new();
    prose(&docs.ours, false, &mut ours);
    let mut upstream = Vec::new();
    prose(&docs.upstream, false, &mut upstream);
    let upstream: BTreeSet<String> = upstream.into_iter().collect();
    let mut problems: Vec<String> = ours
        .iter()
        .filter(|text| upstream.contains(*text))
        .map(|text| format!("copied prose: {text}"))
        .collect();
    for key in ["example", "examples", "externalDocs"] {
        if docs.our_text.contains(&format!("{key}:")) {
            problems.push(format!("our document has `{key}`"));
        }
    }
    for keys in [
        &["info", concat!("x-", "logo")][..],
        &["info", "contact"],
        &["info", "termsOfService"],
    ] {
        if lookup(&docs.ours, keys).is_some() {
            problems.push(format!("our document has /{}", keys.join("/")));
        }
    }
    // Spelled in pieces so that this file never carries the upstream text it looks for.
    for phrase in [concat!("Clerk Platform", " Team"), concat!("ins", "_123")] {
        if docs.our_text.contains(phrase) {
            problems.push(format!("our document carries upstream text {phrase:?}"));
        }
    }
    assert_none("upstream prose leaked into our document", &problems);
}

#[test]
fn the_comparison_sees_a_changed_fact() {
    let Some(docs) = documents() else {
        return;
    };
    let mut changed = strip_prose(&docs.ours);
    let required = changed
        .as_mapping_mut()
        .and_then(|map| map.get_mut("components"))
        .and_then(|c| c.as_mapping_mut())
        .and_then(|c| c.get_mut("schemas"))
        .and_then(|s| s.as_mapping_mut())
        .and_then(|s| s.get_mut("User"))
        .and_then(|u| u.as_mapping_mut())
        .and_then(|u| u.get_mut("required"))
        .and_then(Value::as_sequence_mut)
        .expect("User has required members");
    required.pop();
    let mut found = Vec::new();
    diff(&changed, &strip_prose(&docs.ours), "", &mut found);
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn members_marked_sometimes_absent_are_required_upstream() {
    let Some(docs) = documents() else {
        return;
    };
    let schemas = lookup(&docs.ours, &["components", "schemas"])
        .and_then(Value::as_mapping)
        .expect("our document has schemas");
    let mut problems = Vec::new();
    let mut marked = 0;
    for (name, schema) in schemas {
        let name = name.as_str().unwrap_or_default();
        let Some(list) = entry(schema, ABSENT) else {
            continue;
        };
        // Required by the schema itself or by one of its inline `allOf` parts.
        let upstream = lookup(&docs.upstream, &["components", "schemas", name]);
        let parts = upstream.into_iter().chain(
            upstream
                .and_then(|s| entry(s, "allOf"))
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten(),
        );
        let required: BTreeSet<&str> = parts
            .filter_map(|part| entry(part, "required"))
            .filter_map(Value::as_sequence)
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for member in list.as_sequence().into_iter().flatten() {
            marked += 1;
            match member.as_str() {
                Some(member) if required.contains(member) => {}
                _ => problems.push(format!("{name}: {member:?} is not required upstream")),
            }
        }
    }
    assert_none("sometimes-absent members", &problems);
    // Which members Clerk's examples leave out is checked where it matters: the committed webhook
    // module must equal what the upstream document generates (`.ci/run`), and the generator makes
    // those members optional from the examples there, from this extension here.
    assert_eq!(marked, 16);
}
