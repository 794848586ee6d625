//! The panel's session and the signals the view reads. Messages are ingested as
//! they come; the view is refreshed at most every `REFRESH_MS`, so a flood of
//! batches costs one redraw per interval, not one per batch.

use crate::components::ComponentRow;
use crate::engine::Stats;
use crate::finding::Finding;
use crate::live::Live;
use crate::Config;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;

const REFRESH_MS: i32 = 50;
/// Findings drawn at once (the report always has all of them).
pub const MAX_SHOWN: usize = 200;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Newest activity first.
    pub findings: Vec<Finding>,
    pub total_findings: usize,
    pub stats: Stats,
    pub page_url: String,
    pub notice: Option<String>,
    pub status: String,
    /// React components, most renders first (at most `MAX_COMPONENTS_SHOWN`).
    pub components: Vec<ComponentRow>,
    pub component_total: usize,
    pub commits: u64,
    /// Time the page hook spent counting renders, when there were any.
    pub hook_ms: Option<f64>,
    /// Fibers the page hook did not walk (its per-commit cap) and components not kept.
    pub fibers_skipped: u64,
    pub components_not_kept: u64,
    pub recording: bool,
}

/// Component rows drawn at once (the report lists more).
pub const MAX_COMPONENTS_SHOWN: usize = 100;

thread_local! {
    static LIVE: RefCell<Live> = RefCell::new(Live::new(Config::default()));
    static SNAPSHOT: RefCell<Option<RwSignal<Snapshot>>> = const { RefCell::new(None) };
    static STATUS: RefCell<String> = RefCell::new("Starting…".to_string());
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    static SEEN: Cell<Option<(u32, u64, u64, u64)>> = const { Cell::new(None) };
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
    refresh_now();
}

fn snapshot() -> Snapshot {
    LIVE.with(|l| {
        let l = l.borrow();
        let mut findings = l.engine.findings();
        let total_findings = findings.len();
        findings.sort_by(|a, b| b.last_ms.total_cmp(&a.last_ms).then_with(|| a.key.cmp(&b.key)));
        findings.truncate(MAX_SHOWN);
        let components = l.engine.components();
        Snapshot {
            components: components.rows(MAX_COMPONENTS_SHOWN),
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
            status: STATUS.with(|s| s.borrow().clone()),
        }
    })
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
    signal.set(snapshot());
}

fn schedule_refresh() {
    if SCHEDULED.with(|s| s.replace(true)) {
        return;
    }
    let cb = Closure::once_into_js(refresh_now);
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), REFRESH_MS);
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
