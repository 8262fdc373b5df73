//! The machine-token rows of `cargo xtask bench`: local verification through the client's
//! `MachineTokenVerifier` against bare `jsonwebtoken`, and verifications per second under
//! concurrency, read from the client crate's `machine_auth` bench.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

use super::figures::figures;
use super::{Row, verdict};
use crate::workspace::cargo;

/// Runs the `machine_auth` bench (release) with `rounds` rounds of `count` verifications each.
pub(super) fn rows(root: &Path, rounds: usize, count: usize) -> Result<Vec<Row>> {
    let output = Command::new(cargo())
        .current_dir(root)
        .args([
            "bench",
            "--quiet",
            "-p",
            "clerk-bapi",
            "--bench",
            "machine_auth",
            "--",
        ])
        .args([
            "--rounds",
            &rounds.to_string(),
            "--count",
            &count.to_string(),
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run the machine_auth bench")?;
    if !output.status.success() {
        bail!("the machine_auth bench failed ({})", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let figure = |key: &str| figures(&text, "the machine_auth bench", key);
    let micros = |(median, min, max): (f64, f64, f64)| {
        format!("{:.1} µs ({:.1}–{:.1})", median / 1e3, min / 1e3, max / 1e3)
    };
    let (ratio, ratio_min, ratio_max) = figure("ratio")?;
    let (per_second, ps_min, ps_max) = figure("concurrent_per_sec")?;
    Ok(vec![
        Row {
            figure: "M2M JWT verified locally, warm cache (MachineTokenVerifier)".into(),
            value: micros(figure("verifier_ns")?),
            target: String::new(),
        },
        Row {
            figure: "the same check with bare jsonwebtoken".into(),
            value: micros(figure("jsonwebtoken_ns")?),
            target: String::new(),
        },
        Row {
            figure: "verifier ÷ bare jsonwebtoken throughput".into(),
            value: format!("{ratio:.3}× ({ratio_min:.3}–{ratio_max:.3})"),
            target: verdict(ratio >= 0.9, "≥ 0.9×"),
        },
        Row {
            figure: "concurrent M2M JWT verifications (all cores)".into(),
            value: format!("{per_second:.0}/s ({ps_min:.0}–{ps_max:.0})"),
            target: String::new(),
        },
    ])
}
