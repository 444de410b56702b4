//! Paths into JSON values, as written in suites: `meta.location`,
//! `emails[0].value`, `["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].manager`.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid path {path:?}: {reason}")]
pub struct PathError {
    pub path: String,
    pub reason: String,
}

pub fn parse(path: &str) -> Result<Vec<Segment>, PathError> {
    let err = |reason: &str| PathError {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    let mut segments = Vec::new();
    let chars: Vec<char> = path.chars().collect();
    let mut i = 0;
    let mut expect_key = true;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                if expect_key {
                    return Err(err("empty segment"));
                }
                expect_key = true;
                i += 1;
            }
            '[' => {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|offset| i + offset)
                    .ok_or_else(|| err("unclosed '['"))?;
                let inner: String = chars[i + 1..close].iter().collect();
                let inner = inner.trim();
                if let Some(quoted) = inner
                    .strip_prefix('"')
                    .and_then(|rest| rest.strip_suffix('"'))
                {
                    segments.push(Segment::Key(quoted.to_string()));
                } else {
                    let index = inner
                        .parse::<usize>()
                        .map_err(|_| err("brackets hold an index or a quoted key"))?;
                    segments.push(Segment::Index(index));
                }
                expect_key = false;
                i = close + 1;
            }
            _ => {
                if !expect_key {
                    return Err(err("expected '.' or '[' after a segment"));
                }
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                segments.push(Segment::Key(chars[start..i].iter().collect()));
                expect_key = false;
            }
        }
    }
    if expect_key && !segments.is_empty() {
        return Err(err("trailing '.'"));
    }
    Ok(segments)
}

/// Looks a key up exactly first, then case-insensitively: SCIM attribute
/// names are case-insensitive (RFC 7643 §2.1).
pub fn get_key<'a>(object: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value)
    })
}

pub fn resolve<'a>(value: &'a Value, segments: &[Segment]) -> Option<&'a Value> {
    let mut current = value;
    for segment in segments {
        current = match (segment, current) {
            (Segment::Key(key), Value::Object(object)) => get_key(object, key)?,
            (Segment::Index(index), Value::Array(items)) => items.get(*index)?,
            _ => return None,
        };
    }
    Some(current)
}

pub fn lookup<'a>(value: &'a Value, path: &str) -> Result<Option<&'a Value>, PathError> {
    Ok(resolve(value, &parse(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_dots_indexes_and_quoted_keys() {
        assert_eq!(
            parse(r#"a.b[2]["urn:x:2.0:User"].c"#).unwrap(),
            vec![
                Segment::Key("a".into()),
                Segment::Key("b".into()),
                Segment::Index(2),
                Segment::Key("urn:x:2.0:User".into()),
                Segment::Key("c".into()),
            ]
        );
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn rejects_malformed_paths() {
        assert!(parse("a..b").is_err());
        assert!(parse("a.").is_err());
        assert!(parse("a[x]").is_err());
        assert!(parse("a[1").is_err());
        assert!(parse("a[0]b").is_err());
    }

    #[test]
    fn resolves_case_insensitively_after_exact() {
        let doc = json!({"userName": "x", "emails": [{"value": "a"}], "USERNAME": "y"});
        assert_eq!(lookup(&doc, "userName").unwrap(), Some(&json!("x")));
        assert_eq!(lookup(&doc, "username").unwrap(), Some(&json!("x")));
        assert_eq!(lookup(&doc, "emails[0].value").unwrap(), Some(&json!("a")));
        assert_eq!(lookup(&doc, "emails[1].value").unwrap(), None);
        assert_eq!(lookup(&doc, "userName.x").unwrap(), None);
    }
}
