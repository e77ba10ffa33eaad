//! One call in flight: the call core plus what the adapters hold for it (the INVITE to send,
//! the RTP socket, the media task, the answer SDP). [`LiveCall::drain`] executes the core's
//! outputs; it never decides anything itself.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::PromptPayloads;
use crate::call::{Call, CallInput, CallOutput, CallRecord};
use crate::campaign::Codec;
use crate::media::rtp_packet::RtpStream;
use crate::media::sdp::negotiate;
use crate::net::clock;
use crate::net::rtp::{MediaEvent, MediaReport, MediaSession, Playback};
use crate::net::sip::{CallKey, InviteRequest, SipCommand, SipEndpoint};
use crate::store::{AttemptId, ClaimedNumber};

/// How long a finished call waits for the adapter's `Released` before it is recorded
/// anyway (the adapter's own CANCEL/BYE waits are 8 s).
const RELEASE_BOUND: Duration = Duration::from_secs(10);

/// A claimed number waiting for (or in) a call.
#[derive(Debug, Clone)]
pub(super) struct Job {
    /// The number.
    pub number: ClaimedNumber,
    /// The first trunk it may use (later after a failover).
    pub from_trunk: usize,
    /// Attempts made so far, all runs (this one included once it starts).
    pub attempts_made: u32,
}

/// What calls share: the SIP endpoint, the media event channel, codecs and the prompt.
pub(super) struct CallIo<'a> {
    pub endpoint: &'a SipEndpoint,
    pub media_events: &'a mpsc::UnboundedSender<MediaEvent>,
    pub codecs: &'a [Codec],
    pub prompt: &'a PromptPayloads,
}

/// One call in flight.
pub(super) struct LiveCall {
    pub job: Job,
    pub trunk: usize,
    pub attempt: AttemptId,
    pub call: Call,
    pub request: Option<InviteRequest>,
    pub rtp: Option<UdpSocket>,
    pub answer_sdp: Option<Vec<u8>>,
    pub session: Option<MediaSession>,
    pub media: Option<MediaReport>,
    pub record: Option<CallRecord>,
    pub released: bool,
    give_up_at: Option<Instant>,
}

impl LiveCall {
    /// A call about to dial `request` (the INVITE leaves on the core's `SendInvite`).
    pub fn new(
        job: Job,
        trunk: usize,
        attempt: AttemptId,
        call: Call,
        request: InviteRequest,
    ) -> Self {
        LiveCall {
            job,
            trunk,
            attempt,
            call,
            request: Some(request),
            rtp: None,
            answer_sdp: None,
            session: None,
            media: None,
            record: None,
            released: false,
            give_up_at: None,
        }
    }

    /// Executes the core's outputs for call `key`.
    pub async fn drain(&mut self, key: CallKey, io: &CallIo<'_>) {
        while let Some(out) = self.call.poll_output() {
            match out {
                CallOutput::SendInvite => {
                    let Some(request) = self.request.take() else {
                        continue;
                    };
                    if let Err(e) = io.endpoint.invite(key, request) {
                        // Nothing reached the adapter: no `Released` will come.
                        self.released = true;
                        let detail = e.to_string();
                        self.call
                            .handle_input(clock::instant(), CallInput::TransportError { detail });
                    }
                }
                CallOutput::SendCancel => {
                    let _ = io.endpoint.command(key, SipCommand::Cancel);
                }
                CallOutput::SendBye => {
                    let _ = io.endpoint.command(key, SipCommand::Bye);
                }
                CallOutput::StartMedia => self.start_media(key, io).await,
                CallOutput::StopMedia => self.stop_media().await,
                CallOutput::Finished(record) => {
                    self.record = Some(record);
                    self.give_up_at = Some(clock::instant() + RELEASE_BOUND);
                }
            }
        }
    }

    async fn start_media(&mut self, key: CallKey, io: &CallIo<'_>) {
        let ready = match (self.answer_sdp.as_deref(), self.rtp.take()) {
            (Some(sdp), Some(socket)) => negotiate(sdp, io.codecs)
                .map(|n| (n, socket))
                .map_err(|e| e.to_string()),
            _ => Err("no answer SDP or RTP socket".to_string()),
        };
        let started = match ready {
            Ok((neg, socket)) => {
                let prompt = match neg.codec {
                    Codec::Pcmu => io.prompt.pcmu.clone(),
                    Codec::Pcma => io.prompt.pcma.clone(),
                };
                let playback = Playback {
                    call: key,
                    stream: stream_for(key, neg.payload_type),
                    codec: neg.codec,
                    prompt,
                    dtmf_pt: neg.dtmf_pt,
                    phase_index: key,
                };
                start_session(socket, neg.remote, playback, io.media_events.clone()).await
            }
            Err(e) => Err(e),
        };
        match started {
            Ok(session) => self.session = Some(session),
            Err(detail) => {
                tracing::warn!(call = key, %detail, "cannot play the prompt: hanging up");
                self.call.handle_input(clock::instant(), CallInput::Hangup);
            }
        }
    }

    /// Stops RTP (if running) and keeps its counters.
    pub async fn stop_media(&mut self) {
        if let Some(session) = self.session.take() {
            self.media = Some(session.stop().await);
        }
    }

    /// The record is in and the adapter let go (or the bound passed).
    pub fn is_over(&self, now: Instant) -> bool {
        self.record.is_some() && (self.released || self.give_up_at.is_some_and(|t| t <= now))
    }

    /// When this call next needs a wake-up: its core's timers, or the release bound.
    pub fn next_wake(&self) -> Option<Instant> {
        let bound = if self.released { None } else { self.give_up_at };
        match (self.call.poll_timeout(), bound) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

async fn start_session(
    socket: UdpSocket,
    remote: SocketAddr,
    playback: Playback,
    events: mpsc::UnboundedSender<MediaEvent>,
) -> Result<MediaSession, String> {
    MediaSession::start(socket, remote, playback, events)
        .await
        .map_err(|e| e.to_string())
}

/// Header fields of a call's outgoing stream. RFC 3550 wants SSRC, sequence and timestamp
/// unpredictable; a mix of the attempt id spreads them without a random source in the loop.
fn stream_for(key: CallKey, payload_type: u8) -> RtpStream {
    let mixed = key.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1A1_E401_5EED_0001;
    RtpStream {
        ssrc: (mixed >> 32) as u32,
        payload_type,
        first_seq: (mixed >> 16) as u16,
        first_ts: mixed as u32,
    }
}
