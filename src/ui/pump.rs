//! The panel's work queue. Whatever the page and DevTools send is queued here and
//! done in slices of at most `SLICE_MS`, with the event loop free in between (input,
//! redraws, other messages), so a flood never blocks the panel's main thread: big
//! batches are ingested a few hundred events at a time (`Live::step`), and jobs run
//! in arrival order, each after the events queued before it are in.

use super::state::{now_ms, Panel};
use gloo_timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

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
}

impl Panel {
    /// Queues `job` after everything queued so far.
    pub fn push(&self, job: impl FnOnce(&Panel) + 'static) {
        let jobs = &self.state().jobs;
        jobs.queue.borrow_mut().push_back(Box::new(job));
        if jobs.running.replace(true) {
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
