//! Group handles and their operation methods: what each call sends and what it returns.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Body, FormStyle, Group, HttpMethod, Operation, PathPart, Response, TypeRef};

use super::{doc_attrs, ident};

use super::checks::{emit_checks, emit_rule, sends_null};
use super::pagination::emit_walker;
use super::types::{TypePath, deprecated_attr, type_tokens};

pub(super) fn emit_group(group: &Group) -> TokenStream {
    let handle = ident(&group.handle);
    let module_doc = format!(
        " The `{}` operations, reached through `Client::{}`.",
        group.api_name,
        crate::naming::bare(&group.module)
    );
    let docs = doc_attrs(&group.docs);
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

/// The start of the request: `Request::post("CreateMachine", "/machines")` for the five methods the
/// runtime has a constructor for, `Request::new(Method::HEAD, ..)` for the rest.
fn request_tokens(method: HttpMethod, id: &str, template: &str) -> TokenStream {
    let constructor = match method {
        HttpMethod::Get => quote!(get),
        HttpMethod::Put => quote!(put),
        HttpMethod::Post => quote!(post),
        HttpMethod::Delete => quote!(delete),
        HttpMethod::Patch => quote!(patch),
        HttpMethod::Options => {
            return quote!(crate::runtime::Request::new(crate::runtime::Method::OPTIONS, #id, #template));
        }
        HttpMethod::Head => {
            return quote!(crate::runtime::Request::new(crate::runtime::Method::HEAD, #id, #template));
        }
        HttpMethod::Trace => {
            return quote!(crate::runtime::Request::new(crate::runtime::Method::TRACE, #id, #template));
        }
    };
    quote!(crate::runtime::Request::#constructor(#id, #template))
}

pub(super) fn emit_operation(op: &Operation) -> TokenStream {
    let method_name = ident(&op.method_name);
    let mut docs = op.docs.clone();
    if !docs.lines.is_empty() {
        docs.lines.push(String::new());
    }
    let path_text = op.path_template();
    docs.lines.push(format!(
        "`{} {path_text}` (operation `{}`).",
        op.method.key().to_ascii_uppercase(),
        op.id
    ));
    let docs = doc_attrs(&docs);
    let deprecated = deprecated_attr(op.deprecated);
    let request = request_tokens(op.method, &op.id, &path_text);
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
        match field.joined {
            None => quote!(req.query(#name, &params.#access);),
            Some(',') => quote!(req.query_csv(#name, &params.#access);),
            Some(separator) => {
                let separator = separator.to_string();
                quote!(req.query_joined(#name, &params.#access, #separator);)
            }
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
        Body::Form(encodings) => {
            let encodings = encodings.iter().map(|e| {
                let name = &e.api_name;
                let style = match e.style {
                    FormStyle::Form => quote!(Form),
                    FormStyle::FormJoined => quote!(FormJoined),
                    FormStyle::SpaceDelimited => quote!(SpaceDelimited),
                    FormStyle::PipeDelimited => quote!(PipeDelimited),
                    FormStyle::DeepObject => quote!(DeepObject),
                };
                quote!((#name, crate::runtime::FormStyle::#style))
            });
            // An empty form has no parameter struct: `()` encodes as no pairs.
            let params = if op.params.is_some() {
                quote!(&params)
            } else {
                quote!(&())
            };
            quote!(req.form(#params, &[#(#encodings),*])?;)
        }
        Body::Bytes { field, media_type } => {
            let field = ident(field);
            quote!(req.bytes(params.#field, #media_type);)
        }
    };
    let auth = super::security::emit_operation_security(op.security.as_ref());
    let (output, send) = match &op.response {
        Response::Json(ty) => (type_tokens(ty, TypePath::Crate), quote!(send_json)),
        Response::Text => (quote!(::std::string::String), quote!(send_text)),
        Response::Empty => (quote!(()), quote!(send_empty)),
    };
    quote! {
        #docs
        #deprecated
        pub async fn #method_name(&self, #params_arg) -> crate::Result<#output> {
            #(#checks)*
            #(#rules)*
            let mut req = #request;
            #(#path)*
            #(#query)*
            #(#headers)*
            #body
            #auth
            self.inner.#send(req).await
        }
    }
}
