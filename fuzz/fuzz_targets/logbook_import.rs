//! A logbook file as `balint-accredit ledger import` reads it (JSON and CSV), checked without a database.
//! The checks: [`balint_fuzz`].
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| balint_fuzz::logbook_import(data));
