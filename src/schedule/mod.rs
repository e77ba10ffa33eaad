//! Policy and pacing with time as an argument: what may be dialed, when, and how fast.
//!
//! - [`window`]: calling windows in the callee's zone (holidays, DST).
//! - [`zone`]: which zone a number is called in (row, single-zone country, campaign).
//! - [`limits`]: per-number limits across campaigns.
//! - [`dnc`]: the do-not-call list (campaign files + the database's list).
//! - [`policy`]: one number's eligibility at one instant, shared by `dry-run` and `run`.
//! - [`retry`]: what follows an attempt's outcome.
//! - [`pacer`]: evenly spaced calls per second.
//! - [`dispatch`]: concurrency, pacing and trunk choice (failover, paused trunks) for `run`.
//! - [`timeline`]: the dry run's estimated first and last call.
//!
//! Must not: read the clock, the environment or the database; callers pass what it needs.
//! The only I/O is [`dnc`] reading the DNC files it is handed.

pub mod dispatch;
pub mod dnc;
pub mod limits;
pub mod pacer;
pub mod policy;
pub mod retry;
mod single_zone;
pub mod timeline;
pub mod window;
pub mod zone;
