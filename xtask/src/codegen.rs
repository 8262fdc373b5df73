//! `cargo xtask codegen`: reads the OpenAPI document, runs the generator, then writes or checks the files.
//!
//! Everything is generated in memory first. [`plan`] then compares the desired files with those on disk under
//! `<out>/generated/`, which the generator owns entirely (any file there it did not produce is an orphan).
//! Without `--check` the changes go through [`crate::fsutil::apply`] (atomic, all-or-nothing); with `--check`
//! nothing is written and each difference is reported with a capped diff and the command that fixes it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use generator::{Output, Selection, Source};

use crate::fsutil::{self, FileWrite};

/// The document generated when `--spec` is not given, relative to the workspace root.
pub const DEFAULT_SPEC: &str = "specs/clerk-bapi.yml";
/// The client crate's source directory, written when `--out` is not given, relative to the workspace root.
pub const DEFAULT_OUT: &str = "generated-client/src";

/// Lines of diff shown per file, and in total, by `--check`.
const DIFF_LINES_PER_FILE: usize = 40;
const DIFF_LINES_TOTAL: usize = 200;

/// What the user asked for. Paths the user gave are used as given (relative to the current directory);
/// absent ones default to the workspace's own files.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--spec PATH`.
    pub spec: Option<PathBuf>,
    /// `--select GROUPS`, as typed and as parsed.
    pub select: Option<(String, Selection)>,
    /// `--out DIR`.
    pub out: Option<PathBuf>,
    /// `--check`.
    pub check: bool,
}

/// How a run that did its job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Files written, or `--check` found them up to date.
    Ok,
    /// `--check` found files out of date, missing or orphaned.
    Drift,
}

/// Why a run stopped. Either way, nothing was written.
#[derive(Debug)]
pub enum Failure {
    /// The document is missing, unreadable or rejected by the generator. The message names the file.
    BadInput(String),
    /// Anything else: the file system refused, or the generator misbehaved.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Failure::Failed(err)
    }
}

/// The generator entry point, replaceable in tests.
pub type Generate<'a> = &'a dyn Fn(Source<'_>, &Selection) -> Result<Output, generator::Error>;

/// One difference between the files the generator wants and those on disk. Paths are relative to `<out>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The file should exist and does not.
    Create(String),
    /// The file exists with other contents.
    Update(String),
    /// The file exists under `generated/` but the generator did not produce it: an orphan.
    Delete(String),
}

impl Change {
    /// The file's path relative to `<out>`.
    pub fn path(&self) -> &str {
        match self {
            Change::Create(path) | Change::Update(path) | Change::Delete(path) => path,
        }
    }

    /// How `--check` names the problem.
    fn problem(&self) -> &'static str {
        match self {
            Change::Create(_) => "missing",
            Change::Update(_) => "out of date",
            Change::Delete(_) => "orphan (not produced by the generator)",
        }
    }
}

/// Compares the desired files with the existing ones, ignoring `\r\n` versus `\n`. Sorted by path.
pub fn plan(
    desired: &BTreeMap<String, String>,
    existing: &BTreeMap<String, String>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for (path, contents) in desired {
        match existing.get(path) {
            None => changes.push(Change::Create(path.clone())),
            Some(old) if normalize(old) != normalize(contents) => {
                changes.push(Change::Update(path.clone()));
            }
            Some(_) => {}
        }
    }
    for path in existing.keys() {
        if !desired.contains_key(path) {
            changes.push(Change::Delete(path.clone()));
        }
    }
    changes.sort_by(|a, b| a.path().cmp(b.path()));
    changes
}

/// Runs `cargo xtask codegen`. Progress and reports go to `stdout`; the caller prints failures.
pub fn run(
    root: &Path,
    options: &Options,
    generate: Generate<'_>,
    stdout: &mut dyn Write,
) -> Result<Outcome, Failure> {
    let given = options.spec.is_some() || options.select.is_some() || options.out.is_some();
    let documents = if given {
        vec![Document {
            spec: options.spec.as_ref().map_or_else(
                || (root.join(DEFAULT_SPEC), DEFAULT_SPEC.to_owned()),
                |path| (path.clone(), path.display().to_string()),
            ),
            out: options.out.as_ref().map_or_else(
                || (root.join(DEFAULT_OUT), DEFAULT_OUT.to_owned()),
                |path| (path.clone(), path.display().to_string()),
            ),
            selection: options
                .select
                .as_ref()
                .map_or_else(default_selection, |(_, selection)| selection.clone()),
        }]
    } else {
        manifest_documents(root)?
    };
    let mut outcome = Outcome::Ok;
    for document in &documents {
        if run_document(document, options, generate, stdout)? == Outcome::Drift {
            outcome = Outcome::Drift;
        }
    }
    Ok(outcome)
}

/// The committed client's groups: machines, and the two that machine authentication needs.
fn default_selection() -> Selection {
    Selection::Only(["jwks", "m2m", "machines"].map(String::from).to_vec())
}

/// One document to generate: where it is and where its `generated/` goes, each with the name
/// shown in messages, and what to select.
struct Document {
    spec: (PathBuf, String),
    out: (PathBuf, String),
    selection: Selection,
}

/// The client crate's manifest, which lists the documents generated without `--spec`, `--select`
/// and `--out` under `[[package.metadata.codegen.documents]]` (`spec` relative to the workspace
/// root, `select` a list or `all`, `out` relative to the crate).
const CLIENT_MANIFEST: &str = "generated-client/Cargo.toml";

fn manifest_documents(root: &Path) -> Result<Vec<Document>, Failure> {
    let path = root.join(CLIENT_MANIFEST);
    let text = fs::read_to_string(&path)
        .map_err(|e| Failure::BadInput(format!("{CLIENT_MANIFEST}: cannot read: {e}")))?;
    let manifest: toml::Table = text
        .parse()
        .map_err(|e| Failure::BadInput(format!("{CLIENT_MANIFEST}: {e}")))?;
    let bad = |what: String| Failure::BadInput(format!("{CLIENT_MANIFEST}: {what}"));
    let entries = manifest
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("codegen"))
        .and_then(|c| c.get("documents"))
        .and_then(toml::Value::as_array)
        .ok_or_else(|| bad("no [[package.metadata.codegen.documents]]".to_owned()))?;
    let crate_dir = Path::new(CLIENT_MANIFEST)
        .parent()
        .unwrap_or_else(|| Path::new(""));
    let mut documents = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let field = |key: &str| entry.get(key);
        let text = |key: &str| {
            field(key)
                .and_then(toml::Value::as_str)
                .ok_or_else(|| bad(format!("documents[{index}].{key} must be a string")))
        };
        let spec = text("spec")?;
        let out = crate_dir.join(text("out")?).display().to_string();
        let selection = match field("select") {
            Some(toml::Value::String(text)) => Selection::parse(text),
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(|items| items.join(","))
                .ok_or_else(|| "the list holds something other than strings".to_owned())
                .and_then(|text| Selection::parse(&text)),
            _ => Err("must be a list of groups, or `all`".to_owned()),
        }
        .map_err(|why| bad(format!("documents[{index}].select: {why}")))?;
        documents.push(Document {
            spec: (root.join(spec), spec.to_owned()),
            out: (root.join(&out), out),
            selection,
        });
    }
    Ok(documents)
}

/// Generates one document and checks or writes its files.
fn run_document(
    document: &Document,
    options: &Options,
    generate: Generate<'_>,
    stdout: &mut dyn Write,
) -> Result<Outcome, Failure> {
    let (spec_path, spec_name) = (&document.spec.0, document.spec.1.as_str());
    let (out_dir, out_name) = (&document.out.0, document.out.1.as_str());
    let selection = &document.selection;

    // Generate everything in memory.
    let bytes = read_spec(spec_path, spec_name)?;
    let source = Source {
        name: spec_name,
        bytes: &bytes,
    };
    // The generator must never panic; if it does (a bug), its message is already on stderr and nothing
    // has been written, so end like any other failure rather than with a panic's exit status.
    let generated =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| generate(source, selection)))
            .map_err(|_| {
                anyhow!("the generator panicked on {spec_name} (a generator bug; see above)")
            })?;
    let output = generated.map_err(|err| Failure::BadInput(err.to_string()))?;
    for path in output.files.keys() {
        validate_output_path(path).map_err(|why| {
            anyhow!("the generator produced the file name `{path}`, which {why} (a generator bug)")
        })?;
    }
    say(stdout, format_args!("{}", summary(&output)));

    // Compare with what is on disk.
    let generated_dir = out_dir.join(generator::GENERATED_DIR);
    let existing_bytes = read_tree(&generated_dir)?;
    let existing: BTreeMap<String, String> = existing_bytes
        .iter()
        .map(|(path, bytes)| (path.clone(), String::from_utf8_lossy(bytes).into_owned()))
        .collect();
    let changes = plan(&output.files, &existing);
    let unchanged = output.files.len()
        - changes
            .iter()
            .filter(|c| !matches!(c, Change::Delete(_)))
            .count();

    if options.check {
        if changes.is_empty() {
            say(
                stdout,
                format_args!(
                    "generated code is up to date ({})",
                    count(output.files.len(), "file")
                ),
            );
            return Ok(Outcome::Ok);
        }
        let report = drift_report(
            &changes,
            &output.files,
            &existing,
            out_name,
            &fix_command(options),
        );
        say(stdout, format_args!("{}", report.trim_end()));
        return Ok(Outcome::Drift);
    }

    // Write.
    let target = |path: &str| out_dir.join(path);
    let writes: Vec<FileWrite<'_>> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Create(path) | Change::Update(path) => Some(FileWrite {
                path: target(path),
                contents: output.files[path].as_bytes(),
                previous: existing_bytes.get(path).map(Vec::as_slice),
            }),
            Change::Delete(_) => None,
        })
        .collect();
    let deletes: Vec<PathBuf> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Delete(path) => Some(target(path)),
            _ => None,
        })
        .collect();
    fsutil::apply(&generated_dir, &writes, &deletes)?;
    for change in &changes {
        let verb = match change {
            Change::Create(_) => "created",
            Change::Update(_) => "updated",
            Change::Delete(_) => "removed",
        };
        say(
            stdout,
            format_args!("  {verb} {}", display_path(out_name, change.path())),
        );
    }
    say(
        stdout,
        format_args!(
            "wrote {}, removed {}, {} unchanged",
            count(writes.len(), "file"),
            count(deletes.len(), "orphan"),
            unchanged
        ),
    );
    Ok(Outcome::Ok)
}

/// Reads the whole document, naming it as the user did in any error.
fn read_spec(path: &Path, name: &str) -> Result<Vec<u8>, Failure> {
    let cannot_read =
        |why: &dyn std::fmt::Display| Failure::BadInput(format!("{name}: cannot read: {why}"));
    if path.is_dir() {
        return Err(cannot_read(&"it is a directory, not a file"));
    }
    fs::read(path).map_err(|err| cannot_read(&err))
}

/// The generator promises relative `/`-separated paths under `generated/`; anything else must never be
/// written, since it could land outside the directory the generator owns.
pub(crate) fn validate_output_path(path: &str) -> Result<(), &'static str> {
    let Some(rest) = path
        .strip_prefix(generator::GENERATED_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
    else {
        return Err("is not under `generated/`");
    };
    if path.contains('\\') || path.contains(':') || path.contains('\0') {
        return Err("contains `\\`, `:` or NUL");
    }
    if rest
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err("has an empty, `.` or `..` component");
    }
    Ok(())
}

/// Every file under `dir`, keyed by its path relative to `dir`'s parent (`generated/...`), with `/` separators.
/// A missing `dir` holds no files.
fn read_tree(dir: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    match fs::symlink_metadata(dir) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(files),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", dir.display())),
        Ok(metadata) if !metadata.is_dir() => {
            return Err(anyhow!("{} is not a directory", dir.display()));
        }
        Ok(_) => {}
    }
    let mut pending = vec![(dir.to_path_buf(), generator::GENERATED_DIR.to_owned())];
    while let Some((dir, prefix)) = pending.pop() {
        let entries =
            fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_str().ok_or_else(|| {
                anyhow!("{} has a name that is not UTF-8; remove it", path.display())
            })?;
            let key = format!("{prefix}/{name}");
            let file_type = entry
                .file_type()
                .with_context(|| format!("cannot read {}", path.display()))?;
            if file_type.is_dir() {
                pending.push((path, key));
            } else {
                // A dangling symlink reads as empty: it is replaced or removed like any stale file.
                let contents = match fs::read(&path) {
                    Err(err) if file_type.is_symlink() && err.kind() == io::ErrorKind::NotFound => {
                        Vec::new()
                    }
                    result => result.with_context(|| format!("cannot read {}", path.display()))?,
                };
                files.insert(key, contents);
            }
        }
    }
    Ok(files)
}

/// `generated 9 operations in 1 group`, then one line per skipped operation.
fn summary(output: &Output) -> String {
    let mut text = format!(
        "generated {} in {}",
        count(output.operations, "operation"),
        count(output.groups, "group")
    );
    if output.webhooks > 0 {
        let _ = write!(text, " and {}", count(output.webhooks, "webhook event"));
    }
    for skipped in &output.skipped {
        let _ = write!(
            text,
            "\nskipped {}: {}",
            skipped.operation_id, skipped.reason
        );
    }
    text
}

/// What `--check` prints when files differ: each problem with a capped diff, then the fixing command.
fn drift_report(
    changes: &[Change],
    desired: &BTreeMap<String, String>,
    existing: &BTreeMap<String, String>,
    out_name: &str,
    fix: &str,
) -> String {
    let mut report = String::new();
    let mut budget = DIFF_LINES_TOTAL;
    for change in changes {
        let path = change.path();
        let shown = display_path(out_name, path);
        let _ = writeln!(report, "{shown}: {}", change.problem());
        let old = existing
            .get(path)
            .map_or(Cow::Borrowed(""), |text| normalize(text));
        let new = match change {
            Change::Delete(_) => Cow::Borrowed(""),
            _ => normalize(&desired[path]),
        };
        let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("{shown} (on disk)"),
                &format!("{shown} (generated)"),
            )
            .to_string();
        let lines: Vec<&str> = diff.lines().collect();
        let take = lines.len().min(DIFF_LINES_PER_FILE).min(budget);
        for line in &lines[..take] {
            let _ = writeln!(report, "    {line}");
        }
        if take < lines.len() {
            let _ = writeln!(report, "    … {} more lines", lines.len() - take);
        }
        budget -= take;
    }
    let verb = if changes.len() == 1 { "is" } else { "are" };
    let _ = write!(
        report,
        "{} {verb} out of date; to update, run:\n    {fix}\n",
        count(changes.len(), "generated file")
    );
    report
}

/// The command that regenerates the files `--check` just checked: the same `--spec`, `--select`, `--out`.
fn fix_command(options: &Options) -> String {
    let mut command = String::from("cargo xtask codegen");
    if let Some(spec) = &options.spec {
        let _ = write!(command, " --spec {}", shell_quote(&spec.to_string_lossy()));
    }
    if let Some((text, _)) = &options.select {
        let _ = write!(command, " --select {}", shell_quote(text));
    }
    if let Some(out) = &options.out {
        let _ = write!(command, " --out {}", shell_quote(&out.to_string_lossy()));
    }
    command
}

/// Quotes `text` for a POSIX shell when it needs it.
fn shell_quote(text: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=,+@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("'{}'", text.replace('\'', r"'\''")))
    }
}

/// `<out>/generated/x.rs` as the user would recognise it.
fn display_path(out_name: &str, path: &str) -> String {
    if out_name.ends_with('/') || out_name.ends_with(std::path::MAIN_SEPARATOR) {
        format!("{out_name}{path}")
    } else {
        format!("{out_name}/{path}")
    }
}

fn normalize(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// `1 file`, `2 files`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Prints a line; a closed stdout must not turn a finished run into a failure or a panic.
fn say(stdout: &mut dyn Write, line: std::fmt::Arguments<'_>) {
    let _ = writeln!(stdout, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use generator::{ErrorKind, Skipped};

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
                webhooks: 0,
                skipped: vec![],
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
            webhooks: 0,
            skipped: vec![Skipped {
                operation_id: "ListThings".into(),
                reason: "not supported".into(),
            }],
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

        fn options(&self, check: bool) -> Options {
            Options {
                spec: Some(self.dir.path().join("spec.yml")),
                select: None,
                out: Some(self.dir.path().join("out")),
                check,
            }
        }

        fn path(&self, relative: &str) -> PathBuf {
            self.dir.path().join(relative)
        }

        fn run(&self, check: bool) -> (Result<Outcome, Failure>, String) {
            let mut stdout = Vec::new();
            let result = run(self.dir.path(), &self.options(check), &fake, &mut stdout);
            (result, String::from_utf8(stdout).unwrap())
        }

        fn generated(&self) -> Vec<String> {
            read_tree(&self.path("out/generated"))
                .unwrap()
                .into_keys()
                .collect()
        }
    }

    #[test]
    fn writes_then_reports_up_to_date_without_touching_unchanged_files() {
        let fx = Fixture::new("v1");
        let (result, stdout) = fx.run(false);
        assert!(matches!(result, Ok(Outcome::Ok)));
        assert!(
            stdout.starts_with(
                "generated 9 operations in 1 group\nskipped ListThings: not supported\n"
            )
        );
        assert!(stdout.contains("created "), "{stdout}");
        assert!(
            stdout.contains("wrote 2 files, removed 0 orphans, 0 unchanged"),
            "{stdout}"
        );
        assert_eq!(
            fx.generated(),
            ["generated/machines.rs", "generated/mod.rs"]
        );

        let mtime = |p: &str| fs::metadata(fx.path(p)).unwrap().modified().unwrap();
        let before = mtime("out/generated/mod.rs");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let (result, stdout) = fx.run(false);
        assert!(matches!(result, Ok(Outcome::Ok)));
        assert!(
            stdout.contains("wrote 0 files, removed 0 orphans, 2 unchanged"),
            "{stdout}"
        );
        assert_eq!(mtime("out/generated/mod.rs"), before);

        let (result, stdout) = fx.run(true);
        assert!(matches!(result, Ok(Outcome::Ok)));
        assert!(
            stdout.ends_with("generated code is up to date (2 files)\n"),
            "{stdout}"
        );
    }

    #[test]
    fn check_reports_each_kind_of_drift_with_a_capped_diff_and_the_fix() {
        let fx = Fixture::new("v1");
        fx.run(false).0.unwrap();
        fs::write(fx.path("spec.yml"), "v2").unwrap();
        fs::remove_file(fx.path("out/generated/mod.rs")).unwrap();
        fs::write(fx.path("out/generated/extra.rs"), "// stray\n").unwrap();

        let (result, stdout) = fx.run(true);
        assert!(matches!(result, Ok(Outcome::Drift)), "{stdout}");
        let out = fx.path("out").display().to_string();
        assert!(
            stdout.contains(&format!("{out}/generated/extra.rs: orphan")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("{out}/generated/machines.rs: out of date")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("{out}/generated/mod.rs: missing")),
            "{stdout}"
        );
        assert!(stdout.contains("    -// line 30 of v1"), "{stdout}");
        assert!(stdout.contains("    +// line 30 of v2"), "{stdout}");
        assert!(stdout.contains("    @@ -27,7 +27,7 @@"), "{stdout}");
        assert!(stdout.contains("    +// version v2"), "{stdout}");
        assert!(stdout.contains("    -// stray"), "{stdout}");
        assert!(!stdout.contains("more lines"), "{stdout}");
        assert!(
            stdout.contains("3 generated files are out of date; to update, run:"),
            "{stdout}"
        );
        let spec = fx.path("spec.yml").display().to_string();
        assert!(stdout.trim_end().ends_with(&format!(
            "cargo xtask codegen --spec {} --out {}",
            shell_quote(&spec),
            shell_quote(&out)
        )));
        // --check wrote nothing.
        assert_eq!(
            fx.generated(),
            ["generated/extra.rs", "generated/machines.rs"]
        );

        let (result, stdout) = fx.run(false);
        assert!(matches!(result, Ok(Outcome::Ok)));
        assert!(
            stdout.contains("wrote 2 files, removed 1 orphan, 0 unchanged"),
            "{stdout}"
        );
        assert_eq!(
            fx.generated(),
            ["generated/machines.rs", "generated/mod.rs"]
        );
        assert!(matches!(fx.run(true).0, Ok(Outcome::Ok)));
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
        let report = drift_report(
            &changes,
            &desired,
            &BTreeMap::new(),
            "out",
            "cargo xtask codegen",
        );
        let diff_lines = report
            .lines()
            .filter(|l| l.starts_with("    ") && !l.contains('…'))
            .count();
        assert_eq!(diff_lines, DIFF_LINES_TOTAL + 1, "{report}"); // + the command line
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
    fn bad_input_writes_nothing() {
        let fx = Fixture::new("v1");
        fx.run(false).0.unwrap();
        let before = fs::read_to_string(fx.path("out/generated/mod.rs")).unwrap();
        fs::write(fx.path("out/generated/extra.rs"), "orphan").unwrap();

        fs::write(fx.path("spec.yml"), "bad").unwrap();
        let (result, stdout) = fx.run(false);
        let Err(Failure::BadInput(message)) = result else {
            panic!("{result:?}")
        };
        assert_eq!(
            message,
            format!(
                "{}: at /info: not a document",
                fx.path("spec.yml").display()
            )
        );
        assert_eq!(stdout, "");
        assert_eq!(
            fs::read_to_string(fx.path("out/generated/mod.rs")).unwrap(),
            before
        );
        assert!(fx.path("out/generated/extra.rs").exists());

        fs::remove_file(fx.path("spec.yml")).unwrap();
        let Err(Failure::BadInput(message)) = fx.run(false).0 else {
            panic!()
        };
        assert!(message.starts_with(&format!("{}: cannot read: ", fx.path("spec.yml").display())));

        fs::create_dir(fx.path("spec.yml")).unwrap();
        let Err(Failure::BadInput(message)) = fx.run(false).0 else {
            panic!()
        };
        assert!(
            message.contains("spec.yml: cannot read: it is a directory"),
            "{message}"
        );
        assert_eq!(
            fs::read_to_string(fx.path("out/generated/mod.rs")).unwrap(),
            before
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
        assert!(matches!(result, Ok(Outcome::Drift)));
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
        assert_eq!(fix_command(&Options::default()), "cargo xtask codegen");
        let options = Options {
            spec: Some("my specs/x.yml".into()),
            select: Some((
                "machines,users".into(),
                Selection::parse("machines,users").unwrap(),
            )),
            out: Some("out".into()),
            check: true,
        };
        assert_eq!(
            fix_command(&options),
            "cargo xtask codegen --spec 'my specs/x.yml' --select machines,users --out out"
        );
        // With no --spec, --select or --out, the documents come from the client crate's manifest,
        // read from the workspace root and named relative to it.
        let root = tempfile::tempdir().unwrap();
        let message = |root: &Path| {
            let Err(Failure::BadInput(message)) =
                run(root, &Options::default(), &fake, &mut Vec::new())
            else {
                panic!()
            };
            message
        };
        let missing = message(root.path());
        assert!(
            missing.starts_with("generated-client/Cargo.toml: cannot read: "),
            "{missing}"
        );
        fs::create_dir_all(root.path().join("generated-client")).unwrap();
        fs::write(
            root.path().join(CLIENT_MANIFEST),
            "[[package.metadata.codegen.documents]]\nspec = \"specs/clerk-bapi.yml\"\nselect = [\"machines\"]\nout = \"src\"\n",
        )
        .unwrap();
        let unreadable = message(root.path());
        assert!(
            unreadable.starts_with("specs/clerk-bapi.yml: cannot read: "),
            "{unreadable}"
        );
        fs::write(
            root.path().join(CLIENT_MANIFEST),
            "[[package.metadata.codegen.documents]]\nspec = \"a.yml\"\nselect = 3\nout = \"src\"\n",
        )
        .unwrap();
        let bad = message(root.path());
        assert!(bad.contains("documents[0].select"), "{bad}");
    }
}
