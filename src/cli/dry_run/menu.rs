//! The IVR menu as the dry run shows it: every node, what it plays, what it collects, where
//! each key leads, the result it records and whether it lists the number as do-not-call.

use std::io::{self, Write};

use serde::Serialize;

use crate::campaign::{Audio, CampaignPlan};

/// The menu.
#[derive(Debug, Serialize)]
pub struct MenuView {
    /// The node calls start in.
    pub start: String,
    /// Every node, in file order.
    pub nodes: Vec<NodeView>,
}

/// One node.
#[derive(Debug, Serialize)]
pub struct NodeView {
    /// Its name.
    pub name: String,
    /// The prompt it plays.
    pub play: Option<String>,
    /// Digit collection, if it collects.
    pub collect: Option<CollectView>,
    /// Route key (digits, `timeout`, `default`) -> node.
    pub routes: Vec<(String, String)>,
    /// The result label recorded on reaching it.
    pub result: Option<String>,
    /// Reaching it lists the number as do-not-call.
    pub dnc: bool,
    /// Times one call may enter it.
    pub max_visits: u32,
}

/// `collect:` as shown.
#[derive(Debug, Serialize)]
pub struct CollectView {
    /// Keys collected before routing.
    pub max_digits: u32,
    /// Wait for the first key after the prompt, ms.
    pub timeout_ms: u64,
    /// Wait for each next key, ms.
    pub inter_digit_timeout_ms: u64,
    /// The key that ends input early, if any.
    pub terminator: Option<char>,
}

/// The campaign's menu, if it has one.
pub fn menu_of(plan: &CampaignPlan) -> Option<MenuView> {
    let Audio::Ivr(ivr) = &plan.audio else {
        return None;
    };
    let nodes = ivr
        .nodes
        .iter()
        .map(|(name, n)| NodeView {
            name: name.clone(),
            play: n.play.as_ref().map(|p| p.display().to_string()),
            collect: n.collect.map(|c| CollectView {
                max_digits: c.max_digits,
                timeout_ms: c.timeout.as_millis() as u64,
                inter_digit_timeout_ms: c.inter_digit_timeout.as_millis() as u64,
                terminator: c.terminator,
            }),
            routes: n.routes.clone(),
            result: n.result.clone(),
            dnc: n.dnc,
            max_visits: n.max_visits,
        })
        .collect();
    Some(MenuView {
        start: ivr.start.clone(),
        nodes,
    })
}

impl MenuView {
    /// One line per node under a `Menu` heading.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(out, "Menu     starts at `{}`", self.start)?;
        let width = self.nodes.iter().map(|n| n.name.len()).max().unwrap_or(0);
        for n in &self.nodes {
            let mut parts = Vec::new();
            if let Some(play) = &n.play {
                let file = play.rsplit(['/', '\\']).next().unwrap_or(play);
                parts.push(format!("plays {file}"));
            }
            if let Some(c) = &n.collect {
                parts.push(format!(
                    "collects {} key{} (waits {} s)",
                    c.max_digits,
                    if c.max_digits == 1 { "" } else { "s" },
                    c.timeout_ms as f64 / 1000.0
                ));
            }
            if !n.routes.is_empty() {
                let routes: Vec<String> = n
                    .routes
                    .iter()
                    .map(|(k, t)| format!("{k} -> {t}"))
                    .collect();
                parts.push(routes.join(", "));
            }
            if let Some(result) = &n.result {
                parts.push(format!("result {result}"));
            }
            if n.dnc {
                parts.push("adds the number to the do-not-call list".to_string());
            }
            if n.routes.is_empty() {
                parts.push("then hangs up".to_string());
            }
            writeln!(out, "  {:<width$}  {}", n.name, parts.join("; "))?;
        }
        Ok(())
    }
}
