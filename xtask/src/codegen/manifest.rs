//! What `cargo xtask codegen` generates when run without `--spec`: the documents the client crate's
//! manifest declares, in this form:
//!
//! ```toml
//! [[package.metadata.codegen.documents]]
//! spec = "specs/clerk-bapi.yml"   # relative to the workspace root
//! select = ["machines"]           # groups and operationIds, or "all"
//! out = "src"                     # relative to the crate; receives the document's `generated/`
//! ```

use std::path::{Path, PathBuf};

use generator::Selection;
use serde::Deserialize;

use super::{Args, DEFAULT_OUT, DEFAULT_SPEC, Failure};

/// The client crate's manifest, relative to the workspace root.
pub const CLIENT_MANIFEST: &str = "generated-client/Cargo.toml";

/// One document to generate, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The document's path.
    pub spec: PathBuf,
    /// How the document is named in messages and errors.
    pub spec_name: String,
    pub selection: Selection,
    /// The directory that receives `generated/`.
    pub out: PathBuf,
    /// How `out` is named in messages.
    pub out_name: String,
}

impl Document {
    /// The document of a run with `--spec`, `--select` or `--out`: the paths given are used as
    /// given, the others default to the workspace's own files.
    pub fn one_off(root: &Path, args: &Args) -> Self {
        let (spec, spec_name) = match &args.spec {
            Some(path) => (path.clone(), path.display().to_string()),
            None => (root.join(DEFAULT_SPEC), DEFAULT_SPEC.to_owned()),
        };
        let (out, out_name) = match &args.out {
            Some(path) => (path.clone(), path.display().to_string()),
            None => (root.join(DEFAULT_OUT), DEFAULT_OUT.to_owned()),
        };
        Document {
            spec,
            spec_name,
            // The committed client's groups: machines, and the two machine authentication needs.
            selection: args.select.clone().unwrap_or_else(|| {
                Selection::Only(["jwks", "m2m", "machines"].map(String::from).to_vec())
            }),
            out,
            out_name,
        }
    }
}

#[derive(Deserialize)]
struct Manifest {
    package: Package,
}

#[derive(Deserialize)]
struct Package {
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    codegen: Option<Codegen>,
}

#[derive(Deserialize)]
struct Codegen {
    documents: Vec<Entry>,
}

/// One `[[package.metadata.codegen.documents]]` entry, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    spec: String,
    select: Select,
    out: String,
}

/// `select = ["machines", "GetJWKS"]` or `select = "all"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Select {
    List(Vec<String>),
    Word(String),
}

/// The documents `generated-client/Cargo.toml` declares, checked: at least one, and no two whose
/// `generated/` directories overlap (they would write, or delete as orphans, each other's files).
pub fn documents(root: &Path) -> Result<Vec<Document>, Failure> {
    let path = root.join(CLIENT_MANIFEST);
    let bad = |why: String| Failure::BadInput(format!("{CLIENT_MANIFEST}: {why}"));
    let text = std::fs::read_to_string(&path).map_err(|err| bad(format!("cannot read: {err}")))?;
    parse(root, &text).map_err(bad)
}

/// [`documents`] from the manifest's text.
fn parse(root: &Path, text: &str) -> Result<Vec<Document>, String> {
    let manifest: Manifest = toml::from_str(text).map_err(|err| err.to_string())?;
    let entries = manifest
        .package
        .metadata
        .and_then(|metadata| metadata.codegen)
        .map(|codegen| codegen.documents)
        .unwrap_or_default();
    if entries.is_empty() {
        return Err(
            "declares no [[package.metadata.codegen.documents]]: nothing to generate".to_owned(),
        );
    }
    let crate_dir = Path::new(CLIENT_MANIFEST).parent().unwrap_or(Path::new(""));
    let mut documents: Vec<Document> = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        let at = format!("documents[{index}]");
        let selection = match entry.select {
            Select::List(items) if !items.is_empty() => Selection::Only(items),
            Select::Word(word) if word == "all" => Selection::All,
            _ => {
                return Err(format!(
                    "{at}.select must be a non-empty list of groups and operationIds, or \"all\""
                ));
            }
        };
        for (key, value) in [("spec", &entry.spec), ("out", &entry.out)] {
            if value.is_empty() || Path::new(value).is_absolute() {
                return Err(format!("{at}.{key} must be a relative path, not `{value}`"));
            }
        }
        let out_relative = crate_dir.join(&entry.out);
        let document = Document {
            spec: root.join(&entry.spec),
            spec_name: entry.spec,
            selection,
            out: root.join(&out_relative),
            out_name: out_relative.display().to_string(),
        };
        let generated = document.out.join(generator::GENERATED_DIR);
        if let Some(other) = documents.iter().position(|earlier| {
            let theirs = earlier.out.join(generator::GENERATED_DIR);
            generated.starts_with(&theirs) || theirs.starts_with(&generated)
        }) {
            return Err(format!(
                "documents[{other}] and {at} both write {}: give each its own `out`",
                out_relative.join(generator::GENERATED_DIR).display()
            ));
        }
        documents.push(document);
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = "[[package.metadata.codegen.documents]]\n";

    #[test]
    fn entries_become_documents() {
        let root = Path::new("/r");
        let text = format!(
            "[package]\nname = \"c\"\n{ENTRY}spec = \"specs/a.yml\"\nselect = [\"machines\"]\n\
             out = \"src\"\n{ENTRY}spec = \"specs/b.yml\"\nselect = \"all\"\nout = \"src/hooks\"\n"
        );
        let documents = parse(root, &text).unwrap();
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].spec, root.join("specs/a.yml"));
        assert_eq!(documents[0].spec_name, "specs/a.yml");
        assert_eq!(documents[0].selection, Selection::default());
        assert_eq!(documents[0].out, root.join("generated-client/src"));
        assert_eq!(documents[0].out_name, "generated-client/src");
        assert_eq!(documents[1].selection, Selection::All);
        assert_eq!(documents[1].out, root.join("generated-client/src/hooks"));
    }

    #[test]
    fn wrong_declarations_are_errors() {
        let root = Path::new("/r");
        let entry = |select: &str, out: &str| {
            format!("{ENTRY}spec = \"s.yml\"\nselect = {select}\nout = \"{out}\"\n")
        };
        for (text, expected) in [
            ("[package]\nname = \"c\"\n".to_owned(), "declares no"),
            (
                format!("[package]\n{}", entry("[]", "src")),
                "documents[0].select must be",
            ),
            (
                format!("[package]\n{}", entry("\"some\"", "src")),
                "documents[0].select must be",
            ),
            (
                format!("[package]\n{}", entry("\"all\"", "/abs")),
                "documents[0].out must be a relative path",
            ),
            (
                format!(
                    "[package]\n{}{}",
                    entry("\"all\"", "src"),
                    entry("[\"m\"]", "src/")
                ),
                "documents[0] and documents[1] both write generated-client/src/generated",
            ),
            (
                format!(
                    "[package]\n{}{}",
                    entry("\"all\"", "src"),
                    entry("[\"m\"]", "src/generated/x")
                ),
                "documents[0] and documents[1] both write",
            ),
            (
                format!("[package]\n{ENTRY}spec = \"s\"\nselect = \"all\"\nout = \"o\"\nx = 1\n"),
                "unknown field `x`",
            ),
        ] {
            let err = parse(root, &text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
