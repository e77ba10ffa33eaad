//! IVR menus end to end: `dialer run` against a sipp callee that presses keys by replaying
//! RFC 4733 packets (`play_pcap_audio`), read back from the real database: confirm, opt-out
//! (then on the DNC list and skipped by a second campaign), no key, a key during the prompt
//! (barge-in), a telephone-event payload type other than 101, and a callee hanging up inside
//! the menu.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::common::Sandbox;
use crate::run::{Sim, finish, spawn, write_prompt};
use crate::sip_support::{Sipp, free_udp_port};

/// sipp's RFC 4733 captures (Debian `sip-tester`), payload type 101, one key each.
fn sipp_pcap(key: &str) -> String {
    format!("/usr/share/sip-tester/dtmf_2833_{key}.pcap")
}

/// Writes a pcap (Ethernet/IPv4/UDP/RTP) of one press of `key` with payload type `pt`, as
/// sipp's `play_pcap_audio` replays it, from our own RFC 4733 encoder.
fn write_pcap(path: &Path, key: char, pt: u8) {
    let mut file = Vec::new();
    for v in [
        0xa1b2_c3d4u32.to_le_bytes().as_slice(),
        &2u16.to_le_bytes(),
        &4u16.to_le_bytes(),
    ] {
        file.extend_from_slice(v);
    }
    file.extend_from_slice(&[0; 8]); // zone, sigfigs
    file.extend_from_slice(&65_535u32.to_le_bytes());
    file.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
    for (i, (marker, payload)) in dialer::media::dtmf::press_packets(key, 100)
        .into_iter()
        .enumerate()
    {
        let mut rtp = vec![0x80, (u8::from(marker) << 7) | pt];
        rtp.extend_from_slice(&(100 + i as u16).to_be_bytes());
        rtp.extend_from_slice(&16_000u32.to_be_bytes());
        rtp.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        rtp.extend_from_slice(&payload);
        let udp_len = 8 + rtp.len() as u16;
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&(20 + udp_len).to_be_bytes());
        ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x08, 0x00]);
        frame.extend_from_slice(&ip);
        frame.extend_from_slice(&6000u16.to_be_bytes());
        frame.extend_from_slice(&6002u16.to_be_bytes());
        frame.extend_from_slice(&udp_len.to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(&rtp);
        let usec = 20_000 * i as u32;
        file.extend_from_slice(&1u32.to_le_bytes());
        file.extend_from_slice(&usec.to_le_bytes());
        file.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        file.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        file.extend_from_slice(&frame);
    }
    std::fs::write(path, file).unwrap();
}

/// How the callee ends: waits for our BYE, or hangs up itself.
#[derive(Clone, Copy)]
enum End {
    OurBye,
    TheirBye,
}

/// What one callee does: (pause ms, pcap) presses, then how it ends; or, with `info`, this
/// scenario text in place of the presses (SIP INFO key presses need From/To captured).
struct Callee {
    pt: u8,
    presses: Vec<(u32, String)>,
    end: End,
    info: Option<String>,
}

/// A key press as SIP INFO `application/dtmf-relay`, `pause_ms` after the answer. Its 200
/// is optional: the key may end the menu at once, and our BYE can overtake that 200.
fn info_press(pause_ms: u32, key: char) -> String {
    format!(
        r#"<pause milliseconds="{pause_ms}"/>
  <send retrans="500"><![CDATA[

      INFO [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$callee];tag=[pid]SIPpTag01[call_number]
      To: [$caller]
      Call-ID: [call_id]
      Contact: <sip:carrier@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      CSeq: 2 INFO
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal={key}
      Duration=160

    ]]></send>
  <recv response="200" optional="true"/>"#
    )
}

fn keys_xml(presses: &[(u32, String)]) -> String {
    presses
        .iter()
        .map(|(pause, pcap)| {
            format!(
                "<pause milliseconds=\"{pause}\"/>\n  <nop><action><exec play_pcap_audio=\"{pcap}\"/></action></nop>"
            )
        })
        .collect::<Vec<_>>()
        .join("\n  ")
}

const OK_TO_BYE: &str = r#"<recv request="BYE"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]></send>"#;

/// Keeps From and To of the INVITE for the callee's own BYE.
const CAPTURE: &str = r#"<action>
      <ereg regexp="&lt;.*" search_in="hdr" header="From:" assign_to="caller"/>
      <ereg regexp="&lt;[^&gt;]*&gt;" search_in="hdr" header="To:" assign_to="callee"/>
    </action>"#;

const OUR_BYE: &str = r#"<pause milliseconds="1000"/>
  <send retrans="500"><![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$callee];tag=[pid]SIPpTag01[call_number]
      To: [$caller]
      Call-ID: [call_id]
      Contact: <sip:carrier@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      CSeq: 1 BYE
      Content-Length: 0

    ]]></send>
  <recv response="200"/>"#;

/// The menu: `menu` plays a `prompt_ms` prompt and takes one key (2 s timeout): 1 confirms,
/// 2 opts out (DNC), nothing says goodbye.
fn ivr_campaign(sb: &Sandbox, name: &str, number: &str, sipp_port: u16, prompt_ms: u32) {
    write_prompt(sb, prompt_ms);
    sb.write(&format!("{name}.csv"), format!("phone\n{number}\n"));
    sb.write(
        &format!("{name}.yaml"),
        format!(
            "name: {name}\nnumbers: {{ file: {name}.csv, column: phone, default_region: GB }}\n\
             caller_id: \"+442079460000\"\n\
             schedule:\n  timezone: Europe/London\n  windows:\n    - {{ days: [mon, tue, wed, \
             thu, fri, sat, sun], start: \"00:00\", end: \"24:00\" }}\n\
             call: {{ ring_timeout: 5s, max_duration: 20s, codecs: [pcmu] }}\n\
             ivr:\n  start: menu\n  nodes:\n\
             \x20   menu:\n      play: prompt.wav\n      collect: {{ max_digits: 1, timeout: 2s }}\n\
             \x20     routes: {{ \"1\": yes, \"2\": no, timeout: bye, default: menu }}\n\
             \x20   yes: {{ result: confirmed }}\n\
             \x20   no: {{ result: opted_out, dnc: true }}\n\
             \x20   bye: {{ result: no_answer_given }}\n\
             sip: {{ bind: \"127.0.0.1:0\", rtp_ports: 20000-29999 }}\n\
             trunks:\n  - {{ name: carrier, uri: \"sip:127.0.0.1:{sipp_port}\" }}\n"
        ),
    );
}

/// (disposition, dtmf, ivr_result, rtp_sent, talk_ms) of the campaign's one attempt.
type Attempt = (String, String, Option<String>, i64, i64);

/// Runs campaign `name` (one number) against a sipp callee behaving as `callee`.
fn call(sb: &Sandbox, name: &str, number: &str, prompt_ms: u32, callee: &Callee) -> Attempt {
    let (end, mut capture) = match callee.end {
        End::OurBye => (OK_TO_BYE, ""),
        End::TheirBye => (OUR_BYE, CAPTURE),
    };
    let keys = match &callee.info {
        Some(info) => {
            capture = CAPTURE;
            info.clone()
        }
        None => keys_xml(&callee.presses),
    };
    let media_port = free_media_port();
    let sipp = Sipp::uas_with_args(
        "uas_ivr.xml",
        &[
            ("PT", callee.pt.to_string()),
            ("KEYS", keys),
            ("END", end.to_string()),
            ("CAPTURE", capture.to_string()),
        ],
        1,
        &[],
        &["-mp".to_string(), media_port.to_string()],
    );
    ivr_campaign(sb, name, number, sipp.addr.port(), prompt_ms);
    let child = spawn(
        sb,
        &["--db", "d.db", "run", &format!("{name}.yaml"), "--yes"],
    );
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(sipp.finish().success(), "sipp saw the call it expected");
    let conn = Connection::open(sb.join("d.db")).unwrap();
    conn.query_row(
        "SELECT disposition, dtmf, ivr_result, rtp_sent, coalesce(talk_ms, 0) FROM attempts a \
         JOIN campaigns c ON c.id = a.campaign_id WHERE c.name = ?1",
        [name],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .unwrap()
}

/// A port for sipp's media (`-mp`): sipp also binds the next ports (RTCP, video), so each
/// callee gets four free ports of its own, away from the SIP ports `free_udp_port` hands out.
fn free_media_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    // 45000-56999: clear of every range other tests bind (SIP 12000-31999, RTP 20000-29999,
    // 30000-30999 and 40000-44999), or a simulator's RTP socket could take sipp's port.
    let base = 45_000 + (std::process::id() % 40) as u16 * 300;
    loop {
        let port = base + (NEXT.fetch_add(1, Ordering::Relaxed) % 75) * 4;
        if (port..port + 4).all(|p| std::net::UdpSocket::bind(("127.0.0.1", p)).is_ok()) {
            return port;
        }
    }
}

fn presses(pause_ms: u32, pcap: String) -> Vec<(u32, String)> {
    vec![(pause_ms, pcap)]
}

#[test]
fn confirm_after_the_prompt() {
    let sb = Sandbox::new();
    let callee = Callee {
        pt: 101,
        presses: presses(1500, sipp_pcap("1")),
        end: End::OurBye,
        info: None,
    };
    let (disposition, dtmf, result, sent, _) = call(&sb, "c", "+442079460101", 1000, &callee);
    assert_eq!(disposition, "ANSWERED");
    assert_eq!((dtmf.as_str(), result.as_deref()), ("1", Some("confirmed")));
    assert!((45..=55).contains(&sent), "the whole 1 s prompt: {sent}");
}

#[test]
fn a_key_during_the_prompt_stops_it() {
    let sb = Sandbox::new();
    let callee = Callee {
        pt: 101,
        presses: presses(600, sipp_pcap("1")),
        end: End::OurBye,
        info: None,
    };
    let (_, dtmf, result, sent, _) = call(&sb, "b", "+442079460102", 4000, &callee);
    assert_eq!((dtmf.as_str(), result.as_deref()), ("1", Some("confirmed")));
    assert!(
        sent < 100,
        "a 4 s prompt is 200 packets; barge-in stopped it: {sent}"
    );
}

#[test]
fn no_key_takes_the_timeout_route() {
    let sb = Sandbox::new();
    let callee = Callee {
        pt: 101,
        presses: Vec::new(),
        end: End::OurBye,
        info: None,
    };
    let (disposition, dtmf, result, _, talk_ms) = call(&sb, "t", "+442079460103", 500, &callee);
    assert_eq!(disposition, "ANSWERED");
    assert_eq!(
        (dtmf.as_str(), result.as_deref()),
        ("", Some("no_answer_given"))
    );
    assert!(talk_ms >= 2400, "prompt + 2 s timeout: {talk_ms}");
}

#[test]
fn opt_out_lists_the_number_and_a_second_campaign_skips_it() {
    let sb = Sandbox::new();
    let callee = Callee {
        pt: 101,
        presses: presses(800, sipp_pcap("2")),
        end: End::OurBye,
        info: None,
    };
    let number = "+442079460104";
    let (_, dtmf, result, _, _) = call(&sb, "first", number, 500, &callee);
    assert_eq!((dtmf.as_str(), result.as_deref()), ("2", Some("opted_out")));
    let listed = sb
        .dialer()
        .args(["--db", "d.db", "dnc", "list", "--format", "csv"])
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains(&format!("{number},")), "{listed}");
    assert!(listed.contains("ivr:first"), "{listed}");

    // A second campaign with the same number dials nothing: no sipp is even listening.
    ivr_campaign(&sb, "second", number, free_udp_port(), 500);
    let child = spawn(&sb, &["--db", "d.db", "run", "second.yaml", "--yes"]);
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    let conn = Connection::open(sb.join("d.db")).unwrap();
    let (disposition, attempts): (String, i64) = conn
        .query_row(
            "SELECT n.last_disposition, n.attempts FROM numbers n JOIN campaigns c \
             ON c.id = n.campaign_id WHERE c.name = 'second'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((disposition.as_str(), attempts), ("DNC", 0));
}

#[test]
fn a_telephone_event_type_other_than_101_is_read_from_the_answer() {
    let sb = Sandbox::new();
    let pcap: PathBuf = sb.join("key2_pt96.pcap");
    write_pcap(&pcap, '2', 96);
    let callee = Callee {
        pt: 96,
        presses: presses(800, pcap.display().to_string()),
        end: End::OurBye,
        info: None,
    };
    let (_, dtmf, result, _, _) = call(&sb, "p", "+442079460105", 500, &callee);
    assert_eq!((dtmf.as_str(), result.as_deref()), ("2", Some("opted_out")));
    // RFC 3264's reading: the callee answers 96 but sends with our offer's 101. Also a key.
    let strict = Callee {
        pt: 96,
        presses: presses(800, sipp_pcap("1")),
        end: End::OurBye,
        info: None,
    };
    let (_, dtmf, result, _, _) = call(&sb, "q", "+442079460107", 500, &strict);
    assert_eq!((dtmf.as_str(), result.as_deref()), ("1", Some("confirmed")));
}

#[test]
fn the_callee_hanging_up_inside_the_menu_keeps_what_was_pressed() {
    let sb = Sandbox::new();
    let callee = Callee {
        pt: 101,
        presses: Vec::new(),
        end: End::TheirBye,
        info: None,
    };
    let (disposition, dtmf, result, _, talk_ms) = call(&sb, "h", "+442079460106", 3000, &callee);
    assert_eq!(disposition, "ANSWERED");
    assert_eq!((dtmf.as_str(), result), ("", None));
    assert!(talk_ms < 2500, "they hung up after 1 s: {talk_ms}");
}

#[test]
fn dialer_sim_presses_keys_by_rule() {
    // `--dtmf-for` rules before the catch-all `--dtmf`; an empty rule presses nothing.
    let sb = Sandbox::new();
    let sim = Sim::start(
        &sb,
        "sim",
        &[
            "--dtmf",
            "1",
            "--dtmf-for",
            "02=2",
            "--dtmf-for",
            "03=",
            "--dtmf-delay",
            "300ms",
        ],
    );
    ivr_campaign(&sb, "s", "+442079460101", sim.port, 1500);
    sb.write(
        "s.csv",
        "phone\n+442079460101\n+442079460102\n+442079460103\n",
    );
    let child = spawn(&sb, &["--db", "d.db", "run", "s.yaml", "--yes"]);
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    sim.stop();
    let conn = Connection::open(sb.join("d.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT e164, dtmf, ivr_result FROM attempts ORDER BY e164")
        .unwrap();
    let rows: Vec<(String, String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let got: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|(_, d, r)| (d.as_str(), r.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("1", Some("confirmed")),
            ("2", Some("opted_out")),
            ("", Some("no_answer_given"))
        ],
        "{rows:?}"
    );
}

#[test]
fn a_key_sent_as_sip_info_counts_when_rfc4733_does_not_come() {
    let sb = Sandbox::new();
    let callee = Callee {
        pt: 101,
        presses: Vec::new(),
        end: End::OurBye,
        info: Some(info_press(700, '2')),
    };
    let (_, dtmf, result, _, _) = call(&sb, "i", "+442079460108", 500, &callee);
    assert_eq!((dtmf.as_str(), result.as_deref()), ("2", Some("opted_out")));
}
