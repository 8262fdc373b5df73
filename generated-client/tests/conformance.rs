//! Conformance of the committed client against an independent server: Stoplight Prism, mocking
//! Clerk's published document, checks each request of the nine Machines operations (and, in
//! `conformance_m2m/`, of the `m2m` and `jwks` operations) against the document and answers from
//! its schemas, which the client must decode.
//!
//! # Running
//!
//! `.ci/run` installs Prism in `.ci/node_modules` from `.ci/package-lock.json`
//! (`npm ci --prefix .ci --ignore-scripts`), starts
//! `.ci/node_modules/.bin/prism mock -h 127.0.0.1 -p PORT ../shared/specs/clerk-bapi/2026-05-12.yml`,
//! waits for "Prism is listening", and runs
//!
//! ```text
//! CLERK_BAPI_PRISM_URL=http://127.0.0.1:PORT cargo test -p clerk-bapi --test conformance -- --include-ignored
//! ```
//!
//! Prism serves the document's paths without the `/v1` of its server URL, so the base URL is the
//! bare origin. `.ci/run` then does it again with Prism in dynamic mode (`-d`, random answers from the
//! schemas) and `CLERK_BAPI_PRISM_MODE=dynamic`, which keeps only the assertions that hold for any
//! answer the document allows.
//!
//! # Skipping and requiring
//!
//! Every test here is `#[ignore]`d, so the README's `cargo test --workspace`, which `.ci/run`
//! runs before Prism is started, lists them as ignored (with the reason saying what to set) and
//! neither fails nor counts them as passed. Run with `--include-ignored` (or `--ignored`), as
//! `.ci/run` does, a test fails when `CLERK_BAPI_PRISM_URL` is unset or empty, whether or not `CI`
//! is set: a run that asked for these tests can never skip them silently.
//!
//! # What counts as a failure
//!
//! Any non-2xx answer fails the test. For this document Prism's body is then the document's own
//! 401 or 422 example (placeholder strings), and its reason travels in the `sl-violations`
//! response header, which the client does not keep. So the client talks to Prism through a small
//! loopback relay that passes the bytes through unchanged and notes that header; a failure prints
//! the status, the body as the client parsed it, and Prism's violations. A 2xx answer the client
//! cannot decode fails with the client's `Error::Decode`. Each call has a 10 s timeout and no
//! retries, since malformed input can make Prism hang.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use clerk_bapi::types::{
    CreateMachineParams, CreateMachineScopeParams, DeleteMachineParams, DeleteMachineScopeParams,
    GetMachineParams, GetMachineSecretKeyParams, ListMachinesParams, Machine,
    MachineWithoutScopedMachines, RotateMachineSecretKeyParams, UpdateMachineParams,
};
use clerk_bapi::{Client, Error, RetryPolicy};
use serde_json::Value;

// The `m2m` and `jwks` operations, in their own file to keep this one readable.
mod conformance_m2m;

/// JavaScript's `Number.MIN_SAFE_INTEGER`, `-(2^53 - 1)`: Prism's static answer for an integer of
/// format `int64` without an example.
const MIN_SAFE_INTEGER: i64 = -9_007_199_254_740_991;

/// The schema default of `default_token_ttl`, which Prism's static answers use.
const DEFAULT_TOKEN_TTL: i64 = 3600;

/// A client pointed at Prism through a [`Relay`], and what is known about Prism's answers.
struct Prism {
    client: Client,
    relay: Relay,
    /// The base URL of the relay, for the raw requests of the self-test.
    base_url: String,
    /// Whether Prism runs in static mode (the default), where its answers are predictable.
    is_static: bool,
}

impl Prism {
    /// Connects to the Prism named by `CLERK_BAPI_PRISM_URL`; panics when it is not set.
    fn connect() -> Self {
        let url = std::env::var("CLERK_BAPI_PRISM_URL").unwrap_or_default();
        let url = url.trim();
        assert!(
            !url.is_empty(),
            "Prism must be started for these tests: set CLERK_BAPI_PRISM_URL to its address, \
             e.g. http://127.0.0.1:4010 (see .ci/run, which starts it)"
        );
        let parsed = reqwest::Url::parse(url)
            .unwrap_or_else(|e| panic!("CLERK_BAPI_PRISM_URL={url:?} is not a URL: {e}"));
        let host = parsed.host_str().expect("CLERK_BAPI_PRISM_URL has a host");
        let port = parsed
            .port_or_known_default()
            .expect("CLERK_BAPI_PRISM_URL has a port");
        let upstream = (host, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .unwrap_or_else(|| panic!("cannot resolve the host of CLERK_BAPI_PRISM_URL={url:?}"));
        let relay = Relay::start(upstream);
        let base_url = format!(
            "http://{}{}",
            relay.addr,
            parsed.path().trim_end_matches('/')
        );
        let client = Client::builder()
            .secret_key("sk_test_CONFORMANCE123")
            .base_url(base_url.clone())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("the client builds");
        let mode = std::env::var("CLERK_BAPI_PRISM_MODE").unwrap_or_default();
        let is_static = match mode.as_str() {
            "" | "static" => true,
            "dynamic" => false,
            other => panic!("CLERK_BAPI_PRISM_MODE must be static or dynamic, not {other:?}"),
        };
        Self {
            client,
            relay,
            base_url,
            is_static,
        }
    }

    /// The answer of a call Prism must accept; panics with everything known about a failure.
    fn accepted<T: std::fmt::Debug>(&self, operation: &str, result: clerk_bapi::Result<T>) -> T {
        let violations = self.relay.violations();
        let shown = if violations.is_empty() {
            "  (none noted)".to_owned()
        } else {
            violations.join("\n")
        };
        match result {
            Ok(answer) => {
                if !violations.is_empty() {
                    println!("{operation}: accepted, but Prism noted:\n{shown}");
                }
                println!("{operation}: accepted; decoded {answer:?}");
                answer
            }
            Err(Error::Api(api)) => panic!(
                "{operation}: Prism rejected the request with status {}\n\
                 body as parsed by the client: errors {:?}, raw body {:?}\n\
                 Prism's violations (sl-violations header):\n{shown}",
                api.status, api.errors, api.raw_body,
            ),
            Err(error) => {
                let mut message = format!("{operation}: {error}");
                let mut source = std::error::Error::source(&error);
                while let Some(cause) = source {
                    message.push_str(&format!("\n  caused by: {cause}"));
                    source = cause.source();
                }
                panic!("{message}\nPrism's violations:\n{shown}");
            }
        }
    }
}

/// A loopback TCP relay in front of Prism: it passes bytes both ways unchanged and notes the value
/// of every `sl-violations` header in Prism's answers.
struct Relay {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Relay {
    fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the relay binds a loopback port");
        let addr = listener.local_addr().expect("the relay has an address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let noted = Arc::clone(&seen);
        // The thread ends with the test binary; it only ever accepts the test's own connections.
        thread::spawn(move || {
            for downstream in listener.incoming() {
                let Ok(downstream) = downstream else { break };
                let noted = Arc::clone(&noted);
                thread::spawn(move || relay_connection(downstream, upstream, &noted));
            }
        });
        Self { addr, seen }
    }

    /// The violations Prism reported so far, one line each.
    fn violations(&self) -> Vec<String> {
        let seen = self.seen.lock().expect("the relay's lock is not poisoned");
        let mut lines = Vec::new();
        for header in seen.iter() {
            match serde_json::from_str::<Vec<Value>>(header) {
                Ok(violations) => {
                    for violation in violations {
                        let location = violation["location"]
                            .as_array()
                            .map(|parts| {
                                parts
                                    .iter()
                                    .map(|p| {
                                        p.as_str().map_or_else(|| p.to_string(), str::to_owned)
                                    })
                                    .collect::<Vec<_>>()
                                    .join(".")
                            })
                            .unwrap_or_default();
                        lines.push(format!(
                            "  {} at {location}: {}",
                            violation["severity"].as_str().unwrap_or("?"),
                            violation["message"].as_str().unwrap_or("?"),
                        ));
                    }
                }
                Err(_) => lines.push(format!("  {header}")),
            }
        }
        lines
    }
}

/// Relays one connection until either side closes it.
fn relay_connection(downstream: TcpStream, upstream: SocketAddr, noted: &Mutex<Vec<String>>) {
    // A failed connect closes the client's connection, which the client reports as a transport
    // error naming the operation.
    let Ok(upstream) = TcpStream::connect(upstream) else {
        return;
    };
    let (Ok(mut request_reader), Ok(mut request_writer)) =
        (downstream.try_clone(), upstream.try_clone())
    else {
        return;
    };
    thread::spawn(move || {
        let _ = std::io::copy(&mut request_reader, &mut request_writer);
        let _ = request_writer.shutdown(Shutdown::Write);
    });
    let (mut answer_reader, mut answer_writer) = (upstream, downstream);
    let mut buffer = [0_u8; 16 * 1024];
    let mut line = Vec::new();
    loop {
        let read = match answer_reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        // Headers are lines; a body line that happens to look like the header is not expected
        // from Prism's JSON answers. The bytes are looked at before they are passed on, so that a
        // header is noted before the client can have the answer.
        for &byte in &buffer[..read] {
            if byte != b'\n' {
                line.push(byte);
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            if let Some((name, value)) = text.split_once(':')
                && name.eq_ignore_ascii_case("sl-violations")
            {
                noted
                    .lock()
                    .expect("the relay's lock is not poisoned")
                    .push(value.trim().to_owned());
            }
            line.clear();
        }
        if answer_writer.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = answer_writer.shutdown(Shutdown::Write);
}

/// What the document fixes about a machine nested in another, and Prism's static answer.
fn check_scoped_machine(prism: &Prism, machine: &MachineWithoutScopedMachines) {
    assert_eq!(machine.object, "machine");
    if prism.is_static {
        assert_eq!(machine.default_token_ttl, Some(DEFAULT_TOKEN_TTL));
        assert_eq!(machine.created_at, MIN_SAFE_INTEGER);
    }
}

/// What the document fixes about a machine, and Prism's static answer.
fn check_machine(prism: &Prism, machine: &Machine) {
    assert_eq!(machine.object, "machine");
    for scoped in &machine.scoped_machines {
        check_scoped_machine(prism, scoped);
    }
    if prism.is_static {
        assert_eq!(machine.default_token_ttl, Some(DEFAULT_TOKEN_TTL));
        assert_eq!(
            (machine.created_at, machine.updated_at),
            (MIN_SAFE_INTEGER, MIN_SAFE_INTEGER)
        );
        assert_eq!(machine.scoped_machines.len(), 1);
    }
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn list() {
    let prism = Prism::connect();
    let params = ListMachinesParams {
        limit: Some(10),
        offset: Some(0),
        query: Some("ci bot".into()),
        order_by: Some("-created_at".into()),
    };
    let list = prism.accepted("ListMachines", prism.client.machines().list(params).await);
    for machine in &list.data {
        check_machine(&prism, machine);
    }
    if prism.is_static {
        assert_eq!((list.data.len(), list.total_count), (1, 0));
    }
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn list_with_no_parameters_and_an_empty_query() {
    let prism = Prism::connect();
    let machines = prism.client.machines();
    let list = prism.accepted(
        "ListMachines",
        machines.list(ListMachinesParams::default()).await,
    );
    for machine in &list.data {
        check_machine(&prism, machine);
    }
    // The document allows an empty `query`, which the client sends as `query=`.
    let params = ListMachinesParams {
        limit: Some(500),
        query: Some(String::new()),
        order_by: Some("+name".into()),
        ..Default::default()
    };
    prism.accepted("ListMachines", machines.list(params).await);
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn create() {
    let prism = Prism::connect();
    let params = CreateMachineParams {
        name: "ci-bot".into(),
        scoped_machines: Some(vec!["mch_456".into(), "mch_789".into()]),
        default_token_ttl: Some(7200),
    };
    let created = prism.accepted(
        "CreateMachine",
        prism.client.machines().create(params).await,
    );
    assert_eq!(created.object, "machine");
    for scoped in &created.scoped_machines {
        check_scoped_machine(&prism, scoped);
    }
    if prism.is_static {
        assert_eq!(created.default_token_ttl, Some(DEFAULT_TOKEN_TTL));
        assert_eq!(created.created_at, MIN_SAFE_INTEGER);
        assert_eq!(created.secret_key.expose_secret(), "string");
    }
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn create_with_only_the_name() {
    let prism = Prism::connect();
    let params = CreateMachineParams {
        name: "n".repeat(255),
        scoped_machines: None,
        default_token_ttl: None,
    };
    let created = prism.accepted(
        "CreateMachine",
        prism.client.machines().create(params).await,
    );
    assert_eq!(created.object, "machine");
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn get() {
    let prism = Prism::connect();
    let params = GetMachineParams {
        machine_id: "mch_123".into(),
    };
    let machine = prism.accepted("GetMachine", prism.client.machines().get(params).await);
    check_machine(&prism, &machine);
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn update() {
    let prism = Prism::connect();
    let machines = prism.client.machines();
    let params = UpdateMachineParams {
        machine_id: "mch_123".into(),
        name: Some("renamed".into()),
        default_token_ttl: Some(1),
    };
    let machine = prism.accepted("UpdateMachine", machines.update(params).await);
    check_machine(&prism, &machine);
    // Every field of the body is optional, so an empty change (`{}`) is valid too.
    let params = UpdateMachineParams {
        machine_id: "mch_123".into(),
        name: None,
        default_token_ttl: None,
    };
    prism.accepted("UpdateMachine", machines.update(params).await);
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn delete() {
    let prism = Prism::connect();
    let params = DeleteMachineParams {
        machine_id: "mch_123".into(),
    };
    let deleted = prism.accepted(
        "DeleteMachine",
        prism.client.machines().delete(params).await,
    );
    assert_eq!(deleted.object, "machine");
    assert!(deleted.deleted, "the document allows only true");
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn get_secret_key() {
    let prism = Prism::connect();
    let params = GetMachineSecretKeyParams {
        machine_id: "mch_123".into(),
    };
    let key = prism.accepted(
        "GetMachineSecretKey",
        prism.client.machines().get_secret_key(params).await,
    );
    assert_eq!(key.object, "machine_secret_key");
    if prism.is_static {
        assert_eq!(key.secret.expose_secret(), "string");
    }
}

/// The call this project exists for, at both ends of the range of `previous_token_ttl`.
#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn rotate_secret_key() {
    let prism = Prism::connect();
    for previous_token_ttl in [3600, 0, 28_800] {
        let params = RotateMachineSecretKeyParams {
            machine_id: "mch_123".into(),
            previous_token_ttl,
        };
        let key = prism.accepted(
            "RotateMachineSecretKey",
            prism.client.machines().rotate_secret_key(params).await,
        );
        assert_eq!(key.object, "machine_secret_key");
    }
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn create_scope() {
    let prism = Prism::connect();
    let params = CreateMachineScopeParams {
        machine_id: "mch_123".into(),
        to_machine_id: "mch_456".into(),
    };
    let scope = prism.accepted(
        "CreateMachineScope",
        prism.client.machines().create_scope(params).await,
    );
    assert_eq!(scope.object, "machine_scope");
    if prism.is_static {
        assert_eq!(scope.created_at, MIN_SAFE_INTEGER);
    }
}

#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn delete_scope() {
    let prism = Prism::connect();
    let params = DeleteMachineScopeParams {
        machine_id: "mch_123".into(),
        other_machine_id: "mch_456".into(),
    };
    let deleted = prism.accepted(
        "DeleteMachineScope",
        prism.client.machines().delete_scope(params).await,
    );
    assert_eq!(deleted.object, "machine_scope");
    assert!(deleted.deleted, "the document allows only true");
}

/// The harness checks itself: Prism does validate what it is sent (so its 2xx answers above
/// mean something), and the relay hears its reasons. These requests bypass the client, which
/// could not send them.
#[tokio::test]
#[ignore = "needs Prism: set CLERK_BAPI_PRISM_URL, pass --include-ignored (see .ci/run)"]
async fn prism_rejects_what_the_document_forbids() {
    let prism = Prism::connect();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a plain HTTP client builds");

    let unauthenticated = http
        .get(format!("{}/machines/mch_123", prism.base_url))
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(unauthenticated.status(), 401, "no bearer token");

    let out_of_range = http
        .post(format!(
            "{}/machines/mch_123/secret_key/rotate",
            prism.base_url
        ))
        .bearer_auth("sk_test_CONFORMANCE123")
        .header("content-type", "application/json")
        .body(r#"{"previous_token_ttl":28801}"#)
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(out_of_range.status(), 422, "previous_token_ttl above 28800");

    let violations = prism.relay.violations().join("\n");
    assert!(violations.contains("security"), "{violations}");
    assert!(
        violations.contains("previous_token_ttl must be <= 28800"),
        "{violations}"
    );
}
