//! The numbers file end to end through the library: real CSV files in tests/data/numbers/
//! (one per spreadsheet quirk) -> `NumbersReader` -> `phone::normalize` -> `Seen`.
//!
//! Each test states the whole outcome of its file, row by row: the line, and either the E.164
//! number, `duplicate`, or the rejection reason. A reader or normaliser that drops, merges,
//! misplaces or misreads a row changes that list.

use std::path::PathBuf;

use dialer::campaign::numbers::{NumberRecord, NumbersError, NumbersReader, Seen};
use dialer::campaign::{ColumnRef, phone};

fn data(name: &str) -> PathBuf {
    crate::common::repo_root()
        .join("tests/data/numbers")
        .join(name)
}

fn records(name: &str, column: ColumnRef) -> Vec<NumberRecord> {
    NumbersReader::open(&data(name), &column)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// (line, verdict) for every row: the E.164 number, `duplicate`, or the rejection reason.
fn verdicts(name: &str, column: ColumnRef, region: Option<&str>) -> Vec<(u64, String)> {
    let mut seen = Seen::new();
    records(name, column)
        .into_iter()
        .map(|r| {
            let verdict = match phone::normalize(&r.raw, region) {
                Ok(number) if seen.insert(&number) => number.to_string(),
                Ok(_) => "duplicate".to_string(),
                Err(rejection) => rejection.reason().to_string(),
            };
            (r.line, verdict)
        })
        .collect()
}

fn expect(rows: &[(u64, &str)]) -> Vec<(u64, String)> {
    rows.iter().map(|&(l, v)| (l, v.to_string())).collect()
}

fn open_error(name: &str, column: ColumnRef) -> NumbersError {
    match NumbersReader::open(&data(name), &column) {
        Err(e) => e,
        Ok(reader) => reader
            .filter_map(Result::err)
            .next()
            .unwrap_or_else(|| panic!("{name} read without an error")),
    }
}

#[test]
fn utf8_bom_is_not_part_of_the_header() {
    let reader = NumbersReader::open(&data("bom.csv"), &ColumnRef::Name("phone".into())).unwrap();
    assert_eq!(reader.headers().unwrap(), ["phone", "name"]);
    assert_eq!(
        verdicts("bom.csv", ColumnRef::Name("phone".into()), Some("CN")),
        expect(&[(2, "+8613800138000"), (3, "+8613800138001")])
    );
}

#[test]
fn crlf_and_classic_mac_line_ends() {
    assert_eq!(
        verdicts("crlf.csv", ColumnRef::First, Some("US")),
        expect(&[(2, "+12015550123"), (3, "+12015550124")])
    );
    assert_eq!(
        verdicts("mac_cr.csv", ColumnRef::First, None),
        expect(&[(2, "+442079460958"), (3, "+442079460959")])
    );
    let rows = records("crlf.csv", ColumnRef::First);
    assert_eq!(
        rows[0].extra[1].1, "New York",
        "no stray \\r in the last cell"
    );
}

#[test]
fn quoted_commas_quotes_and_newlines() {
    let rows = records("quoted.csv", ColumnRef::First);
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 4, 5, 8], "a record's line is where it starts");
    assert_eq!(rows[0].extra[0].1, "Li, Wei");
    assert_eq!(rows[0].extra[1].1, "call after 6pm,\nnot on Sundays");
    assert_eq!(rows[1].extra[0].1, "Bob \"Ace\" Smith");
    assert_eq!(rows[2].extra[1].1, "three\r\nline\r\nnote");
    assert_eq!(
        verdicts("quoted.csv", ColumnRef::First, Some("CN")),
        expect(&[
            (2, "+8613800138000"),
            (4, "+8613800138001"),
            (5, "+8613800138002"),
            (8, "+8613800138003"),
        ])
    );
}

#[test]
fn ragged_rows_keep_what_they_have() {
    let rows = records("ragged.csv", ColumnRef::First);
    let extras: Vec<Vec<(&str, &str)>> = rows
        .iter()
        .map(|r| r.extra.iter().map(|(n, v)| (&**n, v.as_str())).collect())
        .collect();
    assert_eq!(
        extras,
        [
            vec![],
            vec![("name", "Li")],
            vec![
                ("name", "Wang"),
                ("city", "Beijing"),
                ("col4", "VIP"),
                ("col5", "extra")
            ],
            vec![("name", "OnlyName")],
        ]
    );
    assert_eq!(
        verdicts("ragged.csv", ColumnRef::First, Some("CN")),
        expect(&[
            (2, "+8613800138000"),
            (3, "+8613800138001"),
            (4, "+8613800138002"),
            (5, "blank")
        ])
    );
}

#[test]
fn blank_and_whitespace_lines_are_reported_as_blank_rows() {
    assert_eq!(
        verdicts("blank_lines.csv", ColumnRef::First, Some("CN")),
        expect(&[
            (2, "blank"),
            (3, "+8613800138000"),
            (4, "blank"),
            (5, "blank"),
            (6, "blank"),
            (7, "+8613800138001"),
            (8, "blank"),
        ])
    );
    let rows = records("blank_lines.csv", ColumnRef::First);
    assert_eq!(rows.iter().filter(|r| r.is_blank_row()).count(), 5);
}

#[test]
fn a_file_without_a_header_starts_with_data() {
    let reader = NumbersReader::open(&data("no_header.csv"), &ColumnRef::First).unwrap();
    assert!(reader.headers().is_none());
    let rows = records("no_header.csv", ColumnRef::First);
    assert_eq!(rows[1].extra[1], ("col3".into(), "Shanghai".to_string()));
    assert_eq!(
        verdicts("no_header.csv", ColumnRef::First, Some("CN")),
        expect(&[(1, "+8613800138000"), (2, "+8613800138001")])
    );
}

#[test]
fn the_column_by_index_or_by_name() {
    let want = expect(&[(2, "+8613800138000"), (3, "+8613800138001")]);
    assert_eq!(
        verdicts("index_column.csv", ColumnRef::Index(3), Some("CN")),
        want
    );
    assert_eq!(
        verdicts(
            "index_column.csv",
            ColumnRef::Name(" Mobile ".into()),
            Some("CN")
        ),
        want
    );
    // The first column holds names: the first row is a header (no digits) and every number
    // cell is junk, which is what the operator should see.
    let by_default = verdicts("index_column.csv", ColumnRef::First, Some("CN"));
    assert_eq!(by_default, expect(&[(2, "junk"), (3, "junk")]));
}

#[test]
fn a_missing_column_lists_the_header() {
    let e = open_error("index_column.csv", ColumnRef::Name("phone".into()));
    let text = e.to_string();
    assert!(text.ends_with("index_column.csv:1: no column named \"phone\"; the header has: \"name\", \"city\", \"mobile\""), "{text}");
    let e = open_error("index_column.csv", ColumnRef::Index(4));
    assert!(
        e.to_string()
            .contains(":1: column 4 does not exist; valid: 1 to 3"),
        "{e}"
    );
}

#[test]
fn a_timezone_column_is_carried_not_kept_as_extra() {
    let rows = records("timezone.csv", ColumnRef::Name("phone".into()));
    let zones: Vec<Option<&str>> = rows.iter().map(|r| r.timezone.as_deref()).collect();
    assert_eq!(
        zones,
        [Some("America/New_York"), Some("America/Los_Angeles"), None]
    );
    assert!(
        rows.iter()
            .all(|r| r.extra.len() == 1 && &*r.extra[0].0 == "name")
    );
}

#[test]
fn not_utf8_is_located_and_suggests_a_fix() {
    let e = open_error("latin1.csv", ColumnRef::First);
    assert!(
        matches!(
            e,
            NumbersError::NotUtf8 {
                line: 3,
                field: 2,
                ..
            }
        ),
        "{e}"
    );
    let text = e.to_string();
    assert!(
        text.contains("latin1.csv:3: field 2 is not valid UTF-8"),
        "{text}"
    );
    assert!(text.contains("CSV UTF-8"), "{text}");
    let e = open_error("utf16.csv", ColumnRef::First);
    assert!(
        e.to_string()
            .ends_with("utf16.csv:1: the file is UTF-16 text; re-save it as \"CSV UTF-8\""),
        "{e}"
    );
}

#[test]
fn an_unclosed_quote_is_an_error_not_a_swallowed_file() {
    let e = open_error("unclosed_quote.csv", ColumnRef::First);
    assert!(
        e.to_string()
            .contains("unclosed_quote.csv:3: a quoted field opened on this line is never closed"),
        "{e}"
    );
}

#[test]
fn tel_uris() {
    assert_eq!(
        verdicts("tel_uris.csv", ColumnRef::First, Some("US")),
        expect(&[
            (2, "+8613800138000"),
            (3, "+12015550123"),
            (4, "+442079460958"),
            (5, "+442079460959"),
            (6, "emergency-or-service-number"),
        ])
    );
}

#[test]
fn full_width_digits_and_unicode_spaces() {
    assert_eq!(
        verdicts("full_width.csv", ColumnRef::First, Some("CN")),
        expect(&[
            (2, "+8613800138000"),
            (3, "+8613800138001"),
            (4, "+8613800138002"),
            (5, "+8613800138003"),
        ])
    );
}

#[test]
fn excel_text_markers_floats_and_scientific_notation() {
    assert_eq!(
        verdicts("excel.csv", ColumnRef::First, Some("CN")),
        expect(&[
            (2, "+8613800138000"),
            (3, "+8613800138001"),
            (4, "+8613800138002"),
            (5, "scientific-notation"),
            (6, "scientific-notation"),
            (7, "scientific-notation"),
        ])
    );
}

#[test]
fn trunk_zero_international_prefixes_and_extensions() {
    assert_eq!(
        verdicts("formats.csv", ColumnRef::First, Some("CN")),
        expect(&[
            (2, "+442079460958"),
            (3, "+390212345678"),
            (4, "+442079460959"),
            (5, "+12015550123"),
            (6, "+8613800138000"),
            (7, "+8613800138001"),
            (8, "+8613800138002"),
            (9, "+861012345678"),
            (10, "+8613800138003"),
        ])
    );
}

#[test]
fn rejections_name_their_reason() {
    assert_eq!(
        verdicts("rejects.csv", ColumnRef::First, Some("CN")),
        expect(&[
            (2, "junk"),
            (3, "junk"),
            (4, "too-short"),
            (5, "too-long"),
            (6, "unknown-country-code"),
            (7, "invalid-number"),
            (8, "junk"),
            (9, "junk"),
        ])
    );
    // Without a default region a national number cannot be placed.
    let no_region = verdicts("bom.csv", ColumnRef::First, None);
    assert_eq!(
        no_region,
        expect(&[(2, "+8613800138000"), (3, "no-region")])
    );
    let unknown_region = verdicts("bom.csv", ColumnRef::First, Some("XX"));
    assert_eq!(unknown_region, no_region);
}

#[test]
fn emergency_and_service_numbers_of_many_regions_are_never_dialable() {
    let got = verdicts("emergency.csv", ColumnRef::First, Some("CN"));
    let (real, emergency) = got.split_last().unwrap();
    assert_eq!(real.1, "+8613800138000");
    assert_eq!(emergency.len(), 19);
    for (line, verdict) in emergency {
        assert_eq!(verdict, "emergency-or-service-number", "line {line}");
    }
    // The same national short codes in other regions.
    for (raw, region) in [
        ("911", "US"),
        ("999", "GB"),
        ("000", "AU"),
        ("112", "DE"),
        ("17", "FR"),
    ] {
        assert_eq!(
            phone::normalize(raw, Some(region)).unwrap_err().reason(),
            "emergency-or-service-number"
        );
    }
}

#[test]
fn duplicates_are_found_across_formats() {
    assert_eq!(
        verdicts("duplicates.csv", ColumnRef::First, Some("CN")),
        expect(&[
            (2, "+8613800138000"),
            (3, "duplicate"),
            (4, "duplicate"),
            (5, "duplicate"),
            (6, "duplicate"),
            (7, "duplicate"),
            (8, "+8613800138001"),
        ])
    );
}

/// The generator's output (`bench/gen_numbers.py 200 tests/data/numbers/mixed.csv --seed 7`):
/// the verdicts match what the generator reports writing: 167 valid, 12 duplicates, 21 junk.
#[test]
fn a_generated_mixed_file_is_fully_accounted_for() {
    let got = verdicts("mixed.csv", ColumnRef::Name("phone".into()), Some("CN"));
    assert_eq!(got.len(), 200);
    let count = |pred: &dyn Fn(&str) -> bool| got.iter().filter(|(_, v)| pred(v)).count();
    assert_eq!(count(&|v| v.starts_with('+')), 167);
    assert_eq!(count(&|v| v == "duplicate"), 12);
    assert_eq!(count(&|v| !v.starts_with('+') && v != "duplicate"), 21);
}
