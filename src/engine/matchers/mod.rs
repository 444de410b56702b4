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
        let actual = describe_non_json(response);
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

/// What a body that is not JSON is instead, for messages: empty, labelled
/// as another media type (an HTML error page), or JSON that does not parse
/// (with the parser's reason: truncated, nested too deep, not UTF-8).
pub fn describe_non_json(response: &Response) -> String {
    if response.body_text.trim().is_empty() {
        return "an empty body".to_string();
    }
    let reason = response
        .json_error
        .as_deref()
        .unwrap_or("not a JSON document");
    let media_type = response
        .header("content-type")
        .and_then(|value| value.split(';').next())
        .map(|media| media.trim().to_ascii_lowercase())
        .filter(|media| !media.is_empty());
    match media_type {
        Some(media) if !media.contains("json") => {
            // Bodies can be megabytes: look at the start only.
            let head: String = response.body_text.chars().take(400).collect();
            let start = head.split_whitespace().collect::<Vec<_>>().join(" ");
            format!(
                "a {media} body, not JSON: {}",
                super::predicate::truncate(&start, 80)
            )
        }
        _ => format!("invalid JSON ({reason})"),
    }
}

/// Why a capture (`body.id`, `header.ETag`) found nothing in a response.
pub fn capture_miss(source: &str, response: &Response) -> String {
    let answer = format!("the {} answer", response.status);
    if let Some(header) = source
        .strip_prefix("header.")
        .or_else(|| source.strip_prefix("headers."))
    {
        return format!("{answer} has no {header} header");
    }
    match &response.json {
        None if source.starts_with("body") => {
            format!("{answer} has no JSON body: {}", describe_non_json(response))
        }
        Some(body) if source.starts_with("body.") && !body.is_object() => format!(
            "{answer} has no {source}: its body is a JSON {}, not an object",
            super::predicate::describe_type(body)
        ),
        _ => format!("{answer} has no {source}"),
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
    fn non_json_bodies_are_described_by_what_they_are() {
        let mut html = response(200, "<!DOCTYPE html>\n<html>\n  <body>Oops</body></html>");
        html.json_error = Some("expected value at line 1 column 1".into());
        html.headers = vec![("content-type".into(), "text/html; charset=utf-8".into())];
        assert_eq!(
            describe_non_json(&html),
            "a text/html body, not JSON: <!DOCTYPE html> <html> <body>Oops</body></html>"
        );
        let mut truncated = response(201, r#"{"id": "1", "#);
        truncated.json_error = Some("EOF while parsing an object".into());
        truncated.headers = vec![("content-type".into(), "application/scim+json".into())];
        assert_eq!(
            describe_non_json(&truncated),
            "invalid JSON (EOF while parsing an object)"
        );
        assert_eq!(describe_non_json(&response(200, " ")), "an empty body");

        assert_eq!(
            capture_miss("body.id", &truncated),
            "the 201 answer has no JSON body: invalid JSON (EOF while parsing an object)"
        );
        assert_eq!(
            capture_miss("body.id", &response(201, "[1]")),
            "the 201 answer has no body.id: its body is a JSON array, not an object"
        );
        assert_eq!(
            capture_miss("body.id", &response(201, "{}")),
            "the 201 answer has no body.id"
        );
        assert_eq!(
            capture_miss("header.ETag", &response(200, "{}")),
            "the 200 answer has no ETag header"
        );
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
