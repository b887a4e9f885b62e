//! Reading create-contract and edit-contract bodies. Each reader records every problem under
//! its field path, so that one pass reports all of them.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

use super::{ContractStatus, ContractType, MAX_CONTRACT_ID_CHARS, References, TextField};
use crate::domain::company::CompanyInput;
use crate::domain::input::{self, Change, Field, MAX_EMAIL_CHARS, MAX_NAME_CHARS};
use crate::domain::lenient::Allocation;
use crate::domain::money::{Amount, AmountError};
use crate::error::ValidationErrors;
use crate::store::contracts::ContractDates;

/// Maximum number of skills a contract may list.
const MAX_SKILLS: usize = 100;

/// One side of a contract (client or vendor) as a body names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CompanySide {
    /// By `*_company_id`, `*_company_name` or both.
    Named(CompanyInput),
    /// Neither key contains a value, and at least one was sent as `null` or `""`.
    Cleared,
}

/// The changes an edit makes to an existing consultant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ConsultantEdit {
    pub name: Option<String>,
    pub title: Change<String>,
    pub email: Change<String>,
    pub phone: Change<String>,
}

/// `selected_consultant` as a body gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ConsultantInput {
    /// With `id`: attach that consultant and change the keys that were sent.
    Existing { id: i64, changes: ConsultantEdit },
    /// With `name` and no `id`: a new consultant.
    New {
        name: String,
        title: Option<String>,
        email: Option<String>,
        phone: Option<String>,
    },
}

/// A create-contract body as read; a field that had a problem is left empty.
#[derive(Debug, Clone)]
pub(super) struct NewContract {
    pub the_contract_id: Option<String>,
    pub status: Option<ContractStatus>,
    pub texts: BTreeMap<TextField, String>,
    pub dates: ContractDates,
    pub contract_type: Option<ContractType>,
    pub allocation: Option<u8>,
    pub max_hours: Option<i64>,
    pub client_price: Option<Amount>,
    pub vendor_price: Option<Amount>,
    pub vat: Option<Amount>,
    pub seller_id: Option<i64>,
    pub client_company: Option<CompanyInput>,
    pub vendor_company: Option<CompanyInput>,
    pub consultant: Option<ConsultantInput>,
    pub consult_skills: Vec<String>,
}

impl NewContract {
    pub fn references(&self) -> References {
        References {
            // A missing client side is checked as a cleared one: it is required.
            client_company: Some(match &self.client_company {
                Some(named) => CompanySide::Named(named.clone()),
                None => CompanySide::Cleared,
            }),
            vendor_company: self.vendor_company.clone().map(CompanySide::Named),
            seller_id: self.seller_id,
            consultant: Some(self.consultant.clone()),
        }
    }
}

/// An edit-contract body as read: every field may be kept, and optional ones cleared.
#[derive(Debug, Clone)]
pub(super) struct ContractEdit {
    /// The public id when sent; it can't change, so it only has to match.
    pub the_contract_id: Option<String>,
    pub status: Option<ContractStatus>,
    pub texts: BTreeMap<TextField, Change<String>>,
    pub contract_start: Change<NaiveDate>,
    pub contract_end: Change<NaiveDate>,
    pub is_infinite: Option<bool>,
    pub contract_type: Change<ContractType>,
    pub allocation: Change<u8>,
    pub max_hours: Change<i64>,
    pub client_price: Change<Amount>,
    pub vendor_price: Change<Amount>,
    pub vat: Change<Amount>,
    pub seller_id: Change<i64>,
    pub client_company: Option<CompanySide>,
    pub vendor_company: Option<CompanySide>,
    /// `Some(None)` detaches the consultant.
    pub consultant: Option<Option<ConsultantInput>>,
    pub consult_skills: Option<Vec<String>>,
}

impl ContractEdit {
    pub fn references(&self) -> References {
        References {
            client_company: self.client_company.clone(),
            vendor_company: self.vendor_company.clone(),
            seller_id: match self.seller_id {
                Change::Set(id) => Some(id),
                _ => None,
            },
            consultant: self.consultant.clone(),
        }
    }

    /// Returns whether the edit changes a field that the date rules involve.
    pub fn touches_dates(&self) -> bool {
        !self.contract_start.is_keep() || !self.contract_end.is_keep() || self.is_infinite.is_some()
    }

    /// Applies the edit to the stored dates, before the date rules are checked.
    pub fn merge_dates(&self, stored: ContractDates) -> ContractDates {
        let merge = |change: &Change<NaiveDate>, stored: Option<NaiveDate>| match change {
            Change::Keep => stored,
            Change::Clear => None,
            Change::Set(date) => Some(*date),
        };
        ContractDates {
            contract_start: merge(&self.contract_start, stored.contract_start),
            contract_end: merge(&self.contract_end, stored.contract_end),
            is_infinite: self.is_infinite.unwrap_or(stored.is_infinite),
        }
    }
}

/// Reads one optional field of an edit: absent keeps, `null` or `""` clears, a value that
/// `parse` rejects keeps after recording the problem.
fn change<T>(
    object: &Map<String, Value>,
    key: &str,
    errors: &mut ValidationErrors,
    parse: impl FnOnce(&Value, &str, &mut ValidationErrors) -> Option<T>,
) -> Change<T> {
    match Field::of(object, key) {
        Field::Absent => Change::Keep,
        Field::Empty => Change::Clear,
        Field::Given(value) => parse(value, key, errors).map_or(Change::Keep, Change::Set),
    }
}

/// Reads one optional field of a create: absent, `null` and `""` are "not given".
fn optional<T>(
    object: &Map<String, Value>,
    key: &str,
    errors: &mut ValidationErrors,
    parse: impl FnOnce(&Value, &str, &mut ValidationErrors) -> Option<T>,
) -> Option<T> {
    match change(object, key, errors, parse) {
        Change::Set(value) => Some(value),
        Change::Keep | Change::Clear => None,
    }
}

/// Parses a contract date: `YYYY-MM-DD`, or a date-time (RFC 3339 or `YYYY-MM-DD HH:MM:SS`)
/// whose calendar date is taken as written, without converting its zone.
pub fn parse_contract_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    // `%Y` alone accepts signs and short years, so the date's shape is checked first.
    let date_part = text.get(..10)?;
    let is_date_shape = date_part
        .bytes()
        .enumerate()
        .all(|(index, byte)| match index {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !is_date_shape {
        return None;
    }
    let date = NaiveDate::parse_from_str(date_part, "%Y-%m-%d").ok()?;
    if text.len() == 10 {
        return Some(date);
    }
    let is_date_time = DateTime::parse_from_rfc3339(text).is_ok()
        || NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").is_ok()
        || NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok();
    is_date_time.then_some(date)
}

fn read_date(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<NaiveDate> {
    let parsed = value.as_str().and_then(parse_contract_date);
    if parsed.is_none() {
        errors.add(
            path,
            format!(
                "The {} field must be a valid date as YYYY-MM-DD or a date-time.",
                input::label(path)
            ),
        );
    }
    parsed
}

/// Reads an amount from the exact text of a JSON number or from a decimal string, at most
/// `max` when given (a percent).
fn read_amount(
    value: &Value,
    path: &str,
    max: Option<u32>,
    errors: &mut ValidationErrors,
) -> Option<Amount> {
    let label = input::label(path);
    let parsed = match value {
        // With `arbitrary_precision`, a JSON number's text is exactly what the client sent.
        Value::Number(number) => Amount::parse(&number.to_string()),
        Value::String(text) => Amount::parse(text.trim()),
        _ => Err(AmountError::Invalid),
    };
    let problem = match parsed {
        Ok(amount) => match max {
            Some(max) if amount.value() > max.into() => {
                format!("The {label} field must not be greater than {max}.")
            }
            _ => return Some(amount),
        },
        Err(AmountError::Invalid) => format!("The {label} field must be a decimal number."),
        Err(AmountError::Negative) => format!("The {label} field must be at least 0."),
        Err(AmountError::TooManyDecimals) => {
            format!("The {label} field must not have more than 2 decimal places.")
        }
        Err(AmountError::TooLarge) => format!("The {label} field is too large."),
    };
    errors.add(path, problem);
    None
}

fn read_price(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<Amount> {
    read_amount(value, path, None, errors)
}

fn read_percent(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<Amount> {
    read_amount(value, path, Some(100), errors)
}

/// Reads a whole percent from 0 to 100: a JSON integer or digits, with a trailing `%` allowed.
fn read_allocation(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<u8> {
    let percent = Allocation::parse(value).map(Allocation::percent);
    if percent.is_none() {
        errors.add(
            path,
            "The allocation field must be a whole percent from 0 to 100.",
        );
    }
    percent
}

fn read_max_hours(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<i64> {
    let hours = input::integer(value).filter(|hours| *hours >= 0);
    if hours.is_none() {
        errors.add(
            path,
            "The max hours field must be a whole number of at least 0.",
        );
    }
    hours
}

/// Reads `seller_id`; `0` reads as "not given", which an edit treats as "keep".
fn read_seller_id(object: &Map<String, Value>, errors: &mut ValidationErrors) -> Change<i64> {
    let seller = change(object, "seller_id", errors, |value, path, errors| {
        let id = input::integer(value).filter(|id| *id >= 0);
        if id.is_none() {
            errors.add(path, "The seller id field must be a positive integer.");
        }
        id
    });
    match seller {
        Change::Set(0) => Change::Keep,
        other => other,
    }
}

fn read_status(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<ContractStatus> {
    if value.as_str().map(str::trim) == Some(ContractStatus::Terminated.as_str()) {
        errors.add(
            path,
            "The status terminated can only be set by cancelling the contract.",
        );
        return None;
    }
    input::one_of(value, path, &ContractStatus::SETTABLE, errors)
}

fn read_type(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<ContractType> {
    input::one_of(value, path, &ContractType::VOCABULARY, errors)
}

fn read_contract_id(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<String> {
    input::text(value, path, MAX_CONTRACT_ID_CHARS, errors)
}

/// Reads `consult_skills`: an array of strings or one comma-separated string. Items are
/// trimmed, empty ones dropped, and later spellings of a skill (ignoring letter case) dropped.
fn read_skills(value: &Value, path: &str, errors: &mut ValidationErrors) -> Option<Vec<String>> {
    let items: Vec<(String, Value)> = match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| (format!("{path}.{index}"), item.clone()))
            .collect(),
        Value::String(text) => text
            .split(',')
            .map(|item| (path.to_owned(), Value::String(item.to_owned())))
            .collect(),
        _ => {
            errors.add(
                path,
                "The consult skills field must be an array of strings or a comma-separated string.",
            );
            return None;
        }
    };

    let mut seen = HashSet::new();
    let mut skills = Vec::new();
    let mut valid = true;
    for (item_path, item) in &items {
        if item.is_null() {
            continue;
        }
        let Some(skill) = input::text(item, item_path, MAX_NAME_CHARS, errors) else {
            valid = false;
            continue;
        };
        if !skill.is_empty() && seen.insert(skill.to_lowercase()) {
            skills.push(skill);
        }
    }
    if skills.len() > MAX_SKILLS {
        errors.add(
            path,
            format!("The consult skills field must not have more than {MAX_SKILLS} items."),
        );
        valid = false;
    }
    valid.then_some(skills)
}

/// Reads one side's company keys: an id (`0` is "not given") and a name.
fn read_company_side(
    object: &Map<String, Value>,
    side: &str,
    errors: &mut ValidationErrors,
) -> Option<CompanySide> {
    let id_key = format!("{side}_id");
    let name_key = format!("{side}_name");
    let id = input::optional_id(object, &id_key, errors);
    let name = input::optional_text(object, &name_key, MAX_NAME_CHARS, errors);
    if id.is_some() || name.is_some() {
        return Some(CompanySide::Named(CompanyInput { id, name }));
    }
    let cleared = [&id_key, &name_key]
        .iter()
        .any(|key| matches!(Field::of(object, key), Field::Empty));
    (cleared && !errors.has(&id_key) && !errors.has(&name_key)).then_some(CompanySide::Cleared)
}

const CONSULTANT: &str = "selected_consultant";

fn consultant_text(
    consultant: &Map<String, Value>,
    key: &str,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Change<String> {
    let path = format!("{CONSULTANT}.{key}");
    match Field::of(consultant, key) {
        Field::Absent => Change::Keep,
        Field::Empty => Change::Clear,
        Field::Given(value) => {
            input::text(value, &path, max_chars, errors).map_or(Change::Keep, Change::Set)
        }
    }
}

/// Reads `selected_consultant`: `None` when the body's value has a problem.
fn read_consultant(value: &Value, errors: &mut ValidationErrors) -> Option<ConsultantInput> {
    let Value::Object(consultant) = value else {
        errors.add(
            CONSULTANT,
            "The selected consultant field must be null or an object with an id or a name.",
        );
        return None;
    };
    let id_path = format!("{CONSULTANT}.id");
    let id = match Field::of(consultant, "id").given().map(input::integer) {
        None | Some(Some(0)) => None,
        Some(Some(id)) if id > 0 => Some(id),
        Some(_) => {
            errors.add(
                &id_path,
                "The selected consultant id must be a positive integer.",
            );
            return None;
        }
    };
    let name = consultant_text(consultant, "name", MAX_NAME_CHARS, errors);
    let title = consultant_text(consultant, "title", MAX_NAME_CHARS, errors);
    let email = consultant_text(consultant, "email", MAX_EMAIL_CHARS, errors);
    let phone = consultant_text(consultant, "phone", MAX_NAME_CHARS, errors);
    if let Change::Set(email) = &email
        && !input::is_valid_email(email)
    {
        errors.add(
            format!("{CONSULTANT}.email"),
            "The selected consultant email must be a valid email address.",
        );
    }

    let name_path = format!("{CONSULTANT}.name");
    match (id, name) {
        (Some(id), name) => {
            let name = match name {
                Change::Set(name) => Some(name),
                Change::Keep => None,
                Change::Clear => {
                    errors.add(&name_path, "The selected consultant name can't be cleared.");
                    None
                }
            };
            let changes = ConsultantEdit {
                name,
                title,
                email,
                phone,
            };
            Some(ConsultantInput::Existing { id, changes })
        }
        (None, Change::Set(name)) => {
            let value = |change: Change<String>| match change {
                Change::Set(text) => Some(text),
                _ => None,
            };
            Some(ConsultantInput::New {
                name,
                title: value(title),
                email: value(email),
                phone: value(phone),
            })
        }
        (None, _) => {
            if !errors.has(&name_path) {
                errors.add(
                    &name_path,
                    "The selected consultant name is required when no consultant id is given.",
                );
            }
            None
        }
    }
}

/// Reads the free-text fields with `read`, one entry per key that was sent.
fn read_texts<T>(
    object: &Map<String, Value>,
    errors: &mut ValidationErrors,
    read: impl Fn(Change<String>) -> Option<T>,
) -> BTreeMap<TextField, T> {
    TextField::ALL
        .iter()
        .filter_map(|field| {
            let text = change(object, field.key(), errors, |value, path, errors| {
                input::text(value, path, field.max_chars(), errors)
            });
            read(text).map(|value| (*field, value))
        })
        .collect()
}

/// Reads a create-contract body.
pub(super) fn read_new_contract(
    object: &Map<String, Value>,
    errors: &mut ValidationErrors,
) -> NewContract {
    let contract_start = optional(object, "contract_start", errors, read_date);
    let contract_end = optional(object, "contract_end", errors, read_date);
    let is_infinite = input::optional_boolean(object, "is_infinite", errors).unwrap_or(false);
    let consultant = match Field::of(object, CONSULTANT) {
        Field::Given(value) => read_consultant(value, errors),
        _ => None,
    };
    NewContract {
        the_contract_id: optional(object, "the_contract_id", errors, read_contract_id),
        status: optional(object, "status", errors, read_status),
        texts: read_texts(object, errors, |change| match change {
            Change::Set(text) => Some(text),
            _ => None,
        }),
        dates: ContractDates {
            contract_start,
            contract_end,
            is_infinite,
        },
        contract_type: optional(object, "type", errors, read_type),
        allocation: optional(object, "allocation", errors, read_allocation),
        max_hours: optional(object, "max_hours", errors, read_max_hours),
        client_price: optional(object, "client_price", errors, read_price),
        vendor_price: optional(object, "vendor_price", errors, read_price),
        vat: optional(object, "vat", errors, read_percent),
        seller_id: match read_seller_id(object, errors) {
            Change::Set(id) => Some(id),
            _ => None,
        },
        client_company: match read_company_side(object, "client_company", errors) {
            Some(CompanySide::Named(named)) => Some(named),
            _ => None,
        },
        vendor_company: match read_company_side(object, "vendor_company", errors) {
            Some(CompanySide::Named(named)) => Some(named),
            _ => None,
        },
        consultant,
        consult_skills: optional(object, "consult_skills", errors, read_skills).unwrap_or_default(),
    }
}

/// Reads an edit-contract body.
pub(super) fn read_contract_edit(
    object: &Map<String, Value>,
    errors: &mut ValidationErrors,
) -> ContractEdit {
    let status = match Field::of(object, "status") {
        Field::Absent => None,
        Field::Empty => {
            errors.add("status", "The status field can't be cleared.");
            None
        }
        Field::Given(value) => read_status(value, "status", errors),
    };
    // `null` turns the flag off, like clearing any other optional field.
    let is_infinite = match Field::of(object, "is_infinite") {
        Field::Absent => None,
        Field::Empty => Some(false),
        Field::Given(_) => input::optional_boolean(object, "is_infinite", errors),
    };
    let consultant = match Field::of(object, CONSULTANT) {
        Field::Absent => None,
        Field::Empty => Some(None),
        Field::Given(value) => read_consultant(value, errors).map(Some),
    };
    let consult_skills = match change(object, "consult_skills", errors, read_skills) {
        Change::Keep => None,
        Change::Clear => Some(Vec::new()),
        Change::Set(skills) => Some(skills),
    };
    ContractEdit {
        the_contract_id: optional(object, "the_contract_id", errors, read_contract_id),
        status,
        texts: read_texts(object, errors, |change| {
            (!change.is_keep()).then_some(change)
        }),
        contract_start: change(object, "contract_start", errors, read_date),
        contract_end: change(object, "contract_end", errors, read_date),
        is_infinite,
        contract_type: change(object, "type", errors, read_type),
        allocation: change(object, "allocation", errors, read_allocation),
        max_hours: change(object, "max_hours", errors, read_max_hours),
        client_price: change(object, "client_price", errors, read_price),
        vendor_price: change(object, "vendor_price", errors, read_price),
        vat: change(object, "vat", errors, read_percent),
        seller_id: read_seller_id(object, errors),
        client_company: read_company_side(object, "client_company", errors),
        vendor_company: read_company_side(object, "vendor_company", errors),
        consultant,
        consult_skills,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn contract_dates_keep_written_calendar_date() {
        let expected = NaiveDate::from_ymd_opt(2026, 1, 22);
        for text in [
            "2026-01-22",
            "2026-01-22 23:30:00",
            "2026-01-22T23:30:00Z",
            "2026-01-22T23:30:00-05:00",
            "2026-01-22T00:30:00+09:00",
        ] {
            assert_eq!(parse_contract_date(text), expected, "{text}");
        }
        for text in [
            "2025-02-30",
            "22.01.2026",
            "2026-1-22",
            "+2026-01-22",
            "2026-01-22x",
            "",
        ] {
            assert_eq!(parse_contract_date(text), None, "{text}");
        }
    }

    #[test]
    fn skills_trimmed_and_deduplicated() {
        let mut errors = ValidationErrors::new();
        let from_text = read_skills(
            &json!(" Rust, rust ,SQL,, Go "),
            "consult_skills",
            &mut errors,
        );
        assert_eq!(
            from_text,
            Some(vec!["Rust".into(), "SQL".into(), "Go".into()])
        );
        let from_array = read_skills(
            &json!(["Go", " GO", "", "Rust"]),
            "consult_skills",
            &mut errors,
        );
        assert_eq!(from_array, Some(vec!["Go".into(), "Rust".into()]));
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn money_from_number_text_is_exact() {
        let body = object(json!({"client_price": 120.5, "vendor_price": "150.00", "vat": 24}));
        let mut errors = ValidationErrors::new();
        let contract = read_new_contract(&body, &mut errors);
        assert_eq!(
            contract.client_price.map(|a| a.to_string()).as_deref(),
            Some("120.50")
        );
        assert_eq!(
            contract.vendor_price.map(|a| a.to_string()).as_deref(),
            Some("150.00")
        );
        assert_eq!(
            contract.vat.map(|a| a.to_string()).as_deref(),
            Some("24.00")
        );
    }

    #[test]
    fn edit_keeps_clears_and_sets() {
        let body = object(json!({"notes": null, "client_price": "1.5", "seller_id": 0}));
        let mut errors = ValidationErrors::new();
        let edit = read_contract_edit(&body, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(edit.texts.get(&TextField::Notes), Some(&Change::Clear));
        assert_eq!(edit.texts.get(&TextField::WorkScope), None);
        assert!(matches!(edit.client_price, Change::Set(_)));
        assert_eq!(edit.seller_id, Change::Keep);
        assert!(!edit.touches_dates());
    }

    #[test]
    fn client_side_can_not_be_cleared_by_zero() {
        let mut errors = ValidationErrors::new();
        let body = object(json!({"client_company_id": 0}));
        assert_eq!(
            read_company_side(&body, "client_company", &mut errors),
            None
        );
        let body = object(json!({"client_company_name": null}));
        assert_eq!(
            read_company_side(&body, "client_company", &mut errors),
            Some(CompanySide::Cleared)
        );
    }
}
