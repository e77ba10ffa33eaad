//! Per-number limits across campaigns: at most `max_calls` attempts in any sliding window of
//! length `per`, for every limit at once.
//!
//! Must not: read the clock or the database; the attempt history is passed in.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::campaign::NumberLimit;

fn back(now: Timestamp, per: Duration) -> Timestamp {
    let per = SignedDuration::try_from(per).unwrap_or(SignedDuration::MAX);
    now.saturating_sub(per).unwrap_or(Timestamp::MIN)
}

/// When the number may next be called, or `None` if it may be called now. `history` holds
/// the start times of its earlier attempts, in any order.
pub fn capped_until(
    limits: &[NumberLimit],
    history: &[Timestamp],
    now: Timestamp,
) -> Option<Timestamp> {
    let mut until: Option<Timestamp> = None;
    for limit in limits {
        let since = back(now, limit.per);
        let mut recent: Vec<Timestamp> = history
            .iter()
            .copied()
            // An attempt stamped after `now` (a clock running ahead) still counts: erring
            // towards not calling is the safe side of a limit.
            .filter(|&t| t > since)
            .collect();
        if (recent.len() as u64) < u64::from(limit.max_calls) {
            continue;
        }
        // Over the limit: a slot frees when enough of the recent attempts age out, i.e. when
        // the (len - max_calls + 1)-th oldest one is `per` old.
        recent.sort_unstable();
        let oldest_to_expire = recent[recent.len() - limit.max_calls as usize];
        let per = SignedDuration::try_from(limit.per).unwrap_or(SignedDuration::MAX);
        let frees = oldest_to_expire
            .saturating_add(per)
            .unwrap_or(Timestamp::MAX);
        until = Some(until.map_or(frees, |u| u.max(frees)));
    }
    until
}

/// The longest window among `limits`: how much history the caller must load.
pub fn longest(limits: &[NumberLimit]) -> Option<Duration> {
    limits.iter().map(|l| l.per).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn limit(max_calls: u32, hours: u64) -> NumberLimit {
        NumberLimit {
            max_calls,
            per: Duration::from_secs(hours * 3600),
        }
    }

    #[test]
    fn under_every_limit_is_not_capped() {
        let limits = [limit(1, 24), limit(3, 168)];
        assert_eq!(capped_until(&limits, &[], ts("2026-11-23T12:00:00Z")), None);
        let old = [ts("2026-11-20T12:00:00Z")];
        assert_eq!(
            capped_until(&limits, &old, ts("2026-11-23T12:00:00Z")),
            None
        );
        assert_eq!(capped_until(&[], &old, ts("2026-11-20T12:00:01Z")), None);
    }

    #[test]
    fn one_a_day_frees_24_hours_after_the_attempt() {
        let limits = [limit(1, 24)];
        let history = [ts("2026-11-23T10:00:00Z")];
        let until = capped_until(&limits, &history, ts("2026-11-23T12:00:00Z"));
        assert_eq!(until, Some(ts("2026-11-24T10:00:00Z")));
        // Exactly 24 h later the attempt has left the window.
        assert_eq!(
            capped_until(&limits, &history, ts("2026-11-24T10:00:00Z")),
            None
        );
    }

    #[test]
    fn the_strictest_of_several_limits_wins() {
        let limits = [limit(2, 24), limit(3, 168)];
        let history = [
            ts("2026-11-18T09:00:00Z"),
            ts("2026-11-20T09:00:00Z"),
            ts("2026-11-23T09:00:00Z"),
        ];
        // Daily limit fine (1 today), weekly limit full: frees when 2026-11-18 ages out.
        let until = capped_until(&limits, &history, ts("2026-11-23T12:00:00Z"));
        assert_eq!(until, Some(ts("2026-11-25T09:00:00Z")));
    }

    #[test]
    fn history_order_does_not_matter() {
        let limits = [limit(2, 24)];
        let a = [
            ts("2026-11-23T08:00:00Z"),
            ts("2026-11-23T11:00:00Z"),
            ts("2026-11-23T09:00:00Z"),
        ];
        let until = capped_until(&limits, &a, ts("2026-11-23T12:00:00Z"));
        // Three in the window, two allowed: two must age out, the second oldest at 09:00.
        assert_eq!(until, Some(ts("2026-11-24T09:00:00Z")));
    }

    #[test]
    fn an_attempt_stamped_in_the_future_still_counts() {
        let limits = [limit(1, 24)];
        let ahead = [ts("2026-11-23T12:05:00Z")];
        assert!(capped_until(&limits, &ahead, ts("2026-11-23T12:00:00Z")).is_some());
    }
}
