//! Liveness and readiness checks for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::openapi::MessageBody;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "healthz",
    responses((status = 200, description = "The process is up", body = MessageBody)))]
async fn healthz() -> Json<MessageBody> {
    Json(MessageBody::new("OK"))
}

/// The database responds.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "readyz",
    responses(
        (status = 200, description = "The database responds", body = MessageBody),
        (status = 503, description = "The database can't be reached", body = MessageBody),
    ))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<MessageBody>) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(MessageBody::new("OK"))),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(MessageBody::new("Database unavailable.")),
            )
        }
    }
}
