//! Security: `components.securitySchemes` → [`SecurityScheme`]s (one client builder method each),
//! and the document's and each operation's `security` → [`Security`] alternatives.

use openapiv3::{APIKeyLocation, SecurityRequirement, SecurityScheme as OaScheme};

use super::*;
use crate::ir::{ApiKeyLocation, SchemeKind, Security, SecurityScheme};

/// The hand-written client builder's own methods, which a scheme's method must not shadow.
const BUILDER_METHODS: &[&str] = &[
    "secret_key",
    "base_url",
    "server_variable",
    "credential",
    "timeout",
    "connect_timeout",
    "retry_policy",
    "user_agent_suffix",
    "http_client",
    "build",
];

impl<'a> Lowerer<'a> {
    /// Every scheme of `components.securitySchemes`, sorted by wire name, each with the name of
    /// the client builder method taking its credential (the scheme's name in snake case, with
    /// `_credential` added when that is one of the builder's own methods).
    pub(super) fn security_schemes(&self) -> Result<Vec<SecurityScheme>, Error> {
        let Some(components) = &self.doc.components else {
            return Ok(Vec::new());
        };
        let mut methods = Scope::default();
        for name in BUILDER_METHODS {
            methods.claim((*name).to_owned());
        }
        let mut sorted: Vec<_> = components.security_schemes.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut schemes = Vec::new();
        for (api_name, scheme) in sorted {
            let pointer = format!("/components/securitySchemes/{}", pointer_token(api_name));
            let scheme = match scheme {
                ReferenceOr::Item(scheme) => scheme,
                ReferenceOr::Reference { reference } => {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        pointer,
                        format!("security schemes given by `$ref` ({reference}) are not supported; write the scheme inline"),
                    ));
                }
            };
            let (kind, description) = match scheme {
                OaScheme::HTTP {
                    scheme,
                    description,
                    ..
                } => {
                    let kind = match scheme.to_ascii_lowercase().as_str() {
                        "bearer" => SchemeKind::Bearer,
                        "basic" => SchemeKind::Basic,
                        other => {
                            return Err(self.error(
                                ErrorKind::Unsupported,
                                format!("{pointer}/scheme"),
                                format!("the HTTP authentication scheme `{other}` is not supported; only bearer and basic are"),
                            ));
                        }
                    };
                    (kind, description)
                }
                OaScheme::APIKey {
                    location,
                    name,
                    description,
                    ..
                } => {
                    let location = match location {
                        APIKeyLocation::Header => ApiKeyLocation::Header,
                        APIKeyLocation::Query => ApiKeyLocation::Query,
                        APIKeyLocation::Cookie => ApiKeyLocation::Cookie,
                    };
                    let kind = SchemeKind::ApiKey {
                        location,
                        name: name.clone(),
                    };
                    (kind, description)
                }
                // Both end in an access token, which is sent as a bearer token (RFC 6750).
                OaScheme::OAuth2 { description, .. }
                | OaScheme::OpenIDConnect { description, .. } => (SchemeKind::Bearer, description),
            };
            let method = naming::snake(api_name);
            let method = if methods.contains(&method) {
                format!("{}_credential", naming::bare(&method))
            } else {
                method
            };
            schemes.push(SecurityScheme {
                api_name: api_name.clone(),
                method: methods.claim(method),
                kind,
                docs: docs(None, description.as_deref()),
            });
        }
        Ok(schemes)
    }

    /// The document's `security`; none when it has none.
    pub(super) fn document_security(&self) -> Result<Security, Error> {
        match &self.doc.security {
            Some(requirements) => self.security(requirements, "/security"),
            None => Ok(Vec::new()),
        }
    }

    /// The operation's own `security` when it differs from the document's, whose alternatives
    /// it replaces.
    pub(super) fn operation_security(
        &self,
        op: &SelectedOperation<'_>,
    ) -> Result<Option<Security>, Error> {
        let Some(requirements) = &op.operation.security else {
            return Ok(None);
        };
        let own = self.security(requirements, &format!("{}/security", op.pointer))?;
        Ok((own != self.document_security()?).then_some(own))
    }

    /// Alternatives of scheme names, each naming a declared scheme. Scopes are left out: they
    /// say what a credential must allow, which the client cannot check.
    fn security(
        &self,
        requirements: &[SecurityRequirement],
        pointer: &str,
    ) -> Result<Security, Error> {
        let declared = self.doc.components.as_ref().map(|c| &c.security_schemes);
        let mut alternatives = Vec::new();
        for (index, requirement) in requirements.iter().enumerate() {
            let mut set = Vec::new();
            for name in requirement.keys() {
                if !declared.is_some_and(|d| d.contains_key(name)) {
                    return Err(self.error(
                        ErrorKind::DanglingRef,
                        format!("{pointer}/{index}/{}", pointer_token(name)),
                        format!("the security scheme `{name}` is not declared in components.securitySchemes"),
                    ));
                }
                set.push(name.clone());
            }
            alternatives.push(set);
        }
        Ok(alternatives)
    }
}
