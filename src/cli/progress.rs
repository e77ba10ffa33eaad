//! Progress of `dialer run` on stderr: indicatif bars on a terminal (numbers done/total with
//! ETA, active calls, current CPS, counts per disposition, batches), otherwise one plain line
//! every 10 s. `-q` silences the plain lines. Never prints a number or a secret: the
//! [`Snapshot`] holds neither.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{GlobalArgs, Progress};
use crate::runtime::Snapshot;

/// How often a plain progress line is printed without a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// A running progress display.
pub struct ProgressView {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl ProgressView {
    /// Stops the display (a bar is cleared; the caller prints the summary).
    pub async fn finish(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// Starts showing `snapshots` as the global options ask.
pub fn start(snapshots: watch::Receiver<Snapshot>, global: &GlobalArgs) -> ProgressView {
    let stop = CancellationToken::new();
    let bars = match global.progress {
        Progress::Always => true,
        Progress::Never => false,
        Progress::Auto => std::io::stderr().is_terminal(),
    };
    let task = if bars {
        tokio::spawn(draw_bar(snapshots, stop.clone()))
    } else {
        tokio::spawn(print_lines(snapshots, stop.clone(), global.quiet))
    };
    ProgressView { stop, task }
}

async fn draw_bar(snapshots: watch::Receiver<Snapshot>, stop: CancellationToken) {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{wide_bar}] {pos}/{len} numbers, ETA {eta}\n  {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    super::logging::attach_bar(&bar);
    loop {
        let s = snapshots.borrow().clone();
        bar.set_length(s.total);
        bar.set_position(s.done);
        bar.set_message(details(&s));
        bar.tick();
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
    super::logging::detach_bar();
    bar.finish_and_clear();
}

async fn print_lines(snapshots: watch::Receiver<Snapshot>, stop: CancellationToken, quiet: bool) {
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(PLAIN_EVERY) => {}
        }
        if !quiet {
            let s = snapshots.borrow().clone();
            eprintln!(
                "progress: {}/{} numbers final, {}",
                s.done,
                s.total,
                details(&s)
            );
        }
    }
}

/// Active calls, CPS, batches and the counts per disposition.
fn details(s: &Snapshot) -> String {
    let mut out = format!(
        "{} active calls, {:.1} calls/s, {} attempts, batch {}",
        s.active, s.cps, s.attempts, s.batches
    );
    for (disposition, n) in &s.by_disposition {
        out.push_str(&format!(", {disposition} {n}"));
    }
    if let Some(at) = s.resumes_at {
        out.push_str(&format!(", calling resumes at {at}"));
    }
    out
}

/// The line printed when a run ends.
pub fn summary_line(campaign: &str, s: &Snapshot) -> String {
    let mut counts: Vec<String> = s
        .by_disposition
        .iter()
        .map(|(d, n)| format!("{d} {n}"))
        .collect();
    if counts.is_empty() {
        counts.push("nothing dialed".to_string());
    }
    format!(
        "campaign {campaign}: {}/{} numbers final after {} attempts in this run ({})",
        s.done,
        s.total,
        s.attempts,
        counts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_show_counts_without_numbers() {
        let mut s = Snapshot {
            total: 61,
            done: 12,
            active: 3,
            cps: 5.0,
            batches: 1,
            attempts: 15,
            ..Snapshot::default()
        };
        s.by_disposition.insert("ANSWERED".into(), 10);
        s.by_disposition.insert("BUSY".into(), 2);
        assert_eq!(
            details(&s),
            "3 active calls, 5.0 calls/s, 15 attempts, batch 1, ANSWERED 10, BUSY 2"
        );
        assert_eq!(
            summary_line("demo", &s),
            "campaign demo: 12/61 numbers final after 15 attempts in this run (ANSWERED 10, BUSY 2)"
        );
    }
}
