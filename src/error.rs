//! The one error type of the server. Every failure becomes an [`Error`]; `http::error` turns it
//! into a status code and a JSON body.

use serde_json::{Map, Value};

use crate::store::StoreError;

/// Field problems of one request, in the order they were found, keyed by field path
/// (`hires.0.job_start`). Serialises as the `errors` object of a 422 body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    fields: Vec<(String, Vec<String>)>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` for `field`, after any problem already recorded for it.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        let message = message.into();
        match self.fields.iter_mut().find(|(name, _)| *name == field) {
            Some((_, messages)) => messages.push(message),
            None => self.fields.push((field, vec![message])),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|(name, _)| name == field)
    }

    /// Returns `Ok(())` when nothing was recorded, and a 422 error listing every problem otherwise.
    pub fn into_result(self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self))
        }
    }

    /// Builds a 422 error with one problem.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Error {
        let mut errors = Self::new();
        errors.add(field, message);
        Error::Validation(errors)
    }

    /// Builds the top-level `message` of a 422 body: the first problem, and how many others follow.
    pub fn summary(&self) -> String {
        let mut messages = self.fields.iter().flat_map(|(_, messages)| messages);
        let Some(first) = messages.next() else {
            return "The given data was invalid.".to_owned();
        };
        match messages.count() {
            0 => first.clone(),
            1 => format!("{first} (and 1 more error)"),
            more => format!("{first} (and {more} more errors)"),
        }
    }

    /// Builds the `errors` object of a 422 body.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for (field, messages) in &self.fields {
            map.insert(field.clone(), Value::from(messages.clone()));
        }
        Value::Object(map)
    }
}

/// Every way a request can fail. Each variant's doc names the status of its response.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the body is not JSON, not a JSON object, or nested too deeply.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid API key.
    #[error("Unauthenticated.")]
    Unauthenticated,
    /// 401 from the token endpoint: wrong e-mail or password, with one message for both.
    #[error("These credentials do not match our records.")]
    InvalidCredentials,
    /// 403: the caller's role may not do this, or may not set a value it sent.
    #[error("This action is unauthorized.")]
    Forbidden,
    /// 404: the resource does not exist or belongs to another company.
    #[error("Not found.")]
    NotFound,
    /// 409: the resource's state forbids the action; the message names the state.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is larger than the configured limit.
    #[error("Request body too large.")]
    PayloadTooLarge,
    /// 415: the body is declared as something other than JSON.
    #[error("Content-Type must be application/json.")]
    UnsupportedMediaType,
    /// 422: the body or query contains invalid values.
    #[error("{}", .0.summary())]
    Validation(ValidationErrors),
    /// 429: too many failed attempts at the token endpoint.
    #[error("Too many attempts.")]
    TooManyAttempts,
    /// 503: the database can't be reached or the request ran out of time.
    #[error("Service unavailable.")]
    Unavailable,
    /// 500: anything unexpected. The cause goes to the log, never to the client.
    #[error("Server error.")]
    Internal(#[source] anyhow::Error),
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Error::Unavailable
            }
            other => Error::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(error: anyhow::Error) -> Self {
        Error::Internal(error)
    }
}
