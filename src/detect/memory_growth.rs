//! # memory-growth
//!
//! ## What it detects
//! A sustained upward trend in what the page holds: JS heap (where the browser
//! reports it), DOM elements, intervals created and never cleared, and open
//! connections, sampled every 2 s by the page hook. Over the window (2 minutes by
//! default) the least-squares slope must be positive and the *floor* (the lowest
//! value in each quarter of the window) must rise at every step, by more than 10%
//! in all. Garbage collection makes the heap a sawtooth; only a rising floor is a leak.
//!
//! ## Why it matters
//! Memory that only grows ends in jank (longer GC pauses), then a crashed tab:
//! "message tree accumulation with no cleanup policy", "heap growth of 50 MB/hour".
//!
//! ## Example
//! JS heap grew 12.0 → 31.5 MB in 2.0 min (9.8 MB/min); meanwhile 40 intervals
//! were created and never cleared, and DOM elements grew 300 → 4,300.
//!
//! ## Thresholds
//! - `window_ms` (120000), `min_growth` (0.10), `min_samples` (8).
//! - `min_coverage` (0.9): the samples must span this share of the window.
//! - `error_growth` (0.5): growth over the window from which it is an error.
//!
//! Evidence: the page, and for open connections the URLs they are open to.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::event::{Event, MemorySample};
use crate::model::finding::{Metric, Severity};
use std::collections::{BTreeMap, VecDeque};

thresholds!(MemoryGrowthConfig {
    /// The trend is judged over this much time (seconds in tests, minutes in life).
    window_ms: f64 = 120_000.0,
    /// Growth of the rising floor over the window, as a share of where it started.
    min_growth: f64 = 0.10,
    /// Samples needed within the window.
    min_samples: usize = 8,
    /// Share of the window the samples must span before a trend is judged.
    min_coverage: f64 = 0.9,
    /// Growth over the window from which it is an error.
    error_growth: f64 = 0.5,
});

pub const ID: &str = "memory-growth";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Memory growth",
    doc: include_str!(concat!(env!("OUT_DIR"), "/memory_growth.doc")),
    build: |c| Box::new(MemoryGrowth::new(c)),
};

/// A sampled series: its key, its name, how to read it from a sample, how to print a value.
type Series = (
    &'static str,
    &'static str,
    fn(&MemorySample) -> Option<f64>,
    fn(f64) -> String,
);

const SERIES: &[Series] = &[
    ("heap", "JS heap", |s| s.heap, |v| format!("{:.1} MB", v / 1_048_576.0)),
    ("nodes", "DOM elements", |s| s.nodes, |v| format!("{v:.0}")),
    (
        "intervals",
        "intervals never cleared",
        |s| s.intervals,
        |v| format!("{v:.0}"),
    ),
    (
        "connections",
        "open connections",
        |s| s.connections,
        |v| format!("{v:.0}"),
    ),
];

pub struct MemoryGrowth {
    cfg: MemoryGrowthConfig,
    samples: VecDeque<MemorySample>,
    /// Connections open now, by id: their URLs are the evidence of a growing count.
    open: BTreeMap<u64, String>,
}

/// Open connections remembered (a page opening more has a bigger problem than evidence).
const MAX_OPEN: usize = 1_000;

impl MemoryGrowth {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.memory_growth.clone(),
            samples: VecDeque::new(),
            open: BTreeMap::new(),
        }
    }
}

/// Least-squares slope of (t, v), per millisecond.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mt, mv) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let num: f64 = points.iter().map(|(t, v)| (t - mt) * (v - mv)).sum();
    let den: f64 = points.iter().map(|(t, _)| (t - mt).powi(2)).sum();
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// The lowest value in each quarter of the window.
fn floors(points: &[(f64, f64)], start: f64, window: f64) -> Vec<f64> {
    (0..4)
        .map(|q| {
            let (a, b) = (start + window * q as f64 / 4.0, start + window * (q + 1) as f64 / 4.0);
            points
                .iter()
                .filter(|(t, _)| *t >= a && (*t < b || q == 3))
                .map(|p| p.1)
                .fold(f64::INFINITY, f64::min)
        })
        .collect()
}

/// Growth of a series over the window, when it is a sustained rise: (from, to, per minute).
pub fn trend(points: &[(f64, f64)], window: f64, min_growth: f64) -> Option<(f64, f64, f64)> {
    let (end, _) = *points.last()?;
    let start = end - window;
    let f = floors(points, start, window);
    if f.iter().any(|v| !v.is_finite()) || !f.windows(2).all(|w| w[1] > w[0]) {
        return None;
    }
    let s = slope(points);
    let growth = (f[3] - f[0]) / f[0].max(1.0);
    (s > 0.0 && growth > min_growth).then_some((f[0], f[3], s * 60_000.0))
}

impl Detector for MemoryGrowth {
    fn on_page(&mut self, event: &Event, page: &PageState, out: &mut Findings) {
        match event {
            Event::ConnectionOpen(c) if self.open.len() < MAX_OPEN => {
                self.open.insert(c.id, c.url.clone());
            }
            Event::ConnectionClose(c) => {
                self.open.remove(&c.id);
            }
            _ => {}
        }
        let Event::Memory(sample) = event else { return };
        let window = self.cfg.window_ms;
        self.samples.push_back(sample.clone());
        while self.samples.front().is_some_and(|s| sample.t - s.t > window) {
            self.samples.pop_front();
        }
        // The window must be covered, not just begun.
        let covered = self
            .samples
            .front()
            .is_some_and(|s| sample.t - s.t >= window * self.cfg.min_coverage);
        if self.samples.len() < self.cfg.min_samples || !covered {
            return;
        }
        let mut rising = Vec::new();
        for (key, name, read, show) in SERIES {
            let points: Vec<(f64, f64)> = self.samples.iter().filter_map(|s| read(s).map(|v| (s.t, v))).collect();
            if points.len() < self.cfg.min_samples {
                continue;
            }
            if let Some((from, to, per_min)) =
                trend(&points, points[points.len() - 1].0 - points[0].0, self.cfg.min_growth)
            {
                rising.push((*key, *name, from, to, per_min, *show));
            }
        }
        for (key, name, from, to, per_min, show) in &rising {
            let others: Vec<String> = rising
                .iter()
                .filter(|r| r.0 != *key)
                .map(|(_, n, f, t, _, s)| format!("{n} {} → {}", s(*f), s(*t)))
                .collect();
            let open = &self.open;
            out.upsert(ID, key, sample.t, |f| {
                f.count += 1;
                // What the user can open: the page, and the URLs the connections go to.
                if !page.current_url().is_empty() {
                    f.evidence.add_url(page.current_url());
                }
                if *key == "connections" {
                    for url in open.values() {
                        f.evidence.add_url(url);
                    }
                }
                f.metrics.insert("from".into(), Metric::Text(show(*from)));
                f.metrics.insert("to".into(), Metric::Text(show(*to)));
                f.metrics.insert("per_minute".into(), Metric::Text(show(*per_min)));
                f.metrics
                    .insert("window_s".into(), Metric::Num((window / 1000.0).round()));
                if !others.is_empty() {
                    f.metrics.insert("meanwhile".into(), Metric::Text(others.join("; ")));
                }
                f.severity = if (to - from) / from.max(1.0) > self.cfg.error_growth {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                f.title = format!(
                    "{name} grew {} → {} in {:.1} min ({}/min) and keeps growing",
                    show(*from),
                    show(*to),
                    window / 60_000.0,
                    show(*per_min)
                );
                f.advice = match *key {
                    "intervals" => "Clear every interval you start (`return () => clearInterval(id)` in the effect).",
                    "connections" => "Close EventSources and WebSockets when their screen goes away.",
                    "nodes" => {
                        "Something keeps adding elements: virtualize long lists, remove what scrolls away, \
                                and check for components mounted again without unmounting."
                    }
                    _ => {
                        "Take two heap snapshots (Memory panel) a minute apart and compare: look for arrays, \
                          maps and detached DOM that only grow; cap caches and clean up listeners and timers."
                    }
                }
                .into();
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::trend;
    use crate::detect::testkit::*;
    use crate::model::event::{Event, MemorySample};

    fn series(f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        (0..60).map(|i| (i as f64 * 2000.0, f(i as f64))).collect()
    }

    /// A small deterministic "noise" in -1..1.
    fn noise(i: f64) -> f64 {
        ((i * 12.9898).sin() * 43758.5453).fract() * 2.0 - 1.0
    }

    #[test]
    fn flat_with_noise_is_no_trend() {
        let s = series(|i| 50e6 + noise(i) * 2e6);
        assert_eq!(trend(&s, 118_000.0, 0.1), None);
    }

    #[test]
    fn linear_growth_is_a_trend() {
        let s = series(|i| 20e6 + i * 0.5e6);
        let (from, to, per_min) = trend(&s, 118_000.0, 0.1).unwrap();
        assert!(to > from * 1.5);
        assert!((per_min - 15e6).abs() < 1e6, "{per_min}");
    }

    #[test]
    fn gc_sawtooth_is_no_trend_unless_the_floor_rises() {
        let saw = series(|i| 30e6 + (i % 10.0) * 2e6);
        assert_eq!(trend(&saw, 118_000.0, 0.1), None);
        let rising = series(|i| 30e6 + (i % 10.0) * 2e6 + i * 0.3e6);
        assert!(trend(&rising, 118_000.0, 0.1).is_some());
    }

    #[test]
    fn leaking_nodes_and_intervals_become_findings_with_candidates() {
        let mut t = Kit::new();
        for i in 0..70u64 {
            t.engine.ingest(Event::Memory(MemorySample {
                t: i as f64 * 2000.0,
                heap: Some(40e6 + noise(i as f64) * 1e6),
                nodes: Some(300.0 + i as f64 * 50.0),
                intervals: Some(i as f64),
                connections: Some(0.0),
            }));
        }
        let all = t.of("memory-growth");
        let keys: Vec<&str> = all.iter().map(|f| f.key.as_str()).collect();
        assert!(keys.contains(&"nodes") && keys.contains(&"intervals"), "{keys:?}");
        assert!(!keys.contains(&"heap"), "{keys:?}");
        let nodes = all.iter().find(|f| f.key == "nodes").unwrap();
        // No page URL was reported here, so there is nothing to list.
        assert!(nodes.evidence.urls.is_empty());
        assert!(nodes.title.starts_with("DOM elements grew"), "{}", nodes.title);
        assert!(
            matches!(&nodes.metrics["meanwhile"], crate::model::finding::Metric::Text(m) if m.contains("intervals never cleared"))
        );
    }

    #[test]
    fn growing_connections_list_the_page_and_the_urls_they_are_open_to() {
        use crate::model::event::{ConnectionOpen, PageInfo};
        let mut t = Kit::new();
        t.engine.ingest(Event::Page(PageInfo {
            t: 0.0,
            url: "https://app.example.com/inbox".into(),
        }));
        for i in 0..70u64 {
            if i % 7 == 0 {
                t.engine.ingest(Event::ConnectionOpen(ConnectionOpen {
                    id: i,
                    kind: "eventsource".into(),
                    url: format!("https://app.example.com/api/stream?room={}", i / 7),
                    t: i as f64 * 2000.0,
                }));
            }
            t.engine.ingest(Event::Memory(MemorySample {
                t: i as f64 * 2000.0 + 1.0,
                heap: None,
                nodes: None,
                intervals: None,
                connections: Some((i / 7 + 1) as f64),
            }));
        }
        let f = t
            .of("memory-growth")
            .into_iter()
            .find(|f| f.key == "connections")
            .expect("connections finding");
        assert_eq!(f.evidence.urls[0], "https://app.example.com/inbox");
        assert!(
            f.evidence
                .urls
                .contains(&"https://app.example.com/api/stream?room=0".to_string()),
            "{:?}",
            f.evidence.urls
        );
        assert_eq!(f.evidence.urls.len(), 10, "capped: {:?}", f.evidence.urls);
    }
}
