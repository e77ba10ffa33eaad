//! SDP for G.711 calls: build our offer (or answer) and read the other side's.
//!
//! We only ever speak one audio stream of G.711 (PCMU/PCMA) plus RFC 4733 telephone-event.
//! Reading is tolerant of what carriers send (extra attributes, video lines, CRLF or LF) and
//! strict on what we need: an address, an audio port that is not 0, one codec we offered.
//! The telephone-event payload type is taken from the description read, never assumed 101
//! (notes/rsipstack.md trap 9).
//!
//! Must not: open sockets or pick ports (net/rtp.rs does), read the clock (the session id is
//! passed in).

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::campaign::Codec;

/// The payload type we offer for telephone-event (the answer's own is what we then use).
pub const OFFER_DTMF_PT: u8 = 101;

/// A codec's static RTP payload type (RFC 3551).
pub fn payload_type(codec: Codec) -> u8 {
    match codec {
        Codec::Pcmu => 0,
        Codec::Pcma => 8,
    }
}

/// The rtpmap encoding name of a codec.
pub fn encoding_name(codec: Codec) -> &'static str {
    match codec {
        Codec::Pcmu => "PCMU",
        Codec::Pcma => "PCMA",
    }
}

/// One side's audio description: what we render, and what we read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDescription {
    /// Where RTP goes (`c=`).
    pub addr: IpAddr,
    /// The audio port (`m=audio`).
    pub port: u16,
    /// Codecs in preference order (an answer lists the chosen one first).
    pub codecs: Vec<Codec>,
    /// telephone-event payload type, if any.
    pub dtmf_pt: Option<u8>,
    /// `o=` session id (stays the same for the whole call).
    pub session_id: u64,
    /// `o=` session version (incremented when the description changes).
    pub session_version: u64,
}

impl AudioDescription {
    /// Renders the description as SDP (CRLF line ends, RFC 4566).
    pub fn render(&self) -> String {
        let ip = match self.addr {
            IpAddr::V4(_) => "IP4",
            IpAddr::V6(_) => "IP6",
        };
        let mut pts: Vec<u8> = self.codecs.iter().map(|c| payload_type(*c)).collect();
        pts.extend(self.dtmf_pt);
        let fmts: Vec<String> = pts.iter().map(u8::to_string).collect();
        let mut s = String::new();
        let (id, ver, addr) = (self.session_id, self.session_version, self.addr);
        let _ = write!(
            s,
            "v=0\r\no=dialer {id} {ver} IN {ip} {addr}\r\ns=dialer\r\n"
        );
        let _ = write!(s, "c=IN {ip} {addr}\r\nt=0 0\r\n");
        let _ = write!(s, "m=audio {} RTP/AVP {}\r\n", self.port, fmts.join(" "));
        for codec in &self.codecs {
            let (pt, name) = (payload_type(*codec), encoding_name(*codec));
            let _ = write!(s, "a=rtpmap:{pt} {name}/8000\r\n");
        }
        if let Some(pt) = self.dtmf_pt {
            let _ = write!(
                s,
                "a=rtpmap:{pt} telephone-event/8000\r\na=fmtp:{pt} 0-16\r\n"
            );
        }
        s.push_str("a=ptime:20\r\na=sendrecv\r\n");
        s
    }
}

/// What the two sides agreed on, read from the other side's description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegotiatedMedia {
    /// Where to send RTP.
    pub remote: std::net::SocketAddr,
    /// The codec: the first payload of the remote `m=audio` line that we offered.
    pub codec: Codec,
    /// Its payload type as the remote side numbered it.
    pub payload_type: u8,
    /// The remote side's telephone-event payload type, if it has one.
    pub dtmf_pt: Option<u8>,
}

/// Why a description cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// The body is not UTF-8 text.
    #[error("SDP is not UTF-8 text")]
    NotText,
    /// No `c=` line at session or audio level.
    #[error("SDP has no connection line (c=IN IP4 <address>)")]
    NoConnection,
    /// A `c=` or `m=` line that does not parse.
    #[error("SDP line {line}: cannot read `{text}`")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// The line as received.
        text: String,
    },
    /// No `m=audio` line.
    #[error("SDP has no audio stream (m=audio)")]
    NoAudio,
    /// `m=audio 0`: the stream was refused.
    #[error("SDP refused the audio stream (port 0)")]
    AudioRefused,
    /// None of the listed payloads is a codec we offered.
    #[error("SDP lists no codec we offered (offered {offered}; got payloads `{payloads}`)")]
    NoCommonCodec {
        /// What we offered, e.g. `PCMU, PCMA`.
        offered: String,
        /// The payload types listed on `m=audio`.
        payloads: String,
    },
}

/// Reads the other side's description and picks the codec among `acceptable`.
pub fn negotiate(body: &[u8], acceptable: &[Codec]) -> Result<NegotiatedMedia, SdpError> {
    let text = std::str::from_utf8(body).map_err(|_| SdpError::NotText)?;
    let mut session_addr = None;
    let mut audio: Option<(u16, Vec<u8>, Option<IpAddr>)> = None;
    let mut in_audio = false;
    let mut rtpmap: Vec<(u8, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let bad = || SdpError::BadLine {
            line: i + 1,
            text: line.to_string(),
        };
        if let Some(rest) = line.strip_prefix("m=") {
            in_audio = audio.is_none() && rest.starts_with("audio ");
            if in_audio {
                let mut parts = rest.split_whitespace().skip(1);
                let port = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
                let fmts = parts.skip(1).filter_map(|p| p.parse().ok()).collect();
                audio = Some((port, fmts, None));
            }
        } else if let Some(rest) = line.strip_prefix("c=") {
            let addr = parse_connection(rest).ok_or_else(bad)?;
            match (&mut audio, in_audio) {
                (Some((_, _, media_addr)), true) => *media_addr = Some(addr),
                (None, _) => session_addr = Some(addr),
                _ => {}
            }
        } else if let Some(rest) = line.strip_prefix("a=rtpmap:")
            && (in_audio || audio.is_none())
            && let Some((pt, enc)) = rest.split_once(' ')
            && let Ok(pt) = pt.trim().parse()
        {
            rtpmap.push((pt, enc.trim().to_ascii_lowercase()));
        }
    }
    let (port, fmts, media_addr) = audio.ok_or(SdpError::NoAudio)?;
    if port == 0 {
        return Err(SdpError::AudioRefused);
    }
    let addr = media_addr.or(session_addr).ok_or(SdpError::NoConnection)?;
    let encoding = |pt: u8| {
        rtpmap
            .iter()
            .find(|(p, _)| *p == pt)
            .map(|(_, e)| e.as_str())
    };
    let codec_of = |pt: u8| match (encoding(pt), pt) {
        (Some(e), _) if e.starts_with("pcmu/8000") => Some(Codec::Pcmu),
        (Some(e), _) if e.starts_with("pcma/8000") => Some(Codec::Pcma),
        (None, 0) => Some(Codec::Pcmu),
        (None, 8) => Some(Codec::Pcma),
        _ => None,
    };
    let chosen = fmts.iter().find_map(|pt| {
        codec_of(*pt)
            .filter(|c| acceptable.contains(c))
            .map(|c| (c, *pt))
    });
    let Some((codec, payload_type)) = chosen else {
        let offered: Vec<&str> = acceptable.iter().map(|c| encoding_name(*c)).collect();
        let payloads: Vec<String> = fmts.iter().map(u8::to_string).collect();
        return Err(SdpError::NoCommonCodec {
            offered: offered.join(", "),
            payloads: payloads.join(" "),
        });
    };
    let dtmf_pt = fmts
        .iter()
        .copied()
        .find(|pt| encoding(*pt).is_some_and(|e| e.starts_with("telephone-event/8000")));
    Ok(NegotiatedMedia {
        remote: std::net::SocketAddr::new(addr, port),
        codec,
        payload_type,
        dtmf_pt,
    })
}

fn parse_connection(rest: &str) -> Option<IpAddr> {
    let mut parts = rest.split_whitespace();
    if parts.next()? != "IN" {
        return None;
    }
    let _ip_kind = parts.next()?;
    // Multicast descriptions carry `/ttl`: keep the address only.
    parts.next()?.split('/').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer() -> AudioDescription {
        AudioDescription {
            addr: "203.0.113.7".parse().unwrap(),
            port: 10_002,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
            dtmf_pt: Some(OFFER_DTMF_PT),
            session_id: 42,
            session_version: 1,
        }
    }

    #[test]
    fn offer_lists_codecs_in_order_plus_telephone_event() {
        let sdp = offer().render();
        assert!(
            sdp.contains("o=dialer 42 1 IN IP4 203.0.113.7\r\n"),
            "{sdp}"
        );
        assert!(sdp.contains("c=IN IP4 203.0.113.7\r\n"));
        assert!(sdp.contains("m=audio 10002 RTP/AVP 0 8 101\r\n"));
        assert!(sdp.contains("a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"));
        assert!(sdp.contains("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
        assert!(sdp.ends_with("a=sendrecv\r\n"));
    }

    #[test]
    fn our_offer_reads_back_as_itself() {
        let got = negotiate(offer().render().as_bytes(), &[Codec::Pcmu, Codec::Pcma]).unwrap();
        assert_eq!(got.remote, "203.0.113.7:10002".parse().unwrap());
        assert_eq!(
            (got.codec, got.payload_type, got.dtmf_pt),
            (Codec::Pcmu, 0, Some(101))
        );
    }

    #[test]
    fn answer_codec_and_dtmf_pt_come_from_the_answer() {
        let answer = "v=0\no=- 1 1 IN IP4 198.51.100.1\ns=-\nc=IN IP4 198.51.100.9\nt=0 0\n\
                      m=audio 40000 RTP/AVP 8 96\na=rtpmap:8 PCMA/8000\n\
                      a=rtpmap:96 telephone-event/8000\na=fmtp:96 0-15\n";
        let got = negotiate(answer.as_bytes(), &[Codec::Pcmu, Codec::Pcma]).unwrap();
        assert_eq!(got.remote, "198.51.100.9:40000".parse().unwrap());
        assert_eq!(
            (got.codec, got.payload_type, got.dtmf_pt),
            (Codec::Pcma, 8, Some(96))
        );
    }

    #[test]
    fn media_level_connection_wins_and_static_types_need_no_rtpmap() {
        let answer = "v=0\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\n\
                      c=IN IP4 10.0.0.5\r\nm=audio 6000 RTP/AVP 0\r\nc=IN IP4 10.0.0.2\r\n";
        let got = negotiate(answer.as_bytes(), &[Codec::Pcmu]).unwrap();
        assert_eq!(got.remote, "10.0.0.2:6000".parse().unwrap());
        assert_eq!(got.dtmf_pt, None);
    }

    #[test]
    fn refusals_are_typed_errors() {
        let no_common = "v=0\nc=IN IP4 10.0.0.1\nm=audio 6000 RTP/AVP 18\na=rtpmap:18 G729/8000\n";
        let err = negotiate(no_common.as_bytes(), &[Codec::Pcmu, Codec::Pcma]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "SDP lists no codec we offered (offered PCMU, PCMA; got payloads `18`)"
        );
        let pcma_only = "v=0\nc=IN IP4 10.0.0.1\nm=audio 6000 RTP/AVP 8\n";
        assert!(matches!(
            negotiate(pcma_only.as_bytes(), &[Codec::Pcmu]),
            Err(SdpError::NoCommonCodec { .. })
        ));
        let refused = "v=0\nc=IN IP4 10.0.0.1\nm=audio 0 RTP/AVP 0\n";
        assert_eq!(
            negotiate(refused.as_bytes(), &[Codec::Pcmu]),
            Err(SdpError::AudioRefused)
        );
        assert_eq!(negotiate(b"v=0\n", &[Codec::Pcmu]), Err(SdpError::NoAudio));
        let no_c = "v=0\nm=audio 6000 RTP/AVP 0\n";
        assert_eq!(
            negotiate(no_c.as_bytes(), &[Codec::Pcmu]),
            Err(SdpError::NoConnection)
        );
        let bad_c = "v=0\nc=IN IP4 not-an-ip\nm=audio 6000 RTP/AVP 0\n";
        assert!(matches!(
            negotiate(bad_c.as_bytes(), &[Codec::Pcmu]),
            Err(SdpError::BadLine { line: 2, .. })
        ));
        assert_eq!(
            negotiate(&[0xff, 0xfe], &[Codec::Pcmu]),
            Err(SdpError::NotText)
        );
    }
}
