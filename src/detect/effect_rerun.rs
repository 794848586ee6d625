//! # effect-rerun
//!
//! ## What it detects
//! A React effect (`useEffect`) that runs again on renders where none of its
//! dependencies really changed: one of them is a new object, array or function
//! with the same content each render (`useEffect(load, [filters])` with
//! `const filters = { status, page }` written in the component or passed inline
//! by its parent), and the runs send requests or set state (a render more each).
//! The page hook compares each changed dependency with its previous value (plain
//! data, and functions by their source) and, in commits where no other effect
//! ran (none mounting, none whose dependencies really changed), counts the
//! requests the page sent while those effects ran and whether they scheduled a
//! render as they ran (React 18 and later tell when effects are done; with
//! React 17 nothing is counted and nothing reported).
//!
//! ## Why it matters
//! "Unstable dependencies causing unnecessary effects": every render refetches
//! the same data (or resubscribes), and when the answer sets state the render
//! that follows refetches again, a loop that only ends when something else stops
//! rendering. An effect that sets state from its dependencies renders the
//! component twice each time ("over-broad useEffect dependencies cause 10x
//! unnecessary renders"). The network shows duplicates; this names the effect
//! and the dependency behind them.
//!
//! ## Example
//! useEffect in `OrderList` re-ran 12 times with dependencies of the same content,
//! sending 12 requests: dependency 0 (`{status, page}`) is a new object on every render.
//!
//! Evidence: the component (and the one that rendered it), the requests those
//! runs sent and their URLs, the effect's source text.
//!
//! ## Thresholds
//! - `min_runs` (3) re-runs with dependencies of the same content that sent
//!   requests (or `min_runs` that set state), making up at least `min_share` (0.5)
//!   of the effect's re-runs seen.
//! - an error from `error_count` (20) such requests (or renders caused) within
//!   `error_window_ms` (10000): a loop; a warning below.
//!
//! An effect without a dependency array runs after every render by design (the
//! "latest value in a ref" pattern many libraries use): it is reported only when
//! it was the one effect of its commits and its runs sent requests or set state
//! (a fetch in an effect that forgot its array, a loop when the answer is stored).
//! Effects whose runs sent nothing and set no state are never reported (a library
//! syncing options it was given inline: cheap, and not the page's to fix).

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::event::{EffectRuns, Event};
use crate::model::finding::{Finding, Metric, Severity};
use std::collections::{HashMap, VecDeque};

thresholds!(EffectRerunConfig {
    /// Avoidable re-runs that sent requests (or that set state) before an effect is named.
    min_runs: u64 = 3,
    /// ...and the share of the effect's re-runs seen they are.
    min_share: f64 = 0.5,
    /// Requests sent, or renders caused, by avoidable re-runs within
    /// `error_window_ms` that make it an error.
    error_count: u64 = 20,
    error_window_ms: f64 = 10_000.0,
});

pub const ID: &str = "effect-rerun";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Effects that re-run",
    doc: include_str!(concat!(env!("OUT_DIR"), "/effect_rerun.doc")),
    build: |c| Box::new(EffectRerun::new(c)),
};

const MAX_TRACKED: usize = 1_000;
const MAX_REQUESTS_KEPT: usize = 20;
const MAX_URLS: usize = 5;

#[derive(Default)]
struct Tally {
    runs: u64,
    /// Avoidable re-runs, and of those the ones that sent requests, and that set state.
    same: u64,
    sending: u64,
    requests: u64,
    updating: u64,
    /// (window end, requests, state updates) of recent windows, for a loop's rate.
    recent: VecDeque<(f64, u64, u64)>,
    /// The engine's ids of the latest requests sent, and their distinct URLs.
    request_ids: VecDeque<u64>,
    urls: Vec<String>,
    last: EffectRuns,
    owner: Option<String>,
    last_t: f64,
}

pub struct EffectRerun {
    cfg: EffectRerunConfig,
    /// By component name and hook position.
    tallies: HashMap<(String, u32), Tally>,
}

impl EffectRerun {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.effect_rerun.clone(),
            tallies: HashMap::new(),
        }
    }
}

impl Detector for EffectRerun {
    fn on_page(&mut self, event: &Event, page: &PageState, out: &mut Findings) {
        let Event::ReactRenders(r) = event else { return };
        for c in &r.components {
            for e in &c.effects {
                let t = self.tallies.entry((c.name.clone(), e.index)).or_default();
                t.runs += e.runs as u64;
                t.same += e.same as u64;
                // The page counts requests per window, not per run: a window's
                // avoidable runs sent them between them.
                t.sending += (e.same as u64).min(e.requests as u64);
                t.requests += e.requests as u64;
                t.updating += (e.same as u64).min(e.updates as u64);
                if e.requests > 0 || e.updates > 0 {
                    t.recent.push_back((r.t_end, e.requests as u64, e.updates as u64));
                }
                while t
                    .recent
                    .front()
                    .is_some_and(|(at, _, _)| r.t_end - at > self.cfg.error_window_ms)
                {
                    t.recent.pop_front();
                }
                for id in &e.request_ids {
                    if t.request_ids.len() >= MAX_REQUESTS_KEPT {
                        t.request_ids.pop_front();
                    }
                    t.request_ids.push_back(*id);
                }
                for url in &e.urls {
                    if t.urls.len() < MAX_URLS && !t.urls.contains(url) {
                        t.urls.push(url.clone());
                    }
                }
                t.last = e.clone();
                t.last_t = r.t_end;
                if c.owner.is_some() {
                    t.owner = c.owner.clone();
                }
                let share = t.same as f64 / t.runs.max(1) as f64;
                if (t.sending < self.cfg.min_runs && t.updating < self.cfg.min_runs) || share < self.cfg.min_share {
                    continue;
                }
                let t = &*t;
                let cfg = &self.cfg;
                let key = format!("{} {} #{}", c.name, e.kind, e.index);
                out.upsert(ID, &key, r.t_end, |f| {
                    f.count = t.same;
                    for url in &t.urls {
                        f.evidence.add_url(url);
                    }
                    if f.evidence.urls.is_empty() && !page.current_url().is_empty() {
                        f.evidence.add_url(page.current_url());
                    }
                    f.evidence.components = std::iter::once(c.name.clone()).chain(t.owner.clone()).collect();
                    for id in &t.request_ids {
                        f.evidence.add_request(*id);
                    }
                    if !t.last.source.is_empty() {
                        f.evidence.add_source(&t.last.source);
                    }
                    f.metrics.insert("reruns".into(), Metric::Num(t.runs as f64));
                    f.metrics.insert("same_content".into(), Metric::Num(t.same as f64));
                    f.metrics.insert("requests".into(), Metric::Num(t.requests as f64));
                    f.metrics.insert("state_updates".into(), Metric::Num(t.updating as f64));
                    f.metrics
                        .insert("hook".into(), Metric::Text(format!("{} #{}", e.kind, e.index)));
                    if let Some(d) = t.last.dep {
                        f.metrics.insert(
                            "dependency".into(),
                            Metric::Text(format!("{d}: {} → {}", t.last.from, t.last.to)),
                        );
                    }
                    f.title = match t.last.dep {
                        Some(d) => format!(
                            "{} in {} re-ran {} times with dependencies of the same content, {}: dependency {d} (`{}`) is a new {} on every render",
                            e.kind,
                            c.name,
                            t.same,
                            consequence(t, cfg.min_runs),
                            t.last.to,
                            what(&t.last.to)
                        ),
                        None => format!(
                            "{} in {} has no dependency array: it re-ran after {} renders, {}",
                            e.kind,
                            c.name,
                            t.same,
                            consequence(t, cfg.min_runs)
                        ),
                    };
                    let recent_requests: u64 = t.recent.iter().map(|(_, n, _)| n).sum();
                    let recent_updates: u64 = t.recent.iter().map(|(_, _, n)| n).sum();
                    f.severity = if recent_requests.max(recent_updates) >= cfg.error_count {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    f.advice = advice(&c.name, t, cfg.min_runs);
                });
            }
        }
        // Oldest first: a component not seen for a while has unmounted.
        crate::model::bounded::evict_oldest(&mut self.tallies, MAX_TRACKED, |t| t.last_t);
    }
}

/// Findings about requests an effect's avoidable re-runs sent (their duplicates, a
/// "poll" that is the effect re-running with each render of a ticking parent) name
/// that effect: its component in their evidence, and `sent_by`, so one cause reads
/// as one wherever the developer looks first. (On the copies the engine hands out.)
pub fn credit(findings: &mut [Finding]) {
    let effects: Vec<(Vec<u64>, Vec<String>, String)> = findings
        .iter()
        .filter(|f| f.detector == ID && !f.evidence.requests.is_empty())
        .map(|f| {
            let hook = match (f.metrics.get("hook"), f.evidence.components.first()) {
                (Some(Metric::Text(h)), Some(c)) => format!("{} in {c}", h.split(" #").next().unwrap_or(h)),
                _ => "an effect".to_string(),
            };
            (
                f.evidence.requests.clone(),
                f.evidence.components.clone(),
                if f.metrics.contains_key("dependency") {
                    format!("{hook}, re-running for a dependency of the same content ({ID})")
                } else {
                    format!("{hook}, running after every render without a dependency array ({ID})")
                },
            )
        })
        .collect();
    if effects.is_empty() {
        return;
    }
    for f in findings.iter_mut().filter(|f| f.detector != ID) {
        let Some((_, components, by)) = effects
            .iter()
            .find(|(ids, _, _)| f.evidence.requests.iter().any(|r| ids.contains(r)))
        else {
            continue;
        };
        for c in components {
            if !f.evidence.components.contains(c) {
                f.evidence.components.push(c.clone());
            }
        }
        f.metrics.insert("sent_by".into(), Metric::Text(by.clone()));
    }
}

/// What the avoidable runs did: sent requests, set state, or both (each once it
/// happened `min_runs` times).
fn consequence(t: &Tally, min_runs: u64) -> String {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let sent = (t.sending >= min_runs).then(|| format!("sending {}", plural(t.requests, "request", "requests")));
    let set = (t.updating >= min_runs).then(|| {
        format!(
            "setting state as it ran ({})",
            plural(t.updating, "more render", "more renders")
        )
    });
    match (sent, set) {
        (Some(a), Some(b)) => format!("{a} and {b}"),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => String::new(),
    }
}

/// What the changed dependency is, from the page's preview of it.
fn what(preview: &str) -> &'static str {
    if preview.starts_with('ƒ') {
        "function"
    } else if preview.starts_with('[') {
        "array"
    } else if preview.starts_with('<') {
        "element"
    } else {
        "object"
    }
}

fn advice(name: &str, t: &Tally, min_runs: u64) -> String {
    let e = &t.last;
    let source = if e.source.is_empty() {
        String::new()
    } else {
        format!(" The effect starts `{}`.", e.source)
    };
    if e.dep.is_none() {
        return format!(
            "An effect without a dependency array runs after every render of `{name}`, and each run here does work that renders again or goes to the network. List what it reads as its dependencies (`[]` to run once, when the component mounts), or fetch through a data library that caches by key (React Query, SWR).{source}"
        );
    }
    let made = match t.owner.as_deref() {
        Some(o) => format!("in `{name}` (or in `{o}`, when it comes from there as a prop)"),
        None => format!("in `{name}`"),
    };
    let fix = match e.dep.map(|_| what(&e.to)) {
        Some("function") => "wrap it in useCallback where it is made",
        Some("array") | Some("object") => {
            "make it with useMemo where it is made, or list its primitive fields as the dependencies instead"
        }
        _ => "memoize it where it is made (useMemo, useCallback), or depend on primitive values",
    };
    let derive = if t.updating >= min_runs {
        " An effect that only computes state from its inputs is better a value computed during render (useMemo): no effect, no second render."
    } else {
        ""
    };
    format!(
        "The effect runs again whenever a dependency changes identity, and this one is rebuilt {made} on every render: {fix}. Then the effect runs only when the values it uses change.{derive}{source}"
    )
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::model::event::{ComponentRenders, EffectRuns, Event, ReactRenders};
    use crate::model::finding::Severity;

    /// `n` windows of 200 ms, each with `OrderList` re-rendering and its effect
    /// re-running as `effect(i)` says.
    fn windows(n: usize, effect: impl Fn(usize) -> EffectRuns) -> Vec<Event> {
        (0..n)
            .map(|i| {
                let t = 1_000.0 + i as f64 * 200.0;
                Event::ReactRenders(ReactRenders {
                    t,
                    t_end: t + 200.0,
                    commits: 1,
                    components: vec![ComponentRenders {
                        name: "OrderList".into(),
                        renders: 1,
                        commits: 1,
                        props: 1,
                        owner: Some("Orders".into()),
                        effects: vec![effect(i)],
                        ..Default::default()
                    }],
                    ..Default::default()
                })
            })
            .collect()
    }

    fn refetch(i: usize) -> EffectRuns {
        EffectRuns {
            index: 3,
            kind: "useEffect".into(),
            runs: 1,
            same: 1,
            dep: Some(0),
            from: "{status, page}".into(),
            to: "{status, page}".into(),
            source: "() => { fetch(`/api/orders?status=${filters.status}`)…".into(),
            requests: 1,
            request_ids: vec![i as u64 + 1],
            updates: 0,
            urls: vec![],
        }
    }

    #[test]
    fn an_effect_refetching_on_every_render_for_a_new_object() {
        let f = run_events(&windows(5, refetch));
        let f = f.iter().find(|f| f.detector == super::ID).expect("reported");
        assert_eq!(
            f.title,
            "useEffect in OrderList re-ran 5 times with dependencies of the same content, sending 5 requests: dependency 0 (`{status, page}`) is a new object on every render"
        );
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(
            f.evidence.components,
            vec!["OrderList".to_string(), "Orders".to_string()]
        );
        assert!(f.advice.contains("useMemo"), "{}", f.advice);
        assert!(f.advice.contains("fetch(`/api/orders"), "{}", f.advice);
    }

    #[test]
    fn the_finding_names_the_requests_by_the_engines_ids_and_their_urls() {
        let mut k = Kit::new();
        // The page's request ids start past the engine's (a beacon before, say).
        for (i, e) in windows(4, refetch).into_iter().enumerate() {
            let page_id = 100 + i as u64 + 1;
            k.request(
                page_id,
                "GET",
                &format!("http://127.0.0.1:5173/api/orders?status=open&n={i}"),
                1_050.0 + i as f64 * 200.0,
                1_052.0 + i as f64 * 200.0,
            );
            let Event::ReactRenders(mut r) = e else { unreachable!() };
            // And one the engine never saw (the page's ring dropped it): left out.
            r.components[0].effects[0].request_ids = vec![page_id, 999];
            k.engine.ingest(Event::ReactRenders(r));
        }
        let f = k.only(super::ID);
        let ids: Vec<u64> = k.engine.requests().map(|r| r.id).collect();
        assert_eq!(f.evidence.requests, ids);
        assert_eq!(f.evidence.urls.len(), 4);
        assert!(
            f.evidence.urls.iter().all(|u| u.contains("/api/orders?status=open")),
            "{:?}",
            f.evidence.urls
        );
    }

    #[test]
    fn the_same_requests_other_findings_name_the_effect_that_sent_them() {
        let mut k = Kit::new();
        // The effect refetches the same URL on every tick of a parent's 1 s clock.
        for (i, e) in windows(6, refetch).into_iter().enumerate() {
            let page_id = i as u64 + 1;
            let at = 1_000.0 + i as f64 * 1_000.0;
            k.request(
                page_id,
                "GET",
                "http://127.0.0.1:5173/api/orders?status=open",
                at,
                at + 2.0,
            );
            let Event::ReactRenders(mut r) = e else { unreachable!() };
            r.t = at;
            r.t_end = at + 200.0;
            r.components[0].effects[0].request_ids = vec![page_id];
            k.engine.ingest(Event::ReactRenders(r));
        }
        let all = k.engine.findings();
        let others: Vec<_> = all
            .iter()
            .filter(|f| f.detector != super::ID && !f.evidence.requests.is_empty())
            .collect();
        assert!(
            !others.is_empty(),
            "the requests are found as a loop or copies too: {all:?}"
        );
        for f in others {
            assert_eq!(
                f.metrics.get("sent_by"),
                Some(&crate::model::finding::Metric::Text(
                    "useEffect in OrderList, re-running for a dependency of the same content (effect-rerun)".into()
                )),
                "{f:?}"
            );
            assert!(f.evidence.components.contains(&"OrderList".to_string()));
        }
    }

    #[test]
    fn an_effect_without_a_dependency_array_that_fetches_is_named() {
        let f = run_events(&windows(25, |i| EffectRuns {
            dep: None,
            from: String::new(),
            to: String::new(),
            source: "() => { fetch('/api/orders').then((r) => r.json()).then(setOrders); }".into(),
            ..refetch(i)
        }));
        let f = f.iter().find(|f| f.detector == super::ID).expect("reported");
        assert_eq!(
            f.title,
            "useEffect in OrderList has no dependency array: it re-ran after 25 renders, sending 25 requests"
        );
        assert_eq!(f.severity, Severity::Error, "25 requests in 5 s: a loop");
        assert!(f.advice.contains("`[]` to run once"), "{}", f.advice);
    }

    #[test]
    fn a_function_dependency_asks_for_use_callback() {
        let f = run_events(&windows(4, |i| EffectRuns {
            to: "ƒ onLoad()".into(),
            from: "ƒ onLoad()".into(),
            ..refetch(i)
        }));
        let f = f.iter().find(|f| f.detector == super::ID).expect("reported");
        assert!(
            f.title
                .ends_with("dependency 0 (`ƒ onLoad()`) is a new function on every render"),
            "{}",
            f.title
        );
        assert!(f.advice.contains("useCallback"), "{}", f.advice);
    }

    #[test]
    fn an_effect_setting_state_from_a_new_array_each_render() {
        let f = run_events(&windows(4, |i| EffectRuns {
            kind: "useEffect".into(),
            dep: Some(1),
            from: "[12 items]".into(),
            to: "[12 items]".into(),
            requests: 0,
            request_ids: vec![],
            updates: 1,
            ..refetch(i)
        }));
        let f = f.iter().find(|f| f.detector == super::ID).expect("reported");
        assert_eq!(
            f.title,
            "useEffect in OrderList re-ran 4 times with dependencies of the same content, setting state as it ran (4 more renders): dependency 1 (`[12 items]`) is a new array on every render"
        );
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.advice.contains("computed during render"), "{}", f.advice);
        // Sending too: both said.
        let f = run_events(&windows(4, |i| EffectRuns {
            updates: 1,
            ..refetch(i)
        }));
        let f = f.iter().find(|f| f.detector == super::ID).unwrap();
        assert!(
            f.title
                .contains("sending 4 requests and setting state as it ran (4 more renders)"),
            "{}",
            f.title
        );
    }

    #[test]
    fn a_refetch_loop_is_an_error() {
        // 25 requests in 5 s.
        let f = run_events(&windows(25, refetch));
        let f = f.iter().find(|f| f.detector == super::ID).expect("reported");
        assert_eq!(f.severity, Severity::Error);
        // Spread over minutes, the same count stays a warning.
        let spread: Vec<Event> = windows(25, refetch)
            .into_iter()
            .enumerate()
            .map(|(i, e)| match e {
                Event::ReactRenders(mut r) => {
                    r.t += i as f64 * 5_000.0;
                    r.t_end += i as f64 * 5_000.0;
                    Event::ReactRenders(r)
                }
                e => e,
            })
            .collect();
        let f = run_events(&spread);
        assert_eq!(
            f.iter().find(|f| f.detector == super::ID).unwrap().severity,
            Severity::Warning
        );
    }

    #[test]
    fn runs_that_sent_nothing_stay_quiet() {
        // A library syncing options it was given inline (TanStack Query's
        // `observer.setOptions`): re-runs with the same content, no request.
        let f = run_events(&windows(40, |i| EffectRuns {
            requests: 0,
            request_ids: vec![],
            updates: 0,
            ..refetch(i)
        }));
        assert!(f.iter().all(|f| f.detector != super::ID), "{f:?}");
    }

    #[test]
    fn mostly_real_changes_stay_quiet() {
        // Sent with each real change of the search text; a few renders in between
        // rebuilt an equal object.
        let f = run_events(&windows(6, |i| EffectRuns {
            runs: 4,
            same: 1,
            ..refetch(i)
        }));
        assert!(f.iter().all(|f| f.detector != super::ID), "{f:?}");
    }

    #[test]
    fn two_runs_are_not_yet_a_pattern() {
        let f = run_events(&windows(2, refetch));
        assert!(f.iter().all(|f| f.detector != super::ID), "{f:?}");
    }
}
