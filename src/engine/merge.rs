//! Pairs the page's record of a request with DevTools' record of the same request.
//! Neither side has an id the other knows, so they are matched by method and URL
//! and the closest start time, whatever order the halves arrive in.
//!
//! Exactness matters more than memory here (a request counted twice is a wrong
//! number on screen), so a waiting half is never dropped for its age or because its
//! URL is one of many: only when more than `MAX_WAITING` halves wait in all, the
//! oldest half of them go (and are counted). The one exception is a page half
//! whose request ended `SETTLED_WAIT_MS` ago: DevTools will not report it any more. Keys are 64-bit hashes of the method
//! and normalized URL, computed without allocating for URLs already in normal form.

use crate::model::event::NetworkEntry;
use crate::model::urls;
use std::collections::VecDeque;
use std::hash::Hasher;

/// How far apart the two sides' start times may be and still be one request.
const MATCH_WINDOW_MS: f64 = 2_000.0;
/// Halves waiting for their other half, in all.
pub const MAX_WAITING: usize = 60_000;
/// DevTools entries remembered to recognize a second delivery of the same one.
const MAX_SEEN: usize = 32_768;

use crate::model::bounded::{IdMap, IdSet};

/// The keys' and fingerprints' hash: deterministic everywhere (native, wasm, tests),
/// and a word (not a byte) per step: every DevTools entry is fingerprinted from
/// some 15 numbers and its initiator text.
#[derive(Clone, Copy, Default)]
struct Hash(urls::QuickHasher);

impl Hash {
    fn byte(&mut self, b: u8) {
        self.0.write_u8(b);
    }
    fn bytes(&mut self, s: &[u8]) {
        self.0.write(s);
    }
    fn u64(&mut self, n: u64) {
        self.0.write_u64(n);
    }
    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// The merge key of a request: method (upper-cased) and normalized URL, hashed.
/// `normal` is `urls::is_normal(url)`, which the caller knows (see `Request::url_is_normal`).
pub fn key(method: &str, url: &str, normal: bool) -> u64 {
    let mut h = Hash::default();
    for b in method.bytes() {
        h.byte(b.to_ascii_uppercase());
    }
    h.byte(b' ');
    if normal {
        h.bytes(url.as_bytes());
    } else {
        h.bytes(urls::normalize(url).as_bytes());
    }
    h.finish()
}

/// Resource types the page hook never reports a start for: DevTools' entries of
/// these never wait for a page half.
pub fn page_never_reports(resource_type: &str) -> bool {
    matches!(
        resource_type,
        "document"
            | "script"
            | "stylesheet"
            | "image"
            | "font"
            | "media"
            | "manifest"
            | "texttrack"
            | "websocket"
            | "eventsource"
            | "preflight"
    )
}

/// How long after the page saw a request end its DevTools half may still come.
/// DevTools reports a finished request within a second or two; a half still waiting
/// this long after is one DevTools will not report (the panel stopped listening
/// through a flood, or DevTools never saw it), and keeping it only costs memory: a
/// flood of 20,000 requests under a pause left 15,000 of them waiting for good.
pub const SETTLED_WAIT_MS: f64 = 30_000.0;

/// Halves waiting for their other half, by key, each list sorted by start time.
#[derive(Default)]
pub struct Unmatched {
    by_key: IdMap<VecDeque<(u64, f64)>>,
    len: usize,
    /// Halves dropped unmatched because too many waited.
    pub dropped: u64,
    /// Waiting halves whose request the page saw end: key, id and end, in the
    /// order they ended (see `SETTLED_WAIT_MS`).
    settled: VecDeque<(u64, u64, f64)>,
    /// Halves let go that long after their request ended.
    pub expired: u64,
}

impl Unmatched {
    pub fn add(&mut self, key: u64, id: u64, start: f64) {
        let list = self.by_key.entry(key).or_default();
        // Mostly in time order: find the place from the back.
        let at = list.iter().rposition(|(_, t)| *t <= start).map_or(0, |p| p + 1);
        list.insert(at, (id, start));
        self.len += 1;
        if self.len > MAX_WAITING {
            self.drop_oldest();
        }
    }

    /// Drops the older half of what waits (amortized O(1) per `add`).
    fn drop_oldest(&mut self) {
        let mut times: Vec<f64> = self.by_key.values().flat_map(|l| l.iter().map(|e| e.1)).collect();
        let at = times.len() - MAX_WAITING / 2;
        let cutoff = &crate::model::sort::nth_f64(&mut times, at);
        let cutoff = *cutoff;
        let mut kept = 0;
        self.by_key.retain(|_, l| {
            l.retain(|e| e.1 >= cutoff);
            kept += l.len();
            !l.is_empty()
        });
        self.dropped += (self.len - kept) as u64;
        self.len = kept;
    }

    /// The page saw request `id` (waiting under `key`) end at `end`: if its other
    /// half has not come `SETTLED_WAIT_MS` later, it is let go. Halves that ended
    /// that long before `end` go now (amortized O(1): each is looked at once).
    pub fn settled(&mut self, key: u64, id: u64, end: f64) {
        while let Some(&(k, i, t)) = self.settled.front() {
            if end - t < SETTLED_WAIT_MS {
                break;
            }
            self.settled.pop_front();
            if self.remove(k, i) {
                self.expired += 1;
            }
        }
        self.settled.push_back((key, id, end));
    }

    /// Removes the half of request `id` if it still waits.
    fn remove(&mut self, key: u64, id: u64) -> bool {
        let at = self.by_key.get(&key).and_then(|l| l.iter().position(|(i, _)| *i == id));
        at.and_then(|at| self.remove_at(key, at)).is_some()
    }

    /// Removes the half at `at` in `key`'s list, and the list once it is empty.
    fn remove_at(&mut self, key: u64, at: usize) -> Option<u64> {
        let list = self.by_key.get_mut(&key)?;
        let (id, _) = list.remove(at)?;
        self.len -= 1;
        if list.is_empty() {
            self.by_key.remove(&key);
        }
        Some(id)
    }

    /// Removes and returns the waiting record whose start is closest to `start`.
    pub fn take_closest(&mut self, key: u64, start: f64) -> Option<u64> {
        let list = self.by_key.get_mut(&key)?;
        // The list is sorted: the closest is next to where `start` would go.
        let at = list.partition_point(|(_, t)| *t < start);
        let before = at.checked_sub(1).map(|i| (i, start - list[i].1));
        let after = list.get(at).map(|e| (at, e.1 - start));
        let (pos, d) = match (before, after) {
            (Some(b), Some(a)) => {
                if a.1 < b.1 {
                    a
                } else {
                    b
                }
            }
            (Some(b), None) => b,
            (None, Some(a)) => a,
            (None, None) => return None,
        };
        if d > MATCH_WINDOW_MS {
            return None;
        }
        self.remove_at(key, pos)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Heap bytes held (an estimate).
    pub fn bytes(&self) -> usize {
        self.by_key.capacity() * (8 + 32 + 1)
            + self.by_key.values().map(|l| l.capacity() * 16 + 16).sum::<usize>()
            + self.settled.capacity() * 24
    }
}

/// DevTools entries already taken, so a second delivery of one (from `getHAR()` and
/// from `onRequestFinished`) is recognized and not counted as another request.
#[derive(Default)]
pub struct SeenEntries {
    set: IdSet,
    order: VecDeque<u64>,
}

impl SeenEntries {
    /// Remembers the entry; false when the same entry was seen before.
    pub fn first_time(&mut self, key: u64, n: &NetworkEntry) -> bool {
        let fp = fingerprint(key, n);
        if !self.set.insert(fp) {
            return false;
        }
        self.order.push_back(fp);
        if self.order.len() > MAX_SEEN {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }

    pub fn bytes(&self) -> usize {
        self.set.capacity() * 9 + self.order.capacity() * 8
    }
}

/// What tells two DevTools entries of one URL apart: its start (ms), its duration
/// and phases (sub-millisecond floats in Chrome's log), status and sizes.
fn fingerprint(key: u64, n: &NetworkEntry) -> u64 {
    let mut h = Hash::default();
    h.u64(key);
    h.u64(n.t.to_bits());
    h.u64(n.duration.to_bits());
    h.u64(n.status as u64);
    h.u64(n.transfer_size.unwrap_or(u64::MAX));
    h.u64(n.content_size.unwrap_or(u64::MAX));
    h.u64(n.wait.map_or(u64::MAX, f64::to_bits));
    if let Some(t) = &n.timings {
        for p in [t.blocked, t.dns, t.connect, t.ssl, t.send, t.wait, t.receive] {
            h.u64(p.map_or(u64::MAX, f64::to_bits));
        }
    }
    h.bytes(n.initiator.as_deref().unwrap_or("").as_bytes());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_key_equals_the_key_of_the_normalized_url() {
        // The method upper-cased and the URL normalized, always.
        let slow = |m: &str, u: &str| {
            let mut h = Hash::default();
            for b in m.to_ascii_uppercase().bytes() {
                h.byte(b);
            }
            h.byte(b' ');
            h.bytes(urls::normalize(u).as_bytes());
            h.finish()
        };
        for u in [
            "http://h/a",
            "http://h/a?b=1&a=2",
            "http://h/a?a=2&b=1",
            "http://h/a?a=1&a=1",
            "http://h/a?a=2&a=1",
            "http://h/a?a",
            "http://h/a?",
            "http://h/a?a=1&",
            "http://h/a?&a=1",
            "http://H/a",
            "HTTP://h/a",
            "http://h:80/a",
            "https://h:443/a",
            "http://h:443/a",
            "https://h:8443/a",
            "http://h",
            "http://h/a#x",
            "/relative/path?x=1",
            "data:text/plain,1",
            "blob:http://h/uuid",
            "http://h/a/B?Z=1&a=1",
            "http://h/a?a=&a=x",
            "http://h/p?x=1?y=2",
            "http://127.0.0.1:8080/api/flood/1?page=3",
        ] {
            for m in ["GET", "post"] {
                assert_eq!(key(m, u, urls::is_normal(u)), slow(m, u), "{m} {u}");
            }
        }
    }

    #[test]
    fn takes_the_closest_start_within_the_window() {
        let mut w = Unmatched::default();
        w.add(1, 10, 100.0);
        w.add(1, 11, 300.0);
        w.add(1, 12, 200.0);
        assert_eq!(w.take_closest(1, 290.0), Some(11));
        assert_eq!(w.take_closest(1, 90.0), Some(10));
        assert_eq!(w.take_closest(1, 5_000.0), None);
        assert_eq!(w.take_closest(1, 201.0), Some(12));
        assert_eq!(w.take_closest(1, 201.0), None);
        assert_eq!(w.len(), 0);
    }

    #[test]
    fn a_half_still_waiting_long_after_its_request_ended_is_let_go() {
        let mut w = Unmatched::default();
        w.add(1, 10, 0.0);
        w.add(2, 11, 5.0);
        w.add(3, 12, 6.0);
        w.settled(1, 10, 100.0);
        w.settled(2, 11, 200.0);
        // The other half of 11 came in time.
        assert_eq!(w.take_closest(2, 5.0), Some(11));
        // 12 started before and is still in flight (a long poll): it keeps waiting.
        w.settled(9, 99, 100.0 + SETTLED_WAIT_MS - 1.0);
        assert_eq!(w.len(), 2);
        w.settled(9, 98, 200.0 + SETTLED_WAIT_MS);
        assert_eq!(w.take_closest(1, 0.0), None, "10 was let go");
        assert_eq!((w.expired, w.dropped), (1, 0));
        assert_eq!(w.take_closest(3, 6.0), Some(12));
    }

    #[test]
    fn stays_bounded_and_counts_what_it_dropped() {
        let mut w = Unmatched::default();
        for i in 0..(MAX_WAITING as u64 + 10) {
            w.add(i, i, i as f64);
        }
        assert!(w.len() <= MAX_WAITING);
        assert_eq!(w.len() as u64 + w.dropped, MAX_WAITING as u64 + 10);
        // The newest are still there.
        let last = MAX_WAITING as u64 + 9;
        assert_eq!(w.take_closest(last, last as f64), Some(last));
    }
}
