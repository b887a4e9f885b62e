//! Contracts and consultants on PostgreSQL, in the same columns as on SQLite: dates as
//! `YYYY-MM-DD` text, amounts as their two-decimal text, skills as a JSON array of strings.
//! Writers run concurrently here, so an edit locks its row before it compares the dates, and
//! the year's counter row serialises the generation of public ids.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use super::{PostgresStore, resolve_company};
use crate::domain::contract::{
    ContractStatus, ContractType, TextField, contract_id_key, generated_contract_id,
};
use crate::domain::money::Amount;
use crate::domain::time::{Timestamp, from_micros, to_micros};
use crate::store::contracts::{
    ConsultantChanges, ConsultantChoice, ConsultantRecord, ContractChanges, ContractDates,
    ContractFilter, ContractRecord, ContractStore, ContractWrite, NewContractRow,
};
use crate::store::{Company, StoreError};

const DATE_FORMAT: &str = "%Y-%m-%d";

/// The contract columns with its companies and consultant, for `FROM` [`CONTRACT_JOINS`].
static CONTRACT_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    let texts: Vec<String> = TextField::ALL
        .iter()
        .map(|field| format!("ct.{}", field.key()))
        .collect();
    format!(
        "ct.id, ct.the_contract_id, ct.status, {}, ct.contract_start, ct.contract_end, \
         ct.is_infinite, ct.type, ct.allocation, ct.max_hours, ct.client_price, ct.vendor_price, \
         ct.vat, ct.seller_id, ct.client_company_id, cc.name AS client_company_name, \
         ct.vendor_company_id, vc.name AS vendor_company_name, ct.consultant_id, \
         cs.name AS consultant_name, cs.title AS consultant_title, cs.email AS consultant_email, \
         cs.phone AS consultant_phone, ct.consult_skills, ct.terminated_at, ct.created_at, \
         ct.updated_at",
        texts.join(", ")
    )
});

const CONTRACT_JOINS: &str = "contracts ct \
     JOIN companies cc ON cc.id = ct.client_company_id \
     LEFT JOIN companies vc ON vc.id = ct.vendor_company_id \
     LEFT JOIN consultants cs ON cs.id = ct.consultant_id";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unreadable {what} {value:?}"))
}

fn read_date(text: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    text.map(|text| {
        NaiveDate::parse_from_str(&text, DATE_FORMAT).map_err(|_| corrupt("contract date", &text))
    })
    .transpose()
}

fn read_amount(text: Option<String>) -> Result<Option<Amount>, StoreError> {
    text.map(|text| Amount::parse(&text).map_err(|_| corrupt("amount", &text)))
        .transpose()
}

fn write_date(date: Option<NaiveDate>) -> Option<String> {
    date.map(|date| date.format(DATE_FORMAT).to_string())
}

fn write_amount(amount: Option<Amount>) -> Option<String> {
    amount.map(|amount| amount.to_string())
}

fn write_skills(skills: &[String]) -> String {
    serde_json::Value::from(skills.to_vec()).to_string()
}

fn contract_from_row(row: &PgRow) -> Result<ContractRecord, StoreError> {
    let status_text: String = row.try_get("status")?;
    let status =
        ContractStatus::parse(&status_text).ok_or_else(|| corrupt("status", &status_text))?;
    let contract_type = row
        .try_get::<Option<String>, _>("type")?
        .map(|text| ContractType::parse(&text).ok_or_else(|| corrupt("contract type", &text)))
        .transpose()?;
    let allocation = row
        .try_get::<Option<i64>, _>("allocation")?
        .map(|value| u8::try_from(value).map_err(|_| corrupt("allocation", &value.to_string())))
        .transpose()?;
    let skills_text: String = row.try_get("consult_skills")?;
    let consult_skills: Vec<String> =
        serde_json::from_str(&skills_text).map_err(|_| corrupt("skills", &skills_text))?;

    let mut texts = BTreeMap::new();
    for field in TextField::ALL {
        if let Some(text) = row.try_get::<Option<String>, _>(field.key())? {
            texts.insert(field, text);
        }
    }
    let vendor_company = match row.try_get::<Option<i64>, _>("vendor_company_id")? {
        Some(id) => Some(Company {
            id,
            name: row.try_get("vendor_company_name")?,
        }),
        None => None,
    };
    let consultant = match row.try_get::<Option<i64>, _>("consultant_id")? {
        Some(id) => Some(ConsultantRecord {
            id,
            name: row.try_get("consultant_name")?,
            title: row.try_get("consultant_title")?,
            email: row.try_get("consultant_email")?,
            phone: row.try_get("consultant_phone")?,
        }),
        None => None,
    };

    Ok(ContractRecord {
        id: row.try_get("id")?,
        the_contract_id: row.try_get("the_contract_id")?,
        status,
        texts,
        dates: ContractDates {
            contract_start: read_date(row.try_get("contract_start")?)?,
            contract_end: read_date(row.try_get("contract_end")?)?,
            is_infinite: row.try_get("is_infinite")?,
        },
        contract_type,
        allocation,
        max_hours: row.try_get("max_hours")?,
        client_price: read_amount(row.try_get("client_price")?)?,
        vendor_price: read_amount(row.try_get("vendor_price")?)?,
        vat: read_amount(row.try_get("vat")?)?,
        seller_id: row.try_get("seller_id")?,
        client_company: Company {
            id: row.try_get("client_company_id")?,
            name: row.try_get("client_company_name")?,
        },
        vendor_company,
        consultant,
        consult_skills,
        terminated_at: row
            .try_get::<Option<i64>, _>("terminated_at")?
            .map(from_micros),
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

/// Returns the id of the chosen consultant, creating it or writing its changed columns.
async fn resolve_consultant(
    connection: &mut PgConnection,
    choice: &ConsultantChoice,
    now: Timestamp,
) -> Result<i64, StoreError> {
    match choice {
        ConsultantChoice::New(consultant) => {
            let id = sqlx::query_scalar(
                "INSERT INTO consultants (name, name_key, title, email, phone, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(&consultant.name)
            .bind(&consultant.name_key)
            .bind(&consultant.title)
            .bind(&consultant.email)
            .bind(&consultant.phone)
            .bind(to_micros(now))
            .fetch_one(&mut *connection)
            .await?;
            Ok(id)
        }
        ConsultantChoice::Existing { id, changes } => {
            if !changes.is_empty() {
                update_consultant(connection, *id, changes, now).await?;
            }
            Ok(*id)
        }
    }
}

async fn update_consultant(
    connection: &mut PgConnection,
    id: i64,
    changes: &ConsultantChanges,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<Postgres>::new("UPDATE consultants SET updated_at = ");
    query.push_bind(to_micros(now));
    if let Some((name, name_key)) = &changes.name {
        query.push(", name = ").push_bind(name);
        query.push(", name_key = ").push_bind(name_key);
    }
    if let Some(title) = &changes.title {
        query.push(", title = ").push_bind(title);
    }
    if let Some(email) = &changes.email {
        query.push(", email = ").push_bind(email);
    }
    if let Some(phone) = &changes.phone {
        query.push(", phone = ").push_bind(phone);
    }
    query.push(" WHERE id = ").push_bind(id);
    query.build().execute(&mut *connection).await?;
    Ok(())
}

/// Takes the next free public id of `year`: the year's counter moves past every number whose
/// id a client already took by sending it.
async fn next_contract_id(
    connection: &mut PgConnection,
    year: i32,
) -> Result<(String, String), StoreError> {
    sqlx::query(
        "INSERT INTO contract_number_counters (year, last_number) VALUES ($1, 0) \
         ON CONFLICT (year) DO NOTHING",
    )
    .bind(i64::from(year))
    .execute(&mut *connection)
    .await?;
    loop {
        let number: i64 = sqlx::query_scalar(
            "UPDATE contract_number_counters SET last_number = last_number + 1 \
             WHERE year = $1 RETURNING last_number",
        )
        .bind(i64::from(year))
        .fetch_one(&mut *connection)
        .await?;
        let the_contract_id = generated_contract_id(year, number);
        let key = contract_id_key(&the_contract_id);
        let taken: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM contracts WHERE the_contract_id_key = $1)",
        )
        .bind(&key)
        .fetch_one(&mut *connection)
        .await?;
        if !taken {
            return Ok((the_contract_id, key));
        }
    }
}

async fn insert_contract(
    connection: &mut PgConnection,
    contract: &NewContractRow,
) -> Result<(i64, String), StoreError> {
    let now = contract.created_at;
    let client_company_id = resolve_company(connection, &contract.client_company, now)
        .await?
        .ok_or_else(|| StoreError::Corrupt("contract without a client company".to_owned()))?;
    let vendor_company_id = resolve_company(connection, &contract.vendor_company, now).await?;
    let consultant_id = match &contract.consultant {
        Some(choice) => Some(resolve_consultant(connection, choice, now).await?),
        None => None,
    };
    let (the_contract_id, key) = match &contract.the_contract_id {
        Some(sent) => sent.clone(),
        None => next_contract_id(connection, now.year()).await?,
    };

    let mut query = QueryBuilder::<Postgres>::new("INSERT INTO contracts (");
    let mut columns = query.separated(", ");
    for column in [
        "the_contract_id",
        "the_contract_id_key",
        "status",
        "contract_start",
        "contract_end",
        "is_infinite",
        "type",
        "allocation",
        "max_hours",
        "client_price",
        "vendor_price",
        "vat",
        "seller_id",
        "client_company_id",
        "vendor_company_id",
        "consultant_id",
        "consult_skills",
        "created_at",
        "updated_at",
    ] {
        columns.push(column);
    }
    for field in TextField::ALL {
        columns.push(field.key());
    }
    query.push(") VALUES (");
    let mut values = query.separated(", ");
    values
        .push_bind(&the_contract_id)
        .push_bind(&key)
        .push_bind(contract.status.as_str())
        .push_bind(write_date(contract.dates.contract_start))
        .push_bind(write_date(contract.dates.contract_end))
        .push_bind(contract.dates.is_infinite)
        .push_bind(contract.contract_type.map(ContractType::as_str))
        .push_bind(contract.allocation.map(i64::from))
        .push_bind(contract.max_hours)
        .push_bind(write_amount(contract.client_price))
        .push_bind(write_amount(contract.vendor_price))
        .push_bind(write_amount(contract.vat))
        .push_bind(contract.seller_id)
        .push_bind(client_company_id)
        .push_bind(vendor_company_id)
        .push_bind(consultant_id)
        .push_bind(write_skills(&contract.consult_skills))
        .push_bind(to_micros(now))
        .push_bind(to_micros(now));
    for field in TextField::ALL {
        values.push_bind(contract.texts.get(&field).cloned());
    }
    query.push(") RETURNING id");
    let id: i64 = query
        .build_query_scalar()
        .fetch_one(&mut *connection)
        .await?;
    Ok((id, the_contract_id))
}

/// Reads the status and dates of a contract and locks its row until the transaction ends.
async fn current_state(
    connection: &mut PgConnection,
    id: i64,
) -> Result<Option<(ContractStatus, ContractDates)>, StoreError> {
    let row = sqlx::query(
        "SELECT status, contract_start, contract_end, is_infinite FROM contracts WHERE id = $1 \
         FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let status_text: String = row.try_get("status")?;
    let status =
        ContractStatus::parse(&status_text).ok_or_else(|| corrupt("status", &status_text))?;
    let dates = ContractDates {
        contract_start: read_date(row.try_get("contract_start")?)?,
        contract_end: read_date(row.try_get("contract_end")?)?,
        is_infinite: row.try_get("is_infinite")?,
    };
    Ok(Some((status, dates)))
}

/// Adds `, column = value` for each column the changes write, except those that need other
/// rows resolved first.
fn push_plain_changes(query: &mut QueryBuilder<'_, Postgres>, changes: &ContractChanges) {
    for (field, text) in &changes.texts {
        query.push(format!(", {} = ", field.key()));
        query.push_bind(text.clone());
    }
    if let Some(status) = changes.status {
        query.push(", status = ").push_bind(status.as_str());
    }
    if let Some(dates) = changes.dates {
        query
            .push(", contract_start = ")
            .push_bind(write_date(dates.new.contract_start));
        query
            .push(", contract_end = ")
            .push_bind(write_date(dates.new.contract_end));
        query
            .push(", is_infinite = ")
            .push_bind(dates.new.is_infinite);
    }
    if let Some(contract_type) = changes.contract_type {
        query
            .push(", type = ")
            .push_bind(contract_type.map(ContractType::as_str));
    }
    if let Some(allocation) = changes.allocation {
        query
            .push(", allocation = ")
            .push_bind(allocation.map(i64::from));
    }
    if let Some(max_hours) = changes.max_hours {
        query.push(", max_hours = ").push_bind(max_hours);
    }
    for (column, amount) in [
        ("client_price", changes.client_price),
        ("vendor_price", changes.vendor_price),
        ("vat", changes.vat),
    ] {
        if let Some(amount) = amount {
            query.push(format!(", {column} = "));
            query.push_bind(write_amount(amount));
        }
    }
    if let Some(seller_id) = changes.seller_id {
        query.push(", seller_id = ").push_bind(seller_id);
    }
    if let Some(skills) = &changes.consult_skills {
        query
            .push(", consult_skills = ")
            .push_bind(write_skills(skills));
    }
}

async fn update_contract(
    connection: &mut PgConnection,
    id: i64,
    changes: &ContractChanges,
) -> Result<ContractWrite, StoreError> {
    let Some((status, dates)) = current_state(connection, id).await? else {
        return Ok(ContractWrite::NotFound);
    };
    if status == ContractStatus::Terminated {
        return Ok(ContractWrite::Terminated);
    }
    if let Some(change) = changes.dates
        && change.expected != dates
    {
        return Ok(ContractWrite::StaleDates);
    }

    let now = changes.updated_at;
    let mut query = QueryBuilder::<Postgres>::new("UPDATE contracts SET updated_at = ");
    query.push_bind(to_micros(now));
    push_plain_changes(&mut query, changes);
    if let Some(choice) = &changes.client_company {
        let company_id = resolve_company(connection, choice, now).await?;
        query.push(", client_company_id = ").push_bind(company_id);
    }
    if let Some(choice) = &changes.vendor_company {
        let company_id = resolve_company(connection, choice, now).await?;
        query.push(", vendor_company_id = ").push_bind(company_id);
    }
    if let Some(choice) = &changes.consultant {
        let consultant_id = match choice {
            Some(choice) => Some(resolve_consultant(connection, choice, now).await?),
            None => None,
        };
        query.push(", consultant_id = ").push_bind(consultant_id);
    }
    query
        .push(" WHERE id = ")
        .push_bind(id)
        .push(" AND status <> 'terminated'");
    query.build().execute(&mut *connection).await?;
    Ok(ContractWrite::Done)
}

/// Escapes `%`, `_` and `\` so that LIKE matches them literally with `ESCAPE '\'`.
fn like_pattern(search: &str) -> String {
    let mut pattern = String::from("%");
    for character in search.chars() {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

/// Adds the list filter's `WHERE` clause.
fn push_filter<'a>(query: &mut QueryBuilder<'a, Postgres>, filter: &'a ContractFilter) {
    match filter.status {
        Some(status) => query.push(" WHERE ct.status = ").push_bind(status.as_str()),
        None => query.push(" WHERE ct.status <> 'terminated'"),
    };
    if let Some(search) = &filter.search {
        let pattern = like_pattern(search);
        query
            .push(" AND (cs.name_key LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR cc.name_key LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR vc.name_key LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
}

#[async_trait]
impl ContractStore for PostgresStore {
    async fn create_contract(
        &self,
        contract: &NewContractRow,
    ) -> Result<(i64, String), StoreError> {
        let mut transaction = self.writer.begin().await?;
        let created = insert_contract(&mut transaction, contract).await?;
        transaction.commit().await?;
        Ok(created)
    }

    async fn contract_by_id(&self, id: i64) -> Result<Option<ContractRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM {CONTRACT_JOINS} WHERE ct.id = $1",
            *CONTRACT_COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(contract_from_row).transpose()
    }

    async fn contract_by_key(&self, key: &str) -> Result<Option<ContractRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM {CONTRACT_JOINS} WHERE ct.the_contract_id_key = $1",
            *CONTRACT_COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(key)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(contract_from_row).transpose()
    }

    async fn update_contract(
        &self,
        id: i64,
        changes: &ContractChanges,
    ) -> Result<ContractWrite, StoreError> {
        let mut transaction = self.writer.begin().await?;
        let outcome = update_contract(&mut transaction, id, changes).await?;
        if outcome == ContractWrite::Done {
            transaction.commit().await?;
        }
        Ok(outcome)
    }

    async fn terminate_contract(
        &self,
        id: i64,
        at: Timestamp,
    ) -> Result<ContractWrite, StoreError> {
        let mut transaction = self.writer.begin().await?;
        let terminated = sqlx::query(
            "UPDATE contracts SET status = 'terminated', terminated_at = $1, updated_at = $1 \
             WHERE id = $2 AND status <> 'terminated'",
        )
        .bind(to_micros(at))
        .bind(id)
        .execute(&mut *transaction)
        .await?
        .rows_affected()
            == 1;
        if terminated {
            transaction.commit().await?;
            return Ok(ContractWrite::Done);
        }
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM contracts WHERE id = $1)")
                .bind(id)
                .fetch_one(&mut *transaction)
                .await?;
        Ok(if exists {
            ContractWrite::Terminated
        } else {
            ContractWrite::NotFound
        })
    }

    async fn list_contracts(
        &self,
        filter: &ContractFilter,
    ) -> Result<(Vec<ContractRecord>, i64), StoreError> {
        // One read transaction, so that the count and the page see the same rows.
        let mut transaction = self.reader.begin().await?;

        let mut count =
            QueryBuilder::<Postgres>::new(format!("SELECT COUNT(*) FROM {CONTRACT_JOINS}"));
        push_filter(&mut count, filter);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&mut *transaction)
            .await?;

        let mut page = QueryBuilder::<Postgres>::new(format!(
            "SELECT {} FROM {CONTRACT_JOINS}",
            *CONTRACT_COLUMNS
        ));
        push_filter(&mut page, filter);
        page.push(" ORDER BY ct.created_at DESC, ct.id DESC LIMIT ")
            .push_bind(filter.page.limit())
            .push(" OFFSET ")
            .push_bind(filter.page.offset());
        let rows = page.build().fetch_all(&mut *transaction).await?;
        transaction.commit().await?;

        let contracts = rows
            .iter()
            .map(contract_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((contracts, total))
    }

    async fn count_active_contracts(
        &self,
        client_company_id: Option<i64>,
    ) -> Result<i64, StoreError> {
        let count = match client_company_id {
            Some(company_id) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM contracts \
                     WHERE status <> 'terminated' AND client_company_id = $1",
                )
                .bind(company_id)
                .fetch_one(&self.reader)
                .await?
            }
            None => {
                sqlx::query_scalar("SELECT COUNT(*) FROM contracts WHERE status <> 'terminated'")
                    .fetch_one(&self.reader)
                    .await?
            }
        };
        Ok(count)
    }

    async fn consultant_by_id(&self, id: i64) -> Result<Option<ConsultantRecord>, StoreError> {
        let row: Option<(i64, String, Option<String>, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT id, name, title, email, phone FROM consultants WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.map(|(id, name, title, email, phone)| ConsultantRecord {
            id,
            name,
            title,
            email,
            phone,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern("oy"), "%oy%");
    }
}
