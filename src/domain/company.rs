//! Company names and how they are matched: trimmed, inner white space collapsed, NFC-normalised,
//! and compared without letter case. Industries use the same rules. Also the company rules that
//! users and both sides of a contract share: an id that must exist, or a name to resolve.

use unicode_normalization::UnicodeNormalization;

use super::input;
use crate::error::{Error, ValidationErrors};
use crate::store::{CompanyChoice, Store};

/// Returns the display form of a name: NFC, trimmed, each run of white space turned into one space.
pub fn clean_name(name: &str) -> String {
    let normalised: String = name.nfc().collect();
    normalised.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Returns the identity of a name: its display form in lower case.
pub fn name_key(name: &str) -> String {
    clean_name(name).to_lowercase()
}

/// Builds a choice that resolves or creates the company with this name.
pub fn by_name(name: &str) -> CompanyChoice {
    CompanyChoice::ByName {
        name: clean_name(name),
        key: name_key(name),
    }
}

/// A company named in a request: by id (`0` already read as "not given"), by name, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyInput {
    pub id: Option<i64>,
    pub name: Option<String>,
}

/// Turns a company input into a choice, checking that a given id exists and that a name given
/// beside it names the same company. Problems go under `id_field` and `name_field`.
pub async fn resolve_company_input(
    store: &dyn Store,
    input: &CompanyInput,
    id_field: &str,
    name_field: &str,
    errors: &mut ValidationErrors,
) -> Result<CompanyChoice, Error> {
    match (input.id, &input.name) {
        (None, None) => Ok(CompanyChoice::None),
        (None, Some(name)) => Ok(by_name(name)),
        (Some(id), name) => {
            let Some(found) = store.company_by_id(id).await? else {
                errors.add(
                    id_field,
                    format!("The selected {} is invalid.", input::label(id_field)),
                );
                return Ok(CompanyChoice::None);
            };
            if let Some(name) = name
                && name_key(name) != name_key(&found.name)
            {
                let message = "The company id and the company name refer to different companies.";
                errors.add(id_field, message);
                errors.add(name_field, message);
            }
            Ok(CompanyChoice::Existing(found.id))
        }
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
