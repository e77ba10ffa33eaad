//! The campaign file and the numbers file, parsed and validated.
//!
//! - [`plan`]: the validated types every other module reads.
//! - [`load()`]: campaign file (+ `--config`) -> [`CampaignPlan`], with located errors
//!   ([`LoadError`]).
//! - [`duration`]: the `500ms` / `1h30m` / `7d` duration syntax.
//! - Private: `raw` (serde shapes with spans), `check` (single-value checks), `calendar`,
//!   `policy`, `trunk`, `audio` (one block each).
//!
//! Must not: touch the database, the network or the clock.

mod audio;
mod calendar;
mod check;
pub mod duration;
pub mod error;
mod ivr_graph;
mod load;
pub mod numbers;
pub mod phone;
pub mod plan;
mod policy;
mod raw;
pub mod record;
mod trunk;

pub use error::{Issue, LoadError, Position};
pub use load::{LoadOptions, load};
pub use phone::{E164, Rejection};
pub use plan::*;
