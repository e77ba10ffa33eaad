//! [`MonoStream`]: a decoded file as mono `f32` blocks at a chosen rate: decode, downmix
//! (before resampling, so the resampler runs once, not once per channel), resample.
//!
//! Blocks come out as they are ready; nothing holds more than a packet and one resampler
//! chunk, so memory is flat whatever the file's length. The output is not clamped.

use std::path::Path;

use super::decode::{Decoder, SourceInfo, downmix};
use super::error::{MediaError, StreamProblem};
use super::resample::RateConverter;

/// Mono audio at a fixed rate, block by block.
#[derive(Debug)]
pub struct MonoStream {
    decoder: Decoder,
    converter: RateConverter,
    rate: u32,
    mono: Vec<f32>,
    out: Vec<f32>,
    done: bool,
}

impl MonoStream {
    /// Opens `path` and converts it to `rate` Hz (`None`: keep the file's own rate).
    pub fn open(path: &Path, rate: Option<u32>) -> Result<Self, MediaError> {
        let decoder = Decoder::open(path)?;
        let rate = rate.unwrap_or(decoder.info().rate);
        Self::from_decoder(decoder, rate)
    }

    /// Wraps an open decoder, converting to `rate` Hz.
    pub fn from_decoder(decoder: Decoder, rate: u32) -> Result<Self, MediaError> {
        let converter =
            RateConverter::new(decoder.info().rate, rate).map_err(|_| MediaError::BadStream {
                path: decoder.path().to_path_buf(),
                problem: StreamProblem::Resample {
                    from: decoder.info().rate,
                    to: rate,
                },
            })?;
        Ok(MonoStream {
            decoder,
            converter,
            rate,
            mono: Vec::new(),
            out: Vec::new(),
            done: false,
        })
    }

    /// What the file's header says.
    pub fn info(&self) -> &SourceInfo {
        self.decoder.info()
    }

    /// The output rate.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The next block of mono samples at [`Self::rate`], or `None` at the end. A file with no
    /// audio at all is [`MediaError::NoAudio`].
    pub fn next_block(&mut self) -> Result<Option<&[f32]>, MediaError> {
        loop {
            if self.done {
                return Ok(None);
            }
            self.out.clear();
            match self.decoder.next_block()? {
                Some(block) => {
                    downmix(block.samples, block.channels, &mut self.mono);
                    self.converter.process(&self.mono, &mut self.out);
                }
                None => {
                    if self.decoder.frames_read() == 0 {
                        return Err(MediaError::NoAudio {
                            path: self.decoder.path().to_path_buf(),
                        });
                    }
                    self.converter.finish(&mut self.out);
                    self.done = true;
                }
            }
            if !self.out.is_empty() {
                return Ok(Some(&self.out));
            }
        }
    }

    /// The peak magnitude of the whole stream (consumes it): the first pass of `--normalize`.
    pub fn peak(mut self) -> Result<f32, MediaError> {
        let mut peak = 0.0f32;
        while let Some(block) = self.next_block()? {
            peak = block.iter().fold(peak, |p, x| p.max(x.abs()));
        }
        Ok(peak)
    }
}
