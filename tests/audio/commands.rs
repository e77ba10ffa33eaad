//! `convert`, `mix`, `info` and the prompt loader on good inputs.

use std::time::Duration;

use dialer::media::{self, Law};
use serde_json::Value;

use super::{listing, read_i16, sox, write_i16};
use crate::common::Sandbox;

fn info_json(sb: &Sandbox, file: &str) -> Value {
    let out = sb
        .dialer()
        .args(["audio", "info", file, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn close(v: &Value, want: f64, tol: f64) -> bool {
    (v.as_f64().unwrap() - want).abs() <= tol
}

/// Every input flavour sox can write converts to an 8 kHz mono 16-bit WAV of the right length.
#[test]
fn every_input_flavour_converts_to_an_8k_mono_prompt() {
    let sb = Sandbox::new();
    let flavours: [(&str, &[&str]); 10] = [
        (
            "s16-44k-stereo.wav",
            &["-r", "44100", "-c", "2", "-b", "16"],
        ),
        ("s24-48k.wav", &["-r", "48000", "-c", "1", "-b", "24"]),
        ("s32-22k.wav", &["-r", "22050", "-c", "1", "-b", "32"]),
        ("u8-11k.wav", &["-r", "11025", "-c", "1", "-b", "8"]),
        (
            "f32-16k.wav",
            &["-r", "16000", "-c", "1", "-e", "floating-point"],
        ),
        ("ext-6ch.wav", &["-r", "44100", "-c", "6", "-b", "24"]),
        ("ulaw-8k.wav", &["-r", "8000", "-c", "1", "-e", "u-law"]),
        ("alaw-16k.wav", &["-r", "16000", "-c", "1", "-e", "a-law"]),
        ("ima-8k.wav", &["-r", "8000", "-c", "1", "-e", "ima-adpcm"]),
        ("mp3-44k.mp3", &["-r", "44100", "-c", "2"]),
    ];
    for (name, opts) in flavours {
        let mut args = vec!["-n"];
        args.extend(opts);
        args.extend([name, "synth", "1", "sine", "1000", "vol", "0.5"]);
        sox(sb.path(), &args);
        if name.starts_with("ext") {
            let bytes = std::fs::read(sb.join(name)).unwrap();
            assert_eq!(
                bytes[20..22],
                [0xFE, 0xFF],
                "sox wrote WAVE_FORMAT_EXTENSIBLE"
            );
        }
        let out = format!("{name}.out.wav");
        sb.dialer()
            .args(["audio", "convert", name, &out])
            .assert()
            .success();
        let (rate, channels, samples) = read_i16(&sb.join(&out));
        assert_eq!((rate, channels), (8000, 1), "{name}");
        // ADPCM blocks and MP3 frames round the length up a little; never down.
        let slack = if name.starts_with("mp3") || name.starts_with("ima") {
            600
        } else {
            1
        };
        assert!(
            samples.len() >= 7999 && samples.len() <= 8000 + slack,
            "{name}: {} samples",
            samples.len()
        );
        let peak = samples[1000..7000]
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap();
        assert!((14_000..=19_000).contains(&peak), "{name}: peak {peak}");
    }
}

#[test]
fn info_reports_format_levels_and_silence_as_json() {
    let sb = Sandbox::new();
    // 0.5 s silence, 1 s of 1 kHz at half scale, 0.25 s silence.
    sox(
        sb.path(),
        &[
            "-n", "-r", "8000", "-c", "1", "-b", "16", "t.wav", "synth", "1", "sine", "1000",
            "vol", "0.5", "pad", "0.5", "0.25",
        ],
    );
    let v = info_json(&sb, "t.wav");
    assert_eq!(v["container"], "WAV");
    assert_eq!(v["codec"], "PCM 16-bit");
    assert_eq!(v["rate"], 8000);
    assert_eq!(v["channels"], 1);
    assert_eq!(v["bits"], 16);
    assert_eq!(v["frames"], 14_000);
    assert!(close(&v["duration_s"], 1.75, 1e-9), "{v}");
    // sox dithers its 16-bit output: the peak moves by a few hundredths of a dB.
    assert!(close(&v["peak_dbfs"], -6.02, 0.1), "{v}");
    // A sine's RMS is 3.01 dB under its peak; diluted by 0.75 s of silence in 1.75 s.
    let rms = -6.02 - 3.01 + 10.0 * (1.0f64 / 1.75).log10();
    assert!(close(&v["rms_dbfs"], rms, 0.05), "{v}");
    assert!(close(&v["leading_silence_ms"], 500.0, 1.0), "{v}");
    assert!(close(&v["trailing_silence_ms"], 250.0, 1.0), "{v}");
    assert_eq!(v["silence_threshold_dbfs"], -50.0);
    assert_eq!(v["g711_ready"], true);

    sox(sb.path(), &["t.wav", "-r", "16000", "w.wav"]);
    assert_eq!(info_json(&sb, "w.wav")["g711_ready"], false);
    let text = sb
        .dialer()
        .args(["audio", "info", "t.wav"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("rate:              8000 Hz"), "{text}");
    assert!(text.contains("g711_ready:        yes"), "{text}");
}

#[test]
fn normalize_and_trim_silence_shape_the_output() {
    let sb = Sandbox::new();
    sox(
        sb.path(),
        &[
            "-n", "-r", "16000", "-c", "1", "-b", "16", "in.wav", "synth", "1", "sine", "440",
            "vol", "0.1", "pad", "0.3", "0.4",
        ],
    );
    sb.dialer()
        .args([
            "audio",
            "convert",
            "in.wav",
            "out.wav",
            "--normalize",
            "-1",
            "--trim-silence",
        ])
        .assert()
        .success();
    let v = info_json(&sb, "out.wav");
    assert!(close(&v["peak_dbfs"], -1.0, 0.05), "{v}");
    assert!(close(&v["duration_s"], 1.0, 0.002), "{v}");
    assert_eq!(v["leading_silence_ms"], 0);
    assert_eq!(v["trailing_silence_ms"], 0);
    assert_eq!(listing(sb.path()), ["in.wav", "out.wav"]);
}

#[test]
fn g711_output_is_a_wav_sox_recognises_and_16k_pcm_keeps_its_rate() {
    let sb = Sandbox::new();
    sox(
        sb.path(),
        &["-n", "-r", "44100", "in.wav", "synth", "0.5", "sine", "300"],
    );
    for (codec, want) in [("pcmu", "u-law"), ("pcma", "A-law")] {
        let out = format!("{codec}.wav");
        sb.dialer()
            .args(["audio", "convert", "in.wav", &out, "--codec", codec])
            .assert()
            .success();
        let soxi = std::process::Command::new("soxi")
            .current_dir(sb.path())
            .args([&out])
            .output()
            .unwrap();
        let soxi = String::from_utf8_lossy(&soxi.stdout).into_owned();
        assert!(
            soxi.contains(want) && soxi.contains("8000"),
            "{codec}: {soxi}"
        );
        assert!(
            soxi.contains("00:00:00.50 = 4000 samples"),
            "{codec}: {soxi}"
        );
    }
    sb.dialer()
        .args(["audio", "convert", "in.wav", "wb.wav", "--rate", "16000"])
        .assert()
        .success();
    let (rate, _, samples) = read_i16(&sb.join("wb.wav"));
    assert_eq!((rate, samples.len()), (16_000, 8000));
}

/// Base: 20 samples of 10000. Overlay: 8 samples of 15000, -6 dB (x0.5012), at 1 ms = 8
/// samples in. Without --extend the overlay is cut at the base's end; the sum 10000 + 15000
/// clips at 32767 with gain 0 dB.
#[test]
fn mix_sums_clips_and_cuts_like_pydub_overlay() {
    let sb = Sandbox::new();
    write_i16(&sb.join("base.wav"), 8000, &[10_000; 20]);
    write_i16(&sb.join("over.wav"), 8000, &[30_000; 16]);
    sb.dialer()
        .args([
            "audio", "mix", "base.wav", "over.wav", "-o", "out.wav", "--at", "1",
        ])
        .assert()
        .success();
    let (rate, _, got) = read_i16(&sb.join("out.wav"));
    let mut want = vec![10_000i16; 8];
    want.extend([32_767; 12]); // 10000 + 30000 clipped; overlay cut after 12 samples
    assert_eq!((rate, got), (8000, want));

    sb.dialer()
        .args([
            "audio",
            "mix",
            "base.wav",
            "over.wav",
            "-o",
            "ext.wav",
            "--at",
            "1",
            "--extend",
            "--gain",
            "-6.0206",
            "--overlay-gain",
            "-12.0412",
        ])
        .assert()
        .success();
    let (_, _, got) = read_i16(&sb.join("ext.wav"));
    let mut want = vec![5_000i16; 8];
    want.extend([5_000 + 7_500; 12]);
    want.extend([7_500; 4]);
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1, "sample {i}: {g} vs {w}");
    }
}

#[test]
fn mix_unifies_rates_upward_and_extends_past_a_gap() {
    let sb = Sandbox::new();
    write_i16(&sb.join("base.wav"), 8000, &[1000; 80]); // 10 ms
    sox(
        sb.path(),
        &[
            "-n", "-r", "16000", "-b", "16", "over.wav", "synth", "0.01", "sine", "500",
        ],
    );
    sb.dialer()
        .args([
            "audio", "mix", "base.wav", "over.wav", "-o", "out.wav", "--at", "20", "--extend",
        ])
        .assert()
        .success();
    let (rate, _, got) = read_i16(&sb.join("out.wav"));
    assert_eq!(rate, 16_000);
    assert_eq!(got.len(), 320 + 160, "20 ms lead-in + 10 ms of overlay");
    assert!(
        got[170..310].iter().all(|&s| s == 0),
        "silence between base and overlay"
    );
}

#[test]
fn prompts_are_whole_frames_padded_with_silence_and_durations_agree() {
    let sb = Sandbox::new();
    // 1000.5 ms at 44.1 kHz stereo: not a whole number of 20 ms frames at 8 kHz.
    sox(
        sb.path(),
        &[
            "-n", "-r", "44100", "-c", "2", "p.wav", "synth", "1.0005", "sine", "700",
        ],
    );
    sox(
        sb.path(),
        &[
            "-n", "-r", "22050", "-c", "1", "p.mp3", "synth", "0.7", "sine", "700",
        ],
    );
    let lame = crate::common::repo_root().join("tests/data/audio/tone-lame.mp3");
    for path in [sb.join("p.wav"), sb.join("p.mp3"), lame] {
        let name = path.display();
        let prompt = media::load_prompt(&path).unwrap();
        assert_eq!(prompt.pcmu.len() % 160, 0, "{name}");
        assert_eq!(prompt.pcmu.len(), prompt.pcma.len());
        assert_eq!(
            prompt.duration,
            media::prompt_duration(&path).unwrap(),
            "{name}"
        );
        assert_eq!(
            prompt.duration,
            Duration::from_millis(20 * prompt.frames() as u64),
            "{name}"
        );
        assert_eq!(prompt.payload(Law::Ulaw), &prompt.pcmu);
    }
    let prompt = media::load_prompt(&sb.join("p.wav")).unwrap();
    // 1000.5 ms -> 8004 samples -> padded to 8160 with each law's silence code.
    assert_eq!(prompt.pcmu.len(), 8160);
    assert!(prompt.pcmu[8004..].iter().all(|&b| b == 0xFF));
    assert!(prompt.pcma[8004..].iter().all(|&b| b == 0xD5));
    assert!(
        prompt.pcmu[100..8000].iter().any(|&b| b < 0x90),
        "the tone is there"
    );
}

/// An MP3 cut mid-frame (an interrupted download) plays up to its last whole frame, as every
/// player does; a WAV cut short is refused instead (bad_input.rs): its header is a promise.
#[test]
fn a_cut_mp3_converts_up_to_its_last_whole_frame() {
    let sb = Sandbox::new();
    let lame =
        std::fs::read(crate::common::repo_root().join("tests/data/audio/tone-lame.mp3")).unwrap();
    sb.write("cut.mp3", &lame[..lame.len() * 2 / 3]);
    sb.dialer()
        .args(["audio", "convert", "cut.mp3", "out.wav"])
        .assert()
        .success();
    let (_, _, samples) = read_i16(&sb.join("out.wav"));
    // Two thirds of 0.5 s at 8 kHz, give or take one 1152-sample frame at 22.05 kHz (418).
    assert!(
        (2000..=3200).contains(&samples.len()),
        "{} samples",
        samples.len()
    );
}
