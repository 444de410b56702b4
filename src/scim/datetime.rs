//! xsd:dateTime values (RFC 7643 §2.3.5).

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use regex::Regex;
use std::sync::OnceLock;

fn pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
            .unwrap_or_else(|e| panic!("static regex: {e}"))
    })
}

/// True for a valid xsd:dateTime: date and time, optional fraction and zone.
pub fn is_xsd_datetime(text: &str) -> bool {
    pattern().is_match(text) && parse(text).is_some()
}

/// Parses an xsd:dateTime; a value without a zone is taken as UTC.
pub fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed);
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(naive.and_utc().fixed_offset())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_xsd_datetimes_and_rejects_others() {
        for good in [
            "2011-08-01T21:32:44.882Z",
            "2011-08-01T21:32:44Z",
            "2011-08-01T21:32:44+02:00",
            "2011-08-01T21:32:44",
        ] {
            assert!(is_xsd_datetime(good), "{good}");
        }
        for bad in [
            "2011-08-01",
            "1312234364",
            "2011-13-01T21:32:44Z",
            "2011-08-01 21:32:44Z",
            "",
        ] {
            assert!(!is_xsd_datetime(bad), "{bad}");
        }
    }
}
