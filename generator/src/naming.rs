//! Rust names for things the document names: snake_case and UpperCamelCase conversion with `heck`,
//! keyword escaping, identifiers that start with a digit, and collision-free name tables.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot be plain Rust identifiers (strict and reserved keywords of edition 2024).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot even be raw identifiers (`r#self` is not allowed).
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Whether `word` is a Rust keyword.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Splits the characters heck would drop (`+`, `-` at the start, `.`) into words so that distinct
/// wire values such as `+created_at` and `-created_at` keep distinct Rust names.
fn spell_symbols(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for (index, c) in raw.chars().enumerate() {
        match c {
            '+' => out.push_str(" plus "),
            '-' if index == 0 => out.push_str(" minus "),
            '*' => out.push_str(" star "),
            '@' => out.push_str(" at "),
            c if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

/// Makes `name` a usable identifier: keywords become raw identifiers (`r#type`), or get a trailing
/// underscore where Rust has no raw form; a leading digit gets a prefix; empty names get `fallback`.
fn finish(name: String, digit_prefix: &str, fallback: &str) -> String {
    let name = if name.is_empty() {
        fallback.to_owned()
    } else {
        name
    };
    let name = if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{digit_prefix}{name}")
    } else {
        name
    };
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if is_keyword(&name) {
        format!("r#{name}")
    } else {
        name
    }
}

/// The snake_case Rust name of a field, parameter, method or module (`previousTokenTtl` →
/// `previous_token_ttl`, `type` → `r#type`).
pub fn snake(raw: &str) -> String {
    // `OAuth` is one word spelled with an inner capital, which a case conversion splits
    // (`getOAuthToken` → `get_o_auth_token`); it is read, and spelled in snake_case, as `oauth`.
    let raw = raw.replace("OAuth", "Oauth");
    finish(ascii(&spell_symbols(&raw).to_snake_case()), "_", "value")
}

/// The snake_case key of an operation group (`x-speakeasy-group`, a tag, or a path segment), from
/// which its module and accessor are named: `oauthApplications` → `oauth_applications`, `API Keys`
/// → `api_keys`. A word that opens with one capital before a capitalised rest (`OAuth`, `OAuth2`)
/// is one word, as people read it, where a plain conversion splits off the first letter
/// (`o_auth2_callbacks`); longer runs of capitals still end where the next word starts
/// (`emailSMSTemplates` → `email_sms_templates`).
pub fn group_key(group: &str) -> String {
    let words: Vec<String> = group
        .split_whitespace()
        .map(|word| {
            let mut chars = word.char_indices();
            match (chars.next(), chars.next(), chars.next()) {
                (Some((_, first)), Some((_, second)), Some((rest, third)))
                    if first.is_uppercase() && second.is_uppercase() && third.is_lowercase() =>
                {
                    format!("{}{}", word[..rest].to_lowercase(), &word[rest..])
                }
                _ => word.to_owned(),
            }
        })
        .collect();
    words.join(" ").to_snake_case()
}

/// The UpperCamelCase Rust name of a type or variant (`Machine.SecretKey` → `MachineSecretKey`).
pub fn camel(raw: &str) -> String {
    finish(
        ascii(&spell_symbols(raw).to_upper_camel_case()),
        "V",
        "Value",
    )
}

/// Keeps only characters valid in an identifier, so a name never breaks the emitted code.
fn ascii(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The identifier text without a raw prefix, for building derived names (`r#type` → `type`).
pub fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// Hands out unique names within one scope (the fields of a struct, the variants of an enum).
///
/// The first claimant of a name keeps it; later ones get `_2`, `_3`… (or `2`, `3`… for
/// UpperCamelCase names), so output stays deterministic as long as claims come in a fixed order.
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeMap<String, usize>,
}

impl Scope {
    /// Reserves `name` and returns it, or a suffixed variant of it when it is already taken.
    pub fn claim(&mut self, name: String) -> String {
        let bare_name = bare(&name).to_owned();
        if let std::collections::btree_map::Entry::Vacant(entry) =
            self.taken.entry(bare_name.clone())
        {
            entry.insert(1);
            return name;
        }
        let camel_case = bare_name.starts_with(|c: char| c.is_ascii_uppercase());
        let mut n = self.taken.get(&bare_name).copied().unwrap_or(1);
        loop {
            n += 1;
            let candidate = if camel_case {
                format!("{bare_name}{n}")
            } else {
                format!("{bare_name}_{n}")
            };
            if !self.taken.contains_key(&candidate) {
                self.taken.insert(bare_name, n);
                self.taken.insert(candidate.clone(), 1);
                return candidate;
            }
        }
    }

    /// Names a list of wire names at once. Names that convert to themselves (`frontend_api`) are
    /// served first, so the wire name that already reads as Rust keeps it and a look-alike
    /// (`frontendApi`) is the one that gets a suffix, whatever their order in the document.
    pub fn claim_all(&mut self, wire_names: &[&str], convert: fn(&str) -> String) -> Vec<String> {
        let converted: Vec<String> = wire_names.iter().map(|w| convert(w)).collect();
        let mut out: Vec<Option<String>> = vec![None; wire_names.len()];
        for pass in [true, false] {
            for (index, wire) in wire_names.iter().enumerate() {
                let exact = bare(&converted[index]) == *wire;
                if exact == pass {
                    out[index] = Some(self.claim(converted[index].clone()));
                }
            }
        }
        out.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// Whether `name` is already taken in this scope.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains_key(bare(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_come_from_the_name_override() {
        assert_eq!(snake("rotateSecretKey"), "rotate_secret_key");
        assert_eq!(snake("getSecretKey"), "get_secret_key");
        assert_eq!(snake("list"), "list");
        assert_eq!(snake("ListMachines"), "list_machines");
    }

    #[test]
    fn group_keys_keep_a_leading_acronym_whole() {
        assert_eq!(group_key("OAuth2 Callbacks"), "oauth2_callbacks");
        assert_eq!(group_key("OAuth"), "oauth");
        assert_eq!(group_key("oauthApplications"), "oauth_applications");
        assert_eq!(group_key("emailSMSTemplates"), "email_sms_templates");
        assert_eq!(group_key("API Keys"), "api_keys");
        assert_eq!(group_key("TOTP"), "totp");
        assert_eq!(group_key("Web3 Wallets"), "web3_wallets");
        assert_eq!(group_key("machines"), "machines");
        assert_eq!(group_key("m2m"), "m2m");
        assert_eq!(group_key("Ab"), "ab");
        assert_eq!(snake("getOAuthToken"), "get_oauth_token");
        assert_eq!(snake("OAuthApplication"), "oauth_application");
    }

    #[test]
    fn type_names_come_from_component_names() {
        assert_eq!(camel("Machine.SecretKey"), "MachineSecretKey");
        assert_eq!(camel("MachineScope.Deleted"), "MachineScopeDeleted");
        assert_eq!(camel("RotateMachineSecretKey"), "RotateMachineSecretKey");
        assert_eq!(camel("JWKS.ed25519.PublicKey"), "JwksEd25519PublicKey");
        assert_eq!(camel("CommercePlan-2"), "CommercePlan2");
        assert_eq!(camel("verification_otp"), "VerificationOtp");
    }

    #[test]
    fn keywords_become_raw_identifiers_or_get_an_underscore() {
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("async"), "r#async");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("crate"), "crate_");
        assert_eq!(camel("Self"), "Self_");
        assert_eq!(bare("r#type"), "type");
    }

    #[test]
    fn digits_and_symbols_give_valid_identifiers() {
        assert_eq!(snake("2fa_enabled"), "_2fa_enabled");
        assert_eq!(camel("1h"), "V1h");
        assert_eq!(camel("+created_at"), "PlusCreatedAt");
        assert_eq!(camel("-created_at"), "MinusCreatedAt");
        assert_eq!(camel(""), "Value");
        assert_eq!(snake("---"), "minus");
        assert_eq!(snake("é"), "value");
    }

    #[test]
    fn names_that_collide_after_conversion_get_distinct_suffixes() {
        let mut scope = Scope::default();
        assert_eq!(scope.claim(snake("frontend_api")), "frontend_api");
        assert_eq!(scope.claim(snake("frontendApi")), "frontend_api_2");
        assert_eq!(scope.claim(snake("frontend-api")), "frontend_api_3");
        let mut types = Scope::default();
        assert_eq!(types.claim(camel("Foo.Bar")), "FooBar");
        assert_eq!(types.claim(camel("FooBar")), "FooBar2");
        let mut fields = Scope::default();
        assert_eq!(
            fields.claim_all(&["frontendApi", "frontend_api"], snake),
            vec!["frontend_api_2".to_owned(), "frontend_api".to_owned()]
        );
        let mut raw = Scope::default();
        assert_eq!(raw.claim(snake("type")), "r#type");
        assert_eq!(raw.claim(snake("Type")), "type_2");
    }
}
