//! Exit codes, as the contract (CONTRACT.md "Exit status") promises them to scripts and cron.
//!
//! The numbers are a public interface: never renumber a variant.

/// How a `dialer` command ended, as seen by the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done: every number reached a final state, or the command succeeded.
    Success,
    /// Runtime failure: no trunk usable, database unwritable, I/O error.
    Runtime,
    /// Usage, configuration or input error: nothing was dialed.
    Usage,
    /// Stopped with work left: calling window closed (`--exit-outside-window`) or
    /// `--max-runtime` reached.
    WorkLeft,
    /// Interrupted by SIGINT/SIGTERM after a clean drain.
    Interrupted,
}

impl ExitStatus {
    /// The process exit code for this status.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Runtime => 1,
            ExitStatus::Usage => 2,
            ExitStatus::WorkLeft => 3,
            ExitStatus::Interrupted => 130,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_contract() {
        let all = [
            (ExitStatus::Success, 0),
            (ExitStatus::Runtime, 1),
            (ExitStatus::Usage, 2),
            (ExitStatus::WorkLeft, 3),
            (ExitStatus::Interrupted, 130),
        ];
        for (status, code) in all {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }
}
