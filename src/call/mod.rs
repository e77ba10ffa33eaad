//! One call's life, sans IO: the state machine, its named timers, and the classification of
//! its outcome (CONTRACT.md "Call states and outcomes").
//!
//! - [`machine`]: [`Call`], driven by `handle_input(now, ev)` / `handle_timeout(now)`, drained by
//!   `poll_output()` / `poll_timeout()`.
//! - [`timer`]: the named timers (ring, setup bound, cancel-wait, max duration) in one table.
//! - [`ivr`]: [`Menu`], one answered call's walk through an IVR menu (keys in, prompts out).
//! - [`outcome`]: SIP status -> disposition, retry class, failover / pause-trunk flags.
//!
//! Must not: open sockets, spawn tasks, use channels, read the clock or name rsipstack. The
//! runtime drives it with `net::sip` events and executes its outputs.

pub mod ivr;
pub mod machine;
pub mod outcome;
pub mod timer;

pub use ivr::{Menu, MenuOutput};
pub use machine::{Call, CallInput, CallOutput, CallRecord, CallState, EndCause};
pub use outcome::{Disposition, FailureKind, Outcome, RetryClass, classify_final};
pub use timer::{CallTimer, CallTimers, TimerTable};
