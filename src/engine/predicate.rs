//! Body path predicates (`expect.body` in suites).

use regex::Regex;
use serde_json::Value;

use super::Mismatch;
use super::path;
use super::template::Context;
use crate::suite::model::{CountSpec, JsonType, LengthBound, PathPredicate};

/// Evaluates one predicate against `root`; `prefix` names the path for messages.
pub fn evaluate(
    predicate: &PathPredicate,
    root: &Value,
    ctx: &Context,
    prefix: &str,
) -> Vec<Mismatch> {
    let shown = display_path(prefix, &predicate.path);
    let mut out = Vec::new();
    let segments = match path::parse(&predicate.path) {
        Ok(segments) => segments,
        Err(err) => {
            out.push(Mismatch::new(&shown, "a valid path", err.to_string()));
            return out;
        }
    };
    let found = path::resolve(root, &segments).filter(|v| !v.is_null());
    let actual_text = || found.map_or_else(|| "absent".to_string(), excerpt);

    if let Some(should_exist) = predicate.exists
        && should_exist != found.is_some()
    {
        let expected = if should_exist { "present" } else { "absent" };
        out.push(Mismatch::new(&shown, expected, actual_text()));
        return out;
    }
    let needs_value = predicate.equals.is_some()
        || predicate.equals_ignore_case.is_some()
        || predicate.json_type.is_some()
        || predicate.matches.is_some()
        || predicate.not_matches.is_some()
        || predicate.one_of.is_some()
        || predicate.length.is_some()
        || predicate.min_length.is_some()
        || predicate.max_length.is_some()
        || predicate.contains.is_some()
        || predicate.every.is_some()
        || predicate.count.is_some()
        || predicate.min.is_some()
        || predicate.max.is_some();
    let Some(value) = found else {
        if needs_value && !predicate.if_present {
            out.push(Mismatch::new(&shown, "a value", "absent"));
        }
        if let Some(not_expected) = &predicate.not_equals
            && not_expected.is_null()
        {
            out.push(Mismatch::new(&shown, "not null", "absent"));
        }
        return out;
    };

    let render = |template: &Value| ctx.render_value(template).map_err(|e| e.to_string());
    if let Some(expected) = &predicate.equals {
        match render(expected) {
            Ok(expected) if json_equal(&expected, value) => {}
            Ok(expected) => out.push(Mismatch::new(&shown, excerpt(&expected), excerpt(value))),
            Err(err) => out.push(Mismatch::new(&shown, "a renderable value", err)),
        }
    }
    if let Some(expected) = &predicate.equals_ignore_case {
        match ctx.render_str(expected) {
            Ok(expected) => {
                let same = value
                    .as_str()
                    .is_some_and(|actual| actual.to_lowercase() == expected.to_lowercase());
                if !same {
                    out.push(Mismatch::new(
                        &shown,
                        format!("{expected:?} (ignoring case)"),
                        excerpt(value),
                    ));
                }
            }
            Err(err) => out.push(Mismatch::new(&shown, "a renderable value", err.to_string())),
        }
    }
    if let Some(unexpected) = &predicate.not_equals {
        match render(unexpected) {
            Ok(unexpected) if json_equal(&unexpected, value) => out.push(Mismatch::new(
                &shown,
                format!("not {}", excerpt(&unexpected)),
                excerpt(value),
            )),
            Ok(_) => {}
            Err(err) => out.push(Mismatch::new(&shown, "a renderable value", err)),
        }
    }
    if let Some(expected) = predicate.json_type
        && !has_type(value, expected)
    {
        out.push(Mismatch::new(
            &shown,
            format!("a JSON {}", type_name(expected)),
            format!("{} {}", describe_type(value), excerpt(value)),
        ));
    }
    if let Some(pattern) = &predicate.matches {
        match Regex::new(pattern) {
            Ok(regex) => match value.as_str() {
                Some(text) if regex.is_match(text) => {}
                _ => out.push(Mismatch::new(
                    &shown,
                    format!("a string matching /{pattern}/"),
                    excerpt(value),
                )),
            },
            Err(err) => out.push(Mismatch::new(&shown, "a valid regex", err.to_string())),
        }
    }
    if let Some(pattern) = &predicate.not_matches {
        match Regex::new(pattern) {
            Ok(regex) => {
                if value.as_str().is_none_or(|text| regex.is_match(text)) {
                    out.push(Mismatch::new(
                        &shown,
                        format!("a string not matching /{pattern}/"),
                        excerpt(value),
                    ));
                }
            }
            Err(err) => out.push(Mismatch::new(&shown, "a valid regex", err.to_string())),
        }
    }
    if let Some(options) = &predicate.one_of {
        let rendered: Result<Vec<Value>, String> = options.iter().map(render).collect();
        match rendered {
            Ok(options) if options.iter().any(|option| json_equal(option, value)) => {}
            Ok(options) => out.push(Mismatch::new(
                &shown,
                format!("one of {}", excerpt(&Value::Array(options))),
                excerpt(value),
            )),
            Err(err) => out.push(Mismatch::new(&shown, "renderable values", err)),
        }
    }
    let length = length_of(value);
    let mut check_length =
        |label: &str, ok: fn(usize, usize) -> bool, bound: Option<&LengthBound>| {
            if let Some(bound) = bound {
                let bound = match resolve_bound(bound, ctx) {
                    Ok(bound) => bound,
                    Err(err) => {
                        out.push(Mismatch::new(&shown, format!("{label} a number"), err));
                        return;
                    }
                };
                match length {
                    Some(actual) if ok(actual, bound) => {}
                    Some(actual) => out.push(Mismatch::new(
                        &shown,
                        format!("{label} {bound}"),
                        format!("length {actual}"),
                    )),
                    None => out.push(Mismatch::new(
                        &shown,
                        format!("{label} {bound}"),
                        format!("{} without a length", describe_type(value)),
                    )),
                }
            }
        };
    check_length("length", |a, b| a == b, predicate.length.as_ref());
    check_length(
        "length at least",
        |a, b| a >= b,
        predicate.min_length.as_ref(),
    );
    check_length(
        "length at most",
        |a, b| a <= b,
        predicate.max_length.as_ref(),
    );
    for (bound, is_min) in [(predicate.min, true), (predicate.max, false)] {
        if let Some(bound) = bound {
            match value.as_f64() {
                Some(number) if (is_min && number >= bound) || (!is_min && number <= bound) => {}
                _ => out.push(Mismatch::new(
                    &shown,
                    format!("a number {} {bound}", if is_min { ">=" } else { "<=" }),
                    excerpt(value),
                )),
            }
        }
    }
    if let Some(needle) = &predicate.contains {
        match render(needle) {
            Ok(needle) if contains(value, &needle) => {}
            Ok(needle) => out.push(Mismatch::new(
                &shown,
                format!("to contain {}", excerpt(&needle)),
                excerpt(value),
            )),
            Err(err) => out.push(Mismatch::new(&shown, "a renderable value", err)),
        }
    }
    if let Some(needle) = &predicate.not_contains {
        match render(needle) {
            Ok(needle) if contains(value, &needle) => out.push(Mismatch::new(
                &shown,
                format!("not to contain {}", excerpt(&needle)),
                excerpt(value),
            )),
            Ok(_) => {}
            Err(err) => out.push(Mismatch::new(&shown, "a renderable value", err)),
        }
    }
    if let Some(inner) = &predicate.every {
        match value.as_array() {
            Some(items) => {
                for (index, item) in items.iter().enumerate() {
                    let item_prefix = format!("{shown}[{index}]");
                    for predicate in inner {
                        out.extend(evaluate(predicate, item, ctx, &item_prefix));
                    }
                }
            }
            None => out.push(Mismatch::new(
                &shown,
                "an array",
                format!("{} {}", describe_type(value), excerpt(value)),
            )),
        }
    }
    if let Some(count) = &predicate.count {
        out.extend(count_matching(count, value, ctx, &shown));
    }
    out
}

/// The `count` predicate: how many elements of an array satisfy `where`.
fn count_matching(count: &CountSpec, value: &Value, ctx: &Context, shown: &str) -> Vec<Mismatch> {
    let Some(items) = value.as_array() else {
        return vec![Mismatch::new(
            shown,
            "an array",
            format!("{} {}", describe_type(value), excerpt(value)),
        )];
    };
    let counted: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(index, item)| {
            let item_prefix = format!("{shown}[{index}]");
            count
                .matching
                .iter()
                .all(|predicate| evaluate(predicate, item, ctx, &item_prefix).is_empty())
        })
        .map(|(index, _)| index)
        .collect();
    let within = count.min.is_none_or(|min| counted.len() >= min)
        && count.max.is_none_or(|max| counted.len() <= max);
    if within {
        return Vec::new();
    }
    let bounds = match (count.min, count.max) {
        (Some(min), Some(max)) if min == max => format!("exactly {min}"),
        (Some(min), Some(max)) => format!("{min} to {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => "any number of".to_string(),
    };
    let condition = if count.matching.is_empty() {
        String::new()
    } else {
        format!(" matching {}", describe_predicates(&count.matching))
    };
    let which = if counted.is_empty() {
        String::new()
    } else {
        format!(
            " (indexes {})",
            counted
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    vec![Mismatch::new(
        shown,
        format!("{bounds} elements{condition}"),
        format!(
            "{} of {}{which}: {}",
            counted.len(),
            items.len(),
            excerpt(value)
        ),
    )]
}

/// A short description of predicates for messages, e.g. `primary equals true`.
fn describe_predicates(predicates: &[PathPredicate]) -> String {
    predicates
        .iter()
        .map(|predicate| {
            serde_json::to_value(predicate)
                .ok()
                .and_then(|value| value.as_object().cloned())
                .map(|mut object| {
                    let path = object
                        .remove("path")
                        .and_then(|p| p.as_str().map(str::to_string))
                        .unwrap_or_default();
                    let rest: Vec<String> = object
                        .iter()
                        .map(|(key, value)| format!("{key} {value}"))
                        .collect();
                    format!("{path} {}", rest.join(", ")).trim().to_string()
                })
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

fn display_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, true) => "body".to_string(),
        (true, false) => format!("body.{path}"),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// JSON equality that treats 1 and 1.0 as equal (numbers compare by value).
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, a)| y.get(key).is_some_and(|b| json_equal(a, b)))
        }
        _ => a == b,
    }
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    match haystack {
        Value::Array(items) => items.iter().any(|item| match needle {
            Value::Object(_) => super::includes::includes(item, needle).is_ok(),
            _ => json_equal(item, needle),
        }),
        Value::String(text) => needle.as_str().is_some_and(|n| text.contains(n)),
        _ => false,
    }
}

/// A length bound's number; a template must render to a non-negative integer
/// (a number, or a string of digits such as a captured header).
fn resolve_bound(bound: &LengthBound, ctx: &Context) -> Result<usize, String> {
    let template = match bound {
        LengthBound::Literal(bound) => return Ok(*bound),
        LengthBound::Template(template) => template,
    };
    let rendered = ctx
        .render_value(&Value::String(template.clone()))
        .map_err(|e| e.to_string())?;
    let number = match &rendered {
        Value::Number(n) => n.as_u64(),
        Value::String(text) => text.trim().parse::<u64>().ok(),
        _ => None,
    };
    number
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("{template:?} rendered to {}", excerpt(&rendered)))
}

fn length_of(value: &Value) -> Option<usize> {
    match value {
        Value::Array(items) => Some(items.len()),
        Value::String(text) => Some(text.chars().count()),
        Value::Object(object) => Some(object.len()),
        _ => None,
    }
}

pub fn has_type(value: &Value, expected: JsonType) -> bool {
    match expected {
        JsonType::String => value.is_string(),
        JsonType::Number => value.is_number(),
        JsonType::Integer => value.is_i64() || value.is_u64(),
        JsonType::Boolean => value.is_boolean(),
        JsonType::Array => value.is_array(),
        JsonType::Object => value.is_object(),
        JsonType::Null => value.is_null(),
    }
}

fn type_name(kind: JsonType) -> &'static str {
    match kind {
        JsonType::String => "string",
        JsonType::Number => "number",
        JsonType::Integer => "integer",
        JsonType::Boolean => "boolean",
        JsonType::Array => "array",
        JsonType::Object => "object",
        JsonType::Null => "null",
    }
}

pub fn describe_type(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

/// A short rendering of a JSON value for messages.
pub fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    truncate(&text, 200)
}

pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max_chars).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(predicate: serde_json::Value, body: serde_json::Value) -> Vec<Mismatch> {
        let predicate: PathPredicate = serde_json::from_value(predicate).unwrap();
        let mut ctx = Context::new("r", "c");
        ctx.set("uid", json!("42"));
        evaluate(&predicate, &body, &ctx, "")
    }

    #[test]
    fn equality_existence_and_types() {
        let body =
            json!({"id": "42", "n": 1, "meta": {"location": "http://x/Users/42"}, "nil": null});
        assert!(check(json!({"path": "id", "equals": "{{ uid }}"}), body.clone()).is_empty());
        assert!(check(json!({"path": "n", "equals": 1.0}), body.clone()).is_empty());
        let miss = check(json!({"path": "id", "equals": "43"}), body.clone());
        assert_eq!(miss.len(), 1);
        assert_eq!(miss[0].expected, "\"43\"");
        assert_eq!(miss[0].actual, "\"42\"");
        assert!(
            check(
                json!({"path": "meta.location", "exists": true}),
                body.clone()
            )
            .is_empty()
        );
        assert!(check(json!({"path": "nil", "exists": false}), body.clone()).is_empty());
        assert_eq!(
            check(json!({"path": "password", "exists": true}), body.clone())[0].actual,
            "absent"
        );
        assert_eq!(
            check(json!({"path": "password", "type": "string"}), body.clone()).len(),
            1
        );
        assert!(
            check(
                json!({"path": "password", "type": "string", "if_present": true}),
                body.clone()
            )
            .is_empty()
        );
        assert_eq!(
            check(
                json!({"path": "n", "type": "string", "if_present": true}),
                body.clone()
            )
            .len(),
            1
        );
        assert_eq!(
            check(json!({"path": "id", "exists": false}), body.clone())[0].expected,
            "absent"
        );
        assert!(check(json!({"path": "n", "type": "integer"}), body.clone()).is_empty());
        let miss = check(json!({"path": "id", "type": "integer"}), body.clone());
        assert!(miss[0].actual.starts_with("string"));
        assert!(
            check(
                json!({"path": "id", "equals_ignore_case": "42"}),
                body.clone()
            )
            .is_empty()
        );
        assert_eq!(
            check(json!({"path": "id", "not_equals": "42"}), body).len(),
            1
        );
    }

    #[test]
    fn length_bounds_can_be_templates() {
        let body = json!({"Resources": [1, 2, 3]});
        let mut ctx = Context::new("r", "c");
        ctx.set("spc", json!({"filter": {"maxResults": 2}}));
        ctx.set("digits", json!("3"));
        ctx.set("word", json!("many"));
        let judge = |predicate: serde_json::Value| {
            let predicate: PathPredicate = serde_json::from_value(predicate).unwrap();
            evaluate(&predicate, &body, &ctx, "")
        };
        let over = judge(json!({"path": "Resources", "max_length": "{{ spc.filter.maxResults }}"}));
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].expected, "length at most 2");
        assert_eq!(over[0].actual, "length 3");
        assert!(
            judge(json!({"path": "Resources", "min_length": "{{ spc.filter.maxResults }}"}))
                .is_empty()
        );
        // A string of digits (a captured header, say) counts as its number.
        assert!(judge(json!({"path": "Resources", "length": "{{ digits }}"})).is_empty());
        // Anything else is reported, never read as 0.
        let word = judge(json!({"path": "Resources", "max_length": "{{ word }}"}));
        assert_eq!(word[0].expected, "length at most a number");
        assert!(word[0].actual.contains("\"many\""), "{word:?}");
        let undefined = judge(json!({"path": "Resources", "max_length": "{{ nope }}"}));
        assert!(undefined[0].actual.contains("undefined"), "{undefined:?}");
    }

    #[test]
    fn strings_lengths_collections_and_every() {
        let body = json!({
            "userName": "Alice",
            "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x"}],
            "count": 5
        });
        assert!(check(json!({"path": "userName", "matches": "^Al"}), body.clone()).is_empty());
        assert_eq!(
            check(json!({"path": "userName", "matches": "^Bo"}), body.clone()).len(),
            1
        );
        assert!(
            check(
                json!({"path": "userName", "one_of": ["Bob", "Alice"]}),
                body.clone()
            )
            .is_empty()
        );
        assert_eq!(
            check(json!({"path": "userName", "one_of": ["Bob"]}), body.clone()).len(),
            1
        );
        assert!(check(json!({"path": "emails", "length": 2}), body.clone()).is_empty());
        assert_eq!(
            check(json!({"path": "emails", "max_length": 1}), body.clone()).len(),
            1
        );
        assert_eq!(
            check(json!({"path": "count", "length": 1}), body.clone()).len(),
            1
        );
        assert!(
            check(
                json!({"path": "emails", "contains": {"type": "work"}}),
                body.clone()
            )
            .is_empty()
        );
        assert_eq!(
            check(
                json!({"path": "emails", "contains": {"type": "home"}}),
                body.clone()
            )
            .len(),
            1
        );
        assert_eq!(
            check(
                json!({"path": "emails", "not_contains": {"type": "work"}}),
                body.clone()
            )
            .len(),
            1
        );
        assert!(check(json!({"path": "count", "min": 5, "max": 5}), body.clone()).is_empty());
        assert_eq!(
            check(json!({"path": "count", "max": 4}), body.clone()).len(),
            1
        );
        let miss = check(
            json!({"path": "emails", "every": [{"path": "type", "exists": true}]}),
            body.clone(),
        );
        assert_eq!(miss.len(), 1);
        assert_eq!(miss[0].path, "body.emails[1].type");
        assert_eq!(
            check(json!({"path": "userName", "every": []}), body).len(),
            1
        );
    }

    #[test]
    fn count_bounds_the_elements_that_match() {
        let body = json!({
            "emails": [
                {"value": "a@x", "primary": true},
                {"value": "b@x", "primary": false},
                {"value": "c@x"}
            ],
            "userName": "Alice"
        });
        let at_most_one_primary = json!({"path": "emails", "count": {"where": [{"path": "primary", "equals": true}], "max": 1}});
        assert!(check(at_most_one_primary.clone(), body.clone()).is_empty());
        let mut two = body.clone();
        two["emails"][2]["primary"] = json!(true);
        let miss = check(at_most_one_primary.clone(), two);
        assert_eq!(miss.len(), 1);
        assert_eq!(miss[0].path, "body.emails");
        assert_eq!(
            miss[0].expected,
            "at most 1 elements matching primary equals true"
        );
        assert!(
            miss[0].actual.starts_with("2 of 3 (indexes 0, 2)"),
            "{}",
            miss[0].actual
        );
        // No `where`: every element counts.
        assert!(
            check(
                json!({"path": "emails", "count": {"min": 3, "max": 3}}),
                body.clone()
            )
            .is_empty()
        );
        assert_eq!(
            check(json!({"path": "emails", "count": {"min": 4}}), body.clone())[0].expected,
            "at least 4 elements"
        );
        // Several predicates must all hold; templates are rendered.
        assert!(
            check(
                json!({"path": "emails", "count": {"where": [{"path": "primary", "exists": true}, {"path": "value", "equals": "b@x"}], "min": 1, "max": 1}}),
                body.clone()
            )
            .is_empty()
        );
        assert_eq!(
            check(
                json!({"path": "userName", "count": {"max": 1}}),
                body.clone()
            )
            .len(),
            1
        );
        assert_eq!(
            check(
                json!({"path": "phoneNumbers", "count": {"max": 1}}),
                body.clone()
            )
            .len(),
            1
        );
        assert!(
            check(
                json!({"path": "phoneNumbers", "if_present": true, "count": {"max": 1}}),
                body
            )
            .is_empty()
        );
    }

    #[test]
    fn invalid_paths_and_regexes_become_mismatches() {
        let body = json!({"a": "b"});
        assert_eq!(
            check(json!({"path": "a..b", "exists": true}), body.clone()).len(),
            1
        );
        assert_eq!(check(json!({"path": "a", "matches": "("}), body).len(), 1);
    }
}
