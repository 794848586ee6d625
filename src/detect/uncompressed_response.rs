//! # uncompressed-response
//!
//! ## What it detects
//! A text-like response (JavaScript, CSS, JSON, HTML, SVG, XML, plain text) served
//! without `Content-Encoding`, where compression would save at least 1,400 bytes
//! (estimated at 70% of the size, what gzip typically saves on text). A warning from
//! 100 KB, an error from 500 KB. Judged from DevTools' log, which sees the headers.
//!
//! ## Why it matters
//! Text compresses 3–10×; serving it raw multiplies download time on every slow
//! connection for no gain. Usually a missing compression middleware or CDN setting.
//!
//! ## Example
//! `/assets/vendor.js`: 640 KB sent uncompressed, about 450 KB could be saved.
//!
//! ## Thresholds
//! - `min_savings_bytes` (1400), `warning_bytes` (100000), `error_bytes` (500000).

use super::{Detector, DetectorInfo, Findings, PageState};
use crate::config::{Config, UncompressedResponseConfig};
use crate::finding::{Metric, Severity};
use crate::request::Request;
use crate::urls;
use std::collections::HashSet;

pub const ID: &str = "uncompressed-response";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Uncompressed text responses",
    doc: include_str!(concat!(env!("OUT_DIR"), "/uncompressed_response.doc")),
    build: |c| Box::new(UncompressedResponse::new(c)),
};

/// Share of a text body that compression typically removes.
const TEXT_SAVINGS: f64 = 0.7;

pub struct UncompressedResponse {
    cfg: UncompressedResponseConfig,
    counted: HashSet<u64>,
}

impl UncompressedResponse {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.uncompressed_response.clone(),
            counted: HashSet::new(),
        }
    }
}

fn text_like(req: &Request) -> bool {
    let m = req.mime();
    matches!(req.kind(), "script" | "stylesheet" | "document")
        || m.contains("json")
        || m.contains("javascript")
        || m.contains("xml")
        || m.contains("svg")
        || m.starts_with("text/")
}

impl Detector for UncompressedResponse {
    fn on_settled(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        // Only DevTools' log is sure to show the headers (cross-origin ones are hidden from the page).
        if !req.from_devtools || req.status != 200 || !text_like(req) || req.mime() == "text/event-stream" {
            return;
        }
        let encoded = req.content_encoding.as_deref().map(str::trim).unwrap_or("");
        if !(encoded.is_empty() || encoded.eq_ignore_ascii_case("identity")) {
            return;
        }
        let Some(size) = req.content_size.filter(|s| *s > 0) else {
            return;
        };
        let savings = (size as f64 * TEXT_SAVINGS) as u64;
        let cfg = &self.cfg;
        if savings < cfg.min_savings_bytes || !self.counted.insert(req.id) {
            return;
        }
        let (template, _) = urls::template(&req.url);
        out.upsert(ID, &template, req.start, |f| {
            f.count += 1;
            f.evidence.add_request(req.id);
            f.evidence.add_url(&req.url);
            let largest = f.raise("size_bytes", size as f64) as u64;
            f.metrics.insert(
                "estimated_savings_bytes".into(),
                Metric::Num((largest as f64 * TEXT_SAVINGS).round()),
            );
            f.metrics
                .insert("content_type".into(), Metric::Text(req.mime().to_string()));
            f.severity = if largest >= cfg.error_bytes {
                Severity::Error
            } else if largest >= cfg.warning_bytes {
                Severity::Warning
            } else {
                Severity::Info
            };
            f.title = format!(
                "{} sent uncompressed: {}, about {} could be saved",
                urls::short(&template),
                super::bytes(largest),
                super::bytes((largest as f64 * TEXT_SAVINGS) as u64)
            );
            f.advice = "Enable gzip or Brotli for text responses on the server or CDN (e.g. the `compression` \
                        middleware, `gzip on` in nginx); prefer pre-compressed static assets."
                .into();
        });
        if self.counted.len() > 50_000 {
            self.counted.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;

    #[test]
    fn a_big_uncompressed_script_is_an_error() {
        let mut t = Kit::new();
        t.net("http://h/assets/vendor.js", 0.0, 50.0, |n| {
            n.resource_type = "script".into();
            n.mime_type = Some("text/javascript".into());
            n.content_size = Some(640_000);
        });
        let f = t.only("uncompressed-response");
        assert_eq!(f.severity, crate::Severity::Error);
        assert!(f.title.contains("640 KB, about 448 KB could be saved"), "{}", f.title);
    }

    #[test]
    fn near_miss_compressed_small_binary_or_page_only_is_quiet() {
        let mut t = Kit::new();
        t.net("http://h/a.js", 0.0, 5.0, |n| {
            n.resource_type = "script".into();
            n.content_size = Some(640_000);
            n.content_encoding = Some("br".into());
        });
        t.net("http://h/api/tiny", 0.0, 5.0, |n| n.content_size = Some(1_500));
        t.net("http://h/photo.jpg", 0.0, 5.0, |n| {
            n.resource_type = "image".into();
            n.mime_type = Some("image/jpeg".into());
            n.content_size = Some(900_000);
        });
        t.request(1, "GET", "http://h/api/x", 0.0, 10.0);
        t.assert_none("uncompressed-response");
    }
}
