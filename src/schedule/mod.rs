//! Policy with time as an argument: calling windows, per-number limits, do-not-call.
//!
//! Must not: read the clock, the environment or the database; callers pass what it needs.

pub mod pacer;
pub mod retry;
