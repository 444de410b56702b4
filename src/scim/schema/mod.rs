//! RFC 7643 schemas as data and as a typed model.
//!
//! The built-in reference server serves /Schemas and /ResourceTypes from the
//! shipped definitions (`definitions/*.json`, RFC 7643 §8.7 with the errata
//! noted there) and enforces attribute characteristics from them; the tester
//! builds the same model from a target's discovery documents
//! ([`SchemaRegistry::from_discovery`]) to learn, for instance, which
//! attributes are case-exact.
//!
//! Deviations from the RFC text, all deliberate:
//! - Group `displayName` is required (errata 5368).
//! - The service-provider schemas carry `schemas` and `meta` (errata 8417);
//!   the resource schemas carry `schemas` too, for consistency.
//! - ResourceType `schemaExtensions` is multi-valued (errata 7522); Schema
//!   `referenceTypes` is multi-valued at both levels (errata 5607); the
//!   `type` canonical values include "binary" (errata 5606), and for
//!   sub-attributes exclude "complex" (errata 8415).
//! - ServiceProviderConfig gains `etag` and the `type` and `primary`
//!   sub-attributes of `authenticationSchemes`, which §5 and §8.5 use but the
//!   §8.7.2 schema omits.

mod attribute;
mod definition;
mod json;
mod registry;
mod resource_type;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

pub use attribute::{
    Attribute, Mutability, Returned, Uniqueness, attr_type_from_keyword, attr_type_keyword,
};
pub use definition::Schema;
pub use registry::{ResourceTypeInfo, SchemaRegistry};
pub use resource_type::{ResourceTypeDef, SchemaExtension};

/// A schema or resource type document that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SchemaError {
    pub message: String,
}

impl SchemaError {
    pub fn new(message: impl Into<String>) -> SchemaError {
        SchemaError {
            message: message.into(),
        }
    }

    /// The same error, prefixed with where it occurred.
    fn within(self, context: &str) -> SchemaError {
        SchemaError::new(format!("{context}: {}", self.message))
    }
}

/// The RFC 7643 §3.1 common attributes, part of every resource without
/// belonging to any schema: `id` (case-exact, readOnly, returned always,
/// uniqueness server), `externalId` (case-exact, readWrite) and `meta`
/// (readOnly: resourceType, created, lastModified, location, version).
pub fn common_attributes() -> &'static [Attribute] {
    static COMMON: OnceLock<Vec<Attribute>> = OnceLock::new();
    COMMON.get_or_init(|| {
        load_common_attributes().expect("the shipped common attribute definitions are valid")
    })
}

fn load_common_attributes() -> Result<Vec<Attribute>, SchemaError> {
    let value = registry::parse(include_str!("definitions/common_attributes.json"))?;
    let Some(items) = value.as_array() else {
        return Err(SchemaError::new("common attributes are not an array"));
    };
    items.iter().map(Attribute::from_json).collect()
}

/// The common attribute named `name`, case-insensitively.
fn common_attribute(name: &str) -> Option<&'static Attribute> {
    attribute::find(common_attributes(), name)
}

/// Splits an attribute reference as written in SCIM (filters, `attributes`
/// parameters, PATCH paths) into its schema URN and dotted segments:
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`
/// gives the enterprise URN and `["manager", "value"]`; `name.givenName`
/// gives no URN. The URN is everything before the last ':' when the text
/// starts with "urn:" (in any case), since URNs contain dots ("2.0") but
/// attribute names contain no ':'.
pub fn split_attribute_ref(text: &str) -> (Option<String>, Vec<String>) {
    let is_urn = text
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("urn:"));
    let (urn, rest) = match text.rfind(':') {
        Some(colon) if is_urn => (Some(text[..colon].to_owned()), &text[colon + 1..]),
        _ => (None, text),
    };
    let segments = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('.').map(str::to_owned).collect()
    };
    (urn, segments)
}

/// `{base_url}/{collection}/{id}`, without doubling a trailing '/'.
fn location(base_url: &str, collection: &str, id: &str) -> String {
    format!("{}/{collection}/{id}", base_url.trim_end_matches('/'))
}
