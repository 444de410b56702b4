//! SCIM errors (RFC 7644 §3.12) as the reference server sends them.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::faults::{Fault, FaultSet};
use crate::scim::urns;

/// An error answer: HTTP status, RFC 7644 Table 9 `scimType`, detail.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    pub fn bad_request(scim_type: &'static str, detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        ScimError::bad_request("invalidValue", detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        ScimError::bad_request("invalidSyntax", detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        ScimError::bad_request("invalidFilter", detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        ScimError::bad_request("invalidPath", detail)
    }

    pub fn no_target(detail: impl Into<String>) -> Self {
        ScimError::bad_request("noTarget", detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        ScimError::bad_request("mutability", detail)
    }

    pub fn uniqueness(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::NOT_FOUND, None, detail)
    }

    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::PRECONDITION_FAILED, None, detail)
    }

    pub fn unauthorized() -> Self {
        ScimError::new(
            StatusCode::UNAUTHORIZED,
            None,
            "missing or invalid bearer token",
        )
    }

    pub fn too_large(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::PAYLOAD_TOO_LARGE, None, detail)
    }

    pub fn not_implemented(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::NOT_IMPLEMENTED, None, detail)
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, None, detail)
    }

    /// The SCIM Error body, shaped by the active faults.
    pub fn body(&self, faults: &FaultSet) -> Value {
        let status = if faults.has(Fault::ErrorStatusNumber) {
            json!(self.status.as_u16())
        } else {
            json!(self.status.as_u16().to_string())
        };
        let mut body = json!({"status": status, "detail": self.detail});
        if !faults.has(Fault::ErrorWithoutSchema) {
            body["schemas"] = json!([urns::ERROR]);
        }
        if let Some(scim_type) = self.scim_type
            && !faults.has(Fault::NoScimType)
        {
            body["scimType"] = json!(scim_type);
        }
        body
    }
}

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}
