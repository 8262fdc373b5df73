//! `cargo xtask verify`: exit 2 before any build on bad input, 0 on our document, 1 naming a bad example's pointer.
//!
//! The last test builds the verify crate (xtask/verify-crate) in the target directory `target/verify`, so
//! the first run compiles the dependencies (a few minutes on two cores); later runs reuse them.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `cargo xtask <args>` from the workspace root, as a developer would.
fn xtask<S: AsRef<OsStr>>(args: &[S]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("xtask runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Asserts a refusal: exit 2, nothing on stdout (so nothing was built), and an error naming each of `names`.
fn assert_refused(run: &Run, names: &[&str]) {
    assert_eq!(run.code, Some(2), "{run}");
    assert_eq!(run.stdout, "", "{run}");
    assert!(run.stderr.starts_with("error: "), "{run}");
    for name in names {
        assert!(
            run.stderr.contains(name),
            "stderr should name {name}\n{run}"
        );
    }
    assert!(!run.stderr.contains("panicked"), "{run}");
}

#[test]
fn help_lists_verify_and_its_options() {
    let run = xtask(&["--help"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("verify"), "{run}");

    let run = xtask(&["verify", "--help"]);
    assert_eq!(run.code, Some(0), "{run}");
    for option in [
        "--spec <PATH>",
        "--keep",
        "xtask/verify-crate",
        "round-trip",
    ] {
        assert!(run.stdout.contains(option), "{option}\n{run}");
    }
}

#[test]
fn usage_errors_exit_2_with_the_usage() {
    for (args, expected) in [
        (&["verify", "--frob"][..], "unexpected argument '--frob'"),
        (
            &["verify", "--spec"][..],
            "a value is required for '--spec <PATH>'",
        ),
        (&["verify", "extra"][..], "unexpected argument 'extra'"),
        (
            &["verify", "--keep=1"][..],
            "unexpected value '1' for '--keep'",
        ),
        (
            &["verify", "--allow-skipped"][..],
            "unexpected argument '--allow-skipped'",
        ),
    ] {
        let run = xtask(args);
        assert_eq!(run.code, Some(2), "{args:?}\n{run}");
        assert_eq!(run.stdout, "", "{run}");
        assert!(run.stderr.contains(expected), "{expected}\n{run}");
        assert!(run.stderr.contains("--help"), "{run}");
    }
}

#[test]
fn unusable_documents_exit_2_before_anything_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yml");
    let run = xtask(&[
        OsStr::new("verify"),
        OsStr::new("--spec"),
        missing.as_os_str(),
    ]);
    assert_refused(&run, &[&format!("{}: cannot read", missing.display())]);

    // Every document is read before the first is built: a missing second one stops the run at once.
    let run = xtask(&[
        OsStr::new("verify"),
        OsStr::new("--spec"),
        OsStr::new("specs/clerk-bapi.yml"),
        OsStr::new("--spec"),
        missing.as_os_str(),
    ]);
    assert_refused(&run, &["missing.yml: cannot read"]);

    let run = xtask(&[
        OsStr::new("verify"),
        OsStr::new("--spec"),
        dir.path().as_os_str(),
    ]);
    assert_refused(&run, &["cannot read: it is a directory"]);

    let invalid = dir.path().join("swagger.yml");
    fs::write(
        &invalid,
        "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n",
    )
    .unwrap();
    let run = xtask(&[
        OsStr::new("verify"),
        OsStr::new("--spec"),
        invalid.as_os_str(),
    ]);
    assert_refused(&run, &["swagger.yml"]);
}

/// A document with three examples that do not round-trip: an integer whose example is a word (it does
/// not decode), an object whose example has a member the type does not know (it is dropped), and an
/// error of an error answer without the `code` every Clerk error has (error answers decode into the
/// runtime's `ClerkErrors`, so their examples are checked against it). The others check the
/// normalisations: an integer example of a `number` comes back as a float, and `null` for an optional
/// member may come back absent; and a whole error answer round-trips through `ClerkErrors`.
const ONE_BAD_EXAMPLE: &str = "\
openapi: 3.0.3
info: {title: examples, version: '2026-05-12'}
servers: [{url: 'https://api.example.test/v1'}]
security: [{bearerAuth: []}]
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
paths:
  /things:
    get:
      operationId: GetThing
      x-speakeasy-group: things
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  count: {type: integer, example: many}
                  ratio: {type: number, example: 3}
                  owner:
                    type: object
                    properties:
                      name: {type: string}
                      age: {type: integer}
                      nickname: {type: string, nullable: true}
                    example: {name: Ada, age: 36, nickname: null}
                  editor:
                    type: object
                    properties:
                      name: {type: string}
                    example: {name: Grace, team: compilers}
        '400':
          description: refused
          content:
            application/json:
              schema:
                type: object
                properties:
                  errors:
                    type: array
                    items:
                      type: object
                      properties:
                        code: {type: string, example: form_param_missing}
                        message: {type: string}
                      example: {message: no code}
                  clerk_trace_id: {type: string}
                example:
                  errors: [{code: c, message: m, long_message: l, meta: {param_name: name}}]
                  clerk_trace_id: t
";

/// Both runs fill the workspace's one verify crate, so they run one after the other, in one test.
#[test]
fn a_bad_example_fails_naming_its_pointer_and_the_project_document_verifies() {
    let verify_crate = workspace_root().join("xtask/verify-crate");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("one-bad-example.yml");
    fs::write(&spec, ONE_BAD_EXAMPLE).unwrap();
    let run = xtask(&[
        OsStr::new("verify"),
        OsStr::new("--spec"),
        spec.as_os_str(),
        OsStr::new("--keep"),
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    let schema = "/paths/~1things/get/responses/200/content/application~1json/schema/properties";
    for line in [
        "error: 3 of 7 examples do not round-trip:\n".to_owned(),
        "\n  /paths/~1things/get/responses/400/content/application~1json/schema/properties/errors/items \
         (crate::ClerkError): does not decode: missing field `code`\n"
            .to_owned(),
        format!(
            "\n  {schema}/count (i64): does not decode: invalid type: string \"many\", expected i64\n"
        ),
        // The inline type's name is the generator's business; the pointer and the difference are ours.
        format!("\n  {schema}/editor (crate::types::"),
        "): encodes back differently: at /team: \"compilers\" was dropped\n".to_owned(),
    ] {
        assert!(run.stdout.contains(&line), "{line}\n{run}");
    }
    for good in ["ratio", "owner"] {
        assert!(
            !run.stdout.contains(&format!("{schema}/{good} (")),
            "{good}\n{run}"
        );
    }
    let error = "/paths/~1things/get/responses/400/content/application~1json/schema";
    for good in [
        format!("{error} ("),
        format!("{error}/properties/errors/items/properties/code ("),
    ] {
        assert!(!run.stdout.contains(&good), "{good}\n{run}");
    }
    assert!(run.stdout.contains("\nclippy: no warnings\n"), "{run}");
    assert!(
        run.stdout.ends_with(&format!(
            "cargo test -p clerk-bapi-verify\n1 of 1 document failed verification: {}\n",
            spec.display()
        )),
        "{run}"
    );
    // Kept: the generated modules, and the examples the one round-trip test reads.
    assert!(verify_crate.join("src/generated/mod.rs").is_file());
    let examples = fs::read_to_string(verify_crate.join("examples.json")).unwrap();
    assert_eq!(examples.matches("\"pointer\"").count(), 7, "{examples}");
    assert!(
        examples.contains(&format!("\"{schema}/count\"")),
        "{examples}"
    );

    let run = xtask(&["verify", "--spec", "specs/clerk-bapi.yml"]);
    assert_eq!(run.code, Some(0), "{run}");
    for line in [
        "== specs/clerk-bapi.yml\n",
        "\nclippy: no warnings\n",
        "\ntests pass: 0 examples round-trip\n",
        "\nok\nverified 1 document\n",
    ] {
        assert!(run.stdout.contains(line), "{line:?}\n{run}");
    }
    let summary = run
        .stdout
        .lines()
        .find(|line| line.starts_with("generated "))
        .unwrap_or_else(|| panic!("no summary line\n{run}"));
    assert!(
        summary.ends_with(" groups") && summary.contains(" operations in "),
        "{run}"
    );
    assert!(
        run.stdout.contains("time: generate "),
        "timings are reported\n{run}"
    );
    // The verify crate is emptied; the dependencies stay in its target directory for the next run.
    assert!(!verify_crate.join("src").exists(), "{run}");
    assert!(!verify_crate.join("examples.json").exists(), "{run}");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from);
    assert!(target.join("verify/debug/deps").is_dir(), "{run}");
}
