//! The `numbers` and `skipped_rows` tables: their row types, claiming due numbers, and
//! settling numbers that were claimed but not dialed (importing lives in `import.rs`).
//!
//! Invariants:
//! - `skipped_rows` mirrors the latest import only (skipped rows carry no results).
//! - A number is `pending` (waiting, due at `next_due_at`), `in_progress` (claimed by a run)
//!   or `done` (final, never claimed again). Only a claim moves it to `in_progress`.

use jiff::Timestamp;
use rusqlite::{TransactionBehavior, params};

use super::Cached;
use super::attempts::Disposition;
use super::{CampaignId, NumberId, Store, StoreError, stamp};
use crate::campaign::{E164, Rejection};

/// One dialable row of a numbers file, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The physical line the record starts on (header = line 1).
    pub line: u64,
    /// The number as written in the file.
    pub raw: String,
    /// The number in E.164.
    pub e164: E164,
    /// The row's own IANA zone (the CSV's `timezone` column), if any.
    pub timezone: Option<String>,
    /// The CSV's other columns, in file order: (header, value).
    pub extra: Vec<(String, String)>,
}

/// Why a row of the numbers file will not be dialed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The number cell is empty.
    Blank,
    /// Not a dialable number.
    Invalid(Rejection),
    /// The same E.164 number appeared first on `first_line`.
    Duplicate {
        /// The line of the row that is kept.
        first_line: u64,
    },
}

impl SkipReason {
    /// (verdict, reason) as stored: `("invalid", "too-short")`.
    pub(super) fn columns(self) -> (&'static str, String) {
        match self {
            SkipReason::Blank => ("blank", "blank".to_string()),
            SkipReason::Invalid(r) => ("invalid", r.reason().to_string()),
            SkipReason::Duplicate { first_line } => {
                ("duplicate", format!("duplicate of line {first_line}"))
            }
        }
    }
}

/// A row of the numbers file that will not be dialed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// The physical line the record starts on.
    pub line: u64,
    /// The cell as written.
    pub raw: String,
    /// Why it is skipped.
    pub reason: SkipReason,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Numbers new to the campaign.
    pub added: u64,
    /// Numbers the campaign already had (their state and results were kept).
    pub already_present: u64,
    /// Rows recorded in `skipped_rows`.
    pub skipped: u64,
}

/// A number claimed for dialing: now `in_progress` until finished or settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedNumber {
    /// Its row id, for `begin_attempt` and `settle_number`.
    pub id: NumberId,
    /// The number.
    pub e164: E164,
    /// Its line in the numbers file.
    pub line: u64,
    /// Its own IANA zone, if the CSV gave one.
    pub timezone: Option<String>,
    /// Attempts made so far (interrupted ones included).
    pub attempts: u32,
    /// The disposition of the last attempt, if any.
    pub last_disposition: Option<Disposition>,
}

/// What becomes of a claimed number after an attempt (or instead of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberUpdate {
    /// Final: the number is `done` and never claimed again.
    Done {
        /// The final disposition (`ANSWERED`, `DNC`, ...).
        disposition: Disposition,
    },
    /// Back to `pending`, due at `due_at`: a retry, or a number that was not dialed now
    /// (outside its window, capped for the moment).
    Pending {
        /// When it may be claimed again.
        due_at: Timestamp,
        /// Recorded as the last disposition when given; `None` keeps the previous one.
        disposition: Option<Disposition>,
    },
    /// Stays claimed (`in_progress`) and is dialed again at once by the same run: failover to
    /// the next trunk. Records the attempt's disposition as the last one.
    Redial {
        /// The disposition of the attempt that failed over.
        disposition: Disposition,
    },
}

impl Store {
    /// Claims up to `n` pending numbers of `campaign` due at `now` (earliest due first) and
    /// marks them `in_progress`, atomically: two runs never claim the same number.
    pub fn claim_batch(
        &mut self,
        campaign: CampaignId,
        now: Timestamp,
        n: u32,
    ) -> Result<Vec<ClaimedNumber>, StoreError> {
        let fail = self.at.fail("claiming numbers");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let mut claimed = Vec::new();
        {
            let mut select = tx
                .prepare_cached(
                    "SELECT id, e164, line, timezone, attempts, last_disposition FROM numbers \
                     WHERE campaign_id = ?1 AND state = 'pending' AND next_due_at <= ?2 \
                     ORDER BY next_due_at, id LIMIT ?3",
                )
                .map_err(&fail)?;
            let rows = select
                .query_map(params![campaign.0, stamp::to_text(now), n], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, Option<String>>(5)?,
                    ))
                })
                .map_err(&fail)?;
            for row in rows {
                let (id, e164, line, timezone, attempts, last) = row.map_err(&fail)?;
                let last_disposition = last
                    .map(|d| Disposition::from_stored(&d, &self.at, "numbers"))
                    .transpose()?;
                claimed.push(ClaimedNumber {
                    id: NumberId(id),
                    e164: E164::from_trusted(e164),
                    line: line as u64,
                    timezone,
                    attempts: attempts as u32,
                    last_disposition,
                });
            }
            let mut mark = tx
                .prepare_cached("UPDATE numbers SET state = 'in_progress' WHERE id = ?1")
                .map_err(&fail)?;
            for number in &claimed {
                mark.execute([number.id.0]).map_err(&fail)?;
            }
        }
        tx.commit().map_err(&fail)?;
        Ok(claimed)
    }

    /// The earliest `next_due_at` of the campaign's pending numbers: when `run`, finding
    /// nothing due, should look again. `None` when nothing is pending.
    pub fn next_due_at(&self, campaign: CampaignId) -> Result<Option<Timestamp>, StoreError> {
        let fail = self.at.fail("reading the next due time");
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT min(next_due_at) FROM numbers WHERE campaign_id = ?1 AND state = 'pending'",
                [campaign.0],
                |row| row.get(0),
            )
            .map_err(&fail)?;
        text.map(|t| {
            stamp::from_text(&t).ok_or_else(|| StoreError::BadValue {
                path: self.at.path.clone(),
                table: "numbers",
                column: "next_due_at",
                value: t.clone(),
                expected: "an RFC 3339 UTC timestamp such as 2026-11-23T09:30:00.000Z",
            })
        })
        .transpose()
    }

    /// Settles a claimed number that was not dialed (DNC, capped, outside its window).
    pub fn settle_number(&mut self, id: NumberId, update: &NumberUpdate) -> Result<(), StoreError> {
        let fail = self.at.fail("updating a number");
        let tx = self.conn.transaction().map_err(&fail)?;
        apply_update(&tx, &self.at, id, update)?;
        tx.commit().map_err(&fail)
    }
}

/// Applies `update` to a claimed (`in_progress`) number inside the caller's transaction.
pub(super) fn apply_update(
    tx: &rusqlite::Transaction<'_>,
    at: &super::Location,
    id: NumberId,
    update: &NumberUpdate,
) -> Result<(), StoreError> {
    let fail = at.fail("updating a number");
    let changed = match update {
        NumberUpdate::Done { disposition } => tx.exec(
            "UPDATE numbers SET state = 'done', next_due_at = NULL, last_disposition = ?2 \
             WHERE id = ?1 AND state = 'in_progress'",
            params![id.0, disposition.as_str()],
        ),
        NumberUpdate::Pending {
            due_at,
            disposition,
        } => tx.exec(
            "UPDATE numbers SET state = 'pending', next_due_at = ?2, \
             last_disposition = coalesce(?3, last_disposition) \
             WHERE id = ?1 AND state = 'in_progress'",
            params![
                id.0,
                stamp::to_text(*due_at),
                disposition.map(Disposition::as_str)
            ],
        ),
        NumberUpdate::Redial { disposition } => tx.exec(
            "UPDATE numbers SET last_disposition = ?2 WHERE id = ?1 AND state = 'in_progress'",
            params![id.0, disposition.as_str()],
        ),
    }
    .map_err(&fail)?;
    if changed == 0 {
        return Err(StoreError::UnknownId {
            path: at.path.clone(),
            what: "number",
            id: id.0,
            state: " in progress (it was not claimed, or is already settled)".to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_reasons_are_stored_as_verdict_and_reason() {
        assert_eq!(SkipReason::Blank.columns(), ("blank", "blank".into()));
        assert_eq!(
            SkipReason::Invalid(Rejection::TooShort).columns(),
            ("invalid", "too-short".into())
        );
        assert_eq!(
            SkipReason::Duplicate { first_line: 3 }.columns(),
            ("duplicate", "duplicate of line 3".into())
        );
    }
}
