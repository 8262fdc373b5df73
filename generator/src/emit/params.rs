//! Parameter structs: one per operation, holding its path, query, header and body fields.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Body, Group, Location, Operation, Params, TypeRef};

use super::{doc_attrs, ident};

use super::checks::sends_null;
use super::types::{
    Scope, additional_field, alternatives_docs, defaultable, deprecated_attr, field_type,
    serde_rename,
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
            Location::Body if matches!(op.body, Body::Form(_)) => "field of the form body",
            Location::Body if matches!(op.body, Body::Bytes { .. }) => "request body, as bytes",
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
