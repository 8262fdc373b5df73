//! The test double (`generated/testing.rs`, compiled with the client's `test-util` feature):
//! `MockClerk`, one expectation accessor per group and one method per operation, each a few lines
//! over the generic runtime in `runtime/mock`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{
    Api, Body, Field, FormEncoding, FormStyle, Group, Location, Operation, Params, Response,
    TypeKind, TypeRef,
};

use super::checks::sends_null;
use super::ident;
use super::types::{TypePath, type_tokens};

/// The methods `MockClerk` has of its own (through `MockServer`): a group named like one of them
/// gets its accessor under another name, so that it does not hide the method.
const OWN_METHODS: &[&str] = &[
    "calls",
    "client",
    "client_builder",
    "start",
    "uri",
    "verify",
];

/// The accessor of `group` on `MockClerk`: the client's accessor name, or `<name>_group` when
/// that is one of `MockClerk`'s own methods.
pub fn accessor(group: &Group) -> String {
    let bare = crate::naming::bare(&group.module);
    if OWN_METHODS.contains(&bare) {
        format!("{bare}_group")
    } else {
        group.module.clone()
    }
}

pub(super) fn emit_testing(api: &Api) -> TokenStream {
    let operations = api.groups.iter().flat_map(|g| &g.operations).map(|op| {
        let method = op.method.key().to_ascii_uppercase();
        let template = op.path_template();
        let id = &op.id;
        quote!((#method, #template, #id),)
    });
    let accessors = api.groups.iter().map(|group| {
        let name = ident(&accessor(group));
        let mock = format_ident!("{}Mock", group.handle);
        let doc = if accessor(group) == group.module {
            format!(" Expectations of the `{}` operations.", group.api_name)
        } else {
            format!(
                " Expectations of the `{}` operations, under this name since `MockClerk::{}` is another method.",
                group.api_name,
                crate::naming::bare(&group.module)
            )
        };
        quote! {
            #[doc = #doc]
            pub fn #name(&self) -> #mock<'_> {
                #mock(&self.0)
            }
        }
    });
    let groups = api.groups.iter().map(|group| emit_group(api, group));
    quote! {
        #![doc = " A typed test double of the API: `MockClerk` serves on loopback and answers each operation as told."]
        pub use crate::runtime::mock::{Call, Expect, MOCK_SECRET_KEY, MockServer, Part};
        /// A test double of the API on loopback, reached through the real client (`client()`).
        /// Set answers with `mock.<group>().<method>()`; calls, counts and `verify` come from
        /// [`MockServer`].
        pub struct MockClerk(MockServer);
        impl ::std::ops::Deref for MockClerk {
            type Target = MockServer;
            fn deref(&self) -> &MockServer {
                &self.0
            }
        }
        impl MockClerk {
            /// Starts serving on a free loopback port, on the current Tokio runtime.
            pub async fn start() -> Self {
                Self(MockServer::start(&[#(#operations)*]).await)
            }
            #(#accessors)*
        }
        #(#groups)*
    }
}

fn emit_group(api: &Api, group: &Group) -> TokenStream {
    let mock = format_ident!("{}Mock", group.handle);
    let doc = format!(" Expectations of the `{}` operations.", group.api_name);
    let methods = group
        .operations
        .iter()
        .map(|op| emit_expectation(api, group, op));
    quote! {
        #[doc = #doc]
        pub struct #mock<'a>(&'a MockServer);
        impl #mock<'_> {
            #(#methods)*
        }
    }
}

fn emit_expectation(api: &Api, group: &Group, op: &Operation) -> TokenStream {
    let method = ident(&op.method_name);
    let doc = format!(
        " Expects calls of `{}::{}` (`{}`).",
        group.handle,
        crate::naming::bare(&op.method_name),
        op.id
    );
    let id = &op.id;
    let (output, answer) = match &op.response {
        Response::Json(ty) => (type_tokens(ty, TypePath::Crate), quote!(json)),
        Response::Text => (quote!(::std::string::String), quote!(text)),
        Response::Empty => (quote!(()), quote!(empty)),
    };
    let (params, decode) = match &op.params {
        Some(params) => {
            let name = ident(&params.name);
            let fields = params.fields.iter().map(|field| {
                let access = ident(&field.name);
                let name = &field.api_name;
                let read = match field.location {
                    Location::Path => quote!(c.path_param(#name)),
                    Location::Query => match field.joined {
                        None => quote!(c.query_param(#name)),
                        Some(',') => quote!(c.query_csv(#name)),
                        Some(separator) => {
                            let separator = separator.to_string();
                            quote!(c.query_joined(#name, #separator))
                        }
                    },
                    Location::Header => quote!(c.header(#name)),
                    _ => match &op.body {
                        Body::JsonField(_) => quote!(c.body()),
                        Body::Multipart if field.ty == TypeRef::File => quote!(c.file(#name)),
                        Body::Multipart => quote!(c.part(#name)),
                        Body::Form(encodings) => form_read(api, params, encodings, field),
                        Body::Bytes { .. } => quote!(c.raw()),
                        _ if sends_null(op, field) => quote!(c.body_nullable(#name)),
                        _ => quote!(c.body_member(#name)),
                    },
                };
                quote!(#access: #read?,)
            });
            let rest = params.additional.as_ref().map(|additional| {
                let access = ident(&additional.name);
                let named = params
                    .fields
                    .iter()
                    .filter(|f| f.location == Location::Body)
                    .map(|f| &f.api_name);
                quote!(#access: c.body_rest(&[#(#named),*])?,)
            });
            (
                quote!(crate::types::#name),
                quote!(|c| Ok(crate::types::#name { #(#fields)* #rest })),
            )
        }
        None => (quote!(()), quote!(|_| Ok(()))),
    };
    quote! {
        #[doc = #doc]
        pub fn #method(&self) -> Expect<#params, #output> {
            Expect::new(self.0, #id, crate::runtime::mock::Answer::#answer, #decode)
        }
    }
}

/// How the test double reads a form member back, as the runtime's `Request::form` spells it: a
/// scalar or a list by its own pairs (joined into one value for the joined styles), an object by
/// the pairs its style gives it.
fn form_read(api: &Api, params: &Params, encodings: &[FormEncoding], field: &Field) -> TokenStream {
    let name = &field.api_name;
    let style = encodings
        .iter()
        .find(|e| &e.api_name == name)
        .map_or(FormStyle::Form, |e| e.style);
    let object = is_object(api, &field.ty);
    match style {
        FormStyle::Form if object => {
            let others = params
                .fields
                .iter()
                .filter(|f| f.location == Location::Body && f.api_name != *name);
            let others = others.map(|f| &f.api_name);
            quote!(c.form_spread(#name, &[#(#others),*]))
        }
        FormStyle::DeepObject if object => quote!(c.form_deep(#name)),
        _ if object => quote!(c.form_object(#name)),
        FormStyle::Form | FormStyle::DeepObject => quote!(c.form_field(#name)),
        FormStyle::FormJoined => quote!(c.form_joined(#name, ",")),
        FormStyle::SpaceDelimited => quote!(c.form_joined(#name, " ")),
        FormStyle::PipeDelimited => quote!(c.form_joined(#name, "|")),
    }
}

/// Whether a form member of type `ty` is an object (sent as several pairs or as `key,value`
/// text), rather than a scalar or a list.
fn is_object(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::JsonObject | TypeRef::Map(_) => true,
        TypeRef::Boxed(inner) | TypeRef::Option(inner) => is_object(api, inner),
        TypeRef::Named(name) => api
            .types
            .iter()
            .find(|t| &t.name == name)
            .is_some_and(|t| matches!(t.kind, TypeKind::Struct { .. })),
        _ => false,
    }
}
