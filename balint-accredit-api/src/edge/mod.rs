//! The edge of the service: how a request's URL, query string and body are
//! read before any handler sees them, so that what the rules cannot take
//! is answered in words (400, 404, 413, 414, 422, 431) and never reaches
//! the database.
//!
//! - [`extract`]: the extractors every handler reads its input with:
//!   [`Json`], [`Query`] and [`Form`]. Each names the field a problem is
//!   in, answers a date outside [`crate::day::Day`]'s bounds with the
//!   field and the bounds, and refuses text holding a NUL character.
//! - [`guard`]: what is refused before routing: a path holding a NUL
//!   character is 404, as a page or as problem+json like the route it
//!   names.
//! - [`text`]: finding a NUL character (U+0000) in what a request or a file
//!   carries, by field, for the extractors and the file readers.

pub mod extract;
pub mod guard;
pub mod text;

pub use extract::{Form, Json, Query};
