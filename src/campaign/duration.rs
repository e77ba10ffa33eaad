//! Durations as written in campaign files: `500ms`, `30s`, `10m`, `1h30m`, `24h`, `7d`.
//!
//! A duration is one or more `<digits><unit>` parts, units `d`, `h`, `m`, `s`, `ms`, each unit at
//! most once and in that order (largest first), so `1h30m` reads one way only. Zero, negative,
//! fractional and unit-less values are rejected: a bare `30` is ambiguous (seconds? ms?), and a
//! zero timer would fire before anything could happen.
//!
//! Must not: accept anything it cannot print back unambiguously.

use std::time::Duration;

/// The forms a duration may take, quoted in every duration error.
pub const ACCEPTED_FORMS: &str = "a positive whole number with a unit: ms, s, m, h or d, largest first \
     (e.g. 500ms, 30s, 10m, 1h30m, 24h, 7d)";

/// Units in the order they must appear, with their length in milliseconds.
const UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not of the form `<digits><unit>...`.
    #[error("`{0}` is not a duration; expected {ACCEPTED_FORMS}")]
    Malformed(String),
    /// Parsed, but zero.
    #[error("`{0}` is zero; expected {ACCEPTED_FORMS}")]
    Zero(String),
    /// Too large to represent.
    #[error("`{0}` is too large")]
    Overflow(String),
}

/// Parses a campaign-file duration (see the module docs for the grammar).
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let malformed = || DurationError::Malformed(text.to_string());
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(malformed());
    }
    let mut total_ms: u64 = 0;
    // Index into UNITS of the next unit allowed: enforces "largest first, each once".
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(malformed());
        }
        let amount: u64 = rest[..digits]
            .parse()
            .map_err(|_| DurationError::Overflow(text.to_string()))?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let position = UNITS[next_unit..]
            .iter()
            .position(|(name, _)| *name == unit)
            .ok_or_else(malformed)?;
        let (_, unit_ms) = UNITS[next_unit + position];
        next_unit += position + 1;
        total_ms = amount
            .checked_mul(unit_ms)
            .and_then(|ms| total_ms.checked_add(ms))
            .ok_or_else(|| DurationError::Overflow(text.to_string()))?;
    }
    if total_ms == 0 {
        return Err(DurationError::Zero(text.to_string()));
    }
    Ok(Duration::from_millis(total_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_documented_form() {
        let cases = [
            ("500ms", 500),
            ("30s", 30_000),
            ("10m", 600_000),
            ("1h30m", 5_400_000),
            ("24h", 86_400_000),
            ("7d", 604_800_000),
            ("1d2h3m4s5ms", 93_784_005),
            (" 5s ", 5_000),
        ];
        for (text, ms) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(ms)),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_zero_negative_and_garbage_with_the_forms() {
        for text in [
            "", "30", "-5s", "1.5s", "5 s", "abc", "30x", "5sec", "m", "30m1h", "1m1m",
        ] {
            let err = parse_duration(text).unwrap_err();
            assert!(
                matches!(err, DurationError::Malformed(_)),
                "{text}: {err:?}"
            );
            assert!(err.to_string().contains("500ms, 30s"), "{err}");
        }
        assert!(matches!(parse_duration("0s"), Err(DurationError::Zero(_))));
        assert!(matches!(
            parse_duration("0h0m"),
            Err(DurationError::Zero(_))
        ));
        assert!(matches!(
            parse_duration("99999999999999999999d"),
            Err(DurationError::Overflow(_))
        ));
        assert!(matches!(
            parse_duration("999999999999999d"),
            Err(DurationError::Overflow(_))
        ));
    }
}
