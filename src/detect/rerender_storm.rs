//! # rerender-storm
//!
//! ## What it detects
//! A React component rendering in at least 30 commits per second, or the page
//! committing more than 60 times per second, held for at least a second. Or by
//! weight: a component rendering at least 10 times a second whose renders, with
//! those of the components that re-rendered because it did, reach 2,000 a second
//! (a list of 300 rows re-rendered 20 times a second by a 50 ms timer or a stream
//! of messages), held as long. Renders are counted by the page hook from React's
//! own commits (`onCommitFiberRoot`), per component, with the reason for each render. Children that re-rendered only
//! because a storming parent did are listed in the parent's finding, not as storms
//! of their own.
//! Many instances of one component re-rendering together because a store they all
//! read changed (120 rows each subscribed to the whole zustand or Redux state, read
//! through `useSyncExternalStore`): the title says how many at once and the advice
//! is a narrower selector.
//! The other way round, rows that each render once when their own value changes
//! (one row per quote of a 40-a-second feed, each selecting its own price) take
//! turns: the component's 40 commits a second are no one instance's and are not a
//! storm by rate. The hook tells them apart by whether the instance that renders
//! first in a commit is the one that did the time before (same key or position).
//!
//! Cost: development and profiling builds report each component's render time.
//! Production builds report none, so the cost is estimated, never assumed to be
//! small: component renders per second (the storming component and everything
//! that re-rendered because it did) times an assumed cost per render, or the time
//! of the long animation frames that overlapped the storm, per second, whichever is
//! larger. A table of 300 rows re-rendered at 60 Hz is 18,000 component renders a
//! second: about 90 ms of work a second at 5 µs each (a production React 18 row of
//! three cells took 6.3 µs to render and commit, measured in Chromium).
//!
//! Evidence: the components, the page's URL, and the scripts of overlapping long frames.
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
//! - `heavy_min_per_s` (10), `heavy_renders_per_s` (2000): a storm by weight.
//! - `run_gap_ms` (500): a pause longer than this ends a run of renders.
//! - `hold_share` (0.8): once a storm runs, render windows at this share of the
//!   rate keep it going (frames jitter).
//! - info while each render changes something and costs little; a warning when
//!   `wasted_share` (0.5) of the renders change nothing, or when the storm costs
//!   `costly_ms_per_s` (4) of render work a second (measured, or estimated at
//!   `assumed_render_us` (5) per component render); an error when it overlaps a long
//!   task or long animation frame.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::event::{ComponentRenders, Event, ReactRenders};
use crate::model::finding::{Metric, Severity};
use std::collections::{HashMap, VecDeque};

thresholds!(RerenderStormConfig {
    /// Commits per second in which one component renders.
    renders_per_s: f64 = 30.0,
    /// Commits per second on the whole page.
    commits_per_s: f64 = 60.0,
    /// How long the rate must hold.
    sustain_ms: f64 = 1_000.0,
    /// A pause longer than this ends a run of renders.
    run_gap_ms: f64 = 500.0,
    /// Once a storm runs, windows at this share of the rate keep it going (jitter).
    hold_share: f64 = 0.8,
    /// Render work per second (measured, or estimated) from which a storm is a warning.
    costly_ms_per_s: f64 = 4.0,
    /// Share of renders that change nothing from which a storm is a warning.
    wasted_share: f64 = 0.5,
    /// A component rendering less often than `renders_per_s`, but at least this often...
    heavy_min_per_s: f64 = 10.0,
    /// ...is a storm when its renders and those of the components that re-rendered
    /// because it did reach this many a second (about 10 ms of work at 5 µs each).
    heavy_renders_per_s: f64 = 2_000.0,
    /// Assumed cost of one component render when React gives no timings (production
    /// builds): render, diff and commit of a small component (a production React 18
    /// table row of three cells measured 6.3 µs in Chromium; this stays below that).
    assumed_render_us: f64 = 5.0,
});

pub const ID: &str = "rerender-storm";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Re-render storms",
    doc: include_str!(concat!(env!("OUT_DIR"), "/rerender_storm.doc")),
    build: |c| Box::new(RerenderStorm::new(c)),
};

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
    fn add(
        &mut self,
        t: f64,
        t_end: f64,
        commits: u32,
        renders: u32,
        threshold: f64,
        cfg: &RerenderStormConfig,
    ) -> (f64, f64) {
        let gap = cfg.run_gap_ms;
        if t - self.last > gap {
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
            window_rate >= threshold * cfg.hold_share
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

/// One storm's totals while it lasts (a new storm of the same component starts over).
#[derive(Default)]
struct Totals {
    /// When the storm began (its run's `hot_since`).
    started: f64,
    /// The windows counted: from the first one's start to the last one's end.
    from: f64,
    to: f64,
    /// Re-renders of the component and of what re-rendered because it did.
    renders: u64,
    unnecessary: u64,
    /// Their render time, where React reported it.
    self_ms: f64,
    timed: bool,
}

/// What a storm costs, measured or estimated, per second.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Cost {
    component_renders_per_s: f64,
    /// React's own render times (development and profiling builds).
    measured_ms_per_s: Option<f64>,
    /// Component renders times the assumed cost of one, when nothing is measured.
    estimated_ms_per_s: Option<f64>,
    /// Long animation frames (or long tasks) overlapping the storm.
    long_frame_ms_per_s: f64,
}

impl Cost {
    fn ms_per_s(&self) -> f64 {
        self.measured_ms_per_s
            .or(self.estimated_ms_per_s)
            .unwrap_or(0.0)
            .max(self.long_frame_ms_per_s)
    }
}

/// A long task or long animation frame: start, end, and the scripts that ran in it.
struct Task {
    start: f64,
    end: f64,
    scripts: Vec<String>,
}

pub struct RerenderStorm {
    cfg: RerenderStormConfig,
    runs: HashMap<String, Run>,
    /// Per component, its renders together with its direct followers' (see `heavy_renders_per_s`).
    heavy: HashMap<String, Run>,
    page: Run,
    tasks: VecDeque<Task>,
    totals: HashMap<String, Totals>,
}

impl RerenderStorm {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.rerender_storm.clone(),
            runs: HashMap::new(),
            heavy: HashMap::new(),
            page: Run::default(),
            tasks: VecDeque::new(),
            totals: HashMap::new(),
        }
    }

    fn overlaps_long_task(&self, from: f64, to: f64) -> bool {
        self.tasks.iter().any(|t| t.start < to && t.end > from)
    }

    /// Milliseconds of long frames within `from..to`, and the scripts that ran in them.
    fn long_frames(&self, from: f64, to: f64) -> (f64, Vec<String>) {
        let mut ms = 0.0;
        let mut scripts = Vec::new();
        for t in self.tasks.iter().filter(|t| t.start < to && t.end > from) {
            ms += t.end.min(to) - t.start.max(from);
            for s in &t.scripts {
                if !scripts.contains(s) {
                    scripts.push(s.clone());
                }
            }
        }
        (ms, scripts)
    }

    fn on_renders(&mut self, r: &ReactRenders, page: &PageState, out: &mut Findings) {
        // First pass: who is storming in this window.
        let mut storming: HashMap<&str, (f64, f64)> = HashMap::new();
        let mut rates: HashMap<&str, f64> = HashMap::new();
        for c in &r.components {
            if c.commits == 0 {
                continue;
            }
            let run = self.runs.entry(c.name.clone()).or_default();
            let (rate, held) = run.add(
                r.t,
                r.t_end,
                own_commits(c),
                c.renders,
                self.cfg.renders_per_s,
                &self.cfg,
            );
            rates.insert(c.name.as_str(), rate);
            if rate >= self.cfg.renders_per_s && held >= self.cfg.sustain_ms {
                storming.insert(c.name.as_str(), (rate, held));
            }
        }
        self.heavy_storms(r, &rates, &mut storming);
        if self.runs.len() > MAX_TRACKED {
            let cutoff = r.t_end - 5_000.0;
            self.runs.retain(|_, run| run.last >= cutoff);
            self.heavy.retain(|_, run| run.last >= cutoff);
            let runs = &self.runs;
            self.totals.retain(|name, _| runs.contains_key(name));
        }

        let (page_rate, page_held) =
            self.page
                .add(r.t, r.t_end, r.commits, r.commits, self.cfg.commits_per_s, &self.cfg);
        // The page as a whole, when no one component explains the commits.
        if storming.is_empty() && page_rate > self.cfg.commits_per_s && page_held >= self.cfg.sustain_ms {
            let slow = self.overlaps_long_task(self.page.hot_since.unwrap_or(r.t), r.t_end);
            out.upsert(ID, "commits", r.t_end, |f| {
                f.count = self.page.renders;
                if !page.current_url().is_empty() {
                    f.evidence.add_url(page.current_url());
                }
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
        // belongs to the parent's storm (and so do its own followers, all the way down).
        let by_name: HashMap<&str, &ComponentRenders> = r.components.iter().map(|c| (c.name.as_str(), c)).collect();
        let root_of = |name| storm_root(name, &by_name, &storming);
        let mut names: Vec<&str> = storming.keys().copied().collect();
        crate::model::sort::sort_unstable(&mut names);
        let roots: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| by_name.get(n).is_some_and(|c| parent_in_storm(c, &storming).is_none()))
            .collect();
        for name in roots {
            let (rate, held) = storming[name];
            let c = by_name[name];
            let children: Vec<&ComponentRenders> = r
                .components
                .iter()
                .filter(|k| {
                    k.name != name
                        && storming.contains_key(k.name.as_str())
                        && parent_in_storm(k, &storming) == Some(name)
                })
                .collect();
            let followers: Vec<&ComponentRenders> = names
                .iter()
                .filter(|n| **n != name && root_of(n) == name)
                .map(|n| by_name[n])
                .collect();
            let run = self.storm_run(name, r.t_end);
            let started = run.and_then(|run| run.hot_since).unwrap_or(r.t);
            let run_renders = run.map_or(0, |run| run.renders);
            let slow = self.overlaps_long_task(started, r.t_end);
            let (frame_ms, frame_scripts) = self.long_frames(started, r.t_end);
            // Totals of this storm only: a new one (after the rate dropped) starts over.
            let totals = self.totals.entry(name.to_string()).or_default();
            if totals.started != started || totals.to == 0.0 {
                *totals = Totals {
                    started,
                    from: r.t,
                    ..Totals::default()
                };
            }
            totals.to = r.t_end;
            for k in std::iter::once(c).chain(followers.iter().copied()) {
                totals.renders += k.renders.saturating_sub(k.mounts) as u64;
                totals.unnecessary += k.unnecessary as u64;
                if let Some(ms) = k.self_ms {
                    totals.self_ms += ms;
                    totals.timed = true;
                }
            }
            let span = (totals.to - totals.from).max(1.0);
            let wasted = totals.unnecessary as f64 / totals.renders.max(1) as f64;
            let per_s = totals.renders as f64 * 1000.0 / span;
            let cost = Cost {
                component_renders_per_s: per_s,
                measured_ms_per_s: totals.timed.then(|| totals.self_ms * 1000.0 / span),
                estimated_ms_per_s: (!totals.timed).then(|| per_s * self.cfg.assumed_render_us / 1000.0),
                long_frame_ms_per_s: frame_ms * 1000.0 / held.max(1.0),
            };
            let evidence = Evidence {
                followers: followers.iter().map(|k| k.name.clone()).collect(),
                urls: std::iter::once(page.current_url().to_string())
                    .filter(|u| !u.is_empty())
                    .chain(frame_scripts)
                    .collect(),
            };
            self.storm_finding(
                out,
                c,
                &children,
                &evidence,
                (rate, held, run_renders),
                r.t_end,
                slow,
                wasted,
                cost,
            );
        }
    }

    /// The run a storm is timed by: the component's own rate, or for a storm by
    /// weight, its renders together with its followers'.
    fn storm_run(&self, name: &str, now: f64) -> Option<&Run> {
        let own = self.runs.get(name);
        let held = |run: &&Run| run.hot_since.is_some_and(|h| now - h >= self.cfg.sustain_ms);
        own.filter(held).or_else(|| self.heavy.get(name).filter(held)).or(own)
    }

    /// Storms by weight: a component under `renders_per_s` (at least
    /// `heavy_min_per_s`) whose renders bring many others with them. A list of 300
    /// rows re-rendered 20 times a second (a 50 ms timer, a stream of messages,
    /// typing into a big form) is 6,000 component renders a second, more work than
    /// a lone component at 60/s. Its renders and its direct followers' are counted as
    /// one rate, held like any other; the followers join the storm, so the finding
    /// lists and counts them as it does a storming parent's children.
    fn heavy_storms<'a>(
        &mut self,
        r: &'a ReactRenders,
        rates: &HashMap<&'a str, f64>,
        storming: &mut HashMap<&'a str, (f64, f64)>,
    ) {
        let mut led: HashMap<&str, u32> = HashMap::new();
        for k in &r.components {
            if let Some(o) = follower_of(k) {
                *led.entry(o).or_default() += k.renders.saturating_sub(k.mounts);
            }
        }
        for c in &r.components {
            let name = c.name.as_str();
            let Some(&followers) = led.get(name) else {
                continue;
            };
            if c.commits == 0 || storming.contains_key(name) {
                continue;
            }
            let with = c.renders.saturating_sub(c.mounts) + followers;
            let run = self.heavy.entry(c.name.clone()).or_default();
            let (load, held) = run.add(r.t, r.t_end, with, c.renders, self.cfg.heavy_renders_per_s, &self.cfg);
            let rate = rates.get(name).copied().unwrap_or(0.0);
            if rate < self.cfg.heavy_min_per_s || load < self.cfg.heavy_renders_per_s || held < self.cfg.sustain_ms {
                continue;
            }
            storming.insert(name, (rate, held));
            for k in &r.components {
                if follower_of(k) == Some(name) {
                    let k_rate = rates.get(k.name.as_str()).copied().unwrap_or(rate);
                    storming.entry(k.name.as_str()).or_insert((k_rate, held));
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn storm_finding(
        &self,
        out: &mut Findings,
        c: &ComponentRenders,
        children: &[&ComponentRenders],
        evidence: &Evidence,
        (rate, held, renders): (f64, f64, u64),
        at: f64,
        slow: bool,
        wasted: f64,
        cost: Cost,
    ) {
        let cfg = &self.cfg;
        out.upsert(ID, &c.name, at, |f| {
            f.count = f.count.max(renders);
            f.evidence.components.retain(|n| n != &c.name);
            f.evidence.components.insert(0, c.name.clone());
            for k in children.iter().map(|k| &k.name).chain(evidence.followers.iter()) {
                if !f.evidence.components.contains(k) && f.evidence.components.len() < 20 {
                    f.evidence.components.push(k.clone());
                }
            }
            for u in &evidence.urls {
                f.evidence.add_url(u);
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
            f.metrics.insert(
                "component_renders_per_s".into(),
                Metric::Num(cost.component_renders_per_s.round()),
            );
            let tenth = |v: f64| Metric::Num((v * 10.0).round() / 10.0);
            if let Some(ms) = cost.measured_ms_per_s {
                f.metrics.insert("render_ms_per_s".into(), tenth(ms));
            }
            if let Some(ms) = cost.estimated_ms_per_s {
                f.metrics.insert("estimated_render_ms_per_s".into(), tenth(ms));
            }
            if cost.long_frame_ms_per_s > 0.0 {
                f.metrics
                    .insert("long_frame_ms_per_s".into(), tenth(cost.long_frame_ms_per_s));
            }
            f.metrics.insert("cost_ms_per_s".into(), tenth(cost.ms_per_s()));
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
            let how_much = match (cost.measured_ms_per_s, cost.estimated_ms_per_s) {
                (Some(ms), _) if ms >= cost.long_frame_ms_per_s => {
                    format!("; {ms:.1} ms of render time a second")
                }
                (None, Some(ms)) if ms >= cost.long_frame_ms_per_s => format!(
                    "; about {} ms of work a second (estimated: {} component renders/s)",
                    if ms < 10.0 {
                        format!("{ms:.1}")
                    } else {
                        format!("{ms:.0}")
                    },
                    thousands(cost.component_renders_per_s)
                ),
                _ => format!("; {:.0} ms of long frames a second", cost.long_frame_ms_per_s),
            };
            let at_once = match shared_state(c) {
                Some(n) => format!(", {n} at once from one store"),
                None => String::new(),
            };
            f.title = format!(
                "{} rendered {:.0} times/s for {:.1} s (peak {peak:.0}/s, {} renders; {}{at_once}){with}{how_much}",
                c.name,
                rate,
                held / 1000.0,
                f.count,
                top_cause(c)
            );
            f.severity = if slow || f.severity == Severity::Error {
                Severity::Error
            } else if wasted >= cfg.wasted_share || cost.ms_per_s() >= cfg.costly_ms_per_s {
                Severity::Warning
            } else {
                f.severity.max(Severity::Info)
            };
            f.advice = advice(c, wasted >= cfg.wasted_share);
        });
    }
}

/// The component `c` re-rendered because of (its owner, when the parent's render
/// rather than its own state or context made it render), if any.
fn follower_of(c: &ComponentRenders) -> Option<&str> {
    c.owner.as_deref().filter(|o| *o != c.name && follows_parent(c))
}

/// The storming component `c` re-rendered because of, if any.
fn parent_in_storm<'a>(c: &'a ComponentRenders, storming: &HashMap<&str, (f64, f64)>) -> Option<&'a str> {
    follower_of(c).filter(|o| storming.contains_key(o))
}

/// The storm a storming component belongs to (bounded: owner chains can loop).
fn storm_root<'a>(
    name: &'a str,
    by_name: &HashMap<&str, &'a ComponentRenders>,
    storming: &HashMap<&str, (f64, f64)>,
) -> &'a str {
    let mut at = name;
    for _ in 0..64 {
        match by_name.get(at).and_then(|c| parent_in_storm(c, storming)) {
            Some(p) if p != name => at = p,
            _ => break,
        }
    }
    at
}

/// What a storm's finding lists besides the component itself.
struct Evidence {
    /// Components that re-rendered because it did (directly or further down).
    followers: Vec<String>,
    /// The page, then scripts of overlapping long frames.
    urls: Vec<String>,
}

/// 18060 → "18,060".
fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Whether a component rendered because its parent did (not its own state or context).
fn follows_parent(c: &ComponentRenders) -> bool {
    c.parent + c.props > c.state + c.context
}

/// The commits that count toward one component's render rate. When one instance
/// renders per commit and they take turns (a row of a table re-rendering when its
/// own price changes, the next quote another row), the component's commits are no
/// one instance's: only the commits where the same instance rendered again count.
/// Reports saved before the page told this (`repeats` absent) count every commit.
fn own_commits(c: &ComponentRenders) -> u32 {
    match c.repeats {
        Some(repeats) if per_commit(c) < 2 => repeats.min(c.commits),
        _ => c.commits,
    }
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

/// How many instances of `c` render together in each commit because a store they
/// all read changed (a `store N` state key: `useSyncExternalStore`, which zustand,
/// Redux's `useSelector` and valtio read through), when that is more than one.
/// Instances with state of their own that change in one commit (counters
/// animated by one frame) are not that.
fn shared_state(c: &ComponentRenders) -> Option<u32> {
    let n = per_commit(c);
    let store = c.keys.iter().any(|k| k.kind == "state" && k.key.starts_with("store "));
    (top_cause(c) == "state changed" && store && n >= 2).then_some(n)
}

fn advice(c: &ComponentRenders, wasted: bool) -> String {
    let mut a = match top_cause(c) {
        "state changed" if shared_state(c).is_some() => format!(
            "Each `{}` re-renders on every update of a store they all read (a store hook or selector that \
             returns the whole state, or a new object each time), although most show a value that did not \
             change. Select only what each one shows (`useStore((s) => s.prices[id])`, `useSelector` with a \
             narrow selector, `shallow` for objects), so an update renders only the instances whose value changed.",
            c.name
        ),
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
    fn on_page(&mut self, event: &Event, page: &PageState, out: &mut Findings) {
        match event {
            Event::LongTask(t) => {
                if self.tasks.len() >= MAX_TASKS {
                    self.tasks.pop_front();
                }
                self.tasks.push_back(Task {
                    start: t.t,
                    end: t.t + t.duration,
                    scripts: t
                        .scripts
                        .iter()
                        .filter(|s| !s.url.is_empty())
                        .map(|s| s.url.clone())
                        .collect(),
                });
            }
            Event::ReactRenders(r) => self.on_renders(r, page, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::run_events;
    use crate::model::event::{ChangedKey, LongTask};

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
    fn many_instances_rendering_from_their_own_state_together_read_one_store() {
        // 120 rows subscribed to the whole store (zustand without a selector): each
        // row's own hook state changes, in every commit, for all of them.
        let store = |key: &str| {
            let mut c = comp("QuoteRow", 8, 120, "state", None);
            c.keys = vec![ChangedKey {
                kind: "state".into(),
                key: key.into(),
                count: 960,
                ..ChangedKey::default()
            }];
            c
        };
        let events = storm(2.0, || vec![store("store 0")], 8);
        let f = run_events(&events).into_iter().find(|f| f.detector == ID).unwrap();
        assert!(
            f.title.contains("state changed, 120 at once from one store)"),
            "{}",
            f.title
        );
        assert!(f.advice.contains("Select only what each one shows"), "{}", f.advice);
        assert!(!f.advice.contains("sets its own state"), "{}", f.advice);
        // 120 counters each animating state of their own (`hook 0`) in one frame.
        let events = storm(2.0, || vec![store("hook 0")], 8);
        let f = run_events(&events).into_iter().find(|f| f.detector == ID).unwrap();
        assert!(!f.title.contains("at once"), "{}", f.title);
        // One instance setting its state keeps the advice about its own updates.
        let events = storm(2.0, || vec![comp("Ticker", 12, 1, "state", None)], 12);
        let f = run_events(&events).into_iter().find(|f| f.detector == ID).unwrap();
        assert!(!f.title.contains("at once"), "{}", f.title);
        assert!(f.advice.contains("`Ticker` sets its own state"), "{}", f.advice);
    }

    #[test]
    fn rows_taking_turns_one_per_commit_are_no_storm_but_one_instance_repeating_is() {
        // 40 commits a second, each rendering one row: another row each time.
        let turns = |repeats: Option<u32>| {
            storm(
                3.0,
                || {
                    let mut c = comp("QuoteRow", 8, 1, "state", None);
                    c.repeats = repeats;
                    vec![c]
                },
                8,
            )
        };
        assert!(run_events(&turns(Some(0))).iter().all(|f| f.detector != ID));
        // A few repeats (a hot symbol quoted twice in a row) stay under the rate.
        assert!(run_events(&turns(Some(2))).iter().all(|f| f.detector != ID));
        // One instance rendering every time is a storm, and so is an old report
        // that does not say (every commit counts, as before).
        assert!(run_events(&turns(Some(8))).iter().any(|f| f.detector == ID));
        assert!(run_events(&turns(None)).iter().any(|f| f.detector == ID));
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

    /// `rows` instances that re-render in every commit with new props (real changes).
    fn rows(name: &str, commits: u32, rows: u32, owner: &str) -> ComponentRenders {
        ComponentRenders {
            name: name.into(),
            renders: commits * rows,
            commits,
            props: commits * rows,
            owner: Some(owner.into()),
            ..ComponentRenders::default()
        }
    }

    /// `Feed` setting its state `per_window` times per 200 ms window, with `n` `Message`s
    /// that re-render with new props each time.
    fn feed(seconds: f64, per_window: u32, n: u32) -> Vec<Event> {
        storm(
            seconds,
            || {
                vec![
                    comp("Feed", per_window, 1, "state", None),
                    rows("Message", per_window, n, "Feed"),
                ]
            },
            per_window,
        )
    }

    #[test]
    fn a_list_of_300_re_rendered_20_times_a_second_is_a_storm_by_weight() {
        let findings = run_events(&feed(2.0, 4, 300));
        let storms: Vec<_> = findings.iter().filter(|f| f.detector == ID).collect();
        assert_eq!(storms.len(), 1, "{storms:#?}");
        let f = storms[0];
        assert_eq!(f.key, "Feed");
        assert!(f.title.starts_with("Feed rendered 20 times/s for"), "{}", f.title);
        assert!(
            f.title.contains("each time Message ×300 re-rendered with it"),
            "{}",
            f.title
        );
        assert_eq!(f.evidence.components, vec!["Feed", "Message"]);
        // 20 × 301 component renders a second, about 30 ms of work: a warning.
        assert_eq!(f.metrics.get("component_renders_per_s"), Some(&Metric::Num(6020.0)));
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.count >= 20, "{}", f.count);
    }

    #[test]
    fn a_small_list_or_a_few_updates_a_second_or_a_short_burst_is_not_a_storm_by_weight() {
        // 20 a second with 5 rows: 120 component renders a second.
        assert!(run_events(&feed(3.0, 4, 5)).iter().all(|f| f.detector != ID));
        // 5 a second with 1,000 rows: slow updates of a big list (a page of results).
        assert!(run_events(&feed(3.0, 1, 1000)).iter().all(|f| f.detector != ID));
        // 20 a second with 300 rows, for 0.6 s.
        assert!(run_events(&feed(0.6, 4, 300)).iter().all(|f| f.detector != ID));
    }

    /// A production build's table: state in `Table`, 300 `Row`s with new data, 60 Hz.
    fn table_storm(seconds: f64) -> Vec<Event> {
        storm(
            seconds,
            || vec![comp("Table", 12, 1, "state", None), rows("Row", 12, 300, "Table")],
            12,
        )
    }

    #[test]
    fn a_production_table_storm_without_timings_is_costed_from_its_component_renders() {
        let mut events = vec![Event::Page(crate::model::event::PageInfo {
            t: 9_000.0,
            url: "https://app.example.com/prices".into(),
        })];
        events.extend(table_storm(3.0));
        let f = run_events(&events).into_iter().find(|f| f.detector == ID).unwrap();
        // Every render changes something and React gave no times: only the estimate speaks.
        assert_eq!(f.metrics.get("unchanged_share"), Some(&Metric::Num(0.0)));
        assert_eq!(f.metrics.get("render_ms_per_s"), None);
        assert_eq!(f.metrics.get("component_renders_per_s"), Some(&Metric::Num(18_060.0)));
        assert_eq!(f.metrics.get("estimated_render_ms_per_s"), Some(&Metric::Num(90.3)));
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.title
                .ends_with("; about 90 ms of work a second (estimated: 18,060 component renders/s)"),
            "{}",
            f.title
        );
        assert!(
            f.title.contains("each time Row ×300 re-rendered with it"),
            "{}",
            f.title
        );
        assert_eq!(f.evidence.urls, vec!["https://app.example.com/prices"]);
    }

    #[test]
    fn near_miss_one_cheap_component_at_60_hz_is_estimated_cheap_not_assumed_cheap() {
        let f = run_events(&storm(3.0, || vec![comp("Clock", 12, 1, "state", None)], 12))
            .into_iter()
            .find(|f| f.detector == ID)
            .unwrap();
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(f.metrics.get("estimated_render_ms_per_s"), Some(&Metric::Num(0.3)));
        assert!(
            f.title
                .ends_with("; about 0.3 ms of work a second (estimated: 60 component renders/s)"),
            "{}",
            f.title
        );
        // The same storm with a costlier render assumed is a warning: the number decides.
        let mut cfg = crate::Config::default();
        cfg.rerender_storm.assumed_render_us = 100.0;
        let f =
            crate::detect::testkit::run_events_with(cfg, &storm(3.0, || vec![comp("Clock", 12, 1, "state", None)], 12))
                .into_iter()
                .find(|f| f.detector == ID)
                .unwrap();
        assert_eq!(f.severity, Severity::Warning);
    }

    #[test]
    fn grandchildren_count_in_the_cost_and_long_frames_name_their_scripts() {
        let events: Vec<Event> = std::iter::once(Event::LongTask(LongTask {
            t: 11_500.0,
            duration: 80.0,
            blocking: Some(30.0),
            forced_layout: 0.0,
            scripts: vec![crate::model::event::TaskScript {
                url: "https://app.example.com/assets/index-5HX2ZQ7M.js".into(),
                function: "performWorkUntilDeadline".into(),
                char: 1200,
                invoker: "MessagePort.onmessage".into(),
                duration: 70.0,
                forced_layout: 0.0,
            }],
        }))
        .chain(storm(
            3.0,
            || {
                vec![
                    comp("Table", 12, 1, "state", None),
                    rows("Row", 12, 100, "Table"),
                    rows("Cell", 12, 400, "Row"),
                ]
            },
            12,
        ))
        .collect();
        let all: Vec<_> = run_events(&events).into_iter().filter(|f| f.detector == ID).collect();
        assert_eq!(all.len(), 1, "{all:#?}");
        let f = &all[0];
        assert_eq!(f.evidence.components, vec!["Table", "Row", "Cell"]);
        assert_eq!(f.metrics.get("component_renders_per_s"), Some(&Metric::Num(30_060.0)));
        assert_eq!(f.severity, Severity::Error);
        assert!(matches!(f.metrics.get("long_frame_ms_per_s"), Some(Metric::Num(n)) if *n > 0.0));
        assert!(f
            .evidence
            .urls
            .contains(&"https://app.example.com/assets/index-5HX2ZQ7M.js".to_string()));
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
