//! Reading the query strings of the inquiry and position lists into store queries. A value
//! outside a closed vocabulary (`stage`, `is_remote_work`, `sort`) gets a 422 naming the accepted
//! values. Free-text filters just match nothing, and unknown parameters are ignored.

use super::company;
use super::input;
use super::inquiry::{RemoteWork, Stage};
use super::inquiry_body::MAX_FREE_TEXT_CHARS;
use super::pagination::PageRequest;
use crate::error::{Error, ValidationErrors};
use crate::store::inquiries::{
    InquiryQuery, InquiryScope, InquirySortField, PositionMatch, PositionQuery, PositionSortField,
    Sort, StageFilter,
};

/// Maximum length, in characters, of the `q` search text.
pub const MAX_SEARCH_CHARS: usize = 200;

const INQUIRY_SORT_FIELDS: [(&str, InquirySortField); 4] = [
    ("title", InquirySortField::Title),
    ("created_at", InquirySortField::CreatedAt),
    ("job_start", InquirySortField::JobStart),
    ("job_end", InquirySortField::JobEnd),
];

const POSITION_SORT_FIELDS: [(&str, PositionSortField); 5] = [
    ("counter", PositionSortField::Counter),
    ("title", PositionSortField::Title),
    ("created_at", PositionSortField::CreatedAt),
    ("job_start", PositionSortField::JobStart),
    ("job_end", PositionSortField::JobEnd),
];

/// The decoded parameters of a query string, in the order sent.
#[derive(Debug, Clone, Copy)]
pub struct QueryParams<'a>(pub &'a [(String, String)]);

impl QueryParams<'_> {
    /// Returns the first value of `key`, or `None` when it is missing or blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(name, _)| name == key)
    }
}

/// Reads a free-text filter into its lower-cased key; control characters and text longer than
/// `max_chars` are problems.
fn text_key(
    params: &QueryParams<'_>,
    key: &str,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Option<String> {
    let value = params.get(key)?;
    let text = input::text(
        &serde_json::Value::String(value.to_owned()),
        key,
        max_chars,
        errors,
    )?;
    Some(company::name_key(&text))
}

fn stage_filter(params: &QueryParams<'_>, errors: &mut ValidationErrors) -> Option<StageFilter> {
    let value = params.get("stage")?;
    if value == "open" {
        return Some(StageFilter::Open);
    }
    match Stage::parse(value) {
        Some(stage) => Some(StageFilter::Is(stage)),
        None => {
            let names: Vec<&str> = Stage::VOCABULARY.iter().map(|(name, _)| *name).collect();
            errors.add(
                "stage",
                format!(
                    "The selected stage is invalid. Accepted values: {}, open.",
                    names.join(", ")
                ),
            );
            None
        }
    }
}

fn remote_work_filter(
    params: &QueryParams<'_>,
    errors: &mut ValidationErrors,
) -> Option<RemoteWork> {
    let value = params.get("is_remote_work")?;
    input::one_of(
        &serde_json::Value::String(value.to_owned()),
        "is_remote_work",
        &RemoteWork::VOCABULARY,
        errors,
    )
}

/// Reads `sort`: a field name for ascending, with a leading `-` for descending.
fn sort<F: Copy>(
    params: &QueryParams<'_>,
    fields: &[(&str, F)],
    default: Sort<F>,
    errors: &mut ValidationErrors,
) -> Sort<F> {
    let Some(value) = params.get("sort") else {
        return default;
    };
    let (name, descending) = match value.strip_prefix('-') {
        Some(name) => (name, true),
        None => (value, false),
    };
    match fields.iter().find(|(field, _)| *field == name) {
        Some((_, field)) => Sort {
            field: *field,
            descending,
        },
        None => {
            let names: Vec<&str> = fields.iter().map(|(field, _)| *field).collect();
            errors.add(
                "sort",
                format!(
                    "The selected sort is invalid. Accepted values: {}, each with an optional leading - for descending order.",
                    names.join(", ")
                ),
            );
            default
        }
    }
}

fn position_match(params: &QueryParams<'_>, errors: &mut ValidationErrors) -> PositionMatch {
    PositionMatch {
        experience_level_key: text_key(params, "experience_level", input::MAX_NAME_CHARS, errors),
        location_key: text_key(params, "location", MAX_FREE_TEXT_CHARS, errors),
        language_reqs_key: text_key(params, "language_reqs", MAX_FREE_TEXT_CHARS, errors),
        is_remote_work: remote_work_filter(params, errors),
    }
}

/// Reads the query of `GET /api/public/inquiries` for a caller who sees `scope`.
pub fn read_inquiry_query(
    params: &QueryParams<'_>,
    scope: InquiryScope,
) -> Result<InquiryQuery, Error> {
    let mut errors = ValidationErrors::new();
    let page = PageRequest::parse(params.get("page"), params.get("per_page"), &mut errors);
    let query = InquiryQuery {
        scope,
        search: text_key(params, "q", MAX_SEARCH_CHARS, &mut errors),
        stage: stage_filter(params, &mut errors),
        industry_key: text_key(params, "industry", input::MAX_NAME_CHARS, &mut errors),
        positions: position_match(params, &mut errors),
        sort: sort(
            params,
            &INQUIRY_SORT_FIELDS,
            Sort {
                field: InquirySortField::CreatedAt,
                descending: true,
            },
            &mut errors,
        ),
        page,
    };
    errors.into_result()?;
    Ok(query)
}

/// Reads the query of `GET /api/public/inquiry/{orderId}/positions`. The list is paginated
/// when `page` or `per_page` is given.
pub fn read_position_query(
    params: &QueryParams<'_>,
    order_id: i64,
) -> Result<PositionQuery, Error> {
    let mut errors = ValidationErrors::new();
    let paginated = params.has("page") || params.has("per_page");
    let page = PageRequest::parse(params.get("page"), params.get("per_page"), &mut errors);
    let query = PositionQuery {
        order_id,
        title: text_key(params, "title", input::MAX_NAME_CHARS, &mut errors),
        stage: stage_filter(params, &mut errors),
        matching: position_match(params, &mut errors),
        sort: sort(
            params,
            &POSITION_SORT_FIELDS,
            Sort {
                field: PositionSortField::Counter,
                descending: false,
            },
            &mut errors,
        ),
        page: paginated.then_some(page),
    };
    errors.into_result()?;
    Ok(query)
}

/// Builds the query for every position of an inquiry, ordered by counter.
pub fn all_positions(order_id: i64) -> PositionQuery {
    PositionQuery {
        order_id,
        title: None,
        stage: None,
        matching: PositionMatch::default(),
        sort: Sort {
            field: PositionSortField::Counter,
            descending: false,
        },
        page: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn problems(pairs: &[(&str, &str)]) -> ValidationErrors {
        let pairs = params(pairs);
        match read_inquiry_query(&QueryParams(&pairs), InquiryScope::All) {
            Err(Error::Validation(errors)) => errors,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let pairs = params(&[("unknown", "x")]);
        let query = read_inquiry_query(&QueryParams(&pairs), InquiryScope::All).unwrap();
        assert_eq!(query.page, PageRequest::default());
        assert_eq!(query.sort.field, InquirySortField::CreatedAt);
        assert!(query.sort.descending);
        assert!(query.positions.is_empty());
    }

    #[test]
    fn closed_vocabularies_are_checked() {
        let errors = problems(&[
            ("stage", "bogus"),
            ("sort", "-price"),
            ("is_remote_work", "maybe"),
        ]);
        assert!(errors.has("stage"));
        assert!(errors.has("sort"));
        assert!(errors.has("is_remote_work"));
    }

    #[test]
    fn sort_reads_direction() {
        let pairs = params(&[
            ("sort", "-job_start"),
            ("stage", "open"),
            ("q", " Cloud  DEV "),
        ]);
        let query = read_inquiry_query(&QueryParams(&pairs), InquiryScope::All).unwrap();
        assert_eq!(query.sort.field, InquirySortField::JobStart);
        assert!(query.sort.descending);
        assert_eq!(query.stage, Some(StageFilter::Open));
        assert_eq!(query.search.as_deref(), Some("cloud dev"));
    }

    #[test]
    fn positions_are_paginated_only_on_request() {
        let plain = params(&[("title", "dev")]);
        assert!(
            read_position_query(&QueryParams(&plain), 1)
                .unwrap()
                .page
                .is_none()
        );
        let paged = params(&[("per_page", "5")]);
        let query = read_position_query(&QueryParams(&paged), 1).unwrap();
        assert_eq!(query.page.map(|page| page.per_page), Some(5));
    }
}
