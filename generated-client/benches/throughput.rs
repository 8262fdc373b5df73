//! Requests per second of `rotate_secret_key` through the generated client, against the same request
//! written by hand with `reqwest`, both talking to a minimal HTTP/1.1 server on loopback in the same
//! process. Rounds alternate between the two so that machine noise hits both alike.
//!
//! Prints one `key=value` line per figure (read by `cargo xtask bench`). Run with
//! `cargo bench -p clerk-bapi --bench throughput -- [--rounds N] [--requests N]
//! [--discard-subscriber]`; `--no-default-features` measures the client without its `tracing`
//! feature, and `--discard-subscriber` installs a subscriber that takes every span and event and
//! keeps nothing, so that the spans are built and recorded as with a real one.

use std::time::{Duration, Instant};

use clerk_bapi::types::{MachineSecretKey, RotateMachineSecretKeyParams};
use clerk_bapi::{Client, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ANSWER: &str = r#"{"object":"machine_secret_key","secret":"ak_bench_secret"}"#;

/// Serves every request on every connection with the same JSON answer, keeping connections open.
async fn serve(listener: TcpListener) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ANSWER}",
                ANSWER.len()
            );
            let mut buffer = Vec::with_capacity(4096);
            let mut chunk = [0_u8; 4096];
            loop {
                // Read until a whole request (headers and a body of content-length bytes) is buffered.
                let Some(end) = request_end(&buffer) else {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                    }
                    continue;
                };
                buffer.drain(..end);
                if socket.write_all(response.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// The length of the first complete request in `buffer`, if there is one.
fn request_end(buffer: &[u8]) -> Option<usize> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buffer[..head_end]).ok()?;
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    (buffer.len() >= head_end + length).then_some(head_end + length)
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds = arg("--rounds", 7).max(1);
    let requests = arg("--requests", 2000).max(1);
    let discard = std::env::args().any(|a| a == "--discard-subscriber");
    if discard {
        // The registry alone enables everything, stores each span while it is open, and outputs
        // nothing.
        tracing::subscriber::set_global_default(tracing_subscriber::registry())?;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/v1", listener.local_addr()?);
    tokio::spawn(serve(listener));

    let client = Client::builder()
        .secret_key("sk_test_bench")
        .base_url(&base)
        .retry_policy(RetryPolicy::none())
        .build()?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = format!("{base}/machines/mch_123/secret_key/rotate");
    let user_agent = format!("clerk-bapi-rust/{}", env!("CARGO_PKG_VERSION"));

    // What the generated client does per call, written by hand: the same headers, body and decoding.
    let by_hand = || async {
        let response = http
            .post(&url)
            .bearer_auth("sk_test_bench")
            .header("clerk-api-version", "2026-05-12")
            .header("user-agent", &user_agent)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .body(serde_json::to_vec(
                &serde_json::json!({"previous_token_ttl": 3600}),
            )?)
            .send()
            .await?;
        let bytes = response.error_for_status()?.bytes().await?;
        let key: MachineSecretKey = serde_json::from_slice(&bytes)?;
        Ok::<_, Box<dyn std::error::Error>>(key)
    };
    let generated = || async {
        client
            .machines()
            .rotate_secret_key(RotateMachineSecretKeyParams {
                machine_id: "mch_123".into(),
                previous_token_ttl: 3600,
            })
            .await
    };

    // Warm up both paths (connection pool, allocator) before measuring.
    for _ in 0..200 {
        generated().await?;
        by_hand().await?;
    }
    let (mut client_rps, mut reqwest_rps, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let started = Instant::now();
        for _ in 0..requests {
            generated().await?;
        }
        let a = requests as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        for _ in 0..requests {
            by_hand().await?;
        }
        let b = requests as f64 / started.elapsed().as_secs_f64();
        client_rps.push(a);
        reqwest_rps.push(b);
        ratios.push(a / b);
    }
    let spread = |v: &[f64]| {
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (min, max)
    };
    let (cmin, cmax) = spread(&client_rps);
    let (rmin, rmax) = spread(&reqwest_rps);
    let (qmin, qmax) = spread(&ratios);
    println!(
        "client_rps={:.0} min={cmin:.0} max={cmax:.0}",
        median(&mut client_rps)
    );
    println!(
        "reqwest_rps={:.0} min={rmin:.0} max={rmax:.0}",
        median(&mut reqwest_rps)
    );
    println!(
        "ratio={:.3} min={qmin:.3} max={qmax:.3}",
        median(&mut ratios)
    );
    println!("rounds={rounds} requests_per_round={requests}");
    println!(
        "tracing={} subscriber={}",
        if cfg!(feature = "tracing") {
            "on"
        } else {
            "off"
        },
        if discard { "discard" } else { "none" }
    );
    Ok(())
}
