//! Writing mono WAV files: 16-bit PCM, or G.711 µ-law/A-law with our own header.
//!
//! hound writes PCM and float only, so G.711 needs its own header (fmt tag 7 µ-law / 6 A-law,
//! 8 bits, an 18-byte fmt chunk with `cbSize` 0 and a `fact` chunk holding the sample count,
//! as the WAVE spec asks of every non-PCM format; sox, ffmpeg and symphonia read it). PCM16
//! goes through the same writer rather than hound because `--trim-silence` must cut the tail
//! after the fact: the writer streams samples out and [`WavWriter::finish`] keeps only the
//! first `n` frames, truncating the file and patching the header.
//!
//! Samples arrive as `f32` (full scale ±1.0) and are clamped here: this is where resampler
//! overshoot and mix sums are hard-clipped.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};

use super::g711::Law;

/// The sample encodings we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// 16-bit signed little-endian PCM.
    Pcm16,
    /// G.711 µ-law, 8 bits.
    Ulaw,
    /// G.711 A-law, 8 bits.
    Alaw,
}

impl Encoding {
    fn bytes_per_sample(self) -> u64 {
        match self {
            Encoding::Pcm16 => 2,
            Encoding::Ulaw | Encoding::Alaw => 1,
        }
    }

    fn header_len(self) -> u64 {
        match self {
            Encoding::Pcm16 => 44,
            Encoding::Ulaw | Encoding::Alaw => 58,
        }
    }
}

/// Converts a full-scale `f32` to 16-bit, rounding to nearest (ties to even) and
/// hard-clipping. The inverse of symphonia's `i16 / 32768`, so 16-bit input at the output rate
/// round-trips bit-exact.
#[inline]
pub fn to_i16(x: f32) -> i16 {
    // Adding and subtracting 1.5 * 2^23 rounds any |y| < 2^22 to an integer in the FPU's
    // default mode: no libm `roundf` call per sample (it was 3% of a 1-hour conversion).
    // NaN casts to 0.
    const MAGIC: f32 = 12_582_912.0;
    let y = (x * 32768.0).clamp(-32768.0, 32767.0);
    ((y + MAGIC) - MAGIC) as i16
}

/// The header of a mono WAV holding `frames` samples at `rate` Hz.
pub fn header(encoding: Encoding, rate: u32, frames: u32) -> Vec<u8> {
    let data_len = u64::from(frames) * encoding.bytes_per_sample();
    let pad = data_len & 1;
    let riff_len = encoding.header_len() - 8 + data_len + pad;
    let mut h = Vec::with_capacity(encoding.header_len() as usize);
    h.extend(b"RIFF");
    h.extend((riff_len as u32).to_le_bytes());
    h.extend(b"WAVE");
    let (tag, bits, fmt_len): (u16, u16, u32) = match encoding {
        Encoding::Pcm16 => (1, 16, 16),
        Encoding::Ulaw => (7, 8, 18),
        Encoding::Alaw => (6, 8, 18),
    };
    let block_align = bits / 8;
    h.extend(b"fmt ");
    h.extend(fmt_len.to_le_bytes());
    h.extend(tag.to_le_bytes());
    h.extend(1u16.to_le_bytes()); // channels
    h.extend(rate.to_le_bytes());
    h.extend((rate * u32::from(block_align)).to_le_bytes());
    h.extend(block_align.to_le_bytes());
    h.extend(bits.to_le_bytes());
    if encoding != Encoding::Pcm16 {
        h.extend(0u16.to_le_bytes()); // cbSize
        h.extend(b"fact");
        h.extend(4u32.to_le_bytes());
        h.extend(frames.to_le_bytes());
    }
    h.extend(b"data");
    h.extend((data_len as u32).to_le_bytes());
    debug_assert_eq!(h.len() as u64, encoding.header_len());
    h
}

/// Streams mono samples into a WAV file.
#[derive(Debug)]
pub struct WavWriter {
    out: BufWriter<File>,
    encoding: Encoding,
    rate: u32,
    frames: u64,
    bytes: Vec<u8>,
}

/// The most frames one WAV file can describe (its sizes are 32-bit).
fn max_frames(encoding: Encoding) -> u64 {
    (u64::from(u32::MAX) - encoding.header_len()) / encoding.bytes_per_sample()
}

impl WavWriter {
    /// Starts a WAV in `file` (which must be empty), with a placeholder header.
    pub fn new(file: File, encoding: Encoding, rate: u32) -> io::Result<Self> {
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        out.write_all(&header(encoding, rate, 0))?;
        Ok(WavWriter {
            out,
            encoding,
            rate,
            frames: 0,
            bytes: Vec::new(),
        })
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// True when `more` frames would push the file past the WAV size limit.
    pub fn would_overflow(&self, more: usize) -> bool {
        self.frames + more as u64 > max_frames(self.encoding)
    }

    /// Appends samples, clamped to full scale.
    pub fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        self.bytes.clear();
        match self.encoding {
            Encoding::Pcm16 => {
                for &x in samples {
                    self.bytes.extend(to_i16(x).to_le_bytes());
                }
            }
            Encoding::Ulaw => self.encode(Law::Ulaw, samples),
            Encoding::Alaw => self.encode(Law::Alaw, samples),
        }
        self.frames += samples.len() as u64;
        self.out.write_all(&self.bytes)
    }

    fn encode(&mut self, law: Law, samples: &[f32]) {
        self.bytes
            .extend(samples.iter().map(|&x| law.encode(to_i16(x))));
    }

    /// Keeps the first `keep` frames (at most what was written), pads the data chunk to an
    /// even length, writes the final header and syncs the file to disk.
    pub fn finish(mut self, keep: u64) -> io::Result<()> {
        let keep = keep.min(self.frames);
        self.out.flush()?;
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        let data_len = keep * self.encoding.bytes_per_sample();
        let end = self.encoding.header_len() + data_len;
        file.set_len(end)?;
        if data_len & 1 == 1 {
            file.seek(SeekFrom::Start(end))?;
            file.write_all(&[0])?;
        }
        file.seek(SeekFrom::Start(0))?;
        let frames = u32::try_from(keep).map_err(|_| io::Error::other("WAV size limit"))?;
        file.write_all(&header(self.encoding, self.rate, frames))?;
        file.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_i16_rounds_and_clips() {
        assert_eq!(to_i16(0.0), 0);
        assert_eq!(to_i16(-1.0), -32768);
        assert_eq!(to_i16(1.0), 32767);
        assert_eq!(to_i16(2.5), 32767);
        assert_eq!(to_i16(-7.0), -32768);
        assert_eq!(to_i16(100.4 / 32768.0), 100);
        assert_eq!(to_i16(100.6 / 32768.0), 101);
        assert_eq!(to_i16(-100.6 / 32768.0), -101);
        assert_eq!(to_i16(0.4999 / 32768.0), 0);
        assert_eq!(to_i16(f32::NAN), 0);
        for s in [i16::MIN, -1, 0, 1, 12345, i16::MAX] {
            assert_eq!(to_i16(f32::from(s) / 32768.0), s, "round trip");
        }
    }

    #[test]
    fn g711_header_has_tag_fact_and_padded_riff_size() {
        let h = header(Encoding::Alaw, 8000, 3);
        assert_eq!(h.len(), 58);
        assert_eq!(&h[0..4], b"RIFF");
        // 58 - 8 + 3 data bytes + 1 pad byte
        assert_eq!(u32::from_le_bytes(h[4..8].try_into().unwrap()), 54);
        assert_eq!(u16::from_le_bytes([h[20], h[21]]), 6);
        assert_eq!(u16::from_le_bytes([h[22], h[23]]), 1);
        assert_eq!(u32::from_le_bytes(h[24..28].try_into().unwrap()), 8000);
        assert_eq!(u32::from_le_bytes(h[28..32].try_into().unwrap()), 8000);
        assert_eq!(u16::from_le_bytes([h[34], h[35]]), 8);
        assert_eq!(&h[38..42], b"fact");
        assert_eq!(u32::from_le_bytes(h[46..50].try_into().unwrap()), 3);
        assert_eq!(&h[50..54], b"data");
        assert_eq!(u32::from_le_bytes(h[54..58].try_into().unwrap()), 3);
        assert_eq!(header(Encoding::Ulaw, 8000, 0)[20], 7);
    }

    #[test]
    fn finish_truncates_and_patches_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.wav");
        let mut w = WavWriter::new(File::create(&path).unwrap(), Encoding::Ulaw, 8000).unwrap();
        w.write(&[0.0, 0.5, -0.5, 0.0, 0.0]).unwrap();
        assert_eq!(w.frames(), 5);
        w.finish(3).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 58 + 3 + 1);
        assert_eq!(bytes[..58], header(Encoding::Ulaw, 8000, 3)[..]);
        assert_eq!(bytes[58], 0xFF);
        assert_eq!(bytes[59], Law::Ulaw.encode(16384));
        assert_eq!(bytes[61], 0, "pad byte");
    }
}
