//! The JSON Schemas of the suite and profile formats, generated from the serde
//! model so they cannot drift from what the loader accepts (tests compare them
//! with `docs/suite.schema.json` and `docs/profile.schema.json`).

use super::model::Suite;
use super::profile::ProfileDef;

fn pretty(schema: &schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_else(|e| panic!("schema: {e}"));
    text.push('\n');
    text
}

pub fn suite_schema_json() -> String {
    pretty(&schemars::schema_for!(Suite))
}

/// The JSON Schema of a profile definition (`profile.yaml`), as published in
/// `docs/profile.schema.json`.
pub fn profile_schema_json() -> String {
    pretty(&schemars::schema_for!(ProfileDef))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_schema_describes_a_profile_definition() {
        let schema: serde_json::Value = serde_json::from_str(&profile_schema_json()).unwrap();
        assert_eq!(schema["title"], "ProfileDef");
        let required = schema["required"].as_array().unwrap();
        for field in ["profile", "title", "rules"] {
            assert!(required.iter().any(|r| r == field), "{field} is required");
        }
        assert!(schema["properties"]["settings"].is_object());
        assert_eq!(schema["additionalProperties"], false);
    }
}
