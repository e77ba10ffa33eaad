//! Audio: decoding, resampling to 8 kHz, G.711, mixing, levels, and the prompts calls play.
//!
//! # Layout
//! - [`decode`]: any WAV/MP3 -> interleaved `f32` blocks (symphonia).
//! - `sniff`: magic bytes, RIFF chunks, codec names: turning symphonia's errors into precise ones.
//! - [`resample`]: streaming rate conversion (rubato FFT, the settings notes/media.md measured).
//! - [`stream`]: decode + downmix + resample as one mono block stream.
//! - [`g711`]: µ-law and A-law (Sun g711.c semantics).
//! - [`wav`]: mono WAV writer, 16-bit PCM or G.711 with our own header.
//! - [`level`]: dBFS, peak/RMS/silence meter.
//! - [`convert`], [`mix`], [`info`]: the three `dialer audio` operations.
//! - [`prompt`]: [`Prompt`] payloads for calls, [`prompt_duration`] for the dry run.
//! - [`output`]: temp-file-and-rename, so no partial output is ever left.
//! - [`sdp`]: our SDP offer and the answer's codec, address and telephone-event type.
//! - [`dtmf`]: RFC 4733 key presses (each reported once) and SIP INFO DTMF bodies.
//! - [`record`]: the callee's audio of a call into an 8 kHz WAV, placed by RTP timestamp.
//! - [`rtp_packet`]: RTP pacing arithmetic and packet building (the sockets are `net/rtp.rs`).
//!
//! # Rules
//! - Streaming everywhere a file can be long: memory stays flat for an hour of audio.
//! - Pure apart from reading the files named and writing the output named: no sockets, no
//!   clock, no environment, no logging decisions (callers report).
//! - Errors are [`MediaError`] values that name the file and the reason.

pub mod convert;
pub mod decode;
pub mod dtmf;
pub mod error;
pub mod g711;
pub mod info;
pub mod level;
pub mod mix;
pub mod output;
pub mod prompt;
pub mod record;
pub mod resample;
pub mod rtp_packet;
pub mod sdp;
mod sniff;
pub mod stream;
pub mod wav;

pub use convert::{ConvertOptions, ConvertReport, convert};
pub use error::MediaError;
pub use g711::Law;
pub use info::{AudioInfo, inspect};
pub use mix::{MixOptions, MixReport, mix};
pub use prompt::{Prompt, load_prompt, prompt_duration};
pub use wav::Encoding;
