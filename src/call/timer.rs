//! The call's named timers, in one table whose earliest deadline is the next wake-up
//! (ARCHITECTURE.md principle 3, after quinn's `connection/timer.rs`).
//!
//! Invariant: a timer is either unarmed or has one deadline; firing disarms it.
//! Must not: read the clock. Deadlines are computed from the `now` the caller passes in.

use std::time::{Duration, Instant};

/// Every timer a call can arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallTimer {
    /// Ring timeout: armed when the INVITE leaves; on expiry we CANCEL (NO_ANSWER after a
    /// provisional, FAILED without one).
    Ring,
    /// Our own bound for an INVITE that never gets a provisional (18x): rsipstack never ends a
    /// 100-only INVITE (notes/rsipstack.md trap 4). Disarmed by the first 18x.
    Setup,
    /// How long we wait for the 487 (or any final) after our CANCEL before giving up.
    CancelWait,
    /// Longest answered call: then BYE.
    MaxDuration,
}

impl CallTimer {
    /// All timers, in a fixed order (the table's index).
    pub const ALL: [CallTimer; 4] = [
        CallTimer::Ring,
        CallTimer::Setup,
        CallTimer::CancelWait,
        CallTimer::MaxDuration,
    ];

    fn index(self) -> usize {
        match self {
            CallTimer::Ring => 0,
            CallTimer::Setup => 1,
            CallTimer::CancelWait => 2,
            CallTimer::MaxDuration => 3,
        }
    }
}

/// The durations a call arms its timers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimers {
    /// Ring time before CANCEL (campaign `call.ring_timeout`).
    pub ring_timeout: Duration,
    /// Longest answered call (campaign `call.max_duration`).
    pub max_duration: Duration,
    /// Bound for an INVITE with no 18x at all (default 32 s, RFC 3261's 64*T1).
    pub setup_timeout: Duration,
    /// Wait for the final response after our CANCEL (default 8 s).
    pub cancel_wait: Duration,
}

impl CallTimers {
    /// Timers from the campaign's ring timeout and max duration, with the default setup and
    /// cancel-wait bounds.
    pub fn new(ring_timeout: Duration, max_duration: Duration) -> Self {
        CallTimers {
            ring_timeout,
            max_duration,
            setup_timeout: Duration::from_secs(32),
            cancel_wait: Duration::from_secs(8),
        }
    }
}

/// Armed deadlines, by timer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimerTable {
    deadlines: [Option<Instant>; 4],
}

impl TimerTable {
    /// Arms `timer` to fire at `at` (replacing any earlier deadline).
    pub fn arm(&mut self, timer: CallTimer, at: Instant) {
        self.deadlines[timer.index()] = Some(at);
    }

    /// Disarms `timer`.
    pub fn disarm(&mut self, timer: CallTimer) {
        self.deadlines[timer.index()] = None;
    }

    /// Disarms every timer.
    pub fn clear(&mut self) {
        self.deadlines = [None; 4];
    }

    /// The deadline of `timer`, if armed.
    pub fn deadline(&self, timer: CallTimer) -> Option<Instant> {
        self.deadlines[timer.index()]
    }

    /// The earliest armed deadline: the next wake-up.
    pub fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// The earliest timer due at `now`, disarmed as it is returned. Call repeatedly until `None`.
    pub fn pop_expired(&mut self, now: Instant) -> Option<CallTimer> {
        let due = CallTimer::ALL
            .into_iter()
            .filter_map(|t| self.deadline(t).filter(|d| *d <= now).map(|d| (d, t)))
            .min_by_key(|(d, _)| *d)?;
        self.disarm(due.1);
        Some(due.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_the_minimum_and_expiry_disarms() {
        let t0 = crate::net::clock::instant();
        let mut table = TimerTable::default();
        assert_eq!(table.next(), None);
        table.arm(CallTimer::Setup, t0 + Duration::from_secs(32));
        table.arm(CallTimer::Ring, t0 + Duration::from_secs(30));
        assert_eq!(table.next(), Some(t0 + Duration::from_secs(30)));
        assert_eq!(table.pop_expired(t0 + Duration::from_secs(29)), None);
        assert_eq!(
            table.pop_expired(t0 + Duration::from_secs(40)),
            Some(CallTimer::Ring)
        );
        assert_eq!(
            table.pop_expired(t0 + Duration::from_secs(40)),
            Some(CallTimer::Setup)
        );
        assert_eq!(table.pop_expired(t0 + Duration::from_secs(40)), None);
        assert_eq!(table.next(), None);
    }
}
