//! End-to-end tests: each scenario runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod health;

pub use balint_e2e::*;
pub use serde_json::json;
