//! The JSON Schema of the suite format, generated from the serde model so it
//! cannot drift from what the loader accepts (a test compares it with
//! `docs/suite.schema.json`).

use super::model::Suite;

pub fn suite_schema_json() -> String {
    let schema = schemars::schema_for!(Suite);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_else(|e| panic!("schema: {e}"));
    text.push('\n');
    text
}
