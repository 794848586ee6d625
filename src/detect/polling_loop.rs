//! # polling-loop
//!
//! ## What it detects
//! At least 4 requests with the same signature (method, URL with cache-busters
//! blanked, body) at a steady interval: the intervals' coefficient of variation is
//! under 0.15 and the period is between 250 ms and 60 s. The count keeps rising
//! while the loop runs and stops when it stops.
//!
//! ## Why it matters
//! A timer that keeps asking "anything new?" costs a request per tick whether or not
//! anything changed, and loops that are never stopped keep running after the user
//! left the screen, or while the tab is in the background.
//!
//! ## Example
//! `GET /api/jobs/42/status` every 2.0 s, 30 requests, responses identical in size,
//! still running after the route changed from `/generate` to `/gallery`.
//!
//! ## Thresholds
//! - `min_requests` (4), `max_cv` (0.15), `min_period_ms` (250), `max_period_ms` (60000).
//! - `info_period_ms` (30000): slower loops are informational.
//!
//! Severity is raised to error when the loop keeps going after a route change it
//! started before, or while the page is hidden.

use super::{evict_oldest, Detector, DetectorInfo, Findings, PageState};
use crate::config::{Config, PollingLoopConfig};
use crate::finding::{Metric, Severity};
use crate::request::Request;
use crate::urls;
use std::collections::{HashMap, VecDeque};

pub const ID: &str = "polling-loop";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Polling loops",
    doc: include_str!(concat!(env!("OUT_DIR"), "/polling_loop.doc")),
    build: |c| Box::new(PollingLoop::new(c)),
};

const MAX_SERIES: usize = 4096;

#[derive(Default)]
struct Series {
    starts: VecDeque<f64>,
    ids: VecDeque<u64>,
    /// The steady period once it is a loop.
    period: Option<f64>,
    /// Route epoch when the current loop was recognized.
    loop_route_epoch: u32,
    last_response: Option<(u16, u64)>,
    last_response_id: u64,
    response_changed: Option<bool>,
}

pub struct PollingLoop {
    cfg: PollingLoopConfig,
    series: HashMap<String, Series>,
    pub evicted: usize,
}

impl PollingLoop {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.polling_loop.clone(),
            series: HashMap::new(),
            evicted: 0,
        }
    }
}

fn signature(req: &Request) -> String {
    format!(
        "{} {} {}",
        req.method,
        urls::signature(&req.url),
        req.body.as_deref().unwrap_or("?")
    )
}

/// Mean and coefficient of variation of the gaps between consecutive times.
fn steadiness(times: &[f64]) -> (f64, f64) {
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let n = gaps.len() as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / n;
    (mean, if mean > 0.0 { var.sqrt() / mean } else { f64::INFINITY })
}

impl Detector for PollingLoop {
    fn on_start(&mut self, req: &Request, page: &PageState, out: &mut Findings) {
        if !req.is_api() || req.excluded_from_repeats() {
            return;
        }
        let key = signature(req);
        let cfg = &self.cfg;
        let s = self.series.entry(key.clone()).or_default();
        // DevTools' log can deliver slightly out of order; keep the series sorted.
        let pos = s.starts.iter().rposition(|&t| t <= req.start).map_or(0, |p| p + 1);
        s.starts.insert(pos, req.start);
        s.ids.insert(pos, req.id);
        if s.starts.len() > 8 {
            s.starts.pop_front();
            s.ids.pop_front();
        }
        let route_epoch = req.route_epoch;
        let newly_recognized;
        match s.period {
            Some(p) => {
                let gap = req.start - s.starts[s.starts.len().saturating_sub(2)];
                if (gap - p).abs() > p * 0.5 {
                    // The rhythm broke: the loop stopped (or changed); start over.
                    s.period = None;
                    s.starts.clear();
                    s.ids.clear();
                    s.starts.push_back(req.start);
                    s.ids.push_back(req.id);
                    return;
                }
                s.period = Some(p * 0.8 + gap * 0.2);
                newly_recognized = false;
            }
            None => {
                if s.starts.len() < cfg.min_requests {
                    return;
                }
                let recent: Vec<f64> = s
                    .starts
                    .iter()
                    .skip(s.starts.len() - cfg.min_requests)
                    .copied()
                    .collect();
                let (mean, cv) = steadiness(&recent);
                if cv >= cfg.max_cv || mean < cfg.min_period_ms || mean > cfg.max_period_ms {
                    return;
                }
                s.period = Some(mean);
                s.loop_route_epoch = route_epoch;
                newly_recognized = true;
            }
        }
        let period = s.period.unwrap_or_default();
        let after_route = route_epoch > s.loop_route_epoch;
        let changed = s.response_changed;
        let first_of_run = if newly_recognized {
            s.starts[s.starts.len() - cfg.min_requests]
        } else {
            req.start
        };
        let run_ids: Vec<u64> = if newly_recognized {
            s.ids.iter().skip(s.ids.len() - cfg.min_requests).copied().collect()
        } else {
            vec![req.id]
        };
        let info_period = cfg.info_period_ms;
        out.upsert(ID, &key, first_of_run, |f| {
            f.count += run_ids.len() as u64;
            f.last_ms = req.start;
            for id in run_ids {
                f.evidence.add_request(id);
            }
            // One example URL: the rest differ only by cache-busters.
            if f.evidence.urls.is_empty() {
                f.evidence.add_url(&req.url);
            }
            if let Some(src) = &req.initiator {
                f.evidence.add_source(src);
            }
            let hidden = req.hidden || matches!(f.metrics.get("while_hidden"), Some(Metric::Flag(true)));
            let routed = after_route || matches!(f.metrics.get("after_route_change"), Some(Metric::Flag(true)));
            f.metrics.insert("period_ms".into(), Metric::Num(period.round()));
            f.metrics.insert("requests".into(), Metric::Num(f.count as f64));
            f.metrics
                .insert("duration_ms".into(), Metric::Num((f.last_ms - f.first_ms).round()));
            f.metrics.insert("while_hidden".into(), Metric::Flag(hidden));
            f.metrics.insert("after_route_change".into(), Metric::Flag(routed));
            f.metrics.insert(
                "response_changed".into(),
                Metric::Text(
                    match changed {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "unknown",
                    }
                    .into(),
                ),
            );
            f.severity = if hidden || routed {
                Severity::Error
            } else if period >= info_period {
                Severity::Info
            } else {
                Severity::Warning
            };
            let label = format!("{} {}", req.method, urls::short(&urls::signature(&req.url)));
            let mut title = format!("{label} polled every {:.1} s ({} requests)", period / 1000.0, f.count);
            if routed {
                if let Some((_, url)) = page.routes.last() {
                    title.push_str(&format!(", still running after navigating to {}", urls::short(url)));
                }
            } else if hidden {
                title.push_str(", even while the tab is hidden");
            }
            f.title = title;
            let mut advice = String::from(
                "Stop the loop when its component unmounts (clear the timer and abort the request with an \
                 AbortController in the effect's cleanup) and pause it while document.hidden.",
            );
            if changed == Some(false) {
                advice.push_str(
                    " The responses never changed: back off exponentially, or push updates with SSE or a WebSocket.",
                );
            } else {
                advice.push_str(" Prefer pushing updates (SSE, WebSocket) or back off while nothing changes.");
            }
            f.advice = advice;
        });
        let now = req.start;
        self.evicted += evict_oldest(&mut self.series, MAX_SERIES, |s| {
            s.starts.back().copied().unwrap_or(now)
        });
    }

    fn on_end(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        self.observe_response(req, out);
    }

    fn on_enrich(&mut self, req: &Request, out: &mut Findings) {
        // DevTools often knows the size when the page did not (a chunked response).
        self.observe_response(req, out);
    }
}

impl PollingLoop {
    /// Compares each response with the previous one of the series, once per request.
    fn observe_response(&mut self, req: &Request, out: &mut Findings) {
        if !req.is_api() {
            return;
        }
        let key = signature(req);
        let Some(s) = self.series.get_mut(&key) else { return };
        let Some(fp) = req.response_fingerprint() else { return };
        if s.last_response_id >= req.id {
            return;
        }
        s.last_response_id = req.id;
        if let Some(prev) = s.last_response {
            s.response_changed = Some(s.response_changed.unwrap_or(false) || prev != fp);
            if let Some(f) = out.get_mut(ID, &key) {
                let text = if s.response_changed == Some(true) { "yes" } else { "no" };
                f.metrics.insert("response_changed".into(), Metric::Text(text.into()));
            }
        }
        s.last_response = Some(fp);
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::Severity;

    fn poll(t: &mut Kit, n: u64, period: f64, url: &str) {
        for i in 0..n {
            let at = 1000.0 + i as f64 * period;
            t.request(100 + i, "GET", url, at, at + 30.0);
        }
    }

    #[test]
    fn steady_two_second_poll_is_a_loop_and_keeps_counting() {
        let mut t = Kit::new();
        poll(&mut t, 4, 2000.0, "http://h/api/status");
        assert_eq!(t.only("polling-loop").count, 4);
        t.request(200, "GET", "http://h/api/status", 1000.0 + 4.0 * 2000.0, 9030.0);
        let f = t.only("polling-loop");
        assert_eq!(f.count, 5);
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.title.contains("every 2.0 s"), "{}", f.title);
    }

    #[test]
    fn three_requests_are_not_yet_a_loop() {
        let mut t = Kit::new();
        poll(&mut t, 3, 2000.0, "http://h/api/status");
        t.assert_none("polling-loop");
    }

    #[test]
    fn near_miss_jittery_user_driven_pagination_is_quiet() {
        let mut t = Kit::new();
        for (i, at) in [0.0, 1200.0, 3900.0, 4600.0, 8100.0, 9000.0].iter().enumerate() {
            t.request(
                i as u64,
                "GET",
                &format!("http://h/api/items?page={}", i),
                *at,
                at + 50.0,
            );
            t.request(50 + i as u64, "GET", "http://h/api/feed", *at, at + 50.0);
        }
        t.assert_none("polling-loop");
    }

    #[test]
    fn cache_busters_do_not_hide_a_loop() {
        let mut t = Kit::new();
        for i in 0..5u64 {
            let at = i as f64 * 1000.0;
            t.request(i, "GET", &format!("http://h/api/ping?_={}", 17000 + i), at, at + 10.0);
        }
        assert_eq!(t.only("polling-loop").count, 5);
    }

    #[test]
    fn polling_after_a_route_change_is_an_error() {
        let mut t = Kit::new();
        poll(&mut t, 4, 1000.0, "http://h/api/jobs");
        t.route(4500.0, "http://h/other");
        t.request(300, "GET", "http://h/api/jobs", 5000.0, 5010.0);
        let f = t.only("polling-loop");
        assert_eq!(f.severity, Severity::Error);
        assert!(f.title.contains("after navigating to /other"), "{}", f.title);
    }

    #[test]
    fn polling_while_hidden_is_an_error() {
        let mut t = Kit::new();
        poll(&mut t, 4, 1000.0, "http://h/api/jobs");
        t.hidden(4200.0, true);
        t.request(300, "GET", "http://h/api/jobs", 5000.0, 5010.0);
        assert_eq!(t.only("polling-loop").severity, Severity::Error);
    }

    #[test]
    fn a_loop_that_stops_stops_growing() {
        let mut t = Kit::new();
        poll(&mut t, 6, 1000.0, "http://h/api/s");
        t.request(400, "GET", "http://h/api/s", 30_000.0, 30_010.0);
        assert_eq!(t.only("polling-loop").count, 6);
    }

    #[test]
    fn bursts_faster_than_the_minimum_period_are_not_polling() {
        let mut t = Kit::new();
        poll(&mut t, 10, 20.0, "http://h/api/s");
        t.assert_none("polling-loop");
    }
}
