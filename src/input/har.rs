//! HAR 1.2 input from every producer people have: Chrome/Edge DevTools (`_initiator`
//! objects, `_transferSize`, `_resourceType`, `_fromCache`), Firefox and Safari (no
//! custom fields, -1 for "unknown"), chrome-har as browsertime and sitespeed.io write
//! it (`_initiator` as a URL string beside `_initiator_line`/`_column`), WebPageTest
//! (`_bytesIn`, `_initiator`, numbers as strings), Playwright's recordHar
//! (`_failureText`, status -1) and proxies (Charles, Fiddler, mitmproxy: base64
//! bodies, no pages). Also the entries `chrome.devtools.network` hands the panel.
//!
//! Reading is tolerant where the spec allows producers freedom and strict where it
//! does not: custom (`_`) fields of any type never fail an entry (the known shapes are
//! read, the rest ignored), while an entry whose standard fields are wrong (a `time`
//! written as a string) is skipped, counted and named, and the rest is analysed.
//!
//! Files are read streaming: [`stream`] walks the file's skeleton byte by byte,
//! cuts out one entry at a time and decodes only that entry into typed structs, so
//! memory is one entry plus whatever the caller keeps, whatever the file's size.

use crate::model::event::{graphql_operation, request_body_signature, response_values, Caller, NetworkEntry, Timings};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::io::Read;

#[derive(Debug, Deserialize)]
pub struct HarEntry<'a> {
    #[serde(borrow, rename = "startedDateTime")]
    pub started: Cow<'a, str>,
    /// Strict on purpose: a `time` that is not a number marks a broken export,
    /// and the entry is skipped rather than guessed at.
    #[serde(default)]
    pub time: Option<f64>,
    #[serde(borrow)]
    pub request: HarRequest<'a>,
    #[serde(borrow)]
    pub response: HarResponse<'a>,
    #[serde(default)]
    pub timings: Option<Timings>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub pageref: Option<String>,
    #[serde(default, rename = "_resourceType", deserialize_with = "lenient_string")]
    pub resource_type: Option<String>,
    #[serde(default, rename = "_transferSize", deserialize_with = "lenient_number")]
    pub transfer_size: Option<f64>,
    /// WebPageTest's bytes on the wire.
    #[serde(default, rename = "_bytesIn", deserialize_with = "lenient_number")]
    pub bytes_in: Option<f64>,
    /// Chrome's object, or chrome-har's and WebPageTest's URL string.
    #[serde(default, rename = "_initiator", deserialize_with = "initiator_field")]
    pub initiator: Option<Initiator>,
    /// chrome-har and WebPageTest: the line and column beside a string `_initiator`
    /// (1-based, as people read them).
    #[serde(default, rename = "_initiator_line", deserialize_with = "lenient_number")]
    pub initiator_line: Option<f64>,
    #[serde(default, rename = "_initiator_column", deserialize_with = "lenient_number")]
    pub initiator_column: Option<f64>,
    #[serde(default, rename = "_initiator_function_name", deserialize_with = "lenient_string")]
    pub initiator_function: Option<String>,
    #[serde(default, rename = "_error", deserialize_with = "lenient_string")]
    pub error: Option<String>,
    /// Chrome: "memory" or "disk" when the response came from the browser's cache.
    #[serde(default, rename = "_fromCache", deserialize_with = "lenient_string")]
    pub from_cache: Option<String>,
    /// Playwright: the page aborted the request.
    #[serde(default, rename = "_wasAborted", deserialize_with = "lenient_bool")]
    pub was_aborted: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct HarRequest<'a> {
    #[serde(borrow)]
    pub method: Cow<'a, str>,
    #[serde(borrow)]
    pub url: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub headers: Vec<Header<'a>>,
    #[serde(borrow, default, rename = "postData")]
    pub post_data: Option<PostData<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct PostData<'a> {
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
pub struct HarResponse<'a> {
    #[serde(default)]
    pub status: f64,
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub headers: Vec<Header<'a>>,
    #[serde(borrow, default)]
    pub content: Option<Content<'a>>,
    #[serde(default, rename = "bodySize")]
    pub body_size: Option<f64>,
    #[serde(default, rename = "_transferSize", deserialize_with = "lenient_number")]
    pub transfer_size: Option<f64>,
    #[serde(default, rename = "_error", deserialize_with = "lenient_string")]
    pub error: Option<String>,
    /// Playwright's reason for a failed request.
    #[serde(default, rename = "_failureText", deserialize_with = "lenient_string")]
    pub failure: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Content<'a> {
    #[serde(default)]
    pub size: Option<f64>,
    #[serde(borrow, default, rename = "mimeType")]
    pub mime_type: Option<Cow<'a, str>>,
    /// The body, when the export (or the panel) included it.
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub encoding: Option<Cow<'a, str>>,
}

/// One `log.pages` item. Pages may come before or after the entries in a file.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct HarPage {
    #[serde(default, deserialize_with = "lenient_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub title: Option<String>,
    #[serde(default, rename = "startedDateTime", deserialize_with = "lenient_string")]
    pub started: Option<String>,
    /// WebPageTest's tested URL.
    #[serde(default, rename = "_URL", deserialize_with = "lenient_string")]
    pub wpt_url: Option<String>,
}

impl HarPage {
    pub fn started_ms(&self) -> Option<f64> {
        self.started.as_deref().and_then(parse_iso8601)
    }
}

/// Bodies larger than this are not searched for values.
const MAX_VALUE_BODY: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
pub struct Header<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub value: Cow<'a, str>,
}

/// HAR uses -1 for "does not apply".
fn phase(v: Option<f64>) -> Option<f64> {
    v.filter(|n| n.is_finite() && *n >= 0.0)
}

#[derive(Debug, Default, Deserialize)]
pub struct Initiator {
    #[serde(default, rename = "type", deserialize_with = "lenient_string")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub url: Option<String>,
    /// CDP numbers lines from 0.
    #[serde(default, rename = "lineNumber", deserialize_with = "lenient_number")]
    pub line: Option<f64>,
    #[serde(default)]
    pub stack: Option<Stack>,
}

#[derive(Debug, Deserialize)]
pub struct Stack {
    #[serde(default, rename = "callFrames", deserialize_with = "null_as_default")]
    pub frames: Vec<Frame>,
    #[serde(default)]
    pub parent: Option<Box<Stack>>,
    /// For an asynchronous parent: what it was (`await`, `Promise.then`, `setTimeout`...).
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Frame {
    #[serde(default, rename = "functionName", deserialize_with = "lenient_string")]
    pub function: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub url: Option<String>,
    #[serde(default, rename = "lineNumber", deserialize_with = "lenient_number")]
    pub line: Option<f64>,
    #[serde(default, rename = "columnNumber", deserialize_with = "lenient_number")]
    pub column: Option<f64>,
}

/// The response headers `to_event` reads, found in one pass over the headers (the
/// first of each name wins, as with `header`): looking each up in turn trimmed and
/// compared every header half a dozen times per entry.
#[derive(Default)]
struct ResponseHeaders<'a> {
    content_encoding: Option<&'a str>,
    cache_control: Option<&'a str>,
    expires: Option<&'a str>,
    date: Option<&'a str>,
    source_map: Option<&'a str>,
    x_source_map: Option<&'a str>,
}

impl<'a> ResponseHeaders<'a> {
    fn of(headers: &'a [Header]) -> Self {
        let mut r = ResponseHeaders::default();
        for h in headers {
            let name = trim(&h.name);
            // The length first: most headers are none of these and fail there.
            let slot = match name.len() {
                16 if name.eq_ignore_ascii_case("content-encoding") => &mut r.content_encoding,
                13 if name.eq_ignore_ascii_case("cache-control") => &mut r.cache_control,
                7 if name.eq_ignore_ascii_case("expires") => &mut r.expires,
                4 if name.eq_ignore_ascii_case("date") => &mut r.date,
                9 if name.eq_ignore_ascii_case("sourcemap") => &mut r.source_map,
                11 if name.eq_ignore_ascii_case("x-sourcemap") => &mut r.x_source_map,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(h.value.as_ref());
            }
        }
        r
    }
}

/// Which of the request headers `to_event` asks about are there, found in one pass
/// (a lookup per name trimmed and compared every header four times per entry).
#[derive(Default)]
struct RequestHeaders {
    range: bool,
    request_id: bool,
    traceparent: bool,
    requested_with: bool,
}

impl RequestHeaders {
    fn of(headers: &[Header]) -> Self {
        let mut r = RequestHeaders::default();
        for h in headers {
            let name = trim(&h.name);
            let slot = match name.len() {
                5 if name.eq_ignore_ascii_case("range") => &mut r.range,
                12 if name.eq_ignore_ascii_case("x-request-id") => &mut r.request_id,
                11 if name.eq_ignore_ascii_case("traceparent") => &mut r.traceparent,
                16 if name.eq_ignore_ascii_case("x-requested-with") => &mut r.requested_with,
                _ => continue,
            };
            *slot = true;
        }
        r
    }
}

/// `str::trim`, without its Unicode search when the ends are plain ASCII (header
/// names nearly always are).
fn trim(s: &str) -> &str {
    let plain = |b: u8| b > b' ' && b < 0x80;
    match s.as_bytes() {
        [first, .., last] if plain(*first) && plain(*last) => s,
        [only] if plain(*only) => s,
        _ => s.trim(),
    }
}

/// Sizes of -1 mean "unknown" in HAR.
fn size(v: Option<f64>) -> Option<u64> {
    v.filter(|n| n.is_finite() && *n >= 0.0).map(|n| n as u64)
}

fn line_no(v: Option<f64>) -> u64 {
    v.filter(|n| n.is_finite() && *n >= 0.0).unwrap_or(0.0) as u64
}

impl Initiator {
    /// The innermost frame of the stack, or the parser location: `url:line:col`
    /// (1-based, as people read them; CDP numbers from 0).
    pub fn location(&self) -> Option<String> {
        let mut stack = self.stack.as_ref();
        // A long chain of async parents is walked iteratively, never recursively.
        let mut hops = 0;
        while let Some(s) = stack {
            // Our own page hook wraps fetch, so skip extension frames to reach the page's code.
            if let Some((f, url)) = s.frames.iter().find_map(|f| {
                let url = f
                    .url
                    .as_deref()
                    .filter(|u| !u.is_empty() && !u.starts_with("chrome-extension://"))?;
                Some((f, url))
            }) {
                return Some(place(
                    url,
                    line_no(f.line) + 1,
                    Some(line_no(f.column) + 1),
                    f.function.as_deref(),
                ));
            }
            stack = s.parent.as_deref();
            hops += 1;
            if hops > 64 {
                break;
            }
        }
        let url = self.url.as_ref().filter(|u| !u.is_empty())?;
        Some(match self.line {
            Some(l) if l.is_finite() && l >= 0.0 => place(url, l as u64 + 1, None, None),
            _ => url.clone(),
        })
    }
}

/// `url:line:column (function)`, the column and function when there are: the
/// text `format!` gave, built without the formatter (once per entry with an
/// initiator, it was a twentieth of the reader thread's work), to its length.
fn place(url: &str, line: u64, column: Option<u64>, function: Option<&str>) -> String {
    let function = function.filter(|f| !f.is_empty());
    let digits = decimal_len(line) + column.map_or(0, |c| 1 + decimal_len(c));
    let mut s = String::with_capacity(url.len() + 1 + digits + function.map_or(0, |f| f.len() + 3));
    s.push_str(url);
    for n in std::iter::once(line).chain(column) {
        s.push(':');
        push_decimal(&mut s, n);
    }
    if let Some(f) = function {
        s.push_str(" (");
        s.push_str(f);
        s.push(')');
    }
    s
}

fn decimal_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

fn push_decimal(s: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.extend(digits[i..].iter().map(|&d| char::from(d)));
}

/// Async parents and frames looked at when describing a caller (a deep stack is cut).
const MAX_CALLER_DEPTH: usize = 8;

/// A frame of the page's own code (not ours, not an evaluated snippet without a URL).
fn page_frame(f: &Frame) -> bool {
    f.url
        .as_deref()
        .is_some_and(|u| !u.is_empty() && !u.starts_with("chrome-extension://"))
}

fn function_key(f: &Frame) -> String {
    // `"{url}#{function}"`, without the formatter (once per entry with a stack).
    let (url, function) = (f.url.as_deref().unwrap_or(""), f.function.as_deref().unwrap_or(""));
    let mut key = String::with_capacity(url.len() + 1 + function.len());
    key.push_str(url);
    key.push('#');
    key.push_str(function);
    key
}

impl Initiator {
    /// Which page function issued the request and what it resumed from (see
    /// `event::Caller`); None without a stack or without page code on it.
    pub fn caller(&self) -> Option<Caller> {
        let stack = self.stack.as_ref()?;
        let function = stack.frames.iter().find(|f| page_frame(f)).map(function_key)?;
        let parent = stack.parent.as_deref();
        let resumed = parent.map(|p| p.description.clone().unwrap_or_default());
        let mut scheduled_by = Vec::new();
        let mut next = parent;
        let mut depth = 0;
        while let Some(p) = next {
            for f in p.frames.iter().filter(|f| page_frame(f)) {
                let key = function_key(f);
                if scheduled_by.len() < MAX_CALLER_DEPTH && !scheduled_by.contains(&key) {
                    scheduled_by.push(key);
                }
            }
            depth += 1;
            if depth >= MAX_CALLER_DEPTH {
                break;
            }
            next = p.parent.as_deref();
        }
        // React's scheduler runs renders and their effects from a `MessageChannel`
        // task, which leaves no asynchronous parent: its entry point names it.
        let rendered = stack.frames.last().and_then(|f| f.function.as_deref()) == Some("performWorkUntilDeadline");
        Some(Caller {
            function,
            resumed,
            scheduled_by,
            rendered,
        })
    }
}

impl HarEntry<'_> {
    /// Where the request came from: Chrome's initiator object, or the flat
    /// `_initiator` + `_initiator_line`/`_column` of chrome-har and WebPageTest.
    fn initiator_location(&self) -> Option<String> {
        let i = self.initiator.as_ref()?;
        if i.stack.is_some() || i.kind.is_some() || self.initiator_line.is_none() {
            return i.location();
        }
        let url = i.url.as_deref().filter(|u| !u.is_empty())?;
        let line = line_no(self.initiator_line).max(1);
        let column = self.initiator_column.filter(|c| c.is_finite() && *c >= 1.0);
        Some(place(
            url,
            line,
            column.map(|c| c as u64),
            self.initiator_function.as_deref(),
        ))
    }

    pub fn to_event(&self) -> Result<NetworkEntry, String> {
        let t = parse_iso8601(&self.started).ok_or_else(|| format!("bad startedDateTime {:?}", self.started))?;
        if self.request.url.is_empty() {
            return Err("request.url is empty".into());
        }
        let resp = &self.response;
        let status = if resp.status.is_finite() && resp.status >= 0.0 && resp.status < 1000.0 {
            resp.status as u16
        } else {
            0
        };
        let body = match &self.request.post_data {
            Some(p) => p.text.as_deref().and_then(request_body_signature),
            None => Some(String::new()),
        };
        let cached = matches!(self.from_cache.as_deref(), Some("memory") | Some("disk"));
        let transfer = size(self.transfer_size.or(resp.transfer_size).or(self.bytes_in))
            // Served from the browser's cache: nothing crossed the network.
            .or(cached.then_some(0));
        let rh = ResponseHeaders::of(&resp.headers);
        let qh = RequestHeaders::of(&self.request.headers);
        Ok(NetworkEntry {
            method: self.request.method.to_string(),
            url: self.request.url.to_string(),
            t,
            duration: self.time.filter(|d| d.is_finite() && *d >= 0.0).unwrap_or(0.0),
            status,
            resource_type: match self.resource_type.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => r.to_ascii_lowercase(),
                None => guess_type(self, qh.requested_with).to_ascii_lowercase(),
            },
            mime_type: resp
                .content
                .as_ref()
                .and_then(|c| c.mime_type.as_deref())
                .filter(|m| !m.is_empty())
                .map(str::to_string),
            transfer_size: transfer,
            body_size: size(resp.body_size),
            content_size: size(resp.content.as_ref().and_then(|c| c.size)),
            content_encoding: rh.content_encoding.map(str::to_string),
            cache_control: rh.cache_control.map(str::to_string),
            expires_s: rh.expires.map(|e| {
                let base = rh.date.and_then(parse_http_date).unwrap_or(t);
                // An invalid date ("0", "-1") means already expired (RFC 9111 §5.3).
                parse_http_date(e).map_or(0, |at| ((at - base) / 1000.0).round().max(0.0) as i64)
            }),
            no_headers: resp.headers.is_empty(),
            source_map: rh.source_map.or(rh.x_source_map).map(str::to_string),
            body,
            range: qh.range,
            initiator: self.initiator_location(),
            caller: self.initiator.as_ref().and_then(Initiator::caller),
            aborted: self.was_aborted == Some(true)
                || [&self.error, &resp.error]
                    .iter()
                    .any(|e| e.as_deref().is_some_and(|e| e.contains("ERR_ABORTED"))),
            wait: self.timings.as_ref().and_then(|t| phase(t.wait)),
            failed: status == 0
                || self.error.as_deref().is_some_and(|e| !e.is_empty())
                || resp.error.as_deref().is_some_and(|e| !e.is_empty())
                || resp.failure.is_some()
                || self.was_aborted == Some(true),
            timings: self.timings.as_ref().map(|t| Timings {
                blocked: phase(t.blocked),
                dns: phase(t.dns),
                connect: phase(t.connect),
                ssl: phase(t.ssl),
                send: phase(t.send),
                wait: phase(t.wait),
                receive: phase(t.receive),
            }),
            traced: (!self.request.headers.is_empty()).then_some(qh.request_id || qh.traceparent),
            op: self
                .request
                .post_data
                .as_ref()
                .and_then(|p| p.text.as_deref())
                .and_then(graphql_operation),
            values: json_body(resp.content.as_ref())
                .map(|t| response_values(&t))
                .unwrap_or_default(),
        })
    }
}

/// A small JSON response body, decoded from base64 when the exporter wrote it so
/// (Charles, Fiddler, mitmproxy and Playwright do for many bodies).
fn json_body<'c>(c: Option<&'c Content>) -> Option<Cow<'c, str>> {
    let c = c?;
    // A byte scan: `str::contains` sets up a substring searcher per call.
    if !c
        .mime_type
        .as_deref()
        .is_some_and(|m| m.as_bytes().windows(4).any(|w| w == b"json"))
    {
        return None;
    }
    let text = c.text.as_deref()?;
    match c.encoding.as_deref() {
        None | Some("") => (text.len() <= MAX_VALUE_BODY).then_some(Cow::Borrowed(text)),
        Some(e) if e.eq_ignore_ascii_case("base64") => {
            if text.len() > MAX_VALUE_BODY * 4 / 3 + 4 {
                return None;
            }
            String::from_utf8(base64_decode(text)?).ok().map(Cow::Owned)
        }
        Some(_) => None,
    }
}

/// Standard or URL-safe base64, padding optional, whitespace ignored.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Firefox and Safari exports have no `_resourceType`; a request for JSON or with
/// an XHR header is most likely an app's fetch.
fn guess_type(e: &HarEntry, xrw: bool) -> String {
    let mime = e
        .response
        .content
        .as_ref()
        .and_then(|c| c.mime_type.as_deref())
        .unwrap_or("")
        .to_ascii_lowercase();
    let kind = if xrw || mime.contains("json") || mime.contains("graphql") {
        "fetch"
    } else if mime.contains("javascript") || mime.contains("ecmascript") {
        "script"
    } else if mime.contains("css") {
        "stylesheet"
    } else if mime.contains("html") {
        "document"
    } else if mime.starts_with("image/") {
        "image"
    } else if mime.starts_with("font/") || mime.contains("woff") {
        "font"
    } else {
        "other"
    };
    kind.to_string()
}

// ---------------------------------------------------------------------------
// Lenient decoding of custom fields: the known shape is read, anything else is
// skipped (whatever its type or depth) and reads as absent.

/// Skips whatever value the deserializer holds.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

macro_rules! lenient_visitor {
    ($name:ident, $ty:ty, $what:expr, |$s:ident| $from_str:expr, |$n:ident| $from_num:expr, |$b:ident| $from_bool:expr) => {
        struct $name;
        impl<'de> Visitor<'de> for $name {
            type Value = Option<$ty>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str($what)
            }
            fn visit_str<E: de::Error>(self, $s: &str) -> Result<Self::Value, E> {
                Ok($from_str)
            }
            fn visit_f64<E: de::Error>(self, $n: f64) -> Result<Self::Value, E> {
                Ok($from_num)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                self.visit_f64(n as f64)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                self.visit_f64(n as f64)
            }
            fn visit_bool<E: de::Error>(self, $b: bool) -> Result<Self::Value, E> {
                Ok($from_bool)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any($name)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq).map(|_| None)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                drain_map(map).map(|_| None)
            }
        }
    };
}

lenient_visitor!(
    LenientString,
    String,
    "a string",
    |s| Some(s.to_string()),
    |n| Some(format!("{n}")),
    |_b| None
);
lenient_visitor!(
    LenientNumber,
    f64,
    "a number",
    |s| crate::model::number::parse_f64(s.trim()),
    |n| Some(n),
    |_b| None
);
lenient_visitor!(
    LenientBool,
    bool,
    "a boolean",
    |s| match s {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    },
    |n| Some(n != 0.0),
    |b| Some(b)
);

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(LenientString)
}

fn lenient_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(LenientNumber)
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(LenientBool)
}

/// `null` where an array belongs reads as empty (some exporters write `"headers": null`).
fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `_initiator`: Chrome's object, or a URL string (chrome-har, WebPageTest); any
/// other type reads as absent.
fn initiator_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Initiator>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Initiator>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an initiator object or URL")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Some(Initiator {
                url: Some(s.to_string()),
                ..Initiator::default()
            }))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Initiator::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            drain_seq(seq).map(|_| None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

// ---------------------------------------------------------------------------
// Streaming.

/// What [`read`] hands its caller, in file order. The entry borrows the reader's
/// buffer: turn it into an event (or copy what you need) before returning.
// Handed by value once per entry and never stored: boxing would cost an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Item<'a> {
    Page(HarPage),
    /// The entry's index in `log.entries` and the entry, or why it cannot be read.
    Entry(usize, Result<HarEntry<'a>, String>),
}

/// What [`read_raw`] hands its caller: the bytes of each page and entry, undecoded.
#[derive(Debug)]
pub enum Raw<'a> {
    Page(&'a [u8]),
    Entry(usize, &'a [u8]),
}

/// What the walk hands on: raw bytes, or an entry decoded in place.
#[allow(clippy::large_enum_variant)]
enum Ev<'a> {
    Page(&'a [u8]),
    Bytes(usize, &'a [u8]),
    Decoded(usize, HarEntry<'a>),
}

/// What kind of document [`read`] found.
#[derive(Debug)]
pub enum Document {
    /// A HAR file: its entries and pages went to the callback.
    Har(HarStats),
    /// Not a HAR (no top-level `log` first): the whole text, for the caller to
    /// recognize (a Stormwatch report is small and read in one piece).
    Other(Vec<u8>),
}

#[derive(Debug, Default)]
pub struct HarStats {
    /// Entries in `log.entries` (readable or not).
    pub entries: usize,
    /// Pages that could not be read (they only label findings).
    pub bad_pages: usize,
    /// The file ended early or broke off: what was read before is still used.
    pub truncated: Option<String>,
}

enum ScanError {
    Io(std::io::Error),
    Eof,
    /// Malformed JSON (the message gets the byte position).
    Syntax(String),
    /// A complete message.
    Plain(String),
    /// Not a HAR: the caller wants the whole text.
    NotHar,
}

impl From<std::io::Error> for ScanError {
    fn from(e: std::io::Error) -> Self {
        ScanError::Io(e)
    }
}

impl ScanError {
    fn message(self, at: u64) -> String {
        match self {
            ScanError::Io(e) => format!("cannot read: {e}"),
            ScanError::Eof => format!("truncated JSON (the input ends at byte {at})"),
            ScanError::Syntax(m) => format!("invalid JSON at byte {at}: {m}"),
            ScanError::Plain(m) => m,
            ScanError::NotHar => "not a HAR file".into(),
        }
    }
}

/// Bytes that change the nesting state outside strings.
static STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t
};

const READ_CHUNK: usize = 256 * 1024;
/// One entry larger than this (a video inlined as base64...) is refused, not buffered.
const MAX_ENTRY_BYTES: usize = 256 << 20;

struct Scanner<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    /// Keep every byte read (while it is not yet known whether this is a HAR).
    keep: bool,
    /// Bytes dropped from the front of `buf` so far.
    dropped: u64,
    /// Decode entries straight from the buffer (one pass) instead of cutting them out first.
    direct: bool,
}

impl<R: Read> Scanner<R> {
    fn new(src: R) -> Self {
        Scanner {
            src,
            buf: vec![0; READ_CHUNK],
            pos: 0,
            len: 0,
            eof: false,
            keep: false,
            dropped: 0,
            direct: false,
        }
    }

    /// Makes `buf[pos]` readable; false at the end of the input.
    fn fill(&mut self) -> Result<bool, ScanError> {
        if self.pos < self.len {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        if !self.keep {
            self.dropped += self.len as u64;
            self.pos = 0;
            self.len = 0;
            if self.buf.len() > READ_CHUNK * 4 {
                self.buf.truncate(READ_CHUNK);
                self.buf.shrink_to_fit();
            }
        } else if self.len == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.src.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Reads more input while keeping `buf[pos..len]`; false at the end of the input.
    fn more(&mut self) -> Result<bool, ScanError> {
        if self.eof {
            return Ok(false);
        }
        if !self.keep && self.pos > 0 {
            self.buf.copy_within(self.pos..self.len, 0);
            self.dropped += self.pos as u64;
            self.len -= self.pos;
            self.pos = 0;
        }
        if self.len == self.buf.len() {
            if self.len - self.pos > MAX_ENTRY_BYTES {
                return Err(ScanError::Syntax(format!(
                    "an entry larger than {} MB",
                    MAX_ENTRY_BYTES >> 20
                )));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let before = self.len;
        // Fill all the free space, so an entry that spans many reads is retried a
        // few times (the buffer doubles), not once per read.
        while self.len < self.buf.len() {
            match self.src.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(self.len > before)
    }

    fn position(&self) -> u64 {
        self.dropped + self.pos as u64
    }

    /// The next byte that is not whitespace, not consumed; None at the end.
    fn peek(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            if !self.fill()? {
                return Ok(None);
            }
            let b = self.buf[self.pos];
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                return Ok(Some(b));
            }
        }
    }

    fn next(&mut self) -> Result<u8, ScanError> {
        let b = self.peek()?.ok_or(ScanError::Eof)?;
        self.pos += 1;
        Ok(b)
    }

    fn expect(&mut self, want: u8, what: &str) -> Result<(), ScanError> {
        match self.next()? {
            b if b == want => Ok(()),
            b => Err(ScanError::Syntax(format!("expected {what}, found {:?}", b as char))),
        }
    }

    /// An object key (or any string), decoded.
    /// The next member of an object being walked: its key, with the `:` after it
    /// consumed (the caller reads the value), or None at the closing `}`.
    fn next_member(&mut self, first: &mut bool, what: &str) -> Result<Option<String>, ScanError> {
        let b = self.peek()?.ok_or(ScanError::Eof)?;
        self.pos += 1;
        match (*first, b) {
            (_, b'}') => return Ok(None),
            (false, b',') => {}
            (true, _) => self.pos -= 1,
            _ => {
                return Err(ScanError::Syntax(format!(
                    "expected , or }} in {what}, found {:?}",
                    b as char
                )))
            }
        }
        *first = false;
        let key = self.key()?;
        self.expect(b':', ":")?;
        Ok(Some(key))
    }

    /// Moves to the next item of an array whose `[` was read: `Ok(true)` when one
    /// follows, `Ok(false)` after the closing `]`, `Err(why)` when the input ended or
    /// broke off (what was read before is kept).
    fn next_element(&mut self, first: &mut bool) -> Result<Result<bool, String>, ScanError> {
        let Some(b) = self.peek()? else {
            return Ok(Err("truncated JSON".into()));
        };
        if b == b']' {
            self.pos += 1;
            return Ok(Ok(false));
        }
        if !*first {
            if b != b',' {
                return Ok(Err(format!(
                    "invalid JSON at byte {} (expected , or ])",
                    self.position()
                )));
            }
            self.pos += 1;
            if self.peek()?.is_none() {
                return Ok(Err("truncated JSON".into()));
            }
        }
        *first = false;
        Ok(Ok(true))
    }

    /// Copies the next array item's bytes into `buf`; `Err(why)` when the input
    /// ended or broke off inside it.
    fn element(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<Result<(), String>, ScanError> {
        buf.clear();
        match self.value(Some(buf), max) {
            Ok(()) => Ok(Ok(())),
            Err(ScanError::Eof) => Ok(Err("truncated JSON".into())),
            Err(ScanError::Syntax(m)) => Ok(Err(format!("invalid JSON at byte {} ({m})", self.position()))),
            Err(e) => Err(e),
        }
    }

    fn key(&mut self) -> Result<String, ScanError> {
        let mut raw = Vec::new();
        self.value(Some(&mut raw), 1 << 20)?;
        if raw.first() != Some(&b'"') {
            return Err(ScanError::Syntax("expected a string key".into()));
        }
        serde_json::from_slice::<String>(&raw).map_err(|e| ScanError::Syntax(format!("bad key: {e}")))
    }

    /// Scans one JSON value, copying its bytes to `out` when given. Nesting is
    /// counted, not recursed into, so no depth of junk can exhaust the stack; the
    /// values kept are checked by serde when decoded.
    fn value(&mut self, mut out: Option<&mut Vec<u8>>, max: usize) -> Result<(), ScanError> {
        let first = self.peek()?.ok_or(ScanError::Eof)?;
        let mut seg = self.pos;
        let mut copied = 0usize;
        macro_rules! flush {
            () => {
                if let Some(o) = out.as_deref_mut() {
                    copied += self.pos - seg;
                    if copied > max {
                        return Err(ScanError::Syntax(format!("a value larger than {} MB", max >> 20)));
                    }
                    o.extend_from_slice(&self.buf[seg..self.pos]);
                }
            };
        }
        macro_rules! refill {
            () => {
                if self.pos >= self.len {
                    flush!();
                    if !self.fill()? {
                        return Err(ScanError::Eof);
                    }
                    seg = self.pos;
                }
            };
        }
        match first {
            b'"' | b'{' | b'[' => {
                let mut depth = 0usize;
                let mut in_str = false;
                let mut escaped = false;
                loop {
                    refill!();
                    if escaped {
                        self.pos += 1;
                        escaped = false;
                        continue;
                    }
                    let slice = &self.buf[self.pos..self.len];
                    if in_str {
                        match memchr::memchr2(b'"', b'\\', slice) {
                            None => self.pos = self.len,
                            Some(k) => {
                                let b = slice[k];
                                self.pos += k + 1;
                                if b == b'\\' {
                                    escaped = true;
                                } else {
                                    in_str = false;
                                    if depth == 0 {
                                        flush!();
                                        return Ok(());
                                    }
                                }
                            }
                        }
                    } else {
                        match slice.iter().position(|b| STRUCTURAL[*b as usize]) {
                            None => self.pos = self.len,
                            Some(k) => {
                                let b = slice[k];
                                self.pos += k + 1;
                                match b {
                                    b'"' => in_str = true,
                                    b'{' | b'[' => depth += 1,
                                    _ => {
                                        depth = depth.saturating_sub(1);
                                        if depth == 0 {
                                            flush!();
                                            return Ok(());
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            b'}' | b']' | b',' | b':' => Err(ScanError::Syntax(format!(
                "expected a value, found {:?}",
                first as char
            ))),
            _ => {
                // A number, true, false or null: up to the next delimiter.
                loop {
                    if self.pos >= self.len {
                        flush!();
                        if !self.fill()? {
                            return Ok(()); // a bare scalar at the very end
                        }
                        seg = self.pos;
                    }
                    let b = self.buf[self.pos];
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        flush!();
                        return Ok(());
                    }
                    self.pos += 1;
                }
            }
        }
    }

    /// Everything from the start (while `keep`) plus the rest of the input.
    fn into_all(mut self) -> Result<Vec<u8>, ScanError> {
        self.buf.truncate(self.len);
        self.src.read_to_end(&mut self.buf)?;
        Ok(self.buf)
    }
}

fn walk<R: Read>(s: &mut Scanner<R>, on: &mut impl FnMut(Ev<'_>)) -> Result<Document, ScanError> {
    // A UTF-8 byte order mark is allowed (and ignored) by HAR 1.2.
    if s.fill()? && s.buf[s.pos] == 0xEF {
        for want in [0xEF, 0xBB, 0xBF] {
            if !s.fill()? || s.buf[s.pos] != want {
                return Err(ScanError::Plain("not UTF-8 text".into()));
            }
            s.pos += 1;
        }
    }
    match s.peek()? {
        None => return Err(ScanError::Plain("the file is empty".into())),
        Some(b'{') => {}
        Some(_) => {
            let head = &s.buf[s.pos..s.len.min(s.pos + 64)];
            let valid = match std::str::from_utf8(head) {
                Ok(_) => true,
                Err(e) => e.error_len().is_none(), // cut in the middle of a character
            };
            return Err(ScanError::Plain(if valid {
                "not JSON (expected a HAR file or a stormwatch report)".into()
            } else {
                "not UTF-8 text".into()
            }));
        }
    }
    s.pos += 1;
    let mut stats: Option<HarStats> = None;
    match top_level(s, on, &mut stats) {
        Ok(()) => {}
        // What follows the log (WebPageTest puts `_lighthouse` there) broke off:
        // every entry was read already.
        Err(ScanError::Eof | ScanError::Syntax(_)) if stats.as_ref().is_some_and(|st| st.entries > 0) => {
            if let Some(st) = stats.as_mut() {
                st.truncated
                    .get_or_insert_with(|| "truncated JSON after the entries".into());
            }
        }
        Err(e) => return Err(e),
    }
    stats.map(Document::Har).ok_or(ScanError::NotHar)
}

fn top_level<R: Read>(
    s: &mut Scanner<R>,
    on: &mut impl FnMut(Ev<'_>),
    stats: &mut Option<HarStats>,
) -> Result<(), ScanError> {
    let mut first = true;
    while let Some(key) = s.next_member(&mut first, "the top-level object")? {
        match key.as_str() {
            "log" if stats.is_none() => {
                // A HAR: from here on nothing before the current entry is kept.
                s.keep = false;
                let st = walk_log(s, on)?;
                let stop = st.truncated.is_some();
                *stats = Some(st);
                if stop {
                    return Ok(());
                }
            }
            "schema" if stats.is_none() => return Err(ScanError::NotHar),
            _ => s.value(None, usize::MAX)?,
        }
    }
    Ok(())
}

fn walk_log<R: Read>(s: &mut Scanner<R>, on: &mut impl FnMut(Ev<'_>)) -> Result<HarStats, ScanError> {
    let mut stats = HarStats::default();
    if s.peek()? != Some(b'{') {
        return Err(ScanError::Plain(
            "not a valid HAR 1.2 file: \"log\" is not an object".into(),
        ));
    }
    s.pos += 1;
    let mut saw_entries = false;
    match log_fields(s, on, &mut stats, &mut saw_entries) {
        Ok(()) => {}
        // Entries were read before the file broke off: they are analysed, and the
        // caller says the file is truncated.
        Err(ScanError::Eof) if stats.entries > 0 => {
            stats
                .truncated
                .get_or_insert_with(|| "truncated JSON after the entries".into());
        }
        Err(ScanError::Syntax(m)) if stats.entries > 0 => {
            stats
                .truncated
                .get_or_insert_with(|| format!("invalid JSON after the entries ({m})"));
        }
        Err(e) => return Err(e),
    }
    if !saw_entries {
        return Err(ScanError::Plain("not a valid HAR 1.2 file: no log.entries".into()));
    }
    Ok(stats)
}

fn log_fields<R: Read>(
    s: &mut Scanner<R>,
    on: &mut impl FnMut(Ev<'_>),
    stats: &mut HarStats,
    saw_entries: &mut bool,
) -> Result<(), ScanError> {
    let mut first = true;
    let mut entry = Vec::new();
    while let Some(key) = s.next_member(&mut first, "\"log\"")? {
        match key.as_str() {
            "entries" => {
                if s.peek()? != Some(b'[') {
                    return Err(ScanError::Plain(
                        "not a valid HAR 1.2 file: log.entries is not an array".into(),
                    ));
                }
                *saw_entries = true;
                s.pos += 1;
                let why = if s.direct {
                    read_entries(s, &mut entry, stats, on)?
                } else {
                    read_array(s, &mut entry, MAX_ENTRY_BYTES, |bytes| {
                        let i = stats.entries;
                        stats.entries += 1;
                        on(Ev::Bytes(i, bytes));
                    })?
                };
                if let Some(why) = why {
                    if stats.entries == 0 {
                        return Err(ScanError::Eof);
                    }
                    stats.truncated = Some(format!("{why} in entry {}", stats.entries));
                    return Ok(());
                }
            }
            "pages" if s.peek()? == Some(b'[') => {
                s.pos += 1;
                let why = read_array(s, &mut entry, 1 << 20, |bytes| on(Ev::Page(bytes)))?;
                if let Some(why) = why {
                    if stats.entries == 0 {
                        return Err(ScanError::Eof);
                    }
                    stats.truncated = Some(format!("{why} in log.pages"));
                    return Ok(());
                }
            }
            _ => s.value(None, usize::MAX)?,
        }
    }
    Ok(())
}

/// Reads `log.entries` (its `[` consumed), decoding each entry straight from the
/// read buffer in one pass; an entry cut by the end of the buffer is decoded again
/// once more input is in. An entry that does not decode is cut out by the scanner
/// and handed on as bytes, so its error names what is wrong and the next entry is
/// read as usual. Returns why it stopped early, if it did.
fn read_entries<R: Read>(
    s: &mut Scanner<R>,
    buf: &mut Vec<u8>,
    stats: &mut HarStats,
    on: &mut impl FnMut(Ev<'_>),
) -> Result<Option<String>, ScanError> {
    let mut first = true;
    // The input is checked for UTF-8 once, as it comes in, up to here (an offset in
    // the whole input, like `Scanner::position`); entries are then decoded as text.
    // Decoding bytes instead checks every string again (serde_json validates each
    // one it borrows), which cost more than the whole check.
    let mut valid_to = 0u64;
    loop {
        match s.next_element(&mut first)? {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(why) => return Ok(Some(why)),
        }
        let i = stats.entries;
        let used = loop {
            // An entry starts at `{`, a character boundary: checking from there is sound.
            valid_to = valid_to.max(s.position());
            let from = (valid_to - s.dropped) as usize;
            let invalid = match std::str::from_utf8(&s.buf[from..s.len]) {
                Ok(_) => {
                    valid_to = s.dropped + s.len as u64;
                    false
                }
                Err(e) => {
                    valid_to += e.valid_up_to() as u64;
                    // `None`: only a character cut by the end of the read so far.
                    e.error_len().is_some()
                }
            };
            let next = if invalid {
                // Bytes that are not UTF-8 ahead: decoded as bytes, so an entry that
                // holds them fails with serde_json's own error.
                let mut stream = serde_json::Deserializer::from_slice(&s.buf[s.pos..s.len]).into_iter::<HarEntry>();
                stream.next().map(|r| r.map(|e| (e, stream.byte_offset())))
            } else {
                let checked = &s.buf[s.pos..(valid_to - s.dropped) as usize];
                // SAFETY: `checked` lies within what `from_utf8` accepted above.
                let text = unsafe { std::str::from_utf8_unchecked(checked) };
                match fast_entry(text) {
                    Some(decoded) => Some(Ok(decoded)),
                    None => serde_entry(text),
                }
            };
            match next {
                Some(Ok((entry, used))) => {
                    stats.entries += 1;
                    on(Ev::Decoded(i, entry));
                    break Some(used);
                }
                Some(Err(e)) if e.is_eof() => {
                    if !s.more()? {
                        break None;
                    }
                }
                _ => break None,
            }
        };
        match used {
            Some(n) => s.pos += n,
            None => {
                if let Err(why) = s.element(buf, MAX_ENTRY_BYTES)? {
                    return Ok(Some(why));
                }
                stats.entries += 1;
                on(Ev::Bytes(i, buf));
                shrink(buf);
            }
        }
    }
}

/// The entry at the start of `text` by the hand-written parser, when it can take
/// it (see `har_fast`); None leaves it to serde. The CLI's path only: the panel's
/// wasm keeps serde's alone, a smaller download for a path that is not its hot one.
#[cfg(not(target_arch = "wasm32"))]
fn fast_entry(text: &str) -> Option<(HarEntry<'_>, usize)> {
    super::har_fast::entry(text)
}

#[cfg(target_arch = "wasm32")]
fn fast_entry(_: &str) -> Option<(HarEntry<'_>, usize)> {
    None
}

/// The entry at the start of `text` by serde, from text: no second UTF-8 check of
/// every string. The panel decodes from bytes, as it does DevTools' live entries,
/// so its wasm holds one copy of the entry decoders, not one per reader type.
#[cfg(not(target_arch = "wasm32"))]
fn serde_entry(text: &str) -> Option<serde_json::Result<(HarEntry<'_>, usize)>> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<HarEntry>();
    stream.next().map(|r| r.map(|e| (e, stream.byte_offset())))
}

#[cfg(target_arch = "wasm32")]
fn serde_entry(text: &str) -> Option<serde_json::Result<(HarEntry<'_>, usize)>> {
    let mut stream = serde_json::Deserializer::from_slice(text.as_bytes()).into_iter::<HarEntry>();
    stream.next().map(|r| r.map(|e| (e, stream.byte_offset())))
}

/// Does not keep a huge entry's buffer around for the small ones that follow.
fn shrink(buf: &mut Vec<u8>) {
    if buf.capacity() > 4 << 20 {
        *buf = Vec::new();
    }
}

/// Reads the items of an array whose `[` was consumed, handing each item's bytes to
/// `item`. Returns why it stopped early (the input ended or broke off), if it did.
fn read_array<R: Read>(
    s: &mut Scanner<R>,
    buf: &mut Vec<u8>,
    max: usize,
    mut item: impl FnMut(&[u8]),
) -> Result<Option<String>, ScanError> {
    let mut first = true;
    loop {
        match s.next_element(&mut first)? {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(why) => return Ok(Some(why)),
        }
        if let Err(why) = s.element(buf, max)? {
            return Ok(Some(why));
        }
        item(buf);
        shrink(buf);
    }
}

/// Reads a HAR (or another JSON document) from `src`, handing each page and each
/// entry to `on` as soon as it is read: memory is one entry at a time. A document
/// that is not a HAR comes back whole (a Stormwatch report is small and read in
/// one piece).
pub fn read<R: Read>(src: R, mut on: impl FnMut(Item<'_>)) -> Result<Document, String> {
    let mut bad_pages = 0;
    let doc = walk_all(src, true, |ev| match ev {
        Ev::Decoded(i, entry) => on(Item::Entry(i, Ok(entry))),
        Ev::Bytes(i, bytes) => on(Item::Entry(i, decode(bytes))),
        Ev::Page(bytes) => match serde_json::from_slice::<HarPage>(bytes) {
            Ok(p) => on(Item::Page(p)),
            Err(_) => bad_pages += 1,
        },
    })?;
    Ok(match doc {
        Document::Har(mut st) => {
            st.bad_pages = bad_pages;
            Document::Har(st)
        }
        other => other,
    })
}

/// One entry's bytes decoded (borrowing from them where no escapes get in the way).
pub fn decode(bytes: &[u8]) -> Result<HarEntry<'_>, String> {
    serde_json::from_slice::<HarEntry>(bytes).map_err(|e| e.to_string())
}

/// [`read`] without decoding: the bytes of each entry and page (for benchmarks and
/// callers that decode selectively).
pub fn read_raw<R: Read>(src: R, mut on: impl FnMut(Raw<'_>)) -> Result<Document, String> {
    walk_all(src, false, |ev| match ev {
        Ev::Page(b) => on(Raw::Page(b)),
        Ev::Bytes(i, b) => on(Raw::Entry(i, b)),
        Ev::Decoded(..) => {}
    })
}

fn walk_all<R: Read>(src: R, direct: bool, mut on: impl FnMut(Ev<'_>)) -> Result<Document, String> {
    let mut s = Scanner::new(src);
    s.keep = true;
    s.direct = direct;
    match walk(&mut s, &mut on) {
        Ok(d) => Ok(d),
        Err(ScanError::NotHar) => s.into_all().map(Document::Other).map_err(|e| e.message(0)),
        Err(e) => {
            let at = s.position();
            Err(e.message(at))
        }
    }
}

/// Parses HAR text into events, oldest first (all pages together; entries that
/// cannot be read are left out).
pub fn parse(text: &str) -> Result<Vec<NetworkEntry>, String> {
    let mut out = Vec::new();
    let mut first_error = None;
    let doc = read(text.as_bytes(), |item| {
        if let Item::Entry(i, e) = item {
            match e.and_then(|e| e.to_event()) {
                Ok(ev) => out.push(ev),
                Err(m) => {
                    first_error.get_or_insert(format!("entry {i}: {m}"));
                }
            }
        }
    })?;
    match doc {
        Document::Har(st) if out.is_empty() && st.entries > 0 => {
            return Err(first_error.unwrap_or_else(|| "no entry could be read".into()))
        }
        Document::Har(_) => {}
        Document::Other(_) => return Err("not a HAR 1.2 file (no \"log\")".into()),
    }
    crate::model::sort::sort_by(&mut out, |a, b| a.t.total_cmp(&b.t));
    Ok(out)
}

/// `2026-12-01T10:20:30.123Z` or with an offset (`+01:00`, `+0100`, `+01`) to epoch
/// milliseconds. Any number of fraction digits; no zone means UTC.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let s = trim(s);
    let b = s.as_bytes();
    // Digits only (checked), so read as such: `str::parse` costs more than the rest.
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(part.iter().fold(0, |n, c| n * 10 + (c - b'0') as i64))
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (
        num(0, 4)?,
        num(5, 2)?,
        num(8, 2)?,
        num(11, 2)?,
        num(14, 2)?,
        num(17, 2)?,
    );
    let mut i = 19;
    let mut frac = 0.0;
    if matches!(b.get(i), Some(b'.') | Some(b',')) {
        i += 1;
        let mut scale = 0.1;
        while i < b.len() && b[i].is_ascii_digit() {
            frac += (b[i] - b'0') as f64 * scale;
            scale /= 10.0;
            i += 1;
        }
    }
    let offset_min = match b.get(i) {
        None | Some(b'Z') | Some(b'z') => 0,
        Some(b'+') | Some(b'-') => {
            let sign = if b[i] == b'-' { -1 } else { 1 };
            let oh = num(i + 1, 2)?;
            let om = if b.get(i + 3) == Some(&b':') {
                num(i + 4, 2)?
            } else {
                num(i + 3, 2).unwrap_or(0)
            };
            sign * (oh * 60 + om)
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    // Rounded to the microsecond: decimal fractions are not exact in binary.
    Some(((secs as f64 + frac) * 1_000_000.0).round() / 1000.0)
}

/// An HTTP date, `Thu, 01 Dec 1994 16:00:00 GMT` (the form servers send), to epoch
/// milliseconds; None for anything else.
pub fn parse_http_date(s: &str) -> Option<f64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mut parts = s.split_whitespace().skip(1);
    let (day, month, year, time) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let month = MONTHS.iter().position(|m| month.eq_ignore_ascii_case(m))? + 1;
    if day.len() > 2 || year.len() != 4 || time.len() != 8 {
        return None;
    }
    parse_iso8601(&format!("{year}-{month:02}-{:0>2}T{time}Z", day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_http_dates_and_the_expires_lifetime() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:01:00 GMT"), Some(60_000.0));
        assert_eq!(
            parse_http_date("Tue, 1 Dec 2026 00:00:01 GMT"),
            Some(1_796_083_201_000.0)
        );
        assert_eq!(parse_http_date("-1"), None);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        let entry = |headers: &str| {
            format!(
                r#"{{"log":{{"entries":[{{"startedDateTime":"2026-12-01T00:00:00Z","time":5,"request":{{"method":"GET","url":"http://h/a.js"}},"response":{{"status":200,"headers":[{headers}]}}}}]}}}}"#
            )
        };
        let expires = |headers: &str| parse(&entry(headers)).unwrap()[0].expires_s;
        // A year ahead of the response's own Date.
        assert_eq!(
            expires(
                r#"{"name":"Date","value":"Tue, 01 Dec 2026 00:00:00 GMT"},{"name":"Expires","value":"Wed, 01 Dec 2027 00:00:00 GMT"}"#
            ),
            Some(365 * 86_400)
        );
        // Without a Date, from the start; an invalid date is already expired.
        assert_eq!(
            expires(r#"{"name":"Expires","value":"Tue, 01 Dec 2026 01:00:00 GMT"}"#),
            Some(3600)
        );
        assert_eq!(expires(r#"{"name":"Expires","value":"-1"}"#), Some(0));
        assert_eq!(expires(r#"{"name":"Cache-Control","value":"public"}"#), None);
    }

    #[test]
    fn parses_iso_dates_with_zones() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00.000Z"), Some(0.0));
        assert_eq!(parse_iso8601("2026-12-01T00:00:01.5Z"), Some(1_796_083_201_500.0));
        assert_eq!(parse_iso8601("2026-12-01T01:00:01.5+01:00"), Some(1_796_083_201_500.0));
        assert_eq!(parse_iso8601("2026-12-01T01:00:01.5+0100"), Some(1_796_083_201_500.0));
        assert_eq!(
            parse_iso8601("2026-11-30T22:00:01.500000-02"),
            Some(1_796_083_201_500.0)
        );
        assert_eq!(
            parse_iso8601("2026-12-01T00:00:01.123456789Z"),
            Some(1_796_083_201_123.457)
        );
        assert_eq!(parse_iso8601("2026-12-01T00:00:01"), Some(1_796_083_201_000.0));
        assert_eq!(parse_iso8601("yesterday"), None);
        assert_eq!(parse_iso8601("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_iso8601("2026-12-01T00:00:00+xx:00"), None);
    }

    #[test]
    fn reads_a_minimal_firefox_style_entry() {
        let text = r#"{"log":{"version":"1.2","entries":[{"startedDateTime":"2026-12-01T00:00:00.000+00:00","time":-1,
            "request":{"method":"GET","url":"http://h/api","headers":[]},
            "response":{"status":200,"headers":[{"name":"Content-Encoding","value":"br"}],"content":{"size":-1,"mimeType":"application/json"},"bodySize":-1},
            "timings":{"wait":12}}]}}"#;
        let ev = parse(text).unwrap();
        assert_eq!(ev[0].resource_type, "fetch");
        assert_eq!(ev[0].content_size, None);
        assert_eq!(ev[0].content_encoding.as_deref(), Some("br"));
        assert_eq!(ev[0].duration, 0.0);
    }

    #[test]
    fn places_read_as_the_formatter_wrote_them() {
        let same = |a: String, b: String| {
            assert_eq!(a, b);
            assert_eq!(a.capacity(), a.len(), "{a}");
        };
        for len in 0..140 {
            let url = "u".repeat(len);
            for n in [0, 1, 9, 10, 120, 99_999, u64::MAX] {
                same(place(&url, n, None, None), format!("{}:{}", url, n));
                for f in ["", "f", "load", "a_rather_long_function_name"] {
                    let func = match f {
                        "" => String::new(),
                        f => format!(" ({f})"),
                    };
                    same(place(&url, n, Some(7), Some(f)), format!("{}:{}:{}{}", url, n, 7, func));
                    same(place(&url, 3, Some(n), Some(f)), format!("{url}:3:{}{func}", n));
                    same(place(&url, n, None, Some(f)), format!("{url}:{n}{func}"));
                }
            }
        }
    }

    #[test]
    fn initiator_location_prefers_the_innermost_stack_frame() {
        let i: Initiator = serde_json::from_str(
            r#"{"type":"script","stack":{"callFrames":[{"functionName":"load","url":"http://h/app.js","lineNumber":9,"columnNumber":4}]}}"#,
        )
        .unwrap();
        assert_eq!(i.location().as_deref(), Some("http://h/app.js:10:5 (load)"));
    }

    fn entry(extra: &str) -> HarEntry<'static> {
        let text = format!(
            r#"{{"startedDateTime":"2026-12-01T00:00:00Z","time":5,"request":{{"method":"GET","url":"http://h/a"}},"response":{{"status":200}}{extra}}}"#
        );
        serde_json::from_str(Box::leak(text.into_boxed_str())).unwrap()
    }

    #[test]
    fn custom_fields_of_any_type_never_fail_an_entry() {
        let deep = "[".repeat(10) + &"]".repeat(10);
        let e = entry(&format!(
            r#","_initiator":42,"_resourceType":{{"x":1}},"_transferSize":"1234","_fromCache":[1],"_junk":{deep},"_error":null,"_wasAborted":"yes""#
        ));
        let ev = e.to_event().unwrap();
        assert_eq!(ev.initiator, None);
        assert_eq!(ev.resource_type, "other");
        assert_eq!(ev.transfer_size, Some(1234));
        assert!(!ev.failed);
    }

    #[test]
    fn chrome_har_string_initiators_with_line_and_column() {
        let e = entry(
            r#","_initiator":"https://h/app.js","_initiator_line":12,"_initiator_column":7,"_initiator_type":"script","_initiator_function_name":"poll""#,
        );
        assert_eq!(
            e.to_event().unwrap().initiator.as_deref(),
            Some("https://h/app.js:12:7 (poll)")
        );
        let e = entry(r#","_initiator":"https://h/index.html","_initiator_line":"3","_initiator_type":"parser""#);
        assert_eq!(
            e.to_event().unwrap().initiator.as_deref(),
            Some("https://h/index.html:3")
        );
    }

    #[test]
    fn base64_json_bodies_give_their_values() {
        // {"id":"job-42"} in base64.
        let e = entry("");
        assert!(e.to_event().unwrap().values.is_empty());
        let text = r#"{"startedDateTime":"2026-12-01T00:00:00Z","request":{"method":"GET","url":"http://h/a"},"response":{"status":200,"content":{"mimeType":"application/json","encoding":"base64","text":"eyJpZCI6ImpvYi00MiJ9"}}}"#;
        let e: HarEntry = serde_json::from_str(text).unwrap();
        assert_eq!(e.to_event().unwrap().values, vec!["job-42".to_string()]);
        assert_eq!(base64_decode("aGk=").unwrap(), b"hi");
        assert_eq!(base64_decode("aGk").unwrap(), b"hi");
        assert!(base64_decode("a*b").is_none());
    }

    /// A reader that hands out one byte at a time, to cross every buffer boundary.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    fn items(text: &str, trickle: bool) -> (Vec<String>, Result<Document, String>) {
        let mut seen = Vec::new();
        let on = |i: Item| {
            seen.push(match i {
                Item::Page(p) => format!("page {}", p.id.unwrap_or_default()),
                Item::Entry(n, Ok(e)) => format!("entry {n} {}", e.request.url),
                Item::Entry(n, Err(m)) => format!("bad {n} {}", m.split(" at line").next().unwrap_or("")),
            })
        };
        let doc = if trickle {
            read(Trickle(text.as_bytes()), on)
        } else {
            read(text.as_bytes(), on)
        };
        (seen, doc)
    }

    #[test]
    fn the_stream_reads_entries_one_by_one_pages_before_or_after() {
        let e = |u: &str| {
            format!(
                r#"{{"startedDateTime":"2026-12-01T00:00:00Z","request":{{"method":"GET","url":"{u}","headers":[{{"name":"x","value":"a \"quoted\" \\ ]}} value"}}]}},"response":{{"status":200}}}}"#
            )
        };
        let text = format!(
            "\u{feff}{{ \"_x\": {{\"log\": 1}}, \"log\" : {{ \"version\":\"1.2\", \"entries\": [ {} , {}, 7, {{\"time\":\"12\"}} ], \"pages\": [{{\"id\":\"p1\",\"title\":[1]}}] }}, \"_after\": [] }}",
            e("http://h/1"),
            e("http://h/2")
        );
        for trickle in [false, true] {
            let (seen, doc) = items(&text, trickle);
            assert!(
                matches!(
                    doc,
                    Ok(Document::Har(HarStats {
                        entries: 4,
                        truncated: None,
                        ..
                    }))
                ),
                "{doc:?}"
            );
            assert_eq!(
                seen,
                [
                    "entry 0 http://h/1",
                    "entry 1 http://h/2",
                    "bad 2 invalid type: integer `7`, expected struct HarEntry",
                    "bad 3 invalid type: string \"12\", expected f64",
                    "page p1"
                ]
            );
        }
    }

    #[test]
    fn decoding_in_place_agrees_with_cutting_out_across_buffer_ends() {
        // About 2 MB: entries of varied sizes cross the 256 KB read buffer many times,
        // one is bigger than the buffer, and some cannot be read.
        let mut text = String::from("{\"log\":{\"entries\":[");
        for i in 0..4000 {
            if i > 0 {
                text.push(',');
            }
            let pad = "x\\\"y".repeat(if i == 1234 { 120_000 } else { i % 97 });
            if i % 501 == 7 {
                text.push_str(r#"{"startedDateTime":"2026-12-01T00:00:00Z","time":"bad","request":{"method":"GET","url":"http://h/bad"},"response":{"status":200}}"#);
            } else {
                text.push_str(&format!(
                    r#"{{"startedDateTime":"2026-12-01T00:00:00Z","request":{{"method":"GET","url":"http://h/{i}","headers":[{{"name":"x","value":"{pad}"}}]}},"response":{{"status":200}}}}"#
                ));
            }
        }
        text.push_str("]}}");
        let mut direct = Vec::new();
        read(text.as_bytes(), |item| {
            if let Item::Entry(i, e) = item {
                direct.push((i, e.map(|e| e.request.url.to_string()).map_err(|m| m[..20].to_string())));
            }
        })
        .unwrap();
        let mut cut = Vec::new();
        read_raw(text.as_bytes(), |raw| {
            if let Raw::Entry(i, bytes) = raw {
                cut.push((
                    i,
                    decode(bytes)
                        .map(|e| e.request.url.to_string())
                        .map_err(|m| m[..20].to_string()),
                ));
            }
        })
        .unwrap();
        assert_eq!(direct.len(), 4000);
        assert_eq!(direct, cut);
        assert_eq!(direct.iter().filter(|(_, e)| e.is_err()).count(), 8);
        assert_eq!(direct[1234].1.as_deref(), Ok("http://h/1234"));
    }

    #[test]
    fn truncated_and_odd_documents_end_with_a_message_never_a_panic() {
        let good = r#"{"log":{"pages":[{"id":"p"}],"entries":[{"startedDateTime":"2026-12-01T00:00:00Z","request":{"method":"GET","url":"http://h/1"},"response":{"status":200}},{"startedDateTime":"2026-12-01T00:00:01Z","request":{"method":"GET","url":"http://h/2"},"response":{"status":200}}]}}"#;
        for cut in 0..good.len() {
            let (seen, doc) = items(&good[..cut], false);
            match doc {
                Ok(Document::Har(st)) => {
                    assert!(st.entries > 0 && st.truncated.is_some(), "cut {cut}: {st:?}");
                    assert!(seen.iter().any(|s| s.starts_with("entry 0")));
                }
                Ok(Document::Other(_)) => panic!("cut {cut}"),
                Err(m) => assert!(!m.is_empty()),
            }
        }
        assert_eq!(items("", false).1.unwrap_err(), "the file is empty");
        assert!(matches!(items("{}", false).1, Ok(Document::Other(_))));
        assert!(items(r#"{"log":{}}"#, false).1.unwrap_err().contains("no log.entries"));
        assert!(items(r#"{"log":{"entries":{}}}"#, false)
            .1
            .unwrap_err()
            .contains("not an array"));
        assert!(items(r#"{"log":[]}"#, false).1.unwrap_err().contains("not an object"));
        let (_, doc) = items(r#"{"schema":"stormwatch.report/1","findings":[]}"#, true);
        assert!(
            matches!(doc, Ok(Document::Other(ref b)) if b.starts_with(b"{\"schema\"")),
            "{doc:?}"
        );
        let deep = format!(
            r#"{{"log":{{"_x":{}{},"entries":[]}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(matches!(items(&deep, false).1, Ok(Document::Har(_))));
    }
}
