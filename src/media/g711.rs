//! G.711 µ-law and A-law, with the semantics of Sun's reference `g711.c` (the one sox, Asterisk
//! and most PBXes descend from).
//!
//! Inputs and outputs are 16-bit linear PCM. µ-law works on the top 14 bits, A-law on the top
//! 13 bits, exactly as the reference does (it shifts right first, so the encoders truncate
//! towards negative infinity rather than round). Independent encoders differ from this by one
//! code step on a few percent of inputs (notes/media.md); the tests allow that against sox and
//! check the decode tables against ITU-T G.711 values.
//!
//! Pure arithmetic: no allocation except in the slice helpers, no I/O.

/// The µ-law code for silence (linear 0).
pub const ULAW_SILENCE: u8 = 0xFF;
/// The A-law code for silence (linear 0 encodes to +8 -> 0xD5).
pub const ALAW_SILENCE: u8 = 0xD5;

const SEG_UEND: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
const SEG_AEND: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 8159;

/// The first segment whose end is at or above `value` (8 when none is).
const fn segment(value: i32, ends: &[i32; 8]) -> i32 {
    let mut seg = 0;
    while seg < 8 && value > ends[seg] {
        seg += 1;
    }
    seg as i32
}

/// Encodes one 16-bit linear sample to µ-law (the reference arithmetic; [`Law::encode`] uses
/// a table built from it).
pub const fn linear_to_ulaw(sample: i16) -> u8 {
    let mut pcm = (sample as i32) >> 2;
    let mask = if pcm < 0 {
        pcm = -pcm;
        0x7F
    } else {
        0xFF
    };
    if pcm > ULAW_CLIP {
        pcm = ULAW_CLIP;
    }
    pcm += ULAW_BIAS >> 2;
    let seg = segment(pcm, &SEG_UEND);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    (((seg << 4) | ((pcm >> (seg + 1)) & 0xF)) as u8) ^ mask
}

/// Decodes one µ-law code to 16-bit linear (range ±32124).
pub fn ulaw_to_linear(code: u8) -> i16 {
    let u = i32::from(!code);
    let t = (((u & 0x0F) << 3) + ULAW_BIAS) << ((u & 0x70) >> 4);
    (if u & 0x80 != 0 {
        ULAW_BIAS - t
    } else {
        t - ULAW_BIAS
    }) as i16
}

/// Encodes one 16-bit linear sample to A-law (the reference arithmetic; [`Law::encode`] uses
/// a table built from it).
pub const fn linear_to_alaw(sample: i16) -> u8 {
    let mut pcm = (sample as i32) >> 3;
    let mask = if pcm >= 0 {
        0xD5
    } else {
        pcm = -pcm - 1;
        0x55
    };
    let seg = segment(pcm, &SEG_AEND);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let quant = if seg < 2 { pcm >> 1 } else { pcm >> seg } & 0x0F;
    (((seg << 4) | quant) as u8) ^ mask
}

/// µ-law codes for every 14-bit input (`sample >> 2`, as an unsigned index): the encoder is a
/// table lookup on the hot path (it was 10% of a 1-hour conversion as arithmetic).
static ULAW_TABLE: [u8; 1 << 14] = {
    let mut table = [0u8; 1 << 14];
    let mut i = 0;
    while i < table.len() {
        // Index i holds the top 14 bits of the sample; the low 2 bits do not matter.
        table[i] = linear_to_ulaw(((i as u16) << 2) as i16);
        i += 1;
    }
    table
};

/// A-law codes for every 13-bit input (`sample >> 3`).
static ALAW_TABLE: [u8; 1 << 13] = {
    let mut table = [0u8; 1 << 13];
    let mut i = 0;
    while i < table.len() {
        table[i] = linear_to_alaw(((i as u16) << 3) as i16);
        i += 1;
    }
    table
};

/// Decodes one A-law code to 16-bit linear (range ±32256).
pub fn alaw_to_linear(code: u8) -> i16 {
    let a = i32::from(code ^ 0x55);
    let mut t = (a & 0x0F) << 4;
    let seg = (a & 0x70) >> 4;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => t = (t + 0x108) << (seg - 1),
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

/// The two G.711 laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    /// µ-law (PCMU, RTP payload type 0; North America, Japan).
    Ulaw,
    /// A-law (PCMA, RTP payload type 8; Europe, China, most of the world).
    Alaw,
}

impl Law {
    /// Encodes one sample.
    #[inline]
    pub fn encode(self, sample: i16) -> u8 {
        let bits = sample as u16;
        match self {
            Law::Ulaw => ULAW_TABLE[usize::from(bits >> 2)],
            Law::Alaw => ALAW_TABLE[usize::from(bits >> 3)],
        }
    }

    /// Decodes one code.
    pub fn decode(self, code: u8) -> i16 {
        match self {
            Law::Ulaw => ulaw_to_linear(code),
            Law::Alaw => alaw_to_linear(code),
        }
    }

    /// The code for silence, used to pad the last 20 ms frame of a prompt.
    pub fn silence(self) -> u8 {
        match self {
            Law::Ulaw => ULAW_SILENCE,
            Law::Alaw => ALAW_SILENCE,
        }
    }

    /// Encodes `samples`, appending to `out`.
    pub fn encode_into(self, samples: &[i16], out: &mut Vec<u8>) {
        out.extend(samples.iter().map(|&s| self.encode(s)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ITU-T G.711 Table 2 (µ-law): code -> decoded value in the 14-bit domain, times 4.
    #[test]
    fn ulaw_decode_matches_the_standard_at_known_points() {
        let points: [(u8, i16); 8] = [
            (0xFF, 0),
            (0x7F, 0), // negative zero
            (0xFE, 8),
            (0x80, 32124),
            (0x00, -32124),
            (0x8F, 16764),
            (0xEF, 132),
            (0xF0, 120),
        ];
        for (code, want) in points {
            assert_eq!(ulaw_to_linear(code), want, "µ-law {code:#04x}");
        }
    }

    /// ITU-T G.711 Table 1 (A-law): code (with even bits inverted on the wire) -> value, times 8.
    #[test]
    fn alaw_decode_matches_the_standard_at_known_points() {
        let points: [(u8, i16); 8] = [
            (0xD5, 8),
            (0x55, -8),
            (0xAA, 32256),
            (0x2A, -32256),
            (0xD4, 24),
            (0xDA, 248),
            (0xC5, 264),
            (0xA5, 16896),
        ];
        for (code, want) in points {
            assert_eq!(alaw_to_linear(code), want, "A-law {code:#04x}");
        }
        assert_eq!(alaw_to_linear(0xB5), 8448);
    }

    #[test]
    fn silence_encodes_to_the_silence_codes() {
        assert_eq!(linear_to_ulaw(0), ULAW_SILENCE);
        assert_eq!(linear_to_alaw(0), ALAW_SILENCE);
        assert_eq!(Law::Ulaw.silence(), 0xFF);
        assert_eq!(Law::Alaw.silence(), 0xD5);
    }

    #[test]
    fn every_code_survives_a_decode_encode_round_trip() {
        for code in 0..=255u8 {
            let back = linear_to_ulaw(ulaw_to_linear(code));
            // 0x7F is µ-law's negative zero: it decodes to 0, which encodes as positive zero.
            let want = if code == 0x7F { 0xFF } else { code };
            assert_eq!(back, want, "µ-law {code:#04x}");
            assert_eq!(
                linear_to_alaw(alaw_to_linear(code)),
                code,
                "A-law {code:#04x}"
            );
        }
    }

    #[test]
    fn tables_match_the_reference_arithmetic_for_every_16_bit_input() {
        for s in i16::MIN..=i16::MAX {
            assert_eq!(Law::Ulaw.encode(s), linear_to_ulaw(s), "µ-law {s}");
            assert_eq!(Law::Alaw.encode(s), linear_to_alaw(s), "A-law {s}");
        }
    }

    #[test]
    fn encoders_are_monotonic_over_every_16_bit_input() {
        let mut last = (i16::MIN, i16::MIN);
        for s in i16::MIN..=i16::MAX {
            let u = ulaw_to_linear(linear_to_ulaw(s));
            let a = alaw_to_linear(linear_to_alaw(s));
            assert!(u >= last.0 && a >= last.1, "not monotonic at {s}");
            // The error is at most one step of the top segment (1024 in 16-bit units).
            assert!(
                (i32::from(u) - i32::from(s)).abs() <= 1024,
                "µ-law error at {s}"
            );
            assert!(
                (i32::from(a) - i32::from(s)).abs() <= 1024,
                "A-law error at {s}"
            );
            last = (u, a);
        }
    }
}
