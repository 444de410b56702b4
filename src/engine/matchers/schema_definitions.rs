//! Well-formedness of the schema definitions a server publishes (RFC 7643
//! §2.1, §2.2, §2.3.8, §7), one rule per check.

use serde_json::Value;

use crate::engine::Mismatch;
use crate::scim::urns;
use crate::suite::model::{SchemaDefinitionsSpec, SchemaRule};

const TYPES: [&str; 8] = [
    "string",
    "boolean",
    "decimal",
    "integer",
    "dateTime",
    "binary",
    "reference",
    "complex",
];
const MUTABILITY: [&str; 4] = ["readOnly", "readWrite", "immutable", "writeOnly"];
const RETURNED: [&str; 4] = ["always", "never", "default", "request"];
const UNIQUENESS: [&str; 3] = ["none", "server", "global"];

/// Every schema in a /Schemas ListResponse (or a single Schema resource).
fn schemas(body: &Value) -> Vec<&Value> {
    match body.get("Resources").and_then(Value::as_array) {
        Some(items) => items.iter().collect(),
        None => vec![body],
    }
}

pub fn schema_definitions(body: &Value, spec: &SchemaDefinitionsSpec) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for schema in schemas(body) {
        let id = schema.get("id").and_then(Value::as_str).unwrap_or("?");
        // The Schema meta-schema legitimately nests complex sub-attributes.
        let meta_schema = id == urns::SCHEMA;
        let Some(attributes) = schema.get("attributes").and_then(Value::as_array) else {
            continue;
        };
        for attribute in attributes {
            check(
                attribute,
                &format!("{id}:"),
                false,
                meta_schema,
                spec.rule,
                &mut out,
            );
        }
    }
    out
}

fn check(
    attribute: &Value,
    prefix: &str,
    is_sub: bool,
    meta_schema: bool,
    rule: SchemaRule,
    out: &mut Vec<Mismatch>,
) {
    let name = attribute.get("name").and_then(Value::as_str).unwrap_or("");
    let path = format!("{prefix}{name}");
    let kind = attribute.get("type").and_then(Value::as_str).unwrap_or("");
    let subs = attribute
        .get("subAttributes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    match rule {
        SchemaRule::AttributeNames => {
            let valid = name == "$ref"
                || (name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '$' | '-' | '_')));
            if !valid {
                out.push(Mismatch::new(
                    path.clone(),
                    "a name matching ALPHA *(ALPHA / DIGIT / \"$\" / \"-\" / \"_\")",
                    format!("{name:?}"),
                ));
            }
        }
        SchemaRule::Vocabularies => {
            let mut vocabulary =
                |key: &str, allowed: &[&str], required: bool| match attribute.get(key) {
                    Some(Value::String(value)) if allowed.contains(&value.as_str()) => {}
                    None if !required => {}
                    other => out.push(Mismatch::new(
                        format!("{path}.{key}"),
                        format!("one of {allowed:?}"),
                        other.map_or_else(|| "absent".to_string(), |v| v.to_string()),
                    )),
                };
            vocabulary("type", &TYPES, true);
            vocabulary("mutability", &MUTABILITY, false);
            vocabulary("returned", &RETURNED, false);
            vocabulary("uniqueness", &UNIQUENESS, false);
        }
        SchemaRule::SimpleWithoutSubAttributes => {
            if kind != "complex" && !subs.is_empty() {
                out.push(Mismatch::new(
                    format!("{path}.subAttributes"),
                    format!("none on a {kind} attribute"),
                    format!("{} sub-attributes", subs.len()),
                ));
            }
        }
        SchemaRule::SubAttributesNotComplex => {
            if is_sub && kind == "complex" && !meta_schema {
                out.push(Mismatch::new(
                    format!("{path}.type"),
                    "not complex (sub-attributes are simple)",
                    "complex",
                ));
            }
        }
        SchemaRule::PredefinedSubAttributes => {
            let multi_valued = attribute.get("multiValued") == Some(&Value::Bool(true));
            if multi_valued && !meta_schema {
                for sub in subs {
                    let sub_name = sub.get("name").and_then(Value::as_str).unwrap_or("");
                    let expected = match sub_name {
                        "primary" => "boolean",
                        "$ref" => "reference",
                        "type" | "display" => "string",
                        _ => continue,
                    };
                    // type defaults to string (RFC 7643 §2.2).
                    let actual = sub.get("type").and_then(Value::as_str).unwrap_or("string");
                    if actual != expected {
                        out.push(Mismatch::new(
                            format!("{path}.{sub_name}.type"),
                            expected,
                            actual,
                        ));
                    }
                }
            }
        }
        SchemaRule::ComplexHasSubAttributes => {
            if kind == "complex" && subs.is_empty() {
                out.push(Mismatch::new(
                    format!("{path}.subAttributes"),
                    "the sub-attributes of a complex attribute",
                    "none",
                ));
            }
        }
    }
    for sub in subs {
        check(sub, &format!("{path}."), true, meta_schema, rule, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(rule: SchemaRule, attributes: Value) -> usize {
        let body = json!({"Resources": [{"id": "urn:x", "attributes": attributes}]});
        schema_definitions(&body, &SchemaDefinitionsSpec { rule }).len()
    }

    #[test]
    fn each_rule_finds_its_defect() {
        let good = json!([{"name": "emails", "type": "complex", "multiValued": true, "mutability": "readWrite",
            "subAttributes": [{"name": "value", "type": "string"}, {"name": "$ref", "type": "reference"}]}]);
        for rule in [
            SchemaRule::AttributeNames,
            SchemaRule::Vocabularies,
            SchemaRule::SimpleWithoutSubAttributes,
            SchemaRule::SubAttributesNotComplex,
            SchemaRule::ComplexHasSubAttributes,
            SchemaRule::PredefinedSubAttributes,
        ] {
            assert_eq!(run(rule, good.clone()), 0, "{rule:?}");
        }
        assert_eq!(
            run(
                SchemaRule::PredefinedSubAttributes,
                json!([{"name": "emails", "type": "complex", "multiValued": true,
                    "subAttributes": [{"name": "primary", "type": "string"}, {"name": "$ref", "type": "string"}, {"name": "type"}]}])
            ),
            2
        );
        assert_eq!(
            run(
                SchemaRule::AttributeNames,
                json!([{"name": "1st name", "type": "string"}])
            ),
            1
        );
        assert_eq!(
            run(
                SchemaRule::Vocabularies,
                json!([{"name": "a", "type": "text", "mutability": "readonly"}])
            ),
            2
        );
        assert_eq!(
            run(
                SchemaRule::SimpleWithoutSubAttributes,
                json!([{"name": "a", "type": "string", "subAttributes": [{"name": "b", "type": "string"}]}])
            ),
            1
        );
        assert_eq!(
            run(
                SchemaRule::SubAttributesNotComplex,
                json!([{"name": "a", "type": "complex", "subAttributes": [{"name": "b", "type": "complex", "subAttributes": [{"name": "c", "type": "string"}]}]}])
            ),
            1
        );
        assert_eq!(
            run(
                SchemaRule::ComplexHasSubAttributes,
                json!([{"name": "a", "type": "complex"}])
            ),
            1
        );
    }
}
