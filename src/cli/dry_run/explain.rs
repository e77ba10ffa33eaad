//! `dry-run --explain NUMBER`: every decision about one number, row by row, in the order
//! they are made.

use std::io::{self, Write};

use crate::campaign::{CampaignPlan, phone};
use crate::screen::{Screened, Verdict};

/// Writes the decisions for `query` (as written in the file, or any format that normalises
/// to the same number).
pub fn write(
    plan: &CampaignPlan,
    rows: &[Screened],
    query: &str,
    out: &mut impl Write,
) -> io::Result<()> {
    let region = plan.numbers.default_region.as_deref();
    let wanted = phone::normalize(query, region).ok();
    match &wanted {
        Some(n) => writeln!(out, "{query:?} normalises to {n}")?,
        None => writeln!(
            out,
            "{query:?} is not a valid number itself; matching rows as written"
        )?,
    }
    let matching: Vec<&Screened> = rows
        .iter()
        .filter(|r| match &wanted {
            Some(n) => r.e164.as_ref() == Some(n),
            None => r.record.raw.trim() == query.trim(),
        })
        .collect();
    if matching.is_empty() {
        return writeln!(
            out,
            "no row of the numbers file holds it ({} rows read)",
            rows.len()
        );
    }
    for r in matching {
        writeln!(out, "line {}: {:?}", r.record.line, r.record.raw)?;
        match (&r.e164, r.rejection) {
            (Some(n), _) => {
                let country = phone::region_of(n).unwrap_or_else(|| "no single country".into());
                writeln!(out, "  number:   valid, {n} ({country})")?
            }
            (None, Some(rej)) => writeln!(out, "  number:   rejected: {}", rej.reason())?,
            (None, None) => writeln!(out, "  number:   blank cell")?,
        }
        if r.verdict == Verdict::Duplicate {
            writeln!(
                out,
                "  dedup:    {}; only the first row is dialed",
                r.reason
            )?;
        } else if r.e164.is_some() {
            writeln!(out, "  dedup:    first sighting")?;
            if let Some(cell) = &r.record.timezone {
                writeln!(
                    out,
                    "  zone:     row says {cell:?}; called in {}",
                    r.timezone
                )?;
            } else {
                writeln!(out, "  zone:     called in {}", r.timezone)?;
            }
            let policy = if r.reason.is_empty() {
                "no objection"
            } else {
                r.reason.as_str()
            };
            writeln!(out, "  policy:   {policy}")?;
        }
        writeln!(out, "  verdict:  {}", r.verdict.as_str())?;
    }
    Ok(())
}
