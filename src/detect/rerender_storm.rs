//! # rerender-storm
//!
//! ## What it detects
//! A React component rendering in at least 30 commits per second, or the page
//! committing more than 60 times per second, held for at least a second. Renders
//! are counted by the page hook from React's own commits (`onCommitFiberRoot`), per
//! component, with the reason for each render. Children that re-rendered only
//! because a storming parent did are listed in the parent's finding, not as storms
//! of their own.
//!
//! ## Why it matters
//! Every render runs the component and diffs its output; dozens a second keep the
//! main thread busy and make typing and scrolling stutter: the audits' "10x
//! unnecessary renders", state set on every animation frame, effects with unstable
//! dependencies that re-run and set state again.
//!
//! ## Example
//! `Ticker` rendered 60 times/s for 4.2 s (peak 61/s, 250 renders; state changed);
//! each time `Row` ×20 re-rendered with it.
//!
//! ## Thresholds
//! - `renders_per_s` (30), `commits_per_s` (60), `sustain_ms` (1000).
//! - info while each render changes something and costs little; a warning when most
//!   of the renders change nothing (or the storm costs 4 ms of render time a
//!   second); an error when it overlaps a long task or long animation frame.

use super::{Detector, DetectorInfo, Findings, PageState};
use crate::config::{Config, RerenderStormConfig};
use crate::event::{ComponentRenders, Event, ReactRenders};
use crate::finding::{Metric, Severity};
use std::collections::{HashMap, VecDeque};

pub const ID: &str = "rerender-storm";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Re-render storms",
    doc: include_str!(concat!(env!("OUT_DIR"), "/rerender_storm.doc")),
    build: |c| Box::new(RerenderStorm::new(c)),
};

/// A pause longer than this ends a run of renders.
const RUN_GAP_MS: f64 = 500.0;
/// Render time per second above which a storm is worth a warning by itself.
const COSTLY_MS_PER_S: f64 = 4.0;
/// Components tracked at once, and long tasks remembered.
const MAX_TRACKED: usize = 2_000;
const MAX_TASKS: usize = 64;

/// One component's (or the page's) recent render windows.
#[derive(Default)]
struct Run {
    /// (window start, window end, commits) within the last second.
    windows: VecDeque<(f64, f64, u32)>,
    /// When the rate last rose to the threshold (None while below it).
    hot_since: Option<f64>,
    last: f64,
    /// Renders since the rate rose to the threshold.
    renders: u64,
}

impl Run {
    /// Adds a window; returns the commits per second over the trailing second and how
    /// long the rate has stayed at or above `threshold`.
    fn add(&mut self, t: f64, t_end: f64, commits: u32, renders: u32, threshold: f64) -> (f64, f64) {
        if t - self.last > RUN_GAP_MS {
            self.windows.clear();
            self.hot_since = None;
        }
        self.last = t_end;
        self.windows.push_back((t, t_end, commits));
        while self.windows.front().is_some_and(|w| w.1 <= t_end - 1000.0) {
            self.windows.pop_front();
        }
        // Rate over the time the kept windows span, at least a full second.
        let span = (t_end - self.windows.front().map_or(t, |w| w.0)).max(1000.0);
        let sum: u32 = self.windows.iter().map(|w| w.2).sum();
        let rate = sum as f64 * 1000.0 / span;
        // Held means every window since then ran at the rate (a little jitter allowed
        // once it has started), so one busy window after a slow spell is not a storm.
        let window_rate = commits as f64 * 1000.0 / (t_end - t).max(1.0);
        let hot = if self.hot_since.is_some() {
            window_rate >= threshold * 0.8
        } else {
            window_rate >= threshold
        };
        if hot {
            if self.hot_since.is_none() {
                self.hot_since = Some(t);
                self.renders = 0;
            }
            self.renders += renders as u64;
        } else {
            self.hot_since = None;
        }
        if rate < threshold {
            return (rate, 0.0);
        }
        (rate, self.hot_since.map_or(0.0, |h| t_end - h))
    }
}

pub struct RerenderStorm {
    cfg: RerenderStormConfig,
    runs: HashMap<String, Run>,
    page: Run,
    /// Long tasks and long animation frames: (start, end).
    tasks: VecDeque<(f64, f64)>,
    /// Per-storm totals while it lasts: renders, unnecessary, self ms, and when it began.
    totals: HashMap<String, (u64, u64, f64, f64)>,
}

impl RerenderStorm {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.rerender_storm.clone(),
            runs: HashMap::new(),
            page: Run::default(),
            tasks: VecDeque::new(),
            totals: HashMap::new(),
        }
    }

    fn overlaps_long_task(&self, from: f64, to: f64) -> bool {
        self.tasks.iter().any(|(s, e)| *s < to && *e > from)
    }

    fn on_renders(&mut self, r: &ReactRenders, out: &mut Findings) {
        // First pass: who is storming in this window.
        let mut storming: HashMap<&str, (f64, f64)> = HashMap::new();
        for c in &r.components {
            if c.commits == 0 {
                continue;
            }
            let run = self.runs.entry(c.name.clone()).or_default();
            let (rate, held) = run.add(r.t, r.t_end, c.commits, c.renders, self.cfg.renders_per_s);
            if rate >= self.cfg.renders_per_s && held >= self.cfg.sustain_ms {
                storming.insert(c.name.as_str(), (rate, held));
            }
        }
        if self.runs.len() > MAX_TRACKED {
            let cutoff = r.t_end - 5_000.0;
            self.runs.retain(|_, run| run.last >= cutoff);
            let runs = &self.runs;
            self.totals.retain(|name, _| runs.contains_key(name));
        }

        let (page_rate, page_held) = self
            .page
            .add(r.t, r.t_end, r.commits, r.commits, self.cfg.commits_per_s);
        // The page as a whole, when no one component explains the commits.
        if storming.is_empty() && page_rate > self.cfg.commits_per_s && page_held >= self.cfg.sustain_ms {
            let slow = self.overlaps_long_task(self.page.hot_since.unwrap_or(r.t), r.t_end);
            out.upsert(ID, "commits", r.t_end, |f| {
                f.count = self.page.renders;
                let peak = f.raise("peak_commits_per_s", page_rate.round());
                f.metrics.insert("commits_per_s".into(), Metric::Num(page_rate.round()));
                f.metrics
                    .insert("held_s".into(), Metric::Num((page_held / 100.0).round() / 10.0));
                f.severity = if slow {
                    Severity::Error
                } else {
                    f.severity.max(Severity::Warning)
                };
                f.title = format!(
                    "React committed {:.0} times/s for {:.1} s (peak {peak:.0}/s)",
                    page_rate,
                    page_held / 1000.0
                );
                f.advice = "Something updates React state on every frame or faster. Find the component \
                            in the Components view, then batch the updates, throttle them, or move the \
                            fast-changing value out of React state (a ref, a CSS animation)."
                    .into();
            });
        }

        // Second pass: a child that re-rendered only because its storming parent did
        // belongs to the parent's storm.
        let by_name: HashMap<&str, &ComponentRenders> = r.components.iter().map(|c| (c.name.as_str(), c)).collect();
        for (name, (rate, held)) in &storming {
            let c = by_name[name];
            // (A component that renders itself recursively is its own storm.)
            if follows_parent(c)
                && c.owner
                    .as_deref()
                    .is_some_and(|o| o != *name && storming.contains_key(o))
            {
                continue;
            }
            let children: Vec<&ComponentRenders> = r
                .components
                .iter()
                .filter(|k| {
                    k.owner.as_deref() == Some(*name) && follows_parent(k) && storming.contains_key(k.name.as_str())
                })
                .collect();
            let started = self.runs.get(*name).and_then(|run| run.hot_since).unwrap_or(r.t);
            let slow = self.overlaps_long_task(started, r.t_end);
            // Totals of this storm only: a new one (after the rate dropped) starts over.
            let totals = self.totals.entry(name.to_string()).or_default();
            if totals.3 != started {
                *totals = (0, 0, 0.0, started);
            }
            for k in std::iter::once(c).chain(children.iter().copied()) {
                totals.0 += k.renders.saturating_sub(k.mounts) as u64;
                totals.1 += k.unnecessary as u64;
                totals.2 += k.self_ms.unwrap_or(0.0);
            }
            let (renders, unnecessary, self_ms, _) = *totals;
            let wasted = unnecessary as f64 / renders.max(1) as f64;
            let cost_per_s = self_ms * 1000.0 / held.max(1.0);
            let run_renders = self.runs.get(*name).map_or(0, |run| run.renders);
            self.storm_finding(
                out,
                c,
                &children,
                (*rate, *held, run_renders),
                r.t_end,
                slow,
                wasted,
                cost_per_s,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn storm_finding(
        &self,
        out: &mut Findings,
        c: &ComponentRenders,
        children: &[&ComponentRenders],
        (rate, held, renders): (f64, f64, u64),
        at: f64,
        slow: bool,
        wasted: f64,
        cost_per_s: f64,
    ) {
        out.upsert(ID, &c.name, at, |f| {
            f.count = f.count.max(renders);
            f.evidence.components.retain(|n| n != &c.name);
            f.evidence.components.insert(0, c.name.clone());
            for k in children {
                if !f.evidence.components.contains(&k.name) && f.evidence.components.len() < 20 {
                    f.evidence.components.push(k.name.clone());
                }
            }
            let peak = f.raise("peak_per_s", rate.round());
            f.metrics.insert("renders_per_s".into(), Metric::Num(rate.round()));
            f.metrics
                .insert("held_s".into(), Metric::Num((held / 100.0).round() / 10.0));
            f.metrics.insert("cause".into(), Metric::Text(top_cause(c).into()));
            if let Some(o) = &c.owner {
                f.metrics.insert("triggered_by".into(), Metric::Text(o.clone()));
            }
            f.metrics
                .insert("unchanged_share".into(), Metric::Num((wasted * 100.0).round() / 100.0));
            if cost_per_s > 0.0 {
                f.metrics.insert(
                    "render_ms_per_s".into(),
                    Metric::Num((cost_per_s * 10.0).round() / 10.0),
                );
            }
            if slow {
                f.metrics.insert("long_task_overlap".into(), Metric::Flag(true));
            }
            let with = if children.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = children
                    .iter()
                    .map(|k| format!("{} ×{}", k.name, per_commit(k)))
                    .collect();
                format!("; each time {} re-rendered with it", list.join(", "))
            };
            f.title = format!(
                "{} rendered {:.0} times/s for {:.1} s (peak {peak:.0}/s, {} renders; {}){with}",
                c.name,
                rate,
                held / 1000.0,
                f.count,
                top_cause(c)
            );
            f.severity = if slow || f.severity == Severity::Error {
                Severity::Error
            } else if wasted >= 0.5 || cost_per_s >= COSTLY_MS_PER_S {
                Severity::Warning
            } else {
                f.severity.max(Severity::Info)
            };
            f.advice = advice(c, wasted >= 0.5);
        });
    }
}

/// Whether a component rendered because its parent did (not its own state or context).
fn follows_parent(c: &ComponentRenders) -> bool {
    c.parent + c.props > c.state + c.context
}

fn per_commit(c: &ComponentRenders) -> u32 {
    (c.renders as f64 / c.commits.max(1) as f64).round() as u32
}

fn top_cause(c: &ComponentRenders) -> &'static str {
    let causes = [
        (c.state, "state changed"),
        (c.context, "context changed"),
        (c.props, "props changed"),
        (c.parent, "parent rendered"),
        (c.mounts, "mounted"),
    ];
    causes.iter().max_by_key(|(n, _)| *n).map_or("", |(_, s)| s)
}

fn advice(c: &ComponentRenders, wasted: bool) -> String {
    let mut a = match top_cause(c) {
        "state changed" => format!(
            "`{}` sets its own state this often. Throttle or batch the updates (requestAnimationFrame at most, \
             or only when the value changes), or keep a fast-changing value in a ref and render from it less often.",
            c.name
        ),
        "context changed" => format!(
            "A context `{}` reads changes this often. Split the context so fast values live apart from slow ones, \
             or memoize the provider's value.",
            c.name
        ),
        _ => format!(
            "`{}` re-renders because what renders it does. Fix the source of the updates above it, and wrap \
             `{}` in React.memo if its props do not change.",
            c.name, c.name
        ),
    };
    if wasted {
        a.push_str(" Most of these renders change nothing: React.memo on the children, with useMemo/useCallback for the props they get, removes them.");
    }
    a
}

impl Detector for RerenderStorm {
    fn on_page(&mut self, event: &Event, _page: &PageState, out: &mut Findings) {
        match event {
            Event::LongTask(t) => {
                if self.tasks.len() >= MAX_TASKS {
                    self.tasks.pop_front();
                }
                self.tasks.push_back((t.t, t.t + t.duration));
            }
            Event::ReactRenders(r) => self.on_renders(r, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::run_events;
    use crate::event::LongTask;

    fn comp(name: &str, commits: u32, per: u32, cause: &str, owner: Option<&str>) -> ComponentRenders {
        let n = commits * per;
        let mut c = ComponentRenders {
            name: name.into(),
            renders: n,
            commits,
            owner: owner.map(String::from),
            ..ComponentRenders::default()
        };
        match cause {
            "state" => c.state = n,
            _ => {
                c.parent = n;
                c.unnecessary = n;
            }
        }
        c
    }

    /// `seconds` of 200 ms windows, each with `commits` commits of the given components.
    fn storm(seconds: f64, make: impl Fn() -> Vec<ComponentRenders>, commits: u32) -> Vec<Event> {
        let windows = (seconds * 5.0) as usize;
        (0..windows)
            .map(|i| {
                let t = 10_000.0 + i as f64 * 200.0;
                Event::ReactRenders(ReactRenders {
                    t,
                    t_end: t + 200.0,
                    commits,
                    components: make(),
                    ..ReactRenders::default()
                })
            })
            .collect()
    }

    #[test]
    fn a_component_setting_state_every_frame_is_a_storm_with_its_children_listed() {
        let events = storm(
            2.0,
            || {
                vec![
                    comp("Ticker", 12, 1, "state", None),
                    comp("Row", 12, 20, "parent", Some("Ticker")),
                ]
            },
            12,
        );
        let findings = run_events(&events);
        let storms: Vec<_> = findings.iter().filter(|f| f.detector == ID).collect();
        assert_eq!(storms.len(), 1, "{storms:#?}");
        let f = storms[0];
        assert_eq!(f.key, "Ticker");
        assert!(f.title.starts_with("Ticker rendered 60 times/s for"), "{}", f.title);
        assert!(f.title.contains("state changed"), "{}", f.title);
        assert!(f.title.contains("each time Row ×20 re-rendered with it"), "{}", f.title);
        assert_eq!(f.evidence.components, vec!["Ticker", "Row"]);
        // 20 of every 21 renders change nothing.
        assert_eq!(f.severity, Severity::Warning);
    }

    #[test]
    fn ten_renders_a_second_or_a_short_burst_is_not_a_storm() {
        let slow = storm(5.0, || vec![comp("Clock", 2, 1, "state", None)], 2);
        assert!(run_events(&slow).iter().all(|f| f.detector != ID));
        let short = storm(0.6, || vec![comp("Ticker", 12, 1, "state", None)], 12);
        assert!(run_events(&short).iter().all(|f| f.detector != ID));
    }

    #[test]
    fn a_short_burst_after_a_long_slow_run_is_not_a_storm() {
        // Two renders a second for 10 s (never a pause long enough to end the run), then one busy window.
        let mut events = storm(10.0, || vec![comp("Slow", 1, 1, "state", None)], 1);
        events.retain(|e| matches!(e, Event::ReactRenders(r) if (r.t - 10_000.0) % 400.0 == 0.0));
        events.push(Event::ReactRenders(ReactRenders {
            t: 20_000.0,
            t_end: 20_200.0,
            commits: 30,
            components: vec![comp("Slow", 30, 1, "state", None)],
            ..ReactRenders::default()
        }));
        assert!(run_events(&events).iter().all(|f| f.detector != ID));
    }

    #[test]
    fn a_pause_restarts_the_clock() {
        let mut events = storm(0.8, || vec![comp("Ticker", 12, 1, "state", None)], 12);
        let mut later = storm(0.8, || vec![comp("Ticker", 12, 1, "state", None)], 12);
        for e in &mut later {
            if let Event::ReactRenders(r) = e {
                r.t += 3_000.0;
                r.t_end += 3_000.0;
            }
        }
        events.extend(later);
        assert!(run_events(&events).iter().all(|f| f.detector != ID));
    }

    #[test]
    fn cheap_renders_that_change_something_are_info_and_a_long_task_makes_it_an_error() {
        let events = storm(2.0, || vec![comp("Ticker", 12, 1, "state", None)], 12);
        let f = run_events(&events).into_iter().find(|f| f.detector == ID).unwrap();
        assert_eq!(f.severity, Severity::Info);

        let mut with_task = vec![Event::LongTask(LongTask {
            t: 10_500.0,
            duration: 120.0,
            blocking: Some(70.0),
            forced_layout: 0.0,
            scripts: vec![],
        })];
        with_task.extend(events);
        let f = run_events(&with_task).into_iter().find(|f| f.detector == ID).unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.metrics.get("long_task_overlap"), Some(&Metric::Flag(true)));
    }

    #[test]
    fn a_page_committing_over_60_times_a_second_is_named_even_without_one_busy_component() {
        let events = storm(
            1.6,
            || {
                (0..14)
                    .map(|i| comp(&format!("Cell{i}"), 1, 1, "state", None))
                    .collect()
            },
            14,
        );
        let findings = run_events(&events);
        let f = findings
            .iter()
            .find(|f| f.detector == ID && f.key == "commits")
            .expect("commit storm");
        assert!(f.title.starts_with("React committed 70 times/s"), "{}", f.title);
        assert!(findings.iter().filter(|f| f.detector == ID).count() == 1);
    }
}
