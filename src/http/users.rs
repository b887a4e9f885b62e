//! User routes: the caller's profile, create, edit and soft-delete.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::extract::{Caller, JsonObject, PathParams, parse_id};
use super::openapi::{MessageBody, ValidationErrorBody};
use crate::domain::time::format_timestamp;
use crate::domain::user::{self, UserType};
use crate::error::Error;
use crate::store::UserRecord;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_current_user))
        .routes(routes!(get_current_user_public))
        .routes(routes!(create_user))
        .routes(routes!(edit_user))
        .routes(routes!(soft_delete_user))
}

/// The caller's profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserProfile {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// The company's name, or `null`.
    pub company: Option<String>,
    pub company_id: Option<i64>,
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub user_type: UserType,
    pub phone: Option<String>,
    pub is_verified: bool,
    #[schema(example = "2025-11-18T15:49:35.000000Z")]
    pub created_at: String,
}

impl From<UserRecord> for UserProfile {
    fn from(user: UserRecord) -> Self {
        Self {
            id: user.id,
            name: user.name,
            email: user.email,
            company: user.company_name,
            company_id: user.company_id,
            user_type: user.user_type,
            phone: user.phone,
            is_verified: user.is_verified,
            created_at: format_timestamp(user.created_at),
        }
    }
}

/// Body of `POST /api/v1/user/new`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "client", "name": "Alice Developer", "email": "alice@example.com",
    "company_name": "Example Oy", "company_id": 0, "password": "securepassword",
    "confirm_password": "securepassword", "phone": "+358401234567"
}))]
pub struct NewUserBody {
    #[schema(max_length = 255)]
    pub name: String,
    #[schema(max_length = 254, format = "email")]
    pub email: String,
    #[schema(min_length = 8, max_length = 1024)]
    pub password: String,
    #[schema(min_length = 8, max_length = 1024)]
    pub confirm_password: String,
    /// Defaults to `client`. Only admins may create other types.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub user_type: Option<UserType>,
    pub phone: Option<String>,
    /// An existing company; `0` means not given. Wins over `company_name`.
    pub company_id: Option<i64>,
    /// Matched case-insensitively to an existing company, or created.
    #[schema(max_length = 255)]
    pub company_name: Option<String>,
    /// Admins only.
    pub is_verified: Option<bool>,
}

/// A company named in an edit: by `name` (resolved or created) or by `id` (must exist).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyRefBody {
    pub id: Option<i64>,
    #[schema(max_length = 255)]
    pub name: Option<String>,
}

/// Body of `POST /api/v1/user/{id}/edit`. Omitted fields stay unchanged.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "name": "Chaw Chaw", "email": "updated@example.com", "phone": "+358401234567",
    "company": {"name": "Updated Oy"}, "type": "client",
    "password": "NewPass1234", "confirm_password": "NewPass1234"
}))]
pub struct UserEditBody {
    #[schema(max_length = 255)]
    pub name: Option<String>,
    #[schema(max_length = 254, format = "email")]
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Admins only, unless it is the user's current type.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub user_type: Option<UserType>,
    #[schema(min_length = 8, max_length = 1024)]
    pub password: Option<String>,
    pub confirm_password: Option<String>,
    /// `null` removes the company (admins only).
    pub company: Option<CompanyRefBody>,
    /// Admins only.
    pub is_verified: Option<bool>,
}

/// Response of a user create.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedUser {
    #[schema(example = "New user added")]
    pub message: String,
    pub id: i64,
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/user", tag = "users", security(("api_key" = [])),
    responses(
        (status = 200, body = UserProfile),
        (status = 401, body = MessageBody),
    ))]
async fn get_current_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<UserProfile>, Error> {
    let user = user::current_user(state.store.as_ref(), &actor).await?;
    Ok(Json(user.into()))
}

/// The caller's profile, under the public prefix.
#[utoipa::path(get, path = "/api/public/user", tag = "users", security(("api_key" = [])),
    responses(
        (status = 200, body = UserProfile),
        (status = 401, body = MessageBody),
    ))]
async fn get_current_user_public(
    state: State<AppState>,
    caller: Caller,
) -> Result<Json<UserProfile>, Error> {
    get_current_user(state, caller).await
}

/// Creates a user. Admins create any type in any company; clients create `client` users in
/// their own company.
#[utoipa::path(post, path = "/api/v1/user/new", tag = "users", security(("api_key" = [])),
    request_body = NewUserBody,
    responses(
        (status = 201, body = CreatedUser),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn create_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonObject(body): JsonObject,
) -> Result<(StatusCode, Json<CreatedUser>), Error> {
    let id = user::create_user(state.store.as_ref(), &actor, &body).await?;

    tracing::info!(user.id = id, "user created");
    let created = CreatedUser {
        message: "New user added".to_owned(),
        id,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Edits a user; omitted fields stay unchanged.
#[utoipa::path(post, path = "/api/v1/user/{id}/edit", tag = "users", security(("api_key" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = Option<UserEditBody>,
    responses(
        (status = 200, body = MessageBody),
        (status = 400, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn edit_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(id): PathParams<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<MessageBody>, Error> {
    let id = parse_id(&id)?;

    user::edit_user(state.store.as_ref(), &actor, id, &body).await?;

    tracing::info!(target.user.id = id, "user updated");
    Ok(Json(MessageBody::new("User updated successfully")))
}

/// Soft-deletes a user: the record stays and its keys stop working at once.
#[utoipa::path(post, path = "/api/v1/user/{id}/soft-delete", tag = "users", security(("api_key" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = MessageBody),
        (status = 401, body = MessageBody),
        (status = 403, body = MessageBody),
        (status = 404, body = MessageBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn soft_delete_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<MessageBody>, Error> {
    let id = parse_id(&id)?;

    user::soft_delete_user(state.store.as_ref(), &actor, id).await?;

    tracing::info!(target.user.id = id, "user soft-deleted");
    Ok(Json(MessageBody::new(
        "Successfully soft deleted this user",
    )))
}
