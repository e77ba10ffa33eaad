//! Summaries of finished attempts for `dialer report`: pure arithmetic over rows the store
//! streams, and its renderers ([`render`]).
//!
//! Figures, per group and in total (attempts still in flight or interrupted by a crash are
//! not counted: they have no outcome):
//! - `attempts`: finished attempts; `answered`: those with disposition ANSWERED;
//! - `asr`: answer-seizure ratio, answered / attempts (ITU-T E.411's ASR, in percent);
//! - `numbers`: distinct numbers attempted; `reached`: those answered at least once;
//!   `answer_rate`: reached / numbers, in percent (how many people the campaign reached);
//! - `acd`: average call duration of answered attempts (talk time, seconds);
//! - `pdd`: average post-dial delay, INVITE sent -> first 18x (or the 200 when no 18x came),
//!   in milliseconds, over attempts that got either.
//!
//! Groups (`--by`): disposition, SIP code, trunk, hour or day the attempt started (UTC).
//!
//! Must not: read the database or the clock, or print (the CLI feeds rows and writes output).

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;

use crate::store::ExportRow;

pub mod render;

/// How attempts are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// By final disposition.
    Disposition,
    /// By final SIP status code (`none` when no response came).
    Sip,
    /// By the hour the attempt started, UTC (`2026-11-24T09`).
    Hour,
    /// By the trunk that carried it.
    Trunk,
    /// By the day the attempt started, UTC (`2026-11-24`).
    Day,
}

impl GroupBy {
    /// The column heading of the group key.
    pub fn heading(self) -> &'static str {
        match self {
            GroupBy::Disposition => "disposition",
            GroupBy::Sip => "sip_code",
            GroupBy::Hour => "hour_utc",
            GroupBy::Trunk => "trunk",
            GroupBy::Day => "day_utc",
        }
    }

    fn key(self, row: &ExportRow) -> String {
        let started = row.started_at.as_deref().unwrap_or("");
        match self {
            GroupBy::Disposition => row.disposition.clone(),
            GroupBy::Sip => row.sip_code.map_or("none".into(), |c| c.to_string()),
            GroupBy::Hour => started.get(..13).unwrap_or(started).to_string(),
            GroupBy::Trunk => row.trunk.clone().unwrap_or_default(),
            GroupBy::Day => started.get(..10).unwrap_or(started).to_string(),
        }
    }
}

/// The figures of one group (or of everything).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Finished attempts.
    pub attempts: u64,
    /// Answered attempts.
    pub answered: u64,
    /// Distinct numbers attempted.
    pub numbers: u64,
    /// Distinct numbers answered at least once.
    pub reached: u64,
    /// answered / attempts, percent; `None` without attempts.
    pub asr: Option<f64>,
    /// reached / numbers, percent; `None` without numbers.
    pub answer_rate: Option<f64>,
    /// Mean talk time of answered attempts, seconds.
    pub acd_s: Option<f64>,
    /// Mean post-dial delay, milliseconds.
    pub pdd_ms: Option<f64>,
}

/// A report: one line per group, in key order, and the total.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The grouping.
    pub by: GroupBy,
    /// (group key, figures).
    pub groups: Vec<(String, Figures)>,
    /// Every finished attempt together.
    pub total: Figures,
}

/// Running sums of one group.
#[derive(Default)]
struct Tally {
    attempts: u64,
    answered: u64,
    numbers: HashSet<String>,
    reached: HashSet<String>,
    talk_ms: u64,
    pdd_ms: u64,
    pdd_count: u64,
}

impl Tally {
    fn add(&mut self, row: &ExportRow) {
        self.attempts += 1;
        if !self.numbers.contains(&row.number) {
            self.numbers.insert(row.number.clone());
        }
        if row.disposition == "ANSWERED" {
            self.answered += 1;
            self.talk_ms += row.talk_ms.unwrap_or(0);
            if !self.reached.contains(&row.number) {
                self.reached.insert(row.number.clone());
            }
        }
        if let Some(pdd) = post_dial_delay_ms(row) {
            self.pdd_ms += pdd;
            self.pdd_count += 1;
        }
    }

    fn figures(&self) -> Figures {
        let ratio = |part: u64, whole: u64| (whole > 0).then(|| part as f64 * 100.0 / whole as f64);
        let mean = |sum: u64, n: u64| (n > 0).then(|| sum as f64 / n as f64);
        Figures {
            attempts: self.attempts,
            answered: self.answered,
            numbers: self.numbers.len() as u64,
            reached: self.reached.len() as u64,
            asr: ratio(self.answered, self.attempts),
            answer_rate: ratio(self.reached.len() as u64, self.numbers.len() as u64),
            acd_s: mean(self.talk_ms, self.answered).map(|ms| ms / 1000.0),
            pdd_ms: mean(self.pdd_ms, self.pdd_count),
        }
    }
}

/// INVITE -> first 18x, or -> 200 when no 18x came; `None` when neither came.
fn post_dial_delay_ms(row: &ExportRow) -> Option<u64> {
    let started: Timestamp = row.started_at.as_deref()?.parse().ok()?;
    let first = row.ringing_at.as_deref().or(row.answered_at.as_deref())?;
    let first: Timestamp = first.parse().ok()?;
    let ms = first.duration_since(started).as_millis();
    u64::try_from(ms).ok()
}

/// Sums attempt rows (as `Store::export` streams them with `ExportShape::Attempts`) into a
/// report; rows whose state is not `finished` are skipped.
#[derive(Default)]
pub struct Summarizer {
    groups: BTreeMap<String, Tally>,
    total: Tally,
}

impl Summarizer {
    /// Counts one attempt row.
    pub fn add(&mut self, by: GroupBy, row: &ExportRow) {
        if row.state != "finished" {
            return;
        }
        self.total.add(row);
        self.groups.entry(by.key(row)).or_default().add(row);
    }

    /// The report.
    pub fn finish(self, by: GroupBy) -> Report {
        Report {
            by,
            groups: self
                .groups
                .iter()
                .map(|(k, t)| (k.clone(), t.figures()))
                .collect(),
            total: self.total.figures(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(number: &str, disposition: &str, code: u16, talk: u64, at: &str) -> ExportRow {
        ExportRow {
            campaign: "t".into(),
            number: number.into(),
            disposition: disposition.into(),
            sip_code: Some(code),
            trunk: Some("a".into()),
            started_at: Some(format!("2026-11-24T{at}.000Z")),
            ringing_at: Some(format!("2026-11-24T{at}.250Z")),
            answered_at: (disposition == "ANSWERED").then(|| format!("2026-11-24T{at}.900Z")),
            talk_ms: (disposition == "ANSWERED").then_some(talk),
            state: "finished".into(),
            ..ExportRow::default()
        }
    }

    #[test]
    fn figures_by_hand() {
        let rows = [
            attempt("+1", "BUSY", 486, 0, "09:00:00"),
            attempt("+1", "ANSWERED", 200, 30_000, "09:10:00"),
            attempt("+2", "ANSWERED", 200, 10_000, "10:00:00"),
            attempt("+3", "NO_ANSWER", 487, 0, "10:05:00"),
        ];
        let mut s = Summarizer::default();
        for r in &rows {
            s.add(GroupBy::Hour, r);
        }
        let mut in_flight = attempt("+4", "", 0, 0, "10:06:00");
        in_flight.state = "in_flight".into();
        s.add(GroupBy::Hour, &in_flight);
        let report = s.finish(GroupBy::Hour);
        let t = &report.total;
        assert_eq!((t.attempts, t.answered, t.numbers, t.reached), (4, 2, 3, 2));
        assert_eq!(t.asr, Some(50.0));
        assert!((t.answer_rate.unwrap() - 66.666).abs() < 0.01);
        assert_eq!(t.acd_s, Some(20.0));
        assert_eq!(t.pdd_ms, Some(250.0));
        let keys: Vec<&str> = report.groups.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["2026-11-24T09", "2026-11-24T10"]);
        assert_eq!(report.groups[0].1.asr, Some(50.0));
        assert_eq!(report.groups[1].1.acd_s, Some(10.0));
    }

    #[test]
    fn post_dial_delay_falls_back_to_the_answer_and_needs_one() {
        let mut row = attempt("+1", "ANSWERED", 200, 1, "09:00:00");
        row.ringing_at = None;
        assert_eq!(post_dial_delay_ms(&row), Some(900));
        row.answered_at = None;
        assert_eq!(post_dial_delay_ms(&row), None);
    }

    #[test]
    fn empty_report_has_no_ratios() {
        let report = Summarizer::default().finish(GroupBy::Disposition);
        assert!(report.groups.is_empty());
        assert_eq!(report.total.asr, None);
        assert_eq!(report.total.acd_s, None);
    }
}
