//! # slow-request
//!
//! ## What it detects
//! A request whose time to first byte is over 600 ms, or whose total time is over
//! 1 s. Grouped per endpoint (ids in the path replaced by placeholders). Severity
//! grows with time: from 10 s (or 5 s to the first byte) it is an error.
//! What the browser answers itself (`data:`, `blob:`, extension files) is left out.
//! Streams (`text/event-stream`, WebSockets) are not requests that should end, so
//! they are left out, and so are beacons and `keepalive` sends (analytics, logs):
//! nothing on the page waits for their answer. A streamed answer (NDJSON or JSON
//! Lines, as a language model's tokens come from Ollama) is shown as it arrives:
//! only its time to the first byte counts, however long the rest streams. So is
//! plain text that trickled in (an AI SDK's text stream in a recording): a body
//! that took 1 s or more at under 16 KB/s. A long poll is held at the server until
//! there is news: the same request (cache-busters aside) started again as it was
//! answered with a success (within 100 ms, before or after: an XHR's next poll
//! starts before its `loadend`) is such a poll, and not slow (socket.io or SockJS
//! held to HTTP polling). Only answers that took 100 ms or more are remembered for this. The
//! first request of the loop is taken back out of its finding when it is all the
//! finding holds. A slow failure retried at once, or requests that differ
//! (`?month=1`, `?month=2`) awaited one by one, are each judged.
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
use crate::model::event::Outcome;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;
use std::collections::VecDeque;

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
    /// The latest answers that took `HELD_MS` or more, newest last: what a long
    /// poll's next request starts from (see `held`). Most answers are quicker and
    /// cost nothing here.
    answers: VecDeque<Answer>,
    /// Requests taken back out of a finding as the first of a long poll: their
    /// later settles (DevTools' timings) are skipped too.
    taken_back: VecDeque<u64>,
    /// The latest API requests' ids, starts and `same_request` hashes, newest
    /// last: an XHR's next poll starts before its `loadend`.
    starts: VecDeque<(u64, f64, u64)>,
}

/// A successful answer that took a while.
struct Answer {
    id: u64,
    end: f64,
    /// `same_request`'s hash.
    same: u64,
    /// It was counted as slow.
    slow: bool,
}

/// Answers this quick are no long poll's: nothing is remembered of them.
const HELD_MS: f64 = 100.0;
/// Answers remembered.
const MAX_ANSWERS: usize = 16;
/// A request starting this close to the answer of the same request is its next poll.
const NEXT_POLL_MS: f64 = 100.0;
/// Taken-back requests remembered.
const MAX_TAKEN_BACK: usize = 16;
/// Request starts remembered.
const MAX_STARTS: usize = 16;

impl SlowRequest {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.slow_request.clone(),
            answers: VecDeque::new(),
            taken_back: VecDeque::new(),
            starts: VecDeque::new(),
        }
    }

    /// The answer of the same request (`same`) that `start` is next to, if any.
    fn answer_before(&self, id: u64, start: f64, same: u64) -> Option<usize> {
        self.answers
            .iter()
            .position(|a| a.id != id && a.same == same && (start - a.end).abs() <= NEXT_POLL_MS)
    }

    /// `req`, answered with a success at `end` after a while, is a long poll's next
    /// poll: it started as the same request was answered (within `NEXT_POLL_MS`,
    /// before or after: an XHR's next poll starts before its `loadend`). It is
    /// remembered (once) for the next one to be judged by.
    fn held(&mut self, req: &Request, end: f64, slow: bool) -> bool {
        if end - req.start < HELD_MS {
            return false;
        }
        let same = same_request(req);
        // Its next poll started as it was being answered (by XHR)...
        let next_started = self
            .starts
            .iter()
            .any(|&(id, start, s)| id != req.id && s == same && (start - end).abs() <= NEXT_POLL_MS);
        // ...or it started as the same request was answered.
        let held = next_started || self.answer_before(req.id, req.start, same).is_some();
        if !self.answers.iter().any(|a| a.id == req.id) {
            if self.answers.len() >= MAX_ANSWERS {
                self.answers.pop_front();
            }
            self.answers.push_back(Answer {
                id: req.id,
                end,
                same,
                slow: slow && !held,
            });
        }
        held
    }

    /// A request started as the same request was answered: that one was the first
    /// of a long poll, held at the server, not slow. It is taken back out of its
    /// finding when it is all the finding holds (more, and the endpoint is slow
    /// anyway).
    fn next_poll_started(&mut self, req: &Request, out: &mut Findings) {
        if self.starts.len() >= MAX_STARTS {
            self.starts.pop_front();
        }
        let same = same_request(req);
        self.starts.push_back((req.id, req.start, same));
        let Some(at) = self.answer_before(req.id, req.start, same) else {
            return;
        };
        let a = &mut self.answers[at];
        if !a.slow {
            return;
        }
        a.slow = false;
        let id = a.id;
        let key = req.endpoint_key();
        let alone = out
            .get_mut(ID, key)
            .is_some_and(|f| f.count == 1 && f.evidence.requests.as_slice() == [id]);
        if alone {
            out.remove(ID, key);
            if self.taken_back.len() >= MAX_TAKEN_BACK {
                self.taken_back.pop_front();
            }
            self.taken_back.push_back(id);
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
        if self.taken_back.contains(&req.id) {
            return;
        }
        let ttfb = req.ttfb();
        let streamed = streamed(req.mime()) || trickled(req);
        // A streamed answer: the wait for its first byte (the page's fetch resolves
        // then; DevTools' total runs to the stream's end).
        let total = if streamed { ttfb } else { req.duration() };
        let Some(total) = total else { return };
        let cfg = &self.cfg;
        let slow = total > cfg.total_ms || ttfb.is_some_and(|w| w > cfg.ttfb_ms);
        // A long poll's answers are successes: a slow failure retried at once is slow.
        let answered = req
            .end
            .filter(|_| req.is_api() && (200..300).contains(&req.status) && req.outcome == Some(Outcome::Ok));
        if answered.is_some_and(|end| self.held(req, end, slow)) {
            return;
        }
        if slow {
            self.report(req, total, ttfb, streamed, out);
        }
    }

    /// The finding for a slow request (most requests are not: kept out of `check`,
    /// which runs for every request, so its code stays small).
    #[cold]
    #[inline(never)]
    fn report(&mut self, req: &Request, total: f64, ttfb: Option<f64>, streamed: bool, out: &mut Findings) {
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
            let what = if streamed {
                " to its first byte (a streamed answer)"
            } else {
                ""
            };
            f.title = format!("{label} took {:.1} s{what}{times}", slowest / 1000.0);
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

/// Answers read as they stream (a line of JSON at a time), whose end is no wait.
fn streamed(mime: &str) -> bool {
    matches!(
        mime,
        "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/stream+json"
    )
}

/// Plain text that came in a trickle after its first byte: an AI SDK's text or data
/// stream (`text/plain`, a token at a time) in a recording, where the total runs
/// to the stream's end. Told by its pace: the body took a second or more and came
/// at under 16 KB/s. A plain-text download held up by a slow network comes faster
/// than that, and JSON is waited for whole, so it is never judged this way.
fn trickled(req: &Request) -> bool {
    /// Slower than this while the body arrives is a writer's pace, not a network's.
    const TRICKLE_BYTES_PER_S: f64 = 16_384.0;
    let Some(receive) = req.timings.as_ref().and_then(|t| t.receive) else {
        return false;
    };
    let Some(bytes) = req.transfer_size.or(req.content_size).filter(|b| *b > 0) else {
        return false;
    };
    receive >= 1_000.0 && req.mime() == "text/plain" && (bytes as f64) < TRICKLE_BYTES_PER_S * receive / 1_000.0
}

/// The method and URL, cache-busters aside (`?t=`, `?_=`), hashed: a long poll asks
/// the same again (socket.io's `?EIO=4&transport=polling&t=…&sid=…`). Requests that
/// differ (`?month=1`, then `?month=2`, awaited one by one) are each judged.
fn same_request(req: &Request) -> u64 {
    req.signature_hash()
}

impl Detector for SlowRequest {
    fn on_start(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        if req.is_api() {
            self.next_poll_started(req, out);
        }
    }

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
    fn a_streamed_answer_counts_its_wait_for_the_first_byte_only() {
        // A local model's answer streamed as NDJSON (Ollama): 300 ms to the first
        // token, then 4 s of tokens the page shows as they come.
        let stream = |wait: f64| {
            move |n: &mut crate::model::event::NetworkEntry| {
                n.method = "POST".into();
                n.mime_type = Some("application/x-ndjson".into());
                n.wait = Some(wait);
                n.timings = Some(Timings {
                    wait: Some(wait),
                    receive: Some(3900.0),
                    ..Timings::default()
                });
            }
        };
        let mut t = Kit::new();
        t.net("http://h/api/chat", 0.0, 4200.0, stream(300.0));
        t.assert_none("slow-request");
        // The model loaded first: 2.5 s before the first token.
        t.net("http://h/api/chat", 9000.0, 6400.0, stream(2500.0));
        let f = t.only("slow-request");
        assert_eq!(
            f.title,
            "POST /api/chat took 2.5 s to its first byte (a streamed answer)"
        );
        assert_eq!(f.severity, crate::Severity::Warning);
    }

    #[test]
    fn a_plain_text_stream_in_a_recording_counts_its_first_byte_only() {
        // An AI SDK chat answer (`text/plain`, a token at a time) in a HAR: 400 ms
        // to the first token, then 8 s of text, 6 KB in all.
        let text = |wait: f64, receive: f64, bytes: u64| {
            move |n: &mut crate::model::event::NetworkEntry| {
                n.method = "POST".into();
                n.mime_type = Some("text/plain; charset=utf-8".into());
                n.wait = Some(wait);
                n.transfer_size = Some(bytes);
                n.timings = Some(Timings {
                    wait: Some(wait),
                    receive: Some(receive),
                    ..Timings::default()
                });
            }
        };
        let mut t = Kit::new();
        t.net("http://h/api/chat", 0.0, 8_400.0, text(400.0, 8_000.0, 6_000));
        t.assert_none("slow-request");
        // A 2 MB text file downloaded over a slow link for 8 s is slow all the same.
        let mut t = Kit::new();
        t.net("http://h/export.txt", 0.0, 8_400.0, text(400.0, 8_000.0, 2_000_000));
        assert_eq!(t.only("slow-request").title, "POST /export.txt took 8.4 s");
        // JSON trickled as slowly is waited for whole.
        let mut t = Kit::new();
        t.net("http://h/api/rows", 0.0, 8_400.0, |n| {
            text(400.0, 8_000.0, 6_000)(n);
            n.mime_type = Some("application/json".into());
        });
        assert_eq!(t.only("slow-request").title, "POST /api/rows took 8.4 s");
    }

    #[test]
    fn near_miss_a_long_poll_held_at_the_server_is_not_slow() {
        let url = "http://h/socket.io/?EIO=4&transport=polling&sid=Xh3kP9aZ";
        // By fetch: the next poll starts as the answer comes.
        let mut t = Kit::new();
        for i in 0..5u64 {
            let at = i as f64 * 25_003.0;
            t.start(i, "GET", &format!("{url}&t={}", 900 + i), at);
            t.end(i, at + 25_000.0);
        }
        t.assert_none("slow-request");
        // By XHR: the next poll starts in `readystatechange`, before `loadend`.
        let mut t = Kit::new();
        t.xhr_chain(5, 25_000.0, |i| format!("{url}&t={}", 900 + i));
        t.assert_none("slow-request");
    }

    #[test]
    fn slow_requests_awaited_one_by_one_or_retried_after_failing_are_still_slow() {
        // A report per month, each awaited: they differ, each is judged.
        let mut t = Kit::new();
        for m in 0..3u64 {
            let at = m as f64 * 2003.0;
            t.request(
                m,
                "GET",
                &format!("http://h/api/report?month={}", m + 1),
                at,
                at + 2000.0,
            );
        }
        assert_eq!(t.only("slow-request").count, 3);
        // The same, by XHR: each month asked in the previous one's `onload`, which
        // runs before its `loadend`. The next request has the same shape, not the same URL.
        let mut t = Kit::new();
        t.xhr_chain(3, 2000.0, |m| format!("http://h/api/report?month={}", m + 1));
        t.end(2, 6000.0);
        assert_eq!(t.only("slow-request").count, 3);
        // A 12 s gateway timeout, retried at once: no answer a long poll gives.
        let mut t = Kit::new();
        t.start(1, "GET", "http://h/api/export", 0.0);
        t.finish(1, 12_000.0, crate::model::event::Outcome::Error);
        t.request(2, "GET", "http://h/api/export", 12_002.0, 12_300.0);
        let f = t.only("slow-request");
        assert_eq!(f.count, 1);
        assert_eq!(f.severity, crate::Severity::Error);
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
