//! Command-line jobs other than `serve`: each subcommand's work, one module
//! per job, called from `main.rs`.

pub mod evaluate;
pub mod ledger_import;
pub mod register_io;
