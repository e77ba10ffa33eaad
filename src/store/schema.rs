//! The schema and its migrations, keyed on `PRAGMA user_version`.
//!
//! Invariants:
//! - `MIGRATIONS[i]` takes a database from version `i` to `i + 1`; released entries are never
//!   edited, only appended to (a new column is a new migration).
//! - All pending migrations run in ONE `BEGIN IMMEDIATE` transaction with the version bump, so a
//!   failed upgrade leaves the file as it was.
//! - A file is ours when its `application_id` is [`APPLICATION_ID`], or when it is empty
//!   (version 0, no tables). Anything else is refused before a single byte is written: a newer
//!   version ([`StoreError::Newer`]) or another application's database ([`StoreError::Foreign`]).
//!
//! Must not: drop or rewrite user data in a migration without a copy in the same transaction.

use rusqlite::{Connection, TransactionBehavior};

use super::{Location, StoreError};

/// `PRAGMA application_id` of a dialer database: "DIAL" in ASCII. `file(1)` and sqlite3 show it.
pub const APPLICATION_ID: i64 = 0x4449_414C;

/// The schema version this build writes (and the newest it reads).
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 1: campaigns, numbers, skipped rows, attempts (CDRs), the DNC list.
const V1: &str = r#"
CREATE TABLE campaigns (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    last_import_at  TEXT
);

CREATE TABLE numbers (
    id                INTEGER PRIMARY KEY,
    campaign_id       INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    -- The E.164 number's digits without '+': 8-byte integer keys make the unique index ~3x
    -- cheaper to build than TEXT ones. `e164` gives the usual text form, computed on read.
    digits            INTEGER NOT NULL,
    e164              TEXT GENERATED ALWAYS AS ('+' || digits) VIRTUAL,
    line              INTEGER NOT NULL,
    raw               TEXT NOT NULL,
    timezone          TEXT,
    extra             TEXT NOT NULL DEFAULT '{}',
    -- CHECKs use `=`/OR, not IN (...): SQLite builds a temporary b-tree for a 3-item IN list
    -- on every row written, which cost ~40% of a million-number import.
    state             TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state = 'pending' OR state = 'in_progress' OR state = 'done'),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_due_at       TEXT,
    last_disposition  TEXT,
    last_attempt_at   TEXT,
    added_at          TEXT NOT NULL
);
-- One row per number per campaign. A named index, not a table constraint, so a bulk import
-- can drop it and build it again by sorting (store/numbers.rs, BULK_INDEXES).
CREATE UNIQUE INDEX numbers_by_number ON numbers (campaign_id, digits);
-- Claiming: the due pending numbers of one campaign, oldest due first.
CREATE INDEX numbers_due ON numbers (campaign_id, next_due_at) WHERE state = 'pending';

CREATE TABLE skipped_rows (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    line         INTEGER NOT NULL,
    raw          TEXT NOT NULL,
    verdict      TEXT NOT NULL
                 CHECK (verdict = 'blank' OR verdict = 'invalid' OR verdict = 'duplicate'),
    reason       TEXT NOT NULL
);
CREATE INDEX skipped_rows_by_campaign ON skipped_rows (campaign_id, line);

CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    number_id     INTEGER NOT NULL REFERENCES numbers(id) ON DELETE CASCADE,
    e164          TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'in_flight'
                  CHECK (status = 'in_flight' OR status = 'finished' OR status = 'interrupted'),
    trunk         TEXT NOT NULL,
    call_id       TEXT NOT NULL,
    sip_code      INTEGER,
    sip_reason    TEXT,
    disposition   TEXT,
    started_at    TEXT NOT NULL,
    ringing_at    TEXT,
    answered_at   TEXT,
    ended_at      TEXT,
    ring_ms       INTEGER,
    talk_ms       INTEGER,
    dtmf          TEXT NOT NULL DEFAULT '',
    ivr_result    TEXT,
    rtp_sent      INTEGER NOT NULL DEFAULT 0,
    rtp_received  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (number_id, attempt)
);
-- Per-number limits across campaigns: attempts to one number since a time.
CREATE INDEX attempts_by_number ON attempts (e164, started_at);
-- Reports and exports per campaign.
CREATE INDEX attempts_by_campaign ON attempts (campaign_id, started_at);
-- Crash recovery: the few attempts still in flight.
CREATE INDEX attempts_in_flight ON attempts (campaign_id) WHERE status = 'in_flight';

CREATE TABLE dnc (
    e164      TEXT PRIMARY KEY,
    added_at  TEXT NOT NULL,
    source    TEXT NOT NULL,
    note      TEXT
) WITHOUT ROWID;
"#;

/// Version 2: where an answered call's recording went, or why it failed (`record:`).
const V2: &str = r#"
ALTER TABLE attempts ADD COLUMN recording TEXT;
ALTER TABLE attempts ADD COLUMN recording_error TEXT;
"#;

/// Every migration, oldest first. Append only.
const MIGRATIONS: &[&str] = &[V1, V2];

/// What a first look at a database found.
enum Verdict {
    /// Empty (version 0, no tables): ours to create.
    Empty,
    /// Ours, at this version (at most [`CURRENT_VERSION`]).
    Ours(i64),
}

/// Reads the version and decides whether the file is ours, without writing.
fn inspect(conn: &Connection, at: &Location) -> Result<Verdict, StoreError> {
    let read = |sql: &str| -> Result<i64, StoreError> {
        conn.query_row(sql, [], |row| row.get(0))
            .map_err(at.fail("reading the schema version"))
    };
    let version = read("PRAGMA user_version")?;
    let app_id = read("PRAGMA application_id")?;
    let tables = user_tables(conn).map_err(at.fail("listing tables"))?;
    if app_id != APPLICATION_ID && (app_id != 0 || version != 0 || !tables.is_empty()) {
        return Err(StoreError::Foreign {
            path: at.path.clone(),
            tables: summarize(&tables, app_id),
        });
    }
    if version > CURRENT_VERSION {
        return Err(StoreError::Newer {
            path: at.path.clone(),
            found: version,
            supported: CURRENT_VERSION,
        });
    }
    Ok(if version == 0 {
        Verdict::Empty
    } else {
        Verdict::Ours(version)
    })
}

/// The names of the tables in `conn`, SQLite's own excepted.
fn user_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )?;
    stmt.query_map([], |row| row.get(0))?.collect()
}

/// A short description of a foreign database for the error message.
fn summarize(tables: &[String], app_id: i64) -> String {
    let mut text = match tables.len() {
        0 => "none".to_string(),
        1..=5 => tables.join(", "),
        n => format!("{}, … ({n} in all)", tables[..5].join(", ")),
    };
    if app_id != 0 {
        text.push_str(&format!("; application_id {app_id:#x}"));
    }
    text
}

/// Checks a database opened for writing and brings it to [`CURRENT_VERSION`].
///
/// Order matters: nothing is written (not even the journal mode) until the file is known to be
/// ours and not newer, so a refused file stays byte-identical.
pub(super) fn prepare(conn: &mut Connection, at: &Location) -> Result<(), StoreError> {
    let verdict = inspect(conn, at)?;
    // WAL lets readers (`report`, `dry-run`) run beside a writing `run`. Switching needs no
    // transaction open, so it comes before the migration.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(at.fail("switching to WAL"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::debug!(path = %at.path.display(), mode, "journal mode is not WAL");
    }
    if matches!(verdict, Verdict::Ours(v) if v == CURRENT_VERSION) {
        return Ok(());
    }
    migrate(conn, at)
}

/// Applies every pending migration in one immediate transaction.
fn migrate(conn: &mut Connection, at: &Location) -> Result<(), StoreError> {
    let fail = at.fail("migrating the schema");
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&fail)?;
    // Another process may have migrated (or claimed the file) between the look and the lock.
    let from = match inspect(&tx, at)? {
        Verdict::Empty => 0,
        Verdict::Ours(v) => v,
    };
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        tx.execute_batch(sql).map_err(&fail)?;
        tracing::debug!(version = index + 1, "applied migration");
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(&fail)?;
    tx.pragma_update(None, "user_version", CURRENT_VERSION)
        .map_err(&fail)?;
    tx.commit().map_err(&fail)
}

/// Checks a database opened read-only: `false` when it is empty (nothing stored yet).
pub(super) fn check_read_only(conn: &Connection, at: &Location) -> Result<bool, StoreError> {
    match inspect(conn, at)? {
        Verdict::Empty => Ok(false),
        Verdict::Ours(v) if v == CURRENT_VERSION => Ok(true),
        Verdict::Ours(v) => Err(StoreError::NeedsUpgrade {
            path: at.path.clone(),
            found: v,
            current: CURRENT_VERSION,
        }),
    }
}
