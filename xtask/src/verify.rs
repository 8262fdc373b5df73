//! `cargo xtask verify`: generates all of each document into a copy of the client, lints it and tests its examples.
//!
//! For each document, in order:
//! 1. The generator runs with `--select all`, in memory, through the library. Nothing may be skipped, and
//!    the number of operations must match the document's own count (distinct operationIds under `paths`,
//!    read from the YAML here, not taken from the generator).
//! 2. The generated files go into a copy of `generated-client/` (its manifest and hand-written files, not
//!    its tests, examples or benches), built in `target/verify/work/<document name>/` as the only
//!    member of a throwaway workspace. That workspace's manifest is the root one with its `members`
//!    replaced, so the copy inherits the same `[workspace.package]` and `[workspace.dependencies]`, and the
//!    root `Cargo.lock` is copied beside it: the same dependency versions, resolved offline.
//! 3. `src/example_roundtrip.rs` gets one `#[test]` per example the generator reported (see
//!    [`roundtrip_module`] for what counts as equal); examples the document has but the generator did not
//!    report are counted in a note.
//! 4. `cargo clippy --all-targets -- -D warnings` (every rustc and clippy warning is an error), then
//!    `cargo test`, run in the copy. All copies share the target directory [`TARGET_DIR`], so the
//!    dependencies are compiled once for every document and every later run.
//!
//! Exit status: 0 every document verified; 1 at least one failed (skipped or miscounted operations, a
//! compiler error, a warning, a failing test); 2 bad usage or input that cannot be read or generated.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use generator::{Example, Output, Selection, Source};

use crate::codegen::{Generate, count, validate_output_path};

/// The documents verified when no `--spec` is given, relative to the workspace root.
pub const DEFAULT_SPECS: [&str; 4] = [
    "../shared/specs/clerk-bapi/2025-04-10.yml",
    "../shared/specs/clerk-bapi/2025-11-10.yml",
    "../shared/specs/clerk-bapi/2026-05-12.yml",
    "../shared/specs/clerk-fapi/2025-11-10.yml",
];
/// The target directory shared by every copy, relative to the workspace root.
pub const TARGET_DIR: &str = "target/verify";
/// The client crate that is copied, relative to the workspace root.
const CLIENT_DIR: &str = "generated-client";
/// The directory of the crate inside a copy's workspace.
const MEMBER_DIR: &str = "clerk-bapi";
/// The round-trip test module added to a copy, as a file name under `src/`.
const ROUNDTRIP_FILE: &str = "example_roundtrip.rs";
/// The start of every round-trip failure message, found again in `cargo test`'s output.
const FAILURE_MARK: &str = "example round-trip failed: ";
/// A file marking a copy as made by this command, holding the id of the process that made it: a later run
/// may replace a copy kept under `--keep`, or take over one that an interrupted run left behind.
const MARK: &str = ".xtask-verify";
/// Lines of compiler or test output shown per failing phase.
const OUTPUT_LINES: usize = 60;
/// Round-trip failures listed per document.
const FAILURES_SHOWN: usize = 200;

/// What the user asked for. Paths are used as given (relative to the current directory); with no
/// `--spec`, the default documents are found from the workspace root.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--spec PATH`, in order, possibly several.
    pub specs: Vec<PathBuf>,
    /// `--keep DIR`: leave a copy of each crate copy in `DIR/<document name>/`.
    pub keep: Option<PathBuf>,
    /// `--allow-skipped`: report skipped operations as warnings (for development only).
    pub allow_skipped: bool,
}

/// How a run that got as far as verifying ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every document verified.
    Verified,
    /// At least one document failed verification (already reported on stdout).
    Failed,
}

/// Why a run stopped before verifying anything.
#[derive(Debug)]
pub enum Failure {
    /// A document is missing, unreadable or rejected by the generator, or `--keep` is unusable.
    BadInput(String),
    /// Anything else: the file system refused, or cargo could not be started.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Failure::Failed(err)
    }
}

/// One document to verify: how it is named, where the copy goes, and what the generator made of it.
struct Document {
    name: String,
    /// A directory name for the copy, unique among the documents of the run.
    stem: String,
    /// What the document itself says it holds, counted without the generator.
    survey: Survey,
    /// The generator's output, or `None` when it panicked (a generator bug, reported as a failure).
    output: Option<Output>,
    /// How long the generator took.
    generated_in: Duration,
}

/// Runs `cargo xtask verify`. Progress and findings go to `stdout`; the caller prints failures.
pub fn run(
    root: &Path,
    options: &Options,
    generate: Generate<'_>,
    stdout: &mut dyn Write,
) -> Result<Outcome, Failure> {
    // Everything that can be wrong with the input is found before anything is compiled.
    let documents = load_documents(root, options, generate)?;
    if let Some(keep) = &options.keep {
        prepare_keep(keep, &documents)?;
    }
    let template = Template::read(root)?;
    let target_dir = root.join(TARGET_DIR);
    fs::create_dir_all(target_dir.join("work"))
        .with_context(|| format!("cannot create {}", target_dir.display()))?;

    let mut failed = Vec::new();
    for document in &documents {
        say(stdout, format_args!("== {}", document.name));
        let verified = verify_document(document, options, &template, &target_dir, stdout)?;
        if !verified {
            failed.push(document.name.as_str());
        }
    }
    if failed.is_empty() {
        say(
            stdout,
            format_args!("verified {}", count(documents.len(), "document")),
        );
        Ok(Outcome::Verified)
    } else {
        say(
            stdout,
            format_args!(
                "{} of {} failed verification: {}",
                failed.len(),
                count(documents.len(), "document"),
                failed.join(", ")
            ),
        );
        Ok(Outcome::Failed)
    }
}

/// Reads, counts and generates every document, or says which one cannot be used.
fn load_documents(
    root: &Path,
    options: &Options,
    generate: Generate<'_>,
) -> Result<Vec<Document>, Failure> {
    let specs: Vec<(PathBuf, String)> = if options.specs.is_empty() {
        DEFAULT_SPECS
            .iter()
            .map(|spec| (root.join(spec), (*spec).to_owned()))
            .collect()
    } else {
        options
            .specs
            .iter()
            .map(|spec| (spec.clone(), spec.display().to_string()))
            .collect()
    };
    let mut stems = BTreeSet::new();
    let mut documents = Vec::with_capacity(specs.len());
    for (path, name) in specs {
        let cannot_read =
            |why: &dyn std::fmt::Display| Failure::BadInput(format!("{name}: cannot read: {why}"));
        if path.is_dir() {
            return Err(cannot_read(&"it is a directory, not a file"));
        }
        let bytes = fs::read(&path).map_err(|err| cannot_read(&err))?;
        let source = Source {
            name: &name,
            bytes: &bytes,
        };
        // A panic is a generator bug: its message is on stderr already, and the document fails.
        let start = Instant::now();
        let output = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            generate(source, &Selection::All)
        })) {
            Ok(Ok(output)) => Some(output),
            Ok(Err(err)) => return Err(Failure::BadInput(err.to_string())),
            Err(_) => None,
        };
        let generated_in = start.elapsed();
        let survey = Survey::of(&bytes)
            .map_err(|why| Failure::BadInput(format!("{name}: cannot survey it: {why}")))?;
        let stem = unique_stem(&path, &mut stems);
        documents.push(Document {
            name,
            stem,
            survey,
            output,
            generated_in,
        });
    }
    Ok(documents)
}

/// A document's operations and examples, counted from its YAML, independently of the generator.
#[derive(Debug, Default, PartialEq, Eq)]
struct Survey {
    /// The number of distinct operationIds among the operations of `paths`.
    operations: usize,
    /// The JSON pointer of every object holding an `example` (a schema, a parameter, a media type).
    examples: BTreeSet<String>,
}

impl Survey {
    fn of(bytes: &[u8]) -> Result<Self, String> {
        const METHODS: [&str; 8] = [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ];
        let document: serde_yaml::Value =
            serde_yaml::from_slice(bytes).map_err(|err| err.to_string())?;
        let Some(paths) = document
            .get("paths")
            .and_then(serde_yaml::Value::as_mapping)
        else {
            return Err("it has no `paths` mapping".to_owned());
        };
        let ids: BTreeSet<&str> = paths
            .values()
            .flat_map(|item| METHODS.iter().filter_map(move |method| item.get(*method)))
            .filter_map(|operation| operation.get("operationId")?.as_str())
            .collect();
        let mut examples = BTreeSet::new();
        find_examples(&document, &mut String::new(), &mut examples);
        Ok(Survey {
            operations: ids.len(),
            examples,
        })
    }
}

/// Collects the pointers of the mappings under `node` that have an `example` key, without looking inside
/// the examples themselves.
fn find_examples(node: &serde_yaml::Value, pointer: &mut String, found: &mut BTreeSet<String>) {
    let length = pointer.len();
    match node {
        serde_yaml::Value::Mapping(mapping) => {
            for (key, value) in mapping {
                let key = match key {
                    serde_yaml::Value::String(key) => key.clone(),
                    serde_yaml::Value::Number(key) => key.to_string(),
                    serde_yaml::Value::Bool(key) => key.to_string(),
                    _ => continue,
                };
                if key == "example" {
                    found.insert(pointer.clone());
                    continue;
                }
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                find_examples(value, pointer, found);
                pointer.truncate(length);
            }
        }
        serde_yaml::Value::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                let _ = write!(pointer, "/{index}");
                find_examples(item, pointer, found);
                pointer.truncate(length);
            }
        }
        serde_yaml::Value::Tagged(tagged) => find_examples(&tagged.value, pointer, found),
        _ => {}
    }
}

/// The file stem of `path`, made unique among `taken` with a numeric suffix.
fn unique_stem(path: &Path, taken: &mut BTreeSet<String>) -> String {
    let base: String = path
        .file_stem()
        .map(OsStr::to_string_lossy)
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = if base.is_empty() || base.starts_with('.') {
        format!("document{base}")
    } else {
        base
    };
    let mut stem = base.clone();
    let mut n = 2;
    while !taken.insert(stem.clone()) {
        stem = format!("{base}-{n}");
        n += 1;
    }
    stem
}

/// Makes sure every `--keep` directory can be (re)created: absent, or made by an earlier run.
fn prepare_keep(keep: &Path, documents: &[Document]) -> Result<(), Failure> {
    if keep.exists() && !keep.is_dir() {
        return Err(Failure::BadInput(format!(
            "--keep {}: not a directory",
            keep.display()
        )));
    }
    for document in documents {
        let dir = keep.join(&document.stem);
        if dir.exists() && !dir.join(MARK).is_file() {
            return Err(Failure::BadInput(format!(
                "--keep: {} exists and was not made by `cargo xtask verify`; choose another directory",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// The parts of the workspace a copy is made of, read once.
struct Template {
    /// The root `Cargo.toml` rewritten for a workspace whose only member is the copy.
    workspace_manifest: String,
    /// The root `Cargo.lock`, when there is one.
    lock: Option<Vec<u8>>,
    /// The client crate's `Cargo.toml`.
    crate_manifest: String,
    /// The client crate's other files, keyed by their path relative to the crate: everything but the
    /// manifest, the generated files, and the tests, examples and benches (which exercise the committed
    /// Machines selection, not the document's).
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Template {
    fn read(root: &Path) -> anyhow::Result<Self> {
        let read =
            |path: &Path| fs::read(path).with_context(|| format!("cannot read {}", path.display()));
        let root_manifest_path = root.join("Cargo.toml");
        let root_manifest = String::from_utf8(read(&root_manifest_path)?)
            .with_context(|| format!("{} is not UTF-8", root_manifest_path.display()))?;
        let workspace_manifest = workspace_manifest(&root_manifest, MEMBER_DIR)
            .with_context(|| format!("cannot use {}", root_manifest_path.display()))?;
        let lock_path = root.join("Cargo.lock");
        let lock = if lock_path.exists() {
            Some(read(&lock_path)?)
        } else {
            None
        };
        let client = root.join(CLIENT_DIR);
        let crate_manifest_path = client.join("Cargo.toml");
        let crate_manifest = String::from_utf8(read(&crate_manifest_path)?)
            .with_context(|| format!("{} is not UTF-8", crate_manifest_path.display()))?;
        let skipped: [PathBuf; 6] = [
            PathBuf::from("Cargo.toml"),
            PathBuf::from("tests"),
            PathBuf::from("examples"),
            PathBuf::from("benches"),
            PathBuf::from("target"),
            Path::new("src").join(generator::GENERATED_DIR),
        ];
        let mut files = BTreeMap::new();
        let mut pending = vec![PathBuf::new()];
        while let Some(relative) = pending.pop() {
            let dir = client.join(&relative);
            let entries =
                fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
            for entry in entries {
                let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
                let name = relative.join(entry.file_name());
                if skipped.contains(&name) {
                    continue;
                }
                if entry.path().is_dir() {
                    pending.push(name);
                } else {
                    files.insert(name, read(&entry.path())?);
                }
            }
        }
        if !files.contains_key(&lib_rs()) {
            bail!("{} has no src/lib.rs", client.display());
        }
        Ok(Template {
            workspace_manifest,
            lock,
            crate_manifest,
            files,
        })
    }

    /// Writes the copy for one document into `dir` (which exists and is empty), naming its package `package`.
    fn write(&self, dir: &Path, package: &str, output: &Output) -> anyhow::Result<()> {
        let write = |path: &Path, contents: &[u8]| -> anyhow::Result<()> {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
        };
        write(&dir.join("Cargo.toml"), self.workspace_manifest.as_bytes())?;
        if let Some(lock) = &self.lock {
            write(&dir.join("Cargo.lock"), lock)?;
        }
        let member = dir.join(MEMBER_DIR);
        write(
            &member.join("Cargo.toml"),
            crate_manifest(&self.crate_manifest, package).as_bytes(),
        )?;
        for (path, contents) in &self.files {
            if *path == lib_rs() {
                let mut lib = contents.clone();
                if !lib.ends_with(b"\n") {
                    lib.push(b'\n');
                }
                lib.extend_from_slice(b"\n#[cfg(test)]\nmod example_roundtrip;\n");
                write(&member.join(path), &lib)?;
            } else {
                write(&member.join(path), contents)?;
            }
        }
        let src = member.join("src");
        for (path, contents) in &output.files {
            validate_output_path(path).map_err(|why| {
                anyhow!(
                    "the generator produced the file name `{path}`, which {why} (a generator bug)"
                )
            })?;
            write(&src.join(path), contents.as_bytes())?;
        }
        write(
            &src.join(ROUNDTRIP_FILE),
            roundtrip_module(&output.examples).as_bytes(),
        )
    }
}

/// Writes a buildable copy of the client crate holding `output` into `dir` (created if needed), with
/// its package named `package`, and returns the copy's crate directory. Used by `bench` to time the
/// build of the whole API.
pub fn prepare_copy(
    root: &Path,
    output: &Output,
    dir: &Path,
    package: &str,
) -> anyhow::Result<PathBuf> {
    let template = Template::read(root)?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    template.write(dir, package, output)?;
    Ok(dir.join(MEMBER_DIR))
}

/// `src/lib.rs`, relative to the crate.
fn lib_rs() -> PathBuf {
    Path::new("src").join("lib.rs")
}

/// The root manifest rewritten for a copy's workspace: the same workspace tables (`[workspace.package]`,
/// `[workspace.dependencies]`, profiles, patches, the resolver), with `member` as the only member.
///
/// The members' manifests inherit from these tables (`edition.workspace = true`, `serde.workspace = true`),
/// so the copy's own `Cargo.toml` needs no dependency rewritten, and the copied `Cargo.lock` pins the same
/// versions.
fn workspace_manifest(root_manifest: &str, member: &str) -> anyhow::Result<String> {
    let lines = manifest_lines(root_manifest);
    if lines.iter().any(|line| line.table == "package") {
        bail!("it has a [package] table; `cargo xtask verify` needs a virtual workspace manifest");
    }
    if !lines
        .iter()
        .any(|line| line.header && line.table == "workspace")
    {
        bail!("it has no [workspace] table");
    }
    let mut manifest = String::new();
    for line in lines {
        let member_list = line.table == "workspace"
            && matches!(
                line.key.as_deref(),
                Some("members" | "default-members" | "exclude")
            );
        if !member_list {
            let _ = writeln!(manifest, "{}", line.text);
        }
        if line.header && line.table == "workspace" {
            let _ = writeln!(manifest, "members = [{member:?}]");
        }
    }
    Ok(manifest)
}

/// The client crate's manifest for a copy: unchanged but for the package's name and the `[[bench]]`,
/// `[[test]]` and `[[example]]` targets, whose files (outside `src/`) are not copied. The library keeps its
/// name (`clerk_bapi`).
///
/// The name matters because cargo names a member's artifacts by a hash of its name, version and path
/// *relative to its workspace root*, which is the same in every copy. Under one name, the copies of two
/// documents would build the very same files in the shared target directory, and two runs at once would
/// test each other's builds.
fn crate_manifest(manifest: &str, package: &str) -> String {
    let mut copy = String::new();
    for line in manifest_lines(manifest) {
        if line.table == "package" && line.key.as_deref() == Some("name") {
            let _ = writeln!(copy, "name = {package:?}");
        } else if line.table == "dev-dependencies" && line.key.as_deref() == Some("clerk-bapi") {
            // The crate's dependency on itself turns features on for the tests outside `src/`,
            // which are not copied; under its new name it would name no package.
        } else if !matches!(line.table.as_str(), "bench" | "test" | "example") {
            let _ = writeln!(copy, "{}", line.text);
        }
    }
    copy
}

/// One line of a TOML manifest, with the table it is in and the key of the entry it belongs to.
struct ManifestLine<'a> {
    text: &'a str,
    /// The table's name (`workspace.dependencies`, `bench` for `[[bench]]`); empty before the first header.
    table: String,
    /// Whether the line is the table's header.
    header: bool,
    /// The key (`members`) of the entry the line starts or continues (a value may span several lines).
    key: Option<String>,
}

/// Splits a manifest into lines that know their table and key. This is just enough TOML for Cargo
/// manifests: headers, `key = value` entries, and values whose brackets or braces span several lines.
fn manifest_lines(text: &str) -> Vec<ManifestLine<'_>> {
    let mut lines = Vec::new();
    let mut table = String::new();
    let mut key: Option<String> = None;
    // How many brackets or braces are open at the start of the line: headers and keys only count at 0.
    let mut depth = 0i32;
    for line in text.lines() {
        let mut header = false;
        if depth <= 0 {
            depth = 0;
            if let Some(name) = table_header(line) {
                table = name;
                header = true;
                key = None;
            } else {
                key = line
                    .split_once('=')
                    .map(|(key, _)| key.trim().trim_matches(['"', '\'']).to_owned())
                    .filter(|key| !key.is_empty() && !key.starts_with('#'));
            }
        }
        if !header {
            depth += bracket_balance(line);
        }
        lines.push(ManifestLine {
            text: line,
            table: table.clone(),
            header,
            key: key.clone(),
        });
    }
    lines
}

/// The name of the table a TOML line opens (`[a.b]` → `a.b`, `[[bin]]` → `bin`), spaces removed.
fn table_header(line: &str) -> Option<String> {
    let line = line.trim();
    let inner = line.strip_prefix('[')?;
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    let end = inner.find(']')?;
    let rest = inner[end..].trim_start_matches(']').trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    let name: String = inner[..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Brackets and braces opened minus closed on a TOML line, ignoring strings and comments.
fn bracket_balance(line: &str) -> i32 {
    let mut balance = 0;
    let mut quote = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' => break,
                '[' | '{' => balance += 1,
                ']' | '}' => balance -= 1,
                _ => {}
            },
        }
    }
    balance
}

/// Where a copy is built: `target/verify/work/<document name>/`, removed when dropped.
///
/// The directory is also the lock that keeps two runs from verifying the same document at the same time:
/// their copies would have the same package name, so the same artifacts in the shared target directory.
/// A run waits while another live run holds the directory, and takes over one that an interrupted run left.
struct Workdir(PathBuf);

impl Workdir {
    fn claim(work: &Path, stem: &str, stdout: &mut dyn Write) -> anyhow::Result<Self> {
        let dir = work.join(stem);
        let me = std::process::id();
        // The directory appears with its marker in place (a rename), so a run that finds it can read the
        // id of the run that holds it.
        let staging = work.join(format!(".{stem}.{me}.claim"));
        let mut waiting = false;
        loop {
            fs::create_dir_all(&staging)
                .and_then(|()| fs::write(staging.join(MARK), format!("{me}\n")))
                .with_context(|| format!("cannot write in {}", staging.display()))?;
            let Err(err) = fs::rename(&staging, &dir) else {
                return Ok(Workdir(dir));
            };
            if !dir.exists() {
                let _ = fs::remove_dir_all(&staging);
                return Err(err).with_context(|| format!("cannot create {}", dir.display()));
            }
            match held_by_a_live_run(&dir) {
                Some(pid) => {
                    if !waiting {
                        say(
                            stdout,
                            format_args!(
                                "waiting for process {pid}, which is verifying this document in {}",
                                dir.display()
                            ),
                        );
                        waiting = true;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
                None => {
                    // Left by an interrupted run. Moved aside first, so that of two runs taking it over at
                    // once, only one removes it.
                    let stale = work.join(format!(".{stem}.{me}.stale"));
                    if fs::rename(&dir, &stale).is_ok() {
                        fs::remove_dir_all(&stale)
                            .with_context(|| format!("cannot remove {}", stale.display()))?;
                    }
                }
            }
        }
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The id of the process that wrote `dir`'s marker, if it is still running. Only Linux's `/proc` can tell;
/// elsewhere a directory is taken to be left over (so runs on the same document must not overlap there).
fn held_by_a_live_run(dir: &Path) -> Option<u32> {
    let pid = fs::read_to_string(dir.join(MARK))
        .ok()?
        .trim()
        .parse::<u32>()
        .ok()?;
    Path::new("/proc")
        .join(pid.to_string())
        .exists()
        .then_some(pid)
}

/// Copies the files of `from` into `to` (which must not exist yet), recursively.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let entries = fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", from.display()))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            fs::copy(&source, &target).with_context(|| {
                format!("cannot copy {} to {}", source.display(), target.display())
            })?;
        }
    }
    Ok(())
}

/// Time spent per phase, printed on one line.
#[derive(Default)]
struct Timings(Vec<(&'static str, Duration)>);

impl Timings {
    fn time<T>(&mut self, phase: &'static str, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let result = work();
        self.0.push((phase, start.elapsed()));
        result
    }

    fn line(&self) -> String {
        let phases: Vec<String> = self
            .0
            .iter()
            .map(|(phase, elapsed)| format!("{phase} {:.1} s", elapsed.as_secs_f64()))
            .collect();
        let total: Duration = self.0.iter().map(|(_, elapsed)| *elapsed).sum();
        format!(
            "time: {} (total {:.1} s)",
            phases.join(", "),
            total.as_secs_f64()
        )
    }
}

/// Verifies one document, reporting as it goes. `Ok(false)` when the document failed; `Err` only when
/// the verification itself could not run (a file system error, cargo missing).
fn verify_document(
    document: &Document,
    options: &Options,
    template: &Template,
    target_dir: &Path,
    stdout: &mut dyn Write,
) -> Result<bool, Failure> {
    let Some(output) = &document.output else {
        say(
            stdout,
            format_args!(
                "error: the generator panicked on this document (a generator bug; see stderr)"
            ),
        );
        return Ok(false);
    };
    let mut timings = Timings(vec![("generate", document.generated_in)]);

    // Generation: every operation, none skipped. A failure here still goes on to build, for the findings.
    let (report, mut ok) = check_generation(output, &document.survey, options.allow_skipped);
    for line in &report {
        say(stdout, format_args!("{line}"));
    }

    // The copy.
    let workdir = Workdir::claim(&target_dir.join("work"), &document.stem, stdout)?;
    let package = format!("clerk-bapi-verify-{}", document.stem.replace('.', "_"));
    timings.time("copy", || template.write(workdir.path(), &package, output))?;
    let cargo = Cargo::new(workdir.path(), target_dir);

    // Clippy builds the crate and its tests, and turns every warning into an error.
    let clippy = timings.time("clippy", || {
        // All features: the test double (`test-util`) of the whole API must build clippy-clean too.
        cargo.run(
            &["clippy", "--all-targets", "--all-features"],
            &["-D", "warnings"],
        )
    })?;
    if let Some(note) = &clippy.note {
        say(stdout, format_args!("note: {note}"));
    }
    if clippy.success {
        say(stdout, format_args!("clippy: no warnings"));
        // The crate's doc tests are the committed client's documentation, written for the BAPI's
        // Machines group and run in the workspace; a document without that group (the Frontend
        // API) cannot compile them, so the copy runs its unit and round-trip tests only.
        let test = timings.time("test", || {
            cargo.run(&["test", "--no-fail-fast", "--lib", "--tests"], &[])
        })?;
        if let Some(note) = &test.note {
            say(stdout, format_args!("note: {note}"));
        }
        ok &= report_tests(&test, output.examples.len(), stdout);
    } else {
        say(
            stdout,
            format_args!("error: the generated crate does not build clippy-clean:"),
        );
        say(stdout, format_args!("{}", compiler_excerpt(&clippy.stderr)));
        ok = false;
    }
    say(stdout, format_args!("{}", timings.line()));
    if let Some(keep) = &options.keep {
        // The copy was built where every run builds it, then kept: --keep changes nothing in the build.
        let dir = keep.join(&document.stem);
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
        }
        copy_tree(workdir.path(), &dir)?;
        say(
            stdout,
            format_args!(
                "kept the copy in {}; to rebuild it: cargo test --manifest-path {} --target-dir {}",
                dir.display(),
                dir.join("Cargo.toml").display(),
                target_dir.display(),
            ),
        );
    }
    say(stdout, format_args!("{}", if ok { "ok" } else { "FAILED" }));
    Ok(ok)
}

/// What the generator made of a document, as report lines, and whether it is complete: every operation of
/// the document generated (or, with `allow_skipped`, generated or skipped).
fn check_generation(output: &Output, survey: &Survey, allow_skipped: bool) -> (Vec<String>, bool) {
    let mut report = vec![format!(
        "generated {} in {}",
        count(output.operations, "operation"),
        count(output.groups, "group")
    )];
    let level = if allow_skipped { "warning" } else { "error" };
    for skipped in &output.skipped {
        report.push(format!(
            "{level}: skipped {}: {}",
            skipped.operation_id, skipped.reason
        ));
    }
    let skipped = output.skipped.len();
    let accounted = output.operations + if allow_skipped { skipped } else { 0 };
    let counted = accounted == survey.operations;
    report.push(format!(
        "{}the document has {}: {} generated{}",
        if counted { "" } else { "error: " },
        count(survey.operations, "operation"),
        output.operations,
        if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        }
    ));
    // The examples: those the generator reported are tested; the others are only counted.
    let reported: BTreeSet<&str> = output.examples.iter().map(|e| e.pointer.as_str()).collect();
    let unreported: Vec<&String> = survey
        .examples
        .iter()
        .filter(|pointer| !reported.contains(pointer.as_str()))
        .collect();
    if let Some(first) = unreported.first() {
        report.push(format!(
            "note: the document has {}; the generator reported {} to round-trip, not the {} others (the \
             first: {first})",
            count(survey.examples.len(), "example"),
            reported.len(),
            unreported.len()
        ));
    }
    (report, counted && (allow_skipped || skipped == 0))
}

/// Reports `cargo test`'s result: the examples that did not round-trip, then any other failure.
fn report_tests(test: &CargoRun, examples: usize, stdout: &mut dyn Write) -> bool {
    if test.success {
        say(
            stdout,
            format_args!("tests pass: {} round-trip", count(examples, "example")),
        );
        return true;
    }
    let text = format!("{}\n{}", test.stdout, test.stderr);
    let failures = roundtrip_failures(&text);
    let other = failed_tests(&text)
        .into_iter()
        .filter(|name| !name.starts_with("example_roundtrip::"))
        .collect::<Vec<_>>();
    if !failures.is_empty() {
        say(
            stdout,
            format_args!(
                "error: {} of {} do not round-trip:",
                failures.len(),
                count(examples, "example")
            ),
        );
        for failure in failures.iter().take(FAILURES_SHOWN) {
            say(stdout, format_args!("  {failure}"));
        }
        if failures.len() > FAILURES_SHOWN {
            say(
                stdout,
                format_args!("  … {} more", failures.len() - FAILURES_SHOWN),
            );
        }
    }
    if !other.is_empty() {
        say(
            stdout,
            format_args!("error: other tests failed: {}", other.join(", ")),
        );
        say(stdout, format_args!("{}", failure_details(&text)));
    } else if failures.is_empty() {
        // Nothing recognisable: a build or link error, or a test that failed without a message.
        say(stdout, format_args!("error: `cargo test` failed:"));
        say(stdout, format_args!("{}", compiler_excerpt(&text)));
    }
    false
}

/// What libtest printed for the failed tests other than the round-trip ones (each `---- name stdout ----`
/// block), capped.
fn failure_details(test_output: &str) -> String {
    let mut details = String::new();
    let mut showing = false;
    for line in test_output.lines() {
        if line.starts_with("---- ") && line.ends_with(" ----") {
            showing = !line.contains("example_roundtrip::");
        } else if line == "failures:" || line.starts_with("test result:") {
            showing = false;
        }
        if showing {
            let _ = writeln!(details, "{line}");
        }
    }
    compiler_excerpt(&details)
}

/// The messages of the round-trip tests that failed, in order, without duplicates.
fn roundtrip_failures(test_output: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    test_output
        .lines()
        .filter_map(|line| line.strip_prefix(FAILURE_MARK))
        .filter(|message| seen.insert(*message))
        .map(str::to_owned)
        .collect()
}

/// The names of the tests libtest reported as failed (`test NAME ... FAILED`).
fn failed_tests(test_output: &str) -> Vec<String> {
    test_output
        .lines()
        .filter_map(|line| line.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(str::to_owned)
        .collect()
}

/// The compiler's diagnostics from cargo's output, without progress lines, capped.
fn compiler_excerpt(output: &str) -> String {
    const PROGRESS: [&str; 12] = [
        "Compiling",
        "Checking",
        "Finished",
        "Blocking",
        "Downloading",
        "Downloaded",
        "Locking",
        "Updating",
        "Adding",
        "Removing",
        "Running",
        "Doc-tests",
    ];
    let lines: Vec<&str> = output
        .lines()
        .filter(|line| {
            let first = line.split_whitespace().next().unwrap_or("");
            !(line.starts_with(' ') && PROGRESS.contains(&first))
        })
        .skip_while(|line| line.trim().is_empty())
        .collect();
    let lines = match lines.iter().rposition(|line| !line.trim().is_empty()) {
        Some(last) => &lines[..=last],
        None => &[],
    };
    let mut excerpt: Vec<String> = lines
        .iter()
        .take(OUTPUT_LINES)
        .map(|line| format!("    {line}"))
        .collect();
    if lines.len() > OUTPUT_LINES {
        excerpt.push(format!("    … {} more lines", lines.len() - OUTPUT_LINES));
    }
    excerpt.join("\n")
}

/// How cargo is run on a copy: the same cargo as the one running this command, the shared target
/// directory, no colours, offline first.
struct Cargo<'a> {
    workdir: &'a Path,
    target_dir: &'a Path,
}

/// What one cargo command did.
struct CargoRun {
    success: bool,
    stdout: String,
    stderr: String,
    /// Set when the run needed the network after all.
    note: Option<String>,
}

impl<'a> Cargo<'a> {
    fn new(workdir: &'a Path, target_dir: &'a Path) -> Self {
        Cargo {
            workdir,
            target_dir,
        }
    }

    /// Runs `cargo <args> -- <tool_args>` on the copy. It first runs offline, since the copied lock file
    /// names only crates the workspace already uses; if cargo could not resolve or fetch them that way, it
    /// runs again online.
    fn run(&self, args: &[&str], tool_args: &[&str]) -> anyhow::Result<CargoRun> {
        let first = self.run_once(args, tool_args, true)?;
        if first.success || !needed_network(&first.stderr) {
            return Ok(first);
        }
        let mut second = self.run_once(args, tool_args, false)?;
        second.note = Some(
            "cargo could not work offline from the copied Cargo.lock, so it ran online".to_owned(),
        );
        Ok(second)
    }

    fn run_once(
        &self,
        args: &[&str],
        tool_args: &[&str],
        offline: bool,
    ) -> anyhow::Result<CargoRun> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(&cargo);
        command
            .args(args)
            .arg("--manifest-path")
            .arg(self.workdir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(self.target_dir)
            .args(["--color", "never"])
            .current_dir(self.workdir)
            .env("CARGO_TERM_PROGRESS_WHEN", "never")
            // Each copy is built once: incremental compilation would only cost time and disk.
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("CARGO_TARGET_DIR");
        if offline {
            command.arg("--offline");
        }
        if !tool_args.is_empty() {
            command.arg("--").args(tool_args);
        }
        let output = command.output().with_context(|| {
            format!("cannot run {} {}", cargo.to_string_lossy(), args.join(" "))
        })?;
        Ok(CargoRun {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            note: None,
        })
    }
}

/// Whether cargo failed because `--offline` kept it from resolving or downloading something.
fn needed_network(stderr: &str) -> bool {
    stderr.contains("--offline was specified") || stderr.contains("offline mode (--offline)")
}

/// The round-trip test module for `examples`: one `#[test]` per example, each naming its JSON pointer.
///
/// Each test parses the example's JSON, decodes it into the generated type, encodes it back and compares
/// the two values. Two differences are not counted as failures, since they are representations of the
/// same data rather than lost or invented data: numbers are compared by value (an integer example of a
/// `number` field comes back as a float, `3` as `3.0`), and an object member that is `null` on one side
/// and absent on the other is the same (an `Option` field skipped when `None`). Anything else (a member
/// dropped or added, a string changed, an array of another length) fails with the place it differs.
/// A type that cannot decode or encode at all fails at run time rather than breaking the build of every
/// other test (method resolution picks a fallback when the traits are missing).
pub fn roundtrip_module(examples: &[Example]) -> String {
    let mut module = String::from(
        "//! Round-trip tests of the document's examples, written by `cargo xtask verify`: each example decodes into\n\
         //! its generated type and encodes back to an equal value (numbers compared by value, `null` same as absent).\n",
    );
    if examples.is_empty() {
        module.push_str("\n// The document has no examples.\n");
        return module;
    }
    module.push_str(ROUNDTRIP_SUPPORT);
    let mut examples: Vec<&Example> = examples.iter().collect();
    examples.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    examples.dedup_by(|a, b| a.pointer == b.pointer);
    let width = examples.len().to_string().len();
    for (index, example) in examples.iter().enumerate() {
        let json = example.value.to_string();
        let hashes = "#".repeat(raw_string_hashes(&json));
        let _ = write!(
            module,
            "\n/// `{pointer}`\n#[test]\nfn example_{index:0width$}() {{\n    \
             let check = &Check::< {ty} >(PhantomData);\n    \
             check.round_trip({pointer_literal}, {type_literal}, r{hashes}\"{json}\"{hashes});\n}}\n",
            pointer = example.pointer.replace('`', "'"),
            index = index + 1,
            ty = example.rust_type,
            pointer_literal = format_args!("{:?}", example.pointer),
            type_literal = format_args!("{:?}", display_type(&example.rust_type)),
        );
    }
    module
}

/// The number of `#` a raw string literal needs to hold `text`: one more than the longest run of `#`
/// following a `"` in it.
fn raw_string_hashes(text: &str) -> usize {
    let longest = text
        .split('"')
        .skip(1)
        .map(|after| after.chars().take_while(|&c| c == '#').count())
        .max()
        .unwrap_or(0);
    longest + 1
}

/// A type's token text as people write it: `crate :: types :: Foo < T >` → `crate::types::Foo<T>`.
fn display_type(tokens: &str) -> String {
    let mut text = String::with_capacity(tokens.len());
    let mut previous = ' ';
    let mut chars = tokens.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let next = chars.peek().copied().unwrap_or(' ');
            // Keep a space only between two words (`dyn Trait`, `& 'a`).
            let word = |c: char| c.is_alphanumeric() || c == '_' || c == '\'';
            if !(word(previous) && word(next)) {
                continue;
            }
        }
        text.push(c);
        previous = c;
    }
    text
}

/// The helpers shared by the generated round-trip tests.
const ROUNDTRIP_SUPPORT: &str = r#"
// Generated types may be deprecated, like the fields and operations of the document; the examples still count.
#![allow(deprecated)]

use ::serde_json::Value;
use ::std::marker::PhantomData;

/// Names the generated type an example must round-trip through.
struct Check<T>(PhantomData<T>);

/// The round trip, for types that both decode and encode.
trait RoundTrip {
    fn round_trip(&self, pointer: &str, rust_type: &str, json: &str);
}

impl<T: ::serde::de::DeserializeOwned + ::serde::Serialize> RoundTrip for Check<T> {
    fn round_trip(&self, pointer: &str, rust_type: &str, json: &str) {
        let value: Value = ::serde_json::from_str(json)
            .unwrap_or_else(|err| fail(pointer, rust_type, format_args!("the example is not JSON: {err}")));
        let typed: T = ::serde_json::from_value(value.clone())
            .unwrap_or_else(|err| fail(pointer, rust_type, format_args!("does not decode: {err}")));
        let back = ::serde_json::to_value(&typed)
            .unwrap_or_else(|err| fail(pointer, rust_type, format_args!("does not encode: {err}")));
        if let Some(difference) = difference(&value, &back, "") {
            fail(pointer, rust_type, format_args!("encodes back differently: {difference}"));
        }
    }
}

/// Picked by method resolution, one auto-reference later, when the type lacks `Serialize` or `Deserialize`.
#[allow(dead_code, reason = "only used when some example's type cannot round-trip")]
trait CannotRoundTrip {
    fn round_trip(&self, pointer: &str, rust_type: &str, _json: &str) {
        fail(pointer, rust_type, "the type does not implement both Serialize and Deserialize");
    }
}

impl<T> CannotRoundTrip for &Check<T> {}

fn fail(pointer: &str, rust_type: &str, problem: impl ::std::fmt::Display) -> ! {
    panic!("example round-trip failed: {pointer} ({rust_type}): {problem}")
}

/// Where `back` differs from `expected`, as `place: what`, or `None` when they are the same data.
fn difference(expected: &Value, back: &Value, place: &str) -> Option<String> {
    let at = if place.is_empty() { "/" } else { place };
    match (expected, back) {
        (Value::Number(a), Value::Number(b)) => {
            (!same_number(a, b)).then(|| format!("at {at}: {a} became {b}"))
        }
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let inner = format!("{place}/{}", key.replace('~', "~0").replace('/', "~1"));
                match b.get(key) {
                    Some(other) => {
                        if let Some(difference) = difference(value, other, &inner) {
                            return Some(difference);
                        }
                    }
                    None if value.is_null() => {}
                    None => return Some(format!("at {inner}: {} was dropped", excerpt(value))),
                }
            }
            b.iter()
                .find(|(key, value)| !a.contains_key(*key) && !value.is_null())
                .map(|(key, value)| format!("at {place}/{key}: {} was added", excerpt(value)))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(index, (a, b))| difference(a, b, &format!("{place}/{index}"))),
        _ => (expected != back)
            .then(|| format!("at {at}: {} became {}", excerpt(expected), excerpt(back))),
    }
}

/// Numbers are equal when their values are: exactly for integers, as `f64` otherwise.
fn same_number(a: &::serde_json::Number, b: &::serde_json::Number) -> bool {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return a == b;
    }
    matches!((a.as_f64(), b.as_f64()), (Some(a), Some(b)) if a == b)
}

/// A value's JSON, cut short when long.
fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(120) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}
"#;

/// Prints a line and flushes it, since the phases between lines take minutes; a closed stdout must not
/// turn a finished run into a failure or a panic.
fn say(stdout: &mut dyn Write, line: std::fmt::Arguments<'_>) {
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_manifest_keeps_everything_but_the_members() {
        let root = "\
[workspace]
resolver = \"3\"
members = [
    \"generator\", # the generator
    \"generated-client\",
]
exclude = [\"fuzz\"]

[workspace.package]
edition = \"2024\"

[workspace.dependencies]
serde = { version = \"1\", features = [\"derive\"] }
tokio = { version = \"1\", features = [
    \"time\",
] }
weird = \"[not a header]\"

[profile.dev]
debug = 1
";
        let manifest = workspace_manifest(root, "clerk-bapi").unwrap();
        assert_eq!(
            manifest,
            "\
[workspace]
members = [\"clerk-bapi\"]
resolver = \"3\"

[workspace.package]
edition = \"2024\"

[workspace.dependencies]
serde = { version = \"1\", features = [\"derive\"] }
tokio = { version = \"1\", features = [
    \"time\",
] }
weird = \"[not a header]\"

[profile.dev]
debug = 1
"
        );
    }

    #[test]
    fn the_crate_manifest_loses_the_targets_outside_src() {
        let manifest = "\
[package]
name = \"clerk-bapi\"

[dev-dependencies]
clerk-bapi = { path = \".\", features = [\"test-util\"] }
wiremock.workspace = true

[[bench]]
name = \"throughput\"
harness = false

[[test]]
name = \"x\"
required-features = [
    \"a\",
]

[features]
a = []
";
        assert_eq!(
            crate_manifest(manifest, "clerk-bapi-verify-x"),
            "\
[package]
name = \"clerk-bapi-verify-x\"

[dev-dependencies]
wiremock.workspace = true

[features]
a = []
"
        );
    }

    #[test]
    fn the_real_workspace_manifest_is_usable() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let manifest = workspace_manifest(&fs::read_to_string(root).unwrap(), "m").unwrap();
        assert!(
            manifest.starts_with("[workspace]\nmembers = [\"m\"]\n"),
            "{manifest}"
        );
        assert_eq!(manifest.matches("members").count(), 1, "{manifest}");
        assert!(manifest.contains("[workspace.dependencies]"), "{manifest}");
        assert!(manifest.contains("[workspace.package]"), "{manifest}");
    }

    #[test]
    fn a_manifest_that_is_not_a_virtual_workspace_is_refused() {
        let err = workspace_manifest("[package]\nname = \"x\"\n[workspace]\n", "m").unwrap_err();
        assert!(err.to_string().contains("[package]"), "{err}");
        let err = workspace_manifest("[dependencies]\n", "m").unwrap_err();
        assert!(err.to_string().contains("no [workspace]"), "{err}");
    }

    #[test]
    fn table_headers() {
        assert_eq!(table_header("[workspace]").as_deref(), Some("workspace"));
        assert_eq!(
            table_header("  [ workspace . dependencies ] # deps").as_deref(),
            Some("workspace.dependencies")
        );
        assert_eq!(table_header("[[bin]]").as_deref(), Some("bin"));
        assert_eq!(table_header("members = [\"a\"]"), None);
        assert_eq!(table_header("[\"a\"], [\"b\"]"), None);
        assert_eq!(table_header("[]"), None);
    }

    #[test]
    fn bracket_balance_ignores_strings_and_comments() {
        assert_eq!(bracket_balance("a = ["), 1);
        assert_eq!(bracket_balance("a = { b = [1, 2] }"), 0);
        assert_eq!(bracket_balance("a = \"[\" # ["), 0);
        assert_eq!(bracket_balance("a = '[' ]"), -1);
        assert_eq!(bracket_balance(r#"a = "\"[" ]"#), -1);
    }

    #[test]
    fn operations_are_counted_once_per_operation_id() {
        let document = br#"
openapi: 3.0.3
paths:
  /a:
    parameters: []
    get: {operationId: A}
    post: {operationId: B}
    x-other: {operationId: NotAnOperation}
  /b:
    delete: {operationId: A}
    patch: {}
"#;
        assert_eq!(Survey::of(document).map(|s| s.operations), Ok(2));
        assert!(Survey::of(b"openapi: 3.0.3\n").is_err());
        assert!(Survey::of(b"[").is_err());
    }

    #[test]
    fn examples_are_found_by_pointer_but_not_inside_examples() {
        let document = br#"
paths:
  /a/{b}:
    get:
      parameters:
        - {name: b, in: path, example: x}
      responses:
        200:
          content:
            application/json:
              schema:
                properties:
                  c: {type: object, example: {example: nested}}
components:
  schemas:
    D~E: {type: string, example: d}
"#;
        let survey = Survey::of(document).unwrap();
        assert_eq!(
            survey
                .examples
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            [
                "/components/schemas/D~0E",
                "/paths/~1a~1{b}/get/parameters/0",
                "/paths/~1a~1{b}/get/responses/200/content/application~1json/schema/properties/c",
            ]
        );
    }

    #[test]
    fn stems_are_unique_and_plain() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            unique_stem(Path::new("a/2026-05-12.yml"), &mut taken),
            "2026-05-12"
        );
        assert_eq!(
            unique_stem(Path::new("b/2026-05-12.yml"), &mut taken),
            "2026-05-12-2"
        );
        assert_eq!(
            unique_stem(Path::new("my spec.json"), &mut taken),
            "my_spec"
        );
        assert_eq!(unique_stem(Path::new(".."), &mut taken), "document");
    }

    #[test]
    fn generation_must_cover_every_operation() {
        let output = |operations: usize, skipped: &[&str], examples: &[&str]| Output {
            files: BTreeMap::new(),
            operations,
            groups: 2,
            webhooks: 0,
            skipped: skipped
                .iter()
                .map(|id| generator::Skipped {
                    operation_id: (*id).to_owned(),
                    reason: "not supported".to_owned(),
                })
                .collect(),
            examples: examples
                .iter()
                .map(|pointer| Example {
                    pointer: (*pointer).to_owned(),
                    rust_type: "i64".to_owned(),
                    value: serde_json::json!(1),
                })
                .collect(),
        };
        let survey = Survey {
            operations: 3,
            examples: ["/a".to_owned(), "/b".to_owned()].into(),
        };

        let (report, ok) = check_generation(&output(3, &[], &["/a", "/b"]), &survey, false);
        assert!(ok);
        assert_eq!(
            report,
            [
                "generated 3 operations in 2 groups",
                "the document has 3 operations: 3 generated"
            ]
        );

        let (report, ok) = check_generation(&output(2, &["Upload"], &["/a"]), &survey, false);
        assert!(!ok);
        assert_eq!(
            report,
            [
                "generated 2 operations in 2 groups",
                "error: skipped Upload: not supported",
                "error: the document has 3 operations: 2 generated, 1 skipped",
                "note: the document has 2 examples; the generator reported 1 to round-trip, not the 1 \
                 others (the first: /b)",
            ]
        );

        // --allow-skipped: a skip is a warning, but the operations must still add up.
        let (report, ok) = check_generation(&output(2, &["Upload"], &["/a", "/b"]), &survey, true);
        assert!(ok);
        assert_eq!(report[1], "warning: skipped Upload: not supported");
        assert_eq!(
            report[2],
            "the document has 3 operations: 2 generated, 1 skipped"
        );
        let (report, ok) = check_generation(&output(1, &["Upload"], &["/a", "/b"]), &survey, true);
        assert!(!ok);
        assert_eq!(
            report[2],
            "error: the document has 3 operations: 1 generated, 1 skipped"
        );
        // More operations than the document has is as wrong as fewer.
        let (_, ok) = check_generation(&output(4, &[], &["/a", "/b"]), &survey, false);
        assert!(!ok);
    }

    #[test]
    fn keep_replaces_only_its_own_copies() {
        let keep = tempfile::tempdir().unwrap();
        let document = |stem: &str| Document {
            name: format!("{stem}.yml"),
            stem: stem.to_owned(),
            survey: Survey::default(),
            output: None,
            generated_in: Duration::ZERO,
        };
        let documents = [document("ours"), document("new")];
        fs::create_dir(keep.path().join("ours")).unwrap();
        fs::write(keep.path().join("ours").join(MARK), "").unwrap();
        assert!(prepare_keep(keep.path(), &documents).is_ok());
        fs::create_dir(keep.path().join("new")).unwrap();
        let Err(Failure::BadInput(message)) = prepare_keep(keep.path(), &documents) else {
            panic!()
        };
        assert!(message.contains("was not made by"), "{message}");
        let file = keep.path().join("file");
        fs::write(&file, "").unwrap();
        let Err(Failure::BadInput(message)) = prepare_keep(&file, &documents) else {
            panic!()
        };
        assert!(message.contains("not a directory"), "{message}");
    }

    #[test]
    fn a_workdir_is_claimed_with_its_marker_and_removed_when_dropped() {
        let work = tempfile::tempdir().unwrap();
        let mut stdout = Vec::new();
        let workdir = Workdir::claim(work.path(), "doc", &mut stdout).unwrap();
        let dir = work.path().join("doc");
        assert_eq!(workdir.path(), dir);
        assert_eq!(
            fs::read_to_string(dir.join(MARK)).unwrap(),
            format!("{}\n", std::process::id())
        );
        drop(workdir);
        assert!(!dir.exists());
        // Nothing else is left behind: no staging directory.
        assert_eq!(fs::read_dir(work.path()).unwrap().count(), 0);
        assert!(stdout.is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_workdir_left_by_a_dead_run_is_taken_over() {
        let work = tempfile::tempdir().unwrap();
        let dir = work.path().join("doc");
        fs::create_dir(&dir).unwrap();
        // No process has this id (Linux ids stay below 2^22).
        fs::write(dir.join(MARK), "4294967295\n").unwrap();
        fs::write(dir.join("old.rs"), "").unwrap();
        assert_eq!(held_by_a_live_run(&dir), None);
        let mut stdout = Vec::new();
        let workdir = Workdir::claim(work.path(), "doc", &mut stdout).unwrap();
        assert!(!dir.join("old.rs").exists());
        assert!(stdout.is_empty());
        // While it is held, the marker names a live process.
        assert_eq!(held_by_a_live_run(workdir.path()), Some(std::process::id()));
    }

    #[test]
    fn missing_default_documents_are_named() {
        // A root with nothing beside it: the first default document is missing.
        let root = tempfile::tempdir().unwrap();
        let root = root.path().join("workspace");
        let mut stdout = Vec::new();
        let never = |_: Source<'_>, _: &Selection| -> Result<Output, generator::Error> {
            panic!("nothing is generated when a document is missing")
        };
        let Err(Failure::BadInput(message)) = run(&root, &Options::default(), &never, &mut stdout)
        else {
            panic!()
        };
        assert!(
            message.starts_with("../shared/specs/clerk-bapi/2025-04-10.yml: cannot read: "),
            "{message}"
        );
        assert!(stdout.is_empty());
    }

    #[test]
    fn raw_strings_get_enough_hashes() {
        assert_eq!(raw_string_hashes(r#"{"a":1}"#), 1);
        assert_eq!(raw_string_hashes(r##"{"a":"#x"}"##), 2);
        assert_eq!(raw_string_hashes(r###"["##", "#"]"###), 3);
        assert_eq!(raw_string_hashes("1"), 1);
    }

    #[test]
    fn types_are_displayed_without_token_spaces() {
        assert_eq!(
            display_type(":: std :: option :: Option < :: std :: string :: String >"),
            "::std::option::Option<::std::string::String>"
        );
        assert_eq!(display_type("crate :: types :: Foo"), "crate::types::Foo");
        assert_eq!(display_type("& 'static dyn Foo"), "&'static dyn Foo");
    }

    #[test]
    fn the_roundtrip_module_has_one_test_per_pointer() {
        let example = |pointer: &str, rust_type: &str, value: serde_json::Value| Example {
            pointer: pointer.to_owned(),
            rust_type: rust_type.to_owned(),
            value,
        };
        let module = roundtrip_module(&[
            example("/b", "i64", serde_json::json!(1)),
            example(
                "/a",
                "crate :: types :: Foo",
                serde_json::json!({"x": "\"#"}),
            ),
            example("/b", "i64", serde_json::json!(1)),
        ]);
        assert_eq!(module.matches("#[test]").count(), 2, "{module}");
        assert!(
            module.contains(
                "/// `/a`\n#[test]\nfn example_1() {\n    \
                 let check = &Check::< crate :: types :: Foo >(PhantomData);\n    \
                 check.round_trip(\"/a\", \"crate::types::Foo\", r##\"{\"x\":\"\\\"#\"}\"##);\n}\n"
            ),
            "{module}"
        );
        assert!(module.contains("fn example_2()"), "{module}");
        let empty = roundtrip_module(&[]);
        assert!(
            !empty.contains("#[test]") && !empty.contains("fn "),
            "{empty}"
        );
    }

    #[test]
    fn failures_are_found_in_the_test_output() {
        let output = "\
running 3 tests
test example_roundtrip::example_1 ... FAILED
test example_roundtrip::example_2 ... ok
test secret::tests::debug ... FAILED

failures:

---- example_roundtrip::example_1 stdout ----

thread 'example_roundtrip::example_1' panicked at src/example_roundtrip.rs:9:5:
example round-trip failed: /a (i64): does not decode: invalid type
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
";
        assert_eq!(
            roundtrip_failures(output),
            ["/a (i64): does not decode: invalid type"]
        );
        assert_eq!(
            failed_tests(output),
            ["example_roundtrip::example_1", "secret::tests::debug"]
        );
    }

    #[test]
    fn details_of_other_failures_leave_out_the_roundtrip_ones() {
        let output = "\
failures:

---- example_roundtrip::example_1 stdout ----
example round-trip failed: /a (i64): does not decode
---- src/lib.rs - (line 7) stdout ----
error[E0425]: cannot find value `x`

failures:
    example_roundtrip::example_1
    src/lib.rs - (line 7)

test result: FAILED. 1 passed; 2 failed
";
        assert_eq!(
            failure_details(output),
            "    ---- src/lib.rs - (line 7) stdout ----\n    error[E0425]: cannot find value `x`"
        );
    }

    #[test]
    fn compiler_output_is_stripped_of_progress_and_capped() {
        let mut output =
            String::from("   Compiling serde v1.0.0\n    Checking clerk-bapi v0.1.0\n");
        for n in 0..100 {
            let _ = writeln!(output, "error[E0412]: line {n}");
        }
        let excerpt = compiler_excerpt(&output);
        assert!(
            excerpt.starts_with("    error[E0412]: line 0\n"),
            "{excerpt}"
        );
        assert!(!excerpt.contains("Compiling"), "{excerpt}");
        assert!(excerpt.ends_with("    … 40 more lines"), "{excerpt}");
    }

    #[test]
    fn offline_failures_are_recognised() {
        assert!(needed_network(
            "error: failed to download `x v1.0.0`\n\nCaused by:\n  attempting to make an HTTP request, but --offline was specified\n"
        ));
        assert!(needed_network(
            "error: no matching package named `x` found\nAs a reminder, you're using offline mode (--offline) which can sometimes cause surprising resolution failures"
        ));
        assert!(!needed_network("error[E0308]: mismatched types\n"));
    }
}
