//! A ledger file as `balint-accredit evaluate` reads it (optionally after a pathway document and a NUL byte), evaluated every way.
//! The checks: [`balint_fuzz`].
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| balint_fuzz::ledger_file(data));
