//! Every transition of [`Call`], and the races, in virtual time.

use std::time::Duration;

use jiff::Timestamp;

use super::*;
use crate::disposition::Disposition;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + secs).unwrap()
}

fn settings() -> CallTimers {
    CallTimers {
        ring_timeout: Duration::from_secs(30),
        max_duration: Duration::from_secs(120),
    }
}

fn started() -> Call {
    let mut c = Call::new(settings(), t(0));
    c.start(t(0));
    assert_eq!(c.poll_output(), Some(CallOutput::SendInvite));
    c
}

fn drain(c: &mut Call) -> Vec<CallOutput> {
    std::iter::from_fn(|| c.poll_output()).collect()
}

fn finished(outputs: &[CallOutput]) -> CallRecord {
    match outputs.last() {
        Some(CallOutput::Finished(r)) => r.clone(),
        other => panic!("expected Finished last, got {other:?} in {outputs:?}"),
    }
}

fn rejected(code: u16, reason: &str) -> CallInput {
    CallInput::Rejected {
        code,
        reason: reason.into(),
        retry_after: None,
    }
}

#[test]
fn answered_call_plays_then_hangs_up_and_completes() {
    let mut c = started();
    c.handle_input(t(1), CallInput::Provisional { code: 100 });
    c.handle_input(t(2), CallInput::Provisional { code: 180 });
    c.handle_input(t(7), CallInput::Answered);
    assert_eq!(drain(&mut c), [CallOutput::StartMedia]);
    c.handle_input(t(12), CallInput::MediaDone);
    assert_eq!(drain(&mut c), [CallOutput::StopMedia, CallOutput::SendBye]);
    assert!(!c.is_done());
    c.handle_input(t(13), CallInput::ByeDone);
    let r = finished(&drain(&mut c));
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(
        (r.sip_code, r.ring_ms(), r.talk_ms()),
        (Some(200), Some(5000), Some(6000))
    );
    assert_eq!(
        (r.ringing_at, r.answered_at, r.ended_at),
        (Some(t(2)), Some(t(7)), t(13))
    );
    assert!(c.is_done() && c.poll_timeout().is_none());
}

#[test]
fn busy_is_final_with_its_code_and_reason() {
    let mut c = started();
    c.handle_input(t(1), CallInput::Provisional { code: 183 });
    c.handle_input(t(3), rejected(486, "Busy Here"));
    let r = finished(&drain(&mut c));
    assert_eq!(r.disposition, Disposition::Busy);
    assert_eq!(
        (r.sip_code, r.sip_reason.as_deref()),
        (Some(486), Some("Busy Here"))
    );
    assert_eq!(r.ring_ms(), Some(2000));
    assert!(r.talk_ms().is_none() && !r.failover);
}

#[test]
fn ring_timeout_cancels_and_the_487_makes_it_no_answer() {
    let mut c = started();
    c.handle_input(t(1), CallInput::Provisional { code: 180 });
    assert_eq!(c.poll_timeout(), Some(t(30)));
    c.handle_timeout(t(30));
    assert_eq!(drain(&mut c), [CallOutput::SendCancel]);
    c.handle_input(t(30), rejected(487, "Request Terminated"));
    let r = finished(&drain(&mut c));
    assert_eq!(r.disposition, Disposition::NoAnswer);
    assert_eq!(
        (r.sip_code, r.sip_reason.as_deref()),
        (Some(487), Some("ring timeout"))
    );
    assert!(r.retryable());
}

#[test]
fn a_missing_487_does_not_hold_the_call_forever() {
    let mut c = started();
    c.handle_input(t(1), CallInput::Provisional { code: 180 });
    c.handle_timeout(t(30));
    drain(&mut c);
    c.handle_timeout(t(35));
    let r = finished(&drain(&mut c));
    assert_eq!((r.disposition, r.sip_code), (Disposition::NoAnswer, None));
}

#[test]
fn a_200_crossing_our_cancel_is_answered_then_hung_up() {
    let mut c = started();
    c.handle_input(t(1), CallInput::Provisional { code: 180 });
    c.handle_timeout(t(30));
    assert_eq!(drain(&mut c), [CallOutput::SendCancel]);
    c.handle_input(t(30), CallInput::Answered);
    // No media: we wanted this call over. The stack ACKs; we BYE.
    assert_eq!(drain(&mut c), [CallOutput::SendBye]);
    c.handle_input(t(31), CallInput::ByeDone);
    let r = finished(&drain(&mut c));
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!((r.answered_at, r.talk_ms()), (Some(t(30)), Some(1000)));
}

#[test]
fn a_final_answer_crossing_our_cancel_is_what_happened() {
    let mut c = started();
    c.handle_input(t(1), CallInput::Provisional { code: 180 });
    c.handle_timeout(t(30));
    drain(&mut c);
    c.handle_input(t(30), rejected(486, "Busy Here"));
    let r = finished(&drain(&mut c));
    assert_eq!((r.disposition, r.sip_code), (Disposition::Busy, Some(486)));
}

#[test]
fn callee_bye_during_the_prompt_completes_the_call() {
    let mut c = started();
    c.handle_input(t(1), CallInput::Answered);
    assert_eq!(drain(&mut c), [CallOutput::StartMedia]);
    c.handle_input(t(4), CallInput::RemoteBye);
    let out = drain(&mut c);
    assert_eq!(out[0], CallOutput::StopMedia);
    let r = finished(&out);
    assert_eq!(
        (r.disposition, r.talk_ms()),
        (Disposition::Answered, Some(3000))
    );
    assert!(
        !out.contains(&CallOutput::SendBye),
        "the callee already hung up"
    );
}

#[test]
fn a_provisional_only_invite_ends_at_the_ring_timeout() {
    let mut c = started();
    c.handle_input(t(2), CallInput::Provisional { code: 183 });
    c.handle_timeout(t(29));
    assert!(drain(&mut c).is_empty());
    c.handle_timeout(t(30));
    assert_eq!(drain(&mut c), [CallOutput::SendCancel]);
}

#[test]
fn a_100_only_invite_is_cancelled_and_fails_over() {
    let mut c = started();
    c.handle_input(t(0), CallInput::Provisional { code: 100 });
    c.handle_timeout(t(30));
    assert_eq!(drain(&mut c), [CallOutput::SendCancel]);
    c.handle_timeout(t(35));
    let r = finished(&drain(&mut c));
    assert_eq!((r.disposition, r.failover), (Disposition::Failed, true));
    assert_eq!(r.sip_reason.as_deref(), Some("no ringing"));
}

#[test]
fn no_response_at_all_gives_up_without_cancel() {
    let mut c = started();
    c.handle_timeout(t(30));
    let out = drain(&mut c);
    assert!(!out.contains(&CallOutput::SendCancel));
    let r = finished(&out);
    assert_eq!((r.disposition, r.failover), (Disposition::Failed, true));
}

#[test]
fn a_final_response_after_we_gave_up_changes_nothing() {
    let mut c = started();
    c.handle_timeout(t(30));
    let first = finished(&drain(&mut c));
    c.handle_input(t(40), rejected(486, "Busy Here"));
    c.handle_input(t(41), CallInput::Answered);
    assert!(drain(&mut c).is_empty());
    assert_eq!(first.disposition, Disposition::Failed);
}

#[test]
fn max_duration_hangs_up_an_answered_call() {
    let mut c = started();
    c.handle_input(t(1), CallInput::Answered);
    drain(&mut c);
    assert_eq!(c.poll_timeout(), Some(t(121)));
    c.handle_timeout(t(121));
    assert_eq!(drain(&mut c), [CallOutput::StopMedia, CallOutput::SendBye]);
    // The BYE is never answered: we stop waiting.
    c.handle_timeout(t(126));
    assert_eq!(finished(&drain(&mut c)).talk_ms(), Some(125_000));
}

#[test]
fn stop_cancels_a_ringing_call_as_interrupted_and_byes_a_connected_one() {
    let mut ringing = started();
    ringing.handle_input(t(1), CallInput::Provisional { code: 180 });
    ringing.handle_input(t(2), CallInput::Stop);
    assert_eq!(drain(&mut ringing), [CallOutput::SendCancel]);
    ringing.handle_input(t(2), rejected(487, "Request Terminated"));
    assert_eq!(
        finished(&drain(&mut ringing)).disposition,
        Disposition::Interrupted
    );

    let mut connected = started();
    connected.handle_input(t(1), CallInput::Answered);
    drain(&mut connected);
    connected.handle_input(t(2), CallInput::Stop);
    assert_eq!(
        drain(&mut connected),
        [CallOutput::StopMedia, CallOutput::SendBye]
    );
}

#[test]
fn failures_carry_their_flags() {
    let mut c = started();
    c.handle_input(
        t(1),
        CallInput::Rejected {
            code: 503,
            reason: "Service Unavailable".into(),
            retry_after: Some(Duration::from_secs(60)),
        },
    );
    let r = finished(&drain(&mut c));
    assert!(r.failover && r.retry_after == Some(Duration::from_secs(60)));

    let mut c = started();
    c.handle_input(t(1), CallInput::TransportError);
    assert!(finished(&drain(&mut c)).failover);

    let mut c = started();
    c.handle_input(t(1), rejected(488, "Not Acceptable Here"));
    let r = finished(&drain(&mut c));
    assert!(r.codec_mismatch && !r.retryable());

    let mut c = started();
    c.handle_input(t(1), rejected(407, "Proxy Authentication Required"));
    assert!(finished(&drain(&mut c)).auth_failure);
}

#[test]
fn every_call_finishes_exactly_once_whatever_happens() {
    // A seeded walk over random inputs and timeouts: exactly one Finished, always last.
    let inputs = [
        CallInput::Provisional { code: 100 },
        CallInput::Provisional { code: 180 },
        CallInput::Answered,
        rejected(486, "Busy Here"),
        rejected(487, "Request Terminated"),
        CallInput::TransportError,
        CallInput::RemoteBye,
        CallInput::ByeDone,
        CallInput::MediaDone,
        CallInput::Stop,
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..2000 {
        let mut c = started();
        let mut now = 0;
        let mut finishes = 0;
        for _ in 0..12 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            now += (seed % 40) as i64;
            if seed.is_multiple_of(3) {
                c.handle_timeout(t(now));
            } else {
                c.handle_input(
                    t(now),
                    inputs[(seed % inputs.len() as u64) as usize].clone(),
                );
            }
            for o in drain(&mut c) {
                assert_eq!(finishes, 0, "output after Finished: {o:?}");
                finishes += matches!(o, CallOutput::Finished(_)) as u32;
            }
        }
        c.handle_timeout(t(now + 10_000));
        finishes += drain(&mut c)
            .iter()
            .filter(|o| matches!(o, CallOutput::Finished(_)))
            .count() as u32;
        assert_eq!(finishes, 1);
    }
}
