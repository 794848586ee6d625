//! # unnecessary-render
//!
//! ## What it detects
//! A React component that re-rendered although its props and state were
//! deep-equal to the previous ones: its parent rendered and passed the same
//! values, or passed new objects and functions with the same content (an inline
//! `style={{...}}`, an arrow function handler). Those are the renders `React.memo`,
//! `useMemo` and `useCallback` remove. Equality is judged in the page on plain
//! data (objects, arrays, React elements, functions by their source), bounded in
//! depth and size; anything else counts as changed.
//!
//! ## Why it matters
//! "No memoization, all messages re-render on any change": each wasted render
//! runs the component and diffs its output for nothing, and in a list it is
//! multiplied by every row.
//!
//! ## Example
//! `Message` re-rendered 300 times with nothing changed (300 of 300 re-renders):
//! `onSelect`, `style` get a new identity with the same content from `Inbox`.
//!
//! ## Thresholds
//! - `min_renders` (20) such re-renders, making up at least `min_share` (0.5) of
//!   the component's re-renders (first mounts not counted).
//! - a warning from `warning_renders` (100) of them or `warning_ms` (16) of render
//!   time spent on them (development builds report render times); info below.
//!
//! Evidence: the component and the one that rendered it, and the page's URL.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::event::{ChangedKey, Event};
use crate::model::finding::{Metric, Severity};
use std::collections::HashMap;

thresholds!(UnnecessaryRenderConfig {
    /// Re-renders with deep-equal props and state before a component is named.
    min_renders: u64 = 20,
    /// ...and the share of its re-renders they are.
    min_share: f64 = 0.5,
    /// Wasted re-renders, or render time spent on them, from which it is a warning.
    warning_renders: u64 = 100,
    warning_ms: f64 = 16.0,
});

pub const ID: &str = "unnecessary-render";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Unnecessary renders",
    doc: include_str!(concat!(env!("OUT_DIR"), "/unnecessary_render.doc")),
    build: |c| Box::new(UnnecessaryRender::new(c)),
};

const MAX_TRACKED: usize = 2_000;

#[derive(Default)]
struct Tally {
    rerenders: u64,
    unnecessary: u64,
    /// Render time of the wasted renders, estimated from the average per render.
    wasted_ms: f64,
    /// Keys that changed identity but not content: (kind, key, is a function) -> count.
    same_content: Vec<(ChangedKey, bool)>,
    owner: Option<String>,
    memo: bool,
    last_t: f64,
}

pub struct UnnecessaryRender {
    cfg: UnnecessaryRenderConfig,
    tallies: HashMap<String, Tally>,
}

impl UnnecessaryRender {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.unnecessary_render.clone(),
            tallies: HashMap::new(),
        }
    }
}

impl Detector for UnnecessaryRender {
    fn on_page(&mut self, event: &Event, page: &PageState, out: &mut Findings) {
        let Event::ReactRenders(r) = event else { return };
        for c in &r.components {
            let rerenders = c.renders.saturating_sub(c.mounts) as u64;
            if rerenders == 0 {
                continue;
            }
            let t = self.tallies.entry(c.name.clone()).or_default();
            t.rerenders += rerenders;
            t.unnecessary += c.unnecessary as u64;
            t.last_t = r.t_end;
            t.memo |= c.memo;
            if let Some(ms) = c.self_ms {
                t.wasted_ms += ms * c.unnecessary as f64 / c.renders.max(1) as f64;
            }
            if c.owner.is_some() {
                t.owner = c.owner.clone();
            }
            for k in c.keys.iter().filter(|k| k.equal > 0) {
                let full = t.same_content.len() >= 8;
                match t
                    .same_content
                    .iter_mut()
                    .find(|(m, _)| m.kind == k.kind && m.key == k.key)
                {
                    Some((m, _)) => m.equal += k.equal,
                    None if !full => t.same_content.push((k.clone(), k.to.starts_with('ƒ'))),
                    None => {}
                }
            }
            let share = t.unnecessary as f64 / t.rerenders as f64;
            if t.unnecessary < self.cfg.min_renders || share < self.cfg.min_share {
                continue;
            }
            let t = &*t;
            let cfg = &self.cfg;
            out.upsert(ID, &c.name, r.t_end, |f| {
                f.count = t.unnecessary;
                if !page.current_url().is_empty() {
                    f.evidence.add_url(page.current_url());
                }
                f.evidence.components = std::iter::once(c.name.clone()).chain(t.owner.clone()).collect();
                f.metrics
                    .insert("unnecessary".into(), Metric::Num(t.unnecessary as f64));
                f.metrics.insert("rerenders".into(), Metric::Num(t.rerenders as f64));
                f.metrics
                    .insert("share".into(), Metric::Num((share * 100.0).round() / 100.0));
                if t.wasted_ms > 0.0 {
                    f.metrics
                        .insert("wasted_ms".into(), Metric::Num((t.wasted_ms * 10.0).round() / 10.0));
                }
                let keys: Vec<String> = t.same_content.iter().map(|(k, _)| format!("`{}`", k.key)).collect();
                if !keys.is_empty() {
                    f.metrics.insert(
                        "same_content".into(),
                        Metric::Text(
                            t.same_content
                                .iter()
                                .map(|(k, _)| format!("{} {} ×{} ({} → {})", k.kind, k.key, k.equal, k.from, k.to))
                                .collect::<Vec<_>>()
                                .join("; "),
                        ),
                    );
                }
                let owner = t.owner.as_deref();
                let why = if keys.is_empty() {
                    let parent = owner.map(|o| format!(" `{o}`")).unwrap_or_default();
                    format!("its parent{parent} re-rendered with the same props")
                } else {
                    let from = owner.map(|o| format!(" from `{o}`")).unwrap_or_default();
                    format!("{} got a new identity with the same content{from}", keys.join(", "))
                };
                f.title = format!(
                    "{} re-rendered {} times with nothing changed ({} of {} re-renders): {why}",
                    c.name, t.unnecessary, t.unnecessary, t.rerenders
                );
                f.severity = if t.unnecessary >= cfg.warning_renders || t.wasted_ms >= cfg.warning_ms {
                    Severity::Warning
                } else {
                    Severity::Info
                };
                f.advice = advice(&c.name, t);
            });
        }
        if self.tallies.len() > MAX_TRACKED {
            crate::model::bounded::evict_oldest(&mut self.tallies, MAX_TRACKED, |t| t.last_t);
        }
    }
}

fn advice(name: &str, t: &Tally) -> String {
    let parent = t
        .owner
        .as_deref()
        .map(|o| format!("`{o}`"))
        .unwrap_or("the parent".into());
    let functions: Vec<&str> = t
        .same_content
        .iter()
        .filter(|(k, f)| *f && k.kind == "props")
        .map(|(k, _)| k.key.as_str())
        .collect();
    let values: Vec<&str> = t
        .same_content
        .iter()
        .filter(|(k, f)| !*f && k.kind == "props")
        .map(|(k, _)| k.key.as_str())
        .collect();
    let state = t.same_content.iter().any(|(k, _)| k.kind == "state");
    let mut steps = Vec::new();
    if !functions.is_empty() {
        steps.push(format!(
            "wrap the handler{} {} in useCallback in {parent}",
            plural(&functions),
            quoted(&functions)
        ));
    }
    if !values.is_empty() {
        steps.push(format!(
            "memoize {} with useMemo in {parent} (or hoist constants out of it)",
            quoted(&values)
        ));
    }
    if state {
        steps.push(format!(
            "in `{name}`, skip setState when the new value equals the old one"
        ));
    }
    if !t.memo {
        steps.push(format!("wrap `{name}` in React.memo so equal props skip the render"));
    } else if steps.is_empty() {
        steps.push(format!(
            "`{name}` is memoized; check what else makes it render (a context, a key)"
        ));
    }
    let mut text = steps.join("; ");
    if let Some(first) = text.get(..1) {
        text = first.to_ascii_uppercase() + &text[1..];
    }
    text + "."
}

fn plural(v: &[&str]) -> &'static str {
    if v.len() > 1 {
        "s"
    } else {
        ""
    }
}

fn quoted(v: &[&str]) -> String {
    v.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::run_events;
    use crate::model::event::{ComponentRenders, ReactRenders};

    fn key(key: &str, n: u32, equal: u32, to: &str) -> ChangedKey {
        ChangedKey {
            kind: "props".into(),
            key: key.into(),
            count: n,
            equal,
            from: to.into(),
            to: to.into(),
        }
    }

    fn windows(n: usize, make: impl Fn() -> ComponentRenders) -> Vec<Event> {
        (0..n)
            .map(|i| {
                let t = 1_000.0 + i as f64 * 200.0;
                Event::ReactRenders(ReactRenders {
                    t,
                    t_end: t + 200.0,
                    commits: 2,
                    components: vec![make()],
                    ..ReactRenders::default()
                })
            })
            .collect()
    }

    #[test]
    fn a_memoized_row_defeated_by_an_inline_handler_and_style() {
        let events = windows(10, || ComponentRenders {
            name: "Message".into(),
            renders: 60,
            commits: 2,
            props: 60,
            unnecessary: 60,
            memo: true,
            owner: Some("Inbox".into()),
            keys: vec![key("onSelect", 60, 60, "ƒ onSelect()"), key("style", 60, 60, "{color}")],
            ..ComponentRenders::default()
        });
        let f = run_events(&events)
            .into_iter()
            .find(|f| f.detector == ID)
            .expect("finding");
        assert_eq!(f.count, 600);
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.title.starts_with("Message re-rendered 600 times with nothing changed (600 of 600 re-renders): `onSelect`, `style` got a new identity with the same content from `Inbox`"),
            "{}",
            f.title
        );
        assert_eq!(f.evidence.components, vec!["Message", "Inbox"]);
        assert!(f.advice.contains("useCallback in `Inbox`"), "{}", f.advice);
        assert!(f.advice.contains("`style` with useMemo"), "{}", f.advice);
        assert!(!f.advice.contains("React.memo so"), "already memoized: {}", f.advice);
    }

    #[test]
    fn renders_that_change_props_or_state_are_quiet() {
        let events = windows(30, || ComponentRenders {
            name: "Clock".into(),
            renders: 2,
            commits: 2,
            state: 2,
            keys: vec![key("hook 0", 2, 0, "3")],
            ..ComponentRenders::default()
        });
        assert!(run_events(&events).iter().all(|f| f.detector != ID));
    }

    #[test]
    fn a_few_wasted_renders_among_many_useful_ones_are_quiet() {
        let events = windows(30, || ComponentRenders {
            name: "Chart".into(),
            renders: 10,
            commits: 2,
            props: 8,
            parent: 2,
            unnecessary: 2,
            ..ComponentRenders::default()
        });
        assert!(
            run_events(&events).iter().all(|f| f.detector != ID),
            "20% wasted is below the share"
        );
    }

    #[test]
    fn plain_children_of_a_rerendering_parent_are_told_to_use_memo() {
        let events = windows(5, || ComponentRenders {
            name: "Row".into(),
            renders: 20,
            commits: 1,
            parent: 20,
            unnecessary: 20,
            owner: Some("Ticker".into()),
            ..ComponentRenders::default()
        });
        let f = run_events(&events)
            .into_iter()
            .find(|f| f.detector == ID)
            .expect("finding");
        assert!(
            f.title.ends_with("its parent `Ticker` re-rendered with the same props"),
            "{}",
            f.title
        );
        assert_eq!(f.advice, "Wrap `Row` in React.memo so equal props skip the render.");
        assert_eq!(f.severity, Severity::Warning);
    }
}
