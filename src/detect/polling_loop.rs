//! # polling-loop
//!
//! ## What it detects
//! Requests of one *shape* (method, path with ids blanked, query parameter names,
//! GraphQL operation) issued on a steady timer. Identical requests (cache-busters
//! aside) need 4 ticks whose intervals vary by under 0.15 (coefficient of
//! variation); requests that differ every time, as a poll sending `?since=<last
//! id>`, `?cursor=…`, `?ts=<now>`, a nonce, a changing POST body or new GraphQL
//! variables does, need 6 ticks under 0.1, because only the rhythm tells them from
//! a user clicking or typing. The period is between 250 ms and 60 s; how fast the
//! server answers does not matter (a poll answered in 1 ms is still a poll).
//! Requests whose URLs read like typing (each the one before with characters added
//! or removed at one place: `?q=re`, `?q=rea`, a search box without a debounce) are
//! input, however even the pace (a test driver types with a fixed delay).
//!
//! Uploads on a timer are not polls: writes with a body whose every answer carries
//! nothing back (202 or 204, an empty body), or only an acknowledgement (at most
//! 128 bytes for a body at least four times as long) while each sends something
//! new, as analytics SDKs, session replay and error reporters flush their queues
//! every few seconds. A poll by POST (`{"since":…}`) gets as much back as it sends;
//! the same body sent again and acknowledged is a status poll; both stay polls.
//!
//! Long polls are not timers either: when each request was held at the server for
//! most of the period and the next started as it was answered (within
//! `same_tick_ms`), the server's answers set the pace (socket.io or SockJS held to
//! HTTP polling, `?since=` held until news). A timer's poll of a slow server, whose
//! next request does not wait for the answer, stays a poll.
//!
//! Requests of one shape starting within 100 ms of each other are one tick (React
//! StrictMode's doubled first request, two widgets on one timer), and a request
//! right after a failed tick is its retry, not a tick. Several identical pollers of
//! one shape (two jobs' status) are told apart by their exact requests. The count
//! keeps rising while the loop runs and stops when it stops.
//!
//! ## Why it matters
//! A timer that keeps asking "anything new?" costs a request per tick whether or not
//! anything changed, and loops that are never stopped keep running after the user
//! left the screen, or while the tab is in the background.
//!
//! ## Example
//! `GET /api/jobs/42/status` every 2.0 s, 30 requests, responses identical in size,
//! still running after the route changed from `/generate` to `/gallery`; or
//! `GET /api/feed?cursor=…` every 1.0 s with a new cursor each time.
//!
//! ## Thresholds
//! - `min_requests` (4), `max_cv` (0.15): ticks and steadiness for identical requests.
//! - `varying_min_requests` (6), `varying_max_cv` (0.1): the same for requests that differ each tick.
//! - `min_period_ms` (250), `max_period_ms` (60000): periods considered polling.
//! - `info_period_ms` (30000): slower loops are informational.
//! - `same_tick_ms` (100): requests this close together are one tick.
//! - `max_tick_deviation` (0.5): a tick this far off the period (as a share of it)
//!   ends the loop; a request sooner than (1 − this) × period after a failed tick is a retry.
//!
//! Severity is raised to error when the loop keeps going after a route change it
//! started before, or while the page is hidden.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::event::Outcome;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;
use crate::model::urls;
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};

thresholds!(PollingLoopConfig {
    /// Ticks of identical requests (cache-busters aside) before it is called a loop.
    min_requests: usize = 4,
    /// Steadiness: coefficient of variation of the intervals must stay under this.
    max_cv: f64 = 0.15,
    /// Ticks needed when the requests differ each time (a cursor, a timestamp, new
    /// GraphQL variables): only their steady rhythm tells a poll from a user.
    varying_min_requests: usize = 6,
    /// ...and their steadiness, stricter for the same reason.
    varying_max_cv: f64 = 0.1,
    /// Longest period considered polling.
    max_period_ms: f64 = 60_000.0,
    /// Shortest period considered polling; faster steady series are bursts.
    min_period_ms: f64 = 250.0,
    /// Loops at or above this period are only informational.
    info_period_ms: f64 = 30_000.0,
    /// Requests of one shape starting this close together are one tick (React
    /// StrictMode's doubled first request, two widgets on one timer).
    same_tick_ms: f64 = 100.0,
    /// A tick further than this share of the period off the rhythm ends the loop;
    /// a request sooner than (1 − this) × period after a failed tick is its retry.
    max_tick_deviation: f64 = 0.5,
});

pub const ID: &str = "polling-loop";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Polling loops",
    doc: include_str!(concat!(env!("OUT_DIR"), "/polling_loop.doc")),
    build: |c| Box::new(PollingLoop::new(c)),
};

/// Shapes tracked at once (memory bound, not a threshold).
const MAX_GROUPS: usize = 4096;
/// Distinct exact requests tracked per shape (memory bound).
const MAX_SUBS: usize = 8;
/// Requests merged into one tick that are kept as evidence (memory bound).
const MAX_MERGED: usize = 4;

/// Up to `MAX_MERGED` request ids, in place: a tick is made per request, and a
/// vector of one id was an allocation each.
#[derive(Clone, Copy, Debug, Default)]
struct Ids {
    len: usize,
    ids: [u64; MAX_MERGED],
}

impl Ids {
    fn one(id: u64) -> Ids {
        let mut ids = Ids::default();
        ids.push(id);
        ids
    }

    /// Adds `id` unless `MAX_MERGED` are kept already.
    fn push(&mut self, id: u64) {
        if self.len < MAX_MERGED {
            self.ids[self.len] = id;
            self.len += 1;
        }
    }
}

impl std::ops::Deref for Ids {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        &self.ids[..self.len]
    }
}

#[derive(Clone, Debug)]
struct Tick {
    t: f64,
    /// The requests of the tick: the first, then its same-tick copies and retries.
    ids: Ids,
    /// Hash of the exact request (method, URL with cache-busters blanked, body).
    exact: u64,
    /// The tick's latest request failed (an error, an abort, a 5xx or 429).
    failed: bool,
    /// When the tick's latest request was answered, once it was.
    end: Option<f64>,
    /// Its URL, kept by the shape's own series (evidence for polls whose URLs differ).
    url: Option<String>,
}

/// A run of ticks, and the loop it forms once steady.
#[derive(Default)]
struct Series {
    ticks: VecDeque<Tick>,
    /// The steady period once it is a loop.
    period: Option<f64>,
    /// The finding it reports to while it is a loop.
    key: Option<String>,
    /// Route epoch when the current loop was recognized.
    route_epoch: u32,
    last_response: Option<(u16, u64)>,
    last_response_id: u64,
    response_changed: Option<bool>,
}

enum Push {
    /// Joined the latest tick (a same-tick copy or a retry).
    Merged,
    /// A new tick.
    Tick,
    /// Off the rhythm and too early to be the next tick (a user's own request of
    /// the same shape while the loop runs): neither a tick nor a break.
    Extra,
}

/// `b` is `a` with characters inserted at one place, or the other way round.
fn one_edit_run(a: &str, b: &str) -> bool {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if long.len() == short.len() {
        return false;
    }
    let (long, short) = (long.as_bytes(), short.as_bytes());
    let prefix = long.iter().zip(short).take_while(|(x, y)| x == y).count();
    long[prefix..].ends_with(&short[prefix..])
}

impl Tick {
    /// A tick of one request; `spare`, a tick that was let go, lends its buffers
    /// (unless its URL's is far larger than this one needs).
    fn new(t: f64, id: u64, exact: u64, url: Option<&str>, spare: Option<Tick>) -> Tick {
        let Some(mut k) = spare else {
            return Tick {
                t,
                ids: Ids::one(id),
                exact,
                failed: false,
                end: None,
                url: url.map(str::to_string),
            };
        };
        k.t = t;
        k.ids = Ids::one(id);
        k.exact = exact;
        k.failed = false;
        k.end = None;
        match (url, &mut k.url) {
            (Some(u), Some(buf)) if buf.capacity() <= 2 * u.len() + 64 => u.clone_into(buf),
            (u, slot) => *slot = u.map(str::to_string),
        }
        k
    }
}

impl Series {
    fn push(&mut self, t: f64, id: u64, exact: u64, url: Option<&str>, cfg: &PollingLoopConfig, keep: usize) -> Push {
        let Some(last) = self.ticks.back_mut() else {
            self.ticks.push_back(Tick::new(t, id, exact, url, None));
            return Push::Tick;
        };
        if t < last.t - cfg.same_tick_ms {
            // DevTools' log can deliver slightly out of order: keep the ticks sorted.
            let pos = self.ticks.iter().rposition(|k| k.t <= t).map_or(0, |p| p + 1);
            self.ticks.insert(pos, Tick::new(t, id, exact, url, None));
            self.trim(keep);
            return Push::Tick;
        }
        let gap = t - last.t;
        let merge = gap <= cfg.same_tick_ms || {
            let expected = self.period.or_else(|| {
                let n = self.ticks.len();
                (n >= 2).then(|| self.ticks[n - 1].t - self.ticks[n - 2].t)
            });
            let last = self.ticks.back().expect("not empty");
            last.failed && expected.is_some_and(|e| gap < e * (1.0 - cfg.max_tick_deviation))
        };
        if merge {
            let last = self.ticks.back_mut().expect("not empty");
            last.ids.push(id);
            last.failed = false;
            last.end = None;
            return Push::Merged;
        }
        if let Some(p) = self.period {
            if gap < p * (1.0 - cfg.max_tick_deviation) {
                return Push::Extra;
            }
            if gap - p > p * cfg.max_tick_deviation {
                // The rhythm broke: the loop stopped (or changed); start over.
                self.period = None;
                self.key = None;
                self.ticks.clear();
            }
        }
        // The ticks past `keep` go first (as a trim after the push would), the last
        // of them lending its buffers to the new tick: no allocation per tick.
        let mut spare = None;
        while !self.ticks.is_empty() && self.ticks.len() >= keep {
            spare = self.ticks.pop_front();
        }
        self.ticks.push_back(Tick::new(t, id, exact, url, spare));
        Push::Tick
    }

    fn trim(&mut self, keep: usize) {
        while self.ticks.len() > keep {
            self.ticks.pop_front();
        }
    }

    /// Mean gap and whether the last `n` ticks are steady enough to be a loop.
    fn steady(&self, n: usize, max_cv: f64, cfg: &PollingLoopConfig) -> Option<f64> {
        if n < 2 || self.ticks.len() < n {
            return None;
        }
        let from = self.ticks.len() - n;
        let (mean, cv) = steadiness(self.ticks.iter().skip(from).map(|k| k.t));
        (cv < max_cv && mean >= cfg.min_period_ms && mean <= cfg.max_period_ms).then_some(mean)
    }

    /// The mean gap of the last `n` ticks (the running period).
    fn mean_gap(&self, n: usize) -> f64 {
        let k = self.ticks.len().min(n.max(2));
        if k < 2 {
            return self.period.unwrap_or_default();
        }
        let from = self.ticks.len() - k;
        (self.ticks[self.ticks.len() - 1].t - self.ticks[from].t) / (k - 1) as f64
    }

    fn ids_of_last(&self, n: usize) -> impl Iterator<Item = u64> + '_ {
        self.ticks
            .iter()
            .skip(self.ticks.len().saturating_sub(n))
            .flat_map(|k| k.ids.iter().copied())
    }

    /// The exact requests of the last `n` ticks change, and never come back to
    /// an earlier value: a cursor moving on, a timestamp, a nonce. Interleaved
    /// pollers of one shape (job 17, job 18, job 17...) come back.
    fn varying(&self, n: usize) -> bool {
        let from = self.ticks.len().saturating_sub(n);
        // Runs of one exact request, each a value not seen in an earlier run; the
        // window is read again instead of collected (asked on every tick).
        let mut runs = 0;
        let mut prev = None;
        for (i, k) in self.ticks.iter().enumerate().skip(from) {
            if prev == Some(k.exact) {
                continue;
            }
            if self.ticks.range(from..i).any(|e| e.exact == k.exact) {
                return false;
            }
            prev = Some(k.exact);
            runs += 1;
        }
        runs >= 2
    }

    /// The last `n` ticks read like typing: each URL is the one before with
    /// characters added or removed at one place (`?q=re`, `?q=rea`, `?q=reac`), as a
    /// search-as-you-type box sends them, however evenly the keys are pressed (a test
    /// driver types with a fixed delay). A poll's cursor, timestamp or nonce changes
    /// in place instead.
    fn typed(&self, n: usize) -> bool {
        let from = self.ticks.len().saturating_sub(n);
        let urls = self.ticks.iter().skip(from).filter_map(|k| k.url.as_deref());
        let mut pairs = urls.clone().zip(urls.skip(1)).peekable();
        pairs.peek().is_some() && pairs.all(|(a, b)| one_edit_run(a, b))
    }

    /// The last `n` ticks are a long poll: each request was held at the server
    /// for most of the period and the next one started as it was answered (within
    /// `same_tick_ms`, before or after its end), so the server's answers set the pace,
    /// not a timer. The newest answer may not be in yet: an XHR's next request
    /// starts in its `readystatechange`, before its `loadend`.
    fn held(&self, n: usize, cfg: &PollingLoopConfig) -> bool {
        let from = self.ticks.len().saturating_sub(n);
        let window = self.ticks.range(from..);
        let pairs = window.clone().zip(window.skip(1));
        let last = self.ticks.len().saturating_sub(from + 2);
        let mut held = 0;
        for (i, (a, b)) in pairs.enumerate() {
            match a.end {
                Some(e) if (b.t - e).abs() <= cfg.same_tick_ms && e - a.t >= 0.5 * (b.t - a.t) => held += 1,
                None if i == last => {}
                _ => return false,
            }
        }
        held > 0
    }

    fn observe(&mut self, req: &Request, fp: (u16, u64)) -> bool {
        if self.last_response_id >= req.id || !self.ticks.iter().any(|k| k.ids.contains(&req.id)) {
            return false;
        }
        self.last_response_id = req.id;
        if let Some(prev) = self.last_response {
            self.response_changed = Some(self.response_changed.unwrap_or(false) || prev != fp);
        }
        self.last_response = Some(fp);
        self.response_changed.is_some()
    }
}

/// Everything seen of one shape: the ticks of the shape as a whole (for polls whose
/// requests differ each time) and of each exact request (for identical polls,
/// several of which may share a shape).
#[derive(Default)]
struct Group {
    whole: Series,
    subs: Vec<(u64, Series)>,
    last_t: f64,
    /// The most any answer of the shape carried back so far (see `Back`); None
    /// until one is known.
    back: Option<Back>,
}

pub struct PollingLoop {
    cfg: PollingLoopConfig,
    /// By shape (method, URL shape, GraphQL operation), hashed.
    groups: crate::model::bounded::IdMap<Group>,
    pub evicted: usize,
}

impl PollingLoop {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.polling_loop.clone(),
            groups: Default::default(),
            evicted: 0,
        }
    }
}

/// Largest answer, in bytes, that is only an acknowledgement of an upload
/// (`{"status":1,"error":null}`, `{"id":"<32 hex>"}`, Amplitude's counts).
const UPLOAD_ACK_BYTES: u64 = 128;

/// What the answer to a write with a body carried back, least first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Back {
    /// 202 or 204, or an empty body: a heartbeat, a presence ping, a report; or an
    /// acknowledgement of a body too long to hash.
    Nothing,
    /// At most `UPLOAD_ACK_BYTES` for a body at least four times as long and 64
    /// units or more: an upload's acknowledgement.
    Ack,
    /// Anything else, and every request that is not a write with a body.
    Data,
}

/// What an answered request got back; None while the answer's size is unknown.
/// Analytics SDKs, session replay and error reporters send their queues on a
/// timer, answered with nothing or an acknowledgement; a poll asks for news,
/// and by POST (`{"since":…}`) gets about as much back as it sends, or more.
fn back(req: &Request) -> Option<Back> {
    if !req.is_write() || req.method == "DELETE" || !(200..300).contains(&req.status) {
        return Some(Back::Data);
    }
    // The body's length in UTF-16 units from its signature (`hash:len`); a body too
    // long for the hook to hash has none, and is long.
    let sent = match req.body.as_deref() {
        Some("") => return Some(Back::Data),
        Some(sig) => sig
            .rsplit_once(':')
            .and_then(|(_, n)| n.parse::<u64>().ok())
            .unwrap_or(0),
        None => u64::MAX,
    };
    if matches!(req.status, 202 | 204) {
        return Some(Back::Nothing);
    }
    Some(match req.content_size.or(req.content_length)? {
        0 => Back::Nothing,
        // A body too long to hash, or a stream (a replay chunk, a file), asks no
        // question however alike the requests look: an acknowledgement is all.
        n if n <= UPLOAD_ACK_BYTES && sent == u64::MAX => Back::Nothing,
        n if n <= UPLOAD_ACK_BYTES && sent >= 64 && sent / 4 >= n => Back::Ack,
        _ => Back::Data,
    })
}

/// A loop of these requests sends rather than asks: every answer carried nothing
/// back, or, when each request sends something new, only an acknowledgement. The
/// same body sent on a timer and acknowledged (`{"ids":[…]}` → `{"done":false}`)
/// is a status poll.
fn sends_only(back: Option<Back>, varying: bool) -> bool {
    match back {
        Some(Back::Nothing) => true,
        Some(Back::Ack) => varying,
        _ => false,
    }
}

/// Method, shape and GraphQL operation: what stays the same from tick to tick.
fn shape_key(req: &Request) -> String {
    let mut key = format!("{} {}", req.method, urls::shape(&req.url));
    if let Some(op) = &req.op {
        key.push_str(" op=");
        key.push_str(op);
    }
    key
}

/// Method, URL with cache-busters blanked, and body: the exact request, and the
/// finding key of a loop of identical requests.
fn signature(req: &Request) -> String {
    format!(
        "{} {} {}",
        req.method,
        urls::signature(&req.url),
        req.body.as_deref().unwrap_or("?")
    )
}

/// The group a request belongs to: [`shape_key`], hashed without building it
/// (see `Request::shape_hash`, which the CLI's reader computes ahead).
fn shape_hash(req: &Request) -> u64 {
    req.shape_hash()
}

/// The exact request: [`signature`], hashed without building it.
fn exact_hash(req: &Request) -> u64 {
    let mut h = urls::QuickHasher::default();
    h.write_u64(req.signature_hash());
    req.body.hash(&mut h);
    h.finish()
}

fn failed(req: &Request) -> bool {
    matches!(req.outcome, Some(Outcome::Error | Outcome::Abort)) || req.status >= 500 || req.status == 429
}

/// Mean and coefficient of variation of the gaps between consecutive times (read
/// twice from the ticks, not collected: a series is judged on every tick).
fn steadiness(times: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let gaps = times.clone().zip(times.skip(1)).map(|(a, b)| b - a);
    let n = gaps.clone().count() as f64;
    let mean = gaps.clone().sum::<f64>() / n;
    let var = gaps.map(|g| (g - mean).powi(2)).sum::<f64>() / n;
    (mean, if mean > 0.0 { var.sqrt() / mean } else { f64::INFINITY })
}

/// What one request did to the loops of its shape, for the report.
struct Tally {
    key: String,
    period: f64,
    /// Requests to add as evidence, by tick (a merged request comes as a tick of
    /// its own with `merged` set).
    ticks: Vec<Vec<u64>>,
    /// URLs of those ticks, when they differ from the current request's.
    urls: Vec<String>,
    merged: bool,
    first_t: f64,
    route_epoch: u32,
    varying: bool,
    changed: Option<bool>,
    /// The series is a long poll (see `Series::held`).
    held: bool,
}

impl Detector for PollingLoop {
    fn on_start(&mut self, req: &Request, page: &PageState, out: &mut Findings) {
        if !req.is_api() || req.excluded_from_repeats() {
            return;
        }
        let cfg = &self.cfg;
        let exact = exact_hash(req);
        let keep = cfg.min_requests.max(cfg.varying_min_requests) + 1;
        let g = self.groups.entry(shape_hash(req)).or_default();
        g.last_t = g.last_t.max(req.start);

        // The shape as a whole: polls whose requests differ every tick.
        let whole_push = g.whole.push(req.start, req.id, exact, Some(&req.url), cfg, keep);
        // The exact request: identical polls, told apart when several share a shape.
        let si = match g.subs.iter().position(|(h, _)| *h == exact) {
            Some(i) => i,
            None => {
                if g.subs.len() >= MAX_SUBS {
                    // Forget the exact request seen longest ago (memory bound).
                    let oldest = (0..g.subs.len())
                        .min_by(|a, b| {
                            let ta = g.subs[*a].1.ticks.back().map_or(0.0, |k| k.t);
                            let tb = g.subs[*b].1.ticks.back().map_or(0.0, |k| k.t);
                            ta.total_cmp(&tb)
                        })
                        .unwrap_or(0);
                    // Its ticks' buffer is the new one's (no allocation per new exact request).
                    let (_, mut old) = g.subs.remove(oldest);
                    old.ticks.clear();
                    g.subs.push((
                        exact,
                        Series {
                            ticks: old.ticks,
                            ..Series::default()
                        },
                    ));
                } else {
                    g.subs.push((exact, Series::default()));
                }
                g.subs.len() - 1
            }
        };
        let sub_push = g.subs[si].1.push(req.start, req.id, exact, None, cfg, keep);

        let mut tally: Option<Tally> = None;
        // 1. A loop of the shape as a whole.
        let vn = cfg.varying_min_requests;
        // The keys are copied only where a report takes them (a loop ticks on every request).
        match (&whole_push, g.whole.key.is_some()) {
            (Push::Merged, true) => {
                tally = g.whole.key.clone().map(|key| Tally::merged(key, &g.whole, req, true));
            }
            (Push::Tick, true) => {
                g.whole.period = Some(g.whole.mean_gap(vn));
                let held = g.whole.held(vn, cfg);
                tally = g
                    .whole
                    .key
                    .clone()
                    .map(|key| Tally::tick(key, &g.whole, req, true, held));
            }
            (Push::Tick, false) if g.whole.varying(vn) && !g.whole.typed(vn) => {
                if let Some(period) = g.whole.steady(vn, cfg.varying_max_cv, cfg) {
                    // Keep reporting to a loop of identical requests this one grew out
                    // of (`?since=0` four times, then `?since=5`).
                    let window: Vec<u64> = g.whole.ids_of_last(vn).collect();
                    let groups: Vec<Vec<u64>> = g
                        .whole
                        .ticks
                        .iter()
                        .skip(g.whole.ticks.len() - vn)
                        .map(|k| k.ids.to_vec())
                        .collect();
                    let urls: Vec<String> = g
                        .whole
                        .ticks
                        .iter()
                        .skip(g.whole.ticks.len() - vn)
                        .filter_map(|k| k.url.clone())
                        .collect();
                    let adopted = g
                        .subs
                        .iter()
                        .filter_map(|(_, s)| {
                            s.key
                                .as_ref()
                                .filter(|_| s.ticks.iter().any(|k| k.ids.iter().any(|id| window.contains(id))))
                        })
                        .next()
                        .cloned();
                    let key = adopted.unwrap_or_else(|| shape_key(req));
                    g.whole.period = Some(period);
                    g.whole.key = Some(key.clone());
                    g.whole.route_epoch = req.route_epoch;
                    let ticks = g.whole.ticks.iter().skip(g.whole.ticks.len() - vn);
                    tally = Some(Tally {
                        key,
                        period,
                        ticks: groups,
                        urls,
                        merged: false,
                        first_t: ticks.clone().next().map_or(req.start, |k| k.t),
                        route_epoch: req.route_epoch,
                        varying: true,
                        changed: g.whole.response_changed,
                        held: g.whole.held(vn, cfg),
                    });
                }
            }
            _ => {}
        }

        // 2. A loop of identical requests (its state is kept up to date either way).
        let n = cfg.min_requests;
        let whole_key = &g.whole.key;
        let sub = &mut g.subs[si].1;
        match (&sub_push, sub.key.is_some()) {
            (Push::Merged, true) if tally.is_none() => {
                tally = sub.key.clone().map(|key| Tally::merged(key, sub, req, false))
            }
            (Push::Tick, true) => {
                sub.period = Some(sub.mean_gap(n));
                if tally.is_none() {
                    let held = sub.held(n, cfg);
                    tally = sub.key.clone().map(|key| Tally::tick(key, sub, req, false, held));
                }
            }
            (Push::Tick, false) => {
                if let Some(period) = sub.steady(n, cfg.max_cv, cfg) {
                    sub.period = Some(period);
                    sub.route_epoch = req.route_epoch;
                    // Already reported as the shape's loop: stay one finding.
                    let key = whole_key.clone().unwrap_or_else(|| signature(req));
                    sub.key = Some(key.clone());
                    if tally.is_none() {
                        let from = sub.ticks.len() - n;
                        tally = Some(Tally {
                            key,
                            period,
                            ticks: sub.ticks.iter().skip(from).map(|k| k.ids.to_vec()).collect(),
                            urls: Vec::new(),
                            merged: false,
                            first_t: sub.ticks[from].t,
                            route_epoch: req.route_epoch,
                            varying: false,
                            changed: sub.response_changed,
                            held: sub.held(n, cfg),
                        });
                    }
                }
            }
            _ => {}
        }
        // Uploads on a timer (analytics, replay, error reports) are not polls.
        // Nor are long polls, which the server's answers pace.
        // (Tested in place: `Option::filter` moved the tally, about 100 bytes, per request.)
        if let Some(t) = tally {
            if !sends_only(g.back, t.varying) && !t.held {
                report(cfg, t, req, page, out);
            }
        }
        let now = req.start;
        if self.groups.len() > MAX_GROUPS {
            // Forget the shapes seen longest ago, down to half the cap (amortized).
            let mut times: Vec<f64> = self.groups.values().map(|g| g.last_t).collect();
            crate::model::sort::sort_by(&mut times, |a, b| a.total_cmp(b));
            let cutoff = times[self.groups.len() - MAX_GROUPS / 2];
            let before = self.groups.len();
            self.groups.retain(|_, g| g.last_t >= cutoff || g.last_t >= now);
            self.evicted += before - self.groups.len();
        }
    }

    fn on_end(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        if !req.is_api() || req.excluded_from_repeats() {
            return;
        }
        let group = shape_hash(req);
        let Some(g) = self.groups.get_mut(&group) else {
            return;
        };
        if let Some(b) = back(req) {
            g.back = g.back.max(Some(b));
        }
        // A failed tick: the next request soon after it is a retry.
        let bad = failed(req);
        for s in std::iter::once(&mut g.whole).chain(g.subs.iter_mut().map(|(_, s)| s)) {
            if let Some(k) = s.ticks.iter_mut().rev().find(|k| k.ids.last() == Some(&req.id)) {
                k.failed = bad;
                k.end = req.end;
            }
        }
        self.observe_response(req, group, out);
    }

    fn on_enrich(&mut self, req: &Request, out: &mut Findings) {
        // DevTools often knows the size when the page did not (a chunked response).
        if !req.is_api() || req.excluded_from_repeats() {
            return;
        }
        if let (Some(b), Some(g)) = (back(req), self.groups.get_mut(&shape_hash(req))) {
            g.back = g.back.max(Some(b));
        }
        self.observe_response(req, shape_hash(req), out);
    }
}

impl Tally {
    /// `varying`: the series is the shape's as a whole (its requests differ each
    /// tick), so an upload's batch split in two stays an upload.
    fn merged(key: String, s: &Series, req: &Request, varying: bool) -> Tally {
        Tally {
            key,
            period: s.period.unwrap_or_default(),
            ticks: vec![vec![req.id]],
            urls: Vec::new(),
            merged: true,
            first_t: req.start,
            route_epoch: s.route_epoch,
            varying,
            changed: s.response_changed,
            // Joins a loop already reported (or nothing): see `report`.
            held: false,
        }
    }

    fn tick(key: String, s: &Series, req: &Request, varying: bool, held: bool) -> Tally {
        Tally {
            key,
            period: s.period.unwrap_or_default(),
            ticks: vec![vec![req.id]],
            urls: Vec::new(),
            merged: false,
            first_t: req.start,
            route_epoch: s.route_epoch,
            varying,
            changed: s.response_changed,
            held,
        }
    }
}

fn report(cfg: &PollingLoopConfig, t: Tally, req: &Request, page: &PageState, out: &mut Findings) {
    // A same-tick copy or a retry joins a loop already reported; it never makes
    // one (a loop left out as an upload stays out).
    if t.merged && out.get_mut(ID, &t.key).is_none() {
        return;
    }
    let after_route = req.route_epoch > t.route_epoch;
    let period = t.period;
    out.upsert(ID, &t.key, t.first_t, |f| {
        for tick in &t.ticks {
            // A tick already counted (reported by the loop this one grew out of) counts once.
            let known = tick.iter().any(|id| f.evidence.requests.contains(id));
            if !t.merged && !known {
                f.count += 1;
            }
            for id in tick {
                f.evidence.add_request(*id);
            }
        }
        f.last_ms = f.last_ms.max(req.start);
        // Identical polls differ only by cache-busters: one URL says it all. Polls
        // whose requests differ list them (up to the evidence's cap).
        let varying = t.varying || matches!(f.metrics.get("requests_differ"), Some(Metric::Flag(true)));
        if varying {
            for u in &t.urls {
                f.evidence.add_url(u);
            }
        }
        if f.evidence.urls.is_empty() || varying {
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
        f.metrics.insert("requests_differ".into(), Metric::Flag(varying));
        if !matches!(f.metrics.get("response_changed"), Some(Metric::Text(s)) if s == "yes") {
            f.metrics.insert(
                "response_changed".into(),
                Metric::Text(
                    match t.changed {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "unknown",
                    }
                    .into(),
                ),
            );
        }
        let changed = match f.metrics.get("response_changed") {
            Some(Metric::Text(s)) if s == "yes" => Some(true),
            Some(Metric::Text(s)) if s == "no" => Some(false),
            _ => None,
        };
        f.severity = if hidden || routed {
            Severity::Error
        } else if period >= cfg.info_period_ms {
            Severity::Info
        } else {
            Severity::Warning
        };
        let what = if varying {
            urls::shape(&req.url)
        } else {
            urls::signature(&req.url)
        };
        let mut label = format!("{} {}", req.method, urls::short(&what));
        if let Some(op) = &req.op {
            label.push_str(&format!(" ({op})"));
        }
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
}

impl PollingLoop {
    /// Compares each response with the previous one of its series, once per request.
    /// `group` is `shape_hash(req)`, which the caller has at hand.
    fn observe_response(&mut self, req: &Request, group: u64, out: &mut Findings) {
        let Some(fp) = req.response_fingerprint() else { return };
        let Some(g) = self.groups.get_mut(&group) else {
            return;
        };
        for s in std::iter::once(&mut g.whole).chain(g.subs.iter_mut().map(|(_, s)| s)) {
            if s.observe(req, fp) {
                if let (Some(key), Some(changed)) = (&s.key, s.response_changed) {
                    if let Some(f) = out.get_mut(ID, key) {
                        let known_yes =
                            matches!(f.metrics.get("response_changed"), Some(Metric::Text(t)) if t == "yes");
                        let text = if changed || known_yes { "yes" } else { "no" };
                        f.metrics.insert("response_changed".into(), Metric::Text(text.into()));
                    }
                }
            }
        }
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
    fn near_miss_a_long_poll_the_server_holds_is_no_timer() {
        // Each GET waits at the server until a message is there (one a second), and
        // the next starts as it is answered: socket.io held to polling, `?since=`.
        let mut t = Kit::new();
        for i in 0..10u64 {
            let at = i as f64 * 1001.0;
            t.request(
                i,
                "GET",
                "http://h/socket.io/?EIO=4&transport=polling&sid=Xh3kP9aZ",
                at,
                at + 1000.0,
            );
        }
        let mut since = Kit::new();
        for i in 0..10u64 {
            let at = i as f64 * 1001.0;
            since.request(
                i,
                "GET",
                &format!("http://h/api/updates?since={}", 100 + i),
                at,
                at + 1000.0,
            );
        }
        // An XHR's next poll starts in its readystatechange, before its loadend.
        let mut xhr = Kit::new();
        xhr.xhr_chain(10, 1000.0, |_| "http://h/poll?sid=Xh3kP9aZ".to_string());
        for t in [t, since, xhr] {
            t.assert_none("polling-loop");
        }
    }

    #[test]
    fn a_timer_poll_of_a_slow_server_is_still_a_loop() {
        // Every second by a timer; each answer takes 600 ms.
        let mut t = Kit::new();
        for i in 0..6u64 {
            let at = i as f64 * 1000.0;
            t.request(i, "GET", "http://h/api/jobs/42/status", at, at + 600.0);
        }
        assert_eq!(t.only("polling-loop").count, 6);
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

    use crate::model::event::{Api, Event, Outcome, RequestEnd, RequestStart};

    fn beacon(t: &mut Kit, id: u64, at: f64) {
        t.engine.ingest(Event::RequestStart(RequestStart {
            id,
            api: Api::Fetch,
            method: "POST".into(),
            url: "http://h/collect".into(),
            t: at,
            body: Some(crate::model::event::body_signature(&format!(
                "{{\"e\":\"view\",\"t\":{at}}}"
            ))),
            keepalive: true,
            range: false,
            op: None,
        }));
        t.end(id, at + 1.0);
    }

    fn fail(t: &mut Kit, id: u64, at: f64, status: u16) {
        t.engine.ingest(Event::RequestEnd(RequestEnd {
            id,
            t: at,
            status,
            outcome: if status == 0 { Outcome::Error } else { Outcome::Ok },
            content_type: None,
            content_length: None,
            content_encoding: None,
            cache_control: None,
        }));
    }

    #[test]
    fn a_cursor_poll_among_beacons_and_another_poll_is_one_loop() {
        let mut t = Kit::new();
        let mut other = 5000;
        // Beacons at irregular times, and a second (identical) poll every 1.5 s.
        for (i, at) in [
            130.0, 470.0, 1210.0, 1390.0, 2050.0, 2900.0, 3330.0, 4460.0, 5120.0, 6010.0, 6980.0, 7400.0,
        ]
        .iter()
        .enumerate()
        {
            beacon(&mut t, 9000 + i as u64, *at);
        }
        for i in 0..10u64 {
            // Answered in 1 ms: a fast local API.
            let at = 200.0 + i as f64 * 1000.0 + (i % 3) as f64 * 7.0;
            t.request(
                i,
                "GET",
                &format!("http://localhost:3000/api/feed?cursor=c{}x&limit=20", 1000 + i * 17),
                at,
                at + 1.0,
            );
            if i % 3 == 0 {
                t.request(
                    other,
                    "GET",
                    "http://localhost:3000/api/unread",
                    700.0 + i as f64 * 500.0,
                    702.0 + i as f64 * 500.0,
                );
                other += 1;
            }
        }
        let all = t.of("polling-loop");
        let f = all
            .iter()
            .find(|f| f.title.contains("/api/feed"))
            .expect("the cursor poll")
            .clone();

        assert_eq!(f.count, 10, "{f:#?}");
        assert!(
            f.title
                .starts_with("GET /api/feed?cursor=…&limit=… polled every 1.0 s (10 requests)"),
            "{}",
            f.title
        );
        assert_eq!(
            f.metrics.get("requests_differ"),
            Some(&crate::model::finding::Metric::Flag(true))
        );
        assert_eq!(f.evidence.urls.len(), 10);
        assert!(t.of("polling-loop").iter().all(|f| !f.title.contains("/collect")));
    }

    #[test]
    fn a_since_poll_that_changes_now_and_then_stays_one_finding() {
        let mut t = Kit::new();
        let since = [0, 0, 0, 0, 5, 5, 9, 9, 9, 12];
        for (i, s) in since.iter().enumerate() {
            let at = 1000.0 + i as f64 * 2000.0;
            t.request(
                i as u64,
                "GET",
                &format!("http://h/api/messages?since={s}"),
                at,
                at + 20.0,
            );
        }
        let f = t.only("polling-loop");
        assert_eq!(f.count, 10, "{f:#?}");
        assert!(f.title.contains("every 2.0 s"), "{}", f.title);
    }

    #[test]
    fn timestamps_nonces_and_changing_post_bodies_are_polls() {
        let urls: [fn(u64) -> String; 2] = [
            |i| format!("http://h/api/inbox?after={}", 1_712_000_000_000u64 + i * 3000),
            |i| format!("http://h/api/ping?nonce={:x}", 0x9e37_79b9u64.wrapping_mul(i + 1)),
        ];
        for make in urls {
            let mut t = Kit::new();
            for i in 0..7u64 {
                let at = i as f64 * 3000.0;
                t.request(i, "GET", &make(i), at, at + 5.0);
            }
            assert_eq!(t.only("polling-loop").count, 7);
        }
        let mut t = Kit::new();
        for i in 0..7u64 {
            let at = i as f64 * 500.0;
            let body = crate::model::event::body_signature(&format!("{{\"client_ts\":{}}}", 1_712_000_000_000.0 + at));
            t.start_body(i, "POST", "http://h/api/sync", at, Some(body));
            t.end(i, at + 2.0);
        }
        let f = t.only("polling-loop");
        assert!(
            f.title.starts_with("POST /api/sync polled every 0.5 s (7 requests)"),
            "{}",
            f.title
        );
    }

    /// The page's end of a request: `status` and a response of `bytes`.
    fn answer(t: &mut Kit, id: u64, at: f64, status: u16, bytes: Option<u64>) {
        t.engine.ingest(crate::model::event::Event::RequestEnd(
            crate::model::event::RequestEnd {
                id,
                t: at,
                status,
                outcome: crate::model::event::Outcome::Ok,
                content_type: Some("application/json".into()),
                content_length: bytes,
                content_encoding: None,
                cache_control: None,
            },
        ));
    }

    /// Seven POSTs to `url` every 3 s with `body(i)`, each answered as `reply` says.
    fn flushes(url: &str, body: impl Fn(u64) -> Option<String>, reply: (u16, Option<u64>)) -> Kit {
        let mut t = Kit::new();
        for i in 0..7u64 {
            let at = i as f64 * 3000.0;
            t.start_body(i, "POST", url, at, body(i));
            answer(&mut t, i, at + 4.0, reply.0, reply.1);
        }
        t
    }

    #[test]
    fn near_miss_an_analytics_queue_flushed_on_a_timer_is_no_poll() {
        // A product-analytics batch (a few events, a new one each flush) answered
        // `{"status":1}`; a presence ping answered 204; a replay chunk too long to
        // hash answered with an id.
        let batch = |i: u64| {
            let events = format!(
                r#"{{"batch":[{{"event":"$pageview","n":{i},"props":{{"$current_url":"http://h/app"}}}}],"sent_at":{}}}"#,
                1_712_000_000_000u64 + i * 3000
            );
            Some(crate::model::event::body_signature(&events))
        };
        let cases = [
            flushes("http://h/e/?ver=1.2.3", batch, (200, Some(13))),
            flushes(
                "http://h/api/presence",
                |i| {
                    Some(crate::model::event::body_signature(&format!(
                        r#"{{"status":"online","n":{i}}}"#
                    )))
                },
                (204, None),
            ),
            flushes("http://h/api/replay", |_| None, (200, Some(45))),
        ];
        for t in cases {
            assert!(
                t.engine.findings().iter().all(|f| f.detector != "polling-loop"),
                "{:#?}",
                t.engine.findings()
            );
        }
    }

    #[test]
    fn near_miss_an_analytics_batch_split_in_two_stays_an_upload() {
        // mixpanel-browser sends a full queue as two batches 13 ms apart: the second
        // joins the first's tick, and must not report the loop the upload rule left out.
        let batch = |i: u64, n: usize| {
            let events = format!(
                r#"{{"batch":[{}],"n":{i}}}"#,
                r#"{"event":"$mp_click","p":{}},"#.repeat(n)
            );
            Some(crate::model::event::body_signature(&events))
        };
        let mut t = Kit::new();
        for i in 0..9u64 {
            let at = i as f64 * 1000.0;
            t.start_body(i, "POST", "http://h/track/?ip=1", at, batch(i, 20));
            answer(&mut t, i, at + 3.0, 200, Some(25));
            if i == 7 {
                t.start_body(100, "POST", "http://h/track/?ip=1", at + 13.0, batch(i, 3));
                answer(&mut t, 100, at + 15.0, 200, Some(25));
            }
        }
        t.assert_none("polling-loop");
    }

    #[test]
    fn a_poll_by_post_is_still_a_poll_though_its_answer_is_small() {
        // `{"since":…}` answered with an empty list: it sends as little as it gets back.
        let since = |i: u64| {
            Some(crate::model::event::body_signature(&format!(
                r#"{{"since":{}}}"#,
                1000 + i
            )))
        };
        let t = flushes("http://h/api/notifications/poll", since, (200, Some(12)));
        assert_eq!(t.only("polling-loop").count, 7);
        // An upload answered with data (the server's news) is a poll too.
        let batch = |i: u64| Some(crate::model::event::body_signature(&"x".repeat(300 + i as usize)));
        let t = flushes("http://h/api/sync", batch, (200, Some(2400)));
        assert_eq!(t.only("polling-loop").count, 7);
        // The same list of jobs asked about each time, answered `{"done":false}`.
        let ids = |_| {
            let jobs = "\"job_8f2k\",".repeat(12);
            Some(crate::model::event::body_signature(&format!(r#"{{"ids":[{jobs}]}}"#)))
        };
        let t = flushes("http://h/api/jobs/status", ids, (200, Some(14)));
        assert_eq!(t.only("polling-loop").count, 7);
    }

    #[test]
    fn a_graphql_operation_polled_with_changing_variables_is_a_loop() {
        let mut t = Kit::new();
        for i in 0..8u64 {
            let at = i as f64 * 1500.0;
            let body = crate::model::event::body_signature(&format!(
                "{{\"operationName\":\"Notifications\",\"variables\":{{\"after\":\"n{}\"}}}}",
                i * 3
            ));
            t.start_op(i, "http://h/graphql", at, Some(body), "Notifications");
            t.end(i, at + 3.0);
            // Another operation at the same endpoint, user-driven.
            let body = crate::model::event::body_signature(&format!("{{\"operationName\":\"Search\",\"q\":\"{i}\"}}"));
            let typed = [400.0, 90.0, 1210.0, 650.0, 300.0, 1400.0, 20.0, 800.0][i as usize];
            t.start_op(100 + i, "http://h/graphql", at + typed, Some(body), "Search");
        }
        let f = t.only("polling-loop");
        assert!(
            f.title
                .starts_with("POST /graphql (Notifications) polled every 1.5 s (8 requests)"),
            "{}",
            f.title
        );
    }

    #[test]
    fn a_graphql_get_poll_is_told_from_other_operations_by_its_name() {
        let mut t = Kit::new();
        for i in 0..7u64 {
            let at = i as f64 * 1000.0;
            let url = format!(
                "http://h/graphql?operationName=Unread&variables=%7B%22after%22%3A{}%7D",
                i * 4
            );
            t.request(i, "GET", &url, at, at + 2.0);
            let other = format!("http://h/graphql?operationName=Search&variables=%7B%22q%22%3A{i}%7D");
            let typed = [120.0, 610.0, 330.0, 880.0, 45.0, 500.0, 270.0][i as usize];
            t.request(100 + i, "GET", &other, at + typed, at + typed + 2.0);
        }
        let f = t.only("polling-loop");
        assert!(
            f.title
                .starts_with("GET /graphql?operationName=Unread&variables=… polled every 1.0 s (7 requests)"),
            "{}",
            f.title
        );
    }

    #[test]
    fn strict_mode_doubled_first_request_is_still_one_loop() {
        let mut t = Kit::new();
        // Mount, unmount (abort), mount again: two requests 2 ms apart, then the timer.
        t.start(0, "GET", "http://h/api/status?cursor=a0", 1000.0);
        t.abort(0, 1001.0);
        t.request(1, "GET", "http://h/api/status?cursor=a0", 1002.0, 1004.0);
        for i in 1..7u64 {
            let at = 1002.0 + i as f64 * 1000.0;
            t.request(1 + i, "GET", &format!("http://h/api/status?cursor=a{i}"), at, at + 2.0);
        }
        let f = t.only("polling-loop");
        assert_eq!(f.count, 7, "{f:#?}");
        assert!(f.evidence.requests.len() >= 7);
        // The identical-request variant too.
        let mut t = Kit::new();
        t.start(0, "GET", "http://h/api/jobs", 1000.0);
        t.abort(0, 1001.0);
        poll(&mut t, 5, 1000.0, "http://h/api/jobs");
        assert_eq!(t.only("polling-loop").count, 5);
    }

    #[test]
    fn a_retried_tick_is_not_a_tick_and_does_not_break_the_loop() {
        let mut t = Kit::new();
        let mut id = 0;
        for i in 0..8u64 {
            let at = i as f64 * 2000.0;
            t.start(id, "GET", &format!("http://h/api/jobs/42?ts={at}"), at);
            if i == 5 {
                fail(&mut t, id, at + 30.0, 503);
                id += 1;
                // The app's retry, 300 ms later.
                t.request(
                    id,
                    "GET",
                    &format!("http://h/api/jobs/42?ts={}", at + 300.0),
                    at + 300.0,
                    at + 320.0,
                );
            } else {
                t.end(id, at + 30.0);
            }
            id += 1;
        }
        let f = t.only("polling-loop");
        assert_eq!(f.count, 8, "{f:#?}");
        assert!(f.title.contains("every 2.0 s"), "{}", f.title);
    }

    #[test]
    fn a_user_request_of_the_same_shape_does_not_break_a_running_poll() {
        let mut t = Kit::new();
        for i in 0..12u64 {
            let at = i as f64 * 1000.0;
            t.request(i, "GET", &format!("http://h/api/feed?cursor={}", 100 + i), at, at + 1.0);
            if i == 7 || i == 9 {
                // The user pages back: the same endpoint, another cursor, off the beat.
                t.request(
                    50 + i,
                    "GET",
                    &format!("http://h/api/feed?cursor={}", i),
                    at + 340.0,
                    at + 341.0,
                );
            }
        }
        let f = t.only("polling-loop");
        assert_eq!(f.count, 12, "{f:#?}");
        assert!(!f.evidence.requests.contains(&57));
    }

    #[test]
    fn two_identical_pollers_of_one_shape_are_two_loops() {
        let mut t = Kit::new();
        for i in 0..6u64 {
            let at = 1000.0 + i as f64 * 2000.0;
            t.request(i, "GET", "http://h/api/jobs/17/status", at, at + 10.0);
            t.request(100 + i, "GET", "http://h/api/jobs/18/status", at + 700.0, at + 710.0);
        }
        let all = t.of("polling-loop");
        assert_eq!(all.len(), 2, "{all:#?}");
        assert!(
            all.iter().all(|f| f.count == 6 && f.title.contains("every 2.0 s")),
            "{all:#?}"
        );
    }

    #[test]
    fn near_miss_search_as_you_type_is_quiet() {
        let mut t = Kit::new();
        let mut at = 0.0;
        let mut q = String::new();
        // Fairly even typing (gaps 290–420 ms), each request a longer query.
        for (i, gap) in [300.0, 420.0, 310.0, 380.0, 290.0, 400.0, 330.0, 410.0, 295.0]
            .iter()
            .enumerate()
        {
            at += gap;
            q.push((b'a' + i as u8) as char);
            t.request(i as u64, "GET", &format!("http://h/api/search?q={q}"), at, at + 1.0);
        }
        t.assert_none("polling-loop");
    }

    #[test]
    fn near_miss_search_typed_at_an_even_pace_by_a_test_driver_is_quiet() {
        // `page.type(input, "react hooks", { delay: 300 })`, no debounce; and the user
        // deleting back to "react" at the same pace.
        let mut t = Kit::new();
        let typed = "react hooks";
        let mut queries: Vec<&str> = (1..=typed.len()).map(|i| &typed[..i]).collect();
        queries.extend((5..typed.len()).rev().map(|i| &typed[..i]));
        for (i, q) in queries.iter().enumerate() {
            let at = i as f64 * 300.0 + (i % 3) as f64;
            let url = format!("http://h/api/search?q={}&limit=10", q.replace(' ', "+"));
            t.request(i as u64, "GET", &url, at, at + 20.0);
        }
        t.assert_none("polling-loop");
        // The near miss the other way: a poll whose counter grows a digit is a loop.
        let mut t = Kit::new();
        for i in 0..8u64 {
            let at = i as f64 * 1000.0;
            t.request(
                i,
                "GET",
                &format!("http://h/api/feed?since={}", 95 + i * 3),
                at,
                at + 5.0,
            );
        }
        assert_eq!(t.only("polling-loop").count, 8);
    }

    #[test]
    fn near_miss_cursor_pagination_clicked_by_a_user_is_quiet() {
        let mut t = Kit::new();
        for (i, at) in [0.0, 1800.0, 2900.0, 5200.0, 6100.0, 8800.0, 9900.0, 12000.0]
            .iter()
            .enumerate()
        {
            t.request(
                i as u64,
                "GET",
                &format!("http://h/api/feed?cursor=p{}", i * 20),
                *at,
                at + 1.0,
            );
        }
        t.assert_none("polling-loop");
    }

    #[test]
    fn near_miss_retry_with_backoff_is_quiet() {
        let mut t = Kit::new();
        let mut at = 0.0;
        for (i, wait) in [1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 32000.0].iter().enumerate() {
            t.start(i as u64, "GET", "http://h/api/config", at);
            fail(&mut t, i as u64, at + 5.0, 0);
            at += wait;
        }
        t.assert_none("polling-loop");
    }
}
