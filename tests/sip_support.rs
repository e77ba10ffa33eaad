//! Real SIP peers for the call tests: a sipp UAS child process (foreground, bounded by
//! `-timeout` and `-m`, killed by PID on drop) and a small driver loop that runs the call
//! state machine against our SIP adapter, as the runtime will.

#![allow(dead_code)] // each test module uses a different subset

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use dialer::call::{Call, CallInput, CallOutput, CallRecord, CallTimers};
use dialer::campaign::{Codec, Transport};
use dialer::media::rtp_packet::RtpStream;
use dialer::media::sdp::{AudioDescription, OFFER_DTMF_PT, negotiate};
use dialer::net::clock;
use dialer::net::rtp::{MediaEvent, MediaReport, MediaSession, Playback, bind_in_range};
use dialer::net::sip::{
    DigestCredential, EndpointConfig, InviteRequest, SipCommand, SipEndpoint, SipEvent, SipTarget,
};
use tokio::sync::mpsc;

use crate::common::repo_root;

/// A free UDP port on 127.0.0.1 for a peer to bind next. Taken below the kernel's ephemeral
/// range (32768+) from a per-process counter, so a socket bound to port 0 by a parallel test
/// cannot be handed the same port between our probe and the peer's bind.
pub fn free_udp_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 12_000 + (std::process::id() % 40) as u16 * 500;
    loop {
        let port = base + NEXT.fetch_add(1, Ordering::Relaxed) % 500;
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A sipp UAS running one scenario from tests/sipp/.
pub struct Sipp {
    child: Option<Child>,
    /// A scenario filled in from a template, kept until sipp ends.
    _filled: Option<tempfile::NamedTempFile>,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Sipp {
    /// Starts `sipp -sf tests/sipp/<scenario>` on a free loopback port, for `calls` calls, with
    /// `-key` values; bounded by a 20 s global timeout.
    pub fn uas(scenario: &str, calls: u32, keys: &[(&str, String)]) -> Sipp {
        Sipp::uas_filled(scenario, &[], calls, keys)
    }

    /// Like [`Sipp::uas`], with `@NAME@` placeholders of the scenario replaced first (for
    /// what sipp checks at load time, such as response codes).
    pub fn uas_filled(
        scenario: &str,
        fill: &[(&str, String)],
        calls: u32,
        keys: &[(&str, String)],
    ) -> Sipp {
        Sipp::uas_with_args(scenario, fill, calls, keys, &[])
    }

    /// Like [`Sipp::uas_filled`], with extra command-line arguments (e.g. `-mp PORT`).
    pub fn uas_with_args(
        scenario: &str,
        fill: &[(&str, String)],
        calls: u32,
        keys: &[(&str, String)],
        extra: &[String],
    ) -> Sipp {
        let port = free_udp_port();
        let mut path = repo_root().join("tests/sipp").join(scenario);
        let mut filled = None;
        if !fill.is_empty() {
            let mut text = std::fs::read_to_string(&path).expect("scenario");
            for (name, value) in fill {
                text = text.replace(&format!("@{name}@"), value);
            }
            let file = tempfile::Builder::new().suffix(".xml").tempfile().unwrap();
            std::fs::write(file.path(), text).unwrap();
            path = file.path().to_path_buf();
            filled = Some(file);
        }
        let mut cmd = Command::new("sipp");
        cmd.arg("-sf")
            .arg(&path)
            .args([
                "-i",
                "127.0.0.1",
                "-mi",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .args([
                "-m",
                &calls.to_string(),
                "-timeout",
                "20s",
                "-timeout_error",
            ])
            .args(["-nostdin", "-nr"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in keys {
            cmd.args(["-key", k, v]);
        }
        let child = cmd
            .spawn()
            .expect("sipp (Debian sip-tester) must be installed");
        // sipp binds within milliseconds; UDP retransmission covers any remaining gap.
        std::thread::sleep(Duration::from_millis(150));
        Sipp {
            child: Some(child),
            _filled: filled,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    /// Waits (bounded) for sipp to end its calls and returns its exit status:
    /// 0 = every call followed the scenario.
    pub fn finish(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        for _ in 0..200 {
            if let Some(status) = child.try_wait().expect("wait sipp") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("sipp did not end within 10 s");
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One call to place through the driver.
#[derive(Debug, Clone)]
pub struct Dial {
    pub target: SocketAddr,
    pub callee: String,
    pub credential: Option<DigestCredential>,
    pub timers: CallTimers,
    /// Prompt length in 20 ms frames.
    pub prompt_frames: usize,
    pub codecs: Vec<Codec>,
}

impl Dial {
    pub fn to(target: SocketAddr, callee: &str) -> Self {
        Dial {
            target,
            callee: callee.to_string(),
            credential: None,
            timers: CallTimers::new(Duration::from_secs(5), Duration::from_secs(10)),
            prompt_frames: 25,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
        }
    }
}

/// What the driver saw.
#[derive(Debug)]
pub struct Dialed {
    pub record: CallRecord,
    pub events: Vec<SipEvent>,
    pub media: Option<MediaReport>,
    /// Dialogs rsipstack still held after the call was released (must be 0).
    pub dialogs_left: usize,
    pub call_id: String,
}

/// Places one call and runs it to the end through the call core, like the runtime does:
/// outputs to the SIP adapter and RTP, adapter events back in, timers from `poll_timeout`.
pub async fn dial(d: Dial) -> Dialed {
    let config = EndpointConfig::new("127.0.0.1:0".parse().unwrap());
    let (endpoint, mut sip_events) = SipEndpoint::start(config).await.expect("endpoint");
    let ip: IpAddr = "127.0.0.1".parse().unwrap();
    let rtp = bind_in_range(ip, 20_000..=32_000, free_udp_port())
        .await
        .expect("rtp port");
    let offer = AudioDescription {
        addr: ip,
        port: rtp.local_addr().unwrap().port(),
        codecs: d.codecs.clone(),
        dtmf_pt: Some(OFFER_DTMF_PT),
        session_id: 7,
        session_version: 1,
    };
    let call_id = endpoint.new_call_id();
    let request = InviteRequest {
        call_id: call_id.clone(),
        target: SipTarget {
            host: d.target.ip().to_string(),
            port: d.target.port(),
            transport: Transport::Udp,
        },
        callee: d.callee.clone(),
        caller_id: Some("+861012345678".into()),
        credential: d.credential.clone(),
        offer: offer.render().into_bytes(),
    };
    let (media_tx, mut media_rx) = mpsc::unbounded_channel();
    let mut rtp = Some(rtp);
    let mut call = Call::new(d.timers, clock::instant(), clock::now());
    call.handle_input(clock::instant(), CallInput::Dial);
    let (mut record, mut released, mut events) = (None, false, Vec::new());
    let (mut answer_sdp, mut session, mut report) = (None::<Vec<u8>>, None, None);
    let bound = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        while let Some(out) = call.poll_output() {
            match out {
                CallOutput::SendInvite => endpoint.invite(1, request.clone()).expect("invite"),
                CallOutput::SendCancel => endpoint.command(1, SipCommand::Cancel).expect("cancel"),
                CallOutput::SendBye => {
                    let _ = endpoint.command(1, SipCommand::Bye);
                }
                CallOutput::StartMedia => {
                    let sdp = answer_sdp.as_deref().expect("answer SDP before StartMedia");
                    let neg = negotiate(sdp, &d.codecs).expect("usable answer");
                    let playback = Playback {
                        call: 1,
                        stream: RtpStream {
                            ssrc: 0xD1A1_E401,
                            payload_type: neg.payload_type,
                            first_seq: 65_530,
                            first_ts: 1_000,
                        },
                        codec: neg.codec,
                        prompt: Some(Arc::from(vec![0x55u8; 160 * d.prompt_frames])),
                        dtmf_pt: neg.dtmf_pt,
                        record: None,
                        phase_index: 3,
                    };
                    let socket = rtp.take().expect("one media start");
                    let s = MediaSession::start(socket, neg.remote, playback, media_tx.clone());
                    session = Some(s.await.expect("media start"));
                }
                CallOutput::StopMedia => {
                    if let Some(s) = session.take() {
                        report = Some(s.stop().await);
                    }
                }
                CallOutput::Finished(r) => record = Some(r),
            }
        }
        if record.is_some() && released {
            break;
        }
        let wake = call.poll_timeout().map(tokio::time::Instant::from_std);
        tokio::select! {
            ev = sip_events.recv() => {
                let ev = ev.expect("endpoint alive");
                if let SipEvent::Answered { sdp, .. } = &ev {
                    answer_sdp = Some(sdp.clone());
                }
                if matches!(ev, SipEvent::Released { .. }) {
                    released = true;
                } else if let Some(input) = ev.to_call_input() {
                    call.handle_input(clock::instant(), input);
                }
                events.push(ev);
            }
            Some(MediaEvent::PromptFinished { .. }) = media_rx.recv() => {
                call.handle_input(clock::instant(), CallInput::PromptFinished);
            }
            () = sleep_until(wake) => call.handle_timeout(clock::instant()),
            () = tokio::time::sleep_until(bound) => panic!("call did not end within 30 s: {events:?}"),
        }
    }
    Dialed {
        record: record.unwrap(),
        events,
        media: report,
        dialogs_left: endpoint.dialog_count(),
        call_id,
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
