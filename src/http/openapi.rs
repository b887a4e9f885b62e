//! The OpenAPI 3.1 document: the shared parts (info, security scheme, error bodies) here, each
//! route's entry beside its handler. Served at `/api/openapi.json`, rendered at `/docs` from
//! assets built into the binary.

use std::collections::BTreeMap;

use axum::Router;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::AppState;

/// Path of the served document.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";

const DESCRIPTION: &str = "\
The People Cloud Public API 1.0.2: client organisations read their profile and post inquiries \
with the positions they need filled; the broker's staff manage users, API keys and contracts.

Every endpoint but the health checks, this document and `POST /api/v1/auth/token` needs an API \
key in the `Authorization` header, as the bare key or as `Bearer <key>`.

Choices this server makes where the published API is silent or contradicts itself:

- Creates answer `201` with the new id.
- Another company's users and inquiries answer `404`, exactly as if they did not exist.
- Checks run in the order 401, 403, 404, 422, 409; the first that fails answers.
- Keys come from the CLI, from `POST /api/v1/auth/token` (e-mail and password, 90 days) and from \
`POST /api/v1/api-keys/new`. At most 5 failed sign-ins per e-mail and per client address in 15 \
minutes, then `429`; the count is kept per server instance.
- Only admins change a user's `type`, company or `is_verified`; other callers get `403` for any \
such change.
- A `POST` with an empty body reads it as `{}`; bodies may be sent without `Content-Type`.
- Validation errors answer `422` as `{\"message\", \"errors\"}`, listing every problem at once.
";

/// Adds the API-key security scheme.
struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The API key, bare or as `Bearer <key>`.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "People Cloud Public API",
        version = "1.0.2",
        description = DESCRIPTION,
    ),
    modifiers(&SecurityAddon),
    components(schemas(MessageBody, ValidationErrorBody)),
    tags(
        (name = "users", description = "Users and the caller's profile"),
        (name = "api-keys", description = "API keys and the token endpoint"),
        (name = "inquiries", description = "Inquiries (orders) and the positions they need filled"),
        (name = "contracts", description = "Contracts between client and vendor companies (admins only)"),
        (name = "operations", description = "Health checks"),
    )
)]
struct BaseDocument;

/// Returns the document's shared parts, before the routes add their entries.
pub fn base_document() -> Document {
    BaseDocument::openapi()
}

/// Completes the document after the routes have added their entries: every response without a
/// description gets the standard reason phrase of its status, because OpenAPI requires one.
pub fn finish(mut document: Document) -> Document {
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, response) in operation.responses.responses.iter_mut() {
                if let RefOr::T(response) = response
                    && response.description.is_empty()
                {
                    let reason = status
                        .parse::<u16>()
                        .ok()
                        .and_then(|code| axum::http::StatusCode::from_u16(code).ok())
                        .and_then(|code| code.canonical_reason());
                    response.description = reason.unwrap_or("Response").to_owned();
                }
            }
        }
    }
    document
}

/// Builds the router that serves the document and the docs page. The page's validator badge is
/// off, so the page never sends the document's address to an outside server.
pub fn docs_router(document: Document) -> Router<AppState> {
    let config = Config::new([DOCUMENT_PATH]).validator_url("none");
    Router::from(
        SwaggerUi::new("/docs")
            .url(DOCUMENT_PATH, document)
            .config(config),
    )
}

/// A response that carries only a message: confirmations and most errors.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageBody {
    #[schema(example = "Not found.")]
    pub message: String,
}

impl MessageBody {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// A 422 response: the first problem, and every problem by field path.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ValidationErrorBody {
    #[schema(example = "The name field is required.")]
    pub message: String,
    pub errors: BTreeMap<String, Vec<String>>,
}
