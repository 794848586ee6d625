//! The panel's one state, `Panel`: the session, the signal the view reads, the
//! status line, the redraw schedule, the work queue (`pump`) and what the port,
//! DevTools' network log and the source maps keep between callbacks. It is created
//! once per mounted panel and shared by handle: with the view through Leptos context
//! (`Panel::from_context`), and with the callbacks `chrome.*` and
//! `window.stormwatch` call, which hold a clone.
//!
//! Messages are ingested as they come (in slices, see `pump`); the view is
//! refreshed at most every `REFRESH_MS`, and less often when taking a snapshot gets
//! expensive, so a flood of batches costs one redraw per interval, not one per
//! batch, and never takes more than a small share of the main thread.

use super::pump::Jobs;
use crate::engine::components::ComponentRow;
use crate::engine::Stats;
use crate::live::{BodyReads, Live, NetworkLog, SourceMaps};
use crate::model::finding::Finding;
use crate::Config;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

const REFRESH_MS: f64 = 50.0;
/// The slowest the view refreshes under load (a refresh that took `c` ms waits `4 c`,
/// and a flood of events waits `LOAD_MS_PER_EVENT_S` per event a second).
const MAX_REFRESH_MS: f64 = 1_000.0;
/// Under a flood the redraws spread out with the event rate, not only with their own
/// cost: the panel shares the machine's cores with the page it watches, and a
/// redraw every 50 ms of a view that changes on every event is work the page pays
/// for (measured: most of a redraw's cost is the layout after it, which the `4 c`
/// rule does not see). 100 events a second wait 300 ms, 334 or more wait 1 s; a
/// quiet page still redraws within 50 ms. (bench-page.mjs: 2,000 sequential fetches
/// send ~350 events a second; at 1 ms per event/s the panel redrew ~3 times a
/// second, and the redraws and their layouts were most of its CPU.)
const LOAD_MS_PER_EVENT_S: f64 = 3.0;
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

/// When the view was last refreshed and when it may be next.
struct Refresh {
    /// The pending refresh, if one is scheduled.
    timer: Option<Timeout>,
    /// What the header showed at the last refresh (nothing new: no redraw).
    seen: Option<(u32, u64, u64, u64, u32)>,
    basis: Option<Basis>,
    last: f64,
    next_delay: f64,
    /// Events counted at the last refresh, for the event rate.
    last_events: u64,
}

/// The port to the service worker (see `port`).
#[derive(Default)]
pub struct Link {
    pub tab: f64,
    pub port: Option<wasm_bindgen::JsValue>,
    pub backoff: i32,
}

/// Everything one panel keeps (see the module's doc).
pub struct PanelState {
    live: RefCell<Live>,
    snapshot: Cell<Option<RwSignal<Snapshot>>>,
    status: RefCell<String>,
    refresh: RefCell<Refresh>,
    pub(super) jobs: Jobs,
    pub(super) link: RefCell<Link>,
    pub(super) network: RefCell<NetworkLog>,
    /// The pending hand-over of DevTools entries to the work queue.
    pub(super) network_flush: RefCell<Option<Timeout>>,
    pub(super) bodies: RefCell<BodyReads>,
    pub(super) maps: RefCell<SourceMaps>,
}

/// A handle on one panel's state: cheap to clone, and `Send + Sync` as Leptos
/// context requires (the wasm panel has one thread; `SendWrapper` checks it).
#[derive(Clone)]
pub struct Panel(SendWrapper<Rc<PanelState>>);

/// The panel a view belongs to, as a `Copy` handle its event handlers can share.
pub fn use_panel() -> StoredValue<Panel, LocalStorage> {
    StoredValue::new_local(Panel::from_context())
}

pub fn now_ms() -> f64 {
    thread_local! {
        // Looked up once: finding `window.performance` is two calls out of the wasm
        // and a type check, and the work queue reads the clock every few dozen events
        // (bench-page.mjs --profile: half of `now_ms`'s time was the lookup).
        static PERFORMANCE: Option<web_sys::Performance> = web_sys::window().and_then(|w| w.performance());
    }
    PERFORMANCE.with(|p| p.as_ref().map_or_else(js_sys::Date::now, web_sys::Performance::now))
}

impl Panel {
    pub fn new(cfg: Config) -> Panel {
        Panel(SendWrapper::new(Rc::new(PanelState {
            live: RefCell::new(Live::new(cfg)),
            snapshot: Cell::new(None),
            status: RefCell::new("Starting…".to_string()),
            refresh: RefCell::new(Refresh {
                timer: None,
                seen: None,
                basis: None,
                last: 0.0,
                next_delay: REFRESH_MS,
                last_events: 0,
            }),
            jobs: Jobs::default(),
            link: RefCell::new(Link {
                tab: -1.0,
                port: None,
                backoff: super::port::FIRST_BACKOFF_MS,
            }),
            network: RefCell::default(),
            network_flush: RefCell::new(None),
            bodies: RefCell::default(),
            maps: RefCell::default(),
        })))
    }

    /// The panel a view belongs to (provided by `mount_into`).
    pub fn from_context() -> Panel {
        expect_context::<Panel>()
    }

    pub(super) fn state(&self) -> &PanelState {
        &self.0
    }

    /// Changes the session and schedules a redraw.
    pub fn with_live<R>(&self, f: impl FnOnce(&mut Live) -> R) -> R {
        let r = f(&mut self.0.live.borrow_mut());
        self.schedule_refresh();
        r
    }

    /// Reads the session without scheduling a redraw (for views derived from it).
    pub fn read_live<R>(&self, f: impl FnOnce(&Live) -> R) -> R {
        f(&self.0.live.borrow())
    }

    pub fn set_status(&self, s: &str) {
        *self.0.status.borrow_mut() = s.to_string();
        self.0.refresh.borrow_mut().seen = None;
        self.schedule_refresh();
    }

    /// The view's snapshot signal: refreshed from the session from now on.
    pub fn register(&self, signal: RwSignal<Snapshot>) {
        self.0.snapshot.set(Some(signal));
        {
            let mut r = self.0.refresh.borrow_mut();
            r.basis = None;
            r.seen = None;
        }
        self.refresh_now();
    }

    fn snapshot(&self, previous: &Snapshot) -> Snapshot {
        let l = self.0.live.borrow();
        let components = l.engine.components();
        let basis = Basis {
            generation: l.generation,
            version: l.engine.version(),
            events: l.engine.stats().events,
            commits: components.commits,
            components: components.len(),
        };
        let before = self.0.refresh.borrow_mut().basis.replace(basis);
        let same = |f: fn(&Basis) -> (u32, u64, u64, usize)| before.as_ref().map(f) == Some(f(&basis));
        // Findings and component rows are only rebuilt when something changed (a
        // finding can change with the page's state, not only with its version, so
        // any new event counts); the adaptive refresh delay bounds the cost.
        let (findings, total_findings) = if same(|b| (b.generation, b.version, b.events, 0)) {
            (previous.findings.clone(), previous.total_findings)
        } else {
            let mut findings = l.engine.findings();
            let total = findings.len();
            crate::model::sort::sort_by(&mut findings, |a, b| {
                b.last_ms.total_cmp(&a.last_ms).then_with(|| a.key.cmp(&b.key))
            });
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
            status: self.0.status.borrow().clone() + &budget_note(&l) + &super::network::flood_note(l.engine.origin()),
        }
    }

    /// Redraws now if anything changed.
    pub fn refresh_now(&self) {
        // A refresh that runs now makes the scheduled one needless (it is the one
        // running, or it would find nothing new).
        drop(self.0.refresh.borrow_mut().timer.take());
        let Some(signal) = self.0.snapshot.get() else {
            return;
        };
        // The version covers findings; the counts in the header change on every event;
        // the status line tells when DevTools' details pause and resume.
        let flood = super::network::flood_state();
        let key = self.read_live(|l| {
            let s = l.engine.stats();
            Some((l.generation, l.engine.version(), s.events, s.dropped, flood))
        });
        if std::mem::replace(&mut self.0.refresh.borrow_mut().seen, key) == key {
            return;
        }
        let t0 = now_ms();
        let next = signal.with_untracked(|previous| self.snapshot(previous));
        let events = next.stats.events;
        signal.set(next);
        // Under load the redraws spread out: a refresh that took `c` ms (the snapshot
        // and the synchronous part of the redraw) waits at least `4 c` before the next,
        // so redraws take at most a fifth of the main thread; and a flood of events
        // waits longer still (see `LOAD_MS_PER_EVENT_S`).
        let now = now_ms();
        let mut r = self.0.refresh.borrow_mut();
        let since = now - std::mem::replace(&mut r.last, now);
        let arrived = events.saturating_sub(std::mem::replace(&mut r.last_events, events));
        let rate = if since > 0.0 {
            arrived as f64 * 1000.0 / since
        } else {
            0.0
        };
        r.next_delay = refresh_delay(now - t0, rate);
    }

    fn schedule_refresh(&self) {
        let mut r = self.0.refresh.borrow_mut();
        if r.timer.is_some() {
            return;
        }
        let since = now_ms() - r.last;
        let delay = (r.next_delay - since).max(REFRESH_MS);
        let panel = self.clone();
        r.timer = Some(Timeout::new(delay as u32, move || panel.refresh_now()));
    }
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

/// How long after a refresh the next may come: `cost` is what the last one took
/// (ms), `rate` the events a second that arrived since the one before.
fn refresh_delay(cost: f64, rate: f64) -> f64 {
    (cost * 4.0)
        .max(rate * LOAD_MS_PER_EVENT_S)
        .clamp(REFRESH_MS, MAX_REFRESH_MS)
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
