//! `dialer report`: counts, ASR, answer rate, ACD and post-dial delay from the CDR database,
//! grouped by disposition, SIP code, trunk, hour or day, as a table, CSV or JSON on stdout.
//!
//! The figures are defined in [`crate::report`] (and in the README). The database is opened
//! read-only; the attempts stream through the summariser, so memory grows with the number of
//! distinct numbers, not of attempts.

use std::io::{BufWriter, Write};

use anyhow::anyhow;
use clap::{Args, ValueEnum};

use super::{Failure, GlobalArgs};
use crate::exit::ExitStatus;
use crate::report::{GroupBy, Summarizer, render};
use crate::store::{CampaignId, ExportError, ExportShape, Store};

/// Arguments of `dialer report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only this campaign (its `name:`); default: every campaign in the database
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    /// How to group the attempts (hour and day are UTC)
    #[arg(long, value_enum, default_value_t = By::Disposition)]
    pub by: By,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

/// `--by` of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// Final disposition (ANSWERED, BUSY, ...)
    Disposition,
    /// Final SIP status code
    Sip,
    /// Hour the attempt started (UTC)
    Hour,
    /// Trunk that carried the attempt
    Trunk,
    /// Day the attempt started (UTC)
    Day,
}

/// `--format` of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// An aligned table for a terminal
    Table,
    /// CSV with a header row
    Csv,
    /// One JSON document
    Json,
}

/// Runs `dialer report`.
pub fn execute(args: ReportArgs, global: &GlobalArgs) -> Result<ExitStatus, Failure> {
    let db = global.db_path(None);
    let Some(store) = Store::open_read_only(&db)? else {
        return Err(Failure::usage(anyhow!(
            "no dialer database at {} (run `dialer import` or `dialer run` first, or pass --db)",
            db.display()
        )));
    };
    let campaign = campaign_named(&store, args.campaign.as_deref())?;
    let by = match args.by {
        By::Disposition => GroupBy::Disposition,
        By::Sip => GroupBy::Sip,
        By::Hour => GroupBy::Hour,
        By::Trunk => GroupBy::Trunk,
        By::Day => GroupBy::Day,
    };
    let mut summary = Summarizer::default();
    store
        .export(campaign, ExportShape::Attempts, |row| {
            summary.add(by, row);
            Ok(())
        })
        .map_err(|e| match e {
            ExportError::Store(e) => Failure::from(e),
            ExportError::Write(e) => Failure::runtime(e),
        })?;
    let report = summary.finish(by);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        ReportFormat::Table => render::table(&report, &mut out),
        ReportFormat::Csv => render::csv(&report, &mut out),
        ReportFormat::Json => render::json(&report, &mut out),
    }
    .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::runtime(e)),
        _ => Ok(ExitStatus::Success),
    }
}

/// The id of `--campaign NAME`; an unknown name is a usage error listing the known ones.
pub(super) fn campaign_named(
    store: &Store,
    name: Option<&str>,
) -> Result<Option<CampaignId>, Failure> {
    let Some(name) = name else { return Ok(None) };
    if let Some(id) = store.campaign_id(name)? {
        return Ok(Some(id));
    }
    let names = store.campaign_names()?;
    let known = if names.is_empty() {
        "the database has no campaign yet".to_string()
    } else {
        format!("campaigns are: {}", names.join(", "))
    };
    Err(Failure::usage(anyhow!(
        "--campaign: no campaign named `{name}`; {known}"
    )))
}
