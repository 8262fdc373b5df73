//! Type references and the definitions in `types.rs`: structs and their serde attributes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{
    Additional, Alternatives, Api, Docs, Field, Group, Operation, RuntimeType, TypeDef, TypeKind,
    TypeRef,
};

use super::{Piece, doc_attrs, docs_or, ident};

use super::enums::{emit_enum, emit_union};

/// Where a type is written from: inside `types` it is named directly, elsewhere through the module.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Types,
    Outside,
}

pub(super) fn type_tokens(ty: &TypeRef, scope: Scope) -> TokenStream {
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
        TypeRef::Bytes => quote!(::std::vec::Vec<u8>),
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

pub(super) fn field_type(field: &Field, scope: Scope) -> TokenStream {
    let ty = type_tokens(&field.ty, scope);
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

/// Docs from the document (or the fallback), then the rules on which members are present.
pub(super) fn docs_with_rules(
    docs: &Docs,
    fallback: String,
    alternatives: &[Alternatives],
) -> TokenStream {
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
pub(super) fn additional_field(additional: Option<&Additional>, what: &str) -> TokenStream {
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

pub(super) fn emit_struct(
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
pub(super) fn defaultable(fields: &[Field]) -> bool {
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
