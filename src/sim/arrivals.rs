//! How one call's RTP arrived at the simulator: packets, sequence gaps (loss) and each
//! packet's lateness against the ideal 20 ms grid anchored on the call's first packet.
//! Pure: arrival times are passed in. The load benchmark reads the merged figures.
//!
//! Lateness of packet `s` = arrival − (first arrival + (s − first s) × 20 ms), clipped at 0
//! (an early packet means the first one was itself late; it is counted as on time). Kept in a
//! histogram of 0.1 ms buckets up to 200 ms, so 2,000 calls cost the simulator ~16 MB, not a
//! list of every packet.

use std::time::{Duration, Instant};

/// The packet period of a 20 ms G.711 stream.
const PERIOD: Duration = Duration::from_millis(20);
/// Histogram bucket width.
const BUCKET_US: u64 = 100;
/// Buckets; the last one holds everything from 200 ms up.
const BUCKETS: usize = 2001;

/// A lateness histogram (0.1 ms buckets), mergeable across calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lateness {
    buckets: Vec<u32>,
    max_us: u64,
}

impl Default for Lateness {
    fn default() -> Self {
        Lateness {
            buckets: vec![0; BUCKETS],
            max_us: 0,
        }
    }
}

impl Lateness {
    fn record(&mut self, late: Duration) {
        let us = late.as_micros() as u64;
        self.max_us = self.max_us.max(us);
        let i = ((us / BUCKET_US) as usize).min(BUCKETS - 1);
        self.buckets[i] += 1;
    }

    /// Adds `other`'s packets.
    pub fn merge(&mut self, other: &Lateness) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.max_us = self.max_us.max(other.max_us);
    }

    /// Packets recorded.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|&b| u64::from(b)).sum()
    }

    /// The `q` quantile (0..=1) in milliseconds, to the bucket's upper edge; 0 when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let total = self.count();
        if total == 0 {
            return 0.0;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0u64;
        for (i, &b) in self.buckets.iter().enumerate() {
            seen += u64::from(b);
            if seen >= rank {
                return ((i as u64 + 1) * BUCKET_US) as f64 / 1000.0;
            }
        }
        self.max_us as f64 / 1000.0
    }

    /// The latest packet, ms.
    pub fn max_ms(&self) -> f64 {
        self.max_us as f64 / 1000.0
    }
}

/// One call's arrivals.
#[derive(Debug, Clone, Default)]
pub struct Arrivals {
    /// Packets received.
    pub packets: u64,
    first: Option<(Instant, i64)>,
    /// Extended sequence numbers seen: (lowest, highest, last raw).
    span: Option<(i64, i64, u16)>,
    /// Lateness of every packet.
    pub lateness: Lateness,
}

impl Arrivals {
    /// Counts an RTP packet with sequence number `seq` arriving at `at`.
    pub fn on_packet(&mut self, at: Instant, seq: u16) {
        self.packets += 1;
        let ext = match self.span {
            None => i64::from(seq),
            Some((_, _, last)) => {
                // The nearest extension of `seq` to the last one (wrap-around at 65,536).
                let prev = self.span.map_or(0, |s| s.1);
                prev + i64::from(seq.wrapping_sub(last) as i16)
            }
        };
        let (lo, hi) = self
            .span
            .map_or((ext, ext), |(lo, hi, _)| (lo.min(ext), hi.max(ext)));
        self.span = Some((lo, hi, seq));
        let (t0, s0) = *self.first.get_or_insert((at, ext));
        let steps = ext - s0;
        let ideal = if steps >= 0 {
            t0 + PERIOD * steps as u32
        } else {
            t0.checked_sub(PERIOD * (-steps) as u32).unwrap_or(t0)
        };
        self.lateness.record(at.saturating_duration_since(ideal));
    }

    /// Packets missing between the lowest and highest sequence numbers seen.
    pub fn lost(&self) -> u64 {
        self.span.map_or(0, |(lo, hi, _)| {
            ((hi - lo + 1) as u64).saturating_sub(self.packets)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lateness_against_the_grid_and_loss() {
        let t0 = crate::net::clock::instant();
        let ms = |v: u64| t0 + Duration::from_millis(v);
        let mut a = Arrivals::default();
        a.on_packet(ms(0), 65_534);
        a.on_packet(ms(20), 65_535);
        a.on_packet(ms(43), 0); // wraps; 3 ms late
        a.on_packet(ms(100), 2); // seq 1 lost; 40 ms late... its slot was 80: 20 ms late
        a.on_packet(ms(99), 3); // early against a late first? no: slot 100, 1 ms early -> 0
        assert_eq!(a.packets, 5);
        assert_eq!(a.lost(), 1);
        assert_eq!(a.lateness.count(), 5);
        assert_eq!(a.lateness.max_ms(), 20.0);
        assert_eq!(
            a.lateness.quantile_ms(0.5),
            0.1,
            "median in the first bucket"
        );
        let mut all = Lateness::default();
        all.merge(&a.lateness);
        all.merge(&a.lateness);
        assert_eq!(all.count(), 10);
        assert!((all.quantile_ms(0.99) - 20.1).abs() < 1e-9);
    }
}
