//! Physical CSV records, one at a time, with the line each one starts on.
//!
//! Why not the `csv` crate here: csv-core drops empty lines without a trace and reports a
//! record's position as the end of the previous one, so neither "blank rows are counted" nor
//! "`line` is where the record starts" could be kept. This reader is RFC 4180 with the
//! leniency real spreadsheets need:
//! - records end at `\n`, `\r\n` or a lone `\r` (classic Mac Excel), and each counts one line;
//! - a quoted field may hold commas, quotes (`""`) and line breaks; text after a closing quote
//!   is kept (`"ab"c` -> `abc`), a quote inside an unquoted field is an ordinary character;
//! - an empty line is a record with one empty field (the caller reports it as blank);
//! - a quote never closed is an error naming the line it opened on, rather than a silent
//!   swallow of the rest of the file.
//!
//! Invariant: memory is bounded by one record ([`MAX_RECORD_BYTES`], [`MAX_FIELDS`]), so a
//! file of any length streams. Must not: decode text (bytes only; UTF-8 is checked by the
//! caller so the error can name the field).

use std::io::{self, BufRead};

/// The longest record accepted: far beyond any real row, small enough to stay streaming.
pub(super) const MAX_RECORD_BYTES: usize = 1 << 20;
/// The most fields in one record.
pub(super) const MAX_FIELDS: usize = 1 << 14;

/// One record's fields, as bytes, reused from record to record.
#[derive(Debug, Default)]
pub(super) struct RawRecord {
    /// The physical line (1-based) the record starts on.
    pub line: u64,
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl RawRecord {
    /// The number of fields (at least 1 for any record read).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i` (0-based), if the record has that many.
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.bytes[start..end])
    }

    /// Line breaks inside the record before byte `offset` of field `i` (quoted newlines).
    pub fn line_of(&self, i: usize, offset: usize) -> u64 {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        let before = &self.bytes[..start + offset];
        self.line + before.iter().filter(|&&b| b == b'\n').count() as u64
    }
}

/// Why a record could not be read.
#[derive(Debug)]
pub(super) enum RowError {
    /// The input failed.
    Io(io::Error),
    /// A quoted field opened on `line` runs to the end of the input.
    UnterminatedQuote { line: u64 },
    /// The record starting on `line` exceeds [`MAX_RECORD_BYTES`] or [`MAX_FIELDS`].
    TooLong { line: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: either the first of `""` or the closing quote.
    QuoteInQuoted,
}

/// Splits a byte stream into [`RawRecord`]s.
pub(super) struct Rows<R> {
    input: R,
    /// The line the next byte is on.
    line: u64,
    /// The last byte consumed was `\r`: a `\n` right after it is the same line break.
    after_cr: bool,
}

impl<R: BufRead> Rows<R> {
    /// A reader positioned at line 1.
    pub fn new(input: R) -> Self {
        Rows {
            input,
            line: 1,
            after_cr: false,
        }
    }

    /// Reads the next record into `record`; `Ok(false)` at the end of the input.
    pub fn next_into(&mut self, record: &mut RawRecord) -> Result<bool, RowError> {
        record.bytes.clear();
        record.ends.clear();
        record.line = self.line;
        let mut state = State::FieldStart;
        let mut started = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(RowError::Io(e)),
            };
            if buf.is_empty() {
                return self.finish(record, state, started);
            }
            let mut used = 0;
            let mut ended = false;
            while used < buf.len() {
                // Most bytes are ordinary field content: copy them in runs, not one by one.
                if started {
                    let run = ordinary_run(&buf[used..], state);
                    if run > 0 {
                        record.bytes.extend_from_slice(&buf[used..used + run]);
                        used += run;
                        self.after_cr = false;
                        continue;
                    }
                }
                let b = buf[used];
                used += 1;
                let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
                if b == b'\n' && after_cr {
                    if !started {
                        continue; // the `\n` of a `\r\n` that ended the previous record
                    }
                } else if b == b'\n' || b == b'\r' {
                    self.line += 1;
                }
                if !started {
                    started = true;
                    record.line = self.line - u64::from(b == b'\n' || b == b'\r');
                }
                if step(record, &mut state, b) {
                    ended = true;
                    break;
                }
            }
            self.input.consume(used);
            if ended {
                return Ok(true);
            }
            if record.bytes.len() > MAX_RECORD_BYTES || record.ends.len() > MAX_FIELDS {
                return Err(RowError::TooLong { line: record.line });
            }
        }
    }

    fn finish(
        &mut self,
        record: &mut RawRecord,
        state: State,
        started: bool,
    ) -> Result<bool, RowError> {
        if state == State::Quoted {
            return Err(RowError::UnterminatedQuote { line: record.line });
        }
        if started {
            record.ends.push(record.bytes.len());
        }
        Ok(started)
    }
}

/// How many bytes at the start of `input` are plain content in `state`: they can be copied
/// without a state change or a line break.
fn ordinary_run(input: &[u8], state: State) -> usize {
    let end = |special: u8| {
        input
            .iter()
            .position(|&b| b == special || b == b'\n' || b == b'\r')
            .unwrap_or(input.len())
    };
    match state {
        State::Unquoted => end(b','),
        State::Quoted => end(b'"'),
        State::FieldStart | State::QuoteInQuoted => 0,
    }
}

/// Feeds one byte to the state machine; true when it ended the record.
fn step(record: &mut RawRecord, state: &mut State, b: u8) -> bool {
    let end_field = |record: &mut RawRecord| record.ends.push(record.bytes.len());
    match (*state, b) {
        (State::Quoted, b'"') => *state = State::QuoteInQuoted,
        (State::Quoted, _) => record.bytes.push(b),
        (State::QuoteInQuoted, b'"') => {
            record.bytes.push(b'"');
            *state = State::Quoted;
        }
        (_, b',') => {
            end_field(record);
            *state = State::FieldStart;
        }
        (_, b'\n' | b'\r') => {
            end_field(record);
            return true;
        }
        (State::FieldStart, b'"') => *state = State::Quoted,
        (State::FieldStart | State::Unquoted | State::QuoteInQuoted, _) => {
            record.bytes.push(b);
            *state = State::Unquoted;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record as (line, fields).
    fn records(input: &[u8]) -> Vec<(u64, Vec<String>)> {
        let mut rows = Rows::new(input);
        let mut record = RawRecord::default();
        let mut out = Vec::new();
        while rows.next_into(&mut record).expect("read") {
            let fields = (0..record.len())
                .map(|i| String::from_utf8_lossy(record.field(i).unwrap()).into_owned())
                .collect();
            out.push((record.line, fields));
        }
        out
    }

    fn rec(line: u64, fields: &[&str]) -> (u64, Vec<String>) {
        (line, fields.iter().map(|f| f.to_string()).collect())
    }

    #[test]
    fn line_endings_of_every_kind() {
        let want = vec![rec(1, &["a", "b"]), rec(2, &["c", "d"])];
        assert_eq!(records(b"a,b\nc,d\n"), want);
        assert_eq!(records(b"a,b\r\nc,d\r\n"), want);
        assert_eq!(records(b"a,b\rc,d\r"), want);
        assert_eq!(records(b"a,b\nc,d"), want);
    }

    #[test]
    fn blank_lines_are_records_with_their_own_line() {
        assert_eq!(
            records(b"a\n\n  \r\n,,\nb\n"),
            vec![
                rec(1, &["a"]),
                rec(2, &[""]),
                rec(3, &["  "]),
                rec(4, &["", "", ""]),
                rec(5, &["b"])
            ]
        );
        assert_eq!(
            records(b"a\r\n\r\nb"),
            vec![rec(1, &["a"]), rec(2, &[""]), rec(3, &["b"])]
        );
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_newlines() {
        assert_eq!(
            records(b"\"+1, main\",\"say \"\"hi\"\"\"\n\"two\nlines\r\nhere\",x\nnext\n"),
            vec![
                rec(1, &["+1, main", "say \"hi\""]),
                rec(2, &["two\nlines\r\nhere", "x"]),
                rec(5, &["next"]),
            ]
        );
    }

    #[test]
    fn lenient_quotes_like_spreadsheets_write_them() {
        assert_eq!(records(b"\"ab\"c,d\"e\n"), vec![rec(1, &["abc", "d\"e"])]);
    }

    #[test]
    fn an_unclosed_quote_names_its_line() {
        let mut rows = Rows::new(&b"a\nb,\"open\nc\nd\n"[..]);
        let mut record = RawRecord::default();
        assert!(rows.next_into(&mut record).unwrap());
        match rows.next_into(&mut record) {
            Err(RowError::UnterminatedQuote { line }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn records_are_bounded() {
        let long = vec![b'9'; MAX_RECORD_BYTES + 10];
        let mut rows = Rows::new(io::BufReader::with_capacity(4096, &long[..]));
        let mut record = RawRecord::default();
        assert!(matches!(
            rows.next_into(&mut record),
            Err(RowError::TooLong { line: 1 })
        ));
    }

    #[test]
    fn quoted_newline_lines_are_located() {
        let mut rows = Rows::new(&b"h\n\"x\ny\xff\",z\n"[..]);
        let mut record = RawRecord::default();
        rows.next_into(&mut record).unwrap();
        rows.next_into(&mut record).unwrap();
        assert_eq!(record.line_of(0, 3), 3);
        assert_eq!(record.line_of(1, 0), 3);
    }
}
