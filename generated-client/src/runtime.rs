//! The internal interface generated code calls: request building, path and query encoding,
//! parameter validation, the send/retry loop and the pagination helper.
//!
//! This module is public only so that generated code, tests and doc tests can reach it; it is
//! hidden from the documentation and is not part of the crate's stable API.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use futures_core::Stream;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::Value;
use tokio::time::Instant;

pub use reqwest::Method;

use crate::client::{Client, RequestOptions, RetryPolicy};
use crate::error::{
    ApiError, ClerkErrors, Error, Result, ValidationError, excerpt, is_retryable_status,
};
use crate::secret::Secret;

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is percent-encoded,
/// in path segments and in query keys and values alike. Encoding `/`, `?`, `#`, `%`, `&`, `=`
/// and `+` keeps a value inside its own segment or query pair whatever it contains.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The query parameter BAPI accepts as an alternative to the `Clerk-API-Version` header. The
/// API rejects requests that carry both, and the header is always sent, so it is never sent.
const API_VERSION_QUERY_PARAM: &str = "__clerk_api_version";

/// Headers the client sets itself, which [`RequestOptions::header`] may not override.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "clerk-api-version",
    "user-agent",
    "accept",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
];

/// Response headers that carry Clerk's trace id, in the order they are looked at. The
/// `clerk_trace_id` of the JSON body takes precedence over both.
const TRACE_ID_HEADERS: &[&str] = &["x-clerk-trace-id", "clerk-trace-id"];

/// How many characters of a non-JSON error body are kept in [`ApiError::raw_body`].
const RAW_BODY_LIMIT: usize = 4096;

/// How many characters of an undecodable body are kept in [`Error::Decode`].
const DECODE_EXCERPT_LIMIT: usize = 200;

/// How many characters of an offending string value a validation error shows.
const VALIDATION_VALUE_LIMIT: usize = 64;

/// What a validation error shows in place of a secret value.
const REDACTED: &str = "[REDACTED]";

/// A generated string enum, sent in paths and queries as its wire value.
pub trait StringEnum {
    /// The wire value, e.g. `"active"`; for an unknown value received from the API, that value.
    fn as_str(&self) -> &str;
}

/// A value that can fill a path parameter.
pub trait PathValue {
    /// The value as text, before percent-encoding.
    fn path_value(&self) -> Cow<'_, str>;
}

impl PathValue for str {
    fn path_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl PathValue for String {
    fn path_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl<T: StringEnum> PathValue for T {
    fn path_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

/// Implements [`PathValue`] for types whose text form is their `Display`.
macro_rules! path_value_via_display {
    ($($ty:ty),*) => {$(
        impl PathValue for $ty {
            fn path_value(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}

path_value_via_display!(i32, i64, u32, u64, f32, f64);

impl PathValue for bool {
    fn path_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

/// A value that can fill a query parameter: zero, one or several values for one key.
///
/// `None` sends nothing; `Some(0)`, `Some(false)` and `Some("")` are sent; a list sends the key
/// once per element (`k=a&k=b`).
pub trait QueryValue {
    /// Appends the value's text forms, before percent-encoding, to `out`.
    fn query_values(&self, out: &mut Vec<String>);
}

impl QueryValue for str {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(self.to_owned());
    }
}

impl QueryValue for &str {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push((*self).to_owned());
    }
}

impl QueryValue for String {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(self.clone());
    }
}

impl QueryValue for Secret {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(self.expose_secret().to_owned());
    }
}

impl QueryValue for bool {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(if *self { "true" } else { "false" }.to_owned());
    }
}

/// Implements [`QueryValue`] for types whose text form is their `Display`.
macro_rules! query_value_via_display {
    ($($ty:ty),*) => {$(
        impl QueryValue for $ty {
            fn query_values(&self, out: &mut Vec<String>) {
                out.push(self.to_string());
            }
        }
    )*};
}

// Rust prints floats without exponents (`1e21` as `1000000000000000000000`), which every JSON
// and form parser reads back exactly.
query_value_via_display!(i32, i64, u32, u64, f32, f64);

impl<T: StringEnum> QueryValue for T {
    fn query_values(&self, out: &mut Vec<String>) {
        out.push(self.as_str().to_owned());
    }
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn query_values(&self, out: &mut Vec<String>) {
        if let Some(value) = self {
            value.query_values(out);
        }
    }
}

impl<T: QueryValue> QueryValue for [T] {
    fn query_values(&self, out: &mut Vec<String>) {
        for value in self {
            value.query_values(out);
        }
    }
}

impl<T: QueryValue> QueryValue for Vec<T> {
    fn query_values(&self, out: &mut Vec<String>) {
        self.as_slice().query_values(out);
    }
}

/// A file sent as one part of a `multipart/form-data` request, held in memory.
///
/// The API's upload operations (a user's profile image, an organization's or an OAuth
/// application's logo) take one. The bytes are sent as they are, under the given file name and
/// media type; nothing is read from disk, so the file may come from anywhere.
///
/// ```
/// use clerk_bapi::FilePart;
///
/// let logo = FilePart::new(vec![0x89, b'P', b'N', b'G'], "logo.png", "image/png");
/// assert_eq!(format!("{logo:?}"), r#"FilePart { file_name: "logo.png", content_type: "image/png", len: 4 }"#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The content of the file.
    pub bytes: Vec<u8>,
    /// The file name sent with the part, e.g. `logo.png`.
    pub file_name: String,
    /// The media type of the content, e.g. `image/png`. It must be a valid media type, or the
    /// call fails with [`Error::Validation`] before anything is sent.
    pub content_type: String,
}

impl FilePart {
    /// A file part from its content, file name and media type.
    pub fn new(
        bytes: impl Into<Vec<u8>>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
    ) -> Self {
        Self {
            bytes: bytes.into(),
            file_name: file_name.into(),
            content_type: content_type.into(),
        }
    }
}

impl std::fmt::Debug for FilePart {
    /// Shows the name, the media type and the size, not the content, which may be large.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The body of a request, kept in a form every attempt can send again.
#[derive(Clone)]
enum Body {
    /// JSON, serialized once so that every attempt sends the same bytes.
    Json(Vec<u8>),
    /// The parts of a `multipart/form-data` form. A `reqwest::multipart::Form` is consumed by
    /// sending and cannot be cloned, so each attempt builds its own from these.
    Multipart(Vec<FormPart>),
}

impl Body {
    /// The size of the content, for `Debug`.
    fn len(&self) -> usize {
        match self {
            Body::Json(bytes) => bytes.len(),
            Body::Multipart(parts) => parts
                .iter()
                .map(|part| match part {
                    FormPart::Text { value, .. } => value.len(),
                    FormPart::File { file, .. } => file.bytes.len(),
                })
                .sum(),
        }
    }
}

/// One part of a multipart form.
#[derive(Clone)]
enum FormPart {
    /// A text field.
    Text { name: &'static str, value: String },
    /// A file.
    File { name: &'static str, file: FilePart },
}

impl FormPart {
    /// The `reqwest` part, built anew for each attempt. A part owns its bytes, so a file is
    /// copied once per attempt, which costs little next to sending it (and retries are rare).
    fn to_reqwest(&self) -> Result<reqwest::multipart::Part> {
        match self {
            FormPart::Text { value, .. } => Ok(reqwest::multipart::Part::text(value.clone())),
            FormPart::File { name, file } => reqwest::multipart::Part::bytes(file.bytes.clone())
                .file_name(file.file_name.clone())
                .mime_str(&file.content_type)
                .map_err(|_| invalid_content_type(name, &file.content_type)),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            FormPart::Text { name, .. } | FormPart::File { name, .. } => name,
        }
    }
}

/// The error for a file part whose media type is not one, naming the part.
fn invalid_content_type(name: &str, content_type: &str) -> Error {
    ValidationError::new(
        format!("{name}.content_type"),
        show_str(content_type),
        "is not a valid media type",
        "must look like `image/png`",
    )
    .into()
}

/// One API request, built by generated code and sent through a [`Handle`].
///
/// `Debug` shows the query names and the body size but no query value or body byte, since
/// either may hold a secret.
#[derive(Clone)]
pub struct Request {
    method: Method,
    operation_id: &'static str,
    /// The already-encoded path, appended to the client's base URL.
    path: String,
    /// Query pairs in the order they were added, the values already percent-encoded.
    query: Vec<(&'static str, String)>,
    /// Header parameters of the operation, checked when they were added.
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Body>,
    auth: bool,
}

impl Request {
    /// A request for the operation `operation_id` (used in error messages), with an empty path.
    pub fn new(method: Method, operation_id: &'static str) -> Self {
        Self {
            method,
            operation_id,
            path: String::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            auth: true,
        }
    }

    /// Appends a literal piece of the path template, e.g. `/machines/`. It is used as is.
    pub fn path(&mut self, literal: &'static str) {
        self.path.push_str(literal);
    }

    /// Appends a path parameter as exactly one percent-encoded segment.
    ///
    /// Fails with [`Error::Validation`] naming the parameter when the value is empty, `.` or
    /// `..`: such a segment would vanish or climb to the parent path and reach another endpoint.
    pub fn path_param(
        &mut self,
        name: &'static str,
        value: &(impl PathValue + ?Sized),
    ) -> Result<()> {
        let value = value.path_value();
        if matches!(value.as_ref(), "" | "." | "..") {
            return Err(ValidationError::new(
                name,
                show_str(&value),
                "is not a valid path segment",
                "must not be empty, \".\" or \"..\"",
            )
            .into());
        }
        self.path.extend(utf8_percent_encode(&value, COMPONENT));
        Ok(())
    }

    /// Adds a query parameter; see [`QueryValue`] for what is sent. `__clerk_api_version` is
    /// dropped, since the `Clerk-API-Version` header already carries the version.
    pub fn query(&mut self, name: &'static str, value: &(impl QueryValue + ?Sized)) {
        if name == API_VERSION_QUERY_PARAM {
            return;
        }
        let mut values = Vec::new();
        value.query_values(&mut values);
        self.query.extend(
            values
                .into_iter()
                .map(|v| (name, utf8_percent_encode(&v, COMPONENT).to_string())),
        );
    }

    /// Adds a list query parameter sent as one comma-separated value (`k=a,b`), for parameters
    /// the document declares with `style: form, explode: false`. Each value is percent-encoded
    /// on its own, so a comma inside a value (`%2C`) stays apart from the separators. An empty
    /// list or `None` sends nothing.
    pub fn query_csv(&mut self, name: &'static str, value: &(impl QueryValue + ?Sized)) {
        if name == API_VERSION_QUERY_PARAM {
            return;
        }
        let mut values = Vec::new();
        value.query_values(&mut values);
        if values.is_empty() {
            return;
        }
        let joined: Vec<String> = values
            .iter()
            .map(|v| utf8_percent_encode(v, COMPONENT).to_string())
            .collect();
        self.query.push((name, joined.join(",")));
    }

    /// Adds a header parameter of the operation; a list is sent as one comma-separated value
    /// and `None` sends nothing.
    ///
    /// Fails with [`Error::Validation`] when the value cannot be sent in a header (line breaks,
    /// non-visible characters) or the name is one the client sets itself. Values are marked
    /// sensitive and never shown in errors.
    pub fn header(&mut self, name: &'static str, value: &(impl QueryValue + ?Sized)) -> Result<()> {
        let mut values = Vec::new();
        value.query_values(&mut values);
        if values.is_empty() {
            return Ok(());
        }
        let field = || format!("header {name:?}");
        let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            ValidationError::new(
                field(),
                REDACTED,
                "has an invalid name",
                "must be a valid HTTP header name",
            )
        })?;
        if RESERVED_HEADERS.contains(&header_name.as_str()) {
            return Err(ValidationError::new(
                field(),
                REDACTED,
                "cannot be set by a parameter",
                "the client sets it itself",
            )
            .into());
        }
        let mut header_value = HeaderValue::from_str(&values.join(",")).map_err(|_| {
            ValidationError::new(
                field(),
                REDACTED,
                "has an invalid value",
                "must be visible ASCII, spaces or tabs, without line breaks",
            )
        })?;
        header_value.set_sensitive(true);
        self.headers.push((header_name, header_value));
        Ok(())
    }

    /// Sets a JSON body, serialized now so that retries resend the same bytes.
    ///
    /// Fails with [`Error::Encode`] when the value cannot be serialized.
    pub fn json<T: Serialize + ?Sized>(&mut self, body: &T) -> Result<()> {
        let bytes = serde_json::to_vec(body).map_err(|source| Error::Encode {
            operation: self.operation_id,
            source,
        })?;
        self.body = Some(Body::Json(bytes));
        Ok(())
    }

    /// Appends parts to the `multipart/form-data` body, making the body a form if it was not.
    fn push_parts(&mut self, new: impl IntoIterator<Item = FormPart>) {
        let mut parts = match self.body.take() {
            Some(Body::Multipart(parts)) => parts,
            _ => Vec::new(),
        };
        parts.extend(new);
        self.body = Some(Body::Multipart(parts));
    }

    /// Makes the body a `multipart/form-data` form (empty until parts are added), so that an
    /// upload whose parts are all `None` still sends a form.
    pub fn multipart(&mut self) {
        self.push_parts(None);
    }

    /// Adds text fields to the multipart body: one part per value (a list gives one part per
    /// element, `None` none), with the same text forms as query values.
    pub fn multipart_text(&mut self, name: &'static str, value: &(impl QueryValue + ?Sized)) {
        let mut values = Vec::new();
        value.query_values(&mut values);
        self.push_parts(
            values
                .into_iter()
                .map(|value| FormPart::Text { name, value }),
        );
    }

    /// Adds a file to the multipart body; `None` adds nothing.
    ///
    /// Fails with [`Error::Validation`] when the file's `content_type` is not a valid media type.
    pub fn multipart_file(
        &mut self,
        name: &'static str,
        file: impl Into<Option<FilePart>>,
    ) -> Result<()> {
        let Some(file) = file.into() else {
            self.multipart();
            return Ok(());
        };
        if reqwest::multipart::Part::bytes(Vec::new())
            .mime_str(&file.content_type)
            .is_err()
        {
            return Err(invalid_content_type(name, &file.content_type));
        }
        self.push_parts(Some(FormPart::File { name, file }));
        Ok(())
    }

    /// Sends no `Authorization` header, for the operations the API document marks `security: []`.
    pub fn no_auth(&mut self) {
        self.auth = false;
    }

    /// The full URL, and the same without its query for error messages (query values may be
    /// secrets).
    fn url(&self, base_url: &str) -> Result<(Url, String)> {
        let without_query = format!("{base_url}{}", self.path);
        let mut full = without_query.clone();
        for (i, (name, value)) in self.query.iter().enumerate() {
            full.push(if i == 0 { '?' } else { '&' });
            full.extend(utf8_percent_encode(name, COMPONENT));
            full.push('=');
            full.push_str(value);
        }
        let url = Url::parse(&full).map_err(|err| {
            Error::Config(format!(
                "could not build the URL of {} from {without_query:?}: {err}",
                self.operation_id
            ))
        })?;
        Ok((url, without_query))
    }

    /// Whether repeating the request cannot change the outcome (RFC 9110 §9.2.2), which makes
    /// it safe to retry after a failure that may have happened after the server acted.
    fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD | Method::OPTIONS
        )
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let query_names: Vec<&str> = self.query.iter().map(|(name, _)| *name).collect();
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        let part_names: Vec<&str> = match &self.body {
            Some(Body::Multipart(parts)) => parts.iter().map(FormPart::name).collect(),
            _ => Vec::new(),
        };
        let body_len = self.body.as_ref().map(Body::len);
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("operation_id", &self.operation_id)
            .field("path", &self.path)
            .field("query_names", &query_names)
            .field("header_names", &header_names)
            .field("part_names", &part_names)
            .field("body_len", &body_len)
            .field("auth", &self.auth)
            .finish()
    }
}

/// A successful (2xx) response, read in full.
struct Success {
    status: StatusCode,
    body: Vec<u8>,
}

/// What generated group handles hold: the client, plus the options of the calls made through it.
#[derive(Debug, Clone)]
pub struct Handle<'a> {
    client: &'a Client,
    options: Option<RequestOptions>,
}

impl<'a> Handle<'a> {
    /// A handle using the client's settings.
    pub fn new(client: &'a Client) -> Self {
        Self {
            client,
            options: None,
        }
    }

    /// Applies `options` to the calls made through this handle, replacing earlier options.
    pub fn with_options(self, options: RequestOptions) -> Self {
        Self {
            options: Some(options),
            ..self
        }
    }

    /// Sends the request and decodes a 2xx body as JSON.
    pub async fn send_json<T: DeserializeOwned>(&self, request: Request) -> Result<T> {
        let operation = request.operation_id;
        let success = self.execute(request).await?;
        serde_json::from_slice(&success.body).map_err(|source| Error::Decode {
            operation,
            status: success.status.as_u16(),
            excerpt: redacted_excerpt(&success.body),
            source,
        })
    }

    /// Sends the request and returns a 2xx body as text; invalid UTF-8 is replaced by U+FFFD.
    pub async fn send_text(&self, request: Request) -> Result<String> {
        let success = self.execute(request).await?;
        Ok(String::from_utf8_lossy(&success.body).into_owned())
    }

    /// Sends the request and ignores the body of any 2xx answer.
    pub async fn send_empty(&self, request: Request) -> Result<()> {
        self.execute(request).await.map(|_| ())
    }

    /// Sends the request, retrying per the retry policy, until a 2xx answer or a final error.
    async fn execute(&self, request: Request) -> Result<Success> {
        let inner = &self.client.inner;
        let options = self.options.as_ref();
        let timeout = options.and_then(|o| o.timeout).unwrap_or(inner.timeout);
        let policy = options
            .and_then(|o| o.retry_policy.as_ref())
            .unwrap_or(&inner.retry_policy);
        // Both are checked before the first attempt, so that a bad header or URL sends nothing.
        let headers = self.headers(&request)?;
        let (url, display_url) = request.url(&inner.base_url)?;

        let started = Instant::now();
        let mut attempt: u32 = 1;
        loop {
            let error = match self
                .attempt(&request, &url, &display_url, &headers, timeout)
                .await
            {
                Ok(success) => return Ok(success),
                Err(error) => error,
            };
            match retry_delay(policy, &request, &error, attempt, started.elapsed()) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(error),
            }
            attempt += 1;
        }
    }

    /// One attempt: send, read the whole body, and turn a non-2xx answer into [`Error::Api`].
    async fn attempt(
        &self,
        request: &Request,
        url: &Url,
        display_url: &str,
        headers: &HeaderMap,
        timeout: Duration,
    ) -> Result<Success> {
        let mut builder = self
            .client
            .inner
            .http
            .request(request.method.clone(), url.clone())
            .headers(headers.clone());
        match &request.body {
            Some(Body::Json(bytes)) => builder = builder.body(bytes.clone()),
            Some(Body::Multipart(parts)) => {
                let mut form = reqwest::multipart::Form::new();
                for part in parts {
                    form = form.part(part.name(), part.to_reqwest()?);
                }
                builder = builder.multipart(form);
            }
            None => {}
        }
        let exchange = async {
            let response = builder.send().await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        // The timeout covers reading the body too, so a server that trickles bytes cannot hold
        // a call forever.
        let (status, response_headers, body) = match tokio::time::timeout(timeout, exchange).await {
            Err(_) => {
                return Err(Error::Timeout {
                    operation: request.operation_id,
                    timeout,
                });
            }
            Ok(Err(source)) => {
                return Err(Error::Transport {
                    operation: request.operation_id,
                    url: display_url.to_owned(),
                    // reqwest's message includes the full URL, query values included.
                    source: source.without_url(),
                });
            }
            Ok(Ok(exchange)) => exchange,
        };
        if status.is_success() {
            Ok(Success {
                status,
                body: body.to_vec(),
            })
        } else {
            Err(api_error(
                request.operation_id,
                status,
                &response_headers,
                &body,
                SystemTime::now(),
            )
            .into())
        }
    }

    /// The headers of every attempt: the client's, then the per-call extra headers.
    fn headers(&self, request: &Request) -> Result<HeaderMap> {
        let inner = &self.client.inner;
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(header::USER_AGENT, inner.user_agent.clone());
        headers.insert(
            HeaderName::from_static("clerk-api-version"),
            inner.api_version.clone(),
        );
        if request.auth {
            headers.insert(header::AUTHORIZATION, inner.authorization.clone());
        }
        // A multipart body gets its `Content-Type` (with the boundary) from the form itself.
        if let Some(Body::Json(_)) = request.body {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        for (name, value) in &request.headers {
            headers.append(name.clone(), value.clone());
        }
        for (name, value) in self.options.iter().flat_map(|o| &o.headers) {
            // Values may be credentials, so errors show the header name only.
            let field = || format!("header {name:?}");
            let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                ValidationError::new(
                    field(),
                    REDACTED,
                    "has an invalid name",
                    "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
                )
            })?;
            if RESERVED_HEADERS.contains(&header_name.as_str()) {
                return Err(ValidationError::new(
                    field(),
                    REDACTED,
                    "cannot be set per call",
                    "the client sets it itself",
                )
                .into());
            }
            let mut header_value = HeaderValue::from_str(value).map_err(|_| {
                ValidationError::new(
                    field(),
                    REDACTED,
                    "has an invalid value",
                    "must be visible ASCII, spaces or tabs, without line breaks",
                )
            })?;
            header_value.set_sensitive(true);
            headers.append(header_name, header_value);
        }
        Ok(headers)
    }
}

/// How long to wait before the next attempt, or `None` when `error` is final.
fn retry_delay(
    policy: &RetryPolicy,
    request: &Request,
    error: &Error,
    attempt: u32,
    elapsed: Duration,
) -> Option<Duration> {
    if attempt >= policy.max_attempts.max(1) {
        return None;
    }
    let idempotent = request.is_idempotent();
    let (retry, retry_after) = match error {
        // Clerk did not process a rate-limited request, so even a POST is safe to send again.
        Error::Api(api) if api.status == 429 => (true, api.retry_after),
        // The request may have been processed before the server failed or the connection
        // dropped, so only methods that can be repeated safely are retried.
        Error::Api(api) if is_retryable_status(api.status) => (idempotent, api.retry_after),
        Error::Timeout { .. } => (idempotent, None),
        Error::Transport { source, .. } => (
            idempotent && !source.is_builder() && !source.is_redirect(),
            None,
        ),
        _ => (false, None),
    };
    if !retry {
        return None;
    }
    let delay = retry_after.unwrap_or_else(|| policy.backoff(attempt));
    // A wait that would end past the budget is not begun: the caller gets the error (with its
    // `retry_after`) now rather than a failure later. This also caps absurd `Retry-After`s.
    let remaining = policy.max_elapsed.checked_sub(elapsed)?;
    (delay <= remaining).then_some(delay)
}

/// Builds the API error of a non-2xx answer.
fn api_error(
    operation: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> ApiError {
    let header_trace_id = TRACE_ID_HEADERS.iter().find_map(|name| {
        let value = headers.get(*name)?.to_str().ok()?.trim();
        (!value.is_empty()).then(|| value.to_owned())
    });
    let retry_after = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now));
    let mut error = ApiError {
        operation,
        status: status.as_u16(),
        errors: Vec::new(),
        meta: None,
        clerk_trace_id: None,
        retry_after,
        raw_body: None,
    };
    if let Ok(parsed) = serde_json::from_slice::<ClerkErrors>(body) {
        error.clerk_trace_id = parsed.clerk_trace_id.filter(|t| !t.is_empty());
        error.meta = parsed.meta;
        error.errors = parsed.errors;
    }
    if error.errors.is_empty() && !body.is_empty() {
        // JSON without Clerk errors, or no JSON at all (a proxy's HTML page): keep the body so
        // that the failure can still be understood.
        let text = String::from_utf8_lossy(body);
        error.raw_body = Some(text.chars().take(RAW_BODY_LIMIT).collect());
    }
    if error.clerk_trace_id.is_none() {
        error.clerk_trace_id = header_trace_id;
    }
    error
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). A date in the past
/// means no wait; a number too large for `u64` means "a very long time".
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The start of an undecodable body for [`Error::Decode`], with secret-looking JSON values
/// redacted: a success body may hold a secret (a machine's `secret_key`), and the excerpt ends up
/// in logs.
fn redacted_excerpt(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_secrets(&mut value);
            excerpt(&value.to_string(), DECODE_EXCERPT_LIMIT)
        }
        Err(_) => excerpt(&String::from_utf8_lossy(body), DECODE_EXCERPT_LIMIT),
    }
}

/// Replaces the values of object keys that name secrets with `"[REDACTED]"`, at any depth.
fn redact_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                let key = key.to_ascii_lowercase();
                if ["secret", "token", "password", "private_key", "jwt"]
                    .iter()
                    .any(|word| key.contains(word))
                {
                    *value = Value::String(REDACTED.to_owned());
                } else {
                    redact_secrets(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_secrets),
        _ => {}
    }
}

/// A string value as a validation error shows it: quoted, escaped and shortened.
fn show_str(value: &str) -> String {
    let mut shown: String = value.chars().take(VALIDATION_VALUE_LIMIT).collect();
    if value.chars().nth(VALIDATION_VALUE_LIMIT).is_some() {
        shown.push('…');
    }
    format!("{shown:?}")
}

/// Checks `value` against inclusive or exclusive bounds.
fn check_range<T: PartialOrd + Display + Copy>(
    name: &str,
    value: T,
    min: Option<T>,
    max: Option<T>,
    exclusive_min: bool,
    exclusive_max: bool,
) -> Result<()> {
    let out_of_range = |constraint: String| {
        Err(ValidationError::new(name, value.to_string(), "is out of range", constraint).into())
    };
    if let Some(min) = min {
        // Written so that NaN fails every bound.
        let ok = if exclusive_min {
            value > min
        } else {
            value >= min
        };
        if !ok {
            let word = if exclusive_min {
                "greater than"
            } else {
                "at least"
            };
            return out_of_range(format!("must be {word} {min}"));
        }
    }
    if let Some(max) = max {
        let ok = if exclusive_max {
            value < max
        } else {
            value <= max
        };
        if !ok {
            let word = if exclusive_max {
                "less than"
            } else {
                "at most"
            };
            return out_of_range(format!("must be {word} {max}"));
        }
    }
    Ok(())
}

/// Checks an integer against the document's `minimum`/`maximum` (exclusive when the flags say
/// so). Generated code checks optional parameters with `if let Some(v) = &params.x { .. }`.
pub fn check_int(
    name: &str,
    value: impl Into<i64>,
    min: Option<i64>,
    max: Option<i64>,
    exclusive_min: bool,
    exclusive_max: bool,
) -> Result<()> {
    check_range(name, value.into(), min, max, exclusive_min, exclusive_max)
}

/// Checks a number against the document's `minimum`/`maximum`; NaN fails any bound.
pub fn check_number(
    name: &str,
    value: impl Into<f64>,
    min: Option<f64>,
    max: Option<f64>,
    exclusive_min: bool,
    exclusive_max: bool,
) -> Result<()> {
    check_range(name, value.into(), min, max, exclusive_min, exclusive_max)
}

/// Checks a string's length in characters (Unicode scalar values, as JSON Schema counts them)
/// against `minLength`/`maxLength`.
pub fn check_len(name: &str, value: &str, min: Option<usize>, max: Option<usize>) -> Result<()> {
    check_len_inner(name, value, min, max, false)
}

/// [`check_len`] for a secret: the error shows `[REDACTED]` instead of the value.
pub fn check_len_secret(
    name: &str,
    value: &Secret,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<()> {
    check_len_inner(name, value.expose_secret(), min, max, true)
}

fn check_len_inner(
    name: &str,
    value: &str,
    min: Option<usize>,
    max: Option<usize>,
    secret: bool,
) -> Result<()> {
    let len = value.chars().count();
    let problem = match (min, max) {
        (Some(min), _) if len < min => Some((
            "is too short",
            format!("must have at least {}", characters(min)),
        )),
        (_, Some(max)) if len > max => Some((
            "is too long",
            format!("must have at most {}", characters(max)),
        )),
        _ => None,
    };
    let Some((problem, mut constraint)) = problem else {
        return Ok(());
    };
    let shown = if secret {
        REDACTED.to_owned()
    } else {
        constraint.push_str(&format!(" (it has {len})"));
        show_str(value)
    };
    Err(ValidationError::new(name, shown, problem, constraint).into())
}

/// `n` with the word "character", pluralized as English wants.
fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

/// Checks a list's length against `minItems`/`maxItems`.
pub fn check_items(name: &str, len: usize, min: Option<usize>, max: Option<usize>) -> Result<()> {
    let problem = match (min, max) {
        (Some(min), _) if len < min => ("has too few items", format!("must have at least {min}")),
        (_, Some(max)) if len > max => ("has too many items", format!("must have at most {max}")),
        _ => return Ok(()),
    };
    Err(ValidationError::new(name, format!("[{len} items]"), problem.0, problem.1).into())
}

/// Checks a string against the document's `pattern`, which JSON Schema matches anywhere in the
/// string (anchors only where the pattern has `^`/`$`).
///
/// Patterns are ECMA-262 regular expressions; the few that the `regex-lite` engine cannot compile
/// (look-around, backreferences) are not checked at all, leaving it to the server, rather than
/// failing valid input or panicking.
pub fn check_pattern(name: &str, value: &str, pattern: &'static str) -> Result<()> {
    check_pattern_inner(name, value, pattern, false)
}

/// [`check_pattern`] for a secret: the error shows `[REDACTED]` instead of the value.
pub fn check_pattern_secret(name: &str, value: &Secret, pattern: &'static str) -> Result<()> {
    check_pattern_inner(name, value.expose_secret(), pattern, true)
}

fn check_pattern_inner(name: &str, value: &str, pattern: &'static str, secret: bool) -> Result<()> {
    let Some(regex) = compiled_pattern(pattern) else {
        return Ok(());
    };
    if regex.is_match(value) {
        return Ok(());
    }
    let shown = if secret {
        REDACTED.to_owned()
    } else {
        show_str(value)
    };
    Err(ValidationError::new(
        name,
        shown,
        "does not match the pattern",
        format!("must match {pattern:?}"),
    )
    .into())
}

/// The compiled form of `pattern`, or `None` when it does not compile. Compiled once per pattern
/// and shared, since generated code checks the same few patterns on every call.
fn compiled_pattern(pattern: &'static str) -> Option<Arc<regex_lite::Regex>> {
    /// Each pattern seen, with its compiled form or `None` when it does not compile.
    type Cache = Mutex<HashMap<&'static str, Option<Arc<regex_lite::Regex>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // A panic while the lock was held cannot leave the map half-updated, so a poisoned lock is
    // still safe to use.
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(pattern)
        .or_insert_with(|| regex_lite::Regex::new(pattern).ok().map(Arc::new))
        .clone()
}

/// Checks that the parameters satisfy the document's `anyOf` (at least one alternative) or
/// `oneOf` (exactly one) of required-field sets, e.g. "`domain` or `domains`".
///
/// `alternatives` names each set as it is shown in the error (`domain`, or `a` and `b`), and
/// `satisfied` says, in the same order, whether all fields of that set are present.
pub fn check_alternatives(
    alternatives: &[&str],
    satisfied: &[bool],
    exactly_one: bool,
) -> Result<()> {
    let given = satisfied.iter().filter(|s| **s).count();
    let field = alternatives.join(" | ");
    let listed = alternatives
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if given == 0 {
        let rule = if exactly_one { "exactly" } else { "at least" };
        return Err(ValidationError::new(
            field,
            "[none given]",
            "is missing",
            format!("must give {rule} one of {listed}"),
        )
        .into());
    }
    if exactly_one && given > 1 {
        return Err(ValidationError::new(
            field,
            format!("[{given} given]"),
            "is ambiguous",
            format!("must give exactly one of {listed}"),
        )
        .into());
    }
    Ok(())
}

/// The text of a discriminator property (`"object": "verification_otp"`), used by generated
/// `oneOf` enums to pick the variant to decode. `None` when the value is not an object or the
/// property is missing or not a string.
pub fn tag(value: &Value, property: &str) -> Option<String> {
    value.get(property)?.as_str().map(str::to_owned)
}

/// Decodes a variant of a generated `oneOf` enum from an already parsed JSON value, with the
/// error type of the deserializer the enum was read with.
pub fn decode<T: DeserializeOwned, E: serde::de::Error>(value: Value) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

/// Tries to decode a variant of a generated `oneOf` enum without a discriminator; `None` when
/// the value does not have that variant's shape, so that the next variant can be tried.
pub fn try_decode<T: DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}

/// Serializes a variant of a generated `oneOf` enum with a discriminator, adding the
/// discriminator property when the variant does not carry it (the document does not always
/// require it in the variants), so that what is written decodes back to the same variant.
pub fn serialize_tagged<T: Serialize + ?Sized, S: Serializer>(
    value: &T,
    property: &str,
    tag: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut json = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    if let Value::Object(map) = &mut json
        && !map.contains_key(property)
    {
        map.insert(property.to_owned(), Value::String(tag.to_owned()));
    }
    json.serialize(serializer)
}

/// Walks every page of a `limit`/`offset` list operation, yielding the items one by one.
///
/// `fetch(limit, offset)` returns one page and the `total_count` the API reports. The walk starts at
/// `start_offset` and stops after an empty page, once `offset` reaches `total_count`, or after
/// yielding the first error. `page_size` below 1 counts as 1, a negative start as 0. The stream is `Unpin`, and `Send` when `fetch`, its future and
/// the items are.
pub fn paginate<T, F, Fut>(
    page_size: i64,
    start_offset: i64,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Unpin
where
    F: FnMut(i64, i64) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, i64)>>,
{
    struct State<T, F> {
        fetch: F,
        page_size: i64,
        offset: i64,
        page: std::vec::IntoIter<T>,
        done: bool,
    }
    let state = State {
        fetch,
        page_size: page_size.max(1),
        offset: start_offset.max(0),
        page: Vec::new().into_iter(),
        done: false,
    };
    Box::pin(futures_util::stream::unfold(
        state,
        |mut state| async move {
            loop {
                if let Some(item) = state.page.next() {
                    return Some((Ok(item), state));
                }
                if state.done {
                    return None;
                }
                match (state.fetch)(state.page_size, state.offset).await {
                    Err(error) => {
                        state.done = true;
                        return Some((Err(error), state));
                    }
                    Ok((items, total_count)) => {
                        if items.is_empty() {
                            return None;
                        }
                        let fetched = i64::try_from(items.len()).unwrap_or(i64::MAX);
                        state.offset = state.offset.saturating_add(fetched);
                        state.done = state.offset >= total_count;
                        state.page = items.into_iter();
                    }
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded_path(value: &str) -> Result<String> {
        let mut request = Request::new(Method::GET, "Test");
        request.path("/machines/");
        request.path_param("machine_id", value)?;
        Ok(request.path)
    }

    #[test]
    fn path_params_are_one_encoded_segment() {
        assert_eq!(encoded_path("mch_123").unwrap(), "/machines/mch_123");
        assert_eq!(encoded_path("a/b").unwrap(), "/machines/a%2Fb");
        assert_eq!(encoded_path("x?y=1").unwrap(), "/machines/x%3Fy%3D1");
        assert_eq!(encoded_path("mch #1").unwrap(), "/machines/mch%20%231");
        assert_eq!(encoded_path("../users").unwrap(), "/machines/..%2Fusers");
        assert_eq!(encoded_path("%2e%2e").unwrap(), "/machines/%252e%252e");
        assert_eq!(encoded_path("é~-._").unwrap(), "/machines/%C3%A9~-._");
        for bad in ["", ".", ".."] {
            let err = encoded_path(bad).unwrap_err();
            assert!(
                matches!(err, Error::Validation(ref v) if v.field == "machine_id"),
                "{err}"
            );
        }
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_the_query() {
        let mut request = Request::new(Method::GET, "Test");
        request.path("/machines");
        request.query("q", "a b&c=d+e");
        request.query("n", &Some(0i64));
        request.query("skip", &None::<i64>);
        request.query(API_VERSION_QUERY_PARAM, "2020-01-01");
        let (url, display) = request.url("https://api.clerk.com/v1").unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.clerk.com/v1/machines?q=a%20b%26c%3Dd%2Be&n=0"
        );
        assert_eq!(display, "https://api.clerk.com/v1/machines");
    }

    #[test]
    fn request_debug_hides_query_values_and_body() {
        let mut request = Request::new(Method::POST, "Test");
        request.path("/machines");
        request.query("token", &Secret::new("tok_SECRETVALUE"));
        request.query("name", &Some("robot"));
        request
            .json(&serde_json::json!({"secret": "SECRETVALUE"}))
            .unwrap();
        let printed = format!("{request:?}");
        assert!(!printed.contains("SECRETVALUE"), "{printed}");
        assert!(
            printed.contains("\"token\"") && printed.contains("body_len: Some(24)"),
            "{printed}"
        );
    }

    #[test]
    fn query_values_cover_every_kind() {
        struct Status;
        impl StringEnum for Status {
            fn as_str(&self) -> &str {
                "active"
            }
        }
        let mut out = Vec::new();
        Some(false).query_values(&mut out);
        Some(String::new()).query_values(&mut out);
        vec![1u32, 2].query_values(&mut out);
        [1.5f64][..].query_values(&mut out);
        Status.query_values(&mut out);
        Some(vec![Status]).query_values(&mut out);
        Secret::new("s").query_values(&mut out);
        assert_eq!(out, ["false", "", "1", "2", "1.5", "active", "active", "s"]);
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(5)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    fn api(status: u16, retry_after: Option<Duration>) -> Error {
        let mut headers = HeaderMap::new();
        if let Some(d) = retry_after {
            headers.insert(header::RETRY_AFTER, d.as_secs().into());
        }
        api_error(
            "Test",
            StatusCode::from_u16(status).unwrap(),
            &headers,
            b"",
            SystemTime::now(),
        )
        .into()
    }

    #[test]
    fn retry_rules_follow_method_status_and_budget() {
        let policy = RetryPolicy::default();
        let post = Request::new(Method::POST, "Test");
        let get = Request::new(Method::GET, "Test");
        let patch = Request::new(Method::PATCH, "Test");
        let zero = Duration::ZERO;
        let secs = Duration::from_secs;

        assert_eq!(
            retry_delay(&policy, &post, &api(429, Some(secs(2))), 1, zero),
            Some(secs(2))
        );
        assert!(retry_delay(&policy, &post, &api(429, None), 1, zero).is_some());
        assert_eq!(retry_delay(&policy, &post, &api(500, None), 1, zero), None);
        assert_eq!(retry_delay(&policy, &patch, &api(503, None), 1, zero), None);
        for status in [500, 502, 503, 504] {
            assert!(retry_delay(&policy, &get, &api(status, None), 1, zero).is_some());
        }
        for status in [400, 401, 404, 409, 422, 501] {
            assert_eq!(
                retry_delay(&policy, &get, &api(status, None), 1, zero),
                None
            );
        }
        let timeout = Error::Timeout {
            operation: "Test",
            timeout: secs(1),
        };
        assert!(retry_delay(&policy, &get, &timeout, 1, zero).is_some());
        assert_eq!(retry_delay(&policy, &post, &timeout, 1, zero), None);
        // Attempt bound.
        assert_eq!(retry_delay(&policy, &get, &api(503, None), 3, zero), None);
        assert_eq!(
            retry_delay(&RetryPolicy::none(), &get, &api(429, None), 1, zero),
            None
        );
        // Budget: a Retry-After past what is left is not waited for.
        assert_eq!(
            retry_delay(&policy, &get, &api(429, Some(secs(31))), 1, zero),
            None
        );
        assert_eq!(
            retry_delay(&policy, &get, &api(429, Some(secs(5))), 1, secs(26)),
            None
        );
        assert_eq!(
            retry_delay(&policy, &get, &api(429, Some(secs(5))), 1, secs(40)),
            None
        );
    }

    #[test]
    fn api_errors_take_the_trace_id_from_body_then_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "clerk-trace-id",
            HeaderValue::from_static("from-second-header"),
        );
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        let now = SystemTime::now();
        let body = br#"{"errors":[{"code":"c","message":"m"}],"clerk_trace_id":"from-body"}"#;
        let err = api_error("Test", status, &headers, body, now);
        assert_eq!(err.clerk_trace_id.as_deref(), Some("from-body"));
        assert_eq!(err.raw_body, None);

        let err = api_error(
            "Test",
            status,
            &headers,
            br#"{"errors":[{"code":"c","message":"m"}]}"#,
            now,
        );
        assert_eq!(err.clerk_trace_id.as_deref(), Some("from-second-header"));
        headers.insert(
            "x-clerk-trace-id",
            HeaderValue::from_static("from-first-header"),
        );
        let err = api_error("Test", status, &headers, b"{}", now);
        assert_eq!(err.clerk_trace_id.as_deref(), Some("from-first-header"));
        assert_eq!(err.raw_body.as_deref(), Some("{}"));
    }

    #[test]
    fn decode_excerpts_redact_secret_fields() {
        let body = br#"{"object":"machine_secret_key","secret":"ak_SECRETVALUE","nested":[{"client_secret":"x_SECRETVALUE"}]}"#;
        let shown = redacted_excerpt(body);
        assert!(!shown.contains("SECRETVALUE"), "{shown}");
        assert!(shown.contains("machine_secret_key"), "{shown}");
        assert_eq!(redacted_excerpt(&[b'a'; 300]).chars().count(), 201);
    }

    #[test]
    fn range_checks_name_field_value_and_bound() {
        let err = check_int(
            "previous_token_ttl",
            28801,
            Some(0),
            Some(28800),
            false,
            false,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "previous_token_ttl = 28801 is out of range: must be at most 28800"
        );
        assert!(check_int("x", 28800, Some(0), Some(28800), false, false).is_ok());
        assert!(check_int("x", 0i32, Some(0), None, false, false).is_ok());
        let err = check_int("x", 0, Some(0), None, true, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x = 0 is out of range: must be greater than 0"
        );
        let err = check_number("ratio", 1.0, None, Some(1.0), false, true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ratio = 1 is out of range: must be less than 1"
        );
        assert!(check_number("ratio", f64::NAN, Some(0.0), None, false, false).is_err());
        assert!(check_number("ratio", 0.5f32, Some(0.0), Some(1.0), false, false).is_ok());
    }

    #[test]
    fn length_checks_count_chars_and_hide_secrets() {
        assert!(check_len("name", "ééé", None, Some(3)).is_ok());
        let err = check_len("name", "", Some(1), Some(255)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "name = \"\" is too short: must have at least 1 character (it has 0)"
        );
        let err =
            check_len_secret("secret", &Secret::new("SECRETVALUE"), None, Some(3)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret = [REDACTED] is too long: must have at most 3 characters"
        );
        let long = "x".repeat(100);
        let err = check_len("name", &long, None, Some(10)).unwrap_err();
        assert!(err.to_string().len() < 150, "{err}");
        let err = check_items("scopes", 151, None, Some(150)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "scopes = [151 items] has too many items: must have at most 150"
        );
        assert!(check_items("scopes", 0, Some(0), Some(150)).is_ok());
    }

    #[test]
    fn pattern_checks_search_cache_and_skip_bad_patterns() {
        assert!(check_pattern("id", "mch_123", "^mch_[a-z0-9]+$").is_ok());
        assert!(check_pattern("id", "xx mch_1", "mch_").is_ok());
        let err = check_pattern("id", "user_1", "^mch_").unwrap_err();
        assert_eq!(
            err.to_string(),
            "id = \"user_1\" does not match the pattern: must match \"^mch_\""
        );
        let err = check_pattern_secret("key", &Secret::new("SECRETVALUE"), "^ak_").unwrap_err();
        assert!(!err.to_string().contains("SECRETVALUE"));
        // Look-ahead is not supported by regex-lite: no check rather than a panic.
        assert!(check_pattern("id", "anything", "^(?=a)").is_ok());
        assert!(check_pattern("id", "anything", "(").is_ok());
    }
}
