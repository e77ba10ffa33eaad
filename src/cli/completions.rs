//! `dialer completions SHELL`: shell completion scripts on stdout.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Failure};
use crate::exit::ExitStatus;

/// Arguments of `dialer completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script for `args.shell` to stdout.
pub fn execute(args: CompletionsArgs) -> Result<ExitStatus, Failure> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "dialer", &mut std::io::stdout());
    Ok(ExitStatus::Success)
}
