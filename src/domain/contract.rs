//! Contracts: their vocabularies, and the create, edit, cancel, read and list operations with
//! their checks in the order 403 → 404 → 422 → 409. Reading request bodies is in [`body`].

mod body;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use self::body::{CompanySide, ConsultantInput, ContractEdit};
use super::company::{self, CompanyInput};
use super::input::{self, Change};
use super::pagination::{PageNumbers, PageRequest};
use super::permissions::{self, Actor, Capability};
use super::time::now;
use crate::error::{Error, ValidationErrors};
use crate::store::contracts::{
    ConsultantChanges, ConsultantChoice, ContractChanges, ContractDates, ContractFilter,
    ContractRecord, ContractWrite, DatesChange, NewConsultantRow, NewContractRow,
};
use crate::store::{CompanyChoice, Store};

/// Maximum length of a public contract id, in characters.
pub const MAX_CONTRACT_ID_CHARS: usize = 64;
/// Maximum length of the contract list's `search` text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Maximum attempts of a date edit while other edits keep changing the dates first.
const MAX_DATE_EDIT_ATTEMPTS: usize = 5;
/// Maximum attempts of a create whose generated public id clashed with a concurrent insert.
const MAX_GENERATE_ATTEMPTS: usize = 5;

/// A contract's status. `terminated` is reached only by cancelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractStatus {
    NotStarted,
    Ongoing,
    Ended,
    Terminated,
}

impl ContractStatus {
    /// The statuses a body may set. `active`, seen in a published list, means `ongoing`.
    pub const SETTABLE: [(&'static str, ContractStatus); 4] = [
        ("not started", ContractStatus::NotStarted),
        ("ongoing", ContractStatus::Ongoing),
        ("ended", ContractStatus::Ended),
        ("active", ContractStatus::Ongoing),
    ];

    /// The statuses the list filters by.
    pub const FILTERS: [(&'static str, ContractStatus); 5] = [
        ("not started", ContractStatus::NotStarted),
        ("ongoing", ContractStatus::Ongoing),
        ("ended", ContractStatus::Ended),
        ("terminated", ContractStatus::Terminated),
        ("active", ContractStatus::Ongoing),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::NotStarted => "not started",
            ContractStatus::Ongoing => "ongoing",
            ContractStatus::Ended => "ended",
            ContractStatus::Terminated => "terminated",
        }
    }

    /// Reads a stored status.
    pub fn parse(text: &str) -> Option<Self> {
        Self::FILTERS
            .iter()
            .find(|(name, status)| *name == text && status.as_str() == text)
            .map(|(_, status)| *status)
    }
}

/// The billing basis of a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractType {
    Hourly,
    Daily,
    Monthly,
    Fixed,
}

impl ContractType {
    pub const VOCABULARY: [(&'static str, ContractType); 4] = [
        ("hourly", ContractType::Hourly),
        ("daily", ContractType::Daily),
        ("monthly", ContractType::Monthly),
        ("fixed", ContractType::Fixed),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractType::Hourly => "hourly",
            ContractType::Daily => "daily",
            ContractType::Monthly => "monthly",
            ContractType::Fixed => "fixed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::VOCABULARY
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, contract_type)| *contract_type)
    }
}

/// The free-text fields of a contract. Each one's request key is also its column name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TextField {
    ClientContractId,
    ServiceCode,
    WorkScope,
    NoticePeriod,
    Unit,
    HourReport,
    InvoicingChannel,
    ClientBusinessId,
    ClientContact,
    ClientPurchaseOrder,
    VendorCompanyForClient,
    VendorContact,
    Notes,
}

impl TextField {
    pub const ALL: [TextField; 13] = [
        TextField::ClientContractId,
        TextField::ServiceCode,
        TextField::WorkScope,
        TextField::NoticePeriod,
        TextField::Unit,
        TextField::HourReport,
        TextField::InvoicingChannel,
        TextField::ClientBusinessId,
        TextField::ClientContact,
        TextField::ClientPurchaseOrder,
        TextField::VendorCompanyForClient,
        TextField::VendorContact,
        TextField::Notes,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TextField::ClientContractId => "client_contract_id",
            TextField::ServiceCode => "service_code",
            TextField::WorkScope => "work_scope",
            TextField::NoticePeriod => "notice_period",
            TextField::Unit => "unit",
            TextField::HourReport => "hour_report",
            TextField::InvoicingChannel => "invoicing_channel",
            TextField::ClientBusinessId => "client_business_id",
            TextField::ClientContact => "client_contact",
            TextField::ClientPurchaseOrder => "client_purchase_order",
            TextField::VendorCompanyForClient => "vendor_company_for_client",
            TextField::VendorContact => "vendor_contact",
            TextField::Notes => "notes",
        }
    }

    /// Returns the maximum length in characters: work scopes and notes may be long, codes and
    /// names not.
    pub fn max_chars(self) -> usize {
        match self {
            TextField::WorkScope | TextField::Notes => MAX_LONG_TEXT_CHARS,
            _ => input::MAX_NAME_CHARS,
        }
    }
}

/// Maximum length of `work_scope` or `notes`, in characters.
pub const MAX_LONG_TEXT_CHARS: usize = 65_535;

/// A contract as a path names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContractRef {
    /// `/api/v1/contracts/id/{id}/...`
    Id(i64),
    /// `/api/v1/contracts/{the_contract_id}/...`, as decoded from the path.
    Public(String),
}

/// Returns the uniqueness key of a public contract id, so that ids differing only in letter
/// case are one id.
pub fn contract_id_key(the_contract_id: &str) -> String {
    the_contract_id.to_lowercase()
}

/// Formats the public id generated for the `number`th contract of `year`: `CNTR-2026-0005`.
pub fn generated_contract_id(year: i32, number: i64) -> String {
    format!("CNTR-{year}-{number:04}")
}

/// Applies the date rules and returns the dates to store. With `is_infinite` the end is dropped
/// before anything is compared. Otherwise a start is required, and an end may not precede it.
pub fn check_dates(dates: ContractDates, errors: &mut ValidationErrors) -> ContractDates {
    let contract_end = if dates.is_infinite {
        None
    } else {
        dates.contract_end
    };
    // A start that was sent but could not be read has its own problem recorded already.
    if !dates.is_infinite && dates.contract_start.is_none() && !errors.has("contract_start") {
        errors.add(
            "contract_start",
            "The contract start field is required unless is infinite is true.",
        );
    }
    if let (Some(start), Some(end)) = (dates.contract_start, contract_end)
        && end < start
    {
        errors.add(
            "contract_end",
            format!("The contract end must be a date after or equal to contract start ({start})."),
        );
    }
    ContractDates {
        contract_end,
        ..dates
    }
}

/// The result of a create: the new contract's id and public id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedContract {
    pub id: i64,
    pub the_contract_id: String,
}

fn duplicate_id_message(the_contract_id: &str) -> String {
    format!("The contract id {the_contract_id} has already been taken.")
}

/// Creates a contract from a create-contract body.
pub async fn create_contract(
    store: &dyn Store,
    actor: &Actor,
    body: &Map<String, Value>,
) -> Result<CreatedContract, Error> {
    permissions::require(actor, Capability::ManageContracts)?;

    let mut errors = ValidationErrors::new();
    let contract = body::read_new_contract(body, &mut errors);
    let dates = check_dates(contract.dates, &mut errors);
    let references = resolve_references(store, &contract.references(), &mut errors).await?;
    if let Some(the_contract_id) = &contract.the_contract_id
        && store
            .contract_by_key(&contract_id_key(the_contract_id))
            .await?
            .is_some()
    {
        errors.add("the_contract_id", duplicate_id_message(the_contract_id));
    }
    errors.into_result()?;

    let row = NewContractRow {
        the_contract_id: contract
            .the_contract_id
            .as_ref()
            .map(|id| (id.clone(), contract_id_key(id))),
        status: contract.status.unwrap_or(ContractStatus::NotStarted),
        texts: contract.texts,
        dates,
        contract_type: contract.contract_type,
        allocation: contract.allocation,
        max_hours: contract.max_hours,
        client_price: contract.client_price,
        vendor_price: contract.vendor_price,
        vat: contract.vat,
        seller_id: contract.seller_id,
        client_company: references.client_company.unwrap_or(CompanyChoice::None),
        vendor_company: references.vendor_company.unwrap_or(CompanyChoice::None),
        consultant: references.consultant.flatten(),
        consult_skills: contract.consult_skills,
        created_at: now(),
    };
    insert_contract(store, &row).await
}

/// Inserts the row. A generated id can clash with an id that another request sent and had not
/// committed when the number was picked, because PostgreSQL runs writers concurrently. The client
/// did not cause that clash, so the insert is tried again with the next number.
async fn insert_contract(
    store: &dyn Store,
    row: &NewContractRow,
) -> Result<CreatedContract, Error> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match store.create_contract(row).await {
            Ok((id, the_contract_id)) => {
                return Ok(CreatedContract {
                    id,
                    the_contract_id,
                });
            }
            Err(error) if error.is_unique_on("the_contract_id_key") => {
                let Some((sent, _)) = &row.the_contract_id else {
                    if attempts < MAX_GENERATE_ATTEMPTS {
                        continue;
                    }
                    return Err(error.into());
                };
                return Err(ValidationErrors::single(
                    "the_contract_id",
                    duplicate_id_message(sent),
                ));
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// The parts of a body that name other records, before they are checked.
#[derive(Debug, Clone, Default)]
struct References {
    client_company: Option<CompanySide>,
    vendor_company: Option<CompanySide>,
    seller_id: Option<i64>,
    consultant: Option<Option<ConsultantInput>>,
}

/// The references once checked: `None` leaves a part unchanged.
#[derive(Debug, Clone, Default)]
struct ResolvedReferences {
    client_company: Option<CompanyChoice>,
    vendor_company: Option<CompanyChoice>,
    consultant: Option<Option<ConsultantChoice>>,
}

/// Checks that every id a body names exists, recording problems by field, and turns company
/// and consultant inputs into the choices a write takes.
async fn resolve_references(
    store: &dyn Store,
    references: &References,
    errors: &mut ValidationErrors,
) -> Result<ResolvedReferences, Error> {
    let client_company = match &references.client_company {
        Some(CompanySide::Named(named)) => {
            Some(resolve_company(store, named, "client_company", errors).await?)
        }
        Some(CompanySide::Cleared) => {
            errors.add(
                "client_company_name",
                "The client company name field is required.",
            );
            None
        }
        None => None,
    };
    let vendor_company = match &references.vendor_company {
        Some(CompanySide::Named(named)) => {
            Some(resolve_company(store, named, "vendor_company", errors).await?)
        }
        Some(CompanySide::Cleared) => Some(CompanyChoice::None),
        None => None,
    };
    if let Some(seller_id) = references.seller_id {
        let active = store
            .user_by_id(seller_id)
            .await?
            .is_some_and(|user| user.deleted_at.is_none());
        if !active {
            errors.add("seller_id", "The selected seller id is not an active user.");
        }
    }
    let consultant = match &references.consultant {
        Some(Some(consultant)) => Some(resolve_consultant(store, consultant, errors).await?),
        Some(None) => Some(None),
        None => None,
    };
    Ok(ResolvedReferences {
        client_company,
        vendor_company,
        consultant,
    })
}

async fn resolve_company(
    store: &dyn Store,
    named: &CompanyInput,
    side: &str,
    errors: &mut ValidationErrors,
) -> Result<CompanyChoice, Error> {
    let id_field = format!("{side}_id");
    let name_field = format!("{side}_name");
    company::resolve_company_input(store, named, &id_field, &name_field, errors).await
}

async fn resolve_consultant(
    store: &dyn Store,
    consultant: &ConsultantInput,
    errors: &mut ValidationErrors,
) -> Result<Option<ConsultantChoice>, Error> {
    match consultant {
        ConsultantInput::Existing { id, changes } => {
            if store.consultant_by_id(*id).await?.is_none() {
                errors.add(
                    "selected_consultant.id",
                    format!("The selected consultant {id} does not exist."),
                );
                return Ok(None);
            }
            let changes = ConsultantChanges {
                name: changes
                    .name
                    .as_ref()
                    .map(|name| (name.clone(), company::name_key(name))),
                title: change_to_column(&changes.title),
                email: change_to_column(&changes.email),
                phone: change_to_column(&changes.phone),
            };
            Ok(Some(ConsultantChoice::Existing { id: *id, changes }))
        }
        ConsultantInput::New {
            name,
            title,
            email,
            phone,
        } => Ok(Some(ConsultantChoice::New(NewConsultantRow {
            name: name.clone(),
            name_key: company::name_key(name),
            title: title.clone(),
            email: email.clone(),
            phone: phone.clone(),
        }))),
    }
}

/// Converts a [`Change`] into a column write: `None` keeps, `Some(None)` clears, and
/// `Some(Some(_))` sets.
fn change_to_column<T: Clone>(change: &Change<T>) -> Option<Option<T>> {
    match change {
        Change::Keep => None,
        Change::Clear => Some(None),
        Change::Set(value) => Some(Some(value.clone())),
    }
}

/// Loads the contract a path names, or returns a 404 error.
async fn find_contract(store: &dyn Store, contract: &ContractRef) -> Result<ContractRecord, Error> {
    let found = match contract {
        ContractRef::Id(id) => store.contract_by_id(*id).await?,
        ContractRef::Public(the_contract_id) => {
            // Ids that could never have been stored are not looked up: PostgreSQL rejects a
            // NUL byte in a query parameter outright.
            let storable = the_contract_id.chars().count() <= MAX_CONTRACT_ID_CHARS
                && !the_contract_id.chars().any(char::is_control);
            if !storable {
                return Err(Error::NotFound);
            }
            store
                .contract_by_key(&contract_id_key(the_contract_id))
                .await?
        }
    };
    found.ok_or(Error::NotFound)
}

/// Reads one contract.
pub async fn get_contract(
    store: &dyn Store,
    actor: &Actor,
    contract: &ContractRef,
) -> Result<ContractRecord, Error> {
    permissions::require(actor, Capability::ManageContracts)?;
    find_contract(store, contract).await
}

fn terminated_conflict(action: &str) -> Error {
    Error::Conflict(format!(
        "Contract cannot be {action} in status {}.",
        ContractStatus::Terminated.as_str()
    ))
}

/// Applies an edit-contract body and returns the contract's id. Omitted keys keep their value,
/// `null` or `""` clears an optional field, and the date rules are checked on the stored dates
/// merged with the edit.
pub async fn edit_contract(
    store: &dyn Store,
    actor: &Actor,
    contract: &ContractRef,
    body: &Map<String, Value>,
) -> Result<i64, Error> {
    permissions::require(actor, Capability::ManageContracts)?;
    let mut current = find_contract(store, contract).await?;

    let mut errors = ValidationErrors::new();
    let edit = body::read_contract_edit(body, &mut errors);
    if let Some(sent) = &edit.the_contract_id
        && contract_id_key(sent) != contract_id_key(&current.the_contract_id)
    {
        errors.add("the_contract_id", "The contract id can't be changed.");
    }
    let references = resolve_references(store, &edit.references(), &mut errors).await?;
    let mut dates = edit
        .touches_dates()
        .then(|| check_dates(edit.merge_dates(current.dates), &mut errors));
    errors.into_result()?;

    for _ in 0..MAX_DATE_EDIT_ATTEMPTS {
        if current.status == ContractStatus::Terminated {
            return Err(terminated_conflict("edited"));
        }
        let changes = contract_changes(&edit, &references, dates, current.dates);
        match store.update_contract(current.id, &changes).await? {
            ContractWrite::Done => return Ok(current.id),
            ContractWrite::NotFound => return Err(Error::NotFound),
            ContractWrite::Terminated => return Err(terminated_conflict("edited")),
            ContractWrite::StaleDates => {
                // Another edit changed the dates after they were read, so the rules are checked
                // again on the dates it left.
                current = find_contract(store, &ContractRef::Id(current.id)).await?;
                let mut errors = ValidationErrors::new();
                dates = Some(check_dates(edit.merge_dates(current.dates), &mut errors));
                errors.into_result()?;
            }
        }
    }
    Err(Error::Internal(anyhow::anyhow!(
        "contract {} edit met concurrent date edits {MAX_DATE_EDIT_ATTEMPTS} times",
        current.id
    )))
}

fn contract_changes(
    edit: &ContractEdit,
    references: &ResolvedReferences,
    dates: Option<ContractDates>,
    expected: ContractDates,
) -> ContractChanges {
    let mut changes = ContractChanges::at(now());
    changes.texts = edit
        .texts
        .iter()
        .filter_map(|(field, change)| change_to_column(change).map(|column| (*field, column)))
        .collect::<BTreeMap<_, _>>();
    changes.status = edit.status;
    changes.dates = dates.map(|new| DatesChange { expected, new });
    changes.contract_type = change_to_column(&edit.contract_type);
    changes.allocation = change_to_column(&edit.allocation);
    changes.max_hours = change_to_column(&edit.max_hours);
    changes.client_price = change_to_column(&edit.client_price);
    changes.vendor_price = change_to_column(&edit.vendor_price);
    changes.vat = change_to_column(&edit.vat);
    changes.seller_id = change_to_column(&edit.seller_id);
    changes.client_company = references.client_company.clone();
    changes.vendor_company = references.vendor_company.clone();
    changes.consultant = references.consultant.clone();
    changes.consult_skills = edit.consult_skills.clone();
    changes
}

/// Terminates a contract. The record stays, with status `terminated` and `terminated_at` set.
pub async fn cancel_contract(
    store: &dyn Store,
    actor: &Actor,
    contract: &ContractRef,
) -> Result<i64, Error> {
    permissions::require(actor, Capability::ManageContracts)?;
    let current = find_contract(store, contract).await?;

    match store.terminate_contract(current.id, now()).await? {
        ContractWrite::Done => Ok(current.id),
        ContractWrite::NotFound => Err(Error::NotFound),
        ContractWrite::Terminated | ContractWrite::StaleDates => {
            Err(terminated_conflict("cancelled"))
        }
    }
}

/// The query of the contract list, as sent.
#[derive(Debug, Clone, Default)]
pub struct ContractListQuery {
    pub status: Option<String>,
    pub search: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// A page of contracts and its numbers.
#[derive(Debug, Clone)]
pub struct ContractPage {
    pub numbers: PageNumbers,
    pub contracts: Vec<ContractRecord>,
}

/// Lists contracts newest first. Terminated ones are left out unless `status=terminated`.
pub async fn list_contracts(
    store: &dyn Store,
    actor: &Actor,
    query: &ContractListQuery,
) -> Result<ContractPage, Error> {
    permissions::require(actor, Capability::ManageContracts)?;

    let mut errors = ValidationErrors::new();
    let page = PageRequest::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
    let status = query
        .status
        .as_deref()
        .filter(|status| !status.trim().is_empty())
        .and_then(|status| {
            input::one_of(
                &Value::String(status.to_owned()),
                "status",
                &ContractStatus::FILTERS,
                &mut errors,
            )
        });
    let search = query
        .search
        .as_deref()
        .filter(|search| !search.trim().is_empty())
        .and_then(|search| {
            input::text(
                &Value::String(search.to_owned()),
                "search",
                MAX_SEARCH_CHARS,
                &mut errors,
            )
        })
        .map(|search| company::name_key(&search));
    errors.into_result()?;

    let filter = ContractFilter {
        status,
        search,
        page,
    };
    let (contracts, total) = store.list_contracts(&filter).await?;
    Ok(ContractPage {
        numbers: PageNumbers::new(page, total, contracts.len()),
        contracts,
    })
}

/// Formats a contract date as responses show it: `2025-01-01 00:00:00`.
pub fn format_contract_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d 00:00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Option<NaiveDate> {
        Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn infinite_contract_drops_end_before_comparing() {
        let mut errors = ValidationErrors::new();
        let dates = check_dates(
            ContractDates {
                contract_start: date("2026-01-22"),
                contract_end: date("2019-08-24"),
                is_infinite: true,
            },
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(dates.contract_end, None);
    }

    #[test]
    fn end_before_start_is_rejected() {
        let mut errors = ValidationErrors::new();
        check_dates(
            ContractDates {
                contract_start: date("2026-01-22"),
                contract_end: date("2026-01-21"),
                is_infinite: false,
            },
            &mut errors,
        );
        assert!(errors.has("contract_end"));
    }

    #[test]
    fn start_required_unless_infinite() {
        let mut errors = ValidationErrors::new();
        let finite = ContractDates {
            contract_start: None,
            contract_end: None,
            is_infinite: false,
        };
        check_dates(finite, &mut errors);
        assert!(errors.has("contract_start"));

        let mut errors = ValidationErrors::new();
        check_dates(
            ContractDates {
                is_infinite: true,
                ..finite
            },
            &mut errors,
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn generated_ids_have_four_digits_at_least() {
        assert_eq!(generated_contract_id(2026, 5), "CNTR-2026-0005");
        assert_eq!(generated_contract_id(2026, 12345), "CNTR-2026-12345");
    }

    #[test]
    fn stored_statuses_read_back() {
        for (name, _) in ContractStatus::FILTERS {
            if name == "active" {
                assert_eq!(ContractStatus::parse(name), None);
            } else {
                assert_eq!(
                    ContractStatus::parse(name).map(ContractStatus::as_str),
                    Some(name)
                );
            }
        }
    }
}
