//! `cargo xtask bench`: the performance figures people read, measured side by side in one run and
//! printed as one table (medians with their spread). Timing never fails the command; only a broken
//! measurement does.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};

mod process;

use crate::verify::{self, VerifyCrate};
use crate::workspace;
use figures::figures;
use generator::{Selection, Source};
use process::time_process;

mod figures;
mod m2m;
mod webhooks;

/// `cargo xtask bench`'s options.
#[derive(Debug, Clone, clap::Args)]
#[command(
    before_long_help = "Measure, side by side in one run, and print one table of medians with their \
    range: the parse floor (read + serde_yaml into openapiv3) and whole-process `codegen --select all` \
    of a whole document with its peak memory, the generator's stages, the Machines selection, the \
    client's throughput against the same request written by hand with reqwest, and the dev build \
    time of the client crate for the Machines selection and for --select all (in the verify crate). \
    Always measures an optimised build (started from a debug build, it rebuilds itself with the \
    xtask-release profile: release with thin LTO and one codegen unit). Timing never fails the \
    command."
)]
pub struct Args {
    /// Few iterations, to check that the benchmark still runs (CI uses this)
    #[arg(long)]
    pub quick: bool,
    /// The whole document to measure [default: ../shared/specs/clerk-bapi/2026-05-12.yml]
    #[arg(long, value_name = "PATH")]
    pub spec: Option<PathBuf>,
}

impl Args {
    /// The arguments that give these options to a release build of xtask.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.quick {
            args.push("--quick".to_owned());
        }
        // The release build runs in the workspace root: a relative path is made absolute here.
        if let Some(Ok(spec)) = self.spec.as_ref().map(std::path::absolute) {
            args.push(format!("--spec={}", spec.display()));
        }
        args
    }
}

/// How many times each figure is measured.
struct Plan {
    process_runs: usize,
    stage_runs: usize,
    machines_runs: usize,
    rounds: usize,
    requests: usize,
    build_runs: usize,
    /// Signed deliveries verified per round of the webhook comparison.
    deliveries: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Plan {
                process_runs: 3,
                stage_runs: 3,
                machines_runs: 20,
                rounds: 2,
                requests: 200,
                build_runs: 1,
                deliveries: 500,
            }
        } else {
            Plan {
                process_runs: 15,
                stage_runs: 15,
                machines_runs: 200,
                rounds: 9,
                requests: 3000,
                build_runs: 3,
                deliveries: 20_000,
            }
        }
    }
}

/// A sample of durations or rates, summarised as median and range.
struct Sample(Vec<f64>);

impl Sample {
    fn median(&self) -> f64 {
        let mut values = self.0.clone();
        values.sort_by(f64::total_cmp);
        match values.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => values[n / 2],
            n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
        }
    }

    fn min(&self) -> f64 {
        self.0.iter().copied().fold(f64::INFINITY, f64::min)
    }

    fn max(&self) -> f64 {
        self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    fn ms(&self) -> String {
        format!(
            "{:.1} ms ({:.1}–{:.1})",
            self.median() * 1e3,
            self.min() * 1e3,
            self.max() * 1e3
        )
    }

    fn seconds(&self) -> String {
        if self.0.len() == 1 {
            return format!("{:.1} s", self.median());
        }
        format!(
            "{:.1} s ({:.1}–{:.1})",
            self.median(),
            self.min(),
            self.max()
        )
    }

    fn mib(&self) -> String {
        format!(
            "{:.1} MiB ({:.1}–{:.1})",
            mib(self.median()),
            mib(self.min()),
            mib(self.max())
        )
    }
}

/// One row of the printed table.
struct Row {
    figure: String,
    value: String,
    target: String,
}

/// The parse floor: read a document and parse it into `openapiv3::OpenAPI` with `serde_yaml`, the
/// least any generator must do. Run as its own process so it compares with whole-process codegen.
pub fn parse_floor(spec: &Path) -> Result<()> {
    let bytes = std::fs::read(spec).with_context(|| format!("{}: cannot read", spec.display()))?;
    let document: openapiv3::OpenAPI = serde_yaml::from_slice(&bytes)
        .with_context(|| format!("{}: cannot parse", spec.display()))?;
    // Using the result keeps the parse from being optimised away.
    if document.paths.paths.is_empty() {
        bail!("{}: the document has no paths", spec.display());
    }
    Ok(())
}

/// Runs every measurement and prints the table to `out`.
pub fn run(root: &Path, options: &Args, out: &mut dyn std::io::Write) -> Result<()> {
    let plan = Plan::new(options.quick);
    let spec = match &options.spec {
        Some(spec) => spec.clone(),
        None => root.join("../shared/specs/clerk-bapi/2026-05-12.yml"),
    };
    let spec_bytes =
        std::fs::read(&spec).with_context(|| format!("{}: cannot read", spec.display()))?;
    let machines_spec = root.join("specs/clerk-bapi.yml");
    let machines_bytes = std::fs::read(&machines_spec)
        .with_context(|| format!("{}: cannot read", machines_spec.display()))?;
    let exe = std::env::current_exe().context("cannot find the xtask executable")?;
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let mut rows = Vec::new();

    // Whole processes, alternating so that noise falls on both alike.
    let spec_arg = spec.as_os_str().to_owned();
    let out_dir = scratch.path().join("out");
    let floor_args: Vec<OsString> = vec!["parse-floor".into(), spec_arg.clone()];
    let codegen_args: Vec<OsString> = vec![
        "codegen".into(),
        "--spec".into(),
        spec_arg,
        "--select".into(),
        "all".into(),
        "--out".into(),
        out_dir.into_os_string(),
    ];
    let (mut floor, mut codegen, mut floor_rss, mut codegen_rss) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..plan.process_runs {
        let (time, rss) = time_process(&exe, &floor_args)?;
        floor.push(time);
        floor_rss.push(rss as f64);
        let (time, rss) = time_process(&exe, &codegen_args)?;
        codegen.push(time);
        codegen_rss.push(rss as f64);
    }
    // Each codegen run over the floor run just before it: the spread of the ratio.
    let pairs = Sample(codegen.iter().zip(&floor).map(|(c, f)| c / f).collect());
    let (floor, codegen) = (Sample(floor), Sample(codegen));
    let (floor_rss, codegen_rss) = (Sample(floor_rss), Sample(codegen_rss));
    let ratio = codegen.median() / floor.median();
    rows.push(Row {
        figure: "parse floor: read + serde_yaml → openapiv3 (whole process)".into(),
        value: format!("{}, peak {}", floor.ms(), floor_rss.mib()),
        target: "—".into(),
    });
    rows.push(Row {
        figure: "codegen --select all (whole process)".into(),
        value: format!("{}, peak {}", codegen.ms(), codegen_rss.mib()),
        target: verdict(mib(codegen_rss.max()) < 64.0, "< 64 MiB"),
    });
    rows.push(Row {
        figure: "codegen --select all ÷ parse floor".into(),
        value: format!(
            "{ratio:.2}× (run by run {:.2}–{:.2})",
            pairs.min(),
            pairs.max()
        ),
        target: verdict(ratio <= 2.5, "≤ 2.5×"),
    });

    // The stages inside the generator, in process.
    for Stage { name, sample } in stages(&spec, &spec_bytes, plan.stage_runs)? {
        rows.push(Row {
            figure: format!("  {name}"),
            value: sample.ms(),
            target: String::new(),
        });
    }

    // The default Machines selection from the project's own document.
    let machines = time_repeated(plan.machines_runs, || {
        generator::generate(
            Source {
                name: "specs/clerk-bapi.yml",
                bytes: &machines_bytes,
            },
            &Selection::default(),
        )
        .map(drop)
        .map_err(anyhow::Error::from)
    })?;
    rows.push(Row {
        figure: "codegen of the Machines selection (in process)".into(),
        value: machines.ms(),
        target: verdict(machines.median() < 0.010, "< 10 ms"),
    });

    // The client against hand-written reqwest, on an in-process loopback server.
    let with_tracing = throughput(root, &plan, &[], &[])?;
    rows.push(Row {
        figure: "rotate_secret_key through the client".into(),
        value: with_tracing.client,
        target: String::new(),
    });
    rows.push(Row {
        figure: "the same request by hand with reqwest".into(),
        value: with_tracing.by_hand,
        target: String::new(),
    });
    rows.push(Row {
        figure: "client ÷ hand-written throughput".into(),
        value: with_tracing.ratio_text,
        target: verdict(with_tracing.ratio >= 0.95, "≥ 0.95×"),
    });
    // The same with spans built and dropped by a subscriber, and without the `tracing` feature.
    for (figure, cargo_args, bench_args) in [
        (
            "  the same, tracing with a subscriber that discards",
            &[][..],
            &["--discard-subscriber"][..],
        ),
        (
            "  the same, without the tracing feature",
            &["--no-default-features"][..],
            &[][..],
        ),
    ] {
        let variant = throughput(root, &plan, cargo_args, bench_args)?;
        rows.push(Row {
            figure: figure.into(),
            value: variant.ratio_text,
            target: String::new(),
        });
    }

    // Machine tokens checked locally, against bare jsonwebtoken, and under concurrency.
    rows.extend(m2m::rows(root, plan.rounds, plan.requests * 2)?);

    // Webhooks: ours against the svix crate on the same signed delivery.
    rows.extend(webhooks::rows(root, plan.rounds, plan.deliveries)?);

    // Dev-profile build time of the client crate alone, dependencies already built.
    let machines_build = build_time(root, None, plan.build_runs)?;
    rows.push(Row {
        figure: "dev build of clerk-bapi, Machines selection".into(),
        value: machines_build.seconds(),
        target: String::new(),
    });
    let all_build = build_time(root, Some((&spec, &spec_bytes)), plan.build_runs)?;
    rows.push(Row {
        figure: "dev build of clerk-bapi, --select all".into(),
        value: all_build.seconds(),
        target: verdict(all_build.median() < 15.0, "< 15 s"),
    });

    rows.push(generated_lines_row(&spec, &spec_bytes)?);

    print_table(out, &rows, &plan, &spec)?;
    Ok(())
}

/// The size of what users compile: the lines of every file `--select all` generates, the test double
/// (`testing.rs`, built only with the `test-util` feature) apart.
fn generated_lines_row(spec: &Path, bytes: &[u8]) -> Result<Row> {
    let name = spec.to_string_lossy();
    let output = generator::generate(Source { name: &name, bytes }, &Selection::All)?;
    let double = format!("{}/testing.rs", generator::GENERATED_DIR);
    let (mut client, mut test_double) = (0, 0);
    for (path, text) in &output.files {
        let lines = text.lines().count();
        if *path == double {
            test_double += lines;
        } else {
            client += lines;
        }
    }
    Ok(Row {
        figure: "generated lines, --select all (+ the test-util double)".into(),
        value: format!("{client} (+ {test_double})"),
        target: verdict(client <= 17_000, "≤ 17,000"),
    })
}

fn verdict(met: bool, target: &str) -> String {
    format!("{target} {}", if met { "(met)" } else { "(NOT met)" })
}

fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

fn print_table(out: &mut dyn std::io::Write, rows: &[Row], plan: &Plan, spec: &Path) -> Result<()> {
    let width = rows
        .iter()
        .map(|r| r.figure.chars().count())
        .max()
        .unwrap_or(0);
    let value_width = rows
        .iter()
        .map(|r| r.value.chars().count())
        .max()
        .unwrap_or(0);
    writeln!(
        out,
        "cargo xtask bench on {} ({} cores); {} process runs, {} stage runs, {} build runs; median (min–max)",
        spec.display(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        plan.process_runs,
        plan.stage_runs,
        plan.build_runs
    )?;
    writeln!(
        out,
        "| {:width$} | {:value_width$} | target |",
        "figure", "value"
    )?;
    writeln!(
        out,
        "|{}|{}|--------|",
        "-".repeat(width + 2),
        "-".repeat(value_width + 2)
    )?;
    for row in rows {
        writeln!(
            out,
            "| {:width$} | {:value_width$} | {} |",
            row.figure, row.value, row.target
        )?;
    }
    Ok(())
}

fn time_repeated(runs: usize, mut body: impl FnMut() -> Result<()>) -> Result<Sample> {
    body()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        body()?;
        times.push(started.elapsed().as_secs_f64());
    }
    Ok(Sample(times))
}

/// Times each generator stage separately on the whole document. `load` is timed as `generate` runs
/// it (a large document is read on all cores); `emit` and `format` on one thread each, for the cost
/// of each; then both together as `generate` runs them, emitting and formatting runs of items on all
/// cores; then the whole of `generate`.
/// One stage of the generator and its times.
struct Stage {
    name: String,
    sample: Sample,
}

fn stages(spec: &Path, bytes: &[u8], runs: usize) -> Result<Vec<Stage>> {
    let name = spec.to_string_lossy().into_owned();
    let source = Source { name: &name, bytes };
    let selection = Selection::All;
    let (mut load, mut select, mut lower, mut emit, mut format, mut both, mut whole) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..runs {
        let t = Instant::now();
        let document = generator::load::load(source)?;
        load.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let selected = generator::select::select(&name, &document, &selection)?;
        select.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let api = generator::lower::lower(&name, &document, &selected)?;
        lower.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let tokens = generator::emit::emit(&api);
        emit.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let files = generator::format::format_all(tokens)?;
        format.push(t.elapsed().as_secs_f64());
        drop(files);
        let t = Instant::now();
        let files = generator::format::emit_and_format(&api)?;
        both.push(t.elapsed().as_secs_f64());
        drop(files);
        let t = Instant::now();
        let output = generator::generate(source, &selection)?;
        whole.push(t.elapsed().as_secs_f64());
        drop(output);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(vec![
        Stage {
            name: "stage load".into(),
            sample: Sample(load),
        },
        Stage {
            name: "stage select".into(),
            sample: Sample(select),
        },
        Stage {
            name: "stage lower".into(),
            sample: Sample(lower),
        },
        Stage {
            name: "stage emit (one thread)".into(),
            sample: Sample(emit),
        },
        Stage {
            name: "stage format (one thread)".into(),
            sample: Sample(format),
        },
        Stage {
            name: format!("emit + format on {threads} threads, as generate runs them"),
            sample: Sample(both),
        },
        Stage {
            name: "generate, all stages (in process)".into(),
            sample: Sample(whole),
        },
    ])
}

struct Throughput {
    client: String,
    by_hand: String,
    ratio: f64,
    ratio_text: String,
}

/// Runs the client crate's throughput bench (release) and reads its figures; `cargo_args` go to
/// `cargo bench` (features), `bench_args` to the bench.
fn throughput(
    root: &Path,
    plan: &Plan,
    cargo_args: &[&str],
    bench_args: &[&str],
) -> Result<Throughput> {
    let output = Command::new(workspace::cargo())
        .current_dir(root)
        .args([
            "bench",
            "--quiet",
            "-p",
            "clerk-bapi",
            "--bench",
            "throughput",
        ])
        .args(cargo_args)
        .arg("--")
        .args(bench_args)
        .args([
            "--rounds",
            &plan.rounds.to_string(),
            "--requests",
            &plan.requests.to_string(),
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run the throughput bench")?;
    if !output.status.success() {
        bail!("the throughput bench failed ({})", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = |key: &str| figures(&text, "the throughput bench", key);
    let (client, client_min, client_max) = line("client_rps")?;
    let (by_hand, hand_min, hand_max) = line("reqwest_rps")?;
    let (ratio, ratio_min, ratio_max) = line("ratio")?;
    Ok(Throughput {
        client: format!("{client:.0} req/s ({client_min:.0}–{client_max:.0})"),
        by_hand: format!("{by_hand:.0} req/s ({hand_min:.0}–{hand_max:.0})"),
        ratio,
        ratio_text: format!("{ratio:.3}× ({ratio_min:.3}–{ratio_max:.3})"),
    })
}

/// Dev-profile build times of the client crate alone, `runs` times: its dependencies are built
/// first, then the crate's own sources are touched and rebuilt. With `whole`, the crate is the
/// verify crate filled with the whole document (emptied again afterwards).
fn build_time(root: &Path, whole: Option<(&Path, &[u8])>, runs: usize) -> Result<Sample> {
    let mut verify_crate = None;
    let (package, target_dir, touched) = match whole {
        None => (
            "clerk-bapi",
            root.join("target"),
            root.join("generated-client/src/lib.rs"),
        ),
        Some((spec, bytes)) => {
            let name = spec.to_string_lossy().into_owned();
            let output = generator::generate(Source { name: &name, bytes }, &Selection::All)?;
            let mut filled = VerifyCrate::open(root)?;
            filled.fill(&output)?;
            let target_dir = filled.target_dir().to_path_buf();
            let touched = filled.dir().join("src/generated/mod.rs");
            verify_crate = Some(filled);
            (verify::PACKAGE, target_dir, touched)
        }
    };
    let build = || -> Result<()> {
        let status = Command::new(workspace::cargo())
            .current_dir(root)
            .args(["build", "--quiet", "--lib", "-p", package])
            .arg("--target-dir")
            .arg(&target_dir)
            // Incremental compilation would reuse the previous build of unchanged sources and time
            // next to nothing; the figure is a full compile of the crate alone.
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .context("cannot run cargo build")?;
        if !status.success() {
            bail!("cargo build of {package} failed");
        }
        Ok(())
    };
    let measured = (|| {
        build()?;
        let text = std::fs::read(&touched)
            .with_context(|| format!("{}: cannot read", touched.display()))?;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs.max(1) {
            // Rewriting the file gives it a new modification time, so cargo rebuilds the crate alone.
            std::fs::write(&touched, &text)
                .with_context(|| format!("{}: cannot write", touched.display()))?;
            let started = Instant::now();
            build()?;
            times.push(started.elapsed().as_secs_f64());
        }
        Ok(Sample(times))
    })();
    if let Some(mut filled) = verify_crate {
        filled.empty()?;
    }
    measured
}
