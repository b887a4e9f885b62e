//! Users: reading the create and edit bodies, and the create, edit and soft-delete operations
//! with their permission checks in the order 403 → 404 → 422.

use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

use super::auth::hash_password;
use super::company::{self, CompanyInput, resolve_company_input};
use super::input::{self, Change, Field, MAX_EMAIL_CHARS, MAX_NAME_CHARS};
use super::permissions::{self, Actor, Capability};
use super::time::now;
use crate::error::{Error, ValidationErrors};
use crate::store::{
    CompanyChoice, NewUserRow, Store, StoreError, UserChanges, UserRecord, UserWrite,
};

const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_CHARS: usize = 1024;

/// A user's role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum UserType {
    /// Broker staff.
    Admin,
    /// A client organisation's user.
    Client,
    /// A vendor organisation's user.
    Vendor,
}

impl UserType {
    pub const VOCABULARY: [(&'static str, UserType); 3] = [
        ("admin", UserType::Admin),
        ("client", UserType::Client),
        ("vendor", UserType::Vendor),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Admin => "admin",
            UserType::Client => "client",
            UserType::Vendor => "vendor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::VOCABULARY
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, user_type)| *user_type)
    }
}

/// Returns the e-mail's uniqueness key: NFC-normalised and lower-cased, so that addresses differing
/// only in letter case or in how an accent is encoded are one address.
pub fn email_key(email: &str) -> String {
    email.trim().nfc().collect::<String>().to_lowercase()
}

/// A valid create-user body.
#[derive(Debug, Clone)]
struct NewUser {
    name: String,
    email: String,
    password: String,
    user_type: UserType,
    phone: Option<String>,
    company: CompanyInput,
    is_verified: Option<bool>,
}

/// A valid edit-user body; every field may be left unchanged.
#[derive(Debug, Clone, Default)]
struct UserEdit {
    name: Option<String>,
    email: Option<String>,
    phone: Option<Change<String>>,
    user_type: Option<UserType>,
    password: Option<String>,
    company: Option<Change<CompanyInput>>,
    is_verified: Option<bool>,
}

fn read_email(value: &Value, errors: &mut ValidationErrors) -> Option<String> {
    let email = input::text(value, "email", MAX_EMAIL_CHARS, errors)?;
    if input::is_valid_email(&email) {
        Some(email)
    } else {
        errors.add("email", "The email field must be a valid email address.");
        None
    }
}

fn read_user_type(object: &Map<String, Value>, errors: &mut ValidationErrors) -> Option<UserType> {
    let value = Field::of(object, "type").given()?;
    input::one_of(value, "type", &UserType::VOCABULARY, errors)
}

/// Reads `password` and `confirm_password`. With `required`, a missing password is a problem.
fn read_password(
    object: &Map<String, Value>,
    required: bool,
    errors: &mut ValidationErrors,
) -> Option<String> {
    let Some(value) = Field::of(object, "password").given() else {
        if required {
            errors.add("password", "The password field is required.");
        }
        return None;
    };
    let Some(password) = value.as_str() else {
        errors.add("password", "The password field must be a string.");
        return None;
    };
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        errors.add(
            "password",
            format!("The password field must be at least {MIN_PASSWORD_CHARS} characters."),
        );
        return None;
    }
    if length > MAX_PASSWORD_CHARS {
        errors.add(
            "password",
            format!("The password field must not be greater than {MAX_PASSWORD_CHARS} characters."),
        );
        return None;
    }
    match Field::of(object, "confirm_password")
        .given()
        .and_then(Value::as_str)
    {
        Some(confirmation) if confirmation == password => Some(password.to_owned()),
        Some(_) => {
            errors.add(
                "confirm_password",
                "The confirm password field must match password.",
            );
            None
        }
        None => {
            errors.add(
                "confirm_password",
                "The confirm password field is required.",
            );
            None
        }
    }
}

fn read_new_user(
    object: &Map<String, Value>,
    password_required: bool,
    errors: &mut ValidationErrors,
) -> Option<NewUser> {
    let name = input::required_text(object, "name", MAX_NAME_CHARS, errors);
    let email = match Field::of(object, "email").given() {
        Some(value) => read_email(value, errors),
        None => {
            errors.add("email", "The email field is required.");
            None
        }
    };
    let password = if password_required || !Field::of(object, "password").is_absent() {
        read_password(object, true, errors)
    } else {
        Some(String::new())
    };
    let user_type = match Field::of(object, "type") {
        Field::Given(_) => read_user_type(object, errors),
        _ => Some(UserType::Client),
    };
    let phone = input::optional_text(object, "phone", MAX_NAME_CHARS, errors);
    let company = CompanyInput {
        id: input::optional_id(object, "company_id", errors),
        name: input::optional_text(object, "company_name", MAX_NAME_CHARS, errors),
    };
    let is_verified = input::optional_boolean(object, "is_verified", errors);

    Some(NewUser {
        name: name?,
        email: email?,
        password: password?,
        user_type: user_type?,
        phone,
        company,
        is_verified,
    })
}

fn read_company_object(value: &Value, errors: &mut ValidationErrors) -> Option<CompanyInput> {
    let invalid = "The company field must be null or an object with a name or an id.";
    let Value::Object(company) = value else {
        errors.add("company", invalid);
        return None;
    };
    let id = input::optional_id(company, "id", errors);
    let name = Field::of(company, "name")
        .given()
        .and_then(|value| input::text(value, "company.name", MAX_NAME_CHARS, errors));
    if id.is_none() && name.is_none() {
        if !errors.has("company.id") && !errors.has("company.name") {
            errors.add("company", invalid);
        }
        return None;
    }
    Some(CompanyInput { id, name })
}

fn read_user_edit(object: &Map<String, Value>, errors: &mut ValidationErrors) -> UserEdit {
    let mut edit = UserEdit::default();
    match Field::of(object, "name") {
        Field::Absent => {}
        Field::Empty => errors.add("name", "The name field must not be empty."),
        Field::Given(value) => edit.name = input::text(value, "name", MAX_NAME_CHARS, errors),
    }
    match Field::of(object, "email") {
        Field::Absent => {}
        Field::Empty => errors.add("email", "The email field must not be empty."),
        Field::Given(value) => edit.email = read_email(value, errors),
    }
    edit.phone = input::text_change(object, "phone", MAX_NAME_CHARS, errors)
        .filter(|change| !change.is_keep());
    edit.user_type = read_user_type(object, errors);
    if !Field::of(object, "password").is_absent() {
        edit.password = read_password(object, true, errors);
    }
    edit.company = match Field::of(object, "company") {
        Field::Absent => None,
        Field::Empty => Some(Change::Clear),
        Field::Given(value) => read_company_object(value, errors).map(Change::Set),
    };
    edit.is_verified = input::optional_boolean(object, "is_verified", errors);
    edit
}

/// Checks whether `input` names the company `company_id` (and nothing else).
async fn names_company(
    store: &dyn Store,
    input: &CompanyInput,
    company_id: Option<i64>,
) -> Result<bool, Error> {
    let Some(current) = company_id else {
        return Ok(false);
    };
    if input.id.is_some_and(|id| id != current) {
        return Ok(false);
    }
    match &input.name {
        None => Ok(true),
        Some(name) => {
            let found = store.company_by_id(current).await?;
            Ok(found
                .is_some_and(|company| company::name_key(&company.name) == company::name_key(name)))
        }
    }
}

/// Records "already taken" when another user has `email`.
async fn check_email_free(
    store: &dyn Store,
    email: &str,
    except_id: Option<i64>,
    errors: &mut ValidationErrors,
) -> Result<(), Error> {
    if let Some(existing) = store.user_by_email_key(&email_key(email)).await?
        && Some(existing.id) != except_id
    {
        errors.add("email", "The email has already been taken.");
    }
    Ok(())
}

fn email_taken_or(error: StoreError) -> Error {
    if error.is_unique_on("email_key") {
        ValidationErrors::single("email", "The email has already been taken.")
    } else {
        error.into()
    }
}

/// Creates a user from a create-user body and returns its id.
pub async fn create_user(
    store: &dyn Store,
    actor: &Actor,
    body: &Map<String, Value>,
) -> Result<i64, Error> {
    create(store, actor, body, true).await
}

/// Creates a user for the operator's command line, where a password is optional: a user
/// without one signs in with API keys only.
pub async fn create_user_as_operator(
    store: &dyn Store,
    actor: &Actor,
    body: &Map<String, Value>,
    with_password: bool,
) -> Result<i64, Error> {
    create(store, actor, body, with_password).await
}

async fn create(
    store: &dyn Store,
    actor: &Actor,
    body: &Map<String, Value>,
    password_required: bool,
) -> Result<i64, Error> {
    permissions::require(actor, Capability::CreateUsers)?;

    let mut errors = ValidationErrors::new();
    let new_user = read_new_user(body, password_required, &mut errors);

    let mut company = new_user
        .as_ref()
        .map(|user| user.company.clone())
        .unwrap_or_default();
    if !actor.is_admin() {
        // A client adds client users to its own company only.
        let privileged = new_user
            .as_ref()
            .is_some_and(|user| user.user_type != UserType::Client || user.is_verified.is_some());
        let names_other = company != CompanyInput::default()
            && !names_company(store, &company, actor.company_id).await?;
        if privileged || names_other {
            return Err(Error::Forbidden);
        }
        company = CompanyInput {
            id: actor.company_id,
            name: None,
        };
    }

    let choice =
        resolve_company_input(store, &company, "company_id", "company_name", &mut errors).await?;
    if let Some(user) = &new_user {
        check_email_free(store, &user.email, None, &mut errors).await?;
    }
    errors.into_result()?;
    let Some(user) = new_user else {
        return Err(Error::Internal(anyhow::anyhow!(
            "user body invalid without a recorded problem"
        )));
    };

    let row = NewUserRow {
        email_key: email_key(&user.email),
        email: user.email,
        name: user.name,
        password_hash: match user.password.is_empty() {
            true => None,
            false => Some(hash_password(user.password).await?),
        },
        user_type: user.user_type,
        phone: user.phone,
        company: choice,
        is_verified: user.is_verified.unwrap_or(false),
        created_at: now(),
    };
    store.create_user(&row).await.map_err(email_taken_or)
}

/// Loads an active user that the caller can see, or returns a 404 error.
async fn visible_user(store: &dyn Store, actor: &Actor, id: i64) -> Result<UserRecord, Error> {
    match store.user_by_id(id).await? {
        Some(user) if user.deleted_at.is_none() && permissions::can_see_user(actor, &user) => {
            Ok(user)
        }
        _ => Err(Error::NotFound),
    }
}

/// Returns a 403 error when a non-admin's edit changes what only staff may change.
async fn check_privileged_edit(
    store: &dyn Store,
    actor: &Actor,
    target: &UserRecord,
    edit: &UserEdit,
) -> Result<(), Error> {
    if actor.is_admin() {
        return Ok(());
    }
    let changes_type = edit
        .user_type
        .is_some_and(|user_type| user_type != target.user_type);
    let changes_company = match &edit.company {
        None => false,
        Some(Change::Keep) => false,
        Some(Change::Clear) => target.company_id.is_some(),
        Some(Change::Set(input)) => !names_company(store, input, target.company_id).await?,
    };
    if changes_type || changes_company || edit.is_verified.is_some() {
        return Err(Error::Forbidden);
    }
    Ok(())
}

/// Applies an edit-user body to user `id`.
pub async fn edit_user(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    body: &Map<String, Value>,
) -> Result<(), Error> {
    if actor.id != id {
        permissions::require(actor, Capability::EditOtherUsers)?;
    }
    let target = visible_user(store, actor, id).await?;
    permissions::check_edit_user(actor, &target)?;

    let mut errors = ValidationErrors::new();
    let edit = read_user_edit(body, &mut errors);
    check_privileged_edit(store, actor, &target, &edit).await?;

    let company = match &edit.company {
        Some(Change::Set(input)) => Some(
            resolve_company_input(store, input, "company.id", "company.name", &mut errors).await?,
        ),
        Some(Change::Clear) => Some(CompanyChoice::None),
        _ => None,
    };
    if let Some(email) = &edit.email {
        check_email_free(store, email, Some(id), &mut errors).await?;
    }
    errors.into_result()?;

    let password_hash = match edit.password {
        Some(password) => Some(hash_password(password).await?),
        None => None,
    };
    let changes = UserChanges {
        name: edit.name,
        email: edit
            .email
            .map(|email| (email_key(&email), email))
            .map(|(key, email)| (email, key)),
        phone: edit.phone.map(|change| match change {
            Change::Set(phone) => Some(phone),
            _ => None,
        }),
        user_type: edit.user_type,
        password_hash,
        company,
        is_verified: edit.is_verified,
        updated_at: Some(now()),
    };
    match store
        .update_user(id, &changes)
        .await
        .map_err(email_taken_or)?
    {
        UserWrite::Done => Ok(()),
        UserWrite::NotFound => Err(Error::NotFound),
        UserWrite::LastAdmin => Err(ValidationErrors::single(
            "type",
            "The last active admin can't be demoted.",
        )),
    }
}

/// Soft-deletes user `id`: the row stays, and its keys stop working at once.
pub async fn soft_delete_user(store: &dyn Store, actor: &Actor, id: i64) -> Result<(), Error> {
    permissions::require(actor, Capability::SoftDeleteUsers)?;
    if actor.id == id || !actor.is_verified {
        return Err(Error::Forbidden);
    }
    let target = visible_user(store, actor, id).await?;
    permissions::check_soft_delete_user(actor, &target)?;

    match store.soft_delete_user(id, now()).await? {
        UserWrite::Done => Ok(()),
        UserWrite::NotFound => Err(Error::NotFound),
        UserWrite::LastAdmin => Err(ValidationErrors::single(
            "user",
            "The last active admin can't be deleted.",
        )),
    }
}

/// Loads the caller's own profile.
pub async fn current_user(store: &dyn Store, actor: &Actor) -> Result<UserRecord, Error> {
    visible_user(store, actor, actor.id).await
}
