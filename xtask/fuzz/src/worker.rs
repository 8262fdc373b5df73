//! The fuzz worker and the replay: the processes that run the generator on fuzzed inputs, where a
//! crash or a hang ends only them.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use generator::Selection;
use generator::oracle::{self, Finding, Verdict};
use serde_yaml::Value;

use crate::mutate::{self, Pick as _, Rng};
use crate::supervisor::{HANG_EXIT, Report, Stats, decode_input, encode_input};

/// The name the generator is given for every fuzzed document; errors must name it.
const SOURCE_NAME: &str = "fuzz-input.yml";

/// Stack size of the thread that runs the generator. `cargo xtask codegen` runs it on the main
/// thread (8 MiB); a library user may run it on any thread, and 2 MiB is what Rust gives spawned
/// threads (and `cargo test` gives tests), so the fuzzer holds the generator to that.
const WORKER_STACK: usize = 2 << 20;

/// How much memory a worker or replay may map: enough for any real document many times over, and
/// far from what would disturb other work on the machine.
const MEMORY_LIMIT: u64 = 4 << 30;

/// Documents larger than this are not seeds as they are; the fuzzer cuts pieces out of them.
const BIG_SEED: usize = 200_000;

/// At most this many inputs are kept for mutation.
const POOL_LIMIT: usize = 4000;

/// Inputs larger than this are run but not kept for mutation.
const POOL_ENTRY_LIMIT: usize = 200_000;

/// What the supervisor tells a worker process (`clerk-bapi-fuzz worker`).
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct WorkerArgs {
    /// The workspace root, where the seed documents are.
    pub root: PathBuf,
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

impl WorkerArgs {
    /// The command-line arguments that give these options to `xtask fuzz-worker`.
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        vec![
            self.root.clone().into_os_string(),
            self.state.clone().into_os_string(),
            self.corpus.clone().into_os_string(),
            self.seconds.to_string().into(),
            self.seed.to_string().into(),
            self.timeout.to_string().into(),
        ]
    }
}

/// Judges one input with the generator's oracle, naming a panic by where it happened (which the
/// panic hook saw) rather than by its wording. Counts the runs whose document was read in pieces.
fn judge(bytes: &[u8], selection: &Selection, read_in_pieces: &AtomicU64) -> Verdict {
    let (verdict, pieces) = oracle::judge(SOURCE_NAME, bytes, selection);
    if pieces > 0 {
        read_in_pieces.fetch_add(1, Ordering::Relaxed);
    }
    match verdict {
        Verdict::Failure(Finding {
            panicked: true,
            message,
            ..
        }) => {
            let location = LAST_PANIC
                .with(|last| last.borrow_mut().take())
                .unwrap_or_else(|| "an unknown place".to_owned());
            Verdict::Failure(Finding {
                key: format!("panic at {location}"),
                message,
                panicked: true,
            })
        }
        other => other,
    }
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The generator function each panic location outside the generator was reached from, found once
/// per location from a backtrace (backtraces are slow, and the same panic repeats).
static CALLERS: Mutex<BTreeMap<String, Option<String>>> = Mutex::new(BTreeMap::new());

/// Records where each panic happened for [`judge`], instead of printing it: `file:line:column`,
/// and for a panic outside the generator's own code, the generator function it came through.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let mut location = info.location().map_or_else(
            || "an unknown place".to_owned(),
            |l| format!("{}:{}:{}", short_path(l.file()), l.line(), l.column()),
        );
        if !location.starts_with("generator/") {
            let mut callers = CALLERS.lock().unwrap_or_else(|e| e.into_inner());
            let caller = callers.entry(location.clone()).or_insert_with(|| {
                generator_frame(&std::backtrace::Backtrace::force_capture().to_string())
            });
            if let Some(caller) = caller {
                location = format!("{location} (in {caller})");
            }
        }
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(location));
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

/// Runs one saved input and prints its verdict as a [`Report`] (a failure) or `ok`; true when it
/// passed. Ends the process with [`HANG_EXIT`] when the input runs longer than `timeout` seconds.
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
            let _ = tx.send(judge(document, &selection, &AtomicU64::new(0)));
        })
        .context("cannot start the replay thread")?;
    let verdict = rx.recv_timeout(Duration::from_secs(timeout));
    let (key, message) = match verdict {
        Ok(Verdict::Failure(finding)) => (finding.key, finding.message),
        Ok(Verdict::Generated(_) | Verdict::Rejected(_)) => {
            println!("ok");
            return Ok(true);
        }
        Err(_) => ("hang".to_owned(), format!("over {timeout} s")),
    };
    let hang = key == "hang";
    let input = file.to_owned();
    Report::Failure {
        key,
        input,
        message,
    }
    .send();
    if hang {
        std::process::exit(HANG_EXIT);
    }
    Ok(false)
}

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
    read_in_pieces: AtomicU64,
    /// When the run in progress started, if one is.
    running_since: Mutex<Option<Instant>>,
}

impl Shared {
    fn stats(&self) -> Report {
        let n = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Report::Stats(Stats {
            inputs: n(&self.inputs),
            calls: n(&self.calls),
            generated: n(&self.generated),
            rejected: n(&self.rejected),
            failing: n(&self.failing),
            pool: n(&self.pool),
            outcomes: n(&self.outcomes),
            read_in_pieces: n(&self.read_in_pieces),
        })
    }
}

/// Fuzzes until the time is up, reporting on stdout; ends the process itself on a hang.
pub fn run(args: &WorkerArgs) -> Result<()> {
    let root = &args.root;
    limit_memory();
    install_panic_hook();
    let shared = Arc::new(Shared::default());
    let seeds = Seeds::load(root, &args.corpus)?;
    Report::Corpus(seeds.corpus.len() as u64).send();
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let thread = {
        let shared = Arc::clone(&shared);
        let args = args.clone();
        std::thread::Builder::new()
            .name("fuzz-worker".to_owned())
            .stack_size(WORKER_STACK)
            .spawn(move || Fuzzer::new(args, seeds, shared).run(deadline))
            .context("cannot start the worker thread")?
    };
    let limit = Duration::from_secs(args.timeout);
    let mut last_stats = Instant::now();
    while !thread.is_finished() {
        std::thread::sleep(Duration::from_millis(100));
        let running = shared
            .running_since
            .lock()
            .map(|since| since.is_some_and(|s| s.elapsed() > limit))
            .unwrap_or(false);
        if running {
            let input = args
                .state
                .join("failures")
                .join(format!("hang-{}.yml", args.seed));
            let _ = std::fs::copy(args.state.join("current.yml"), &input);
            shared.stats().send();
            let message = format!("one input ran longer than {} s", args.timeout);
            let key = "hang".to_owned();
            Report::Failure {
                key,
                input,
                message,
            }
            .send();
            let _ = std::io::stdout().flush();
            std::process::exit(HANG_EXIT);
        }
        if last_stats.elapsed() > Duration::from_secs(1) {
            last_stats = Instant::now();
            shared.stats().send();
        }
    }
    let result = thread
        .join()
        .unwrap_or_else(|_| Err(anyhow::anyhow!("the worker thread panicked")));
    shared.stats().send();
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
    args: WorkerArgs,
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
    fn new(args: WorkerArgs, seeds: Seeds, shared: Arc<Shared>) -> Self {
        let pool = seeds.small.clone();
        let current = args.state.join("current.yml");
        Fuzzer {
            rng: Rng::with_seed(args.seed),
            args,
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
        let verdict = judge(bytes, selection, &self.shared.read_in_pieces);
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
            Verdict::Failure(Finding { key, message, .. }) => {
                self.shared.failing.fetch_add(1, Ordering::Relaxed);
                if !self.reported.insert(key.clone()) {
                    Report::Hit(key).send();
                    return Ok(false);
                }
                let input = self
                    .args
                    .state
                    .join("failures")
                    .join(format!("{}.yml", self.reported.len()));
                std::fs::write(&input, encode_input(selection, bytes))
                    .with_context(|| format!("cannot write {}", input.display()))?;
                Report::Failure {
                    key,
                    input,
                    message,
                }
                .send();
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
                mutate::subdocument(rng, big)
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

/// Whether a name survives the trip through the selection line unchanged.
fn selectable(name: &str) -> bool {
    !name.is_empty()
        && name.trim() == name
        && !name.contains([',', '\n', '\r'])
        && !name.eq_ignore_ascii_case("all")
}
