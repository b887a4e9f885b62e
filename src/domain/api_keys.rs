//! Key management over the API: the token endpoint (a key for an e-mail and a password) and the
//! caller's own keys. Admins may manage any user's keys.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::auth::{self, AttemptLimiter, IssuedKey};
use super::input::{self, Field, MAX_NAME_CHARS};
use super::permissions::{self, Actor, Capability};
use super::time::{Timestamp, now};
use super::user::email_key;
use crate::error::{Error, ValidationErrors};
use crate::store::{ApiKeyRecord, Store};

/// Lifetime of a key issued by the token endpoint.
pub const TOKEN_LIFETIME_DAYS: i64 = 90;
/// Maximum lifetime, in days, a caller may request for a key.
pub const MAX_EXPIRES_IN_DAYS: i64 = 3650;
/// Name given to keys created without one.
const DEFAULT_KEY_NAME: &str = "API key";

/// A key shown once at creation.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key: String,
    pub record: ApiKeyRecord,
}

fn days_from_now(days: i64) -> Timestamp {
    now() + chrono::TimeDelta::days(days)
}

async fn store_key(store: &dyn Store, issued: IssuedKey) -> Result<CreatedKey, Error> {
    let record = store.create_api_key(&issued.row).await?;
    Ok(CreatedKey {
        key: issued.key,
        record,
    })
}

/// Exchanges an e-mail and a password for a new key valid [`TOKEN_LIFETIME_DAYS`] days.
pub async fn issue_token(
    store: &dyn Store,
    limiter: &AttemptLimiter,
    address: IpAddr,
    body: &Map<String, Value>,
) -> Result<CreatedKey, Error> {
    let mut errors = ValidationErrors::new();
    let email = input::required_text(body, "email", input::MAX_EMAIL_CHARS, &mut errors);
    let password = match Field::of(body, "password").given() {
        Some(Value::String(password)) => Some(password.clone()),
        Some(_) => {
            errors.add("password", "The password field must be a string.");
            None
        }
        None => {
            errors.add("password", "The password field is required.");
            None
        }
    };
    let name = input::optional_text(body, "name", MAX_NAME_CHARS, &mut errors);
    errors.into_result()?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(Error::Internal(anyhow::anyhow!(
            "token body invalid without a recorded problem"
        )));
    };

    let key = email_key(&email);
    let reserved = limiter.reserve(&key, address)?;
    let user = store
        .user_by_email_key(&key)
        .await?
        .filter(|user| user.deleted_at.is_none());
    let hash = user.as_ref().and_then(|user| user.password_hash.clone());
    // An unknown e-mail is checked against a dummy hash, so both failures take the same time.
    let verified = auth::verify_password(password, hash).await?;
    let Some(user) = user.filter(|_| verified) else {
        // The reservation stays, and counts as this failure.
        tracing::info!(client.address = %address, "sign-in failed");
        return Err(Error::InvalidCredentials);
    };
    limiter.release(&key, address, reserved);

    let name = name.unwrap_or_else(|| DEFAULT_KEY_NAME.to_owned());
    let issued = auth::issue_key(user.id, &name, Some(days_from_now(TOKEN_LIFETIME_DAYS)));
    store_key(store, issued).await
}

/// Returns the user whose keys a request manages: the caller, or for admins the `user_id` given.
async fn key_owner(store: &dyn Store, actor: &Actor, user_id: Option<i64>) -> Result<i64, Error> {
    match user_id {
        None => Ok(actor.id),
        Some(id) if id == actor.id => Ok(id),
        Some(id) => {
            permissions::require(actor, Capability::ManageAnyApiKeys)?;
            match store.user_by_id(id).await? {
                Some(user) if user.deleted_at.is_none() => Ok(user.id),
                _ => Err(ValidationErrors::single(
                    "user_id",
                    "The selected user id is invalid.",
                )),
            }
        }
    }
}

/// Creates a key from a `{"name", "expires_in_days"?, "user_id"?}` body.
pub async fn create_key(
    store: &dyn Store,
    actor: &Actor,
    body: &Map<String, Value>,
) -> Result<CreatedKey, Error> {
    let mut errors = ValidationErrors::new();
    let name = input::optional_text(body, "name", MAX_NAME_CHARS, &mut errors);
    let user_id = input::optional_id(body, "user_id", &mut errors);
    let expires_in_days = match Field::of(body, "expires_in_days").given() {
        None => None,
        Some(value) => match input::integer(value) {
            Some(days) if (1..=MAX_EXPIRES_IN_DAYS).contains(&days) => Some(days),
            _ => {
                errors.add(
                    "expires_in_days",
                    format!("The expires in days field must be a whole number from 1 to {MAX_EXPIRES_IN_DAYS}."),
                );
                None
            }
        },
    };
    if user_id.is_some_and(|id| id != actor.id) {
        permissions::require(actor, Capability::ManageAnyApiKeys)?;
    }
    errors.into_result()?;

    let owner = key_owner(store, actor, user_id).await?;
    let name = name.unwrap_or_else(|| DEFAULT_KEY_NAME.to_owned());
    let issued = auth::issue_key(owner, &name, expires_in_days.map(days_from_now));
    store_key(store, issued).await
}

/// Lists the caller's keys; admins may name another user, or list everyone's with `all`.
pub async fn list_keys(
    store: &dyn Store,
    actor: &Actor,
    user_id: Option<i64>,
    all: bool,
) -> Result<Vec<ApiKeyRecord>, Error> {
    if all {
        permissions::require(actor, Capability::ManageAnyApiKeys)?;
        return Ok(store.list_api_keys(None).await?);
    }
    let owner = key_owner(store, actor, user_id).await?;
    Ok(store.list_api_keys(Some(owner)).await?)
}

/// Revokes key `id`. Keys of other users get 404 unless the caller is an admin.
pub async fn revoke_key(store: &dyn Store, actor: &Actor, id: i64) -> Result<(), Error> {
    let key = store.api_key_by_id(id).await?.ok_or(Error::NotFound)?;
    if key.user_id != actor.id && permissions::require(actor, Capability::ManageAnyApiKeys).is_err()
    {
        return Err(Error::NotFound);
    }
    if store.revoke_api_key(id, now()).await? {
        Ok(())
    } else {
        Err(Error::Conflict("API key is already revoked.".to_owned()))
    }
}
