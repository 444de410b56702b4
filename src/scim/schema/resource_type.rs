//! Resource type definitions (RFC 7643 §6).

use serde_json::{Value, json};

use super::json::{self, Object};
use super::{SchemaError, location};
use crate::scim::urns;

/// A resource type: where resources live and which schemas make them up.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceTypeDef {
    pub id: String,
    pub name: String,
    /// Relative to the base URL, e.g. "/Users".
    pub endpoint: String,
    pub description: String,
    /// The core schema URN.
    pub schema: String,
    pub extensions: Vec<SchemaExtension>,
}

/// One entry of a resource type's `schemaExtensions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaExtension {
    pub schema: String,
    /// Whether every resource of the type must carry the extension.
    pub required: bool,
}

impl ResourceTypeDef {
    /// Parses a ResourceType resource. `name`, `endpoint` and `schema` are
    /// required; a missing `id` is taken to be the name (§6: "often the same
    /// value"). `schemaExtensions` may be missing, an array, or — as the
    /// uncorrected §8.7.2 (multiValued false, errata 7522) led some servers to
    /// write — a single object.
    pub fn from_json(value: &Value) -> Result<ResourceTypeDef, SchemaError> {
        let object = json::object(value, "resource type")?;
        let name = json::required_string(object, "name", "resource type")?;
        let context = format!("resource type '{name}'");
        Ok(ResourceTypeDef {
            id: json::string(object, "id", &context)?.unwrap_or_else(|| name.clone()),
            endpoint: json::required_string(object, "endpoint", &context)?,
            description: json::string(object, "description", &context)?.unwrap_or_default(),
            schema: json::required_string(object, "schema", &context)?,
            extensions: extensions(object, &context)?,
            name,
        })
    }

    /// The ResourceType resource as served by GET /ResourceTypes/{id}, with
    /// `schemas` and `meta`; `schemaExtensions` is always an array, even when
    /// empty (errata 7522 makes it multi-valued).
    pub fn to_resource(&self, base_url: &str) -> Value {
        let extensions: Vec<Value> = self
            .extensions
            .iter()
            .map(|extension| json!({"schema": extension.schema, "required": extension.required}))
            .collect();
        json!({
            "schemas": [urns::RESOURCE_TYPE],
            "id": self.id,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.schema,
            "schemaExtensions": extensions,
            "meta": {
                "resourceType": "ResourceType",
                "location": location(base_url, "ResourceTypes", &self.id),
            },
        })
    }

    /// The extension with URN `urn` (URNs compare case-insensitively).
    pub fn extension(&self, urn: &str) -> Option<&SchemaExtension> {
        self.extensions
            .iter()
            .find(|extension| extension.schema.eq_ignore_ascii_case(urn))
    }

    /// Every schema URN a resource of this type may carry in `schemas`:
    /// the core schema first, then the extensions.
    pub fn schema_urns(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.schema.as_str()).chain(
            self.extensions
                .iter()
                .map(|extension| extension.schema.as_str()),
        )
    }
}

fn extensions(object: &Object, context: &str) -> Result<Vec<SchemaExtension>, SchemaError> {
    match json::member(object, "schemaExtensions") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|item| extension(item, context)).collect(),
        Some(single @ Value::Object(_)) => Ok(vec![extension(single, context)?]),
        Some(_) => Err(SchemaError::new(format!(
            "{context}: \"schemaExtensions\" must be an array"
        ))),
    }
}

/// One extension; `required` defaults to false when missing, since a server
/// that omits it cannot be relying on resources carrying the extension.
fn extension(value: &Value, context: &str) -> Result<SchemaExtension, SchemaError> {
    let what = format!("{context}: schema extension");
    let object = json::object(value, &what)?;
    Ok(SchemaExtension {
        schema: json::required_string(object, "schema", &what)?,
        required: json::boolean(object, "required", &what)?.unwrap_or(false),
    })
}
