//! Building one request: method, path, query, headers and body.

use percent_encoding::utf8_percent_encode;
use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;

use reqwest::Method;

use super::encode::{COMPONENT, PathValue, QueryValue};
use super::validate::{REDACTED, show_str};
use crate::error::{Error, Result, ValidationError};

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
pub(super) enum Body {
    /// JSON, serialized once so that every attempt sends the same bytes.
    Json(Vec<u8>),
    /// The parts of a `multipart/form-data` form. A `reqwest::multipart::Form` is consumed by
    /// sending and cannot be cloned, so each attempt builds its own from these.
    Multipart(Vec<FormPart>),
    /// Bytes sent as they are with this `Content-Type`: a URL-encoded form, or a body of bytes.
    Raw {
        bytes: Vec<u8>,
        content_type: &'static str,
    },
}

impl Body {
    /// The size of the content, for `Debug`.
    pub(super) fn len(&self) -> usize {
        match self {
            Body::Json(bytes) | Body::Raw { bytes, .. } => bytes.len(),
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
pub(super) enum FormPart {
    /// A text field.
    Text { name: &'static str, value: String },
    /// A file.
    File { name: &'static str, file: FilePart },
}

impl FormPart {
    /// The `reqwest` part, built anew for each attempt. A part owns its bytes, so a file is
    /// copied once per attempt, which costs little next to sending it (and retries are rare).
    pub(super) fn to_reqwest(&self) -> Result<reqwest::multipart::Part> {
        match self {
            FormPart::Text { value, .. } => Ok(reqwest::multipart::Part::text(value.clone())),
            FormPart::File { name, file } => reqwest::multipart::Part::bytes(file.bytes.clone())
                .file_name(file.file_name.clone())
                .mime_str(&file.content_type)
                .map_err(|_| invalid_content_type(name, &file.content_type)),
        }
    }

    pub(super) fn name(&self) -> &'static str {
        match self {
            FormPart::Text { name, .. } | FormPart::File { name, .. } => name,
        }
    }
}

/// The error for a file part whose media type is not one, naming the part.
pub(super) fn invalid_content_type(name: &str, content_type: &str) -> Error {
    ValidationError::new(
        format!("{name}.content_type"),
        show_str(content_type),
        "is not a valid media type",
        "must look like `image/png`",
    )
    .into()
}

/// One API request, built by generated code and sent through a [`Handle`](super::Handle).
///
/// `Debug` shows the query names and the body size but no query value or body byte, since
/// either may hold a secret.
#[derive(Clone)]
pub struct Request {
    pub(super) method: Method,
    pub(super) operation_id: &'static str,
    /// The document's path template (`/machines/{machine_id}`), which traces show instead of the
    /// path, whose ids may identify people.
    pub(super) template: &'static str,
    /// The already-encoded path, appended to the client's base URL.
    pub(super) path: String,
    /// Query pairs in the order they were added, the values already percent-encoded.
    pub(super) query: Vec<(&'static str, String)>,
    /// Header parameters of the operation, checked when they were added.
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) body: Option<Body>,
    /// The operation's own security alternatives; `None` takes the document's.
    pub(super) security: Option<&'static [&'static [&'static str]]>,
}

impl Request {
    /// A request for the operation `operation_id` (used in error messages and traces) at the
    /// document's path `template`, with an empty path.
    pub fn new(method: Method, operation_id: &'static str, template: &'static str) -> Self {
        Self {
            method,
            operation_id,
            template,
            path: String::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            security: None,
        }
    }

    /// A `GET` request for the operation `operation_id` at the path `template`; see
    /// [`Request::new`].
    pub fn get(operation_id: &'static str, template: &'static str) -> Self {
        Self::new(Method::GET, operation_id, template)
    }

    /// A `POST` request for the operation `operation_id` at the path `template`; see
    /// [`Request::new`].
    pub fn post(operation_id: &'static str, template: &'static str) -> Self {
        Self::new(Method::POST, operation_id, template)
    }

    /// A `PUT` request for the operation `operation_id` at the path `template`; see
    /// [`Request::new`].
    pub fn put(operation_id: &'static str, template: &'static str) -> Self {
        Self::new(Method::PUT, operation_id, template)
    }

    /// A `PATCH` request for the operation `operation_id` at the path `template`; see
    /// [`Request::new`].
    pub fn patch(operation_id: &'static str, template: &'static str) -> Self {
        Self::new(Method::PATCH, operation_id, template)
    }

    /// A `DELETE` request for the operation `operation_id` at the path `template`; see
    /// [`Request::new`].
    pub fn delete(operation_id: &'static str, template: &'static str) -> Self {
        Self::new(Method::DELETE, operation_id, template)
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

    /// Adds a list query parameter sent as one value, its elements joined by `separator` (a
    /// space for `style: spaceDelimited`, `|` for `pipeDelimited`). Each element is
    /// percent-encoded on its own, and so is the separator. An empty list or `None` sends nothing.
    pub fn query_joined(
        &mut self,
        name: &'static str,
        value: &(impl QueryValue + ?Sized),
        separator: &'static str,
    ) {
        let mut values = Vec::new();
        value.query_values(&mut values);
        if values.is_empty() {
            return;
        }
        let joined: Vec<String> = values
            .iter()
            .map(|v| utf8_percent_encode(v, COMPONENT).to_string())
            .collect();
        let separator = utf8_percent_encode(separator, COMPONENT).to_string();
        self.query.push((name, joined.join(&separator)));
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
        let (header_name, header_value) =
            checked_header(name, &values.join(","), "cannot be set by a parameter")?;
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
    pub(super) fn push_parts(&mut self, new: impl IntoIterator<Item = FormPart>) {
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

    /// Sends no credentials, for the operations the API document marks `security: []`.
    pub fn no_auth(&mut self) {
        self.security = Some(&[]);
    }

    /// The operation's own security alternatives, replacing the document's (see
    /// [`crate::runtime::SecurityScheme`] for how one is chosen).
    pub fn security(&mut self, alternatives: &'static [&'static [&'static str]]) {
        self.security = Some(alternatives);
    }

    /// Sets a body of bytes sent as they are, with `content_type`; `None` sends no body.
    pub fn bytes(&mut self, bytes: impl Into<Option<Vec<u8>>>, content_type: &'static str) {
        self.body = bytes.into().map(|bytes| Body::Raw {
            bytes,
            content_type,
        });
    }

    /// The full URL, and the same without its query for error messages (query values may be
    /// secrets).
    pub(super) fn url(
        &self,
        base_url: &str,
        credentials: &[(&'static str, String)],
    ) -> Result<(Url, String)> {
        let without_query = format!("{base_url}{}", self.path);
        let mut full = without_query.clone();
        let credentials = credentials
            .iter()
            .map(|(name, value)| (*name, utf8_percent_encode(value, COMPONENT).to_string()));
        let query = self.query.iter().cloned().chain(credentials);
        for (i, (name, value)) in query.enumerate() {
            full.push(if i == 0 { '?' } else { '&' });
            full.extend(utf8_percent_encode(name, COMPONENT));
            full.push('=');
            full.push_str(&value);
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
    pub(super) fn is_idempotent(&self) -> bool {
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
            .field("template", &self.template)
            .field("path", &self.path)
            .field("query_names", &query_names)
            .field("header_names", &header_names)
            .field("part_names", &part_names)
            .field("body_len", &body_len)
            .field("security", &self.security)
            .finish()
    }
}

/// A header a caller gives (a header parameter, or a header of [`RequestOptions`]) as it is sent,
/// marked sensitive: refused when the name is not one, when the client sets that header itself
/// (saying why with `reserved`), or when the value cannot be sent. The value may be a credential,
/// so errors show the header's name only.
///
/// [`RequestOptions`]: crate::RequestOptions
pub(super) fn checked_header(
    name: &str,
    value: &str,
    reserved: &'static str,
) -> Result<(HeaderName, HeaderValue)> {
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
        return Err(
            ValidationError::new(field(), REDACTED, reserved, "the client sets it itself").into(),
        );
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
    Ok((header_name, header_value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn encoded_path(value: &str) -> Result<String> {
        let mut request = Request::new(Method::GET, "Test", "/test");
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
        let mut request = Request::new(Method::GET, "Test", "/test");
        request.path("/machines");
        request.query("q", "a b&c=d+e");
        request.query("n", &Some(0i64));
        request.query("skip", &None::<i64>);
        request.query(API_VERSION_QUERY_PARAM, "2020-01-01");
        let (url, display) = request.url("https://api.clerk.com/v1", &[]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.clerk.com/v1/machines?q=a%20b%26c%3Dd%2Be&n=0"
        );
        assert_eq!(display, "https://api.clerk.com/v1/machines");
    }

    #[test]
    fn request_debug_hides_query_values_and_body() {
        let mut request = Request::new(Method::POST, "Test", "/test");
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
}
