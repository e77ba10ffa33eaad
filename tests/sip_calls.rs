//! The SIP adapter + call state machine against sipp as the carrier, over real UDP on
//! 127.0.0.1: every outcome row we can provoke, CANCEL, digest auth, callee BYE, re-INVITE.

use std::net::UdpSocket;
use std::time::Duration;

use dialer::call::{CallTimers, Disposition, EndCause, FailureKind, RetryClass};
use dialer::campaign::Secret;
use dialer::media::rtp_packet::ReceiveStats;
use dialer::net::sip::{DigestCredential, SipEvent};

use crate::sip_support::{Dial, Sipp, dial};

/// A UDP socket standing in for the carrier's media port: counts what we send.
fn media_sink() -> (UdpSocket, u16) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let port = s.local_addr().unwrap().port();
    (s, port)
}

fn drain(sink: &UdpSocket, pt: u8) -> ReceiveStats {
    let mut stats = ReceiveStats::default();
    let mut buf = [0u8; 2048];
    while let Ok(n) = sink.recv(&mut buf) {
        stats.observe(&buf[..n], pt, Some(96)).unwrap();
    }
    stats
}

#[tokio::test]
async fn answered_call_plays_the_prompt_as_negotiated_then_byes() {
    let (sink, rtp_port) = media_sink();
    let sipp = Sipp::uas("uas_answer.xml", 1, &[("rtpport", rtp_port.to_string())]);
    let dialed = dial(Dial::to(sipp.addr, "+8613800000000")).await;
    let r = &dialed.record;
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.end, EndCause::PromptFinished);
    assert_eq!(
        (r.sip_code, r.sip_reason.as_deref()),
        (Some(200), Some("OK"))
    );
    assert!(r.ringing_at.is_some() && r.answered_at.is_some());
    assert!(r.ring_ms >= 150, "sipp rings 200 ms: {}", r.ring_ms);
    assert!(r.talk_ms >= 480, "25 frames take 500 ms: {}", r.talk_ms);
    assert!(
        dialed.call_id.ends_with("@dialer.invalid"),
        "{}",
        dialed.call_id
    );
    let media = dialed.media.expect("media ran");
    assert_eq!(media.sent, 25);
    assert!(media.prompt_finished);
    // The carrier saw every packet, in PCMA (the answer's choice, PT 8), no sequence gap
    // across the 16-bit wrap.
    let seen = drain(&sink, 8);
    assert_eq!(
        (seen.packets, seen.wrong_payload_type, seen.missing()),
        (25, 0, 0)
    );
    assert_eq!(dialed.dialogs_left, 0, "remove_dialog on every end");
    assert!(sipp.finish().success(), "sipp saw ACK and our BYE");
}

async fn rejected_with(code: u16, reason: &str) -> crate::sip_support::Dialed {
    let fill = [("CODE", code.to_string()), ("REASON", reason.to_string())];
    let sipp = Sipp::uas_filled("uas_reject.xml", &fill, 1, &[]);
    let dialed = dial(Dial::to(sipp.addr, "+8613800000001")).await;
    assert!(sipp.finish().success(), "sipp saw the ACK of {code}");
    assert_eq!(dialed.dialogs_left, 0);
    dialed
}

#[tokio::test]
async fn final_responses_map_to_the_contract_table() {
    let cases = [
        (486, "Busy Here", Disposition::Busy, RetryClass::Busy),
        (404, "Not Found", Disposition::Invalid, RetryClass::Never),
        (
            484,
            "Address Incomplete",
            Disposition::Invalid,
            RetryClass::Never,
        ),
        (
            480,
            "Temporarily Unavailable",
            Disposition::NoAnswer,
            RetryClass::NoAnswer,
        ),
        (603, "Decline", Disposition::Rejected, RetryClass::Never),
        (
            488,
            "Not Acceptable Here",
            Disposition::Failed,
            RetryClass::Never,
        ),
    ];
    for (code, reason, disposition, retry) in cases {
        let r = rejected_with(code, reason).await.record;
        assert_eq!((r.disposition, r.retry), (disposition, retry), "{code}");
        assert_eq!(r.sip_code, Some(code));
        assert_eq!(r.sip_reason.as_deref(), Some(reason));
        assert_eq!(r.talk_ms, 0);
    }
}

#[tokio::test]
async fn service_unavailable_fails_over_with_retry_after() {
    let r = rejected_with(503, "Service Unavailable").await.record;
    assert_eq!(r.disposition, Disposition::Failed);
    assert_eq!(r.failure, Some(FailureKind::Trunk));
    assert!(r.failover);
    assert_eq!(r.retry_after, Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn ring_timeout_cancels_and_awaits_the_487() {
    let sipp = Sipp::uas("uas_ring_cancel.xml", 1, &[]);
    let mut d = Dial::to(sipp.addr, "+8613800000487");
    d.timers = CallTimers::new(Duration::from_millis(800), Duration::from_secs(10));
    let dialed = dial(d).await;
    let r = &dialed.record;
    assert_eq!(
        (r.disposition, r.end),
        (Disposition::NoAnswer, EndCause::RingTimeout)
    );
    assert_eq!(
        r.sip_code,
        Some(487),
        "the 487 arrived before our cancel-wait"
    );
    assert!((700..1_200).contains(&r.ring_ms), "{}", r.ring_ms);
    assert_eq!(dialed.dialogs_left, 0);
    assert!(
        sipp.finish().success(),
        "sipp saw CANCEL and the ACK of its 487"
    );
}

fn credential(password: &str) -> Option<DigestCredential> {
    Some(DigestCredential {
        username: "acct".into(),
        password: Secret::new(password),
    })
}

#[tokio::test]
async fn digest_auth_with_qop_list_and_good_credentials_answers() {
    let (_sink, rtp_port) = media_sink();
    let keys = [
        ("user", "acct".to_string()),
        ("password", "s3cret".to_string()),
        ("rtpport", rtp_port.to_string()),
    ];
    let sipp = Sipp::uas("uas_auth.xml", 1, &keys);
    let mut d = Dial::to(sipp.addr, "+8613800000401");
    d.credential = credential("s3cret");
    d.prompt_frames = 5;
    let dialed = dial(d).await;
    assert_eq!(dialed.record.disposition, Disposition::Answered);
    assert!(sipp.finish().success());
}

#[tokio::test]
async fn wrong_password_fails_once_and_pauses_the_trunk() {
    let keys = [
        ("user", "acct".to_string()),
        ("password", "s3cret".to_string()),
        ("rtpport", "9".to_string()),
    ];
    let sipp = Sipp::uas("uas_auth.xml", 1, &keys);
    let mut d = Dial::to(sipp.addr, "+8613800000401");
    d.credential = credential("wrong");
    let dialed = dial(d).await;
    let r = &dialed.record;
    assert_eq!(
        (r.disposition, r.sip_code),
        (Disposition::Failed, Some(403))
    );
    assert!(r.pause_trunk && !r.failover);
    // sipp's scenario accepts exactly two INVITEs: a loop would fail its run.
    assert!(sipp.finish().success());
}

#[tokio::test]
async fn callee_bye_during_the_prompt_ends_the_call() {
    let (sink, rtp_port) = media_sink();
    let sipp = Sipp::uas("uas_bye_mid.xml", 1, &[("rtpport", rtp_port.to_string())]);
    let mut d = Dial::to(sipp.addr, "+8613800000002");
    d.prompt_frames = 250; // 5 s: the callee hangs up long before
    let dialed = dial(d).await;
    let r = &dialed.record;
    assert_eq!(
        (r.disposition, r.end),
        (Disposition::Answered, EndCause::RemoteBye)
    );
    assert!((250..2_000).contains(&r.talk_ms), "{}", r.talk_ms);
    let media = dialed.media.expect("media ran");
    assert!(!media.prompt_finished);
    assert!((10..100).contains(&media.sent), "{}", media.sent);
    assert_eq!(drain(&sink, 8).packets, media.sent);
    assert_eq!(dialed.dialogs_left, 0);
    assert!(sipp.finish().success(), "sipp got 200 to its BYE");
}

#[tokio::test]
async fn reinvite_mid_call_is_answered_with_our_sdp() {
    let (_sink, rtp_port) = media_sink();
    let port = rtp_port.to_string();
    let sipp = Sipp::uas(
        "uas_reinvite.xml",
        1,
        &[("rtpport", port.clone()), ("newport", port)],
    );
    let dialed = dial(Dial::to(sipp.addr, "+8613800000003")).await;
    assert_eq!(dialed.record.disposition, Disposition::Answered);
    assert_eq!(
        dialed.record.end,
        EndCause::PromptFinished,
        "the re-INVITE did not end it"
    );
    let updates = dialed
        .events
        .iter()
        .filter(|e| matches!(e, SipEvent::MediaUpdate { .. }))
        .count();
    assert_eq!(updates, 1);
    let answers = dialed
        .events
        .iter()
        .filter(|e| matches!(e, SipEvent::Answered { .. }))
        .count();
    assert_eq!(
        answers, 1,
        "Confirmed after the re-INVITE is not a second answer"
    );
    assert!(
        sipp.finish().success(),
        "sipp got 200+SDP to its re-INVITE, then our BYE"
    );
}
