//! [`LoadError`]: why a campaign (or config) file was refused, always with where and what
//! would be valid.
//!
//! Invariants: every message names the file; YAML and validation errors also name the line and
//! column (1-based) of the offending value, validation errors the field path
//! (`pacing.max_cps`). No message ever contains a secret value: password errors name the
//! environment variable or file, never what it holds.
//!
//! Must not: hold an `anyhow::Error` or a free-form catch-all.

use std::fmt;
use std::path::{Path, PathBuf};

/// A file position, 1-based; `0:0` when serde-saphyr could not tell (then the field path is
/// the only pointer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1.
    pub column: u64,
}

impl From<serde_saphyr::Location> for Position {
    fn from(location: serde_saphyr::Location) -> Self {
        Position {
            line: location.line(),
            column: location.column(),
        }
    }
}

/// One validation problem: a value that parsed as YAML but is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The file holding the value (campaign or config file).
    pub file: PathBuf,
    /// Where the value is in that file.
    pub position: Position,
    /// The field path, e.g. `pacing.max_cps` or `trunks[1].uri`.
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.position.line > 0 {
            write!(f, ":{}:{}", self.position.line, self.position.column)?;
        }
        write!(f, ": {}: {}", self.field, self.message)
    }
}

/// Why [`crate::campaign::load`] refused a campaign.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The campaign or config file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid YAML, or does not have the expected shape (unknown key, wrong
    /// type, missing key): serde-saphyr's located message.
    #[error("{}:{}:{}: {message}", path.display(), position.line, position.column)]
    Yaml {
        /// The file.
        path: PathBuf,
        /// Where serde-saphyr stopped.
        position: Position,
        /// serde-saphyr's message (without its own "at line L, column C" suffix).
        message: String,
        /// serde-saphyr's rustc-style rendering with a source snippet, for a terminal.
        snippet: String,
    },
    /// The YAML parsed, but values are invalid. Every problem found is listed, in file order.
    #[error("{}", list(issues))]
    Invalid {
        /// The problems, at least one.
        issues: Vec<Issue>,
    },
}

fn list(issues: &[Issue]) -> String {
    let lines: Vec<String> = issues.iter().map(Issue::to_string).collect();
    lines.join("\n")
}

impl LoadError {
    /// Wraps a serde-saphyr error for `path`.
    pub(crate) fn yaml(path: &Path, error: &serde_saphyr::Error) -> Self {
        let position = error.location().map(Position::from).unwrap_or_default();
        let plain = error.without_snippet().to_string();
        let suffix = format!(" at line {}, column {}", position.line, position.column);
        let message = plain.strip_suffix(&suffix).unwrap_or(&plain).to_string();
        let name = path.display().to_string();
        let snippet =
            error.render_with_options(serde_saphyr::render_options! { source_name: Some(&name) });
        LoadError::Yaml {
            path: path.to_path_buf(),
            position,
            message,
            snippet,
        }
    }
}

impl LoadError {
    /// Makes a wrong-type message actionable: names the key the value belongs to (found in
    /// `source` at the error's position) and says what to write instead of serde's type name
    /// (`invalid i64` -> `max_cps: invalid i64; expected a whole number`).
    pub(crate) fn with_source(mut self, source: &str) -> Self {
        if let LoadError::Yaml {
            position, message, ..
        } = &mut self
        {
            let key = key_before(source, *position);
            let wanted = expected_for(message);
            if let Some(key) = key.filter(|k| !message.contains(k.as_str())) {
                *message = format!("{key}: {message}");
            }
            if let Some(wanted) = wanted {
                message.push_str("; expected ");
                message.push_str(wanted);
            }
        }
        self
    }
}

/// The mapping key whose value starts at `at` (`max_cps` in `pacing: { max_cps: fast }`).
fn key_before(source: &str, at: Position) -> Option<String> {
    let line = source
        .lines()
        .nth(usize::try_from(at.line).ok()?.checked_sub(1)?)?;
    let upto: String = line
        .chars()
        .take(usize::try_from(at.column).ok()?.saturating_sub(1))
        .collect();
    let before_colon = upto.trim_end().strip_suffix(':')?;
    let key: String = before_colon
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!key.is_empty()).then_some(key)
}

/// What to write instead of the Rust type serde names in a wrong-type message.
fn expected_for(message: &str) -> Option<&'static str> {
    let ty = message
        .strip_prefix("invalid ")
        .or_else(|| message.split("expected ").nth(1))?;
    let ty = ty.trim();
    if [
        "i8",
        "i16",
        "i32",
        "i64",
        "u8",
        "u16",
        "u32",
        "u64",
        "usize",
        "an integer",
    ]
    .iter()
    .any(|t| ty.starts_with(t))
    {
        Some("a whole number, like 5")
    } else if ty.starts_with("bool") || ty.starts_with("a boolean") {
        Some("true or false")
    } else if ty.starts_with("f32") || ty.starts_with("f64") {
        Some("a number")
    } else {
        None
    }
}

/// Collects validation issues so that one run reports them all.
#[derive(Debug, Default)]
pub(crate) struct Issues(Vec<Issue>);

impl Issues {
    /// Records a problem with the value at `position` in `file`.
    pub fn push(
        &mut self,
        file: &Path,
        position: impl Into<Position>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(Issue {
            file: file.to_path_buf(),
            position: position.into(),
            field: field.into(),
            message: message.into(),
        });
    }

    /// `Ok(())` when nothing was recorded, else every issue in file order.
    pub fn finish(mut self) -> Result<(), LoadError> {
        if self.0.is_empty() {
            return Ok(());
        }
        self.0
            .sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
        Err(LoadError::Invalid { issues: self.0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_name_the_key_and_what_to_write() {
        let src = "name: t\npacing: { max_cps: fast }\n";
        let err = LoadError::Yaml {
            path: "c.yaml".into(),
            position: Position {
                line: 2,
                column: 20,
            },
            message: "invalid i64".into(),
            snippet: String::new(),
        }
        .with_source(src);
        assert_eq!(
            err.to_string(),
            "c.yaml:2:20: max_cps: invalid i64; expected a whole number, like 5"
        );
        let block = "call:\n  ring_timeout: true\n";
        assert_eq!(
            key_before(
                block,
                Position {
                    line: 2,
                    column: 17
                }
            )
            .as_deref(),
            Some("ring_timeout")
        );
    }

    #[test]
    fn yaml_errors_are_located_once_and_keep_the_snippet() {
        let err = serde_saphyr::from_str::<u32>("x: [1\n").unwrap_err();
        let err = LoadError::yaml(Path::new("dir/c.yaml"), &err);
        let text = err.to_string();
        assert!(text.starts_with("dir/c.yaml:1:"), "{text}");
        assert!(!text.contains(" at line "), "location said twice: {text}");
        let LoadError::Yaml { snippet, .. } = &err else {
            panic!()
        };
        assert!(snippet.contains("--> dir/c.yaml:1:"), "{snippet}");
    }

    #[test]
    fn issues_come_out_in_file_order() {
        let mut issues = Issues::default();
        let at = |line, column| Position { line, column };
        issues.push(Path::new("b.yaml"), at(1, 1), "x", "late file");
        issues.push(Path::new("a.yaml"), at(9, 2), "y", "second");
        issues.push(Path::new("a.yaml"), at(2, 7), "z", "first");
        let text = issues.finish().unwrap_err().to_string();
        assert_eq!(
            text,
            "a.yaml:2:7: z: first\na.yaml:9:2: y: second\nb.yaml:1:1: x: late file"
        );
    }
}
