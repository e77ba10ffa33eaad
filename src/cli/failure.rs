//! [`Failure`]: an error on its way out of the program, with the exit status it earns.

use crate::exit::ExitStatus;

/// An error that ends a command, with the exit status it maps to.
#[derive(Debug)]
pub struct Failure {
    status: ExitStatus,
    error: anyhow::Error,
}

impl Failure {
    /// A usage, configuration or input error (exit 2): nothing was dialed.
    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            status: ExitStatus::Usage,
            error: error.into(),
        }
    }

    /// A runtime failure (exit 1).
    pub fn runtime(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            status: ExitStatus::Runtime,
            error: error.into(),
        }
    }

    /// The exit status this failure maps to.
    pub fn status(&self) -> ExitStatus {
        self.status
    }

    /// Prints the error (with its causes) to stderr and returns the exit status.
    pub fn report(self) -> ExitStatus {
        eprintln!("error: {:#}", self.error);
        self.status
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::runtime(e)
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        // The file the user pointed us at (not SQLite, foreign, newer, locked) is a usage
        // error; a fault of the machine (I/O, full disk) is a runtime failure.
        if e.is_usage() {
            Failure::usage(e)
        } else {
            Failure::runtime(e)
        }
    }
}

impl From<crate::media::MediaError> for Failure {
    /// Bad input or options (the file named in the message) -> exit 2; failing to write the
    /// output -> exit 1.
    fn from(e: crate::media::MediaError) -> Self {
        if e.is_input_error() {
            Failure::usage(e)
        } else {
            Failure::runtime(e)
        }
    }
}

impl From<crate::campaign::numbers::NumbersError> for Failure {
    fn from(e: crate::campaign::numbers::NumbersError) -> Self {
        // Every numbers-file fault (not UTF-8, unknown column, unclosed quote, unreadable)
        // is the input's: nothing was dialed.
        Failure::usage(e)
    }
}

impl From<crate::runtime::RunError> for Failure {
    /// A campaign already running, a bad DNC file or SIP address -> exit 2; the machine's
    /// faults (database I/O, lock file) -> exit 1.
    fn from(e: crate::runtime::RunError) -> Self {
        if e.is_usage() {
            Failure::usage(e)
        } else {
            Failure::runtime(e)
        }
    }
}
