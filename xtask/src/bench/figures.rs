//! What the benches print: one figure a line, read back here.

use anyhow::{Context as _, Result, bail};

/// Reads one figure a bench printed on a line of its own, `key=median min=… max=…`, as (median,
/// min, max); `what` names the bench in the error.
pub(super) fn figures(text: &str, what: &str, key: &str) -> Result<(f64, f64, f64)> {
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{key}=")))
        .with_context(|| format!("{what} printed no `{key}`: {text}"))?;
    let mut numbers = line
        .split_whitespace()
        .filter_map(|part| part.split_once('=')?.1.parse::<f64>().ok());
    match (numbers.next(), numbers.next(), numbers.next()) {
        (Some(median), Some(min), Some(max)) => Ok((median, min, max)),
        _ => bail!("cannot read `{line}`"),
    }
}
