//! SCIM-aware matchers: what declarative predicates cannot express well.

mod list_response;
mod scim_error;
mod scim_resource;

pub use list_response::list_response;
pub use scim_error::scim_error;
pub use scim_resource::scim_resource;

use super::Mismatch;
use crate::http::client::Response;
use crate::suite::model::Matcher;

pub fn evaluate(matcher: &Matcher, response: &Response) -> Vec<Mismatch> {
    let Some(body) = &response.json else {
        let actual = match &response.json_error {
            Some(err) => format!("invalid JSON ({err})"),
            None => "an empty body".to_string(),
        };
        let expected = match matcher {
            Matcher::ListResponse(_) => "a JSON ListResponse",
            Matcher::ScimError(_) => "a JSON SCIM Error",
            Matcher::ScimResource(_) => "a JSON SCIM resource",
        };
        return vec![Mismatch::new("body", expected, actual)];
    };
    match matcher {
        Matcher::ListResponse(spec) => list_response(body, spec),
        Matcher::ScimError(spec) => scim_error(body, response.status, spec),
        Matcher::ScimResource(spec) => scim_resource(body, spec),
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
