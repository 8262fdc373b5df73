//! Sending a request: attempts, retries, timeouts, and turning answers into values or errors.

use std::time::{Duration, SystemTime};

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::time::Instant;

use super::request::{Body, Request, checked_header};
use super::trace::CallTrace;
use super::validate::{REDACTED, show_str};
use crate::client::{Client, RequestOptions};
use crate::error::{
    ApiError, ClerkErrors, Error, Result, ValidationError, excerpt, is_retryable_status,
};
use crate::retry::RetryPolicy;

/// Response headers that carry Clerk's trace id, in the order they are looked at. The
/// `clerk_trace_id` of the JSON body takes precedence over both.
pub(super) const TRACE_ID_HEADERS: &[&str] = &["x-clerk-trace-id", "clerk-trace-id"];

/// How many characters of a non-JSON error body are kept in [`ApiError::raw_body`].
const RAW_BODY_LIMIT: usize = 4096;

/// How many characters of an undecodable body are kept in [`Error::Decode`].
const DECODE_EXCERPT_LIMIT: usize = 200;

/// A successful (2xx) response, read in full.
pub(super) struct Success {
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

    /// Sends the request, retrying per the retry policy, until a 2xx answer or a final error, in
    /// the call's span.
    async fn execute(&self, request: Request) -> Result<Success> {
        let trace = CallTrace::new(&request);
        let result = trace.instrument(self.run(&request, &trace)).await;
        trace.finish(&result);
        result
    }

    /// [`Self::execute`] without the span.
    async fn run(&self, request: &Request, trace: &CallTrace) -> Result<Success> {
        let inner = &self.client.inner;
        let options = self.options.as_ref();
        let timeout = options.and_then(|o| o.timeout).unwrap_or(inner.timeout);
        let policy = options
            .and_then(|o| o.retry_policy.as_ref())
            .unwrap_or(&inner.retry_policy);
        // Both are checked before the first attempt, so that a bad header or URL sends nothing.
        let security = inner.credentials.apply(
            request.security.unwrap_or(crate::SECURITY),
            request.operation_id,
        )?;
        let headers = self.headers(request, security.headers)?;
        let (url, display_url) = request.url(&inner.base_url, &security.query)?;
        trace.url(request, &url);

        let started = Instant::now();
        let mut attempt: u32 = 1;
        loop {
            let error = match self
                .attempt(request, &url, &display_url, &headers, timeout, trace)
                .await
            {
                Ok(success) => return Ok(success),
                Err(error) => error,
            };
            match retry_delay(policy, request, &error, attempt, started.elapsed()) {
                Some(delay) => {
                    trace.retry(&error, delay, attempt);
                    tokio::time::sleep(delay).await;
                }
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
        trace: &CallTrace,
    ) -> Result<Success> {
        let mut builder = self
            .client
            .inner
            .http
            .request(request.method.clone(), url.clone())
            .headers(headers.clone());
        match &request.body {
            Some(Body::Json(bytes) | Body::Raw { bytes, .. }) => {
                builder = builder.body(bytes.clone());
            }
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
        trace.response(status, &response_headers);
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

    /// The headers of every attempt: the client's, the credentials chosen for the call, then the
    /// per-call extra headers.
    pub(super) fn headers(
        &self,
        request: &Request,
        credentials: Vec<(HeaderName, HeaderValue)>,
    ) -> Result<HeaderMap> {
        let inner = &self.client.inner;
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(header::USER_AGENT, inner.user_agent.clone());
        if let Some(version) = &inner.api_version {
            headers.insert(
                HeaderName::from_static("clerk-api-version"),
                version.clone(),
            );
        }
        // A per-call secret key (`RequestOptions::secret_key`) replaces the bearer credential
        // the call would send; a call that sends no `Authorization` stays without one.
        let per_call = self.options.as_ref().and_then(|o| o.secret_key.as_ref());
        for (name, value) in credentials {
            match per_call {
                Some(key) if name == header::AUTHORIZATION => {
                    headers.append(name, per_call_authorization(key)?);
                }
                _ => {
                    headers.append(name, value);
                }
            }
        }
        // A multipart body gets its `Content-Type` (with the boundary) from the form itself.
        match &request.body {
            Some(Body::Json(_)) => {
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            Some(Body::Raw { content_type, .. }) => {
                // Generated code passes the document's media type, which may not be one.
                let value = HeaderValue::from_str(content_type).map_err(|_| {
                    ValidationError::new(
                        "Content-Type",
                        show_str(content_type),
                        "is not a valid header value",
                        "must be a media type such as application/octet-stream",
                    )
                })?;
                headers.insert(header::CONTENT_TYPE, value);
            }
            _ => {}
        }
        for (name, value) in &request.headers {
            headers.append(name.clone(), value.clone());
        }
        for (name, value) in self.options.iter().flat_map(|o| &o.headers) {
            let (header_name, header_value) =
                checked_header(name, value, "cannot be set per call")?;
            headers.append(header_name, header_value);
        }
        Ok(headers)
    }
}

/// `Bearer <key>` for a key given per call with [`RequestOptions::secret_key`], marked sensitive
/// so that `http`'s `Debug` redacts it; a key that cannot be a header value fails the call.
fn per_call_authorization(key: &crate::Secret) -> Result<HeaderValue> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", key.expose_secret())).map_err(|_| {
            ValidationError::new(
                "secret_key",
                REDACTED,
                "cannot be sent",
                "it must only contain characters allowed in an HTTP header",
            )
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// How long to wait before the next attempt, or `None` when `error` is final.
pub(super) fn retry_delay(
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
pub(super) fn api_error(
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
pub(super) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
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
pub(super) fn redacted_excerpt(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_secrets(&mut value);
            excerpt(&value.to_string(), DECODE_EXCERPT_LIMIT)
        }
        Err(_) => excerpt(&String::from_utf8_lossy(body), DECODE_EXCERPT_LIMIT),
    }
}

/// Replaces the values of object keys that name secrets with `"[REDACTED]"`, at any depth.
pub(super) fn redact_secrets(value: &mut Value) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

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
        let post = Request::new(Method::POST, "Test", "/test");
        let get = Request::new(Method::GET, "Test", "/test");
        let patch = Request::new(Method::PATCH, "Test", "/test");
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
}
