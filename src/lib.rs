//! `dialer`: an outbound-call campaign runner in one binary.
//!
//! # Layout
//!
//! ```text
//!              cli/  (clap, anyhow, indicatif, stdout; one file per subcommand)
//!               |
//!          runtime.rs  (the tokio loop: drains the core's outputs to net + store)
//!           /    |    \
//!   campaign/ schedule/ call/ media/ report/     pure: no sockets, files, clock or env
//!           \    |    /
//!        net/ (sip, rtp, clock)   store/ (SQLite)       adapters at the edge
//! ```
//!
//! - [`campaign`]: the campaign file -> validated [`campaign::CampaignPlan`]; the numbers CSV
//!   -> normalised E.164 rows.
//! - [`schedule`]: policy with time as an argument: calling windows in each callee's zone,
//!   per-number limits, do-not-call, the dry-run timeline.
//! - [`store`]: the SQLite database: migrations, campaigns, numbers, attempts (CDRs), DNC.
//!   The only module that names rusqlite.
//! - [`media`]: audio decoding, resampling, G.711, mixing; pure functions over samples.
//! - [`net`]: I/O adapters; [`net::clock`] is the only place the clock is read.
//! - [`cli`]: the edge. Errors become [`exit::ExitStatus`] codes there and nowhere else.
//!
//! # Rules
//! - The core (campaign, schedule, call, media, report) does no I/O beyond reading the files
//!   it is pointed at, and never reads the clock or the environment: callers pass `now`.
//! - Outcomes are values, not errors: a busy callee is data for the CDR.
//! - Typed errors in the library; `anyhow` only in `cli/`.
//! - Secrets live in [`campaign::Secret`], which cannot be displayed or serialised.

pub mod call;
pub mod campaign;
pub mod cli;
pub mod disposition;
pub mod exit;
pub mod media;
pub mod net;
pub mod schedule;
pub mod screen;
pub mod sim;
pub mod store;
