//! API keys and passwords: key generation and lookup, Argon2id hashing off the async workers,
//! and the attempt limit of the token endpoint.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::permissions::Actor;
use super::time::{Timestamp, now};
use crate::error::Error;
use crate::store::{NewApiKeyRow, Store};

/// Start of every key, so that secret scanners can recognise a leaked one.
pub const KEY_PREFIX: &str = "pcl_";
/// Characters of a key shown in listings: the prefix and the first eight random characters.
const SHOWN_PREFIX_CHARS: usize = KEY_PREFIX.len() + 8;
/// Longest `Authorization` value looked up; longer ones can't be keys and get 401 at once.
const MAX_KEY_CHARS: usize = 128;
/// Maximum age of `last_used_at` before a request writes it again. Writing it on every
/// request would turn each read into a write.
const LAST_USED_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// A key as shown once to its owner, and the row that stores its hash.
pub struct IssuedKey {
    pub key: String,
    pub row: NewApiKeyRow,
}

/// Generates a key of 256 random bits for `user_id`.
pub fn issue_key(user_id: i64, name: &str, expires_at: Option<Timestamp>) -> IssuedKey {
    let mut secret = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let key = format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let row = NewApiKeyRow {
        user_id,
        name: name.to_owned(),
        prefix: key[..SHOWN_PREFIX_CHARS].to_owned(),
        hash: hash_key(&key),
        created_at: now(),
        expires_at,
    };
    IssuedKey { key, row }
}

/// Hex SHA-256 of a key: the only form in which keys are stored.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Reads the key from an `Authorization` value: the bare key or `Bearer <key>`.
pub fn key_from_header(value: &str) -> Option<&str> {
    let value = value.trim();
    let key = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return None,
        None => value,
    };
    (!key.is_empty() && key.len() <= MAX_KEY_CHARS).then_some(key)
}

/// Finds the caller of a request from its `Authorization` value. Unknown, revoked and expired
/// keys and keys of soft-deleted users all get 401.
pub async fn authenticate(store: &dyn Store, header: Option<&str>) -> Result<Actor, Error> {
    let key = header
        .and_then(key_from_header)
        .ok_or(Error::Unauthenticated)?;
    let hash = hash_key(key);
    let (record, user) = store
        .api_key_with_user(&hash)
        .await?
        .ok_or(Error::Unauthenticated)?;

    // The lookup went by hash; this comparison keeps the check itself constant-time.
    let matches: bool = record.hash.as_bytes().ct_eq(hash.as_bytes()).into();
    let moment = now();
    let expired = record.expires_at.is_some_and(|expires| expires <= moment);
    if !matches || record.revoked_at.is_some() || expired || user.deleted_at.is_some() {
        return Err(Error::Unauthenticated);
    }

    let stale = record
        .last_used_at
        .is_none_or(|used| moment - used >= LAST_USED_RESOLUTION);
    if stale {
        store.touch_api_key(record.id, moment).await?;
    }

    Ok(Actor {
        id: user.id,
        email: user.email,
        user_type: user.user_type,
        company_id: user.company_id,
        is_verified: user.is_verified,
        key_id: record.id,
    })
}

fn argon2() -> Argon2<'static> {
    // Argon2id with 19 MiB of memory, 2 iterations and 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).expect("static Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Limits how many Argon2 computations run at once. Each takes 19 MiB and a core for tens of
/// milliseconds, so a burst of sign-ins or user creations queues here instead of exhausting
/// memory and starving the other requests of CPU.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        tokio::sync::Semaphore::new(cores)
    })
}

/// Hashes a password with Argon2id on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, Error> {
    let _slot = hashing_slots().acquire().await.map_err(|error| {
        Error::Internal(anyhow::anyhow!("password hashing slots closed: {error}"))
    })?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("password hashing failed: {error}"))
    })
    .await
    .map_err(|error| anyhow::anyhow!("password hashing task failed: {error}"))?
    .map_err(Error::Internal)
}

/// Returns a hash to check when the e-mail is unknown, so that both failures take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()
            .hash_password(b"no user has this password", &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

/// Checks a password against a stored hash (or the dummy hash) on a blocking thread.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, Error> {
    let _slot = hashing_slots().acquire().await.map_err(|error| {
        Error::Internal(anyhow::anyhow!("password hashing slots closed: {error}"))
    })?;
    tokio::task::spawn_blocking(move || {
        let has_hash = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && has_hash
    })
    .await
    .map_err(|error| Error::Internal(anyhow::anyhow!("password check task failed: {error}")))
}

/// Failed sign-in attempts per e-mail and per client address within a sliding window.
#[derive(Debug)]
pub struct AttemptLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

/// Failed sign-ins allowed per e-mail and per client address within [`ATTEMPT_WINDOW`].
pub const MAX_FAILED_ATTEMPTS: usize = 5;
/// The sliding window over which failed sign-ins are counted.
pub const ATTEMPT_WINDOW: Duration = Duration::from_secs(15 * 60);

impl Default for AttemptLimiter {
    fn default() -> Self {
        Self::new(MAX_FAILED_ATTEMPTS, ATTEMPT_WINDOW)
    }
}

impl AttemptLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(email_key: &str, address: IpAddr) -> [String; 2] {
        [format!("email:{email_key}"), format!("address:{address}")]
    }

    /// Reserves one attempt for the e-mail and the address, or returns 429 when either has used
    /// up its failures. The reservation counts as a failure until [`Self::release`] takes it
    /// back after a success, so that concurrent guesses can't all pass the check before any of
    /// them is counted.
    pub fn reserve(&self, email_key: &str, address: IpAddr) -> Result<Instant, Error> {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let cutoff = now.checked_sub(self.window);
        // Drop entries that have aged out, so the map can't grow without bound.
        failures.retain(|_, times| {
            times.retain(|time| cutoff.is_none_or(|cutoff| *time > cutoff));
            !times.is_empty()
        });
        let keys = Self::keys(email_key, address);
        let exhausted = keys.iter().any(|key| {
            failures
                .get(key)
                .is_some_and(|times| times.len() >= self.max_failures)
        });
        if exhausted {
            return Err(Error::TooManyAttempts);
        }
        for key in keys {
            failures.entry(key).or_default().push(now);
        }
        Ok(now)
    }

    /// Takes back the reservation made at `reserved` after the attempt succeeded.
    pub fn release(&self, email_key: &str, address: IpAddr, reserved: Instant) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for key in Self::keys(email_key, address) {
            if let Some(times) = failures.get_mut(&key)
                && let Some(position) = times.iter().position(|time| *time == reserved)
            {
                times.remove(position);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms_are_read() {
        assert_eq!(key_from_header("pcl_abc"), Some("pcl_abc"));
        assert_eq!(key_from_header("Bearer pcl_abc"), Some("pcl_abc"));
        assert_eq!(key_from_header("bearer  pcl_abc "), Some("pcl_abc"));
        assert_eq!(key_from_header("Basic abc"), None);
        assert_eq!(key_from_header(""), None);
        assert_eq!(key_from_header(&"x".repeat(10_000)), None);
    }

    #[test]
    fn issued_keys_are_prefixed_and_hashed() {
        let issued = issue_key(1, "test", None);
        assert!(issued.key.starts_with(KEY_PREFIX));
        assert!(issued.key.len() >= KEY_PREFIX.len() + 43);
        assert_eq!(issued.row.hash, hash_key(&issued.key));
        assert!(issued.key.starts_with(&issued.row.prefix));
    }

    #[test]
    fn limiter_blocks_after_five_failures() {
        let limiter = AttemptLimiter::default();
        let address: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..5 {
            assert!(limiter.reserve("a@example.com", address).is_ok());
        }
        assert!(matches!(
            limiter.reserve("a@example.com", address),
            Err(Error::TooManyAttempts)
        ));
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(matches!(
            limiter.reserve("a@example.com", other),
            Err(Error::TooManyAttempts)
        ));
        assert!(limiter.reserve("b@example.com", other).is_ok());
    }

    #[test]
    fn released_attempts_do_not_count() {
        let limiter = AttemptLimiter::default();
        let address: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..10 {
            let reserved = limiter.reserve("a@example.com", address).unwrap();
            limiter.release("a@example.com", address, reserved);
        }
        assert!(limiter.reserve("a@example.com", address).is_ok());
    }
}
