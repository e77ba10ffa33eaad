//! `convert`: any supported file -> a mono WAV (16-bit PCM or G.711) at a chosen rate,
//! streaming from input to output in flat memory.
//!
//! The pipeline per block: decode -> downmix -> resample -> gain -> silence trim -> clamp and
//! encode -> write. With `normalize`, the peak is needed before the first sample is written, so
//! the input is decoded and resampled twice: a first streaming pass measures the peak of the
//! resampled signal (resampling overshoots, so the input's peak would be wrong), the second
//! pass writes. Twice the CPU, the same flat memory.
//!
//! Silence trimming works on the output signal (after gain) with the
//! [`SILENCE_THRESHOLD_DBFS`] threshold: leading samples are dropped as they stream by; the
//! trailing ones are written and then cut by [`WavWriter::finish`], so a long silent tail never
//! sits in memory.
//!
//! Nothing is written under the output's name until the whole file is done ([`OutputFile`]).

use std::path::Path;

use super::decode::SourceInfo;
use super::error::MediaError;
use super::level::{SILENCE_THRESHOLD_DBFS, db_to_gain, silence_threshold, to_dbfs};
use super::output::OutputFile;
use super::stream::MonoStream;
use super::wav::{Encoding, WavWriter};

/// What `convert` should produce.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertOptions {
    /// The output's sample encoding.
    pub encoding: Encoding,
    /// The output's rate in Hz; G.711 requires 8000.
    pub rate: u32,
    /// Scale so that the peak lands at this level (dBFS, at most 0).
    pub normalize_dbfs: Option<f64>,
    /// Drop leading and trailing silence.
    pub trim_silence: bool,
}

impl Default for ConvertOptions {
    /// A telephone prompt: 8 kHz 16-bit PCM, as is.
    fn default() -> Self {
        ConvertOptions {
            encoding: Encoding::Pcm16,
            rate: 8000,
            normalize_dbfs: None,
            trim_silence: false,
        }
    }
}

/// What `convert` did.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertReport {
    /// The input's header.
    pub source: SourceInfo,
    /// Frames in the output.
    pub frames: u64,
    /// The output rate.
    pub rate: u32,
    /// Gain applied by `normalize`, in dB (0 without it).
    pub gain_db: f64,
    /// Frames of silence dropped at the start and at the end.
    pub trimmed: (u64, u64),
}

/// Converts `input` into `output` (see the module docs).
pub fn convert(
    input: &Path,
    output: &Path,
    opts: &ConvertOptions,
) -> Result<ConvertReport, MediaError> {
    if opts.encoding != Encoding::Pcm16 && opts.rate != 8000 {
        return Err(MediaError::G711Rate { rate: opts.rate });
    }
    let gain_db = match opts.normalize_dbfs {
        Some(target) => {
            let peak = MonoStream::open(input, Some(opts.rate))?.peak()?;
            // Digital silence has no peak to move: leave it alone.
            to_dbfs(f64::from(peak)).map_or(0.0, |peak_db| target - peak_db)
        }
        None => 0.0,
    };
    let mut stream = MonoStream::open(input, Some(opts.rate))?;
    let (out, file) = OutputFile::create(output)?;
    let mut writer =
        WavWriter::new(file, opts.encoding, opts.rate).map_err(|e| out.write_error(e))?;
    let mut trim = SilenceTrim::new(opts.trim_silence);
    let gain = db_to_gain(gain_db);
    let mut scaled = Vec::new();
    while let Some(block) = stream.next_block()? {
        let mut block = block;
        if gain != 1.0 {
            scaled.clear();
            scaled.extend(block.iter().map(|x| x * gain));
            block = &scaled;
        }
        let block = trim.feed(block, writer.frames());
        if writer.would_overflow(block.len()) {
            return Err(MediaError::TooLong {
                path: output.to_path_buf(),
            });
        }
        writer.write(block).map_err(|e| out.write_error(e))?;
    }
    let written = writer.frames();
    let keep = trim.keep(written).ok_or_else(|| MediaError::AllSilent {
        path: input.to_path_buf(),
        threshold_dbfs: SILENCE_THRESHOLD_DBFS,
    })?;
    writer.finish(keep).map_err(|e| out.write_error(e))?;
    out.commit()?;
    Ok(ConvertReport {
        source: stream.info().clone(),
        frames: keep,
        rate: opts.rate,
        gain_db,
        trimmed: (trim.dropped, written - keep),
    })
}

/// Streaming silence trim: drops the lead-in as it arrives, remembers where the last loud
/// sample was written so the tail can be cut at the end.
#[derive(Debug)]
struct SilenceTrim {
    enabled: bool,
    threshold: f32,
    started: bool,
    dropped: u64,
    /// Output frames up to and including the last loud sample.
    loud_end: u64,
}

impl SilenceTrim {
    fn new(enabled: bool) -> Self {
        SilenceTrim {
            enabled,
            threshold: silence_threshold(),
            started: !enabled,
            dropped: 0,
            loud_end: 0,
        }
    }

    /// The part of `block` to write, given `written` frames already in the output.
    fn feed<'a>(&mut self, block: &'a [f32], written: u64) -> &'a [f32] {
        if !self.enabled {
            return block;
        }
        let loud = |x: &f32| x.abs() >= self.threshold;
        let block = if self.started {
            block
        } else {
            match block.iter().position(loud) {
                Some(first) => {
                    self.started = true;
                    self.dropped += first as u64;
                    &block[first..]
                }
                None => {
                    self.dropped += block.len() as u64;
                    return &[];
                }
            }
        };
        if let Some(last) = block.iter().rposition(loud) {
            self.loud_end = written + last as u64 + 1;
        }
        block
    }

    /// Frames to keep out of `written`; `None` when trimming left nothing.
    fn keep(&self, written: u64) -> Option<u64> {
        match (self.enabled, self.started) {
            (false, _) => Some(written),
            (true, false) => None,
            (true, true) => Some(self.loud_end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_drops_the_lead_in_and_remembers_the_last_loud_sample() {
        let mut trim = SilenceTrim::new(true);
        assert_eq!(trim.feed(&[0.0, 0.001], 0), &[] as &[f32]);
        let first = trim.feed(&[0.0, 0.5, 0.0, -0.2, 0.0], 0);
        assert_eq!(first, &[0.5, 0.0, -0.2, 0.0]);
        assert_eq!(trim.feed(&[0.0, 0.0], 4), &[0.0, 0.0]);
        assert_eq!(trim.dropped, 3);
        assert_eq!(trim.keep(6), Some(3));
    }

    #[test]
    fn trim_of_pure_silence_keeps_nothing_and_disabled_keeps_all() {
        let mut trim = SilenceTrim::new(true);
        trim.feed(&[0.0; 8], 0);
        assert_eq!(trim.keep(0), None);
        let mut off = SilenceTrim::new(false);
        assert_eq!(off.feed(&[0.0; 8], 0).len(), 8);
        assert_eq!(off.keep(8), Some(8));
    }
}
