//! From a finished call to what the store keeps: the attempt's CDR fields and the number's
//! next state (final, or due again per `retry:`), plus the masking of numbers in logs.
//!
//! Pure: `now` is passed in.

use jiff::{SignedDuration, Timestamp};

use crate::call::{CallRecord, EndCause, RetryClass};
use crate::campaign::{E164, RetryPolicy};
use crate::net::rtp::MediaReport;
use crate::schedule::retry::{NextStep, next_step};
use crate::store::{AttemptResult, NumberUpdate};

/// The attempt's CDR fields.
pub(super) fn attempt_result(rec: &CallRecord, media: Option<&MediaReport>) -> AttemptResult {
    AttemptResult {
        disposition: rec.disposition,
        sip_code: rec.sip_code,
        sip_reason: rec
            .sip_reason
            .clone()
            .or_else(|| rec.transport_error.clone()),
        ringing_at: rec.ringing_at,
        answered_at: rec.answered_at,
        ended_at: rec.ended_at,
        ring_ms: rec.ringing_at.map(|_| rec.ring_ms),
        talk_ms: rec.answered_at.map(|_| rec.talk_ms),
        dtmf: String::new(),
        ivr_result: None,
        rtp_sent: media.map_or(0, |m| m.sent),
        rtp_received: media.map_or(0, |m| m.received.packets),
        recording: media
            .and_then(|m| m.recording.as_ref())
            .map(|r| r.path.display().to_string()),
        recording_error: media
            .and_then(|m| m.recording.as_ref())
            .and_then(|r| r.error.clone()),
    }
}

/// The number's next state after an attempt (the `attempts_made`-th, counting this one).
///
/// An unanswered call we hung up ourselves (shutdown) says nothing about the callee: the
/// number goes back to the queue, due at once, and is not charged a retry.
pub(super) fn number_update(
    policy: &RetryPolicy,
    rec: &CallRecord,
    attempts_made: u32,
    now: Timestamp,
) -> NumberUpdate {
    let disposition = rec.disposition;
    if rec.end == EndCause::Hangup && rec.answered_at.is_none() {
        return NumberUpdate::Pending {
            due_at: now,
            disposition: None,
        };
    }
    if rec.retry == RetryClass::Never {
        return NumberUpdate::Done { disposition };
    }
    match next_step(policy, rec.disposition, attempts_made, now) {
        NextStep::Final => NumberUpdate::Done { disposition },
        NextStep::RetryAt(at) => {
            // The carrier's Retry-After is honoured when it asks for longer than our delay.
            let asked = rec
                .retry_after
                .and_then(|d| SignedDuration::try_from(d).ok())
                .and_then(|d| now.checked_add(d).ok());
            NumberUpdate::Pending {
                due_at: asked.map_or(at, |a| a.max(at)),
                disposition: Some(disposition),
            }
        }
    }
}

/// A number as logs show it: the last four digits masked (`+44207946****`) unless `show`.
pub fn mask(number: &E164, show: bool) -> String {
    let s = number.as_str();
    if show {
        return s.to_string();
    }
    let keep = s.len().saturating_sub(4).max(1.min(s.len()));
    format!("{}{}", &s[..keep], "*".repeat(s.len() - keep))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::call::FailureKind;
    use crate::campaign::RetryRule;
    use crate::disposition::Disposition;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn record(disposition: Disposition, retry: RetryClass, end: EndCause) -> CallRecord {
        CallRecord {
            disposition,
            retry,
            failure: None,
            failover: false,
            pause_trunk: false,
            sip_code: Some(486),
            sip_reason: Some("Busy Here".into()),
            retry_after: None,
            end,
            transport_error: None,
            started_at: ts("2026-11-23T10:00:00Z"),
            ringing_at: None,
            answered_at: None,
            ended_at: ts("2026-11-23T10:00:02Z"),
            ring_ms: 0,
            talk_ms: 0,
        }
    }

    fn policy() -> RetryPolicy {
        let rule = |n, s| RetryRule {
            max_attempts: n,
            delay: Duration::from_secs(s),
        };
        RetryPolicy {
            busy: rule(2, 60),
            no_answer: rule(1, 3600),
            failed: rule(3, 5),
        }
    }

    #[test]
    fn busy_is_retried_then_final() {
        let now = ts("2026-11-23T10:00:02Z");
        let rec = record(Disposition::Busy, RetryClass::Busy, EndCause::FinalResponse);
        assert_eq!(
            number_update(&policy(), &rec, 1, now),
            NumberUpdate::Pending {
                due_at: ts("2026-11-23T10:01:02Z"),
                disposition: Some(Disposition::Busy)
            }
        );
        assert_eq!(
            number_update(&policy(), &rec, 2, now),
            NumberUpdate::Done {
                disposition: Disposition::Busy
            }
        );
    }

    #[test]
    fn codec_failures_are_final_and_retry_after_is_honoured() {
        let now = ts("2026-11-23T10:00:02Z");
        let mut rec = record(
            Disposition::Failed,
            RetryClass::Never,
            EndCause::FinalResponse,
        );
        rec.failure = Some(FailureKind::Codec);
        assert_eq!(
            number_update(&policy(), &rec, 1, now),
            NumberUpdate::Done {
                disposition: Disposition::Failed
            }
        );
        let mut rec = record(
            Disposition::Failed,
            RetryClass::Failed,
            EndCause::FinalResponse,
        );
        rec.retry_after = Some(Duration::from_secs(120));
        assert_eq!(
            number_update(&policy(), &rec, 1, now),
            NumberUpdate::Pending {
                due_at: ts("2026-11-23T10:02:02Z"),
                disposition: Some(Disposition::Failed)
            }
        );
    }

    #[test]
    fn a_call_we_hung_up_on_shutdown_goes_back_to_the_queue_unanswered() {
        let now = ts("2026-11-23T10:00:02Z");
        let rec = record(Disposition::Failed, RetryClass::Failed, EndCause::Hangup);
        assert_eq!(
            number_update(&policy(), &rec, 3, now),
            NumberUpdate::Pending {
                due_at: now,
                disposition: None
            }
        );
    }

    #[test]
    fn numbers_are_masked_unless_asked() {
        let n = E164::from_trusted("+442079460100");
        assert_eq!(mask(&n, false), "+44207946****");
        assert_eq!(mask(&n, true), "+442079460100");
    }
}
