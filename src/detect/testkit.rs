//! Helpers for detector tests: drive a real engine with page-side events.

use crate::model::event::{Api, Event, NetworkEntry, Outcome, RequestEnd, RequestStart, RouteChange, Visibility};
use crate::{Config, Engine, Finding};

pub struct Kit {
    pub engine: Engine,
}

impl Kit {
    pub fn new() -> Kit {
        Kit::with(Config::default())
    }

    pub fn with(cfg: Config) -> Kit {
        Kit {
            engine: Engine::new(&cfg),
        }
    }

    pub fn start_body(&mut self, id: u64, method: &str, url: &str, t: f64, body: Option<String>) {
        self.engine.ingest(Event::RequestStart(RequestStart {
            id,
            api: Api::Fetch,
            method: method.into(),
            url: url.into(),
            t,
            body,
            keepalive: false,
            range: false,
            op: None,
        }));
    }

    pub fn start_op(&mut self, id: u64, url: &str, t: f64, body: Option<String>, op: &str) {
        self.engine.ingest(Event::RequestStart(RequestStart {
            id,
            api: Api::Fetch,
            method: "POST".into(),
            url: url.into(),
            t,
            body,
            keepalive: false,
            range: false,
            op: Some(op.into()),
        }));
    }

    /// One entry of DevTools' log, starting from a plain successful fetch.
    pub fn net(&mut self, url: &str, t: f64, duration: f64, edit: impl FnOnce(&mut NetworkEntry)) {
        let mut n = NetworkEntry {
            method: "GET".into(),
            url: url.into(),
            t,
            duration,
            status: 200,
            resource_type: "fetch".into(),
            mime_type: Some("application/json".into()),
            body: Some(String::new()),
            ..NetworkEntry::default()
        };
        edit(&mut n);
        self.engine.ingest(Event::Network(Box::new(n)));
    }

    pub fn start(&mut self, id: u64, method: &str, url: &str, t: f64) {
        self.start_body(id, method, url, t, Some(String::new()));
    }

    pub fn finish(&mut self, id: u64, t: f64, outcome: Outcome) {
        self.engine.ingest(Event::RequestEnd(RequestEnd {
            id,
            t,
            status: if outcome == Outcome::Ok { 200 } else { 0 },
            outcome,
            content_type: Some("application/json".into()),
            content_length: Some(42),
            content_encoding: None,
            cache_control: None,
        }));
    }

    /// The page's end of a request answered with `status`.
    pub fn status(&mut self, id: u64, t: f64, status: u16) {
        self.engine.ingest(Event::RequestEnd(RequestEnd {
            id,
            t,
            status,
            outcome: Outcome::Ok,
            content_type: Some("application/json".into()),
            content_length: Some(42),
            content_encoding: None,
            cache_control: None,
        }));
    }

    pub fn end(&mut self, id: u64, t: f64) {
        self.finish(id, t, Outcome::Ok);
    }

    pub fn abort(&mut self, id: u64, t: f64) {
        self.finish(id, t, Outcome::Abort);
    }

    pub fn request(&mut self, id: u64, method: &str, url: &str, start: f64, end: f64) {
        self.start(id, method, url, start);
        self.end(id, end);
    }

    /// GETs by XHR, each sent from the previous one's `readystatechange` (or
    /// `onload`), which runs before its `loadend`: request `i` (ids from 0) asks
    /// `url(i)` at `i × period`, and the one before it ends 1 ms later. The last is
    /// left in flight.
    pub fn xhr_chain(&mut self, n: u64, period: f64, url: impl Fn(u64) -> String) {
        for i in 0..n {
            let at = i as f64 * period;
            self.start(i, "GET", &url(i), at);
            if i > 0 {
                self.end(i - 1, at + 1.0);
            }
        }
    }

    pub fn route(&mut self, t: f64, url: &str) {
        self.engine.ingest(Event::Route(RouteChange {
            t,
            url: url.into(),
            kind: "push".into(),
        }));
    }

    pub fn hidden(&mut self, t: f64, hidden: bool) {
        self.engine.ingest(Event::Visibility(Visibility { t, hidden }));
    }

    pub fn of(&self, detector: &str) -> Vec<Finding> {
        self.engine
            .findings()
            .into_iter()
            .filter(|f| f.detector == detector)
            .collect()
    }

    pub fn only(&self, detector: &str) -> Finding {
        let mut all = self.of(detector);
        assert_eq!(all.len(), 1, "expected one {detector} finding, got {all:#?}");
        all.remove(0)
    }

    pub fn assert_none(&self, detector: &str) {
        let all = self.of(detector);
        assert!(all.is_empty(), "expected no {detector} finding, got {all:#?}");
    }
}

/// Runs events through a fresh engine with the default config; returns its findings.
pub fn run_events(events: &[Event]) -> Vec<Finding> {
    run_events_with(Config::default(), events)
}

pub fn run_events_with(cfg: Config, events: &[Event]) -> Vec<Finding> {
    let mut engine = Engine::new(&cfg);
    for e in events {
        engine.ingest(e.clone());
    }
    engine.findings()
}
