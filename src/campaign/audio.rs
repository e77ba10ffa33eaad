//! `prompt:` / `ivr:` -> [`Audio`].
//!
//! `prompt` and `ivr` are mutually exclusive; neither means [`Audio::Silent`]. Every `play`
//! path must name an existing file. IVR: `start` and every route target must be node names;
//! route keys are DTMF digit strings (`0-9`, `*`, `#`, at most `collect.max_digits` long),
//! `timeout` or `default`; digit and `timeout` routes need `collect`; `default` alone means
//! "after the prompt, go there". `collect.terminator` (default `#`, `""` for none) ends input
//! early and cannot appear in a digit route; `inter_digit_timeout` defaults to 3 s;
//! `max_visits` (default 3) bounds how often one call may enter a node. The menu's shape
//! (unreachable nodes, loops with no way out) is checked by `ivr_graph`.
//!
//! Must not: decode audio (the CLI checks formats with `media/`); here only existence matters.

use super::check::Checker;
use super::plan::{Audio, Collect, IvrNode, IvrPlan};
use super::raw::{RawIvr, RawNode, Sp};

/// Longest digit string a node may collect (a PIN or an account number, not an essay).
const MAX_DIGITS: u32 = 32;
/// Default wait for each digit after the first (Asterisk's and FreeSWITCH's usual 3 s).
const INTER_DIGIT_DEFAULT: std::time::Duration = std::time::Duration::from_secs(3);
/// Default number of times one call may enter a node (three tries, as IVRs usually give).
const MAX_VISITS_DEFAULT: u32 = 3;
/// Upper bound of `max_visits`.
const MAX_VISITS: u32 = 100;

/// What an answered callee hears.
pub(crate) fn audio(
    check: &mut Checker<'_>,
    prompt: Option<&Sp<String>>,
    ivr: Option<&Sp<RawIvr>>,
) -> Audio {
    match (prompt, ivr) {
        (Some(_), Some(ivr)) => {
            let msg = "`prompt` and `ivr` are mutually exclusive: keep one (an IVR node's `play` \
                       replaces the prompt)";
            check.fail(ivr, "ivr", msg);
            Audio::Silent
        }
        (Some(p), None) => check
            .existing_file(p, "prompt")
            .map_or(Audio::Silent, Audio::Prompt),
        (None, Some(ivr)) => Audio::Ivr(ivr_plan(check, &ivr.value)),
        (None, None) => Audio::Silent,
    }
}

fn ivr_plan(check: &mut Checker<'_>, raw: &RawIvr) -> IvrPlan {
    let names: Vec<&str> = raw
        .nodes
        .value
        .0
        .iter()
        .map(|(k, _)| k.value.as_str())
        .collect();
    let known = names.join(", ");
    if names.is_empty() {
        check.fail(&raw.nodes, "ivr.nodes", "needs at least one node");
    } else if !names.contains(&raw.start.value.as_str()) {
        let msg = format!("unknown node `{}`; nodes are: {known}", raw.start.value);
        check.fail(&raw.start, "ivr.start", msg);
    }
    let mut nodes = Vec::new();
    for (name, node) in &raw.nodes.value.0 {
        let field = format!("ivr.nodes.{}", name.value);
        let node = ivr_node(check, &node.value, &field, &names);
        nodes.push((name.value.clone(), node));
    }
    let plan = IvrPlan {
        start: raw.start.value.clone(),
        nodes,
    };
    // The shape is only meaningful once every name resolves (unknown ones are reported above).
    let resolves = |n: &String| names.contains(&n.as_str());
    let names_resolve = resolves(&plan.start)
        && plan
            .nodes
            .iter()
            .all(|(_, n)| n.routes.iter().all(|(_, to)| resolves(to)));
    if names_resolve {
        for problem in super::ivr_graph::problems(&plan) {
            if let Some((name, _)) = raw
                .nodes
                .value
                .0
                .iter()
                .find(|(n, _)| n.value == problem.node)
            {
                check.fail(
                    name,
                    &format!("ivr.nodes.{}", problem.node),
                    problem.message,
                );
            }
        }
    }
    plan
}

fn ivr_node(check: &mut Checker<'_>, raw: &RawNode, field: &str, names: &[&str]) -> IvrNode {
    let play = raw
        .play
        .as_ref()
        .and_then(|p| check.existing_file(p, &format!("{field}.play")));
    let collect = raw.collect.as_ref().and_then(|c| {
        let max = &c.value.max_digits;
        let why = "longer input belongs in another channel";
        let digits = check.count(max, &format!("{field}.collect.max_digits"), MAX_DIGITS, why);
        let timeout = check.duration(&c.value.timeout, &format!("{field}.collect.timeout"));
        let inter_digit = match &c.value.inter_digit_timeout {
            Some(t) => check.duration(t, &format!("{field}.collect.inter_digit_timeout")),
            None => Some(INTER_DIGIT_DEFAULT),
        };
        let terminator = match &c.value.terminator {
            Some(t) => terminator(check, t, &format!("{field}.collect.terminator"))?,
            None => Some('#'),
        };
        Some(Collect {
            max_digits: digits?,
            timeout: timeout?,
            inter_digit_timeout: inter_digit?,
            terminator,
        })
    });
    let mut routes = Vec::new();
    if let Some(raw_routes) = &raw.routes {
        for (key, target) in &raw_routes.value.0 {
            let route_field = format!("{field}.routes.{}", key.value);
            route_key(check, key, &route_field, raw.collect.is_some(), collect);
            if !names.contains(&target.value.as_str()) {
                let msg = format!(
                    "unknown node `{}`; nodes are: {}",
                    target.value,
                    names.join(", ")
                );
                check.fail(target, &route_field, msg);
            }
            routes.push((key.value.clone(), target.value.clone()));
        }
    }
    if let Some(result) = &raw.result {
        check.text(result, &format!("{field}.result"));
    }
    let max_visits = raw
        .max_visits
        .as_ref()
        .map_or(Some(MAX_VISITS_DEFAULT), |v| {
            let why = "a caller is not kept in a menu longer";
            check.count(v, &format!("{field}.max_visits"), MAX_VISITS, why)
        });
    IvrNode {
        play,
        collect,
        routes,
        result: raw.result.as_ref().map(|r| r.value.trim().to_string()),
        dnc: raw.dnc,
        max_visits: max_visits.unwrap_or(MAX_VISITS_DEFAULT),
    }
}

/// `collect.terminator`: one of `#`, `*`, or `""` for none. `None` (outer) when invalid.
fn terminator(check: &mut Checker<'_>, value: &Sp<String>, field: &str) -> Option<Option<char>> {
    match value.value.trim() {
        "" => Some(None),
        "#" => Some(Some('#')),
        "*" => Some(Some('*')),
        other => {
            let msg = format!("`{other}` cannot end input; expected \"#\", \"*\" or \"\" (none)");
            check.fail(value, field, msg);
            None
        }
    }
}

/// A route key: `default`, `timeout` or a DTMF string no longer than `max_digits`.
fn route_key(
    check: &mut Checker<'_>,
    key: &Sp<String>,
    field: &str,
    has_collect: bool,
    collect: Option<Collect>,
) {
    let text = key.value.as_str();
    if text == "default" {
        return;
    }
    let is_dtmf = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#');
    if text != "timeout" && !is_dtmf {
        let msg = format!(
            "`{text}` is not a route key; expected DTMF digits (0-9, *, #), timeout or default"
        );
        check.fail(key, field, msg);
    } else if !has_collect {
        let msg = format!(
            "route `{text}` needs `collect` on this node (only `default` works without it)"
        );
        check.fail(key, field, msg);
    } else if let Some(c) = collect
        && is_dtmf
        && let Some(t) = c.terminator
        && text.contains(t)
    {
        let msg = format!(
            "`{text}` contains the terminator `{t}`, which ends input and is never collected; \
             set collect.terminator to another key or \"\""
        );
        check.fail(key, field, msg);
    } else if let Some(c) = collect
        && is_dtmf
        && text.len() > c.max_digits as usize
    {
        let msg = format!(
            "`{text}` is longer than collect.max_digits ({})",
            c.max_digits
        );
        check.fail(key, field, msg);
    }
}
