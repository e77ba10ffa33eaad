//! Trunks and refusals: failover on 503, refused credentials, no trunk, no --yes, bad prompt.

use std::time::Duration;

use rusqlite::Connection;

use super::{Sim, campaign, count, finish, numbers, spawn, spawn_with, trunk_lines};
use crate::common::Sandbox;

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
    // The failover is logged with the number masked (no -v).
    assert!(err.contains("trying the next trunk at once"), "{err}");
    assert!(err.contains("+44207946****"), "{err}");
    assert!(!err.contains("+442079460100"), "{err}");
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
fn on_a_terminal_the_plan_is_shown_and_only_yes_dials() {
    // `script` (util-linux) gives the run a real pseudo-terminal.
    let sb = Sandbox::new();
    campaign(
        &sb,
        3,
        "{ batch_size: 5, max_concurrent: 3, max_cps: 20 }",
        "",
        200,
    );
    let bin = assert_cmd::cargo::cargo_bin!("dialer");
    let line = format!("{} --db d.db run t.yaml --simulate", bin.display());
    let on_tty = |answer: &str| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"])
            .current_dir(sb.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TERM", "dumb")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("script (util-linux) runs");
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        finish(child, Duration::from_secs(20))
    };
    let db = sb.join("d.db");
    let (status, _) = on_tty("n\n");
    assert_eq!(status.code(), Some(2));
    // The numbers were imported to show the plan; nothing was dialed.
    assert_eq!(count(&db, "SELECT count(*) FROM numbers"), 3);
    assert_eq!(count(&db, "SELECT count(*) FROM attempts"), 0);
    let (status, _) = on_tty("y\n");
    assert_eq!(status.code(), Some(0));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM attempts WHERE disposition = 'ANSWERED'"
        ),
        3
    );
}
