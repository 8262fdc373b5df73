//! Webhooks: the events a document says its service delivers, read from `x-webhooks` (OpenAPI
//! 3.1's `webhooks` is moved there by the loader).

use openapiv3::{OpenAPI, Operation, PathItem};

use super::{Selection, json_kind};
use crate::error::{Error, ErrorKind, pointer_token};
use crate::load::WEBHOOKS_EXTENSION;

/// The selection item that picks every webhook of a document, beside the group names.
pub const WEBHOOKS_ITEM: &str = "webhooks";

/// One webhook event picked by the selection.
#[derive(Debug, Clone)]
pub struct SelectedWebhook {
    /// The event type, the document's key for it (`user.created`).
    pub event_type: String,
    /// The operation describing the delivery; its request body is the payload.
    pub operation: Operation,
    /// JSON pointer to the operation, for messages.
    pub pointer: String,
}

/// Reads the webhooks of `document` that `selection` names, sorted by event type: every one for
/// `all` or `webhooks`, else those whose event type is listed.
pub fn webhooks(
    file: &str,
    document: &OpenAPI,
    selection: &Selection,
) -> Result<Vec<SelectedWebhook>, Error> {
    let Some(entries) = document.extensions.get(WEBHOOKS_EXTENSION) else {
        return Ok(Vec::new());
    };
    let root = format!("/{WEBHOOKS_EXTENSION}");
    let serde_json::Value::Object(entries) = entries else {
        return Err(Error::new(
            ErrorKind::WrongType,
            file,
            root,
            format!(
                "expected a mapping of event types to path items, found {}",
                json_kind(entries)
            ),
        ));
    };
    let wanted = |event_type: &str| match selection {
        Selection::All => true,
        Selection::Only(items) => items
            .iter()
            .any(|item| item == WEBHOOKS_ITEM || item == event_type),
    };
    let mut selected = Vec::new();
    for (event_type, item) in entries {
        if !wanted(event_type) {
            continue;
        }
        let at = format!("{root}/{}", pointer_token(event_type));
        if event_type.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                file,
                at,
                "the event type is empty",
            ));
        }
        let item = with_responses(item);
        let item: PathItem = serde_path_to_error::deserialize(&item).map_err(|e| {
            let inner = crate::load::json_pointer(e.path());
            let place = match inner.as_str() {
                "/" => at.clone(),
                _ => format!("{at}{inner}"),
            };
            Error::new(
                ErrorKind::WrongType,
                file,
                place,
                crate::load::tidy(&e.inner().to_string()),
            )
        })?;
        let (operation, pointer) = only_operation(file, &at, item)?;
        selected.push(SelectedWebhook {
            event_type: event_type.clone(),
            operation,
            pointer,
        });
    }
    selected.sort_by(|a, b| a.event_type.cmp(&b.event_type));
    Ok(selected)
}

/// The path item with an empty `responses` in each operation that has none: the document model
/// requires it, but what a receiver answers to a delivery is rarely described.
fn with_responses(item: &serde_json::Value) -> serde_json::Value {
    let mut item = item.clone();
    if let serde_json::Value::Object(methods) = &mut item {
        for (method, operation) in methods.iter_mut() {
            if let (true, serde_json::Value::Object(operation)) =
                (METHODS.contains(&method.as_str()), operation)
            {
                operation
                    .entry("responses")
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            }
        }
    }
    item
}

/// The keys of a path item that hold operations.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The one operation of a webhook's path item: a delivery is one request.
fn only_operation(file: &str, at: &str, item: PathItem) -> Result<(Operation, String), Error> {
    let methods = [
        ("get", item.get),
        ("put", item.put),
        ("post", item.post),
        ("delete", item.delete),
        ("options", item.options),
        ("head", item.head),
        ("patch", item.patch),
        ("trace", item.trace),
    ];
    let mut found: Vec<(&str, Operation)> = methods
        .into_iter()
        .filter_map(|(method, operation)| Some((method, operation?)))
        .collect();
    match found.len() {
        1 => {
            let (method, operation) = found.remove(0);
            Ok((operation, format!("{at}/{method}")))
        }
        0 => Err(Error::new(
            ErrorKind::Unsupported,
            file,
            at,
            "the webhook has no operation describing its delivery (such as `post`)",
        )),
        _ => Err(Error::new(
            ErrorKind::Unsupported,
            file,
            at,
            format!(
                "the webhook has {} operations ({}); a delivery is one request, so keep one",
                found.len(),
                found.iter().map(|(m, _)| *m).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}
