//! The do-not-call list a campaign obeys: its `dnc.files` plus the database's own list.
//!
//! Files hold one number a line in any common format (normalised like the numbers file);
//! blank lines and `#` comments are skipped, a CSV line counts by its first field. Lines that
//! are not numbers are reported with their line numbers, never silently dropped.
//!
//! Must not: write anything. The only I/O is reading the files it is handed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::campaign::{E164, phone};

/// A DNC file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read do-not-call file {}: {source}", path.display())]
pub struct DncError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// A line of a DNC file that is not a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// Why (the normaliser's reason).
    pub reason: &'static str,
}

/// Where a listed number comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    /// A campaign DNC file, with the line.
    File(PathBuf, usize),
    /// The database's list.
    Database,
}

/// The numbers never to call.
#[derive(Debug, Default)]
pub struct DncList {
    files: HashMap<E164, (PathBuf, usize)>,
    database: HashSet<E164>,
    bad: Vec<BadLine>,
}

impl DncList {
    /// Reads `files` (numbers placed in `region` when national) and adds the database's list.
    pub fn load(
        files: &[PathBuf],
        region: Option<&str>,
        database: HashSet<E164>,
    ) -> Result<Self, DncError> {
        let mut list = DncList {
            database,
            ..Default::default()
        };
        for path in files {
            list.read_file(path, region)?;
        }
        Ok(list)
    }

    fn read_file(&mut self, path: &Path, region: Option<&str>) -> Result<(), DncError> {
        let text = std::fs::read(path).map_err(|source| DncError {
            path: path.into(),
            source,
        })?;
        let text = String::from_utf8_lossy(&text);
        for (i, line) in text.lines().enumerate() {
            let cell = line.trim().trim_start_matches('\u{feff}');
            if cell.is_empty() || cell.starts_with('#') {
                continue;
            }
            let cell = cell
                .split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"');
            match phone::normalize(cell, region) {
                Ok(n) => {
                    self.files
                        .entry(n)
                        .or_insert_with(|| (path.to_path_buf(), i + 1));
                }
                Err(r) => self.bad.push(BadLine {
                    path: path.into(),
                    line: i + 1,
                    reason: r.reason(),
                }),
            }
        }
        Ok(())
    }

    /// Where `number` is listed, if it is.
    pub fn lookup(&self, number: &E164) -> Option<Listed> {
        if let Some((path, line)) = self.files.get(number) {
            return Some(Listed::File(path.clone(), *line));
        }
        self.database.contains(number).then_some(Listed::Database)
    }

    /// Whether `number` is listed.
    pub fn contains(&self, number: &E164) -> bool {
        self.files.contains_key(number) || self.database.contains(number)
    }

    /// Lines of the files that were not numbers.
    pub fn bad_lines(&self) -> &[BadLine] {
        &self.bad
    }

    /// Numbers listed in the database.
    pub fn database_len(&self) -> usize {
        self.database.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_database_both_count_and_bad_lines_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dnc.txt");
        std::fs::write(
            &path,
            "# opt-outs\n+442079460013\n\n020 7946 0014, asked 2026-01-02\nnonsense\n",
        )
        .unwrap();
        let db: HashSet<E164> = [E164::from_trusted("+442079460015")].into();
        let list = DncList::load(std::slice::from_ref(&path), Some("GB"), db).unwrap();
        assert_eq!(
            list.lookup(&E164::from_trusted("+442079460013")),
            Some(Listed::File(path.clone(), 2))
        );
        assert_eq!(
            list.lookup(&E164::from_trusted("+442079460014")),
            Some(Listed::File(path.clone(), 4))
        );
        assert_eq!(
            list.lookup(&E164::from_trusted("+442079460015")),
            Some(Listed::Database)
        );
        assert!(!list.contains(&E164::from_trusted("+442079460016")));
        assert_eq!(list.bad_lines().len(), 1);
        assert_eq!(list.bad_lines()[0].line, 5);
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let err = DncList::load(
            &[PathBuf::from("/nonexistent/dnc.txt")],
            None,
            HashSet::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/dnc.txt"));
    }
}
