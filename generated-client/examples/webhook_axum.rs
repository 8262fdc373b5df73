//! Receiving Clerk webhooks with axum: the body is taken as raw bytes, because the signature
//! covers exactly the bytes sent; it is verified, and only then matched on.
//!
//! ```text
//! CLERK_WEBHOOK_SIGNING_SECRET=whsec_... cargo run -p clerk-bapi --example webhook_axum
//! ```
//!
//! Then point the endpoint in Clerk's dashboard at `http://<this host>:3000/webhooks/clerk`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use clerk_bapi::webhooks::{Webhook, WebhookError, WebhookEvent};

async fn receive(
    State(webhook): State<Arc<Webhook>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    match webhook.verify(&headers, &body) {
        Ok(WebhookEvent::UserCreated(event)) => {
            println!("user {} signed up", event.data.id);
            StatusCode::NO_CONTENT
        }
        Ok(WebhookEvent::UserDeleted(event)) => {
            println!("user {:?} deleted", event.data.id);
            StatusCode::NO_CONTENT
        }
        Ok(WebhookEvent::SessionEnded(event)) => {
            println!(
                "session {} of user {} ended",
                event.data.id, event.data.user_id
            );
            StatusCode::NO_CONTENT
        }
        // Every other event, including types newer than this crate (`WebhookEvent::Unknown`), is
        // acknowledged, so that Clerk does not retry it.
        Ok(other) => {
            println!("{} not handled", other.event_type());
            StatusCode::NO_CONTENT
        }
        // Signed by Clerk but not of the documented shape: an error on our side, so Clerk retries
        // it later (after an upgrade, say).
        Err(error @ WebhookError::InvalidPayload(_)) => {
            eprintln!("cannot decode a signed delivery: {error}");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        // Not from Clerk, replayed, or changed on the way.
        Err(error) => {
            eprintln!("refused a delivery: {error}");
            StatusCode::BAD_REQUEST
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let webhook = Arc::new(Webhook::from_env()?);
    let app = Router::new()
        .route("/webhooks/clerk", post(receive))
        .with_state(webhook);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
