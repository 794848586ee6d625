//! # uncompressed-response
//!
//! ## What it detects
//! A text-like response (JavaScript, CSS, JSON, HTML, SVG, XML, plain text) served
//! without `Content-Encoding`, where compression would save at least 1,400 bytes
//! (estimated at 70% of the size, what gzip typically saves on text). A warning from
//! 100 KB, an error from 500 KB. Judged from DevTools' log, which sees the headers.
//!
//! Never about what the browser answers itself (`data:`, `blob:`, `about:`,
//! extension files). On a local development host (localhost, 127.*, `[::1]`, or a
//! name ending in one of `dev-build-in-production`'s `local_suffixes`) dev servers
//! skip compression on purpose: there it is info at most, with a note to check the
//! production build.
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
//! - `savings_share` (0.7): the share of a text body compression is assumed to save.
//!
//! ## Compared with sitespeed.io's Coach
//! Coach's `compressAssets` checks HAR entries whose MIME makes them html, plain, json
//! (only `application/json`), javascript, css or svg. It flags one when the decoded size
//! is over 2,000 bytes and the first `Content-Encoding` is not exactly `gzip`, `br`,
//! `deflate` or `zstd`, and takes 10 points off per entry at any size. That size floor is
//! ours too (2,000 bytes, 1,400 saved at 70%). Only Coach reports: non-200 entries (no
//! status check), `bodySize` when `content.size` is -1, codings such as `x-gzip` or
//! `gzip, br`, and local hosts at full weight (here info at most). Only Stormwatch
//! reports: `text/xml` and `application/xml`, `+json` types such as
//! `application/ld+json`, and scripts, stylesheets and documents served with a non-text MIME.

use super::{dev_build_in_production, thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;
use crate::model::urls;

thresholds!(UncompressedResponseConfig {
    min_savings_bytes: u64 = 1_400,
    warning_bytes: u64 = 100_000,
    error_bytes: u64 = 500_000,
    /// Share of a text body that compression typically removes.
    savings_share: f64 = 0.7,
});

pub const ID: &str = "uncompressed-response";

/// This detector's `Request::count_once` bit.
const SLOT: usize = super::slot_of(ID);

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Uncompressed text responses",
    doc: include_str!(concat!(env!("OUT_DIR"), "/uncompressed_response.doc")),
    build: |c| Box::new(UncompressedResponse::new(c)),
};

pub struct UncompressedResponse {
    cfg: UncompressedResponseConfig,
    local_suffixes: Vec<String>,
}

impl UncompressedResponse {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.uncompressed_response.clone(),
            local_suffixes: cfg.dev_build_in_production.local_suffixes.clone(),
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
        if !req.from_devtools || req.status != 200 {
            return;
        }
        // Compressed: most responses stop here, before their type is looked at.
        let encoded = req.content_encoding.as_deref().map(str::trim).unwrap_or("");
        if !(encoded.is_empty() || encoded.eq_ignore_ascii_case("identity")) {
            return;
        }
        if req.is_local()
            || !text_like(req)
            || req.mime() == "text/event-stream"
            || (req.no_headers && req.content_encoding.is_none())
        {
            return;
        }
        let Some(size) = req.content_size.filter(|s| *s > 0) else {
            return;
        };
        let cfg = &self.cfg;
        let share = cfg.savings_share;
        let savings = (size as f64 * share) as u64;
        if savings < cfg.min_savings_bytes || !req.count_once(SLOT) {
            return;
        }
        let (template, _) = urls::template(&req.url);
        let local = dev_build_in_production::local_url(&req.url, &self.local_suffixes);
        out.upsert(ID, &template, req.start, |f| {
            f.count += 1;
            f.evidence.add_request(req.id);
            f.evidence.add_url(&req.url);
            let largest = f.raise("size_bytes", size as f64) as u64;
            f.metrics.insert(
                "estimated_savings_bytes".into(),
                Metric::Num((largest as f64 * share).round()),
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
                super::bytes((largest as f64 * share) as u64)
            );
            f.advice = "Enable gzip or Brotli for text responses on the server or CDN (e.g. the `compression` \
                        middleware, `gzip on` in nginx); prefer pre-compressed static assets."
                .into();
            if local {
                dev_build_in_production::local_asset_finding(f);
            }
        });
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

    /// What Vite's dev server sends for a pre-bundled dependency: raw, `no-cache`.
    fn vite_dep(t: &mut Kit, origin: &str) {
        t.net(
            &format!("{origin}/node_modules/.vite/deps/react.js?v=abc123"),
            0.0,
            8.0,
            |n| {
                n.resource_type = "script".into();
                n.mime_type = Some("text/javascript".into());
                n.cache_control = Some("no-cache".into());
                n.transfer_size = Some(120_350);
                n.body_size = Some(120_000);
                n.content_size = Some(120_000);
            },
        );
    }

    #[test]
    fn a_dev_server_on_a_local_host_is_info_at_most_with_a_note() {
        for origin in [
            "http://localhost:5173",
            "http://127.0.0.1:5173",
            "http://[::1]:5173",
            "http://shop.test",
        ] {
            let mut t = Kit::new();
            vite_dep(&mut t, origin);
            let f = t.only("uncompressed-response");
            assert_eq!(f.severity, crate::Severity::Info, "{origin}");
            assert!(
                f.title
                    .ends_with("(local development server: check the production build)"),
                "{}",
                f.title
            );
            assert_eq!(
                f.metrics.get("local_dev"),
                Some(&crate::model::finding::Metric::Flag(true))
            );
            assert!(f.evidence.urls[0].ends_with("/node_modules/.vite/deps/react.js?v=abc123"));
        }
    }

    #[test]
    fn the_same_bundle_on_a_public_host_is_a_warning() {
        let mut t = Kit::new();
        vite_dep(&mut t, "https://app.example.com");
        let f = t.only("uncompressed-response");
        assert_eq!(f.severity, crate::Severity::Warning);
        assert!(!f.title.contains("local development"), "{}", f.title);
        assert_eq!(
            f.evidence.urls,
            vec!["https://app.example.com/node_modules/.vite/deps/react.js?v=abc123"]
        );
    }

    #[test]
    fn what_the_browser_answers_itself_is_never_reported() {
        let mut t = Kit::new();
        for url in [
            "blob:http://localhost:5173/5f1c2a9e-8b7d-4c3a-9f1e-2d6b8a7c5e41",
            "data:text/javascript;base64,Y29uc29sZS5sb2coMSk=",
            "chrome-extension://fmkadmapgofadopljbjfkapdkoienihi/build/react_devtools_backend_compact.js",
            "moz-extension://0b5e1d2c/content.js",
            "about:srcdoc",
        ] {
            t.net(url, 0.0, 2.0, |n| {
                n.resource_type = "script".into();
                n.mime_type = Some("text/javascript".into());
                n.content_size = Some(900_000);
            });
        }
        t.assert_none("uncompressed-response");
    }
}
