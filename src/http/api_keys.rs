//! API-key routes: the token endpoint and the caller's own keys.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::extract::{Caller, ClientAddress, JsonObject, PathParams, parse_id};
use super::openapi::{MessageBody, ValidationErrorBody};
use crate::domain::api_keys::{self, CreatedKey};
use crate::domain::time::format_timestamp;
use crate::error::{Error, ValidationErrors};
use crate::store::ApiKeyRecord;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_api_token))
        .routes(routes!(list_api_keys))
        .routes(routes!(create_api_key))
        .routes(routes!(revoke_api_key))
}

/// Body of `POST /api/v1/auth/token`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenRequestBody {
    #[schema(format = "email")]
    pub email: String,
    pub password: String,
    /// Label of the new key.
    pub name: Option<String>,
}

/// A new key from the token endpoint.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenBody {
    /// The key. It is shown this once.
    pub token: String,
    #[schema(example = "2026-03-04T12:00:00.000000Z")]
    pub expires_at: Option<String>,
}

/// Body of `POST /api/v1/api-keys/new`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewApiKeyBody {
    #[schema(max_length = 255)]
    pub name: Option<String>,
    /// Days until the key expires; it never expires when omitted.
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
    /// Admins only: the user who gets the key; `0` means the caller.
    #[schema(minimum = 0)]
    pub user_id: Option<i64>,
}

/// A key as listed: never the key or its hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The key's first characters.
    #[schema(example = "pcl_AbCdEfGh")]
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<ApiKeyRecord> for ApiKeyView {
    fn from(key: ApiKeyRecord) -> Self {
        Self {
            id: key.id,
            user_id: key.user_id,
            name: key.name,
            prefix: key.prefix,
            created_at: format_timestamp(key.created_at),
            last_used_at: key.last_used_at.map(format_timestamp),
            expires_at: key.expires_at.map(format_timestamp),
            revoked_at: key.revoked_at.map(format_timestamp),
        }
    }
}

/// A key just created: the key itself, shown this once, and its listing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[schema(example = "API key created")]
    pub message: String,
    pub token: String,
    pub key: ApiKeyView,
}

impl From<CreatedKey> for CreatedApiKey {
    fn from(created: CreatedKey) -> Self {
        Self {
            message: "API key created".to_owned(),
            token: created.key,
            key: created.record.into(),
        }
    }
}

/// Query of `GET /api/v1/api-keys`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiKeyQuery {
    /// Admins only: list this user's keys. Empty or `0` means the caller.
    #[param(value_type = Option<String>, pattern = "^[0-9]*$")]
    pub user_id: Option<String>,
    /// Admins only: `1` or `true` lists every user's keys.
    #[param(value_type = Option<bool>)]
    pub all: Option<String>,
}

/// Exchanges an e-mail and a password for a key valid 90 days. Wrong e-mail and wrong password
/// get the same 401; 5 failures per e-mail or client address in 15 minutes lead to 429.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "api-keys",
    request_body = TokenRequestBody,
    responses(
        (status = 201, body = TokenBody),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
        (status = 429, body = MessageBody),
    ))]
async fn create_api_token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    JsonObject(body): JsonObject,
) -> Result<(StatusCode, Json<TokenBody>), Error> {
    let created =
        api_keys::issue_token(state.store.as_ref(), &state.limiter, address, &body).await?;

    tracing::info!(
        api_key.id = created.record.id,
        user.id = created.record.user_id,
        "token issued"
    );
    let token = TokenBody {
        token: created.key,
        expires_at: created.record.expires_at.map(format_timestamp),
    };
    Ok((StatusCode::CREATED, Json(token)))
}

/// Lists the caller's keys, newest first. Admins may list another user's or everyone's.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys", security(("api_key" = [])),
    params(ApiKeyQuery),
    responses(
        (status = 200, body = Vec<ApiKeyView>),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn list_api_keys(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(query): Query<ApiKeyQuery>,
) -> Result<Json<Vec<ApiKeyView>>, Error> {
    let user_id = match query.user_id.as_deref().map(str::trim) {
        None | Some("") | Some("0") => None,
        Some(text) => Some(
            text.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    ValidationErrors::single(
                        "user_id",
                        "The user id field must be a positive integer.",
                    )
                })?,
        ),
    };
    let all = match query.all.as_deref().map(str::trim) {
        None | Some("" | "0" | "false") => false,
        Some("1" | "true") => true,
        Some(_) => {
            return Err(ValidationErrors::single(
                "all",
                "The all field must be true, false, 0 or 1.",
            ));
        }
    };

    let keys = api_keys::list_keys(state.store.as_ref(), &actor, user_id, all).await?;

    Ok(Json(keys.into_iter().map(ApiKeyView::from).collect()))
}

/// Creates a key for the caller (admins: for any user). The key is shown once.
#[utoipa::path(post, path = "/api/v1/api-keys/new", tag = "api-keys", security(("api_key" = [])),
    request_body = Option<NewApiKeyBody>,
    responses(
        (status = 201, body = CreatedApiKey),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn create_api_key(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonObject(body): JsonObject,
) -> Result<(StatusCode, Json<CreatedApiKey>), Error> {
    let created = api_keys::create_key(state.store.as_ref(), &actor, &body).await?;

    tracing::info!(
        api_key.id = created.record.id,
        owner.id = created.record.user_id,
        "API key created"
    );
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Revokes a key of the caller (admins: any key). It gets 401 from then on.
#[utoipa::path(post, path = "/api/v1/api-keys/{id}/revoke", tag = "api-keys", security(("api_key" = [])),
    params(("id" = i64, Path, description = "API key id")),
    responses(
        (status = 200, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 409, body = MessageBody),
    ))]
async fn revoke_api_key(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<MessageBody>, Error> {
    let id = parse_id(&id)?;

    api_keys::revoke_key(state.store.as_ref(), &actor, id).await?;

    tracing::info!(api_key.id = id, "API key revoked");
    Ok(Json(MessageBody::new("API key revoked")))
}
