//! Machine-to-machine authentication: minting tokens as a machine, and checking the tokens other
//! machines present.
//!
//! - The calling service holds a machine's secret key (`ak_...`) and gets tokens from a
//!   [`TokenProvider`], which mints with `POST /m2m_tokens` under that key and hands out the same
//!   token until it is close to expiring.
//! - The receiving service checks each presented token with a [`MachineTokenVerifier`]: opaque
//!   tokens (`mt_...`) are looked up with Clerk (`POST /m2m_tokens/verify`); JWT-format tokens are
//!   checked locally against the instance's public keys (`GET /jwks`, cached), with no request per
//!   token.
//!
//! ```no_run
//! use clerk_bapi::Client;
//! use clerk_bapi::m2m::{MachineTokenVerifier, TokenProvider};
//!
//! # async fn run() -> clerk_bapi::Result<()> {
//! // Calling side: the machine's own key mints the tokens.
//! let provider = TokenProvider::new(Client::from_env()?, "ak_machine_key...");
//! let token = provider.token().await?;
//! // ... send `Authorization: Bearer {token.expose_secret()}` to the other service.
//!
//! // Receiving side: the instance's key (or a machine key) checks them.
//! let verifier = MachineTokenVerifier::new(Client::from_env()?);
//! let machine = verifier.verify(token.expose_secret()).await?;
//! println!("{} may use {:?}", machine.subject, machine.scopes);
//! # Ok(())
//! # }
//! ```
//!
//! A refused token is an [`Error::Token`](crate::Error::Token) whose
//! [`TokenError`](crate::TokenError) says why; other errors (Clerk unreachable, for example) mean
//! the token could not be checked, not that it is bad.
//!
//! This module also holds the generated handle of the `m2m` operations, [`M2m`], reached through
//! [`Client::m2m`](crate::Client::m2m).

mod jwt;
mod keys;
mod provider;
mod verifier;

use serde_json::Value;

pub use crate::generated::m2m::*;
pub use provider::{TokenProvider, TokenProviderConfig};
pub use verifier::{MachineTokenVerifier, VerifierConfig};

/// The `cat` header value of Clerk's machine tokens; Clerk's other JWTs (session tokens, for
/// example) carry other categories.
pub const M2M_TOKEN_CATEGORY: &str = "cl_B7d4PD333AAA";

/// The prefix of opaque machine tokens.
pub const OPAQUE_TOKEN_PREFIX: &str = "mt_";

/// The two forms of machine token Clerk issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenFormat {
    /// An opaque `mt_...` string that only Clerk can check; it can be revoked.
    Opaque,
    /// A JWT signed with the instance's key, which anyone with the instance's JWKS can check
    /// without asking Clerk; it cannot be revoked before it expires.
    Jwt,
}

impl From<TokenFormat> for crate::types::CreateM2mTokenTokenFormat {
    fn from(format: TokenFormat) -> Self {
        match format {
            TokenFormat::Opaque => Self::Opaque,
            TokenFormat::Jwt => Self::Jwt,
        }
    }
}

/// A machine token that passed every check: who presented it and what it allows.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MachineToken {
    /// The token's id: Clerk's record id for opaque tokens, the `jti` claim for JWTs.
    pub id: String,
    /// The machine that presented the token (`mch_...`).
    pub subject: String,
    /// The machines this token may reach: Clerk's record for opaque tokens; for JWTs the
    /// space-separated `scopes` claim, else the `aud` claim.
    pub scopes: Vec<String>,
    /// The custom claims: Clerk's `claims` for opaque tokens; for JWTs every claim but `iss`,
    /// `sub`, `exp`, `nbf`, `iat` and `jti`. `None` when there are none.
    pub claims: Option<Value>,
    /// When the token expires, in Unix epoch milliseconds; `None` for a token that never does.
    pub expiration: Option<i64>,
    /// Which kind of token it was, and so how it was checked.
    pub format: TokenFormat,
}
