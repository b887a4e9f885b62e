//! Domain types, input parsing, business rules and permissions. Nothing here depends on HTTP or SQL:
//! operations take a [`crate::store::Store`] and the caller, and return [`crate::error::Error`].

pub mod api_keys;
pub mod auth;
pub mod company;
pub mod contract;
pub mod input;
pub mod inquiry;
pub mod inquiry_body;
pub mod inquiry_query;
pub mod lenient;
pub mod money;
pub mod pagination;
pub mod permissions;
pub mod time;
pub mod user;
