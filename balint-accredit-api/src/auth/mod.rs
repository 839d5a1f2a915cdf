//! Logins, tokens, roles, and the permission checks.

pub mod caller;
pub mod password;
pub mod permissions;
pub mod throttle;
pub mod tokens;

pub use caller::{AuthenticatedUser, Caller, Role, SocietyRole};
