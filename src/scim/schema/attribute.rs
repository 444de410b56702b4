//! Attribute definitions and their characteristics (RFC 7643 §2.2, §7).

use serde_json::{Map, Value, json};

use super::SchemaError;
use super::json::{self, Object};
use crate::scim::filter::{AttrInfo, AttrType};

/// How deeply `subAttributes` may nest. RFC 7643 §2.3.8 allows one level for
/// resource schemas; the Schema meta-schema (§7, §8.7.2) needs two. The limit
/// keeps hostile documents from recursing without bound.
const MAX_NESTING: usize = 8;

/// When an attribute's value may be (re)defined (RFC 7643 §7 "mutability").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// When an attribute is returned in responses (RFC 7643 §7 "returned").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// How the service provider enforces uniqueness (RFC 7643 §7 "uniqueness").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// Maps a keyword to its variant, case-insensitively: servers differ in the
/// case they write keywords in, and the keywords are ABNF strings, which are
/// case-insensitive (RFC 7643 §2.1).
fn keyword<T: Copy>(table: &[(&'static str, T)], text: &str) -> Option<T> {
    table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, value)| *value)
}

fn keyword_name<T: Copy + PartialEq>(table: &[(&'static str, T)], value: T) -> &'static str {
    table
        .iter()
        .find(|(_, candidate)| *candidate == value)
        .map_or("", |(name, _)| name)
}

const MUTABILITY: [(&str, Mutability); 4] = [
    ("readOnly", Mutability::ReadOnly),
    ("readWrite", Mutability::ReadWrite),
    ("immutable", Mutability::Immutable),
    ("writeOnly", Mutability::WriteOnly),
];

const RETURNED: [(&str, Returned); 4] = [
    ("always", Returned::Always),
    ("never", Returned::Never),
    ("default", Returned::Default),
    ("request", Returned::Request),
];

const UNIQUENESS: [(&str, Uniqueness); 3] = [
    ("none", Uniqueness::None),
    ("server", Uniqueness::Server),
    ("global", Uniqueness::Global),
];

impl Mutability {
    pub fn from_keyword(text: &str) -> Option<Mutability> {
        keyword(&MUTABILITY, text)
    }

    /// The RFC 7643 §7 keyword, e.g. `readOnly`.
    pub fn keyword(self) -> &'static str {
        keyword_name(&MUTABILITY, self)
    }
}

impl Returned {
    pub fn from_keyword(text: &str) -> Option<Returned> {
        keyword(&RETURNED, text)
    }

    /// The RFC 7643 §7 keyword, e.g. `default`.
    pub fn keyword(self) -> &'static str {
        keyword_name(&RETURNED, self)
    }
}

impl Uniqueness {
    pub fn from_keyword(text: &str) -> Option<Uniqueness> {
        keyword(&UNIQUENESS, text)
    }

    /// The RFC 7643 §7 keyword, e.g. `server`.
    pub fn keyword(self) -> &'static str {
        keyword_name(&UNIQUENESS, self)
    }
}

/// The RFC 7643 §2.3 data type named by a schema's `type` keyword
/// (case-insensitive, like the other keywords).
pub fn attr_type_from_keyword(text: &str) -> Option<AttrType> {
    let kind = match text.to_ascii_lowercase().as_str() {
        "string" => AttrType::String,
        "boolean" => AttrType::Boolean,
        "decimal" => AttrType::Decimal,
        "integer" => AttrType::Integer,
        "datetime" => AttrType::DateTime,
        "binary" => AttrType::Binary,
        "reference" => AttrType::Reference,
        "complex" => AttrType::Complex,
        _ => return None,
    };
    Some(kind)
}

/// The schema `type` keyword of a data type, e.g. `dateTime`.
pub fn attr_type_keyword(kind: AttrType) -> &'static str {
    match kind {
        AttrType::String => "string",
        AttrType::Boolean => "boolean",
        AttrType::Decimal => "decimal",
        AttrType::Integer => "integer",
        AttrType::DateTime => "dateTime",
        AttrType::Binary => "binary",
        AttrType::Reference => "reference",
        AttrType::Complex => "complex",
    }
}

/// One attribute definition of a schema, with all its characteristics.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub kind: AttrType,
    pub multi_valued: bool,
    pub description: String,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: Vec<String>,
    pub reference_types: Vec<String>,
    pub sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// Parses one entry of a schema's `attributes` (or `subAttributes`).
    /// Missing characteristics take the RFC 7643 §2.2 defaults; a missing
    /// `multiValued` (REQUIRED by §7) is taken as false.
    pub fn from_json(value: &Value) -> Result<Attribute, SchemaError> {
        parse(value, "", 0)
    }

    /// The sub-attribute named `name`, compared case-insensitively
    /// (attribute names are case-insensitive, RFC 7643 §2.1).
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        find(&self.sub_attributes, name)
    }

    /// The attribute as it appears in a Schema resource (RFC 7643 §7). Every
    /// characteristic is written out, so clients need not know the defaults;
    /// empty `canonicalValues` and `referenceTypes` are left out.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("name".into(), json!(self.name));
        object.insert("type".into(), json!(attr_type_keyword(self.kind)));
        object.insert("multiValued".into(), json!(self.multi_valued));
        object.insert("description".into(), json!(self.description));
        object.insert("required".into(), json!(self.required));
        object.insert("caseExact".into(), json!(self.case_exact));
        if !self.canonical_values.is_empty() {
            object.insert("canonicalValues".into(), json!(self.canonical_values));
        }
        if !self.reference_types.is_empty() {
            object.insert("referenceTypes".into(), json!(self.reference_types));
        }
        object.insert("mutability".into(), json!(self.mutability.keyword()));
        object.insert("returned".into(), json!(self.returned.keyword()));
        object.insert("uniqueness".into(), json!(self.uniqueness.keyword()));
        if matches!(self.kind, AttrType::Complex) || !self.sub_attributes.is_empty() {
            let subs = self.sub_attributes.iter().map(Attribute::to_json).collect();
            object.insert("subAttributes".into(), Value::Array(subs));
        }
        Value::Object(object)
    }

    /// What the filter evaluator needs to know about this attribute.
    pub fn info(&self) -> AttrInfo {
        AttrInfo {
            kind: self.kind,
            case_exact: self.case_exact,
            multi_valued: self.multi_valued,
        }
    }
}

/// The attribute named `name` among `attributes`, case-insensitively.
pub(super) fn find<'a>(attributes: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attributes
        .iter()
        .find(|attribute| attribute.name.eq_ignore_ascii_case(name))
}

/// Parses every entry of `attributes`, naming the position of a bad entry.
pub(super) fn parse_list(
    attributes: &[Value],
    parent: &str,
    depth: usize,
) -> Result<Vec<Attribute>, SchemaError> {
    if depth > MAX_NESTING {
        return Err(SchemaError::new(format!(
            "attribute '{parent}': sub-attributes nest more than {MAX_NESTING} levels"
        )));
    }
    attributes
        .iter()
        .map(|value| parse(value, parent, depth))
        .collect()
}

/// Parses one attribute; `parent` is the dotted path of the enclosing
/// attribute ("" at the top), used only in error messages.
fn parse(value: &Value, parent: &str, depth: usize) -> Result<Attribute, SchemaError> {
    let what = if parent.is_empty() {
        "attribute definition".to_owned()
    } else {
        format!("sub-attribute definition of '{parent}'")
    };
    let object = json::object(value, &what)?;
    let name = json::required_string(object, "name", &what)?;
    let path = if parent.is_empty() {
        name.clone()
    } else {
        format!("{parent}.{name}")
    };
    let context = format!("attribute '{path}'");
    Ok(Attribute {
        kind: kind(object, &context)?,
        multi_valued: json::boolean(object, "multiValued", &context)?.unwrap_or(false),
        description: json::string(object, "description", &context)?.unwrap_or_default(),
        required: json::boolean(object, "required", &context)?.unwrap_or(false),
        case_exact: json::boolean(object, "caseExact", &context)?.unwrap_or(false),
        mutability: characteristic(object, "mutability", &context, Mutability::from_keyword)?
            .unwrap_or(Mutability::ReadWrite),
        returned: characteristic(object, "returned", &context, Returned::from_keyword)?
            .unwrap_or(Returned::Default),
        uniqueness: characteristic(object, "uniqueness", &context, Uniqueness::from_keyword)?
            .unwrap_or(Uniqueness::None),
        canonical_values: json::string_list(object, "canonicalValues", &context)?,
        reference_types: json::string_list(object, "referenceTypes", &context)?,
        sub_attributes: parse_list(
            json::array(object, "subAttributes", &context)?,
            &path,
            depth + 1,
        )?,
        name,
    })
}

/// The `type` characteristic; "string" when absent (RFC 7643 §2.2).
fn kind(object: &Object, context: &str) -> Result<AttrType, SchemaError> {
    Ok(
        characteristic(object, "type", context, attr_type_from_keyword)?
            .unwrap_or(AttrType::String),
    )
}

/// A keyword characteristic: absent is `None`, an unknown keyword an error.
fn characteristic<T>(
    object: &Object,
    key: &str,
    context: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, SchemaError> {
    let Some(text) = json::string(object, key, context)? else {
        return Ok(None);
    };
    parse(&text)
        .map(Some)
        .ok_or_else(|| SchemaError::new(format!("{context}: unknown {key} \"{text}\"")))
}
