//! Page requests and the numbers of a paginated response, shared by every list.

use crate::error::ValidationErrors;

/// Largest `per_page` a client may ask for.
pub const MAX_PER_PAGE: i64 = 100;
/// `per_page` when none is given.
pub const DEFAULT_PER_PAGE: i64 = 10;

/// A valid page request: `page` from 1, `per_page` from 1 to [`MAX_PER_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// Reads `page` and `per_page` from query values. A value that is not a whole number in range
    /// is recorded as a problem naming the allowed range.
    pub fn parse(
        page: Option<&str>,
        per_page: Option<&str>,
        errors: &mut ValidationErrors,
    ) -> Self {
        let mut request = Self::default();
        if let Some(text) = page {
            match text.trim().parse::<i64>() {
                Ok(value) if value >= 1 => request.page = value,
                _ => errors.add(
                    "page",
                    "The page field must be a whole number of at least 1.",
                ),
            }
        }
        if let Some(text) = per_page {
            match text.trim().parse::<i64>() {
                Ok(value) if (1..=MAX_PER_PAGE).contains(&value) => request.per_page = value,
                _ => errors.add(
                    "per_page",
                    format!("The per page field must be a whole number from 1 to {MAX_PER_PAGE}."),
                ),
            }
        }
        request
    }

    /// Rows to skip in SQL. Saturates, so an absurd page number reads as "past the end".
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    pub fn limit(&self) -> i64 {
        self.per_page
    }
}

/// The numbers of a page of `total` items holding `count` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNumbers {
    pub total: i64,
    pub per_page: i64,
    pub current_page: i64,
    /// 1 when `total` is 0.
    pub last_page: i64,
    /// 1-based position of the first item on the page; `None` on an empty page.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl PageNumbers {
    pub fn new(request: PageRequest, total: i64, count: usize) -> Self {
        let last_page = ((total + request.per_page - 1) / request.per_page).max(1);
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        let (from, to) = if count == 0 {
            (None, None)
        } else {
            let from = request.offset() + 1;
            (Some(from), Some(from + count - 1))
        };
        Self {
            total,
            per_page: request.per_page,
            current_page: request.page,
            last_page,
            from,
            to,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_of_a_middle_page() {
        let numbers = PageNumbers::new(
            PageRequest {
                page: 2,
                per_page: 10,
            },
            25,
            10,
        );
        assert_eq!(numbers.last_page, 3);
        assert_eq!(numbers.from, Some(11));
        assert_eq!(numbers.to, Some(20));
    }

    #[test]
    fn empty_list_has_one_page() {
        let numbers = PageNumbers::new(PageRequest::default(), 0, 0);
        assert_eq!(numbers.last_page, 1);
        assert_eq!(numbers.from, None);
        assert_eq!(numbers.to, None);
    }

    #[test]
    fn out_of_range_values_are_problems() {
        let mut errors = ValidationErrors::new();
        PageRequest::parse(Some("0"), Some("101"), &mut errors);
        assert!(errors.has("page"));
        assert!(errors.has("per_page"));
        let mut errors = ValidationErrors::new();
        PageRequest::parse(Some("abc"), Some("1.5"), &mut errors);
        assert!(errors.has("page"));
        assert!(errors.has("per_page"));
    }
}
