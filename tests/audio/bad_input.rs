//! Every bad input through the real binary: exit 2, the file named with the reason, and no
//! output (nor temporary file) left in the folder.

use predicates::prelude::*;

use super::{listing, sox};
use crate::common::{Sandbox, repo_root};

/// Runs `convert IN out.wav` and checks exit 2, the message, and that only the inputs remain.
fn rejects(sb: &Sandbox, input: &str, reason: &str) {
    let before = listing(sb.path());
    sb.dialer()
        .args(["audio", "convert", input, "out.wav"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{input}: ")))
        .stderr(predicate::str::contains(reason));
    assert_eq!(listing(sb.path()), before, "{input}: stray output");
}

fn pcm16_wav(sb: &Sandbox) -> Vec<u8> {
    sox(
        sb.path(),
        &[
            "-n", "-r", "8000", "-b", "16", "good.wav", "synth", "0.5", "sine", "440",
        ],
    );
    std::fs::read(sb.join("good.wav")).unwrap()
}

#[test]
fn empty_missing_and_text_files_are_named() {
    let sb = Sandbox::new();
    sb.write("empty.wav", b"");
    rejects(&sb, "empty.wav", "the file is empty");
    rejects(&sb, "missing.wav", "no such file");
    std::fs::create_dir(sb.join("dir.wav")).unwrap();
    rejects(&sb, "dir.wav", "not a file");
    sb.write("page.mp3", b"<html><body>404 Not Found</body></html>\n");
    rejects(
        &sb,
        "page.mp3",
        "not a WAV, MP3 or Ogg audio file (it holds text: \"<html>",
    );
}

#[test]
fn truncated_header_and_lying_data_size_are_refused() {
    let sb = Sandbox::new();
    let good = pcm16_wav(&sb);
    sb.write("header.wav", &good[..30]);
    rejects(&sb, "header.wav", "truncated header");
    // The data chunk declares 4000 frames but half the bytes are missing. We refuse it rather
    // than play a prompt that stops mid-word.
    sb.write("short.wav", &good[..44 + 4000]);
    rejects(
        &sb,
        "short.wav",
        "declares 4000 frames but the file ends after 2000",
    );
    // The streaming placeholder size (0xFFFFFFFF, ffmpeg/sox to a pipe) is not a lie.
    let mut piped = good.clone();
    piped[40..44].copy_from_slice(&[0xFF; 4]);
    piped[4..8].copy_from_slice(&[0xFF; 4]);
    sb.write("piped.wav", &piped);
    sb.dialer()
        .args(["audio", "convert", "piped.wav", "piped-out.wav"])
        .assert()
        .success();
}

#[test]
fn zero_length_audio_is_refused() {
    let sb = Sandbox::new();
    sox(
        sb.path(),
        &["-n", "-r", "8000", "-b", "16", "zero.wav", "trim", "0", "0"],
    );
    rejects(&sb, "zero.wav", "no audio: the file decodes to 0 samples");
    sb.dialer()
        .args(["audio", "info", "zero.wav"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("zero.wav: no audio"));
}

#[test]
fn unsupported_codecs_are_named() {
    let sb = Sandbox::new();
    sox(
        sb.path(),
        &[
            "-n",
            "-r",
            "8000",
            "-e",
            "gsm-full-rate",
            "gsm.wav",
            "synth",
            "0.2",
            "sine",
            "440",
        ],
    );
    rejects(
        &sb,
        "gsm.wav",
        "unsupported codec GSM 6.10 (WAV format tag 0x0031) in WAV",
    );
    sox(
        sb.path(),
        &[
            "-n",
            "-r",
            "44100",
            "vorbis.ogg",
            "synth",
            "0.2",
            "sine",
            "440",
        ],
    );
    rejects(&sb, "vorbis.ogg", "unsupported codec Vorbis in Ogg");
    let opus = std::fs::read(repo_root().join("tests/data/audio/opus-header-only.ogg")).unwrap();
    sb.write("opus.ogg", opus);
    rejects(&sb, "opus.ogg", "unsupported codec Opus in Ogg");
}

#[test]
fn a_missing_output_folder_and_bad_options_are_usage_errors() {
    let sb = Sandbox::new();
    pcm16_wav(&sb);
    sb.dialer()
        .args(["audio", "convert", "good.wav", "no/such/dir/out.wav"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the output folder no/such/dir does not exist",
        ));
    sb.dialer()
        .args([
            "audio", "convert", "good.wav", "out.wav", "--codec", "pcmu", "--rate", "16000",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("8000 Hz only"));
    sb.dialer()
        .args([
            "audio",
            "convert",
            "good.wav",
            "out.wav",
            "--normalize",
            "3",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--normalize"));
    sb.dialer()
        .args([
            "audio",
            "mix",
            "good.wav",
            "missing.wav",
            "-o",
            "out.wav",
            "--at",
            "0",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.wav: no such file"));
    sb.write("silence.wav", b"");
    sox(
        sb.path(),
        &[
            "-n",
            "-r",
            "8000",
            "-b",
            "16",
            "quiet.wav",
            "trim",
            "0",
            "0.5",
        ],
    );
    sb.dialer()
        .args(["audio", "convert", "quiet.wav", "out.wav", "--trim-silence"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("quiet.wav: the audio is silent"));
    assert_eq!(listing(sb.path()), ["good.wav", "quiet.wav", "silence.wav"]);
}

#[test]
fn prompt_loading_reports_the_same_errors() {
    let sb = Sandbox::new();
    sb.write("empty.wav", b"");
    let err = dialer::media::load_prompt(&sb.join("empty.wav")).unwrap_err();
    assert!(
        err.is_input_error() && err.to_string().contains("empty.wav"),
        "{err}"
    );
    sox(
        sb.path(),
        &[
            "-n", "-r", "8000", "-b", "16", "good.wav", "synth", "0.5", "sine", "440",
        ],
    );
    let good = std::fs::read(sb.join("good.wav")).unwrap();
    sb.write("short.wav", &good[..2000]);
    let err = dialer::media::prompt_duration(&sb.join("short.wav")).unwrap_err();
    assert!(
        err.to_string().contains("short.wav: truncated audio data"),
        "{err}"
    );
    let err = dialer::media::prompt_duration(&sb.join("nope.mp3")).unwrap_err();
    assert!(err.to_string().contains("nope.mp3: no such file"), "{err}");
}
