//! Detectors, one per file. Each watches requests as the engine merges them and
//! keeps its findings up to date in place; none of them sees the UI.
//!
//! Each detector's file holds all of it: documentation, thresholds, logic, tests.
//! `registry!` lists them, one line each; `DETECTORS` holds their id, documentation
//! (the file's doc comment sections, shown by the panel and `stormwatch explain`)
//! and a constructor from the config.

use crate::detect::config::Config;
use crate::model::finding::{Evidence, Finding, Severity};
use crate::model::request::Request;
use std::collections::BTreeMap;

/// The registry: every detector, one line each, in the order the engine runs them.
/// A line names the detector's module (its file `src/detect/<module>.rs`, whose
/// `INFO` gives the id, title, documentation and constructor) and, when it has
/// thresholds, their type (declared in that file with `thresholds!`), which becomes
/// the `Config` field named after the module (`[polling_loop]` in stormwatch.toml).
///
/// Adding a detector is its file, one line here and its `pub mod` line below. The
/// registry's tests check each line against its file: id, file name, documentation
/// and defaults.
///
/// The list is handed to a macro: `modules!` below (`DETECTORS`) and `config!` in
/// `config.rs` (the `Config` struct). The modules themselves are declared one by one
/// after it, because `cargo fmt` does not follow modules declared by a macro; the
/// registry test fails for a file that is declared but not listed.
macro_rules! registry {
    ($then:ident) => {
        $then! {
            duplicate_request: DuplicateRequestConfig,
            polling_loop: PollingLoopConfig,
            n_plus_one: NPlusOneConfig,
            request_waterfall: RequestWaterfallConfig,
            error_burst: ErrorBurstConfig,
            slow_request: SlowRequestConfig,
            large_payload: LargePayloadConfig,
            uncompressed_response: UncompressedResponseConfig,
            missing_cache_headers: MissingCacheHeadersConfig,
            oversized_chunk: OversizedChunkConfig,
            connection_leak: ConnectionLeakConfig,
            long_task: LongTaskConfig,
            memory_growth: MemoryGrowthConfig,
            missing_request_id,
            rerender_storm: RerenderStormConfig,
            unnecessary_render: UnnecessaryRenderConfig,
            effect_rerun: EffectRerunConfig,
            dev_build_in_production: DevBuildInProductionConfig,
        }
    };
}
pub(crate) use registry;

/// The registry's modules and `DETECTORS`, in its order.
macro_rules! modules {
    ($($module:ident $(: $thresholds:ident)?),* $(,)?) => {
        /// Every detector, in the registry's order.
        pub const DETECTORS: &[DetectorInfo] = &[$($module::INFO),*];

        /// Each detector's module name, as `DETECTORS` (for the registry's tests).
        #[cfg(test)]
        const MODULES: &[&str] = &[$(stringify!($module)),*];
    };
}
registry!(modules);

pub mod config;
pub mod connection_leak;
pub mod dev_build_in_production;
pub mod duplicate_request;
pub mod effect_rerun;
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

/// Declares a detector's thresholds: a struct whose `Default` is the listed values.
/// `serde(default)`, so a config file (or the panel's settings) names only what it
/// changes. A detector's file imports it (`use super::thresholds`) and declares its
/// thresholds right after its `use` lines. (Defined after `registry!(modules)`, so
/// that import, not the order of this file, is what makes it visible there.)
macro_rules! thresholds {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty = $val:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default)]
        pub struct $name { $($(#[$fm])* pub $field: $ty),* }
        impl Default for $name {
            fn default() -> Self { Self { $($field: $val),* } }
        }
        impl $crate::detect::config::Thresholds for $name {
            fn each(&mut self, f: &mut dyn FnMut(&'static str, &mut dyn $crate::detect::config::Setting)) {
                $(f(stringify!($field), &mut self.$field);)*
            }
        }
    };
}
pub(crate) use thresholds;

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
        let mut update = Some(update);
        self.upsert_dyn(detector, key, at, &mut |f| {
            if let Some(u) = update.take() {
                u(f)
            }
        });
    }

    /// `upsert` behind a `dyn` closure: one copy of the lookup in the panel's wasm
    /// instead of one per call site (the copies were 30 KB of its code).
    #[inline(never)]
    fn upsert_dyn(&mut self, detector: &'static str, key: &str, at: f64, update: &mut dyn FnMut(&mut Finding)) {
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

    /// Writes the deferred content (see `Detector::flush`) of each finding whose
    /// entry in `shown` is stale (`stale(entry)` was set since the last read).
    pub fn write_stale<S>(
        &mut self,
        detector: &'static str,
        shown: &BTreeMap<String, S>,
        stale: impl Fn(&S) -> &std::cell::Cell<bool>,
        mut write: impl FnMut(&S, &mut Finding),
    ) {
        for (key, s) in shown {
            if stale(s).replace(false) {
                if let Some(f) = self.deferred_mut(detector, key) {
                    write(s, f);
                }
            }
        }
    }

    /// A finding to write content into that its detector deferred (see
    /// `Detector::flush`): no version bump, since the change that made the content
    /// stale already bumped it when it happened.
    pub fn deferred_mut(&mut self, detector: &'static str, key: &str) -> Option<&mut Finding> {
        self.shelves
            .iter_mut()
            .find(|s| std::ptr::eq(s.detector, detector) || s.detector == detector)?
            .map
            .get_mut(key)
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

/// The engine's promise, whatever order the page's and DevTools' halves of a request
/// arrive in and however often either is delivered (a resent batch, `getHAR()` and
/// `onRequestFinished` both): per request, `on_start` is called exactly once,
/// `on_end` once, `on_enrich` at most once, and a detector never sees the same
/// knowledge of a request twice. No detector needs a set of requests it has seen.
pub trait Detector {
    /// A request was first seen (from the page at its start, or from DevTools' log).
    /// Once per request.
    fn on_start(&mut self, _req: &Request, _page: &PageState, _out: &mut Findings) {}
    /// A request's end became known (from either half). Once per request, with one
    /// exception: when DevTools ended it first and the page then reports that it
    /// aborted the call, this comes again with the abort (the page knows best).
    fn on_end(&mut self, _req: &Request, _page: &PageState, _out: &mut Findings) {}
    /// DevTools' log added detail (initiator, sizes) to a request the page reported
    /// first. At most once per request (not at all when DevTools reported it first).
    fn on_enrich(&mut self, _req: &Request, _out: &mut Findings) {}
    /// After `on_end` and/or `on_enrich`: the request as known now, once per half that
    /// brought news, so up to twice (its end from the page, then DevTools' sizes and
    /// headers). Detectors that judge a finished request by its sizes and headers
    /// implement only this, and count a request when it first qualifies with
    /// `Request::count_once`.
    fn on_settled(&mut self, _req: &Request, _page: &PageState, _out: &mut Findings) {}
    /// Anything else the page reported: routes, visibility, lifecycle, connections.
    fn on_page(&mut self, _event: &crate::model::event::Event, _page: &PageState, _out: &mut Findings) {}
    /// Writes what the detector deferred into its findings, before they are read.
    /// A detector whose findings are updated on every request (a burst's title and
    /// metrics) creates and counts the finding at once, so the store's caps and
    /// version see every change as it happens, but writes the texts and numbers
    /// that only reflect its latest state here, once per read instead of once per
    /// request. Reads come at most every ~100 ms in the panel; with nothing
    /// deferred this does nothing.
    /// (`&self`: reading is; a detector keeps what it deferred in cells.)
    fn flush(&self, _out: &mut Findings) {}
}

pub struct DetectorInfo {
    pub id: &'static str,
    pub title: &'static str,
    /// Markdown: What it detects / Why it matters / Example / Thresholds.
    pub doc: &'static str,
    pub build: fn(&Config) -> Box<dyn Detector>,
}
// `DETECTORS`, the list of them, comes from `registry!` (at the top of this file).

// Detectors write sizes into titles the way every view shows them.
pub(crate) use crate::model::present::bytes;

/// One behaviour, one finding: a steady loop whose copies merely follow each other
/// (none in flight at once) is reported as `polling-loop`, not also as duplicates;
/// a chain that is one request per item awaited in a loop is reported as
/// `n-plus-one` (which says "one after another"), not also as a waterfall.
/// `all`: the findings of the detectors that supersede (polling loops, N+1 bursts).
pub fn superseded(f: &Finding, all: &[Finding]) -> bool {
    if f.detector == request_waterfall::ID {
        return per_item_loop(f, all);
    }
    if f.detector != duplicate_request::ID
        || !matches!(f.metrics.get("in_flight_copies"), Some(crate::model::finding::Metric::Num(n)) if *n == 0.0)
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

/// Most of the waterfall's requests (4 in 5) are one N+1 burst's: a list's items
/// fetched one after another, which the burst's finding already says.
fn per_item_loop(waterfall: &Finding, all: &[Finding]) -> bool {
    let chain = &waterfall.evidence.requests;
    all.iter().filter(|b| b.detector == n_plus_one::ID).any(|b| {
        let shared = chain.iter().filter(|id| b.evidence.requests.contains(id)).count();
        !chain.is_empty() && shared * 5 >= chain.len() * 4
    })
}

/// The detector's place in `DETECTORS` (its bit in `Request::count_once`).
#[cfg(test)]
pub(crate) fn index_of(id: &str) -> usize {
    DETECTORS
        .iter()
        .position(|d| std::ptr::eq(d.id, id) || d.id == id)
        .unwrap_or(DETECTORS.len() - 1)
}

/// [`index_of`] at compile time, for a detector's own `ID`: its `count_once` bit as
/// a constant (`const SLOT: usize = super::slot_of(ID);`), no search per request.
pub(crate) const fn slot_of(id: &str) -> usize {
    const _: () = assert!(
        DETECTORS.len() <= 29,
        "Request::count_once keeps a bit per detector in a u32 (the last three are the request's own)"
    );
    const fn same(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    let mut i = 0;
    while i < DETECTORS.len() {
        if same(DETECTORS[i].id, id) {
            return i;
        }
        i += 1;
    }
    panic!("slot_of: not a registered detector id")
}

pub fn info(id: &str) -> Option<&'static DetectorInfo> {
    DETECTORS.iter().find(|d| d.id == id)
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

#[cfg(test)]
mod registry_tests {
    //! Every registry line against its detector's file: the id (the module's name in
    //! kebab case), the documentation (the file's, with the four sections) and its
    //! `## Thresholds` section, which lists each config field with its default value,
    //! as `` `field` (value) ``.
    use super::*;
    use serde_json::Value;

    const SECTIONS: [&str; 4] = ["## What it detects", "## Why it matters", "## Example", "## Thresholds"];

    /// The text of a `## ` section, up to the next heading of that level or higher.
    fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
        let start = doc.find(&format!("{heading}\n"))? + heading.len() + 1;
        let rest = &doc[start..];
        let end = rest
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .find(|i| rest[*i..].starts_with("## ") || rest[*i..].starts_with("# "))
            .unwrap_or(rest.len());
        Some(&rest[..end])
    }

    /// `` `name` (value) `` pairs: the name a snake_case identifier, the value the text
    /// inside the (balanced) parentheses right after it.
    fn documented(text: &str) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('`') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('`') else { break };
            let name = &after[..close];
            let tail = &after[close + 1..];
            rest = tail;
            let ident = !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            let Some(inner) = tail.strip_prefix(" (") else { continue };
            if !ident {
                continue;
            }
            let mut depth = 1;
            let mut end = None;
            for (i, c) in inner.char_indices() {
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if let Some(end) = end {
                pairs.push((name.to_string(), inner[..end].to_string()));
                rest = &inner[end..];
            }
        }
        pairs
    }

    /// Equal as values: numbers by magnitude (`1000` documents `1000.0`).
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
            _ => a == b,
        }
    }

    /// What is wrong with one registry line: `module`'s entry `d`, with `thresholds`
    /// its defaults as `Config` serialises them (none for a detector without).
    fn check(module: &str, d: &DetectorInfo, thresholds: Option<&serde_json::Map<String, Value>>) -> Vec<String> {
        let mut problems = Vec::new();
        let id = d.id;
        // The id is the module's name in kebab case, and the module's file is
        // named after it: `polling-loop` is src/detect/polling_loop.rs.
        if id != module.replace('_', "-") {
            problems.push(format!(
                "{id}: registered as module `{module}`, whose id would be `{}`",
                module.replace('_', "-")
            ));
        }
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/detect/{module}.rs"));
        let source = match std::fs::read_to_string(&file) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{id}: no file {} ({e})", file.display()));
                return problems;
            }
        };

        // Its documentation: the file's own `//!` text, in four sections.
        let doc = module_doc(d.doc);
        if doc != module_doc(&source) {
            problems.push(format!("{id}: doc is not {}'s", file.display()));
        }
        if !doc.starts_with(&format!("# {id}\n")) {
            problems.push(format!("{id}: doc must start with `# {id}`"));
        }
        let mut at = 0;
        for s in SECTIONS {
            match doc[at..].find(&format!("\n{s}\n")) {
                Some(found) => {
                    at += found + 1;
                    if section(&doc, s).unwrap_or_default().trim().is_empty() {
                        problems.push(format!("{id}: `{s}` is empty"));
                    }
                }
                None => problems.push(format!("{id}: no `{s}` section (in this order)")),
            }
        }

        // Its thresholds: every field documented as `` `field` (default) ``, nothing else.
        let thresholds_doc = section(&doc, "## Thresholds").unwrap_or_default();
        let pairs = documented(thresholds_doc);
        let Some(fields) = thresholds else {
            if thresholds_doc.chars().any(|c| c.is_ascii_digit()) || !pairs.is_empty() {
                problems.push(format!("{id}: no config, yet its Thresholds name numbers"));
            }
            return problems;
        };
        for (field, default) in fields {
            let values: Vec<&String> = pairs.iter().filter(|(n, _)| n == field).map(|(_, v)| v).collect();
            if values.is_empty() {
                problems.push(format!("{id}: `{field}` ({default}) is not documented"));
            }
            for v in values {
                match serde_json::from_str::<Value>(v) {
                    Ok(doc_value) if same(&doc_value, default) => {}
                    Ok(_) => problems.push(format!("{id}: `{field}` documented as ({v}), default {default}")),
                    Err(_) => problems.push(format!(
                        "{id}: `{field}` ({v}): the value must be exactly the default, {default}"
                    )),
                }
            }
        }
        for (name, v) in &pairs {
            if !fields.contains_key(name) {
                problems.push(format!("{id}: documents `{name}` ({v}), which is not in its config"));
            }
        }
        problems
    }

    #[test]
    fn every_detector_matches_its_registry_line() {
        assert_eq!(MODULES.len(), DETECTORS.len());
        let config = serde_json::to_value(Config::default()).unwrap();
        let config = config.as_object().unwrap();
        let mut problems = Vec::new();
        for (module, d) in MODULES.iter().zip(DETECTORS) {
            let thresholds = config
                .get(*module)
                .map(|v| v.as_object().expect("thresholds are a table"));
            problems.extend(check(module, d, thresholds));
        }

        // Ids are distinct, and `Config` has the detectors' thresholds and nothing
        // else besides its own two fields.
        let mut ids: Vec<&str> = DETECTORS.iter().map(|d| d.id).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != DETECTORS.len() {
            problems.push("two detectors have the same id".into());
        }
        for key in config.keys() {
            if !["disabled", "ignore"].contains(&key.as_str()) && !MODULES.contains(&key.as_str()) {
                problems.push(format!("config field `{key}` is no detector's"));
            }
        }

        // Every detector file is registered (an unregistered one is not even compiled).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/detect");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .into_string()
                    .ok()?
                    .strip_suffix(".rs")
                    .map(String::from)
            })
            .filter(|name| !matches!(name.as_str(), "mod" | "testkit" | "config"))
            .collect();
        files.sort();
        for f in files {
            if !MODULES.contains(&f.as_str()) {
                problems.push(format!("src/detect/{f}.rs is not in `registry!`"));
            }
        }
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    }

    /// The checks fail on the mistakes they are for: a wrong id, a missing section,
    /// a threshold documented with another value or not at all, a documented field
    /// that is not in the config.
    #[test]
    fn the_registry_check_catches_each_kind_of_mistake() {
        let config = serde_json::to_value(Config::default()).unwrap();
        let polling = config["polling_loop"].as_object().unwrap();
        let real = info("polling-loop").unwrap();
        assert_eq!(check("polling_loop", real, Some(polling)), Vec::<String>::new());

        let wrong_id = DetectorInfo { id: "polling", ..*real };
        let p = check("polling_loop", &wrong_id, Some(polling));
        assert!(
            p.iter().any(|p| p.contains("registered as module `polling_loop`")),
            "{p:?}"
        );
        assert!(p.iter().any(|p| p.contains("must start with `# polling`")), "{p:?}");

        assert!(check("polling_loops", real, Some(polling))
            .iter()
            .any(|p| p.contains("no file")));

        let doc = real.doc.replace("//! ## Example\n", "//! ## Examples\n");
        let no_example = DetectorInfo {
            doc: Box::leak(doc.into_boxed_str()),
            ..*real
        };
        let p = check("polling_loop", &no_example, Some(polling));
        assert!(p.iter().any(|p| p.contains("doc is not")), "{p:?}");
        assert!(p.iter().any(|p| p.contains("no `## Example` section")), "{p:?}");

        let mut changed = polling.clone();
        changed.insert("min_requests".into(), serde_json::json!(7));
        changed.insert("new_field".into(), serde_json::json!(1.5));
        changed.remove("max_cv");
        let p = check("polling_loop", real, Some(&changed));
        assert!(
            p.iter()
                .any(|p| p.contains("`min_requests` documented as (4), default 7")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|p| p.contains("`new_field` (1.5) is not documented")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|p| p.contains("documents `max_cv` (0.15), which is not in its config")),
            "{p:?}"
        );

        let p = check("polling_loop", real, None);
        assert!(
            p.iter()
                .any(|p| p.contains("no config, yet its Thresholds name numbers")),
            "{p:?}"
        );
    }

    #[test]
    fn the_doc_parser_reads_pairs_and_ignores_other_code() {
        let pairs = documented(
            "- `min_requests` (5), `max_cv` (0.15): steadiness.\n- `local_suffixes` ([\".local\", \".test\"]): hosts.\n- calls `setTimeout` and `x` alone; `ReactDOM.render` (legacy).",
        );
        assert_eq!(
            pairs,
            vec![
                ("min_requests".into(), "5".into()),
                ("max_cv".into(), "0.15".into()),
                ("local_suffixes".into(), "[\".local\", \".test\"]".into()),
            ]
        );
        assert!(same(&serde_json::json!(1000), &serde_json::json!(1000.0)));
        assert!(!same(&serde_json::json!(30), &serde_json::json!(30.5)));
    }
}
