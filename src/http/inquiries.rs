//! Inquiry and position routes: create, list, read, submit, advance and cancel inquiries; add,
//! list and cancel their positions.

use axum::Json;
use axum::extract::{OriginalUri, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::extract::{Caller, JsonObject, PathParams, parse_id};
use super::openapi::{MessageBody, ValidationErrorBody};
use super::schema::{DecimalInput, LenientBool, Percent};
use crate::domain::inquiry::{self, PositionType, RemoteWork, Stage};
use crate::domain::inquiry_query::QueryParams;
use crate::domain::pagination::PageNumbers;
use crate::domain::permissions::{self, Capability};
use crate::domain::time::{format_job_time, format_submitted, format_timestamp};
use crate::error::Error;
use crate::store::inquiries::{InquiryRecord, PositionRecord};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_inquiry))
        .routes(routes!(list_inquiries))
        .routes(routes!(get_inquiry))
        .routes(routes!(submit_inquiry))
        .routes(routes!(update_inquiry_stage))
        .routes(routes!(cancel_inquiry))
        .routes(routes!(create_position))
        .routes(routes!(list_positions))
        .routes(routes!(cancel_position))
}

/// A requirement of a position.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedRequirementBody {
    #[schema(max_length = 255, example = "C#")]
    pub name: String,
    /// From 1 to 5, as a number or a string.
    #[schema(minimum = 1, maximum = 5, example = 3)]
    pub importance: u8,
}

/// A position in a create-inquiry body or an add-position body. Keys not listed here (`files`,
/// `vendor_price`, `cv_deadline_vendor`, `deliverables`, ...) are accepted and ignored.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "stage": "searching", "title": "Cloud Engineer", "type": "external",
    "experience_level": "Intermediate",
    "order_need_reqs": [{"name": "programming", "importance": 3}],
    "language_reqs": "English", "is_remote_work": "no", "location": "Remote",
    "allocation": "10", "budget": "5000", "cv_deadline": "", "files": [],
    "is_video_required": 0, "job_start": "2025-11-01 16:30:00", "job_end": "2025-11-30 16:00:00"
}))]
pub struct NewPositionBody {
    /// Accepted with any value and ignored: a new position always takes its inquiry's current
    /// stage.
    #[schema(value_type = Option<serde_json::Value>)]
    pub stage: Option<String>,
    #[schema(max_length = 255)]
    pub title: String,
    /// Defaults to `external`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub position_type: Option<PositionType>,
    /// Free text, e.g. `Junior`, `Intermediate`, `Senior`.
    #[schema(max_length = 255)]
    pub experience_level: Option<String>,
    pub is_remote_work: Option<RemoteWork>,
    /// Per month; a number or a string, returned as the string sent.
    #[schema(value_type = Option<DecimalInput>)]
    pub budget: Option<String>,
    /// A whole percent from 0 to 100: a number or a string, a trailing `%` tolerated.
    #[schema(value_type = Option<Percent>, example = "10")]
    pub allocation: Option<String>,
    #[schema(max_length = 1000)]
    pub language_reqs: Option<String>,
    #[schema(max_length = 1000)]
    pub location: Option<String>,
    /// RFC 3339 (converted to UTC), `YYYY-MM-DD HH:MM:SS` (UTC) or `YYYY-MM-DD`; `""` is empty.
    #[schema(example = "2025-11-01 16:30:00")]
    pub job_start: Option<String>,
    /// As `job_start`, and not before it.
    #[schema(example = "2025-11-30 16:00:00")]
    pub job_end: Option<String>,
    /// HTML; scripts, event handlers and `javascript:` URLs are removed. At most 64 KiB.
    pub description: Option<String>,
    /// At most 50 items.
    pub order_need_reqs: Option<Vec<NeedRequirementBody>>,
    /// `true`, `false`, `0`, `1`, `"0"` or `"1"`.
    #[schema(value_type = Option<LenientBool>)]
    pub is_video_required: Option<bool>,
    /// A date-time in the forms of `job_start`.
    pub cv_deadline: Option<String>,
}

/// An industry, named in a create-inquiry body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndustryRefBody {
    /// Matched case-insensitively to an existing industry, or created.
    #[schema(max_length = 255, example = "Software")]
    pub name: String,
}

/// Body of `POST /api/public/inquiry/new`. Other top-level keys that clients send (`client`,
/// `email`, `colleague_id`, `original_client`, ...) are accepted and ignored.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "title": "Full",
    "description": "<div>Nice</div>",
    "client": {"email": null},
    "email": null,
    "colleague_id": null,
    "hires": [{
        "stage": "draft", "title": "Dev", "type": "external",
        "order_need_reqs": [{"name": "C#", "importance": 3}],
        "allocation": "10", "budget": "5000", "cv_deadline": "", "cv_deadline_vendor": "",
        "deliverables": "", "description": "<div>fx</div>", "experience_level": "Intermediate",
        "files": [], "is_remote_work": "no", "video_required": 0, "is_video_required": false,
        "vendor_price": "", "job_end": "2025-11-30T16:00:00.000Z",
        "job_start": "2025-11-01T16:30:00.000Z", "language_reqs": "Fin", "location": "",
        "method_reqs": null, "tech_reqs": null, "project_end_at": "", "submitted_at": null,
        "utc_cv_deadline": ""
    }],
    "industry": {"name": "Software"},
    "main_contact": "Aino Client (aino@example.com, +358 40 0000001)",
    "original_client": null
}))]
pub struct NewInquiryBody {
    #[schema(max_length = 255)]
    pub title: String,
    /// HTML; scripts, event handlers and `javascript:` URLs are removed. At most 64 KiB.
    pub description: Option<String>,
    pub industry: IndustryRefBody,
    /// Free text.
    #[schema(max_length = 1000)]
    pub main_contact: Option<String>,
    /// From 1 to 100 positions.
    pub hires: Vec<NewPositionBody>,
    /// Admins only: the company the inquiry belongs to. Without it an admin's inquiry belongs
    /// to no company and only admins see it.
    pub company_id: Option<i64>,
}

/// A stage that an admin may move an inquiry to.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StageTarget {
    Searching,
    Done,
}

/// Body of `POST /api/public/inquiry/{orderId}/stage`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"stage": "searching"}))]
pub struct StageBody {
    /// The stage only moves forward; any other move gets 409.
    pub stage: StageTarget,
}

/// A stage filter: a stage, or `open` for neither cancelled nor done.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StageFilterParam {
    Draft,
    Pending,
    Searching,
    Done,
    Cancelled,
    Open,
}

/// Response to an inquiry create.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedInquiry {
    /// The integer id that the inquiry paths take.
    pub inquiry_id: i64,
    #[schema(example = "draft")]
    pub status: Stage,
}

/// Response to a position create.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedPosition {
    #[schema(example = "New position successfully added")]
    pub message: String,
    pub position_id: i64,
}

/// An industry as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndustryView {
    pub id: i64,
    pub name: String,
}

/// A requirement as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedRequirementView {
    pub name: String,
    pub importance: u8,
}

/// A position.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionView {
    pub id: i64,
    /// The position's 1-based number within its inquiry.
    pub counter: i64,
    pub order_id: i64,
    pub owner_id: i64,
    pub stage: Stage,
    pub title: String,
    /// One type, as an array of one string.
    #[serde(rename = "type")]
    #[schema(rename = "type", example = json!(["external"]))]
    pub position_type: Vec<PositionType>,
    /// Sanitised HTML.
    pub description: Option<String>,
    pub language_reqs: Option<String>,
    pub experience_level: Option<String>,
    #[schema(example = "2025-11-01 16:30:00")]
    pub job_start: Option<String>,
    #[schema(example = "2025-11-30 16:00:00")]
    pub job_end: Option<String>,
    pub location: Option<String>,
    pub is_remote_work: Option<RemoteWork>,
    /// A whole percent.
    #[schema(example = 10)]
    pub allocation: Option<u8>,
    /// As sent.
    #[schema(example = "5000")]
    pub budget: Option<String>,
    pub order_need_reqs: Vec<NeedRequirementView>,
    pub is_video_required: bool,
    #[schema(example = "2025-10-20 12:00:00")]
    pub cv_deadline: Option<String>,
    #[schema(example = "2025-11-18T15:49:35")]
    pub submitted_at: Option<String>,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub created_at: String,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub updated_at: String,
}

impl From<PositionRecord> for PositionView {
    fn from(position: PositionRecord) -> Self {
        Self {
            id: position.id,
            counter: position.counter,
            order_id: position.order_id,
            owner_id: position.owner_id,
            stage: position.stage,
            title: position.title,
            position_type: vec![position.position_type],
            description: position.description,
            language_reqs: position.language_reqs,
            experience_level: position.experience_level,
            job_start: position.job_start.map(format_job_time),
            job_end: position.job_end.map(format_job_time),
            location: position.location,
            is_remote_work: position.is_remote_work,
            allocation: position.allocation.map(|allocation| allocation.percent()),
            budget: position.budget,
            order_need_reqs: position
                .order_need_reqs
                .into_iter()
                .map(|requirement| NeedRequirementView {
                    name: requirement.name,
                    importance: requirement.importance.level(),
                })
                .collect(),
            is_video_required: position.is_video_required,
            cv_deadline: position.cv_deadline.map(format_job_time),
            submitted_at: position.submitted_at.map(format_submitted),
            created_at: format_timestamp(position.created_at),
            updated_at: format_timestamp(position.updated_at),
        }
    }
}

/// An inquiry as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InquiryListItem {
    pub id: i64,
    pub title: String,
    /// Sanitised HTML.
    pub description: Option<String>,
    pub industry: IndustryView,
    pub stage: Stage,
    /// The earliest start of the positions that are not cancelled.
    #[schema(example = "2025-11-01 16:30:00")]
    pub job_start: Option<String>,
    /// The latest end of the positions that are not cancelled.
    #[schema(example = "2025-11-30 16:00:00")]
    pub job_end: Option<String>,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub created_at: String,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub updated_at: String,
}

impl From<&InquiryRecord> for InquiryListItem {
    fn from(inquiry: &InquiryRecord) -> Self {
        Self {
            id: inquiry.id,
            title: inquiry.title.clone(),
            description: inquiry.description.clone(),
            industry: IndustryView {
                id: inquiry.industry.id,
                name: inquiry.industry.name.clone(),
            },
            stage: inquiry.stage,
            job_start: inquiry.job_start.map(format_job_time),
            job_end: inquiry.job_end.map(format_job_time),
            created_at: format_timestamp(inquiry.created_at),
            updated_at: format_timestamp(inquiry.updated_at),
        }
    }
}

/// One inquiry with its positions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InquiryView {
    #[serde(flatten)]
    pub summary: InquiryListItem,
    pub main_contact: Option<String>,
    pub company_id: Option<i64>,
    #[schema(example = "2025-11-18T15:49:35")]
    pub submitted_at: Option<String>,
    /// Ordered by `counter`.
    pub positions: Vec<PositionView>,
}

/// A page of the inquiry list, with counters over everything the caller can see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InquiryListBody {
    /// Every inquiry the caller can see, whatever the filters.
    pub inquiries_total: i64,
    /// The inquiries the caller can see that are in stage `searching`.
    pub search_progress: i64,
    /// Contracts of the caller's company that are not terminated (all of them for admins).
    pub contracts_signed: i64,
    /// `@` and the caller's e-mail domain.
    #[schema(example = "@example.com")]
    pub group_name: String,
    /// Inquiries matching the filters.
    pub total: i64,
    pub per_page: i64,
    pub current_page: i64,
    pub last_page: i64,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub orders: Vec<InquiryListItem>,
}

/// A page of positions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionPage {
    pub current_page: i64,
    pub data: Vec<PositionView>,
    pub first_page_url: String,
    pub from: Option<i64>,
    pub last_page: i64,
    pub last_page_url: String,
    pub next_page_url: Option<String>,
    /// The list's URL without a query.
    pub path: String,
    pub per_page: i64,
    pub prev_page_url: Option<String>,
    pub to: Option<i64>,
    pub total: i64,
}

/// The positions list: a bare array, or a page when `page` or `per_page` is given.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PositionListBody {
    All(Vec<PositionView>),
    Page(PositionPage),
}

/// Query of `GET /api/public/inquiries`. Unknown parameters are ignored.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InquiryListParams {
    /// Default 1.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Default 10.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Case-insensitive text to find in the title or the description's text; `%` and `_`
    /// match literally.
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(inline)]
    pub stage: Option<StageFilterParam>,
    /// An industry name, compared case-insensitively.
    pub industry: Option<String>,
    /// Inquiries with a position of this experience level (case-insensitive).
    pub experience_level: Option<String>,
    /// Inquiries with a position at this location (case-insensitive).
    pub location: Option<String>,
    /// Inquiries with a position of this remote-work value.
    pub is_remote_work: Option<RemoteWork>,
    /// Inquiries with a position of these language requirements (case-insensitive).
    pub language_reqs: Option<String>,
    /// `title`, `created_at`, `job_start` or `job_end`, with a leading `-` for descending;
    /// default `-created_at`. Ties go by id in the same direction.
    #[param(pattern = "^(-?(title|created_at|job_start|job_end))?$")]
    pub sort: Option<String>,
}

/// Query of `GET /api/public/inquiry/{orderId}/positions`. Unknown parameters are ignored.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PositionListParams {
    /// With `page` or `per_page` the response is a page, otherwise a bare array.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Default 10 when only `page` is given.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Case-insensitive text to find in the title.
    #[param(max_length = 255)]
    pub title: Option<String>,
    #[param(inline)]
    pub stage: Option<StageFilterParam>,
    /// Case-insensitive equality.
    pub experience_level: Option<String>,
    /// Case-insensitive equality.
    pub location: Option<String>,
    /// Case-insensitive equality.
    pub language_reqs: Option<String>,
    pub is_remote_work: Option<RemoteWork>,
    /// `counter`, `title`, `job_start`, `job_end` or `created_at`, with a leading `-` for
    /// descending; default `counter`.
    #[param(pattern = "^(-?(counter|title|created_at|job_start|job_end))?$")]
    pub sort: Option<String>,
}

/// Creates a draft inquiry with its positions. Clients create it for their own company.
#[utoipa::path(post, path = "/api/public/inquiry/new", tag = "inquiries", security(("api_key" = [])),
    request_body = NewInquiryBody,
    responses(
        (status = 201, body = CreatedInquiry),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn create_inquiry(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonObject(body): JsonObject,
) -> Result<(StatusCode, Json<CreatedInquiry>), Error> {
    let id = inquiry::create_inquiry(state.store.as_ref(), &actor, &body).await?;

    tracing::info!(inquiry.id = id, "inquiry created");
    let created = CreatedInquiry {
        inquiry_id: id,
        status: Stage::Draft,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Lists the inquiries the caller can see: a client sees its whole company's.
#[utoipa::path(get, path = "/api/public/inquiries", tag = "inquiries", security(("api_key" = [])),
    params(InquiryListParams),
    responses(
        (status = 200, body = InquiryListBody),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn list_inquiries(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<InquiryListBody>, Error> {
    let list = inquiry::list_inquiries(state.store.as_ref(), &actor, &QueryParams(&params)).await?;

    let numbers = list.numbers;
    Ok(Json(InquiryListBody {
        inquiries_total: list.page.scope_total,
        search_progress: list.page.searching_total,
        contracts_signed: list.contracts_signed,
        group_name: list.group_name,
        total: numbers.total,
        per_page: numbers.per_page,
        current_page: numbers.current_page,
        last_page: numbers.last_page,
        from: numbers.from,
        to: numbers.to,
        orders: list
            .page
            .inquiries
            .iter()
            .map(InquiryListItem::from)
            .collect(),
    }))
}

/// One inquiry with its positions.
#[utoipa::path(get, path = "/api/public/inquiry/{orderId}", tag = "inquiries", security(("api_key" = [])),
    params(("orderId" = i64, Path, description = "Inquiry id")),
    responses(
        (status = 200, body = InquiryView),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
    ))]
async fn get_inquiry(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(order_id): PathParams<String>,
) -> Result<Json<InquiryView>, Error> {
    permissions::require(&actor, Capability::UseInquiries)?;
    let order_id = parse_id(&order_id)?;

    let (record, positions) = inquiry::get_inquiry(state.store.as_ref(), &actor, order_id).await?;

    Ok(Json(InquiryView {
        summary: InquiryListItem::from(&record),
        main_contact: record.main_contact,
        company_id: record.company_id,
        submitted_at: record.submitted_at.map(format_submitted),
        positions: positions.into_iter().map(PositionView::from).collect(),
    }))
}

/// Submits a draft inquiry: it and its draft positions become `pending`.
#[utoipa::path(post, path = "/api/public/inquiry/{orderId}/submit", tag = "inquiries", security(("api_key" = [])),
    params(("orderId" = i64, Path, description = "Inquiry id")),
    responses(
        (status = 200, body = MessageBody, example = json!({"message": "Inquiry successfully submitted"})),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody, example = json!({"message": "Inquiry cannot be submitted in stage pending."})),
    ))]
async fn submit_inquiry(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(order_id): PathParams<String>,
) -> Result<Json<MessageBody>, Error> {
    permissions::require(&actor, Capability::UseInquiries)?;
    let order_id = parse_id(&order_id)?;

    inquiry::submit_inquiry(state.store.as_ref(), &actor, order_id).await?;

    tracing::info!(inquiry.id = order_id, "inquiry submitted");
    Ok(Json(MessageBody::new("Inquiry successfully submitted")))
}

/// Moves an inquiry forward to `searching` or `done`, with its open positions. Admins only.
#[utoipa::path(post, path = "/api/public/inquiry/{orderId}/stage", tag = "inquiries", security(("api_key" = [])),
    params(("orderId" = i64, Path, description = "Inquiry id")),
    request_body = StageBody,
    responses(
        (status = 200, body = MessageBody, example = json!({"message": "Inquiry stage updated"})),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn update_inquiry_stage(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(order_id): PathParams<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<MessageBody>, Error> {
    permissions::require(&actor, Capability::AdvanceInquiryStage)?;
    let order_id = parse_id(&order_id)?;

    inquiry::advance_inquiry(state.store.as_ref(), &actor, order_id, &body).await?;

    tracing::info!(inquiry.id = order_id, "inquiry stage updated");
    Ok(Json(MessageBody::new("Inquiry stage updated")))
}

/// Cancels an inquiry and all its open positions.
#[utoipa::path(post, path = "/api/public/inquiry/{orderId}/cancel", tag = "inquiries", security(("api_key" = [])),
    params(("orderId" = i64, Path, description = "Inquiry id")),
    responses(
        (status = 200, body = MessageBody, example = json!({"message": "Inquiry successfully cancelled"})),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody, example = json!({"message": "Inquiry cannot be cancelled in stage cancelled."})),
    ))]
async fn cancel_inquiry(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(order_id): PathParams<String>,
) -> Result<Json<MessageBody>, Error> {
    permissions::require(&actor, Capability::UseInquiries)?;
    let order_id = parse_id(&order_id)?;

    inquiry::cancel_inquiry(state.store.as_ref(), &actor, order_id).await?;

    tracing::info!(inquiry.id = order_id, "inquiry cancelled");
    Ok(Json(MessageBody::new("Inquiry successfully cancelled")))
}

/// Adds a position to an open inquiry. It takes the inquiry's stage and ignores the `stage` sent.
#[utoipa::path(post, path = "/api/public/inquiry/{orderId}/position/new", tag = "inquiries", security(("api_key" = [])),
    params(("orderId" = i64, Path, description = "Inquiry id")),
    request_body = NewPositionBody,
    responses(
        (status = 201, body = CreatedPosition),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn create_position(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(order_id): PathParams<String>,
    JsonObject(body): JsonObject,
) -> Result<(StatusCode, Json<CreatedPosition>), Error> {
    permissions::require(&actor, Capability::UseInquiries)?;
    let order_id = parse_id(&order_id)?;

    let id = inquiry::add_position(state.store.as_ref(), &actor, order_id, &body).await?;

    tracing::info!(inquiry.id = order_id, position.id = id, "position added");
    let created = CreatedPosition {
        message: "New position successfully added".to_owned(),
        position_id: id,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Lists an inquiry's positions, cancelled ones included: a bare array, or a page when `page`
/// or `per_page` is given. Needs an API key, although the published reference marks it as open.
#[utoipa::path(get, path = "/api/public/inquiry/{orderId}/positions", tag = "inquiries", security(("api_key" = [])),
    params(("orderId" = i64, Path, description = "Inquiry id"), PositionListParams),
    responses(
        (status = 200, body = PositionListBody),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn list_positions(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(order_id): PathParams<String>,
    Query(params): Query<Vec<(String, String)>>,
    RawQuery(raw_query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<PositionListBody>, Error> {
    permissions::require(&actor, Capability::UseInquiries)?;
    let order_id = parse_id(&order_id)?;

    let list = inquiry::list_positions(
        state.store.as_ref(),
        &actor,
        order_id,
        &QueryParams(&params),
    )
    .await?;

    let data: Vec<PositionView> = list.positions.into_iter().map(PositionView::from).collect();
    let Some(numbers) = list.numbers else {
        return Ok(Json(PositionListBody::All(data)));
    };
    let links = PageLinks {
        path: format!("{}{}", base_url(&state, &headers), uri.path()),
        query: kept_query(raw_query.as_deref().unwrap_or_default()),
    };
    Ok(Json(PositionListBody::Page(links.page(numbers, data))))
}

/// Cancels one open position.
#[utoipa::path(post, path = "/api/public/inquiry/{orderId}/position/{positionId}/cancel", tag = "inquiries", security(("api_key" = [])),
    params(
        ("orderId" = i64, Path, description = "Inquiry id"),
        ("positionId" = i64, Path, description = "Position id"),
    ),
    responses(
        (status = 200, body = MessageBody, example = json!({"message": "Position successfully canceled"})),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody),
    ))]
async fn cancel_position(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams((order_id, position_id)): PathParams<(String, String)>,
) -> Result<Json<MessageBody>, Error> {
    permissions::require(&actor, Capability::UseInquiries)?;
    let order_id = parse_id(&order_id)?;
    let position_id = parse_id(&position_id)?;

    inquiry::cancel_position(state.store.as_ref(), &actor, order_id, position_id).await?;

    tracing::info!(
        inquiry.id = order_id,
        position.id = position_id,
        "position cancelled"
    );
    Ok(Json(MessageBody::new("Position successfully canceled")))
}

/// Returns the scheme and host of absolute URLs: `--public-url` when set, otherwise the
/// request's `Host`. A `Host` with characters that don't belong in one becomes `localhost`.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(public_url) = &state.public_url {
        return public_url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b".-:[]".contains(&byte))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Returns the raw query without its `page` parameters, the rest as sent.
fn kept_query(raw_query: &str) -> String {
    raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| pair.split('=').next() != Some("page"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Builds the URLs of a paginator.
struct PageLinks {
    path: String,
    /// Query parameters kept on every link.
    query: String,
}

impl PageLinks {
    fn url(&self, page: i64) -> String {
        if self.query.is_empty() {
            format!("{}?page={page}", self.path)
        } else {
            format!("{}?page={page}&{}", self.path, self.query)
        }
    }

    fn page(&self, numbers: PageNumbers, data: Vec<PositionView>) -> PositionPage {
        let current = numbers.current_page;
        PositionPage {
            current_page: current,
            data,
            first_page_url: self.url(1),
            from: numbers.from,
            last_page: numbers.last_page,
            last_page_url: self.url(numbers.last_page),
            next_page_url: (current < numbers.last_page).then(|| self.url(current + 1)),
            path: self.path.clone(),
            per_page: numbers.per_page,
            prev_page_url: (current > 1).then(|| self.url(current - 1)),
            to: numbers.to,
            total: numbers.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_other_parameters() {
        assert_eq!(
            kept_query("page=2&per_page=5&title=dev"),
            "per_page=5&title=dev"
        );
        assert_eq!(kept_query("page=2"), "");
        let links = PageLinks {
            path: "http://host/api/public/inquiry/1/positions".to_owned(),
            query: "per_page=5".to_owned(),
        };
        assert_eq!(
            links.url(3),
            "http://host/api/public/inquiry/1/positions?page=3&per_page=5"
        );
    }
}
