//! The call's named timers, in one table whose earliest entry is the next wake-up.

use jiff::Timestamp;

/// Every timer a call can arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Ring time is up: CANCEL (or give up if the gateway never answered at all).
    Ring,
    /// Our CANCEL has had long enough to draw its 487.
    CancelWait,
    /// The answered call has lasted `max_duration`: hang up.
    MaxDuration,
    /// Our BYE has had long enough to draw its 200.
    ByeWait,
    /// The absolute bound on the whole call, whatever the peer does (notes/rsipstack.md trap
    /// 4: a 100-only INVITE otherwise never ends).
    Lifetime,
}

const ALL: [Timer; 5] = [
    Timer::Ring,
    Timer::CancelWait,
    Timer::MaxDuration,
    Timer::ByeWait,
    Timer::Lifetime,
];

/// Deadlines by timer.
#[derive(Debug, Clone, Default)]
pub struct Timers {
    at: [Option<Timestamp>; 5],
}

impl Timers {
    /// Arms (or re-arms) `timer` for `at`.
    pub fn set(&mut self, timer: Timer, at: Timestamp) {
        self.at[timer as usize] = Some(at);
    }

    /// Disarms `timer`.
    pub fn stop(&mut self, timer: Timer) {
        self.at[timer as usize] = None;
    }

    /// The earliest deadline, if any.
    pub fn next(&self) -> Option<Timestamp> {
        self.at.iter().flatten().min().copied()
    }

    /// Disarms and returns the earliest timer due at `now`.
    pub fn pop_due(&mut self, now: Timestamp) -> Option<Timer> {
        let due = ALL
            .into_iter()
            .filter(|t| self.at[*t as usize].is_some_and(|at| at <= now));
        let first = due.min_by_key(|t| self.at[*t as usize])?;
        self.stop(first);
        Some(first)
    }

    /// Disarms everything.
    pub fn clear(&mut self) {
        self.at = [None; 5];
    }
}
