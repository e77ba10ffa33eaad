//! The SIP adapter: the only module that names rsipstack (=0.7.14). It translates between
//! rsipstack's dialogs and a small vocabulary — [`SipCommand`] in, [`SipEvent`] out, per
//! [`CallKey`] — and never decides: timeouts, outcomes and retries belong to `call/`.
//!
//! - this file: the endpoint (UDP bound to `sip.bind`, advertising `sip.public_addr`,
//!   `User-Agent: dialer/VERSION`, Call-IDs in our own domain), the incoming-transaction loop
//!   that answers the carrier's in-dialog requests (notes/rsipstack.md trap 1), the vocabulary.
//! - [`uac`]: one task per outbound call: INVITE with digest auth, the per-call state channel
//!   read until `Terminated` (trap 2), CANCEL with a bounded wait for the 487, BYE,
//!   `remove_dialog` on every end (trap 3).
//! - [`uas`]: the simulator's server side (`dialer sim`), driven by `sim::` decisions.
//! - [`auth`]: the `qop="auth,auth-int"` fix (trap 6) and `Retry-After` reading.
//!
//! rsipstack logs whole SIP messages (numbers included) at `info`: the CLI filters it to
//! `warn` (trap 7). Passwords reach rsipstack's `Credential` only, and nothing here logs them.
//!
//! Must not: classify responses, arm call timers, or touch RTP.

mod auth;
pub mod uac;
pub mod uas;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::{Method, StatusCode};
use rsipstack::transaction::endpoint::EndpointOption;
use rsipstack::transaction::{CallIdFormat, TransactionReceiver, make_call_id};
use rsipstack::transport::connection::SipConnection;
use rsipstack::transport::tls::{TlsConfig, TlsListenerConnection};
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{SipAddr, TransportLayer};
use rsipstack::{EndpointBuilder, transaction::Endpoint};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::call::CallInput;
use crate::campaign::{Secret, Transport};

/// The runtime's handle on one call (its attempt id).
pub type CallKey = u64;

/// Errors of the SIP adapter.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    /// The SIP socket could not be bound.
    #[error("cannot bind SIP address {addr} (sip.bind): {detail}")]
    Bind {
        /// The address from `sip.bind`.
        addr: SocketAddr,
        /// Why (the stack's message; rsipstack's error type stays inside this module).
        detail: String,
    },
    /// A URI built from the trunk or number did not parse.
    #[error("invalid SIP URI `{uri}`: {detail}")]
    Uri {
        /// The URI.
        uri: String,
        /// The parser's complaint.
        detail: String,
    },
    /// The endpoint has been shut down.
    #[error("the SIP endpoint is shut down")]
    Closed,
    /// A command for a call the adapter does not know (already ended).
    #[error("no SIP call with key {0}")]
    UnknownCall(CallKey),
    /// `invite` twice for one key.
    #[error("SIP call {0} already exists")]
    DuplicateCall(CallKey),
}

/// Local SIP settings (from the plan's `sip:` block and the version).
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Local address; port 0 picks a free one.
    pub bind: SocketAddr,
    /// What Via, Contact and SDP advertise (behind NAT).
    pub public_addr: Option<IpAddr>,
    /// `User-Agent` header (`dialer/VERSION`).
    pub user_agent: String,
    /// Right-hand side of our Call-IDs.
    pub call_id_domain: String,
    /// How long a call's task waits for the INVITE to end after our CANCEL, or for the BYE's
    /// response, before it abandons the dialog.
    pub release_wait: Duration,
    /// RFC 3261 64*T1 (transaction lifetime). Lowering it to 8-16 s halves memory at high CPS.
    pub t1x64: Duration,
    /// PEM certificates trusted for TLS connections we open (trunks with `transport: tls`).
    /// rsipstack has no implicit trust anchors: without these every TLS peer is refused.
    pub tls_trust: Option<Vec<u8>>,
    /// Also accept SIP over TLS here (the simulator): address, certificate and key (PEM).
    pub tls_listen: Option<TlsListen>,
}

/// A TLS listener's address and identity.
#[derive(Debug, Clone)]
pub struct TlsListen {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Certificate chain, PEM.
    pub cert: Vec<u8>,
    /// Private key, PEM.
    pub key: Vec<u8>,
}

impl EndpointConfig {
    /// Defaults for `bind`: our version as User-Agent, `dialer.invalid` Call-IDs.
    pub fn new(bind: SocketAddr) -> Self {
        EndpointConfig {
            bind,
            public_addr: None,
            user_agent: format!("dialer/{}", env!("CARGO_PKG_VERSION")),
            call_id_domain: "dialer.invalid".to_string(),
            release_wait: Duration::from_secs(8),
            t1x64: Duration::from_secs(32),
            tls_trust: None,
            tls_listen: None,
        }
    }
}

/// Where a trunk's gateway is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipTarget {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport.
    pub transport: Transport,
}

/// Digest credentials for a trunk.
#[derive(Debug, Clone)]
pub struct DigestCredential {
    /// The user name.
    pub username: String,
    /// The password (shown as `Secret(***)` in Debug).
    pub password: Secret,
}

/// Everything needed to place one INVITE.
#[derive(Debug, Clone)]
pub struct InviteRequest {
    /// The Call-ID (from [`SipEndpoint::new_call_id`]), known before the INVITE leaves.
    pub call_id: String,
    /// The trunk's gateway.
    pub target: SipTarget,
    /// The user part of the Request-URI and To: the number as the carrier wants it.
    pub callee: String,
    /// The caller ID put in From's user part.
    pub caller_id: Option<String>,
    /// Digest credentials, if the trunk has them.
    pub credential: Option<DigestCredential>,
    /// Our SDP offer (also our answer to a re-INVITE).
    pub offer: Vec<u8>,
}

/// What the runtime asks of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SipCommand {
    /// CANCEL the pending INVITE (the 487 is awaited, bounded by `release_wait`).
    Cancel,
    /// BYE the established dialog.
    Bye,
}

/// What happened to a call, as the core's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SipEvent {
    /// 100 or 18x (with early-media SDP for a 183).
    Provisional {
        /// The call.
        call: CallKey,
        /// Status code.
        code: u16,
        /// Early-media SDP, if any.
        sdp: Option<Vec<u8>>,
    },
    /// A 2xx, ACKed by the stack.
    Answered {
        /// The call.
        call: CallKey,
        /// Status code.
        code: u16,
        /// Reason phrase.
        reason: String,
        /// The answer SDP.
        sdp: Vec<u8>,
    },
    /// A final non-2xx (after any digest retry).
    Rejected {
        /// The call.
        call: CallKey,
        /// Status code.
        code: u16,
        /// Reason phrase as received.
        reason: String,
        /// `Retry-After`, if present.
        retry_after: Option<Duration>,
    },
    /// The INVITE could not be sent, or the transaction failed without a response.
    TransportError {
        /// The call.
        call: CallKey,
        /// What failed.
        detail: String,
    },
    /// The callee hung up.
    RemoteBye {
        /// The call.
        call: CallKey,
    },
    /// The callee changed the session (re-INVITE or UPDATE with SDP); we answered 200 with our
    /// offer. RTP may have to follow the new address.
    MediaUpdate {
        /// The call.
        call: CallKey,
        /// The new remote SDP.
        sdp: Vec<u8>,
    },
    /// The callee pressed a key, sent as SIP INFO (`application/dtmf-relay` or
    /// `application/dtmf`): the fallback for gateways that do not send RFC 4733.
    Dtmf {
        /// The call.
        call: CallKey,
        /// The key.
        digit: char,
    },
    /// The adapter released everything for the call (dialog removed): the last event.
    Released {
        /// The call.
        call: CallKey,
    },
}

impl SipEvent {
    /// The call the event belongs to.
    pub fn call(&self) -> CallKey {
        match self {
            SipEvent::Provisional { call, .. }
            | SipEvent::Answered { call, .. }
            | SipEvent::Rejected { call, .. }
            | SipEvent::TransportError { call, .. }
            | SipEvent::RemoteBye { call }
            | SipEvent::MediaUpdate { call, .. }
            | SipEvent::Dtmf { call, .. }
            | SipEvent::Released { call } => *call,
        }
    }

    /// The event as an input of the call state machine (`None` for adapter bookkeeping).
    pub fn to_call_input(&self) -> Option<CallInput> {
        Some(match self {
            SipEvent::Provisional { code, .. } => CallInput::Provisional { code: *code },
            SipEvent::Answered { code, reason, .. } => CallInput::Answered {
                code: *code,
                reason: reason.clone(),
            },
            SipEvent::Rejected {
                code,
                reason,
                retry_after,
                ..
            } => CallInput::Rejected {
                code: *code,
                reason: reason.clone(),
                retry_after: *retry_after,
            },
            SipEvent::TransportError { detail, .. } => CallInput::TransportError {
                detail: detail.clone(),
            },
            SipEvent::RemoteBye { .. } => CallInput::RemoteBye,
            SipEvent::MediaUpdate { .. } | SipEvent::Dtmf { .. } | SipEvent::Released { .. } => {
                return None;
            }
        })
    }
}

/// The receiving end of an endpoint's events.
pub type SipEvents = mpsc::UnboundedReceiver<SipEvent>;

/// State shared by the endpoint and its call tasks.
struct Shared {
    dialogs: Arc<DialogLayer>,
    /// Our SIP address as advertised (public address when configured).
    advertised: SocketAddr,
    config: EndpointConfig,
    calls: Mutex<HashMap<CallKey, mpsc::UnboundedSender<SipCommand>>>,
    events: mpsc::UnboundedSender<SipEvent>,
}

/// A running rsipstack endpoint placing calls (the UAC side).
pub struct SipEndpoint {
    shared: Arc<Shared>,
    stack: Stack,
}

/// The rsipstack parts every endpoint has.
struct Stack {
    endpoint: Arc<Endpoint>,
    dialogs: Arc<DialogLayer>,
    incoming: Option<TransactionReceiver>,
    cancel: CancellationToken,
    local: SocketAddr,
    advertised: SocketAddr,
}

impl Stack {
    /// Binds UDP, builds the endpoint and the dialog layer, and starts serving.
    async fn start(config: &EndpointConfig) -> Result<Stack, SipError> {
        let cancel = CancellationToken::new();
        let transport = TransportLayer::new(cancel.clone());
        let bind_err = |e: rsipstack::Error| SipError::Bind {
            addr: config.bind,
            detail: e.to_string(),
        };
        let mut udp =
            UdpConnection::create_connection(config.bind, None, Some(cancel.child_token()))
                .await
                .map_err(bind_err)?;
        let local = udp.get_addr().get_socketaddr().map_err(bind_err)?;
        let advertised = SocketAddr::new(config.public_addr.unwrap_or(local.ip()), local.port());
        if config.public_addr.is_some() {
            udp.external = Some(advertised_udp(advertised));
        }
        transport.add_transport(udp.into());
        if let Some(trust) = &config.tls_trust {
            transport.set_tls_config(TlsConfig {
                ca_certs: Some(trust.clone()),
                ..TlsConfig::default()
            });
        }
        if let Some(tls) = &config.tls_listen {
            let identity = TlsConfig {
                cert: Some(tls.cert.clone()),
                key: Some(tls.key.clone()),
                ..TlsConfig::default()
            };
            let listener = TlsListenerConnection::new(tls.addr, None, identity)
                .await
                .map_err(|e| SipError::Bind {
                    addr: tls.addr,
                    detail: e.to_string(),
                })?;
            transport.add_transport(SipConnection::TlsListener(listener));
        }
        let option = EndpointOption {
            callid_suffix: Some(config.call_id_domain.clone()),
            t1x64: config.t1x64,
            ..EndpointOption::default()
        };
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport)
            .with_user_agent(&config.user_agent)
            .with_option(option)
            .with_inspector(Box::new(auth::QopDowngrade))
            .build();
        let incoming = endpoint.incoming_transactions().ok();
        let endpoint = Arc::new(endpoint);
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let serving = endpoint.clone();
        tokio::spawn(async move { serving.serve().await });
        Ok(Stack {
            endpoint,
            dialogs,
            incoming,
            cancel,
            local,
            advertised,
        })
    }
}

fn advertised_udp(addr: SocketAddr) -> SipAddr {
    SipAddr {
        r#type: Some(rsipstack::sip::Transport::Udp),
        addr: addr.into(),
    }
}

impl SipEndpoint {
    /// Binds `config.bind`, starts the stack and the incoming-request loop.
    pub async fn start(config: EndpointConfig) -> Result<(SipEndpoint, SipEvents), SipError> {
        let mut stack = Stack::start(&config).await?;
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            dialogs: stack.dialogs.clone(),
            advertised: stack.advertised,
            config,
            calls: Mutex::new(HashMap::new()),
            events: events_tx,
        });
        if let Some(incoming) = stack.incoming.take() {
            let dialogs = stack.dialogs.clone();
            tokio::spawn(serve_in_dialog_requests(dialogs, incoming));
        }
        Ok((SipEndpoint { shared, stack }, events_rx))
    }

    /// The bound local address (the real port when `bind` asked for 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.stack.local
    }

    /// A fresh Call-ID in our own domain.
    pub fn new_call_id(&self) -> String {
        let domain = self.shared.config.call_id_domain.as_str();
        make_call_id(Some(domain), CallIdFormat::UuidWithSuffix)
            .value()
            .to_string()
    }

    /// Places a call: the INVITE leaves at once; events follow on the endpoint's channel,
    /// ending with [`SipEvent::Released`].
    pub fn invite(&self, call: CallKey, request: InviteRequest) -> Result<(), SipError> {
        if self.stack.cancel.is_cancelled() {
            return Err(SipError::Closed);
        }
        let (tx, rx) = mpsc::unbounded_channel();
        {
            let mut calls = self.shared.calls.lock().unwrap_or_else(|e| e.into_inner());
            if calls.contains_key(&call) {
                return Err(SipError::DuplicateCall(call));
            }
            calls.insert(call, tx);
        }
        let option = uac::invite_option(&self.shared, &request).inspect_err(|_| {
            self.forget(call);
        })?;
        tokio::spawn(uac::run(self.shared.clone(), call, request, option, rx));
        Ok(())
    }

    /// Sends `command` to a live call.
    pub fn command(&self, call: CallKey, command: SipCommand) -> Result<(), SipError> {
        let calls = self.shared.calls.lock().unwrap_or_else(|e| e.into_inner());
        let tx = calls.get(&call).ok_or(SipError::UnknownCall(call))?;
        tx.send(command).map_err(|_| SipError::UnknownCall(call))
    }

    /// Calls whose tasks are still running.
    pub fn live_calls(&self) -> usize {
        self.shared
            .calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Dialogs rsipstack still holds (should fall to 0 once every call is released).
    pub fn dialog_count(&self) -> usize {
        self.stack.dialogs.len()
    }

    /// Stops the endpoint: sockets close, unfinished transactions are dropped. Drain calls
    /// through the core (CANCEL/BYE) first.
    pub fn shutdown(&self) {
        self.stack.endpoint.shutdown();
    }

    fn forget(&self, call: CallKey) {
        forget(&self.shared, call);
    }
}

impl Drop for SipEndpoint {
    fn drop(&mut self) {
        self.stack.cancel.cancel();
    }
}

fn forget(shared: &Shared, call: CallKey) {
    shared
        .calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&call);
}

/// The incoming-transaction loop of a pure dialer (trap 1): requests inside one of our dialogs
/// (BYE, re-INVITE, UPDATE, INFO, OPTIONS) go to the dialog, whose state channel the call task
/// reads; out-of-dialog OPTIONS (carrier keep-alives) get 200; everything else 481.
async fn serve_in_dialog_requests(dialogs: Arc<DialogLayer>, mut incoming: TransactionReceiver) {
    while let Some(mut tx) = incoming.recv().await {
        if let Some(mut dialog) = dialogs.match_dialog(&tx) {
            tokio::spawn(async move {
                let _ = dialog.handle(&mut tx).await;
            });
            continue;
        }
        let status = match tx.original.method {
            Method::Ack => continue,
            Method::Options => StatusCode::OK,
            _ => StatusCode::CallTransactionDoesNotExist,
        };
        tokio::spawn(async move {
            let _ = tx.reply(status).await;
        });
    }
}
