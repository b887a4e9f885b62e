//! Black-box tests: each test starts the real server on a loopback port with a fresh database
//! and talks to it over HTTP.

mod auth;
mod cli;
mod concurrency;
mod errors;
mod helpers;
mod openapi;
mod users;
