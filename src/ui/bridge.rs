//! The only module that touches `chrome.*`. It connects to the service worker for
//! the inspected tab's page events, and to DevTools' network log, and hands both to
//! the session in batches. Outside DevTools (the panel opened in a plain tab) it
//! says so and leaves the panel usable through `window.stormwatch`.

use super::pump;
use super::state::{now_ms, set_status, with_live};
use crate::live::Action;
use js_sys::{Array, Function, Object, Reflect, JSON};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const HAR_FLUSH_MS: i32 = 30;
const MAX_BACKOFF_MS: i32 = 5_000;
/// How long a navigation may stay unexplained by the page before it counts as a new document.
const NAVIGATION_SETTLE_MS: i32 = 1_500;

thread_local! {
    static TAB: Cell<f64> = const { Cell::new(-1.0) };
    static PORT: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    static BACKOFF: Cell<i32> = const { Cell::new(100) };
    static HAR_QUEUE: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static HAR_SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// True until getHAR() answers; the listener's entries wait for it.
    static HAR_LOADING: Cell<bool> = const { Cell::new(false) };
    /// Entries already taken from getHAR(), so the listener's copies are skipped.
    static HAR_SEEN: RefCell<Option<HashSet<String>>> = const { RefCell::new(None) };
}

fn get(root: &JsValue, path: &[&str]) -> Option<JsValue> {
    let mut v = root.clone();
    for key in path {
        v = Reflect::get(&v, &(*key).into()).ok()?;
        if v.is_undefined() || v.is_null() {
            return None;
        }
    }
    Some(v)
}

fn chrome(path: &[&str]) -> Option<JsValue> {
    get(&js_sys::global(), &[&["chrome"], path].concat())
}

fn call(obj: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(obj, &method.into())?.dyn_into()?;
    f.apply(obj, &args.iter().collect::<Array>())
}

fn listen(target: &JsValue, f: JsValue) {
    let _ = call(target, "addListener", &[f]);
}

fn later(ms: i32, f: impl FnOnce() + 'static) {
    if let Some(w) = web_sys::window() {
        let cb = Closure::once_into_js(f);
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), ms);
    }
}

fn text(msg: &JsValue, key: &str) -> String {
    get(msg, &[key]).and_then(|v| v.as_string()).unwrap_or_default()
}

fn num(msg: &JsValue, key: &str) -> u64 {
    get(msg, &[key])
        .and_then(|v| v.as_f64())
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map_or(0, |n| n as u64)
}

pub fn connect() {
    let Some(tab) = chrome(&["devtools", "inspectedWindow", "tabId"]).and_then(|v| v.as_f64()) else {
        set_status("Not inside DevTools: import a saved report or HAR file (Import, or drop it here), or open DevTools on a page and choose the Stormwatch tab.");
        return;
    };
    TAB.with(|t| t.set(tab));
    connect_port();
    watch_network();
}

fn connect_port() {
    let tab = TAB.with(Cell::get);
    let Some(runtime) = chrome(&["runtime"]) else {
        return;
    };
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"name".into(), &format!("stormwatch-panel:{tab}").into());
    let Ok(port) = call(&runtime, "connect", &[opts.into()]) else {
        retry();
        return;
    };
    if let Some(on_message) = get(&port, &["onMessage"]) {
        listen(
            &on_message,
            Closure::<dyn FnMut(JsValue)>::new(on_message_from_page).into_js_value(),
        );
    }
    if let Some(on_disconnect) = get(&port, &["onDisconnect"]) {
        let mine = port.clone();
        listen(
            &on_disconnect,
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                // Read lastError so Chrome does not log it as unchecked.
                let _ = chrome(&["runtime", "lastError"]);
                let current = PORT.with(|p| p.borrow().clone());
                if current.as_ref() == Some(&mine) {
                    PORT.with(|p| *p.borrow_mut() = None);
                    set_status("Reconnecting to the page (the extension's service worker restarted)…");
                    retry();
                }
            })
            .into_js_value(),
        );
    }
    PORT.with(|p| *p.borrow_mut() = Some(port));
    set_status(&format!("Live: watching tab {tab}."));
    wake_relay();
}

fn retry() {
    let delay = BACKOFF.with(|b| {
        let d = b.get();
        b.set((d * 2).min(MAX_BACKOFF_MS));
        d
    });
    later(delay, connect_port);
}

/// Asks the page's relay to say hello, so what it recorded before we connected
/// comes over even if the page is quiet now.
fn wake_relay() {
    let Some(iw) = chrome(&["devtools", "inspectedWindow"]) else {
        return;
    };
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"useContentScriptContext".into(), &JsValue::TRUE);
    let _ = call(
        &iw,
        "eval",
        &[
            "globalThis.__stormwatchRelay && globalThis.__stormwatchRelay.wake()".into(),
            opts.into(),
        ],
    );
}

fn post(msg: &Object) {
    if let Some(port) = PORT.with(|p| p.borrow().clone()) {
        let _ = call(&port, "postMessage", &[msg.clone().into()]);
    }
}

/// Page messages are queued (see `pump`), so a flood of them, or one huge batch,
/// is ingested in slices between frames.
fn on_message_from_page(msg: JsValue) {
    BACKOFF.with(|b| b.set(100));
    // The service worker forwards what came in over ~16 ms as one list.
    if Array::is_array(&msg) {
        for m in Array::from(&msg).iter() {
            on_one_message(m);
        }
        return;
    }
    on_one_message(msg);
}

fn on_one_message(msg: JsValue) {
    let doc = text(&msg, "doc");
    match text(&msg, "kind").as_str() {
        "batch" => {
            let body = text(&msg, "text");
            let seq = num(&msg, "seq");
            pump::push(move || answer(with_live(|l| l.accept_batch(&doc, seq, &body))));
        }
        "hello" if !doc.is_empty() => {
            let url = text(&msg, "url");
            let restored = get(&msg, &["restored"]).and_then(|v| v.as_bool()).unwrap_or(false);
            let seq = num(&msg, "seq");
            pump::push(move || answer(with_live(|l| l.hello(&doc, seq, &url, restored))));
        }
        "lost" => {
            let (events, first) = (num(&msg, "events"), num(&msg, "first"));
            pump::push(move || with_live(|l| l.lost(&doc, events, first)));
        }
        "map" => on_map(&msg),
        _ => {}
    }
}

fn answer(action: Action) {
    if let Action::Sync { doc, after } = action {
        let m = Object::new();
        let _ = Reflect::set(&m, &"kind".into(), &"sync".into());
        let _ = Reflect::set(&m, &"doc".into(), &doc.into());
        let _ = Reflect::set(&m, &"after".into(), &(after as f64).into());
        post(&m);
    }
}

/// Whether this DevTools can filter its Network panel for us (Chrome 124+).
pub fn can_show_network() -> bool {
    chrome(&["devtools", "panels", "network", "show"]).is_some_and(|f| f.is_function())
}

/// Switches to the Network panel, filtered to the given text.
pub fn show_in_network(filter: &str) {
    if let Some(network) = chrome(&["devtools", "panels", "network"]) {
        let opts = Object::new();
        let _ = Reflect::set(&opts, &"filter".into(), &filter.into());
        let _ = call(&network, "show", &[opts.into()]);
    }
}

/// Opens a script in the Sources panel at a 1-based line and column.
pub fn open_source(url: &str, line: u32, column: u32) {
    // Only web URLs: page data never chooses what DevTools opens beyond that.
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return;
    }
    if let Some(panels) = chrome(&["devtools", "panels"]) {
        let args = [
            url.into(),
            JsValue::from(line.saturating_sub(1)),
            JsValue::from(column.saturating_sub(1)),
        ];
        let _ = call(&panels, "openResource", &args);
    }
}

/// Opens a script at a character offset (what long animation frames report): the
/// script's text, from DevTools, turns the offset into a line and column.
pub fn open_source_at_char(url: &str, offset: u32) {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return;
    }
    let Some(iw) = chrome(&["devtools", "inspectedWindow"]) else {
        return;
    };
    let url = url.to_string();
    let on_resources = Closure::once_into_js(move |resources: JsValue| {
        let list: Array = resources.unchecked_into();
        let Some(resource) = list
            .iter()
            .find(|r| get(r, &["url"]).and_then(|u| u.as_string()).as_deref() == Some(&url))
        else {
            open_source(&url, 1, offset + 1);
            return;
        };
        let target = url.clone();
        let on_content = Closure::once_into_js(move |content: JsValue| {
            let text = content.as_string().unwrap_or_default();
            let before: String = text.chars().take(offset as usize).collect();
            let line = before.matches('\n').count() as u32 + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            open_source(&target, line, column);
        });
        let _ = call(&resource, "getContent", &[on_content]);
    });
    let _ = call(&iw, "getResources", &[on_resources]);
}

fn har_key(entry: &JsValue) -> String {
    let started = get(entry, &["startedDateTime"])
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let url = get(entry, &["request", "url"])
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    format!("{started} {url}")
}

/// Small JSON API responses whose values tell whether a later request depended on them.
/// Ids and short strings come in small answers; a big list is not worth the read.
const MAX_BODY_FOR_VALUES: f64 = 16.0 * 1024.0;
/// Chains are what the values are for: the waterfall detector checks a chain's
/// first `CHAIN_READS` links (its `KEEP`), so a request that continues a chain (it
/// started right after the previous answer ended) gets its body read up to that
/// many per chain. Any other answer may start a chain: those reads are limited to
/// `BODY_READS_PER_S` a second (with a burst of `BODY_READS_BURST`). Each read is a
/// round trip into the page's renderer (DevTools keeps the body there and serves it
/// on the page's main thread), so a flood of thousands of answers, sequential or
/// parallel, costs the page a handful of reads a second, and a real chain of a few
/// awaited requests still gets every body it needs (the rest say `dependent: unknown`).
const CHAIN_READS: u32 = 10;
const BODY_READS_PER_S: f64 = 4.0;
const BODY_READS_BURST: f64 = 12.0;
/// How close a request must start to the previous answer's end to continue a chain
/// (the waterfall detector's `max_gap_ms` default, with room for HAR's rounding).
const CHAIN_GAP_MS: f64 = 60.0;

thread_local! {
    /// Token bucket for reads outside a chain: tokens left and when last topped up.
    static BODY_TOKENS: Cell<(f64, f64)> = const { Cell::new((BODY_READS_BURST, 0.0)) };
    /// The chain being read: the last answer's end (ms since the epoch) and the
    /// bodies read in it so far.
    static CHAIN: Cell<(f64, u32)> = const { Cell::new((f64::NEG_INFINITY, 0)) };
}

/// Takes one body read from the bucket, if there is one.
fn take_body_read() -> bool {
    let now = now_ms();
    BODY_TOKENS.with(|b| {
        let (tokens, at) = b.get();
        let tokens = (tokens + (now - at).max(0.0) / 1000.0 * BODY_READS_PER_S).min(BODY_READS_BURST);
        let take = tokens >= 1.0;
        b.set((if take { tokens - 1.0 } else { tokens }, now));
        take
    })
}

/// Start and end (ms since the epoch) of a DevTools entry.
fn entry_span(entry: &JsValue) -> Option<(f64, f64)> {
    let started = get(entry, &["startedDateTime"])?.as_string()?;
    let start = js_sys::Date::parse(&started);
    let time = get(entry, &["time"]).and_then(|v| v.as_f64()).unwrap_or(0.0);
    (start.is_finite() && time.is_finite()).then_some((start, start + time.max(0.0)))
}

/// Whether a small JSON answer's body is worth reading (see `CHAIN_READS`).
fn wants_body(entry: &JsValue) -> bool {
    let Some((start, end)) = entry_span(entry) else {
        return take_body_read();
    };
    CHAIN.with(|c| {
        let (previous, reads) = c.get();
        if (start - previous).abs() <= CHAIN_GAP_MS {
            // The next link: read while the chain's first links are being read.
            let read = reads > 0 && reads < CHAIN_READS;
            c.set((end, if read { reads + 1 } else { reads }));
            return read;
        }
        let read = take_body_read();
        c.set((end, u32::from(read)));
        read
    })
}

fn queue_entry(entry: JsValue) {
    if HAR_SEEN.with(|s| s.borrow().as_ref().is_some_and(|seen| seen.contains(&har_key(&entry)))) {
        return;
    }
    let url = get(&entry, &["request", "url"])
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    if MAPS_ASKED.with(|m| m.borrow().contains(&url)) {
        return;
    }
    let kind = get(&entry, &["_resourceType"])
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let size = get(&entry, &["response", "content", "size"])
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::MAX);
    let mime = get(&entry, &["response", "content", "mimeType"])
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    if kind == "script" && size >= MIN_CHUNK_FOR_MAP && size < f64::MAX {
        read_chunk(&entry);
    }
    if (kind == "fetch" || kind == "xhr") && size <= MAX_BODY_FOR_VALUES && mime.contains("json") && wants_body(&entry)
    {
        // DevTools' copy of the body, not the page's (the page's stream is never touched);
        // it is still a round trip into the page's renderer, hence `wants_body`.
        let e = entry.clone();
        let on_content = Closure::once_into_js(move |content: JsValue, encoding: JsValue| {
            if content.is_string() && encoding.as_string().unwrap_or_default().is_empty() {
                if let Some(c) = get(&e, &["response", "content"]) {
                    let _ = Reflect::set(&c, &"text".into(), &content);
                }
            }
            push_entry(e);
        });
        if call(&entry, "getContent", &[on_content]).is_ok() {
            return;
        }
    }
    push_entry(entry);
}

/// Scripts this big get their source map read, to say which packages fill them.
const MIN_CHUNK_FOR_MAP: f64 = 250_000.0;
/// Scripts waiting for their map from the relay (a few at a time).
const MAX_CHUNKS_WAITING: usize = 8;

thread_local! {
    static CHUNKS: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
    /// Maps we asked the relay for: DevTools logs those requests too, and they are
    /// ours, not the page's, so they are left out of the analysis.
    static MAPS_ASKED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Reads a big script's text from DevTools, finds its source map (a `SourceMap`
/// header or a `sourceMappingURL` comment) and reads the map: inline ones here,
/// others through the page's relay (maps are usually served to the page's origin only).
fn read_chunk(entry: &JsValue) {
    let url = get(entry, &["request", "url"])
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let header = get(entry, &["response", "headers"])
        .map(|h| js_sys::Array::from(&h))
        .and_then(|headers| {
            headers.iter().find_map(|h| {
                let name = get(&h, &["name"])?.as_string()?.to_ascii_lowercase();
                (name == "sourcemap" || name == "x-sourcemap").then(|| get(&h, &["value"])?.as_string())?
            })
        });
    let on_content = Closure::once_into_js(move |content: JsValue, encoding: JsValue| {
        let Some(script) = content.as_string() else { return };
        if !encoding.as_string().unwrap_or_default().is_empty() {
            return;
        }
        let Some(reference) = header.or_else(|| crate::sourcemap::reference(&script)) else {
            return;
        };
        if let Some(data) = reference.strip_prefix("data:") {
            let (meta, payload) = data.split_once(',').unwrap_or(("", ""));
            let map = if meta.contains(";base64") {
                web_sys::window().and_then(|w| w.atob(payload).ok())
            } else {
                js_sys::decode_uri_component(payload).ok().and_then(|s| s.as_string())
            };
            if let Some(map) = map {
                chunk_map(&url, "inline", &map, &script);
            }
            return;
        }
        let Ok(resolved) = web_sys::Url::new_with_base(&reference, &url).map(|u| u.href()) else {
            return;
        };
        // At most a few fetches in the page at once; later chunks go without.
        let queued = CHUNKS.with(|c| {
            let mut c = c.borrow_mut();
            if c.len() >= MAX_CHUNKS_WAITING || c.iter().any(|(u, _)| *u == url) {
                return false;
            }
            c.push((url.clone(), script));
            true
        });
        if !queued {
            return;
        }
        MAPS_ASKED.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() >= 32 {
                m.remove(0);
            }
            m.push(resolved.clone());
        });
        let m = Object::new();
        let _ = Reflect::set(&m, &"kind".into(), &"fetch_map".into());
        let _ = Reflect::set(&m, &"url".into(), &resolved.into());
        let _ = Reflect::set(&m, &"script".into(), &url.into());
        post(&m);
    });
    let _ = call(entry, "getContent", &[on_content]);
}

/// The relay's answer: the map's text, or why there is none (the script's slot is
/// freed either way).
fn on_map(msg: &JsValue) {
    let script = text(msg, "script");
    let Some(content) = CHUNKS.with(|c| {
        let mut c = c.borrow_mut();
        let i = c.iter().position(|(u, _)| *u == script)?;
        Some(c.remove(i).1)
    }) else {
        return;
    };
    if let Some(map) = get(msg, &["text"]).and_then(|t| t.as_string()) {
        chunk_map(&script, &text(msg, "url"), &map, &content);
    }
}

fn chunk_map(script: &str, map_url: &str, map: &str, content: &str) {
    let Ok(mut packages) = crate::sourcemap::packages(map, content) else {
        return;
    };
    if packages.is_empty() {
        return;
    }
    packages.truncate(20);
    let c = crate::event::ChunkPackages {
        t: js_sys::Date::now(),
        url: script.to_string(),
        map: map_url.to_string(),
        packages,
    };
    pump::push(move || with_live(|l| l.chunk_packages(c)));
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

fn push_entry(entry: JsValue) {
    let Some(json) = to_json(&entry) else {
        return;
    };
    HAR_QUEUE.with(|q| q.borrow_mut().push(json));
    if !HAR_SCHEDULED.with(|s| s.replace(true)) {
        later(HAR_FLUSH_MS, flush_entries);
    }
}

/// Hands the queued DevTools entries to the engine (through the work queue).
fn flush_entries() {
    HAR_SCHEDULED.with(|s| s.set(false));
    if HAR_LOADING.with(Cell::get) {
        return;
    }
    let entries = HAR_QUEUE.with(|q| std::mem::take(&mut *q.borrow_mut()));
    if entries.is_empty() {
        return;
    }
    // A slice per job: decoding a few hundred entries at once took longer than a
    // frame, and one job is never cut short.
    for slice in entries.chunks(HAR_SLICE as usize) {
        let json = format!("[{}]", slice.join(","));
        pump::push(move || {
            let _ = with_live(|l| l.accept_har_entries(&json));
        });
    }
}

/// DevTools entries converted to JSON per job: the first getHAR() of a busy page
/// can hold thousands.
const HAR_SLICE: u32 = 25;

fn watch_network() {
    let Some(network) = chrome(&["devtools", "network"]) else {
        return;
    };
    // Listen first, then ask for what finished earlier; entries in both are taken once.
    HAR_SEEN.with(|s| *s.borrow_mut() = Some(HashSet::new()));
    HAR_LOADING.with(|l| l.set(true));
    if let Some(finished) = get(&network, &["onRequestFinished"]) {
        listen(
            &finished,
            Closure::<dyn FnMut(JsValue)>::new(queue_entry).into_js_value(),
        );
    }
    if let Some(navigated) = get(&network, &["onNavigated"]) {
        listen(
            &navigated,
            Closure::<dyn FnMut(JsValue)>::new(|url: JsValue| {
                flush_entries();
                let url = url.as_string().unwrap_or_default();
                pump::push(move || with_live(|l| l.navigated(&url)));
                later(NAVIGATION_SETTLE_MS, || {
                    pump::push(|| with_live(|l| l.navigation_settled()))
                });
            })
            .into_js_value(),
        );
    }
    let on_har = Closure::<dyn FnMut(JsValue)>::new(|har: JsValue| {
        let entries: Array = get(&har, &["entries"]).map(|e| e.unchecked_into()).unwrap_or_default();
        let queued = HAR_QUEUE.with(|q| std::mem::take(&mut *q.borrow_mut()));
        let mut seen = HashSet::new();
        for e in entries.iter() {
            seen.insert(har_key(&e));
        }
        // What the listener saw meanwhile, minus what getHAR() already had.
        let mut parts = Vec::new();
        for q in queued {
            let key = JSON::parse(&q).map(|v| har_key(&v)).unwrap_or_default();
            if !seen.contains(&key) {
                parts.push(q);
            }
        }
        HAR_SEEN.with(|s| *s.borrow_mut() = Some(seen));
        HAR_LOADING.with(|l| l.set(false));
        // Converted and ingested a slice at a time, in order, then what came meanwhile.
        let n = entries.length();
        for from in (0..n).step_by(HAR_SLICE as usize) {
            let slice = entries.slice(from, (from + HAR_SLICE).min(n));
            pump::push(move || {
                let parts: Vec<String> = slice.iter().filter_map(|e| to_json(&e)).collect();
                let json = format!("[{}]", parts.join(","));
                let _ = with_live(|l| l.accept_har_entries(&json));
            });
        }
        pump::push(move || {
            let json = format!("[{}]", parts.join(","));
            let _ = with_live(|l| l.accept_har_entries(&json));
        });
        // Later entries cannot be in getHAR()'s answer any more.
        later(5_000, || HAR_SEEN.with(|s| *s.borrow_mut() = None));
    });
    let _ = call(&network, "getHAR", &[on_har.into_js_value()]);
}
