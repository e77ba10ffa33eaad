//! `prompt:` / `ivr:` -> [`Audio`].
//!
//! `prompt` and `ivr` are mutually exclusive; neither means [`Audio::Silent`]. Every `play`
//! path must name an existing file. IVR: `start` and every route target must be node names;
//! route keys are DTMF digit strings (`0-9`, `*`, `#`, at most `collect.max_digits` long),
//! `timeout` or `default`; digit and `timeout` routes need `collect`; `default` alone means
//! "after the prompt, go there".
//!
//! Must not: decode audio (the CLI checks formats with `media/`); here only existence matters.

use super::check::Checker;
use super::plan::{Audio, Collect, IvrNode, IvrPlan};
use super::raw::{RawIvr, RawNode, Sp};

/// Longest digit string a node may collect (a PIN or an account number, not an essay).
const MAX_DIGITS: u32 = 32;

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
    IvrPlan {
        start: raw.start.value.clone(),
        nodes,
    }
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
        Some(Collect {
            max_digits: digits?,
            timeout: timeout?,
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
    IvrNode {
        play,
        collect,
        routes,
        result: raw.result.as_ref().map(|r| r.value.trim().to_string()),
        dnc: raw.dnc,
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
        && text.len() > c.max_digits as usize
    {
        let msg = format!(
            "`{text}` is longer than collect.max_digits ({})",
            c.max_digits
        );
        check.fail(key, field, msg);
    }
}
