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
//! ## Thresholds
//! - frames over 50 ms; info below 50 ms of blocking, a warning from 50 ms (or
//!   with layout thrashing), an error from 150 ms.
//! - forced style and layout over 30 ms is called layout thrashing.

use super::{Detector, DetectorInfo, Findings, PageState};
use crate::event::{Event, TaskScript};
use crate::finding::{Metric, Severity};

pub const ID: &str = "long-task";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Long tasks",
    doc: include_str!("long_task.rs"),
    build: |_| Box::new(LongTaskDetector),
};

const MIN_MS: f64 = 50.0;
const WARNING_BLOCKING_MS: f64 = 50.0;
const ERROR_BLOCKING_MS: f64 = 150.0;
const THRASHING_MS: f64 = 30.0;

pub struct LongTaskDetector;

fn script_label(s: &TaskScript) -> String {
    let func = if s.function.is_empty() {
        "(anonymous)"
    } else {
        s.function.as_str()
    };
    let file = crate::urls::short(&s.url);
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
    fn on_page(&mut self, event: &Event, _page: &PageState, out: &mut Findings) {
        let Event::LongTask(task) = event else { return };
        if task.duration <= MIN_MS {
            return;
        }
        let blocking = task.blocking.unwrap_or(task.duration - MIN_MS).max(0.0);
        let top = task.scripts.iter().max_by(|a, b| a.duration.total_cmp(&b.duration));
        let (key, culprit) = match top {
            Some(s) => (format!("{} {} {}", s.url, s.function, s.invoker), script_label(s)),
            None => ("unattributed".to_string(), "Script without attribution".to_string()),
        };
        let invoker = top.map(|s| s.invoker.clone()).filter(|i| !i.is_empty());
        out.upsert(ID, &key, task.t, |f| {
            f.count += 1;
            for s in &task.scripts {
                if let Some(src) = source(s) {
                    f.evidence.add_source(&src);
                }
            }
            f.raise("longest_ms", task.duration);
            let worst_blocking = f.raise("blocking_ms", blocking);
            let thrash = f.raise("forced_layout_ms", task.forced_layout);
            if let Some(i) = &invoker {
                f.metrics.insert("invoker".into(), Metric::Text(i.clone()));
            }
            // Input waits only for the blocking part: a long frame that barely blocks is informational.
            f.severity = if worst_blocking >= ERROR_BLOCKING_MS {
                Severity::Error
            } else if worst_blocking >= WARNING_BLOCKING_MS || thrash > THRASHING_MS {
                Severity::Warning
            } else {
                Severity::Info
            };
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
            if thrash > THRASHING_MS {
                title.push_str(&format!(
                    "; {} ms forced style and layout (layout thrashing)",
                    thrash.round()
                ));
            }
            f.title = title;
            f.advice = if thrash > THRASHING_MS {
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
    use crate::event::{Event, LongTask, TaskScript};

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
    fn near_miss_short_frames_are_quiet_and_barely_blocking_ones_informational() {
        let mut t = Kit::new();
        task(&mut t, 0.0, 48.0, 0.0, 0.0);
        t.assert_none("long-task");
        task(&mut t, 100.0, 70.0, 10.0, 0.0);
        assert_eq!(t.only("long-task").severity, crate::Severity::Info);
    }
}
