//! Tracing: one `tracing` span per call, with the field names of OpenTelemetry's HTTP client
//! conventions so that `tracing-opentelemetry` exports them as they are.
//!
//! The span covers the whole call, retries included: its `http.response.status_code` is the final
//! answer's, `http.request.resend_count` says how many times the request was sent again, and each
//! retry is an event inside it with the status and the delay. One span per call rather than one per
//! attempt keeps a trace readable (a call is what the user's code awaits) and costs one span, not
//! several, when a subscriber listens.
//!
//! Nothing is formatted or parsed unless a subscriber listens: the span macro evaluates its field
//! values only when the span is enabled, and the fields that need work (`otel.name`,
//! `server.address`) are recorded after checking [`Span::is_disabled`].
//!
//! No field or event carries a secret: the path appears only as the document's template, never
//! with its ids; no query value, header value or body byte is recorded.

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use tracing::Span;
use tracing::field::Empty;

use super::request::Request;
use super::send::TRACE_ID_HEADERS;
use crate::error::Error;

/// The span of one call, and what is recorded on it as the call goes.
pub(super) struct CallTrace(Span);

impl CallTrace {
    /// Opens the span of a call (disabled, and free, when nothing listens).
    pub(super) fn new(request: &Request) -> Self {
        Self(tracing::info_span!(
            target: "clerk_bapi",
            "clerk_bapi.call",
            otel.name = Empty,
            otel.kind = "client",
            http.request.method = request.method.as_str(),
            url.template = request.template,
            server.address = Empty,
            server.port = Empty,
            clerk.operation_id = request.operation_id,
            http.response.status_code = Empty,
            http.request.resend_count = Empty,
            error.type = Empty,
            clerk.trace_id = Empty,
        ))
    }

    /// Runs `future` inside the span.
    pub(super) fn instrument<F: std::future::Future>(
        &self,
        future: F,
    ) -> tracing::instrument::Instrumented<F> {
        tracing::Instrument::instrument(future, self.0.clone())
    }

    /// Records what the URL tells: the span's name and the server. The URL's path and query are
    /// not recorded (they hold ids and possibly secrets); the template stands for them.
    pub(super) fn url(&self, request: &Request, url: &Url) {
        if self.0.is_disabled() {
            return;
        }
        self.0.record(
            "otel.name",
            tracing::field::display(format_args!(
                "{} {}",
                request.method.as_str(),
                request.template
            )),
        );
        if let Some(host) = url.host_str() {
            self.0.record("server.address", host);
        }
        if let Some(port) = url.port_or_known_default() {
            self.0.record("server.port", port);
        }
    }

    /// Records an answer: its status and Clerk's trace id from the headers, if any. A later
    /// attempt's answer replaces an earlier one's.
    pub(super) fn response(&self, status: StatusCode, headers: &HeaderMap) {
        if self.0.is_disabled() {
            return;
        }
        self.0.record("http.response.status_code", status.as_u16());
        let trace_id = TRACE_ID_HEADERS
            .iter()
            .find_map(|name| headers.get(*name)?.to_str().ok());
        if let Some(trace_id) = trace_id.map(str::trim).filter(|t| !t.is_empty()) {
            self.0.record("clerk.trace_id", trace_id);
        }
    }

    /// Records that attempt `attempt` failed with `error` and the call will be sent again after
    /// `delay`, as an event inside the span (the current one: retries happen inside it).
    pub(super) fn retry(&self, error: &Error, delay: std::time::Duration, attempt: u32) {
        self.0.record("http.request.resend_count", attempt);
        let status = match error {
            Error::Api(api) => Some(api.status),
            _ => None,
        };
        tracing::event!(
            target: "clerk_bapi",
            tracing::Level::WARN,
            http.response.status_code = status,
            error.type = error_type(error),
            retry.delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            http.request.resend_count = attempt,
            "retrying the call",
        );
    }

    /// Records how the call ended.
    pub(super) fn finish<T>(&self, result: &Result<T, Error>) {
        let Err(error) = result else {
            return;
        };
        if self.0.is_disabled() {
            return;
        }
        self.0.record("error.type", error_type(error));
        if let Error::Api(api) = error {
            self.0.record("http.response.status_code", api.status);
            if let Some(trace_id) = &api.clerk_trace_id {
                self.0.record("clerk.trace_id", trace_id.as_str());
            }
        }
    }
}

/// The `error.type` of a failure: the status code for an API error (as OpenTelemetry's HTTP
/// conventions say), else a short, fixed name of the kind of failure.
enum ErrorType {
    Status(u16),
    Kind(&'static str),
}

impl std::fmt::Display for ErrorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorType::Status(status) => write!(f, "{status}"),
            ErrorType::Kind(kind) => f.write_str(kind),
        }
    }
}

fn error_type(error: &Error) -> tracing::field::DisplayValue<ErrorType> {
    tracing::field::display(match error {
        Error::Api(api) => ErrorType::Status(api.status),
        Error::Transport { source, .. } if source.is_connect() => ErrorType::Kind("connect"),
        Error::Transport { .. } => ErrorType::Kind("transport"),
        Error::Timeout { .. } => ErrorType::Kind("timeout"),
        Error::Decode { .. } => ErrorType::Kind("decode"),
        Error::Encode { .. } => ErrorType::Kind("encode"),
        Error::Validation(_) => ErrorType::Kind("validation"),
        Error::MissingCredentials { .. } => ErrorType::Kind("missing_credentials"),
        Error::Config(_) => ErrorType::Kind("config"),
        // A call never fails with these (they come from `m2m` around calls); named for completeness.
        Error::Token(_) => ErrorType::Kind("token"),
        Error::Shared(_) => ErrorType::Kind("shared"),
    })
}
