//! A pathway document in JSON: parses or is refused with its problems; what parses round-trips and evaluates.
//! The checks: [`balint_fuzz`].
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| balint_fuzz::pathway_document(data, balint_fuzz::Syntax::Json));
