//! `dialer dry-run` through the real binary: counts, JSON, `--list`, `--explain`, no writes,
//! and every bad input exiting 2 with its location.

use predicates::prelude::*;
use serde_json::Value;

use crate::common::Sandbox;

fn json_report(sb: &Sandbox) -> Value {
    let out = sb
        .dialer()
        .arg("dry-run")
        .arg(sb.demo_yaml())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document on stdout")
}

#[test]
fn demo_counts_every_row_by_verdict() {
    let sb = Sandbox::with_demo();
    let v = json_report(&sb);
    let c = &v["counts"];
    let get = |k: &str| {
        c[k].as_u64()
            .unwrap_or_else(|| panic!("counts.{k} missing: {c}"))
    };
    assert_eq!(get("rows"), 61);
    assert_eq!(
        (get("invalid"), get("duplicate"), get("dnc"), get("blank")),
        (2, 1, 1, 0)
    );
    // The demo's window is all day, every day: everything else is dialable now.
    assert_eq!(
        (get("dialable"), get("outside_window"), get("capped")),
        (57, 0, 0)
    );
    assert_eq!(v["batches"], 2);
    assert_eq!(v["zones"]["Europe/London"], 57);
    assert!(v["prompts"][0]["duration_ms"].as_u64().unwrap() > 4000);
    assert!(v["timeline"]["first_call"].is_string() && v["timeline"]["last_call"].is_string());
    assert_eq!(v["database"]["exists"], false);
}

#[test]
fn dry_run_creates_no_file_and_changes_no_file() {
    let sb = Sandbox::with_demo();
    let before = sb.files();
    sb.dialer()
        .arg("dry-run")
        .arg(sb.demo_yaml())
        .assert()
        .success();
    assert_eq!(
        sb.files(),
        before,
        "dry-run must not create the database or anything else"
    );
    // With a database present (made by `dnc add`), it is read, not written.
    sb.dialer()
        .args(["dnc", "add", "+442079460100"])
        .assert()
        .success();
    let db = std::fs::read(sb.join("dialer.db")).unwrap();
    let files = sb.files();
    let v = json_report(&sb);
    assert_eq!(v["counts"]["dnc"], 2, "the database's DNC list applies");
    assert_eq!(std::fs::read(sb.join("dialer.db")).unwrap(), db);
    assert_eq!(sb.files(), files);
}

#[test]
fn text_report_names_counts_prompts_and_timeline() {
    let sb = Sandbox::with_demo();
    sb.dialer()
        .arg("dry-run")
        .arg(sb.demo_yaml())
        .assert()
        .success()
        .stdout(
            predicate::str::contains("dialable")
                .and(predicate::str::contains("57"))
                .and(predicate::str::contains("menu.wav"))
                .and(predicate::str::contains("Menu     starts at `menu`"))
                .and(predicate::str::contains(
                    "optout     plays optout.wav; result opted_out; adds the number to the \
                     do-not-call list; then hangs up",
                ))
                .and(predicate::str::contains("Timeline"))
                .and(predicate::str::contains("emergency-or-service-number 1")),
        );
}

#[test]
fn list_prints_one_csv_row_per_data_row() {
    let sb = Sandbox::with_demo();
    let out = sb
        .dialer()
        .arg("dry-run")
        .arg(sb.demo_yaml())
        .arg("--list")
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["line", "raw", "e164", "verdict", "reason", "timezone"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 61);
    assert_eq!(&rows[0][0], "2", "the header is line 1");
    let verdict_of = |raw: &str| rows.iter().find(|r| &r[1] == raw).map(|r| r[3].to_string());
    assert_eq!(verdict_of("999").as_deref(), Some("invalid"));
    assert_eq!(verdict_of("+44 20 7946 0013").as_deref(), Some("dnc"));
    let dup = rows
        .iter()
        .rev()
        .find(|r| &r[1] == "020 7946 0021")
        .unwrap();
    assert_eq!((&dup[3], &dup[4]), ("duplicate", "same number as line 22"));
    assert_eq!(&rows[0][5], "Europe/London");
}

#[test]
fn explain_shows_each_decision_for_one_number() {
    let sb = Sandbox::with_demo();
    sb.dialer()
        .arg("dry-run")
        .arg(sb.demo_yaml())
        .args(["--explain", "+442079460021"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("line 22")
                .and(predicate::str::contains("line 62"))
                .and(predicate::str::contains("verdict:  duplicate"))
                .and(predicate::str::contains("verdict:  dialable")),
        );
}

#[test]
fn numbers_from_stdin() {
    let sb = Sandbox::with_demo();
    let out = sb
        .dialer()
        .arg("dry-run")
        .arg(sb.demo_yaml())
        .args(["--numbers", "-", "--format", "json"])
        .write_stdin("phone\n020 7946 0300\n020 7946 0301\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["dialable"], 2);
}

/// Writes a campaign next to the demo's numbers and prompt, with `yaml` as its text.
fn campaign(sb: &Sandbox, yaml: &str) -> std::path::PathBuf {
    sb.write("campaigns/demo/bad.yaml", yaml)
}

fn fails_with(sb: &Sandbox, path: &std::path::Path, needles: &[&str]) {
    let assert = sb.dialer().arg("dry-run").arg(path).assert().code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

const GOOD: &str = "name: t\nnumbers: { file: numbers.csv, column: phone, default_region: GB }\n";

#[test]
fn bad_campaign_files_exit_2_naming_file_line_and_column() {
    let sb = Sandbox::with_demo();
    let cases: &[(&str, &[&str])] = &[
        ("name: t\nnumbers: [unclosed\n", &["bad.yaml"]),
        (
            &format!("{GOOD}pacing: {{ max_cps: fast }}\n"),
            &["bad.yaml:3", "max_cps"],
        ),
        (&format!("{GOOD}pacng: {{}}\n"), &["bad.yaml:3", "pacng"]),
        (
            &format!("{GOOD}call: {{ ring_timeout: 30 parsecs }}\n"),
            &["bad.yaml:3", "ring_timeout"],
        ),
        (
            &format!("{GOOD}schedule: {{ timezone: Mars/Olympus }}\n"),
            &["bad.yaml:3", "Mars/Olympus"],
        ),
        (
            &format!(
                "{GOOD}schedule:\n  windows: [{{ days: [mon], start: \"18:00\", end: \"09:00\" }}]\n"
            ),
            &["bad.yaml:4", "end"],
        ),
        (
            &format!("{GOOD}pacing: {{ max_cps: 0 }}\n"),
            &["bad.yaml:3", "max_cps"],
        ),
        (
            "name: t\nnumbers: { file: nowhere.csv }\n",
            &["bad.yaml:2", "nowhere.csv"],
        ),
        (
            &format!("{GOOD}prompt: missing.wav\n"),
            &["bad.yaml:3", "missing.wav"],
        ),
    ];
    for (yaml, needles) in cases {
        let path = campaign(&sb, yaml);
        fails_with(&sb, &path, needles);
    }
}

#[test]
fn a_numbers_file_that_is_not_utf8_names_the_line() {
    let sb = Sandbox::with_demo();
    sb.write(
        "campaigns/demo/latin1.csv",
        b"phone\n020 7946 0300\n\xe9t\xe9,020 7946 0301\n",
    );
    let path = campaign(
        &sb,
        "name: t\nnumbers: { file: latin1.csv, default_region: GB }\n",
    );
    fails_with(&sb, &path, &["latin1.csv:3", "UTF-8"]);
}

#[test]
fn a_file_with_no_usable_rows_exits_2() {
    let sb = Sandbox::with_demo();
    sb.write("campaigns/demo/junk.csv", "phone\nnope\n999\n\n");
    let path = campaign(
        &sb,
        "name: t\nnumbers: { file: junk.csv, default_region: GB }\n",
    );
    fails_with(&sb, &path, &["no usable numbers", "junk.csv"]);
}

#[test]
fn a_database_that_is_not_sqlite_exits_2_untouched() {
    let sb = Sandbox::with_demo();
    let notes = sb.write("notes.txt", "shopping list\n");
    sb.dialer()
        .args(["--db", "notes.txt", "dry-run"])
        .arg(sb.demo_yaml())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("notes.txt"));
    assert_eq!(std::fs::read_to_string(notes).unwrap(), "shopping list\n");
}

#[test]
fn a_prompt_that_cannot_be_played_is_reported_and_exits_2() {
    let sb = Sandbox::with_demo();
    sb.write("campaigns/demo/notes.wav", "this is text, not audio\n");
    let path = campaign(&sb, &format!("{GOOD}prompt: notes.wav\n"));
    let out = sb
        .dialer()
        .arg("dry-run")
        .arg(&path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).expect("the report is still printed");
    assert!(v["prompts"][0]["problem"].is_string(), "{}", v["prompts"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes.wav"));
}
