//! Shared test helpers: a scrubbed `dialer` command in a temporary working directory.

#![allow(dead_code)] // each test module uses a different subset

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A temporary working directory for one test, with helpers to write files into it.
pub struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    /// A new empty directory.
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `name` inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `contents` to `name` (creating parent folders) and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write");
        path
    }

    /// The `dialer` binary, run in this directory with a scrubbed environment.
    pub fn dialer(&self) -> Command {
        let mut cmd = dialer();
        cmd.current_dir(self.path());
        cmd
    }
}

/// The `dialer` binary with a scrubbed environment: no inherited `DIALER_*`, `RUST_LOG` or
/// terminal, so tests see what cron would.
pub fn dialer() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("dialer"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1");
    cmd
}

/// The repository root (for campaigns/, audio/, man/).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Sandbox {
    /// A sandbox holding a copy of the demo campaign (campaigns/demo/*) and the prompts it
    /// plays (audio/*), in the repository's layout so its relative paths resolve.
    pub fn with_demo() -> Self {
        let sb = Sandbox::new();
        for dir in ["campaigns/demo", "audio"] {
            let from = repo_root().join(dir);
            for entry in std::fs::read_dir(&from).expect("read demo dir") {
                let entry = entry.expect("entry");
                let name = format!("{dir}/{}", entry.file_name().to_string_lossy());
                sb.write(&name, std::fs::read(entry.path()).expect("read demo file"));
            }
        }
        sb
    }

    /// The demo campaign file inside the sandbox.
    pub fn demo_yaml(&self) -> PathBuf {
        self.join("campaigns/demo/demo.yaml")
    }

    /// Every file name in the sandbox, recursively, sorted: to prove nothing was created.
    pub fn files(&self) -> Vec<String> {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).expect("read dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, base, out);
                } else {
                    out.push(p.strip_prefix(base).expect("prefix").display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(self.path(), self.path(), &mut out);
        out.sort();
        out
    }
}
