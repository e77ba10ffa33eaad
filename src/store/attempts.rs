//! The `attempts` table (the CDRs): begin before the INVITE, finish after, recover after a
//! crash; and the attempt times the per-number limits need.
//!
//! Invariants:
//! - An attempt row exists (`in_flight`) before its INVITE leaves ([`Store::begin_attempt`]),
//!   so a crash can never hide a call that may have reached someone.
//! - [`Store::finish_attempt`] writes the attempt's result and its number's new state in ONE
//!   transaction: a CDR never says "finished" while its number still waits, or the reverse.
//! - Recovery only touches `in_flight` attempts and `in_progress` numbers: a `done` number is
//!   never put back in the queue.
//! - Every attempt counts towards the per-number limits, interrupted ones included (the phone
//!   may have rung).

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::Cached;
use super::numbers::{NumberUpdate, apply_update};
use super::{AttemptId, CampaignId, Location, NumberId, Store, StoreError, stamp};
use crate::campaign::E164;

pub use crate::disposition::Disposition;

impl Disposition {
    /// Reads a stored value, naming the table when it is not a disposition.
    pub(super) fn from_stored(
        text: &str,
        at: &Location,
        table: &'static str,
    ) -> Result<Disposition, StoreError> {
        text.parse().map_err(|_| StoreError::BadValue {
            path: at.path.clone(),
            table,
            column: if table == "numbers" {
                "last_disposition"
            } else {
                "disposition"
            },
            value: text.to_string(),
            expected: "ANSWERED, BUSY, NO_ANSWER, INVALID, REJECTED, FAILED, DNC, CAPPED, \
                       INVALID_NUMBER or DUPLICATE",
        })
    }
}

/// An attempt about to be made: written before the INVITE leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttempt {
    /// The claimed number being dialed.
    pub number: NumberId,
    /// The trunk's name.
    pub trunk: String,
    /// The INVITE's Call-ID.
    pub call_id: String,
    /// When the INVITE is sent.
    pub started_at: Timestamp,
}

/// How an attempt ended: every CDR field known after the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptResult {
    /// The outcome.
    pub disposition: Disposition,
    /// The final SIP status code, if a response came.
    pub sip_code: Option<u16>,
    /// Its reason phrase.
    pub sip_reason: Option<String>,
    /// First 18x.
    pub ringing_at: Option<Timestamp>,
    /// 200 OK.
    pub answered_at: Option<Timestamp>,
    /// BYE, CANCEL, or the final failure.
    pub ended_at: Timestamp,
    /// Ringing time in milliseconds, if it rang.
    pub ring_ms: Option<u64>,
    /// Talk time in milliseconds, if answered.
    pub talk_ms: Option<u64>,
    /// DTMF digits received, in order.
    pub dtmf: String,
    /// The IVR result label reached, if any.
    pub ivr_result: Option<String>,
    /// RTP packets sent.
    pub rtp_sent: u64,
    /// RTP packets received.
    pub rtp_received: u64,
    /// The recording's file, when the campaign records.
    pub recording: Option<String>,
    /// Why the recording failed (the call went on regardless).
    pub recording_error: Option<String>,
}

/// What [`Store::recover_interrupted`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecoverySummary {
    /// Attempts found `in_flight` and marked `interrupted`.
    pub attempts: u64,
    /// Claimed numbers put back to `pending`.
    pub numbers: u64,
}

/// SQLite integers are i64; counters above i64::MAX cannot happen, so saturate.
fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    /// Records an attempt as `in_flight` and counts it on its (claimed) number; call before
    /// the INVITE leaves.
    pub fn begin_attempt(&mut self, attempt: &NewAttempt) -> Result<AttemptId, StoreError> {
        let fail = self.at.fail("recording an attempt");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let number: Option<(i64, String, i64)> = tx
            .row(
                "SELECT campaign_id, e164, attempts FROM numbers \
                 WHERE id = ?1 AND state = 'in_progress'",
                [attempt.number.0],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(&fail)?;
        let Some((campaign, e164, attempts)) = number else {
            return Err(StoreError::UnknownId {
                path: self.at.path.clone(),
                what: "number",
                id: attempt.number.0,
                state: " in progress (claim it first)".to_string(),
            });
        };
        let started = stamp::to_text(attempt.started_at);
        tx.exec(
            "INSERT INTO attempts (campaign_id, number_id, e164, attempt, trunk, call_id, \
             started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                campaign,
                attempt.number.0,
                e164,
                attempts + 1,
                attempt.trunk,
                attempt.call_id,
                started
            ],
        )
        .map_err(&fail)?;
        let id = tx.last_insert_rowid();
        tx.exec(
            "UPDATE numbers SET attempts = attempts + 1, last_attempt_at = ?2 WHERE id = ?1",
            params![attempt.number.0, started],
        )
        .map_err(&fail)?;
        tx.commit().map_err(&fail)?;
        Ok(AttemptId(id))
    }

    /// Finishes an `in_flight` attempt with its result and moves its number on, in one
    /// transaction.
    pub fn finish_attempt(
        &mut self,
        id: AttemptId,
        result: &AttemptResult,
        update: &NumberUpdate,
    ) -> Result<(), StoreError> {
        let fail = self.at.fail("finishing an attempt");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let number: Option<i64> = tx
            .row(
                "UPDATE attempts SET status = 'finished', disposition = ?2, sip_code = ?3, \
                 sip_reason = ?4, ringing_at = ?5, answered_at = ?6, ended_at = ?7, \
                 ring_ms = ?8, talk_ms = ?9, dtmf = ?10, ivr_result = ?11, rtp_sent = ?12, \
                 rtp_received = ?13, recording = ?14, recording_error = ?15 \
                 WHERE id = ?1 AND status = 'in_flight' RETURNING number_id",
                params![
                    id.0,
                    result.disposition.as_str(),
                    result.sip_code,
                    result.sip_reason,
                    result.ringing_at.map(stamp::to_text),
                    result.answered_at.map(stamp::to_text),
                    stamp::to_text(result.ended_at),
                    result.ring_ms.map(int),
                    result.talk_ms.map(int),
                    result.dtmf,
                    result.ivr_result,
                    int(result.rtp_sent),
                    int(result.rtp_received),
                    result.recording,
                    result.recording_error,
                ],
                |row| row.get(0),
            )
            .optional()
            .map_err(&fail)?;
        let Some(number) = number else {
            return Err(StoreError::UnknownId {
                path: self.at.path.clone(),
                what: "attempt",
                id: id.0,
                state: " in flight (already finished or interrupted)".to_string(),
            });
        };
        apply_update(&tx, &self.at, NumberId(number), update)?;
        tx.commit().map_err(&fail)
    }

    /// After a crash: marks the campaign's `in_flight` attempts `interrupted` and puts its
    /// `in_progress` numbers back to `pending`, due at `now`. Call once when `run` starts,
    /// before claiming. Per campaign, so that another campaign running on the same database
    /// keeps its calls.
    pub fn recover_interrupted(
        &mut self,
        campaign: CampaignId,
        now: Timestamp,
    ) -> Result<RecoverySummary, StoreError> {
        let fail = self.at.fail("recovering interrupted attempts");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&fail)?;
        let attempts = tx
            .execute(
                "UPDATE attempts SET status = 'interrupted' \
                 WHERE campaign_id = ?1 AND status = 'in_flight'",
                [campaign.0],
            )
            .map_err(&fail)?;
        let numbers = tx
            .execute(
                "UPDATE numbers SET state = 'pending', next_due_at = ?2 \
                 WHERE campaign_id = ?1 AND state = 'in_progress'",
                params![campaign.0, stamp::to_text(now)],
            )
            .map_err(&fail)?;
        tx.commit().map_err(&fail)?;
        Ok(RecoverySummary {
            attempts: attempts as u64,
            numbers: numbers as u64,
        })
    }

    /// Start times of every attempt since `since` (inclusive), all campaigns, by number, each
    /// list in time order: the input of the per-number limits.
    pub fn attempt_times_since(
        &self,
        since: Timestamp,
    ) -> Result<HashMap<E164, Vec<Timestamp>>, StoreError> {
        let fail = self.at.fail("reading attempt times");
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e164, started_at FROM attempts WHERE started_at >= ?1 \
                 ORDER BY e164, started_at",
            )
            .map_err(&fail)?;
        let rows = stmt
            .query_map([stamp::to_text(since)], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(&fail)?;
        let mut times: HashMap<E164, Vec<Timestamp>> = HashMap::new();
        for row in rows {
            let (e164, started) = row.map_err(&fail)?;
            let ts = self.stored_time(&started, "started_at")?;
            times.entry(E164::from_trusted(e164)).or_default().push(ts);
        }
        Ok(times)
    }

    /// Start times of the attempts to one number since `since`, all campaigns, in order.
    pub fn attempt_times_of(
        &self,
        e164: &E164,
        since: Timestamp,
    ) -> Result<Vec<Timestamp>, StoreError> {
        let fail = self.at.fail("reading attempt times");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT started_at FROM attempts WHERE e164 = ?1 AND started_at >= ?2 \
                 ORDER BY started_at",
            )
            .map_err(&fail)?;
        let rows = stmt
            .query_map(params![e164.as_str(), stamp::to_text(since)], |row| {
                row.get::<_, String>(0)
            })
            .map_err(&fail)?;
        let mut times = Vec::new();
        for row in rows {
            times.push(self.stored_time(&row.map_err(&fail)?, "started_at")?);
        }
        Ok(times)
    }

    /// Parses a timestamp read from `attempts.column`.
    fn stored_time(&self, text: &str, column: &'static str) -> Result<Timestamp, StoreError> {
        stamp::from_text(text).ok_or_else(|| StoreError::BadValue {
            path: self.at.path.clone(),
            table: "attempts",
            column,
            value: text.to_string(),
            expected: "an RFC 3339 UTC timestamp such as 2026-11-23T09:30:00.000Z",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_round_trip_through_their_stored_names() {
        for d in Disposition::ALL {
            assert_eq!(d.as_str().parse::<Disposition>(), Ok(d));
        }
        assert!("answered".parse::<Disposition>().is_err());
        assert_eq!(Disposition::NoAnswer.to_string(), "NO_ANSWER");
    }
}
