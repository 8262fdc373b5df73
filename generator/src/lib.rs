//! Turns Clerk's Backend API OpenAPI document into the Rust source of the `clerk-bapi` client.
//!
//! The pipeline has one module per stage, each a pure function of the previous stage's output:
//! [`load`] (bytes → `openapiv3::OpenAPI`), [`select`] (which operations), [`lower`] (→ [`ir::Api`]),
//! [`emit`] (IR → token streams) and [`format`](mod@format) (tokens → source text). Nothing here touches the file
//! system: the `xtask` binary reads the document and writes the files.

pub mod emit;
pub mod error;
pub mod format;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod oracle;
mod parallel;
pub mod select;

// The rule for tests that read Clerk's published documents beside the workspace.
#[cfg(test)]
#[path = "../tests/support/shared_documents.rs"]
mod shared_documents;

use std::collections::BTreeMap;

pub use error::{Error, ErrorKind, ErrorLocation};
pub use select::Selection;

/// An OpenAPI document as read by the caller, with the name used to report errors in it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// How the document is named in messages, normally its path as the user gave it.
    pub name: &'a str,
    /// The raw bytes of the document (YAML or JSON).
    pub bytes: &'a [u8],
}

/// Everything one generator run produces. Every operation the selection matches is generated:
/// what the generator cannot express is an [`Error`] of kind [`ErrorKind::Unsupported`] naming the
/// place, never a silently left-out operation.
#[derive(Debug, Clone)]
pub struct Output {
    /// Generated files keyed by their path relative to the client crate's `src/` directory,
    /// always under `generated/` and always with `/` separators.
    pub files: BTreeMap<String, String>,
    /// Number of operations generated.
    pub operations: usize,
    /// Number of groups (client accessors) generated.
    pub groups: usize,
    /// Number of webhook events generated (variants of `WebhookEvent`, besides `Unknown`).
    pub webhooks: usize,
    /// Every `example` of the document met while generating, with the Rust type it should decode
    /// into, for round-trip tests of the generated types.
    pub examples: Vec<Example>,
}

/// An `example` of the document and the generated Rust type of its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// JSON pointer to the schema carrying the example.
    pub pointer: String,
    /// The Rust type, written with `crate::` paths as seen from inside the client crate.
    pub rust_type: String,
    /// The example value.
    pub value: serde_json::Value,
}

/// The directory, relative to the client crate's `src/`, that the generator owns entirely.
pub const GENERATED_DIR: &str = "generated";

/// Runs the whole pipeline on one document.
pub fn generate(source: Source<'_>, selection: &Selection) -> Result<Output, Error> {
    let document = load::load(source)?;
    let (selected, webhooks) = select::select_with_webhooks(source.name, &document, selection)?;
    let api = lower::lower_with_webhooks(source.name, &document, &selected, &webhooks)?;
    let files = format::emit_and_format(&api)?;
    Ok(Output {
        files,
        operations: api.operation_count(),
        groups: api.groups.len(),
        webhooks: api.webhooks.len(),
        examples: api
            .examples
            .iter()
            .map(|e| Example {
                pointer: e.pointer.clone(),
                rust_type: emit::rust_type(&e.ty, e.nullable),
                value: e.value.clone(),
            })
            .collect(),
    })
}
