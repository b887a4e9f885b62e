//! The storage interface. [`Store`] is the domain layer's only view of the database: each backend
//! module (SQLite, PostgreSQL) implements it, and [`connect`] picks one by the URL scheme.
//! Business rules and permissions live above this trait, never in a backend.

pub mod contracts;
pub mod copy;
pub mod inquiries;
pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::time::Timestamp;
use crate::domain::user::UserType;

/// Failures of the storage layer. Unique violations are reported by name so that the domain can
/// turn the ones a request can cause into 422 responses at the call site.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint rejected the write. The text names the constraint or column.
    #[error("unique constraint violated: {0}")]
    Unique(String),
    /// A foreign key rejected the write.
    #[error("foreign key constraint violated: {0}")]
    ForeignKey(String),
    /// The database could not be reached in time.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A stored value that the code can't read back.
    #[error("stored value unreadable: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// True for a unique violation on the given column (`email_key`, `the_contract_id_key`).
    pub fn is_unique_on(&self, column: &str) -> bool {
        matches!(self, StoreError::Unique(name) if name.contains(column))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::Database(ref database) => {
                let name = database
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| database.message().to_owned());
                if database.is_unique_violation() {
                    StoreError::Unique(name)
                } else if database.is_foreign_key_violation() {
                    StoreError::ForeignKey(name)
                } else {
                    StoreError::Database(error)
                }
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                StoreError::Unavailable(error)
            }
            other => StoreError::Database(other),
        }
    }
}

/// A company, the tenant boundary of client data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: i64,
    pub name: String,
}

/// The company a write puts a user (or a contract side) in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyChoice {
    /// No company.
    None,
    /// An existing company, checked to exist before the write.
    Existing(i64),
    /// The company with this normalised name, created in the same transaction when none exists.
    ByName { name: String, key: String },
}

/// A stored user, soft-deleted or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub user_type: UserType,
    pub phone: Option<String>,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub is_verified: bool,
    pub password_hash: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// A user to insert.
#[derive(Debug, Clone)]
pub struct NewUserRow {
    pub name: String,
    pub email: String,
    /// The e-mail's uniqueness key: lower case, so uniqueness ignores letter case.
    pub email_key: String,
    pub password_hash: Option<String>,
    pub user_type: UserType,
    pub phone: Option<String>,
    pub company: CompanyChoice,
    pub is_verified: bool,
    pub created_at: Timestamp,
}

/// The columns an edit changes; `None` keeps the stored value. Only these columns are written,
/// so concurrent edits of different fields both survive.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    /// The new address and its uniqueness key.
    pub email: Option<(String, String)>,
    pub phone: Option<Option<String>>,
    pub user_type: Option<UserType>,
    pub password_hash: Option<String>,
    pub company: Option<CompanyChoice>,
    pub is_verified: Option<bool>,
    pub updated_at: Option<Timestamp>,
}

/// Outcome of a write to a user that may be refused by the state of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserWrite {
    Done,
    /// No active user has that id.
    NotFound,
    /// The write would leave no active admin.
    LastAdmin,
}

/// A stored API key. The key itself is never stored, only its SHA-256 hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub hash: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// An API key to insert.
#[derive(Debug, Clone)]
pub struct NewApiKeyRow {
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub hash: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

/// The storage interface shared by every backend.
#[async_trait]
pub trait Store:
    Send + Sync + 'static + contracts::ContractStore + inquiries::InquiryStore
{
    /// Checks that the database responds.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Open connections and how many of them are idle, for the metrics.
    fn pool_status(&self) -> (u32, usize);

    async fn company_by_id(&self, id: i64) -> Result<Option<Company>, StoreError>;

    /// Inserts a user, resolving or creating its company in the same transaction.
    async fn create_user(&self, user: &NewUserRow) -> Result<i64, StoreError>;

    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError>;

    /// Finds a user by the uniqueness key of its e-mail.
    async fn user_by_email_key(&self, email_key: &str) -> Result<Option<UserRecord>, StoreError>;

    /// Writes the given columns of an active user. Demoting the last active admin is refused.
    async fn update_user(&self, id: i64, changes: &UserChanges) -> Result<UserWrite, StoreError>;

    /// Sets `deleted_at` of an active user. Deleting the last active admin is refused.
    async fn soft_delete_user(&self, id: i64, at: Timestamp) -> Result<UserWrite, StoreError>;

    async fn create_api_key(&self, key: &NewApiKeyRow) -> Result<ApiKeyRecord, StoreError>;

    /// Finds a key by its hash, with its owner.
    async fn api_key_with_user(
        &self,
        hash: &str,
    ) -> Result<Option<(ApiKeyRecord, UserRecord)>, StoreError>;

    async fn touch_api_key(&self, id: i64, at: Timestamp) -> Result<(), StoreError>;

    /// Keys of one user, or of every user when `user_id` is `None`, newest first.
    async fn list_api_keys(&self, user_id: Option<i64>) -> Result<Vec<ApiKeyRecord>, StoreError>;

    async fn api_key_by_id(&self, id: i64) -> Result<Option<ApiKeyRecord>, StoreError>;

    /// Sets `revoked_at` of a key that is not revoked yet; false when it already was.
    async fn revoke_api_key(&self, id: i64, at: Timestamp) -> Result<bool, StoreError>;

    /// Creates the first admin and its key, once per database: true for the one caller that
    /// did, false when an admin was set up before (by this or another instance).
    async fn bootstrap_admin(
        &self,
        admin: &NewUserRow,
        key: &NewApiKeyRow,
    ) -> Result<bool, StoreError>;
}

/// Connection settings shared by every backend.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite's `synchronous` pragma: FULL unless configured otherwise.
    pub sqlite_synchronous: String,
    /// Maximum number of pooled connections.
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sqlite_synchronous: "full".to_owned(),
            max_connections: 16,
        }
    }
}

/// Opens the database named by `url`, applies pending migrations, and returns its store.
pub async fn connect(url: &str, options: &StoreOptions) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        let store = sqlite::SqliteStore::open(url, options).await?;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = postgres::PostgresStore::open(url, options).await?;
        Ok(Arc::new(store))
    } else {
        anyhow::bail!(
            "unsupported database URL {}: expected sqlite://PATH or postgres://...",
            redact_url(url)
        )
    }
}

/// Returns the URL with any password replaced by `***`, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}
