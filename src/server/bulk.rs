//! Bulk operations (RFC 7644 §3.7): several operations in one request, with
//! `bulkId` references between them, `failOnErrors`, and size limits.

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::AppState;
use super::error::ScimError;
use super::faults::Fault;
use super::handlers::{self, scim_response};
use crate::scim::urns;

pub const MAX_OPERATIONS: usize = 1000;
pub const MAX_PAYLOAD_SIZE: usize = 1_048_576;
/// Marks the `bulk-id-unresolved` fault inside the id table.
const UNRESOLVED: &str = "\u{0}unresolved";

pub fn handle(state: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<Response, ScimError> {
    let no_limit = state.faults.has(Fault::Bulk413NoLimit);
    let too_large = |detail: String| {
        ScimError::too_large(if no_limit {
            "Payload Too Large".to_string()
        } else {
            detail
        })
    };
    if body.len() > MAX_PAYLOAD_SIZE && !state.faults.has(Fault::BulkMaxPayloadIgnored) {
        return Err(too_large(format!(
            "the bulk request is {} bytes; maxPayloadSize is {MAX_PAYLOAD_SIZE}",
            body.len()
        )));
    }
    let request: Value = serde_json::from_slice(body)
        .map_err(|e| ScimError::invalid_syntax(format!("the body is not valid JSON: {e}")))?;
    let _ = headers;
    let has_urn = request
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(urns::BULK_REQUEST)));
    if !has_urn {
        return Err(ScimError::invalid_syntax(format!(
            "schemas must contain {}",
            urns::BULK_REQUEST
        )));
    }
    let operations = request
        .get("Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("Operations must be an array"))?;
    if operations.len() > MAX_OPERATIONS && !state.faults.has(Fault::BulkMaxOperationsIgnored) {
        return Err(too_large(format!(
            "{} operations; maxOperations is {MAX_OPERATIONS}",
            operations.len()
        )));
    }
    let fail_on_errors =
        match request.get("failOnErrors") {
            None | Some(Value::Null) => None,
            Some(value) => Some(value.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                ScimError::invalid_value("failOnErrors must be a positive integer")
            })?),
        };

    let mut ids: HashMap<String, String> = HashMap::new();
    if state.faults.has(super::faults::Fault::BulkIdUnresolved) {
        ids.insert(UNRESOLVED.to_string(), String::new());
    }
    let limit = if state.faults.has(Fault::BulkFailOnErrorsIgnored) {
        None
    } else if state.faults.has(Fault::BulkStopsOnError) {
        Some(1)
    } else {
        fail_on_errors
    };
    // Operations whose bulkId references name a POST that has not run yet
    // wait for it (RFC 7644 §3.7: reordering keeps the client's intent);
    // when nothing can run, the rest run in order (circular references,
    // §3.7.1) and their unresolved references answer 409.
    let reorder = !state.faults.has(Fault::BulkForwardReferenceDropped);
    let mut results: Vec<Option<Value>> = vec![None; operations.len()];
    let mut pending: Vec<usize> = (0..operations.len()).collect();
    let mut errors = 0;
    let mut waiting_allowed = reorder;
    'passes: while !pending.is_empty() {
        let unrun: HashSet<&str> = pending
            .iter()
            .filter_map(|&i| operations[i].get("bulkId").and_then(Value::as_str))
            .collect();
        let mut deferred = Vec::new();
        for &index in &pending {
            if limit.is_some_and(|limit| errors >= limit) {
                break 'passes;
            }
            let operation = &operations[index];
            if waiting_allowed {
                let mut refs = Vec::new();
                references(operation, &mut refs);
                if refs
                    .iter()
                    .any(|r| !ids.contains_key(r) && unrun.contains(r.as_str()))
                {
                    deferred.push(index);
                    continue;
                }
            }
            let result = run_operation(state, operation, &mut ids);
            if result
                .get("status")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<u16>().ok())
                .is_some_and(|s| s >= 400)
            {
                errors += 1;
            }
            results[index] = Some(result);
        }
        if deferred.len() == pending.len() {
            if state.faults.has(Fault::BulkCircular500) {
                return Err(ScimError::internal(
                    "stack overflow resolving bulkId references",
                ));
            }
            waiting_allowed = false;
        }
        pending = deferred;
    }
    let results: Vec<Value> = results.into_iter().flatten().collect();
    Ok(scim_response(
        state,
        StatusCode::OK,
        &json!({"schemas": [urns::BULK_RESPONSE], "Operations": results}),
    ))
}

fn run_operation(state: &AppState, operation: &Value, ids: &mut HashMap<String, String>) -> Value {
    let method = operation
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let bulk_id = operation
        .get("bulkId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut out = json!({"method": method});
    if let Some(bulk_id) = &bulk_id {
        out["bulkId"] = json!(bulk_id);
    }
    let outcome = execute(state, operation, &method, bulk_id.as_deref(), ids);
    match outcome {
        Ok((status, location, version)) => {
            out["status"] = json!(status.as_u16().to_string());
            if let Some(location) = location {
                out["location"] = json!(location);
            }
            if let Some(version) = version {
                out["version"] = json!(version);
            }
        }
        Err(error) => {
            out["status"] = json!(error.status.as_u16().to_string());
            out["response"] = error.body(&state.faults);
            // Every result but a failed POST says where the resource is
            // (RFC 7644 §3.7.3).
            if method != "POST"
                && !state.faults.has(Fault::BulkDeleteNoLocation)
                && let Some(location) = path_location(state, operation, ids)
            {
                out["location"] = json!(location);
            }
        }
    }
    out
}

/// The URL of the resource an operation's path names, when it names one.
fn path_location(
    state: &AppState,
    operation: &Value,
    ids: &HashMap<String, String>,
) -> Option<String> {
    let path = operation.get("path").and_then(Value::as_str)?;
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let endpoint = segments.next()?;
    let id = segments.next().filter(|id| !id.is_empty())?;
    let id = id
        .strip_prefix("bulkId:")
        .map_or(Some(id), |key| ids.get(key).map(String::as_str))?;
    let resource_type = state.registry.resource_types().iter().find(|rt| {
        rt.endpoint
            .trim_start_matches('/')
            .eq_ignore_ascii_case(endpoint)
    })?;
    Some(render_location(state, resource_type, id))
}

/// The bulkIds an operation's path and data reference ("bulkId:ID").
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            if let Some((_, reference)) = text.split_once("bulkId:") {
                let end = reference
                    .find(|c: char| c == '/' || c == '"' || c.is_whitespace())
                    .unwrap_or(reference.len());
                out.push(reference[..end].to_string());
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, out)),
        Value::Object(object) => object
            .iter()
            .filter(|(key, _)| key.as_str() != "bulkId")
            .for_each(|(_, item)| references(item, out)),
        _ => {}
    }
}

type Outcome = (StatusCode, Option<String>, Option<String>);

fn execute(
    state: &AppState,
    operation: &Value,
    method: &str,
    bulk_id: Option<&str>,
    ids: &mut HashMap<String, String>,
) -> Result<Outcome, ScimError> {
    let path = operation
        .get("path")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::invalid_syntax("each operation needs a path"))?;
    let options = Resolve {
        drop_unknown: state.faults.has(Fault::BulkForwardReferenceDropped),
        skip_extensions: state.faults.has(Fault::BulkIdExtensionUnresolved),
    };
    let path = resolve_references(&Value::String(path.to_string()), ids, options)?;
    let path = path.as_str().unwrap_or_default().to_string();
    let data = match operation.get("data") {
        Some(data) => Some(resolve_references(data, ids, options)?),
        None => None,
    };
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let endpoint = segments.next().unwrap_or_default();
    let id = segments.next();
    let resource_type = handlers::resource_type_for(state, endpoint)?;
    let mut headers = HeaderMap::new();
    if let Some(version) = operation.get("version").and_then(Value::as_str)
        && let Ok(value) = HeaderValue::from_str(version)
    {
        headers.insert(header::IF_MATCH, value);
    }
    let need_data = || {
        data.clone()
            .ok_or_else(|| ScimError::invalid_syntax(format!("{method} needs data")))
    };
    let mut created = None;
    let response = match (method, id) {
        ("POST", None) => {
            let bulk_id = bulk_id
                .ok_or_else(|| ScimError::invalid_syntax("POST operations need a bulkId"))?;
            let (response, new_id) =
                handlers::create_stored(state, resource_type, &need_data()?, &[])?;
            ids.insert(bulk_id.to_string(), new_id.clone());
            created = Some(new_id);
            response
        }
        ("PUT", Some(id)) => {
            handlers::replace_resource(state, resource_type, id, &need_data()?, &headers, &[])?
        }
        ("PATCH", Some(id)) => {
            handlers::patch_resource(state, resource_type, id, &need_data()?, &headers, &[])?
        }
        ("DELETE", Some(id)) => handlers::delete_resource(state, resource_type, id, &headers)?,
        _ => {
            return Err(ScimError::invalid_syntax(format!(
                "unsupported bulk operation {method} {path}"
            )));
        }
    };
    let header_text = |name: header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    // The location comes from the id, not the Location header, which a
    // fault may remove: bulk results always say where the resource is.
    let location = created
        .as_deref()
        .or(id)
        .filter(|_| method != "DELETE" || !state.faults.has(Fault::BulkDeleteNoLocation))
        .map(|id| render_location(state, resource_type, id));
    Ok((response.status(), location, header_text(header::ETAG)))
}

fn render_location(
    state: &AppState,
    resource_type: &crate::scim::schema::ResourceTypeDef,
    id: &str,
) -> String {
    super::render::location(&state.base_url(), resource_type, id)
}

/// Fault switches for [`resolve_references`].
#[derive(Clone, Copy)]
struct Resolve {
    /// `bulk-forward-reference-dropped`: array values with an unknown
    /// reference are left out.
    drop_unknown: bool,
    /// `bulk-id-extension-unresolved`: extension objects are left alone.
    skip_extensions: bool,
}

/// Replaces `bulkId:ID` strings with the ids of resources created earlier in
/// the same request.
fn resolve_references(
    value: &Value,
    ids: &HashMap<String, String>,
    options: Resolve,
) -> Result<Value, ScimError> {
    if ids.contains_key(UNRESOLVED) {
        return Ok(value.clone());
    }
    Ok(match value {
        Value::String(text) => match text.split_once("bulkId:") {
            Some((before, reference)) => {
                let end = reference
                    .find(|c: char| c == '/' || c == '"' || c.is_whitespace())
                    .unwrap_or(reference.len());
                let (key, rest) = reference.split_at(end);
                let id = ids.get(key).ok_or_else(|| {
                    ScimError::new(
                        StatusCode::CONFLICT,
                        Some("invalidValue"),
                        format!("bulkId {key} does not name an earlier POST"),
                    )
                })?;
                Value::String(format!("{before}{id}{rest}"))
            }
            None => value.clone(),
        },
        Value::Array(items) if options.drop_unknown => Value::Array(
            items
                .iter()
                .filter_map(|item| resolve_references(item, ids, options).ok())
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| resolve_references(item, ids, options))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(object) => {
            let mut out = serde_json::Map::new();
            for (key, item) in object {
                let resolved = if options.skip_extensions && key.starts_with("urn:") {
                    item.clone()
                } else {
                    resolve_references(item, ids, options)?
                };
                out.insert(key.clone(), resolved);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}
