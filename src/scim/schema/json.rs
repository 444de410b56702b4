//! Typed reads of JSON object members for the schema parsers.
//!
//! The parsers are lenient about what is missing (RFC 7643 §2.2 supplies
//! defaults) and strict about what is present: a member of the wrong JSON type
//! is an error, never silently ignored. JSON `null` counts as absent, because
//! RFC 7643 §2.5 makes null equivalent to unassigned.

use serde_json::{Map, Value};

use super::SchemaError;

pub(super) type Object = Map<String, Value>;

/// The value as an object, or an error naming `what` it should have been.
pub(super) fn object<'v>(value: &'v Value, what: &str) -> Result<&'v Object, SchemaError> {
    value
        .as_object()
        .ok_or_else(|| SchemaError::new(format!("{what} is not a JSON object")))
}

/// A present, non-null member. Keys are matched exactly first and then
/// case-insensitively, since SCIM attribute names (including the schema
/// meta-attributes such as `multiValued`) are case-insensitive (RFC 7643 §2.1).
pub(super) fn member<'v>(object: &'v Object, key: &str) -> Option<&'v Value> {
    let found = object.get(key).or_else(|| {
        object
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value)
    });
    found.filter(|value| !value.is_null())
}

pub(super) fn string(
    object: &Object,
    key: &str,
    context: &str,
) -> Result<Option<String>, SchemaError> {
    match member(object, key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(wrong_type(context, key, "a string")),
    }
}

pub(super) fn required_string(
    object: &Object,
    key: &str,
    context: &str,
) -> Result<String, SchemaError> {
    string(object, key, context)?
        .ok_or_else(|| SchemaError::new(format!("{context}: \"{key}\" is missing")))
}

pub(super) fn boolean(
    object: &Object,
    key: &str,
    context: &str,
) -> Result<Option<bool>, SchemaError> {
    match member(object, key) {
        None => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(wrong_type(context, key, "a boolean")),
    }
}

/// An array member; absent means empty.
pub(super) fn array<'v>(
    object: &'v Object,
    key: &str,
    context: &str,
) -> Result<&'v [Value], SchemaError> {
    match member(object, key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(wrong_type(context, key, "an array")),
    }
}

/// An array of strings; absent means empty.
pub(super) fn string_list(
    object: &Object,
    key: &str,
    context: &str,
) -> Result<Vec<String>, SchemaError> {
    array(object, key, context)?
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_owned)
                .ok_or_else(|| wrong_type(context, key, "an array of strings"))
        })
        .collect()
}

fn wrong_type(context: &str, key: &str, expected: &str) -> SchemaError {
    SchemaError::new(format!("{context}: \"{key}\" must be {expected}"))
}
