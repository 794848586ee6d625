//! # request-waterfall
//!
//! ## What it detects
//! At least 3 fetch/XHR requests that run strictly one after another (each starts
//! within 50 ms after the previous one ended; none overlap), where running them in
//! parallel would save at least 300 ms (the sum of their durations minus the longest).
//!
//! ## Why it matters
//! Sequential `await`s make the user wait for the sum of the round trips instead of
//! the longest one. When the requests do not need each other's answers,
//! `Promise.all` (or one combined endpoint) removes the wait.
//!
//! ## Example
//! `GET /api/user` → `GET /api/settings` → `GET /api/feed`, 3 × 180 ms back to back:
//! 540 ms where 180 ms would do.
//!
//! ## Thresholds
//! - `min_requests` (3), `max_gap_ms` (50), `min_savings_ms` (300).
//!
//! `dependent` says whether a later request's URL carries a value (an id, a short
//! string) from an earlier response: then they cannot simply run in parallel. The
//! page's bodies are never read; the values come from DevTools' copy of small JSON
//! responses (or a HAR saved with content). Without them it is `unknown`.

use super::{Detector, DetectorInfo, Findings, PageState};
use crate::config::{Config, RequestWaterfallConfig};
use crate::finding::{Metric, Severity};
use crate::request::Request;
use crate::urls;

pub const ID: &str = "request-waterfall";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Request waterfalls",
    doc: include_str!(concat!(env!("OUT_DIR"), "/request_waterfall.doc")),
    build: |c| Box::new(RequestWaterfall::new(c)),
};

struct Link {
    id: u64,
    start: f64,
    end: Option<f64>,
}

/// The current chain: totals over all of it, the latest links for evidence.
#[derive(Default)]
struct Chain {
    first_id: u64,
    first_start: f64,
    len: usize,
    /// Sum and longest of the durations of the links that ended.
    sum: f64,
    longest: f64,
    last: Option<Link>,
    labels: Vec<String>,
    ids: Vec<u64>,
    sources: Vec<String>,
    /// The latest links' URLs and response values, for the dependency check.
    recent: Vec<Recent>,
}

struct Recent {
    id: u64,
    url: String,
    label: String,
    values: Vec<String>,
}

/// The parts of a URL a value could be: path segments and query values.
fn url_tokens(url: &str) -> Vec<&str> {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    path.split(['/', '?', '&', '=', '#'])
        .filter(|t| !t.is_empty())
        .collect()
}

/// "yes: …" with the value and where it came from, "no", or "unknown".
fn dependency(recent: &[Recent]) -> String {
    for (i, later) in recent.iter().enumerate().skip(1) {
        let tokens = url_tokens(&later.url);
        for earlier in &recent[..i] {
            if let Some(v) = earlier.values.iter().find(|v| tokens.contains(&v.as_str())) {
                return format!("yes: {} uses {v} from {}", later.label, earlier.label);
            }
        }
    }
    let known = recent.len() > 1 && recent[..recent.len() - 1].iter().all(|r| !r.values.is_empty());
    if known { "no" } else { "unknown" }.to_string()
}

pub struct RequestWaterfall {
    cfg: RequestWaterfallConfig,
    chain: Chain,
}

const KEEP: usize = 10;

impl RequestWaterfall {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.request_waterfall.clone(),
            chain: Chain::default(),
        }
    }

    fn evaluate(&mut self, out: &mut Findings) {
        let c = &self.chain;
        let all_ended = c.last.as_ref().is_some_and(|l| l.end.is_some());
        if c.len < self.cfg.min_requests || !all_ended {
            return;
        }
        let savings = c.sum - c.longest;
        if savings < self.cfg.min_savings_ms {
            return;
        }
        // One finding per chain, named by its first request.
        let key = format!("chain-{}", c.first_id);
        let (n, sum, longest) = (c.len as u64, c.sum, c.longest);
        let dependent = dependency(&c.recent);
        out.upsert(ID, &key, c.first_start, |f| {
            f.count = n;
            f.last_ms = c.last.as_ref().and_then(|l| l.end).unwrap_or(c.first_start);
            for id in &c.ids {
                f.evidence.add_request(*id);
            }
            for s in &c.sources {
                f.evidence.add_source(s);
            }
            f.evidence.urls = c.labels.clone();
            f.metrics.insert("requests".into(), Metric::Num(n as f64));
            f.metrics.insert("sequential_ms".into(), Metric::Num(sum.round()));
            f.metrics.insert("parallel_ms".into(), Metric::Num(longest.round()));
            f.metrics.insert("savings_ms".into(), Metric::Num(savings.round()));
            f.metrics.insert("dependent".into(), Metric::Text(dependent.clone()));
            f.severity = if savings >= 1000.0 {
                Severity::Error
            } else {
                Severity::Warning
            };
            f.title = format!(
                "{} requests ran one after another: {} ms where {} ms would do",
                n,
                sum.round(),
                longest.round()
            );
            f.advice = if dependent.starts_with("yes") {
                "These depend on each other: have the server return what the next request needs in the first \
                 response (include/expand, one combined endpoint), or fetch the first one earlier (prefetch on \
                 hover, start it in the route loader)."
            } else {
                "Start independent requests together (`Promise.all`, or parallel queries in your data layer) \
                 or serve them from one endpoint."
            }
            .into();
        });
    }
}

impl Detector for RequestWaterfall {
    fn on_start(&mut self, req: &Request, _page: &PageState, _out: &mut Findings) {
        if !req.is_api() || req.provoked {
            return;
        }
        let c = &mut self.chain;
        let continues = c
            .last
            .as_ref()
            .and_then(|l| l.end)
            .is_some_and(|end| req.start >= end && req.start - end <= self.cfg.max_gap_ms);
        if !continues {
            // An overlap (or a pause) ends the chain; this request may start the next one.
            *c = Chain {
                first_id: req.id,
                first_start: req.start,
                ..Chain::default()
            };
        }
        c.len += 1;
        c.last = Some(Link {
            id: req.id,
            start: req.start,
            end: None,
        });
        if c.labels.len() < KEEP {
            c.labels.push(format!("{} {}", req.method, urls::short(&req.url)));
        }
        c.ids.push(req.id);
        if c.ids.len() > crate::finding::MAX_EVIDENCE_REQUESTS {
            c.ids.remove(0);
        }
        c.recent.push(Recent {
            id: req.id,
            url: req.url.clone(),
            label: format!("{} {}", req.method, urls::short(&req.url)),
            values: req.values.clone(),
        });
        if c.recent.len() > KEEP {
            c.recent.remove(0);
        }
    }

    fn on_end(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        let c = &mut self.chain;
        let Some(l) = c.last.as_mut().filter(|l| l.id == req.id && l.end.is_none()) else {
            return;
        };
        let end = req.end.unwrap_or(l.start);
        l.end = Some(end);
        let d = end - l.start;
        c.sum += d;
        c.longest = c.longest.max(d);
        self.evaluate(out);
    }

    fn on_enrich(&mut self, req: &Request, out: &mut Findings) {
        let c = &mut self.chain;
        let mut changed = false;
        if let Some(src) = req.initiator.as_ref().filter(|_| c.ids.contains(&req.id)) {
            if c.sources.len() < KEEP && !c.sources.contains(src) {
                c.sources.push(src.clone());
                changed = true;
            }
        }
        if let Some(r) = c
            .recent
            .iter_mut()
            .find(|r| r.id == req.id && r.values.is_empty() && !req.values.is_empty())
        {
            r.values = req.values.clone();
            changed = true;
        }
        if changed {
            self.evaluate(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;

    #[test]
    fn three_back_to_back_requests_are_a_waterfall() {
        let mut t = Kit::new();
        t.request(1, "GET", "http://h/api/user", 0.0, 200.0);
        t.request(2, "GET", "http://h/api/settings", 210.0, 400.0);
        t.request(3, "GET", "http://h/api/feed", 405.0, 620.0);
        let f = t.only("request-waterfall");
        assert_eq!(f.count, 3);
        assert!(f.title.contains("605 ms where 215 ms would do"), "{}", f.title);
    }

    #[test]
    fn a_later_request_using_an_id_from_an_earlier_response_is_dependent() {
        let mut t = Kit::new();
        t.net("http://h/api/user", 0.0, 200.0, |n| {
            n.values = vec!["4711".into(), "ada".into()]
        });
        t.net("http://h/api/orders/4711", 210.0, 190.0, |n| {
            n.values = vec!["77".into()]
        });
        t.net("http://h/api/feed", 405.0, 215.0, |_| {});
        let f = t.only("request-waterfall");
        let dep = match &f.metrics["dependent"] {
            crate::finding::Metric::Text(s) => s.clone(),
            m => panic!("{m:?}"),
        };
        assert_eq!(dep, "yes: GET /api/orders/4711 uses 4711 from GET /api/user");
        assert!(f.advice.contains("depend on each other"));
    }

    #[test]
    fn independent_requests_with_known_bodies_are_not_dependent() {
        let mut t = Kit::new();
        t.net("http://h/api/user", 0.0, 200.0, |n| n.values = vec!["4711".into()]);
        t.net("http://h/api/settings", 210.0, 190.0, |n| {
            n.values = vec!["dark".into()]
        });
        t.net("http://h/api/feed", 405.0, 215.0, |_| {});
        let f = t.only("request-waterfall");
        assert_eq!(f.metrics["dependent"], crate::finding::Metric::Text("no".into()));
    }

    #[test]
    fn near_miss_parallel_requests_are_quiet() {
        let mut t = Kit::new();
        for i in 0..4u64 {
            t.start(i, "GET", &format!("http://h/api/{i}"), i as f64);
        }
        for i in 0..4u64 {
            t.end(i, 300.0 + i as f64);
        }
        t.assert_none("request-waterfall");
    }

    #[test]
    fn near_miss_small_savings_or_user_pauses_are_quiet() {
        let mut t = Kit::new();
        t.request(1, "GET", "http://h/a", 0.0, 50.0);
        t.request(2, "GET", "http://h/b", 60.0, 110.0);
        t.request(3, "GET", "http://h/c", 120.0, 170.0);
        t.request(4, "GET", "http://h/d", 1000.0, 1400.0);
        t.request(5, "GET", "http://h/e", 3000.0, 3400.0);
        t.request(6, "GET", "http://h/f", 5000.0, 5400.0);
        t.assert_none("request-waterfall");
    }
}
