//! The `dnc` table: the database's own do-not-call list, shared by every campaign.
//!
//! Invariants: one row per E.164 number; the first listing wins (adding a listed number again
//! keeps its original date, source and note, so "who put this here, when" stays true); adds and
//! removes are each one transaction.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, stamp};
use crate::campaign::E164;

/// Where a DNC entry came from; stored as `manual`, `import:FILE` or `ivr:CAMPAIGN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DncSource {
    /// `dialer dnc add`.
    Manual,
    /// `dialer dnc import FILE` (the file as given).
    Import(String),
    /// A callee opted out in an IVR node with `dnc: true`, during this campaign.
    Ivr(String),
}

impl fmt::Display for DncSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DncSource::Manual => f.write_str("manual"),
            DncSource::Import(file) => write!(f, "import:{file}"),
            DncSource::Ivr(campaign) => write!(f, "ivr:{campaign}"),
        }
    }
}

impl DncSource {
    /// Parses the stored form; `None` when it is none of the three.
    fn parse(text: &str) -> Option<DncSource> {
        if text == "manual" {
            Some(DncSource::Manual)
        } else if let Some(file) = text.strip_prefix("import:") {
            Some(DncSource::Import(file.to_string()))
        } else {
            text.strip_prefix("ivr:")
                .map(|campaign| DncSource::Ivr(campaign.to_string()))
        }
    }
}

/// One number on the do-not-call list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DncEntry {
    /// The number.
    pub e164: E164,
    /// When it was first listed.
    pub added_at: Timestamp,
    /// Who listed it.
    pub source: DncSource,
    /// A free-text note, if one was given.
    pub note: Option<String>,
}

/// What [`Store::dnc_add`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DncAddSummary {
    /// Numbers newly listed.
    pub added: u64,
    /// Numbers that were already listed (left as they were).
    pub already_listed: u64,
}

impl Store {
    /// Lists `numbers` (one transaction), stamped `now` with `source` and `note`.
    pub fn dnc_add<N: Borrow<E164>>(
        &mut self,
        numbers: impl IntoIterator<Item = N>,
        source: &DncSource,
        note: Option<&str>,
        now: Timestamp,
    ) -> Result<DncAddSummary, StoreError> {
        let fail = self.at.fail("adding to the do-not-call list");
        let (now, source) = (stamp::to_text(now), source.to_string());
        let mut summary = DncAddSummary::default();
        let tx = self.conn.transaction().map_err(&fail)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO dnc (e164, added_at, source, note) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (e164) DO NOTHING",
                )
                .map_err(&fail)?;
            for number in numbers {
                let e164 = number.borrow().as_str();
                match insert
                    .execute(params![e164, now, source, note])
                    .map_err(&fail)?
                {
                    0 => summary.already_listed += 1,
                    _ => summary.added += 1,
                }
            }
        }
        tx.commit().map_err(&fail)?;
        Ok(summary)
    }

    /// Unlists `numbers` (one transaction); returns how many were listed.
    pub fn dnc_remove<N: Borrow<E164>>(
        &mut self,
        numbers: impl IntoIterator<Item = N>,
    ) -> Result<u64, StoreError> {
        let fail = self.at.fail("removing from the do-not-call list");
        let mut removed = 0;
        let tx = self.conn.transaction().map_err(&fail)?;
        {
            let mut delete = tx
                .prepare("DELETE FROM dnc WHERE e164 = ?1")
                .map_err(&fail)?;
            for number in numbers {
                removed += delete.execute([number.borrow().as_str()]).map_err(&fail)? as u64;
            }
        }
        tx.commit().map_err(&fail)?;
        Ok(removed)
    }

    /// Whether `e164` is listed.
    pub fn dnc_contains(&self, e164: &E164) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT 1 FROM dnc WHERE e164 = ?1")
            .and_then(|mut stmt| stmt.query_row([e164.as_str()], |_| Ok(())).optional())
            .map(|found| found.is_some())
            .map_err(self.at.fail("reading the do-not-call list"))
    }

    /// Every listed number, for the policy's claim-time check.
    pub fn dnc_numbers(&self) -> Result<HashSet<E164>, StoreError> {
        let fail = self.at.fail("reading the do-not-call list");
        let mut stmt = self.conn.prepare("SELECT e164 FROM dnc").map_err(&fail)?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(&fail)?;
        let mut set = HashSet::new();
        for row in rows {
            set.insert(E164::from_trusted(row.map_err(&fail)?));
        }
        Ok(set)
    }

    /// The whole list, ordered by number.
    pub fn dnc_list(&self) -> Result<Vec<DncEntry>, StoreError> {
        let fail = self.at.fail("reading the do-not-call list");
        let mut stmt = self
            .conn
            .prepare("SELECT e164, added_at, source, note FROM dnc ORDER BY e164")
            .map_err(&fail)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(&fail)?;
        let mut entries = Vec::new();
        for row in rows {
            let (e164, added_at, source, note) = row.map_err(&fail)?;
            entries.push(DncEntry {
                e164: E164::from_trusted(e164),
                added_at: self.dnc_value(stamp::from_text(&added_at), "added_at", added_at)?,
                source: self.dnc_value(DncSource::parse(&source), "source", source)?,
                note,
            });
        }
        Ok(entries)
    }

    /// Unwraps a parsed `dnc.column` value, or names the bad one.
    fn dnc_value<T>(
        &self,
        parsed: Option<T>,
        column: &'static str,
        text: String,
    ) -> Result<T, StoreError> {
        parsed.ok_or_else(|| StoreError::BadValue {
            path: self.at.path.clone(),
            table: "dnc",
            column,
            value: text,
            expected: if column == "source" {
                "manual, import:FILE or ivr:CAMPAIGN"
            } else {
                "an RFC 3339 UTC timestamp such as 2026-11-23T09:30:00.000Z"
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_round_trip_through_their_stored_form() {
        for source in [
            DncSource::Manual,
            DncSource::Import("lists/dnc.txt".into()),
            DncSource::Ivr("spring-reminder".into()),
        ] {
            assert_eq!(DncSource::parse(&source.to_string()), Some(source));
        }
        assert_eq!(DncSource::parse("robot"), None);
    }
}
