//! [`Checker`]: validation of single values from one file, recording located issues.
//!
//! Each check returns `Some(valid value)` or records an [`Issue`](super::error::Issue) at the
//! value's line and column and returns `None`, so the loader can go on and report every
//! problem in one run. Paths resolve against the directory of the file being checked.
//!
//! Must not: read the environment, or put a secret into an issue.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::duration::parse_duration;
use super::error::{Issues, Position};
use super::raw::Sp;

/// Checks values of one file (the campaign or the config file).
pub(crate) struct Checker<'a> {
    /// The file whose values are checked: named in issues, base of relative paths.
    pub file: &'a Path,
    /// Where problems go.
    pub issues: &'a mut Issues,
}

impl Checker<'_> {
    /// Records a problem with the value spanned by `at`.
    pub fn fail<T>(&mut self, at: &Sp<T>, field: &str, message: impl Into<String>) {
        self.fail_at(at.referenced.into(), field, message);
    }

    /// Records a problem at an explicit position.
    pub fn fail_at(&mut self, position: Position, field: &str, message: impl Into<String>) {
        self.issues.push(self.file, position, field, message);
    }

    /// `rel` resolved against the directory of the file that names it.
    pub fn resolve(&self, rel: &str) -> PathBuf {
        let rel = Path::new(rel);
        match self.file.parent() {
            Some(dir) if rel.is_relative() => dir.join(rel),
            _ => rel.to_path_buf(),
        }
    }

    /// A positive duration (see [`super::duration`]).
    pub fn duration(&mut self, value: &Sp<String>, field: &str) -> Option<Duration> {
        parse_duration(&value.value)
            .map_err(|e| self.fail(value, field, e.to_string()))
            .ok()
    }

    /// A positive duration of at most `max`; `why` explains the bound.
    pub fn bounded_duration(
        &mut self,
        value: &Sp<String>,
        field: &str,
        max: Duration,
        why: &str,
    ) -> Option<Duration> {
        let duration = self.duration(value, field)?;
        if duration > max {
            self.fail(
                value,
                field,
                format!(
                    "must be at most {} ({why}; got {})",
                    human(max),
                    value.value
                ),
            );
            return None;
        }
        Some(duration)
    }

    /// A whole number in `1..=max`; `why` explains the upper bound.
    pub fn count(&mut self, value: &Sp<i64>, field: &str, max: u32, why: &str) -> Option<u32> {
        let n = value.value;
        if n < 1 {
            self.fail(value, field, format!("must be at least 1 (got {n})"));
            None
        } else if n > i64::from(max) {
            self.fail(
                value,
                field,
                format!("must be at most {max}, {why} (got {n})"),
            );
            None
        } else {
            u32::try_from(n).ok()
        }
    }

    /// A path (resolved) to an existing regular file.
    pub fn existing_file(&mut self, value: &Sp<String>, field: &str) -> Option<PathBuf> {
        if value.value.trim().is_empty() {
            self.fail(value, field, "must be a file path (got an empty string)");
            return None;
        }
        let path = self.resolve(&value.value);
        if path.is_file() {
            Some(path)
        } else {
            let what = if path.exists() {
                "is not a regular file"
            } else {
                "does not exist"
            };
            self.fail(
                value,
                field,
                format!(
                    "{} {what} (paths are relative to {})",
                    path.display(),
                    self.file.display()
                ),
            );
            None
        }
    }

    /// A non-empty string without surrounding blanks.
    pub fn text(&mut self, value: &Sp<String>, field: &str) -> Option<String> {
        let text = value.value.trim();
        if text.is_empty() {
            self.fail(value, field, "must not be empty");
            return None;
        }
        Some(text.to_string())
    }
}

/// `90s` -> "1m30s": a bound printed in the form the user writes.
pub(crate) fn human(duration: Duration) -> String {
    let mut ms = duration.as_millis();
    let mut out = String::new();
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    if ms > 0 || out.is_empty() {
        out.push_str(&format!("{ms}ms"));
    }
    out
}

impl Checker<'_> {
    /// A path (resolved) for a file that may not exist yet but whose folder must.
    pub fn existing_dir_path(&mut self, value: &Sp<String>, field: &str) -> Option<PathBuf> {
        let path = self.resolve(value.value.trim());
        let folder_ok = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.is_dir(),
            _ => true,
        };
        if value.value.trim().is_empty() || !folder_ok {
            let msg = format!("the folder of `{}` does not exist", path.display());
            self.fail(value, field, msg);
            return None;
        }
        Some(path)
    }
}
