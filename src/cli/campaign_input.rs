//! Loading a campaign for a command: the plan (with `--config` and the environment for
//! secrets, read here at the edge and nowhere deeper), the `--numbers` override, and the
//! numbers reader over a file or stdin.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Failure, GlobalArgs};
use crate::campaign::numbers::NumbersReader;
use crate::campaign::{self, CampaignPlan, LoadOptions, NumbersSource};

/// The numbers, read from the plan's file, a `--numbers` override, or stdin.
pub type Numbers = NumbersReader<Box<dyn Read + Send>>;

/// Loads and validates `path` (exit 2 on any error, which names file, line and column).
pub fn load_plan(
    path: &Path,
    global: &GlobalArgs,
    numbers: Option<&PathBuf>,
) -> Result<CampaignPlan, Failure> {
    let (local_zone, local_zone_name) = local_zone();
    let env = |name: &str| std::env::var(name).ok();
    let opts = LoadOptions {
        config: global.config.as_deref(),
        env: &env,
        local_zone,
        local_zone_name,
    };
    let mut plan = campaign::load(path, &opts).map_err(Failure::usage)?;
    if let Some(file) = numbers {
        plan.numbers.source = if file.as_os_str() == "-" {
            NumbersSource::Stdin
        } else {
            NumbersSource::File(file.clone())
        };
    }
    if let NumbersSource::File(file) = &plan.numbers.source
        && !file.is_file()
    {
        return Err(Failure::usage(anyhow::anyhow!(
            "numbers file {} does not exist (from {}: numbers.file, or --numbers)",
            file.display(),
            path.display()
        )));
    }
    Ok(plan)
}

/// Opens the plan's numbers (a file, or stdin for `-`).
pub fn open_numbers(plan: &CampaignPlan) -> Result<Numbers, Failure> {
    let (input, origin): (Box<dyn Read + Send>, PathBuf) = match &plan.numbers.source {
        NumbersSource::Stdin => (Box::new(std::io::stdin()), PathBuf::from("<stdin>")),
        NumbersSource::File(path) => {
            let file = std::fs::File::open(path).map_err(|e| {
                Failure::usage(anyhow::anyhow!(
                    "cannot read numbers file {}: {e}",
                    path.display()
                ))
            })?;
            (Box::new(file), path.clone())
        }
    };
    Ok(NumbersReader::new(input, origin, &plan.numbers.column)?)
}

/// A description of the numbers' source for reports.
pub fn describe_numbers(plan: &CampaignPlan) -> String {
    let source = match &plan.numbers.source {
        NumbersSource::Stdin => "standard input".to_string(),
        NumbersSource::File(p) => p.display().to_string(),
    };
    let column = match &plan.numbers.column {
        campaign::ColumnRef::First => "first column".to_string(),
        campaign::ColumnRef::Name(n) => format!("column {n:?}"),
        campaign::ColumnRef::Index(i) => format!("column {i}"),
    };
    match &plan.numbers.default_region {
        Some(r) => format!("{source}, {column}, national numbers in {r}"),
        None => format!("{source}, {column}"),
    }
}

/// This machine's zone (for a campaign with no `schedule:`), read once here at the edge.
fn local_zone() -> (jiff::tz::TimeZone, String) {
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    let name = tz.iana_name().unwrap_or("UTC").to_string();
    (tz, name)
}
