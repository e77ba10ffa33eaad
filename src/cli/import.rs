//! `dialer import CAMPAIGN.yaml`: load the campaign's numbers into the database without
//! dialing (what `run` does first). Idempotent: the same file twice adds nothing; a changed
//! file adds its new numbers and keeps every earlier result.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;

use clap::Args;

use super::campaign_input::{load_plan, open_numbers};
use super::{Failure, GlobalArgs};
use crate::exit::ExitStatus;
use crate::net::clock;
use crate::screen::{Counts, Judgement, Screener, Verdict};
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

/// Rows screened and handed to the database writer at a time.
const CHUNK: usize = 4096;

/// What the screening thread hands the writer.
enum Chunk {
    /// Dialable rows, in file order.
    Rows(Vec<ImportRow>),
    /// Rows that will not be dialed, in file order.
    Skipped(Vec<SkippedRow>),
    /// The end: the counts of the whole file, or why screening stopped.
    Done(Result<Counts, Failure>),
}

/// Screens the numbers file and stores it: shared by `import` and `run`.
///
/// Screening runs on its own thread and streams rows into the one write transaction, so
/// reading, normalising and writing overlap. The transaction commits only once the whole
/// file has been screened without error and has a usable row: a bad row late in the file
/// (not UTF-8, an unclosed quote) leaves the stored data exactly as it was.
pub fn import(
    plan: &crate::campaign::CampaignPlan,
    global: &GlobalArgs,
) -> Result<ImportSummary, Failure> {
    let numbers = open_numbers(plan)?;
    let db = global.db_path(plan.database.as_ref());
    let created = !db.exists();
    let mut store = Store::open(&db)?;
    let now = clock::now();
    let campaign = store.upsert_campaign(&plan.name, now)?;
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Chunk>(16);
    let skipped = RefCell::new(Vec::new());
    let usable = Cell::new(0u64);
    let done = RefCell::new(None);
    let stored = std::thread::scope(|scope| {
        scope.spawn(move || {
            let end = screen(plan, numbers, &sender);
            let _ = sender.send(Chunk::Done(end));
        });
        // `into_iter` owns the receiver: if the writer fails and drops `rows`, the screening
        // thread's next send fails and it stops, instead of waiting forever on a full channel.
        let rows = receiver.into_iter().flat_map(|chunk| match chunk {
            Chunk::Rows(rows) => {
                usable.set(usable.get() + rows.len() as u64);
                rows
            }
            Chunk::Skipped(rows) => {
                skipped.borrow_mut().extend(rows);
                Vec::new()
            }
            Chunk::Done(end) => {
                *done.borrow_mut() = Some(end);
                Vec::new()
            }
        });
        let commit_if =
            |_: &ImportSummary| usable.get() > 0 && matches!(done.borrow().as_ref(), Some(Ok(_)));
        store.import_numbers_if(campaign, rows, Deferred(&skipped), now, commit_if)
    });
    let stored = stored?;
    if stored.is_none() {
        // Rolled back: leave no trace of this attempt, not even an empty campaign or file.
        store.remove_campaign_if_empty(campaign)?;
        drop(store);
        if created {
            for suffix in ["", "-wal", "-shm"] {
                let mut path = db.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }
    match (stored, done.into_inner()) {
        (Some(summary), _) => Ok(summary),
        (None, Some(Err(failure))) => Err(failure),
        (None, Some(Ok(counts))) => Err(no_usable_rows(plan, &counts)),
        (None, None) => Err(Failure::runtime(anyhow::anyhow!(
            "screening the numbers stopped without a word"
        ))),
    }
}

/// Skipped rows handed to the store lazily: it reads them after every dialable row, by which
/// time the screening thread has sent them all.
struct Deferred<'a>(&'a RefCell<Vec<SkippedRow>>);

impl IntoIterator for Deferred<'_> {
    type Item = SkippedRow;
    type IntoIter = std::vec::IntoIter<SkippedRow>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.take().into_iter()
    }
}

/// Screens every row of `numbers`, sending chunks to the writer; the counts at the end.
fn screen(
    plan: &crate::campaign::CampaignPlan,
    numbers: super::campaign_input::Numbers,
    sender: &SyncSender<Chunk>,
) -> Result<Counts, Failure> {
    // DNC, limits and windows are judged when a batch is claimed, not here: they change.
    let judge = |_: &crate::campaign::E164, _: Option<&str>| Judgement {
        verdict: Verdict::Dialable,
        reason: String::new(),
        timezone: String::new(),
    };
    let mut screener = Screener::new(numbers, plan.numbers.default_region.clone(), judge);
    let (mut rows, mut skipped) = (Vec::with_capacity(CHUNK), Vec::new());
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
                if rows.len() == CHUNK {
                    let full = std::mem::replace(&mut rows, Vec::with_capacity(CHUNK));
                    if sender.send(Chunk::Rows(full)).is_err() {
                        break; // the writer failed: its error is the one to report
                    }
                }
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
        if skipped.len() == CHUNK {
            let _ = sender.send(Chunk::Skipped(std::mem::take(&mut skipped)));
        }
    }
    let _ = sender.send(Chunk::Rows(rows));
    let _ = sender.send(Chunk::Skipped(skipped));
    Ok(screener.counts().clone())
}

/// The error for a file with nothing to dial.
fn no_usable_rows(plan: &crate::campaign::CampaignPlan, counts: &Counts) -> Failure {
    Failure::usage(anyhow::anyhow!(
        "no usable numbers in {}: {} rows, {} invalid, {} blank, {} duplicate",
        super::campaign_input::describe_numbers(plan),
        counts.rows,
        counts.invalid,
        counts.blank,
        counts.duplicate
    ))
}
