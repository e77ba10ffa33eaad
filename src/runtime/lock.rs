//! One run per database and campaign: an exclusive OS lock (`flock`) on a file next to the
//! database, `<db>.<campaign>.lock`.
//!
//! Why a lock file and not a row: a row outlives a `kill -9` and needs a staleness rule; the
//! kernel drops an OS lock with the process, so a killed run never blocks the next one. The
//! file itself is left in place (removing it would race with a run that just opened it).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::RunError;

/// Held for the life of a run; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock for `campaign` on the database `db`, or fails at once with
    /// [`RunError::Busy`] when another run holds it.
    pub fn acquire(db: &Path, campaign: &str) -> Result<RunLock, RunError> {
        let path = lock_path(db, campaign);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| RunError::Lock {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(RunError::Busy {
                campaign: campaign.to_string(),
                db: db.to_path_buf(),
                lock: path,
            }),
            Err(TryLockError::Error(source)) => Err(RunError::Lock { path, source }),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<db>.<campaign>.lock`, the campaign name reduced to file-name-safe characters.
fn lock_path(db: &Path, campaign: &str) -> PathBuf {
    let safe: String = campaign
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut name = db.as_os_str().to_os_string();
    name.push(format!(".{safe}.lock"));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_of_the_same_campaign_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("dialer.db");
        let first = RunLock::acquire(&db, "spring/2026").unwrap();
        assert_eq!(first.path(), dir.path().join("dialer.db.spring_2026.lock"));
        let err = RunLock::acquire(&db, "spring/2026").unwrap_err();
        assert!(matches!(err, RunError::Busy { .. }), "{err:?}");
        assert!(err.to_string().contains("already running"), "{err}");
        // Another campaign on the same database is independent.
        let _other = RunLock::acquire(&db, "autumn").unwrap();
        drop(first);
        RunLock::acquire(&db, "spring/2026").unwrap();
    }
}
