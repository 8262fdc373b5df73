//! Emission: [`crate::ir::Api`] → one token stream per generated file. Pure `quote!`; no string surgery on
//! token text. Order comes from the IR, which is already sorted.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::ir::{Api, Docs, Group, Operation, Params, TypeDef};

mod checks;
mod enums;
mod operations;
mod pagination;
mod params;
mod security;
mod testing;
mod types;
mod webhooks;

use operations::emit_group;
use params::emit_params;
pub use testing::accessor as mock_accessor;
use testing::emit_testing;
pub use types::rust_type;
use types::{emit_type, types_pieces};

/// The module of generated types, relative to the crate root.
const TYPES_MODULE: &str = "types";

/// The module of the test double, compiled with the client's `test-util` feature only.
const TESTING_MODULE: &str = "testing";

/// Emits every generated file, keyed by its path relative to the client crate's `src/`.
pub fn emit(api: &Api) -> BTreeMap<String, TokenStream> {
    files(api)
        .into_iter()
        .map(|(path, pieces)| (path, pieces.iter().map(Piece::emit).collect()))
        .collect()
}

/// One top-level piece of a generated file. A file's token stream is its pieces' token streams in
/// order, so that pieces can be emitted (and formatted) apart, on several threads, then joined.
#[derive(Debug, Clone, Copy)]
pub enum Piece<'a> {
    /// The whole of `mod.rs`.
    Root(&'a Api),
    /// The inner doc attribute that opens `types.rs`.
    TypesHeader,
    /// One named type of `types.rs`, with its impls.
    Type(&'a TypeDef),
    /// The parameter struct of one operation, in `types.rs`.
    Params(&'a Group, &'a Operation, &'a Params),
    /// The whole of one group's file.
    Group(&'a Group),
    /// The whole of the test double's file.
    Testing(&'a Api),
}

impl Piece<'_> {
    /// The tokens of this piece.
    pub fn emit(&self) -> TokenStream {
        match *self {
            Piece::Root(api) => emit_root(api),
            Piece::TypesHeader => quote! {
                #![doc = " Types of the API: schemas, inline objects and enums, and the parameters of each operation."]
            },
            Piece::Type(def) => emit_type(def),
            Piece::Params(group, op, params) => emit_params(params, group, op),
            Piece::Group(group) => emit_group(group),
            Piece::Testing(api) => emit_testing(api),
        }
    }
}

/// Every generated file, sorted by its path relative to the client crate's `src/`, with its pieces.
pub fn files(api: &Api) -> Vec<(String, Vec<Piece<'_>>)> {
    let mut files = BTreeMap::new();
    files.insert(
        format!("{}/mod.rs", crate::GENERATED_DIR),
        vec![Piece::Root(api)],
    );
    files.insert(
        format!("{}/{TYPES_MODULE}.rs", crate::GENERATED_DIR),
        types_pieces(api),
    );
    // The test double stands in for operations; a document of webhooks alone has none.
    if !api.groups.is_empty() {
        files.insert(
            format!("{}/{TESTING_MODULE}.rs", crate::GENERATED_DIR),
            vec![Piece::Testing(api)],
        );
    }
    for group in &api.groups {
        files.insert(
            format!(
                "{}/{}.rs",
                crate::GENERATED_DIR,
                crate::naming::bare(&group.module)
            ),
            vec![Piece::Group(group)],
        );
    }
    files.into_iter().collect()
}

/// Makes an identifier from a name the IR has already made valid (`r#type` becomes a raw identifier).
fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

fn doc_attrs(docs: &Docs) -> TokenStream {
    let lines = docs.lines.iter().map(|line| {
        let text = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        let text = doc_literal(&text);
        quote!(#[doc = #text])
    });
    quote!(#(#lines)*)
}

/// A doc line as a string literal: raw (`r"..."`) when it holds no quote or line break, which is
/// cheaper to write and to read back than an escaped one. Formatting prints such a line as a `///`
/// comment from its value, so the generated code is the same either way.
fn doc_literal(text: &str) -> Literal {
    if !text.contains(['"', '\n', '\r'])
        && !text.starts_with('/')
        && let Ok(literal) = format!("r\"{text}\"").parse::<Literal>()
    {
        return literal;
    }
    Literal::string(text)
}

fn emit_root(api: &Api) -> TokenStream {
    if api.groups.is_empty() {
        return webhooks::emit_root(api);
    }
    let events = webhooks::emit_events(api);
    let modules = std::iter::once(TYPES_MODULE.to_owned())
        .chain(api.groups.iter().map(|g| g.module.clone()))
        .map(|m| {
            let m = ident(&m);
            quote!(pub mod #m;)
        });
    let version = &api.api_version;
    let base_url = &api.base_url;
    let security = security::emit_root_security(api);
    let accessors = api.groups.iter().map(|group| {
        let module = ident(&group.module);
        let handle = ident(&group.handle);
        let docs = doc_attrs(&group.docs);
        quote! {
            #docs
            pub fn #module(&self) -> #module::#handle<'_> {
                #module::#handle::new(self)
            }
        }
    });
    quote! {
        #![doc = " Code generated from the OpenAPI document: types, and one module per group of operations."]
        #(#modules)*
        #[cfg(feature = "test-util")]
        pub mod testing;
        /// The version of the document this crate was generated from.
        pub const API_VERSION: &str = #version;
        /// The base URL requests go to unless the client is configured otherwise.
        pub const DEFAULT_BASE_URL: &str = #base_url;
        #security
        impl crate::Client {
            #(#accessors)*
        }
        #events
    }
}

// ----- types -------------------------------------------------------------------------------------
