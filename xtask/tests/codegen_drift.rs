//! `cargo xtask codegen` writes the client and `--check` catches every kind of drift: stale, missing and orphaned
//! files, and a changed document. Also the CI check itself: the committed client is up to date.

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

fn xtask_in<S: AsRef<OsStr>>(cwd: &Path, args: &[S]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(cwd)
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

/// The `generated/...` files under `out`, sorted, with `/` separators.
fn generated_files(out: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut pending = vec![(out.join("generated"), "generated".to_owned())];
    while let Some((dir, prefix)) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let key = format!("{prefix}/{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                pending.push((entry.path(), key));
            } else {
                files.push(key);
            }
        }
    }
    files.sort();
    files
}

/// A temporary directory where `codegen --spec <workspace spec> --out <tmp>/out` has run.
struct Generated {
    dir: tempfile::TempDir,
    spec: PathBuf,
}

impl Generated {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let generated = Generated {
            dir,
            spec: workspace_spec(),
        };
        let run = generated.codegen(&generated.spec, false);
        assert_eq!(run.code, Some(0), "{run}");
        generated
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn file(&self, relative: &str) -> PathBuf {
        self.out().join(relative)
    }

    fn codegen(&self, spec: &Path, check: bool) -> Run {
        let mut args: Vec<OsString> = vec![
            "codegen".into(),
            "--spec".into(),
            spec.into(),
            "--out".into(),
            self.out().into(),
        ];
        if check {
            args.push("--check".into());
        }
        xtask_in(self.dir.path(), &args)
    }

    fn check(&self) -> Run {
        self.codegen(&self.spec, true)
    }

    /// The command `--check` must print to fix the drift.
    fn fix(&self, spec: &Path) -> String {
        format!(
            "cargo xtask codegen --spec {} --out {}",
            spec.display(),
            self.out().display()
        )
    }

    /// The largest generated file: the one most certainly full of real code.
    fn biggest(&self) -> String {
        generated_files(&self.out())
            .into_iter()
            .max_by_key(|f| fs::metadata(self.file(f)).unwrap().len())
            .unwrap()
    }
}

fn assert_drift(run: &Run, problems: &[String]) {
    assert_eq!(run.code, Some(1), "{run}");
    for problem in problems {
        assert!(
            run.stdout.contains(problem.as_str()),
            "expected `{problem}`\n{run}"
        );
    }
    assert!(run.stdout.contains("out of date; to update, run:"), "{run}");
}

#[test]
fn codegen_writes_the_generated_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let spec = workspace_spec();
    let args: [&OsStr; 5] = [
        "codegen".as_ref(),
        "--spec".as_ref(),
        spec.as_ref(),
        "--out".as_ref(),
        out.as_ref(),
    ];
    let run = xtask_in(dir.path(), &args);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.starts_with("generated 14 operations"), "{run}");
    assert_eq!(run.stderr, "", "{run}");

    let files = generated_files(&out);
    assert!(!files.is_empty(), "{run}");
    assert!(files.iter().all(|f| f.ends_with(".rs")), "{files:?}");
    for file in &files {
        let text = fs::read_to_string(out.join(file)).unwrap();
        assert!(
            text.contains("@generated"),
            "{file} has no @generated header"
        );
        assert!(
            run.stdout
                .contains(&format!("created {}", out.join(file).display())),
            "{file}\n{run}"
        );
    }
    // Only generated/ was touched, and no temporary file was left behind.
    let top: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(top, ["generated"]);
    let n = files.len();
    let plural = if n == 1 { "" } else { "s" };
    assert!(
        run.stdout.contains(&format!(
            "wrote {n} file{plural}, removed 0 orphans, 0 unchanged"
        )),
        "{run}"
    );

    // A second run changes nothing, not even modification times.
    let mtimes = |files: &[String]| -> Vec<_> {
        files
            .iter()
            .map(|f| fs::metadata(out.join(f)).unwrap().modified().unwrap())
            .collect()
    };
    let before = mtimes(&files);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let again = xtask_in(dir.path(), &args);
    assert_eq!(again.code, Some(0), "{again}");
    assert!(
        again
            .stdout
            .contains(&format!("wrote 0 files, removed 0 orphans, {n} unchanged")),
        "{again}"
    );
    assert_eq!(generated_files(&out), files);
    assert_eq!(mtimes(&files), before);
}

#[test]
fn relative_paths_are_relative_to_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(workspace_spec(), dir.path().join("api.yml")).unwrap();
    let run = xtask_in(
        dir.path(),
        &["codegen", "--spec", "api.yml", "--out", "client/src"],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!generated_files(&dir.path().join("client/src")).is_empty());

    let run = xtask_in(
        dir.path(),
        &[
            "codegen",
            "--spec",
            "api.yml",
            "--out",
            "client/src",
            "--check",
        ],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout.contains("generated code is up to date ("),
        "{run}"
    );
}

#[test]
fn check_is_clean_right_after_generating() {
    let g = Generated::new();
    let n = generated_files(&g.out()).len();
    let run = g.check();
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("generated 14 operations"), "{run}");
    let plural = if n == 1 { "" } else { "s" };
    assert!(
        run.stdout.ends_with(&format!(
            "generated code is up to date ({n} file{plural})\n"
        )),
        "{run}"
    );
}

#[test]
fn check_ignores_crlf_line_endings() {
    let g = Generated::new();
    let file = g.file(&g.biggest());
    let text = fs::read_to_string(&file).unwrap();
    fs::write(&file, text.replace('\n', "\r\n")).unwrap();
    let run = g.check();
    assert_eq!(run.code, Some(0), "{run}");
}

#[test]
fn check_catches_a_hand_edit() {
    let g = Generated::new();
    let name = g.biggest();
    let file = g.file(&name);
    let original = fs::read_to_string(&file).unwrap();
    fs::write(&file, format!("// a hand edit\n{original}")).unwrap();

    let run = g.check();
    assert_drift(
        &run,
        &[format!("{}: out of date", file.display()), g.fix(&g.spec)],
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start() == "-// a hand edit"),
        "{run}"
    );
    // --check wrote nothing.
    assert!(
        fs::read_to_string(&file)
            .unwrap()
            .starts_with("// a hand edit\n")
    );

    let run = g.codegen(&g.spec, false);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout.contains(&format!("updated {}", file.display())),
        "{run}"
    );
    assert!(
        run.stdout.contains("wrote 1 file, removed 0 orphans"),
        "{run}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    assert_eq!(g.check().code, Some(0));
}

#[test]
fn check_catches_a_changed_document() {
    let g = Generated::new();
    let text = fs::read_to_string(&g.spec).unwrap();
    assert!(
        text.contains("maximum: 28800"),
        "the fixture edit needs `maximum: 28800` in the spec"
    );
    let changed = g.dir.path().join("changed.yml");
    fs::write(
        &changed,
        text.replacen("maximum: 28800", "maximum: 28000", 1),
    )
    .unwrap();

    let run = g.codegen(&changed, true);
    assert_drift(&run, &[": out of date".to_owned(), g.fix(&changed)]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with('+') && l.contains("28000")),
        "the diff should show the new maximum\n{run}"
    );
}

#[test]
fn check_catches_a_missing_file() {
    let g = Generated::new();
    let name = g.biggest();
    fs::remove_file(g.file(&name)).unwrap();
    let run = g.check();
    assert_drift(
        &run,
        &[
            format!("{}: missing", g.file(&name).display()),
            g.fix(&g.spec),
        ],
    );
    assert!(!g.file(&name).exists());

    assert_eq!(g.codegen(&g.spec, false).code, Some(0));
    assert!(g.file(&name).exists());
}

#[test]
fn check_catches_an_orphan_and_codegen_removes_it() {
    let g = Generated::new();
    let orphan = g.file("generated/extra.rs");
    fs::write(&orphan, "pub fn stray() {}\n").unwrap();
    let nested = g.file("generated/old/gone.rs");
    fs::create_dir(nested.parent().unwrap()).unwrap();
    fs::write(&nested, "// from an older generator\n").unwrap();

    let run = g.check();
    assert_drift(
        &run,
        &[
            format!("{}: orphan", orphan.display()),
            format!("{}: orphan", nested.display()),
            "2 generated files are out of date".to_owned(),
            g.fix(&g.spec),
        ],
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start() == "-pub fn stray() {}"),
        "{run}"
    );
    assert!(orphan.exists() && nested.exists());

    let run = g.codegen(&g.spec, false);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout
            .contains(&format!("removed {}", orphan.display())),
        "{run}"
    );
    assert!(
        run.stdout.contains("wrote 0 files, removed 2 orphans"),
        "{run}"
    );
    assert!(!orphan.exists());
    assert!(
        !nested.parent().unwrap().exists(),
        "the emptied directory goes too"
    );
    let run = g.check();
    assert_eq!(run.code, Some(0), "{run}");
}

#[test]
fn check_repeats_the_users_arguments_in_the_fix() {
    let g = Generated::new();
    fs::remove_file(g.file(&g.biggest())).unwrap();
    let run = xtask_in(
        g.dir.path(),
        &[
            OsStr::new("codegen"),
            OsStr::new("--spec"),
            g.spec.as_os_str(),
            OsStr::new("--select"),
            OsStr::new("machines"),
            OsStr::new("--out"),
            OsStr::new("out"),
            OsStr::new("--check"),
        ],
    );
    assert_eq!(run.code, Some(1), "{run}");
    let fix = format!(
        "cargo xtask codegen --spec {} --select machines --out out",
        g.spec.display()
    );
    assert!(run.stdout.trim_end().ends_with(&fix), "{run}");
}

/// The CI drift check: the committed client matches what the documents its manifest declares
/// generate. Run from a directory inside the workspace, to show the root is found from there.
#[test]
fn committed_client_is_up_to_date() {
    let inside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-client/src");
    let run = xtask_in(&inside, &["codegen", "--check"]);
    assert_eq!(
        run.code,
        Some(0),
        "run `cargo xtask codegen` and commit the result\n{run}"
    );
    assert!(
        run.stdout.contains("generated code is up to date ("),
        "{run}"
    );
}
