//! DevTools' network log: `onRequestFinished` for each request as it finishes,
//! `getHAR()` for those that finished before the panel listened, `onNavigated` for
//! navigations. The entries are turned into JSON text here (only what the engine
//! reads, in one call into JavaScript per entry) and handed to the session's
//! `NetworkLog`, which takes each entry once and in order; the chunks it gives go
//! through the work queue.

use super::bridge::{call, chrome, get, listen};
use super::state::{now_ms, Panel};
use crate::live::{har_key, HAR_CHUNK, MAX_BODY_FOR_VALUES};
use gloo_timers::callback::Timeout;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How long reported entries gather before they are handed over.
const FLUSH_MS: u32 = 30;
/// How long a navigation may stay unexplained by the page before it counts as a new document.
const NAVIGATION_SETTLE_MS: u32 = 1_500;
/// After this long, entries reported can no longer be in `getHAR()`'s answer.
const FORGET_ANSWER_MS: u32 = 5_000;

// One call into JavaScript per DevTools entry instead of one per field: each
// crossing (a property path turned into JS strings, a JS string copied into wasm)
// cost more than the work it fetched (measured with bench-page.mjs --profile:
// about 30 crossings per entry, TextDecoder and wasm-to-js among the panel's
// busiest frames). `entry_head` gives the few fields the panel decides on, one
// string; `entry_json` gives the entry as JSON text holding only what
// `har::HarEntry` reads, so stringifying it, copying it into wasm and parsing it
// handle about half the text (request headers are most of an entry, and the engine
// reads four of them). The header lists must name every header `har.rs` reads
// (`tests/panel_entry.rs` checks); an entry that had headers keeps at least one, so
// "it had none" (`no_headers`, `traced`) reads as before.
#[wasm_bindgen(inline_js = r#"
const REQUEST_HEADERS = new Set(['range', 'x-request-id', 'traceparent', 'x-requested-with']);
const RESPONSE_HEADERS = new Set(['content-encoding', 'cache-control', 'expires', 'date', 'sourcemap', 'x-sourcemap']);
function headers(list, keep) {
  if (!Array.isArray(list)) return list;
  const out = [];
  for (const h of list) if (h && typeof h.name === 'string' && keep.has(h.name.trim().toLowerCase())) out.push(h);
  if (out.length === 0 && list.length > 0) out.push(list[0]);
  return out;
}
export function entry_head(e) {
  const r = e.response || {};
  const c = r.content || {};
  const started = typeof e.startedDateTime === 'string' ? e.startedDateTime : '';
  const url = e.request && typeof e.request.url === 'string' ? e.request.url : '';
  const str = (v) => (typeof v === 'string' ? v : '');
  const num = (v) => (typeof v === 'number' ? String(v) : '');
  return [started, url, str(e._resourceType), num(c.size), str(c.mimeType), num(Date.parse(started)), num(e.time)].join('\n');
}
export function entry_json(e) {
  const q = e.request || {};
  const r = e.response || {};
  const c = r.content;
  return JSON.stringify({
    startedDateTime: e.startedDateTime, time: e.time, pageref: e.pageref, timings: e.timings,
    _resourceType: e._resourceType, _transferSize: e._transferSize, _bytesIn: e._bytesIn,
    _initiator: e._initiator, _initiator_line: e._initiator_line, _initiator_column: e._initiator_column,
    _initiator_function_name: e._initiator_function_name, _error: e._error, _fromCache: e._fromCache, _wasAborted: e._wasAborted,
    request: { method: q.method, url: q.url, headers: headers(q.headers, REQUEST_HEADERS), postData: q.postData },
    response: {
      status: r.status, headers: headers(r.headers, RESPONSE_HEADERS), bodySize: r.bodySize,
      _transferSize: r._transferSize, _error: r._error, _failureText: r._failureText,
      content: c && { size: c.size, mimeType: c.mimeType, text: c.text, encoding: c.encoding },
    },
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn entry_head(entry: &JsValue) -> Result<String, JsValue>;
    #[wasm_bindgen(catch)]
    fn entry_json(entry: &JsValue) -> Result<String, JsValue>;
}

/// What the panel decides on before it keeps a DevTools entry.
struct Head {
    key: u64,
    url: String,
    kind: String,
    /// The body's size; `None` when DevTools did not say.
    size: Option<f64>,
    mime: String,
    /// Start and end, ms since the epoch; `None` when the times cannot be read.
    span: Option<(f64, f64)>,
}

fn head_of(entry: &JsValue) -> Head {
    let text = entry_head(entry).unwrap_or_default();
    let mut f = text.split('\n');
    let mut next = || f.next().unwrap_or("");
    let (started, url, kind, size, mime) = (next(), next(), next(), next(), next());
    let number = crate::model::number::parse_f64;
    let (start, time) = (number(next()), number(next()).unwrap_or(0.0));
    Head {
        key: har_key(started, url),
        url: url.to_string(),
        kind: kind.to_string(),
        size: number(size),
        mime: mime.to_string(),
        span: start.map(|s| (s, s + time.max(0.0))),
    }
}

fn to_json(entry: &JsValue) -> Option<String> {
    entry_json(entry).ok()
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
        .answered(entries.iter().map(|e| head_of(&e).key));
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
    let head = head_of(&entry);
    if panel.state().network.borrow().seen(head.key) {
        return;
    }
    if panel.state().maps.borrow().is_ours(&head.url) {
        return;
    }
    if head.kind == "script" && head.size.is_some_and(|s| s >= super::sourcemaps::MIN_CHUNK_FOR_MAP) {
        super::sourcemaps::read_chunk(panel, &entry);
    }
    let small_json = (head.kind == "fetch" || head.kind == "xhr")
        && head.size.unwrap_or(f64::MAX) <= MAX_BODY_FOR_VALUES
        && head.mime.contains("json");
    if small_json && panel.state().bodies.borrow_mut().wants(head.span, now_ms()) {
        // DevTools' copy of the body, not the page's (the page's stream is never touched);
        // it is still a round trip into the page's renderer, hence `BodyReads`.
        let e = entry.clone();
        let p = panel.clone();
        let key = head.key;
        let on_content = Closure::once_into_js(move |content: JsValue, encoding: JsValue| {
            if content.is_string() && encoding.as_string().unwrap_or_default().is_empty() {
                if let Some(c) = get(&e, &["response", "content"]) {
                    let _ = Reflect::set(&c, &"text".into(), &content);
                }
            }
            queue(&p, key, &e);
        });
        if call(&entry, "getContent", &[on_content]).is_ok() {
            return;
        }
    }
    queue(panel, head.key, &entry);
}

fn queue(panel: &Panel, key: u64, entry: &JsValue) {
    let Some(json) = to_json(entry) else {
        return;
    };
    if !panel.state().network.borrow_mut().push(key, json) {
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
