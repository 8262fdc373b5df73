//! The loopback HTTP server of the test double: routes each request to its operation by method
//! and path template, records it, and answers from the first expectation that takes it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::call::{Call, Part};
use super::expect::{Answer, Expectation};
use crate::{Client, ClientBuilder};

/// The secret key of the clients [`MockServer::client`] builds.
pub const MOCK_SECRET_KEY: &str = "sk_test_mock";

/// One operation the server routes to, from the generated table: the HTTP method (`POST`), the
/// document's path template (`/machines/{machine_id}`) and the operationId. A tuple keeps the
/// generated table to one line per operation.
pub type Operation = (&'static str, &'static str, &'static str);

/// What the server and the expectation handles share.
#[derive(Default)]
pub(super) struct State {
    pub(super) calls: Vec<Call>,
    pub(super) expectations: Vec<Expectation>,
    /// Requests no expectation took, described for [`MockServer::verify`].
    pub(super) unexpected: Vec<String>,
}

pub(super) type Shared = Arc<Mutex<State>>;

/// Locks the state, going on after a panic elsewhere (a failed assertion in a test must not turn
/// every later call into a second panic).
pub(super) fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A loopback HTTP server answering as the API would, from the expectations set on it. The
/// generated `MockClerk` wraps it and adds one accessor per group.
pub struct MockServer {
    address: SocketAddr,
    shared: Shared,
    task: JoinHandle<()>,
}

impl MockServer {
    /// Starts serving `operations` on a free loopback port, on the current Tokio runtime.
    ///
    /// # Panics
    /// When no loopback port can be bound, which leaves the test nothing to run against.
    pub async fn start(operations: &'static [Operation]) -> Self {
        let listener = match TcpListener::bind(("127.0.0.1", 0)).await {
            Ok(listener) => listener,
            Err(error) => panic!("MockClerk cannot listen on loopback: {error}"),
        };
        let address = match listener.local_addr() {
            Ok(address) => address,
            Err(error) => panic!("MockClerk cannot read its own address: {error}"),
        };
        let shared = Shared::default();
        let state = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(answer(&state, operations, request).await) }
                    });
                    // A connection the client drops midway is no concern of the test.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            address,
            shared,
            task,
        }
    }

    /// The base URL of the server, e.g. `http://127.0.0.1:50123`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    /// A client builder aimed at the server, with the key [`MOCK_SECRET_KEY`], to set timeouts or
    /// retries before building.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .secret_key(MOCK_SECRET_KEY)
            .base_url(self.uri())
    }

    /// A client aimed at the server, with the key [`MOCK_SECRET_KEY`] and default settings.
    ///
    /// # Panics
    /// Never in practice: a loopback URL and a fixed key always make a valid client.
    pub fn client(&self) -> Client {
        match self.client_builder().build() {
            Ok(client) => client,
            Err(error) => panic!("MockClerk cannot build its client: {error}"),
        }
    }

    /// The calls received so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared).calls.clone()
    }

    /// Checks that every expectation given a count (`times`) was called that many times and that
    /// no request went unexpected.
    ///
    /// # Panics
    /// With a message listing every problem, when there is one: this is how a test fails.
    pub fn verify(&self) {
        let problems = self.problems(true);
        if !problems.is_empty() {
            panic!("MockClerk: {}", problems.join("; "));
        }
    }

    /// What [`Self::verify`] complains about; unexpected requests only with `unexpected`.
    fn problems(&self, unexpected: bool) -> Vec<String> {
        let state = lock(&self.shared);
        let mut problems: Vec<String> = state
            .expectations
            .iter()
            .filter_map(Expectation::count_problem)
            .collect();
        if unexpected {
            problems.extend(state.unexpected.iter().cloned());
        }
        problems
    }

    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl Drop for MockServer {
    /// Stops serving and checks the counts of calls, so that a test that forgot [`Self::verify`]
    /// still fails on a missing call. Unexpected requests are not checked here: the code under
    /// test already got an error answer for each, and a test may expect exactly that.
    fn drop(&mut self) {
        self.task.abort();
        if std::thread::panicking() {
            return;
        }
        let problems = self.problems(false);
        if !problems.is_empty() {
            panic!("MockClerk: {}", problems.join("; "));
        }
    }
}

/// Answers one request.
async fn answer(
    shared: &Shared,
    operations: &'static [Operation],
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (head, body) = request.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            return Answer::unexpected(format!("MockClerk could not read a body: {error}"))
                .into_response();
        }
    };
    let method = head.method.as_str().to_owned();
    let path = head.uri.path().to_owned();
    let Some((operation, path_params)) = route(operations, &method, &path) else {
        let message = format!("MockClerk: no operation answers {method} {path}");
        lock(shared).unexpected.push(message.clone());
        return Answer::unexpected(message).into_response();
    };
    let content_type = head
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let call = Call {
        operation_id: operation.2,
        method,
        path,
        path_params,
        query: head.uri.query().map(decode_query).unwrap_or_default(),
        raw_query: head.uri.query().unwrap_or_default().to_owned(),
        headers: head
            .headers
            .iter()
            .filter(|(name, _)| *name != hyper::header::AUTHORIZATION)
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body: is_json(&content_type)
            .then(|| serde_json::from_slice(&bytes).ok())
            .flatten(),
        form: if media_type(&content_type) == "application/x-www-form-urlencoded" {
            // A form that does not decode is kept in `raw_body` for the test to look at.
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default()
        } else {
            Vec::new()
        },
        raw_body: bytes.to_vec(),
        parts: match multer::parse_boundary(&content_type) {
            Ok(boundary) => parts(bytes, boundary).await,
            Err(_) => Vec::new(),
        },
    };
    let mut state = lock(shared);
    state.calls.push(call.clone());
    let taken = state
        .expectations
        .iter_mut()
        .find(|e| e.takes(&call))
        .map(|e| e.answer());
    match taken {
        Some(answer) => answer.into_response(),
        None => {
            let message = unexpected_message(&state.expectations, &call);
            state.unexpected.push(message.clone());
            Answer::unexpected(message).into_response()
        }
    }
}

/// Why nothing took `call`, naming the operation and what to set up.
fn unexpected_message(expectations: &[Expectation], call: &Call) -> String {
    let ours: Vec<&Expectation> = expectations
        .iter()
        .filter(|e| e.operation_id() == call.operation_id)
        .collect();
    let what = format!(
        "unexpected call to {} ({} {})",
        call.operation_id, call.method, call.path
    );
    if ours.is_empty() {
        format!("MockClerk: {what}: no expectation is set for this operation")
    } else {
        format!(
            "MockClerk: {what}: none of its {} expectation(s) matched it or had calls left",
            ours.len()
        )
    }
}

/// The operation whose method and template match, with the path's parameters by name.
fn route(
    operations: &'static [Operation],
    method: &str,
    path: &str,
) -> Option<(&'static Operation, Vec<(String, String)>)> {
    // `/users/count` fits both `/users/count` and `/users/{user_id}`: the literal wins.
    operations
        .iter()
        .filter(|(op_method, _, _)| *op_method == method)
        .filter_map(|op| Some((op, match_template(op.1, path)?)))
        .min_by_key(|(_, params)| params.len())
}

/// The parameters of `path` when it fits `template`, segment by segment.
fn match_template(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let mut wanted = template.split('/');
    let mut given = path.split('/');
    let mut params = Vec::new();
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    let value = percent_decode_str(g).decode_utf8_lossy().into_owned();
                    params.push((name.to_owned(), value));
                } else if w != g {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// The media type of a `Content-Type` value, without parameters, in lower case.
fn media_type(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().to_ascii_lowercase()
}

/// Whether a `Content-Type` names JSON: `application/json` or a `+json` type.
fn is_json(content_type: &str) -> bool {
    let media_type = media_type(content_type);
    media_type == "application/json" || media_type.ends_with("+json")
}

/// Query pairs, percent-decoded.
fn decode_query(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (decode(name), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// The parts of a multipart body; a malformed body gives the parts read before the fault.
async fn parts(bytes: Bytes, boundary: String) -> Vec<Part> {
    let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let Ok(bytes) = field.bytes().await else {
            break;
        };
        parts.push(Part {
            name,
            file_name,
            content_type,
            bytes: bytes.to_vec(),
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_segment_by_segment_and_decode_parameters() {
        let params = match_template("/machines/{machine_id}/scopes", "/machines/a%2Fb/scopes");
        assert_eq!(params, Some(vec![("machine_id".into(), "a/b".into())]));
        assert_eq!(match_template("/machines/{id}", "/machines/x/scopes"), None);
        assert_eq!(match_template("/machines", "/users"), None);
        assert_eq!(match_template("/machines", "/machines"), Some(Vec::new()));
    }

    #[test]
    fn media_types_are_read_without_parameters_or_case() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("application/octet-stream"));
        assert!(!is_json(""));
        assert_eq!(
            media_type("application/x-www-form-urlencoded; charset=UTF-8"),
            "application/x-www-form-urlencoded"
        );
    }

    #[test]
    fn query_pairs_are_decoded_in_order() {
        assert_eq!(
            decode_query("q=a%20b%26c&n=0&flag"),
            vec![
                ("q".into(), "a b&c".into()),
                ("n".into(), "0".into()),
                ("flag".into(), String::new())
            ]
        );
    }
}
