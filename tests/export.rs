//! `dialer export`: results of a real run (the in-process simulator over SIP on loopback)
//! read back as CSV and JSON, column by column; read-only; bad arguments exit 2.

use std::time::Duration;

use crate::common::Sandbox;
use crate::run::{count, finish, spawn, write_prompt};

const CONTRACT: [&str; 14] = [
    "campaign",
    "number",
    "disposition",
    "attempts",
    "sip_code",
    "sip_reason",
    "trunk",
    "started_at",
    "answered_at",
    "ended_at",
    "ring_ms",
    "talk_ms",
    "dtmf",
    "result",
];

/// A campaign whose file has extra columns with awkward text, an invalid row and a duplicate;
/// run to the end against the simulator (…0486 is busy, twice: max_attempts 2).
pub fn finished_run() -> Sandbox {
    let sb = Sandbox::new();
    write_prompt(&sb, 200);
    sb.write(
        "numbers.csv",
        "phone,name,note\n\
         +442079460100,\"Smith, Ann\",\"said \"\"hi\"\"\nthen left\"\n\
         020 7946 0486,Bo,busy\n\
         12,Cy,junk\n\
         +44 20 7946 0100,Di,again\n",
    );
    sb.write(
        "t.yaml",
        "name: t\nnumbers: { file: numbers.csv, column: phone, default_region: GB }\n\
         caller_id: \"+442079460000\"\n\
         schedule:\n  timezone: Europe/London\n  windows:\n    - { days: [mon, tue, wed, thu, \
         fri, sat, sun], start: \"00:00\", end: \"24:00\" }\n\
         pacing: { max_cps: 20, max_concurrent: 5 }\ncall: { ring_timeout: 3s, max_duration: 30s }\n\
         prompt: prompt.wav\n\
         retry:\n  busy: { max_attempts: 2, delay: 1s }\n\
         sip: { bind: \"127.0.0.1:0\", rtp_ports: 20000-29999 }\n",
    );
    let child = spawn(
        &sb,
        &["--db", "d.db", "run", "t.yaml", "--simulate", "--yes"],
    );
    let (status, err) = finish(child, Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "{err}");
    sb
}

fn export(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb
        .dialer()
        .args(["--db", "d.db", "export"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn export_round_trip_csv_json_attempts_and_errors() {
    let sb = finished_run();
    let db_before = std::fs::read(sb.join("d.db")).unwrap();

    // CSV: contract columns, then the file's extra columns, then ours.
    let csv = export(&sb, &[]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..14], CONTRACT);
    assert_eq!(&header[14..16], ["name", "note"]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "one row per data row of the file: {csv}");

    let answered = &rows[0];
    assert_eq!(&answered[col("number")], "+442079460100");
    assert_eq!(&answered[col("disposition")], "ANSWERED");
    assert_eq!(&answered[col("attempts")], "1");
    assert_eq!(&answered[col("sip_code")], "200");
    assert_eq!(&answered[col("trunk")], "simulator");
    assert_eq!(&answered[col("note")], "said \"hi\"\nthen left");
    assert_eq!(&answered[col("name")], "Smith, Ann");
    for t in ["started_at", "answered_at", "ended_at"] {
        let text = &answered[col(t)];
        assert!(text.ends_with('Z'), "{t}: {text}");
        text.parse::<jiff::Timestamp>().expect("RFC 3339");
    }
    assert!(answered[col("talk_ms")].parse::<u64>().unwrap() > 0);
    assert!(
        csv.contains("\"said \"\"hi\"\"\nthen left\""),
        "RFC 4180 quoting: {csv}"
    );

    let busy = &rows[1];
    assert_eq!(&busy[col("disposition")], "BUSY");
    assert_eq!(&busy[col("attempts")], "2");
    assert_eq!(&busy[col("sip_code")], "486");
    assert_eq!(&busy[col("state")], "done");

    let junk = &rows[2];
    assert_eq!(&junk[col("disposition")], "INVALID_NUMBER");
    assert_eq!(&junk[col("number")], "");
    assert_eq!(&junk[col("state")], "skipped");
    assert_eq!(&junk[col("raw")], "12");
    assert!(!junk[col("reason")].is_empty());
    assert_eq!(&rows[3][col("disposition")], "DUPLICATE");
    assert_eq!(&rows[3][col("line")], "6");

    // --attempts: one row per attempt, the busy number's two included.
    let attempts = export(&sb, &["--attempts"]);
    let mut reader = csv::Reader::from_reader(attempts.as_bytes());
    let n = reader.records().count() as i64;
    assert_eq!(n, count(&sb.join("d.db"), "SELECT count(*) FROM attempts"));
    assert_eq!(n, 3);

    // JSON: the same rows, extra columns as an object, nothing else on stdout.
    let json: serde_json::Value =
        serde_json::from_str(&export(&sb, &["--format", "json"])).unwrap();
    let array = json.as_array().unwrap();
    assert_eq!(array.len(), 4);
    assert_eq!(array[0]["extra"]["name"], "Smith, Ann");
    assert_eq!(array[0]["sip_code"], 200);
    assert_eq!(array[2]["number"], "");
    assert_eq!(
        export(&sb, &["--campaign", "t", "--format", "json"]),
        export(&sb, &["--format", "json"])
    );

    // Read-only: the database is byte-for-byte what the run left.
    assert_eq!(std::fs::read(sb.join("d.db")).unwrap(), db_before);

    // Errors: exit 2, naming what would be valid.
    let out = sb
        .dialer()
        .args(["--db", "d.db", "export", "--campaign", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no campaign named `nope`; campaigns are: t"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let out = sb
        .dialer()
        .args(["--db", "missing.db", "export"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no dialer database at missing.db"));
    assert!(!sb.join("missing.db").exists(), "export creates nothing");
}
