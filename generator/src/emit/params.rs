//! Parameter structs: one per operation, holding its path, query, header and body fields.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Body, Group, Location, Operation, Params};

use super::{doc_attrs, ident};

use super::checks::sends_null;
use super::types::{
    TypePath, additional_field, alternatives_docs, defaultable, deprecated_attr, field_type,
    member, serde_rename,
};

pub(super) fn emit_params(params: &Params, group: &Group, op: &Operation) -> TokenStream {
    let body_fields = matches!(op.body, Body::JsonFields | Body::Form(_));
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
    let rules = alternatives_docs(&params.alternatives)
        .into_iter()
        .map(|line| {
            let line = format!(" {line} The call checks it before sending.");
            quote!(#[doc = ""] #[doc = #line])
        });
    let mut derives = vec![quote!(Debug), quote!(Clone), quote!(PartialEq)];
    if defaultable(fields) {
        derives.push(quote!(Default));
    }
    // The body members of a JSON body are serialized by the runtime's macro, which knows no
    // flattened map: a body with further members keeps serde's derive.
    let flattened = body_fields && params.additional.is_some();
    if flattened {
        derives.push(quote!(::serde::Serialize));
    }
    let decls = fields.iter().map(|field| {
        let docs = doc_attrs(&field.docs);
        let serde = if !flattened {
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
        let ty = field_type(field, TypePath::Bare);
        // An optional, nullable body member is `Option<Option<T>>`: `None` leaves it out,
        // `Some(None)` sends `null` (the crate docs say so once for all).
        let ty = if sends_null(op, field) {
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
    let additional = if flattened {
        additional_field(params.additional.as_ref(), "body")
    } else {
        TokenStream::new()
    };
    let serialize = if body_fields && !flattened {
        let members = fields
            .iter()
            .filter(|field| field.location == Location::Body)
            .map(|field| {
                let mode = if field.required {
                    TokenStream::new()
                } else {
                    quote!(: optional)
                };
                member(field, mode)
            });
        quote!(crate::runtime::json_body!(#name { #(#members),* });)
    } else {
        TokenStream::new()
    };
    quote! {
        #[doc = #summary]
        #(#rules)*
        #[derive(#(#derives),*)]
        pub struct #name {
            #(#decls)*
            #additional
        }
        #serialize
    }
}
