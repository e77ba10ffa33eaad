//! Recording answered calls (`record:`): the callee's audio lands in an 8 kHz mono 16-bit WAV
//! whose content matches what the callee sent, its path on the attempt; a folder that cannot
//! be written never ends a call.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::common::{Sandbox, repo_root};
use crate::run::{Sim, campaign, finish, spawn, trunk_lines};

fn samples(path: &Path) -> Vec<f64> {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 8000, 16),
        "{}",
        path.display()
    );
    r.samples::<i16>().map(|s| f64::from(s.unwrap())).collect()
}

/// The best normalised correlation of `b` against `a` over lags 0..=max_lag samples.
fn best_correlation(a: &[f64], b: &[f64], max_lag: usize) -> f64 {
    (0..=max_lag)
        .map(|lag| {
            let n = a.len().min(b.len().saturating_sub(lag));
            let (x, y) = (&a[..n], &b[lag..lag + n]);
            let dot: f64 = x.iter().zip(y).map(|(p, q)| p * q).sum();
            let norm = (x.iter().map(|p| p * p).sum::<f64>()
                * y.iter().map(|q| q * q).sum::<f64>())
            .sqrt();
            if norm == 0.0 { 0.0 } else { dot / norm }
        })
        .fold(f64::MIN, f64::max)
}

/// A one-number campaign recording its calls, against `dialer sim --echo`: the callee sends
/// our prompt (speech) straight back, so the recording must be that speech.
fn recorded_call(record: &str) -> (Sandbox, Option<String>, Option<String>, String) {
    let sb = Sandbox::new();
    let sim = Sim::start(&sb, "sim", &["--echo"]);
    campaign(
        &sb,
        1,
        "{ max_cps: 5 }",
        &trunk_lines(&[("sim", sim.port)]),
        100,
    );
    std::fs::copy(repo_root().join("audio/later.wav"), sb.join("prompt.wav")).unwrap();
    let yaml = std::fs::read_to_string(sb.join("t.yaml")).unwrap();
    sb.write("t.yaml", format!("{yaml}record: {record}\n"));
    let child = spawn(&sb, &["--db", "d.db", "run", "t.yaml", "--yes"]);
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    sim.stop();
    let conn = Connection::open(sb.join("d.db")).unwrap();
    let (recording, error, disposition) = conn
        .query_row(
            "SELECT recording, recording_error, disposition FROM attempts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    (sb, recording, error, disposition)
}

#[test]
fn a_recording_is_the_speech_the_callee_sent() {
    let (sb, recording, error, disposition) = recorded_call("true");
    assert_eq!(disposition, "ANSWERED");
    assert_eq!(error, None);
    let path = std::path::PathBuf::from(recording.expect("a recording path on the attempt"));
    assert!(
        path.starts_with(sb.path().join("recordings/t")),
        "next to the database, under the campaign: {}",
        path.display()
    );
    let sent = samples(&repo_root().join("audio/later.wav"));
    let got = samples(&path);
    // The whole 4.1 s prompt came back (within a few frames lost at hang-up).
    let seconds = got.len() as f64 / 8000.0;
    assert!((3.8..=4.3).contains(&seconds), "{seconds} s");
    // Audible speech: loud enough, and the same waveform through G.711 twice.
    let rms = (got.iter().map(|s| s * s).sum::<f64>() / got.len() as f64).sqrt();
    assert!(rms > 500.0, "RMS {rms} is too quiet for speech");
    let r = best_correlation(&sent, &got, 800);
    assert!(r > 0.95, "correlation with what the callee sent: {r}");

    // export shows where it is.
    let out = sb
        .dialer()
        .args(["--db", "d.db", "export", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["recording"], path.display().to_string());
}

#[test]
fn an_unwritable_recording_folder_never_ends_the_call() {
    // The pattern's folder is a file: the recording cannot be created.
    let (_sb, recording, error, disposition) = recorded_call("\"prompt.wav/{number}.wav\"");
    assert_eq!(disposition, "ANSWERED", "the call went on");
    assert!(recording.unwrap().ends_with("prompt.wav/442079460100.wav"));
    assert!(
        error.unwrap().contains("cannot create"),
        "the attempt notes why"
    );
}
