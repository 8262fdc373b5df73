//! The webhook figures of `cargo xtask bench`: verifying and decoding a signed `user.created`
//! delivery with `clerk_bapi::webhooks`, against the `svix` crate on the same bytes. The comparison
//! lives in `xtask/compare-webhooks`, a crate outside the workspace (so `svix` never becomes a
//! dependency of the project), built into `target/compare-webhooks`.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

use super::figures::figures;
use super::{Row, verdict};
use crate::workspace::cargo;

/// The figures, as table rows.
pub(super) fn rows(root: &Path, rounds: usize, deliveries: usize) -> Result<Vec<Row>> {
    let document = root.join("../shared/specs/clerk-webhooks/2025-04-15.yml");
    let output = Command::new(cargo())
        .current_dir(root)
        .args(["run", "--quiet", "--release", "--locked", "--manifest-path"])
        .arg(root.join("xtask/compare-webhooks/Cargo.toml"))
        .arg("--target-dir")
        .arg(root.join("target/compare-webhooks"))
        .args([
            "--",
            "--rounds",
            &rounds.to_string(),
            "--deliveries",
            &deliveries.to_string(),
            "--document",
        ])
        .arg(&document)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run the webhook comparison")?;
    if !output.status.success() {
        bail!("the webhook comparison failed ({})", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = |key: &str| figures(&text, "the webhook comparison", key);
    let bytes = text
        .lines()
        .find_map(|l| l.strip_prefix("body_bytes="))
        .unwrap_or("?");
    let rate = |key: &str| -> Result<String> {
        let (median, min, max) = line(key)?;
        Ok(format!("{median:.0}/s ({min:.0}–{max:.0})"))
    };
    let ratio = |key: &str| -> Result<(f64, String)> {
        let (median, min, max) = line(key)?;
        Ok((
            median,
            format!("{median:.2}× (run by run {min:.2}–{max:.2})"),
        ))
    };
    let (equal, equal_text) = ratio("ours_vs_svix_equal")?;
    let (_, same_text) = ratio("ours_vs_svix_same_decoder")?;
    let (_, literal_text) = ratio("ours_vs_svix_verify")?;
    Ok(vec![
        Row {
            figure: format!("webhook: verify + decode user.created ({bytes} B), ours"),
            value: rate("ours_per_s")?,
            target: String::new(),
        },
        Row {
            figure: "  svix Webhook::verify + serde_json::from_slice::<WebhookEvent>".into(),
            value: rate("svix_equal_per_s")?,
            target: String::new(),
        },
        Row {
            figure: "  svix Webhook::verify + WebhookEvent::from_json (our decoder)".into(),
            value: rate("svix_same_decoder_per_s")?,
            target: String::new(),
        },
        Row {
            figure: "  svix Webhook::verify alone (decodes nothing)".into(),
            value: rate("svix_verify_per_s")?,
            target: String::new(),
        },
        Row {
            figure: "  ours ÷ svix, equal work (verify + serde_json decode)".into(),
            value: equal_text,
            target: verdict(equal >= 1.0, "≥ 1.0×"),
        },
        Row {
            figure: "  ours ÷ svix, same decoder (verification alone differs)".into(),
            value: same_text,
            target: String::new(),
        },
        Row {
            figure: "  ours ÷ svix verify alone (literal: ours also decodes)".into(),
            value: literal_text,
            target: String::new(),
        },
    ])
}
