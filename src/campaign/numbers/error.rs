//! [`NumbersError`]: why a numbers file cannot be read, located for the user.
//!
//! Every variant names the file and, where there is one, the line (and field), and says what
//! would be valid. Must not: carry a row's content (numbers are personal data).

use std::io;

/// Why the numbers file cannot be read. Each names the file, and the line where there is one.
#[derive(Debug, thiserror::Error)]
pub enum NumbersError {
    /// The file cannot be opened or read.
    #[error("{origin}: cannot read the numbers file: {source}")]
    Io {
        /// The file.
        origin: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// Bytes that are not UTF-8.
    #[error(
        "{origin}:{line}: field {field} is not valid UTF-8; re-save the file as \"CSV UTF-8\" \
         (in Excel: File > Save As > CSV UTF-8)"
    )]
    NotUtf8 {
        /// The file.
        origin: String,
        /// The line of the first bad byte.
        line: u64,
        /// The 1-based field holding it.
        field: usize,
    },
    /// A UTF-16 file (it starts with a UTF-16 byte-order mark).
    #[error("{origin}:1: the file is UTF-16 text; re-save it as \"CSV UTF-8\"")]
    Utf16 {
        /// The file.
        origin: String,
    },
    /// A quoted field that is never closed.
    #[error("{origin}:{line}: a quoted field opened on this line is never closed (missing `\"`)")]
    UnterminatedQuote {
        /// The file.
        origin: String,
        /// The line the record starts on.
        line: u64,
    },
    /// A record too long to be a row of numbers.
    #[error(
        "{origin}:{line}: the record starting here is longer than {limit} bytes; is this a CSV file?"
    )]
    RecordTooLong {
        /// The file.
        origin: String,
        /// The line the record starts on.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// `column:` names a header the file does not have.
    #[error("{origin}:{line}: no column named {name:?}; the header has: {}", list(.found))]
    UnknownColumn {
        /// The file.
        origin: String,
        /// The header's line.
        line: u64,
        /// The name asked for.
        name: String,
        /// The header's names.
        found: Vec<String>,
    },
    /// `column:` is an index beyond the header, or 0.
    #[error("{origin}:{line}: column {index} does not exist; valid: 1 to {} ({})", .found.len(), list(.found))]
    ColumnOutOfRange {
        /// The file.
        origin: String,
        /// The line of the first record (the header).
        line: u64,
        /// The 1-based index asked for.
        index: usize,
        /// The header's names.
        found: Vec<String>,
    },
}

fn list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    quoted.join(", ")
}
