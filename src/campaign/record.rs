//! `record:` -> [`RecordPlan`]: whether and where answered calls are recorded.
//!
//! `record: true` writes `recordings/{campaign}/{date}/{number}-{attempt}.wav` next to the
//! database; a string is a path pattern relative to the campaign file with the placeholders
//! `{campaign}`, `{number}` (E.164 digits, no `+`), `{attempt}` (the attempt's id in the
//! database: unique), `{date}` (`YYYY-MM-DD`, UTC) and `{time}` (`HHMMSS`, UTC) of the call's
//! start; it must end in `.wav`. An unknown placeholder is an error at load.
//!
//! Must not: touch the file system (the recorder creates folders when a call is answered).

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::check::Checker;
use super::raw::{RawRecord, Sp};

/// The placeholders a pattern may use.
const PLACEHOLDERS: [&str; 5] = ["campaign", "number", "attempt", "date", "time"];

/// The pattern of `record: true`.
pub const DEFAULT_PATTERN: &str = "recordings/{campaign}/{date}/{number}-{attempt}.wav";

/// Where recordings go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPlan {
    /// The path pattern.
    pub pattern: String,
    /// The folder the pattern is relative to: the campaign file's, or `None` for the
    /// database's (`record: true`).
    pub base: Option<PathBuf>,
}

impl RecordPlan {
    /// The file of one call, given the database's folder for `record: true`.
    pub fn path_for(
        &self,
        database_dir: &Path,
        campaign: &str,
        e164: &str,
        attempt: i64,
        started: Timestamp,
    ) -> PathBuf {
        let file = self
            .pattern
            .replace("{campaign}", &safe(campaign))
            .replace("{number}", e164.trim_start_matches('+'))
            .replace("{attempt}", &attempt.to_string())
            .replace("{date}", &started.strftime("%Y-%m-%d").to_string())
            .replace("{time}", &started.strftime("%H%M%S").to_string());
        self.base.as_deref().unwrap_or(database_dir).join(file)
    }
}

/// A campaign name as one path component: separators and dots that could climb out of the
/// folder become `_`.
fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if s == "." || s == ".." {
        s.replace('.', "_")
    } else {
        s
    }
}

/// Validates `record:`.
pub(crate) fn record(check: &mut Checker<'_>, raw: Option<&Sp<RawRecord>>) -> Option<RecordPlan> {
    let raw = raw?;
    let pattern = match &raw.value {
        RawRecord::Flag(false) => return None,
        RawRecord::Flag(true) => {
            return Some(RecordPlan {
                pattern: DEFAULT_PATTERN.to_string(),
                base: None,
            });
        }
        RawRecord::Pattern(p) => p.trim(),
    };
    let mut ok = true;
    if !pattern.ends_with(".wav") {
        check.fail(
            raw,
            "record",
            "the pattern must end in `.wav` (recordings are WAV files)",
        );
        ok = false;
    }
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            check.fail(raw, "record", "a `{` without its `}`");
            return None;
        };
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            let valid = PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ");
            check.fail(
                raw,
                "record",
                format!("unknown placeholder `{{{name}}}`; valid: {valid}"),
            );
            ok = false;
        }
        rest = &after[close + 1..];
    }
    ok.then(|| RecordPlan {
        pattern: pattern.to_string(),
        base: Some(
            check
                .file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_the_pattern() {
        let plan = RecordPlan {
            pattern: DEFAULT_PATTERN.to_string(),
            base: None,
        };
        let at: Timestamp = "2026-11-24T09:30:05Z".parse().unwrap();
        assert_eq!(
            plan.path_for(Path::new("/data"), "spring/../x", "+442079460100", 42, at),
            PathBuf::from("/data/recordings/spring_.._x/2026-11-24/442079460100-42.wav")
        );
        let own = RecordPlan {
            pattern: "rec/{date}T{time}-{number}.wav".into(),
            base: Some(PathBuf::from("/campaigns")),
        };
        assert_eq!(
            own.path_for(Path::new("/data"), "c", "+1", 1, at),
            PathBuf::from("/campaigns/rec/2026-11-24T093005-1.wav")
        );
        assert_eq!(safe(".."), "__");
    }
}
