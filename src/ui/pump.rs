//! The panel's work queue. Whatever the page and DevTools send is queued here and
//! done in slices of at most `SLICE_MS`, with the event loop free in between (input,
//! redraws, other messages), so a flood never blocks the panel's main thread: big
//! batches are ingested a few hundred events at a time (`Live::step`), and jobs run
//! in arrival order, each after the events queued before it are in.
//!
//! `report_value` writes the report (`window.stormwatch.report()`) the same way: a
//! few hundred events of its log at a time, between frames, with the queue held
//! meanwhile so the session it describes does not change under it.

use super::state::{now_ms, Panel};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Reflect, JSON};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use wasm_bindgen::{JsCast, JsValue};

/// Work done before yielding to the event loop (milliseconds).
const SLICE_MS: f64 = 12.0;
/// Events ingested between two looks at the clock.
const EVENTS_PER_CHECK: usize = 64;

type Job = Box<dyn FnOnce(&Panel)>;

/// The queue, in the panel's state.
#[derive(Default)]
pub struct Jobs {
    queue: RefCell<VecDeque<Job>>,
    /// Whether the loop that works through the queue is running.
    running: Cell<bool>,
    /// Reports being written (`report_value`): while any is, nothing is ingested.
    held: Cell<u32>,
}

/// Events of the log written into a report between two looks at the clock.
const REPORT_EVENTS_PER_CHECK: usize = 200;

/// The work queue held while a report is written; released when dropped.
struct Hold(Panel);

impl Drop for Hold {
    fn drop(&mut self) {
        let jobs = &self.0.state().jobs;
        jobs.held.set(jobs.held.get() - 1);
        if jobs.held.get() == 0 && self.0.pending() > 0 {
            self.0.start();
        }
    }
}

impl Panel {
    /// Queues `job` after everything queued so far.
    pub fn push(&self, job: impl FnOnce(&Panel) + 'static) {
        self.state().jobs.queue.borrow_mut().push_back(Box::new(job));
        self.start();
    }

    /// Starts the loop that works through the queue, unless it runs already.
    fn start(&self) {
        if self.state().jobs.running.replace(true) {
            return;
        }
        // One slice per timer turn (a zero timeout: after whatever else is queued).
        let panel = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                TimeoutFuture::new(0).await;
                if !panel.run_slice() {
                    break;
                }
            }
            panel.state().jobs.running.set(false);
        });
    }

    /// Jobs and events waiting (for tests and the status line).
    pub fn pending(&self) -> usize {
        self.state().jobs.queue.borrow().len() + self.read_live(|l| l.backlog_len())
    }

    /// Works for one slice; false when nothing is left.
    fn run_slice(&self) -> bool {
        if self.state().jobs.held.get() > 0 {
            return false; // `Hold` starts the loop again when it is released
        }
        let deadline = now_ms() + SLICE_MS;
        loop {
            if self.read_live(|l| l.busy()) {
                let more = self.with_live(|l| {
                    while l.step(EVENTS_PER_CHECK) {
                        if now_ms() >= deadline {
                            return true;
                        }
                    }
                    false
                });
                if more {
                    return true;
                }
            }
            if now_ms() >= deadline {
                return true;
            }
            let Some(job) = self.state().jobs.queue.borrow_mut().pop_front() else {
                return false;
            };
            job(self);
        }
    }
}

impl Panel {
    /// The report as `window.stormwatch.report()` returns it: the JSON Export saves
    /// (redacted), as a JavaScript object. It is written and parsed in slices of at
    /// most `SLICE_MS` with the event loop free in between: a session's log of tens
    /// of thousands of events took a few hundred milliseconds to write and parse in
    /// one go, all of it blocking the panel. The head (findings, stats, components)
    /// is one piece; the event log is written a few hundred events at a time, each
    /// piece parsed by the browser's `JSON.parse` into the report's `events` array.
    /// The pieces are exactly the text Export writes (`Report::plain_json_head`), so
    /// the object is the one `JSON.parse` of that text gives. The queue is held
    /// meanwhile (messages wait, they are not lost), and if the session changes
    /// anyway (Clear, new settings, `ingestBatch`) the report starts over.
    pub async fn report_value(&self) -> JsValue {
        use crate::live::redact_json_text;
        use crate::report::Report;
        let jobs = &self.state().jobs;
        jobs.held.set(jobs.held.get() + 1);
        let _hold = Hold(self.clone());
        let basis = |l: &crate::live::Live| (l.generation, l.engine.stats().events);
        let parse = |text: &str| JSON::parse(text).unwrap_or(JsValue::NULL);
        'again: loop {
            let (at, head, n) =
                self.read_live(|l| (basis(l), Report::plain_json_head(&l.engine), l.engine.events().count()));
            let Some(head) = head.strip_suffix('[') else {
                return parse(&redact_json_text(&head)); // an error text: nothing to add
            };
            let report = parse(&(redact_json_text(head) + "[]}"));
            let events = Array::new();
            let mut deadline = now_ms() + SLICE_MS;
            let mut from = 0;
            while from < n {
                if now_ms() >= deadline {
                    TimeoutFuture::new(0).await;
                    if self.read_live(|l| basis(l)) != at {
                        continue 'again;
                    }
                    deadline = now_ms() + SLICE_MS;
                }
                let to = (from + REPORT_EVENTS_PER_CHECK).min(n);
                let piece = self.read_live(|l| Report::events_json(&l.engine, from, to));
                let piece = redact_json_text(piece.strip_prefix(',').unwrap_or(&piece));
                // Serde's output, redacted: always an array (checked all the same).
                if let Ok(part) = parse(&format!("[{piece}]")).dyn_into::<Array>() {
                    for e in part.iter() {
                        events.push(&e);
                    }
                }
                from = to;
            }
            let _ = Reflect::set(&report, &JsValue::from_str("events"), &events);
            return report;
        }
    }
}

/// `window.stormwatch.report()`: a promise of the report (see `report_value`).
pub fn report_promise(panel: &Panel) -> js_sys::Promise {
    super::network::note_pauses(panel);
    let panel = panel.clone();
    wasm_bindgen_futures::future_to_promise(async move { Ok(panel.report_value().await) })
}
