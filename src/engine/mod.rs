//! The engine: ingests events in order, merges the page's and DevTools' views of
//! each request into one record, runs the detectors, and keeps the findings.
//!
//! Every step is amortized O(1) per event and every store is bounded: requests
//! live in a ring, per-key maps are capped, and the raw event log kept for replay
//! counts what it had to drop.

mod merge;

use crate::components::Components;
use crate::config::Config;
use crate::detect::{Detector, Findings, PageState, DETECTORS};
use crate::event::{Event, Outcome};
use crate::finding::Finding;
use crate::protocol::{self, ProtocolError};
use crate::request::Request;
use merge::Unmatched;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// Requests kept for lookups (merging, late responses).
const MAX_REQUESTS: usize = 20_000;
/// Raw events kept so a saved report can be replayed.
const MAX_LOG: usize = 50_000;
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
    /// Findings not kept because the store was full (see `detect::MAX_FINDINGS`).
    #[serde(default)]
    pub findings_not_kept: u64,
    /// Request events left out because their URL matches the config's `ignore`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ignored: u64,
    /// Microseconds the page hook reported spending on its own work (summed over batches).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hook_us: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

pub struct Engine {
    cfg: Config,
    detectors: Vec<Box<dyn Detector>>,
    requests: VecDeque<Request>,
    next_id: u64,
    by_page_id: HashMap<u64, u64>,
    /// Page-side records DevTools has not reported yet, and the reverse.
    waiting_for_devtools: Unmatched,
    waiting_for_page: Unmatched,
    page: PageState,
    visibility: Vec<(f64, bool)>,
    focus_changes: Vec<f64>,
    origin: Option<f64>,
    earliest: Option<f64>,
    /// The newest event time seen.
    latest: Option<f64>,
    /// After Clear: events from before this time (DevTools' log of requests made
    /// before the Clear arrives a little late) are not shown again.
    cleared_before: Option<f64>,
    findings: Findings,
    stats: Stats,
    log: VecDeque<Event>,
    components: Components,
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
            by_page_id: HashMap::new(),
            waiting_for_devtools: Unmatched::default(),
            waiting_for_page: Unmatched::default(),
            page: PageState::default(),
            visibility: Vec::new(),
            focus_changes: Vec::new(),
            origin: None,
            earliest: None,
            latest: None,
            cleared_before: None,
            findings: Findings::default(),
            stats: Stats::default(),
            log: VecDeque::new(),
            components: Components::default(),
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
        if self.log.len() >= MAX_LOG {
            self.log.pop_front();
            self.stats.events_not_logged += 1;
        }
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
                let key = merge::key(&s.method, &s.url);
                match self.waiting_for_page.take_closest(&key, s.t) {
                    Some(id) => {
                        self.by_page_id.insert(s.id, id);
                        if let Some(r) = self.get_mut(id) {
                            r.page_id = Some(s.id);
                            r.from_page = true;
                            r.api = s.api;
                            r.keepalive = s.keepalive;
                            r.range |= s.range;
                            if s.body.is_some() {
                                r.body = s.body.clone();
                            }
                        }
                    }
                    None => {
                        let id = self.alloc_id();
                        let mut r = Request::from_page(id, s);
                        self.place(&mut r);
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
                let Some(r) = self.get_mut(id) else { return };
                r.content_type = e.content_type.clone().or(r.content_type.take());
                r.content_length = e.content_length.or(r.content_length);
                r.content_encoding = e.content_encoding.clone().or(r.content_encoding.take());
                r.cache_control = e.cache_control.clone().or(r.cache_control.take());
                let first_end = r.end.is_none();
                // The page knows best how its own call ended (aborts look like errors in DevTools).
                r.end = Some(e.t);
                r.status = if e.status != 0 { e.status } else { r.status };
                r.outcome = Some(e.outcome);
                if first_end || e.outcome == Outcome::Abort {
                    self.with_request(id, |d, r, p, f| {
                        d.on_end(r, p, f);
                        d.on_settled(r, p, f);
                    });
                }
            }
            Event::Network(n) => {
                let key = merge::key(&n.method, &n.url);
                match self.waiting_for_devtools.take_closest(&key, n.t) {
                    Some(id) => {
                        let first_end = self.get_mut(id).map(|r| {
                            let first = r.end.is_none();
                            r.enrich(n);
                            first
                        });
                        if first_end == Some(true) {
                            self.with_request(id, |d, r, p, f| {
                                d.on_end(r, p, f);
                                d.on_settled(r, p, f);
                            });
                        }
                        self.with_request(id, |d, r, p, f| {
                            d.on_enrich(r, f);
                            d.on_settled(r, p, f);
                        });
                    }
                    None => {
                        let id = self.alloc_id();
                        let mut r = Request::from_devtools(id, n);
                        self.place(&mut r);
                        self.waiting_for_page.add(key, id, n.t);
                        self.push(r);
                        self.with_request(id, |d, r, p, f| d.on_start(r, p, f));
                        self.with_request(id, |d, r, p, f| {
                            d.on_end(r, p, f);
                            d.on_settled(r, p, f);
                        });
                    }
                }
            }
            Event::Route(r) => {
                if self.page.routes.len() < MAX_PAGE_HISTORY {
                    self.page.routes.push((r.t, r.url.clone()));
                }
                self.page_event(event);
            }
            Event::Visibility(v) => {
                self.page.hidden = v.hidden;
                if self.visibility.len() < MAX_PAGE_HISTORY {
                    self.visibility.push((v.t, v.hidden));
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
                self.page_event(event);
            }
            Event::Unknown => {
                self.stats.dropped += 1;
            }
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
        for d in self.detectors.iter_mut() {
            d.on_page(event, &self.page, &mut self.findings);
        }
    }

    /// Where the page was (route, visibility, focus) when the request started.
    fn place(&self, r: &mut Request) {
        r.provoked = self
            .focus_changes
            .iter()
            .any(|t| *t <= r.start && r.start - *t <= PROVOKED_WINDOW_MS);
        r.route_epoch = self.page.routes.iter().filter(|(t, _)| *t <= r.start).count() as u32;
        r.hidden = self
            .visibility
            .iter()
            .rev()
            .find(|(t, _)| *t <= r.start)
            .is_some_and(|(_, h)| *h);
    }

    fn push(&mut self, r: Request) {
        if self.requests.len() >= MAX_REQUESTS {
            if let Some(old) = self.requests.pop_front() {
                if let Some(pid) = old.page_id {
                    self.by_page_id.remove(&pid);
                }
            }
        }
        self.requests.push_back(r);
    }

    pub fn get(&self, id: u64) -> Option<&Request> {
        let first = self.requests.front()?.id;
        self.requests.get(id.checked_sub(first)? as usize)
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut Request> {
        let first = self.requests.front()?.id;
        self.requests.get_mut(id.checked_sub(first)? as usize)
    }

    fn with_request(&mut self, id: u64, mut call: impl FnMut(&mut dyn Detector, &Request, &PageState, &mut Findings)) {
        let Some(first) = self.requests.front().map(|r| r.id) else {
            return;
        };
        let Some(r) = id.checked_sub(first).and_then(|i| self.requests.get(i as usize)) else {
            return;
        };
        for d in self.detectors.iter_mut() {
            call(d.as_mut(), r, &self.page, &mut self.findings);
        }
    }

    /// Milliseconds of the session's start: the page's time origin, else the earliest event.
    pub fn origin(&self) -> f64 {
        self.origin.or(self.earliest).unwrap_or(0.0)
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
        Stats {
            findings_not_kept: self.findings.not_kept,
            ..self.stats.clone()
        }
    }

    /// Changes whenever a finding changes.
    pub fn version(&self) -> u64 {
        self.findings.version
    }

    /// Findings with times relative to the session start, in a stable order.
    pub fn findings(&self) -> Vec<Finding> {
        let origin = self.origin();
        let mut out: Vec<Finding> = self
            .findings
            .iter()
            .map(|f| {
                let mut f = f.clone();
                f.first_ms = (f.first_ms - origin).round().max(0.0);
                f.last_ms = (f.last_ms - origin).round().max(0.0);
                f
            })
            .collect();
        let all = out.clone();
        out.retain(|f| !crate::detect::superseded(f, &all));
        out.sort_by(|a, b| {
            a.first_ms
                .total_cmp(&b.first_ms)
                .then_with(|| a.detector.cmp(&b.detector))
                .then_with(|| a.key.cmp(&b.key))
        });
        out
    }

    /// The events ingested, for replay (oldest dropped past the cap; see `Stats`).
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.log.iter()
    }

    /// React components rendered so far (the Components view).
    pub fn components(&self) -> &Components {
        &self.components
    }

    /// The most recent requests, newest last.
    pub fn requests(&self) -> impl DoubleEndedIterator<Item = &Request> {
        self.requests.iter()
    }
}

#[cfg(test)]
mod tests;
