//! # duplicate-request
//!
//! ## What it detects
//! The same request (method, normalized URL and body) issued again while the first
//! is still in flight, or within 2 s after it settled. A copy that the page then
//! aborts is taken back out.
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
//! - `strict_mode_gap_ms` (100): in a React development build on a local host, an
//!   even number of copies started this close together is StrictMode running effects
//!   twice (one commit's effects: 7–25 ms apart on an idle 2-core machine, more
//!   under load): two are information (in production it is one request); more are judged
//!   by the half production sends ("requested 3× in production (6× at once here…)").
//!
//! Never counted: `OPTIONS`, `HEAD`, range requests, beacons and keepalive requests,
//! bodies that cannot be compared (streams), a request the page aborted (React 18
//! StrictMode's cleanup aborting the first fetch before the effect runs again is
//! what cancelling correctly looks like), and a retry of a request that failed
//! (its record says `retry`; many retries are an `error-burst`).
//!
//! Not a copy either: a read again after a write that can change its answer started
//! in between (a POST, PUT, PATCH or DELETE to the same path, or to one above or
//! below it, `/api/todos` and `/api/todos/7`, or of one RPC router, tRPC's
//! `user.update` and `user.get`; or a GraphQL mutation to the same endpoint). That
//! is a data library refreshing what a mutation changed (React Query's
//! `invalidateQueries`, Apollo's `refetchQueries`, SWR's `mutate`).

use super::{dev_build_in_production, thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::bounded::evict_oldest;
use crate::model::event::{Event, Outcome};
use crate::model::finding::{Metric, Severity, MAX_EVIDENCE_REQUESTS};
use crate::model::request::Request;
use std::collections::{BTreeSet, VecDeque};

thresholds!(DuplicateRequestConfig {
    /// A copy issued this long after the first settled still counts.
    window_ms: f64 = 2000.0,
    /// Copies (including the first) from which the finding is an error.
    error_copies: u32 = 5,
    /// Two copies started at most this far apart in a React development build on a
    /// local host are StrictMode's double effect (information only).
    strict_mode_gap_ms: f64 = 100.0,
});

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
/// How long past the window a request is remembered: DevTools' log can deliver a
/// little out of order.
const FORGET_SLACK_MS: f64 = 10_000.0;
/// Writes remembered (the latest; memory bound, not a threshold).
const MAX_WRITES: usize = 16;

/// A write the page started: reads of what it can change start over after it.
struct Write {
    start: f64,
    origin: String,
    path: String,
}

/// Until when the browser's cache may answer a read again without asking the
/// server: a successful GET's end plus its `Cache-Control: max-age`, unless it
/// says `no-store` or `no-cache` (or `max-age=0`, what most APIs send).
fn fresh_until(req: &Request) -> Option<f64> {
    if req.method != "GET" || !(200..300).contains(&req.status) {
        return None;
    }
    // Whole seconds as u64: `str::parse::<f64>` would link core's float parser
    // into the panel's wasm (see model::number).
    let cache_control = req.cache_control.as_deref()?;
    // Without an `=` there is no max-age (`no-store`, most APIs): no need to split.
    if memchr::memchr(b'=', cache_control.as_bytes()).is_none() {
        return None;
    }
    let mut max_age: Option<u64> = None;
    for part in cache_control.split(',').map(str::trim) {
        if part.eq_ignore_ascii_case("no-store") || part.eq_ignore_ascii_case("no-cache") {
            return None;
        }
        if let Some(v) = part
            .get(..8)
            .filter(|p| p.eq_ignore_ascii_case("max-age="))
            .map(|_| &part[8..])
        {
            max_age = v.trim_matches('"').parse().ok();
        }
    }
    Some(req.end? + max_age.filter(|s| *s > 0)? as f64 * 1000.0)
}

/// Answered by the browser's HTTP cache (or a service worker's): DevTools shows
/// nothing crossed the network (`_transferSize` 0, HAR `_fromCache`) for a
/// response that arrived. A config or translation file fetched again while it is
/// fresh costs no round trip; copies that go to the network still count.
fn from_cache(req: &Request) -> bool {
    req.from_devtools && req.transfer_size == Some(0) && (200..300).contains(&req.status)
}

/// A path without the verb an RPC-style API puts after a dot in its last segment
/// (tRPC's `/trpc/user.update` and `/trpc/user.get` are both about `/trpc/user`).
fn resource(path: &str) -> &str {
    let last = path.rfind('/').map_or(0, |i| i + 1);
    match path[last..].rfind('.') {
        Some(dot) if dot > 0 => &path[..last + dot],
        _ => path,
    }
}

impl Write {
    /// A write here can change what a read of `origin` and `path` returns: the same
    /// origin, and one path is the other or lies under it (verbs after a dot aside).
    fn touches(&self, origin: &str, path: &str) -> bool {
        if !self.origin.eq_ignore_ascii_case(origin) {
            return false;
        }
        let (mine, theirs) = (resource(&self.path), resource(path));
        let (long, short) = if mine.len() >= theirs.len() {
            (mine, theirs)
        } else {
            (theirs, mine)
        };
        let short = short.trim_end_matches('/');
        long.strip_prefix(short)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

struct Seen {
    id: u64,
    start: f64,
    end: Option<f64>,
    aborted: bool,
    retry: bool,
    /// Served by the browser's cache (see `from_cache`), or started while an
    /// earlier answer was still fresh (see `fresh_until`): no round trip to count.
    cached: bool,
    /// Until when its answer is fresh in the browser's cache, when it is cacheable.
    fresh_until: Option<f64>,
    source: Option<String>,
    /// Counted with a partner that has since been forgotten: stays counted.
    sticky: bool,
}

impl Seen {
    fn countable(&self) -> bool {
        !self.aborted && !self.retry && !self.cached
    }
}

/// One request key: the recent requests, and what was counted of those forgotten.
#[derive(Default)]
struct Key {
    list: Vec<Seen>,
    retired: u64,
    retired_in_flight: u64,
    retired_ids: Vec<u64>,
    retired_gap: Option<f64>,
    url: String,
    label: String,
    last: f64,
    /// The key is in `DuplicateRequest::flagged` (kept in step with it, and read from
    /// it when the key is created again after an eviction): a refresh, on every copy
    /// and end, reads this instead of searching the set by its text.
    flagged: bool,
    /// What the finding shows now (count, in flight, gap, StrictMode, sources): unchanged, no update.
    shown: Option<(u64, u64, i64, bool, usize)>,
    /// `tally(list)` as the latest refresh computed it, until the list changes: the
    /// next start, which retires requests, needs the tally from before it.
    tally: std::cell::Cell<Option<Tally>>,
}

/// What a key's recent requests add up to.
#[derive(Clone, Copy)]
struct Tally {
    /// The copies, a bit per index in the list (at most `MAX_PER_KEY` entries).
    counted: u32,
    in_flight: u64,
    min_gap: Option<f64>,
    /// Where the count stopped, for `tally_after_push`: the latest end among the
    /// countable requests (infinite while one is in flight), and the last of them in
    /// start order.
    latest_end: Option<f64>,
    last: Option<usize>,
    /// The latest end among the countable requests before `last` (see `tally_after_end`).
    prev_end: Option<f64>,
}

impl Tally {
    fn len(&self) -> u64 {
        self.counted.count_ones() as u64
    }

    fn has(&self, i: usize) -> bool {
        self.counted & (1 << i) != 0
    }

    /// The counted indexes, in order: one step per set bit (a refresh walks them
    /// several times), not one per possible index.
    fn indexes(&self) -> impl Iterator<Item = usize> + Clone {
        let mut bits = self.counted;
        std::iter::from_fn(move || {
            let i = bits.trailing_zeros() as usize;
            bits &= bits.wrapping_sub(1);
            (i < 32).then_some(i)
        })
    }
}

pub struct DuplicateRequest {
    cfg: DuplicateRequestConfig,
    local_suffixes: Vec<String>,
    keys: crate::model::bounded::StrMap<Key>,
    /// Keys with a finding now, so a late fact (React's build) can update them.
    flagged: BTreeSet<String>,
    /// The page runs a React development build.
    react_dev: bool,
    page_url: String,
    /// Keys forgotten to keep memory bounded.
    pub evicted: usize,
    /// Per finding kept by the store, what `flush` writes into it.
    shown: std::collections::BTreeMap<String, Shown>,
    /// Some `Shown` is dirty.
    dirty: std::cell::Cell<bool>,
    /// The latest writes, oldest first.
    writes: VecDeque<Write>,
}

/// What a key's finding shows beyond its count and evidence, as of its latest
/// refresh. A key's finding is refreshed on every copy and every end; its title,
/// metrics and severity are written from this only when the findings are read.
struct Shown {
    count: u64,
    in_flight: u64,
    /// Rounded, as the metric.
    min_gap: Option<f64>,
    strict_mode: bool,
    label: String,
    /// Not yet written into the finding.
    dirty: std::cell::Cell<bool>,
}

/// Sets a metric, allocating its name only the first time (a key's finding is
/// refreshed on every copy).
fn put(metrics: &mut std::collections::BTreeMap<String, Metric>, name: &str, value: Metric) {
    match metrics.get_mut(name) {
        Some(m) => *m = value,
        None => {
            metrics.insert(name.to_string(), value);
        }
    }
}

/// Sets a text only when it differs (no allocation on the usual unchanged update).
fn set_text(slot: &mut String, text: &str) {
    if slot != text {
        text.clone_into(slot);
    }
}

/// Which recent requests are copies. Two countable requests are copies when the
/// later one started while the earlier was in flight or within `window` after it
/// ended; in start order that only needs the latest end so far and the next start.
fn tally(list: &[Seen], window: f64) -> Tally {
    // Lists hold at most `MAX_PER_KEY` requests: the order and the flags fit on the stack.
    debug_assert!(list.len() <= 32);
    let mut slots = [0usize; 32];
    let mut n = 0;
    for (i, s) in list.iter().enumerate().take(32) {
        if s.countable() {
            slots[n] = i;
            n += 1;
        }
    }
    let order = &mut slots[..n];
    // Ids are unique, so an unstable sort gives the one order; lists are short and
    // usually already in start order, which the check finds without sorting.
    let before = |a: usize, b: usize| {
        list[a]
            .start
            .total_cmp(&list[b].start)
            .then(list[a].id.cmp(&list[b].id))
    };
    if !order.is_sorted_by(|&a, &b| before(a, b).is_le()) {
        crate::model::sort::sort_unstable_by(order, |&a, &b| before(a, b));
    }
    let mut counted = 0u32;
    let mut in_flight = 0;
    let mut min_gap: Option<f64> = None;
    // The latest end among the earlier ones (infinite while one is in flight).
    let mut latest_end: Option<f64> = None;
    let mut prev_end: Option<f64> = None;
    for (pos, &j) in order.iter().enumerate() {
        let b = &list[j];
        if let Some(end) = latest_end {
            if b.start <= end + window {
                counted |= 1 << j;
                if b.start < end {
                    in_flight += 1;
                } else {
                    let gap = b.start - end;
                    min_gap = Some(min_gap.map_or(gap, |g: f64| g.min(gap)));
                }
            }
        }
        // An earlier request is a copy's original when the next one started close to it.
        if let Some(&next) = order.get(pos + 1) {
            if b.end.is_none_or(|e| list[next].start <= e + window) {
                counted |= 1 << j;
            }
        }
        if b.sticky {
            counted |= 1 << j;
        }
        let end = b.end.unwrap_or(f64::INFINITY);
        prev_end = latest_end;
        latest_end = Some(latest_end.map_or(end, |l: f64| l.max(end)));
    }
    Tally {
        counted,
        in_flight,
        min_gap,
        latest_end,
        last: order.last().copied(),
        prev_end,
    }
}

/// [`tally`] of `list`, whose last request was just pushed, from `before`, the tally
/// of the list without it. A new request usually comes last in start order: then the
/// count is `tally`'s loop one step further (the previous last one gets its next, the
/// new one is compared with the latest end), not the whole list again; a start
/// counts its key's list twice otherwise (after forgetting the old ones, and after).
fn tally_after_push(before: Tally, list: &[Seen], window: f64) -> Tally {
    let Some((x, rest)) = list.split_last() else {
        return before;
    };
    let j = rest.len();
    if !x.countable() {
        return before; // not counted, nor in the order
    }
    if j >= 32 || x.sticky {
        return tally(list, window);
    }
    if let Some(p) = before.last {
        let after = x.start.total_cmp(&list[p].start).then(x.id.cmp(&list[p].id));
        if after != std::cmp::Ordering::Greater {
            return tally(list, window);
        }
    }
    let mut t = before;
    // The step of the one that was last: the new one is its next.
    if let Some(p) = before.last {
        if list[p].end.is_none_or(|e| x.start <= e + window) {
            t.counted |= 1 << p;
        }
    }
    // The new one's step.
    if let Some(end) = before.latest_end {
        if x.start <= end + window {
            t.counted |= 1 << j;
            if x.start < end {
                t.in_flight += 1;
            } else {
                let gap = x.start - end;
                t.min_gap = Some(t.min_gap.map_or(gap, |g: f64| g.min(gap)));
            }
        }
    }
    let end = x.end.unwrap_or(f64::INFINITY);
    t.latest_end = Some(before.latest_end.map_or(end, |l: f64| l.max(end)));
    t.last = Some(j);
    t.prev_end = before.latest_end;
    t
}

/// [`tally`] of `rest`, the list without its first request `gone`, from `before`, the
/// tally of the whole list, once every request `before` counted has been made sticky
/// (as `on_start` does before forgetting): then each stays counted and no other can
/// become counted, so the count is `before`'s less `gone`. A polled key's oldest
/// request goes as each new one comes; counting the rest afresh cost more than the
/// request's other work. None when the rest must be counted again: `gone` was not the
/// first in start order, or it ended after the next one (later requests compared with
/// its end), or the next one's gap after it was in `before`'s smallest gap.
fn tally_after_drop_first(
    before: Tally,
    rest: &[Seen],
    gone: (f64, u64, Option<f64>, bool),
    window: f64,
) -> Option<Tally> {
    let (start, id, end, countable) = gone;
    let shifted = Tally {
        counted: before.counted >> 1,
        // (0 only when it was the one gone: then the result is not this.)
        last: before.last.and_then(|l| l.checked_sub(1)),
        ..before
    };
    if !countable {
        return Some(shifted); // not in the order: the rest's indexes move down one
    }
    // The next one in start order, as `tally` sorts.
    let next = rest
        .iter()
        .enumerate()
        .filter(|(_, s)| s.countable())
        .min_by(|(_, a), (_, b)| a.start.total_cmp(&b.start).then(a.id.cmp(&b.id)));
    let Some((i, next)) = next else {
        // It was the only one counted in order: nothing is left to count.
        return Some(Tally {
            counted: 0,
            in_flight: 0,
            min_gap: None,
            latest_end: None,
            last: None,
            prev_end: None,
        });
    };
    if start.total_cmp(&next.start).then(id.cmp(&next.id)) != std::cmp::Ordering::Less {
        return None;
    }
    let (gone_end, next_end) = (end.unwrap_or(f64::INFINITY), next.end.unwrap_or(f64::INFINITY));
    if !(gone_end <= next_end) {
        return None;
    }
    let mut t = shifted;
    if next.start <= gone_end + window {
        if next.start < gone_end {
            t.in_flight -= 1;
        } else {
            return None;
        }
    }
    if t.last == Some(i) {
        t.prev_end = None;
    }
    Some(t)
}

/// [`tally`] of `list` after the request at `i` got its end (nothing else changed),
/// from `before`, the tally of the list with its previous end; None when the whole
/// list must be counted again. A polled key's requests end in the order they
/// started: the one that ended is the last in start order, which has no next to
/// pair with, so only the latest end moves (as `tally`'s last step would move it).
/// A request that is not countable is not in the count at all.
fn tally_after_end(before: Tally, list: &[Seen], i: usize) -> Option<Tally> {
    let x = &list[i];
    if !x.countable() {
        return Some(before);
    }
    if before.last != Some(i) {
        return None;
    }
    let end = x.end.unwrap_or(f64::INFINITY);
    Some(Tally {
        latest_end: Some(before.prev_end.map_or(end, |l: f64| l.max(end))),
        ..before
    })
}

impl DuplicateRequest {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.duplicate_request.clone(),
            local_suffixes: cfg.dev_build_in_production.local_suffixes.clone(),
            keys: Default::default(),
            flagged: BTreeSet::new(),
            react_dev: false,
            page_url: String::new(),
            evicted: 0,
            shown: Default::default(),
            dirty: Default::default(),
            writes: VecDeque::new(),
        }
    }

    /// Remembers a write, forgetting those too old to come between two copies.
    fn note_write(&mut self, req: &Request) {
        let oldest = req.start - self.cfg.window_ms - FORGET_SLACK_MS;
        while self.writes.front().is_some_and(|w| w.start < oldest) || self.writes.len() >= MAX_WRITES {
            self.writes.pop_front();
        }
        let p = req.parts();
        self.writes.push_back(Write {
            start: req.start,
            origin: p.origin.to_string(),
            path: p.path.to_string(),
        });
    }

    /// When the latest write that can change what `req` (a read) reads started, if
    /// one did before it: what started earlier pairs with nothing from `req` on.
    fn written_before(&self, req: &Request) -> Option<f64> {
        if self.writes.is_empty() {
            return None;
        }
        let p = req.parts();
        self.writes
            .iter()
            .rev()
            .find(|w| w.start <= req.start && w.touches(p.origin, p.path))
            .map(|w| w.start)
    }

    /// Recomputes the finding of one key from what is known now; `counted`: the
    /// key's tally when the caller has it (see `tally_after_push`).
    fn refresh(&mut self, key: &str, counted: Option<Tally>, out: &mut Findings) {
        let Some(k) = self.keys.get(key) else { return };
        let flagged = k.flagged;
        if k.list.len() < 2 && k.retired == 0 && !flagged {
            return;
        }
        let t = counted.unwrap_or_else(|| tally(&k.list, self.cfg.window_ms));
        k.tally.set(Some(t));
        let count = k.retired + t.len();
        if count < 2 {
            if flagged {
                self.flagged.remove(key);
                out.remove(ID, key);
                self.shown.remove(key);
            }
            if let Some(k) = self.keys.get_mut(key) {
                k.shown = None;
                k.flagged = false;
            }
            return;
        }
        let in_flight = k.retired_in_flight + t.in_flight;
        let min_gap = match (k.retired_gap, t.min_gap) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let counted = t.indexes().map(|i| &k.list[i]);
        // The first and last starts and the copies with a source, in one pass.
        let (mut first, mut last, mut sources) = (f64::INFINITY, f64::NEG_INFINITY, 0);
        for s in counted.clone() {
            first = first.min(s.start);
            last = last.max(s.start);
            sources += s.source.is_some() as usize;
        }
        // React 18 StrictMode mounts, unmounts and mounts again in development: an
        // effect that fetches without aborting in its cleanup fetches twice, at once;
        // three components doing so fetch six times, three in production.
        let strict_mode = self.react_dev
            && dev_build_in_production::local_url(&self.page_url, &self.local_suffixes)
            && count % 2 == 0
            && k.retired == 0
            && last - first <= self.cfg.strict_mode_gap_ms;
        let shown = (
            count,
            in_flight,
            min_gap.map_or(-1, |g| g.round() as i64),
            strict_mode,
            sources,
        );
        if k.shown == Some(shown) && flagged {
            return;
        }
        let shown_map = &mut self.shown;
        let mut kept = false;
        out.upsert(ID, key, first, |f| {
            kept = true;
            f.count = count;
            f.last_ms = f.last_ms.max(last);
            // The retired copies, then the counted ones, the newest `MAX_EVIDENCE_REQUESTS`
            // (as `add_request` one by one would keep: the ids are distinct, a request
            // leaves the list when it is retired), written in one pass: a busy key is
            // refreshed at every start and end.
            // (The retired part copied as a slice, not stepped through a chain.)
            let skip = (k.retired_ids.len() + t.len() as usize).saturating_sub(MAX_EVIDENCE_REQUESTS);
            let retired_skipped = skip.min(k.retired_ids.len());
            f.evidence.requests.clear();
            f.evidence.requests.extend_from_slice(&k.retired_ids[retired_skipped..]);
            f.evidence
                .requests
                .extend(counted.clone().map(|s| s.id).skip(skip - retired_skipped));
            // The source just added needs no second look (a loop's copies all come from
            // one place, and the evidence would compare each with its list).
            let mut added: Option<&str> = None;
            for (i, s) in counted.enumerate() {
                // Where the copies came from (the first is the one they copy).
                if let Some(src) = s.source.as_deref().filter(|_| i > 0 || k.retired > 0) {
                    if added != Some(src) {
                        f.evidence.add_source(src);
                        added = Some(src);
                    }
                }
            }
            f.evidence.add_url(&k.url);
            // The rest is written on read (`flush`).
            let s = match shown_map.get_mut(key) {
                Some(s) => s,
                None => shown_map.entry(key.to_string()).or_insert(Shown {
                    count,
                    in_flight,
                    min_gap: None,
                    strict_mode,
                    label: String::new(),
                    dirty: Default::default(),
                }),
            };
            s.count = count;
            s.in_flight = in_flight;
            s.min_gap = min_gap.map(f64::round);
            s.strict_mode = strict_mode;
            set_text(&mut s.label, &k.label);
            s.dirty.set(true);
        });
        if kept {
            self.dirty.set(true);
        }
        if !flagged {
            self.flagged.insert(key.to_string());
        }
        if let Some(k) = self.keys.get_mut(key) {
            k.shown = Some(shown);
            k.flagged = true;
        }
    }
}

impl Detector for DuplicateRequest {
    fn on_start(&mut self, req: &Request, page: &PageState, out: &mut Findings) {
        if !req.is_api() || req.excluded_from_repeats() {
            return;
        }
        let write = req.is_write();
        if write {
            self.note_write(req);
        }
        let Some(key) = req.same_key() else {
            return;
        };
        let written = if write { None } else { self.written_before(req) }.unwrap_or(f64::NEG_INFINITY);
        self.page_url.clone_from(&page.url);
        let window = self.cfg.window_ms;
        // One lookup for a key seen before, the text copied only for a new one.
        let k = match self.keys.get_mut(key) {
            Some(k) => k,
            None => {
                let flagged = self.flagged.contains(key);
                self.keys.entry(key.to_string()).or_insert(Key {
                    flagged,
                    ..Key::default()
                })
            }
        };
        // The list changes here: what the latest refresh counted is the tally before.
        let mut counted_before = k.tally.take();
        // Forget what can no longer pair with a request starting now (DevTools' log can
        // deliver a little out of order, hence the extra slack), and what started
        // before a write that changed what it read; keep what it counted.
        let keep = |s: &Seen| s.start >= written && s.end.is_none_or(|e| e + window + FORGET_SLACK_MS >= req.start);
        // A bit per index in the list, as in `Tally`.
        let mut dropped = 0u32;
        for (i, s) in k.list.iter().enumerate() {
            if !keep(s) {
                dropped |= 1 << i;
            }
        }
        let stale = dropped;
        // Past the cap, the oldest that stays goes too (retired after the stale ones).
        let mut extra = None;
        if k.list.len() - dropped.count_ones() as usize >= MAX_PER_KEY {
            if let Some(i) = (0..k.list.len()).find(|i| dropped & (1 << i) == 0) {
                dropped |= 1 << i;
                extra = Some(i);
            }
        }
        if dropped != 0 {
            let before = counted_before.unwrap_or_else(|| tally(&k.list, window));
            for i in before.indexes() {
                if dropped & (1 << i) == 0 {
                    k.list[i].sticky = true;
                }
            }
            for i in (0..k.list.len()).filter(|i| stale & (1 << i) != 0).chain(extra) {
                if before.has(i) {
                    k.retired += 1;
                    k.retired_ids.push(k.list[i].id);
                    if k.retired_ids.len() > crate::model::finding::MAX_EVIDENCE_REQUESTS {
                        k.retired_ids.remove(0);
                    }
                }
            }
            // The retired part keeps its in-flight count and gap as they were.
            k.retired_in_flight += before.in_flight;
            if let Some(g) = before.min_gap {
                k.retired_gap = Some(k.retired_gap.map_or(g, |r| r.min(g)));
            }
            let first = &k.list[0];
            let gone = (first.start, first.id, first.end, first.countable());
            let mut i = 0;
            k.list.retain(|_| {
                let keep = dropped & (1 << i) == 0;
                i += 1;
                keep
            });
            // What stays is counted afresh (continued when only the oldest went);
            // subtract its in-flight part from the retired sum.
            let rest = (dropped == 1)
                .then(|| tally_after_drop_first(before, &k.list, gone, window))
                .flatten()
                .unwrap_or_else(|| tally(&k.list, window));
            k.retired_in_flight -= rest.in_flight.min(k.retired_in_flight);
            counted_before = Some(rest);
        }
        k.list.push(Seen {
            id: req.id,
            start: req.start,
            end: req.end,
            aborted: req.outcome == Some(Outcome::Abort),
            retry: req.retry.is_some(),
            // Asked again while an earlier answer is fresh: the cache answers it (and
            // would in production, where DevTools' "Disable cache" is off).
            cached: from_cache(req)
                || k.list
                    .iter()
                    .any(|p| p.fresh_until.is_some_and(|f| req.start <= f) && p.end.is_some_and(|e| e <= req.start)),
            fresh_until: fresh_until(req),
            source: req.initiator.clone(),
            sticky: false,
        });
        if k.url.is_empty() {
            k.url.clone_from(&req.url);
            k.label = req.label();
        }
        k.last = req.start;
        let counted = counted_before.map(|before| tally_after_push(before, &k.list, window));
        self.refresh(key, counted, out);
        let now = req.start;
        self.evicted += evict_oldest(
            &mut self.keys,
            MAX_KEYS,
            |v| if v.list.is_empty() { now } else { v.last },
        );
    }

    fn on_end(&mut self, req: &Request, page: &PageState, out: &mut Findings) {
        let Some(key) = req.same_key() else {
            return;
        };
        let Some(k) = self.keys.get_mut(key) else {
            return;
        };
        let Some(at) = k.list.iter().position(|s| s.id == req.id) else {
            return;
        };
        let s = &mut k.list[at];
        // A request the page aborted is not a copy of what replaces it.
        let aborted = req.outcome == Some(Outcome::Abort);
        // A request DevTools reported whole started with its end known: the refresh
        // at its start counted it as it is now (the page's address only matters to
        // a React development build).
        let unchanged = s.end == req.end && s.aborted == aborted && !self.react_dev;
        // Only the end moved: the count continues from the latest refresh's (when it is
        // still that of this list), not counted afresh.
        let only_end = s.aborted == aborted;
        s.end = req.end;
        s.aborted = aborted;
        s.fresh_until = fresh_until(req);
        self.page_url.clone_from(&page.url);
        if unchanged {
            return;
        }
        let counted = if only_end {
            k.tally.get().and_then(|before| tally_after_end(before, &k.list, at))
        } else {
            None
        };
        k.tally.set(None);
        self.refresh(key, counted, out);
    }

    fn on_enrich(&mut self, req: &Request, out: &mut Findings) {
        let Some(key) = req.same_key() else {
            return;
        };
        let Some(k) = self.keys.get_mut(key) else {
            return;
        };
        let Some(s) = k.list.iter_mut().find(|s| s.id == req.id) else {
            return;
        };
        // DevTools knows the headers a cross-origin answer hid from the page.
        if s.fresh_until.is_none() {
            s.fresh_until = fresh_until(req);
        }
        // DevTools tells whether the browser's cache answered it: then it was no
        // round trip, and no copy (it is taken back out of a finding, like an abort).
        if from_cache(req) && !s.cached {
            s.cached = true;
            if let Some(src) = &req.initiator {
                s.source.get_or_insert_with(|| src.clone());
            }
            k.tally.set(None);
            self.refresh(key, None, out);
            return;
        }
        let Some(src) = &req.initiator else {
            return;
        };
        if s.source.is_none() {
            s.source = Some(src.clone());
            if k.flagged {
                self.refresh(key, None, out);
            }
        }
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
                let (count, in_flight) = (s.count, s.in_flight);
                put(&mut f.metrics, "copies", Metric::Num(count as f64));
                put(&mut f.metrics, "in_flight_copies", Metric::Num(in_flight as f64));
                match s.min_gap {
                    Some(g) => put(&mut f.metrics, "min_gap_ms", Metric::Num(g)),
                    None => {
                        f.metrics.remove("min_gap_ms");
                    }
                }
                if s.strict_mode && count == 2 {
                    put(&mut f.metrics, "strict_mode", Metric::Flag(true));
                    f.severity = Severity::Info;
                    f.title.clear();
                    let _ = write!(
                        f.title,
                        "{} requested 2× at once: StrictMode runs effects twice in development; in production this is \
                     one request",
                        s.label
                    );
                    set_text(
                        &mut f.advice,
                        "Nothing to fix for production. To see it once in development too, abort the fetch in \
                     the effect's cleanup (an AbortController), which also cancels stale requests when \
                     the component unmounts, or use a data layer (React Query, SWR) that dedupes by key.",
                    );
                    return;
                }
                // Under StrictMode, half of the copies are development's doubling: judge what
                // production will send.
                let production = if s.strict_mode { count / 2 } else { count };
                if s.strict_mode {
                    put(&mut f.metrics, "strict_mode", Metric::Flag(true));
                    put(&mut f.metrics, "copies_in_production", Metric::Num(production as f64));
                } else {
                    f.metrics.remove("strict_mode");
                    f.metrics.remove("copies_in_production");
                }
                f.severity = if production >= cfg.error_copies as u64 {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                // Written into the title's own buffer.
                f.title.clear();
                let _ = if s.strict_mode {
                    write!(
                    f.title,
                    "{} requested {production}× in production ({count}× at once here: StrictMode runs effects twice \
                     in development)",
                    s.label
                )
                } else if in_flight > 0 {
                    write!(
                        f.title,
                        "{} requested {}× ({in_flight} while an identical one was in flight)",
                        s.label, count
                    )
                } else {
                    write!(
                        f.title,
                        "{} requested {}× (each within {} s of the last)",
                        s.label,
                        count,
                        cfg.window_ms / 1000.0
                    )
                };
                set_text(
                    &mut f.advice,
                    "Share one in-flight promise per request (a data layer such as React Query or SWR \
                 dedupes by key), lift the fetch to a common parent, or cache the response instead of \
                 asking again.",
                );
            },
        );
    }

    fn on_page(&mut self, event: &Event, page: &PageState, out: &mut Findings) {
        let Event::ReactRenderer(r) = event else { return };
        if r.bundle_type.is_none_or(|b| b == 0) || self.react_dev {
            return;
        }
        self.react_dev = true;
        self.page_url.clone_from(&page.url);
        let keys: Vec<String> = self.flagged.iter().cloned().collect();
        for key in keys {
            self.refresh(&key, None, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::model::event::{Event, PageInfo, ReactRenderer};
    use crate::Severity;

    /// A xorshift generator: `rnd(n)` is in `0..n`.
    fn xorshift(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        }
    }

    /// A random list of one key's requests: starts in and out of order, the end
    /// unknown one time in `open`, aborts, retries, cache hits, and sticky ones
    /// (never the last when `last_sticky` is false).
    fn random_list(rnd: &mut impl FnMut(u64) -> u64, open: u64, last_sticky: bool) -> Vec<super::Seen> {
        let len = 1 + rnd(17) as usize;
        let mut list = Vec::new();
        let mut t = 0.0;
        for i in 0..len {
            t += [0.0, 5.0, 700.0, 2_500.0][rnd(4) as usize] - if rnd(6) == 0 { 900.0 } else { 0.0 };
            list.push(super::Seen {
                id: i as u64 + 1,
                start: t,
                end: (rnd(open) != 0).then(|| t + [1.0, 40.0, 3_000.0][rnd(3) as usize]),
                aborted: rnd(9) == 0,
                retry: rnd(9) == 0,
                cached: rnd(11) == 0,
                fresh_until: None,
                source: None,
                sticky: (last_sticky || i + 1 < len) && rnd(7) == 0,
            });
        }
        list
    }

    /// Everything a count says, to compare a continued count with a whole one.
    type Said = (u32, u64, Option<f64>, Option<f64>, Option<usize>, Option<f64>);
    fn said(t: &super::Tally) -> Said {
        (t.counted, t.in_flight, t.min_gap, t.latest_end, t.last, t.prev_end)
    }

    const WINDOW: f64 = 2_000.0;

    #[test]
    fn a_count_continued_after_a_push_is_the_whole_count() {
        use super::{tally, tally_after_push};
        // The count continued from the list without its last request equals
        // counting the whole list again.
        let mut rnd = xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let list = random_list(&mut rnd, 5, false);
            let before = tally(&list[..list.len() - 1], WINDOW);
            assert_eq!(
                said(&tally(&list, WINDOW)),
                said(&tally_after_push(before, &list, WINDOW))
            );
        }
    }

    #[test]
    fn a_count_continued_after_an_end_is_the_whole_count() {
        use super::{tally, tally_after_end};
        // One request (often the last started, in flight) gets its end: where the
        // count can be continued, it equals counting the whole list again, and it
        // can be for the last one in start order.
        let mut rnd = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut continued_at_last = 0;
        for _ in 0..20_000 {
            let mut list = random_list(&mut rnd, 3, true);
            let len = list.len();
            let i = if rnd(2) == 0 { len - 1 } else { rnd(len as u64) as usize };
            let before = tally(&list, WINDOW);
            list[i].end = Some(list[i].start + [0.5, 30.0, 2_500.0][rnd(3) as usize]);
            let Some(continued) = tally_after_end(before, &list, i) else {
                continue;
            };
            continued_at_last += usize::from(before.last == Some(i));
            assert_eq!(said(&tally(&list, WINDOW)), said(&continued));
        }
        assert!(continued_at_last > 1_000, "{continued_at_last}");
    }

    #[test]
    fn a_count_continued_after_the_first_goes_is_the_whole_count() {
        use super::{tally, tally_after_drop_first};
        // The first request goes, after the counted ones were made sticky (as a start
        // does): where the count can be continued, it equals counting the rest
        // again, and it mostly can be.
        let mut rnd = xorshift(0x3c6e_f372_fe94_f82b);
        let mut continued = 0;
        for _ in 0..20_000 {
            let mut list = random_list(&mut rnd, 5, true);
            let before = tally(&list, WINDOW);
            for i in before.indexes().filter(|&i| i > 0) {
                list[i].sticky = true;
            }
            let first = list.remove(0);
            let gone = (first.start, first.id, first.end, first.countable());
            let Some(c) = tally_after_drop_first(before, &list, gone, WINDOW) else {
                continue;
            };
            continued += 1;
            assert_eq!(said(&tally(&list, WINDOW)), said(&c));
        }
        assert!(continued > 10_000, "{continued}");
    }

    fn react_page(t: &mut Kit, url: &str, bundle_type: u8) {
        t.engine.ingest(Event::Page(PageInfo {
            t: 0.0,
            url: url.into(),
        }));
        t.engine.ingest(Event::ReactRenderer(ReactRenderer {
            t: 1.0,
            id: 1,
            version: "18.3.1".into(),
            package: "react-dom".into(),
            bundle_type: Some(bundle_type),
        }));
    }

    /// Two reads of a config file 300 ms apart, each with DevTools' entry: the
    /// first answered with `cache_control`, the second showing `transfer` bytes on
    /// the wire.
    fn config_twice(cache_control: &str, second_transfer: u64) -> Kit {
        let mut t = Kit::new();
        let url = "http://h/config/app.json";
        t.start(1, "GET", url, 1000.0);
        t.end(1, 1012.0);
        t.net(url, 1000.2, 11.0, |n| {
            n.transfer_size = Some(640);
            n.cache_control = Some(cache_control.into());
        });
        t.start(2, "GET", url, 1300.0);
        t.end(2, 1301.0);
        t.net(url, 1300.2, 0.6, |n| {
            n.transfer_size = Some(second_transfer);
            n.cache_control = Some(cache_control.into());
        });
        t
    }

    #[test]
    fn near_miss_a_read_the_browser_cache_answers_is_no_copy() {
        // The second read was answered from the HTTP cache: no round trip.
        config_twice("no-cache", 0).assert_none("duplicate-request");
        // A fresh answer (max-age) is what the cache answers with; that DevTools'
        // "Disable cache" sent the second read to the server is no fault of the page.
        config_twice("public, max-age=300", 640).assert_none("duplicate-request");
        // Both went to the network, the first not to be kept: a copy.
        assert_eq!(config_twice("no-cache", 640).only("duplicate-request").count, 2);
        assert_eq!(config_twice("max-age=0", 640).only("duplicate-request").count, 2);
    }

    #[test]
    fn copies_in_flight_together_count_though_their_answer_is_cacheable() {
        let mut t = Kit::new();
        let url = "http://h/config/app.json";
        t.start(1, "GET", url, 1000.0);
        t.start(2, "GET", url, 1003.0);
        t.end(1, 1012.0);
        t.end(2, 1013.0);
        t.net(url, 1000.2, 11.0, |n| n.cache_control = Some("max-age=300".into()));
        t.net(url, 1003.2, 9.0, |n| n.cache_control = Some("max-age=300".into()));
        assert_eq!(t.only("duplicate-request").count, 2);
    }

    /// React 18 StrictMode in development: effect, cleanup (aborts), effect again.
    #[test]
    fn near_miss_strict_mode_abort_and_reissue_is_quiet() {
        let mut t = Kit::new();
        react_page(&mut t, "http://localhost:5173/", 1);
        t.start(1, "GET", "http://localhost:5173/api/user", 10.0);
        // The second effect runs before the first fetch's rejection is reported.
        t.start(2, "GET", "http://localhost:5173/api/user", 10.4);
        t.abort(1, 10.6);
        t.end(2, 14.0);
        t.assert_none("duplicate-request");
    }

    #[test]
    fn strict_mode_double_effect_without_abort_is_information_in_a_local_dev_build() {
        let mut t = Kit::new();
        react_page(&mut t, "http://localhost:5173/", 1);
        t.start(1, "GET", "http://localhost:5173/api/user", 10.0);
        t.start(2, "GET", "http://localhost:5173/api/user", 10.4);
        t.end(1, 14.0);
        t.end(2, 14.5);
        let f = t.only("duplicate-request");
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(
            f.title,
            "GET /api/user requested 2× at once: StrictMode runs effects twice in development; in production this \
             is one request"
        );
        assert_eq!(f.evidence.urls, ["http://localhost:5173/api/user"]);
    }

    /// Three components load the user on mount without a cache: six requests under
    /// StrictMode, three in production.
    #[test]
    fn copies_from_three_components_under_strict_mode_are_judged_by_what_production_sends() {
        let mut t = Kit::new();
        react_page(&mut t, "http://localhost:5173/", 1);
        for i in 0..6u64 {
            t.start(i + 1, "GET", "http://localhost:5173/api/me", 10.0 + i as f64 * 0.3);
        }
        for i in 0..6u64 {
            t.end(i + 1, 14.0 + i as f64);
        }
        let f = t.only("duplicate-request");
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.count, 6);
        assert_eq!(
            f.title,
            "GET /api/me requested 3× in production (6× at once here: StrictMode runs effects twice in development)"
        );
        // A busy machine spreads one commit's effects: 80 ms is still one commit.
        let mut t = Kit::new();
        react_page(&mut t, "http://localhost:5173/", 1);
        for i in 0..6u64 {
            t.start(i + 1, "GET", "http://localhost:5173/api/me", 10.0 + i as f64 * 16.0);
        }
        assert!(t.only("duplicate-request").title.contains("3× in production"));
        // Two clicks a user makes 300 ms apart are copies, development or not.
        let mut t = Kit::new();
        react_page(&mut t, "http://localhost:5173/", 1);
        t.start(1, "GET", "http://localhost:5173/api/me", 10.0);
        t.start(2, "GET", "http://localhost:5173/api/me", 310.0);
        let f = t.only("duplicate-request");
        assert_eq!(f.severity, Severity::Warning);
        assert!(!f.title.contains("StrictMode"), "{}", f.title);
        // Five copies left over in production are an error, StrictMode or not.
        let mut t = Kit::new();
        react_page(&mut t, "http://localhost:5173/", 1);
        for i in 0..10u64 {
            t.start(i + 1, "GET", "http://localhost:5173/api/me", 10.0 + i as f64 * 0.3);
        }
        assert_eq!(t.only("duplicate-request").severity, Severity::Error);
    }

    #[test]
    fn near_miss_the_same_pair_in_a_production_build_or_on_a_public_host_is_a_warning() {
        for (url, bundle) in [("http://localhost:5173/", 0), ("https://shop.example/", 1)] {
            let mut t = Kit::new();
            react_page(&mut t, url, bundle);
            let api = format!("{url}api/user");
            t.start(1, "GET", &api, 10.0);
            t.start(2, "GET", &api, 10.4);
            t.end(1, 14.0);
            t.end(2, 14.5);
            let f = t.only("duplicate-request");
            assert_eq!(f.severity, Severity::Warning, "{url}");
            assert!(
                f.title
                    .contains("requested 2× (1 while an identical one was in flight)"),
                "{}",
                f.title
            );
        }
    }

    #[test]
    fn a_retry_after_a_failure_is_not_a_copy_and_its_record_says_retry() {
        let mut t = Kit::new();
        t.start(1, "GET", "http://h/api/flaky", 0.0);
        t.status(1, 5.0, 503);
        t.start(2, "GET", "http://h/api/flaky", 205.0);
        t.status(2, 210.0, 503);
        t.start(3, "GET", "http://h/api/flaky", 610.0);
        t.end(3, 615.0);
        t.assert_none("duplicate-request");
        let retries: Vec<_> = t.engine.requests().map(|r| r.retry.clone()).collect();
        assert_eq!(retries[0], None);
        let second = retries[1].clone().expect("the second request is a retry");
        assert_eq!((second.of, second.attempt, second.delay_ms), (1, 1, 200.0));
        assert_eq!(retries[2].as_ref().map(|r| (r.of, r.attempt)), Some((2, 2)));
    }

    #[test]
    fn near_miss_a_request_asked_again_after_renewing_an_expired_login_is_quiet() {
        // axios' refresh-token interceptor: 401, the refresh, the same request again.
        let mut t = Kit::new();
        t.start(1, "GET", "http://h/api/me", 0.0);
        t.status(1, 5.0, 401);
        t.start_body(2, "POST", "http://h/api/auth/refresh", 8.0, Some("r:1".into()));
        t.end(2, 20.0);
        t.request(3, "GET", "http://h/api/me", 22.0, 30.0);
        t.assert_none("duplicate-request");
        assert_eq!(t.engine.requests().filter(|r| r.retry.is_some()).count(), 1);
    }

    #[test]
    fn near_miss_a_repeat_after_a_success_is_still_a_copy() {
        let mut t = Kit::new();
        t.start(1, "GET", "http://h/api/flaky", 0.0);
        t.status(1, 5.0, 200);
        t.request(2, "GET", "http://h/api/flaky", 205.0, 210.0);
        assert!(t.engine.requests().all(|r| r.retry.is_none()));
        assert_eq!(t.only("duplicate-request").count, 2);
    }

    #[test]
    fn a_copy_aborted_after_it_was_counted_takes_the_finding_back() {
        let mut t = Kit::new();
        t.start(1, "GET", "http://h/api/search?q=a", 0.0);
        t.start(2, "GET", "http://h/api/search?q=a", 10.0);
        t.end(1, 20.0);
        assert_eq!(t.only("duplicate-request").count, 2);
        t.abort(2, 30.0);
        t.assert_none("duplicate-request");
    }

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
    fn near_miss_a_list_read_again_after_a_write_to_it_is_quiet() {
        // React Query's invalidateQueries after adding two todos at a quick pace.
        let mut t = Kit::new();
        t.request(1, "GET", "http://h/api/todos", 0.0, 20.0);
        t.start_body(2, "POST", "http://h/api/todos", 400.0, Some("a1:10".into()));
        t.end(2, 420.0);
        t.request(3, "GET", "http://h/api/todos", 425.0, 440.0);
        t.start_body(4, "PATCH", "http://h/api/todos/7", 900.0, Some("b2:12".into()));
        t.end(4, 910.0);
        t.request(5, "GET", "http://h/api/todos", 915.0, 930.0);
        t.assert_none("duplicate-request");
    }

    #[test]
    fn near_miss_a_graphql_query_refetched_after_a_mutation_is_quiet() {
        // Apollo's refetchQueries: Viewer, the mutation, Viewer again, one endpoint.
        let mut t = Kit::new();
        t.start_op(1, "http://h/graphql", 0.0, Some("v:40".into()), "Viewer");
        t.end(1, 5.0);
        t.start_op(2, "http://h/graphql", 80.0, Some("m:60".into()), "mutation MarkAllRead");
        t.end(2, 90.0);
        t.start_op(3, "http://h/graphql", 95.0, Some("v:40".into()), "Viewer");
        t.end(3, 100.0);
        t.assert_none("duplicate-request");
    }

    #[test]
    fn near_miss_a_trpc_query_refetched_after_a_mutation_of_its_router_is_quiet() {
        // tRPC with React Query: `user.update`, then `utils.user.get.invalidate()`.
        let mut t = Kit::new();
        t.request(1, "GET", "http://h/trpc/user.get?input=%7B%7D", 0.0, 10.0);
        t.start_body(2, "POST", "http://h/trpc/user.update", 300.0, Some("u:30".into()));
        t.end(2, 320.0);
        t.request(3, "GET", "http://h/trpc/user.get?input=%7B%7D", 325.0, 335.0);
        t.assert_none("duplicate-request");
        // Another router's mutation changes nothing this query reads.
        let mut t = Kit::new();
        t.request(1, "GET", "http://h/trpc/post.list", 0.0, 10.0);
        t.start_body(2, "POST", "http://h/trpc/user.update", 300.0, Some("u:30".into()));
        t.end(2, 320.0);
        t.request(3, "GET", "http://h/trpc/post.list", 325.0, 335.0);
        assert_eq!(t.only("duplicate-request").count, 2);
    }

    #[test]
    fn a_copy_around_an_unrelated_write_or_a_graphql_query_still_counts() {
        let mut t = Kit::new();
        // An error reporter's envelope (a POST elsewhere) between two reads of the user.
        t.request(1, "GET", "http://h/api/user", 0.0, 10.0);
        t.start_body(2, "POST", "http://h/api/envelope", 100.0, Some("e:9".into()));
        t.request(3, "GET", "http://h/api/user", 200.0, 210.0);
        assert_eq!(t.only("duplicate-request").count, 2);
        // Another GraphQL query (a POST, but a read) between two Viewer queries.
        let mut t = Kit::new();
        t.start_op(1, "http://h/graphql", 0.0, Some("v:40".into()), "Viewer");
        t.end(1, 5.0);
        t.start_op(2, "http://h/graphql", 50.0, Some("p:30".into()), "Posts");
        t.end(2, 60.0);
        t.start_op(3, "http://h/graphql", 95.0, Some("v:40".into()), "Viewer");
        t.end(3, 100.0);
        assert_eq!(t.only("duplicate-request").count, 2);
        // A write started after both copies: they still pair.
        let mut t = Kit::new();
        t.start(1, "GET", "http://h/api/todos", 0.0);
        t.start(2, "GET", "http://h/api/todos", 10.0);
        t.start_body(3, "POST", "http://h/api/todos", 20.0, Some("a:1".into()));
        t.end(1, 30.0);
        t.end(2, 40.0);
        assert_eq!(t.only("duplicate-request").count, 2);
    }

    #[test]
    fn a_write_sent_twice_is_still_a_copy() {
        let mut t = Kit::new();
        t.start_body(1, "POST", "http://h/api/orders", 0.0, Some("o:20".into()));
        t.start_body(2, "POST", "http://h/api/orders", 15.0, Some("o:20".into()));
        t.end(1, 50.0);
        t.end(2, 60.0);
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
            Some(crate::model::event::body_signature("{\"q\":1}")),
        );
        t.start_body(
            2,
            "POST",
            "http://h/graphql",
            5.0,
            Some(crate::model::event::body_signature("{\"q\":2}")),
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
