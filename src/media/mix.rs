//! `mix`: overlay one file onto another, with pydub's `AudioSegment.overlay` semantics.
//!
//! - Formats are unified upward first: both inputs are decoded, downmixed to mono (telephony is
//!   mono; pydub would keep the larger channel count) and resampled to the higher of the two
//!   rates. The output is 16-bit PCM mono at that rate.
//! - The overlay starts `at` into the base (rounded to the nearest sample). By default the
//!   output is exactly as long as the base and the overlay is cut at the base's end; with
//!   `extend` it grows to hold the whole overlay (silence fills any gap after the base).
//! - Samples are scaled by their gains, summed, and hard-clipped at full scale.
//!
//! Streaming: both inputs are pulled block by block; only the overlay's look-ahead (at most
//! one block) is buffered.

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use super::decode::Decoder;
use super::error::MediaError;
use super::level::db_to_gain;
use super::output::OutputFile;
use super::stream::MonoStream;
use super::wav::{Encoding, WavWriter};

/// How to mix.
#[derive(Debug, Clone, PartialEq)]
pub struct MixOptions {
    /// Where the overlay starts, from the start of the base.
    pub at: Duration,
    /// Gain on the base, dB.
    pub base_gain_db: f64,
    /// Gain on the overlay, dB.
    pub overlay_gain_db: f64,
    /// Grow the output to hold the whole overlay.
    pub extend: bool,
}

/// What `mix` did.
#[derive(Debug, Clone, PartialEq)]
pub struct MixReport {
    /// The output's rate.
    pub rate: u32,
    /// Frames written.
    pub frames: u64,
    /// Output samples that were clipped at full scale.
    pub clipped: u64,
}

/// The overlay stream with a small look-ahead buffer.
struct OverlayFeed {
    stream: MonoStream,
    pending: VecDeque<f32>,
    done: bool,
    gain: f32,
}

impl OverlayFeed {
    /// Ensures `n` samples are pending, unless the overlay ends first.
    fn fill(&mut self, n: usize) -> Result<(), MediaError> {
        while self.pending.len() < n && !self.done {
            match self.stream.next_block()? {
                Some(block) => self.pending.extend(block.iter().map(|x| x * self.gain)),
                None => self.done = true,
            }
        }
        Ok(())
    }

    /// Adds up to `into.len()` pending samples onto `into`.
    fn add_onto(&mut self, into: &mut [f32]) -> Result<(), MediaError> {
        self.fill(into.len())?;
        let n = into.len().min(self.pending.len());
        for (x, o) in into.iter_mut().zip(self.pending.drain(..n)) {
            *x += o;
        }
        Ok(())
    }
}

/// Mixes `overlay` onto `base` into `output` (see the module docs).
pub fn mix(
    base: &Path,
    overlay: &Path,
    output: &Path,
    opts: &MixOptions,
) -> Result<MixReport, MediaError> {
    let base = Decoder::open(base)?;
    let over = Decoder::open(overlay)?;
    let rate = base.info().rate.max(over.info().rate);
    let mut base = MonoStream::from_decoder(base, rate)?;
    let mut feed = OverlayFeed {
        stream: MonoStream::from_decoder(over, rate)?,
        pending: VecDeque::new(),
        done: false,
        gain: db_to_gain(opts.overlay_gain_db),
    };
    let offset = (opts.at.as_secs_f64() * f64::from(rate)).round() as u64;
    let base_gain = db_to_gain(opts.base_gain_db);

    let (out, file) = OutputFile::create(output)?;
    let mut writer = WavWriter::new(file, Encoding::Pcm16, rate).map_err(|e| out.write_error(e))?;
    let mut clipped = 0u64;
    let mut buf = Vec::new();
    let mut emit = |buf: &[f32], writer: &mut WavWriter| {
        if writer.would_overflow(buf.len()) {
            return Err(MediaError::TooLong {
                path: output.to_path_buf(),
            });
        }
        clipped += buf.iter().filter(|x| x.abs() > 1.0).count() as u64;
        writer.write(buf).map_err(|e| out.write_error(e))
    };
    while let Some(block) = base.next_block()? {
        let pos = writer.frames();
        buf.clear();
        buf.extend(block.iter().map(|x| x * base_gain));
        let start = offset.saturating_sub(pos);
        if start < buf.len() as u64 {
            feed.add_onto(&mut buf[start as usize..])?;
        }
        emit(&buf, &mut writer)?;
    }
    if opts.extend {
        // Silence up to the overlay's start, then whatever is left of it.
        while writer.frames() < offset {
            let n = (offset - writer.frames()).min(8192) as usize;
            buf.clear();
            buf.resize(n, 0.0);
            emit(&buf, &mut writer)?;
        }
        loop {
            buf.clear();
            buf.resize(8192, 0.0);
            feed.fill(8192)?;
            let n = feed.pending.len().min(8192);
            if n == 0 {
                break;
            }
            buf.truncate(n);
            feed.add_onto(&mut buf)?;
            emit(&buf, &mut writer)?;
        }
    } else {
        // Decode the overlay to its end even when cut, so that a corrupt overlay is reported
        // rather than silently half-used.
        while feed.stream.next_block()?.is_some() {}
    }
    let frames = writer.frames();
    writer.finish(frames).map_err(|e| out.write_error(e))?;
    out.commit()?;
    Ok(MixReport {
        rate,
        frames,
        clipped,
    })
}
