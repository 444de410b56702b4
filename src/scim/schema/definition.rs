//! Schema definitions (RFC 7643 §7): one schema URN and its attributes.

use serde_json::{Map, Value, json};

use super::attribute::{self, Attribute};
use super::{SchemaError, json, location};
use crate::scim::urns;

/// A schema: the attributes one schema URN defines.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub id: String,
    pub name: String,
    pub description: String,
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// Parses a Schema resource (as served by /Schemas) or a bare schema
    /// definition; `schemas` and `meta` are ignored. `id` is required;
    /// `name`, `description` and `attributes` may be missing. Any malformed
    /// attribute makes the whole schema an error, naming the attribute.
    pub fn from_json(value: &Value) -> Result<Schema, SchemaError> {
        let object = json::object(value, "schema")?;
        let id = json::required_string(object, "id", "schema")?;
        let context = format!("schema '{id}'");
        let attributes = json::array(object, "attributes", &context)?;
        Ok(Schema {
            name: json::string(object, "name", &context)?.unwrap_or_default(),
            description: json::string(object, "description", &context)?.unwrap_or_default(),
            attributes: attribute::parse_list(attributes, "", 0)
                .map_err(|error| error.within(&context))?,
            id,
        })
    }

    /// The attribute named `name`, compared case-insensitively
    /// (attribute names are case-insensitive, RFC 7643 §2.1).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        attribute::find(&self.attributes, name)
    }

    /// The schema definition without `schemas` and `meta`.
    pub fn to_json(&self) -> Value {
        let attributes: Vec<Value> = self.attributes.iter().map(Attribute::to_json).collect();
        json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": attributes,
        })
    }

    /// The Schema resource as served by GET /Schemas/{id}: with
    /// "schemas": [Schema URN] and "meta": {resourceType: "Schema",
    /// location: "{base_url}/Schemas/{id}"} (RFC 7643 §7, errata 8417).
    pub fn to_resource(&self, base_url: &str) -> Value {
        let mut resource = Map::new();
        resource.insert("schemas".into(), json!([urns::SCHEMA]));
        if let Value::Object(definition) = self.to_json() {
            resource.extend(definition);
        }
        resource.insert(
            "meta".into(),
            json!({
                "resourceType": "Schema",
                "location": location(base_url, "Schemas", &self.id),
            }),
        );
        Value::Object(resource)
    }
}
