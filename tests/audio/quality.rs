//! Signal quality against sox: resampling SNR in the telephone band, G.711 over every input.

use std::f64::consts::TAU;

use dialer::media::g711::{alaw_to_linear, ulaw_to_linear};

use super::{read_i16, sox, wav_data, write_f32, write_i16};
use crate::common::Sandbox;

/// Tones at multiples of 2 Hz (bin centres of a 4000-point DFT at 8 kHz) across the band,
/// plus one above 4 kHz that both resamplers must remove.
const TONES: [(f64, f64); 6] = [
    (310.0, 0.15),
    (1000.0, 0.15),
    (1780.0, 0.15),
    (2500.0, 0.15),
    (3390.0, 0.15),
    (5200.0, 0.1),
];

fn multitone(rate: u32, seconds: f64) -> Vec<f32> {
    let n = (f64::from(rate) * seconds) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            TONES
                .iter()
                .map(|(f, a)| a * (TAU * f * t).sin())
                .sum::<f64>() as f32
        })
        .collect()
}

/// The lag (in samples, within ±max) at which `b` best matches `a`.
fn best_lag(a: &[f64], b: &[f64], max: i64) -> i64 {
    let score = |lag: i64| -> f64 {
        (1000..a.len() - 1000)
            .map(|i| a[i] * b[(i as i64 + lag) as usize])
            .sum()
    };
    (-max..=max)
        .max_by(|&x, &y| score(x).total_cmp(&score(y)))
        .unwrap()
}

/// Energy of `x` (Hann-windowed) in DFT bins between `lo` and `hi` Hz, at 8 kHz.
fn band_energy(x: &[f64], lo: f64, hi: f64) -> f64 {
    let n = x.len();
    let hann: Vec<f64> = (0..n)
        .map(|i| 0.5 - 0.5 * (TAU * i as f64 / n as f64).cos())
        .collect();
    let (cos, sin): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|i| {
            (
                (TAU * i as f64 / n as f64).cos(),
                (TAU * i as f64 / n as f64).sin(),
            )
        })
        .unzip();
    let bin_hz = 8000.0 / n as f64;
    let (k_lo, k_hi) = (
        (lo / bin_hz).ceil() as usize,
        (hi / bin_hz).floor() as usize,
    );
    (k_lo..=k_hi)
        .map(|k| {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, (v, w)) in x.iter().zip(&hann).enumerate() {
                let j = (k * i) % n;
                re += v * w * cos[j];
                im -= v * w * sin[j];
            }
            re * re + im * im
        })
        .sum()
}

fn snr_against_sox(rate: u32) -> f64 {
    let sb = Sandbox::new();
    write_f32(&sb.join("in.wav"), rate, &multitone(rate, 1.2));
    sox(
        sb.path(),
        &[
            "-D", "in.wav", "-r", "8000", "-c", "1", "-b", "16", "ref.wav", "rate", "-v",
        ],
    );
    sb.dialer()
        .args(["audio", "convert", "in.wav", "ours.wav"])
        .assert()
        .success();
    let (r1, c1, ours) = read_i16(&sb.join("ours.wav"));
    let (_, _, reference) = read_i16(&sb.join("ref.wav"));
    assert_eq!((r1, c1), (8000, 1));
    assert!(
        ours.len().abs_diff(reference.len()) <= 1,
        "{rate} Hz: lengths {} vs sox {}",
        ours.len(),
        reference.len()
    );
    let a: Vec<f64> = reference.iter().map(|&s| f64::from(s)).collect();
    let b: Vec<f64> = ours.iter().map(|&s| f64::from(s)).collect();
    let lag = best_lag(&a, &b, 20);
    assert_eq!(lag, 0, "{rate} Hz: our output is shifted by {lag} samples");
    // 4000 samples from the middle, away from both edges.
    let (start, n) = (2400, 4000);
    let r: Vec<f64> = a[start..start + n].to_vec();
    let e: Vec<f64> = (start..start + n).map(|i| b[i] - a[i]).collect();
    10.0 * (band_energy(&r, 300.0, 3400.0) / band_energy(&e, 300.0, 3400.0)).log10()
}

#[test]
fn resampling_matches_sox_to_60_db_in_the_telephone_band() {
    for rate in [16_000, 22_050, 44_100, 48_000] {
        let snr = snr_against_sox(rate);
        // Integer ratios (2:1, 6:1) come out bit-identical to sox: no error at all.
        eprintln!("{rate} Hz -> 8 kHz: {snr:.1} dB SNR vs sox rate -v (300-3400 Hz)");
        assert!(snr >= 60.0, "{rate} Hz: SNR {snr:.1} dB < 60 dB");
    }
}

/// Index of each code's decoded value in the sorted list of distinct levels: "code steps".
fn step_of(decode: fn(u8) -> i16) -> impl Fn(u8) -> i64 {
    let mut levels: Vec<i16> = (0..=255u8).map(decode).collect();
    levels.sort_unstable();
    levels.dedup();
    move |code| levels.binary_search(&decode(code)).unwrap() as i64
}

fn g711_against_sox(codec: &str, encoding: &str, decode: fn(u8) -> i16) -> usize {
    let sb = Sandbox::new();
    let every: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    write_i16(&sb.join("all.wav"), 8000, &every);
    sox(sb.path(), &["-D", "all.wav", "-e", encoding, "ref.wav"]);
    sb.dialer()
        .args(["audio", "convert", "all.wav", "ours.wav", "--codec", codec])
        .assert()
        .success();
    let ours = std::fs::read(sb.join("ours.wav")).unwrap();
    let reference = std::fs::read(sb.join("ref.wav")).unwrap();
    let (ours, reference) = (wav_data(&ours), wav_data(&reference));
    assert_eq!(ours.len(), 65_536);
    assert_eq!(reference.len(), 65_536);
    let step = step_of(decode);
    let mut differ = 0;
    for (i, (&o, &r)) in ours.iter().zip(reference).enumerate() {
        let d = (step(o) - step(r)).abs();
        assert!(
            d <= 1,
            "{codec}: input {} -> {o:#04x}, sox {r:#04x}",
            every[i]
        );
        differ += usize::from(d == 1);
    }
    differ
}

#[test]
fn ulaw_is_within_one_step_of_sox_for_every_16_bit_input() {
    let differ = g711_against_sox("pcmu", "u-law", ulaw_to_linear);
    eprintln!("µ-law: {differ} of 65536 inputs one step from sox");
    assert!(differ < 65_536 / 20, "{differ} inputs differ");
}

#[test]
fn alaw_is_within_one_step_of_sox_for_every_16_bit_input() {
    let differ = g711_against_sox("pcma", "a-law", alaw_to_linear);
    eprintln!("A-law: {differ} of 65536 inputs one step from sox");
    assert!(differ < 65_536 / 20, "{differ} inputs differ");
}

#[test]
fn sox_decodes_our_g711_files_to_our_own_decode_table() {
    let sb = Sandbox::new();
    let tone: Vec<i16> = (0..800)
        .map(|i| (12_000.0 * (TAU * 440.0 * i as f64 / 8000.0).sin()) as i16)
        .collect();
    write_i16(&sb.join("tone.wav"), 8000, &tone);
    for (codec, decode) in [
        ("pcmu", ulaw_to_linear as fn(u8) -> i16),
        ("pcma", alaw_to_linear),
    ] {
        let out = format!("{codec}.wav");
        sb.dialer()
            .args(["audio", "convert", "tone.wav", &out, "--codec", codec])
            .assert()
            .success();
        let back = format!("{codec}-back.wav");
        sox(
            sb.path(),
            &[&out, "-b", "16", "-e", "signed-integer", &back],
        );
        let (rate, ch, decoded) = read_i16(&sb.join(&back));
        assert_eq!((rate, ch, decoded.len()), (8000, 1, 800), "{codec}");
        let ours = std::fs::read(sb.join(&out)).unwrap();
        let want: Vec<i16> = wav_data(&ours).iter().map(|&c| decode(c)).collect();
        assert_eq!(
            decoded, want,
            "{codec}: sox reads our header and codes as we do"
        );
    }
}

/// An MP3 with a LAME tag (tests/data/audio/tone-lame.mp3, `lame -b 64` of 0.5 s at 22.05 kHz)
/// decodes gapless to exactly the source's length and within 1 LSB of `lame --decode`
/// (tone-lame.decoded.wav), through the same stream `convert` uses (at the file's own rate).
#[test]
fn mp3_decodes_gapless_and_within_one_lsb_of_lame() {
    let data = crate::common::repo_root().join("tests/data/audio");
    let (rate, _, lame) = read_i16(&data.join("tone-lame.decoded.wav"));
    let mut stream =
        dialer::media::stream::MonoStream::open(&data.join("tone-lame.mp3"), None).unwrap();
    assert_eq!(stream.rate(), rate);
    let mut ours = Vec::new();
    while let Some(block) = stream.next_block().unwrap() {
        ours.extend(block.iter().map(|&x| dialer::media::wav::to_i16(x)));
    }
    assert_eq!(
        ours.len(),
        11_025,
        "0.5 s at 22.05 kHz, no encoder delay or padding"
    );
    assert_eq!(lame.len(), ours.len());
    let worst = ours
        .iter()
        .zip(&lame)
        .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
        .max()
        .unwrap();
    assert!(worst <= 1, "differs from lame --decode by {worst} LSB");
}
