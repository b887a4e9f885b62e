//! The HTTP layer: routes, extractors, one module per resource, and the middleware that every
//! request passes (request id, trace span, panic guard, timeout, compression, body limit).

pub mod api_keys;
pub mod contracts;
pub mod error;
pub mod extract;
pub mod health;
pub mod inquiries;
pub mod metrics;
pub mod openapi;
pub mod schema;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;
use utoipa_axum::router::OpenApiRouter;

use crate::domain::auth::AttemptLimiter;
use crate::store::Store;

/// Header that carries the request id both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Maximum length of a request id taken from a client.
const MAX_REQUEST_ID_CHARS: usize = 128;

/// Limits applied to every request.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Time after which a request gets a 503 response.
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub limiter: Arc<AttemptLimiter>,
    pub metrics: Arc<metrics::Metrics>,
    /// Base of absolute URLs in responses; the request's `Host` is used when unset.
    pub public_url: Option<String>,
}

/// Builds every route with its OpenAPI entry. `split_for_parts` separates the router from the
/// document.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base_document())
        .merge(health::router())
        .merge(metrics::router())
        .merge(users::router())
        .merge(api_keys::router())
        .merge(inquiries::router())
        .merge(contracts::router())
}

/// Builds the whole application: routes, the OpenAPI document and docs page, and the middleware.
pub fn app(state: AppState, limits: &HttpLimits) -> Router {
    let (routes, document) = api_routes().split_for_parts();
    let document = openapi::finish(document);
    let timeout = limits.request_timeout;

    routes
        .route_layer(middleware::from_fn_with_state(state.clone(), record_route))
        .merge(openapi::docs_router(document))
        .fallback(error::not_found)
        .with_state(state)
        // Innermost first: the body limit sits next to the handlers, the request id outermost.
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            time_limit(request, next, timeout)
        }))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(middleware::map_response(error::json_error_bodies))
        // Outside the error-body rewrite, so a rewritten body is compressed like any other.
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(middleware::from_fn(request_id))
}

fn is_valid_request_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_REQUEST_ID_CHARS
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// Keeps the caller's `X-Request-Id` when it is well formed, otherwise makes one, and returns
/// it on the response.
async fn request_id(mut request: Request, next: Next) -> Response {
    let header = HeaderName::from_static(REQUEST_ID_HEADER);
    let id = request
        .headers()
        .get(&header)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_valid_request_id(value))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    request.headers_mut().insert(header.clone(), value.clone());

    let mut response = next.run(request).await;
    response.headers_mut().insert(header, value);
    response
}

/// Opens one span per request with the request id. The route pattern and, once the key is
/// checked, the user id are recorded into it later.
fn request_span(request: &Request) -> Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        http.method = %request.method(),
        http.route = tracing::field::Empty,
        request.id = request_id,
        user.id = tracing::field::Empty,
    )
}

/// Records the matched route pattern (`/api/v1/user/{id}/edit`) in the request span, and the
/// request's status and duration in the metrics.
async fn record_route(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|route| route.as_str().to_owned())
        .unwrap_or_default();
    Span::current().record("http.route", route.as_str());
    let method = request.method().clone();
    let started = std::time::Instant::now();

    let response = next.run(request).await;

    state.metrics.record(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Returns 503 when the handler has not finished within `limit`.
async fn time_limit(request: Request, next: Next, limit: Duration) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_ms = limit.as_millis() as u64, "request timed out");
            let body = serde_json::json!({"message": "Request timed out."});
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(body),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        assert!(is_valid_request_id("abc-123_x.y"));
        assert!(!is_valid_request_id(""));
        assert!(!is_valid_request_id("has space"));
        assert!(!is_valid_request_id(&"a".repeat(129)));
    }
}
