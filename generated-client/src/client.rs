//! The `Client` and how it is configured: `ClientBuilder` and per-call `RequestOptions` (the
//! `RetryPolicy` they hold lives in `retry.rs`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// The environment variable [`Client::from_env`] reads the secret key from.
pub(crate) const SECRET_KEY_ENV: &str = "CLERK_SECRET_KEY";

/// The per-attempt timeout used unless the builder or the call sets another one.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long establishing a connection may take unless the builder sets another limit.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for Clerk's Backend API.
///
/// Cloning is cheap (the configuration and the connection pool are shared behind an `Arc`), so
/// clone it freely into tasks instead of wrapping it in another `Arc`. `Debug` never prints the
/// secret key.
///
/// Every request carries `Authorization: Bearer <secret key>` (except the few operations that
/// need no authentication), `Clerk-API-Version`, `User-Agent: clerk-bapi-rust/<version>` and
/// `Accept: application/json`. Failed attempts are retried according to the [`RetryPolicy`].
///
/// Calls must run inside a Tokio runtime with its time driver enabled (`#[tokio::main]` and
/// `#[tokio::test]` enable it), which times attempts out and waits between retries.
///
/// ```no_run
/// # fn main() -> clerk_bapi::Result<()> {
/// let client = clerk_bapi::Client::builder()
///     .secret_key("sk_test_...")
///     .timeout(std::time::Duration::from_secs(10))
///     .build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

/// The shared state of a [`Client`]; the runtime reads it to send requests.
pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    /// The base URL without a trailing slash, e.g. `https://api.clerk.com/v1`.
    pub(crate) base_url: String,
    /// The credentials of each security scheme, marked sensitive so that `http`'s `Debug`
    /// redacts them too.
    pub(crate) credentials: crate::runtime::Credentials,
    pub(crate) user_agent: HeaderValue,
    /// `Clerk-API-Version`, for documents with a dated version.
    pub(crate) api_version: Option<HeaderValue>,
    pub(crate) timeout: Duration,
    pub(crate) retry_policy: RetryPolicy,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client with the given secret key and every other setting at its default.
    ///
    /// Fails with [`Error::Config`] when the key is empty or cannot be sent in an HTTP header.
    pub fn new(secret_key: impl Into<String>) -> Result<Self> {
        Self::builder().secret_key(secret_key).build()
    }

    /// A client whose secret key is read from the `CLERK_SECRET_KEY` environment variable, with
    /// every other setting at its default.
    ///
    /// Fails with [`Error::Config`] when the variable is unset, empty or not valid Unicode. The
    /// error never contains the variable's value.
    ///
    /// ```no_run
    /// # fn main() -> clerk_bapi::Result<()> {
    /// let client = clerk_bapi::Client::from_env()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_env() -> Result<Self> {
        // The value is never put in the error: `VarError::NotUnicode` would print it.
        let key = std::env::var(SECRET_KEY_ENV).map_err(|err| {
            Error::Config(match err {
                std::env::VarError::NotPresent => {
                    format!("the environment variable {SECRET_KEY_ENV} is not set")
                }
                std::env::VarError::NotUnicode(_) => {
                    format!("the environment variable {SECRET_KEY_ENV} is not valid Unicode")
                }
            })
        })?;
        // Keys never contain whitespace, so a newline left by `$(cat key_file)` or an `.env`
        // editor is dropped rather than rejected.
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::Config(format!(
                "the environment variable {SECRET_KEY_ENV} is empty"
            )));
        }
        Self::new(key)
    }

    /// The base URL requests are sent to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("secret_key", &"[REDACTED]")
            .field("timeout", &self.inner.timeout)
            .field("retry_policy", &self.inner.retry_policy)
            .finish_non_exhaustive()
    }
}

/// Configures and builds a [`Client`].
///
/// Only the secret key is required. Defaults: base URL `https://api.clerk.com/v1`, a 30 s
/// timeout per attempt, a 10 s connect timeout, and [`RetryPolicy::default`].
///
/// ```no_run
/// use std::time::Duration;
/// use clerk_bapi::{Client, RetryPolicy};
///
/// # fn main() -> clerk_bapi::Result<()> {
/// let client = Client::builder()
///     .secret_key("sk_test_...")
///     .base_url("http://127.0.0.1:8080/v1")
///     .timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().with_max_attempts(5))
///     .user_agent_suffix("my-service/1.2")
///     .build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientBuilder {
    // `Secret`'s `Debug` is redacted, so deriving `Debug` here prints no key.
    secret_key: Option<Secret>,
    credentials: Vec<(&'static str, crate::runtime::Credential)>,
    base_url: Option<String>,
    server_variables: Vec<(String, String)>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
    user_agent_suffix: Option<String>,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
}

impl ClientBuilder {
    /// The secret key (`sk_live_...` or `sk_test_...`) sent as `Authorization: Bearer <key>`.
    pub fn secret_key(mut self, secret_key: impl Into<String>) -> Self {
        self.secret_key = Some(Secret::new(secret_key));
        self
    }

    /// The base URL, with or without a trailing slash; it must be an absolute `http` or `https`
    /// URL without credentials, query or fragment. Defaults to `https://api.clerk.com/v1`.
    ///
    /// Plain `http` is accepted only for a loopback host (`localhost`, `127.0.0.1`, `::1`...),
    /// such as a local mock server: anywhere else the secret key would cross the network
    /// unencrypted, so [`ClientBuilder::build`] refuses it unless
    /// [`allow_insecure_http`](Self::allow_insecure_http) says otherwise.
    ///
    /// It wins over [`server_variable`](Self::server_variable).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Accepts a plain `http` base URL whose host is not loopback, for example a mock server in
    /// another container of a test setup. Keys are then sent unencrypted: never use this against
    /// Clerk itself. Defaults to `false`.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Sets a variable of the document's server URL ([`crate::SERVER_URL`], e.g.
    /// `https://{domain}.clerk.accounts.dev`), whose other variables keep their defaults
    /// ([`crate::SERVER_VARIABLES`]). A name the document does not declare fails [`build`](Self::build).
    pub fn server_variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.server_variables.push((name.into(), value.into()));
        self
    }

    /// Sets the credential of the security scheme `scheme`, replacing any given before. The
    /// generated method of each scheme calls this.
    pub(crate) fn credential(
        mut self,
        scheme: &'static str,
        credential: crate::runtime::Credential,
    ) -> Self {
        self.credentials.retain(|(name, _)| *name != scheme);
        self.credentials.push((scheme, credential));
        self
    }

    /// The time one attempt may take, from sending the request to reading the whole response.
    /// Defaults to 30 seconds. Retries each get the full timeout again; the total is bounded by
    /// [`RetryPolicy::max_elapsed`]. Must not be zero.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time establishing a connection may take. Defaults to 10 seconds.
    ///
    /// Cannot be combined with [`ClientBuilder::http_client`]: configure the connect timeout on
    /// that client instead ([`ClientBuilder::build`] fails rather than silently ignore it).
    pub fn connect_timeout(mut self, connect_timeout: Duration) -> Self {
        self.connect_timeout = Some(connect_timeout);
        self
    }

    /// When and how failed attempts are retried. Defaults to [`RetryPolicy::default`].
    pub fn retry_policy(mut self, retry_policy: RetryPolicy) -> Self {
        self.retry_policy = Some(retry_policy);
        self
    }

    /// Text appended to the `User-Agent` header after a space, to identify your application:
    /// `clerk-bapi-rust/0.1.0 my-service/1.2`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends requests through this HTTP client instead of one built with the defaults, for
    /// example to share a connection pool or to set a proxy.
    ///
    /// Requests still get this crate's headers, timeout and retries. The client built by default
    /// follows no redirects (so that the secret key is never sent anywhere but the base URL); a
    /// supplied client keeps its own redirect policy.
    pub fn http_client(mut self, http_client: reqwest::Client) -> Self {
        self.http_client = Some(http_client);
        self
    }

    /// Builds the client.
    ///
    /// Fails with [`Error::Config`] when no secret key was given or it is empty, when the base
    /// URL, the user-agent suffix or a timeout is invalid, or when the HTTP client cannot be
    /// created. The error never contains the secret key.
    pub fn build(self) -> Result<Client> {
        let credentials =
            crate::runtime::Credentials::for_builder(self.secret_key, self.credentials)?;
        let base_url = match self.base_url {
            Some(base_url) => base_url,
            None => crate::runtime::server_url(&self.server_variables)?,
        };
        let base_url = normalize_base_url(&base_url, self.allow_insecure_http)?;

        let mut user_agent = concat!("clerk-bapi-rust/", env!("CARGO_PKG_VERSION")).to_owned();
        if let Some(suffix) = self.user_agent_suffix.as_deref().map(str::trim)
            && !suffix.is_empty()
        {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        let user_agent = HeaderValue::from_str(&user_agent).map_err(|_| {
            Error::Config(
                "the user-agent suffix contains characters that cannot be sent in an HTTP header"
                    .into(),
            )
        })?;
        let api_version = crate::API_VERSION_HEADER
            .map(HeaderValue::from_str)
            .transpose()
            .map_err(|_| {
                Error::Config("the API version cannot be sent in an HTTP header".into())
            })?;

        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(Error::Config("the timeout must not be zero".into()));
        }

        let http = match (self.http_client, self.connect_timeout) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "connect_timeout has no effect on a client supplied with http_client; \
                     set the connect timeout on that client instead"
                        .into(),
                ));
            }
            (Some(http), None) => http,
            (None, connect_timeout) => reqwest::Client::builder()
                .connect_timeout(connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                // A redirect would carry the secret key to wherever it points; Clerk's API does
                // not redirect, so any 3xx is reported as an error instead.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|err| Error::Config(format!("could not create the HTTP client: {err}")))?,
        };

        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                base_url,
                credentials,
                user_agent,
                api_version,
                timeout,
                retry_policy: self.retry_policy.unwrap_or_default(),
            }),
        })
    }
}

/// Checks that `raw` is an absolute http(s) URL fit to prefix request paths, and returns it
/// without a trailing slash. Plain `http` must point at a loopback host unless `allow_insecure_http`.
fn normalize_base_url(raw: &str, allow_insecure_http: bool) -> Result<String> {
    let invalid = |why: &str| Error::Config(format!("invalid base URL: {why}"));
    let url = Url::parse(raw.trim())
        .map_err(|err| invalid(&format!("{err} (expected e.g. https://api.clerk.com/v1)")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    // Credentials in the URL would be sent to the server and printed in errors.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment"));
    }
    if url.scheme() == "http" && !allow_insecure_http && !is_loopback(&url) {
        return Err(invalid(
            "plain http is only accepted for a loopback host (localhost, 127.0.0.1, ::1), since \
             the secret key would travel unencrypted; use https, or call \
             ClientBuilder::allow_insecure_http(true) if this really is intended",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether the URL's host is this machine: `localhost` or a loopback address.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // IPv6 hosts come bracketed (`[::1]`); the URL parser has already normalised IPv4 forms.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Options for the calls made through one group handle, e.g.
/// `client.machines().with_options(options)`.
///
/// Unset options fall back to the client's. Options given to a handle replace any options given
/// to it before.
///
/// ```
/// use std::time::Duration;
/// use clerk_bapi::RequestOptions;
///
/// let options = RequestOptions::default()
///     .timeout(Duration::from_secs(5))
///     .no_retries()
///     .header("x-request-id", "req-42");
/// # let _ = options;
/// ```
#[derive(Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry_policy: Option<RetryPolicy>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) secret_key: Option<Secret>,
}

impl RequestOptions {
    /// The time one attempt may take, instead of the client's timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy to use instead of the client's.
    pub fn retry_policy(mut self, retry_policy: RetryPolicy) -> Self {
        self.retry_policy = Some(retry_policy);
        self
    }

    /// The key sent as `Authorization: Bearer <key>` instead of the client's, for example a
    /// machine's secret key (`ak_...`), which minting a machine token requires:
    ///
    /// ```no_run
    /// # async fn run(client: clerk_bapi::Client, machine_key: String) -> clerk_bapi::Result<()> {
    /// use clerk_bapi::{RequestOptions, types::CreateM2mTokenParams};
    ///
    /// let minted = client
    ///     .m2m()
    ///     .with_options(RequestOptions::default().secret_key(machine_key))
    ///     .create_token(CreateM2mTokenParams::default())
    ///     .await?;
    /// # let _ = minted;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Operations that need no authentication still send none. The key is redacted from `Debug`
    /// like the client's own key; a key that cannot be sent in a header fails the call with
    /// [`Error::Validation`] before anything is sent.
    pub fn secret_key(mut self, secret_key: impl Into<String>) -> Self {
        self.secret_key = Some(Secret::new(secret_key));
        self
    }

    /// Makes a single attempt: the same as `retry_policy(RetryPolicy::none())`.
    pub fn no_retries(self) -> Self {
        self.retry_policy(RetryPolicy::none())
    }

    /// Adds a header to every request. Adding the same name twice sends both values.
    ///
    /// The name and value are checked when a request is sent: an invalid name or value, or one
    /// of the headers the client sets itself (`Authorization`, `Clerk-API-Version`,
    /// `User-Agent`, `Accept`, `Content-Type`, `Content-Length`, `Host`, `Transfer-Encoding`)
    /// fails the call with [`Error::Validation`] before anything is sent. The client's own
    /// headers cannot be overridden so that a call cannot send another key or API version than
    /// the client was built with. Values are never printed by `Debug` or in errors, so they may
    /// hold tokens.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be credentials, so only the names are shown.
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("retry_policy", &self.retry_policy)
            .field("header_names", &header_names)
            .field("secret_key", &self.secret_key)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_normalized_and_checked() {
        assert_eq!(
            normalize_base_url("https://api.clerk.com/v1/", false).unwrap(),
            "https://api.clerk.com/v1"
        );
        for loopback in [
            "http://127.0.0.1:8080",
            "http://127.8.9.1",
            "http://localhost:4010/v1",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert!(normalize_base_url(loopback, false).is_ok(), "{loopback}");
        }
        for bad in [
            "api.clerk.com/v1",
            "ftp://api.clerk.com",
            "https://user:pw@api.clerk.com",
            "https://api.clerk.com/v1?x=1",
            "https://api.clerk.com/v1#f",
            "",
        ] {
            let err = normalize_base_url(bad, true).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}: {err}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
    }

    #[test]
    fn plain_http_to_another_host_needs_an_explicit_opt_in() {
        for remote in [
            "http://api.clerk.com/v1",
            "http://10.0.0.5:8080",
            "http://localhost.example.com",
            "http://[2001:db8::1]",
        ] {
            let err = normalize_base_url(remote, false).unwrap_err();
            assert!(err.to_string().contains("allow_insecure_http"), "{err}");
            assert!(normalize_base_url(remote, true).is_ok(), "{remote}");
        }
        let err = Client::builder()
            .secret_key("sk_live_SECRETVALUE")
            .base_url("http://api.clerk.com/v1")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert!(!err.to_string().contains("SECRETVALUE"), "{err}");
        let client = Client::builder()
            .secret_key("sk_test_1")
            .base_url("http://mock.internal:4010")
            .allow_insecure_http(true)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://mock.internal:4010");
    }

    #[test]
    fn build_requires_a_usable_key() {
        // Only a document whose every alternative needs a credential (BAPI) requires one to
        // build; one with an optional alternative (`{}`, as in the Frontend API) does not.
        let required = crate::SECURITY.iter().all(|set| !set.is_empty());
        assert_eq!(
            matches!(Client::builder().build(), Err(Error::Config(_))),
            required && !crate::SECURITY.is_empty()
        );
        assert!(matches!(Client::new("  "), Err(Error::Config(_))));
        let err = Client::new("sk_test_SECRET\nVALUE").unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert!(matches!(
            Client::builder()
                .secret_key("k")
                .timeout(Duration::ZERO)
                .build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            Client::builder()
                .secret_key("k")
                .http_client(reqwest::Client::new())
                .connect_timeout(Duration::from_secs(1))
                .build(),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn request_options_debug_hides_header_values() {
        let options = RequestOptions::default()
            .header("x-token", "tok_SECRETVALUE")
            .secret_key("ak_SECRETVALUE");
        let printed = format!("{options:?}");
        assert!(
            printed.contains("x-token") && !printed.contains("SECRETVALUE"),
            "{printed}"
        );
    }

    #[test]
    fn client_is_send_sync_and_debug_is_redacted() {
        fn assert_bounds<T: Send + Sync + Clone>() {}
        assert_bounds::<Client>();
        let client = Client::new("sk_test_SECRETVALUE123").unwrap();
        let printed = format!("{client:?} {client:#?}");
        assert!(!printed.contains("SECRETVALUE"), "{printed}");
        assert_eq!(client.base_url(), crate::DEFAULT_BASE_URL);
    }
}
