//! The local check of a JWT-format machine token: its header before any key is looked up, then
//! signature and times with `jsonwebtoken`, then the claims that make it a machine token.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{AlgorithmFamily, Header};
use serde_json::{Map, Value};

use super::keys::VerifyingKey;
use super::{M2M_TOKEN_CATEGORY, MachineToken, TokenFormat};
use crate::error::{TokenError, excerpt};

/// The claims `MachineToken::claims` leaves out, because other fields carry them or they only
/// matter to the check itself.
const REGISTERED_CLAIMS: &[&str] = &["iss", "sub", "exp", "nbf", "iat", "jti"];

/// How many characters of a header value an error repeats.
const SHOWN_CHARS: usize = 64;

/// Whether `token` has the shape of a compact JWS: three non-empty base64url segments.
pub(super) fn looks_like_jwt(token: &str) -> bool {
    let mut segments = 0;
    for segment in token.split('.') {
        segments += 1;
        if segment.is_empty()
            || !segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
    }
    segments == 3
}

/// Reads the header and refuses what must never reach a key lookup: an unsigned token, an HMAC
/// algorithm, another category of Clerk token, or a token that names no key. Returns the header
/// and its `kid`.
pub(super) fn checked_header(token: &str) -> Result<(Header, String), TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| unreadable_header(token))?;
    if header.alg.family() == AlgorithmFamily::Hmac {
        return Err(TokenError::DisallowedAlgorithm {
            alg: format!("{:?}", header.alg),
            reason: "HMAC algorithms are refused: machine tokens are signed with the instance's \
                     private key",
        });
    }
    if let Some(category) = header.extras.inner().get("cat")
        && category.as_str() != Some(M2M_TOKEN_CATEGORY)
    {
        let shown = category
            .as_str()
            .map_or_else(|| category.to_string(), str::to_owned);
        return Err(TokenError::WrongCategory {
            category: excerpt(&shown, SHOWN_CHARS),
        });
    }
    let kid = header
        .kid
        .clone()
        .ok_or_else(|| TokenError::Malformed("the header names no key (kid)".into()))?;
    Ok((header, kid))
}

/// The error for a header `jsonwebtoken` cannot read, saying why when the reason is an algorithm
/// (`none` above all) rather than bad encoding. The token is never quoted.
fn unreadable_header(token: &str) -> TokenError {
    let header: Option<Value> = token
        .split('.')
        .next()
        .and_then(|segment| URL_SAFE_NO_PAD.decode(segment).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    match header
        .as_ref()
        .and_then(|h| h.get("alg"))
        .map(|alg| alg.as_str())
    {
        Some(Some(alg)) if alg.eq_ignore_ascii_case("none") => TokenError::DisallowedAlgorithm {
            alg: excerpt(alg, SHOWN_CHARS),
            reason: "unsigned tokens are refused",
        },
        Some(Some(alg)) => TokenError::DisallowedAlgorithm {
            alg: excerpt(alg, SHOWN_CHARS),
            reason: "it is not a supported signature algorithm",
        },
        _ if header.is_some() => {
            TokenError::Malformed("the header has no valid algorithm (alg)".into())
        }
        _ => TokenError::Malformed("the header is not base64url-encoded JSON".into()),
    }
}

/// Checks the signature, times and claims of `token` under `key`, and reads the machine token.
pub(super) fn verify(
    token: &str,
    header: &Header,
    key: &VerifyingKey,
) -> Result<MachineToken, TokenError> {
    if !key.validation.algorithms.contains(&header.alg) {
        return Err(TokenError::DisallowedAlgorithm {
            alg: format!("{:?}", header.alg),
            reason: "it disagrees with the key named by kid",
        });
    }
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &key.validation)
        .map_err(|err| refusal(err.into_kind()))?;
    machine_token(data.claims, key.validation.leeway)
}

/// Says why `jsonwebtoken` refused a token, in this crate's terms.
fn refusal(kind: ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid { claim: "nbf" },
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAlgorithm => TokenError::DisallowedAlgorithm {
            alg: "(header)".into(),
            reason: "it disagrees with the key named by kid",
        },
        ErrorKind::MissingRequiredClaim(claim) => {
            TokenError::Malformed(format!("the {} claim is missing", excerpt(&claim, 16)))
        }
        ErrorKind::InvalidClaimFormat(claim) => TokenError::Malformed(format!(
            "the {} claim has the wrong type",
            excerpt(&claim, 16)
        )),
        ErrorKind::Base64(_) | ErrorKind::Utf8(_) | ErrorKind::InvalidToken => {
            TokenError::Malformed("a segment is not valid base64url".into())
        }
        ErrorKind::Json(_) => TokenError::Malformed("the claims are not a JSON object".into()),
        _ => TokenError::Malformed("the token could not be checked with the instance's key".into()),
    }
}

/// Reads a machine token from verified claims: `iat` not in the future, a machine subject, an
/// id, and the scopes.
fn machine_token(
    mut claims: Map<String, Value>,
    leeway_secs: u64,
) -> Result<MachineToken, TokenError> {
    if let Some(iat) = claims.get("iat") {
        let iat = iat
            .as_f64()
            .ok_or_else(|| TokenError::Malformed("the iat claim is not a number".into()))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |since| since.as_secs_f64());
        // Precision is not a concern: timestamps are far below 2^53 seconds.
        #[allow(clippy::cast_precision_loss)]
        if iat > now + leeway_secs as f64 {
            return Err(TokenError::NotYetValid { claim: "iat" });
        }
    }
    let subject = string_claim(&claims, "sub")?;
    if !subject.starts_with("mch_") {
        return Err(TokenError::NotAMachine);
    }
    let id = string_claim(&claims, "jti")?;
    let expiration = match claims.get("exp") {
        // Milliseconds, as Clerk reports expirations elsewhere; `as` saturates on absurd values.
        #[allow(clippy::cast_possible_truncation)]
        Some(exp) => Some(
            (exp.as_f64()
                .ok_or_else(|| TokenError::Malformed("the exp claim is not a number".into()))?
                * 1000.0)
                .round() as i64,
        ),
        None => None,
    };
    let scopes = match (claims.get("scopes"), claims.get("aud")) {
        (Some(Value::String(scopes)), _) => scopes.split_whitespace().map(str::to_owned).collect(),
        (Some(_), _) => {
            return Err(TokenError::Malformed(
                "the scopes claim is not a string".into(),
            ));
        }
        (None, Some(Value::String(aud))) => vec![aud.clone()],
        (None, Some(Value::Array(items))) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| TokenError::Malformed("the aud claim holds a non-string".into()))
            })
            .collect::<Result<_, _>>()?,
        (None, Some(_)) => {
            return Err(TokenError::Malformed(
                "the aud claim is neither a string nor a list".into(),
            ));
        }
        (None, None) => Vec::new(),
    };
    for name in REGISTERED_CLAIMS {
        claims.remove(*name);
    }
    Ok(MachineToken {
        id,
        subject,
        scopes,
        claims: (!claims.is_empty()).then_some(Value::Object(claims)),
        expiration,
        format: TokenFormat::Jwt,
    })
}

/// A claim that must be a string.
fn string_claim(claims: &Map<String, Value>, name: &str) -> Result<String, TokenError> {
    match claims.get(name) {
        Some(Value::String(value)) => Ok(value.clone()),
        Some(_) => Err(TokenError::Malformed(format!(
            "the {name} claim is not a string"
        ))),
        None => Err(TokenError::Malformed(format!(
            "the {name} claim is missing"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn jwt_shape_is_three_base64url_segments() {
        assert!(looks_like_jwt("a.b.c"));
        assert!(looks_like_jwt("eyJ-_.x9.Zz"));
        for bad in ["", "a.b", "a.b.c.d", "a..c", "a.b.c=", "a b.c.d", "mt_123"] {
            assert!(!looks_like_jwt(bad), "{bad}");
        }
    }

    #[test]
    fn unsigned_and_unknown_algorithms_are_named() {
        let none = format!("{}.{}.x", segment(r#"{"alg":"none"}"#), segment("{}"));
        assert!(matches!(
            checked_header(&none),
            Err(TokenError::DisallowedAlgorithm { alg, .. }) if alg == "none"
        ));
        let odd = format!("{}.{}.x", segment(r#"{"alg":"XS999"}"#), segment("{}"));
        assert!(matches!(
            checked_header(&odd),
            Err(TokenError::DisallowedAlgorithm { alg, .. }) if alg == "XS999"
        ));
        let garbage = format!("{}.{}.x", segment("[1"), segment("{}"));
        assert!(matches!(
            checked_header(&garbage),
            Err(TokenError::Malformed(_))
        ));
    }

    #[test]
    fn claims_become_a_machine_token() {
        let claims: Map<String, Value> = serde_json::from_str(
            r#"{"iss":"https://x","sub":"mch_1","exp":1700000000,"iat":1,"nbf":1,"jti":"mt_1",
                "aud":["mch_a","mch_b"],"tenant":"t1"}"#,
        )
        .unwrap();
        let token = machine_token(claims, 5).unwrap();
        assert_eq!(token.id, "mt_1");
        assert_eq!(token.scopes, ["mch_a", "mch_b"]);
        assert_eq!(token.expiration, Some(1_700_000_000_000));
        assert_eq!(
            token.claims,
            Some(serde_json::json!({"aud": ["mch_a", "mch_b"], "tenant": "t1"}))
        );
        let claims: Map<String, Value> =
            serde_json::from_str(r#"{"sub":"mch_1","jti":"j","scopes":"mch_a  mch_b","aud":"x"}"#)
                .unwrap();
        let token = machine_token(claims, 5).unwrap();
        assert_eq!(token.scopes, ["mch_a", "mch_b"]);
    }
}
