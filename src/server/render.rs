//! Output: the full representation of a stored resource, and the
//! `attributes` / `excludedAttributes` projection (RFC 7644 §3.4.2.5, §3.9)
//! driven by each attribute's `returned` characteristic.

use serde_json::{Map, Value, json};

use super::faults::{Fault, FaultSet};
use super::store::{Store, Stored};
use crate::scim::schema::{Attribute, ResourceTypeDef, Returned, SchemaRegistry};

/// The complete representation (everything but `returned: never`).
pub fn full(
    registry: &SchemaRegistry,
    resource_type: &ResourceTypeDef,
    store: &Store,
    stored: &Stored,
    base_url: &str,
    faults: &FaultSet,
) -> Value {
    let mut out = Map::new();
    let mut schemas = vec![Value::String(resource_type.schema.clone())];
    for extension in &resource_type.extensions {
        if stored.data.contains_key(&extension.schema) && !faults.has(Fault::ExtensionUrnNotListed)
        {
            schemas.push(Value::String(extension.schema.clone()));
        }
    }
    if faults.has(Fault::SchemasUndeclaredUrn) {
        schemas.push(Value::String(UNDECLARED_URN.into()));
    }
    out.insert("schemas".into(), Value::Array(schemas));
    out.insert("id".into(), Value::String(stored.id.clone()));
    let core = registry.schema(&resource_type.schema);
    for (key, value) in &stored.data {
        let never = core
            .and_then(|schema| schema.attribute(key))
            .is_some_and(|attribute| attribute.returned == Returned::Never);
        if never && !faults.has(Fault::PasswordReturned) {
            continue;
        }
        if key == "members" && faults.has(Fault::GroupMembersOmitted) {
            continue;
        }
        let value = if key == "members" {
            with_member_refs(value, store, base_url, faults.has(Fault::MemberTypeWrong))
        } else {
            value.clone()
        };
        out.insert(key.clone(), value);
    }
    if resource_type.name == "User" {
        let mut groups = if faults.has(Fault::UserGroupsStale) {
            groups_at_user_write(store, &stored.id, base_url)
        } else {
            groups_of(store, &stored.id, base_url)
        };
        if faults.has(Fault::UserGroupsDisplayAsValue) {
            for group in groups.iter_mut() {
                group["value"] = group.get("display").cloned().unwrap_or(Value::Null);
            }
        }
        if !groups.is_empty() {
            out.insert("groups".into(), Value::Array(groups));
        }
    }
    if !faults.has(Fault::MetaMissing) {
        let (created, modified) = if faults.has(Fault::EpochDates) {
            (
                json!(stored.created.timestamp()),
                json!(stored.modified.timestamp()),
            )
        } else {
            (
                json!(
                    stored
                        .created
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                ),
                json!(
                    stored
                        .modified
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                ),
            )
        };
        out.insert(
            "meta".into(),
            json!({
                "resourceType": resource_type.name,
                "created": created,
                "lastModified": modified,
                "location": if faults.has(Fault::MetaLocationCollection) {
                    format!("{base_url}{}", resource_type.endpoint)
                } else {
                    location_with_faults(base_url, resource_type, &stored.id, faults)
                },
                "version": stored.etag(),
            }),
        );
    }
    if faults.has(Fault::RefMissingEndpoint) {
        for key in ["members", "groups"] {
            for item in values_mut(&mut out, key) {
                if let Some(id) = item.get("value").and_then(Value::as_str) {
                    item["$ref"] = Value::String(format!("{base_url}/{id}"));
                }
            }
        }
    }
    if faults.has(Fault::RefSingularEndpoint) {
        for key in ["members", "groups"] {
            for item in values_mut(&mut out, key) {
                if let Some(reference) = item.get("$ref").and_then(Value::as_str) {
                    let singular = reference
                        .replacen("/Users/", "/User/", 1)
                        .replacen("/Groups/", "/Group/", 1);
                    item["$ref"] = Value::String(singular);
                }
            }
        }
    }
    if faults.has(Fault::CountryExpanded) {
        for item in values_mut(&mut out, "addresses") {
            if let Some(code) = item.get("country").and_then(Value::as_str) {
                item["country"] = Value::String(country_name(code));
            }
        }
    }
    if faults.has(Fault::CertificatePem) {
        for item in values_mut(&mut out, "x509Certificates") {
            if let Some(text) = item.get("value").and_then(Value::as_str) {
                let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
                for line in text.as_bytes().chunks(64) {
                    pem.push_str(&String::from_utf8_lossy(line));
                    pem.push('\n');
                }
                pem.push_str("-----END CERTIFICATE-----\n");
                item["value"] = Value::String(pem);
            }
        }
    }
    if faults.has(Fault::BinaryLineWrapped) {
        for item in values_mut(&mut out, "x509Certificates") {
            if let Some(text) = item.get("value").and_then(Value::as_str) {
                let lines: Vec<String> = text
                    .as_bytes()
                    .chunks(76)
                    .map(|line| String::from_utf8_lossy(line).into_owned())
                    .collect();
                item["value"] = Value::String(lines.join("\n") + "\n");
            }
        }
    }
    if faults.has(Fault::SingleValueUnwrapped) {
        for (key, value) in out.iter_mut() {
            if key != "schemas"
                && let Value::Array(items) = value
                && items.len() == 1
            {
                *value = items.remove(0);
            }
        }
    }
    let mut value = Value::Object(out);
    if faults.has(Fault::StringBooleans) {
        stringify_booleans(&mut value);
    }
    value
}

/// The `country-expanded` fault: a few ISO 3166-1 alpha-2 codes spelt out,
/// as a server that maps codes to display names would.
/// The values of a multi-valued attribute, if the representation has it.
fn values_mut<'a>(
    out: &'a mut Map<String, Value>,
    name: &str,
) -> impl Iterator<Item = &'a mut Value> {
    out.get_mut(name)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

fn country_name(code: &str) -> String {
    let name = match code.to_ascii_uppercase().as_str() {
        "US" => "United States",
        "SE" => "Sweden",
        "DE" => "Germany",
        "FR" => "France",
        "GB" => "United Kingdom",
        _ => code,
    };
    name.to_string()
}

/// Characters escaped in an id used as a path segment (RFC 3986 §3.3).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

pub fn location(base_url: &str, resource_type: &ResourceTypeDef, id: &str) -> String {
    format!(
        "{}{}/{}",
        base_url,
        resource_type.endpoint,
        percent_encoding::utf8_percent_encode(id, PATH_SEGMENT)
    )
}

/// The `schemas-undeclared-urn` fault's vendor URN, which no resource type declares.
const UNDECLARED_URN: &str = "urn:example:scim:schemas:extension:audit:2.0:Resource";

/// [`location`], with the `location-query-string` fault's tenant query
/// (a multi-tenant server echoing its tenant selector into resource URIs).
pub fn location_with_faults(
    base_url: &str,
    resource_type: &ResourceTypeDef,
    id: &str,
    faults: &FaultSet,
) -> String {
    let plain = location(base_url, resource_type, id);
    if faults.has(Fault::LocationQueryString) {
        format!("{plain}?tenant=default")
    } else {
        plain
    }
}

fn endpoint_of(kind: &str) -> &'static str {
    if kind == "Group" { "/Groups" } else { "/Users" }
}

fn with_member_refs(members: &Value, store: &Store, base_url: &str, wrong_type: bool) -> Value {
    let Some(items) = members.as_array() else {
        return members.clone();
    };
    Value::Array(
        items
            .iter()
            .map(|member| {
                let mut member = member.clone();
                if let Some(id) = member.get("value").and_then(Value::as_str)
                    && let Some(target) = store.find(id)
                {
                    let reference = format!(
                        "{base_url}{}/{}",
                        endpoint_of(&target.resource_type),
                        target.id
                    );
                    member["$ref"] = Value::String(reference);
                    member["type"] = Value::String(if wrong_type {
                        "Group".to_string()
                    } else {
                        target.resource_type.clone()
                    });
                }
                member
            })
            .collect(),
    )
}

/// User.groups: direct memberships, then groups reached through nested groups.
/// `user-groups-stale`: the direct groups as they were when the user itself
/// was last written (those since deleted are left out).
fn groups_at_user_write(store: &Store, user_id: &str, base_url: &str) -> Vec<Value> {
    store
        .groups_at_user_write(user_id)
        .filter_map(|group_id| store.get("Group", group_id))
        .map(|group| {
            let mut entry = json!({
                "value": group.id,
                "$ref": format!("{base_url}/Groups/{}", group.id),
                "type": "direct",
            });
            if let Some(name) = group.data.get("displayName") {
                entry["display"] = name.clone();
            }
            entry
        })
        .collect()
}

fn groups_of(store: &Store, user_id: &str, base_url: &str) -> Vec<Value> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut frontier: Vec<(String, &str)> = store
        .groups_of(user_id)
        .map(|g| (g.to_string(), "direct"))
        .collect();
    while let Some((group_id, kind)) = frontier.pop() {
        if seen.contains(&group_id) {
            continue;
        }
        seen.push(group_id.clone());
        if let Some(group) = store.get("Group", &group_id) {
            let mut entry = json!({
                "value": group.id,
                "$ref": format!("{base_url}/Groups/{}", group.id),
                "type": kind,
            });
            if let Some(name) = group.data.get("displayName") {
                entry["display"] = name.clone();
            }
            out.push(entry);
        }
        frontier.extend(
            store
                .groups_of(&group_id)
                .map(|g| (g.to_string(), "indirect")),
        );
    }
    out
}

fn stringify_booleans(value: &mut Value) {
    match value {
        Value::Bool(flag) => *value = Value::String(flag.to_string()),
        Value::Array(items) => items.iter_mut().for_each(stringify_booleans),
        Value::Object(object) => object.values_mut().for_each(stringify_booleans),
        _ => {}
    }
}

/// One entry of `attributes` / `excludedAttributes`.
#[derive(Debug, Clone, PartialEq)]
struct AttrRef {
    /// Canonical schema URN, or None for the core schema and common attributes.
    schema: Option<String>,
    /// Written with a URN prefix.
    qualified: bool,
    /// None: the whole schema (an extension URN on its own).
    name: Option<String>,
    sub: Option<String>,
}

/// A parsed `attributes` / `excludedAttributes` pair.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    attributes: Option<Vec<AttrRef>>,
    excluded: Vec<AttrRef>,
    /// Faults that change how attributes are selected.
    faults: FaultSet,
}

impl Projection {
    pub fn new(
        resource_type: &ResourceTypeDef,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Projection {
        let parse = |text: &str| -> Vec<AttrRef> {
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| parse_ref(resource_type, s))
                .collect()
        };
        Projection {
            attributes: attributes.map(parse).filter(|refs| !refs.is_empty()),
            excluded: excluded.map(parse).unwrap_or_default(),
            faults: FaultSet::default(),
        }
    }

    /// Applies the selection faults the server runs with.
    pub fn with_faults(mut self, faults: &FaultSet) -> Projection {
        self.faults = faults.clone();
        let ignore_subs = faults.has(Fault::SubAttributeSelectionIgnored);
        let ignore_urns = faults.has(Fault::UrnAttributeSelectionIgnored);
        let adjust = |r: &mut AttrRef| {
            if ignore_subs {
                r.sub = None;
            }
            if ignore_urns && r.qualified && r.name.is_some() {
                r.name = Some(String::new());
            }
        };
        if let Some(refs) = &mut self.attributes {
            refs.iter_mut().for_each(adjust);
        }
        self.excluded.iter_mut().for_each(adjust);
        self
    }

    pub fn is_identity(&self) -> bool {
        self.attributes.is_none() && self.excluded.is_empty()
    }

    /// Applies the projection to a full representation.
    pub fn apply(
        &self,
        registry: &SchemaRegistry,
        resource_type: &ResourceTypeDef,
        full: &Value,
    ) -> Value {
        let Some(object) = full.as_object() else {
            return full.clone();
        };
        let mut out = Map::new();
        for (key, value) in object {
            if key == "id"
                && self.faults.has(Fault::IdExcludable)
                && self
                    .excluded
                    .iter()
                    .any(|r| r.name.as_deref() == Some("id"))
            {
                continue;
            }
            if key == "schemas" || key == "id" {
                out.insert(key.clone(), value.clone());
                continue;
            }
            let extension = resource_type
                .extensions
                .iter()
                .find(|ext| ext.schema == *key)
                .and_then(|ext| registry.schema(&ext.schema));
            if let Some(schema) = extension {
                if self.faults.has(Fault::ExclusionDropsExtensions) && !self.excluded.is_empty() {
                    continue;
                }
                let scope = Some(schema.id.clone());
                let kept = self.project_scope(value, &scope, |name| schema.attribute(name));
                if let Some(kept) = kept {
                    out.insert(key.clone(), kept);
                }
                continue;
            }
            let Some((_, attribute)) = registry.resolve(resource_type, None, &[key.as_str()])
            else {
                out.insert(key.clone(), value.clone());
                continue;
            };
            if let Some(kept) = self.project_attribute(&None, attribute, value) {
                out.insert(key.clone(), kept);
            }
        }
        Value::Object(out)
    }

    /// An extension object: whole-schema references apply to all of it.
    fn project_scope<'a>(
        &self,
        value: &Value,
        scope: &Option<String>,
        lookup: impl Fn(&str) -> Option<&'a Attribute>,
    ) -> Option<Value> {
        let object = value.as_object()?;
        let whole_requested = self
            .attributes
            .as_ref()
            .is_some_and(|refs| refs.iter().any(|r| r.schema == *scope && r.name.is_none()));
        let whole_excluded = self
            .excluded
            .iter()
            .any(|r| r.schema == *scope && r.name.is_none());
        if whole_excluded {
            return None;
        }
        let mut out = Map::new();
        for (key, item) in object {
            let Some(attribute) = lookup(key) else {
                continue;
            };
            let kept = if whole_requested {
                Some(item.clone())
            } else {
                self.project_attribute(scope, attribute, item)
            };
            if let Some(kept) = kept {
                out.insert(key.clone(), kept);
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }

    fn refs_for<'r>(
        &self,
        refs: &'r [AttrRef],
        scope: &Option<String>,
        name: &str,
    ) -> Vec<&'r AttrRef> {
        let case_sensitive = self.faults.has(Fault::AttributeSelectionCaseSensitive);
        refs.iter()
            .filter(|r| {
                r.schema == *scope
                    && r.name.as_deref().is_some_and(|n| {
                        if case_sensitive {
                            n == name
                        } else {
                            n.eq_ignore_ascii_case(name)
                        }
                    })
            })
            .collect()
    }

    fn project_attribute(
        &self,
        scope: &Option<String>,
        attribute: &Attribute,
        value: &Value,
    ) -> Option<Value> {
        match attribute.returned {
            Returned::Always => return Some(value.clone()),
            Returned::Never if self.faults.has(Fault::PasswordReturned) => {
                return Some(value.clone());
            }
            Returned::Never => return None,
            Returned::Default | Returned::Request => {}
        }
        let excluded = self.refs_for(&self.excluded, scope, &attribute.name);
        match &self.attributes {
            Some(requested) => {
                let named = self.refs_for(requested, scope, &attribute.name);
                if named.is_empty() {
                    return None;
                }
                if named.iter().any(|r| r.sub.is_none()) {
                    return Some(value.clone());
                }
                let subs: Vec<&str> = named.iter().filter_map(|r| r.sub.as_deref()).collect();
                keep_sub_attributes(attribute, value, |sub| {
                    sub.returned == Returned::Always
                        || subs.iter().any(|s| s.eq_ignore_ascii_case(&sub.name))
                })
            }
            None => {
                if attribute.returned == Returned::Request {
                    return None;
                }
                if attribute.name == "meta" && self.faults.has(Fault::MetaNotExcludable) {
                    return Some(value.clone());
                }
                if excluded.iter().any(|r| r.sub.is_none()) {
                    return None;
                }
                let dropped: Vec<&str> = excluded.iter().filter_map(|r| r.sub.as_deref()).collect();
                if dropped.is_empty() {
                    return Some(value.clone());
                }
                keep_sub_attributes(attribute, value, |sub| {
                    sub.returned == Returned::Always
                        || !dropped.iter().any(|s| s.eq_ignore_ascii_case(&sub.name))
                })
            }
        }
    }
}

/// Keeps the sub-attributes `keep` accepts, in every value of the attribute.
fn keep_sub_attributes(
    attribute: &Attribute,
    value: &Value,
    keep: impl Fn(&Attribute) -> bool,
) -> Option<Value> {
    let filter_one = |item: &Value| -> Option<Value> {
        let object = item.as_object()?;
        let kept: Map<String, Value> = object
            .iter()
            .filter(|(key, _)| attribute.sub_attribute(key).is_some_and(&keep))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        (!kept.is_empty()).then_some(Value::Object(kept))
    };
    match value {
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(filter_one).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Object(_) => filter_one(value),
        other => Some(other.clone()),
    }
}

fn parse_ref(resource_type: &ResourceTypeDef, text: &str) -> AttrRef {
    let schemas = std::iter::once(resource_type.schema.as_str())
        .chain(resource_type.extensions.iter().map(|e| e.schema.as_str()));
    let canonical = |urn: &str| -> Option<String> {
        let found = std::iter::once(resource_type.schema.as_str())
            .chain(resource_type.extensions.iter().map(|e| e.schema.as_str()))
            .find(|s| s.eq_ignore_ascii_case(urn))?;
        // The core schema's attributes live at the top level.
        (found != resource_type.schema).then(|| found.to_string())
    };
    for schema in schemas {
        if text.eq_ignore_ascii_case(schema) {
            return AttrRef {
                schema: canonical(schema),
                qualified: true,
                name: None,
                sub: None,
            };
        }
    }
    let qualified = text
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    let (schema, rest) = if qualified {
        match text.rsplit_once(':') {
            Some((urn, rest)) => (canonical(urn), rest),
            None => (None, text),
        }
    } else {
        (None, text)
    };
    let mut parts = rest.splitn(2, '.');
    AttrRef {
        schema,
        qualified,
        name: parts.next().map(str::to_string),
        sub: parts.next().map(str::to_string),
    }
}
