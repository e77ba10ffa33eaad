//! Calling windows in the callee's zone: is a window open now, and when does the next open.
//!
//! A window is a local wall-clock span (`days`, `start`..`end`, end exclusive) in the callee's
//! zone; holidays are local dates in that zone. Local times become instants with jiff's
//! "compatible" rule, so across DST a 09:00-18:00 window keeps its wall-clock meaning: on a
//! spring-forward day a start in the skipped hour (02:30) opens at the first valid instant
//! after the gap (03:30 local), and on a fall-back day a repeated time takes its first
//! occurrence. An `end` of `Time::MAX` (written `24:00`) runs to the next local midnight.
//!
//! Must not: read the clock. Every function takes `now`.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use crate::campaign::{Schedule, Window};

/// How far ahead to look for an opening: a year and a bit covers every weekly pattern and
/// a holiday list; past that the schedule never opens.
const SEARCH_DAYS: i32 = 400;

/// The span of one window on one local date, as instants: `[start, end)`.
fn span(w: &Window, date: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let start = tz.to_timestamp(date.to_datetime(w.start)).ok()?;
    let end = if w.end == Time::MAX {
        tz.to_timestamp(date.tomorrow().ok()?.to_datetime(Time::midnight()))
            .ok()?
    } else {
        tz.to_timestamp(date.to_datetime(w.end)).ok()?
    };
    (start < end).then_some((start, end))
}

/// The windows that apply on `date` (none on a holiday).
fn windows_on<'a>(s: &'a Schedule, date: Date) -> impl Iterator<Item = &'a Window> + 'a {
    let holiday = s.holidays.contains(&date);
    s.windows
        .iter()
        .filter(move |w| !holiday && w.days.contains(&date.weekday()))
}

/// The open window's span containing `now`, if any.
pub fn current(s: &Schedule, tz: &TimeZone, now: Timestamp) -> Option<(Timestamp, Timestamp)> {
    let today = tz.to_datetime(now).date();
    // A window that started yesterday may still run (a 24:00 end in a zone whose day is
    // shorter than 24 h, or a DST day): look at yesterday too.
    let yesterday = today.yesterday().ok();
    [yesterday, Some(today)]
        .into_iter()
        .flatten()
        .flat_map(|d| windows_on(s, d).filter_map(move |w| span(w, d, tz)))
        .filter(|&(start, end)| start <= now && now < end)
        .max_by_key(|&(_, end)| end)
}

/// Whether a window is open at `now` in `tz`.
pub fn is_open(s: &Schedule, tz: &TimeZone, now: Timestamp) -> bool {
    current(s, tz, now).is_some()
}

/// `now` if a window is open, else the start of the next one; `None` if none opens within
/// [`SEARCH_DAYS`] (every day a holiday, or no days listed).
pub fn next_opening(s: &Schedule, tz: &TimeZone, now: Timestamp) -> Option<Timestamp> {
    if is_open(s, tz, now) {
        return Some(now);
    }
    let mut date = tz.to_datetime(now).date();
    for _ in 0..SEARCH_DAYS {
        let next = windows_on(s, date)
            .filter_map(|w| span(w, date, tz))
            .map(|(start, _)| start)
            .filter(|&start| start > now)
            .min();
        if next.is_some() {
            return next;
        }
        date = date.tomorrow().ok()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Weekday, date, time};

    use super::*;

    fn schedule(windows: Vec<Window>, holidays: Vec<Date>) -> Schedule {
        Schedule {
            timezone_name: "UTC".into(),
            timezone: TimeZone::UTC,
            windows,
            holidays,
        }
    }

    fn weekdays(start: Time, end: Time) -> Window {
        use Weekday::*;
        Window {
            days: vec![Monday, Tuesday, Wednesday, Thursday, Friday],
            start,
            end,
        }
    }

    fn every_day(start: Time, end: Time) -> Window {
        use Weekday::*;
        let days = vec![
            Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
        ];
        Window { days, start, end }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).unwrap()
    }

    #[test]
    fn open_inside_closed_outside_end_exclusive() {
        let s = schedule(vec![weekdays(time(9, 0, 0, 0), time(18, 0, 0, 0))], vec![]);
        let tz = zone("Europe/London");
        // Monday 2026-11-23, London is on UTC in winter.
        assert!(!is_open(&s, &tz, ts("2026-11-23T08:59:59Z")));
        assert!(is_open(&s, &tz, ts("2026-11-23T09:00:00Z")));
        assert!(is_open(&s, &tz, ts("2026-11-23T17:59:59Z")));
        assert!(!is_open(&s, &tz, ts("2026-11-23T18:00:00Z")));
    }

    #[test]
    fn next_opening_skips_weekends_and_holidays() {
        let s = schedule(
            vec![weekdays(time(9, 0, 0, 0), time(18, 0, 0, 0))],
            vec![date(2026, 11, 30)], // Monday
        );
        let tz = zone("Europe/London");
        // Friday evening -> Monday is a holiday -> Tuesday 09:00.
        let after = next_opening(&s, &tz, ts("2026-11-27T19:00:00Z")).unwrap();
        assert_eq!(after, ts("2026-12-01T09:00:00Z"));
        let open = ts("2026-11-24T10:00:00Z");
        assert_eq!(next_opening(&s, &tz, open), Some(open));
    }

    #[test]
    fn the_same_instant_is_open_in_one_zone_and_closed_in_another() {
        let s = schedule(vec![every_day(time(9, 0, 0, 0), time(18, 0, 0, 0))], vec![]);
        let now = ts("2026-11-23T03:00:00Z"); // 11:00 in Shanghai, 19:00 in Los Angeles
        assert!(is_open(&s, &zone("Asia/Shanghai"), now));
        assert!(!is_open(&s, &zone("America/Los_Angeles"), now));
        let la = next_opening(&s, &zone("America/Los_Angeles"), now).unwrap();
        assert_eq!(la, ts("2026-11-23T17:00:00Z")); // 09:00 PST
    }

    #[test]
    fn windows_keep_wall_clock_time_across_dst() {
        let s = schedule(vec![every_day(time(9, 0, 0, 0), time(18, 0, 0, 0))], vec![]);
        let ny = zone("America/New_York");
        // 2026-03-08: spring forward. 09:00 EDT = 13:00Z; the day before 09:00 EST = 14:00Z.
        assert_eq!(
            next_opening(&s, &ny, ts("2026-03-08T05:00:00Z")),
            Some(ts("2026-03-08T13:00:00Z"))
        );
        assert_eq!(
            next_opening(&s, &ny, ts("2026-03-07T05:00:00Z")),
            Some(ts("2026-03-07T14:00:00Z"))
        );
        // 2026-10-25: London falls back. 17:30 local is 17:30Z that day (GMT), open.
        let london = zone("Europe/London");
        assert!(is_open(&s, &london, ts("2026-10-25T17:30:00Z")));
        assert!(!is_open(&s, &london, ts("2026-10-24T17:30:00Z"))); // 18:30 BST
    }

    #[test]
    fn a_start_in_the_skipped_hour_opens_after_the_gap() {
        let s = schedule(vec![every_day(time(2, 30, 0, 0), time(5, 0, 0, 0))], vec![]);
        let ny = zone("America/New_York");
        // 02:30 does not exist on 2026-03-08; compatible -> 03:30 EDT = 07:30Z.
        assert_eq!(
            next_opening(&s, &ny, ts("2026-03-08T05:00:00Z")),
            Some(ts("2026-03-08T07:30:00Z"))
        );
    }

    #[test]
    fn end_of_day_windows_run_to_midnight() {
        let s = schedule(vec![every_day(Time::midnight(), Time::MAX)], vec![]);
        let tz = zone("Europe/London");
        assert!(is_open(&s, &tz, ts("2026-11-23T23:59:59Z")));
        assert!(is_open(&s, &tz, ts("2026-11-24T00:00:00Z")));
    }

    #[test]
    fn a_schedule_that_never_opens_has_no_next_opening() {
        let s = schedule(
            vec![Window {
                days: vec![],
                start: time(9, 0, 0, 0),
                end: time(17, 0, 0, 0),
            }],
            vec![],
        );
        assert_eq!(
            next_opening(&s, &TimeZone::UTC, ts("2026-11-23T00:00:00Z")),
            None
        );
    }
}
