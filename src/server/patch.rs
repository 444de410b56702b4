//! PATCH (RFC 7644 §3.5.2): add, remove and replace, with and without a
//! path, value filters, sub-attributes and extension URNs. Operations apply
//! in order to a working copy; the caller stores the result only when every
//! operation succeeded (the request is atomic).

use serde_json::{Map, Value};

use super::error::ScimError;
use super::faults::{Fault, FaultSet};
use super::resource::{
    ReadOnlyInput, check_primary, check_required, extension_schema, is_assigned,
    normalize_attribute,
};
use crate::scim::filter::{self, AttrInfo, Filter, SchemaInfo};
use crate::scim::schema::{Attribute, Mutability, ResourceTypeDef, Schema, SchemaRegistry};
use crate::scim::urns;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Remove,
    Replace,
}

/// Applies a PatchOp body to `data`. On failure `data` holds whatever the
/// operations before the failing one did; the caller discards it.
pub fn apply(
    registry: &SchemaRegistry,
    resource_type: &ResourceTypeDef,
    data: &mut Map<String, Value>,
    body: &Value,
    faults: &FaultSet,
) -> Result<(), ScimError> {
    let Some(object) = body.as_object() else {
        return Err(ScimError::invalid_syntax(
            "a PATCH body is a PatchOp object",
        ));
    };
    let has_urn = object
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(urns::PATCH_OP)));
    if !has_urn && !faults.has(Fault::PatchUrnNotChecked) {
        return Err(ScimError::invalid_syntax(format!(
            "schemas must contain {}",
            urns::PATCH_OP
        )));
    }
    let operations = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .and_then(|(_, v)| v.as_array())
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| ScimError::invalid_syntax("Operations must be a non-empty array"))?;
    let core = registry
        .schema(&resource_type.schema)
        .ok_or_else(|| ScimError::internal("resource type without schema"))?;
    let context = Context {
        registry,
        resource_type,
        core,
        faults,
    };
    let mut ordered: Vec<&Value> = operations.iter().collect();
    if faults.has(Fault::PatchOpsReversed) {
        ordered.reverse();
    }
    for operation in ordered {
        context.apply_one(data, operation)?;
    }
    if !faults.has(Fault::PatchRemoveRequiredAllowed) {
        check_required(registry, resource_type, data)
            .map_err(|e| ScimError::mutability(e.detail))?;
    }
    Ok(())
}

struct Context<'a> {
    registry: &'a SchemaRegistry,
    resource_type: &'a ResourceTypeDef,
    core: &'a Schema,
    faults: &'a FaultSet,
}

/// Where a path points: the containing object's key, its schema, the attribute.
struct Target<'a> {
    /// None: top level; Some(urn): inside that extension's object.
    extension: Option<String>,
    attribute: &'a Attribute,
    /// `name.givenName`: a sub-attribute of a single complex attribute, or of
    /// every value of a multi-valued one.
    sub: Option<&'a Attribute>,
    value_filter: Option<Filter>,
}

impl<'a> Context<'a> {
    fn apply_one(&self, data: &mut Map<String, Value>, operation: &Value) -> Result<(), ScimError> {
        let object = operation
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("each operation is a JSON object"))?;
        let field = |name: &str| {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        // The RFC spells ops in lower case; accept any case, as IdPs send "Replace".
        let op = match field("op").and_then(Value::as_str).map(|op| {
            if self.faults.has(Fault::PatchOpCaseSensitive) {
                op.to_string()
            } else {
                op.to_ascii_lowercase()
            }
        }) {
            Some(op) if op == "add" => Op::Add,
            Some(op) if op == "remove" => Op::Remove,
            Some(op) if op == "replace" => Op::Replace,
            Some(_) if self.faults.has(Fault::PatchUnknownOpIgnored) => return Ok(()),
            Some(other) => {
                return Err(ScimError::invalid_syntax(format!(
                    "unsupported op {other:?}: use add, remove or replace"
                )));
            }
            None => return Err(ScimError::invalid_syntax("operation without op")),
        };
        let value = field("value");
        let path = match field("path") {
            None | Some(Value::Null) => None,
            Some(Value::String(path)) if !path.trim().is_empty() => Some(path.trim()),
            Some(_) => return Err(ScimError::invalid_path("path must be a non-empty string")),
        };
        let without_indexes;
        let path = match path {
            Some(path) if self.faults.has(Fault::PatchArrayIndexIgnored) => {
                without_indexes = strip_array_indexes(path);
                Some(without_indexes.as_str())
            }
            other => other,
        };
        if self.faults.has(Fault::GroupRenameIgnored)
            && self.resource_type.name == "Group"
            && !path.is_some_and(|p| p.to_ascii_lowercase().starts_with("members"))
        {
            return Ok(());
        }
        let Some(path) = path else {
            return match op {
                Op::Remove => Err(ScimError::no_target("remove needs a path")),
                Op::Replace if self.faults.has(Fault::PatchPathlessRejected) => {
                    Err(ScimError::no_target("replace needs a path"))
                }
                Op::Add | Op::Replace => self.apply_pathless(data, op, value),
            };
        };
        if let Some(extension) = extension_schema(self.registry, self.resource_type, path) {
            return self.apply_whole_extension(data, op, extension, value);
        }
        let target = match self.resolve(path) {
            Err(error)
                if self.faults.has(Fault::PatchUnknownAttributeIgnored)
                    && error.detail.starts_with("no attribute") =>
            {
                return Ok(());
            }
            other => other?,
        };
        if target.attribute.mutability == Mutability::ReadOnly
            || target
                .sub
                .is_some_and(|s| s.mutability == Mutability::ReadOnly)
        {
            if self.faults.has(Fault::PatchReadOnlyIgnored) {
                return Ok(());
            }
            return Err(ScimError::mutability(format!(
                "attribute {path} is readOnly"
            )));
        }
        match op {
            Op::Remove => self.remove(data, &target, path, value),
            Op::Add | Op::Replace => {
                let value = value
                    .ok_or_else(|| ScimError::invalid_value(format!("{op:?} needs a value")))?;
                self.set(data, &target, op, value, path)
            }
        }
    }

    fn resolve(&self, path: &str) -> Result<Target<'a>, ScimError> {
        let parsed = filter::parse_patch_path(path).map_err(|e| {
            if self.faults.has(Fault::PatchInvalidPath500) {
                ScimError::internal(e.to_string())
            } else if path.contains('[') {
                ScimError::invalid_filter(e.to_string())
            } else {
                ScimError::invalid_path(e.to_string())
            }
        })?;
        let (extension, schema) = match &parsed.attr.urn {
            Some(urn) if urn.eq_ignore_ascii_case(&self.resource_type.schema) => (None, self.core),
            Some(urn) => {
                let schema = extension_schema(self.registry, self.resource_type, urn)
                    .ok_or_else(|| ScimError::invalid_path(format!("unknown schema {urn}")))?;
                if self.faults.has(Fault::PatchExtensionUrnDropped) {
                    (None, schema)
                } else {
                    (Some(schema.id.clone()), schema)
                }
            }
            None => (None, self.core),
        };
        let attribute = schema
            .attribute(&parsed.attr.name)
            .or_else(|| {
                (extension.is_none())
                    .then(|| {
                        self.registry
                            .resolve(self.resource_type, None, &[parsed.attr.name.as_str()])
                            .map(|(_, a)| a)
                    })
                    .flatten()
            })
            .ok_or_else(|| {
                ScimError::invalid_path(format!("no attribute {} in the schema", parsed.attr.name))
            })?;
        if self.faults.has(Fault::PatchPathCaseSensitive) && attribute.name != parsed.attr.name {
            return Err(ScimError::invalid_path(format!(
                "no attribute {} in the schema",
                parsed.attr.name
            )));
        }
        let sub_name = parsed
            .attr
            .sub_attr
            .as_deref()
            .or(parsed.sub_attr.as_deref());
        let sub = match sub_name {
            Some(name) => Some(attribute.sub_attribute(name).ok_or_else(|| {
                ScimError::invalid_path(format!("no sub-attribute {name} of {}", attribute.name))
            })?),
            None => None,
        };
        if parsed.value_filter.is_some() && !attribute.multi_valued {
            return Err(ScimError::invalid_path(format!(
                "{} is not multi-valued: a value filter cannot apply",
                attribute.name
            )));
        }
        Ok(Target {
            extension,
            attribute,
            sub,
            value_filter: parsed.value_filter,
        })
    }

    fn container<'m>(
        &self,
        data: &'m mut Map<String, Value>,
        extension: &Option<String>,
    ) -> &'m mut Map<String, Value> {
        match extension {
            None => data,
            Some(urn) => {
                let entry = data
                    .entry(urn.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                match entry {
                    Value::Object(map) => map,
                    // Made an object just above.
                    _ => unreachable!("extension container is an object"),
                }
            }
        }
    }

    fn apply_pathless(
        &self,
        data: &mut Map<String, Value>,
        op: Op,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let Some(object) = value.and_then(Value::as_object) else {
            return Err(ScimError::invalid_value(
                "without a path, value must be an object of attributes",
            ));
        };
        for (key, item) in object {
            if let Some(extension) = extension_schema(self.registry, self.resource_type, key) {
                self.apply_whole_extension(data, op, extension, Some(item))?;
                continue;
            }
            let target = self.resolve(key)?;
            if target.attribute.mutability == Mutability::ReadOnly {
                // Read-only values in a value object are ignored, as in PUT.
                continue;
            }
            self.set(data, &target, op, item, key)?;
        }
        Ok(())
    }

    fn apply_whole_extension(
        &self,
        data: &mut Map<String, Value>,
        op: Op,
        extension: &Schema,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        if op == Op::Remove {
            data.remove(&extension.id);
            return Ok(());
        }
        let Some(object) = value.and_then(Value::as_object) else {
            return Err(ScimError::invalid_value(format!(
                "{} takes an object of its attributes",
                extension.id
            )));
        };
        for (name, item) in object {
            // Some clients serialise the extension object with its own `schemas`.
            if name.eq_ignore_ascii_case("schemas") {
                continue;
            }
            let attribute = extension.attribute(name).ok_or_else(|| {
                ScimError::invalid_path(format!("no attribute {name} in {}", extension.id))
            })?;
            let target = Target {
                extension: Some(extension.id.clone()),
                attribute,
                sub: None,
                value_filter: None,
            };
            self.set(data, &target, op, item, name)?;
        }
        Ok(())
    }

    fn set(
        &self,
        data: &mut Map<String, Value>,
        target: &Target<'_>,
        op: Op,
        value: &Value,
        path: &str,
    ) -> Result<(), ScimError> {
        let attribute = target.attribute;
        let converted = self.entra_value(target, value);
        let value = converted.as_ref().unwrap_or(value);
        if converted.as_ref().is_some_and(Value::is_null) {
            // An empty manager id: the manager is unassigned.
            store(
                self.container(data, &target.extension),
                &attribute.name,
                None,
            );
            cleanup_extension(data, &target.extension);
            return Ok(());
        }
        let container = self.container(data, &target.extension);
        let existing = container.get(&attribute.name).cloned();
        if attribute.mutability == Mutability::Immutable
            && existing.as_ref().is_some_and(is_assigned)
        {
            return Err(ScimError::mutability(format!(
                "{} is immutable",
                attribute.name
            )));
        }
        if let Some(sub) = target.sub
            && sub.mutability == Mutability::Immutable
            && !self.faults.has(Fault::MemberValueEditable)
        {
            check_immutable_sub(
                existing.as_ref(),
                attribute,
                sub,
                target.value_filter.as_ref(),
                value,
            )?;
        }
        let result = if let Some(value_filter) = &target.value_filter {
            self.set_filtered(existing, attribute, target.sub, value_filter, value, path)?
        } else if let Some(sub) = target.sub {
            set_sub_attribute(existing, attribute, sub, value)?
        } else if attribute.multi_valued {
            let incoming = normalize_attribute(attribute, &as_array(value), ReadOnlyInput::Ignore)?;
            let dedupe = !self.faults.has(Fault::PatchAddDuplicates);
            match op {
                Op::Replace if self.faults.has(Fault::PatchReplaceAppends) => {
                    append(existing, incoming, dedupe)
                }
                Op::Replace => incoming,
                _ if self.faults.has(Fault::PatchAddReplacesMultiValued) => incoming,
                _ => append(existing, incoming, dedupe),
            }
        } else if attribute.kind == filter::AttrType::Complex {
            let incoming = normalize_attribute(attribute, value, ReadOnlyInput::Ignore)?;
            if op == Op::Replace && self.faults.has(Fault::PatchReplaceComplexWipes) {
                incoming
            } else {
                merge_complex(existing, incoming)
            }
        } else {
            normalize_attribute(attribute, value, ReadOnlyInput::Ignore)?
        };
        let result = if self.faults.has(Fault::PatchPrimaryNotRebalanced) {
            result
        } else {
            let result = result.map(|v| rebalance_primary(v, value));
            if let Some(Value::Array(items)) = &result {
                check_primary(attribute, items)?;
            }
            result
        };
        store(container, &attribute.name, result);
        cleanup_extension(data, &target.extension);
        Ok(())
    }

    /// Replace (or add) through a value filter: every matching value, or its
    /// sub-attribute. No match is `noTarget` (RFC 7644 §3.5.2.3).
    fn set_filtered(
        &self,
        existing: Option<Value>,
        attribute: &Attribute,
        sub: Option<&Attribute>,
        value_filter: &Filter,
        value: &Value,
        path: &str,
    ) -> Result<Option<Value>, ScimError> {
        let mut items = match existing {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let info = ElementInfo { attribute };
        let mut matched = 0;
        let mut hits = Vec::with_capacity(items.len());
        for item in items.iter_mut() {
            let hit = filter::matches(value_filter, item, &info)
                .map_err(|e| ScimError::invalid_filter(e.to_string()))?
                || self.faults.has(Fault::PatchReplaceFilterReplacesAll);
            hits.push(hit);
            if !hit {
                continue;
            }
            matched += 1;
            match sub {
                Some(sub) => {
                    let normalized = normalize_attribute(sub, value, ReadOnlyInput::Ignore)?;
                    if let Value::Object(object) = item {
                        store(object, &sub.name, normalized);
                    }
                }
                None => {
                    let normalized =
                        normalize_attribute(attribute, &as_array(value), ReadOnlyInput::Ignore)?;
                    if let Some(Value::Array(mut replacement)) = normalized
                        && let Some(first) = replacement.pop()
                    {
                        *item = first;
                    }
                }
            }
        }
        if matched == 0 && !self.faults.has(Fault::PatchNoTargetIgnored) {
            return Err(ScimError::no_target(format!("no value matches {path}")));
        }
        // `emails[value eq "b"].primary` = true: the others lose the flag (RFC 7644 §3.5.2).
        let made_primary = sub.is_some_and(|s| s.name == "primary") && value == &Value::Bool(true);
        if made_primary && !self.faults.has(Fault::PatchPrimaryNotRebalanced) {
            for (item, hit) in items.iter_mut().zip(hits) {
                if !hit
                    && let Value::Object(object) = item
                    && object.get("primary") == Some(&Value::Bool(true))
                {
                    object.insert("primary".into(), Value::Bool(false));
                }
            }
        }
        Ok((!items.is_empty()).then_some(Value::Array(items)))
    }

    /// Microsoft Entra ID's shapes that the RFC does not define but a
    /// server can take without ambiguity: the strings "True"/"False" for a
    /// boolean (its legacy PATCH, "Known issues … SCIM 2.0 protocol
    /// compliance"), and the enterprise manager as a bare id string (an
    /// empty one unassigns it: `Value::Null`). None: the value as sent.
    fn entra_value(&self, target: &Target<'_>, value: &Value) -> Option<Value> {
        let Value::String(text) = value else {
            return None;
        };
        let leaf = target.sub.unwrap_or(target.attribute);
        if leaf.kind == filter::AttrType::Boolean
            && !leaf.multi_valued
            && !self.faults.has(Fault::PatchStringBooleansRejected)
        {
            if text.eq_ignore_ascii_case("true") {
                return Some(Value::Bool(true));
            }
            if text.eq_ignore_ascii_case("false") {
                return Some(Value::Bool(false));
            }
        }
        let is_manager = target.sub.is_none()
            && target.value_filter.is_none()
            && target.attribute.name == "manager"
            && target.attribute.kind == filter::AttrType::Complex
            && target
                .extension
                .as_deref()
                .is_some_and(|urn| urn.eq_ignore_ascii_case(urns::ENTERPRISE_USER));
        if is_manager && !self.faults.has(Fault::ManagerStringRejected) {
            if text.is_empty() {
                return Some(Value::Null);
            }
            let mut manager = Map::new();
            manager.insert("value".into(), value.clone());
            return Some(Value::Object(manager));
        }
        None
    }

    fn remove(
        &self,
        data: &mut Map<String, Value>,
        target: &Target<'_>,
        path: &str,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let attribute = target.attribute;
        let container = self.container(data, &target.extension);
        let existing = container.get(&attribute.name).cloned();
        // A remove without a filter but with a value array removes those
        // values only: Entra's (default, legacy) member removal
        // `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`.
        let listed: Option<Vec<&Value>> = match value {
            Some(Value::Array(items))
                if attribute.multi_valued
                    && target.value_filter.is_none()
                    && target.sub.is_none()
                    && !items.is_empty()
                    && !self.faults.has(Fault::MemberRemoveValueIgnored) =>
            {
                Some(
                    items
                        .iter()
                        .map(|item| item.get("value").unwrap_or(item))
                        .collect(),
                )
            }
            _ => None,
        };
        let result = match (&target.value_filter, target.sub) {
            (None, None) if listed.is_some() => {
                let listed = listed.unwrap_or_default();
                match existing {
                    Some(Value::Array(items)) => {
                        let kept: Vec<Value> = items
                            .into_iter()
                            .filter(|item| {
                                let own = item.get("value").unwrap_or(item);
                                !listed.contains(&own)
                            })
                            .collect();
                        (!kept.is_empty()).then_some(Value::Array(kept))
                    }
                    other => other,
                }
            }
            (Some(value_filter), sub) => {
                if self.faults.has(Fault::PatchRemoveFilterNoop) {
                    existing
                } else if self.faults.has(Fault::PatchRemoveFilterRemovesAll) {
                    None
                } else {
                    let whole_records =
                        self.faults.has(Fault::PatchRemoveSubAttributeRemovesRecord);
                    remove_filtered(
                        existing,
                        attribute,
                        sub.filter(|_| !whole_records),
                        value_filter,
                    )?
                }
            }
            (None, Some(sub)) => remove_sub_attribute(existing, sub),
            (None, None) => None,
        };
        if attribute.required
            && !result.as_ref().is_some_and(is_assigned)
            && !self.faults.has(Fault::PatchRemoveRequiredAllowed)
        {
            return Err(ScimError::mutability(format!(
                "{path}: {} is required and cannot be removed",
                attribute.name
            )));
        }
        store(container, &attribute.name, result);
        cleanup_extension(data, &target.extension);
        Ok(())
    }
}

/// Sub-attribute lookups for filters inside a multi-valued attribute's values.
struct ElementInfo<'a> {
    attribute: &'a Attribute,
}

impl SchemaInfo for ElementInfo<'_> {
    fn attribute(&self, _urn: Option<&str>, path: &[&str]) -> Option<AttrInfo> {
        let name = path.last()?;
        let sub = self.attribute.sub_attribute(name)?;
        Some(AttrInfo {
            kind: sub.kind,
            case_exact: sub.case_exact,
            multi_valued: sub.multi_valued,
        })
    }
}

fn remove_filtered(
    existing: Option<Value>,
    attribute: &Attribute,
    sub: Option<&Attribute>,
    value_filter: &Filter,
) -> Result<Option<Value>, ScimError> {
    let Some(Value::Array(items)) = existing else {
        // Nothing to remove: success, no change (RFC 7644 §3.5.2.2).
        return Ok(existing);
    };
    let info = ElementInfo { attribute };
    let mut kept = Vec::new();
    for mut item in items {
        let hit = filter::matches(value_filter, &item, &info)
            .map_err(|e| ScimError::invalid_filter(e.to_string()))?;
        match (hit, sub) {
            (false, _) => kept.push(item),
            (true, None) => {}
            (true, Some(sub)) => {
                if let Value::Object(object) = &mut item {
                    object.remove(&sub.name);
                    if !object.is_empty() {
                        kept.push(item);
                    }
                }
            }
        }
    }
    Ok((!kept.is_empty()).then_some(Value::Array(kept)))
}

fn remove_sub_attribute(existing: Option<Value>, sub: &Attribute) -> Option<Value> {
    match existing {
        Some(Value::Object(mut object)) => {
            object.remove(&sub.name);
            (!object.is_empty()).then_some(Value::Object(object))
        }
        Some(Value::Array(items)) => {
            let kept: Vec<Value> = items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Object(mut object) => {
                        object.remove(&sub.name);
                        (!object.is_empty()).then_some(Value::Object(object))
                    }
                    other => Some(other),
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => other,
    }
}

/// An immutable sub-attribute (Group `members.value`, RFC 7643 §4.2) that
/// already has a value in a targeted record may not get another one (RFC
/// 7644 §3.5.2: "a client MUST NOT modify an attribute that has mutability
/// ... immutable"); setting the value it already has changes nothing.
fn check_immutable_sub(
    existing: Option<&Value>,
    attribute: &Attribute,
    sub: &Attribute,
    value_filter: Option<&Filter>,
    value: &Value,
) -> Result<(), ScimError> {
    let records: Vec<&Value> = match existing {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(object @ Value::Object(_)) => vec![object],
        _ => Vec::new(),
    };
    let info = ElementInfo { attribute };
    for record in records {
        let targeted = match value_filter {
            Some(value_filter) => filter::matches(value_filter, record, &info)
                .map_err(|e| ScimError::invalid_filter(e.to_string()))?,
            None => true,
        };
        let current = record.get(&sub.name).filter(|v| is_assigned(v));
        if targeted && current.is_some_and(|current| current != value) {
            return Err(ScimError::mutability(format!(
                "{}.{} is immutable: a value cannot be edited, only added or removed",
                attribute.name, sub.name
            )));
        }
    }
    Ok(())
}

fn set_sub_attribute(
    existing: Option<Value>,
    attribute: &Attribute,
    sub: &Attribute,
    value: &Value,
) -> Result<Option<Value>, ScimError> {
    let normalized = normalize_attribute(sub, value, ReadOnlyInput::Ignore)?;
    if attribute.multi_valued {
        // `emails.value` without a filter: every value's sub-attribute.
        let Some(Value::Array(mut items)) = existing else {
            return Err(ScimError::no_target(format!(
                "{} has no values to update",
                attribute.name
            )));
        };
        for item in items.iter_mut() {
            if let Value::Object(object) = item {
                store(object, &sub.name, normalized.clone());
            }
        }
        return Ok(Some(Value::Array(items)));
    }
    let mut object = match existing {
        Some(Value::Object(object)) => object,
        _ => Map::new(),
    };
    store(&mut object, &sub.name, normalized);
    Ok((!object.is_empty()).then_some(Value::Object(object)))
}

fn as_array(value: &Value) -> Value {
    match value {
        Value::Array(_) => value.clone(),
        other => Value::Array(vec![other.clone()]),
    }
}

/// Add to a multi-valued attribute. With `dedupe`, a value already present
/// (an existing value holding everything the new one says, such as a member
/// given by `value` alone) is not added again (RFC 7644 §3.5.2.1).
fn append(existing: Option<Value>, incoming: Option<Value>, dedupe: bool) -> Option<Value> {
    let mut items = match existing {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    if let Some(Value::Array(new)) = incoming {
        for item in new {
            if !dedupe || !items.iter().any(|old| holds(old, &item)) {
                items.push(item);
            }
        }
    }
    (!items.is_empty()).then_some(Value::Array(items))
}

/// Whether `old` already holds `new`: equal, or an object with every member of `new`.
fn holds(old: &Value, new: &Value) -> bool {
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            !new.is_empty() && new.iter().all(|(key, value)| old.get(key) == Some(value))
        }
        _ => old == new,
    }
}

/// `emails[0].value` read as `emails.value` (the patch-array-index-ignored fault).
fn strip_array_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        let close = rest[open..].find(']').map(|i| open + i);
        match close {
            Some(close)
                if close > open + 1
                    && rest[open + 1..close].bytes().all(|b| b.is_ascii_digit()) =>
            {
                out.push_str(&rest[..open]);
                rest = &rest[close + 1..];
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Replace/add on a single complex attribute: given sub-attributes replace,
/// the others stay (RFC 7644 §3.5.2.3).
fn merge_complex(existing: Option<Value>, incoming: Option<Value>) -> Option<Value> {
    match (existing, incoming) {
        (Some(Value::Object(mut old)), Some(Value::Object(new))) => {
            for (key, value) in new {
                old.insert(key, value);
            }
            Some(Value::Object(old))
        }
        (old, None) => old,
        (_, new) => new,
    }
}

/// A value newly marked primary takes the flag from the others (RFC 7644 §3.5.2).
fn rebalance_primary(result: Value, incoming: &Value) -> Value {
    let Value::Array(mut items) = result else {
        return result;
    };
    let incoming_items = match incoming {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let newly_primary = items.iter().rposition(|item| {
        item.get("primary") == Some(&Value::Bool(true))
            && incoming_items.iter().any(|new| {
                new.get("primary") == Some(&Value::Bool(true))
                    && new.get("value") == item.get("value")
            })
    });
    if let Some(keep) = newly_primary {
        for (index, item) in items.iter_mut().enumerate() {
            if index != keep
                && let Value::Object(object) = item
                && object.get("primary") == Some(&Value::Bool(true))
            {
                object.insert("primary".into(), Value::Bool(false));
            }
        }
    }
    Value::Array(items)
}

fn store(object: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    match value {
        Some(value) if is_assigned(&value) => {
            object.insert(name.to_string(), value);
        }
        _ => {
            object.remove(name);
        }
    }
}

fn cleanup_extension(data: &mut Map<String, Value>, extension: &Option<String>) {
    if let Some(urn) = extension
        && data.get(urn).is_some_and(|v| !is_assigned(v))
    {
        data.remove(urn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user_type() -> &'static ResourceTypeDef {
        SchemaRegistry::builtin()
            .resource_type("User")
            .expect("User")
    }

    fn patch(data: Value, operations: Value) -> Result<Value, ScimError> {
        patch_with(data, operations, &FaultSet::default())
    }

    fn patch_with(data: Value, operations: Value, faults: &FaultSet) -> Result<Value, ScimError> {
        let mut map = data.as_object().cloned().unwrap_or_default();
        let body = json!({"schemas": [urns::PATCH_OP], "Operations": operations});
        apply(
            SchemaRegistry::builtin(),
            user_type(),
            &mut map,
            &body,
            faults,
        )?;
        Ok(Value::Object(map))
    }

    fn user() -> Value {
        json!({
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "b@work.example", "type": "work", "primary": true},
                {"value": "b@home.example", "type": "home"}
            ]
        })
    }

    #[test]
    fn entra_shapes_string_booleans_bare_manager_and_remove_with_values() {
        let manager = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
        let out = patch(
            user(),
            json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Add", "path": manager, "value": "boss-1"}
            ]),
        )
        .unwrap();
        assert_eq!(out["active"], false);
        assert_eq!(out[urns::ENTERPRISE_USER]["manager"]["value"], "boss-1");
        let out = patch(
            out,
            json!([{"op": "replace", "path": manager, "value": ""}]),
        )
        .unwrap();
        assert!(out.get(urns::ENTERPRISE_USER).is_none(), "{out}");
        // Other strings for booleans, and strings for other complex
        // attributes, stay errors.
        assert!(
            patch(
                user(),
                json!([{"op": "replace", "path": "active", "value": "no"}])
            )
            .is_err()
        );
        assert!(
            patch(
                user(),
                json!([{"op": "replace", "path": "name", "value": "x"}])
            )
            .is_err()
        );
        let out = patch(
            user(),
            json!([{"op": "Remove", "path": "emails", "value": [{"value": "b@home.example"}]}]),
        )
        .unwrap();
        assert_eq!(
            out["emails"],
            json!([{"value": "b@work.example", "type": "work", "primary": true}])
        );
        // Without a value, every value goes (RFC 7644 §3.5.2.2).
        let out = patch(user(), json!([{"op": "remove", "path": "emails"}])).unwrap();
        assert!(out.get("emails").is_none());
        // The faults restore the strict readings.
        let strict = FaultSet::new([
            Fault::PatchStringBooleansRejected,
            Fault::ManagerStringRejected,
            Fault::PatchOpCaseSensitive,
        ]);
        for operation in [
            json!({"op": "replace", "path": "active", "value": "False"}),
            json!({"op": "add", "path": manager, "value": "boss-1"}),
            json!({"op": "Replace", "path": "displayName", "value": "x"}),
        ] {
            assert!(patch_with(user(), json!([operation]), &strict).is_err());
        }
        let out = patch_with(
            user(),
            json!([{"op": "remove", "path": "emails", "value": [{"value": "b@home.example"}]}]),
            &FaultSet::new([Fault::MemberRemoveValueIgnored]),
        )
        .unwrap();
        assert!(out.get("emails").is_none());
    }

    #[test]
    fn replace_with_and_without_path() {
        let out = patch(
            user(),
            json!([{"op": "replace", "path": "displayName", "value": "Babs"}]),
        )
        .unwrap();
        assert_eq!(out["displayName"], "Babs");
        let out = patch(
            user(),
            json!([{"op": "Replace", "value": {"name": {"givenName": "Babs"}, "active": false}}]),
        )
        .unwrap();
        assert_eq!(
            out["name"],
            json!({"givenName": "Babs", "familyName": "Jensen"})
        );
        assert_eq!(out["active"], false);
        let out = patch(
            user(),
            json!([{"op": "replace", "path": "name.familyName", "value": "J"}]),
        )
        .unwrap();
        assert_eq!(out["name"]["familyName"], "J");
    }

    #[test]
    fn value_filters_select_values() {
        let out = patch(user(), json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@work.example"}])).unwrap();
        assert_eq!(out["emails"][0]["value"], "new@work.example");
        assert_eq!(out["emails"][1]["value"], "b@home.example");
        let err = patch(
            user(),
            json!([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "x"}]),
        )
        .unwrap_err();
        assert_eq!(err.scim_type, Some("noTarget"));
        let out = patch(
            user(),
            json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]),
        )
        .unwrap();
        assert_eq!(out["emails"].as_array().unwrap().len(), 1);
        let out = patch(
            user(),
            json!([{"op": "remove", "path": "emails[type eq \"nothing\"]"}]),
        )
        .unwrap();
        assert_eq!(out["emails"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn add_appends_and_rebalances_primary() {
        let out = patch(user(), json!([{"op": "add", "path": "emails", "value": [{"value": "c@x.example", "type": "other", "primary": true}]}])).unwrap();
        let emails = out["emails"].as_array().unwrap();
        assert_eq!(emails.len(), 3);
        let primaries: Vec<&Value> = emails.iter().filter(|e| e["primary"] == true).collect();
        assert_eq!(primaries.len(), 1);
        assert_eq!(primaries[0]["value"], "c@x.example");
    }

    #[test]
    fn errors_and_atomicity_inputs() {
        assert_eq!(
            patch(user(), json!([{"op": "remove"}]))
                .unwrap_err()
                .scim_type,
            Some("noTarget")
        );
        assert_eq!(
            patch(user(), json!([{"op": "remove", "path": "userName"}]))
                .unwrap_err()
                .scim_type,
            Some("mutability")
        );
        assert_eq!(
            patch(
                user(),
                json!([{"op": "replace", "path": "id", "value": "x"}])
            )
            .unwrap_err()
            .scim_type,
            Some("mutability")
        );
        assert_eq!(
            patch(
                user(),
                json!([{"op": "replace", "path": "shoeSize", "value": 1}])
            )
            .unwrap_err()
            .scim_type,
            Some("invalidPath")
        );
        assert_eq!(
            patch(user(), json!([{"op": "move", "path": "userName"}]))
                .unwrap_err()
                .scim_type,
            Some("invalidSyntax")
        );
        // ("False" is Entra's legacy disable and taken as false.)
        assert_eq!(
            patch(
                user(),
                json!([{"op": "replace", "path": "active", "value": "no"}])
            )
            .unwrap_err()
            .scim_type,
            Some("invalidValue")
        );
        assert_eq!(
            patch(user(), json!([])).unwrap_err().scim_type,
            Some("invalidSyntax")
        );
    }

    #[test]
    fn extension_paths() {
        let out = patch(user(), json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "42"}])).unwrap();
        assert_eq!(
            out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
            "42"
        );
        let out = patch(out, json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}])).unwrap();
        assert!(
            out.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                .is_none()
        );
    }

    #[test]
    fn primary_through_a_filter_rebalances_and_present_values_are_not_added_twice() {
        let out = patch(
            user(),
            json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
        )
        .unwrap();
        assert_eq!(out["emails"][0]["primary"], false);
        assert_eq!(out["emails"][1]["primary"], true);
        let out = patch(
            user(),
            json!([{"op": "add", "path": "emails", "value": [{"value": "b@home.example"}]}]),
        )
        .unwrap();
        assert_eq!(out["emails"].as_array().unwrap().len(), 2);
        let duplicates = FaultSet::new([Fault::PatchAddDuplicates]);
        let out = patch_with(
            user(),
            json!([{"op": "add", "path": "emails", "value": [{"value": "b@home.example"}]}]),
            &duplicates,
        )
        .unwrap();
        assert_eq!(out["emails"].as_array().unwrap().len(), 3);
        assert_eq!(strip_array_indexes("emails[0].value"), "emails.value");
        assert_eq!(
            strip_array_indexes("emails[type eq \"work\"]"),
            "emails[type eq \"work\"]"
        );
    }

    #[test]
    fn faults_change_remove_with_filter() {
        let noop = FaultSet::new([Fault::PatchRemoveFilterNoop]);
        let out = patch_with(
            user(),
            json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]),
            &noop,
        )
        .unwrap();
        assert_eq!(out["emails"].as_array().unwrap().len(), 2);
        let all = FaultSet::new([Fault::PatchRemoveFilterRemovesAll]);
        let out = patch_with(
            user(),
            json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]),
            &all,
        )
        .unwrap();
        assert!(out.get("emails").is_none());
    }

    #[test]
    fn member_sub_attributes_are_immutable() {
        let group_type = SchemaRegistry::builtin()
            .resource_type("Group")
            .expect("Group");
        let group_patch = |operations: Value, faults: &FaultSet| {
            let mut map = json!({
                "displayName": "g",
                "members": [{"value": "u1", "type": "User"}, {"value": "u2", "type": "User"}]
            })
            .as_object()
            .cloned()
            .unwrap_or_default();
            let body = json!({"schemas": [urns::PATCH_OP], "Operations": operations});
            apply(
                SchemaRegistry::builtin(),
                group_type,
                &mut map,
                &body,
                faults,
            )
            .map(|()| Value::Object(map))
        };
        let none = FaultSet::default();
        for path in ["members[value eq \"u1\"].value", "members.value"] {
            let error = group_patch(
                json!([{"op": "replace", "path": path, "value": "u3"}]),
                &none,
            )
            .unwrap_err();
            assert_eq!(error.scim_type, Some("mutability"), "{path}");
        }
        // The value it already has is no modification; adding and removing
        // whole members stays allowed.
        let same = group_patch(
            json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u1"}]),
            &none,
        )
        .unwrap();
        assert_eq!(same["members"][0]["value"], "u1");
        let out = group_patch(
            json!([
                {"op": "remove", "path": "members[value eq \"u1\"]"},
                {"op": "add", "path": "members", "value": [{"value": "u3"}]}
            ]),
            &none,
        )
        .unwrap();
        assert_eq!(out["members"].as_array().map(Vec::len), Some(2));
        let editable = FaultSet::new([Fault::MemberValueEditable]);
        let out = group_patch(
            json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u3"}]),
            &editable,
        )
        .unwrap();
        assert_eq!(out["members"][0]["value"], "u3");
    }
}
