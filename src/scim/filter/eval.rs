//! The one evaluator of SCIM filters (RFC 7644 §3.4.2.2) against a resource
//! as a server returns it.
//!
//! How the RFC's words are read where they leave room:
//!
//! - Names (attributes and URNs) match case-insensitively; an exact-case key
//!   wins over a differently-cased one.
//! - A comparison on a multi-valued attribute is true if any value matches.
//!   A complex value compared without a sub-attribute (`emails co "x"`,
//!   `manager eq "x"`) is compared through its `value` sub-attribute.
//! - `ne` is the negation of `eq`: true when no value equals, so it is true
//!   for an absent attribute.
//! - `eq null` is true when the attribute is unassigned (absent, null, "",
//!   [] or {}), `ne null` when it is present; other operators with null
//!   never match.
//! - A type mismatch (string attribute against a number) never matches; it is
//!   not an error. `co`/`sw`/`ew` match only strings.
//! - Errors only where the RFC says "SHALL cause a failed response":
//!   `gt`/`ge`/`lt`/`le` on Boolean or Binary attributes, or with a boolean
//!   value. They are found before any resource data is looked at (from the
//!   filter and the schema), so the answer does not depend on which resources
//!   happen to exist — except when the schema is silent and the resource's
//!   value is a JSON boolean.
//! - An attribute path inside `[...]` names a sub-attribute of each element;
//!   a URN written there is ignored.

use super::FilterError;
use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// The attribute types of RFC 7643 §2.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// What the evaluator needs to know about an attribute.
///
/// `multi_valued` is informative: evaluation follows the shape of the data
/// (an array is multi-valued), so that a server returning a single value
/// where an array is expected is still judged on what it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttrInfo {
    pub kind: AttrType,
    /// RFC 7643 §2.2 `caseExact`: whether string comparisons respect case.
    pub case_exact: bool,
    pub multi_valued: bool,
}

impl AttrInfo {
    /// A single-valued attribute of `kind`.
    pub fn new(kind: AttrType, case_exact: bool) -> Self {
        Self {
            kind,
            case_exact,
            multi_valued: false,
        }
    }
}

/// Schema knowledge for the evaluator.
pub trait SchemaInfo {
    /// `urn` is the schema URN the attribute belongs to (None: the resource's core schema);
    /// `path` is the attribute name and, for a sub-attribute, its parent: ["name","familyName"], ["emails","value"], ["meta","lastModified"].
    ///
    /// Names (and URNs) are passed as the filter wrote them; implementations
    /// should match them case-insensitively. Inside nested value paths the
    /// path can have more than two entries.
    fn attribute(&self, urn: Option<&str>, path: &[&str]) -> Option<AttrInfo>;
}

/// A SchemaInfo that knows nothing: every attribute is a case-insensitive
/// string. Values that look like xsd:dateTime compare as dateTimes only when
/// the schema says DateTime, so with no schema they compare as strings.
///
/// The common attributes of RFC 7643 §3.1 keep their defined behaviour even
/// then: `id`, `externalId` and `meta.*` are case-exact, and `meta.created`
/// and `meta.lastModified` are dateTimes. JSON numbers and booleans in the
/// resource compare as numbers and booleans.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSchema;

impl SchemaInfo for NoSchema {
    fn attribute(&self, _urn: Option<&str>, _path: &[&str]) -> Option<AttrInfo> {
        None
    }
}

/// A function with the shape of [`SchemaInfo::attribute`] used as a schema,
/// e.g. `SchemaFn(|urn, path| …)`. (A wrapper rather than a blanket impl for
/// closures, which would constrain other implementations of the trait.)
#[derive(Debug, Clone, Copy)]
pub struct SchemaFn<F>(pub F);

impl<F> SchemaInfo for SchemaFn<F>
where
    F: Fn(Option<&str>, &[&str]) -> Option<AttrInfo>,
{
    fn attribute(&self, urn: Option<&str>, path: &[&str]) -> Option<AttrInfo> {
        (self.0)(urn, path)
    }
}

/// Evaluates a filter against one resource (a JSON object as a SCIM server returns it).
///
/// Errors are "invalidFilter" conditions (RFC 7644 Table 9); their position
/// is 0 because the tree does not record where in the text a node was.
pub fn matches(
    filter: &Filter,
    resource: &Value,
    schema: &dyn SchemaInfo,
) -> Result<bool, FilterError> {
    let empty = Map::new();
    let root = resource.as_object().unwrap_or(&empty);
    let evaluator = Evaluator { root, schema };
    let scope = Scope::root(root);
    evaluator.validate(filter, &scope)?;
    evaluator.eval(filter, &scope)
}

/// How deep `pr` looks into nested JSON before calling a value present.
const MAX_PRESENCE_DEPTH: usize = 32;

/// Where attribute names are being resolved.
#[derive(Debug, Clone)]
struct Scope<'a> {
    /// The object holding the attributes (None: nothing is assigned).
    object: Option<&'a Map<String, Value>>,
    /// Schema of the attributes (None: the core schema).
    urn: Option<&'a str>,
    /// Schema path of the enclosing value paths, e.g. `["emails"]`.
    parents: Vec<&'a str>,
}

impl<'a> Scope<'a> {
    fn root(root: &'a Map<String, Value>) -> Self {
        Self {
            object: Some(root),
            urn: None,
            parents: Vec::new(),
        }
    }

    fn is_root(&self) -> bool {
        self.parents.is_empty()
    }
}

/// An attribute path resolved against a scope.
#[derive(Debug)]
struct Target<'a> {
    path: &'a AttrPath,
    /// The object holding `path.name` (None: the attribute is unassigned).
    object: Option<&'a Map<String, Value>>,
    urn: Option<&'a str>,
    /// Schema path: parents, name, and sub-attribute if any.
    schema_path: Vec<&'a str>,
}

struct Evaluator<'a> {
    root: &'a Map<String, Value>,
    schema: &'a dyn SchemaInfo,
}

impl<'a> Evaluator<'a> {
    fn eval(&self, filter: &'a Filter, scope: &Scope<'a>) -> Result<bool, FilterError> {
        match filter {
            Filter::Compare { path, op, value } => self.compare(scope, path, *op, value),
            Filter::Present(path) => Ok(self.is_present(&self.target(scope, path))),
            Filter::And(..) => {
                for operand in filter.chain() {
                    if !self.eval(operand, scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Filter::Or(..) => {
                for operand in filter.chain() {
                    if self.eval(operand, scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Filter::Not(inner) => Ok(!self.eval(inner, scope)?),
            Filter::ValuePath { path, filter } => self.value_path(scope, path, filter),
        }
    }

    /// Finds the errors that depend only on the filter and the schema, before
    /// short-circuiting could hide them.
    fn validate(&self, filter: &'a Filter, scope: &Scope<'a>) -> Result<(), FilterError> {
        match filter {
            Filter::Compare { path, op, value } if op.is_ordering() => {
                if matches!(value, CompValue::Bool(_)) {
                    return Err(eval_error(format!(
                        "the '{op}' operator cannot compare with a boolean value ('{path}')"
                    )));
                }
                let target = self.target(scope, path);
                let mut info = self.info(&target, None);
                if path.sub_attr.is_none() && info.is_some_and(|i| i.kind == AttrType::Complex) {
                    info = self.info(&target, Some("value"));
                }
                match info.map(|i| i.kind) {
                    Some(kind @ (AttrType::Boolean | AttrType::Binary)) => {
                        Err(ordering_error(*op, kind, path))
                    }
                    _ => Ok(()),
                }
            }
            Filter::Compare { .. } | Filter::Present(_) => Ok(()),
            Filter::And(..) | Filter::Or(..) => filter
                .chain()
                .into_iter()
                .try_for_each(|operand| self.validate(operand, scope)),
            Filter::Not(inner) => self.validate(inner, scope),
            Filter::ValuePath { path, filter } => {
                let target = self.target(scope, path);
                let inner = Scope {
                    object: None,
                    urn: target.urn,
                    parents: target.schema_path,
                };
                self.validate(filter, &inner)
            }
        }
    }

    // ---- resolution ----------------------------------------------------

    /// Resolves a path's URN (only at the top level) and its schema path.
    fn target(&self, scope: &Scope<'a>, path: &'a AttrPath) -> Target<'a> {
        let (object, urn) = match (&path.urn, scope.is_root()) {
            (Some(urn), true) => match resolve_urn(self.root, urn) {
                UrnScope::Core => (Some(self.root), None),
                UrnScope::Extension(object) => (object, Some(urn.as_str())),
            },
            _ => (scope.object, scope.urn),
        };
        let mut schema_path = scope.parents.clone();
        schema_path.push(&path.name);
        if let Some(sub) = &path.sub_attr {
            schema_path.push(sub);
        }
        Target {
            path,
            object,
            urn,
            schema_path,
        }
    }

    /// Schema knowledge about the target (or its sub-attribute `extra`),
    /// falling back to the common attributes of RFC 7643 §3.1.
    fn info(&self, target: &Target<'a>, extra: Option<&str>) -> Option<AttrInfo> {
        let mut path = target.schema_path.clone();
        path.extend(extra);
        let declared = self.schema.attribute(target.urn, &path);
        match (declared, target.urn) {
            (None, None) => common_attribute(&path),
            (declared, _) => declared,
        }
    }

    /// The values the path designates: multi-valued attributes are
    /// flattened, and a sub-attribute is taken from every element.
    fn values(&self, target: &Target<'a>) -> Vec<&'a Value> {
        let Some(value) = target
            .object
            .and_then(|object| lookup(object, &target.path.name))
        else {
            return Vec::new();
        };
        match &target.path.sub_attr {
            None => flatten(value).collect(),
            Some(sub) => flatten(value)
                .filter_map(Value::as_object)
                .filter_map(|element| lookup(element, sub))
                .flat_map(flatten)
                .collect(),
        }
    }

    // ---- operators -----------------------------------------------------

    fn is_present(&self, target: &Target<'a>) -> bool {
        self.values(target)
            .into_iter()
            .any(|value| has_value(value, 0))
    }

    fn compare(
        &self,
        scope: &Scope<'a>,
        path: &'a AttrPath,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<bool, FilterError> {
        let target = self.target(scope, path);
        match (op, value) {
            (CompareOp::Eq, CompValue::Null) => Ok(!self.is_present(&target)),
            (CompareOp::Ne, CompValue::Null) => Ok(self.is_present(&target)),
            (_, CompValue::Null) => Ok(false),
            (CompareOp::Ne, _) => Ok(!self.any_value_matches(&target, CompareOp::Eq, value)?),
            _ => self.any_value_matches(&target, op, value),
        }
    }

    fn any_value_matches(
        &self,
        target: &Target<'a>,
        op: CompareOp,
        value: &CompValue,
    ) -> Result<bool, FilterError> {
        let info = self.info(target, None);
        let mut value_info = None;
        for candidate in self.values(target) {
            let (candidate, candidate_info) = match candidate {
                Value::Object(complex) => {
                    let Some(inner) = lookup(complex, "value") else {
                        continue;
                    };
                    let info = *value_info.get_or_insert_with(|| self.info(target, Some("value")));
                    (inner, info)
                }
                simple => (simple, info),
            };
            if compare_value(candidate, op, value, candidate_info, target.path)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `attr[filter]`: some element of the attribute satisfies the filter,
    /// evaluated with the element as the context.
    fn value_path(
        &self,
        scope: &Scope<'a>,
        path: &'a AttrPath,
        filter: &'a Filter,
    ) -> Result<bool, FilterError> {
        let target = self.target(scope, path);
        for element in self.values(&target) {
            let Value::Object(element) = element else {
                continue;
            };
            let inner = Scope {
                object: Some(element),
                urn: target.urn,
                parents: target.schema_path.clone(),
            };
            if self.eval(filter, &inner)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

// ---- URNs ------------------------------------------------------------------

enum UrnScope<'a> {
    /// The URN is the resource's core schema: attributes are top-level.
    Core,
    /// An extension: its object in the resource, if any.
    Extension(Option<&'a Map<String, Value>>),
}

/// An extension's attributes live under its URN as a key; the core schema's
/// at the top level. Which URN is the core is read from `schemas` (any entry
/// that is not an extension key); a resource without `schemas` is taken to
/// be in the core SCIM schemas (`urn:ietf:params:scim:schemas:core:`).
fn resolve_urn<'a>(root: &'a Map<String, Value>, urn: &str) -> UrnScope<'a> {
    if let Some(extension) = lookup(root, urn) {
        return UrnScope::Extension(extension.as_object());
    }
    let is_core = match lookup(root, "schemas").and_then(Value::as_array) {
        Some(schemas) => schemas
            .iter()
            .filter_map(Value::as_str)
            .any(|schema| schema.eq_ignore_ascii_case(urn)),
        None => urn
            .get(..CORE_URN_PREFIX.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(CORE_URN_PREFIX)),
    };
    if is_core {
        UrnScope::Core
    } else {
        UrnScope::Extension(None)
    }
}

const CORE_URN_PREFIX: &str = "urn:ietf:params:scim:schemas:core:";

// ---- JSON helpers ----------------------------------------------------------

/// Case-insensitive member lookup, preferring an exact match.
fn lookup<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

/// The elements of an array, or the value itself.
fn flatten(value: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match value {
        Value::Array(values) => Box::new(values.iter()),
        other => Box::new(std::iter::once(other)),
    }
}

/// `pr`: "a non-empty or non-null value, or … a non-empty node for complex
/// attributes". Null, "", [] and {} (or containers of only those) are not.
fn has_value(value: &Value, depth: usize) -> bool {
    if depth >= MAX_PRESENCE_DEPTH {
        return true;
    }
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(values) => values.iter().any(|v| has_value(v, depth + 1)),
        Value::Object(members) => members.values().any(|v| has_value(v, depth + 1)),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// RFC 7643 §3.1: `id`, `externalId` and `meta` sub-attributes are
/// case-exact; `meta.created` and `meta.lastModified` are dateTimes.
fn common_attribute(path: &[&str]) -> Option<AttrInfo> {
    let is = |actual: &str, expected: &str| actual.eq_ignore_ascii_case(expected);
    match path {
        [name] if is(name, "id") || is(name, "externalId") => {
            Some(AttrInfo::new(AttrType::String, true))
        }
        [meta] if is(meta, "meta") => Some(AttrInfo::new(AttrType::Complex, false)),
        [meta, sub] if is(meta, "meta") && (is(sub, "created") || is(sub, "lastModified")) => {
            Some(AttrInfo::new(AttrType::DateTime, true))
        }
        [meta, sub] if is(meta, "meta") && is(sub, "location") => {
            Some(AttrInfo::new(AttrType::Reference, true))
        }
        [meta, _] if is(meta, "meta") => Some(AttrInfo::new(AttrType::String, true)),
        _ => None,
    }
}

// ---- comparisons -----------------------------------------------------------

/// Compares one value of the attribute with the filter's value.
fn compare_value(
    actual: &Value,
    op: CompareOp,
    expected: &CompValue,
    info: Option<AttrInfo>,
    path: &AttrPath,
) -> Result<bool, FilterError> {
    if actual.is_null() {
        return Ok(false);
    }
    let kind = info.map_or_else(|| inferred_type(actual), |info| info.kind);
    let case_exact = info.is_some_and(|info| info.case_exact);
    if op.is_ordering() {
        if matches!(kind, AttrType::Boolean | AttrType::Binary) {
            return Err(ordering_error(op, kind, path));
        }
        if matches!(expected, CompValue::Bool(_)) {
            return Err(ordering_error(op, AttrType::Boolean, path));
        }
    }
    let matched = match (expected, actual) {
        (CompValue::Bool(expected), Value::Bool(actual)) => {
            order_satisfies(op, actual.cmp(expected)) && is_equality(op)
        }
        (CompValue::Number(expected), Value::Number(actual)) => {
            !is_substring(op)
                && compare_numbers(actual, expected)
                    .is_some_and(|ordering| order_satisfies(op, ordering))
        }
        (CompValue::String(expected), Value::String(actual)) => {
            if kind == AttrType::DateTime && !is_substring(op) {
                compare_datetimes(actual, expected)
                    .is_some_and(|ordering| order_satisfies(op, ordering))
            } else {
                compare_strings(op, actual, expected, case_exact)
            }
        }
        _ => false,
    };
    Ok(matched)
}

fn inferred_type(value: &Value) -> AttrType {
    match value {
        Value::Bool(_) => AttrType::Boolean,
        Value::Number(_) => AttrType::Decimal,
        Value::Object(_) => AttrType::Complex,
        Value::Null | Value::String(_) | Value::Array(_) => AttrType::String,
    }
}

fn is_substring(op: CompareOp) -> bool {
    matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
}

fn is_equality(op: CompareOp) -> bool {
    matches!(op, CompareOp::Eq | CompareOp::Ne)
}

/// Whether `actual <op> expected` holds given how they order.
fn order_satisfies(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Strings compare by code point; case-insensitively (both lower-cased)
/// unless the attribute is case-exact.
fn compare_strings(op: CompareOp, actual: &str, expected: &str, case_exact: bool) -> bool {
    let (actual, expected): (Cow<'_, str>, Cow<'_, str>) = if case_exact {
        (actual.into(), expected.into())
    } else {
        (actual.to_lowercase().into(), expected.to_lowercase().into())
    };
    match op {
        CompareOp::Co => actual.contains(expected.as_ref()),
        CompareOp::Sw => actual.starts_with(expected.as_ref()),
        CompareOp::Ew => actual.ends_with(expected.as_ref()),
        _ => order_satisfies(op, actual.cmp(&expected)),
    }
}

/// Numbers compare by value: exactly for integers, as f64 otherwise.
fn compare_numbers(actual: &serde_json::Number, expected: &serde_json::Number) -> Option<Ordering> {
    let integer = |n: &serde_json::Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (integer(actual), integer(expected)) {
        (Some(actual), Some(expected)) => Some(actual.cmp(&expected)),
        _ => actual.as_f64()?.partial_cmp(&expected.as_f64()?),
    }
}

/// Chronological order of two xsd:dateTimes; None when either is not one
/// (a type mismatch, which never matches).
fn compare_datetimes(actual: &str, expected: &str) -> Option<Ordering> {
    Some(parse_datetime(actual)?.cmp(&parse_datetime(expected)?))
}

/// xsd:dateTime (RFC 7643 §2.3.5); a value without a zone is taken as UTC.
fn parse_datetime(text: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed);
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(naive.and_utc().fixed_offset())
}

// ---- errors ----------------------------------------------------------------

fn eval_error(message: String) -> FilterError {
    FilterError {
        position: 0,
        message,
    }
}

fn ordering_error(op: CompareOp, kind: AttrType, path: &AttrPath) -> FilterError {
    let kind = match kind {
        AttrType::Binary => "binary",
        _ => "boolean",
    };
    eval_error(format!(
        "the '{op}' operator is not supported on {kind} attribute '{path}'"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::parse_filter;
    use serde_json::json;
    use std::cell::RefCell;

    const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// RFC 7643 §8.2-style User with the enterprise extension, plus a few
    /// attributes for numbers, booleans and emptiness.
    fn bjensen() -> Value {
        json!({
            "schemas": [CORE, ENTERPRISE],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "701984",
            "userName": "bjensen@example.com",
            "name": {"familyName": "Jensen", "givenName": "Barbara", "middleName": ""},
            "displayName": "Babs Jensen",
            "title": "Tour Guide",
            "userType": "Employee",
            "active": true,
            "loginCount": 42,
            "score": 4.5,
            "nickName": "",
            "locale": null,
            "x509Certificates": [],
            "photos": {},
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "ims": [{"value": "someaimhandle", "type": "aim"}],
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z",
                "version": "W/\"3694e05e9dff591\"",
                "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
            },
            ENTERPRISE: {
                "employeeNumber": "701984",
                "costCenter": "4130",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
            }
        })
    }

    fn eval_with(
        text: &str,
        resource: &Value,
        schema: &dyn SchemaInfo,
    ) -> Result<bool, FilterError> {
        let filter = parse_filter(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        matches(&filter, resource, schema)
    }

    fn check(text: &str) -> bool {
        eval_with(text, &bjensen(), &NoSchema).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn assert_all(cases: &[(&str, bool)]) {
        for (text, expected) in cases {
            assert_eq!(check(text), *expected, "{text}");
        }
    }

    fn rejected(text: &str, resource: &Value, schema: &dyn SchemaInfo) -> FilterError {
        match eval_with(text, resource, schema) {
            Ok(result) => panic!("{text:?} should fail, evaluated to {result}"),
            Err(err) => err,
        }
    }

    /// A schema where `userName` is case-exact and a few attributes have
    /// the given types.
    fn user_schema(urn: Option<&str>, path: &[&str]) -> Option<AttrInfo> {
        let lower: Vec<String> = path.iter().map(|p| p.to_ascii_lowercase()).collect();
        let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
        let info = |kind, case_exact| Some(AttrInfo::new(kind, case_exact));
        match (urn, lower.as_slice()) {
            (None, ["username"]) => info(AttrType::String, true),
            (None, ["active"]) => info(AttrType::Boolean, false),
            (None, ["x509certificates", "value"]) => info(AttrType::Binary, true),
            (None, ["logincount"]) => info(AttrType::Integer, false),
            (None, ["birthday"]) => info(AttrType::DateTime, false),
            (None, ["emails"]) => info(AttrType::Complex, false),
            (None, ["emails", "value"]) => info(AttrType::String, false),
            (None, ["emails", "primary"]) => info(AttrType::Boolean, false),
            (Some(u), ["employeenumber"]) if u.eq_ignore_ascii_case(ENTERPRISE) => {
                info(AttrType::String, true)
            }
            _ => None,
        }
    }

    #[test]
    fn string_operators_are_case_insensitive_without_schema() {
        assert_all(&[
            (r#"userName eq "bjensen@example.com""#, true),
            (r#"userName eq "BJENSEN@EXAMPLE.COM""#, true),
            (r#"userName eq "bjensen""#, false),
            (r#"userName ne "bjensen""#, true),
            (r#"userName ne "BJensen@example.com""#, false),
            (r#"userName co "JENSEN@""#, true),
            (r#"userName co "smith""#, false),
            (r#"userName sw "BJ""#, true),
            (r#"userName sw "jensen""#, false),
            (r#"userName sw "bjensen@example.com""#, true),
            (r#"userName ew "EXAMPLE.COM""#, true),
            (r#"userName ew "example""#, false),
            (r#"userName ew "bjensen@example.com""#, true),
            (r#"userName co """#, true),
            (r#"title gt "Tour""#, true),
            (r#"title gt "tour guide""#, false),
            (r#"title ge "TOUR GUIDE""#, true),
            (r#"title lt "U""#, true),
            (r#"title lt "a""#, false),
            (r#"title le "tour guide""#, true),
            (r#"title le "Tour Guid""#, false),
        ]);
    }

    #[test]
    fn attribute_names_and_operators_are_case_insensitive() {
        assert_all(&[
            (r#"USERNAME EQ "bjensen@example.com""#, true),
            (r#"Name.FamilyName Eq "jensen""#, true),
            (r#"EMAILS[TYPE EQ "WORK"]"#, true),
            ("TITLE PR", true),
        ]);
        let upper_keys = json!({"USERNAME": "x", "Name": {"GIVENNAME": "Y"}});
        assert_eq!(
            eval_with(r#"userName eq "x""#, &upper_keys, &NoSchema),
            Ok(true)
        );
        assert_eq!(
            eval_with(r#"name.givenName eq "y""#, &upper_keys, &NoSchema),
            Ok(true)
        );
    }

    #[test]
    fn exact_case_key_wins_over_other_casings() {
        let resource = json!({"USERNAME": "upper", "userName": "exact"});
        assert_eq!(
            eval_with(r#"userName eq "exact""#, &resource, &NoSchema),
            Ok(true)
        );
        assert_eq!(
            eval_with(r#"userName eq "upper""#, &resource, &NoSchema),
            Ok(false)
        );
    }

    #[test]
    fn case_exact_attributes_respect_case() {
        let user = bjensen();
        let cases = [
            (r#"userName eq "bjensen@example.com""#, true),
            (r#"userName eq "BJENSEN@example.com""#, false),
            (r#"userName ne "BJENSEN@example.com""#, true),
            (r#"userName co "JENSEN""#, false),
            (r#"userName sw "bj""#, true),
            (r#"userName ew ".COM""#, false),
            (r#"userName gt "Z""#, true),
            (r#"emails.value eq "BABS@JENSEN.ORG""#, true),
            (r#"displayName eq "BABS JENSEN""#, true),
        ];
        for (text, expected) in cases {
            assert_eq!(
                eval_with(text, &user, &SchemaFn(user_schema)),
                Ok(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn common_attributes_are_case_exact_when_the_schema_is_silent() {
        assert_all(&[
            (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
            (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
            (r#"externalId eq "701984""#, true),
            (r#"meta.resourceType eq "User""#, true),
            (r#"meta.resourceType eq "user""#, false),
            (r#"meta.version eq "W/\"3694e05e9dff591\"""#, true),
            (r#"meta.location sw "https://example.com/v2/Users/""#, true),
        ]);
    }

    #[test]
    fn numbers_compare_numerically() {
        assert_all(&[
            ("loginCount eq 42", true),
            ("loginCount eq 42.0", true),
            ("loginCount eq 43", false),
            ("loginCount ne 42", false),
            ("loginCount ne 7", true),
            ("loginCount gt 41", true),
            ("loginCount gt 42", false),
            ("loginCount ge 42", true),
            ("loginCount ge 42.5", false),
            ("loginCount lt 100", true),
            ("loginCount lt 42", false),
            ("loginCount le 42", true),
            ("loginCount le 41.99", false),
            ("loginCount gt -1e300", true),
            ("score gt 4", true),
            ("score lt 4.51", true),
            ("score eq 4.5", true),
            ("score eq 45e-1", true),
            ("loginCount co 4", false),
            ("loginCount sw 4", false),
            ("loginCount ew 2", false),
        ]);
        let big = json!({"n": u64::MAX, "m": -9_223_372_036_854_775_807_i64});
        assert_eq!(
            eval_with("n eq 18446744073709551615", &big, &NoSchema),
            Ok(true)
        );
        assert_eq!(
            eval_with("n gt 18446744073709551614", &big, &NoSchema),
            Ok(true)
        );
        assert_eq!(eval_with("m lt 0", &big, &NoSchema), Ok(true));
    }

    #[test]
    fn booleans_support_equality_only() {
        assert_all(&[
            ("active eq true", true),
            ("active eq false", false),
            ("active ne false", true),
            ("active ne true", false),
            ("emails.primary eq true", true),
            ("emails[primary eq true]", true),
            ("emails[primary eq false]", false),
            (r#"active co "t""#, false),
            (r#"active eq "true""#, false),
            ("active eq 1", false),
        ]);
    }

    #[test]
    fn ordering_on_booleans_and_binaries_is_an_error() {
        let user = bjensen();
        for text in [
            "active gt true",
            "active ge false",
            "userName gt true",
            r#"title lt false"#,
            "emails[primary le true]",
        ] {
            let err = rejected(text, &user, &NoSchema);
            assert!(err.message.contains("boolean"), "{text}: {err}");
        }
        // A Boolean attribute (per the schema) fails even against a string,
        // and even where the resource has no value to compare.
        for text in [
            r#"active gt "a""#,
            "emails.primary lt 1",
            r#"missing eq "x" or active ge 0"#,
        ] {
            let err = rejected(text, &user, &SchemaFn(user_schema));
            assert!(err.message.contains("boolean attribute"), "{text}: {err}");
        }
        let err = rejected(
            r#"x509Certificates.value gt "MII""#,
            &user,
            &SchemaFn(user_schema),
        );
        assert!(err.message.contains("binary attribute"), "{err}");
        assert_eq!(
            err.to_string(),
            "invalid filter at character 0: the 'gt' operator is not supported on binary attribute 'x509Certificates.value'"
        );
        // Short-circuiting does not hide the error.
        let err = rejected("title pr or active gt true", &user, &NoSchema);
        assert!(err.message.contains("boolean"), "{err}");
        // Equality on binaries is fine.
        assert_eq!(
            eval_with(
                r#"x509Certificates.value eq "MII""#,
                &user,
                &SchemaFn(user_schema)
            ),
            Ok(false)
        );
    }

    #[test]
    fn type_mismatches_do_not_match() {
        assert_all(&[
            ("userName eq 1", false),
            ("userName ne 1", true),
            (r#"loginCount eq "42""#, false),
            (r#"loginCount ne "42""#, true),
            (r#"loginCount gt "1""#, false),
            ("name eq 1", false),
            (r#"meta.created gt "yesterday""#, false),
            ("userName gt null", false),
            ("userName co null", false),
        ]);
    }

    #[test]
    fn meta_datetimes_compare_chronologically_without_schema() {
        assert_all(&[
            (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
            (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified lt "2012-01-01T00:00:00Z""#, true),
            (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified eq "2011-05-13T04:42:34.000Z""#, true),
            (r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true),
            (r#"meta.lastModified eq "2011-05-13T04:42:34""#, true),
            (r#"meta.lastModified gt "2011-05-13T05:00:00+01:00""#, true),
            (r#"META.LASTMODIFIED GT "2011-05-13T05:00:00+01:00""#, true),
            (r#"meta.created lt "2011-05-13T04:42:34Z""#, true),
            (r#"meta.created sw "2010-01""#, true),
            (r#"meta.created co "T04:56""#, true),
            (r#"meta[lastModified gt "2011-01-01T00:00:00Z"]"#, true),
        ]);
    }

    #[test]
    fn other_datetimes_compare_as_strings_unless_the_schema_says_datetime() {
        let resource = json!({"birthday": "2011-05-13T04:42:34Z"});
        let shifted = r#"birthday eq "2011-05-13T06:42:34+02:00""#;
        assert_eq!(eval_with(shifted, &resource, &NoSchema), Ok(false));
        assert_eq!(
            eval_with(shifted, &resource, &SchemaFn(user_schema)),
            Ok(true)
        );
        let later = r#"birthday lt "2011-05-13T05:00:00+01:00""#;
        assert_eq!(eval_with(later, &resource, &NoSchema), Ok(true));
        assert_eq!(
            eval_with(later, &resource, &SchemaFn(user_schema)),
            Ok(false)
        );
    }

    #[test]
    fn presence_requires_a_non_empty_value() {
        assert_all(&[
            ("title pr", true),
            ("userName pr", true),
            ("active pr", true),
            ("loginCount pr", true),
            ("name pr", true),
            ("name.givenName pr", true),
            ("name.middleName pr", false),
            ("nickName pr", false),
            ("locale pr", false),
            ("x509Certificates pr", false),
            ("photos pr", false),
            ("missing pr", false),
            ("emails pr", true),
            ("emails.value pr", true),
            ("emails.display pr", false),
            ("not (nickName pr)", true),
        ]);
        let hollow = json!({"a": [null, "", {}], "b": {"c": null}, "d": [[]]});
        for name in ["a", "b", "d"] {
            assert_eq!(
                eval_with(&format!("{name} pr"), &hollow, &NoSchema),
                Ok(false),
                "{name}"
            );
        }
    }

    #[test]
    fn null_compares_with_presence() {
        assert_all(&[
            ("locale eq null", true),
            ("missing eq null", true),
            ("nickName eq null", true),
            ("x509Certificates eq null", true),
            ("title eq null", false),
            ("title ne null", true),
            ("locale ne null", false),
        ]);
    }

    #[test]
    fn absent_attributes_match_only_negative_tests() {
        assert_all(&[
            (r#"missing eq "x""#, false),
            (r#"missing ne "x""#, true),
            (r#"missing co "x""#, false),
            (r#"missing gt "x""#, false),
            (r#"name.missing eq "x""#, false),
            (r#"missing.sub ne "x""#, true),
            (r#"not (missing eq "x")"#, true),
        ]);
    }

    #[test]
    fn multi_valued_attributes_match_if_any_value_matches() {
        assert_all(&[
            (r#"emails.value eq "babs@jensen.org""#, true),
            (r#"emails.value eq "BJENSEN@example.com""#, true),
            (r#"emails.type eq "home""#, true),
            (r#"emails.type eq "other""#, false),
            // `ne` is "no value equals", so one "work" email makes it false.
            (r#"emails.type ne "work""#, false),
            (r#"emails.type ne "other""#, true),
            // Complex values without a sub-attribute compare their `value`.
            (r#"emails co "jensen.org""#, true),
            (r#"emails eq "bjensen@example.com""#, true),
            (r#"emails sw "nobody""#, false),
            (r#"ims eq "someaimhandle""#, true),
            (
                r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
                true,
            ),
            (
                r#"schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER""#,
                true,
            ),
            (r#"schemas eq "urn:other""#, false),
        ]);
        let tags = json!({"tags": ["red", "green"], "counts": [1, 5, 9]});
        assert_eq!(eval_with(r#"tags eq "GREEN""#, &tags, &NoSchema), Ok(true));
        assert_eq!(eval_with("counts gt 8", &tags, &NoSchema), Ok(true));
        assert_eq!(eval_with("counts gt 9", &tags, &NoSchema), Ok(false));
    }

    #[test]
    fn value_paths_apply_the_whole_filter_to_one_element() {
        assert_all(&[
            (
                r#"emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            // Each half matches some email, but not the same one.
            (
                r#"emails[type eq "home" and value co "@example.com"]"#,
                false,
            ),
            (
                r#"emails.type eq "home" and emails.value co "@example.com""#,
                true,
            ),
            (r#"emails[type eq "home" or value co "@example.com"]"#, true),
            (r#"emails[not (type eq "work")]"#, true),
            (
                r#"emails[type eq "work" and (value ew ".org" or primary eq true)]"#,
                true,
            ),
            (r#"emails[display pr]"#, false),
            (r#"missing[type eq "work"]"#, false),
            (r#"not (emails[type eq "other"])"#, true),
            (r#"name[familyName eq "jensen"]"#, true),
            (r#"userName[value pr]"#, false),
        ]);
    }

    #[test]
    fn nested_value_paths_use_nested_contexts() {
        let group = json!({
            "members": [
                {"value": "1", "roles": [{"value": "admin", "scope": "all"}]},
                {"value": "2", "roles": [{"value": "reader", "scope": "some"}]}
            ]
        });
        let cases = [
            (
                r#"members[roles[value eq "admin" and scope eq "all"]]"#,
                true,
            ),
            (
                r#"members[roles[value eq "admin" and scope eq "some"]]"#,
                false,
            ),
            (
                r#"members[value eq "2" and roles[value eq "reader"]]"#,
                true,
            ),
            (
                r#"members[value eq "2" and roles[value eq "admin"]]"#,
                false,
            ),
            (r#"members[roles.value eq "admin"]"#, true),
        ];
        for (text, expected) in cases {
            assert_eq!(eval_with(text, &group, &NoSchema), Ok(expected), "{text}");
        }
    }

    #[test]
    fn schema_lookups_use_the_parent_path_and_urn() {
        let calls = RefCell::new(Vec::new());
        let recorder = |urn: Option<&str>, path: &[&str]| -> Option<AttrInfo> {
            calls
                .borrow_mut()
                .push((urn.map(str::to_owned), path.join(".")));
            None
        };
        let user = bjensen();
        let texts = [
            r#"userName eq "x""#,
            r#"name.familyName eq "x""#,
            r#"emails[type eq "work"]"#,
            r#"emails co "x""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:title eq "x""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
            r#"members[roles[value eq "x"]]"#,
        ];
        for text in texts {
            let filter = parse_filter(text).unwrap_or_else(|e| panic!("{e}"));
            let _ = matches(&filter, &user, &SchemaFn(&recorder));
        }
        let members = json!({"members": [{"roles": [{"value": "x"}]}]});
        let filter = parse_filter(texts[6]).unwrap_or_else(|e| panic!("{e}"));
        let _ = matches(&filter, &members, &SchemaFn(&recorder));
        let calls = calls.into_inner();
        for expected in [
            (None, "userName"),
            (None, "name.familyName"),
            (None, "emails.type"),
            (None, "emails"),
            (None, "emails.value"),
            (None, "title"),
            (Some(ENTERPRISE), "manager.value"),
            (None, "members.roles.value"),
        ] {
            let expected = (expected.0.map(str::to_owned), expected.1.to_owned());
            assert!(calls.contains(&expected), "{expected:?} not in {calls:?}");
        }
    }

    #[test]
    fn urn_qualified_paths_select_core_or_extension() {
        assert_all(&[
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bjensen""#,
                true,
            ),
            (
                r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME sw "bjensen""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1""#,
                false,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:costCenter eq "4130""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName co "smith""#,
                true,
            ),
            // The extension's attributes are not at the top level, nor the
            // core's inside the extension.
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName pr"#,
                false,
            ),
            (r#"employeeNumber pr"#, false),
            (r#"urn:example:unknown:1.0:User:userName pr"#, false),
            (r#"urn:example:unknown:1.0:User:userName ne "x""#, true),
        ]);
        let without_extension = json!({"schemas": [CORE], "userName": "x"});
        let text = format!("{ENTERPRISE}:employeeNumber pr");
        assert_eq!(eval_with(&text, &without_extension, &NoSchema), Ok(false));
        let without_schemas = json!({"userName": "x"});
        let text = format!("{CORE}:userName eq \"x\"");
        assert_eq!(eval_with(&text, &without_schemas, &NoSchema), Ok(true));
    }

    #[test]
    fn extension_schema_lookups_drive_case_exactness() {
        let user = bjensen();
        let employee =
            json!({"schemas": [CORE, ENTERPRISE], ENTERPRISE: {"employeeNumber": "AB12"}});
        let text = format!("{ENTERPRISE}:employeeNumber eq \"ab12\"");
        assert_eq!(eval_with(&text, &employee, &NoSchema), Ok(true));
        assert_eq!(
            eval_with(&text, &employee, &SchemaFn(user_schema)),
            Ok(false)
        );
        assert_eq!(
            eval_with("active pr", &user, &SchemaFn(user_schema)),
            Ok(true)
        );
    }

    #[test]
    fn logical_operators_and_precedence() {
        assert_all(&[
            (
                r#"userName eq "x" or userName eq "bjensen@example.com" and title pr"#,
                true,
            ),
            (
                r#"userName eq "x" or userName eq "bjensen@example.com" and missing pr"#,
                false,
            ),
            (
                r#"(userName eq "x" or userName eq "bjensen@example.com") and missing pr"#,
                false,
            ),
            (r#"title pr and missing pr or active eq true"#, true),
            (r#"title pr and (missing pr or active eq false)"#, false),
            (r#"not (userName eq "bjensen@example.com")"#, false),
            (r#"not (title pr) or active eq true"#, true),
            (r#"not (title pr or missing pr)"#, false),
            (r#"not (not (title pr))"#, true),
        ]);
    }

    #[test]
    fn rfc_examples_evaluate() {
        assert_all(&[
            (r#"userName eq "bjensen""#, false),
            (r#"name.familyName co "O'Malley""#, false),
            (r#"userName sw "J""#, false),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
                false,
            ),
            ("title pr", true),
            (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
            (r#"title pr and userType eq "Employee""#, true),
            (r#"title pr or userType eq "Intern""#, true),
            (
                r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
                true,
            ),
            (
                r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
                true,
            ),
            (
                r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
                false,
            ),
            (
                r#"userType eq "Employee" and (emails.type eq "work")"#,
                true,
            ),
            (
                r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            (
                r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
                true,
            ),
        ]);
    }

    #[test]
    fn non_object_resources_have_no_attributes() {
        for resource in [json!(null), json!([1, 2]), json!("userName")] {
            assert_eq!(eval_with("userName pr", &resource, &NoSchema), Ok(false));
            assert_eq!(
                eval_with(r#"userName ne "x""#, &resource, &NoSchema),
                Ok(true)
            );
        }
    }

    #[test]
    fn deep_json_does_not_break_presence() {
        let mut deep = json!("leaf");
        for _ in 0..100 {
            deep = json!({ "a": [deep] });
        }
        let resource = json!({ "x": deep });
        assert_eq!(eval_with("x pr", &resource, &NoSchema), Ok(true));
    }

    #[test]
    fn unicode_case_folding_applies_when_case_insensitive() {
        let resource = json!({"displayName": "ÉMILE Ǆ"});
        assert_eq!(
            eval_with(r#"displayName eq "émile ǆ""#, &resource, &NoSchema),
            Ok(true)
        );
        assert_eq!(
            eval_with(r#"displayName sw "émi""#, &resource, &NoSchema),
            Ok(true)
        );
    }

    #[test]
    fn the_largest_accepted_trees_fit_a_default_thread_stack() {
        use crate::scim::filter::{MAX_DEPTH, MAX_LOGICAL_OPERATORS};
        let chain = vec![r#"emails[type eq "x"]"#; MAX_LOGICAL_OPERATORS + 1].join(" and ");
        let text = format!(
            "{}{chain}{}",
            "not (".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        let worker = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let filter = parse_filter(&text).map_err(|e| e.to_string())?;
                let shown = filter.to_string();
                let again = parse_filter(&shown).map_err(|e| e.to_string())?;
                let copy = again.clone();
                let result = matches(&copy, &bjensen(), &NoSchema).map_err(|e| e.to_string())?;
                Ok::<bool, String>(result && again == filter)
            });
        let outcome = worker.map(|handle| handle.join());
        // 63 `not`s around a false chain.
        assert!(matches!(outcome, Ok(Ok(Ok(true)))), "{outcome:?}");
    }
}
