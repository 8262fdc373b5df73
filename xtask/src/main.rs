//! `cargo xtask`: the workspace's developer commands (argument parsing, dispatch and exit codes).
//!
//! Exit status: 0 success, 1 `--check` found generated files out of date or `verify` found a document that
//! fails verification, 2 anything else (bad usage, an unreadable or invalid document, a file system error).
//! A failed `codegen` run has written nothing.

mod bench;
mod codegen;
mod fsutil;
mod fuzz;
mod verify;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use generator::Selection;

/// Generation makes millions of small, short-lived allocations (token streams, syntax trees, YAML
/// values) on several threads, which mimalloc serves markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
Usage: cargo xtask <COMMAND>

Commands:
  codegen   Generate the Clerk Backend API client from the OpenAPI document
  verify    Generate every operation of Clerk's documents into a copy of the client and test it
  bench     Measure the generator, the generated crate's build time and the client's throughput
  fuzz      Feed the generator mutated documents; save and minimise any that break it
  help      Print this message

Run `cargo xtask codegen --help`, `cargo xtask verify --help` or `cargo xtask fuzz --help` for their
options.";

const CODEGEN_USAGE: &str = "\
Usage: cargo xtask codegen [--spec PATH] [--select GROUPS|all] [--out DIR] [--check]

Generate the clerk-bapi client from an OpenAPI 3.0 document. The generator owns <DIR>/generated/ entirely:
changed files are replaced atomically, unchanged files are left alone, and files there that it does not
produce (orphans) are deleted. A run that fails writes nothing.

Options:
  --spec PATH      OpenAPI document to read [default: specs/clerk-bapi.yml in the workspace]
  --select GROUPS  Comma-separated groups (x-speakeasy-group, else first tag) and operationIds,
                   or `all` [default: jwks,m2m,machines]
  --out DIR        Directory receiving generated/ [default: generated-client/src in the workspace]
  --check          Write nothing; exit 1 if any generated file is stale, missing or orphaned,
                   showing a diff and the command that fixes it
  -h, --help       Print this message

Without --spec, --select and --out, every document listed under [[package.metadata.codegen.documents]]
in generated-client/Cargo.toml is generated (the client and the webhook module). A relative --spec or
--out is relative to the current directory; the defaults are found from the workspace root wherever
the command is run.

Exit status: 0 success or up to date, 1 out of date (--check), 2 bad usage, bad input or I/O error.";

const VERIFY_USAGE: &str = "\
Usage: cargo xtask verify [--spec PATH]... [--keep DIR] [--allow-skipped]

For each document: generate every operation (`--select all`), failing if any is skipped or if the count
differs from the document's operations; build the result in a copy of the clerk-bapi crate with
`cargo clippy --all-targets -- -D warnings`; and run `cargo test` there, with one round-trip test per
`example` the generator reports (it must decode into its generated type and encode back to an equal
value).
The copies share the target directory target/verify, so dependencies are compiled once.

Options:
  --spec PATH       A document to verify; repeat for several [default: the four documents
                    ../shared/specs/clerk-bapi/{2025-04-10,2025-11-10,2026-05-12}.yml and
                    ../shared/specs/clerk-fapi/2025-11-10.yml beside the workspace]
  --keep DIR        Also leave each copy in DIR/<document name>/ for inspection [default: the
                    copies, built in target/verify/work/, are removed]
  --allow-skipped   For development only, never in CI: report skipped operations as warnings
  -h, --help        Print this message

Exit status: 0 every document verified, 1 a document failed verification, 2 bad usage, a missing,
unreadable or invalid document, or an I/O error.";

const BENCH_USAGE: &str = "\
Usage: cargo xtask bench [--quick] [--spec PATH]

Measure, side by side in one run, and print one table of medians with their range: the parse
floor (read + serde_yaml into openapiv3) and whole-process `codegen --select all` of a whole
document with its peak memory, the generator's stages, the Machines selection, the client's
throughput against the same request written by hand with reqwest, and the dev build time of the
client crate for the Machines selection and for --select all. Always measures an optimised build
(started from a debug build, it rebuilds itself with the xtask-release profile: release with thin
LTO and one codegen unit). Timing never fails the command.

Options:
  --quick       Few iterations, to check that the benchmark still runs (CI uses this)
  --spec PATH   The whole document to measure [default: ../shared/specs/clerk-bapi/2026-05-12.yml]
  -h, --help    Print this message";

const FUZZ_USAGE: &str = "\
Usage: cargo xtask fuzz [--seconds N] [--seed N] [--corpus DIR] [--timeout N]

Mutate OpenAPI documents (the fixtures, specs/clerk-bapi.yml, the behaviour tests' document, and
pieces of Clerk's documents in ../shared/specs/clerk-bapi/ and clerk-fapi/ when present) and run
each through the generator, with every operation selected and with a random selection. A panic, an internal error,
an error that does not name the document, output that differs between two runs on the same input,
an input that takes longer than the limit, or one that kills the process (a stack overflow, running
out of memory) is a failure: each distinct failure is minimised, saved into the corpus directory and
printed. The inputs already in the corpus are replayed first. Always runs a release build (it
rebuilds itself in release when started from a debug build); uses one core.

Options:
  --seconds N   How long to fuzz, in wall-clock seconds [default: 60]
  --seed N      Seed of the run, to repeat one [default: from the clock]
  --corpus DIR  Where failing inputs are saved [default: generator/tests/fuzz_regressions]
  --timeout N   Seconds one input may take before it counts as a hang [default: 10]
  -h, --help    Print this message

Exit status: 0 nothing failed, 1 an input broke the generator (saved and printed), 2 bad usage
or an I/O error.";

/// How the process ends; the only place exit codes are decided.
enum Outcome {
    /// Done: files written, or help printed, or `--check` found nothing to do.
    Ok,
    /// `--check` found generated files out of date (already reported on stdout).
    Drift,
    /// `verify` found a document that fails verification (already reported on stdout).
    Unverified,
    /// `fuzz` found inputs that break the generator (already reported on stdout).
    FuzzFailures,
    /// The command line is wrong.
    Usage(String),
    /// The document is missing, unreadable or invalid.
    BadInput(String),
    /// Something else went wrong, e.g. the file system refused a write.
    Failed(anyhow::Error),
}

/// What the command line asks for.
#[derive(Debug)]
enum Command {
    Help,
    CodegenHelp,
    Codegen(codegen::Options),
    VerifyHelp,
    Verify(verify::Options),
    BenchHelp,
    Bench(bench::Options),
    /// The parse floor, measured by `bench`: read a document and parse it, nothing else.
    ParseFloor(PathBuf),
    FuzzHelp,
    Fuzz(fuzz::Options),
    /// The process `fuzz` runs inputs in (internal).
    FuzzWorker(fuzz::WorkerOptions),
    /// Runs one saved input, for `fuzz` to minimise with (internal): the file and the time limit.
    FuzzReplay(PathBuf, u64),
}

fn main() -> ExitCode {
    let outcome = match parse(std::env::args_os().skip(1)) {
        Err(message) => Outcome::Usage(message),
        Ok(Command::Help) => print(USAGE),
        Ok(Command::CodegenHelp) => print(CODEGEN_USAGE),
        Ok(Command::Codegen(options)) => {
            let mut stdout = std::io::stdout().lock();
            match codegen::run(
                &workspace_root(),
                &options,
                &generator::generate,
                &mut stdout,
            ) {
                Ok(codegen::Outcome::Ok) => Outcome::Ok,
                Ok(codegen::Outcome::Drift) => Outcome::Drift,
                Err(codegen::Failure::BadInput(message)) => Outcome::BadInput(message),
                Err(codegen::Failure::Failed(err)) => Outcome::Failed(err),
            }
        }
        Ok(Command::VerifyHelp) => print(VERIFY_USAGE),
        Ok(Command::Verify(options)) => {
            let mut stdout = std::io::stdout().lock();
            match verify::run(
                &workspace_root(),
                &options,
                &generator::generate,
                &mut stdout,
            ) {
                Ok(verify::Outcome::Verified) => Outcome::Ok,
                Ok(verify::Outcome::Failed) => Outcome::Unverified,
                Err(verify::Failure::BadInput(message)) => Outcome::BadInput(message),
                Err(verify::Failure::Failed(err)) => Outcome::Failed(err),
            }
        }
        Ok(Command::BenchHelp) => print(BENCH_USAGE),
        Ok(Command::Bench(options)) => run_bench(&options),
        Ok(Command::ParseFloor(spec)) => match bench::parse_floor(&spec) {
            Ok(()) => Outcome::Ok,
            Err(err) => Outcome::Failed(err),
        },
        Ok(Command::FuzzHelp) => print(FUZZ_USAGE),
        Ok(Command::Fuzz(options)) => run_fuzz(&options),
        Ok(Command::FuzzWorker(options)) => match fuzz::worker(&options, &workspace_root()) {
            Ok(()) => Outcome::Ok,
            Err(err) => Outcome::Failed(err),
        },
        Ok(Command::FuzzReplay(file, timeout)) => match fuzz::replay(&file, timeout) {
            Ok(false) => Outcome::Ok,
            Ok(true) => Outcome::FuzzFailures,
            Err(err) => Outcome::Failed(err),
        },
    };
    let mut stderr = std::io::stderr().lock();
    match outcome {
        Outcome::Ok => ExitCode::SUCCESS,
        Outcome::Drift | Outcome::Unverified | Outcome::FuzzFailures => ExitCode::from(1),
        Outcome::Usage(message) => {
            let _ = writeln!(stderr, "error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Outcome::BadInput(message) => {
            let _ = writeln!(stderr, "error: {message}");
            ExitCode::from(2)
        }
        Outcome::Failed(err) => {
            let _ = writeln!(stderr, "error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Benchmarks measure optimised code: a debug build hands over to a build of itself with the
/// `xtask-release` profile (release with whole-program optimisation, see the workspace manifest).
fn run_bench(options: &bench::Options) -> Outcome {
    if cfg!(debug_assertions) {
        let mut command =
            std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command.current_dir(workspace_root()).args([
            "run",
            "--quiet",
            "--profile",
            "xtask-release",
            "--package",
            "xtask",
            "--",
            "bench",
        ]);
        if options.quick {
            command.arg("--quick");
        }
        if let Some(spec) = &options.spec {
            command.arg("--spec").arg(spec);
        }
        return match command.status() {
            Ok(status) if status.success() => Outcome::Ok,
            Ok(status) => Outcome::Failed(anyhow::anyhow!(
                "the release build of `xtask bench` failed ({status})"
            )),
            Err(err) => Outcome::Failed(anyhow::Error::new(err).context("cannot run cargo")),
        };
    }
    let mut stdout = std::io::stdout().lock();
    match bench::run(&workspace_root(), options, &mut stdout) {
        Ok(()) => Outcome::Ok,
        Err(err) => Outcome::Failed(err),
    }
}

/// Fuzzing measures nothing, but runs many times more inputs in a release build: a debug build hands
/// over to a release build of itself, as `run_bench` does.
fn run_fuzz(options: &fuzz::Options) -> Outcome {
    if cfg!(debug_assertions) {
        let mut command =
            std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command.current_dir(workspace_root()).args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "xtask",
            "--",
            "fuzz",
        ]);
        command
            .arg("--seconds")
            .arg(options.seconds.to_string())
            .arg("--timeout")
            .arg(options.timeout.to_string());
        if let Some(seed) = options.seed {
            command.arg("--seed").arg(seed.to_string());
        }
        if let Some(corpus) = &options.corpus {
            command.arg("--corpus").arg(corpus);
        }
        return match command.status() {
            Ok(status) if status.success() => Outcome::Ok,
            Ok(status) if status.code() == Some(1) => Outcome::FuzzFailures,
            Ok(status) => Outcome::Failed(anyhow::anyhow!(
                "the release build of `xtask fuzz` failed ({status})"
            )),
            Err(err) => Outcome::Failed(anyhow::Error::new(err).context("cannot run cargo")),
        };
    }
    let mut stdout = std::io::stdout().lock();
    match fuzz::run(&workspace_root(), options, &mut stdout) {
        Ok(fuzz::Outcome::Clean) => Outcome::Ok,
        Ok(fuzz::Outcome::Failures) => Outcome::FuzzFailures,
        Err(err) => Outcome::Failed(err),
    }
}

fn parse_fuzz(mut args: impl Iterator<Item = OsString>) -> Result<Command, String> {
    let mut options = fuzz::Options::default();
    let (mut seconds, mut timeout) = (None, None);
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            return Err(format!("unexpected argument `{}`", arg.to_string_lossy()));
        };
        // `--flag=value` or `--flag value`.
        let (flag, inline) = match text.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(OsString::from(value))),
            _ => (text, None),
        };
        let mut value = || -> Result<OsString, String> {
            let value = match inline.clone() {
                Some(value) => value,
                None => match args.next() {
                    Some(value) if !value.to_string_lossy().starts_with("--") => value,
                    _ => return Err(format!("`{flag}` needs a value")),
                },
            };
            if value.is_empty() {
                return Err(format!("`{flag}` needs a non-empty value"));
            }
            Ok(value)
        };
        let number = |value: OsString| -> Result<u64, String> {
            value
                .to_str()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| format!("`{flag}` needs a whole number"))
        };
        match flag {
            "-h" | "--help" => return Ok(Command::FuzzHelp),
            "--seconds" => set_once(flag, &mut seconds, number(value()?)?)?,
            "--timeout" => set_once(flag, &mut timeout, number(value()?)?)?,
            "--seed" => set_once(flag, &mut options.seed, number(value()?)?)?,
            "--corpus" => {
                let cwd = std::env::current_dir()
                    .map_err(|e| format!("cannot read the current directory: {e}"))?;
                set_once(flag, &mut options.corpus, cwd.join(value()?))?;
            }
            _ if flag.starts_with('-') => return Err(format!("unknown option `{flag}` for fuzz")),
            _ => return Err(format!("unexpected argument `{text}`")),
        }
    }
    options.seconds = seconds.unwrap_or(options.seconds);
    options.timeout = timeout.unwrap_or(options.timeout);
    if options.seconds == 0 || options.timeout == 0 {
        return Err("`--seconds` and `--timeout` must be at least 1".to_owned());
    }
    Ok(Command::Fuzz(options))
}

fn parse_bench(args: impl Iterator<Item = OsString>) -> Result<Command, String> {
    let mut options = bench::Options {
        quick: false,
        spec: None,
    };
    let mut args = args;
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--quick") => options.quick = true,
            Some("--spec") => {
                let value = args.next().ok_or("`--spec` needs a value")?;
                let cwd = std::env::current_dir()
                    .map_err(|e| format!("cannot read the current directory: {e}"))?;
                set_once("--spec", &mut options.spec, cwd.join(value))?;
            }
            Some("-h" | "--help") => return Ok(Command::BenchHelp),
            _ => return Err(format!("unexpected argument `{}`", arg.to_string_lossy())),
        }
    }
    Ok(Command::Bench(options))
}

fn print(text: &str) -> Outcome {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    Outcome::Ok
}

/// The workspace root: the parent of this crate's directory, fixed at compile time.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.join(".."), Path::to_path_buf)
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        return Err("no command given".to_owned());
    };
    match command.to_str() {
        Some("codegen") => parse_codegen(args),
        Some("verify") => parse_verify(args),
        Some("bench") => parse_bench(args),
        Some("fuzz") => parse_fuzz(args),
        Some("fuzz-worker") => fuzz::WorkerOptions::parse(args).map(Command::FuzzWorker),
        Some("fuzz-replay") => match (args.next(), args.next(), args.next()) {
            (Some(file), Some(timeout), None) => timeout
                .to_str()
                .and_then(|t| t.parse::<u64>().ok())
                .map(|t| Command::FuzzReplay(PathBuf::from(file), t))
                .ok_or_else(|| "usage: xtask fuzz-replay FILE SECONDS".to_owned()),
            _ => Err("usage: xtask fuzz-replay FILE SECONDS".to_owned()),
        },
        Some("parse-floor") => match (args.next(), args.next()) {
            (Some(spec), None) => Ok(Command::ParseFloor(PathBuf::from(spec))),
            _ => Err("usage: cargo xtask parse-floor <document>".to_owned()),
        },
        Some("help" | "-h" | "--help") => Ok(Command::Help),
        _ => Err(format!("unknown command `{}`", command.to_string_lossy())),
    }
}

fn parse_codegen(mut args: impl Iterator<Item = OsString>) -> Result<Command, String> {
    let mut options = codegen::Options::default();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            return Err(format!("unexpected argument `{}`", arg.to_string_lossy()));
        };
        // `--flag=value` or `--flag value`.
        let (flag, inline) = match text.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(OsString::from(value))),
            _ => (text, None),
        };
        let takes_value = matches!(flag, "--spec" | "--select" | "--out");
        if inline.is_some() && !takes_value {
            return Err(format!("`{flag}` takes no value"));
        }
        let mut value = || -> Result<OsString, String> {
            let value = match inline.clone() {
                Some(value) => value,
                None => match args.next() {
                    Some(value) if !value.to_string_lossy().starts_with("--") => value,
                    _ => return Err(format!("`{flag}` needs a value")),
                },
            };
            if value.is_empty() {
                return Err(format!("`{flag}` needs a non-empty value"));
            }
            Ok(value)
        };
        match flag {
            "-h" | "--help" => return Ok(Command::CodegenHelp),
            "--check" => options.check = true,
            "--spec" => set_once(flag, &mut options.spec, PathBuf::from(value()?))?,
            "--out" => set_once(flag, &mut options.out, PathBuf::from(value()?))?,
            "--select" => {
                let text = value()?
                    .into_string()
                    .map_err(|_| "`--select` needs UTF-8 text".to_owned())?;
                let selection =
                    Selection::parse(&text).map_err(|err| format!("--select: {err}"))?;
                set_once(flag, &mut options.select, (text, selection))?;
            }
            _ if flag.starts_with('-') => {
                return Err(format!("unknown option `{flag}` for codegen"));
            }
            _ => return Err(format!("unexpected argument `{text}`")),
        }
    }
    Ok(Command::Codegen(options))
}

fn parse_verify(mut args: impl Iterator<Item = OsString>) -> Result<Command, String> {
    let mut options = verify::Options::default();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            return Err(format!("unexpected argument `{}`", arg.to_string_lossy()));
        };
        // `--flag=value` or `--flag value`.
        let (flag, inline) = match text.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(OsString::from(value))),
            _ => (text, None),
        };
        let takes_value = matches!(flag, "--spec" | "--keep");
        if inline.is_some() && !takes_value {
            return Err(format!("`{flag}` takes no value"));
        }
        let mut value = || -> Result<PathBuf, String> {
            let value = match inline.clone() {
                Some(value) => value,
                None => match args.next() {
                    Some(value) if !value.to_string_lossy().starts_with("--") => value,
                    _ => return Err(format!("`{flag}` needs a value")),
                },
            };
            if value.is_empty() {
                return Err(format!("`{flag}` needs a non-empty value"));
            }
            Ok(PathBuf::from(value))
        };
        match flag {
            "-h" | "--help" => return Ok(Command::VerifyHelp),
            "--allow-skipped" => options.allow_skipped = true,
            "--spec" => options.specs.push(value()?),
            "--keep" => set_once(flag, &mut options.keep, value()?)?,
            _ if flag.starts_with('-') => {
                return Err(format!("unknown option `{flag}` for verify"));
            }
            _ => return Err(format!("unexpected argument `{text}`")),
        }
    }
    Ok(Command::Verify(options))
}

fn set_once<T>(flag: &str, slot: &mut Option<T>, value: T) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("`{flag}` given more than once"));
    }
    *slot = Some(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    fn options(args: &[&str]) -> codegen::Options {
        match parse_str(args) {
            Ok(Command::Codegen(options)) => options,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn codegen_defaults() {
        let o = options(&["codegen"]);
        assert!(o.spec.is_none() && o.select.is_none() && o.out.is_none() && !o.check);
    }

    #[test]
    fn codegen_flags_in_both_forms() {
        let o = options(&[
            "codegen",
            "--spec",
            "a.yml",
            "--select=all",
            "--out=dir",
            "--check",
        ]);
        assert_eq!(o.spec.as_deref(), Some(Path::new("a.yml")));
        assert_eq!(o.out.as_deref(), Some(Path::new("dir")));
        assert_eq!(o.select, Some(("all".to_owned(), Selection::All)));
        assert!(o.check);
        let o = options(&["codegen", "--select", "machines, users"]);
        let expected = Selection::Only(vec!["machines".into(), "users".into()]);
        assert_eq!(o.select, Some(("machines, users".to_owned(), expected)));
    }

    #[test]
    fn help() {
        assert!(matches!(parse_str(&["help"]), Ok(Command::Help)));
        assert!(matches!(parse_str(&["--help"]), Ok(Command::Help)));
        assert!(matches!(
            parse_str(&["codegen", "-h"]),
            Ok(Command::CodegenHelp)
        ));
        assert!(matches!(
            parse_str(&["codegen", "--out", "x", "--help"]),
            Ok(Command::CodegenHelp)
        ));
    }

    #[test]
    fn usage_errors() {
        for (args, expected) in [
            (&[][..], "no command given"),
            (&["frob"][..], "unknown command `frob`"),
            (&["bench", "--frob"][..], "unexpected argument `--frob`"),
            (&["codegen", "--frob"][..], "unknown option `--frob`"),
            (&["codegen", "extra"][..], "unexpected argument `extra`"),
            (&["codegen", "--spec"][..], "`--spec` needs a value"),
            (
                &["codegen", "--spec", "--check"][..],
                "`--spec` needs a value",
            ),
            (
                &["codegen", "--out="][..],
                "`--out` needs a non-empty value",
            ),
            (&["codegen", "--check=yes"][..], "`--check` takes no value"),
            (
                &["codegen", "--select", ","][..],
                "--select: the selection is empty",
            ),
            (
                &["codegen", "--out", "a", "--out", "b"][..],
                "`--out` given more than once",
            ),
        ] {
            let err = parse_str(args).unwrap_err();
            assert!(err.contains(expected), "{args:?}: {err}");
        }
    }

    #[test]
    fn verify_options() {
        let Ok(Command::Verify(o)) = parse_str(&["verify"]) else {
            panic!()
        };
        assert!(o.specs.is_empty() && o.keep.is_none() && !o.allow_skipped);
        let Ok(Command::Verify(o)) = parse_str(&[
            "verify",
            "--spec",
            "a.yml",
            "--spec=b.yml",
            "--keep",
            "out",
            "--allow-skipped",
        ]) else {
            panic!()
        };
        assert_eq!(o.specs, [PathBuf::from("a.yml"), PathBuf::from("b.yml")]);
        assert_eq!(o.keep.as_deref(), Some(Path::new("out")));
        assert!(o.allow_skipped);
        assert!(matches!(
            parse_str(&["verify", "--spec", "a", "-h"]),
            Ok(Command::VerifyHelp)
        ));
        for (args, expected) in [
            (
                &["verify", "--frob"][..],
                "unknown option `--frob` for verify",
            ),
            (&["verify", "a.yml"][..], "unexpected argument `a.yml`"),
            (&["verify", "--spec"][..], "`--spec` needs a value"),
            (
                &["verify", "--keep", "--spec", "a"][..],
                "`--keep` needs a value",
            ),
            (
                &["verify", "--spec="][..],
                "`--spec` needs a non-empty value",
            ),
            (
                &["verify", "--allow-skipped=yes"][..],
                "`--allow-skipped` takes no value",
            ),
            (
                &["verify", "--keep", "a", "--keep", "b"][..],
                "`--keep` given more than once",
            ),
            (
                &["verify", "--select", "all"][..],
                "unknown option `--select`",
            ),
        ] {
            let err = parse_str(args).unwrap_err();
            assert!(err.contains(expected), "{args:?}: {err}");
        }
    }

    #[test]
    fn fuzz_options() {
        let Ok(Command::Fuzz(o)) = parse_str(&["fuzz"]) else {
            panic!()
        };
        assert_eq!(o, fuzz::Options::default());
        let Ok(Command::Fuzz(o)) = parse_str(&[
            "fuzz",
            "--seconds",
            "30",
            "--seed=7",
            "--corpus",
            "c",
            "--timeout=5",
        ]) else {
            panic!()
        };
        assert_eq!((o.seconds, o.seed, o.timeout), (30, Some(7), 5));
        assert!(
            o.corpus
                .is_some_and(|c| c.is_absolute() && c.ends_with("c"))
        );
        assert!(matches!(
            parse_str(&["fuzz", "--seconds", "5", "-h"]),
            Ok(Command::FuzzHelp)
        ));
        for (args, expected) in [
            (&["fuzz", "--frob"][..], "unknown option `--frob` for fuzz"),
            (&["fuzz", "--seconds"][..], "`--seconds` needs a value"),
            (
                &["fuzz", "--seconds", "ten"][..],
                "`--seconds` needs a whole number",
            ),
            (&["fuzz", "--seconds", "0"][..], "must be at least 1"),
            (
                &["fuzz", "--seed", "1", "--seed", "2"][..],
                "`--seed` given more than once",
            ),
            (&["fuzz", "extra"][..], "unexpected argument `extra`"),
        ] {
            let err = parse_str(args).unwrap_err();
            assert!(err.contains(expected), "{args:?}: {err}");
        }
    }

    #[test]
    fn workspace_root_holds_the_workspace_manifest() {
        assert!(workspace_root().join("Cargo.toml").is_file());
        assert!(workspace_root().join("xtask").is_dir());
    }
}
