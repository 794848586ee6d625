//! One record per request, merged from what the page hook saw (start while in
//! flight, the API that issued it) and what DevTools' log saw (sizes, initiator,
//! timings). Either side may arrive first; the engine merges them.

use crate::event::{Api, NetworkEntry, Outcome, RequestStart, Timings};
use crate::urls;

/// Decoded bytes per byte on the wire beyond which the wire figure cannot include the body.
const HEADERS_ONLY_RATIO: u64 = 50;

/// URLs the browser answers itself: `data:`, `blob:`, `about:`, and extension
/// packages. Never static assets to cache or compress, never slow servers.
pub fn browser_internal(url: &str) -> bool {
    let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        scheme.as_str(),
        "data" | "blob" | "about" | "chrome-extension" | "moz-extension" | "safari-web-extension" | "chrome"
    )
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
    /// The `SourceMap` response header, when the code ships one.
    pub source_map: Option<String>,
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
        self.traced = n.traced;
        if self.op.is_none() {
            self.op = n.op.clone();
        }
        self.range |= n.range;
        if self.body.is_none() {
            self.body = n.body.clone();
        }
        if self.end.is_none() {
            self.end = Some(n.t + n.duration.max(0.0));
            self.status = n.status;
            self.outcome = Some(if n.failed { Outcome::Error } else { Outcome::Ok });
        }
        self.content_type = self.content_type.take().or_else(|| n.mime_type.clone());
        self.content_encoding = self.content_encoding.take().or_else(|| n.content_encoding.clone());
        self.cache_control = self.cache_control.take().or_else(|| n.cache_control.clone());
        self.source_map = self.source_map.take().or_else(|| n.source_map.clone());
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
        self.content_type
            .as_deref()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
    }

    /// Method, normalized URL and body: equal keys ask the server the same thing.
    pub fn same_request_key(&self) -> Option<String> {
        let body = self.body.as_deref()?;
        Some(format!("{} {} {}", self.method, urls::normalize(&self.url), body))
    }

    /// A fingerprint of the response for "did it change" questions, without the body.
    pub fn response_fingerprint(&self) -> Option<(u16, u64)> {
        let size = self.content_size.or(self.content_length)?;
        Some((self.status, size))
    }

    /// The endpoint this request belongs to, ids in the path replaced by
    /// placeholders: a stable key (method + full template) and a short label.
    pub fn endpoint(&self) -> (String, String) {
        let (template, _) = urls::template(&self.url);
        (
            format!("{} {}", self.method, template),
            format!("{} {}", self.method, urls::short(&template)),
        )
    }

    pub fn label(&self) -> String {
        format!("{} {}", self.method, urls::short(&self.url))
    }
}
