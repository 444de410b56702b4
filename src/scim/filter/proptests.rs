//! Property tests of the filter and PATCH-path grammar, which read text from
//! suite files and (through the reference server) from any client: parsing
//! never panics, the canonical text parses back to the same tree, and
//! evaluating any filter against any JSON never panics.

use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::fuzzing::{config, json_value};

fn attr_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        1 => select(vec!["$ref", "$Ref"]).prop_map(str::to_string),
        // Keywords are valid attribute names too.
        1 => select(vec!["not", "and", "or", "pr", "eq", "true", "null", "NOT"]).prop_map(str::to_string),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => select(vec![
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ])
        .prop_map(str::to_string),
        1 => "[a-zA-Z][a-zA-Z0-9:._~/?#@!$&'*+,;=%-]{0,20}",
    ]
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (
        prop::option::weighted(0.2, urn()),
        attr_name(),
        prop::option::weighted(0.3, attr_name()),
    )
        .prop_map(|(urn, name, sub_attr)| AttrPath {
            urn,
            name,
            sub_attr,
        })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>().prop_filter_map("finite", |f| {
            serde_json::Number::from_f64(f).map(CompValue::Number)
        }),
        any::<String>().prop_map(CompValue::String),
        "[a-z@. ]{0,10}".prop_map(CompValue::String),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    select(CompareOp::ALL.to_vec())
}

/// Any filter tree the grammar can express, a few levels deep.
fn filter() -> impl Strategy<Value = Filter> {
    let leaf = prop_oneof![
        (attr_path(), compare_op(), comp_value())
            .prop_map(|(path, op, value)| Filter::compare(path, op, value)),
        attr_path().prop_map(Filter::Present),
    ];
    leaf.prop_recursive(6, 40, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::and(a, b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::or(a, b)),
            inner.clone().prop_map(Filter::negate),
            (attr_path(), inner).prop_map(|(path, filter)| Filter::ValuePath {
                path,
                filter: Box::new(filter),
            }),
        ]
    })
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    (
        attr_path(),
        prop::option::of((filter(), prop::option::of(attr_name()))),
    )
        .prop_map(|(attr, filtered)| match filtered {
            Some((filter, sub_attr)) => PatchPath {
                attr,
                value_filter: Some(filter),
                sub_attr,
            },
            None => PatchPath {
                attr,
                value_filter: None,
                sub_attr: None,
            },
        })
}

/// Text built from grammar pieces and arbitrary characters, so that random
/// input gets past the first token often.
fn filter_like_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => select(vec![
            "userName", "emails", "name.familyName", "urn:x:y:", "meta.lastModified", "$ref",
            " ", "(", ")", "[", "]", "not", "not (", " and ", " or ", " eq ", " ne ", " co ",
            " sw ", " gt ", " le ", " pr", "\"", "\"x\"", "\\", "\\u", "\\uD83D", "12", "-",
            "1e5", "0.5", "true", "null", "'", ".", ":", "].value",
        ])
        .prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// A schema that gives every attribute some type, varying with its name,
/// so that typed comparisons (dateTime, numbers, binary) are exercised too.
fn typed_schema(urn: Option<&str>, path: &[&str]) -> Option<AttrInfo> {
    let kinds = [
        AttrType::String,
        AttrType::Boolean,
        AttrType::Decimal,
        AttrType::Integer,
        AttrType::DateTime,
        AttrType::Binary,
        AttrType::Reference,
        AttrType::Complex,
    ];
    let seed: usize = path
        .iter()
        .chain(urn.as_slice())
        .flat_map(|part| part.bytes())
        .map(usize::from)
        .sum();
    let kind = kinds.get(seed % (kinds.len() + 1)).copied()?;
    Some(AttrInfo {
        kind,
        case_exact: seed.is_multiple_of(2),
        multi_valued: seed.is_multiple_of(3),
    })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn canonical_filters_parse_back_to_the_same_tree(filter in filter()) {
        let text = filter.to_string();
        prop_assert_eq!(parse_filter(&text), Ok(filter), "{}", text);
    }

    #[test]
    fn canonical_patch_paths_parse_back_to_the_same_path(path in patch_path()) {
        let text = path.to_string();
        prop_assert_eq!(parse_patch_path(&text), Ok(path), "{}", text);
    }

    #[test]
    fn any_text_parses_or_fails_cleanly(text in prop_oneof![filter_like_text(), any::<String>()]) {
        match parse_filter(&text) {
            // Whatever was accepted has a canonical form that means the same.
            Ok(filter) => prop_assert_eq!(parse_filter(&filter.to_string()), Ok(filter)),
            Err(err) => prop_assert!(err.position <= text.chars().count(), "{:?}: {}", text, err),
        }
        match parse_patch_path(&text) {
            Ok(path) => prop_assert_eq!(parse_patch_path(&path.to_string()), Ok(path)),
            Err(err) => prop_assert!(err.position <= text.chars().count(), "{:?}: {}", text, err),
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// The tester evaluates filters against whatever a server returned.
    #[test]
    fn evaluation_against_any_json_never_panics(filter in filter(), resource in json_value()) {
        let _ = matches(&filter, &resource, &NoSchema);
        let _ = matches(&filter, &resource, &SchemaFn(typed_schema));
        // And a resource with the filter's own attributes present, so that
        // comparisons are reached, not just "absent".
        let mut object = serde_json::Map::new();
        for node in filter.chain() {
            if let Filter::Compare { path, .. } | Filter::Present(path) = node {
                object.insert(path.name.clone(), resource.clone());
            }
        }
        let _ = matches(&filter, &serde_json::Value::Object(object), &SchemaFn(typed_schema));
    }
}
