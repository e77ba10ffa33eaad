//! `dialer report` over the results of a real run: figures checked against the attempts
//! table itself, every grouping and format, read-only, bad arguments exit 2.

use crate::export::finished_run;

fn report(sb: &crate::common::Sandbox, args: &[&str]) -> String {
    let out = sb
        .dialer()
        .args(["--db", "d.db", "report"])
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
fn report_figures_match_the_attempts_table() {
    // The run: +442079460100 answered once, …0486 busy twice (3 attempts, 2 numbers).
    let sb = finished_run();
    let before = std::fs::read(sb.join("d.db")).unwrap();

    let json: serde_json::Value =
        serde_json::from_str(&report(&sb, &["--format", "json", "--by", "disposition"])).unwrap();
    let total = &json["total"];
    assert_eq!(total["attempts"], 3);
    assert_eq!(total["answered"], 1);
    assert_eq!(total["numbers"], 2);
    assert_eq!(total["reached"], 1);
    assert!((total["asr_pct"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9);
    assert_eq!(total["answer_rate_pct"], 50.0);
    // ACD: the one answered call's talk time, in seconds (the prompt is 200 ms).
    let talk_ms = crate::run::count(
        &sb.join("d.db"),
        "SELECT talk_ms FROM attempts WHERE disposition = 'ANSWERED'",
    );
    assert!((total["acd_s"].as_f64().unwrap() - talk_ms as f64 / 1000.0).abs() < 1e-9);
    assert!(total["pdd_ms"].as_f64().unwrap() >= 0.0);
    let keys: Vec<&str> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["ANSWERED", "BUSY"]);

    let csv = report(&sb, &["--format", "csv", "--by", "sip"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "sip_code,attempts,answered,asr_pct,numbers,reached,answer_rate_pct,acd_s,pdd_ms"
    );
    assert!(lines[1].starts_with("200,1,1,100.0,1,1,100.0,"), "{csv}");
    assert!(lines[2].starts_with("486,2,0,0.0,1,0,0.0,,"), "{csv}");
    assert!(lines[3].starts_with("(all),3,1,33.3,2,1,50.0,"), "{csv}");

    for by in ["trunk", "hour", "day"] {
        let table = report(&sb, &["--by", by]);
        assert_eq!(table.lines().count(), 3, "one group, the total: {table}");
        assert!(
            table.lines().last().unwrap().starts_with("(all)"),
            "{table}"
        );
    }
    assert!(report(&sb, &["--by", "trunk"]).contains("simulator"));
    assert_eq!(std::fs::read(sb.join("d.db")).unwrap(), before, "read-only");

    let out = sb
        .dialer()
        .args(["--db", "d.db", "report", "--campaign", "other"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("campaigns are: t"));
}
