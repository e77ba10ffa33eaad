//! The only RTP sockets: one UDP socket per call, bound in `sip.rtp_ports`, `connect`ed to the
//! answer's address, and a pacing task per call that plays a prompt (notes/media.md: a task
//! per call with staggered phases had p99 lateness 2.6 ms at 1,000 calls).
//!
//! The arithmetic (ticks, sequence, timestamp, stall jump, phase) is pure and tested in
//! [`crate::media::rtp_packet`]; this file only sleeps, sends, receives and counts.
//!
//! Must not: decide when a call ends (it reports `PromptFinished`; the call core decides).

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::campaign::Codec;
use crate::media::dtmf::{DtmfReceiver, ScheduledPacket, key_schedule};
use crate::media::g711::Law;
use crate::media::record::{Recorder, RecordingOutcome};
use crate::media::rtp_packet::{
    FRAME, MAX_PACKET, Pacer, ReceiveStats, RtpStream, phase_offset, prompt_frame,
};
use crate::media::sdp::OFFER_DTMF_PT;
use crate::net::clock;
use crate::net::sip::CallKey;
use crate::sim::Arrivals;

/// RTP socket errors.
#[derive(Debug, thiserror::Error)]
pub enum RtpIoError {
    /// Every port of the range is taken.
    #[error("no free RTP port in {start}-{end} on {ip} (sip.rtp_ports)")]
    NoFreePort {
        /// The address.
        ip: IpAddr,
        /// First port of the range.
        start: u16,
        /// Last port of the range.
        end: u16,
    },
    /// Socket failure.
    #[error("RTP socket: {0}")]
    Io(#[from] std::io::Error),
}

/// Binds a UDP socket on an even port of `ports` (RFC 3550: RTP on even, RTCP on odd),
/// trying from `hint` onwards and wrapping around once.
pub async fn bind_in_range(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    hint: u16,
) -> Result<UdpSocket, RtpIoError> {
    let (start, end) = (*ports.start(), *ports.end());
    let first_even = start + start % 2;
    let count = u32::from(end.saturating_sub(first_even)) / 2 + 1;
    let offset = u32::from(hint) % count;
    for i in 0..count {
        let port = first_even + (((offset + i) % count) * 2) as u16;
        if let Ok(socket) = UdpSocket::bind(SocketAddr::new(ip, port)).await {
            return Ok(socket);
        }
    }
    Err(RtpIoError::NoFreePort { ip, start, end })
}

/// What media tells the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEvent {
    /// The last frame of the prompt started as `generation` was sent (0: the prompt the
    /// session started with; then each [`MediaSession::play`] returns the next number).
    PromptFinished {
        /// The call.
        call: CallKey,
        /// Which prompt.
        generation: u32,
    },
    /// The callee pressed a key (RFC 4733), reported once per press.
    Digit {
        /// The call.
        call: CallKey,
        /// `0-9`, `*`, `#`, `A-D`.
        digit: char,
    },
}

/// How to play one call's prompt.
#[derive(Debug, Clone)]
pub struct Playback {
    /// The call (for events).
    pub call: CallKey,
    /// Header fields of the outgoing stream (payload type as negotiated).
    pub stream: RtpStream,
    /// The codec of `prompt`.
    pub codec: Codec,
    /// The first prompt (generation 0), already encoded in `codec`, shared between calls;
    /// `None` starts silent (an IVR plays its first node with [`MediaSession::play`]).
    pub prompt: Option<Arc<[u8]>>,
    /// The telephone-event payload type of the answer, if any (decoded into key presses).
    pub dtmf_pt: Option<u8>,
    /// The call's index, for its phase within the 20 ms period.
    pub phase_index: u64,
    /// Record the callee's audio into this WAV file.
    pub record: Option<PathBuf>,
}

/// Counters of a finished media session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaReport {
    /// Packets sent.
    pub sent: u64,
    /// What was received.
    pub received: ReceiveStats,
    /// The last prompt played to its end.
    pub prompt_finished: bool,
    /// The recording, when one was asked for.
    pub recording: Option<RecordingOutcome>,
}

/// What the runtime asks of a running session.
#[derive(Debug)]
enum Control {
    /// Play this prompt from its start, as generation `.1`.
    Play(Arc<[u8]>, u32),
    /// Stop playing (barge-in).
    Stop,
    /// Send to this address from now on.
    Retarget(SocketAddr),
}

/// A running media task; stop it to get the report.
pub struct MediaSession {
    stop: CancellationToken,
    task: JoinHandle<MediaReport>,
    control: mpsc::UnboundedSender<Control>,
    generation: std::sync::atomic::AtomicU32,
}

impl MediaSession {
    /// Starts sending `playback` from `socket` to `remote`, decoding key presses and counting
    /// what comes back.
    pub async fn start(
        socket: UdpSocket,
        remote: SocketAddr,
        playback: Playback,
        events: mpsc::UnboundedSender<MediaEvent>,
    ) -> Result<MediaSession, RtpIoError> {
        socket.connect(remote).await?;
        let stop = CancellationToken::new();
        let (control, commands) = mpsc::unbounded_channel();
        let task = tokio::spawn(play(socket, playback, events, commands, stop.clone()));
        Ok(MediaSession {
            stop,
            task,
            control,
            generation: std::sync::atomic::AtomicU32::new(0),
        })
    }

    /// Replaces what is playing with `prompt` from its first frame (sequence numbers and
    /// timestamps continue; the first packet carries the marker bit). Returns the generation
    /// its [`MediaEvent::PromptFinished`] will carry.
    pub fn play(&self, prompt: Arc<[u8]>) -> u32 {
        let generation = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let _ = self.control.send(Control::Play(prompt, generation));
        generation
    }

    /// Stops playing at once; no `PromptFinished` comes for the stopped prompt.
    pub fn stop_playing(&self) {
        let _ = self.control.send(Control::Stop);
    }

    /// Sends RTP to `remote` from now on (the callee's re-INVITE or UPDATE moved its media);
    /// packets are then accepted from there only, as from the first address.
    pub fn retarget(&self, remote: SocketAddr) {
        let _ = self.control.send(Control::Retarget(remote));
    }

    /// Stops the task and returns its counters.
    pub async fn stop(self) -> MediaReport {
        self.stop.cancel();
        self.task.await.unwrap_or_default()
    }
}

/// The prompt being played: its bytes, generation and the tick of its first frame.
struct Playing {
    prompt: Arc<[u8]>,
    generation: u32,
    first_tick: Option<u64>,
}

async fn play(
    socket: UdpSocket,
    p: Playback,
    events: mpsc::UnboundedSender<MediaEvent>,
    mut commands: mpsc::UnboundedReceiver<Control>,
    stop: CancellationToken,
) -> MediaReport {
    let mut report = MediaReport::default();
    let mut pacer = Pacer::new(clock::instant() + phase_offset(p.phase_index));
    let mut out = [0u8; MAX_PACKET];
    let mut inbuf = [0u8; 2048];
    let mut dtmf = DtmfReceiver::new();
    let law = match p.codec {
        Codec::Pcmu => Law::Ulaw,
        Codec::Pcma => Law::Alaw,
    };
    let mut recorder = p.record.as_deref().map(|path| Recorder::create(path, law));
    let mut playing = p.prompt.clone().map(|prompt| Playing {
        prompt,
        generation: 0,
        first_tick: None,
    });
    loop {
        let due = tokio::time::Instant::from_std(pacer.deadline());
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep_until(due), if playing.is_some() => {
                let tick = pacer.on_wake(clock::instant());
                let Some(now_playing) = playing.as_mut() else { continue };
                let first = *now_playing.first_tick.get_or_insert(tick.index);
                let frame_index = tick.index - first;
                match prompt_frame(&now_playing.prompt, frame_index, p.codec) {
                    Some(frame) => {
                        let marker = tick.marker || frame_index == 0;
                        let Ok(n) = p.stream.build(tick.index, marker, &frame, &mut out) else {
                            break;
                        };
                        // A refused send (ICMP unreachable on a connected socket) is not fatal:
                        // the callee's side may open late.
                        if socket.send(&out[..n]).await.is_ok() {
                            report.sent += 1;
                        }
                    }
                    None => {
                        report.prompt_finished = true;
                        let generation = now_playing.generation;
                        playing = None;
                        let _ = events.send(MediaEvent::PromptFinished { call: p.call, generation });
                    }
                }
            }
            Some(command) = commands.recv() => match command {
                Control::Play(prompt, generation) => {
                    report.prompt_finished = false;
                    // After a silent gap the pacer's stall jump moves sequence and timestamp
                    // to the present (with the marker bit) instead of bursting frames owed.
                    playing = Some(Playing { prompt, generation, first_tick: None });
                }
                Control::Stop => playing = None,
                Control::Retarget(remote) => {
                    // Re-`connect` a UDP socket: the kernel switches peer atomically.
                    let _ = socket.connect(remote).await;
                }
            },
            received = socket.recv(&mut inbuf) => {
                if let Ok(n) = received {
                    let packet = &inbuf[..n];
                    let pt = p.stream.payload_type;
                    let _ = report.received.observe(packet, pt, p.dtmf_pt);
                    if let Some(digit) = key_press(&mut dtmf, packet, p.dtmf_pt) {
                        let _ = events.send(MediaEvent::Digit { call: p.call, digit });
                    } else if let Some(recorder) = recorder.as_mut()
                        && let Ok(rtp) = rtp_rs::RtpReader::new(packet)
                        && rtp.payload_type() == pt
                    {
                        recorder.on_packet(rtp.timestamp(), rtp.payload());
                    }
                }
            }
        }
    }
    report.recording = recorder.map(Recorder::finish);
    report
}

/// The key pressed, when `packet` is the first packet of a new RFC 4733 event.
///
/// Telephone-events are taken with the answer's payload type, and with our offer's when the
/// answer negotiated the event at all: RFC 3264 has each side send with the numbers the
/// receiver declared (the callee should use our 101), yet many gateways send with the number
/// of their own answer. Accepting both costs nothing; either is never the audio's type.
fn key_press(dtmf: &mut DtmfReceiver, packet: &[u8], dtmf_pt: Option<u8>) -> Option<char> {
    let reader = rtp_rs::RtpReader::new(packet).ok()?;
    let pt = reader.payload_type();
    if dtmf_pt.is_none() || (Some(pt) != dtmf_pt && pt != OFFER_DTMF_PT) {
        return None;
    }
    dtmf.on_packet(reader.timestamp(), reader.payload())
}

/// Key presses a simulated callee makes: where to, with which payload type, which keys.
#[derive(Debug, Clone)]
pub struct KeyPresses {
    /// The caller's RTP address (from its offer).
    pub to: SocketAddr,
    /// The caller's telephone-event payload type.
    pub payload_type: u8,
    /// The keys, in order.
    pub keys: String,
    /// When the first key is pressed.
    pub delay: Duration,
    /// Between presses.
    pub gap: Duration,
}

/// A simulator's per-call RTP endpoint: counts packets, optionally echoes them back, and
/// presses keys (RFC 4733) on a schedule.
pub struct RtpEcho {
    stop: CancellationToken,
    task: JoinHandle<Arrivals>,
    local: SocketAddr,
}

impl RtpEcho {
    /// Starts counting (and echoing, if `echo`; pressing `keys`, if any) on `socket`.
    pub fn start(
        socket: UdpSocket,
        echo: bool,
        keys: Option<KeyPresses>,
    ) -> Result<RtpEcho, RtpIoError> {
        let local = socket.local_addr()?;
        let stop = CancellationToken::new();
        let token = stop.clone();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let mut arrivals = Arrivals::default();
            let mut presses = PressSender::new(keys);
            loop {
                let next = presses.next_due();
                tokio::select! {
                    () = token.cancelled() => break,
                    () = sleep_until_opt(next) => presses.send_due(&socket).await,
                    r = socket.recv_from(&mut buf) => {
                        let Ok((n, from)) = r else { continue };
                        if let Ok(rtp) = rtp_rs::RtpReader::new(&buf[..n]) {
                            arrivals.on_packet(clock::instant(), u16::from(rtp.sequence_number()));
                            if echo {
                                let _ = socket.send_to(&buf[..n], from).await;
                            }
                        }
                    }
                }
            }
            arrivals
        });
        Ok(RtpEcho { stop, task, local })
    }

    /// The bound address (for the SDP answer).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops and says how the call's packets arrived.
    pub async fn stop(self) -> Arrivals {
        self.stop.cancel();
        self.task.await.unwrap_or_default()
    }
}

/// Sends a [`KeyPresses`] schedule as RTP, packet by packet as each falls due.
struct PressSender {
    start: std::time::Instant,
    to: Option<SocketAddr>,
    payload_type: u8,
    packets: std::collections::VecDeque<ScheduledPacket>,
    ssrc: u32,
    seq: u16,
    first_ts: u32,
}

impl PressSender {
    fn new(keys: Option<KeyPresses>) -> Self {
        let start = clock::instant();
        // Arbitrary but fixed per call: nothing here needs to be unpredictable.
        let mix = start.elapsed().subsec_nanos();
        match keys {
            Some(k) => PressSender {
                start,
                to: Some(k.to),
                payload_type: k.payload_type,
                packets: key_schedule(&k.keys, k.delay, k.gap).into(),
                ssrc: mix ^ 0x5EED_D7F0,
                seq: mix as u16,
                first_ts: mix.rotate_left(13),
            },
            None => PressSender {
                start,
                to: None,
                payload_type: 0,
                packets: Default::default(),
                ssrc: 0,
                seq: 0,
                first_ts: 0,
            },
        }
    }

    fn next_due(&self) -> Option<std::time::Instant> {
        self.packets.front().map(|p| self.start + p.at)
    }

    async fn send_due(&mut self, socket: &UdpSocket) {
        let now = clock::instant();
        let Some(to) = self.to else { return };
        let mut out = [0u8; 64];
        while let Some(p) = self.packets.front().copied() {
            if self.start + p.at > now {
                break;
            }
            self.packets.pop_front();
            let built = rtp_rs::RtpPacketBuilder::new()
                .payload_type(self.payload_type)
                .ssrc(self.ssrc)
                .sequence(rtp_rs::Seq::from(self.seq))
                .timestamp(self.first_ts.wrapping_add(p.timestamp))
                .marked(p.marker)
                .payload(&p.payload)
                .build_into(&mut out);
            self.seq = self.seq.wrapping_add(1);
            if let Ok(n) = built {
                let _ = socket.send_to(&out[..n], to).await;
            }
        }
    }
}

/// Sleeps until `at`, or forever when `None`.
async fn sleep_until_opt(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// How long a prompt of `len` bytes plays.
pub fn prompt_duration(len: usize) -> Duration {
    FRAME * crate::media::rtp_packet::frame_count(len) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn binds_even_ports_in_range_and_reports_exhaustion() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        // Find a free even pair area by binding an ephemeral socket first.
        let probe = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let base = probe.local_addr().unwrap().port() & !1;
        drop(probe);
        let a = bind_in_range(ip, base..=base + 3, 0).await.unwrap();
        assert_eq!(a.local_addr().unwrap().port() % 2, 0);
        let b = bind_in_range(ip, base..=base + 3, 0).await.unwrap();
        assert_ne!(a.local_addr().unwrap(), b.local_addr().unwrap());
        let err = bind_in_range(ip, base..=base + 3, 0).await.unwrap_err();
        assert!(err.to_string().contains("sip.rtp_ports"), "{err}");
    }
}
