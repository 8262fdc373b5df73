//! Client-side checks of the document's constraints, run before anything is sent.

use std::collections::HashMap;
use std::fmt::Display;
use std::ops::{Bound, RangeBounds};
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::{Result, ValidationError};
use crate::secret::Secret;

/// How many characters of an offending string value a validation error shows.
const VALIDATION_VALUE_LIMIT: usize = 64;

/// What a validation error shows in place of a secret value.
pub(super) const REDACTED: &str = "[REDACTED]";

/// A string value as a validation error shows it: quoted, escaped and shortened.
pub(super) fn show_str(value: &str) -> String {
    let mut shown: String = value.chars().take(VALIDATION_VALUE_LIMIT).collect();
    if value.chars().nth(VALIDATION_VALUE_LIMIT).is_some() {
        shown.push('…');
    }
    format!("{shown:?}")
}

/// Checks `value` against inclusive or exclusive bounds.
pub(super) fn check_range<T: PartialOrd + Display + Copy>(
    name: &str,
    value: T,
    min: Option<T>,
    max: Option<T>,
    exclusive_min: bool,
    exclusive_max: bool,
) -> Result<()> {
    let out_of_range = |constraint: String| {
        Err(ValidationError::new(name, value.to_string(), "is out of range", constraint).into())
    };
    if let Some(min) = min {
        // Written so that NaN fails every bound.
        let ok = if exclusive_min {
            value > min
        } else {
            value >= min
        };
        if !ok {
            let word = if exclusive_min {
                "greater than"
            } else {
                "at least"
            };
            return out_of_range(format!("must be {word} {min}"));
        }
    }
    if let Some(max) = max {
        let ok = if exclusive_max {
            value < max
        } else {
            value <= max
        };
        if !ok {
            let word = if exclusive_max {
                "less than"
            } else {
                "at most"
            };
            return out_of_range(format!("must be {word} {max}"));
        }
    }
    Ok(())
}

/// A bound of a range as the checks use it: the value, and whether it is exclusive.
fn bound<T: Copy>(bound: Bound<&T>) -> (Option<T>, bool) {
    match bound {
        Bound::Included(v) => (Some(*v), false),
        Bound::Excluded(v) => (Some(*v), true),
        Bound::Unbounded => (None, false),
    }
}

/// Checks an integer against the document's `minimum`/`maximum`, written as a range
/// (`1..=500`, `0..`; an exclusive minimum as a pair of [`Bound`]s).
pub fn check_int(name: &str, value: impl Into<i64>, range: impl RangeBounds<i64>) -> Result<()> {
    let (min, exclusive_min) = bound(range.start_bound());
    let (max, exclusive_max) = bound(range.end_bound());
    check_range(name, value.into(), min, max, exclusive_min, exclusive_max)
}

/// Checks a number against the document's `minimum`/`maximum`, written as a range; NaN fails any
/// bound.
pub fn check_number(name: &str, value: impl Into<f64>, range: impl RangeBounds<f64>) -> Result<()> {
    let (min, exclusive_min) = bound(range.start_bound());
    let (max, exclusive_max) = bound(range.end_bound());
    check_range(name, value.into(), min, max, exclusive_min, exclusive_max)
}

/// The inclusive bounds of a length range (`minLength..=maxLength`, `..=maxItems`).
fn len_bounds(range: &impl RangeBounds<usize>) -> (Option<usize>, Option<usize>) {
    let min = match range.start_bound() {
        Bound::Included(v) => Some(*v),
        Bound::Excluded(v) => Some(v.saturating_add(1)),
        Bound::Unbounded => None,
    };
    let max = match range.end_bound() {
        Bound::Included(v) => Some(*v),
        Bound::Excluded(v) => Some(v.saturating_sub(1)),
        Bound::Unbounded => None,
    };
    (min, max)
}

/// Checks a string's length in characters (Unicode scalar values, as JSON Schema counts them)
/// against `minLength..=maxLength`.
pub fn check_len(name: &str, value: &str, range: impl RangeBounds<usize>) -> Result<()> {
    let (min, max) = len_bounds(&range);
    check_len_inner(name, value, min, max, false)
}

/// [`check_len`] for a secret: the error shows `[REDACTED]` instead of the value.
pub fn check_len_secret(name: &str, value: &Secret, range: impl RangeBounds<usize>) -> Result<()> {
    let (min, max) = len_bounds(&range);
    check_len_inner(name, value.expose_secret(), min, max, true)
}

pub(super) fn check_len_inner(
    name: &str,
    value: &str,
    min: Option<usize>,
    max: Option<usize>,
    secret: bool,
) -> Result<()> {
    let len = value.chars().count();
    let problem = match (min, max) {
        (Some(min), _) if len < min => Some((
            "is too short",
            format!("must have at least {}", characters(min)),
        )),
        (_, Some(max)) if len > max => Some((
            "is too long",
            format!("must have at most {}", characters(max)),
        )),
        _ => None,
    };
    let Some((problem, mut constraint)) = problem else {
        return Ok(());
    };
    let shown = if secret {
        REDACTED.to_owned()
    } else {
        constraint.push_str(&format!(" (it has {len})"));
        show_str(value)
    };
    Err(ValidationError::new(name, shown, problem, constraint).into())
}

/// `n` with the word "character", pluralized as English wants.
pub(super) fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

/// Checks a list's length against `minItems..=maxItems`.
pub fn check_items(name: &str, len: usize, range: impl RangeBounds<usize>) -> Result<()> {
    let (min, max) = len_bounds(&range);
    let problem = match (min, max) {
        (Some(min), _) if len < min => ("has too few items", format!("must have at least {min}")),
        (_, Some(max)) if len > max => ("has too many items", format!("must have at most {max}")),
        _ => return Ok(()),
    };
    Err(ValidationError::new(name, format!("[{len} items]"), problem.0, problem.1).into())
}

/// Checks a string against the document's `pattern`, which JSON Schema matches anywhere in the
/// string (anchors only where the pattern has `^`/`$`).
///
/// Patterns are ECMA-262 regular expressions; the few that the `regex-lite` engine cannot compile
/// (look-around, backreferences) are not checked at all, leaving it to the server, rather than
/// failing valid input or panicking.
pub fn check_pattern(name: &str, value: &str, pattern: &'static str) -> Result<()> {
    check_pattern_inner(name, value, pattern, false)
}

/// [`check_pattern`] for a secret: the error shows `[REDACTED]` instead of the value.
pub fn check_pattern_secret(name: &str, value: &Secret, pattern: &'static str) -> Result<()> {
    check_pattern_inner(name, value.expose_secret(), pattern, true)
}

pub(super) fn check_pattern_inner(
    name: &str,
    value: &str,
    pattern: &'static str,
    secret: bool,
) -> Result<()> {
    let Some(regex) = compiled_pattern(pattern) else {
        return Ok(());
    };
    if regex.is_match(value) {
        return Ok(());
    }
    let shown = if secret {
        REDACTED.to_owned()
    } else {
        show_str(value)
    };
    Err(ValidationError::new(
        name,
        shown,
        "does not match the pattern",
        format!("must match {pattern:?}"),
    )
    .into())
}

/// The compiled form of `pattern`, or `None` when it does not compile. Compiled once per pattern
/// and shared, since generated code checks the same few patterns on every call.
pub(super) fn compiled_pattern(pattern: &'static str) -> Option<Arc<regex_lite::Regex>> {
    /// Each pattern seen, with its compiled form or `None` when it does not compile.
    type Cache = Mutex<HashMap<&'static str, Option<Arc<regex_lite::Regex>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // A panic while the lock was held cannot leave the map half-updated, so a poisoned lock is
    // still safe to use.
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(pattern)
        .or_insert_with(|| regex_lite::Regex::new(pattern).ok().map(Arc::new))
        .clone()
}

/// Checks that the parameters satisfy the document's `anyOf` (at least one alternative) or
/// `oneOf` (exactly one) of required-field sets, e.g. "`domain` or `domains`".
///
/// `alternatives` names each set as it is shown in the error (`domain`, or `a` and `b`), and
/// `satisfied` says, in the same order, whether all fields of that set are present.
pub fn check_alternatives(
    alternatives: &[&str],
    satisfied: &[bool],
    exactly_one: bool,
) -> Result<()> {
    let given = satisfied.iter().filter(|s| **s).count();
    let field = alternatives.join(" | ");
    let listed = alternatives
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if given == 0 {
        let rule = if exactly_one { "exactly" } else { "at least" };
        return Err(ValidationError::new(
            field,
            "[none given]",
            "is missing",
            format!("must give {rule} one of {listed}"),
        )
        .into());
    }
    if exactly_one && given > 1 {
        return Err(ValidationError::new(
            field,
            format!("[{given} given]"),
            "is ambiguous",
            format!("must give exactly one of {listed}"),
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_checks_name_field_value_and_bound() {
        let err = check_int("previous_token_ttl", 28801, 0..=28800).unwrap_err();
        assert_eq!(
            err.to_string(),
            "previous_token_ttl = 28801 is out of range: must be at most 28800"
        );
        assert!(check_int("x", 28800, 0..=28800).is_ok());
        assert!(check_int("x", 0i32, 0..).is_ok());
        let err = check_int("x", 0, (Bound::Excluded(0), Bound::Unbounded)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x = 0 is out of range: must be greater than 0"
        );
        let err = check_number("ratio", 1.0, ..1.0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ratio = 1 is out of range: must be less than 1"
        );
        assert!(check_number("ratio", f64::NAN, 0.0..).is_err());
        assert!(check_number("ratio", 0.5f32, 0.0..=1.0).is_ok());
    }

    #[test]
    fn length_checks_count_chars_and_hide_secrets() {
        assert!(check_len("name", "ééé", ..=3).is_ok());
        let err = check_len("name", "", 1..=255).unwrap_err();
        assert_eq!(
            err.to_string(),
            "name = \"\" is too short: must have at least 1 character (it has 0)"
        );
        let err = check_len_secret("secret", &Secret::new("SECRETVALUE"), ..=3).unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret = [REDACTED] is too long: must have at most 3 characters"
        );
        let long = "x".repeat(100);
        let err = check_len("name", &long, ..=10).unwrap_err();
        assert!(err.to_string().len() < 150, "{err}");
        let err = check_items("scopes", 151, ..=150).unwrap_err();
        assert_eq!(
            err.to_string(),
            "scopes = [151 items] has too many items: must have at most 150"
        );
        assert!(check_items("scopes", 0, 0..=150).is_ok());
    }

    #[test]
    fn pattern_checks_search_cache_and_skip_bad_patterns() {
        assert!(check_pattern("id", "mch_123", "^mch_[a-z0-9]+$").is_ok());
        assert!(check_pattern("id", "xx mch_1", "mch_").is_ok());
        let err = check_pattern("id", "user_1", "^mch_").unwrap_err();
        assert_eq!(
            err.to_string(),
            "id = \"user_1\" does not match the pattern: must match \"^mch_\""
        );
        let err = check_pattern_secret("key", &Secret::new("SECRETVALUE"), "^ak_").unwrap_err();
        assert!(!err.to_string().contains("SECRETVALUE"));
        // Look-ahead is not supported by regex-lite: no check rather than a panic.
        assert!(check_pattern("id", "anything", "^(?=a)").is_ok());
        assert!(check_pattern("id", "anything", "(").is_ok());
    }
}
