//! Prompts for calls: a file decoded once, converted to 8 kHz mono and encoded once per G.711
//! law, shared by every call that plays it.
//!
//! Invariants: both payloads hold a whole number of 20 ms frames ([`FRAME_SAMPLES`] bytes
//! each); the last frame is padded with the law's silence code (0xFF µ-law, 0xD5 A-law), never
//! with zero bytes (0x00 is near full-scale negative in both laws). [`Prompt::duration`] is
//! the padded length, i.e. what the callee hears, and [`prompt_duration`] predicts it exactly
//! without decoding.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::decode::Decoder;
use super::error::MediaError;
use super::g711::Law;
use super::stream::MonoStream;
use super::wav::to_i16;

/// The telephone rate.
pub const PROMPT_RATE: u32 = 8000;
/// Samples (and G.711 bytes) in one 20 ms RTP frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;

/// A prompt ready to packetise: one payload per law, cheap to clone (shared bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// µ-law bytes, a multiple of [`FRAME_SAMPLES`] long.
    pub pcmu: Arc<[u8]>,
    /// A-law bytes, the same length.
    pub pcma: Arc<[u8]>,
    /// How long it plays (whole 20 ms frames).
    pub duration: Duration,
}

impl Prompt {
    /// The payload for `law`.
    pub fn payload(&self, law: Law) -> &Arc<[u8]> {
        match law {
            Law::Ulaw => &self.pcmu,
            Law::Alaw => &self.pcma,
        }
    }

    /// Number of 20 ms frames.
    pub fn frames(&self) -> usize {
        self.pcmu.len() / FRAME_SAMPLES
    }
}

/// Loads any supported file as a prompt (decode, downmix, resample to 8 kHz, clamp, encode).
pub fn load_prompt(path: &Path) -> Result<Prompt, MediaError> {
    let mut stream = MonoStream::open(path, Some(PROMPT_RATE))?;
    let mut pcmu = Vec::new();
    let mut pcma = Vec::new();
    while let Some(block) = stream.next_block()? {
        for &x in block {
            let s = to_i16(x);
            pcmu.push(Law::Ulaw.encode(s));
            pcma.push(Law::Alaw.encode(s));
        }
    }
    let padded = pcmu.len().div_ceil(FRAME_SAMPLES) * FRAME_SAMPLES;
    pcmu.resize(padded, Law::Ulaw.silence());
    pcma.resize(padded, Law::Alaw.silence());
    Ok(Prompt {
        pcmu: pcmu.into(),
        pcma: pcma.into(),
        duration: frames_to_duration(padded as u64),
    })
}

/// The duration [`load_prompt`] would give, without decoding: by walking the container's
/// packets (a WAV's or MP3's frames). Also checks that the file opens and its codec is supported, so a
/// dry run catches a bad prompt.
pub fn prompt_duration(path: &Path) -> Result<Duration, MediaError> {
    let mut decoder = Decoder::open(path)?;
    // Walk the packets even for WAV, where the header gives the count: reading without
    // decoding is cheap, and it catches a truncated file before the run does.
    let frames = decoder.demux_frames()?;
    if frames == 0 {
        return Err(MediaError::NoAudio {
            path: path.to_path_buf(),
        });
    }
    let rate = u64::from(decoder.info().rate);
    let at_8k = (frames * u64::from(PROMPT_RATE)).div_ceil(rate);
    let padded = at_8k.div_ceil(FRAME_SAMPLES as u64) * FRAME_SAMPLES as u64;
    Ok(frames_to_duration(padded))
}

fn frames_to_duration(samples: u64) -> Duration {
    Duration::from_micros(samples * 1_000_000 / u64::from(PROMPT_RATE))
}
