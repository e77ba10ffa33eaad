//! The simulator's server side: an rsipstack UAS that executes `sim::` decisions.
//!
//! Each INVITE gets a decision from the [`Simulator`] (challenge, reject, ring, answer), its
//! own dialog state channel (read until `Terminated`, answering re-INVITE/UPDATE/INFO/OPTIONS
//! with 200), an RTP socket that counts (and optionally echoes) what the caller sends, and
//! `remove_dialog` at its end. Digest credentials, when demanded, are verified with
//! rsipstack's `verify_digest`.
//!
//! Must not: decide outcomes (the simulator core does) or print (the CLI does).

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::dialog::authenticate::verify_digest;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Method, StatusCode, Uri};
use rsipstack::transaction::{Transaction, TransactionReceiver};

use super::{DigestCredential, EndpointConfig, SipError, Stack};
use crate::campaign::Codec;
use crate::media::sdp::{AudioDescription, negotiate};
use crate::net::clock;
use crate::net::rtp::{KeyPresses, RtpEcho, bind_in_range};
use crate::sim::{Arrivals, Decision, KEY_GAP, Simulator, StatsReport};

/// Where the simulator's RTP sockets live.
#[derive(Debug, Clone)]
pub struct SimMedia {
    /// Address to bind (and advertise).
    pub ip: IpAddr,
    /// Port range.
    pub ports: RangeInclusive<u16>,
    /// Echo every packet back to its sender.
    pub echo: bool,
}

struct UasShared {
    dialogs: Arc<DialogLayer>,
    contact: Uri,
    sim: Mutex<Simulator>,
    media: SimMedia,
    credential: Option<DigestCredential>,
    nonces: AtomicU64,
    key_delay: Duration,
}

/// A running simulator endpoint.
pub struct SimServer {
    stack: Stack,
    shared: Arc<UasShared>,
}

impl SimServer {
    /// Binds `config.bind` and answers INVITEs as `sim` decides.
    pub async fn start(
        config: EndpointConfig,
        sim: Simulator,
        media: SimMedia,
        credential: Option<DigestCredential>,
    ) -> Result<SimServer, SipError> {
        let mut stack = Stack::start(&config).await?;
        let text = format!("sip:carrier@{}", stack.advertised);
        let contact = Uri::try_from(text.as_str()).map_err(|e| SipError::Uri {
            uri: text.clone(),
            detail: e.to_string(),
        })?;
        let key_delay = sim.key_delay();
        let shared = Arc::new(UasShared {
            key_delay,
            dialogs: stack.dialogs.clone(),
            contact,
            sim: Mutex::new(sim),
            media,
            credential,
            nonces: AtomicU64::new(0x5eed),
        });
        if let Some(incoming) = stack.incoming.take() {
            tokio::spawn(serve(shared.clone(), incoming));
        }
        Ok(SimServer { stack, shared })
    }

    /// The bound SIP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.stack.local
    }

    /// What the simulator saw so far.
    pub fn report(&self) -> StatsReport {
        self.shared
            .sim
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .report()
    }

    /// Calls in progress.
    pub fn active(&self) -> u32 {
        self.shared
            .sim
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .active()
    }

    /// Stops the endpoint.
    pub fn shutdown(&self) {
        self.stack.endpoint.shutdown();
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.stack.cancel.cancel();
    }
}

async fn serve(shared: Arc<UasShared>, mut incoming: TransactionReceiver) {
    while let Some(mut tx) = incoming.recv().await {
        if let Some(mut dialog) = shared.dialogs.match_dialog(&tx) {
            tokio::spawn(async move {
                let _ = dialog.handle(&mut tx).await;
            });
            continue;
        }
        match tx.original.method {
            Method::Invite => {
                tokio::spawn(on_invite(shared.clone(), tx));
            }
            Method::Ack => {}
            method => {
                let status = if method == Method::Options {
                    StatusCode::OK
                } else {
                    StatusCode::CallTransactionDoesNotExist
                };
                tokio::spawn(async move {
                    let _ = tx.reply(status).await;
                });
            }
        }
    }
}

async fn on_invite(shared: Arc<UasShared>, mut tx: Transaction) {
    let authorized = shared
        .credential
        .as_ref()
        .is_none_or(|c| authorized(&tx, c));
    let number = tx.original.uri.user().unwrap_or_default().to_string();
    let (decision, keys) = {
        let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
        let decision = sim.on_invite(clock::instant(), &number, authorized);
        (decision, sim.keys_for(&number).to_string())
    };
    match decision {
        Decision::Challenge => {
            let has_auth = tx
                .original
                .headers
                .iter()
                .any(|h| matches!(h, Header::Authorization(_)));
            // A wrong answer to our challenge is refused, not challenged again (no loop).
            if has_auth {
                let _ = tx.reply(StatusCode::Forbidden).await;
                return;
            }
            let nonce = shared.nonces.fetch_add(1, Ordering::Relaxed);
            let value = format!(
                r#"Digest realm="dialer-sim", nonce="{nonce:016x}", algorithm=MD5, qop="auth""#
            );
            let _ = tx
                .reply_with(
                    StatusCode::Unauthorized,
                    vec![Header::WwwAuthenticate(value.into())],
                    None,
                )
                .await;
        }
        Decision::Reject { ring, code } if ring.is_zero() => {
            let _ = tx.reply(StatusCode::from(code)).await;
            end(&shared, code, Arrivals::default());
        }
        decision => run_dialog(shared, tx, decision, keys).await,
    }
}

fn authorized(tx: &Transaction, credential: &DigestCredential) -> bool {
    tx.original.headers.iter().any(|h| match h {
        Header::Authorization(auth) => rsipstack::sip::typed::Authorization::parse(auth.value())
            .is_ok_and(|typed| {
                typed.username == credential.username
                    && verify_digest(
                        &typed,
                        credential.password.expose(),
                        &Method::Invite,
                        auth.value(),
                    )
            }),
        _ => false,
    })
}

fn end(shared: &UasShared, code: u16, rtp: Arrivals) {
    let mut sim = shared.sim.lock().unwrap_or_else(|e| e.into_inner());
    sim.on_end(code, &rtp);
}

async fn run_dialog(shared: Arc<UasShared>, mut tx: Transaction, decision: Decision, keys: String) {
    let (state_tx, mut states) = shared.dialogs.new_dialog_state_channel();
    let contact = Some(shared.contact.clone());
    let Ok(dialog) = shared
        .dialogs
        .get_or_create_server_invite(&tx, state_tx, None, contact)
    else {
        let _ = tx.reply(StatusCode::ServerInternalError).await;
        return end(&shared, 500, Arrivals::default());
    };
    let mut driver = dialog.clone();
    tokio::spawn(async move {
        let _ = driver.handle(&mut tx).await;
    });
    let _ = dialog.ringing(None, None);
    let (code, packets) = match decision {
        Decision::Reject { ring, code } => {
            if wait_end(&mut states, ring).await {
                (487, Arrivals::default())
            } else {
                let _ = dialog.reject(Some(StatusCode::from(code)), None);
                (code, Arrivals::default())
            }
        }
        Decision::Answer { ring, talk } if !wait_end(&mut states, ring).await => {
            answer(&shared, &dialog, &mut states, talk, &keys).await
        }
        Decision::RingUntilCancel => {
            // Bounded: a caller that never cancels still frees the simulator.
            if !wait_end(&mut states, Duration::from_secs(300)).await {
                let _ = dialog.reject(Some(StatusCode::RequestTimeout), None);
            }
            (487, Arrivals::default())
        }
        _ => (487, Arrivals::default()),
    };
    shared.dialogs.remove_dialog(&dialog.id());
    end(&shared, code, packets);
}

/// Answers with the caller's first G.711 codec, counts RTP, presses `keys` (when the caller
/// offered telephone-event), hangs up after `talk` unless the caller does first. Returns
/// (final code, how its RTP arrived).
async fn answer(
    shared: &UasShared,
    dialog: &InviteDialog,
    states: &mut DialogStateReceiver,
    talk: Duration,
    keys: &str,
) -> (u16, Arrivals) {
    let offer = dialog.initial_request().body;
    let Ok(neg) = negotiate(&offer, &[Codec::Pcmu, Codec::Pcma]) else {
        let _ = dialog.reject(Some(StatusCode::NotAcceptableHere), None);
        return (488, Arrivals::default());
    };
    let media = &shared.media;
    let hint = (clock::instant().elapsed().subsec_nanos() % 4096) as u16;
    let Ok(socket) = bind_in_range(media.ip, media.ports.clone(), hint).await else {
        let _ = dialog.reject(Some(StatusCode::ServiceUnavailable), None);
        return (503, Arrivals::default());
    };
    let presses = neg
        .dtmf_pt
        .filter(|_| !keys.is_empty())
        .map(|payload_type| KeyPresses {
            to: neg.remote,
            payload_type,
            keys: keys.to_string(),
            delay: shared.key_delay,
            gap: KEY_GAP,
        });
    let Ok(echo) = RtpEcho::start(socket, media.echo, presses) else {
        let _ = dialog.reject(Some(StatusCode::ServiceUnavailable), None);
        return (503, Arrivals::default());
    };
    let sdp = AudioDescription {
        addr: media.ip,
        port: echo.local_addr().port(),
        codecs: vec![neg.codec],
        dtmf_pt: neg.dtmf_pt,
        session_id: u64::from(echo.local_addr().port()),
        session_version: 1,
    };
    let headers = vec![Header::ContentType("application/sdp".into())];
    let _ = dialog.accept(Some(headers), Some(sdp.render().into_bytes()));
    if !wait_end(states, talk).await {
        let _ = dialog.bye().await;
    }
    (200, echo.stop().await)
}

/// Reads the dialog's states for up to `limit`, answering mid-dialog requests; true if the
/// dialog ended (CANCEL, BYE) meanwhile.
async fn wait_end(states: &mut DialogStateReceiver, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let state = tokio::select! {
            s = states.recv() => s,
            () = tokio::time::sleep_until(deadline) => return false,
        };
        match state {
            None | Some(DialogState::Terminated(..)) => return true,
            Some(
                DialogState::Updated(_, _, h)
                | DialogState::Info(_, _, h)
                | DialogState::Options(_, _, h)
                | DialogState::Notify(_, _, h)
                | DialogState::Message(_, _, h),
            ) => {
                let _ = h.reply(StatusCode::OK).await;
            }
            Some(_) => {}
        }
    }
}
