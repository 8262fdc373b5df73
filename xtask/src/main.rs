//! `cargo xtask`: the workspace's developer commands (argument parsing, dispatch and exit codes).
//!
//! Exit status: 0 success, 1 `--check` found generated files out of date, `verify` found a document
//! that fails verification or `fuzz` found an input that breaks the generator, 2 anything else (bad
//! usage, an unreadable or invalid document, a file system error). A failed `codegen` run has
//! written nothing.

mod atomic;
mod bench;
mod codegen;
mod verify;
mod workspace;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Generation makes millions of small, short-lived allocations (token streams, syntax trees, YAML
/// values) on several threads, which mimalloc serves markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The workspace's developer commands.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the client from the documents `generated-client/Cargo.toml` declares, or from one
    /// document given with --spec
    Codegen(codegen::Args),
    /// Generate every operation of Clerk's documents into the verify crate, lint it and test its
    /// examples
    Verify(verify::Args),
    /// Measure the generator, the generated crate's build time and the client's throughput
    Bench(bench::Args),
    /// Feed the generator mutated documents; save and minimise any that break it (runs the fuzzer,
    /// the crate `xtask/fuzz/`, in release; `cargo xtask fuzz --help` for its options)
    #[command(disable_help_flag = true)]
    Fuzz {
        /// The fuzzer's options, passed on
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// The parse floor, measured by `bench`: read a document and parse it, nothing else
    #[command(hide = true)]
    ParseFloor { spec: PathBuf },
}

/// How the process ends; the only place exit codes are decided.
enum Exit {
    /// Done: files written, or `--check` found nothing to do.
    Success,
    /// A finding already reported on stdout: generated files out of date, a document that fails
    /// verification, an input that breaks the generator.
    Finding,
    /// The document is missing, unreadable or invalid (the message names it).
    BadInput(String),
    /// Something else went wrong, e.g. the file system refused a write.
    Failed(anyhow::Error),
}

impl From<anyhow::Result<bool>> for Exit {
    /// `Ok(true)` is success, `Ok(false)` a reported finding.
    fn from(result: anyhow::Result<bool>) -> Self {
        match result {
            Ok(true) => Exit::Success,
            Ok(false) => Exit::Finding,
            Err(err) => Exit::Failed(err),
        }
    }
}

fn main() -> ExitCode {
    // clap prints help and usage errors itself, with exit status 0 and 2.
    let cli = Cli::parse();
    // A one-off `codegen --spec PATH --out DIR` reads and writes only what it is given, so it runs
    // outside any workspace too.
    let root = match &cli.command {
        Command::Codegen(codegen::Args {
            spec: Some(_),
            out: Some(_),
            ..
        }) => std::env::current_dir().map_err(anyhow::Error::from),
        _ => workspace::root(),
    };
    let exit = match root {
        Ok(root) => run(cli.command, &root),
        Err(err) => Exit::Failed(err),
    };
    let mut stderr = std::io::stderr().lock();
    match exit {
        Exit::Success => ExitCode::SUCCESS,
        Exit::Finding => ExitCode::from(1),
        Exit::BadInput(message) => {
            let _ = writeln!(stderr, "error: {message}");
            ExitCode::from(2)
        }
        Exit::Failed(err) => {
            let _ = writeln!(stderr, "error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command, root: &std::path::Path) -> Exit {
    let mut stdout = std::io::stdout().lock();
    match command {
        Command::Codegen(args) => {
            match codegen::run(root, &args, &generator::generate, &mut stdout) {
                Ok(codegen::Freshness::UpToDate) => Exit::Success,
                Ok(codegen::Freshness::Stale) => Exit::Finding,
                Err(codegen::Failure::BadInput(message)) => Exit::BadInput(message),
                Err(codegen::Failure::Failed(err)) => Exit::Failed(err),
            }
        }
        Command::Verify(args) => match verify::run(root, &args, &mut stdout) {
            Err(verify::Failure::BadInput(message)) => Exit::BadInput(message),
            Err(verify::Failure::Failed(err)) => Exit::Failed(err),
            Ok(verified) => Ok(verified).into(),
        },
        Command::Bench(args) => match optimised(root, &args.to_args()) {
            Some(exit) => exit,
            None => bench::run(root, &args, &mut stdout).map(|()| true).into(),
        },
        Command::ParseFloor { spec } => bench::parse_floor(&spec).map(|()| true).into(),
        Command::Fuzz { args } => {
            let mut fuzz = cargo_run(root, &["--release", "-p", "clerk-bapi-fuzz", "--", "run"]);
            fuzz.arg("--root").arg(root).args(args);
            status(fuzz, "the fuzzer")
        }
    }
}

/// Benchmarks measure optimised code: a debug build hands over to a build of itself with the
/// `xtask-release` profile, passing `args` on. `None` when this already is an optimised build.
fn optimised(root: &std::path::Path, args: &[String]) -> Option<Exit> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let mut bench = cargo_run(
        root,
        &["--profile", "xtask-release", "-p", "xtask", "--", "bench"],
    );
    bench.args(args);
    Some(status(bench, "the optimised build of `xtask bench`"))
}

/// `cargo run --quiet --manifest-path <root>/Cargo.toml <args>`.
fn cargo_run(root: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(workspace::cargo());
    command
        .args(["run", "--quiet", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .args(args);
    command
}

/// Runs `command` and passes its exit status on: 1 is a reported finding.
fn status(mut command: std::process::Command, what: &str) -> Exit {
    match command.status() {
        Ok(status) if status.success() => Exit::Success,
        Ok(status) if status.code() == Some(1) => Exit::Finding,
        Ok(status) => Exit::Failed(anyhow::anyhow!("{what} failed ({status})")),
        Err(err) => Exit::Failed(anyhow::Error::new(err).context("cannot run cargo")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn usage_errors_are_clap_errors() {
        for args in [
            &["xtask"][..],
            &["xtask", "frob"],
            &["xtask", "codegen", "--frob"],
            &["xtask", "codegen", "--select", ","],
            &["xtask", "codegen", "--out", "a", "--out", "b"],
            &["xtask", "verify", "--select", "all"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}
