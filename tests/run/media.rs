//! Media as `dialer run` handles it mid-call: RTP follows the callee's re-INVITE to a new
//! address.

use std::net::UdpSocket;
use std::time::Duration;

use super::{campaign, finish, spawn, trunk_lines};
use crate::common::Sandbox;
use crate::sip_support::Sipp;

/// A UDP socket counting what arrives, and its port.
fn sink() -> (UdpSocket, u16) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let port = s.local_addr().unwrap().port();
    (s, port)
}

fn packets(sink: &UdpSocket) -> usize {
    let mut buf = [0u8; 2048];
    std::iter::from_fn(|| sink.recv(&mut buf).ok()).count()
}

#[test]
fn rtp_follows_a_reinvite_to_the_new_address() {
    let (first, first_port) = sink();
    let (second, second_port) = sink();
    let sipp = Sipp::uas(
        "uas_reinvite.xml",
        1,
        &[
            ("rtpport", first_port.to_string()),
            ("newport", second_port.to_string()),
        ],
    );
    let sb = Sandbox::new();
    let trunks = trunk_lines(&[("carrier", sipp.addr.port())]);
    // A 2 s prompt: 100 packets, the re-INVITE comes 300 ms after the answer.
    campaign(&sb, 1, "{ max_cps: 5 }", &trunks, 2000);
    let child = spawn(&sb, &["--db", "d.db", "run", "t.yaml", "--yes"]);
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        sipp.finish().success(),
        "sipp's re-INVITE got 200 + SDP, then our BYE"
    );
    let (before, after) = (packets(&first), packets(&second));
    assert!(
        before > 0,
        "RTP went to the first address until the re-INVITE"
    );
    assert!(
        after >= 60,
        "then to the new one: {before} before, {after} after"
    );
    assert!((95..=105).contains(&(before + after)), "{before} + {after}");
}
