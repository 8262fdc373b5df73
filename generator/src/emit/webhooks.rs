//! Webhook events → `WebhookEvent`: one tuple variant per event type, holding its payload struct
//! from `types`, and `Unknown` for the types the document does not list.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::deprecated_attr;
use super::{doc_attrs, ident};
use crate::ir::Api;

/// The root of a document with webhooks and no operations: the types, and `WebhookEvent`. No
/// client accessors, API version or base URL, which belong to operations.
pub(super) fn emit_root(api: &Api) -> TokenStream {
    let events = emit_events(api);
    quote! {
        #![doc = " Code generated from the webhook document: the payload of each event in `types`, and [`WebhookEvent`], which tells them apart."]
        pub mod types;
        #events
    }
}

/// `WebhookEvent` and its impls; nothing when the document has no webhooks.
pub(super) fn emit_events(api: &Api) -> TokenStream {
    if api.webhooks.is_empty() {
        return TokenStream::new();
    }
    let variants = api.webhooks.iter().map(|w| {
        let variant = ident(&w.variant);
        let payload = ident(&w.payload);
        let docs = doc_attrs(&w.docs);
        let deprecated = deprecated_attr(w.deprecated);
        quote!(#docs #deprecated #variant(types::#payload),)
    });
    let types = api.webhooks.iter().map(|w| {
        let variant = ident(&w.variant);
        let event_type = &w.event_type;
        quote!(WebhookEvent::#variant(_) => #event_type,)
    });
    let serialize = api.webhooks.iter().map(|w| {
        let variant = ident(&w.variant);
        quote!(WebhookEvent::#variant(event) => ::serde::Serialize::serialize(event, serializer),)
    });
    let from_value = api.webhooks.iter().map(|w| {
        let variant = ident(&w.variant);
        let event_type = &w.event_type;
        quote!(::std::option::Option::Some(#event_type) => crate::runtime::decode(value).map(WebhookEvent::#variant),)
    });
    let from_json = api.webhooks.iter().map(|w| {
        let variant = ident(&w.variant);
        let event_type = &w.event_type;
        quote!(#event_type => ::serde_json::from_slice(json).map(WebhookEvent::#variant),)
    });
    quote! {
        /// A webhook event, told apart by its `type` member.
        ///
        /// Decoding picks the variant by `type` and ignores members it does not know; an event of a type this version does not list is kept whole in `Unknown`. Encoding writes the event back as it came.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)]
        pub enum WebhookEvent {
            #(#variants)*
            /// An event of a type this version does not list, kept as sent.
            Unknown(::serde_json::Value),
        }
        impl WebhookEvent {
            /// The event's type as sent (`user.created`).
            pub fn event_type(&self) -> &str {
                match self {
                    #(#types)*
                    WebhookEvent::Unknown(value) => value.get("type").and_then(::serde_json::Value::as_str).unwrap_or_default(),
                }
            }
            /// Decodes an event from JSON text: `type` is read first, then the payload straight into its type, without the `serde_json::Value` that `Deserialize` goes through.
            pub fn from_json(json: &[u8]) -> ::serde_json::Result<Self> {
                let EventType { event_type } = ::serde_json::from_slice(json)?;
                match &*event_type {
                    #(#from_json)*
                    _ => ::serde_json::from_slice(json).map(WebhookEvent::Unknown),
                }
            }
        }
        /// The `type` member of an event, read before the rest.
        #[derive(::serde::Deserialize)]
        struct EventType<'a> {
            #[serde(borrow, rename = "type")]
            event_type: ::std::borrow::Cow<'a, str>,
        }
        impl ::serde::Serialize for WebhookEvent {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#serialize)*
                    WebhookEvent::Unknown(value) => ::serde::Serialize::serialize(value, serializer),
                }
            }
        }
        impl<'de> ::serde::Deserialize<'de> for WebhookEvent {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                match crate::runtime::tag(&value, "type").as_deref() {
                    #(#from_value)*
                    ::std::option::Option::Some(_) => ::std::result::Result::Ok(WebhookEvent::Unknown(value)),
                    ::std::option::Option::None => ::std::result::Result::Err(<D::Error as ::serde::de::Error>::missing_field("type")),
                }
            }
        }
    }
}
