//! Rotates a machine's secret key: the call Clerk documents as
//! `rotateSecretKey({ machineId, previousTokenTtl })`, in Rust.
//!
//! Run with `CLERK_SECRET_KEY=sk_test_... cargo run -p clerk-bapi --example rotate_secret_key -- mch_123`.
//! Set `CLERK_API_URL` to send the request elsewhere, such as a local mock server.

use clerk_bapi::Client;
use clerk_bapi::types::{MachineSecretKey, RotateMachineSecretKeyParams};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let machine_id = std::env::args()
        .nth(1)
        .ok_or("usage: rotate_secret_key <machine_id>")?;
    let secret_key = std::env::var("CLERK_SECRET_KEY").map_err(|_| "set CLERK_SECRET_KEY")?;
    let mut builder = Client::builder().secret_key(secret_key);
    if let Ok(url) = std::env::var("CLERK_API_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;

    let key: MachineSecretKey = client
        .machines()
        .rotate_secret_key(RotateMachineSecretKeyParams {
            machine_id,
            previous_token_ttl: 3600,
        })
        .await?;

    // The new key is only printed because this example exists to show it; `Debug` would redact it.
    println!("new secret key: {}", key.secret.expose_secret());
    Ok(())
}
