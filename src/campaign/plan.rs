//! The validated campaign: what every other module reads instead of raw YAML.
//!
//! A [`CampaignPlan`] is built once by [`crate::campaign::load`] from the campaign file and the
//! optional `--config` file. Invariants that hold for every plan (the loader rejects anything
//! else, naming the file, line and column):
//! - every path is absolute or relative to the working directory, already resolved against the
//!   file that named it;
//! - durations are positive, windows end after they start, pacing numbers are at least 1;
//! - every trunk URI parsed; secrets are resolved into [`Secret`] and never printed;
//! - IVR node references all exist and the start node is known.
//!
//! Must not: read the environment or files after loading, or hold raw strings that need parsing
//! again downstream.

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

/// A validated campaign, ready for `run` and `dry-run`.
#[derive(Debug, Clone)]
pub struct CampaignPlan {
    /// The campaign's name: the key of its records in the database.
    pub name: String,
    /// The campaign file this plan came from.
    pub source: PathBuf,
    /// Where the numbers come from and how to read them.
    pub numbers: NumbersSpec,
    /// The caller ID put in From (E.164 or as written), if any.
    pub caller_id: Option<String>,
    /// Calling windows.
    pub schedule: Schedule,
    /// Batches, concurrency and calls per second.
    pub pacing: Pacing,
    /// Per-call timers and codecs.
    pub call: CallSettings,
    /// What an answered callee hears.
    pub audio: Audio,
    /// Where answered calls are recorded, if they are (`record:`).
    pub record: Option<super::record::RecordPlan>,
    /// How often each outcome class is retried, and after what delay.
    pub retry: RetryPolicy,
    /// Per-number limits across every campaign in the same database.
    pub limits: Vec<NumberLimit>,
    /// Do-not-call files (the database's own list is always used as well).
    pub dnc: DncSpec,
    /// Carrier gateways in order of preference.
    pub trunks: Vec<Trunk>,
    /// Local SIP and RTP settings.
    pub sip: SipSettings,
    /// The database path named by the campaign or config file, if any (`--db` wins over it).
    pub database: Option<PathBuf>,
}

/// Where the numbers come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumbersSource {
    /// A CSV file (already resolved relative to the campaign file).
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

/// Which CSV column holds the number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// The first column (the default).
    First,
    /// A header name, matched after trimming and case-insensitively.
    Name(String),
    /// A 1-based column index.
    Index(usize),
}

/// The `numbers:` block.
#[derive(Debug, Clone)]
pub struct NumbersSpec {
    /// The file or stdin.
    pub source: NumbersSource,
    /// The column holding the number.
    pub column: ColumnRef,
    /// ISO 3166-1 alpha-2 region (upper case) for numbers written without a country code.
    pub default_region: Option<String>,
}

/// One calling window: on these days, from `start` to `end` local time (end exclusive).
///
/// An `end` written `24:00` (midnight at the end of the day, as in `00:00-24:00`) is stored as
/// [`Time::MAX`] (23:59:59.999999999), the last instant of the day: use [`Window::contains`]
/// rather than comparing with `end` directly, so that instant counts as inside too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The weekdays the window applies to.
    pub days: Vec<Weekday>,
    /// Local start time.
    pub start: Time,
    /// Local end time, after `start`; [`Time::MAX`] means `24:00`.
    pub end: Time,
}

impl Window {
    /// Whether the window ends at midnight at the end of its day (`end: "24:00"`).
    pub fn ends_at_midnight(&self) -> bool {
        self.end == Time::MAX
    }

    /// Whether local time `time` on `day` is inside the window (`start` inclusive, `end`
    /// exclusive, `24:00` covering the rest of the day).
    pub fn contains(&self, day: Weekday, time: Time) -> bool {
        self.days.contains(&day)
            && time >= self.start
            && (time < self.end || self.ends_at_midnight())
    }
}

/// The `schedule:` block.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The IANA name of the campaign's zone (for display).
    pub timezone_name: String,
    /// The campaign's zone: used for numbers with no zone of their own.
    pub timezone: TimeZone,
    /// Calling windows; at least one.
    pub windows: Vec<Window>,
    /// Dates (in the callee's zone) when nobody is called.
    pub holidays: Vec<Date>,
}

/// The `pacing:` block. All values are at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Numbers claimed per batch.
    pub batch_size: u32,
    /// Calls in progress at once, all trunks together.
    pub max_concurrent: u32,
    /// New calls per second, evenly spaced.
    pub max_cps: u32,
}

/// A G.711 codec we can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 µ-law, static payload type 0.
    Pcmu,
    /// G.711 A-law, static payload type 8.
    Pcma,
}

/// The `call:` block.
#[derive(Debug, Clone)]
pub struct CallSettings {
    /// Ring time before CANCEL (then NO_ANSWER).
    pub ring_timeout: Duration,
    /// Longest answered call before we send BYE.
    pub max_duration: Duration,
    /// Codecs offered, in order; never empty.
    pub codecs: Vec<Codec>,
}

/// What an answered callee hears.
#[derive(Debug, Clone)]
pub enum Audio {
    /// Nothing configured: answer, then hang up at once.
    Silent,
    /// Play one prompt, then hang up.
    Prompt(PathBuf),
    /// An IVR menu.
    Ivr(IvrPlan),
}

/// A validated IVR menu.
#[derive(Debug, Clone)]
pub struct IvrPlan {
    /// The node the call starts in; a key of `nodes`.
    pub start: String,
    /// Nodes by name, in file order.
    pub nodes: Vec<(String, IvrNode)>,
}

/// One IVR node.
#[derive(Debug, Clone, PartialEq)]
pub struct IvrNode {
    /// The prompt played on entering the node.
    pub play: Option<PathBuf>,
    /// Digits to collect after (or during) the prompt.
    pub collect: Option<Collect>,
    /// Where each digit, `timeout` or `default` leads: (key, target node).
    pub routes: Vec<(String, String)>,
    /// A label stored on the attempt when the call reaches this node.
    pub result: Option<String>,
    /// Reaching this node adds the number to the DNC list.
    pub dnc: bool,
    /// How many times one call may enter this node; entering it once more ends the call
    /// (a caller who keeps pressing wrong keys or nothing is not held forever).
    pub max_visits: u32,
}

/// Digit collection settings of an IVR node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collect {
    /// Digits to collect before routing.
    pub max_digits: u32,
    /// How long to wait for the first digit after the prompt ends.
    pub timeout: Duration,
    /// How long to wait for each further digit before routing what was collected.
    pub inter_digit_timeout: Duration,
    /// The key that ends collection early (not part of the collected digits), if any.
    pub terminator: Option<char>,
}

/// How one outcome class is retried. `max_attempts` includes the first call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryRule {
    /// Attempts in all, the first included; at least 1.
    pub max_attempts: u32,
    /// Delay before the next attempt.
    pub delay: Duration,
}

/// The `retry:` block, per outcome class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// After BUSY.
    pub busy: RetryRule,
    /// After NO_ANSWER.
    pub no_answer: RetryRule,
    /// After FAILED.
    pub failed: RetryRule,
}

/// At most `max_calls` attempts to one number in any sliding `per` window, across campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberLimit {
    /// Attempts allowed in the window.
    pub max_calls: u32,
    /// The window's length.
    pub per: Duration,
}

/// The `dnc:` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DncSpec {
    /// Files with one number a line (resolved paths).
    pub files: Vec<PathBuf>,
}

/// SIP transport of a trunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP (the default).
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
}

/// A secret (a SIP password). Its `Debug` prints a mask; it has no `Display` and no
/// `Serialize`, so it cannot reach a log line, a CDR or an export by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: call only where it is handed to the SIP stack.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One carrier gateway.
#[derive(Debug, Clone)]
pub struct Trunk {
    /// The trunk's name, as recorded on attempts.
    pub name: String,
    /// The gateway's SIP URI as written (`sip:host[:port][;params]`).
    pub uri: String,
    /// Host part of the URI.
    pub host: String,
    /// Port (5060 or 5061 for TLS when absent).
    pub port: u16,
    /// Transport.
    pub transport: Transport,
    /// Digest user name, if the carrier challenges.
    pub username: Option<String>,
    /// Digest password, resolved from `password_env` or `password_file`.
    pub password: Option<Secret>,
    /// Where the password came from, for display (`env CARRIER_A_PASSWORD`, `file …`).
    pub password_source: Option<String>,
    /// This trunk's own concurrency limit.
    pub max_concurrent: Option<u32>,
    /// This trunk's own calls-per-second limit.
    pub max_cps: Option<u32>,
    /// PEM file of the CA(s) to trust for this TLS trunk instead of the system's roots.
    pub tls_ca: Option<PathBuf>,
}

/// The `sip:` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipSettings {
    /// Local SIP address; port 0 picks a free one.
    pub bind: SocketAddr,
    /// What Via, Contact and SDP advertise (behind NAT).
    pub public_addr: Option<IpAddr>,
    /// RTP port range, inclusive.
    pub rtp_ports: RangeInclusive<u16>,
}

impl Default for SipSettings {
    fn default() -> Self {
        SipSettings {
            bind: SocketAddr::from(([0, 0, 0, 0], 5060)),
            public_addr: None,
            rtp_ports: 10000..=20000,
        }
    }
}
