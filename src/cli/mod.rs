//! The edge: the command line, logging, and the mapping of errors to exit codes.
//!
//! One file per subcommand, each with its `Args` struct and an `execute` function returning
//! `Result<ExitStatus, Failure>`. Typed library errors convert into [`Failure`] here, where the
//! exit status is decided (CONTRACT.md "Exit status"); nothing below `cli/` picks exit codes.
//! Data goes to stdout, everything else (logs, progress, errors) to stderr.

pub mod audio;
pub mod campaign_input;
pub mod completions;
pub mod dnc;
pub mod dry_run;
pub mod export;
mod failure;
pub mod import;
mod logging;
pub mod man;
pub mod progress;
pub mod report;
pub mod run;
pub mod sim;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::ExitStatus;
pub use failure::Failure;

/// Outbound-call campaign runner: reads a CSV of numbers, dials them over SIP through your
/// carrier, plays a prompt or an IVR menu, and records every attempt in SQLite.
#[derive(Debug, Parser)]
#[command(
    name = "dialer",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options shared by every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The SQLite database [default: ./dialer.db, or `database:` in the campaign/config file]
    #[arg(long, global = true, env = "DIALER_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Shared settings (trunks, dnc, database) that campaign files may override
    #[arg(long, global = true, env = "DIALER_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Log format on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// More detail in logs (-v: debug and full numbers, -vv: trace and SIP messages)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only warnings and errors on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Progress display: bars on a terminal, periodic lines otherwise
    #[arg(long, global = true, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
}

impl GlobalArgs {
    /// The database path: `--db`/`DIALER_DB`, else the campaign's `database:`, else ./dialer.db.
    pub fn db_path(&self, from_campaign: Option<&PathBuf>) -> PathBuf {
        self.db
            .clone()
            .or_else(|| from_campaign.cloned())
            .unwrap_or_else(|| PathBuf::from("dialer.db"))
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// When to draw progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    /// Bars on a terminal, a plain line every 10 s otherwise.
    Auto,
    /// Always bars.
    Always,
    /// Never bars (plain lines only).
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Dial the campaign (the main job)
    Run(run::RunArgs),
    /// Everything `run` would decide, without a single call or write
    DryRun(dry_run::DryRunArgs),
    /// Load the campaign's numbers into the database without dialing (idempotent)
    Import(import::ImportArgs),
    /// The do-not-call list kept in the database
    Dnc(dnc::DncArgs),
    /// Results as CSV or JSON on stdout: one row per number of the file, or per attempt
    Export(export::ExportArgs),
    /// Summaries from the CDR database: counts, ASR, answer rate, ACD, post-dial delay
    Report(report::ReportArgs),
    /// Convert, mix and inspect prompt audio
    Audio(audio::AudioArgs),
    /// A SIP carrier simulator (UAS) for rehearsals, demos, tests and load tests
    Sim(Box<sim::SimArgs>),
    /// Print shell completions
    Completions(completions::CompletionsArgs),
}

/// Parses `args` and runs the command. The binary's whole life.
pub fn run<I, T>(args: I) -> Result<ExitStatus, Failure>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout and usage errors to stderr itself.
            let _ = err.print();
            return Ok(if err.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Success
            });
        }
    };
    logging::init(&cli.global);
    match cli.command {
        Command::Run(args) => run::execute(args, &cli.global),
        Command::DryRun(args) => dry_run::execute(args, &cli.global),
        Command::Import(args) => import::execute(args, &cli.global),
        Command::Dnc(args) => dnc::execute(args, &cli.global),
        Command::Export(args) => export::execute(args, &cli.global),
        Command::Report(args) => report::execute(args, &cli.global),
        Command::Audio(args) => audio::execute(args),
        Command::Sim(args) => sim::execute(*args),
        Command::Completions(args) => completions::execute(args),
    }
}
