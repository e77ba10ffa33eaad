//! The SQLite database: campaigns, numbers and their state, attempts (CDRs), the DNC list.
//!
//! The only module that names rusqlite: everything else speaks the typed API of [`Store`]
//! (`jiff::Timestamp` for times, [`crate::campaign::E164`] for numbers, ids as newtypes).
//!
//! # Layout
//! - [`schema`]: hand-written migrations on `PRAGMA user_version`, applied in one transaction.
//! - `campaigns`, `numbers` (+ `import`), `attempts`, `dnc`: the operations, one table family
//!   per file.
//! - [`StoreError`]: typed failures, each naming the database file.
//!
//! # Invariants
//! - Every write is one transaction: a failed import, claim or finish changes nothing, and
//!   nothing already stored is lost by a failed open or a failed import.
//! - [`Store::open`] refuses, without writing a byte, a file that is not SQLite, another
//!   application's database, or a schema newer than this build.
//! - [`Store::open_read_only`] never creates or modifies a file (not even WAL's `-shm`/`-wal`):
//!   `dry-run` uses it.
//! - Timestamps are stored as fixed-width RFC 3339 UTC text with milliseconds (they sort, and
//!   sqlite's date functions read them); durations as integer milliseconds.
//! - An attempt row is written (`in_flight`) before its INVITE leaves; a crash leaves it for
//!   [`Store::recover_interrupted`], which never puts a finished number back in the queue.
//!
//! # Must not
//! Read the clock (callers pass `now`), decide policy (DNC, limits, windows: `schedule/`), or
//! ever hold a secret.

mod attempts;
mod campaigns;
mod dnc;
mod error;
mod export;
mod import;
mod numbers;
pub mod schema;
mod stamp;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use attempts::{AttemptResult, Disposition, NewAttempt, RecoverySummary};
pub use campaigns::CampaignCounts;
pub use dnc::{DncAddSummary, DncEntry, DncSource};
pub use error::StoreError;
pub use export::{ExportError, ExportRow, ExportShape, decode_extra};
pub use numbers::{ClaimedNumber, ImportRow, ImportSummary, NumberUpdate, SkipReason, SkippedRow};

/// `ts` in the stored (and exported) form: RFC 3339 UTC, milliseconds, fixed width
/// (`2026-11-23T09:30:00.125Z`).
pub fn format_timestamp(ts: jiff::Timestamp) -> String {
    stamp::to_text(ts)
}

/// A campaign's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CampaignId(i64);

/// A number's row id (one number of one campaign).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NumberId(i64);

/// An attempt's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttemptId(i64);

macro_rules! row_id {
    ($($id:ident),*) => {$(
        impl $id {
            /// The row id as stored (for logs and sqlite3 queries).
            pub fn get(self) -> i64 {
                self.0
            }
        }
    )*};
}
row_id!(CampaignId, NumberId, AttemptId);

/// How to open a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long to wait for another process's lock before giving up with
    /// [`StoreError::Locked`].
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// Where a database lives, for error messages.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    pub(crate) path: PathBuf,
    pub(crate) busy_timeout: Duration,
}

impl Location {
    /// Maps a rusqlite error met while doing `operation` to a [`StoreError`].
    pub(crate) fn fail(
        &self,
        operation: &'static str,
    ) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |e| StoreError::from_sqlite(&self.path, self.busy_timeout, operation, e)
    }
}

/// An open dialer database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    at: Location,
}

/// The page cache of a connection, in KiB (a bulk import raises it for its transaction).
const CACHE_KIB: i64 = 65_536;

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

impl Store {
    /// Opens (creating and migrating if needed) the database at `path`, waiting up to 5 s for
    /// another process's lock.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path, StoreOptions::default())
    }

    /// [`Store::open`] with explicit options.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Store, StoreError> {
        let at = Location {
            path: path.as_ref().to_path_buf(),
            busy_timeout: options.busy_timeout,
        };
        // Refuse a non-SQLite file before SQLite sees it: SQLite would only notice at the
        // first read, and a 0-byte file it would happily turn into a database.
        read_header(&at)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&at.path, flags).map_err(at.fail("opening"))?;
        configure(&conn, &at)?;
        schema::prepare(&mut conn, &at)?;
        Ok(Store { conn, at })
    }

    /// Opens an existing database read-only, for `dry-run`: `None` when there is no file (or
    /// an empty one). Never creates or modifies any file, WAL's `-shm` and `-wal` included.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Option<Store>, StoreError> {
        Store::open_read_only_with(path, StoreOptions::default())
    }

    /// [`Store::open_read_only`] with explicit options.
    pub fn open_read_only_with(
        path: impl AsRef<Path>,
        options: StoreOptions,
    ) -> Result<Option<Store>, StoreError> {
        let at = Location {
            path: path.as_ref().to_path_buf(),
            busy_timeout: options.busy_timeout,
        };
        let Some(header) = read_header(&at)? else {
            return Ok(None);
        };
        let uri = read_only_uri(&at, &header)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(uri, flags).map_err(at.fail("opening read-only"))?;
        conn.busy_timeout(at.busy_timeout)
            .map_err(at.fail("setting the busy timeout"))?;
        if !schema::check_read_only(&conn, &at)? {
            return Ok(None);
        }
        Ok(Some(Store { conn, at }))
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.at.path
    }
}

/// Statements run once per call go through the connection's statement cache: at 2,000
/// calls/s, parsing them again for every call cost ~2% of the run's CPU (perf).
pub(crate) trait Cached {
    /// `execute` with a cached statement.
    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize>;
    /// `query_row` with a cached statement.
    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// Per-connection settings (none of them writes to the file).
fn configure(conn: &Connection, at: &Location) -> Result<(), StoreError> {
    let fail = at.fail("configuring the connection");
    conn.busy_timeout(at.busy_timeout).map_err(&fail)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(&fail)?;
    // WAL + NORMAL: durable at checkpoints, never corrupt; a power cut may lose the last
    // transactions, which crash recovery treats like any interrupted call.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(&fail)?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)
        .map_err(&fail)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(&fail)
}

/// The file's first 100 bytes (the SQLite header), `None` when the file is missing or empty;
/// [`StoreError::NotSqlite`] when it is something else.
fn read_header(at: &Location) -> Result<Option<Vec<u8>>, StoreError> {
    let io = |cause| StoreError::Io {
        path: at.path.clone(),
        cause,
    };
    let mut file = match File::open(&at.path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let mut header = Vec::with_capacity(100);
    file.by_ref()
        .take(100)
        .read_to_end(&mut header)
        .map_err(io)?;
    match header.len() {
        0 => Ok(None),
        n if n == 100 && header.starts_with(SQLITE_MAGIC) => Ok(Some(header)),
        _ => Err(StoreError::NotSqlite {
            path: at.path.clone(),
        }),
    }
}

/// The URI that opens `at` read-only without creating a file.
///
/// SQLite's read-only connections still create `-shm` (and `-wal`) for a WAL database. So:
/// - rollback-journal file (header byte 18 is 1): plain `mode=ro` creates nothing;
/// - WAL file with `-shm` present (a writer is running, or crashed): `mode=ro` uses the
///   existing files;
/// - WAL file with neither file: it was closed cleanly and checkpointed, so the main file holds
///   everything and `immutable=1` reads it without the shared-memory file. The price: no locks,
///   so a writer that starts *and* checkpoints during our read may show us a torn snapshot; a
///   dry run tolerates that, and `run` never uses this path;
/// - `-wal` without `-shm`: a crash left data only a writer can recover: refused.
fn read_only_uri(at: &Location, header: &[u8]) -> Result<String, StoreError> {
    let sidecar = |suffix: &str| {
        let mut name = at.path.clone().into_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    let wal_mode = header[18] == 2;
    let wal = sidecar("-wal");
    let has_wal = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let has_shm = sidecar("-shm").exists();
    let query = match (wal_mode, has_shm, has_wal) {
        (false, _, _) | (true, true, _) => "mode=ro",
        (true, false, false) => "mode=ro&immutable=1",
        (true, false, true) => {
            return Err(StoreError::UnrecoveredJournal {
                path: at.path.clone(),
                journal: wal,
            });
        }
    };
    Ok(format!("file:{}?{query}", uri_path(&at.path)))
}

/// Percent-encodes a path for a `file:` URI (RFC 3986 unreserved characters and `/` kept).
fn uri_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_paths_escape_what_sqlite_would_read_as_syntax() {
        assert_eq!(
            uri_path(Path::new("/tmp/a b?c#d%")),
            "/tmp/a%20b%3Fc%23d%25"
        );
        assert_eq!(uri_path(Path::new("rel/dialer.db")), "rel/dialer.db");
    }

    #[test]
    fn a_full_disk_is_a_runtime_error_and_the_import_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("dialer.db")).unwrap();
        let now: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let campaign = store.upsert_campaign("spring", now).unwrap();
        // SQLite's own page limit yields the same SQLITE_FULL a full disk does.
        let pages: i64 = store
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        store
            .conn
            .pragma_update(None, "max_page_count", pages + 4)
            .unwrap();
        let rows = (0..20_000u64).map(|i| ImportRow {
            line: i + 2,
            raw: format!("+86138{i:08}"),
            e164: crate::campaign::E164::from_trusted(format!("+86138{i:08}")),
            timezone: None,
            extra: Vec::new(),
        });
        let err = store.import_numbers(campaign, rows, [], now).unwrap_err();
        assert!(matches!(err, StoreError::DiskFull { .. }), "{err:?}");
        assert!(!err.is_usage());
        assert!(err.to_string().contains("nothing was changed"), "{err}");
        assert_eq!(store.campaign_counts(campaign).unwrap().total(), 0);
    }
}
