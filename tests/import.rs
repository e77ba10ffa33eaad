//! `dialer import`: the numbers stored, idempotently, with every row accounted for.

use predicates::prelude::*;

use crate::common::Sandbox;

fn count(sb: &Sandbox, sql: &str) -> i64 {
    let db = rusqlite_free_count(sb, sql);
    db.trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {db:?}"))
}

/// Reads a count with the sqlite3 shell, as a user would (the test does not link rusqlite).
fn rusqlite_free_count(sb: &Sandbox, sql: &str) -> String {
    let out = std::process::Command::new("sqlite3")
        .arg(sb.join("dialer.db"))
        .arg(sql)
        .output()
        .expect("sqlite3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn import_is_idempotent_and_a_changed_file_only_adds() {
    let sb = Sandbox::with_demo();
    sb.dialer()
        .arg("import")
        .arg(sb.demo_yaml())
        .assert()
        .success()
        .stdout(predicate::str::contains("58 numbers added"));
    assert_eq!(count(&sb, "select count(*) from numbers"), 58);
    sb.dialer()
        .arg("import")
        .arg(sb.demo_yaml())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "0 numbers added, 58 already present",
        ));
    let csv = sb.join("campaigns/demo/numbers.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap();
    text.push_str("020 7946 0400,New,York\n");
    std::fs::write(&csv, text).unwrap();
    sb.dialer()
        .arg("import")
        .arg(sb.demo_yaml())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1 numbers added, 58 already present",
        ));
    assert_eq!(count(&sb, "select count(*) from numbers"), 59);
}

#[test]
fn a_bad_row_late_in_the_file_stores_nothing() {
    let sb = Sandbox::with_demo();
    let mut csv = b"phone\n".to_vec();
    for i in 0..500 {
        csv.extend_from_slice(format!("020 7946 {:04}\n", i).as_bytes());
    }
    csv.extend_from_slice(b"\xff\xfe broken\n");
    sb.write("campaigns/demo/late.csv", csv);
    let yaml = sb.write(
        "campaigns/demo/late.yaml",
        "name: late\nnumbers: { file: late.csv, default_region: GB }\n",
    );
    sb.dialer()
        .arg("import")
        .arg(&yaml)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("late.csv:502"));
    assert!(
        !sb.join("dialer.db").exists(),
        "nothing is created when the file is bad"
    );
    // Into an existing database: its bytes' meaning is unchanged, no empty campaign is left.
    sb.dialer()
        .arg("import")
        .arg(sb.demo_yaml())
        .assert()
        .success();
    sb.dialer().arg("import").arg(&yaml).assert().code(2);
    let conn = rusqlite::Connection::open(sb.join("dialer.db")).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM campaigns")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names, ["demo"]);
}
