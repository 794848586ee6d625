//! # oversized-chunk
//!
//! ## What it detects
//! A script over 250 KB on the wire or over 1 MB decoded, and a page whose
//! JavaScript adds up to more than 500 KB on the wire. Each says whether the code
//! was needed at startup (loaded before the `load` event) or later. The page-wide
//! finding lists the biggest scripts.
//!
//! The size on the wire is DevTools' transfer size, unless that can only be the
//! headers (a dedicated worker's script is fetched by the worker, and the page's
//! log then shows a few hundred bytes for megabytes of code): such a script is
//! judged by its decoded size, its wire size is called unknown, and it is left out
//! of the page total. Never about what the browser answers itself (`blob:` worker
//! scripts, `data:`, extension files). On a local development host (localhost,
//! 127.*, `[::1]`, or a name ending in one of `dev-build-in-production`'s
//! `local_suffixes`) bundles are unminified by design: info at most, with a note
//! to check the production build.
//!
//! ## Why it matters
//! Every byte of JavaScript is downloaded, parsed and compiled before it can run;
//! a chunk that carries a whole library (a diagram renderer, a test framework, a
//! syntax highlighter) delays the page for code most visits never use.
//!
//! ## Example
//! `/assets/workflow.8c1d2e3f.js`: 1.9 MB on the wire, 6.5 MB decoded, at startup:
//! "Mermaid not lazy-loaded".
//!
//! ## Thresholds
//! - `transfer_bytes` (250000), `decoded_bytes` (1000000): one script; an error from
//!   `error_transfer_bytes` (1000000) or `error_decoded_bytes` (4000000).
//! - `total_budget_bytes` (500000): the page's JavaScript on the wire; an error from
//!   `total_error_bytes` (1000000).
//!
//! The panel attributes a chunk's bytes to npm packages through its source map ("mostly mermaid (398 KB)"); saved reports replay that, a HAR alone gives sizes only.
//!
//! ## Compared with sitespeed.io's Coach
//! Coach's `javascriptSize` judges only a page's total of entries whose MIME contains
//! `javascript`. It takes 50 points off above 120,000 bytes of HAR `bodySize` (headers not
//! counted), 50 more above 500,000 decoded, then lists every script and names none.
//! So Coach reports pages with 120-500 KB of script on the wire, or over 500 KB decoded,
//! that pass here (500 KB on the wire a page; 250 KB wire or 1 MB decoded a script). It
//! also sums error responses and repeated URLs, and weighs local dev bundles fully (here
//! info at most). Only Stormwatch counts scripts by resource type whatever their MIME,
//! leaves a worker entry with only headers out of the wire total, and names the big chunk
//! and whether it loads at startup.

use super::{dev_build_in_production, thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;
use crate::model::urls;
use std::collections::HashMap;

thresholds!(OversizedChunkConfig {
    transfer_bytes: u64 = 250_000,
    decoded_bytes: u64 = 1_000_000,
    /// One script from which it is an error (on the wire, decoded).
    error_transfer_bytes: u64 = 1_000_000,
    error_decoded_bytes: u64 = 4_000_000,
    /// All JavaScript of the page, transferred.
    total_budget_bytes: u64 = 500_000,
    /// The page's total from which it is an error.
    total_error_bytes: u64 = 1_000_000,
});

pub const ID: &str = "oversized-chunk";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Oversized JavaScript",
    doc: include_str!(concat!(env!("OUT_DIR"), "/oversized_chunk.doc")),
    build: |c| Box::new(OversizedChunk::new(c)),
};

/// A script counted in the page total.
struct Script {
    url: String,
    /// Bytes on the wire; None when DevTools' figure was headers only.
    wire: Option<u64>,
}

pub struct OversizedChunk {
    cfg: OversizedChunkConfig,
    local_suffixes: Vec<String>,
    /// Scripts seen, by normalized URL.
    scripts: HashMap<String, Script>,
    /// Bytes on the wire of all scripts of known size, and of those from local hosts.
    total: u64,
    local_total: u64,
    unknown: usize,
    /// What scripts are made of (from their source maps), by URL.
    contents: HashMap<String, Vec<(String, u64)>>,
}

/// "mermaid 640 KB, react-dom 130 KB, (app code) 40 KB": the biggest parts first.
fn top_packages(p: &[(String, u64)]) -> String {
    p.iter()
        .take(5)
        .map(|(name, n)| format!("{name} {}", super::bytes(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds what the chunk is made of to its finding, once both are known.
fn describe(f: &mut crate::model::finding::Finding, packages: &[(String, u64)]) {
    if packages.is_empty() || f.metrics.contains_key("packages") {
        return;
    }
    f.metrics
        .insert("packages".into(), Metric::Text(top_packages(packages)));
    let (name, n) = &packages[0];
    f.title.push_str(&format!("; mostly {name} ({})", super::bytes(*n)));
    if name != "(app code)" {
        f.advice = format!(
            "`{name}` is the biggest part of it: load it with dynamic `import()` where it is used (or drop it \
             if it is dev- or test-only), and split the rest by route. {}",
            f.advice
        );
    }
}

impl OversizedChunk {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.oversized_chunk.clone(),
            local_suffixes: cfg.dev_build_in_production.local_suffixes.clone(),
            scripts: HashMap::new(),
            total: 0,
            local_total: 0,
            unknown: 0,
            contents: HashMap::new(),
        }
    }

    fn check(&mut self, req: &Request, page: &PageState, out: &mut Findings) {
        if !req.from_devtools || req.kind() != "script" || req.status >= 400 || req.is_local() {
            return;
        }
        let url = urls::normalize(&req.url);
        if self.scripts.contains_key(&url) || self.scripts.len() >= 10_000 {
            return;
        }
        // Served from cache: nothing crossed the wire (0); the decoded size still counts.
        // Headers only: the wire size is unknown, never those few hundred bytes.
        let wire = match req.transfer_size {
            None => Some(0),
            Some(_) => req.wire_size(),
        };
        let transfer = wire.unwrap_or(0);
        let decoded = req.content_size.unwrap_or(0);
        let local = dev_build_in_production::local_url(&req.url, &self.local_suffixes);
        self.scripts.insert(
            url.clone(),
            Script {
                url: req.url.clone(),
                wire,
            },
        );
        match wire {
            Some(n) => {
                self.total += n;
                if local {
                    self.local_total += n;
                }
            }
            None => self.unknown += 1,
        }
        let cfg = &self.cfg;
        let on_wire = match wire {
            Some(n) => format!("{} on the wire", super::bytes(n)),
            None => "size on the wire unknown".to_string(),
        };
        let startup = page.at_startup(req.start);
        let when = if startup {
            "needed at startup"
        } else {
            "loaded after startup"
        };
        if transfer > cfg.transfer_bytes || decoded > cfg.decoded_bytes {
            let packages = self.contents.get(&url).cloned().unwrap_or_default();
            out.upsert(ID, &url, req.start, |f| {
                f.count = 1;
                f.evidence.add_request(req.id);
                f.evidence.add_url(&req.url);
                if let Some(s) = &req.initiator {
                    f.evidence.add_source(s);
                }
                match wire {
                    Some(n) => f.metrics.insert("transfer_bytes".into(), Metric::Num(n as f64)),
                    None => f
                        .metrics
                        .insert("transfer_bytes".into(), Metric::Text("unknown".into())),
                };
                f.metrics.insert("decoded_bytes".into(), Metric::Num(decoded as f64));
                f.metrics.insert("at_startup".into(), Metric::Flag(startup));
                f.severity = if transfer > cfg.error_transfer_bytes || decoded > cfg.error_decoded_bytes {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                f.title = format!(
                    "{}: {on_wire}, {} decoded, {when}",
                    urls::short(&req.url),
                    super::bytes(decoded)
                );
                f.advice = "Split it: load rarely used features with dynamic `import()` (React.lazy, route-level \
                            splitting), keep test and dev-only packages out of the production bundle, and check \
                            what it contains with a bundle analyzer."
                    .into();
                describe(f, &packages);
                if local {
                    dev_build_in_production::local_asset_finding(f);
                }
            });
        }
        if self.total > cfg.total_budget_bytes {
            let (total, n, unknown) = (self.total, self.scripts.len(), self.unknown);
            // Mostly served from a local host: a dev server's unminified bundles.
            let local = self.local_total * 2 > total;
            // The biggest scripts, for the user to click (ties by URL: stable order).
            let mut biggest: Vec<&Script> = self.scripts.values().filter(|s| s.wire.is_some()).collect();
            crate::model::sort::sort_by(&mut biggest, |a, b| b.wire.cmp(&a.wire).then_with(|| a.url.cmp(&b.url)));
            let biggest: Vec<(String, u64)> = biggest
                .iter()
                .take(5)
                .map(|s| (s.url.clone(), s.wire.unwrap_or(0)))
                .collect();
            out.upsert(ID, "total", req.start, |f| {
                f.count = n as u64;
                f.evidence.add_request(req.id);
                f.evidence.urls = biggest.iter().map(|(u, _)| u.clone()).collect();
                f.metrics.insert(
                    "biggest".into(),
                    Metric::Text(
                        biggest
                            .iter()
                            .map(|(u, b)| format!("{} {}", urls::short(u), super::bytes(*b)))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                );
                if unknown > 0 {
                    f.metrics
                        .insert("unknown_size_scripts".into(), Metric::Num(unknown as f64));
                }
                f.metrics
                    .insert("total_transfer_bytes".into(), Metric::Num(total as f64));
                f.metrics
                    .insert("budget_bytes".into(), Metric::Num(cfg.total_budget_bytes as f64));
                f.severity = if total > cfg.total_error_bytes {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                let unknown_note = if unknown > 0 {
                    format!(" (and {unknown} of unknown size)")
                } else {
                    String::new()
                };
                f.title = format!(
                    "{} of JavaScript in {} scripts{unknown_note}, over the {} budget",
                    super::bytes(total),
                    n - unknown,
                    super::bytes(cfg.total_budget_bytes)
                );
                f.advice = "Ship less JavaScript up front: split by route, lazy-load heavy features, and drop \
                            unused dependencies."
                    .into();
                if local {
                    dev_build_in_production::local_asset_finding(f);
                }
            });
        }
    }
}

impl Detector for OversizedChunk {
    fn on_settled(&mut self, req: &Request, page: &PageState, out: &mut Findings) {
        self.check(req, page, out);
    }

    fn on_page(&mut self, event: &crate::model::event::Event, _page: &PageState, out: &mut Findings) {
        let crate::model::event::Event::ChunkPackages(c) = event else {
            return;
        };
        let url = urls::normalize(&c.url);
        if let Some(f) = out.get_mut(ID, &url) {
            describe(f, &c.packages);
        }
        if self.contents.len() < 1_000 {
            self.contents.insert(url, c.packages.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::model::finding::Metric;

    fn script(t: &mut Kit, url: &str, transfer: u64, decoded: u64) {
        t.net(url, 100.0, 50.0, |n| {
            n.resource_type = "script".into();
            n.mime_type = Some("text/javascript".into());
            n.transfer_size = Some(transfer);
            n.content_size = Some(decoded);
        });
    }

    #[test]
    fn a_big_chunk_and_the_page_total_are_flagged() {
        let mut t = Kit::new();
        script(&mut t, "http://h/assets/workflow.js", 1_900_000, 6_500_000);
        script(&mut t, "http://h/assets/app.js", 120_000, 400_000);
        let all = t.of("oversized-chunk");
        assert_eq!(all.len(), 2, "{all:#?}");
        let chunk = all.iter().find(|f| f.key != "total").unwrap();
        assert_eq!(chunk.severity, crate::Severity::Error);
        assert!(
            chunk
                .title
                .contains("1.9 MB on the wire, 6.5 MB decoded, needed at startup"),
            "{}",
            chunk.title
        );
        assert!(all
            .iter()
            .any(|f| f.key == "total" && f.title.contains("2.0 MB of JavaScript in 2 scripts")));
    }

    #[test]
    fn a_chunk_source_map_names_the_packages_in_it() {
        let mut t = Kit::new();
        script(&mut t, "http://h/assets/workflow.js", 1_900_000, 6_500_000);
        t.engine.ingest(crate::model::event::Event::ChunkPackages(
            crate::model::event::ChunkPackages {
                t: 200.0,
                url: "http://h/assets/workflow.js".into(),
                map: "http://h/assets/workflow.js.map".into(),
                packages: vec![("mermaid".into(), 4_200_000), ("(app code)".into(), 300_000)],
            },
        ));
        let chunk = t.of("oversized-chunk").into_iter().find(|f| f.key != "total").unwrap();
        assert!(chunk.title.ends_with("; mostly mermaid (4.2 MB)"), "{}", chunk.title);
        assert_eq!(
            chunk.metrics.get("packages"),
            Some(&Metric::Text("mermaid 4.2 MB, (app code) 300 KB".into()))
        );
        assert!(
            chunk.advice.starts_with("`mermaid` is the biggest part of it"),
            "{}",
            chunk.advice
        );
    }

    #[test]
    fn the_page_total_lists_the_biggest_scripts() {
        let mut t = Kit::new();
        script(&mut t, "http://h/assets/a.js", 200_000, 600_000);
        script(&mut t, "http://h/assets/b.js", 90_000, 300_000);
        script(&mut t, "http://h/assets/c.js", 240_000, 800_000);
        let total = t.of("oversized-chunk").into_iter().find(|f| f.key == "total").unwrap();
        assert_eq!(
            total.evidence.urls,
            vec!["http://h/assets/c.js", "http://h/assets/a.js", "http://h/assets/b.js"]
        );
        assert_eq!(
            total.metrics.get("biggest"),
            Some(&Metric::Text(
                "/assets/c.js 240 KB, /assets/a.js 200 KB, /assets/b.js 90 KB".into()
            ))
        );
    }

    /// PDF.js's worker as the page's log shows it: the worker downloads the script,
    /// the page's entry carries only the response headers.
    fn worker(t: &mut Kit, body_size: Option<u64>) {
        t.net("https://docs.example.com/build/pdf.worker.mjs", 100.0, 40.0, |n| {
            n.resource_type = "script".into();
            n.mime_type = Some("text/javascript".into());
            n.transfer_size = Some(346);
            n.body_size = body_size;
            n.content_size = Some(2_200_000);
        });
    }

    #[test]
    fn a_worker_script_whose_log_entry_is_only_headers_has_no_wire_size() {
        for body in [Some(0), None] {
            let mut t = Kit::new();
            worker(&mut t, body);
            script(&mut t, "https://docs.example.com/build/pdf.mjs", 520_000, 1_300_000);
            let all = t.of("oversized-chunk");
            let w = all
                .iter()
                .find(|f| f.key.ends_with("pdf.worker.mjs"))
                .expect("worker finding");
            assert!(!w.title.contains("346 B"), "{}", w.title);
            assert!(
                w.title
                    .contains("pdf.worker.mjs: size on the wire unknown, 2.2 MB decoded"),
                "{}",
                w.title
            );
            assert_eq!(w.metrics.get("transfer_bytes"), Some(&Metric::Text("unknown".into())));
            assert_eq!(w.severity, crate::Severity::Warning);
            // The page total counts what is known, and says what is not.
            let total = all.iter().find(|f| f.key == "total").unwrap();
            assert!(
                total
                    .title
                    .starts_with("520 KB of JavaScript in 1 scripts (and 1 of unknown size)"),
                "{}",
                total.title
            );
        }
        // Near miss: a compressed script whose body did cross the wire keeps its size.
        let mut t = Kit::new();
        t.net("https://docs.example.com/build/pdf.mjs", 100.0, 40.0, |n| {
            n.resource_type = "script".into();
            n.transfer_size = Some(300_400);
            n.body_size = Some(300_000);
            n.content_size = Some(1_300_000);
        });
        let f = t.only("oversized-chunk");
        assert!(f.title.contains("300 KB on the wire, 1.3 MB decoded"), "{}", f.title);
    }

    #[test]
    fn blob_workers_are_not_chunks_and_local_dev_bundles_are_info_with_a_note() {
        let mut t = Kit::new();
        script(
            &mut t,
            "blob:http://localhost:5173/5f1c2a9e-8b7d-4c3a-9f1e-2d6b8a7c5e41",
            0,
            2_000_000,
        );
        script(
            &mut t,
            "chrome-extension://fmkadmapgofadopljbjfkapdkoienihi/build/backend.js",
            0,
            2_000_000,
        );
        t.assert_none("oversized-chunk");

        let mut t = Kit::new();
        script(
            &mut t,
            "http://localhost:5173/node_modules/.vite/deps/react-dom_client.js?v=abc123",
            1_400_000,
            1_400_000,
        );
        let all = t.of("oversized-chunk");
        assert_eq!(all.len(), 2, "{all:#?}");
        for f in &all {
            assert_eq!(f.severity, crate::Severity::Info, "{f:#?}");
            assert!(
                f.title
                    .ends_with("(local development server: check the production build)"),
                "{}",
                f.title
            );
        }
        // The same bundle from a public host is an error.
        let mut t = Kit::new();
        script(
            &mut t,
            "https://app.example.com/node_modules/.vite/deps/react-dom_client.js?v=abc123",
            1_400_000,
            1_400_000,
        );
        assert!(t
            .of("oversized-chunk")
            .iter()
            .all(|f| f.severity == crate::Severity::Error));
    }

    #[test]
    fn near_miss_small_scripts_under_budget_are_quiet() {
        let mut t = Kit::new();
        script(&mut t, "http://h/a.js", 200_000, 900_000);
        script(&mut t, "http://h/b.js", 100_000, 300_000);
        script(&mut t, "http://h/a.js", 200_000, 900_000);
        t.assert_none("oversized-chunk");
    }
}
