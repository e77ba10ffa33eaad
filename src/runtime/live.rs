//! One call in flight: the call core plus what the adapters hold for it (the INVITE to send,
//! the RTP socket, the media task, the answer SDP) and, on an IVR campaign, its
//! [`Menu`]. [`LiveCall::drain`] executes the call core's outputs and `run_menu` the menu's;
//! neither decides anything itself.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::{MenuAudio, PromptPayloads};
use crate::call::{Call, CallInput, CallOutput, CallRecord, Menu, MenuOutput};
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
    pub menu: Option<&'a MenuAudio>,
    /// Where recordings go (`record:`), with what names them.
    pub record: Option<&'a crate::campaign::record::RecordPlan>,
    pub campaign: &'a str,
    pub db: &'a std::path::Path,
}

impl<'a> CallIo<'a> {
    /// Borrows what calls share from the endpoint, the event channel and the run's settings.
    pub fn new(
        endpoint: &'a SipEndpoint,
        media_events: &'a mpsc::UnboundedSender<MediaEvent>,
        s: &'a super::RunSettings,
    ) -> Self {
        CallIo {
            endpoint,
            media_events,
            codecs: &s.plan.call.codecs,
            prompt: &s.prompt,
            menu: s.menu.as_ref(),
            record: s.plan.record.as_ref(),
            campaign: &s.plan.name,
            db: &s.db,
        }
    }
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
    /// The negotiated codec once answered (which payload of a node's prompt to play).
    codec: Option<Codec>,
    /// The IVR walk, from the answer on.
    menu: Option<Menu>,
    /// The generation of the prompt the menu is waiting on.
    generation: u32,
    /// Every key the callee pressed, in order (the attempt's `dtmf`).
    pub digits: String,
    /// The IVR result label reached.
    pub ivr_result: Option<String>,
    /// The menu reached a `dnc: true` node: the engine lists the number (once).
    pub wants_dnc: bool,
    /// Where this call's keys come from: the first of RTP (RFC 4733) or SIP INFO to deliver
    /// one; the other is ignored from then on, so a gateway sending both counts each press once.
    key_source: Option<KeySource>,
}

/// The two ways a key press reaches us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeySource {
    /// RFC 4733 telephone-event in the callee's RTP.
    Rtp,
    /// SIP INFO (`application/dtmf-relay`).
    Info,
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
            codec: None,
            menu: None,
            generation: 0,
            digits: String::new(),
            ivr_result: None,
            wants_dnc: false,
            key_source: None,
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
                self.codec = Some(neg.codec);
                // An IVR starts silent: the menu plays its first node itself.
                let prompt = io.menu.is_none().then(|| payload(io.prompt, neg.codec));
                let playback = Playback {
                    call: key,
                    stream: stream_for(key, neg.payload_type),
                    codec: neg.codec,
                    prompt,
                    dtmf_pt: neg.dtmf_pt,
                    phase_index: key,
                    record: io.record.map(|r| {
                        let dir = io.db.parent().unwrap_or(std::path::Path::new(""));
                        let number = self.job.number.e164.as_str();
                        let path =
                            r.path_for(dir, io.campaign, number, self.attempt.get(), clock::now());
                        // Stored absolute: the CDR must lead to the file from anywhere.
                        std::path::absolute(&path).unwrap_or(path)
                    }),
                };
                start_session(socket, neg.remote, playback, io.media_events.clone()).await
            }
            Err(e) => Err(e),
        };
        match started {
            Ok(session) => {
                self.session = Some(session);
                if let Some(audio) = io.menu {
                    self.menu = Some(Menu::new(audio.plan.clone(), clock::instant()));
                    self.run_menu(io);
                }
            }
            Err(detail) => {
                tracing::warn!(call = key, %detail, "cannot play the prompt: hanging up");
                self.call.handle_input(clock::instant(), CallInput::Hangup);
            }
        }
    }

    /// A key press (RFC 4733, or SIP INFO): recorded, and fed to the menu if there is one.
    pub fn on_digit(&mut self, digit: char, source: KeySource, io: &CallIo<'_>) {
        if *self.key_source.get_or_insert(source) != source {
            return;
        }
        self.digits.push(digit);
        if let Some(menu) = self.menu.as_mut() {
            menu.handle_digit(clock::instant(), digit);
            self.run_menu(io);
        }
    }

    /// A prompt ended: the menu's current one moves the menu on; without a menu the call's
    /// only prompt is over.
    pub fn on_prompt_finished(&mut self, generation: u32, io: &CallIo<'_>) {
        let now = clock::instant();
        match self.menu.as_mut() {
            Some(menu) if generation == self.generation => {
                menu.handle_prompt_finished(now);
                self.run_menu(io);
            }
            Some(_) => {} // a prompt the menu already replaced
            None => self.call.handle_input(now, CallInput::PromptFinished),
        }
    }

    /// The callee moved its media (re-INVITE/UPDATE with SDP): RTP follows the new address.
    pub fn on_media_update(&mut self, sdp: &[u8], io: &CallIo<'_>) {
        let Some(session) = self.session.as_ref() else {
            return; // not answered yet: the answer's SDP decides
        };
        match negotiate(sdp, io.codecs) {
            Ok(neg) => session.retarget(neg.remote),
            Err(e) => {
                tracing::warn!(error = %e, "the callee's new SDP is unusable: RTP keeps going where it went")
            }
        }
    }

    /// Fires whatever is due: the call core's timers and the menu's.
    pub fn on_timeout(&mut self, now: Instant, io: &CallIo<'_>) {
        if self.call.poll_timeout().is_some_and(|t| t <= now) {
            self.call.handle_timeout(now);
        }
        if let Some(menu) = self.menu.as_mut()
            && menu.poll_timeout().is_some_and(|t| t <= now)
        {
            menu.handle_timeout(now);
            self.run_menu(io);
        }
    }

    /// Executes the menu's outputs.
    fn run_menu(&mut self, io: &CallIo<'_>) {
        let Some(menu) = self.menu.as_mut() else {
            return;
        };
        while let Some(out) = menu.poll_output() {
            match out {
                MenuOutput::Play { node } => {
                    let prompt = io
                        .menu
                        .and_then(|m| m.prompts.get(&node))
                        .zip(self.codec)
                        .map(|(p, codec)| payload(p, codec));
                    match (prompt, self.session.as_ref()) {
                        (Some(prompt), Some(session)) => self.generation = session.play(prompt),
                        // A node without audio: it is over at once.
                        _ => menu.handle_prompt_finished(clock::instant()),
                    }
                }
                MenuOutput::StopPlaying => {
                    if let Some(session) = self.session.as_ref() {
                        session.stop_playing();
                    }
                }
                MenuOutput::Result(label) => self.ivr_result = Some(label),
                MenuOutput::AddToDnc => self.wants_dnc = true,
                MenuOutput::Hangup => {
                    self.call
                        .handle_input(clock::instant(), CallInput::PromptFinished);
                }
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
        let menu = self.menu.as_ref().and_then(Menu::poll_timeout);
        [self.call.poll_timeout(), bound, menu]
            .into_iter()
            .flatten()
            .min()
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

/// `prompt` in `codec`'s law.
fn payload(prompt: &PromptPayloads, codec: Codec) -> std::sync::Arc<[u8]> {
    match codec {
        Codec::Pcmu => prompt.pcmu.clone(),
        Codec::Pcma => prompt.pcma.clone(),
    }
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
