//! Property tests of the suite loader, which reads user files: any text, and
//! any mutation of a real suite file, loads or fails with a located error
//! (whose rendering with its snippet does not panic either).

use proptest::prelude::*;
use proptest::sample::{Index, select};

use super::loader::parse_suite;
use crate::fuzzing::{config, json_value, text};

/// The built-in suite files, as text.
fn suite_files() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
    let mut files = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                && let Ok(content) = std::fs::read_to_string(&path)
            {
                files.push((path.display().to_string(), content));
            }
        }
    }
    files.sort();
    files
}

/// Snippets that upset YAML parsers and the loader's own checks.
const YAML_SNIPPETS: &[&str] = &[
    ": ",
    "- ",
    "\n- ",
    "\n  ",
    "\t",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "&a ",
    "*a",
    "!!binary ",
    "!!str ",
    "? ",
    "|",
    ">-",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "#",
    "~",
    "null",
    "1e999",
    "-0x1F",
    "<<: *a",
    "{{",
    "}}",
    "{{ body.id | repeat:99999999999 }}",
    "\u{0}",
    "\u{feff}",
    "é",
    "\r\n",
    "id: x",
    "steps: []",
    "requirements: [{id: P-3.3-02}]",
    "requires: [\"resourceType:\"]",
];

#[derive(Debug, Clone)]
enum Edit {
    Delete(Index, usize),
    Insert(Index, String),
    DuplicateLine(Index),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 1usize..40).prop_map(|(at, len)| Edit::Delete(at, len)),
        (
            any::<Index>(),
            prop_oneof![select(YAML_SNIPPETS).prop_map(str::to_string), text()]
        )
            .prop_map(|(at, snippet)| Edit::Insert(at, snippet)),
        any::<Index>().prop_map(Edit::DuplicateLine),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let position = |at: &Index| at.index(chars.len() + 1);
    match edit {
        Edit::Delete(at, len) => {
            let start = position(at).min(chars.len());
            let end = (start + len).min(chars.len());
            chars.drain(start..end);
        }
        Edit::Insert(at, snippet) => {
            let start = position(at);
            chars.splice(start..start, snippet.chars());
        }
        Edit::DuplicateLine(at) => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            if lines.is_empty() {
                return text.to_string();
            }
            let line = at.index(lines.len());
            let mut out = String::with_capacity(text.len() * 2);
            for (index, content) in lines.iter().enumerate() {
                out.push_str(content);
                if index == line {
                    out.push_str(content);
                }
            }
            return out;
        }
        Edit::Truncate(at) => {
            let end = position(at).min(chars.len());
            chars.truncate(end);
        }
    }
    chars.into_iter().collect()
}

/// Loads one file's text; an error must point into the text and render.
fn load(file: &str, text: &str) -> Result<(), TestCaseError> {
    if let Err(err) = parse_suite(file, text) {
        prop_assert!(err.line >= 1 && err.column >= 1, "{err}");
        prop_assert!(
            err.line <= text.lines().count().max(1) + 1,
            "line {} past the end: {err}",
            err.line
        );
        let rendered = format!("{:?}", miette::Report::new(err));
        prop_assert!(!rendered.is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn mutated_builtin_suites_load_or_fail_with_a_location(
        file in any::<Index>(),
        edits in prop::collection::vec(edit(), 1..5),
    ) {
        let files = suite_files();
        prop_assert!(!files.is_empty());
        let (name, original) = file.get(&files);
        let mut mutated = original.clone();
        for edit in &edits {
            mutated = apply(&mutated, edit);
        }
        load(name, &mutated)?;
        // The same document as JSON goes through the JSON path.
        if let Ok(value) = serde_saphyr::from_str::<serde_json::Value>(&mutated) {
            load("mutated.json", &value.to_string())?;
        }
    }

    #[test]
    fn arbitrary_text_and_documents_load_or_fail_with_a_location(
        raw in text(),
        document in json_value(),
    ) {
        load("any.yaml", &raw)?;
        load("any.json", &raw)?;
        load("doc.json", &document.to_string())?;
        // A suite-shaped document with arbitrary parts.
        let suite = serde_json::json!({
            "id": "fuzz", "title": "t",
            "checks": [{"id": "c", "title": "t", "requirements": [{"id": "P-3.3-02"}],
                        "steps": [{"request": {"method": "GET", "path": "/Users"},
                                   "expect": document}]}]
        });
        load("shaped.json", &suite.to_string())?;
    }
}

#[test]
fn deep_nesting_in_suite_files_is_refused_not_recursed_into() {
    for depth in [1_000, 100_000] {
        let yaml = format!("id: {}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse_suite("deep.yaml", &yaml).is_err());
        let yaml = format!("id: x\nchecks:\n{}", "- ".repeat(depth));
        assert!(parse_suite("deep.yaml", &yaml).is_err());
        let json = format!("{{\"id\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse_suite("deep.json", &json).is_err());
        let mut block = String::from("id: x\nchecks:\n");
        for level in 0..depth.min(1_000) {
            block.push_str(&" ".repeat(level));
            block.push_str("a:\n");
        }
        assert!(parse_suite("deep.yaml", &block).is_err());
    }
}

#[test]
fn alias_bombs_are_refused() {
    // Ten to the ninth nodes if expanded, in a field that takes any value.
    let mut yaml = String::from(
        "id: x\ntitle: t\nchecks:\n  - id: c\n    title: t\n    requirements: [{id: P-3.3-02}]\n    vars:\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for level in 1..9 {
        let previous = format!("*a{}", level - 1);
        yaml.push_str(&format!(
            "      a{level}: &a{level} [{}]\n",
            vec![previous; 10].join(", ")
        ));
    }
    yaml.push_str("    steps: [{request: {method: GET, path: /Users}}]\n");
    let started = std::time::Instant::now();
    let err = parse_suite("bomb.yaml", &yaml).err().map(|e| e.to_string());
    assert!(
        err.as_deref().is_some_and(|e| e.contains("budget")),
        "{err:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
