//! # long-task
//!
//! ## What it detects
//! Long animation frames over 50 ms (`PerformanceObserver` type
//! `long-animation-frame`; plain `longtask` entries where that is missing), grouped
//! by the script that took most of the frame. Each says how long input was blocked,
//! which scripts ran (source URL, function, character position, and what invoked
//! them, such as `BUTTON#save.onclick` or `TimerHandler:setTimeout`), and how much
//! style and layout the scripts forced; over 30 ms of that is layout thrashing.
//!
//! ## Why it matters
//! While a frame runs, the page cannot respond: clicks and keys wait, animations
//! stutter. The audits' "event-loop lag" is this, measured.
//!
//! ## Example
//! `save` in `/static/editor.js` (invoked by `BUTTON#save.onclick`) blocked input for
//! 210 ms, 3 times; 64 ms of it forced style and layout (layout thrashing).
//!
//! Evidence: the scripts that ran (their URLs, and `url @ char N (function)`
//! positions), or the page when the frame names none.
//!
//! ## Thresholds
//! - `min_ms` (50): frames (or tasks) longer than this are reported, when they
//!   blocked input at all: a long frame made only of short tasks (blocking 0 ms) is
//!   not, unless it thrashed layout.
//! - `warning_blocking_ms` (50), `error_blocking_ms` (150): input blocked this long
//!   makes it a warning, an error; info below.
//! - `thrashing_ms` (30): forced style and layout over this is called layout
//!   thrashing (a warning).
//!
//! A script file's own evaluation (the task invoked by its URL; not an inline
//! script) served from a local development host (`dev-build-in-production`'s
//! list) that blocked input under `error_blocking_ms` is information, and says so:
//! a development bundle evaluates several times slower than the production build.
//! Longer, it is long in any build.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::model::event::{Event, ReactRenders, TaskScript};
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;
use std::collections::VecDeque;

thresholds!(LongTaskConfig {
    /// Frames (or tasks) longer than this are reported.
    min_ms: f64 = 50.0,
    /// Input blocked this long makes it a warning, and this long an error.
    warning_blocking_ms: f64 = 50.0,
    error_blocking_ms: f64 = 150.0,
    /// Forced style and layout over this is layout thrashing (a warning).
    thrashing_ms: f64 = 30.0,
});

pub const ID: &str = "long-task";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Long tasks",
    doc: include_str!(concat!(env!("OUT_DIR"), "/long_task.doc")),
    build: |c| {
        Box::new(LongTaskDetector {
            cfg: c.long_task.clone(),
            local_suffixes: c.dev_build_in_production.local_suffixes.clone(),
            requests: VecDeque::new(),
            popped: 0,
            index: Default::default(),
            renders: VecDeque::new(),
        })
    },
};

/// Requests and React render windows remembered, to say what overlapped a task.
const MAX_RECENT: usize = 500;

pub struct LongTaskDetector {
    cfg: LongTaskConfig,
    /// Hosts taken as local development (`dev-build-in-production`'s list).
    local_suffixes: Vec<String>,
    /// (start, end, id, label) of recent requests; end is None while in flight.
    requests: VecDeque<(f64, Option<f64>, u64, String)>,
    /// Entries ever popped from the front of `requests`, and where each id kept
    /// there sits (as pushes counted from the first): a lookup per event, not a scan.
    popped: u64,
    index: crate::model::bounded::IdMap<u64>,
    /// (start, end, commits, busiest components) of recent React render windows.
    renders: VecDeque<(f64, f64, u32, Vec<String>)>,
}

impl LongTaskDetector {
    fn remember_request(&mut self, req: &Request) {
        match self.index.get(&req.id) {
            Some(&at) => {
                if let Some(r) = self.requests.get_mut((at - self.popped) as usize) {
                    r.1 = req.end;
                }
            }
            None => {
                // Past the bound, the oldest's label buffer takes the newest's label (an
                // allocation and a free less per request), unless it is far too large.
                let text = req.endpoint_label();
                let mut label = String::new();
                if self.requests.len() >= MAX_RECENT {
                    if let Some(old) = self.requests.pop_front() {
                        self.index.remove(&old.2);
                        if old.3.capacity() <= 2 * text.len() + 64 {
                            label = old.3;
                        }
                    }
                    self.popped += 1;
                }
                text.clone_into(&mut label);
                self.index.insert(req.id, self.popped + self.requests.len() as u64);
                self.requests.push_back((req.start, req.end, req.id, label));
            }
        }
    }

    fn remember_renders(&mut self, r: &ReactRenders) {
        if r.commits == 0 {
            return;
        }
        if self.renders.len() >= MAX_RECENT {
            self.renders.pop_front();
        }
        let mut busiest: Vec<_> = r.components.iter().filter(|c| c.renders > c.mounts).collect();
        crate::model::sort::sort_by_key(&mut busiest, |c| std::cmp::Reverse(c.renders));
        let names = busiest.iter().take(3).map(|c| c.name.clone()).collect();
        self.renders.push_back((r.t, r.t_end, r.commits, names));
    }
}

fn script_label(s: &TaskScript) -> String {
    let func = if s.function.is_empty() {
        "(anonymous)"
    } else {
        s.function.as_str()
    };
    let file = crate::model::urls::short(&s.url);
    if s.url.is_empty() {
        func.to_string()
    } else {
        format!("{func} in {file}")
    }
}

/// `url @ char N (function)`, the position LoAF gives (a character offset, not a line).
fn source(s: &TaskScript) -> Option<String> {
    if s.url.is_empty() {
        return None;
    }
    let pos = if s.char >= 0 {
        format!(" @ char {}", s.char)
    } else {
        String::new()
    };
    let func = if s.function.is_empty() {
        String::new()
    } else {
        format!(" ({})", s.function)
    };
    Some(format!("{}{pos}{func}", s.url))
}

impl Detector for LongTaskDetector {
    fn on_start(&mut self, req: &Request, _page: &PageState, _out: &mut Findings) {
        self.remember_request(req);
    }

    fn on_settled(&mut self, req: &Request, _page: &PageState, _out: &mut Findings) {
        self.remember_request(req);
    }

    fn on_page(&mut self, event: &Event, page: &PageState, out: &mut Findings) {
        if let Event::ReactRenders(r) = event {
            self.remember_renders(r);
        }
        let Event::LongTask(task) = event else { return };
        let (from, to) = (task.t, task.t + task.duration);
        // What overlapped it: requests in flight, and React render windows.
        let overlapping: Vec<&(f64, Option<f64>, u64, String)> = self
            .requests
            .iter()
            .filter(|r| r.0 < to && r.1.is_none_or(|end| end > from))
            .collect();
        let react: Vec<&(f64, f64, u32, Vec<String>)> =
            self.renders.iter().filter(|w| w.0 < to && w.1 > from).collect();
        let cfg = &self.cfg;
        if task.duration <= cfg.min_ms {
            return;
        }
        // A plain long task blocks input for what exceeds 50 ms (the Long Tasks definition).
        let blocking = task.blocking.unwrap_or(task.duration - 50.0).max(0.0);
        // A long frame made only of short tasks kept no input waiting (its blocking
        // duration is 0): nothing to fix, unless its scripts forced layout over and over.
        if blocking < 1.0 && task.forced_layout <= cfg.thrashing_ms {
            return;
        }
        let top = task.scripts.iter().max_by(|a, b| a.duration.total_cmp(&b.duration));
        let (key, culprit) = match top {
            Some(s) => (format!("{} {} {}", s.url, s.function, s.invoker), script_label(s)),
            None => ("unattributed".to_string(), "Script without attribution".to_string()),
        };
        let invoker = top.map(|s| s.invoker.clone()).filter(|i| !i.is_empty());
        // A script's own evaluation (invoked by its URL) from a local development
        // server: a development bundle, unminified and checking everything, evaluates
        // several times slower than the production build.
        // (Not an inline script, whose URL is the document's: that is the page's own code.)
        let dev_evaluation = top.is_some_and(|s| {
            !s.url.is_empty()
                && s.invoker == s.url
                && s.url != page.url
                && s.url != page.current_url()
                && super::dev_build_in_production::local_url(&s.url, &self.local_suffixes)
        });
        out.upsert(ID, &key, task.t, |f| {
            f.count += 1;
            for s in &task.scripts {
                if let Some(src) = source(s) {
                    f.evidence.add_source(&src);
                }
                if !s.url.is_empty() {
                    f.evidence.add_url(&s.url);
                }
            }
            // Nothing named: at least the page it happened on.
            if f.evidence.urls.is_empty() && !page.current_url().is_empty() {
                f.evidence.add_url(page.current_url());
            }
            f.raise("longest_ms", task.duration);
            let worst_blocking = f.raise("blocking_ms", blocking);
            let thrash = f.raise("forced_layout_ms", task.forced_layout);
            if let Some(i) = &invoker {
                f.metrics.insert("invoker".into(), Metric::Text(i.clone()));
            }
            for r in &overlapping {
                f.evidence.add_request(r.2);
            }
            if !overlapping.is_empty() {
                let mut labels: Vec<&str> = overlapping.iter().map(|r| r.3.as_str()).collect();
                labels.dedup();
                labels.truncate(5);
                f.metrics.insert(
                    "requests_meanwhile".into(),
                    Metric::Text(format!("{}: {}", overlapping.len(), labels.join(", "))),
                );
            }
            if !react.is_empty() {
                let commits: u32 = react.iter().map(|w| w.2).sum();
                let mut names: Vec<&str> = react.iter().flat_map(|w| w.3.iter().map(String::as_str)).collect();
                crate::model::sort::sort_unstable(&mut names);
                names.dedup();
                names.truncate(5);
                for n in &names {
                    if !f.evidence.components.iter().any(|c| c == n) && f.evidence.components.len() < 10 {
                        f.evidence.components.push(n.to_string());
                    }
                }
                let who = if names.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", names.join(", "))
                };
                f.metrics.insert(
                    "react_commits_meanwhile".into(),
                    Metric::Text(format!("{commits}{who}")),
                );
            }
            // Input waits only for the blocking part: a long frame that barely blocks is informational.
            f.severity = if worst_blocking >= cfg.error_blocking_ms {
                Severity::Error
            } else if worst_blocking >= cfg.warning_blocking_ms || thrash > cfg.thrashing_ms {
                Severity::Warning
            } else {
                Severity::Info
            };
            // Under `error_blocking_ms`, such an evaluation is the dev server's: information
            // that says so. Longer, it is long in any build.
            let dev_note = dev_evaluation && worst_blocking < cfg.error_blocking_ms;
            if dev_note {
                f.severity = f.severity.min(Severity::Info);
                f.metrics.insert("local_dev".into(), Metric::Flag(true));
            } else {
                f.metrics.remove("local_dev");
            }
            let times = if f.count > 1 {
                format!(", {} times", f.count)
            } else {
                String::new()
            };
            let by = invoker
                .as_deref()
                .map(|i| format!(" (invoked by {i})"))
                .unwrap_or_default();
            let mut title = format!(
                "{culprit}{by} blocked the main thread for {} ms{times}",
                worst_blocking.round()
            );
            if thrash > cfg.thrashing_ms {
                title.push_str(&format!(
                    "; {} ms forced style and layout (layout thrashing)",
                    thrash.round()
                ));
            }
            if dev_note {
                title.push_str(" (evaluating a local development build: check the production build)");
            }
            f.title = title;
            f.advice = if thrash > cfg.thrashing_ms {
                "Stop interleaving DOM reads (offsetHeight, getBoundingClientRect) with writes in a loop: read \
                 everything first, then write, or batch writes in requestAnimationFrame."
            } else {
                "Break the work up (yield with `scheduler.yield()` or `setTimeout`), move it off the main thread \
                 (a Web Worker), or do less of it: memoize, virtualize long lists, defer what is not visible."
            }
            .into();
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::model::event::{Event, LongTask, TaskScript};

    fn task(t: &mut Kit, at: f64, duration: f64, blocking: f64, forced: f64) {
        t.engine.ingest(Event::LongTask(LongTask {
            t: at,
            duration,
            blocking: Some(blocking),
            forced_layout: forced,
            scripts: vec![TaskScript {
                url: "http://h/static/editor.js".into(),
                function: "save".into(),
                char: 120,
                invoker: "BUTTON#save.onclick".into(),
                duration: duration - 5.0,
                forced_layout: forced,
            }],
        }));
    }

    #[test]
    fn a_long_frame_names_its_script_and_invoker() {
        let mut t = Kit::new();
        task(&mut t, 0.0, 260.0, 210.0, 0.0);
        task(&mut t, 1000.0, 120.0, 70.0, 0.0);
        let f = t.only("long-task");
        assert_eq!(f.count, 2);
        assert_eq!(f.severity, crate::Severity::Error);
        assert!(f.title.starts_with("save in /static/editor.js (invoked by BUTTON#save.onclick) blocked the main thread for 210 ms, 2 times"), "{}", f.title);
        assert_eq!(
            f.evidence.sources,
            vec!["http://h/static/editor.js @ char 120 (save)".to_string()]
        );
        assert_eq!(f.evidence.urls, vec!["http://h/static/editor.js"]);
    }

    #[test]
    fn an_unattributed_task_names_its_page_and_thresholds_come_from_the_config() {
        let mut cfg = crate::Config::default();
        cfg.long_task.min_ms = 100.0;
        let mut t = Kit::with(cfg);
        t.engine.ingest(Event::Page(crate::model::event::PageInfo {
            t: 0.0,
            url: "http://h/editor".into(),
        }));
        let plain = |at: f64, duration: f64| {
            Event::LongTask(LongTask {
                t: at,
                duration,
                blocking: None,
                forced_layout: 0.0,
                scripts: vec![],
            })
        };
        t.engine.ingest(plain(10.0, 90.0));
        t.assert_none("long-task");
        t.engine.ingest(plain(500.0, 180.0));
        let f = t.only("long-task");
        assert_eq!(f.evidence.urls, vec!["http://h/editor"]);
        assert_eq!(f.severity, crate::Severity::Warning);
    }

    #[test]
    fn forced_layout_over_30_ms_is_called_thrashing() {
        let mut t = Kit::new();
        task(&mut t, 0.0, 90.0, 40.0, 64.0);
        let f = t.only("long-task");
        assert_eq!(f.severity, crate::Severity::Warning);
        assert!(
            f.title.contains("64 ms forced style and layout (layout thrashing)"),
            "{}",
            f.title
        );
    }

    #[test]
    fn requests_and_react_commits_that_overlapped_it_are_named() {
        use crate::model::event::{ComponentRenders, ReactRenders};
        let mut t = Kit::new();
        t.start(1, "GET", "http://h/api/feed", 0.0);
        t.start(2, "GET", "http://h/api/later", 900.0);
        t.engine.ingest(Event::ReactRenders(ReactRenders {
            t: 50.0,
            t_end: 250.0,
            commits: 3,
            components: vec![ComponentRenders {
                name: "Feed".into(),
                renders: 3,
                commits: 3,
                state: 3,
                ..ComponentRenders::default()
            }],
            ..ReactRenders::default()
        }));
        task(&mut t, 100.0, 260.0, 210.0, 0.0);
        let f = t.only("long-task");
        assert_eq!(f.evidence.requests.len(), 1);
        assert_eq!(
            f.metrics.get("requests_meanwhile"),
            Some(&crate::model::finding::Metric::Text("1: GET /api/feed".into()))
        );
        assert_eq!(
            f.metrics.get("react_commits_meanwhile"),
            Some(&crate::model::finding::Metric::Text("3 (Feed)".into()))
        );
        assert_eq!(f.evidence.components, vec!["Feed"]);
    }

    #[test]
    fn a_local_development_bundle_evaluating_is_information_unless_very_long() {
        let evaluation = |t: &mut Kit, url: &str, at: f64, blocking: f64| {
            t.engine.ingest(Event::LongTask(LongTask {
                t: at,
                duration: blocking + 50.0,
                blocking: Some(blocking),
                forced_layout: 0.0,
                scripts: vec![TaskScript {
                    url: url.into(),
                    function: String::new(),
                    char: 0,
                    invoker: url.into(),
                    duration: blocking + 45.0,
                    forced_layout: 0.0,
                }],
            }));
        };
        // React's development build evaluating and mounting from a Vite dev server.
        let mut t = Kit::new();
        evaluation(&mut t, "http://localhost:5173/src/main.tsx", 0.0, 60.0);
        let f = t.only("long-task");
        assert_eq!(f.severity, crate::Severity::Info);
        assert!(
            f.title
                .ends_with("(evaluating a local development build: check the production build)"),
            "{}",
            f.title
        );
        // The same from a deployed site, or far longer locally, is long in any build.
        let mut t = Kit::new();
        evaluation(&mut t, "https://app.example.com/assets/index-4f2a.js", 0.0, 60.0);
        assert_eq!(t.only("long-task").severity, crate::Severity::Warning);
        let mut t = Kit::new();
        evaluation(&mut t, "http://localhost:5173/src/main.tsx", 0.0, 400.0);
        let f = t.only("long-task");
        assert_eq!(f.severity, crate::Severity::Error);
        assert!(!f.title.contains("development"), "{}", f.title);
        // A click handler on a local page is the page's own work: a warning.
        let mut t = Kit::new();
        t.engine.ingest(Event::LongTask(LongTask {
            t: 0.0,
            duration: 120.0,
            blocking: Some(70.0),
            forced_layout: 0.0,
            scripts: vec![TaskScript {
                url: "http://localhost:5173/src/main.tsx".into(),
                function: "save".into(),
                char: 120,
                invoker: "BUTTON#save.onclick".into(),
                duration: 115.0,
                forced_layout: 0.0,
            }],
        }));
        assert_eq!(t.only("long-task").severity, crate::Severity::Warning);
    }

    #[test]
    fn near_miss_short_frames_are_quiet_and_barely_blocking_ones_informational() {
        let mut t = Kit::new();
        task(&mut t, 0.0, 48.0, 0.0, 0.0);
        t.assert_none("long-task");
        // A long frame of short tasks blocked nothing: it is no long task.
        task(&mut t, 50.0, 90.0, 0.0, 0.0);
        t.assert_none("long-task");
        task(&mut t, 100.0, 70.0, 10.0, 0.0);
        assert_eq!(t.only("long-task").severity, crate::Severity::Info);
    }
}
