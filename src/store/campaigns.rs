//! The `campaigns` table: one row per campaign name, and counts of its numbers by state.
//!
//! Invariant: a campaign's name is its key; re-running a campaign file reuses its row, so
//! results accumulate instead of starting over.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{CampaignId, Store, StoreError, stamp};

/// How far a campaign has got: its numbers by state, and the finished ones by disposition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignCounts {
    /// Numbers waiting for a (first or next) attempt.
    pub pending: u64,
    /// Numbers claimed by a running `run` (or left so by a crash, until recovery).
    pub in_progress: u64,
    /// Numbers in a final state.
    pub done: u64,
    /// Every number by its last disposition (`ANSWERED`, `BUSY`, ...), pending retries
    /// included; numbers never attempted are absent.
    pub by_disposition: BTreeMap<String, u64>,
}

impl CampaignCounts {
    /// All numbers of the campaign.
    pub fn total(&self) -> u64 {
        self.pending + self.in_progress + self.done
    }
}

impl Store {
    /// The id of the campaign called `name`, creating it (stamped `now`) if it is new.
    pub fn upsert_campaign(
        &mut self,
        name: &str,
        now: Timestamp,
    ) -> Result<CampaignId, StoreError> {
        let fail = self.at.fail("recording the campaign");
        self.conn
            .execute(
                "INSERT INTO campaigns (name, created_at) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO NOTHING",
                params![name, stamp::to_text(now)],
            )
            .map_err(&fail)?;
        self.conn
            .query_row("SELECT id FROM campaigns WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .map(CampaignId)
            .map_err(&fail)
    }

    /// Deletes `campaign` if it has no number, skipped row or attempt (an import that was
    /// rolled back leaves nothing behind); true if it was deleted.
    pub fn remove_campaign_if_empty(&mut self, campaign: CampaignId) -> Result<bool, StoreError> {
        let deleted = self
            .conn
            .execute(
                "DELETE FROM campaigns WHERE id = ?1 \
                 AND NOT EXISTS (SELECT 1 FROM numbers WHERE campaign_id = ?1) \
                 AND NOT EXISTS (SELECT 1 FROM skipped_rows WHERE campaign_id = ?1) \
                 AND NOT EXISTS (SELECT 1 FROM attempts WHERE campaign_id = ?1)",
                [campaign.0],
            )
            .map_err(self.at.fail("removing an empty campaign"))?;
        Ok(deleted > 0)
    }

    /// The id of the campaign called `name`, if it exists (never creates one).
    pub fn campaign_id(&self, name: &str) -> Result<Option<CampaignId>, StoreError> {
        self.conn
            .query_row("SELECT id FROM campaigns WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .optional()
            .map(|id| id.map(CampaignId))
            .map_err(self.at.fail("looking up the campaign"))
    }

    /// Counts of the campaign's numbers by state and by last disposition.
    pub fn campaign_counts(&self, campaign: CampaignId) -> Result<CampaignCounts, StoreError> {
        let fail = self.at.fail("counting numbers");
        let mut counts = CampaignCounts::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT state, last_disposition, count(*) FROM numbers \
                 WHERE campaign_id = ?1 GROUP BY state, last_disposition",
            )
            .map_err(&fail)?;
        let rows = stmt
            .query_map([campaign.0], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(&fail)?;
        for row in rows {
            let (state, disposition, n) = row.map_err(&fail)?;
            let n = n as u64;
            match state.as_str() {
                "pending" => counts.pending += n,
                "in_progress" => counts.in_progress += n,
                "done" => counts.done += n,
                _ => {
                    return Err(StoreError::BadValue {
                        path: self.at.path.clone(),
                        table: "numbers",
                        column: "state",
                        value: state,
                        expected: "pending, in_progress or done",
                    });
                }
            }
            if let Some(d) = disposition {
                *counts.by_disposition.entry(d).or_default() += n;
            }
        }
        Ok(counts)
    }
}
