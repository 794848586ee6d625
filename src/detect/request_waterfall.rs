//! # request-waterfall
//!
//! ## What it detects
//! At least 3 fetch/XHR requests where each was started by the previous one's
//! completion: awaited one after another in one async function (or chained with
//! `.then`). DevTools' initiator stack tells the cause: the later request ran in the
//! same page function (or one scheduled from it), resumed from an `await` or a
//! promise callback, and started within 150 ms after the previous one ended (a
//! page busy rendering resumes its `await` late; 50 ms for links known only by
//! timing).
//! Requests around the chain (analytics beacons, a poll, a prefetch) do not break
//! it, and requests that merely follow each other do not make one: separate clicks
//! (no `await` behind them), a timer or animation frame, another component.
//!
//! React's fetch-on-render waterfalls are chains too (`render` link): nested
//! components that each fetch in an effect, or suspend on a query, and mount their
//! children only once their data is there. The stack shows React's scheduler
//! rendering (`performWorkUntilDeadline` at its bottom, in development builds)
//! rather than a user's input; such a request started within 150 ms of an answer
//! follows the one that answered last.
//!
//! The shape decides, not the speed: on a local API four awaited requests take
//! 30 ms and are still four sequential round trips, about 400 ms at 100 ms each
//! (the title says so). The measured saving sets the severity. Without initiator
//! stacks (Firefox and Safari exports, a session without DevTools) only timing is
//! left: then a request continues the chain only when nothing else was in flight
//! as it started, and the chain counts only when the measured saving reaches 300 ms.
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
//! - `min_requests` (3): requests in one chain.
//! - `max_gap_ms` (50): from the previous request's end (its last byte) to the next start.
//! - `await_gap_ms` (150): the same for a request whose stack says it resumed from
//!   an `await` or a promise callback of the previous one's function.
//! - `data_gap_ms` (150): the same, for a request that carries an id from that answer.
//! - `max_overlap_ms` (2): a start this much before the previous end still follows it
//!   (HAR times are rounded to the millisecond).
//! - `min_savings_ms` (300): measured saving (sum minus the longest) from which it is a
//!   warning (below: information), and without which a chain known only by timing is
//!   not reported.
//! - `error_savings_ms` (1000): measured saving from which it is an error.
//! - `assumed_rtt_ms` (100): the round trip the title states the cost at.
//!
//! A request whose URL carries an id from the JSON answer that ended just before it
//! (a whole path segment, or a query value of 4 characters or more; within 150 ms of
//! its last byte) continues the chain whatever code sent it (`data` link): a data layer's dependent queries (React
//! Query's `enabled`, SWR's conditional keys) run from their own scheduler, which
//! the stack cannot tie to the previous answer, but the value can.
//!
//! `dependent` says whether a later request's URL carries a value (an id, a short
//! string) from an earlier response: then they cannot simply run in parallel. The
//! page's bodies are never read; the values come from DevTools' copy of small JSON
//! responses (or a HAR saved with content). Without them it is `unknown`.
//!
//! A request that goes on with what the previous one asked (same origin, path and
//! GraphQL operation, and every query value of the previous one unchanged, cache-busters
//! aside, whatever the method) continues a conversation, not a chain: a retry, a
//! long poll, socket.io's handshake (a GET, then a POST and a GET with the `sid` it
//! was given). Each needs the answer before; `Promise.all` cannot help. One path
//! asking other things in a row (`?n=1`, then `?n=2`) is a chain.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::event::{Caller, Outcome};
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;
use crate::model::urls;
use std::collections::{BTreeMap, VecDeque};

thresholds!(RequestWaterfallConfig {
    /// Requests in one chain, each started by the previous one's completion.
    min_requests: usize = 3,
    /// A request starting this soon after the previous one ended continues the chain.
    max_gap_ms: f64 = 50.0,
    /// ...or this soon, when its stack says it resumed from an `await` (or a
    /// promise callback) of the function that sent the previous one: a page busy
    /// rendering (a development build, a loaded machine) resumes late.
    await_gap_ms: f64 = 150.0,
    /// A request whose URL carries an id from an answer follows it when it starts
    /// this soon after that answer's last byte (a data layer re-renders before it
    /// sends; nobody reads an answer and clicks that fast).
    data_gap_ms: f64 = 150.0,
    /// ...or this much before it (rounded HAR times; the page's and DevTools' clocks).
    max_overlap_ms: f64 = 2.0,
    /// Measured saving (sum minus the longest) from which a chain is a warning; a
    /// chain whose cause is unknown (no initiator stacks) needs it to be reported at all.
    min_savings_ms: f64 = 300.0,
    /// Measured saving from which it is an error.
    error_savings_ms: f64 = 1_000.0,
    /// The round trip the title states the cost at (a local API answers in 1 ms).
    assumed_rtt_ms: f64 = 100.0,
});

pub const ID: &str = "request-waterfall";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Request waterfalls",
    doc: include_str!(concat!(env!("OUT_DIR"), "/request_waterfall.doc")),
    build: |c| Box::new(RequestWaterfall::new(c)),
};

/// Requests remembered (as candidates and as chain links).
const MAX_NODES: usize = 256;
/// Requests waiting for DevTools' entry (their cause) before they are judged.
const MAX_PENDING: usize = 64;
/// Links shown and checked for dependencies.
const KEEP: usize = 10;

/// One request as this detector sees it, and once judged, its place in a chain.
/// `repr(C)`, the fields a judgment reads of every node in reach first: the scan
/// then touches the start of each node, not fields spread over its 250-odd bytes
/// (data-cache misses).
#[repr(C)]
struct Node {
    id: u64,
    start: f64,
    /// When the page's call resolved (or DevTools' end when that is all we know).
    end: Option<f64>,
    last_end: Option<f64>,
    /// Which endpoint it asked (see `endpoint`).
    endpoint: u64,
    /// The lengths of `values` (see `lengths`).
    value_lengths: u64,
    aborted: bool,
    decided: bool,
    from_devtools: bool,
    retry: bool,
    /// Judged without waiting any longer for DevTools' entry.
    forced: bool,
    /// Every link on the path was seen through the initiator stack.
    causal: bool,
    pred: Option<u64>,
    head: u64,
    depth: usize,
    /// Sum and longest of the durations along the path from the head.
    sum: f64,
    longest: f64,
    url: String,
    /// Where `url` is cut (see `Request::cut`), for `IdPlaces`.
    cut: Option<urls::Cut>,
    method: String,
    values: Vec<String>,
    source: Option<String>,
    caller: Option<Caller>,
    /// How this request was linked: `await`, `Promise.then`... or `timing`.
    link: Option<String>,
}

impl Node {
    fn duration(&self) -> f64 {
        self.last_end.map_or(0.0, |e| (e - self.start).max(0.0))
    }
}

pub struct RequestWaterfall {
    cfg: RequestWaterfallConfig,
    nodes: VecDeque<Node>,
    pending: Vec<u64>,
    /// DevTools feeds this session: a page's request waits for its entry (the cause).
    devtools_seen: bool,
    /// Reported chains: head id -> the deepest request reported.
    reported: BTreeMap<u64, u64>,
    /// Per node, the running maximum (from the oldest) of its `reach`: a request
    /// starting after `reach[k]` can neither follow nor overlap nodes `0..=k`, so
    /// judging it skips them instead of scanning the whole ring on every event.
    reach: VecDeque<f64>,
    /// `reach` is stale from this index on (`usize::MAX`: up to date).
    reach_stale: usize,
    /// `judge`'s lists of ring indexes, reused (see `try_decide`).
    near: Vec<usize>,
    carried: Vec<usize>,
    /// Scan every node (tests compare the skipping scan with it).
    #[cfg(test)]
    full_scan: bool,
}

/// Past this time a request neither overlaps `n` (still in flight is forever) nor
/// follows it: `max_gap_ms` after its last byte, or `data_gap_ms` when its answer
/// has values a later URL could carry (only those link by value). A NaN time never
/// overlaps or follows, and `f64::max` drops it.
fn reach(n: &Node, cfg: &RequestWaterfallConfig) -> f64 {
    let gap = if n.value_lengths != 0 {
        cfg.max_gap_ms.max(cfg.data_gap_ms)
    } else {
        cfg.max_gap_ms
    };
    let end = n.end.unwrap_or(f64::INFINITY);
    let last = n.last_end.map_or(f64::NEG_INFINITY, |l| l + gap);
    end.max(last)
}

/// `text` in `spare`'s buffer (a node let go), unless that buffer is far larger
/// than needed (a long URL's is not kept for short ones).
/// The endpoint a request asked: its origin, path and GraphQL operation (every
/// operation shares `/graphql`), hashed.
fn endpoint(req: &Request) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = urls::QuickHasher::default();
    let p = req.parts();
    // As written: a browser writes scheme and host in lower case (and two spellings
    // of one host only keep requests apart, as before this was asked).
    h.write(p.origin.as_bytes());
    h.write(p.path.as_bytes());
    req.op.hash(&mut h);
    h.finish()
}

/// `b` (to `a`'s endpoint) goes on with what `a` asked: every query value of `a`'s
/// is in `b` unchanged, cache-busters aside, whatever the method or body. A retry,
/// a long poll, socket.io's handshake (`?EIO=4&transport=polling`, then the same
/// with the `sid` it was given, by POST and by GET): a conversation, each request
/// needing the answer before, which `Promise.all` cannot start together. A value
/// that changed (`?n=1` then `?n=2`, `?type=a` then `?type=b`) asks something else.
fn continues(a: &Node, b: &Node) -> bool {
    fn query(n: &Node) -> &str {
        n.cut.map_or_else(|| urls::parts(&n.url), |c| c.parts(&n.url)).query
    }
    let (qa, qb) = (query(a), query(b));
    urls::query_pairs(qa)
        .filter(|(k, _)| !urls::is_volatile_param(k))
        .all(|pair| urls::query_pairs(qb).any(|other| other == pair))
}

fn refill(mut spare: String, text: &str) -> String {
    if spare.capacity() <= 2 * text.len() + 64 {
        text.clone_into(&mut spare);
        spare
    } else {
        text.to_string()
    }
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

/// The places of a URL where ids go: its path segments and its query values. Cut
/// once per request judged, then matched against every value of every answer in
/// reach: cutting the URL again per value was most of this detector's time under
/// steady traffic. Their lengths are taken first, without collecting them: most
/// answers in reach differ from every place by length alone, and then nothing is
/// collected (allocated) at all.
struct IdPlaces<'a> {
    path: &'a str,
    query: &'a str,
    /// The lengths of the places (see `lengths`).
    lengths: u64,
    /// The path segments and the query values, collected at the first answer whose
    /// value lengths match.
    cut: std::cell::OnceCell<(Vec<&'a str>, Vec<&'a str>)>,
}

/// A set of text lengths, a bit each (63 and longer share the last): two texts of
/// lengths not both in it differ. The places of a URL and the values of an answer
/// in reach are compared once per request judged, for every answer in reach, and
/// their lengths alone tell most of them apart.
fn lengths<'s>(texts: impl IntoIterator<Item = &'s str>) -> u64 {
    texts.into_iter().fold(0, |set, t| set | 1 << t.len().min(63))
}

impl<'a> IdPlaces<'a> {
    fn of(url: &'a str, cut: Option<urls::Cut>) -> Self {
        let parts = cut.map_or_else(|| urls::parts(url), |c| c.parts(url));
        let (path, query) = (parts.path, parts.query);
        let lengths =
            lengths(urls::segments(path)) | lengths(urls::query_pairs(query).map(|(_, v)| v).filter(|v| v.len() >= 4));
        IdPlaces {
            path,
            query,
            lengths,
            cut: std::cell::OnceCell::new(),
        }
    }

    /// Whether the URL carries `value` where ids go: a whole path segment, or a whole
    /// query value of 4 characters or more (a short number there is more often a page
    /// size or a count than an id).
    fn carry(&self, value: &str) -> bool {
        let (segments, query_values) = self.cut.get_or_init(|| {
            (
                urls::segments(self.path).collect(),
                urls::query_pairs(self.query).map(|(_, v)| v).collect(),
            )
        });
        segments.contains(&value) || (value.len() >= 4 && query_values.contains(&value))
    }

    /// Whether the URL carries one of `values`, whose lengths are `value_lengths`.
    fn carry_any(&self, values: &[String], value_lengths: u64) -> bool {
        self.lengths & value_lengths != 0 && values.iter().any(|v| self.carry(v))
    }
}

struct Recent<'a> {
    url: &'a str,
    label: String,
    values: &'a [String],
}

/// "yes: …" with the value and where it came from, "no", or "unknown".
fn dependency(recent: &[Recent]) -> String {
    for (i, later) in recent.iter().enumerate().skip(1) {
        let tokens = url_tokens(later.url);
        for earlier in &recent[..i] {
            if let Some(v) = earlier.values.iter().find(|v| tokens.contains(&v.as_str())) {
                return format!("yes: {} uses {v} from {}", later.label, earlier.label);
            }
        }
    }
    let known = recent.len() > 1 && recent[..recent.len() - 1].iter().all(|r| !r.values.is_empty());
    if known { "no" } else { "unknown" }.to_string()
}

/// The numbers, severity and title of a chain of `count` requests.
fn describe(f: &mut crate::Finding, cfg: &RequestWaterfallConfig, count: u64, sum: f64, longest: f64, awaited: bool) {
    let savings = sum - longest;
    let at_rtt = count as f64 * cfg.assumed_rtt_ms;
    f.count = count;
    f.metrics.insert("requests".into(), Metric::Num(count as f64));
    f.metrics.insert("sequential_ms".into(), Metric::Num(sum.round()));
    f.metrics.insert("parallel_ms".into(), Metric::Num(longest.round()));
    f.metrics.insert("savings_ms".into(), Metric::Num(savings.round()));
    f.metrics
        .insert("at_assumed_rtt_ms".into(), Metric::Num(at_rtt.round()));
    f.severity = if savings >= cfg.error_savings_ms {
        Severity::Error
    } else if savings >= cfg.min_savings_ms {
        Severity::Warning
    } else {
        Severity::Info
    };
    let how = if awaited { "awaited" } else { "ran" };
    f.title = if savings >= cfg.min_savings_ms {
        format!(
            "{count} requests {how} one after another: {} ms where {} ms would do",
            sum.round(),
            longest.round()
        )
    } else {
        format!(
            "{count} requests {how} one after another: {count} sequential round trips, about {} ms at {} ms each \
             ({} ms measured here)",
            at_rtt.round(),
            cfg.assumed_rtt_ms.round(),
            sum.round()
        )
    };
}

impl RequestWaterfall {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.request_waterfall.clone(),
            nodes: VecDeque::new(),
            pending: Vec::new(),
            devtools_seen: false,
            reported: BTreeMap::new(),
            reach: VecDeque::new(),
            reach_stale: usize::MAX,
            near: Vec::new(),
            carried: Vec::new(),
            #[cfg(test)]
            full_scan: false,
        }
    }

    fn index(&self, id: u64) -> Option<usize> {
        // Ids in the ring grow by one or more from node to node: `id` sits at most
        // `id - first` in, and exactly there when every request was remembered (an
        // app's own calls): looked at first, then searched for below it.
        let first = self.nodes.front()?.id;
        let most = usize::try_from(id.checked_sub(first)?).ok()?.min(self.nodes.len() - 1);
        if self.nodes[most].id == id {
            return Some(most);
        }
        let (mut lo, mut hi) = (0, most);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.nodes[mid].id.cmp(&id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    fn node(&self, id: u64) -> Option<&Node> {
        self.index(id).map(|i| &self.nodes[i])
    }

    fn node_mut(&mut self, id: u64) -> Option<&mut Node> {
        self.index(id).map(|i| &mut self.nodes[i])
    }

    /// Whether `n` knows all it will know about its cause.
    fn ready(&self, n: &Node) -> bool {
        n.end.is_some() && (n.caller.is_some() || n.from_devtools || !self.devtools_seen || n.forced)
    }

    /// Brings `reach` up to date with the nodes (ends change, the oldest go).
    fn refresh_reach(&mut self) {
        if self.reach_stale == usize::MAX {
            return;
        }
        self.reach.resize(self.nodes.len(), f64::NEG_INFINITY);
        let mut run = match self.reach_stale {
            0 => f64::NEG_INFINITY,
            k => self.reach.get(k - 1).copied().unwrap_or(f64::NEG_INFINITY),
        };
        for k in self.reach_stale.min(self.nodes.len())..self.nodes.len() {
            run = run.max(reach(&self.nodes[k], &self.cfg));
            self.reach[k] = run;
        }
        self.reach_stale = usize::MAX;
    }

    /// Judges the pending requests that can be judged now, oldest first.
    fn settle(&mut self, out: &mut Findings) {
        self.refresh_reach();
        let mut i = 0;
        while i < self.pending.len() {
            let id = self.pending[i];
            match self.try_decide(id) {
                Some(true) => {
                    self.pending.remove(i);
                    self.report(id, out);
                    i = 0; // a decision can unblock earlier-listed requests
                }
                Some(false) => i += 1,
                None => {
                    self.pending.remove(i);
                }
            }
        }
    }

    /// Some(true) when decided now, Some(false) when it must wait, None when gone.
    fn try_decide(&mut self, id: u64) -> Option<bool> {
        // The scan's lists, kept between judgments: one is made per event.
        let (mut near, mut carried) = (std::mem::take(&mut self.near), std::mem::take(&mut self.carried));
        near.clear();
        carried.clear();
        let decided = self.judge(id, &mut near, &mut carried);
        (self.near, self.carried) = (near, carried);
        decided
    }

    /// `try_decide`, with `near_list` and `carried` (empty) to list the ring's indexes in.
    fn judge(&mut self, id: u64, near_list: &mut Vec<usize>, carried: &mut Vec<usize>) -> Option<bool> {
        let b = self.node(id)?;
        if b.decided {
            return Some(true);
        }
        if b.aborted {
            return None;
        }
        if !self.ready(b) {
            return Some(false);
        }
        // One pass over the ring: the requests it may follow (one still undecided
        // makes it wait), and whether another was in flight when it started.
        // (`near_list`: the candidates; `carried`: answers whose ids its URL carries, ended a
        // little longer ago, within `data_gap_ms`.)
        // Cut only when an answer with values is to be matched: most judgments end
        // (waiting, or no candidate) before any, and cutting allocates.
        let places: std::cell::OnceCell<IdPlaces> = std::cell::OnceCell::new();
        // Inlined where the ring is scanned: a call per answer in reach cost more than
        // the comparison, which the lengths mostly settle.
        #[inline(always)]
        fn carries<'b>(places: &std::cell::OnceCell<IdPlaces<'b>>, b: &'b Node, a: &Node) -> bool {
            a.value_lengths != 0
                && places
                    .get_or_init(|| IdPlaces::of(&b.url, b.cut))
                    .carry_any(&a.values, a.value_lengths)
        }
        let carries_from = |a: &Node| carries(&places, b, a);
        let mut busy = false;
        // Whether a near one's answer had values: else no near one can be the one
        // whose value the URL carries (`carries` is false without values).
        let mut near_values = false;
        // How long after an answer `b` may start and follow it (see `await_gap_ms`).
        let gap = if b.caller.as_ref().is_some_and(|c| c.is_continuation() || c.rendered) {
            self.cfg.await_gap_ms.max(self.cfg.max_gap_ms)
        } else {
            self.cfg.max_gap_ms
        };
        // The oldest nodes, all out of reach (a millisecond to spare for rounding;
        // `reach` counts `max_gap_ms`), need no look.
        let slack = 1.0 + (gap - self.cfg.max_gap_ms);
        let from = self
            .reach
            .partition_point(|r| *r < b.start - slack)
            .min(self.nodes.len());
        #[cfg(test)]
        let from = if self.full_scan { 0 } else { from };
        for (k, a) in self.nodes.range(from..).enumerate() {
            // Only earlier starts matter to both (written so a NaN start counts as not earlier).
            if a.id == b.id || !(a.start < b.start) {
                continue;
            }
            busy |= a.end.is_none_or(|e| e > b.start);
            // `b` follows `a` when it starts after `a`'s call resolved and soon after its
            // last byte: within `gap` (near), or within `data_gap_ms` when its URL
            // carries a value from `a`'s answer (by value).
            let (near, by_value) = match (a.end, a.last_end) {
                (Some(end), Some(last)) if !a.aborted && b.start >= end.min(last) - self.cfg.max_overlap_ms => {
                    let near = b.start - last <= gap;
                    let by_value = !near && b.start - last <= self.cfg.data_gap_ms && carries(&places, b, a);
                    (near, by_value)
                }
                _ => (false, false),
            };
            if near || by_value {
                if !a.decided {
                    return Some(false);
                }
                if near {
                    near_list.push(from + k);
                    near_values |= a.value_lengths != 0;
                } else {
                    carried.push(from + k);
                }
            }
        }
        // A request continuing a conversation with the endpoint the previous one
        // asked (see `continues`) is no step of a chain of independent requests.
        let same_key = |a: &Node| a.endpoint == b.endpoint && continues(a, b);
        // A URL carrying an id from the answer that just ended needed that answer,
        // whatever code sent it: a data layer's dependent query runs from its own
        // scheduler, in another function, so the stack cannot link it.
        // (Those in `carried` were found to carry one already.)
        let nodes = &self.nodes;
        let candidates = || near_list.iter().map(|&k| &nodes[k]);
        // (Most judgments have no answer with values in reach: then nothing to look at.)
        let by_data = if b.retry || (!near_values && carried.is_empty()) {
            None
        } else {
            candidates()
                .map(|a| (a, false))
                .chain(carried.iter().map(|&k| (&nodes[k], true)))
                .filter(|(a, carry)| (*carry || carries_from(a)) && !same_key(a))
                .map(|(a, _)| a)
                .max_by(|x, y| x.last_end.unwrap_or(0.0).total_cmp(&y.last_end.unwrap_or(0.0)))
                .map(|a| a.id)
        };
        fn best<'n>(it: impl Iterator<Item = &'n Node>) -> Option<u64> {
            it.max_by(|x, y| x.last_end.unwrap_or(0.0).total_cmp(&y.last_end.unwrap_or(0.0)))
                .map(|a| a.id)
        }
        let (pred, link) = if b.retry {
            (None, None)
        } else {
            match &b.caller {
                // Known cause: only a continuation (await, promise callback) of the same code.
                Some(c) if c.is_continuation() => {
                    let same = candidates().filter(|a| !same_key(a)).filter(|a| {
                        a.caller
                            .as_ref()
                            .is_some_and(|p| p.function == c.function || c.scheduled_by.contains(&p.function))
                    });
                    (best(same), c.resumed.clone())
                }
                // Sent by React rendering (a component's effect, or a query it suspended
                // on) as an answer had just come: the update that answer made mounted it.
                // No user clicks that fast; whatever answered last before it caused it,
                // another render's answer first. Not a timer's: a poll ticking throughout
                // answers just before most things, and would head every chain.
                Some(c) if c.rendered => {
                    let other = |a: &&Node| !same_key(a) && !a.caller.as_ref().is_some_and(Caller::is_timer);
                    let rendered = |a: &&Node| a.caller.as_ref().is_some_and(|p| p.rendered);
                    let pick =
                        best(candidates().filter(other).filter(rendered)).or_else(|| best(candidates().filter(other)));
                    (pick, Some("render".to_string()))
                }
                Some(_) => (None, None),
                // Timing alone cannot tell a cause amid other traffic: only a request
                // that started while nothing else was in flight follows the one that
                // ended last before it.
                None if busy => (None, None),
                None => (best(candidates().filter(|a| !same_key(a))), Some("timing".to_string())),
            }
        };
        let rendered = link.as_deref() == Some("render");
        let (pred, link) = match (pred, by_data) {
            // An id carried from an answer says more than the render that followed it.
            (None, Some(a)) => (Some(a), Some("data".to_string())),
            (Some(_), Some(a)) if rendered => (Some(a), Some("data".to_string())),
            (pred, _) => (pred, link),
        };
        let from = pred
            .and_then(|p| self.node(p))
            .map(|a| (a.head, a.depth, a.sum, a.longest, a.causal));
        let n = self.node_mut(id)?;
        let d = n.duration();
        n.decided = true;
        match from {
            Some((head, depth, sum, longest, causal)) => {
                n.pred = pred;
                n.head = head;
                n.depth = depth + 1;
                n.sum = sum + d;
                n.longest = longest.max(d);
                n.causal = causal && link.as_deref() != Some("timing");
                n.link = link;
            }
            None => {
                n.head = n.id;
                n.depth = 1;
                n.sum = d;
                n.longest = d;
                n.causal = true;
            }
        }
        Some(true)
    }

    /// Reports the chain ending at `id` when it is long enough and the deepest so far.
    fn report(&mut self, id: u64, out: &mut Findings) {
        let Some(n) = self.node(id) else { return };
        if n.depth < self.cfg.min_requests {
            return;
        }
        let head = n.head;
        if let Some(&deepest) = self.reported.get(&head) {
            if deepest != id && self.node(deepest).is_some_and(|d| d.depth >= n.depth) {
                return;
            }
        }
        let savings = n.sum - n.longest;
        if !n.causal && savings < self.cfg.min_savings_ms {
            return;
        }
        if n.depth > crate::model::finding::MAX_EVIDENCE_REQUESTS && self.reported.contains_key(&head) {
            // A long chain grew by one link: its evidence (the first links) stands, the
            // totals move. Walking the path on every link would cost a flood dearly.
            let (count, sum, longest, end) = (n.depth as u64, n.sum, n.longest, n.last_end.unwrap_or(n.start));
            if let Some(f) = out.get_mut(ID, &format!("chain-{head}")) {
                let awaited = f.title.contains(" awaited ");
                f.last_ms = f.last_ms.max(end);
                describe(f, &self.cfg, count, sum, longest, awaited);
            }
            self.reported.insert(head, id);
            return;
        }
        // The path back to the head (links that fell out of memory are left out).
        let mut path: Vec<&Node> = Vec::new();
        let mut at = Some(id);
        while let Some(node) = at.and_then(|i| self.node(i)) {
            if path.len() >= crate::model::finding::MAX_EVIDENCE_REQUESTS {
                break;
            }
            path.push(node);
            at = node.pred;
        }
        path.reverse();
        let cfg = &self.cfg;
        let (count, sum, longest) = (n.depth as u64, n.sum, n.longest);
        let recent: Vec<Recent> = path
            .iter()
            .take(KEEP)
            .map(|p| Recent {
                url: &p.url,
                label: format!("{} {}", p.method, urls::short(&p.url)),
                values: &p.values,
            })
            .collect();
        let dependent = dependency(&recent);
        let mut links: Vec<&str> = path.iter().filter_map(|p| p.link.as_deref()).collect();
        links.dedup();
        let linked_by = if n.causal {
            links.join(", ")
        } else {
            "timing only (no initiator stacks)".to_string()
        };
        let awaited = n.causal && links.iter().all(|l| *l == "await");
        let rendered = links.contains(&"render");
        let first_start = path.first().map_or(n.start, |p| p.start);
        let last_end = n.last_end.unwrap_or(n.start);
        let key = format!("chain-{head}");
        out.upsert(ID, &key, first_start, |f| {
            f.count = count;
            f.last_ms = last_end;
            f.evidence = Default::default();
            f.evidence.requests = path.iter().map(|p| p.id).collect();
            for p in path.iter().take(KEEP) {
                f.evidence.add_url(&p.url);
                if let Some(s) = &p.source {
                    f.evidence.add_source(s);
                }
            }
            f.metrics.insert("dependent".into(), Metric::Text(dependent.clone()));
            f.metrics.insert("linked_by".into(), Metric::Text(linked_by.clone()));
            describe(f, cfg, count, sum, longest, awaited);
            f.advice = if dependent.starts_with("yes") {
                "These depend on each other: have the server return what the next request needs in the first \
                 response (include/expand, one combined endpoint), or fetch the first one earlier (prefetch on \
                 hover, start it in the route loader)."
            } else if rendered {
                "Each was sent by a component that rendered only once the answer before it came (fetch on \
                 render: effects or Suspense queries in nested components). Start them together from the route \
                 or the parent (a route loader, `prefetchQuery` or `useSuspenseQueries`, `Promise.all`), or let \
                 the children mount without waiting for the parent's data."
            } else {
                "Start independent requests together (`Promise.all`, or parallel queries in your data layer) \
                 or serve them from one endpoint."
            }
            .into();
        });
        self.reported.insert(head, id);
        if self.reported.len() > MAX_NODES {
            self.reported.pop_first();
        }
    }

    fn remember(&mut self, req: &Request) {
        // Ids grow in order of first sight; keep the ring sorted for lookups.
        if self.nodes.back().is_some_and(|b| b.id >= req.id) {
            return;
        }
        // The node let go lends its key, URL and method buffers to the new one.
        let mut spare = None;
        if self.nodes.len() >= MAX_NODES {
            if let Some(old) = self.nodes.pop_front() {
                // The running maximum still counts the one gone: too high is safe (it
                // only scans more). One gone in flight would hold it at infinity, so
                // then recompute it all.
                self.reach.pop_front();
                if self.reach_stale != usize::MAX {
                    self.reach_stale = self.reach_stale.saturating_sub(1);
                }
                if old.end.is_none() {
                    self.reach_stale = 0;
                }
                self.pending.retain(|p| *p != old.id);
                spare = Some(old);
            }
        }
        let (url, method) = match spare {
            Some(old) => (refill(old.url, &req.url), refill(old.method, &req.method)),
            None => (req.url.clone(), req.method.clone()),
        };
        let n = Node {
            id: req.id,
            start: req.start,
            end: req.end,
            last_end: req.last_end(),
            endpoint: endpoint(req),
            url,
            cut: req.cut(),
            method,
            values: req.values.clone(),
            value_lengths: lengths(req.values.iter().map(String::as_str)),
            source: req.initiator.clone(),
            caller: req.caller.clone(),
            from_devtools: req.from_devtools,
            retry: req.retry.is_some(),
            aborted: req.outcome == Some(Outcome::Abort),
            forced: false,
            decided: false,
            pred: None,
            head: req.id,
            depth: 1,
            sum: 0.0,
            longest: 0.0,
            causal: true,
            link: None,
        };
        self.nodes.push_back(n);
        self.reach_stale = self.reach_stale.min(self.nodes.len() - 1);
        self.pending.push(req.id);
        if self.pending.len() > MAX_PENDING {
            let oldest = self.pending[0];
            if let Some(o) = self.node_mut(oldest) {
                o.forced = true;
            }
        }
    }

    /// Copies what is known now about a request into its node.
    fn update(&mut self, req: &Request) {
        let Some(at) = self.index(req.id) else { return };
        self.reach_stale = self.reach_stale.min(at);
        let n = &mut self.nodes[at];
        n.end = req.end;
        n.last_end = req.last_end();
        n.from_devtools = req.from_devtools;
        n.aborted = req.outcome == Some(Outcome::Abort);
        if !req.values.is_empty() && n.values != req.values {
            n.values = req.values.clone();
            n.value_lengths = lengths(n.values.iter().map(String::as_str));
        }
        if n.source.is_none() {
            n.source = req.initiator.clone();
        }
        if n.caller.is_none() {
            n.caller = req.caller.clone();
        }
    }
}

impl Detector for RequestWaterfall {
    fn on_start(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        self.devtools_seen |= req.from_devtools;
        if !req.is_api() || req.provoked || req.excluded_from_repeats() {
            return;
        }
        self.remember(req);
        self.settle(out);
    }

    fn on_end(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        if self.index(req.id).is_none() {
            return;
        }
        self.update(req);
        self.settle(out);
    }

    fn on_enrich(&mut self, req: &Request, out: &mut Findings) {
        self.devtools_seen = true;
        if self.index(req.id).is_none() {
            return;
        }
        self.update(req);
        // DevTools reports in the order requests finish: one that ended before this
        // one started and still has no entry will not get one (it is judged as is).
        // Only the pending can be undecided and judged later (at most `MAX_PENDING`,
        // usually a few): the ring is not walked on every entry.
        let start = req.start;
        for id in &self.pending {
            let Some(at) = self.index(*id) else {
                continue;
            };
            let n = &mut self.nodes[at];
            if !n.decided && !n.from_devtools && n.last_end.is_some_and(|e| e <= start) {
                n.forced = true;
            }
        }
        self.settle(out);
        // Values (the dependency check) and sources can come after the chain was reported.
        let head = self.node(req.id).filter(|n| n.decided).map(|n| n.head);
        if let Some(&deepest) = head.and_then(|h| self.reported.get(&h)) {
            self.report(deepest, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::model::event::Caller;

    #[test]
    fn a_node_is_found_where_a_search_of_the_ring_finds_it() {
        use super::RequestWaterfall;
        use crate::detect::{Detector, Findings, PageState};
        use crate::model::event::Api;
        use crate::model::request::Request;
        let mut w = RequestWaterfall::new(&crate::Config::default());
        let (page, mut found) = (PageState::default(), Findings::default());
        // Runs without gaps (every request remembered) and gaps of every size (requests
        // the detector does not remember), past the ring's size so the oldest go.
        let mut id = 10u64;
        for i in 0..1000u64 {
            id += if i % 7 < 4 { 1 } else { 1 + i % 13 };
            let mut r = Request::default();
            r.id = id;
            r.method = "GET".into();
            r.url = format!("http://h/api/r{i}");
            r.api = Api::Fetch;
            r.start = i as f64 * 10.0;
            w.on_start(&r, &page, &mut found);
            if i % 50 == 0 || i == 999 {
                for probe in 0..=id + 2 {
                    let searched = w.nodes.binary_search_by(|n| n.id.cmp(&probe)).ok();
                    assert_eq!(w.index(probe), searched, "id {probe}");
                }
            }
        }
    }

    #[test]
    fn skipping_the_nodes_out_of_reach_judges_as_scanning_them_all() {
        // Some requests stay in flight past the ring's memory.
        scans_agree(0.01, 90.0);
    }

    #[test]
    fn skipping_the_nodes_only_a_value_can_link_judges_as_scanning_them_all() {
        // Nothing stuck in flight, and gaps up to `data_gap_ms` and beyond: links by
        // the values answers hold, which the skipping scan must not miss either.
        scans_agree(0.0, 200.0);
    }

    /// Judges a random stream with the skipping scan and with the full one: `stuck`
    /// is the share of requests that never end, `spread` the longest gap between starts.
    fn scans_agree(stuck: f64, spread: f64) {
        use super::RequestWaterfall;
        use crate::detect::{Detector, Findings, PageState};
        use crate::model::event::{Api, Outcome};
        use crate::model::request::Request;
        let cfg = crate::Config::default();
        let (mut fast, mut full) = (RequestWaterfall::new(&cfg), RequestWaterfall::new(&cfg));
        full.full_scan = true;
        let (mut found_fast, mut found_full) = (Findings::default(), Findings::default());
        let page = PageState::default();
        let mut seed = 7u64;
        let mut rnd = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        let (mut t, mut open) = (0.0, Vec::<Request>::new());
        for id in 1..=3000u64 {
            // Quiet spells end chains; otherwise requests come close together.
            t += if rnd() < 0.03 { 3_000.0 } else { rnd() * spread };
            let mut r = Request::default();
            r.id = id;
            r.method = "GET".into();
            // Some answers hold an id, and some URLs carry the one just before theirs
            // (the by-value links, judged further back than the close ones).
            r.url = if rnd() < 0.3 {
                format!("http://h/api/r{}/v{}x", id % 37, id - 1)
            } else {
                format!("http://h/api/r{}", id % 37)
            };
            if rnd() < 0.5 {
                r.values = vec![format!("v{id}x")];
            }
            r.api = Api::Fetch;
            r.from_page = true;
            r.start = t;
            fast.on_start(&r, &page, &mut found_fast);
            full.on_start(&r, &page, &mut found_full);
            // A few may stay in flight past the ring's memory; most are quick.
            let d = if rnd() < stuck { 1e6 } else { rnd() * 80.0 };
            r.end = Some(t + d);
            r.status = 200;
            r.outcome = Some(Outcome::Ok);
            open.push(r);
            crate::model::sort::sort_by(&mut open, |a, b| a.end.unwrap().total_cmp(&b.end.unwrap()));
            while open.first().is_some_and(|r| r.end.unwrap() <= t) {
                let r = open.remove(0);
                fast.on_end(&r, &page, &mut found_fast);
                full.on_end(&r, &page, &mut found_full);
            }
        }
        let shown = |f: &Findings| f.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>();
        assert!(
            found_full.len() >= 2,
            "the stream should hold chains: {}",
            found_full.len()
        );
        assert!(
            found_full
                .iter()
                .any(|f| matches!(f.metrics.get("linked_by"), Some(Metric::Text(t)) if t.contains("data"))),
            "the stream should hold chains linked by value"
        );
        assert_eq!(shown(&found_fast), shown(&found_full));
    }
    use crate::model::finding::Metric;
    use crate::Severity;

    fn caller(function: &str, resumed: Option<&str>, scheduled_by: &[&str]) -> Caller {
        Caller {
            function: function.into(),
            resumed: resumed.map(str::to_string),
            scheduled_by: scheduled_by.iter().map(|s| s.to_string()).collect(),
            rendered: false,
        }
    }

    /// A request sent while React rendered (an effect, a query a component suspended on).
    fn rendered(function: &str) -> Caller {
        Caller {
            rendered: true,
            ..caller(function, None, &[])
        }
    }

    /// A request seen by the page (start, end) and then by DevTools (with its caller).
    fn seen(t: &mut Kit, id: u64, url: &str, start: f64, end: f64, c: Caller) {
        t.start(id, "GET", url, start);
        t.end(id, end);
        t.net(url, start, end - start, |n| n.caller = Some(c));
    }

    fn text(f: &crate::Finding, key: &str) -> String {
        match &f.metrics[key] {
            Metric::Text(s) => s.clone(),
            m => panic!("{key}: {m:?}"),
        }
    }

    const DASH: &str = "http://h/app.js#loadDashboard";

    #[test]
    fn an_awaited_chain_on_a_fast_local_api_is_flagged_by_its_shape_amid_background_traffic() {
        let mut t = Kit::new();
        // A poll ticking, a beacon and a prefetch overlap the chain; none breaks it.
        seen(
            &mut t,
            100,
            "http://h/api/poll",
            0.5,
            3.0,
            caller("http://h/poll.js#tick", Some("setInterval"), &[]),
        );
        seen(
            &mut t,
            1,
            "http://h/api/chain/1",
            1.0,
            8.0,
            caller(DASH, None, &["http://h/app.js#onLoad"]),
        );
        seen(
            &mut t,
            101,
            "http://h/api/prefetch",
            5.0,
            12.0,
            caller("http://h/nav.js#prefetch", None, &[]),
        );
        seen(
            &mut t,
            2,
            "http://h/api/chain/2",
            9.0,
            16.0,
            caller(DASH, Some("await"), &["http://h/app.js#onLoad"]),
        );
        t.net("http://h/collect", 15.0, 1.0, |n| n.resource_type = "ping".into());
        seen(
            &mut t,
            102,
            "http://h/api/poll",
            16.0,
            17.0,
            caller("http://h/poll.js#tick", Some("setInterval"), &[]),
        );
        seen(
            &mut t,
            3,
            "http://h/api/chain/3",
            17.5,
            24.0,
            caller(DASH, Some("await"), &[]),
        );
        seen(
            &mut t,
            4,
            "http://h/api/chain/4",
            25.0,
            31.0,
            caller(DASH, Some("await"), &[]),
        );
        let f = t.only("request-waterfall");
        assert_eq!(f.count, 4);
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(
            f.title,
            "4 requests awaited one after another: 4 sequential round trips, about 400 ms at 100 ms each (27 ms \
             measured here)"
        );
        assert_eq!(
            f.evidence.urls,
            [
                "http://h/api/chain/1",
                "http://h/api/chain/2",
                "http://h/api/chain/3",
                "http://h/api/chain/4"
            ]
        );
        assert_eq!(text(&f, "linked_by"), "await");
    }

    #[test]
    fn near_miss_the_same_requests_from_separate_clicks_are_quiet() {
        let mut t = Kit::new();
        // Each click handler calls fetch synchronously: nothing was awaited.
        for i in 0..4u64 {
            let start = 1.0 + i as f64 * 8.0;
            seen(
                &mut t,
                i,
                &format!("http://h/api/chain/{i}"),
                start,
                start + 7.0,
                caller(DASH, None, &[]),
            );
        }
        t.assert_none("request-waterfall");
    }

    #[test]
    fn near_miss_slow_requests_from_separate_clicks_are_quiet_though_timing_alone_would_flag_them() {
        let mut t = Kit::new();
        for i in 0..4u64 {
            let start = i as f64 * 420.0;
            seen(
                &mut t,
                i,
                &format!("http://h/api/report/{i}"),
                start,
                start + 400.0,
                caller(DASH, None, &[]),
            );
        }
        t.assert_none("request-waterfall");
    }

    /// The page, its organisation, its projects: one request per level, `apart` ms
    /// between the levels' starts, each 30 ms long, sent by `by`, `copies` times each
    /// (StrictMode sends a development build's effects twice).
    fn levels(t: &mut Kit, apart: f64, copies: u64, by: impl Fn() -> Caller) {
        let urls = [
            "http://h/api/session",
            "http://h/api/orgs/acme-42",
            "http://h/api/projects",
        ];
        for (level, url) in urls.iter().enumerate() {
            let at = 1.0 + level as f64 * apart;
            for copy in 0..copies {
                let (start, id) = (at + copy as f64, level as u64 * copies + copy);
                seen(t, id, url, start, start + 30.0, by());
            }
        }
    }

    #[test]
    fn nested_components_fetching_on_render_are_a_chain_amid_a_poll() {
        // Each component fetches in its effect once its parent had its data (React's
        // scheduler at the bottom of the stack); a poll ticks throughout, each tick
        // answered just before the next level starts.
        let effect = "http://h/app.js#";
        let poll = || caller("http://h/app.js#poll", Some("setInterval"), &[]);
        let mut t = Kit::new();
        for tick in 0..6u64 {
            let at = tick as f64 * 20.0 + 5.0;
            seen(&mut t, 100 + tick, "http://h/api/status", at, at + 30.0, poll());
        }
        levels(&mut t, 40.0, 2, || rendered(effect));
        let f = t.only("request-waterfall");
        assert_eq!(f.count, 3, "{f:#?}");
        assert_eq!(text(&f, "linked_by"), "render");
        assert!(
            f.title
                .starts_with("3 requests ran one after another: 3 sequential round trips"),
            "{}",
            f.title
        );
        assert!(f.advice.contains("fetch on render"), "{}", f.advice);
        // The same requests from a user's clicks (no render of React's scheduler
        // behind them), as fast, are no chain.
        let mut t = Kit::new();
        levels(&mut t, 40.0, 1, || caller(effect, None, &[]));
        t.assert_none("request-waterfall");
        // A poll's answer heads no chain: a tab that rendered and fetched just as the
        // poll answered, and its child after it, are two requests, not three.
        let mut t = Kit::new();
        seen(&mut t, 1, "http://h/api/status", 0.0, 10.0, poll());
        seen(&mut t, 2, "http://h/api/tabs/billing", 20.0, 50.0, rendered(effect));
        seen(&mut t, 3, "http://h/api/invoices", 60.0, 90.0, rendered(effect));
        t.assert_none("request-waterfall");
        // Rendered, but long after the answer before (the user opened it): no link.
        let mut t = Kit::new();
        levels(&mut t, 400.0, 1, || rendered(effect));
        t.assert_none("request-waterfall");
    }

    #[test]
    fn near_miss_requests_after_a_timer_or_animation_frame_that_merely_follow_are_quiet() {
        let mut t = Kit::new();
        seen(&mut t, 1, "http://h/api/a", 0.0, 5.0, caller(DASH, None, &[]));
        seen(
            &mut t,
            2,
            "http://h/api/b",
            6.0,
            11.0,
            caller(DASH, Some("setTimeout"), &[DASH]),
        );
        seen(
            &mut t,
            3,
            "http://h/api/c",
            12.0,
            17.0,
            caller(DASH, Some("requestAnimationFrame"), &[DASH]),
        );
        t.assert_none("request-waterfall");
    }

    #[test]
    fn near_miss_another_function_resuming_from_await_does_not_join() {
        let mut t = Kit::new();
        seen(&mut t, 1, "http://h/api/a", 0.0, 5.0, caller(DASH, None, &[]));
        seen(&mut t, 2, "http://h/api/b", 6.0, 11.0, caller(DASH, Some("await"), &[]));
        seen(
            &mut t,
            3,
            "http://h/api/c",
            12.0,
            17.0,
            caller("http://h/chat.js#connect", Some("await"), &[]),
        );
        t.assert_none("request-waterfall");
    }

    #[test]
    fn a_then_chain_links_through_the_function_that_scheduled_it() {
        let mut t = Kit::new();
        let load = "http://h/app.js#load";
        seen(&mut t, 1, "http://h/api/a", 0.0, 150.0, caller(load, None, &[]));
        seen(
            &mut t,
            2,
            "http://h/api/b",
            152.0,
            300.0,
            caller("http://h/app.js#", Some("Promise.then"), &[load]),
        );
        seen(
            &mut t,
            3,
            "http://h/api/c",
            301.0,
            450.0,
            caller("http://h/app.js#", Some("Promise.then"), &[load]),
        );
        let f = t.only("request-waterfall");
        assert_eq!(f.count, 3);
        assert_eq!(text(&f, "linked_by"), "Promise.then");
        assert!(f.title.starts_with("3 requests ran one after another"), "{}", f.title);
    }

    #[test]
    fn a_long_awaited_chain_is_a_warning_or_an_error_by_measured_time() {
        let mut t = Kit::new();
        for i in 0..4u64 {
            let start = i as f64 * 401.0;
            let r = if i == 0 { None } else { Some("await") };
            seen(
                &mut t,
                i,
                &format!("http://h/api/s/{i}"),
                start,
                start + 400.0,
                caller(DASH, r, &[]),
            );
        }
        let f = t.only("request-waterfall");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(
            f.title,
            "4 requests awaited one after another: 1600 ms where 400 ms would do"
        );
    }

    #[test]
    fn a_login_redirect_load_sequence_is_a_dependent_chain() {
        let mut t = Kit::new();
        let signin = "http://h/auth.js#signIn";
        t.start(1, "GET", "http://h/api/login", 0.0);
        t.end(1, 4.0);
        t.net("http://h/api/login", 0.0, 4.0, |n| {
            n.caller = Some(caller(signin, None, &[]));
            n.values = vec!["s3ss10n".into()];
        });
        t.start(2, "GET", "http://h/api/session/s3ss10n", 5.0);
        t.end(2, 9.0);
        t.net("http://h/api/session/s3ss10n", 5.0, 4.0, |n| {
            n.caller = Some(caller(signin, Some("await"), &[]));
            n.values = vec!["u42".into()];
        });
        seen(
            &mut t,
            3,
            "http://h/api/home/u42",
            10.0,
            14.0,
            caller(signin, Some("await"), &[]),
        );
        let f = t.only("request-waterfall");
        assert_eq!(f.count, 3);
        assert!(text(&f, "dependent").starts_with("yes: GET /api/session/s3ss10n uses s3ss10n"));
        assert!(f.advice.contains("depend on each other"));
    }

    #[test]
    fn near_miss_a_retry_or_long_poll_loop_of_one_request_is_not_a_chain() {
        let mut t = Kit::new();
        for i in 0..5u64 {
            let start = i as f64 * 31.0;
            let r = if i == 0 { None } else { Some("await") };
            seen(
                &mut t,
                i,
                "http://h/api/updates",
                start,
                start + 30.0,
                caller(DASH, r, &[]),
            );
        }
        t.assert_none("request-waterfall");
    }

    #[test]
    fn an_awaited_step_a_busy_page_resumes_late_still_continues_the_chain() {
        // The wizard's third step resumed 60 ms after the second's answer (the page
        // was rendering); a step resumed 300 ms after is something else's wait.
        for (late, chain) in [(60.0, 4), (300.0, 2)] {
            let mut t = Kit::new();
            let mut start = 0.0;
            for i in 0..4u64 {
                let r = if i == 0 { None } else { Some("await") };
                seen(
                    &mut t,
                    i,
                    &format!("http://h/api/step?n={}", i + 1),
                    start,
                    start + 20.0,
                    caller(DASH, r, &[]),
                );
                start += 20.0 + if i == 1 { late } else { 5.0 };
            }
            let longest = t.of("request-waterfall").iter().map(|f| f.count).max().unwrap_or(0);
            assert_eq!(longest, if chain >= 3 { chain } else { 0 }, "{late} ms late");
        }
    }

    #[test]
    fn near_miss_a_conversation_with_one_endpoint_is_not_a_chain() {
        // socket.io's polling handshake: the session, the connect packet, the first
        // long poll, each sent from the previous answer's callback.
        let mut t = Kit::new();
        let steps = [
            "http://h/socket.io/?EIO=4&transport=polling&t=1loe7prk",
            "http://h/socket.io/?EIO=4&transport=polling&t=1logoi1o&sid=Xh3kP9aZ",
            "http://h/socket.io/?EIO=4&transport=polling&t=1lohi5cl&sid=Xh3kP9aZ",
        ];
        for (i, url) in steps.iter().enumerate() {
            let start = i as f64 * 31.0;
            let r = if i == 0 { None } else { Some("XMLHttpRequest.send") };
            seen(
                &mut t,
                i as u64,
                url,
                start,
                start + 30.0,
                caller("http://h/app.js#_create", r, &[]),
            );
        }
        t.assert_none("request-waterfall");
        // One path asked other things in a row (`?n=1`, `?n=2`, `?n=3`) is a chain.
        let mut t = Kit::new();
        for i in 0..3u64 {
            let start = i as f64 * 31.0;
            let r = if i == 0 { None } else { Some("await") };
            let url = format!("http://h/api/step?n={}&via=wizard&_={}", i + 1, 1700 + i);
            seen(&mut t, i, &url, start, start + 30.0, caller(DASH, r, &[]));
        }
        assert_eq!(t.only("request-waterfall").count, 3);
    }

    #[test]
    fn graphql_operations_awaited_in_a_row_are_a_chain_though_they_share_one_url() {
        let mut t = Kit::new();
        for (i, op) in ["Viewer", "Team", "Projects"].iter().enumerate() {
            let start = i as f64 * 31.0;
            let r = if i == 0 { None } else { Some("await") };
            let url = "http://h/graphql";
            t.start_op(i as u64, url, start, Some(String::new()), op);
            t.end(i as u64, start + 30.0);
            t.net(url, start, 30.0, |n| {
                n.method = "POST".into();
                n.caller = Some(caller(DASH, r, &[]));
            });
        }
        assert_eq!(t.only("request-waterfall").count, 3);
    }

    #[test]
    fn chromes_own_har_of_three_awaits_links_them_by_await() {
        let events: Vec<crate::model::event::Event> =
            crate::input::har::parse(include_str!("../../tests/fixtures/har/chrome-waterfall.har"))
                .unwrap()
                .into_iter()
                .map(|n| crate::model::event::Event::Network(Box::new(n)))
                .collect();
        let f: Vec<_> = run_events(&events)
            .into_iter()
            .filter(|f| f.detector == "request-waterfall")
            .collect();
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].count, 3);
        assert_eq!(text(&f[0], "linked_by"), "await");
        assert!(
            f[0].title.starts_with("3 requests awaited one after another"),
            "{}",
            f[0].title
        );
    }

    #[test]
    fn a_long_chain_counts_every_link_and_keeps_its_first_links_as_evidence() {
        let mut t = Kit::new();
        // Three kinds of request in turn: a chain, not one request per item (that
        // is n-plus-one's, which supersedes the waterfall).
        for i in 0..120u64 {
            let start = i as f64 * 11.0;
            let r = if i == 0 { None } else { Some("await") };
            let kind = ["users", "orders", "items"][i as usize % 3];
            seen(
                &mut t,
                i,
                &format!("http://h/api/{kind}/{i}"),
                start,
                start + 10.0,
                caller(DASH, r, &[]),
            );
        }
        let f = t.only("request-waterfall");
        assert_eq!(f.count, 120);
        assert_eq!(f.evidence.requests.len(), 50);
        assert_eq!(f.evidence.urls.len(), 10);
        assert_eq!(f.evidence.urls[0], "http://h/api/users/0");
        assert_eq!(
            f.title,
            "120 requests awaited one after another: 1200 ms where 10 ms would do"
        );
    }

    #[test]
    fn near_miss_without_stacks_back_to_back_requests_amid_other_traffic_are_not_a_chain() {
        // A busy page known only by timing (no DevTools): each request starts right
        // after another ended, but something else is always in flight.
        let mut t = Kit::new();
        for i in 0..4u64 {
            let start = i as f64 * 401.0;
            t.start(100 + i, "GET", &format!("http://h/api/feed?page={i}"), start - 20.0);
            t.request(i, "GET", &format!("http://h/api/r/{i}"), start, start + 400.0);
            t.end(100 + i, start + 30.0);
        }
        t.assert_none("request-waterfall");
    }

    #[test]
    fn page_requests_wait_for_devtools_and_follow_what_its_stacks_say() {
        let mut t = Kit::new();
        // DevTools is feeding this session.
        t.net("http://h/app.js", 0.0, 3.0, |n| n.resource_type = "script".into());
        for i in 1..=3u64 {
            let start = i as f64 * 200.0;
            t.start(i, "GET", &format!("http://h/api/r/{i}"), start);
            t.end(i, start + 195.0);
        }
        // Back to back and slow: timing alone would report them; the stacks are awaited.
        t.assert_none("request-waterfall");
        for i in 1..=3u64 {
            let start = i as f64 * 200.0;
            let r = if i == 1 { None } else { Some("await") };
            t.net(&format!("http://h/api/r/{i}"), start, 195.0, |n| {
                n.caller = Some(caller(DASH, r, &[]))
            });
        }
        assert_eq!(t.only("request-waterfall").count, 3);
    }

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
            crate::model::finding::Metric::Text(s) => s.clone(),
            m => panic!("{m:?}"),
        };
        assert_eq!(dep, "yes: GET /api/orders/4711 uses 4711 from GET /api/user");
        assert!(f.advice.contains("depend on each other"));
    }

    /// React Query's dependent queries (`enabled: !!user`) on a 1 ms local API: each
    /// query is sent by the data layer's scheduler from its own function, so only the
    /// ids carried from one answer into the next URL tie them together.
    fn dependent_queries(t: &mut Kit, urls: [&str; 3], values: [&[&str]; 3]) {
        for (i, (url, vals)) in urls.iter().zip(values).enumerate() {
            let (id, start) = (i as u64 + 1, i as f64 * 4.0);
            let c = caller(
                &format!("http://h/app.js#queryFn{i}"),
                None,
                &["http://h/app.js#scheduleMicrotask"],
            );
            t.start(id, "GET", url, start);
            t.end(id, start + 2.0);
            t.net(url, start, 2.0, |n| {
                n.caller = Some(c);
                n.values = vals.iter().map(|v| v.to_string()).collect();
            });
        }
    }

    #[test]
    fn dependent_queries_from_a_data_layer_are_linked_by_the_ids_they_carry() {
        let mut t = Kit::new();
        dependent_queries(
            &mut t,
            [
                "http://h/api/session",
                "http://h/api/orgs/org_8f2k",
                "http://h/api/projects?org=org_8f2k&team=t_91",
            ],
            [&["u_1842", "org_8f2k"], &["org_8f2k", "t_91"], &[]],
        );
        let f = t.only("request-waterfall");
        assert_eq!(f.severity, crate::Severity::Info);
        assert_eq!(text(&f, "linked_by"), "data");
        assert!(text(&f, "dependent").starts_with("yes: GET /api/orgs/org_8f2k uses org_8f2k from GET /api/session"));
        assert!(
            f.title
                .starts_with("3 requests ran one after another: 3 sequential round trips"),
            "{}",
            f.title
        );
    }

    /// Requests sent by a data layer's scheduler (no await behind them), each with
    /// the id-like values of its JSON answer: (id, url, start, end, values).
    fn scheduled(plan: &[(u64, &str, f64, f64, &[&str])]) -> Kit {
        let mut t = Kit::new();
        for (i, (id, url, start, end, vals)) in plan.iter().enumerate() {
            let c = caller(&format!("http://h/app.js#queryFn{i}"), Some("setTimeout"), &[]);
            t.start(*id, "GET", url, *start);
            t.end(*id, *end);
            t.net(url, *start, end - start, |n| {
                n.caller = Some(c);
                n.values = vals.iter().map(|v| v.to_string()).collect();
            });
        }
        t
    }

    #[test]
    fn a_dependent_query_sent_late_by_a_busy_page_still_links_but_a_click_on_an_item_does_not() {
        // session (ends 90) -> org 55 ms later -> projects 22 ms later.
        let t = scheduled(&[
            (1, "http://h/api/session", 0.0, 90.0, &["acme-42"]),
            (2, "http://h/api/orgs/acme-42", 145.0, 265.0, &["org_8f2k"]),
            (3, "http://h/api/projects?org=org_8f2k", 287.0, 307.0, &[]),
        ]);
        assert_eq!(t.only("request-waterfall").count, 3);
        // A list's ids, then the user opens items: each click comes 400 ms or more after.
        let t = scheduled(&[
            (1, "http://h/api/items", 0.0, 20.0, &["item_101", "item_102"]),
            (2, "http://h/api/items/item_101", 420.0, 440.0, &["item_102"]),
            (3, "http://h/api/items/item_102", 900.0, 920.0, &[]),
        ]);
        t.assert_none("request-waterfall");
    }

    #[test]
    fn near_miss_queries_that_follow_without_carrying_an_id_or_only_a_page_size_are_quiet() {
        let mut t = Kit::new();
        dependent_queries(
            &mut t,
            [
                "http://h/api/session",
                "http://h/api/flags",
                "http://h/api/feed?limit=20",
            ],
            [&["u_1842", "20"], &["20"], &[]],
        );
        t.assert_none("request-waterfall");
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
        assert_eq!(f.metrics["dependent"], crate::model::finding::Metric::Text("no".into()));
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
