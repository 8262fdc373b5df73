//! The internal interface generated code calls: request building, path and query encoding,
//! parameter validation, the send/retry loop, the pagination helper and the serde impls of generated
//! types.
//!
//! This module is public only so that generated code, tests and doc tests can reach it; it is
//! hidden from the documentation and is not part of the crate's stable API.

mod encode;
mod form;
#[cfg(feature = "test-util")]
pub mod mock;
mod paginate;
mod request;
mod security;
mod send;
mod serde_impls;
#[cfg(feature = "tracing")]
mod trace;
// Without the feature, the same calls do nothing, so that `send.rs` has no `cfg` of its own.
mod server;
#[cfg(not(feature = "tracing"))]
#[path = "runtime/no_trace.rs"]
mod trace;
mod unions;
mod validate;

pub use encode::{PathValue, QueryValue, StringEnum};
pub use form::FormStyle;
pub use paginate::paginate;
pub use request::{FilePart, Request};
pub use reqwest::Method;
pub(crate) use security::Credentials;
pub use security::{Credential, SchemeKind, SecurityScheme};
pub use send::Handle;
pub use serde_impls::{MemberName, deserialize_enum, json_body, json_object, string_enum};
pub(crate) use server::server_url;
pub use unions::{decode, serialize_tagged, tag, try_decode};
pub use validate::{
    check_alternatives, check_int, check_items, check_len, check_len_secret, check_number,
    check_pattern, check_pattern_secret,
};
