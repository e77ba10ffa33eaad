//! The loop itself: claim, admit, wait, stop, publish progress; see the module docs of
//! [`super`] for the contract. Each call's life (start, inputs, finish) is in `dialing.rs`.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::claim::judge_batch;
use super::live::{Job, LiveCall};
use super::{RunEnd, RunError, RunSettings, Snapshot};
use crate::call::CallInput;
use crate::net::clock;
use crate::net::rtp::MediaEvent;
use crate::net::sip::{CallKey, EndpointConfig, SipEndpoint, SipEvents};
use crate::schedule::dispatch::{Admission, Dispatcher};
use crate::schedule::dnc::DncList;
use crate::schedule::zone::Zones;
use crate::store::{CampaignId, NumberUpdate, Store};

/// The window the displayed calls-per-second rate is averaged over.
const CPS_WINDOW: Duration = Duration::from_secs(10);

/// How long a stop waits for calls to drain before giving up on them (their attempts stay
/// `in_flight` and the next run marks them interrupted).
const DRAIN_BOUND: Duration = Duration::from_secs(20);
/// How long to wait before claiming again when nothing was due.
const CLAIM_BACKOFF: Duration = Duration::from_secs(1);
/// How often counts are re-read from the database for progress.
const COUNTS_EVERY: Duration = Duration::from_secs(1);

pub(super) struct Engine {
    pub(super) s: RunSettings,
    pub(super) store: Store,
    pub(super) campaign: CampaignId,
    pub(super) endpoint: SipEndpoint,
    pub(super) sip_events: SipEvents,
    pub(super) media_tx: mpsc::UnboundedSender<MediaEvent>,
    pub(super) media_rx: mpsc::UnboundedReceiver<MediaEvent>,
    pub(super) dispatcher: Dispatcher,
    pub(super) queue: VecDeque<Job>,
    pub(super) calls: HashMap<CallKey, LiveCall>,
    pub(super) base: Instant,
    pub(super) stopping: Option<RunEnd>,
    pub(super) stop_deadline: Option<Instant>,
    pub(super) next_claim: Instant,
    pub(super) admit_wake: Option<Instant>,
    /// Calling-window openings numbers were deferred to in this run.
    pub(super) openings: BTreeSet<Timestamp>,
    pub(super) dnc: DncList,
    pub(super) zones: Zones,
    pub(super) rtp_ip: IpAddr,
    pub(super) advertised_ip: IpAddr,
    pub(super) snapshot: Snapshot,
    pub(super) progress: watch::Sender<Snapshot>,
    pub(super) counts_at: Option<Instant>,
    pub(super) starts: VecDeque<Instant>,
}

impl Engine {
    /// Opens the store, recovers a crashed run, loads the DNC list, starts SIP.
    pub async fn start(
        s: RunSettings,
        dispatcher: Dispatcher,
        progress: watch::Sender<Snapshot>,
    ) -> Result<Engine, RunError> {
        let mut store = Store::open(&s.db)?;
        let now = clock::now();
        let campaign = store.upsert_campaign(&s.plan.name, now)?;
        let recovered = store.recover_interrupted(campaign, now)?;
        if recovered.attempts > 0 || recovered.numbers > 0 {
            tracing::warn!(
                attempts = recovered.attempts,
                numbers = recovered.numbers,
                "the previous run did not end cleanly: its calls in flight are marked \
                 INTERRUPTED and their numbers are back in the queue"
            );
        }
        let counts = store.campaign_counts(campaign)?;
        let trunks: Vec<&str> = s.trunks.iter().map(|t| t.name.as_str()).collect();
        tracing::info!(
            campaign = %s.plan.name,
            pending = counts.pending,
            done = counts.done,
            trunks = %trunks.join(","),
            max_concurrent = s.plan.pacing.max_concurrent,
            max_cps = s.plan.pacing.max_cps,
            "run started"
        );
        let region = s.plan.numbers.default_region.as_deref();
        let dnc = DncList::load(&s.plan.dnc.files, region, store.dnc_numbers()?)?;
        let mut config = EndpointConfig::new(s.plan.sip.bind);
        config.public_addr = s.plan.sip.public_addr;
        config.tls_trust = s.tls_trust.clone();
        let (endpoint, sip_events) = SipEndpoint::start(config).await?;
        let advertised_ip = advertised_ip(&s, endpoint.local_addr().ip());
        let (media_tx, media_rx) = mpsc::unbounded_channel();
        let base = clock::instant();
        Ok(Engine {
            rtp_ip: s.plan.sip.bind.ip(),
            s,
            store,
            campaign,
            endpoint,
            sip_events,
            media_tx,
            media_rx,
            dispatcher,
            queue: VecDeque::new(),
            calls: HashMap::new(),
            base,
            stopping: None,
            stop_deadline: None,
            next_claim: base,
            admit_wake: None,
            openings: BTreeSet::new(),
            dnc,
            zones: Zones::new(),
            advertised_ip,
            snapshot: Snapshot::default(),
            progress,
            counts_at: None,
            starts: VecDeque::new(),
        })
    }

    /// Runs to the end (see [`super::run`]).
    pub async fn run(&mut self, shutdown: CancellationToken) -> Result<RunEnd, RunError> {
        let deadline = self.s.max_runtime.map(|d| self.base + d);
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            if self.stopping.is_none() {
                self.fill_queue()?;
                self.admit().await?;
            }
            if let Some(end) = self.check_end()? {
                self.publish(true)?;
                return Ok(end);
            }
            let wake = self.next_wake();
            let running = self.stopping.is_none();
            tokio::select! {
                Some(ev) = self.sip_events.recv() => self.on_sip(ev).await?,
                Some(ev) = self.media_rx.recv() => self.on_media(ev).await?,
                () = sleep_until(wake) => self.on_timers().await?,
                () = shutdown.cancelled(), if running => {
                    tracing::info!("interrupted: no new calls; draining the calls in progress");
                    self.begin_stop(RunEnd::Interrupted).await?;
                }
                () = sleep_until(deadline), if running => {
                    tracing::info!("--max-runtime reached: no new calls; draining");
                    self.begin_stop(RunEnd::MaxRuntime).await?;
                }
                _ = tick.tick() => self.publish(false)?,
            }
        }
    }

    /// Claims a batch when the queue is empty and a claim is due.
    fn fill_queue(&mut self) -> Result<(), RunError> {
        if !self.queue.is_empty() || clock::instant() < self.next_claim {
            return Ok(());
        }
        let now = clock::now();
        let size = self.s.plan.pacing.batch_size;
        let batch = self.store.claim_batch(self.campaign, now, size)?;
        if batch.is_empty() {
            self.next_claim = clock::instant() + CLAIM_BACKOFF;
            return Ok(());
        }
        self.snapshot.batches += 1;
        let show = self.s.show_numbers;
        let (plan, dnc) = (&self.s.plan, &self.dnc);
        let judged = judge_batch(
            &mut self.store,
            plan,
            dnc,
            &mut self.zones,
            batch,
            now,
            show,
        )?;
        self.openings.extend(judged.openings);
        if !judged.dial.is_empty() && self.snapshot.resumes_at.take().is_some() {
            tracing::info!("calling resumed");
        }
        for number in judged.dial {
            let attempts_made = number.attempts;
            self.queue.push_back(Job {
                number,
                from_trunk: 0,
                attempts_made,
            });
        }
        Ok(())
    }

    /// Starts every call the dispatcher admits now.
    async fn admit(&mut self) -> Result<(), RunError> {
        self.admit_wake = None;
        while let Some(from) = self.queue.front().map(|j| j.from_trunk) {
            let now = clock::instant();
            match self.dispatcher.admit(now - self.base, from) {
                Admission::Go(trunk) => {
                    let job = self.queue.pop_front().expect("front exists");
                    if !self.start_call(job, trunk).await? {
                        break;
                    }
                }
                Admission::WaitUntil(at) => {
                    self.admit_wake = Some(self.base + at);
                    break;
                }
                Admission::Full => break,
                Admission::NoTrunk if self.dispatcher.any_usable() => {
                    // Its failover trunk was paused since: start over from the first.
                    if let Some(job) = self.queue.front_mut() {
                        job.from_trunk = 0;
                    }
                }
                Admission::NoTrunk => {
                    tracing::error!(
                        "no trunk usable: every trunk refused our credentials (see the \
                         warnings above)"
                    );
                    self.begin_stop(RunEnd::NoTrunk).await?;
                    break;
                }
            }
        }
        Ok(())
    }

    /// No new calls; CANCEL or BYE every call; numbers not yet dialed back to the queue.
    async fn begin_stop(&mut self, end: RunEnd) -> Result<(), RunError> {
        if self.stopping.is_some() {
            return Ok(());
        }
        self.stopping = Some(end);
        self.stop_deadline = Some(clock::instant() + DRAIN_BOUND);
        self.requeue()?;
        let keys: Vec<CallKey> = self.calls.keys().copied().collect();
        for key in keys {
            if let Some(live) = self.calls.get_mut(&key) {
                live.call.handle_input(clock::instant(), CallInput::Hangup);
            }
            self.drive(key).await?;
        }
        Ok(())
    }

    /// Puts every claimed, not yet dialed number back to `pending`, due now.
    fn requeue(&mut self) -> Result<(), RunError> {
        let now = clock::now();
        while let Some(job) = self.queue.pop_front() {
            let update = NumberUpdate::Pending {
                due_at: now,
                disposition: None,
            };
            self.store.settle_number(job.number.id, &update)?;
        }
        Ok(())
    }

    /// How the run ends, if it does now; when idle, arranges the next claim.
    fn check_end(&mut self) -> Result<Option<RunEnd>, RunError> {
        if let Some(end) = self.stopping {
            let drained = self.calls.is_empty();
            let overdue = self.stop_deadline.is_some_and(|t| clock::instant() >= t);
            if overdue && !drained {
                tracing::warn!(
                    calls = self.calls.len(),
                    "calls did not end in time; the next run records them as INTERRUPTED"
                );
            }
            return Ok((drained || overdue).then_some(end));
        }
        if !self.calls.is_empty() || !self.queue.is_empty() {
            return Ok(None);
        }
        let Some(due) = self.store.next_due_at(self.campaign)? else {
            return Ok(Some(RunEnd::Done));
        };
        let now = clock::now();
        if due <= now {
            self.next_claim = self.next_claim.min(clock::instant());
            return Ok(None);
        }
        let waiting_for_window = self.openings.range(..=due).any(|t| *t > now);
        if self.s.exit_outside_window && waiting_for_window {
            tracing::info!(next_opening = %due, "calling window closed: stopping with work left");
            return Ok(Some(RunEnd::WindowClosed));
        }
        let wait = now.duration_until(due).unsigned_abs();
        self.next_claim = clock::instant() + wait;
        if self.snapshot.resumes_at != Some(due) && wait > Duration::from_secs(2) {
            let why = if waiting_for_window {
                "the calling window is closed"
            } else {
                "retries are not due yet"
            };
            tracing::info!(resumes_at = %due, "nothing to dial now ({why}); calling resumes then");
            self.snapshot.resumes_at = Some(due);
        }
        Ok(None)
    }

    fn next_wake(&self) -> Option<tokio::time::Instant> {
        let mut wake = self.calls.values().filter_map(LiveCall::next_wake).min();
        let mut fold = |t: Option<Instant>| {
            if let Some(t) = t {
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        };
        fold(self.admit_wake);
        if self.stopping.is_none() && self.queue.is_empty() {
            fold(Some(self.next_claim));
        }
        fold(self.stop_deadline);
        wake.map(tokio::time::Instant::from_std)
    }

    /// Publishes progress (counts re-read from the store at most every second, or `now`).
    fn publish(&mut self, force: bool) -> Result<(), RunError> {
        let now = clock::instant();
        if force || self.counts_at.is_none_or(|t| now - t >= COUNTS_EVERY) {
            let counts = self.store.campaign_counts(self.campaign)?;
            self.snapshot.total = counts.total();
            self.snapshot.done = counts.done;
            self.snapshot.by_disposition = counts.by_disposition;
            self.counts_at = Some(now);
        }
        while self.starts.front().is_some_and(|t| now - *t > CPS_WINDOW) {
            self.starts.pop_front();
        }
        self.snapshot.cps = self.starts.len() as f64 / CPS_WINDOW.as_secs_f64();
        self.snapshot.active = self.calls.len() as u32;
        self.progress.send_replace(self.snapshot.clone());
        Ok(())
    }
}

/// The address our SDP offers: `sip.public_addr`, else the bound address, else the local
/// address the kernel would route to the first trunk from.
fn advertised_ip(s: &RunSettings, sip_local: IpAddr) -> IpAddr {
    if let Some(ip) = s.plan.sip.public_addr {
        return ip;
    }
    if !sip_local.is_unspecified() {
        return sip_local;
    }
    let routed = s.trunks.first().and_then(|t| {
        let socket = std::net::UdpSocket::bind(("0.0.0.0", 0)).ok()?;
        socket
            .connect((t.target.host.as_str(), t.target.port))
            .ok()?;
        socket.local_addr().ok().map(|a| a.ip())
    });
    routed.unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

async fn sleep_until(at: Option<impl Into<tokio::time::Instant>>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
