//! `dialer dnc add|remove|import|list` through the real binary, against a real database in a
//! sandbox, with the scrubbed environment cron would give it (no terminal).

use std::time::Duration;

use predicates::prelude::*;
use rusqlite::Connection;

use crate::common::Sandbox;

/// `dialer dnc list --format FORMAT` in `sandbox`, stdout as text.
fn list(sandbox: &Sandbox, format: &str) -> String {
    let out = sandbox
        .dialer()
        .args(["dnc", "list", "--format", format])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn add(sandbox: &Sandbox, numbers: &[&str]) {
    sandbox
        .dialer()
        .args(["dnc", "add"])
        .args(numbers)
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
}

#[test]
fn added_numbers_are_listed_in_every_format() {
    let sandbox = Sandbox::new();
    sandbox
        .dialer()
        .args([
            "dnc",
            "add",
            "+86 138 0013 8001",
            "+8613800138000",
            "--note",
            "asked, twice",
        ])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "added 2 numbers to the do-not-call list",
        ));
    add(&sandbox, &["+8613800138000"]);

    assert_eq!(list(&sandbox, "plain"), "+8613800138000\n+8613800138001\n");

    let csv = list(&sandbox, "csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "e164,added_at,source,note");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("+8613800138000,"), "{csv}");
    assert!(lines[1].ends_with(",manual,\"asked, twice\""), "{csv}");

    let json: serde_json::Value = serde_json::from_str(&list(&sandbox, "json")).unwrap();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["e164"], "+8613800138001");
    assert_eq!(entries[1]["source"], "manual");
    assert_eq!(entries[1]["note"], "asked, twice");
    let added_at = entries[1]["added_at"].as_str().unwrap();
    assert_eq!(
        added_at.len(),
        "2026-11-23T09:30:00.125Z".len(),
        "{added_at}"
    );
    assert!(added_at.ends_with('Z') && added_at.parse::<jiff::Timestamp>().is_ok());
}

#[test]
fn an_invalid_argument_is_a_usage_error_and_nothing_is_written() {
    let sandbox = Sandbox::new();
    sandbox
        .dialer()
        .args(["dnc", "add", "+8613800138000", "12345"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"12345\"").and(predicate::str::contains("E.164")));
    assert!(!sandbox.join("dialer.db").exists());
    sandbox
        .dialer()
        .args(["dnc", "add", "+8613800138000", "--region", "China"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("two-letter"));
}

#[test]
fn remove_without_a_terminal_and_without_yes_refuses_and_removes_nothing() {
    let sandbox = Sandbox::new();
    add(&sandbox, &["+8613800138000"]);
    sandbox
        .dialer()
        .args(["dnc", "remove", "+8613800138000"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));
    assert_eq!(list(&sandbox, "plain"), "+8613800138000\n");
}

#[test]
fn remove_with_yes_unlists_and_names_numbers_that_were_not_listed() {
    let sandbox = Sandbox::new();
    add(&sandbox, &["+8613800138000", "+8613800138001"]);
    sandbox
        .dialer()
        .args(["dnc", "remove", "--yes", "+8613800138000", "+8613800138009"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("removed 1 number from")
                .and(predicate::str::contains("not on the list: +8613800138009")),
        );
    assert_eq!(list(&sandbox, "plain"), "+8613800138001\n");
}

#[test]
fn import_lists_valid_lines_and_reports_invalid_ones_by_line() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "dnc.txt",
        "# complaints, November\n+8613800138000\n12\n\n+86 138 0013 8001\n+8613800138000\n",
    );
    sandbox
        .dialer()
        .args(["dnc", "import", "dnc.txt"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("dnc.txt:3: \"12\" is not a valid phone number")
                .and(predicate::str::contains("added 2 numbers"))
                .and(predicate::str::contains("1 number already listed"))
                .and(predicate::str::contains("1 invalid line(s) skipped")),
        );
    let csv = list(&sandbox, "csv");
    assert!(csv.contains("+8613800138001,"), "{csv}");
    assert!(csv.contains(",import:dnc.txt,"), "{csv}");
}

#[test]
fn import_reads_a_named_csv_column() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "optout.csv",
        "name,Mobile,when\n\"Ann, A\",+8613800138000,2026-11-01\nBo,,2026-11-02\n",
    );
    sandbox
        .dialer()
        .args(["dnc", "import", "optout.csv", "--column", "mobile"])
        .assert()
        .success();
    assert_eq!(list(&sandbox, "plain"), "+8613800138000\n");
    sandbox
        .dialer()
        .args(["dnc", "import", "optout.csv", "--column", "phone"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "optout.csv: line 1: no column named \"phone\"",
        ));
}

#[test]
fn import_of_a_file_without_a_valid_number_is_a_usage_error() {
    let sandbox = Sandbox::new();
    sandbox.write("wrong.txt", "hello\nworld\n");
    sandbox
        .dialer()
        .args(["dnc", "import", "wrong.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wrong.txt: no valid phone number"));
    assert!(!sandbox.join("dialer.db").exists());
}

#[test]
fn a_text_file_as_database_is_refused_with_exit_2_and_left_alone() {
    let sandbox = Sandbox::new();
    let notes = sandbox.write("notes.txt", "remember the milk\n");
    sandbox
        .dialer()
        .args(["dnc", "list", "--db", "notes.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "notes.txt is not a SQLite database",
        ));
    assert_eq!(std::fs::read(notes).unwrap(), b"remember the milk\n");
}

#[test]
fn a_database_locked_by_another_process_is_exit_2_and_nothing_is_written() {
    let sandbox = Sandbox::new();
    add(&sandbox, &["+8613800138000"]);
    let holder = Connection::open(sandbox.join("dialer.db")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    sandbox
        .dialer()
        .args(["dnc", "add", "+8613800138001", "--lock-timeout", "200"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "dialer.db: database is locked by another process",
        ));
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(list(&sandbox, "plain"), "+8613800138000\n");
}

#[test]
fn the_database_comes_from_dialer_db_and_list_creates_none() {
    let sandbox = Sandbox::new();
    sandbox
        .dialer()
        .args(["dnc", "list"])
        .assert()
        .success()
        .stdout("");
    assert!(
        !sandbox.join("dialer.db").exists(),
        "list created a database"
    );
    sandbox
        .dialer()
        .env("DIALER_DB", "shared/dnc.db")
        .args(["dnc", "add", "+8613800138000"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "shared/dnc.db: cannot open or create the database file",
        ));
    std::fs::create_dir(sandbox.join("shared")).unwrap();
    sandbox
        .dialer()
        .env("DIALER_DB", "shared/dnc.db")
        .args(["dnc", "add", "+8613800138000"])
        .assert()
        .success();
    assert!(sandbox.join("shared/dnc.db").exists());
    assert!(!sandbox.join("dialer.db").exists());
}
