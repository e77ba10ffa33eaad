//! The dry run's estimated timeline: when the first and the last call would be placed.
//!
//! A virtual-time simulation over numbers grouped by zone (a million numbers in a handful of
//! zones cost a handful of steps): calls start at the campaign's effective rate while a zone's
//! window is open, and the clock jumps to the next opening while every zone with numbers left
//! is closed. Assumptions, stated with the result: each number is dialed once (retries not
//! counted), and every call holds a line for `mean_call` (so `max_concurrent` may bind before
//! `max_cps` does).
//!
//! Must not: read the clock; `now` is an argument.

use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::window;
use crate::campaign::Schedule;

/// Numbers waiting in one zone.
#[derive(Debug, Clone)]
pub struct ZoneLoad {
    /// The zone.
    pub zone: TimeZone,
    /// How many numbers are called in it.
    pub numbers: u64,
}

/// The estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    /// When the first call starts.
    pub first_call: Timestamp,
    /// When the last call starts.
    pub last_call: Timestamp,
}

/// The sustained call rate, per second: the CPS limit, or fewer when the concurrency limit
/// fills first (`max_concurrent / mean_call`).
pub fn effective_rate(max_cps: f64, max_concurrent: f64, mean_call: Duration) -> f64 {
    let by_lines = max_concurrent / mean_call.as_secs_f64().max(0.001);
    max_cps.min(by_lines).max(0.001)
}

fn plus(t: Timestamp, secs: f64) -> Timestamp {
    t.saturating_add(SignedDuration::from_secs_f64(secs.max(0.0)))
        .unwrap_or(Timestamp::MAX)
}

/// Estimates the timeline for `loads` dialed at `rate` calls/s from `now`; `None` when there
/// is nothing to dial or no window ever opens for what is left.
pub fn estimate(
    schedule: &Schedule,
    loads: &[ZoneLoad],
    rate: f64,
    now: Timestamp,
) -> Option<Timeline> {
    let mut left: Vec<(TimeZone, f64)> = loads
        .iter()
        .filter(|l| l.numbers > 0)
        .map(|l| (l.zone.clone(), l.numbers as f64))
        .collect();
    let (mut t, mut first, mut last) = (now, None, now);
    // Each step either finishes a zone, reaches a window's end or jumps to an opening, so the
    // number of steps is bounded by zones x windows over the horizon; the cap is a safety net.
    for _ in 0..100_000 {
        left.retain(|(_, n)| *n >= 0.5);
        if left.is_empty() {
            return first.map(|first_call| Timeline {
                first_call,
                last_call: last,
            });
        }
        let open: Vec<(usize, Timestamp)> = left
            .iter()
            .enumerate()
            .filter_map(|(i, (tz, _))| window::current(schedule, tz, t).map(|(_, end)| (i, end)))
            .collect();
        let Some(&(i, end)) = open.iter().min_by_key(|(_, end)| *end) else {
            t = left
                .iter()
                .filter_map(|(tz, _)| window::next_opening(schedule, tz, t))
                .min()?;
            continue;
        };
        // Dial the zone whose window closes first until it closes or runs out.
        let span = end.duration_since(t).as_secs_f64();
        let calls = left[i].1.min((span * rate).floor().max(1.0));
        first.get_or_insert(t);
        last = plus(t, (calls - 1.0) / rate);
        left[i].1 -= calls;
        t = plus(t, calls / rate);
    }
    None
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Time, Weekday, time};

    use super::*;
    use crate::campaign::Window;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn schedule(start: Time, end: Time) -> Schedule {
        use Weekday::*;
        let days = vec![
            Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
        ];
        Schedule {
            timezone_name: "UTC".into(),
            timezone: TimeZone::UTC,
            windows: vec![Window { days, start, end }],
            holidays: vec![],
        }
    }

    #[test]
    fn the_rate_is_the_tighter_of_cps_and_lines() {
        assert_eq!(effective_rate(5.0, 20.0, Duration::from_secs(2)), 5.0);
        assert_eq!(effective_rate(50.0, 20.0, Duration::from_secs(10)), 2.0);
    }

    #[test]
    fn an_open_window_dials_straight_through() {
        let s = schedule(time(9, 0, 0, 0), time(18, 0, 0, 0));
        let loads = [ZoneLoad {
            zone: TimeZone::UTC,
            numbers: 101,
        }];
        let t = estimate(&s, &loads, 10.0, ts("2026-11-23T10:00:00Z")).unwrap();
        assert_eq!(t.first_call, ts("2026-11-23T10:00:00Z"));
        assert_eq!(t.last_call, ts("2026-11-23T10:00:10Z"));
    }

    #[test]
    fn a_closed_window_waits_and_a_long_list_spills_into_the_next_day() {
        let s = schedule(time(9, 0, 0, 0), time(10, 0, 0, 0));
        // 1 call/s, one hour a day: 5400 numbers take two windows.
        let loads = [ZoneLoad {
            zone: TimeZone::UTC,
            numbers: 5400,
        }];
        let t = estimate(&s, &loads, 1.0, ts("2026-11-23T20:00:00Z")).unwrap();
        assert_eq!(t.first_call, ts("2026-11-24T09:00:00Z"));
        assert_eq!(t.last_call, ts("2026-11-25T09:29:59Z"));
    }

    #[test]
    fn a_million_numbers_in_a_few_zones_is_instant_and_nothing_is_none() {
        let s = schedule(Time::midnight(), Time::MAX);
        let zone = |n: &str| jiff::tz::db().get(n).unwrap();
        let loads = [
            ZoneLoad {
                zone: zone("Europe/London"),
                numbers: 600_000,
            },
            ZoneLoad {
                zone: zone("Asia/Shanghai"),
                numbers: 400_000,
            },
        ];
        let t = estimate(&s, &loads, 100.0, ts("2026-11-23T00:00:00Z")).unwrap();
        let secs = t.last_call.duration_since(t.first_call).as_secs();
        assert!((9_990..=10_010).contains(&secs), "{secs}");
        assert_eq!(estimate(&s, &[], 100.0, ts("2026-11-23T00:00:00Z")), None);
    }
}
