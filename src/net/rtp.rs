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
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::campaign::Codec;
use crate::media::rtp_packet::{
    FRAME, MAX_PACKET, Pacer, ReceiveStats, RtpStream, phase_offset, prompt_frame,
};
use crate::net::clock;
use crate::net::sip::CallKey;

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
    /// The prompt's last frame was sent.
    PromptFinished {
        /// The call.
        call: CallKey,
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
    /// The prompt, already encoded in `codec`, shared between calls.
    pub prompt: Arc<[u8]>,
    /// The telephone-event payload type of the answer, if any (counted apart).
    pub dtmf_pt: Option<u8>,
    /// The call's index, for its phase within the 20 ms period.
    pub phase_index: u64,
}

/// Counters of a finished media session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaReport {
    /// Packets sent.
    pub sent: u64,
    /// What was received.
    pub received: ReceiveStats,
    /// The prompt played to its end.
    pub prompt_finished: bool,
}

/// A running media task; stop it to get the report.
pub struct MediaSession {
    stop: CancellationToken,
    task: JoinHandle<MediaReport>,
}

impl MediaSession {
    /// Starts sending `playback` from `socket` to `remote` and counting what comes back.
    pub async fn start(
        socket: UdpSocket,
        remote: SocketAddr,
        playback: Playback,
        events: mpsc::UnboundedSender<MediaEvent>,
    ) -> Result<MediaSession, RtpIoError> {
        socket.connect(remote).await?;
        let stop = CancellationToken::new();
        let task = tokio::spawn(play(socket, playback, events, stop.clone()));
        Ok(MediaSession { stop, task })
    }

    /// Stops the task and returns its counters.
    pub async fn stop(self) -> MediaReport {
        self.stop.cancel();
        self.task.await.unwrap_or_default()
    }
}

async fn play(
    socket: UdpSocket,
    p: Playback,
    events: mpsc::UnboundedSender<MediaEvent>,
    stop: CancellationToken,
) -> MediaReport {
    let mut report = MediaReport::default();
    let mut pacer = Pacer::new(clock::instant() + phase_offset(p.phase_index));
    let mut out = [0u8; MAX_PACKET];
    let mut inbuf = [0u8; 2048];
    loop {
        let due = tokio::time::Instant::from_std(pacer.deadline());
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep_until(due), if !report.prompt_finished => {
                let tick = pacer.on_wake(clock::instant());
                match prompt_frame(&p.prompt, tick.index, p.codec) {
                    Some(frame) => {
                        let Ok(n) = p.stream.build(tick.index, tick.marker, &frame, &mut out) else {
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
                        let _ = events.send(MediaEvent::PromptFinished { call: p.call });
                    }
                }
            }
            received = socket.recv(&mut inbuf) => {
                if let Ok(n) = received {
                    let pt = p.stream.payload_type;
                    let _ = report.received.observe(&inbuf[..n], pt, p.dtmf_pt);
                }
            }
        }
    }
    report
}

/// A simulator's per-call RTP endpoint: counts packets and optionally echoes them back.
pub struct RtpEcho {
    stop: CancellationToken,
    task: JoinHandle<u64>,
    local: SocketAddr,
}

impl RtpEcho {
    /// Starts counting (and echoing, if `echo`) on `socket`.
    pub fn start(socket: UdpSocket, echo: bool) -> Result<RtpEcho, RtpIoError> {
        let local = socket.local_addr()?;
        let stop = CancellationToken::new();
        let token = stop.clone();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let mut packets = 0u64;
            loop {
                tokio::select! {
                    () = token.cancelled() => break,
                    r = socket.recv_from(&mut buf) => {
                        let Ok((n, from)) = r else { continue };
                        if rtp_rs::RtpReader::new(&buf[..n]).is_ok() {
                            packets += 1;
                            if echo {
                                let _ = socket.send_to(&buf[..n], from).await;
                            }
                        }
                    }
                }
            }
            packets
        });
        Ok(RtpEcho { stop, task, local })
    }

    /// The bound address (for the SDP answer).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops and returns the packets received.
    pub async fn stop(self) -> u64 {
        self.stop.cancel();
        self.task.await.unwrap_or(0)
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
