//! The codegen driver's unit tests: the plan, the report, and whole runs with a fake generator.

use super::report::{DIFF_LINES_TOTAL, drift, fix_command, shell_quote};
use super::*;
use generator::ErrorKind;

fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(path, text)| (path.to_string(), text.to_string()))
        .collect()
}

#[test]
fn plan_of_identical_sets_is_empty() {
    let set = files(&[("generated/a.rs", "a\n"), ("generated/b.rs", "b\n")]);
    assert_eq!(plan(&set, &set), []);
    assert_eq!(plan(&BTreeMap::new(), &BTreeMap::new()), []);
}

#[test]
fn plan_finds_creates_updates_and_orphans_in_path_order() {
    let desired = files(&[
        ("generated/a.rs", "a"),
        ("generated/c.rs", "new c"),
        ("generated/d.rs", "d"),
    ]);
    let existing = files(&[
        ("generated/b.rs", "b"),
        ("generated/c.rs", "old c"),
        ("generated/d.rs", "d"),
    ]);
    assert_eq!(
        plan(&desired, &existing),
        [
            Change::Create("generated/a.rs".into()),
            Change::Delete("generated/b.rs".into()),
            Change::Update("generated/c.rs".into()),
        ]
    );
}

#[test]
fn plan_ignores_crlf_line_endings() {
    let desired = files(&[("generated/a.rs", "x\ny\n")]);
    assert_eq!(
        plan(&desired, &files(&[("generated/a.rs", "x\r\ny\r\n")])),
        []
    );
    let crlf_desired = files(&[("generated/a.rs", "x\r\ny\r\n")]);
    assert_eq!(
        plan(&crlf_desired, &files(&[("generated/a.rs", "x\ny\n")])),
        []
    );
    // A lone `\r` or a missing final newline is still a difference.
    assert_eq!(
        plan(&desired, &files(&[("generated/a.rs", "x\ry\n")])),
        [Change::Update("generated/a.rs".into())]
    );
    assert_eq!(
        plan(&desired, &files(&[("generated/a.rs", "x\ny")])),
        [Change::Update("generated/a.rs".into())]
    );
}

#[test]
fn plan_against_an_empty_directory_creates_everything() {
    let desired = files(&[("generated/a.rs", "a"), ("generated/sub/b.rs", "b")]);
    assert_eq!(
        plan(&desired, &BTreeMap::new()),
        [
            Change::Create("generated/a.rs".into()),
            Change::Create("generated/sub/b.rs".into()),
        ]
    );
    assert_eq!(
        plan(&BTreeMap::new(), &desired),
        [
            Change::Delete("generated/a.rs".into()),
            Change::Delete("generated/sub/b.rs".into()),
        ]
    );
}

#[test]
fn output_paths_must_stay_under_generated() {
    assert!(validate_output_path("generated/mod.rs").is_ok());
    assert!(validate_output_path("generated/sub/x.rs").is_ok());
    for bad in [
        "lib.rs",
        "generated",
        "generated/",
        "generatedx/a.rs",
        "generated/../lib.rs",
        "generated/./a.rs",
        "generated//a.rs",
        "generated/a\\b.rs",
        "generated/C:/a.rs",
        "/generated/a.rs",
    ] {
        assert!(validate_output_path(bad).is_err(), "{bad}");
    }
}

#[test]
fn shell_quote_only_quotes_when_needed() {
    assert_eq!(shell_quote("specs/clerk-bapi.yml"), "specs/clerk-bapi.yml");
    assert_eq!(shell_quote("machines,users"), "machines,users");
    assert_eq!(shell_quote("my dir"), "'my dir'");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
    assert_eq!(shell_quote(""), "''");
}

#[test]
fn counts_are_pluralised() {
    assert_eq!(count(1, "group"), "1 group");
    assert_eq!(count(0, "group"), "0 groups");
    assert_eq!(count(9, "operation"), "9 operations");
}

// The driver, end to end, with a fake generator: the spec's text is `<version>` and every run produces
// `generated/mod.rs` and `generated/machines.rs` naming that version (unless the text is `bad`).

fn fake(source: Source<'_>, _: &Selection) -> Result<Output, generator::Error> {
    let text = std::str::from_utf8(source.bytes).unwrap().trim().to_owned();
    if text == "bad" {
        return Err(generator::Error::new(
            ErrorKind::Syntax,
            source.name,
            "/info",
            "not a document",
        ));
    }
    if text == "panic" {
        panic!("fake generator bug");
    }
    if text == "escape" {
        return Ok(Output {
            files: files(&[("generated/../lib.rs", "boom")]),
            operations: 1,
            groups: 1,
            examples: vec![],
        });
    }
    let line = |n: usize| match n {
        30 => format!("// line {n} of {text}\n"),
        _ => format!("// line {n}\n"),
    };
    let machines: String = (1..=60).map(line).collect();
    Ok(Output {
        files: files(&[
            (
                "generated/mod.rs",
                &format!("// version {text}\npub mod machines;\n"),
            ),
            ("generated/machines.rs", &machines),
        ]),
        operations: 9,
        groups: 1,
        examples: vec![],
    })
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(spec: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("spec.yml"), spec).unwrap();
        fs::create_dir(dir.path().join("out")).unwrap();
        Fixture { dir }
    }

    fn args(&self, check: bool) -> Args {
        Args {
            spec: Some(self.dir.path().join("spec.yml")),
            select: None,
            out: Some(self.dir.path().join("out")),
            check,
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn run(&self, check: bool) -> (Result<Freshness, Failure>, String) {
        let mut stdout = Vec::new();
        let result = run(self.dir.path(), &self.args(check), &fake, &mut stdout);
        (result, String::from_utf8(stdout).unwrap())
    }
}

#[test]
fn the_total_diff_is_capped() {
    let changes: Vec<Change> = (0..10)
        .map(|n| Change::Create(format!("generated/{n}.rs")))
        .collect();
    let big: String = (0..100).map(|n| format!("{n}\n")).collect();
    let desired: BTreeMap<String, String> = changes
        .iter()
        .map(|c| (c.path().to_owned(), big.clone()))
        .collect();
    let mut budget = DIFF_LINES_TOTAL;
    let report = drift(&changes, &desired, &BTreeMap::new(), "out", &mut budget);
    let diff_lines = report
        .lines()
        .filter(|l| l.starts_with("    ") && !l.contains('…'))
        .count();
    assert_eq!(diff_lines, DIFF_LINES_TOTAL, "{report}");
    assert_eq!(budget, 0);
    // Each diff is 103 lines (two header lines, a hunk line, 100 lines): the first five show 40, the rest none.
    assert!(
        report.contains("    +36\n    … 63 more lines\nout/generated/1.rs: missing"),
        "{report}"
    );
    assert!(
        report.contains("out/generated/9.rs: missing\n    … 103 more lines"),
        "{report}"
    );
}

#[test]
fn a_generated_path_outside_generated_is_refused() {
    let fx = Fixture::new("escape");
    let (result, _) = fx.run(false);
    let Err(Failure::Failed(err)) = result else {
        panic!("{result:?}")
    };
    assert!(err.to_string().contains("generated/../lib.rs"), "{err}");
    assert!(!fx.path("out/lib.rs").exists());
    assert!(!fx.path("out/generated").exists());
}

#[test]
fn a_generator_panic_is_a_failure_that_writes_nothing() {
    let fx = Fixture::new("panic");
    let Err(Failure::Failed(err)) = fx.run(false).0 else {
        panic!()
    };
    assert!(err.to_string().contains("the generator panicked"), "{err}");
    assert!(!fx.path("out/generated").exists());
}

#[test]
fn check_of_a_missing_out_directory_reports_every_file_missing() {
    let fx = Fixture::new("v1");
    fs::remove_dir(fx.path("out")).unwrap();
    let (result, stdout) = fx.run(true);
    assert!(matches!(result, Ok(Freshness::Stale)));
    assert_eq!(stdout.matches(": missing").count(), 2, "{stdout}");
    assert!(!fx.path("out").exists());
}

#[test]
fn generated_that_is_a_file_is_an_error() {
    let fx = Fixture::new("v1");
    fs::write(fx.path("out/generated"), "not a dir").unwrap();
    let Err(Failure::Failed(err)) = fx.run(false).0 else {
        panic!()
    };
    assert!(err.to_string().contains("is not a directory"), "{err}");
}

#[test]
fn defaults_name_the_workspace_files_and_the_fix_repeats_user_args() {
    assert_eq!(fix_command(&Args::default()), "cargo xtask codegen");
    let options = Args {
        spec: Some("my specs/x.yml".into()),
        select: Some(Selection::parse("machines, users").unwrap()),
        out: Some("out".into()),
        check: true,
    };
    assert_eq!(
        fix_command(&options),
        "cargo xtask codegen --spec 'my specs/x.yml' --select machines,users --out out"
    );
    // With no --spec, the default document is read from the workspace root and named relative to it.
    let root = tempfile::tempdir().unwrap();
    let mut stdout = Vec::new();
    let one_off = Args {
        select: Some(Selection::All),
        ..Args::default()
    };
    let Err(Failure::BadInput(message)) = run(root.path(), &one_off, &fake, &mut stdout) else {
        panic!()
    };
    assert!(
        message.starts_with("specs/clerk-bapi.yml: cannot read: "),
        "{message}"
    );
    // With none of them, the documents are those the client crate's manifest declares.
    let Err(Failure::BadInput(message)) = run(root.path(), &Args::default(), &fake, &mut stdout)
    else {
        panic!()
    };
    assert!(
        message.starts_with("generated-client/Cargo.toml: cannot read: "),
        "{message}"
    );
}

/// Two documents declared in the manifest are generated in one run, each into its own directory;
/// when one of them fails, neither is written.
#[test]
fn the_manifest_declares_what_is_generated() {
    let root = tempfile::tempdir().unwrap();
    let path = |relative: &str| root.path().join(relative);
    fs::create_dir_all(path("generated-client/src/hooks")).unwrap();
    fs::create_dir_all(path("specs")).unwrap();
    fs::write(path("specs/a.yml"), "a1").unwrap();
    fs::write(path("specs/b.yml"), "b1").unwrap();
    fs::write(
        path("generated-client/Cargo.toml"),
        "[package]\nname = \"c\"\n\
         [[package.metadata.codegen.documents]]\nspec = \"specs/a.yml\"\nselect = [\"m\"]\nout = \"src\"\n\
         [[package.metadata.codegen.documents]]\nspec = \"specs/b.yml\"\nselect = \"all\"\nout = \"src/hooks\"\n",
    )
    .unwrap();
    let run_in_root = |check: bool| {
        let mut stdout = Vec::new();
        let args = Args {
            check,
            ..Args::default()
        };
        let result = run(root.path(), &args, &fake, &mut stdout);
        (result, String::from_utf8(stdout).unwrap())
    };
    let (result, stdout) = run_in_root(true);
    assert!(matches!(result, Ok(Freshness::Stale)), "{stdout}");
    assert!(
        stdout.contains("generated-client/src/generated/mod.rs: missing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("generated-client/src/hooks/generated/mod.rs: missing"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("\n    cargo xtask codegen"),
        "{stdout}"
    );
    let (result, stdout) = run_in_root(false);
    assert!(matches!(result, Ok(Freshness::UpToDate)), "{stdout}");
    assert!(
        stdout.starts_with("specs/a.yml (m): generated 9 operations"),
        "{stdout}"
    );
    let mod_a = fs::read_to_string(path("generated-client/src/generated/mod.rs")).unwrap();
    let mod_b = fs::read_to_string(path("generated-client/src/hooks/generated/mod.rs")).unwrap();
    assert!(mod_a.contains("version a1") && mod_b.contains("version b1"));
    assert!(matches!(run_in_root(true).0, Ok(Freshness::UpToDate)));

    // The second document fails: the first, although changed, is not written either.
    fs::write(path("specs/a.yml"), "a2").unwrap();
    fs::write(path("specs/b.yml"), "bad").unwrap();
    assert!(matches!(run_in_root(false).0, Err(Failure::BadInput(_))));
    let unchanged = fs::read_to_string(path("generated-client/src/generated/mod.rs")).unwrap();
    assert_eq!(unchanged, mod_a);
}
