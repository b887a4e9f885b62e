//! Inquiries, positions and industries on PostgreSQL, with the SQL of the SQLite backend. Writers
//! run concurrently here, so each guarded write starts with an `UPDATE` of the inquiry row. Its
//! row lock makes concurrent position adds to one inquiry take turns, so a counter (the highest
//! of the inquiry plus one) can't be taken twice. The UNIQUE (order_id, counter) constraint backs
//! that up.

use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::{Value, json};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use super::PostgresStore;
use crate::domain::company::name_key;
use crate::domain::inquiry::{PositionType, RemoteWork, Stage};
use crate::domain::lenient::{Allocation, Importance};
use crate::domain::time::{Timestamp, from_micros, to_micros};
use crate::store::StoreError;
use crate::store::inquiries::{
    Guarded, Industry, InquiryPage, InquiryQuery, InquiryRecord, InquiryScope, InquirySortField,
    InquiryStore, NeedRequirement, NewInquiryRow, NewPositionRow, PositionMatch, PositionQuery,
    PositionRecord, PositionSortField, Sort, StageFilter, StageMove, contains_pattern,
};

const INQUIRY_COLUMNS: &str = "i.id, i.title, i.description, i.industry_id, d.name AS industry_name, \
     i.main_contact, i.company_id, i.owner_id, i.stage, i.job_start, i.job_end, i.submitted_at, \
     i.created_at, i.updated_at";

const POSITION_COLUMNS: &str = "p.id, p.order_id, p.counter, p.owner_id, p.stage, p.title, p.type, \
     p.description, p.language_reqs, p.experience_level, p.job_start, p.job_end, p.location, \
     p.is_remote_work, p.allocation, p.budget, p.order_need_reqs, p.is_video_required, \
     p.cv_deadline, p.submitted_at, p.created_at, p.updated_at";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?}"))
}

fn stage_from(text: &str) -> Result<Stage, StoreError> {
    Stage::parse(text).ok_or_else(|| corrupt("stage", text))
}

fn optional_time(row: &PgRow, column: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(from_micros))
}

fn inquiry_from_row(row: &PgRow) -> Result<InquiryRecord, StoreError> {
    let stage: String = row.try_get("stage")?;
    Ok(InquiryRecord {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        industry: Industry {
            id: row.try_get("industry_id")?,
            name: row.try_get("industry_name")?,
        },
        main_contact: row.try_get("main_contact")?,
        company_id: row.try_get("company_id")?,
        owner_id: row.try_get("owner_id")?,
        stage: stage_from(&stage)?,
        job_start: optional_time(row, "job_start")?,
        job_end: optional_time(row, "job_end")?,
        submitted_at: optional_time(row, "submitted_at")?,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

fn need_requirements_to_json(requirements: &[NeedRequirement]) -> String {
    let items: Vec<Value> = requirements
        .iter()
        .map(|requirement| json!({"name": requirement.name, "importance": requirement.importance.level()}))
        .collect();
    Value::from(items).to_string()
}

fn need_requirements_from_json(text: &str) -> Result<Vec<NeedRequirement>, StoreError> {
    let unreadable = || StoreError::Corrupt(format!("unreadable order_need_reqs {text:?}"));
    let items: Vec<Value> = serde_json::from_str(text).map_err(|_| unreadable())?;
    items
        .iter()
        .map(|item| {
            let name = item["name"].as_str().ok_or_else(unreadable)?.to_owned();
            let importance = item["importance"]
                .as_u64()
                .and_then(|level| u8::try_from(level).ok())
                .and_then(Importance::from_stored)
                .ok_or_else(unreadable)?;
            Ok(NeedRequirement { name, importance })
        })
        .collect()
}

fn position_from_row(row: &PgRow) -> Result<PositionRecord, StoreError> {
    let stage: String = row.try_get("stage")?;
    let type_text: String = row.try_get("type")?;
    let remote: Option<String> = row.try_get("is_remote_work")?;
    let allocation: Option<i64> = row.try_get("allocation")?;
    let needs: String = row.try_get("order_need_reqs")?;
    Ok(PositionRecord {
        id: row.try_get("id")?,
        order_id: row.try_get("order_id")?,
        counter: row.try_get("counter")?,
        owner_id: row.try_get("owner_id")?,
        stage: stage_from(&stage)?,
        title: row.try_get("title")?,
        position_type: PositionType::parse(&type_text)
            .ok_or_else(|| corrupt("position type", &type_text))?,
        description: row.try_get("description")?,
        language_reqs: row.try_get("language_reqs")?,
        experience_level: row.try_get("experience_level")?,
        job_start: optional_time(row, "job_start")?,
        job_end: optional_time(row, "job_end")?,
        location: row.try_get("location")?,
        is_remote_work: remote
            .map(|text| RemoteWork::parse(&text).ok_or_else(|| corrupt("remote work", &text)))
            .transpose()?,
        allocation: allocation
            .map(|percent| {
                Allocation::parse(&Value::from(percent))
                    .ok_or_else(|| corrupt("allocation", &percent.to_string()))
            })
            .transpose()?,
        budget: row.try_get("budget")?,
        order_need_reqs: need_requirements_from_json(&needs)?,
        is_video_required: row.try_get("is_video_required")?,
        cv_deadline: optional_time(row, "cv_deadline")?,
        submitted_at: optional_time(row, "submitted_at")?,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

/// Returns the id of the industry with this name key, creating it when none exists.
/// Concurrent calls naming one new industry create it once: the insert yields on conflict.
async fn resolve_industry(
    connection: &mut PgConnection,
    name: &str,
    key: &str,
    at: Timestamp,
) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO industries (name, name_key, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name_key) DO NOTHING",
    )
    .bind(name)
    .bind(key)
    .bind(to_micros(at))
    .execute(&mut *connection)
    .await?;
    let id = sqlx::query_scalar("SELECT id FROM industries WHERE name_key = $1")
        .bind(key)
        .fetch_one(&mut *connection)
        .await?;
    Ok(id)
}

fn optional_key(text: &Option<String>) -> Option<String> {
    text.as_deref().map(name_key)
}

async fn insert_position(
    connection: &mut PgConnection,
    order_id: i64,
    counter: i64,
    stage: Stage,
    position: &NewPositionRow,
) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO positions (order_id, counter, owner_id, stage, title, title_key, type, \
         description, language_reqs, language_reqs_key, experience_level, experience_level_key, \
         job_start, job_end, location, location_key, is_remote_work, allocation, budget, \
         order_need_reqs, is_video_required, cv_deadline, submitted_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, $22, $23, $24, $24) RETURNING id",
    )
    .bind(order_id)
    .bind(counter)
    .bind(position.owner_id)
    .bind(stage.as_str())
    .bind(&position.title)
    .bind(name_key(&position.title))
    .bind(position.position_type.as_str())
    .bind(&position.description)
    .bind(&position.language_reqs)
    .bind(optional_key(&position.language_reqs))
    .bind(&position.experience_level)
    .bind(optional_key(&position.experience_level))
    .bind(position.job_start.map(to_micros))
    .bind(position.job_end.map(to_micros))
    .bind(&position.location)
    .bind(optional_key(&position.location))
    .bind(position.is_remote_work.map(RemoteWork::as_str))
    .bind(
        position
            .allocation
            .map(|allocation| i64::from(allocation.percent())),
    )
    .bind(&position.budget)
    .bind(need_requirements_to_json(&position.order_need_reqs))
    .bind(position.is_video_required)
    .bind(position.cv_deadline.map(to_micros))
    .bind(position.submitted_at.map(to_micros))
    .bind(to_micros(position.created_at))
    .fetch_one(&mut *connection)
    .await?;
    Ok(id)
}

/// Recomputes an inquiry's `job_start` and `job_end` from its positions that are not cancelled.
async fn refresh_job_dates(connection: &mut PgConnection, order_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE inquiries SET \
         job_start = (SELECT MIN(job_start) FROM positions WHERE order_id = $1 AND stage <> 'cancelled'), \
         job_end = (SELECT MAX(job_end) FROM positions WHERE order_id = $1 AND stage <> 'cancelled') \
         WHERE id = $1",
    )
    .bind(order_id)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Inserts an inquiry and its positions. `industry_ids` caches the ids of the industries
/// resolved so far in this transaction, so that a bulk insert resolves each industry once.
async fn insert_inquiry(
    connection: &mut PgConnection,
    inquiry: &NewInquiryRow,
    industry_ids: &mut HashMap<String, i64>,
) -> Result<i64, StoreError> {
    let industry_id = match industry_ids.get(&inquiry.industry_key) {
        Some(id) => *id,
        None => {
            let id = resolve_industry(
                connection,
                &inquiry.industry_name,
                &inquiry.industry_key,
                inquiry.created_at,
            )
            .await?;
            industry_ids.insert(inquiry.industry_key.clone(), id);
            id
        }
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO inquiries (title, title_key, description, search_text, industry_id, \
         main_contact, company_id, owner_id, stage, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(&inquiry.title)
    .bind(name_key(&inquiry.title))
    .bind(&inquiry.description)
    .bind(&inquiry.search_text)
    .bind(industry_id)
    .bind(&inquiry.main_contact)
    .bind(inquiry.company_id)
    .bind(inquiry.owner_id)
    .bind(Stage::Draft.as_str())
    .bind(to_micros(inquiry.created_at))
    .fetch_one(&mut *connection)
    .await?;

    for (counter, position) in (1..).zip(&inquiry.positions) {
        insert_position(connection, id, counter, Stage::Draft, position).await?;
    }
    if !inquiry.positions.is_empty() {
        refresh_job_dates(connection, id).await?;
    }
    Ok(id)
}

/// Reads the stage of a row whose guarded write touched nothing: gone, or moved on.
async fn guard_failure<T>(
    connection: &mut PgConnection,
    sql: &str,
    ids: &[i64],
) -> Result<Guarded<T>, StoreError> {
    let mut query = sqlx::query_scalar::<_, String>(sql);
    for id in ids {
        query = query.bind(*id);
    }
    match query.fetch_optional(&mut *connection).await? {
        Some(stage) => Ok(Guarded::StageChanged(stage_from(&stage)?)),
        None => Ok(Guarded::NotFound),
    }
}

fn push_stage_filter(builder: &mut QueryBuilder<'_, Postgres>, column: &str, filter: StageFilter) {
    match filter {
        StageFilter::Is(stage) => {
            builder
                .push(format!(" AND {column} = "))
                .push_bind(stage.as_str());
        }
        StageFilter::Open => {
            builder.push(format!(" AND {column} IN ("));
            let mut stages = builder.separated(", ");
            for stage in Stage::OPEN {
                stages.push_bind(stage.as_str());
            }
            builder.push(")");
        }
    }
}

/// Adds `AND ...` conditions on the position alias `p` for each filter that is set.
fn push_position_match(builder: &mut QueryBuilder<'_, Postgres>, matching: &PositionMatch) {
    if let Some(key) = &matching.experience_level_key {
        builder
            .push(" AND p.experience_level_key = ")
            .push_bind(key.clone());
    }
    if let Some(key) = &matching.location_key {
        builder
            .push(" AND p.location_key = ")
            .push_bind(key.clone());
    }
    if let Some(key) = &matching.language_reqs_key {
        builder
            .push(" AND p.language_reqs_key = ")
            .push_bind(key.clone());
    }
    if let Some(remote) = matching.is_remote_work {
        builder
            .push(" AND p.is_remote_work = ")
            .push_bind(remote.as_str());
    }
}

fn push_scope(builder: &mut QueryBuilder<'_, Postgres>, scope: InquiryScope) {
    match scope {
        InquiryScope::All => {
            builder.push(" WHERE 1 = 1");
        }
        InquiryScope::Company(company_id) => {
            builder.push(" WHERE i.company_id = ").push_bind(company_id);
        }
        InquiryScope::Owner(owner_id) => {
            builder
                .push(" WHERE i.company_id IS NULL AND i.owner_id = ")
                .push_bind(owner_id);
        }
    }
}

fn push_inquiry_filters(builder: &mut QueryBuilder<'_, Postgres>, query: &InquiryQuery) {
    push_scope(builder, query.scope);
    if let Some(search) = &query.search {
        builder
            .push(" AND i.search_text LIKE ")
            .push_bind(contains_pattern(search))
            .push(" ESCAPE '\\'");
    }
    if let Some(stage) = query.stage {
        push_stage_filter(builder, "i.stage", stage);
    }
    if let Some(key) = &query.industry_key {
        builder
            .push(" AND i.industry_id IN (SELECT id FROM industries WHERE name_key = ")
            .push_bind(key.clone())
            .push(")");
    }
    if !query.positions.is_empty() {
        builder.push(" AND EXISTS (SELECT 1 FROM positions p WHERE p.order_id = i.id");
        push_position_match(builder, &query.positions);
        builder.push(")");
    }
}

/// `ORDER BY` for a sort column; empty values sort last in both directions, and ties go by id.
fn order_by(column: &str, nullable: bool, id_column: &str, descending: bool) -> String {
    let direction = if descending { "DESC" } else { "ASC" };
    let nulls_last = if nullable {
        format!("({column} IS NULL), ")
    } else {
        String::new()
    };
    format!(" ORDER BY {nulls_last}{column} {direction}, {id_column} {direction}")
}

fn inquiry_order(sort: Sort<InquirySortField>) -> String {
    let (column, nullable) = match sort.field {
        InquirySortField::Title => ("i.title_key", false),
        InquirySortField::CreatedAt => ("i.created_at", false),
        InquirySortField::JobStart => ("i.job_start", true),
        InquirySortField::JobEnd => ("i.job_end", true),
    };
    order_by(column, nullable, "i.id", sort.descending)
}

fn position_order(sort: Sort<PositionSortField>) -> String {
    let (column, nullable) = match sort.field {
        PositionSortField::Counter => ("p.counter", false),
        PositionSortField::Title => ("p.title_key", false),
        PositionSortField::CreatedAt => ("p.created_at", false),
        PositionSortField::JobStart => ("p.job_start", true),
        PositionSortField::JobEnd => ("p.job_end", true),
    };
    order_by(column, nullable, "p.id", sort.descending)
}

fn push_position_filters(builder: &mut QueryBuilder<'_, Postgres>, query: &PositionQuery) {
    builder
        .push(" WHERE p.order_id = ")
        .push_bind(query.order_id);
    if let Some(title) = &query.title {
        builder
            .push(" AND p.title_key LIKE ")
            .push_bind(contains_pattern(title))
            .push(" ESCAPE '\\'");
    }
    if let Some(stage) = query.stage {
        push_stage_filter(builder, "p.stage", stage);
    }
    push_position_match(builder, &query.matching);
}

#[async_trait]
impl InquiryStore for PostgresStore {
    async fn create_inquiry(&self, inquiry: &NewInquiryRow) -> Result<i64, StoreError> {
        let mut transaction = self.writer.begin().await?;
        let id = insert_inquiry(&mut transaction, inquiry, &mut HashMap::new()).await?;
        transaction.commit().await?;
        Ok(id)
    }

    async fn create_inquiries(&self, inquiries: &[NewInquiryRow]) -> Result<Vec<i64>, StoreError> {
        let mut transaction = self.writer.begin().await?;
        let mut ids = Vec::with_capacity(inquiries.len());
        let mut industry_ids = HashMap::new();
        for inquiry in inquiries {
            ids.push(insert_inquiry(&mut transaction, inquiry, &mut industry_ids).await?);
        }
        transaction.commit().await?;
        Ok(ids)
    }

    async fn inquiry_by_id(&self, id: i64) -> Result<Option<InquiryRecord>, StoreError> {
        let sql = format!(
            "SELECT {INQUIRY_COLUMNS} FROM inquiries i JOIN industries d ON d.id = i.industry_id \
             WHERE i.id = $1"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(inquiry_from_row).transpose()
    }

    async fn list_inquiries(&self, query: &InquiryQuery) -> Result<InquiryPage, StoreError> {
        // One read transaction, so the counters and the page come from one snapshot.
        let mut transaction = self.reader.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *transaction)
            .await?;

        let mut counters = QueryBuilder::<Postgres>::new(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN i.stage = 'searching' THEN 1 ELSE 0 END), 0) \
             FROM inquiries i",
        );
        push_scope(&mut counters, query.scope);
        let (scope_total, searching_total): (i64, i64) = counters
            .build_query_as()
            .fetch_one(&mut *transaction)
            .await?;

        let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM inquiries i");
        push_inquiry_filters(&mut count, query);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&mut *transaction)
            .await?;

        let mut page = QueryBuilder::<Postgres>::new(format!(
            "SELECT {INQUIRY_COLUMNS} FROM inquiries i JOIN industries d ON d.id = i.industry_id"
        ));
        push_inquiry_filters(&mut page, query);
        page.push(inquiry_order(query.sort));
        page.push(" LIMIT ")
            .push_bind(query.page.limit())
            .push(" OFFSET ")
            .push_bind(query.page.offset());
        let rows = page.build().fetch_all(&mut *transaction).await?;
        transaction.commit().await?;

        Ok(InquiryPage {
            scope_total,
            searching_total,
            total,
            inquiries: rows
                .iter()
                .map(inquiry_from_row)
                .collect::<Result<_, _>>()?,
        })
    }

    async fn add_position(
        &self,
        order_id: i64,
        expected: Stage,
        position: &NewPositionRow,
    ) -> Result<Guarded<i64>, StoreError> {
        let mut transaction = self.writer.begin().await?;
        let touched =
            sqlx::query("UPDATE inquiries SET updated_at = $1 WHERE id = $2 AND stage = $3")
                .bind(to_micros(position.created_at))
                .bind(order_id)
                .bind(expected.as_str())
                .execute(&mut *transaction)
                .await?
                .rows_affected();
        if touched == 0 {
            return guard_failure(
                &mut transaction,
                "SELECT stage FROM inquiries WHERE id = $1",
                &[order_id],
            )
            .await;
        }

        let counter: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(counter), 0) + 1 FROM positions WHERE order_id = $1",
        )
        .bind(order_id)
        .fetch_one(&mut *transaction)
        .await?;
        let id = insert_position(&mut transaction, order_id, counter, expected, position).await?;
        refresh_job_dates(&mut transaction, order_id).await?;
        transaction.commit().await?;
        Ok(Guarded::Done(id))
    }

    async fn position_by_id(
        &self,
        order_id: i64,
        position_id: i64,
    ) -> Result<Option<PositionRecord>, StoreError> {
        let sql = format!(
            "SELECT {POSITION_COLUMNS} FROM positions p WHERE p.id = $1 AND p.order_id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(position_id)
            .bind(order_id)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(position_from_row).transpose()
    }

    async fn list_positions(
        &self,
        query: &PositionQuery,
    ) -> Result<(Vec<PositionRecord>, i64), StoreError> {
        let mut transaction = self.reader.begin().await?;

        let mut rows_query =
            QueryBuilder::<Postgres>::new(format!("SELECT {POSITION_COLUMNS} FROM positions p"));
        push_position_filters(&mut rows_query, query);
        rows_query.push(position_order(query.sort));
        if let Some(page) = query.page {
            rows_query
                .push(" LIMIT ")
                .push_bind(page.limit())
                .push(" OFFSET ")
                .push_bind(page.offset());
        }
        let rows = rows_query.build().fetch_all(&mut *transaction).await?;
        let positions: Vec<PositionRecord> = rows
            .iter()
            .map(position_from_row)
            .collect::<Result<_, _>>()?;

        let total = match query.page {
            None => i64::try_from(positions.len()).unwrap_or(i64::MAX),
            Some(_) => {
                let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM positions p");
                push_position_filters(&mut count, query);
                count
                    .build_query_scalar()
                    .fetch_one(&mut *transaction)
                    .await?
            }
        };
        transaction.commit().await?;
        Ok((positions, total))
    }

    async fn move_inquiry(&self, change: &StageMove) -> Result<Guarded<()>, StoreError> {
        let at = to_micros(change.at);
        let submitted = if change.stamp_submitted {
            ", submitted_at = COALESCE(submitted_at, $2)"
        } else {
            ""
        };
        let mut transaction = self.writer.begin().await?;

        let moved = sqlx::query(&format!(
            "UPDATE inquiries SET stage = $1, updated_at = $2{submitted} WHERE id = $3 AND stage = $4"
        ))
        .bind(change.to.as_str())
        .bind(at)
        .bind(change.inquiry_id)
        .bind(change.from.as_str())
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if moved == 0 {
            return guard_failure(
                &mut transaction,
                "SELECT stage FROM inquiries WHERE id = $1",
                &[change.inquiry_id],
            )
            .await;
        }

        if !change.positions_from.is_empty() {
            let mut positions = QueryBuilder::<Postgres>::new("UPDATE positions SET stage = ");
            positions.push_bind(change.to.as_str());
            positions.push(", updated_at = ").push_bind(at);
            if change.stamp_submitted {
                positions
                    .push(", submitted_at = COALESCE(submitted_at, ")
                    .push_bind(at)
                    .push(")");
            }
            positions
                .push(" WHERE order_id = ")
                .push_bind(change.inquiry_id)
                .push(" AND stage IN (");
            let mut stages = positions.separated(", ");
            for stage in &change.positions_from {
                stages.push_bind(stage.as_str());
            }
            positions.push(")");
            positions.build().execute(&mut *transaction).await?;
        }

        refresh_job_dates(&mut transaction, change.inquiry_id).await?;
        transaction.commit().await?;
        Ok(Guarded::Done(()))
    }

    async fn cancel_position(
        &self,
        order_id: i64,
        position_id: i64,
        expected: Stage,
        at: Timestamp,
    ) -> Result<Guarded<()>, StoreError> {
        let mut transaction = self.writer.begin().await?;
        // Lock the inquiry before its position, in the order stage moves take them, so that a
        // cancel racing a submit or a stage move waits instead of deadlocking.
        sqlx::query("SELECT id FROM inquiries WHERE id = $1 FOR UPDATE")
            .bind(order_id)
            .fetch_optional(&mut *transaction)
            .await?;
        let cancelled = sqlx::query(
            "UPDATE positions SET stage = $1, updated_at = $2 \
             WHERE id = $3 AND order_id = $4 AND stage = $5",
        )
        .bind(Stage::Cancelled.as_str())
        .bind(to_micros(at))
        .bind(position_id)
        .bind(order_id)
        .bind(expected.as_str())
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if cancelled == 0 {
            return guard_failure(
                &mut transaction,
                "SELECT stage FROM positions WHERE id = $1 AND order_id = $2",
                &[position_id, order_id],
            )
            .await;
        }

        sqlx::query("UPDATE inquiries SET updated_at = $1 WHERE id = $2")
            .bind(to_micros(at))
            .bind(order_id)
            .execute(&mut *transaction)
            .await?;
        refresh_job_dates(&mut transaction, order_id).await?;
        transaction.commit().await?;
        Ok(Guarded::Done(()))
    }
}
