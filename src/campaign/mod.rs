//! The campaign file and the numbers file, parsed and validated.
//!
//! - [`plan`]: the validated types every other module reads.
//!
//! Must not: touch the database, the network or the clock.

pub mod numbers;
pub mod phone;
pub mod plan;

pub use phone::{E164, Rejection};
pub use plan::*;
