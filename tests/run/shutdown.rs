//! Stopping and resuming: SIGINT drain, kill -9 and resume, --max-runtime, a closed window,
//! one run per campaign.

use std::time::Duration;

use rusqlite::Connection;

use super::{campaign, count, finish, numbers, signal, spawn, wait_for};
use crate::common::Sandbox;

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
