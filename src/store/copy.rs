//! `peoplecloud copy`: moves every row from one database to an empty one (SQLite to PostgreSQL
//! or back), ids and timestamps unchanged. Both schemas are mirrored by name, so the copy goes
//! table by table over the columns the two share, with each column's kind read from the schema.

use anyhow::{Context, bail};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{PgPool, Row, SqlitePool};

use super::StoreOptions;
use super::postgres::PostgresStore;
use super::sqlite::SqliteStore;

/// Tables in an order that satisfies every foreign key.
pub const TABLES: &[&str] = &[
    "companies",
    "users",
    "api_keys",
    "setup",
    "industries",
    "inquiries",
    "positions",
    "consultants",
    "contracts",
    "contract_number_counters",
];

/// Most rows read and written per batch.
const MAX_BATCH_ROWS: usize = 1000;
/// Most bound values in one insert: under SQLite's limit of 32,766 and PostgreSQL's of 65,535.
const MAX_BATCH_VALUES: usize = 30_000;

/// An opened database of either backend.
enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Column kind, as far as copying needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Text,
    Boolean,
}

/// One value on its way from one database to the other.
#[derive(Debug, Clone)]
enum Cell {
    Integer(Option<i64>),
    Text(Option<String>),
    Boolean(Option<bool>),
}

impl Database {
    async fn open(url: &str, options: &StoreOptions) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Database::Sqlite(
                SqliteStore::open(url, options).await?.pool().clone(),
            ))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Database::Postgres(
                PostgresStore::open(url, options).await?.pool().clone(),
            ))
        } else {
            bail!("unsupported database URL {}", super::redact_url(url))
        }
    }

    /// Reads the table's columns with their kinds, in schema order.
    async fn columns(&self, table: &str) -> anyhow::Result<Vec<(String, Kind)>> {
        let rows: Vec<(String, String)> = match self {
            Database::Sqlite(pool) => {
                sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                    .bind(table)
                    .fetch_all(pool)
                    .await?
            }
            Database::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(table)
                .fetch_all(pool)
                .await?
            }
        };
        rows.into_iter()
            .map(|(name, declared)| {
                let declared = declared.to_ascii_lowercase();
                let kind = if declared.contains("bool") {
                    Kind::Boolean
                } else if declared.contains("int") {
                    Kind::Integer
                } else {
                    Kind::Text
                };
                Ok((name, kind))
            })
            .collect()
    }

    async fn has_rows(&self, table: &str) -> anyhow::Result<bool> {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {table})");
        Ok(match self {
            Database::Sqlite(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await?,
            Database::Postgres(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await?,
        })
    }

    /// Reads up to `limit` rows whose integer key is above `after`, ordered by that key.
    async fn read_batch(
        &self,
        table: &str,
        columns: &[(String, Kind)],
        key: &str,
        after: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<Vec<Cell>>> {
        let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
        let sql = format!(
            "SELECT {} FROM {table} WHERE {key} > $1 ORDER BY {key} LIMIT $2",
            names.join(", ")
        );
        match self {
            Database::Sqlite(pool) => {
                let rows = sqlx::query(&sql)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
                rows.iter().map(|row| sqlite_cells(row, columns)).collect()
            }
            Database::Postgres(pool) => {
                let rows = sqlx::query(&sql)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
                rows.iter()
                    .map(|row| postgres_cells(row, columns))
                    .collect()
            }
        }
    }

    /// Inserts rows in one transaction.
    async fn write_batch(
        &self,
        table: &str,
        columns: &[(String, Kind)],
        rows: &[Vec<Cell>],
    ) -> anyhow::Result<()> {
        let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
        let head = format!("INSERT INTO {table} ({}) ", names.join(", "));
        match self {
            Database::Sqlite(pool) => {
                let mut query = sqlx::QueryBuilder::<sqlx::Sqlite>::new(head);
                query.push_values(rows, |mut values, row| {
                    for cell in row {
                        match cell.clone() {
                            Cell::Integer(value) => values.push_bind(value),
                            Cell::Text(value) => values.push_bind(value),
                            Cell::Boolean(value) => values.push_bind(value),
                        };
                    }
                });
                query.build().execute(pool).await?;
            }
            Database::Postgres(pool) => {
                let mut query = sqlx::QueryBuilder::<sqlx::Postgres>::new(head);
                query.push_values(rows, |mut values, row| {
                    for cell in row {
                        match cell.clone() {
                            Cell::Integer(value) => values.push_bind(value),
                            Cell::Text(value) => values.push_bind(value),
                            Cell::Boolean(value) => values.push_bind(value),
                        };
                    }
                });
                query.build().execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Moves the identity sequence of `table.id` past the copied ids, so new rows don't
    /// collide with them.
    async fn reset_sequence(&self, table: &str) -> anyhow::Result<()> {
        if let Database::Postgres(pool) = self {
            let sequence: Option<String> =
                sqlx::query_scalar("SELECT pg_get_serial_sequence($1, 'id')")
                    .bind(table)
                    .fetch_one(pool)
                    .await?;
            if sequence.is_some() {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) \
                     FROM {table}"
                );
                sqlx::query(&sql).fetch_all(pool).await?;
            }
        }
        Ok(())
    }
}

fn sqlite_cells(row: &SqliteRow, columns: &[(String, Kind)]) -> anyhow::Result<Vec<Cell>> {
    columns
        .iter()
        .enumerate()
        .map(|(index, (_, kind))| {
            Ok(match kind {
                Kind::Integer => Cell::Integer(row.try_get(index)?),
                Kind::Text => Cell::Text(row.try_get(index)?),
                Kind::Boolean => Cell::Boolean(row.try_get(index)?),
            })
        })
        .collect()
}

fn postgres_cells(row: &PgRow, columns: &[(String, Kind)]) -> anyhow::Result<Vec<Cell>> {
    columns
        .iter()
        .enumerate()
        .map(|(index, (_, kind))| {
            Ok(match kind {
                Kind::Integer => {
                    // INTEGER columns (the setup row's id) are 32-bit in PostgreSQL.
                    match row.try_get::<Option<i64>, _>(index) {
                        Ok(value) => Cell::Integer(value),
                        Err(_) => {
                            Cell::Integer(row.try_get::<Option<i32>, _>(index)?.map(i64::from))
                        }
                    }
                }
                Kind::Text => Cell::Text(row.try_get(index)?),
                Kind::Boolean => Cell::Boolean(row.try_get(index)?),
            })
        })
        .collect()
}

/// Returns the file path of a `sqlite:` URL, without its query string.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Copies every table from `from` to `to`, which must hold no rows. Progress goes to the log.
pub async fn copy_database(from: &str, to: &str, options: &StoreOptions) -> anyhow::Result<()> {
    if let Some(path) = sqlite_path(from)
        && !std::path::Path::new(path).exists()
    {
        bail!("the source {from} does not exist; check the path");
    }
    let source = Database::open(from, options)
        .await
        .context("failed to open the source")?;
    let target = Database::open(to, options)
        .await
        .context("failed to open the target")?;

    for table in TABLES {
        if target.has_rows(table).await? {
            bail!(
                "the target {} already contains data (table {table}); copy only into an empty database",
                super::redact_url(to)
            );
        }
    }

    for table in TABLES {
        // A column is boolean when either side declares it so: SQLite stores booleans as
        // integers, PostgreSQL as booleans, and each side reads and writes its own form.
        let source_columns = source.columns(table).await?;
        let columns: Vec<(String, Kind)> = target
            .columns(table)
            .await?
            .into_iter()
            .filter_map(|(name, kind)| {
                let source_kind = source_columns.iter().find(|(other, _)| *other == name)?.1;
                let boolean = kind == Kind::Boolean || source_kind == Kind::Boolean;
                Some((name, if boolean { Kind::Boolean } else { kind }))
            })
            .collect();

        // Rows go in key order: `id` where the table has one, otherwise its first column.
        let key_index = columns
            .iter()
            .position(|(name, _)| name == "id")
            .unwrap_or(0);
        let key = columns
            .get(key_index)
            .map(|(name, _)| name.clone())
            .context("table without columns")?;
        let batch_rows = (MAX_BATCH_VALUES / columns.len().max(1)).clamp(1, MAX_BATCH_ROWS);
        let mut copied = 0_usize;
        let mut after = i64::MIN;
        loop {
            let rows = source
                .read_batch(table, &columns, &key, after, batch_rows as i64)
                .await?;
            let Some(last) = rows.last() else { break };
            after = match &last[key_index] {
                Cell::Integer(Some(value)) => *value,
                _ => bail!("table {table} has a row without an integer {key}"),
            };
            target
                .write_batch(table, &columns, &rows)
                .await
                .with_context(|| format!("failed to write rows of {table}"))?;
            copied += rows.len();
            tracing::info!(table, rows_copied = copied, "copying");
        }
        if key == "id" {
            target.reset_sequence(table).await?;
        }
        eprintln!("copied {copied} rows of {table}");
    }
    Ok(())
}
