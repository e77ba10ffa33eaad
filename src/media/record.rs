//! [`Recorder`]: the callee's audio of one call, decoded from G.711 into an 8 kHz mono 16-bit
//! WAV file as packets arrive.
//!
//! Samples are placed by RTP timestamp, not arrival: a gap (lost packets, silence
//! suppression) becomes silence of the same length, a late or duplicate packet is dropped
//! (only its part beyond what was written is kept), and a jump of more than [`MAX_GAP`]
//! (a new stream, a timestamp reset) continues right after what was written instead of
//! writing minutes of silence.
//!
//! A recording never ends a call: failing to create the folder or the file, or a write error
//! (a full disk), stops recording and is reported in [`RecordingOutcome::error`]; the WAV
//! header is finalised on [`Recorder::finish`] so whatever was written stays playable.
//!
//! Must not: open sockets or read the clock; it writes only the file it is given.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::g711::Law;

/// Longest gap filled with silence: 10 s at 8 kHz. Beyond it the stream is taken as restarted.
pub const MAX_GAP: u64 = 10 * 8000;

/// Where a recording went, and why it stopped early if it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingOutcome {
    /// The file (kept even when it failed, so the operator knows where to look).
    pub path: PathBuf,
    /// Why recording failed, if it did.
    pub error: Option<String>,
    /// Samples written.
    pub samples: u64,
}

/// One call's recording in progress.
pub struct Recorder {
    path: PathBuf,
    law: Law,
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    error: Option<String>,
    /// The RTP timestamp of sample 0.
    origin: Option<u32>,
    written: u64,
}

impl Recorder {
    /// Starts a recording at `path` (folders created as needed) of audio in `law`. Never
    /// fails: a file that cannot be made is reported by [`Recorder::finish`].
    pub fn create(path: &Path, law: Law) -> Recorder {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let opened = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|e| e.to_string())
            .and_then(|()| hound::WavWriter::create(path, spec).map_err(|e| e.to_string()));
        let (writer, error) = match opened {
            Ok(w) => (Some(w), None),
            Err(e) => (None, Some(format!("cannot create {}: {e}", path.display()))),
        };
        Recorder {
            path: path.to_path_buf(),
            law,
            writer,
            error,
            origin: None,
            written: 0,
        }
    }

    /// Adds one audio packet's payload (G.711 bytes, one sample each) at RTP `timestamp`.
    pub fn on_packet(&mut self, timestamp: u32, payload: &[u8]) {
        if self.writer.is_none() || payload.is_empty() {
            return;
        }
        let origin = *self.origin.get_or_insert(timestamp);
        let mut at = u64::from(timestamp.wrapping_sub(origin));
        if at > self.written + MAX_GAP {
            // A restart (or a packet from before the first, wrapped): continue from here.
            self.origin = Some(timestamp.wrapping_sub(self.written as u32));
            at = self.written;
        }
        let skip = self.written.saturating_sub(at) as usize;
        if skip >= payload.len() {
            return; // late or duplicate: already written
        }
        let silence = at.saturating_sub(self.written);
        let law = self.law;
        let samples = (0..silence)
            .map(|_| 0i16)
            .chain(payload[skip..].iter().map(move |&b| law.decode(b)));
        let result = self.write(samples);
        if let Err(e) = result {
            self.fail(e);
        }
    }

    fn write(&mut self, samples: impl Iterator<Item = i16>) -> Result<(), String> {
        let Some(w) = self.writer.as_mut() else {
            return Ok(());
        };
        for s in samples {
            w.write_sample(s).map_err(|e| e.to_string())?;
            self.written += 1;
        }
        Ok(())
    }

    fn fail(&mut self, e: String) {
        self.error = Some(format!("writing {}: {e}", self.path.display()));
        // Finalise what was written so far; a second error changes nothing.
        if let Some(w) = self.writer.take() {
            let _ = w.finalize();
        }
    }

    /// Closes the file (its header then holds the length) and says how it went.
    pub fn finish(mut self) -> RecordingOutcome {
        if let Some(w) = self.writer.take()
            && let Err(e) = w.finalize()
        {
            self.error = Some(format!("writing {}: {e}", self.path.display()));
        }
        RecordingOutcome {
            path: self.path,
            error: self.error,
            samples: self.written,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(path: &Path) -> Vec<i16> {
        let mut r = hound::WavReader::open(path).unwrap();
        let spec = r.spec();
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (1, 8000, 16)
        );
        r.samples::<i16>().map(Result::unwrap).collect()
    }

    /// µ-law byte of a sample value, for readable payloads.
    fn ulaw(v: i16) -> u8 {
        Law::Ulaw.encode(v)
    }

    #[test]
    fn packets_are_placed_by_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/call.wav");
        let mut r = Recorder::create(&path, Law::Ulaw);
        let frame = |v: i16| vec![ulaw(v); 160];
        r.on_packet(1000, &frame(1000));
        r.on_packet(1320, &frame(3000)); // 1160 lost: 160 samples of silence
        r.on_packet(1160, &frame(2000)); // late: dropped
        r.on_packet(1320, &frame(3000)); // duplicate: dropped
        r.on_packet(1400, &frame(4000)); // overlaps by 80: only its last 80 kept
        let out = r.finish();
        assert_eq!(out.error, None);
        assert_eq!(out.samples, 160 * 3 + 80);
        let s = samples(&path);
        assert_eq!(s.len(), 560);
        let decoded = |v: i16| Law::Ulaw.decode(ulaw(v));
        assert!(s[..160].iter().all(|&x| x == decoded(1000)));
        assert!(s[160..320].iter().all(|&x| x == 0));
        assert!(s[320..480].iter().all(|&x| x == decoded(3000)));
        assert!(s[480..].iter().all(|&x| x == decoded(4000)));
    }

    #[test]
    fn a_jump_beyond_the_gap_bound_continues_without_minutes_of_silence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("call.wav");
        let mut r = Recorder::create(&path, Law::Alaw);
        r.on_packet(u32::MAX - 100, &[0xD5; 160]); // wraps around 2^32 on the next packet
        r.on_packet(59, &[0xD5; 160]);
        r.on_packet(59 + 8000 * 600, &[0xD5; 160]); // ten minutes later: a restart
        assert_eq!(r.finish().samples, 480);
    }

    #[test]
    fn an_unwritable_folder_is_reported_not_raised() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let path = blocker.join("call.wav"); // a folder that is a file
        let mut r = Recorder::create(&path, Law::Ulaw);
        r.on_packet(0, &[0xFF; 160]);
        let out = r.finish();
        assert_eq!(out.samples, 0);
        assert!(
            out.error.unwrap().contains("cannot create"),
            "names the problem"
        );
    }
}
