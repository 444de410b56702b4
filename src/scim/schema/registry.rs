//! The set of schemas and resource types a server has, and attribute lookup
//! across them.

use std::sync::OnceLock;

use serde_json::Value;

use super::attribute::Attribute;
use super::definition::Schema;
use super::resource_type::ResourceTypeDef;
use super::{SchemaError, common_attribute};
use crate::scim::filter::{AttrInfo, SchemaInfo};

/// The shipped definitions, in RFC 7643 §8.7 order.
const BUILTIN_SCHEMAS: [&str; 6] = [
    include_str!("definitions/user.json"),
    include_str!("definitions/group.json"),
    include_str!("definitions/enterprise_user.json"),
    include_str!("definitions/service_provider_config.json"),
    include_str!("definitions/resource_type.json"),
    include_str!("definitions/schema.json"),
];

const BUILTIN_RESOURCE_TYPES: &str = include_str!("definitions/resource_types.json");

/// Schemas and resource types, looked up case-insensitively by URN and name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaRegistry {
    schemas: Vec<Schema>,
    resource_types: Vec<ResourceTypeDef>,
}

impl SchemaRegistry {
    pub fn new(schemas: Vec<Schema>, resource_types: Vec<ResourceTypeDef>) -> SchemaRegistry {
        SchemaRegistry {
            schemas,
            resource_types,
        }
    }

    /// The built-in reference server's registry: all six RFC 7643 schemas,
    /// and the resource types User (endpoint /Users, enterprise User
    /// extension not required) and Group (/Groups).
    pub fn builtin() -> &'static SchemaRegistry {
        static BUILTIN: OnceLock<SchemaRegistry> = OnceLock::new();
        BUILTIN.get_or_init(|| load_builtin().expect("the shipped schema definitions are valid"))
    }

    /// Builds a registry from a server's /Schemas and /ResourceTypes
    /// documents: ListResponses, bare arrays, or single resources. Entries
    /// that do not parse, and repeats of an id or name already seen, are
    /// skipped, so a partly broken server still yields what it got right.
    pub fn from_discovery(schemas_doc: &Value, resource_types_doc: &Value) -> SchemaRegistry {
        let mut registry = SchemaRegistry::default();
        for schema in entries(schemas_doc).filter_map(|entry| Schema::from_json(entry).ok()) {
            if registry.schema(&schema.id).is_none() {
                registry.schemas.push(schema);
            }
        }
        let resource_types =
            entries(resource_types_doc).filter_map(|entry| ResourceTypeDef::from_json(entry).ok());
        for resource_type in resource_types {
            if registry.resource_type(&resource_type.name).is_none() {
                registry.resource_types.push(resource_type);
            }
        }
        registry
    }

    pub fn schemas(&self) -> &[Schema] {
        &self.schemas
    }

    /// The schema with id `urn`, compared case-insensitively (URNs are).
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas
            .iter()
            .find(|schema| schema.id.eq_ignore_ascii_case(urn))
    }

    pub fn resource_types(&self) -> &[ResourceTypeDef] {
        &self.resource_types
    }

    /// The resource type named `name` (as in `meta.resourceType`),
    /// case-insensitively; failing that, the one whose id is `name`.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceTypeDef> {
        let types = &self.resource_types;
        types
            .iter()
            .find(|resource_type| resource_type.name.eq_ignore_ascii_case(name))
            .or_else(|| {
                types
                    .iter()
                    .find(|resource_type| resource_type.id.eq_ignore_ascii_case(name))
            })
    }

    /// Resolves an attribute of a resource type. `urn` None or the core
    /// schema URN: the common attributes (id, externalId, meta), then the
    /// core schema; another URN: that extension of the type. `path` is
    /// `[attr]` or `[attr, subAttr]` (deeper paths walk further
    /// sub-attributes, which only the Schema meta-schema has). Returns the
    /// attribute and the URN of the schema defining it ("" for common
    /// attributes).
    ///
    /// Common attributes come first because RFC 7643 §3.1 makes their
    /// characteristics take precedence over a schema that lists them too.
    pub fn resolve(
        &self,
        resource_type: &ResourceTypeDef,
        urn: Option<&str>,
        path: &[&str],
    ) -> Option<(&str, &Attribute)> {
        let (name, rest) = path.split_first()?;
        let (owner, attribute) = match urn {
            Some(urn) if !urn.eq_ignore_ascii_case(&resource_type.schema) => {
                self.resolve_extension(resource_type, urn, name)?
            }
            _ => self.resolve_core(resource_type, name)?,
        };
        let attribute = rest
            .iter()
            .try_fold(attribute, |parent, sub| parent.sub_attribute(sub))?;
        Some((owner, attribute))
    }

    /// The filter evaluator's view of one resource type.
    pub fn info_for<'a>(&'a self, resource_type: &'a ResourceTypeDef) -> ResourceTypeInfo<'a> {
        ResourceTypeInfo {
            registry: self,
            resource_type,
        }
    }

    fn resolve_core(
        &self,
        resource_type: &ResourceTypeDef,
        name: &str,
    ) -> Option<(&str, &Attribute)> {
        if let Some(common) = common_attribute(name) {
            return Some(("", common));
        }
        let schema = self.schema(&resource_type.schema)?;
        Some((schema.id.as_str(), schema.attribute(name)?))
    }

    fn resolve_extension(
        &self,
        resource_type: &ResourceTypeDef,
        urn: &str,
        name: &str,
    ) -> Option<(&str, &Attribute)> {
        resource_type.extension(urn)?;
        let schema = self.schema(urn)?;
        Some((schema.id.as_str(), schema.attribute(name)?))
    }
}

/// Parses the shipped definitions; `builtin()` relies on this succeeding,
/// which a unit test proves.
pub(super) fn load_builtin() -> Result<SchemaRegistry, SchemaError> {
    let schemas = BUILTIN_SCHEMAS
        .iter()
        .map(|text| Schema::from_json(&parse(text)?))
        .collect::<Result<Vec<_>, _>>()?;
    let resource_types = entries(&parse(BUILTIN_RESOURCE_TYPES)?)
        .map(ResourceTypeDef::from_json)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SchemaRegistry::new(schemas, resource_types))
}

pub(super) fn parse(text: &str) -> Result<Value, SchemaError> {
    serde_json::from_str(text).map_err(|error| SchemaError::new(format!("invalid JSON: {error}")))
}

/// The resources of a discovery document: the `Resources` of a
/// ListResponse, the elements of a bare array, or a single resource.
fn entries(document: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match document {
        Value::Array(items) => Box::new(items.iter()),
        Value::Object(object) => match super::json::member(object, "Resources") {
            Some(Value::Array(items)) => Box::new(items.iter()),
            Some(_) => Box::new(std::iter::empty()),
            None => Box::new(std::iter::once(document)),
        },
        _ => Box::new(std::iter::empty()),
    }
}

/// Implements the filter module's [`SchemaInfo`] for one resource type, so
/// the evaluator compares with each attribute's type and case sensitivity.
#[derive(Debug, Clone, Copy)]
pub struct ResourceTypeInfo<'a> {
    registry: &'a SchemaRegistry,
    resource_type: &'a ResourceTypeDef,
}

impl SchemaInfo for ResourceTypeInfo<'_> {
    fn attribute(&self, urn: Option<&str>, path: &[&str]) -> Option<AttrInfo> {
        let (_, attribute) = self.registry.resolve(self.resource_type, urn, path)?;
        Some(attribute.info())
    }
}
