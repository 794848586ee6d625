//! DevTools' network log: `onRequestFinished` for each request as it finishes,
//! `getHAR()` for those that finished before the panel listened, `onNavigated` for
//! navigations. The entries are turned into JSON text here (what the engine never
//! reads left out first) and handed to the session's `NetworkLog`, which takes each
//! entry once and in order; the chunks it gives go through the work queue.

use super::bridge::{call, chrome, get, listen};
use super::state::{now_ms, Panel};
use crate::live::{har_key, HAR_CHUNK, MAX_BODY_FOR_VALUES};
use gloo_timers::callback::Timeout;
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How long reported entries gather before they are handed over.
const FLUSH_MS: u32 = 30;
/// How long a navigation may stay unexplained by the page before it counts as a new document.
const NAVIGATION_SETTLE_MS: u32 = 1_500;
/// After this long, entries reported can no longer be in `getHAR()`'s answer.
const FORGET_ANSWER_MS: u32 = 5_000;

fn string_at(entry: &JsValue, path: &[&str]) -> String {
    get(entry, path).and_then(|v| v.as_string()).unwrap_or_default()
}

fn key_of(entry: &JsValue) -> u64 {
    har_key(
        &string_at(entry, &["startedDateTime"]),
        &string_at(entry, &["request", "url"]),
    )
}

/// Start and end (ms since the epoch) of a DevTools entry.
fn entry_span(entry: &JsValue) -> Option<(f64, f64)> {
    let started = get(entry, &["startedDateTime"])?.as_string()?;
    let start = js_sys::Date::parse(&started);
    let time = get(entry, &["time"]).and_then(|v| v.as_f64()).unwrap_or(0.0);
    (start.is_finite() && time.is_finite()).then_some((start, start + time.max(0.0)))
}

/// Parts of a DevTools entry the engine never reads (`har::HarEntry` ignores them),
/// left out before the entry is turned into text: under a flood that text is most
/// of what the panel allocates per request.
const UNREAD: &[(&str, &str)] = &[
    ("request", "cookies"),
    ("request", "queryString"),
    ("response", "cookies"),
    ("", "cache"),
    ("", "connection"),
    ("", "serverIPAddress"),
];

fn to_json(entry: &JsValue) -> Option<String> {
    for (part, field) in UNREAD {
        let owner = if part.is_empty() {
            Some(entry.clone())
        } else {
            get(entry, &[part])
        };
        if let Some(owner) = owner.and_then(|o| o.dyn_into::<Object>().ok()) {
            let _ = Reflect::delete_property(&owner, &(*field).into());
        }
    }
    JSON::stringify(entry).ok().and_then(|s| s.as_string())
}

/// Starts listening, then asks `getHAR()` for what finished earlier.
pub fn watch(panel: &Panel) {
    let Some(network) = chrome(&["devtools", "network"]) else {
        return;
    };
    panel.state().network.borrow_mut().start();
    if let Some(finished) = get(&network, &["onRequestFinished"]) {
        let p = panel.clone();
        listen(
            &finished,
            Closure::<dyn FnMut(JsValue)>::new(move |entry| on_entry(&p, entry)).into_js_value(),
        );
    }
    if let Some(navigated) = get(&network, &["onNavigated"]) {
        let p = panel.clone();
        listen(
            &navigated,
            Closure::<dyn FnMut(JsValue)>::new(move |url: JsValue| {
                flush(&p);
                let url = url.as_string().unwrap_or_default();
                p.push(move |p| p.with_live(|l| l.navigated(&url)));
                let later = p.clone();
                Timeout::new(NAVIGATION_SETTLE_MS, move || {
                    later.push(|p| p.with_live(|l| l.navigation_settled()))
                })
                .forget();
            })
            .into_js_value(),
        );
    }
    let p = panel.clone();
    let on_har = Closure::once_into_js(move |har: JsValue| on_har(&p, har));
    let _ = call(&network, "getHAR", &[on_har]);
}

/// `getHAR()`'s answer: its entries go first, converted and ingested a chunk at a
/// time, then what the listener reported meanwhile that the answer did not hold.
fn on_har(panel: &Panel, har: JsValue) {
    let entries: Array = get(&har, &["entries"]).map(|e| e.unchecked_into()).unwrap_or_default();
    panel
        .state()
        .network
        .borrow_mut()
        .answered(entries.iter().map(|e| key_of(&e)));
    let n = entries.length();
    for from in (0..n).step_by(HAR_CHUNK) {
        let slice = entries.slice(from, (from + HAR_CHUNK as u32).min(n));
        panel.push(move |p| {
            let parts: Vec<String> = slice.iter().filter_map(|e| to_json(&e)).collect();
            let json = format!("[{}]", parts.join(","));
            let _ = p.with_live(|l| l.accept_har_entries(&json));
        });
    }
    flush(panel);
    let p = panel.clone();
    Timeout::new(FORGET_ANSWER_MS, move || p.state().network.borrow_mut().forget_answer()).forget();
}

fn on_entry(panel: &Panel, entry: JsValue) {
    if panel.state().network.borrow().seen(key_of(&entry)) {
        return;
    }
    let url = string_at(&entry, &["request", "url"]);
    if panel.state().maps.borrow().is_ours(&url) {
        return;
    }
    let kind = string_at(&entry, &["_resourceType"]);
    let size = get(&entry, &["response", "content", "size"])
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::MAX);
    let mime = string_at(&entry, &["response", "content", "mimeType"]);
    if kind == "script" && size >= super::sourcemaps::MIN_CHUNK_FOR_MAP && size < f64::MAX {
        super::sourcemaps::read_chunk(panel, &entry);
    }
    let small_json = (kind == "fetch" || kind == "xhr") && size <= MAX_BODY_FOR_VALUES && mime.contains("json");
    if small_json && panel.state().bodies.borrow_mut().wants(entry_span(&entry), now_ms()) {
        // DevTools' copy of the body, not the page's (the page's stream is never touched);
        // it is still a round trip into the page's renderer, hence `BodyReads`.
        let e = entry.clone();
        let p = panel.clone();
        let on_content = Closure::once_into_js(move |content: JsValue, encoding: JsValue| {
            if content.is_string() && encoding.as_string().unwrap_or_default().is_empty() {
                if let Some(c) = get(&e, &["response", "content"]) {
                    let _ = Reflect::set(&c, &"text".into(), &content);
                }
            }
            queue(&p, &e);
        });
        if call(&entry, "getContent", &[on_content]).is_ok() {
            return;
        }
    }
    queue(panel, &entry);
}

fn queue(panel: &Panel, entry: &JsValue) {
    let Some(json) = to_json(entry) else {
        return;
    };
    if !panel.state().network.borrow_mut().push(key_of(entry), json) {
        return;
    }
    let mut timer = panel.state().network_flush.borrow_mut();
    if timer.is_none() {
        let p = panel.clone();
        *timer = Some(Timeout::new(FLUSH_MS, move || flush(&p)));
    }
}

/// Hands the waiting DevTools entries to the engine, a chunk per job.
fn flush(panel: &Panel) {
    drop(panel.state().network_flush.borrow_mut().take());
    let chunks = panel.state().network.borrow_mut().take_chunks();
    for json in chunks {
        panel.push(move |p| {
            let _ = p.with_live(|l| l.accept_har_entries(&json));
        });
    }
}
