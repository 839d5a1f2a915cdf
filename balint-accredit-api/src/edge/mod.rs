//! The edge of the service: how a request's URL, query string and body are
//! read before any handler sees them, so that what the rules cannot take
//! is answered in words (400, 404, 413, 414, 422, 431) and never reaches
//! the database.
//!
//! - [`extract`]: the extractors every handler reads its input with:
//!   [`Json`], [`Query`] and [`Form`]. Each names the field a problem is
//!   in, answers a date outside [`crate::day::Day`]'s bounds with the
//!   field and the bounds, and refuses text holding a NUL character.
//! - [`guard`]: what is refused before routing: a URL over 8 KiB is 414,
//!   a path holding a NUL character 404, each as a page or as
//!   problem+json like the route it names.
//! - [`wire`]: what the HTTP layer cannot read (a URL over the 64 KiB the
//!   `http` crate takes, a head over 128 KiB, one that does not arrive in
//!   time) answered with problem+json rather than an empty body.
//! - [`text`]: finding a NUL character (U+0000) in what a request or a file
//!   carries, by field, for the extractors and the file readers.

pub mod extract;
pub mod guard;
pub mod text;
pub mod wire;

pub use extract::{Form, Json, Query};
