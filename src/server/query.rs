//! Queries (RFC 7644 §3.4.2): filter, sort, paginate and project, for GET on
//! a resource endpoint, POST /.search, and root-level search.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::error::ScimError;
use super::faults::{Fault, FaultSet};
use super::render::{self, Projection};
use super::store::{Store, Stored};
use crate::scim::filter::{self, AttrInfo, CompValue, CompareOp, Filter, SchemaInfo};
use crate::scim::schema::{ResourceTypeDef, SchemaRegistry};
use crate::scim::urns;

/// The most resources one page holds (ServiceProviderConfig filter.maxResults).
pub const MAX_RESULTS: usize = 1000;

/// Query parameters, from the URL or a SearchRequest body.
#[derive(Debug, Clone, Default)]
pub struct QueryParams {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl QueryParams {
    /// From URL query pairs (names case-insensitive; bad integers are errors).
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<QueryParams, ScimError> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let integer = |name: &str| -> Result<Option<i64>, ScimError> {
            get(name)
                .map(|text| {
                    text.trim()
                        .parse::<i64>()
                        .map_err(|_| ScimError::invalid_value(format!("{name} must be an integer")))
                })
                .transpose()
        };
        Ok(QueryParams {
            filter: get("filter"),
            sort_by: get("sortBy"),
            sort_order: get("sortOrder"),
            start_index: integer("startIndex")?,
            count: integer("count")?,
            attributes: get("attributes"),
            excluded_attributes: get("excludedAttributes"),
        })
    }

    /// From a SearchRequest body (RFC 7644 §3.4.3).
    /// `lenient`: the `search-urn-not-required` fault.
    pub fn from_search_request(body: &Value, lenient: bool) -> Result<QueryParams, ScimError> {
        let Some(object) = body.as_object() else {
            return Err(ScimError::invalid_syntax(
                "a SearchRequest is a JSON object",
            ));
        };
        let has_urn = object
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(urns::SEARCH_REQUEST)));
        if !has_urn && !lenient {
            return Err(ScimError::invalid_syntax(format!(
                "schemas must contain {}",
                urns::SEARCH_REQUEST
            )));
        }
        let get = |name: &str| {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Array(items)) => Ok(Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                )),
                Some(_) => Err(ScimError::invalid_value(format!(
                    "{name} has the wrong type"
                ))),
            }
        };
        let integer = |name: &str| -> Result<Option<i64>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(value) => value
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| ScimError::invalid_value(format!("{name} must be an integer"))),
            }
        };
        Ok(QueryParams {
            filter: text("filter")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
            start_index: integer("startIndex")?,
            count: integer("count")?,
            attributes: text("attributes")?,
            excluded_attributes: text("excludedAttributes")?,
        })
    }
}

/// Answers a query over one or more resource types with a ListResponse body.
pub fn run(
    registry: &SchemaRegistry,
    resource_types: &[&ResourceTypeDef],
    store: &Store,
    base_url: &str,
    faults: &FaultSet,
    params: &QueryParams,
) -> Result<Value, ScimError> {
    let parsed = match (&params.filter, faults.has(Fault::FilterIgnored)) {
        (Some(text), false) => match filter::parse_filter(text) {
            Ok(parsed) => Some(parsed),
            Err(_) if faults.has(Fault::InvalidFilterAccepted) => {
                return Ok(list_body(Vec::new(), 0, 1, faults));
            }
            Err(err) => return Err(ScimError::invalid_filter(err.to_string())),
        },
        _ => None,
    };
    if faults.has(Fault::ExternalIdNotFilterable)
        && let Some(parsed) = &parsed
        && names_attribute(parsed, "externalId")
    {
        return Err(ScimError::invalid_filter(
            "filtering on externalId is not supported",
        ));
    }
    let parsed = parsed.map(|parsed| faulty_filter(parsed, faults));
    // userName literals are compared in their PRECIS form (RFC 7644 §5),
    // as the stored views hold them.
    let parsed = parsed.map(|parsed| prepare_user_names(parsed, store));
    if resource_types.len() > 1
        && faults.has(Fault::RootMissingAttribute400)
        && let Some(parsed) = &parsed
        && let Some(name) = name_some_type_lacks(parsed, registry, resource_types)
    {
        return Err(ScimError::invalid_filter(format!(
            "{name} is not an attribute of every resource type"
        )));
    }
    // On a resource-type endpoint, a filter on an attribute that none of the
    // type's schemas define is refused with invalidFilter ("the specified
    // attribute and filter comparison combination is not supported", RFC
    // 7644 Table 9), as draft-zollner-scim-interop-profile-01 §6.3 requires.
    // Root queries span several types and keep the RFC 7644 §3.4.2.1 rule.
    if resource_types.len() == 1
        && !faults.has(Fault::FilterUndefinedAttributeAccepted)
        && let Some(parsed) = &parsed
        && let Some(name) = name_some_type_lacks(parsed, registry, resource_types)
    {
        return Err(ScimError::invalid_filter(format!(
            "{name} is not an attribute of resource type {}",
            resource_types.first().map_or("", |rt| rt.name.as_str())
        )));
    }
    if let Some(parsed) = &parsed
        && faults.has(Fault::AttributeNamesCaseSensitive)
        && !names_canonical(parsed, registry, resource_types)
    {
        let page = page_bounds(0, params, faults)?;
        return Ok(list_response(Vec::new(), 0, &page, params, faults));
    }

    // Filter and sort on each resource's stored view; render only the page.
    let full_render = parsed.as_ref().is_some_and(needs_full_render);
    let mut matches: Vec<Match<'_>> = Vec::new();
    for resource_type in resource_types {
        let info = CaseInfo {
            inner: registry.info_for(resource_type),
            force_case_exact: faults.has(Fault::FilterCaseSensitive),
            force_case_insensitive: faults.has(Fault::FilterIgnoresCaseExact),
            id_case_insensitive: faults.has(Fault::IdCaseInsensitive),
        };
        for stored in candidates(store, resource_type, parsed.as_ref()) {
            if faults.has(Fault::SoftDeletedHidden) && soft_deleted(stored) {
                continue;
            }
            let rendered = full_render
                .then(|| render::full(registry, resource_type, store, stored, base_url, faults));
            let keep = match &parsed {
                Some(parsed) => {
                    // The rendering holds the userName as sent; filters see
                    // it prepared, as in the stored view.
                    let prepared_rendering = rendered.as_ref().and_then(|full| {
                        let name = full.get("userName")?.as_str()?;
                        let prepared = store.filter_user_name(name);
                        (prepared != name).then(|| {
                            let mut full = full.clone();
                            full["userName"] = Value::String(prepared);
                            full
                        })
                    });
                    let view = prepared_rendering
                        .as_ref()
                        .or(rendered.as_ref())
                        .unwrap_or(&stored.view);
                    let first_values;
                    let view = if faults.has(Fault::FilterFirstValueOnly) {
                        first_values = first_values_only(view);
                        &first_values
                    } else {
                        view
                    };
                    filter::matches(parsed, view, &info)
                        .map_err(|e| ScimError::invalid_filter(e.to_string()))?
                }
                None => true,
            };
            if keep {
                matches.push(Match {
                    resource_type,
                    stored,
                    rendered,
                });
            }
        }
    }

    if let Some(sort_by) = &params.sort_by
        && !faults.has(Fault::SortIgnored)
    {
        let descending = match params.sort_order.as_deref().map(str::to_ascii_lowercase) {
            None => false,
            Some(order) if order == "ascending" => false,
            Some(order) if order == "descending" => true,
            Some(other) => {
                return Err(ScimError::invalid_value(format!(
                    "sortOrder must be ascending or descending, not {other:?}"
                )));
            }
        };
        if !(faults.has(Fault::SortSubAttributeIgnored) && sort_by.contains('.')) {
            sort(&mut matches, registry, sort_by, descending, faults);
        }
    }

    let page = page_bounds(matches.len(), params, faults)?;
    let total = matches.len();
    let resources: Vec<Value> = matches
        .into_iter()
        .skip(page.skip)
        .take(page.count)
        .map(|found| {
            let full = found.rendered.unwrap_or_else(|| {
                render::full(
                    registry,
                    found.resource_type,
                    store,
                    found.stored,
                    base_url,
                    faults,
                )
            });
            project(registry, found.resource_type, &full, params, faults)
        })
        .collect();
    Ok(list_response(resources, total, &page, params, faults))
}

/// One resource that matched, rendered already if the filter needed it.
struct Match<'s> {
    resource_type: &'s ResourceTypeDef,
    stored: &'s crate::server::store::Stored,
    rendered: Option<Value>,
}

/// Filters on values only the full rendering has (User.groups, meta.location).
fn needs_full_render(parsed: &Filter) -> bool {
    let special = |path: &filter::AttrPath| {
        path.name.eq_ignore_ascii_case("groups")
            || (path.name.eq_ignore_ascii_case("meta")
                && path
                    .sub_attr
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("location")))
            || path
                .sub_attr
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("$ref"))
    };
    match parsed {
        Filter::Compare { path, .. } | Filter::Present(path) => special(path),
        Filter::And(a, b) | Filter::Or(a, b) => needs_full_render(a) || needs_full_render(b),
        Filter::Not(inner) => needs_full_render(inner),
        Filter::ValuePath { path, filter } => special(path) || needs_full_render(filter),
    }
}

fn project(
    registry: &SchemaRegistry,
    resource_type: &ResourceTypeDef,
    full: &Value,
    params: &QueryParams,
    faults: &FaultSet,
) -> Value {
    let projection = Projection::new(
        resource_type,
        params
            .attributes
            .as_deref()
            .filter(|_| !faults.has(Fault::AttributesIgnored)),
        params
            .excluded_attributes
            .as_deref()
            .filter(|_| !faults.has(Fault::ExcludedAttributesIgnored)),
    )
    .with_faults(faults);
    if projection.is_identity() {
        return full.clone();
    }
    projection.apply(registry, resource_type, full)
}

struct Page {
    start: usize,
    skip: usize,
    count: usize,
    requested: Option<usize>,
}

/// Pagination (RFC 7644 §3.4.2.4): startIndex below 1 is 1, a negative count is 0.
fn page_bounds(total: usize, params: &QueryParams, faults: &FaultSet) -> Result<Page, ScimError> {
    if total == 0 && faults.has(Fault::NoMatch404) {
        return Err(ScimError::not_found("no resources match"));
    }
    if faults.has(Fault::StartIndexBelowOneRejected) && params.start_index.is_some_and(|s| s < 1) {
        return Err(ScimError::invalid_value("startIndex must be 1 or more"));
    }
    if faults.has(Fault::NegativeCountRejected) && params.count.is_some_and(|c| c < 0) {
        return Err(ScimError::invalid_value("count must not be negative"));
    }
    if faults.has(Fault::PastEnd404)
        && params
            .start_index
            .is_some_and(|s| s > 1 && s as usize > total)
    {
        return Err(ScimError::not_found("startIndex is past the last result"));
    }
    let start = params.start_index.unwrap_or(1).max(1) as usize;
    let skip = if faults.has(Fault::StartIndexZeroBased) {
        start
    } else {
        start - 1
    };
    let requested = params.count.map(|c| c.max(0) as usize);
    let count = match requested {
        _ if faults.has(Fault::CountIgnored) => usize::MAX,
        Some(0) if faults.has(Fault::CountZeroIsDefault) => MAX_RESULTS,
        Some(count) => count.min(MAX_RESULTS),
        None => MAX_RESULTS,
    };
    Ok(Page {
        start,
        skip,
        count,
        requested,
    })
}

fn list_response(
    resources: Vec<Value>,
    total: usize,
    page: &Page,
    _params: &QueryParams,
    faults: &FaultSet,
) -> Value {
    let page_len = resources.len();
    let mut body = list_body(resources, total, page.start, faults);
    if faults.has(Fault::ItemsPerPageIsCount)
        && let Some(requested) = page.requested
    {
        body["itemsPerPage"] = json!(requested);
    }
    if faults.has(Fault::TotalResultsIsPageSize) {
        body["totalResults"] = json!(page_len);
    }
    body
}

pub fn list_body(resources: Vec<Value>, total: usize, start: usize, faults: &FaultSet) -> Value {
    let key = if faults.has(Fault::ResourcesLowercase) {
        "resources"
    } else {
        "Resources"
    };
    let mut body = Map::new();
    body.insert("schemas".into(), json!([urns::LIST_RESPONSE]));
    body.insert("totalResults".into(), json!(total));
    body.insert("startIndex".into(), json!(start.max(1)));
    body.insert("itemsPerPage".into(), json!(resources.len()));
    body.insert(key.into(), Value::Array(resources));
    if faults.has(Fault::IntegerFractions) {
        for name in ["totalResults", "startIndex", "itemsPerPage"] {
            if let Some(n) = body.get(name).and_then(Value::as_f64) {
                body.insert(name.into(), json!(n));
            }
        }
    }
    Value::Object(body)
}

/// Index look-ups for the filters IdPs send most (`userName eq`,
/// `externalId eq`); everything else scans.
fn candidates<'s>(
    store: &'s Store,
    resource_type: &ResourceTypeDef,
    parsed: Option<&Filter>,
) -> Vec<&'s crate::server::store::Stored> {
    if let Some(Filter::Compare {
        path,
        op: CompareOp::Eq,
        value: CompValue::String(value),
    }) = parsed
        && path.sub_attr.is_none()
        && (path.urn.is_none()
            || path
                .urn
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(&resource_type.schema)))
    {
        if resource_type.name == "User" && path.name.eq_ignore_ascii_case("userName") {
            return store
                .user_by_name(value)
                .and_then(|id| store.get("User", id))
                .into_iter()
                .collect();
        }
        if path.name.eq_ignore_ascii_case("externalId") {
            return store
                .ids_by_external_id(value)
                .filter_map(|id| store.get(&resource_type.name, id))
                .collect();
        }
    }
    store.all(&resource_type.name).collect()
}

/// The `filter-case-sensitive` fault: every string compares case-sensitively;
/// `filter-ignores-case-exact`: every string compares case-insensitively.
struct CaseInfo<'a> {
    inner: crate::scim::schema::ResourceTypeInfo<'a>,
    force_case_exact: bool,
    force_case_insensitive: bool,
    /// `id-case-insensitive`: `id` compares ignoring case.
    id_case_insensitive: bool,
}

impl SchemaInfo for CaseInfo<'_> {
    fn attribute(&self, urn: Option<&str>, path: &[&str]) -> Option<AttrInfo> {
        let mut info = self.inner.attribute(urn, path);
        if self.force_case_exact {
            let mut forced = info.unwrap_or(AttrInfo {
                kind: filter::AttrType::String,
                case_exact: true,
                multi_valued: false,
            });
            forced.case_exact = true;
            info = Some(forced);
        }
        if self.force_case_insensitive
            && let Some(found) = &mut info
        {
            found.case_exact = false;
        }
        if self.id_case_insensitive
            && urn.is_none()
            && matches!(path, [name] if name.eq_ignore_ascii_case("id"))
            && let Some(found) = &mut info
        {
            found.case_exact = false;
        }
        info
    }
}

/// Comparison values of `userName` filters in the form the store compares
/// (PRECIS width mapping and NFC).
fn prepare_user_names(parsed: Filter, store: &Store) -> Filter {
    let is_user_name = |path: &filter::AttrPath| {
        path.name.eq_ignore_ascii_case("userName")
            && path.sub_attr.is_none()
            && path
                .urn
                .as_deref()
                .is_none_or(|urn| urn.eq_ignore_ascii_case(urns::USER))
    };
    match parsed {
        Filter::Compare {
            path,
            op,
            value: CompValue::String(text),
        } if is_user_name(&path) => {
            Filter::compare(path, op, CompValue::String(store.filter_user_name(&text)))
        }
        Filter::And(left, right) => Filter::and(
            prepare_user_names(*left, store),
            prepare_user_names(*right, store),
        ),
        Filter::Or(left, right) => Filter::or(
            prepare_user_names(*left, store),
            prepare_user_names(*right, store),
        ),
        Filter::Not(inner) => Filter::negate(prepare_user_names(*inner, store)),
        other => other,
    }
}

/// The first attribute of the filter that one of the queried resource types
/// does not define (an undefined attribute on a resource-type endpoint; at
/// the root, the `root-missing-attribute-400` fault).
fn name_some_type_lacks(
    parsed: &Filter,
    registry: &SchemaRegistry,
    types: &[&ResourceTypeDef],
) -> Option<String> {
    let lacking = |path: &filter::AttrPath| {
        types
            .iter()
            .any(|rt| {
                registry
                    .resolve(rt, path.urn.as_deref(), &[&path.name])
                    .is_none()
            })
            .then(|| path.name.clone())
    };
    match parsed {
        Filter::Compare { path, .. } | Filter::Present(path) => lacking(path),
        Filter::ValuePath { path, .. } => lacking(path),
        Filter::And(a, b) | Filter::Or(a, b) => name_some_type_lacks(a, registry, types)
            .or_else(|| name_some_type_lacks(b, registry, types)),
        Filter::Not(inner) => name_some_type_lacks(inner, registry, types),
    }
}

/// A User with `active` false (the `soft-deleted-hidden` fault hides them).
pub fn soft_deleted(stored: &Stored) -> bool {
    stored.resource_type == "User" && stored.data.get("active") == Some(&Value::Bool(false))
}

/// Whether the filter names the attribute (the `external-id-not-filterable` fault).
fn names_attribute(parsed: &Filter, name: &str) -> bool {
    match parsed {
        Filter::Compare { path, .. } | Filter::Present(path) | Filter::ValuePath { path, .. } => {
            path.name.eq_ignore_ascii_case(name)
        }
        Filter::And(a, b) | Filter::Or(a, b) => {
            names_attribute(a, name) || names_attribute(b, name)
        }
        Filter::Not(inner) => names_attribute(inner, name),
    }
}

/// The `attribute-names-case-sensitive` fault: names must be spelt as in the schema.
fn names_canonical(parsed: &Filter, registry: &SchemaRegistry, types: &[&ResourceTypeDef]) -> bool {
    let canonical = |name: &str| {
        types.iter().any(|rt| {
            registry
                .resolve(rt, None, &[name])
                .is_some_and(|(_, attribute)| attribute.name == name)
        })
    };
    match parsed {
        Filter::Compare { path, .. } | Filter::Present(path) => canonical(&path.name),
        Filter::And(a, b) | Filter::Or(a, b) => {
            names_canonical(a, registry, types) && names_canonical(b, registry, types)
        }
        Filter::Not(inner) => names_canonical(inner, registry, types),
        Filter::ValuePath { path, .. } => canonical(&path.name),
    }
}

/// Sorts by an attribute: caseExact-aware for strings, unassigned values last
/// when ascending and first when descending (RFC 7644 §3.4.2.3).
fn sort<'s>(
    matches: &mut Vec<Match<'s>>,
    registry: &SchemaRegistry,
    sort_by: &str,
    descending: bool,
    faults: &FaultSet,
) {
    let (urn, segments) = crate::scim::schema::split_attribute_ref(sort_by);
    let case_exact = matches.first().is_some_and(|found| {
        let rt = found.resource_type;
        let path: Vec<&str> = segments.iter().map(String::as_str).collect();
        registry
            .resolve(rt, urn.as_deref(), &path)
            .is_some_and(|(_, attribute)| attribute.case_exact)
    }) || faults.has(Fault::SortCaseSensitive);
    let missing_first = faults.has(Fault::SortMissingFirst);
    let key = |resource: &Value| -> Option<SortKey> {
        let mut current = resource;
        if let Some(urn) = &urn {
            current = lookup(current, urn).unwrap_or(current);
        }
        for segment in &segments {
            current = match current {
                Value::Array(items) => primary_or_first(items)?,
                _ => current,
            };
            current = lookup(current, segment)?;
        }
        if let Value::Array(items) = current {
            current = primary_or_first(items)?;
            if let Some(value) = current.get("value") {
                current = value;
            }
        }
        SortKey::of(current, case_exact)
    };
    // Keys once per resource, then a stable sort (ties keep creation order).
    let mut keyed: Vec<(Option<SortKey>, usize)> = matches
        .iter()
        .enumerate()
        .map(|(index, m)| (key(m.rendered.as_ref().unwrap_or(&m.stored.view)), index))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        let ordering = match (a, b) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) if missing_first => Ordering::Greater,
            (None, Some(_)) if missing_first => Ordering::Less,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        // Unassigned values go last ascending and first descending.
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    let order: Vec<usize> = keyed.into_iter().map(|(_, index)| index).collect();
    let mut slots: Vec<Option<Match<'_>>> = std::mem::take(matches).into_iter().map(Some).collect();
    *matches = order
        .into_iter()
        .filter_map(|index| slots[index].take())
        .collect();
}

fn lookup<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    let object = value.as_object()?;
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn primary_or_first(items: &[Value]) -> Option<&Value> {
    items
        .iter()
        .find(|item| item.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| items.first())
}

#[derive(Debug, PartialEq, PartialOrd)]
enum SortKey {
    Number(f64),
    Text(String),
    Bool(bool),
}

impl SortKey {
    fn of(value: &Value, case_exact: bool) -> Option<SortKey> {
        match value {
            Value::Number(n) => n.as_f64().map(SortKey::Number),
            Value::String(s) if case_exact => Some(SortKey::Text(s.clone())),
            Value::String(s) => Some(SortKey::Text(s.to_lowercase())),
            Value::Bool(b) => Some(SortKey::Bool(*b)),
            _ => None,
        }
    }

    fn cmp(&self, other: &SortKey) -> Ordering {
        self.partial_cmp(other).unwrap_or(Ordering::Equal)
    }
}

// ---- filter faults (RFC 7644 §3.4.2.2) -------------------------------------
//
// The faults rewrite the parsed filter (or the view it is evaluated on) into
// what a buggy server would evaluate; the shared evaluator stays correct.

/// The filter a server with the filter faults in `faults` evaluates.
fn faulty_filter(parsed: Filter, faults: &FaultSet) -> Filter {
    let mut parsed = break_filter(parsed, faults);
    if faults.has(Fault::FilterLeftToRight) {
        parsed = regroup(&parsed, true);
    }
    if faults.has(Fault::FilterGroupingIgnored) {
        parsed = regroup(&parsed, false);
    }
    parsed
}

/// A filter that matches nothing: every resource has an id.
fn never() -> Filter {
    Filter::negate(Filter::Present(filter::AttrPath::new("id")))
}

fn break_filter(parsed: Filter, faults: &FaultSet) -> Filter {
    let urn_fault =
        |path: &filter::AttrPath| path.urn.is_some() && faults.has(Fault::FilterUrnUnrecognised);
    match parsed {
        Filter::And(..) | Filter::Or(..) => {
            let and = matches!(parsed, Filter::And(..)) || faults.has(Fault::FilterOrAsAnd);
            parsed
                .chain()
                .into_iter()
                .map(|operand| break_filter(operand.clone(), faults))
                .reduce(|left, right| {
                    if and {
                        Filter::and(left, right)
                    } else {
                        Filter::or(left, right)
                    }
                })
                .unwrap_or_else(never)
        }
        Filter::Not(inner) if faults.has(Fault::FilterNotIgnored) => break_filter(*inner, faults),
        Filter::Not(inner) => Filter::negate(break_filter(*inner, faults)),
        Filter::ValuePath { path, .. } if urn_fault(&path) => never(),
        // emails[type eq "work" and value co "x"] read as
        // emails.type eq "work" and emails.value co "x".
        Filter::ValuePath { path, filter } if faults.has(Fault::FilterValuePathAnyElement) => {
            break_filter(qualify(*filter, &path), faults)
        }
        Filter::ValuePath { path, filter } => Filter::ValuePath {
            path,
            filter: Box::new(break_filter(*filter, faults)),
        },
        Filter::Present(path) if urn_fault(&path) => never(),
        Filter::Present(path) if faults.has(Fault::FilterPresentEmpty) => Filter::or(
            Filter::Present(path.clone()),
            Filter::compare(path, CompareOp::Eq, CompValue::String(String::new())),
        ),
        Filter::Present(path) => Filter::Present(path),
        Filter::Compare { path, .. } if urn_fault(&path) => never(),
        Filter::Compare { path, op, .. }
            if op.is_ordering()
                && faults.has(Fault::FilterDateOrderingFalse)
                && is_meta_datetime(&path) =>
        {
            never()
        }
        Filter::Compare { path, op, value } => break_compare(path, op, value, faults),
    }
}

fn break_compare(
    path: filter::AttrPath,
    op: CompareOp,
    value: CompValue,
    faults: &FaultSet,
) -> Filter {
    let mut op = match op {
        CompareOp::Ne if faults.has(Fault::FilterNeAsEq) => CompareOp::Eq,
        CompareOp::Co if faults.has(Fault::FilterCoAsSw) => CompareOp::Sw,
        CompareOp::Ew if faults.has(Fault::FilterEwAsCo) => CompareOp::Co,
        CompareOp::Ge if faults.has(Fault::FilterBoundsExclusive) => CompareOp::Gt,
        CompareOp::Le if faults.has(Fault::FilterBoundsExclusive) => CompareOp::Lt,
        op => op,
    };
    let mut value = value;
    if let CompValue::Bool(flag) = value {
        if op.is_ordering() && faults.has(Fault::FilterOrderingOnBooleanAccepted) {
            op = CompareOp::Eq;
        }
        if faults.has(Fault::FilterBooleanAsString) {
            value = CompValue::String(flag.to_string());
        }
    }
    if matches!(op, CompareOp::Sw | CompareOp::Ew) && faults.has(Fault::FilterAffixNotIdentical) {
        return Filter::and(
            Filter::compare(path.clone(), op, value.clone()),
            Filter::negate(Filter::compare(path, CompareOp::Eq, value)),
        );
    }
    Filter::compare(path, op, value)
}

/// `meta.created` and `meta.lastModified`, the dateTimes every resource has.
fn is_meta_datetime(path: &filter::AttrPath) -> bool {
    path.name.eq_ignore_ascii_case("meta")
        && path.sub_attr.as_deref().is_some_and(|sub| {
            sub.eq_ignore_ascii_case("created") || sub.eq_ignore_ascii_case("lastModified")
        })
}

/// The `filter-value-path-any-element` fault: the paths inside a value
/// filter become sub-attributes of its parent, each tested on its own.
fn qualify(inner: Filter, parent: &filter::AttrPath) -> Filter {
    let lift = |path: filter::AttrPath| match path.sub_attr {
        Some(_) => path,
        None => filter::AttrPath {
            urn: parent.urn.clone(),
            name: parent.name.clone(),
            sub_attr: Some(path.name),
        },
    };
    match inner {
        Filter::Compare { path, op, value } => Filter::compare(lift(path), op, value),
        Filter::Present(path) => Filter::Present(lift(path)),
        Filter::And(left, right) => Filter::and(qualify(*left, parent), qualify(*right, parent)),
        Filter::Or(left, right) => Filter::or(qualify(*left, parent), qualify(*right, parent)),
        Filter::Not(inner) => Filter::negate(qualify(*inner, parent)),
        other @ Filter::ValuePath { .. } => other,
    }
}

/// The `filter-left-to-right` and `filter-grouping-ignored` faults: the
/// parentheses are forgotten and the `and`/`or` sequence is rebuilt either
/// strictly left to right or with `and` binding tighter than `or`.
fn regroup(parsed: &Filter, left_to_right: bool) -> Filter {
    let mut operands = Vec::new();
    let mut ands = Vec::new();
    flatten_logic(parsed, left_to_right, &mut operands, &mut ands);
    let mut operands = operands.into_iter();
    let Some(mut current) = operands.next() else {
        return never();
    };
    let mut alternatives = Vec::new();
    for (and, operand) in ands.into_iter().zip(operands) {
        current = match (and, left_to_right) {
            (true, _) => Filter::and(current, operand),
            (false, true) => Filter::or(current, operand),
            (false, false) => {
                alternatives.push(current);
                operand
            }
        };
    }
    alternatives.push(current);
    alternatives
        .into_iter()
        .reduce(Filter::or)
        .unwrap_or_else(never)
}

/// The operands of the `and`/`or` sequence, in order, and whether each
/// operator between them is `and`.
fn flatten_logic(
    parsed: &Filter,
    left_to_right: bool,
    operands: &mut Vec<Filter>,
    ands: &mut Vec<bool>,
) {
    match parsed {
        Filter::And(..) | Filter::Or(..) => {
            let and = matches!(parsed, Filter::And(..));
            for (index, operand) in parsed.chain().into_iter().enumerate() {
                if index > 0 {
                    ands.push(and);
                }
                flatten_logic(operand, left_to_right, operands, ands);
            }
        }
        Filter::Not(inner) => operands.push(Filter::negate(regroup(inner, left_to_right))),
        Filter::ValuePath { path, filter } => operands.push(Filter::ValuePath {
            path: path.clone(),
            filter: Box::new(regroup(filter, left_to_right)),
        }),
        leaf => operands.push(leaf.clone()),
    }
}

/// The `filter-first-value-only` fault: multi-valued attributes keep only
/// their first value.
fn first_values_only(view: &Value) -> Value {
    let mut view = view.clone();
    if let Some(object) = view.as_object_mut() {
        for (name, value) in object.iter_mut() {
            if let Value::Array(items) = value
                && !name.eq_ignore_ascii_case("schemas")
            {
                items.truncate(1);
            }
        }
    }
    view
}
