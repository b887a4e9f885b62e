//! Users and API keys on PostgreSQL.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use super::resolve_company;
use crate::domain::time::{Timestamp, from_micros, to_micros};
use crate::domain::user::UserType;
use crate::store::{
    ApiKeyRecord, NewApiKeyRow, NewUserRow, StoreError, UserChanges, UserRecord, UserWrite,
};

const USER_COLUMNS: &str = "u.id, u.name, u.email, u.type, u.phone, u.company_id, c.name AS company_name, \
     u.is_verified, u.password_hash, u.created_at, u.updated_at, u.deleted_at";

const KEY_COLUMNS: &str = "k.id, k.user_id, k.name, k.prefix, k.hash, k.created_at, k.last_used_at, \
     k.expires_at, k.revoked_at";

fn user_from_row(row: &PgRow) -> Result<UserRecord, StoreError> {
    let type_text: String = row.try_get("type")?;
    let user_type = UserType::parse(&type_text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown user type {type_text:?}")))?;
    Ok(UserRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        user_type,
        phone: row.try_get("phone")?,
        company_id: row.try_get("company_id")?,
        company_name: row.try_get("company_name")?,
        is_verified: row.try_get("is_verified")?,
        password_hash: row.try_get("password_hash")?,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
        deleted_at: row
            .try_get::<Option<i64>, _>("deleted_at")?
            .map(from_micros),
    })
}

fn key_from_row(row: &PgRow) -> Result<ApiKeyRecord, StoreError> {
    key_from_columns(row, "")
}

/// Reads a key from columns named with `prefix` before the table's own column names.
fn key_from_columns(row: &PgRow, prefix: &str) -> Result<ApiKeyRecord, StoreError> {
    let column = |name: &str| format!("{prefix}{name}");
    Ok(ApiKeyRecord {
        id: row.try_get(column("id").as_str())?,
        user_id: row.try_get(column("user_id").as_str())?,
        name: row.try_get(column("name").as_str())?,
        prefix: row.try_get(column("prefix").as_str())?,
        hash: row.try_get(column("hash").as_str())?,
        created_at: from_micros(row.try_get(column("created_at").as_str())?),
        last_used_at: row
            .try_get::<Option<i64>, _>(column("last_used_at").as_str())?
            .map(from_micros),
        expires_at: row
            .try_get::<Option<i64>, _>(column("expires_at").as_str())?
            .map(from_micros),
        revoked_at: row
            .try_get::<Option<i64>, _>(column("revoked_at").as_str())?
            .map(from_micros),
    })
}

async fn insert_user(
    connection: &mut sqlx::PgConnection,
    user: &NewUserRow,
) -> Result<i64, StoreError> {
    let company_id = resolve_company(connection, &user.company, user.created_at).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO users (name, email, email_key, password_hash, type, phone, company_id, is_verified, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(&user.name)
    .bind(&user.email)
    .bind(&user.email_key)
    .bind(&user.password_hash)
    .bind(user.user_type.as_str())
    .bind(&user.phone)
    .bind(company_id)
    .bind(user.is_verified)
    .bind(to_micros(user.created_at))
    .fetch_one(&mut *connection)
    .await?;
    Ok(id)
}

async fn insert_api_key(
    connection: &mut sqlx::PgConnection,
    key: &NewApiKeyRow,
    user_id: i64,
) -> Result<ApiKeyRecord, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (user_id, name, prefix, hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(&key.name)
    .bind(&key.prefix)
    .bind(&key.hash)
    .bind(to_micros(key.created_at))
    .bind(key.expires_at.map(to_micros))
    .fetch_one(&mut *connection)
    .await?;
    Ok(ApiKeyRecord {
        id,
        user_id,
        name: key.name.clone(),
        prefix: key.prefix.clone(),
        hash: key.hash.clone(),
        created_at: key.created_at,
        last_used_at: None,
        expires_at: key.expires_at,
        revoked_at: None,
    })
}

pub(super) async fn create_user(pool: &PgPool, user: &NewUserRow) -> Result<i64, StoreError> {
    let mut transaction = pool.begin().await?;
    let id = insert_user(&mut transaction, user).await?;
    transaction.commit().await?;
    Ok(id)
}

pub(super) async fn user_by_id(pool: &PgPool, id: i64) -> Result<Option<UserRecord>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u LEFT JOIN companies c ON c.id = u.company_id WHERE u.id = $1"
    );
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(user_from_row).transpose()
}

pub(super) async fn user_by_email_key(
    pool: &PgPool,
    email_key: &str,
) -> Result<Option<UserRecord>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u LEFT JOIN companies c ON c.id = u.company_id WHERE u.email_key = $1"
    );
    let row = sqlx::query(&sql)
        .bind(email_key)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Lock key that serialises transactions which may remove an active admin, so that two of them
/// can't each count the other's admin and leave none.
const ADMIN_CHANGE_LOCK: i64 = 0x7065_6f70_6c65_0001;

/// Counts the active admins other than `id`, after taking the admin-change lock for the rest of
/// the transaction.
async fn other_active_admins(
    connection: &mut sqlx::PgConnection,
    id: i64,
) -> Result<i64, StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(ADMIN_CHANGE_LOCK)
        .execute(&mut *connection)
        .await?;
    let count = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE type = 'admin' AND deleted_at IS NULL AND id <> $1",
    )
    .bind(id)
    .fetch_one(&mut *connection)
    .await?;
    Ok(count)
}

/// Reads the type of an active user and locks its row for the rest of the transaction.
async fn active_user_type(
    connection: &mut sqlx::PgConnection,
    id: i64,
) -> Result<Option<String>, StoreError> {
    let found = sqlx::query_scalar(
        "SELECT type FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *connection)
    .await?;
    Ok(found)
}

pub(super) async fn update_user(
    pool: &PgPool,
    id: i64,
    changes: &UserChanges,
) -> Result<UserWrite, StoreError> {
    let mut transaction = pool.begin().await?;
    let Some(current_type) = active_user_type(&mut transaction, id).await? else {
        return Ok(UserWrite::NotFound);
    };
    let demotes_admin = current_type == UserType::Admin.as_str()
        && changes
            .user_type
            .is_some_and(|new_type| new_type != UserType::Admin);
    if demotes_admin && other_active_admins(&mut transaction, id).await? == 0 {
        return Ok(UserWrite::LastAdmin);
    }

    let now = changes.updated_at.unwrap_or_else(crate::domain::time::now);
    let company_id = match &changes.company {
        Some(choice) => Some(resolve_company(&mut transaction, choice, now).await?),
        None => None,
    };

    let mut query = sqlx::QueryBuilder::<sqlx::Postgres>::new("UPDATE users SET updated_at = ");
    query.push_bind(to_micros(now));
    if let Some(name) = &changes.name {
        query.push(", name = ").push_bind(name);
    }
    if let Some((email, email_key)) = &changes.email {
        query.push(", email = ").push_bind(email);
        query.push(", email_key = ").push_bind(email_key);
    }
    if let Some(phone) = &changes.phone {
        query.push(", phone = ").push_bind(phone);
    }
    if let Some(user_type) = changes.user_type {
        query.push(", type = ").push_bind(user_type.as_str());
    }
    if let Some(hash) = &changes.password_hash {
        query.push(", password_hash = ").push_bind(hash);
    }
    if let Some(company_id) = company_id {
        query.push(", company_id = ").push_bind(company_id);
    }
    if let Some(verified) = changes.is_verified {
        query.push(", is_verified = ").push_bind(verified);
    }
    query.push(" WHERE id = ").push_bind(id);
    query.build().execute(&mut *transaction).await?;

    transaction.commit().await?;
    Ok(UserWrite::Done)
}

pub(super) async fn soft_delete_user(
    pool: &PgPool,
    id: i64,
    at: Timestamp,
) -> Result<UserWrite, StoreError> {
    let mut transaction = pool.begin().await?;
    let Some(current_type) = active_user_type(&mut transaction, id).await? else {
        return Ok(UserWrite::NotFound);
    };
    if current_type == UserType::Admin.as_str()
        && other_active_admins(&mut transaction, id).await? == 0
    {
        return Ok(UserWrite::LastAdmin);
    }
    sqlx::query("UPDATE users SET deleted_at = $1, updated_at = $1 WHERE id = $2")
        .bind(to_micros(at))
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(UserWrite::Done)
}

pub(super) async fn create_api_key(
    pool: &PgPool,
    key: &NewApiKeyRow,
) -> Result<ApiKeyRecord, StoreError> {
    let mut connection = pool.acquire().await?;
    insert_api_key(&mut connection, key, key.user_id).await
}

pub(super) async fn api_key_with_user(
    pool: &PgPool,
    hash: &str,
) -> Result<Option<(ApiKeyRecord, UserRecord)>, StoreError> {
    // One round trip on the path every request takes: the key's columns carry a `key_` prefix
    // so they don't clash with the user's.
    let sql = format!(
        "SELECT {USER_COLUMNS}, k.id AS key_id, k.user_id AS key_user_id, k.name AS key_name, \
         k.prefix AS key_prefix, k.hash AS key_hash, k.created_at AS key_created_at, \
         k.last_used_at AS key_last_used_at, k.expires_at AS key_expires_at, \
         k.revoked_at AS key_revoked_at \
         FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN companies c ON c.id = u.company_id \
         WHERE k.hash = $1"
    );
    let Some(row) = sqlx::query(&sql).bind(hash).fetch_optional(pool).await? else {
        return Ok(None);
    };
    Ok(Some((
        key_from_columns(&row, "key_")?,
        user_from_row(&row)?,
    )))
}

pub(super) async fn touch_api_key(pool: &PgPool, id: i64, at: Timestamp) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
        .bind(to_micros(at))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn list_api_keys(
    pool: &PgPool,
    user_id: Option<i64>,
) -> Result<Vec<ApiKeyRecord>, StoreError> {
    let rows = match user_id {
        Some(user_id) => {
            let sql = format!(
                "SELECT {KEY_COLUMNS} FROM api_keys k WHERE k.user_id = $1 ORDER BY k.id DESC"
            );
            sqlx::query(&sql).bind(user_id).fetch_all(pool).await?
        }
        None => {
            let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys k ORDER BY k.id DESC");
            sqlx::query(&sql).fetch_all(pool).await?
        }
    };
    rows.iter().map(key_from_row).collect()
}

pub(super) async fn api_key_by_id(
    pool: &PgPool,
    id: i64,
) -> Result<Option<ApiKeyRecord>, StoreError> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys k WHERE k.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(key_from_row).transpose()
}

pub(super) async fn revoke_api_key(
    pool: &PgPool,
    id: i64,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let result =
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(to_micros(at))
            .bind(id)
            .execute(pool)
            .await?;
    Ok(result.rows_affected() == 1)
}

pub(super) async fn bootstrap_admin(
    pool: &PgPool,
    admin: &NewUserRow,
    key: &NewApiKeyRow,
) -> Result<bool, StoreError> {
    let mut transaction = pool.begin().await?;
    let claimed = sqlx::query(
        "INSERT INTO setup (id, admin_created_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
    )
    .bind(to_micros(admin.created_at))
    .execute(&mut *transaction)
    .await?
    .rows_affected()
        == 1;
    let has_users: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
        .fetch_one(&mut *transaction)
        .await?;
    if !claimed || has_users {
        // A database that got its users another way (the CLI) is marked as set up all the same.
        transaction.commit().await?;
        return Ok(false);
    }
    let user_id = insert_user(&mut transaction, admin).await?;
    insert_api_key(&mut transaction, key, user_id).await?;
    transaction.commit().await?;
    Ok(true)
}
