//! The storage interface of contracts and their consultants. The domain checks every rule and
//! builds the rows; a backend writes them, each write in one transaction. Two parts are atomic
//! in the backend: generating the next free `CNTR-<year>-<number>` id, and status moves, which
//! are guarded by `status <> 'terminated'` so that a terminated contract never changes again.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::NaiveDate;

use super::{Company, CompanyChoice, StoreError};
use crate::domain::contract::{ContractStatus, ContractType, TextField};
use crate::domain::money::Amount;
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

/// A stored consultant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultantRecord {
    pub id: i64,
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The date columns of a contract, which the date rules check together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractDates {
    pub contract_start: Option<NaiveDate>,
    /// Always `None` while `is_infinite` is true.
    pub contract_end: Option<NaiveDate>,
    pub is_infinite: bool,
}

/// A stored contract with its companies and consultant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRecord {
    pub id: i64,
    /// The public id, as it was sent or generated.
    pub the_contract_id: String,
    pub status: ContractStatus,
    /// The free-text fields that have a value.
    pub texts: BTreeMap<TextField, String>,
    pub dates: ContractDates,
    pub contract_type: Option<ContractType>,
    pub allocation: Option<u8>,
    pub max_hours: Option<i64>,
    pub client_price: Option<Amount>,
    pub vendor_price: Option<Amount>,
    pub vat: Option<Amount>,
    pub seller_id: Option<i64>,
    pub client_company: Company,
    pub vendor_company: Option<Company>,
    pub consultant: Option<ConsultantRecord>,
    pub consult_skills: Vec<String>,
    pub terminated_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A consultant to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsultantRow {
    pub name: String,
    /// The name's search key: lower case, as the contract list's search compares it.
    pub name_key: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The columns of an existing consultant that a write changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsultantChanges {
    /// The new name and its search key.
    pub name: Option<(String, String)>,
    pub title: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
}

impl ConsultantChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The consultant a write attaches to a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultantChoice {
    /// An existing consultant, checked to exist before the write, with the columns to change.
    Existing { id: i64, changes: ConsultantChanges },
    /// A new consultant, created in the same transaction.
    New(NewConsultantRow),
}

/// A contract to insert.
#[derive(Debug, Clone)]
pub struct NewContractRow {
    /// The public id as sent and its uniqueness key (lower case); `None` to generate one.
    pub the_contract_id: Option<(String, String)>,
    pub status: ContractStatus,
    pub texts: BTreeMap<TextField, String>,
    pub dates: ContractDates,
    pub contract_type: Option<ContractType>,
    pub allocation: Option<u8>,
    pub max_hours: Option<i64>,
    pub client_price: Option<Amount>,
    pub vendor_price: Option<Amount>,
    pub vat: Option<Amount>,
    pub seller_id: Option<i64>,
    pub client_company: CompanyChoice,
    /// [`CompanyChoice::None`] for a contract without a vendor.
    pub vendor_company: CompanyChoice,
    pub consultant: Option<ConsultantChoice>,
    pub consult_skills: Vec<String>,
    pub created_at: Timestamp,
}

/// A new value for the date columns, written only while the stored dates are still `expected`:
/// the domain checked the date rules on `expected` merged with the edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatesChange {
    pub expected: ContractDates,
    pub new: ContractDates,
}

/// The columns an edit changes; `None` keeps the stored value. Only these columns are written,
/// so concurrent edits of different fields both survive.
#[derive(Debug, Clone)]
pub struct ContractChanges {
    /// Free-text fields to set (`Some`) or clear (`None`).
    pub texts: BTreeMap<TextField, Option<String>>,
    pub status: Option<ContractStatus>,
    pub dates: Option<DatesChange>,
    pub contract_type: Option<Option<ContractType>>,
    pub allocation: Option<Option<u8>>,
    pub max_hours: Option<Option<i64>>,
    pub client_price: Option<Option<Amount>>,
    pub vendor_price: Option<Option<Amount>>,
    pub vat: Option<Option<Amount>>,
    pub seller_id: Option<Option<i64>>,
    pub client_company: Option<CompanyChoice>,
    /// `Some(CompanyChoice::None)` removes the vendor.
    pub vendor_company: Option<CompanyChoice>,
    /// `Some(None)` detaches the consultant.
    pub consultant: Option<Option<ConsultantChoice>>,
    pub consult_skills: Option<Vec<String>>,
    pub updated_at: Timestamp,
}

impl ContractChanges {
    /// Changes that only set `updated_at`.
    pub fn at(updated_at: Timestamp) -> Self {
        Self {
            texts: BTreeMap::new(),
            status: None,
            dates: None,
            contract_type: None,
            allocation: None,
            max_hours: None,
            client_price: None,
            vendor_price: None,
            vat: None,
            seller_id: None,
            client_company: None,
            vendor_company: None,
            consultant: None,
            consult_skills: None,
            updated_at,
        }
    }
}

/// Outcome of a write to a contract that the state of the table may refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractWrite {
    Done,
    /// No contract has that id.
    NotFound,
    /// The contract is terminated and can't change.
    Terminated,
    /// The stored dates are no longer the ones the domain checked; nothing was written.
    StaleDates,
}

/// A page of the contract list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFilter {
    /// Only contracts in this status; `None` for every status but `terminated`.
    pub status: Option<ContractStatus>,
    /// A lower-cased text to find within the consultant's name or either company's name.
    pub search: Option<String>,
    pub page: PageRequest,
}

/// Storage of contracts, part of every backend's [`super::Store`].
#[async_trait]
pub trait ContractStore: Send + Sync {
    /// Inserts a contract, resolving or creating its companies and consultant in the same
    /// transaction. Returns its id and public id. A public id already taken is a unique
    /// violation on `the_contract_id_key`.
    async fn create_contract(&self, contract: &NewContractRow)
    -> Result<(i64, String), StoreError>;

    async fn contract_by_id(&self, id: i64) -> Result<Option<ContractRecord>, StoreError>;

    /// Finds a contract by the lower-cased form of its public id.
    async fn contract_by_key(&self, key: &str) -> Result<Option<ContractRecord>, StoreError>;

    /// Writes the given columns of a contract that is not terminated.
    async fn update_contract(
        &self,
        id: i64,
        changes: &ContractChanges,
    ) -> Result<ContractWrite, StoreError>;

    /// Sets the status `terminated` and `terminated_at` of a contract that is not terminated.
    async fn terminate_contract(&self, id: i64, at: Timestamp)
    -> Result<ContractWrite, StoreError>;

    /// Reads one page of contracts, newest first, and counts the contracts that match the filter.
    async fn list_contracts(
        &self,
        filter: &ContractFilter,
    ) -> Result<(Vec<ContractRecord>, i64), StoreError>;

    /// Counts the contracts that are not terminated whose client company is
    /// `client_company_id`, or all of them when it is `None`.
    async fn count_active_contracts(
        &self,
        client_company_id: Option<i64>,
    ) -> Result<i64, StoreError>;

    async fn consultant_by_id(&self, id: i64) -> Result<Option<ConsultantRecord>, StoreError>;
}
