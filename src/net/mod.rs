//! I/O adapters: they translate between the outside world and the pure core, and never decide.
//!
//! - [`clock`] is the only place that reads the wall clock (clippy's `disallowed-methods`
//!   holds every other file to it).
//!
//! Must not: classify outcomes, pace calls or choose trunks — those are `call/` and `schedule/`.

pub mod clock;
pub mod rtp;
pub mod sip;
