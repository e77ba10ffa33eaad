//! `dialer dnc add|remove|import|list`: the do-not-call list kept in the database.
//!
//! Numbers given on the command line are all-or-nothing: one invalid argument is a usage error
//! (exit 2) and nothing is written. `import` is the opposite on purpose: every valid line is
//! listed (protecting more people is the safe direction), invalid lines are reported on stderr
//! with their line numbers, and only a file without a single valid number is an error.
//! `remove` asks before unlisting anyone, and refuses without a terminal unless `--yes`.
//!
//! Data (`list`) goes to stdout; summaries, warnings and the question go to stderr.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand, ValueEnum};

use super::{Failure, GlobalArgs};
use crate::campaign::E164;
use crate::campaign::phone::normalize;
use crate::exit::ExitStatus;
use crate::net::clock;
use crate::store::{DncSource, Store, StoreOptions, format_timestamp};

/// Arguments of `dialer dnc`.
#[derive(Debug, Args)]
pub struct DncArgs {
    /// What to do with the list.
    #[command(subcommand)]
    pub action: DncAction,
    /// How long to wait for another process's lock on the database, in milliseconds
    #[arg(long, global = true, value_name = "MS", default_value_t = 5000)]
    pub lock_timeout: u64,
}

/// The `dnc` subcommands.
#[derive(Debug, Subcommand)]
pub enum DncAction {
    /// Add numbers to the do-not-call list
    Add(AddArgs),
    /// Remove numbers from the do-not-call list (asks first; --yes without a terminal)
    Remove(RemoveArgs),
    /// Add every number in a file: one number a line, or a CSV column
    Import(ImportArgs),
    /// Print the list: one E.164 number a line (csv or json for every column)
    List(ListArgs),
}

/// Arguments of `dialer dnc add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Numbers, in E.164 (+8613800138000) or national form with --region
    #[arg(required = true, value_name = "NUMBER")]
    pub numbers: Vec<String>,
    /// Region (ISO 3166 two-letter code) of numbers written without a country code
    #[arg(long, value_name = "CC", value_parser = parse_region)]
    pub region: Option<String>,
    /// A note stored with each number (why, who asked)
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// Arguments of `dialer dnc remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// Numbers, in E.164 or national form with --region
    #[arg(required = true, value_name = "NUMBER")]
    pub numbers: Vec<String>,
    /// Region (ISO 3166 two-letter code) of numbers written without a country code
    #[arg(long, value_name = "CC", value_parser = parse_region)]
    pub region: Option<String>,
    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Arguments of `dialer dnc import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// One number a line (blank lines and # comments skipped), or a CSV with a header row
    pub file: PathBuf,
    /// The CSV column holding the numbers: a header name or a 1-based index [default: first]
    #[arg(long, value_name = "NAME|N")]
    pub column: Option<String>,
    /// Region (ISO 3166 two-letter code) of numbers written without a country code
    #[arg(long, value_name = "CC", value_parser = parse_region)]
    pub region: Option<String>,
}

/// Arguments of `dialer dnc list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Plain)]
    pub format: ListFormat,
}

/// Output format of `dnc list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One E.164 number a line.
    Plain,
    /// CSV with a header: e164, added_at, source, note.
    Csv,
    /// One JSON array of objects with the same fields.
    Json,
}

/// Runs `dialer dnc …`.
pub fn execute(args: DncArgs, global: &GlobalArgs) -> Result<ExitStatus, Failure> {
    let db = global.db_path(None);
    let options = StoreOptions {
        busy_timeout: Duration::from_millis(args.lock_timeout),
    };
    let say = |message: String| {
        if !global.quiet {
            eprintln!("{message}");
        }
    };
    match args.action {
        DncAction::Add(a) => add(a, &db, options, say),
        DncAction::Remove(a) => remove(a, &db, options, say),
        DncAction::Import(a) => import(a, &db, options, say),
        DncAction::List(a) => list(a, &db, options),
    }
}

fn add(
    args: AddArgs,
    db: &Path,
    options: StoreOptions,
    say: impl Fn(String),
) -> Result<ExitStatus, Failure> {
    let numbers = normalize_arguments(&args.numbers, args.region.as_deref())?;
    let mut store = Store::open_with(db, options)?;
    let summary = store.dnc_add(
        &numbers,
        &DncSource::Manual,
        args.note.as_deref(),
        clock::now(),
    )?;
    say(format!(
        "added {} to the do-not-call list{}",
        count(summary.added),
        already(summary.already_listed)
    ));
    Ok(ExitStatus::Success)
}

fn remove(
    args: RemoveArgs,
    db: &Path,
    options: StoreOptions,
    say: impl Fn(String),
) -> Result<ExitStatus, Failure> {
    let numbers = normalize_arguments(&args.numbers, args.region.as_deref())?;
    if !args.yes && !confirm(numbers.len())? {
        say("nothing removed".to_string());
        return Ok(ExitStatus::Success);
    }
    let mut store = Store::open_with(db, options)?;
    let mut missing = Vec::new();
    for number in &numbers {
        if !store.dnc_contains(number)? {
            missing.push(number.as_str());
        }
    }
    let removed = store.dnc_remove(&numbers)?;
    say(format!(
        "removed {} from the do-not-call list",
        count(removed)
    ));
    if !missing.is_empty() {
        say(format!("not on the list: {}", missing.join(", ")));
    }
    Ok(ExitStatus::Success)
}

/// Asks on the terminal; without one, refuses (exit 2) so that a script never unlists anyone
/// by accident.
fn confirm(n: usize) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(anyhow!(
            "refusing to remove {} from the do-not-call list without confirmation: stdin is \
             not a terminal; pass --yes to confirm",
            count(n as u64)
        )));
    }
    eprint!(
        "Remove {} from the do-not-call list? [y/N] ",
        count(n as u64)
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn import(
    args: ImportArgs,
    db: &Path,
    options: StoreOptions,
    say: impl Fn(String),
) -> Result<ExitStatus, Failure> {
    let shown = args.file.display().to_string();
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {shown}"))
        .map_err(Failure::usage)?;
    let text = String::from_utf8(bytes)
        .map_err(|e| {
            anyhow!(
                "{shown}: not UTF-8 text (byte {}); save it as UTF-8",
                e.utf8_error().valid_up_to()
            )
        })
        .map_err(Failure::usage)?;
    let cells = reader::cells(&text, args.column.as_deref())
        .map_err(|e| Failure::usage(anyhow!("{shown}: {e}")))?;
    let mut numbers = Vec::new();
    let mut invalid = 0u64;
    for (line, raw) in cells {
        match normalize(&raw, args.region.as_deref()) {
            Ok(number) => numbers.push(number),
            Err(why) => {
                invalid += 1;
                eprintln!(
                    "warning: {shown}:{line}: {raw:?} is not a valid phone number ({})",
                    why.reason()
                );
            }
        }
    }
    if numbers.is_empty() {
        return Err(Failure::usage(anyhow!(
            "{shown}: no valid phone number found ({invalid} invalid); expected one number a \
             line in E.164 (+8613800138000), national numbers with --region CC, or a CSV with \
             --column NAME|N"
        )));
    }
    let mut store = Store::open_with(db, options)?;
    let source = DncSource::Import(shown.clone());
    let summary = store.dnc_add(&numbers, &source, None, clock::now())?;
    say(format!(
        "{shown}: added {} to the do-not-call list{}{}",
        count(summary.added),
        already(summary.already_listed),
        if invalid > 0 {
            format!(", {invalid} invalid line(s) skipped")
        } else {
            String::new()
        }
    ));
    Ok(ExitStatus::Success)
}

fn list(args: ListArgs, db: &Path, options: StoreOptions) -> Result<ExitStatus, Failure> {
    // Listing must not leave a new empty database behind.
    let entries = if db.exists() {
        Store::open_with(db, options)?.dnc_list()?
    } else {
        Vec::new()
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Plain => {
            for e in &entries {
                writeln!(out, "{}", e.e164)?;
            }
        }
        ListFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            let header = ["e164", "added_at", "source", "note"];
            csv.write_record(header).map_err(Failure::runtime)?;
            for e in &entries {
                let record = [
                    e.e164.to_string(),
                    format_timestamp(e.added_at),
                    e.source.to_string(),
                    e.note.clone().unwrap_or_default(),
                ];
                csv.write_record(&record).map_err(Failure::runtime)?;
            }
            csv.flush()?;
        }
        ListFormat::Json => {
            let array: Vec<JsonEntry<'_>> = entries
                .iter()
                .map(|e| JsonEntry {
                    e164: e.e164.as_str(),
                    added_at: format_timestamp(e.added_at),
                    source: e.source.to_string(),
                    note: e.note.as_deref(),
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &array).map_err(Failure::runtime)?;
            writeln!(out)?;
        }
    }
    Ok(ExitStatus::Success)
}

/// One entry of `dnc list --format json`, fields in the order of the CSV columns.
#[derive(serde::Serialize)]
struct JsonEntry<'a> {
    e164: &'a str,
    added_at: String,
    source: String,
    note: Option<&'a str>,
}

/// Normalises command-line numbers; any invalid one is a usage error naming it.
fn normalize_arguments(raw: &[String], region: Option<&str>) -> Result<Vec<E164>, Failure> {
    let mut numbers = Vec::with_capacity(raw.len());
    let mut bad = Vec::new();
    for arg in raw {
        match normalize(arg, region) {
            Ok(n) => numbers.push(n),
            Err(why) => bad.push(format!("{arg:?} ({})", why.reason())),
        }
    }
    if bad.is_empty() {
        return Ok(numbers);
    }
    Err(Failure::usage(anyhow!(
        "not a valid phone number: {}; write numbers in E.164 (+8613800138000), or pass \
         --region CC for national numbers; nothing was changed",
        bad.join(", ")
    )))
}

/// `--region`: two ASCII letters, upper-cased.
fn parse_region(s: &str) -> Result<String, String> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(format!(
            "{s:?} is not a region: expected a two-letter ISO 3166 code such as CN or US"
        ))
    }
}

fn count(n: u64) -> String {
    if n == 1 {
        "1 number".to_string()
    } else {
        format!("{n} numbers")
    }
}

fn already(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({} already listed)", count(n))
    }
}

mod reader;
