//! Loading a large document on several threads. The text is cut into pieces at lines that start an
//! entry of the top-level mapping or of `paths`. On all threads, each piece is parsed, checked as the
//! whole-text path ([`super::load_whole`]) checks the whole text (depth, merge keys, then schemas and
//! numbers, which must pass before `openapiv3` reads anything), and its part of `paths` and
//! `components` is read into its `openapiv3` type. Then the top-level keys are checked as a whole (no
//! key given twice, the OpenAPI version) and the parts are put together.
//!
//! This is only a faster way to the whole-text path's result, and it gives up, with `None`, wherever it
//! could not do exactly as that path does: a text that may hold YAML anchors, a piece that does not
//! parse, a key given twice, a merge key at the top of a piece, a check that fails, a deserialization
//! error. The whole-text path then reads the whole text again, finds the same problem and words it, so
//! messages never depend on this module.
//!
//! Why a piece gives alone what it gives inside the whole text. A cut is made only before a line that
//! starts at column 0 with a letter (a top-level key), or, inside `paths`, at the column of its entries
//! with a `/` (a path). Such a line cannot be inside a block scalar (whose lines are indented deeper
//! than its parent) nor continue a plain scalar (for the same reason). It can be inside a quoted scalar
//! or a flow collection spanning lines: then the piece before the cut ends inside it and does not
//! parse. A piece starts at the beginning of a line, so columns, and with them indentation, mean the
//! same in the piece as in the whole text. Texts with document markers (`---`, `...`) after the first
//! line are left to the whole-text path, since a piece could then be one document where the whole text is
//! several; so are texts that may hold anchors, since an alias in one piece may name an anchor in
//! another. Without anchors there are no aliases, so the text holds no more values than it has bytes,
//! and the whole-text path's check of alias expansion cannot fail: it is not repeated here.
//!
//! Why reading the parts apart gives the whole document. `openapiv3` reads a struct field from that
//! field's value alone, so `components` read alone, and set, is what reading the whole mapping gives.
//! `Paths` keeps each entry whose key starts with `/` (and each extension, `x-`), in order, each read
//! from its own value: reading the entries of `paths` in runs and joining the runs in order gives the
//! same `Paths`. The tests compare both paths on every fixture and on Clerk's documents.

use std::collections::HashSet;

use openapiv3::{Components, OpenAPI, Paths};
use serde_yaml::{Mapping, Value};

/// Texts shorter than this are read whole, on one thread: there is too little to share.
pub(super) const MIN_BYTES: usize = 128 * 1024;

/// Pieces per thread: a few, so that the threads finish together although pieces differ in cost
/// (`components`, all schemas, is never cut, and costs more per byte than `paths`).
const PIECES_PER_THREAD: usize = 4;

/// Where the mapping parsed from a piece belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Entries of the top-level mapping.
    Top,
    /// Entries of `paths`, continuing the previous piece's.
    Paths,
}

/// Loads `text` on up to `threads` threads, or returns `None` to leave it to the whole-text path.
pub(super) fn load(text: &str, threads: usize) -> Option<OpenAPI> {
    if threads < 2 || text.len() < MIN_BYTES {
        return None;
    }
    load_pieces(text, threads, threads * PIECES_PER_THREAD)
}

/// Loads `text` cut into about `pieces` pieces, on up to `threads` threads.
pub(super) fn load_pieces(text: &str, threads: usize, pieces: usize) -> Option<OpenAPI> {
    if may_hold_anchors(text) {
        return None;
    }
    let pieces = cut(text, pieces)?;
    // The largest pieces first, so that the threads finish together.
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(pieces[i].1.len()));
    let parts = crate::parallel::on_threads(
        threads,
        order.iter().map(|&i| (i, pieces[i])).collect(),
        |(place, text)| read(place, check(place, text)?),
    )?;
    check_keys(&parts)?;
    assemble(parts)
}

/// Whether `text` may hold a YAML anchor (`&name`): an `&` followed by a character a name may start
/// with, after anything that is not a letter or a digit. Anchors are written after a space, a line
/// break, a flow indicator or at the start of the text; in `?a=1&b=2` or `R&D` the `&` is text.
fn may_hold_anchors(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'&', bytes).any(|at| {
        let after = bytes.get(at + 1);
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let names = after.is_some_and(|b| !b" \t\r\n,[]{}".contains(b));
        names && !before.is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

/// Cuts `text` into about `count` pieces of about equal size, at lines where a cut is safe.
fn cut(text: &str, count: usize) -> Option<Vec<(Section, &str)>> {
    let finder = |needle: &str| memchr::memmem::find(text.as_bytes(), needle.as_bytes());
    if finder("\n---").is_some() || finder("\n...").is_some() {
        return None;
    }
    let lines = Lines::scan(text)?;
    let mut cuts: Vec<(usize, Section)> = Vec::new();
    for i in 1..count {
        let target = text.len() * i / count;
        // The candidates are sorted: the nearest is at the insertion point or just before it.
        let at = lines
            .candidates
            .partition_point(|&(offset, _)| offset < target);
        let nearest = [at.checked_sub(1), Some(at)]
            .into_iter()
            .flatten()
            .filter_map(|i| lines.candidates.get(i))
            .min_by_key(|(offset, _)| offset.abs_diff(target))?;
        cuts.push(*nearest);
    }
    // A piece that starts inside `paths` must end where `paths` ends.
    if cuts.iter().any(|&(_, place)| place == Section::Paths)
        && let Some(end) = lines.paths_end
    {
        cuts.push((end, Section::Top));
    }
    cuts.sort_unstable_by_key(|&(offset, _)| offset);
    cuts.dedup_by_key(|&mut (offset, _)| offset);
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let (mut start, mut place) = (0, Section::Top);
    for (offset, next) in cuts {
        pieces.push((place, &text[start..offset]));
        (start, place) = (offset, next);
    }
    pieces.push((place, &text[start..]));
    Some(pieces)
}

/// What one pass over the starts of lines finds: where the text may be cut.
struct Lines {
    /// Offsets of the lines that may start a piece, sorted, with where their piece belongs.
    candidates: Vec<(usize, Section)>,
    /// Offset of the first top-level key after `paths`, if any.
    paths_end: Option<usize>,
}

impl Lines {
    /// `None` when the text is not a block mapping of plain keys at the top level.
    fn scan(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        let mut candidates = Vec::new();
        let mut paths_end = None;
        // Inside `paths`: the column of its entries, once its first entry is seen.
        let mut in_paths: Option<Option<usize>> = None;
        let mut seen_paths = false;
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        for end in ends {
            if start >= bytes.len() {
                break;
            }
            let line = &bytes[start..end];
            match line.first() {
                None | Some(b'\r' | b'#') => {}
                Some(c) if c.is_ascii_alphabetic() => {
                    if in_paths.take().is_some() {
                        paths_end = Some(start);
                    }
                    if start > 0 {
                        candidates.push((start, Section::Top));
                    }
                    if line.trim_ascii_end() == b"paths:" {
                        if seen_paths {
                            return None;
                        }
                        seen_paths = true;
                        in_paths = Some(None);
                    }
                }
                Some(b' ') => match in_paths {
                    // An entry: exactly the entries' indentation, then a path.
                    Some(Some(column))
                        if line.get(column) == Some(&b'/')
                            && line[..column].iter().all(|&b| b == b' ') =>
                    {
                        candidates.push((start, Section::Paths));
                    }
                    Some(None) => {
                        let indent = line.iter().take_while(|&&b| b == b' ').count();
                        match line.get(indent) {
                            None | Some(b'\r' | b'#') => {}
                            Some(b'/') => in_paths = Some(Some(indent)),
                            // `paths` does not start with a path: it is not cut.
                            Some(_) => in_paths = None,
                        }
                    }
                    _ => {}
                },
                // An item of a sequence written at its key's indentation (`tags:` then `- a`), as
                // many YAML writers do: part of the entry above, and no place to cut.
                Some(b'-') if matches!(line.get(1), None | Some(b' ' | b'\r')) => {}
                // A flow collection, a quoted or complex key, a directive, a tab, a byte order
                // mark: not the shape this expects.
                _ => return None,
            }
            start = end + 1;
        }
        Some(Lines {
            candidates,
            paths_end,
        })
    }
}

/// Parses one piece and checks it as the whole-text path checks the whole text, in the same order:
/// depth, merge keys, schemas and numbers.
fn check(place: Section, text: &str) -> Option<Mapping> {
    let Ok(Value::Mapping(entries)) = serde_yaml::from_str::<Value>(text) else {
        return None;
    };
    // A merge key in the top-level mapping or in `paths` would take entries of other pieces into
    // account.
    if entries.contains_key("<<")
        || matches!(entries.get("paths"), Some(Value::Mapping(paths)) if paths.contains_key("<<"))
    {
        return None;
    }
    let mut value = Value::Mapping(entries);
    let (depth, pointer, via) = match place {
        Section::Top => (0, "", None),
        Section::Paths => (1, "/paths", Some("paths")),
    };
    if !super::within_depth(&value, depth) {
        return None;
    }
    value.apply_merge().ok()?;
    super::check_schemas_at("", &value, pointer, via).ok()?;
    match value {
        Value::Mapping(entries) => Some(entries),
        _ => None,
    }
}

/// Checks the top-level keys of all pieces together as the whole-text path checks the whole mapping: no
/// top-level key and no path given twice (the whole text would not parse), and the OpenAPI version.
fn check_keys(parts: &[Part]) -> Option<()> {
    let mut top: HashSet<&Value> = HashSet::new();
    let mut paths: HashSet<&Value> = HashSet::new();
    let mut version = Mapping::new();
    for part in parts {
        for key in part.rest.keys() {
            if !top.insert(key) {
                return None;
            }
        }
        for key in &part.path_keys {
            if !paths.insert(key) {
                return None;
            }
        }
        for (key, value) in &part.version {
            version.insert(key.clone(), value.clone());
        }
    }
    // OpenAPI 3.1's `webhooks` is read, or refused, by the careful path.
    if top.contains(&Value::from("webhooks")) {
        return None;
    }
    super::check_version("", &Value::Mapping(version)).ok()
}

/// A piece's part of the document, read.
struct Part {
    /// Top-level entries other than `paths` and `components`, which hold placeholders.
    rest: Mapping,
    /// The keys of the piece's run of `paths` entries.
    path_keys: Vec<Value>,
    /// The top-level `swagger` and `openapi` entries, for the version.
    version: Vec<(Value, Value)>,
    /// The piece's run of `paths` entries, read.
    paths: Option<Paths>,
    /// `components`, read.
    components: Option<Option<Components>>,
}

/// Reads a checked piece's part of `paths` and `components`.
fn read(place: Section, entries: Mapping) -> Option<Part> {
    let mut part = Part {
        rest: Mapping::new(),
        path_keys: Vec::new(),
        version: Vec::new(),
        paths: None,
        components: None,
    };
    match place {
        Section::Paths => {
            part.path_keys = entries.keys().cloned().collect();
            part.paths = Some(serde_yaml::from_value(Value::Mapping(entries)).ok()?);
        }
        Section::Top => {
            for (key, value) in entries {
                match key.as_str() {
                    Some("swagger" | "openapi") => {
                        part.version.push((key.clone(), value.clone()));
                        part.rest.insert(key, value);
                    }
                    Some("paths") => {
                        if let Value::Mapping(paths) = &value {
                            part.path_keys = paths.keys().cloned().collect();
                        }
                        part.paths = Some(serde_yaml::from_value(value).ok()?);
                        part.rest.insert(key, Value::Mapping(Mapping::new()));
                    }
                    Some("components") => {
                        part.components = Some(serde_yaml::from_value(value).ok()?);
                        part.rest.insert(key, Value::Null);
                    }
                    _ => {
                        part.rest.insert(key, value);
                    }
                }
            }
        }
    }
    Some(part)
}

/// Puts the parts together: the rest of the top-level mapping is read as the whole-text path reads it,
/// then `paths` (its runs joined in order) and `components` are set.
fn assemble(parts: Vec<Part>) -> Option<OpenAPI> {
    let mut top = Mapping::new();
    let mut paths: Option<Paths> = None;
    let mut components = None;
    for part in parts {
        top.extend(part.rest);
        if let Some(run) = part.paths {
            match paths.as_mut() {
                None => paths = Some(run),
                Some(paths) => {
                    paths.paths.extend(run.paths);
                    paths.extensions.extend(run.extensions);
                }
            }
        }
        if part.components.is_some() {
            components = part.components;
        }
    }
    let mut document: OpenAPI = serde_yaml::from_value(Value::Mapping(top)).ok()?;
    if let Some(paths) = paths {
        document.paths = paths;
    }
    if let Some(components) = components {
        document.components = components;
    }
    Some(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every way of cutting `text` either gives up or reads what the whole-text path reads; returns how
    /// many ways read it.
    fn agrees(name: &str, text: &str) -> usize {
        let whole = super::super::load_whole(name, text);
        let mut read = 0;
        for pieces in 2..=12 {
            match (load_pieces(text, 2, pieces), &whole) {
                (None, _) => {}
                (Some(split), Ok(whole)) => {
                    assert!(
                        split == *whole,
                        "{name} cut in {pieces}: not what the whole-text path reads"
                    );
                    read += 1;
                }
                (Some(_), Err(error)) => {
                    panic!(
                        "{name} cut in {pieces}: read, but the whole-text path refuses it: {error}"
                    )
                }
            }
        }
        read
    }

    fn read_file(path: &str) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn clerk_documents_are_cut_and_read_as_a_whole() {
        let root = env!("CARGO_MANIFEST_DIR");
        for version in ["2025-04-10", "2025-11-10", "2026-05-12"] {
            let Some(path) =
                crate::shared_documents::document(&format!("clerk-bapi/{version}.yml"))
            else {
                return;
            };
            let path = path.display().to_string();
            let text = read_file(&path);
            assert_eq!(agrees(&path, &text), 11, "{version} was not read every way");
            assert!(load(&text, 2).is_some(), "{version} is not read in pieces");
        }
        let path = format!("{root}/../specs/clerk-bapi.yml");
        assert!(agrees(&path, &read_file(&path)) > 0);
    }

    #[test]
    fn fixtures_and_fuzz_regressions_are_read_as_a_whole() {
        let root = env!("CARGO_MANIFEST_DIR");
        for dir in ["tests/fixtures", "tests/fuzz_regressions"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).expect("a directory") {
                let path = entry.expect("an entry").path();
                if path.extension().is_some_and(|e| e == "yml") {
                    let path = path.display().to_string();
                    agrees(&path, &read_file(&path));
                }
            }
        }
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo:\n  title: t\n  version: v\n";

    #[test]
    fn gives_up_where_a_piece_alone_would_differ() {
        let paths = "paths:\n  /a:\n    get: {responses: {'200': {description: a}}}\n  /b:\n    get: {responses: {'200': {description: b}}}\n";
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let cases = [
            // Plain documents, which are read.
            format!("{HEAD}{paths}components: {{}}\nx-a: 1\n"),
            format!("{HEAD}x-a: |\n  one\n  two\n\n{paths}x-b: |+\n  three\n\n\n"),
            format!("{HEAD}x-url: https://a.example/?a=1&b=2\n{paths}"),
            format!("{HEAD}tags:\n- name: a\n-\n  name: b\n{paths}security:\n- {{}}\n"),
            // A key given twice, at the top and in `paths`.
            format!("{HEAD}{paths}info:\n  title: u\n  version: v\n"),
            format!("{HEAD}{paths}  /a:\n    get: {{responses: {{'200': {{description: c}}}}}}\n"),
            // A quoted scalar and a flow collection over lines that look like keys.
            format!("{HEAD}x-a: \"one\nx-b: two\"\n{paths}"),
            format!("{HEAD}x-a: 'one\nx-b: two'\n{paths}"),
            format!("{HEAD}x-a: [1,\nx-b, 2]\n{paths}"),
            format!(
                "{HEAD}paths:\n  /a:\n    get: {{responses: {{'200': {{description: \"a\n  /b: c\"}}}}}}\n"
            ),
            // Anchors, aliases and merge keys, within a piece and across pieces.
            format!("{HEAD}x-a: &x {{k: 1}}\n{paths}x-b: *x\n"),
            format!("{HEAD}{paths}x-b: [&y 1, *y]\n"),
            format!("{HEAD}x-a: &x {{k: 1}}\n{paths}<<: *x\n"),
            format!("{HEAD}x-m: &m {{/c: {{}}}}\npaths:\n  <<: *m\n  /a: {{}}\n  /b: {{}}\n"),
            // Several documents, directives, a top level that is not a mapping.
            format!("{HEAD}...\n{paths}"),
            format!("{HEAD}---\n{paths}"),
            format!("%YAML 1.2\n---\n{HEAD}{paths}"),
            format!("- {HEAD}{paths}"),
            format!("!tag\n{HEAD}{paths}"),
            format!("|\n{HEAD}{paths}"),
            // Nesting up to the limit and beyond it, at the top and inside `paths`.
            format!("{HEAD}{paths}x-deep: {}\n", deep(95)),
            format!("{HEAD}{paths}x-deep: {}\n", deep(96)),
            format!(
                "{HEAD}paths:\n  /a: {{}}\n  /b: {{}}\n  x-deep: {}\n",
                deep(94)
            ),
            format!(
                "{HEAD}paths:\n  /a: {{}}\n  /b: {{}}\n  x-deep: {}\n",
                deep(95)
            ),
            // Numbers JSON cannot hold, and a schema `openapiv3` refuses, in one piece.
            format!("{HEAD}{paths}x-n: .nan\n"),
            format!("{HEAD}paths:\n  /a: {{}}\n  /b: {{x-n: -.inf}}\n"),
            format!("{HEAD}{paths}components: {{schemas: {{A: {{type: 5}}}}}}\n"),
            // Not OpenAPI 3.0, or wrong types in one piece.
            format!("swagger: '2.0'\n{HEAD}{paths}"),
            format!("openapi: 3.0\ninfo:\n  title: t\n  version: v\n{paths}"),
            format!("{HEAD}{paths}components: {{schemas: []}}\n"),
            format!("{HEAD}paths:\n  /a: {{}}\n  /b: 5\n"),
        ];
        let read: Vec<usize> = cases.iter().map(|text| agrees("case.yml", text)).collect();
        // The plain documents, and those nesting as deep as allowed, are read in pieces.
        for case in [0, 1, 2, 3, 20, 22] {
            assert!(
                read[case] > 0,
                "case {case} is not read in pieces: {read:?}"
            );
        }
    }

    #[test]
    fn anchors_are_told_from_ampersands_in_text() {
        assert!(!may_hold_anchors(
            "a: https://x.example/?a=1&b=2\nb: R&D, you & me\n"
        ));
        for text in [
            "a: &x 1",
            "a: [&x 1]",
            "a: {k: &x 1}",
            "&x a: 1",
            "- &x 1",
            "a:\n  &x b: 1",
        ] {
            assert!(may_hold_anchors(text), "{text}");
        }
    }
}
