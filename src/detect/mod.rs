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
}

/// The findings store: per detector (in id order), findings by key, so output order
/// is stable. Lookups borrow the key; only a finding's first upsert allocates it.
#[derive(Debug, Default)]
pub struct Findings {
    shelves: Vec<Shelf>,
    len: usize,
    /// Bumped on every change, so the UI can skip redraws.
    pub version: u64,
    /// New findings not kept because the store was full.
    pub not_kept: u64,
}

/// One detector's findings, and what it found past its cap.
#[derive(Debug)]
struct Shelf {
    detector: &'static str,
    map: BTreeMap<String, Finding>,
    /// Distinct keys refused past `MAX_PER_DETECTOR` (hashes, bounded), their count
    /// and the times of the first and last refusal.
    refused: std::collections::HashSet<u64>,
    not_shown: u64,
    first: f64,
    last: f64,
}

/// Findings kept at once: a page that produces more has one problem many times.
pub const MAX_FINDINGS: usize = 1_000;
/// Findings kept per detector; the rest are counted as "N more like these".
pub const MAX_PER_DETECTOR: usize = 50;
/// Distinct refused keys remembered per detector, to count each once; past this the
/// count is a lower bound.
const MAX_REFUSED_KEYS: usize = 4_096;

/// What a detector found past `MAX_PER_DETECTOR`.
#[derive(Clone, Debug, PartialEq)]
pub struct NotShown {
    pub detector: &'static str,
    /// Distinct findings not kept (at least this many).
    pub count: u64,
    /// Epoch ms of the first and last of them.
    pub first: f64,
    pub last: f64,
}

fn key_hash(key: &str) -> u64 {
    // FNV-1a: deterministic, and the keys are short.
    key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Findings {
    fn shelf<'a>(shelves: &'a mut Vec<Shelf>, detector: &'static str) -> &'a mut Shelf {
        // Detectors pass their `ID` constant, so the pointer test nearly always decides.
        let pos = match shelves
            .iter()
            .position(|s| std::ptr::eq(s.detector, detector) || s.detector == detector)
        {
            Some(p) => p,
            None => {
                let at = shelves.partition_point(|s| s.detector < detector);
                shelves.insert(
                    at,
                    Shelf {
                        detector,
                        map: BTreeMap::new(),
                        refused: Default::default(),
                        not_shown: 0,
                        first: f64::INFINITY,
                        last: f64::NEG_INFINITY,
                    },
                );
                at
            }
        };
        &mut shelves[pos]
    }

    /// Creates the finding on first use and lets the detector update it.
    pub fn upsert(&mut self, detector: &'static str, key: &str, at: f64, update: impl FnOnce(&mut Finding)) {
        self.version += 1;
        let full = self.len >= MAX_FINDINGS;
        let shelf = Self::shelf(&mut self.shelves, detector);
        let f = match shelf.map.get_mut(key) {
            Some(f) => f,
            None => {
                if shelf.map.len() >= MAX_PER_DETECTOR {
                    if shelf.refused.len() < MAX_REFUSED_KEYS && shelf.refused.insert(key_hash(key)) {
                        shelf.not_shown += 1;
                    }
                    shelf.first = shelf.first.min(at);
                    shelf.last = shelf.last.max(at);
                    return;
                }
                if full {
                    self.not_kept += 1;
                    return;
                }
                self.len += 1;
                shelf.map.entry(key.to_string()).or_insert_with(|| Finding {
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
                    page: None,
                })
            }
        };
        f.last_ms = f.last_ms.max(at);
        f.first_ms = f.first_ms.min(at);
        update(f);
    }

    pub fn get_mut(&mut self, detector: &'static str, key: &str) -> Option<&mut Finding> {
        self.version += 1;
        self.shelves
            .iter_mut()
            .find(|s| s.detector == detector)?
            .map
            .get_mut(key)
    }

    /// Takes a finding back when later evidence undoes it (a request counted as a
    /// copy turned out aborted).
    pub fn remove(&mut self, detector: &'static str, key: &str) -> bool {
        let Some(shelf) = self.shelves.iter_mut().find(|s| s.detector == detector) else {
            return false;
        };
        let removed = shelf.map.remove(key).is_some();
        if removed {
            self.len -= 1;
            self.version += 1;
        }
        removed
    }

    /// In (detector, key) order.
    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.shelves.iter().flat_map(|s| s.map.values())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Per detector, the findings not kept past `MAX_PER_DETECTOR`.
    pub fn not_shown(&self) -> impl Iterator<Item = NotShown> + '_ {
        self.shelves.iter().filter(|s| s.not_shown > 0).map(|s| NotShown {
            detector: s.detector,
            count: s.not_shown,
            first: s.first,
            last: s.last,
        })
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
    // Both keep only their latest evidence ids (and the copies may carry older
    // ones), so compare the copies since the poll's earliest evidence.
    all.iter().any(|p| {
        if p.detector != polling_loop::ID {
            return false;
        }
        let Some(&since) = p.evidence.requests.iter().min() else {
            return false;
        };
        let mut recent = f.evidence.requests.iter().filter(|id| **id >= since).peekable();
        recent.peek().is_some() && recent.all(|id| p.evidence.requests.contains(id))
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
    // The same cutoff a full sort would give, in linear time.
    let at = map.len() - cap / 2;
    let (_, cutoff, _) = times.select_nth_unstable_by(at, |a, b| a.total_cmp(b));
    let cutoff = *cutoff;
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
