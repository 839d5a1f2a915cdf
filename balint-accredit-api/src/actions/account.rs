//! Signing in.
