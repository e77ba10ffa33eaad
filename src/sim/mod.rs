//! The carrier simulator's decisions (`dialer sim`), sans IO: what to do with each INVITE and
//! what was seen. The rsipstack side lives in `net::sip::uas` and only executes [`Decision`]s.
//!
//! Outcomes come from the called number's last four digits when they name a SIP code
//! (`…0486` -> 486 Busy Here, `…0487` -> ring until CANCEL, `…0401` -> digest challenge,
//! `…0200` -> answer), else from a weighted mix drawn from a seeded generator, so a run with
//! the same `--seed` and the same INVITE order makes the same decisions. Above `capacity`
//! concurrent calls every INVITE gets 503.
//!
//! Must not: open sockets, sleep or read the clock (`now` is passed in).

pub mod arrivals;
mod stats;

use std::time::{Duration, Instant};

pub use arrivals::Arrivals;
pub use stats::{LatenessReport, SimStats, StatsReport};

/// Relative weights of the outcomes drawn for numbers without a code suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    /// Answer after ringing.
    pub answer: u32,
    /// 486 Busy Here.
    pub busy: u32,
    /// Ring until the caller gives up (CANCEL).
    pub no_answer: u32,
    /// 503 Service Unavailable.
    pub fail: u32,
    /// 603 Decline.
    pub reject: u32,
    /// 404 Not Found.
    pub invalid: u32,
}

impl Mix {
    fn total(&self) -> u64 {
        [
            self.answer,
            self.busy,
            self.no_answer,
            self.fail,
            self.reject,
            self.invalid,
        ]
        .iter()
        .map(|w| u64::from(*w))
        .sum()
    }
}

/// An inclusive range of durations (`--ring 1s-3s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationRange {
    /// Shortest.
    pub min: Duration,
    /// Longest (at least `min`).
    pub max: Duration,
}

/// The simulator's settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Outcome weights.
    pub mix: Mix,
    /// Seed of the generator.
    pub seed: u64,
    /// Ring time before an answer or a late final response.
    pub ring: DurationRange,
    /// Talk time of answered calls before the simulator hangs up.
    pub talk: DurationRange,
    /// Concurrent calls above which INVITEs get 503.
    pub capacity: Option<u32>,
    /// Digest credentials are demanded from every INVITE.
    pub demand_auth: bool,
    /// Keys answered callees press (RFC 4733), by the end of the called number: the first
    /// rule whose suffix matches wins; an empty suffix matches every number.
    pub keys: Vec<KeyRule>,
    /// When the first key is pressed after the answer.
    pub key_delay: Duration,
}

/// Keys pressed by callees whose number ends with `suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRule {
    /// The end of the called number (`""`: every number).
    pub suffix: String,
    /// The keys, in order (`""`: none).
    pub keys: String,
}

/// Time between two key presses of one callee: long enough for the menu to move to the next
/// node and start its prompt, so the next key also shows barge-in.
pub const KEY_GAP: Duration = Duration::from_millis(1500);

/// What to do with one INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Ring for `ring`, answer, hang up after `talk` (unless the caller does first).
    Answer {
        /// Ring time.
        ring: Duration,
        /// Talk time.
        talk: Duration,
    },
    /// Ring for `ring` (zero: no 180 at all), then this final response.
    Reject {
        /// Ring time.
        ring: Duration,
        /// The final status code.
        code: u16,
    },
    /// Ring until the caller cancels.
    RingUntilCancel,
    /// Answer 401 with a digest challenge.
    Challenge,
}

/// A small seeded generator (SplitMix64): deterministic, no dependency.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn within(&mut self, range: DurationRange) -> Duration {
        let span = range.max.saturating_sub(range.min).as_millis() as u64;
        range.min + Duration::from_millis(self.below(span + 1))
    }
}

/// The simulator: decisions plus what it saw.
#[derive(Debug)]
pub struct Simulator {
    config: SimConfig,
    rng: SplitMix64,
    active: u32,
    stats: SimStats,
}

impl Simulator {
    /// A simulator with `config`.
    pub fn new(config: SimConfig) -> Self {
        let rng = SplitMix64(config.seed);
        Simulator {
            config,
            rng,
            active: 0,
            stats: SimStats::default(),
        }
    }

    /// When callees press their first key after answering.
    pub fn key_delay(&self) -> Duration {
        self.config.key_delay
    }

    /// The keys the callee at `number` presses after answering (empty: none).
    pub fn keys_for(&self, number: &str) -> &str {
        self.config
            .keys
            .iter()
            .find(|rule| number.ends_with(&rule.suffix))
            .map_or("", |rule| rule.keys.as_str())
    }

    /// Decides what to do with an INVITE to `number` arriving at `now`. `authorized` tells
    /// whether it carried valid credentials (ignored unless credentials are demanded). Every
    /// decision other than `Challenge` opens a call that must be closed with [`Self::on_end`].
    pub fn on_invite(&mut self, now: Instant, number: &str, authorized: bool) -> Decision {
        self.stats.on_invite(now);
        let by_digits = code_suffix(number);
        if (self.config.demand_auth && !authorized) || by_digits == Some(401) {
            self.stats.count_code(401);
            return Decision::Challenge;
        }
        self.active += 1;
        self.stats.on_concurrent(self.active);
        if self.config.capacity.is_some_and(|cap| self.active > cap) {
            return Decision::Reject {
                ring: Duration::ZERO,
                code: 503,
            };
        }
        let ring = self.rng.within(self.config.ring);
        match by_digits {
            Some(200) => self.answer(ring),
            Some(487) => Decision::RingUntilCancel,
            Some(code) => Decision::Reject { ring, code },
            None => self.draw(ring),
        }
    }

    fn answer(&mut self, ring: Duration) -> Decision {
        let talk = self.rng.within(self.config.talk);
        Decision::Answer { ring, talk }
    }

    fn draw(&mut self, ring: Duration) -> Decision {
        let m = self.config.mix;
        let mut pick = self.rng.below(m.total());
        let weights = [
            (m.answer, None),
            (m.busy, Some(486)),
            (m.no_answer, Some(487)),
            (m.fail, Some(503)),
            (m.reject, Some(603)),
            (m.invalid, Some(404)),
        ];
        for (weight, code) in weights {
            if pick < u64::from(weight) {
                return match code {
                    None => self.answer(ring),
                    Some(487) => Decision::RingUntilCancel,
                    Some(code) => Decision::Reject { ring, code },
                };
            }
            pick -= u64::from(weight);
        }
        self.answer(ring)
    }

    /// Closes a call opened by `on_invite`: its final code and the RTP packets received.
    pub fn on_end(&mut self, code: u16, rtp: &Arrivals) {
        self.active = self.active.saturating_sub(1);
        self.stats.count_code(code);
        self.stats.on_call_end(rtp);
    }

    /// Calls in progress.
    pub fn active(&self) -> u32 {
        self.active
    }

    /// What was seen so far.
    pub fn report(&self) -> StatsReport {
        self.stats.report()
    }
}

/// The SIP code named by the last four digits (`…0486` -> 486), if they name one.
pub fn code_suffix(number: &str) -> Option<u16> {
    let digits: Vec<u8> = number.bytes().filter(u8::is_ascii_digit).collect();
    let tail = digits.get(digits.len().checked_sub(4)?..)?;
    if tail[0] != b'0' {
        return None;
    }
    let code = tail[1..]
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    (200..=699).contains(&code).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mix: Mix) -> SimConfig {
        SimConfig {
            mix,
            seed: 7,
            ring: DurationRange {
                min: Duration::from_millis(100),
                max: Duration::from_millis(300),
            },
            talk: DurationRange {
                min: Duration::from_secs(1),
                max: Duration::from_secs(1),
            },
            capacity: None,
            demand_auth: false,
            keys: Vec::new(),
            key_delay: Duration::ZERO,
        }
    }

    const ALL_ANSWER: Mix = Mix {
        answer: 1,
        busy: 0,
        no_answer: 0,
        fail: 0,
        reject: 0,
        invalid: 0,
    };

    #[test]
    fn last_digits_name_the_outcome() {
        assert_eq!(code_suffix("+8613800000486"), Some(486));
        assert_eq!(code_suffix("+86 138 0000 0404"), Some(404));
        assert_eq!(code_suffix("+8613800001486"), None);
        assert_eq!(code_suffix("+8613800000123"), None);
        assert_eq!(code_suffix("486"), None);
        let now = crate::net::clock::instant();
        let mut sim = Simulator::new(config(ALL_ANSWER));
        let d = sim.on_invite(now, "+8613800000486", false);
        assert!(
            matches!(d, Decision::Reject { code: 486, ring } if ring >= Duration::from_millis(100))
        );
        assert_eq!(
            sim.on_invite(now, "+8613800000487", false),
            Decision::RingUntilCancel
        );
        assert_eq!(
            sim.on_invite(now, "+8613800000401", true),
            Decision::Challenge
        );
        let d = sim.on_invite(now, "+8613800000200", false);
        assert!(matches!(d, Decision::Answer { talk, .. } if talk == Duration::from_secs(1)));
    }

    #[test]
    fn weighted_mix_is_seeded_and_roughly_proportional() {
        let mix = Mix {
            answer: 70,
            busy: 10,
            no_answer: 10,
            fail: 10,
            reject: 0,
            invalid: 0,
        };
        let now = crate::net::clock::instant();
        let run = |seed| {
            let mut sim = Simulator::new(SimConfig {
                seed,
                ..config(mix)
            });
            (0..1000)
                .map(|_| sim.on_invite(now, "+8613800001234", false))
                .collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a, run(1), "same seed, same decisions");
        assert_ne!(a, run(2));
        let answered = a
            .iter()
            .filter(|d| matches!(d, Decision::Answer { .. }))
            .count();
        let busy = a
            .iter()
            .filter(|d| matches!(d, Decision::Reject { code: 486, .. }))
            .count();
        let rejected_603 = a
            .iter()
            .filter(|d| matches!(d, Decision::Reject { code: 603, .. }))
            .count();
        assert!((640..760).contains(&answered), "{answered}");
        assert!((60..140).contains(&busy), "{busy}");
        assert_eq!(rejected_603, 0);
    }

    #[test]
    fn capacity_and_auth() {
        let now = crate::net::clock::instant();
        let mut sim = Simulator::new(SimConfig {
            capacity: Some(1),
            demand_auth: true,
            ..config(ALL_ANSWER)
        });
        assert_eq!(
            sim.on_invite(now, "+8613800001234", false),
            Decision::Challenge
        );
        assert_eq!(sim.active(), 0, "a challenge opens no call");
        assert!(matches!(
            sim.on_invite(now, "+8613800001234", true),
            Decision::Answer { .. }
        ));
        let over = sim.on_invite(now, "+8613800001234", true);
        assert_eq!(
            over,
            Decision::Reject {
                ring: Duration::ZERO,
                code: 503
            }
        );
        sim.on_end(503, &Arrivals::default());
        let mut fifty = Arrivals::default();
        let t0 = crate::net::clock::instant();
        for i in 0..50u16 {
            fifty.on_packet(t0 + Duration::from_millis(20 * u64::from(i)), i);
        }
        sim.on_end(200, &fifty);
        assert_eq!(sim.active(), 0);
        let r = sim.report();
        assert_eq!(
            (r.calls, r.max_concurrent, r.max_invites_per_second),
            (2, 2, 3)
        );
        assert_eq!(r.rtp_packets_per_call, vec![0, 50]);
    }
}
