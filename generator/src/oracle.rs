//! What counts as a generator bug, for `cargo xtask fuzz` and for the test that replays what it found
//! (`tests/fuzz_regressions.rs`): whatever document it is handed, the generator must either generate
//! or refuse it with an error that names the document and says what is wrong.
//!
//! A failure is: a panic; an internal error; an error without a message or that does not name the
//! document; output that differs between two runs on the same input; output files that do not fit
//! the layout the client crate relies on; or a document that the loader reads otherwise when it cuts
//! it into pieces. Hangs and crashes that end the process (a stack overflow, exhausted memory) can
//! only be seen from outside it, by the fuzzer.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::{Error, ErrorKind, Output, Selection, Source};

/// What one input showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The document generated, twice alike; the key summarises what the output contains, so that
    /// documents reaching new features count as new.
    Generated(String),
    /// The generator refused the document with a proper error; the key is its kind and wording.
    Rejected(String),
    /// A generator bug.
    Failure(Finding),
}

/// A generator bug found on one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Identifies the bug: two inputs with one key show the same bug, and minimising an input keeps
    /// its key.
    pub key: String,
    /// What happened.
    pub message: String,
    /// Whether the generator panicked; the fuzzer then names the panic's location in the key.
    pub panicked: bool,
}

impl Finding {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            key: key.into(),
            message: message.into(),
            panicked: false,
        }
    }
}

/// How many pieces the loader's multi-threaded path cuts each input into, to compare with the whole.
const SPLIT_PIECES: [usize; 3] = [2, 3, 5];

/// Runs the generator on `bytes`, named `name`, twice with `selection` and judges the result.
/// Also returns how many cuts of the document into pieces the loader read (for the fuzzer's
/// figures).
pub fn judge(name: &str, bytes: &[u8], selection: &Selection) -> (Verdict, usize) {
    let mut read_in_pieces = 0;
    if let Ok(text) = std::str::from_utf8(bytes) {
        match catch(|| crate::load::split_agrees(text, &SPLIT_PIECES)) {
            Ok(Ok(read)) => read_in_pieces = read,
            Ok(Err(message)) => {
                let key = "the loader reads the document otherwise in pieces";
                return (Verdict::Failure(Finding::new(key, message)), 0);
            }
            Err(panic) => return (Verdict::Failure(panic), 0),
        }
    }
    let source = Source { name, bytes };
    let first = match catch(|| crate::generate(source, selection)) {
        Ok(result) => result,
        Err(panic) => return (Verdict::Failure(panic), read_in_pieces),
    };
    // A refusal needs no second run: it is judged by its wording.
    if let Err(error) = &first {
        return (judge_error(name, error), read_in_pieces);
    }
    let second = match catch(|| crate::generate(source, selection)) {
        Ok(result) => result,
        Err(panic) => return (Verdict::Failure(panic), read_in_pieces),
    };
    (judge_runs(name, first, second), read_in_pieces)
}

/// Judges two runs of the generator on one input.
pub fn judge_runs(
    name: &str,
    first: Result<Output, Error>,
    second: Result<Output, Error>,
) -> Verdict {
    let nondeterministic =
        |message: String| Verdict::Failure(Finding::new("nondeterministic output", message));
    match (first, second) {
        (Err(error), Err(again)) if error == again => judge_error(name, &error),
        (Err(error), Err(again)) => nondeterministic(format!(
            "two runs fail differently: `{error}`, then `{again}`"
        )),
        (Ok(output), Ok(again)) => {
            if let Some(finding) = layout_failure(&output) {
                return Verdict::Failure(finding);
            }
            match difference(&output, &again) {
                None => Verdict::Generated(features(&output)),
                Some(what) => {
                    nondeterministic(format!("two runs on the same input differ: {what}"))
                }
            }
        }
        (Ok(_), Err(error)) | (Err(error), Ok(_)) => {
            nondeterministic(format!("one run generated and the other failed: {error}"))
        }
    }
}

/// A refusal is fine when it is a located error about the document; anything else is a bug.
pub fn judge_error(name: &str, error: &Error) -> Verdict {
    let failure = |key: &str| Verdict::Failure(Finding::new(key, error.to_string()));
    if error.kind() == ErrorKind::Internal {
        return failure(&format!("internal error: {}", template(error.message())));
    }
    if error.message().trim().is_empty() {
        return failure("error without a message");
    }
    if error.file() != name || !error.to_string().contains(name) {
        return failure("error that does not name the document");
    }
    Verdict::Rejected(format!("{:?}|{}", error.kind(), template(error.message())))
}

/// Runs `f`, turning a panic into a finding keyed by its message's wording.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Finding> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(a panic without a message)".to_owned());
        Finding {
            key: format!("panic: {}", template(&message)),
            message,
            panicked: true,
        }
    })
}

/// The wording of a message without the names and numbers in it, so that messages of one kind
/// share a key.
pub fn template(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                if quoted {
                    out.push('_');
                }
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('0') {
                    out.push('0');
                }
            }
            c => out.push(c),
        }
    }
    out.chars().take(120).collect()
}

/// Checks the file set of a successful run: `mod.rs`, `testing.rs` (the test double), `types.rs`
/// and one file per group, all directly under `generated/`, each starting with the generated-file
/// header.
fn layout_failure(output: &Output) -> Option<Finding> {
    let fail = |message: String| Some(Finding::new("output layout", message));
    let prefix = format!("{}/", crate::GENERATED_DIR);
    for required in ["mod.rs", "testing.rs", "types.rs"] {
        if !output.files.contains_key(&format!("{prefix}{required}")) {
            return fail(format!("no {prefix}{required} among the output files"));
        }
    }
    for (path, text) in &output.files {
        let Some(name) = path.strip_prefix(&prefix) else {
            return fail(format!("the output file `{path}` is outside {prefix}"));
        };
        if name.contains('/') || !name.ends_with(".rs") || name.starts_with('.') {
            return fail(format!(
                "the output file name `{path}` is not a module file"
            ));
        }
        if !text.starts_with(crate::format::HEADER) {
            return fail(format!(
                "{path} does not start with the generated-file header"
            ));
        }
    }
    if output.files.len() != output.groups + 3 {
        return fail(format!(
            "{} groups but {} files ({}): a group's module overwrote another file",
            output.groups,
            output.files.len(),
            output.files.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if output.groups == 0 || output.operations < output.groups {
        return fail(format!(
            "{} operations in {} groups",
            output.operations, output.groups
        ));
    }
    None
}

/// The first difference between two outputs, if any.
fn difference(a: &Output, b: &Output) -> Option<String> {
    if a.files.keys().ne(b.files.keys()) {
        return Some("the file sets differ".to_owned());
    }
    if let Some(path) = a
        .files
        .iter()
        .find(|(path, text)| b.files.get(*path) != Some(text))
    {
        return Some(format!("{} differs", path.0));
    }
    if (a.operations, a.groups) != (b.operations, b.groups) {
        return Some("the counts differ".to_owned());
    }
    (a.examples != b.examples).then(|| "the examples differ".to_owned())
}

/// A summary of what generated code contains.
fn features(output: &Output) -> String {
    const FEATURES: &[&str] = &[
        "Unknown(",
        "serde(flatten",
        "Box<",
        "#[deprecated",
        "try_decode",
        "serialize_tagged",
        "check_alternatives",
        "StringEnum",
        "_all(",
        "check_",
        "Secret",
        "File",
        "r#",
        "Option<Option",
        "Vec<Vec",
        "BTreeMap",
        "serde_json::Value",
        "i32",
        "f32",
        "Text",
    ];
    let mut key = format!("ok|{}|", output.groups.min(4));
    for feature in FEATURES {
        let present = output.files.values().any(|text| text.contains(feature));
        key.push(if present { '1' } else { '0' });
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "input.yml";
    const GOOD: &[u8] = b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: A\n      tags: [T]\n      responses: {'200': {description: ok}}\n";

    fn generated() -> Output {
        let source = Source {
            name: NAME,
            bytes: GOOD,
        };
        crate::generate(source, &Selection::All).unwrap()
    }

    fn key(verdict: &Verdict) -> &str {
        match verdict {
            Verdict::Failure(finding) => &finding.key,
            other => panic!("not a failure: {other:?}"),
        }
    }

    #[test]
    fn a_good_document_generates_and_a_bad_one_is_rejected() {
        assert!(matches!(
            judge(NAME, GOOD, &Selection::All).0,
            Verdict::Generated(_)
        ));
        assert!(matches!(
            judge(NAME, b"", &Selection::All).0,
            Verdict::Rejected(_)
        ));
    }

    #[test]
    fn internal_and_unlocated_errors_are_failures() {
        let internal = Error::new(ErrorKind::Internal, NAME, "/paths", "lost `Foo` at 12");
        assert_eq!(
            key(&judge_error(NAME, &internal)),
            "internal error: lost _ at 0"
        );
        let elsewhere = Error::new(ErrorKind::Syntax, "other.yml", "/", "bad");
        assert_eq!(
            key(&judge_error(NAME, &elsewhere)),
            "error that does not name the document"
        );
        let silent = Error::new(ErrorKind::Syntax, NAME, "/", " ");
        assert_eq!(key(&judge_error(NAME, &silent)), "error without a message");
        let fine = Error::new(ErrorKind::Syntax, NAME, "/", "not a document");
        assert!(matches!(judge_error(NAME, &fine), Verdict::Rejected(_)));
    }

    #[test]
    fn runs_that_differ_are_failures() {
        let output = generated();
        let mut changed = output.clone();
        if let Some(text) = changed.files.values_mut().next() {
            text.push_str("// different\n");
        }
        let verdict = judge_runs(NAME, Ok(output.clone()), Ok(changed));
        assert_eq!(key(&verdict), "nondeterministic output");
        let refused = Error::new(ErrorKind::Syntax, NAME, "/", "no");
        let verdict = judge_runs(NAME, Ok(output.clone()), Err(refused));
        assert_eq!(key(&verdict), "nondeterministic output");
        assert!(matches!(
            judge_runs(NAME, Ok(output.clone()), Ok(output)),
            Verdict::Generated(_)
        ));
    }

    /// The bug the fuzzer once found (`tests/fuzz_regressions/output-layout-*`): a group named
    /// `types` whose module overwrote `types.rs`.
    #[test]
    fn a_group_module_overwriting_another_file_is_a_failure() {
        let mut output = generated();
        output.groups += 1;
        assert_eq!(
            key(&judge_runs(NAME, Ok(output.clone()), Ok(output))),
            "output layout"
        );
        let mut output = generated();
        output
            .files
            .insert("generated/sub/x.rs".into(), crate::format::HEADER.into());
        assert_eq!(
            key(&judge_runs(NAME, Ok(output.clone()), Ok(output))),
            "output layout"
        );
    }

    #[test]
    fn panics_are_caught_as_failures() {
        let Err(finding) = catch::<()>(|| panic!("index 3 out of range for `x`")) else {
            panic!("not caught")
        };
        assert!(finding.panicked);
        assert_eq!(finding.key, "panic: index 0 out of range for _");
    }

    #[test]
    fn templates_drop_names_and_numbers() {
        assert_eq!(
            template("schemas `a` and `b` both become `C` at 12"),
            "schemas _ and _ both become _ at 0"
        );
    }
}
