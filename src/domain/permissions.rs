//! The roles table, in one place. Handlers and domain operations ask these functions and never
//! test a user's type themselves.
//!
//! | action | admin | client | vendor |
//! | --- | --- | --- | --- |
//! | read own profile | yes | yes | yes |
//! | create a user | any type, any company | `client` users of its own company | no |
//! | edit a user | anyone | self and `client` users of its own company | self |
//! | soft-delete a user | anyone but self | `client` users of its own company but self | no |
//! | inquiries and positions | all | its company's | no |
//! | advance an inquiry's stage | yes | no | no |
//! | contracts | all | no | no |
//!
//! Non-admins may not grant `admin`, change a type or a company, or set `is_verified`. Role
//! checks return 403. A resource outside the caller's company returns 404, as if it did not
//! exist.

use crate::error::Error;
use crate::store::UserRecord;

use super::user::UserType;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub email: String,
    pub user_type: UserType,
    pub company_id: Option<i64>,
    pub is_verified: bool,
    /// The API key the request came with.
    pub key_id: i64,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.user_type == UserType::Admin
    }
}

/// Kinds of action whose permission depends on the caller's role alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    CreateUsers,
    EditOtherUsers,
    SoftDeleteUsers,
    /// Create, list, read, submit and cancel inquiries and positions.
    UseInquiries,
    AdvanceInquiryStage,
    ManageContracts,
    /// Read, create and revoke API keys of other users.
    ManageAnyApiKeys,
    /// Set values only staff may set: type `admin`, `is_verified`, another company.
    SetPrivilegedUserFields,
}

/// Returns a 403 error unless the caller's role may do `capability` at all.
pub fn require(actor: &Actor, capability: Capability) -> Result<(), Error> {
    let allowed = match actor.user_type {
        UserType::Admin => true,
        UserType::Client => match capability {
            // A client outside any company has no company to add users to.
            Capability::CreateUsers => actor.company_id.is_some(),
            Capability::EditOtherUsers | Capability::SoftDeleteUsers | Capability::UseInquiries => {
                true
            }
            Capability::AdvanceInquiryStage
            | Capability::ManageContracts
            | Capability::ManageAnyApiKeys
            | Capability::SetPrivilegedUserFields => false,
        },
        UserType::Vendor => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Checks whether `target` exists for the caller: admins see everyone, clients their company's users
/// and themselves, vendors only themselves. A hidden user gets 404.
pub fn can_see_user(actor: &Actor, target: &UserRecord) -> bool {
    if actor.is_admin() || actor.id == target.id {
        return true;
    }
    match (actor.user_type, actor.company_id) {
        (UserType::Client, Some(company)) => target.company_id == Some(company),
        _ => false,
    }
}

/// Returns a 403 error unless the caller may edit `target`, a user it can see.
pub fn check_edit_user(actor: &Actor, target: &UserRecord) -> Result<(), Error> {
    if actor.is_admin() || actor.id == target.id {
        return Ok(());
    }
    require(actor, Capability::EditOtherUsers)?;
    if target.user_type == UserType::Client {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Returns a 403 error unless the caller may soft-delete `target`, a user it can see.
pub fn check_soft_delete_user(actor: &Actor, target: &UserRecord) -> Result<(), Error> {
    require(actor, Capability::SoftDeleteUsers)?;
    if !actor.is_verified || actor.id == target.id {
        return Err(Error::Forbidden);
    }
    if actor.is_admin() || target.user_type == UserType::Client {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Checks whether a company-owned resource (an inquiry) exists for the caller. Admins see all; a client
/// sees its company's, or, without a company, only what it created itself.
pub fn can_see_company_resource(actor: &Actor, company_id: Option<i64>, owner_id: i64) -> bool {
    if actor.is_admin() {
        return true;
    }
    match actor.company_id {
        Some(own) => company_id == Some(own),
        None => company_id.is_none() && owner_id == actor.id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(user_type: UserType, company_id: Option<i64>) -> Actor {
        Actor {
            id: 1,
            email: "a@example.com".to_owned(),
            user_type,
            company_id,
            is_verified: true,
            key_id: 1,
        }
    }

    #[test]
    fn vendors_may_do_nothing_role_gated() {
        let vendor = actor(UserType::Vendor, Some(1));
        for capability in [
            Capability::CreateUsers,
            Capability::EditOtherUsers,
            Capability::SoftDeleteUsers,
            Capability::UseInquiries,
            Capability::AdvanceInquiryStage,
            Capability::ManageContracts,
        ] {
            assert!(require(&vendor, capability).is_err(), "{capability:?}");
        }
    }

    #[test]
    fn client_without_company_cannot_create_users() {
        assert!(require(&actor(UserType::Client, None), Capability::CreateUsers).is_err());
        assert!(require(&actor(UserType::Client, Some(3)), Capability::CreateUsers).is_ok());
    }

    #[test]
    fn companyless_client_sees_only_own_resources() {
        let client = actor(UserType::Client, None);
        assert!(can_see_company_resource(&client, None, 1));
        assert!(!can_see_company_resource(&client, None, 2));
        assert!(!can_see_company_resource(&client, Some(4), 1));
    }
}
