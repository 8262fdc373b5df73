//! The server URL: the document's URL template with its variables filled in.

use crate::error::{Error, Result};

/// The document's server URL ([`crate::SERVER_URL`]) with each variable set to the value given
/// to the builder, else to its default ([`crate::SERVER_VARIABLES`]). Without variables given it
/// is [`crate::DEFAULT_BASE_URL`].
pub(crate) fn server_url(given: &[(String, String)]) -> Result<String> {
    if given.is_empty() {
        return Ok(crate::DEFAULT_BASE_URL.to_owned());
    }
    fill(crate::SERVER_URL, crate::SERVER_VARIABLES, given)
}

fn fill(template: &str, declared: &[(&str, &str)], given: &[(String, String)]) -> Result<String> {
    if let Some((name, _)) = given
        .iter()
        .find(|(name, _)| !declared.iter().any(|(d, _)| d == name))
    {
        return Err(Error::Config(format!(
            "the server URL {template:?} has no variable `{name}`"
        )));
    }
    let mut url = template.to_owned();
    for (name, default) in declared {
        // The last value given for a name wins, as with every other builder setting.
        let value = given
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or(*default, |(_, v)| v.as_str());
        // A value that could move the request elsewhere (another host, path or port) is refused:
        // a variable names one part of the URL.
        if value.is_empty() || value.contains(['/', '?', '#', '@', ':', '{', '}']) {
            return Err(Error::Config(format!(
                "the server variable `{name}` must be non-empty and must not contain / ? # @ : {{ or }}"
            )));
        }
        url = url.replace(&format!("{{{name}}}"), value);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::fill;

    const TEMPLATE: &str = "https://{domain}.clerk.accounts.dev";
    const DECLARED: &[(&str, &str)] = &[("domain", "example")];

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn variables_take_the_given_value_else_their_default() {
        assert_eq!(
            fill(TEMPLATE, DECLARED, &given(&[("domain", "my-app")])).unwrap(),
            "https://my-app.clerk.accounts.dev"
        );
        assert_eq!(
            fill(TEMPLATE, DECLARED, &[]).unwrap(),
            "https://example.clerk.accounts.dev"
        );
    }

    #[test]
    fn unknown_or_escaping_values_are_refused() {
        assert!(fill(TEMPLATE, DECLARED, &given(&[("region", "eu")])).is_err());
        for bad in ["", "evil.com/x", "a@b", "a:1"] {
            assert!(
                fill(TEMPLATE, DECLARED, &given(&[("domain", bad)])).is_err(),
                "{bad}"
            );
        }
    }
}
