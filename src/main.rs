//! The `dialer` binary: parse the command line, run the command, map the outcome to an exit code.
//!
//! Everything else lives in the library (`src/lib.rs`); this file stays thin so that the
//! exit-code contract (CONTRACT.md "Exit status") is visible in one place: `cli::run` returns an
//! [`dialer::exit::ExitStatus`] or a [`dialer::cli::Failure`] that carries one.

use std::process::ExitCode;

fn main() -> ExitCode {
    let status = match dialer::cli::run(std::env::args_os()) {
        Ok(status) => status,
        Err(failure) => failure.report(),
    };
    ExitCode::from(status.code())
}
