//! DevTools' network log: `onRequestFinished` for each request as it finishes,
//! `getHAR()` for those that finished before the panel listened, `onNavigated` for
//! navigations. Finished entries gather on the JavaScript side and are looked at a
//! batch at a time (every `BATCH_MS`, or every `BATCH_MAX` entries): one call into
//! the wasm per batch reads the few fields the panel decides on for all of them, and
//! one call out turns the entries it keeps into JSON text (only what the engine
//! reads). They go to the session's `NetworkLog`, which takes each entry once and in
//! order; the chunks it gives go through the work queue.

use super::bridge::{call, chrome, get, listen};
use super::state::{now_ms, Panel};
use crate::live::{har_key, HAR_CHUNK, MAX_BODY_FOR_VALUES};
use gloo_timers::callback::Timeout;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How long reported entries gather before the panel looks at them.
const BATCH_MS: u32 = 30;
/// ...or how many: a flood's entries are looked at (and let go) in batches of this
/// many, so the entries DevTools delivered are not kept alive across tasks.
const BATCH_MAX: u32 = 64;
/// How long an entry whose body is being read may wait for it before it is queued alone.
const FLUSH_MS: u32 = 30;
/// How long a navigation may stay unexplained by the page before it counts as a new document.
const NAVIGATION_SETTLE_MS: u32 = 1_500;
/// After this long, entries reported can no longer be in `getHAR()`'s answer.
const FORGET_ANSWER_MS: u32 = 5_000;

// Under a flood the panel stops listening to DevTools' log for a while. For every
// request DevTools builds a HAR entry and posts it to each listening extension:
// about 1.7 ms of the DevTools window's CPU per request (bench-page.mjs --profile:
// its busy time went from 6.5 s to 10.0 s for 2,000 requests, 1.1 s of it in
// postMessage), taken from the cores the page runs on, and every entry lands in
// the panel's JS heap. The page hook still reports each request the page makes,
// so counts stay exact; what a pause misses is DevTools' detail of them
// (initiator stacks, headers, bodies) and requests only DevTools sees (workers,
// frames). A page load or an N+1 burst lasts well under FLOOD_SECONDS.
/// Entries a second from which a second counts toward a flood.
const FLOOD_RATE: u32 = 100;
/// Seconds in a row at that rate before the listener pauses.
const FLOOD_SECONDS: u32 = 3;
/// How long it pauses; then one second at the rate pauses it again.
const FLOOD_PAUSE_MS: u32 = 4_000;
/// Pauses less than this apart are told as one flood.
const FLOOD_GAP_MS: u32 = 10_000;

// The panel's cost per request was glue, not analysis (bench-page.mjs --profile:
// 0.7 ms of panel time per request against ~10 µs in the engine): a call into the
// wasm per DevTools entry, a string out of it for the head, another for the JSON,
// a look at the clock and a timer per few entries. Now the listener only holds the
// entry (`hold`); a batch of them crosses once each way. `entry_head` gives the few
// fields the panel decides on (seven lines an entry, no field holds a line break);
// `entry_json` gives the entry as JSON text holding only what `har::HarEntry`
// reads, so stringifying it, copying it into wasm and parsing it handle about half
// the text (request headers are most of an entry, and the engine reads four of
// them). JSON text has no raw line breaks, so a batch's entries travel joined by
// '\n'. The header lists must name every header `har.rs` reads
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
// A request body longer than this has no signature (protocol::MAX_HASHED_BODY, as in
// the hook and the CLI), so its text is left out rather than stringified and copied
// into the wasm only to be cut there (the hostile page's 8 MB uploads).
const MAX_HASHED_BODY = 256 * 1024;
const postData = (p) => (p && typeof p.text === 'string' && p.text.length > MAX_HASHED_BODY ? {} : p);
const oneLine = (s) => (s.indexOf('\n') < 0 ? s : s.replace(/\n/g, ' '));
// A head's URL is the key's (with the start) and is matched against the source
// maps the panel fetched, nothing more: past HEAD_URL characters the rest is
// hashed (FNV-1a) rather than copied into the wasm (a page's 100 KB URLs).
const HEAD_URL = 2048;
// Characters of URLs at which the held entries are looked at without waiting.
const BATCH_CHARS = 256 * 1024;
function headUrl(u) {
  if (u.length <= HEAD_URL) return u;
  let h = 0x811c9dc5;
  for (let i = HEAD_URL; i < u.length; i++) h = Math.imul(h ^ u.charCodeAt(i), 0x01000193);
  return u.slice(0, HEAD_URL) + '…(+' + (u.length - HEAD_URL) + ' ' + (h >>> 0).toString(16) + ')';
}
function entry_head(e) {
  const r = e.response || {};
  const c = r.content || {};
  const str = (v) => (typeof v === 'string' ? oneLine(v) : '');
  const num = (v) => (typeof v === 'number' ? String(v) : '');
  const started = str(e.startedDateTime);
  const url = e.request ? headUrl(str(e.request.url)) : '';
  return started + '\n' + url + '\n' + str(e._resourceType) + '\n' + num(c.size) + '\n' + str(c.mimeType) + '\n' +
    num(Date.parse(started)) + '\n' + num(e.time);
}
// Entries reported and not yet looked at, and the batch being looked at.
let held = [];
let heldChars = 0;
let taken = [];
let timer = 0;
let onBatch = null;
// Floods (see FLOOD_RATE in network.rs): entries counted per second (from when
// the second began) and seconds in a row that reached the rate; while the listener
// is off, since when and the call that turns it back on (null while it listens);
// the latest pauses as [since, until] (ms since the epoch), so that a page's
// session is told only of its own; pauses less than floodGap apart are one flood.
let secondStart = 0;
let inSecond = 0;
let busySeconds = 0;
let pausedSince = 0;
let resume = null;
const pauses = [];
let floodGap = 0;
export function hold_finished(event, batch_ms, batch_max, on_batch, flood_rate, flood_seconds, pause_ms, flood_gap_ms) {
  onBatch = on_batch;
  floodGap = flood_gap_ms;
  const onEntry = (entry) => {
    held.push(entry);
    const url = entry && entry.request && entry.request.url;
    heldChars += typeof url === 'string' ? url.length : 0;
    // A batch is also cut by the length of its URLs, most of what it carries.
    if (held.length >= batch_max || heldChars >= BATCH_CHARS) {
      if (timer) clearTimeout(timer);
      timer = 0;
      onBatch();
    } else if (!timer) {
      timer = setTimeout(() => { timer = 0; onBatch(); }, batch_ms);
    }
    const now = Date.now();
    if (now - secondStart >= 1000) {
      // A second that reached the rate, right before this one, continues a flood.
      busySeconds = inSecond >= flood_rate && now - secondStart < 2000 ? busySeconds + 1 : 0;
      secondStart = now;
      inSecond = 0;
    }
    if (++inSecond === flood_rate && busySeconds + 1 >= flood_seconds && resume === null) {
      event.removeListener(onEntry);
      pausedSince = now;
      const pauseTimer = setTimeout(() => resume(true), pause_ms);
      // Listen again; after a pause one more second at the rate pauses again, after
      // a navigation (the flooding page is gone) it takes flood_seconds again.
      resume = (probe) => {
        clearTimeout(pauseTimer);
        resume = null;
        const resumedAt = Date.now();
        pauses.push([pausedSince, resumedAt]);
        if (pauses.length > 256) pauses.shift();
        busySeconds = probe ? flood_seconds - 1 : 0;
        secondStart = resumedAt;
        inSecond = 0;
        event.addListener(onEntry);
        onBatch(); // the status line says the pause ended
      };
      onBatch();
    }
  };
  event.addListener(onEntry);
}
// A navigation: listen again at once for the new page's requests. When a pause
// ended, when it began (else 0): what finished meanwhile (the new document itself,
// often) was not reported.
export function end_flood_pause() {
  if (!resume) return 0;
  const since = pausedSince;
  resume(false);
  return since;
}
// When the flood pause now on began (ms since the epoch); 0 while listening.
export function paused_since() { return resume ? pausedSince : 0; }
// DevTools' log was read again after the pause that began at `since`: from the
// session's start on, it missed nothing.
export function pause_caught_up(since) {
  for (const p of pauses) if (p[0] === since) p[2] = true;
}
// Since `t0` (ms since the epoch): [floods, milliseconds without DevTools'
// entries, whether paused now].
export function flood_pauses(t0) {
  const paused = resume !== null;
  const all = paused ? pauses.concat([[pausedSince, Date.now()]]) : pauses;
  let floods = 0;
  let ms = 0;
  let lastEnd = -Infinity;
  for (const [a, b0, caught] of all) {
    const b = caught ? Math.min(b0, t0) : b0;
    if (b <= t0) continue;
    ms += b - Math.max(a, t0);
    if (a - lastEnd > floodGap) floods++;
    lastEnd = b;
  }
  return [floods, ms, paused];
}
export function take_heads() {
  if (timer) clearTimeout(timer);
  timer = 0;
  taken = held;
  held = [];
  heldChars = 0;
  return taken.map(entry_head).join('\n');
}
export function taken_entry(i) { return taken[i]; }
export function taken_json(keep) {
  const out = [];
  for (const i of keep) out.push(entry_json(taken[i]));
  taken = [];
  return out.join('\n');
}
export function heads_of(entries) { return entries.map(entry_head).join('\n'); }
export function entry_json(e) {
  const q = e.request || {};
  const r = e.response || {};
  const c = r.content;
  return JSON.stringify({
    startedDateTime: e.startedDateTime, time: e.time, pageref: e.pageref, timings: e.timings,
    _resourceType: e._resourceType, _transferSize: e._transferSize, _bytesIn: e._bytesIn,
    _initiator: e._initiator, _initiator_line: e._initiator_line, _initiator_column: e._initiator_column,
    _initiator_function_name: e._initiator_function_name, _error: e._error, _fromCache: e._fromCache, _wasAborted: e._wasAborted,
    request: { method: q.method, url: q.url, headers: headers(q.headers, REQUEST_HEADERS), postData: postData(q.postData) },
    response: {
      status: r.status, headers: headers(r.headers, RESPONSE_HEADERS), bodySize: r.bodySize,
      _transferSize: r._transferSize, _error: r._error, _failureText: r._failureText,
      content: c && { size: c.size, mimeType: c.mimeType, text: c.text, encoding: c.encoding },
    },
  });
}
"#)]
extern "C" {
    fn hold_finished(
        event: &JsValue,
        batch_ms: u32,
        batch_max: u32,
        on_batch: &JsValue,
        flood_rate: u32,
        flood_seconds: u32,
        pause_ms: u32,
        flood_gap_ms: u32,
    );
    fn flood_pauses(t0: f64) -> Array;
    fn end_flood_pause() -> f64;
    /// When the flood pause now on began (ms since the epoch); 0 while DevTools is heard.
    pub fn paused_since() -> f64;
    fn pause_caught_up(since: f64);
    #[wasm_bindgen(catch)]
    fn take_heads() -> Result<String, JsValue>;
    fn taken_entry(i: u32) -> JsValue;
    #[wasm_bindgen(catch)]
    fn taken_json(keep: &[u32]) -> Result<String, JsValue>;
    #[wasm_bindgen(catch)]
    fn heads_of(entries: &Array) -> Result<String, JsValue>;
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

/// The heads in `text`, seven lines each (see `entry_head`).
fn heads(text: &str) -> Vec<Head> {
    let number = crate::model::number::parse_f64;
    let lines: Vec<&str> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').collect()
    };
    lines
        .chunks(7)
        .map(|f| {
            let at = |i: usize| f.get(i).copied().unwrap_or("");
            let (start, time) = (number(at(5)), number(at(6)).unwrap_or(0.0));
            Head {
                key: har_key(at(0), at(1)),
                url: at(1).to_string(),
                kind: at(2).to_string(),
                size: number(at(3)),
                mime: at(4).to_string(),
                span: start.map(|s| (s, s + time.max(0.0))),
            }
        })
        .collect()
}

/// Puts in the session's stats how long DevTools' log went unheard since it began
/// (a report says so; see `Stats::devtools_paused_ms`).
pub fn note_pauses(panel: &Panel) {
    panel.with_live(|l| {
        let ms = flood_pauses(l.engine.origin()).get(1).as_f64().unwrap_or(0.0);
        l.engine.note_devtools_paused(ms.max(0.0).round() as u64);
    });
}

/// Changes when a flood pause begins or ends: twice the floods so far, plus one while paused.
pub fn flood_state() -> u32 {
    let f = flood_pauses(0.0);
    let floods = f.get(0).as_f64().unwrap_or(0.0) as u32;
    floods * 2 + f.get(2).is_truthy() as u32
}

/// What the panel says of the floods it stopped listening through since the
/// session began at `t0` (ms since the epoch); empty when none.
pub fn flood_note(t0: f64) -> String {
    let f = flood_pauses(t0);
    let floods = f.get(0).as_f64().unwrap_or(0.0);
    if floods < 1.0 {
        return String::new();
    }
    let seconds = (f.get(1).as_f64().unwrap_or(0.0) / 1000.0).max(1.0);
    let now = if f.get(2).is_truthy() { " (paused now)" } else { "" };
    format!(
        " Flood: DevTools' request details paused for {seconds:.0} s over {floods} flood(s){now}; \
         the page's own fetches, XHRs and resources are all still counted, without initiators or headers."
    )
}

/// Starts listening, then asks `getHAR()` for what finished earlier.
pub fn watch(panel: &Panel) {
    let Some(network) = chrome(&["devtools", "network"]) else {
        return;
    };
    if let Some(finished) = get(&network, &["onRequestFinished"]) {
        let p = panel.clone();
        let on_batch = Closure::<dyn FnMut()>::new(move || on_batch(&p)).into_js_value();
        hold_finished(
            &finished,
            BATCH_MS,
            BATCH_MAX,
            &on_batch,
            FLOOD_RATE,
            FLOOD_SECONDS,
            FLOOD_PAUSE_MS,
            FLOOD_GAP_MS,
        );
    }
    if let Some(navigated) = get(&network, &["onNavigated"]) {
        let p = panel.clone();
        let network = network.clone();
        listen(
            &navigated,
            Closure::<dyn FnMut(JsValue)>::new(move |url: JsValue| {
                // What finished before the navigation goes first.
                on_batch(&p);
                let paused_since = end_flood_pause();
                flush(&p);
                let url = url.as_string().unwrap_or_default();
                p.push(move |p| p.with_live(|l| l.navigated(&url)));
                let later = p.clone();
                let network = network.clone();
                Timeout::new(NAVIGATION_SETTLE_MS, move || {
                    later.push(move |p| {
                        p.with_live(|l| l.navigation_settled());
                        // A new document that began after the pause did: its first
                        // entries (its document, often) may have finished while the
                        // listener was off, and DevTools' log, cleared by the
                        // navigation, holds only its own. (Not after a same-document
                        // navigation: the log then still holds the whole flood.)
                        let new_document = p.with_live(|l| l.engine.origin()) > paused_since;
                        if paused_since > 0.0 && new_document {
                            pause_caught_up(paused_since);
                            catch_up(p, &network);
                        }
                    })
                })
                .forget();
            })
            .into_js_value(),
        );
    }
    catch_up(panel, &network);
}

/// Asks `getHAR()` for what finished so far; meanwhile the listener's entries wait,
/// and those the answer holds are taken once.
fn catch_up(panel: &Panel, network: &JsValue) {
    panel.state().network.borrow_mut().start();
    let p = panel.clone();
    let on_har = Closure::once_into_js(move |har: JsValue| on_har(&p, har));
    let _ = call(network, "getHAR", &[on_har]);
}

/// `getHAR()`'s answer: its entries go first (less those the listener already
/// handed on: a catch-up comes after it resumed), converted and ingested a chunk at
/// a time, then what the listener reported meanwhile that the answer did not hold.
fn on_har(panel: &Panel, har: JsValue) {
    let entries: Array = get(&har, &["entries"]).map(|e| e.unchecked_into()).unwrap_or_default();
    let keys: Vec<u64> = heads(&heads_of(&entries).unwrap_or_default())
        .iter()
        .map(|h| h.key)
        .collect();
    let take = panel.state().network.borrow_mut().answered(&keys);
    for chunk in take.chunks(HAR_CHUNK) {
        let slice: Vec<JsValue> = chunk.iter().map(|&i| entries.get(i as u32)).collect();
        panel.push(move |p| {
            let parts: Vec<String> = slice.iter().filter_map(|e| entry_json(e).ok()).collect();
            let json = format!("[{}]", parts.join(","));
            let _ = p.with_live(|l| l.accept_har_entries(&json));
        });
    }
    flush(panel);
    let p = panel.clone();
    Timeout::new(FORGET_ANSWER_MS, move || p.state().network.borrow_mut().forget_answer()).forget();
}

/// The entries DevTools reported since the last batch: each is dropped (a copy of
/// one `getHAR()` gave, or a source map we fetched), has its body read first, or is
/// kept; the kept ones cross into wasm as JSON text at once.
fn on_batch(panel: &Panel) {
    let heads = heads(&take_heads().unwrap_or_default());
    if heads.is_empty() {
        // Called without entries when a flood pause begins or ends: redraw the status.
        panel.refresh_now();
        return;
    }
    let now = now_ms();
    let mut keep: Vec<u32> = Vec::with_capacity(heads.len());
    for (i, head) in heads.iter().enumerate() {
        let i = i as u32;
        if panel.state().network.borrow().seen(head.key) || panel.state().maps.borrow().is_ours(&head.url) {
            continue;
        }
        if head.kind == "script" && head.size.is_some_and(|s| s >= super::sourcemaps::MIN_CHUNK_FOR_MAP) {
            super::sourcemaps::read_chunk(panel, &taken_entry(i));
        }
        let small_json = (head.kind == "fetch" || head.kind == "xhr")
            && head.size.unwrap_or(f64::MAX) <= MAX_BODY_FOR_VALUES
            && head.mime.contains("json");
        if small_json
            && panel.state().bodies.borrow_mut().wants(head.span, now)
            && read_body(panel, head.key, taken_entry(i))
        {
            continue;
        }
        keep.push(i);
    }
    let json = taken_json(&keep).unwrap_or_default();
    let mut lines = json.split('\n');
    let mut any = false;
    {
        let mut network = panel.state().network.borrow_mut();
        for &i in &keep {
            let Some(line) = lines.next() else { break };
            any |= network.push(heads[i as usize].key, line.to_string());
        }
    }
    if any {
        flush(panel);
    }
}

/// Reads the answer's body (DevTools' copy, not the page's: the page's stream is
/// never touched), then queues the entry with it; false when it cannot be asked.
/// It is still a round trip into the page's renderer, hence `BodyReads`.
fn read_body(panel: &Panel, key: u64, entry: JsValue) -> bool {
    let e = entry.clone();
    let p = panel.clone();
    let on_content = Closure::once_into_js(move |content: JsValue, encoding: JsValue| {
        if content.is_string() && encoding.as_string().unwrap_or_default().is_empty() {
            if let Some(c) = get(&e, &["response", "content"]) {
                let _ = Reflect::set(&c, &"text".into(), &content);
            }
        }
        queue(&p, key, &e);
    });
    call(&entry, "getContent", &[on_content]).is_ok()
}

/// One entry on its own (its body was read).
fn queue(panel: &Panel, key: u64, entry: &JsValue) {
    let Ok(json) = entry_json(entry) else {
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
