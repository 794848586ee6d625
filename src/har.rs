//! HAR 1.2 input: Chrome's export (with `_initiator`, `_transferSize`,
//! `_resourceType`), and the entries `chrome.devtools.network` hands the panel.
//! Everything beyond the few required fields is optional, because Firefox and
//! Safari leave out what Chrome adds and use -1 for "unknown".

use crate::event::{body_signature, graphql_operation, response_values, Caller, NetworkEntry, Timings};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Har {
    pub log: HarLog,
}

#[derive(Debug, Deserialize)]
pub struct HarLog {
    pub entries: Vec<HarEntry>,
    #[serde(default)]
    pub pages: Vec<HarPage>,
}

#[derive(Debug, Deserialize)]
pub struct HarPage {
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Deserialize)]
pub struct HarEntry {
    #[serde(rename = "startedDateTime")]
    pub started: String,
    #[serde(default)]
    pub time: Option<f64>,
    pub request: HarRequest,
    pub response: HarResponse,
    #[serde(default)]
    pub timings: Option<Timings>,
    #[serde(default, rename = "_resourceType")]
    pub resource_type: Option<String>,
    #[serde(default, rename = "_transferSize")]
    pub transfer_size: Option<f64>,
    #[serde(default, rename = "_initiator")]
    pub initiator: Option<Initiator>,
    #[serde(default, rename = "_error")]
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HarRequest {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default, rename = "postData")]
    pub post_data: Option<PostData>,
}

#[derive(Debug, Deserialize)]
pub struct PostData {
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HarResponse {
    #[serde(default)]
    pub status: f64,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub content: Option<Content>,
    #[serde(default, rename = "bodySize")]
    pub body_size: Option<f64>,
    #[serde(default, rename = "_transferSize")]
    pub transfer_size: Option<f64>,
    #[serde(default, rename = "_error")]
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Content {
    #[serde(default)]
    pub size: Option<f64>,
    #[serde(default, rename = "mimeType")]
    pub mime_type: Option<String>,
    /// The body, when the export (or the panel) included it.
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub encoding: Option<String>,
}

/// Bodies larger than this are not searched for values.
const MAX_VALUE_BODY: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// HAR uses -1 for "does not apply".
fn phase(v: Option<f64>) -> Option<f64> {
    v.filter(|n| n.is_finite() && *n >= 0.0)
}

#[derive(Debug, Deserialize)]
pub struct Initiator {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default, rename = "lineNumber")]
    pub line: Option<f64>,
    #[serde(default)]
    pub stack: Option<Stack>,
}

#[derive(Debug, Deserialize)]
pub struct Stack {
    #[serde(default, rename = "callFrames")]
    pub frames: Vec<Frame>,
    #[serde(default)]
    pub parent: Option<Box<Stack>>,
    /// For an asynchronous parent: what it was (`await`, `Promise.then`, `setTimeout`...).
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Frame {
    #[serde(default, rename = "functionName")]
    pub function: String,
    pub url: String,
    #[serde(default, rename = "lineNumber")]
    pub line: f64,
    #[serde(default, rename = "columnNumber")]
    pub column: f64,
}

fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Sizes of -1 mean "unknown" in HAR.
fn size(v: Option<f64>) -> Option<u64> {
    v.filter(|n| *n >= 0.0).map(|n| n as u64)
}

impl Initiator {
    /// The innermost frame of the stack, or the parser location: `url:line:col`
    /// (1-based, as people read them; CDP numbers from 0).
    pub fn location(&self) -> Option<String> {
        let mut stack = self.stack.as_ref();
        while let Some(s) = stack {
            // Our own page hook wraps fetch, so skip extension frames to reach the page's code.
            if let Some(f) = s
                .frames
                .iter()
                .find(|f| !f.url.is_empty() && !f.url.starts_with("chrome-extension://"))
            {
                let func = if f.function.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", f.function)
                };
                return Some(format!(
                    "{}:{}:{}{}",
                    f.url,
                    f.line as u64 + 1,
                    f.column as u64 + 1,
                    func
                ));
            }
            stack = s.parent.as_deref();
        }
        let url = self.url.as_ref().filter(|u| !u.is_empty())?;
        Some(match self.line {
            Some(l) => format!("{}:{}", url, l as u64 + 1),
            None => url.clone(),
        })
    }
}

/// Async parents and frames looked at when describing a caller (a deep stack is cut).
const MAX_CALLER_DEPTH: usize = 8;

/// A frame of the page's own code (not ours, not an evaluated snippet without a URL).
fn page_frame(f: &Frame) -> bool {
    !f.url.is_empty() && !f.url.starts_with("chrome-extension://")
}

fn function_key(f: &Frame) -> String {
    format!("{}#{}", f.url, f.function)
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
        Some(Caller {
            function,
            resumed,
            scheduled_by,
        })
    }
}

impl HarEntry {
    pub fn to_event(&self) -> Result<NetworkEntry, String> {
        let t = parse_iso8601(&self.started).ok_or_else(|| format!("bad startedDateTime {:?}", self.started))?;
        let resp = &self.response;
        let status = if resp.status.is_finite() && resp.status >= 0.0 {
            resp.status as u16
        } else {
            0
        };
        let body = match &self.request.post_data {
            Some(p) => p.text.as_deref().map(body_signature),
            None => Some(String::new()),
        };
        Ok(NetworkEntry {
            method: self.request.method.clone(),
            url: self.request.url.clone(),
            t,
            duration: self.time.filter(|d| d.is_finite() && *d >= 0.0).unwrap_or(0.0),
            status,
            resource_type: self
                .resource_type
                .clone()
                .unwrap_or_else(|| guess_type(self))
                .to_ascii_lowercase(),
            mime_type: resp
                .content
                .as_ref()
                .and_then(|c| c.mime_type.clone())
                .filter(|m| !m.is_empty()),
            transfer_size: size(self.transfer_size.or(resp.transfer_size)),
            body_size: size(resp.body_size),
            content_size: size(resp.content.as_ref().and_then(|c| c.size)),
            content_encoding: header(&resp.headers, "content-encoding").map(str::to_string),
            cache_control: header(&resp.headers, "cache-control").map(str::to_string),
            source_map: header(&resp.headers, "sourcemap")
                .or_else(|| header(&resp.headers, "x-sourcemap"))
                .map(str::to_string),
            body,
            range: header(&self.request.headers, "range").is_some(),
            initiator: self.initiator.as_ref().and_then(Initiator::location),
            caller: self.initiator.as_ref().and_then(Initiator::caller),
            aborted: [&self.error, &resp.error]
                .iter()
                .any(|e| e.as_deref().is_some_and(|e| e.contains("ERR_ABORTED"))),
            wait: self.timings.as_ref().and_then(|t| phase(t.wait)),
            failed: status == 0 || self.error.is_some() || resp.error.is_some(),
            timings: self.timings.as_ref().map(|t| Timings {
                blocked: phase(t.blocked),
                dns: phase(t.dns),
                connect: phase(t.connect),
                ssl: phase(t.ssl),
                send: phase(t.send),
                wait: phase(t.wait),
                receive: phase(t.receive),
            }),
            traced: (!self.request.headers.is_empty()).then(|| {
                header(&self.request.headers, "x-request-id").is_some()
                    || header(&self.request.headers, "traceparent").is_some()
            }),
            op: self
                .request
                .post_data
                .as_ref()
                .and_then(|p| p.text.as_deref())
                .and_then(graphql_operation),
            values: resp
                .content
                .as_ref()
                .filter(|c| c.encoding.is_none() && c.mime_type.as_deref().is_some_and(|m| m.contains("json")))
                .and_then(|c| c.text.as_deref())
                .filter(|t| t.len() <= MAX_VALUE_BODY)
                .map(response_values)
                .unwrap_or_default(),
        })
    }
}

/// Firefox and Safari exports have no `_resourceType`; a request for JSON or with
/// an XHR header is most likely an app's fetch.
fn guess_type(e: &HarEntry) -> String {
    let mime = e
        .response
        .content
        .as_ref()
        .and_then(|c| c.mime_type.as_deref())
        .unwrap_or("");
    let xrw = header(&e.request.headers, "x-requested-with").is_some();
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

/// Parses HAR text into events, oldest first.
pub fn parse(text: &str) -> Result<Vec<NetworkEntry>, String> {
    let har: Har = serde_json::from_str(text).map_err(|e| format!("not a HAR 1.2 file: {e}"))?;
    entries_to_events(&har.log.entries)
}

pub fn entries_to_events(entries: &[HarEntry]) -> Result<Vec<NetworkEntry>, String> {
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        out.push(e.to_event().map_err(|m| format!("entry {i}: {m}"))?);
    }
    out.sort_by(|a, b| a.t.total_cmp(&b.t));
    Ok(out)
}

/// `2026-12-01T10:20:30.123Z` or with an offset (`+01:00`) to epoch milliseconds.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> { s.get(from..from + len)?.parse().ok() };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') {
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
    if b.get(i) == Some(&b'.') {
        let startf = i + 1;
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac = format!("0.{}", &s[startf..i]).parse().ok()?;
    }
    let offset_min = match b.get(i) {
        None | Some(b'Z') | Some(b'z') => 0,
        Some(b'+') | Some(b'-') => {
            let sign = if b[i] == b'-' { -1 } else { 1 };
            let oh = num(i + 1, 2)?;
            let om = num(i + 4, 2).or_else(|| num(i + 3, 2)).unwrap_or(0);
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
    Some((secs as f64 + frac) * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_dates_with_zones() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00.000Z"), Some(0.0));
        assert_eq!(parse_iso8601("2026-12-01T00:00:01.5Z"), Some(1_796_083_201_500.0));
        assert_eq!(parse_iso8601("2026-12-01T01:00:01.5+01:00"), Some(1_796_083_201_500.0));
        assert_eq!(parse_iso8601("yesterday"), None);
        assert_eq!(parse_iso8601("2026-13-01T00:00:00Z"), None);
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
    fn initiator_location_prefers_the_innermost_stack_frame() {
        let i: Initiator = serde_json::from_str(
            r#"{"type":"script","stack":{"callFrames":[{"functionName":"load","url":"http://h/app.js","lineNumber":9,"columnNumber":4}]}}"#,
        )
        .unwrap();
        assert_eq!(i.location().as_deref(), Some("http://h/app.js:10:5 (load)"));
    }
}
