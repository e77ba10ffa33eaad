//! Timestamps as stored: TEXT, RFC 3339 UTC with milliseconds, fixed width
//! (`YYYY-MM-DDTHH:MM:SS.sssZ`).
//!
//! Why fixed width: string order is then time order, so `WHERE next_due_at <= ?` and
//! `ORDER BY started_at` work on the text and its indexes, and sqlite's own date functions
//! (`julianday`, `strftime`) read the values. Sub-millisecond digits are truncated.

use jiff::Timestamp;

/// `ts` as stored: `2026-11-23T09:30:00.125Z`.
pub(crate) fn to_text(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S.%3fZ").to_string()
}

/// Parses a stored timestamp; `None` when the text is not one.
pub(crate) fn from_text(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_with_milliseconds_in_utc() {
        let ts: Timestamp = "2026-03-01T08:05:09.123456789+08:00".parse().unwrap();
        assert_eq!(to_text(ts), "2026-03-01T00:05:09.123Z");
        let whole: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        assert_eq!(to_text(whole), "2026-03-01T00:00:00.000Z");
    }

    #[test]
    fn round_trips_to_the_millisecond() {
        let ts: Timestamp = "2026-11-23T21:30:55.007Z".parse().unwrap();
        assert_eq!(from_text(&to_text(ts)), Some(ts));
        assert_eq!(from_text("yesterday"), None);
    }

    #[test]
    fn text_order_is_time_order() {
        let a: Timestamp = "2026-01-01T09:59:59.999Z".parse().unwrap();
        let b: Timestamp = "2026-01-01T10:00:00.000Z".parse().unwrap();
        assert!(to_text(a) < to_text(b));
    }
}
