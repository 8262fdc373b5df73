//! String enums and `oneOf`/`anyOf` unions.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Docs, TypeDef, UnionVariant, Variant};

use super::{doc_attrs, docs_or, ident};

use super::types::{Scope, deprecated_attr, type_tokens};

pub(super) fn emit_enum(def: &TypeDef, variants: &[Variant]) -> TokenStream {
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
