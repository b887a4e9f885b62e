//! Error responses: one JSON envelope for every failure, whether it comes from a
//! handler ([`Error`]) or from the framework itself (unknown route, wrong method, panic).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::Error;

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthenticated | Error::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            Error::Validation(errors) => {
                json!({"message": errors.summary(), "errors": errors.to_json()})
            }
            Error::Internal(cause) => {
                // The request span carries the request id, so this line ties the cause to it.
                tracing::error!(error = format!("{cause:#}"), "request failed");
                json!({"message": self.to_string()})
            }
            other => json!({"message": other.to_string()}),
        };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            // The attempt window's length: an upper bound on the wait, never too short.
            let seconds = crate::domain::auth::ATTEMPT_WINDOW.as_secs().to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// Returns the `message` for a framework-made error response of `status`.
fn message_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "Bad request.",
        StatusCode::UNAUTHORIZED => "Unauthenticated.",
        StatusCode::FORBIDDEN => "This action is unauthorized.",
        StatusCode::NOT_FOUND => "Not found.",
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed.",
        StatusCode::PAYLOAD_TOO_LARGE => "Request body too large.",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Content-Type must be application/json.",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts.",
        StatusCode::SERVICE_UNAVAILABLE => "Service unavailable.",
        status if status.is_server_error() => "Server error.",
        _ => "Request failed.",
    }
}

/// Gives a JSON body to error responses that the framework made without one (405 with its
/// `Allow` header, 413 from the body limit, 400 from a path it can't decode), keeping their
/// headers.
pub async fn json_error_bodies(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let body = json!({"message": message_for(status)}).to_string();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    Response::from_parts(parts, Body::from(body))
}

/// Returns the 404 error for a route that does not exist.
pub async fn not_found() -> Error {
    Error::NotFound
}

/// Turns a panic in a handler into a 500 with the usual body; the panic goes to the log.
pub fn panic_response(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({"message": "Server error."})),
    )
        .into_response()
}
