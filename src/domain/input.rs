//! Readers for the fields of a JSON request body. Each reader turns one value into a domain
//! value or records a problem under the field's path, so that one pass over a body reports every
//! problem at once. They accept the lenient forms that existing clients send: numbers as strings,
//! `0` and `""` for "no id", `"0"`/`"1"` for booleans.

use serde_json::{Map, Value};

use crate::error::{Error, ValidationErrors};

/// Maximum length, in characters, of names, titles and other short texts.
pub const MAX_NAME_CHARS: usize = 255;
/// Maximum length, in characters, of an e-mail address.
pub const MAX_EMAIL_CHARS: usize = 254;
/// Maximum length, in bytes, of an HTML field.
pub const MAX_HTML_BYTES: usize = 64 * 1024;

/// One key of a request body, as found.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    /// The key is not in the body.
    Absent,
    /// The key is `null`, `""` or only white space: for optional fields, "not given" or "clear".
    Empty,
    /// Any other value.
    Given(&'a Value),
}

impl<'a> Field<'a> {
    pub fn of(object: &'a Map<String, Value>, key: &str) -> Self {
        match object.get(key) {
            None => Field::Absent,
            Some(Value::Null) => Field::Empty,
            Some(Value::String(text)) if text.trim().is_empty() => Field::Empty,
            Some(value) => Field::Given(value),
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// Returns the value when one was given, and `None` when it is absent or empty.
    pub fn given(&self) -> Option<&'a Value> {
        match self {
            Field::Given(value) => Some(value),
            _ => None,
        }
    }
}

/// Turns a parsed body into its top-level object; `null` reads as `{}`, anything else is a 400.
pub fn into_object(body: Value) -> Result<Map<String, Value>, Error> {
    match body {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        _ => Err(Error::BadRequest(
            "The request body must be a JSON object.".to_owned(),
        )),
    }
}

/// Human name of a field for messages: `confirm_password` reads "confirm password", while a
/// nested path (`hires.0.title`) is kept as it is so the client can find it.
pub fn label(path: &str) -> String {
    if path.contains('.') {
        path.to_owned()
    } else {
        // `the_contract_id` reads "contract id", so messages don't say "The the contract id".
        path.strip_prefix("the_").unwrap_or(path).replace('_', " ")
    }
}

/// Reads a text value: trimmed, at most `max_chars` characters, no control characters other
/// than tab, newline and carriage return. `None` after recording a problem.
pub fn text(
    value: &Value,
    path: &str,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Option<String> {
    let Value::String(raw) = value else {
        errors.add(path, format!("The {} field must be a string.", label(path)));
        return None;
    };
    let trimmed = raw.trim();
    if has_control_characters(trimmed) {
        errors.add(
            path,
            format!(
                "The {} field must not contain control characters.",
                label(path)
            ),
        );
        return None;
    }
    if trimmed.chars().count() > max_chars {
        errors.add(
            path,
            format!(
                "The {} field must not be greater than {max_chars} characters.",
                label(path)
            ),
        );
        return None;
    }
    Some(trimmed.to_owned())
}

/// Checks whether `text` contains a control character other than tab, newline or carriage return.
pub fn has_control_characters(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
}

/// Reads a required text field. Missing, `null` and blank text are "required" problems.
pub fn required_text(
    object: &Map<String, Value>,
    key: &str,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Option<String> {
    match Field::of(object, key) {
        Field::Given(value) => text(value, key, max_chars, errors),
        _ => {
            errors.add(key, format!("The {} field is required.", label(key)));
            None
        }
    }
}

/// Reads an optional text field for a create: absent, `null` and `""` all mean "not given".
pub fn optional_text(
    object: &Map<String, Value>,
    key: &str,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Option<String> {
    Field::of(object, key)
        .given()
        .and_then(|value| text(value, key, max_chars, errors))
}

/// The change an edit requests for one optional field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<T> {
    /// The key was not sent: keep the stored value.
    Keep,
    /// `null` or `""` was sent: clear the stored value.
    Clear,
    /// A new value.
    Set(T),
}

impl<T> Change<T> {
    pub fn is_keep(&self) -> bool {
        matches!(self, Change::Keep)
    }
}

/// Reads an optional text field for an edit.
pub fn text_change(
    object: &Map<String, Value>,
    key: &str,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Option<Change<String>> {
    match Field::of(object, key) {
        Field::Absent => Some(Change::Keep),
        Field::Empty => Some(Change::Clear),
        Field::Given(value) => text(value, key, max_chars, errors).map(Change::Set),
    }
}

/// Reads an integer given as a JSON integer or a string of digits. Fractions are rejected.
pub fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// Reads an optional `*_id` field: absent, `null`, `""` and `0` mean "not given".
pub fn optional_id(
    object: &Map<String, Value>,
    key: &str,
    errors: &mut ValidationErrors,
) -> Option<i64> {
    let value = Field::of(object, key).given()?;
    match integer(value) {
        Some(0) => None,
        Some(id) if id > 0 => Some(id),
        _ => {
            errors.add(
                key,
                format!("The {} field must be a positive integer.", label(key)),
            );
            None
        }
    }
}

/// Reads a boolean given as `true`/`false`, `0`/`1` or `"0"`/`"1"` (also `"true"`/`"false"`).
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::Number(number) => match number.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(text) => match text.trim() {
            "0" | "false" => Some(false),
            "1" | "true" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// Reads an optional boolean field, recording a problem for any other value.
pub fn optional_boolean(
    object: &Map<String, Value>,
    key: &str,
    errors: &mut ValidationErrors,
) -> Option<bool> {
    let value = Field::of(object, key).given()?;
    let parsed = boolean(value);
    if parsed.is_none() {
        errors.add(
            key,
            format!("The {} field must be true, false, 0 or 1.", label(key)),
        );
    }
    parsed
}

/// Reads a value from a closed vocabulary, naming the accepted values when it is not one.
pub fn one_of<T: Copy>(
    value: &Value,
    path: &str,
    accepted: &[(&str, T)],
    errors: &mut ValidationErrors,
) -> Option<T> {
    let found = value
        .as_str()
        .map(str::trim)
        .and_then(|text| accepted.iter().find(|(name, _)| *name == text));
    if found.is_none() {
        let names: Vec<&str> = accepted.iter().map(|(name, _)| *name).collect();
        errors.add(
            path,
            format!(
                "The selected {} is invalid. Accepted values: {}.",
                label(path),
                names.join(", ")
            ),
        );
    }
    found.map(|(_, item)| *item)
}

/// Characters other than letters and digits allowed in the local part of an address.
const LOCAL_PART_SYMBOLS: &str = "!#$%&'*+/=?^_`{|}~.-";

/// Checks an e-mail address: a local part of letters, digits and the usual symbols with no
/// leading, trailing or doubled dot, one `@`, and a domain of dot-separated labels of letters,
/// digits and inner hyphens (`localhost` allowed as it is).
pub fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || LOCAL_PART_SYMBOLS.contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let domain_ok = !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok && (domain.contains('.') || domain == "localhost")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn booleans_accept_published_forms() {
        for (value, expected) in [
            (json!(true), Some(true)),
            (json!(false), Some(false)),
            (json!(0), Some(false)),
            (json!(1), Some(true)),
            (json!("0"), Some(false)),
            (json!("1"), Some(true)),
            (json!(2), None),
            (json!("yes"), None),
        ] {
            assert_eq!(boolean(&value), expected, "value {value}");
        }
    }

    #[test]
    fn summary_counts_other_problems() {
        let mut errors = ValidationErrors::new();
        errors.add("name", "The name field is required.");
        errors.add("email", "The email field is required.");
        errors.add("email", "The email field must be a valid email address.");
        assert_eq!(
            errors.summary(),
            "The name field is required. (and 2 more errors)"
        );
    }

    #[test]
    fn control_characters_are_found() {
        assert!(has_control_characters("a\u{0}b"));
        assert!(!has_control_characters("tab\tnew\nline\r"));
    }

    #[test]
    fn emails_are_checked() {
        assert!(is_valid_email("alice@example.com"));
        assert!(is_valid_email("admin@localhost"));
        assert!(!is_valid_email("alice"));
        assert!(!is_valid_email("alice@"));
        assert!(!is_valid_email("al ice@example.com"));
        assert!(!is_valid_email("alice@exa mple.com"));
        assert!(!is_valid_email("<script>@x.com"));
        assert!(!is_valid_email("a..b@x.com"));
        assert!(!is_valid_email(".a@x.com"));
        assert!(is_valid_email("first.last+tag@sub.example.co"));
    }
}
