//! Two checkouts of the workspace that share one target directory (a common global
//! `CARGO_TARGET_DIR`) share one build of xtask. `cargo xtask codegen` in checkout B must write B,
//! and remove B's orphans, whichever checkout the binary was built in; checkout A stays byte for
//! byte as it was. A run that fails changes nothing in either.
//!
//! The checkouts are copies of this workspace under cargo's scratch directory for integration
//! tests, kept between runs (only changed files are copied again), with their own shared target
//! directory there: the first run builds xtask's dependencies once (a few minutes on two cores).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What is not copied: build output (`target` and any `target-*` beside it), git's and npm's
/// directories, and what `cargo xtask verify` may be filling the verify crate with at the time.
const SKIPPED: [&str; 5] = [
    ".git",
    ".ci/node_modules",
    "xtask/verify-crate/src",
    "xtask/verify-crate/examples.json",
    "xtask/verify-crate/.lock",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Makes `to` a copy of the workspace, writing only the files whose contents differ, so that cargo
/// sees nothing changed in a checkout from one run to the next.
fn sync(from: &Path, to: &Path) {
    let walk = walkdir::WalkDir::new(from)
        .into_iter()
        .filter_entry(|entry| {
            let relative = entry.path().strip_prefix(from).unwrap();
            let build_output =
                entry.depth() == 1 && relative.to_string_lossy().starts_with("target");
            !build_output && !SKIPPED.iter().any(|skipped| relative == Path::new(skipped))
        });
    for entry in walk {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            let contents = fs::read(entry.path()).unwrap();
            if fs::read(&target).ok().as_deref() != Some(&contents[..]) {
                fs::write(&target, contents).unwrap();
            }
        }
    }
}

/// Every file under the client crate's `src/`, with its bytes.
fn client_sources(checkout: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(checkout.join("generated-client/src"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| (entry.path().to_path_buf(), fs::read(entry.path()).unwrap()))
        .collect()
}

/// The committed client made stale: a generated file edited and an orphan beside it.
fn make_stale(checkout: &Path) {
    let generated = checkout.join("generated-client/src/generated");
    let machines = generated.join("machines.rs");
    let mut text = fs::read_to_string(&machines).unwrap();
    text.push_str("// edited by hand\n");
    fs::write(&machines, text).unwrap();
    fs::write(generated.join("orphan.rs"), "// not generated\n").unwrap();
}

/// `cargo <args>` in `checkout`, building in `target`, as a developer with a global
/// `CARGO_TARGET_DIR` would run it.
fn cargo(checkout: &Path, target: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(checkout)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap()
}

fn show(output: &std::process::Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn codegen_in_one_checkout_never_touches_another() {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("two-checkouts");
    let (a, b, target) = (base.join("a"), base.join("b"), base.join("target"));
    for checkout in [&a, &b] {
        sync(&workspace_root(), checkout);
        make_stale(checkout);
    }
    let a_before = client_sources(&a);

    // xtask is built in A, then run in B through the same target directory.
    let built = cargo(&a, &target, &["build", "--quiet", "-p", "xtask"]);
    assert!(built.status.success(), "{}", show(&built));
    let run = cargo(&b, &target, &["xtask", "codegen"]);
    assert!(run.status.success(), "{}", show(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("removed generated-client/src/generated/orphan.rs"),
        "{stdout}"
    );
    let generated_b = b.join("generated-client/src/generated");
    assert!(!generated_b.join("orphan.rs").exists());
    assert_eq!(
        fs::read(generated_b.join("machines.rs")).unwrap(),
        fs::read(workspace_root().join("generated-client/src/generated/machines.rs")).unwrap(),
        "B is regenerated"
    );
    assert_eq!(client_sources(&a), a_before, "A is untouched");
    let check = cargo(&b, &target, &["xtask", "codegen", "--check"]);
    assert!(check.status.success(), "{}", show(&check));
    let check = cargo(&a, &target, &["xtask", "codegen", "--check"]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "A is still stale: {}",
        show(&check)
    );

    // A run that fails in B (its document is broken) changes nothing, in B or in A.
    make_stale(&b);
    let b_before = client_sources(&b);
    let spec = b.join("specs/clerk-bapi.yml");
    let document = fs::read(&spec).unwrap();
    fs::write(&spec, "openapi: 3.0.3\ninfo: [unclosed\n").unwrap();
    let failed = cargo(&b, &target, &["xtask", "codegen"]);
    fs::write(&spec, document).unwrap();
    assert_eq!(failed.status.code(), Some(2), "{}", show(&failed));
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("specs/clerk-bapi.yml"),
        "{}",
        show(&failed)
    );
    assert_eq!(
        client_sources(&b),
        b_before,
        "a failed run wrote nothing in B"
    );
    assert_eq!(client_sources(&a), a_before, "nor in A");
}
