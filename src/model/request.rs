//! One record per request, merged from what the page hook saw (start while in
//! flight, the API that issued it) and what DevTools' log saw (sizes, initiator,
//! timings). Either side may arrive first; the engine merges them.

use crate::model::event::{Api, Caller, NetworkEntry, Outcome, RequestStart, Timings};
use crate::model::urls;

/// Decoded bytes per byte on the wire beyond which the wire figure cannot include the body.
const HEADERS_ONLY_RATIO: u64 = 50;

/// URLs the browser answers itself: `data:`, `blob:`, `about:`, and extension
/// packages. Never static assets to cache or compress, never slow servers.
pub fn browser_internal(url: &str) -> bool {
    // Compared in place, not lowercased into a new string: asked several times per request.
    let scheme = memchr::memchr(b':', url.as_bytes()).map_or(url, |i| &url[..i]);
    [
        "data",
        "blob",
        "about",
        "chrome-extension",
        "moz-extension",
        "safari-web-extension",
        "chrome",
    ]
    .iter()
    .any(|s| s.eq_ignore_ascii_case(scheme))
}

#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Engine-wide id, in order of first sight.
    pub id: u64,
    /// The page hook's id, when the hook saw it.
    pub page_id: Option<u64>,
    pub api: Api,
    pub method: String,
    pub url: String,
    /// Body signature; `None` when it could not be known.
    pub body: Option<String>,
    pub start: f64,
    pub end: Option<f64>,
    pub status: u16,
    pub outcome: Option<Outcome>,
    pub keepalive: bool,
    pub range: bool,
    /// The page was hidden when it started.
    pub hidden: bool,
    /// How many route changes had happened when it started.
    pub route_epoch: u32,
    pub from_page: bool,
    pub from_devtools: bool,
    pub resource_type: String,
    pub initiator: Option<String>,
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    pub content_encoding: Option<String>,
    pub cache_control: Option<String>,
    /// Freshness from `Expires`, in seconds (see `NetworkEntry::expires_s`).
    pub expires_s: Option<i64>,
    /// The `SourceMap` response header, when the code ships one.
    pub source_map: Option<String>,
    /// DevTools' entry came without response headers (see `NetworkEntry::no_headers`).
    pub no_headers: bool,
    pub transfer_size: Option<u64>,
    /// HAR `bodySize`: the body's bytes on the wire (0 for a cache hit, or when the
    /// log saw only the headers).
    pub body_size: Option<u64>,
    pub content_size: Option<u64>,
    pub wait: Option<f64>,
    pub timings: Option<Timings>,
    /// Carries `x-request-id` / `traceparent` (None: headers unknown).
    pub traced: Option<bool>,
    /// GraphQL operation name.
    pub op: Option<String>,
    /// Started right after the window gained or lost focus: likely a refetch-on-focus
    /// that clicking into DevTools provoked, not the app's own doing.
    pub provoked: bool,
    /// Values from the response body (see `event::response_values`), when known.
    pub values: Vec<String>,
    /// `endpoint()`, computed once: several detectors ask for it per request, and
    /// templating a URL is the costliest string work per event.
    endpoint_cache: std::cell::OnceCell<(String, String)>,
    /// `same_request_key()`, computed once: the engine (retries) and several
    /// detectors key on it, some at both start and end.
    same_key_cache: std::cell::OnceCell<Option<String>>,
    /// The page code that issued it, from DevTools' initiator stack.
    pub caller: Option<Caller>,
    /// When DevTools saw its last byte, on the page's clock (`end` is when the
    /// page's `fetch` resolved, at the headers).
    pub net_end: Option<f64>,
    /// It repeats an identical request that had failed: a retry, not a duplicate.
    pub retry: Option<Retry>,
    /// Detectors that have counted it, a bit each (see [`Request::count_once`]).
    counted_by: std::cell::Cell<u32>,
    /// The polling detector's shape hash, computed once (see [`Request::shape_hash`]);
    /// 0 until then (a hash that is 0 is computed again each time: the same value).
    /// Not an `Option`: with `url_cut` the record keeps its size, which the ring's
    /// byte budget counts (a larger record would change what a flood evicts).
    shape_hash_cache: std::cell::Cell<u64>,
    /// [`Request::signature_hash`], computed once; 0 until then (as `shape_hash_cache`).
    signature_hash_cache: std::cell::Cell<u64>,
    /// Where the URL is cut (see [`Request::parts`]), `Cut::NONE` until first asked.
    url_cut: std::cell::Cell<urls::Cut>,
}

/// A request that repeats an identical one which failed before it started.
#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    /// The failed request it repeats.
    pub of: u64,
    /// 1 for the first retry, 2 for the retry of that retry...
    pub attempt: u32,
    /// From the failure to this start, in milliseconds.
    pub delay_ms: f64,
}

/// The last bit of `Request::counted_by` (detectors have the others): something asked
/// for the endpoint. One prepared ahead (`Request::prepare`) counts from then on, as
/// one computed then would.
const ENDPOINT_ASKED: u32 = 1 << 31;
/// Two more bits of `Request::counted_by` (the detectors use the low ones, see
/// `detect::slot_of`): whether `urls::is_normal(url)` is known, and its answer
/// (see [`Request::url_is_normal`]; a field of its own would grow the record, whose
/// size the ring's byte budget counts).
const URL_NORMAL_KNOWN: u32 = 1 << 30;
const URL_NORMAL: u32 = 1 << 29;

/// A request this long after an identical one failed is no longer taken as its retry.
pub const RETRY_WINDOW_MS: f64 = 60_000.0;
/// Request keys remembered for retry detection.
const MAX_RETRY_KEYS: usize = 4_096;

/// Earlier requests remembered per key: two chains retrying the same request
/// (React's StrictMode runs an effect twice; two components load the same thing)
/// each find their own failed attempt.
const RECENT_PER_KEY: usize = 4;

/// The latest requests per `same_request_key`, so a new one can be recognized as
/// the retry of one that failed (the engine asks it as each request first shows up).
#[derive(Default)]
pub struct Retries {
    last: crate::model::bounded::StrMap<Recent>,
}

/// A key's latest requests, newest last: (id, start, a later request retried it).
#[derive(Default)]
struct Recent(Vec<(u64, f64, bool)>);

impl Retries {
    /// Marks `r` as the retry of the oldest earlier identical request that failed and
    /// that no later one retried yet (two chains retrying at once each take their
    /// own failure), takes that one, and remembers `r`. `get` finds an earlier request
    /// by id. One lookup of the key: a key seen before (most are) is not hashed again,
    /// and the text is copied only for a new one.
    pub fn mark<'a>(&mut self, r: &mut Request, get: impl Fn(u64) -> Option<&'a Request>) {
        let Some(key) = r.same_key() else { return };
        let recent = match self.last.get_mut(key) {
            Some(recent) => recent,
            None => self.last.entry(key.to_string()).or_default(),
        };
        let mut retry = None;
        for e in recent.0.iter_mut().filter(|e| !e.2 && e.0 != r.id) {
            if let Some(found) = get(e.0).and_then(|prev| r.retry_of(prev)) {
                e.2 = true;
                retry = Some(found);
                break;
            }
        }
        if recent.0.len() == RECENT_PER_KEY {
            recent.0.remove(0);
        }
        recent.0.push((r.id, r.start, false));
        let (id, now) = (r.id, r.start);
        crate::model::bounded::evict_oldest(&mut self.last, MAX_RETRY_KEYS, |v| match v.0.last() {
            Some(e) if e.0 != id => e.1,
            _ => now,
        });
        if retry.is_some() {
            r.retry = retry;
        }
    }
}

impl Request {
    pub fn from_page(id: u64, s: &RequestStart) -> Request {
        Request {
            id,
            page_id: Some(s.id),
            api: s.api,
            method: s.method.to_ascii_uppercase(),
            url: s.url.clone(),
            body: s.body.clone(),
            start: s.t,
            keepalive: s.keepalive,
            range: s.range,
            op: s.op.clone(),
            from_page: true,
            ..Request::default()
        }
    }

    pub fn from_devtools(id: u64, n: &NetworkEntry) -> Request {
        let mut r = Request {
            id,
            api: match n.resource_type.as_str() {
                "fetch" => Api::Fetch,
                "xhr" => Api::Xhr,
                "ping" => Api::Beacon,
                _ => Api::Other,
            },
            method: n.method.to_ascii_uppercase(),
            url: n.url.clone(),
            body: n.body.clone(),
            start: n.t,
            range: n.range,
            ..Request::default()
        };
        r.enrich(n);
        r
    }

    /// Fills in what DevTools knows; the page's own observations win where both exist.
    pub fn enrich(&mut self, n: &NetworkEntry) {
        self.from_devtools = true;
        self.resource_type = n.resource_type.clone();
        self.initiator = self.initiator.take().or_else(|| n.initiator.clone());
        self.transfer_size = n.transfer_size;
        self.body_size = n.body_size;
        self.content_size = n.content_size;
        self.wait = n.wait;
        self.timings = n.timings.clone();
        self.values = n.values.clone();
        self.caller = n.caller.clone();
        // DevTools' duration runs from its own start, a moment after the page's call.
        self.net_end = Some(self.start + n.duration.max(0.0));
        self.traced = n.traced;
        if self.op.is_none() {
            self.op = n.op.clone();
        }
        self.range |= n.range;
        if self.body.is_none() && n.body.is_some() {
            self.set_body(n.body.clone());
        }
        if self.end.is_none() {
            self.end = Some(n.t + n.duration.max(0.0));
            self.status = n.status;
            self.outcome = Some(if n.aborted {
                Outcome::Abort
            } else if n.failed {
                Outcome::Error
            } else {
                Outcome::Ok
            });
        }
        self.content_type = self.content_type.take().or_else(|| n.mime_type.clone());
        self.content_encoding = self.content_encoding.take().or_else(|| n.content_encoding.clone());
        self.cache_control = self.cache_control.take().or_else(|| n.cache_control.clone());
        self.expires_s = self.expires_s.or(n.expires_s);
        self.no_headers |= n.no_headers;
        self.source_map = self.source_map.take().or_else(|| n.source_map.clone());
    }

    /// True the first time the detector in `slot` asks, false after. A request settles up to
    /// twice (at its end, and again when DevTools' detail arrives, see
    /// `Detector::on_settled`); a detector that counts it when it first qualifies asks
    /// here, so it counts it once without a set of its own. The mark lives as long as
    /// the request does in the engine's ring, which is as long as hooks can come for it.
    /// `slot` is the detector's place in the registry (`detect::index_of`), below 29.
    pub fn count_once(&self, slot: usize) -> bool {
        debug_assert!(slot < 29, "the higher bits are the request's own");
        let bit = 1u32 << slot;
        let was = self.counted_by.get();
        self.counted_by.set(was | bit);
        was & bit == 0
    }

    /// The method and the URL with cache-busters blanked (`urls::signature`),
    /// hashed once: the same request asked again (polling-loop's exact request,
    /// slow-request's long poll).
    pub fn signature_hash(&self) -> u64 {
        cached_hash(&self.signature_hash_cache, |h| {
            use std::hash::Hash;
            self.method.hash(h);
            urls::signature_hash_of(self.parts(), h);
        })
    }

    /// A hash of the request's shape (method, URL shape, operation): the polling
    /// detector's group, which it asks for at the start, the end and DevTools'
    /// detail; hashing a URL's shape means scanning it, so it is computed once
    /// (ahead, on the CLI's reader thread: see [`Request::prepare`]). The method, URL
    /// and operation are not changed once a request is in the ring.
    pub fn shape_hash(&self) -> u64 {
        cached_hash(&self.shape_hash_cache, |h| {
            use std::hash::Hash;
            self.method.hash(h);
            urls::shape_hash_of(self.parts(), h);
            self.op.hash(h);
        })
    }

    /// The URL's origin, path and query (as `urls::parts`), cut at the first ask and
    /// kept: most detectors ask for them, some at the start, the end and DevTools'
    /// detail. The URL is not changed once a request is in the ring.
    pub fn parts(&self) -> urls::Parts<'_> {
        match self.cut() {
            Some(cut) => cut.parts(&self.url),
            None => urls::parts(&self.url),
        }
    }

    /// `urls::is_normal(&self.url)`, decided once: the request's key, the engine's
    /// merge key at its start and at its end all ask.
    pub fn url_is_normal(&self) -> bool {
        let bits = self.counted_by.get();
        if bits & URL_NORMAL_KNOWN != 0 {
            return bits & URL_NORMAL != 0;
        }
        let normal = urls::is_normal(&self.url);
        self.note_url_normal(normal);
        normal
    }

    /// Keeps what the caller found `urls::is_normal(&self.url)` to be (the engine
    /// decides it for the event the request is made of, before the request exists).
    pub fn note_url_normal(&self, normal: bool) {
        let bits = self.counted_by.get() | URL_NORMAL_KNOWN;
        self.counted_by
            .set(if normal { bits | URL_NORMAL } else { bits & !URL_NORMAL });
    }

    /// Where [`Request::parts`] cuts the URL (`None` for a URL too long to keep the cut of).
    pub fn cut(&self) -> Option<urls::Cut> {
        let cut = self.url_cut.get();
        if cut != urls::Cut::NONE {
            return Some(cut);
        }
        let cut = urls::Cut::of(&self.url)?;
        self.url_cut.set(cut);
        Some(cut)
    }

    /// Replaces the body signature (and forgets the key cached from the old one).
    pub fn set_body(&mut self, body: Option<String>) {
        self.body = body;
        self.same_key_cache.take();
    }

    /// Answered inside the browser (`data:`, `blob:`, `about:`, an extension's own
    /// files): no network, no server headers, nothing to tune.
    pub fn is_local(&self) -> bool {
        browser_internal(&self.url)
    }

    /// The response's bytes on the wire, headers included, when known. `None` when
    /// DevTools' figure can only be the headers: a dedicated worker's script is
    /// downloaded by the worker, and the page's log then shows a few hundred bytes
    /// and no body for a script of megabytes.
    pub fn wire_size(&self) -> Option<u64> {
        let transfer = self.transfer_size?;
        let decoded = self.content_size.unwrap_or(0);
        if transfer == 0 || self.status == 304 || decoded == 0 {
            // A cache hit or a revalidation: only headers crossed, and that is the truth.
            return Some(transfer);
        }
        let no_body = self.body_size == Some(0);
        // No compressor shrinks code 50-fold: a figure that small is headers only.
        let implausible = transfer.saturating_mul(HEADERS_ONLY_RATIO) < decoded;
        (!(no_body || implausible)).then_some(transfer)
    }

    /// A framework's route payload (see `urls::is_route_payload`).
    pub fn is_route_payload(&self) -> bool {
        urls::is_route_payload(self.parts())
    }

    /// Requests an app makes from code (fetch/XHR), as opposed to documents and assets.
    pub fn is_api(&self) -> bool {
        matches!(self.api, Api::Fetch | Api::Xhr)
    }

    /// Requests that repeat by design, or that DevTools provoked: never duplicates or polls.
    pub fn excluded_from_repeats(&self) -> bool {
        self.method == "OPTIONS"
            || self.method == "HEAD"
            || self.range
            || self.keepalive
            || self.api == Api::Beacon
            || self.provoked
    }

    /// Changes data on the server: a POST, PUT, PATCH or DELETE from the page's code,
    /// except a GraphQL query sent by POST (a GraphQL mutation is a write). Beacons
    /// and keepalive requests (analytics, reports) are not taken for writes.
    pub fn is_write(&self) -> bool {
        let method = matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE");
        let query = self
            .op
            .as_deref()
            .is_some_and(|op| !crate::model::event::is_mutation_op(op));
        method && self.is_api() && !self.keepalive && !query
    }

    /// Failed in a way worth retrying: no response, a server error, 408 or 429, or
    /// an expired login or CSRF token (401, 419), which an app renews and then asks
    /// again (axios' refresh-token interceptor: `/api/me` 401, the refresh, `/api/me`).
    pub fn failed_retryably(&self) -> bool {
        self.outcome == Some(Outcome::Error) || self.status >= 500 || matches!(self.status, 401 | 408 | 419 | 429)
    }

    /// This request as a retry of `prev`, when `prev` (identical, seen earlier) failed
    /// and had ended before this one started.
    pub fn retry_of(&self, prev: &Request) -> Option<Retry> {
        let end = prev.end?;
        let delay = self.start - end;
        let retried = prev.failed_retryably() && prev.id != self.id && (0.0..=RETRY_WINDOW_MS).contains(&delay);
        retried.then(|| Retry {
            of: prev.id,
            attempt: prev.retry.as_ref().map_or(1, |r| r.attempt + 1),
            delay_ms: delay,
        })
    }

    /// The end that code awaiting the whole body saw: the later of the page's and DevTools'.
    pub fn last_end(&self) -> Option<f64> {
        match (self.end, self.net_end) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Time to first byte, from DevTools' timings or the page's own view of a fetch.
    pub fn ttfb(&self) -> Option<f64> {
        self.wait
    }

    pub fn duration(&self) -> Option<f64> {
        self.end.map(|e| (e - self.start).max(0.0))
    }

    /// The response size on the wire, the decoded size where that is all we know.
    pub fn encoded_size(&self) -> Option<u64> {
        self.wire_size().filter(|n| *n > 0).or(self.content_length)
    }

    pub fn decoded_size(&self) -> Option<u64> {
        self.content_size.or(self.content_length)
    }

    /// What kind of thing was fetched: script, stylesheet, font, image, document, api, other.
    pub fn kind(&self) -> &'static str {
        match self.resource_type.as_str() {
            "script" => return "script",
            "stylesheet" => return "stylesheet",
            "font" => return "font",
            "image" => return "image",
            "document" => return "document",
            "fetch" | "xhr" => return "api",
            _ => {}
        }
        let mime = self.mime();
        if self.is_api() {
            "api"
        } else if mime.contains("javascript") || mime.contains("ecmascript") {
            "script"
        } else if mime == "text/css" {
            "stylesheet"
        } else if mime.starts_with("font/") || mime.contains("woff") {
            "font"
        } else if mime.starts_with("image/") {
            "image"
        } else if mime == "text/html" {
            "document"
        } else {
            "other"
        }
    }

    pub fn mime(&self) -> &str {
        // Cut at the `;` with `memchr` and trimmed only when an end could be
        // whitespace: asked per request by several detectors, and `split` plus
        // `trim` were two calls of about 50 instructions each.
        let ct = self.content_type.as_deref().unwrap_or("");
        let mime = &ct[..memchr::memchr(b';', ct.as_bytes()).unwrap_or(ct.len())];
        // A byte above ' ' and below 0x80 is an ASCII character that is not whitespace
        // (a non-ASCII character's bytes are all 0x80 or above).
        let plain = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x80);
        if plain(mime.as_bytes().first()) && plain(mime.as_bytes().last()) {
            mime
        } else {
            mime.trim()
        }
    }

    /// Method, normalized URL and body: equal keys ask the server the same thing.
    pub fn same_request_key(&self) -> Option<String> {
        self.same_key().map(str::to_string)
    }

    /// [`Request::same_request_key`], borrowed from the request's cache. The method,
    /// URL and body are not changed once a request is in the engine's ring.
    pub fn same_key(&self) -> Option<&str> {
        self.same_key_cache
            .get_or_init(|| {
                let body = self.body.as_deref()?;
                let mut key = String::with_capacity(self.method.len() + self.url.len() + body.len() + 2);
                key.push_str(&self.method);
                key.push(' ');
                if self.url_is_normal() {
                    key.push_str(&self.url);
                } else {
                    key.push_str(&urls::normalize(&self.url));
                }
                key.push(' ');
                key.push_str(body);
                Some(key)
            })
            .as_deref()
    }

    /// A fingerprint of the response for "did it change" questions, without the body.
    pub fn response_fingerprint(&self) -> Option<(u16, u64)> {
        let size = self.content_size.or(self.content_length)?;
        Some((self.status, size))
    }

    /// The endpoint this request belongs to, ids in the path replaced by
    /// placeholders: a stable key (method + full template) and a short label.
    pub fn endpoint(&self) -> (String, String) {
        self.endpoint_ref().clone()
    }

    fn endpoint_ref(&self) -> &(String, String) {
        self.counted_by.set(self.counted_by.get() | ENDPOINT_ASKED);
        self.endpoint_cache.get_or_init(|| self.compute_endpoint())
    }

    fn compute_endpoint(&self) -> (String, String) {
        // `"{method} {template}"` and `"{method} {short}"`, without the formatter, and
        // the template written into the key (no string of its own). The key has the
        // capacity of its length (the ring counts its capacity): it is written into a
        // buffer kept per thread and copied out at its length (a key of its own shrunk
        // to fit was a reallocation per request). A buffer grown past a long URL's
        // length is not kept.
        thread_local! {
            static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        let key = SCRATCH.with_borrow_mut(|scratch| {
            scratch.clear();
            scratch.push_str(&self.method);
            scratch.push(' ');
            urls::template_into(&self.url, scratch);
            let key = String::from(scratch.as_str());
            if scratch.capacity() > 4096 {
                *scratch = String::new();
            }
            key
        });
        debug_assert_eq!(key.capacity(), key.len(), "the ring counts the key's capacity");
        let short = urls::short(&key[self.method.len() + 1..]);
        let mut label = String::with_capacity(self.method.len() + 1 + short.len());
        label.push_str(&self.method);
        label.push(' ');
        label.push_str(short);
        (key, label)
    }

    /// [`Request::from_devtools`] built ahead, off the engine's thread (the CLI's
    /// reader), with the keys detectors ask for (`same_key`, `endpoint`, the URL's
    /// cut and the shape hash) computed:
    /// the engine gives it its id (see `Engine::ingest_prepared`). The endpoint is
    /// held uncounted until something asks for it (see `endpoint_bytes`), so the
    /// engine's byte budget, and with it every eviction, moves exactly as without.
    pub fn prepare(n: &NetworkEntry) -> Request {
        let r = Request::from_devtools(0, n);
        let _ = r.url_is_normal();
        let _ = r.same_key();
        let _ = r.endpoint_cache.set(r.compute_endpoint());
        // Held in cells of fixed size: the byte count does not move.
        let _ = r.cut();
        let _ = r.shape_hash();
        r
    }

    /// Heap bytes of the cached `endpoint()` (for the engine's accounting).
    pub(crate) fn endpoint_bytes(&self) -> usize {
        self.endpoint_cache
            .get()
            .filter(|_| self.counted_by.get() & ENDPOINT_ASKED != 0)
            .map_or(0, |(k, l)| k.capacity() + l.capacity() + 32)
            + self
                .same_key_cache
                .get()
                .and_then(Option::as_ref)
                .map_or(0, |k| k.capacity() + 8)
    }

    /// The cached endpoint key (method + template), as [`Request::endpoint`] without copying.
    pub fn endpoint_key(&self) -> &str {
        &self.endpoint_ref().0
    }

    /// The cached endpoint label (method + short template), as [`Request::endpoint`] without copying.
    pub fn endpoint_label(&self) -> &str {
        &self.endpoint_ref().1
    }

    pub fn label(&self) -> String {
        // `"{method} {short}"`, without the formatter (asked per new key by duplicate-request).
        let short = urls::short(&self.url);
        let mut label = String::with_capacity(self.method.len() + 1 + short.len());
        label.push_str(&self.method);
        label.push(' ');
        label.push_str(short);
        label
    }
}

/// The hash kept in `cell`, fed by `feed` into a `QuickHasher` the first time it is
/// asked (0 stands for "not yet"; a hash that is 0 is computed again, the same value).
fn cached_hash(cell: &std::cell::Cell<u64>, feed: impl FnOnce(&mut urls::QuickHasher)) -> u64 {
    use std::hash::Hasher;
    let h = cell.get();
    if h != 0 {
        return h;
    }
    let mut hasher = urls::QuickHasher::default();
    feed(&mut hasher);
    let h = hasher.finish();
    cell.set(h);
    h
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_mime_is_the_content_type_before_its_parameters_trimmed() {
        let cases = [
            None,
            Some(""),
            Some("application/json"),
            Some("application/json; charset=utf-8"),
            Some(" text/html ;q=1"),
            Some("\ttext/css\r\n"),
            Some("image/png\u{a0}"),
            Some("\u{3000}font/woff2;x"),
            Some(";"),
            Some("  "),
            Some("ü/ä ; x"),
        ];
        for ct in cases {
            let r = super::Request {
                content_type: ct.map(str::to_string),
                ..Default::default()
            };
            let whole = ct.unwrap_or("").split(';').next().unwrap_or("").trim();
            assert_eq!(r.mime(), whole, "{ct:?}");
        }
    }
}
