//! The edge of the service: how a request's URL, query string and body are
//! read before any handler sees them, so that what the rules cannot take
//! is answered in words (400, 404, 413, 414, 422, 431) and never reaches
//! the database.
//!
//! - [`extract`]: the extractors every handler reads its input with:
//!   [`Json`], [`Query`] and [`Form`]. Each names the field a problem is
//!   in, answers a date outside [`crate::day::Day`]'s bounds with the
//!   field and the bounds, and refuses text holding a NUL character.

pub mod extract;

pub use extract::{Form, Json, Query};
