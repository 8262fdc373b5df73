//! Selection: which operations of the document to generate, and the group each belongs to.

use std::collections::BTreeMap;

use crate::naming;
use openapiv3::{OpenAPI, Operation, ReferenceOr};

use crate::error::{Error, ErrorKind, ErrorLocation, pointer_token};
use crate::ir::HttpMethod;

mod webhooks;

pub use webhooks::{SelectedWebhook, WEBHOOKS_ITEM, webhooks};

/// The extension naming an operation's group (its accessor on the client).
pub const GROUP_EXTENSION: &str = "x-speakeasy-group";

/// Which operations to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every operation of the document.
    All,
    /// Operations whose group (snake_cased), or whose operationId, is in the list.
    Only(Vec<String>),
}

impl Default for Selection {
    /// The Machines operations, the project's default.
    fn default() -> Self {
        Selection::Only(vec!["machines".to_owned()])
    }
}

impl Selection {
    /// Parses the command-line form: `all`, or a comma-separated list of groups and operationIds.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(Selection::All);
        }
        let items: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect();
        if items.is_empty() {
            return Err("the selection is empty: name one or more groups, or `all`".to_owned());
        }
        Ok(Selection::Only(items))
    }

    fn matches(&self, group_key: &str, operation_id: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::Only(items) => items
                .iter()
                .any(|item| naming::group_key(item) == group_key || item == operation_id),
        }
    }
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selection::All => f.write_str("all"),
            Selection::Only(items) => f.write_str(&items.join(",")),
        }
    }
}

/// One operation picked by the selection. It always has an operationId.
#[derive(Debug, Clone)]
pub struct SelectedOperation<'a> {
    /// The operationId.
    pub id: &'a str,
    /// The path template, as written in the document.
    pub path: &'a str,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The group it belongs to, as written (`x-speakeasy-group`, else its first tag, else the
    /// first path segment after a version prefix).
    pub group: String,
    /// The group's key, snake_cased (`machines`).
    pub group_key: String,
    /// The operation itself.
    pub operation: &'a Operation,
    /// Parameters declared on the path item, shared by all its operations.
    pub path_parameters: &'a [ReferenceOr<openapiv3::Parameter>],
    /// JSON pointer to the operation, for messages.
    pub pointer: String,
}

/// Picks the operations of `document` that `selection` names, in document order.
///
/// Also enforces what every later stage relies on: each operation has an operationId, and no two
/// operations of the document share one (checked over the whole document, selected or not).
pub fn select<'a>(
    file: &str,
    document: &'a OpenAPI,
    selection: &Selection,
) -> Result<Vec<SelectedOperation<'a>>, Error> {
    let selected = operations(file, document, selection)?;
    if selected.is_empty() {
        return Err(empty_selection(file, selection));
    }
    Ok(selected)
}

/// The operations and the webhooks `selection` names; it must name at least one of either.
pub fn select_with_webhooks<'a>(
    file: &str,
    document: &'a OpenAPI,
    selection: &Selection,
) -> Result<(Vec<SelectedOperation<'a>>, Vec<SelectedWebhook>), Error> {
    let selected = operations(file, document, selection)?;
    let webhooks = webhooks(file, document, selection)?;
    if selected.is_empty() && webhooks.is_empty() {
        return Err(empty_selection(file, selection));
    }
    Ok((selected, webhooks))
}

fn empty_selection(file: &str, selection: &Selection) -> Error {
    Error::new(
        ErrorKind::EmptySelection,
        file,
        ErrorLocation::Document,
        format!(
            "the selection `{selection}` matches no operation (groups are named by x-speakeasy-group, else by the first tag) and no webhook (named by event type, or all as `{WEBHOOKS_ITEM}`)"
        ),
    )
}

/// The operations `selection` names, in document order, possibly none.
fn operations<'a>(
    file: &str,
    document: &'a OpenAPI,
    selection: &Selection,
) -> Result<Vec<SelectedOperation<'a>>, Error> {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    let mut selected = Vec::new();
    for (path, item) in document.paths.paths.iter() {
        let path_pointer = format!("/paths/{}", pointer_token(path));
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    file,
                    &path_pointer,
                    format!(
                        "path items given by `$ref` ({reference}) are not supported; write the path item inline"
                    ),
                ));
            }
        };
        let methods = [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Delete, &item.delete),
            (HttpMethod::Options, &item.options),
            (HttpMethod::Head, &item.head),
            (HttpMethod::Patch, &item.patch),
            (HttpMethod::Trace, &item.trace),
        ];
        for (method, operation) in methods {
            let Some(operation) = operation else { continue };
            let pointer = format!("{path_pointer}/{}", method.key());
            let Some(id) = operation.operation_id.as_deref() else {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    file,
                    &pointer,
                    "the operation has no operationId, which the generator needs to name it",
                ));
            };
            if id.trim().is_empty() {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    file,
                    &pointer,
                    "the operationId is empty",
                ));
            }
            if let Some(first) = seen.insert(id, pointer.clone()) {
                return Err(Error::new(
                    ErrorKind::DuplicateOperationId,
                    file,
                    &pointer,
                    format!("operationId `{id}` is already used at {first}"),
                ));
            }
            let group = group_of(file, &pointer, path, operation)?;
            let group_key = naming::group_key(&group);
            if group_key.is_empty() {
                return Err(Error::new(
                    ErrorKind::NameCollision,
                    file,
                    &pointer,
                    format!("the group `{group}` of operation {id} gives an empty Rust name"),
                ));
            }
            if selection.matches(&group_key, id) {
                selected.push(SelectedOperation {
                    id,
                    path,
                    method,
                    group,
                    group_key,
                    operation,
                    path_parameters: &item.parameters,
                    pointer,
                });
            }
        }
    }
    Ok(selected)
}

/// The group of an operation: its `x-speakeasy-group`, else its first tag, else the first segment
/// of its path after a version prefix (`/v1/client/sync` → `client`; see [`path_group`]). Groups
/// are compared by their snake_cased key, so a group named by a path segment merges with a tag or
/// extension of the same name (`Client` and `client`).
fn group_of(file: &str, pointer: &str, path: &str, operation: &Operation) -> Result<String, Error> {
    match operation.extensions.get(GROUP_EXTENSION) {
        Some(serde_json::Value::String(group)) => Ok(group.clone()),
        Some(other) => Err(Error::new(
            ErrorKind::WrongType,
            file,
            format!("{pointer}/{GROUP_EXTENSION}"),
            format!("expected a string, found {}", json_kind(other)),
        )),
        None => match operation.tags.first() {
            Some(tag) => Ok(tag.clone()),
            None => path_group(path).ok_or_else(|| {
                Error::new(
                    ErrorKind::Unsupported,
                    file,
                    pointer,
                    format!(
                        "operation has neither {GROUP_EXTENSION} nor a tag, and its path has no segment to name a group after"
                    ),
                )
            }),
        },
    }
}

/// The group of an operation that has neither `x-speakeasy-group` nor a tag: the first path
/// segment that is neither a version prefix (`v1`, `v2beta`) nor a parameter (`{id}`).
/// `/v1/client/sync` → `client`, `/.well-known/jwks.json` → `.well-known`; `None` for `/` or a
/// path made only of versions and parameters.
pub fn path_group(path: &str) -> Option<String> {
    path.split('/')
        .filter(|segment| !segment.is_empty() && !segment.starts_with('{'))
        .find(|segment| !is_version_segment(segment))
        .map(str::to_owned)
}

/// Whether a path segment is a version prefix: `v` followed by a digit (`v1`, `v2`, `v1beta`).
fn is_version_segment(segment: &str) -> bool {
    let mut chars = segment.chars();
    matches!(chars.next(), Some('v' | 'V')) && chars.next().is_some_and(|c| c.is_ascii_digit())
}

/// Names the JSON type of a value, for messages.
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::path_group;

    #[test]
    fn untagged_operations_are_grouped_by_their_first_path_segment() {
        let group = |path| path_group(path);
        assert_eq!(group("/v1/client/sync").as_deref(), Some("client"));
        assert_eq!(group("/v2beta/{id}/things").as_deref(), Some("things"));
        assert_eq!(
            group("/.well-known/jwks.json").as_deref(),
            Some(".well-known")
        );
        assert_eq!(group("/oauth/token").as_deref(), Some("oauth"));
        assert_eq!(group("/version/{v}").as_deref(), Some("version"));
        assert_eq!(group("/v1/{id}"), None);
        assert_eq!(group("/"), None);
    }
}
