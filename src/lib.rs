//! Server for the People Cloud Public API: client organisations post inquiries with the
//! positions they need filled, and the broker's staff manage users, API keys and contracts.
//!
//! Layers: [`http`] (routes, extractors, error mapping) calls [`domain`] (types, rules,
//! permissions), which calls [`store`] (one interface, one module per backend).

pub mod cli;
pub mod domain;
pub mod error;
pub mod http;
pub mod server;
pub mod store;
