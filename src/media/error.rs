//! [`MediaError`]: everything that can go wrong reading, converting or writing audio.
//!
//! Every variant names the file it is about and says what would be valid, so that the CLI can
//! print it as is. [`MediaError::is_input_error`] tells the CLI which ones are the user's input
//! (exit 2) and which ones are the machine's (exit 1: a full disk, a permission error).

use std::io;
use std::path::PathBuf;

/// The codecs that [`crate::media`] can decode, for error messages.
pub const SUPPORTED_CODECS: &str = "PCM (8/16/24/32-bit integer, 32/64-bit float), \
     G.711 mu-law and A-law, IMA and Microsoft ADPCM in WAV; MP3";

/// An audio file could not be read, converted or written.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The input file does not exist.
    #[error("{path}: no such file")]
    NotFound {
        /// The missing file.
        path: PathBuf,
    },
    /// The input path is a directory (or another non-file).
    #[error("{path}: not a file; expected a WAV or MP3 file")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The input file exists but could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The input file has no bytes at all.
    #[error("{path}: the file is empty (0 bytes); expected a WAV or MP3 file")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is not in a container we know (WAV, MP3, Ogg).
    #[error("{path}: not a WAV, MP3 or Ogg audio file{hint}")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// Extra detail, e.g. " (it starts with text: \"<html>...\")", or empty.
        hint: String,
    },
    /// The file ends before its header does.
    #[error("{path}: truncated header: the file ends before the {container} header is complete")]
    TruncatedHeader {
        /// The file.
        path: PathBuf,
        /// "WAV", "MP3" or "Ogg".
        container: &'static str,
    },
    /// The header is present but inconsistent.
    #[error("{path}: malformed {container} file: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// "WAV", "MP3" or "Ogg".
        container: &'static str,
        /// What the demuxer or decoder found wrong.
        reason: &'static str,
    },
    /// The container is fine but its codec is one we do not decode.
    #[error("{path}: unsupported codec {codec} in {container}; supported: {SUPPORTED_CODECS}")]
    UnsupportedCodec {
        /// The file.
        path: PathBuf,
        /// "WAV", "MP3" or "Ogg".
        container: &'static str,
        /// The codec's name, e.g. "Opus" or "WAV format tag 0x0031".
        codec: String,
    },
    /// The WAV data chunk claims more bytes than the file holds. We refuse such a file rather
    /// than play a prompt that stops mid-word: re-export it.
    #[error(
        "{path}: truncated audio data: the WAV header declares {declared_frames} frames but \
         the file ends after {frames_read}; re-export the file (e.g. `sox IN.wav OUT.wav`)"
    )]
    TruncatedData {
        /// The file.
        path: PathBuf,
        /// Frames the header promised.
        declared_frames: u64,
        /// Frames that were actually there.
        frames_read: u64,
    },
    /// The file decodes to zero samples.
    #[error("{path}: no audio: the file decodes to 0 samples")]
    NoAudio {
        /// The file.
        path: PathBuf,
    },
    /// `--trim-silence` removed everything.
    #[error(
        "{path}: the audio is silent (every sample below {threshold_dbfs} dBFS): nothing left after trimming silence"
    )]
    AllSilent {
        /// The file.
        path: PathBuf,
        /// The silence threshold.
        threshold_dbfs: f64,
    },
    /// The audio has a sample rate or channel layout we cannot use.
    #[error("{path}: unusable audio stream: {problem}")]
    BadStream {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: StreamProblem,
    },
    /// A G.711 output was asked for at a rate other than 8000 Hz.
    #[error(
        "--rate {rate}: G.711 (pcmu, pcma) output is 8000 Hz only; use --codec pcm16 for other rates"
    )]
    G711Rate {
        /// The requested rate.
        rate: u32,
    },
    /// The output would not fit in a WAV file (4 GiB of data).
    #[error("{path}: the output would exceed the 4 GiB WAV limit")]
    TooLong {
        /// The output file.
        path: PathBuf,
    },
    /// The output's folder does not exist.
    #[error("{path}: the output folder {folder} does not exist")]
    OutputFolderMissing {
        /// The output file.
        path: PathBuf,
        /// Its missing folder.
        folder: PathBuf,
    },
    /// Writing the output failed (disk full, permissions...). No partial file is left behind.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The output file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Why a stream that decodes cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamProblem {
    /// The container holds no audio track.
    #[error("no audio track")]
    NoAudioTrack,
    /// The header gives no sample rate, or 0 Hz.
    #[error("the header gives no sample rate (0 Hz)")]
    NoSampleRate,
    /// The header gives 0 channels.
    #[error("the header gives 0 channels")]
    NoChannels,
    /// The rate changes part way (concatenated MP3s).
    #[error(
        "the sample rate changes mid-stream ({from} Hz -> {to} Hz); convert the parts separately"
    )]
    RateChange {
        /// The rate so far.
        from: u32,
        /// The new rate.
        to: u32,
    },
    /// The resampler refuses the pair of rates.
    #[error("cannot resample {from} Hz to {to} Hz")]
    Resample {
        /// The input rate.
        from: u32,
        /// The output rate.
        to: u32,
    },
}

impl MediaError {
    /// True when the error is about the user's input or options (exit 2: an unreadable input
    /// is the user's to fix too); false when writing the output failed (exit 1: a full disk,
    /// a read-only folder).
    pub fn is_input_error(&self) -> bool {
        !matches!(self, MediaError::Write { .. })
    }
}
