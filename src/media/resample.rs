//! Streaming sample-rate conversion of mono `f32` audio with rubato 5's FFT resampler.
//!
//! Settings are the measured ones from notes/media.md: `Fft::new_custom(fs_in, fs_out,
//! fs_in / 10, 1, 1, BlackmanHarris2, FixedSync::Input)`, 70 dB SNR against `sox rate -v` in
//! 300-3400 Hz, with one correction: the chunk is rounded so the FFT sizes are even (see
//! [`chunk_frames`]; odd sizes leave a fractional-sample lag). Do not "simplify" to `Fft::new(.., 1024, ..)`: for 44.1 kHz that picks a
//! 441-point FFT which cuts 3.4 kHz by 10 dB.
//!
//! Invariants (the same as rubato's `process_all`, but in flat memory):
//! - the resampler's start-up delay is trimmed: output sample 0 is aligned with input sample 0;
//! - the output has exactly `ceil(input_frames * fs_out / fs_in)` frames;
//! - equal rates pass samples through untouched (bit-exact).
//!
//! The output is not clamped: a band-limited signal overshoots its input's peak. Callers clamp
//! (or measure the peak) after this stage.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler, ResamplerConstructionError, WindowFunction};

/// Converts a mono stream from one rate to another, block by block.
pub struct RateConverter {
    stage: Option<FftStage>,
}

impl std::fmt::Debug for RateConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateConverter")
            .field("resampling", &self.stage.is_some())
            .finish()
    }
}

struct FftStage {
    fft: Fft<f32>,
    rate_in: u64,
    rate_out: u64,
    chunk_in: usize,
    /// Input not yet processed (less than one chunk between calls).
    pending: Vec<f32>,
    /// rubato's output for one chunk.
    scratch: Vec<f32>,
    /// Start-up delay frames still to drop.
    to_trim: usize,
    frames_in: u64,
    frames_out: u64,
}

impl RateConverter {
    /// A converter from `from` Hz to `to` Hz (both > 0).
    pub fn new(from: u32, to: u32) -> Result<Self, ResamplerConstructionError> {
        if from == to {
            return Ok(RateConverter { stage: None });
        }
        let (from, to) = (from as usize, to as usize);
        let fft = Fft::<f32>::new_custom(
            from,
            to,
            chunk_frames(from, to),
            1,
            1,
            WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )?;
        let chunk_in = fft.input_frames_next();
        let stage = FftStage {
            rate_in: from as u64,
            rate_out: to as u64,
            to_trim: fft.output_delay(),
            scratch: vec![0.0; fft.output_frames_max()],
            pending: Vec::with_capacity(2 * chunk_in),
            chunk_in,
            fft,
            frames_in: 0,
            frames_out: 0,
        };
        Ok(RateConverter { stage: Some(stage) })
    }

    /// Resamples `input`, appending whatever output is ready to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let Some(stage) = self.stage.as_mut() else {
            out.extend_from_slice(input);
            return;
        };
        stage.frames_in += input.len() as u64;
        let mut input = input;
        // Top up a partial chunk left from the previous call first.
        if !stage.pending.is_empty() {
            let take = (stage.chunk_in - stage.pending.len()).min(input.len());
            stage.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
            if stage.pending.len() < stage.chunk_in {
                return;
            }
            let pending = std::mem::take(&mut stage.pending);
            stage.run(&pending, None, out);
            stage.pending = pending;
            stage.pending.clear();
        }
        // Whole chunks straight from the caller's slice: no copy.
        let mut chunks = input.chunks_exact(stage.chunk_in);
        for chunk in &mut chunks {
            stage.run(chunk, None, out);
        }
        stage.pending.extend_from_slice(chunks.remainder());
    }

    /// Flushes the tail: the partial last chunk and the resampler's delay line.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        let Some(stage) = self.stage.as_mut() else {
            return;
        };
        // Exact integer arithmetic: a float ceil can be one frame off on long inputs.
        let expected = (stage.frames_in * stage.rate_out).div_ceil(stage.rate_in);
        if !stage.pending.is_empty() {
            let pending = std::mem::take(&mut stage.pending);
            stage.run(&pending, Some(pending.len()), out);
        }
        let empty = [0.0f32; 0];
        while stage.frames_out < expected {
            stage.run(&empty, Some(0), out);
        }
        // The last run may have produced more than the clip's length: cut the padding.
        let extra = (stage.frames_out - expected) as usize;
        out.truncate(out.len().saturating_sub(extra));
        stage.frames_out = expected;
    }
}

/// The input chunk: `from / 10` (notes/media.md), rounded up to a whole number of the pair's
/// minimum blocks, and to an even number of them. rubato trims a start-up delay of
/// `fft_size_out / 2`, which is half a sample short when the FFT sizes are odd (22.05 kHz ->
/// 8 kHz with `from / 10` gives 2205 -> 800): the output then lags by 0.18 samples and the
/// SNR against `sox rate -v` falls to 11 dB. Even sizes make the delay exact.
fn chunk_frames(from: usize, to: usize) -> usize {
    let min_in = from / gcd(from, to);
    let mut blocks = (from / 10).max(1).div_ceil(min_in);
    if blocks % 2 == 1 {
        blocks += 1;
    }
    blocks * min_in
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl FftStage {
    /// Runs one chunk (`partial` valid frames, or all of `chunk`) and appends the output,
    /// minus what is left of the start-up delay.
    fn run(&mut self, chunk: &[f32], partial: Option<usize>, out: &mut Vec<f32>) {
        let frames = chunk.len();
        let input = InterleavedSlice::new(chunk, 1, frames).expect("mono slice of its own length");
        let capacity = self.scratch.len();
        let mut output = InterleavedSlice::new_mut(&mut self.scratch, 1, capacity)
            .expect("mono slice of its own length");
        let indexing = partial.map(|n| Indexing::new().partial_len(n));
        let (_, produced) = self
            .fft
            .process_into_buffer(&input, &mut output, indexing.as_ref())
            .expect("buffers sized from the resampler's own limits");
        let skip = self.to_trim.min(produced);
        self.to_trim -= skip;
        out.extend_from_slice(&self.scratch[skip..produced]);
        self.frames_out += (produced - skip) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, frames: usize) -> Vec<f32> {
        (0..frames)
            .map(|i| 0.5 * (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Streaming in odd-sized blocks gives the same samples as rubato's own `process_all`.
    #[test]
    fn streaming_matches_process_all_for_any_block_size() {
        let input = tone(44_100, 1000.0, 44_100 + 123);
        let mut whole = Fft::<f32>::new_custom(
            44_100,
            8000,
            4410,
            1,
            1,
            WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )
        .unwrap();
        let adapter = InterleavedSlice::new(&input[..], 1, input.len()).unwrap();
        let reference = whole
            .process_all(&adapter, input.len(), None)
            .unwrap()
            .take_data();

        for block in [1usize, 777, 4410, 10_000] {
            let mut conv = RateConverter::new(44_100, 8000).unwrap();
            let mut out = Vec::new();
            for piece in input.chunks(block) {
                conv.process(piece, &mut out);
            }
            conv.finish(&mut out);
            assert_eq!(out.len(), reference.len(), "block {block}");
            let worst = out
                .iter()
                .zip(&reference)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-6, "block {block}: differs by {worst}");
        }
    }

    #[test]
    fn output_length_is_the_scaled_input_length() {
        for (rate, frames) in [(16_000, 1), (22_050, 100), (48_000, 48_001), (11_025, 5)] {
            let mut conv = RateConverter::new(rate, 8000).unwrap();
            let mut out = Vec::new();
            conv.process(&vec![0.1; frames], &mut out);
            conv.finish(&mut out);
            let want = (frames as u64 * 8000).div_ceil(u64::from(rate)) as usize;
            assert_eq!(out.len(), want, "{rate} Hz, {frames} frames");
        }
    }

    #[test]
    fn equal_rates_pass_through_bit_exact() {
        let input = tone(8000, 440.0, 1000);
        let mut conv = RateConverter::new(8000, 8000).unwrap();
        let mut out = Vec::new();
        conv.process(&input, &mut out);
        conv.finish(&mut out);
        assert_eq!(out, input);
    }

    /// Level and phase: a fractional-sample lag would show as a large error against the
    /// ideal tone (it did at 22.05 and 11.025 kHz before [`chunk_frames`] made sizes even).
    #[test]
    fn a_tone_keeps_its_level_and_phase_at_every_common_rate() {
        for rate in [48_000, 44_100, 32_000, 22_050, 16_000, 11_025] {
            let input = tone(rate, 1000.0, rate as usize);
            let mut conv = RateConverter::new(rate, 8000).unwrap();
            let mut out = Vec::new();
            conv.process(&input, &mut out);
            conv.finish(&mut out);
            let ideal = tone(8000, 1000.0, 8000);
            let err = out[400..7600]
                .iter()
                .zip(&ideal[400..7600])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 1e-3, "{rate} Hz: max error {err}");
        }
    }

    #[test]
    fn chunks_are_a_tenth_of_a_second_in_even_blocks() {
        assert_eq!(chunk_frames(44_100, 8000), 4410);
        assert_eq!(chunk_frames(48_000, 8000), 4800);
        assert_eq!(chunk_frames(22_050, 8000), 2646);
        assert_eq!(chunk_frames(11_025, 8000), 1764);
    }
}
