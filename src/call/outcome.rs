//! Outcome classification: a final SIP status (plus what the call saw before it) -> the
//! disposition recorded on the attempt and how the schedule treats it.
//!
//! This is CONTRACT.md's "Call states and outcomes" table as code; the unit tests below walk
//! every row. Invariant: every code in 100..=699 classifies to exactly one [`Outcome`]; codes the
//! table does not name fall back to FAILED retried as `failed`, never "retry forever".
//!
//! Must not: read the clock, look at trunks, or decide retry delays (that is `schedule/`).

/// The disposition recorded on an attempt: the crate-wide vocabulary (a call only ever
/// produces ANSWERED, BUSY, NO_ANSWER, INVALID, REJECTED or FAILED).
pub use crate::disposition::Disposition;

/// Which `retry:` rule of the campaign applies to the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryClass {
    /// Final: never dialed again in this campaign.
    Never,
    /// `retry.busy`.
    Busy,
    /// `retry.no_answer`.
    NoAnswer,
    /// `retry.failed`.
    Failed,
}

/// Why a FAILED call failed: decides what the runtime does beyond retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// 500/502/503/504, transport error, or no provisional before our bound: the trunk is the
    /// suspect, so the next trunk is tried at once.
    Trunk,
    /// 401/403/407 the credentials could not answer: pause the trunk and tell the operator.
    Auth,
    /// 488/606: no common codec; the operator must fix the campaign; never retried.
    Codec,
    /// Any other failure code (3xx, unlisted 4xx/5xx/6xx): retried as `failed`, same trunk.
    Other,
}

/// The full classification of one finished call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The disposition.
    pub disposition: Disposition,
    /// The retry rule that applies.
    pub retry: RetryClass,
    /// Set for FAILED: why.
    pub failure: Option<FailureKind>,
}

impl Outcome {
    const fn new(disposition: Disposition, retry: RetryClass) -> Self {
        Outcome {
            disposition,
            retry,
            failure: None,
        }
    }

    const fn failed(kind: FailureKind) -> Self {
        let retry = match kind {
            FailureKind::Codec => RetryClass::Never,
            _ => RetryClass::Failed,
        };
        Outcome {
            disposition: Disposition::Failed,
            retry,
            failure: Some(kind),
        }
    }

    /// An answered call.
    pub const ANSWERED: Outcome = Outcome::new(Disposition::Answered, RetryClass::Never);
    /// Our ring timeout fired after a provisional (then CANCEL).
    pub const NO_ANSWER: Outcome = Outcome::new(Disposition::NoAnswer, RetryClass::NoAnswer);
    /// A transport error or our bound fired before any provisional.
    pub const TRUNK_FAILED: Outcome = Outcome::failed(FailureKind::Trunk);

    /// True when the next trunk should be tried at once (CONTRACT.md: "next trunk tried at once").
    pub fn failover(&self) -> bool {
        self.failure == Some(FailureKind::Trunk)
    }

    /// True when the trunk should be paused and the operator told (credentials refused).
    pub fn pause_trunk(&self) -> bool {
        self.failure == Some(FailureKind::Auth)
    }
}

/// Classifies a final non-2xx response. `provisional_seen` is true once an 18x (not 100)
/// arrived: it separates "408 after a provisional" (NO_ANSWER) from a timeout without one
/// (FAILED, try the next trunk).
pub fn classify_final(code: u16, provisional_seen: bool) -> Outcome {
    match code {
        200..=299 => Outcome::ANSWERED,
        486 | 600 => Outcome::new(Disposition::Busy, RetryClass::Busy),
        480 => Outcome::NO_ANSWER,
        // 487 without our CANCEL: the network ended the ringing; the same reading as 408.
        408 | 487 if provisional_seen => Outcome::NO_ANSWER,
        408 | 487 => Outcome::TRUNK_FAILED,
        404 | 484 | 485 | 410 | 604 => Outcome::new(Disposition::Invalid, RetryClass::Never),
        603 => Outcome::new(Disposition::Rejected, RetryClass::Never),
        500 | 502 | 503 | 504 => Outcome::TRUNK_FAILED,
        401 | 403 | 407 => Outcome::failed(FailureKind::Auth),
        488 | 606 => Outcome::failed(FailureKind::Codec),
        _ => Outcome::failed(FailureKind::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_contract_table() {
        use Disposition as D;
        use RetryClass as R;
        let rows: &[(u16, bool, D, R, Option<FailureKind>)] = &[
            (200, true, D::Answered, R::Never, None),
            (486, true, D::Busy, R::Busy, None),
            (600, false, D::Busy, R::Busy, None),
            (480, false, D::NoAnswer, R::NoAnswer, None),
            (408, true, D::NoAnswer, R::NoAnswer, None),
            (408, false, D::Failed, R::Failed, Some(FailureKind::Trunk)),
            (404, true, D::Invalid, R::Never, None),
            (484, false, D::Invalid, R::Never, None),
            (485, false, D::Invalid, R::Never, None),
            (410, false, D::Invalid, R::Never, None),
            (604, false, D::Invalid, R::Never, None),
            (603, true, D::Rejected, R::Never, None),
            (503, false, D::Failed, R::Failed, Some(FailureKind::Trunk)),
            (500, true, D::Failed, R::Failed, Some(FailureKind::Trunk)),
            (502, false, D::Failed, R::Failed, Some(FailureKind::Trunk)),
            (504, false, D::Failed, R::Failed, Some(FailureKind::Trunk)),
            (401, false, D::Failed, R::Failed, Some(FailureKind::Auth)),
            (403, false, D::Failed, R::Failed, Some(FailureKind::Auth)),
            (407, false, D::Failed, R::Failed, Some(FailureKind::Auth)),
            (488, true, D::Failed, R::Never, Some(FailureKind::Codec)),
            (606, false, D::Failed, R::Never, Some(FailureKind::Codec)),
            (302, false, D::Failed, R::Failed, Some(FailureKind::Other)),
            (415, false, D::Failed, R::Failed, Some(FailureKind::Other)),
        ];
        for &(code, prov, disposition, retry, failure) in rows {
            let got = classify_final(code, prov);
            assert_eq!(
                got,
                Outcome {
                    disposition,
                    retry,
                    failure
                },
                "{code} provisional={prov}"
            );
        }
    }

    #[test]
    fn failover_and_pause_flags() {
        assert!(classify_final(503, false).failover());
        assert!(!classify_final(503, false).pause_trunk());
        assert!(classify_final(401, false).pause_trunk());
        assert!(!classify_final(401, false).failover());
        assert!(!classify_final(488, false).failover());
        assert!(!classify_final(486, true).failover());
    }

    #[test]
    fn disposition_names_are_stable() {
        assert_eq!(Disposition::NoAnswer.to_string(), "NO_ANSWER");
        assert_eq!(Disposition::Answered.as_str(), "ANSWERED");
    }
}
