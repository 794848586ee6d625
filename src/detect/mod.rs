//! Detectors, one per file. Each watches requests as the engine merges them and
//! keeps its findings up to date in place; none of them sees the UI.
//!
//! `DETECTORS` is the registry: id, documentation (the file's doc comment sections,
//! shown by the panel and `stormwatch explain`) and a constructor from the config.

use crate::config::Config;
use crate::finding::{Evidence, Finding, Severity};
use crate::request::Request;
use std::collections::BTreeMap;

pub mod connection_leak;
pub mod dev_build_in_production;
pub mod duplicate_request;
pub mod error_burst;
pub mod large_payload;
pub mod long_task;
pub mod memory_growth;
pub mod missing_cache_headers;
pub mod missing_request_id;
pub mod n_plus_one;
pub mod oversized_chunk;
pub mod polling_loop;
pub mod request_waterfall;
pub mod rerender_storm;
pub mod slow_request;
pub mod uncompressed_response;
pub mod unnecessary_render;

/// What the page was doing when a request was seen.
#[derive(Clone, Debug, Default)]
pub struct PageState {
    pub url: String,
    pub hidden: bool,
    /// Route changes so far, with their times and new URLs.
    pub routes: Vec<(f64, String)>,
    /// When the `load` event fired, once it has.
    pub load_t: Option<f64>,
}

impl PageState {
    /// Whether something that started at `t` was part of the page's startup.
    pub fn at_startup(&self, t: f64) -> bool {
        self.load_t.is_none_or(|l| t <= l)
    }

    /// The page's URL now (after its latest route change), empty when unknown.
    pub fn current_url(&self) -> &str {
        self.routes.last().map_or(self.url.as_str(), |(_, u)| u.as_str())
    }
}

/// The findings store, keyed by (detector id, finding key) so output order is stable.
#[derive(Debug, Default)]
pub struct Findings {
    map: BTreeMap<(&'static str, String), Finding>,
    /// Bumped on every change, so the UI can skip redraws.
    pub version: u64,
    /// New findings not kept because the store was full.
    pub not_kept: u64,
}

/// Findings kept at once: a page that produces more has one problem many times.
pub const MAX_FINDINGS: usize = 1_000;

impl Findings {
    /// Creates the finding on first use and lets the detector update it.
    pub fn upsert(&mut self, detector: &'static str, key: &str, at: f64, update: impl FnOnce(&mut Finding)) {
        self.version += 1;
        let id = (detector, key.to_string());
        if self.map.len() >= MAX_FINDINGS && !self.map.contains_key(&id) {
            self.not_kept += 1;
            return;
        }
        let f = self.map.entry(id).or_insert_with(|| Finding {
            detector: detector.to_string(),
            key: key.to_string(),
            severity: Severity::Info,
            title: String::new(),
            count: 0,
            first_ms: at,
            last_ms: at,
            evidence: Evidence::default(),
            metrics: BTreeMap::new(),
            advice: String::new(),
        });
        f.last_ms = f.last_ms.max(at);
        f.first_ms = f.first_ms.min(at);
        update(f);
    }

    pub fn get_mut(&mut self, detector: &'static str, key: &str) -> Option<&mut Finding> {
        self.version += 1;
        self.map.get_mut(&(detector, key.to_string()))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.map.values()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

pub trait Detector {
    /// A request was first seen (from the page at its start, or from DevTools' log).
    fn on_start(&mut self, _req: &Request, _page: &PageState, _out: &mut Findings) {}
    /// A request settled (first time only).
    fn on_end(&mut self, _req: &Request, _page: &PageState, _out: &mut Findings) {}
    /// DevTools' log added detail (initiator, sizes) to a request already seen.
    fn on_enrich(&mut self, _req: &Request, _out: &mut Findings) {}
    /// After either of the two above: the request as known now. Detectors that judge a
    /// finished request by its sizes and headers implement only this (and count each
    /// request once themselves, since it can come twice).
    fn on_settled(&mut self, _req: &Request, _page: &PageState, _out: &mut Findings) {}
    /// Anything else the page reported: routes, visibility, lifecycle, connections.
    fn on_page(&mut self, _event: &crate::event::Event, _page: &PageState, _out: &mut Findings) {}
}

pub struct DetectorInfo {
    pub id: &'static str,
    pub title: &'static str,
    /// Markdown: What it detects / Why it matters / Example / Thresholds.
    pub doc: &'static str,
    pub build: fn(&Config) -> Box<dyn Detector>,
}

pub const DETECTORS: &[DetectorInfo] = &[
    duplicate_request::INFO,
    polling_loop::INFO,
    n_plus_one::INFO,
    request_waterfall::INFO,
    error_burst::INFO,
    slow_request::INFO,
    large_payload::INFO,
    uncompressed_response::INFO,
    missing_cache_headers::INFO,
    oversized_chunk::INFO,
    connection_leak::INFO,
    long_task::INFO,
    memory_growth::INFO,
    missing_request_id::INFO,
    rerender_storm::INFO,
    unnecessary_render::INFO,
    dev_build_in_production::INFO,
];

/// Bytes as people read them: 380 KB, 2.4 MB.
pub fn bytes(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} MB", n as f64 / 1_000_000.0)
    } else if n >= 1_000 {
        format!("{:.0} KB", n as f64 / 1_000.0)
    } else {
        format!("{n} B")
    }
}

/// One behaviour, one finding: a steady loop whose copies merely follow each other
/// (none in flight at once) is reported as `polling-loop`, not also as duplicates.
pub fn superseded(f: &Finding, all: &[Finding]) -> bool {
    if f.detector != duplicate_request::ID
        || !matches!(f.metrics.get("in_flight_copies"), Some(crate::finding::Metric::Num(n)) if *n == 0.0)
    {
        return false;
    }
    all.iter().any(|p| {
        p.detector == polling_loop::ID && f.evidence.requests.iter().all(|id| p.evidence.requests.contains(id))
    })
}

pub fn info(id: &str) -> Option<&'static DetectorInfo> {
    DETECTORS.iter().find(|d| d.id == id)
}

/// Drops the oldest-touched keys when a per-key map outgrows its cap, so a flood
/// of distinct URLs cannot grow memory without bound. Returns how many were dropped.
pub(crate) fn evict_oldest<V>(
    map: &mut std::collections::HashMap<String, V>,
    cap: usize,
    last_seen: impl Fn(&V) -> f64,
) -> usize {
    if map.len() <= cap {
        return 0;
    }
    let mut times: Vec<f64> = map.values().map(&last_seen).collect();
    times.sort_by(|a, b| a.total_cmp(b));
    let cutoff = times[map.len() - cap / 2];
    let before = map.len();
    map.retain(|_, v| last_seen(v) >= cutoff);
    before - map.len()
}

#[cfg(test)]
pub(crate) mod testkit;

/// The `//!` documentation at the top of a detector's source file, as Markdown.
pub fn module_doc(source: &str) -> String {
    source
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| {
            l.trim_start_matches("//!")
                .strip_prefix(' ')
                .unwrap_or(l.trim_start_matches("//!"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
