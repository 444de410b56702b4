//! A small SCIM endpoint for the transport tests: configurable
//! authentication (bearer, Basic, an API-key header, or OAuth with its own
//! token endpoint at `/token`), optional TLS (with a client-certificate
//! requirement), 429 answers with Retry-After, and a log of every request.
//! It echoes request headers back (in 401 bodies, in `/v2/Echo`, in the token
//! endpoint's errors) so tests can prove scimspec hides them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};
use tokio_rustls::rustls;

use super::server_thread::ServerThread;

#[derive(Clone, Debug)]
pub enum Auth {
    Bearer(String),
    Basic(String, String),
    /// A header that must carry this value.
    Header(String, String),
    /// Tokens from this server's `/token`, for this client id and secret.
    OAuthClient {
        client_id: String,
        client_secret: String,
    },
}

/// PEM material for an HTTPS server.
#[derive(Clone)]
pub struct ServerTls {
    pub cert_pem: String,
    pub key_pem: String,
    /// Require a client certificate issued by this CA.
    pub client_ca_pem: Option<String>,
}

#[derive(Clone)]
pub struct Options {
    pub auth: Auth,
    pub tls: Option<ServerTls>,
    /// Answer 429 (Retry-After: 1) to the first N requests with this
    /// "METHOD /path".
    pub throttle: Vec<(String, usize)>,
    /// `expires_in` of the OAuth tokens; they are refused after it.
    pub token_lifetime: Duration,
    /// OAuth tokens are refused after this many uses.
    pub token_max_uses: Option<usize>,
}

impl Options {
    pub fn new(auth: Auth) -> Options {
        Options {
            auth,
            tls: None,
            throttle: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
            token_max_uses: None,
        }
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Logged {
    /// "GET /v2/Users", or "token" for a token request.
    pub what: String,
    pub status: u16,
    pub authorization: Option<String>,
    pub headers: Vec<(String, String)>,
    pub at: Instant,
}

struct Token {
    issued: Instant,
    uses: usize,
}

struct AppState {
    options: Options,
    log: Mutex<Vec<Logged>>,
    tokens: Mutex<HashMap<String, Token>>,
    throttled: Mutex<HashMap<String, usize>>,
}

pub struct TransportServer {
    pub base_url: String,
    pub token_url: String,
    state: Arc<AppState>,
    _server: ServerThread,
}

impl TransportServer {
    pub fn log(&self) -> Vec<Logged> {
        self.state.log.lock().unwrap().clone()
    }

    /// The access tokens issued so far.
    pub fn tokens(&self) -> Vec<String> {
        self.state.tokens.lock().unwrap().keys().cloned().collect()
    }

    /// How many requests with this "METHOD /path" arrived.
    pub fn count(&self, what: &str) -> usize {
        self.log().iter().filter(|l| l.what == what).count()
    }
}

/// Starts the server on an ephemeral 127.0.0.1 port, on its own thread.
pub fn start(options: Options) -> TransportServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let scheme = if options.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let base_url = format!("{scheme}://127.0.0.1:{port}/v2");
    let token_url = format!("{scheme}://127.0.0.1:{port}/token");
    let state = Arc::new(AppState {
        options: options.clone(),
        log: Mutex::new(Vec::new()),
        tokens: Mutex::new(HashMap::new()),
        throttled: Mutex::new(HashMap::new()),
    });
    let app = Router::new().fallback(handle).with_state(state.clone());
    let server = ServerThread::spawn(move |signal| async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        let stop = async {
            let _ = signal.await;
        };
        match options.tls {
            None => {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(stop)
                    .await;
            }
            Some(tls) => {
                let listener = TlsListener {
                    inner: listener,
                    acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(server_config(&tls))),
                };
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(stop)
                    .await;
            }
        }
    });
    TransportServer {
        base_url,
        token_url,
        state,
        _server: server,
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn server_config(tls: &ServerTls) -> rustls::ServerConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(tls.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .expect("server certificate PEM");
    let key = PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes()).expect("server key PEM");
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions");
    let builder = match &tls.client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                roots.add(cert.expect("client CA PEM")).expect("client CA");
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        }
    };
    builder
        .with_single_cert(certs, key)
        .expect("server certificate")
}

/// Accepts TCP connections and completes the TLS handshake; a failed
/// handshake (the client distrusts the certificate, or has none to show)
/// only drops that connection.
struct TlsListener {
    inner: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, address)) = self.inner.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let handshake = self.acceptor.accept(stream);
            if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(5), handshake).await {
                return (tls, address);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

fn scim(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/scim+json")],
        body.to_string(),
    )
        .into_response()
}

fn list() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": [],
    })
}

fn header_map(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Everything the request carried that could be a secret, as text: every
/// header, and the decoded Basic credentials.
fn echo(headers: &HeaderMap, body: &[u8]) -> Value {
    let mut echoed = serde_json::Map::new();
    echoed.insert("echoed-by-test-server".into(), Value::Bool(true));
    // The decoded credentials and the body first: the token endpoint's
    // error_description is shown cut short.
    if let Some(decoded) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
    {
        echoed.insert(
            "decoded-basic".into(),
            Value::String(String::from_utf8_lossy(&decoded).into_owned()),
        );
    }
    echoed.insert(
        "body".into(),
        Value::String(String::from_utf8_lossy(body).into_owned()),
    );
    for (name, value) in header_map(headers) {
        echoed.insert(name, Value::String(value));
    }
    Value::Object(echoed)
}

async fn handle(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let what = format!("{method} {}", uri.path());
    let response = if uri.path() == "/token" && method == Method::POST {
        token(&state, &headers, &body)
    } else {
        scim_route(&state, &method, &uri, &headers, &body, &what)
    };
    state.log.lock().unwrap().push(Logged {
        what: if uri.path() == "/token" {
            "token".into()
        } else {
            what
        },
        status: response.status().as_u16(),
        authorization: headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        headers: header_map(&headers),
        at: Instant::now(),
    });
    response
}

/// The OAuth token endpoint (client credentials, RFC 6749 §4.4).
fn token(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Response {
    let Auth::OAuthClient {
        client_id,
        client_secret,
    } = &state.options.auth
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let from_basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|d| String::from_utf8(d).ok())
        .and_then(|d| {
            d.split_once(':').map(|(id, secret)| {
                let decode = |s: &str| {
                    url::form_urlencoded::parse(format!("x={s}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default()
                };
                (decode(id), decode(secret))
            })
        });
    let presented = from_basic.or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    });
    if presented.as_ref() != Some(&(client_id.clone(), client_secret.clone())) {
        // A careless endpoint that echoes what it got, secret included.
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            json!({
                "error": "invalid_client",
                "error_description": format!("client authentication failed: {}", echo(headers, body)),
            })
            .to_string(),
        )
            .into_response();
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            json!({"error": "unsupported_grant_type"}).to_string(),
        )
            .into_response();
    }
    let mut tokens = state.tokens.lock().unwrap();
    let random: u64 = rand::random();
    let token = format!("access-{}-{random:016x}", tokens.len() + 1);
    tokens.insert(
        token.clone(),
        Token {
            issued: Instant::now(),
            uses: 0,
        },
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": state.options.token_lifetime.as_secs(),
        })
        .to_string(),
    )
        .into_response()
}

fn authorized(state: &AppState, headers: &HeaderMap) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match &state.options.auth {
        Auth::Bearer(token) => value("authorization") == Some(&format!("Bearer {token}")),
        Auth::Basic(user, password) => {
            let expected =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            value("authorization") == Some(&format!("Basic {expected}"))
        }
        Auth::Header(name, expected) => value(name) == Some(expected.as_str()),
        Auth::OAuthClient { .. } => {
            let Some(token) = value("authorization").and_then(|v| v.strip_prefix("Bearer ")) else {
                return false;
            };
            let mut tokens = state.tokens.lock().unwrap();
            let Some(entry) = tokens.get_mut(token) else {
                return false;
            };
            let fresh = entry.issued.elapsed() < state.options.token_lifetime;
            let unused = state
                .options
                .token_max_uses
                .is_none_or(|max| entry.uses < max);
            entry.uses += 1;
            fresh && unused
        }
    }
}

fn scim_route(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
) -> Response {
    if !authorized(state, headers) {
        // A careless server that echoes the credentials it rejected.
        let mut response = scim(
            StatusCode::UNAUTHORIZED,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "401",
                "detail": format!("rejected: {}", echo(headers, body)),
            }),
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"test\""),
        );
        return response;
    }
    if let Some((_, limit)) = state.options.throttle.iter().find(|(key, _)| key == what) {
        let mut throttled = state.throttled.lock().unwrap();
        let count = throttled.entry(what.to_string()).or_insert(0);
        if *count < *limit {
            *count += 1;
            let mut response = scim(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "429"}),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return response;
        }
    }
    match (method.as_str(), uri.path()) {
        ("GET", "/v2/ServiceProviderConfig") => scim(
            StatusCode::OK,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "patch": {"supported": false},
                "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": false, "maxResults": 0},
                "changePassword": {"supported": false},
                "sort": {"supported": false},
                "etag": {"supported": false},
                "authenticationSchemes": [],
            }),
        ),
        ("GET", "/v2/ResourceTypes") => {
            let mut body = list();
            body["Resources"] = json!([{
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "User", "name": "User", "endpoint": "/Users",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
            }]);
            body["totalResults"] = json!(1);
            body["itemsPerPage"] = json!(1);
            scim(StatusCode::OK, body)
        }
        ("GET", "/v2/Echo") => scim(StatusCode::OK, echo(headers, body)),
        ("GET", _) => scim(StatusCode::OK, list()),
        ("POST", path) if path.ends_with("/.search") => scim(StatusCode::OK, list()),
        ("POST", "/v2/Users") => {
            let id: u32 = rand::random();
            let location = format!("/v2/Users/{id:08x}");
            let mut response = scim(
                StatusCode::CREATED,
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "id": format!("{id:08x}"),
                    "userName": "transport-user",
                    "meta": {"resourceType": "User", "location": location},
                }),
            );
            response.headers_mut().insert(
                header::LOCATION,
                header::HeaderValue::from_str(&location).unwrap(),
            );
            response
        }
        ("DELETE", _) => StatusCode::NO_CONTENT.into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A test CA, and certificates it issued: one for the server (127.0.0.1 and
/// localhost) and one for a client.
pub struct TestPki {
    pub ca_pem: String,
    pub server: ServerTls,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

pub fn test_pki() -> TestPki {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "scimspec test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose| {
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "scimspec test");
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(
        vec!["127.0.0.1".into(), "localhost".into()],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (client_cert, client_key) = leaf(
        vec!["scimspec-client".into()],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    TestPki {
        ca_pem: ca_cert.pem(),
        server: ServerTls {
            cert_pem: server_cert,
            key_pem: server_key,
            client_ca_pem: None,
        },
        client_cert_pem: client_cert,
        client_key_pem: client_key,
    }
}
