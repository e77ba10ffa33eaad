//! A [`Report`] as an aligned table, CSV or one JSON document.
//!
//! The three share one column list; a figure that cannot be computed (no attempts, nothing
//! answered) is blank in the table and CSV and `null` in JSON, never a made-up zero.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Figures, Report};

/// Columns after the group key.
const COLUMNS: [&str; 8] = [
    "attempts",
    "answered",
    "asr_pct",
    "numbers",
    "reached",
    "answer_rate_pct",
    "acd_s",
    "pdd_ms",
];

/// The key of the total line.
const TOTAL: &str = "(all)";

fn cells(f: &Figures) -> [String; 8] {
    let one = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
    [
        f.attempts.to_string(),
        f.answered.to_string(),
        one(f.asr),
        f.numbers.to_string(),
        f.reached.to_string(),
        one(f.answer_rate),
        one(f.acd_s),
        f.pdd_ms.map(|v| format!("{v:.0}")).unwrap_or_default(),
    ]
}

fn lines(report: &Report) -> Vec<(String, [String; 8])> {
    report
        .groups
        .iter()
        .map(|(k, f)| (k.clone(), cells(f)))
        .chain(std::iter::once((TOTAL.to_string(), cells(&report.total))))
        .collect()
}

/// An aligned table: the key left-aligned, figures right-aligned, the total last.
pub fn table(report: &Report, mut out: impl Write) -> io::Result<()> {
    let lines = lines(report);
    let heading = report.by.heading();
    let key_width = lines
        .iter()
        .map(|(k, _)| k.chars().count())
        .chain([heading.len()])
        .max()
        .unwrap_or(0);
    let mut widths = COLUMNS.map(str::len);
    for (_, c) in &lines {
        for (w, cell) in widths.iter_mut().zip(c) {
            *w = (*w).max(cell.len());
        }
    }
    write!(out, "{heading:<key_width$}")?;
    for (name, w) in COLUMNS.iter().zip(widths) {
        write!(out, "  {name:>w$}")?;
    }
    writeln!(out)?;
    for (key, c) in &lines {
        write!(out, "{key:<key_width$}")?;
        for (cell, w) in c.iter().zip(widths) {
            write!(out, "  {cell:>w$}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// CSV with a header; the total is the last row, keyed `(all)`.
pub fn csv(report: &Report, out: impl Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![report.by.heading()];
    header.extend(COLUMNS);
    w.write_record(&header)?;
    for (key, c) in lines(report) {
        w.write_record(std::iter::once(key).chain(c))?;
    }
    w.flush()
}

fn figures_json(f: &Figures) -> Value {
    json!({
        "attempts": f.attempts,
        "answered": f.answered,
        "asr_pct": f.asr,
        "numbers": f.numbers,
        "reached": f.reached,
        "answer_rate_pct": f.answer_rate,
        "acd_s": f.acd_s,
        "pdd_ms": f.pdd_ms,
    })
}

/// One JSON document: `{"by": .., "groups": [{"key": .., figures..}], "total": {figures..}}`.
pub fn json(report: &Report, mut out: impl Write) -> io::Result<()> {
    let groups: Vec<Value> = report
        .groups
        .iter()
        .map(|(key, f)| {
            let mut v = figures_json(f);
            v["key"] = Value::String(key.clone());
            v
        })
        .collect();
    let doc = json!({
        "by": report.by.heading(),
        "groups": groups,
        "total": figures_json(&report.total),
    });
    serde_json::to_writer_pretty(&mut out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::GroupBy;
    use super::*;

    fn report() -> Report {
        let f = Figures {
            attempts: 4,
            answered: 2,
            numbers: 3,
            reached: 2,
            asr: Some(50.0),
            answer_rate: Some(200.0 / 3.0),
            acd_s: Some(20.0),
            pdd_ms: Some(250.0),
        };
        Report {
            by: GroupBy::Trunk,
            groups: vec![("carrier-a".into(), f.clone())],
            total: f,
        }
    }

    #[test]
    fn table_is_aligned_with_the_total_last() {
        let mut out = Vec::new();
        table(&report(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("trunk      attempts"), "{text}");
        assert!(lines[2].starts_with("(all)"), "{text}");
        assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{text}");
        assert!(
            lines[1].contains("  50.0") && lines[1].contains("66.7"),
            "{text}"
        );
    }

    #[test]
    fn csv_and_json_carry_the_same_figures() {
        let mut out = Vec::new();
        csv(&report(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("trunk,attempts,answered,asr_pct,numbers,reached,"),
            "{text}"
        );
        assert!(
            text.contains("carrier-a,4,2,50.0,3,2,66.7,20.0,250"),
            "{text}"
        );
        let mut out = Vec::new();
        json(&report(), &mut out).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["groups"][0]["key"], "carrier-a");
        assert_eq!(v["total"]["asr_pct"], 50.0);
        assert_eq!(v["by"], "trunk");
    }
}
