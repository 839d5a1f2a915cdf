//! Webhooks per the Standard Webhooks specification: the signature
//! ([`sign`]), the endpoints' addresses ([`address`]), and the worker that
//! fans the outbox's events out to the endpoints and delivers them
//! ([`worker`]).
//!
//! Every delivery carries `webhook-id` (the delivery's id, the same on
//! every try), `webhook-timestamp` (seconds since the epoch, of this try)
//! and `webhook-signature` (`v1,` and the base64 of HMAC-SHA256, keyed by
//! the base64-decoded part of the endpoint's `whsec_` secret, over
//! `id.timestamp.body`).

pub mod address;
pub mod sign;
pub mod worker;
