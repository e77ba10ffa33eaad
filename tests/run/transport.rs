//! Trunks over TCP: `transport: tcp` places calls on a TCP connection to the carrier. The
//! carrier is sipp in TCP mode (`-t t1`), which does not listen on UDP at all, so a call that
//! reaches it went over TCP.

use std::net::UdpSocket;
use std::time::Duration;

use rusqlite::Connection;

use super::{campaign, finish, spawn};
use crate::common::Sandbox;
use crate::sip_support::Sipp;

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
