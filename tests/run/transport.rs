//! Trunks over TCP and TLS. TCP: the carrier is sipp in TCP mode (`-t t1`), which does not
//! listen on UDP at all, so a call that reaches it went over TCP. TLS (Debian's sipp has none):
//! `dialer sim --tls-listen` with the test PKI of tests/data/tls (made by its make.sh); the
//! trunk points at the TLS port, where nothing answers UDP, and trusts the test CA by
//! `tls_ca`; a trunk trusting another CA must fail the handshake, not the run.

use std::net::UdpSocket;
use std::time::Duration;

use rusqlite::Connection;

use super::{Sim, campaign, finish, spawn};
use crate::common::Sandbox;
use crate::common::repo_root;
use crate::sip_support::Sipp;
use crate::sip_support::free_udp_port;

fn tcp_trunk(port: u16) -> String {
    format!("trunks:\n  - {{ name: carrier, uri: \"sip:127.0.0.1:{port}\", transport: tcp }}\n")
}

/// (disposition, sip_code, rtp_sent) of every attempt, in order.
fn attempts(sb: &Sandbox) -> Vec<(String, Option<i64>, i64)> {
    let conn = Connection::open(sb.join("d.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT disposition, sip_code, rtp_sent FROM attempts ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn an_answered_call_over_tcp_plays_its_prompt() {
    let rtp = UdpSocket::bind("127.0.0.1:0").unwrap();
    rtp.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let rtp_port = rtp.local_addr().unwrap().port().to_string();
    let sipp = Sipp::uas_with_args(
        "uas_answer.xml",
        &[],
        1,
        &[("rtpport", rtp_port)],
        &["-t".to_string(), "t1".to_string()],
    );
    let sb = Sandbox::new();
    campaign(&sb, 1, "{ max_cps: 5 }", &tcp_trunk(sipp.addr.port()), 1000);
    let child = spawn(&sb, &["--db", "d.db", "run", "t.yaml", "--yes"]);
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        sipp.finish().success(),
        "sipp (TCP only) saw INVITE, ACK and our BYE"
    );
    let got = attempts(&sb);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0.as_str(), got[0].1), ("ANSWERED", Some(200)));
    let mut buf = [0u8; 2048];
    let packets = std::iter::from_fn(|| rtp.recv(&mut buf).ok()).count();
    assert!(
        (45..=55).contains(&packets),
        "the 1 s prompt over RTP: {packets}"
    );
}

#[test]
fn a_busy_callee_over_tcp_is_busy() {
    let fill = [
        ("CODE", "486".to_string()),
        ("REASON", "Busy Here".to_string()),
    ];
    let sipp = Sipp::uas_with_args(
        "uas_reject.xml",
        &fill,
        1,
        &[],
        &["-t".to_string(), "t1".to_string()],
    );
    let sb = Sandbox::new();
    campaign(&sb, 1, "{ max_cps: 5 }", &tcp_trunk(sipp.addr.port()), 200);
    let child = spawn(&sb, &["--db", "d.db", "run", "t.yaml", "--yes"]);
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(sipp.finish().success());
    assert_eq!(attempts(&sb)[0].1, Some(486));
    assert_eq!(attempts(&sb)[0].0, "BUSY");
}

/// A one-number campaign over TLS to a simulator's TLS port, trusting `ca` (tests/data/tls).
/// Returns (disposition, sip_code, sip_reason) and the simulator's call count.
fn tls_call(ca: &str) -> ((String, Option<i64>, Option<String>), i64) {
    let sb = Sandbox::new();
    let tls = repo_root().join("tests/data/tls");
    let tls_port = free_udp_port(); // a free number for the TCP listener, UDP-checked
    let listen = format!("127.0.0.1:{tls_port}");
    let (cert, key) = (tls.join("server.pem"), tls.join("server.key"));
    let sim = Sim::start(
        &sb,
        "sim",
        &[
            "--tls-listen",
            &listen,
            "--tls-cert",
            &cert.to_string_lossy(),
            "--tls-key",
            &key.to_string_lossy(),
        ],
    );
    let trunk = format!(
        "trunks:\n  - {{ name: carrier, uri: \"sip:127.0.0.1:{tls_port}\", transport: tls, \
         tls_ca: \"{}\" }}\n",
        tls.join(ca).display()
    );
    campaign(&sb, 1, "{ max_cps: 5 }", &trunk, 500);
    let child = spawn(&sb, &["--db", "d.db", "run", "t.yaml", "--yes"]);
    let (status, err) = finish(child, Duration::from_secs(40));
    assert_eq!(status.code(), Some(0), "{err}");
    let stats = sim.stop();
    let conn = Connection::open(sb.join("d.db")).unwrap();
    let row = conn
        .query_row(
            "SELECT disposition, sip_code, sip_reason FROM attempts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    (row, stats["calls"].as_i64().unwrap())
}

#[test]
fn a_call_over_tls_is_answered_when_the_trunk_trusts_the_carrier() {
    let ((disposition, code, _), calls) = tls_call("ca.pem");
    assert_eq!((disposition.as_str(), code), ("ANSWERED", Some(200)));
    assert_eq!(calls, 1, "the simulator answered it on its TLS port");
}

#[test]
fn a_carrier_certificate_from_another_ca_fails_the_call_not_the_run() {
    let ((disposition, code, reason), calls) = tls_call("other.pem");
    assert_eq!((disposition.as_str(), code), ("FAILED", None));
    assert!(
        reason
            .unwrap_or_default()
            .contains("no response from the trunk"),
        "the attempt says why"
    );
    assert_eq!(calls, 0, "no INVITE got through an untrusted TLS session");
}
