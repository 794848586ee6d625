//! The engine: ingests events in order, merges the page's and DevTools' views of
//! each request into one record, runs the detectors, and keeps the findings.
//!
//! Every step is amortized O(1) per event and every store is bounded: requests
//! live in a ring, per-key maps are capped, and the raw event log kept for replay
//! counts what it had to drop.

pub mod components;
mod merge;
mod size;

use crate::detect::config::Config;
use crate::detect::{Detector, Findings, PageState, DETECTORS};
use crate::engine::components::Components;
pub use crate::model::bounded::IdMap;
use crate::model::event::{Event, Outcome};
use crate::model::finding::Finding;
use crate::model::protocol::{self, ProtocolError};
use crate::model::request::Request;
use merge::{SeenEntries, Unmatched};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Requests kept for lookups (merging, late responses), at most this many...
const MAX_REQUESTS: usize = 20_000;
/// ...and at most this many bytes (see `size`): about 3,700 requests of a flood
/// whose DevTools entries carry timings and an initiator, far more of plain ones.
pub const MAX_REQUEST_BYTES: usize = 3 << 20;
/// Raw events kept so a saved report can be replayed, at most this many...
const MAX_LOG: usize = 50_000;
/// ...and at most this many bytes; the oldest go first, counted in `Stats`. With the
/// ring, the lookups and the findings the engine stays well under 10 MB under any
/// flood, which leaves the panel (wasm memory + JS heap, whose young generation
/// reaches 15 MB under a flood of DevTools entries) room within 30 MB. 2 MiB holds
/// about 7,000 events of a flood (a few minutes of a busy app).
pub const MAX_LOG_BYTES: usize = 2 << 20;
/// A request this soon after a focus change is taken as a refetch-on-focus.
const PROVOKED_WINDOW_MS: f64 = 150.0;
/// Route changes and visibility flips remembered.
const MAX_PAGE_HISTORY: usize = 10_000;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Events ingested.
    pub events: u64,
    /// Events lost on the way (page-side buffers, rejected batches, unknown types).
    pub dropped: u64,
    /// Distinct requests seen.
    pub requests: u64,
    /// Batches that failed to decode.
    #[serde(default)]
    pub rejected_batches: u64,
    /// Events not kept in the replay log (the report says its replay is partial).
    #[serde(default)]
    pub events_not_logged: u64,
    /// Bytes of the events not kept in the replay log (the log is bounded by bytes).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub log_bytes_dropped: u64,
    /// Findings not kept because the store was full (see `detect::MAX_FINDINGS`).
    #[serde(default)]
    pub findings_not_kept: u64,
    /// Per detector, findings not kept past `detect::MAX_PER_DETECTOR` (the findings
    /// list ends that detector's findings with one "N more" summary finding).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub findings_not_shown: std::collections::BTreeMap<String, u64>,
    /// DevTools entries delivered twice (by `getHAR()` and by `onRequestFinished`),
    /// taken once.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub devtools_repeats: u64,
    /// Request events left out because their URL matches the config's `ignore`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ignored: u64,
    /// Microseconds the page hook reported spending on its own work (summed over batches).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hook_us: u64,
    /// Milliseconds of this session during which the panel did not listen to DevTools'
    /// log, under a flood: the page's requests are all counted, but those have no
    /// initiators, headers or bodies, so findings that need them may be missing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub devtools_paused_ms: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

pub struct Engine {
    cfg: Config,
    detectors: Vec<Box<dyn Detector>>,
    requests: VecDeque<Request>,
    next_id: u64,
    by_page_id: IdMap<u64>,
    /// Page-side records DevTools has not reported yet, and the reverse.
    waiting_for_devtools: Unmatched,
    waiting_for_page: Unmatched,
    /// DevTools entries already taken (a second delivery is not another request).
    seen_entries: SeenEntries,
    page: PageState,
    /// Visibility flips and route-change times, sorted by time (binary-searched per request).
    visibility: Vec<(f64, bool)>,
    route_times: Vec<f64>,
    focus_changes: Vec<f64>,
    origin: Option<f64>,
    earliest: Option<f64>,
    /// The newest event time seen.
    latest: Option<f64>,
    /// After Clear: events from before this time (DevTools' log of requests made
    /// before the Clear arrives a little late) are not shown again.
    cleared_before: Option<f64>,
    /// In a cell: reading the findings (`&self`) first lets each detector write what
    /// it deferred (`Detector::flush`). Ingesting takes it with `get_mut`, no check.
    findings: std::cell::RefCell<Findings>,
    stats: Stats,
    log: VecDeque<Event>,
    /// Bytes of `log` and of `requests`, as `size` counts them.
    log_bytes: usize,
    request_bytes: usize,
    components: Components,
    retries: crate::model::request::Retries,
    /// The record of the DevTools entry being ingested, built ahead (`ingest_prepared`).
    prepared: Option<Box<Request>>,
}

impl Engine {
    pub fn new(cfg: &Config) -> Engine {
        let detectors = DETECTORS
            .iter()
            .filter(|d| cfg.enabled(d.id))
            .map(|d| (d.build)(cfg))
            .collect();
        Engine {
            cfg: cfg.clone(),
            detectors,
            requests: VecDeque::new(),
            next_id: 1,
            by_page_id: IdMap::default(),
            waiting_for_devtools: Unmatched::default(),
            waiting_for_page: Unmatched::default(),
            seen_entries: SeenEntries::default(),
            page: PageState::default(),
            visibility: Vec::new(),
            route_times: Vec::new(),
            focus_changes: Vec::new(),
            origin: None,
            earliest: None,
            latest: None,
            cleared_before: None,
            findings: Default::default(),
            stats: Stats::default(),
            log: VecDeque::new(),
            log_bytes: 0,
            request_bytes: 0,
            components: Components::default(),
            retries: Default::default(),
            prepared: None,
        }
    }

    /// An empty engine for the same page and time origin (the panel's Clear).
    pub fn fresh(&self) -> Engine {
        let mut e = self.fresh_with(&self.cfg);
        e.cleared_before = match (self.latest, self.cleared_before) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        e
    }

    /// An empty engine for the same page with other settings (a re-analysis keeps
    /// what Clear left out, out).
    pub fn fresh_with(&self, cfg: &Config) -> Engine {
        let mut e = Engine::new(cfg);
        e.page.url = self.page.url.clone();
        e.origin = self.origin.or(self.earliest);
        e.cleared_before = self.cleared_before;
        e
    }

    /// Leaves out every event from before `t` from now on: the start of the document
    /// being watched, so the previous page's network entries that DevTools reports
    /// late are not taken for this page's.
    pub fn ignore_before(&mut self, t: f64) {
        if t.is_finite() {
            self.cleared_before = Some(self.cleared_before.map_or(t, |c| c.max(t)));
        }
    }

    /// Decodes one page batch (the wire envelope) and ingests its events. A batch
    /// that fails to decode is counted and dropped; the engine is unchanged.
    pub fn ingest_batch(&mut self, json: &str) -> Result<usize, ProtocolError> {
        match protocol::decode_batch(json) {
            Ok(batch) => {
                self.stats.dropped += batch.dropped;
                self.stats.hook_us = self.stats.hook_us.saturating_add(batch.cost_us.unwrap_or(0));
                let n = batch.events.len();
                for e in batch.events {
                    self.ingest(e);
                }
                Ok(n)
            }
            Err(e) => {
                self.stats.rejected_batches += 1;
                self.stats.dropped += 1;
                Err(e)
            }
        }
    }

    /// Counts events lost before they reached the engine.
    pub fn note_dropped(&mut self, n: u64) {
        self.stats.dropped += n;
    }

    /// [`Engine::ingest`] of a DevTools entry with its request record built ahead by
    /// `Request::prepare(entry)` (on the CLI's reader thread): taken when the entry
    /// is a new request, dropped otherwise; the analysis is exactly `ingest`'s.
    pub fn ingest_prepared(&mut self, event: Event, prepared: Option<Box<Request>>) {
        self.prepared = prepared;
        self.ingest(event);
        self.prepared = None;
    }

    pub fn ingest(&mut self, event: Event) {
        if let Some(t) = event.time() {
            if self.cleared_before.is_some_and(|c| t <= c) {
                return; // from before Clear
            }
            self.latest = Some(self.latest.map_or(t, |l: f64| l.max(t)));
        }
        self.stats.events += 1;
        self.apply(&event);
        // Every event is kept for replay, including those that changed nothing here
        // (the end of a request that fell out of the ring), so the log's count is exact.
        let bytes = size::event_bytes(&event);
        while !self.log.is_empty() && (self.log.len() >= MAX_LOG || self.log_bytes + bytes > MAX_LOG_BYTES) {
            if let Some(old) = self.log.pop_front() {
                let b = size::event_bytes(&old);
                self.log_bytes -= b;
                self.stats.events_not_logged += 1;
                self.stats.log_bytes_dropped += b as u64;
            }
        }
        self.log_bytes += bytes;
        self.log.push_back(event);
    }

    /// Updates requests, page state, detectors and findings for one event.
    fn apply(&mut self, event: &Event) {
        if let Some(t) = event.time() {
            self.earliest = Some(self.earliest.map_or(t, |e: f64| e.min(t)));
        }
        match event {
            Event::Page(p) => {
                if self.origin.is_none() {
                    self.origin = Some(p.t);
                    self.page.url = p.url.clone();
                }
            }
            // Requests to ignored URLs are logged (a replay may use other settings) but
            // never analyzed; their ends find no record and are dropped too.
            Event::RequestStart(_) | Event::Network(_) if self.ignored(event) => {
                self.stats.ignored += 1;
            }
            Event::RequestStart(s) => {
                if self.by_page_id.contains_key(&s.id) {
                    return; // delivered twice (a resend after reconnecting)
                }
                // Decided once for the key here and, when the start makes a request, for its own keys.
                let normal = crate::model::urls::is_normal(&s.url);
                let key = merge::key(&s.method, &s.url, normal);
                match self.waiting_for_page.take_closest(key, s.t) {
                    Some(id) => {
                        self.by_page_id.insert(s.id, id);
                        self.edit(id, |r| {
                            r.page_id = Some(s.id);
                            r.from_page = true;
                            r.api = s.api;
                            r.keepalive = s.keepalive;
                            r.range |= s.range;
                            if s.body.is_some() {
                                r.set_body(s.body.clone());
                            }
                        });
                    }
                    None => {
                        let id = self.alloc_id();
                        let mut r = Request::from_page(id, s);
                        r.note_url_normal(normal);
                        self.place(&mut r);
                        self.mark_retry(&mut r);
                        self.by_page_id.insert(s.id, id);
                        self.waiting_for_devtools.add(key, id, s.t);
                        self.push(r);
                        self.with_request(id, |d, r, p, f| d.on_start(r, p, f));
                    }
                }
            }
            Event::RequestEnd(e) => {
                let Some(&id) = self.by_page_id.get(&e.id) else {
                    return;
                };
                // Of the request's heap, the end changes only the three headers it may carry.
                let headers = |r: &Request| {
                    use size::HeapSize as _;
                    r.content_type.heap_bytes() + r.content_encoding.heap_bytes() + r.cache_control.heap_bytes()
                };
                let Some((first_end, newly_aborted, key)) = self.edit_part(id, headers, |r| {
                    // What the page read wins; what DevTools said stays where the page read nothing.
                    if e.content_type.is_some() {
                        r.content_type = e.content_type.clone();
                    }
                    r.content_length = e.content_length.or(r.content_length);
                    if e.content_encoding.is_some() {
                        r.content_encoding = e.content_encoding.clone();
                    }
                    if e.cache_control.is_some() {
                        r.cache_control = e.cache_control.clone();
                    }
                    let first_end = r.end.is_none();
                    let newly_aborted = e.outcome == Outcome::Abort && r.outcome != Some(Outcome::Abort);
                    // The page knows best how its own call ended (aborts look like errors in DevTools).
                    r.end = Some(e.t);
                    r.status = if e.status != 0 { e.status } else { r.status };
                    r.outcome = Some(e.outcome);
                    (
                        first_end,
                        newly_aborted,
                        // Still waiting for DevTools' half (see `Unmatched::settled`).
                        (first_end && !r.from_devtools).then(|| merge::key(&r.method, &r.url, r.url_is_normal())),
                    )
                }) else {
                    return;
                };
                if let Some(key) = key {
                    self.waiting_for_devtools.settled(key, id, e.t);
                }
                // A second delivery of the end is no news; an abort the page reports after
                // DevTools ended the request is (see `Detector::on_end`).
                if first_end || newly_aborted {
                    self.with_request(id, |d, r, p, f| {
                        d.on_end(r, p, f);
                        d.on_settled(r, p, f);
                    });
                }
            }
            Event::Network(n) => {
                // The record built ahead (of this entry) may know already.
                let normal = match &self.prepared {
                    Some(p) => p.url_is_normal(),
                    None => crate::model::urls::is_normal(&n.url),
                };
                let key = merge::key(&n.method, &n.url, normal);
                if !self.seen_entries.first_time(key, n) {
                    // The same entry again (getHAR() and onRequestFinished both had it).
                    self.stats.devtools_repeats += 1;
                    return;
                }
                match self.waiting_for_devtools.take_closest(key, n.t) {
                    Some(id) => {
                        let first_end = self.edit(id, |r| {
                            let first = r.end.is_none();
                            r.enrich(n);
                            first
                        });
                        // One half, one settle: the end (when DevTools brings it first) and
                        // the detail arrive together.
                        let first_end = first_end == Some(true);
                        self.with_request(id, |d, r, p, f| {
                            if first_end {
                                d.on_end(r, p, f);
                            }
                            d.on_enrich(r, f);
                            d.on_settled(r, p, f);
                        });
                    }
                    None => {
                        let id = self.alloc_id();
                        let mut r = match self.prepared.take() {
                            Some(p) => {
                                let mut r = *p;
                                r.id = id;
                                r
                            }
                            None => {
                                let r = Request::from_devtools(id, n);
                                r.note_url_normal(normal);
                                r
                            }
                        };
                        self.place(&mut r);
                        self.mark_retry(&mut r);
                        if !merge::page_never_reports(&n.resource_type) {
                            self.waiting_for_page.add(key, id, n.t);
                        }
                        self.push(r);
                        self.with_request(id, |d, r, p, f| d.on_start(r, p, f));
                        self.with_request(id, |d, r, p, f| {
                            d.on_end(r, p, f);
                            d.on_settled(r, p, f);
                        });
                    }
                }
            }
            // What the page did besides requests: rarer than requests' events, and kept
            // out of this function's code, which every request's events run through.
            _ => self.apply_page_event(event),
        }
    }

    /// `apply` for an event that is not a request's.
    #[inline(never)]
    fn apply_page_event(&mut self, event: &Event) {
        match event {
            Event::Route(r) => {
                if self.page.routes.len() < MAX_PAGE_HISTORY {
                    self.page.routes.push((r.t, r.url.clone()));
                    let at = self.route_times.partition_point(|t| *t <= r.t);
                    self.route_times.insert(at, r.t);
                }
                self.page_event(event);
            }
            Event::Visibility(v) => {
                self.page.hidden = v.hidden;
                if self.visibility.len() < MAX_PAGE_HISTORY {
                    let at = self.visibility.partition_point(|(t, _)| *t <= v.t);
                    self.visibility.insert(at, (v.t, v.hidden));
                }
                self.page_event(event);
            }
            Event::Lifecycle(l) => {
                if l.phase == "load" && self.page.load_t.is_none() {
                    self.page.load_t = Some(l.t);
                }
                self.page_event(event);
            }
            Event::Focus(f) => {
                if self.focus_changes.len() >= 64 {
                    self.focus_changes.remove(0);
                }
                self.focus_changes.push(f.t);
            }
            Event::Resource(_)
            | Event::ConnectionOpen(_)
            | Event::ConnectionClose(_)
            | Event::LongTask(_)
            | Event::Memory(_)
            | Event::ReactRenderer(_)
            | Event::ChunkPackages(_) => self.page_event(event),
            Event::ReactRenders(r) => {
                self.components.add(r);
                if r.components
                    .iter()
                    .any(|c| c.effects.iter().any(|e| !e.request_ids.is_empty()))
                {
                    // The page names the requests its effects sent by its own ids.
                    let mut mine = r.clone();
                    for e in mine.components.iter_mut().flat_map(|c| c.effects.iter_mut()) {
                        let mut urls = Vec::new();
                        e.request_ids.retain_mut(|id| {
                            let Some(&own) = self.by_page_id.get(id) else {
                                return false;
                            };
                            *id = own;
                            if let Some(r) = self.get(own) {
                                urls.push(r.url.clone());
                            }
                            true
                        });
                        e.urls = urls;
                    }
                    self.page_event(&Event::ReactRenders(mine));
                } else {
                    self.page_event(event);
                }
            }
            Event::Unknown => {
                self.stats.dropped += 1;
            }
            Event::Page(_) | Event::RequestStart(_) | Event::RequestEnd(_) | Event::Network(_) => {}
        }
    }

    /// A request event for a URL the config ignores.
    fn ignored(&self, event: &Event) -> bool {
        match event {
            Event::RequestStart(s) => self.cfg.ignored(&s.url),
            Event::Network(n) => self.cfg.ignored(&n.url),
            _ => false,
        }
    }

    fn alloc_id(&mut self) -> u64 {
        self.stats.requests += 1;
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn page_event(&mut self, event: &Event) {
        let findings = self.findings.get_mut();
        for d in self.detectors.iter_mut() {
            d.on_page(event, &self.page, findings);
        }
    }

    /// Where the page was (route, visibility, focus) when the request started.
    fn place(&self, r: &mut Request) {
        r.provoked = self
            .focus_changes
            .iter()
            .any(|t| *t <= r.start && r.start - *t <= PROVOKED_WINDOW_MS);
        r.route_epoch = self.route_times.partition_point(|t| *t <= r.start) as u32;
        let seen = self.visibility.partition_point(|(t, _)| *t <= r.start);
        r.hidden = seen > 0 && self.visibility[seen - 1].1;
    }

    /// A request identical to one that failed just before is its retry (see `Request::retry`).
    /// Of the earlier identical requests, the oldest that failed and that no other
    /// request retried yet, so that two chains retrying at once each keep their own count.
    fn mark_retry(&mut self, r: &mut Request) {
        let requests = &self.requests;
        self.retries.mark(r, |id| {
            let first = requests.front()?.id;
            requests.get(id.checked_sub(first)? as usize)
        });
    }

    fn push(&mut self, r: Request) {
        let bytes = size::request_bytes(&r);
        while !self.requests.is_empty()
            && (self.requests.len() >= MAX_REQUESTS || self.request_bytes + bytes > MAX_REQUEST_BYTES)
        {
            if let Some(old) = self.requests.pop_front() {
                self.request_bytes -= size::request_bytes(&old);
                if let Some(pid) = old.page_id {
                    self.by_page_id.remove(&pid);
                }
            }
        }
        self.request_bytes += bytes;
        self.requests.push_back(r);
    }

    /// Changes a request in the ring, keeping the ring's byte count right.
    fn edit<T>(&mut self, id: u64, change: impl FnOnce(&mut Request) -> T) -> Option<T> {
        let first = self.requests.front()?.id;
        let r = self.requests.get_mut(id.checked_sub(first)? as usize)?;
        let before = size::request_bytes(r);
        let out = change(r);
        self.request_bytes = self.request_bytes + size::request_bytes(r) - before;
        Some(out)
    }

    /// [`Engine::edit`] of a change that moves only the heap bytes `part` counts
    /// (a request's end changes three of its fields): the ring's count moves by
    /// their difference, without summing every field of the record twice.
    fn edit_part<T>(
        &mut self,
        id: u64,
        part: impl Fn(&Request) -> usize,
        change: impl FnOnce(&mut Request) -> T,
    ) -> Option<T> {
        let first = self.requests.front()?.id;
        let r = self.requests.get_mut(id.checked_sub(first)? as usize)?;
        #[cfg(debug_assertions)]
        let whole = size::request_bytes(r);
        let before = part(r);
        let out = change(r);
        self.request_bytes = self.request_bytes + part(r) - before;
        #[cfg(debug_assertions)]
        debug_assert_eq!(
            size::request_bytes(r) + before,
            whole + part(r),
            "the change moved heap bytes `part` does not count"
        );
        Some(out)
    }

    pub fn get(&self, id: u64) -> Option<&Request> {
        let first = self.requests.front()?.id;
        self.requests.get(id.checked_sub(first)? as usize)
    }

    fn with_request(&mut self, id: u64, mut call: impl FnMut(&mut dyn Detector, &Request, &PageState, &mut Findings)) {
        let Some(first) = self.requests.front().map(|r| r.id) else {
            return;
        };
        let Some(r) = id.checked_sub(first).and_then(|i| self.requests.get(i as usize)) else {
            return;
        };
        // Detectors may fill the request's cached endpoint and key (through `&Request`,
        // the only heap they can change): keep the ring's count exact.
        let before = r.endpoint_bytes();
        let findings = self.findings.get_mut();
        for d in self.detectors.iter_mut() {
            call(d.as_mut(), r, &self.page, findings);
        }
        self.request_bytes = self.request_bytes + r.endpoint_bytes() - before;
    }

    /// Milliseconds of the session's start: the page's time origin, else the earliest event.
    pub fn origin(&self) -> f64 {
        self.origin.or(self.earliest).unwrap_or(0.0)
    }

    /// How long, in all, the panel did not listen to DevTools' log during this session.
    pub fn note_devtools_paused(&mut self, ms: u64) {
        self.stats.devtools_paused_ms = ms;
    }

    /// The URL of the latest route change.
    pub fn last_route(&self) -> Option<&str> {
        self.page.routes.last().map(|(_, u)| u.as_str())
    }

    pub fn page_url(&self) -> &str {
        &self.page.url
    }

    pub fn set_page_url(&mut self, url: &str) {
        if self.page.url.is_empty() {
            self.page.url = url.to_string();
        }
    }

    pub fn stats(&self) -> Stats {
        let findings = self.findings.borrow();
        Stats {
            findings_not_kept: findings.not_kept,
            findings_not_shown: findings
                .not_shown()
                .map(|n| (n.detector.to_string(), n.count))
                // Inserted one by one: `collect` into a BTreeMap sorts a Vec first,
                // one more copy of std's sort in the panel's wasm.
                .fold(Default::default(), |mut m: std::collections::BTreeMap<_, _>, (k, v)| {
                    m.insert(k, v);
                    m
                }),
            ..self.stats.clone()
        }
    }

    /// Changes whenever a finding changes.
    pub fn version(&self) -> u64 {
        self.findings.borrow().version
    }

    /// Findings with times relative to the session start, in a stable order.
    pub fn findings(&self) -> Vec<Finding> {
        let origin = self.origin();
        let findings = self.flushed();
        let mut out: Vec<Finding> = findings
            .iter()
            .map(|f| {
                let mut f = f.clone();
                f.first_ms = (f.first_ms - origin).round().max(0.0);
                f.last_ms = (f.last_ms - origin).round().max(0.0);
                f
            })
            .collect();
        // Only polling loops and N+1 bursts supersede (a copy of the findings for
        // them, not of all).
        let superseding: Vec<Finding> = out
            .iter()
            .filter(|f| [crate::detect::polling_loop::ID, crate::detect::n_plus_one::ID].contains(&f.detector.as_str()))
            .cloned()
            .collect();
        out.retain(|f| !crate::detect::superseded(f, &superseding));
        crate::detect::effect_rerun::credit(&mut out);
        out.extend(findings.not_shown().map(|n| not_shown_summary(&n, origin)));
        crate::model::sort::sort_by(&mut out, |a, b| {
            a.first_ms
                .total_cmp(&b.first_ms)
                .then_with(|| a.detector.cmp(&b.detector))
                .then_with(|| a.key.cmp(&b.key))
        });
        out
    }

    /// The findings store with every detector's deferred content written in.
    fn flushed(&self) -> std::cell::Ref<'_, Findings> {
        {
            let mut findings = self.findings.borrow_mut();
            for d in &self.detectors {
                d.flush(&mut findings);
            }
        }
        self.findings.borrow()
    }

    /// The events ingested, for replay (oldest dropped past the cap; see `Stats`).
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.log.iter()
    }

    /// React components rendered so far (the Components view).
    pub fn components(&self) -> &Components {
        &self.components
    }

    /// What the engine keeps, in bytes (an estimate from capacities; see `size`):
    /// the request ring, the replay log, the merge and lookup tables, the findings.
    /// Detectors' own per-key state is bounded by their caps and not counted here.
    pub fn retained_bytes(&self) -> usize {
        use size::HeapSize;
        let requests = self.request_bytes + self.requests.capacity() * std::mem::size_of::<Request>()
            - self.requests.len() * std::mem::size_of::<Request>();
        let log = self.log_bytes + (self.log.capacity() - self.log.len()) * std::mem::size_of::<Event>();
        let findings: usize = self
            .flushed()
            .iter()
            .map(|f| std::mem::size_of::<Finding>() + f.heap_bytes() + 48)
            .sum();
        let lookups = self.by_page_id.capacity() * 17
            + self.waiting_for_devtools.bytes()
            + self.waiting_for_page.bytes()
            + self.seen_entries.bytes();
        let page = self.visibility.capacity() * 16
            + self.route_times.capacity() * 8
            + self.page.routes.iter().map(|(_, u)| 32 + u.heap_bytes()).sum::<usize>();
        requests + log + findings + lookups + page + self.components.bytes()
    }

    /// The most recent requests, newest last.
    pub fn requests(&self) -> impl DoubleEndedIterator<Item = &Request> {
        self.requests.iter()
    }
}

/// The finding that stands for a detector's findings past its cap: one line in
/// every report and in the panel, "N more like these".
pub const NOT_SHOWN_KEY: &str = "(more not shown)";

fn not_shown_summary(n: &crate::detect::NotShown, origin: f64) -> Finding {
    let what = crate::detect::info(n.detector).map_or(n.detector, |d| d.title);
    let mut metrics = std::collections::BTreeMap::new();
    metrics.insert(
        "not_shown".to_string(),
        crate::model::finding::Metric::Num(n.count as f64),
    );
    Finding {
        detector: n.detector.to_string(),
        key: NOT_SHOWN_KEY.to_string(),
        severity: crate::model::finding::Severity::Info,
        title: format!(
            "{} more like these not shown ({what}: the first {} are kept)",
            n.count,
            crate::detect::MAX_PER_DETECTOR
        ),
        count: n.count,
        first_ms: (n.first - origin).round().max(0.0),
        last_ms: (n.last - origin).round().max(0.0),
        evidence: Default::default(),
        metrics,
        advice: "One cause usually produces them all: fix the findings shown and run again to see the rest."
            .to_string(),
        page: None,
    }
}

#[cfg(test)]
mod tests;
