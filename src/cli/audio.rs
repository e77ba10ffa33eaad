//! `dialer audio convert|mix|info`: prompt preparation from the command line.
//!
//! Thin: parses options into [`crate::media`] option structs, calls the library, prints.
//! Reports of what was done go to stderr (logs); `info` prints its data to stdout, as text or
//! one JSON document.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::Failure;
use crate::exit::ExitStatus;
use crate::media::{self, AudioInfo, ConvertOptions, Encoding, MixOptions};

/// Arguments of `dialer audio`.
#[derive(Debug, Args)]
pub struct AudioArgs {
    /// The audio operation.
    #[command(subcommand)]
    pub command: AudioCommand,
}

/// The audio operations.
#[derive(Debug, Subcommand)]
pub enum AudioCommand {
    /// Any WAV/MP3 -> mono prompt WAV (8 kHz 16-bit PCM by default, or G.711 mu-law/A-law)
    Convert(ConvertArgs),
    /// Overlay OVERLAY onto BASE at --at milliseconds (output: 16-bit PCM mono WAV)
    Mix(MixArgs),
    /// Format, rate, channels, duration, peak/RMS level, silence at both ends
    Info(InfoArgs),
}

/// Output codec of `audio convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Codec {
    /// 16-bit linear PCM WAV
    Pcm16,
    /// G.711 mu-law WAV (8 kHz only)
    Pcmu,
    /// G.711 A-law WAV (8 kHz only)
    Pcma,
}

/// Arguments of `dialer audio convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The input (WAV: PCM, float, G.711, ADPCM; MP3)
    pub input: PathBuf,
    /// The output WAV (written whole or not at all)
    pub output: PathBuf,
    /// Output codec
    #[arg(long, value_enum, default_value_t = Codec::Pcm16)]
    pub codec: Codec,
    /// Output sample rate in Hz (G.711 codecs: 8000 only)
    #[arg(long, value_name = "HZ", default_value_t = 8000,
          value_parser = clap::value_parser!(u32).range(1000..=384_000))]
    pub rate: u32,
    /// Scale so the peak lands at DBFS (e.g. -1); reads the input twice
    #[arg(long, value_name = "DBFS", allow_negative_numbers = true, value_parser = parse_normalize)]
    pub normalize: Option<f64>,
    /// Cut leading and trailing silence (below -50 dBFS)
    #[arg(long)]
    pub trim_silence: bool,
}

/// Arguments of `dialer audio mix`.
#[derive(Debug, Args)]
pub struct MixArgs {
    /// The base: the output is as long as this (unless --extend)
    pub base: PathBuf,
    /// Laid over the base from --at on
    pub overlay: PathBuf,
    /// The output WAV
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Where the overlay starts, in milliseconds from the start of the base
    #[arg(long, value_name = "MS")]
    pub at: u64,
    /// Gain on the base, dB
    #[arg(long, value_name = "DB", default_value_t = 0.0, allow_negative_numbers = true,
          value_parser = parse_gain)]
    pub gain: f64,
    /// Gain on the overlay, dB
    #[arg(long, value_name = "DB", default_value_t = 0.0, allow_negative_numbers = true,
          value_parser = parse_gain)]
    pub overlay_gain: f64,
    /// Make the output long enough for the whole overlay
    #[arg(long)]
    pub extend: bool,
}

/// `audio info` output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InfoFormat {
    /// Aligned `key: value` lines
    Text,
    /// One JSON document
    Json,
}

/// Arguments of `dialer audio info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The file to inspect
    pub file: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = InfoFormat::Text)]
    pub format: InfoFormat,
}

fn parse_db(s: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of dB"))?;
    if !(lo..=hi).contains(&v) {
        return Err(format!("{v} dB is out of range: expected {lo} to {hi}"));
    }
    Ok(v)
}

fn parse_normalize(s: &str) -> Result<f64, String> {
    parse_db(s, -60.0, 0.0)
}

fn parse_gain(s: &str) -> Result<f64, String> {
    parse_db(s, -96.0, 48.0)
}

/// Runs `dialer audio ...`.
pub fn execute(args: AudioArgs) -> Result<ExitStatus, Failure> {
    match args.command {
        AudioCommand::Convert(a) => convert(a),
        AudioCommand::Mix(a) => mix(a),
        AudioCommand::Info(a) => info(a),
    }
}

fn convert(a: ConvertArgs) -> Result<ExitStatus, Failure> {
    let opts = ConvertOptions {
        encoding: match a.codec {
            Codec::Pcm16 => Encoding::Pcm16,
            Codec::Pcmu => Encoding::Ulaw,
            Codec::Pcma => Encoding::Alaw,
        },
        rate: a.rate,
        normalize_dbfs: a.normalize,
        trim_silence: a.trim_silence,
    };
    let report = media::convert(&a.input, &a.output, &opts)?;
    tracing::info!(
        "{} -> {}: {} {} Hz {} ch -> {:?} {} Hz mono, {:.3} s, gain {:+.2} dB, trimmed {}+{} samples",
        a.input.display(),
        a.output.display(),
        report.source.codec,
        report.source.rate,
        report.source.channels,
        opts.encoding,
        report.rate,
        report.frames as f64 / f64::from(report.rate),
        report.gain_db,
        report.trimmed.0,
        report.trimmed.1,
    );
    Ok(ExitStatus::Success)
}

fn mix(a: MixArgs) -> Result<ExitStatus, Failure> {
    let opts = MixOptions {
        at: Duration::from_millis(a.at),
        base_gain_db: a.gain,
        overlay_gain_db: a.overlay_gain,
        extend: a.extend,
    };
    let report = media::mix(&a.base, &a.overlay, &a.output, &opts)?;
    tracing::info!(
        "{}: {} Hz mono, {:.3} s",
        a.output.display(),
        report.rate,
        report.frames as f64 / f64::from(report.rate),
    );
    if report.clipped > 0 {
        tracing::warn!(
            "{}: {} samples clipped at full scale; lower --gain or --overlay-gain",
            a.output.display(),
            report.clipped
        );
    }
    Ok(ExitStatus::Success)
}

fn info(a: InfoArgs) -> Result<ExitStatus, Failure> {
    let info = media::inspect(&a.file)?;
    let text = match a.format {
        InfoFormat::Json => serde_json::to_string_pretty(&info).map_err(Failure::runtime)?,
        InfoFormat::Text => render_text(&info),
    };
    println!("{text}");
    Ok(ExitStatus::Success)
}

fn render_text(i: &AudioInfo) -> String {
    let db = |v: Option<f64>| {
        v.map_or("-inf dBFS (digital silence)".into(), |v| {
            format!("{v:.2} dBFS")
        })
    };
    let bits = i.bits.map_or("-".into(), |b| b.to_string());
    [
        format!("file:              {}", i.file),
        format!("container:         {}", i.container),
        format!("codec:             {}", i.codec),
        format!("rate:              {} Hz", i.rate),
        format!("channels:          {}", i.channels),
        format!("bits:              {bits}"),
        format!(
            "duration:          {:.3} s ({} frames)",
            i.duration_s, i.frames
        ),
        format!("peak:              {}", db(i.peak_dbfs)),
        format!("rms:               {}", db(i.rms_dbfs)),
        format!(
            "leading silence:   {} ms (below {} dBFS)",
            i.leading_silence_ms, i.silence_threshold_dbfs
        ),
        format!("trailing silence:  {} ms", i.trailing_silence_ms),
        format!(
            "g711_ready:        {}",
            if i.g711_ready {
                "yes"
            } else {
                "no (convert it: dialer audio convert IN OUT)"
            }
        ),
    ]
    .join("\n")
}
