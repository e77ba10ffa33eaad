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

/// The output side of a mix: the WAV writer, its temp file, and the clip count.
struct MixOutput<'a> {
    path: &'a Path,
    file: OutputFile,
    writer: WavWriter,
    clipped: u64,
}

impl MixOutput<'_> {
    fn emit(&mut self, buf: &[f32]) -> Result<(), MediaError> {
        if self.writer.would_overflow(buf.len()) {
            return Err(MediaError::TooLong {
                path: self.path.to_path_buf(),
            });
        }
        self.clipped += buf.iter().filter(|x| x.abs() > 1.0).count() as u64;
        self.writer.write(buf).map_err(|e| self.file.write_error(e))
    }

    fn frames(&self) -> u64 {
        self.writer.frames()
    }

    /// Finishes the file and returns (frames, clipped samples).
    fn finish(self) -> Result<(u64, u64), MediaError> {
        let frames = self.writer.frames();
        let file = self.file;
        self.writer
            .finish(frames)
            .map_err(|e| file.write_error(e))?;
        file.commit()?;
        Ok((frames, self.clipped))
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

    let (file, handle) = OutputFile::create(output)?;
    let writer = WavWriter::new(handle, Encoding::Pcm16, rate).map_err(|e| file.write_error(e))?;
    let mut out = MixOutput {
        path: output,
        file,
        writer,
        clipped: 0,
    };
    let mut buf = Vec::new();
    while let Some(block) = base.next_block()? {
        let pos = out.frames();
        buf.clear();
        buf.extend(block.iter().map(|x| x * base_gain));
        let start = offset.saturating_sub(pos);
        if start < buf.len() as u64 {
            feed.add_onto(&mut buf[start as usize..])?;
        }
        out.emit(&buf)?;
    }
    if opts.extend {
        write_tail(&mut out, &mut feed, offset)?;
    } else {
        // Decode the overlay to its end even when cut, so that a corrupt overlay is reported
        // rather than silently half-used.
        while feed.stream.next_block()?.is_some() {}
    }
    let (frames, clipped) = out.finish()?;
    Ok(MixReport {
        rate,
        frames,
        clipped,
    })
}

/// `extend`: silence up to the overlay's start, then whatever is left of the overlay.
fn write_tail(
    out: &mut MixOutput<'_>,
    feed: &mut OverlayFeed,
    offset: u64,
) -> Result<(), MediaError> {
    const BLOCK: usize = 8192;
    let mut buf = Vec::with_capacity(BLOCK);
    while out.frames() < offset {
        let n = (offset - out.frames()).min(BLOCK as u64) as usize;
        buf.clear();
        buf.resize(n, 0.0);
        out.emit(&buf)?;
    }
    loop {
        feed.fill(BLOCK)?;
        let n = feed.pending.len().min(BLOCK);
        if n == 0 {
            return Ok(());
        }
        buf.clear();
        buf.resize(n, 0.0);
        feed.add_onto(&mut buf)?;
        out.emit(&buf)?;
    }
}
