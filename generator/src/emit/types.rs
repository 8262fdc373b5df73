//! Type references and the definitions in `types.rs`: structs and their serde attributes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{
    Additional, Alternatives, Api, Docs, Field, Group, Operation, RuntimeType, TypeDef, TypeKind,
    TypeRef,
};

use super::{Piece, doc_attrs, ident};

use super::enums::{emit_enum, emit_union};

/// How a generated type is named: bare inside the `types` module, through `crate::types` elsewhere.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TypePath {
    Bare,
    Crate,
}

pub(super) fn type_tokens(ty: &TypeRef, path: TypePath) -> TokenStream {
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
            match path {
                TypePath::Bare => quote!(#name),
                TypePath::Crate => quote!(crate::types::#name),
            }
        }
        TypeRef::Vec(item) => {
            let item = type_tokens(item, path);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = type_tokens(value, path);
            quote!(::std::collections::BTreeMap<::std::string::String, #value>)
        }
        TypeRef::Boxed(inner) => {
            let inner = type_tokens(inner, path);
            quote!(::std::boxed::Box<#inner>)
        }
        TypeRef::Option(inner) => {
            let inner = type_tokens(inner, path);
            quote!(::std::option::Option<#inner>)
        }
        TypeRef::File => quote!(crate::FilePart),
        TypeRef::Bytes => quote!(::std::vec::Vec<u8>),
        TypeRef::Runtime(RuntimeType::ClerkErrors) => quote!(crate::ClerkErrors),
        TypeRef::Runtime(RuntimeType::ClerkError) => quote!(crate::ClerkError),
    }
}

/// The Rust type of a schema as written from outside the `types` module, for tools that write code
/// using generated types (round-trip tests of the document's examples).
pub fn rust_type(ty: &TypeRef, nullable: bool) -> String {
    let ty = type_tokens(ty, TypePath::Crate);
    let ty = if nullable {
        quote!(::std::option::Option<#ty>)
    } else {
        ty
    };
    ty.to_string()
}

pub(super) fn field_type(field: &Field, path: TypePath) -> TokenStream {
    let ty = type_tokens(&field.ty, path);
    if field.is_optional() {
        quote!(::std::option::Option<#ty>)
    } else {
        ty
    }
}

pub(super) fn deprecated_attr(deprecated: bool) -> TokenStream {
    if deprecated {
        quote!(#[deprecated])
    } else {
        TokenStream::new()
    }
}

pub(super) fn emit_type(def: &TypeDef) -> TokenStream {
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
pub(super) fn types_pieces(api: &Api) -> Vec<Piece<'_>> {
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

pub(super) fn serde_rename(field: &Field) -> TokenStream {
    if crate::naming::bare(&field.name) == field.api_name {
        TokenStream::new()
    } else {
        let api_name = &field.api_name;
        quote!(#[serde(rename = #api_name)])
    }
}

/// Doc lines stating `oneOf`/`anyOf` rules on which members are present.
pub(super) fn alternatives_docs(alternatives: &[Alternatives]) -> Vec<String> {
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

/// Docs from the document, then the rules on which members are present.
pub(super) fn docs_with_rules(docs: &Docs, alternatives: &[Alternatives]) -> TokenStream {
    let mut docs = docs.clone();
    for line in alternatives_docs(alternatives) {
        if !docs.lines.is_empty() {
            docs.lines.push(String::new());
        }
        docs.lines.push(line);
    }
    doc_attrs(&docs)
}

/// The flattened map of members beyond a struct's named fields.
pub(super) fn additional_field(additional: Option<&Additional>, what: &str) -> TokenStream {
    let Some(additional) = additional else {
        return TokenStream::new();
    };
    let name = ident(&additional.name);
    let ty = type_tokens(&additional.ty, TypePath::Bare);
    let doc = format!(" Members of the {what} beyond the named ones, which the document allows.");
    quote! {
        #[doc = #doc]
        #[serde(flatten)]
        pub #name: ::std::collections::BTreeMap<::std::string::String, #ty>,
    }
}

pub(super) fn emit_struct(
    def: &TypeDef,
    fields: &[Field],
    additional: Option<&Additional>,
    alternatives: &[Alternatives],
) -> TokenStream {
    let name = ident(&def.name);
    let docs = docs_with_rules(&def.docs, alternatives);
    let deprecated = deprecated_attr(def.deprecated);
    if additional.is_some() {
        return emit_flattened_struct(def, fields, additional, docs);
    }
    let decls = fields.iter().map(|field| {
        let docs = doc_attrs(&field.docs);
        let deprecated = deprecated_attr(field.deprecated);
        let field_name = ident(&field.name);
        let ty = field_type(field, TypePath::Bare);
        quote! {
            #docs
            #deprecated
            pub #field_name: #ty,
        }
    });
    let members = fields.iter().map(|field| {
        let mode = if !field.required {
            quote!(: optional)
        } else if field.nullable {
            // Required but nullable: `null` and a missing member both read as `None`.
            quote!(: nullable)
        } else {
            TokenStream::new()
        };
        member(field, mode)
    });
    quote! {
        #docs
        #deprecated
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            #(#decls)*
        }
        crate::runtime::json_object!(#name { #(#members),* });
    }
}

/// One member in a call of the runtime's serde macros: the field, its wire name when that differs,
/// and how it is sent (`mode`: nothing, `: optional` or `: nullable`).
pub(super) fn member(field: &Field, mode: TokenStream) -> TokenStream {
    let field_name = ident(&field.name);
    // The macro takes an unnamed member's wire name from `stringify!`, which keeps the `r#` of a
    // raw identifier: `r#use` is given as `r#use = "use"`.
    let wire = if field.name == field.api_name {
        TokenStream::new()
    } else {
        let api_name = &field.api_name;
        quote!(= #api_name)
    };
    quote!(#field_name #wire #mode)
}

/// A struct with a flattened map of further members: the runtime's macros know no flattening, so
/// serde's derive writes these few.
fn emit_flattened_struct(
    def: &TypeDef,
    fields: &[Field],
    additional: Option<&Additional>,
    docs: TokenStream,
) -> TokenStream {
    let name = ident(&def.name);
    let additional = additional_field(additional, "object");
    let deprecated = deprecated_attr(def.deprecated);
    let fields = fields.iter().map(|field| {
        let docs = doc_attrs(&field.docs);
        let rename = serde_rename(field);
        let optional = if !field.required {
            quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")])
        } else if field.nullable {
            quote!(#[serde(default)])
        } else {
            TokenStream::new()
        };
        let deprecated = deprecated_attr(field.deprecated);
        let field_name = ident(&field.name);
        let ty = field_type(field, TypePath::Bare);
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

/// Whether `Default` is derived: only when every field is optional, so that `Default::default()`
/// is a valid value (a required id left empty would only fail when the call is made).
pub(super) fn defaultable(fields: &[Field]) -> bool {
    fields.iter().all(Field::is_optional)
}
