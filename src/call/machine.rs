//! [`Call`]: one outbound call as a sans-IO state machine (str0m/quinn style).
//!
//! The runtime feeds it [`CallInput`]s stamped with `now` (`handle_input`), wakes it at
//! `poll_timeout` (`handle_timeout`), and drains [`CallOutput`]s (`poll_output`) to SIP, RTP
//! and the store. States are named for what they await (ARCHITECTURE.md principle 4):
//! Idle -> Dialing (INVITE sent, awaiting a provisional) -> Ringing (18x, awaiting the answer)
//! -> Connected (200 + ACK, awaiting the end of the prompt or a BYE) -> Completed; or Failed
//! from any state before Completed. A CANCEL in flight is an internal sub-state of Dialing or
//! Ringing that awaits the 487.
//!
//! Invariants: exactly one `Finished` is emitted per call, and nothing after it; every input
//! after `Finished` is ignored (a final response after our own timeout changes nothing).
//! Timers run on monotonic `Instant`s (a wall-clock step cannot fire a ring timeout early);
//! the record's wall-clock times come from one anchor taken when the call is created.
//!
//! Must not: touch sockets, tasks, channels, the clock, or know rsipstack's types.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use jiff::Timestamp;

use super::outcome::{Disposition, FailureKind, Outcome, RetryClass, classify_final};
use super::timer::{CallTimer, CallTimers, TimerTable};

/// The six states of CONTRACT.md "Call states and outcomes".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallState {
    /// Created, INVITE not sent yet.
    Idle,
    /// INVITE sent; awaiting a provisional or final response.
    Dialing,
    /// 18x received; awaiting the answer.
    Ringing,
    /// 200 received and ACKed; awaiting the prompt's end or a BYE.
    Connected,
    /// Ended after an answer.
    Completed,
    /// Ended without an answer.
    Failed,
}

/// What happened to the call, as the adapters report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallInput {
    /// Start dialing: the INVITE is to leave now.
    Dial,
    /// A provisional response (100 or 18x).
    Provisional {
        /// Status code, 100..=199.
        code: u16,
    },
    /// A 2xx to the INVITE (the stack has ACKed it).
    Answered {
        /// Status code, 200..=299.
        code: u16,
        /// Reason phrase as received.
        reason: String,
    },
    /// A final non-2xx response to the INVITE (after any digest retry the stack made).
    Rejected {
        /// Status code, 300..=699.
        code: u16,
        /// Reason phrase as received.
        reason: String,
        /// `Retry-After` of a 503 (or any final), if present.
        retry_after: Option<Duration>,
    },
    /// The INVITE could not be sent or the transport failed before an answer.
    TransportError {
        /// What failed (no secrets, no full numbers).
        detail: String,
    },
    /// The callee sent BYE.
    RemoteBye,
    /// Media finished (the prompt or the IVR reached its end): hang up.
    PromptFinished,
    /// Stop now (operator, shutdown): CANCEL or BYE as the state requires.
    Hangup,
}

/// What the adapters must do for the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutput {
    /// Send the INVITE (with the offer the runtime built).
    SendInvite,
    /// CANCEL the pending INVITE.
    SendCancel,
    /// End the established dialog with BYE.
    SendBye,
    /// Start RTP (the answer's SDP is in the adapter's event).
    StartMedia,
    /// Stop RTP.
    StopMedia,
    /// The call is over: record it.
    Finished(CallRecord),
}

/// Why the call ended (finer than the disposition; for logs and the CDR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndCause {
    /// The callee hung up.
    RemoteBye,
    /// We hung up after the prompt.
    PromptFinished,
    /// We hung up at `max_duration`.
    MaxDuration,
    /// Our ring timeout fired; we cancelled.
    RingTimeout,
    /// No provisional before our setup bound; we cancelled.
    SetupTimeout,
    /// A final response to the INVITE.
    FinalResponse,
    /// A 200 crossed our CANCEL: we ACKed it and sent BYE.
    AnsweredAfterCancel,
    /// Transport failure.
    Transport,
    /// Operator or shutdown.
    Hangup,
}

/// The record of one finished attempt: everything the CDR needs from signalling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The disposition.
    pub disposition: Disposition,
    /// Which retry rule applies.
    pub retry: RetryClass,
    /// For FAILED: why.
    pub failure: Option<FailureKind>,
    /// Try the next trunk at once.
    pub failover: bool,
    /// Pause the trunk (credentials refused).
    pub pause_trunk: bool,
    /// The final SIP code (200 for answered calls); `None` when none arrived.
    pub sip_code: Option<u16>,
    /// Its reason phrase.
    pub sip_reason: Option<String>,
    /// `Retry-After` the carrier asked for.
    pub retry_after: Option<Duration>,
    /// Why the call ended.
    pub end: EndCause,
    /// Transport error text, when that was the end.
    pub transport_error: Option<String>,
    /// When the INVITE left.
    pub started_at: Timestamp,
    /// First 18x.
    pub ringing_at: Option<Timestamp>,
    /// The 200.
    pub answered_at: Option<Timestamp>,
    /// The end (BYE sent or received, final response, or our give-up).
    pub ended_at: Timestamp,
    /// From the first 18x to the answer (or to the end when unanswered); 0 if it never rang.
    pub ring_ms: u64,
    /// From the answer to the end; 0 if unanswered.
    pub talk_ms: u64,
}

/// Internal phase: the public [`CallState`] plus the CANCEL sub-state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Dialing,
    Ringing,
    /// CANCEL sent; awaiting the 487. Holds the outcome to record if it comes.
    Cancelling(Outcome, EndCause),
    Connected,
    Done(CallState),
}

/// One outbound call.
#[derive(Debug)]
pub struct Call {
    settings: CallTimers,
    phase: Phase,
    timers: TimerTable,
    outputs: VecDeque<CallOutput>,
    anchor: (Instant, Timestamp),
    started: Option<Instant>,
    ringing: Option<Instant>,
    answered: Option<Instant>,
    /// The 2xx status, kept for the record until the call ends.
    answer_status: Option<(u16, String)>,
    /// A transport error that ended an answered call.
    transport_detail: Option<String>,
}

impl Call {
    /// A call in Idle. `now` and `wall` are the same moment on the monotonic and wall clocks:
    /// the record's timestamps are derived from this anchor.
    pub fn new(settings: CallTimers, now: Instant, wall: Timestamp) -> Self {
        Call {
            settings,
            phase: Phase::Idle,
            timers: TimerTable::default(),
            outputs: VecDeque::new(),
            anchor: (now, wall),
            started: None,
            ringing: None,
            answered: None,
            answer_status: None,
            transport_detail: None,
        }
    }

    /// The public state.
    pub fn state(&self) -> CallState {
        match self.phase {
            Phase::Idle => CallState::Idle,
            Phase::Dialing => CallState::Dialing,
            Phase::Ringing => CallState::Ringing,
            Phase::Cancelling(..) if self.ringing.is_some() => CallState::Ringing,
            Phase::Cancelling(..) => CallState::Dialing,
            Phase::Connected => CallState::Connected,
            Phase::Done(state) => state,
        }
    }

    /// True once `Finished` has been emitted.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Done(_))
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<CallOutput> {
        self.outputs.pop_front()
    }

    /// When `handle_timeout` must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(timer) = self.timers.pop_expired(now) {
            self.on_timer(now, timer);
        }
    }

    /// Feeds one input.
    pub fn handle_input(&mut self, now: Instant, input: CallInput) {
        match (self.phase, input) {
            (Phase::Done(_), _) => {}
            (Phase::Idle, CallInput::Dial) => {
                self.started = Some(now);
                self.phase = Phase::Dialing;
                self.timers
                    .arm(CallTimer::Ring, now + self.settings.ring_timeout);
                self.timers
                    .arm(CallTimer::Setup, now + self.settings.setup_timeout);
                self.outputs.push_back(CallOutput::SendInvite);
            }
            (Phase::Idle, _) => {}
            (phase, CallInput::Provisional { code }) => self.on_provisional(now, phase, code),
            (Phase::Connected, CallInput::Answered { .. }) => {} // re-sent 2xx: answered once
            (_, CallInput::Answered { code, reason }) => self.on_answered(now, code, reason),
            (Phase::Connected, CallInput::Rejected { .. }) => {}
            (
                Phase::Cancelling(decided, cause),
                CallInput::Rejected {
                    code: 487, reason, ..
                },
            ) => {
                self.finish(now, decided, cause, Some((487, reason)), None, None);
            }
            (
                _,
                CallInput::Rejected {
                    code,
                    reason,
                    retry_after,
                },
            ) => {
                let outcome = classify_final(code, self.ringing.is_some());
                let sip = Some((code, reason));
                self.finish(
                    now,
                    outcome,
                    EndCause::FinalResponse,
                    sip,
                    retry_after,
                    None,
                );
            }
            (Phase::Connected, CallInput::TransportError { detail }) => {
                self.hang_up(now, EndCause::Transport, Some(detail));
            }
            (Phase::Cancelling(decided, cause), CallInput::TransportError { detail }) => {
                self.finish(now, decided, cause, None, None, Some(detail));
            }
            (_, CallInput::TransportError { detail }) => {
                let outcome = Outcome::TRUNK_FAILED;
                self.finish(now, outcome, EndCause::Transport, None, None, Some(detail));
            }
            (Phase::Connected, CallInput::RemoteBye) => {
                self.outputs.push_back(CallOutput::StopMedia);
                self.finish_answered(now, EndCause::RemoteBye);
            }
            (Phase::Connected, CallInput::PromptFinished) => {
                self.hang_up(now, EndCause::PromptFinished, None);
            }
            (Phase::Connected, CallInput::Hangup) => self.hang_up(now, EndCause::Hangup, None),
            (Phase::Dialing | Phase::Ringing, CallInput::Hangup) => {
                let outcome = if self.ringing.is_some() {
                    Outcome::NO_ANSWER
                } else {
                    classify_final(0, false)
                };
                self.cancel(now, outcome, EndCause::Hangup);
            }
            // BYE/prompt end before an answer, Dial twice, Hangup while cancelling: nothing to do.
            _ => {}
        }
    }

    fn on_provisional(&mut self, now: Instant, phase: Phase, code: u16) {
        // 100 Trying proves only that the next hop is alive, not that anything rings.
        if code == 100 || self.ringing.is_some() {
            return;
        }
        self.ringing = Some(now);
        self.timers.disarm(CallTimer::Setup);
        if phase == Phase::Dialing {
            self.phase = Phase::Ringing;
        }
    }

    fn on_answered(&mut self, now: Instant, code: u16, reason: String) {
        self.answered = Some(now);
        if let Phase::Cancelling(..) = self.phase {
            // The 200 crossed our CANCEL: the stack ACKs it; we end the session with BYE and
            // record what really happened: an answer with no talk time.
            self.outputs.push_back(CallOutput::SendBye);
            let sip = Some((code, reason));
            self.finish(
                now,
                Outcome::ANSWERED,
                EndCause::AnsweredAfterCancel,
                sip,
                None,
                None,
            );
            return;
        }
        self.phase = Phase::Connected;
        self.timers.clear();
        self.timers
            .arm(CallTimer::MaxDuration, now + self.settings.max_duration);
        self.answer_status = Some((code, reason));
        self.outputs.push_back(CallOutput::StartMedia);
    }

    fn on_timer(&mut self, now: Instant, timer: CallTimer) {
        match (self.phase, timer) {
            (Phase::Dialing | Phase::Ringing, CallTimer::Ring) => {
                let outcome = if self.ringing.is_some() {
                    Outcome::NO_ANSWER
                } else {
                    Outcome::TRUNK_FAILED
                };
                self.cancel(now, outcome, EndCause::RingTimeout);
            }
            (Phase::Dialing, CallTimer::Setup) => {
                self.cancel(now, Outcome::TRUNK_FAILED, EndCause::SetupTimeout);
            }
            (Phase::Cancelling(decided, cause), CallTimer::CancelWait) => {
                // Nothing at all came back (an unreachable trunk, a failed TLS handshake):
                // say so on the attempt, where a SIP reason would otherwise be.
                let detail = (self.ringing.is_none()).then(|| {
                    "no response from the trunk: no 18x before the timeout, nothing after our \
                     CANCEL"
                        .to_string()
                });
                self.finish(now, decided, cause, None, None, detail);
            }
            (Phase::Connected, CallTimer::MaxDuration) => {
                self.hang_up(now, EndCause::MaxDuration, None);
            }
            _ => {}
        }
    }

    fn cancel(&mut self, now: Instant, outcome: Outcome, cause: EndCause) {
        self.phase = Phase::Cancelling(outcome, cause);
        self.timers.clear();
        self.timers
            .arm(CallTimer::CancelWait, now + self.settings.cancel_wait);
        self.outputs.push_back(CallOutput::SendCancel);
    }

    fn hang_up(&mut self, now: Instant, cause: EndCause, detail: Option<String>) {
        self.outputs.push_back(CallOutput::StopMedia);
        self.outputs.push_back(CallOutput::SendBye);
        self.transport_detail = detail;
        self.finish_answered(now, cause);
    }

    fn finish_answered(&mut self, now: Instant, cause: EndCause) {
        let sip = self.answer_status.take();
        let detail = self.transport_detail.take();
        self.finish(now, Outcome::ANSWERED, cause, sip, None, detail);
    }

    fn finish(
        &mut self,
        now: Instant,
        outcome: Outcome,
        end: EndCause,
        sip: Option<(u16, String)>,
        retry_after: Option<Duration>,
        transport_error: Option<String>,
    ) {
        self.timers.clear();
        let answered = outcome.disposition == Disposition::Answered;
        self.phase = Phase::Done(if answered {
            CallState::Completed
        } else {
            CallState::Failed
        });
        let started = self.started.unwrap_or(now);
        let ring_end = self.answered.unwrap_or(now);
        let ring_ms = self
            .ringing
            .map_or(0, |r| millis(ring_end.saturating_duration_since(r)));
        let talk_ms = self
            .answered
            .map_or(0, |a| millis(now.saturating_duration_since(a)));
        let (sip_code, sip_reason) = sip.map_or((None, None), |(c, r)| (Some(c), Some(r)));
        let record = CallRecord {
            disposition: outcome.disposition,
            retry: outcome.retry,
            failure: outcome.failure,
            failover: outcome.failover(),
            pause_trunk: outcome.pause_trunk(),
            sip_code,
            sip_reason,
            retry_after,
            end,
            transport_error,
            started_at: self.wall(started),
            ringing_at: self.ringing.map(|t| self.wall(t)),
            answered_at: self.answered.map(|t| self.wall(t)),
            ended_at: self.wall(now),
            ring_ms,
            talk_ms,
        };
        self.outputs.push_back(CallOutput::Finished(record));
    }

    fn wall(&self, at: Instant) -> Timestamp {
        let (i0, t0) = self.anchor;
        t0.checked_add(at.saturating_duration_since(i0))
            .unwrap_or(t0)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
