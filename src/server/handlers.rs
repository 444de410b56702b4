//! HTTP handlers of the reference server.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::AppState;
use super::bulk;
use super::error::ScimError;
use super::faults::Fault;
use super::patch;
use super::query::{self, QueryParams};
use super::render::{self, Projection};
use super::resource::{self, ReadOnlyInput};
use super::store::{Store, Stored};
use crate::scim::schema::ResourceTypeDef;
use crate::scim::urns;

pub type Shared = Arc<AppState>;

/// A SCIM JSON response with the right media type (unless a fault says otherwise).
pub fn scim_response(state: &AppState, status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let media_type = if state.faults.has(Fault::JsonContentType) {
        "application/json"
    } else {
        "application/scim+json"
    };
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response
}

pub fn error_response(state: &AppState, error: &ScimError) -> Response {
    if state.faults.has(Fault::UnknownEndpointHtml)
        && error.status == StatusCode::NOT_FOUND
        && error.detail.contains("endpoint")
    {
        let mut response = (
            StatusCode::NOT_FOUND,
            "<html><body><h1>404 Not Found</h1></body></html>",
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        return response;
    }
    let mut response = scim_response(state, error.status, &error.body(&state.faults));
    if error.status == StatusCode::UNAUTHORIZED && !state.faults.has(Fault::NoWwwAuthenticate) {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"scimspec\""),
        );
    }
    response
}

fn respond(state: &AppState, result: Result<Response, ScimError>) -> Response {
    result.unwrap_or_else(|error| error_response(state, &error))
}

fn query_pairs(raw: &Option<String>) -> Vec<(String, String)> {
    raw.as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn pair<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Requests may be typed application/scim+json or application/json (RFC 7644 §3.8).
fn parse_body(state: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<Value, ScimError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let media = content_type
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let json_refused =
            media == "application/json" && state.faults.has(Fault::JsonRequestsRejected);
        if (media != "application/scim+json" && media != "application/json") || json_refused {
            return Err(ScimError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                None,
                format!("unsupported media type {media:?}: use application/scim+json"),
            ));
        }
    }
    serde_json::from_slice(body).map_err(|e| {
        if state.faults.has(Fault::MalformedJson500) {
            ScimError::internal("unexpected error")
        } else {
            ScimError::invalid_syntax(format!("the body is not valid JSON: {e}"))
        }
    })
}

pub(super) fn resource_type_for<'s>(
    state: &'s AppState,
    endpoint: &str,
) -> Result<&'s ResourceTypeDef, ScimError> {
    state
        .registry
        .resource_types()
        .iter()
        .find(|rt| {
            rt.endpoint
                .trim_start_matches('/')
                .eq_ignore_ascii_case(endpoint)
        })
        .ok_or_else(|| ScimError::not_found(format!("no endpoint /{endpoint}")))
}

fn lock_error() -> ScimError {
    ScimError::internal("the store is unavailable")
}

// ---- discovery -----------------------------------------------------------

pub async fn service_provider_config(
    State(state): State<Shared>,
    RawQuery(raw): RawQuery,
) -> Response {
    if pair(&query_pairs(&raw), "filter").is_some() {
        return error_response(
            &state,
            &ScimError::new(
                StatusCode::FORBIDDEN,
                None,
                "discovery endpoints do not filter",
            ),
        );
    }
    let mut body = json!({
        "schemas": [urns::SERVICE_PROVIDER_CONFIG],
        "documentationUri": "https://github.com/scimspec/scimspec",
        "patch": {"supported": !state.faults.has(Fault::PatchNotAdvertised)},
        "bulk": {"supported": true, "maxOperations": bulk::MAX_OPERATIONS, "maxPayloadSize": bulk::MAX_PAYLOAD_SIZE},
        "filter": {"supported": true, "maxResults": advertised_max_results(&state)},
        "changePassword": {"supported": true},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token (RFC 6750)",
            "specUri": "https://www.rfc-editor.org/info/rfc6750"
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", state.base_url()),
        }
    });
    // draft-zollner-scim-interop-profile-01 §4: a server that does not
    // conform (this one accepts path-less PATCH, as RFC 7644 requires) omits
    // interopProfileConformant; the fault claims it anyway.
    if state.faults.has(Fault::InteropClaimUnconformant) {
        body["interopProfileConformant"] = json!(true);
    }
    if state.faults.has(Fault::SpcStringBooleans) {
        for feature in ["patch", "bulk", "filter", "changePassword", "sort", "etag"] {
            body[feature]["supported"] = json!("true");
        }
    }
    if state.faults.has(Fault::SpcIncomplete)
        && let Some(object) = body.as_object_mut()
    {
        object.remove("schemas");
        object.insert("bulk".into(), json!({"supported": true}));
        object.insert("filter".into(), json!({"supported": true}));
        object.insert(
            "authenticationSchemes".into(),
            json!([{"type": "oauthbearertoken", "name": "Bearer"}]),
        );
    }
    scim_response(&state, StatusCode::OK, &body)
}

fn discovery_list(state: &AppState, raw: &Option<String>, items: Vec<Value>) -> Response {
    if pair(&query_pairs(raw), "filter").is_some()
        && state.faults.has(Fault::DiscoveryFilterApplied)
    {
        let total = items.len().min(1);
        let first: Vec<Value> = items.into_iter().take(1).collect();
        return scim_response(
            state,
            StatusCode::OK,
            &query::list_body(first, total, 1, &state.faults),
        );
    }
    if pair(&query_pairs(raw), "filter").is_some() {
        return error_response(
            state,
            &ScimError::new(
                StatusCode::FORBIDDEN,
                None,
                "discovery endpoints do not filter",
            ),
        );
    }
    if state.faults.has(Fault::DiscoveryBareArray) {
        return scim_response(state, StatusCode::OK, &Value::Array(items));
    }
    let mut items = items;
    if state.faults.has(Fault::DiscoveryPaginated)
        && let Some(count) = pair(&query_pairs(raw), "count").and_then(|c| c.parse::<usize>().ok())
    {
        items.truncate(count);
    }
    let total = items.len();
    scim_response(
        state,
        StatusCode::OK,
        &query::list_body(items, total, 1, &state.faults),
    )
}

pub async fn resource_types(State(state): State<Shared>, RawQuery(raw): RawQuery) -> Response {
    let base = state.base_url();
    let items = state
        .registry
        .resource_types()
        .iter()
        .map(|rt| {
            let mut resource = rt.to_resource(&base);
            if state.faults.has(Fault::ResourceTypeIdNotName) {
                resource["id"] = json!(rt.name.to_ascii_lowercase());
            }
            resource
        })
        .collect();
    discovery_list(&state, &raw, items)
}

pub async fn resource_type(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let base = state.base_url();
    if state.faults.has(Fault::DiscoveryById404) {
        return error_response(
            &state,
            &ScimError::not_found(format!("no resource type {id}")),
        );
    }
    match state
        .registry
        .resource_types()
        .iter()
        .find(|rt| rt.id == id)
    {
        Some(rt) => scim_response(&state, StatusCode::OK, &rt.to_resource(&base)),
        None => error_response(
            &state,
            &ScimError::not_found(format!("no resource type {id}")),
        ),
    }
}

/// The schema-definition faults, applied to the published User schema.
fn schema_faults(state: &AppState, mut schema: Value) -> Value {
    let faults = &state.faults;
    if faults.has(Fault::SchemaWithoutMeta)
        && let Some(object) = schema.as_object_mut()
    {
        object.remove("meta");
    }
    let id = schema
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let set = |schema: &mut Value, name: &str, key: &str, value: Value| {
        if let Some(attributes) = schema.get_mut("attributes").and_then(Value::as_array_mut) {
            for attribute in attributes.iter_mut() {
                if attribute.get("name").and_then(Value::as_str) == Some(name) {
                    attribute[key] = value.clone();
                }
            }
        }
    };
    if id == urns::GROUP && faults.has(Fault::SchemaGroupDisplayNameOptional) {
        set(&mut schema, "displayName", "required", json!(false));
    }
    if id != urns::USER {
        return schema;
    }
    if faults.has(Fault::SchemaUserNameCaseExact) {
        set(&mut schema, "userName", "caseExact", json!(true));
    }
    if faults.has(Fault::SchemaPasswordReturned) {
        set(&mut schema, "password", "returned", json!("default"));
    }
    if faults.has(Fault::SchemaPrimaryString)
        && let Some(attributes) = schema.get_mut("attributes").and_then(Value::as_array_mut)
    {
        for sub in attributes
            .iter_mut()
            .filter_map(|a| a.get_mut("subAttributes").and_then(Value::as_array_mut))
            .flatten()
        {
            if sub.get("name").and_then(Value::as_str) == Some("primary") {
                sub["type"] = json!("string");
            }
        }
    }
    let Some(attributes) = schema.get_mut("attributes").and_then(Value::as_array_mut) else {
        return schema;
    };
    let simple = |name: &str| json!({"name": name, "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"});
    if faults.has(Fault::SchemaBadAttributeName) {
        attributes.push(simple("employee number"));
    }
    if faults.has(Fault::SchemaBadVocabulary) {
        let mut odd = simple("costCenterCode");
        odd["type"] = json!("text");
        odd["mutability"] = json!("readonly");
        attributes.push(odd);
    }
    if faults.has(Fault::SchemaSimpleWithSubAttributes) {
        let mut odd = simple("badgeNumber");
        odd["subAttributes"] = json!([simple("prefix")]);
        attributes.push(odd);
    }
    if faults.has(Fault::SchemaComplexSubAttribute) {
        let mut inner = simple("location");
        inner["type"] = json!("complex");
        inner["subAttributes"] = json!([simple("building")]);
        let mut outer = simple("workplace");
        outer["type"] = json!("complex");
        outer["subAttributes"] = json!([inner]);
        attributes.push(outer);
    }
    if faults.has(Fault::SchemaComplexWithoutSubAttributes) {
        let mut odd = simple("preferences");
        odd["type"] = json!("complex");
        attributes.push(odd);
    }
    schema
}

pub async fn schemas(State(state): State<Shared>, RawQuery(raw): RawQuery) -> Response {
    let base = state.base_url();
    let items = state
        .registry
        .schemas()
        .iter()
        .map(|schema| schema_faults(&state, schema.to_resource(&base)))
        .chain(state.faults.has(Fault::SchemaListsMessages).then(|| {
            json!({"schemas": [urns::SCHEMA], "id": urns::LIST_RESPONSE, "name": "ListResponse", "attributes": []})
        }))
        .collect();
    discovery_list(&state, &raw, items)
}

pub async fn schema(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let base = state.base_url();
    if state.faults.has(Fault::DiscoveryById404) {
        return error_response(&state, &ScimError::not_found(format!("no schema {id}")));
    }
    match state.registry.schema(&id) {
        Some(schema) => scim_response(
            &state,
            StatusCode::OK,
            &schema_faults(&state, schema.to_resource(&base)),
        ),
        None => error_response(&state, &ScimError::not_found(format!("no schema {id}"))),
    }
}

// ---- resources -----------------------------------------------------------

/// A single resource in a response, with ETag and (for creates) Location.
fn resource_response(
    state: &AppState,
    status: StatusCode,
    store: &Store,
    resource_type: &ResourceTypeDef,
    stored: &Stored,
    pairs: &[(String, String)],
) -> Response {
    let base = state.base_url();
    let full = render::full(
        state.registry,
        resource_type,
        store,
        stored,
        &base,
        &state.faults,
    );
    let projection = Projection::new(
        resource_type,
        pair(pairs, "attributes").filter(|_| !state.faults.has(Fault::AttributesIgnored)),
        pair(pairs, "excludedAttributes")
            .filter(|_| !state.faults.has(Fault::ExcludedAttributesIgnored)),
    )
    .with_faults(&state.faults);
    let body = projection.apply(state.registry, resource_type, &full);
    let mut response = scim_response(state, status, &body);
    if !state.faults.has(Fault::NoEtagHeader)
        && let Ok(etag) = HeaderValue::from_str(&stored.etag())
    {
        response.headers_mut().insert(header::ETAG, etag);
    }
    if status == StatusCode::CREATED
        || (status == StatusCode::OK && state.faults.has(Fault::CreateReturns200))
    {
        let location =
            render::location_with_faults(&base, resource_type, &stored.id, &state.faults);
        if !state.faults.has(Fault::NoLocationHeader)
            && let Ok(location) = HeaderValue::from_str(&location)
        {
            response.headers_mut().insert(header::LOCATION, location);
        }
    }
    response
}

/// A UUID-shaped id whose first group is a sequence number (creation order).
fn new_id(sequence: u64) -> String {
    let bytes: [u8; 12] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{:08x}-{}-{}-{}-{}",
        sequence & 0xffff_ffff,
        &hex[0..4],
        &hex[4..8],
        &hex[8..12],
        &hex[12..24]
    )
}

/// Uniqueness (userName, case-insensitively) and member references.
fn check_integrity(
    state: &AppState,
    store: &Store,
    resource_type: &ResourceTypeDef,
    data: &serde_json::Map<String, Value>,
    own_id: Option<&str>,
) -> Result<(), ScimError> {
    if resource_type.name == "User"
        && let Some(Value::String(name)) = data.get("userName")
        && !state.faults.has(Fault::UniquenessNotEnforced)
    {
        let taken = if state.faults.has(Fault::UserNameUniquenessCaseSensitive) {
            store
                .all("User")
                .find(|u| u.data.get("userName").and_then(Value::as_str) == Some(name.as_str()))
                .map(|u| u.id.as_str())
        } else {
            store.user_by_name(name)
        };
        if state.faults.has(Fault::DeletedNamesReserved) && state.buried_user_name(name) {
            return Err(uniqueness_error(state, name));
        }
        if let Some(other) = taken
            && Some(other) != own_id
        {
            return Err(uniqueness_error(state, name));
        }
    }
    if let Some(Value::Array(members)) = data.get("members") {
        for member in members {
            let Some(id) = member.get("value").and_then(Value::as_str) else {
                return Err(ScimError::invalid_value(
                    "every member needs a value (the member's id)",
                ));
            };
            if Some(id) == own_id {
                return Err(ScimError::invalid_value("a group cannot be its own member"));
            }
            if !store.contains_id(id) {
                return Err(ScimError::invalid_value(format!(
                    "member {id} does not exist"
                )));
            }
        }
    }
    Ok(())
}

fn uniqueness_error(state: &AppState, name: &str) -> ScimError {
    let mut error = ScimError::uniqueness(format!("userName {name:?} is already taken"));
    if state.faults.has(Fault::NonstandardScimType) {
        error.scim_type = Some("duplicate");
    }
    error
}

/// The `utf8-mangled` fault: every non-ASCII character becomes '?'.
fn mangle_non_ascii(value: &mut Value) {
    match value {
        Value::String(text) => {
            *text = text
                .chars()
                .map(|c| if c.is_ascii() { c } else { '?' })
                .collect();
        }
        Value::Array(items) => items.iter_mut().for_each(mangle_non_ascii),
        Value::Object(object) => object.values_mut().for_each(mangle_non_ascii),
        _ => {}
    }
}

/// Stores the member `type` the client may have left out.
fn complete_members(store: &Store, data: &mut serde_json::Map<String, Value>) {
    if let Some(Value::Array(members)) = data.get_mut("members") {
        for member in members.iter_mut() {
            if let Some(id) = member
                .get("value")
                .and_then(Value::as_str)
                .map(str::to_string)
                && let Some(target) = store.find(&id)
                && let Value::Object(object) = member
            {
                object.insert("type".into(), Value::String(target.resource_type.clone()));
                object.remove("$ref");
            }
        }
    }
}

/// The `manager-display-name-stored` fault: the client's enterprise
/// manager.displayName (readOnly) is kept.
fn store_manager_display_name(body: &Value, data: &mut serde_json::Map<String, Value>) {
    let Some(display) = body
        .get(urns::ENTERPRISE_USER)
        .and_then(|extension| extension.get("manager"))
        .and_then(|manager| manager.get("displayName"))
        .filter(|display| display.is_string())
    else {
        return;
    };
    let Some(Value::Object(manager)) = data
        .get_mut(urns::ENTERPRISE_USER)
        .and_then(|extension| extension.get_mut("manager"))
    else {
        return;
    };
    manager.insert("displayName".into(), display.clone());
}

/// The `manager-value-user-name` fault: manager.value naming an existing
/// user's id is replaced by that user's userName.
fn manager_value_to_user_name(store: &Store, data: &mut serde_json::Map<String, Value>) {
    let Some(Value::Object(manager)) = data
        .get_mut(urns::ENTERPRISE_USER)
        .and_then(|extension| extension.get_mut("manager"))
    else {
        return;
    };
    let user_name = manager
        .get("value")
        .and_then(Value::as_str)
        .and_then(|id| store.get("User", id))
        .and_then(|user| user.data.get("userName"))
        .cloned();
    if let Some(user_name) = user_name {
        manager.insert("value".into(), user_name);
    }
}

/// How POST and PUT bodies are normalised (`double-primary-stored` skips the
/// one-primary rule).
fn normalize(state: &AppState) -> resource::NormalizeBody {
    if state.faults.has(Fault::DoublePrimaryStored) {
        resource::normalize_body_keeping_primaries
    } else {
        resource::normalize_body
    }
}

/// The `unknown-attributes-ignored` fault: top-level attributes and schema
/// URIs the resource type does not define are dropped before validation.
fn without_unknown<'b>(
    state: &AppState,
    resource_type: &ResourceTypeDef,
    body: &'b Value,
) -> std::borrow::Cow<'b, Value> {
    if !state.faults.has(Fault::UnknownAttributesIgnored) {
        return std::borrow::Cow::Borrowed(body);
    }
    let known_urn = |urn: &str| {
        urn.eq_ignore_ascii_case(&resource_type.schema)
            || resource_type
                .extensions
                .iter()
                .any(|ext| ext.schema.eq_ignore_ascii_case(urn))
    };
    let core = state.registry.schema(&resource_type.schema);
    let mut body = body.clone();
    if let Some(object) = body.as_object_mut() {
        object.retain(|key, _| {
            ["schemas", "id", "meta", "externalId"]
                .iter()
                .any(|k| key.eq_ignore_ascii_case(k))
                || known_urn(key)
                || core.is_some_and(|schema| schema.attribute(key).is_some())
        });
        for (key, value) in object.iter_mut() {
            if key.eq_ignore_ascii_case("schemas")
                && let Some(list) = value.as_array_mut()
            {
                list.retain(|urn| urn.as_str().is_some_and(known_urn));
            }
        }
    }
    std::borrow::Cow::Owned(body)
}

fn read_only_mode(state: &AppState) -> ReadOnlyInput {
    if state.faults.has(Fault::ReadOnlyRejected) {
        ReadOnlyInput::Reject
    } else {
        ReadOnlyInput::Ignore
    }
}

pub async fn create(
    State(state): State<Shared>,
    Path(endpoint): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        let resource_type = resource_type_for(&state, &endpoint)?;
        let body = parse_body(&state, &headers, &body)?;
        create_resource(&state, resource_type, &body, &query_pairs(&raw))
    })();
    respond(&state, result)
}

pub fn create_resource(
    state: &AppState,
    resource_type: &ResourceTypeDef,
    body: &Value,
    pairs: &[(String, String)],
) -> Result<Response, ScimError> {
    let (response, _) = create_stored(state, resource_type, body, pairs)?;
    Ok(response)
}

/// Creates a resource; returns the response and the new id (Bulk needs it).
pub fn create_stored(
    state: &AppState,
    resource_type: &ResourceTypeDef,
    body: &Value,
    pairs: &[(String, String)],
) -> Result<(Response, String), ScimError> {
    let mut store = state.store.write().map_err(|_| lock_error())?;
    let stored = insert_new(state, &mut store, resource_type, body)?;
    let status = if state.faults.has(Fault::CreateReturns200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let shown = if state.faults.has(Fault::CreateEchoesInput) {
        with_input_emails(&stored, body)
    } else {
        stored.clone()
    };
    let response = resource_response(state, status, &store, resource_type, &shown, pairs);
    Ok((response, stored.id))
}

/// The `create-echoes-input` fault: the answer shows the email values as the
/// client sent them, not as they were stored.
fn with_input_emails(stored: &Stored, body: &Value) -> Stored {
    let mut shown = stored.clone();
    let input = body.as_object().and_then(|object| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("emails"))
            .and_then(|(_, value)| value.as_array())
    });
    if let (Some(input), Some(Value::Array(emails))) = (input, shown.data.get_mut("emails")) {
        for (email, sent) in emails.iter_mut().zip(input) {
            if let (Some(sent), Value::Object(email)) =
                (sent.get("value").filter(|v| v.is_string()), email)
            {
                email.insert("value".into(), sent.clone());
            }
        }
    }
    shown
}

/// Validates a create body and stores the new resource.
pub fn insert_new(
    state: &AppState,
    store: &mut Store,
    resource_type: &ResourceTypeDef,
    body: &Value,
) -> Result<Stored, ScimError> {
    if state.faults.has(Fault::SchemasKeyFirst)
        && body
            .as_object()
            .and_then(|o| o.keys().next())
            .map(String::as_str)
            != Some("schemas")
    {
        return Err(ScimError::invalid_syntax(
            "schemas must be the first member",
        ));
    }
    if state.faults.has(Fault::InputNamesCaseSensitive)
        && let (Some(object), Some(core)) = (
            body.as_object(),
            state.registry.schema(&resource_type.schema),
        )
    {
        for key in object.keys() {
            let known_exactly = key == "schemas"
                || key == "externalId"
                || key.starts_with("urn:")
                || core.attributes.iter().any(|a| a.name == *key);
            if !known_exactly {
                return Err(ScimError::invalid_syntax(format!(
                    "unknown attribute {key}"
                )));
            }
        }
    }
    if state.faults.has(Fault::SchemasOrderSensitive)
        && body.pointer("/schemas/0").and_then(Value::as_str) != Some(resource_type.schema.as_str())
    {
        return Err(ScimError::invalid_value(
            "the core schema must come first in schemas",
        ));
    }
    let corrected;
    let body = if state.faults.has(Fault::SchemasNotChecked) {
        let mut fixed = body.clone();
        fixed["schemas"] = json!([resource_type.schema]);
        for extension in &resource_type.extensions {
            if fixed.get(&extension.schema).is_some()
                && let Some(list) = fixed["schemas"].as_array_mut()
            {
                list.push(json!(extension.schema));
            }
        }
        corrected = fixed;
        &corrected
    } else {
        body
    };
    let body = &without_unknown(state, resource_type, body);
    let mut data = normalize(state)(state.registry, resource_type, body, read_only_mode(state))
        .map_err(|error| {
            if state.faults.has(Fault::TypeErrorInvalidSyntax)
                && error.scim_type == Some("invalidValue")
                && error.detail.contains(" must be ")
            {
                ScimError::invalid_syntax(error.detail)
            } else {
                error
            }
        })?;
    if state.faults.has(Fault::ExternalIdNotStored) {
        data.remove("externalId");
    }
    if state.faults.has(Fault::ManagerDisplayNameStored) {
        store_manager_display_name(body, &mut data);
    }
    if state.faults.has(Fault::ManagerValueUserName) {
        manager_value_to_user_name(store, &mut data);
    }
    if state.faults.has(Fault::Utf8Mangled) {
        let mut mangled = Value::Object(std::mem::take(&mut data));
        mangle_non_ascii(&mut mangled);
        if let Value::Object(object) = mangled {
            data = object;
        }
    }
    if state.faults.has(Fault::ExternalIdLowercased)
        && let Some(Value::String(external)) = data.get_mut("externalId")
    {
        *external = external.to_lowercase();
    }
    if state.faults.has(Fault::CreateEchoesInput)
        && let Some(Value::Array(emails)) = data.get_mut("emails")
    {
        for email in emails.iter_mut() {
            if let Some(Value::String(value)) = email.get_mut("value") {
                *value = value.to_lowercase();
            }
        }
    }
    if state.faults.has(Fault::UserGroupsWritable)
        && let Some(groups) = body.get("groups").filter(|g| g.is_array())
    {
        data.insert("groups".into(), groups.clone());
    }
    let group_exempt =
        resource_type.name == "Group" && state.faults.has(Fault::GroupDisplayNameNotRequired);
    if !state.faults.has(Fault::RequiredNotEnforced) && !group_exempt {
        resource::check_required(state.registry, resource_type, &data)?;
    }
    check_integrity(state, store, resource_type, &data, None)?;
    complete_members(store, &mut data);
    let now = Utc::now();
    let mut id = new_id(store.next_sequence());
    while store.contains_id(&id) {
        id = new_id(store.next_sequence());
    }
    if state.faults.has(Fault::IdFromName)
        && let Some(Value::String(name)) = data.get("userName").or_else(|| data.get("displayName"))
        && store.get(&resource_type.name, name).is_none()
    {
        id = name.clone();
    }
    if state.faults.has(Fault::ExternalIdGenerated) && !data.contains_key("externalId") {
        data.insert("externalId".into(), Value::String(id.clone()));
    }
    let created = body
        .pointer("/meta/created")
        .and_then(Value::as_str)
        .and_then(crate::scim::datetime::parse)
        .filter(|_| state.faults.has(Fault::ClientMetaStored))
        .map_or(now, |t| t.with_timezone(&Utc));
    let modified = if state.faults.has(Fault::LastModifiedDiffers) {
        created + chrono::Duration::seconds(1)
    } else {
        created
    };
    let stored = Stored {
        id,
        resource_type: resource_type.name.clone(),
        data,
        created,
        modified,
        version: store.next_version(),
        view: Value::Null,
    };
    store.put(stored.clone());
    Ok(stored)
}

/// The resource a PUT or PATCH applies to, once its If-Match holds.
fn current_for_write(
    state: &AppState,
    store: &Store,
    resource_type: &ResourceTypeDef,
    id: &str,
    headers: &HeaderMap,
) -> Result<Stored, ScimError> {
    let Some(existing) = store.get(&resource_type.name, id).cloned() else {
        return Err(missing(state, resource_type, id));
    };
    if if_match_fails(state, headers, &existing) {
        return Err(ScimError::precondition_failed(format!(
            "{id} has changed: its version is {}",
            existing.etag()
        )));
    }
    if state.faults.has(Fault::StaleReads) {
        state.remember_replaced(&existing);
    }
    Ok(existing)
}

/// `existing` with new data, a new version and lastModified (unless the
/// `version-never-changes` fault freezes them).
fn updated(
    state: &AppState,
    store: &mut Store,
    existing: Stored,
    data: serde_json::Map<String, Value>,
) -> Stored {
    if state.faults.has(Fault::VersionNeverChanges) {
        return Stored { data, ..existing };
    }
    Stored {
        data,
        modified: Utc::now(),
        version: store.next_version(),
        ..existing
    }
}

fn if_match_fails(state: &AppState, headers: &HeaderMap, stored: &Stored) -> bool {
    if state.faults.has(Fault::IfMatchIgnored) {
        return false;
    }
    let Some(expected) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if state.faults.has(Fault::IfMatchWeakCompare) {
        return expected.trim() != "*";
    }
    let current = stored.etag();
    !expected.split(',').map(str::trim).any(|tag| {
        tag == "*"
            || tag == current
            || tag.trim_start_matches("W/") == current.trim_start_matches("W/")
    })
}

fn missing(state: &AppState, resource_type: &ResourceTypeDef, id: &str) -> ScimError {
    if state.faults.has(Fault::UnknownIdAnswers500) {
        return ScimError::internal(format!("lookup of {id} failed"));
    }
    ScimError::not_found(format!("{} {id} not found", resource_type.name))
}

pub async fn get_one(
    State(state): State<Shared>,
    Path((endpoint, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        let resource_type = resource_type_for(&state, &endpoint)?;
        let store = state.store.read().map_err(|_| lock_error())?;
        let stored = match store.get(&resource_type.name, &id).or_else(|| {
            // `id-case-insensitive`: a lookup that ignores the case of ids.
            state
                .faults
                .has(Fault::IdCaseInsensitive)
                .then(|| {
                    store
                        .all(&resource_type.name)
                        .find(|stored| stored.id.eq_ignore_ascii_case(&id))
                })
                .flatten()
        }) {
            Some(stored) => stored.clone(),
            None => match state
                .graveyard_get(&resource_type.name, &id)
                .filter(|_| state.faults.has(Fault::DeleteLeavesReadable))
            {
                Some(ghost) => ghost,
                None => return Err(missing(&state, resource_type, &id)),
            },
        };
        // `stale-reads`: a lagging replica answers the version before the last write.
        let stored = match state
            .stale_version(&resource_type.name, &stored.id)
            .filter(|_| state.faults.has(Fault::StaleReads))
        {
            Some(previous) => previous,
            None => stored,
        };
        if state.faults.has(Fault::SoftDeletedHidden) && super::query::soft_deleted(&stored) {
            return Err(missing(&state, resource_type, &id));
        }
        let if_none_match = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok());
        if let Some(tags) = if_none_match
            && !state.faults.has(Fault::IfNoneMatchIgnored)
            && (state.faults.has(Fault::IfNoneMatchAlways304)
                || tags
                    .split(',')
                    .map(str::trim)
                    .any(|t| t == stored.etag() || t == "*"))
        {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(etag) = HeaderValue::from_str(&stored.etag()) {
                response.headers_mut().insert(header::ETAG, etag);
            }
            return Ok(response);
        }
        Ok(resource_response(
            &state,
            StatusCode::OK,
            &store,
            resource_type,
            &stored,
            &query_pairs(&raw),
        ))
    })();
    respond(&state, result)
}

/// The signature shared by PUT and PATCH on one resource.
type WriteOne = fn(
    &AppState,
    &ResourceTypeDef,
    &str,
    &Value,
    &HeaderMap,
    &[(String, String)],
) -> Result<Response, ScimError>;

/// Parses the body and hands a PUT or PATCH to `apply`.
fn write_one(
    state: &AppState,
    endpoint: &str,
    id: &str,
    raw: &Option<String>,
    headers: &HeaderMap,
    body: &Bytes,
    apply: WriteOne,
) -> Response {
    let result = (|| {
        let resource_type = resource_type_for(state, endpoint)?;
        let body = parse_body(state, headers, body)?;
        apply(state, resource_type, id, &body, headers, &query_pairs(raw))
    })();
    respond(state, result)
}

pub async fn replace(
    State(state): State<Shared>,
    Path((endpoint, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write_one(
        &state,
        &endpoint,
        &id,
        &raw,
        &headers,
        &body,
        replace_resource,
    )
}

pub fn replace_resource(
    state: &AppState,
    resource_type: &ResourceTypeDef,
    id: &str,
    body: &Value,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<Response, ScimError> {
    let body = &without_unknown(state, resource_type, body);
    let mut data = normalize(state)(state.registry, resource_type, body, read_only_mode(state))?;
    if !state.faults.has(Fault::PutRequiredNotEnforced) {
        resource::check_required(state.registry, resource_type, &data)?;
    }
    let mut store = state.store.write().map_err(|_| lock_error())?;
    let existing = current_for_write(state, &store, resource_type, id, headers)?;
    resource::check_immutable(state.registry, resource_type, &existing.data, &data)?;
    // `put-members-rejected`: an over-eager check that takes the immutable
    // sub-attributes of members to make the whole member list unchangeable.
    if state.faults.has(Fault::PutMembersRejected)
        && existing
            .data
            .get("members")
            .is_some_and(resource::is_assigned)
        && data.get("members").is_some_and(resource::is_assigned)
    {
        return Err(ScimError::mutability("attribute members is immutable"));
    }
    // password is write-only: a PUT that leaves it out keeps it.
    if let Some(password) = existing.data.get("password")
        && !data.contains_key("password")
    {
        data.insert("password".into(), password.clone());
    }
    if state.faults.has(Fault::PutMerges) {
        for (key, old) in &existing.data {
            match (data.get_mut(key), old) {
                (Some(Value::Array(new)), Value::Array(old)) => {
                    for item in old {
                        if !new.contains(item) {
                            new.push(item.clone());
                        }
                    }
                }
                (None, _) => {
                    data.insert(key.clone(), old.clone());
                }
                _ => {}
            }
        }
    }
    check_integrity(state, &store, resource_type, &data, Some(id))?;
    complete_members(&store, &mut data);
    if state.faults.has(Fault::PutRecreates) {
        store.remove(&resource_type.name, id);
        let recreated = insert_new(state, &mut store, resource_type, body)?;
        return Ok(resource_response(
            state,
            StatusCode::OK,
            &store,
            resource_type,
            &recreated,
            pairs,
        ));
    }
    let stored = updated(state, &mut store, existing, data);
    store.put(stored.clone());
    Ok(resource_response(
        state,
        StatusCode::OK,
        &store,
        resource_type,
        &stored,
        pairs,
    ))
}

pub async fn modify(
    State(state): State<Shared>,
    Path((endpoint, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write_one(
        &state,
        &endpoint,
        &id,
        &raw,
        &headers,
        &body,
        patch_resource,
    )
}

pub fn patch_resource(
    state: &AppState,
    resource_type: &ResourceTypeDef,
    id: &str,
    body: &Value,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<Response, ScimError> {
    let mut store = state.store.write().map_err(|_| lock_error())?;
    let existing = current_for_write(state, &store, resource_type, id, headers)?;
    if state.faults.has(Fault::PatchSilentlyIgnored) {
        return Ok(resource_response(
            state,
            StatusCode::OK,
            &store,
            resource_type,
            &existing,
            pairs,
        ));
    }
    let mut data = existing.data.clone();
    let outcome = patch::apply(
        state.registry,
        resource_type,
        &mut data,
        body,
        &state.faults,
    )
    .and_then(|()| check_integrity(state, &store, resource_type, &data, Some(id)));
    if let Err(error) = outcome {
        if state.faults.has(Fault::PatchNotAtomic) && data != existing.data {
            let partial = Stored { data, ..existing };
            store.put(partial);
        }
        return Err(error);
    }
    complete_members(&store, &mut data);
    let changed = data != existing.data || state.faults.has(Fault::PatchNoopBumpsVersion);
    let stored = if changed {
        updated(state, &mut store, existing, data)
    } else {
        existing
    };
    if changed {
        store.put(stored.clone());
    }
    if state.faults.has(Fault::PatchEmptyBody200) {
        return Ok(StatusCode::OK.into_response());
    }
    if state.faults.has(Fault::PatchAttributes204) && pair(pairs, "attributes").is_some() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(resource_response(
        state,
        StatusCode::OK,
        &store,
        resource_type,
        &stored,
        pairs,
    ))
}

pub async fn delete(
    State(state): State<Shared>,
    Path((endpoint, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        let resource_type = resource_type_for(&state, &endpoint)?;
        delete_resource(&state, resource_type, &id, &headers)
    })();
    respond(&state, result)
}

pub fn delete_resource(
    state: &AppState,
    resource_type: &ResourceTypeDef,
    id: &str,
    headers: &HeaderMap,
) -> Result<Response, ScimError> {
    let mut store = state.store.write().map_err(|_| lock_error())?;
    let Some(existing) = store.get(&resource_type.name, id) else {
        return Err(missing(state, resource_type, id));
    };
    if if_match_fails(state, headers, existing) {
        return Err(ScimError::precondition_failed(format!(
            "{id} has changed: its version is {}",
            existing.etag()
        )));
    }
    if state.faults.has(Fault::DeletedStillListed) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if let Some(removed) = store.remove(&resource_type.name, id)
        && (state.faults.has(Fault::DeleteLeavesReadable)
            || state.faults.has(Fault::DeletedNamesReserved))
    {
        state.bury(removed);
    }
    if state.faults.has(Fault::DeleteReturns200) {
        return Ok(scim_response(state, StatusCode::OK, &json!({})));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list(
    State(state): State<Shared>,
    Path(endpoint): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    // The load faults touch user queries only, as a slow or throttled user
    // lookup (the identity provider's matching query) does in practice.
    let pairs = query_pairs(&raw);
    let user_query = endpoint == "Users"
        && pairs
            .iter()
            .any(|(key, _)| key.eq_ignore_ascii_case("filter"));
    if user_query && state.faults.has(Fault::QueriesRateLimited) && state.query_over_limit() {
        let mut response = error_response(
            &state,
            &ScimError::new(
                StatusCode::TOO_MANY_REQUESTS,
                None,
                "too many requests: at most 10 user queries per second",
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    let _worker = if user_query && state.faults.has(Fault::QueriesSerialized) {
        let worker = state.query_worker.lock().await;
        tokio::time::sleep(std::time::Duration::from_millis(super::SERIAL_QUERY_MS)).await;
        Some(worker)
    } else {
        None
    };
    let result = (|| {
        let resource_type = resource_type_for(&state, &endpoint)?;
        if state.faults.has(Fault::UnknownParameterRejected) {
            const KNOWN: [&str; 7] = [
                "filter",
                "sortBy",
                "sortOrder",
                "startIndex",
                "count",
                "attributes",
                "excludedAttributes",
            ];
            if let Some((name, _)) = pairs
                .iter()
                .find(|(k, _)| !KNOWN.iter().any(|n| n.eq_ignore_ascii_case(k)))
            {
                return Err(ScimError::invalid_value(format!(
                    "unknown parameter {name}"
                )));
            }
        }
        let params = QueryParams::from_pairs(&pairs)?;
        answer_query(&state, &[resource_type], &params)
    })();
    respond(&state, result)
}

fn answer_query(
    state: &AppState,
    types: &[&ResourceTypeDef],
    params: &QueryParams,
) -> Result<Response, ScimError> {
    let store = state.store.read().map_err(|_| lock_error())?;
    let body = query::run(
        state.registry,
        types,
        &store,
        &state.base_url(),
        &state.faults,
        params,
    )?;
    Ok(scim_response(state, StatusCode::OK, &body))
}

pub async fn search(
    State(state): State<Shared>,
    Path(endpoint): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if state.faults.has(Fault::SearchUnsupported) {
        return error_response(&state, &ScimError::not_found("no such endpoint"));
    }
    let result = (|| {
        let resource_type = resource_type_for(&state, &endpoint)?;
        let body = parse_body(&state, &headers, &body)?;
        let params =
            QueryParams::from_search_request(&body, state.faults.has(Fault::SearchUrnNotRequired))?;
        answer_query(&state, &[resource_type], &params)
    })();
    respond(&state, result)
}

pub async fn search_root(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if state.faults.has(Fault::SearchUnsupported) {
        return error_response(&state, &ScimError::not_found("no such endpoint"));
    }
    let result = (|| {
        let body = parse_body(&state, &headers, &body)?;
        let params =
            QueryParams::from_search_request(&body, state.faults.has(Fault::SearchUrnNotRequired))?;
        answer_query(&state, &root_types(&state), &params)
    })();
    respond(&state, result)
}

/// GET at the server root: a query over every resource type (RFC 7644 §3.4.2.1).
pub async fn list_root(State(state): State<Shared>, RawQuery(raw): RawQuery) -> Response {
    let result = (|| {
        let params = QueryParams::from_pairs(&query_pairs(&raw))?;
        answer_query(&state, &root_types(&state), &params)
    })();
    respond(&state, result)
}

/// The resource types a root query covers: all of them, or only User for
/// the `root-search-users-only` fault.
fn root_types(state: &AppState) -> Vec<&'static ResourceTypeDef> {
    state
        .registry
        .resource_types()
        .iter()
        .filter(|rt| !state.faults.has(Fault::RootSearchUsersOnly) || rt.name == "User")
        .collect()
}

/// filter.maxResults in the ServiceProviderConfig; `max-results-not-enforced`
/// advertises 2 and keeps returning up to `count` resources.
fn advertised_max_results(state: &AppState) -> usize {
    if state.faults.has(Fault::MaxResultsNotEnforced) {
        2
    } else {
        query::MAX_RESULTS
    }
}

pub async fn bulk(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let result = bulk::handle(&state, &headers, &body);
    respond(&state, result)
}

pub async fn me(State(state): State<Shared>) -> Response {
    if state.faults.has(Fault::MeAnswers500) {
        return error_response(&state, &ScimError::internal("no user"));
    }
    error_response(
        &state,
        &ScimError::not_implemented(
            "/Me is not supported: this server models no authenticated subject",
        ),
    )
}

pub async fn not_found(State(state): State<Shared>, method: Method) -> Response {
    let _ = method;
    error_response(&state, &ScimError::not_found("no such endpoint"))
}

/// PUT/DELETE on discovery resources: they are read-only (RFC 7643 §5-7).
pub async fn discovery_write(State(state): State<Shared>) -> Response {
    if state.faults.has(Fault::DiscoveryWritable) {
        return scim_response(&state, StatusCode::OK, &json!({}));
    }
    error_response(
        &state,
        &ScimError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            None,
            "discovery resources are read-only",
        ),
    )
}
