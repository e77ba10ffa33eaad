//! Every path through [`Menu`], on virtual time.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::campaign::plan::{Collect, IvrNode, IvrPlan};

const SEC: Duration = Duration::from_secs(1);

fn collect(max_digits: u32) -> Option<Collect> {
    Some(Collect {
        max_digits,
        timeout: 5 * SEC,
        inter_digit_timeout: 3 * SEC,
        terminator: Some('#'),
    })
}

fn node(play: bool, collect: Option<Collect>, routes: &[(&str, &str)]) -> IvrNode {
    IvrNode {
        play: play.then(|| PathBuf::from("p.wav")),
        collect,
        routes: routes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        result: None,
        dnc: false,
        max_visits: 3,
    }
}

fn labelled(mut n: IvrNode, result: &str, dnc: bool) -> IvrNode {
    n.result = Some(result.to_string());
    n.dnc = dnc;
    n
}

/// The CONTRACT.md example menu.
fn contract_menu() -> Arc<IvrPlan> {
    Arc::new(IvrPlan {
        start: "greeting".into(),
        nodes: vec![
            (
                "greeting".into(),
                node(
                    true,
                    collect(1),
                    &[
                        ("1", "confirm"),
                        ("2", "optout"),
                        ("timeout", "goodbye"),
                        ("default", "greeting"),
                    ],
                ),
            ),
            (
                "confirm".into(),
                labelled(node(true, None, &[]), "confirmed", false),
            ),
            (
                "optout".into(),
                labelled(node(true, None, &[]), "opted_out", true),
            ),
            ("goodbye".into(), node(true, None, &[])),
        ],
    })
}

fn drain(menu: &mut Menu) -> Vec<MenuOutput> {
    std::iter::from_fn(|| menu.poll_output()).collect()
}

fn play(node: &str) -> MenuOutput {
    MenuOutput::Play { node: node.into() }
}

#[test]
fn confirm_walks_to_the_leaf_and_hangs_up_after_its_prompt() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(contract_menu(), t0);
    assert_eq!(drain(&mut m), [play("greeting")]);
    assert_eq!(m.poll_timeout(), None, "no deadline while the prompt plays");
    m.handle_prompt_finished(t0 + 4 * SEC);
    assert_eq!(m.poll_timeout(), Some(t0 + 9 * SEC));
    m.handle_digit(t0 + 6 * SEC, '1');
    assert_eq!(
        drain(&mut m),
        [MenuOutput::Result("confirmed".into()), play("confirm")]
    );
    m.handle_prompt_finished(t0 + 8 * SEC);
    assert_eq!(drain(&mut m), [MenuOutput::Hangup]);
    assert!(m.is_over());
    assert_eq!((m.digits(), m.result()), ("1", Some("confirmed")));
}

#[test]
fn opt_out_asks_for_the_dnc_list_at_once() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(contract_menu(), t0);
    drain(&mut m);
    m.handle_prompt_finished(t0 + SEC);
    m.handle_digit(t0 + 2 * SEC, '2');
    assert_eq!(
        drain(&mut m),
        [
            MenuOutput::Result("opted_out".into()),
            MenuOutput::AddToDnc,
            play("optout")
        ]
    );
}

#[test]
fn no_key_takes_the_timeout_route() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(contract_menu(), t0);
    drain(&mut m);
    m.handle_prompt_finished(t0 + SEC);
    m.handle_timeout(t0 + 5 * SEC);
    assert!(drain(&mut m).is_empty(), "not due yet");
    m.handle_timeout(t0 + 6 * SEC);
    assert_eq!(drain(&mut m), [play("goodbye")]);
    assert_eq!(m.digits(), "");
}

#[test]
fn a_key_during_the_prompt_stops_it_and_counts() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(contract_menu(), t0);
    drain(&mut m);
    m.handle_digit(t0 + SEC, '1');
    assert_eq!(
        drain(&mut m),
        [
            MenuOutput::StopPlaying,
            MenuOutput::Result("confirmed".into()),
            play("confirm")
        ]
    );
    // The stopped prompt's late end report changes nothing; the new prompt's end does.
    m.handle_prompt_finished(t0 + SEC);
    assert_eq!(drain(&mut m), [MenuOutput::Hangup]);
}

#[test]
fn an_unknown_key_takes_default_which_asks_again_until_max_visits() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(contract_menu(), t0);
    drain(&mut m);
    for (i, key) in ['7', '8'].into_iter().enumerate() {
        m.handle_prompt_finished(t0 + SEC * (i as u32 * 2 + 1));
        m.handle_digit(t0 + SEC * (i as u32 * 2 + 2), key);
        assert_eq!(drain(&mut m), [play("greeting")], "visit {}", i + 2);
    }
    m.handle_prompt_finished(t0 + 5 * SEC);
    m.handle_digit(t0 + 6 * SEC, '9');
    assert_eq!(
        drain(&mut m),
        [MenuOutput::Hangup],
        "a fourth visit is refused"
    );
    assert_eq!(m.digits(), "789");
    assert_eq!(m.result(), None);
}

fn pin_menu(terminator: Option<char>) -> Arc<IvrPlan> {
    let mut c = collect(4);
    if let Some(c) = c.as_mut() {
        c.terminator = terminator;
    }
    Arc::new(IvrPlan {
        start: "pin".into(),
        nodes: vec![
            (
                "pin".into(),
                node(false, c, &[("1234", "ok"), ("default", "wrong")]),
            ),
            ("ok".into(), labelled(node(false, None, &[]), "ok", false)),
            (
                "wrong".into(),
                labelled(node(false, None, &[]), "wrong", false),
            ),
        ],
    })
}

#[test]
fn max_digits_routes_at_once() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(pin_menu(Some('#')), t0);
    assert_eq!(
        m.poll_timeout(),
        Some(t0 + 5 * SEC),
        "no prompt: waits at once"
    );
    for (i, d) in "1234".chars().enumerate() {
        m.handle_digit(t0 + SEC * i as u32, d);
    }
    assert_eq!(
        drain(&mut m),
        [MenuOutput::Result("ok".into()), MenuOutput::Hangup]
    );
}

#[test]
fn the_terminator_ends_input_and_is_not_collected() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(pin_menu(Some('#')), t0);
    m.handle_digit(t0, '1');
    m.handle_digit(t0 + SEC, '2');
    m.handle_digit(t0 + 2 * SEC, '#');
    assert_eq!(
        drain(&mut m),
        [MenuOutput::Result("wrong".into()), MenuOutput::Hangup]
    );
    assert_eq!(m.digits(), "12#");
}

#[test]
fn without_a_terminator_hash_is_a_digit() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(pin_menu(None), t0);
    m.handle_digit(t0, '#');
    assert!(drain(&mut m).is_empty());
    assert_eq!(m.poll_timeout(), Some(t0 + 3 * SEC));
}

#[test]
fn the_inter_digit_timeout_routes_what_was_collected() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(pin_menu(Some('#')), t0);
    m.handle_digit(t0 + SEC, '1');
    assert_eq!(m.poll_timeout(), Some(t0 + 4 * SEC));
    m.handle_digit(t0 + 2 * SEC, '2');
    assert_eq!(m.poll_timeout(), Some(t0 + 5 * SEC), "each key re-arms it");
    m.handle_timeout(t0 + 5 * SEC);
    assert_eq!(
        drain(&mut m),
        [MenuOutput::Result("wrong".into()), MenuOutput::Hangup]
    );
}

#[test]
fn a_message_node_moves_on_by_default_and_ignores_keys() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let plan = Arc::new(IvrPlan {
        start: "hello".into(),
        nodes: vec![
            ("hello".into(), node(true, None, &[("default", "bye")])),
            ("bye".into(), node(true, None, &[])),
        ],
    });
    let mut m = Menu::new(plan, t0);
    assert_eq!(drain(&mut m), [play("hello")]);
    m.handle_digit(t0 + SEC, '5');
    assert!(drain(&mut m).is_empty(), "no barge-in without collect");
    m.handle_prompt_finished(t0 + 2 * SEC);
    assert_eq!(drain(&mut m), [play("bye")]);
    m.handle_prompt_finished(t0 + 3 * SEC);
    assert_eq!(drain(&mut m), [MenuOutput::Hangup]);
    assert_eq!(m.digits(), "5");
}

#[test]
fn keys_after_hangup_are_recorded_but_change_nothing() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let mut m = Menu::new(pin_menu(Some('#')), t0);
    for d in "1234".chars() {
        m.handle_digit(t0, d);
    }
    drain(&mut m);
    m.handle_digit(t0 + SEC, '9');
    m.handle_prompt_finished(t0 + SEC);
    m.handle_timeout(t0 + 60 * SEC);
    assert!(drain(&mut m).is_empty());
    assert_eq!((m.digits(), m.result()), ("12349", Some("ok")));
    assert_eq!(m.poll_timeout(), None);
}

#[test]
fn a_timeout_with_no_timeout_route_asks_again() {
    let t0 = crate::net::clock::instant(); // an anchor only: all later times are t0 + n
    let plan = Arc::new(IvrPlan {
        start: "ask".into(),
        nodes: vec![
            ("ask".into(), node(true, collect(1), &[("1", "bye")])),
            ("bye".into(), node(false, None, &[])),
        ],
    });
    let mut m = Menu::new(plan, t0);
    drain(&mut m);
    m.handle_prompt_finished(t0);
    m.handle_timeout(t0 + 5 * SEC);
    assert_eq!(drain(&mut m), [play("ask")]);
}
