//! A claimed batch judged at the moment of the claim (DNC, per-number limits, zone, calling
//! window: [`Policy::judge`]): the dialable numbers come back; the others are settled in the
//! store at once (DNC and unplaceable numbers final, capped and out-of-window ones pending
//! until they may be called).

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};

use super::record::mask;
use crate::campaign::{CampaignPlan, phone};
use crate::schedule::dnc::DncList;
use crate::schedule::limits;
use crate::schedule::policy::{Eligibility, Policy};
use crate::schedule::zone::Zones;
use crate::store::{ClaimedNumber, Disposition, NumberUpdate, Store, StoreError};

/// What a batch came to.
#[derive(Debug, Default)]
pub(super) struct Judged {
    /// Numbers to dial now, in claim order.
    pub dial: Vec<ClaimedNumber>,
    /// Calling-window openings that numbers now wait for.
    pub openings: Vec<Timestamp>,
    /// Numbers settled final (DNC, zone unknown).
    pub finals: u64,
}

/// Judges `batch` at `now` and settles every number that is not to be dialed now.
pub(super) fn judge_batch(
    store: &mut Store,
    plan: &CampaignPlan,
    dnc: &DncList,
    zones: &mut Zones,
    batch: Vec<ClaimedNumber>,
    now: Timestamp,
    show_numbers: bool,
) -> Result<Judged, StoreError> {
    let mut history = HashMap::new();
    if let Some(longest) = limits::longest(&plan.limits) {
        let since = now
            .checked_sub(SignedDuration::try_from(longest).unwrap_or(SignedDuration::MAX))
            .unwrap_or(Timestamp::MIN);
        for n in &batch {
            history.insert(n.e164.clone(), store.attempt_times_of(&n.e164, since)?);
        }
    }
    let mut policy = Policy {
        schedule: &plan.schedule,
        limits: &plan.limits,
        dnc,
        history: &history,
        zones: std::mem::take(zones),
    };
    let mut judged = Judged::default();
    let mut result = Ok(());
    for n in batch {
        // The database's list is read per number: `dialer dnc add` during a run counts.
        let listed_now = match store.dnc_contains(&n.e164) {
            Ok(listed) => listed,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        let region = phone::region_of(&n.e164);
        let (verdict, placement) =
            policy.judge(&n.e164, n.timezone.as_deref(), region.as_deref(), now);
        let shown = mask(&n.e164, show_numbers);
        let update = match verdict {
            _ if listed_now => Some(final_as(Disposition::Dnc)),
            Eligibility::Dialable => None,
            Eligibility::Dnc(_) => Some(final_as(Disposition::Dnc)),
            Eligibility::Capped { until } => {
                tracing::debug!(number = %shown, %until, "over a per-number limit; due again later");
                Some(pending_at(until))
            }
            Eligibility::OutsideWindow { opens } => {
                // No opening within a year: look again tomorrow rather than never.
                let tomorrow = now
                    .checked_add(SignedDuration::from_hours(24))
                    .unwrap_or(now);
                let opens = opens.unwrap_or(tomorrow);
                judged.openings.push(opens);
                Some(pending_at(opens))
            }
            Eligibility::ZoneUnknown => {
                tracing::warn!(
                    number = %shown,
                    zone = %placement.name,
                    "time zone cannot be loaded: never called rather than called at a guessed hour"
                );
                Some(final_as(Disposition::InvalidNumber))
            }
        };
        match update {
            None => judged.dial.push(n),
            Some(update) => {
                if matches!(update, NumberUpdate::Done { .. }) {
                    judged.finals += 1;
                }
                if let Err(e) = store.settle_number(n.id, &update) {
                    result = Err(e);
                    break;
                }
            }
        }
    }
    *zones = policy.zones;
    result.map(|()| judged)
}

fn final_as(disposition: Disposition) -> NumberUpdate {
    NumberUpdate::Done { disposition }
}

fn pending_at(due_at: Timestamp) -> NumberUpdate {
    NumberUpdate::Pending {
        due_at,
        disposition: None,
    }
}
