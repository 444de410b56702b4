//! SCIM-aware matchers: what declarative predicates cannot express well.

mod bulk_response;
mod filter_results;
mod list_response;
mod schema_definitions;
mod scim_error;
mod scim_resource;

pub use bulk_response::bulk_response;
pub use filter_results::filter_results;
pub use list_response::list_response;
pub use schema_definitions::schema_definitions;
pub use scim_error::scim_error;
pub use scim_resource::scim_resource;

use super::Mismatch;
use crate::http::client::Response;
use crate::suite::model::Matcher;

pub fn evaluate(
    matcher: &Matcher,
    response: &Response,
    ctx: &crate::engine::template::Context,
    registry: &crate::scim::schema::SchemaRegistry,
) -> Vec<Mismatch> {
    if let Matcher::PatchResponse(_) = matcher {
        return patch_response(response);
    }
    let Some(body) = &response.json else {
        let actual = match &response.json_error {
            Some(err) => format!("invalid JSON ({err})"),
            None => "an empty body".to_string(),
        };
        let expected = match matcher {
            Matcher::ListResponse(_) => "a JSON ListResponse",
            Matcher::ScimError(_) => "a JSON SCIM Error",
            Matcher::ScimResource(_) | Matcher::PatchResponse(_) => "a JSON SCIM resource",
            Matcher::BulkResponse(_) => "a JSON BulkResponse",
            Matcher::FilterResults(_) => "a JSON ListResponse",
            Matcher::SchemaDefinitions(_) => "JSON schema definitions",
        };
        return vec![Mismatch::new("body", expected, actual)];
    };
    match matcher {
        Matcher::ListResponse(spec) => list_response(body, spec),
        Matcher::ScimError(spec) => scim_error(body, response.status, spec),
        Matcher::ScimResource(spec) => scim_resource(body, spec, registry),
        Matcher::PatchResponse(_) => patch_response(response),
        Matcher::BulkResponse(spec) => bulk_response(body, spec),
        Matcher::FilterResults(spec) => filter_results(body, spec, ctx, registry),
        Matcher::SchemaDefinitions(spec) => schema_definitions(body, spec),
    }
}

/// 200 with the resource, or 204 with no body (RFC 7644 §3.5.2).
fn patch_response(response: &Response) -> Vec<Mismatch> {
    let expected = "200 with the resource, or 204 with no body";
    match response.status {
        204 if response.body_text.trim().is_empty() => Vec::new(),
        204 => vec![Mismatch::new(
            "body",
            "no body with 204",
            super::predicate::truncate(&response.body_text, 200),
        )],
        200 => match &response.json {
            Some(body)
                if body
                    .get("id")
                    .is_some_and(|id| id.as_str().is_some_and(|s| !s.is_empty())) =>
            {
                Vec::new()
            }
            Some(body) => vec![Mismatch::new(
                "body",
                expected,
                super::predicate::excerpt(body),
            )],
            None if response.body_text.trim().is_empty() => {
                vec![Mismatch::new("body", expected, "200 with an empty body")]
            }
            None => vec![Mismatch::new(
                "body",
                expected,
                "200 with a body that is not JSON",
            )],
        },
        other => vec![Mismatch::new("status", expected, other.to_string())],
    }
}

/// `schemas` is an array of strings that contains `urn`.
fn check_schemas(body: &serde_json::Value, urn: &str, out: &mut Vec<Mismatch>) {
    match body.get("schemas") {
        Some(serde_json::Value::Array(items)) => {
            if !items.iter().any(|item| item.as_str() == Some(urn)) {
                out.push(Mismatch::new(
                    "body.schemas",
                    format!("to contain {urn:?}"),
                    super::predicate::excerpt(&serde_json::Value::Array(items.clone())),
                ));
            }
        }
        Some(other) => out.push(Mismatch::new(
            "body.schemas",
            format!("an array containing {urn:?}"),
            super::predicate::excerpt(other),
        )),
        None => out.push(Mismatch::new(
            "body.schemas",
            format!("an array containing {urn:?}"),
            "absent",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![],
            body_text: body.to_string(),
            json: serde_json::from_str(body).ok(),
            json_error: None,
        }
    }

    #[test]
    fn patch_responses_are_200_with_the_resource_or_204_empty() {
        assert!(patch_response(&response(204, "")).is_empty());
        assert!(
            patch_response(&response(
                200,
                &json!({"id": "1", "schemas": []}).to_string()
            ))
            .is_empty()
        );
        assert_eq!(patch_response(&response(200, "")).len(), 1);
        assert_eq!(patch_response(&response(200, "{}")).len(), 1);
        assert_eq!(patch_response(&response(204, "{}")).len(), 1);
        assert_eq!(patch_response(&response(201, "")).len(), 1);
    }
}
