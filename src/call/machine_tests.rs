//! Unit tests of [`Call`]: every transition and the races named in issue 3, in virtual time.

use super::*;

const RING: Duration = Duration::from_secs(30);
const MAX: Duration = Duration::from_secs(120);

struct Harness {
    call: Call,
    t0: Instant,
    wall: Timestamp,
}

impl Harness {
    fn new() -> Self {
        let t0 = crate::net::clock::instant();
        let wall: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
        Harness {
            call: Call::new(CallTimers::new(RING, MAX), t0, wall),
            t0,
            wall,
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    fn input(&mut self, ms: u64, input: CallInput) -> Vec<CallOutput> {
        let now = self.at(ms);
        self.call.handle_timeout(now);
        self.call.handle_input(now, input);
        self.drain()
    }

    fn advance(&mut self, ms: u64) -> Vec<CallOutput> {
        self.call.handle_timeout(self.at(ms));
        self.drain()
    }

    fn drain(&mut self) -> Vec<CallOutput> {
        std::iter::from_fn(|| self.call.poll_output()).collect()
    }

    fn dialed(mut self) -> Self {
        assert_eq!(self.input(0, CallInput::Dial), vec![CallOutput::SendInvite]);
        assert_eq!(self.call.state(), CallState::Dialing);
        self
    }
}

fn record(outputs: &[CallOutput]) -> &CallRecord {
    match outputs.last() {
        Some(CallOutput::Finished(r)) => r,
        other => panic!("expected Finished last, got {other:?}"),
    }
}

fn ringing(code: u16) -> CallInput {
    CallInput::Provisional { code }
}

fn ok() -> CallInput {
    CallInput::Answered {
        code: 200,
        reason: "OK".into(),
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
fn answered_then_prompt_ends_then_bye() {
    let mut h = Harness::new().dialed();
    assert!(h.input(100, ringing(100)).is_empty());
    assert_eq!(h.call.state(), CallState::Dialing, "100 is not ringing");
    assert!(h.input(800, ringing(180)).is_empty());
    assert_eq!(h.call.state(), CallState::Ringing);
    assert_eq!(h.input(5_800, ok()), vec![CallOutput::StartMedia]);
    assert_eq!(h.call.state(), CallState::Connected);
    assert_eq!(h.call.poll_timeout(), Some(h.at(5_800) + MAX));
    let out = h.input(15_800, CallInput::PromptFinished);
    assert_eq!(out[..2], [CallOutput::StopMedia, CallOutput::SendBye]);
    let r = record(&out);
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.end, EndCause::PromptFinished);
    assert_eq!(
        (r.sip_code, r.sip_reason.as_deref()),
        (Some(200), Some("OK"))
    );
    assert_eq!((r.ring_ms, r.talk_ms), (5_000, 10_000));
    assert_eq!(r.started_at, h.wall);
    assert_eq!(r.ringing_at, Some(h.wall + Duration::from_millis(800)));
    assert_eq!(r.answered_at, Some(h.wall + Duration::from_millis(5_800)));
    assert_eq!(r.ended_at, h.wall + Duration::from_millis(15_800));
    assert_eq!(h.call.state(), CallState::Completed);
    assert!(h.call.is_finished());
    assert_eq!(h.call.poll_timeout(), None);
}

#[test]
fn callee_bye_during_the_prompt() {
    let mut h = Harness::new().dialed();
    h.input(500, ringing(183));
    h.input(2_000, ok());
    let out = h.input(4_500, CallInput::RemoteBye);
    assert_eq!(out[0], CallOutput::StopMedia);
    assert!(!out.contains(&CallOutput::SendBye), "no BYE back to a BYE");
    let r = record(&out);
    assert_eq!(
        (r.disposition, r.end),
        (Disposition::Answered, EndCause::RemoteBye)
    );
    assert_eq!(r.talk_ms, 2_500);
    // The prompt task finishing afterwards changes nothing.
    assert!(h.input(4_600, CallInput::PromptFinished).is_empty());
}

#[test]
fn max_duration_sends_bye() {
    let mut h = Harness::new().dialed();
    h.input(1_000, ok());
    assert!(h.advance(1_000 + 119_999).is_empty());
    let out = h.advance(121_000);
    assert_eq!(out[..2], [CallOutput::StopMedia, CallOutput::SendBye]);
    let r = record(&out);
    assert_eq!(
        (r.end, r.talk_ms, r.ring_ms),
        (EndCause::MaxDuration, 120_000, 0)
    );
}

#[test]
fn ring_timeout_after_provisional_cancels_then_487_is_no_answer() {
    let mut h = Harness::new().dialed();
    h.input(300, ringing(180));
    assert_eq!(h.call.poll_timeout(), Some(h.at(30_000)));
    assert_eq!(h.advance(30_000), vec![CallOutput::SendCancel]);
    assert_eq!(h.call.state(), CallState::Ringing, "still awaiting the 487");
    let out = h.input(30_050, rejected(487, "Request Terminated"));
    let r = record(&out);
    assert_eq!(r.disposition, Disposition::NoAnswer);
    assert_eq!(r.retry, RetryClass::NoAnswer);
    assert_eq!((r.sip_code, r.end), (Some(487), EndCause::RingTimeout));
    assert_eq!(r.ring_ms, 29_750);
    assert_eq!(h.call.state(), CallState::Failed);
}

#[test]
fn provisional_only_invite_never_answered_gives_up_after_cancel_wait() {
    let mut h = Harness::new().dialed();
    h.input(300, ringing(180));
    assert_eq!(h.advance(30_000), vec![CallOutput::SendCancel]);
    // No 487 ever comes: our cancel-wait ends it.
    assert_eq!(h.call.poll_timeout(), Some(h.at(38_000)));
    let r = record(&h.advance(38_000)).clone();
    assert_eq!((r.disposition, r.sip_code), (Disposition::NoAnswer, None));
    assert_eq!(r.transport_error, None, "it rang: not a silent trunk");
    assert!(h.call.is_finished());
}

#[test]
fn trying_only_invite_hits_our_setup_bound_as_failed_with_failover() {
    let mut h = Harness::new().dialed();
    h.call = Call::new(
        CallTimers {
            setup_timeout: Duration::from_secs(10),
            ..CallTimers::new(RING, MAX)
        },
        h.t0,
        h.wall,
    );
    h.input(0, CallInput::Dial);
    h.input(50, ringing(100));
    assert_eq!(h.call.poll_timeout(), Some(h.at(10_000)));
    assert_eq!(h.advance(10_000), vec![CallOutput::SendCancel]);
    let r = record(&h.input(10_020, rejected(487, "Request Terminated"))).clone();
    assert_eq!(r.disposition, Disposition::Failed);
    assert_eq!(r.end, EndCause::SetupTimeout);
    assert!(
        r.failover,
        "timeout without provisional tries the next trunk"
    );
    assert_eq!(r.ring_ms, 0);
}

#[test]
fn ring_timeout_without_any_provisional_is_a_trunk_failure() {
    let mut h = Harness::new().dialed();
    h.advance(30_000);
    let r = record(&h.advance(38_000)).clone();
    assert_eq!((r.disposition, r.failover), (Disposition::Failed, true));
    let why = r
        .transport_error
        .expect("the attempt says nothing came back");
    assert!(why.contains("no response from the trunk"), "{why}");
}

#[test]
fn first_18x_disarms_the_setup_bound() {
    let mut h = Harness::new().dialed();
    h.input(100, ringing(180));
    assert_eq!(
        h.call.poll_timeout(),
        Some(h.at(30_000)),
        "only the ring timer"
    );
}

#[test]
fn two_hundred_crossing_our_cancel_is_answered_and_byed() {
    let mut h = Harness::new().dialed();
    h.input(300, ringing(180));
    h.advance(30_000);
    let out = h.input(30_010, ok());
    assert_eq!(out[0], CallOutput::SendBye);
    assert!(
        !out.contains(&CallOutput::StartMedia),
        "no media on a call we abandon"
    );
    let r = record(&out);
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.end, EndCause::AnsweredAfterCancel);
    assert_eq!((r.sip_code, r.talk_ms), (Some(200), 0));
    assert!(r.answered_at.is_some());
    assert_eq!(h.call.state(), CallState::Completed);
    // The 487 that never comes, or a late one, changes nothing.
    assert!(
        h.input(30_020, rejected(487, "Request Terminated"))
            .is_empty()
    );
}

#[test]
fn other_final_crossing_our_cancel_is_recorded_as_it_is() {
    let mut h = Harness::new().dialed();
    h.input(300, ringing(180));
    h.advance(30_000);
    let r = record(&h.input(30_010, rejected(486, "Busy Here"))).clone();
    assert_eq!((r.disposition, r.sip_code), (Disposition::Busy, Some(486)));
}

#[test]
fn final_response_after_our_timeout_is_ignored() {
    let mut h = Harness::new().dialed();
    h.input(300, ringing(180));
    h.advance(30_000);
    let r = record(&h.advance(38_000)).clone();
    assert_eq!(r.disposition, Disposition::NoAnswer);
    assert!(
        h.input(40_000, rejected(487, "Request Terminated"))
            .is_empty()
    );
    assert!(h.input(40_000, ok()).is_empty());
    assert!(h.input(40_000, CallInput::RemoteBye).is_empty());
    assert_eq!(h.call.state(), CallState::Failed);
}

#[test]
fn finals_before_answer_are_classified_with_provisional_context() {
    for (prov, code, disposition) in [
        (false, 486, Disposition::Busy),
        (true, 480, Disposition::NoAnswer),
        (true, 408, Disposition::NoAnswer),
        (false, 408, Disposition::Failed),
        (false, 404, Disposition::Invalid),
        (false, 484, Disposition::Invalid),
        (true, 603, Disposition::Rejected),
        (false, 503, Disposition::Failed),
        (false, 401, Disposition::Failed),
        (true, 488, Disposition::Failed),
    ] {
        let mut h = Harness::new().dialed();
        if prov {
            h.input(100, ringing(180));
        }
        let out = h.input(
            900,
            CallInput::Rejected {
                code,
                reason: "x".into(),
                retry_after: Some(Duration::from_secs(60)),
            },
        );
        assert_eq!(out.len(), 1, "only Finished for {code}");
        let r = record(&out);
        assert_eq!(r.disposition, disposition, "{code} prov={prov}");
        assert_eq!(r.sip_code, Some(code));
        assert_eq!(r.retry_after, Some(Duration::from_secs(60)));
        assert_eq!(r.end, EndCause::FinalResponse);
        assert_eq!(h.call.state(), CallState::Failed);
    }
}

#[test]
fn transport_error_before_answer_fails_over() {
    let mut h = Harness::new().dialed();
    let out = h.input(
        5,
        CallInput::TransportError {
            detail: "connection refused".into(),
        },
    );
    let r = record(&out);
    assert_eq!(
        (r.disposition, r.failover, r.end),
        (Disposition::Failed, true, EndCause::Transport)
    );
    assert_eq!(r.transport_error.as_deref(), Some("connection refused"));
}

#[test]
fn transport_error_after_answer_keeps_the_answer() {
    let mut h = Harness::new().dialed();
    h.input(100, ok());
    let out = h.input(
        600,
        CallInput::TransportError {
            detail: "socket closed".into(),
        },
    );
    let r = record(&out);
    assert_eq!(
        (r.disposition, r.end, r.talk_ms),
        (Disposition::Answered, EndCause::Transport, 500)
    );
}

#[test]
fn hangup_in_each_state() {
    let mut h = Harness::new().dialed();
    h.input(100, ringing(180));
    assert_eq!(
        h.input(200, CallInput::Hangup),
        vec![CallOutput::SendCancel]
    );
    let r = record(&h.input(250, rejected(487, "Request Terminated"))).clone();
    assert_eq!(
        (r.disposition, r.end),
        (Disposition::NoAnswer, EndCause::Hangup)
    );

    let mut h = Harness::new().dialed();
    h.input(100, ok());
    let out = h.input(200, CallInput::Hangup);
    assert_eq!(out[..2], [CallOutput::StopMedia, CallOutput::SendBye]);
    assert_eq!(record(&out).end, EndCause::Hangup);
}

#[test]
fn idle_ignores_everything_but_dial_and_exactly_one_finished() {
    let mut h = Harness::new();
    assert!(h.input(0, ok()).is_empty());
    assert!(h.input(0, CallInput::RemoteBye).is_empty());
    assert_eq!(h.call.state(), CallState::Idle);
    assert_eq!(h.call.poll_timeout(), None);
    h.input(0, CallInput::Dial);
    assert!(
        h.input(0, CallInput::Dial).is_empty(),
        "Dial twice sends one INVITE"
    );
    h.input(10, ok());
    assert!(
        h.input(20, ok()).is_empty(),
        "a re-sent 2xx starts media once"
    );
    let mut finished = 0;
    for input in [
        CallInput::RemoteBye,
        CallInput::PromptFinished,
        CallInput::Hangup,
    ] {
        finished += h
            .input(30, input)
            .iter()
            .filter(|o| matches!(o, CallOutput::Finished(_)))
            .count();
    }
    assert_eq!(finished, 1);
}
