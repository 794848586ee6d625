//! # missing-request-id
//!
//! ## What it detects
//! API requests (fetch/XHR) that carry neither an `X-Request-ID` nor a
//! `traceparent` header, judged from DevTools' log (which sees request headers).
//! Informational and off by default: enable it where your backend traces requests.
//!
//! ## Why it matters
//! Without an id that the server logs too, a slow or failed request seen here
//! cannot be matched to the server's side of the story: "no X-Request-ID header
//! propagation".
//!
//! ## Example
//! 42 API requests to `https://api.example.com` without a request id.
//!
//! ## Thresholds
//! None: every API request is checked once its headers are known.

use super::{Detector, DetectorInfo, Findings, PageState};
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;

pub const ID: &str = "missing-request-id";

/// This detector's `Request::count_once` bit.
const SLOT: usize = super::slot_of(ID);

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "API requests without a request id",
    doc: include_str!(concat!(env!("OUT_DIR"), "/missing_request_id.doc")),
    build: |_| Box::new(MissingRequestId),
};

pub struct MissingRequestId;

fn origin(url: &str) -> &str {
    match url.split_once("://") {
        Some((_, rest)) => &url[..url.len() - rest.len() + rest.find('/').unwrap_or(rest.len())],
        None => url,
    }
}

impl Detector for MissingRequestId {
    fn on_settled(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        if !req.is_api() || req.traced != Some(false) || !req.count_once(SLOT) {
            return;
        }
        let origin = origin(&req.url).to_string();
        out.upsert(ID, &origin, req.start, |f| {
            f.count += 1;
            f.evidence.add_request(req.id);
            f.evidence.add_url(&req.url);
            f.metrics.insert("requests".into(), Metric::Num(f.count as f64));
            f.severity = Severity::Info;
            f.title = format!(
                "{} API request(s) to {origin} without X-Request-ID or traceparent",
                f.count
            );
            f.advice = "Send a request id (or W3C `traceparent`) with every API call, from a fetch wrapper or \
                        your HTTP client's interceptor, and log it on the server."
                .into();
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::Config;

    #[test]
    fn off_by_default_and_flags_untraced_requests_when_on() {
        let mut t = Kit::new();
        t.net("https://api.example.com/v1/x", 0.0, 5.0, |n| n.traced = Some(false));
        t.assert_none("missing-request-id");
        let mut cfg = Config::default();
        cfg.disabled.clear();
        let mut t = Kit::with(cfg);
        t.net("https://api.example.com/v1/x", 0.0, 5.0, |n| n.traced = Some(false));
        t.net("https://api.example.com/v1/y", 0.0, 5.0, |n| n.traced = Some(true));
        t.net("https://api.example.com/v1/z", 0.0, 5.0, |n| n.traced = None);
        let f = t.only("missing-request-id");
        assert_eq!(f.count, 1);
        assert!(f.title.contains("to https://api.example.com without"), "{}", f.title);
    }
}
