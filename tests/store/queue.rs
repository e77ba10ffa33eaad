//! The store as `run` will drive it: import, claim, begin/finish attempts, crash recovery,
//! attempt times for the per-number limits, and that a failed import changes nothing.

use dialer::campaign::Rejection;
use dialer::store::{
    AttemptResult, CampaignId, Disposition, DncSource, ImportRow, ImportSummary, NewAttempt,
    NumberUpdate, SkipReason, SkippedRow, Store, StoreError,
};
use rusqlite::Connection;

use super::{num, ts};
use crate::common::Sandbox;

fn row(line: u64, number: &str) -> ImportRow {
    ImportRow {
        line,
        raw: number.to_string(),
        e164: num(number),
        timezone: None,
        extra: vec![("name".into(), format!("row {line}"))],
    }
}

fn skipped(line: u64) -> SkippedRow {
    SkippedRow {
        line,
        raw: "12".into(),
        reason: SkipReason::Invalid(Rejection::TooShort),
    }
}

fn answered(end: &str) -> AttemptResult {
    AttemptResult {
        disposition: Disposition::Answered,
        sip_code: Some(200),
        sip_reason: Some("OK".into()),
        ringing_at: Some(ts("2026-11-23T09:00:01Z")),
        answered_at: Some(ts("2026-11-23T09:00:04Z")),
        ended_at: ts(end),
        ring_ms: Some(3000),
        talk_ms: Some(11_500),
        dtmf: "1".into(),
        ivr_result: Some("confirmed".into()),
        rtp_sent: 575,
        rtp_received: 570,
        recording: Some("recordings/spring/1.wav".into()),
        recording_error: None,
    }
}

fn attempt(
    store: &mut Store,
    number: dialer::store::NumberId,
    at: &str,
) -> dialer::store::AttemptId {
    store
        .begin_attempt(&NewAttempt {
            number,
            trunk: "carrier-a".into(),
            call_id: format!("call-{}@dialer", number.get()),
            started_at: ts(at),
        })
        .unwrap()
}

/// A store in a sandbox with campaign `spring` holding three numbers imported at 09:00.
fn seeded() -> (Sandbox, Store, CampaignId) {
    let sandbox = Sandbox::new();
    let mut store = Store::open(sandbox.join("dialer.db")).unwrap();
    let now = ts("2026-11-23T09:00:00Z");
    let spring = store.upsert_campaign("spring", now).unwrap();
    let rows = [
        row(2, "+8613800000001"),
        row(3, "+8613800000002"),
        row(4, "+8613800000003"),
    ];
    store
        .import_numbers(spring, rows, [skipped(5)], now)
        .unwrap();
    (sandbox, store, spring)
}

fn sql_count(sandbox: &Sandbox, sql: &str) -> i64 {
    let conn = Connection::open(sandbox.join("dialer.db")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn importing_the_same_file_twice_adds_nothing() {
    let (sandbox, mut store, spring) = seeded();
    let again = store
        .import_numbers(
            spring,
            [
                row(2, "+8613800000001"),
                row(3, "+8613800000002"),
                row(4, "+8613800000003"),
            ],
            [skipped(5)],
            ts("2026-11-23T10:00:00Z"),
        )
        .unwrap();
    let expected = ImportSummary {
        added: 0,
        already_present: 3,
        skipped: 1,
    };
    assert_eq!(again, expected);
    assert_eq!(store.campaign_counts(spring).unwrap().pending, 3);
    // Skipped rows are replaced, not accumulated.
    assert_eq!(sql_count(&sandbox, "SELECT count(*) FROM skipped_rows"), 1);
    // Extra columns are kept as a JSON object sqlite's json functions read.
    let name = Connection::open(sandbox.join("dialer.db"))
        .unwrap()
        .query_row(
            "SELECT json_extract(extra, '$.name') FROM numbers WHERE line = 3",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    assert_eq!(name, "row 3");
}

#[test]
fn a_changed_file_adds_new_numbers_and_keeps_old_results() {
    let (sandbox, mut store, spring) = seeded();
    let claimed = store
        .claim_batch(spring, ts("2026-11-23T09:00:00Z"), 1)
        .unwrap();
    let id = attempt(&mut store, claimed[0].id, "2026-11-23T09:00:00Z");
    let done = NumberUpdate::Done {
        disposition: Disposition::Answered,
    };
    store
        .finish_attempt(id, &answered("2026-11-23T09:00:15.5Z"), &done)
        .unwrap();

    // The new file drops one number, moves the answered one and adds one.
    let summary = store
        .import_numbers(
            spring,
            [
                row(7, "+8613800000001"),
                row(2, "+8613800000003"),
                row(3, "+8613800000004"),
            ],
            [],
            ts("2026-11-24T09:00:00Z"),
        )
        .unwrap();
    assert_eq!(
        (summary.added, summary.already_present, summary.skipped),
        (1, 2, 0)
    );
    let counts = store.campaign_counts(spring).unwrap();
    assert_eq!((counts.pending, counts.in_progress, counts.done), (3, 0, 1));
    assert_eq!(counts.by_disposition.get("ANSWERED"), Some(&1));
    assert_eq!(
        sql_count(
            &sandbox,
            "SELECT count(*) FROM numbers WHERE e164 = '+8613800000001' AND state = 'done' \
             AND attempts = 1 AND line = 2"
        ),
        1,
        "the answered number was touched"
    );
    assert_eq!(sql_count(&sandbox, "SELECT count(*) FROM skipped_rows"), 0);
    let talk = sql_count(
        &sandbox,
        "SELECT talk_ms FROM attempts WHERE status = 'finished'",
    );
    assert_eq!(talk, 11_500);
}

#[test]
fn a_failed_import_changes_nothing() {
    let (sandbox, mut store, spring) = seeded();
    // A real SQLite failure in the middle of the import (standing in for a full disk).
    Connection::open(sandbox.join("dialer.db"))
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER fail_midway BEFORE INSERT ON numbers \
             WHEN NEW.e164 = '+8613800000099' BEGIN SELECT RAISE(ABORT, 'simulated'); END;",
        )
        .unwrap();
    let err = store
        .import_numbers(
            spring,
            [
                row(2, "+8613800000010"),
                row(3, "+8613800000099"),
                row(4, "+8613800000011"),
            ],
            [skipped(9), skipped(10)],
            ts("2026-11-24T09:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Sqlite { .. }), "{err:?}");
    assert!(!err.is_usage());
    assert_eq!(store.campaign_counts(spring).unwrap().pending, 3);
    assert_eq!(sql_count(&sandbox, "SELECT count(*) FROM skipped_rows"), 1);
}

#[test]
fn claims_take_due_numbers_once_in_due_order() {
    let (_sandbox, mut store, spring) = seeded();
    let before = ts("2026-11-23T08:59:59.999Z");
    assert!(
        store.claim_batch(spring, before, 10).unwrap().is_empty(),
        "not due yet"
    );

    let now = ts("2026-11-23T09:00:00Z");
    let first = store.claim_batch(spring, now, 2).unwrap();
    let lines: Vec<u64> = first.iter().map(|c| c.line).collect();
    assert_eq!(lines, [2, 3]);
    assert_eq!(first[0].e164, num("+8613800000001"));
    assert_eq!((first[0].attempts, first[0].last_disposition), (0, None));
    let second = store.claim_batch(spring, now, 2).unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].line, 4);
    assert!(store.claim_batch(spring, now, 2).unwrap().is_empty());
    let counts = store.campaign_counts(spring).unwrap();
    assert_eq!((counts.pending, counts.in_progress), (0, 3));
}

#[test]
fn a_retry_comes_back_when_due_and_a_final_number_never_does() {
    let (_sandbox, mut store, spring) = seeded();
    let now = ts("2026-11-23T09:00:00Z");
    let claimed = store.claim_batch(spring, now, 3).unwrap();

    let busy = attempt(&mut store, claimed[0].id, "2026-11-23T09:00:00Z");
    let result = AttemptResult {
        disposition: Disposition::Busy,
        sip_code: Some(486),
        sip_reason: Some("Busy Here".into()),
        ringing_at: None,
        answered_at: None,
        ended_at: ts("2026-11-23T09:00:01Z"),
        ring_ms: None,
        talk_ms: None,
        dtmf: String::new(),
        ivr_result: None,
        rtp_sent: 0,
        rtp_received: 0,
        recording: None,
        recording_error: None,
    };
    let retry = NumberUpdate::Pending {
        due_at: ts("2026-11-23T09:10:00Z"),
        disposition: Some(Disposition::Busy),
    };
    store.finish_attempt(busy, &result, &retry).unwrap();
    // Finishing twice is refused and changes nothing.
    let err = store.finish_attempt(busy, &answered("2026-11-23T09:00:09Z"), &retry);
    assert!(matches!(err, Err(StoreError::UnknownId { .. })), "{err:?}");

    let dnc = NumberUpdate::Done {
        disposition: Disposition::Dnc,
    };
    store.settle_number(claimed[1].id, &dnc).unwrap();
    let a = attempt(&mut store, claimed[2].id, "2026-11-23T09:00:00Z");
    let done = NumberUpdate::Done {
        disposition: Disposition::Answered,
    };
    store
        .finish_attempt(a, &answered("2026-11-23T09:00:20Z"), &done)
        .unwrap();

    assert!(
        store
            .claim_batch(spring, ts("2026-11-23T09:09:59Z"), 10)
            .unwrap()
            .is_empty()
    );
    let again = store
        .claim_batch(spring, ts("2026-11-23T09:10:00Z"), 10)
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, claimed[0].id);
    assert_eq!(
        (again[0].attempts, again[0].last_disposition),
        (1, Some(Disposition::Busy))
    );
    let counts = store.campaign_counts(spring).unwrap();
    assert_eq!((counts.in_progress, counts.done), (1, 2));
    assert_eq!(counts.by_disposition.get("DNC"), Some(&1));
}

#[test]
fn an_unclaimed_number_cannot_be_dialed_or_settled() {
    let (_sandbox, mut store, spring) = seeded();
    let claimed = store
        .claim_batch(spring, ts("2026-11-23T09:00:00Z"), 1)
        .unwrap();
    let done = NumberUpdate::Done {
        disposition: Disposition::Capped,
    };
    store.settle_number(claimed[0].id, &done).unwrap();
    let err = store
        .begin_attempt(&NewAttempt {
            number: claimed[0].id,
            trunk: "carrier-a".into(),
            call_id: "x@dialer".into(),
            started_at: ts("2026-11-23T09:00:00Z"),
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownId { .. }), "{err:?}");
    assert!(store.settle_number(claimed[0].id, &done).is_err());
}

#[test]
fn recovery_after_a_crash_interrupts_in_flight_attempts_and_requeues_claims_only() {
    let (sandbox, mut store, spring) = seeded();
    let now = ts("2026-11-23T09:00:00Z");
    let autumn = store.upsert_campaign("autumn", now).unwrap();
    store
        .import_numbers(autumn, [row(2, "+8613800000001")], [], now)
        .unwrap();
    let other = store.claim_batch(autumn, now, 1).unwrap();
    attempt(&mut store, other[0].id, "2026-11-23T09:00:00Z");

    let claimed = store.claim_batch(spring, now, 3).unwrap();
    let a = attempt(&mut store, claimed[0].id, "2026-11-23T09:00:00Z");
    let done = NumberUpdate::Done {
        disposition: Disposition::Answered,
    };
    store
        .finish_attempt(a, &answered("2026-11-23T09:00:20Z"), &done)
        .unwrap();
    attempt(&mut store, claimed[1].id, "2026-11-23T09:00:01Z");
    drop(store); // the crash: one attempt in flight, one number claimed but not dialed

    let mut store = Store::open(sandbox.join("dialer.db")).unwrap();
    let later = ts("2026-11-23T09:30:00Z");
    let summary = store.recover_interrupted(spring, later).unwrap();
    assert_eq!((summary.attempts, summary.numbers), (1, 2));
    let counts = store.campaign_counts(spring).unwrap();
    assert_eq!((counts.pending, counts.in_progress, counts.done), (2, 0, 1));
    assert_eq!(
        sql_count(
            &sandbox,
            "SELECT count(*) FROM attempts WHERE status = 'interrupted'"
        ),
        1
    );
    // The other campaign's call is still in flight.
    assert_eq!(store.campaign_counts(autumn).unwrap().in_progress, 1);
    let again = store.claim_batch(spring, later, 10).unwrap();
    let ids: Vec<_> = again.iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        [claimed[1].id, claimed[2].id],
        "the answered number came back"
    );
    assert_eq!(again[0].attempts, 1, "the interrupted attempt still counts");
}

#[test]
fn attempt_times_span_campaigns_and_include_interrupted_calls() {
    let (_sandbox, mut store, spring) = seeded();
    let now = ts("2026-11-23T09:00:00Z");
    let autumn = store.upsert_campaign("autumn", now).unwrap();
    store
        .import_numbers(autumn, [row(2, "+8613800000001")], [], now)
        .unwrap();
    let s = store.claim_batch(spring, now, 1).unwrap();
    let a = store.claim_batch(autumn, now, 1).unwrap();
    attempt(&mut store, s[0].id, "2026-11-22T08:00:00Z");
    attempt(&mut store, a[0].id, "2026-11-23T09:00:00.250Z");
    store.recover_interrupted(spring, now).unwrap();

    let times = store
        .attempt_times_since(ts("2026-11-22T00:00:00Z"))
        .unwrap();
    let number = num("+8613800000001");
    assert_eq!(
        times[&number],
        [ts("2026-11-22T08:00:00Z"), ts("2026-11-23T09:00:00.250Z")]
    );
    assert_eq!(times.len(), 1);
    let recent = store
        .attempt_times_of(&number, ts("2026-11-23T00:00:00Z"))
        .unwrap();
    assert_eq!(recent, [ts("2026-11-23T09:00:00.250Z")]);
}

#[test]
fn dnc_first_listing_wins_and_removal_counts_listed_numbers() {
    let (_sandbox, mut store, _) = seeded();
    let (a, b) = (num("+8613800138000"), num("+8613800138001"));
    let first = ts("2026-11-01T00:00:00Z");
    let s = store
        .dnc_add([&a], &DncSource::Import("dnc.txt".into()), None, first)
        .unwrap();
    assert_eq!((s.added, s.already_listed), (1, 0));
    let s = store
        .dnc_add(
            [&a, &b],
            &DncSource::Manual,
            Some("asked"),
            ts("2026-11-23T00:00:00Z"),
        )
        .unwrap();
    assert_eq!((s.added, s.already_listed), (1, 1));
    let list = store.dnc_list().unwrap();
    assert_eq!(list[0].e164, a);
    assert_eq!(list[0].source, DncSource::Import("dnc.txt".into()));
    assert_eq!((list[0].added_at, list[0].note.as_deref()), (first, None));
    assert_eq!(store.dnc_numbers().unwrap().len(), 2);

    assert_eq!(store.dnc_remove([&a, &num("+8613800138009")]).unwrap(), 1);
    assert!(!store.dnc_contains(&a).unwrap());
    assert!(store.dnc_contains(&b).unwrap());
}
