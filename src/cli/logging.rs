//! Logging to stderr through tracing.
//!
//! rsipstack logs whole SIP messages (numbers included) at `info`, so its filter defaults to
//! `warn` (notes/rsipstack.md trap 7) unless `-vv` or `RUST_LOG` asks for more.
//!
//! While a progress bar is drawn on the terminal, every log line is written with the bar
//! suspended (cleared, the line written, the bar drawn again below it): a line written
//! straight to stderr would land in the middle of the bar and tear it. [`attach_bar`] and
//! [`detach_bar`] tell the writer which bar is live.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::ProgressBar;

use tracing_subscriber::EnvFilter;

use super::{GlobalArgs, LogFormat};

/// Installs the global subscriber. Safe to call more than once (later calls do nothing).
pub fn init(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let sip = if global.verbose >= 2 { level } else { "warn" };
    // symphonia reports guesses such as "estimating duration from bitrate" at info: noise here.
    let default = format!("{level},rsipstack={sip},symphonia=warn");
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LogWriter {
            inner: std::io::stderr(),
        })
        .with_target(false);
    let _ = match global.log_format {
        LogFormat::Json => builder.json().try_init(),
        // Colour codes only on a terminal, or they land in log files (notes/crates.md).
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}

/// The progress bar currently on screen, if any.
static LIVE_BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Log lines from now on are written around `bar`.
pub fn attach_bar(bar: &ProgressBar) {
    *LIVE_BAR.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
}

/// Log lines go straight to stderr again.
pub fn detach_bar() {
    *LIVE_BAR.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Writes each formatted event (tracing hands over one whole line per write) with the live
/// bar, if any, suspended.
struct LogWriter<W: Write> {
    inner: W,
}

impl<W: Write> Write for LogWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = LIVE_BAR.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match bar {
            Some(bar) => bar.suspend(|| self.inner.write_all(buf))?,
            None => self.inner.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_pass_through_with_or_without_a_bar() {
        let mut w = LogWriter { inner: Vec::new() };
        w.write_all(b"before\n").unwrap();
        let bar = ProgressBar::hidden();
        attach_bar(&bar);
        assert!(LIVE_BAR.lock().unwrap().is_some());
        w.write_all(b"during\n").unwrap();
        detach_bar();
        w.write_all(b"after\n").unwrap();
        assert_eq!(w.inner, b"before\nduring\nafter\n");
        assert!(LIVE_BAR.lock().unwrap().is_none());
    }
}
