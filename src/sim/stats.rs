//! What the simulator saw: calls, peak concurrency, peak INVITEs in any one-second window,
//! RTP packets per call, final codes. Pure accounting; `now` is passed in.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use super::arrivals::{Arrivals, Lateness};

/// Running counters.
#[derive(Debug, Default)]
pub struct SimStats {
    invites: u64,
    window: VecDeque<Instant>,
    max_per_second: u64,
    max_concurrent: u32,
    calls: u64,
    rtp: Vec<u64>,
    lost: u64,
    lateness: Lateness,
    codes: BTreeMap<u16, u64>,
}

/// The printable summary (`--stats-json`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatsReport {
    /// INVITEs received (challenges included).
    pub invites: u64,
    /// Calls opened and closed.
    pub calls: u64,
    /// Peak concurrent calls.
    pub max_concurrent: u32,
    /// Peak INVITEs in any sliding one-second window.
    pub max_invites_per_second: u64,
    /// RTP packets received, per call, in the order calls ended.
    pub rtp_packets_per_call: Vec<u64>,
    /// RTP packets missing (sequence gaps), all calls.
    pub rtp_lost: u64,
    /// RTP lateness against each call's 20 ms grid (see `sim::arrivals`), ms.
    pub rtp_lateness_ms: LatenessReport,
    /// Final responses by code.
    pub codes: BTreeMap<u16, u64>,
}

/// Lateness quantiles, milliseconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LatenessReport {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Worst packet.
    pub max: f64,
}

impl Eq for LatenessReport {}

impl SimStats {
    pub(super) fn on_invite(&mut self, now: Instant) {
        self.invites += 1;
        while self
            .window
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= Duration::from_secs(1))
        {
            self.window.pop_front();
        }
        self.window.push_back(now);
        self.max_per_second = self.max_per_second.max(self.window.len() as u64);
    }

    pub(super) fn on_concurrent(&mut self, active: u32) {
        self.max_concurrent = self.max_concurrent.max(active);
    }

    pub(super) fn count_code(&mut self, code: u16) {
        *self.codes.entry(code).or_default() += 1;
    }

    pub(super) fn on_call_end(&mut self, rtp: &Arrivals) {
        self.calls += 1;
        self.rtp.push(rtp.packets);
        self.lost += rtp.lost();
        self.lateness.merge(&rtp.lateness);
    }

    /// The summary.
    pub fn report(&self) -> StatsReport {
        StatsReport {
            invites: self.invites,
            calls: self.calls,
            max_concurrent: self.max_concurrent,
            max_invites_per_second: self.max_per_second,
            rtp_packets_per_call: self.rtp.clone(),
            rtp_lost: self.lost,
            rtp_lateness_ms: LatenessReport {
                p50: self.lateness.quantile_ms(0.5),
                p99: self.lateness.quantile_ms(0.99),
                p999: self.lateness.quantile_ms(0.999),
                max: self.lateness.max_ms(),
            },
            codes: self.codes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_invites_use_a_sliding_second() {
        let t0 = crate::net::clock::instant();
        let mut s = SimStats::default();
        for ms in [0, 300, 600, 900, 1_000, 1_250, 2_600] {
            s.on_invite(t0 + Duration::from_millis(ms));
        }
        // 300..1250 holds 300, 600, 900, 1000, 1250.
        assert_eq!(s.report().max_invites_per_second, 5);
        assert_eq!(s.report().invites, 7);
    }
}
