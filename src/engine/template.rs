//! `{{ ... }}` templating of suite values.
//!
//! An expression is a variable path (`user.id`, `spc.filter.maxResults`)
//! followed by optional filters (`| upper`, `| lower`, `| json`, `| urlencode`).
//! Two roots are special: `run.id` (this run's id) and `unique.NAME`, a value
//! unique to this run and check, stable for the whole check
//! (`scimspec-<run>-<check>-NAME`).

use indexmap::IndexMap;
use serde_json::Value;

use super::path;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("undefined variable `{0}`")]
    Undefined(String),
    #[error(
        "unknown filter `{0}` (known: upper, lower, swapcase, json, urlencode, last_segment, repeat:N)"
    )]
    UnknownFilter(String),
    #[error("unclosed `{{{{` in {0:?}")]
    Unclosed(String),
    #[error("empty expression in {0:?}")]
    Empty(String),
    #[error("{0}")]
    Path(#[from] path::PathError),
}

const FILTERS: [&str; 7] = [
    "upper",
    "lower",
    "swapcase",
    "json",
    "urlencode",
    "last_segment",
    "repeat",
];

/// `repeat:N` builds large values (e.g. a body past a server's size limit);
/// capped so a suite cannot make scimspec allocate without bound.
const MAX_REPEAT_BYTES: usize = 64 * 1024 * 1024;

/// Variables visible to templates, plus the generators of unique values.
#[derive(Debug, Clone, Default)]
pub struct Context {
    vars: IndexMap<String, Value>,
    run_id: String,
    /// Short, per-check discriminator used in unique values.
    scope: String,
    /// Why a variable a step meant to capture is missing (the response it
    /// was to come from), so that a later step can say why it cannot run.
    missing: IndexMap<String, String>,
}

impl Context {
    pub fn new(run_id: &str, scope: &str) -> Context {
        let mut vars = IndexMap::new();
        vars.insert("run".to_string(), serde_json::json!({ "id": run_id }));
        Context {
            vars,
            run_id: run_id.to_string(),
            scope: scope.to_string(),
            missing: IndexMap::new(),
        }
    }

    pub fn set(&mut self, name: &str, value: Value) {
        self.missing.shift_remove(name);
        self.vars.insert(name.to_string(), value);
    }

    /// Removes a variable that could not be captured, remembering why.
    pub fn forget(&mut self, name: &str, reason: String) {
        self.vars.shift_remove(name);
        self.missing.insert(name.to_string(), reason);
    }

    /// For an undefined variable that a step failed to capture: why, as
    /// ` (not captured: ...)`; otherwise nothing.
    pub fn why_undefined(&self, err: &TemplateError) -> String {
        let TemplateError::Undefined(target) = err else {
            return String::new();
        };
        let root = target.split(['.', '[']).next().unwrap_or_default().trim();
        self.missing
            .get(root)
            .map(|reason| format!(" (not captured: {reason})"))
            .unwrap_or_default()
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }

    pub fn remove(&mut self, name: &str) {
        self.vars.shift_remove(name);
    }

    /// The value `unique.NAME` resolves to.
    pub fn unique_value(&self, name: &str) -> String {
        format!("scimspec-{}-{}-{}", self.run_id, self.scope, name)
    }

    fn evaluate(&self, expression: &str) -> Result<Value, TemplateError> {
        let mut parts = expression.split('|').map(str::trim);
        let target = parts.next().unwrap_or_default();
        if target.is_empty() {
            return Err(TemplateError::Empty(expression.to_string()));
        }
        let mut value = self.resolve(target)?;
        for filter in parts {
            value = apply_filter(filter, value)?;
        }
        Ok(value)
    }

    fn resolve(&self, target: &str) -> Result<Value, TemplateError> {
        let segments = path::parse(target)?;
        let Some(path::Segment::Key(root)) = segments.first() else {
            return Err(TemplateError::Undefined(target.to_string()));
        };
        if root == "unique" {
            return match segments.get(1) {
                Some(path::Segment::Key(name)) if segments.len() == 2 => {
                    Ok(Value::String(self.unique_value(name)))
                }
                _ => Err(TemplateError::Undefined(target.to_string())),
            };
        }
        let base = self
            .vars
            .get(root.as_str())
            .ok_or_else(|| TemplateError::Undefined(target.to_string()))?;
        path::resolve(base, &segments[1..])
            .filter(|value| !value.is_null())
            .cloned()
            .ok_or_else(|| TemplateError::Undefined(target.to_string()))
    }

    /// Renders a string: each `{{ expr }}` is replaced by its value (strings
    /// as-is, other JSON values serialised).
    pub fn render_str(&self, text: &str) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| TemplateError::Unclosed(text.to_string()))?;
            let value = self.evaluate(&after[..end])?;
            match value {
                Value::String(s) => out.push_str(&s),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Renders a JSON value recursively. A string that is exactly one
    /// template (`"{{ x }}"`) becomes the variable's JSON value, keeping its type.
    pub fn render_value(&self, value: &Value) -> Result<Value, TemplateError> {
        Ok(match value {
            Value::String(text) => match sole_expression(text) {
                Some(expression) => self.evaluate(expression)?,
                None => Value::String(self.render_str(text)?),
            },
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.render_value(item))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(object) => {
                let mut rendered = serde_json::Map::new();
                for (key, item) in object {
                    rendered.insert(self.render_str(key)?, self.render_value(item)?);
                }
                Value::Object(rendered)
            }
            other => other.clone(),
        })
    }
}

fn sole_expression(text: &str) -> Option<&str> {
    let trimmed = text.trim();
    let inner = trimmed.strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then_some(inner)
}

fn apply_filter(filter: &str, value: Value) -> Result<Value, TemplateError> {
    let as_text = |value: &Value| match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(count) = filter.strip_prefix("repeat:") {
        let count: usize = count
            .trim()
            .parse()
            .map_err(|_| TemplateError::UnknownFilter(filter.to_string()))?;
        let text = as_text(&value);
        if text.len().saturating_mul(count) > MAX_REPEAT_BYTES {
            return Err(TemplateError::UnknownFilter(format!(
                "{filter} (more than {MAX_REPEAT_BYTES} bytes)"
            )));
        }
        return Ok(Value::String(text.repeat(count)));
    }
    Ok(match filter {
        "upper" => Value::String(as_text(&value).to_uppercase()),
        "lower" => Value::String(as_text(&value).to_lowercase()),
        // Every letter's case flipped: a value that differs from the
        // original only in case (whenever it has cased letters).
        "swapcase" => Value::String(
            as_text(&value)
                .chars()
                .flat_map(|c| -> Box<dyn Iterator<Item = char>> {
                    if c.is_lowercase() {
                        Box::new(c.to_uppercase())
                    } else if c.is_uppercase() {
                        Box::new(c.to_lowercase())
                    } else {
                        Box::new(std::iter::once(c))
                    }
                })
                .collect(),
        ),
        "json" => Value::String(value.to_string()),
        "urlencode" => Value::String(
            percent_encoding::utf8_percent_encode(
                &as_text(&value),
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string(),
        ),
        // The last path segment of a URL, percent-decoded: the id in a Location.
        "last_segment" => {
            let text = as_text(&value);
            let path = text.split(['?', '#']).next().unwrap_or_default();
            let segment = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            Value::String(
                percent_encoding::percent_decode_str(segment)
                    .decode_utf8_lossy()
                    .into_owned(),
            )
        }
        other => return Err(TemplateError::UnknownFilter(other.to_string())),
    })
}

/// Checks a template's syntax without evaluating it (used when loading suites).
pub fn validate(text: &str) -> Result<(), TemplateError> {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| TemplateError::Unclosed(text.to_string()))?;
        let mut parts = after[..end].split('|').map(str::trim);
        let target = parts.next().unwrap_or_default();
        if target.is_empty() {
            return Err(TemplateError::Empty(text.to_string()));
        }
        path::parse(target)?;
        for filter in parts {
            let name = filter.split(':').next().unwrap_or_default();
            let valid = FILTERS.contains(&name)
                && (name != "repeat"
                    || filter
                        .strip_prefix("repeat:")
                        .is_some_and(|n| n.trim().parse::<usize>().is_ok()));
            if !valid {
                return Err(TemplateError::UnknownFilter(filter.to_string()));
            }
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

/// Validates every string inside a JSON value.
pub fn validate_value(value: &Value) -> Result<(), TemplateError> {
    match value {
        Value::String(text) => validate(text),
        Value::Array(items) => items.iter().try_for_each(validate_value),
        Value::Object(object) => object
            .iter()
            .try_for_each(|(key, item)| validate(key).and_then(|_| validate_value(item))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> Context {
        let mut ctx = Context::new("r1", "c7");
        ctx.set(
            "user",
            json!({"id": "abc", "count": 3, "emails": [{"value": "a@x"}]}),
        );
        ctx.set("name", json!("Alice"));
        ctx
    }

    #[test]
    fn a_variable_that_could_not_be_captured_says_why() {
        let mut ctx = context();
        ctx.forget("user_id", "the 201 answer has no body.id".into());
        let err = ctx.render_str("/Users/{{ user_id }}").unwrap_err();
        assert_eq!(
            ctx.why_undefined(&err),
            " (not captured: the 201 answer has no body.id)"
        );
        let err = ctx.render_str("{{ user_id.x }}").unwrap_err();
        assert!(!ctx.why_undefined(&err).is_empty());
        // Captured later after all: the reason goes.
        ctx.set("user_id", json!("7"));
        ctx.remove("user_id");
        let err = ctx.render_str("{{ user_id }}").unwrap_err();
        assert_eq!(ctx.why_undefined(&err), "");
        let err = ctx.render_str("{{ other }}").unwrap_err();
        assert_eq!(ctx.why_undefined(&err), "");
    }

    #[test]
    fn renders_variables_paths_and_filters() {
        let ctx = context();
        assert_eq!(
            ctx.render_str("/Users/{{ user.id }}").unwrap(),
            "/Users/abc"
        );
        assert_eq!(ctx.render_str("{{user.emails[0].value}}!").unwrap(), "a@x!");
        assert_eq!(ctx.render_str("{{ name | upper }}").unwrap(), "ALICE");
        assert_eq!(ctx.render_str("{{ name | lower }}").unwrap(), "alice");
        assert_eq!(ctx.render_str("{{ name | swapcase }}").unwrap(), "aLICE");
        assert_eq!(ctx.render_str("{{ user.id | swapcase }}").unwrap(), "ABC");
        assert_eq!(ctx.render_str("n={{ user.count }}").unwrap(), "n=3");
        assert_eq!(ctx.render_str("{{ run.id }}").unwrap(), "r1");
        assert_eq!(ctx.render_str("{{ name | json }}").unwrap(), "\"Alice\"");
        assert_eq!(
            ctx.render_str("{{ user.emails[0].value | urlencode }}")
                .unwrap(),
            "a%40x"
        );
    }

    #[test]
    fn unique_values_are_stable_within_a_check_and_differ_across_checks() {
        let ctx = context();
        let first = ctx.render_str("{{ unique.user }}").unwrap();
        assert_eq!(first, "scimspec-r1-c7-user");
        assert_eq!(ctx.render_str("{{ unique.user }}").unwrap(), first);
        assert_ne!(ctx.render_str("{{ unique.other }}").unwrap(), first);
        let other_check = Context::new("r1", "c8");
        assert_ne!(other_check.render_str("{{ unique.user }}").unwrap(), first);
    }

    #[test]
    fn whole_value_templates_keep_json_types() {
        let ctx = context();
        let rendered = ctx
            .render_value(&json!({"n": "{{ user.count }}", "s": "id-{{ user.id }}", "a": ["{{ user.emails }}"]}))
            .unwrap();
        assert_eq!(
            rendered,
            json!({"n": 3, "s": "id-abc", "a": [[{"value": "a@x"}]]})
        );
    }

    #[test]
    fn reports_undefined_variables_and_bad_syntax() {
        let ctx = context();
        assert_eq!(
            ctx.render_str("{{ missing.id }}").unwrap_err(),
            TemplateError::Undefined("missing.id".into())
        );
        assert_eq!(
            ctx.render_str("{{ user.nothing }}").unwrap_err(),
            TemplateError::Undefined("user.nothing".into())
        );
        assert!(matches!(
            ctx.render_str("{{ name"),
            Err(TemplateError::Unclosed(_))
        ));
        assert!(matches!(
            ctx.render_str("{{ }}"),
            Err(TemplateError::Empty(_))
        ));
        assert!(matches!(
            ctx.render_str("{{ name | shout }}"),
            Err(TemplateError::UnknownFilter(_))
        ));
        assert!(validate("{{ a.b | upper }} and {{ c }}").is_ok());
        assert!(validate("{{ a | shout }}").is_err());
        assert!(validate("{{ a..b }}").is_err());
        assert!(validate_value(&json!({"k": ["{{ a"]})).is_err());
    }

    #[test]
    fn last_segment_and_repeat_filters() {
        let mut ctx = context();
        ctx.set("loc", json!("https://h/v2/Users/a%20b?x=1"));
        assert_eq!(ctx.render_str("{{ loc | last_segment }}").unwrap(), "a b");
        assert_eq!(
            ctx.render_str("{{ name | repeat:3 }}").unwrap(),
            "AliceAliceAlice"
        );
        assert!(ctx.render_str("{{ name | repeat:999999999999 }}").is_err());
        assert!(validate("{{ name | repeat:x }}").is_err());
        assert!(validate("{{ name | repeat:2 }}").is_ok());
    }
}
