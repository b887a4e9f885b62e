//! Contract routes (admins only): create, edit, cancel and read by public id or by numeric id,
//! and the paginated list. Literal segments win over public ids: `POST .../id/edit` is the
//! numeric-id route, and `.../new` belongs to the create route. So the contracts with the public
//! ids `id` and `new` are edited, cancelled or read through their numeric id.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::extract::{Caller, JsonObject, PathParams, parse_id};
use super::openapi::{MessageBody, ValidationErrorBody};
use super::schema::{DecimalInput, LenientBool, Percent};
use crate::domain::contract::{self, ContractListQuery, ContractRef, TextField};
use crate::domain::permissions::{self, Actor, Capability};
use crate::domain::time::format_timestamp;
use crate::error::Error;
use crate::store::contracts::{ConsultantRecord, ContractRecord};

const PUBLIC_ID_DESCRIPTION: &str = "Public contract id, percent-encoded, matched ignoring letter \
case. The ids `id` and `new` collide with literal routes; use the numeric-id routes for them.";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_contract))
        .routes(routes!(list_contracts))
        .routes(routes!(get_contract))
        .routes(routes!(get_contract_by_id))
        .routes(routes!(edit_contract))
        .routes(routes!(edit_contract_by_id))
        .routes(routes!(cancel_contract))
        .routes(routes!(cancel_contract_by_id))
}

/// Reads a numeric id from the path, after the role check, so that a caller who may not use
/// contracts gets 403 whatever the path holds.
fn by_numeric_id(actor: &Actor, segment: &str) -> Result<ContractRef, Error> {
    permissions::require(actor, Capability::ManageContracts)?;
    parse_id(segment).map(ContractRef::Id)
}

/// A contract's consultant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsultantBody {
    pub id: i64,
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl From<ConsultantRecord> for ConsultantBody {
    fn from(consultant: ConsultantRecord) -> Self {
        Self {
            id: consultant.id,
            name: consultant.name,
            title: consultant.title,
            email: consultant.email,
            phone: consultant.phone,
        }
    }
}

/// One contract, every field under its own name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractBody {
    pub id: i64,
    #[schema(example = "CNTR-2026-0005")]
    pub the_contract_id: String,
    pub client_contract_id: Option<String>,
    /// `not started`, `ongoing`, `ended` or `terminated`.
    #[schema(example = "ongoing")]
    pub status: String,
    pub service_code: Option<String>,
    #[schema(example = "2026-01-22 00:00:00")]
    pub contract_start: Option<String>,
    /// `null` while `is_infinite` is true.
    #[schema(example = "2026-12-31 00:00:00")]
    pub contract_end: Option<String>,
    pub is_infinite: bool,
    /// `hourly`, `daily`, `monthly` or `fixed`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub contract_type: Option<String>,
    pub work_scope: Option<String>,
    pub notice_period: Option<String>,
    /// Whole percent.
    pub allocation: Option<u8>,
    pub max_hours: Option<i64>,
    /// Exact decimal with two decimals.
    #[schema(example = "150.00")]
    pub client_price: Option<String>,
    #[schema(example = "95.00")]
    pub vendor_price: Option<String>,
    /// Percent, with two decimals.
    #[schema(example = "24.00")]
    pub vat: Option<String>,
    pub seller_id: Option<i64>,
    pub hour_report: Option<String>,
    pub invoicing_channel: Option<String>,
    pub client_company_id: i64,
    pub client_company_name: String,
    pub client_business_id: Option<String>,
    pub unit: Option<String>,
    pub client_contact: Option<String>,
    pub client_purchase_order: Option<String>,
    pub vendor_company_id: Option<i64>,
    pub vendor_company_name: Option<String>,
    pub vendor_company_for_client: Option<String>,
    pub vendor_contact: Option<String>,
    pub notes: Option<String>,
    pub selected_consultant: Option<ConsultantBody>,
    pub consult_name: Option<String>,
    pub consult_title: Option<String>,
    pub consult_skills: Vec<String>,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub terminated_at: Option<String>,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub created_at: String,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub updated_at: String,
}

impl From<ContractRecord> for ContractBody {
    fn from(contract: ContractRecord) -> Self {
        let text = |field: TextField| contract.texts.get(&field).cloned();
        let consultant = contract.consultant.clone();
        Self {
            id: contract.id,
            client_contract_id: text(TextField::ClientContractId),
            service_code: text(TextField::ServiceCode),
            work_scope: text(TextField::WorkScope),
            notice_period: text(TextField::NoticePeriod),
            unit: text(TextField::Unit),
            hour_report: text(TextField::HourReport),
            invoicing_channel: text(TextField::InvoicingChannel),
            client_business_id: text(TextField::ClientBusinessId),
            client_contact: text(TextField::ClientContact),
            client_purchase_order: text(TextField::ClientPurchaseOrder),
            vendor_company_for_client: text(TextField::VendorCompanyForClient),
            vendor_contact: text(TextField::VendorContact),
            notes: text(TextField::Notes),
            the_contract_id: contract.the_contract_id,
            status: contract.status.as_str().to_owned(),
            contract_start: contract
                .dates
                .contract_start
                .map(contract::format_contract_date),
            contract_end: contract
                .dates
                .contract_end
                .map(contract::format_contract_date),
            is_infinite: contract.dates.is_infinite,
            contract_type: contract.contract_type.map(|kind| kind.as_str().to_owned()),
            allocation: contract.allocation,
            max_hours: contract.max_hours,
            client_price: contract.client_price.map(|amount| amount.to_string()),
            vendor_price: contract.vendor_price.map(|amount| amount.to_string()),
            vat: contract.vat.map(|amount| amount.to_string()),
            seller_id: contract.seller_id,
            client_company_id: contract.client_company.id,
            client_company_name: contract.client_company.name,
            vendor_company_id: contract.vendor_company.as_ref().map(|company| company.id),
            vendor_company_name: contract.vendor_company.map(|company| company.name),
            consult_name: consultant
                .as_ref()
                .map(|consultant| consultant.name.clone()),
            consult_title: consultant
                .as_ref()
                .and_then(|consultant| consultant.title.clone()),
            selected_consultant: consultant.map(ConsultantBody::from),
            consult_skills: contract.consult_skills,
            terminated_at: contract.terminated_at.map(format_timestamp),
            created_at: format_timestamp(contract.created_at),
            updated_at: format_timestamp(contract.updated_at),
        }
    }
}

/// A contract in the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractListItem {
    pub id: i64,
    pub the_contract_id: String,
    pub status: String,
    #[schema(example = "2026-01-22 00:00:00")]
    pub contract_start: Option<String>,
    pub contract_end: Option<String>,
    pub client_company_name: String,
    pub vendor_company_name: Option<String>,
    pub consult_name: Option<String>,
    pub consult_title: Option<String>,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub created_at: String,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub updated_at: String,
}

impl From<ContractRecord> for ContractListItem {
    fn from(contract: ContractRecord) -> Self {
        let body = ContractBody::from(contract);
        Self {
            id: body.id,
            the_contract_id: body.the_contract_id,
            status: body.status,
            contract_start: body.contract_start,
            contract_end: body.contract_end,
            client_company_name: body.client_company_name,
            vendor_company_name: body.vendor_company_name,
            consult_name: body.consult_name,
            consult_title: body.consult_title,
            created_at: body.created_at,
            updated_at: body.updated_at,
        }
    }
}

/// A page of the contract list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractList {
    pub total: i64,
    pub per_page: i64,
    pub current_page: i64,
    pub last_page: i64,
    /// `null` on an empty page.
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub contracts: Vec<ContractListItem>,
}

/// Query of `GET /api/v1/contracts`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractListParams {
    /// `not started`, `ongoing` (also `active`), `ended` or `terminated`. Without it, every
    /// contract but the terminated ones.
    pub status: Option<String>,
    /// Case-insensitive text found in the consultant's name or either company's name; at most
    /// 200 characters.
    pub search: Option<String>,
    /// From 1; defaults to 1.
    pub page: Option<String>,
    /// From 1 to 100; defaults to 10.
    pub per_page: Option<String>,
}

/// A company or consultant named in a contract body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsultantRefBody {
    /// An existing consultant to attach; its other keys, when sent, update it.
    pub id: Option<i64>,
    /// Without `id`: creates a new consultant with this name.
    #[schema(max_length = 255)]
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Body of `POST /api/v1/contracts/new`. Prices and `vat` are exact decimals with at most two
/// decimal places, as a JSON number or a decimal string; a third decimal gets 422.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "the_contract_id": "CNTR-2026-0005", "client_contract_id": "CL-5555", "status": "ongoing",
    "service_code": "SVC-01", "contract_start": "2026-01-22", "contract_end": "2019-08-24",
    "is_infinite": true, "type": "hourly", "work_scope": "Development and consulting",
    "notice_period": "14 days", "allocation": 100, "max_hours": 160, "client_price": 120.5,
    "vendor_price": 95, "vat": 24, "seller_id": 1, "hour_report": "weekly",
    "invoicing_channel": "email", "client_company_name": "La", "client_company_id": 0,
    "client_business_id": "FI12345678", "unit": "hours", "client_contact": "John Doe",
    "client_purchase_order": "PO-9876", "vendor_company_name": "Law",
    "vendor_company_for_client": "Provider for client view",
    "vendor_contact": "Vendor Contact Name", "notes": "Created via API - test contract",
    "selected_consultant": {"name": "Jane Consultant", "title": "Senior Developer"},
    "consult_skills": ["Rust", "PostgreSQL"]
}))]
pub struct NewContractBody {
    /// Unique ignoring letter case, at most 64 characters; generated as
    /// `CNTR-<year>-<number>` when omitted, `null` or `""`.
    pub the_contract_id: Option<String>,
    pub client_contract_id: Option<String>,
    /// `not started` (default), `ongoing` (also read from `active`) or `ended`.
    pub status: Option<String>,
    pub service_code: Option<String>,
    /// `YYYY-MM-DD` or a date-time whose calendar date is taken as written. Required unless
    /// `is_infinite` is true.
    pub contract_start: Option<String>,
    /// Not before `contract_start`; ignored and stored as `null` when `is_infinite` is true.
    pub contract_end: Option<String>,
    #[schema(value_type = Option<LenientBool>)]
    pub is_infinite: Option<bool>,
    /// `hourly`, `daily`, `monthly` or `fixed`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub contract_type: Option<String>,
    pub work_scope: Option<String>,
    pub notice_period: Option<String>,
    /// Whole percent 0–100, a number or a string; a trailing `%` is accepted.
    #[schema(value_type = Option<Percent>)]
    pub allocation: Option<u8>,
    /// Whole number of at least 0.
    pub max_hours: Option<i64>,
    #[schema(value_type = Option<DecimalInput>, example = "150.00")]
    pub client_price: Option<String>,
    #[schema(value_type = Option<DecimalInput>, example = "95.00")]
    pub vendor_price: Option<String>,
    /// Percent 0–100 with at most two decimal places.
    #[schema(value_type = Option<DecimalInput>, example = "24")]
    pub vat: Option<String>,
    /// An existing active user.
    pub seller_id: Option<i64>,
    pub hour_report: Option<String>,
    pub invoicing_channel: Option<String>,
    /// An existing company; `0` means not given. Wins over `client_company_name`.
    pub client_company_id: Option<i64>,
    /// Matched case-insensitively to an existing company, or created. The client side is
    /// required.
    pub client_company_name: Option<String>,
    pub client_business_id: Option<String>,
    pub unit: Option<String>,
    pub client_contact: Option<String>,
    pub client_purchase_order: Option<String>,
    /// Like `client_company_id`; the vendor side is optional.
    pub vendor_company_id: Option<i64>,
    pub vendor_company_name: Option<String>,
    pub vendor_company_for_client: Option<String>,
    pub vendor_contact: Option<String>,
    pub notes: Option<String>,
    pub selected_consultant: Option<ConsultantRefBody>,
    /// An array of strings or one comma-separated string; stored trimmed, without empty items
    /// and without repeats (ignoring letter case, the first spelling kept).
    pub consult_skills: Option<Vec<String>>,
}

/// Body of an edit: any keys of the create body. `the_contract_id` can't change, so when sent it
/// must be the contract's own (ignoring letter case). Omitted keys keep
/// their value, `null` or `""` clears an optional field, a required field can't be cleared,
/// and the date rules are checked on the stored dates merged with the edit.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"client_price": "150.00", "notes": "Updated via public API"}))]
pub struct ContractEditBody {
    #[serde(flatten)]
    pub fields: NewContractBody,
}

/// The response to a contract create.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedContract {
    #[schema(example = "Contract created successfully")]
    pub message: String,
    pub id: i64,
    #[schema(example = "CNTR-2026-0005")]
    pub the_contract_id: String,
}

/// Creates a contract, with its companies and consultant resolved or created by name.
#[utoipa::path(post, path = "/api/v1/contracts/new", tag = "contracts", security(("api_key" = [])),
    request_body = NewContractBody,
    responses(
        (status = 201, body = CreatedContract),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 422, body = ValidationErrorBody,
            description = "Invalid body, or `the_contract_id` already taken"),
    ))]
async fn create_contract(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonObject(body): JsonObject,
) -> Result<(StatusCode, Json<CreatedContract>), Error> {
    let created = contract::create_contract(state.store.as_ref(), &actor, &body).await?;

    tracing::info!(contract.id = created.id, "contract created");
    let body = CreatedContract {
        message: "Contract created successfully".to_owned(),
        id: created.id,
        the_contract_id: created.the_contract_id,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// Lists contracts, newest first. Terminated contracts are left out unless
/// `status=terminated` is asked for.
#[utoipa::path(get, path = "/api/v1/contracts", tag = "contracts", security(("api_key" = [])),
    params(ContractListParams),
    responses(
        (status = 200, body = ContractList),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn list_contracts(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<ContractListParams>,
) -> Result<Json<ContractList>, Error> {
    let query = ContractListQuery {
        status: params.status,
        search: params.search,
        page: params.page,
        per_page: params.per_page,
    };

    let page = contract::list_contracts(state.store.as_ref(), &actor, &query).await?;

    Ok(Json(ContractList {
        total: page.numbers.total,
        per_page: page.numbers.per_page,
        current_page: page.numbers.current_page,
        last_page: page.numbers.last_page,
        from: page.numbers.from,
        to: page.numbers.to,
        contracts: page.contracts.into_iter().map(Into::into).collect(),
    }))
}

/// Reads a contract by its public id, ignoring letter case.
#[utoipa::path(get, path = "/api/v1/contracts/{the_contract_id}", tag = "contracts",
    security(("api_key" = [])),
    params(("the_contract_id" = String, Path, description = PUBLIC_ID_DESCRIPTION)),
    responses(
        (status = 200, body = ContractBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
    ))]
async fn get_contract(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(the_contract_id): PathParams<String>,
) -> Result<Json<ContractBody>, Error> {
    let reference = ContractRef::Public(the_contract_id);
    let found = contract::get_contract(state.store.as_ref(), &actor, &reference).await?;
    Ok(Json(found.into()))
}

/// Reads a contract by its numeric id.
#[utoipa::path(get, path = "/api/v1/contracts/id/{id}", tag = "contracts",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = ContractBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
    ))]
async fn get_contract_by_id(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<ContractBody>, Error> {
    let reference = by_numeric_id(&actor, &id)?;
    let found = contract::get_contract(state.store.as_ref(), &actor, &reference).await?;
    Ok(Json(found.into()))
}

/// Edits a contract named by its public id. A terminated contract can't be edited (409).
#[utoipa::path(post, path = "/api/v1/contracts/{the_contract_id}/edit", tag = "contracts",
    security(("api_key" = [])),
    params(("the_contract_id" = String, Path, description = PUBLIC_ID_DESCRIPTION)),
    request_body = ContractEditBody,
    responses(
        (status = 200, body = MessageBody),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn edit_contract(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(the_contract_id): PathParams<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<MessageBody>, Error> {
    let reference = ContractRef::Public(the_contract_id);
    edit(&state, &actor, &reference, &body).await
}

/// Edits a contract named by its numeric id. A terminated contract can't be edited (409).
#[utoipa::path(post, path = "/api/v1/contracts/id/{id}/edit", tag = "contracts",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "Contract id")),
    request_body = ContractEditBody,
    responses(
        (status = 200, body = MessageBody),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn edit_contract_by_id(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(id): PathParams<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<MessageBody>, Error> {
    let reference = by_numeric_id(&actor, &id)?;
    edit(&state, &actor, &reference, &body).await
}

async fn edit(
    state: &AppState,
    actor: &Actor,
    reference: &ContractRef,
    body: &serde_json::Map<String, serde_json::Value>,
) -> Result<Json<MessageBody>, Error> {
    let id = contract::edit_contract(state.store.as_ref(), actor, reference, body).await?;

    tracing::info!(contract.id = id, "contract updated");
    Ok(Json(MessageBody::new("Contract updated successfully")))
}

/// Cancels a contract named by its public id: it becomes `terminated` and stays readable.
#[utoipa::path(post, path = "/api/v1/contracts/{the_contract_id}/cancel", tag = "contracts",
    security(("api_key" = [])),
    params(("the_contract_id" = String, Path, description = PUBLIC_ID_DESCRIPTION)),
    responses(
        (status = 200, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody, description = "Already terminated"),
    ))]
async fn cancel_contract(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(the_contract_id): PathParams<String>,
) -> Result<Json<MessageBody>, Error> {
    let reference = ContractRef::Public(the_contract_id);
    cancel(&state, &actor, &reference).await
}

/// Cancels a contract named by its numeric id: it becomes `terminated` and stays readable.
#[utoipa::path(post, path = "/api/v1/contracts/id/{id}/cancel", tag = "contracts",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody, description = "Already terminated"),
    ))]
async fn cancel_contract_by_id(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<MessageBody>, Error> {
    let reference = by_numeric_id(&actor, &id)?;
    cancel(&state, &actor, &reference).await
}

async fn cancel(
    state: &AppState,
    actor: &Actor,
    reference: &ContractRef,
) -> Result<Json<MessageBody>, Error> {
    let id = contract::cancel_contract(state.store.as_ref(), actor, reference).await?;

    tracing::info!(contract.id = id, "contract terminated");
    Ok(Json(MessageBody::new("Contract terminated successfully")))
}
