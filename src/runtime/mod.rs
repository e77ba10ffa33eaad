//! The run loop: drives `schedule/` and `call/` with `net/` and `store/` (ARCHITECTURE.md
//! "The run loop").
//!
//! One tokio task owns everything mutable: the store, the [`Dispatcher`], the queue of claimed
//! numbers and the live [`crate::call::Call`]s. Each turn it claims a batch when the queue is
//! empty (judging every number with [`crate::schedule::policy::Policy`] at that moment),
//! starts the calls the dispatcher admits, then waits on the first of: a SIP event, a media
//! event, the earliest call timer or pacing slot, the next due time, shutdown, the runtime
//! limit. Every input is stamped with [`crate::net::clock`] and fed to the call core; its
//! outputs go to SIP, RTP and the store. RTP pacing runs per call in its own task
//! ([`crate::net::rtp::MediaSession`]).
//!
//! Invariants:
//! - An attempt row is written before its INVITE leaves; the attempt and its number's new
//!   state are written together when the call ends (`finish_attempt`).
//! - On shutdown no call starts; ringing calls are CANCELled, connected ones get BYE, and
//!   their rows are finished before [`run`] returns. Numbers claimed but not dialed go back
//!   to `pending`, due at once.
//! - One run per database and campaign: [`RunLock`] holds an OS lock on
//!   `<db>.<campaign>.lock` next to the database for the run's life (released by the kernel
//!   even after `kill -9`).
//! - Numbers in logs are masked (`+44207946****`) unless [`RunSettings::show_numbers`];
//!   passwords never reach a log line.
//!
//! Must not: decide policy (eligibility, pacing, retries and outcomes live in `schedule/`
//! and `call/`), or pick exit codes (the CLI maps [`RunEnd`]).

mod claim;
mod dialing;
mod engine;
mod live;
mod lock;
mod record;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub use lock::RunLock;
pub use record::mask;

use crate::campaign::{CampaignPlan, Trunk};
use crate::net::sip::{DigestCredential, SipTarget};
use crate::schedule::dispatch::{Dispatcher, TrunkLimits};

/// Where one trunk's calls go, resolved from the plan (or the in-process simulator).
#[derive(Debug, Clone)]
pub struct TrunkTarget {
    /// The trunk's name, recorded on every attempt.
    pub name: String,
    /// The gateway.
    pub target: SipTarget,
    /// Digest credentials, when the trunk has a user name and password.
    pub credential: Option<DigestCredential>,
    /// The trunk's own limits.
    pub limits: TrunkLimits,
}

impl From<&Trunk> for TrunkTarget {
    fn from(t: &Trunk) -> Self {
        let credential = match (&t.username, &t.password) {
            (Some(username), Some(password)) => Some(DigestCredential {
                username: username.clone(),
                password: password.clone(),
            }),
            _ => None,
        };
        TrunkTarget {
            name: t.name.clone(),
            target: SipTarget {
                host: t.host.clone(),
                port: t.port,
                transport: t.transport,
            },
            credential,
            limits: TrunkLimits::from(t),
        }
    }
}

/// Everything a run needs, resolved at the edge.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// The validated campaign.
    pub plan: CampaignPlan,
    /// The trunks to dial through, in preference order (at least one).
    pub trunks: Vec<TrunkTarget>,
    /// The prompt, encoded once per law: µ-law and A-law bytes (whole 20 ms frames).
    pub prompt: PromptPayloads,
    /// The IVR menu and every node's prompt, when the campaign has `ivr:` (then `prompt` is
    /// unused).
    pub menu: Option<MenuAudio>,
    /// PEM certificates trusted for TLS trunks (their `tls_ca` files, or the system's roots).
    pub tls_trust: Option<Vec<u8>>,
    /// The database file.
    pub db: PathBuf,
    /// With work left only outside the calling window, stop ([`RunEnd::WindowClosed`])
    /// instead of waiting for the next opening.
    pub exit_outside_window: bool,
    /// Stop like on SIGINT after this long ([`RunEnd::MaxRuntime`]).
    pub max_runtime: Option<Duration>,
    /// Log full numbers (`-v`) instead of masked ones.
    pub show_numbers: bool,
}

/// The campaign prompt in both G.711 laws, shared by every call.
#[derive(Debug, Clone, Default)]
pub struct PromptPayloads {
    /// µ-law bytes.
    pub pcmu: Arc<[u8]>,
    /// A-law bytes.
    pub pcma: Arc<[u8]>,
}

impl From<&crate::media::prompt::Prompt> for PromptPayloads {
    fn from(p: &crate::media::prompt::Prompt) -> Self {
        PromptPayloads {
            pcmu: p.pcmu.clone(),
            pcma: p.pcma.clone(),
        }
    }
}

/// An IVR menu ready to run: the plan and each node's prompt, loaded once and shared.
#[derive(Debug, Clone)]
pub struct MenuAudio {
    /// The validated menu.
    pub plan: Arc<crate::campaign::IvrPlan>,
    /// Node name -> its prompt (nodes without `play` are absent).
    pub prompts: std::collections::HashMap<String, PromptPayloads>,
}

/// How a run ended (the CLI maps it to an exit status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Every number of the campaign is final.
    Done,
    /// Work is left, due only when the calling window reopens (`exit_outside_window`).
    WindowClosed,
    /// `max_runtime` reached; calls were drained.
    MaxRuntime,
    /// Shutdown was requested (SIGINT/SIGTERM); calls were drained.
    Interrupted,
    /// Every trunk was paused (credentials refused): nothing more can be dialed.
    NoTrunk,
}

/// Progress, published on a watch channel after every change worth showing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Numbers in the campaign.
    pub total: u64,
    /// Numbers in a final state.
    pub done: u64,
    /// Calls in progress.
    pub active: u32,
    /// Calls started per second, averaged over the last 10 s (a 1 s window mostly reads 0
    /// at the few calls per second a concurrency-bound campaign places).
    pub cps: f64,
    /// Numbers by last disposition (final or awaiting a retry).
    pub by_disposition: std::collections::BTreeMap<String, u64>,
    /// Batches claimed so far in this run.
    pub batches: u64,
    /// Attempts started in this run.
    pub attempts: u64,
    /// When nothing is due: when calling resumes.
    pub resumes_at: Option<jiff::Timestamp>,
}

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The SIP endpoint could not start.
    #[error(transparent)]
    Sip(#[from] crate::net::sip::SipError),
    /// A DNC file named by the campaign could not be read.
    #[error(transparent)]
    Dnc(#[from] crate::schedule::dnc::DncError),
    /// Another `dialer run` holds the campaign.
    #[error(
        "campaign `{campaign}` is already running on {db} (lock file {lock} is held by another \
         dialer run); wait for it to end, or stop it with SIGINT"
    )]
    Busy {
        /// The campaign.
        campaign: String,
        /// The database.
        db: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// The lock file could not be created.
    #[error("cannot create the run lock {path}: {source}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl RunError {
    /// True for errors in what the user gave us (exit 2): a campaign already running, an
    /// unreadable DNC file, a database that is not ours.
    pub fn is_usage(&self) -> bool {
        match self {
            RunError::Store(e) => e.is_usage(),
            RunError::Busy { .. } | RunError::Dnc(_) | RunError::Sip(_) => true,
            RunError::Lock { .. } => false,
        }
    }
}

/// Runs the campaign until every number is final, or `shutdown`, `max_runtime`, a closed
/// window (`exit_outside_window`) or the loss of every trunk ends it. Progress goes to
/// `progress`.
pub async fn run(
    settings: RunSettings,
    shutdown: CancellationToken,
    progress: watch::Sender<Snapshot>,
) -> Result<RunEnd, RunError> {
    let _lock = RunLock::acquire(&settings.db, &settings.plan.name)?;
    let limits: Vec<TrunkLimits> = settings.trunks.iter().map(|t| t.limits).collect();
    let dispatcher = Dispatcher::new(&settings.plan.pacing, &limits);
    let mut engine = engine::Engine::start(settings, dispatcher, progress).await?;
    engine.run(shutdown).await
}
