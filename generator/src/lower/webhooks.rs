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
        // Members an event's own examples leave out are known to be left out: they are found
        // before any payload is lowered, so that every struct holding them has them optional.
        for webhook in webhooks {
            let (media, schema, at) = self.payload_media(webhook)?;
            let media_at = at.strip_suffix("/schema").unwrap_or(&at);
            let mut examples: Vec<&'a serde_json::Value> = media.example.iter().collect();
            for (name, example) in &media.examples {
                let pointer = format!("{media_at}/examples/{}", pointer_token(name));
                let (example, _, _) = self.follow(example, pointer, "examples", |c| &c.examples)?;
                examples.extend(example.value.as_ref());
            }
            for example in examples {
                self.absent_in_example(schema, &at, example, 0)?;
            }
        }
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
        let (_, schema, at) = self.payload_media(webhook)?;
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

    /// Records the required members that `value`, an example of `schema`, leaves out, at every
    /// depth of objects and lists.
    fn absent_in_example<S: SchemaLike>(
        &mut self,
        schema: &'a ReferenceOr<S>,
        pointer: &str,
        value: &serde_json::Value,
        depth: usize,
    ) -> Result<(), Error> {
        if depth >= MAX_NESTING {
            return Err(self.too_deep(pointer));
        }
        let (resolved, at) = self.resolve(schema, pointer)?;
        match value {
            serde_json::Value::Object(members) => {
                let Some(parts) = self.object_properties(schema, pointer)? else {
                    // An alias (`allOf` of one schema, say to make a `$ref` nullable) stands for
                    // its member.
                    if let [member] = view(resolved).all_of {
                        let at = format!("{at}/allOf/0");
                        return self.absent_in_example(member, &at, value, depth + 1);
                    }
                    return Ok(());
                };
                for property in &parts.properties {
                    match members.get(property.api_name) {
                        None if parts.required.contains(property.api_name) => {
                            self.absent_members.insert(property.pointer.clone());
                        }
                        Some(member) if !member.is_null() => {
                            self.absent_in_example(
                                property.schema,
                                &property.pointer,
                                member,
                                depth + 1,
                            )?;
                        }
                        _ => {}
                    }
                }
            }
            serde_json::Value::Array(items) => {
                if let Some(item_schema) = view(resolved).items {
                    let at = format!("{at}/items");
                    for item in items {
                        self.absent_in_example(item_schema, &at, item, depth + 1)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The JSON media type of an event's request body, its schema, and where the schema is.
    fn payload_media(
        &self,
        webhook: &'a SelectedWebhook,
    ) -> Result<(&'a openapiv3::MediaType, &'a ReferenceOr<Schema>, String), Error> {
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
        Ok((content, schema, at))
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
