//! Inquiries and their positions: the stage vocabulary and lifecycle, and the create, list,
//! read, submit, advance and cancel operations with their checks in the order
//! 403 → 404 → 422 → 409.

use serde_json::{Map, Value};

use super::company;
use super::input;
use super::inquiry_body::{self, NewPosition};
use super::inquiry_query::{self, QueryParams};
use super::pagination::PageNumbers;
use super::permissions::{self, Actor, Capability};
use super::time::{Timestamp, now};
use crate::error::{Error, ValidationErrors};
use crate::store::Store;
use crate::store::inquiries::{
    Guarded, InquiryPage, InquiryRecord, InquiryScope, NewInquiryRow, NewPositionRow,
    PositionRecord, StageMove,
};

/// How often a guarded write is retried after another request changed the stage first.
const MAX_STAGE_ATTEMPTS: usize = 3;

/// The stage of an inquiry or position: `draft` → `pending` (submitted) → `searching` → `done`,
/// or `cancelled` from any stage before `done`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Draft,
    Pending,
    Searching,
    Done,
    Cancelled,
}

impl Stage {
    pub const VOCABULARY: [(&'static str, Stage); 5] = [
        ("draft", Stage::Draft),
        ("pending", Stage::Pending),
        ("searching", Stage::Searching),
        ("done", Stage::Done),
        ("cancelled", Stage::Cancelled),
    ];

    /// The stages in which a position or inquiry is open.
    pub const OPEN: [Stage; 3] = [Stage::Draft, Stage::Pending, Stage::Searching];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Draft => "draft",
            Stage::Pending => "pending",
            Stage::Searching => "searching",
            Stage::Done => "done",
            Stage::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::VOCABULARY
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, stage)| *stage)
    }

    /// Neither cancelled nor done.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// Place on the forward path; `None` for `cancelled`, which is off it.
    fn rank(self) -> Option<u8> {
        match self {
            Stage::Draft => Some(0),
            Stage::Pending => Some(1),
            Stage::Searching => Some(2),
            Stage::Done => Some(3),
            Stage::Cancelled => None,
        }
    }
}

/// Whether a position is filled from outside the client's organisation or from inside it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum PositionType {
    External,
    Internal,
}

impl PositionType {
    pub const VOCABULARY: [(&'static str, PositionType); 2] = [
        ("external", PositionType::External),
        ("internal", PositionType::Internal),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PositionType::External => "external",
            PositionType::Internal => "internal",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::VOCABULARY
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, value)| *value)
    }
}

/// Whether a position's work can be done remotely.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RemoteWork {
    Yes,
    No,
    Partly,
}

impl RemoteWork {
    pub const VOCABULARY: [(&'static str, RemoteWork); 3] = [
        ("yes", RemoteWork::Yes),
        ("no", RemoteWork::No),
        ("partly", RemoteWork::Partly),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RemoteWork::Yes => "yes",
            RemoteWork::No => "no",
            RemoteWork::Partly => "partly",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::VOCABULARY
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, value)| *value)
    }
}

/// Builds the stage move that submits an inquiry in stage `current`. A draft becomes `pending`,
/// and so do its draft positions, which get `submitted_at`.
pub fn plan_submit(id: i64, current: Stage, at: Timestamp) -> Result<StageMove, Error> {
    if current != Stage::Draft {
        return Err(Error::Conflict(format!(
            "Inquiry cannot be submitted in stage {}.",
            current.as_str()
        )));
    }
    Ok(StageMove {
        inquiry_id: id,
        from: current,
        to: Stage::Pending,
        positions_from: vec![Stage::Draft],
        stamp_submitted: true,
        at,
    })
}

/// Builds the stage move that takes an inquiry forward to `target` (`searching` or `done`),
/// with its open positions. Positions that leave `draft` this way get `submitted_at`, as on submit.
pub fn plan_advance(
    id: i64,
    current: Stage,
    target: Stage,
    at: Timestamp,
) -> Result<StageMove, Error> {
    let forward = matches!((current.rank(), target.rank()), (Some(from), Some(to)) if to > from);
    if !forward {
        return Err(Error::Conflict(format!(
            "Inquiry cannot move to stage {} from stage {}.",
            target.as_str(),
            current.as_str()
        )));
    }
    Ok(StageMove {
        inquiry_id: id,
        from: current,
        to: target,
        positions_from: Stage::OPEN.to_vec(),
        stamp_submitted: true,
        at,
    })
}

/// Builds the stage move that cancels an open inquiry together with all its open positions.
pub fn plan_cancel(id: i64, current: Stage, at: Timestamp) -> Result<StageMove, Error> {
    if !current.is_open() {
        return Err(Error::Conflict(format!(
            "Inquiry cannot be cancelled in stage {}.",
            current.as_str()
        )));
    }
    Ok(StageMove {
        inquiry_id: id,
        from: current,
        to: Stage::Cancelled,
        positions_from: Stage::OPEN.to_vec(),
        stamp_submitted: false,
        at,
    })
}

/// Returns a 409 error unless a position may be added to an inquiry in stage `current`.
pub fn check_add_position(current: Stage) -> Result<(), Error> {
    if current.is_open() {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "A position cannot be added to an inquiry in stage {}.",
            current.as_str()
        )))
    }
}

/// Returns a 409 error unless a position in stage `position` of an inquiry in stage `inquiry`
/// may be cancelled.
pub fn check_cancel_position(inquiry: Stage, position: Stage) -> Result<(), Error> {
    if inquiry == Stage::Cancelled {
        return Err(Error::Conflict(format!(
            "Position cannot be cancelled while its inquiry is in stage {}.",
            inquiry.as_str()
        )));
    }
    if !position.is_open() {
        return Err(Error::Conflict(format!(
            "Position cannot be cancelled in stage {}.",
            position.as_str()
        )));
    }
    Ok(())
}

/// Returns the scope of inquiries the caller can see, the same rule as
/// [`permissions::can_see_company_resource`].
pub fn scope_of(actor: &Actor) -> InquiryScope {
    if actor.is_admin() {
        return InquiryScope::All;
    }
    match actor.company_id {
        Some(company_id) => InquiryScope::Company(company_id),
        None => InquiryScope::Owner(actor.id),
    }
}

/// Returns the list's `group_name`: `@` and the caller's e-mail domain.
pub fn group_name(actor: &Actor) -> String {
    let domain = actor
        .email
        .rsplit_once('@')
        .map(|(_, domain)| domain)
        .unwrap_or_default();
    format!("@{domain}")
}

/// Loads an inquiry the caller can see, or returns a 404 error.
async fn visible_inquiry(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
) -> Result<InquiryRecord, Error> {
    match store.inquiry_by_id(id).await? {
        Some(inquiry)
            if permissions::can_see_company_resource(
                actor,
                inquiry.company_id,
                inquiry.owner_id,
            ) =>
        {
            Ok(inquiry)
        }
        _ => Err(Error::NotFound),
    }
}

fn position_row(position: NewPosition, owner_id: i64, at: Timestamp) -> NewPositionRow {
    NewPositionRow {
        owner_id,
        title: position.title,
        position_type: position.position_type,
        description: position.description,
        language_reqs: position.language_reqs,
        experience_level: position.experience_level,
        job_start: position.job_start.map(|value| value.timestamp()),
        job_end: position.job_end.map(|value| value.timestamp()),
        location: position.location,
        is_remote_work: position.is_remote_work,
        allocation: position.allocation,
        budget: position.budget,
        order_need_reqs: position.order_need_reqs,
        is_video_required: position.is_video_required,
        cv_deadline: position.cv_deadline.map(|value| value.timestamp()),
        submitted_at: None,
        created_at: at,
    }
}

/// Builds the lower-cased text that the `q` filter searches: the title and the description's
/// text.
pub fn search_text(title: &str, description: Option<&str>) -> String {
    let text = match description {
        Some(html) => format!("{title}\n{}", inquiry_body::html_text(html)),
        None => title.to_owned(),
    };
    company::name_key(&text)
}

/// Creates a draft inquiry with its positions and returns its id. Clients create it for their
/// own company; an admin may name a company with `company_id`.
pub async fn create_inquiry(
    store: &dyn Store,
    actor: &Actor,
    body: &Map<String, Value>,
) -> Result<i64, Error> {
    permissions::require(actor, Capability::UseInquiries)?;
    // The role check runs before validation; the full read below reports an invalid id.
    let named_company = input::optional_id(body, "company_id", &mut ValidationErrors::new());
    if !actor.is_admin() && named_company.is_some_and(|id| Some(id) != actor.company_id) {
        return Err(Error::Forbidden);
    }

    let mut errors = ValidationErrors::new();
    let inquiry = inquiry_body::read_new_inquiry(body, &mut errors);
    if let Some(id) = named_company
        && actor.is_admin()
        && store.company_by_id(id).await?.is_none()
    {
        errors.add("company_id", "The selected company id is invalid.");
    }
    errors.into_result()?;
    let Some(inquiry) = inquiry else {
        return Err(Error::Internal(anyhow::anyhow!(
            "inquiry body invalid without a recorded problem"
        )));
    };

    let at = now();
    let company_id = if actor.is_admin() {
        inquiry.company_id
    } else {
        actor.company_id
    };
    let row = NewInquiryRow {
        search_text: search_text(&inquiry.title, inquiry.description.as_deref()),
        title: inquiry.title,
        description: inquiry.description,
        industry_key: company::name_key(&inquiry.industry),
        industry_name: inquiry.industry,
        main_contact: inquiry.main_contact,
        company_id,
        owner_id: actor.id,
        positions: inquiry
            .hires
            .into_iter()
            .map(|position| position_row(position, actor.id, at))
            .collect(),
        created_at: at,
    };
    Ok(store.create_inquiry(&row).await?)
}

/// A page of the inquiry list with its counters.
#[derive(Debug, Clone)]
pub struct InquiryList {
    pub page: InquiryPage,
    pub numbers: PageNumbers,
    pub group_name: String,
    pub contracts_signed: i64,
}

/// Lists the inquiries the caller can see, filtered, sorted and paginated by the query.
pub async fn list_inquiries(
    store: &dyn Store,
    actor: &Actor,
    params: &QueryParams<'_>,
) -> Result<InquiryList, Error> {
    permissions::require(actor, Capability::UseInquiries)?;
    let query = inquiry_query::read_inquiry_query(params, scope_of(actor))?;

    let page = store.list_inquiries(&query).await?;
    let numbers = PageNumbers::new(query.page, page.total, page.inquiries.len());
    Ok(InquiryList {
        page,
        numbers,
        group_name: group_name(actor),
        contracts_signed: contracts_signed(store, actor).await?,
    })
}

/// Counts the contracts that are not terminated whose client is the caller's company: all of
/// them for an admin, none for a client without a company.
async fn contracts_signed(store: &dyn Store, actor: &Actor) -> Result<i64, Error> {
    if actor.is_admin() {
        return Ok(store.count_active_contracts(None).await?);
    }
    match actor.company_id {
        Some(company_id) => Ok(store.count_active_contracts(Some(company_id)).await?),
        None => Ok(0),
    }
}

/// Loads one inquiry with its positions, ordered by counter.
pub async fn get_inquiry(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
) -> Result<(InquiryRecord, Vec<PositionRecord>), Error> {
    permissions::require(actor, Capability::UseInquiries)?;
    let inquiry = visible_inquiry(store, actor, id).await?;
    let query = inquiry_query::all_positions(id);
    let (positions, _) = store.list_positions(&query).await?;
    Ok((inquiry, positions))
}

/// Runs the stage move that `plan` makes of the inquiry's current stage. When another request
/// moved the inquiry first, the plan is made again from the new stage, so its 409 names it.
async fn run_stage_move(
    store: &dyn Store,
    inquiry: &InquiryRecord,
    plan: impl Fn(Stage) -> Result<StageMove, Error>,
) -> Result<(), Error> {
    let mut current = inquiry.stage;
    for _ in 0..MAX_STAGE_ATTEMPTS {
        let change = plan(current)?;
        match store.move_inquiry(&change).await? {
            Guarded::Done(()) => return Ok(()),
            Guarded::StageChanged(stage) => current = stage,
            Guarded::NotFound => return Err(Error::NotFound),
        }
    }
    Err(Error::Conflict(format!(
        "Inquiry changed stage during the request; it is in stage {} now. Try again.",
        current.as_str()
    )))
}

/// Submits a draft inquiry: it and its draft positions become `pending`.
pub async fn submit_inquiry(store: &dyn Store, actor: &Actor, id: i64) -> Result<(), Error> {
    permissions::require(actor, Capability::UseInquiries)?;
    let inquiry = visible_inquiry(store, actor, id).await?;
    let at = now();
    run_stage_move(store, &inquiry, |current| plan_submit(id, current, at)).await
}

/// Moves an inquiry forward to the stage in the body (`searching` or `done`), with its open
/// positions. Admins only.
pub async fn advance_inquiry(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    body: &Map<String, Value>,
) -> Result<(), Error> {
    permissions::require(actor, Capability::AdvanceInquiryStage)?;
    let inquiry = visible_inquiry(store, actor, id).await?;

    let mut errors = ValidationErrors::new();
    let accepted = [("searching", Stage::Searching), ("done", Stage::Done)];
    let target = match input::Field::of(body, "stage").given() {
        Some(value) => input::one_of(value, "stage", &accepted, &mut errors),
        None => {
            errors.add("stage", "The stage field is required.");
            None
        }
    };
    errors.into_result()?;
    let Some(target) = target else {
        return Err(Error::Internal(anyhow::anyhow!(
            "stage invalid without a recorded problem"
        )));
    };

    let at = now();
    run_stage_move(store, &inquiry, |current| {
        plan_advance(id, current, target, at)
    })
    .await
}

/// Cancels an inquiry and, in the same transaction, its open positions.
pub async fn cancel_inquiry(store: &dyn Store, actor: &Actor, id: i64) -> Result<(), Error> {
    permissions::require(actor, Capability::UseInquiries)?;
    let inquiry = visible_inquiry(store, actor, id).await?;
    let at = now();
    run_stage_move(store, &inquiry, |current| plan_cancel(id, current, at)).await
}

/// Adds a position to an open inquiry; it takes the inquiry's stage. Returns its id.
pub async fn add_position(
    store: &dyn Store,
    actor: &Actor,
    order_id: i64,
    body: &Map<String, Value>,
) -> Result<i64, Error> {
    permissions::require(actor, Capability::UseInquiries)?;
    let inquiry = visible_inquiry(store, actor, order_id).await?;

    let mut errors = ValidationErrors::new();
    let position = inquiry_body::read_position(body, "", &mut errors);
    errors.into_result()?;
    let Some(position) = position else {
        return Err(Error::Internal(anyhow::anyhow!(
            "position body invalid without a recorded problem"
        )));
    };
    let mut row = position_row(position, actor.id, now());

    let mut current = inquiry.stage;
    for _ in 0..MAX_STAGE_ATTEMPTS {
        check_add_position(current)?;
        // A position that joins a submitted inquiry counts as submitted when it is added.
        row.submitted_at = (current != Stage::Draft).then_some(row.created_at);
        match store.add_position(order_id, current, &row).await? {
            Guarded::Done(id) => return Ok(id),
            Guarded::StageChanged(stage) => current = stage,
            Guarded::NotFound => return Err(Error::NotFound),
        }
    }
    check_add_position(current)?;
    Err(Error::Conflict(format!(
        "Inquiry changed stage during the request; it is in stage {} now. Try again.",
        current.as_str()
    )))
}

/// The positions of an inquiry: all of them, or one page when the query requests one.
#[derive(Debug, Clone)]
pub struct PositionList {
    pub positions: Vec<PositionRecord>,
    /// Set when the query asked for a page.
    pub numbers: Option<PageNumbers>,
}

/// Lists the positions of an inquiry the caller can see.
pub async fn list_positions(
    store: &dyn Store,
    actor: &Actor,
    order_id: i64,
    params: &QueryParams<'_>,
) -> Result<PositionList, Error> {
    permissions::require(actor, Capability::UseInquiries)?;
    visible_inquiry(store, actor, order_id).await?;
    let query = inquiry_query::read_position_query(params, order_id)?;

    let (positions, total) = store.list_positions(&query).await?;
    let numbers = query
        .page
        .map(|page| PageNumbers::new(page, total, positions.len()));
    Ok(PositionList { positions, numbers })
}

/// Cancels one open position of an inquiry that is not cancelled.
pub async fn cancel_position(
    store: &dyn Store,
    actor: &Actor,
    order_id: i64,
    position_id: i64,
) -> Result<(), Error> {
    permissions::require(actor, Capability::UseInquiries)?;
    let inquiry = visible_inquiry(store, actor, order_id).await?;
    let Some(position) = store.position_by_id(order_id, position_id).await? else {
        return Err(Error::NotFound);
    };

    let mut inquiry_stage = inquiry.stage;
    let mut current = position.stage;
    for _ in 0..MAX_STAGE_ATTEMPTS {
        check_cancel_position(inquiry_stage, current)?;
        match store
            .cancel_position(order_id, position_id, current, now())
            .await?
        {
            Guarded::Done(()) => return Ok(()),
            Guarded::StageChanged(stage) => {
                current = stage;
                inquiry_stage = visible_inquiry(store, actor, order_id).await?.stage;
            }
            Guarded::NotFound => return Err(Error::NotFound),
        }
    }
    check_cancel_position(inquiry_stage, current)?;
    Err(Error::Conflict(format!(
        "Position changed stage during the request; it is in stage {} now. Try again.",
        current.as_str()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::UserType;
    use proptest::prelude::*;

    fn at() -> Timestamp {
        now()
    }

    #[test]
    fn submit_only_from_draft() {
        assert_eq!(
            plan_submit(1, Stage::Draft, at()).unwrap().to,
            Stage::Pending
        );
        for stage in [
            Stage::Pending,
            Stage::Searching,
            Stage::Done,
            Stage::Cancelled,
        ] {
            let Err(Error::Conflict(message)) = plan_submit(1, stage, at()) else {
                panic!("{stage:?} should conflict");
            };
            assert!(message.contains(stage.as_str()), "{message}");
        }
    }

    #[test]
    fn advance_only_forward() {
        assert!(plan_advance(1, Stage::Pending, Stage::Searching, at()).is_ok());
        assert!(plan_advance(1, Stage::Searching, Stage::Done, at()).is_ok());
        assert!(plan_advance(1, Stage::Pending, Stage::Done, at()).is_ok());
        for (from, to) in [
            (Stage::Searching, Stage::Searching),
            (Stage::Done, Stage::Searching),
            (Stage::Cancelled, Stage::Searching),
            (Stage::Cancelled, Stage::Done),
        ] {
            assert!(
                plan_advance(1, from, to, at()).is_err(),
                "{from:?} → {to:?}"
            );
        }
    }

    #[test]
    fn cancel_needs_open_stage() {
        let change = plan_cancel(1, Stage::Searching, at()).unwrap();
        assert_eq!(change.positions_from, Stage::OPEN.to_vec());
        let Err(Error::Conflict(message)) = plan_cancel(1, Stage::Cancelled, at()) else {
            panic!("expected a conflict");
        };
        assert_eq!(message, "Inquiry cannot be cancelled in stage cancelled.");
        assert!(plan_cancel(1, Stage::Done, at()).is_err());
    }

    #[test]
    fn positions_need_open_inquiry() {
        assert!(check_add_position(Stage::Draft).is_ok());
        assert!(check_add_position(Stage::Done).is_err());
        assert!(check_cancel_position(Stage::Pending, Stage::Pending).is_ok());
        assert!(check_cancel_position(Stage::Cancelled, Stage::Pending).is_err());
        assert!(check_cancel_position(Stage::Pending, Stage::Cancelled).is_err());
    }

    #[test]
    fn group_name_is_mail_domain() {
        let actor = Actor {
            id: 1,
            email: "aino@client.example".to_owned(),
            user_type: UserType::Client,
            company_id: Some(2),
            is_verified: false,
            key_id: 1,
        };
        assert_eq!(group_name(&actor), "@client.example");
        assert_eq!(scope_of(&actor), InquiryScope::Company(2));
    }

    proptest! {
        #[test]
        fn vocabularies_read_only_their_words(text in "\\PC{0,12}") {
            let stage = Stage::parse(&text);
            prop_assert_eq!(stage.is_some(), Stage::VOCABULARY.iter().any(|(name, _)| *name == text));
            if let Some(stage) = stage {
                prop_assert_eq!(stage.as_str(), text.as_str());
            }
            let remote = RemoteWork::parse(&text);
            prop_assert_eq!(remote.is_some(), RemoteWork::VOCABULARY.iter().any(|(name, _)| *name == text));
            if let Some(remote) = remote {
                prop_assert_eq!(remote.as_str(), text.as_str());
            }
        }
    }

    #[test]
    fn vocabularies_round_trip() {
        for (name, stage) in Stage::VOCABULARY {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage), "{name}");
        }
        for (name, remote) in RemoteWork::VOCABULARY {
            assert_eq!(RemoteWork::parse(remote.as_str()), Some(remote), "{name}");
        }
        for (name, position_type) in PositionType::VOCABULARY {
            assert_eq!(
                PositionType::parse(position_type.as_str()),
                Some(position_type),
                "{name}"
            );
        }
    }

    #[test]
    fn search_text_is_lower_case_plain_text() {
        assert_eq!(
            search_text("Cloud  Dev", Some("<p>Needs <b>AWS</b></p>")),
            "cloud dev needs aws"
        );
    }
}
