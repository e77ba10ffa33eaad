//! Emergency and service short codes: numbers a dialer must never call.
//!
//! rlibphonenumber 2.2 ships only the main numbering-plan metadata; it has no
//! `ShortNumberInfo` and its metadata carries no `emergency` or `short_code` descriptions
//! (checked in its source: `build/rust_build.rs` shadows those fields and `metadata.bin` is
//! built from `PhoneNumberMetadata.xml`). So two tables stand in for it:
//! - [`super::emergency_codes`]: every region's emergency numbers, generated from
//!   libphonenumber's `ShortNumberMetadata.xml` (scripts/gen-emergency-codes.py; 2026-07-17
//!   metadata, commit f7e3e88c), grouped by calling code;
//! - `national_codes` below: a reviewed list of *non-emergency* service codes that a campaign
//!   must not ring either (N11 in NANP, police non-emergency lines, directory enquiries, ...),
//!   from the national regulators' lists; overlaps with the generated table are harmless.
//!
//! Invariants: a code matches only when it is the *whole* national significant number (or the
//! whole national digit string), so no full-length subscriber number is ever caught; the
//! universal codes apply in every country because GSM handsets route them as emergency calls
//! everywhere (3GPP TS 22.101 §10: 112 and 911 always, 000, 08, 110, 118, 119 and 999 too).
//!
//! Must not: decide anything else about a number. A miss here is still rejected later as
//! invalid for its plan; this list exists so the reason says "emergency", and so that a
//! short code is refused even in a plan that would otherwise accept a short number.

use super::emergency_codes::EMERGENCY;

/// Codes treated as emergency numbers in every country.
const UNIVERSAL: &[&str] = &["112", "911", "000", "08", "110", "118", "119", "999"];

/// Emergency and service codes of one country calling code.
fn national_codes(calling_code: i32) -> &'static [&'static str] {
    match calling_code {
        // NANP: 911, the N11 service codes, 988 crisis line, 933 911-test line.
        1 => &[
            "211", "311", "411", "511", "611", "711", "811", "911", "933", "988",
        ],
        7 => &["01", "02", "03", "04", "101", "102", "103", "104", "112"],
        20 => &["122", "123", "126", "180"],
        27 => &["10111", "10177", "107"],
        30 => &["100", "166", "199"],
        32 => &["100", "101"],
        33 => &["15", "17", "18", "114", "115", "119", "191", "196", "197"],
        34 => &["016", "061", "062", "080", "085", "088", "091", "092"],
        36 => &["104", "105", "107"],
        39 => &["113", "115", "117", "118", "1515", "1530"],
        41 => &["117", "118", "143", "144", "147", "1414"],
        43 => &["122", "133", "140", "141", "142", "144", "147"],
        44 => &["100", "101", "105", "111", "123", "155", "999"],
        45 => &["114"],
        46 => &["1177", "11414"],
        47 => &["110", "113", "1412"],
        48 => &["984", "985", "986", "987", "997", "998", "999"],
        49 => &["110", "115", "19222"],
        51 => &["105", "106", "116"],
        52 => &["060", "065", "066", "080", "089", "911"],
        53 => &["104", "105", "106"],
        54 => &["100", "101", "107", "911"],
        55 => &[
            "100", "180", "181", "188", "190", "191", "192", "193", "194", "197", "198", "199",
        ],
        56 => &["131", "132", "133", "134", "135", "147"],
        57 => &["119", "123", "132"],
        58 => &["171"],
        60 => &["991", "994", "999"],
        61 => &["000", "106"],
        62 => &["110", "113", "115", "118", "119"],
        63 => &["117", "143", "911", "8888"],
        64 => &["105", "111"],
        65 => &["993", "995", "999"],
        66 => &["191", "199", "1155", "1554", "1669"],
        81 => &["104", "110", "118", "119", "171", "177", "189"],
        82 => &[
            "111", "113", "117", "118", "119", "122", "125", "182", "1339",
        ],
        84 => &["111", "113", "114", "115"],
        86 => &[
            "110", "119", "120", "122", "999", "12110", "12119", "12315", "12320", "12345",
            "12355", "12395",
        ],
        90 => &["110", "155", "156", "158", "177", "182"],
        91 => &[
            "100", "101", "102", "104", "108", "139", "181", "1033", "1070", "1073", "1077",
            "1078", "1090", "1091", "1098",
        ],
        92 => &["15", "16", "115", "1020", "1122"],
        212 => &["15", "19", "177"],
        234 => &["199", "767"],
        254 => &["999"],
        351 => &["115", "117"],
        353 => &["999"],
        380 => &["101", "102", "103", "104"],
        852 => &["992", "999"],
        853 => &["110", "999"],
        886 => &["110", "113", "119", "165"],
        966 => &["911", "993", "997", "998", "999"],
        971 => &["991", "996", "997", "998", "999"],
        972 => &["100", "101", "102", "103", "104"],
        _ => &[],
    }
}

/// True when `national` (ASCII digits, no country code) is an emergency or service code in
/// the plan of `calling_code`, or anywhere.
pub(super) fn is_service_code(calling_code: i32, national: &str) -> bool {
    // The European harmonised services of social value: 116000, 116111, 116123, ...
    let harmonised = national.len() == 6 && national.starts_with("116");
    harmonised
        || UNIVERSAL.contains(&national)
        || is_emergency(calling_code, national)
        || national_codes(calling_code).contains(&national)
}

/// True when `national` is one of the emergency numbers of `calling_code`'s regions.
fn is_emergency(calling_code: i32, national: &str) -> bool {
    EMERGENCY
        .binary_search_by_key(&calling_code, |(code, _)| *code)
        .is_ok_and(|i| EMERGENCY[i].1.binary_search(&national).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_named_in_the_issue_are_all_covered() {
        let cases: &[(i32, &str)] = &[
            (1, "911"),
            (49, "112"),
            (44, "999"),
            (61, "000"),
            (86, "110"),
            (86, "119"),
            (86, "120"),
            (86, "122"),
            (33, "15"),
            (33, "17"),
            (33, "18"),
            (91, "100"),
            (91, "101"),
            (91, "102"),
            (91, "108"),
            (1, "211"),
            (1, "311"),
            (1, "411"),
            (1, "511"),
            (1, "611"),
            (1, "711"),
            (1, "811"),
            (33, "116000"),
            (44, "116123"),
            (49, "116117"),
        ];
        for &(cc, code) in cases {
            assert!(is_service_code(cc, code), "+{cc} {code}");
        }
    }

    #[test]
    fn emergency_numbers_from_the_short_number_metadata_are_covered() {
        // Each was missing from the hand-written list before the generated table.
        let cases: &[(i32, &str)] = &[
            (241, "1300"), // Gabon
            (420, "150"),  // Czechia, fire
            (370, "01"),   // Lithuania
            (213, "14"),   // Algeria
            (1, "919"),    // Bahamas, via +1
            (995, "022"),  // Georgia
            (968, "9999"), // Oman
        ];
        for &(cc, code) in cases {
            assert!(is_service_code(cc, code), "+{cc} {code}");
        }
    }

    #[test]
    fn the_generated_table_is_sorted_for_binary_search() {
        assert!(EMERGENCY.windows(2).all(|w| w[0].0 < w[1].0));
        for (cc, codes) in EMERGENCY {
            assert!(codes.windows(2).all(|w| w[0] < w[1]), "+{cc}");
            assert!(
                codes.iter().all(|c| c.bytes().all(|b| b.is_ascii_digit())),
                "+{cc}"
            );
        }
    }

    #[test]
    fn only_whole_numbers_match() {
        assert!(!is_service_code(1, "9115550123"));
        assert!(!is_service_code(86, "1101234567"));
        assert!(!is_service_code(44, "1161234567"));
        assert!(!is_service_code(1, "116")); // 116 alone is not a harmonised code
    }
}
