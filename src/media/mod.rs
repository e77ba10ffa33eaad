//! Audio: decoding, resampling to 8 kHz, G.711, mixing. Pure functions over samples.

pub mod rtp_packet;
pub mod sdp;
