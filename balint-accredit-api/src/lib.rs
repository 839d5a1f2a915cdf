//! The Balint accreditation service: the REST API (actix-web), its storage
//! (diesel on SQLite or PostgreSQL) and the `balint-accredit` command line.
//!
//! Tests and the binary start the same [`app::Application`].

pub mod actions;
pub mod admin;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod conventions;
pub mod csv_cells;
pub mod day;
pub mod db;
pub mod edge;
pub mod error;
pub mod ical;
pub mod ledger;
pub mod mail;
pub mod openapi;
pub mod pagination;
pub mod pdf;
pub mod public_register;
pub mod qr;
pub mod register_io;
pub mod routes;
pub mod state;
pub mod telemetry;
pub mod vc;
pub mod watch;
pub mod web;
pub mod webhooks;

pub use app::{AppState, Application};
pub use config::Settings;
pub use error::ApiError;
