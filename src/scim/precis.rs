//! PRECIS preparation of userNames. RFC 7644 §5 requires the rules of
//! RFC 7613 §3 (now RFC 8265) before userNames are compared or checked for
//! uniqueness. Both username profiles map fullwidth and halfwidth characters
//! to their decompositions and normalise to NFC; UsernameCaseMapped also
//! maps to lower case.

use icu_normalizer::{ComposingNormalizerBorrowed, DecomposingNormalizerBorrowed};

/// The width-mapping rule and NFC, the steps both profiles share: the form
/// in which a userName is compared (case is left to caseExact).
pub fn prepare_user_name(name: &str) -> String {
    nfc(&width_map(name))
}

/// The UsernameCaseMapped comparison key: width mapping, lower case, NFC
/// (RFC 7613 §3.2.2 order). Two userNames are the same when their keys are.
pub fn user_name_key(name: &str) -> String {
    nfc(&width_map(name).to_lowercase())
}

fn nfc(text: &str) -> String {
    ComposingNormalizerBorrowed::new_nfc()
        .normalize(text)
        .into_owned()
}

/// "Map fullwidth and halfwidth code points to their decomposition
/// mappings": the only <wide> and <narrow> decompositions in Unicode are
/// U+3000 and the Halfwidth and Fullwidth Forms block, so only those are
/// decomposed (NFKD would also fold ligatures, superscripts and the like,
/// which PRECIS does not map).
fn width_map(text: &str) -> String {
    let nfkd = DecomposingNormalizerBorrowed::new_nfkd();
    let mut out = String::with_capacity(text.len());
    let mut buffer = [0u8; 4];
    for c in text.chars() {
        if c == '\u{3000}' || ('\u{FF01}'..='\u{FFEE}').contains(&c) {
            out.push_str(&nfkd.normalize(c.encode_utf8(&mut buffer)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_and_decomposed_forms_compare_equal() {
        let composed = "caf\u{e9}";
        let decomposed = "cafe\u{301}";
        assert_ne!(composed, decomposed);
        assert_eq!(prepare_user_name(decomposed), composed);
        assert_eq!(user_name_key(decomposed), user_name_key(composed));
    }

    #[test]
    fn fullwidth_and_halfwidth_forms_map_to_their_decompositions() {
        assert_eq!(prepare_user_name("\u{FF41}\u{FF42}\u{FF23}"), "abC");
        assert_eq!(user_name_key("\u{FF21}\u{FF42}"), "ab");
        // Halfwidth katakana KA maps to the ordinary KA.
        assert_eq!(prepare_user_name("\u{FF76}"), "\u{30AB}");
        assert_eq!(prepare_user_name("a\u{3000}b"), "a b");
    }

    #[test]
    fn other_compatibility_forms_are_left_alone() {
        // A ligature and a superscript: NFKD would fold them; PRECIS does not.
        assert_eq!(prepare_user_name("\u{FB01}x\u{B2}"), "\u{FB01}x\u{B2}");
    }

    #[test]
    fn case_is_mapped_only_in_the_key() {
        assert_eq!(prepare_user_name("Bjensen"), "Bjensen");
        assert_eq!(user_name_key("BJensen"), "bjensen");
        assert_eq!(user_name_key("\u{C9}COLE"), "\u{E9}cole");
    }
}
