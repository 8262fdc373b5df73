//! Every input with which `cargo xtask fuzz` broke the generator, run again and judged by the same
//! oracle as the fuzzer's ([`generator::oracle`]): each must now end in `Ok` or in an error that
//! names the document and says what is wrong, never in a panic, a hang, an internal error, or output
//! that differs between two runs on the same input.
//!
//! The inputs live in `tests/fuzz_regressions/` (see the README there). Each starts with a comment line
//! `# fuzz-select: <selection>` naming the selection it failed with; it is run with that selection and
//! with every operation selected.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use generator::Selection;
use generator::oracle::{self, Verdict};

/// The first line of a saved input, before the selection.
const SELECT_HEADER: &str = "# fuzz-select: ";

/// The stack the generator gets here. The fuzzer holds the release build to 2 MiB; this debug build
/// spends several times more stack per call, so it gets the 8 MiB that `cargo xtask codegen` runs
/// the generator with on its main thread.
const STACK: usize = 8 << 20;

/// Longer than any input may take; the fuzzer's limit is 10 s for a release build.
const LIMIT: Duration = Duration::from_secs(120);

/// Saved inputs are minimised; a large one was not, and may carry prose from Clerk's documents.
const MAX_SIZE: usize = 16 * 1024;

/// The saved inputs in `tests/fuzz_regressions/<sub>`: every file but the README.
fn inputs(sub: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && path.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    files
}

/// The selections to run a saved input with, and the document without its first line.
fn decode(bytes: &[u8]) -> (Vec<Selection>, &[u8]) {
    let Some(rest) = bytes.strip_prefix(SELECT_HEADER.as_bytes()) else {
        return (vec![Selection::All], bytes);
    };
    let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let document = rest.get(end + 1..).unwrap_or_default();
    let mut selections = vec![Selection::All];
    if let Ok(selection) = Selection::parse(&String::from_utf8_lossy(&rest[..end]))
        && selection != Selection::All
    {
        selections.push(selection);
    }
    (selections, document)
}

/// What the fuzzer's oracle says is wrong with one input, if anything.
fn problem(name: &str, document: &[u8], selection: &Selection) -> Option<String> {
    match oracle::judge(name, document, selection).0 {
        Verdict::Generated(_) | Verdict::Rejected(_) => None,
        Verdict::Failure(finding) => Some(format!("{}: {}", finding.key, finding.message)),
    }
}

#[test]
fn every_saved_input_generates_or_fails_cleanly() {
    check_all(&inputs(""));
}

fn check_all(paths: &[PathBuf]) {
    let mut failures = Vec::new();
    for path in paths {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        if bytes.len() > MAX_SIZE {
            failures.push(format!(
                "{file}: {} bytes; saved inputs must be minimised",
                bytes.len()
            ));
        }
        let name = format!("fuzz_regressions/{file}");
        let (selections, _) = decode(&bytes);
        for selection in selections {
            let (tx, rx) = mpsc::channel();
            let (thread_name, thread_bytes, thread_selection) =
                (name.clone(), bytes.clone(), selection.clone());
            let spawned = std::thread::Builder::new()
                .stack_size(STACK)
                .spawn(move || {
                    let (_, document) = decode(&thread_bytes);
                    let _ = tx.send(problem(&thread_name, document, &thread_selection));
                });
            if let Err(e) = spawned {
                panic!("cannot start a thread: {e}");
            }
            match rx.recv_timeout(LIMIT) {
                Ok(None) => {}
                Ok(Some(problem)) => {
                    failures.push(format!("{file} (select {selection}): {problem}"))
                }
                Err(mpsc::RecvTimeoutError::Timeout) => failures.push(format!(
                    "{file} (select {selection}): still running after {} s",
                    LIMIT.as_secs()
                )),
                // The thread ended without an answer: the generator panicked (shown above).
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    failures.push(format!(
                        "{file} (select {selection}): the generator panicked"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} saved fuzz inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
