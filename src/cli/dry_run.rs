//! `dialer dry-run CAMPAIGN.yaml`: everything `run` would decide, without a call or a write.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, GlobalArgs};
use crate::exit::ExitStatus;

/// Arguments of `dialer dry-run`.
#[derive(Debug, Args)]
pub struct DryRunArgs {
    /// The campaign file
    pub campaign: PathBuf,
}

/// Runs the dry run.
pub fn execute(_args: DryRunArgs, _global: &GlobalArgs) -> Result<ExitStatus, Failure> {
    Err(Failure::runtime(anyhow::anyhow!("dry-run is being built")))
}
