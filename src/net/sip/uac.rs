//! One outbound call's task: drives rsipstack's INVITE dialog and reports [`SipEvent`]s.
//!
//! The task lives from the INVITE until the dialog is gone: it reads the per-call state
//! channel until `Terminated` (trap 2: an unread channel turns the carrier's re-INVITE into a
//! 501 after 32 s), answers re-INVITE/UPDATE (200 + our SDP), INFO/OPTIONS/NOTIFY/MESSAGE
//! (200) and REFER (603), and calls `remove_dialog` for every id the call had (trap 3).
//! Waits after CANCEL or BYE are bounded by `release_wait`: a carrier that never sends the 487
//! does not pin the task (trap 4).
//!
//! Must not: decide when to cancel or hang up — only the `SipCommand`s do that.

use std::sync::Arc;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{DialogState, TerminatedReason, TransactionHandle};
use rsipstack::dialog::invitation::{InviteAsyncResult, InviteOption};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Method, Request, StatusCode, StatusCodeKind, Uri};
use tokio::sync::mpsc;
use tokio::time::Instant as TokioInstant;

use super::auth::{reason_phrase, retry_after};
use super::{CallKey, InviteRequest, Shared, SipCommand, SipError, SipEvent, forget};
use crate::campaign::Transport;

/// Builds rsipstack's INVITE options from our request.
pub(super) fn invite_option(
    shared: &Shared,
    req: &InviteRequest,
) -> Result<InviteOption, SipError> {
    let t = &req.target;
    let transport = match t.transport {
        Transport::Udp => "",
        Transport::Tcp => ";transport=tcp",
        Transport::Tls => ";transport=tls",
    };
    let callee = parse_uri(&format!(
        "sip:{}@{}:{}{transport}",
        req.callee, t.host, t.port
    ))?;
    let here = shared.advertised;
    let caller_user = req.caller_id.as_deref().unwrap_or("dialer");
    let caller = parse_uri(&format!("sip:{caller_user}@{}", here.ip()))?;
    let contact = parse_uri(&format!("sip:dialer@{here}"))?;
    let credential = req.credential.as_ref().map(|c| Credential {
        username: c.username.clone(),
        // The one place a secret leaves its wrapper: into the stack that computes the digest.
        password: c.password.expose().to_string(),
        realm: None,
        auth_username: None,
    });
    Ok(InviteOption {
        caller,
        callee,
        contact,
        content_type: Some("application/sdp".to_string()),
        offer: Some(req.offer.clone()),
        credential,
        call_id: Some(req.call_id.clone()),
        ..InviteOption::default()
    })
}

fn parse_uri(text: &str) -> Result<Uri, SipError> {
    Uri::try_from(text).map_err(|e| SipError::Uri {
        uri: text.to_string(),
        detail: e.to_string(),
    })
}

/// The call task.
pub(super) async fn run(
    shared: Arc<Shared>,
    call: CallKey,
    request: InviteRequest,
    option: InviteOption,
    mut commands: mpsc::UnboundedReceiver<SipCommand>,
) {
    let (state_tx, mut states) = shared.dialogs.new_dialog_state_channel();
    let (dialog, mut invite) = match shared.dialogs.do_invite_async(option, state_tx) {
        Ok(started) => started,
        Err(e) => {
            let detail = format!("INVITE not sent: {e}");
            let _ = shared
                .events
                .send(SipEvent::TransportError { call, detail });
            release(&shared, call, &[]);
            return;
        }
    };
    let mut task = CallTask {
        shared: shared.clone(),
        call,
        offer: request.offer,
        dialog,
        ids: Vec::new(),
        invite_done: false,
        answered: false,
        cancelled: false,
        bye_sent: false,
        terminated: false,
        deadline: None,
    };
    task.remember_id();
    let mut commands_open = true;
    while !task.finished() {
        let deadline = task.deadline;
        tokio::select! {
            state = states.recv() => match state {
                Some(state) => task.on_state(state).await,
                None => task.terminated = true,
            },
            result = &mut invite, if !task.invite_done => task.on_invite_result(result),
            command = commands.recv(), if commands_open => match command {
                Some(command) => task.on_command(command),
                None => commands_open = false,
            },
            () = sleep_until(deadline), if deadline.is_some() => {
                invite.abort();
                break;
            }
        }
    }
    let ids = std::mem::take(&mut task.ids);
    release(&shared, call, &ids);
}

async fn sleep_until(deadline: Option<TokioInstant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}

/// Removes the call's dialogs and tells the runtime it is gone.
fn release(shared: &Shared, call: CallKey, ids: &[rsipstack::dialog::DialogId]) {
    for id in ids {
        shared.dialogs.remove_dialog(id);
    }
    forget(shared, call);
    let _ = shared.events.send(SipEvent::Released { call });
}

struct CallTask {
    shared: Arc<Shared>,
    call: CallKey,
    offer: Vec<u8>,
    dialog: InviteDialog,
    /// Every dialog id the call had (early, confirmed): each is removed at the end.
    ids: Vec<rsipstack::dialog::DialogId>,
    invite_done: bool,
    answered: bool,
    cancelled: bool,
    bye_sent: bool,
    terminated: bool,
    deadline: Option<TokioInstant>,
}

impl CallTask {
    fn finished(&self) -> bool {
        self.invite_done && (!self.answered || self.terminated)
    }

    fn emit(&self, event: SipEvent) {
        let _ = self.shared.events.send(event);
    }

    fn remember_id(&mut self) {
        self.remember(self.dialog.id());
    }

    fn remember(&mut self, id: rsipstack::dialog::DialogId) {
        if !self.ids.contains(&id) {
            self.ids.push(id);
        }
    }

    /// Reports the 2xx once, whichever of `Confirmed` or the INVITE's result comes first.
    fn take_answer(&mut self, resp: &rsipstack::sip::Response) {
        if self.answered {
            return;
        }
        self.answered = true;
        self.emit(SipEvent::Answered {
            call: self.call,
            code: resp.status_code.code(),
            reason: reason_phrase(resp),
            sdp: resp.body.clone(),
        });
    }

    fn arm_release_wait(&mut self) {
        self.deadline = Some(TokioInstant::now() + self.shared.config.release_wait);
    }

    async fn on_state(&mut self, state: DialogState) {
        let call = self.call;
        match state {
            DialogState::Trying(_) => self.emit(SipEvent::Provisional {
                call,
                code: 100,
                sdp: None,
            }),
            DialogState::Early(_, resp) => {
                let sdp = (!resp.body.is_empty()).then(|| resp.body.clone());
                let code = resp.status_code.code();
                self.emit(SipEvent::Provisional { call, code, sdp });
            }
            // Confirmed comes again after every re-INVITE: the answer is taken once (and may
            // already have been taken from the INVITE's result, which can arrive first).
            DialogState::Confirmed(id, resp) => {
                self.remember(id);
                self.take_answer(&resp);
            }
            DialogState::Updated(_, req, handle) => self.on_update(req, handle).await,
            DialogState::Info(_, req, handle) => {
                let _ = handle.reply(StatusCode::OK).await;
                if let Some(digit) = info_key(&req) {
                    self.emit(SipEvent::Dtmf { call, digit });
                }
            }
            DialogState::Options(_, _, handle)
            | DialogState::Notify(_, _, handle)
            | DialogState::Message(_, _, handle) => {
                let _ = handle.reply(StatusCode::OK).await;
            }
            DialogState::Refer(_, _, handle) => {
                let _ = handle.reply(StatusCode::Decline).await;
            }
            DialogState::Publish(_, _, handle) => {
                let _ = handle.reply(StatusCode::MethodNotAllowed).await;
            }
            DialogState::Terminated(id, reason) => self.on_terminated(id, reason),
            _ => {}
        }
    }

    /// re-INVITE or UPDATE: 200 with our SDP (the session is unchanged on our side).
    async fn on_update(&mut self, req: Request, handle: TransactionHandle) {
        let with_sdp = req.method == Method::Invite || !req.body.is_empty();
        let (headers, body) = if with_sdp {
            let ct = Header::ContentType("application/sdp".into());
            (Some(vec![ct]), Some(self.offer.clone()))
        } else {
            (None, None)
        };
        let _ = handle.respond(StatusCode::OK, headers, body).await;
        if !req.body.is_empty() {
            self.emit(SipEvent::MediaUpdate {
                call: self.call,
                sdp: req.body,
            });
        }
    }

    fn on_terminated(&mut self, id: rsipstack::dialog::DialogId, reason: TerminatedReason) {
        self.shared.dialogs.remove_dialog(&id);
        self.remember(id);
        if self.answered && !self.terminated && !self.bye_sent {
            let call = self.call;
            match reason {
                TerminatedReason::UasBye => self.emit(SipEvent::RemoteBye { call }),
                other => self.emit(SipEvent::TransportError {
                    call,
                    detail: format!("dialog ended: {other:?}"),
                }),
            }
        }
        self.terminated = true;
    }

    fn on_invite_result(&mut self, result: Result<InviteAsyncResult, tokio::task::JoinError>) {
        self.invite_done = true;
        let call = self.call;
        let resp = match result {
            Ok(Ok((id, Some(resp)))) => {
                self.remember(id);
                resp
            }
            Ok(Ok((_, None))) => {
                let detail = "INVITE ended without a final response".to_string();
                return self.emit(SipEvent::TransportError { call, detail });
            }
            Ok(Err(e)) => {
                let detail = format!("INVITE failed: {e}");
                return self.emit(SipEvent::TransportError { call, detail });
            }
            Err(e) => {
                let detail = format!("INVITE task ended: {e}");
                return self.emit(SipEvent::TransportError { call, detail });
            }
        };
        if resp.status_code.kind() == StatusCodeKind::Successful {
            if self.cancelled && !self.answered {
                // A 2xx crossed our CANCEL: rsipstack ACKed it and sends the BYE itself, and
                // reports no `Confirmed` or `Terminated`. Tell the core what really happened.
                self.terminated = true;
            }
            self.take_answer(&resp);
            return;
        }
        self.emit(SipEvent::Rejected {
            call,
            code: resp.status_code.code(),
            reason: reason_phrase(&resp),
            retry_after: retry_after(&resp),
        });
    }

    fn on_command(&mut self, command: SipCommand) {
        let dialog = self.dialog.clone();
        match command {
            SipCommand::Cancel if !self.invite_done && !self.cancelled => {
                self.cancelled = true;
                self.arm_release_wait();
                // The CANCEL transaction may take 64*T1 against a dead peer: not in this loop.
                tokio::spawn(async move {
                    let _ = dialog.cancel().await;
                });
            }
            SipCommand::Bye if self.answered && !self.bye_sent => {
                self.bye_sent = true;
                self.arm_release_wait();
                tokio::spawn(async move {
                    let _ = dialog.bye().await;
                });
            }
            // A BYE for a call answered after our CANCEL: rsipstack already sent it.
            _ => {}
        }
    }
}

/// The key of an INFO carrying DTMF, if it does.
fn info_key(req: &Request) -> Option<char> {
    let content_type = req.headers.iter().find_map(|h| match h {
        Header::ContentType(ct) => Some(ct.value().to_string()),
        _ => None,
    })?;
    let body = std::str::from_utf8(&req.body).ok()?;
    crate::media::dtmf::key_of_info(&content_type, body)
}
