//! [`OutputFile`]: an output written to a temporary file beside its destination and renamed
//! over it only when complete, so no partial output is ever visible under the real name.
//!
//! The temporary file (`.NAME.PID.tmp` in the same folder, so the rename is atomic on one
//! filesystem) is removed on every error path by `Drop`. Only a SIGKILL or power cut between
//! creation and rename can leave one behind; it is never mistaken for a finished file.
//! This is the one place in `media/` that creates files.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::error::MediaError;

/// A destination being written.
#[derive(Debug)]
pub struct OutputFile {
    path: PathBuf,
    temp: PathBuf,
    committed: bool,
}

impl OutputFile {
    /// Creates the temporary file for `path`; fails if `path`'s folder does not exist.
    pub fn create(path: &Path) -> Result<(Self, File), MediaError> {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            return Err(MediaError::OutputFolderMissing {
                path: path.to_path_buf(),
                folder,
            });
        }
        let name = path.file_name().ok_or_else(|| MediaError::Write {
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        })?;
        let pid = std::process::id();
        let mut attempt = 0u32;
        loop {
            let temp = folder.join(format!(".{}.{pid}.{attempt}.tmp", name.to_string_lossy()));
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => {
                    let out = OutputFile {
                        path: path.to_path_buf(),
                        temp,
                        committed: false,
                    };
                    return Ok((out, file));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(source) => {
                    return Err(MediaError::Write {
                        path: path.to_path_buf(),
                        source,
                    });
                }
            }
        }
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the finished temporary file over the destination.
    pub fn commit(mut self) -> Result<(), MediaError> {
        fs::rename(&self.temp, &self.path).map_err(|source| MediaError::Write {
            path: self.path.clone(),
            source,
        })?;
        self.committed = true;
        Ok(())
    }

    /// An I/O error on the destination, as a [`MediaError`].
    pub fn write_error(&self, source: io::Error) -> MediaError {
        MediaError::Write {
            path: self.path.clone(),
            source,
        }
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the error being returned matters more than a failed cleanup.
            let _ = fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_output_leaves_nothing_and_commit_renames() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.wav");
        {
            let (_out, _file) = OutputFile::create(&dest).unwrap();
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let (out, file) = OutputFile::create(&dest).unwrap();
        drop(file);
        out.commit().unwrap();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.wav"]);
    }

    #[test]
    fn a_missing_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("nope/out.wav");
        let err = OutputFile::create(&dest).unwrap_err();
        assert!(
            matches!(err, MediaError::OutputFolderMissing { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
