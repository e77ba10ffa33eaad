//! Whole campaigns: the demo, 1,000 numbers through a mixed profile, and the limits as the
//! carrier saw them.

use std::collections::BTreeMap;
use std::time::Duration;

use rusqlite::Connection;

use super::{Sim, campaign, count, finish, numbers, spawn, trunk_lines};
use crate::common::{Sandbox, repo_root};

#[test]
fn the_demo_runs_to_the_end_against_the_simulator() {
    let sb = Sandbox::new();
    let demo = repo_root().join("campaigns/demo");
    let audio = format!("{}/", repo_root().join("audio").display());
    let yaml = std::fs::read_to_string(demo.join("demo.yaml"))
        .unwrap()
        .replace("../../audio/", &audio)
        // Wider pacing than the shipped demo keeps the test short; outcomes are the same.
        .replace("max_concurrent: 10", "max_concurrent: 60")
        .replace("max_cps: 20", "max_cps: 50");
    sb.write("demo.yaml", yaml);
    for f in ["numbers.csv", "dnc.txt"] {
        std::fs::copy(demo.join(f), sb.join(f)).unwrap();
    }
    let child = spawn(
        &sb,
        &["--db", "d.db", "run", "demo.yaml", "--simulate", "--yes"],
    );
    let (status, err) = finish(child, Duration::from_secs(40));
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("numbers final"), "{err}");
    let db = sb.join("d.db");
    let rows = numbers(&db);
    assert!(rows.len() > 50, "{rows:?}");
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    for (e164, state, disposition, attempts) in &rows {
        assert_eq!(state, "done", "{e164}");
        let d = disposition.clone().unwrap();
        let (want, tries) = match &e164[e164.len() - 4..] {
            "0486" => ("BUSY", 2),      // busy: max_attempts 2
            "0487" => ("NO_ANSWER", 1), // rings out: our 5 s ring timeout, CANCEL
            "0503" => ("FAILED", 2),    // failed: max_attempts 2 (one trunk: no failover)
            "0404" => ("INVALID", 1),
            "0013" => ("DNC", 0), // in dnc.txt
            _ => ("ANSWERED", 1),
        };
        assert_eq!((d.as_str(), *attempts), (want, tries), "{e164}");
        *by.entry(d).or_default() += 1;
    }
    assert_eq!(by.len(), 6, "every outcome of the demo appears: {by:?}");
    // Every attempt finished.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM attempts WHERE status != 'finished'"
        ),
        0
    );
    // The two-level menu: the simulated callees press keys by the last digit (…6: 2 then 1,
    // opt out; …7: 2 then 2, call back; …8: nothing, timeout; others: 1, confirm).
    let conn = Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT e164, dtmf, ivr_result, rtp_sent, rtp_received FROM attempts \
             WHERE disposition = 'ANSWERED'",
        )
        .unwrap();
    let answered: Vec<(String, String, Option<String>, i64, i64)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(answered.len() > 40);
    let mut results: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for (e164, dtmf, result, sent, received) in &answered {
        let (keys, want) = match e164.chars().last().unwrap() {
            '6' => ("21", Some("opted_out")),
            '7' => ("22", Some("call_back")),
            '8' => ("", None),
            _ => ("1", Some("confirmed")),
        };
        assert_eq!((dtmf.as_str(), result.as_deref()), (keys, want), "{e164}");
        *results.entry(result.clone()).or_default() += 1;
        // Keys came over RTP (RFC 4733: 4 packets a 100 ms key), and a prompt went out.
        assert!(*received >= 4 * keys.len() as i64, "{e164}: {received}");
        assert!(*sent > 50, "{e164}: {sent}");
    }
    assert_eq!(
        results.len(),
        4,
        "every path of the menu was taken: {results:?}"
    );
    // Barge-in: a callee pressing 1 one second in stops the 8.2 s menu prompt (410 frames)
    // and hears the 4.2 s thanks (210): well under the two prompts in full.
    let confirmed: Vec<i64> = answered
        .iter()
        .filter(|a| a.2.as_deref() == Some("confirmed"))
        .map(|a| a.3)
        .collect();
    assert!(confirmed.iter().all(|s| *s < 330), "{confirmed:?}");
    // Every opt-out is on the database's DNC list at once, from the IVR.
    let opted_out = results[&Some("opted_out".to_string())] as i64;
    assert_eq!(
        count(&db, "SELECT count(*) FROM dnc WHERE source = 'ivr:demo'"),
        opted_out
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM attempts WHERE sip_code = 487 AND disposition = 'NO_ANSWER'"
        ),
        1
    );
}

#[test]
fn concurrency_and_cps_limits_hold_at_the_carrier() {
    let sb = Sandbox::new();
    let sim = Sim::start(&sb, "sim", &[]);
    let pacing = "{ batch_size: 10, max_concurrent: 4, max_cps: 8 }";
    campaign(&sb, 30, pacing, &trunk_lines(&[("a", sim.port)]), 600);
    let child = spawn(&sb, &["--db", "d.db", "run", "t.yaml", "--yes"]);
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    let stats = sim.stop();
    assert_eq!(stats["calls"], 30, "{stats}");
    assert_eq!(stats["codes"]["200"], 30, "{stats}");
    let concurrent = stats["max_concurrent"].as_u64().unwrap();
    let per_second = stats["max_invites_per_second"].as_u64().unwrap();
    assert!(concurrent <= 4, "{stats}");
    assert!(per_second <= 8, "{stats}");
    // The limits were reached, not merely respected by an idle run.
    assert_eq!(concurrent, 4, "{stats}");
    let db = sb.join("d.db");
    assert_eq!(
        count(&db, "SELECT count(*) FROM numbers WHERE state = 'done'"),
        30
    );
}

#[test]
fn a_thousand_numbers_through_a_mixed_profile_end_final_and_agree_with_the_carrier() {
    let sb = Sandbox::new();
    let mix = [
        "--answer",
        "70",
        "--busy",
        "10",
        "--no-answer",
        "5",
        "--fail",
        "5",
    ];
    let sim = Sim::start(
        &sb,
        "mix",
        &[&mix[..], &["--reject", "5", "--invalid", "5"]].concat(),
    );
    let pacing = "{ batch_size: 100, max_concurrent: 60, max_cps: 200 }";
    campaign(&sb, 0, pacing, &trunk_lines(&[("a", sim.port)]), 200);
    // 1,000 numbers with no digit-coded outcome (tails 0000-0199 and 0700-0999), two cities.
    let mut csv = String::from("phone\n");
    for prefix in ["+44207946", "+44113496"] {
        for tail in (0..200).chain(700..1000) {
            csv.push_str(&format!("{prefix}{tail:04}\n"));
        }
    }
    sb.write("numbers.csv", csv);
    let yaml = std::fs::read_to_string(sb.join("t.yaml")).unwrap();
    sb.write(
        "t.yaml",
        yaml.replace("ring_timeout: 3s", "ring_timeout: 1s"),
    );
    let child = spawn(&sb, &["--db", "d.db", "run", "t.yaml", "--yes"]);
    let (status, err) = finish(child, Duration::from_secs(40));
    assert_eq!(status.code(), Some(0), "{err}");
    let stats = sim.stop();
    let db = sb.join("d.db");
    assert_eq!(
        count(&db, "SELECT count(*) FROM numbers WHERE state = 'done'"),
        1000
    );
    assert_eq!(count(&db, "SELECT count(*) FROM attempts"), 1000);
    assert_eq!(stats["invites"], 1000, "{stats}");
    assert!(stats["max_concurrent"].as_u64().unwrap() <= 60, "{stats}");
    assert!(
        stats["max_invites_per_second"].as_u64().unwrap() <= 200,
        "{stats}"
    );
    // What the carrier answered is what we recorded, code by code.
    let conn = Connection::open(&db).unwrap();
    for (code, n) in stats["codes"].as_object().unwrap() {
        let ours: i64 = conn
            .query_row(
                "SELECT count(*) FROM attempts WHERE sip_code = ?1",
                [code.parse::<i64>().unwrap()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(Some(ours as u64), n.as_u64(), "code {code}: {stats}");
    }
    let answered = count(
        &db,
        "SELECT count(*) FROM attempts WHERE disposition = 'ANSWERED'",
    );
    assert!((600..=800).contains(&answered), "{answered}");
}
