//! # n-plus-one
//!
//! ## What it detects
//! One request per item: at least 5 requests issued together (each starting
//! within 50 ms of the previous one: a data layer in a development build, on a busy
//! machine, issues a list's per-row queries tens of milliseconds apart), or one after
//! another (each within 50 ms of the previous one's answer: a loop awaiting each) that are the
//! same request except in *one* position (a path segment, a query value, or a GraphQL operation's variables),
//! with at least 5 distinct values there. The values need not look like ids: a
//! slug (`/products/blue-widget`), a short base62 id, an email or `?id=…` count.
//! How fast the API answers does not matter; a local API that answers ten of them
//! in 10 ms has the same problem as production, so the title states the cost at a
//! realistic round trip (100 ms) and the measured time only raises the severity.
//! The title says whether the requests ran at once or one after another (a loop
//! awaiting each, where the round trips add up).
//!
//! Not one request per item: different endpoints loaded together
//! (`Promise.all` of `/api/user`, `/api/settings`, `/api/cart`...): when the values
//! are names rather than ids, the varying segment must follow a collection, not an
//! API namespace (`api`, `v1`, `me`...), and the answers must look alike in size
//! (largest at most 4× the smallest). Pieces of one resource are not items either:
//! `Range` reads, and values of paging and chunk parameters (`offset`, `page`,
//! `cursor`...) or of chunk collections (`/chunks/3`).
//!
//! ## Why it matters
//! One request per item costs a round trip and server work per item (often a
//! database query each) where one batched request would do. The page waits for the
//! slowest of them, and the server sees a burst.
//!
//! ## Example
//! `GET /api/messages/{id}` 24× within 9 ms (ids 101, 102, 103…): "messages synced
//! individually, not in batch"; `GET /api/products/{slug}` 12× for a product grid.
//!
//! ## Thresholds
//! - `min_requests` (5): distinct items in a burst; `max_gap_ms` (50): the most between two
//!   starts, or between an answer and the next start.
//! - `assumed_latency_ms` (100): the round trip the stated cost assumes.
//! - `error_requests` (20), `error_total_ms` (1000): a burst this large, or this long
//!   in measured request time added up, is an error.
//! - `max_size_ratio` (4): answers to named (not id-like) items must agree in size this well.
//! - `namespace_segments` (["api", "apis", "rest", "rpc", "internal", "public", "private", "graphql", "services", "me", "self", "current", "account"]):
//!   a name varying after one of these (or a version, `v2`) is another endpoint.
//! - `chunk_params` (["offset", "start", "end", "from", "to", "skip", "page", "cursor", "after", "before", "since", "until", "range", "bytes", "position", "pos", "chunk", "part", "index"]):
//!   query parameters that page through one resource.
//! - `chunk_segments` (["chunks", "chunk", "parts", "part", "pages", "page", "ranges", "range", "segments", "blocks", "slices", "bytes"]):
//!   collections whose members are pieces of one resource.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::bounded::with_collected;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;
use crate::model::urls;
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};

thresholds!(NPlusOneConfig {
    /// Distinct items (values in the one varying position) in a burst.
    min_requests: usize = 5,
    /// Each starts within this long of the previous one, or of the previous one's answer.
    max_gap_ms: f64 = 50.0,
    /// The round trip the finding states its cost at: a local API answers in 1 ms,
    /// a real one does not.
    assumed_latency_ms: f64 = 100.0,
    /// A burst this large is an error.
    error_requests: usize = 20,
    /// ...and so is one whose measured durations add up to this.
    error_total_ms: f64 = 1_000.0,
    /// When the varying values are names, not ids (`/api/me/profile`, `/api/me/cart`),
    /// the answers must look alike: largest at most this many times the smallest.
    max_size_ratio: f64 = 4.0,
    /// Path segments that name an API, not a collection: a name varying right
    /// after them is a different endpoint (`/api/user`, `/api/settings`), not an item.
    /// Version segments (`v1`, `v2`) count too.
    namespace_segments: Vec<String> = ["api", "apis", "rest", "rpc", "internal", "public", "private", "graphql", "services", "me", "self", "current", "account"].map(String::from).to_vec(),
    /// Query parameters that move through one resource (chunk and page reads), not items.
    chunk_params: Vec<String> = ["offset", "start", "end", "from", "to", "skip", "page", "cursor", "after", "before", "since", "until", "range", "bytes", "position", "pos", "chunk", "part", "index"].map(String::from).to_vec(),
    /// Collections whose members are pieces of one resource (`/files/7/chunks/3`).
    chunk_segments: Vec<String> = ["chunks", "chunk", "parts", "part", "pages", "page", "ranges", "range", "segments", "blocks", "slices", "bytes"].map(String::from).to_vec(),
});

pub const ID: &str = "n-plus-one";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "N+1 request bursts",
    doc: include_str!(concat!(env!("OUT_DIR"), "/n_plus_one.doc")),
    build: |c| Box::new(NPlusOne::new(c)),
};

/// Bursts tracked at once (memory bound, not a threshold).
const MAX_KEYS: usize = 2048;
/// Bursts held before the first purge of finished ones (memory bound).
const PURGE_FLOOR: usize = 256;
/// Bursts older than this are dropped when the map is full (memory bound).
const KEEP_MS: f64 = 30_000.0;
/// Recent requests remembered for their URLs and bursts (memory bound).
const MAX_RECENT: usize = 2048;
const MAX_IDS_SHOWN: usize = 20;
const MAX_IDS_KEPT: usize = 64;
const MAX_SIZES_KEPT: usize = 64;
const MAX_REQUESTS_KEPT: usize = crate::model::finding::MAX_EVIDENCE_REQUESTS;
// `Burst::timed` and `Burst::sized` hold a bit per kept request.
const _: () = assert!(MAX_REQUESTS_KEPT <= 64);

/// Sets a metric, allocating its name only the first time (reports repeat per member).
fn put(metrics: &mut std::collections::BTreeMap<String, Metric>, name: &str, value: Metric) {
    match metrics.get_mut(name) {
        Some(m) => *m = value,
        None => {
            metrics.insert(name.to_string(), value);
        }
    }
}

/// The one position in which the requests of a burst differ.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Hole {
    /// A path segment, and whether the segment before it is an API namespace
    /// (or missing) rather than a collection.
    Path { index: usize, after_namespace: bool },
    /// A query parameter's value (its place among the sorted pairs).
    Query { index: usize },
    /// The body of a GraphQL operation (its variables).
    Body,
}

#[derive(Clone, Debug)]
struct Burst {
    hole: Hole,
    first_start: f64,
    last_start: f64,
    /// Members so far (all of them; `requests` keeps the first few).
    size: usize,
    /// In start order, which is id order (the engine numbers requests as it first
    /// sees them and starts each once, then): a member is found by binary search.
    requests: Vec<u64>,
    /// Distinct values in the hole, up to `MAX_IDS_KEPT`, each a span of `value_text`.
    /// Sorted and distinct (a set): most bursts never grow past their first member,
    /// and a B-tree's first node is far larger than a one-element vector. One text
    /// for all, not a string each: a burst's buffers are reused (see `spare`).
    values: Vec<(usize, usize)>,
    value_text: String,
    /// Every value so far looks like an id (number, UUID, hash, base62, email).
    id_like: bool,
    total_ms: f64,
    /// Members whose duration is in `total_ms`, a bit per place in `requests`.
    timed: u64,
    /// Response sizes of the members that answered 2xx: (request, bytes).
    sizes: Vec<(u64, u64)>,
    /// Members with an entry in `sizes`, a bit per place in `requests` (a first
    /// size is pushed without searching the list).
    sized: u64,
    counted: usize,
    /// `total_ms` when last reported (durations arrive after the starts).
    reported_ms: f64,
    /// Members kept in `requests` that started and have not answered yet.
    open: u32,
    /// Members kept in `requests` that answered, a bit per place (a request can
    /// settle twice: an abort after its end).
    ended: u64,
    /// The latest end among the members that answered.
    latest_end: f64,
    /// A member started before an earlier one had answered: the requests ran at
    /// once, not one after another.
    overlapped: bool,
    /// `names()` as last computed, with what it depends on beyond the burst's key
    /// (whether every value is an id, and the hole's placeholder): reports repeat
    /// on every member, and building the names is their costliest part.
    names: Option<(bool, &'static str, String, String)>,
    /// Whether its members are pages or map tiles rather than items (see
    /// `report`), asked once per burst: every member shares the URL but for one
    /// position.
    not_items: Option<bool>,
    /// Changes whenever `values` does (unique across bursts): the finding's `ids`
    /// text is rewritten only when it would differ.
    values_gen: u64,
}

impl Burst {
    fn empty() -> Burst {
        Burst {
            hole: Hole::Body,
            first_start: 0.0,
            last_start: 0.0,
            size: 0,
            requests: Vec::new(),
            values: Vec::new(),
            value_text: String::new(),
            id_like: true,
            total_ms: 0.0,
            timed: 0,
            sizes: Vec::new(),
            sized: 0,
            counted: 0,
            reported_ms: 0.0,
            open: 0,
            ended: 0,
            latest_end: f64::NEG_INFINITY,
            overlapped: false,
            names: None,
            not_items: None,
            values_gen: 0,
        }
    }

    /// The distinct values in the hole, sorted.
    fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|&(from, to)| &self.value_text[from..to])
    }

    /// Keeps purged bursts for reuse, up to `PURGE_FLOOR`, those whose buffers are
    /// no larger than a usual burst's.
    fn keep_spares(spare: &mut Vec<Box<Burst>>, gone: impl Iterator<Item = (u64, Box<Burst>)>) {
        for (_, b) in gone {
            let small = b.requests.capacity() <= 8
                && b.values.capacity() <= 8
                && b.sizes.capacity() <= 8
                && b.value_text.capacity() <= 256;
            if small && spare.len() < PURGE_FLOOR {
                spare.push(b);
            }
        }
    }
}

/// What a finding shows beyond its count and evidence: the latest report's burst
/// and the largest so far. Reports repeat on every member of a burst; the title,
/// metrics and severity are written from this only when the findings are read
/// (`flush`), once per read instead of once per member.
struct Shown {
    /// Bursts reported under the finding.
    bursts: f64,
    /// The largest burst's size and measured time so far (rounded, as the metrics).
    largest: f64,
    largest_ms: f64,
    /// The latest report's burst: its size and measured time, and whether each of
    /// its requests waited for the one before.
    n: usize,
    total_ms: f64,
    sequential: bool,
    label: String,
    /// The `ids` metric: the first values of the latest burst that brought new
    /// members, and that burst's `values_gen` when it was written.
    ids: String,
    ids_gen: u64,
    /// Not yet written into the finding.
    dirty: std::cell::Cell<bool>,
}

struct Recent {
    url: String,
    keys: Vec<u64>,
}

pub struct NPlusOne {
    cfg: NPlusOneConfig,
    /// Boxed: most requests start a burst or two, and a burst (about 200 bytes)
    /// was moved out of `spare` and into the table each time (and the table's
    /// purges walked them all); a box is a pointer's move.
    bursts: crate::model::bounded::IdMap<Box<Burst>>,
    /// Bursts purged, kept for their buffers (up to `PURGE_FLOOR`): most requests
    /// start a burst or two of their own (one per position that could vary), which
    /// the next purge drops; reused, they cost no allocation.
    spare: Vec<Box<Burst>>,
    /// `candidates`' buffer, kept between requests (empty between them; see `recycle`).
    scratch: Vec<Candidate<'static>>,
    /// Recent requests: their URLs (evidence) and the bursts they joined.
    recent: crate::model::bounded::IdMap<Recent>,
    order: VecDeque<u64>,
    /// Bursts held when the next purge runs.
    purge_at: usize,
    /// Per finding key (only findings the store kept), what `flush` writes.
    shown: std::collections::BTreeMap<String, Shown>,
    /// Some `Shown` is dirty.
    dirty: std::cell::Cell<bool>,
    /// The last `values_gen` handed out.
    values_gen: u64,
}

fn is_namespace(seg: &str, cfg: &NPlusOneConfig) -> bool {
    let version = seg.len() >= 2
        && (seg.starts_with('v') || seg.starts_with('V'))
        && seg[1..].bytes().all(|c| c.is_ascii_digit() || c == b'.');
    version || cfg.namespace_segments.iter().any(|n| n.eq_ignore_ascii_case(seg))
}

/// Whether the burst has the items to qualify (`NPlusOne::qualifies`' first test):
/// one that has not is never reported, and its report is not even looked for.
fn can_qualify(b: &Burst, cfg: &NPlusOneConfig) -> bool {
    b.values.len() >= cfg.min_requests
}

/// A request's candidates: (burst key, hole, value).
type Candidate<'a> = (u64, Hole, &'a str);

/// The ways a request could be one of a burst, into `out` (cleared first).
fn candidates<'a>(req: &'a Request, cfg: &NPlusOneConfig, out: &mut Vec<Candidate<'a>>) {
    out.clear();
    let p = req.parts();
    with_collected(urls::segments(p.path), |segs| {
        with_collected(urls::query_pairs(p.query), |pairs| {
            crate::model::sort::sort_unstable(pairs);
            candidates_of(req, cfg, segs, pairs, out)
        })
    })
}

/// [`candidates`] from the URL's segments and sorted query pairs.
fn candidates_of<'a>(
    req: &'a Request,
    cfg: &NPlusOneConfig,
    segs: &[&'a str],
    pairs: &[(&'a str, &'a str)],
    out: &mut Vec<Candidate<'a>>,
) {
    let p = req.parts();
    // What every key starts with, hashed once: each candidate continues from a copy.
    let base = {
        let mut h = urls::QuickHasher::default();
        req.method.hash(&mut h);
        urls::write_lowercase(p.origin, &mut h);
        req.op.hash(&mut h);
        segs.len().hash(&mut h);
        h
    };
    let hash_pair = |h: &mut urls::QuickHasher, k: &str, v: &str| {
        k.hash(h);
        if urls::is_volatile_param(k) {
            0u8.hash(h);
        } else {
            v.hash(h);
        }
    };
    for (i, seg) in segs.iter().enumerate() {
        let parent = i.checked_sub(1).map(|j| segs[j]);
        if parent.is_some_and(|p| cfg.chunk_segments.iter().any(|c| c.eq_ignore_ascii_case(p))) {
            continue;
        }
        let mut h = base;
        (b'p', i).hash(&mut h);
        for (j, s) in segs.iter().enumerate() {
            if j != i {
                s.hash(&mut h);
            }
        }
        for (k, v) in pairs {
            hash_pair(&mut h, k, v);
        }
        let after_namespace = parent.is_none_or(|p| is_namespace(p, cfg));
        out.push((
            h.finish(),
            Hole::Path {
                index: i,
                after_namespace,
            },
            *seg,
        ));
    }
    for (qi, (k, v)) in pairs.iter().enumerate() {
        if v.is_empty() || urls::is_volatile_param(k) || cfg.chunk_params.iter().any(|c| c.eq_ignore_ascii_case(k)) {
            continue;
        }
        let mut h = base;
        (b'q', qi).hash(&mut h);
        segs.hash(&mut h);
        for (j, (k2, v2)) in pairs.iter().enumerate() {
            if j == qi {
                k2.hash(&mut h);
            } else {
                hash_pair(&mut h, k2, v2);
            }
        }
        out.push((h.finish(), Hole::Query { index: qi }, *v));
    }
    if req.op.is_some() {
        if let Some(body) = req.body.as_deref().filter(|b| !b.is_empty()) {
            let mut h = base;
            b'b'.hash(&mut h);
            segs.hash(&mut h);
            for (k, v) in pairs {
                hash_pair(&mut h, k, v);
            }
            out.push((h.finish(), Hole::Body, body));
        }
    }
}

/// An empty vector in `v`'s buffer, for candidates of another request: collecting
/// into items of the same size reuses the buffer (no allocation per request).
fn recycle<'b>(mut v: Vec<Candidate<'_>>) -> Vec<Candidate<'b>> {
    v.clear();
    v.into_iter()
        .map(|_| -> Candidate<'b> { unreachable!("empty") })
        .collect()
}

impl NPlusOne {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.n_plus_one.clone(),
            bursts: Default::default(),
            spare: Vec::new(),
            scratch: Vec::new(),
            recent: Default::default(),
            order: VecDeque::new(),
            purge_at: PURGE_FLOOR,
            shown: Default::default(),
            dirty: Default::default(),
            values_gen: 0,
        }
    }

    /// Whether the burst is one request per item (see the module doc).
    fn qualifies(&self, b: &Burst) -> bool {
        let cfg = &self.cfg;
        if !can_qualify(b, cfg) {
            return false;
        }
        match b.hole {
            Hole::Body => true,
            _ if b.id_like => true,
            Hole::Path {
                after_namespace: true, ..
            } => false,
            _ => {
                // Names, not ids: only answers of one kind make them items.
                if b.sizes.len() < cfg.min_requests {
                    return false;
                }
                let known = b.sizes.iter().map(|(_, n)| *n);
                let min = known.clone().min().unwrap_or(0).max(1) as f64;
                let max = known.max().unwrap_or(0) as f64;
                max <= min * cfg.max_size_ratio
            }
        }
    }

    /// What `names()` puts in the hole for this member: all that can differ
    /// between the names of one burst's members (the rest of the key is hashed).
    /// `value`: the member's value in the hole when the caller has it at hand (the
    /// start's candidates), else it is cut from the URL again.
    fn hole_placeholder(&self, b: &Burst, req: &Request, value: Option<&str>) -> &'static str {
        if !b.id_like {
            return "{slug}";
        }
        let p = req.parts();
        let value = match b.hole {
            Hole::Body => return "",
            _ if value.is_some() => value,
            Hole::Path { index, .. } => urls::segments(p.path).nth(index),
            Hole::Query { index } => with_collected(urls::query_pairs(p.query), |pairs| {
                crate::model::sort::sort_unstable(pairs);
                pairs.get(index).map(|(_, v)| *v)
            }),
        };
        value.map_or("", |v| urls::id_placeholder(v).unwrap_or("{id}"))
    }

    /// The finding's key and label: the URL with the hole (and any other id) as a placeholder.
    fn names(&self, b: &Burst, req: &Request) -> (String, String) {
        let p = req.parts();
        let origin = p.origin.to_ascii_lowercase();
        if let (Hole::Body, Some(op)) = (b.hole, &req.op) {
            let path = if p.path.is_empty() { "/" } else { p.path };
            return (
                format!("{} {origin}{path} op={op}", req.method),
                format!("{} {path} ({op})", req.method),
            );
        }
        let placeholder = |v: &str| -> &'static str {
            if b.id_like {
                urls::id_placeholder(v).unwrap_or("{id}")
            } else {
                "{slug}"
            }
        };
        let mut path = String::new();
        for (i, seg) in urls::segments(p.path).enumerate() {
            path.push('/');
            match b.hole {
                Hole::Path { index, .. } if index == i => path.push_str(placeholder(seg)),
                _ => path.push_str(urls::id_placeholder(seg).unwrap_or(seg)),
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        let hole_value = b.values().next().unwrap_or("");
        let mut pairs: Vec<(&str, &str)> = urls::query_pairs(p.query).collect();
        crate::model::sort::sort_unstable(&mut pairs);
        for (i, (k, v)) in pairs.iter().enumerate() {
            path.push(if i == 0 { '?' } else { '&' });
            path.push_str(k);
            path.push('=');
            if urls::is_volatile_param(k) {
                path.push('…');
            } else if b.hole == (Hole::Query { index: i }) {
                path.push_str(placeholder(if b.id_like { v } else { hole_value }));
            } else {
                path.push_str(urls::id_placeholder(v).unwrap_or(v));
            }
        }
        (
            format!("{} {origin}{path}", req.method),
            format!("{} {path}", req.method),
        )
    }

    /// `value`: what `req` has in the burst's hole, when known (see `hole_placeholder`).
    fn report(&mut self, key: u64, req: &Request, value: Option<&str>, out: &mut Findings) {
        let Some(b) = self.bursts.get(&key) else { return };
        if (b.counted == b.size && b.reported_ms == b.total_ms) || !self.qualifies(b) {
            return;
        }
        // A router prefetching the page behind each link in view asks for pages, not
        // items; a map's tiles are pieces of one picture. Asked once of a burst that
        // qualifies: on every request it cost about 340 instructions per event.
        if let Some(b) = self.bursts.get_mut(&key) {
            if *b
                .not_items
                .get_or_insert_with(|| req.is_route_payload() || urls::is_map_tile(req.parts()))
            {
                return;
            }
        }
        let Some(b) = self.bursts.get(&key) else { return };
        let hole = self.hole_placeholder(b, req, value);
        let stale = !matches!(&b.names, Some((id_like, h, _, _)) if *id_like == b.id_like && *h == hole);
        if stale {
            let (k, l) = self.names(b, req);
            if let Some(b) = self.bursts.get_mut(&key) {
                b.names = Some((b.id_like, hole, k, l));
            }
        }
        let Some(b) = self.bursts.get(&key) else { return };
        let Some((_, _, fkey, label)) = &b.names else { return };
        let recent = &self.recent;
        let new = (b.size - b.counted) as u64;
        let first_new = b.counted == 0;
        // Requests not yet in the evidence (the first report adds all kept so far).
        let fresh = &b.requests[b.requests.len().min(b.counted)..];
        let n = b.size;
        let shown = &mut self.shown;
        let mut kept = false;
        out.upsert(ID, fkey, b.first_start, |f| {
            kept = true;
            f.count += new;
            for r in fresh {
                f.evidence.add_request(*r);
                if let Some(u) = recent.get(r) {
                    f.evidence.add_url(&u.url);
                }
            }
            // The rest is written on read (`flush`); kept here as numbers.
            let s = match shown.get_mut(fkey.as_str()) {
                Some(s) => {
                    s.bursts += if first_new { 1.0 } else { 0.0 };
                    s
                }
                None => shown.entry(fkey.clone()).or_insert(Shown {
                    bursts: 1.0,
                    largest: n as f64,
                    largest_ms: b.total_ms,
                    n,
                    total_ms: b.total_ms,
                    sequential: !b.overlapped,
                    label: String::new(),
                    ids: String::new(),
                    ids_gen: 0,
                    dirty: Default::default(),
                }),
            };
            // As `Finding::raise`: the larger of the two, rounded.
            s.largest = s.largest.max(n as f64).round();
            s.largest_ms = s.largest_ms.max(b.total_ms).round();
            s.n = n;
            s.total_ms = b.total_ms;
            s.sequential = !b.overlapped;
            if s.label != *label {
                s.label.clone_from(label);
            }
            if new > 0 && (s.ids_gen != b.values_gen || s.ids.is_empty()) {
                s.ids.clear();
                for (i, v) in b.values().take(MAX_IDS_SHOWN).enumerate() {
                    if i > 0 {
                        s.ids.push_str(", ");
                    }
                    s.ids.push_str(v);
                }
                s.ids_gen = b.values_gen;
            }
            s.dirty.set(true);
        });
        if kept {
            self.dirty.set(true);
        }
        if let Some(b) = self.bursts.get_mut(&key) {
            b.counted = b.size;
            b.reported_ms = b.total_ms;
        }
    }

    fn remember(&mut self, req: &Request, keys: impl Iterator<Item = u64>) {
        // Past the bound, the oldest goes first and its buffers take the newest's
        // URL and keys (two allocations and two frees less per request), unless its
        // URL's buffer is far larger than this one needs (a long URL's is not kept).
        let mut spare = None;
        while self.order.len() >= MAX_RECENT {
            if let Some(old) = self.order.pop_front() {
                spare = self.recent.remove(&old).or(spare);
            }
        }
        let recent = match spare {
            Some(mut r) if r.url.capacity() <= 2 * req.url.len() + 64 => {
                req.url.clone_into(&mut r.url);
                r.keys.clear();
                r.keys.extend(keys);
                r
            }
            _ => Recent {
                url: req.url.clone(),
                keys: keys.collect(),
            },
        };
        self.recent.insert(req.id, recent);
        self.order.push_back(req.id);
    }

    /// A member answered (or DevTools told its size): count its time and size.
    fn settle(&mut self, req: &Request, out: &mut Findings) {
        // Taken out while the bursts are updated (and put back): no copy per settle.
        let Some(keys) = self.recent.get_mut(&req.id).map(|r| std::mem::take(&mut r.keys)) else {
            return;
        };
        let size = req.decoded_size().filter(|_| (200..300).contains(&req.status));
        for &key in &keys {
            let Some(b) = self.bursts.get_mut(&key) else { continue };
            let Ok(at) = b.requests.binary_search(&req.id) else {
                // A member past the kept ones still tells when it answered.
                if b.size > b.requests.len() && b.requests.last().is_some_and(|&last| req.id > last) {
                    if let Some(end) = req.end {
                        b.latest_end = b.latest_end.max(end);
                    }
                }
                continue;
            };
            let bit = 1u64 << at;
            if b.ended & bit == 0 {
                b.ended |= bit;
                b.open = b.open.saturating_sub(1);
                if let Some(end) = req.end {
                    b.latest_end = b.latest_end.max(end);
                }
            }
            if let Some(d) = req.duration() {
                // Once per request (an abort can settle a request twice).
                if b.timed & bit == 0 {
                    b.timed |= bit;
                    b.total_ms += d;
                }
            }
            if let Some(n) = size {
                if b.sized & bit != 0 {
                    if let Some(s) = b.sizes.iter_mut().find(|(id, _)| *id == req.id) {
                        s.1 = n;
                    }
                } else if b.sizes.len() < MAX_SIZES_KEPT {
                    b.sizes.push((req.id, n));
                    b.sized |= bit;
                }
            }
            if can_qualify(b, &self.cfg) {
                self.report(key, req, None, out);
            }
        }
        if let Some(r) = self.recent.get_mut(&req.id) {
            r.keys = keys;
        }
    }
}

impl Detector for NPlusOne {
    fn on_start(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        if !req.is_api() || req.excluded_from_repeats() {
            return;
        }
        let gap = self.cfg.max_gap_ms;
        let mut cands = recycle(std::mem::take(&mut self.scratch));
        candidates(req, &self.cfg, &mut cands);
        // The candidates whose burst may be reported (a bit each, the 64 first; see
        // `can_qualify`): most bursts never reach that, and a report looks its burst up again.
        let mut reportable = 0u64;
        for (i, (key, hole, value)) in cands.iter().enumerate() {
            // A new key starts empty (size 0), in a purged burst's buffers when there is one.
            let b = self
                .bursts
                .entry(*key)
                .or_insert_with(|| self.spare.pop().unwrap_or_else(|| Box::new(Burst::empty())));
            // A member starts close to the previous one's start, or to the previous
            // one's answer (a loop awaiting each, however long the round trips).
            let next = req.start - b.last_start <= gap || (req.start - b.latest_end).abs() <= gap;
            if b.size == 0 || !next || req.start < b.first_start - gap {
                // A new burst under this key, in the old one's buffers.
                b.hole = *hole;
                b.first_start = req.start;
                b.last_start = req.start;
                b.size = 0;
                b.requests.clear();
                b.values.clear();
                b.value_text.clear();
                self.values_gen += 1;
                b.values_gen = self.values_gen;
                b.id_like = true;
                b.total_ms = 0.0;
                b.timed = 0;
                b.sizes.clear();
                b.sized = 0;
                b.counted = 0;
                b.reported_ms = 0.0;
                b.open = 0;
                b.ended = 0;
                b.latest_end = f64::NEG_INFINITY;
                b.overlapped = false;
                b.names = None;
                b.not_items = None;
            }
            // Live, an earlier member that has not answered is still open; read from
            // a HAR in start order, each member's end is known before the next starts.
            if b.open > 0 || req.start < b.latest_end {
                b.overlapped = true;
            }
            b.last_start = b.last_start.max(req.start);
            b.first_start = b.first_start.min(req.start);
            b.size += 1;
            if b.requests.len() < MAX_REQUESTS_KEPT {
                debug_assert!(
                    b.requests.last().is_none_or(|&last| last < req.id),
                    "members in id order"
                );
                b.requests.push(req.id);
                b.open += 1;
            }
            if b.values.len() < MAX_IDS_KEPT {
                let text = &b.value_text;
                if let Err(at) = b.values.binary_search_by(|&(from, to)| text[from..to].cmp(value)) {
                    b.id_like &= *hole == Hole::Body || urls::looks_like_id(value);
                    let from = b.value_text.len();
                    b.value_text.push_str(value);
                    b.values.insert(at, (from, b.value_text.len()));
                    self.values_gen += 1;
                    b.values_gen = self.values_gen;
                }
            }
            if i < 64 && can_qualify(b, &self.cfg) {
                reportable |= 1 << i;
            }
        }
        self.remember(req, cands.iter().map(|(k, _, _)| *k));
        for (i, (key, _, value)) in cands.iter().enumerate() {
            if i >= 64 || reportable & (1 << i) != 0 {
                self.report(*key, req, Some(value), out);
            }
        }
        self.scratch = recycle(cands);
        if self.bursts.len() > self.purge_at {
            // Amortized: a burst that ended with too few items can never qualify;
            // one still waiting for sizes is kept a while (memory bound).
            let (now, gap, min) = (req.start, self.cfg.max_gap_ms, self.cfg.min_requests);
            let gone = self.bursts.extract_if(|_, b| {
                let open = now - b.last_start <= gap;
                !(open || (b.values.len() >= min && now - b.last_start < KEEP_MS))
            });
            Burst::keep_spares(&mut self.spare, gone);
            if self.bursts.len() > MAX_KEYS {
                Burst::keep_spares(&mut self.spare, self.bursts.drain());
            }
            self.purge_at = (self.bursts.len() * 2).max(PURGE_FLOOR);
        }
    }

    fn on_end(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        self.settle(req, out);
    }

    fn flush(&self, out: &mut Findings) {
        use std::fmt::Write as _;
        if !self.dirty.replace(false) {
            return;
        }
        let cfg = &self.cfg;
        out.write_stale(
            ID,
            &self.shown,
            |s| &s.dirty,
            |s, f| {
                let n = s.n;
                put(&mut f.metrics, "bursts", Metric::Num(s.bursts));
                put(&mut f.metrics, "largest_burst", Metric::Num(s.largest));
                put(&mut f.metrics, "requests", Metric::Num(f.count as f64));
                put(&mut f.metrics, "total_ms", Metric::Num(s.total_ms.round()));
                if !matches!(f.metrics.get("path"), Some(Metric::Text(p)) if *p == s.label) {
                    put(&mut f.metrics, "path", Metric::Text(s.label.clone()));
                }
                match f.metrics.get_mut("ids") {
                    Some(Metric::Text(t)) => {
                        if *t != s.ids {
                            t.clone_from(&s.ids);
                        }
                    }
                    _ => put(&mut f.metrics, "ids", Metric::Text(s.ids.clone())),
                }
                let cost = n as f64 * cfg.assumed_latency_ms;
                put(&mut f.metrics, "cost_at_latency_ms", Metric::Num(cost.round()));
                put(
                    &mut f.metrics,
                    "assumed_latency_ms",
                    Metric::Num(cfg.assumed_latency_ms),
                );
                put(&mut f.metrics, "largest_burst_ms", Metric::Num(s.largest_ms));
                f.severity = if s.largest >= cfg.error_requests as f64 || s.largest_ms >= cfg.error_total_ms {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                f.title.clear();
                // Awaited in a loop, the round trips add up; sent together, they
                // still cost the server one query each.
                let (how, trips) = if s.sequential {
                    ("one after another", "round trips in a row")
                } else {
                    ("at once", "round trips")
                };
                let _ = write!(
                    f.title,
                    "{} requested {n}× {how}, one per item ({n} {trips}: about {:.1} s at {} ms each)",
                    s.label,
                    cost / 1000.0,
                    cfg.assumed_latency_ms.round()
                );
                macro_rules! batch {
                    () => {
                        "Fetch these in one request: a batch endpoint (`?ids=1,2,3`), an include/expand parameter \
                         on the parent resource, or a GraphQL query (or DataLoader) that batches them."
                    };
                }
                const ADVICE: &str = batch!();
                const IN_TURN: &str = concat!(
                    batch!(),
                    " Until then, start them together (`Promise.all`) instead of awaiting each in turn: the \
                     round trips add up."
                );
                let advice = if s.sequential { IN_TURN } else { ADVICE };
                if f.advice != advice {
                    f.advice = advice.into();
                }
            },
        );
    }

    fn on_enrich(&mut self, req: &Request, out: &mut Findings) {
        self.settle(req, out);
        let Some(src) = &req.initiator else { return };
        let Some(r) = self.recent.get(&req.id) else { return };
        for key in &r.keys {
            let Some(b) = self.bursts.get(key) else { continue };
            if b.counted == 0 || b.requests.binary_search(&req.id).is_err() {
                continue;
            }
            let (fkey, _) = self.names(b, req);
            if let Some(f) = out.get_mut(ID, &fkey) {
                f.evidence.add_source(src);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;

    /// Titles, metrics and severity are written when the findings are read (and
    /// then only what changed): reading after every event, as the panel may, gives
    /// the same findings as reading once at the end, and a read changes no version.
    #[test]
    fn findings_read_often_equal_findings_read_once() {
        let feed = |t: &mut Kit, read: bool| {
            for i in 0..30u64 {
                let at = 1000.0 + i as f64 * 2.0;
                // A per-item burst (n-plus-one) and a repeated status call (duplicate-request).
                t.start(2 * i, "GET", &format!("http://h/api/messages/{}", 100 + i), at);
                t.start(2 * i + 1, "GET", "http://h/api/status", at + 1.0);
                if read {
                    let v = t.engine.version();
                    let _ = t.engine.findings();
                    assert_eq!(t.engine.version(), v, "a read is not a change");
                }
                if i % 3 == 0 {
                    t.end(2 * i, at + 40.0 + i as f64);
                    t.end(2 * i + 1, at + 5.0);
                }
                if read && i % 2 == 0 {
                    let _ = t.engine.findings();
                }
            }
        };
        let (mut often, mut once) = (Kit::new(), Kit::new());
        feed(&mut often, true);
        feed(&mut once, false);
        let found = once.engine.findings();
        // Written on read: titles and metrics are there.
        let burst = found.iter().find(|f| f.detector == super::ID).expect("a burst");
        assert!(burst.title.contains("requested 30× at once"), "{}", burst.title);
        assert_eq!(burst.num("largest_burst"), Some(30.0));
        let copies = found
            .iter()
            .find(|f| f.detector == crate::detect::duplicate_request::ID)
            .expect("copies");
        assert!(
            copies.title.starts_with("GET /api/status requested 30×"),
            "{}",
            copies.title
        );
        assert_eq!(copies.num("copies"), Some(30.0));
        assert_eq!(often.engine.findings(), found);
        // Read twice in a row: the same, with nothing left to write.
        assert_eq!(once.engine.findings(), found);
    }

    #[test]
    fn near_miss_a_router_prefetching_each_link_in_view_is_no_n_plus_one() {
        // A blog index's eight links come into view; the router prefetches each
        // page's payload, five at a time. The posts' own API, asked per post, is an N+1.
        let slugs = [
            "how-we-ship",
            "rust-in-prod",
            "edge-caching",
            "a-b-tests",
            "hiring-2026",
            "postmortem-may",
            "design-tokens",
            "release-notes-41",
        ];
        for page in [
            "http://h/blog/{s}?_rsc=1ld0r",
            "http://h/_next/data/k2Xc9/blog/{s}.json",
            "http://h/blog/{s}/_payload.json",
            "http://h/blog/{s}/__data.json",
            "http://h/page-data/blog/{s}/page-data.json",
            "http://h/api/posts/{s}",
        ] {
            let mut t = Kit::new();
            for (i, s) in slugs.iter().enumerate() {
                let at = 1000.0 + (i / 5) as f64 * 40.0 + i as f64;
                t.request(i as u64, "GET", &page.replace("{s}", s), at, at + 35.0);
            }
            if page.contains("/api/") {
                assert_eq!(t.only("n-plus-one").count, 8);
            } else {
                t.assert_none("n-plus-one");
            }
        }
    }

    #[test]
    fn near_miss_a_map_fetching_a_screenful_of_tiles_is_no_n_plus_one() {
        // A 5 × 4 grid of vector tiles, as MapLibre or Mapbox GL fetch them.
        for tpl in [
            "https://api.mapbox.com/v4/mapbox.mapbox-streets-v8/14/{x}/{y}.vector.pbf?access_token=pk.eyJ1Ijoi",
            "https://tiles.example.com/data/v3/14/{x}/{y}.pbf",
            "http://localhost:3000/tiles/14/{x}/{y}@2x.png",
            "https://maps.example.com/tile?layer=roads&z=14&x={x}&y={y}",
            "https://wmts.example.com/wmts?SERVICE=WMTS&REQUEST=GetTile&TileMatrix=14&TileCol={x}&TileRow={y}",
        ] {
            let mut t = Kit::new();
            let mut i = 0u64;
            for y in 5447..5451u32 {
                for x in 8190..8195u32 {
                    let at = 1000.0 + i as f64 * 3.0;
                    let url = tpl.replace("{x}", &x.to_string()).replace("{y}", &y.to_string());
                    t.request(i, "GET", &url, at, at + 60.0);
                    i += 1;
                }
            }
            t.assert_none("n-plus-one");
        }
        // Orders by year and id are items, though three numbers end the path.
        let mut t = Kit::new();
        for i in 0..6u64 {
            let at = 1000.0 + i as f64 * 3.0;
            t.request(
                i,
                "GET",
                &format!("http://h/api/orders/2026/{}", 81_000 + i),
                at,
                at + 60.0,
            );
        }
        assert_eq!(t.only("n-plus-one").count, 6);
    }

    #[test]
    fn a_burst_of_per_id_requests_is_n_plus_one() {
        let mut t = Kit::new();
        for i in 0..8u64 {
            t.start(
                i,
                "GET",
                &format!("http://h/api/messages/{}", 100 + i),
                1000.0 + i as f64 * 2.0,
            );
        }
        for i in 0..8u64 {
            t.end(i, 1080.0 + i as f64);
        }
        let f = t.only("n-plus-one");
        assert_eq!(f.count, 8);
        assert!(f.title.contains("/api/messages/{id} requested 8×"), "{}", f.title);
    }

    #[test]
    fn items_fetched_one_after_another_in_a_loop_say_so() {
        // `for (const id of ids) await fetch(`/api/items/${id}`)`: each waits for the last.
        let mut t = Kit::new();
        for i in 0..8u64 {
            let at = i as f64 * 12.0;
            t.request(i + 1, "GET", &format!("http://h/api/items/{}", 100 + i), at, at + 10.0);
        }
        let f = t.only("n-plus-one");
        assert_eq!(
            f.title,
            "GET /api/items/{id} requested 8× one after another, one per item (8 round trips in a row: about 0.8 s at 100 ms each)"
        );
        // Sent together (`Promise.all`), the same requests are "at once".
        let mut t = Kit::new();
        for i in 0..8u64 {
            t.start(i + 1, "GET", &format!("http://h/api/items/{}", 100 + i), i as f64);
        }
        for i in 0..8u64 {
            t.end(i + 1, 20.0 + i as f64);
        }
        assert!(t.only("n-plus-one").title.contains("requested 8× at once"));
        // A real API's round trips (110 ms each): still one request per item, and the
        // chain they make is that finding's, not a second one as a waterfall.
        let mut t = Kit::new();
        for i in 0..8u64 {
            let at = i as f64 * 120.0;
            t.request(i + 1, "GET", &format!("http://h/api/items/{}", 100 + i), at, at + 110.0);
        }
        let f = t.only("n-plus-one");
        assert!(f.title.contains("requested 8× one after another"), "{}", f.title);
        assert!(f.advice.contains("Promise.all"), "{}", f.advice);
        assert_eq!(f.num("total_ms"), Some(880.0));
        t.assert_none("request-waterfall");
        // The near miss: the user opening items at a human pace is no burst.
        let mut t = Kit::new();
        for i in 0..8u64 {
            let at = i as f64 * 900.0;
            t.request(i + 1, "GET", &format!("http://h/api/items/{}", 100 + i), at, at + 110.0);
        }
        t.assert_none("n-plus-one");
    }

    #[test]
    fn graphql_operations_are_grouped_by_name() {
        let mut t = Kit::new();
        for i in 0..6u64 {
            let body = Some(crate::model::event::body_signature(&format!(
                "{{\"operationName\":\"User\",\"variables\":{{\"id\":{i}}}}}"
            )));
            t.start_op(i, "http://h/graphql", 10.0 + i as f64, body, "User");
            t.end(i, 200.0);
        }
        assert!(t.only("n-plus-one").title.contains("(User)"));
    }

    #[test]
    fn near_miss_user_driven_pagination_is_quiet() {
        let mut t = Kit::new();
        for i in 0..8u64 {
            let at = i as f64 * 900.0;
            t.request(i, "GET", &format!("http://h/api/items?page={i}"), at, at + 200.0);
        }
        t.assert_none("n-plus-one");
    }

    use crate::model::event::{Api, Event, Outcome, RequestEnd, RequestStart};
    use crate::Severity;

    /// A request with a response of `size` bytes, as the page hook reports it.
    fn sized(t: &mut Kit, id: u64, url: &str, start: f64, end: f64, size: u64) {
        t.start(id, "GET", url, start);
        t.engine.ingest(Event::RequestEnd(RequestEnd {
            id,
            t: end,
            status: 200,
            outcome: Outcome::Ok,
            content_type: Some("application/json".into()),
            content_length: Some(size),
            content_encoding: None,
            cache_control: None,
        }));
    }

    fn raw_start(t: &mut Kit, id: u64, method: &str, url: &str, at: f64, keepalive: bool, range: bool) {
        t.engine.ingest(Event::RequestStart(RequestStart {
            id,
            api: Api::Fetch,
            method: method.into(),
            url: url.into(),
            t: at,
            body: Some(String::new()),
            keepalive,
            range,
            op: None,
        }));
    }

    #[test]
    fn a_fast_local_burst_is_flagged_by_its_shape_and_costed_at_a_real_latency() {
        // Ten requests answered in 1 ms each: 10 ms in all, invisible by time.
        let mut t = Kit::new();
        for i in 0..10u64 {
            let at = 1000.0 + i as f64 * 0.3;
            t.request(i, "GET", &format!("http://127.0.0.1:5173/api/i/{i}"), at, at + 1.0);
        }
        let f = t.only("n-plus-one");
        assert_eq!(f.count, 10);
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.title.contains(
                "GET /api/i/{id} requested 10× at once, one per item (10 round trips: about 1.0 s at 100 ms each)"
            ),
            "{}",
            f.title
        );
        assert_eq!(f.num("total_ms"), Some(10.0));
        assert_eq!(f.num("cost_at_latency_ms"), Some(1000.0));
        assert_eq!(f.evidence.urls.len(), 10);
        assert_eq!(f.evidence.urls[0], "http://127.0.0.1:5173/api/i/0");
    }

    #[test]
    fn slugs_are_items_when_they_follow_a_collection_and_the_answers_agree() {
        let mut t = Kit::new();
        let slugs = [
            "blue-widget",
            "red-gadget",
            "green-gizmo",
            "plain-sprocket",
            "tiny-cog",
            "huge-lever",
        ];
        for (i, slug) in slugs.iter().enumerate() {
            let at = 500.0 + i as f64;
            sized(
                &mut t,
                i as u64,
                &format!("http://localhost:3000/api/products/{slug}"),
                at,
                at + 1.0,
                900 + 40 * i as u64,
            );
        }
        let f = t.only("n-plus-one");
        assert!(
            f.title.starts_with("GET /api/products/{slug} requested 6×"),
            "{}",
            f.title
        );
        assert!(
            matches!(f.metrics.get("ids"), Some(crate::model::finding::Metric::Text(s)) if s.contains("blue-widget"))
        );
    }

    #[test]
    fn short_base62_ids_emails_and_query_ids_are_items() {
        for (n, make) in [
            (
                0,
                (|i: u64| {
                    format!(
                        "http://h/api/u/{}",
                        ["aZ3kP9", "Qx81Lm", "p0Oq7r", "Zz9yX8", "k3JmN1"][i as usize]
                    )
                }) as fn(u64) -> String,
            ),
            (1, |i: u64| format!("http://h/api/users/user{i}@example.com/avatar")),
            (2, |i: u64| format!("http://h/api/product?id={}&expand=price", 700 + i)),
            (3, |i: u64| format!("http://h/api/lookup?email=u{i}%40example.com")),
        ] {
            let mut t = Kit::new();
            for i in 0..5u64 {
                let at = 10.0 + i as f64 * 2.0;
                t.request(i, "GET", &make(i), at, at + 1.0);
            }
            let f = t.only("n-plus-one");
            assert_eq!(f.count, 5, "case {n}: {}", f.title);
        }
    }

    #[test]
    fn named_items_in_the_query_need_answers_that_agree() {
        let mut t = Kit::new();
        for i in 0..6u64 {
            let at = 10.0 + i as f64;
            let slug = ["oak", "elm", "ash", "fir", "yew", "bay"][i as usize];
            sized(
                &mut t,
                i,
                &format!("http://h/api/tree?slug={slug}"),
                at,
                at + 2.0,
                500 + i * 10,
            );
        }
        let f = t.only("n-plus-one");
        assert!(
            f.title.starts_with("GET /api/tree?slug={slug} requested 6×"),
            "{}",
            f.title
        );
    }

    #[test]
    fn near_miss_promise_all_of_different_endpoints_on_load_is_quiet() {
        // Even with answers of one size, /api/{user,settings,...} are endpoints, not items.
        let mut t = Kit::new();
        for (i, name) in ["user", "settings", "flags", "cart", "notifications", "features"]
            .iter()
            .enumerate()
        {
            let at = 100.0 + i as f64 * 0.5;
            sized(
                &mut t,
                i as u64,
                &format!("http://localhost:8080/api/{name}"),
                at,
                at + 3.0,
                400,
            );
        }
        // ...nor under a version or an account namespace.
        for (i, name) in ["profile", "billing", "preferences", "sessions", "devices"]
            .iter()
            .enumerate()
        {
            let at = 100.0 + i as f64 * 0.5;
            sized(
                &mut t,
                10 + i as u64,
                &format!("http://localhost:8080/api/v2/me/{name}"),
                at,
                at + 3.0,
                400,
            );
            sized(
                &mut t,
                20 + i as u64,
                &format!("http://localhost:8080/api/v2/{name}"),
                at,
                at + 3.0,
                400,
            );
        }
        t.assert_none("n-plus-one");
    }

    #[test]
    fn near_miss_named_sections_with_answers_of_different_kinds_are_quiet() {
        let mut t = Kit::new();
        let parts = [
            ("stats", 120),
            ("alerts", 4_800),
            ("traffic", 19_000),
            ("errors", 60),
            ("news", 2_300),
        ];
        for (i, (name, size)) in parts.iter().enumerate() {
            let at = 100.0 + i as f64;
            sized(
                &mut t,
                i as u64,
                &format!("http://h/api/dashboard/{name}"),
                at,
                at + 2.0,
                *size,
            );
        }
        t.assert_none("n-plus-one");
    }

    #[test]
    fn near_miss_range_and_chunk_reads_of_one_resource_are_quiet() {
        let mut t = Kit::new();
        // PDF.js: one URL, many Range requests (flagged by the hook, and without the flag too).
        for i in 0..12u64 {
            raw_start(
                &mut t,
                i,
                "GET",
                "http://h/files/manual.pdf",
                10.0 + i as f64,
                false,
                i % 2 == 0,
            );
            t.end(i, 30.0 + i as f64);
        }
        // Offset/limit chunks of one file, and chunk segments.
        for i in 0..10u64 {
            let at = 100.0 + i as f64;
            t.request(
                100 + i,
                "GET",
                &format!("http://h/api/files/7/content?offset={}&limit=65536", i * 65536),
                at,
                at + 2.0,
            );
            t.request(
                200 + i,
                "GET",
                &format!("http://h/api/uploads/9/chunks/{i}"),
                at,
                at + 2.0,
            );
            t.request(
                300 + i,
                "GET",
                &format!("http://h/api/feed?page={i}&per_page=20"),
                at,
                at + 2.0,
            );
        }
        t.assert_none("n-plus-one");
    }

    #[test]
    fn background_traffic_does_not_hide_a_burst() {
        let mut t = Kit::new();
        let mut id = 1000;
        for i in 0..8u64 {
            let at = 50.0 + i as f64 * 3.0;
            t.request(i, "GET", &format!("http://h/api/orders/{}", 9000 + i), at, at + 1.0);
            // A beacon, a prefetch and another endpoint in between.
            raw_start(&mut t, id, "POST", "http://h/collect", at + 1.0, true, false);
            t.end(id, at + 2.0);
            t.request(
                id + 1,
                "GET",
                &format!("http://h/api/recommendations?for={i}&kind=x{}", i * 7),
                at + 1.5,
                at + 2.5,
            );
            id += 2;
        }
        let f = t.only("n-plus-one");
        assert!(f.title.starts_with("GET /api/orders/{id} requested 8×"), "{}", f.title);
    }

    #[test]
    fn evidence_lists_capped_urls_with_the_total_and_size_or_time_raise_severity() {
        let mut t = Kit::new();
        for i in 0..25u64 {
            let at = i as f64;
            t.request(i, "GET", &format!("http://h/api/pins/{i}"), at, at + 1.0);
        }
        let f = t.only("n-plus-one");
        assert_eq!(f.evidence.urls.len(), 10);
        assert_eq!(f.num("requests"), Some(25.0));
        assert_eq!(f.severity, Severity::Error);
        // Six slow ones: 6 × 300 ms of measured request time.
        let mut t = Kit::new();
        for i in 0..6u64 {
            t.request(i, "GET", &format!("http://h/api/pins/{i}"), i as f64, i as f64 + 300.0);
        }
        assert_eq!(t.only("n-plus-one").severity, Severity::Error);
    }

    #[test]
    fn a_long_burst_stays_one_finding_past_the_values_it_keeps() {
        let mut t = Kit::new();
        for i in 0..200u64 {
            let at = i as f64 * 5.0;
            t.request(i, "GET", &format!("http://h/api/search?q=term{i}"), at, at + 2.0);
        }
        let f = t.only("n-plus-one");
        assert_eq!(f.count, 200);
        assert!(
            f.title.starts_with("GET /api/search?q={id} requested 200×"),
            "{}",
            f.title
        );
    }

    #[test]
    fn near_miss_few_requests_and_spread_out_ones_are_quiet() {
        let mut t = Kit::new();
        for i in 0..4u64 {
            t.request(i, "GET", &format!("http://h/api/j/{i}"), i as f64, i as f64 + 200.0);
        }
        for i in 0..8u64 {
            let at = 1000.0 + i as f64 * 120.0;
            t.request(10 + i, "GET", &format!("http://h/api/k/{i}"), at, at + 5.0);
        }
        // The same item five times is a duplicate, not N+1.
        for i in 0..5u64 {
            t.request(20 + i, "GET", "http://h/api/k/1", 5000.0 + i as f64, 5010.0);
        }
        t.assert_none("n-plus-one");
    }
}
