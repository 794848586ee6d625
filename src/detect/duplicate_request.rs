//! # duplicate-request
//!
//! ## What it detects
//! The same request (method, normalized URL and body) issued again while the first
//! is still in flight, or within 2 s after it settled.
//!
//! ## Why it matters
//! Every copy costs a round trip, server work and main-thread time to parse the same
//! answer. Copies usually come from two components fetching the same data on mount,
//! an effect that runs twice, or a missing request cache.
//!
//! ## Example
//! `GET /api/profile` requested 3× within 40 ms by `Header`, `Sidebar` and `Avatar`.
//!
//! ## Thresholds
//! - `window_ms` (2000): a copy this long after the first settled still counts.
//! - `error_copies` (5): from this many copies the finding is an error.
//!
//! Never counted: `OPTIONS`, `HEAD`, range requests, beacons and keepalive requests,
//! bodies that cannot be compared (streams), and a re-issue after the first was aborted
//! (that is what cancelling correctly looks like).

use super::{evict_oldest, Detector, DetectorInfo, Findings, PageState};
use crate::config::{Config, DuplicateRequestConfig};
use crate::event::Outcome;
use crate::finding::{Metric, Severity};
use crate::request::Request;
use std::collections::HashMap;

pub const ID: &str = "duplicate-request";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Duplicate requests",
    doc: include_str!(concat!(env!("OUT_DIR"), "/duplicate_request.doc")),
    build: |c| Box::new(DuplicateRequest::new(c)),
};

/// Distinct request keys remembered at once.
const MAX_KEYS: usize = 4096;
/// Requests remembered per key.
const MAX_PER_KEY: usize = 16;

struct Seen {
    id: u64,
    start: f64,
    end: Option<f64>,
    aborted: bool,
    counted: bool,
}

pub struct DuplicateRequest {
    cfg: DuplicateRequestConfig,
    recent: HashMap<String, Vec<Seen>>,
    /// Keys forgotten to keep memory bounded.
    pub evicted: usize,
}

impl DuplicateRequest {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.duplicate_request.clone(),
            recent: HashMap::new(),
            evicted: 0,
        }
    }
}

/// Whether two requests overlap or follow each other within `window` ms.
fn close(a: &Seen, b_start: f64, b_end: Option<f64>, window: f64) -> bool {
    let (first_end, second_start) = if a.start <= b_start {
        (a.end, b_start)
    } else {
        (b_end, a.start)
    };
    match first_end {
        None => true,
        Some(end) => second_start <= end + window,
    }
}

impl Detector for DuplicateRequest {
    fn on_start(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        if !req.is_api() || req.excluded_from_repeats() {
            return;
        }
        let Some(key) = req.same_request_key() else {
            return;
        };
        let window = self.cfg.window_ms;
        let list = self.recent.entry(key.clone()).or_default();
        // Keep what can still pair with a request starting now (DevTools' log can
        // deliver a little out of order, hence the extra slack).
        list.retain(|s| s.end.is_none_or(|e| e + window + 10_000.0 >= req.start));
        if list.len() >= MAX_PER_KEY {
            list.remove(0);
        }
        let mut newly_counted = 0;
        let mut in_flight = false;
        let mut gap = f64::INFINITY;
        for s in list.iter_mut().filter(|s| !s.aborted) {
            if close(s, req.start, req.end, window) {
                if !s.counted {
                    s.counted = true;
                    newly_counted += 1;
                }
                match s.end {
                    Some(e) if e <= req.start => gap = gap.min(req.start - e),
                    _ => in_flight = true,
                }
            }
        }
        let duplicate = newly_counted > 0
            || list
                .iter()
                .any(|s| s.counted && !s.aborted && close(s, req.start, req.end, window));
        list.push(Seen {
            id: req.id,
            start: req.start,
            end: req.end,
            aborted: false,
            counted: duplicate,
        });
        if duplicate {
            let ids: Vec<u64> = list.iter().filter(|s| s.counted).map(|s| s.id).collect();
            let error_copies = self.cfg.error_copies as u64;
            out.upsert(ID, &key, req.start, |f| {
                f.count += newly_counted + 1;
                for id in ids {
                    f.evidence.add_request(id);
                }
                f.evidence.add_url(&req.url);
                if let Some(src) = &req.initiator {
                    f.evidence.add_source(src);
                }
                let in_flight_copies = f.num("in_flight_copies").unwrap_or(0.0) + if in_flight { 1.0 } else { 0.0 };
                f.metrics.insert("copies".into(), Metric::Num(f.count as f64));
                f.metrics
                    .insert("in_flight_copies".into(), Metric::Num(in_flight_copies));
                if gap.is_finite() {
                    let prev = f.num("min_gap_ms").unwrap_or(f64::INFINITY);
                    f.metrics
                        .insert("min_gap_ms".into(), Metric::Num(prev.min(gap).round()));
                }
                f.severity = if f.count >= error_copies {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                let when = if in_flight_copies > 0.0 {
                    format!("{} while an identical one was in flight", in_flight_copies)
                } else {
                    "each within 2 s of the last".to_string()
                };
                f.title = format!("{} requested {}× ({})", req.label(), f.count, when);
                f.advice = "Share one in-flight promise per request (a data layer such as React Query or SWR \
                            dedupes by key), lift the fetch to a common parent, or cache the response instead of \
                            asking again."
                    .into();
            });
        }
        let now = req.start;
        self.evicted += evict_oldest(&mut self.recent, MAX_KEYS, |v| v.last().map_or(now, |s| s.start));
    }

    fn on_end(&mut self, req: &Request, _page: &PageState, _out: &mut Findings) {
        let Some(key) = req.same_request_key() else {
            return;
        };
        if let Some(s) = self
            .recent
            .get_mut(&key)
            .and_then(|l| l.iter_mut().find(|s| s.id == req.id))
        {
            s.end = req.end;
            // A request the page aborted is not a duplicate of what replaces it.
            s.aborted = req.outcome == Some(Outcome::Abort) && !s.counted;
        }
    }

    fn on_enrich(&mut self, req: &Request, out: &mut Findings) {
        let (Some(key), Some(src)) = (req.same_request_key(), req.initiator.as_ref()) else {
            return;
        };
        let counted = self
            .recent
            .get(&key)
            .is_some_and(|l| l.iter().any(|s| s.id == req.id && s.counted));
        if counted {
            if let Some(f) = out.get_mut(ID, &key) {
                f.evidence.add_source(src);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;

    #[test]
    fn two_identical_in_flight_requests_are_a_duplicate() {
        let mut t = Kit::new();
        t.start(1, "GET", "http://h/api/user", 0.0);
        t.start(2, "GET", "http://h/api/user", 10.0);
        t.end(1, 100.0);
        t.end(2, 110.0);
        let f = t.only("duplicate-request");
        assert_eq!(f.count, 2);
        assert!(f.title.contains("GET /api/user requested 2×"), "{}", f.title);
    }

    #[test]
    fn a_copy_shortly_after_the_first_settled_counts() {
        let mut t = Kit::new();
        t.request(1, "GET", "http://h/a?x=1&y=2", 0.0, 100.0);
        t.request(2, "GET", "http://h/a?y=2&x=1", 1500.0, 1600.0);
        assert_eq!(t.only("duplicate-request").count, 2);
    }

    #[test]
    fn near_miss_three_seconds_apart_is_quiet() {
        let mut t = Kit::new();
        t.request(1, "GET", "http://h/a", 0.0, 100.0);
        t.request(2, "GET", "http://h/a", 3100.0, 3200.0);
        t.assert_none("duplicate-request");
    }

    #[test]
    fn near_miss_different_bodies_to_one_url_are_quiet() {
        let mut t = Kit::new();
        t.start_body(
            1,
            "POST",
            "http://h/graphql",
            0.0,
            Some(crate::event::body_signature("{\"q\":1}")),
        );
        t.start_body(
            2,
            "POST",
            "http://h/graphql",
            5.0,
            Some(crate::event::body_signature("{\"q\":2}")),
        );
        t.assert_none("duplicate-request");
    }

    #[test]
    fn unknown_bodies_options_and_aborted_requests_are_quiet() {
        let mut t = Kit::new();
        t.start_body(1, "POST", "http://h/up", 0.0, None);
        t.start_body(2, "POST", "http://h/up", 5.0, None);
        t.start(3, "OPTIONS", "http://h/x", 0.0);
        t.start(4, "OPTIONS", "http://h/x", 1.0);
        t.start(5, "GET", "http://h/search?q=a", 0.0);
        t.abort(5, 20.0);
        t.start(6, "GET", "http://h/search?q=a", 25.0);
        t.assert_none("duplicate-request");
    }

    #[test]
    fn five_copies_are_an_error_and_counted_once_each() {
        let mut t = Kit::new();
        for i in 0..5 {
            t.start(i, "GET", "http://h/cfg", i as f64);
        }
        let f = t.only("duplicate-request");
        assert_eq!(f.count, 5);
        assert_eq!(f.severity, crate::Severity::Error);
    }
}
