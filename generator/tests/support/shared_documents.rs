//! The one rule for tests that read Clerk's published documents, which are test data in
//! `../shared/specs/` beside the workspace and never part of it. Each such test includes this file
//! (`#[path = ".../generator/tests/support/shared_documents.rs"] mod shared_documents;`), from any
//! crate of the workspace.
//!
//! A clone on its own (no `../shared` beside it, `CI` not `true`) skips those tests, saying where
//! the documents come from. Under `CI=true`, or whenever `../shared` exists, a missing document
//! fails the test: CI never passes by skipping.

use std::path::{Path, PathBuf};

/// `../shared` beside the workspace: beside the nearest directory above the including crate whose
/// `Cargo.toml` declares the `[workspace]`, so that the including crate may sit at any depth.
fn shared_dir() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = crate_dir
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
        })
        .unwrap_or_else(|| panic!("no workspace above {}", crate_dir.display()));
    root.join("../shared")
}

/// The path of `../shared/specs/<relative>`, or `None` when the test is to be skipped (after saying
/// so). Panics when the document is missing and must not be: under `CI=true`, or when
/// `../shared` exists.
pub fn document(relative: &str) -> Option<PathBuf> {
    let shared = shared_dir();
    let path = shared.join("specs").join(relative);
    if path.is_file() {
        return Some(path);
    }
    let ci = std::env::var("CI").is_ok_and(|value| value == "true");
    if ci || shared.exists() {
        panic!(
            "{} is missing: the tests read Clerk's published documents from ../shared/specs/ \
             beside the workspace (CI={}, ../shared {})",
            path.display(),
            if ci { "true" } else { "unset" },
            if shared.exists() {
                "exists"
            } else {
                "is absent"
            },
        );
    }
    println!(
        "skipped: {} is absent. This test reads Clerk's published OpenAPI documents: clone Clerk's \
         public repository clerk/openapi-specs and lay it out as ../shared/specs/ beside the \
         workspace (../shared/specs/{relative}).",
        path.display()
    );
    None
}
