//! `cargo xtask fuzz`: a structure-aware mutation fuzzer showing that the generator never panics, never
//! hangs, and gives the same output twice for the same input, whatever document it is handed.
//!
//! Three roles share this module, each its own process, so that an input which kills or freezes the
//! generator cannot take the fuzzer down with it:
//!
//! - The supervisor (`cargo xtask fuzz`) starts a worker and restarts it when an input kills it (a
//!   stack overflow, an abort, exhausted memory) or freezes it. At the end it minimises every distinct
//!   failure by replaying smaller inputs, saves each into the corpus directory, and prints the figures.
//! - The worker (`xtask fuzz-worker`, internal) mutates documents and runs each through
//!   `generator::generate` twice (every operation, and a random selection), catching panics. A
//!   watchdog thread ends it when one input runs longer than the limit. Before each run it writes the
//!   input to `current.yml` in its state directory, so the supervisor knows what killed it.
//! - A replay (`xtask fuzz-replay`, internal) runs one saved input once and prints its verdict; the
//!   supervisor minimises with replays so that a candidate which crashes only ends the replay.
//!
//! Saved inputs start with one line naming the selection they failed with (`# fuzz-select: all`),
//! followed by the document's bytes exactly as the generator received them.

mod mutate;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use generator::{ErrorKind, Output, Selection, Source};
use serde_yaml::Value;

use mutate::Rng;

/// Where minimised failing inputs are kept, relative to the workspace root.
pub const DEFAULT_CORPUS: &str = "generator/tests/fuzz_regressions";

/// The name the generator is given for every fuzzed document; errors must name it.
const SOURCE_NAME: &str = "fuzz-input.yml";

/// The first line of a saved input, before the selection it was run with.
const SELECT_HEADER: &str = "# fuzz-select: ";

/// Stack size of the thread that runs the generator. `cargo xtask codegen` runs it on the main
/// thread (8 MiB); a library user may run it on any thread, and 2 MiB is what Rust gives spawned
/// threads (and `cargo test` gives tests), so the fuzzer holds the generator to that.
pub const WORKER_STACK: usize = 2 << 20;

/// How much memory a worker or replay may map: enough for any real document many times over, and
/// far from what would disturb other work on the machine.
const MEMORY_LIMIT: u64 = 4 << 30;

/// The exit status of a worker or replay that ended because an input ran too long.
const HANG_EXIT: i32 = 3;

/// Documents larger than this are not seeds as they are; the fuzzer cuts pieces out of them.
const BIG_SEED: usize = 200_000;

/// At most this many inputs are kept for mutation.
const POOL_LIMIT: usize = 4000;

/// Inputs larger than this are run but not kept for mutation.
const POOL_ENTRY_LIMIT: usize = 200_000;

/// What `cargo xtask fuzz` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How long to fuzz, in seconds of wall time (minimising afterwards is extra).
    pub seconds: u64,
    /// The seed of the run; a time-based one when absent.
    pub seed: Option<u64>,
    /// Where minimised failing inputs go [default: `generator/tests/fuzz_regressions/`].
    pub corpus: Option<PathBuf>,
    /// Longest time one input may take, in seconds, before it counts as a hang.
    pub timeout: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seconds: 60,
            seed: None,
            corpus: None,
            timeout: 10,
        }
    }
}

/// What the internal worker process is told by the supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerOptions {
    /// The supervisor's state directory: `current.yml` and `failures/`.
    pub state: PathBuf,
    /// The corpus directory, whose inputs are replayed first and used as seeds.
    pub corpus: PathBuf,
    /// How long to fuzz, in seconds.
    pub seconds: u64,
    /// The seed of this worker.
    pub seed: u64,
    /// Longest time one input may take, in seconds.
    pub timeout: u64,
}

impl WorkerOptions {
    /// The command-line arguments that [`WorkerOptions::parse`] reads back.
    fn to_args(&self) -> Vec<OsString> {
        vec![
            "fuzz-worker".into(),
            self.state.clone().into_os_string(),
            self.corpus.clone().into_os_string(),
            self.seconds.to_string().into(),
            self.seed.to_string().into(),
            self.timeout.to_string().into(),
        ]
    }

    /// Reads the arguments after `fuzz-worker`.
    pub fn parse(args: impl Iterator<Item = OsString>) -> Result<Self, String> {
        let args: Vec<OsString> = args.collect();
        let [state, corpus, seconds, seed, timeout] = args.as_slice() else {
            return Err("usage: xtask fuzz-worker STATE CORPUS SECONDS SEED TIMEOUT".to_owned());
        };
        let number = |value: &OsString| {
            value
                .to_str()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| {
                    format!("fuzz-worker: `{}` is not a number", value.to_string_lossy())
                })
        };
        Ok(WorkerOptions {
            state: PathBuf::from(state),
            corpus: PathBuf::from(corpus),
            seconds: number(seconds)?,
            seed: number(seed)?,
            timeout: number(timeout)?,
        })
    }
}

/// How a fuzz run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No input made the generator misbehave.
    Clean,
    /// At least one input did; each is reported and saved.
    Failures,
}

// ----- verdicts ---------------------------------------------------------------------------------

/// What one run of the generator on one input showed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// The document generated, twice alike; the key summarises what the output contains.
    Generated(String),
    /// The generator refused the document with a proper error; the key is its kind and wording.
    Rejected(String),
    /// A generator bug. The key identifies the bug (it is what minimising preserves); the message
    /// says what happened.
    Failure { key: String, message: String },
}

/// Runs the generator on one input and judges the result. Panics are caught and reported as
/// failures; so are internal errors, errors that do not name the document, output that differs
/// between two runs, output files that do not fit the layout the client crate relies on, and a
/// document that the loader reads otherwise when it cuts it into pieces.
fn check(bytes: &[u8], selection: &Selection) -> Verdict {
    let source = Source {
        name: SOURCE_NAME,
        bytes,
    };
    if let Some(failure) = split_failure(bytes) {
        return failure;
    }
    let first = match catch(|| generator::generate(source, selection)) {
        Ok(result) => result,
        Err(panic) => return panic.into_failure(),
    };
    let output = match first {
        Ok(output) => output,
        Err(error) => return judge_error(&error),
    };
    if let Some(failure) = layout_failure(&output) {
        return failure;
    }
    let second = match catch(|| generator::generate(source, selection)) {
        Ok(result) => result,
        Err(panic) => return panic.into_failure(),
    };
    match second {
        Ok(again) => match difference(&output, &again) {
            None => Verdict::Generated(features(&output)),
            Some(what) => Verdict::Failure {
                key: "nondeterministic output".to_owned(),
                message: format!("two runs on the same input differ: {what}"),
            },
        },
        Err(error) => Verdict::Failure {
            key: "nondeterministic output".to_owned(),
            message: format!("the first run generated, the second failed: {error}"),
        },
    }
}

/// How many pieces the loader's multi-threaded path cuts each input into, to compare with the whole.
const SPLIT_PIECES: [usize; 3] = [2, 3, 5];

/// How many runs' documents the loader's multi-threaded path read in pieces, for the figures. A
/// global counter, since [`check`] is also what replays and minimising run.
static READ_IN_PIECES: AtomicU64 = AtomicU64::new(0);

/// A document must read the same, or be refused, when the loader cuts it into pieces (which it does
/// for large documents only, so the fuzzer asks for it on every input).
fn split_failure(bytes: &[u8]) -> Option<Verdict> {
    let text = std::str::from_utf8(bytes).ok()?;
    match catch(|| generator::load::split_agrees(text, &SPLIT_PIECES)) {
        Ok(Ok(read)) => {
            if read > 0 {
                READ_IN_PIECES.fetch_add(1, Ordering::Relaxed);
            }
            None
        }
        Ok(Err(message)) => Some(Verdict::Failure {
            key: "the loader reads the document otherwise in pieces".to_owned(),
            message,
        }),
        Err(panic) => Some(panic.into_failure()),
    }
}

fn judge_error(error: &generator::Error) -> Verdict {
    let failure = |key: &str| Verdict::Failure {
        key: key.to_owned(),
        message: error.to_string(),
    };
    if error.kind() == ErrorKind::Internal {
        return Verdict::Failure {
            key: format!("internal error: {}", template(error.message())),
            message: error.to_string(),
        };
    }
    if error.message().trim().is_empty() {
        return failure("error without a message");
    }
    if error.file() != SOURCE_NAME || !error.to_string().contains(SOURCE_NAME) {
        return failure("error that does not name the document");
    }
    Verdict::Rejected(format!("{:?}|{}", error.kind(), template(error.message())))
}

/// The wording of a message without the names and numbers in it, so that messages of one kind share
/// a key.
fn template(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                if quoted {
                    out.push('_');
                }
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('0') {
                    out.push('0');
                }
            }
            c => out.push(c),
        }
    }
    out.chars().take(120).collect()
}

/// Checks the file set of a successful run: `mod.rs`, `types.rs` and one file per group, all
/// directly under `generated/`, each starting with the generated-file header.
fn layout_failure(output: &Output) -> Option<Verdict> {
    let fail = |message: String| {
        Some(Verdict::Failure {
            key: "output layout".to_owned(),
            message,
        })
    };
    let prefix = format!("{}/", generator::GENERATED_DIR);
    for required in ["mod.rs", "testing.rs", "types.rs"] {
        if !output.files.contains_key(&format!("{prefix}{required}")) {
            return fail(format!("no {prefix}{required} among the output files"));
        }
    }
    for (path, text) in &output.files {
        let Some(name) = path.strip_prefix(&prefix) else {
            return fail(format!("the output file `{path}` is outside {prefix}"));
        };
        if name.contains('/') || !name.ends_with(".rs") || name.starts_with('.') {
            return fail(format!(
                "the output file name `{path}` is not a module file"
            ));
        }
        if !text.starts_with(generator::format::HEADER) {
            return fail(format!(
                "{path} does not start with the generated-file header"
            ));
        }
    }
    if output.files.len() != output.groups + 3 {
        return fail(format!(
            "{} groups but {} files ({}): a group's module overwrote another file",
            output.groups,
            output.files.len(),
            output.files.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if output.groups == 0 || output.operations < output.groups {
        return fail(format!(
            "{} operations in {} groups",
            output.operations, output.groups
        ));
    }
    None
}

/// The first difference between two outputs, if any.
fn difference(a: &Output, b: &Output) -> Option<String> {
    if a.files.keys().ne(b.files.keys()) {
        return Some("the file sets differ".to_owned());
    }
    for (path, text) in &a.files {
        if b.files.get(path) != Some(text) {
            return Some(format!("{path} differs"));
        }
    }
    if (a.operations, a.groups) != (b.operations, b.groups) {
        return Some("the counts differ".to_owned());
    }
    if a.examples != b.examples {
        return Some("the examples differ".to_owned());
    }
    None
}

/// A summary of what generated code contains, so that documents exercising new features count as
/// new.
fn features(output: &Output) -> String {
    const FEATURES: &[&str] = &[
        "Unknown(",
        "serde(flatten",
        "Box<",
        "#[deprecated",
        "try_decode",
        "serialize_tagged",
        "check_alternatives",
        "StringEnum",
        "_all(",
        "check_",
        "Secret",
        "File",
        "r#",
        "Option<Option",
        "Vec<Vec",
        "BTreeMap",
        "serde_json::Value",
        "i32",
        "f32",
        "Text",
    ];
    let mut key = format!("ok|{}|", output.groups.min(4));
    for feature in FEATURES {
        let present = output.files.values().any(|text| text.contains(feature));
        key.push(if present { '1' } else { '0' });
    }
    key
}

// ----- panics -----------------------------------------------------------------------------------

/// A panic caught while running the generator.
#[derive(Debug, Clone)]
struct PanicReport {
    /// `file:line:column`, with the registry or toolchain prefix cut off.
    location: String,
    /// The panic's message.
    message: String,
    /// For a panic outside the generator's own code, the generator function it came through.
    caller: Option<String>,
}

impl PanicReport {
    fn into_failure(self) -> Verdict {
        let key = match &self.caller {
            Some(caller) => format!("panic at {} (in {caller})", self.location),
            None => format!("panic at {}", self.location),
        };
        Verdict::Failure {
            key,
            message: self.message,
        }
    }
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<PanicReport>> = const { std::cell::RefCell::new(None) };
}

/// The generator function each panic location outside the generator was reached from, found once
/// per location from a backtrace (backtraces are slow, and the same panic repeats).
static CALLERS: Mutex<BTreeMap<String, Option<String>>> = Mutex::new(BTreeMap::new());

/// Records each panic for [`catch`] instead of printing it.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map_or_else(
            || "an unknown place".to_owned(),
            |l| format!("{}:{}:{}", short_path(l.file()), l.line(), l.column()),
        );
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(a panic without a message)".to_owned());
        let caller = if location.starts_with("generator/") {
            None
        } else {
            let mut callers = CALLERS.lock().unwrap_or_else(|e| e.into_inner());
            callers
                .entry(location.clone())
                .or_insert_with(|| {
                    generator_frame(&std::backtrace::Backtrace::force_capture().to_string())
                })
                .clone()
        };
        LAST_PANIC.with(|last| {
            *last.borrow_mut() = Some(PanicReport {
                location,
                message,
                caller,
            });
        });
    }));
}

/// The first frame of the generator's own code in a printed backtrace.
fn generator_frame(backtrace: &str) -> Option<String> {
    backtrace.lines().find_map(|line| {
        let (_, function) = line.trim().split_once(": ")?;
        let function = function.trim();
        if !function.starts_with("generator::") {
            return None;
        }
        // Closures and hashes say nothing about where the bug is.
        let function = function.split("::{{closure}}").next().unwrap_or(function);
        let function = match function.rsplit_once("::h") {
            Some((head, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => head,
            _ => function,
        };
        Some(function.to_owned())
    })
}

/// A source path without the machine-specific part: `proc-macro2-1.0.95/src/fallback.rs` rather
/// than the registry path, `library/core/src/...` rather than the toolchain path.
fn short_path(file: &str) -> String {
    if let Some((_, rest)) = file.split_once("/registry/src/") {
        return rest.split_once('/').map_or(rest, |(_, r)| r).to_owned();
    }
    if let Some(rest) = file.strip_prefix("/rustc/") {
        return rest.split_once('/').map_or(rest, |(_, r)| r).to_owned();
    }
    file.to_owned()
}

/// Runs `f`, turning a panic into its report.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, PanicReport> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
        LAST_PANIC
            .with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| PanicReport {
                location: "an unknown place".to_owned(),
                message: "(no report)".to_owned(),
                caller: None,
            })
    })
}

/// Caps the memory of this process, so that an input that makes the generator allocate without
/// end aborts this process (which the supervisor reports) rather than starving the machine.
fn limit_memory() {
    let limit = libc::rlimit {
        rlim_cur: MEMORY_LIMIT,
        rlim_max: MEMORY_LIMIT,
    };
    // SAFETY: `setrlimit` reads the struct it is given and changes only this process's limits.
    let _ = unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
}

// ----- saved inputs -----------------------------------------------------------------------------

/// A saved input: the selection line, then the document's bytes.
fn encode_input(selection: &Selection, bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("{SELECT_HEADER}{selection}\n").into_bytes();
    out.extend_from_slice(bytes);
    out
}

/// Splits a saved input into its selection and document; a file without the selection line is a
/// document to run with every operation selected.
fn decode_input(bytes: &[u8]) -> (Selection, &[u8]) {
    if let Some(rest) = bytes.strip_prefix(SELECT_HEADER.as_bytes()) {
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let line = String::from_utf8_lossy(&rest[..end]);
        let document = rest.get(end + 1..).unwrap_or_default();
        if let Ok(selection) = Selection::parse(&line) {
            return (selection, document);
        }
        return (Selection::All, document);
    }
    (Selection::All, bytes)
}

/// Whether a name survives the trip through the selection line unchanged.
fn selectable(name: &str) -> bool {
    !name.is_empty()
        && name.trim() == name
        && !name.contains([',', '\n', '\r'])
        && !name.eq_ignore_ascii_case("all")
}

/// One line of the worker's report, without tabs or line breaks inside a field.
fn field(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\t' || c == '\n' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

// ----- the supervisor ---------------------------------------------------------------------------

/// Counters of a worker, as it last reported them.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    inputs: u64,
    calls: u64,
    generated: u64,
    rejected: u64,
    failing: u64,
    pool: u64,
    outcomes: u64,
    read_in_pieces: u64,
}

impl Stats {
    fn parse(fields: &[&str]) -> Option<Self> {
        let n = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        Some(Stats {
            inputs: n(0)?,
            calls: n(1)?,
            generated: n(2)?,
            rejected: n(3)?,
            failing: n(4)?,
            pool: n(5)?,
            outcomes: n(6)?,
            read_in_pieces: n(7)?,
        })
    }

    fn add(&mut self, other: &Stats) {
        self.inputs += other.inputs;
        self.calls += other.calls;
        self.generated += other.generated;
        self.rejected += other.rejected;
        self.failing += other.failing;
        self.pool = self.pool.max(other.pool);
        self.outcomes = self.outcomes.max(other.outcomes);
        self.read_in_pieces += other.read_in_pieces;
    }
}

/// One distinct failure: the first input that showed it, and how often it was seen.
#[derive(Debug, Clone)]
struct Found {
    message: String,
    raw: PathBuf,
    count: u64,
}

/// Runs the fuzzer for `options.seconds`, then minimises and saves what it found.
pub fn run(root: &Path, options: &Options, out: &mut dyn Write) -> Result<Outcome> {
    let exe = std::env::current_exe().context("cannot find the xtask executable")?;
    let corpus = options
        .corpus
        .clone()
        .unwrap_or_else(|| root.join(DEFAULT_CORPUS));
    let seed = options.seed.unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        (nanos as u64) ^ u64::from(std::process::id())
    });
    let state = root.join("target").join("fuzz").join(format!("run-{seed}"));
    if state.exists() {
        std::fs::remove_dir_all(&state)
            .with_context(|| format!("cannot clear {}", state.display()))?;
    }
    std::fs::create_dir_all(state.join("failures"))
        .with_context(|| format!("cannot create {}", state.display()))?;
    std::fs::create_dir_all(&corpus)
        .with_context(|| format!("cannot create {}", corpus.display()))?;
    writeln!(
        out,
        "fuzzing the generator for {} s with seed {seed} (an input over {} s is a hang); corpus {}",
        options.seconds,
        options.timeout,
        corpus.display()
    )?;
    out.flush()?;

    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let mut totals = Stats::default();
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    let mut restarts = 0_u32;
    let mut worker_seed = seed;
    let mut corpus_files = 0_u64;
    let mut last_report = Instant::now();
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining < Duration::from_secs(1) || restarts > 200 {
            break;
        }
        let worker = WorkerOptions {
            state: state.clone(),
            corpus: corpus.clone(),
            seconds: remaining.as_secs().max(1),
            seed: worker_seed,
            timeout: options.timeout,
        };
        let mut child = Command::new(&exe)
            .args(worker.to_args())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start the fuzz worker")?;
        let stderr_tail = collect_tail(child.stderr.take());
        let (lines_tx, lines) = mpsc::channel::<String>();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if lines_tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        // The worker ends itself; this is the backstop if even its watchdog cannot.
        let kill_at = Instant::now() + remaining + Duration::from_secs(options.timeout + 30);
        let mut stats = Stats::default();
        let status = loop {
            match lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    let fields: Vec<&str> = line.split('\t').collect();
                    match fields.as_slice() {
                        ["stats", rest @ ..] => {
                            if let Some(s) = Stats::parse(rest) {
                                stats = s;
                            }
                        }
                        ["corpus", count] => corpus_files = count.parse().unwrap_or(0),
                        ["failure", key, path, message] => {
                            record(&mut found, key, Path::new(path), message, out)?;
                        }
                        ["hit", key] => {
                            if let Some(f) = found.get_mut(*key) {
                                f.count += 1;
                            }
                        }
                        _ => {}
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if Instant::now() > kill_at {
                        let _ = child.kill();
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break child.wait().context("cannot wait for the fuzz worker")?;
                }
            }
            if last_report.elapsed() > Duration::from_secs(30) {
                last_report = Instant::now();
                let mut sum = totals;
                sum.add(&stats);
                writeln!(
                    out,
                    "  [{:>4} s] {} inputs, {} generator runs, {} distinct failures",
                    started.elapsed().as_secs(),
                    sum.inputs,
                    sum.calls,
                    found.len()
                )?;
                out.flush()?;
            }
        };
        totals.add(&stats);
        if status.success() {
            break;
        }
        restarts += 1;
        worker_seed = worker_seed.wrapping_add(0x1000_0000_0001);
        if status.code() != Some(HANG_EXIT) {
            // The worker died on an input: the one it wrote last.
            let tail = tail_text(&stderr_tail);
            let key = abort_key(status, &tail);
            let raw = state.join("failures").join(format!("abort-{restarts}.yml"));
            std::fs::copy(state.join("current.yml"), &raw)
                .with_context(|| format!("cannot save {}", raw.display()))?;
            let message = tail
                .lines()
                .find(|l| {
                    ["overflowed", "memory allocation", "fatal", "panicked"]
                        .iter()
                        .any(|w| l.contains(w))
                })
                .or_else(|| tail.lines().last())
                .unwrap_or("")
                .to_owned();
            record(&mut found, &key, &raw, &message, out)?;
        }
    }
    let fuzzing = started.elapsed();

    let mut saved = Vec::new();
    for (key, f) in &found {
        writeln!(out, "\nminimising: {key}")?;
        out.flush()?;
        let raw =
            std::fs::read(&f.raw).with_context(|| format!("cannot read {}", f.raw.display()))?;
        let Some(minimised) = minimise(&exe, &state, options.timeout, &raw, key)? else {
            // Never copy an input that was not minimised into the corpus: it may be a large piece
            // of Clerk's documents.
            writeln!(
                out,
                "a replay does not fail the same way; the input stays in {}",
                f.raw.display()
            )?;
            continue;
        };
        let path = save_regression(&corpus, key, &minimised)?;
        writeln!(out, "saved {} ({} bytes):", path.display(), minimised.len())?;
        let text = String::from_utf8_lossy(&minimised);
        for line in text.lines().take(80) {
            writeln!(out, "  | {line}")?;
        }
        saved.push(path);
    }

    let secs = fuzzing.as_secs_f64().max(0.001);
    writeln!(out, "\nfuzz figures (seed {seed})")?;
    writeln!(out, "  fuzzing time     {:.1} s", secs)?;
    writeln!(out, "  corpus replayed  {corpus_files} files")?;
    writeln!(
        out,
        "  inputs           {} ({:.1}/s)",
        totals.inputs,
        totals.inputs as f64 / secs
    )?;
    writeln!(
        out,
        "  generator runs   {} ({:.1}/s): {} generated (each twice, compared), {} rejected with an error, {} failing",
        totals.calls,
        totals.calls as f64 / secs,
        totals.generated,
        totals.rejected,
        totals.failing
    )?;
    writeln!(
        out,
        "  distinct outcomes {} (kinds of error and shapes of generated code; most in one worker)",
        totals.outcomes
    )?;
    writeln!(
        out,
        "  read in pieces   {} runs whose document the loader's multi-threaded path read (cut in 2, 3 and 5), each as the whole",
        totals.read_in_pieces
    )?;
    writeln!(out, "  inputs kept for mutation  {}", totals.pool)?;
    writeln!(out, "  worker restarts  {restarts}")?;
    writeln!(out, "  distinct failures {}", found.len())?;
    for (key, f) in &found {
        writeln!(out, "    - {key}: {} ({} inputs)", f.message, f.count)?;
    }
    writeln!(out, "  inputs saved     {}", saved.len())?;
    for path in &saved {
        writeln!(out, "    - {}", path.display())?;
    }
    Ok(if found.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Failures
    })
}

fn record(
    found: &mut BTreeMap<String, Found>,
    key: &str,
    raw: &Path,
    message: &str,
    out: &mut dyn Write,
) -> Result<()> {
    if let Some(f) = found.get_mut(key) {
        f.count += 1;
    } else {
        writeln!(out, "FOUND {key}: {message}")?;
        out.flush()?;
        found.insert(
            key.to_owned(),
            Found {
                message: message.to_owned(),
                raw: raw.to_owned(),
                count: 1,
            },
        );
    }
    Ok(())
}

/// Keeps the last lines a child writes to stderr.
fn collect_tail(stderr: Option<impl Read + Send + 'static>) -> Arc<Mutex<VecDeque<String>>> {
    let tail = Arc::new(Mutex::new(VecDeque::new()));
    if let Some(stderr) = stderr {
        let tail = Arc::clone(&tail);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut t) = tail.lock() {
                    t.push_back(line);
                    // Enough for a panic's backtrace after the line that says why.
                    if t.len() > 400 {
                        t.pop_front();
                    }
                }
            }
        });
    }
    tail
}

/// The lines collected by [`collect_tail`], as one text.
fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
    tail.lock()
        .map(|t| t.iter().map(String::as_str).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

/// Names the way a process died.
fn abort_key(status: ExitStatus, stderr: &str) -> String {
    if stderr.contains("has overflowed its stack") {
        "abort: stack overflow".to_owned()
    } else if stderr.contains("memory allocation of") {
        "abort: out of memory".to_owned()
    } else {
        format!("abort: {status}")
    }
}

// ----- minimising -------------------------------------------------------------------------------

/// Runs a saved input in a replay process and returns its failure key (`None` when it passes).
fn replay_key(exe: &Path, file: &Path, timeout: u64) -> Result<Option<String>> {
    let mut child = Command::new(exe)
        .arg("fuzz-replay")
        .arg(file)
        .arg(timeout.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start a fuzz replay")?;
    let stderr_tail = collect_tail(child.stderr.take());
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(stdout) = stdout.as_mut() {
            let _ = stdout.read_to_string(&mut text);
        }
        text
    });
    let kill_at = Instant::now() + Duration::from_secs(timeout + 5);
    let status = loop {
        if let Some(status) = child.try_wait().context("cannot wait for a fuzz replay")? {
            break status;
        }
        if Instant::now() > kill_at {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Some("hang".to_owned()));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let text = reader.join().unwrap_or_default();
    match status.code() {
        Some(0) => Ok(None),
        Some(1 | HANG_EXIT) => Ok(text
            .lines()
            .find_map(|l| l.strip_prefix("failure\t"))
            .map(|rest| rest.split('\t').next().unwrap_or(rest).to_owned())),
        _ => {
            // Give the stderr reader a moment to see the end of the stream.
            std::thread::sleep(Duration::from_millis(20));
            let tail = tail_text(&stderr_tail);
            Ok(Some(abort_key(status, &tail)))
        }
    }
}

/// Reduces a failing input to a small one that fails the same way: first whole mapping entries and
/// list items (for a document that parses), or lines (for one that does not), then long strings and
/// the text of lines are replaced by `x` where that keeps the failure, which also drops any prose
/// the input was cut from.
/// `None` when a replay does not fail the same way.
fn minimise(
    exe: &Path,
    state: &Path,
    timeout: u64,
    raw: &[u8],
    key: &str,
) -> Result<Option<Vec<u8>>> {
    let (selection, document) = decode_input(raw);
    let candidate_path = state.join("candidate.yml");
    // A hang is kept while a candidate stays slow; waiting the full limit for each would take hours.
    let replay_timeout = if key == "hang" {
        (timeout / 4).max(2)
    } else {
        timeout
    };
    let started = Instant::now();
    let budget = Duration::from_secs(600);
    let mut tries = 0_u32;
    let mut reproduces = |bytes: &[u8]| -> bool {
        if started.elapsed() > budget {
            return false;
        }
        tries += 1;
        if std::fs::write(&candidate_path, encode_input(&selection, bytes)).is_err() {
            return false;
        }
        // A process that dies may word its end differently from one run to the next (a failed
        // allocation with or without a backtrace), so any abort stands for an abort.
        matches!(replay_key(exe, &candidate_path, replay_timeout), Ok(Some(k))
            if k == key || (k.starts_with("abort:") && key.starts_with("abort:")))
    };
    if !reproduces(document) {
        // Flaky, or dependent on the process's history: nothing to minimise.
        return Ok(None);
    }
    let parsed = serde_yaml::from_slice::<Value>(document)
        .ok()
        .and_then(|v| serde_yaml::to_string(&v).ok().map(|t| (v, t)));
    let minimised = match parsed {
        Some((value, text)) if reproduces(text.as_bytes()) => {
            let value = minimise_tree(value, &mut |v| match serde_yaml::to_string(v) {
                Ok(text) => reproduces(text.as_bytes()),
                Err(_) => false,
            });
            serde_yaml::to_string(&value)
                .map(String::into_bytes)
                .unwrap_or_else(|_| document.to_vec())
        }
        _ => minimise_lines(document.to_vec(), &mut reproduces),
    };
    Ok(Some(encode_input(&selection, &minimised)))
}

/// Greedy removal of mapping entries and list items, shallowest first, until no removal keeps the
/// failure; then string values are shortened. The children of each node are removed in chunks,
/// halving the chunk down to one child, so that a long list of irrelevant entries goes in a few
/// tries (which matters when each try that keeps a hang costs seconds).
fn minimise_tree(mut doc: Value, reproduces: &mut dyn FnMut(&Value) -> bool) -> Value {
    loop {
        let mut changed = false;
        let depth = mutate::paths(&doc).iter().map(Vec::len).max().unwrap_or(0);
        for level in 0..depth {
            let parents: Vec<mutate::NodePath> = mutate::paths(&doc)
                .into_iter()
                .filter(|p| p.len() == level)
                .collect();
            // Removing children of one node never moves the children of another at this level.
            for parent in &parents {
                changed |= minimise_children(&mut doc, parent, reproduces);
            }
        }
        if !changed {
            break;
        }
    }
    // Shorten string values (never keys, which references and names depend on).
    for path in mutate::paths(&doc) {
        let long = matches!(mutate::node(&doc, &path), Some(Value::String(text)) if text.chars().count() > 1);
        if !long {
            continue;
        }
        let mut candidate = doc.clone();
        if let Some(slot) = mutate::node_mut(&mut candidate, &path) {
            *slot = Value::String("x".to_owned());
        }
        if reproduces(&candidate) {
            doc = candidate;
        }
    }
    doc
}

/// Removes as many children of the node at `parent` as keep the failure, in halving chunks taken
/// from the end (so that list indices still to be tried do not move). True when any went.
fn minimise_children(
    doc: &mut Value,
    parent: &[mutate::Seg],
    reproduces: &mut dyn FnMut(&Value) -> bool,
) -> bool {
    let children = |doc: &Value| -> Vec<mutate::Seg> {
        match mutate::node(doc, parent) {
            Some(Value::Mapping(m)) => m.keys().cloned().map(mutate::Seg::Key).collect(),
            Some(Value::Sequence(items)) => (0..items.len()).map(mutate::Seg::Index).collect(),
            _ => Vec::new(),
        }
    };
    let mut changed = false;
    let mut chunk = children(doc).len();
    while chunk > 0 {
        let kids = children(doc);
        let mut end = kids.len();
        while end > 0 {
            let start = end.saturating_sub(chunk);
            let mut candidate = doc.clone();
            // Highest index first, so that each removal leaves the others' indices alone.
            for kid in kids[start..end].iter().rev() {
                let mut path = parent.to_vec();
                path.push(kid.clone());
                mutate::remove(&mut candidate, &path);
            }
            if reproduces(&candidate) {
                *doc = candidate;
                changed = true;
            }
            end = start;
        }
        chunk /= 2;
    }
    changed
}

/// Removes chunks of lines, halving the chunk size down to one line, then blanks the value of each
/// remaining `key: value` line where that keeps the failure.
fn minimise_lines(text: Vec<u8>, reproduces: &mut dyn FnMut(&[u8]) -> bool) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = text.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    let mut chunk = (lines.len() / 2).max(1);
    loop {
        let mut i = 0;
        while i < lines.len() {
            let mut candidate = lines.clone();
            candidate.drain(i..(i + chunk).min(lines.len()));
            if reproduces(&candidate.join(&b'\n')) {
                lines = candidate;
            } else {
                i += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
    for i in 0..lines.len() {
        let Some(colon) = lines[i].iter().position(|b| *b == b':') else {
            continue;
        };
        if lines[i].len() <= colon + 3 {
            continue;
        }
        let mut candidate = lines.clone();
        candidate[i].truncate(colon + 1);
        candidate[i].extend_from_slice(b" x");
        if reproduces(&candidate.join(&b'\n')) {
            lines = candidate;
        }
    }
    lines.join(&b'\n')
}

/// Writes a minimised input into the corpus under a name made of its failure and a hash of its
/// content, unless the same content is already there.
fn save_regression(corpus: &Path, key: &str, content: &[u8]) -> Result<PathBuf> {
    let mut slug = String::new();
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let slug = slug.trim_matches('-');
    // FNV-1a: a stable content hash without a dependency.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in content {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let path = corpus.join(format!("{slug}-{:08x}.yml", hash as u32));
    std::fs::write(&path, content).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

// ----- the replay -------------------------------------------------------------------------------

/// Runs one saved input and prints `ok` or `failure<TAB>key<TAB>message`; true when it failed.
pub fn replay(file: &Path, timeout: u64) -> Result<bool> {
    limit_memory();
    install_panic_hook();
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("fuzz-replay".to_owned())
        .stack_size(WORKER_STACK)
        .spawn(move || {
            let (selection, document) = decode_input(&raw);
            let _ = tx.send(check(document, &selection));
        })
        .context("cannot start the replay thread")?;
    let verdict = match rx.recv_timeout(Duration::from_secs(timeout)) {
        Ok(verdict) => verdict,
        Err(_) => {
            println!("failure\thang\tover {timeout} s");
            let _ = std::io::stdout().flush();
            std::process::exit(HANG_EXIT);
        }
    };
    match verdict {
        Verdict::Failure { key, message } => {
            println!("failure\t{}\t{}", field(&key), field(&message));
            Ok(true)
        }
        Verdict::Generated(_) | Verdict::Rejected(_) => {
            println!("ok");
            Ok(false)
        }
    }
}

// ----- the worker -------------------------------------------------------------------------------

/// What the worker thread and the watchdog share.
#[derive(Default)]
struct Shared {
    inputs: AtomicU64,
    calls: AtomicU64,
    generated: AtomicU64,
    rejected: AtomicU64,
    failing: AtomicU64,
    pool: AtomicU64,
    outcomes: AtomicU64,
    /// When the run in progress started, if one is.
    running_since: Mutex<Option<Instant>>,
}

impl Shared {
    fn stats_line(&self) -> String {
        format!(
            "stats\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.inputs.load(Ordering::Relaxed),
            self.calls.load(Ordering::Relaxed),
            self.generated.load(Ordering::Relaxed),
            self.rejected.load(Ordering::Relaxed),
            self.failing.load(Ordering::Relaxed),
            self.pool.load(Ordering::Relaxed),
            self.outcomes.load(Ordering::Relaxed),
            READ_IN_PIECES.load(Ordering::Relaxed),
        )
    }
}

/// Fuzzes until the time is up, reporting on stdout; ends the process itself on a hang.
pub fn worker(options: &WorkerOptions, root: &Path) -> Result<()> {
    limit_memory();
    install_panic_hook();
    let shared = Arc::new(Shared::default());
    let seeds = Seeds::load(root, &options.corpus)?;
    println!("corpus\t{}", seeds.corpus.len());
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let thread = {
        let shared = Arc::clone(&shared);
        let options = options.clone();
        std::thread::Builder::new()
            .name("fuzz-worker".to_owned())
            .stack_size(WORKER_STACK)
            .spawn(move || Fuzzer::new(options, seeds, shared).run(deadline))
            .context("cannot start the worker thread")?
    };
    let limit = Duration::from_secs(options.timeout);
    let mut last_stats = Instant::now();
    while !thread.is_finished() {
        std::thread::sleep(Duration::from_millis(100));
        let running = shared
            .running_since
            .lock()
            .map(|since| since.is_some_and(|s| s.elapsed() > limit))
            .unwrap_or(false);
        if running {
            let raw = options
                .state
                .join("failures")
                .join(format!("hang-{}.yml", options.seed));
            let _ = std::fs::copy(options.state.join("current.yml"), &raw);
            println!("{}", shared.stats_line());
            println!(
                "failure\thang\t{}\tone input ran longer than {} s",
                raw.display(),
                options.timeout
            );
            let _ = std::io::stdout().flush();
            std::process::exit(HANG_EXIT);
        }
        if last_stats.elapsed() > Duration::from_secs(1) {
            last_stats = Instant::now();
            println!("{}", shared.stats_line());
        }
    }
    let result = thread
        .join()
        .unwrap_or_else(|_| Err(anyhow::anyhow!("the worker thread panicked")));
    println!("{}", shared.stats_line());
    result
}

/// The documents mutations start from.
struct Seeds {
    /// Documents small enough to mutate as they are.
    small: Vec<Value>,
    /// Whole published documents, from which pieces are cut.
    big: Vec<Value>,
    /// The saved inputs of the corpus, replayed first.
    corpus: Vec<Vec<u8>>,
}

impl Seeds {
    fn load(root: &Path, corpus: &Path) -> Result<Self> {
        let mut files: Vec<PathBuf> = Vec::new();
        files.extend(yaml_files(&root.join("generator/tests/fixtures")));
        files.push(root.join("specs/clerk-bapi.yml"));
        files.push(root.join("generator/tests/behaviour/api.yml"));
        // Clerk's published documents, read where they are and never copied into the repository.
        files.extend(yaml_files(&root.join("../shared/specs/clerk-bapi")));
        files.extend(yaml_files(&root.join("../shared/specs/clerk-fapi")));
        let mut seeds = Seeds {
            small: Vec::new(),
            big: Vec::new(),
            corpus: Vec::new(),
        };
        for file in files {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let value: Value = serde_yaml::from_slice(&bytes)
                .with_context(|| format!("{} is not YAML", file.display()))?;
            if bytes.len() > BIG_SEED {
                seeds.big.push(value);
            } else {
                seeds.small.push(value);
            }
        }
        for file in regression_files(corpus) {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            if let Ok(value) = serde_yaml::from_slice::<Value>(decode_input(&bytes).1) {
                seeds.small.push(value);
            }
            seeds.corpus.push(bytes);
        }
        Ok(seeds)
    }
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// The saved inputs of a corpus directory: every file but its README.
fn regression_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    files
}

/// The worker's loop and its state.
struct Fuzzer {
    options: WorkerOptions,
    seeds: Seeds,
    shared: Arc<Shared>,
    rng: Rng,
    /// Inputs to mutate: the seeds, then every input that did something new.
    pool: Vec<Value>,
    /// The outcome keys seen so far; an input with a new one joins the pool.
    outcomes: BTreeSet<String>,
    /// The failure keys reported so far.
    reported: BTreeSet<String>,
    current: PathBuf,
}

impl Fuzzer {
    fn new(options: WorkerOptions, seeds: Seeds, shared: Arc<Shared>) -> Self {
        let pool = seeds.small.clone();
        let current = options.state.join("current.yml");
        Fuzzer {
            rng: Rng::new(options.seed),
            options,
            seeds,
            shared,
            pool,
            outcomes: BTreeSet::new(),
            reported: BTreeSet::new(),
            current,
        }
    }

    fn run(mut self, deadline: Instant) -> Result<()> {
        for raw in std::mem::take(&mut self.seeds.corpus) {
            let (selection, document) = decode_input(&raw);
            self.run_one(document, &selection)?;
            if selection != Selection::All {
                self.run_one(document, &Selection::All)?;
            }
        }
        while Instant::now() < deadline {
            let Some((bytes, value)) = self.next_input() else {
                continue;
            };
            self.shared.inputs.fetch_add(1, Ordering::Relaxed);
            let mut novel = self.run_one(&bytes, &Selection::All)?;
            if let Some(selection) = value.as_ref().and_then(|v| self.random_selection(v)) {
                novel |= self.run_one(&bytes, &selection)?;
            }
            if novel
                && let Some(value) = value
                && bytes.len() <= POOL_ENTRY_LIMIT
            {
                if self.pool.len() < POOL_LIMIT {
                    self.pool.push(value);
                } else {
                    let keep = self.seeds.small.len();
                    let at = keep + self.rng.below(POOL_LIMIT - keep.min(POOL_LIMIT));
                    if let Some(slot) = self.pool.get_mut(at) {
                        *slot = value;
                    }
                }
                self.shared
                    .pool
                    .store(self.pool.len() as u64, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// Runs one input under the watchdog and reports a failure; true when the outcome is new.
    fn run_one(&mut self, bytes: &[u8], selection: &Selection) -> Result<bool> {
        std::fs::write(&self.current, encode_input(selection, bytes))
            .with_context(|| format!("cannot write {}", self.current.display()))?;
        if let Ok(mut since) = self.shared.running_since.lock() {
            *since = Some(Instant::now());
        }
        let verdict = check(bytes, selection);
        if let Ok(mut since) = self.shared.running_since.lock() {
            *since = None;
        }
        self.shared.calls.fetch_add(1, Ordering::Relaxed);
        let key = match verdict {
            Verdict::Generated(key) => {
                self.shared.generated.fetch_add(1, Ordering::Relaxed);
                key
            }
            Verdict::Rejected(key) => {
                self.shared.rejected.fetch_add(1, Ordering::Relaxed);
                key
            }
            Verdict::Failure { key, message } => {
                self.shared.failing.fetch_add(1, Ordering::Relaxed);
                if self.reported.insert(key.clone()) {
                    let raw = self
                        .options
                        .state
                        .join("failures")
                        .join(format!("{}.yml", self.reported.len()));
                    std::fs::write(&raw, encode_input(selection, bytes))
                        .with_context(|| format!("cannot write {}", raw.display()))?;
                    println!(
                        "failure\t{}\t{}\t{}",
                        field(&key),
                        raw.display(),
                        field(&message)
                    );
                } else {
                    println!("hit\t{}", field(&key));
                }
                return Ok(false);
            }
        };
        let novel = self.outcomes.insert(key);
        self.shared
            .outcomes
            .store(self.outcomes.len() as u64, Ordering::Relaxed);
        Ok(novel)
    }

    /// A mutated document: usually from the pool, sometimes a piece of a published document, very
    /// rarely a whole one; as YAML or JSON; now and then with its text damaged too (then without a
    /// tree, since it is not kept).
    fn next_input(&mut self) -> Option<(Vec<u8>, Option<Value>)> {
        let rng = &mut self.rng;
        let mut doc = match (rng.below(2000), self.seeds.big.is_empty()) {
            (0, false) => rng.pick(&self.seeds.big)?.clone(),
            (1..=300, false) => {
                let big = rng.pick(&self.seeds.big)?;
                subdocument(rng, big)
            }
            _ => rng.pick(&self.pool)?.clone(),
        };
        let donor = rng.pick(&self.pool)?;
        let count = if rng.chance(1, 8) {
            1 + rng.below(12)
        } else {
            1 + rng.below(3)
        };
        for _ in 0..count {
            mutate::mutate(rng, &mut doc, donor);
        }
        let json = rng
            .chance(1, 10)
            .then(|| serde_json::to_vec_pretty(&doc).ok())
            .flatten();
        let mut bytes = match json {
            Some(bytes) => bytes,
            None => serde_yaml::to_string(&doc).ok()?.into_bytes(),
        };
        if rng.chance(1, 10) {
            for _ in 0..1 + rng.below(3) {
                mutate::mutate_bytes(rng, &mut bytes);
            }
            return Some((bytes, None));
        }
        Some((bytes, Some(doc)))
    }

    /// A selection of one to three of the document's groups and operationIds (sometimes respelled,
    /// sometimes odd names that match nothing), or `None` when there is nothing to choose from.
    fn random_selection(&mut self, doc: &Value) -> Option<Selection> {
        let mut names: Vec<String> = Vec::new();
        if let Some(Value::Mapping(paths)) = doc.get("paths") {
            for item in paths.values() {
                let Value::Mapping(item) = item else { continue };
                for operation in item.values() {
                    if let Some(group) = operation
                        .get("x-speakeasy-group")
                        .or_else(|| operation.get("tags").and_then(|t| t.get(0)))
                        .and_then(Value::as_str)
                    {
                        names.push(group.to_owned());
                    }
                    if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                        names.push(id.to_owned());
                    }
                }
            }
        }
        let rng = &mut self.rng;
        let count = 1 + rng.below(3);
        let chosen: Vec<String> = (0..count)
            .filter_map(|_| match rng.below(10) {
                0 => Some(mutate::odd_string(rng)),
                1 => rng.pick(&names).map(|n| mutate::mutate_name(rng, n)),
                _ => rng.pick(&names).cloned(),
            })
            .filter(|n| selectable(n))
            .collect();
        (!chosen.is_empty()).then_some(Selection::Only(chosen))
    }
}

/// A small document cut out of a big one: its top-level fields, one to four of its paths, and the
/// components those reach through `$ref`s.
fn subdocument(rng: &mut Rng, big: &Value) -> Value {
    let mut out = serde_yaml::Mapping::new();
    let Value::Mapping(root) = big else {
        return big.clone();
    };
    for key in ["openapi", "info", "servers", "security", "tags"] {
        if let Some(value) = root.get(key) {
            out.insert(Value::String(key.to_owned()), value.clone());
        }
    }
    let mut paths = serde_yaml::Mapping::new();
    if let Some(Value::Mapping(all)) = root.get("paths") {
        let keys: Vec<&Value> = all.keys().collect();
        for _ in 0..1 + rng.below(4) {
            if let Some(key) = rng.pick(&keys)
                && let Some(item) = all.get(*key)
            {
                paths.insert((*key).clone(), item.clone());
            }
        }
    }
    let mut components = serde_yaml::Mapping::new();
    let source = root.get("components");
    if let Some(schemes) = source.and_then(|c| c.get("securitySchemes")) {
        let mut m = serde_yaml::Mapping::new();
        m.insert(Value::String("securitySchemes".to_owned()), schemes.clone());
        components = m;
    }
    let mut queue: Vec<String> = Vec::new();
    collect_refs(&Value::Mapping(paths.clone()), &mut queue);
    let mut done: BTreeSet<String> = BTreeSet::new();
    while let Some(target) = queue.pop() {
        if !done.insert(target.clone()) {
            continue;
        }
        let Some(rest) = target.strip_prefix("#/components/") else {
            continue;
        };
        let Some((section, name)) = rest.split_once('/') else {
            continue;
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        let Some(value) = source
            .and_then(|c| c.get(section))
            .and_then(|s| s.get(&name))
        else {
            continue;
        };
        collect_refs(value, &mut queue);
        let section_key = Value::String(section.to_owned());
        let entry = components
            .entry(section_key)
            .or_insert_with(|| Value::Mapping(serde_yaml::Mapping::new()));
        if let Value::Mapping(m) = entry {
            m.insert(Value::String(name), value.clone());
        }
    }
    out.insert(Value::String("paths".to_owned()), Value::Mapping(paths));
    out.insert(
        Value::String("components".to_owned()),
        Value::Mapping(components),
    );
    Value::Mapping(out)
}

/// Every `$ref` string under `value`.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Mapping(m) => {
                for (k, child) in m {
                    if k.as_str() == Some("$ref")
                        && let Some(target) = child.as_str()
                    {
                        out.push(target.to_owned());
                    }
                    stack.push(child);
                }
            }
            Value::Sequence(items) => stack.extend(items),
            Value::Tagged(t) => stack.push(&t.value),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_inputs_round_trip() {
        let selection = Selection::Only(vec!["machines".to_owned(), "GetJWKS".to_owned()]);
        let saved = encode_input(&selection, b"openapi: 3.0.3\n");
        assert_eq!(decode_input(&saved), (selection, &b"openapi: 3.0.3\n"[..]));
        assert_eq!(
            decode_input(b"openapi: x"),
            (Selection::All, &b"openapi: x"[..])
        );
        let saved = encode_input(&Selection::All, b"\xff");
        assert_eq!(decode_input(&saved), (Selection::All, &b"\xff"[..]));
    }

    #[test]
    fn templates_drop_names_and_numbers() {
        assert_eq!(
            template("schemas `a` and `b` both become `C` at 12"),
            "schemas _ and _ both become _ at 0"
        );
    }

    #[test]
    fn a_good_document_generates_and_a_bad_one_is_rejected() {
        let good = b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok}}\n";
        assert!(matches!(
            check(good, &Selection::All),
            Verdict::Generated(_)
        ));
        assert!(matches!(check(b"", &Selection::All), Verdict::Rejected(_)));
    }

    #[test]
    fn minimising_a_tree_keeps_what_the_failure_needs() {
        let doc: Value =
            serde_yaml::from_str("a: {b: 1, c: [1, 2, 3], d: needle}\ne: long text here\n")
                .unwrap();
        let small = minimise_tree(doc, &mut |v| {
            serde_yaml::to_string(v).is_ok_and(|t| t.contains("needle"))
        });
        assert_eq!(serde_yaml::to_string(&small).unwrap(), "a:\n  d: needle\n");
    }

    #[test]
    fn minimising_lines_keeps_what_the_failure_needs() {
        let text = b"one\ntwo: 2\nneedle: here\nfour\n".to_vec();
        let small = minimise_lines(text, &mut |b| b.windows(6).any(|w| w == b"needle"));
        assert_eq!(small, b"needle: x");
    }

    #[test]
    fn mutations_keep_going_on_any_document() {
        let mut rng = Rng::new(7);
        let donor: Value = serde_yaml::from_str("a: {type: string}").unwrap();
        for start in ["openapi: 3.0.3", "[]", "x", "{}"] {
            let mut doc: Value = serde_yaml::from_str(start).unwrap();
            for _ in 0..200 {
                mutate::mutate(&mut rng, &mut doc, &donor);
                if serde_yaml::to_string(&doc).map_or(0, |t| t.len()) > 100_000 {
                    doc = serde_yaml::from_str(start).unwrap();
                }
            }
            let mut bytes = serde_yaml::to_string(&doc).unwrap().into_bytes();
            for _ in 0..50 {
                mutate::mutate_bytes(&mut rng, &mut bytes);
                bytes.truncate(100_000);
            }
        }
    }

    #[test]
    fn worker_arguments_round_trip() {
        let options = WorkerOptions {
            state: PathBuf::from("s"),
            corpus: PathBuf::from("c"),
            seconds: 5,
            seed: 9,
            timeout: 10,
        };
        let args = options.to_args();
        assert_eq!(WorkerOptions::parse(args.into_iter().skip(1)), Ok(options));
    }
}
