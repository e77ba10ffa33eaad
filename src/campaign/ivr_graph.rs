//! The shape of an IVR menu as a graph: which nodes a call can reach from `start`, and which
//! of those can still end the call.
//!
//! A node ends the call (a *leaf*) when it has no route: the callee hears its prompt and we
//! hang up. Every other node moves on by its routes. Two design mistakes are caught at load:
//! - an *unreachable* node (no route from `start` leads to it): dead configuration, usually a
//!   typo in a route target;
//! - a *trap*: a reachable node from which no route ever leads to a leaf, i.e. a loop with no
//!   way out. `max_visits` would end such a call eventually, but only by cutting the callee
//!   off mid-menu, which is never what the designer meant.
//!
//! Must not: look at files or prompts; `audio.rs` reports what this finds at the right place.

use std::collections::{HashMap, HashSet, VecDeque};

use super::plan::IvrPlan;

/// A problem with one node of the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GraphProblem {
    /// The node it is about.
    pub node: String,
    /// What is wrong and what would fix it.
    pub message: String,
}

/// Unreachable nodes and traps, in file order. Unknown route targets are reported elsewhere
/// and ignored here.
pub(crate) fn problems(plan: &IvrPlan) -> Vec<GraphProblem> {
    let edges: HashMap<&str, Vec<&str>> = plan
        .nodes
        .iter()
        .map(|(name, node)| {
            let targets = node.routes.iter().map(|(_, to)| to.as_str()).collect();
            (name.as_str(), targets)
        })
        .collect();
    let reachable = reach(&edges, [plan.start.as_str()]);
    let leaves = plan
        .nodes
        .iter()
        .filter(|(_, node)| node.routes.is_empty())
        .map(|(name, _)| name.as_str());
    let mut reverse: HashMap<&str, Vec<&str>> = HashMap::new();
    for (from, targets) in &edges {
        for to in targets {
            reverse.entry(to).or_default().push(from);
        }
    }
    let can_end = reach(&reverse, leaves);
    let mut out = Vec::new();
    for (name, _) in &plan.nodes {
        let name = name.as_str();
        if !reachable.contains(name) {
            out.push(GraphProblem {
                node: name.to_string(),
                message: format!(
                    "unreachable: no route from `{}` leads here; route to it or remove it",
                    plan.start
                ),
            });
        } else if !can_end.contains(name) {
            out.push(GraphProblem {
                node: name.to_string(),
                message: "a loop with no way out: no route from here ever reaches a node \
                          without routes (where the call ends); add a route to such a node"
                    .to_string(),
            });
        }
    }
    out
}

/// Every node reachable from `from` along `edges` (breadth first).
fn reach<'a>(
    edges: &HashMap<&'a str, Vec<&'a str>>,
    from: impl IntoIterator<Item = &'a str>,
) -> HashSet<&'a str> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue: VecDeque<&str> = VecDeque::new();
    for node in from {
        if seen.insert(node) {
            queue.push_back(node);
        }
    }
    while let Some(node) = queue.pop_front() {
        for next in edges.get(node).into_iter().flatten() {
            if seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::plan::IvrNode;

    fn node(routes: &[(&str, &str)]) -> IvrNode {
        IvrNode {
            play: None,
            collect: None,
            routes: routes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            result: None,
            dnc: false,
            max_visits: 3,
        }
    }

    fn plan(nodes: &[(&str, IvrNode)]) -> IvrPlan {
        IvrPlan {
            start: nodes[0].0.to_string(),
            nodes: nodes
                .iter()
                .map(|(n, node)| (n.to_string(), node.clone()))
                .collect(),
        }
    }

    #[test]
    fn the_contract_example_is_sound() {
        let menu = plan(&[
            (
                "greeting",
                node(&[
                    ("1", "confirm"),
                    ("2", "optout"),
                    ("timeout", "goodbye"),
                    ("default", "greeting"),
                ]),
            ),
            ("confirm", node(&[])),
            ("optout", node(&[])),
            ("goodbye", node(&[])),
        ]);
        assert_eq!(problems(&menu), vec![]);
    }

    #[test]
    fn unreachable_nodes_are_named() {
        let menu = plan(&[
            ("greeting", node(&[("1", "confirm")])),
            ("confirm", node(&[])),
            ("orphan", node(&[])),
        ]);
        let found = problems(&menu);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].node, "orphan");
        assert!(found[0].message.contains("unreachable"), "{:?}", found[0]);
    }

    #[test]
    fn a_loop_without_exit_is_a_trap_but_a_loop_with_one_is_fine() {
        let trapped = plan(&[
            ("greeting", node(&[("1", "a")])),
            ("a", node(&[("default", "b")])),
            ("b", node(&[("default", "a")])),
        ]);
        let found: Vec<String> = problems(&trapped).into_iter().map(|p| p.node).collect();
        assert_eq!(found, ["greeting", "a", "b"]);
        let escapable = plan(&[
            ("greeting", node(&[("1", "a")])),
            ("a", node(&[("default", "b")])),
            ("b", node(&[("default", "a"), ("9", "bye")])),
            ("bye", node(&[])),
        ]);
        assert_eq!(problems(&escapable), vec![]);
    }
}
