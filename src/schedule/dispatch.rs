//! Who may start a call now, and on which trunk: the campaign's `max_concurrent` and `max_cps`
//! (evenly spaced, [`Pacer`]) and each trunk's own limits, trunk preference, failover and
//! paused trunks. Sans-IO: time is a `Duration` since the run started, so a test drives a
//! thousand calls in microseconds of virtual time.
//!
//! Invariants:
//! - `active` never exceeds `max_concurrent`, nor a trunk's `active` its own limit: a start is
//!   only granted by [`Dispatcher::admit`], which counts it, and [`Dispatcher::release`] undoes
//!   exactly one grant.
//! - Two grants are at least one pacer interval apart, campaign-wide and per trunk (lateness is
//!   forgiven, never repaid as a burst: see [`Pacer`]).
//! - A paused trunk (its credentials were refused) is never chosen again in this run.
//!
//! Must not: read the clock, sleep, or know about SIP, numbers or the store.

use std::time::Duration;

use super::pacer::Pacer;
use crate::campaign::{Pacing, Trunk};

/// One trunk's own limits (absent: only the campaign's apply).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrunkLimits {
    /// Calls in progress on this trunk at once.
    pub max_concurrent: Option<u32>,
    /// New calls per second on this trunk.
    pub max_cps: Option<u32>,
}

impl From<&Trunk> for TrunkLimits {
    fn from(t: &Trunk) -> Self {
        TrunkLimits {
            max_concurrent: t.max_concurrent,
            max_cps: t.max_cps,
        }
    }
}

/// The answer to "may a call start now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Start it now on this trunk (index in preference order); the start is counted.
    Go(usize),
    /// Not before this time (a CPS slot).
    WaitUntil(Duration),
    /// Every usable trunk is at its concurrency limit, or the campaign is: wait for a call to
    /// end.
    Full,
    /// No trunk at or after the requested one is usable (all paused).
    NoTrunk,
}

#[derive(Debug, Clone)]
struct TrunkSlot {
    limits: TrunkLimits,
    pacer: Option<Pacer>,
    active: u32,
    paused: bool,
}

/// Concurrency, pacing and trunk choice for one run.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    max_concurrent: u32,
    pacer: Pacer,
    active: u32,
    trunks: Vec<TrunkSlot>,
}

impl Dispatcher {
    /// A dispatcher for the campaign's pacing and its trunks in preference order.
    pub fn new(pacing: &Pacing, trunks: &[TrunkLimits]) -> Self {
        Dispatcher {
            max_concurrent: pacing.max_concurrent.max(1),
            pacer: Pacer::new(pacing.max_cps),
            active: 0,
            trunks: trunks
                .iter()
                .map(|l| TrunkSlot {
                    limits: *l,
                    pacer: l.max_cps.map(Pacer::new),
                    active: 0,
                    paused: false,
                })
                .collect(),
        }
    }

    /// May a call start at `now` on trunk `from` or a later one? On [`Admission::Go`] the
    /// start is counted (campaign and trunk) and must later be [`Dispatcher::release`]d.
    pub fn admit(&mut self, now: Duration, from: usize) -> Admission {
        let candidates: Vec<usize> = (from..self.trunks.len())
            .filter(|&i| !self.trunks[i].paused)
            .collect();
        if candidates.is_empty() {
            return Admission::NoTrunk;
        }
        if self.active >= self.max_concurrent {
            return Admission::Full;
        }
        if !self.pacer.is_ready(now) {
            return Admission::WaitUntil(self.pacer.ready_at(now));
        }
        let mut wait: Option<Duration> = None;
        for i in candidates {
            let slot = &self.trunks[i];
            if slot.limits.max_concurrent.is_some_and(|m| slot.active >= m) {
                continue;
            }
            match &slot.pacer {
                Some(p) if !p.is_ready(now) => {
                    let at = p.ready_at(now);
                    wait = Some(wait.map_or(at, |w| w.min(at)));
                }
                _ => {
                    self.take(i, now);
                    return Admission::Go(i);
                }
            }
        }
        wait.map_or(Admission::Full, Admission::WaitUntil)
    }

    fn take(&mut self, i: usize, now: Duration) {
        self.pacer.take(now);
        let slot = &mut self.trunks[i];
        if let Some(p) = &mut slot.pacer {
            p.take(now);
        }
        slot.active += 1;
        self.active += 1;
    }

    /// A call granted on `trunk` has ended.
    pub fn release(&mut self, trunk: usize) {
        if let Some(slot) = self.trunks.get_mut(trunk) {
            slot.active = slot.active.saturating_sub(1);
        }
        self.active = self.active.saturating_sub(1);
    }

    /// Stops choosing `trunk` (its credentials were refused): the operator must fix them.
    pub fn pause(&mut self, trunk: usize) {
        if let Some(slot) = self.trunks.get_mut(trunk) {
            slot.paused = true;
        }
    }

    /// The next usable trunk after `trunk`, for failover.
    pub fn next_after(&self, trunk: usize) -> Option<usize> {
        (trunk + 1..self.trunks.len()).find(|&i| !self.trunks[i].paused)
    }

    /// Whether any trunk can still be used.
    pub fn any_usable(&self) -> bool {
        self.trunks.iter().any(|t| !t.paused)
    }

    /// Calls in progress, all trunks.
    pub fn active(&self) -> u32 {
        self.active
    }

    /// Calls in progress on `trunk`.
    pub fn active_on(&self, trunk: usize) -> u32 {
        self.trunks.get(trunk).map_or(0, |t| t.active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn pacing(max_concurrent: u32, max_cps: u32) -> Pacing {
        Pacing {
            batch_size: 50,
            max_concurrent,
            max_cps,
        }
    }

    /// Drives `calls` starts in virtual time, each call lasting `hold`; returns (start time,
    /// trunk) of every start and the peak concurrency seen per trunk and overall.
    fn simulate(
        d: &mut Dispatcher,
        calls: usize,
        hold: Duration,
    ) -> (Vec<(Duration, usize)>, u32, Vec<u32>) {
        let mut now = Duration::ZERO;
        let mut ending: Vec<(Duration, usize)> = Vec::new();
        let mut starts = Vec::new();
        let (mut peak, mut peaks) = (0, vec![0; d.trunks.len()]);
        while starts.len() < calls {
            ending.retain(|&(at, t)| {
                let done = at <= now;
                if done {
                    d.release(t);
                }
                !done
            });
            match d.admit(now, 0) {
                Admission::Go(t) => {
                    starts.push((now, t));
                    ending.push((now + hold, t));
                    peak = peak.max(d.active());
                    peaks[t] = peaks[t].max(d.active_on(t));
                }
                Admission::WaitUntil(at) => now = at.max(now + ms(1)),
                Admission::Full => {
                    now = ending.iter().map(|e| e.0).min().expect("a call to end");
                }
                Admission::NoTrunk => panic!("no trunk"),
            }
        }
        (starts, peak, peaks)
    }

    #[test]
    fn campaign_cps_is_evenly_spaced_and_concurrency_capped() {
        let mut d = Dispatcher::new(&pacing(10, 20), &[TrunkLimits::default()]);
        let (starts, peak, _) = simulate(&mut d, 200, ms(3000));
        assert_eq!(peak, 10);
        for pair in starts.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= ms(50), "{pair:?}");
        }
        // Short calls: the CPS limit, not concurrency, sets the pace (1 s per 20 calls).
        let mut d = Dispatcher::new(&pacing(100, 20), &[TrunkLimits::default()]);
        let (starts, _, _) = simulate(&mut d, 201, ms(10));
        assert_eq!(starts.last().unwrap().0, ms(10_000));
    }

    #[test]
    fn a_full_trunk_overflows_to_the_next_within_its_own_limits() {
        let a = TrunkLimits {
            max_concurrent: Some(3),
            max_cps: Some(5),
        };
        let b = TrunkLimits {
            max_concurrent: Some(2),
            max_cps: None,
        };
        let mut d = Dispatcher::new(&pacing(100, 100), &[a, b]);
        let (starts, peak, peaks) = simulate(&mut d, 300, ms(2000));
        assert_eq!(peaks, vec![3, 2]);
        assert!(peak <= 5);
        let on_a: Vec<Duration> = starts.iter().filter(|s| s.1 == 0).map(|s| s.0).collect();
        for pair in on_a.windows(2) {
            assert!(pair[1] - pair[0] >= ms(200), "trunk a over 5 cps: {pair:?}");
        }
        assert!(starts.iter().any(|s| s.1 == 1));
    }

    #[test]
    fn failover_and_pausing_choose_later_trunks_only() {
        let mut d = Dispatcher::new(&pacing(10, 1000), &[TrunkLimits::default(); 3]);
        assert_eq!(d.admit(ms(0), 1), Admission::Go(1));
        assert_eq!(d.next_after(0), Some(1));
        d.pause(1);
        assert_eq!(d.next_after(0), Some(2));
        assert_eq!(d.admit(ms(10), 1), Admission::Go(2));
        d.pause(2);
        assert_eq!(d.next_after(0), None);
        assert_eq!(d.admit(ms(20), 1), Admission::NoTrunk);
        assert_eq!(d.admit(ms(20), 0), Admission::Go(0));
        d.pause(0);
        assert!(!d.any_usable());
        d.release(0);
        d.release(1);
        d.release(2);
        assert_eq!(d.active(), 0);
    }

    #[test]
    fn a_release_frees_the_slot_it_took() {
        let mut d = Dispatcher::new(&pacing(1, 1000), &[TrunkLimits::default()]);
        assert_eq!(d.admit(ms(0), 0), Admission::Go(0));
        assert_eq!(d.admit(ms(5), 0), Admission::Full);
        d.release(0);
        assert_eq!(d.admit(ms(5), 0), Admission::Go(0));
        // After a long idle spell the pacer forgives lateness: one start, not a burst.
        d.release(0);
        let mut d2 = Dispatcher::new(&pacing(10, 10), &[TrunkLimits::default()]);
        assert_eq!(d2.admit(ms(60_000), 0), Admission::Go(0));
        assert_eq!(d2.admit(ms(60_000), 0), Admission::WaitUntil(ms(60_100)));
    }
}
