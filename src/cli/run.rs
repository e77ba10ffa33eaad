//! `dialer run CAMPAIGN.yaml`: load the plan, import the numbers (idempotent), show the plan
//! and ask on a terminal (`--yes` otherwise), then hand over to [`crate::runtime::run`] with
//! signals wired to a clean drain, and map how it ended to the exit status (CONTRACT.md):
//! 0 every number final, 3 work left (window, `--max-runtime`), 130 interrupted, 1 no trunk
//! usable, 2 anything wrong in what we were given (nothing dialed).
//!
//! `--simulate` starts the carrier simulator in this process on 127.0.0.1 (real SIP and RTP
//! over loopback) and makes it the only trunk: outcomes by the called number's last digits
//! (`…0486` busy, `…0487` rings out, `…0503` fails, `…0404` invalid), others answered.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::campaign_input::{describe_numbers, load_plan};
use super::import::import;
use super::{Failure, GlobalArgs, progress};
use crate::campaign::{Audio, CampaignPlan, Transport, duration::parse_duration};
use crate::exit::ExitStatus;
use crate::media::prompt::load_prompt;
use crate::net::sip::uas::{SimMedia, SimServer};
use crate::net::sip::{EndpointConfig, SipTarget};
use crate::runtime::{self, MenuAudio, PromptPayloads, RunEnd, RunSettings, Snapshot, TrunkTarget};
use crate::sim::{DurationRange, KeyRule, Mix, SimConfig, Simulator};
use crate::store::ImportSummary;

/// Arguments of `dialer run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The campaign file
    pub campaign: PathBuf,
    /// Dial without asking (required when standard input is not a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Read the numbers from FILE instead of the campaign's `numbers.file` (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub numbers: Option<PathBuf>,
    /// When only numbers outside their calling window are left, exit 3 instead of waiting
    #[arg(long)]
    pub exit_outside_window: bool,
    /// Stop (drain calls, exit 3) after this long, e.g. 30m or 1h30m
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub max_runtime: Option<Duration>,
    /// Dial the built-in carrier simulator on 127.0.0.1 instead of the trunks (rehearsal)
    #[arg(long)]
    pub simulate: bool,
}

fn duration_arg(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.to_string())
}

/// Runs the campaign.
pub fn execute(args: RunArgs, global: &GlobalArgs) -> Result<ExitStatus, Failure> {
    let plan = load_plan(&args.campaign, global, args.numbers.as_ref())?;
    let (prompt, menu) = campaign_audio(&plan)?;
    if plan.trunks.is_empty() && !args.simulate {
        return Err(Failure::usage(anyhow::anyhow!(
            "no trunk configured in {} (or --config): add a `trunks:` list, or rehearse \
             against the built-in simulator with --simulate; nothing was dialed",
            plan.source.display()
        )));
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !args.yes && !interactive {
        return Err(Failure::usage(anyhow::anyhow!(
            "standard input is not a terminal, so nobody can confirm the plan: pass --yes to \
             dial without confirmation; nothing was dialed"
        )));
    }
    let tls_trust = if args.simulate {
        None
    } else {
        tls_trust(&plan)?
    };
    let summary = import(&plan, global)?;
    let db = global.db_path(plan.database.as_ref());
    if !args.yes && !confirm(&plan, &summary, &db, args.simulate)? {
        return Err(Failure::usage(anyhow::anyhow!(
            "not confirmed; nothing was dialed"
        )));
    }
    let settings = RunSettings {
        trunks: plan.trunks.iter().map(TrunkTarget::from).collect(),
        plan,
        prompt,
        menu,
        tls_trust,
        db,
        exit_outside_window: args.exit_outside_window,
        max_runtime: args.max_runtime,
        show_numbers: global.verbose >= 1,
    };
    let tokio = tokio::runtime::Runtime::new()?;
    tokio.block_on(dial(settings, args.simulate, global))
}

/// Where Debian and Ubuntu keep the system's trusted roots (package ca-certificates).
const SYSTEM_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The certificates TLS trunks are verified against: each trunk's `tls_ca`, and the system's
/// roots for a TLS trunk without one. rsipstack trusts nothing by default, and takes one
/// trust store for all connections, so the union is passed. `None` without TLS trunks.
fn tls_trust(plan: &CampaignPlan) -> Result<Option<Vec<u8>>, Failure> {
    let tls: Vec<_> = plan
        .trunks
        .iter()
        .filter(|t| t.transport == Transport::Tls)
        .collect();
    if tls.is_empty() {
        return Ok(None);
    }
    let mut pem = Vec::new();
    let mut files: Vec<PathBuf> = tls.iter().filter_map(|t| t.tls_ca.clone()).collect();
    if tls.iter().any(|t| t.tls_ca.is_none()) {
        files.push(PathBuf::from(SYSTEM_ROOTS));
    }
    files.dedup();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|e| {
            Failure::usage(anyhow::anyhow!(
                "cannot read the TLS trust file {}: {e}; give the trunk a readable `tls_ca` \
                 (PEM) or install the system's ca-certificates",
                file.display()
            ))
        })?;
        pem.extend_from_slice(&bytes);
        pem.push(b'\n');
    }
    Ok(Some(pem))
}

/// Loads the campaign's prompt, or every IVR node's, once before any call: a prompt that
/// cannot be played is exit 2, before anything is dialed.
fn campaign_audio(plan: &CampaignPlan) -> Result<(PromptPayloads, Option<MenuAudio>), Failure> {
    match &plan.audio {
        Audio::Silent => Ok((PromptPayloads::default(), None)),
        Audio::Prompt(path) => Ok((prompt_payloads(plan, path, "prompt")?, None)),
        Audio::Ivr(ivr) => {
            let mut prompts = HashMap::new();
            for (name, node) in &ivr.nodes {
                if let Some(path) = &node.play {
                    let field = format!("ivr.nodes.{name}.play");
                    prompts.insert(name.clone(), prompt_payloads(plan, path, &field)?);
                }
            }
            let menu = MenuAudio {
                plan: Arc::new(ivr.clone()),
                prompts,
            };
            Ok((PromptPayloads::default(), Some(menu)))
        }
    }
}

fn prompt_payloads(
    plan: &CampaignPlan,
    path: &Path,
    field: &str,
) -> Result<PromptPayloads, Failure> {
    let prompt = load_prompt(path).map_err(|e| {
        Failure::usage(anyhow::Error::new(e).context(format!(
            "{field}: {} (from {}) cannot be played",
            path.display(),
            plan.source.display()
        )))
    })?;
    Ok(PromptPayloads::from(&prompt))
}

/// Shows the plan on stderr and asks; true on `y`/`yes`.
fn confirm(
    plan: &CampaignPlan,
    summary: &ImportSummary,
    db: &std::path::Path,
    simulate: bool,
) -> Result<bool, Failure> {
    let trunks: Vec<String> = if simulate {
        vec!["the built-in simulator on 127.0.0.1 (--simulate)".to_string()]
    } else {
        plan.trunks
            .iter()
            .map(|t| format!("{} ({})", t.name, t.uri))
            .collect()
    };
    let p = plan.pacing;
    let mut err = std::io::stderr().lock();
    writeln!(err, "campaign {} ({})", plan.name, plan.source.display())?;
    writeln!(err, "  numbers:  {}", describe_numbers(plan))?;
    writeln!(
        err,
        "            {} added, {} already in the database, {} rows skipped",
        summary.added, summary.already_present, summary.skipped
    )?;
    writeln!(err, "  trunks:   {}", trunks.join(", "))?;
    writeln!(
        err,
        "  pacing:   {} calls at once, {} new calls per second, batches of {}",
        p.max_concurrent, p.max_cps, p.batch_size
    )?;
    writeln!(err, "  database: {}", db.display())?;
    write!(err, "Dial now? [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// The async part: simulator, signals, progress, the run itself.
async fn dial(
    mut settings: RunSettings,
    simulate: bool,
    global: &GlobalArgs,
) -> Result<ExitStatus, Failure> {
    let sim = if simulate {
        let server = start_simulator().await?;
        let addr = server.local_addr();
        tracing::info!(%addr, "simulated carrier listening (--simulate)");
        settings.trunks = vec![TrunkTarget {
            name: "simulator".to_string(),
            target: SipTarget {
                host: addr.ip().to_string(),
                port: addr.port(),
                transport: Transport::Udp,
            },
            credential: None,
            limits: Default::default(),
        }];
        Some(server)
    } else {
        None
    };
    let shutdown = CancellationToken::new();
    tokio::spawn(forward_signals(shutdown.clone()));
    let (tx, rx) = watch::channel(Snapshot::default());
    let view = progress::start(rx.clone(), global);
    let name = settings.plan.name.clone();
    let ended = runtime::run(settings, shutdown, tx).await;
    view.finish().await;
    if let Some(sim) = sim {
        sim.shutdown();
    }
    let end = ended?;
    let last = rx.borrow().clone();
    if !global.quiet {
        eprintln!("{}", progress::summary_line(&name, &last));
    }
    match end {
        RunEnd::Done => Ok(ExitStatus::Success),
        RunEnd::WindowClosed | RunEnd::MaxRuntime => Ok(ExitStatus::WorkLeft),
        RunEnd::Interrupted => Ok(ExitStatus::Interrupted),
        RunEnd::NoTrunk => Err(Failure::runtime(anyhow::anyhow!(
            "no trunk usable: every trunk refused our credentials; numbers not dialed stay \
             pending for the next run"
        ))),
    }
}

/// Keys the in-process carrier's callees press, 1 s after answering and 1.5 s apart, by the
/// number's last digit: enough for the demo's menu to take every path.
const SIMULATE_KEYS: &[(&str, &str)] = &[("6", "21"), ("7", "22"), ("8", ""), ("", "1")];

/// The in-process carrier: digit-coded outcomes, everything else answered after a short
/// ring; it never hangs up before our prompt ends; callees press keys ([`SIMULATE_KEYS`]).
async fn start_simulator() -> Result<SimServer, Failure> {
    let config = SimConfig {
        mix: Mix {
            answer: 1,
            busy: 0,
            no_answer: 0,
            fail: 0,
            reject: 0,
            invalid: 0,
        },
        seed: 1,
        ring: DurationRange {
            min: Duration::from_millis(200),
            max: Duration::from_millis(800),
        },
        talk: DurationRange {
            min: Duration::from_secs(600),
            max: Duration::from_secs(600),
        },
        capacity: None,
        demand_auth: false,
        keys: SIMULATE_KEYS
            .iter()
            .map(|(suffix, keys)| KeyRule {
                suffix: suffix.to_string(),
                keys: keys.to_string(),
            })
            .collect(),
        key_delay: Duration::from_secs(1),
    };
    let media = SimMedia {
        ip: [127, 0, 0, 1].into(),
        ports: 40_000..=44_999,
        echo: false,
    };
    let bind = EndpointConfig::new(([127, 0, 0, 1], 0).into());
    SimServer::start(bind, Simulator::new(config), media, None)
        .await
        .map_err(Failure::runtime)
}

/// SIGINT or SIGTERM -> a clean drain.
async fn forward_signals(shutdown: CancellationToken) {
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    shutdown.cancel();
}
