//! What `cargo xtask codegen --check` prints: each difference with a capped diff, and the command
//! that fixes them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Args, Change};

/// Lines of diff shown per file, and in total, by `--check`.
pub const DIFF_LINES_PER_FILE: usize = 40;
pub const DIFF_LINES_TOTAL: usize = 200;

/// Each problem with a capped diff; `budget` is the number of diff lines still to show in the run.
pub fn drift(
    changes: &[Change],
    desired: &BTreeMap<String, String>,
    existing: &BTreeMap<String, String>,
    out_name: &str,
    budget: &mut usize,
) -> String {
    let mut report = String::new();
    for change in changes {
        let path = change.path();
        let shown = display_path(out_name, path);
        let problem = match change {
            Change::Create(_) => "missing",
            Change::Update(_) => "out of date",
            Change::Delete(_) => "orphan (not produced by the generator)",
        };
        let _ = writeln!(report, "{shown}: {problem}");
        let old = existing
            .get(path)
            .map_or(Cow::Borrowed(""), |text| normalize(text));
        let new = match change {
            Change::Delete(_) => Cow::Borrowed(""),
            _ => normalize(&desired[path]),
        };
        let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("{shown} (on disk)"),
                &format!("{shown} (generated)"),
            )
            .to_string();
        let lines: Vec<&str> = diff.lines().collect();
        let take = lines.len().min(DIFF_LINES_PER_FILE).min(*budget);
        for line in &lines[..take] {
            let _ = writeln!(report, "    {line}");
        }
        if take < lines.len() {
            let _ = writeln!(report, "    … {} more lines", lines.len() - take);
        }
        *budget -= take;
    }
    report
}

/// The command that regenerates the files `--check` just checked: the same `--spec`, `--select`,
/// `--out`.
pub fn fix_command(args: &Args) -> String {
    let mut command = String::from("cargo xtask codegen");
    if let Some(spec) = &args.spec {
        let _ = write!(command, " --spec {}", shell_quote(&spec.to_string_lossy()));
    }
    if let Some(selection) = &args.select {
        let _ = write!(command, " --select {}", shell_quote(&selection.to_string()));
    }
    if let Some(out) = &args.out {
        let _ = write!(command, " --out {}", shell_quote(&out.to_string_lossy()));
    }
    command
}

/// Quotes `text` for a POSIX shell when it needs it.
pub fn shell_quote(text: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=,+@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("'{}'", text.replace('\'', r"'\''")))
    }
}

/// `<out>/generated/x.rs` as the user would recognise it.
pub fn display_path(out_name: &str, path: &str) -> String {
    if out_name.ends_with('/') || out_name.ends_with(std::path::MAIN_SEPARATOR) {
        format!("{out_name}{path}")
    } else {
        format!("{out_name}/{path}")
    }
}

pub fn normalize(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// `1 file`, `2 files`.
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
