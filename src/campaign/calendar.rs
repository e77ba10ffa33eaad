//! `schedule:` -> [`Schedule`]: the zone, calling windows and holidays.
//!
//! Defaults: no `schedule:` (or no `timezone:`) means the machine's zone from
//! [`LoadOptions`](super::LoadOptions); no `windows:` means 09:00-18:00 every day. Days are
//! `mon`..`sun` (full names accepted, any case); times are `HH:MM`, 24-hour; an `end` of
//! `24:00` means midnight at the end of the day and is stored as [`Time::MAX`] (see
//! [`Window`]). Holidays are `YYYY-MM-DD`.
//!
//! Must not: read the clock; windows are checked for shape, not against today.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::check::Checker;
use super::plan::{Schedule, Window};
use super::raw::{RawSchedule, RawWindow, Sp};

const DAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "monday", Weekday::Monday),
    ("tue", "tuesday", Weekday::Tuesday),
    ("wed", "wednesday", Weekday::Wednesday),
    ("thu", "thursday", Weekday::Thursday),
    ("fri", "friday", Weekday::Friday),
    ("sat", "saturday", Weekday::Saturday),
    ("sun", "sunday", Weekday::Sunday),
];

/// The schedule, or the default one in `local_zone`.
pub(crate) fn schedule(
    check: &mut Checker<'_>,
    raw: Option<&Sp<RawSchedule>>,
    local_zone: &TimeZone,
    local_zone_name: &str,
) -> Schedule {
    let mut schedule = Schedule {
        timezone_name: local_zone_name.to_string(),
        timezone: local_zone.clone(),
        windows: vec![default_window()],
        holidays: Vec::new(),
    };
    let Some(raw) = raw else { return schedule };
    let raw = &raw.value;
    if let Some(zone) = &raw.timezone {
        match TimeZone::get(zone.value.trim()) {
            Ok(tz) => {
                schedule.timezone = tz;
                schedule.timezone_name = zone.value.trim().to_string();
            }
            Err(_) => check.fail(
                zone,
                "schedule.timezone",
                format!(
                    "unknown time zone `{}`; expected an IANA name such as Europe/Paris, \
                     America/New_York, Asia/Shanghai or UTC",
                    zone.value
                ),
            ),
        }
    }
    if let Some(windows) = &raw.windows {
        if windows.value.is_empty() {
            check.fail(
                windows,
                "schedule.windows",
                "needs at least one window (or leave it out for 09:00-18:00 every day)",
            );
        }
        schedule.windows = windows
            .value
            .iter()
            .enumerate()
            .filter_map(|(i, w)| window(check, w, &format!("schedule.windows[{i}]")))
            .collect();
    }
    schedule.holidays = raw
        .holidays
        .iter()
        .enumerate()
        .filter_map(|(i, day)| holiday(check, day, &format!("schedule.holidays[{i}]")))
        .collect();
    schedule
}

/// 09:00-18:00, every day.
fn default_window() -> Window {
    Window {
        days: DAYS.iter().map(|(_, _, day)| *day).collect(),
        start: Time::constant(9, 0, 0, 0),
        end: Time::constant(18, 0, 0, 0),
    }
}

fn window(check: &mut Checker<'_>, raw: &Sp<RawWindow>, field: &str) -> Option<Window> {
    let w = &raw.value;
    let mut days = Vec::new();
    if w.days.value.is_empty() {
        check.fail(
            &w.days,
            &format!("{field}.days"),
            "needs at least one day: mon, tue, wed, thu, fri, sat, sun",
        );
    }
    for day in &w.days.value {
        let name = day.value.trim().to_ascii_lowercase();
        match DAYS
            .iter()
            .find(|(short, long, _)| name == *short || name == *long)
        {
            Some((_, _, weekday)) if !days.contains(weekday) => days.push(*weekday),
            Some(_) => check.fail(
                day,
                &format!("{field}.days"),
                format!("`{}` is listed twice", day.value),
            ),
            None => check.fail(
                day,
                &format!("{field}.days"),
                format!(
                    "unknown day `{}`; expected mon, tue, wed, thu, fri, sat or sun",
                    day.value
                ),
            ),
        }
    }
    let start = clock_time(check, &w.start, &format!("{field}.start"), false);
    let end = clock_time(check, &w.end, &format!("{field}.end"), true);
    let (start, end) = (start?, end?);
    if end <= start {
        check.fail(
            &w.end,
            &format!("{field}.end"),
            format!(
                "must be after start {} (got {}); a window cannot cross midnight, split it in two \
                 (…-24:00 and 00:00-…)",
                w.start.value, w.end.value
            ),
        );
        return None;
    }
    (!days.is_empty()).then_some(Window { days, start, end })
}

/// `HH:MM` (24-hour); `24:00` only as an end, stored as [`Time::MAX`].
fn clock_time(
    check: &mut Checker<'_>,
    raw: &Sp<String>,
    field: &str,
    is_end: bool,
) -> Option<Time> {
    let text = raw.value.trim();
    if is_end && text == "24:00" {
        return Some(Time::MAX);
    }
    let parsed = text
        .split_once(':')
        .filter(|(h, m)| h.len() == 2 && m.len() == 2)
        .and_then(|(h, m)| Some((h.parse::<i8>().ok()?, m.parse::<i8>().ok()?)))
        .and_then(|(h, m)| Time::new(h, m, 0, 0).ok());
    if parsed.is_none() {
        let end_hint = if is_end {
            ", or 24:00 for the end of the day"
        } else {
            ""
        };
        check.fail(
            raw,
            field,
            format!(
                "`{}` is not a time; expected HH:MM from 00:00 to 23:59{end_hint}",
                raw.value
            ),
        );
    }
    parsed
}

fn holiday(check: &mut Checker<'_>, raw: &Sp<String>, field: &str) -> Option<Date> {
    let text = raw.value.trim();
    let date = (text.len() == 10)
        .then(|| text.parse::<Date>().ok())
        .flatten();
    if date.is_none() {
        check.fail(
            raw,
            field,
            format!(
                "`{}` is not a date; expected YYYY-MM-DD, e.g. 2026-12-25",
                raw.value
            ),
        );
    }
    date
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::error::{Issues, LoadError};

    fn schedule_of(yaml: &str) -> Result<Schedule, Vec<String>> {
        let raw: Sp<RawSchedule> = serde_saphyr::from_str(yaml).expect("yaml");
        let mut issues = Issues::default();
        let file = std::path::Path::new("c.yaml");
        let mut check = Checker {
            file,
            issues: &mut issues,
        };
        let schedule = schedule(&mut check, Some(&raw), &TimeZone::UTC, "UTC");
        match issues.finish() {
            Ok(()) => Ok(schedule),
            Err(LoadError::Invalid { issues }) => {
                Err(issues.iter().map(|i| i.to_string()).collect())
            }
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn windows_days_and_holidays() {
        let s = schedule_of("windows: [{days: [MON, friday], start: \"08:30\", end: \"24:00\"}]\nholidays: [2026-01-01]\n").unwrap();
        assert_eq!(s.timezone_name, "UTC", "no timezone: the local zone");
        assert_eq!(s.windows[0].days, vec![Weekday::Monday, Weekday::Friday]);
        assert_eq!(s.windows[0].start, Time::constant(8, 30, 0, 0));
        assert!(s.windows[0].ends_at_midnight());
        assert_eq!(s.holidays, vec![jiff::civil::date(2026, 1, 1)]);
    }

    #[test]
    fn every_bad_value_is_reported() {
        let errors = schedule_of(
            "windows:\n  - {days: [mon, mon, funday], start: \"9:00\", end: \"18:60\"}\nholidays: [\"2026-02-30\", \"26-1-1\"]\n",
        )
        .unwrap_err();
        let joined = errors.join("\n");
        assert_eq!(errors.len(), 6, "{joined}");
        assert!(joined.contains("`mon` is listed twice"), "{joined}");
        assert!(
            joined.contains("unknown day `funday`; expected mon, tue"),
            "{joined}"
        );
        assert!(
            joined.contains("schedule.windows[0].start: `9:00` is not a time; expected HH:MM"),
            "{joined}"
        );
        assert!(
            joined.contains("schedule.windows[0].end: `18:60` is not a time"),
            "{joined}"
        );
        assert!(
            joined.contains(
                "c.yaml:3:12: schedule.holidays[0]: `2026-02-30` is not a date; expected YYYY-MM-DD"
            ),
            "{joined}"
        );
        assert!(
            joined.contains("schedule.holidays[1]: `26-1-1`"),
            "{joined}"
        );
        let errors = schedule_of("windows: []\n").unwrap_err();
        assert!(
            errors[0].contains("needs at least one window"),
            "{errors:?}"
        );
    }
}
