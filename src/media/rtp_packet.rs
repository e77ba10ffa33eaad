//! RTP for one G.711 stream: pacing arithmetic, packet building and receive accounting.
//!
//! Pacing is pure so it can be tested without sleeping: a [`Pacer`] maps "now" to the tick
//! to send next; sequence number and timestamp come from the tick index, never the wall clock
//! (notes/media.md). A stall longer than [`STALL_JUMP`] jumps ticks instead of bursting the
//! backlog. Calls are spread over the 20 ms period by [`phase_offset`] so a thousand calls do
//! not all send in the same millisecond (p99 lateness 2.6 ms staggered vs 9.8 ms on one phase).
//!
//! Must not: open sockets or read the clock (net/rtp.rs does both and passes `now` in).

use std::time::{Duration, Instant};

use rtp_rs::{RtpPacketBuilder, RtpReader, Seq};

use crate::campaign::Codec;

/// One frame: 20 ms.
pub const FRAME: Duration = Duration::from_millis(20);
/// G.711 bytes (= samples at 8 kHz) per 20 ms frame.
pub const FRAME_BYTES: usize = 160;
/// A stall longer than this (10 frames) jumps to the current tick rather than bursting.
pub const STALL_JUMP: Duration = Duration::from_millis(200);
/// Largest packet we build: 12-byte header + one frame.
pub const MAX_PACKET: usize = 12 + FRAME_BYTES;

/// The silence byte of a codec (for padding the last frame).
pub fn silence(codec: Codec) -> u8 {
    match codec {
        Codec::Pcmu => 0xFF,
        Codec::Pcma => 0xD5,
    }
}

/// Frame `index` of an encoded prompt, the last one padded with silence; `None` past the end.
pub fn prompt_frame(prompt: &[u8], index: u64, codec: Codec) -> Option<[u8; FRAME_BYTES]> {
    let start = usize::try_from(index).ok()?.checked_mul(FRAME_BYTES)?;
    let chunk = prompt
        .get(start..)?
        .get(..FRAME_BYTES.min(prompt.len() - start))?;
    if chunk.is_empty() {
        return None;
    }
    let mut frame = [silence(codec); FRAME_BYTES];
    frame[..chunk.len()].copy_from_slice(chunk);
    Some(frame)
}

/// Frames in a prompt of `len` bytes.
pub fn frame_count(len: usize) -> u64 {
    len.div_ceil(FRAME_BYTES) as u64
}

/// The phase of call number `index` within the 20 ms period: a low-discrepancy (golden
/// ratio) spread, so any number of concurrent calls covers the period evenly.
pub fn phase_offset(index: u64) -> Duration {
    // frac(index * 0.618...) in 1/2^32 units.
    const GOLDEN: u64 = 0x9E37_79B9;
    let frac = index.wrapping_mul(GOLDEN) & 0xFFFF_FFFF;
    let nanos = (FRAME.as_nanos() as u64 * frac) >> 32;
    Duration::from_nanos(nanos)
}

/// The identity of an outgoing stream: header fields fixed for its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpStream {
    /// Synchronisation source.
    pub ssrc: u32,
    /// Payload type (as negotiated).
    pub payload_type: u8,
    /// Sequence number of tick 0 (random per stream, RFC 3550).
    pub first_seq: u16,
    /// Timestamp of tick 0 (random per stream).
    pub first_ts: u32,
}

impl RtpStream {
    /// Sequence number of `tick`.
    pub fn sequence(&self, tick: u64) -> u16 {
        self.first_seq.wrapping_add(tick as u16)
    }

    /// Timestamp of `tick` (160 samples per frame).
    pub fn timestamp(&self, tick: u64) -> u32 {
        self.first_ts
            .wrapping_add((tick as u32).wrapping_mul(FRAME_BYTES as u32))
    }

    /// Builds the packet for `tick` into `buf`; returns its length.
    pub fn build(
        &self,
        tick: u64,
        marker: bool,
        payload: &[u8],
        buf: &mut [u8],
    ) -> Result<usize, RtpError> {
        RtpPacketBuilder::new()
            .payload_type(self.payload_type)
            .ssrc(self.ssrc)
            .sequence(Seq::from(self.sequence(tick)))
            .timestamp(self.timestamp(tick))
            .marked(marker)
            .payload(payload)
            .build_into(buf)
            .map_err(|e| RtpError::Build(format!("{e:?}")))
    }
}

/// RTP errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    /// The builder refused (buffer too small, invalid payload type).
    #[error("cannot build RTP packet: {0}")]
    Build(String),
    /// A received datagram is not RTP.
    #[error("not an RTP packet: {0}")]
    Parse(String),
}

/// What the pacing task does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// The tick index to send.
    pub index: u64,
    /// True for the first packet and after a jump (sets the RTP marker bit).
    pub marker: bool,
}

/// Maps the monotonic clock to ticks for one stream.
#[derive(Debug, Clone)]
pub struct Pacer {
    start: Instant,
    next: u64,
}

impl Pacer {
    /// A pacer whose tick 0 is due at `start` (already shifted by the call's phase).
    pub fn new(start: Instant) -> Self {
        Pacer { start, next: 0 }
    }

    /// When the next tick is due.
    pub fn deadline(&self) -> Instant {
        self.start + FRAME * (self.next as u32)
    }

    /// The tick to send at `now` (call at or after [`deadline`](Self::deadline)). Within the
    /// stall bound the backlog is sent tick by tick; beyond it we jump to the current tick.
    pub fn on_wake(&mut self, now: Instant) -> Tick {
        let elapsed = now.saturating_duration_since(self.start);
        let due = (elapsed.as_nanos() / FRAME.as_nanos()) as u64;
        let behind = FRAME * (due.saturating_sub(self.next) as u32);
        let tick = if behind > STALL_JUMP {
            Tick {
                index: due,
                marker: true,
            }
        } else {
            Tick {
                index: self.next,
                marker: self.next == 0,
            }
        };
        self.next = tick.index + 1;
        tick
    }
}

/// Counters for a received stream: packets, payload-type mismatches, sequence gaps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiveStats {
    /// RTP packets received.
    pub packets: u64,
    /// Packets whose payload type was not the expected one (DTMF excluded).
    pub wrong_payload_type: u64,
    /// telephone-event packets.
    pub dtmf_packets: u64,
    /// (first sequence number, highest extended sequence number) seen.
    span: Option<(u64, u64)>,
}

impl ReceiveStats {
    /// Accounts one datagram expected to carry `payload_type` (or `dtmf_pt`).
    pub fn observe(
        &mut self,
        datagram: &[u8],
        payload_type: u8,
        dtmf_pt: Option<u8>,
    ) -> Result<(), RtpError> {
        let reader = RtpReader::new(datagram).map_err(|e| RtpError::Parse(format!("{e:?}")))?;
        self.packets += 1;
        let pt = reader.payload_type();
        if Some(pt) == dtmf_pt {
            self.dtmf_packets += 1;
        } else if pt != payload_type {
            self.wrong_payload_type += 1;
        }
        let seq = u16::from(reader.sequence_number());
        self.span = Some(match self.span {
            None => (u64::from(seq), u64::from(seq)),
            Some((first, highest)) => {
                let step = seq.wrapping_sub(highest as u16);
                // A step in the upper half is an old (reordered or duplicated) packet.
                let ahead = step != 0 && step < 0x8000;
                (
                    first,
                    if ahead {
                        highest + u64::from(step)
                    } else {
                        highest
                    },
                )
            }
        });
        Ok(())
    }

    /// Packets never received (RFC 3550 A.3: expected span minus received; reordered packets
    /// that arrive late are not counted as lost).
    pub fn missing(&self) -> u64 {
        self.span.map_or(0, |(first, highest)| {
            (highest - first + 1).saturating_sub(self.packets)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> RtpStream {
        RtpStream {
            ssrc: 0x1234_5678,
            payload_type: 8,
            first_seq: 65_534,
            first_ts: u32::MAX - 159,
        }
    }

    #[test]
    fn seq_and_ts_come_from_the_tick_and_wrap() {
        let s = stream();
        assert_eq!(
            (s.sequence(0), s.sequence(1), s.sequence(2)),
            (65_534, 65_535, 0)
        );
        assert_eq!(
            (s.timestamp(0), s.timestamp(1), s.timestamp(2)),
            (u32::MAX - 159, 0, 160)
        );
    }

    #[test]
    fn built_packets_read_back() {
        let s = stream();
        let mut buf = [0u8; MAX_PACKET];
        let n = s.build(3, true, &[0xD5; FRAME_BYTES], &mut buf).unwrap();
        assert_eq!(n, MAX_PACKET);
        let r = RtpReader::new(&buf[..n]).unwrap();
        assert_eq!(r.payload_type(), 8);
        assert!(r.mark());
        assert_eq!(u16::from(r.sequence_number()), 1);
        assert_eq!(r.timestamp(), s.timestamp(3));
        assert_eq!(r.ssrc(), 0x1234_5678);
        assert_eq!(r.payload(), &[0xD5; FRAME_BYTES][..]);
    }

    #[test]
    fn prompt_frames_pad_the_last_with_silence() {
        let prompt: Vec<u8> = (0..400).map(|i| (i % 200) as u8).collect();
        assert_eq!(frame_count(prompt.len()), 3);
        assert_eq!(prompt_frame(&prompt, 1, Codec::Pcmu).unwrap()[0], 160);
        let last = prompt_frame(&prompt, 2, Codec::Pcmu).unwrap();
        assert_eq!(last[79], 199);
        assert_eq!(last[80..], [0xFF; 80]);
        assert_eq!(prompt_frame(&prompt, 3, Codec::Pcmu), None);
        assert_eq!(prompt_frame(&[], 0, Codec::Pcma), None);
        assert_eq!(prompt_frame(&prompt[..160], 1, Codec::Pcma), None);
    }

    #[test]
    fn pacer_sends_on_time_catches_up_briefly_and_jumps_after_a_stall() {
        let t0 = crate::net::clock::instant();
        let mut p = Pacer::new(t0);
        assert_eq!(p.deadline(), t0);
        assert_eq!(
            p.on_wake(t0),
            Tick {
                index: 0,
                marker: true
            }
        );
        assert_eq!(p.deadline(), t0 + FRAME);
        assert_eq!(p.on_wake(t0 + FRAME).index, 1);
        // 100 ms late: send the backlog one by one (within the stall bound).
        let late = t0 + Duration::from_millis(140);
        assert_eq!(
            p.on_wake(late),
            Tick {
                index: 2,
                marker: false
            }
        );
        assert_eq!(p.on_wake(late).index, 3);
        // A 1 s stall: jump to the current tick with the marker set.
        let stalled = t0 + Duration::from_millis(1_150);
        assert_eq!(
            p.on_wake(stalled),
            Tick {
                index: 57,
                marker: true
            }
        );
        assert_eq!(p.deadline(), t0 + FRAME * 58);
    }

    #[test]
    fn phases_spread_over_the_period() {
        let mut phases: Vec<Duration> = (0..20).map(phase_offset).collect();
        assert!(phases.iter().all(|p| *p < FRAME));
        phases.sort();
        let largest_gap = phases
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap()
            .max(FRAME - phases[19] + phases[0]);
        assert!(largest_gap <= Duration::from_millis(3), "{largest_gap:?}");
    }

    #[test]
    fn receive_stats_count_gaps_and_wrong_types() {
        let s = stream();
        let mut stats = ReceiveStats::default();
        let mut buf = [0u8; MAX_PACKET];
        // Tick 3 is lost, 4 arrives late; the sequence wraps at tick 2.
        for tick in [0, 1, 2, 5, 4, 6] {
            let n = s.build(tick, false, &[0; FRAME_BYTES], &mut buf).unwrap();
            stats.observe(&buf[..n], 8, Some(101)).unwrap();
        }
        let got = (stats.packets, stats.missing(), stats.wrong_payload_type);
        assert_eq!(got, (6, 1, 0));
        stats.observe(&buf[..12], 0, Some(101)).unwrap();
        assert_eq!(stats.wrong_payload_type, 1);
        assert!(stats.observe(&[1, 2, 3], 8, None).is_err());
    }
}
