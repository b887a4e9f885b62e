//! Company names and how they are matched: trimmed, inner white space collapsed, NFC-normalised,
//! and compared without letter case. Industries use the same rules.

use unicode_normalization::UnicodeNormalization;

use crate::store::CompanyChoice;

/// The display form of a name: NFC, trimmed, each run of white space turned into one space.
pub fn clean_name(name: &str) -> String {
    let normalised: String = name.nfc().collect();
    normalised.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The identity of a name: its display form in lower case.
pub fn name_key(name: &str) -> String {
    clean_name(name).to_lowercase()
}

/// A choice that resolves or creates the company with this name.
pub fn by_name(name: &str) -> CompanyChoice {
    CompanyChoice::ByName {
        name: clean_name(name),
        key: name_key(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_ignore_case_and_spacing() {
        assert_eq!(name_key("  Example   Oy "), "example oy");
        assert_eq!(name_key("EXAMPLE\tOY"), name_key("example oy"));
        assert_eq!(clean_name("  Example   Oy "), "Example Oy");
    }

    #[test]
    fn keys_are_nfc() {
        // "é" written as one code point and as "e" followed by a combining accent.
        assert_eq!(name_key("Caf\u{e9}"), name_key("Cafe\u{301}"));
    }

    proptest! {
        #[test]
        fn key_is_stable(name in "\\PC{0,40}") {
            let key = name_key(&name);
            prop_assert_eq!(name_key(&key), key);
        }
    }
}
