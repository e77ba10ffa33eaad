//! [`Call`]: one outbound call as a sans-IO state machine.
//!
//! Inputs are SIP events translated by `net/sip.rs` and media events from the RTP task, each
//! stamped with `now`; outputs are commands for those adapters and, last of all, the
//! [`CallRecord`] for the CDR. States are named for what the call awaits:
//!
//! ```text
//! Idle -> AwaitingAnswer (INVITE sent; `rang` once an 18x came) -> Connected -> HangingUp
//!                 |  ring timeout / stop                 \ remote BYE       |
//!                 v                                        -> Completed <----+
//!             Cancelling (CANCEL sent, awaiting the 487, or a 200 that crossed it)
//! ```
//! Any state before Completed may end Failed; every end emits exactly one `Finished`.

use std::collections::VecDeque;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::classify::{self, Classified};
use super::timer::{Timer, Timers};
use crate::disposition::Disposition;

/// How long we wait for a 487 after CANCEL, and for a 200 after BYE, before we stop waiting.
const ANSWER_WAIT: Duration = Duration::from_secs(5);

/// Per-call timer settings (from the campaign's `call:` block).
#[derive(Debug, Clone, Copy)]
pub struct CallTimers {
    /// Ring time before CANCEL.
    pub ring_timeout: Duration,
    /// Longest answered call.
    pub max_duration: Duration,
}

/// An event for the call.
#[derive(Debug, Clone, PartialEq)]
pub enum CallInput {
    /// A provisional response (100-199).
    Provisional {
        /// The status code.
        code: u16,
    },
    /// A 2xx to our INVITE (the SIP stack has ACKed it).
    Answered,
    /// A final response >= 300 to our INVITE.
    Rejected {
        /// The status code.
        code: u16,
        /// Its reason phrase.
        reason: String,
        /// The `Retry-After` header, if any.
        retry_after: Option<Duration>,
    },
    /// The INVITE transaction failed below SIP: no route, ICMP, transaction timeout.
    TransportError,
    /// The callee hung up (their BYE, already answered by the SIP stack).
    RemoteBye,
    /// Our BYE was answered (or failed: either way the dialog is over).
    ByeDone,
    /// The prompt or menu has finished: hang up.
    MediaDone,
    /// The campaign is stopping (SIGINT/SIGTERM): CANCEL or BYE now.
    Stop,
}

/// A command for the adapters.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutput {
    /// Send the INVITE.
    SendInvite,
    /// Send CANCEL for the pending INVITE.
    SendCancel,
    /// Send BYE in the confirmed dialog.
    SendBye,
    /// Start the prompt / menu on the negotiated media.
    StartMedia,
    /// Stop sending media.
    StopMedia,
    /// The call is over: record it. Always the last output.
    Finished(CallRecord),
}

/// What happened, for the CDR and the retry policy.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// The classified outcome.
    pub disposition: Disposition,
    /// The final SIP status seen (200 when answered), if any.
    pub sip_code: Option<u16>,
    /// Its reason phrase, or our own cause (`ring timeout`, `no response`, ...).
    pub sip_reason: Option<String>,
    /// When the INVITE was sent.
    pub started_at: Timestamp,
    /// When the first 18x arrived.
    pub ringing_at: Option<Timestamp>,
    /// When the 200 arrived.
    pub answered_at: Option<Timestamp>,
    /// When the call ended.
    pub ended_at: Timestamp,
    /// Try the next trunk at once.
    pub failover: bool,
    /// The trunk refused our credentials.
    pub auth_failure: bool,
    /// No codec in common.
    pub codec_mismatch: bool,
    /// The carrier's `Retry-After`, if any.
    pub retry_after: Option<Duration>,
}

impl CallRecord {
    /// Milliseconds from the first 18x to the answer (or the end).
    pub fn ring_ms(&self) -> Option<i64> {
        let from = self.ringing_at?;
        Some(millis(from, self.answered_at.unwrap_or(self.ended_at)))
    }

    /// Milliseconds from the answer to the end.
    pub fn talk_ms(&self) -> Option<i64> {
        Some(millis(self.answered_at?, self.ended_at))
    }

    /// Whether the `retry:` policy may dial the number again after this attempt.
    pub fn retryable(&self) -> bool {
        !self.codec_mismatch && self.disposition.retry_class().is_some()
    }
}

fn millis(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from).as_millis().max(0) as i64
}

fn after(now: Timestamp, d: Duration) -> Timestamp {
    let d = SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
    now.saturating_add(d).unwrap_or(Timestamp::MAX)
}

/// What the call is waiting for.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Idle,
    AwaitingAnswer,
    /// CANCEL sent; `planned` is the outcome if the 487 comes as expected.
    Cancelling {
        planned: Classified,
        cause: &'static str,
    },
    Connected,
    HangingUp,
    Done,
}

/// One outbound call.
#[derive(Debug)]
pub struct Call {
    settings: CallTimers,
    state: State,
    timers: Timers,
    out: VecDeque<CallOutput>,
    record: CallRecord,
    got_response: bool,
}

impl Call {
    /// A call that has not started yet.
    pub fn new(settings: CallTimers, now: Timestamp) -> Self {
        Call {
            settings,
            state: State::Idle,
            timers: Timers::default(),
            out: VecDeque::new(),
            record: CallRecord {
                disposition: Disposition::Failed,
                sip_code: None,
                sip_reason: None,
                started_at: now,
                ringing_at: None,
                answered_at: None,
                ended_at: now,
                failover: false,
                auth_failure: false,
                codec_mismatch: false,
                retry_after: None,
            },
            got_response: false,
        }
    }

    /// Starts the call: the INVITE goes out now.
    pub fn start(&mut self, now: Timestamp) {
        if self.state != State::Idle {
            return;
        }
        self.record.started_at = now;
        self.state = State::AwaitingAnswer;
        self.out.push_back(CallOutput::SendInvite);
        self.timers
            .set(Timer::Ring, after(now, self.settings.ring_timeout));
        let bound = self.settings.ring_timeout + self.settings.max_duration + 4 * ANSWER_WAIT;
        self.timers.set(Timer::Lifetime, after(now, bound));
    }

    /// Whether the call has emitted `Finished`.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The next command for the adapters.
    pub fn poll_output(&mut self) -> Option<CallOutput> {
        self.out.pop_front()
    }

    /// When [`Call::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.timers.next()
    }

    /// Feeds one event.
    pub fn handle_input(&mut self, now: Timestamp, input: CallInput) {
        match (&self.state, input) {
            (State::Idle | State::Done, _) => {}
            (_, CallInput::Provisional { code }) => self.provisional(now, code),
            (State::AwaitingAnswer, CallInput::Answered) => self.connect(now),
            // A 200 that crossed our CANCEL: the callee did pick up. Hang up at once and
            // record what really happened.
            (State::Cancelling { .. }, CallInput::Answered) => {
                self.mark_answered(now);
                self.hang_up(now);
            }
            (
                State::AwaitingAnswer,
                CallInput::Rejected {
                    code,
                    reason,
                    retry_after,
                },
            ) => {
                self.record.retry_after = retry_after;
                let classified = classify::final_response(code, self.record.ringing_at.is_some());
                self.finish(now, classified, Some(code), reason);
            }
            (State::Cancelling { planned, cause }, CallInput::Rejected { code, reason, .. }) => {
                let (planned, cause) = (*planned, *cause);
                if code == 487 {
                    self.finish(now, planned, Some(code), cause.to_string());
                } else {
                    // A real final answer crossed our CANCEL: it says more than our timeout.
                    let c = classify::final_response(code, self.record.ringing_at.is_some());
                    self.finish(now, c, Some(code), reason);
                }
            }
            (State::AwaitingAnswer, CallInput::TransportError) => {
                self.finish(now, classify::failure(), None, "transport error".into());
            }
            (State::Cancelling { planned, cause }, CallInput::TransportError) => {
                let (planned, cause) = (*planned, *cause);
                self.finish(now, planned, None, cause.to_string());
            }
            (State::AwaitingAnswer, CallInput::Stop) => {
                // Retried next run as `failed`; no failover: we are stopping, not failing.
                let planned = Classified {
                    disposition: Disposition::Interrupted,
                    failover: false,
                    ..classify::failure()
                };
                self.cancel(now, planned, "stopped");
            }
            (State::Connected, CallInput::RemoteBye) => {
                self.out.push_back(CallOutput::StopMedia);
                self.complete(now);
            }
            (State::Connected, CallInput::MediaDone | CallInput::Stop) => self.hang_up(now),
            (State::HangingUp, CallInput::ByeDone | CallInput::RemoteBye) => self.complete(now),
            // Anything else is a late or duplicate event (a second 200 after a re-INVITE, a
            // BYE response after we gave up waiting): nothing changes.
            _ => {}
        }
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        while let Some(timer) = self.timers.pop_due(now) {
            self.fire(now, timer);
        }
    }

    fn fire(&mut self, now: Timestamp, timer: Timer) {
        match (timer, &self.state) {
            (Timer::Ring, State::AwaitingAnswer) => self.ring_timeout(now),
            (Timer::CancelWait, State::Cancelling { planned, cause }) => {
                let (planned, cause) = (*planned, *cause);
                self.finish(now, planned, None, cause.to_string());
            }
            (Timer::MaxDuration, State::Connected) => self.hang_up(now),
            (Timer::ByeWait, State::HangingUp) => self.complete(now),
            (Timer::Lifetime, State::Connected | State::HangingUp) => {
                self.out.push_back(CallOutput::StopMedia);
                self.complete(now);
            }
            (Timer::Lifetime, _) => {
                self.finish(now, classify::failure(), None, "call bound reached".into());
            }
            _ => {}
        }
    }

    fn provisional(&mut self, now: Timestamp, code: u16) {
        self.got_response = true;
        if (180..200).contains(&code) && self.record.ringing_at.is_none() {
            self.record.ringing_at = Some(now);
        }
    }

    /// Ring time is up. Only an 18x means the callee's phone rang: then it is a no-answer.
    /// With only a 100 (hop-by-hop) or nothing, the trunk never reached the callee.
    fn ring_timeout(&mut self, now: Timestamp) {
        if !self.got_response {
            // A CANCEL cannot be sent before any provisional (RFC 3261 9.1): give up.
            self.finish(now, classify::failure(), None, "no response".into());
        } else if self.record.ringing_at.is_some() {
            let planned = classify::final_response(480, true);
            self.cancel(now, planned, "ring timeout");
        } else {
            self.cancel(now, classify::failure(), "no ringing");
        }
    }

    fn cancel(&mut self, now: Timestamp, planned: Classified, cause: &'static str) {
        self.out.push_back(CallOutput::SendCancel);
        self.state = State::Cancelling { planned, cause };
        self.timers.stop(Timer::Ring);
        self.timers.set(Timer::CancelWait, after(now, ANSWER_WAIT));
    }

    fn mark_answered(&mut self, now: Timestamp) {
        self.got_response = true;
        self.record.answered_at = Some(now);
        self.record.sip_code = Some(200);
        self.record.sip_reason = Some("OK".into());
        self.record.disposition = Disposition::Answered;
    }

    fn connect(&mut self, now: Timestamp) {
        self.mark_answered(now);
        self.state = State::Connected;
        self.timers.stop(Timer::Ring);
        self.timers
            .set(Timer::MaxDuration, after(now, self.settings.max_duration));
        self.out.push_back(CallOutput::StartMedia);
    }

    fn hang_up(&mut self, now: Timestamp) {
        if self.state == State::Connected {
            self.out.push_back(CallOutput::StopMedia);
        }
        self.out.push_back(CallOutput::SendBye);
        self.state = State::HangingUp;
        self.timers.stop(Timer::MaxDuration);
        self.timers.stop(Timer::CancelWait);
        self.timers.set(Timer::ByeWait, after(now, ANSWER_WAIT));
    }

    fn complete(&mut self, now: Timestamp) {
        let answered = Classified {
            disposition: Disposition::Answered,
            failover: false,
            auth_failure: false,
            codec_mismatch: false,
        };
        self.finish(now, answered, Some(200), "OK".into());
    }

    fn finish(&mut self, now: Timestamp, c: Classified, code: Option<u16>, reason: String) {
        let r = &mut self.record;
        r.disposition = c.disposition;
        r.failover = c.failover;
        r.auth_failure = c.auth_failure;
        r.codec_mismatch = c.codec_mismatch;
        r.sip_code = code;
        r.sip_reason = Some(reason);
        r.ended_at = now;
        self.state = State::Done;
        self.timers.clear();
        self.out
            .push_back(CallOutput::Finished(self.record.clone()));
    }
}
