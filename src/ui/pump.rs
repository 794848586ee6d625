//! The panel's work queue. Whatever the page and DevTools send is queued here and
//! done in slices of at most `SLICE_MS`, with the event loop free in between (input,
//! redraws, other messages), so a flood never blocks the panel's main thread: big
//! batches are ingested a few hundred events at a time (`Live::step`), and jobs run
//! in arrival order, each after the events queued before it are in.

use super::state::{now_ms, read_live, with_live};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Work done before yielding to the event loop (milliseconds).
const SLICE_MS: f64 = 12.0;
/// Events ingested between two looks at the clock.
const EVENTS_PER_CHECK: usize = 64;

type Job = Box<dyn FnOnce()>;

thread_local! {
    static JOBS: RefCell<VecDeque<Job>> = RefCell::new(VecDeque::new());
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// Queues `job` after everything queued so far.
pub fn push(job: impl FnOnce() + 'static) {
    JOBS.with(|j| j.borrow_mut().push_back(Box::new(job)));
    schedule();
}

/// Jobs waiting (for tests and the status line).
pub fn pending() -> usize {
    JOBS.with(|j| j.borrow().len()) + read_live(|l| l.backlog_len())
}

fn schedule() {
    if SCHEDULED.with(|s| s.replace(true)) {
        return;
    }
    let cb = Closure::once_into_js(run);
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 0);
    }
}

fn run() {
    SCHEDULED.with(|s| s.set(false));
    let deadline = now_ms() + SLICE_MS;
    loop {
        if read_live(|l| l.busy()) {
            let more = with_live(|l| {
                while l.step(EVENTS_PER_CHECK) {
                    if now_ms() >= deadline {
                        return true;
                    }
                }
                false
            });
            if more {
                break;
            }
        }
        if now_ms() >= deadline {
            break;
        }
        let Some(job) = JOBS.with(|j| j.borrow_mut().pop_front()) else {
            return;
        };
        job();
    }
    schedule();
}
