//! `pacing:`, `call:`, `retry:` and `limits:` -> their plan types, with the defaults.
//!
//! Defaults: pacing batch_size 100, max_concurrent 20, max_cps 5; call ring_timeout 30s,
//! max_duration 120s, codecs [pcmu, pcma]; retry busy {3, 10m}, no_answer {2, 1h},
//! failed {2, 5m} (a class written with only one key takes the other from its default);
//! limits: none.
//!
//! Must not: relate these values to the clock or the numbers (that is `schedule/`'s job).

use std::time::Duration;

use super::check::Checker;
use super::plan::{CallSettings, Codec, NumberLimit, Pacing, RetryPolicy, RetryRule};
use super::raw::{RawCall, RawLimits, RawPacing, RawRetry, RawRetryRule, Sp};

// Upper bounds: far above any real campaign, low enough to catch a typo (an extra zero or
// two) before it turns into a flood of calls.
/// A batch is claimed in one database transaction and held in memory.
pub(crate) const MAX_BATCH: u32 = 10_000;
/// Each call holds a SIP dialog, two RTP ports and a media task; one process on one host.
pub(crate) const MAX_CONCURRENT: u32 = 2_000;
/// Carriers police CPS (typically 1-50), but a large trunk group or a load test against
/// `dialer sim` runs far higher: we measured ~1,500 clean CPS through rsipstack on 2 cores
/// (notes/rsipstack.md), so 2,000 catches a typo without refusing a real setting.
pub(crate) const MAX_CPS: u32 = 2_000;
/// Attempts per number per class: more than this is harassment, not a retry.
const MAX_ATTEMPTS: u32 = 20;
/// rsipstack's Timer C (180 s) ends the INVITE with a local 408 but sends no CANCEL, leaving
/// the callee ringing (notes/rsipstack.md trap 5): our own timeout must fire first.
const RING_TIMEOUT_BELOW: Duration = Duration::from_secs(180);
/// A call longer than a day is a stuck call, not a campaign message.
const MAX_CALL: Duration = Duration::from_secs(86_400);

/// The pacing block, defaults for absent keys.
pub(crate) fn pacing(check: &mut Checker<'_>, raw: Option<&Sp<RawPacing>>) -> Pacing {
    let mut pacing = Pacing {
        batch_size: 100,
        max_concurrent: 20,
        max_cps: 5,
    };
    let Some(raw) = raw else { return pacing };
    let raw = &raw.value;
    let why = "a likely typo: batches are claimed in one transaction";
    if let Some(v) = &raw.batch_size {
        pacing.batch_size = check
            .count(v, "pacing.batch_size", MAX_BATCH, why)
            .unwrap_or(1);
    }
    let why = "one process cannot hold more calls";
    if let Some(v) = &raw.max_concurrent {
        pacing.max_concurrent = check
            .count(v, "pacing.max_concurrent", MAX_CONCURRENT, why)
            .unwrap_or(1);
    }
    let why = "carriers and one signalling loop cannot take more";
    if let Some(v) = &raw.max_cps {
        pacing.max_cps = check.count(v, "pacing.max_cps", MAX_CPS, why).unwrap_or(1);
    }
    pacing
}

/// The call block, defaults for absent keys.
pub(crate) fn call(check: &mut Checker<'_>, raw: Option<&Sp<RawCall>>) -> CallSettings {
    let mut call = CallSettings {
        ring_timeout: Duration::from_secs(30),
        max_duration: Duration::from_secs(120),
        codecs: vec![Codec::Pcmu, Codec::Pcma],
    };
    let Some(raw) = raw else { return call };
    let raw = &raw.value;
    if let Some(v) = &raw.ring_timeout
        && let Some(ring) = check.duration(v, "call.ring_timeout")
    {
        if ring >= RING_TIMEOUT_BELOW {
            let msg = format!(
                "must be below 180s, the SIP stack's Timer C, which gives up without CANCEL \
                 (got {})",
                v.value
            );
            check.fail(v, "call.ring_timeout", msg);
        }
        call.ring_timeout = ring;
    }
    if let Some(v) = &raw.max_duration {
        let why = "a longer call is stuck";
        if let Some(d) = check.bounded_duration(v, "call.max_duration", MAX_CALL, why) {
            call.max_duration = d;
        }
    }
    if let Some(list) = &raw.codecs {
        call.codecs = codecs(check, list);
    }
    call
}

fn codecs(check: &mut Checker<'_>, list: &Sp<Vec<Sp<String>>>) -> Vec<Codec> {
    if list.value.is_empty() {
        check.fail(list, "call.codecs", "needs at least one codec: pcmu, pcma");
    }
    let mut codecs = Vec::new();
    for item in &list.value {
        let codec = match item.value.trim().to_ascii_lowercase().as_str() {
            "pcmu" => Codec::Pcmu,
            "pcma" => Codec::Pcma,
            _ => {
                let msg = format!("unknown codec `{}`; expected pcmu or pcma", item.value);
                check.fail(item, "call.codecs", msg);
                continue;
            }
        };
        if codecs.contains(&codec) {
            check.fail(
                item,
                "call.codecs",
                format!("`{}` is listed twice", item.value),
            );
        } else {
            codecs.push(codec);
        }
    }
    codecs
}

/// The retry block; each class falls back to its own default.
pub(crate) fn retry(check: &mut Checker<'_>, raw: Option<&Sp<RawRetry>>) -> RetryPolicy {
    let rule = |max_attempts, delay_s| RetryRule {
        max_attempts,
        delay: Duration::from_secs(delay_s),
    };
    let defaults = RetryPolicy {
        busy: rule(3, 600),
        no_answer: rule(2, 3600),
        failed: rule(2, 300),
    };
    let Some(raw) = raw else { return defaults };
    let raw = &raw.value;
    RetryPolicy {
        busy: retry_rule(check, raw.busy.as_ref(), "retry.busy", defaults.busy),
        no_answer: retry_rule(
            check,
            raw.no_answer.as_ref(),
            "retry.no_answer",
            defaults.no_answer,
        ),
        failed: retry_rule(check, raw.failed.as_ref(), "retry.failed", defaults.failed),
    }
}

fn retry_rule(
    check: &mut Checker<'_>,
    raw: Option<&Sp<RawRetryRule>>,
    field: &str,
    default: RetryRule,
) -> RetryRule {
    let Some(raw) = raw else { return default };
    let mut rule = default;
    if let Some(v) = &raw.value.max_attempts {
        let why = "more attempts per number is harassment";
        let field = format!("{field}.max_attempts");
        rule.max_attempts = check.count(v, &field, MAX_ATTEMPTS, why).unwrap_or(1);
    }
    if let Some(v) = &raw.value.delay {
        rule.delay = check
            .duration(v, &format!("{field}.delay"))
            .unwrap_or(rule.delay);
    }
    rule
}

/// The per-number limits (several windows may apply at once).
pub(crate) fn limits(check: &mut Checker<'_>, raw: Option<&Sp<RawLimits>>) -> Vec<NumberLimit> {
    let Some(raw) = raw else { return Vec::new() };
    let mut limits = Vec::new();
    for (i, item) in raw.value.per_number.iter().enumerate() {
        let field = format!("limits.per_number[{i}]");
        let max_calls = check.count(
            &item.value.max_calls,
            &format!("{field}.max_calls"),
            10_000,
            "a limit that high limits nothing",
        );
        let per = check.duration(&item.value.per, &format!("{field}.per"));
        if let (Some(max_calls), Some(per)) = (max_calls, per) {
            limits.push(NumberLimit { max_calls, per });
        }
    }
    limits
}
