//! Calls-per-second pacing: starts evenly spaced, never a burst.
//!
//! Time is a `Duration` since the run started (the runtime converts its monotonic clock), so
//! tests drive it with plain numbers.
//!
//! Why slots and not a token bucket: a bucket with capacity > 1 releases a burst after an idle
//! spell, which carriers count against us. A slot schedule releases one start per interval.
//! Because tokio timers have ~1 ms granularity, a loop woken late may find more than one slot
//! due; it may take them (they were each due), but lateness beyond one interval (or 2 ms,
//! whichever is longer) is forgiven
//! rather than repaid, so a stall never turns into a burst afterwards.

use std::time::Duration;

/// Evenly spaced admission at a fixed rate.
#[derive(Debug, Clone)]
pub struct Pacer {
    interval: Duration,
    next: Duration,
}

impl Pacer {
    /// A pacer allowing `per_second` starts per second (at least 1).
    pub fn new(per_second: u32) -> Self {
        let per_second = per_second.max(1);
        Pacer {
            interval: Duration::from_secs(1) / per_second,
            next: Duration::ZERO,
        }
    }

    /// The gap between two starts.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The earliest time the next start may happen (never earlier than `now` for a caller
    /// that wants to sleep until it).
    pub fn ready_at(&self, now: Duration) -> Duration {
        self.slot(now).max(now)
    }

    /// Whether a start may happen at `now`.
    pub fn is_ready(&self, now: Duration) -> bool {
        self.slot(now) <= now
    }

    /// Records a start at `now` (call only when [`Pacer::is_ready`]).
    pub fn take(&mut self, now: Duration) {
        self.next = self.slot(now) + self.interval;
    }

    /// The slot the next start belongs to: the scheduled one, or `now` if we are more than one
    /// interval behind (forgiven lateness, see the module docs).
    fn slot(&self, now: Duration) -> Duration {
        if now > self.next + self.forgiven_after() {
            now
        } else {
            self.next
        }
    }

    /// Lateness up to one interval, or the timer's granularity with margin (2 ms) at high
    /// rates, is caught up; more is forgiven.
    fn forgiven_after(&self) -> Duration {
        self.interval.max(Duration::from_millis(2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    /// Drives the pacer like the runtime does: wake at `ready_at`, rounded up to `tick` (a
    /// coarse timer), and start every call that is due. Returns the start times.
    fn drive(p: &mut Pacer, calls: usize, tick: Duration) -> Vec<Duration> {
        let mut now = Duration::ZERO;
        let mut starts = Vec::new();
        while starts.len() < calls {
            while p.is_ready(now) && starts.len() < calls {
                p.take(now);
                starts.push(now);
            }
            let wake = p.ready_at(now);
            let ticks = wake.as_nanos().div_ceil(tick.as_nanos().max(1)) as u32;
            now = tick * ticks.max(1);
        }
        starts
    }

    #[test]
    fn starts_are_evenly_spaced_at_the_rate() {
        let mut p = Pacer::new(5);
        let starts = drive(&mut p, 6, Duration::from_micros(1));
        assert_eq!(
            starts,
            vec![ms(0), ms(200), ms(400), ms(600), ms(800), ms(1000)]
        );
    }

    #[test]
    fn no_second_in_a_long_run_exceeds_the_rate() {
        for rate in [1, 7, 50, 1500] {
            let mut p = Pacer::new(rate);
            // A 1 ms timer, as tokio has: high rates need several starts per wake.
            let starts = drive(&mut p, rate as usize * 5, ms(1));
            for (i, &t) in starts.iter().enumerate() {
                let in_window = starts[i..]
                    .iter()
                    .take_while(|&&u| u < t + ms(1000))
                    .count();
                assert!(
                    in_window as u32 <= rate + 1,
                    "rate {rate}: {in_window} starts in 1 s"
                );
            }
            let span = *starts.last().unwrap() - starts[0];
            let achieved = (starts.len() - 1) as f64 / span.as_secs_f64();
            assert!(
                achieved > rate as f64 * 0.97,
                "rate {rate}: achieved {achieved:.1}/s"
            );
        }
    }

    #[test]
    fn a_stall_is_forgiven_not_repaid_as_a_burst() {
        let mut p = Pacer::new(10); // 100 ms apart
        p.take(ms(0));
        // The loop stalls for 5 s: only one start is due at once, then the spacing resumes.
        let now = ms(5000);
        assert!(p.is_ready(now));
        p.take(now);
        assert!(!p.is_ready(now));
        assert_eq!(p.ready_at(now), ms(5100));
    }

    #[test]
    fn slightly_late_wakes_keep_the_schedule() {
        let mut p = Pacer::new(100); // 10 ms apart
        p.take(ms(0));
        p.take(ms(10));
        // Woken 8 ms after the slot: within one interval, so the slot stands.
        let now = ms(28);
        assert!(p.is_ready(now));
        p.take(now);
        assert_eq!(p.ready_at(now), ms(30));
    }
}
