//! Expectations: what one operation of the test double answers, to which calls, how many times.

use std::marker::PhantomData;

use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;
use serde::Serialize;
use serde_json::json;

use super::call::Call;
use super::server::{MockServer, Shared, lock};

/// The status of answers to calls nothing expects: not one the client retries, so that the test
/// fails at once with the message.
const UNEXPECTED_STATUS: u16 = 501;

/// The code of the Clerk error in answers to calls nothing expects.
const UNEXPECTED_CODE: &str = "mock_unexpected_call";

/// An HTTP answer of the test double.
#[derive(Debug, Clone)]
pub struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    retry_after: bool,
}

impl Answer {
    /// A 200 answer with `value` as JSON, for operations answering JSON.
    pub fn json<T: Serialize>(value: T) -> Self {
        Self {
            status: 200,
            content_type: "application/json",
            // Generated types always serialize; `null` stands in if one day one does not.
            body: serde_json::to_vec(&value).unwrap_or_else(|_| b"null".to_vec()),
            retry_after: false,
        }
    }

    /// A 200 answer with `value` as text, for operations answering text.
    pub fn text(value: String) -> Self {
        Self {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: value.into_bytes(),
            retry_after: false,
        }
    }

    /// A 204 answer, for operations answering nothing.
    pub fn empty(_: ()) -> Self {
        Self {
            status: 204,
            content_type: "text/plain",
            body: Vec::new(),
            retry_after: false,
        }
    }

    /// An answer with a Clerk error body of one error `code`.
    fn error(status: u16, code: &str, message: &str) -> Self {
        let body = json!({
            "errors": [{"code": code, "message": message, "long_message": message, "meta": {}}],
            "meta": {},
            "clerk_trace_id": "mock_trace_id",
        });
        Self {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
            // Rate limits and unavailability say when to come back: at once, so that tests of
            // retries do not wait.
            retry_after: matches!(status, 429 | 503),
        }
    }

    /// The answer to a request nothing expects.
    pub(super) fn unexpected(message: String) -> Self {
        Self::error(UNEXPECTED_STATUS, UNEXPECTED_CODE, &message)
    }

    pub(super) fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::builder()
            .status(self.status)
            .header(hyper::header::CONTENT_TYPE, self.content_type);
        if self.retry_after {
            response = response.header(hyper::header::RETRY_AFTER, "0");
        }
        if self.status >= 400 {
            response = response.header("x-clerk-trace-id", "mock_trace_id");
        }
        let body = Full::new(Bytes::from(self.body));
        match response.body(body) {
            Ok(response) => response,
            // Only an invalid status gets here (`fails` takes any u16): say so in a 500.
            Err(error) => {
                let mut response = Response::new(Full::new(Bytes::from(error.to_string())));
                *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
                response
            }
        }
    }
}

/// A predicate on calls, built from a typed one.
type Matcher = Box<dyn Fn(&Call) -> bool + Send>;

/// The type-erased state of one expectation, kept by the server.
pub(super) struct Expectation {
    operation_id: &'static str,
    matchers: Vec<Matcher>,
    answers: Vec<Answer>,
    times: Option<usize>,
    calls: usize,
}

impl Expectation {
    pub(super) fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// Whether this expectation answers `call`: same operation, every matcher agrees, calls left.
    pub(super) fn takes(&self, call: &Call) -> bool {
        call.operation_id == self.operation_id
            && self.times.is_none_or(|times| self.calls < times)
            && self.matchers.iter().all(|m| m(call))
    }

    /// The next answer in sequence (the last one repeats), counting the call.
    pub(super) fn answer(&mut self) -> Answer {
        let answer = match self.answers.get(self.calls).or(self.answers.last()) {
            Some(answer) => answer.clone(),
            None => Answer::unexpected(format!(
                "MockClerk: the expectation for {} has no answer: give it `.returns(..)` or `.fails(..)`",
                self.operation_id
            )),
        };
        self.calls += 1;
        answer
    }

    /// What is wrong with the number of calls, when a count was set and not met.
    pub(super) fn count_problem(&self) -> Option<String> {
        let times = self.times?;
        (self.calls != times).then(|| {
            format!(
                "{} was expected {times} time(s) but was called {} time(s)",
                self.operation_id, self.calls
            )
        })
    }
}

/// The expectation of one operation, set up from `mock.<group>().<method>()`.
///
/// `P` is the operation's parameter struct (`()` when it has none) and `T` its answer. Every
/// method applies at once (the expectation is registered when it is made), so a chain can stop
/// anywhere. Expectations are tried in the order they were made; the first that matches a call
/// and has calls left answers it.
pub struct Expect<P, T> {
    shared: Shared,
    index: usize,
    encode: fn(T) -> Answer,
    decode: fn(&Call) -> Result<P, String>,
    _types: PhantomData<fn(P, T)>,
}

impl<P: 'static, T> Expect<P, T> {
    /// Registers a new expectation of `operation_id` on `server`. Called by generated code.
    pub fn new(
        server: &MockServer,
        operation_id: &'static str,
        encode: fn(T) -> Answer,
        decode: fn(&Call) -> Result<P, String>,
    ) -> Self {
        let shared = server.shared().clone();
        let index = {
            let mut state = lock(&shared);
            state.expectations.push(Expectation {
                operation_id,
                matchers: Vec::new(),
                answers: Vec::new(),
                times: None,
                calls: 0,
            });
            state.expectations.len() - 1
        };
        Self {
            shared,
            index,
            encode,
            decode,
            _types: PhantomData,
        }
    }

    fn update(self, change: impl FnOnce(&mut Expectation)) -> Self {
        if let Some(expectation) = lock(&self.shared).expectations.get_mut(self.index) {
            change(expectation);
        }
        self
    }

    /// Answers with `value` (status 200), after the answers already given.
    pub fn returns(self, value: T) -> Self {
        let answer = (self.encode)(value);
        self.update(|e| e.answers.push(answer))
    }

    /// Answers with a Clerk error of one `code` and the given `status`, after the answers already
    /// given. A 429 or 503 carries `Retry-After: 0`, so the client retries at once.
    pub fn fails(self, status: u16, code: &str) -> Self {
        let answer = Answer::error(status, code, &format!("MockClerk answered {code}"));
        self.update(|e| e.answers.push(answer))
    }

    /// Takes only the calls whose parameters, read back from the request into the operation's
    /// parameter struct, satisfy `matches`. Several `when`s must all hold.
    pub fn when(self, matches: impl Fn(&P) -> bool + Send + 'static) -> Self {
        let decode = self.decode;
        let matcher: Matcher = Box::new(move |call| decode(call).is_ok_and(|p| matches(&p)));
        self.update(|e| e.matchers.push(matcher))
    }

    /// Expects exactly `times` calls: later calls go to later expectations (or are unexpected),
    /// and [`MockServer::verify`] (and dropping the mock) fails when fewer came.
    pub fn times(self, times: usize) -> Self {
        self.update(|e| e.times = Some(times))
    }

    /// How many calls this expectation has answered so far.
    pub fn calls(&self) -> usize {
        lock(&self.shared)
            .expectations
            .get(self.index)
            .map_or(0, |e| e.calls)
    }
}
