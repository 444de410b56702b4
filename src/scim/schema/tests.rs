use serde_json::{Value, json};

use super::registry::load_builtin;
use super::*;
use crate::scim::filter::{AttrType, SchemaInfo};
use crate::scim::urns;

fn builtin() -> &'static SchemaRegistry {
    SchemaRegistry::builtin()
}

fn user_schema() -> &'static Schema {
    builtin().schema(urns::USER).expect("User schema")
}

fn attribute<'a>(schema: &'a Schema, name: &str) -> &'a Attribute {
    schema
        .attribute(name)
        .unwrap_or_else(|| panic!("attribute {name}"))
}

fn names(attributes: &[Attribute]) -> Vec<&str> {
    attributes.iter().map(|a| a.name.as_str()).collect()
}

fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [urns::LIST_RESPONSE],
        "totalResults": resources.len(),
        "Resources": resources,
    })
}

fn builtin_documents() -> (Value, Value) {
    let base = "https://example.com/v2";
    let schemas = builtin()
        .schemas()
        .iter()
        .map(|s| s.to_resource(base))
        .collect();
    let types = builtin()
        .resource_types()
        .iter()
        .map(|t| t.to_resource(base))
        .collect();
    (list_response(schemas), list_response(types))
}

#[test]
fn shipped_definitions_parse() {
    let registry = load_builtin().expect("builtin definitions parse");
    let ids: Vec<&str> = registry.schemas().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            urns::USER,
            urns::GROUP,
            urns::ENTERPRISE_USER,
            urns::SERVICE_PROVIDER_CONFIG,
            urns::RESOURCE_TYPE,
            urns::SCHEMA
        ]
    );
    assert_eq!(common_attributes().len(), 3);
}

#[test]
fn schemas_round_trip_through_json() {
    for schema in builtin().schemas() {
        assert_eq!(&Schema::from_json(&schema.to_json()).unwrap(), schema);
        let resource = schema.to_resource("https://example.com/v2/");
        assert_eq!(&Schema::from_json(&resource).unwrap(), schema);
        for attribute in &schema.attributes {
            assert_eq!(
                &Attribute::from_json(&attribute.to_json()).unwrap(),
                attribute
            );
        }
    }
    for resource_type in builtin().resource_types() {
        let resource = resource_type.to_resource("https://example.com");
        assert_eq!(
            &ResourceTypeDef::from_json(&resource).unwrap(),
            resource_type
        );
    }
}

#[test]
fn schema_resource_has_schemas_and_meta() {
    let resource = user_schema().to_resource("https://example.com/v2/");
    assert_eq!(resource["schemas"], json!([urns::SCHEMA]));
    assert_eq!(resource["meta"]["resourceType"], "Schema");
    assert_eq!(
        resource["meta"]["location"],
        format!("https://example.com/v2/Schemas/{}", urns::USER)
    );
    let first = &resource["attributes"][0];
    assert_eq!(first["name"], "userName");
    assert_eq!(first["uniqueness"], "server");
    assert_eq!(first["multiValued"], false);
}

#[test]
fn resource_type_resource_always_has_extension_array() {
    let group = builtin().resource_type("group").unwrap();
    let resource = group.to_resource("https://example.com");
    assert_eq!(resource["schemaExtensions"], json!([]));
    assert_eq!(resource["schemas"], json!([urns::RESOURCE_TYPE]));
    assert_eq!(resource["meta"]["resourceType"], "ResourceType");
    assert_eq!(
        resource["meta"]["location"],
        "https://example.com/ResourceTypes/Group"
    );
    assert_eq!(resource["endpoint"], "/Groups");

    let user = builtin().resource_type("User").unwrap();
    assert_eq!(user.endpoint, "/Users");
    assert_eq!(user.schema, urns::USER);
    assert_eq!(
        user.extensions,
        [SchemaExtension {
            schema: urns::ENTERPRISE_USER.into(),
            required: false
        }]
    );
    let urns_of_user: Vec<&str> = user.schema_urns().collect();
    assert_eq!(urns_of_user, [urns::USER, urns::ENTERPRISE_USER]);
}

#[test]
fn user_core_attributes() {
    let user = user_schema();
    let user_name = attribute(user, "USERNAME");
    assert!(user_name.required);
    assert!(!user_name.case_exact);
    assert_eq!(user_name.uniqueness, Uniqueness::Server);
    assert_eq!(user_name.kind, AttrType::String);

    let password = attribute(user, "password");
    assert_eq!(password.mutability, Mutability::WriteOnly);
    assert_eq!(password.returned, Returned::Never);

    let groups = attribute(user, "groups");
    assert_eq!(groups.mutability, Mutability::ReadOnly);
    assert!(groups.multi_valued);

    let certificate = attribute(user, "x509Certificates")
        .sub_attribute("value")
        .unwrap();
    assert_eq!(certificate.kind, AttrType::Binary);

    let active = attribute(user, "active");
    assert_eq!(active.kind, AttrType::Boolean);
    assert_eq!(active.uniqueness, Uniqueness::None);
}

#[test]
fn user_emails() {
    let emails = attribute(user_schema(), "emails");
    assert!(emails.multi_valued);
    assert_eq!(emails.kind, AttrType::Complex);
    assert_eq!(
        names(&emails.sub_attributes),
        ["value", "display", "type", "primary"]
    );
    let kind = emails.sub_attribute("TYPE").unwrap();
    assert_eq!(kind.canonical_values, ["work", "home", "other"]);
    assert_eq!(
        emails.sub_attribute("primary").unwrap().kind,
        AttrType::Boolean
    );
    assert!(emails.sub_attribute("nope").is_none());
}

#[test]
fn group_display_name_is_required_per_errata_5368() {
    let group = builtin().schema(urns::GROUP).unwrap();
    assert!(attribute(group, "displayName").required);
    let members = attribute(group, "members");
    // RFC 7643 §8.7.1 lists value, $ref and type; `display` is a §2.4
    // default sub-attribute (in the §8.4 example) that Okta sends on group
    // push, declared readOnly so it is accepted and ignored.
    assert_eq!(
        names(&members.sub_attributes),
        ["value", "$ref", "type", "display"]
    );
    assert_eq!(
        members.sub_attribute("display").unwrap().mutability,
        Mutability::ReadOnly
    );
    assert_eq!(
        members.sub_attribute("$ref").unwrap().reference_types,
        ["User", "Group"]
    );
}

#[test]
fn enterprise_manager() {
    let enterprise = builtin().schema(urns::ENTERPRISE_USER).unwrap();
    let manager = attribute(enterprise, "manager");
    assert_eq!(manager.kind, AttrType::Complex);
    assert!(!manager.multi_valued);
    assert_eq!(
        names(&manager.sub_attributes),
        ["value", "$ref", "displayName"]
    );
    assert_eq!(
        manager.sub_attribute("displayName").unwrap().mutability,
        Mutability::ReadOnly
    );
    assert_eq!(
        manager.sub_attribute("$ref").unwrap().reference_types,
        ["User"]
    );
}

#[test]
fn service_provider_schemas() {
    let config = builtin().schema(urns::SERVICE_PROVIDER_CONFIG).unwrap();
    let etag = attribute(config, "etag");
    assert!(etag.required);
    assert_eq!(etag.mutability, Mutability::ReadOnly);
    assert_eq!(
        etag.sub_attribute("supported").unwrap().kind,
        AttrType::Boolean
    );
    let schemes = attribute(config, "authenticationSchemes");
    assert!(schemes.multi_valued);
    assert!(schemes.sub_attribute("type").unwrap().required);

    let resource_type = builtin().schema(urns::RESOURCE_TYPE).unwrap();
    assert!(attribute(resource_type, "schemaExtensions").multi_valued);

    let schema = builtin().schema(urns::SCHEMA).unwrap();
    let attributes = attribute(schema, "attributes");
    let type_values = &attributes.sub_attribute("type").unwrap().canonical_values;
    assert!(type_values.iter().any(|v| v == "binary"));
    let subs = attributes.sub_attribute("subAttributes").unwrap();
    assert!(subs.sub_attribute("referenceTypes").unwrap().multi_valued);
    let sub_type_values = &subs.sub_attribute("type").unwrap().canonical_values;
    assert!(!sub_type_values.iter().any(|v| v == "complex"));
}

#[test]
fn resolve_core_common_and_extension_attributes() {
    let registry = builtin();
    let user = registry.resource_type("User").unwrap();
    let resolve = |urn: Option<&str>, path: &[&str]| {
        registry
            .resolve(user, urn, path)
            .map(|(owner, attribute)| (owner.to_owned(), attribute.name.clone()))
    };
    let found = |owner: &str, name: &str| Some((owner.to_owned(), name.to_owned()));

    assert_eq!(resolve(None, &["userName"]), found(urns::USER, "userName"));
    assert_eq!(
        resolve(None, &["name", "familyName"]),
        found(urns::USER, "familyName")
    );
    assert_eq!(
        resolve(None, &["meta", "lastModified"]),
        found("", "lastModified")
    );
    assert_eq!(resolve(None, &["ID"]), found("", "id"));
    assert_eq!(
        resolve(Some(urns::USER), &["userName"]),
        found(urns::USER, "userName")
    );
    let upper = urns::USER.to_uppercase();
    assert_eq!(
        resolve(Some(upper.as_str()), &["username"]),
        found(urns::USER, "userName")
    );
    assert_eq!(
        resolve(Some(urns::ENTERPRISE_USER), &["employeeNumber"]),
        found(urns::ENTERPRISE_USER, "employeeNumber")
    );
    assert_eq!(
        resolve(Some(urns::ENTERPRISE_USER), &["manager", "value"]),
        found(urns::ENTERPRISE_USER, "value")
    );
}

/// A resource type for Schema resources, which the builtin registry does
/// not list (RFC 7644 serves /Schemas outside the resource types).
fn schema_resource_type() -> ResourceTypeDef {
    ResourceTypeDef {
        id: "Schema".into(),
        name: "Schema".into(),
        endpoint: "/Schemas".into(),
        description: String::new(),
        schema: urns::SCHEMA.into(),
        extensions: Vec::new(),
    }
}

#[test]
fn resolve_unknown_is_none() {
    let registry = builtin();
    let user = registry.resource_type("User").unwrap();
    let group = registry.resource_type("Group").unwrap();
    assert!(registry.resolve(user, None, &["nope"]).is_none());
    assert!(registry.resolve(user, None, &[]).is_none());
    assert!(registry.resolve(user, None, &["name", "nope"]).is_none());
    assert!(
        registry
            .resolve(user, None, &["name", "givenName", "x"])
            .is_none()
    );
    assert!(registry.resolve(user, None, &["userName", "x"]).is_none());
    // Only the Schema meta-schema nests sub-attributes two levels deep.
    let schema = schema_resource_type();
    let nested = registry.resolve(&schema, None, &["attributes", "subAttributes", "name"]);
    assert_eq!(
        nested.map(|(owner, a)| (owner, a.case_exact)),
        Some((urns::SCHEMA, true))
    );
    assert!(registry.resolve(user, None, &["employeeNumber"]).is_none());
    assert!(
        registry
            .resolve(user, Some("urn:x:y"), &["userName"])
            .is_none()
    );
    // The enterprise extension is not one of Group's.
    assert!(
        registry
            .resolve(group, Some(urns::ENTERPRISE_USER), &["employeeNumber"])
            .is_none()
    );
}

#[test]
fn resource_type_info_maps_characteristics() {
    let registry = builtin();
    let info = registry.info_for(registry.resource_type("User").unwrap());
    let paths: [&[&str]; 3] = [&["id"], &["externalId"], &["meta", "version"]];
    for path in paths {
        assert!(info.attribute(None, path).unwrap().case_exact, "{path:?}");
    }
    let user_name = info.attribute(None, &["userName"]).unwrap();
    assert!(!user_name.case_exact);
    assert_eq!(user_name.kind, AttrType::String);
    let modified = info.attribute(None, &["meta", "lastModified"]).unwrap();
    assert_eq!(modified.kind, AttrType::DateTime);
    assert!(info.attribute(None, &["emails"]).unwrap().multi_valued);
    let manager = info
        .attribute(Some(urns::ENTERPRISE_USER), &["manager"])
        .unwrap();
    assert_eq!(manager.kind, AttrType::Complex);
    assert!(info.attribute(None, &["unknown"]).is_none());
}

#[test]
fn from_discovery_rebuilds_the_builtin_registry() {
    let (schemas, types) = builtin_documents();
    assert_eq!(&SchemaRegistry::from_discovery(&schemas, &types), builtin());

    // Bare arrays and single resources are accepted too.
    let bare = SchemaRegistry::from_discovery(&schemas["Resources"], &types["Resources"]);
    assert_eq!(&bare, builtin());
    let single = SchemaRegistry::from_discovery(&schemas["Resources"][0], &types["Resources"][1]);
    assert_eq!(single.schemas().len(), 1);
    assert_eq!(single.resource_types()[0].name, "Group");
}

#[test]
fn from_discovery_survives_garbage() {
    let garbage = [
        json!(null),
        json!(42),
        json!("text"),
        json!([1, "two", null, [], {}]),
        json!({}),
        json!({"Resources": 7}),
        json!({"Resources": [{"id": 5}, {"name": "x"}, {"id": "urn:x", "attributes": {}}]}),
        json!({"schemas": [urns::ERROR], "status": "404"}),
    ];
    for schemas in &garbage {
        for types in &garbage {
            let registry = SchemaRegistry::from_discovery(schemas, types);
            assert!(registry.schemas().is_empty(), "{schemas}");
            assert!(registry.resource_types().is_empty(), "{types}");
        }
    }
}

#[test]
fn from_discovery_keeps_the_good_entries() {
    let schemas = json!({"Resources": [
        {"id": "urn:good", "attributes": [{"name": "a"}]},
        {"id": "urn:bad", "attributes": [{"name": "a", "type": "colour"}]},
        {"id": "URN:GOOD", "attributes": []},
        "not an object",
    ]});
    let types = json!({"Resources": [
        {"name": "Widget", "endpoint": "/Widgets", "schema": "urn:good",
         "schemaExtensions": {"schema": "urn:ext"}},
        {"name": "Broken", "endpoint": 3, "schema": "urn:good"},
    ]});
    let registry = SchemaRegistry::from_discovery(&schemas, &types);
    assert_eq!(registry.schemas().len(), 1);
    let good = registry.schema("urn:GOOD").unwrap();
    assert_eq!(good.attributes.len(), 1);
    let widget = registry.resource_type("widget").unwrap();
    assert_eq!(widget.id, "Widget");
    assert_eq!(widget.extensions[0].schema, "urn:ext");
    assert!(!widget.extensions[0].required);
    assert!(registry.resource_type("Broken").is_none());
}

#[test]
fn missing_characteristics_take_rfc_defaults() {
    let attribute = Attribute::from_json(&json!({"name": "nick"})).unwrap();
    assert_eq!(attribute.kind, AttrType::String);
    assert!(!attribute.multi_valued);
    assert!(!attribute.required);
    assert!(!attribute.case_exact);
    assert_eq!(attribute.mutability, Mutability::ReadWrite);
    assert_eq!(attribute.returned, Returned::Default);
    assert_eq!(attribute.uniqueness, Uniqueness::None);
    assert!(attribute.canonical_values.is_empty());
    assert!(attribute.sub_attributes.is_empty());

    let lenient = Attribute::from_json(&json!({
        "name": "when", "type": "DATETIME", "Mutability": "READONLY", "caseExact": null
    }))
    .unwrap();
    assert_eq!(lenient.kind, AttrType::DateTime);
    assert_eq!(lenient.mutability, Mutability::ReadOnly);
}

#[test]
fn present_characteristics_of_the_wrong_type_are_errors() {
    let bad = [
        json!({"type": "string"}),
        json!({"name": 1}),
        json!({"name": "a", "type": 1}),
        json!({"name": "a", "type": "colour"}),
        json!({"name": "a", "multiValued": "yes"}),
        json!({"name": "a", "required": 1}),
        json!({"name": "a", "mutability": "sometimes"}),
        json!({"name": "a", "returned": true}),
        json!({"name": "a", "uniqueness": "planet"}),
        json!({"name": "a", "canonicalValues": "work"}),
        json!({"name": "a", "referenceTypes": [1]}),
        json!({"name": "a", "subAttributes": {}}),
        json!({"name": "a", "subAttributes": [{"name": "b", "caseExact": "no"}]}),
        json!("a"),
    ];
    for value in &bad {
        assert!(Attribute::from_json(value).is_err(), "{value}");
    }
    let error = Schema::from_json(&json!({
        "id": "urn:x",
        "attributes": [{"name": "outer", "subAttributes": [{"name": "inner", "type": 5}]}]
    }))
    .unwrap_err();
    assert!(error.message.contains("urn:x"), "{error}");
    assert!(error.message.contains("outer.inner"), "{error}");
    assert!(Schema::from_json(&json!({"attributes": []})).is_err());
    assert!(Schema::from_json(&json!({"id": "urn:x", "name": false})).is_err());
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut value = json!({"name": "leaf"});
    for depth in 0..100 {
        value = json!({"name": format!("n{depth}"), "subAttributes": [value]});
    }
    let error = Attribute::from_json(&value).unwrap_err();
    assert!(error.message.contains("nest"), "{error}");
}

#[test]
fn split_attribute_references() {
    let split = |text: &str| split_attribute_ref(text);
    let owned = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(split("userName"), (None, owned(&["userName"])));
    assert_eq!(
        split("name.givenName"),
        (None, owned(&["name", "givenName"]))
    );
    assert_eq!(
        split("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
        (
            Some(urns::ENTERPRISE_USER.to_owned()),
            owned(&["manager", "value"])
        )
    );
    assert_eq!(
        split("URN:ietf:params:scim:schemas:core:2.0:User:userName"),
        (
            Some("URN:ietf:params:scim:schemas:core:2.0:User".to_owned()),
            owned(&["userName"])
        )
    );
    assert_eq!(split("urn:x:"), (Some("urn:x".to_owned()), vec![]));
    assert_eq!(split(""), (None, vec![]));
    assert_eq!(split("a:b"), (None, owned(&["a:b"])));
    assert_eq!(split("ü"), (None, owned(&["ü"])));
}

#[test]
fn keywords_round_trip() {
    for mutability in [
        Mutability::ReadOnly,
        Mutability::ReadWrite,
        Mutability::Immutable,
        Mutability::WriteOnly,
    ] {
        assert_eq!(
            Mutability::from_keyword(mutability.keyword()),
            Some(mutability)
        );
    }
    for returned in [
        Returned::Always,
        Returned::Never,
        Returned::Default,
        Returned::Request,
    ] {
        assert_eq!(Returned::from_keyword(returned.keyword()), Some(returned));
    }
    for uniqueness in [Uniqueness::None, Uniqueness::Server, Uniqueness::Global] {
        assert_eq!(
            Uniqueness::from_keyword(uniqueness.keyword()),
            Some(uniqueness)
        );
    }
    assert_eq!(attr_type_keyword(AttrType::DateTime), "dateTime");
    assert_eq!(attr_type_from_keyword("dateTime"), Some(AttrType::DateTime));
}
