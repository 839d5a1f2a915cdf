//! The register: grants, status changes, renewals, the lapse job, the
//! renewals coming due, the public register and verification.
