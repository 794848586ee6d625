//! The panel's session and the signals the view reads. Messages are ingested as
//! they come (in slices, see `pump`); the view is refreshed at most every
//! `REFRESH_MS`, and less often when taking a snapshot gets expensive, so a flood
//! of batches costs one redraw per interval, not one per batch, and never
//! takes more than a small share of the main thread.

use crate::components::ComponentRow;
use crate::engine::Stats;
use crate::finding::Finding;
use crate::live::Live;
use crate::Config;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use wasm_bindgen::prelude::*;

const REFRESH_MS: f64 = 50.0;
/// The slowest the view refreshes under load (a refresh that took `c` ms waits `4 c`,
/// and a flood of events waits `LOAD_MS_PER_EVENT_S` per event a second).
const MAX_REFRESH_MS: f64 = 1_000.0;
/// Under a flood the redraws spread out with the event rate, not only with their own
/// cost: the panel shares the machine's cores with the page it watches, and a
/// redraw every 50 ms of a view that changes on every event is work the page pays
/// for (measured: most of a redraw's cost is the layout after it, which the `4 c`
/// rule does not see). 500 events a second wait 500 ms, 1,000 or more wait 1 s; a
/// quiet page still redraws within 50 ms.
const LOAD_MS_PER_EVENT_S: f64 = 1.0;
/// Findings listed (the list draws only the rows in view; the report has all).
pub const MAX_SHOWN: usize = 5_000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Newest activity first. Shared, not copied: every part of the view reads it.
    pub findings: Arc<Vec<Finding>>,
    pub total_findings: usize,
    pub stats: Stats,
    pub page_url: String,
    pub notice: Option<String>,
    pub status: String,
    /// React components, most renders first (at most `MAX_COMPONENTS_SHOWN`).
    pub components: Arc<Vec<ComponentRow>>,
    pub component_total: usize,
    pub commits: u64,
    /// Time the page hook spent counting renders, when there were any.
    pub hook_ms: Option<f64>,
    /// Fibers the page hook did not walk (its per-commit cap) and components not kept.
    pub fibers_skipped: u64,
    pub components_not_kept: u64,
    pub recording: bool,
}

/// Component rows listed (the table draws only the rows in view).
pub const MAX_COMPONENTS_SHOWN: usize = 1_000;

/// What the last snapshot was taken from, so unchanged parts are reused.
#[derive(Clone, Copy, PartialEq)]
struct Basis {
    generation: u32,
    version: u64,
    events: u64,
    commits: u64,
    components: usize,
}

thread_local! {
    static LIVE: RefCell<Live> = RefCell::new(Live::new(Config::default()));
    static SNAPSHOT: RefCell<Option<RwSignal<Snapshot>>> = const { RefCell::new(None) };
    static STATUS: RefCell<String> = RefCell::new("Starting…".to_string());
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    static SEEN: Cell<Option<(u32, u64, u64, u64)>> = const { Cell::new(None) };
    static BASIS: Cell<Option<Basis>> = const { Cell::new(None) };
    static LAST_REFRESH: Cell<f64> = const { Cell::new(0.0) };
    static NEXT_DELAY: Cell<f64> = const { Cell::new(REFRESH_MS) };
    /// Events counted at the last refresh, for the event rate.
    static LAST_EVENTS: Cell<u64> = const { Cell::new(0) };
}

pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

pub fn with_live<R>(f: impl FnOnce(&mut Live) -> R) -> R {
    let r = LIVE.with(|l| f(&mut l.borrow_mut()));
    schedule_refresh();
    r
}

/// Reads the session without scheduling a redraw (for views derived from it).
pub fn read_live<R>(f: impl FnOnce(&Live) -> R) -> R {
    LIVE.with(|l| f(&l.borrow()))
}

pub fn set_status(s: &str) {
    STATUS.with(|st| *st.borrow_mut() = s.to_string());
    SEEN.with(|v| v.set(None));
    schedule_refresh();
}

pub fn register(signal: RwSignal<Snapshot>) {
    SNAPSHOT.with(|s| *s.borrow_mut() = Some(signal));
    forget_basis();
    refresh_now();
}

fn snapshot(previous: &Snapshot) -> Snapshot {
    LIVE.with(|l| {
        let l = l.borrow();
        let components = l.engine.components();
        let basis = Basis {
            generation: l.generation,
            version: l.engine.version(),
            events: l.engine.stats().events,
            commits: components.commits,
            components: components.len(),
        };
        let before = BASIS.with(|b| b.replace(Some(basis)));
        let same = |f: fn(&Basis) -> (u32, u64, u64, usize)| before.as_ref().map(f) == Some(f(&basis));
        // Findings and component rows are only rebuilt when something changed (a
        // finding can change with the page's state, not only with its version, so
        // any new event counts); the adaptive refresh delay bounds the cost.
        let (findings, total_findings) = if same(|b| (b.generation, b.version, b.events, 0)) {
            (previous.findings.clone(), previous.total_findings)
        } else {
            let mut findings = l.engine.findings();
            let total = findings.len();
            findings.sort_by(|a, b| b.last_ms.total_cmp(&a.last_ms).then_with(|| a.key.cmp(&b.key)));
            findings.truncate(MAX_SHOWN);
            (Arc::new(findings), total)
        };
        let rows = if same(|b| (b.generation, b.commits, 0, b.components)) {
            previous.components.clone()
        } else {
            Arc::new(components.rows(MAX_COMPONENTS_SHOWN))
        };
        Snapshot {
            components: rows,
            component_total: components.len(),
            commits: components.commits,
            hook_ms: (components.commits > 0).then_some(components.hook_ms),
            fibers_skipped: components.skipped_fibers,
            recording: l.recording,
            components_not_kept: components.not_kept,
            findings,
            total_findings,
            stats: l.engine.stats().clone(),
            page_url: l.engine.page_url().to_string(),
            notice: l.notice.clone(),
            status: STATUS.with(|s| s.borrow().clone()) + &budget_note(&l),
        }
    })
}

/// What the session let go to stay inside its memory budget (the request ring, the
/// replay log bounded by bytes, the findings store), said after the status so a
/// user knows the report of a long flood is partial. Empty while nothing was.
fn budget_note(l: &Live) -> String {
    let stats = l.engine.stats();
    let kept = l.engine.requests().count() as u64;
    let mut parts = Vec::new();
    if stats.requests > kept {
        parts.push(format!(
            "{} oldest of {} requests let go",
            stats.requests - kept,
            stats.requests
        ));
    }
    if stats.events_not_logged > 0 {
        let mb = stats.log_bytes_dropped as f64 / 1_048_576.0;
        let size = if mb >= 0.1 {
            format!(" ({mb:.1} MB)")
        } else {
            String::new()
        };
        parts.push(format!(
            "{} events left out of the replay log{size}",
            stats.events_not_logged
        ));
    }
    if stats.findings_not_kept > 0 {
        parts.push(format!("{} findings not kept", stats.findings_not_kept));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" Memory budget: {}.", parts.join(", "))
    }
}

/// Redraws now if anything changed.
pub fn refresh_now() {
    SCHEDULED.with(|s| s.set(false));
    let Some(signal) = SNAPSHOT.with(|s| *s.borrow()) else {
        return;
    };
    // The version covers findings; the counts in the header change on every event.
    let key = LIVE.with(|l| {
        let l = l.borrow();
        let s = l.engine.stats();
        Some((l.generation, l.engine.version(), s.events, s.dropped))
    });
    if SEEN.with(|v| v.replace(key)) == key {
        return;
    }
    let t0 = now_ms();
    let next = signal.with_untracked(snapshot);
    let events = next.stats.events;
    signal.set(next);
    // Under load the redraws spread out: a refresh that took `c` ms (the snapshot
    // and the synchronous part of the redraw) waits at least `4 c` before the next,
    // so redraws take at most a fifth of the main thread; and a flood of events
    // waits longer still (see `LOAD_MS_PER_EVENT_S`).
    let now = now_ms();
    let cost = now - t0;
    let since = now - LAST_REFRESH.with(|t| t.replace(now));
    let arrived = events.saturating_sub(LAST_EVENTS.with(|e| e.replace(events)));
    let rate = if since > 0.0 {
        arrived as f64 * 1000.0 / since
    } else {
        0.0
    };
    NEXT_DELAY.with(|d| d.set(refresh_delay(cost, rate)));
}

/// How long after a refresh the next may come: `cost` is what the last one took
/// (ms), `rate` the events a second that arrived since the one before.
fn refresh_delay(cost: f64, rate: f64) -> f64 {
    (cost * 4.0)
        .max(rate * LOAD_MS_PER_EVENT_S)
        .clamp(REFRESH_MS, MAX_REFRESH_MS)
}

/// Forgets what the last snapshot was built from (a new panel was mounted).
fn forget_basis() {
    BASIS.with(|b| b.set(None));
    SEEN.with(|v| v.set(None));
}

fn schedule_refresh() {
    if SCHEDULED.with(|s| s.replace(true)) {
        return;
    }
    let since = now_ms() - LAST_REFRESH.with(Cell::get);
    let delay = (NEXT_DELAY.with(Cell::get) - since).max(REFRESH_MS);
    let cb = Closure::once_into_js(refresh_now);
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), delay as i32);
    }
}

/// A panic would leave a blank panel; show what happened instead.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = format!("Stormwatch stopped because of a bug: {info}. Close and reopen DevTools to restart it.");
        web_sys::console::error_1(&msg.clone().into());
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Ok(el) = doc.create_element("div") {
                el.set_id("fatal");
                el.set_text_content(Some(&msg));
                if let Some(body) = doc.body() {
                    let _ = body.prepend_with_node_1(&el);
                }
            }
        }
    }));
}
