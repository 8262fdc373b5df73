//! Request body media types: which of an operation's offered media types is sent, and how a form
//! body's members are spelled (the media type's `encoding`).

use openapiv3::MediaType;

use super::*;
use crate::ir::{FormEncoding, FormStyle};

/// How a request body is sent, by the media type chosen for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaKind {
    /// `application/json` or a `+json` type.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    Multipart,
    /// Anything else (`application/octet-stream`, `image/png`, `text/plain`...): bytes.
    Bytes,
}

const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// Picks the media type a body is sent as, when an operation offers several: JSON, else a form
/// (URL-encoded before multipart), else the first one listed, sent as bytes. `None` when the body
/// declares no media type at all.
pub(super) fn pick_body_media(
    content: &indexmap::IndexMap<String, MediaType>,
) -> Option<(MediaKind, &str, &MediaType)> {
    if let Some((media, content)) = pick_json(content) {
        return Some((MediaKind::Json, media, content));
    }
    if let Some((media, content)) = pick_media(content, FORM) {
        return Some((MediaKind::Form, media, content));
    }
    if let Some((media, content)) = pick_media(content, MULTIPART) {
        return Some((MediaKind::Multipart, media, content));
    }
    content
        .iter()
        .next()
        .map(|(media, content)| (MediaKind::Bytes, media.as_str(), content))
}

impl<'a> Lowerer<'a> {
    /// The encodings of a form body's members that differ from the default (`style: form`,
    /// `explode: true`), sorted by member name. An encoding naming no member of the body is an
    /// error, since it says the document and its schema disagree.
    pub(super) fn form_encodings(
        &self,
        content: &'a MediaType,
        media_pointer: &str,
        members: &BTreeSet<&str>,
    ) -> Result<Vec<FormEncoding>, Error> {
        let mut encodings = Vec::new();
        for (name, encoding) in &content.encoding {
            let pointer = format!("{media_pointer}/encoding/{}", pointer_token(name));
            if !members.contains(name.as_str()) {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    pointer,
                    format!("the encoding names `{name}`, which is not a member of the form body"),
                ));
            }
            // OpenAPI's `explode` defaults to true for `style: form`, but the document model
            // reads a missing `explode` as false. So without a `style` the default (exploded)
            // form is used whatever `explode` reads; an author who writes `style: form` is taken
            // at the `explode` written next to it.
            let style = match encoding.style.as_ref() {
                None => FormStyle::Form,
                Some(openapiv3::QueryStyle::Form) if encoding.explode => FormStyle::Form,
                Some(openapiv3::QueryStyle::Form) => FormStyle::FormJoined,
                Some(openapiv3::QueryStyle::SpaceDelimited) => FormStyle::SpaceDelimited,
                Some(openapiv3::QueryStyle::PipeDelimited) => FormStyle::PipeDelimited,
                Some(openapiv3::QueryStyle::DeepObject) => FormStyle::DeepObject,
            };
            if style != FormStyle::Form {
                encodings.push(FormEncoding {
                    api_name: name.clone(),
                    style,
                });
            }
        }
        encodings.sort_by(|a, b| a.api_name.cmp(&b.api_name));
        Ok(encodings)
    }
}

/// Chooses the JSON media type of a content map (`application/json`, or any `+json` type).
pub(super) fn pick_json(
    content: &indexmap::IndexMap<String, openapiv3::MediaType>,
) -> Option<(&str, &openapiv3::MediaType)> {
    content
        .iter()
        .find(|(media, _)| {
            let media = media
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            media == "application/json" || media.ends_with("+json")
        })
        .map(|(media, content)| (media.as_str(), content))
}

/// Chooses the content of the given media type (parameters such as `; charset` ignored).
pub(super) fn pick_media<'c>(
    content: &'c indexmap::IndexMap<String, openapiv3::MediaType>,
    wanted: &str,
) -> Option<(&'c str, &'c openapiv3::MediaType)> {
    content
        .iter()
        .find(|(media, _)| {
            media
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(wanted)
        })
        .map(|(media, content)| (media.as_str(), content))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(types: &[&str]) -> indexmap::IndexMap<String, MediaType> {
        types
            .iter()
            .map(|t| ((*t).to_owned(), MediaType::default()))
            .collect()
    }

    #[test]
    fn json_wins_then_forms_then_the_first() {
        let pick = |types: &[&str]| {
            let content = content(types);
            pick_body_media(&content).map(|(kind, media, _)| (kind, media.to_owned()))
        };
        assert_eq!(
            pick(&[FORM, "application/json"]),
            Some((MediaKind::Json, "application/json".to_owned()))
        );
        assert_eq!(
            pick(&[
                MULTIPART,
                "application/x-www-form-urlencoded; charset=utf-8"
            ]),
            Some((
                MediaKind::Form,
                "application/x-www-form-urlencoded; charset=utf-8".to_owned()
            ))
        );
        assert_eq!(
            pick(&["application/octet-stream", MULTIPART]),
            Some((MediaKind::Multipart, MULTIPART.to_owned()))
        );
        assert_eq!(
            pick(&["image/png", "application/octet-stream"]),
            Some((MediaKind::Bytes, "image/png".to_owned()))
        );
        assert_eq!(pick(&[]), None);
    }
}
