//! Webhook documents: what is read (`x-webhooks`, OpenAPI 3.1's `webhooks`), how events are
//! selected, and a located error for each kind of bad webhook input. Generated code is in the
//! fixture snapshots (`fixtures/webhooks*.yml`).

use generator::{ErrorKind, Selection, Source, generate};

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

/// A document with one event named `name` whose payload schema is `schema` (YAML, inline).
fn event(name: &str, schema: &str) -> String {
    format!(
        "{HEAD}x-webhooks:\n  {name}:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {schema}\n"
    )
}

const PAYLOAD: &str = "{type: object, required: [type], properties: {type: {type: string}}}";

fn run(text: &str, selection: &Selection) -> Result<generator::Output, generator::Error> {
    generate(
        Source {
            name: "bad.yml",
            bytes: text.as_bytes(),
        },
        selection,
    )
}

#[test]
fn bad_webhook_input_gets_a_located_message() {
    let two_events = format!(
        "{}  user_created:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {PAYLOAD}\n",
        event("user.created", PAYLOAD)
    );
    let cases: Vec<(&str, String, ErrorKind)> = vec![
        (
            "neither_paths_nor_webhooks",
            format!("{HEAD}components: {{}}\n"),
            ErrorKind::NotOpenApi,
        ),
        (
            "webhooks_in_3_0",
            format!("{HEAD}webhooks: {{}}\n"),
            ErrorKind::NotOpenApi,
        ),
        (
            "openapi_3_1_with_paths",
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nwebhooks: {}\n".to_owned(),
            ErrorKind::NotOpenApi,
        ),
        (
            "both_spellings",
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks: {}\nx-webhooks: {}\n"
                .to_owned(),
            ErrorKind::Unsupported,
        ),
        (
            "webhooks_not_a_mapping",
            format!("{HEAD}x-webhooks: [1]\n"),
            ErrorKind::WrongType,
        ),
        (
            "no_operation",
            format!("{HEAD}x-webhooks:\n  a.b: {{summary: nothing}}\n"),
            ErrorKind::Unsupported,
        ),
        (
            "two_operations",
            format!("{HEAD}x-webhooks:\n  a.b:\n    get: {{}}\n    post: {{}}\n"),
            ErrorKind::Unsupported,
        ),
        (
            "no_request_body",
            format!("{HEAD}x-webhooks:\n  a.b:\n    post: {{summary: s}}\n"),
            ErrorKind::Unsupported,
        ),
        (
            "operation_of_the_wrong_type",
            format!("{HEAD}x-webhooks:\n  a.b:\n    post: {{requestBody: 7}}\n"),
            ErrorKind::WrongType,
        ),
        (
            "payload_without_type",
            event("a.b", "{type: object, properties: {id: {type: string}}}"),
            ErrorKind::Unsupported,
        ),
        (
            "payload_not_an_object",
            event("a.b", "{type: string}"),
            ErrorKind::Unsupported,
        ),
        (
            "dangling_payload_ref",
            event("a.b", "{$ref: '#/components/schemas/Nope'}"),
            ErrorKind::DanglingRef,
        ),
        (
            "unknown_variant",
            event("unknown", PAYLOAD),
            ErrorKind::NameCollision,
        ),
        ("colliding_variants", two_events, ErrorKind::NameCollision),
        (
            "broken_payload_schema",
            event("a.b", "{type: object, properties: {a: {type: 7}}}"),
            ErrorKind::WrongType,
        ),
        (
            "absent_list_of_the_wrong_type",
            event(
                "a.b",
                "{type: object, required: [type], x-sometimes-absent: type, properties: {type: {type: string}}}",
            ),
            ErrorKind::WrongType,
        ),
    ];
    for (name, text, kind) in cases {
        let error = match std::panic::catch_unwind(|| run(&text, &Selection::All)) {
            Ok(Ok(_)) => panic!("case {name}: expected an error, got generated code"),
            Ok(Err(error)) => error,
            Err(_) => panic!("case {name}: the generator panicked"),
        };
        assert_eq!(error.kind(), kind, "case {name}: {error}");
        let message = error.to_string();
        assert!(message.starts_with("bad.yml: "), "case {name}: {message}");
        insta::assert_snapshot!(format!("webhooks_{name}"), message);
    }
}

#[test]
fn events_are_selected_by_type_or_all_together() {
    let text = format!(
        "{}  b.c:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {PAYLOAD}\n",
        event("a.b", PAYLOAD)
    );
    let count =
        |selection: &str| run(&text, &Selection::parse(selection).unwrap()).map(|o| o.webhooks);
    assert_eq!(count("all"), Ok(2));
    assert_eq!(count("webhooks"), Ok(2));
    assert_eq!(count("b.c"), Ok(1));
    assert_eq!(
        count("nothing").unwrap_err().kind(),
        ErrorKind::EmptySelection
    );
}

#[test]
fn a_webhook_document_has_no_client_parts() {
    let output = run(&event("a.b", PAYLOAD), &Selection::All).unwrap();
    assert_eq!(
        (output.operations, output.groups, output.webhooks),
        (0, 0, 1)
    );
    let root = &output.files["generated/mod.rs"];
    assert!(root.starts_with("// @generated by cargo xtask codegen"));
    for absent in ["API_VERSION", "DEFAULT_BASE_URL", "crate::Client"] {
        assert!(!root.contains(absent), "{absent} in {root}");
    }
    assert!(root.contains("AB(types::ABEvent)"), "{root}");
}
