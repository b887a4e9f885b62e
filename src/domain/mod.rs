//! Domain types, input parsing, business rules and permissions. Nothing here knows HTTP or SQL:
//! operations take a [`crate::store::Store`] and the caller, and return [`crate::error::Error`].

pub mod api_keys;
pub mod auth;
pub mod company;
pub mod input;
pub mod pagination;
pub mod permissions;
pub mod time;
pub mod user;
