//! JSON inclusion (`expect.includes`): the body contains the expected JSON,
//! objects possibly with more keys and arrays with more elements.

use assert_json_diff::{CompareMode, Config, NumericMode, assert_json_matches_no_panic};
use serde_json::Value;

pub fn includes(actual: &Value, expected: &Value) -> Result<(), String> {
    let config = Config::new(CompareMode::Inclusive).numeric_mode(NumericMode::AssumeFloat);
    assert_json_matches_no_panic(actual, expected, config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inclusion_allows_extra_keys_but_not_different_values() {
        let actual = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}});
        assert!(includes(&actual, &json!({"b": {"d": "x"}})).is_ok());
        assert!(includes(&actual, &json!({"a": 1.0})).is_ok());
        let err = includes(&actual, &json!({"b": {"d": "y"}})).unwrap_err();
        assert!(err.contains("b.d"), "{err}");
        assert!(includes(&actual, &json!({"z": 1})).is_err());
    }
}
