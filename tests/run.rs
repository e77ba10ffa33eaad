//! `dialer run` end to end: the real binary against the in-process simulator (`--simulate`)
//! and against `dialer sim` processes on 127.0.0.1 (killed by PID), with a real SQLite file
//! read back afterwards. Every wait is bounded; the only sleeps wait on real peers.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use rusqlite::Connection;

use crate::common::{Sandbox, repo_root};
use crate::sip_support::free_udp_port;

/// The `dialer` binary as a child process, scrubbed like `common::dialer`.
fn spawn(sb: &Sandbox, args: &[&str]) -> Child {
    spawn_with(sb, args, &[])
}

/// [`spawn`] with extra environment variables.
fn spawn_with(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin!("dialer"))
        .args(args)
        .current_dir(sb.path())
        .env_clear()
        .envs(env.iter().copied())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dialer starts")
}

/// Waits (bounded) for `child`; kills it and panics past `bound`.
fn finish(mut child: Child, bound: Duration) -> (ExitStatus, String) {
    let polls = bound.as_millis() / 50;
    for _ in 0..polls {
        if child.try_wait().expect("wait").is_some() {
            let out = child.wait_with_output().expect("output");
            return (
                out.status,
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    panic!(
        "dialer did not end within {bound:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(ok.success());
}

/// Polls `query` (a single integer) on the database until `ok` holds, bounded.
fn wait_for(db: &Path, query: &str, ok: impl Fn(i64) -> bool) -> i64 {
    let mut last = -1;
    for _ in 0..300 {
        if let Ok(conn) = Connection::open(db)
            && let Ok(v) = conn.query_row(query, [], |r| r.get::<_, i64>(0))
        {
            last = v;
            if ok(v) {
                return v;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("`{query}` never satisfied the condition (last value {last})");
}

fn count(db: &Path, query: &str) -> i64 {
    let conn = Connection::open(db).unwrap();
    conn.query_row(query, [], |r| r.get(0)).unwrap()
}

/// (e164, state, last_disposition, attempts) of every number.
fn numbers(db: &Path) -> Vec<(String, String, Option<String>, i64)> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT e164, state, last_disposition, attempts FROM numbers ORDER BY e164")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A 8 kHz mono prompt of `ms` milliseconds (a quiet tone), written with hound.
fn write_prompt(sb: &Sandbox, ms: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(sb.join("prompt.wav"), spec).unwrap();
    for i in 0..(8 * ms) {
        let s = (f64::from(i) * 0.3).sin() * 3000.0;
        w.write_sample(s as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// Writes a campaign with `count` answerable numbers (+442079460100...) and the given
/// pacing and trunks (YAML lines), plus a short prompt.
fn campaign(sb: &Sandbox, count: usize, pacing: &str, trunks: &str, prompt_ms: u32) {
    write_prompt(sb, prompt_ms);
    let mut csv = String::from("phone\n");
    for i in 0..count {
        csv.push_str(&format!("+4420794601{i:02}\n"));
    }
    sb.write("numbers.csv", csv);
    let yaml = format!(
        "name: t\nnumbers: {{ file: numbers.csv, column: phone, default_region: GB }}\n\
         caller_id: \"+442079460000\"\n\
         schedule:\n  timezone: Europe/London\n  windows:\n    - {{ days: [mon, tue, wed, thu, \
         fri, sat, sun], start: \"00:00\", end: \"24:00\" }}\n\
         pacing: {pacing}\ncall: {{ ring_timeout: 3s, max_duration: 30s }}\nprompt: prompt.wav\n\
         retry:\n  busy: {{ max_attempts: 1, delay: 1s }}\n  no_answer: {{ max_attempts: 1, \
         delay: 1s }}\n  failed: {{ max_attempts: 1, delay: 1s }}\n\
         sip: {{ bind: \"127.0.0.1:0\", rtp_ports: 20000-29999 }}\n{trunks}"
    );
    sb.write("t.yaml", yaml);
}

/// A `dialer sim` process on a free loopback port; stopped with SIGINT by PID.
struct Sim {
    child: Option<Child>,
    port: u16,
    stats: std::path::PathBuf,
}

impl Sim {
    fn start(sb: &Sandbox, name: &str, extra: &[&str]) -> Sim {
        let port = free_udp_port();
        let stats = sb.join(&format!("{name}.json"));
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec!["sim", "--listen", &listen, "--ring", "100ms-300ms"];
        args.extend([
            "--talk",
            "30s-30s",
            "--rtp-ports",
            "40000-44999",
            "--duration",
            "60s",
        ]);
        let stats_arg = stats.to_string_lossy().into_owned();
        args.extend(["--stats-json", &stats_arg]);
        args.extend(extra);
        let child = spawn(sb, &args);
        // The simulator binds within milliseconds; SIP retransmits cover the rest.
        std::thread::sleep(Duration::from_millis(300));
        Sim {
            child: Some(child),
            port,
            stats,
        }
    }

    /// SIGINT, then its statistics JSON.
    fn stop(mut self) -> serde_json::Value {
        let child = self.child.take().unwrap();
        signal(&child, "-INT");
        let (status, err) = finish(child, Duration::from_secs(10));
        assert_eq!(status.code(), Some(130), "{err}");
        serde_json::from_str(&std::fs::read_to_string(&self.stats).unwrap()).unwrap()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn trunk_lines(sims: &[(&str, u16)]) -> String {
    let mut s = String::from("trunks:\n");
    for (name, port) in sims {
        s.push_str(&format!(
            "  - {{ name: {name}, uri: \"sip:127.0.0.1:{port}\" }}\n"
        ));
    }
    s
}

#[test]
fn the_demo_runs_to_the_end_against_the_simulator() {
    let sb = Sandbox::new();
    let demo = repo_root().join("campaigns/demo");
    let prompt = repo_root().join("audio/reminder.wav");
    let yaml = std::fs::read_to_string(demo.join("demo.yaml"))
        .unwrap()
        .replace("../../audio/reminder.wav", &prompt.to_string_lossy())
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
    // Every attempt finished, answered ones played the whole 4.75 s prompt (238 packets).
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM attempts WHERE status != 'finished'"
        ),
        0
    );
    let packets = count(
        &db,
        "SELECT min(rtp_sent) FROM attempts WHERE disposition = 'ANSWERED'",
    );
    assert!((237..=239).contains(&packets), "{packets}");
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
fn sigint_cancels_ringing_calls_byes_connected_ones_and_exits_130() {
    let sb = Sandbox::new();
    // A 20 s prompt: every call is connected (or ringing) when the signal arrives.
    campaign(
        &sb,
        10,
        "{ batch_size: 12, max_concurrent: 6, max_cps: 20 }",
        "",
        20_000,
    );
    // Two numbers that ring until cancelled come first; our ring timeout is far away.
    let csv = std::fs::read_to_string(sb.join("numbers.csv")).unwrap();
    let csv = csv.replacen("phone\n", "phone\n+442079460487\n+441134960487\n", 1);
    sb.write("numbers.csv", csv);
    let yaml = std::fs::read_to_string(sb.join("t.yaml")).unwrap();
    sb.write(
        "t.yaml",
        yaml.replace("ring_timeout: 3s", "ring_timeout: 20s"),
    );
    let child = spawn(
        &sb,
        &["--db", "d.db", "run", "t.yaml", "--simulate", "--yes"],
    );
    let db = sb.join("d.db");
    wait_for(
        &db,
        "SELECT count(*) FROM attempts WHERE status = 'in_flight'",
        |n| n >= 6,
    );
    std::thread::sleep(Duration::from_millis(1500)); // let the others be answered
    signal(&child, "-INT");
    let (status, err) = finish(child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(130), "{err}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM attempts WHERE status = 'in_flight'"
        ),
        0
    );
    // Connected calls got BYE after the answer: ANSWERED, final.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM attempts WHERE disposition = 'ANSWERED'"
        ),
        4
    );
    // Ringing calls were cancelled (487) and their numbers wait for the next run.
    assert_eq!(
        count(&db, "SELECT count(*) FROM attempts WHERE sip_code = 487"),
        2
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM numbers WHERE state = 'in_progress'"
        ),
        0
    );
    // 6 claimed but not dialed + the 2 cancelled.
    assert_eq!(
        count(&db, "SELECT count(*) FROM numbers WHERE state = 'pending'"),
        8
    );
}

#[test]
fn a_killed_run_is_resumed_without_dialing_a_finished_number_again() {
    let sb = Sandbox::new();
    campaign(
        &sb,
        20,
        "{ batch_size: 5, max_concurrent: 3, max_cps: 20 }",
        "",
        700,
    );
    let args = ["--db", "d.db", "run", "t.yaml", "--simulate", "--yes"];
    let child = spawn(&sb, &args);
    let db = sb.join("d.db");
    wait_for(
        &db,
        "SELECT count(*) FROM numbers WHERE state = 'done'",
        |n| n >= 4,
    );
    signal(&child, "-KILL");
    let _ = finish(child, Duration::from_secs(5));
    let done_before: Vec<String> = numbers(&db)
        .into_iter()
        .filter(|n| n.1 == "done")
        .map(|n| n.0)
        .collect();
    let in_flight = count(
        &db,
        "SELECT count(*) FROM attempts WHERE status = 'in_flight'",
    );
    assert!(done_before.len() >= 4);

    let (status, err) = finish(spawn(&sb, &args), Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM attempts WHERE status = 'interrupted'"
        ),
        in_flight
    );
    if in_flight > 0 {
        assert!(err.contains("did not end cleanly"), "{err}");
    }
    let conn = Connection::open(&db).unwrap();
    for e164 in &done_before {
        let attempts: i64 = conn
            .query_row(
                "SELECT count(*) FROM attempts WHERE e164 = ?1",
                [e164],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(attempts, 1, "{e164} was dialed again after it was final");
    }
    assert!(numbers(&db).iter().all(|n| n.1 == "done"));
}

#[test]
fn without_a_terminal_yes_is_required_and_nothing_is_dialed() {
    let sb = Sandbox::new();
    campaign(
        &sb,
        3,
        "{ batch_size: 5, max_concurrent: 3, max_cps: 20 }",
        "",
        200,
    );
    let out = sb
        .dialer()
        .args(["--db", "d.db", "run", "t.yaml", "--simulate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--yes") && err.contains("nothing was dialed"),
        "{err}"
    );
    assert!(!sb.join("d.db").exists(), "nothing written either");
}

#[test]
fn no_trunk_without_simulate_and_a_bad_prompt_are_usage_errors() {
    let sb = Sandbox::new();
    campaign(
        &sb,
        3,
        "{ batch_size: 5, max_concurrent: 3, max_cps: 20 }",
        "",
        200,
    );
    let out = sb
        .dialer()
        .args(["--db", "d.db", "run", "t.yaml", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no trunk configured"));
    sb.write("prompt.wav", b"RIFF not really a wav");
    let out = sb
        .dialer()
        .args(["--db", "d.db", "run", "t.yaml", "--yes", "--simulate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("prompt.wav"), "{err}");
    assert!(!sb.join("d.db").exists());
}

#[test]
fn a_503_fails_over_to_the_second_trunk_at_once() {
    let sb = Sandbox::new();
    let failing = Sim::start(&sb, "a", &["--answer", "0", "--fail", "100"]);
    let good = Sim::start(&sb, "b", &[]);
    let trunks = trunk_lines(&[("a", failing.port), ("b", good.port)]);
    campaign(
        &sb,
        5,
        "{ batch_size: 5, max_concurrent: 5, max_cps: 20 }",
        &trunks,
        300,
    );
    let (status, err) = finish(
        spawn(&sb, &["--db", "d.db", "run", "t.yaml", "--yes"]),
        Duration::from_secs(30),
    );
    assert_eq!(status.code(), Some(0), "{err}");
    let db = sb.join("d.db");
    let conn = Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT e164, group_concat(trunk || ':' || disposition || ':' || sip_code, ' ') \
             FROM (SELECT * FROM attempts ORDER BY id) GROUP BY e164",
        )
        .unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 5);
    for (e164, attempts) in rows {
        assert_eq!(attempts, "a:FAILED:503 b:ANSWERED:200", "{e164}");
    }
    assert!(
        numbers(&db)
            .iter()
            .all(|n| n.2.as_deref() == Some("ANSWERED"))
    );
    assert_eq!(failing.stop()["codes"]["503"], 5);
    assert_eq!(good.stop()["codes"]["200"], 5);
}

#[test]
fn max_runtime_drains_and_exits_3_with_work_left() {
    let sb = Sandbox::new();
    campaign(
        &sb,
        6,
        "{ batch_size: 6, max_concurrent: 3, max_cps: 20 }",
        "",
        20_000,
    );
    let args = ["--db", "d.db", "run", "t.yaml", "--simulate", "--yes"];
    let (status, err) = finish(
        spawn(&sb, &[&args[..], &["--max-runtime", "2s"]].concat()),
        Duration::from_secs(20),
    );
    assert_eq!(status.code(), Some(3), "{err}");
    let db = sb.join("d.db");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM attempts WHERE status = 'in_flight'"
        ),
        0
    );
    assert_eq!(count(&db, "SELECT count(*) FROM attempts"), 3);
    assert_eq!(
        count(&db, "SELECT count(*) FROM numbers WHERE state = 'pending'"),
        3
    );
}

#[test]
fn a_closed_window_exits_3_with_exit_outside_window() {
    use jiff::ToSpan;
    let sb = Sandbox::new();
    campaign(
        &sb,
        4,
        "{ batch_size: 5, max_concurrent: 3, max_cps: 20 }",
        "",
        200,
    );
    // Open only on the day after tomorrow (London): closed now, whatever the date.
    let today = dialer::net::clock::now()
        .in_tz("Europe/London")
        .unwrap()
        .date();
    let day = today.checked_add(2.days()).unwrap().weekday();
    let name = &format!("{day:?}").to_lowercase()[..3];
    let yaml = std::fs::read_to_string(sb.join("t.yaml")).unwrap().replace(
        "days: [mon, tue, wed, thu, fri, sat, sun]",
        &format!("days: [{name}]"),
    );
    sb.write("t.yaml", yaml);
    let out = sb
        .dialer()
        .args(["--db", "d.db", "run", "t.yaml", "--simulate", "--yes"])
        .arg("--exit-outside-window")
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("calling window closed"), "{err}");
    let db = sb.join("d.db");
    assert_eq!(count(&db, "SELECT count(*) FROM attempts"), 0);
    // Due again when the window opens, not before.
    let due: String = Connection::open(&db)
        .unwrap()
        .query_row("SELECT min(next_due_at) FROM numbers", [], |r| r.get(0))
        .unwrap();
    // (UTC text: the London midnight may fall on the evening before.)
    let tomorrow = today.checked_add(1.days()).unwrap().to_string();
    assert!(due > tomorrow, "{due} vs {tomorrow}");
}

#[test]
fn a_second_run_of_the_same_campaign_is_refused_while_the_first_dials() {
    let sb = Sandbox::new();
    campaign(
        &sb,
        4,
        "{ batch_size: 4, max_concurrent: 2, max_cps: 20 }",
        "",
        20_000,
    );
    let args = ["--db", "d.db", "run", "t.yaml", "--simulate", "--yes"];
    let first = spawn(&sb, &args);
    let db = sb.join("d.db");
    wait_for(&db, "SELECT count(*) FROM attempts", |n| n >= 1);
    let (status, err) = finish(spawn(&sb, &args), Duration::from_secs(20));
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("already running"), "{err}");
    signal(&first, "-TERM");
    let (status, err) = finish(first, Duration::from_secs(20));
    assert_eq!(status.code(), Some(130), "{err}");
    assert_eq!(count(&db, "SELECT count(*) FROM attempts"), 2);
}

#[test]
fn refused_credentials_pause_the_trunk_and_the_next_trunk_takes_the_calls() {
    let sb = Sandbox::new();
    let strict = Sim::start(&sb, "a", &["--username", "acct", "--password", "right"]);
    let good = Sim::start(&sb, "b", &[]);
    let trunks = format!(
        "trunks:\n  - {{ name: a, uri: \"sip:127.0.0.1:{}\", username: acct, password_env: \
         A_PASSWORD }}\n  - {{ name: b, uri: \"sip:127.0.0.1:{}\" }}\n",
        strict.port, good.port
    );
    campaign(
        &sb,
        6,
        "{ batch_size: 6, max_concurrent: 1, max_cps: 20 }",
        &trunks,
        300,
    );
    let args = ["--db", "d.db", "run", "t.yaml", "--yes"];
    let child = spawn_with(&sb, &args, &[("A_PASSWORD", "wrong-secret-xyz")]);
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("refused our credentials"), "{err}");
    assert!(
        !err.contains("wrong-secret-xyz"),
        "a password reached the log: {err}"
    );
    let db = sb.join("d.db");
    // One call is refused on a, fails over to b; a is never tried again.
    assert_eq!(
        count(&db, "SELECT count(*) FROM attempts WHERE trunk = 'a'"),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM attempts WHERE trunk = 'b' AND disposition = 'ANSWERED'"
        ),
        6
    );
    drop(strict);
    assert_eq!(good.stop()["codes"]["200"], 6);
}

#[test]
fn a_run_whose_only_trunk_refuses_credentials_exits_1() {
    let sb = Sandbox::new();
    let strict = Sim::start(&sb, "a", &["--username", "acct", "--password", "right"]);
    let trunks = format!(
        "trunks:\n  - {{ name: a, uri: \"sip:127.0.0.1:{}\", username: acct, password_env: \
         A_PASSWORD }}\n",
        strict.port
    );
    campaign(
        &sb,
        3,
        "{ batch_size: 3, max_concurrent: 1, max_cps: 20 }",
        &trunks,
        300,
    );
    let args = ["--db", "d.db", "run", "t.yaml", "--yes"];
    let child = spawn_with(&sb, &args, &[("A_PASSWORD", "wrong")]);
    let (status, err) = finish(child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("no trunk usable"), "{err}");
    let db = sb.join("d.db");
    assert_eq!(count(&db, "SELECT count(*) FROM attempts"), 1);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM numbers WHERE state = 'in_progress'"
        ),
        0
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
