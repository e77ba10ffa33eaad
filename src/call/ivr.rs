//! [`Menu`]: one answered call's walk through an IVR menu, sans IO (the same shape as
//! [`super::Call`]: `handle_*(now, ..)` in, `poll_output()` / `poll_timeout()` out).
//!
//! Entering a node counts a visit (more than `max_visits` ends the call), reports its `result`
//! label and its `dnc` flag, and plays its prompt. A node with `collect` takes keys during its
//! prompt too: the first key stops the prompt (barge-in) and starts collection. Collection ends
//! at the terminator (not collected), at `max_digits`, or when `inter_digit_timeout` passes
//! after a key; with no key at all, `timeout` (counted from the prompt's end) takes the
//! `timeout` route. Collected digits take the route of the same digits, else `default`, else
//! the node is entered again (the caller hears the question once more, within `max_visits`).
//! A node without `collect` goes to its `default` route after its prompt, or ends the call when
//! it has no routes (a leaf).
//!
//! Invariants: `Hangup` is emitted once and nothing but `digits()` changes after it; every key
//! is kept in `digits()` in the order pressed, terminators and keys a node ignored included
//! (it is the attempt's DTMF record, not the menu's interpretation).
//!
//! Must not: touch sockets, decode audio, read the clock, or know the store: the runtime plays
//! the node's prompt, writes results and the DNC entry.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use crate::campaign::plan::{IvrNode, IvrPlan};

/// What the runtime must do for the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuOutput {
    /// Play node `node`'s prompt from its start, replacing anything playing.
    Play {
        /// The node's name (its prompt was loaded at start under this name).
        node: String,
    },
    /// Stop the prompt now (a key was pressed during it).
    StopPlaying,
    /// The call reached a `result` label: store it on the attempt.
    Result(String),
    /// The call reached a `dnc: true` node: add the number to the DNC list now.
    AddToDnc,
    /// The menu is over: hang up.
    Hangup,
}

/// Why the menu waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The node's prompt is playing.
    Playing,
    /// Prompt over (or none), no key yet: the `timeout` deadline runs.
    AwaitFirstKey { deadline: Instant },
    /// Keys arrived; the inter-digit deadline runs.
    Collecting { deadline: Instant },
    /// Hung up.
    Over,
}

/// One call's position in an IVR menu.
#[derive(Debug)]
pub struct Menu {
    plan: Arc<IvrPlan>,
    node: usize,
    phase: Phase,
    /// Keys collected in the current node (routing input).
    collected: String,
    /// Every key pressed during the call.
    digits: String,
    result: Option<String>,
    visits: HashMap<usize, u32>,
    out: VecDeque<MenuOutput>,
}

impl Menu {
    /// Starts the walk at `plan.start` (the call has just been answered).
    pub fn new(plan: Arc<IvrPlan>, now: Instant) -> Menu {
        let start = plan
            .nodes
            .iter()
            .position(|(name, _)| *name == plan.start)
            .unwrap_or(0);
        let mut menu = Menu {
            plan,
            node: start,
            phase: Phase::Playing,
            collected: String::new(),
            digits: String::new(),
            result: None,
            visits: HashMap::new(),
            out: VecDeque::new(),
        };
        menu.enter(start, now);
        menu
    }

    /// A key press (`0-9`, `*`, `#`, `A-D`), reported once per press.
    pub fn handle_digit(&mut self, now: Instant, digit: char) {
        self.digits.push(digit);
        let Some(collect) = self.current().collect else {
            return; // a message node: keys are recorded, not acted on
        };
        match self.phase {
            Phase::Over => return,
            Phase::Playing => self.out.push_back(MenuOutput::StopPlaying),
            Phase::AwaitFirstKey { .. } | Phase::Collecting { .. } => {}
        }
        if collect.terminator == Some(digit) {
            self.route_collected(now);
            return;
        }
        self.collected.push(digit);
        if self.collected.len() >= collect.max_digits as usize {
            self.route_collected(now);
        } else {
            self.phase = Phase::Collecting {
                deadline: now + collect.inter_digit_timeout,
            };
        }
    }

    /// The prompt started by the last `Play` ended.
    pub fn handle_prompt_finished(&mut self, now: Instant) {
        if self.phase != Phase::Playing {
            return; // a late report for a prompt that a key already stopped
        }
        self.after_prompt(now);
    }

    /// Fires the deadline if it is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::AwaitFirstKey { deadline } if now >= deadline => {
                self.follow("timeout", now);
            }
            Phase::Collecting { deadline } if now >= deadline => self.route_collected(now),
            _ => {}
        }
    }

    /// The next deadline, if the menu waits on one.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::AwaitFirstKey { deadline } | Phase::Collecting { deadline } => Some(deadline),
            Phase::Playing | Phase::Over => None,
        }
    }

    /// The next thing to do, in order.
    pub fn poll_output(&mut self) -> Option<MenuOutput> {
        self.out.pop_front()
    }

    /// Every key pressed, in order.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The last `result` label reached.
    pub fn result(&self) -> Option<&str> {
        self.result.as_deref()
    }

    /// True once the menu has asked to hang up.
    pub fn is_over(&self) -> bool {
        self.phase == Phase::Over
    }

    fn current(&self) -> &IvrNode {
        &self.plan.nodes[self.node].1
    }

    fn enter(&mut self, index: usize, now: Instant) {
        let visits = self.visits.entry(index).or_insert(0);
        *visits += 1;
        let node = &self.plan.nodes[index].1;
        if *visits > node.max_visits {
            self.hang_up();
            return;
        }
        self.node = index;
        self.collected.clear();
        if let Some(label) = &node.result {
            self.result = Some(label.clone());
            self.out.push_back(MenuOutput::Result(label.clone()));
        }
        if node.dnc {
            self.out.push_back(MenuOutput::AddToDnc);
        }
        if node.play.is_some() {
            self.phase = Phase::Playing;
            let name = self.plan.nodes[index].0.clone();
            self.out.push_back(MenuOutput::Play { node: name });
        } else {
            self.after_prompt(now);
        }
    }

    fn after_prompt(&mut self, now: Instant) {
        match self.current().collect {
            Some(collect) => {
                self.phase = Phase::AwaitFirstKey {
                    deadline: now + collect.timeout,
                }
            }
            None if self.current().routes.is_empty() => self.hang_up(),
            None => self.follow("default", now),
        }
    }

    /// Routes what was collected: its own route, else `default`, else the node again.
    fn route_collected(&mut self, now: Instant) {
        let keys = std::mem::take(&mut self.collected);
        if keys.is_empty() {
            self.follow("timeout", now); // only a terminator: the same as no key
            return;
        }
        match self.target(&keys).or_else(|| self.target("default")) {
            Some(next) => self.enter(next, now),
            None => self.enter(self.node, now),
        }
    }

    /// Takes route `key` (then `default`); with neither, the node asks again.
    fn follow(&mut self, key: &str, now: Instant) {
        let next = self.target(key).or_else(|| self.target("default"));
        match next {
            Some(next) => self.enter(next, now),
            None if self.current().collect.is_some() => self.enter(self.node, now),
            None => self.hang_up(),
        }
    }

    fn target(&self, key: &str) -> Option<usize> {
        let (_, to) = self.current().routes.iter().find(|(k, _)| k == key)?;
        self.plan.nodes.iter().position(|(name, _)| name == to)
    }

    fn hang_up(&mut self) {
        if self.phase != Phase::Over {
            self.phase = Phase::Over;
            self.out.push_back(MenuOutput::Hangup);
        }
    }
}

#[cfg(test)]
#[path = "ivr_tests.rs"]
mod tests;
