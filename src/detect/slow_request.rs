//! # slow-request
//!
//! ## What it detects
//! A request whose time to first byte is over 600 ms, or whose total time is over
//! 1 s. Grouped per endpoint (ids in the path replaced by placeholders). Severity
//! grows with time: from 10 s (or 5 s to the first byte) it is an error.
//! What the browser answers itself (`data:`, `blob:`, extension files) is left out.
//! Streams (`text/event-stream`, WebSockets) are not requests that should end, so
//! they are left out, and so are beacons and `keepalive` sends (analytics, logs):
//! nothing on the page waits for their answer.
//!
//! ## Why it matters
//! Whatever waits on a slow response waits visibly: spinners, blocked rendering,
//! and users who click again (which makes duplicates).
//!
//! ## Example
//! `GET /api/report` 4.2 s: queueing 2 ms, connect 0 ms, waiting 4.1 s, download 60 ms.
//! The server is the bottleneck (waiting), not the network.
//!
//! ## Thresholds
//! - `ttfb_ms` (600), `total_ms` (1000), `error_total_ms` (10000), `error_ttfb_ms` (5000).

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;

thresholds!(SlowRequestConfig {
    ttfb_ms: f64 = 600.0,
    total_ms: f64 = 1_000.0,
    /// From here it is an error.
    error_total_ms: f64 = 10_000.0,
    /// ...or from this long waiting for the first byte.
    error_ttfb_ms: f64 = 5_000.0,
});

pub const ID: &str = "slow-request";

/// This detector's `Request::count_once` bit.
const SLOT: usize = super::slot_of(ID);

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Slow requests",
    doc: include_str!(concat!(env!("OUT_DIR"), "/slow_request.doc")),
    build: |c| Box::new(SlowRequest::new(c)),
};

pub struct SlowRequest {
    cfg: SlowRequestConfig,
}

impl SlowRequest {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.slow_request.clone(),
        }
    }

    fn check(&mut self, req: &Request, out: &mut Findings) {
        // Nothing waits on a beacon or a keepalive send (analytics, logs): fire and forget.
        if req.is_local()
            || req.api == crate::model::event::Api::Beacon
            || req.keepalive
            || req.resource_type == "eventsource"
            || req.resource_type == "websocket"
            || req.mime() == "text/event-stream"
        {
            return;
        }
        let Some(total) = req.duration() else { return };
        let ttfb = req.ttfb();
        let cfg = &self.cfg;
        let slow = total > cfg.total_ms || ttfb.is_some_and(|w| w > cfg.ttfb_ms);
        if slow {
            self.report(req, total, ttfb, out);
        }
    }

    /// The finding for a slow request (most requests are not: kept out of `check`,
    /// which runs for every request, so its code stays small).
    #[cold]
    #[inline(never)]
    fn report(&mut self, req: &Request, total: f64, ttfb: Option<f64>, out: &mut Findings) {
        let cfg = &self.cfg;
        // Counted once; a second settle (DevTools' timings) updates the finding.
        let first_time = req.count_once(SLOT);
        let (key, label) = (req.endpoint_key(), req.endpoint_label());
        let breakdown = req.timings.as_ref().map(|t| {
            let ms = |v: Option<f64>| v.unwrap_or(0.0).round();
            format!(
                "queueing {} ms, connect {} ms, waiting {} ms, download {} ms",
                ms(t.blocked),
                ms(t.dns) + ms(t.connect),
                ms(t.wait),
                ms(t.receive)
            )
        });
        out.upsert(ID, key, req.start, |f| {
            if first_time {
                f.count += 1;
            }
            f.evidence.note(req);
            let slowest = f.raise("slowest_ms", total);
            if let Some(w) = ttfb {
                f.metrics.insert("ttfb_ms".into(), Metric::Num(w.round()));
            }
            if let Some(b) = &breakdown {
                f.metrics.insert("timing".into(), Metric::Text(b.clone()));
            }
            f.severity = if slowest >= cfg.error_total_ms || ttfb.is_some_and(|w| w >= cfg.error_ttfb_ms) {
                Severity::Error
            } else {
                Severity::Warning
            };
            let times = if f.count > 1 {
                format!(" ({} slow requests)", f.count)
            } else {
                String::new()
            };
            f.title = format!("{label} took {:.1} s{times}", slowest / 1000.0);
            let server_bound = ttfb.is_some_and(|w| w > total * 0.7);
            f.advice = if server_bound {
                "Most of the time is the server's (waiting for the first byte): profile the endpoint, add an \
                 index or a cache, or return less. Show progress meanwhile, and prefetch when the user is likely \
                 to need it."
            } else {
                "Most of the time is queueing or download: send less (paginate, compress), start it earlier, \
                 or avoid blocking the UI on it."
            }
            .into();
        });
    }
}

impl Detector for SlowRequest {
    fn on_settled(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        self.check(req, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::model::event::Timings;

    #[test]
    fn a_slow_request_is_flagged_with_its_timing_breakdown() {
        let mut t = Kit::new();
        t.net("http://h/api/report/7", 0.0, 1500.0, |n| {
            n.wait = Some(1400.0);
            n.timings = Some(Timings {
                blocked: Some(3.0),
                wait: Some(1400.0),
                receive: Some(90.0),
                ..Timings::default()
            });
        });
        let f = t.only("slow-request");
        assert!(f.title.contains("GET /api/report/{id} took 1.5 s"), "{}", f.title);
        assert!(
            matches!(&f.metrics["timing"], crate::model::finding::Metric::Text(s) if s.contains("waiting 1400 ms"))
        );
        assert!(f.advice.contains("server"));
    }

    #[test]
    fn three_minutes_is_an_error() {
        let mut t = Kit::new();
        t.net("http://h/api/export", 0.0, 180_000.0, |_| {});
        assert_eq!(t.only("slow-request").severity, crate::Severity::Error);
    }

    #[test]
    fn near_miss_fast_requests_and_streams_are_quiet() {
        let mut t = Kit::new();
        t.net("http://h/api/a", 0.0, 900.0, |n| n.wait = Some(500.0));
        t.net("http://h/api/events", 0.0, 60_000.0, |n| {
            n.mime_type = Some("text/event-stream".into())
        });
        t.net("http://h/ws", 0.0, 60_000.0, |n| n.resource_type = "websocket".into());
        // A beacon the analytics server answered late: nothing on the page waited.
        t.net("http://h/api/collect", 0.0, 1500.0, |n| {
            n.method = "POST".into();
            n.resource_type = "ping".into();
            n.wait = Some(1400.0);
        });
        t.assert_none("slow-request");
    }

    #[test]
    fn a_request_seen_by_page_and_devtools_counts_once() {
        let mut t = Kit::new();
        t.start(1, "GET", "http://h/api/slow", 0.0);
        t.end(1, 1200.0);
        t.net("http://h/api/slow", 1.0, 1210.0, |n| n.wait = Some(1150.0));
        assert_eq!(t.only("slow-request").count, 1);
    }
}
