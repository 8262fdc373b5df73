//! The verify crate (`xtask/verify-crate`): filling it with a document's generated modules, and
//! running cargo on it with its findings read from cargo's JSON messages.

use std::fs::{self, File};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context as _;
use cargo_metadata::Message;
use cargo_metadata::diagnostic::DiagnosticLevel;
use generator::Output;
use serde::{Deserialize, Serialize};

use crate::workspace;

/// The verify crate's directory, relative to the workspace root.
pub const DIR: &str = "xtask/verify-crate";
/// Its package name.
pub const PACKAGE: &str = "clerk-bapi-verify";
/// Lines of compiler output shown per failing phase.
const OUTPUT_LINES: usize = 60;

/// The verify crate, held by this process for as long as the value lives.
pub struct VerifyCrate {
    root: PathBuf,
    dir: PathBuf,
    /// Where cargo builds it: `<target>/verify`, apart from the workspace's own builds, so that
    /// this never waits for a `cargo test` that runs `cargo xtask verify`.
    target_dir: PathBuf,
    /// The lock on `.lock`; released when dropped.
    _lock: fd_lock::RwLockWriteGuard<'static, File>,
}

/// One example as the round-trip test reads it from `examples.json`.
#[derive(Serialize)]
struct ExampleEntry<'a> {
    pointer: &'a str,
    rust_type: &'a str,
    value: &'a serde_json::Value,
}

/// One example that did not round-trip, as the test reports it.
#[derive(Debug, Deserialize)]
pub struct RoundTripFailure {
    pub pointer: String,
    pub rust_type: String,
    pub problem: String,
}

/// What `cargo clippy` or `cargo test` did.
pub struct CargoRun {
    pub success: bool,
    /// The compiler's errors and warnings, rendered, capped; else the end of the output.
    pub diagnostics: String,
}

/// What the round-trip test did.
pub struct TestRun {
    pub success: bool,
    /// The examples that did not round-trip, when the test got as far as reporting them.
    pub failures: Option<Vec<RoundTripFailure>>,
    pub diagnostics: String,
}

impl VerifyCrate {
    /// Takes the verify crate of the workspace at `root`, waiting while another run holds it.
    pub fn open(root: &Path) -> anyhow::Result<Self> {
        let dir = root.join(DIR);
        let path = dir.join(".lock");
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        // The lock lives as long as the process needs the crate: leaking one small allocation per
        // run lets the guard be kept beside the paths.
        let lock: &'static mut fd_lock::RwLock<File> =
            Box::leak(Box::new(fd_lock::RwLock::new(file)));
        let lock = lock
            .write()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        let metadata = cargo_metadata::MetadataCommand::new()
            .cargo_path(workspace::cargo())
            .current_dir(root)
            .no_deps()
            .exec()
            .context("cannot run `cargo metadata`")?;
        Ok(VerifyCrate {
            root: root.to_path_buf(),
            target_dir: metadata.target_directory.join("verify").into_std_path_buf(),
            dir,
            _lock: lock,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn target_dir(&self) -> &Path {
        &self.target_dir
    }

    /// Writes `output` into the crate as `cargo xtask codegen --out` would (orphans of an earlier
    /// document removed), and its examples into `examples.json`.
    pub fn fill(&mut self, output: &Output) -> anyhow::Result<()> {
        crate::codegen::write_output(&self.dir.join("src"), output)?;
        let examples: Vec<ExampleEntry<'_>> = output
            .examples
            .iter()
            .map(|example| ExampleEntry {
                pointer: &example.pointer,
                rust_type: &example.rust_type,
                value: &example.value,
            })
            .collect();
        let path = self.dir.join("examples.json");
        let text = serde_json::to_vec(&examples).context("cannot encode the examples")?;
        crate::atomic::write_atomic(&path, &text)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Removes what [`VerifyCrate::fill`] wrote: the crate is the client crate again.
    pub fn empty(&mut self) -> anyhow::Result<()> {
        for (path, is_dir) in [
            (self.dir.join("src"), true),
            (self.dir.join("examples.json"), false),
        ] {
            let removed = if is_dir {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            match removed {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(err).with_context(|| format!("cannot remove {}", path.display()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `cargo clippy --all-targets --all-features -- -D warnings` on the crate: with all features,
    /// so that the test double (`test-util`) of the whole API must build clippy-clean too.
    pub fn clippy(&self) -> anyhow::Result<CargoRun> {
        let args = ["clippy", "--all-targets", "--all-features"];
        self.cargo(&args, &["-D", "warnings"], None)
    }

    /// The round-trip test.
    pub fn test(&self) -> anyhow::Result<TestRun> {
        let report = tempfile::NamedTempFile::new().context("cannot create a report file")?;
        let run = self.cargo(
            &["test", "--test", "round_trip"],
            &["--nocapture"],
            Some(report.path()),
        )?;
        let failures = fs::read(report.path())
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Vec<RoundTripFailure>>(&bytes).ok());
        Ok(TestRun {
            success: run.success,
            failures,
            diagnostics: run.diagnostics,
        })
    }

    /// `cargo <args> -p clerk-bapi-verify --message-format=json -- <tool_args>`, with the failures
    /// read from the JSON messages (and, for lines that are not JSON, the end of the output).
    pub fn cargo(
        &self,
        args: &[&str],
        tool_args: &[&str],
        report: Option<&Path>,
    ) -> anyhow::Result<CargoRun> {
        let mut command = Command::new(workspace::cargo());
        command
            .current_dir(&self.root)
            .args(args)
            .args(["-p", PACKAGE, "--message-format=json", "--color=never"])
            .arg("--target-dir")
            .arg(&self.target_dir)
            // The crate is built once per document: incremental compilation would only cost time.
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("CARGO_TARGET_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(report) = report {
            command.env("CLERK_BAPI_VERIFY_REPORT", report);
        }
        if !tool_args.is_empty() {
            command.arg("--").args(tool_args);
        }
        let mut child = command.spawn().context("cannot run cargo")?;
        let stderr = child.stderr.take();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut stderr) = stderr {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            }
            text
        });
        let mut diagnostics = Vec::new();
        let mut text_lines = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            for message in Message::parse_stream(BufReader::new(stdout)) {
                match message.context("cannot read cargo's output")? {
                    Message::CompilerMessage(message) => {
                        let serious = matches!(
                            message.message.level,
                            DiagnosticLevel::Error | DiagnosticLevel::Warning
                        );
                        if let (true, Some(rendered)) = (serious, message.message.rendered) {
                            diagnostics.push(rendered);
                        }
                    }
                    Message::TextLine(line) => text_lines.push(line),
                    _ => {}
                }
            }
        }
        let status = child.wait().context("cannot wait for cargo")?;
        let stderr = stderr.join().unwrap_or_default();
        let shown = if diagnostics.is_empty() {
            // No diagnostics: a test that failed, or cargo itself failed (its error is on stderr).
            let mut lines: Vec<String> = text_lines;
            lines.extend(stderr.lines().map(str::to_owned));
            lines.join("\n")
        } else {
            diagnostics.join("\n")
        };
        Ok(CargoRun {
            success: status.success(),
            diagnostics: excerpt(&shown),
        })
    }
}

/// The last lines of `text` that matter, indented, capped.
fn excerpt(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let mut shown: Vec<String> = lines
        .iter()
        .take(OUTPUT_LINES)
        .map(|line| format!("    {line}"))
        .collect();
    if lines.len() > OUTPUT_LINES {
        shown.push(format!("    … {} more lines", lines.len() - OUTPUT_LINES));
    }
    shown.join("\n")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use toml::{Table, Value};

    /// What the crates under xtask/ that compile the client's sources name as their library.
    const CLIENT_LIB: &str = "../../generated-client/src/lib.rs";

    fn manifest(path: &std::path::Path) -> Table {
        std::fs::read_to_string(path).unwrap().parse().unwrap()
    }

    /// A manifest's `[dependencies]`, each as a table of what it requires: a bare version becomes
    /// `{ version }`, and `workspace = true` the workspace's entry with the local keys on top (its
    /// features added to the workspace's, as cargo adds them). Features are sorted.
    fn requirements(manifest: &Table, workspace: &Table) -> BTreeMap<String, Table> {
        let as_table = |spec: &Value| match spec {
            Value::String(_) => Table::from_iter([("version".to_owned(), spec.clone())]),
            Value::Table(table) => table.clone(),
            other => panic!("a dependency given as {other}"),
        };
        let inherited = &workspace["workspace"]["dependencies"];
        let mut all = BTreeMap::new();
        for (name, spec) in manifest["dependencies"].as_table().unwrap() {
            let mut local = as_table(spec);
            let mut required = if local.remove("workspace") == Some(Value::Boolean(true)) {
                as_table(&inherited[name.as_str()])
            } else {
                Table::new()
            };
            for (key, value) in local {
                match (key.as_str(), required.get_mut("features"), value) {
                    ("features", Some(Value::Array(features)), Value::Array(more)) => {
                        features.extend(more);
                    }
                    (_, _, value) => {
                        required.insert(key, value);
                    }
                }
            }
            if let Some(Value::Array(features)) = required.get_mut("features") {
                features.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                features.dedup();
            }
            all.insert(name.clone(), required);
        }
        all
    }

    /// Every crate under xtask/ whose library is the client crate's `src/lib.rs` (the verify crate,
    /// loopback-client, fapi-conformance) builds the client's sources, so it needs the same
    /// dependencies, with the same requirements, and the same features. fapi-conformance, a
    /// workspace of its own, writes out what the others inherit from the workspace.
    #[test]
    fn every_crate_of_the_client_sources_depends_on_what_the_client_depends_on() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let workspace = manifest(&root.join("Cargo.toml"));
        let client = manifest(&root.join("generated-client/Cargo.toml"));
        let mut checked = Vec::new();
        for entry in std::fs::read_dir(root.join("xtask")).unwrap() {
            let path = entry.unwrap().path().join("Cargo.toml");
            if !path.is_file() {
                continue;
            }
            let other = manifest(&path);
            let lib_path = other.get("lib").and_then(|lib| lib.get("path"));
            if lib_path.and_then(Value::as_str) != Some(CLIENT_LIB) {
                continue;
            }
            let name = path
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy();
            let wanted = requirements(&client, &workspace);
            let given = requirements(&other, &workspace);
            let names = |all: &BTreeMap<String, Table>| all.keys().cloned().collect::<Vec<_>>();
            assert_eq!(
                names(&wanted),
                names(&given),
                "the dependencies of xtask/{name}"
            );
            for (dependency, required) in &wanted {
                assert_eq!(
                    Some(required),
                    given.get(dependency),
                    "{dependency} in xtask/{name}"
                );
            }
            assert_eq!(
                client.get("features"),
                other.get("features"),
                "[features] of xtask/{name}"
            );
            checked.push(name.into_owned());
        }
        checked.sort();
        assert_eq!(
            checked,
            ["fapi-conformance", "loopback-client", "verify-crate"],
            "the crates that compile the client's sources"
        );
    }
}
