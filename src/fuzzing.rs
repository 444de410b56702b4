//! Strategies shared by the property tests of the code that reads untrusted
//! input: server responses (matchers, discovery, reports) and suite files.
//! The tests themselves live next to the code they exercise; how to run them
//! longer is in docs/fuzzing.md.

use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Map, Number, Value, json};

/// Cases per property in the normal `cargo test`, unless `PROPTEST_CASES`
/// asks for more (docs/fuzzing.md).
pub fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // Failures are reported with their minimal input; the suites of
        // regressions worth keeping become ordinary unit tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text that has broken parsers and renderers elsewhere: markup, comment
/// and CDATA terminators, template braces, YAML and TAP syntax, control
/// and bidirectional characters, odd Unicode.
pub const NASTY: &[&str] = &[
    "<script>alert(1)</script>",
    "]]>",
    "-->",
    "<!--",
    "&amp;",
    "\"",
    "'",
    "\\",
    "{{",
    "}}",
    "{{ body.id }}",
    "{{ unique.user }}",
    "|",
    "---",
    "...",
    "# ",
    "- ",
    ": ",
    "\n",
    "\r\n",
    "\t",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "\u{1b}]0;pwned\u{7}",
    "\u{1b}[2J",
    "\u{9b}",
    "\u{202e}",
    "\u{feff}",
    "\u{fffd}",
    "\u{1F600}",
    "é",
    "ﬁ",
    "Ａ",
    "%s%n",
    "Bearer ",
    "[REDACTED]",
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "http://127.0.0.1:1/v2/Users/1",
];

/// Names SCIM documents use, so that generated documents reach the
/// matchers' deeper branches.
pub const SCIM_KEYS: &[&str] = &[
    "schemas",
    "id",
    "externalId",
    "userName",
    "displayName",
    "name",
    "familyName",
    "givenName",
    "emails",
    "value",
    "type",
    "primary",
    "display",
    "$ref",
    "members",
    "groups",
    "active",
    "password",
    "meta",
    "resourceType",
    "created",
    "lastModified",
    "location",
    "version",
    "Resources",
    "totalResults",
    "startIndex",
    "itemsPerPage",
    "status",
    "scimType",
    "detail",
    "Operations",
    "op",
    "path",
    "method",
    "bulkId",
    "response",
    "attributes",
    "subAttributes",
    "multiValued",
    "required",
    "caseExact",
    "mutability",
    "returned",
    "uniqueness",
    "canonicalValues",
    "referenceTypes",
    "endpoint",
    "schema",
    "schemaExtensions",
    "patch",
    "bulk",
    "filter",
    "sort",
    "etag",
    "supported",
    "maxResults",
    "maxOperations",
    "maxPayloadSize",
    "authenticationSchemes",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "manager",
];

pub fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => any::<char>().prop_map(String::from),
            3 => "[a-zA-Z0-9 .:_-]{1,8}",
            2 => select(NASTY).prop_map(str::to_string),
        ],
        0..10,
    )
    .prop_map(|parts| parts.concat())
}

pub fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(SCIM_KEYS).prop_map(str::to_string),
        1 => text(),
    ]
}

/// Any JSON value, a few levels deep, with SCIM-like keys and hostile strings.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0i64..10).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        text().prop_map(Value::String),
        select(SCIM_KEYS).prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Realistic SCIM documents to start mutating from.
pub fn seed_documents() -> Vec<Value> {
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "bjensen@example.com",
        "name": {"familyName": "Jensen", "givenName": "Barbara", "formatted": "Ms. Barbara J Jensen"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}],
        "groups": [{"value": "e9e30dba", "$ref": "http://127.0.0.1:1/v2/Groups/e9e30dba", "display": "Tour Guides"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915", "$ref": "../Users/26118915", "displayName": "John Smith"}
        },
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff590\"",
                 "location": "http://127.0.0.1:1/v2/Users/2819c223-7f76-453a-919d-413861904646"}
    });
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba", "displayName": "Tour Guides",
        "members": [{"value": "2819c223", "$ref": "http://127.0.0.1:1/v2/Users/2819c223", "display": "Babs Jensen", "type": "User"}],
        "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"1\"",
                 "location": "http://127.0.0.1:1/v2/Groups/e9e30dba"}
    });
    let list = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 2, "startIndex": 1, "itemsPerPage": 2,
        "Resources": [user.clone(), group.clone()]
    });
    let error = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400", "scimType": "invalidFilter", "detail": "bad filter"
    });
    let bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
        "Operations": [
            {"method": "POST", "bulkId": "q1", "version": "W/\"1\"",
             "location": "http://127.0.0.1:1/v2/Users/1", "status": "201"},
            {"method": "DELETE", "location": "http://127.0.0.1:1/v2/Users/2", "status": "404",
             "response": error.clone()}
        ]
    });
    let spc = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": true},
        "bulk": {"supported": true, "maxOperations": 10, "maxPayloadSize": 1048576},
        "filter": {"supported": true, "maxResults": 100},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{"type": "oauthbearertoken", "name": "Bearer", "description": "x", "primary": true}]
    });
    let definitions = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let schemas = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 3, "startIndex": 1, "itemsPerPage": 3,
        "Resources": [
            definitions(include_str!("scim/schema/definitions/user.json")),
            definitions(include_str!("scim/schema/definitions/group.json")),
            definitions(include_str!("scim/schema/definitions/enterprise_user.json")),
        ]
    });
    let resource_types = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 2, "startIndex": 1, "itemsPerPage": 2,
        "Resources": definitions(include_str!("scim/schema/definitions/resource_types.json"))
    });
    vec![user, group, list, error, bulk, spc, schemas, resource_types]
}

/// Replaces the node at `at` (in document order) with `with`.
pub fn replace_node(document: &mut Value, at: Index, with: Value) {
    let mut pointers = Vec::new();
    collect_pointers(document, String::new(), &mut pointers);
    let pointer = at.get(&pointers).clone();
    if let Some(node) = document.pointer_mut(&pointer) {
        *node = with;
    }
}

fn collect_pointers(value: &Value, here: String, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_pointers(item, format!("{here}/{index}"), out);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                collect_pointers(member, format!("{here}/{escaped}"), out);
            }
        }
        _ => {}
    }
    out.push(here);
}

/// A realistic document with a few nodes replaced by arbitrary values, or a
/// wholly arbitrary value.
pub fn response_document() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (
            select(seed_documents()),
            prop::collection::vec((any::<Index>(), json_value()), 1..4)
        )
            .prop_map(|(mut document, edits)| {
                for (at, with) in edits {
                    replace_node(&mut document, at, with);
                }
                document
            }),
        1 => select(seed_documents()),
        1 => json_value(),
    ]
}
