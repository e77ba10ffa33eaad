//! The SIP adapter + call core against our own simulator (`net::sip::uas` + `sim`), in-process
//! over real UDP on 127.0.0.1: the rehearsal path `dialer run --simulate` will take.

use std::time::Duration;

use dialer::call::{CallTimers, Disposition, EndCause};
use dialer::campaign::Secret;
use dialer::net::sip::uas::{SimMedia, SimServer};
use dialer::net::sip::{DigestCredential, EndpointConfig};
use dialer::sim::{DurationRange, Mix, SimConfig, Simulator};

use crate::sip_support::{Dial, dial, free_udp_port};

fn range(min_ms: u64, max_ms: u64) -> DurationRange {
    DurationRange {
        min: Duration::from_millis(min_ms),
        max: Duration::from_millis(max_ms),
    }
}

async fn simulator(demand: Option<&str>) -> SimServer {
    let config = SimConfig {
        mix: Mix {
            answer: 1,
            busy: 0,
            no_answer: 0,
            fail: 0,
            reject: 0,
            invalid: 0,
        },
        seed: 1,
        ring: range(100, 200),
        talk: range(5_000, 5_000),
        capacity: None,
        demand_auth: demand.is_some(),
        keys: Vec::new(),
        key_delay: Duration::ZERO,
    };
    let bind = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    let media = SimMedia {
        ip: "127.0.0.1".parse().unwrap(),
        ports: 12_000..=31_998,
        echo: true,
    };
    let credential = demand.map(|p| DigestCredential {
        username: "acct".into(),
        password: Secret::new(p),
    });
    SimServer::start(
        EndpointConfig::new(bind),
        Simulator::new(config),
        media,
        credential,
    )
    .await
    .expect("sim starts")
}

#[tokio::test]
async fn answered_call_rtp_is_counted_and_echoed() {
    let sim = simulator(None).await;
    let mut d = Dial::to(sim.local_addr(), "+8613800000200");
    d.prompt_frames = 30;
    let dialed = dial(d).await;
    assert_eq!(dialed.record.disposition, Disposition::Answered);
    assert_eq!(dialed.record.end, EndCause::PromptFinished);
    let media = dialed.media.unwrap();
    assert_eq!(media.sent, 30);
    // The simulator echoes: what we received back is our own stream (our PT, no gaps).
    assert!(media.received.packets >= 25, "{:?}", media.received);
    assert_eq!(media.received.wrong_payload_type, 0);
    // Let the simulator see our BYE and close the call.
    for _ in 0..40 {
        if sim.report().calls == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let report = sim.report();
    assert_eq!(report.calls, 1);
    assert_eq!(report.rtp_packets_per_call, vec![30]);
    assert_eq!(report.codes.get(&200), Some(&1));
    assert_eq!(sim.active(), 0);
}

#[tokio::test]
async fn outcomes_by_last_digits() {
    let sim = simulator(None).await;
    for (number, disposition, code) in [
        ("+8613800000486", Disposition::Busy, Some(486)),
        ("+8613800000404", Disposition::Invalid, Some(404)),
        ("+8613800000503", Disposition::Failed, Some(503)),
        ("+8613800000603", Disposition::Rejected, Some(603)),
    ] {
        let r = dial(Dial::to(sim.local_addr(), number)).await.record;
        assert_eq!((r.disposition, r.sip_code), (disposition, code), "{number}");
    }
    let mut d = Dial::to(sim.local_addr(), "+8613800000487");
    d.timers = CallTimers::new(Duration::from_millis(600), Duration::from_secs(5));
    let r = dial(d).await.record;
    assert_eq!(
        (r.disposition, r.sip_code),
        (Disposition::NoAnswer, Some(487))
    );
    assert_eq!(sim.report().invites, 5);
}

#[tokio::test]
async fn demanded_credentials_good_and_wrong() {
    let sim = simulator(Some("pa55")).await;
    let mut d = Dial::to(sim.local_addr(), "+8613800000200");
    d.prompt_frames = 3;
    d.credential = Some(DigestCredential {
        username: "acct".into(),
        password: Secret::new("pa55"),
    });
    assert_eq!(
        dial(d.clone()).await.record.disposition,
        Disposition::Answered
    );
    d.credential = Some(DigestCredential {
        username: "acct".into(),
        password: Secret::new("nope"),
    });
    let r = dial(d).await.record;
    assert_eq!(
        (r.disposition, r.sip_code, r.pause_trunk),
        (Disposition::Failed, Some(403), true)
    );
    // Two INVITEs per call (challenge + answer to it): no loop on the wrong password.
    assert_eq!(sim.report().invites, 4);
}

#[tokio::test]
async fn sim_command_serves_and_prints_what_it_saw() {
    let sandbox = crate::common::Sandbox::new();
    let port = free_udp_port();
    let json = sandbox.join("stats.json");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("dialer"))
        .args([
            "sim",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--ring",
            "100ms-200ms",
        ])
        .args([
            "--talk",
            "10s",
            "--duration",
            "3s",
            "--rtp-ports",
            "24000-24999",
        ])
        .arg("--stats-json")
        .arg(&json)
        .env_clear()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dialer sim");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let target = format!("127.0.0.1:{port}").parse().unwrap();
    let mut d = Dial::to(target, "+8613800001234");
    d.prompt_frames = 10;
    let dialed = dial(d).await;
    assert_eq!(dialed.record.disposition, Disposition::Answered);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("calls: 1\n"), "{stdout}");
    assert!(stdout.contains("max concurrent: 1\n"), "{stdout}");
    assert!(stdout.contains("RTP packets per call: 10\n"), "{stdout}");
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(stats["rtp_packets_per_call"], serde_json::json!([10]));
    assert_eq!(stats["codes"]["200"], 1);
}
