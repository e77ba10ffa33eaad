//! Levels: dBFS conversions and a streaming meter (peak, RMS, leading and trailing silence).
//!
//! Full scale is 1.0 (a 16-bit sample of -32768 is exactly -1.0), so a full-scale square wave
//! reads 0 dBFS for both peak and RMS, and a full-scale sine reads 0 dBFS peak, -3.01 dBFS RMS.
//! Silence is any sample (every channel of a frame) whose magnitude is below
//! [`SILENCE_THRESHOLD_DBFS`]; one louder sample ends a silent stretch.

/// Below this a sample counts as silence: -50 dBFS (|x| < 0.00316, about 104 in 16-bit units),
/// under the noise floor of a typical studio recording yet above dither and G.711's idle
/// noise.
pub const SILENCE_THRESHOLD_DBFS: f64 = -50.0;

/// A linear amplitude (1.0 = full scale) in dBFS; `None` for 0 (minus infinity).
pub fn to_dbfs(amplitude: f64) -> Option<f64> {
    (amplitude > 0.0).then(|| 20.0 * amplitude.log10())
}

/// A gain in dB as a linear factor.
pub fn db_to_gain(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

/// The linear amplitude of [`SILENCE_THRESHOLD_DBFS`].
pub fn silence_threshold() -> f32 {
    db_to_gain(SILENCE_THRESHOLD_DBFS)
}

/// Accumulates peak, RMS and silence over interleaved frames fed in blocks.
#[derive(Debug, Clone)]
pub struct LevelMeter {
    channels: usize,
    threshold: f32,
    peak: f32,
    sum_squares: f64,
    samples: u64,
    frames: u64,
    first_loud: Option<u64>,
    last_loud: Option<u64>,
}

impl LevelMeter {
    /// A meter for `channels`-channel interleaved audio (at least 1).
    pub fn new(channels: usize) -> Self {
        LevelMeter {
            channels: channels.max(1),
            threshold: silence_threshold(),
            peak: 0.0,
            sum_squares: 0.0,
            samples: 0,
            frames: 0,
            first_loud: None,
            last_loud: None,
        }
    }

    /// Feeds a block of interleaved samples (a whole number of frames).
    pub fn feed(&mut self, interleaved: &[f32]) {
        // Per-block f32 partial sums keep the hot loop vectorisable; f64 across blocks keeps an
        // hour of audio accurate.
        let mut block_squares = 0.0f64;
        for (i, frame) in interleaved.chunks_exact(self.channels).enumerate() {
            let mut frame_peak = 0.0f32;
            let mut frame_squares = 0.0f32;
            for &x in frame {
                frame_peak = frame_peak.max(x.abs());
                frame_squares += x * x;
            }
            block_squares += f64::from(frame_squares);
            self.peak = self.peak.max(frame_peak);
            if frame_peak >= self.threshold {
                let index = self.frames + i as u64;
                self.first_loud.get_or_insert(index);
                self.last_loud = Some(index);
            }
        }
        let frames = (interleaved.len() / self.channels) as u64;
        self.sum_squares += block_squares;
        self.samples += frames * self.channels as u64;
        self.frames += frames;
    }

    /// Frames seen so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The largest magnitude seen (1.0 = full scale).
    pub fn peak(&self) -> f32 {
        self.peak
    }

    /// Peak level in dBFS; `None` for digital silence.
    pub fn peak_dbfs(&self) -> Option<f64> {
        to_dbfs(f64::from(self.peak))
    }

    /// RMS level over every sample of every channel, in dBFS; `None` for digital silence.
    pub fn rms_dbfs(&self) -> Option<f64> {
        if self.samples == 0 {
            return None;
        }
        to_dbfs((self.sum_squares / self.samples as f64).sqrt())
    }

    /// Frames before the first non-silent one (all of them if the audio is silent).
    pub fn leading_silence_frames(&self) -> u64 {
        self.first_loud.unwrap_or(self.frames)
    }

    /// Frames after the last non-silent one (all of them if the audio is silent).
    pub fn trailing_silence_frames(&self) -> u64 {
        self.last_loud
            .map_or(self.frames, |last| self.frames - last - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_square_is_zero_dbfs_and_half_is_minus_six() {
        let mut meter = LevelMeter::new(1);
        meter.feed(&[1.0, -1.0, 1.0, -1.0]);
        assert!(meter.peak_dbfs().unwrap().abs() < 1e-9);
        assert!(meter.rms_dbfs().unwrap().abs() < 1e-9);
        let mut half = LevelMeter::new(1);
        half.feed(&[0.5, -0.5]);
        assert!((half.peak_dbfs().unwrap() + 6.0206).abs() < 1e-3);
    }

    #[test]
    fn silence_is_counted_at_both_ends_across_blocks_and_channels() {
        let mut meter = LevelMeter::new(2);
        // 3 silent frames, then a frame loud only on the right channel, then 1 loud, 2 silent.
        meter.feed(&[0.0, 0.0, 0.001, -0.001, 0.0, 0.0, 0.0, 0.5]);
        meter.feed(&[0.2, 0.0, 0.0, 0.0, 0.003, 0.0]);
        assert_eq!(meter.frames(), 7);
        assert_eq!(meter.leading_silence_frames(), 3);
        assert_eq!(meter.trailing_silence_frames(), 2);
        assert_eq!(meter.peak(), 0.5);
    }

    #[test]
    fn digital_silence_has_no_level_and_is_all_silence() {
        let mut meter = LevelMeter::new(1);
        meter.feed(&[0.0; 10]);
        assert_eq!(meter.peak_dbfs(), None);
        assert_eq!(meter.rms_dbfs(), None);
        assert_eq!(meter.leading_silence_frames(), 10);
        assert_eq!(meter.trailing_silence_frames(), 10);
    }
}
