//! The PostgreSQL backend, for several stateless instances on one database. The schema and the
//! SQL mirror the SQLite backend; where the two differ, PostgreSQL takes row locks or advisory
//! locks because its writers run concurrently. Migrations run under sqlx's advisory lock, so
//! instances starting together apply them once.
//!
//! NOTE: the query modules here repeat the SQLite ones almost line for line, so a change to a
//! query has to be made in both. The black-box suite runs on both backends to catch a miss.

mod contracts;
mod inquiries;
mod users;

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgConnection, PgPool};

use super::{
    ApiKeyRecord, Company, CompanyChoice, NewApiKeyRow, NewUserRow, Store, StoreError,
    StoreOptions, UserChanges, UserRecord, UserWrite,
};
use crate::domain::time::{Timestamp, to_micros};

/// How long a request waits for a pooled connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/postgres/migrations");

/// The PostgreSQL implementation of [`Store`]. Reads and writes share one pool; the two names
/// keep the query modules alike on both backends.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    writer: PgPool,
    reader: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url` and applies pending migrations.
    pub async fn open(url: &str, options: &StoreOptions) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .with_context(|| format!("failed to connect to {}", super::redact_url(url)))?;
        MIGRATOR
            .run(&pool)
            .await
            .context("failed to apply PostgreSQL migrations")?;
        Ok(Self {
            writer: pool.clone(),
            reader: pool,
        })
    }

    /// Returns the pool that writes, for whole-database work such as `copy`.
    pub(crate) fn pool(&self) -> &PgPool {
        &self.writer
    }
}

/// Returns the id of the chosen company, creating a company named by `choice` when none matches.
/// Concurrent calls naming one new company create it once: the second insert waits for the
/// first to commit and then yields.
pub(crate) async fn resolve_company(
    connection: &mut PgConnection,
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
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    fn pool_status(&self) -> (u32, usize) {
        // Reads and writes share one pool here.
        (self.writer.size(), self.writer.num_idle())
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
