//! Suite files (YAML or JSON, user input): loading never panics, and an
//! error renders with its source snippet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scimspec::suite::loader::parse_suite;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in ["fuzz.yaml", "fuzz.json"] {
        if let Err(err) = parse_suite(name, text) {
            let _ = format!("{err} {err:?}");
        }
    }
});
