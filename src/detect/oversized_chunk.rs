//! # oversized-chunk
//!
//! ## What it detects
//! A script over 250 KB on the wire or over 1 MB decoded, and a page whose
//! JavaScript adds up to more than 500 KB on the wire. Each says whether the code
//! was needed at startup (loaded before the `load` event) or later.
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
//! - `transfer_bytes` (250000), `decoded_bytes` (1000000), `total_budget_bytes` (500000).
//!
//! Attributing a chunk's bytes to npm packages through its source map is not done yet.

use super::{Detector, DetectorInfo, Findings, PageState};
use crate::config::{Config, OversizedChunkConfig};
use crate::finding::{Metric, Severity};
use crate::request::Request;
use crate::urls;
use std::collections::HashMap;

pub const ID: &str = "oversized-chunk";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Oversized JavaScript",
    doc: include_str!(concat!(env!("OUT_DIR"), "/oversized_chunk.doc")),
    build: |c| Box::new(OversizedChunk::new(c)),
};

pub struct OversizedChunk {
    cfg: OversizedChunkConfig,
    /// Scripts seen, by URL: bytes on the wire.
    scripts: HashMap<String, u64>,
    total: u64,
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
fn describe(f: &mut crate::finding::Finding, packages: &[(String, u64)]) {
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
            scripts: HashMap::new(),
            total: 0,
            contents: HashMap::new(),
        }
    }

    fn check(&mut self, req: &Request, page: &PageState, out: &mut Findings) {
        if !req.from_devtools || req.kind() != "script" || req.status >= 400 {
            return;
        }
        let url = urls::normalize(&req.url);
        if self.scripts.contains_key(&url) || self.scripts.len() >= 10_000 {
            return;
        }
        // Served from cache: nothing crossed the wire; the decoded size still counts.
        let transfer = req.transfer_size.unwrap_or(0);
        let decoded = req.content_size.unwrap_or(0);
        self.scripts.insert(url.clone(), transfer);
        self.total += transfer;
        let cfg = &self.cfg;
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
                f.metrics.insert("transfer_bytes".into(), Metric::Num(transfer as f64));
                f.metrics.insert("decoded_bytes".into(), Metric::Num(decoded as f64));
                f.metrics.insert("at_startup".into(), Metric::Flag(startup));
                f.severity = if transfer > 4 * cfg.transfer_bytes || decoded > 4 * cfg.decoded_bytes {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                f.title = format!(
                    "{}: {} on the wire, {} decoded, {when}",
                    urls::short(&req.url),
                    super::bytes(transfer),
                    super::bytes(decoded)
                );
                f.advice = "Split it: load rarely used features with dynamic `import()` (React.lazy, route-level \
                            splitting), keep test and dev-only packages out of the production bundle, and check \
                            what it contains with a bundle analyzer."
                    .into();
                describe(f, &packages);
            });
        }
        if self.total > cfg.total_budget_bytes {
            let (total, n) = (self.total, self.scripts.len());
            out.upsert(ID, "total", req.start, |f| {
                f.count = n as u64;
                f.evidence.add_request(req.id);
                f.metrics
                    .insert("total_transfer_bytes".into(), Metric::Num(total as f64));
                f.metrics
                    .insert("budget_bytes".into(), Metric::Num(cfg.total_budget_bytes as f64));
                f.severity = if total > 2 * cfg.total_budget_bytes {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                f.title = format!(
                    "{} of JavaScript in {n} scripts, over the {} budget",
                    super::bytes(total),
                    super::bytes(cfg.total_budget_bytes)
                );
                f.advice = "Ship less JavaScript up front: split by route, lazy-load heavy features, and drop \
                            unused dependencies."
                    .into();
            });
        }
    }
}

impl Detector for OversizedChunk {
    fn on_settled(&mut self, req: &Request, page: &PageState, out: &mut Findings) {
        self.check(req, page, out);
    }

    fn on_page(&mut self, event: &crate::event::Event, _page: &PageState, out: &mut Findings) {
        let crate::event::Event::ChunkPackages(c) = event else {
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
    use crate::finding::Metric;

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
        t.engine
            .ingest(crate::event::Event::ChunkPackages(crate::event::ChunkPackages {
                t: 200.0,
                url: "http://h/assets/workflow.js".into(),
                map: "http://h/assets/workflow.js.map".into(),
                packages: vec![("mermaid".into(), 4_200_000), ("(app code)".into(), 300_000)],
            }));
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
    fn near_miss_small_scripts_under_budget_are_quiet() {
        let mut t = Kit::new();
        script(&mut t, "http://h/a.js", 200_000, 900_000);
        script(&mut t, "http://h/b.js", 100_000, 300_000);
        script(&mut t, "http://h/a.js", 200_000, 900_000);
        t.assert_none("oversized-chunk");
    }
}
