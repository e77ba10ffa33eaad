//! [`load`]: campaign file (+ optional `--config` file) -> validated [`CampaignPlan`].
//!
//! Parse, then validate into a richer type: serde-saphyr turns each file into the span-carrying
//! [`raw`](super::raw) types (syntax, type and unknown-key errors stop there, located), then
//! every value is checked and all problems are reported together, each as
//! `file:line:column: field: what is wrong; what would be valid`.
//!
//! Merging: the `--config` file may hold only `trunks`, `database`, `dnc`, `sip` and `limits`;
//! any other key there is an unknown-key error. For each of those keys, the campaign file's
//! value (when present) replaces the config file's whole value. Paths resolve relative to the
//! file that names them.
//!
//! Defaults: see [`calendar`](super::calendar) (schedule), [`policy`](super::policy) (pacing,
//! call, retry, limits) and [`trunk`](super::trunk) (sip). `numbers.file` is required (`-` for
//! stdin); `column` defaults to the first column; no trunks means none configured (only
//! `--simulate` can dial then: the CLI decides).
//!
//! Must not: read the environment (the caller passes `env`), the clock, or the numbers file's
//! contents (only its existence is checked here).

use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;

use super::check::Checker;
use super::error::{Issues, LoadError};
use super::plan::{
    CampaignPlan, ColumnRef, DncSpec, NumberLimit, NumbersSource, NumbersSpec, SipSettings, Trunk,
};
use super::raw::{RawCampaign, RawNumbers, RawShared, Sp};
use super::{audio, calendar, policy, record, trunk};

/// What [`load`] needs besides the campaign file: everything it must not look up itself.
pub struct LoadOptions<'a> {
    /// `--config`: shared keys; the campaign file overrides them key by key.
    pub config: Option<&'a Path>,
    /// Environment lookup for `password_env` (injected: the core never reads the environment).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The machine's zone, for the default schedule.
    pub local_zone: TimeZone,
    /// The machine's zone's name, for display.
    pub local_zone_name: String,
}

/// Loads and validates a campaign. Every error names the file and, for values, the
/// line:column and field, with what would be valid; several validation problems are
/// reported together in [`LoadError::Invalid`].
pub fn load(campaign: &Path, opts: &LoadOptions<'_>) -> Result<CampaignPlan, LoadError> {
    let mut raw: RawCampaign = parse(campaign)?;
    let config = match opts.config {
        Some(path) => Some((path, parse::<RawShared>(path)?)),
        None => None,
    };
    let ours = raw.take_shared();
    let mut issues = Issues::default();
    let mut check = Checker {
        file: campaign,
        issues: &mut issues,
    };
    let name = check.text(&raw.name, "name").unwrap_or_default();
    let numbers = numbers(&mut check, &raw.numbers.value);
    let caller_id = raw
        .caller_id
        .as_ref()
        .and_then(|c| caller_id(&mut check, c));
    let schedule = calendar::schedule(
        &mut check,
        raw.schedule.as_ref(),
        &opts.local_zone,
        &opts.local_zone_name,
    );
    let pacing = policy::pacing(&mut check, raw.pacing.as_ref());
    let call = policy::call(&mut check, raw.call.as_ref());
    let audio = audio::audio(&mut check, raw.prompt.as_ref(), raw.ivr.as_ref());
    let retry = policy::retry(&mut check, raw.retry.as_ref());
    let record = record::record(&mut check, raw.record.as_ref());

    let empty = RawShared::default();
    let (config_file, theirs) = config.as_ref().map_or((campaign, &empty), |(p, c)| (*p, c));
    let shared = shared(
        &mut issues,
        (&ours, theirs),
        (campaign, config_file),
        opts.env,
    );
    issues.finish()?;
    Ok(CampaignPlan {
        name,
        source: campaign.to_path_buf(),
        numbers: numbers.expect("numbers are valid when no issue was recorded"),
        caller_id,
        schedule,
        pacing,
        call,
        audio,
        record,
        retry,
        limits: shared.limits,
        dnc: shared.dnc,
        trunks: shared.trunks,
        sip: shared.sip,
        database: shared.database,
    })
}

/// The validated keys a config file may hold.
struct Shared {
    limits: Vec<NumberLimit>,
    dnc: DncSpec,
    trunks: Vec<Trunk>,
    sip: SipSettings,
    database: Option<PathBuf>,
}

/// Validates each shared key from the campaign file when it has it, else from the config
/// file, against the file it came from (for error positions and relative paths).
fn shared(
    issues: &mut Issues,
    (ours, theirs): (&RawShared, &RawShared),
    files: (&Path, &Path),
    env: &dyn Fn(&str) -> Option<String>,
) -> Shared {
    let (file, v) = pick(&ours.limits, &theirs.limits, files);
    let limits = policy::limits(&mut checker(file, issues), v);
    let (file, v) = pick(&ours.dnc, &theirs.dnc, files);
    let dnc = v.map_or_else(DncSpec::default, |d| dnc(&mut checker(file, issues), d));
    let (file, v) = pick(&ours.trunks, &theirs.trunks, files);
    let trunks = v.map_or_else(Vec::new, |t| {
        trunk::trunks(&mut checker(file, issues), &t.value, env)
    });
    let (file, v) = pick(&ours.sip, &theirs.sip, files);
    let sip = trunk::sip(&mut checker(file, issues), v);
    let (file, v) = pick(&ours.database, &theirs.database, files);
    let database = v.and_then(|d| checker(file, issues).existing_dir_path(d, "database"));
    Shared {
        limits,
        dnc,
        trunks,
        sip,
        database,
    }
}

/// The campaign's value with the campaign file when present, else the config file's.
fn pick<'a, T>(
    ours: &'a Option<T>,
    theirs: &'a Option<T>,
    (campaign, config): (&'a Path, &'a Path),
) -> (&'a Path, Option<&'a T>) {
    match ours {
        Some(v) => (campaign, Some(v)),
        None => (config, theirs.as_ref()),
    }
}

fn checker<'a>(file: &'a Path, issues: &'a mut Issues) -> Checker<'a> {
    Checker { file, issues }
}

/// Reads and deserialises one file; I/O and YAML errors name it.
fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_saphyr::from_str(&text).map_err(|e| LoadError::yaml(path, &e).with_source(&text))
}

fn numbers(check: &mut Checker<'_>, raw: &RawNumbers) -> Option<NumbersSpec> {
    let source = if raw.file.value.trim() == "-" {
        Some(NumbersSource::Stdin)
    } else {
        check
            .existing_file(&raw.file, "numbers.file")
            .map(NumbersSource::File)
    };
    let column = match &raw.column {
        None => Some(ColumnRef::First),
        Some(c) => column(check, c),
    };
    let default_region = match &raw.default_region {
        None => Some(None),
        Some(r) => {
            let text = r.value.trim();
            if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
                Some(Some(text.to_ascii_uppercase()))
            } else {
                let msg = format!(
                    "`{}` is not a region; expected a two-letter ISO 3166 code such as CN, US, GB",
                    r.value
                );
                check.fail(r, "numbers.default_region", msg);
                None
            }
        }
    };
    Some(NumbersSpec {
        source: source?,
        column: column?,
        default_region: default_region?,
    })
}

/// A header name, or a 1-based index when the value is all digits.
fn column(check: &mut Checker<'_>, raw: &Sp<String>) -> Option<ColumnRef> {
    let text = raw.value.trim();
    if text.is_empty() {
        check.fail(
            raw,
            "numbers.column",
            "expected a header name or a 1-based column index",
        );
        return None;
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(ColumnRef::Name(text.to_string()));
    }
    match text.parse::<usize>() {
        Ok(index) if index >= 1 => Some(ColumnRef::Index(index)),
        _ => {
            let msg = format!("column index must be at least 1 (got {text}); columns count from 1");
            check.fail(raw, "numbers.column", msg);
            None
        }
    }
}

/// The caller ID as written; it goes into a From header, so no blanks or URI punctuation.
fn caller_id(check: &mut Checker<'_>, raw: &Sp<String>) -> Option<String> {
    let text = raw.value.trim();
    let ok = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-._*#".contains(&b));
    if !ok {
        let msg = format!(
            "`{}` cannot be a caller ID; expected an E.164 number like +861012345678 \
             (or a SIP user name: letters, digits, + - . _ * #)",
            raw.value
        );
        check.fail(raw, "caller_id", msg);
        return None;
    }
    Some(text.to_string())
}

fn dnc(check: &mut Checker<'_>, raw: &Sp<super::raw::RawDnc>) -> DncSpec {
    let files = raw
        .value
        .files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| check.existing_file(f, &format!("dnc.files[{i}]")))
        .collect();
    DncSpec { files }
}
