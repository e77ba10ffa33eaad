//! `dialer run` end to end: the real binary against the in-process simulator (`--simulate`)
//! and against `dialer sim` processes on 127.0.0.1 (killed by PID), with a real SQLite file
//! read back afterwards. Every wait is bounded; the only sleeps wait on real peers.

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use rusqlite::Connection;

use crate::common::Sandbox;
use crate::sip_support::free_udp_port;

mod media;
mod outcomes;
mod shutdown;
mod transport;
mod trunks;

/// The `dialer` binary as a child process, scrubbed like `common::dialer`.
pub fn spawn(sb: &Sandbox, args: &[&str]) -> Child {
    spawn_with(sb, args, &[])
}

/// [`spawn`] with extra environment variables.
pub fn spawn_with(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Child {
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
pub fn finish(mut child: Child, bound: Duration) -> (ExitStatus, String) {
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

pub fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(ok.success());
}

/// Polls `query` (a single integer) on the database until `ok` holds, bounded.
pub fn wait_for(db: &Path, query: &str, ok: impl Fn(i64) -> bool) -> i64 {
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

pub fn count(db: &Path, query: &str) -> i64 {
    let conn = Connection::open(db).unwrap();
    conn.query_row(query, [], |r| r.get(0)).unwrap()
}

/// (e164, state, last_disposition, attempts) of every number.
pub fn numbers(db: &Path) -> Vec<(String, String, Option<String>, i64)> {
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
pub fn write_prompt(sb: &Sandbox, ms: u32) {
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
pub fn campaign(sb: &Sandbox, count: usize, pacing: &str, trunks: &str, prompt_ms: u32) {
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
pub struct Sim {
    child: Option<Child>,
    pub port: u16,
    stats: std::path::PathBuf,
}

impl Sim {
    pub fn start(sb: &Sandbox, name: &str, extra: &[&str]) -> Sim {
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
    pub fn stop(mut self) -> serde_json::Value {
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

pub fn trunk_lines(sims: &[(&str, u16)]) -> String {
    let mut s = String::from("trunks:\n");
    for (name, port) in sims {
        s.push_str(&format!(
            "  - {{ name: {name}, uri: \"sip:127.0.0.1:{port}\" }}\n"
        ));
    }
    s
}
