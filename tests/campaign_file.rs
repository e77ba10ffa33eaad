//! The campaign file through the library: `dialer::campaign::load` on real files, the full
//! CONTRACT.md example, and each kind of bad input with its located message.

use std::path::{Path, PathBuf};
use std::time::Duration;

use dialer::campaign::{
    Audio, Codec, ColumnRef, LoadError, LoadOptions, NumbersSource, Transport, load,
};
use jiff::civil::{Time, Weekday, date};
use jiff::tz::TimeZone;

use crate::common::{Sandbox, repo_root};

/// The secret used wherever a password is resolved: it must never appear in a message.
const SECRET: &str = "hunter2-s3cret";

fn data(rel: &str) -> PathBuf {
    repo_root().join("tests/data/campaign").join(rel)
}

fn env_with_password(name: &str) -> Option<String> {
    (name == "CARRIER_A_PASSWORD").then(|| SECRET.to_string())
}

fn options<'a>(
    config: Option<&'a Path>,
    env: &'a dyn Fn(&str) -> Option<String>,
) -> LoadOptions<'a> {
    LoadOptions {
        config,
        env,
        local_zone: TimeZone::get("Europe/Paris").unwrap(),
        local_zone_name: "Europe/Paris".to_string(),
    }
}

/// A sandbox with `numbers.csv` and `campaign.yaml` = two required lines + `extra` (so the
/// first line of `extra` is line 3).
fn campaign_with(extra: &str) -> (Sandbox, PathBuf) {
    let sandbox = Sandbox::new();
    sandbox.write("numbers.csv", "phone\n+33612345678\n");
    let path = sandbox.write(
        "campaign.yaml",
        format!("name: t\nnumbers: {{ file: numbers.csv }}\n{extra}"),
    );
    (sandbox, path)
}

/// The error message for a campaign that must fail, with no config and the test env.
fn error_of(extra: &str) -> String {
    let (_sandbox, path) = campaign_with(extra);
    let err = load(&path, &options(None, &env_with_password)).expect_err("must be refused");
    let text = err.to_string();
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    text
}

#[test]
fn contract_example_loads_into_the_expected_plan() {
    let path = data("contract/campaign.yaml");
    let plan = load(&path, &options(None, &env_with_password)).expect("loads");
    let dir = data("contract");
    assert_eq!(plan.name, "spring-reminder");
    assert_eq!(
        plan.numbers.source,
        NumbersSource::File(dir.join("numbers.csv"))
    );
    assert_eq!(plan.numbers.column, ColumnRef::Name("phone".into()));
    assert_eq!(plan.numbers.default_region.as_deref(), Some("CN"));
    assert_eq!(plan.caller_id.as_deref(), Some("+861012345678"));
    assert_eq!(plan.schedule.timezone_name, "Asia/Shanghai");
    assert_eq!(plan.schedule.windows.len(), 2);
    let weekdays = &plan.schedule.windows[0];
    assert_eq!(weekdays.days.len(), 5);
    assert_eq!(
        (weekdays.start, weekdays.end),
        (Time::constant(9, 0, 0, 0), Time::constant(18, 0, 0, 0))
    );
    assert_eq!(plan.schedule.windows[1].days, vec![Weekday::Saturday]);
    assert_eq!(plan.schedule.holidays, vec![date(2026, 12, 25)]);
    assert_eq!(
        (
            plan.pacing.batch_size,
            plan.pacing.max_concurrent,
            plan.pacing.max_cps
        ),
        (100, 20, 5)
    );
    assert_eq!(plan.call.ring_timeout, Duration::from_secs(30));
    assert_eq!(plan.call.max_duration, Duration::from_secs(120));
    assert_eq!(plan.call.codecs, vec![Codec::Pcmu, Codec::Pcma]);
    let Audio::Ivr(ivr) = &plan.audio else {
        panic!("expected an IVR: {:?}", plan.audio)
    };
    assert_eq!(ivr.start, "greeting");
    let names: Vec<&str> = ivr.nodes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["greeting", "confirm", "optout", "goodbye"]);
    let greeting = &ivr.nodes[0].1;
    assert_eq!(greeting.play, Some(dir.join("../audio/greeting.wav")));
    let collect = greeting.collect.expect("collect");
    assert_eq!(
        (collect.max_digits, collect.timeout),
        (1, Duration::from_secs(5))
    );
    let routes: Vec<(&str, &str)> = greeting
        .routes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        routes,
        [
            ("1", "confirm"),
            ("2", "optout"),
            ("timeout", "goodbye"),
            ("default", "greeting")
        ]
    );
    let optout = &ivr.nodes[2].1;
    assert_eq!(
        (optout.result.as_deref(), optout.dnc),
        (Some("opted_out"), true)
    );
    assert_eq!(plan.retry.busy.max_attempts, 3);
    assert_eq!(plan.retry.busy.delay, Duration::from_secs(600));
    assert_eq!(plan.retry.no_answer.delay, Duration::from_secs(3600));
    assert_eq!(plan.retry.failed.delay, Duration::from_secs(300));
    assert_eq!(plan.limits.len(), 2);
    assert_eq!(
        (plan.limits[1].max_calls, plan.limits[1].per),
        (3, Duration::from_secs(7 * 86_400))
    );
    assert_eq!(plan.dnc.files, vec![dir.join("dnc.txt")]);
    assert_eq!(plan.trunks.len(), 2);
    let a = &plan.trunks[0];
    assert_eq!(
        (a.name.as_str(), a.host.as_str(), a.port, a.transport),
        ("carrier-a", "gw.example.net", 5060, Transport::Udp)
    );
    assert_eq!(a.username.as_deref(), Some("acct"));
    assert_eq!(a.password.as_ref().map(|s| s.expose()), Some(SECRET));
    assert_eq!(a.password_source.as_deref(), Some("env CARRIER_A_PASSWORD"));
    assert_eq!((a.max_concurrent, a.max_cps), (Some(50), Some(10)));
    let b = &plan.trunks[1];
    assert_eq!(
        (b.host.as_str(), b.port, b.password.is_none()),
        ("gw2.example.net", 5060, true)
    );
    assert_eq!(plan.sip.bind.to_string(), "0.0.0.0:5060");
    assert_eq!(
        plan.sip.public_addr.map(|ip| ip.to_string()).as_deref(),
        Some("203.0.113.7")
    );
    assert_eq!(plan.sip.rtp_ports, 10000..=20000);
    assert!(
        !format!("{plan:?}").contains(SECRET),
        "Debug must mask the password"
    );
}

#[test]
fn verbatim_contract_example_only_trips_on_prompt_plus_ivr() {
    // Every key of the example parses; the one objection is naming both prompt and ivr.
    let path = data("contract/verbatim.yaml");
    let err = load(&path, &options(None, &env_with_password)).expect_err("prompt and ivr conflict");
    let LoadError::Invalid { issues } = &err else {
        panic!("{err}")
    };
    assert_eq!(issues.len(), 1, "{err}");
    assert_eq!(issues[0].field, "ivr");
    assert!(err.to_string().contains("verbatim.yaml:"), "{err}");
    assert!(err.to_string().contains("mutually exclusive"), "{err}");
}

#[test]
fn malformed_yaml_is_located() {
    let msg = error_of("pacing: { max_cps: 5\n");
    assert!(
        msg.starts_with("campaign.yaml:3:9: ") || msg.contains("campaign.yaml:3:"),
        "{msg}"
    );
    assert!(msg.contains("unclosed"), "{msg}");
}

#[test]
fn wrong_type_is_located() {
    let msg = error_of("pacing:\n  max_cps: fast\n");
    assert!(msg.contains("campaign.yaml:4:12: "), "{msg}");
}

#[test]
fn unknown_key_lists_the_valid_keys() {
    let msg = error_of("pacng:\n  max_cps: 5\n");
    assert!(msg.contains("campaign.yaml:3:1: "), "{msg}");
    assert!(msg.contains("`pacng`"), "{msg}");
    assert!(
        msg.contains("pacing") && msg.contains("schedule") && msg.contains("trunks"),
        "{msg}"
    );
}

#[test]
fn invalid_duration_lists_the_accepted_forms() {
    let msg = error_of("call:\n  ring_timeout: 30x\n");
    assert!(
        msg.contains("campaign.yaml:4:17: call.ring_timeout: `30x` is not a duration"),
        "{msg}"
    );
    assert!(msg.contains("500ms, 30s, 10m, 1h30m"), "{msg}");
    let msg = error_of("retry:\n  busy: { max_attempts: 2, delay: 0s }\n");
    assert!(
        msg.contains("campaign.yaml:4:35: retry.busy.delay: `0s` is zero"),
        "{msg}"
    );
}

#[test]
fn ring_timeout_must_stay_below_timer_c() {
    let msg = error_of("call:\n  ring_timeout: 3m\n");
    assert!(
        msg.contains("campaign.yaml:4:17: call.ring_timeout: must be below 180s"),
        "{msg}"
    );
}

#[test]
fn unknown_zone_is_refused() {
    let msg = error_of("schedule:\n  timezone: Mars/Olympus_Mons\n");
    assert!(
        msg.contains(
            "campaign.yaml:4:13: schedule.timezone: unknown time zone `Mars/Olympus_Mons`"
        ),
        "{msg}"
    );
    assert!(msg.contains("IANA"), "{msg}");
}

#[test]
fn window_ending_before_it_starts_is_refused() {
    let msg = error_of(
        "schedule:\n  windows:\n    - { days: [mon], start: \"18:00\", end: \"09:00\" }\n",
    );
    assert!(
        msg.contains("campaign.yaml:5:43: schedule.windows[0].end: must be after start 18:00"),
        "{msg}"
    );
}

#[test]
fn window_may_end_at_24_00() {
    let (_sandbox, path) = campaign_with(
        "schedule:\n  windows:\n    - { days: [mon, Sunday], start: \"00:00\", end: \"24:00\" }\n",
    );
    let plan = load(&path, &options(None, &env_with_password)).expect("loads");
    let window = &plan.schedule.windows[0];
    assert!(window.ends_at_midnight());
    assert_eq!(window.days, vec![Weekday::Monday, Weekday::Sunday]);
    assert!(window.contains(Weekday::Monday, Time::constant(23, 59, 59, 999_999_999)));
    assert!(window.contains(Weekday::Monday, Time::midnight()));
    assert!(!window.contains(Weekday::Tuesday, Time::constant(12, 0, 0, 0)));
    // ... but not as a start, and no other hour past 23.
    let msg = error_of(
        "schedule:\n  windows:\n    - { days: [mon], start: \"24:00\", end: \"24:00\" }\n",
    );
    assert!(
        msg.contains("campaign.yaml:5:29: schedule.windows[0].start: `24:00` is not a time"),
        "{msg}"
    );
    let msg = error_of(
        "schedule:\n  windows:\n    - { days: [mon], start: \"09:00\", end: \"25:00\" }\n",
    );
    assert!(
        msg.contains("schedule.windows[0].end: `25:00` is not a time"),
        "{msg}"
    );
}

#[test]
fn default_schedule_uses_the_local_zone() {
    let (_sandbox, path) = campaign_with("");
    let plan = load(&path, &options(None, &env_with_password)).expect("loads");
    assert_eq!(plan.schedule.timezone_name, "Europe/Paris");
    assert_eq!(plan.schedule.windows.len(), 1);
    assert_eq!(plan.schedule.windows[0].days.len(), 7);
    assert_eq!(plan.schedule.windows[0].start, Time::constant(9, 0, 0, 0));
    assert_eq!(plan.schedule.windows[0].end, Time::constant(18, 0, 0, 0));
    assert!(matches!(plan.audio, Audio::Silent));
    assert_eq!(plan.retry.no_answer.max_attempts, 2);
    assert!(plan.trunks.is_empty() && plan.limits.is_empty());
}

#[test]
fn zero_max_cps_is_refused() {
    let msg = error_of("pacing:\n  max_cps: 0\n");
    assert!(
        msg.ends_with("/campaign.yaml:4:12: pacing.max_cps: must be at least 1 (got 0)"),
        "{msg}"
    );
}

#[test]
fn missing_numbers_file_is_refused() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("campaign.yaml", "name: t\nnumbers:\n  file: gone.csv\n");
    let msg = load(&path, &options(None, &env_with_password))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("campaign.yaml:3:9: numbers.file: "), "{msg}");
    assert!(msg.contains("gone.csv does not exist"), "{msg}");
}

#[test]
fn missing_prompt_is_refused() {
    let msg = error_of("prompt: audio/nothing.wav\n");
    assert!(msg.contains("campaign.yaml:3:9: prompt: "), "{msg}");
    assert!(msg.contains("nothing.wav does not exist"), "{msg}");
}

#[test]
fn unknown_ivr_target_is_refused() {
    let msg = error_of(
        "ivr:\n  start: menu\n  nodes:\n    menu:\n      collect: { max_digits: 1, timeout: 5s }\n      routes: { \"1\": nowhere }\n",
    );
    assert!(
        msg.contains(
            "campaign.yaml:8:22: ivr.nodes.menu.routes.1: unknown node `nowhere`; nodes are: menu"
        ),
        "{msg}"
    );
}

#[test]
fn missing_password_env_names_the_variable_not_a_value() {
    let extra = "trunks:\n  - name: a\n    uri: sip:gw.example.net\n    username: acct\n    password_env: CARRIER_B_PASSWORD\n  - name: b\n    uri: sip:gw2.example.net\n    username: acct\n    password_env: CARRIER_A_PASSWORD\npacing: { max_cps: 0 }\n";
    let msg = error_of(extra);
    assert!(msg.contains("campaign.yaml:7:19: trunks[0].password_env: environment variable CARRIER_B_PASSWORD is not set"), "{msg}");
    // The second trunk's password was resolved; the other error must not carry it along.
    assert!(msg.contains("pacing.max_cps"), "{msg}");
    assert!(!msg.contains(SECRET), "{msg}");
}

#[test]
fn password_file_is_read_relative_to_its_file_and_never_shown() {
    let (sandbox, path) = campaign_with(
        "trunks:\n  - { name: a, uri: \"sip:10.0.0.1:5080;transport=tcp\", username: u, password_file: secrets/a.txt }\n",
    );
    sandbox.write("secrets/a.txt", format!("{SECRET}\n"));
    let plan = load(&path, &options(None, &env_with_password)).expect("loads");
    let trunk = &plan.trunks[0];
    assert_eq!(
        (trunk.host.as_str(), trunk.port, trunk.transport),
        ("10.0.0.1", 5080, Transport::Tcp)
    );
    assert_eq!(trunk.password.as_ref().unwrap().expose(), SECRET);
    assert!(!format!("{plan:?}").contains(SECRET));
}

#[test]
fn several_problems_are_reported_together() {
    let msg = error_of("pacing: { max_cps: 0, batch_size: -3 }\ncall: { codecs: [opus] }\n");
    let lines: Vec<&str> = msg.lines().collect();
    assert_eq!(lines.len(), 3, "{msg}");
    assert!(
        lines[0].contains(":3:20: pacing.max_cps: must be at least 1 (got 0)"),
        "{msg}"
    );
    assert!(
        lines[1].contains(":3:35: pacing.batch_size: must be at least 1 (got -3)"),
        "{msg}"
    );
    assert!(
        lines[2].contains(":4:18: call.codecs: unknown codec `opus`; expected pcmu or pcma"),
        "{msg}"
    );
}

#[test]
fn config_keys_are_overridden_by_the_campaign_key_by_key() {
    let sandbox = Sandbox::new();
    sandbox.write("numbers.csv", "phone\n");
    let config = sandbox.write(
        "shared/dialer.yaml",
        "trunks:\n  - { name: from-config, uri: sip:gw.example.net }\nsip:\n  bind: 127.0.0.1:5070\ndatabase: cdr.db\n",
    );
    let campaign = sandbox.write(
        "campaign.yaml",
        "name: t\nnumbers: { file: numbers.csv }\nsip:\n  bind: 127.0.0.1:5090\n",
    );
    let plan = load(&campaign, &options(Some(&config), &env_with_password)).expect("loads");
    assert_eq!(
        plan.trunks[0].name, "from-config",
        "config trunks used when the campaign has none"
    );
    assert_eq!(
        plan.sip.bind.to_string(),
        "127.0.0.1:5090",
        "the campaign's sip wins"
    );
    assert_eq!(
        plan.sip.rtp_ports,
        10000..=20000,
        "whole-key override: no field merge"
    );
    assert_eq!(plan.database, Some(sandbox.join("shared/cdr.db")));
}

#[test]
fn config_paths_resolve_relative_to_the_config_file() {
    let sandbox = Sandbox::new();
    sandbox.write("campaigns/numbers.csv", "phone\n");
    sandbox.write("etc/dialer/dnc.txt", "+33612345678\n");
    let config = sandbox.write("etc/dialer/config.yaml", "dnc:\n  files: [dnc.txt]\n");
    let campaign = sandbox.write(
        "campaigns/c.yaml",
        "name: t\nnumbers: { file: numbers.csv }\n",
    );
    let plan = load(&campaign, &options(Some(&config), &env_with_password)).expect("loads");
    assert_eq!(plan.dnc.files, vec![sandbox.join("etc/dialer/dnc.txt")]);
    assert_eq!(
        plan.numbers.source,
        NumbersSource::File(sandbox.join("campaigns/numbers.csv"))
    );
    // A missing file named by the config file is reported against the config file.
    std::fs::remove_file(sandbox.join("etc/dialer/dnc.txt")).unwrap();
    let msg = load(&campaign, &options(Some(&config), &env_with_password))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("config.yaml:2:11: dnc.files[0]: "), "{msg}");
}

#[test]
fn config_file_may_not_hold_campaign_keys() {
    let sandbox = Sandbox::new();
    sandbox.write("numbers.csv", "phone\n");
    let config = sandbox.write("config.yaml", "database: x.db\npacing: { max_cps: 3 }\n");
    let campaign = sandbox.write("c.yaml", "name: t\nnumbers: { file: numbers.csv }\n");
    let msg = load(&campaign, &options(Some(&config), &env_with_password))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("config.yaml:2:1: "), "{msg}");
    assert!(msg.contains("`pacing`") && msg.contains("trunks"), "{msg}");
}

#[test]
fn missing_campaign_file_names_it() {
    let sandbox = Sandbox::new();
    let err = load(
        &sandbox.join("nope.yaml"),
        &options(None, &env_with_password),
    )
    .unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }));
    assert!(err.to_string().contains("nope.yaml"), "{err}");
}

#[test]
fn trunk_problems_are_each_reported() {
    let msg = error_of(concat!(
        "trunks:\n",
        "  - { name: a, uri: \"sip:gw;transport=tcp\", transport: udp }\n",
        "  - { name: a, uri: sip:gw2 }\n",
        "  - { name: c, uri: \"http://gw\" }\n",
        "  - { name: d, uri: sip:gw, username: u }\n",
        "  - { name: e, uri: sip:gw, username: u, password_env: X, password_file: f }\n",
        "  - { name: f, uri: sip:gw, transport: sctp, max_cps: 5000 }\n",
    ));
    let lines: Vec<&str> = msg.lines().collect();
    let expected = [
        ":4:56: trunks[0].transport: disagrees with the URI's ;transport= parameter",
        ":5:13: trunks[1].name: duplicate trunk name `a`",
        ":6:21: trunks[2].uri: `http://gw` is not a trunk URI; expected sip:host[:port]",
        ":7:39: trunks[3].username: a username needs a password",
        ":8:56: trunks[4].password_env: give either password_env or password_file, not both",
        ":9:40: trunks[5].transport: unknown transport `sctp`; expected udp, tcp or tls",
        ":9:55: trunks[5].max_cps: must be at most 2000",
    ];
    assert_eq!(lines.len(), expected.len(), "{msg}");
    for want in expected {
        assert!(
            lines.iter().any(|l| l.contains(want)),
            "missing {want:?} in\n{msg}"
        );
    }
}

#[test]
fn numbers_block_forms() {
    let sandbox = Sandbox::new();
    let path = sandbox.write(
        "c.yaml",
        "name: t\nnumbers: { file: \"-\", column: 2, default_region: cn }\n",
    );
    let plan = load(&path, &options(None, &env_with_password)).expect("loads");
    assert_eq!(plan.numbers.source, NumbersSource::Stdin);
    assert_eq!(plan.numbers.column, ColumnRef::Index(2));
    assert_eq!(plan.numbers.default_region.as_deref(), Some("CN"));
    let msg = error_of("caller_id: \"<sip:x@y>\"\n").replace("\n", " ");
    assert!(msg.contains(":3:12: caller_id: "), "{msg}");
    let sandbox = Sandbox::new();
    let path = sandbox.write(
        "c.yaml",
        "name: t\nnumbers: { file: \"-\", column: 0, default_region: china }\n",
    );
    let msg = load(&path, &options(None, &env_with_password))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("c.yaml:2:31: numbers.column: column index must be at least 1"),
        "{msg}"
    );
    assert!(
        msg.contains(
            "c.yaml:2:50: numbers.default_region: `china` is not a region; expected a two-letter"
        ),
        "{msg}"
    );
}

#[test]
fn missing_required_key_is_located() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("c.yaml", "name: t\npacing: { max_cps: 2 }\n");
    let msg = load(&path, &options(None, &env_with_password))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("c.yaml:2:1: missing field `numbers`"), "{msg}");
}

#[test]
fn ivr_shape_is_checked() {
    let msg = error_of(concat!(
        "ivr:\n",
        "  start: begin\n",
        "  nodes:\n",
        "    menu:\n",
        "      play: nothing.wav\n",
        "      collect: { max_digits: 2, timeout: 5s }\n",
        "      routes: { \"123\": menu, \"x\": menu, default: menu }\n",
        "    end: { routes: { \"1\": menu, default: menu } }\n",
    ));
    let expected = [
        ":4:10: ivr.start: unknown node `begin`; nodes are: menu, end",
        ":7:13: ivr.nodes.menu.play: ",
        ":9:17: ivr.nodes.menu.routes.123: `123` is longer than collect.max_digits (2)",
        ":9:30: ivr.nodes.menu.routes.x: `x` is not a route key",
        ":10:22: ivr.nodes.end.routes.1: route `1` needs `collect`",
    ];
    for want in expected {
        assert!(msg.contains(want), "missing {want:?} in\n{msg}");
    }
    assert_eq!(msg.lines().count(), expected.len(), "{msg}");
}

#[test]
fn pacing_has_upper_bounds() {
    let msg = error_of("pacing: { max_cps: 5000, max_concurrent: 100000, batch_size: 1000000 }\n");
    assert!(
        msg.contains("pacing.max_cps: must be at most 2000"),
        "{msg}"
    );
    assert!(
        msg.contains("pacing.max_concurrent: must be at most 2000"),
        "{msg}"
    );
    assert!(
        msg.contains("pacing.batch_size: must be at most 10000"),
        "{msg}"
    );
}

#[test]
fn ivr_graph_flags_unreachable_nodes_and_loops_with_no_way_out() {
    let msg = error_of(concat!(
        "ivr:\n",
        "  start: menu\n",
        "  nodes:\n",
        "    menu:\n",
        "      collect: { max_digits: 1, timeout: 5s }\n",
        "      routes: { \"1\": again, default: menu }\n",
        "    again: { routes: { default: menu } }\n",
        "    orphan: {}\n",
    ));
    let expected = [
        ":6:5: ivr.nodes.menu: a loop with no way out",
        ":9:5: ivr.nodes.again: a loop with no way out",
        ":10:5: ivr.nodes.orphan: unreachable: no route from `menu` leads here",
    ];
    for want in expected {
        assert!(msg.contains(want), "missing {want:?} in\n{msg}");
    }
    assert_eq!(msg.lines().count(), expected.len(), "{msg}");
}

#[test]
fn ivr_collect_options_are_checked() {
    let msg = error_of(concat!(
        "ivr:\n",
        "  start: menu\n",
        "  nodes:\n",
        "    menu:\n",
        "      collect: { max_digits: 4, timeout: 5s, inter_digit_timeout: soon, terminator: \"5\" }\n",
        "      routes: { \"1#\": bye, default: bye }\n",
        "      max_visits: 0\n",
        "    bye: {}\n",
    ));
    let expected = [
        "ivr.nodes.menu.collect.inter_digit_timeout: ",
        "ivr.nodes.menu.collect.terminator: `5` cannot end input; expected \"#\", \"*\" or \"\" (none)",
        "ivr.nodes.menu.max_visits: must be at least 1",
    ];
    for want in expected {
        assert!(msg.contains(want), "missing {want:?} in\n{msg}");
    }
    let hash = error_of(concat!(
        "ivr:\n",
        "  start: menu\n",
        "  nodes:\n",
        "    menu:\n",
        "      collect: { max_digits: 4, timeout: 5s }\n",
        "      routes: { \"12#\": bye, default: bye }\n",
        "    bye: {}\n",
    ));
    assert!(hash.contains("`12#` contains the terminator `#`"), "{hash}");
}

#[test]
fn record_patterns_are_checked() {
    let msg = error_of("record: \"calls/{campaign}/{who}.mp3\"\n");
    assert!(
        msg.contains("record: the pattern must end in `.wav`"),
        "{msg}"
    );
    assert!(
        msg.contains(
            "record: unknown placeholder `{who}`; valid: {campaign}, {number}, {attempt}, {date}, {time}"
        ),
        "{msg}"
    );
    let msg = error_of("record: 5\n");
    assert!(msg.contains("record"), "{msg}");
}

#[test]
fn tls_ca_needs_a_tls_trunk_and_an_existing_file() {
    let msg = error_of(
        "trunks:\n  - { name: a, uri: \"sip:gw.example.net\", tls_ca: ca.pem }\n  - { name: b, uri: \"sip:gw.example.net\", transport: tls, tls_ca: missing.pem }\n",
    );
    assert!(
        msg.contains("trunks[0].tls_ca: only a `transport: tls` trunk verifies a certificate"),
        "{msg}"
    );
    assert!(
        msg.contains("trunks[1].tls_ca: ") && msg.contains("missing.pem does not exist"),
        "{msg}"
    );
}
