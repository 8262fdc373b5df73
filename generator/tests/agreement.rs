//! Clerk's published document and the project's own document give the same generated code for the
//! Machines selection, comments and doc attributes aside: no emitted code may depend on prose.
//!
//! The published documents are test data in `../shared/specs/clerk-bapi/` beside the project; they are
//! never copied into it. CI always has them, so their absence fails the test rather than skipping it.

use generator::{Selection, Source, generate};

fn workspace_file(relative: &str) -> (String, Vec<u8>) {
    let path = format!("{}/../{relative}", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read(&path) {
        Ok(bytes) => (path, bytes),
        Err(error) => panic!(
            "{path}: cannot read ({error}); the upstream documents live in ../shared beside the project"
        ),
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
    let (upstream_path, upstream) = workspace_file("../shared/specs/clerk-bapi/2026-05-12.yml");
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
    let (upstream_path, upstream) = workspace_file("../shared/specs/clerk-bapi/2026-05-12.yml");
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
