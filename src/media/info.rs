//! `info`: what a file holds and how loud it is, measured by decoding all of it (streaming).
//!
//! Levels are over every sample of every channel at the file's own rate (no resampling, no
//! downmix): the peak is the true sample peak, the RMS is over all samples. Silence is
//! measured per frame against [`SILENCE_THRESHOLD_DBFS`] (see [`super::level`]).

use std::path::Path;

use serde::Serialize;

use super::decode::Decoder;
use super::error::MediaError;
use super::level::{LevelMeter, SILENCE_THRESHOLD_DBFS};

/// A file's format and levels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioInfo {
    /// The file, as given.
    pub file: String,
    /// "WAV", "MP3" or "Ogg".
    pub container: &'static str,
    /// The codec, e.g. "PCM 16-bit".
    pub codec: String,
    /// Sample rate, Hz.
    pub rate: u32,
    /// Channels.
    pub channels: usize,
    /// Bits per coded sample (PCM, G.711, ADPCM); `null` for MP3.
    pub bits: Option<u32>,
    /// Frames decoded.
    pub frames: u64,
    /// Duration in seconds (frames / rate), to the millisecond.
    pub duration_s: f64,
    /// Sample peak, dBFS to 0.01 dB; `null` for digital silence.
    pub peak_dbfs: Option<f64>,
    /// RMS level, dBFS to 0.01 dB; `null` for digital silence.
    pub rms_dbfs: Option<f64>,
    /// The silence threshold used below.
    pub silence_threshold_dbfs: f64,
    /// Silence before the first frame at or above the threshold, ms.
    pub leading_silence_ms: u64,
    /// Silence after the last frame at or above the threshold, ms.
    pub trailing_silence_ms: u64,
    /// 8 kHz mono 16-bit PCM, µ-law or A-law: playable on a call as is.
    pub g711_ready: bool,
}

/// Decodes `path` entirely and reports its format and levels.
pub fn inspect(path: &Path) -> Result<AudioInfo, MediaError> {
    let mut decoder = Decoder::open(path)?;
    let src = decoder.info().clone();
    let mut meter = LevelMeter::new(src.channels);
    while let Some(block) = decoder.next_block()? {
        meter.feed(block.samples);
    }
    let frames = meter.frames();
    if frames == 0 {
        return Err(MediaError::NoAudio {
            path: path.to_path_buf(),
        });
    }
    let ms = |f: u64| (f * 1000 + u64::from(src.rate) / 2) / u64::from(src.rate);
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    Ok(AudioInfo {
        file: path.display().to_string(),
        container: src.container,
        codec: src.codec,
        rate: src.rate,
        channels: src.channels,
        bits: src.bits,
        frames,
        duration_s: ms(frames) as f64 / 1000.0,
        peak_dbfs: meter.peak_dbfs().map(round2),
        rms_dbfs: meter.rms_dbfs().map(round2),
        silence_threshold_dbfs: SILENCE_THRESHOLD_DBFS,
        leading_silence_ms: ms(meter.leading_silence_frames()),
        trailing_silence_ms: ms(meter.trailing_silence_frames()),
        g711_ready: src.telephone_codec && src.rate == 8000 && src.channels == 1,
    })
}
