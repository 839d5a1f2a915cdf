//! End-to-end tests: each scenario runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod auth;
mod health;
mod openapi;
mod outage;
mod pathways;
mod people;
mod presets;
mod register;
mod societies;
mod users;

pub use balint_e2e::*;
pub use serde_json::json;
