//! `dialer export`: results as CSV or JSON on stdout, for scripts and pipelines.
//!
//! Default: one row per data row of the numbers file (CONTRACT.md "Output for scripts"): a
//! dialed number with its latest attempt, a number still waiting (empty disposition, state
//! `pending`), or a row skipped at import (`INVALID_NUMBER`/`DUPLICATE`, state `skipped`, no
//! number, why in `reason`). Blank lines are not rows. `--attempts`: one row per attempt.
//!
//! Columns: the contract's (campaign, number, disposition, attempts, sip_code, sip_reason,
//! trunk, started_at, answered_at, ended_at, ring_ms, talk_ms, dtmf, result), then the numbers
//! file's extra columns in file order (a name that clashes with a fixed column gets an
//! `extra:` prefix), then ours: state, next_due_at, ringing_at, call_id, rtp_sent,
//! rtp_received, line, raw, reason, recording. JSON: one array of objects with the same keys, extra columns in
//! an `extra` object. Timestamps are RFC 3339 UTC as stored.
//!
//! The database is opened read-only (nothing is created or changed); rows stream from SQLite
//! to stdout. A closed pipe (`| head`) ends the export quietly with status 0.

use std::io::{BufWriter, Write};

use anyhow::anyhow;
use clap::{Args, ValueEnum};
use serde::ser::{SerializeMap, Serializer};

use super::{Failure, GlobalArgs};
use crate::exit::ExitStatus;
use crate::store::{ExportError, ExportRow, ExportShape, Store, decode_extra};

/// Arguments of `dialer export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only this campaign (its `name:`); default: every campaign in the database
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    /// One row per attempt instead of one per number
    #[arg(long)]
    pub attempts: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
}

/// `--format` of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CSV with a header row (RFC 4180 quoting)
    Csv,
    /// One JSON array of objects
    Json,
}

/// The contract's columns, in order.
const CONTRACT_COLUMNS: [&str; 14] = [
    "campaign",
    "number",
    "disposition",
    "attempts",
    "sip_code",
    "sip_reason",
    "trunk",
    "started_at",
    "answered_at",
    "ended_at",
    "ring_ms",
    "talk_ms",
    "dtmf",
    "result",
];

/// Our columns after the extra ones.
const MORE_COLUMNS: [&str; 10] = [
    "state",
    "next_due_at",
    "ringing_at",
    "call_id",
    "rtp_sent",
    "rtp_received",
    "line",
    "raw",
    "reason",
    "recording",
];

/// Runs `dialer export`.
pub fn execute(args: ExportArgs, global: &GlobalArgs) -> Result<ExitStatus, Failure> {
    let db = global.db_path(None);
    let Some(store) = Store::open_read_only(&db)? else {
        return Err(Failure::usage(anyhow!(
            "no dialer database at {} (run `dialer import` or `dialer run` first, or pass --db)",
            db.display()
        )));
    };
    let campaign = super::report::campaign_named(&store, args.campaign.as_deref())?;
    let shape = if args.attempts {
        ExportShape::Attempts
    } else {
        ExportShape::Numbers
    };
    let extras = store.extra_columns(campaign)?;
    let out = BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        ExportFormat::Csv => write_csv(&store, campaign, shape, &extras, out),
        ExportFormat::Json => write_json(&store, campaign, shape, out),
    };
    match written {
        Ok(()) => Ok(ExitStatus::Success),
        Err(ExportError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Ok(ExitStatus::Success)
        }
        Err(ExportError::Write(e)) => Err(Failure::runtime(e)),
        Err(ExportError::Store(e)) => Err(e.into()),
    }
}

fn write_csv(
    store: &Store,
    campaign: Option<crate::store::CampaignId>,
    shape: ExportShape,
    extras: &[String],
    out: impl Write,
) -> Result<(), ExportError> {
    let mut csv = csv::Writer::from_writer(out);
    let fixed: Vec<&str> = CONTRACT_COLUMNS
        .iter()
        .chain(&MORE_COLUMNS)
        .copied()
        .collect();
    let extra_header = extras.iter().map(|name| {
        if fixed.contains(&name.as_str()) {
            format!("extra:{name}")
        } else {
            name.clone()
        }
    });
    let header: Vec<String> = CONTRACT_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(extra_header)
        .chain(MORE_COLUMNS.iter().map(|c| c.to_string()))
        .collect();
    csv.write_record(&header).map_err(std::io::Error::from)?;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    store.export(campaign, shape, |row| {
        record.clear();
        record.extend(contract_fields(row));
        let values = decode_extra(&row.extra_json);
        for name in extras {
            let value = values.iter().find(|(n, _)| n == name).map(|(_, v)| v);
            record.push(value.cloned().unwrap_or_default());
        }
        record.extend(more_fields(row));
        csv.write_record(&record).map_err(std::io::Error::from)
    })?;
    csv.flush()?;
    Ok(())
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn contract_fields(row: &ExportRow) -> [String; 14] {
    [
        row.campaign.clone(),
        row.number.clone(),
        row.disposition.clone(),
        row.attempts.to_string(),
        opt(&row.sip_code),
        opt(&row.sip_reason),
        opt(&row.trunk),
        opt(&row.started_at),
        opt(&row.answered_at),
        opt(&row.ended_at),
        opt(&row.ring_ms),
        opt(&row.talk_ms),
        row.dtmf.clone(),
        opt(&row.result),
    ]
}

fn more_fields(row: &ExportRow) -> [String; 10] {
    [
        row.state.clone(),
        opt(&row.next_due_at),
        opt(&row.ringing_at),
        opt(&row.call_id),
        opt(&row.rtp_sent),
        opt(&row.rtp_received),
        row.line.to_string(),
        row.raw.clone(),
        opt(&row.reason),
        opt(&row.recording),
    ]
}

fn write_json(
    store: &Store,
    campaign: Option<crate::store::CampaignId>,
    shape: ExportShape,
    mut out: impl Write,
) -> Result<(), ExportError> {
    out.write_all(b"[")?;
    let mut first = true;
    store.export(campaign, shape, |row| {
        out.write_all(if first { b"\n  " } else { b",\n  " })?;
        first = false;
        let mut ser = serde_json::Serializer::new(&mut out);
        JsonRow(row)
            .serialize(&mut ser)
            .map_err(std::io::Error::from)
    })?;
    out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
    out.flush()?;
    Ok(())
}

/// One row as a JSON object: keys in CSV order, numbers as numbers, absent values as null.
struct JsonRow<'a>(&'a ExportRow);

impl JsonRow<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut map = ser.serialize_map(None)?;
        map.serialize_entry("campaign", &r.campaign)?;
        map.serialize_entry("number", &r.number)?;
        map.serialize_entry("disposition", &r.disposition)?;
        map.serialize_entry("attempts", &r.attempts)?;
        map.serialize_entry("sip_code", &r.sip_code)?;
        map.serialize_entry("sip_reason", &r.sip_reason)?;
        map.serialize_entry("trunk", &r.trunk)?;
        map.serialize_entry("started_at", &r.started_at)?;
        map.serialize_entry("answered_at", &r.answered_at)?;
        map.serialize_entry("ended_at", &r.ended_at)?;
        map.serialize_entry("ring_ms", &r.ring_ms)?;
        map.serialize_entry("talk_ms", &r.talk_ms)?;
        map.serialize_entry("dtmf", &r.dtmf)?;
        map.serialize_entry("result", &r.result)?;
        map.serialize_entry("extra", &ExtraObject(decode_extra(&r.extra_json)))?;
        map.serialize_entry("state", &r.state)?;
        map.serialize_entry("next_due_at", &r.next_due_at)?;
        map.serialize_entry("ringing_at", &r.ringing_at)?;
        map.serialize_entry("call_id", &r.call_id)?;
        map.serialize_entry("rtp_sent", &r.rtp_sent)?;
        map.serialize_entry("rtp_received", &r.rtp_received)?;
        map.serialize_entry("line", &r.line)?;
        map.serialize_entry("raw", &r.raw)?;
        map.serialize_entry("reason", &r.reason)?;
        map.serialize_entry("recording", &r.recording)?;
        map.end()
    }
}

/// Extra columns as an object in file order.
struct ExtraObject(Vec<(String, String)>);

impl serde::Serialize for ExtraObject {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut map = ser.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}
