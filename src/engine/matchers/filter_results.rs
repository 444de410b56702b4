//! Proving a server's filter results right: the returned ids must be exactly
//! the candidates that scimspec's own evaluator (the one the reference server
//! uses) says match, with the target's own schemas deciding caseExact.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::engine::Mismatch;
use crate::engine::template::Context;
use crate::scim::filter::{self, NoSchema, SchemaInfo};
use crate::scim::schema::SchemaRegistry;
use crate::suite::model::FilterResultsSpec;

pub fn filter_results(
    body: &Value,
    spec: &FilterResultsSpec,
    ctx: &Context,
    registry: &SchemaRegistry,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let filter_text = match ctx.render_str(&spec.filter) {
        Ok(text) => text,
        Err(err) => {
            return vec![Mismatch::new(
                "filter_results.filter",
                "a renderable filter",
                err.to_string(),
            )];
        }
    };
    let parsed = match filter::parse_filter(&filter_text) {
        Ok(parsed) => parsed,
        Err(err) => {
            return vec![Mismatch::new(
                "filter_results.filter",
                "a valid filter",
                err.to_string(),
            )];
        }
    };
    let type_name = spec.resource_type.as_deref().unwrap_or("User");
    let resource_type = registry.resource_type(type_name);
    let info: Box<dyn SchemaInfo + '_> = match resource_type {
        Some(rt) => Box::new(registry.info_for(rt)),
        None => Box::new(NoSchema),
    };

    let mut candidate_ids = BTreeSet::new();
    let mut expected = BTreeSet::new();
    for (index, candidate) in spec.candidates.iter().enumerate() {
        let candidate = match ctx.render_value(candidate) {
            Ok(candidate) => candidate,
            Err(err) => {
                out.push(Mismatch::new(
                    format!("filter_results.candidates[{index}]"),
                    "a captured resource",
                    err.to_string(),
                ));
                continue;
            }
        };
        let Some(id) = candidate.get("id").and_then(Value::as_str) else {
            out.push(Mismatch::new(
                format!("filter_results.candidates[{index}]"),
                "a resource with an id",
                crate::engine::predicate::excerpt(&candidate),
            ));
            continue;
        };
        candidate_ids.insert(id.to_string());
        match filter::matches(&parsed, &candidate, info.as_ref()) {
            Ok(true) => {
                expected.insert(id.to_string());
            }
            Ok(false) => {}
            Err(err) => out.push(Mismatch::new(
                "filter_results.filter",
                "a filter the evaluator accepts",
                err.to_string(),
            )),
        }
    }
    if !out.is_empty() {
        return out;
    }
    // Seed data that cannot tell a right answer from an ignored filter is a suite bug.
    if expected.is_empty() || expected.len() == candidate_ids.len() {
        out.push(Mismatch::new(
            "filter_results.candidates",
            "seed data where some candidates match and some do not",
            format!(
                "{} of {} match {filter_text:?}",
                expected.len(),
                candidate_ids.len()
            ),
        ));
        return out;
    }
    let Some(resources) = body.get("Resources").and_then(Value::as_array).or_else(|| {
        (body.get("totalResults").and_then(Value::as_u64) == Some(0)).then_some(&EMPTY)
    }) else {
        out.push(Mismatch::new("body.Resources", "an array", "absent"));
        return out;
    };
    let actual: BTreeSet<String> = resources
        .iter()
        .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    let missing: Vec<&String> = expected.difference(&actual).collect();
    let extra: Vec<&String> = actual.difference(&expected).collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut actual_text = Vec::new();
        if !missing.is_empty() {
            actual_text.push(format!("missing {missing:?}"));
        }
        if !extra.is_empty() {
            actual_text.push(format!("not matching but returned {extra:?}"));
        }
        out.push(Mismatch::new(
            "body.Resources",
            format!("exactly the ids matching {filter_text:?}: {expected:?}"),
            actual_text.join("; "),
        ));
    }
    out
}

static EMPTY: Vec<Value> = Vec::new();

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(filter: &str) -> FilterResultsSpec {
        FilterResultsSpec {
            filter: filter.to_string(),
            candidates: vec![
                json!({"id": "a", "userName": "Alice", "active": true}),
                json!({"id": "b", "userName": "bob", "active": false}),
            ],
            resource_type: None,
        }
    }

    fn list(ids: &[&str]) -> Value {
        json!({"totalResults": ids.len(), "Resources": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()})
    }

    #[test]
    fn compares_returned_ids_with_local_evaluation() {
        let ctx = Context::new("r", "c");
        let registry = SchemaRegistry::default();
        assert!(
            filter_results(
                &list(&["a"]),
                &spec("userName eq \"alice\""),
                &ctx,
                &registry
            )
            .is_empty()
        );
        assert!(
            filter_results(&list(&["b"]), &spec("active eq false"), &ctx, &registry).is_empty()
        );
        let wrong = filter_results(&list(&["a", "b"]), &spec("active eq true"), &ctx, &registry);
        assert_eq!(wrong.len(), 1);
        assert!(
            wrong[0].actual.contains("not matching but returned"),
            "{:?}",
            wrong
        );
        let missing = filter_results(
            &json!({"totalResults": 0}),
            &spec("active eq true"),
            &ctx,
            &registry,
        );
        assert!(missing[0].actual.contains("missing"));
        let undiscriminating =
            filter_results(&list(&["a", "b"]), &spec("userName pr"), &ctx, &registry);
        assert!(undiscriminating[0].expected.contains("seed data"));
    }
}
