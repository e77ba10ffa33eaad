//! Logging to stderr through tracing.
//!
//! rsipstack logs whole SIP messages (numbers included) at `info`, so its filter defaults to
//! `warn` (notes/rsipstack.md trap 7) unless `-vv` or `RUST_LOG` asks for more.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use super::{GlobalArgs, LogFormat};

/// Installs the global subscriber. Safe to call more than once (later calls do nothing).
pub fn init(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let sip = if global.verbose >= 2 { level } else { "warn" };
    // symphonia reports guesses such as "estimating duration from bitrate" at info: noise here.
    let default = format!("{level},rsipstack={sip},symphonia=warn");
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match global.log_format {
        LogFormat::Json => builder.json().try_init(),
        // Colour codes only on a terminal, or they land in log files (notes/crates.md).
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}
