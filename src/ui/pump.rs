//! The panel's work queue. Whatever the page and DevTools send is queued here and
//! done in slices of at most `SLICE_MS`, with the event loop free in between (input,
//! redraws, other messages), so a flood never blocks the panel's main thread: big
//! batches are ingested a few hundred events at a time (`Live::step`), and jobs run
//! in arrival order, each after the events queued before it are in.
//!
//! Slices run as background-priority tasks (`scheduler.postTask`) where the browser
//! has them: a flood of page messages then costs the panel's other tasks (input,
//! timers, redraws, the messages themselves) no waiting behind our ingestion, which
//! catches up in the time left over. Traced on the hostile page, the panel's worst
//! stalls were hundreds of messages queued behind ingestion slices, not one long
//! task. So that a busy thread cannot starve the queue, a slice also runs at normal
//! priority once `MAX_DEFER_MS` have passed without one.

use super::state::{now_ms, read_live, with_live};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Work done before yielding to the event loop (milliseconds).
const SLICE_MS: f64 = 8.0;
/// Events ingested between two looks at the clock.
const EVENTS_PER_CHECK: usize = 64;
/// The longest the queue waits for a background slot before a slice runs anyway.
const MAX_DEFER_MS: i32 = 250;

type Job = Box<dyn FnOnce()>;

thread_local! {
    static JOBS: RefCell<VecDeque<Job>> = RefCell::new(VecDeque::new());
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// Which schedule a callback belongs to: of its background task and its
    /// fallback timer, only the first to run does a slice.
    static TICKET: Cell<u32> = const { Cell::new(0) };
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
    let ticket = TICKET.with(|t| {
        t.set(t.get().wrapping_add(1));
        t.get()
    });
    let Some(w) = web_sys::window() else {
        return;
    };
    let background = post_background(&w, ticket);
    let fallback = Closure::once_into_js(move || run_ticket(ticket));
    let delay = if background { MAX_DEFER_MS } else { 0 };
    let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(fallback.unchecked_ref(), delay);
}

/// Posts a slice as a background-priority task; false where there is no `scheduler.postTask`.
fn post_background(w: &web_sys::Window, ticket: u32) -> bool {
    use js_sys::{Function, Object, Reflect};
    let Ok(scheduler) = Reflect::get(w, &"scheduler".into()) else {
        return false;
    };
    let Some(post) = Reflect::get(&scheduler, &"postTask".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return false;
    };
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"priority".into(), &"background".into());
    let cb = Closure::once_into_js(move || run_ticket(ticket));
    // The promise it returns rejects only if the task is aborted, which we never do.
    post.call2(&scheduler, &cb, &opts).is_ok()
}

fn run_ticket(ticket: u32) {
    if SCHEDULED.with(Cell::get) && TICKET.with(Cell::get) == ticket {
        run();
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
