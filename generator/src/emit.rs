//! Emission: [`crate::ir::Api`] → one token stream per generated file. Pure `quote!`; no string surgery on
//! token text. Order comes from the IR, which is already sorted.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::ir::{
    Additional, Alternatives, Api, Body, Docs, Field, Group, Location, Operation, PageField,
    Pagination, Params, PathPart, Response, RuntimeType, TypeDef, TypeKind, TypeRef, UnionVariant,
    Variant,
};
use crate::select::HttpMethod;

/// The module of generated types, relative to the crate root.
const TYPES_MODULE: &str = "types";

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

/// Docs from the document, or a fallback naming the thing when the document says nothing, because
/// the crate denies missing docs.
fn docs_or(docs: &Docs, fallback: String) -> TokenStream {
    if docs.lines.is_empty() {
        doc_attrs(&Docs {
            lines: vec![fallback],
        })
    } else {
        doc_attrs(docs)
    }
}

fn emit_root(api: &Api) -> TokenStream {
    let modules = std::iter::once(TYPES_MODULE.to_owned())
        .chain(api.groups.iter().map(|g| g.module.clone()))
        .map(|m| {
            let m = ident(&m);
            quote!(pub mod #m;)
        });
    let version = &api.api_version;
    let base_url = &api.base_url;
    let accessors = api.groups.iter().map(|group| {
        let module = ident(&group.module);
        let handle = ident(&group.handle);
        let docs = docs_or(&group.docs, format!("The `{}` operations.", group.api_name));
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
        /// The API version this crate was generated for, sent as `Clerk-API-Version` on every request.
        pub const API_VERSION: &str = #version;
        /// The base URL requests go to unless the client is configured otherwise.
        pub const DEFAULT_BASE_URL: &str = #base_url;
        impl crate::Client {
            #(#accessors)*
        }
    }
}

// ----- types -------------------------------------------------------------------------------------

/// Where a type is written from: inside `types` it is named directly, elsewhere through the module.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Types,
    Outside,
}

fn type_tokens(ty: &TypeRef, scope: Scope) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Secret => quote!(crate::Secret),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::JsonObject => {
            quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>)
        }
        TypeRef::Named(name) => {
            let name = ident(name);
            match scope {
                Scope::Types => quote!(#name),
                Scope::Outside => quote!(crate::types::#name),
            }
        }
        TypeRef::Vec(item) => {
            let item = type_tokens(item, scope);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = type_tokens(value, scope);
            quote!(::std::collections::BTreeMap<::std::string::String, #value>)
        }
        TypeRef::Boxed(inner) => {
            let inner = type_tokens(inner, scope);
            quote!(::std::boxed::Box<#inner>)
        }
        TypeRef::Option(inner) => {
            let inner = type_tokens(inner, scope);
            quote!(::std::option::Option<#inner>)
        }
        TypeRef::File => quote!(crate::FilePart),
        TypeRef::Runtime(RuntimeType::ClerkErrors) => quote!(crate::ClerkErrors),
        TypeRef::Runtime(RuntimeType::ClerkError) => quote!(crate::ClerkError),
    }
}

/// The Rust type of a schema as written from outside the `types` module, for tools that write code
/// using generated types (round-trip tests of the document's examples).
pub fn rust_type(ty: &TypeRef, nullable: bool) -> String {
    let ty = type_tokens(ty, Scope::Outside);
    let ty = if nullable {
        quote!(::std::option::Option<#ty>)
    } else {
        ty
    };
    ty.to_string()
}

fn field_type(field: &Field, scope: Scope) -> TokenStream {
    let ty = type_tokens(&field.ty, scope);
    if field.is_optional() {
        quote!(::std::option::Option<#ty>)
    } else {
        ty
    }
}

fn deprecated_attr(deprecated: bool) -> TokenStream {
    if deprecated {
        quote!(#[deprecated])
    } else {
        TokenStream::new()
    }
}

fn emit_type(def: &TypeDef) -> TokenStream {
    match &def.kind {
        TypeKind::Struct {
            fields,
            additional,
            alternatives,
        } => emit_struct(def, fields, additional.as_ref(), alternatives),
        TypeKind::StringEnum { variants } => emit_enum(def, variants),
        TypeKind::Union {
            variants,
            discriminator,
        } => emit_union(def, variants, discriminator.as_deref()),
    }
}

/// The pieces of `types.rs`: its doc, the named types, then the parameter structs sorted by name.
fn types_pieces(api: &Api) -> Vec<Piece<'_>> {
    let mut pieces = vec![Piece::TypesHeader];
    pieces.extend(api.types.iter().map(Piece::Type));
    // Parameter structs come after the schema types, sorted by name.
    let mut operations: Vec<(&Group, &Operation)> = api
        .groups
        .iter()
        .flat_map(|g| g.operations.iter().map(move |o| (g, o)))
        .collect();
    operations.sort_by(|a, b| {
        a.1.params
            .as_ref()
            .map(|p| &p.name)
            .cmp(&b.1.params.as_ref().map(|p| &p.name))
    });
    pieces.extend(
        operations
            .into_iter()
            .filter_map(|(g, o)| o.params.as_ref().map(|p| Piece::Params(g, o, p))),
    );
    pieces
}

fn serde_rename(field: &Field) -> TokenStream {
    if crate::naming::bare(&field.name) == field.api_name {
        TokenStream::new()
    } else {
        let api_name = &field.api_name;
        quote!(#[serde(rename = #api_name)])
    }
}

/// Doc lines stating `oneOf`/`anyOf` rules on which members are present.
fn alternatives_docs(alternatives: &[Alternatives]) -> Vec<String> {
    alternatives
        .iter()
        .map(|a| {
            let sets: Vec<String> = a
                .sets
                .iter()
                .map(|set| {
                    set.iter()
                        .map(|f| format!("`{}`", f.api_name))
                        .collect::<Vec<_>>()
                        .join(" and ")
                })
                .collect();
            let rule = if a.exactly_one {
                "exactly one"
            } else {
                "at least one"
            };
            format!("The document requires {rule} of: {}.", sets.join("; "))
        })
        .collect()
}

/// Docs from the document (or the fallback), then the rules on which members are present.
fn docs_with_rules(docs: &Docs, fallback: String, alternatives: &[Alternatives]) -> TokenStream {
    let mut docs = if docs.lines.is_empty() {
        Docs {
            lines: vec![fallback],
        }
    } else {
        docs.clone()
    };
    for line in alternatives_docs(alternatives) {
        docs.lines.push(String::new());
        docs.lines.push(line);
    }
    doc_attrs(&docs)
}

/// The flattened map of members beyond a struct's named fields.
fn additional_field(additional: Option<&Additional>, what: &str) -> TokenStream {
    let Some(additional) = additional else {
        return TokenStream::new();
    };
    let name = ident(&additional.name);
    let ty = type_tokens(&additional.ty, Scope::Types);
    let doc = format!(" Members of the {what} beyond the named ones, which the document allows.");
    quote! {
        #[doc = #doc]
        #[serde(flatten)]
        pub #name: ::std::collections::BTreeMap<::std::string::String, #ty>,
    }
}

fn emit_struct(
    def: &TypeDef,
    fields: &[Field],
    additional: Option<&Additional>,
    alternatives: &[Alternatives],
) -> TokenStream {
    let name = ident(&def.name);
    let docs = docs_with_rules(
        &def.docs,
        format!("The `{}` object.", def.name),
        alternatives,
    );
    let additional = additional_field(additional, "object");
    let deprecated = deprecated_attr(def.deprecated);
    let fields = fields.iter().map(|field| {
        let docs = docs_or(&field.docs, format!("The `{}` member.", field.api_name));
        let rename = serde_rename(field);
        let optional = if !field.required {
            quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")])
        } else if field.nullable {
            // Required but nullable: `null` and a missing member both read as `None`.
            quote!(#[serde(default)])
        } else {
            TokenStream::new()
        };
        let deprecated = deprecated_attr(field.deprecated);
        let field_name = ident(&field.name);
        let ty = field_type(field, Scope::Types);
        quote! {
            #docs
            #deprecated
            #rename
            #optional
            pub #field_name: #ty,
        }
    });
    quote! {
        #docs
        #deprecated
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #additional
        }
    }
}

/// Whether `Default` can be derived: every field is optional or of a type with an obvious empty value.
fn defaultable(fields: &[Field]) -> bool {
    fields.iter().all(|f| {
        f.is_optional()
            || matches!(
                f.ty,
                TypeRef::Bool
                    | TypeRef::I32
                    | TypeRef::I64
                    | TypeRef::F32
                    | TypeRef::F64
                    | TypeRef::String
                    | TypeRef::Json
                    | TypeRef::JsonObject
                    | TypeRef::Vec(_)
                    | TypeRef::Map(_)
                    | TypeRef::Option(_)
            )
    })
}

fn emit_params(params: &Params, group: &Group, op: &Operation) -> TokenStream {
    let body_fields = op.body == Body::JsonFields;
    let name = ident(&params.name);
    let fields = &params.fields;
    let summary = format!(
        " Parameters of [`{}::{}`](crate::{}::{}::{}) (`{}`).",
        group.handle,
        crate::naming::bare(&op.method_name),
        crate::naming::bare(&group.module),
        group.handle,
        crate::naming::bare(&op.method_name),
        op.id
    );
    let where_line =
        " Path, query and body fields together; the client puts each where it belongs on the wire.";
    let rules = alternatives_docs(&params.alternatives)
        .into_iter()
        .map(|line| {
            let line = format!(" {line} The call checks it before sending.");
            quote!(#[doc = ""] #[doc = #line])
        });
    let additional = additional_field(params.additional.as_ref(), "body");
    let mut derives = vec![quote!(Debug), quote!(Clone), quote!(PartialEq)];
    if defaultable(fields) {
        derives.push(quote!(Default));
    }
    if body_fields {
        derives.push(quote!(::serde::Serialize));
    }
    let fields = fields.iter().map(|field| {
        let where_ = match field.location {
            Location::Path => "path parameter",
            Location::Query => "query parameter",
            Location::Header => "header parameter",
            Location::Body if op.body == Body::Multipart && field.ty == TypeRef::File => {
                "file part of the multipart body"
            }
            Location::Body if op.body == Body::Multipart => "field of the multipart body",
            Location::Body | Location::Member => "body member",
        };
        let mut docs = field.docs.clone();
        if docs.lines.is_empty() {
            docs.lines
                .push(format!("The `{}` {where_}.", field.api_name));
        } else {
            docs.lines.push(String::new());
            docs.lines
                .push(format!("Sent as the `{}` {where_}.", field.api_name));
        }
        let null = sends_null(op, field);
        if null {
            docs.lines.push(String::new());
            docs.lines
                .push("`None` leaves the member out; `Some(None)` sends it as `null`.".to_owned());
        }
        let docs = doc_attrs(&docs);
        let serde = if !body_fields {
            TokenStream::new()
        } else if field.location != Location::Body {
            quote!(#[serde(skip)])
        } else {
            let rename = serde_rename(field);
            let skip = if field.required {
                TokenStream::new()
            } else {
                quote!(#[serde(skip_serializing_if = "::std::option::Option::is_none")])
            };
            quote!(#rename #skip)
        };
        let deprecated = deprecated_attr(field.deprecated);
        let field_name = ident(&field.name);
        let ty = field_type(field, Scope::Types);
        let ty = if null {
            quote!(::std::option::Option<#ty>)
        } else {
            ty
        };
        quote! {
            #docs
            #deprecated
            #serde
            pub #field_name: #ty,
        }
    });
    quote! {
        #[doc = #summary]
        #[doc = ""]
        #[doc = #where_line]
        #(#rules)*
        #[derive(#(#derives),*)]
        pub struct #name {
            #(#fields)*
            #additional
        }
    }
}

fn emit_enum(def: &TypeDef, variants: &[Variant]) -> TokenStream {
    let name = ident(&def.name);
    let docs = docs_or(&def.docs, format!("The values of `{}`.", def.name));
    let deprecated = deprecated_attr(def.deprecated);
    let decls = variants.iter().map(|v| {
        let variant = ident(&v.name);
        let doc = format!(" `{}`", v.api_name);
        quote!(#[doc = #doc] #variant,)
    });
    let to_str = variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = &v.api_name;
        quote!(#name::#variant => #value,)
    });
    let from_str = variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = &v.api_name;
        quote!(#value => #name::#variant,)
    });
    quote! {
        #docs
        #deprecated
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#decls)*
            /// A value this version of the crate does not know, kept as sent.
            Unknown(::std::string::String),
        }
        impl #name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    #name::Unknown(value) => value,
                }
            }
        }
        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => #name::Unknown(::std::borrow::ToOwned::to_owned(other)),
                }
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl crate::runtime::StringEnum for #name {
            fn as_str(&self) -> &str {
                #name::as_str(self)
            }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(#name::from(&*value))
            }
        }
    }
}

/// A `oneOf`/`anyOf` enum. Its serde impls go through `serde_json::Value`: the value is read once,
/// then the variant is picked by the discriminator, or by trying the variants in order. Small
/// runtime helpers do the work, so each enum adds one short `match` rather than serde's untagged
/// machinery, and a value no variant fits is kept in `Unknown` instead of failing the call.
///
/// Variants hold API objects of very different sizes as they are: boxing the large ones to please
/// clippy's `large_enum_variant` would make every match on an answer clumsier to save a few
/// hundred bytes, so that lint is allowed on these enums.
fn emit_union(
    def: &TypeDef,
    variants: &[UnionVariant],
    discriminator: Option<&str>,
) -> TokenStream {
    let name = ident(&def.name);
    let mut docs = if def.docs.lines.is_empty() {
        Docs {
            lines: vec![format!(
                "One of: {}.",
                variants
                    .iter()
                    .map(|v| format!("`{}`", crate::naming::bare(&v.name)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
        }
    } else {
        def.docs.clone()
    };
    docs.lines.push(String::new());
    docs.lines.push(match discriminator {
        Some(property) => format!(
            "The variant is chosen by the value of `{property}`; an object with a value this version does not know is kept in `Unknown`."
        ),
        None => "The variant is the first, in the order below, that the value fits; a value that fits none is kept in `Unknown`.".to_owned(),
    });
    let docs = doc_attrs(&docs);
    let deprecated = deprecated_attr(def.deprecated);
    let decls = variants.iter().map(|v| {
        let variant = ident(&v.name);
        let ty = type_tokens(&v.ty, Scope::Types);
        let doc = match discriminator {
            Some(property) => {
                let tags: Vec<String> = v.tags.iter().map(|t| format!("`{t}`")).collect();
                format!(" Chosen when `{property}` is {}.", tags.join(" or "))
            }
            None => format!(" The `{}` shape.", crate::naming::bare(&v.name)),
        };
        quote!(#[doc = #doc] #variant(#ty),)
    });
    let (serialize_arms, deserialize_body) = match discriminator {
        Some(property) => {
            let serialize = variants.iter().map(|v| {
                let variant = ident(&v.name);
                let tag = v.tags.first().map(String::as_str).unwrap_or_default();
                quote!(#name::#variant(value) => crate::runtime::serialize_tagged(value, #property, #tag, serializer),)
            });
            let arms = variants.iter().map(|v| {
                let variant = ident(&v.name);
                let tags = &v.tags;
                quote!(::std::option::Option::Some(#(#tags)|*) => crate::runtime::decode(value).map(#name::#variant),)
            });
            let body = quote! {
                match crate::runtime::tag(&value, #property).as_deref() {
                    #(#arms)*
                    _ => ::std::result::Result::Ok(#name::Unknown(value)),
                }
            };
            (quote!(#(#serialize)*), body)
        }
        None => {
            let serialize = variants.iter().map(|v| {
                let variant = ident(&v.name);
                quote!(#name::#variant(value) => ::serde::Serialize::serialize(value, serializer),)
            });
            let tries = variants.iter().map(|v| {
                let variant = ident(&v.name);
                quote! {
                    if let ::std::option::Option::Some(decoded) = crate::runtime::try_decode(&value) {
                        return ::std::result::Result::Ok(#name::#variant(decoded));
                    }
                }
            });
            let body = quote! {
                #(#tries)*
                ::std::result::Result::Ok(#name::Unknown(value))
            };
            (quote!(#(#serialize)*), body)
        }
    };
    quote! {
        #docs
        #deprecated
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum #name {
            #(#decls)*
            /// A value this version of the crate does not know, kept as sent.
            Unknown(::serde_json::Value),
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #serialize_arms
                    #name::Unknown(value) => ::serde::Serialize::serialize(value, serializer),
                }
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                #deserialize_body
            }
        }
    }
}

// ----- operations --------------------------------------------------------------------------------

fn emit_group(group: &Group) -> TokenStream {
    let handle = ident(&group.handle);
    let module_doc = format!(
        " The `{}` operations, reached through `Client::{}`.",
        group.api_name,
        crate::naming::bare(&group.module)
    );
    let docs = docs_or(&group.docs, format!("The `{}` operations.", group.api_name));
    let methods = group.operations.iter().map(|op| {
        let method = emit_operation(op);
        let walker = op.pagination.as_ref().map(|p| emit_walker(op, p));
        quote!(#method #walker)
    });
    quote! {
        #![doc = #module_doc]
        #docs
        #[derive(Debug, Clone)]
        pub struct #handle<'a> {
            inner: crate::runtime::Handle<'a>,
        }
        impl<'a> #handle<'a> {
            pub(crate) fn new(client: &'a crate::Client) -> Self {
                Self { inner: crate::runtime::Handle::new(client) }
            }
            /// Applies per-call options (timeout, retries, extra headers) to calls made through this handle.
            pub fn with_options(self, options: crate::RequestOptions) -> Self {
                Self { inner: self.inner.with_options(options) }
            }
            #(#methods)*
        }
    }
}

fn method_tokens(method: HttpMethod) -> TokenStream {
    match method {
        HttpMethod::Get => quote!(GET),
        HttpMethod::Put => quote!(PUT),
        HttpMethod::Post => quote!(POST),
        HttpMethod::Delete => quote!(DELETE),
        HttpMethod::Options => quote!(OPTIONS),
        HttpMethod::Head => quote!(HEAD),
        HttpMethod::Patch => quote!(PATCH),
        HttpMethod::Trace => quote!(TRACE),
    }
}

fn emit_operation(op: &Operation) -> TokenStream {
    let method_name = ident(&op.method_name);
    let mut docs = op.docs.clone();
    if docs.lines.is_empty() {
        docs.lines.push(format!("Calls `{}`.", op.id));
    }
    docs.lines.push(String::new());
    let path_text: String = op
        .path
        .iter()
        .map(|p| match p {
            PathPart::Literal(text) => text.clone(),
            PathPart::Param { api_name, .. } => format!("{{{api_name}}}"),
        })
        .collect();
    docs.lines.push(format!(
        "`{} {path_text}` (operation `{}`).",
        op.method.key().to_ascii_uppercase(),
        op.id
    ));
    let docs = doc_attrs(&docs);
    let deprecated = deprecated_attr(op.deprecated);
    let http_method = method_tokens(op.method);
    let id = &op.id;
    let params_arg = match &op.params {
        Some(params) => {
            let name = ident(&params.name);
            quote!(params: crate::types::#name)
        }
        None => TokenStream::new(),
    };
    let path = op.path.iter().map(|part| match part {
        PathPart::Literal(text) => quote!(req.path(#text);),
        PathPart::Param { api_name, field } => {
            let field = ident(field);
            quote!(req.path_param(#api_name, &params.#field)?;)
        }
    });
    let query = op.query_fields().map(|field| {
        let name = &field.api_name;
        let access = ident(&field.name);
        if field.explode {
            quote!(req.query(#name, &params.#access);)
        } else {
            quote!(req.query_csv(#name, &params.#access);)
        }
    });
    let headers = op.header_fields().map(|field| {
        let name = &field.api_name;
        let access = ident(&field.name);
        quote!(req.header(#name, &params.#access)?;)
    });
    let checks = op
        .checked_fields()
        .map(|field| emit_checks(field, sends_null(op, field)));
    let rules = op
        .params
        .iter()
        .flat_map(|p| p.alternatives.iter().map(move |a| emit_rule(p, a)));
    let body = match &op.body {
        Body::None => TokenStream::new(),
        Body::JsonFields => quote!(req.json(&params)?;),
        Body::JsonField(field) => {
            let field = ident(field);
            quote!(req.json(&params.#field)?;)
        }
        Body::Multipart => {
            // Files are moved into the request rather than copied; text fields are borrowed.
            let parts = op.body_fields().map(|field| {
                let name = &field.api_name;
                let access = ident(&field.name);
                if field.ty == TypeRef::File {
                    quote!(req.multipart_file(#name, params.#access)?;)
                } else {
                    quote!(req.multipart_text(#name, &params.#access);)
                }
            });
            quote! {
                req.multipart();
                #(#parts)*
            }
        }
    };
    let auth = if op.auth {
        TokenStream::new()
    } else {
        quote!(req.no_auth();)
    };
    let (output, send) = match &op.response {
        Response::Json(ty) => (type_tokens(ty, Scope::Outside), quote!(send_json)),
        Response::Text => (quote!(::std::string::String), quote!(send_text)),
        Response::Empty => (quote!(()), quote!(send_empty)),
    };
    quote! {
        #docs
        #deprecated
        pub async fn #method_name(&self, #params_arg) -> crate::Result<#output> {
            #(#checks)*
            #(#rules)*
            let mut req = crate::runtime::Request::new(crate::runtime::Method::#http_method, #id);
            #(#path)*
            #(#query)*
            #(#headers)*
            #body
            #auth
            self.inner.#send(req).await
        }
    }
}

/// The check of a `oneOf`/`anyOf` rule on which optional body members are present.
fn emit_rule(params: &Params, rule: &Alternatives) -> TokenStream {
    let labels = rule.sets.iter().map(|set| {
        set.iter()
            .map(|f| f.api_name.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    });
    let satisfied = rule.sets.iter().map(|set| {
        let present: Vec<TokenStream> = set
            .iter()
            .filter(|f| {
                params
                    .fields
                    .iter()
                    .any(|field| field.name == f.name && field.is_optional())
            })
            .map(|f| {
                let access = ident(&f.name);
                quote!(params.#access.is_some())
            })
            .collect();
        if present.is_empty() {
            quote!(true)
        } else {
            quote!(#(#present)&&*)
        }
    });
    let exactly_one = rule.exactly_one;
    quote! {
        crate::runtime::check_alternatives(&[#(#labels),*], &[#(#satisfied),*], #exactly_one)?;
    }
}

/// Whether a parameter struct's field is an optional, nullable member of a JSON body, which the
/// caller may leave out, set, or send as `null` (to clear a value): it is then an
/// `Option<Option<T>>`. Only members of the body itself: a nested object is a schema type shared
/// with answers, where `null` and absent read the same.
fn sends_null(op: &Operation, field: &Field) -> bool {
    op.body == Body::JsonFields
        && field.location == Location::Body
        && !field.required
        && field.nullable
}

/// Client-side checks of one field's constraints, run before anything is sent.
fn emit_checks(field: &Field, null: bool) -> TokenStream {
    let c = &field.constraints;
    let name = &field.api_name;
    let access = ident(&field.name);
    let value = quote!(value);
    let mut checks = Vec::new();
    let opt_i64 = |bound: Option<(f64, bool)>| match bound {
        Some((v, _)) => {
            let v = Literal::i64_unsuffixed(v as i64);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    };
    let opt_f64 = |bound: Option<(f64, bool)>| match bound {
        Some((v, _)) => {
            let v = Literal::f64_suffixed(v);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    };
    let opt_usize = |bound: Option<usize>| match bound {
        Some(v) => {
            let v = Literal::usize_unsuffixed(v);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    };
    let excl_min = c.minimum.is_some_and(|(_, e)| e);
    let excl_max = c.maximum.is_some_and(|(_, e)| e);
    match &field.ty {
        TypeRef::I32 | TypeRef::I64 if c.minimum.is_some() || c.maximum.is_some() => {
            let (min, max) = (opt_i64(c.minimum), opt_i64(c.maximum));
            let number = if field.ty == TypeRef::I64 {
                quote!(*#value)
            } else {
                quote!(i64::from(*#value))
            };
            checks.push(quote!(crate::runtime::check_int(#name, #number, #min, #max, #excl_min, #excl_max)?;));
        }
        TypeRef::F32 | TypeRef::F64 if c.minimum.is_some() || c.maximum.is_some() => {
            let (min, max) = (opt_f64(c.minimum), opt_f64(c.maximum));
            let number = if field.ty == TypeRef::F64 {
                quote!(*#value)
            } else {
                quote!(f64::from(*#value))
            };
            checks.push(quote!(crate::runtime::check_number(#name, #number, #min, #max, #excl_min, #excl_max)?;));
        }
        TypeRef::String | TypeRef::Secret => {
            // Secret checks take the `Secret` itself, so that no error can print its value.
            let text = if field.ty == TypeRef::Secret {
                quote!(#value)
            } else {
                quote!(#value.as_str())
            };
            if c.min_length.is_some() || c.max_length.is_some() {
                let (min, max) = (opt_usize(c.min_length), opt_usize(c.max_length));
                let check = if field.ty == TypeRef::Secret {
                    quote!(check_len_secret)
                } else {
                    quote!(check_len)
                };
                checks.push(quote!(crate::runtime::#check(#name, #text, #min, #max)?;));
            }
            if let Some(pattern) = &c.pattern {
                let check = if field.ty == TypeRef::Secret {
                    quote!(check_pattern_secret)
                } else {
                    quote!(check_pattern)
                };
                checks.push(quote!(crate::runtime::#check(#name, #text, #pattern)?;));
            }
        }
        TypeRef::Vec(_) if c.min_items.is_some() || c.max_items.is_some() => {
            let (min, max) = (opt_usize(c.min_items), opt_usize(c.max_items));
            checks.push(quote!(crate::runtime::check_items(#name, #value.len(), #min, #max)?;));
        }
        _ => {}
    }
    if checks.is_empty() {
        return TokenStream::new();
    }
    if null {
        // `null` has no constraint to meet.
        quote! {
            if let ::std::option::Option::Some(::std::option::Option::Some(#value)) = &params.#access {
                #(#checks)*
            }
        }
    } else if field.is_optional() {
        quote! {
            if let ::std::option::Option::Some(#value) = &params.#access {
                #(#checks)*
            }
        }
    } else {
        quote! {
            {
                let #value = &params.#access;
                #(#checks)*
            }
        }
    }
}

/// The page size a walker uses unless the caller sets `limit`: the API's maximum, or this when the
/// document states none.
const DEFAULT_PAGE_SIZE: i64 = 100;

/// A method that walks every page of a `limit`/`offset` list operation as a `Stream` of items.
fn emit_walker(op: &Operation, pagination: &Pagination) -> TokenStream {
    let Some(params) = &op.params else {
        return TokenStream::new();
    };
    let list = ident(&op.method_name);
    let walker = ident(&pagination.method_name);
    let params_type = ident(&params.name);
    let item = type_tokens(&pagination.item, Scope::Outside);
    let max = pagination.max_page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let widen = |field: &PageField, value: TokenStream| {
        if field.is_i32 {
            quote!(i64::from(#value))
        } else {
            value
        }
    };
    let narrow = |field: &PageField, value: TokenStream| {
        if field.is_i32 {
            quote!(i32::try_from(#value).unwrap_or(i32::MAX))
        } else {
            value
        }
    };
    let limit = ident(&pagination.limit.name);
    let offset = ident(&pagination.offset.name);
    let data = ident(&pagination.data);
    let total = ident(&pagination.total_count.name);
    let max_literal = Literal::i64_unsuffixed(max);
    let page_size = match pagination.limit.is_i32 {
        true => quote!(params.#limit.map(i64::from).unwrap_or(#max_literal)),
        false => quote!(params.#limit.unwrap_or(#max_literal)),
    };
    let start = match pagination.offset.is_i32 {
        true => quote!(params.#offset.map(i64::from).unwrap_or(0)),
        false => quote!(params.#offset.unwrap_or(0)),
    };
    let set_limit = narrow(&pagination.limit, quote!(limit));
    let set_offset = narrow(&pagination.offset, quote!(offset));
    let total_count = widen(&pagination.total_count, quote!(page.#total));
    let doc_main = format!(
        " Walks every page of [`Self::{}`], yielding the items one by one.",
        crate::naming::bare(&op.method_name)
    );
    let doc_size = format!(
        " Pages hold `params.{}` items (by default {max}, the most the API accepts in one page); the walk starts at `params.{}` (by default 0) and follows `total_count`. The stream ends after the first error it yields.",
        crate::naming::bare(&pagination.limit.name),
        crate::naming::bare(&pagination.offset.name),
    );
    let deprecated = deprecated_attr(op.deprecated);
    quote! {
        #[doc = #doc_main]
        #[doc = ""]
        #[doc = #doc_size]
        #deprecated
        pub fn #walker(
            &self,
            params: crate::types::#params_type,
        ) -> impl ::futures_core::Stream<Item = crate::Result<#item>> + Send + use<'a> {
            let handle = self.clone();
            let page_size = #page_size;
            let start = #start;
            crate::runtime::paginate(page_size, start, move |limit, offset| {
                let handle = handle.clone();
                let mut params = params.clone();
                params.#limit = ::std::option::Option::Some(#set_limit);
                params.#offset = ::std::option::Option::Some(#set_offset);
                async move {
                    let page = handle.#list(params).await?;
                    ::std::result::Result::Ok((page.#data, #total_count))
                }
            })
        }
    }
}
