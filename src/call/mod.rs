//! One call's life, pure and sans-IO (ARCHITECTURE.md principle 1).
//!
//! - [`machine`]: the [`Call`] state machine (`handle_input`, `handle_timeout`, `poll_output`,
//!   `poll_timeout`).
//! - [`classify`]: SIP final responses -> dispositions (CONTRACT.md's table).
//! - [`timer`]: the named timers.
//!
//! Must not: open sockets, spawn tasks, read the clock or name rsipstack. `net/sip.rs`
//! translates SIP to [`CallInput`] and [`CallOutput`] back to SIP.

pub mod classify;
pub mod machine;
pub mod timer;

pub use machine::{Call, CallInput, CallOutput, CallRecord, CallTimers};

#[cfg(test)]
mod tests;
