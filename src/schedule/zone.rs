//! Which zone a number is called in: its row's `timezone` cell when that names a real zone;
//! else its country's zone when the country has only one; else the campaign's.
//!
//! An invalid row zone is flagged (the dry run lists it) and the next rule applies. A zone the
//! tz database cannot load is never guessed: the number is not called (fail closed).
//!
//! Must not: read the clock or the environment.

use std::collections::HashMap;

use jiff::tz::TimeZone;

use super::single_zone::SINGLE_ZONE;
use crate::campaign::Schedule;

/// Where a number's zone came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneSource {
    /// The row's `timezone` cell.
    Row,
    /// The number's country has a single zone.
    Country,
    /// The campaign's `schedule.timezone`.
    Campaign,
}

/// A number's zone.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The zone, or `None` when it cannot be loaded (the number must not be called).
    pub zone: Option<TimeZone>,
    /// The zone's IANA name.
    pub name: String,
    /// Which rule chose it.
    pub source: ZoneSource,
    /// The row named a zone that does not exist (flagged; the next rule was used).
    pub bad_row_zone: Option<String>,
}

/// The zone of a country with a single zone (ISO 3166 code, upper case).
pub fn single_zone_of(region: &str) -> Option<&'static str> {
    SINGLE_ZONE
        .binary_search_by(|(code, _)| code.cmp(&region))
        .ok()
        .map(|i| SINGLE_ZONE[i].1)
}

/// Places numbers in zones, loading each zone once.
#[derive(Debug, Default)]
pub struct Zones {
    loaded: HashMap<String, Option<TimeZone>>,
}

impl Zones {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn load(&mut self, name: &str) -> Option<TimeZone> {
        if let Some(tz) = self.loaded.get(name) {
            return tz.clone();
        }
        let tz = jiff::tz::db().get(name).ok();
        self.loaded.insert(name.to_string(), tz.clone());
        tz
    }

    /// Places a number: `row_zone` is its row's cell, `region` its country (ISO code).
    pub fn place(
        &mut self,
        row_zone: Option<&str>,
        region: Option<&str>,
        campaign: &Schedule,
    ) -> Placement {
        let mut bad_row_zone = None;
        if let Some(cell) = row_zone.map(str::trim).filter(|c| !c.is_empty()) {
            match self.load(cell) {
                Some(tz) => {
                    let name = tz.iana_name().unwrap_or(cell).to_string();
                    return Placement {
                        zone: Some(tz),
                        name,
                        source: ZoneSource::Row,
                        bad_row_zone,
                    };
                }
                None => bad_row_zone = Some(cell.to_string()),
            }
        }
        if let Some(name) = region.and_then(single_zone_of) {
            let zone = self.load(name);
            return Placement {
                zone,
                name: name.to_string(),
                source: ZoneSource::Country,
                bad_row_zone,
            };
        }
        Placement {
            zone: Some(campaign.timezone.clone()),
            name: campaign.timezone_name.clone(),
            source: ZoneSource::Campaign,
            bad_row_zone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign() -> Schedule {
        Schedule {
            timezone_name: "Asia/Shanghai".into(),
            timezone: jiff::tz::db().get("Asia/Shanghai").unwrap(),
            windows: vec![],
            holidays: vec![],
        }
    }

    #[test]
    fn the_table_is_sorted_and_every_zone_loads() {
        assert!(SINGLE_ZONE.windows(2).all(|w| w[0].0 < w[1].0));
        for (code, zone) in SINGLE_ZONE {
            assert!(
                jiff::tz::db().get(zone).is_ok(),
                "{code}: {zone} does not load"
            );
        }
        assert_eq!(single_zone_of("GB"), Some("Europe/London"));
        assert_eq!(single_zone_of("US"), None);
    }

    #[test]
    fn row_zone_then_country_then_campaign() {
        let mut z = Zones::new();
        let p = z.place(Some("America/Chicago"), Some("GB"), &campaign());
        assert_eq!(
            (p.name.as_str(), p.source),
            ("America/Chicago", ZoneSource::Row)
        );
        let p = z.place(None, Some("GB"), &campaign());
        assert_eq!(
            (p.name.as_str(), p.source),
            ("Europe/London", ZoneSource::Country)
        );
        let p = z.place(None, Some("US"), &campaign());
        assert_eq!(
            (p.name.as_str(), p.source),
            ("Asia/Shanghai", ZoneSource::Campaign)
        );
    }

    #[test]
    fn an_invalid_row_zone_is_flagged_and_the_next_rule_used() {
        let mut z = Zones::new();
        let p = z.place(Some("Mars/Olympus"), Some("US"), &campaign());
        assert_eq!(p.bad_row_zone.as_deref(), Some("Mars/Olympus"));
        assert_eq!(
            (p.name.as_str(), p.source),
            ("Asia/Shanghai", ZoneSource::Campaign)
        );
        assert!(p.zone.is_some());
    }
}
