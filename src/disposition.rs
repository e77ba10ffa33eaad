//! How an attempt or a number ended: the disposition vocabulary of CONTRACT.md, shared by the
//! call engine (which classifies SIP outcomes), the retry policy, the store and the exports.
//!
//! The upper-case names are a public interface (CDR rows, exports, reports): never rename one.

use std::fmt;
use std::str::FromStr;

/// The final state of one attempt, or of a number that was never dialed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Disposition {
    /// 200, then BYE.
    Answered,
    /// 486 or 600.
    Busy,
    /// Ring timeout (CANCEL), 480, or 408 after a provisional.
    NoAnswer,
    /// 404, 484, 485, 410, 604: the number does not exist.
    Invalid,
    /// 603: the callee declined.
    Rejected,
    /// 5xx, transport error, timeout without provisional, auth or codec failure.
    Failed,
    /// Not dialed: on the do-not-call list.
    Dnc,
    /// Not dialed: over a per-number limit.
    Capped,
    /// Not dialed: not a usable phone number.
    InvalidNumber,
    /// Not dialed: the same number earlier in the file.
    Duplicate,
}

/// The retry class of an outcome (CONTRACT.md `retry:` keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryClass {
    /// `retry.busy`.
    Busy,
    /// `retry.no_answer`.
    NoAnswer,
    /// `retry.failed`.
    Failed,
}

impl Disposition {
    /// Every disposition, in display order.
    pub const ALL: [Disposition; 10] = [
        Disposition::Answered,
        Disposition::Busy,
        Disposition::NoAnswer,
        Disposition::Invalid,
        Disposition::Rejected,
        Disposition::Failed,
        Disposition::Dnc,
        Disposition::Capped,
        Disposition::InvalidNumber,
        Disposition::Duplicate,
    ];

    /// The name stored in the database and printed in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Answered => "ANSWERED",
            Disposition::Busy => "BUSY",
            Disposition::NoAnswer => "NO_ANSWER",
            Disposition::Invalid => "INVALID",
            Disposition::Rejected => "REJECTED",
            Disposition::Failed => "FAILED",
            Disposition::Dnc => "DNC",
            Disposition::Capped => "CAPPED",
            Disposition::InvalidNumber => "INVALID_NUMBER",
            Disposition::Duplicate => "DUPLICATE",
        }
    }

    /// Which `retry:` rule applies, or `None` for outcomes never retried. (An attempt cut
    /// short by a crash has no disposition: the store marks it `interrupted` and puts the
    /// number back to pending.)
    pub fn retry_class(self) -> Option<RetryClass> {
        match self {
            Disposition::Busy => Some(RetryClass::Busy),
            Disposition::NoAnswer => Some(RetryClass::NoAnswer),
            Disposition::Failed => Some(RetryClass::Failed),
            _ => None,
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a disposition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown disposition {0:?}")]
pub struct UnknownDisposition(pub String);

impl FromStr for Disposition {
    type Err = UnknownDisposition;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Disposition::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownDisposition(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in Disposition::ALL {
            assert_eq!(d.as_str().parse::<Disposition>(), Ok(d));
        }
        assert!("busy".parse::<Disposition>().is_err());
    }

    #[test]
    fn only_busy_no_answer_and_failures_are_retried() {
        let retried: Vec<_> = Disposition::ALL
            .into_iter()
            .filter(|d| d.retry_class().is_some())
            .collect();
        assert_eq!(
            retried,
            [
                Disposition::Busy,
                Disposition::NoAnswer,
                Disposition::Failed
            ]
        );
    }
}
