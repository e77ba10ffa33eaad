//! Phone numbers -> E.164. PLACEHOLDER: the numbers work replaces the body of `normalize`
//! with rlibphonenumber; the types and the signature are the contract other modules use.

use std::fmt;

/// A normalised, dialable phone number in E.164 form (`+` and 8-15 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// The number as `+CC...`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a string already known to be E.164 (read back from the database).
    pub fn from_trusted(s: impl Into<String>) -> Self {
        E164(s.into())
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a raw value is not a dialable number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// Empty or whitespace only.
    Blank,
    /// Not a number at all.
    Junk,
    /// Too few digits.
    TooShort,
    /// Too many digits.
    TooLong,
    /// A country code no country uses.
    UnknownCountry,
    /// A national number and no `default_region` to place it.
    NoRegion,
    /// Spreadsheet scientific notation (`8.61E+12`): digits were lost.
    ScientificNotation,
    /// An emergency or service number (911, 112, 999, ...): never dialable.
    Emergency,
    /// Parsed, but not a valid number in its country's plan.
    Invalid,
}

impl Rejection {
    /// A stable machine-readable reason (used in `--list`, JSON and the database).
    pub fn reason(self) -> &'static str {
        match self {
            Rejection::Blank => "blank",
            Rejection::Junk => "junk",
            Rejection::TooShort => "too-short",
            Rejection::TooLong => "too-long",
            Rejection::UnknownCountry => "unknown-country-code",
            Rejection::NoRegion => "no-region",
            Rejection::ScientificNotation => "scientific-notation",
            Rejection::Emergency => "emergency-or-service-number",
            Rejection::Invalid => "invalid-number",
        }
    }
}

/// Normalises `raw` to E.164, placing national numbers in `default_region` (ISO 3166 alpha-2).
pub fn normalize(raw: &str, _default_region: Option<&str>) -> Result<E164, Rejection> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Rejection::Blank);
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if t.starts_with('+') && (8..=15).contains(&digits.len()) {
        Ok(E164(format!("+{digits}")))
    } else {
        Err(Rejection::Invalid)
    }
}
