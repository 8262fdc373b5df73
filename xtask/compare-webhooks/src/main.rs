//! Verifying and decoding one signed `user.created` delivery: `clerk_bapi::webhooks` against the
//! `svix` crate's `Webhook::verify`, on the same bytes and headers, measured in alternation in one
//! run.
//!
//! Four figures, in deliveries per second:
//! - `ours`: `Webhook::verify`, which checks the signature and decodes into `WebhookEvent`;
//! - `svix_verify`: svix's `Webhook::verify` alone, which checks the signature and decodes nothing
//!   (the literal comparison, less work than ours);
//! - `svix_equal`: svix's `verify`, then `serde_json::from_slice::<WebhookEvent>`, what a svix user
//!   decoding into the same type writes (equal work);
//! - `svix_same_decoder`: svix's `verify`, then `WebhookEvent::from_json`, the decoder ours uses
//!   (equal work, isolating the verification).
//!
//! Prints `key=median min=… max=…` lines for `cargo xtask bench`, and each ratio run by run.
//! Arguments: `--rounds N --deliveries N --document PATH` (Clerk's webhook document, whose
//! `user.created` example is the body).

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clerk_bapi::webhooks::{HeaderMap, Webhook, WebhookEvent};

/// A signing secret for this benchmark only.
const SECRET: &str = "whsec_YmVuY2htYXJrLW9ubHktc2lnbmluZy1rZXktMDE=";

struct Args {
    rounds: usize,
    deliveries: usize,
    document: String,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        rounds: 5,
        deliveries: 5_000,
        document: "../shared/specs/clerk-webhooks/2025-04-15.yml".to_owned(),
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let value = given.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--rounds" => args.rounds = number()?.max(1),
            "--deliveries" => args.deliveries = number()?.max(1),
            "--document" => args.document = value.clone(),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// The body of the delivery: the `user.created` example of Clerk's document, as compact JSON.
fn body(document: &str) -> Result<Vec<u8>, String> {
    let text = std::fs::read_to_string(document).map_err(|e| format!("{document}: {e}"))?;
    let document: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{document}: {e}"))?;
    let example = &document["x-webhooks"]["user.created"]["post"]["requestBody"]["content"]
        ["application/json"]["example"];
    if example.is_null() {
        return Err("the document has no user.created example".to_owned());
    }
    serde_json::to_vec(example).map_err(|e| e.to_string())
}

/// Headers of a delivery of `body` signed now.
fn signed(ours: &Webhook, body: &[u8]) -> Result<HeaderMap, String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let mut headers = HeaderMap::new();
    let id = "msg_2benchmarkdelivery";
    let signature = ours.sign(id, now as i64, body);
    for (name, value) in [
        ("svix-id", id.to_owned()),
        ("svix-timestamp", now.to_string()),
        ("svix-signature", signature),
    ] {
        headers.insert(name, value.parse().map_err(|e| format!("{name}: {e}"))?);
    }
    Ok(headers)
}

/// Deliveries per second over `n` runs of `work`.
fn rate(n: usize, mut work: impl FnMut() -> bool) -> Result<f64, String> {
    let start = Instant::now();
    for _ in 0..n {
        if !black_box(work()) {
            return Err("a delivery failed verification".to_owned());
        }
    }
    let elapsed = start.elapsed().max(Duration::from_nanos(1));
    Ok(n as f64 / elapsed.as_secs_f64())
}

fn summary(key: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    let (min, max) = (values[0], values[values.len() - 1]);
    println!("{key}={median:.3} min={min:.3} max={max:.3}");
}

fn main() -> Result<(), String> {
    let args = args()?;
    let body = body(&args.document)?;
    let ours = Webhook::new(SECRET).map_err(|e| e.to_string())?;
    let svix = svix::webhooks::Webhook::new(SECRET).map_err(|e| e.to_string())?;

    // Both accept the delivery, and ours decodes it into its variant.
    let headers = signed(&ours, &body)?;
    match ours.verify(&headers, &body) {
        Ok(WebhookEvent::UserCreated(_)) => {}
        other => return Err(format!("ours did not give UserCreated: {other:?}")),
    }
    svix.verify(&body, &headers)
        .map_err(|e| format!("svix refused the delivery: {e}"))?;

    let names = ["ours", "svix_verify", "svix_equal", "svix_same_decoder"];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let n = args.deliveries;
    for round in 0..args.rounds {
        // Signed again each round, so the timestamp stays within the tolerance.
        let headers = signed(&ours, &body)?;
        let mut this = [0.0; 4];
        // Alternate the order, so that drift falls on all alike.
        let mut order = [0, 1, 2, 3];
        if round % 2 == 1 {
            order.reverse();
        }
        for which in order {
            this[which] = match which {
                0 => rate(n, || ours.verify(&headers, black_box(&body)).is_ok())?,
                1 => rate(n, || svix.verify(black_box(&body), &headers).is_ok())?,
                2 => rate(n, || {
                    svix.verify(black_box(&body), &headers).is_ok()
                        && serde_json::from_slice::<WebhookEvent>(&body).is_ok()
                })?,
                _ => rate(n, || {
                    svix.verify(black_box(&body), &headers).is_ok()
                        && WebhookEvent::from_json(&body).is_ok()
                })?,
            };
        }
        for (which, value) in this.iter().enumerate() {
            rates[which].push(*value);
            ratios[which].push(this[0] / value);
        }
    }
    println!("body_bytes={}", body.len());
    for (which, name) in names.iter().enumerate() {
        summary(&format!("{name}_per_s"), rates[which].clone());
    }
    for (which, name) in names.iter().enumerate().skip(1) {
        summary(&format!("ours_vs_{name}"), ratios[which].clone());
    }
    Ok(())
}
