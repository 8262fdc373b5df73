//! Clerk's published document and the project's own document give the same generated code for the
//! Machines selection, comments and doc attributes aside: no emitted code may depend on prose. And
//! the published documents give the committed client and its webhook module, file for file.
//!
//! The published documents are test data in `../shared/specs/` beside the project; they are
//! never copied into it. A clone on its own skips these tests; under `CI=true`, or when `../shared`
//! exists, their absence fails them (see `generator/tests/support/shared_documents.rs`).

use std::collections::BTreeMap;

use generator::{Selection, Source, generate};

#[path = "support/shared_documents.rs"]
mod shared_documents;

fn workspace_file(relative: &str) -> (String, Vec<u8>) {
    let path = format!("{}/../{relative}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    (path, bytes)
}

/// Clerk's 2026-05-12 document, or `None` when the test is skipped.
fn upstream_file() -> Option<(String, Vec<u8>)> {
    let path = shared_documents::document("clerk-bapi/2026-05-12.yml")?;
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    Some((path.display().to_string(), bytes))
}

/// The committed generated files under `generated-client/<out>/generated` (named `generated/...`,
/// as the generator names them).
fn committed_files(out: &str) -> BTreeMap<String, String> {
    let dir = format!(
        "{}/../generated-client/{out}/generated",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut files = BTreeMap::new();
    let mut pending = vec![(std::path::PathBuf::from(&dir), "generated".to_owned())];
    while let Some((dir, prefix)) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let entry = entry.expect("a directory entry");
            let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
            if entry.path().is_dir() {
                pending.push((entry.path(), name));
            } else {
                let text = std::fs::read_to_string(entry.path()).expect("a UTF-8 file");
                files.insert(name, text);
            }
        }
    }
    files
}

/// The published document with the committed client's selection (`generated-client/Cargo.toml`:
/// jwks, m2m, machines) gives the committed client, prose aside: the same set of files, and the same
/// code in each.
#[test]
fn the_published_document_gives_the_committed_client_prose_aside() {
    let Some((upstream_path, upstream)) = upstream_file() else {
        return;
    };
    let source = Source {
        name: &upstream_path,
        bytes: &upstream,
    };
    let selection = Selection::Only(vec!["jwks".into(), "m2m".into(), "machines".into()]);
    let upstream = generate(source, &selection).expect("upstream generates");
    let committed = committed_files("src");
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        upstream.files.keys().collect::<Vec<_>>(),
        "the file sets differ: ours, then upstream's"
    );
    for (path, text) in &committed {
        assert_eq!(
            code_only(text),
            code_only(&upstream.files[path]),
            "{path}: the committed file differs from what the upstream document generates"
        );
    }
}

/// Clerk's published webhook document, with everything selected as the manifest's webhook entry
/// does, gives the committed webhook module (`generated-client/src/webhooks`), prose aside: the same
/// set of files, and the same code in each.
#[test]
fn the_published_webhook_document_gives_the_committed_webhook_module_prose_aside() {
    let Some(path) = shared_documents::document("clerk-webhooks/2025-04-15.yml") else {
        return;
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let name = path.display().to_string();
    let source = Source {
        name: &name,
        bytes: &bytes,
    };
    let upstream =
        generate(source, &Selection::All).expect("the upstream webhook document generates");
    assert!(
        upstream.webhooks > 0,
        "the upstream document gives no webhook event"
    );
    let committed = committed_files("src/webhooks");
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        upstream.files.keys().collect::<Vec<_>>(),
        "the file sets differ: ours, then upstream's"
    );
    for (path, text) in &committed {
        assert_eq!(
            code_only(text),
            code_only(&upstream.files[path]),
            "{path}: the committed file differs from what the upstream webhook document generates"
        );
    }
}

/// Drops documentation and comment lines, which come from the documents' prose.
fn code_only(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let line = line.trim_start();
            !(line.starts_with("//") || line.starts_with("#[doc") || line.starts_with("#![doc"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn upstream_and_project_documents_generate_the_same_machines_code() {
    let (ours_path, ours) = workspace_file("specs/clerk-bapi.yml");
    let Some((upstream_path, upstream)) = upstream_file() else {
        return;
    };
    let ours = generate(
        Source {
            name: &ours_path,
            bytes: &ours,
        },
        &Selection::default(),
    )
    .expect("ours generates");
    let upstream = generate(
        Source {
            name: &upstream_path,
            bytes: &upstream,
        },
        &Selection::default(),
    )
    .expect("upstream generates");
    assert_eq!(
        ours.files.keys().collect::<Vec<_>>(),
        upstream.files.keys().collect::<Vec<_>>()
    );
    for (path, text) in &ours.files {
        let (ours, theirs) = (code_only(text), code_only(&upstream.files[path]));
        if ours != theirs {
            let diff: Vec<String> = ours
                .lines()
                .zip(theirs.lines())
                .filter(|(a, b)| a != b)
                .take(10)
                .map(|(a, b)| format!("  ours:     {a}\n  upstream: {b}"))
                .collect();
            panic!(
                "{path} differs between the project and the upstream document:\n{}",
                diff.join("\n")
            );
        }
    }
}

/// The groups the committed client is generated from (`generated-client/Cargo.toml`): machine
/// management, minting and checking machine tokens, and the key set JWT-format tokens are checked
/// with.
#[test]
fn upstream_and_project_documents_generate_the_same_machine_auth_code() {
    let (ours_path, ours) = workspace_file("specs/clerk-bapi.yml");
    let (upstream_path, upstream) = workspace_file("../shared/specs/clerk-bapi/2026-05-12.yml");
    let selection = Selection::Only(vec!["jwks".into(), "m2m".into(), "machines".into()]);
    let ours = generate(
        Source {
            name: &ours_path,
            bytes: &ours,
        },
        &selection,
    )
    .expect("ours generates");
    let upstream = generate(
        Source {
            name: &upstream_path,
            bytes: &upstream,
        },
        &selection,
    )
    .expect("upstream generates");
    assert_eq!(
        ours.files.keys().collect::<Vec<_>>(),
        [
            "generated/jwks.rs",
            "generated/m2m.rs",
            "generated/machines.rs",
            "generated/mod.rs",
            "generated/testing.rs",
            "generated/types.rs"
        ]
    );
    assert_eq!(
        ours.files.keys().collect::<Vec<_>>(),
        upstream.files.keys().collect::<Vec<_>>()
    );
    for (path, text) in &ours.files {
        assert_eq!(
            code_only(text),
            code_only(&upstream.files[path]),
            "{path} differs"
        );
    }
}

#[test]
fn every_group_of_the_project_document_matches_upstream() {
    let (ours_path, ours) = workspace_file("specs/clerk-bapi.yml");
    let Some((upstream_path, upstream)) = upstream_file() else {
        return;
    };
    let all = generate(
        Source {
            name: &ours_path,
            bytes: &ours,
        },
        &Selection::All,
    )
    .expect("ours generates");
    let groups: Vec<String> = all
        .files
        .keys()
        .filter_map(|p| {
            p.strip_prefix("generated/")?
                .strip_suffix(".rs")
                .map(str::to_owned)
        })
        .filter(|m| m != "mod" && m != "types")
        .collect();
    let selection = Selection::Only(groups);
    let ours = generate(
        Source {
            name: &ours_path,
            bytes: &ours,
        },
        &selection,
    )
    .expect("ours generates");
    let upstream = generate(
        Source {
            name: &upstream_path,
            bytes: &upstream,
        },
        &selection,
    )
    .expect("upstream generates");
    for (path, text) in &ours.files {
        assert_eq!(
            code_only(text),
            code_only(&upstream.files[path]),
            "{path} differs"
        );
    }
}
