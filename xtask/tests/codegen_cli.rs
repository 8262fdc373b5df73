//! `cargo xtask codegen` refuses bad usage and bad input with exit status 2, naming the file, writing nothing.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
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

fn xtask<S: AsRef<OsStr>>(args: &[S]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn workspace_spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/clerk-bapi.yml")
}

/// Every file under `dir` with its contents, to compare before and after a run.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.insert(path.clone(), b"<dir>".to_vec());
                pending.push(path);
            } else {
                files.insert(path.clone(), fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A temporary directory with an empty `out/`.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("out")).unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn out(&self) -> PathBuf {
        self.path("out")
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, contents).unwrap();
        path
    }

    /// Runs `codegen --spec <spec> --out <out>` plus `extra`, expecting it to refuse the input.
    fn expect_bad_input(&self, spec: &Path, extra: &[&str], names: &[&str]) -> Run {
        let before = tree(&self.out());
        let mut args: Vec<OsString> = vec![
            "codegen".into(),
            "--spec".into(),
            spec.into(),
            "--out".into(),
            self.out().into(),
        ];
        args.extend(extra.iter().map(OsString::from));
        let run = xtask(&args);
        assert_eq!(run.code, Some(2), "{run}");
        assert!(run.stderr.starts_with("error: "), "{run}");
        for name in names {
            assert!(
                run.stderr.contains(name),
                "stderr should name {name}\n{run}"
            );
        }
        assert!(!run.stderr.contains("panicked"), "{run}");
        assert_eq!(run.stdout, "", "{run}");
        assert_eq!(
            tree(&self.out()),
            before,
            "the output directory changed\n{run}"
        );
        run
    }
}

// Usage.

#[test]
fn help_lists_codegen_and_its_options() {
    let run = xtask(&["--help"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("Usage: cargo xtask <COMMAND>"), "{run}");
    for command in ["codegen", "verify", "bench", "fuzz"] {
        assert!(run.stdout.contains(command), "{command}\n{run}");
    }

    let run = xtask(&["codegen", "--help"]);
    assert_eq!(run.code, Some(0), "{run}");
    for option in [
        "--spec <PATH>",
        "--select <GROUPS|all>",
        "--out <DIR>",
        "--check",
        "generated-client/Cargo.toml",
    ] {
        assert!(run.stdout.contains(option), "{option}\n{run}");
    }
    assert_eq!(run.stderr, "");
}

#[test]
fn usage_errors_exit_2_with_the_usage() {
    for (args, message) in [
        (&[][..], "Usage: cargo xtask <COMMAND>"),
        (&["frobnicate"][..], "unrecognized subcommand 'frobnicate'"),
        (&["codegen", "--frob"][..], "unexpected argument '--frob'"),
        (
            &["codegen", "--spec"][..],
            "a value is required for '--spec <PATH>'",
        ),
        (&["codegen", "--select", ","][..], "the selection is empty"),
        (&["codegen", "stray"][..], "unexpected argument 'stray'"),
    ] {
        let run = xtask(args);
        assert_eq!(run.code, Some(2), "{args:?}\n{run}");
        assert!(run.stderr.contains(message), "{args:?}\n{run}");
        assert!(run.stderr.contains("--help"), "{args:?}\n{run}");
        assert_eq!(run.stdout, "", "{args:?}\n{run}");
    }
}

// Unreadable documents: refused before the generator runs.

#[test]
fn missing_spec_file() {
    let s = Scratch::new();
    let spec = s.path("nope.yml");
    let run = s.expect_bad_input(&spec, &[], &["nope.yml"]);
    assert!(
        run.stderr
            .starts_with(&format!("error: {}: cannot read: ", spec.display())),
        "{run}"
    );
}

#[test]
fn directory_as_spec() {
    let s = Scratch::new();
    fs::create_dir(s.path("specdir.yml")).unwrap();
    let run = s.expect_bad_input(&s.path("specdir.yml"), &[], &["specdir.yml", "cannot read"]);
    assert!(run.stderr.contains("directory"), "{run}");
}

#[test]
fn unreadable_spec_leaves_existing_output_alone() {
    let s = Scratch::new();
    fs::create_dir(s.path("out/generated")).unwrap();
    s.write("out/generated/machines.rs", "// hand-placed\n");
    s.write("out/generated/stray.rs", "// would be an orphan\n");
    s.expect_bad_input(&s.path("missing.yml"), &[], &["missing.yml"]);
    assert_eq!(
        fs::read_to_string(s.path("out/generated/machines.rs")).unwrap(),
        "// hand-placed\n"
    );
    assert!(s.path("out/generated/stray.rs").exists());
}

// Invalid documents: refused by the generator, with the file named by the error.

#[test]
fn empty_spec() {
    let s = Scratch::new();
    s.expect_bad_input(&s.write("empty.yml", ""), &[], &["empty.yml"]);
}

#[test]
fn invalid_yaml() {
    let s = Scratch::new();
    let spec = s.write("broken.yml", "openapi: 3.0.3\ninfo: [unclosed\npaths: {}\n");
    s.expect_bad_input(&spec, &[], &["broken.yml"]);
}

#[test]
fn invalid_utf8() {
    let s = Scratch::new();
    let spec = s.write(
        "latin1.yml",
        b"openapi: 3.0.3\ninfo:\n  title: caf\xe9\n  version: '1'\npaths: {}\n",
    );
    s.expect_bad_input(&spec, &[], &["latin1.yml"]);
}

#[test]
fn swagger_2_document() {
    let s = Scratch::new();
    let spec = s.write(
        "swagger.yml",
        "swagger: '2.0'\ninfo:\n  title: Old\n  version: '1'\npaths: {}\n",
    );
    s.expect_bad_input(&spec, &[], &["swagger.yml"]);
}

#[test]
fn openapi_3_1_document() {
    let s = Scratch::new();
    let spec = s.write(
        "three-one.yml",
        "openapi: 3.1.0\ninfo:\n  title: New\n  version: '1'\npaths: {}\n",
    );
    s.expect_bad_input(&spec, &[], &["three-one.yml"]);
}

#[test]
fn yaml_list_document() {
    let s = Scratch::new();
    s.expect_bad_input(
        &s.write("list.yml", "- openapi\n- 3.0.3\n"),
        &[],
        &["list.yml"],
    );
}

#[test]
fn selection_matching_nothing() {
    let s = Scratch::new();
    s.expect_bad_input(
        &workspace_spec(),
        &["--select", "nosuchgroup"],
        &["clerk-bapi.yml", "nosuchgroup"],
    );
}

#[test]
fn invalid_spec_leaves_existing_output_alone() {
    let s = Scratch::new();
    fs::create_dir(s.path("out/generated")).unwrap();
    s.write("out/generated/machines.rs", "// hand-placed\n");
    s.write("out/generated/stray.rs", "// would be an orphan\n");
    let spec = s.write("broken.yml", "openapi: 3.0.3\ninfo: [unclosed\n");
    s.expect_bad_input(&spec, &[], &["broken.yml"]);
    s.expect_bad_input(&spec, &["--check"], &["broken.yml"]);
    assert_eq!(
        fs::read_to_string(s.path("out/generated/machines.rs")).unwrap(),
        "// hand-placed\n"
    );
    assert!(s.path("out/generated/stray.rs").exists());
}
