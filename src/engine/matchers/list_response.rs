//! ListResponse shape and paging consistency (RFC 7644 §3.4.2, §3.4.2.4).

use serde_json::Value;

use super::check_schemas;
use crate::engine::Mismatch;
use crate::engine::predicate::{describe_type, excerpt};
use crate::scim::urns::LIST_RESPONSE;
use crate::suite::model::ListResponseSpec;

pub fn list_response(body: &Value, spec: &ListResponseSpec) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let Some(object) = body.as_object() else {
        out.push(Mismatch::new("body", "a JSON object", describe_type(body)));
        return out;
    };
    check_schemas(body, LIST_RESPONSE, &mut out);

    let total = match object.get("totalResults") {
        Some(value) => match value.as_u64() {
            Some(total) => Some(total),
            None => {
                out.push(Mismatch::new(
                    "body.totalResults",
                    "a non-negative integer",
                    excerpt(value),
                ));
                None
            }
        },
        None => {
            out.push(Mismatch::new("body.totalResults", "present", "absent"));
            None
        }
    };

    // Clients match "Resources" exactly, so a differently cased key is a finding.
    let resources = match object.get("Resources") {
        Some(Value::Array(items)) => Some(items.as_slice()),
        Some(other) => {
            out.push(Mismatch::new(
                "body.Resources",
                "an array",
                format!("{} {}", describe_type(other), excerpt(other)),
            ));
            None
        }
        None => {
            let misspelt = object
                .keys()
                .find(|key| key.eq_ignore_ascii_case("resources"));
            if let Some(key) = misspelt {
                out.push(Mismatch::new(
                    "body.Resources",
                    "the key spelt \"Resources\"",
                    format!("{key:?}"),
                ));
            } else if total.is_some_and(|total| total > 0) {
                out.push(Mismatch::new(
                    "body.Resources",
                    "present when totalResults > 0",
                    "absent",
                ));
            }
            None
        }
    };
    let page_len = resources.map_or(0, |items| items.len() as u64);

    if let Some(items) = resources {
        for (index, item) in items.iter().enumerate() {
            if !item.is_object() {
                out.push(Mismatch::new(
                    format!("body.Resources[{index}]"),
                    "an object",
                    describe_type(item),
                ));
            }
        }
    }
    if let Some(total) = total
        && page_len > total
    {
        out.push(Mismatch::new(
            "body.Resources",
            format!("at most totalResults ({total}) elements"),
            format!("{page_len} elements"),
        ));
    }

    let start_index = integer_field(object, "startIndex", &mut out);
    let items_per_page = integer_field(object, "itemsPerPage", &mut out);
    // The paging fields are judged only where paging is what the check is
    // about, so one paging slip does not fail every query check.
    if let Some(start) = start_index
        && start < 1
        && spec.paging
    {
        out.push(Mismatch::new(
            "body.startIndex",
            "1 or more (1-based)",
            start.to_string(),
        ));
    }
    if let Some(items) = items_per_page
        && items != page_len as i64
        && spec.paging
    {
        out.push(Mismatch::new(
            "body.itemsPerPage",
            format!("{page_len} (the number of Resources returned)"),
            items.to_string(),
        ));
    }
    let partial = total.is_some_and(|total| page_len < total);
    if partial && spec.paging {
        if start_index.is_none() && !object.contains_key("startIndex") {
            out.push(Mismatch::new(
                "body.startIndex",
                "present on a partial page",
                "absent",
            ));
        }
        if items_per_page.is_none() && !object.contains_key("itemsPerPage") {
            out.push(Mismatch::new(
                "body.itemsPerPage",
                "present on a partial page",
                "absent",
            ));
        }
    }

    if let (Some(expected), Some(actual)) = (spec.total_results, total)
        && expected != actual
    {
        out.push(Mismatch::new(
            "body.totalResults",
            expected.to_string(),
            actual.to_string(),
        ));
    }
    if let (Some(minimum), Some(actual)) = (spec.min_total_results, total)
        && actual < minimum
    {
        out.push(Mismatch::new(
            "body.totalResults",
            format!("at least {minimum}"),
            actual.to_string(),
        ));
    }
    if let Some(expected) = spec.resources
        && expected != page_len
    {
        out.push(Mismatch::new(
            "body.Resources",
            format!("{expected} elements"),
            format!("{page_len} elements"),
        ));
    }
    if let Some(count) = spec.count
        && page_len > count
    {
        out.push(Mismatch::new(
            "body.Resources",
            format!("at most count={count} elements"),
            format!("{page_len} elements"),
        ));
    }
    if let (Some(expected), Some(actual)) = (spec.start_index, start_index)
        && expected as i64 != actual
    {
        out.push(Mismatch::new(
            "body.startIndex",
            expected.to_string(),
            actual.to_string(),
        ));
    }
    out
}

fn integer_field(
    object: &serde_json::Map<String, Value>,
    key: &str,
    out: &mut Vec<Mismatch>,
) -> Option<i64> {
    let value = object.get(key)?;
    match value.as_i64() {
        Some(number) => Some(number),
        None => {
            out.push(Mismatch::new(
                format!("body.{key}"),
                "an integer",
                excerpt(value),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(mut value: Value) -> ListResponseSpec {
        value["paging"] = json!(true);
        serde_json::from_value(value).unwrap()
    }

    fn page(total: u64, items: usize, start: i64, per_page: i64) -> Value {
        json!({
            "schemas": [LIST_RESPONSE],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": per_page,
            "Resources": (0..items).map(|i| json!({"id": i.to_string()})).collect::<Vec<_>>()
        })
    }

    #[test]
    fn accepts_consistent_pages() {
        assert!(
            list_response(
                &page(5, 2, 3, 2),
                &spec(json!({"start_index": 3, "count": 2}))
            )
            .is_empty()
        );
        assert!(
            list_response(
                &json!({"schemas": [LIST_RESPONSE], "totalResults": 0}),
                &spec(json!({}))
            )
            .is_empty()
        );
    }

    #[test]
    fn rejects_inconsistent_pages() {
        let found = |body: Value, s: Value| -> Vec<String> {
            list_response(&body, &spec(s))
                .into_iter()
                .map(|m| m.path)
                .collect()
        };
        assert_eq!(
            found(page(5, 2, 3, 5), json!({})),
            vec!["body.itemsPerPage"]
        );
        assert_eq!(found(page(5, 2, 0, 2), json!({})), vec!["body.startIndex"]);
        assert_eq!(
            found(page(5, 3, 1, 3), json!({"count": 2})),
            vec!["body.Resources"]
        );
        assert_eq!(found(page(1, 2, 1, 2), json!({})), vec!["body.Resources"]);
        assert_eq!(
            found(page(5, 2, 1, 2), json!({"total_results": 4})),
            vec!["body.totalResults"]
        );
        assert_eq!(
            found(page(5, 2, 1, 2), json!({"start_index": 3})),
            vec!["body.startIndex"]
        );
        let mut wrong_urn = page(1, 1, 1, 1);
        wrong_urn["schemas"] = json!(["urn:x"]);
        assert_eq!(found(wrong_urn, json!({})), vec!["body.schemas"]);
        let lowercase = json!({"schemas": [LIST_RESPONSE], "totalResults": 1, "resources": [{}]});
        let mismatches = list_response(&lowercase, &spec(json!({})));
        assert!(mismatches.iter().any(|m| m.expected.contains("spelt")));
        let string_total =
            json!({"schemas": [LIST_RESPONSE], "totalResults": "1", "Resources": [{}]});
        assert_eq!(found(string_total, json!({})), vec!["body.totalResults"]);
        let partial = json!({"schemas": [LIST_RESPONSE], "totalResults": 3, "Resources": [{}]});
        assert_eq!(
            found(partial, json!({})),
            vec!["body.startIndex", "body.itemsPerPage"]
        );
        assert_eq!(found(json!([1]), json!({})), vec!["body"]);
    }
}
