//! Screening: every row of the numbers file judged in file order, the same way by `dry-run`
//! (which reports) and `run` (which imports the usable rows).
//!
//! The row-level checks live here: blank, invalid (with the normaliser's reason), duplicate
//! (the first sighting wins). The number-level policy — do-not-call, per-number limits,
//! calling windows in the number's zone — is the caller's `judge`, so that `dry-run` can ask
//! it "now" while `run` defers it to the moment a batch is claimed.
//!
//! Must not: write anything, read the clock, or hold more than one row at a time beyond the
//! duplicate set (1,000,000 rows must fit in well under 300 MB).

use std::collections::BTreeMap;
use std::num::NonZeroUsize;

use serde::Serialize;

use crate::campaign::numbers::{NormalizedRows, NumberRecord, NumbersError, NumbersReader, Seen};
use crate::campaign::{E164, Rejection};

/// The verdict on one row, as `dry-run --list` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Would be dialed.
    Dialable,
    /// Not a usable phone number.
    Invalid,
    /// The same number on an earlier row.
    Duplicate,
    /// On a do-not-call list.
    Dnc,
    /// Over a per-number limit.
    Capped,
    /// Its calling window is closed now (it waits for the next opening).
    OutsideWindow,
    /// The number cell is empty.
    Blank,
}

impl Verdict {
    /// The name printed in `--list` and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Dialable => "dialable",
            Verdict::Invalid => "invalid",
            Verdict::Duplicate => "duplicate",
            Verdict::Dnc => "dnc",
            Verdict::Capped => "capped",
            Verdict::OutsideWindow => "outside_window",
            Verdict::Blank => "blank",
        }
    }
}

/// The judge's answer for one valid, first-seen number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// `Dialable`, `Dnc`, `Capped` or `OutsideWindow`.
    pub verdict: Verdict,
    /// Why, for people (`dnc: dnc.txt`, `opens 2026-11-24T09:00+00:00`); empty when dialable.
    pub reason: String,
    /// The IANA zone the number is called in.
    pub timezone: String,
}

/// One row with its verdict.
#[derive(Debug, Clone)]
pub struct Screened {
    /// The row as read (line, raw cell, zone cell, extra columns).
    pub record: NumberRecord,
    /// The normalised number, when the row has a valid one.
    pub e164: Option<E164>,
    /// The verdict.
    pub verdict: Verdict,
    /// The invalid reason, the duplicate's first line, or the judge's reason.
    pub reason: String,
    /// The normaliser's rejection, for invalid rows.
    pub rejection: Option<Rejection>,
    /// The line of the first sighting, for duplicates.
    pub first_line: Option<u64>,
    /// The zone the judge placed the number in (empty when not judged).
    pub timezone: String,
}

/// Row counts by verdict (CONTRACT.md `dry-run --format json` `counts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Data rows read (the header excluded).
    pub rows: u64,
    /// Rows with an empty number cell.
    pub blank: u64,
    /// Rows with no usable number.
    pub invalid: u64,
    /// Rows repeating an earlier row's number.
    pub duplicate: u64,
    /// Numbers on a do-not-call list.
    pub dnc: u64,
    /// Numbers over a per-number limit.
    pub capped: u64,
    /// Numbers whose window is closed now.
    pub outside_window: u64,
    /// Numbers that would be dialed now.
    pub dialable: u64,
    /// Invalid rows by reason (`too-short`, `emergency-or-service-number`, ...).
    pub invalid_reasons: BTreeMap<&'static str, u64>,
}

impl Counts {
    fn add(&mut self, s: &Screened) {
        self.rows += 1;
        let slot = match s.verdict {
            Verdict::Dialable => &mut self.dialable,
            Verdict::Invalid => &mut self.invalid,
            Verdict::Duplicate => &mut self.duplicate,
            Verdict::Dnc => &mut self.dnc,
            Verdict::Capped => &mut self.capped,
            Verdict::OutsideWindow => &mut self.outside_window,
            Verdict::Blank => &mut self.blank,
        };
        *slot += 1;
        if let Some(r) = s.rejection {
            *self.invalid_reasons.entry(r.reason()).or_default() += 1;
        }
    }

    /// Numbers that will be dialed at some point: dialable now or waiting for a window.
    pub fn to_dial(&self) -> u64 {
        self.dialable + self.outside_window
    }
}

/// The rows of a numbers file, judged one by one in file order.
pub struct Screener<F> {
    rows: NormalizedRows,
    seen: Seen,
    judge: F,
    counts: Counts,
}

impl<F> Screener<F>
where
    F: FnMut(&E164, Option<&str>) -> Judgement,
{
    /// Screens `reader`'s rows, normalising with `default_region` on two threads (the
    /// normaliser dominates the cost) and asking `judge` about each valid first sighting.
    pub fn new<R: std::io::Read + Send + 'static>(
        reader: NumbersReader<R>,
        default_region: Option<String>,
        judge: F,
    ) -> Self {
        let workers = NonZeroUsize::new(2).expect("2 is not zero");
        Screener {
            rows: NormalizedRows::spawn(reader, default_region, workers),
            seen: Seen::new(),
            judge,
            counts: Counts::default(),
        }
    }

    /// The counts of the rows screened so far.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    fn screen(&mut self, record: NumberRecord, number: Result<E164, Rejection>) -> Screened {
        let mut s = Screened {
            e164: None,
            verdict: Verdict::Blank,
            reason: String::new(),
            rejection: None,
            first_line: None,
            timezone: String::new(),
            record,
        };
        match number {
            Err(Rejection::Blank) => {}
            Err(rejection) => {
                s.verdict = Verdict::Invalid;
                s.reason = rejection.reason().to_string();
                s.rejection = Some(rejection);
            }
            Ok(e164) => {
                if let Some(first) = self.seen.insert_at(&e164, s.record.line) {
                    s.verdict = Verdict::Duplicate;
                    s.reason = format!("same number as line {first}");
                    s.first_line = Some(first);
                } else {
                    let j = (self.judge)(&e164, s.record.timezone.as_deref());
                    (s.verdict, s.reason, s.timezone) = (j.verdict, j.reason, j.timezone);
                }
                s.e164 = Some(e164);
            }
        }
        s
    }
}

impl<F> Iterator for Screener<F>
where
    F: FnMut(&E164, Option<&str>) -> Judgement,
{
    type Item = Result<Screened, NumbersError>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = match self.rows.next()? {
            Ok(row) => row,
            Err(e) => return Some(Err(e)),
        };
        let screened = self.screen(row.record, row.number);
        self.counts.add(&screened);
        Some(Ok(screened))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::ColumnRef;

    fn screen_csv(csv: &str) -> (Vec<Screened>, Counts) {
        let reader = NumbersReader::new(
            std::io::Cursor::new(csv.to_string()),
            "t.csv",
            &ColumnRef::First,
        )
        .unwrap();
        let judge = |n: &E164, _tz: Option<&str>| Judgement {
            verdict: if n.as_str().ends_with("13") {
                Verdict::Dnc
            } else {
                Verdict::Dialable
            },
            reason: String::new(),
            timezone: "Europe/London".into(),
        };
        let mut s = Screener::new(reader, Some("GB".into()), judge);
        let rows: Vec<_> = s.by_ref().map(Result::unwrap).collect();
        (rows, s.counts().clone())
    }

    #[test]
    fn every_row_gets_one_verdict_in_file_order() {
        let csv =
            "phone,name\n020 7946 0100,a\n,b\n999,c\n+44 20 7946 0100,d\n02079460113,e\nnope,f\n";
        let (rows, counts) = screen_csv(csv);
        let got: Vec<_> = rows.iter().map(|r| (r.record.line, r.verdict)).collect();
        assert_eq!(
            got,
            [
                (2, Verdict::Dialable),
                (3, Verdict::Blank),
                (4, Verdict::Invalid),
                (5, Verdict::Duplicate),
                (6, Verdict::Dnc),
                (7, Verdict::Invalid),
            ]
        );
        assert_eq!(rows[3].first_line, Some(2));
        assert_eq!(rows[3].reason, "same number as line 2");
        assert_eq!(rows[2].rejection, Some(Rejection::Emergency));
        assert_eq!(rows[0].timezone, "Europe/London");
        assert_eq!(
            (
                counts.rows,
                counts.dialable,
                counts.blank,
                counts.invalid,
                counts.duplicate
            ),
            (6, 1, 1, 2, 1)
        );
        assert_eq!(counts.dnc, 1);
        assert_eq!(counts.invalid_reasons.values().sum::<u64>(), 2);
    }
}
