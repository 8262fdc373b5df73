//! Webhooks → the variants of `WebhookEvent`: each event's request body becomes its payload
//! struct, named after the event (`user.created` → `UserCreatedEvent`).

use crate::ir::Webhook;
use crate::select::SelectedWebhook;

use super::*;

/// The variant of `WebhookEvent` that holds events of types the document does not list.
const UNKNOWN_VARIANT: &str = "Unknown";

/// The wire member a payload is dispatched on.
const TYPE_MEMBER: &str = "type";

impl<'a> Lowerer<'a> {
    /// Lowers the events, in order of event type, to their variants and payload types.
    pub(super) fn webhooks(
        &mut self,
        webhooks: &'a [SelectedWebhook],
    ) -> Result<Vec<Webhook>, Error> {
        let mut variants: BTreeMap<String, &str> = BTreeMap::new();
        let mut lowered = Vec::with_capacity(webhooks.len());
        for webhook in webhooks {
            let variant = naming::camel(&webhook.event_type);
            if variant == UNKNOWN_VARIANT {
                return Err(self.error(
                    ErrorKind::NameCollision,
                    &webhook.pointer,
                    format!(
                        "the event type `{}` becomes the variant `{UNKNOWN_VARIANT}`, which holds the events of types the document does not list",
                        webhook.event_type
                    ),
                ));
            }
            if let Some(first) = variants.insert(variant.clone(), &webhook.event_type) {
                return Err(self.error(
                    ErrorKind::NameCollision,
                    &webhook.pointer,
                    format!(
                        "event types `{first}` and `{}` both become the variant `{variant}`",
                        webhook.event_type
                    ),
                ));
            }
            let payload = self.payload(webhook, &variant)?;
            let operation = &webhook.operation;
            lowered.push(Webhook {
                event_type: webhook.event_type.clone(),
                variant,
                payload,
                docs: docs(
                    operation.summary.as_deref(),
                    operation.description.as_deref(),
                ),
                deprecated: operation.deprecated,
            });
        }
        Ok(lowered)
    }

    /// The payload type of one event: its JSON request body's schema, a struct.
    fn payload(&mut self, webhook: &'a SelectedWebhook, variant: &str) -> Result<String, Error> {
        let Some(body) = &webhook.operation.request_body else {
            return Err(self.error(
                ErrorKind::Unsupported,
                &webhook.pointer,
                "the webhook has no request body, which is the payload it delivers",
            ));
        };
        let at = format!("{}/requestBody", webhook.pointer);
        let (body, at, _) = self.follow(body, at, "requestBodies", |c| &c.request_bodies)?;
        let Some((media, content)) = pick_json(&body.content) else {
            return Err(self.error(
                ErrorKind::Unsupported,
                format!("{at}/content"),
                "the webhook's payload has no JSON content (`application/json`)",
            ));
        };
        let at = format!("{at}/content/{}/schema", pointer_token(media));
        let Some(schema) = &content.schema else {
            return Err(self.error(
                ErrorKind::Unsupported,
                at,
                "the webhook's payload has no schema",
            ));
        };
        let hint = format!("{variant}Event");
        match self.type_of(schema, &hint, &at, "")? {
            (TypeRef::Named(name), false) => Ok(name),
            _ => Err(self.error(
                ErrorKind::Unsupported,
                at,
                "a webhook's payload must be an object (not null), with the `type` member its events are told apart by",
            )),
        }
    }

    /// Checks, once every type is lowered, that each payload is a struct with a required `type`
    /// member, without which an event could neither be told apart when decoded nor be written back
    /// as it came.
    pub(super) fn check_webhook_payloads(&self, webhooks: &[Webhook]) -> Result<(), Error> {
        for webhook in webhooks {
            let has_type = match self.types.get(&webhook.payload).map(|t| &t.kind) {
                Some(TypeKind::Struct { fields, .. }) => fields
                    .iter()
                    .any(|f| f.api_name == TYPE_MEMBER && f.required),
                _ => false,
            };
            if !has_type {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    format!("webhook {}", webhook.event_type),
                    format!(
                        "the payload `{}` is not an object with a required `{TYPE_MEMBER}` member, which the events are told apart by",
                        webhook.payload
                    ),
                ));
            }
        }
        Ok(())
    }
}
