//! The storage interface of inquiries, their positions and industries. The domain decides which
//! stage moves are allowed, and a backend only runs them. Each move runs in one transaction and is
//! guarded by the stage the domain saw, so two concurrent moves can't both win.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::inquiry::{PositionType, RemoteWork, Stage};
use crate::domain::lenient::{Allocation, Importance};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

/// An industry, found or created by its normalised name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Industry {
    pub id: i64,
    pub name: String,
}

/// A requirement of a position, with its importance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedRequirement {
    pub name: String,
    pub importance: Importance,
}

/// A stored inquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryRecord {
    pub id: i64,
    pub title: String,
    /// Sanitised HTML.
    pub description: Option<String>,
    pub industry: Industry,
    pub main_contact: Option<String>,
    pub company_id: Option<i64>,
    pub owner_id: i64,
    pub stage: Stage,
    /// The earliest start of the positions that are not cancelled.
    pub job_start: Option<Timestamp>,
    /// The latest end of the positions that are not cancelled.
    pub job_end: Option<Timestamp>,
    pub submitted_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A stored position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionRecord {
    pub id: i64,
    pub order_id: i64,
    /// The position's 1-based number within its inquiry.
    pub counter: i64,
    pub owner_id: i64,
    pub stage: Stage,
    pub title: String,
    pub position_type: PositionType,
    pub description: Option<String>,
    pub language_reqs: Option<String>,
    pub experience_level: Option<String>,
    pub job_start: Option<Timestamp>,
    pub job_end: Option<Timestamp>,
    pub location: Option<String>,
    pub is_remote_work: Option<RemoteWork>,
    pub allocation: Option<Allocation>,
    pub budget: Option<String>,
    pub order_need_reqs: Vec<NeedRequirement>,
    pub is_video_required: bool,
    pub cv_deadline: Option<Timestamp>,
    pub submitted_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A position to insert. Its stage and counter are set by the store from its inquiry.
#[derive(Debug, Clone)]
pub struct NewPositionRow {
    pub owner_id: i64,
    pub title: String,
    pub position_type: PositionType,
    /// Sanitised HTML.
    pub description: Option<String>,
    pub language_reqs: Option<String>,
    pub experience_level: Option<String>,
    pub job_start: Option<Timestamp>,
    pub job_end: Option<Timestamp>,
    pub location: Option<String>,
    pub is_remote_work: Option<RemoteWork>,
    pub allocation: Option<Allocation>,
    pub budget: Option<String>,
    pub order_need_reqs: Vec<NeedRequirement>,
    pub is_video_required: bool,
    pub cv_deadline: Option<Timestamp>,
    /// Set when the position joins an inquiry that was already submitted.
    pub submitted_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// An inquiry to insert, with its first positions, as a draft.
#[derive(Debug, Clone)]
pub struct NewInquiryRow {
    pub title: String,
    /// Sanitised HTML.
    pub description: Option<String>,
    /// Lower-cased title and description text, for the `q` filter.
    pub search_text: String,
    pub industry_name: String,
    /// The industry's identity: see [`crate::domain::company::name_key`].
    pub industry_key: String,
    pub main_contact: Option<String>,
    pub company_id: Option<i64>,
    pub owner_id: i64,
    pub positions: Vec<NewPositionRow>,
    pub created_at: Timestamp,
}

/// The set of inquiries visible to a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InquiryScope {
    /// Every inquiry (admins).
    All,
    /// The inquiries of one company.
    Company(i64),
    /// The company-less inquiries of one user.
    Owner(i64),
}

/// A stage filter: one stage, or every open stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageFilter {
    Is(Stage),
    /// Neither cancelled nor done.
    Open,
}

/// The fields an inquiry list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InquirySortField {
    Title,
    CreatedAt,
    JobStart,
    JobEnd,
}

/// The fields a positions list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionSortField {
    Counter,
    Title,
    CreatedAt,
    JobStart,
    JobEnd,
}

/// A sort order: a field, and whether it runs descending. Ties go by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<F> {
    pub field: F,
    pub descending: bool,
}

/// Filters on an inquiry's positions; an inquiry matches when one of its positions matches all.
/// Text values are lower-cased keys, compared for equality.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PositionMatch {
    pub experience_level_key: Option<String>,
    pub location_key: Option<String>,
    pub language_reqs_key: Option<String>,
    pub is_remote_work: Option<RemoteWork>,
}

impl PositionMatch {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A request for one page of the inquiry list: the visible scope, the filters, the order and
/// the page.
#[derive(Debug, Clone)]
pub struct InquiryQuery {
    pub scope: InquiryScope,
    /// Lower-cased text to find in the title or the description's text, matched literally.
    pub search: Option<String>,
    pub stage: Option<StageFilter>,
    /// The industry's name key.
    pub industry_key: Option<String>,
    pub positions: PositionMatch,
    pub sort: Sort<InquirySortField>,
    pub page: PageRequest,
}

/// A page of inquiries with the list's counters.
#[derive(Debug, Clone)]
pub struct InquiryPage {
    /// Every inquiry in scope, whatever the filters.
    pub scope_total: i64,
    /// Inquiries in scope in stage `searching`.
    pub searching_total: i64,
    /// Inquiries in scope matching the filters.
    pub total: i64,
    pub inquiries: Vec<InquiryRecord>,
}

/// The positions of one inquiry to list.
#[derive(Debug, Clone)]
pub struct PositionQuery {
    pub order_id: i64,
    /// Lower-cased text to find in the title, matched literally.
    pub title: Option<String>,
    pub stage: Option<StageFilter>,
    pub matching: PositionMatch,
    pub sort: Sort<PositionSortField>,
    /// `None` lists every matching position.
    pub page: Option<PageRequest>,
}

/// A stage move of an inquiry, decided by the domain and run by the store in one transaction.
#[derive(Debug, Clone)]
pub struct StageMove {
    pub inquiry_id: i64,
    /// The stage the domain saw; the move happens only while the inquiry is still in it.
    pub from: Stage,
    pub to: Stage,
    /// Positions in these stages move with the inquiry.
    pub positions_from: Vec<Stage>,
    /// Sets `submitted_at` of the inquiry and of the moved positions where it is not set yet.
    pub stamp_submitted: bool,
    pub at: Timestamp,
}

/// Outcome of a write guarded by a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded<T> {
    Done(T),
    /// The row is no longer in the stage the domain saw; it is in this one now.
    StageChanged(Stage),
    NotFound,
}

/// Returns a `LIKE` pattern that finds `text` anywhere, with `%`, `_` and `\` matched
/// literally. Use it with `ESCAPE '\'`.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for character in text.chars() {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

/// The storage of inquiries and positions.
#[async_trait]
pub trait InquiryStore: Send + Sync {
    /// Inserts a draft inquiry and its positions (numbered from 1), resolving or creating its
    /// industry, in one transaction.
    async fn create_inquiry(&self, inquiry: &NewInquiryRow) -> Result<i64, StoreError>;

    /// Inserts many inquiries in one transaction, for imports and seeding.
    async fn create_inquiries(&self, inquiries: &[NewInquiryRow]) -> Result<Vec<i64>, StoreError>;

    async fn inquiry_by_id(&self, id: i64) -> Result<Option<InquiryRecord>, StoreError>;

    async fn list_inquiries(&self, query: &InquiryQuery) -> Result<InquiryPage, StoreError>;

    /// Adds a position in the inquiry's stage `expected`, numbered one past the highest counter
    /// of the inquiry. Returns the new position's id.
    async fn add_position(
        &self,
        order_id: i64,
        expected: Stage,
        position: &NewPositionRow,
    ) -> Result<Guarded<i64>, StoreError>;

    async fn position_by_id(
        &self,
        order_id: i64,
        position_id: i64,
    ) -> Result<Option<PositionRecord>, StoreError>;

    /// Lists positions and returns them with the number that match the filters.
    async fn list_positions(
        &self,
        query: &PositionQuery,
    ) -> Result<(Vec<PositionRecord>, i64), StoreError>;

    /// Moves an inquiry and the positions named by the move, in one transaction.
    async fn move_inquiry(&self, change: &StageMove) -> Result<Guarded<()>, StoreError>;

    /// Cancels a position that is still in stage `expected`.
    async fn cancel_position(
        &self,
        order_id: i64,
        position_id: i64,
        expected: Stage,
        at: Timestamp,
    ) -> Result<Guarded<()>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_wildcards_literally() {
        assert_eq!(contains_pattern("50%_off"), "%50\\%\\_off%");
        assert_eq!(contains_pattern("a\\b"), "%a\\\\b%");
        assert_eq!(contains_pattern(""), "%%");
    }
}
