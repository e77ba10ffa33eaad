//! [`StoreError`]: everything that can go wrong with the database, each naming the file.
//!
//! Invariants: every variant names the database path; none carries a secret (the store never
//! holds one). The CLI decides exit codes from [`StoreError::is_usage`]; this module does not.

use std::path::PathBuf;
use std::time::Duration;

/// A database failure. Every message starts with (or names) the database path.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not a SQLite database.
    #[error(
        "{} is not a SQLite database (pass --db with a new or a dialer database file)",
        path.display()
    )]
    NotSqlite {
        /// The database path.
        path: PathBuf,
    },
    /// Another process held a lock for longer than the busy timeout.
    #[error(
        "{}: database is locked by another process (waited {} ms); \
         wait for it to finish or use another --db",
        path.display(),
        waited.as_millis()
    )]
    Locked {
        /// The database path.
        path: PathBuf,
        /// How long we waited for the lock.
        waited: Duration,
    },
    /// The schema was written by a newer `dialer`; the file was not touched.
    #[error(
        "{}: schema version {found} was written by a newer dialer (this one knows versions \
         up to {supported}); upgrade dialer — the file was left untouched",
        path.display()
    )]
    Newer {
        /// The database path.
        path: PathBuf,
        /// `PRAGMA user_version` in the file.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },
    /// A SQLite database that belongs to something else.
    #[error(
        "{}: a SQLite database of another application (tables: {tables}); \
         refusing to add dialer tables to it — pass --db with a new file",
        path.display()
    )]
    Foreign {
        /// The database path.
        path: PathBuf,
        /// Some of the tables found, comma-separated.
        tables: String,
    },
    /// A read-only open found an older schema that needs a migration (a write).
    #[error(
        "{}: schema version {found} is older than this dialer's ({current}); run a command \
         that writes (e.g. `dialer dnc list`) to upgrade it first",
        path.display()
    )]
    NeedsUpgrade {
        /// The database path.
        path: PathBuf,
        /// `PRAGMA user_version` in the file.
        found: i64,
        /// The version this build writes.
        current: i64,
    },
    /// A read-only open found a journal (`-wal`, or a hot `-journal`) left by a crash or a
    /// killed import, which only a writer may recover.
    #[error(
        "{}: {} was left by a crash or a killed import and is not recovered yet; run a \
         command that writes (e.g. `dialer dnc list`) to recover it first",
        path.display(),
        journal.display()
    )]
    UnrecoveredJournal {
        /// The database path.
        path: PathBuf,
        /// The journal file a writer must roll back or forward.
        journal: PathBuf,
    },
    /// The disk (or the file system quota) is full; the transaction was rolled back.
    #[error("{}: disk full while {operation}; nothing was changed", path.display())]
    DiskFull {
        /// The database path.
        path: PathBuf,
        /// What we were doing.
        operation: &'static str,
    },
    /// SQLite could not open or create the file (missing folder, permissions).
    #[error(
        "{}: cannot open or create the database file (does its folder exist, and may we \
         write there?)",
        path.display()
    )]
    CannotOpen {
        /// The database path.
        path: PathBuf,
    },
    /// Reading the file itself failed (permissions, ...).
    // The cause is in the message, not in `source()`, so that `{:#}` does not print it twice.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The database path.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },
    /// Any other SQLite failure, with what we were doing.
    #[error("{}: {operation}: {cause}", path.display())]
    Sqlite {
        /// The database path.
        path: PathBuf,
        /// What we were doing.
        operation: &'static str,
        /// The underlying error.
        cause: rusqlite::Error,
    },
    /// A stored value this build cannot read (the file was edited by hand, or is damaged).
    #[error(
        "{}: {table}.{column} holds {value:?}, expected {expected}",
        path.display()
    )]
    BadValue {
        /// The database path.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The value found.
        value: String,
        /// What would be valid.
        expected: &'static str,
    },
    /// An id handed back to the store does not exist (or is in the wrong state).
    #[error("{}: {what} {id} not found{state}", path.display())]
    UnknownId {
        /// The database path.
        path: PathBuf,
        /// `number` or `attempt`.
        what: &'static str,
        /// The id.
        id: i64,
        /// Extra detail, such as the state that was required (empty or `" (…)"`).
        state: String,
    },
}

impl StoreError {
    /// True when the problem is the file the user pointed us at (not SQLite, another
    /// application's, newer, locked, needs a writer first): a usage error (exit 2). False for
    /// faults of the machine (I/O, full disk, SQLite errors): a runtime failure (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            StoreError::NotSqlite { .. }
                | StoreError::Locked { .. }
                | StoreError::Newer { .. }
                | StoreError::Foreign { .. }
                | StoreError::NeedsUpgrade { .. }
                | StoreError::UnrecoveredJournal { .. }
        )
    }

    /// Classifies a rusqlite error met while doing `operation` on the database at `path`.
    pub(crate) fn from_sqlite(
        path: &std::path::Path,
        busy_timeout: Duration,
        operation: &'static str,
        source: rusqlite::Error,
    ) -> StoreError {
        use rusqlite::ErrorCode;
        let path = path.to_path_buf();
        // A read-only connection that meets a hot rollback journal cannot roll it back.
        if let rusqlite::Error::SqliteFailure(e, _) = &source
            && e.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK
        {
            let mut journal = path.clone().into_os_string();
            journal.push("-journal");
            return StoreError::UnrecoveredJournal {
                path,
                journal: journal.into(),
            };
        }
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
                path,
                waited: busy_timeout,
            },
            Some(ErrorCode::NotADatabase) => StoreError::NotSqlite { path },
            Some(ErrorCode::DiskFull) => StoreError::DiskFull { path, operation },
            Some(ErrorCode::CannotOpen) => StoreError::CannotOpen { path },
            _ => StoreError::Sqlite {
                path,
                operation,
                cause: source,
            },
        }
    }
}
