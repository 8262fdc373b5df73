//! `cargo xtask verify`: generates all of each document into the verify crate, lints it and
//! round-trips its examples.
//!
//! For each document, in order:
//! 1. The generator runs with `--select all`, in memory. The number of operations must match the
//!    document's own count (distinct operationIds under `paths`, read from the YAML here, not taken
//!    from the generator). Every document is generated before anything is built.
//! 2. The generated modules go into the verify crate (`xtask/verify-crate`, a workspace member whose
//!    library is the client crate's own sources) as `cargo xtask codegen --out` writes them, with
//!    the examples the generator reported in its `examples.json`.
//! 3. `cargo clippy -p clerk-bapi-verify --all-targets -- -D warnings`, then its one round-trip test
//!    (`tests/round_trip.rs`); cargo's findings are read from its JSON messages. The builds use
//!    `<target>/verify`, so that they never wait for a `cargo test` that runs this command.
//!
//! The verify crate is emptied at the end, unless `--keep` is given. A lock on `.lock` there keeps
//! two runs (verify or bench) from filling it at once.

mod cargo;
mod survey;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use generator::{Output, Selection, Source};

use crate::codegen::{count, say};
pub use cargo::{PACKAGE, VerifyCrate};
use survey::Survey;

/// The documents verified when no `--spec` is given, relative to the workspace root. Adding one is
/// adding its path here.
pub const DEFAULT_SPECS: [&str; 4] = [
    "../shared/specs/clerk-bapi/2025-04-10.yml",
    "../shared/specs/clerk-bapi/2025-11-10.yml",
    "../shared/specs/clerk-bapi/2026-05-12.yml",
    "../shared/specs/clerk-fapi/2025-11-10.yml",
];

/// Round-trip failures listed per document.
const FAILURES_SHOWN: usize = 200;

/// `cargo xtask verify`'s options.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(
    before_long_help = "For each document: generate every operation (`--select all`), failing if the count \
    differs from the document's operations; build the result in the verify crate (xtask/verify-crate) \
    with `cargo clippy --all-targets -- -D warnings`; and run its round-trip test over every `example` \
    the generator reports (it must decode into its generated type and encode back to an equal value).",
    after_help = "Exit status: 0 every document verified, 1 a document failed verification, 2 bad \
    usage, a missing, unreadable or invalid document, or an I/O error."
)]
pub struct Args {
    /// A document to verify; repeat for several [default: the four documents
    /// ../shared/specs/clerk-bapi/{2025-04-10,2025-11-10,2026-05-12}.yml and
    /// ../shared/specs/clerk-fapi/2025-11-10.yml beside the workspace]
    #[arg(long = "spec", value_name = "PATH")]
    pub specs: Vec<PathBuf>,
    /// Stop at the first document that fails (else after the last one) and leave its files in the
    /// verify crate, to rebuild with `cargo test -p clerk-bapi-verify`
    #[arg(long)]
    pub keep: bool,
}

/// Why a run stopped before verifying anything.
#[derive(Debug)]
pub enum Failure {
    /// A document is missing, unreadable or rejected by the generator.
    BadInput(String),
    /// Anything else: the file system refused, or cargo could not be started.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Failure::Failed(err)
    }
}

/// One document to verify: how it is named, and what the generator made of it.
struct Document {
    name: String,
    /// What the document itself says it holds, counted without the generator.
    survey: Survey,
    /// The generator's output, or `None` when it panicked (a generator bug, reported as a failure).
    output: Option<Output>,
    generated_in: Duration,
}

/// Runs `cargo xtask verify`; true when every document verified. Progress and findings go to
/// `stdout`; the caller prints failures.
pub fn run(root: &Path, args: &Args, stdout: &mut dyn Write) -> Result<bool, Failure> {
    let documents = load_documents(root, args)?;
    let mut verify_crate = VerifyCrate::open(root)?;
    let mut failed = Vec::new();
    for document in &documents {
        say(stdout, format_args!("== {}", document.name));
        if !verify_document(document, &mut verify_crate, stdout)? {
            failed.push(document.name.as_str());
            if args.keep {
                break;
            }
        }
    }
    if args.keep {
        say(
            stdout,
            format_args!(
                "kept the last document's files in {}; to rebuild them: cargo test -p clerk-bapi-verify",
                verify_crate.dir().display()
            ),
        );
    } else {
        verify_crate.empty()?;
    }
    if failed.is_empty() {
        say(
            stdout,
            format_args!("verified {}", count(documents.len(), "document")),
        );
        return Ok(true);
    }
    say(
        stdout,
        format_args!(
            "{} of {} failed verification: {}",
            failed.len(),
            count(documents.len(), "document"),
            failed.join(", ")
        ),
    );
    Ok(false)
}

/// Reads, counts and generates every document, or says which one cannot be used.
fn load_documents(root: &Path, args: &Args) -> Result<Vec<Document>, Failure> {
    let specs: Vec<(PathBuf, String)> = if args.specs.is_empty() {
        DEFAULT_SPECS
            .iter()
            .map(|spec| (root.join(spec), (*spec).to_owned()))
            .collect()
    } else {
        args.specs
            .iter()
            .map(|spec| (spec.clone(), spec.display().to_string()))
            .collect()
    };
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
            generator::generate(source, &Selection::All)
        })) {
            Ok(Ok(output)) => Some(output),
            Ok(Err(err)) => return Err(Failure::BadInput(err.to_string())),
            Err(_) => None,
        };
        let generated_in = start.elapsed();
        let survey = Survey::of(&bytes)
            .map_err(|why| Failure::BadInput(format!("{name}: cannot survey it: {why}")))?;
        documents.push(Document {
            name,
            survey,
            output,
            generated_in,
        });
    }
    Ok(documents)
}

/// Verifies one document, reporting as it goes. `Ok(false)` when the document failed; `Err` only
/// when the verification itself could not run (a file system error, cargo missing).
fn verify_document(
    document: &Document,
    verify_crate: &mut VerifyCrate,
    stdout: &mut dyn Write,
) -> anyhow::Result<bool> {
    let Some(output) = &document.output else {
        say(
            stdout,
            format_args!(
                "error: the generator panicked on this document (a generator bug; see stderr)"
            ),
        );
        return Ok(false);
    };
    let mut timings = vec![("generate", document.generated_in)];
    let completeness = document.survey.check(output);
    let mut ok = completeness.complete;
    for line in &completeness.report {
        say(stdout, format_args!("{line}"));
    }

    let started = Instant::now();
    verify_crate.fill(output)?;
    timings.push(("write", started.elapsed()));

    let started = Instant::now();
    let clippy = verify_crate.clippy()?;
    timings.push(("clippy", started.elapsed()));
    if clippy.success {
        say(stdout, format_args!("clippy: no warnings"));
        let started = Instant::now();
        let test = verify_crate.test()?;
        timings.push(("test", started.elapsed()));
        ok &= report_tests(&test, output.examples.len(), stdout);
    } else {
        say(
            stdout,
            format_args!("error: the generated crate does not build clippy-clean:"),
        );
        say(stdout, format_args!("{}", clippy.diagnostics));
        ok = false;
    }
    let phases: Vec<String> = timings
        .iter()
        .map(|(phase, elapsed)| format!("{phase} {:.1} s", elapsed.as_secs_f64()))
        .collect();
    let total: Duration = timings.iter().map(|(_, elapsed)| *elapsed).sum();
    say(
        stdout,
        format_args!(
            "time: {} (total {:.1} s)",
            phases.join(", "),
            total.as_secs_f64()
        ),
    );
    say(stdout, format_args!("{}", if ok { "ok" } else { "FAILED" }));
    Ok(ok)
}

/// Reports the round-trip test's result: the examples that did not round-trip, or why the test
/// could not run.
fn report_tests(test: &cargo::TestRun, examples: usize, stdout: &mut dyn Write) -> bool {
    if test.success {
        say(
            stdout,
            format_args!("tests pass: {} round-trip", count(examples, "example")),
        );
        return true;
    }
    match &test.failures {
        Some(failures) if !failures.is_empty() => {
            say(
                stdout,
                format_args!(
                    "error: {} of {} do not round-trip:",
                    failures.len(),
                    count(examples, "example")
                ),
            );
            for failure in failures.iter().take(FAILURES_SHOWN) {
                say(
                    stdout,
                    format_args!(
                        "  {} ({}): {}",
                        failure.pointer, failure.rust_type, failure.problem
                    ),
                );
            }
            if failures.len() > FAILURES_SHOWN {
                say(
                    stdout,
                    format_args!("  … {} more", failures.len() - FAILURES_SHOWN),
                );
            }
        }
        // The test did not get to report: a build error, or a panic before the examples ran.
        _ => {
            say(stdout, format_args!("error: the round-trip test failed:"));
            say(stdout, format_args!("{}", test.diagnostics));
        }
    }
    false
}
