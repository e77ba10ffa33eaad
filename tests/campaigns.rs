//! Every campaign shipped in campaigns/ loads and dry-runs: users copy these files.

use std::path::PathBuf;

use crate::common::{dialer, repo_root};

fn shipped_campaigns() -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("campaigns/").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo_root().join("campaigns"), &mut out);
    out.sort();
    assert!(out.len() >= 2, "expected the example and the demo: {out:?}");
    out
}

/// The example's trunk reads its password from this variable: a user sets it; so do we.
const SECRET: &str = "not-a-real-password-5d1e";

#[test]
fn every_shipped_campaign_loads() {
    let env = |name: &str| (name == "CARRIER_A_PASSWORD").then(|| SECRET.to_string());
    for path in shipped_campaigns() {
        let opts = dialer::campaign::LoadOptions {
            config: None,
            env: &env,
            local_zone: jiff::tz::TimeZone::UTC,
            local_zone_name: "UTC".into(),
        };
        let plan = dialer::campaign::load(&path, &opts)
            .unwrap_or_else(|e| panic!("{} does not load:\n{e}", path.display()));
        assert!(!plan.name.is_empty());
        assert!(
            !format!("{plan:?}").contains(SECRET),
            "the password leaked into Debug"
        );
    }
}

#[test]
fn every_shipped_campaign_dry_runs_without_leaking_the_password() {
    let dir = tempfile::tempdir().unwrap();
    for path in shipped_campaigns() {
        let out = dialer()
            .current_dir(dir.path())
            .env("CARRIER_A_PASSWORD", SECRET)
            .arg("dry-run")
            .arg(&path)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(out.status.success(), "{}: {stderr}", path.display());
        let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        assert!(
            v["counts"]["dialable"].as_u64().unwrap()
                + v["counts"]["outside_window"].as_u64().unwrap()
                > 0
        );
        assert!(
            !stdout.contains(SECRET) && !stderr.contains(SECRET),
            "{}",
            path.display()
        );
        assert!(
            dir.path().read_dir().unwrap().next().is_none(),
            "dry-run wrote a file"
        );
    }
}
