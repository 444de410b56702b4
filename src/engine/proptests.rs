//! Property tests of everything the engine does with a server's answer:
//! every expectation of every built-in suite, judged against arbitrary and
//! mangled responses, never panics; nor do captures, templates rendered
//! with hostile captured values, body paths, or discovery conditions decided
//! from arbitrary discovery documents.

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

use super::check::{capture_value, evaluate_expect, render_request};
use super::template::{self, Context};
use super::{path, predicate};
use crate::fuzzing::{config, json_value, response_document, text};
use crate::http::client::Response;
use crate::scim::discovery::{Discovery, Document};
use crate::scim::schema::SchemaRegistry;
use crate::suite::model::{Condition, Expect, Step};
use crate::suite::{LoadedSuite, load_builtin};

struct Corpus {
    steps: Vec<Step>,
    expects: Vec<Expect>,
    conditions: Vec<Condition>,
    capture_names: Vec<String>,
}

/// Every step, expectation and condition of the built-in suites.
static CORPUS: LazyLock<Corpus> = LazyLock::new(|| {
    let suites: Vec<LoadedSuite> = load_builtin().unwrap_or_default();
    let mut corpus = Corpus {
        steps: Vec::new(),
        expects: Vec::new(),
        conditions: Vec::new(),
        capture_names: Vec::new(),
    };
    for suite in &suites {
        corpus.conditions.extend(suite.requires.iter().cloned());
        for loaded in &suite.checks {
            let check = &loaded.check;
            corpus.conditions.extend(check.requires.iter().cloned());
            for step in check.steps.iter().chain(&check.cleanup) {
                corpus.steps.push(step.clone());
                corpus.expects.push(step.expect.clone());
                if let Some(skip) = &step.skip_when {
                    corpus.expects.push(Expect {
                        status: skip.status.clone(),
                        body: skip.body.clone(),
                        ..Expect::default()
                    });
                }
                corpus.capture_names.extend(step.capture.keys().cloned());
            }
            corpus.capture_names.extend(check.vars.keys().cloned());
        }
    }
    corpus.capture_names.sort();
    corpus.capture_names.dedup();
    corpus
});

fn header() -> impl Strategy<Value = (String, String)> {
    (
        select(vec![
            "content-type",
            "location",
            "etag",
            "www-authenticate",
            "retry-after",
            "content-length",
        ])
        .prop_map(str::to_string),
        prop_oneof![
            text(),
            select(vec![
                "application/scim+json",
                "application/json; charset=utf-8",
                "text/html",
                "W/\"1\"",
                "http://127.0.0.1:1/v2/Users/1",
                "/v2/Users/1",
                "Bearer realm=\"x\"",
            ])
            .prop_map(str::to_string),
        ],
    )
}

/// A response as the client hands it over: JSON (often a mangled SCIM
/// document), or a body that is not JSON at all.
fn response() -> impl Strategy<Value = Response> {
    let status = prop_oneof![
        3 => select(vec![200u16, 201, 204, 400, 404, 409, 412, 500, 501, 307]),
        1 => 100u16..600,
    ];
    let body = prop_oneof![
        4 => response_document().prop_map(Some),
        1 => Just(None),
    ];
    (status, prop::collection::vec(header(), 0..4), body, text()).prop_map(
        |(status, headers, json, raw)| match json {
            Some(json) => Response {
                status,
                headers,
                body_text: json.to_string(),
                json: Some(json),
                json_error: None,
            },
            None => Response {
                status,
                headers,
                json_error: (!raw.trim().is_empty()).then(|| "expected value".to_string()),
                body_text: raw,
                json: None,
            },
        },
    )
}

fn context(response: &Response, captured: &Value) -> Context {
    let mut ctx = Context::new("r1", "s0c0");
    ctx.set("target", json!({"base": "http://127.0.0.1:1/v2"}));
    ctx.set("status", Value::from(response.status));
    let headers: serde_json::Map<String, Value> = response
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    ctx.set("headers", Value::Object(headers));
    ctx.set(
        "body",
        response
            .json
            .clone()
            .unwrap_or_else(|| Value::String(response.body_text.clone())),
    );
    // Whatever the server answered earlier, e.g. an id that is an array.
    for name in &CORPUS.capture_names {
        ctx.set(name, captured.clone());
    }
    ctx
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn every_builtin_expectation_judges_any_response(
        response in response(),
        captured in prop_oneof![json_value(), text().prop_map(Value::String)],
    ) {
        let ctx = context(&response, &captured);
        let registry = SchemaRegistry::builtin();
        for expect in &CORPUS.expects {
            for mismatch in evaluate_expect(expect, &response, &ctx, registry) {
                // A finding always says where it is.
                prop_assert!(!mismatch.path.is_empty());
            }
        }
        for step in &CORPUS.steps {
            for source in step.capture.values() {
                let _ = capture_value(source, &response);
            }
            // Later requests are built from captured values.
            let _ = render_request(&ctx, &step.request);
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn discovery_conditions_decide_from_any_documents(
        spc in response_document(),
        resource_types in response_document(),
        schemas in response_document(),
    ) {
        let discovery = Discovery {
            registry: SchemaRegistry::from_discovery(&schemas, &resource_types),
            service_provider_config: Document::Loaded(spc),
            resource_types: Document::Loaded(resource_types),
            schemas: Document::Loaded(schemas),
            exchanges: Vec::new(),
        };
        for condition in &CORPUS.conditions {
            let _ = discovery.evaluate(condition);
        }
        let _ = discovery.variables();
        for name in discovery.resource_type_names() {
            let _ = discovery.endpoint(&name);
        }
    }

    #[test]
    fn body_paths_and_templates_never_panic(
        text in prop_oneof![text(), "[a-z.\\[\\]\"0-9{}| :]{0,24}"],
        value in json_value(),
    ) {
        if let Ok(segments) = path::parse(&text) {
            let _ = path::resolve(&value, &segments);
        }
        let mut ctx = Context::new("r", "c");
        ctx.set("x", value.clone());
        if template::validate(&text).is_ok() {
            let _ = ctx.render_str(&text);
        }
        let _ = ctx.render_value(&json!({ "k": text.clone(), "a": [text.clone()] }));
        let _ = predicate::truncate(&text, 3);
        let _ = predicate::excerpt(&value);
    }
}

#[test]
fn the_corpus_is_the_whole_builtin_set() {
    assert!(CORPUS.expects.len() > 500, "{}", CORPUS.expects.len());
    assert!(CORPUS.conditions.len() > 50, "{}", CORPUS.conditions.len());
    assert!(CORPUS.capture_names.len() > 10);
}
