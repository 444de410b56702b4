//! Authentication and transport against local servers: OAuth client
//! credentials (fetched before discovery, renewed on expiry and on 401), HTTP
//! Basic, headers from the environment, TLS with a test CA and a client
//! certificate requirement, --insecure, proxies, retries on 429 and the rate
//! limit; and that no secret reaches any output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::support::transport_server::{self, Auth, Options, TransportServer, test_pki};
use crate::support::{result, scimspec};

const SCHEMA_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// Reads, a search, and a create (with its cleanup).
fn suite() -> String {
    format!(
        r#"
id: test.transport
title: Transport
checks:
  - id: t.list
    title: GET /Groups answers 200
    requirements: [{{id: P-4-01}}]
    steps:
      - request: {{method: GET, path: /Groups}}
        expect: {{status: 200}}
  - id: t.search
    title: POST /Groups/.search answers 200
    requirements: [{{id: P-4-01}}]
    steps:
      - request:
          method: POST
          path: /Groups/.search
          body: {{schemas: [urn:ietf:params:scim:api:messages:2.0:SearchRequest]}}
        expect: {{status: 200}}
  - id: t.create
    title: POST /Users answers 201
    requirements: [{{id: P-4-01}}]
    steps:
      - request:
          method: POST
          path: /Users
          body: {{schemas: [{SCHEMA_USER}], userName: "{{{{ unique.user }}}}"}}
        capture: {{user_id: body.id}}
        expect: {{status: 201}}
    cleanup:
      - request: {{method: DELETE, path: "/Users/{{{{ user_id }}}}"}}
"#
    )
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    report: Option<Value>,
}

impl Run {
    fn report(&self) -> &Value {
        self.report.as_ref().expect("a JSON report")
    }

    fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs the given suite against `target` with these options and environment.
fn run_with(target: &str, suite: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let suite_path = dir.path().join("suite.yaml");
    std::fs::write(&suite_path, suite).unwrap();
    let report_path = dir.path().join("report.json");
    let mut command = scimspec();
    command
        .args(["run", "--no-builtin", "--target", target])
        .arg("--suite")
        .arg(&suite_path)
        .arg("--report-json")
        .arg(&report_path)
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        report: report_path
            .exists()
            .then(|| std::fs::read_to_string(&report_path).ok())
            .flatten()
            .and_then(|text| serde_json::from_str(&text).ok()),
    }
}

fn scim_run(server: &TransportServer, args: &[&str], env: &[(&str, &str)]) -> Run {
    run_with(&server.base_url, &suite(), args, env)
}

fn oauth_server(options: impl FnOnce(&mut Options)) -> TransportServer {
    let mut server_options = Options::new(Auth::OAuthClient {
        client_id: "scimspec-client".into(),
        client_secret: "client-secret-7f3a9c".into(),
    });
    options(&mut server_options);
    transport_server::start(server_options)
}

const OAUTH_ENV: [(&str, &str); 2] = [
    ("SCIM_CLIENT_ID", "scimspec-client"),
    ("SCIM_CLIENT_SECRET", "client-secret-7f3a9c"),
];

/// Every exchange of the report: discovery's and the checks'.
fn exchanges(report: &Value) -> Vec<&Value> {
    let discovery = report["discovery"]["exchanges"].as_array().unwrap().iter();
    let checks = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["exchanges"].as_array().unwrap().iter());
    discovery.chain(checks).collect()
}

#[test]
fn oauth_token_is_fetched_before_discovery_and_renewed_before_it_expires() {
    let server = oauth_server(|o| o.token_lifetime = Duration::from_secs(1));
    let suite = format!(
        "{}{}",
        suite(),
        r#"
  - id: t.later
    title: A read after the first token expired
    requirements: [{id: P-4-01}]
    steps:
      - request: {method: GET, path: /Groups}
        delay_ms: 1300
        expect: {status: 200}
"#
    );
    let token_url = server.token_url.clone();
    let run = run_with(
        &server.base_url,
        &suite,
        &["--oauth-token-url", &token_url, "--oauth-scope", "scim"],
        &OAUTH_ENV,
    );
    assert_eq!(run.code, Some(0), "{}", run.output());
    let log = server.log();
    // The token came first, and discovery carried it.
    assert_eq!(log[0].what, "token");
    assert_eq!(log[1].what, "GET /v2/ServiceProviderConfig");
    assert_eq!(log[1].status, 200);
    assert!(
        log[1]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Bearer access-1-"))
    );
    // Renewed ahead of expiry: a second token, and the target never had to
    // refuse one.
    assert!(server.tokens().len() >= 2, "{log:#?}");
    assert!(log.iter().all(|l| l.status != 401), "{log:#?}");
    let auth = run.report()["options"]["authentication"].as_str().unwrap();
    assert!(auth.contains("OAuth 2.0 client credentials") && auth.contains(&token_url));
}

#[test]
fn oauth_token_refused_by_the_target_is_renewed_and_the_request_resent_once() {
    // Each token is good for three requests, then the target answers 401.
    let server = oauth_server(|o| o.token_max_uses = Some(3));
    let token_url = server.token_url.clone();
    let run = scim_run(
        &server,
        &[
            "--oauth-token-url",
            &token_url,
            "--oauth-client-auth",
            "post",
        ],
        &OAUTH_ENV,
    );
    assert_eq!(run.code, Some(0), "{}", run.output());
    assert!(server.tokens().len() >= 2);
    let renewed: Vec<&Value> = exchanges(run.report())
        .into_iter()
        .filter(|e| {
            e["retries"].as_array().is_some_and(|r| {
                r.iter()
                    .any(|r| r["reason"] == "401 Unauthorized: OAuth access token renewed")
            })
        })
        .collect();
    assert!(!renewed.is_empty(), "no renewal recorded");
    assert!(renewed.iter().all(|e| e["status"] != 401));
}

#[test]
fn oauth_failures_end_the_run_before_discovery_and_misconfiguration_is_a_usage_error() {
    let server = oauth_server(|_| {});
    let token_url = server.token_url.clone();
    // The endpoint refuses the secret (and echoes it back).
    let run = scim_run(
        &server,
        &["--oauth-token-url", &token_url],
        &[
            ("SCIM_CLIENT_ID", "scimspec-client"),
            ("SCIM_CLIENT_SECRET", "wrong-secret-d41d8c"),
        ],
    );
    assert_eq!(run.code, Some(3), "{}", run.output());
    assert!(
        run.stdout.contains("authentication failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("answered 401 (invalid_client"),
        "{}",
        run.stdout
    );
    assert!(!run.output().contains("wrong-secret-d41d8c"));
    assert!(
        server.log().iter().all(|l| l.what == "token"),
        "no SCIM request without a token"
    );

    // A token endpoint that cannot be reached.
    let run = run_with(
        &server.base_url,
        &suite(),
        &["--oauth-token-url", "http://127.0.0.1:9/token"],
        &OAUTH_ENV,
    );
    assert_eq!(run.code, Some(3), "{}", run.output());

    // Misconfigured: exit 2, nothing sent.
    let before = server.log().len();
    for (args, env) in [
        (
            vec!["--oauth-token-url", "http://idp.example/token"],
            OAUTH_ENV.to_vec(),
        ),
        (
            vec!["--oauth-token-url", token_url.as_str()],
            vec![("SCIM_CLIENT_ID", "scimspec-client")],
        ),
        (
            vec!["--oauth-token-url", token_url.as_str(), "--token-file", "x"],
            OAUTH_ENV.to_vec(),
        ),
    ] {
        let run = scim_run(&server, &args, &env);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.output());
    }
    assert_eq!(server.log().len(), before);
}

#[test]
fn basic_credentials_from_the_environment_or_a_file() {
    let server = transport_server::start(Options::new(Auth::Basic(
        "basic-user".into(),
        "pass:word 1".into(),
    )));
    let env = [
        ("SCIM_USERNAME", "basic-user"),
        ("SCIM_PASSWORD", "pass:word 1"),
    ];
    let run1 = scim_run(&server, &[], &env);
    assert_eq!(run1.code, Some(0), "{}", run1.output());
    assert_eq!(run1.report()["options"]["authentication"], "HTTP Basic");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("basic");
    std::fs::write(&file, "basic-user:pass:word 1\n").unwrap();
    let run2 = scim_run(&server, &["--basic-auth-file", file.to_str().unwrap()], &[]);
    assert_eq!(run2.code, Some(0), "{}", run2.output());

    let wrong = scim_run(
        &server,
        &[],
        &[("SCIM_USERNAME", "basic-user"), ("SCIM_PASSWORD", "nope")],
    );
    assert_eq!(wrong.code, Some(3), "{}", wrong.output());
    assert!(wrong.stdout.contains("credentials rejected"));
    // Half a credential is a usage error.
    let half = scim_run(&server, &[], &[("SCIM_USERNAME", "basic-user")]);
    assert_eq!(half.code, Some(2));
}

#[test]
fn headers_take_their_values_from_the_environment() {
    let server = transport_server::start(Options::new(Auth::Header(
        "x-api-key".into(),
        "api-key-5be1".into(),
    )));
    let run1 = scim_run(
        &server,
        &[
            "--header",
            "X-Api-Key: ${SCIMSPEC_TEST_KEY}",
            "--header",
            "X-Tenant: acme",
        ],
        &[("SCIMSPEC_TEST_KEY", "api-key-5be1")],
    );
    assert_eq!(run1.code, Some(0), "{}", run1.output());
    let log = server.log();
    assert!(log.iter().all(|l| {
        l.headers
            .iter()
            .any(|(name, value)| name == "x-tenant" && value == "acme")
    }));
    assert_eq!(
        run1.report()["options"]["headers"],
        "X-Api-Key (from the environment), X-Tenant"
    );
    // The value never shows: headers are redacted in the report.
    let text = run1.report().to_string();
    assert!(!text.contains("api-key-5be1"));
    assert!(
        text.contains("\"x-tenant\",\"acme\""),
        "literal headers stay visible"
    );

    // A credential header with a literal value, or an unset variable: exit 2.
    for args in [
        ["--header", "X-Api-Key: api-key-5be1"],
        ["--header", "X-Api-Key: ${SCIMSPEC_UNSET_VARIABLE}"],
        ["--header", "Not A Header"],
    ] {
        let bad = scim_run(&server, &args, &[]);
        assert_eq!(bad.code, Some(2), "{args:?}: {}", bad.output());
    }
}

#[test]
fn reads_are_retried_after_429_with_retry_after_and_creates_are_not() {
    let mut options = Options::new(Auth::Bearer("bearer-token-e2a1".into()));
    options.throttle = vec![
        ("GET /v2/Groups".into(), 1),
        ("POST /v2/Groups/.search".into(), 1),
        ("POST /v2/Users".into(), 1),
    ];
    let server = transport_server::start(options);
    let run = scim_run(&server, &["-v"], &[("SCIM_TOKEN", "bearer-token-e2a1")]);
    let report = run.report();
    for id in ["t.list", "t.search"] {
        let check = result(report, id);
        assert_eq!(check["verdict"], "pass", "{id}: {check}");
        let retries = check["exchanges"][0]["retries"].as_array().unwrap();
        assert_eq!(retries.len(), 1, "{id}");
        assert_eq!(retries[0]["status"], 429);
        assert_eq!(
            retries[0]["reason"],
            "429 Too Many Requests (Retry-After: 1)"
        );
        assert_eq!(retries[0]["wait_ms"], 1000);
    }
    assert_eq!(server.count("GET /v2/Groups"), 2);
    assert_eq!(server.count("POST /v2/Groups/.search"), 2);
    // A create may have reached the server: it is never sent twice.
    assert_eq!(server.count("POST /v2/Users"), 1);
    let create = result(report, "t.create");
    assert_eq!(create["verdict"], "fail");
    assert!(create["exchanges"][0].get("retries").is_none());
    assert_eq!(run.code, Some(1));
    // -v shows each retry.
    assert!(
        run.stdout.contains(&format!(
            "retry: GET {}/Groups: 429 Too Many Requests (Retry-After: 1), sent again after 1000 ms",
            server.base_url
        )),
        "{}",
        run.stdout
    );

    // With --retries 0, the 429 is the answer.
    let server = {
        let mut options = Options::new(Auth::Bearer("bearer-token-e2a1".into()));
        options.throttle = vec![("GET /v2/Groups".into(), 1)];
        transport_server::start(options)
    };
    let run = scim_run(
        &server,
        &["--retries", "0", "--only", "t.list"],
        &[("SCIM_TOKEN", "bearer-token-e2a1")],
    );
    assert_eq!(result(run.report(), "t.list")["verdict"], "fail");
    assert_eq!(server.count("GET /v2/Groups"), 1);
}

#[test]
fn connection_failures_are_retried_and_the_rate_limit_spaces_requests() {
    // Nothing listens on port 9: every attempt fails to connect.
    let run = run_with(
        "http://127.0.0.1:9/v2",
        &suite(),
        &["--retries", "1"],
        &[("SCIM_TOKEN", "bearer-token-e2a1")],
    );
    assert_eq!(run.code, Some(3), "{}", run.output());
    let exchange = &run.report()["discovery"]["exchanges"][0];
    let retries = exchange["retries"].as_array().unwrap();
    assert_eq!(retries.len(), 1);
    assert!(
        retries[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("connection failed: "),
        "{exchange}"
    );

    let server = transport_server::start(Options::new(Auth::Bearer("bearer-token-e2a1".into())));
    let run = scim_run(
        &server,
        &["--rate", "10", "--jobs", "4"],
        &[("SCIM_TOKEN", "bearer-token-e2a1")],
    );
    assert_eq!(run.code, Some(0), "{}", run.output());
    let log = server.log();
    assert!(log.len() >= 8, "{log:#?}");
    // The limiter spaces sends 100 ms apart; arrival times jitter on a busy
    // machine (one late arrival shortens the next gap), so judge each gap
    // loosely and the average tightly. Unlimited, gaps are ~1 ms.
    for pair in log.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(gap >= Duration::from_millis(50), "{gap:?} between requests");
    }
    let span = log[log.len() - 1].at.duration_since(log[0].at);
    let average = span / u32::try_from(log.len() - 1).unwrap();
    assert!(
        average >= Duration::from_millis(90),
        "{average:?} between requests on average"
    );
    assert_eq!(
        run.report()["options"]["rate limit"],
        "10 requests per second"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn tls_with_a_private_ca_and_insecure_mode_is_flagged_in_every_report() {
    let pki = test_pki();
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", &pki.ca_pem);
    let mut options = Options::new(Auth::Bearer("bearer-token-e2a1".into()));
    options.tls = Some(pki.server.clone());
    let server = transport_server::start(options);
    assert!(server.base_url.starts_with("https://127.0.0.1:"));
    let env = [("SCIM_TOKEN", "bearer-token-e2a1")];

    let trusted = scim_run(&server, &["--cacert", ca.to_str().unwrap()], &env);
    assert_eq!(trusted.code, Some(0), "{}", trusted.output());
    assert!(trusted.report()["options"].get("tls").is_none());

    // Without the CA, verification fails: unreachable, and not retried.
    let untrusted = scim_run(&server, &[], &env);
    assert_eq!(untrusted.code, Some(3), "{}", untrusted.output());
    assert!(
        untrusted.stdout.to_lowercase().contains("certificate"),
        "{}",
        untrusted.stdout
    );
    assert!(
        untrusted.report()["discovery"]["exchanges"][0]
            .get("retries")
            .is_none()
    );

    // --insecure connects, and every report says verification was off.
    let md = dir.path().join("report.md");
    let html = dir.path().join("report.html");
    let insecure = scim_run(
        &server,
        &[
            "--insecure",
            "--report-md",
            md.to_str().unwrap(),
            "--report-html",
            html.to_str().unwrap(),
        ],
        &env,
    );
    assert_eq!(insecure.code, Some(0), "{}", insecure.output());
    const FLAG: &str = "certificate verification DISABLED (--insecure)";
    assert_eq!(insecure.report()["options"]["tls"], FLAG);
    assert!(
        insecure.stdout.contains(&format!("WARNING: tls: {FLAG}")),
        "{}",
        insecure.stdout
    );
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(
        markdown.contains(&format!("> **⚠ Warning:** tls: {FLAG}")),
        "{markdown}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(&format!("<div class=\"weakened\">⚠ tls: {FLAG}</div>")),
        "the HTML banner"
    );
}

#[test]
fn mutual_tls_needs_the_client_certificate() {
    let pki = test_pki();
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", &pki.ca_pem);
    let cert = write(dir.path(), "client.pem", &pki.client_cert_pem);
    let key = write(dir.path(), "client-key.pem", &pki.client_key_pem);
    let mut options = Options::new(Auth::Bearer("bearer-token-e2a1".into()));
    options.tls = Some(transport_server::ServerTls {
        client_ca_pem: Some(pki.ca_pem.clone()),
        ..pki.server.clone()
    });
    let server = transport_server::start(options);
    let env = [("SCIM_TOKEN", "bearer-token-e2a1")];
    let with_cert = scim_run(
        &server,
        &[
            "--cacert",
            ca.to_str().unwrap(),
            "--client-cert",
            cert.to_str().unwrap(),
            "--client-key",
            key.to_str().unwrap(),
        ],
        &env,
    );
    assert_eq!(with_cert.code, Some(0), "{}", with_cert.output());
    assert_eq!(
        with_cert.report()["options"]["client certificate"],
        cert.to_str().unwrap()
    );
    let without = scim_run(&server, &["--cacert", ca.to_str().unwrap()], &env);
    assert_eq!(without.code, Some(3), "{}", without.output());
    // --client-cert alone is a usage error.
    let half = scim_run(&server, &["--client-cert", cert.to_str().unwrap()], &env);
    assert_eq!(half.code, Some(2));
}

#[test]
fn proxies_from_the_option_and_from_the_environment() {
    // The test server answers absolute-form requests like a forward proxy
    // would after forwarding them; the target's host name does not resolve,
    // so only a request through the proxy can succeed.
    let server = transport_server::start(Options::new(Auth::Bearer("bearer-token-e2a1".into())));
    let proxy = server.base_url.trim_end_matches("/v2").to_string();
    let target = "http://scim.proxied.invalid/v2";
    let env = [("SCIM_TOKEN", "bearer-token-e2a1")];
    let via_option = run_with(target, &suite(), &["--proxy", &proxy], &env);
    assert_eq!(via_option.code, Some(0), "{}", via_option.output());
    assert_eq!(via_option.report()["options"]["proxy"], proxy.as_str());
    let seen = server.log().len();
    assert!(seen >= 8);

    let via_env = run_with(
        target,
        &suite(),
        &[],
        &[("SCIM_TOKEN", "bearer-token-e2a1"), ("HTTP_PROXY", &proxy)],
    );
    assert_eq!(via_env.code, Some(0), "{}", via_env.output());
    assert_eq!(via_env.report()["options"]["proxy"], "from HTTP_PROXY");
    assert!(server.log().len() >= 2 * seen);

    // A proxy password on the command line is refused.
    let refused = run_with(
        target,
        &suite(),
        &["--proxy", "http://user:proxy-pass@127.0.0.1:9"],
        &env,
    );
    assert_eq!(refused.code, Some(2));
}

/// Checks that put the server's echo of every request header into failure
/// details and transcripts.
const ECHO_SUITE: &str = r#"
id: test.secrets
title: Echoes
checks:
  - id: t.echo
    title: The echo endpoint answers 299 (it never does, so its body is shown)
    requirements: [{id: P-4-01}]
    steps:
      - request: {method: GET, path: /Echo}
        expect: {status: 299}
  - id: t.anonymous
    title: An anonymous request (the server echoes what it rejected)
    requirements: [{id: P-4-01}]
    steps:
      - request: {method: GET, path: /Users, anonymous: true}
        expect: {status: 299}
  - id: t.read
    title: A plain read
    requirements: [{id: P-4-01}]
    steps:
      - request: {method: GET, path: /Groups}
        expect: {status: 200}
"#;

#[test]
fn no_secret_reaches_any_output() {
    const TOKEN: &str = "tok-SECRET-9d2f71c4";
    const USERNAME: &str = "user-SECRET-5a0e";
    const PASSWORD: &str = "pw-SECRET-c3b8e6";
    const CLIENT_SECRET: &str = "cs-SECRET-71fa02";
    const HEADER_VALUE: &str = "hdr-SECRET-e09b4d";
    let header_env = ("SCIMSPEC_TEST_HEADER", HEADER_VALUE);
    let header_args = ["--header", "X-Tenant-Key: ${SCIMSPEC_TEST_HEADER}"];

    let bearer = transport_server::start(Options::new(Auth::Bearer(TOKEN.into())));
    let basic =
        transport_server::start(Options::new(Auth::Basic(USERNAME.into(), PASSWORD.into())));
    let oauth = transport_server::start(Options::new(Auth::OAuthClient {
        client_id: "scimspec-client".into(),
        client_secret: CLIENT_SECRET.into(),
    }));
    // Every method, accepted and refused (the servers echo what they refuse).
    let oauth_url = oauth.token_url.clone();
    type Scenario<'a> = (&'a TransportServer, Vec<&'a str>, Vec<(&'a str, &'a str)>);
    let scenarios: Vec<Scenario> = vec![
        (&bearer, vec![], vec![("SCIM_TOKEN", TOKEN)]),
        (
            &basic,
            vec![],
            vec![("SCIM_USERNAME", USERNAME), ("SCIM_PASSWORD", PASSWORD)],
        ),
        (
            &oauth,
            vec!["--oauth-token-url", &oauth_url],
            vec![
                ("SCIM_CLIENT_ID", "scimspec-client"),
                ("SCIM_CLIENT_SECRET", CLIENT_SECRET),
            ],
        ),
        // Refused: the bearer server gets Basic credentials, the Basic server
        // a token, and the token endpoint the wrong client id.
        (
            &bearer,
            vec![],
            vec![("SCIM_USERNAME", USERNAME), ("SCIM_PASSWORD", PASSWORD)],
        ),
        (&basic, vec![], vec![("SCIM_TOKEN", TOKEN)]),
        (
            &oauth,
            vec!["--oauth-token-url", &oauth_url],
            vec![
                ("SCIM_CLIENT_ID", "other-client"),
                ("SCIM_CLIENT_SECRET", CLIENT_SECRET),
            ],
        ),
    ];
    let mut codes = Vec::new();
    for (server, args, env) in scenarios {
        let dir = tempfile::tempdir().unwrap();
        let suite = write(dir.path(), "suite.yaml", ECHO_SUITE);
        let reports: Vec<(&str, PathBuf)> = ["json", "junit", "tap", "md", "html"]
            .iter()
            .map(|kind| (*kind, dir.path().join(format!("report.{kind}"))))
            .collect();
        let mut command = scimspec();
        command
            .args(["run", "--no-builtin", "-vv", "--target", &server.base_url])
            .arg("--suite")
            .arg(&suite)
            .args(header_args)
            .args(&args)
            .env(header_env.0, header_env.1);
        for (kind, path) in &reports {
            command.arg(format!("--report-{kind}")).arg(path);
        }
        for (name, value) in &env {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        codes.push(output.status.code());
        let mut outputs = vec![
            (
                "stdout".to_string(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
            ),
            (
                "stderr".to_string(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            ),
        ];
        for (kind, path) in &reports {
            outputs.push((
                format!("{kind} report"),
                std::fs::read_to_string(path).unwrap_or_default(),
            ));
        }
        // The echo really happened: the outputs would show the secrets.
        let echoed = outputs
            .iter()
            .any(|(_, text)| text.contains("echoed-by-test-server"));
        assert!(
            echoed,
            "{args:?} {env:?}: the server's echo is not in the output"
        );
        let mut secrets = vec![
            TOKEN.to_string(),
            USERNAME.to_string(),
            PASSWORD.to_string(),
            CLIENT_SECRET.to_string(),
            HEADER_VALUE.to_string(),
        ];
        // The access tokens the run was given are secrets too.
        secrets.extend(server.tokens());
        for (name, text) in &outputs {
            assert!(
                name == "stderr" || !text.is_empty(),
                "{name} is empty ({args:?} {env:?})"
            );
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{secret} appears in {name} ({args:?} {env:?}):\n{text}"
                );
            }
        }
    }
    // Accepted runs found the failing echo checks (1); refused ones stopped (3).
    assert_eq!(
        codes,
        vec![Some(1), Some(1), Some(1), Some(3), Some(3), Some(3)]
    );
}
