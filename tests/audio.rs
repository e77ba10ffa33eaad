//! `dialer audio` and the prompt loader against real files, with sox as the reference.
//!
//! Inputs are generated per test (by sox, or sample-exact by hound where a test needs known
//! values); only a hand-built Ogg Opus header lives in tests/data/audio/.

mod bad_input;
mod commands;
mod memory;
mod quality;

use std::path::Path;
use std::process::Command;

/// Runs sox with `args`; panics with its stderr when it fails.
pub fn sox(dir: &Path, args: &[&str]) {
    let out = Command::new("sox")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("sox is installed (scripts/test installs it)");
    assert!(
        out.status.success(),
        "sox {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes 16-bit mono samples as a WAV with hound (an independent writer).
pub fn write_i16(path: &Path, rate: u32, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// Writes 32-bit float mono samples as a WAV with hound.
pub fn write_f32(path: &Path, rate: u32, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// Reads a 16-bit PCM WAV with hound: (rate, channels, samples).
pub fn read_i16(path: &Path) -> (u32, u16, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let spec = r.spec();
    assert_eq!(spec.bits_per_sample, 16, "{path:?}");
    let samples = r.samples::<i16>().map(Result::unwrap).collect();
    (spec.sample_rate, spec.channels, samples)
}

/// The `data` chunk of any WAV file, found by walking its chunks.
pub fn wav_data(bytes: &[u8]) -> &[u8] {
    assert_eq!(&bytes[..4], b"RIFF");
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
        if &bytes[pos..pos + 4] == b"data" {
            return &bytes[pos + 8..pos + 8 + size];
        }
        pos += 8 + size + (size & 1);
    }
    panic!("no data chunk");
}

/// The names in `dir`, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
