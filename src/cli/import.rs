//! `dialer import CAMPAIGN.yaml`: load the campaign's numbers into the database without
//! dialing (what `run` does first). Idempotent: the same file twice adds nothing; a changed
//! file adds its new numbers and keeps every earlier result.

use std::path::PathBuf;

use clap::Args;

use super::campaign_input::{load_plan, open_numbers};
use super::{Failure, GlobalArgs};
use crate::exit::ExitStatus;
use crate::net::clock;
use crate::screen::{Judgement, Screener, Verdict};
use crate::store::{ImportRow, ImportSummary, SkipReason, SkippedRow, Store};

/// Arguments of `dialer import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The campaign file
    pub campaign: PathBuf,
    /// Read the numbers from FILE instead of the campaign's `numbers.file` (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub numbers: Option<PathBuf>,
}

/// Imports the numbers and prints what changed.
pub fn execute(args: ImportArgs, global: &GlobalArgs) -> Result<ExitStatus, Failure> {
    let plan = load_plan(&args.campaign, global, args.numbers.as_ref())?;
    let summary = import(&plan, global)?;
    println!(
        "{}: {} numbers added, {} already present, {} rows skipped (invalid, duplicate, blank)",
        plan.name, summary.added, summary.already_present, summary.skipped
    );
    Ok(ExitStatus::Success)
}

/// Screens the numbers file and stores it: shared by `import` and `run`. The whole file is
/// screened before the one write transaction, so a bad row late in the file (not UTF-8, an
/// unclosed quote) leaves the database exactly as it was.
pub fn import(
    plan: &crate::campaign::CampaignPlan,
    global: &GlobalArgs,
) -> Result<ImportSummary, Failure> {
    // DNC, limits and windows are judged when a batch is claimed, not here: they change.
    let judge = |_: &crate::campaign::E164, _: Option<&str>| Judgement {
        verdict: Verdict::Dialable,
        reason: String::new(),
        timezone: String::new(),
    };
    let mut screener = Screener::new(
        open_numbers(plan)?,
        plan.numbers.default_region.clone(),
        judge,
    );
    let (mut rows, mut skipped) = (Vec::new(), Vec::new());
    for screened in screener.by_ref() {
        let s = screened?;
        let reason = match (s.verdict, s.e164) {
            (Verdict::Dialable, Some(e164)) => {
                rows.push(ImportRow {
                    line: s.record.line,
                    raw: s.record.raw,
                    e164,
                    timezone: s.record.timezone,
                    extra: s
                        .record
                        .extra
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                });
                continue;
            }
            (Verdict::Duplicate, _) => SkipReason::Duplicate {
                first_line: s.first_line.unwrap_or_default(),
            },
            (Verdict::Invalid, _) => match s.rejection {
                Some(r) => SkipReason::Invalid(r),
                None => SkipReason::Blank,
            },
            _ => SkipReason::Blank,
        };
        skipped.push(SkippedRow {
            line: s.record.line,
            raw: s.record.raw,
            reason,
        });
    }
    if rows.is_empty() {
        return Err(Failure::usage(anyhow::anyhow!(
            "no usable numbers in {}: {} rows, {} invalid, {} blank, {} duplicate",
            super::campaign_input::describe_numbers(plan),
            screener.counts().rows,
            screener.counts().invalid,
            screener.counts().blank,
            screener.counts().duplicate
        )));
    }
    let mut store = Store::open(global.db_path(plan.database.as_ref()))?;
    let now = clock::now();
    let campaign = store.upsert_campaign(&plan.name, now)?;
    Ok(store.import_numbers(campaign, rows, skipped, now)?)
}
