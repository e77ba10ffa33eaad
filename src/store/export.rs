//! Reading results back out for `dialer export`: one row per number of the numbers file (its
//! latest attempt, or why it was never dialed), or one row per attempt.
//!
//! Rows are streamed to a callback straight from the SQLite cursor, in file order (campaign,
//! then the line the row started on), so a million-number export holds one row in memory.
//! Rows skipped at import (invalid, duplicate) are part of the file and come back too, with
//! the disposition `INVALID_NUMBER` or `DUPLICATE` and an empty number; blank lines do not.
//!
//! Must not: write (exports run on a read-only connection) or format for output (the CLI does).

use rusqlite::types::Value;

use super::{CampaignId, Store, StoreError};

/// One exported row. Times are stored RFC 3339 UTC text and passed through unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportRow {
    /// The campaign's name.
    pub campaign: String,
    /// E.164, or empty for a row that never became a number.
    pub number: String,
    /// The final (or latest, or this attempt's) disposition; empty while none.
    pub disposition: String,
    /// Number rows: attempts made so far. Attempt rows: this attempt's ordinal (1 = first).
    pub attempts: u32,
    /// The final SIP status code.
    pub sip_code: Option<u16>,
    /// Its reason phrase.
    pub sip_reason: Option<String>,
    /// The trunk that carried the attempt.
    pub trunk: Option<String>,
    /// When the INVITE left.
    pub started_at: Option<String>,
    /// First 18x.
    pub ringing_at: Option<String>,
    /// 200 OK.
    pub answered_at: Option<String>,
    /// End of the call.
    pub ended_at: Option<String>,
    /// Ringing milliseconds.
    pub ring_ms: Option<u64>,
    /// Talk milliseconds.
    pub talk_ms: Option<u64>,
    /// DTMF keys pressed.
    pub dtmf: String,
    /// The IVR result label.
    pub result: Option<String>,
    /// `pending`, `in_progress`, `done` (numbers), `skipped` (import rows); attempt rows:
    /// `in_flight`, `finished`, `interrupted`.
    pub state: String,
    /// Number rows: when the next attempt is due, if one is planned.
    pub next_due_at: Option<String>,
    /// The INVITE's Call-ID (attempt rows and a number's latest attempt).
    pub call_id: Option<String>,
    /// RTP packets sent.
    pub rtp_sent: Option<u64>,
    /// RTP packets received.
    pub rtp_received: Option<u64>,
    /// The physical line of the numbers file the row started on.
    pub line: u64,
    /// The cell as written in the file.
    pub raw: String,
    /// The call's recording (WAV path), if recorded.
    pub recording: Option<String>,
    /// Skipped rows: why the row was not a dialable number (`too-short`, `duplicate of line
    /// 3`, ...).
    pub reason: Option<String>,
    /// The number's extra CSV columns as stored (a JSON object in file order), `{}` if none.
    pub extra_json: String,
}

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportShape {
    /// One row per number (and per skipped row) with its latest result.
    Numbers,
    /// One row per attempt.
    Attempts,
}

/// A failed export: the store, or the sink the rows went to.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing a row failed (a closed pipe, a full disk).
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
}

/// The columns every query selects, in [`row_from`]'s order.
const COLUMNS: &str = "c.name, x.number, x.disposition, x.attempts, x.sip_code, x.sip_reason, \
     x.trunk, x.started_at, x.ringing_at, x.answered_at, x.ended_at, x.ring_ms, x.talk_ms, \
     x.dtmf, x.result, x.state, x.next_due_at, x.call_id, x.rtp_sent, x.rtp_received, x.line, \
     x.raw, x.extra, x.reason, x.recording";

/// Numbers with their latest attempt (by start time), then rows skipped at import.
const NUMBERS: &str = "\
    SELECT n.campaign_id AS campaign_id, n.e164 AS number, \
           coalesce(n.last_disposition, '') AS disposition, n.attempts AS attempts, \
           a.sip_code, a.sip_reason, a.trunk, a.started_at, a.ringing_at, a.answered_at, \
           a.ended_at, a.ring_ms, a.talk_ms, coalesce(a.dtmf, '') AS dtmf, \
           a.ivr_result AS result, n.state AS state, n.next_due_at AS next_due_at, a.call_id, \
           a.rtp_sent, a.rtp_received, n.line AS line, n.raw AS raw, n.extra AS extra, NULL AS reason, \
           a.recording AS recording \
    FROM numbers n \
    LEFT JOIN attempts a ON a.id = (SELECT id FROM attempts \
        WHERE e164 = n.e164 AND campaign_id = n.campaign_id \
        ORDER BY started_at DESC, id DESC LIMIT 1) \
    WHERE ?1 IS NULL OR n.campaign_id = ?1 \
  UNION ALL \
    SELECT s.campaign_id, '', \
           CASE s.verdict WHEN 'duplicate' THEN 'DUPLICATE' ELSE 'INVALID_NUMBER' END, 0, \
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', NULL, 'skipped', NULL, \
           NULL, NULL, NULL, s.line, s.raw, '{}', s.reason, NULL \
    FROM skipped_rows s \
    WHERE s.verdict <> 'blank' AND (?1 IS NULL OR s.campaign_id = ?1)";

/// Every attempt with its number's file columns.
const ATTEMPTS: &str = "\
    SELECT a.campaign_id AS campaign_id, a.e164 AS number, \
           coalesce(a.disposition, '') AS disposition, a.attempt AS attempts, a.sip_code, \
           a.sip_reason, a.trunk, a.started_at, a.ringing_at, a.answered_at, a.ended_at, \
           a.ring_ms, a.talk_ms, a.dtmf, a.ivr_result AS result, a.status AS state, \
           NULL AS next_due_at, a.call_id, a.rtp_sent, a.rtp_received, n.line AS line, \
           n.raw AS raw, n.extra AS extra, NULL AS reason, \
           a.recording AS recording \
    FROM attempts a JOIN numbers n ON n.id = a.number_id \
    WHERE ?1 IS NULL OR a.campaign_id = ?1";

impl Store {
    /// Every campaign's name, in creation order.
    pub fn campaign_names(&self) -> Result<Vec<String>, StoreError> {
        let fail = self.at.fail("listing campaigns");
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM campaigns ORDER BY id")
            .map_err(&fail)?;
        let names = stmt
            .query_map([], |row| row.get(0))
            .map_err(&fail)?
            .collect::<Result<Vec<String>, _>>()
            .map_err(&fail)?;
        Ok(names)
    }

    /// The names of the extra CSV columns of `campaign`'s numbers (every campaign's when
    /// `None`), in the order they first appear.
    pub fn extra_columns(&self, campaign: Option<CampaignId>) -> Result<Vec<String>, StoreError> {
        let fail = self.at.fail("reading the extra columns");
        // One object per distinct key set: a file has one header, so this is a handful of rows.
        let mut stmt = self
            .conn
            .prepare(
                "SELECT DISTINCT extra FROM numbers WHERE extra <> '{}' \
                 AND (?1 IS NULL OR campaign_id = ?1) ORDER BY campaign_id",
            )
            .map_err(&fail)?;
        let id = campaign.map(|c| c.0);
        let mut rows = stmt.query([id]).map_err(&fail)?;
        let mut names: Vec<String> = Vec::new();
        while let Some(row) = rows.next().map_err(&fail)? {
            let text: String = row.get(0).map_err(&fail)?;
            for (name, _) in decode_extra(&text) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        Ok(names)
    }

    /// Streams the rows of `shape` for `campaign` (every campaign when `None`) to `each`, in
    /// campaign and file-line order (attempts: then by start time).
    pub fn export(
        &self,
        campaign: Option<CampaignId>,
        shape: ExportShape,
        mut each: impl FnMut(&ExportRow) -> std::io::Result<()>,
    ) -> Result<(), ExportError> {
        let fail = self.at.fail("exporting");
        let (from, order) = match shape {
            ExportShape::Numbers => (NUMBERS, "x.campaign_id, x.line"),
            ExportShape::Attempts => (ATTEMPTS, "x.campaign_id, x.started_at, x.line"),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM ({from}) x JOIN campaigns c ON c.id = x.campaign_id \
             ORDER BY {order}"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(&fail)?;
        let mut rows = stmt.query([campaign.map(|c| c.0)]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            each(&row_from(row).map_err(&fail)?)?;
        }
        Ok(())
    }
}

fn row_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<ExportRow> {
    let count = |i: usize| -> rusqlite::Result<Option<u64>> {
        Ok(row.get::<_, Option<i64>>(i)?.map(|v| v.max(0) as u64))
    };
    Ok(ExportRow {
        campaign: row.get(0)?,
        number: row.get(1)?,
        disposition: row.get(2)?,
        attempts: row.get::<_, i64>(3)?.clamp(0, i64::from(u32::MAX)) as u32,
        sip_code: row
            .get::<_, Option<i64>>(4)?
            .and_then(|c| u16::try_from(c).ok()),
        sip_reason: row.get(5)?,
        trunk: row.get(6)?,
        started_at: row.get(7)?,
        ringing_at: row.get(8)?,
        answered_at: row.get(9)?,
        ended_at: row.get(10)?,
        ring_ms: count(11)?,
        talk_ms: count(12)?,
        dtmf: row.get(13)?,
        result: row.get(14)?,
        state: row.get(15)?,
        next_due_at: row.get(16)?,
        call_id: row.get(17)?,
        rtp_sent: count(18)?,
        rtp_received: count(19)?,
        line: count(20)?.unwrap_or(0),
        raw: row.get(21)?,
        extra_json: match row.get::<_, Value>(22)? {
            Value::Text(t) => t,
            _ => "{}".to_string(),
        },
        reason: row.get(23)?,
        recording: row.get(24)?,
    })
}

/// The (name, value) pairs of a stored extra-columns object, in stored order. Anything that
/// is not a flat object of strings yields nothing (it was never written by `import`).
pub fn decode_extra(text: &str) -> Vec<(String, String)> {
    // serde_json's Map is sorted unless `preserve_order`; walk the object by hand to keep the
    // file's column order.
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = serde::Deserializer::deserialize_map(&mut de, OrderedPairs(&mut out));
    out
}

/// A serde visitor collecting string pairs in document order.
struct OrderedPairs<'a>(&'a mut Vec<(String, String)>);

impl<'de> serde::de::Visitor<'de> for OrderedPairs<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object of strings")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some((name, value)) = map.next_entry::<String, String>()? {
            self.0.push((name, value));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_columns_decode_in_file_order() {
        let pairs = decode_extra(r#"{"zeta":"1","alpha":"a, \"b\"\n","mid":""}"#);
        let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["zeta", "alpha", "mid"]);
        assert_eq!(pairs[1].1, "a, \"b\"\n");
        assert!(decode_extra("not json").is_empty());
        assert!(decode_extra("{}").is_empty());
    }
}
