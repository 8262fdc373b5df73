//! Service-to-service authentication with machine tokens: one service mints a token with its
//! machine's secret key and calls another, which verifies the token before answering.
//!
//! Run with
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_... MACHINE_SECRET_KEY=ak_... \
//!     cargo run -p clerk-bapi --example machine_auth
//! ```
//!
//! Set `CLERK_API_URL` to talk to another server than Clerk's, such as a local mock, and
//! `TOKEN_FORMAT=jwt` to mint JWTs (checked locally against the instance's keys) instead of
//! opaque tokens (checked with Clerk).
//!
//! Both services live in this one process for the example's sake: the "orders" service is a tiny
//! HTTP server on loopback, the "billing" service calls it.

use std::time::Duration;

use clerk_bapi::m2m::{MachineTokenVerifier, TokenFormat, TokenProvider, TokenProviderConfig};
use clerk_bapi::{Client, Error};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn client(secret_key: &str) -> clerk_bapi::Result<Client> {
    let mut builder = Client::builder().secret_key(secret_key);
    if let Ok(url) = std::env::var("CLERK_API_URL") {
        builder = builder.base_url(url);
    }
    builder.build()
}

/// The receiving service: answers 200 to a caller whose machine token passes, 401 otherwise,
/// and 503 when the token could not be checked.
async fn orders_service(listener: TcpListener, verifier: MachineTokenVerifier) {
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        // Each request is checked on its own task; the verifier is cheap to clone and its
        // clones share the key cache.
        let verifier = verifier.clone();
        tokio::spawn(async move {
            if let Err(err) = answer(socket, &verifier).await {
                eprintln!("orders: connection failed: {err}");
            }
        });
    }
}

async fn answer(socket: TcpStream, verifier: &MachineTokenVerifier) -> Result<(), BoxError> {
    let mut reader = BufReader::new(socket);
    let mut bearer = None;
    let mut line = String::new();
    while reader.read_line(&mut line).await? > 0 && line != "\r\n" {
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            bearer = value.trim().strip_prefix("Bearer ").map(str::to_owned);
        }
        line.clear();
    }
    let (status, body) = match bearer {
        None => ("401 Unauthorized", "no bearer token".to_owned()),
        Some(token) => match verifier.verify(&token).await {
            Ok(machine) => (
                "200 OK",
                format!(
                    "orders for {} (scopes {:?})",
                    machine.subject, machine.scopes
                ),
            ),
            Err(Error::Token(why)) => ("401 Unauthorized", format!("refused: {why}")),
            Err(err) => ("503 Service Unavailable", format!("cannot check: {err}")),
        },
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    reader.into_inner().write_all(response.as_bytes()).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let instance_key = std::env::var("CLERK_SECRET_KEY").map_err(|_| "set CLERK_SECRET_KEY")?;
    let machine_key =
        std::env::var("MACHINE_SECRET_KEY").map_err(|_| "set MACHINE_SECRET_KEY (ak_...)")?;
    let format = match std::env::var("TOKEN_FORMAT").as_deref() {
        Ok("jwt") => TokenFormat::Jwt,
        _ => TokenFormat::Opaque,
    };

    // The receiving service verifies with the instance's key.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let orders = format!("http://{}/orders", listener.local_addr()?);
    tokio::spawn(orders_service(
        listener,
        MachineTokenVerifier::new(client(&instance_key)?),
    ));

    // The calling service mints with its machine's key, and reuses the token across calls.
    let provider = TokenProvider::with_config(
        client(&instance_key)?,
        machine_key,
        TokenProviderConfig::default()
            .with_token_format(format)
            .with_seconds_until_expiration(600.0)
            .with_refresh_margin(Duration::from_secs(60)),
    );
    let http = reqwest::Client::new();
    for call in 1..=3 {
        let token = provider.token().await?;
        let answer = http
            .get(&orders)
            .bearer_auth(token.expose_secret())
            .send()
            .await?;
        println!(
            "billing → orders, call {call}: {} {}",
            answer.status(),
            answer.text().await?
        );
    }
    Ok(())
}
