//! Phone numbers -> E.164: [`normalize`] one spreadsheet cell, [`region_of`] a number.
//!
//! The only file that names rlibphonenumber (Google's libphonenumber metadata). A cell goes
//! through three steps:
//! 1. `written`: lexical clean-up of what spreadsheets do to numbers (Unicode spaces,
//!    full-width digits, `'` and `="…"` text markers, `tel:` URIs, extensions, `(0)`);
//!    letters, scientific notation and blanks are rejected here;
//! 2. `service_codes` (+ the generated `emergency_codes`): emergency and service short codes
//!    (911, 112, 110, 15, 116xxx, every region's emergency numbers in libphonenumber)
//!    are rejected before and after parsing, so they can never be dialled;
//! 3. rlibphonenumber parses with `default_region` (which also strips `00`/`011` when that
//!    region dials abroad that way) and `is_valid` decides: a parse alone proves nothing.
//!    Clean digits with a plain country code skip the parser (`direct`: ~0.5 µs instead of
//!    ~1.7 µs) but never its verdict: only a valid number leaves that way, anything else is
//!    parsed, and a test holds the two paths to the same answer for every example number of
//!    every region.
//!
//! Invariants: every [`E164`] returned by [`normalize`] is valid for its country's plan and
//! is not a service code; a national number is never guessed into a country when
//! `default_region` is absent or unknown ([`Rejection::NoRegion`]).
//!
//! Must not: read files, the clock or the environment, or log (the raw value may be personal
//! data; callers decide what to report).

use std::fmt;

use rlibphonenumber::{PHONE_NUMBER_UTIL, ParseError, PhoneNumber, PhoneNumberFormat, Region};
use rlibphonenumber::{ValidationError, get_national_significant_number_owned};

mod emergency_codes;
mod service_codes;
mod written;

use written::Written;

/// A normalised, dialable phone number in E.164 form: `+`, the country code and the
/// national significant number, at most 15 digits in all.
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

/// Normalises `raw` to E.164, placing national numbers in `default_region` (ISO 3166 alpha-2,
/// any case; an unknown region is treated as absent).
///
/// Returns the reason when the cell is not a dialable number: see [`Rejection`].
pub fn normalize(raw: &str, default_region: Option<&str>) -> Result<E164, Rejection> {
    normalize_with(raw, default_region, true)
}

/// [`normalize`] without its fast path: every cell goes through libphonenumber's parser.
/// The reference the fast path is checked against (tests, `benches/numbers.rs --check`).
#[doc(hidden)]
pub fn normalize_by_parsing(raw: &str, default_region: Option<&str>) -> Result<E164, Rejection> {
    normalize_with(raw, default_region, false)
}

fn normalize_with(raw: &str, default_region: Option<&str>, fast: bool) -> Result<E164, Rejection> {
    let written = Written::read(raw)?;
    let region = default_region.and_then(known_region);
    if !written.international {
        let Some(region) = region else {
            return Err(Rejection::NoRegion);
        };
        reject_national_service_code(&written.digits, region)?;
    }
    if fast && let Some(number) = direct(&written, region) {
        return Ok(number);
    }
    match parse_valid(&written, &written.digits, region) {
        // `+44 (0)20 ...`: the zero was a trunk prefix; try again without it. Plans that keep
        // the zero after the country code (Italy) succeed on the first try.
        Err(first) if written.trunk_zero_at.is_some() => written
            .without_trunk_zero()
            .map_or(Err(first), |digits| parse_valid(&written, &digits, region)),
        result => result,
    }
}

/// The fast path, for the common case of clean digits whose country code is plain to see.
///
/// libphonenumber's `parse` costs about 1.1 µs, most of it regular expressions for things
/// `written` has already removed (punctuation, extensions, alpha characters); `is_valid` on
/// a number built from the digits costs under 0.1 µs. So: take the country code (written, or
/// the region's), build the number and accept it only if it is valid. Anything else (an
/// invalid result, a national number starting with a trunk or carrier prefix, a leading
/// zero, `(0)`, a short code) returns `None` and goes through the full parser, which is the
/// authority; `tests::fast_path_agrees_with_the_parser` holds the two together.
fn direct(written: &Written, region: Option<Region>) -> Option<E164> {
    if written.trunk_zero_at.is_some() {
        return None;
    }
    let digits = written.digits.as_str();
    let (calling_code, national) = if written.international {
        split_country_code(digits)?
    } else {
        let code = PHONE_NUMBER_UTIL.get_country_code_for_region(region?)?;
        // National prefixes: `0` nearly everywhere, `1` in NANP, `8` in Russia and Kazakhstan.
        let prefix = match code {
            1 => '1',
            7 => '8',
            _ => '0',
        };
        if digits.starts_with(prefix) {
            return None;
        }
        (code, digits)
    };
    // Leading zeros (Italy) and short numbers (service codes) take the careful path.
    if national.len() <= 6 || national.starts_with('0') {
        return None;
    }
    let number = PhoneNumber {
        country_code: calling_code,
        national_number: national.parse().ok()?,
        ..PhoneNumber::default()
    };
    // `is_valid` first finds the number's region by trying each region of the country code
    // in order, then checks the number against that region's plan. When the code's main
    // region (the first tried) accepts the number, that search would stop there, so asking
    // the main region directly is the same verdict at half the cost for +1, +7, +44 ...
    let main = PHONE_NUMBER_UTIL.get_region_for_country_code(calling_code)?;
    let valid = number.is_valid_for_region(main) || number.is_valid();
    valid.then(|| E164(format!("+{calling_code}{national}")))
}

/// The ISO 3166 region of a valid number (`"US"`, `"CN"`), or `None` for non-geographic
/// numbers (`+800`, `+882`, ...) and anything that is not `+digits` with a known country code.
///
/// Cheap (no parsing): the country code is read off the digits; only codes shared by several
/// regions (`+1`, `+7`, `+44`, ...) consult the numbering plan.
pub fn region_of(e164: &E164) -> Option<String> {
    let digits = e164.as_str().strip_prefix('+')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (code, national) = split_country_code(digits)?;
    let mut regions = PHONE_NUMBER_UTIL.get_regions_for_country_calling_code(code)?;
    let region = if regions.len() == 1 {
        regions.next()?
    } else {
        let number = PhoneNumber {
            country_code: code,
            national_number: national.parse().ok()?,
            italian_leading_zero: national.starts_with('0').then_some(true),
            ..PhoneNumber::default()
        };
        number.get_region_code()?
    };
    (region != Region::World).then(|| region.as_region_str().to_string())
}

/// `8613800138000` -> (86, `13800138000`): country codes are prefix-free, 1 to 3 digits.
fn split_country_code(digits: &str) -> Option<(i32, &str)> {
    (1..=3).find_map(|len| {
        let code: i32 = digits.get(..len)?.parse().ok()?;
        PHONE_NUMBER_UTIL
            .get_region_for_country_code(code)
            .map(|_| (code, &digits[len..]))
    })
}

/// True when `code` names a region with a numbering plan (`"CN"`, `"gb"`): the check for a
/// campaign's `default_region`.
pub fn region_is_known(code: &str) -> bool {
    known_region(code).is_some()
}

/// The region for `code`, if libphonenumber has a plan for it.
fn known_region(code: &str) -> Option<Region> {
    let region = Region::from_code(code.trim()).ok()?;
    PHONE_NUMBER_UTIL
        .get_country_code_for_region(region)
        .map(|_| region)
}

/// A national digit string that is a service code of `region`, also when written after a
/// trunk prefix (`0112` in Germany, `1911` in the US). rlibphonenumber does not expose
/// national prefixes, so only the common ones (`1` in NANP, `0` elsewhere) are tried, and
/// only in front of a code of at most three digits: longer strings such as Turin's
/// `011 6000` are real numbers, not `116000` behind a zero.
fn reject_national_service_code(digits: &str, region: Region) -> Result<(), Rejection> {
    let Some(calling_code) = PHONE_NUMBER_UTIL.get_country_code_for_region(region) else {
        return Ok(());
    };
    let trunk = if calling_code == 1 { '1' } else { '0' };
    let after_trunk = digits.strip_prefix(trunk).filter(|rest| rest.len() <= 3);
    let service = service_codes::is_service_code(calling_code, digits)
        || after_trunk.is_some_and(|rest| service_codes::is_service_code(calling_code, rest));
    if service {
        Err(Rejection::Emergency)
    } else {
        Ok(())
    }
}

/// Parses `digits` as written and keeps it only if it is valid and not a service code.
fn parse_valid(written: &Written, digits: &str, region: Option<Region>) -> Result<E164, Rejection> {
    let number = if written.international {
        PHONE_NUMBER_UTIL.parse(format!("+{digits}"), region)
    } else {
        PHONE_NUMBER_UTIL.parse(digits, region)
    }
    .map_err(|error| parse_rejection(error, digits))?;
    // Short codes are at most six digits: only then is the national number worth a look.
    if number.national_number < 1_000_000 {
        let national = get_national_significant_number_owned(&number);
        if service_codes::is_service_code(number.country_code, &national) {
            return Err(Rejection::Emergency);
        }
    }
    if !number.is_valid() {
        return Err(invalid_rejection(&number));
    }
    Ok(E164(number.format_as(PhoneNumberFormat::E164).into_owned()))
}

fn parse_rejection(error: ParseError, digits: &str) -> Rejection {
    match error {
        ParseError::InvalidCountryCode => Rejection::UnknownCountry,
        // `written` already removed everything but digits: what libphonenumber still calls
        // "not a number" is a string too short to be one (it wants at least three digits).
        ParseError::NotANumber(_) if digits.len() < 3 => Rejection::TooShort,
        ParseError::NotANumber(_) => Rejection::Invalid,
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn => Rejection::TooShort,
        ParseError::TooLongNsn => Rejection::TooLong,
    }
}

/// Why a parsed number is not valid, as precisely as its length tells.
fn invalid_rejection(number: &PhoneNumber) -> Rejection {
    match number.is_possible_with_reason() {
        Err(ValidationError::TooShort) => Rejection::TooShort,
        Err(ValidationError::TooLong) => Rejection::TooLong,
        Err(ValidationError::InvalidCountryCode) => Rejection::UnknownCountry,
        Err(ValidationError::InvalidLength) | Ok(_) => Rejection::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str, region: Option<&str>) -> String {
        match normalize(raw, region) {
            Ok(e164) => e164.to_string(),
            Err(rejection) => panic!("{raw:?} in {region:?}: {rejection:?}"),
        }
    }

    fn err(raw: &str, region: Option<&str>) -> Rejection {
        match normalize(raw, region) {
            Ok(e164) => panic!("{raw:?} in {region:?} accepted as {e164}"),
            Err(rejection) => rejection,
        }
    }

    #[test]
    fn national_formats_use_the_default_region() {
        assert_eq!(ok("(201) 555-0123", Some("US")), "+12015550123");
        assert_eq!(ok("1 (201) 555-0123", Some("US")), "+12015550123");
        assert_eq!(ok("138 0013 8000", Some("CN")), "+8613800138000");
        assert_eq!(ok("020 7946 0958", Some("GB")), "+442079460958");
        assert_eq!(ok("03-1234-5678", Some("JP")), "+81312345678");
        assert_eq!(ok("8 912 345 67 89", Some("RU")), "+79123456789");
        assert_eq!(ok("13800138000", Some("cn")), "+8613800138000");
    }

    #[test]
    fn international_formats_ignore_the_default_region() {
        assert_eq!(ok("+86 138 0013 8000", None), "+8613800138000");
        assert_eq!(ok("+44 20 7946 0958", Some("US")), "+442079460958");
        assert_eq!(ok("+6834002", None), "+6834002"); // Niue: E.164 numbers can be short
    }

    #[test]
    fn international_prefixes_follow_the_region() {
        assert_eq!(ok("011 44 20 7946 0958", Some("US")), "+442079460958");
        assert_eq!(ok("0044 20 7946 0958", Some("GB")), "+442079460958");
        assert_eq!(ok("00 44 20 7946 0958", Some("CN")), "+442079460958");
        // `00` is not how the US dials abroad: a 14-digit US national number is too long.
        assert_eq!(err("00 44 20 7946 0958", Some("US")), Rejection::TooLong);
    }

    #[test]
    fn trunk_zero_in_parentheses() {
        assert_eq!(ok("+44 (0)20 7946 0958", None), "+442079460958");
        assert_eq!(ok("+49 (0)30 123456", None), "+4930123456");
        // Italy keeps the zero after the country code.
        assert_eq!(ok("+39 (0)2 1234 5678", None), "+390212345678");
    }

    #[test]
    fn spreadsheet_decorations() {
        assert_eq!(ok("'13800138000", Some("CN")), "+8613800138000");
        assert_eq!(
            ok("＋８６　１３８　００１３　８０００", None),
            "+8613800138000"
        );
        assert_eq!(
            ok("+1\u{a0}201\u{202f}555\u{2011}0123", None),
            "+12015550123"
        );
        assert_eq!(ok("tel:+1-201-555-0123;ext=5", None), "+12015550123");
        assert_eq!(ok("(201) 555-0123 ext. 44", Some("US")), "+12015550123");
        assert_eq!(ok("201.555.0123 #7", Some("US")), "+12015550123");
        assert_eq!(err("8.6138E+12", Some("CN")), Rejection::ScientificNotation);
    }

    #[test]
    fn national_numbers_need_a_known_region() {
        assert_eq!(err("138 0013 8000", None), Rejection::NoRegion);
        assert_eq!(err("138 0013 8000", Some("XX")), Rejection::NoRegion);
        assert_eq!(err("0044 20 7946 0958", None), Rejection::NoRegion);
    }

    #[test]
    fn rejections_say_why() {
        assert_eq!(err("  ", Some("US")), Rejection::Blank);
        assert_eq!(err("call me", Some("US")), Rejection::Junk);
        assert_eq!(err("12", Some("US")), Rejection::TooShort);
        assert_eq!(err("1", Some("US")), Rejection::TooShort);
        assert_eq!(err("+86 138", None), Rejection::TooShort);
        assert_eq!(err("+1 201 555 012", None), Rejection::TooShort);
        assert_eq!(err("+1 201 555 01234", None), Rejection::TooLong);
        assert_eq!(err("+999 1234 5678", None), Rejection::UnknownCountry);
        assert_eq!(err("+1 555 555 5555", None), Rejection::Invalid);
    }

    #[test]
    fn emergency_and_service_numbers_are_never_dialable() {
        let national = [
            ("911", "US"),
            ("411", "US"),
            ("1911", "US"),
            ("988", "US"),
            ("112", "DE"),
            ("0112", "DE"),
            ("110", "DE"),
            ("999", "GB"),
            ("101", "GB"),
            ("116123", "GB"),
            ("000", "AU"),
            ("110", "CN"),
            ("119", "CN"),
            ("120", "CN"),
            ("122", "CN"),
            ("112", "CN"),
            ("15", "FR"),
            ("17", "FR"),
            ("18", "FR"),
            ("116000", "FR"),
            ("100", "IN"),
            ("108", "IN"),
            ("110", "JP"),
            ("119", "JP"),
            ("911", "MX"),
        ];
        for (raw, region) in national {
            assert_eq!(
                err(raw, Some(region)),
                Rejection::Emergency,
                "{raw} in {region}"
            );
        }
        for raw in [
            "+1 911",
            "+33 15",
            "+61 000",
            "+86 120",
            "+44 999",
            "+49 116117",
            "+91 102",
        ] {
            assert_eq!(err(raw, None), Rejection::Emergency, "{raw}");
        }
        assert_eq!(err("tel:911", Some("US")), Rejection::Emergency);
        assert_eq!(err("9-1-1", Some("US")), Rejection::Emergency);
    }

    /// Every example number of every region and type, with its region code.
    fn example_numbers() -> Vec<(String, PhoneNumber)> {
        let mut out = Vec::new();
        for region in PHONE_NUMBER_UTIL.get_supported_regions() {
            let code = region.as_region_str().to_string();
            let types = PHONE_NUMBER_UTIL.get_supported_types_for_region(region);
            for kind in types.into_iter().flatten() {
                if let Ok(example) =
                    PHONE_NUMBER_UTIL.get_example_number_for_type_and_region(region, kind)
                {
                    out.push((code.clone(), example));
                }
            }
        }
        out
    }

    /// The fast path must give the parser's answer for every valid example number of every
    /// region and type, written internationally and nationally.
    #[test]
    fn fast_path_agrees_with_the_parser() {
        let mut checked = 0;
        for (code, example) in example_numbers() {
            for format in [PhoneNumberFormat::E164, PhoneNumberFormat::National] {
                let raw = example.format_as(format);
                let fast = normalize(&raw, Some(&code));
                let slow = normalize_by_parsing(&raw, Some(&code));
                assert_eq!(fast, slow, "{raw} in {code}");
                checked += 1;
            }
        }
        assert!(checked > 2000, "only {checked} examples");
    }

    /// The emergency tables match whole short numbers only: no valid example number of any
    /// region and type is mistaken for one.
    #[test]
    fn no_example_number_is_taken_for_an_emergency_number() {
        for (code, example) in example_numbers() {
            let raw = example.format_as(PhoneNumberFormat::E164);
            let verdict = normalize(&raw, Some(&code));
            assert_ne!(verdict, Err(Rejection::Emergency), "{raw} in {code}");
        }
    }

    #[test]
    fn regions() {
        assert!(region_is_known("CN") && region_is_known("us") && region_is_known("GB"));
        assert!(!region_is_known("XX") && !region_is_known("001") && !region_is_known("USA"));
        assert_eq!(
            region_of(&E164::from_trusted("+8613800138000")).as_deref(),
            Some("CN")
        );
        assert_eq!(
            region_of(&E164::from_trusted("+12015550123")).as_deref(),
            Some("US")
        );
        assert_eq!(region_of(&E164::from_trusted("+80012345678")), None);
        assert_eq!(region_of(&E164::from_trusted("garbage")), None);
        assert_eq!(region_of(&E164::from_trusted("+999123")), None);
        // Shared country codes are resolved by the plan.
        assert_eq!(
            region_of(&E164::from_trusted("+14165550123")).as_deref(),
            Some("CA")
        );
        assert_eq!(
            region_of(&E164::from_trusted("+77011234567")).as_deref(),
            Some("KZ")
        );
        assert_eq!(
            region_of(&E164::from_trusted("+79123456789")).as_deref(),
            Some("RU")
        );
        assert_eq!(
            region_of(&E164::from_trusted("+441481256789")).as_deref(),
            Some("GG")
        );
    }
}
