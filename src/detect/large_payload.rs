//! # large-payload
//!
//! ## What it detects
//! A fetch/XHR response over 300 KB on the wire that took at least 100 ms, or over
//! 1 MB once decoded. Grouped per endpoint. An error from 5 MB decoded.
//!
//! ## Why it matters
//! Big API responses cost download time, memory, and main-thread time to parse,
//! usually for data the screen never shows: arrays without pagination limits,
//! every field of every record.
//!
//! ## Example
//! `GET /api/messages` returned 2.4 MB (380 KB on the wire) in 620 ms.
//!
//! ## Thresholds
//! - `encoded_bytes` (300000) with `min_duration_ms` (100); `decoded_bytes` (1000000).
//! - `error_decoded_bytes` (5000000): from here it is an error.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;

thresholds!(LargePayloadConfig {
    encoded_bytes: u64 = 300_000,
    min_duration_ms: f64 = 100.0,
    decoded_bytes: u64 = 1_000_000,
    /// Decoded size from which it is an error.
    error_decoded_bytes: u64 = 5_000_000,
});

pub const ID: &str = "large-payload";

/// This detector's `Request::count_once` bit.
const SLOT: usize = super::slot_of(ID);

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Large API payloads",
    doc: include_str!(concat!(env!("OUT_DIR"), "/large_payload.doc")),
    build: |c| Box::new(LargePayload::new(c)),
};

pub struct LargePayload {
    cfg: LargePayloadConfig,
}

impl LargePayload {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.large_payload.clone(),
        }
    }

    fn check(&mut self, req: &Request, out: &mut Findings) {
        if !req.is_api() {
            return;
        }
        let cfg = &self.cfg;
        let encoded = req.encoded_size().unwrap_or(0);
        let decoded = req.decoded_size().unwrap_or(0);
        let duration = req.duration().unwrap_or(0.0);
        let big = (encoded > cfg.encoded_bytes && duration >= cfg.min_duration_ms) || decoded > cfg.decoded_bytes;
        if !big || !req.count_once(SLOT) {
            return;
        }
        let (key, label) = (req.endpoint_key(), req.endpoint_label());
        out.upsert(ID, key, req.start, |f| {
            f.count += 1;
            f.evidence.note(req);
            f.metrics.insert("decoded_bytes".into(), Metric::Num(decoded as f64));
            f.metrics.insert("encoded_bytes".into(), Metric::Num(encoded as f64));
            f.metrics.insert("duration_ms".into(), Metric::Num(duration.round()));
            f.severity = if decoded > cfg.error_decoded_bytes {
                Severity::Error
            } else {
                Severity::Warning
            };
            f.title = format!(
                "{label} returned {} ({} on the wire) in {} ms",
                super::bytes(decoded),
                super::bytes(encoded),
                duration.round()
            );
            f.advice = "Return only what the screen shows: paginate (limit + cursor), select fields, or \
                        stream. Large JSON also costs main-thread time to parse."
                .into();
        });
    }
}

impl Detector for LargePayload {
    fn on_settled(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        self.check(req, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;

    #[test]
    fn a_big_json_response_is_flagged() {
        let mut t = Kit::new();
        t.net("http://h/api/messages", 0.0, 620.0, |n| {
            n.transfer_size = Some(380_000);
            n.content_size = Some(2_400_000);
        });
        let f = t.only("large-payload");
        assert!(
            f.title.contains("returned 2.4 MB (380 KB on the wire) in 620 ms"),
            "{}",
            f.title
        );
    }

    #[test]
    fn near_miss_big_but_fast_or_small_is_quiet() {
        let mut t = Kit::new();
        t.net("http://h/api/a", 0.0, 40.0, |n| {
            n.transfer_size = Some(350_000);
            n.content_size = Some(900_000);
        });
        t.net("http://h/api/b", 0.0, 900.0, |n| n.content_size = Some(20_000));
        t.net("http://h/big.js", 0.0, 900.0, |n| {
            n.resource_type = "script".into();
            n.content_size = Some(5_000_000);
        });
        t.assert_none("large-payload");
    }
}
