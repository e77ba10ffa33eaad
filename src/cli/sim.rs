//! `dialer sim`: a SIP carrier simulator (UAS) for rehearsals, demos, tests and load tests.
//!
//! Outcomes by the called number's last digits (`…0486` busy, `…0487` ring until CANCEL,
//! `…0401` challenge, `…0200` answer, any `…0XYZ` with XYZ a SIP code) or by a seeded weighted
//! mix. On exit (SIGINT/SIGTERM or `--duration`) prints what it saw to stdout, and as JSON to
//! `--stats-json FILE`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::Failure;
use crate::campaign::Secret;
use crate::exit::ExitStatus;
use crate::net::sip::uas::{SimMedia, SimServer};
use crate::net::sip::{DigestCredential, EndpointConfig, TlsListen};
use crate::sim::{DurationRange, KeyRule, Mix, SimConfig, Simulator, StatsReport};

/// Arguments of `dialer sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// SIP address to listen on (UDP)
    #[arg(long, default_value = "127.0.0.1:5080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Weight of answered calls
    #[arg(long, default_value_t = 100)]
    pub answer: u32,
    /// Weight of 486 Busy Here
    #[arg(long, default_value_t = 0)]
    pub busy: u32,
    /// Weight of calls that ring until cancelled
    #[arg(long, default_value_t = 0)]
    pub no_answer: u32,
    /// Weight of 503 Service Unavailable
    #[arg(long, default_value_t = 0)]
    pub fail: u32,
    /// Weight of 603 Decline
    #[arg(long, default_value_t = 0)]
    pub reject: u32,
    /// Weight of 404 Not Found
    #[arg(long, default_value_t = 0)]
    pub invalid: u32,
    /// Seed of the outcome draw (same seed, same decisions)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Ring time range, e.g. 1s-3s
    #[arg(long, default_value = "1s-3s", value_parser = parse_range)]
    pub ring: DurationRange,
    /// Talk time range of answered calls before the simulator hangs up, e.g. 10s-30s
    #[arg(long, default_value = "10s-30s", value_parser = parse_range)]
    pub talk: DurationRange,
    /// Demand digest credentials with this user name (with --password)
    #[arg(long, requires = "password")]
    pub username: Option<String>,
    /// The password to demand (a test credential: this is a simulator)
    #[arg(long, requires = "username")]
    pub password: Option<String>,
    /// Concurrent calls above which INVITEs get 503
    #[arg(long)]
    pub capacity: Option<u32>,
    /// RTP port range, e.g. 30000-39999
    #[arg(long, default_value = "30000-39999", value_parser = parse_ports)]
    pub rtp_ports: (u16, u16),
    /// Echo received RTP back to the caller
    #[arg(long)]
    pub echo: bool,
    /// Also accept SIP over TLS on this address (needs --tls-cert and --tls-key)
    #[arg(long, value_name = "ADDR", requires_all = ["tls_cert", "tls_key"])]
    pub tls_listen: Option<SocketAddr>,
    /// The TLS certificate chain (PEM) for --tls-listen
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM, PKCS#8 or RSA) for --tls-listen
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Keys every answered callee presses (RFC 4733, the caller's telephone-event type),
    /// e.g. 12#
    #[arg(long, value_name = "KEYS", value_parser = parse_keys)]
    pub dtmf: Option<String>,
    /// Keys pressed by callees whose number ends with SUFFIX (repeatable; the first match
    /// wins, before --dtmf), e.g. --dtmf-for 0486=2 --dtmf-for 9=
    #[arg(long, value_name = "SUFFIX=KEYS", value_parser = parse_key_rule)]
    pub dtmf_for: Vec<KeyRule>,
    /// When the first key is pressed after the answer; later keys follow 1.5 s apart
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub dtmf_delay: Duration,
    /// Stop after this long (e.g. 60s); default: until SIGINT/SIGTERM
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Also write the statistics as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub stats_json: Option<PathBuf>,
}

/// Runs the simulator until a signal or `--duration`, then prints its statistics.
pub fn execute(args: SimArgs) -> Result<ExitStatus, Failure> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(serve(args))
}

async fn serve(args: SimArgs) -> Result<ExitStatus, Failure> {
    let config = SimConfig {
        mix: Mix {
            answer: args.answer,
            busy: args.busy,
            no_answer: args.no_answer,
            fail: args.fail,
            reject: args.reject,
            invalid: args.invalid,
        },
        seed: args.seed,
        ring: args.ring,
        talk: args.talk,
        capacity: args.capacity,
        demand_auth: args.username.is_some(),
        keys: args
            .dtmf_for
            .iter()
            .cloned()
            .chain(args.dtmf.iter().map(|keys| KeyRule {
                suffix: String::new(),
                keys: keys.clone(),
            }))
            .collect(),
        key_delay: args.dtmf_delay,
    };
    let credential = args
        .username
        .zip(args.password)
        .map(|(username, p)| DigestCredential {
            username,
            password: Secret::new(p),
        });
    let media = SimMedia {
        ip: args.listen.ip(),
        ports: args.rtp_ports.0..=args.rtp_ports.1,
        echo: args.echo,
    };
    let mut endpoint = EndpointConfig::new(args.listen);
    if let (Some(addr), Some(cert), Some(key)) = (args.tls_listen, &args.tls_cert, &args.tls_key) {
        let read = |path: &PathBuf| {
            std::fs::read(path)
                .with_context(|| format!("cannot read {}", path.display()))
                .map_err(Failure::usage)
        };
        endpoint.tls_listen = Some(TlsListen {
            addr,
            cert: read(cert)?,
            key: read(key)?,
        });
    }
    let server = SimServer::start(endpoint, Simulator::new(config), media, credential)
        .await
        .map_err(Failure::usage)?;
    tracing::info!(listen = %server.local_addr(), "simulator listening");
    let interrupted = wait_for_end(args.duration).await?;
    server.shutdown();
    let report = server.report();
    print!("{}", render(&report));
    if let Some(path) = &args.stats_json {
        let json = serde_json::to_string_pretty(&report).map_err(Failure::runtime)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write --stats-json {}", path.display()))
            .map_err(Failure::runtime)?;
    }
    Ok(if interrupted {
        ExitStatus::Interrupted
    } else {
        ExitStatus::Success
    })
}

/// Waits for SIGINT, SIGTERM or the duration; true when a signal ended it.
async fn wait_for_end(duration: Option<Duration>) -> Result<bool, Failure> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let timer = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    Ok(tokio::select! {
        _ = tokio::signal::ctrl_c() => true,
        _ = term.recv() => true,
        () = timer => false,
    })
}

fn render(r: &StatsReport) -> String {
    let mut out = format!(
        "invites: {}\ncalls: {}\nmax concurrent: {}\nmax INVITEs in any second: {}\n",
        r.invites, r.calls, r.max_concurrent, r.max_invites_per_second
    );
    let codes: Vec<String> = r.codes.iter().map(|(c, n)| format!("{c}={n}")).collect();
    out.push_str(&format!("final codes: {}\n", codes.join(" ")));
    let rtp: Vec<String> = r.rtp_packets_per_call.iter().map(u64::to_string).collect();
    out.push_str(&format!("RTP packets per call: {}\n", rtp.join(" ")));
    let l = &r.rtp_lateness_ms;
    out.push_str(&format!(
        "RTP lost: {}; lateness ms p50 {:.1}, p99 {:.1}, p99.9 {:.1}, max {:.1}\n",
        r.rtp_lost, l.p50, l.p99, l.p999, l.max
    ));
    out
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (like 500ms, 30s, 10m)"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("`{s}`: unit must be ms, s or m")),
    }
}

fn parse_range(s: &str) -> Result<DurationRange, String> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (min, max) = (parse_duration(a)?, parse_duration(b)?);
    if max < min {
        return Err(format!("`{s}`: the range ends before it starts"));
    }
    Ok(DurationRange { min, max })
}

fn parse_ports(s: &str) -> Result<(u16, u16), String> {
    let bad = || format!("`{s}` is not a port range (like 30000-39999)");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (a, b): (u16, u16) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
    if b < a {
        return Err(bad());
    }
    Ok((a, b))
}

/// `--dtmf`: DTMF keys only.
fn parse_keys(s: &str) -> Result<String, String> {
    match s
        .chars()
        .find(|c| crate::media::dtmf::event_of(*c).is_none())
    {
        Some(bad) => Err(format!(
            "`{bad}` is not a DTMF key; keys are 0-9, *, #, A-D"
        )),
        None => Ok(s.to_string()),
    }
}

/// `--dtmf-for SUFFIX=KEYS`.
fn parse_key_rule(s: &str) -> Result<KeyRule, String> {
    let (suffix, keys) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected SUFFIX=KEYS, e.g. 0486=21"))?;
    if !suffix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{suffix}`: the suffix is the last digits of a number"
        ));
    }
    Ok(KeyRule {
        suffix: suffix.to_string(),
        keys: parse_keys(keys)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_options_parse() {
        assert_eq!(parse_keys("12#*AD"), Ok("12#*AD".to_string()));
        assert!(
            parse_keys("1x")
                .unwrap_err()
                .contains("`x` is not a DTMF key")
        );
        let rule = parse_key_rule("0486=21").unwrap();
        assert_eq!((rule.suffix.as_str(), rule.keys.as_str()), ("0486", "21"));
        assert_eq!(parse_key_rule("9=").unwrap().keys, "");
        assert!(parse_key_rule("9").unwrap_err().contains("SUFFIX=KEYS"));
        assert!(parse_key_rule("a=1").is_err());
    }

    #[test]
    fn ranges_and_durations_parse() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("2h").is_err());
        let r = parse_range("1s-3s").unwrap();
        assert_eq!(
            (r.min, r.max),
            (Duration::from_secs(1), Duration::from_secs(3))
        );
        assert!(parse_range("3s-1s").is_err());
        assert_eq!(parse_ports("30000-30010"), Ok((30000, 30010)));
        assert!(parse_ports("30010-30000").is_err());
    }
}
