//! One number's eligibility at one instant: do-not-call, per-number limits, its zone, its
//! calling window. `dry-run` asks it about every row "now"; `run` asks it when a batch is
//! claimed. One function, so the two always agree.
//!
//! Order matters and is the order an operator reads a refusal in: DNC first (never call),
//! then the limits (not yet), then the zone (cannot place: never guessed), then the window.

use std::collections::HashMap;

use jiff::Timestamp;

use super::dnc::{DncList, Listed};
use super::zone::{Placement, Zones};
use super::{limits, window};
use crate::campaign::{E164, NumberLimit, Schedule};

/// Whether a number may be dialed now, and if not, why and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eligibility {
    /// Dial it now.
    Dialable,
    /// Never: it is on a do-not-call list.
    Dnc(Listed),
    /// Not before `until`: over a per-number limit.
    Capped {
        /// When a slot frees.
        until: Timestamp,
    },
    /// Its window is closed; it opens at `opens` (`None`: never within a year).
    OutsideWindow {
        /// The next opening.
        opens: Option<Timestamp>,
    },
    /// Its zone cannot be loaded: never called rather than called at a guessed hour.
    ZoneUnknown,
}

/// The rules of one campaign, with the facts they need.
pub struct Policy<'a> {
    /// The calling windows.
    pub schedule: &'a Schedule,
    /// Per-number limits.
    pub limits: &'a [NumberLimit],
    /// The do-not-call list.
    pub dnc: &'a DncList,
    /// Attempt start times per number, across campaigns, back to the longest limit.
    pub history: &'a HashMap<E164, Vec<Timestamp>>,
    /// The zone cache.
    pub zones: Zones,
}

impl Policy<'_> {
    /// Judges `number` (from a row whose zone cell is `row_zone`, in country `region`).
    pub fn judge(
        &mut self,
        number: &E164,
        row_zone: Option<&str>,
        region: Option<&str>,
        now: Timestamp,
    ) -> (Eligibility, Placement) {
        let placement = self.zones.place(row_zone, region, self.schedule);
        if let Some(listed) = self.dnc.lookup(number) {
            return (Eligibility::Dnc(listed), placement);
        }
        let history = self
            .history
            .get(number)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some(until) = limits::capped_until(self.limits, history, now) {
            return (Eligibility::Capped { until }, placement);
        }
        let Some(tz) = &placement.zone else {
            return (Eligibility::ZoneUnknown, placement);
        };
        if !window::is_open(self.schedule, tz, now) {
            let opens = window::next_opening(self.schedule, tz, now);
            return (Eligibility::OutsideWindow { opens }, placement);
        }
        (Eligibility::Dialable, placement)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::Duration;

    use jiff::civil::{Weekday, time};

    use super::*;
    use crate::campaign::Window;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn schedule() -> Schedule {
        use Weekday::*;
        let days = vec![Monday, Tuesday, Wednesday, Thursday, Friday];
        Schedule {
            timezone_name: "America/New_York".into(),
            timezone: jiff::tz::db().get("America/New_York").unwrap(),
            windows: vec![Window {
                days,
                start: time(9, 0, 0, 0),
                end: time(18, 0, 0, 0),
            }],
            holidays: vec![],
        }
    }

    #[test]
    fn dnc_then_limits_then_window() {
        let s = schedule();
        let dnc = DncList::load(
            &[],
            None,
            HashSet::from([E164::from_trusted("+442079460013")]),
        )
        .unwrap();
        let limits = [NumberLimit {
            max_calls: 1,
            per: Duration::from_secs(86400),
        }];
        let called = E164::from_trusted("+442079460020");
        let history = HashMap::from([(called.clone(), vec![ts("2026-11-23T09:30:00Z")])]);
        let mut p = Policy {
            schedule: &s,
            limits: &limits,
            dnc: &dnc,
            history: &history,
            zones: Zones::new(),
        };
        // Monday 10:00 London (open there), 05:00 New York.
        let now = ts("2026-11-23T10:00:00Z");
        let gb = Some("GB");
        assert_eq!(
            p.judge(&E164::from_trusted("+442079460013"), None, gb, now)
                .0,
            Eligibility::Dnc(Listed::Database)
        );
        assert_eq!(
            p.judge(&called, None, gb, now).0,
            Eligibility::Capped {
                until: ts("2026-11-24T09:30:00Z")
            }
        );
        let (e, place) = p.judge(&E164::from_trusted("+442079460021"), None, gb, now);
        assert_eq!(
            (e, place.name.as_str()),
            (Eligibility::Dialable, "Europe/London")
        );
        // A US number is in the campaign's zone, where it is 05:00: wait until 09:00 EST.
        let (e, _) = p.judge(&E164::from_trusted("+12025550123"), None, Some("US"), now);
        assert_eq!(
            e,
            Eligibility::OutsideWindow {
                opens: Some(ts("2026-11-23T14:00:00Z"))
            }
        );
    }
}
