//! End-to-end tests: each scenario runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod activities;
mod applications;
mod attestation;
mod audit;
mod auth;
mod bulk;
mod calendars;
mod certificates;
mod contract;
mod credentials;
mod dates;
mod grant_prerequisites;
mod groups;
mod health;
mod ledger_setup;
mod limits;
mod mail;
mod nul;
mod openapi;
mod outage;
mod pathways;
mod people;
mod personal_data;
mod presets;
mod programmes;
mod progress;
mod public_register_patch;
mod register;
mod register_io;
mod register_search;
mod retention;
mod societies;
mod users;
mod visibility;
mod watch;
mod web;
mod web_registrar_admin;
mod webhooks;

pub use balint_e2e::*;
pub use serde_json::json;
