//! The whole of each of Clerk's published documents generates, and what trips other generators on
//! them comes out right. The documents are test data in `../shared/specs/clerk-bapi/` beside the
//! project, never copied into it. A clone on its own skips these tests; under `CI=true`, or when
//! `../shared` exists, their absence fails them (see
//! `generator/tests/support/shared_documents.rs`).
//!
//! Compiling the result is `cargo xtask verify`'s job; these tests pin down the facts of the
//! generated code that matter to users, quickly and without a compiler.

use std::collections::BTreeMap;

use generator::{Output, Selection, Source, generate};
use quote::ToTokens;

#[path = "support/shared_documents.rs"]
mod shared_documents;

/// Each document and how many operations it has.
const DOCUMENTS: [(&str, usize); 3] = [
    ("2025-04-10", 219),
    ("2025-11-10", 239),
    ("2026-05-12", 249),
];

/// The whole of one document generated, or `None` when the documents are absent and the test is
/// skipped (see `generator/tests/support/shared_documents.rs`).
fn generate_all(version: &str) -> Option<Output> {
    let path = shared_documents::document(&format!("clerk-bapi/{version}.yml"))?;
    let path = path.display().to_string();
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    Some(
        match generate(
            Source {
                name: &path,
                bytes: &bytes,
            },
            &Selection::All,
        ) {
            Ok(output) => output,
            Err(error) => panic!("{version} does not generate: {error}"),
        },
    )
}

fn file<'a>(output: &'a Output, name: &str) -> &'a str {
    output
        .files
        .get(&format!("generated/{name}"))
        .unwrap_or_else(|| panic!("no generated/{name}"))
}

/// The generated types file, parsed: each struct's fields and each enum's variants, by type name,
/// with their types written out as tokens (`:: std :: string :: String`).
fn members(output: &Output) -> BTreeMap<String, Vec<(String, String)>> {
    let types: syn::File = syn::parse_str(file(output, "types.rs")).expect("types.rs parses");
    let mut members = BTreeMap::new();
    for item in types.items {
        let (name, list): (String, Vec<(String, String)>) = match item {
            syn::Item::Struct(s) => (
                s.ident.to_string(),
                s.fields
                    .iter()
                    .map(|f| {
                        let name = f
                            .ident
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        (name, f.ty.to_token_stream().to_string())
                    })
                    .collect(),
            ),
            syn::Item::Enum(e) => (
                e.ident.to_string(),
                e.variants
                    .iter()
                    .map(|v| (v.ident.to_string(), v.fields.to_token_stream().to_string()))
                    .collect(),
            ),
            _ => continue,
        };
        members.insert(name, list);
    }
    members
}

fn member<'a>(
    members: &'a BTreeMap<String, Vec<(String, String)>>,
    ty: &str,
    name: &str,
) -> &'a str {
    members
        .get(ty)
        .and_then(|list| list.iter().find(|(n, _)| n == name))
        .map(|(_, ty)| ty.as_str())
        .unwrap_or_else(|| panic!("{ty} has no member {name}"))
}

#[test]
fn every_operation_of_every_document_is_generated() {
    for (version, operations) in DOCUMENTS {
        let Some(output) = generate_all(version) else {
            return;
        };
        assert_eq!(output.operations, operations, "{version}");
    }
}

/// `serde_json::Value` stands only for what the document leaves open: the `Unknown` variant of
/// enums, JSON objects of arbitrary members, and members whose schema is `{}` (the `claims` of API
/// keys and M2M tokens). No `oneOf`, `anyOf` or `not` falls back to it.
#[test]
fn json_values_only_stand_for_what_the_document_leaves_open() {
    const OBJECT: &str =
        ":: serde_json :: Map < :: std :: string :: String , :: serde_json :: Value >";
    for (version, _) in DOCUMENTS {
        let Some(output) = generate_all(version) else {
            return;
        };
        for (ty, list) in members(&output) {
            for (name, member_ty) in list {
                let open = member_ty
                    .replace(OBJECT, "")
                    .contains(":: serde_json :: Value");
                let allowed =
                    name == "Unknown" || name == "claims" || name == "additional_properties";
                assert!(!open || allowed, "{version}: {ty}.{name} is {member_ty}");
            }
        }
    }
}

#[test]
fn verification_one_ofs_are_enums_chosen_by_object_with_an_unknown_variant() {
    let Some(output) = generate_all("2026-05-12") else {
        return;
    };
    let members = members(&output);
    assert_eq!(
        member(&members, "EmailAddress", "verification"),
        ":: std :: option :: Option < EmailAddressVerification >"
    );
    let variants: Vec<&str> = members["EmailAddressVerification"]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        variants,
        [
            "Otp",
            "Admin",
            "FromOAuth",
            "Ticket",
            "Saml",
            "EmailLink",
            "Scim",
            "Unknown"
        ]
    );
    let types = file(&output, "types.rs");
    assert!(types.contains(r#"crate::runtime::tag(&value, "object")"#));
    // Single-member oneOf + nullable is the member in an Option.
    assert_eq!(
        member(&members, "Oauth", "error"),
        ":: std :: option :: Option < ClerkError >"
    );
    // Without a discriminator, private keys are tried before the public keys they contain.
    let keys: Vec<&str> = members["JwksKeysItem"]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let position = |name: &str| keys.iter().position(|k| *k == name).unwrap_or(usize::MAX);
    assert!(
        position("JwksEcdsaPrivateKey") < position("JwksEcdsaPublicKey"),
        "{keys:?}"
    );
    assert!(
        position("JwksEd25519PrivateKey") < position("JwksEd25519PublicKey"),
        "{keys:?}"
    );
    assert!(
        position("JwksRsaPrivateKey") < position("JwksRsaPublicKey"),
        "{keys:?}"
    );
    assert_eq!(keys.last(), Some(&"Unknown"));
    // Private key material is a `Secret`, so `Debug` never prints it.
    assert_eq!(
        member(&members, "JwksEd25519PrivateKey", "d"),
        "crate :: Secret"
    );
    assert_eq!(member(&members, "JwksSymmetricKey", "k"), "crate :: Secret");
    assert_eq!(
        member(&members, "JwksEd25519PrivateKey", "x"),
        ":: std :: string :: String"
    );
    let refresh: Vec<&str> = members["SessionRefresh"]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(refresh, ["Token", "Cookies", "Unknown"]);
}

#[test]
fn required_only_any_of_is_one_struct_with_a_check() {
    let Some(output) = generate_all("2026-05-12") else {
        return;
    };
    let members = members(&output);
    // One struct with both members optional, not an enum repeating every field.
    assert_eq!(
        member(&members, "SamlConnection", "domain"),
        ":: std :: option :: Option < :: std :: string :: String >"
    );
    assert!(members["SamlConnection"].len() > 20);
    let saml = file(&output, "saml_connections.rs");
    assert!(
        saml.contains(
            "crate::runtime::check_alternatives(\n            &[\"domain\", \"domains\"],"
        ),
        "{saml}"
    );
}

#[test]
fn verify_oauth_access_token_decodes_either_answer_and_types_no_error_body() {
    let Some(output) = generate_all("2026-05-12") else {
        return;
    };
    let members = members(&output);
    let variants: Vec<&str> = members["VerifyOAuthAccessTokenResponse"]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        variants,
        ["ClerkIdpOauthAccessToken", "Variant2", "Unknown"]
    );
    let file = file(&output, "oauth_access_tokens.rs");
    assert!(file.contains("crate::Result<crate::types::VerifyOAuthAccessTokenResponse>"));
    // The inline 400 and 404 bodies are errors (`clerk_bapi::Error::Api`), never types.
    assert!(
        !members
            .keys()
            .any(|t| t.starts_with("VerifyOAuthAccessTokenResponse4"))
    );
}

#[test]
fn uploads_are_multipart_with_files_in_memory() {
    let Some(output) = generate_all("2026-05-12") else {
        return;
    };
    let members = members(&output);
    assert_eq!(
        member(&members, "UploadOrganizationLogoParams", "file"),
        "crate :: FilePart"
    );
    assert_eq!(
        member(&members, "SetUserProfileImageParams", "file"),
        ":: std :: option :: Option < crate :: FilePart >"
    );
    for (group, call) in [
        ("users.rs", "req.multipart_file(\"file\", params.file)?;"),
        (
            "organizations.rs",
            "req.multipart_text(\"uploader_user_id\", &params.uploader_user_id);",
        ),
        (
            "oauth_applications.rs",
            "req.multipart_file(\"file\", params.file)?;",
        ),
    ] {
        assert!(file(&output, group).contains(call), "{group} lacks {call}");
    }
}

#[test]
fn the_interstitial_sends_both_frontend_api_parameters_as_text_without_a_key() {
    let Some(output) = generate_all("2026-05-12") else {
        return;
    };
    let members = members(&output);
    assert_eq!(
        member(&members, "GetPublicInterstitialParams", "frontend_api"),
        ":: std :: option :: Option < :: std :: string :: String >"
    );
    let code = output
        .files
        .values()
        .find(|text| text.contains("\"GetPublicInterstitial\""))
        .expect("GetPublicInterstitial is generated");
    for call in [
        "req.query(\"frontendApi\", &params.frontend_api_2);",
        "req.query(\"frontend_api\", &params.frontend_api);",
        "req.no_auth();",
        "self.inner.send_text(req).await",
    ] {
        assert!(code.contains(call), "GetPublicInterstitial lacks {call}");
    }
}

#[test]
fn integers_without_a_format_are_i64_and_list_filters_keep_their_style() {
    let Some(output) = generate_all("2026-05-12") else {
        return;
    };
    let members = members(&output);
    // A millisecond timestamp (documented example 1700690400000) does not fit an i32.
    assert_eq!(
        member(&members, "GetUserListParams", "last_active_at_before"),
        ":: std :: option :: Option < i64 >"
    );
    assert_eq!(member(&members, "User", "created_at"), "i64");
    assert!(
        file(&output, "organization_domains.rs")
            .contains("req.query_csv(\"enrollment_mode\", &params.enrollment_mode);")
    );
}

#[test]
fn the_api_version_is_the_only_thing_taken_from_info_version() {
    for (version, _) in DOCUMENTS {
        let Some(output) = generate_all(version) else {
            return;
        };
        let root = file(&output, "mod.rs");
        assert!(root.contains(&format!("pub const API_VERSION: &str = \"{version}\";")));
        // Prose may name the version ("As of API version 2026-05-12, ..."); code may not.
        let mentions = output
            .files
            .values()
            .flat_map(|text| text.lines())
            .filter(|line| {
                let line = line.trim_start();
                !(line.starts_with("//") || line.starts_with("#[doc") || line.starts_with("#![doc"))
            })
            .filter(|line| line.contains(version))
            .count();
        assert_eq!(mentions, 1, "{version} appears elsewhere than API_VERSION");
    }
}

/// The pointers of the mappings under `node` that carry an `example`, not looking inside examples.
fn example_pointers(node: &serde_yaml::Value, pointer: &str, found: &mut Vec<String>) {
    match node {
        serde_yaml::Value::Mapping(mapping) => {
            for (key, value) in mapping {
                let Some(key) = key.as_str() else { continue };
                if key == "example" {
                    found.push(pointer.to_owned());
                } else {
                    let token = key.replace('~', "~0").replace('/', "~1");
                    example_pointers(value, &format!("{pointer}/{token}"), found);
                }
            }
        }
        serde_yaml::Value::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                example_pointers(item, &format!("{pointer}/{index}"), found);
            }
        }
        _ => {}
    }
}

/// Every example of every document is reported with a type to round-trip through (which
/// `cargo xtask verify` then does), including those inside error answers, which decode into the
/// runtime's `ClerkErrors`: their messages and codes are strings of `ClerkError`.
#[test]
fn every_example_is_reported_with_a_type_and_error_answers_with_the_runtime_s() {
    for (version, _) in DOCUMENTS {
        let Some(path) = shared_documents::document(&format!("clerk-bapi/{version}.yml")) else {
            return;
        };
        let text = std::fs::read_to_string(&path).expect("the document is readable");
        let document: serde_yaml::Value = serde_yaml::from_str(&text).expect("the document parses");
        let mut expected = Vec::new();
        example_pointers(&document, "", &mut expected);
        expected.sort();
        let Some(output) = generate_all(version) else {
            return;
        };
        let mut reported: Vec<&str> = output.examples.iter().map(|e| e.pointer.as_str()).collect();
        reported.sort_unstable();
        assert_eq!(reported, expected, "{version}");
        let in_errors: Vec<_> = output
            .examples
            .iter()
            .filter(|e| e.pointer.contains("/responses/4"))
            .collect();
        assert!(
            in_errors.len() >= 100,
            "{version}: {} in error answers",
            in_errors.len()
        );
        for example in in_errors {
            let expected = if example.pointer.ends_with("/properties/code")
                || example.pointer.ends_with("/properties/message")
                || example.pointer.ends_with("/properties/long_message")
            {
                ":: std :: string :: String"
            } else {
                panic!(
                    "{version}: an error example where none was expected: {}",
                    example.pointer
                )
            };
            assert_eq!(example.rust_type, expected, "{}", example.pointer);
        }
    }
}
