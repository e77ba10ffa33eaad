//! Importing a campaign's numbers into `numbers` and `skipped_rows`, fast enough for a
//! million-row file (target: well under 5 s on a 2-core machine).
//!
//! Invariants:
//! - One `BEGIN IMMEDIATE` transaction: a failed import (full disk, `kill`) changes nothing.
//! - Only adds: numbers the campaign already has are left exactly as they are, so re-importing
//!   the same or a changed CSV keeps every state, attempt and result.
//! - Rows are inserted in file order, so row ids (the claim order among numbers due at the
//!   same time) follow the file.
//! - The indexes a bulk import drops are built again, from [`BULK_INDEXES`], inside the same
//!   transaction: a reader never sees the table without them (a test holds the rebuilt schema
//!   to the migration's).
//!
//! Why it is fast (measured on 1M rows, see the README, "Benchmarks"):
//! - which numbers are new is answered from one sequential scan into a `HashSet` (also exact
//!   inside the immediate transaction), not from 1M index probes;
//! - a first import into a (nearly) empty table appends rows to the table only and then builds
//!   the two indexes by sorting: random inserts into the unique index cost ~3x more;
//! - numbers are keyed by an 8-byte integer (`digits`), not 15-byte text;
//! - alone on the file, the transaction uses a rollback journal: pages are written once, not
//!   to the WAL and then again by its checkpoint ([`RollbackJournal`]).
//!
//! Must not: update or delete a stored number, or rely on the caller having de-duplicated.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use jiff::Timestamp;
use rusqlite::{Transaction, TransactionBehavior, params};

use super::numbers::{ImportRow, ImportSummary, SkippedRow};
use super::{CACHE_KIB, CampaignId, Location, Store, StoreError, stamp};
use crate::campaign::E164;

/// With fewer numbers than this stored (all campaigns), an import drops the indexes and
/// rebuilds them at the end: rebuilding over so few stored rows costs little, and a first
/// import of a big file saves ~3x on its index inserts. With more, indexes are updated row by
/// row so a small import into a big database never re-sorts it.
const BULK_MAX_STORED: i64 = 50_000;

/// Page cache during a bulk import (KiB): ~200 bytes a number with its index entries, so a
/// million-row first import stays in memory until commit.
const BULK_CACHE_KIB: i64 = 256 * 1024;

/// Drops the indexes a bulk import rebuilds.
const BULK_DROP: &str = "DROP INDEX numbers_by_number; DROP INDEX numbers_due;";

/// The indexes on `numbers`, exactly as schema version 1 creates them.
const BULK_INDEXES: &str = "\
CREATE UNIQUE INDEX numbers_by_number ON numbers (campaign_id, digits);
CREATE INDEX numbers_due ON numbers (campaign_id, next_due_at) WHERE state = 'pending';";

/// A set of numbers' digits. The keys are integers we produced, not attacker-chosen strings,
/// so a multiplicative hash is enough, and it is ~3x faster than SipHash on 1M keys.
type DigitSet = HashSet<i64, BuildHasherDefault<DigitHasher>>;

/// Fibonacci hashing of one `i64` (what `DigitSet` needs, and only that).
#[derive(Default)]
struct DigitHasher(u64);

impl Hasher for DigitHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_i64(&mut self, n: i64) {
        // The product's high bits depend on every bit of `n`; folding them down makes the low
        // bits (hashbrown's bucket index) depend on every bit too.
        let x = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 32);
    }
}

impl Store {
    /// Adds a campaign's numbers and replaces its skipped rows, in one transaction.
    ///
    /// Idempotent: numbers already in the campaign (or earlier in `rows`) are counted in
    /// `already_present` and left exactly as they are (state, attempts, results, line, extra
    /// columns). New numbers are `pending`, due at `now`, and claimed in the order of `rows`.
    pub fn import_numbers(
        &mut self,
        campaign: CampaignId,
        rows: impl IntoIterator<Item = ImportRow>,
        skipped: impl IntoIterator<Item = SkippedRow>,
        now: Timestamp,
    ) -> Result<ImportSummary, StoreError> {
        let summary = self.import_numbers_if(campaign, rows, skipped, now, |_| true)?;
        Ok(summary.expect("committed unconditionally"))
    }

    /// [`Store::import_numbers`] that commits only if `commit_if` agrees once every row has
    /// been read (`None`: rolled back, the database exactly as it was). For callers that
    /// stream rows while they are still being checked: a bad row late in the file can still
    /// undo everything. `skipped` is iterated after the last row of `rows`.
    pub fn import_numbers_if(
        &mut self,
        campaign: CampaignId,
        rows: impl IntoIterator<Item = ImportRow>,
        skipped: impl IntoIterator<Item = SkippedRow>,
        now: Timestamp,
        commit_if: impl FnOnce(&ImportSummary) -> bool,
    ) -> Result<Option<ImportSummary>, StoreError> {
        let journal = RollbackJournal::begin(&self.conn, &self.at);
        let imported = self.import_transaction(campaign, rows, skipped, now, commit_if);
        journal.end(&self.conn, &self.at);
        // A bulk import may have grown the page cache; give the memory back either way.
        let restored = self
            .conn
            .pragma_update(None, "cache_size", -CACHE_KIB)
            .map_err(self.at.fail("importing numbers"));
        let summary = imported?;
        restored?;
        Ok(summary)
    }

    /// [`Store::import_numbers`] itself.
    fn import_transaction(
        &mut self,
        campaign: CampaignId,
        rows: impl IntoIterator<Item = ImportRow>,
        skipped: impl IntoIterator<Item = SkippedRow>,
        now: Timestamp,
        commit_if: impl FnOnce(&ImportSummary) -> bool,
    ) -> Result<Option<ImportSummary>, StoreError> {
        let fail = self.at.fail("importing numbers");
        let now = stamp::to_text(now);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let mut summary = ImportSummary::default();
        // Dropping the indexes and rebuilding them by sorting pays off when the table is
        // (nearly) empty: a first import, the common case. Decided before reading any row,
        // so rows are written as they arrive (the caller may still be screening the file).
        let bulk = count_all_numbers(&tx).map_err(&fail)? < BULK_MAX_STORED;
        if bulk {
            // Room for the new pages: pages spilled to the file mid-transaction are written
            // twice, and the index builds read the table back.
            tx.pragma_update(None, "cache_size", -BULK_CACHE_KIB)
                .map_err(&fail)?;
            tx.execute_batch(BULK_DROP).map_err(&fail)?;
        }
        let known = known_digits(&tx, campaign).map_err(&fail)?;
        summary.added = insert_numbers(&tx, &self.at, campaign, rows, known, &mut summary, &now)?;
        if bulk {
            tx.execute_batch(BULK_INDEXES).map_err(&fail)?;
        }
        summary.skipped = replace_skipped(&tx, campaign, skipped).map_err(&fail)?;
        tx.execute(
            "UPDATE campaigns SET last_import_at = ?2 WHERE id = ?1",
            params![campaign.0, now],
        )
        .map_err(&fail)?;
        if !commit_if(&summary) {
            tx.rollback().map_err(&fail)?;
            return Ok(None);
        }
        tx.commit().map_err(&fail)?;
        Ok(Some(summary))
    }
}

/// An import's transaction in rollback-journal mode, when nothing else has the file open.
///
/// Why: in WAL mode every page a million-row import writes goes to the `-wal` file and is then
/// copied again into the database by the checkpoint (~1 s of the 1M-row import). A rollback
/// journal holds only the *old* content of the pages the import changes (little: an import
/// mostly appends), and the new pages are written once, to the database. Atomicity is the
/// same: a killed import leaves a hot journal that the next writer rolls back.
///
/// Leaving WAL needs every other connection closed. When a `run` or a reader has the file
/// open the switch fails at once (no busy wait) and the import simply runs in WAL mode.
/// `synchronous = FULL` while in rollback mode: what that mode needs to survive a power cut.
struct RollbackJournal {
    switched: bool,
}

impl RollbackJournal {
    fn begin(conn: &rusqlite::Connection, at: &Location) -> RollbackJournal {
        let switched = without_waiting(conn, at, || {
            let mode: String =
                conn.query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            Ok(mode.eq_ignore_ascii_case("delete"))
        });
        let switched = switched.unwrap_or_else(|e| {
            tracing::debug!(error = %e, "import stays in WAL mode (the file is in use)");
            false
        });
        RollbackJournal { switched }
    }

    /// Back to WAL (as `Store::open` leaves every connection). Best effort: if a reader opened
    /// the file meanwhile, the next `Store::open` switches it.
    fn end(self, conn: &rusqlite::Connection, at: &Location) {
        if !self.switched {
            return;
        }
        let back = without_waiting(conn, at, || {
            conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
                row.get::<_, String>(0)
            })?;
            conn.pragma_update(None, "synchronous", "NORMAL")
        });
        if let Err(e) = back {
            tracing::debug!(error = %e, "database left in rollback-journal mode until next open");
        }
    }
}

/// Runs `f` with the connection's busy timeout at zero, then restores it.
fn without_waiting<T>(
    conn: &rusqlite::Connection,
    at: &Location,
    f: impl FnOnce() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.busy_timeout(std::time::Duration::ZERO)?;
    let result = f();
    conn.busy_timeout(at.busy_timeout)?;
    result
}

/// The stored form of a number: its digits without the `+`, as an integer.
fn digits_of(e164: &E164, at: &Location) -> Result<i64, StoreError> {
    e164.as_str()
        .strip_prefix('+')
        .filter(|d| (1..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| StoreError::BadValue {
            path: at.path.clone(),
            table: "numbers",
            column: "e164",
            value: e164.as_str().to_string(),
            expected: "an E.164 number: '+' and 1 to 15 digits",
        })
}

/// The campaign's numbers (their digits), read in one sequential scan.
fn known_digits(tx: &Transaction<'_>, campaign: CampaignId) -> rusqlite::Result<DigitSet> {
    let mut stmt = tx.prepare("SELECT digits FROM numbers WHERE campaign_id = ?1")?;
    let rows = stmt.query_map([campaign.0], |row| row.get::<_, i64>(0))?;
    rows.collect()
}

/// Every stored number, all campaigns (the size of the indexes a bulk import rebuilds).
fn count_all_numbers(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    tx.query_row("SELECT count(*) FROM numbers", [], |row| row.get(0))
}

/// Inserts the rows whose number the campaign does not have yet (`known`, then earlier in
/// `rows`), in order; the others are counted in `summary.already_present`. Returns how many
/// rows were written.
///
/// A plain INSERT: only new, distinct numbers get here, and the unique index (kept, or
/// rebuilt before commit) turns any mistake into a failed import, never a silent skip.
fn insert_numbers(
    tx: &Transaction<'_>,
    at: &Location,
    campaign: CampaignId,
    rows: impl IntoIterator<Item = ImportRow>,
    mut known: DigitSet,
    summary: &mut ImportSummary,
    now: &str,
) -> Result<u64, StoreError> {
    let fail = at.fail("importing numbers");
    let mut insert = tx
        .prepare(
            "INSERT INTO numbers \
             (campaign_id, digits, line, raw, timezone, extra, next_due_at, added_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )
        .map_err(&fail)?;
    let mut extra = String::new();
    let mut added = 0;
    for row in rows {
        let digits = digits_of(&row.e164, at)?;
        if !known.insert(digits) {
            summary.already_present += 1;
            continue;
        }
        encode_extra(&row.extra, &mut extra);
        insert
            .execute(params![
                campaign.0,
                digits,
                row.line as i64,
                row.raw,
                row.timezone,
                extra,
                now,
            ])
            .map_err(&fail)?;
        added += 1;
    }
    Ok(added)
}

/// Replaces the campaign's skipped rows with `skipped`; returns how many were written.
fn replace_skipped(
    tx: &Transaction<'_>,
    campaign: CampaignId,
    skipped: impl IntoIterator<Item = SkippedRow>,
) -> rusqlite::Result<u64> {
    tx.execute(
        "DELETE FROM skipped_rows WHERE campaign_id = ?1",
        [campaign.0],
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO skipped_rows (campaign_id, line, raw, verdict, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut count = 0;
    for row in skipped {
        let (verdict, reason) = row.reason.columns();
        insert.execute(params![
            campaign.0,
            row.line as i64,
            row.raw,
            verdict,
            reason
        ])?;
        count += 1;
    }
    Ok(count)
}

/// Writes the extra columns as a JSON object, in file order, into `out` (cleared first).
///
/// Why by hand: `serde_json::Map` sorts its keys unless `preserve_order` is on, and users
/// expect `export` to give the columns back in their order.
fn encode_extra(extra: &[(String, String)], out: &mut String) {
    out.clear();
    out.push('{');
    for (i, (name, value)) in extra.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Serialising a &str cannot fail.
        out.push_str(&serde_json::to_string(name).unwrap_or_default());
        out.push(':');
        out.push_str(&serde_json::to_string(value).unwrap_or_default());
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_columns_keep_their_order_and_escape() {
        let mut out = String::new();
        let extra = vec![
            ("zeta".to_string(), "1".to_string()),
            ("alpha \"q\"".to_string(), "line\nbreak".to_string()),
        ];
        encode_extra(&extra, &mut out);
        assert_eq!(out, r#"{"zeta":"1","alpha \"q\"":"line\nbreak"}"#);
        encode_extra(&[], &mut out);
        assert_eq!(out, "{}");
    }

    #[test]
    fn numbers_are_stored_as_their_digits_and_nothing_else_is_accepted() {
        let at = Location {
            path: "dialer.db".into(),
            busy_timeout: std::time::Duration::ZERO,
        };
        let digits = |s: &str| digits_of(&E164::from_trusted(s), &at).ok();
        assert_eq!(digits("+8613800138000"), Some(8_613_800_138_000));
        assert_eq!(digits("+999999999999999"), Some(999_999_999_999_999));
        for bad in [
            "8613800138000",
            "+",
            "+1234567890123456",
            "+86 138",
            "+-1",
            "++1",
        ] {
            assert_eq!(digits(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_bulk_import_leaves_the_indexes_exactly_as_the_migration_made_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("dialer.db")).unwrap();
        let indexes = |store: &Store| -> Vec<(String, String)> {
            let mut stmt = store
                .conn
                .prepare(
                    "SELECT name, sql FROM sqlite_schema WHERE type = 'index' \
                     AND tbl_name = 'numbers' ORDER BY name",
                )
                .unwrap();
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)));
            rows.unwrap().map(Result::unwrap).collect()
        };
        let before = indexes(&store);
        assert_eq!(before.len(), 2, "{before:?}");
        let now: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let row = |i: u64| ImportRow {
            line: i + 2,
            raw: String::new(),
            e164: E164::from_trusted(format!("+86138{:08}", i * 7919 % 100_000)),
            timezone: None,
            extra: Vec::new(),
        };
        // Another campaign's number: the rebuilt indexes must still hold it.
        let other = store.upsert_campaign("other", now).unwrap();
        store.import_numbers(other, [row(1)], [], now).unwrap();
        let campaign = store.upsert_campaign("bulk", now).unwrap();
        let rows = (0..20_000).map(row);
        let summary = store.import_numbers(campaign, rows, [], now).unwrap();
        assert_eq!(summary.added, 20_000);
        assert_eq!(indexes(&store), before);
        let again = store.import_numbers(other, [row(1), row(2)], [], now);
        assert_eq!(
            (
                again.unwrap().added,
                store.campaign_counts(other).unwrap().total()
            ),
            (1, 2)
        );
        let integrity: String = store
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        // The claim order is the file order, whatever the numbers.
        let claimed = store.claim_batch(campaign, now, 3).unwrap();
        let lines: Vec<u64> = claimed.iter().map(|c| c.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert_eq!(claimed[1].e164.as_str(), "+8613800007919");
    }

    /// The journal mode as the file's header says (what a new connection would start in).
    fn header_mode(store: &Store) -> String {
        store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn an_import_alone_uses_a_rollback_journal_and_leaves_the_file_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("dialer.db")).unwrap();
        let now: Timestamp = "2026-11-24T09:00:00Z".parse().unwrap();
        let campaign = store.upsert_campaign("alone", now).unwrap();
        let journal = RollbackJournal::begin(&store.conn, &store.at);
        assert!(journal.switched);
        assert_eq!(header_mode(&store), "delete");
        journal.end(&store.conn, &store.at);
        assert_eq!(header_mode(&store), "wal");
        let row = ImportRow {
            line: 2,
            raw: String::new(),
            e164: E164::from_trusted("+8613800138000"),
            timezone: None,
            extra: Vec::new(),
        };
        store.import_numbers(campaign, [row], [], now).unwrap();
        assert_eq!(header_mode(&store), "wal");
        let sync: i64 = store
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 1, "NORMAL again, as Store::open sets it");
    }

    #[test]
    fn an_import_beside_a_reader_stays_in_wal_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dialer.db");
        let mut store = Store::open(&path).unwrap();
        let now: Timestamp = "2026-11-24T09:00:00Z".parse().unwrap();
        let campaign = store.upsert_campaign("shared", now).unwrap();
        // Another process's `report`, say: an open connection that has read the file.
        let reader = rusqlite::Connection::open(&path).unwrap();
        let _: i64 = reader
            .query_row("SELECT count(*) FROM numbers", [], |r| r.get(0))
            .unwrap();
        let started = crate::net::clock::instant();
        let journal = RollbackJournal::begin(&store.conn, &store.at);
        assert!(!journal.switched);
        assert!(
            started.elapsed() < store.at.busy_timeout / 2,
            "no busy wait"
        );
        journal.end(&store.conn, &store.at);
        assert_eq!(header_mode(&store), "wal");
        let rows = (0..100u64).map(|i| ImportRow {
            line: i + 2,
            raw: String::new(),
            e164: E164::from_trusted(format!("+86138{i:08}")),
            timezone: None,
            extra: Vec::new(),
        });
        assert_eq!(
            store.import_numbers(campaign, rows, [], now).unwrap().added,
            100
        );
        let seen: i64 = reader
            .query_row("SELECT count(*) FROM numbers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(seen, 100, "the reader sees the import");
    }
}
