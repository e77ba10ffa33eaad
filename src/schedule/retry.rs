//! What happens to a number after an attempt: final, or due again at a time.
//!
//! Pure: the disposition, the attempts made so far and the policy in, the decision out.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::campaign::{RetryPolicy, RetryRule};
use crate::disposition::{Disposition, RetryClass};

/// The number's next step after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// No more attempts: the disposition is the number's final result.
    Final,
    /// Dial again, not before this time.
    RetryAt(Timestamp),
}

/// The rule for a retry class.
pub fn rule(policy: &RetryPolicy, class: RetryClass) -> RetryRule {
    match class {
        RetryClass::Busy => policy.busy,
        RetryClass::NoAnswer => policy.no_answer,
        RetryClass::Failed => policy.failed,
    }
}

/// Decides the next step after attempt number `attempts_made` (1 for the first call) ended
/// with `disposition` at `now`. Attempts are counted per number across outcome classes; each
/// class's `max_attempts` caps the total when that class is the latest outcome.
pub fn next_step(
    policy: &RetryPolicy,
    disposition: Disposition,
    attempts_made: u32,
    now: Timestamp,
) -> NextStep {
    let Some(class) = disposition.retry_class() else {
        return NextStep::Final;
    };
    let rule = rule(policy, class);
    if attempts_made >= rule.max_attempts {
        return NextStep::Final;
    }
    // Saturation only matters for absurd delays; the far future is the right answer then.
    NextStep::RetryAt(
        now.saturating_add(signed(rule.delay))
            .unwrap_or(Timestamp::MAX),
    )
}

fn signed(d: Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            busy: RetryRule {
                max_attempts: 3,
                delay: Duration::from_secs(600),
            },
            no_answer: RetryRule {
                max_attempts: 2,
                delay: Duration::from_secs(3600),
            },
            failed: RetryRule {
                max_attempts: 1,
                delay: Duration::from_secs(300),
            },
        }
    }

    fn t0() -> Timestamp {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn busy_is_retried_after_its_delay_until_max_attempts() {
        let p = policy();
        let due: Timestamp = "2026-11-23T10:10:00Z".parse().unwrap();
        assert_eq!(
            next_step(&p, Disposition::Busy, 1, t0()),
            NextStep::RetryAt(due)
        );
        assert_eq!(
            next_step(&p, Disposition::Busy, 2, t0()),
            NextStep::RetryAt(due)
        );
        assert_eq!(next_step(&p, Disposition::Busy, 3, t0()), NextStep::Final);
    }

    #[test]
    fn each_class_uses_its_own_rule() {
        let p = policy();
        let hour: Timestamp = "2026-11-23T11:00:00Z".parse().unwrap();
        assert_eq!(
            next_step(&p, Disposition::NoAnswer, 1, t0()),
            NextStep::RetryAt(hour)
        );
        assert_eq!(
            next_step(&p, Disposition::NoAnswer, 2, t0()),
            NextStep::Final
        );
        // max_attempts 1 means the first call is the only one.
        assert_eq!(next_step(&p, Disposition::Failed, 1, t0()), NextStep::Final);
    }

    #[test]
    fn answered_invalid_and_rejected_are_final_at_once() {
        for d in [
            Disposition::Answered,
            Disposition::Invalid,
            Disposition::Rejected,
        ] {
            assert_eq!(next_step(&policy(), d, 1, t0()), NextStep::Final, "{d}");
        }
    }
}
