//! What a file is, before and around symphonia: magic bytes, a RIFF chunk walk, human codec
//! names, and the mapping of symphonia's errors to precise [`MediaError`]s.
//!
//! symphonia says "unsupported wave format" or "no suitable format reader"; users need "GSM
//! 6.10 (WAV format tag 0x0031)" or "it holds text: \"<html>...\"". This module reads only
//! the first bytes the decoder hands it: no I/O of its own.

use std::io;
use std::path::Path;

use symphonia::core::codecs::audio::AudioCodecId;
use symphonia::core::codecs::audio::well_known::*;
use symphonia::core::errors::Error as SymError;

use super::error::MediaError;

pub(crate) fn malformed(path: &Path, container: &'static str, e: SymError) -> MediaError {
    let reason = match e {
        SymError::DecodeError(r) | SymError::Unsupported(r) | SymError::LimitError(r) => r,
        SymError::ResetRequired => "the stream changes format mid-file",
        SymError::SeekError(_) => "seek failed",
        SymError::IoError(_) => "read error",
        _ => "unrecognised error",
    };
    MediaError::Malformed {
        path: path.to_path_buf(),
        container,
        reason,
    }
}

/// Maps a probe failure to the most precise error the first bytes allow.
pub(crate) fn probe_error(
    path: &Path,
    head: &[u8],
    container: Option<&'static str>,
    e: SymError,
) -> MediaError {
    let path = path.to_path_buf();
    match (container, e) {
        (Some(container), SymError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
            MediaError::TruncatedHeader { path, container }
        }
        (Some("WAV"), SymError::Unsupported("wav: unsupported wave format")) => {
            let tag = riff_format_tag(head).unwrap_or(0);
            MediaError::UnsupportedCodec {
                path,
                container: "WAV",
                codec: wav_tag_name(tag),
            }
        }
        (Some(container), SymError::IoError(source)) if container != "MP3" => {
            MediaError::Read { path, source }
        }
        (Some(container), e) if container != "MP3" => malformed(&path, container, e),
        (_, SymError::IoError(e)) if e.kind() != io::ErrorKind::UnexpectedEof => {
            MediaError::Read { path, source: e }
        }
        _ => MediaError::UnknownFormat {
            hint: describe_head(head),
            path,
        },
    }
}

/// The container the magic bytes announce, if any.
pub(crate) fn container_from_magic(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"RIFF") {
        Some("WAV")
    } else if head.starts_with(b"OggS") {
        Some("Ogg")
    } else if head.starts_with(b"ID3") || (head.len() >= 2 && head[0] == 0xFF && head[1] >= 0xE0) {
        Some("MP3")
    } else {
        None
    }
}

/// A hint for a file no reader accepts: text files (an HTML error page saved as .mp3 is the
/// classic) are quoted.
fn describe_head(head: &[u8]) -> String {
    let sample = &head[..head.len().min(24)];
    let texty = sample
        .iter()
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if texty {
        let text = String::from_utf8_lossy(sample);
        format!(" (it holds text: {:?})", text.trim_end())
    } else {
        let hex: Vec<String> = head.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!(" (it starts with bytes {})", hex.join(" "))
    }
}

/// Walks the RIFF chunks in `head` and returns the body of the first chunk named `id`.
fn riff_chunk<'a>(head: &'a [u8], id: &[u8; 4]) -> Option<(u32, &'a [u8])> {
    let mut pos = 12;
    while pos + 8 <= head.len() {
        let size = u32::from_le_bytes(head[pos + 4..pos + 8].try_into().ok()?);
        if &head[pos..pos + 4] == id {
            let body = &head[pos + 8..head.len().min(pos + 8 + size as usize)];
            return Some((size, body));
        }
        pos += 8 + size as usize + (size as usize & 1);
    }
    None
}

fn riff_format_tag(head: &[u8]) -> Option<u16> {
    let (_, body) = riff_chunk(head, b"fmt ")?;
    Some(u16::from_le_bytes(body.get(..2)?.try_into().ok()?))
}

pub(crate) fn riff_data_size(head: &[u8]) -> Option<u32> {
    riff_chunk(head, b"data").map(|(size, _)| size)
}

fn wav_tag_name(tag: u16) -> String {
    let name = match tag {
        0x0031 => "GSM 6.10",
        0x0040 | 0x0064 | 0x0065 => "G.721/G.726 ADPCM",
        0x0045 => "G.726 ADPCM",
        0x0050 | 0x0055 => "MPEG audio",
        0x0161 | 0x0162 => "WMA",
        0x028F => "G.722",
        0x1610 | 0x00FF => "AAC",
        0x6750..=0x6771 => "Vorbis",
        0x0000 => "unknown",
        _ => "",
    };
    if name.is_empty() {
        format!("WAV format tag {tag:#06x}")
    } else {
        format!("{name} (WAV format tag {tag:#06x})")
    }
}

/// Bits per sample that a codec implies when the header's field is not carried over.
pub(crate) fn implied_bits(id: AudioCodecId) -> Option<u32> {
    match id {
        CODEC_ID_PCM_MULAW | CODEC_ID_PCM_ALAW => Some(8),
        CODEC_ID_PCM_F32LE | CODEC_ID_PCM_F32BE => Some(32),
        CODEC_ID_PCM_F64LE | CODEC_ID_PCM_F64BE => Some(64),
        CODEC_ID_ADPCM_MS | CODEC_ID_ADPCM_IMA_WAV => Some(4),
        _ => None,
    }
}

/// A human name for a symphonia codec id.
pub(crate) fn codec_name(id: AudioCodecId) -> String {
    let name = match id {
        CODEC_ID_PCM_U8 | CODEC_ID_PCM_S8 => "PCM 8-bit",
        CODEC_ID_PCM_S16LE | CODEC_ID_PCM_S16BE => "PCM 16-bit",
        CODEC_ID_PCM_S24LE | CODEC_ID_PCM_S24BE => "PCM 24-bit",
        CODEC_ID_PCM_S32LE | CODEC_ID_PCM_S32BE => "PCM 32-bit",
        CODEC_ID_PCM_F32LE | CODEC_ID_PCM_F32BE => "PCM float 32-bit",
        CODEC_ID_PCM_F64LE | CODEC_ID_PCM_F64BE => "PCM float 64-bit",
        CODEC_ID_PCM_MULAW => "G.711 mu-law",
        CODEC_ID_PCM_ALAW => "G.711 A-law",
        CODEC_ID_ADPCM_MS => "Microsoft ADPCM",
        CODEC_ID_ADPCM_IMA_WAV => "IMA ADPCM",
        CODEC_ID_MP1 => "MP1",
        CODEC_ID_MP2 => "MP2",
        CODEC_ID_MP3 => "MP3",
        CODEC_ID_VORBIS => "Vorbis",
        CODEC_ID_OPUS => "Opus",
        CODEC_ID_SPEEX => "Speex",
        CODEC_ID_FLAC => "FLAC",
        CODEC_ID_AAC => "AAC",
        other => return format!("codec {other}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_quoted_and_binary_is_shown_in_hex() {
        assert_eq!(
            describe_head(b"<html>oops</html>\n"),
            " (it holds text: \"<html>oops</html>\")"
        );
        assert_eq!(
            describe_head(&[0, 1, 2, 3, 4]),
            " (it starts with bytes 00 01 02 03)"
        );
    }

    #[test]
    fn riff_walk_finds_the_format_tag_and_data_size() {
        let mut wav = b"RIFF\0\0\0\0WAVE".to_vec();
        wav.extend(b"LIST\x03\0\0\0abc\0"); // odd size: padded
        wav.extend(b"fmt \x10\0\0\0\x31\0\x01\0");
        wav.extend([0u8; 12]);
        wav.extend(b"data\xff\xff\xff\xff");
        assert_eq!(riff_format_tag(&wav), Some(0x31));
        assert_eq!(riff_data_size(&wav), Some(u32::MAX));
        assert_eq!(wav_tag_name(0x31), "GSM 6.10 (WAV format tag 0x0031)");
    }
}
