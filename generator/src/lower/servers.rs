//! Servers and versions: the first server's URL template and variables, the default base URL made
//! from them, and whether `info.version` is sent as a version header.

use super::*;
use crate::ir::Server;

impl<'a> Lowerer<'a> {
    /// The first server, as declared, and its URL with every variable at its default. A document
    /// without servers has an empty URL, which the client's builder must then be given.
    pub(super) fn server(&self) -> Result<(Server, String), Error> {
        let Some(server) = self.doc.servers.first() else {
            return Ok((Server::default(), String::new()));
        };
        let url = server.url.trim_end_matches('/');
        let mut variables: Vec<(String, String)> = server
            .variables
            .iter()
            .flatten()
            .map(|(name, variable)| (name.clone(), variable.default.clone()))
            .collect();
        variables.sort();
        let mut base_url = String::new();
        let mut rest = url;
        while let Some(open) = rest.find('{') {
            base_url.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let name = after.find('}').map(|close| &after[..close]);
            let Some((name, (_, default))) =
                name.and_then(|n| Some((n, variables.iter().find(|(v, _)| v == n)?)))
            else {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    "/servers/0/url",
                    format!(
                        "the server URL `{url}` has a `{{` that opens no declared server variable"
                    ),
                ));
            };
            base_url.push_str(default);
            rest = &after[name.len() + 1..];
        }
        base_url.push_str(rest);
        Ok((
            Server {
                url: url.to_owned(),
                variables,
            },
            base_url.trim_end_matches('/').to_owned(),
        ))
    }
}

/// Whether `info.version` is a dated API version (`2025-11-10`), which Clerk's APIs take in a
/// `Clerk-API-Version` header. Other versions (`v1`, `1.0.0`) name the document, not a version
/// the server can be asked for, so nothing is sent.
pub(super) fn is_dated_version(version: &str) -> bool {
    let bytes = version.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::is_dated_version;

    #[test]
    fn only_dates_are_sent_as_versions() {
        assert!(is_dated_version("2025-11-10"));
        for other in ["v1", "1.0.0", "2025-11-1", "2025/11/10", "", "2025-11-10a"] {
            assert!(!is_dated_version(other), "{other}");
        }
    }
}
