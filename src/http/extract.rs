//! Extractors: the JSON body as clients really send it, the authenticated caller, the client's
//! address, and numeric ids in paths.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::AppState;
use crate::domain::auth;
use crate::domain::input::into_object;
use crate::domain::permissions::Actor;
use crate::error::Error;

/// A request body that must be a JSON object. The `Content-Type` may be `application/json`
/// (with any parameters), any `+json` type, or missing; an empty body reads as `{}`.
#[derive(Debug, Clone)]
pub struct JsonObject(pub Map<String, Value>);

fn is_json_content_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Deepest nesting of arrays and objects a body may have.
pub const MAX_JSON_DEPTH: usize = 128;

/// Returns the deepest nesting of arrays and objects in `bytes`, skipping string contents. The
/// result is only meaningful for valid JSON, which the parser checks afterwards.
fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0_usize, 0_usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses a body; errors name the line and column, as `serde_json` counts them. An empty body and
/// `null` read as `{}`.
pub fn parse_json_object(bytes: &[u8]) -> Result<Map<String, Value>, Error> {
    if bytes.is_empty() {
        return Ok(Map::new());
    }
    if json_depth(bytes) > MAX_JSON_DEPTH {
        return Err(Error::BadRequest(format!(
            "The request body is nested deeper than {MAX_JSON_DEPTH} levels."
        )));
    }
    // The depth was checked above, so the parser's own recursion limit (which stops one level
    // short of 128) can go, and the recursion stays bounded.
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    deserializer.disable_recursion_limit();
    let value = Value::deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|error| {
            let reason = error.to_string();
            let reason = reason.split(" at line ").next().unwrap_or("invalid JSON");
            Error::BadRequest(format!(
                "Malformed JSON at line {} column {}: {reason}.",
                error.line(),
                error.column()
            ))
        })?;
    into_object(value)
}

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
            let readable = content_type.to_str().ok().is_some_and(is_json_content_type);
            if !readable {
                return Err(Error::UnsupportedMediaType);
            }
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Error::PayloadTooLarge
                } else {
                    Error::BadRequest("The request body could not be read.".to_owned())
                }
            })?;
        parse_json_object(&bytes).map(JsonObject)
    }
}

/// The authenticated caller. Rejects with 401 when the request carries no valid key.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // A value that isn't visible ASCII can't be a key, and gets the same 401.
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        let actor = auth::authenticate(state.store.as_ref(), header).await?;
        tracing::Span::current().record("user.id", actor.id);
        Ok(Caller(actor))
    }
}

/// The client's address, as the socket saw it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientAddress(address))
    }
}

/// Path parameters, as [`axum::extract::Path`] reads them, except that a segment it can't
/// decode (invalid UTF-8 in its percent-encoding) names nothing and gets 404 rather than 400.
#[derive(Debug, Clone)]
pub struct PathParams<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParams<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(params)) => Ok(PathParams(params)),
            Err(_) => Err(Error::NotFound),
        }
    }
}

/// Reads a numeric id from a path segment: an integer from 1 to 2^63 − 1, anything else 404.
pub fn parse_id(segment: &str) -> Result<i64, Error> {
    if segment.is_empty() || !segment.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(Error::NotFound);
    }
    match segment.parse::<i64>() {
        Ok(id) if id >= 1 => Ok(id),
        _ => Err(Error::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn content_types() {
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("application/json; charset=utf-8"));
        assert!(is_json_content_type("Application/JSON"));
        assert!(is_json_content_type("application/vnd.api+json"));
        assert!(!is_json_content_type("text/plain"));
        assert!(!is_json_content_type("application/x-www-form-urlencoded"));
    }

    #[test]
    fn empty_body_is_empty_object() {
        assert!(parse_json_object(b"").unwrap().is_empty());
        assert!(parse_json_object(b"null").unwrap().is_empty());
        assert!(matches!(
            parse_json_object(b"  \n"),
            Err(Error::BadRequest(_))
        ));
    }

    #[test]
    fn malformed_json_names_position() {
        let Err(Error::BadRequest(message)) = parse_json_object(b"{\n  \"a\": }") else {
            panic!("expected a 400");
        };
        assert!(message.contains("line 2 column"), "{message}");
    }

    #[test]
    fn nesting_up_to_the_limit_is_read() {
        let nested = |levels: usize| {
            format!(
                "{{\"a\":{}1{}}}",
                "[".repeat(levels - 1),
                "]".repeat(levels - 1)
            )
        };
        assert!(parse_json_object(nested(MAX_JSON_DEPTH).as_bytes()).is_ok());
        assert!(matches!(
            parse_json_object(nested(MAX_JSON_DEPTH + 1).as_bytes()),
            Err(Error::BadRequest(_))
        ));
        // Brackets inside strings don't count.
        let quoted = format!("{{\"a\":\"{}\\\"[\"}}", "[".repeat(500));
        assert!(parse_json_object(quoted.as_bytes()).is_ok());
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(
            parse_json_object(deep.as_bytes()),
            Err(Error::BadRequest(_))
        ));
    }

    #[test]
    fn ids_in_paths() {
        assert_eq!(parse_id("1").unwrap(), 1);
        assert_eq!(parse_id("9223372036854775807").unwrap(), i64::MAX);
        for bad in ["0", "-1", "abc", "", "+1", "1.0", "99999999999999999999"] {
            assert!(matches!(parse_id(bad), Err(Error::NotFound)), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_segment_is_an_id_or_404(segment in "\\PC{0,30}") {
            match parse_id(&segment) {
                Ok(id) => prop_assert!(id >= 1),
                Err(error) => prop_assert!(matches!(error, Error::NotFound)),
            }
        }
    }
}
