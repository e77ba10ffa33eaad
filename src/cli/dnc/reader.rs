//! Reads a DNC file into `(line, cell)` pairs: one number a line, or one column of a CSV.
//!
//! The format is guessed the way a person would: a CSV when `--column` is given or the first
//! meaningful line has a comma; otherwise one number a line, with blank lines and `#` comments
//! skipped. A CSV's first row is a header when `--column` names a header, or when its cell
//! holds no digit at all (`phone`). Must not: normalise numbers (the caller does).

/// Why a DNC file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub(super) enum ReadError {
    /// `--column 0` or similar.
    #[error("--column {0}: columns are numbered from 1")]
    ZeroColumn(String),
    /// `--column NAME` is not in the header row.
    #[error("line 1: no column named {name:?} in the header (columns: {columns})")]
    NoSuchColumn {
        /// The name asked for.
        name: String,
        /// The header's columns, comma-separated.
        columns: String,
    },
    /// The CSV itself is malformed.
    #[error("line {line}: {message}")]
    Csv {
        /// Where.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
}

/// Which CSV column holds the numbers.
enum Column {
    First,
    Index(usize),
    Name(String),
}

/// The non-blank cells of `text` with the physical line each starts on (1-based).
pub(super) fn cells(text: &str, column: Option<&str>) -> Result<Vec<(u64, String)>, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let csv_mode = column.is_some() || first.is_some_and(|l| l.contains(','));
    if !csv_mode {
        return Ok(plain_lines(text));
    }
    let column = match column {
        None => Column::First,
        Some(c) => match c.trim().parse::<usize>() {
            Ok(0) => return Err(ReadError::ZeroColumn(c.to_string())),
            Ok(n) => Column::Index(n - 1),
            Err(_) => Column::Name(c.trim().to_string()),
        },
    };
    csv_cells(text, column)
}

fn plain_lines(text: &str) -> Vec<(u64, String)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(n, l)| (n, l.to_string()))
        .collect()
}

fn csv_cells(text: &str, column: Column) -> Result<Vec<(u64, String)>, ReadError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut index = None;
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ReadError::Csv {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let idx = match (index, &column) {
            (Some(i), _) => i,
            (None, Column::Name(name)) => {
                let found = record.iter().position(|h| h.eq_ignore_ascii_case(name));
                index = Some(found.ok_or_else(|| ReadError::NoSuchColumn {
                    name: name.clone(),
                    columns: record.iter().collect::<Vec<_>>().join(", "),
                })?);
                continue;
            }
            (None, Column::First | Column::Index(_)) => {
                let i = if let Column::Index(i) = column { i } else { 0 };
                index = Some(i);
                let cell = record.get(i).unwrap_or("");
                if !cell.is_empty() && !cell.bytes().any(|b| b.is_ascii_digit()) {
                    continue; // a header row such as `phone,name`
                }
                i
            }
        };
        let cell = record.get(idx).unwrap_or("");
        if !cell.is_empty() {
            out.push((line, cell.to_string()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[(u64, String)]) -> Vec<(u64, &str)> {
        v.iter().map(|(n, s)| (*n, s.as_str())).collect()
    }

    #[test]
    fn plain_files_skip_blanks_and_comments_and_keep_line_numbers() {
        let text = "\u{feff}# opted out\n+8613800138000\n\n  +8613800138001  \nnot a number\n";
        let got = cells(text, None).unwrap();
        assert_eq!(
            lines(&got),
            [
                (2, "+8613800138000"),
                (4, "+8613800138001"),
                (5, "not a number")
            ]
        );
    }

    #[test]
    fn a_csv_header_is_recognised_and_the_first_column_read() {
        let text = "phone,name\n+8613800138000,Ann\n\"+86 138 0013 8001\",\"Bo, Jr\"\n";
        let got = cells(text, None).unwrap();
        assert_eq!(
            lines(&got),
            [(2, "+8613800138000"), (3, "+86 138 0013 8001")]
        );
    }

    #[test]
    fn a_named_or_numbered_column_is_read() {
        let text = "name,Mobile\nAnn,+8613800138000\nBo,\nCy,+8613800138002\n";
        let by_name = cells(text, Some("mobile")).unwrap();
        assert_eq!(
            lines(&by_name),
            [(2, "+8613800138000"), (4, "+8613800138002")]
        );
        let by_index = cells(text, Some("2")).unwrap();
        assert_eq!(lines(&by_index), lines(&by_name));
    }

    #[test]
    fn a_missing_column_is_an_error_listing_the_header() {
        let err = cells("name,phone\nAnn,+8613800138000\n", Some("mobile")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1: no column named \"mobile\" in the header (columns: name, phone)"
        );
        assert!(matches!(
            cells("a,b\n", Some("0")),
            Err(ReadError::ZeroColumn(_))
        ));
    }

    #[test]
    fn a_headerless_csv_keeps_its_first_row() {
        let got = cells("+8613800138000,Ann\n+8613800138001,Bo\n", None).unwrap();
        assert_eq!(lines(&got), [(1, "+8613800138000"), (2, "+8613800138001")]);
    }
}
