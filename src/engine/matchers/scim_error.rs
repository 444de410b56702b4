//! SCIM Error shape (RFC 7644 §3.12).

use serde_json::Value;

use super::check_schemas;
use crate::engine::Mismatch;
use crate::engine::predicate::{describe_type, excerpt};
use crate::scim::urns::ERROR;
use crate::suite::model::ScimErrorSpec;

pub fn scim_error(body: &Value, http_status: u16, spec: &ScimErrorSpec) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(expected) = &spec.status {
        let codes = expected.codes();
        if !codes.contains(&http_status) {
            out.push(Mismatch::new(
                "status",
                codes
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                http_status.to_string(),
            ));
        }
    }
    let Some(object) = body.as_object() else {
        out.push(Mismatch::new("body", "a JSON object", describe_type(body)));
        return out;
    };
    check_schemas(body, ERROR, &mut out);
    match object.get("status") {
        Some(Value::String(status)) if status.trim() == http_status.to_string() => {}
        Some(Value::String(status)) => out.push(Mismatch::new(
            "body.status",
            format!("\"{http_status}\" (the HTTP status)"),
            format!("{status:?}"),
        )),
        Some(other) => out.push(Mismatch::new(
            "body.status",
            format!("the JSON string \"{http_status}\""),
            format!("{} {}", describe_type(other), excerpt(other)),
        )),
        None => out.push(Mismatch::new(
            "body.status",
            format!("the JSON string \"{http_status}\""),
            "absent",
        )),
    }
    if let Some(expected) = &spec.scim_type {
        match object.get("scimType") {
            Some(Value::String(actual)) if actual == expected => {}
            Some(other) => out.push(Mismatch::new(
                "body.scimType",
                format!("{expected:?}"),
                excerpt(other),
            )),
            None => out.push(Mismatch::new(
                "body.scimType",
                format!("{expected:?}"),
                "absent",
            )),
        }
    }
    if let Some(detail) = object.get("detail")
        && !detail.is_string()
        && !detail.is_null()
    {
        out.push(Mismatch::new(
            "body.detail",
            "a string",
            describe_type(detail),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(value: Value) -> ScimErrorSpec {
        serde_json::from_value(value).unwrap()
    }

    fn paths(body: Value, status: u16, s: Value) -> Vec<String> {
        scim_error(&body, status, &spec(s))
            .into_iter()
            .map(|m| m.path)
            .collect()
    }

    #[test]
    fn accepts_a_proper_error() {
        let body =
            json!({"schemas": [ERROR], "status": "409", "scimType": "uniqueness", "detail": "dup"});
        assert!(paths(body, 409, json!({"status": 409, "scimType": "uniqueness"})).is_empty());
    }

    #[test]
    fn rejects_each_broken_rule() {
        let good = json!({"schemas": [ERROR], "status": "404"});
        assert_eq!(
            paths(good.clone(), 400, json!({"status": 404})),
            vec!["status", "body.status"]
        );
        let numeric = json!({"schemas": [ERROR], "status": 404});
        let mismatches = scim_error(&numeric, 404, &spec(json!({})));
        assert_eq!(mismatches.len(), 1);
        assert!(mismatches[0].actual.starts_with("integer"));
        assert_eq!(
            paths(json!({"status": "404"}), 404, json!({})),
            vec!["body.schemas"]
        );
        assert_eq!(
            paths(good.clone(), 404, json!({"scimType": "noTarget"})),
            vec!["body.scimType"]
        );
        assert_eq!(
            paths(json!({"schemas": [ERROR]}), 404, json!({})),
            vec!["body.status"]
        );
        let mut detail = good;
        detail["detail"] = json!(5);
        assert_eq!(paths(detail, 404, json!({})), vec!["body.detail"]);
        assert_eq!(paths(json!("oops"), 404, json!({})), vec!["body"]);
    }
}
