//! Streaming: `convert` memory does not grow with the input's length.
//!
//! The child's peak RSS (`VmHWM` in /proc, polled until it exits; the kernel keeps the peak,
//! so the last reading is the run's peak) is compared between a 1 s and a 40 s input. Loading
//! the 40 s input whole would add at least 14 MB (44.1 kHz stereo as f32); streaming adds
//! nothing measurable. bench/audio.sh checks the 1-hour figure in release.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::sox;
use crate::common::Sandbox;

/// Runs `dialer audio convert IN OUT --codec pcmu` and returns its peak RSS in kB.
fn peak_rss_kb(sb: &Sandbox, input: &str) -> u64 {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("dialer"))
        .current_dir(sb.path())
        .env_clear()
        .args([
            "-q", "audio", "convert", input, "out.wav", "--codec", "pcmu",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    // Bounded by a poll count (5 ms each: 120 s), not the clock: only net::clock reads it.
    let mut peak = 0;
    for _ in 0..24_000 {
        // Read before checking for exit: a zombie has no memory figures left.
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak = line
                .split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse().ok())
                .unwrap_or(peak);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "convert {input} failed");
            return peak;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("convert {input} took more than 120 s");
}

#[test]
fn convert_memory_is_flat_in_the_input_length() {
    let sb = Sandbox::new();
    for (name, secs) in [("short.wav", "1"), ("long.wav", "40")] {
        sox(
            sb.path(),
            &[
                "-n",
                "-r",
                "44100",
                "-c",
                "2",
                "-b",
                "16",
                name,
                "synth",
                secs,
                "sine",
                "440",
                "pinknoise",
                "vol",
                "0.5",
            ],
        );
    }
    let short = peak_rss_kb(&sb, "short.wav");
    let long = peak_rss_kb(&sb, "long.wav");
    eprintln!("peak RSS: 1 s input {short} kB, 40 s input {long} kB");
    assert!(short > 0, "could not read VmHWM");
    assert!(
        long < short + 4096,
        "peak RSS grew from {short} kB to {long} kB: not streaming"
    );
}
