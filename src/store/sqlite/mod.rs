//! The SQLite backend: one file in WAL mode, `synchronous=FULL` by default so that an
//! acknowledged write survives a crash, foreign keys on. All writes go through a pool of one
//! connection, so writers queue in the process instead of meeting "database is locked". Reads
//! use a separate pool and run in parallel with the writer.

mod contracts;
mod inquiries;
mod users;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool};

use super::{
    ApiKeyRecord, Company, CompanyChoice, NewApiKeyRow, NewUserRow, Store, StoreError,
    StoreOptions, UserChanges, UserRecord, UserWrite,
};
use crate::domain::time::{Timestamp, to_micros};

/// How long a connection waits for a lock held by another process (the CLI, say).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request waits for a pooled connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/sqlite/migrations");

/// The SQLite implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// One connection: every write transaction runs here, one at a time.
    writer: SqlitePool,
    /// Read-only connections.
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `url` and applies pending migrations.
    pub async fn open(url: &str, options: &StoreOptions) -> anyhow::Result<Self> {
        let synchronous =
            SqliteSynchronous::from_str(&options.sqlite_synchronous).map_err(|_| {
                anyhow::anyhow!(
                    "invalid SQLite synchronous mode {:?}",
                    options.sqlite_synchronous
                )
            })?;
        let connect = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL {url}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);

        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(connect.clone())
            .await
            .with_context(|| format!("failed to open SQLite database {url}"))?;
        migrate(&writer).await?;

        // The writer has switched the file to WAL; readers only open it, read-only.
        let read_only = SqliteConnectOptions::from_str(url)?
            .read_only(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let reader = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(read_only)
            .await
            .with_context(|| format!("failed to open SQLite database {url} for reading"))?;

        Ok(Self { writer, reader })
    }

    /// Returns the pool that writes, for whole-database work such as `copy`.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.writer
    }
}

/// Applies pending migrations. SQLite has no lock around sqlx's migrator, so two processes
/// starting on one new file can both try the same migration. The loser's transaction rolls back,
/// and its retry finds the migration applied.
async fn migrate(writer: &SqlitePool) -> anyhow::Result<()> {
    const ATTEMPTS: u32 = 5;
    let mut attempt = 1;
    loop {
        match MIGRATOR.run(writer).await {
            Ok(()) => return Ok(()),
            Err(error) if attempt < ATTEMPTS => {
                tracing::warn!(error = %error, attempt, "SQLite migration failed; retrying");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                attempt += 1;
            }
            Err(error) => return Err(error).context("failed to apply SQLite migrations"),
        }
    }
}

/// Starts a write transaction that takes SQLite's write lock at once. A deferred transaction
/// that reads first and writes later fails with "database is locked" (without waiting) when
/// another process, such as the CLI, wrote in between. An immediate one waits its turn instead.
pub(crate) async fn begin_write(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// Returns the id of the chosen company, creating a company named by `choice` when none matches.
/// Concurrent calls naming one new company create it once: the insert yields on conflict.
pub(crate) async fn resolve_company(
    connection: &mut SqliteConnection,
    choice: &CompanyChoice,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    match choice {
        CompanyChoice::None => Ok(None),
        CompanyChoice::Existing(id) => Ok(Some(*id)),
        CompanyChoice::ByName { name, key } => {
            sqlx::query(
                "INSERT INTO companies (name, name_key, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name_key) DO NOTHING",
            )
            .bind(name)
            .bind(key)
            .bind(to_micros(now))
            .execute(&mut *connection)
            .await?;
            let id: i64 = sqlx::query_scalar("SELECT id FROM companies WHERE name_key = $1")
                .bind(key)
                .fetch_one(&mut *connection)
                .await?;
            Ok(Some(id))
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    fn pool_status(&self) -> (u32, usize) {
        (
            self.writer.size() + self.reader.size(),
            self.writer.num_idle() + self.reader.num_idle(),
        )
    }

    async fn company_by_id(&self, id: i64) -> Result<Option<Company>, StoreError> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM companies WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.map(|(id, name)| Company { id, name }))
    }

    async fn create_user(&self, user: &NewUserRow) -> Result<i64, StoreError> {
        users::create_user(&self.writer, user).await
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        users::user_by_id(&self.reader, id).await
    }

    async fn user_by_email_key(&self, email_key: &str) -> Result<Option<UserRecord>, StoreError> {
        users::user_by_email_key(&self.reader, email_key).await
    }

    async fn update_user(&self, id: i64, changes: &UserChanges) -> Result<UserWrite, StoreError> {
        users::update_user(&self.writer, id, changes).await
    }

    async fn soft_delete_user(&self, id: i64, at: Timestamp) -> Result<UserWrite, StoreError> {
        users::soft_delete_user(&self.writer, id, at).await
    }

    async fn create_api_key(&self, key: &NewApiKeyRow) -> Result<ApiKeyRecord, StoreError> {
        users::create_api_key(&self.writer, key).await
    }

    async fn api_key_with_user(
        &self,
        hash: &str,
    ) -> Result<Option<(ApiKeyRecord, UserRecord)>, StoreError> {
        users::api_key_with_user(&self.reader, hash).await
    }

    async fn touch_api_key(&self, id: i64, at: Timestamp) -> Result<(), StoreError> {
        users::touch_api_key(&self.writer, id, at).await
    }

    async fn list_api_keys(&self, user_id: Option<i64>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        users::list_api_keys(&self.reader, user_id).await
    }

    async fn api_key_by_id(&self, id: i64) -> Result<Option<ApiKeyRecord>, StoreError> {
        users::api_key_by_id(&self.reader, id).await
    }

    async fn revoke_api_key(&self, id: i64, at: Timestamp) -> Result<bool, StoreError> {
        users::revoke_api_key(&self.writer, id, at).await
    }

    async fn bootstrap_admin(
        &self,
        admin: &NewUserRow,
        key: &NewApiKeyRow,
    ) -> Result<bool, StoreError> {
        users::bootstrap_admin(&self.writer, admin, key).await
    }
}
