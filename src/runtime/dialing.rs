//! The life of each call inside the loop: start it (attempt row first, then the INVITE), feed
//! it SIP, media and timer inputs, and record it when it is over (or fail it over to the next
//! trunk). Part of [`super::engine::Engine`], split out to keep each file readable.

use std::time::Duration;

use super::RunError;
use super::engine::Engine;
use super::live::{CallIo, Job, KeySource, LiveCall};
use super::record::{attempt_result, mask, number_update};
use crate::call::{Call, CallInput, CallTimers};
use crate::media::sdp::{AudioDescription, OFFER_DTMF_PT};
use crate::net::clock;
use crate::net::rtp::{MediaEvent, bind_in_range};
use crate::net::sip::{CallKey, InviteRequest, SipEvent};
use crate::store::{DncSource, NewAttempt, NumberUpdate};

impl Engine {
    /// Writes the attempt row, then lets the INVITE go. False when the call could not start
    /// (no RTP port): the job is back at the front and admission pauses briefly.
    pub(super) async fn start_call(
        &mut self,
        mut job: Job,
        trunk: usize,
    ) -> Result<bool, RunError> {
        let ports = self.s.plan.sip.rtp_ports.clone();
        let hint = (self.snapshot.attempts as u16).wrapping_mul(2);
        let bound = bind_in_range(self.rtp_ip, ports, hint).await;
        let socket = match bound.and_then(|s| Ok((s.local_addr()?.port(), s))) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot start a call now: waiting for a free RTP port");
                self.dispatcher.release(trunk);
                self.queue.push_front(job);
                self.admit_wake = Some(clock::instant() + Duration::from_millis(200));
                return Ok(false);
            }
        };
        let t = &self.s.trunks[trunk];
        let call_id = self.endpoint.new_call_id();
        let now = clock::now();
        let attempt = self.store.begin_attempt(&NewAttempt {
            number: job.number.id,
            trunk: t.name.clone(),
            call_id: call_id.clone(),
            started_at: now,
        })?;
        job.attempts_made += 1;
        let key = attempt.get() as CallKey;
        let plan = &self.s.plan;
        let offer = AudioDescription {
            addr: self.advertised_ip,
            port: socket.0,
            codecs: plan.call.codecs.clone(),
            dtmf_pt: Some(OFFER_DTMF_PT),
            session_id: key,
            session_version: 1,
        };
        let request = InviteRequest {
            call_id,
            target: t.target.clone(),
            callee: job.number.e164.as_str().to_string(),
            caller_id: plan.caller_id.clone(),
            credential: t.credential.clone(),
            offer: offer.render().into_bytes(),
        };
        let timers = CallTimers::new(plan.call.ring_timeout, plan.call.max_duration);
        let mut call = Call::new(timers, clock::instant(), now);
        call.handle_input(clock::instant(), CallInput::Dial);
        tracing::debug!(
            number = %mask(&job.number.e164, self.s.show_numbers),
            trunk = %t.name,
            attempt = key,
            "dialing"
        );
        let mut live = LiveCall::new(job, trunk, attempt, call, request);
        live.rtp = Some(socket.1);
        self.calls.insert(key, live);
        self.starts.push_back(clock::instant());
        self.snapshot.attempts += 1;
        self.drive(key).await?;
        Ok(true)
    }

    /// Executes call `key`'s outputs and records it when it is over.
    pub(super) async fn drive(&mut self, key: CallKey) -> Result<(), RunError> {
        let io = CallIo::new(&self.endpoint, &self.media_tx, &self.s);
        let Some(live) = self.calls.get_mut(&key) else {
            return Ok(());
        };
        live.drain(key, &io).await;
        let opted_out = std::mem::take(&mut live.wants_dnc).then(|| live.job.number.e164.clone());
        let over = live.is_over(clock::instant());
        if let Some(number) = opted_out {
            self.list_opt_out(&number)?;
        }
        if over {
            self.finish(key).await?;
        }
        Ok(())
    }

    /// A callee chose `dnc: true` in the menu: listed in the database at once, so no later
    /// claim of this run or any other campaign dials the number again.
    fn list_opt_out(&mut self, number: &crate::campaign::E164) -> Result<(), RunError> {
        let source = DncSource::Ivr(self.s.plan.name.clone());
        self.store.dnc_add(
            [number],
            &source,
            Some("pressed opt-out in the IVR"),
            clock::now(),
        )?;
        tracing::info!(
            number = %mask(number, self.s.show_numbers),
            "the callee opted out: added to the do-not-call list"
        );
        Ok(())
    }

    pub(super) async fn on_sip(&mut self, ev: SipEvent) -> Result<(), RunError> {
        let key = ev.call();
        let Some(live) = self.calls.get_mut(&key) else {
            return Ok(());
        };
        let io = CallIo::new(&self.endpoint, &self.media_tx, &self.s);
        match &ev {
            SipEvent::Answered { sdp, .. } => live.answer_sdp = Some(sdp.clone()),
            SipEvent::Released { .. } => live.released = true,
            SipEvent::Dtmf { digit, .. } => live.on_digit(*digit, KeySource::Info, &io),
            SipEvent::MediaUpdate { sdp, .. } => live.on_media_update(sdp, &io),
            _ => {}
        }
        if let Some(input) = ev.to_call_input() {
            live.call.handle_input(clock::instant(), input);
        }
        self.drive(key).await
    }

    pub(super) async fn on_media(&mut self, ev: MediaEvent) -> Result<(), RunError> {
        let key = match ev {
            MediaEvent::PromptFinished { call, .. } | MediaEvent::Digit { call, .. } => call,
        };
        let io = CallIo::new(&self.endpoint, &self.media_tx, &self.s);
        if let Some(live) = self.calls.get_mut(&key) {
            match ev {
                MediaEvent::PromptFinished { generation, .. } => {
                    live.on_prompt_finished(generation, &io)
                }
                MediaEvent::Digit { digit, .. } => live.on_digit(digit, KeySource::Rtp, &io),
            }
        }
        self.drive(key).await
    }

    pub(super) async fn on_timers(&mut self) -> Result<(), RunError> {
        let now = clock::instant();
        let due: Vec<CallKey> = self
            .calls
            .iter()
            .filter(|(_, c)| c.next_wake().is_some_and(|t| t <= now))
            .map(|(k, _)| *k)
            .collect();
        for key in due {
            let io = CallIo::new(&self.endpoint, &self.media_tx, &self.s);
            if let Some(live) = self.calls.get_mut(&key) {
                live.on_timeout(now, &io);
            }
            self.drive(key).await?;
        }
        Ok(())
    }

    /// Records a finished call: the attempt and its number's next state, or a failover.
    pub(super) async fn finish(&mut self, key: CallKey) -> Result<(), RunError> {
        let Some(mut live) = self.calls.remove(&key) else {
            return Ok(());
        };
        live.stop_media().await;
        self.dispatcher.release(live.trunk);
        let Some(rec) = live.record.take() else {
            return Ok(());
        };
        let now = clock::now();
        let mut result = attempt_result(&rec, live.media.as_ref());
        result.dtmf = std::mem::take(&mut live.digits);
        result.ivr_result = live.ivr_result.take();
        let trunk = self.s.trunks[live.trunk].name.clone();
        let shown = mask(&live.job.number.e164, self.s.show_numbers);
        if rec.pause_trunk {
            self.dispatcher.pause(live.trunk);
            tracing::warn!(
                %trunk,
                code = rec.sip_code,
                "the trunk refused our credentials: paused for the rest of this run; check its \
                 username and password"
            );
        }
        let failover = (rec.failover || rec.pause_trunk) && self.stopping.is_none();
        if let Some(next) = failover
            .then(|| self.dispatcher.next_after(live.trunk))
            .flatten()
        {
            let update = NumberUpdate::Redial {
                disposition: result.disposition,
            };
            self.store.finish_attempt(live.attempt, &result, &update)?;
            tracing::info!(
                number = %shown,
                from = %trunk,
                to = %self.s.trunks[next].name,
                code = rec.sip_code,
                "trunk failed the call: trying the next trunk at once"
            );
            let mut job = live.job;
            job.from_trunk = next;
            self.queue.push_front(job);
            return Ok(());
        }
        let update = number_update(&self.s.plan.retry, &rec, live.job.attempts_made, now);
        self.store.finish_attempt(live.attempt, &result, &update)?;
        tracing::debug!(
            number = %shown,
            %trunk,
            disposition = %result.disposition,
            code = rec.sip_code,
            rtp_sent = result.rtp_sent,
            "call ended"
        );
        Ok(())
    }
}
