//! A small in-test SCIM server that is correct for the foundation suites
//! unless told to break a specific rule, so tests can prove that the matching
//! checks fail, with the right message.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::server_thread::ServerThread;

pub const TOKEN: &str = "fault-server-token-91d2";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// POST /Users answers 200 instead of 201.
    CreateReturns200,
    /// No Location header on create.
    NoLocationHeader,
    /// Error `status` as a JSON number.
    IntegerErrorStatus,
    /// `filter` is ignored: every user is returned.
    FilterIgnored,
    /// userName uniqueness is not enforced.
    NoUniqueness,
    /// sort.supported is advertised, but sortBy is ignored.
    SortIgnored,
}

#[derive(Default)]
struct Store {
    users: BTreeMap<String, Value>,
    next_id: u64,
}

#[derive(Clone)]
struct AppState {
    faults: Arc<HashSet<Fault>>,
    store: Arc<Mutex<Store>>,
    base: Arc<String>,
}

pub struct FaultServer {
    pub base_url: String,
    _server: ServerThread,
}

/// Starts the server on an ephemeral 127.0.0.1 port, on its own thread.
pub fn start(faults: &[Fault]) -> FaultServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let base_url = format!("http://127.0.0.1:{port}/v2");
    let state = AppState {
        faults: Arc::new(faults.iter().copied().collect()),
        store: Arc::new(Mutex::new(Store::default())),
        base: Arc::new(base_url.clone()),
    };
    let server = ServerThread::spawn(move |signal| async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        let app = router(state);
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = signal.await;
            })
            .await;
    });
    FaultServer {
        base_url,
        _server: server,
    }
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/v2/ServiceProviderConfig", get(service_provider_config))
        .route("/v2/ResourceTypes", get(resource_types))
        .route("/v2/ResourceTypes/{id}", get(resource_type))
        .route("/v2/Schemas", get(schemas))
        .route("/v2/Schemas/{id}", get(schema))
        .route("/v2/Users", get(list_users).post(create_user))
        .route(
            "/v2/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .with_state(state)
}

fn scim(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    response
}

fn error(state: &AppState, status: StatusCode, scim_type: Option<&str>) -> Response {
    let status_value = if state.faults.contains(&Fault::IntegerErrorStatus) {
        json!(status.as_u16())
    } else {
        json!(status.as_u16().to_string())
    };
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status_value,
        "detail": status.canonical_reason().unwrap_or("error"),
    });
    if let Some(scim_type) = scim_type {
        body["scimType"] = json!(scim_type);
    }
    scim(status, body)
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"))
}

macro_rules! require_auth {
    ($state:expr, $headers:expr) => {
        if !authorized(&$headers) {
            return error(&$state, StatusCode::UNAUTHORIZED, None);
        }
    };
}

fn list(resources: Vec<Value>, total: usize, start: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

async fn service_provider_config(State(state): State<AppState>) -> Response {
    let sort = state.faults.contains(&Fault::SortIgnored);
    scim(
        StatusCode::OK,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 100},
            "changePassword": {"supported": false},
            "sort": {"supported": sort},
            "etag": {"supported": false},
            "authenticationSchemes": [{"type": "oauthbearertoken", "name": "Bearer", "description": "Bearer token"}]
        }),
    )
}

fn user_resource_type() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User", "name": "User", "endpoint": "/Users",
        "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
        "schemaExtensions": []
    })
}

fn user_schema() -> Value {
    let attribute = |name: &str, kind: &str, multi: bool| {
        json!({"name": name, "type": kind, "multiValued": multi, "required": name == "userName",
               "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"})
    };
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": "urn:ietf:params:scim:schemas:core:2.0:User",
        "name": "User",
        "attributes": [
            attribute("userName", "string", false),
            attribute("displayName", "string", false),
            attribute("name", "complex", false),
            attribute("emails", "complex", true),
            attribute("active", "boolean", false),
        ]
    })
}

async fn resource_types() -> Response {
    scim(StatusCode::OK, list(vec![user_resource_type()], 1, 1))
}

async fn resource_type(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if id == "User" {
        scim(StatusCode::OK, user_resource_type())
    } else {
        error(&state, StatusCode::NOT_FOUND, None)
    }
}

async fn schemas() -> Response {
    scim(StatusCode::OK, list(vec![user_schema()], 1, 1))
}

async fn schema(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if id == "urn:ietf:params:scim:schemas:core:2.0:User" {
        scim(StatusCode::OK, user_schema())
    } else {
        error(&state, StatusCode::NOT_FOUND, None)
    }
}

/// Supports exactly what the foundation suites send: `userName eq|sw "v"`.
fn matches_filter(user: &Value, filter: &str) -> Option<bool> {
    let mut parts = filter.splitn(3, ' ');
    let (attr, op, value) = (parts.next()?, parts.next()?, parts.next()?);
    if !attr.eq_ignore_ascii_case("userName") {
        return None;
    }
    let value = value.strip_prefix('"')?.strip_suffix('"')?.to_lowercase();
    let actual = user["userName"].as_str()?.to_lowercase();
    match op.to_ascii_lowercase().as_str() {
        "eq" => Some(actual == value),
        "sw" => Some(actual.starts_with(&value)),
        _ => None,
    }
}

async fn list_users(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    require_auth!(state, headers);
    let users: Vec<Value> = state
        .store
        .lock()
        .map(|s| s.users.values().cloned().collect())
        .unwrap_or_default();
    if let Some(filter) = query.get("filter")
        && matches_filter(&json!({"userName": ""}), filter).is_none()
    {
        return error(&state, StatusCode::BAD_REQUEST, Some("invalidFilter"));
    }
    let mut matched = Vec::new();
    for user in users {
        match query.get("filter") {
            Some(_) if state.faults.contains(&Fault::FilterIgnored) => matched.push(user),
            Some(filter) => match matches_filter(&user, filter) {
                Some(true) => matched.push(user),
                Some(false) => {}
                None => return error(&state, StatusCode::BAD_REQUEST, Some("invalidFilter")),
            },
            None => matched.push(user),
        }
    }
    let start = query
        .get("startIndex")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let count = query
        .get("count")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100);
    let total = matched.len();
    let page: Vec<Value> = matched.into_iter().skip(start - 1).take(count).collect();
    scim(StatusCode::OK, list(page, total, start))
}

fn stored(state: &AppState, id: &str, body: &Value, created: &str) -> Value {
    let mut user = body.clone();
    user["id"] = json!(id);
    user["meta"] = json!({
        "resourceType": "User",
        "created": created,
        "lastModified": "2026-01-01T00:00:00Z",
        "location": format!("{}/Users/{id}", state.base),
    });
    user
}

async fn create_user(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    require_auth!(state, headers);
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(&state, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    };
    let Some(user_name) = body["userName"].as_str().map(str::to_lowercase) else {
        return error(&state, StatusCode::BAD_REQUEST, Some("invalidValue"));
    };
    let Ok(mut store) = state.store.lock() else {
        return error(&state, StatusCode::INTERNAL_SERVER_ERROR, None);
    };
    let taken = store
        .users
        .values()
        .any(|u| u["userName"].as_str().map(str::to_lowercase) == Some(user_name.clone()));
    if taken && !state.faults.contains(&Fault::NoUniqueness) {
        return error(&state, StatusCode::CONFLICT, Some("uniqueness"));
    }
    store.next_id += 1;
    let id = format!("u{}", store.next_id);
    let user = stored(&state, &id, &body, "2026-01-01T00:00:00Z");
    store.users.insert(id.clone(), user.clone());
    let status = if state.faults.contains(&Fault::CreateReturns200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = scim(status, user);
    if !state.faults.contains(&Fault::NoLocationHeader)
        && let Ok(location) = HeaderValue::from_str(&format!("{}/Users/{id}", state.base))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn get_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    require_auth!(state, headers);
    let user = state
        .store
        .lock()
        .ok()
        .and_then(|s| s.users.get(&id).cloned());
    match user {
        Some(user) => scim(StatusCode::OK, user),
        None => error(&state, StatusCode::NOT_FOUND, None),
    }
}

async fn replace_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    require_auth!(state, headers);
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(&state, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    };
    let Ok(mut store) = state.store.lock() else {
        return error(&state, StatusCode::INTERNAL_SERVER_ERROR, None);
    };
    if !store.users.contains_key(&id) {
        return error(&state, StatusCode::NOT_FOUND, None);
    }
    let user = stored(&state, &id, &body, "2026-01-01T00:00:00Z");
    store.users.insert(id, user.clone());
    scim(StatusCode::OK, user)
}

async fn patch_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    require_auth!(state, headers);
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(&state, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    };
    let Ok(mut store) = state.store.lock() else {
        return error(&state, StatusCode::INTERNAL_SERVER_ERROR, None);
    };
    let Some(user) = store.users.get_mut(&id) else {
        return error(&state, StatusCode::NOT_FOUND, None);
    };
    for operation in body["Operations"].as_array().cloned().unwrap_or_default() {
        match (operation["op"].as_str(), operation["path"].as_str()) {
            (Some("replace"), Some(path)) if !path.contains(['.', '[']) => {
                user[path] = operation["value"].clone();
            }
            _ => return error(&state, StatusCode::BAD_REQUEST, Some("invalidPath")),
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn delete_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    require_auth!(state, headers);
    let removed = state
        .store
        .lock()
        .ok()
        .and_then(|mut s| s.users.remove(&id));
    match removed {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => error(&state, StatusCode::NOT_FOUND, None),
    }
}
