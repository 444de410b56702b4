//! Schema-driven handling of resource bodies: input normalisation and
//! validation (types, mutability, required, primary), and output rendering.
//! Every decision comes from the RFC 7643 schema definitions in
//! `crate::scim::schema`, the same ones the tester reads.

use serde_json::{Map, Value};

use super::error::ScimError;
use crate::scim::datetime::is_xsd_datetime;
use crate::scim::filter::AttrType;
use crate::scim::schema::{Attribute, Mutability, ResourceTypeDef, Schema, SchemaRegistry};

/// How strictly read-only input is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnlyInput {
    /// RFC 7644 §3.3 / §3.5.1: read-only values in a body are ignored.
    Ignore,
    /// The `read-only-rejected` fault.
    Reject,
}

/// The signature of [`normalize_body`].
pub type NormalizeBody = fn(
    &SchemaRegistry,
    &ResourceTypeDef,
    &Value,
    ReadOnlyInput,
) -> Result<Map<String, Value>, ScimError>;

/// Normalises a POST/PUT body into stored form: canonical attribute names,
/// read-only values dropped, types checked, unassigned values removed.
pub fn normalize_body(
    registry: &SchemaRegistry,
    resource_type: &ResourceTypeDef,
    body: &Value,
    read_only: ReadOnlyInput,
) -> Result<Map<String, Value>, ScimError> {
    let Some(object) = body.as_object() else {
        return Err(ScimError::invalid_syntax("the body must be a JSON object"));
    };
    let core = registry
        .schema(&resource_type.schema)
        .ok_or_else(|| ScimError::internal("resource type without schema"))?;
    check_schemas_attribute(resource_type, object)?;
    let mut data = Map::new();
    for (key, value) in object {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if ["id", "meta"].iter().any(|k| key.eq_ignore_ascii_case(k)) {
            if read_only == ReadOnlyInput::Reject {
                return Err(ScimError::mutability(format!(
                    "attribute {key} is readOnly"
                )));
            }
            continue;
        }
        if key.eq_ignore_ascii_case("externalId") {
            match value {
                Value::Null => {}
                Value::String(text) => {
                    data.insert("externalId".into(), Value::String(text.clone()));
                }
                _ => return Err(ScimError::invalid_value("externalId must be a string")),
            }
            continue;
        }
        if let Some(extension) = extension_schema(registry, resource_type, key) {
            let Some(inner) = value.as_object() else {
                if value.is_null() {
                    continue;
                }
                return Err(ScimError::invalid_syntax(format!(
                    "{key} must be an object of extension attributes"
                )));
            };
            let mut normalized = Map::new();
            for (name, item) in inner {
                let Some(attribute) = extension.attribute(name) else {
                    return Err(ScimError::invalid_syntax(format!(
                        "unknown attribute {name} in {}",
                        extension.id
                    )));
                };
                if let Some(value) = normalize_attribute(attribute, item, read_only)? {
                    normalized.insert(attribute.name.clone(), value);
                }
            }
            if !normalized.is_empty() {
                data.insert(extension.id.clone(), Value::Object(normalized));
            }
            continue;
        }
        let Some(attribute) = core.attribute(key) else {
            return Err(ScimError::invalid_syntax(format!(
                "unknown attribute {key} for resource type {}",
                resource_type.name
            )));
        };
        if let Some(value) = normalize_attribute(attribute, value, read_only)? {
            data.insert(attribute.name.clone(), value);
        }
    }
    Ok(data)
}

/// `schemas` must list the core schema and only the type's extensions.
fn check_schemas_attribute(
    resource_type: &ResourceTypeDef,
    object: &Map<String, Value>,
) -> Result<(), ScimError> {
    let Some((_, schemas)) = object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("schemas"))
    else {
        return Err(ScimError::invalid_value("schemas is required"));
    };
    let Some(list) = schemas.as_array() else {
        return Err(ScimError::invalid_value("schemas must be an array of URIs"));
    };
    let mut has_core = false;
    for item in list {
        let Some(urn) = item.as_str() else {
            return Err(ScimError::invalid_value("schemas must be an array of URIs"));
        };
        if urn.eq_ignore_ascii_case(&resource_type.schema) {
            has_core = true;
        } else if !resource_type
            .extensions
            .iter()
            .any(|ext| ext.schema.eq_ignore_ascii_case(urn))
        {
            // invalidSyntax (the body does not conform to the request
            // schema, RFC 7644 Table 9), as draft-zollner-scim-interop-profile
            // §5.3 asks for schema URIs a resource type does not define.
            return Err(ScimError::invalid_syntax(format!(
                "schema {urn} does not belong to resource type {}",
                resource_type.name
            )));
        }
    }
    if !has_core {
        return Err(ScimError::invalid_value(format!(
            "schemas must contain {}",
            resource_type.schema
        )));
    }
    Ok(())
}

pub fn extension_schema<'a>(
    registry: &'a SchemaRegistry,
    resource_type: &ResourceTypeDef,
    key: &str,
) -> Option<&'a Schema> {
    resource_type
        .extensions
        .iter()
        .find(|ext| ext.schema.eq_ignore_ascii_case(key))
        .and_then(|ext| registry.schema(&ext.schema))
}

/// Normalises one attribute's value; `None` means unassigned.
pub fn normalize_attribute(
    attribute: &Attribute,
    value: &Value,
    read_only: ReadOnlyInput,
) -> Result<Option<Value>, ScimError> {
    if attribute.mutability == Mutability::ReadOnly {
        if read_only == ReadOnlyInput::Reject && !value.is_null() {
            return Err(ScimError::mutability(format!(
                "attribute {} is readOnly",
                attribute.name
            )));
        }
        return Ok(None);
    }
    if value.is_null() {
        return Ok(None);
    }
    if attribute.multi_valued {
        let Some(items) = value.as_array() else {
            return Err(ScimError::invalid_value(format!(
                "{} is multi-valued: expected a JSON array",
                attribute.name
            )));
        };
        let mut out = Vec::new();
        for item in items {
            if let Some(item) = normalize_single(attribute, item, read_only)?
                && !out.contains(&item)
            {
                out.push(item);
            }
        }
        check_primary(attribute, &out)?;
        return Ok((!out.is_empty()).then_some(Value::Array(out)));
    }
    normalize_single(attribute, value, read_only)
}

/// At most one value of a multi-valued attribute has primary true (RFC 7643 §2.4).
pub fn check_primary(attribute: &Attribute, values: &[Value]) -> Result<(), ScimError> {
    let primaries = values
        .iter()
        .filter(|v| v.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!(
            "{}: at most one value may have primary true",
            attribute.name
        )));
    }
    Ok(())
}

/// [`normalize_body`] for the `double-primary-stored` fault: validation sees
/// every `primary: true` after the first of a top-level attribute cleared,
/// and the stored values get them back.
pub fn normalize_body_keeping_primaries(
    registry: &SchemaRegistry,
    resource_type: &ResourceTypeDef,
    body: &Value,
    read_only: ReadOnlyInput,
) -> Result<Map<String, Value>, ScimError> {
    let mut cleared = body.clone();
    let mut extras: Vec<(String, usize)> = Vec::new();
    if let Some(object) = cleared.as_object_mut() {
        for (key, value) in object.iter_mut() {
            let mut seen = false;
            for (index, item) in value.as_array_mut().into_iter().flatten().enumerate() {
                if let Some(primary) = item.get_mut("primary")
                    && *primary == Value::Bool(true)
                {
                    if seen {
                        *primary = Value::Bool(false);
                        extras.push((key.clone(), index));
                    }
                    seen = true;
                }
            }
        }
    }
    let mut data = normalize_body(registry, resource_type, &cleared, read_only)?;
    for (key, index) in extras {
        let item = data
            .iter_mut()
            .find(|(name, _)| name.eq_ignore_ascii_case(&key))
            .and_then(|(_, value)| value.get_mut(index))
            .and_then(Value::as_object_mut);
        if let Some(item) = item {
            item.insert("primary".into(), Value::Bool(true));
        }
    }
    Ok(data)
}

fn normalize_single(
    attribute: &Attribute,
    value: &Value,
    read_only: ReadOnlyInput,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    let wrong = |expected: &str| {
        Err(ScimError::invalid_value(format!(
            "{} must be {expected}",
            attribute.name
        )))
    };
    match attribute.kind {
        AttrType::String | AttrType::Reference => match value {
            Value::String(_) => Ok(Some(value.clone())),
            _ => wrong("a string"),
        },
        AttrType::Boolean => match value {
            Value::Bool(_) => Ok(Some(value.clone())),
            _ => wrong("a JSON boolean"),
        },
        AttrType::Integer => match value.as_i64() {
            Some(_) if value.is_i64() || value.is_u64() => Ok(Some(value.clone())),
            _ => wrong("an integer"),
        },
        AttrType::Decimal => match value {
            Value::Number(_) => Ok(Some(value.clone())),
            _ => wrong("a number"),
        },
        AttrType::DateTime => match value.as_str() {
            Some(text) if is_xsd_datetime(text) => Ok(Some(value.clone())),
            _ => wrong("an xsd:dateTime string"),
        },
        AttrType::Binary => match value.as_str() {
            Some(text) if is_base64(text) => Ok(Some(value.clone())),
            _ => wrong("base64-encoded binary"),
        },
        AttrType::Complex => {
            let Some(object) = value.as_object() else {
                return wrong("a JSON object");
            };
            let mut out = Map::new();
            for (key, item) in object {
                let Some(sub) = attribute.sub_attribute(key) else {
                    return Err(ScimError::invalid_syntax(format!(
                        "unknown sub-attribute {key} of {}",
                        attribute.name
                    )));
                };
                if let Some(item) = normalize_attribute(sub, item, read_only)? {
                    out.insert(sub.name.clone(), item);
                }
            }
            Ok((!out.is_empty()).then_some(Value::Object(out)))
        }
    }
}

fn is_base64(text: &str) -> bool {
    let trimmed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    !trimmed.is_empty()
        && trimmed.len().is_multiple_of(4)
        && trimmed
            .trim_end_matches('=')
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
}

/// Required attributes of the core schema and of present extensions.
pub fn check_required(
    registry: &SchemaRegistry,
    resource_type: &ResourceTypeDef,
    data: &Map<String, Value>,
) -> Result<(), ScimError> {
    let missing = |schema: &Schema, object: &Map<String, Value>| {
        schema
            .attributes
            .iter()
            .find(|a| {
                a.required
                    && a.mutability != Mutability::ReadOnly
                    && !object.get(&a.name).is_some_and(is_assigned)
            })
            .map(|a| a.name.clone())
    };
    if let Some(core) = registry.schema(&resource_type.schema)
        && let Some(name) = missing(core, data)
    {
        return Err(ScimError::invalid_value(format!(
            "required attribute {name} is missing"
        )));
    }
    for extension in &resource_type.extensions {
        let Some(schema) = registry.schema(&extension.schema) else {
            continue;
        };
        match data.get(&schema.id).and_then(Value::as_object) {
            Some(object) => {
                if let Some(name) = missing(schema, object) {
                    return Err(ScimError::invalid_value(format!(
                        "required attribute {name} of {} is missing",
                        schema.id
                    )));
                }
            }
            None if extension.required => {
                return Err(ScimError::invalid_value(format!(
                    "required extension {} is missing",
                    schema.id
                )));
            }
            None => {}
        }
    }
    Ok(())
}

/// A value counts as assigned unless it is null, "", [] or {} (RFC 7643 §2.5).
pub fn is_assigned(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(object) => !object.is_empty(),
        _ => true,
    }
}

/// Immutable attributes may be set once, then never changed (RFC 7643 §7).
pub fn check_immutable(
    registry: &SchemaRegistry,
    resource_type: &ResourceTypeDef,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> Result<(), ScimError> {
    let Some(core) = registry.schema(&resource_type.schema) else {
        return Ok(());
    };
    for attribute in &core.attributes {
        if attribute.mutability != Mutability::Immutable {
            continue;
        }
        if let (Some(before), Some(after)) = (old.get(&attribute.name), new.get(&attribute.name))
            && before != after
        {
            return Err(ScimError::mutability(format!(
                "attribute {} is immutable",
                attribute.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user_type() -> &'static ResourceTypeDef {
        SchemaRegistry::builtin()
            .resource_type("User")
            .expect("User resource type")
    }

    fn normalize(body: Value) -> Result<Map<String, Value>, ScimError> {
        normalize_body(
            SchemaRegistry::builtin(),
            user_type(),
            &body,
            ReadOnlyInput::Ignore,
        )
    }

    #[test]
    fn canonicalises_names_and_drops_read_only_values() {
        let data = normalize(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "USERNAME": "bjensen",
            "Name": {"GivenName": "Barbara"},
            "id": "client-chosen",
            "meta": {"created": "x"},
            "groups": [{"value": "g"}],
            "nickName": null,
            "emails": []
        }))
        .unwrap();
        assert_eq!(data.get("userName"), Some(&json!("bjensen")));
        assert_eq!(data.get("name"), Some(&json!({"givenName": "Barbara"})));
        assert!(data.get("id").is_none() && data.get("groups").is_none());
        assert!(data.get("nickName").is_none() && data.get("emails").is_none());
    }

    #[test]
    fn rejects_wrong_types_unknown_attributes_and_double_primary() {
        let base = |extra: Value| {
            let mut body =
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u"});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            normalize(body)
        };
        assert_eq!(
            base(json!({"active": "True"})).unwrap_err().scim_type,
            Some("invalidValue")
        );
        assert_eq!(
            base(json!({"emails": {"value": "a"}}))
                .unwrap_err()
                .scim_type,
            Some("invalidValue")
        );
        assert_eq!(
            base(json!({"shoeSize": 9})).unwrap_err().scim_type,
            Some("invalidSyntax")
        );
        let two_primaries =
            json!({"emails": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]});
        assert_eq!(
            base(two_primaries).unwrap_err().scim_type,
            Some("invalidValue")
        );
        assert!(
            normalize(json!({"userName": "u"})).is_err(),
            "schemas is required"
        );
        assert!(
            normalize(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "userName": "u"})
            )
            .is_err()
        );
    }

    #[test]
    fn extensions_and_required_attributes() {
        let data = normalize(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": "u",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"EmployeeNumber": "42"}
        }))
        .unwrap();
        assert_eq!(
            data["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            json!({"employeeNumber": "42"})
        );
        let registry = SchemaRegistry::builtin();
        assert!(check_required(registry, user_type(), &data).is_ok());
        let mut without = data.clone();
        without.remove("userName");
        assert_eq!(
            check_required(registry, user_type(), &without)
                .unwrap_err()
                .scim_type,
            Some("invalidValue")
        );
    }
}
