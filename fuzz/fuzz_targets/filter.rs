//! SCIM filters and PATCH paths (RFC 7644 §3.4.2.2, §3.5.2): parsing never
//! panics, an accepted input's canonical form parses back to the same tree,
//! and evaluating it against a resource never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scimspec::scim::filter::{NoSchema, matches, parse_filter, parse_patch_path};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(filter) = parse_filter(text) {
        let canonical = filter.to_string();
        assert_eq!(
            parse_filter(&canonical).as_ref(),
            Ok(&filter),
            "{canonical}"
        );
        let resource = serde_json::json!({
            "userName": "bjensen", "name": {"familyName": "Jensen"},
            "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
            "meta": {"lastModified": "2011-05-13T04:42:34Z"}, "active": true, "x": 3
        });
        let _ = matches(&filter, &resource, &NoSchema);
    }
    if let Ok(path) = parse_patch_path(text) {
        let canonical = path.to_string();
        assert_eq!(
            parse_patch_path(&canonical).as_ref(),
            Ok(&path),
            "{canonical}"
        );
    }
});
