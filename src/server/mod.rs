//! The reference SCIM server (`scimspec serve`): an in-memory service
//! provider that follows RFC 7643/7644, driven by the same schema
//! definitions, filter grammar and PATCH paths as the tester, with named
//! fault switches that reproduce real-world bugs.

mod bulk;
pub mod error;
pub mod faults;
mod handlers;
mod patch;
mod query;
mod render;
mod resource;
mod store;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use chrono::Utc;
use serde_json::json;

use crate::scim::schema::SchemaRegistry;
use error::ScimError;
use faults::FaultSet;
use store::{Store, Stored};

/// Where the routes live under the listening address.
pub const BASE_PATH: &str = "/v2";

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: IpAddr,
    /// 0: an ephemeral port.
    pub port: u16,
    pub token: String,
    pub faults: FaultSet,
    pub seed_users: usize,
    /// One log line per request on stderr.
    pub log_requests: bool,
}

impl ServerConfig {
    pub fn local(token: String) -> ServerConfig {
        ServerConfig {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            token,
            faults: FaultSet::default(),
            seed_users: 0,
            log_requests: false,
        }
    }
}

pub struct AppState {
    pub registry: &'static SchemaRegistry,
    pub faults: FaultSet,
    token: String,
    base_url: OnceLock<String>,
    pub store: RwLock<Store>,
    /// Deleted resources kept readable by the `delete-leaves-readable` fault.
    graveyard: Mutex<HashMap<(String, String), Stored>>,
    /// The versions PUT and PATCH replaced, with when: what the
    /// `stale-reads` fault answers GET with for a while.
    replaced: Mutex<HashMap<(String, String), (Stored, std::time::Instant)>>,
    /// When recent user queries arrived (`queries-rate-limited`).
    recent_queries: Mutex<std::collections::VecDeque<std::time::Instant>>,
    /// One user query at a time (`queries-serialized`).
    query_worker: tokio::sync::Mutex<()>,
    log_requests: bool,
}

/// `queries-rate-limited`: user queries allowed in any one second.
const QUERY_RATE_LIMIT: usize = 10;
/// `queries-serialized`: what each user query costs.
const SERIAL_QUERY_MS: u64 = 100;

/// How long the `stale-reads` fault keeps answering the previous version.
const STALE_READ_MS: u128 = 1000;

impl AppState {
    pub fn base_url(&self) -> String {
        self.base_url.get().cloned().unwrap_or_default()
    }

    fn bury(&self, stored: Stored) {
        if let Ok(mut graveyard) = self.graveyard.lock() {
            graveyard.insert((stored.resource_type.clone(), stored.id.clone()), stored);
        }
    }

    /// Whether a deleted user had this userName (`deleted-names-reserved`).
    fn buried_user_name(&self, user_name: &str) -> bool {
        self.graveyard.lock().is_ok_and(|graveyard| {
            graveyard.values().any(|stored| {
                stored.resource_type == "User"
                    && stored
                        .data
                        .get("userName")
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(|name| name.eq_ignore_ascii_case(user_name))
            })
        })
    }

    /// `stale-reads`: remember the version a write is about to replace.
    fn remember_replaced(&self, stored: &Stored) {
        if let Ok(mut replaced) = self.replaced.lock() {
            replaced.retain(|_, (_, at)| at.elapsed().as_millis() < STALE_READ_MS);
            replaced.insert(
                (stored.resource_type.clone(), stored.id.clone()),
                (stored.clone(), std::time::Instant::now()),
            );
        }
    }

    /// `stale-reads`: the version replaced less than a second ago, if any.
    fn stale_version(&self, resource_type: &str, id: &str) -> Option<Stored> {
        let replaced = self.replaced.lock().ok()?;
        let (stored, at) = replaced.get(&(resource_type.to_string(), id.to_string()))?;
        (at.elapsed().as_millis() < STALE_READ_MS).then(|| stored.clone())
    }

    /// `queries-rate-limited`: whether one more user query now would exceed
    /// the limit (a sliding one-second window); counts it when it does not.
    fn query_over_limit(&self) -> bool {
        let Ok(mut recent) = self.recent_queries.lock() else {
            return false;
        };
        let now = std::time::Instant::now();
        while recent
            .front()
            .is_some_and(|at| now.duration_since(*at).as_millis() >= 1000)
        {
            recent.pop_front();
        }
        if recent.len() >= QUERY_RATE_LIMIT {
            return true;
        }
        recent.push_back(now);
        false
    }

    fn graveyard_get(&self, resource_type: &str, id: &str) -> Option<Stored> {
        self.graveyard
            .lock()
            .ok()?
            .get(&(resource_type.to_string(), id.to_string()))
            .cloned()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, String),
}

/// A server running on a background task; dropping it stops the server.
pub struct RunningServer {
    pub base_url: String,
    pub token: String,
    pub address: SocketAddr,
    state: Arc<AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    /// How many resources of a type the server holds (for tests and reports).
    pub fn count(&self, resource_type: &str) -> usize {
        self.state
            .store
            .read()
            .map(|store| store.count(resource_type))
            .unwrap_or(0)
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server ends (it runs until the process is stopped).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Binds, seeds and starts the server on the current tokio runtime.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let address = SocketAddr::new(config.bind, config.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| ServerError::Bind(address, e.to_string()))?;
    let address = listener
        .local_addr()
        .map_err(|e| ServerError::Bind(address, e.to_string()))?;
    let host = match address.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let base_url = format!("http://{host}:{}{BASE_PATH}", address.port());
    let state = Arc::new(AppState {
        registry: SchemaRegistry::builtin(),
        faults: config.faults.clone(),
        token: config.token.clone(),
        base_url: OnceLock::new(),
        store: RwLock::new(Store::new(
            config.faults.has(faults::Fault::UserNameNotNormalised),
        )),
        graveyard: Mutex::new(HashMap::new()),
        replaced: Mutex::new(HashMap::new()),
        recent_queries: Mutex::new(std::collections::VecDeque::new()),
        query_worker: tokio::sync::Mutex::new(()),
        log_requests: config.log_requests,
    });
    let _ = state.base_url.set(base_url.clone());
    seed(&state, config.seed_users);
    let app = router(state.clone());
    let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = signal.await;
            })
            .await;
    });
    Ok(RunningServer {
        base_url,
        token: config.token,
        address,
        state,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

fn router(state: Arc<AppState>) -> Router {
    let v2 = Router::new()
        .route(
            "/ServiceProviderConfig",
            get(handlers::service_provider_config)
                .put(handlers::discovery_write)
                .patch(handlers::discovery_write)
                .delete(handlers::discovery_write),
        )
        .route("/ResourceTypes", get(handlers::resource_types))
        .route(
            "/ResourceTypes/{id}",
            get(handlers::resource_type)
                .put(handlers::discovery_write)
                .delete(handlers::discovery_write),
        )
        .route("/Schemas", get(handlers::schemas))
        .route(
            "/Schemas/{id}",
            get(handlers::schema)
                .put(handlers::discovery_write)
                .delete(handlers::discovery_write),
        )
        .route("/", get(handlers::list_root))
        .route("/.search", post(handlers::search_root))
        .route("/Bulk", post(handlers::bulk))
        .route("/Me", any(handlers::me))
        .route("/{endpoint}", get(handlers::list).post(handlers::create))
        .route("/{endpoint}/.search", post(handlers::search))
        .route(
            "/{endpoint}/{id}",
            get(handlers::get_one)
                .put(handlers::replace)
                .patch(handlers::modify)
                .delete(handlers::delete),
        )
        .fallback(handlers::not_found)
        .with_state(state.clone());
    Router::new()
        // The root with a trailing slash, as clients spell "the base URL + /".
        .route(&format!("{BASE_PATH}/"), get(handlers::list_root))
        .nest(BASE_PATH, v2)
        .fallback(handlers::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(bulk::MAX_PAYLOAD_SIZE * 4))
        .with_state(state)
}

/// Authentication (bearer token; /ServiceProviderConfig is public so clients
/// can discover how to authenticate, RFC 7644 §4) and request logging.
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let public = uri.path() == format!("{BASE_PATH}/ServiceProviderConfig")
        && !state.faults.has(faults::Fault::SpcRequiresAuth);
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| constant_time_eq(token.trim().as_bytes(), state.token.as_bytes()));
    let anonymous_allowed = state.faults.has(faults::Fault::AnonymousAllowed);
    let json_accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "application/json");
    let response = if json_accept && state.faults.has(faults::Fault::JsonAcceptRejected) {
        handlers::error_response(
            &state,
            &ScimError::new(
                axum::http::StatusCode::NOT_ACCEPTABLE,
                None,
                "only application/scim+json is served",
            ),
        )
    } else if public || authorized || anonymous_allowed {
        next.run(request).await
    } else {
        handlers::error_response(&state, &ScimError::unauthorized())
    };
    if state.log_requests {
        eprintln!(
            "{} {} {} -> {}",
            Utc::now().format("%H:%M:%S%.3f"),
            method,
            uri,
            response.status().as_u16()
        );
    }
    response
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Pre-populates users `seed-000001`… (for load tests and demos).
fn seed(state: &AppState, count: usize) {
    let Some(user_type) = state.registry.resource_type("User") else {
        return;
    };
    let Ok(mut store) = state.store.write() else {
        return;
    };
    for n in 1..=count {
        let body = json!({
            "schemas": [user_type.schema],
            "userName": format!("seed-{n:06}"),
            "name": {"givenName": format!("Given{n}"), "familyName": format!("Family{}", n % 97)},
            "displayName": format!("Seed User {n}"),
            "emails": [{"value": format!("seed-{n:06}@example.com"), "type": "work", "primary": true}],
            "active": n % 10 != 0,
            "externalId": format!("ext-{n:06}"),
        });
        let _ = handlers::insert_new(state, &mut store, user_type, &body);
    }
}

/// A random token for servers started without one.
pub fn generate_token() -> String {
    let bytes: [u8; 24] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
