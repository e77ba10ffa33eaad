//! RFC 4733 telephone-events (DTMF in RTP): a receiver that reports each key press once, and
//! the packets a sender (the simulator) puts on the wire for one key.
//!
//! Payload: `event (8) | E (1) R (1) volume (6) | duration (16)`. One key press is one event
//! with one RTP timestamp: a first packet (marker bit set), updates with a growing duration,
//! and the end packet (E set) sent three times for robustness (notes/media.md).
//!
//! The receiver reports a press on the first packet it sees of a new event (the start, an
//! update, or only an end packet when the start was lost): a key pressed during a prompt must
//! stop the prompt at once (barge-in), not when the caller releases it. It remembers the last
//! event's timestamp, so updates and the three end packets of that event are not reported
//! again; a second press of the same key has a new timestamp and is a new press.
//!
//! Must not: open sockets or read the clock.

/// The key of event code `event` (0-9, `*`, `#`, A-D), or `None` for other events (flash,
/// tones), which are not key presses.
pub fn key_of(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// The event code of `key`, if it is a DTMF key.
pub fn event_of(key: char) -> Option<u8> {
    match key {
        '0'..='9' => Some(key as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(key as u8 - b'A' + 12),
        _ => None,
    }
}

/// One decoded telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code.
    pub event: u8,
    /// The E bit: this is (a copy of) the last packet of the event.
    pub end: bool,
    /// Volume in -dBm0 (0..=63).
    pub volume: u8,
    /// Duration so far, in timestamp units (8 kHz: 8 per ms).
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses an RTP payload; `None` when shorter than 4 bytes.
    pub fn parse(payload: &[u8]) -> Option<TelephoneEvent> {
        let [event, flags, hi, lo, ..] = *payload else {
            return None;
        };
        Some(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([hi, lo]),
        })
    }

    /// The 4-byte payload.
    pub fn to_bytes(self) -> [u8; 4] {
        let flags = (u8::from(self.end) << 7) | (self.volume & 0x3F);
        let [hi, lo] = self.duration.to_be_bytes();
        [self.event, flags, hi, lo]
    }
}

/// Turns a stream of telephone-event packets into key presses, each reported once.
#[derive(Debug, Default)]
pub struct DtmfReceiver {
    /// RTP timestamp of the last event reported.
    last: Option<u32>,
}

impl DtmfReceiver {
    /// A receiver that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one telephone-event packet (its RTP timestamp and payload); returns the key when
    /// this packet is the first seen of a new press.
    pub fn on_packet(&mut self, timestamp: u32, payload: &[u8]) -> Option<char> {
        let event = TelephoneEvent::parse(payload)?;
        let key = key_of(event.event)?;
        if self.last == Some(timestamp) {
            return None;
        }
        self.last = Some(timestamp);
        Some(key)
    }
}

/// The packets of one key press as a sender puts them on the wire: `(marker, payload)` in
/// order, one every 50 ms of `duration_ms`, then the end packet three times. All share one RTP
/// timestamp (the press's start); each takes the next sequence number.
pub fn press_packets(key: char, duration_ms: u16) -> Vec<(bool, [u8; 4])> {
    let Some(event) = event_of(key) else {
        return Vec::new();
    };
    const STEP_MS: u16 = 50;
    let total = duration_ms.max(STEP_MS);
    let at = |ms: u16, end: bool| TelephoneEvent {
        event,
        end,
        volume: 10,
        duration: ms.saturating_mul(8),
    };
    let mut out = Vec::new();
    let mut ms = STEP_MS;
    while ms < total {
        out.push((out.is_empty(), at(ms, false).to_bytes()));
        ms += STEP_MS;
    }
    for _ in 0..3 {
        out.push((out.is_empty(), at(total, true).to_bytes()));
    }
    out
}

/// One telephone-event packet of a scheduled sequence of key presses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledPacket {
    /// When to send it, from the start of the sequence.
    pub at: std::time::Duration,
    /// Its RTP timestamp, relative to the sequence's first (8 kHz units): the press's start.
    pub timestamp: u32,
    /// The marker bit (the first packet of a press).
    pub marker: bool,
    /// The 4-byte payload.
    pub payload: [u8; 4],
}

/// Every packet of pressing `keys` (non-keys skipped), the first press `delay` after the
/// start and each next one `gap` after the previous, each press held 100 ms; packets 50 ms
/// apart within a press, the three end packets 20 ms apart.
pub fn key_schedule(
    keys: &str,
    delay: std::time::Duration,
    gap: std::time::Duration,
) -> Vec<ScheduledPacket> {
    use std::time::Duration;
    const HELD_MS: u16 = 100;
    let mut out = Vec::new();
    let presses = keys.chars().filter(|k| event_of(*k).is_some());
    for (i, key) in presses.enumerate() {
        let start = delay + gap * i as u32;
        let timestamp = (start.as_millis() as u32).wrapping_mul(8);
        let packets = press_packets(key, HELD_MS);
        let updates = packets.len() - 3;
        for (j, (marker, payload)) in packets.into_iter().enumerate() {
            let offset = if j < updates {
                Duration::from_millis(50 * j as u64)
            } else {
                Duration::from_millis(50 * updates as u64 + 20 * (j - updates) as u64)
            };
            out.push(ScheduledPacket {
                at: start + offset,
                timestamp,
                marker,
                payload,
            });
        }
    }
    out
}

/// The key of a SIP INFO body: `application/dtmf-relay` (`Signal=5\r\nDuration=160`) or
/// `application/dtmf` (`5`). `None` when the body names no DTMF key.
pub fn key_of_info(content_type: &str, body: &str) -> Option<char> {
    let kind = content_type.split(';').next()?.trim().to_ascii_lowercase();
    let signal = match kind.as_str() {
        "application/dtmf-relay" => body.lines().find_map(|line| {
            let (name, value) = line.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("signal")
                .then(|| value.trim())
        })?,
        "application/dtmf" => body.trim(),
        _ => return None,
    };
    let mut chars = signal.chars();
    let key = chars.next()?.to_ascii_uppercase();
    if chars.next().is_some() {
        // Some gateways send the event code ("10" for *): accept numeric codes too.
        return signal.parse::<u8>().ok().and_then(key_of);
    }
    event_of(key).map(|_| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_codes_round_trip() {
        for (code, key) in (0u8..16).zip("0123456789*#ABCD".chars()) {
            assert_eq!(key_of(code), Some(key));
            assert_eq!(event_of(key), Some(code));
        }
        assert_eq!(key_of(16), None, "flash is not a key");
        assert_eq!(event_of('x'), None);
    }

    #[test]
    fn payload_round_trips() {
        let e = TelephoneEvent {
            event: 11,
            end: true,
            volume: 10,
            duration: 800,
        };
        assert_eq!(e.to_bytes(), [11, 0x8A, 0x03, 0x20]);
        assert_eq!(TelephoneEvent::parse(&e.to_bytes()), Some(e));
        assert_eq!(TelephoneEvent::parse(&[1, 2, 3]), None);
    }

    #[test]
    fn a_press_is_reported_once_across_updates_and_triple_end() {
        let mut rx = DtmfReceiver::new();
        let packets = press_packets('5', 120);
        assert_eq!(
            packets.len(),
            2 + 3,
            "updates at 50 and 100 ms, then 3 ends"
        );
        assert!(
            packets[0].0 && !packets[1].0,
            "marker on the first packet only"
        );
        let keys: Vec<char> = packets
            .iter()
            .filter_map(|(_, p)| rx.on_packet(1000, p))
            .collect();
        assert_eq!(keys, ['5']);
        // The same key again is a new press: a new timestamp.
        assert_eq!(rx.on_packet(5000, &packets[0].1), Some('5'));
    }

    #[test]
    fn lost_start_or_reordered_packets_still_give_one_press() {
        let mut rx = DtmfReceiver::new();
        let packets = press_packets('#', 100);
        let ends: Vec<char> = packets[packets.len() - 3..]
            .iter()
            .filter_map(|(_, p)| rx.on_packet(160, p))
            .collect();
        assert_eq!(ends, ['#'], "only end packets arrived");
        // A late update of the same event after its end changes nothing.
        assert_eq!(rx.on_packet(160, &packets[0].1), None);
        // Non-key events and short payloads are ignored.
        assert_eq!(rx.on_packet(320, &[16, 0, 0, 80]), None);
        assert_eq!(rx.on_packet(480, &[1]), None);
    }

    #[test]
    fn a_schedule_decodes_to_the_keys_in_order() {
        use std::time::Duration;
        let packets = key_schedule("21x#", Duration::from_secs(1), Duration::from_millis(1500));
        assert_eq!(
            packets.len(),
            3 * 4,
            "a 100 ms press is 4 packets; x is not a key"
        );
        assert_eq!(packets[0].at, Duration::from_secs(1));
        assert!(
            packets.windows(2).all(|w| w[0].at <= w[1].at),
            "in time order"
        );
        let mut rx = DtmfReceiver::new();
        let keys: String = packets
            .iter()
            .filter_map(|p| rx.on_packet(p.timestamp, &p.payload))
            .collect();
        assert_eq!(keys, "21#");
        assert_eq!(
            packets[5].timestamp,
            2500 * 8,
            "second press starts 1.5 s later"
        );
    }

    #[test]
    fn info_bodies() {
        let relay = "application/dtmf-relay";
        assert_eq!(
            key_of_info(relay, "Signal=5\r\nDuration=160\r\n"),
            Some('5')
        );
        assert_eq!(key_of_info(relay, "Signal= #\nDuration=100"), Some('#'));
        assert_eq!(key_of_info(relay, "Signal=10\r\n"), Some('*'));
        assert_eq!(key_of_info("application/dtmf", "7"), Some('7'));
        assert_eq!(
            key_of_info("Application/DTMF-Relay; x=y", "signal=a"),
            Some('A')
        );
        assert_eq!(key_of_info("text/plain", "Signal=5"), None);
        assert_eq!(key_of_info(relay, "Duration=160"), None);
        assert_eq!(key_of_info(relay, "Signal=x"), None);
    }
}
