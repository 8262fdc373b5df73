//! Local verification of a JWT-format machine token with a warm key cache, through
//! `MachineTokenVerifier`, against the same check written with bare `jsonwebtoken` (read the
//! header, verify signature and times with a prepared key); then verifications per second with
//! many tasks on every core. Rounds alternate between the two so that machine noise hits both
//! alike. The key set comes from a loopback mock server, fetched once.
//!
//! Prints one `key=value` line per figure (read by `cargo xtask bench`). Run with
//! `cargo bench -p clerk-bapi --bench machine_auth -- [--rounds N] [--count N]`.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clerk_bapi::Client;
use clerk_bapi::m2m::{MachineToken, MachineTokenVerifier};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn fixture(name: &str) -> Result<String, BoxError> {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    Ok(std::fs::read_to_string(file)?)
}

fn argument(name: &str, default: usize) -> Result<usize, BoxError> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => Ok(args.get(i + 1).ok_or("missing value")?.parse()?),
        None => Ok(default),
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn spread(values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

/// The check a service would write by hand with `jsonwebtoken`: the header for the key id, then
/// signature and times under the prepared key and validation.
fn bare(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
) -> Result<Map<String, Value>, BoxError> {
    let header = jsonwebtoken::decode_header(token)?;
    if header.kid.as_deref() != Some("ins_test_a") {
        return Err("unknown key".into());
    }
    Ok(jsonwebtoken::decode::<Map<String, Value>>(token, key, validation)?.claims)
}

fn main() -> Result<(), BoxError> {
    let rounds = argument("--rounds", 9)?.max(1);
    let count = argument("--count", 2000)?.max(1);

    let jwk_text = fixture("m2m_test_key_a.jwk.json")?;
    let jwk_value: Value = serde_json::from_str(&jwk_text)?;
    let encoding = EncodingKey::from_rsa_pem(fixture("m2m_test_key_a.pem")?.as_bytes())?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("ins_test_a".into());
    header.extras.insert("cat", "cl_B7d4PD333AAA");
    let claims = json!({
        "sub": "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk", "jti": "mt_bench", "iat": now, "nbf": now,
        "exp": now + 3600, "scopes": "mch_a mch_b", "tenant": "t1"
    });
    let token = Arc::new(jsonwebtoken::encode(&header, &claims, &encoding)?);

    let bare_key = DecodingKey::from_jwk(&serde_json::from_str::<Jwk>(&jwk_text)?)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = 5;
    validation.validate_nbf = true;
    validation.validate_aud = false;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let verifier = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/jwks"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"keys": [jwk_value]})))
            .mount(&server)
            .await;
        let client = Client::builder()
            .secret_key("sk_test_bench")
            .base_url(format!("{}/v1", server.uri()))
            .build()?;
        let verifier = MachineTokenVerifier::new(client);
        // Warms the key cache (the one fetch) before anything is timed; the server can go.
        verifier.verify(&token).await?;
        Ok::<_, BoxError>(verifier)
    })?;

    // Side by side on one thread: the verifier's future polled in a loop, and the bare calls.
    let (mut ours_ns, mut bare_ns, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..=rounds {
        let started = Instant::now();
        runtime.block_on(async {
            for _ in 0..count {
                let machine: MachineToken = verifier.verify(&token).await?;
                std::hint::black_box(machine);
            }
            Ok::<_, BoxError>(())
        })?;
        let ours = started.elapsed().as_nanos() as f64 / count as f64;
        let started = Instant::now();
        for _ in 0..count {
            std::hint::black_box(bare(&token, &bare_key, &validation)?);
        }
        let theirs = started.elapsed().as_nanos() as f64 / count as f64;
        // Round 0 warms both paths up and is not counted.
        if round > 0 {
            ours_ns.push(ours);
            bare_ns.push(theirs);
            ratios.push(theirs / ours);
        }
    }

    // Many tasks on every core, all hitting the same warm cache.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let tasks = threads * 8;
    let per_task = (count / 4).max(1);
    let mut per_second = Vec::new();
    for _ in 0..rounds.min(5) {
        let started = Instant::now();
        runtime.block_on(async {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    let (verifier, token) = (verifier.clone(), Arc::clone(&token));
                    tokio::spawn(async move {
                        for _ in 0..per_task {
                            std::hint::black_box(verifier.verify(&token).await?);
                        }
                        Ok::<_, clerk_bapi::Error>(())
                    })
                })
                .collect();
            for handle in handles {
                handle.await??;
            }
            Ok::<_, BoxError>(())
        })?;
        per_second.push((tasks * per_task) as f64 / started.elapsed().as_secs_f64());
    }

    let (omin, omax) = spread(&ours_ns);
    let (bmin, bmax) = spread(&bare_ns);
    let (rmin, rmax) = spread(&ratios);
    let (cmin, cmax) = spread(&per_second);
    println!(
        "verifier_ns={:.0} min={omin:.0} max={omax:.0}",
        median(&mut ours_ns)
    );
    println!(
        "jsonwebtoken_ns={:.0} min={bmin:.0} max={bmax:.0}",
        median(&mut bare_ns)
    );
    println!(
        "ratio={:.3} min={rmin:.3} max={rmax:.3}",
        median(&mut ratios)
    );
    println!(
        "concurrent_per_sec={:.0} min={cmin:.0} max={cmax:.0}",
        median(&mut per_second)
    );
    println!("rounds={rounds} count={count} threads={threads} tasks={tasks}");
    Ok(())
}
