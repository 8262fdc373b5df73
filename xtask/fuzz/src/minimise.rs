//! Minimising a failing input: smaller candidates are replayed, each in its own process, and kept
//! while they fail the same way.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use serde_yaml::Value;

use crate::mutate;
use crate::supervisor::{
    HANG_EXIT, Report, abort_key, collect_tail, decode_input, encode_input, tail_text,
};

/// Runs a saved input in a replay process and returns its failure key (`None` when it passes).
fn replay_key(exe: &Path, file: &Path, timeout: u64) -> Result<Option<String>> {
    let mut child = Command::new(exe)
        .arg("replay")
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
        Some(1 | HANG_EXIT) => {
            Ok(text
                .lines()
                .find_map(|line| match serde_json::from_str::<Report>(line) {
                    Ok(Report::Failure { key, .. }) => Some(key),
                    _ => None,
                }))
        }
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
pub fn minimise(
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
pub fn save(corpus: &Path, key: &str, content: &[u8]) -> Result<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
