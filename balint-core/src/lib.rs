//! balint-core: the Balint group leadership pathway as data.
//!
//! (Crate documentation is being written.)

pub mod evaluate;
pub mod ids;
pub mod ledger;
pub mod pathway;
pub mod presets;
pub mod register;

pub use ids::{
    ActivityId, IdError, PathwayId, PersonId, RegistrationNumber, RequirementId, SocietyId, TierId,
};
pub use register::{Register, RegisterEntry, RegisterError, Status};
