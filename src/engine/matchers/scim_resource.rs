//! SCIM resource shape (RFC 7643 §3, §3.1): schemas, id, meta.

use serde_json::Value;

use crate::engine::Mismatch;
use crate::engine::predicate::{describe_type, excerpt};
use crate::scim::datetime::is_xsd_datetime;
use crate::scim::schema::SchemaRegistry;
use crate::suite::model::ScimResourceSpec;

/// `registry` holds the target's own /ResourceTypes, for `declared_schemas`.
pub fn scim_resource(
    body: &Value,
    spec: &ScimResourceSpec,
    registry: &SchemaRegistry,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let Some(object) = body.as_object() else {
        out.push(Mismatch::new("body", "a JSON object", describe_type(body)));
        return out;
    };
    match object.get("schemas") {
        Some(Value::Array(items)) if !items.is_empty() && items.iter().all(Value::is_string) => {
            let mut seen = std::collections::HashSet::new();
            if let Some(duplicate) = items.iter().find(|item| !seen.insert(item.as_str())) {
                out.push(Mismatch::new(
                    "body.schemas",
                    "unique schema URIs",
                    format!("{duplicate} twice"),
                ));
            }
            if let Some(urn) = &spec.schema
                && !items.iter().any(|item| item.as_str() == Some(urn.as_str()))
            {
                out.push(Mismatch::new(
                    "body.schemas",
                    format!("to contain {urn:?}"),
                    excerpt(&Value::Array(items.clone())),
                ));
            }
            if spec.declared_schemas {
                out.extend(undeclared_schemas(object, items, spec, registry));
            }
        }
        Some(other) => out.push(Mismatch::new(
            "body.schemas",
            "a non-empty array of URI strings",
            excerpt(other),
        )),
        None => out.push(Mismatch::new(
            "body.schemas",
            "a non-empty array of URI strings",
            "absent",
        )),
    }
    match object.get("id") {
        Some(Value::String(id)) if !id.is_empty() => {}
        Some(other) => out.push(Mismatch::new(
            "body.id",
            "a non-empty string",
            excerpt(other),
        )),
        None => out.push(Mismatch::new("body.id", "a non-empty string", "absent")),
    }
    let Some(meta) = object.get("meta") else {
        out.push(Mismatch::new("body.meta", "an object", "absent"));
        return out;
    };
    let Some(meta) = meta.as_object() else {
        out.push(Mismatch::new("body.meta", "an object", excerpt(meta)));
        return out;
    };
    match (meta.get("resourceType"), &spec.resource_type) {
        (Some(Value::String(actual)), Some(expected)) if actual != expected => {
            out.push(Mismatch::new(
                "body.meta.resourceType",
                format!("{expected:?}"),
                format!("{actual:?}"),
            ))
        }
        (Some(Value::String(_)), _) => {}
        (Some(other), _) => out.push(Mismatch::new(
            "body.meta.resourceType",
            "a string",
            excerpt(other),
        )),
        (None, _) => out.push(Mismatch::new("body.meta.resourceType", "present", "absent")),
    }
    let mut stamps = Vec::new();
    for key in ["created", "lastModified"] {
        let path = format!("body.meta.{key}");
        match meta.get(key) {
            Some(Value::String(text)) if is_xsd_datetime(text) => stamps.push(text.clone()),
            Some(other) => out.push(Mismatch::new(
                path,
                "an xsd:dateTime string such as 2011-08-01T21:32:44.882Z",
                excerpt(other),
            )),
            None => out.push(Mismatch::new(path, "present", "absent")),
        }
    }
    if let [created, modified] = stamps.as_slice()
        && let (Some(created), Some(modified)) = (
            crate::scim::datetime::parse(created),
            crate::scim::datetime::parse(modified),
        )
        && modified < created
    {
        out.push(Mismatch::new(
            "body.meta.lastModified",
            "not earlier than meta.created",
            modified.to_rfc3339(),
        ));
    }
    match meta.get("location") {
        // A reference may be absolute or relative to the SCIM base (RFC 7643 §2.3.7).
        Some(Value::String(location)) if !is_uri_reference(location) => {
            out.push(Mismatch::new(
                "body.meta.location",
                "a URI (absolute, or relative to the base URL)",
                format!("{location:?}"),
            ));
        }
        Some(Value::String(_)) => {}
        Some(other) => out.push(Mismatch::new(
            "body.meta.location",
            "a URI string",
            excerpt(other),
        )),
        None if spec.location => out.push(Mismatch::new("body.meta.location", "present", "absent")),
        None => {}
    }
    if let Some(version) = meta.get("version")
        && !version.is_string()
    {
        out.push(Mismatch::new(
            "body.meta.version",
            "a string",
            excerpt(version),
        ));
    }
    out
}

/// RFC 7643 §3: "The \"schemas\" attribute for a resource MUST only contain
/// values defined as \"schema\" and \"schemaExtensions\" for the resource's
/// defined \"resourceType\"." URNs compare case-insensitively, as the
/// registry looks them up.
fn undeclared_schemas(
    object: &serde_json::Map<String, Value>,
    items: &[Value],
    spec: &ScimResourceSpec,
    registry: &SchemaRegistry,
) -> Vec<Mismatch> {
    let name = spec.resource_type.clone().or_else(|| {
        object
            .get("meta")
            .and_then(|meta| meta.get("resourceType"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let Some(name) = name else {
        // Without a resource type there is nothing to compare with; the
        // missing meta.resourceType is reported on its own.
        return Vec::new();
    };
    let Some(resource_type) = registry.resource_type(&name) else {
        return vec![Mismatch::new(
            "body.schemas",
            format!("only the schemas /ResourceTypes declares for {name}"),
            format!("/ResourceTypes declares no usable resource type {name:?}"),
        )];
    };
    let declared: Vec<&str> = resource_type.schema_urns().collect();
    let undeclared: Vec<&str> = items
        .iter()
        .filter_map(Value::as_str)
        .filter(|urn| !declared.iter().any(|d| d.eq_ignore_ascii_case(urn)))
        .collect();
    if undeclared.is_empty() {
        return Vec::new();
    }
    vec![Mismatch::new(
        "body.schemas",
        format!(
            "only the schema and schemaExtensions of resource type {} ({})",
            resource_type.name,
            declared.join(", ")
        ),
        format!("also {}", undeclared.join(", ")),
    )]
}

fn is_uri_reference(text: &str) -> bool {
    !text.trim().is_empty()
        && !text.chars().any(char::is_whitespace)
        && url::Url::parse("http://base.invalid/v2/")
            .and_then(|base| base.join(text))
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223",
            "userName": "bjensen",
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34.5+02:00",
                "location": "https://example.com/v2/Users/2819c223",
                "version": "W/\"a330bc54f0671c9\""
            }
        })
    }

    fn paths(body: Value, spec: Value) -> Vec<String> {
        let spec: ScimResourceSpec = serde_json::from_value(spec).unwrap();
        scim_resource(&body, &spec, SchemaRegistry::builtin())
            .into_iter()
            .map(|m| m.path)
            .collect()
    }

    #[test]
    fn accepts_a_well_formed_resource() {
        assert!(paths(user(), json!({"resourceType": "User", "schema": "urn:ietf:params:scim:schemas:core:2.0:User"})).is_empty());
    }

    #[test]
    fn declared_schemas_come_from_the_resource_types() {
        let declared = json!({"resourceType": "User", "declared_schemas": true});
        assert!(paths(user(), declared.clone()).is_empty());
        let mut body = user();
        body["schemas"] = json!([
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "URN:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ]);
        assert!(
            paths(body.clone(), declared.clone()).is_empty(),
            "URNs compare case-insensitively"
        );
        body["schemas"][1] = json!("urn:example:vendor:2.0:User");
        assert_eq!(paths(body.clone(), declared.clone()), vec!["body.schemas"]);
        // Without declared_schemas, extra URNs are not judged.
        assert!(paths(body.clone(), json!({"resourceType": "User"})).is_empty());
        // The resource type falls back to meta.resourceType.
        assert_eq!(
            paths(body, json!({"declared_schemas": true})),
            vec!["body.schemas"]
        );
        // The enterprise extension belongs to User, not to Group.
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "id": "e9e30dba",
            "displayName": "Tour Guides",
            "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z", "lastModified": "2010-01-23T04:56:22Z", "location": "https://example.com/v2/Groups/e9e30dba"}
        });
        assert_eq!(
            paths(group, json!({"declared_schemas": true})),
            vec!["body.schemas"]
        );
        // A resource type /ResourceTypes does not declare cannot pass.
        let spec: ScimResourceSpec =
            serde_json::from_value(json!({"resourceType": "User", "declared_schemas": true}))
                .unwrap();
        let found = scim_resource(&user(), &spec, &SchemaRegistry::default());
        assert_eq!(found.len(), 1);
        assert!(found[0].actual.contains("declares no usable resource type"));
    }

    #[test]
    fn rejects_each_broken_rule() {
        let mut body = user();
        body["id"] = json!("");
        assert_eq!(paths(body, json!({})), vec!["body.id"]);
        let mut body = user();
        body["schemas"] = json!([]);
        assert_eq!(paths(body, json!({})), vec!["body.schemas"]);
        assert_eq!(
            paths(user(), json!({"schema": "urn:other"})),
            vec!["body.schemas"]
        );
        assert_eq!(
            paths(user(), json!({"resourceType": "Group"})),
            vec!["body.meta.resourceType"]
        );
        let mut body = user();
        body["meta"]["created"] = json!("2010-01-23");
        assert_eq!(paths(body, json!({})), vec!["body.meta.created"]);
        let mut body = user();
        body["meta"]["lastModified"] = json!(1264222582);
        assert_eq!(paths(body, json!({})), vec!["body.meta.lastModified"]);
        let mut body = user();
        body["meta"]["lastModified"] = json!("2009-01-01T00:00:00Z");
        assert_eq!(paths(body, json!({})), vec!["body.meta.lastModified"]);
        let mut body = user();
        body["meta"]["location"] = json!("Users/2819c223");
        assert!(
            paths(body.clone(), json!({})).is_empty(),
            "relative references are URIs"
        );
        body["meta"]["location"] = json!("not a uri");
        assert_eq!(paths(body, json!({})), vec!["body.meta.location"]);
        let mut body = user();
        body["meta"].as_object_mut().unwrap().remove("location");
        assert_eq!(paths(body.clone(), json!({})), vec!["body.meta.location"]);
        assert!(paths(body, json!({"location": false})).is_empty());
        let mut body = user();
        body.as_object_mut().unwrap().remove("meta");
        assert_eq!(paths(body, json!({})), vec!["body.meta"]);
    }
}
