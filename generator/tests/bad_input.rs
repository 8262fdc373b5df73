//! Every kind of bad input gets a clear error naming the file and the place, never a panic. The
//! messages are snapshotted so that a change in wording is a reviewed change.

use generator::{ErrorKind, Selection, Source, generate};

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

fn doc(rest: &str) -> String {
    format!("{HEAD}{rest}")
}

fn op(path: &str, body: &str) -> String {
    doc(&format!("paths:\n  {path}:\n    get:\n{body}"))
}

fn nested(depth: usize) -> String {
    let mut text = String::from("x");
    for _ in 0..depth {
        text = format!("[{text}]");
    }
    doc(&format!("paths: {{}}\nx-deep: {text}\n"))
}

fn cases() -> Vec<(&'static str, Vec<u8>, Selection, ErrorKind)> {
    let all = Selection::All;
    let ok_op =
        "      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok}}\n";
    vec![
        ("empty", b"".to_vec(), all.clone(), ErrorKind::Empty),
        ("blank", b"  \n\n".to_vec(), all.clone(), ErrorKind::Empty),
        ("invalid_utf8", b"openapi: 3.0.3\ninfo: \xff\xfe\n".to_vec(), all.clone(), ErrorKind::Syntax),
        ("invalid_yaml", b"openapi: 3.0.3\ninfo: [unclosed\n".to_vec(), all.clone(), ErrorKind::Syntax),
        ("yaml_list", b"- openapi\n- 3.0.3\n".to_vec(), all.clone(), ErrorKind::NotOpenApi),
        ("scalar", b"just text\n".to_vec(), all.clone(), ErrorKind::NotOpenApi),
        ("swagger_2", b"swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n".to_vec(), all.clone(), ErrorKind::NotOpenApi),
        ("openapi_3_1", b"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n".to_vec(), all.clone(), ErrorKind::NotOpenApi),
        ("no_openapi_field", b"info: {title: t, version: '1'}\npaths: {}\n".to_vec(), all.clone(), ErrorKind::NotOpenApi),
        ("openapi_not_a_string", b"openapi: [3]\ninfo: {title: t, version: '1'}\npaths: {}\n".to_vec(), all.clone(), ErrorKind::WrongType),
        ("wrong_type_paths", doc("paths: [1, 2]\n").into_bytes(), all.clone(), ErrorKind::WrongType),
        (
            "wrong_type_required",
            op("/a", "      operationId: A\n      parameters: [{name: a, in: query, required: maybe, schema: {type: string}}]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::WrongType,
        ),
        (
            "wrong_type_group",
            op("/a", "      operationId: A\n      x-speakeasy-group: [a]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::WrongType,
        ),
        (
            "dangling_ref",
            op("/a", "      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Nope'}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::DanglingRef,
        ),
        (
            "dangling_parameter_ref",
            op("/a", "      operationId: A\n      tags: [T]\n      parameters: [{$ref: '#/components/parameters/Nope'}]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::DanglingRef,
        ),
        (
            "ref_cycle",
            doc("components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::RefCycle,
        ),
        (
            "all_of_cycle",
            doc("components:\n  schemas:\n    A: {allOf: [{$ref: '#/components/schemas/A'}]}\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::RefCycle,
        ),
        (
            "array_cycle",
            doc("components:\n  schemas:\n    A: {type: array, items: {$ref: '#/components/schemas/A'}}\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::RefCycle,
        ),
        (
            "duplicate_operation_id",
            doc(&format!("paths:\n  /a:\n    get:\n{ok_op}  /b:\n    get:\n{ok_op}")).into_bytes(),
            all.clone(),
            ErrorKind::DuplicateOperationId,
        ),
        (
            "undeclared_path_parameter",
            op("/a/{id}", ok_op).into_bytes(),
            all.clone(),
            ErrorKind::UndeclaredPathParameter,
        ),
        (
            "unused_path_parameter",
            op("/a", "      operationId: A\n      tags: [T]\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::UndeclaredPathParameter,
        ),
        (
            "colliding_schema_names",
            doc(&format!("components:\n  schemas:\n    Foo.Bar: {{type: object, properties: {{a: {{type: string}}}}}}\n    FooBar: {{type: object, properties: {{a: {{type: string}}}}}}\npaths:\n  /a:\n    get:\n{ok_op}")).into_bytes(),
            all.clone(),
            ErrorKind::NameCollision,
        ),
        (
            "colliding_method_names",
            doc("paths:\n  /a:\n    get:\n      operationId: GetA\n      x-speakeasy-group: g\n      x-speakeasy-name-override: get\n      responses: {'200': {description: ok}}\n  /b:\n    get:\n      operationId: GetB\n      x-speakeasy-group: g\n      x-speakeasy-name-override: get\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::NameCollision,
        ),
        ("too_deep", nested(200).into_bytes(), all.clone(), ErrorKind::TooDeep),
        (
            "empty_selection",
            op("/a", ok_op).into_bytes(),
            Selection::parse("nosuchgroup").unwrap_or_default(),
            ErrorKind::EmptySelection,
        ),
        (
            "missing_operation_id",
            op("/a", "      tags: [T]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "form_not_an_object",
            doc("paths:\n  /a:\n    post:\n      operationId: A\n      tags: [T]\n      requestBody: {content: {application/x-www-form-urlencoded: {schema: {type: string}}}}\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "form_encoding_of_no_member",
            doc("paths:\n  /a:\n    post:\n      operationId: A\n      tags: [T]\n      requestBody: {content: {application/x-www-form-urlencoded: {schema: {type: object, properties: {a: {type: string}}}, encoding: {b: {style: deepObject}}}}}\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "no_group_at_all",
            op("/v1/{id}", "      operationId: A\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "undeclared_security_scheme",
            op("/a", "      operationId: A\n      tags: [T]\n      security: [{apiKey: []}]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::DanglingRef,
        ),
        (
            "digest_security_scheme",
            doc("components: {securitySchemes: {d: {type: http, scheme: digest}}}\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "undeclared_server_variable",
            doc("servers: [{url: 'https://{region}.example.com'}]\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "multipart_not_an_object",
            doc("paths:\n  /a:\n    post:\n      operationId: A\n      tags: [T]\n      requestBody: {content: {multipart/form-data: {schema: {type: string, format: binary}}}}\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "multipart_object_part",
            doc("paths:\n  /a:\n    post:\n      operationId: A\n      tags: [T]\n      requestBody: {content: {multipart/form-data: {schema: {type: object, properties: {meta: {type: object, properties: {a: {type: string}}}}}}}}\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "cookie_parameter",
            op("/a", "      operationId: A\n      tags: [T]\n      parameters: [{name: session, in: cookie, schema: {type: string}}]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "object_query_parameter",
            op("/a", "      operationId: A\n      tags: [T]\n      parameters: [{name: filter, in: query, style: deepObject, schema: {type: object, properties: {a: {type: string}}}}]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "list_path_parameter",
            op("/a/{ids}", "      operationId: A\n      tags: [T]\n      parameters: [{name: ids, in: path, required: true, schema: {type: array, items: {type: string}}}]\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "one_of_beside_properties",
            op("/a", "      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object, properties: {a: {type: string}}, oneOf: [{type: object, properties: {b: {type: string}}}, {type: string}]}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "one_of_and_any_of",
            op("/a", "      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {oneOf: [{type: string}, {type: integer}], anyOf: [{type: string}, {type: boolean}]}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "discriminator_without_value",
            op("/a", "      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {oneOf: [{type: object, properties: {kind: {type: string}}}, {type: object, properties: {n: {type: integer}}}], discriminator: {propertyName: kind}}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "discriminator_mapping_to_a_stranger",
            doc("components:\n  schemas:\n    A: {type: object, properties: {kind: {type: string}}}\n    B: {type: object, properties: {kind: {type: string}}}\n    C: {type: object, properties: {kind: {type: string}}}\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}], discriminator: {propertyName: kind, mapping: {c: '#/components/schemas/C'}}}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "duplicate_discriminator_value",
            doc("components:\n  schemas:\n    A: {type: object, properties: {kind: {type: string, enum: [same]}}}\n    B: {type: object, properties: {kind: {type: string, enum: [same]}}}\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}], discriminator: {propertyName: kind}}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::NameCollision,
        ),
        (
            "required_alternative_is_no_member",
            doc("paths:\n  /a:\n    post:\n      operationId: A\n      tags: [T]\n      requestBody: {content: {application/json: {schema: {type: object, properties: {a: {type: string}}, anyOf: [{required: [a]}, {required: [b]}]}}}}\n      responses: {'200': {description: ok}}\n").into_bytes(),
            all.clone(),
            ErrorKind::Unsupported,
        ),
        (
            "one_of_of_itself",
            doc("components:\n  schemas:\n    A: {oneOf: [{$ref: '#/components/schemas/B'}, {type: string}]}\n    B: {oneOf: [{$ref: '#/components/schemas/A'}, {type: integer}]}\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}}\n").into_bytes(),
            all.clone(),
            ErrorKind::RefCycle,
        ),
        (
            "external_ref",
            op("/a", "      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: 'other.yml#/X'}}}}}\n").into_bytes(),
            all,
            ErrorKind::Unsupported,
        ),
    ]
}

#[test]
fn each_kind_of_bad_input_gets_a_located_message() {
    for (name, bytes, selection, kind) in cases() {
        let result = std::panic::catch_unwind(|| {
            generate(
                Source {
                    name: "bad.yml",
                    bytes: &bytes,
                },
                &selection,
            )
        });
        let result = match result {
            Ok(result) => result,
            Err(_) => panic!("case {name}: the generator panicked"),
        };
        let error = match result {
            Ok(_) => panic!("case {name}: expected an error, got generated code"),
            Err(error) => error,
        };
        assert_eq!(error.kind(), kind, "case {name}: {error}");
        let message = error.to_string();
        assert!(
            message.starts_with("bad.yml: "),
            "case {name}: message does not name the file: {message}"
        );
        insta::assert_snapshot!(name, message);
    }
}

#[test]
fn a_selection_that_parses_to_nothing_is_rejected() {
    assert!(Selection::parse(" , ").is_err());
    assert_eq!(Selection::parse("ALL"), Ok(Selection::All));
}
