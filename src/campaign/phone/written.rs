//! How a number was *written* in a cell: the lexical clean-up before libphonenumber sees it.
//!
//! Spreadsheets and CRMs decorate numbers in ways libphonenumber either rejects or, worse,
//! guesses at. This module turns one cell into a plain `[+]digits` form, or a [`Rejection`]:
//! - Unicode spaces (NBSP, thin, ideographic), zero-width marks and a stray BOM are ignored,
//!   as are the separators `- . / ( ) [ ]` and their full-width forms;
//! - full-width (`０-９`, `＋`) and other common script digits become ASCII digits;
//! - Excel's text markers (a leading `'`, or a `="..."` formula) are removed;
//! - a float artefact `.0` after an all-digit value (pandas, Excel -> CSV) is dropped;
//! - scientific notation (`8.6138E+12`) is rejected: the low digits are already lost;
//! - `tel:` URIs are read (RFC 3966: `;phone-context=+CC` is prepended, `;ext=` dropped);
//! - an extension (`x123`, `ext. 123`, `extension 123`, `#123`) is dropped;
//! - `(0)` written inside an international number is remembered, so the caller can try the
//!   number without it (`+44 (0)20 ...`) and, for plans that keep the zero (Italy), with it.
//!
//! Invariant: any other letter makes the cell [`Rejection::Junk`]. libphonenumber would map
//! letters to keypad digits (vanity numbers), but in contact lists a letter is far more often
//! a typo (`O` for `0`) than a vanity number, and guessing would dial a stranger.
//!
//! Must not: consult numbering-plan data (that is libphonenumber's job, in `phone.rs`).

use super::Rejection;

/// Digits beyond this cannot be a phone number, even with an international prefix in front.
const MAX_DIGITS: usize = 20;

/// One cell, cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Written {
    /// Written with a leading `+` (or a `tel:` global number): the country code follows.
    pub international: bool,
    /// ASCII digits only, extension removed.
    pub digits: String,
    /// Index in `digits` of a zero written as `(0)`, if any.
    pub trunk_zero_at: Option<usize>,
}

impl Written {
    /// Reads one cell.
    pub fn read(raw: &str) -> Result<Written, Rejection> {
        let cell = unwrap_spreadsheet(raw.trim_matches(is_space));
        if cell.is_empty() {
            return Err(Rejection::Blank);
        }
        if is_scientific(cell) {
            return Err(Rejection::ScientificNotation);
        }
        let cell = strip_float_artefact(cell);
        match strip_prefix_ignore_case(cell, "tel:") {
            Some(uri) => read_tel_uri(uri),
            None => lex(cell),
        }
    }

    /// The digits with the `(0)` zero removed, if one was written.
    pub fn without_trunk_zero(&self) -> Option<String> {
        let at = self.trunk_zero_at?;
        let mut digits = self.digits.clone();
        digits.remove(at);
        Some(digits)
    }
}

/// Removes Excel's text markers: `'0123` and `="0123"`.
fn unwrap_spreadsheet(cell: &str) -> &str {
    let cell = match cell.strip_prefix("=\"").and_then(|c| c.strip_suffix('"')) {
        Some(inner) => inner,
        None => cell,
    };
    let cell = cell.strip_prefix(['\'', '\u{2019}']).unwrap_or(cell);
    cell.trim_matches(is_space)
}

/// `8.6138E+12`, `1.23e10`, `8,61E+12` (a decimal comma): a spreadsheet showed a long number
/// in scientific notation and the CSV kept only what was shown.
fn is_scientific(cell: &str) -> bool {
    let body = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let Some((mantissa, exponent)) = body.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (whole, fraction) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction) && all_digits(exponent)
}

/// `8613800138000.0` is a float's rendering of `8613800138000`: keeping the `.0` as a
/// separator would append a digit and dial a different number.
fn strip_float_artefact(cell: &str) -> &str {
    match cell.strip_suffix(".0") {
        Some(head)
            if head.len() > 1
                && head
                    .strip_prefix('+')
                    .unwrap_or(head)
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
        {
            head
        }
        _ => cell,
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s[prefix.len()..].trim_start_matches(is_space))
}

/// RFC 3966: `tel:+44-20-7946-0958;ext=12` or `tel:7946-0958;phone-context=+44-20`.
fn read_tel_uri(uri: &str) -> Result<Written, Rejection> {
    let mut parts = uri.split(';');
    let number = parts.next().unwrap_or_default();
    let mut context = None;
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        if name.trim().eq_ignore_ascii_case("phone-context") && value.starts_with('+') {
            context = Some(value);
        }
        // `ext`, `isub` and unknown parameters do not change the number dialled.
    }
    let mut written = lex(number)?;
    if let (Some(context), false) = (context, written.international) {
        // A local number in a global context: the context's digits come first.
        let prefix = lex(context)?;
        written.trunk_zero_at = None;
        written.digits.insert_str(0, &prefix.digits);
        written.international = true;
    }
    Ok(written)
}

/// The character loop: digits, one leading plus, separators, `(0)`, then an extension.
fn lex(cell: &str) -> Result<Written, Rejection> {
    let mut written = Written {
        international: false,
        digits: String::with_capacity(cell.len().min(MAX_DIGITS)),
        trunk_zero_at: None,
    };
    let mut chars = cell.char_indices();
    while let Some((i, c)) = chars.next() {
        if let Some(d) = decimal_digit(c) {
            written.digits.push(d);
        } else if c == '+' || c == '\u{FF0B}' {
            if written.international || !written.digits.is_empty() {
                return Err(Rejection::Junk);
            }
            written.international = true;
        } else if c == '(' && cell[i + 1..].starts_with("0)") && written.international {
            written.trunk_zero_at = Some(written.digits.len());
            written.digits.push('0');
            chars.nth(1); // the `0)` just read
        } else if is_separator(c) {
        } else if is_extension_marker(&cell[i..]) && !written.digits.is_empty() {
            check_extension(&cell[i..])?;
            break;
        } else {
            return Err(Rejection::Junk);
        }
        if written.digits.len() > MAX_DIGITS {
            return Err(Rejection::TooLong);
        }
    }
    if written.digits.is_empty() {
        return Err(Rejection::Junk);
    }
    Ok(written)
}

/// `x`, `ext`, `ext.`, `extension` (any case) or `#` starts an extension.
fn is_extension_marker(rest: &str) -> bool {
    rest.starts_with('#')
        || rest
            .get(..1)
            .is_some_and(|head| head.eq_ignore_ascii_case("x"))
        || rest
            .get(..3)
            .is_some_and(|head| head.eq_ignore_ascii_case("ext"))
}

/// An extension is dropped, but it must look like one: the marker, then digits and
/// separators only. `555-1234 x12 (old)` is junk, not a number with a long extension.
fn check_extension(rest: &str) -> Result<(), Rejection> {
    let marker_len = ["extension", "ext", "x", "#"]
        .iter()
        .find(|m| {
            rest.get(..m.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(m))
        })
        .map_or(0, |m| m.len());
    let tail = rest[marker_len..].trim_start_matches(['.', ':', '=']);
    if tail
        .chars()
        .all(|c| decimal_digit(c).is_some() || is_separator(c) || c == '#')
    {
        Ok(())
    } else {
        Err(Rejection::Junk)
    }
}

/// The ASCII digit for a decimal digit of the scripts spreadsheets actually produce.
fn decimal_digit(c: char) -> Option<char> {
    if c.is_ascii_digit() {
        return Some(c);
    }
    const ZEROS: [u32; 7] = [
        0xFF10, // full-width (CJK input methods)
        0x0660, // Arabic-Indic
        0x06F0, // Extended Arabic-Indic (Persian, Urdu)
        0x0966, // Devanagari
        0x09E6, // Bengali
        0x0E50, // Thai
        0x1040, // Myanmar
    ];
    let code = u32::from(c);
    ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&code))
        .and_then(|&zero| char::from_digit(code - zero, 10))
}

/// Whitespace of any kind, plus the invisible marks that survive copy and paste.
fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Visual separators inside a number, ASCII and full-width.
fn is_separator(c: char) -> bool {
    is_space(c)
        || matches!(
            c,
            '-' | '.'
                | '/'
                | '('
                | ')'
                | '['
                | ']'
                | '~'
                | '\u{00AD}' // soft hyphen
                | '\u{2010}'
                ..='\u{2015}' // hyphens and dashes
                | '\u{2212}' // minus sign
                | '\u{30FC}' // katakana prolonged sound mark, used as a dash
                | '\u{FF08}' | '\u{FF09}' | '\u{FF0D}' | '\u{FF0E}' | '\u{FF0F}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(raw: &str) -> (bool, String) {
        let w = Written::read(raw).unwrap_or_else(|r| panic!("{raw:?}: {r:?}"));
        (w.international, w.digits)
    }

    #[test]
    fn separators_and_unicode_spaces_are_ignored() {
        assert_eq!(digits("(415) 555-2671"), (false, "4155552671".into()));
        assert_eq!(digits("415.555.2671"), (false, "4155552671".into()));
        assert_eq!(digits("415/555 2671"), (false, "4155552671".into()));
        assert_eq!(
            digits("\u{a0}+44\u{202f}20\u{2007}7946\u{3000}0958\u{200b}"),
            (true, "442079460958".into())
        );
        assert_eq!(
            digits("+1 415\u{2013}555\u{2011}2671"),
            (true, "14155552671".into())
        );
    }

    #[test]
    fn full_width_and_other_script_digits_become_ascii() {
        assert_eq!(
            digits("＋８６　１３８－００１３－８０００"),
            (true, "8613800138000".into())
        );
        assert_eq!(digits("٠١٢٣٤٥٦٧٨٩"), (false, "0123456789".into()));
    }

    #[test]
    fn spreadsheet_text_markers_are_removed() {
        assert_eq!(digits("'013800138000"), (false, "013800138000".into()));
        assert_eq!(digits("=\"013800138000\""), (false, "013800138000".into()));
        assert_eq!(digits("8613800138000.0"), (false, "8613800138000".into()));
    }

    #[test]
    fn scientific_notation_is_its_own_rejection() {
        for raw in ["8.6138E+12", "1.23e10", "8,61E+12", "1E9", "-2.5e-3"] {
            assert_eq!(
                Written::read(raw),
                Err(Rejection::ScientificNotation),
                "{raw}"
            );
        }
    }

    #[test]
    fn extensions_are_dropped_but_must_look_like_extensions() {
        for raw in [
            "415 555 2671 x123",
            "415 555 2671 ext. 123",
            "415-555-2671#123",
            "4155552671 Extension: 9",
            "415 555 2671 EXT123",
        ] {
            assert_eq!(digits(raw), (false, "4155552671".into()), "{raw}");
        }
        assert_eq!(
            Written::read("415 555 2671 x12 (old)"),
            Err(Rejection::Junk)
        );
        assert_eq!(Written::read("x123"), Err(Rejection::Junk));
    }

    #[test]
    fn letters_and_misplaced_plus_are_junk() {
        for raw in [
            "n/a",
            "unknown",
            "1-800-FLOWERS",
            "O2O 7946 0958",
            "44+20",
            "++44",
            "-",
            "()",
        ] {
            assert_eq!(Written::read(raw), Err(Rejection::Junk), "{raw}");
        }
        for raw in ["", "   ", "\u{a0}\u{feff}", "'"] {
            assert_eq!(Written::read(raw), Err(Rejection::Blank), "{raw:?}");
        }
    }

    #[test]
    fn tel_uris_are_read() {
        assert_eq!(
            digits("tel:+44-20-7946-0958;ext=12"),
            (true, "442079460958".into())
        );
        assert_eq!(digits("TEL:+1-415-555-2671"), (true, "14155552671".into()));
        assert_eq!(
            digits("tel:7946-0958;phone-context=+44-20"),
            (true, "442079460958".into())
        );
        assert_eq!(
            digits("tel:7946-0958;phone-context=example.com"),
            (false, "79460958".into())
        );
    }

    #[test]
    fn trunk_zero_in_parentheses_is_remembered_only_for_international_numbers() {
        let w = Written::read("+44 (0)20 7946 0958").unwrap();
        assert_eq!(w.digits, "4402079460958");
        assert_eq!(w.without_trunk_zero().as_deref(), Some("442079460958"));
        let w = Written::read("(0)20 7946 0958").unwrap();
        assert_eq!((w.digits.as_str(), w.trunk_zero_at), ("02079460958", None));
    }

    #[test]
    fn absurdly_long_digit_runs_stop_early() {
        assert_eq!(Written::read(&"9".repeat(1000)), Err(Rejection::TooLong));
    }
}
