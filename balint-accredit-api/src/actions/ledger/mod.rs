//! A person's ledger: recording experience, and its attestation by the
//! attestor a record names (or the registrar).
