//! `dialer dry-run CAMPAIGN.yaml`: everything `run` would decide now, without a call or a
//! write. The database is opened read-only if it exists and never created; every row of the
//! numbers file goes through the same screening and the same policy judgement as `run`.

mod explain;
mod menu;
mod report;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use jiff::Timestamp;

use super::campaign_input::{describe_numbers, load_plan, open_numbers};
use super::{Failure, GlobalArgs};
use crate::campaign::{Audio, CampaignPlan, E164, phone};
use crate::exit::ExitStatus;
use crate::net::clock;
use crate::schedule::dnc::{DncList, Listed};
use crate::schedule::policy::{Eligibility, Policy};
use crate::schedule::timeline::{self, ZoneLoad};
use crate::schedule::zone::Zones;
use crate::screen::{Judgement, Screener, Verdict};
use crate::store::Store;
use report::{DatabaseView, PacingView, PromptView, Report, TimelineView};

/// Arguments of `dialer dry-run`.
#[derive(Debug, Args)]
pub struct DryRunArgs {
    /// The campaign file
    pub campaign: PathBuf,
    /// Read the numbers from FILE instead of the campaign's `numbers.file` (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub numbers: Option<PathBuf>,
    /// Output format of the report
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// One CSV row per data row instead: line,raw,e164,verdict,reason,timezone
    #[arg(long, conflicts_with_all = ["format", "explain"])]
    pub list: bool,
    /// Every decision made about one number (as written in the file, or in E.164)
    #[arg(long, value_name = "NUMBER")]
    pub explain: Option<String>,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// One JSON document.
    Json,
}

/// The facts the policy needs, read (never written) from the database and the DNC files.
struct Facts {
    dnc: DncList,
    history: HashMap<E164, Vec<Timestamp>>,
    database: DatabaseView,
}

/// Runs the dry run.
pub fn execute(args: DryRunArgs, global: &GlobalArgs) -> Result<ExitStatus, Failure> {
    let plan = load_plan(&args.campaign, global, args.numbers.as_ref())?;
    let now = clock::now();
    let facts = read_facts(&plan, global, now)?;
    for bad in facts.dnc.bad_lines() {
        tracing::warn!(
            "{}:{}: not a phone number ({}); ignored",
            bad.path.display(),
            bad.line,
            bad.reason
        );
    }
    let mut policy = Policy {
        schedule: &plan.schedule,
        limits: &plan.limits,
        dnc: &facts.dnc,
        history: &facts.history,
        zones: Zones::new(),
    };
    let judge = |n: &E164, row_zone: Option<&str>| judge(&mut policy, n, row_zone, now);
    let mut screener = Screener::new(
        open_numbers(&plan)?,
        plan.numbers.default_region.clone(),
        judge,
    );
    if let Some(number) = &args.explain {
        let rows: Vec<_> = screener.by_ref().collect::<Result<_, _>>()?;
        explain::write(&plan, &rows, number, &mut std::io::stdout().lock())?;
        return Ok(ExitStatus::Success);
    }
    let mut zones: BTreeMap<String, u64> = BTreeMap::new();
    let mut list = args
        .list
        .then(|| csv::Writer::from_writer(std::io::stdout().lock()));
    if let Some(w) = list.as_mut() {
        w.write_record(["line", "raw", "e164", "verdict", "reason", "timezone"])
            .map_err(csv_err)?;
    }
    for row in screener.by_ref() {
        let row = row?;
        if matches!(row.verdict, Verdict::Dialable | Verdict::OutsideWindow) {
            *zones.entry(row.timezone.clone()).or_default() += 1;
        }
        if let Some(w) = list.as_mut() {
            let e164 = row.e164.as_ref().map(E164::as_str).unwrap_or_default();
            let line = row.record.line.to_string();
            let fields = [
                line.as_str(),
                &row.record.raw,
                e164,
                row.verdict.as_str(),
                &row.reason,
                &row.timezone,
            ];
            w.write_record(fields).map_err(csv_err)?;
        }
    }
    let counts = screener.counts().clone();
    let prompts = prompts(&plan);
    if let Some(mut w) = list {
        w.flush()?;
    } else {
        let report = Report {
            campaign: plan.name.clone(),
            file: args.campaign.display().to_string(),
            numbers: describe_numbers(&plan),
            batches: counts.to_dial().div_ceil(u64::from(plan.pacing.batch_size)),
            pacing: PacingView::of(&plan),
            trunks: report::trunks_of(&plan),
            timeline: estimate(&plan, &prompts, &zones, now),
            prompts: prompts.clone(),
            menu: menu::menu_of(&plan),
            zones,
            database: facts.database,
            counts: counts.clone(),
        };
        let mut out = std::io::stdout().lock();
        match args.format {
            Format::Json => report.write_json(&mut out)?,
            Format::Text => report.write_text(&mut out)?,
        }
        out.flush()?;
    }
    // `run` refuses to start with a prompt it cannot play: say so the same way.
    if let Some(bad) = prompts.iter().find(|p| p.problem.is_some()) {
        return Err(Failure::usage(anyhow::anyhow!(
            "prompt {} ({}) cannot be played: {}",
            bad.path,
            bad.used_by,
            bad.problem.as_deref().unwrap_or_default()
        )));
    }
    if counts.to_dial() + counts.dnc + counts.capped == 0 {
        return Err(Failure::usage(anyhow::anyhow!(
            "no usable numbers in {} ({} rows: {} invalid, {} blank, {} duplicate)",
            describe_numbers(&plan),
            counts.rows,
            counts.invalid,
            counts.blank,
            counts.duplicate
        )));
    }
    Ok(ExitStatus::Success)
}

fn csv_err(e: csv::Error) -> Failure {
    Failure::runtime(anyhow::anyhow!("writing the list: {e}"))
}

/// The database's DNC list and attempt history (read only; nothing if it does not exist),
/// and the campaign's DNC files.
fn read_facts(plan: &CampaignPlan, global: &GlobalArgs, now: Timestamp) -> Result<Facts, Failure> {
    let path = global.db_path(plan.database.as_ref());
    let store = Store::open_read_only(&path)?;
    let (db_dnc, history) = match &store {
        None => Default::default(),
        Some(store) => {
            let longest = crate::schedule::limits::longest(&plan.limits).unwrap_or(Duration::ZERO);
            let since =
                now.saturating_sub(jiff::SignedDuration::try_from(longest).unwrap_or_default());
            let history = if plan.limits.is_empty() {
                HashMap::new()
            } else {
                store.attempt_times_since(since.unwrap_or(Timestamp::MIN))?
            };
            (store.dnc_numbers()?, history)
        }
    };
    let database = DatabaseView {
        path: path.display().to_string(),
        exists: store.is_some(),
        dnc_numbers: db_dnc.len() as u64,
    };
    let region = plan.numbers.default_region.as_deref();
    let dnc = DncList::load(&plan.dnc.files, region, db_dnc).map_err(Failure::usage)?;
    Ok(Facts {
        dnc,
        history,
        database,
    })
}

/// The policy's judgement as a verdict with a reason a person can act on.
fn judge(policy: &mut Policy<'_>, n: &E164, row_zone: Option<&str>, now: Timestamp) -> Judgement {
    let region = phone::region_of(n);
    let (eligibility, placement) = policy.judge(n, row_zone, region.as_deref(), now);
    let (verdict, mut reason) = match eligibility {
        Eligibility::Dialable => (Verdict::Dialable, String::new()),
        Eligibility::Dnc(Listed::File(path, line)) => {
            (Verdict::Dnc, format!("listed in {}:{line}", path.display()))
        }
        Eligibility::Dnc(Listed::Database) => {
            (Verdict::Dnc, "on the database's do-not-call list".into())
        }
        Eligibility::Capped { until } => (
            Verdict::Capped,
            format!("per-number limit reached until {until}"),
        ),
        Eligibility::OutsideWindow { opens: Some(at) } => {
            let local =
                at.to_zoned_datetime(placement.zone.clone().unwrap_or(jiff::tz::TimeZone::UTC));
            (
                Verdict::OutsideWindow,
                format!("window opens {}", local.strftime("%Y-%m-%d %H:%M %Z")),
            )
        }
        Eligibility::OutsideWindow { opens: None } => (
            Verdict::OutsideWindow,
            "no calling window opens within a year".into(),
        ),
        Eligibility::ZoneUnknown => (
            Verdict::OutsideWindow,
            format!(
                "time zone {} cannot be loaded: never called",
                placement.name
            ),
        ),
    };
    if let Some(bad) = placement.bad_row_zone {
        let note = format!(
            "timezone {bad:?} is not an IANA zone, using {}",
            placement.name
        );
        reason = if reason.is_empty() {
            note
        } else {
            format!("{reason}; {note}")
        };
    }
    Judgement {
        verdict,
        reason,
        timezone: placement.name,
    }
}

/// Every prompt the campaign plays, with its duration or its problem.
fn prompts(plan: &CampaignPlan) -> Vec<PromptView> {
    let files: Vec<(String, PathBuf)> = match &plan.audio {
        Audio::Silent => vec![],
        Audio::Prompt(path) => vec![("prompt".into(), path.clone())],
        Audio::Ivr(ivr) => ivr
            .nodes
            .iter()
            .filter_map(|(name, node)| node.play.clone().map(|p| (format!("ivr.nodes.{name}"), p)))
            .collect(),
    };
    files
        .into_iter()
        .map(|(used_by, path)| {
            let (duration_ms, problem) = match crate::media::prompt_duration(&path) {
                Ok(d) => (Some(d.as_millis() as u64), None),
                Err(e) => (None, Some(e.to_string())),
            };
            PromptView {
                used_by,
                path: path.display().to_string(),
                duration_ms,
                problem,
            }
        })
        .collect()
}

/// The timeline from the zones of the numbers to dial.
fn estimate(
    plan: &CampaignPlan,
    prompts: &[PromptView],
    zones: &BTreeMap<String, u64>,
    now: Timestamp,
) -> Option<TimelineView> {
    let loads: Vec<ZoneLoad> = zones
        .iter()
        .filter_map(|(name, &numbers)| {
            Some(ZoneLoad {
                zone: jiff::tz::db().get(name).ok()?,
                numbers,
            })
        })
        .collect();
    let prompt = prompts
        .iter()
        .filter_map(|p| p.duration_ms)
        .max()
        .unwrap_or(0);
    // A line is held while it rings (assume half the ring timeout, at most 15 s) and while
    // the prompt plays, plus set-up and tear-down.
    let ring = (plan.call.ring_timeout / 2).min(Duration::from_secs(15));
    let mean_call = ring + Duration::from_millis(prompt) + Duration::from_secs(2);
    let mut cps = f64::from(plan.pacing.max_cps);
    let mut lines = f64::from(plan.pacing.max_concurrent);
    if !plan.trunks.is_empty() && plan.trunks.iter().all(|t| t.max_cps.is_some()) {
        cps = cps.min(
            plan.trunks
                .iter()
                .filter_map(|t| t.max_cps)
                .map(f64::from)
                .sum(),
        );
    }
    if !plan.trunks.is_empty() && plan.trunks.iter().all(|t| t.max_concurrent.is_some()) {
        lines = lines.min(
            plan.trunks
                .iter()
                .filter_map(|t| t.max_concurrent)
                .map(f64::from)
                .sum(),
        );
    }
    let rate = timeline::effective_rate(cps, lines, mean_call);
    let t = timeline::estimate(&plan.schedule, &loads, rate, now)?;
    // Whole seconds: the estimate is not better than that, and people read it.
    let second = |ts: Timestamp| ts.round(jiff::Unit::Second).unwrap_or(ts).to_string();
    Some(TimelineView {
        first_call: second(t.first_call),
        last_call: second(t.last_call),
        duration_s: t.last_call.duration_since(t.first_call).as_secs(),
        assumptions: format!(
            "{rate:.2} calls/s, each holding a line ~{}s; one attempt per number, no retries",
            mean_call.as_secs()
        ),
    })
}
