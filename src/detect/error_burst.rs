//! # error-burst
//!
//! ## What it detects
//! At least 5 failed responses (status 400 and up, or a network failure) from one
//! endpoint within 10 s, or an endpoint failing at least 20% of at least 20 requests.
//! Requests the page aborted are not failures. When the page retried the failed
//! request (an identical request after the failure: the request's record says
//! `retry`), the title says how often and whether the retries backed off:
//! "retried 8 times without backoff" is a retry loop hammering a failing server.
//! Backoff is judged per attempt (the first retries' delays, then the seconds'...), so
//! two chains retrying at once (React's StrictMode in development runs the effect
//! twice) read as what each does. When the page's retries backed off and the latest
//! request succeeded ("then succeeded"), the client recovered as it should: the
//! failures are the server's, and the finding is a warning at most.
//!
//! ## Why it matters
//! Failures that repeat are rarely noticed in the UI (a retry hides them, a catch
//! swallows them) but each costs a round trip, server work, and often a retry storm.
//!
//! ## Example
//! `POST /_error`, 25 requests, 100% failed (500).
//!
//! ## Thresholds
//! - `burst_failures` (5) within `window_ms` (10000).
//! - `rate` (0.2) of at least `rate_min_requests` (20).
//! - `error_rate` (0.5): from this failure rate it is an error (below: a warning).
//! - `backoff_factor` (1.5): retries back off when their delays grow by at least
//!   this factor per attempt on average, none shorter than 0.9× the one before.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::bounded::evict_oldest;
use crate::model::event::Outcome;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;
use std::collections::{BTreeMap, VecDeque};

thresholds!(ErrorBurstConfig {
    /// Failures to one endpoint within `window_ms`.
    burst_failures: usize = 5,
    window_ms: f64 = 10_000.0,
    /// Or an endpoint failing at least this share of at least `rate_min_requests`.
    rate: f64 = 0.2,
    rate_min_requests: usize = 20,
    /// From this failure rate the finding is an error.
    error_rate: f64 = 0.5,
    /// Retries back off when their delays grow by this factor per attempt on average.
    backoff_factor: f64 = 1.5,
});

pub const ID: &str = "error-burst";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Error bursts",
    doc: include_str!(concat!(env!("OUT_DIR"), "/error_burst.doc")),
    build: |c| Box::new(ErrorBurst::new(c)),
};

#[derive(Default)]
struct Endpoint {
    recent_failures: VecDeque<f64>,
    requests: u64,
    failures: u64,
    statuses: BTreeMap<u16, u64>,
    last: f64,
    /// Delays of the latest run of retries, by attempt (the first retry's first).
    retry_delays: Vec<f64>,
    /// Retries in the latest run.
    retries: u64,
    /// The latest request succeeded: the next first retry starts a new run.
    recovered: bool,
}

/// Retry delays remembered per endpoint.
const MAX_RETRY_DELAYS: usize = 32;

/// Whether the retries' delays grew by `factor` per attempt on average, none much
/// shorter than the one before: timers fire late on a busy page, so 300, 600, 1200 ms
/// of backoff are measured as 326, 894, 1215.
fn backs_off(delays: &[f64], factor: f64) -> bool {
    let (Some(&first), Some(&last)) = (delays.first(), delays.last()) else {
        return false;
    };
    let steps = (delays.len() - 1) as i32;
    steps > 0 && first > 0.0 && delays.windows(2).all(|w| w[1] >= w[0] * 0.9) && last / first >= factor.powi(steps)
}

/// "retried 8 times without backoff, then succeeded", or None when nothing was retried.
fn retries(e: &Endpoint, factor: f64) -> Option<String> {
    let then = if e.recovered { ", then succeeded" } else { "" };
    match (e.retries, e.retry_delays.len()) {
        (0, _) => None,
        (1, _) => Some(format!("retried once{then}")),
        (n, 1) => Some(format!("retried {n} times{then}")),
        (n, _) => Some(format!(
            "retried {n} times {}{then}",
            if backs_off(&e.retry_delays, factor) {
                "with backoff"
            } else {
                "without backoff"
            }
        )),
    }
}

/// Writes the endpoint's finding: once per failure or per request of an endpoint
/// already flagged, not per request. Kept out of `on_end` (which runs for every
/// request): its formatting was most of that function's code, between the lines
/// every request runs (instruction-cache misses).
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn write_finding(
    e: &Endpoint,
    cfg: &ErrorBurstConfig,
    req: &Request,
    failed: bool,
    rate: f64,
    key: &str,
    label: &str,
    at: f64,
    out: &mut Findings,
) {
    let (requests, failures, in_window) = (e.requests, e.failures, e.recent_failures.len());
    let retried = retries(e, cfg.backoff_factor);
    let recovered = e.recovered && e.retries > 0 && backs_off(&e.retry_delays, cfg.backoff_factor);
    let delays: Vec<String> = e.retry_delays.iter().map(|d| format!("{d:.0}")).collect();
    let error_rate = cfg.error_rate;
    let statuses: Vec<String> = e
        .statuses
        .iter()
        .map(|(s, n)| {
            if *s == 0 {
                format!("network error ×{n}")
            } else {
                format!("{s} ×{n}")
            }
        })
        .collect();
    let write = |f: &mut crate::Finding| {
        f.count = failures;
        if failed {
            f.evidence.note(req);
        }
        f.metrics.insert("failures".into(), Metric::Num(failures as f64));
        f.metrics.insert("requests".into(), Metric::Num(requests as f64));
        f.metrics
            .insert("error_rate".into(), Metric::Text(format!("{:.0}%", rate * 100.0)));
        f.metrics.insert("in_10s".into(), Metric::Num(in_window as f64));
        f.metrics.insert("statuses".into(), Metric::Text(statuses.join(", ")));
        if let Some(r) = &retried {
            f.metrics.insert("retries".into(), Metric::Text(r.clone()));
            f.metrics
                .insert("retry_delays_ms".into(), Metric::Text(delays.join(", ")));
        }
        f.severity = if rate >= error_rate && !recovered {
            Severity::Error
        } else {
            Severity::Warning
        };
        f.title = format!(
            "{label} failed {failures} of {requests} times ({:.0}%): {}{}",
            rate * 100.0,
            statuses.join(", "),
            retried.as_ref().map(|r| format!("; {r}")).unwrap_or_default()
        );
        f.advice = "Find out why it fails (the status and the server log), stop retrying what cannot \
                        succeed (back off, or cap retries), and surface the failure instead of swallowing it."
            .into();
    };
    // A success only updates the counts: the finding's times stay its failures'.
    match out.get_mut(ID, key) {
        Some(f) if !failed => write(f),
        _ => out.upsert(ID, key, at, write),
    }
}

pub struct ErrorBurst {
    cfg: ErrorBurstConfig,
    /// Looked up twice per request: hashed with the quick hasher (`evict_oldest`
    /// keeps by time, so nothing depends on the map's order).
    endpoints: crate::model::bounded::StrMap<Endpoint>,
}

impl ErrorBurst {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.error_burst.clone(),
            endpoints: Default::default(),
        }
    }
}

impl Detector for ErrorBurst {
    fn on_end(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        // The engine ends a request once; it comes again only as an abort, not counted.
        if req.outcome == Some(Outcome::Abort) {
            return;
        }
        let failed = req.outcome == Some(Outcome::Error) || req.status >= 400;
        let (key, label) = (req.endpoint_key(), req.endpoint_label());
        let at = req.end.unwrap_or(req.start);
        let cfg = &self.cfg;
        if !self.endpoints.contains_key(key) {
            self.endpoints.insert(key.to_string(), Default::default());
        }
        let Some(e) = self.endpoints.get_mut(key) else { return };
        e.requests += 1;
        e.last = at;
        if let Some(r) = &req.retry {
            if r.attempt <= 1 && (e.recovered || e.retries == 0) {
                e.retry_delays.clear();
                e.retries = 0;
            }
            e.retries += 1;
            // The latest delay of each attempt: chains running at once share the slots.
            let slot = (r.attempt.max(1) - 1) as usize;
            if let Some(d) = e.retry_delays.get_mut(slot) {
                *d = r.delay_ms;
            } else if e.retry_delays.len() < MAX_RETRY_DELAYS {
                e.retry_delays.push(r.delay_ms);
            }
        }
        e.recovered = !failed;
        if failed {
            e.failures += 1;
            *e.statuses.entry(req.status).or_default() += 1;
            e.recent_failures.push_back(at);
        }
        while e.recent_failures.front().is_some_and(|t| at - t > cfg.window_ms) {
            e.recent_failures.pop_front();
        }
        let rate = e.failures as f64 / e.requests as f64;
        let burst = e.recent_failures.len() >= cfg.burst_failures;
        let chronic = e.requests >= cfg.rate_min_requests as u64 && rate >= cfg.rate;
        let already = out.get_mut(ID, key).is_some();
        // A success after the finding updates it too: its rate, and "then succeeded".
        if already || chronic || (failed && burst) {
            write_finding(e, cfg, req, failed, rate, key, label, at, out);
        }
        let now = at;
        evict_oldest(
            &mut self.endpoints,
            2048,
            |e| if e.requests == 0 { now } else { e.last },
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;

    /// Requests to one URL, each after the previous one failed with `status` and `delays[i]`.
    fn retried(t: &mut Kit, statuses: &[u16], delays: &[f64]) {
        let mut at = 0.0;
        for (i, status) in statuses.iter().enumerate() {
            let id = i as u64 + 1;
            t.start(id, "GET", "http://h/api/flaky", at);
            t.status(id, at + 3.0, *status);
            at += 3.0 + delays.get(i).copied().unwrap_or(0.0);
        }
    }

    #[test]
    fn a_tight_retry_loop_is_a_burst_retried_without_backoff() {
        let mut t = Kit::new();
        retried(&mut t, &[503; 9], &[2.0; 8]);
        let f = t.only("error-burst");
        assert_eq!(f.severity, crate::Severity::Error);
        assert_eq!(
            f.title,
            "GET /api/flaky failed 9 of 9 times (100%): 503 ×9; retried 8 times without backoff"
        );
        assert_eq!(f.evidence.urls, ["http://h/api/flaky"]);
        t.assert_none("duplicate-request");
    }

    #[test]
    fn retries_that_back_off_say_so() {
        let mut t = Kit::new();
        retried(&mut t, &[503; 6], &[100.0, 200.0, 400.0, 800.0, 1600.0]);
        let f = t.only("error-burst");
        assert!(f.title.ends_with("503 ×6; retried 5 times with backoff"), "{}", f.title);
    }

    /// StrictMode runs the effect twice: two chains retry the same request at once,
    /// each backing off (300, 600, 1200 ms), until the server answers.
    #[test]
    fn two_chains_backing_off_at_once_read_as_backoff_and_recovery_is_a_warning() {
        let mut t = Kit::new();
        let url = "http://h/api/report?id=9";
        // (id, start, end, status), as measured on a busy machine: A and B start
        // together, B's first answer comes 90 ms after A's (so B's failure is the
        // newest when A retries), and the server fails 5 times.
        let plan = [
            (1, 0.0, 42.0, 503),
            (2, 7.0, 132.0, 503),
            (3, 348.0, 375.0, 503),
            (4, 433.0, 448.0, 503),
            (5, 1000.0, 1022.0, 503),
            (6, 1145.0, 1213.0, 200),
            (7, 2227.0, 2286.0, 200),
        ];
        for (id, at, end, status) in plan {
            t.start(id, "GET", url, at);
            t.status(id, end, status);
        }
        let f = t.only("error-burst");
        assert_eq!(f.severity, crate::Severity::Warning, "{}", f.title);
        assert_eq!(
            f.title,
            "GET /api/report?id={id} failed 5 of 7 times (71%): 503 ×5; retried 5 times with backoff, then succeeded"
        );
        // Its times are the failures': the success after them does not stretch it.
        assert_eq!(f.last_ms, 1022.0);
        // The two first requests are copies (no React here to call it StrictMode); no retry is.
        assert_eq!(t.only("duplicate-request").count, 2);
    }

    #[test]
    fn backoff_is_read_through_late_timers_but_not_from_a_fixed_delay() {
        assert!(super::backs_off(&[326.0, 894.0, 1215.0], 1.5));
        assert!(super::backs_off(&[100.0, 200.0, 400.0], 1.5));
        assert!(!super::backs_off(&[1000.0, 1000.0, 1000.0], 1.5));
        assert!(!super::backs_off(&[2.0; 8], 1.5));
        // Growing overall but shrinking on the way is no backoff.
        assert!(!super::backs_off(&[100.0, 800.0, 300.0, 900.0], 1.5));
        assert!(!super::backs_off(&[300.0], 1.5));
    }

    #[test]
    fn a_failing_endpoint_that_never_recovers_stays_an_error_when_retries_back_off() {
        let mut t = Kit::new();
        retried(&mut t, &[503; 6], &[100.0, 200.0, 400.0, 800.0, 1600.0]);
        assert_eq!(t.only("error-burst").severity, crate::Severity::Error);
    }

    #[test]
    fn near_miss_a_few_retries_with_backoff_then_success_are_quiet() {
        let mut t = Kit::new();
        retried(&mut t, &[503, 503, 503, 200], &[200.0, 400.0, 800.0]);
        t.assert_none("error-burst");
        t.assert_none("duplicate-request");
    }

    #[test]
    fn the_error_level_is_a_threshold() {
        let mut cfg = crate::Config::default();
        cfg.error_burst.error_rate = 0.9;
        let run = |cfg: crate::Config| {
            let mut t = Kit::with(cfg);
            // 4 answered, then 5 failures: 56% failed.
            for i in 0..9u64 {
                t.net("http://h/_error", i as f64 * 100.0, 20.0, |n| {
                    n.status = if i < 4 { 200 } else { 500 }
                });
            }
            t.only("error-burst").severity
        };
        assert_eq!(run(crate::Config::default()), crate::Severity::Error);
        assert_eq!(run(cfg), crate::Severity::Warning);
    }

    #[test]
    fn five_failures_in_ten_seconds_are_a_burst() {
        let mut t = Kit::new();
        for i in 0..5u64 {
            t.net("http://h/_error", i as f64 * 100.0, 20.0, |n| {
                n.method = "POST".into();
                n.status = 500;
            });
        }
        let f = t.only("error-burst");
        assert_eq!(f.count, 5);
        assert_eq!(f.severity, crate::Severity::Error);
        assert!(
            f.title.contains("POST /_error failed 5 of 5 times (100%): 500 ×5"),
            "{}",
            f.title
        );
    }

    #[test]
    fn a_chronic_failure_rate_is_flagged() {
        let mut t = Kit::new();
        for i in 0..20u64 {
            t.net(&format!("http://h/api/item/{i}"), i as f64 * 3000.0, 20.0, |n| {
                if i % 4 == 0 {
                    n.status = 404;
                }
            });
        }
        assert_eq!(t.only("error-burst").count, 5);
    }

    #[test]
    fn near_miss_scattered_failures_and_aborts_are_quiet() {
        let mut t = Kit::new();
        for i in 0..4u64 {
            t.net("http://h/api/x", i as f64 * 5000.0, 20.0, |n| n.status = 503);
        }
        for i in 0..10u64 {
            t.start(100 + i, "GET", "http://h/search", 100.0 * i as f64);
            t.abort(100 + i, 100.0 * i as f64 + 5.0);
        }
        t.assert_none("error-burst");
    }
}
