//! Checks that `specs/clerk-bapi.yml` states exactly the same facts as Clerk's published
//! Backend API document, that all of its references resolve within itself, and that its
//! descriptions, summaries and titles are written in its own words.
//!
//! Facts are compared after removing prose (`description`, `summary`, `title`, `example`,
//! `examples` and `externalDocs`) from both sides; prose is then compared separately, location by
//! location, to make sure none of it was copied.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
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

/// Keys whose values must be written in our own words.
const WORDED_KEYS: &[&str] = &["description", "summary", "title"];

/// Keys whose values are literal data, so their insides are never treated as schema keywords.
const DATA_KEYS: &[&str] = &["default", "enum", "example", "examples"];

/// The operation keys a path item may hold.
const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The component sections our document is allowed to use.
const COMPONENT_SECTIONS: &[&str] = &["schemas", "responses", "parameters", "securitySchemes"];

/// How many mismatches a failure message lists before summarising the rest.
const MAX_REPORTED: usize = 25;

/// How many characters of a rendered value a failure message shows.
const MAX_RENDERED_CHARS: usize = 800;

/// Strings with at most this many words may coincide with upstream prose found at a different
/// location, since short phrases repeat naturally.
const SHORT_PHRASE_WORDS: usize = 3;

/// Both documents, parsed once and shared by every test.
struct Documents {
    ours: Value,
    upstream: Value,
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn our_spec_path() -> PathBuf {
    manifest_dir().join("../specs/clerk-bapi.yml")
}

/// Reads and parses a YAML file, failing the test with `hint` if the file cannot be read.
fn load_yaml(path: &Path, what: &str, hint: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| {
        panic!("cannot read {what} at {}: {error}. {hint}", path.display())
    });
    serde_yaml::from_str(&text)
        .unwrap_or_else(|error| panic!("{what} at {} is not valid YAML: {error}", path.display()))
}

/// Both documents, or `None` when the upstream one is absent and the test is skipped (see
/// `generator/tests/support/shared_documents.rs`).
fn documents() -> Option<&'static Documents> {
    static DOCUMENTS: OnceLock<Documents> = OnceLock::new();
    let upstream = shared_documents::document("clerk-bapi/2026-05-12.yml")?;
    Some(DOCUMENTS.get_or_init(|| Documents {
        ours: load_yaml(
            &our_spec_path(),
            "our OpenAPI document",
            "It lives in the workspace's `specs` directory.",
        ),
        upstream: load_yaml(
            &upstream,
            "the upstream Clerk OpenAPI document",
            "The agreement tests need the shared checkout next to the workspace \
             (`../shared/specs/clerk-bapi/`); make sure it is present.",
        ),
    }))
}

/// Returns the text of a mapping key, rendering non-string keys as YAML.
fn key_text(key: &Value) -> String {
    match key {
        Value::String(text) => text.clone(),
        other => serde_yaml::to_string(other)
            .map_or_else(|_| format!("{other:?}"), |text| text.trim_end().to_owned()),
    }
}

/// Appends one reference token to a JSON pointer, escaping it as RFC 6901 requires.
fn child_pointer(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// Looks up a mapping entry by string key.
fn entry<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.as_mapping().and_then(|map| map.get(key))
}

/// Follows a chain of string keys from `value`.
fn lookup<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .try_fold(value, |current, key| entry(current, key))
}

/// Resolves an RFC 6901 JSON pointer (without the leading `#`) inside `value`.
fn resolve_pointer<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').try_fold(value, |current, raw| {
        let token = raw.replace("~1", "/").replace("~0", "~");
        match current {
            Value::Mapping(map) => map.get(token.as_str()),
            Value::Sequence(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    })
}

/// Tells whether a key's value is literal data or an extension, which are compared verbatim.
fn is_data_key(key: &str) -> bool {
    DATA_KEYS.contains(&key) || key.starts_with("x-")
}

/// Where in the document a mapping sits, which decides whether its keys are keywords or names.
#[derive(Clone, Copy)]
enum Position {
    /// A regular object of the document, whose keys are keywords such as `description`.
    Object,
    /// The value of `properties`, whose keys are property names that must never be stripped.
    PropertyNames,
}

/// Returns a copy of `value` with all prose removed, leaving only facts.
fn strip_prose(value: &Value) -> Value {
    strip_at(value, Position::Object)
}

fn strip_at(value: &Value, position: Position) -> Value {
    match value {
        Value::Mapping(map) => {
            let mut stripped = Mapping::new();
            for (key, child) in map {
                let name = key.as_str();
                let child = match position {
                    Position::PropertyNames => strip_at(child, Position::Object),
                    Position::Object => match name {
                        Some(name) if PROSE_KEYS.contains(&name) => continue,
                        Some(name) if is_data_key(name) => child.clone(),
                        Some("properties") if child.is_mapping() => {
                            strip_at(child, Position::PropertyNames)
                        }
                        _ => strip_at(child, Position::Object),
                    },
                };
                stripped.insert(key.clone(), child);
            }
            Value::Mapping(stripped)
        }
        Value::Sequence(items) => Value::Sequence(
            items
                .iter()
                .map(|item| strip_at(item, Position::Object))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Visits every keyword position of `value` (skipping literal data), calling `visit` with the
/// pointer of the containing object, the keyword and its value.
fn walk_keywords(
    value: &Value,
    pointer: &str,
    position: Position,
    visit: &mut dyn FnMut(&str, &str, &Value),
) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                let name = key_text(key);
                let child_pointer = child_pointer(pointer, &name);
                match position {
                    Position::PropertyNames => {
                        walk_keywords(child, &child_pointer, Position::Object, visit);
                    }
                    Position::Object => {
                        visit(pointer, &name, child);
                        if is_data_key(&name) {
                            continue;
                        }
                        let next = if name == "properties" && child.is_mapping() {
                            Position::PropertyNames
                        } else {
                            Position::Object
                        };
                        walk_keywords(child, &child_pointer, next, visit);
                    }
                }
            }
        }
        Value::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                let child_pointer = child_pointer(pointer, &index.to_string());
                walk_keywords(item, &child_pointer, Position::Object, visit);
            }
        }
        _ => {}
    }
}

/// One place where the two documents disagree.
struct Mismatch {
    pointer: String,
    ours: Option<Value>,
    upstream: Option<Value>,
}

/// Records every difference between `ours` and `upstream` below `pointer`.
fn diff(ours: &Value, upstream: &Value, pointer: &str, mismatches: &mut Vec<Mismatch>) {
    match (ours, upstream) {
        (Value::Mapping(our_map), Value::Mapping(their_map)) => {
            for (key, our_child) in our_map {
                let at = child_pointer(pointer, &key_text(key));
                match their_map.get(key) {
                    Some(their_child) => diff(our_child, their_child, &at, mismatches),
                    None => mismatches.push(Mismatch {
                        pointer: at,
                        ours: Some(our_child.clone()),
                        upstream: None,
                    }),
                }
            }
            for (key, their_child) in their_map {
                if !our_map.contains_key(key) {
                    mismatches.push(Mismatch {
                        pointer: child_pointer(pointer, &key_text(key)),
                        ours: None,
                        upstream: Some(their_child.clone()),
                    });
                }
            }
        }
        (Value::Sequence(our_items), Value::Sequence(their_items))
            if our_items.len() == their_items.len() =>
        {
            for (index, (our_item, their_item)) in our_items.iter().zip(their_items).enumerate() {
                diff(
                    our_item,
                    their_item,
                    &child_pointer(pointer, &index.to_string()),
                    mismatches,
                );
            }
        }
        _ if ours == upstream => {}
        _ => mismatches.push(Mismatch {
            pointer: pointer.to_owned(),
            ours: Some(ours.clone()),
            upstream: Some(upstream.clone()),
        }),
    }
}

/// Renders a value as YAML for a failure message, shortened to a readable size.
fn render(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "<absent>".to_owned();
    };
    let text = serde_yaml::to_string(value).unwrap_or_else(|_| format!("{value:?}"));
    let text = text.trim_end();
    let shortened: String = text.chars().take(MAX_RENDERED_CHARS).collect();
    let shortened = if shortened.len() < text.len() {
        format!("{shortened}\n... (shortened)")
    } else {
        shortened
    };
    shortened
        .lines()
        .map(|line| format!("      {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fails the test with a readable list of mismatches, if there are any.
fn assert_no_mismatches(what: &str, mismatches: &[Mismatch]) {
    if mismatches.is_empty() {
        return;
    }
    let mut message = format!("{what}: {} mismatch(es)\n", mismatches.len());
    for mismatch in mismatches.iter().take(MAX_REPORTED) {
        // Writing into a String cannot fail, so the result is ignored.
        let _ = writeln!(
            message,
            "  at {}\n    ours:\n{}\n    upstream:\n{}",
            mismatch.pointer,
            render(mismatch.ours.as_ref()),
            render(mismatch.upstream.as_ref()),
        );
    }
    if mismatches.len() > MAX_REPORTED {
        let _ = writeln!(
            message,
            "  ... and {} more",
            mismatches.len() - MAX_REPORTED
        );
    }
    panic!("{message}");
}

/// Fails the test with a list of plain problems, if there are any.
fn assert_no_problems(what: &str, problems: &[String]) {
    if problems.is_empty() {
        return;
    }
    let mut message = format!("{what}: {} problem(s)\n", problems.len());
    for problem in problems.iter().take(MAX_REPORTED) {
        let _ = writeln!(message, "  - {problem}");
    }
    if problems.len() > MAX_REPORTED {
        let _ = writeln!(message, "  ... and {} more", problems.len() - MAX_REPORTED);
    }
    panic!("{message}");
}

/// Iterates over the `(path, method, operation)` triples of a document.
fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let Some(paths) = entry(document, "paths").and_then(Value::as_mapping) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_mapping() else {
            continue;
        };
        for (method, operation) in item {
            let method = key_text(method);
            if HTTP_METHODS.contains(&method.as_str()) {
                found.push((key_text(path), method, operation));
            }
        }
    }
    found
}

#[test]
fn operations_state_the_same_facts_as_upstream() {
    let Some(docs) = documents() else {
        return;
    };
    let our_paths = entry(&docs.ours, "paths")
        .and_then(Value::as_mapping)
        .expect("our document has a `paths` mapping");
    assert!(!our_paths.is_empty(), "our document declares no paths");

    let mut mismatches = Vec::new();
    for (path, our_item) in our_paths {
        let path = key_text(path);
        let path_pointer = child_pointer("/paths", &path);
        let Some(their_item) = lookup(&docs.upstream, &["paths", &path]) else {
            mismatches.push(Mismatch {
                pointer: path_pointer,
                ours: Some(our_item.clone()),
                upstream: None,
            });
            continue;
        };
        let our_item = our_item
            .as_mapping()
            .unwrap_or_else(|| panic!("our path item {path} is not a mapping"));
        // Every key of our path item is compared, so path-level parameters count as facts too,
        // but upstream methods we chose not to include are not required.
        for (key, our_value) in our_item {
            let key = key_text(key);
            let at = child_pointer(&path_pointer, &key);
            match entry(their_item, &key) {
                Some(their_value) => diff(
                    &strip_prose(our_value),
                    &strip_prose(their_value),
                    &at,
                    &mut mismatches,
                ),
                None => mismatches.push(Mismatch {
                    pointer: at,
                    ours: Some(strip_prose(our_value)),
                    upstream: None,
                }),
            }
        }
    }
    assert_no_mismatches("operations differ from upstream", &mismatches);
}

#[test]
fn included_groups_are_complete() {
    let Some(docs) = documents() else {
        return;
    };
    let our_ids: BTreeSet<String> = operations(&docs.ours)
        .into_iter()
        .filter_map(|(_, _, operation)| entry(operation, "operationId"))
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let our_groups: BTreeSet<String> = operations(&docs.ours)
        .into_iter()
        .filter_map(|(_, _, operation)| entry(operation, "x-speakeasy-group"))
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    // The committed client is generated from these groups: machine management, minting and
    // checking machine tokens, and the key set that JWT-format machine tokens are checked with.
    for required in ["jwks", "m2m", "machines"] {
        assert!(
            our_groups.contains(required),
            "our document must include the `{required}` group"
        );
    }
    assert!(
        our_groups.len() >= 3,
        "our document should cover `machines` and at least two other groups, found {our_groups:?}"
    );

    // A group we include must be included whole, so selecting it yields the real surface.
    let problems: Vec<String> = operations(&docs.upstream)
        .into_iter()
        .filter(|(_, _, operation)| {
            entry(operation, "x-speakeasy-group")
                .and_then(Value::as_str)
                .is_some_and(|group| our_groups.contains(group))
        })
        .filter_map(|(path, method, operation)| {
            let id = entry(operation, "operationId")
                .and_then(Value::as_str)
                .unwrap_or("<no operationId>");
            (!our_ids.contains(id)).then(|| {
                format!(
                    "upstream operation {id} ({} {path}) is missing",
                    method.to_uppercase()
                )
            })
        })
        .collect();
    assert_no_problems("included groups are incomplete", &problems);
}

#[test]
fn components_state_the_same_facts_as_upstream() {
    let Some(docs) = documents() else {
        return;
    };
    let our_components = entry(&docs.ours, "components")
        .and_then(Value::as_mapping)
        .expect("our document has a `components` mapping");

    let mut mismatches = Vec::new();
    for (section, our_entries) in our_components {
        let section = key_text(section);
        let section_pointer = child_pointer("/components", &section);
        assert!(
            COMPONENT_SECTIONS.contains(&section.as_str()),
            "unexpected component section {section_pointer}; the agreement test only \
             compares {COMPONENT_SECTIONS:?}"
        );
        let our_entries = our_entries
            .as_mapping()
            .unwrap_or_else(|| panic!("{section_pointer} is not a mapping"));
        for (name, our_value) in our_entries {
            let name = key_text(name);
            let at = child_pointer(&section_pointer, &name);
            match lookup(&docs.upstream, &["components", &section, &name]) {
                Some(their_value) => diff(
                    &strip_prose(our_value),
                    &strip_prose(their_value),
                    &at,
                    &mut mismatches,
                ),
                None => mismatches.push(Mismatch {
                    pointer: at,
                    ours: Some(strip_prose(our_value)),
                    upstream: None,
                }),
            }
        }
    }
    assert_no_mismatches("components differ from upstream", &mismatches);
}

/// Collects every `$ref` in a document as `(pointer of the referring object, target)`.
fn references(document: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    walk_keywords(
        document,
        "",
        Position::Object,
        &mut |pointer, key, value| {
            if key == "$ref" {
                let target = value
                    .as_str()
                    .map_or_else(|| format!("<non-string {value:?}>"), str::to_owned);
                found.push((pointer.to_owned(), target));
            }
        },
    );
    found
}

#[test]
fn every_reference_resolves_within_our_document() {
    let Some(docs) = documents() else {
        return;
    };
    let references = references(&docs.ours);
    assert!(!references.is_empty(), "our document has no `$ref` at all");

    let problems: Vec<String> = references
        .into_iter()
        .filter_map(|(pointer, target)| {
            let resolved = target
                .strip_prefix('#')
                .and_then(|local| resolve_pointer(&docs.ours, local));
            resolved
                .is_none()
                .then(|| format!("{pointer}/$ref points at {target}, which does not exist"))
        })
        .collect();
    assert_no_problems("dangling references", &problems);
}

#[test]
fn every_component_is_used() {
    let Some(docs) = documents() else {
        return;
    };

    // Start from everything outside `components`, then follow references transitively.
    let mut pending: Vec<String> = references(&docs.ours)
        .into_iter()
        .filter(|(pointer, _)| !pointer.starts_with("/components/"))
        .map(|(_, target)| target)
        .collect();
    let mut reached = BTreeSet::new();
    while let Some(target) = pending.pop() {
        if !reached.insert(target.clone()) {
            continue;
        }
        let Some(value) = target
            .strip_prefix('#')
            .and_then(|local| resolve_pointer(&docs.ours, local))
        else {
            continue;
        };
        pending.extend(references(value).into_iter().map(|(_, nested)| nested));
    }

    // Security schemes are used by name from `security` requirements, not by `$ref`.
    let mut security_requirements: Vec<&Value> = Vec::new();
    if let Some(Value::Sequence(top)) = entry(&docs.ours, "security") {
        security_requirements.extend(top);
    }
    for (_, _, operation) in operations(&docs.ours) {
        if let Some(Value::Sequence(local)) = entry(operation, "security") {
            security_requirements.extend(local);
        }
    }
    for requirement in security_requirements {
        if let Some(map) = requirement.as_mapping() {
            for name in map.keys() {
                reached.insert(format!(
                    "#{}",
                    child_pointer("/components/securitySchemes", &key_text(name))
                ));
            }
        }
    }

    let mut problems = Vec::new();
    if let Some(components) = entry(&docs.ours, "components").and_then(Value::as_mapping) {
        for (section, entries) in components {
            let section_pointer = child_pointer("/components", &key_text(section));
            for name in entries.as_mapping().into_iter().flat_map(Mapping::keys) {
                let target = format!("#{}", child_pointer(&section_pointer, &key_text(name)));
                if !reached.contains(&target) {
                    problems.push(format!("{target} is never used"));
                }
            }
        }
    }
    assert_no_problems("unused components", &problems);
}

#[test]
fn document_metadata_matches_upstream() {
    let Some(docs) = documents() else {
        return;
    };
    let mut mismatches = Vec::new();
    let facts: [&[&str]; 5] = [
        &["openapi"],
        &["info", "version"],
        &["info", "license", "name"],
        &["servers"],
        &["security"],
    ];
    for keys in facts {
        let pointer: String = keys
            .iter()
            .fold(String::new(), |at, key| child_pointer(&at, key));
        let ours = lookup(&docs.ours, keys).map(strip_prose);
        let upstream = lookup(&docs.upstream, keys).map(strip_prose);
        match (ours, upstream) {
            (Some(ours), Some(upstream)) => diff(&ours, &upstream, &pointer, &mut mismatches),
            (ours, upstream) => mismatches.push(Mismatch {
                pointer,
                ours,
                upstream,
            }),
        }
    }
    assert_no_mismatches("document metadata differs from upstream", &mismatches);
}

#[test]
fn declared_tags_are_exactly_the_used_ones() {
    let Some(docs) = documents() else {
        return;
    };
    let declared: BTreeSet<String> = entry(&docs.ours, "tags")
        .and_then(Value::as_sequence)
        .expect("our document has a `tags` list")
        .iter()
        .filter_map(|tag| entry(tag, "name"))
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let used: BTreeSet<String> = operations(&docs.ours)
        .into_iter()
        .filter_map(|(_, _, operation)| entry(operation, "tags"))
        .filter_map(Value::as_sequence)
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let upstream: BTreeSet<String> = entry(&docs.upstream, "tags")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|tag| entry(tag, "name"))
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();

    let mut problems = Vec::new();
    for tag in declared.difference(&used) {
        problems.push(format!("tag {tag:?} is declared but no operation uses it"));
    }
    for tag in used.difference(&declared) {
        problems.push(format!("tag {tag:?} is used but not declared"));
    }
    for tag in declared.difference(&upstream) {
        problems.push(format!("tag {tag:?} does not exist upstream"));
    }
    assert_no_problems("top-level tags are inconsistent", &problems);
}

#[test]
fn no_upstream_branding_or_contact_details() {
    let Some(docs) = documents() else {
        return;
    };
    let text = std::fs::read_to_string(our_spec_path()).expect("our document is readable");
    let mut problems = Vec::new();
    for keys in [
        &["info", concat!("x-", "logo")][..],
        &["info", "contact"],
        &["info", "termsOfService"],
        &["x-speakeasy-retries"],
    ] {
        if lookup(&docs.ours, keys).is_some() {
            problems.push(format!("our document has /{}", keys.join("/")));
        }
    }
    walk_keywords(&docs.ours, "", Position::Object, &mut |pointer, key, _| {
        if key == "externalDocs" {
            problems.push(format!("our document has {pointer}/externalDocs"));
        }
    });
    // Spelled in pieces so that this file itself never carries the upstream text it looks for.
    if text.contains(concat!("Clerk Platform", " Team")) {
        problems.push("our document mentions the upstream contact team".to_owned());
    }
    assert_no_problems("upstream metadata leaked into our document", &problems);
}

/// Rewrites the top-level `tags` list into a mapping keyed by tag name, so that a tag's prose is
/// compared with the same tag upstream regardless of its position in the list.
fn with_tags_by_name(document: &Value) -> Value {
    let mut document = document.clone();
    let Some(Value::Sequence(tags)) = entry(&document, "tags") else {
        return document;
    };
    let keyed: Mapping = tags
        .iter()
        .filter_map(|tag| {
            let name = entry(tag, "name")?.as_str()?;
            Some((Value::String(name.to_owned()), tag.clone()))
        })
        .collect();
    if let Some(map) = document.as_mapping_mut() {
        map.insert(Value::String("tags".to_owned()), Value::Mapping(keyed));
    }
    document
}

/// Collects the prose strings of a document by JSON pointer of the prose key itself.
fn prose(document: &Value) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    walk_keywords(
        document,
        "",
        Position::Object,
        &mut |pointer, key, value| {
            if let Some(text) = value.as_str().filter(|_| WORDED_KEYS.contains(&key)) {
                found.insert(child_pointer(pointer, key), text.to_owned());
            }
        },
    );
    found
}

/// Reduces prose to a comparable form, ignoring case, spacing and final punctuation.
fn normalise(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .join(" ")
        .trim_end_matches(['.', ':', ';'])
        .to_lowercase()
}

#[test]
fn prose_is_written_in_our_own_words() {
    let Some(docs) = documents() else {
        return;
    };
    let ours = prose(&with_tags_by_name(&docs.ours));
    let upstream = prose(&with_tags_by_name(&docs.upstream));
    assert!(!ours.is_empty(), "our document has no prose at all");
    let mut upstream_anywhere: BTreeMap<String, &str> = BTreeMap::new();
    for (pointer, text) in &upstream {
        upstream_anywhere
            .entry(normalise(text))
            .or_insert(pointer.as_str());
    }

    let mut problems = Vec::new();
    for (pointer, text) in &ours {
        let ours_normalised = normalise(text);
        // The same location must never carry the same wording, however short.
        if upstream
            .get(pointer)
            .is_some_and(|theirs| normalise(theirs) == ours_normalised)
        {
            problems.push(format!("{pointer} repeats upstream's wording {text:?}"));
            continue;
        }
        // Longer wording must not be borrowed from any other place either.
        let is_long = text.split_whitespace().count() > SHORT_PHRASE_WORDS;
        if let Some(source) = upstream_anywhere.get(&ours_normalised).filter(|_| is_long) {
            problems.push(format!(
                "{pointer} repeats upstream's wording at {source}: {text:?}"
            ));
        }
    }
    assert_no_problems("prose copied from upstream", &problems);
}

#[test]
fn stripping_keeps_property_names_and_literal_data() {
    // A property may be called `description`, and literal data may contain prose-like keys;
    // neither is prose, so both must survive stripping.
    let schema: Value = serde_yaml::from_str(
        r"
        description: prose
        type: object
        properties:
          description:
            type: string
            title: prose
            default: {description: kept}
        x-extension: {summary: kept}
        ",
    )
    .expect("the sample schema is valid YAML");
    let expected: Value = serde_yaml::from_str(
        r"
        type: object
        properties:
          description:
            type: string
            default: {description: kept}
        x-extension: {summary: kept}
        ",
    )
    .expect("the expected schema is valid YAML");
    assert_eq!(strip_prose(&schema), expected);
}
