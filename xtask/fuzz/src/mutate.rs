//! The mutations of `cargo xtask fuzz`: structural changes to a document's YAML tree aimed at what
//! the generator must either handle or refuse with a located error ([`schema`], [`document`]), and
//! byte-level damage to the text of a document. Random numbers come from `fastrand`, seeded, so
//! that a run is reproducible from its seed.

mod document;
mod schema;
mod values;

use std::collections::BTreeSet;

use serde_yaml::{Mapping, Value};

use document::*;
use schema::*;
use values::*;
pub use values::{mutate_name, odd_string};

pub use fastrand::Rng;

/// The few draws the mutations make, on top of `fastrand`'s.
pub trait Pick {
    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize;
    /// True with probability `numerator / denominator`.
    fn chance(&mut self, numerator: usize, denominator: usize) -> bool;
    /// A random element of `items`.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T>;
}

impl Pick for Rng {
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.usize(..n) }
    }

    fn chance(&mut self, numerator: usize, denominator: usize) -> bool {
        self.below(denominator) < numerator
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        self.choice(items)
    }
}

/// One step from a node to a child: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    /// The value under this key of a mapping.
    Key(Value),
    /// The item at this index of a list.
    Index(usize),
}

/// The place of a node in the tree, from the root.
pub type NodePath = Vec<Seg>;

/// Every node of the tree in pre-order (a node before its children, document order), the root
/// (the empty path) first.
pub fn paths(root: &Value) -> Vec<NodePath> {
    let mut out = Vec::new();
    let mut stack: Vec<(NodePath, &Value)> = vec![(Vec::new(), root)];
    while let Some((path, value)) = stack.pop() {
        let mut children: Vec<(NodePath, &Value)> = Vec::new();
        match value {
            Value::Mapping(map) => {
                for (key, child) in map {
                    let mut p = path.clone();
                    p.push(Seg::Key(key.clone()));
                    children.push((p, child));
                }
            }
            Value::Sequence(items) => {
                for (index, child) in items.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(Seg::Index(index));
                    children.push((p, child));
                }
            }
            _ => {}
        }
        out.push(path);
        stack.extend(children.into_iter().rev());
    }
    out
}

/// The node at `path`, if there is one.
pub fn node<'v>(root: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    let mut current = root;
    for seg in path {
        current = match (seg, current) {
            (Seg::Key(key), Value::Mapping(map)) => map.get(key)?,
            (Seg::Index(index), Value::Sequence(items)) => items.get(*index)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The node at `path`, mutably.
pub fn node_mut<'v>(root: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    let mut current = root;
    for seg in path {
        current = match (seg, current) {
            (Seg::Key(key), Value::Mapping(map)) => map.get_mut(key)?,
            (Seg::Index(index), Value::Sequence(items)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Removes the node at `path` from its parent; false when there is no such node (or it is the root).
pub fn remove(root: &mut Value, path: &[Seg]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match (last, node_mut(root, parent)) {
        (Seg::Key(key), Some(Value::Mapping(map))) => map.shift_remove(key).is_some(),
        (Seg::Index(index), Some(Value::Sequence(items))) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in entries {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}

fn reference(target: &str) -> Value {
    map(vec![("$ref", s(target))])
}

/// The key a path ends with, when it ends with a string key.
fn last_key(path: &[Seg]) -> Option<&str> {
    match path.last() {
        Some(Seg::Key(Value::String(key))) => Some(key),
        _ => None,
    }
}

/// The string key `back` steps above the end of the path (0 is the last).
fn key_at(path: &[Seg], back: usize) -> Option<&str> {
    let index = path.len().checked_sub(back + 1)?;
    match path.get(index) {
        Some(Seg::Key(Value::String(key))) => Some(key),
        _ => None,
    }
}

/// The paths of the nodes for which `keep` holds.
fn select_paths(doc: &Value, keep: impl Fn(&[Seg], &Value) -> bool) -> Vec<NodePath> {
    paths(doc)
        .into_iter()
        .filter(|p| node(doc, p).is_some_and(|v| keep(p, v)))
        .collect()
}

fn random_path(
    rng: &mut Rng,
    doc: &Value,
    keep: impl Fn(&[Seg], &Value) -> bool,
) -> Option<NodePath> {
    let candidates = select_paths(doc, keep);
    rng.pick(&candidates).cloned()
}

fn random_schema_path(rng: &mut Rng, doc: &Value) -> Option<NodePath> {
    random_path(rng, doc, is_schema)
}

/// The mapping at `path`, created (replacing whatever is there) when it is not a mapping.
fn mapping_at<'v>(doc: &'v mut Value, path: &[Seg]) -> Option<&'v mut Mapping> {
    let value = node_mut(doc, path)?;
    if !value.is_mapping() {
        *value = Value::Mapping(Mapping::new());
    }
    value.as_mapping_mut()
}

/// `components.schemas` of the document, created when missing.
fn schemas_mut(doc: &mut Value) -> Option<&mut Mapping> {
    let root = doc.as_mapping_mut()?;
    let components = root
        .entry(s("components"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !components.is_mapping() {
        *components = Value::Mapping(Mapping::new());
    }
    let schemas = components
        .as_mapping_mut()?
        .entry(s("schemas"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !schemas.is_mapping() {
        *schemas = Value::Mapping(Mapping::new());
    }
    schemas.as_mapping_mut()
}

/// Applies one random structural mutation to `doc`, taking material from `donor` where it splices.
/// Returns a short name of what it did.
pub fn mutate(rng: &mut Rng, doc: &mut Value, donor: &Value) -> &'static str {
    // Some mutations find nothing to act on in a given document; try others.
    for _ in 0..8 {
        let (name, applied) = match rng.below(100) {
            0..=9 => ("delete", delete(rng, doc)),
            10..=14 => ("duplicate", duplicate(rng, doc)),
            15..=23 => ("replace", replace(rng, doc)),
            24..=30 => ("rename", rename(rng, doc)),
            31..=37 => ("ref", inject_ref(rng, doc)),
            38..=40 => ("cycle", ref_cycle(rng, doc)),
            41..=45 => ("wrap", wrap(rng, doc)),
            46..=49 => ("discriminator", discriminator(rng, doc)),
            50..=52 => ("nullable", nullable(rng, doc)),
            53..=56 => ("enum", enumeration(rng, doc)),
            57..=59 => ("additional", additional(rng, doc)),
            60..=64 => ("type", type_format(rng, doc)),
            65..=66 => ("deepen", deepen(rng, doc)),
            67..=68 => ("chain", chain(rng, doc)),
            69..=72 => ("path", path_template(rng, doc)),
            73..=76 => ("parameter", parameter(rng, doc)),
            77..=80 => ("media", media_type(rng, doc)),
            81 => ("openapi", openapi_version(rng, doc)),
            82..=87 => ("splice", splice(rng, doc, donor)),
            88..=90 => ("status", status_code(rng, doc)),
            91..=94 => ("names", operation_names(rng, doc)),
            95..=97 => ("constraints", constraints(rng, doc)),
            _ => ("top", top_level(rng, doc)),
        };
        if applied {
            return name;
        }
    }
    "none"
}

/// Damages the text of a document: truncation, flipped bytes, invalid UTF-8, duplicated, removed
/// or swapped lines, and YAML constructs (anchors, aliases, merge keys, tags) dropped in at random.
pub fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let len = bytes.len();
    match rng.below(12) {
        0 => bytes.truncate(rng.below(len + 1)),
        1 => {
            for _ in 0..1 + rng.below(4) {
                if len > 0 {
                    let at = rng.below(len);
                    bytes[at] ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            const INVALID: &[&[u8]] = &[
                b"\xff",
                b"\xfe\xff",
                b"\xc3",
                b"\xed\xa0\x80",
                b"\xf8\x88\x80\x80\x80",
                b"\0",
            ];
            let at = rng.below(len + 1);
            let piece = INVALID[rng.below(INVALID.len())];
            bytes.splice(at..at, piece.iter().copied());
        }
        3..=5 => {
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let n = lines.len();
            match rng.below(3) {
                0 => {
                    let i = rng.below(n);
                    let line = lines[i].clone();
                    lines.insert(i, line);
                }
                1 => {
                    if n > 1 {
                        lines.remove(rng.below(n));
                    }
                }
                _ => {
                    let (i, j) = (rng.below(n), rng.below(n));
                    lines.swap(i, j);
                }
            }
            *bytes = lines.join(&b'\n');
        }
        6..=8 => yaml_construct(rng, bytes),
        9 => {
            let at = rng.below(len + 1);
            let text = odd_string(rng);
            bytes.splice(at..at, text.bytes());
        }
        10 => {
            // A billion-laughs block of aliases.
            let mut block = String::from(
                "\nx-laughs:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
            );
            let levels = 2 + rng.below(10);
            for i in 1..levels {
                let prev = i - 1;
                block.push_str(&format!(
                    "  l{i}: &l{i} [*l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}]\n"
                ));
            }
            bytes.extend_from_slice(block.as_bytes());
        }
        _ => match rng.below(3) {
            0 => {
                let text = String::from_utf8_lossy(bytes).replace('\n', "\r\n");
                *bytes = text.into_bytes();
            }
            1 => {
                bytes.splice(0..0, b"\xef\xbb\xbf".iter().copied());
            }
            _ => {
                let text = String::from_utf8_lossy(bytes).replace("  ", "\t");
                *bytes = text.into_bytes();
            }
        },
    }
}

/// Adds an anchor to one line that opens a mapping and an alias or merge key elsewhere.
fn yaml_construct(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        return;
    }
    let opens: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with(':'))
        .map(|(i, _)| i)
        .collect();
    let anchor = match rng.pick(&opens) {
        Some(&i) => {
            lines[i].push_str(" &fz");
            true
        }
        None => false,
    };
    let i = rng.below(lines.len());
    let indent: String = lines[i].chars().take_while(|c| *c == ' ').collect();
    let piece = match rng.below(8) {
        0 if anchor => format!("{indent}<<: *fz"),
        1 if anchor => format!("{indent}fzalias: *fz"),
        2 => format!("{indent}<<: [{{a: 1}}, 2]"),
        3 => format!("{indent}fztag: !custom {{a: 1}}"),
        4 => format!("{indent}fzbin: !!binary aGVsbG8="),
        5 => format!("{indent}? [complex, key]\n{indent}: 1"),
        6 => "---\nsecond: document".to_owned(),
        _ => format!("{indent}<<: *nowhere"),
    };
    lines.insert(i, piece);
    *bytes = lines.join("\n").into_bytes();
}

/// A small document cut out of a big one: its top-level fields, one to four of its paths, and the
/// components those reach through `$ref`s.
pub fn subdocument(rng: &mut Rng, big: &Value) -> Value {
    let mut out = serde_yaml::Mapping::new();
    let Value::Mapping(root) = big else {
        return big.clone();
    };
    for key in ["openapi", "info", "servers", "security", "tags"] {
        if let Some(value) = root.get(key) {
            out.insert(Value::String(key.to_owned()), value.clone());
        }
    }
    let mut paths = serde_yaml::Mapping::new();
    if let Some(Value::Mapping(all)) = root.get("paths") {
        let keys: Vec<&Value> = all.keys().collect();
        for _ in 0..1 + rng.below(4) {
            if let Some(key) = rng.pick(&keys)
                && let Some(item) = all.get(*key)
            {
                paths.insert((*key).clone(), item.clone());
            }
        }
    }
    let mut components = serde_yaml::Mapping::new();
    let source = root.get("components");
    if let Some(schemes) = source.and_then(|c| c.get("securitySchemes")) {
        let mut m = serde_yaml::Mapping::new();
        m.insert(Value::String("securitySchemes".to_owned()), schemes.clone());
        components = m;
    }
    let mut queue: Vec<String> = Vec::new();
    collect_refs(&Value::Mapping(paths.clone()), &mut queue);
    let mut done: BTreeSet<String> = BTreeSet::new();
    while let Some(target) = queue.pop() {
        if !done.insert(target.clone()) {
            continue;
        }
        let Some(rest) = target.strip_prefix("#/components/") else {
            continue;
        };
        let Some((section, name)) = rest.split_once('/') else {
            continue;
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        let Some(value) = source
            .and_then(|c| c.get(section))
            .and_then(|s| s.get(&name))
        else {
            continue;
        };
        collect_refs(value, &mut queue);
        let section_key = Value::String(section.to_owned());
        let entry = components
            .entry(section_key)
            .or_insert_with(|| Value::Mapping(serde_yaml::Mapping::new()));
        if let Value::Mapping(m) = entry {
            m.insert(Value::String(name), value.clone());
        }
    }
    out.insert(Value::String("paths".to_owned()), Value::Mapping(paths));
    out.insert(
        Value::String("components".to_owned()),
        Value::Mapping(components),
    );
    Value::Mapping(out)
}

/// Every `$ref` string under `value`.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Mapping(m) => {
                for (k, child) in m {
                    if k.as_str() == Some("$ref")
                        && let Some(target) = child.as_str()
                    {
                        out.push(target.to_owned());
                    }
                    stack.push(child);
                }
            }
            Value::Sequence(items) => stack.extend(items),
            Value::Tagged(t) => stack.push(&t.value),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_keep_going_on_any_document() {
        let mut rng = Rng::with_seed(7);
        let donor: Value = serde_yaml::from_str("a: {type: string}").unwrap();
        for start in ["openapi: 3.0.3", "[]", "x", "{}"] {
            let mut doc: Value = serde_yaml::from_str(start).unwrap();
            for _ in 0..200 {
                mutate(&mut rng, &mut doc, &donor);
                if serde_yaml::to_string(&doc).map_or(0, |t| t.len()) > 100_000 {
                    doc = serde_yaml::from_str(start).unwrap();
                }
            }
            let mut bytes = serde_yaml::to_string(&doc).unwrap().into_bytes();
            for _ in 0..50 {
                mutate_bytes(&mut rng, &mut bytes);
                bytes.truncate(100_000);
            }
        }
    }
}
