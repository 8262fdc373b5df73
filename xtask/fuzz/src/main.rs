//! `clerk-bapi-fuzz`, run by `cargo xtask fuzz`: a structure-aware mutation fuzzer showing that the
//! generator never panics, never hangs, and gives the same output twice for the same input, whatever
//! document it is handed. What counts as a failure is the generator's own [`generator::oracle`];
//! what only another process can see (a hang, a crash) is judged here.
//!
//! Three roles, each its own process ([`supervisor`]), so that an input which kills or freezes the
//! generator cannot take the fuzzer down with it. The mutations are in [`mutate`], the minimiser in
//! [`minimise`].
//!
//! Exit status: 0 nothing failed, 1 an input broke the generator (saved and printed), 2 bad usage or
//! an I/O error.

mod minimise;
mod mutate;
mod supervisor;
mod worker;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// The allocator `cargo xtask codegen` runs the generator with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask fuzz", bin_name = "cargo xtask fuzz")]
enum Cli {
    /// Fuzz the generator
    #[command(override_usage = "cargo xtask fuzz [OPTIONS]")]
    Run {
        /// The workspace root
        #[arg(long, hide = true)]
        root: PathBuf,
        #[command(flatten)]
        args: supervisor::Args,
    },
    /// The process the supervisor runs inputs in
    #[command(hide = true)]
    Worker(worker::WorkerArgs),
    /// Runs one saved input, for the supervisor to minimise with
    #[command(hide = true)]
    Replay { file: PathBuf, timeout: u64 },
}

fn main() -> ExitCode {
    let result = match Cli::parse() {
        Cli::Run { root, args } => supervisor::run(&root, &args, &mut std::io::stdout().lock()),
        Cli::Worker(args) => worker::run(&args).map(|()| true),
        Cli::Replay { file, timeout } => worker::replay(&file, timeout),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
        assert!(Cli::try_parse_from(["f", "run", "--root", "r", "--seconds", "0"]).is_err());
        let worker = worker::WorkerArgs {
            root: "r".into(),
            state: "s".into(),
            corpus: "c".into(),
            seconds: 5,
            seed: 9,
            timeout: 10,
        };
        let mut args = vec!["f".into(), "worker".into()];
        args.extend(worker.to_args());
        let Ok(Cli::Worker(parsed)) = Cli::try_parse_from(args) else {
            panic!("worker arguments do not parse")
        };
        assert_eq!(parsed, worker);
    }
}
