//! The numbers file: a CSV as spreadsheets really write it, streamed row by row.
//!
//! [`NumbersReader`] yields one [`NumberRecord`] per data row (blank rows included, so they
//! can be counted), with the physical line the row starts on (the header is line 1). It
//! accepts a UTF-8 BOM, `\n`/`\r\n`/`\r` line ends, quoted commas, quotes and line breaks,
//! short and long rows, blank and whitespace-only lines (and `,,,` rows: an empty row of a
//! wider sheet), with or without a header. [`Seen`] de-duplicates the normalised numbers;
//! [`NormalizedRows`] normalises a reader's rows on several threads, in file order.
//!
//! # Which column, and is there a header?
//! - [`ColumnRef::Name`]: the first non-blank record is the header; the name is matched
//!   trimmed and case-insensitively, and a missing name is an error listing the header.
//! - [`ColumnRef::First`] / [`ColumnRef::Index`]: the first non-blank record is a header
//!   **iff its number cell holds fewer than 3 digits** (`phone`, `Tel.`, `No.` are headers;
//!   `+86 138...` is data). A junk first row such as `12` is therefore taken as a header.
//!
//! With a header, a column named `timezone` (any case) is the row's zone string, carried
//! as written (the schedule validates it), and every other column is an extra
//! `(name, value)`. Without a header extras are named `col2`, `col3`, ... (1-based), and so
//! are cells of long rows beyond the header. Short rows simply have fewer extras.
//!
//! # Invariants
//! - Streaming: memory is one record plus the header; the leading blank lines before the
//!   first non-blank record are remembered as line numbers only.
//! - Text is UTF-8 or the read fails, naming the file, line and field and suggesting a
//!   re-save as "CSV UTF-8" (Excel's Windows default is a legacy code page). UTF-16 files
//!   (Excel's "Unicode Text") are recognised and named as such.
//! - The iterator ends after its first error.
//!
//! Must not: normalise numbers, judge an empty file, or decide what a duplicate is worth:
//! the caller counts (see `dry-run`).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use crate::campaign::ColumnRef;

mod error;
mod normalized;
mod rows;
mod seen;

pub use error::NumbersError;
pub use normalized::{NormalizedRow, NormalizedRows};
use rows::{MAX_RECORD_BYTES, RawRecord, RowError, Rows};
pub use seen::Seen;

/// One data row of the numbers file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberRecord {
    /// The physical line the row starts on (1-based; the header is line 1).
    pub line: u64,
    /// The number cell exactly as written (empty for a short row or a blank line).
    pub raw: String,
    /// The `timezone` column, trimmed, when present and not empty.
    pub timezone: Option<String>,
    /// The other cells, as (column name, value); empty for a blank row.
    pub extra: Vec<(Arc<str>, String)>,
}

impl NumberRecord {
    /// True when the whole row is empty or whitespace (a blank line, or `,,,`).
    pub fn is_blank_row(&self) -> bool {
        self.raw.trim().is_empty() && self.timezone.is_none() && self.extra.is_empty()
    }
}

/// Where the number, the zone and the extras are in each row.
#[derive(Debug)]
struct Layout {
    number: usize,
    timezone: Option<usize>,
    /// Column names by index, grown on demand (`colN` past the header).
    names: Vec<Arc<str>>,
}

impl Layout {
    /// Puts cell `i` where it belongs in `record`.
    fn put(&mut self, record: &mut NumberRecord, i: usize, text: &str) {
        if i == self.number {
            record.raw = text.to_string();
        } else if Some(i) == self.timezone {
            let zone = text.trim();
            record.timezone = (!zone.is_empty()).then(|| zone.to_string());
        } else {
            let name = self.name(i);
            record.extra.push((name, text.to_string()));
        }
    }

    fn name(&mut self, i: usize) -> Arc<str> {
        while self.names.len() <= i {
            let n = self.names.len() + 1;
            self.names.push(format!("col{n}").into());
        }
        self.names[i].clone()
    }
}

type Input<R> = BufReader<io::Chain<Cursor<Vec<u8>>, R>>;

/// Streams [`NumberRecord`]s out of a numbers CSV. See the module docs for the rules.
pub struct NumbersReader<R> {
    rows: Rows<Input<R>>,
    record: RawRecord,
    origin: String,
    layout: Layout,
    headers: Option<Vec<String>>,
    /// Rows read while looking for the header, not yet handed out.
    queue: VecDeque<NumberRecord>,
    done: bool,
}

impl NumbersReader<File> {
    /// Opens the file at `path` (named in errors as given).
    pub fn open(path: &Path, column: &ColumnRef) -> Result<Self, NumbersError> {
        let file = File::open(path).map_err(|source| NumbersError::Io {
            origin: path.display().to_string(),
            source,
        })?;
        NumbersReader::new(file, path, column)
    }
}

impl<R: Read> NumbersReader<R> {
    /// Reads up to the first non-blank record to settle the header and the column.
    /// `origin` names the input in errors (a path, or `<stdin>`).
    pub fn new(
        input: R,
        origin: impl AsRef<Path>,
        column: &ColumnRef,
    ) -> Result<Self, NumbersError> {
        let origin = origin.as_ref().display().to_string();
        let input = skip_bom(input, &origin)?;
        let mut reader = NumbersReader {
            rows: Rows::new(BufReader::with_capacity(64 * 1024, input)),
            record: RawRecord::default(),
            origin,
            layout: Layout {
                number: 0,
                timezone: None,
                names: Vec::new(),
            },
            headers: None,
            queue: VecDeque::new(),
            done: false,
        };
        reader.settle_header(column)?;
        Ok(reader)
    }

    /// The header's names (trimmed), if the file has a header.
    pub fn headers(&self) -> Option<&[String]> {
        self.headers.as_deref()
    }

    fn settle_header(&mut self, column: &ColumnRef) -> Result<(), NumbersError> {
        let first = loop {
            if !self.read_row()? {
                return Ok(()); // nothing but blank lines: no header, no data
            }
            let row = self.decode_row()?;
            if row.iter().any(|cell| !cell.trim().is_empty()) {
                break row;
            }
            self.queue.push_back(self.blank_record());
        };
        let line = self.record.line;
        let names: Vec<String> = first.iter().map(|c| c.trim().to_string()).collect();
        let number_cell_digits =
            |number: usize| digit_count(first.get(number).map_or("", String::as_str));
        let number = self.column_index(column, &names, line)?;
        self.layout.number = number;
        let is_header = matches!(column, ColumnRef::Name(_)) || number_cell_digits(number) < 3;
        if !is_header {
            let record = self.place(first);
            self.queue.push_back(record);
            return Ok(());
        }
        if number >= names.len() {
            return Err(self.out_of_range(number + 1, line, names));
        }
        self.layout.timezone = names
            .iter()
            .enumerate()
            .position(|(i, n)| i != number && n.eq_ignore_ascii_case("timezone"));
        self.layout.names = names
            .iter()
            .enumerate()
            .map(|(i, n)| match n.is_empty() {
                true => format!("col{}", i + 1).into(),
                false => Arc::from(n.as_str()),
            })
            .collect();
        self.headers = Some(names);
        Ok(())
    }

    /// The 0-based index of the number column, given the first record's trimmed cells.
    fn column_index(
        &self,
        column: &ColumnRef,
        names: &[String],
        line: u64,
    ) -> Result<usize, NumbersError> {
        match column {
            ColumnRef::Name(name) => {
                let wanted = name.trim().to_lowercase();
                names
                    .iter()
                    .position(|n| n.to_lowercase() == wanted)
                    .ok_or_else(|| NumbersError::UnknownColumn {
                        origin: self.origin.clone(),
                        line,
                        name: name.clone(),
                        found: names.to_vec(),
                    })
            }
            ColumnRef::First => Ok(0),
            ColumnRef::Index(0) => Err(self.out_of_range(0, line, names.to_vec())),
            ColumnRef::Index(i) => Ok(i - 1),
        }
    }

    fn out_of_range(&self, index: usize, line: u64, found: Vec<String>) -> NumbersError {
        NumbersError::ColumnOutOfRange {
            origin: self.origin.clone(),
            line,
            index,
            found,
        }
    }

    /// Reads the next physical record into `self.record`; false at the end.
    fn read_row(&mut self) -> Result<bool, NumbersError> {
        self.rows.next_into(&mut self.record).map_err(|e| match e {
            RowError::Io(source) => NumbersError::Io {
                origin: self.origin.clone(),
                source,
            },
            RowError::UnterminatedQuote { line } => NumbersError::UnterminatedQuote {
                origin: self.origin.clone(),
                line,
            },
            RowError::TooLong { line } => NumbersError::RecordTooLong {
                origin: self.origin.clone(),
                line,
                limit: MAX_RECORD_BYTES,
            },
        })
    }

    /// The current record's fields as text (for the header decision only).
    fn decode_row(&self) -> Result<Vec<String>, NumbersError> {
        (0..self.record.len())
            .map(|i| cell(&self.record, &self.origin, i).map(str::to_string))
            .collect()
    }

    fn blank_record(&self) -> NumberRecord {
        NumberRecord {
            line: self.record.line,
            raw: String::new(),
            timezone: None,
            extra: Vec::new(),
        }
    }

    /// The first record's cells, placed by the layout (it is data, not a header).
    fn place(&mut self, cells: Vec<String>) -> NumberRecord {
        let mut record = self.blank_record();
        if cells.iter().all(|c| c.trim().is_empty()) {
            return record;
        }
        for (i, cell) in cells.into_iter().enumerate() {
            self.layout.put(&mut record, i, &cell);
        }
        record
    }

    /// The current record, placed by the layout, each cell checked for UTF-8 once.
    fn place_current(&mut self) -> Result<NumberRecord, NumbersError> {
        let mut record = NumberRecord {
            extra: Vec::with_capacity(self.record.len().saturating_sub(1)),
            ..self.blank_record()
        };
        let mut blank = true;
        for i in 0..self.record.len() {
            let text = cell(&self.record, &self.origin, i)?;
            blank &= text.trim().is_empty();
            self.layout.put(&mut record, i, text);
        }
        Ok(if blank { self.blank_record() } else { record })
    }

    fn next_record(&mut self) -> Result<Option<NumberRecord>, NumbersError> {
        if let Some(record) = self.queue.pop_front() {
            return Ok(Some(record));
        }
        if !self.read_row()? {
            return Ok(None);
        }
        self.place_current().map(Some)
    }
}

impl<R: Read> Iterator for NumbersReader<R> {
    type Item = Result<NumberRecord, NumbersError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.next_record().transpose();
        self.done = !matches!(next, Some(Ok(_)));
        next
    }
}

/// Drops a UTF-8 byte-order mark and refuses UTF-16, reading at most three bytes ahead.
fn skip_bom<R: Read>(
    mut input: R,
    origin: &str,
) -> Result<io::Chain<Cursor<Vec<u8>>, R>, NumbersError> {
    let mut head = [0u8; 3];
    let mut len = 0;
    while len < head.len() {
        match input.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(NumbersError::Io {
                    origin: origin.to_string(),
                    source,
                });
            }
        }
    }
    let head = &head[..len];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(NumbersError::Utf16 {
            origin: origin.to_string(),
        });
    }
    let kept = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    Ok(Cursor::new(kept.to_vec()).chain(input))
}

/// Field `i` of `record` as text, or the located UTF-8 error.
fn cell<'a>(record: &'a RawRecord, origin: &str, i: usize) -> Result<&'a str, NumbersError> {
    let bytes = record.field(i).unwrap_or_default();
    std::str::from_utf8(bytes).map_err(|e| NumbersError::NotUtf8 {
        origin: origin.to_string(),
        line: record.line_of(i, e.valid_up_to()),
        field: i + 1,
    })
}

/// Digits in a cell, ASCII or full-width: the header test.
fn digit_count(cell: &str) -> usize {
    cell.chars()
        .filter(|&c| c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], column: ColumnRef) -> (Option<Vec<String>>, Vec<NumberRecord>) {
        let reader = NumbersReader::new(input, "t.csv", &column).expect("open");
        let headers = reader.headers().map(<[String]>::to_vec);
        let rows = reader.collect::<Result<Vec<_>, _>>().expect("rows");
        (headers, rows)
    }

    fn lines_and_raw(rows: &[NumberRecord]) -> Vec<(u64, &str)> {
        rows.iter().map(|r| (r.line, r.raw.as_str())).collect()
    }

    #[test]
    fn header_is_detected_by_digits_in_the_number_cell() {
        let (h, rows) = read(b"Phone,name\n+8613800138000,Li\n", ColumnRef::First);
        assert_eq!(h, Some(vec!["Phone".to_string(), "name".to_string()]));
        assert_eq!(lines_and_raw(&rows), [(2, "+8613800138000")]);
        let (h, rows) = read(b"+8613800138000,Li\n13800138001,Wang\n", ColumnRef::First);
        assert_eq!(h, None);
        assert_eq!(
            lines_and_raw(&rows),
            [(1, "+8613800138000"), (2, "13800138001")]
        );
        assert_eq!(rows[0].extra, [(Arc::from("col2"), "Li".to_string())]);
        // Fewer than three digits: a header, even when it is junk.
        let (h, _) = read(b"No. 12,x\n", ColumnRef::First);
        assert!(h.is_some());
    }

    #[test]
    fn column_by_name_and_timezone_column() {
        let csv = b"name, PHONE ,TimeZone,city\nLi,138 0013 8000, Asia/Shanghai ,Beijing\n";
        let (_, rows) = read(csv, ColumnRef::Name("phone".into()));
        assert_eq!(rows[0].raw, "138 0013 8000");
        assert_eq!(rows[0].timezone.as_deref(), Some("Asia/Shanghai"));
        let names: Vec<&str> = rows[0].extra.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["name", "city"]);
    }

    #[test]
    fn unknown_column_lists_the_header() {
        let err = NumbersReader::new(
            &b"name,mobile\nx,1\n"[..],
            "n.csv",
            &ColumnRef::Name("phone".into()),
        )
        .err()
        .expect("error");
        assert_eq!(
            err.to_string(),
            "n.csv:1: no column named \"phone\"; the header has: \"name\", \"mobile\""
        );
    }

    #[test]
    fn index_beyond_the_header_or_zero_is_an_error() {
        let err = NumbersReader::new(&b"\nname,phone\n"[..], "n.csv", &ColumnRef::Index(3))
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "n.csv:2: column 3 does not exist; valid: 1 to 2 (\"name\", \"phone\")"
        );
        assert!(NumbersReader::new(&b"a\n"[..], "n.csv", &ColumnRef::Index(0)).is_err());
    }

    #[test]
    fn blank_rows_before_and_after_the_header_keep_their_lines() {
        let (h, rows) = read(b"\n  \nphone\n\n,\n+12015550123\n\n", ColumnRef::First);
        assert!(h.is_some());
        assert_eq!(
            lines_and_raw(&rows),
            [
                (1, ""),
                (2, ""),
                (4, ""),
                (5, ""),
                (6, "+12015550123"),
                (7, "")
            ]
        );
        assert!(rows[3].is_blank_row() && !rows[4].is_blank_row());
    }

    #[test]
    fn ragged_rows() {
        let (_, rows) = read(
            b"phone,name,city\n+12015550123\n+12015550124,Al,NYC,extra\n",
            ColumnRef::First,
        );
        assert!(rows[0].extra.is_empty());
        let extra: Vec<(&str, &str)> = rows[1]
            .extra
            .iter()
            .map(|(n, v)| (&**n, v.as_str()))
            .collect();
        assert_eq!(extra, [("name", "Al"), ("city", "NYC"), ("col4", "extra")]);
        let (_, rows) = read(b"name,phone\nAl\n", ColumnRef::Index(2));
        assert_eq!(rows[0].raw, "");
        assert!(!rows[0].is_blank_row());
    }

    #[test]
    fn bom_is_dropped_and_utf16_is_named() {
        let (h, _) = read(b"\xEF\xBB\xBFphone\n1\n", ColumnRef::Name("phone".into()));
        assert_eq!(h.unwrap(), ["phone"]);
        let err = NumbersReader::new(&b"\xFF\xFEp\0h\0"[..], "u.csv", &ColumnRef::First)
            .err()
            .unwrap();
        assert!(matches!(err, NumbersError::Utf16 { .. }), "{err}");
    }

    #[test]
    fn not_utf8_names_line_and_field_and_stops() {
        let reader = NumbersReader::new(
            &b"phone,city\n+12015550123,ok\n+12015550124,Z\xfcrich\n+12015550125,x\n"[..],
            "l.csv",
            &ColumnRef::First,
        )
        .unwrap();
        let results: Vec<_> = reader.collect();
        assert_eq!(results.len(), 2);
        let err = results[1].as_ref().unwrap_err();
        assert!(
            matches!(
                err,
                NumbersError::NotUtf8 {
                    line: 3,
                    field: 2,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("l.csv:3: field 2 is not valid UTF-8; re-save")
        );
    }

    #[test]
    fn empty_input_has_no_header_and_no_rows() {
        let (h, rows) = read(b"", ColumnRef::Name("phone".into()));
        assert!(h.is_none() && rows.is_empty());
    }
}
