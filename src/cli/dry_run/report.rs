//! The dry run's findings as one value, and its two renderings: text for people, one JSON
//! document for scripts (CONTRACT.md "Output for scripts").

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::campaign::{CampaignPlan, Transport};
use crate::screen::Counts;

/// Everything the dry run found.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The campaign's name.
    pub campaign: String,
    /// The campaign file.
    pub file: String,
    /// Where the numbers came from.
    pub numbers: String,
    /// Row counts by verdict.
    pub counts: Counts,
    /// Batches `run` would claim for the numbers to dial.
    pub batches: u64,
    /// The pacing limits.
    pub pacing: PacingView,
    /// The trunks, in order of preference.
    pub trunks: Vec<TrunkView>,
    /// Every prompt the campaign plays.
    pub prompts: Vec<PromptView>,
    /// The IVR menu, when the campaign has one.
    pub menu: Option<super::menu::MenuView>,
    /// Numbers to dial by the zone they are called in.
    pub zones: BTreeMap<String, u64>,
    /// The estimated timeline, when anything is to be dialed.
    pub timeline: Option<TimelineView>,
    /// The database consulted (read only).
    pub database: DatabaseView,
}

/// `pacing:` as shown.
#[derive(Debug, Serialize)]
pub struct PacingView {
    /// Numbers per batch.
    pub batch_size: u32,
    /// Calls at once.
    pub max_concurrent: u32,
    /// Calls per second.
    pub max_cps: u32,
}

/// One trunk as shown: never its password, only where the password comes from.
#[derive(Debug, Serialize)]
pub struct TrunkView {
    /// Its name.
    pub name: String,
    /// Its URI.
    pub uri: String,
    /// udp, tcp or tls.
    pub transport: &'static str,
    /// Its own concurrency limit.
    pub max_concurrent: Option<u32>,
    /// Its own CPS limit.
    pub max_cps: Option<u32>,
    /// The digest user name, if any.
    pub username: Option<String>,
    /// Where the password comes from (`env NAME`, `file PATH`), if any.
    pub password_from: Option<String>,
}

/// One prompt: found with its duration, or its problem.
#[derive(Debug, Clone, Serialize)]
pub struct PromptView {
    /// Where it is used (`prompt`, `ivr.nodes.greeting`).
    pub used_by: String,
    /// The file.
    pub path: String,
    /// Its playing time, when it can be used.
    pub duration_ms: Option<u64>,
    /// Why it cannot be used.
    pub problem: Option<String>,
}

/// The estimated timeline.
#[derive(Debug, Serialize)]
pub struct TimelineView {
    /// The first call (RFC 3339 UTC).
    pub first_call: String,
    /// The last call (RFC 3339 UTC).
    pub last_call: String,
    /// From the first call to the last, in seconds.
    pub duration_s: i64,
    /// What the estimate assumes.
    pub assumptions: String,
}

/// The database as consulted.
#[derive(Debug, Serialize)]
pub struct DatabaseView {
    /// Its path.
    pub path: String,
    /// Whether it exists yet (a dry run never creates it).
    pub exists: bool,
    /// Numbers on its do-not-call list.
    pub dnc_numbers: u64,
}

impl PacingView {
    /// From the plan.
    pub fn of(plan: &CampaignPlan) -> Self {
        let p = plan.pacing;
        PacingView {
            batch_size: p.batch_size,
            max_concurrent: p.max_concurrent,
            max_cps: p.max_cps,
        }
    }
}

/// The trunks of a plan as shown.
pub fn trunks_of(plan: &CampaignPlan) -> Vec<TrunkView> {
    plan.trunks
        .iter()
        .map(|t| TrunkView {
            name: t.name.clone(),
            uri: t.uri.clone(),
            transport: match t.transport {
                Transport::Udp => "udp",
                Transport::Tcp => "tcp",
                Transport::Tls => "tls",
            },
            max_concurrent: t.max_concurrent,
            max_cps: t.max_cps,
            username: t.username.clone(),
            password_from: t.password_source.clone(),
        })
        .collect()
}

impl Report {
    /// One JSON document on stdout.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// The text report for people.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(out, "Campaign {} ({})", self.campaign, self.file)?;
        writeln!(out, "Numbers  {}", self.numbers)?;
        self.write_counts(out)?;
        let p = &self.pacing;
        writeln!(
            out,
            "Batches  {} of up to {} numbers; at most {} calls at once, {} new calls/s",
            self.batches, p.batch_size, p.max_concurrent, p.max_cps
        )?;
        self.write_trunks(out)?;
        for pr in &self.prompts {
            match (&pr.duration_ms, &pr.problem) {
                (_, Some(problem)) => {
                    writeln!(out, "Prompt   {} ({}): {problem}", pr.path, pr.used_by)?
                }
                (Some(ms), None) => {
                    let secs = *ms as f64 / 1000.0;
                    writeln!(out, "Prompt   {} ({}): {secs:.1} s", pr.path, pr.used_by)?
                }
                (None, None) => writeln!(out, "Prompt   {} ({})", pr.path, pr.used_by)?,
            }
        }
        if self.prompts.is_empty() {
            writeln!(
                out,
                "Prompt   none: answered calls hear silence and are hung up"
            )?;
        }
        if let Some(menu) = &self.menu {
            menu.write_text(out)?;
        }
        for (zone, n) in &self.zones {
            writeln!(out, "Zone     {zone}: {n} numbers")?;
        }
        match &self.timeline {
            Some(t) => writeln!(
                out,
                "Timeline first call {}, last call {}, about {} ({})",
                t.first_call,
                t.last_call,
                human_duration(t.duration_s),
                t.assumptions
            )?,
            None => writeln!(out, "Timeline nothing to dial")?,
        }
        let db = &self.database;
        let state = if db.exists {
            "read only"
        } else {
            "does not exist yet; not created"
        };
        writeln!(
            out,
            "Database {} ({state}); {} numbers on its do-not-call list",
            db.path, db.dnc_numbers
        )
    }

    fn write_counts(&self, out: &mut impl Write) -> io::Result<()> {
        let c = &self.counts;
        let rows: [(&str, u64); 8] = [
            ("rows", c.rows),
            ("blank", c.blank),
            ("invalid", c.invalid),
            ("duplicate", c.duplicate),
            ("dnc", c.dnc),
            ("capped", c.capped),
            ("outside_window", c.outside_window),
            ("dialable", c.dialable),
        ];
        for (name, n) in rows {
            write!(out, "  {name:<15}{n:>9}")?;
            if name == "invalid" && !c.invalid_reasons.is_empty() {
                let reasons: Vec<_> = c
                    .invalid_reasons
                    .iter()
                    .map(|(r, n)| format!("{r} {n}"))
                    .collect();
                write!(out, "   ({})", reasons.join(", "))?;
            }
            writeln!(out)?;
        }
        Ok(())
    }

    fn write_trunks(&self, out: &mut impl Write) -> io::Result<()> {
        if self.trunks.is_empty() {
            return writeln!(
                out,
                "Trunks   none (dial the simulator with `dialer run --simulate`)"
            );
        }
        for t in &self.trunks {
            let limit = |v: Option<u32>| v.map_or("-".to_string(), |v| v.to_string());
            write!(
                out,
                "Trunk    {} {} over {}, max {} calls, {} calls/s",
                t.name,
                t.uri,
                t.transport,
                limit(t.max_concurrent),
                limit(t.max_cps)
            )?;
            if let Some(user) = &t.username {
                write!(out, ", digest user {user}")?;
                if let Some(from) = &t.password_from {
                    write!(out, " (password from {from})")?;
                }
            }
            writeln!(out)?;
        }
        Ok(())
    }
}

/// `3725` -> `1h 2m 5s`.
pub fn human_duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m {s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(125), "2m 5s");
        assert_eq!(human_duration(3725), "1h 2m 5s");
    }
}
