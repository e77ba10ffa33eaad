//! The store against real SQLite files: creation and migration, refusing files that are not
//! ours (byte-identical afterwards), locks held by a second connection, the read-only open
//! that creates nothing. Queue semantics (import, claim, attempts, recovery) are in
//! `store/queue.rs`.

mod queue;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use dialer::campaign::E164;
use dialer::store::{DncSource, Store, StoreError, StoreOptions, schema};
use rusqlite::Connection;

use crate::common::Sandbox;

/// A fixed instant: tests never read the clock.
pub fn ts(text: &str) -> jiff::Timestamp {
    text.parse().expect("timestamp")
}

/// A number known to be valid for the placeholder and the real normaliser alike.
pub fn num(text: &str) -> E164 {
    dialer::campaign::phone::normalize(text, None).expect("valid number")
}

/// The names of the files in `dir`.
fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

fn quick() -> StoreOptions {
    StoreOptions {
        busy_timeout: Duration::from_millis(150),
    }
}

#[test]
fn a_new_file_is_created_at_the_current_schema_in_wal_mode() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("dialer.db");
    drop(Store::open(&path).expect("open"));

    let conn = Connection::open(&path).unwrap();
    let pragma = |name: &str| -> i64 {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(pragma("user_version"), schema::CURRENT_VERSION);
    assert_eq!(pragma("application_id"), schema::APPLICATION_ID);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let tables: BTreeSet<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for table in ["campaigns", "numbers", "skipped_rows", "attempts", "dnc"] {
        assert!(tables.contains(table), "{table} missing from {tables:?}");
    }
}

#[test]
fn reopening_keeps_what_was_stored() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("dialer.db");
    let now = ts("2026-11-23T09:00:00Z");
    let id = {
        let mut store = Store::open(&path).unwrap();
        store
            .dnc_add(
                [num("+8613800138000")],
                &DncSource::Manual,
                Some("asked"),
                now,
            )
            .unwrap();
        store.upsert_campaign("spring", now).unwrap()
    };
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.campaign_id("spring").unwrap(), Some(id));
    assert_eq!(store.upsert_campaign("spring", now).unwrap(), id);
    let list = store.dnc_list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].note.as_deref(), Some("asked"));
    assert_eq!(list[0].added_at, now);
}

/// Writes a SQLite file the way another program (or a newer dialer) would.
fn foreign_file(path: &Path, sql: &str) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn a_newer_schema_is_refused_and_the_file_left_byte_identical() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("future.db");
    foreign_file(
        &path,
        &format!(
            "PRAGMA application_id = {}; PRAGMA user_version = 99; \
             CREATE TABLE numbers (id INTEGER PRIMARY KEY, hologram TEXT);",
            schema::APPLICATION_ID
        ),
    );
    let before = std::fs::read(&path).unwrap();
    let files = listing(sandbox.path());

    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::Newer { found: 99, .. }),
        "{err:?}"
    );
    assert!(err.is_usage());
    assert!(err.to_string().contains("future.db"), "{err}");
    let err = Store::open_read_only(&path).unwrap_err();
    assert!(matches!(err, StoreError::Newer { .. }), "{err:?}");

    assert_eq!(std::fs::read(&path).unwrap(), before, "bytes changed");
    assert_eq!(listing(sandbox.path()), files);
}

#[test]
fn a_wal_database_upgraded_by_a_newer_dialer_is_refused_untouched() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("dialer.db");
    let now = ts("2026-11-23T09:00:00Z");
    Store::open(&path)
        .unwrap()
        .dnc_add([num("+8613800138000")], &DncSource::Manual, None, now)
        .unwrap();
    // What a newer dialer's migration would leave behind (closed cleanly, in WAL mode).
    let newer = schema::CURRENT_VERSION + 1;
    foreign_file(&path, &format!("PRAGMA user_version = {newer};"));
    let before = std::fs::read(&path).unwrap();
    let files = listing(sandbox.path());

    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::Newer { found, .. } if found == newer),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "bytes changed");
    assert_eq!(listing(sandbox.path()), files);
}

#[test]
fn a_version_1_database_is_upgraded_keeping_its_data() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("dialer.db");
    let now = ts("2026-11-23T09:00:00Z");
    Store::open(&path)
        .unwrap()
        .dnc_add([num("+8613800138000")], &DncSource::Manual, None, now)
        .unwrap();
    // What dialer 1's schema looked like: no recording columns, version 1.
    foreign_file(
        &path,
        "ALTER TABLE attempts DROP COLUMN recording; \
         ALTER TABLE attempts DROP COLUMN recording_error; PRAGMA user_version = 1;",
    );
    let store = Store::open(&path).unwrap();
    assert_eq!(store.dnc_list().unwrap().len(), 1, "data kept");
    drop(store);
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema::CURRENT_VERSION);
    conn.prepare("SELECT recording, recording_error FROM attempts")
        .unwrap();
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("notes.txt", "call mum\n".repeat(40));
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotSqlite { .. }), "{err:?}");
    assert!(err.is_usage());
    assert!(
        err.to_string()
            .contains("notes.txt is not a SQLite database"),
        "{err}"
    );
    assert!(matches!(
        Store::open_read_only(&path).unwrap_err(),
        StoreError::NotSqlite { .. }
    ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        "call mum\n".repeat(40).as_bytes()
    );
}

#[test]
fn another_applications_database_is_refused_untouched() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("crm.db");
    foreign_file(
        &path,
        "CREATE TABLE contacts (name TEXT, phone TEXT); \
         INSERT INTO contacts VALUES ('Ann', '+8613800138000');",
    );
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Foreign { .. }), "{err:?}");
    assert!(err.to_string().contains("contacts"), "{err}");
    assert!(err.is_usage());
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_write_lock_held_elsewhere_is_a_typed_locked_error_after_the_timeout() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("dialer.db");
    let now = ts("2026-11-23T09:00:00Z");
    drop(Store::open(&path).unwrap());

    let holder = Connection::open(&path).unwrap();
    holder
        .execute_batch(
            "BEGIN EXCLUSIVE; INSERT INTO dnc VALUES ('+8613800138001', 'x', 'manual', NULL);",
        )
        .unwrap();
    // WAL: readers still read while the other process writes...
    let mut store = Store::open_with(&path, quick()).expect("reads are not blocked");
    assert!(store.dnc_list().unwrap().is_empty());
    // ...but a write waits for the busy timeout, then fails with a typed error.
    let started = dialer::net::clock::instant();
    let err = store
        .dnc_add([num("+8613800138000")], &DncSource::Manual, None, now)
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.is_usage());
    assert!(
        err.to_string()
            .contains("database is locked by another process")
    );
    assert!(
        waited >= Duration::from_millis(100),
        "gave up after {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");

    holder.execute_batch("ROLLBACK").unwrap();
    store
        .dnc_add([num("+8613800138000")], &DncSource::Manual, None, now)
        .expect("works once the lock is gone");
}

#[test]
fn a_lock_held_on_a_database_not_yet_migrated_fails_the_open() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("dialer.db");
    let holder = Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let err = Store::open_with(&path, quick()).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    Store::open_with(&path, quick()).expect("opens once released");
}

#[test]
fn read_only_open_of_a_missing_or_empty_file_is_none_and_creates_nothing() {
    let sandbox = Sandbox::new();
    assert!(
        Store::open_read_only(sandbox.join("dialer.db"))
            .unwrap()
            .is_none()
    );
    assert!(listing(sandbox.path()).is_empty());
    sandbox.write("empty.db", "");
    assert!(
        Store::open_read_only(sandbox.join("empty.db"))
            .unwrap()
            .is_none()
    );
    assert_eq!(
        listing(sandbox.path()),
        BTreeSet::from(["empty.db".to_string()])
    );
}

#[test]
fn read_only_open_reads_a_closed_database_and_creates_nothing() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("dialer.db");
    let now = ts("2026-11-23T09:00:00Z");
    Store::open(&path)
        .unwrap()
        .dnc_add([num("+8613800138000")], &DncSource::Manual, None, now)
        .unwrap();
    let files = listing(sandbox.path());
    assert_eq!(files, BTreeSet::from(["dialer.db".to_string()]));
    let before = std::fs::read(&path).unwrap();

    let mut store = Store::open_read_only(&path).unwrap().expect("exists");
    assert!(store.dnc_contains(&num("+8613800138000")).unwrap());
    assert_eq!(listing(sandbox.path()), files, "while open");
    let refused = store.dnc_add([num("+8613800138002")], &DncSource::Manual, None, now);
    assert!(refused.is_err(), "a read-only store wrote");
    drop(store);

    assert_eq!(listing(sandbox.path()), files, "after close");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn read_only_open_beside_a_running_writer_sees_its_commits() {
    let sandbox = Sandbox::new();
    let path = sandbox.join("dialer.db");
    let now = ts("2026-11-23T09:00:00Z");
    let mut writer = Store::open(&path).unwrap();
    writer
        .dnc_add([num("+8613800138000")], &DncSource::Manual, None, now)
        .unwrap();
    let files = listing(sandbox.path());

    let reader = Store::open_read_only(&path).unwrap().expect("exists");
    assert!(reader.dnc_contains(&num("+8613800138000")).unwrap());
    drop(reader);
    assert_eq!(listing(sandbox.path()), files);
}

/// The import speed target: 1,000,000 numbers, normalised and imported (target: well under 5 s);
/// prints the figures.
/// `cargo test --release --test integration store::import_of_a_million -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run with --ignored (ideally --release)"]
fn import_of_a_million_numbers() {
    use dialer::store::ImportRow;
    const N: u64 = 1_000_000;
    let sandbox = Sandbox::new();
    let mut store = Store::open(sandbox.join("dialer.db")).unwrap();
    let now = ts("2026-11-23T09:00:00Z");
    let campaign = store.upsert_campaign("million", now).unwrap();

    let started = dialer::net::clock::instant();
    // A fixed permutation (7919 is prime to 10^6): numbers arrive in no particular order,
    // as in a real CSV, so the unique index is hit at random.
    let rows: Vec<ImportRow> = (0..N)
        .map(|i| {
            let raw = format!("+86 138 {:08}", (i * 7919) % N);
            let e164 = dialer::campaign::phone::normalize(&raw, Some("CN")).unwrap();
            ImportRow {
                line: i + 2,
                raw,
                e164,
                timezone: None,
                extra: vec![("name".into(), format!("customer {i}"))],
            }
        })
        .collect();
    let normalised = started.elapsed();
    let summary = store.import_numbers(campaign, rows, [], now).unwrap();
    let total = started.elapsed();
    eprintln!(
        "1M numbers: normalise {:.2} s, import {:.2} s, total {:.2} s",
        normalised.as_secs_f64(),
        (total - normalised).as_secs_f64(),
        total.as_secs_f64()
    );
    assert_eq!(summary.added, N);

    let again = dialer::net::clock::instant();
    let rows = (0..N).map(|i| ImportRow {
        line: i + 2,
        raw: String::new(),
        e164: num(&format!("+86138{:08}", (i * 7919) % N)),
        timezone: None,
        extra: Vec::new(),
    });
    let summary = store.import_numbers(campaign, rows, [], now).unwrap();
    eprintln!(
        "re-import of the same 1M: {:.2} s",
        again.elapsed().as_secs_f64()
    );
    assert_eq!((summary.added, summary.already_present), (0, N));
    // The target is 5 s; on the shared 2-core build machine it is not met (see docs/schema.md),
    // so this only guards against a gross regression such as losing the single transaction.
    assert!(total < Duration::from_secs(60), "{total:?}");
}
