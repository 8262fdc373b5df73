//! String enums and `oneOf`/`anyOf` unions.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Docs, TypeDef, UnionVariant, Variant};

use super::{doc_attrs, ident};

use super::types::{TypePath, deprecated_attr, type_tokens};

/// A string enum: the variants the document lists, and `Unknown` for any other value, so that a
/// value added to the API later still reads. One runtime macro writes the impls (wire value both
/// ways, `Display`, serde), with the wire value of each variant next to it.
pub(super) fn emit_enum(def: &TypeDef, variants: &[Variant]) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc_attrs(&def.docs);
    let deprecated = deprecated_attr(def.deprecated);
    let decls = variants.iter().map(|v| ident(&v.name));
    let values = variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = &v.api_name;
        quote!(#variant = #value)
    });
    quote! {
        #docs
        #deprecated
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#decls,)*
            /// A value this version of the crate does not know, kept as sent.
            Unknown(::std::string::String),
        }
        crate::runtime::string_enum!(#name { #(#values),* });
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
pub(super) fn emit_union(
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
        let ty = type_tokens(&v.ty, TypePath::Bare);
        // Untagged variants are named after the type they hold, which says all a doc line could.
        let doc = discriminator.map(|property| {
            let tags: Vec<String> = v.tags.iter().map(|t| format!("`{t}`")).collect();
            let doc = format!(" Chosen when `{property}` is {}.", tags.join(" or "));
            quote!(#[doc = #doc])
        });
        quote!(#doc #variant(#ty),)
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
