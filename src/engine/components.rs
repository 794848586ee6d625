//! The Components view's table: every React component the page rendered, how often,
//! why, which props and state keys changed, and its render rate second by second.
//! Fed by the page's per-window summaries (`Event::ReactRenders`); bounded.

use crate::model::event::{ChangedKey, ComponentRenders, ReactRenders};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// Components kept; past this the least recently rendered are dropped (and counted).
const MAX_COMPONENTS: usize = 2_000;
/// Changed keys kept per component.
const MAX_KEYS: usize = 12;
/// Seconds of render-rate history kept for the sparkline.
pub const RATE_SECONDS: usize = 60;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    pub renders: u64,
    /// Commits in which it rendered.
    pub commits: u64,
    pub mounts: u64,
    pub props: u64,
    pub state: u64,
    pub context: u64,
    pub parent: u64,
    pub unnecessary: u64,
    /// Self render time summed (development and profiling builds only).
    pub self_ms: Option<f64>,
    /// What rendered above it most recently.
    pub owner: Option<String>,
    pub keys: Vec<ChangedKey>,
    /// Highest render rate in any one second (commits per second).
    pub peak_per_s: u64,
    /// Epoch ms of its last render window.
    pub last_t: f64,
    /// (second since the epoch, commits in it), oldest first.
    #[serde(skip)]
    rate: VecDeque<(i64, u64)>,
}

impl Component {
    /// Why it rendered, largest share first: "state 14, parent 280".
    pub fn causes(&self) -> String {
        let mut causes = [
            ("mount", self.mounts),
            ("props", self.props),
            ("state", self.state),
            ("context", self.context),
            ("parent", self.parent),
        ];
        crate::model::sort::sort_by_key(&mut causes, |c| std::cmp::Reverse(c.1));
        causes
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// One line for text reports: totals, peak rate, causes.
    pub fn summary(&self) -> String {
        let wasted = if self.unnecessary > 0 {
            format!(" ({} changed nothing)", self.unnecessary)
        } else {
            String::new()
        };
        let time = self
            .self_ms
            .map(|ms| format!(", {ms:.1} ms self time"))
            .unwrap_or_default();
        format!(
            "{}: {} renders{wasted}, peak {}/s{time}; {}",
            self.name,
            self.renders,
            self.peak_per_s,
            self.causes()
        )
    }

    /// Commits per second for each of the last `n` seconds up to `now`, oldest first.
    pub fn sparkline(&self, now: f64, n: usize) -> Vec<u64> {
        let end = (now / 1000.0).floor() as i64;
        (0..n as i64)
            .map(|i| end - (n as i64 - 1) + i)
            .map(|s| self.rate.iter().find(|(sec, _)| *sec == s).map_or(0, |(_, c)| *c))
            .collect()
    }

    /// Commits per second over the last full second before `now`.
    pub fn rate_now(&self, now: f64) -> u64 {
        let sec = (now / 1000.0).floor() as i64;
        self.rate
            .iter()
            .filter(|(s, _)| *s == sec - 1 || *s == sec)
            .map(|(_, c)| *c)
            .max()
            .unwrap_or(0)
    }

    fn add(&mut self, c: &ComponentRenders, t_end: f64) {
        self.renders += c.renders as u64;
        self.commits += c.commits as u64;
        self.mounts += c.mounts as u64;
        self.props += c.props as u64;
        self.state += c.state as u64;
        self.context += c.context as u64;
        self.parent += c.parent as u64;
        self.unnecessary += c.unnecessary as u64;
        if let Some(ms) = c.self_ms {
            self.self_ms = Some(self.self_ms.unwrap_or(0.0) + ms);
        }
        if c.owner.is_some() {
            self.owner = c.owner.clone();
        }
        for k in &c.keys {
            let full = self.keys.len() >= MAX_KEYS;
            match self.keys.iter_mut().find(|m| m.kind == k.kind && m.key == k.key) {
                Some(m) => {
                    m.count += k.count;
                    m.equal += k.equal;
                    m.from = k.from.clone();
                    m.to = k.to.clone();
                }
                None if !full => self.keys.push(k.clone()),
                None => {}
            }
        }
        let sec = (t_end / 1000.0).floor() as i64;
        match self.rate.back_mut() {
            Some((s, n)) if *s == sec => *n += c.commits as u64,
            _ => self.rate.push_back((sec, c.commits as u64)),
        }
        while self.rate.front().is_some_and(|(s, _)| *s <= sec - RATE_SECONDS as i64) {
            self.rate.pop_front();
        }
        self.peak_per_s = self.peak_per_s.max(self.rate.back().map_or(0, |(_, n)| *n));
        self.last_t = self.last_t.max(t_end);
    }
}

/// A component as the Components view and reports show it: totals, its render
/// rate now, and the last `SPARK_SECONDS` seconds of it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ComponentRow {
    #[serde(flatten)]
    pub component: Component,
    /// Commits per second in the last full second.
    pub per_s: u64,
    /// Commits per second, one value per second, oldest first.
    pub sparkline: Vec<u64>,
}

pub const SPARK_SECONDS: usize = 30;

#[derive(Debug, Default)]
pub struct Components {
    map: HashMap<String, Component>,
    /// Commits the page reported.
    pub commits: u64,
    /// Time the page hook spent in React's commits, summed.
    pub hook_ms: f64,
    /// Fibers the page did not walk (its per-commit cap) and components it did not
    /// send (its per-window cap), plus components dropped here past `MAX_COMPONENTS`.
    pub skipped_fibers: u64,
    pub not_kept: u64,
    /// The latest window's end, the table's "now".
    pub last_t: f64,
}

impl Components {
    pub fn add(&mut self, r: &ReactRenders) {
        self.commits += r.commits as u64;
        self.hook_ms += r.hook_ms;
        self.skipped_fibers += r.skipped_fibers as u64;
        self.not_kept += r.components_not_sent as u64;
        self.last_t = self.last_t.max(r.t_end);
        for c in &r.components {
            let entry = self.map.entry(c.name.clone()).or_insert_with(|| Component {
                name: c.name.clone(),
                ..Component::default()
            });
            entry.add(c, r.t_end);
        }
        self.not_kept += crate::model::bounded::evict_oldest(&mut self.map, MAX_COMPONENTS, |c| c.last_t) as u64;
    }

    /// Heap bytes held (an estimate: names, changed keys, rate history).
    pub fn bytes(&self) -> usize {
        self.map.capacity() * (std::mem::size_of::<(String, Component)>() + 1)
            + self
                .map
                .values()
                .map(|c| {
                    2 * (c.name.capacity() + 16)
                        + c.owner.as_ref().map_or(0, |o| o.capacity() + 16)
                        + c.keys
                            .iter()
                            .map(|k| {
                                std::mem::size_of::<ChangedKey>()
                                    + k.kind.capacity()
                                    + k.key.capacity()
                                    + k.from.capacity()
                                    + k.to.capacity()
                            })
                            .sum::<usize>()
                        + c.rate.capacity() * 16
                })
                .sum::<usize>()
    }

    pub fn get(&self, name: &str) -> Option<&Component> {
        self.map.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Rows for the view and reports, most renders first, at most `limit`.
    pub fn rows(&self, limit: usize) -> Vec<ComponentRow> {
        let now = self.last_t;
        self.by_renders()
            .into_iter()
            .take(limit)
            .map(|c| ComponentRow {
                component: c.clone(),
                per_s: c.rate_now(now),
                sparkline: c.sparkline(now, SPARK_SECONDS),
            })
            .collect()
    }

    /// All components, most renders first.
    pub fn by_renders(&self) -> Vec<&Component> {
        let mut all: Vec<&Component> = self.map.values().collect();
        crate::model::sort::sort_by(&mut all, |a, b| {
            b.renders.cmp(&a.renders).then_with(|| a.name.cmp(&b.name))
        });
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(t: f64, name: &str, commits: u32) -> ReactRenders {
        ReactRenders {
            t,
            t_end: t + 200.0,
            commits,
            components: vec![ComponentRenders {
                name: name.into(),
                renders: commits * 2,
                commits,
                parent: commits * 2,
                unnecessary: commits * 2,
                keys: vec![ChangedKey {
                    kind: "props".into(),
                    key: "style".into(),
                    count: commits,
                    equal: commits,
                    from: "{color}".into(),
                    to: "{color}".into(),
                }],
                ..ComponentRenders::default()
            }],
            ..ReactRenders::default()
        }
    }

    #[test]
    fn sums_windows_and_buckets_the_rate_by_second() {
        let mut c = Components::default();
        for i in 0..10 {
            c.add(&window(10_000.0 + i as f64 * 200.0, "Row", 6));
        }
        let row = c.get("Row").unwrap();
        assert_eq!(row.renders, 120);
        assert_eq!(row.commits, 60);
        assert_eq!(row.keys.len(), 1);
        assert_eq!(row.keys[0].count, 60);
        assert_eq!(row.peak_per_s, 30);
        assert_eq!(row.sparkline(11_900.0, 3), vec![0, 24, 30]);
        assert_eq!(c.commits, 60);
    }

    #[test]
    fn stays_bounded_under_many_distinct_names() {
        let mut c = Components::default();
        for i in 0..(MAX_COMPONENTS + 500) {
            c.add(&window(i as f64, &format!("C{i}"), 1));
        }
        assert!(c.len() <= MAX_COMPONENTS);
        assert!(c.not_kept > 0);
    }
}
