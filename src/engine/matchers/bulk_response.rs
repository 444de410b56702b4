//! BulkResponse shape (RFC 7644 §3.7).

use serde_json::Value;

use super::check_schemas;
use crate::engine::Mismatch;
use crate::engine::predicate::excerpt;
use crate::scim::urns::BULK_RESPONSE;
use crate::suite::model::BulkResponseSpec;

/// A bulk operation's status: "201", or {"code": "201"} (the RFC shows both).
fn status_of(operation: &Value) -> Option<u16> {
    let status = operation.get("status")?;
    let text = match status {
        Value::Object(object) => object.get("code")?,
        other => other,
    };
    match text {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => None,
    }
}

pub fn bulk_response(body: &Value, spec: &BulkResponseSpec) -> Vec<Mismatch> {
    let mut out = Vec::new();
    check_schemas(body, BULK_RESPONSE, &mut out);
    let Some(operations) = body.get("Operations").and_then(Value::as_array) else {
        out.push(Mismatch::new("body.Operations", "an array", "absent"));
        return out;
    };
    if let Some(expected) = &spec.statuses
        && expected.len() != operations.len()
    {
        out.push(Mismatch::new(
            "body.Operations",
            format!("{} operations", expected.len()),
            format!("{} operations", operations.len()),
        ));
    }
    for (index, operation) in operations.iter().enumerate() {
        let path = format!("body.Operations[{index}]");
        let method = operation.get("method").and_then(Value::as_str);
        if method.is_none() {
            out.push(Mismatch::new(
                format!("{path}.method"),
                "the operation's method",
                "absent",
            ));
        }
        let Some(status) = status_of(operation) else {
            out.push(Mismatch::new(
                format!("{path}.status"),
                "an HTTP status code",
                operation
                    .get("status")
                    .map_or_else(|| "absent".into(), excerpt),
            ));
            continue;
        };
        if let Some(expected) = spec.statuses.as_ref().and_then(|s| s.get(index))
            && *expected != status
        {
            let detail = operation
                .get("response")
                .map(|r| format!(" ({})", excerpt(r)))
                .unwrap_or_default();
            out.push(Mismatch::new(
                format!("{path}.status"),
                expected.to_string(),
                format!("{status}{detail}"),
            ));
        }
        if status < 300
            && method.is_some_and(|m| !m.eq_ignore_ascii_case("DELETE"))
            && operation.get("location").and_then(Value::as_str).is_none()
        {
            out.push(Mismatch::new(
                format!("{path}.location"),
                "the resource's URI",
                "absent",
            ));
        }
        if status >= 400 && operation.get("response").is_none() {
            out.push(Mismatch::new(
                format!("{path}.response"),
                "the SCIM error",
                "absent",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_both_status_shapes_and_checks_each_operation() {
        let spec = BulkResponseSpec {
            statuses: Some(vec![201, 400]),
        };
        let good = json!({"schemas": [BULK_RESPONSE], "Operations": [
            {"method": "POST", "bulkId": "a", "status": {"code": "201"}, "location": "https://x/Users/1"},
            {"method": "POST", "bulkId": "b", "status": "400", "response": {"status": "400"}}
        ]});
        assert!(bulk_response(&good, &spec).is_empty());
        let bad = json!({"schemas": [BULK_RESPONSE], "Operations": [
            {"method": "POST", "status": "201"},
            {"status": "201"}
        ]});
        let paths: Vec<String> = bulk_response(&bad, &spec)
            .into_iter()
            .map(|m| m.path)
            .collect();
        assert_eq!(
            paths,
            vec![
                "body.Operations[0].location",
                "body.Operations[1].method",
                "body.Operations[1].status"
            ]
        );
        assert_eq!(bulk_response(&json!({}), &spec).len(), 2);
    }
}
