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
//!   -> normalised E.164 rows ([`campaign::numbers`], [`campaign::phone`]).
//! - [`screen`]: every row judged in file order (blank, invalid, duplicate, then policy), the
//!   same way by `dry-run` and `import`/`run`.
//! - [`schedule`]: policy and pacing with time as an argument: calling windows in each
//!   callee's zone, per-number limits, do-not-call, retries, CPS pacing, the dry-run timeline.
//! - [`call`]: one call's state machine, sans-IO; SIP outcomes -> dispositions.
//! - [`disposition`]: the outcome vocabulary shared by calls, the store and exports.
//! - [`media`]: audio decoding, resampling, G.711, mixing, prompts, SDP, RTP packets.
//! - [`sim`]: the carrier simulator's decisions (outcome by digits or weighted mix).
//! - [`store`]: the SQLite database: migrations, campaigns, numbers, attempts (CDRs), DNC.
//!   The only module that names rusqlite.
//! - [`net`]: I/O adapters: `net::sip` (the only module naming rsipstack), `net::rtp` (the
//!   only RTP sockets), [`net::clock`] (the only clock reads).
//! - [`report`]: `dialer report`'s figures (ASR, answer rate, ACD, post-dial delay) from
//!   attempt rows, and their table/CSV/JSON renderers.
//! - [`runtime`]: the tokio loop of `dialer run`: claims, paces, dials, records.
//! - [`cli`]: the edge. Errors become [`exit::ExitStatus`] codes there and nowhere else.
//!
//! # Rules
//! - The core (campaign, screen, schedule, call, media, sim, report) does no I/O beyond reading the files
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
pub mod report;
pub mod runtime;
pub mod schedule;
pub mod screen;
pub mod sim;
pub mod store;
