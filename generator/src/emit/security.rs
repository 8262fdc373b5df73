//! Security and servers in `generated/mod.rs`: the schemes the client knows, the document's
//! alternatives, one client builder method per scheme, and what each operation requires.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, ApiKeyLocation, Docs, SchemeKind, Security, SecurityScheme};

use super::{doc_attrs, ident};

/// `&[&["a", "b"], &[]]`: alternatives of scheme names.
fn alternatives(security: &Security) -> TokenStream {
    let sets = security.iter().map(|set| quote!(&[#(#set),*]));
    quote!(&[#(#sets),*])
}

/// What an operation sends about security: nothing when it takes the document's alternatives,
/// `no_auth` when it takes no credentials, else its own alternatives.
pub(super) fn emit_operation_security(security: Option<&Security>) -> TokenStream {
    match security {
        None => TokenStream::new(),
        Some(security) if security.is_empty() => quote!(req.no_auth();),
        Some(security) => {
            let alternatives = alternatives(security);
            quote!(req.security(#alternatives);)
        }
    }
}

/// The constants the runtime reads (schemes, alternatives, server, version header) and the
/// client builder's credential methods. `mod.rs` imports no generated type, so the prelude's
/// `Option`, `String` and `Into` are the standard ones here.
pub(super) fn emit_root_security(api: &Api) -> TokenStream {
    let schemes = api.security_schemes.iter().map(|scheme| {
        let name = &scheme.api_name;
        match &scheme.kind {
            SchemeKind::Bearer => quote!(crate::runtime::SecurityScheme::bearer(#name)),
            SchemeKind::Basic => quote!(crate::runtime::SecurityScheme::basic(#name)),
            SchemeKind::ApiKey {
                location,
                name: key,
            } => {
                let kind = match location {
                    ApiKeyLocation::Header => quote!(header),
                    ApiKeyLocation::Query => quote!(query),
                    ApiKeyLocation::Cookie => quote!(cookie),
                };
                quote!(crate::runtime::SecurityScheme::#kind(#name, #key))
            }
        }
    });
    let security = alternatives(&api.security);
    let server_url = &api.server.url;
    let variables = api
        .server
        .variables
        .iter()
        .map(|(name, default)| quote!((#name, #default)));
    let version_header = if api.version_header {
        quote!(Some(API_VERSION))
    } else {
        quote!(None)
    };
    let methods = api.security_schemes.iter().map(emit_credential_method);
    quote! {
        /// The `Clerk-API-Version` header sent on every request, if the document's version is a dated one.
        pub const API_VERSION_HEADER: Option<&str> = #version_header;
        /// The server URL as the document declares it, `{name}` standing for each server variable.
        pub const SERVER_URL: &str = #server_url;
        /// The server variables and their defaults, set with `ClientBuilder::server_variable`.
        pub const SERVER_VARIABLES: &[(&str, &str)] = &[#(#variables),*];
        /// The security schemes the document declares.
        pub const SECURITY_SCHEMES: &[crate::runtime::SecurityScheme] = &[#(#schemes),*];
        /// The alternatives of schemes that authorise an operation which states none of its own.
        pub const SECURITY: &[&[&str]] = #security;
        impl crate::ClientBuilder {
            #(#methods)*
        }
    }
}

/// The builder method taking one scheme's credential: a token or key, or a user name and
/// password for HTTP basic.
fn emit_credential_method(scheme: &SecurityScheme) -> TokenStream {
    let method = ident(&scheme.method);
    let name = &scheme.api_name;
    let how = match &scheme.kind {
        SchemeKind::Bearer => "sent as `Authorization: Bearer <token>`".to_owned(),
        SchemeKind::Basic => "sent as `Authorization: Basic <user name and password>`".to_owned(),
        SchemeKind::ApiKey { location, name } => match location {
            ApiKeyLocation::Header => format!("sent in the `{name}` header"),
            ApiKeyLocation::Query => format!("sent as the `{name}` query parameter"),
            ApiKeyLocation::Cookie => format!("sent as the `{name}` cookie"),
        },
    };
    let mut lines = scheme.docs.lines.clone();
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        "The credential of the `{name}` security scheme, {how}."
    ));
    let docs = doc_attrs(&Docs { lines });
    match scheme.kind {
        SchemeKind::Basic => quote! {
            #docs
            pub fn #method(self, user: impl Into<String>, password: impl Into<String>) -> Self {
                self.credential(#name, crate::runtime::Credential::basic(user, password))
            }
        },
        _ => quote! {
            #docs
            pub fn #method(self, value: impl Into<String>) -> Self {
                self.credential(#name, crate::runtime::Credential::token(value))
            }
        },
    }
}
