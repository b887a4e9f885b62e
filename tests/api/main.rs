//! Black-box tests: each test starts the real server on a loopback port with a fresh database
//! and talks to it over HTTP.

mod auth;
mod cli;
mod concurrency;
mod contracts;
mod copy;
mod errors;
mod helpers;
mod inquiries;
mod instances;
mod openapi;
mod users;
