//! Server responses: any body, judged by every matcher and body predicate of
//! the built-in suites, never makes scimspec panic; nor does reading it as
//! the target's /Schemas and /ResourceTypes.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scimspec::engine::template::Context;
use scimspec::engine::{matchers, predicate};
use scimspec::http::client::Response;
use scimspec::scim::schema::SchemaRegistry;
use scimspec::suite::load_builtin;
use scimspec::suite::model::{Matcher, PathPredicate};

static EXPECTATIONS: LazyLock<(Vec<Matcher>, Vec<PathPredicate>)> = LazyLock::new(|| {
    let mut found = (Vec::new(), Vec::new());
    for suite in load_builtin().unwrap_or_default() {
        for check in suite.checks {
            for step in check.check.steps.iter().chain(&check.check.cleanup) {
                found.0.extend(step.expect.matchers.iter().cloned());
                found.1.extend(step.expect.body.iter().cloned());
            }
        }
    }
    found
});

fuzz_target!(|data: &[u8]| {
    // The first byte picks the status, the rest is the body.
    let Some((&status, body)) = data.split_first() else {
        return;
    };
    let status = [200, 201, 204, 400, 404, 409, 500][usize::from(status) % 7];
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let response = Response {
        status,
        headers: vec![("content-type".into(), "application/scim+json".into())],
        body_text: String::from_utf8_lossy(body).into_owned(),
        json_error: json.is_none().then(|| "not JSON".to_string()),
        json: json.clone(),
    };
    let mut ctx = Context::new("fuzz", "s0c0");
    ctx.set("body", json.clone().unwrap_or_default());
    let registry = SchemaRegistry::builtin();
    let (matchers_found, predicates) = &*EXPECTATIONS;
    for matcher in matchers_found {
        let _ = matchers::evaluate(matcher, &response, &ctx, registry);
    }
    if let Some(value) = &json {
        for body_predicate in predicates {
            let _ = predicate::evaluate(body_predicate, value, &ctx, "");
        }
        let _ = SchemaRegistry::from_discovery(value, value);
    }
});
