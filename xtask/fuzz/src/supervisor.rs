//! The supervisor: what the three processes share, and the one that runs the others.
//!
//! - The supervisor ([`run`]) starts a worker and restarts it when an input kills it (a stack
//!   overflow, an abort, exhausted memory) or freezes it. At the end it minimises every distinct
//!   failure by replaying smaller inputs, saves each into the corpus directory, and prints figures.
//! - The worker ([`crate::worker::run`], `clerk-bapi-fuzz worker`) replays the corpus, then mutates documents
//!   and judges each with the oracle (every operation, and a random selection). A watchdog thread
//!   ends it when one input runs longer than the limit. Before each run it writes the input to
//!   `current.yml` in its state directory, so the supervisor knows what killed it. It reports to
//!   the supervisor in JSON lines ([`Report`]).
//! - A replay ([`crate::worker::replay`], `clerk-bapi-fuzz replay`) runs one saved input and prints its
//!   verdict; the supervisor minimises with replays, so a candidate that crashes ends only a replay.
//!
//! Saved inputs start with one line naming the selection they failed with (`# fuzz-select: all`),
//! followed by the document's bytes exactly as the generator received them.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use generator::Selection;
use serde::{Deserialize, Serialize};

use crate::minimise;
use crate::worker::WorkerArgs;

/// Where minimised failing inputs are kept, relative to the workspace root.
const DEFAULT_CORPUS: &str = "generator/tests/fuzz_regressions";

/// The first line of a saved input, before the selection it was run with.
pub const SELECT_HEADER: &str = "# fuzz-select: ";

/// The exit status of a worker or replay that ended because an input ran too long.
pub const HANG_EXIT: i32 = 3;

/// `cargo xtask fuzz`'s options.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
#[command(
    before_long_help = "Mutate OpenAPI documents (the fixtures, specs/clerk-bapi.yml, the behaviour tests' \
    document, and pieces of Clerk's documents in ../shared/specs/clerk-bapi/ and clerk-fapi/ when present) and run \
    each through the generator, with every operation selected and with a random selection. What the \
    generator's oracle calls a failure (a panic, an internal error, an error that does not name the \
    document, output that differs between two runs), an input that takes longer than the limit, or \
    one that kills the process (a stack overflow, running out of memory) is minimised, saved into the \
    corpus directory and printed. The corpus is replayed first. Always runs a release build; uses \
    one core.",
    after_help = "Exit status: 0 nothing failed, 1 an input broke the generator (saved and printed), \
    2 bad usage or an I/O error."
)]
pub struct Args {
    /// How long to fuzz, in wall-clock seconds
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub seconds: u64,
    /// Seed of the run, to repeat one [default: from the clock]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where failing inputs are saved [default: generator/tests/fuzz_regressions]
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Seconds one input may take before it counts as a hang
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

/// What a worker tells the supervisor, one JSON object a line on its stdout.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Report {
    /// The worker's counters so far.
    Stats(Stats),
    /// How many saved inputs of the corpus it replays.
    Corpus(u64),
    /// A failure not reported before, with the file holding the input.
    Failure {
        key: String,
        input: PathBuf,
        message: String,
    },
    /// A failure already reported, seen again.
    Hit(String),
}

impl Report {
    pub fn send(&self) {
        if let Ok(line) = serde_json::to_string(self) {
            println!("{line}");
            let _ = std::io::stdout().flush();
        }
    }
}

/// Counters of a worker.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Stats {
    pub inputs: u64,
    pub calls: u64,
    pub generated: u64,
    pub rejected: u64,
    pub failing: u64,
    pub pool: u64,
    pub outcomes: u64,
    pub read_in_pieces: u64,
}

impl Stats {
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

/// A saved input: the selection line, then the document's bytes.
pub fn encode_input(selection: &Selection, bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("{SELECT_HEADER}{selection}\n").into_bytes();
    out.extend_from_slice(bytes);
    out
}

/// Splits a saved input into its selection and document; a file without the selection line is a
/// document to run with every operation selected.
pub fn decode_input(bytes: &[u8]) -> (Selection, &[u8]) {
    let Some(rest) = bytes.strip_prefix(SELECT_HEADER.as_bytes()) else {
        return (Selection::All, bytes);
    };
    let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let line = String::from_utf8_lossy(&rest[..end]);
    let document = rest.get(end + 1..).unwrap_or_default();
    (Selection::parse(&line).unwrap_or(Selection::All), document)
}

/// One distinct failure: the first input that showed it, and how often it was seen.
#[derive(Debug, Clone)]
struct Found {
    message: String,
    input: PathBuf,
    count: u64,
}

/// Runs the fuzzer for `args.seconds`, then minimises and saves what it found. True when nothing
/// failed.
pub fn run(root: &Path, args: &Args, out: &mut dyn Write) -> Result<bool> {
    let exe = std::env::current_exe().context("cannot find the xtask executable")?;
    let corpus = args
        .corpus
        .clone()
        .unwrap_or_else(|| root.join(DEFAULT_CORPUS));
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    let state = root.join("target").join("fuzz").join(format!("run-{seed}"));
    if state.exists() {
        std::fs::remove_dir_all(&state)
            .with_context(|| format!("cannot clear {}", state.display()))?;
    }
    for dir in [&state.join("failures"), &corpus] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    writeln!(
        out,
        "fuzzing the generator for {} s with seed {seed} (an input over {} s is a hang); corpus {}",
        args.seconds,
        args.timeout,
        corpus.display()
    )?;
    out.flush()?;

    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut totals = Stats::default();
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    let mut restarts = 0_u32;
    let mut corpus_files = 0_u64;
    let mut last_progress = Instant::now();
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining < Duration::from_secs(1) || restarts > 200 {
            break;
        }
        let worker = WorkerArgs {
            root: root.to_path_buf(),
            state: state.clone(),
            corpus: corpus.clone(),
            seconds: remaining.as_secs().max(1),
            seed: seed.wrapping_add(u64::from(restarts).wrapping_mul(0x1000_0000_0001)),
            timeout: args.timeout,
        };
        let mut child = Command::new(&exe)
            .arg("worker")
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
        let kill_at = Instant::now() + remaining + Duration::from_secs(args.timeout + 30);
        let mut stats = Stats::default();
        let status = loop {
            match lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => match serde_json::from_str::<Report>(&line) {
                    Ok(Report::Stats(latest)) => stats = latest,
                    Ok(Report::Corpus(count)) => corpus_files = count,
                    Ok(Report::Failure {
                        key,
                        input,
                        message,
                    }) => record(&mut found, &key, &input, &message, out)?,
                    Ok(Report::Hit(key)) => {
                        if let Some(f) = found.get_mut(&key) {
                            f.count += 1;
                        }
                    }
                    Err(_) => {}
                },
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if Instant::now() > kill_at {
                        let _ = child.kill();
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break child.wait().context("cannot wait for the fuzz worker")?;
                }
            }
            if last_progress.elapsed() > Duration::from_secs(30) {
                last_progress = Instant::now();
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
        if status.code() != Some(HANG_EXIT) {
            // The worker died on an input: the one it wrote last.
            let tail = tail_text(&stderr_tail);
            let key = abort_key(status, &tail);
            let input = state.join("failures").join(format!("abort-{restarts}.yml"));
            std::fs::copy(state.join("current.yml"), &input)
                .with_context(|| format!("cannot save {}", input.display()))?;
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
            record(&mut found, &key, &input, &message, out)?;
        }
    }
    let fuzzing = started.elapsed();

    let mut saved = Vec::new();
    for (key, f) in &found {
        writeln!(out, "\nminimising: {key}")?;
        out.flush()?;
        let raw = std::fs::read(&f.input)
            .with_context(|| format!("cannot read {}", f.input.display()))?;
        let Some(minimised) = minimise::minimise(&exe, &state, args.timeout, &raw, key)? else {
            // Never copy an input that was not minimised into the corpus: it may be a large piece
            // of Clerk's documents.
            writeln!(
                out,
                "a replay does not fail the same way; the input stays in {}",
                f.input.display()
            )?;
            continue;
        };
        let path = minimise::save(&corpus, key, &minimised)?;
        writeln!(out, "saved {} ({} bytes):", path.display(), minimised.len())?;
        for line in String::from_utf8_lossy(&minimised).lines().take(80) {
            writeln!(out, "  | {line}")?;
        }
        saved.push(path);
    }
    print_figures(
        out,
        seed,
        fuzzing,
        &totals,
        corpus_files,
        restarts,
        &found,
        &saved,
    )?;
    Ok(found.is_empty())
}

#[allow(
    clippy::too_many_arguments,
    reason = "the figures of one run, printed once"
)]
fn print_figures(
    out: &mut dyn Write,
    seed: u64,
    fuzzing: Duration,
    totals: &Stats,
    corpus_files: u64,
    restarts: u32,
    found: &BTreeMap<String, Found>,
    saved: &[PathBuf],
) -> Result<()> {
    let secs = fuzzing.as_secs_f64().max(0.001);
    let rate = |n: u64| n as f64 / secs;
    writeln!(out, "\nfuzz figures (seed {seed})")?;
    writeln!(out, "  fuzzing time     {secs:.1} s")?;
    writeln!(out, "  corpus replayed  {corpus_files} files")?;
    writeln!(
        out,
        "  inputs           {} ({:.1}/s)",
        totals.inputs,
        rate(totals.inputs)
    )?;
    writeln!(
        out,
        "  generator runs   {} ({:.1}/s): {} generated (each twice, compared), {} rejected with an error, {} failing",
        totals.calls,
        rate(totals.calls),
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
    for (key, f) in found {
        writeln!(out, "    - {key}: {} ({} inputs)", f.message, f.count)?;
    }
    writeln!(out, "  inputs saved     {}", saved.len())?;
    for path in saved {
        writeln!(out, "    - {}", path.display())?;
    }
    Ok(())
}

fn record(
    found: &mut BTreeMap<String, Found>,
    key: &str,
    input: &Path,
    message: &str,
    out: &mut dyn Write,
) -> Result<()> {
    if let Some(f) = found.get_mut(key) {
        f.count += 1;
        return Ok(());
    }
    writeln!(out, "FOUND {key}: {message}")?;
    out.flush()?;
    let input = input.to_owned();
    let message = message.to_owned();
    found.insert(
        key.to_owned(),
        Found {
            message,
            input,
            count: 1,
        },
    );
    Ok(())
}

/// Keeps the last lines a child writes to stderr.
pub fn collect_tail(stderr: Option<impl Read + Send + 'static>) -> Arc<Mutex<VecDeque<String>>> {
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
pub fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
    tail.lock()
        .map(|t| t.iter().map(String::as_str).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

/// Names the way a process died.
pub fn abort_key(status: ExitStatus, stderr: &str) -> String {
    if stderr.contains("has overflowed its stack") {
        "abort: stack overflow".to_owned()
    } else if stderr.contains("memory allocation of") {
        "abort: out of memory".to_owned()
    } else {
        format!("abort: {status}")
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
    fn reports_round_trip_as_json_lines() {
        let report = Report::Failure {
            key: "panic at x".into(),
            input: "a\tb.yml".into(),
            message: "line one\nline two".into(),
        };
        let line = serde_json::to_string(&report).unwrap();
        assert!(!line.contains('\n'));
        let Ok(Report::Failure { message, .. }) = serde_json::from_str(&line) else {
            panic!("{line}")
        };
        assert_eq!(message, "line one\nline two");
    }
}
