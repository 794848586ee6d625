//! A live session as the panel runs it: which document of the inspected tab the
//! engine is watching, which batches it has (per-document sequence numbers), and
//! when to start over; DevTools' network log taken once and in chunks
//! (`NetworkLog`), which answers' bodies to read (`BodyReads`), which source maps
//! to ask for (`SourceMaps`), and the `Transport` the answers go out through.
//! Pure logic, so it is tested natively (with a fake transport); the panel's
//! `ui::port`, `ui::network` and `ui::sourcemaps` only move messages in and out.

use crate::input::har::HarEntry;
use crate::model::event::NetworkEntry;
use crate::{Config, Engine, Event};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What the bridge should do after a message.
#[derive(Debug, PartialEq)]
pub enum Action {
    Nothing,
    /// Ask the page's relay for every batch of `doc` after `after`.
    Sync {
        doc: String,
        after: u64,
    },
}

/// DevTools entries held while a navigation is unresolved.
const MAX_HELD: usize = 5_000;
/// Batches up to this size are ingested in one go (a few milliseconds at most);
/// bigger ones are decoded and their events queued, so the panel can ingest them in
/// slices between frames (`step`) instead of blocking its main thread.
const INGEST_AT_ONCE_BYTES: usize = 128 * 1024;
/// Page strings (URLs, component names, values) longer than this are cut before
/// the engine sees them, keeping a hash of the rest so distinct ones stay distinct.
/// A hostile page's 100 KB URLs would otherwise be copied into every finding, every
/// redraw and every report (141 MB for one such session, measured).
pub const MAX_STRING_BYTES: usize = 2_000;

/// DevTools' start time of a document's own request can read a little before the
/// page's `timeOrigin` (two clocks); entries this close to it still count.
const ORIGIN_SLACK_MS: f64 = 50.0;

/// The `origin` a batch ends with (the hook writes it last), without decoding the
/// batch: it is needed before the batch's document is adopted.
fn batch_origin(text: &str) -> Option<f64> {
    let at = text.rfind(",\"origin\":")? + ",\"origin\":".len();
    let rest = &text[at..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    if !rest[end..].starts_with('}') {
        return None; // not the envelope's last field
    }
    crate::model::number::parse_f64(&rest[..end]).filter(|t| *t > 0.0)
}

/// The panel's report as text (`window.stormwatch.report()`, Export): redacts every string value (not object keys) of compact JSON text that holds a
/// secret-looking `name=value` pair, as `report::redact::redact` does on a tree.
pub fn redact_json_text(json: &str) -> String {
    let b = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + 1;
        let mut has_eq = false;
        while j < b.len() && b[j] != b'"' {
            has_eq |= b[j] == b'=';
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        let end = (j + 1).min(b.len());
        let is_key = b.get(end) == Some(&b':');
        if has_eq && !is_key {
            let redacted = serde_json::from_str::<String>(&json[start..end])
                .ok()
                .and_then(|s| crate::model::redact::redact_str(&s))
                .and_then(|r| serde_json::to_string(&r).ok());
            if let Some(r) = redacted {
                out.push_str(&json[copied..start]);
                out.push_str(&r);
                copied = end;
            }
        }
        i = end;
    }
    out.push_str(&json[copied..]);
    out
}

/// Cuts every string literal of a JSON text to at most `max` bytes (at a character
/// and escape boundary), appending `…(+N bytes, <hash>)`. Borrowed when nothing is cut.
pub fn clip_json_strings(json: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let b = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        let mut cut = None;
        while j < b.len() && b[j] != b'"' {
            if cut.is_none() && j - start >= max && (b[j] & 0xC0) != 0x80 {
                cut = Some(j);
            }
            j += match b[j] {
                b'\\' if b.get(j + 1) == Some(&b'u') => 6,
                b'\\' => 2,
                _ => 1,
            };
        }
        let end = j.min(b.len());
        if let Some(c) = cut {
            let o = out.get_or_insert_with(|| String::with_capacity(json.len().min(1 << 20)));
            let rest = &b[c..end];
            // FNV-1a: deterministic, so the same string is cut the same way every time.
            let hash = rest.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
                (h ^ *x as u64).wrapping_mul(0x0100_0000_01b3)
            });
            o.push_str(&json[copied..c]);
            o.push_str(&format!("…(+{} bytes, {:08x})", rest.len(), hash as u32));
            copied = end;
        }
        i = end + 1;
    }
    match out {
        None => std::borrow::Cow::Borrowed(json),
        Some(mut o) => {
            o.push_str(&json[copied.min(json.len())..]);
            std::borrow::Cow::Owned(o)
        }
    }
}

/// Where the panel's answers to the page go: the port to the service worker (and
/// on to the inspected page's relay) in the panel, a recording fake in tests.
pub trait Transport {
    /// Ask the page's relay for every batch of `doc` after `after` (`sync`).
    fn sync(&self, doc: &str, after: u64);
    /// Ask the page's relay to fetch `map`, the source map of `script` (`fetch_map`).
    fn fetch_map(&self, map: &str, script: &str);
}

impl Action {
    /// Sends what the action asks for, if anything.
    pub fn send(self, transport: &dyn Transport) {
        if let Action::Sync { doc, after } = self {
            transport.sync(&doc, after);
        }
    }
}

/// DevTools entries per chunk handed to the engine: decoding a few hundred HAR
/// entries at once took longer than a frame on the hostile page, and one chunk is
/// one job of the panel's work queue, which is never cut short.
pub const HAR_CHUNK: usize = 25;

/// What identifies a DevTools entry across `getHAR()` and `onRequestFinished`: its
/// start time and URL, hashed (FNV-1a), so the set of `getHAR()`'s keys costs 8
/// bytes an entry whatever the URLs.
pub fn har_key(started: &str, url: &str) -> u64 {
    let bytes = started.bytes().chain(std::iter::once(b' ')).chain(url.bytes());
    bytes.fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
        (h ^ x as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// DevTools' network log as the panel receives it: the panel listens for finished
/// requests first, then asks `getHAR()` for what finished before; an entry in both
/// is taken once. Entries wait (as JSON text) until `getHAR()` has answered, so
/// they reach the engine in order, and leave in chunks of `HAR_CHUNK`.
#[derive(Default)]
pub struct NetworkLog {
    /// True from `start` until `getHAR()` answers.
    loading: bool,
    /// Keys of `getHAR()`'s entries while its copies may still be reported.
    seen: Option<std::collections::HashSet<u64>>,
    /// Reported entries waiting: key and JSON text.
    queue: Vec<(u64, String)>,
    /// Keys of the latest entries handed on (at most `MAX_PASSED`), oldest first:
    /// a catch-up after a flood pause asks `getHAR()` a second or two after the
    /// listener resumed, so its answer repeats what the listener already handed on.
    passed: std::collections::VecDeque<u64>,
}

/// How many handed-on keys `NetworkLog` remembers (a catch-up's overlap is the
/// listener's first `NAVIGATION_SETTLE_MS`; a flood pauses it again long before).
const MAX_PASSED: usize = 2_048;

impl NetworkLog {
    /// `getHAR()` was asked (when listening starts, and to catch up after a pause).
    /// Entries already waiting stay: the answer tells which of them it holds.
    pub fn start(&mut self) {
        self.loading = true;
        self.seen = Some(Default::default());
    }

    /// Whether `getHAR()` already had this entry (the listener's copy is skipped).
    pub fn seen(&self, key: u64) -> bool {
        self.seen.as_ref().is_some_and(|s| s.contains(&key))
    }

    /// An entry `onRequestFinished` reported; false when it was a copy.
    pub fn push(&mut self, key: u64, json: String) -> bool {
        if self.seen(key) {
            return false;
        }
        self.queue.push((key, json));
        true
    }

    /// Entries waiting.
    pub fn waiting(&self) -> usize {
        self.queue.len()
    }

    /// `getHAR()` answered with entries of these keys; gives the positions of those
    /// to take (the listener did not already hand them on). What the listener
    /// reported meanwhile that the answer did not hold stays queued (it comes after them).
    pub fn answered(&mut self, keys: &[u64]) -> Vec<usize> {
        let seen: std::collections::HashSet<u64> = keys.iter().copied().collect();
        self.queue.retain(|(k, _)| !seen.contains(k));
        self.seen = Some(seen);
        self.loading = false;
        let passed: std::collections::HashSet<u64> = self.passed.iter().copied().collect();
        (0..keys.len()).filter(|&i| !passed.contains(&keys[i])).collect()
    }

    /// Later entries can no longer be in `getHAR()`'s answer: its keys are let go.
    pub fn forget_answer(&mut self) {
        self.seen = None;
    }

    /// The waiting entries as JSON arrays of at most `HAR_CHUNK` entries, oldest
    /// first; none while `getHAR()` has not answered.
    pub fn take_chunks(&mut self) -> Vec<String> {
        if self.loading {
            return Vec::new();
        }
        let queue = std::mem::take(&mut self.queue);
        for (k, _) in &queue {
            if self.passed.len() == MAX_PASSED {
                self.passed.pop_front();
            }
            self.passed.push_back(*k);
        }
        queue
            .chunks(HAR_CHUNK)
            .map(|c| {
                let mut json = String::with_capacity(c.iter().map(|(_, j)| j.len() + 1).sum::<usize>() + 2);
                json.push('[');
                for (i, (_, j)) in c.iter().enumerate() {
                    if i > 0 {
                        json.push(',');
                    }
                    json.push_str(j);
                }
                json.push(']');
                json
            })
            .collect()
    }
}

/// Small JSON API responses whose values tell whether a later request depended on them.
/// Ids and short strings come in small answers; a big list is not worth the read.
pub const MAX_BODY_FOR_VALUES: f64 = 16.0 * 1024.0;
/// Chains are what the values are for: the waterfall detector checks a chain's
/// first `CHAIN_READS` links (its `KEEP`), so a request that continues a chain (it
/// started right after the previous answer ended) gets its body read up to that
/// many per chain. Any other answer may start a chain: those reads are limited to
/// `BODY_READS_PER_S` a second (with a burst of `BODY_READS_BURST`). Each read is a
/// round trip into the page's renderer (DevTools keeps the body there and serves it
/// on the page's main thread), so a flood of thousands of answers, sequential or
/// parallel, costs the page a handful of reads a second, and a real chain of a few
/// awaited requests still gets every body it needs (the rest say `dependent: unknown`).
const CHAIN_READS: u32 = 10;
const BODY_READS_PER_S: f64 = 4.0;
const BODY_READS_BURST: f64 = 12.0;
/// How close a request must start to the previous answer's end to continue a chain
/// (the waterfall detector's `max_gap_ms` default, with room for HAR's rounding).
const CHAIN_GAP_MS: f64 = 60.0;

/// Which DevTools answers get their body read (see `CHAIN_READS`).
pub struct BodyReads {
    /// Token bucket for reads outside a chain: tokens left and when last topped up.
    tokens: f64,
    at: f64,
    /// The chain being read: the last answer's end (ms since the epoch) and the
    /// bodies read in it so far.
    chain_end: f64,
    chain_reads: u32,
}

impl Default for BodyReads {
    fn default() -> Self {
        BodyReads {
            tokens: BODY_READS_BURST,
            at: 0.0,
            chain_end: f64::NEG_INFINITY,
            chain_reads: 0,
        }
    }
}

impl BodyReads {
    /// Takes one read from the bucket at `now` (ms), if there is one.
    fn take(&mut self, now: f64) -> bool {
        let tokens = (self.tokens + (now - self.at).max(0.0) / 1000.0 * BODY_READS_PER_S).min(BODY_READS_BURST);
        let take = tokens >= 1.0;
        self.tokens = if take { tokens - 1.0 } else { tokens };
        self.at = now;
        take
    }

    /// Whether to read the body of an answer that started and ended at `span` (ms
    /// since the epoch; `None` when DevTools' times cannot be read), at `now`.
    pub fn wants(&mut self, span: Option<(f64, f64)>, now: f64) -> bool {
        let Some((start, end)) = span else {
            return self.take(now);
        };
        if (start - self.chain_end).abs() <= CHAIN_GAP_MS {
            // The next link: read while the chain's first links are being read.
            let read = self.chain_reads > 0 && self.chain_reads < CHAIN_READS;
            self.chain_end = end;
            if read {
                self.chain_reads += 1;
            }
            return read;
        }
        let read = self.take(now);
        self.chain_end = end;
        self.chain_reads = u32::from(read);
        read
    }
}

/// Scripts waiting for their map from the page's relay (a few at a time).
const MAX_CHUNKS_WAITING: usize = 8;
/// Map URLs remembered as ours.
const MAPS_REMEMBERED: usize = 32;

/// The source maps the panel reads to say which packages fill a big script: the
/// scripts waiting for their map (with their text), and the maps asked for.
/// DevTools logs the relay's fetches of them too; those are ours, not the page's,
/// so they are left out of the analysis.
#[derive(Default)]
pub struct SourceMaps {
    waiting: Vec<(String, String)>,
    asked: VecDeque<String>,
}

impl SourceMaps {
    /// Whether DevTools' entry for `url` is a map we asked for.
    pub fn is_ours(&self, url: &str) -> bool {
        self.asked.iter().any(|u| u == url)
    }

    /// Asks the relay for `map`, the source map of `script` (whose text is kept
    /// until the answer). False, and nothing asked, when `MAX_CHUNKS_WAITING`
    /// scripts already wait or this one does.
    pub fn ask(&mut self, script: &str, map: &str, content: String, transport: &dyn Transport) -> bool {
        if self.waiting.len() >= MAX_CHUNKS_WAITING || self.waiting.iter().any(|(u, _)| u == script) {
            return false;
        }
        self.waiting.push((script.to_string(), content));
        if self.asked.len() >= MAPS_REMEMBERED {
            self.asked.pop_front();
        }
        self.asked.push_back(map.to_string());
        transport.fetch_map(map, script);
        true
    }

    /// The relay answered for `script` (with its map or without): its slot is freed
    /// and its text returned, if it was waiting.
    pub fn answered(&mut self, script: &str) -> Option<String> {
        let i = self.waiting.iter().position(|(u, _)| u == script)?;
        Some(self.waiting.remove(i).1)
    }
}

struct PendingNavigation {
    url: String,
    held: Vec<NetworkEntry>,
}

pub struct Live {
    cfg: Config,
    pub engine: Engine,
    doc: Option<String>,
    /// Documents the tab navigated away from; their late batches are ignored.
    retired: BTreeSet<String>,
    last_seq: BTreeMap<String, u64>,
    /// Set while a resend is under way, so a gap does not ask twice.
    syncing: bool,
    /// The URL of a page just restored from the back/forward cache: DevTools reports
    /// that as a navigation too, which must not wipe the restored history.
    restored_url: Option<String>,
    pending: Option<PendingNavigation>,
    /// DevTools' entries held until the new document's first batch says when it
    /// began: a document started without an origin (adopted by its relay's hello,
    /// which comes before any batch) has none yet, and the previous page's last entries, delivered late, would
    /// count as this page's requests (a copy of its first request, or hundreds after
    /// a flood). Let go, unfiltered, when the navigation settles without a batch.
    until_origin: Option<Vec<NetworkEntry>>,
    /// False while the user paused recording (Stop): batches keep their place in
    /// the sequence but are not analyzed.
    pub recording: bool,
    /// Why the session last started over, for the panel's status line.
    pub notice: Option<String>,
    /// Bumped whenever the session starts over (Clear, a new document), so the
    /// view can tell a fresh engine from an unchanged one.
    pub generation: u32,
    /// The file shown instead of the live page, after Import, and the live page's
    /// URL meanwhile (so a late report of that page's navigation is recognized).
    pub imported: Option<String>,
    live_url: Option<String>,
    /// Decoded events not yet ingested, oldest first (see `accept_batch`, `step`).
    backlog: VecDeque<Event>,
    /// Whether the backlog's last events came from a page batch (a route event
    /// among them may settle a pending navigation once they are in).
    backlog_from_page: bool,
    /// A big batch being decoded a slice at a time, before its events join the backlog.
    staged: Option<Staged>,
}

/// Events decoded between two looks at the clock when `step` is asked for more.
const DECODE_AT_ONCE: usize = 256;

/// A big page batch decoded in slices (see `Live::step`): its text cut into
/// sub-batches of a few hundred events, each decoded by the protocol's own decoder,
/// so the envelope's checks, the salvage of bad events and the counts are exactly
/// those of the whole batch. Nothing is ingested until every slice decoded.
struct Staged {
    /// The batch's text (its strings already clipped).
    text: String,
    /// Where the head (up to `"count":`) ends in `text`.
    head: usize,
    /// Where each event of the array starts and ends, and where the array's `]` is.
    spans: Vec<(usize, usize)>,
    tail: usize,
    /// Events decoded so far (from the spans before `next`).
    next: usize,
    events: Vec<Event>,
    /// The envelope's `dropped` plus the events that did not decode.
    dropped: u64,
}

impl Staged {
    /// Splits a batch written as the relay forwards them (`..."count":N,"events":[...]...`),
    /// or None when its text is not of that form or its `count` is not the number of
    /// its events (the whole batch is then decoded at once, and rejected as usual).
    fn split(text: String) -> Option<Staged> {
        let head = text.find(",\"count\":")? + ",\"count\":".len();
        let digits = text[head..].find(|c: char| !c.is_ascii_digit())?;
        let count: usize = text[head..head + digits].parse().ok()?;
        let events_at = head + digits;
        if !text[events_at..].starts_with(",\"events\":[") {
            return None;
        }
        let (spans, tail) = array_elements(text.as_bytes(), events_at + ",\"events\":[".len())?;
        (spans.len() == count).then(|| Staged {
            text,
            head,
            spans,
            tail,
            next: 0,
            events: Vec::new(),
            dropped: 0,
        })
    }

    /// The sub-batch of events `from..to`, as JSON text.
    fn slice(&self, from: usize, to: usize) -> String {
        let t = &self.text;
        let mut out = String::with_capacity(
            self.head + 64 + self.spans[from..to].iter().map(|(a, b)| b - a + 1).sum::<usize>() + (t.len() - self.tail),
        );
        out.push_str(&t[..self.head]);
        out.push_str(&(to - from).to_string());
        out.push_str(",\"events\":[");
        for (i, (a, b)) in self.spans[from..to].iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&t[*a..*b]);
        }
        out.push_str(&t[self.tail..]);
        out
    }

    /// Decodes up to `max` more events; Err when a slice does not decode at all.
    fn decode(&mut self, max: usize) -> Result<(), ()> {
        let to = self.next.saturating_add(max.max(1)).min(self.spans.len());
        let batch = crate::model::protocol::decode_batch(&self.slice(self.next, to)).map_err(|_| ())?;
        // The events that did not decode are counted in the slice's `dropped`, on
        // top of the envelope's own, which counts once.
        let bad = (to - self.next - batch.events.len()) as u64;
        if self.next == 0 {
            self.dropped = batch.dropped;
        } else {
            self.dropped += bad;
            if batch.dropped < bad {
                return Err(()); // not the protocol's decoder as this was written for
            }
        }
        self.events.extend(batch.events);
        self.next = to;
        Ok(())
    }

    fn done(&self) -> bool {
        self.next == self.spans.len()
    }
}

/// The elements of the JSON array whose first element starts at (or after blanks
/// from) `at`: their byte ranges, and where the closing `]` is. None when the text
/// ends first. Strings (with their escapes) and nesting are followed; whether each
/// element is valid JSON is left to the decoder.
fn array_elements(b: &[u8], mut at: usize) -> Option<(Vec<(usize, usize)>, usize)> {
    let blank = |c: u8| matches!(c, b' ' | b'\n' | b'\r' | b'\t');
    let mut spans = Vec::new();
    while at < b.len() && blank(b[at]) {
        at += 1;
    }
    if b.get(at) == Some(&b']') {
        return Some((spans, at));
    }
    let (mut start, mut depth, mut i) = (at, 0usize, at);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => depth -= 1,
            c @ (b',' | b']') if depth == 0 => {
                let mut end = i;
                while end > start && blank(b[end - 1]) {
                    end -= 1;
                }
                spans.push((start, end));
                if c == b']' {
                    return Some((spans, i));
                }
                start = i + 1;
                while start < b.len() && blank(b[start]) {
                    start += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

impl Live {
    pub fn new(cfg: Config) -> Live {
        Live {
            engine: Engine::new(&cfg),
            cfg,
            doc: None,
            retired: BTreeSet::new(),
            last_seq: BTreeMap::new(),
            syncing: false,
            restored_url: None,
            pending: None,
            until_origin: None,
            recording: true,
            notice: None,
            generation: 0,
            imported: None,
            live_url: None,
            backlog: VecDeque::new(),
            backlog_from_page: false,
            staged: None,
        }
    }

    /// Whether events are waiting to be ingested (call `step` until it is false).
    pub fn busy(&self) -> bool {
        !self.backlog.is_empty() || self.staged.is_some()
    }

    /// Events waiting to be ingested (those of a batch being decoded included).
    pub fn backlog_len(&self) -> usize {
        self.backlog.len() + self.staged.as_ref().map_or(0, |s| s.spans.len())
    }

    /// What was waiting, dropped (Clear, a new session, Stop).
    fn drop_waiting(&mut self) {
        self.backlog.clear();
        self.staged = None;
    }

    /// Ingests at most `max` waiting events (or, while a big batch is being decoded,
    /// decodes at most `max` of its events); true while more remain. While
    /// recording is stopped, what was waiting is dropped, as it would have been on arrival.
    pub fn step(&mut self, max: usize) -> bool {
        if !self.recording {
            self.drop_waiting();
        }
        if let Some(staged) = &mut self.staged {
            let ok = staged.decode(max.min(DECODE_AT_ONCE)).is_ok();
            if ok && !staged.done() {
                return true;
            }
            let staged = self.staged.take().expect("staged");
            if ok {
                self.engine.note_dropped(staged.dropped);
                self.backlog.extend(staged.events);
                self.backlog_from_page = true;
            } else {
                // Decoded whole, as before: rejected and counted exactly as the
                // engine counts any batch it cannot decode.
                let _ = self.engine.ingest_batch(&staged.text);
                self.after_page_events();
            }
            return self.busy();
        }
        for _ in 0..max {
            match self.backlog.pop_front() {
                Some(e) => self.engine.ingest(e),
                None => break,
            }
        }
        if self.backlog.is_empty() && std::mem::take(&mut self.backlog_from_page) {
            self.after_page_events();
        }
        !self.backlog.is_empty()
    }

    /// Everything waiting, ingested now.
    fn drain(&mut self) {
        while self.step(usize::MAX) {}
    }

    /// Shows a saved report or HAR file instead of the live page, replayed with the
    /// current settings exactly as the CLI would. Live recording stops until Record
    /// (or the inspected page navigating) brings the live page back. A file that
    /// cannot be read changes nothing.
    pub fn import(&mut self, name: &str, text: &str) -> Result<(), String> {
        let input = crate::input::session::parse(text).map_err(|e| format!("{name}: {e}"))?;
        if self.imported.is_none() {
            self.live_url = Some(self.engine.page_url().to_string());
        }
        self.engine = crate::input::session::replay(input, &self.cfg);
        self.drop_waiting();
        self.recording = false;
        self.imported = Some(name.to_string());
        self.generation += 1;
        self.notice = Some(format!(
            "Showing {name} (imported). Live recording is stopped; press Record to go back to the page."
        ));
        Ok(())
    }

    /// What a big script is made of, read from its source map by the panel.
    pub fn chunk_packages(&mut self, c: crate::model::event::ChunkPackages) {
        if self.recording {
            self.engine.ingest(Event::ChunkPackages(c));
        }
    }

    /// Back from an imported file to the live page (Record after Import).
    pub fn resume_live(&mut self) {
        if self.imported.is_some() {
            let url = self.live_url.take().unwrap_or_default();
            self.reset("Back to the live page.".into());
            self.engine.set_page_url(&url);
            // What the page did meanwhile is still in its relay: the next batch
            // finds a gap and asks for everything again.
            self.last_seq.clear();
            self.syncing = false;
        }
        self.recording = true;
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// New thresholds: the session is replayed through a fresh engine, so what is
    /// on screen is what these settings would have found all along.
    pub fn set_config(&mut self, cfg: Config) {
        self.drain();
        let mut fresh = self.engine.fresh_with(&cfg);
        for e in self.engine.events() {
            fresh.ingest(e.clone());
        }
        fresh.note_dropped(self.engine.stats().dropped);
        self.engine = fresh;
        self.cfg = cfg;
        self.generation += 1;
        self.notice = Some("Settings applied; the session was re-analyzed with them.".into());
    }

    /// Starts over on the same document (the Clear button). Later batches of this
    /// document are still taken; what came before is gone from view.
    pub fn clear(&mut self) {
        // What was waiting came before the Clear.
        self.drop_waiting();
        self.engine = self.engine.fresh();
        self.generation += 1;
        self.notice = Some("Cleared.".into());
    }

    fn reset(&mut self, why: String) {
        // A new live session ends the view of an imported file.
        if self.imported.take().is_some() {
            self.recording = true;
        }
        self.live_url = None;
        self.drop_waiting();
        self.until_origin = None;
        self.engine = Engine::new(&self.cfg);
        self.generation += 1;
        self.notice = Some(why);
    }

    fn new_document(&mut self, url: &str, origin: Option<f64>) {
        if let Some(d) = self.doc.take() {
            self.retired.insert(d);
        }
        self.last_seq.clear();
        self.syncing = false;
        // The URL is not known yet when the new page's first batch is what told us.
        let what = if url.is_empty() {
            "New page".to_string()
        } else {
            format!("New page: {url}")
        };
        self.reset(format!("{what}. Findings from the previous page were cleared."));
        self.engine.set_page_url(url);
        match origin {
            Some(t) => self.engine.ignore_before(t - ORIGIN_SLACK_MS),
            // Adopted by its relay's hello: DevTools' entries wait for its first batch.
            None => self.until_origin = Some(Vec::new()),
        }
    }

    /// DevTools says the inspected tab navigated. It says so for same-document
    /// navigations too (pushState, hash changes), so nothing is reset yet: the next
    /// batch tells which it was (a new document's, or a route event of this one),
    /// and DevTools' entries meanwhile are held for whichever document they belong to.
    pub fn navigated(&mut self, url: &str) {
        let same = |a: &str| a.split('#').next() == url.split('#').next();
        if self.restored_url.take().is_some_and(|u| same(&u)) {
            return;
        }
        // DevTools can report a navigation after the new page's first batch already
        // arrived (and started the new session): that page is the one we show.
        let current = self.live_url.as_deref().unwrap_or(self.engine.page_url());
        if self.doc.is_some() && same(current) && self.pending.is_none() {
            return;
        }
        match &mut self.pending {
            Some(p) => p.url = url.to_string(),
            None => {
                self.pending = Some(PendingNavigation {
                    url: url.to_string(),
                    held: Vec::new(),
                })
            }
        }
    }

    /// No batch settled the navigation within a moment (a page the hook cannot
    /// reach, or one that stays quiet): treat it as a new document.
    pub fn navigation_settled(&mut self) {
        self.resolve(false, None);
        self.release_held();
    }

    /// The current document's first batch came (or none will): the entries held for
    /// its origin are ingested, those from before it began left out by the engine.
    fn release_held(&mut self) {
        let Some(held) = self.until_origin.take() else { return };
        for e in held {
            self.engine.ingest(Event::Network(Box::new(e)));
        }
    }

    fn resolve(&mut self, same_document: bool, origin: Option<f64>) {
        let Some(p) = self.pending.take() else { return };
        if !same_document {
            self.new_document(&p.url, origin);
        }
        match &mut self.until_origin {
            Some(h) => h.extend(p.held),
            None => p
                .held
                .into_iter()
                .for_each(|e| self.engine.ingest(Event::Network(Box::new(e)))),
        }
    }

    /// Adopts `doc` as the current document; false when its batches must be ignored.
    /// `origin` is when the document began, when its batch says.
    fn adopt(&mut self, doc: &str, url: Option<&str>, origin: Option<f64>) -> bool {
        if self.retired.contains(doc) {
            return false; // a late batch from a page the tab left
        }
        if self.pending.is_some() && self.doc.as_deref() != Some(doc) {
            self.resolve(false, origin);
        }
        match &self.doc {
            Some(d) if d == doc => {}
            Some(_) => {
                // A new document DevTools did not report (or reported late).
                self.new_document(url.unwrap_or(""), origin);
            }
            None => {}
        }
        self.doc = Some(doc.to_string());
        true
    }

    /// The relay (re)connected and says which document it serves and how far it is;
    /// `restored` when the back/forward cache just brought that document back.
    pub fn hello(&mut self, doc: &str, seq: u64, url: &str, restored: bool) -> Action {
        if restored && self.doc.as_deref() != Some(doc) {
            let held = self.pending.take().map(|p| p.held).unwrap_or_default();
            if let Some(current) = self.doc.take() {
                self.retired.insert(current);
            }
            self.retired.remove(doc);
            self.last_seq.clear();
            self.reset(format!("Page restored from the back/forward cache: {url}"));
            self.engine.set_page_url(url);
            for e in held {
                self.engine.ingest(Event::Network(Box::new(e)));
            }
            self.doc = Some(doc.to_string());
            self.restored_url = Some(url.to_string());
            self.syncing = true;
            return Action::Sync {
                doc: doc.to_string(),
                after: 0,
            };
        }
        if !self.adopt(doc, Some(url), None) {
            return Action::Nothing;
        }
        let have = self.last_seq.get(doc).copied().unwrap_or(0);
        if seq > have {
            self.syncing = true;
            Action::Sync {
                doc: doc.to_string(),
                after: have,
            }
        } else {
            Action::Nothing
        }
    }

    /// One batch from the relay, in order or not, ingested at once.
    pub fn batch(&mut self, doc: &str, seq: u64, text: &str) -> Action {
        let action = self.accept_batch(doc, seq, text);
        self.drain();
        action
    }

    /// Like `batch`, but a big batch's events are only decoded and queued: `step`
    /// ingests them. Call it only when `busy()` is false, so batches stay in order.
    pub fn accept_batch(&mut self, doc: &str, seq: u64, text: &str) -> Action {
        // Whatever is still waiting belongs before this batch.
        self.drain();
        let origin = batch_origin(text);
        if !self.adopt(doc, None, origin) {
            return Action::Nothing;
        }
        if let Some(t) = origin {
            // Also for the first document, and for one adopted by its hello.
            self.engine.ignore_before(t - ORIGIN_SLACK_MS);
        }
        self.release_held();
        let have = self.last_seq.get(doc).copied().unwrap_or(0);
        if seq <= have {
            return Action::Nothing; // already have it (a resend)
        }
        if seq > have + 1 {
            // A gap: ask for everything from the last one we have, in order.
            if self.syncing {
                return Action::Nothing;
            }
            self.syncing = true;
            return Action::Sync {
                doc: doc.to_string(),
                after: have,
            };
        }
        self.last_seq.insert(doc.to_string(), seq);
        self.syncing = false;
        if !self.recording {
            return Action::Nothing;
        }
        let text = clip_json_strings(text, MAX_STRING_BYTES);
        let text = text.as_ref();
        if text.len() <= INGEST_AT_ONCE_BYTES {
            // A batch that fails to decode is counted in the engine's stats.
            let _ = self.engine.ingest_batch(text);
            self.after_page_events();
            return Action::Nothing;
        }
        // Decoding a batch of the relay's 4 M characters takes tens of milliseconds:
        // it is decoded a slice at a time too (`step`).
        if let Some(staged) = Staged::split(text.to_string()) {
            self.staged = Some(staged);
            return Action::Nothing;
        }
        match crate::model::protocol::decode_batch(text) {
            Ok(batch) => {
                self.engine.note_dropped(batch.dropped);
                self.backlog.extend(batch.events);
                self.backlog_from_page = true;
            }
            // Counted by the engine exactly as it counts any batch it cannot decode.
            Err(_) => {
                let _ = self.engine.ingest_batch(text);
            }
        }
        Action::Nothing
    }

    /// A route event to the URL DevTools reported: it was a same-document navigation.
    fn after_page_events(&mut self) {
        let routed = self
            .pending
            .as_ref()
            .is_some_and(|p| self.engine.last_route() == Some(p.url.as_str()));
        if routed {
            self.resolve(true, None);
        }
    }

    /// The relay trimmed `events` events of history before we asked for it; what it
    /// still has starts at batch `first`, which is where the resend continues.
    pub fn lost(&mut self, doc: &str, events: u64, first: u64) {
        if self.doc.as_deref() != Some(doc) {
            return;
        }
        if self.imported.is_some() {
            return; // the loss is the live page's, not the imported file's
        }
        let have = self.last_seq.entry(doc.to_string()).or_insert(0);
        // Two resends can cross (a hello and a gap each ask): count a loss once.
        if *have >= first.saturating_sub(1) {
            return;
        }
        *have = first.saturating_sub(1);
        self.engine.note_dropped(events);
    }

    /// Entries from DevTools' network log, as a JSON array of HAR entries, ingested at once.
    pub fn har_entries(&mut self, json: &str) -> Result<usize, String> {
        let n = self.accept_har_entries(json);
        self.drain();
        n
    }

    /// Like `har_entries`, but the entries are queued for `step`.
    pub fn accept_har_entries(&mut self, json: &str) -> Result<usize, String> {
        self.drain();
        if !self.recording {
            return Ok(0);
        }
        let json = clip_json_strings(json, MAX_STRING_BYTES);
        // From bytes, as `har::read` decodes a HAR file: one copy of the entry
        // decoders in the panel's wasm, not one per kind of input.
        let entries: Vec<HarEntry> = match serde_json::from_slice(json.as_bytes()) {
            Ok(e) => e,
            Err(e) => {
                self.engine.note_dropped(1);
                return Err(format!("unreadable HAR entries: {e}"));
            }
        };
        let mut n = 0;
        for e in &entries {
            match e.to_event() {
                Ok(ev) => {
                    // Requests the page itself cannot be blamed for.
                    if ev.url.starts_with("chrome-extension://") || ev.url.starts_with("data:") {
                        continue;
                    }
                    match (&mut self.pending, &mut self.until_origin) {
                        (Some(p), _) if p.held.len() < MAX_HELD => p.held.push(ev),
                        (Some(_), _) => self.engine.note_dropped(1),
                        (None, Some(h)) if h.len() < MAX_HELD => h.push(ev),
                        (None, _) => self.backlog.push_back(Event::Network(Box::new(ev))),
                    }
                    n += 1;
                }
                Err(_) => self.engine.note_dropped(1),
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(doc: &str, seq: u64, url: &str) -> String {
        format!(
            r#"{{"v":2,"kind":"stormwatch.batch","doc":"{doc}","seq":{seq},"dropped":0,"count":1,"events":[{{"type":"request_start","id":{seq},"api":"fetch","method":"GET","url":"{url}","t":{t},"body":"","keepalive":false,"range":false,"op":null}}],"cost_us":0,"origin":null}}"#,
            t = 1000 + seq * 10
        )
    }

    fn har_entry(url: &str) -> String {
        format!(
            r#"[{{"startedDateTime":"2026-12-01T00:00:00.000Z","time":5,"request":{{"method":"GET","url":"{url}"}},"response":{{"status":200}},"_resourceType":"document"}}]"#
        )
    }

    #[test]
    fn in_order_batches_are_ingested_once() {
        let mut l = Live::new(Config::default());
        assert_eq!(l.batch("a", 1, &batch("a", 1, "http://h/1")), Action::Nothing);
        assert_eq!(l.batch("a", 1, &batch("a", 1, "http://h/1")), Action::Nothing);
        assert_eq!(l.engine.stats().requests, 1);
    }

    #[test]
    fn a_gap_asks_for_a_resend_once() {
        let mut l = Live::new(Config::default());
        assert_eq!(
            l.batch("a", 3, &batch("a", 3, "http://h/3")),
            Action::Sync {
                doc: "a".into(),
                after: 0
            }
        );
        assert_eq!(l.batch("a", 4, &batch("a", 4, "http://h/4")), Action::Nothing);
        for s in 1..=4 {
            l.batch("a", s, &batch("a", s, &format!("http://h/{s}")));
        }
        assert_eq!(l.engine.stats().requests, 4);
    }

    #[test]
    fn an_imported_report_replaces_the_view_until_record_and_bad_files_change_nothing() {
        let mut l = Live::new(Config::default());
        l.batch("a", 1, &batch("a", 1, "http://h/live"));
        assert!(l
            .import("notes.txt", "not json")
            .unwrap_err()
            .starts_with("notes.txt: not JSON"));
        assert_eq!(l.engine.stats().requests, 1, "a bad file changes nothing");
        let report = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/reports/react-storm.json"
        ))
        .unwrap();
        l.import("react-storm.json", &report).unwrap();
        assert!(l.engine.findings().iter().any(|f| f.detector == "rerender-storm"));
        assert!(!l.recording);
        // Live batches do not mix into the imported session, and DevTools reporting
        // the live page's own navigation late does not end the view.
        l.batch("a", 2, &batch("a", 2, "http://h/live2"));
        l.navigated("");
        l.navigation_settled();
        assert!(l.engine.findings().iter().any(|f| f.detector == "rerender-storm"));
        assert_eq!(l.engine.stats().requests, 0);
        l.resume_live();
        assert!(l.recording && l.imported.is_none());
        assert!(l.engine.findings().is_empty());
        // The live page's batches since the import are asked for again and analyzed.
        assert!(matches!(
            l.batch("a", 3, &batch("a", 3, "http://h/live3")),
            Action::Sync { after: 0, .. }
        ));
        for s in 1..=3 {
            l.batch("a", s, &batch("a", s, &format!("http://h/{s}")));
        }
        assert_eq!(l.engine.stats().requests, 3);
    }

    #[test]
    fn history_trimmed_before_the_panel_asked_is_counted_and_the_rest_delivered() {
        let mut l = Live::new(Config::default());
        // The relay kept batches 41.. only; the first one the panel sees is 41.
        assert!(matches!(
            l.batch("a", 41, &batch("a", 41, "http://h/41")),
            Action::Sync { after: 0, .. }
        ));
        l.lost("a", 12_345, 41);
        l.lost("a", 12_345, 41); // the answer to a second resend request
        for s in 41..=43 {
            l.batch("a", s, &batch("a", s, &format!("http://h/{s}")));
        }
        assert_eq!(l.engine.stats().requests, 3);
        assert_eq!(l.engine.stats().dropped, 12_345);
        // And it stays live afterwards.
        l.batch("a", 44, &batch("a", 44, "http://h/44"));
        assert_eq!(l.engine.stats().requests, 4);
    }

    #[test]
    fn a_new_document_resets_and_keeps_devtools_entries_that_came_first() {
        let mut l = Live::new(Config::default());
        l.batch("a", 1, &batch("a", 1, "http://h/1"));
        l.navigated("http://h/next");
        // The old page's last batch, late: still the old page.
        l.batch("a", 2, &batch("a", 2, "http://h/late"));
        l.har_entries(&har_entry("http://h/next")).unwrap();
        assert_eq!(l.engine.stats().requests, 2);
        l.batch("b", 1, &batch("b", 1, "http://h/new"));
        // The new page's own request, plus its document request held from DevTools.
        assert_eq!(l.engine.stats().requests, 2);
        assert_eq!(l.engine.page_url(), "http://h/next");
        assert!(l.notice.as_deref().unwrap().contains("New page: http://h/next"));
        // Batches of the page we left are ignored from now on.
        l.batch("a", 3, &batch("a", 3, "http://h/later"));
        assert_eq!(l.engine.stats().requests, 2);
    }

    fn har_entry_at(url: &str, iso: &str) -> String {
        format!(
            r#"[{{"startedDateTime":"{iso}","time":5,"request":{{"method":"GET","url":"{url}"}},"response":{{"status":200}},"_resourceType":"fetch"}}]"#
        )
    }

    #[test]
    fn the_previous_pages_late_devtools_entries_stay_out_of_the_new_page() {
        // 2026-12-01T00:00:10Z: when the new document began.
        let origin = crate::input::har::parse_iso8601("2026-12-01T00:00:10.000Z").unwrap();
        let new_batch = |seq: u64| {
            let b = batch("b", seq, "http://h/new");
            format!("{},\"origin\":{origin}}}", &b[..b.len() - 1])
        };
        let mut l = Live::new(Config::default());
        l.batch("a", 1, &batch("a", 1, "http://h/1"));
        l.navigated("http://h/next");
        // Held while the navigation is unresolved: one from the old page, one from the new.
        l.har_entries(&har_entry_at("http://h/old-poll", "2026-12-01T00:00:04.000Z"))
            .unwrap();
        l.har_entries(&har_entry_at("http://h/next-data", "2026-12-01T00:00:10.200Z"))
            .unwrap();
        l.batch("b", 1, &new_batch(1));
        // Reported after the new page was adopted: the old page's, late.
        l.har_entries(&har_entry_at("http://h/old-beacon", "2026-12-01T00:00:09.500Z"))
            .unwrap();
        // Near miss: the new document's own request, stamped a moment before its origin.
        l.har_entries(&har_entry_at("http://h/next", "2026-12-01T00:00:09.990Z"))
            .unwrap();
        let urls: Vec<String> = l.engine.requests().map(|r| r.url.clone()).collect();
        assert!(urls.iter().all(|u| !u.contains("/old-")), "{urls:?}");
        assert!(urls.contains(&"http://h/next-data".to_string()), "{urls:?}");
        assert!(urls.contains(&"http://h/next".to_string()), "{urls:?}");
        // A batch without an origin (an older hook) changes nothing.
        assert_eq!(batch_origin(&batch("b", 2, "http://h/x")), None);
        assert_eq!(batch_origin(&new_batch(2)), Some(origin));
    }

    #[test]
    fn a_late_navigation_report_for_the_page_already_shown_changes_nothing() {
        let mut l = Live::new(Config::default());
        let page = r#"{"v":2,"kind":"stormwatch.batch","doc":"b","seq":1,"dropped":0,"count":1,"events":[{"type":"page","t":1000,"url":"http://h/next"}],"cost_us":0,"origin":null}"#;
        l.batch("a", 1, &batch("a", 1, "http://h/1"));
        l.batch("b", 1, page);
        l.batch("b", 2, &batch("b", 2, "http://h/2"));
        let generation = l.generation;
        l.navigated("http://h/next");
        l.navigation_settled();
        assert_eq!(l.generation, generation);
        assert_eq!(l.engine.stats().requests, 1);
    }

    #[test]
    fn a_same_document_navigation_keeps_the_session() {
        let mut l = Live::new(Config::default());
        l.batch("a", 1, &batch("a", 1, "http://h/1"));
        l.navigated("http://h/#/gallery");
        let route = r#"{"v":2,"kind":"stormwatch.batch","doc":"a","seq":2,"dropped":0,"count":1,"events":[{"type":"route","t":2000,"url":"http://h/#/gallery","kind":"push"}],"cost_us":0,"origin":null}"#;
        l.batch("a", 2, route);
        l.navigation_settled();
        assert_eq!(l.engine.stats().requests, 1);
        assert_eq!(l.generation, 0);
    }

    #[test]
    fn a_navigation_no_batch_explains_is_a_new_document() {
        let mut l = Live::new(Config::default());
        l.batch("a", 1, &batch("a", 1, "http://h/1"));
        l.navigated("http://h/plain");
        l.har_entries(&har_entry("http://h/plain")).unwrap();
        l.navigation_settled();
        assert_eq!(l.engine.stats().requests, 1);
        assert_eq!(l.engine.page_url(), "http://h/plain");
    }

    #[test]
    fn the_previous_pages_late_entries_wait_for_the_new_documents_origin_and_are_left_out() {
        // The relay's hello for the new page comes before its first batch; DevTools'
        // entry for the old page's last request is delivered around it.
        let entry = |url: &str, started: &str| {
            format!(
                r#"[{{"startedDateTime":"{started}","time":5,"request":{{"method":"GET","url":"{url}"}},"response":{{"status":200}},"_resourceType":"fetch"}}]"#
            )
        };
        let origin = 1_796_125_610_000.0; // 2026-12-01T11:46:50Z, the new page's time origin
        let new_page = format!(
            r#"{{"v":2,"kind":"stormwatch.batch","doc":"b","seq":1,"dropped":0,"count":1,"events":[{{"type":"page","t":{origin},"url":"http://h/next"}}],"cost_us":0,"origin":{origin}}}"#
        );
        for navigation_first in [true, false] {
            let mut l = Live::new(Config::default());
            l.batch("a", 1, &batch("a", 1, "http://h/1"));
            if navigation_first {
                l.navigated("http://h/next");
                l.har_entries(&entry("http://h/api/profile", "2026-12-01T11:46:49.700Z"))
                    .unwrap();
            }
            l.hello("b", 1, "http://h/next", false);
            // Late: the old page's entry; then the new page's own.
            l.har_entries(&entry("http://h/api/old", "2026-12-01T11:46:49.800Z"))
                .unwrap();
            l.har_entries(&entry("http://h/api/profile", "2026-12-01T11:46:50.200Z"))
                .unwrap();
            assert_eq!(
                l.engine.stats().requests,
                0,
                "nothing counted before the origin is known"
            );
            l.batch("b", 1, &new_page);
            let urls: Vec<String> = l.engine.requests().map(|r| r.url.clone()).collect();
            assert_eq!(urls, ["http://h/api/profile"], "navigation first: {navigation_first}");
            assert_eq!(l.engine.requests().next().map(|r| r.start), Some(origin + 200.0));
        }
    }

    #[test]
    fn entries_held_for_an_origin_that_never_comes_are_taken_when_the_navigation_settles() {
        let mut l = Live::new(Config::default());
        l.batch("a", 1, &batch("a", 1, "http://h/1"));
        l.navigated("http://h/next");
        l.hello("b", 1, "http://h/next", false);
        l.har_entries(&har_entry("http://h/x")).unwrap();
        assert_eq!(l.engine.stats().requests, 0);
        l.navigation_settled();
        assert_eq!(l.engine.stats().requests, 1);
    }

    #[test]
    fn back_forward_cache_restore_replays_the_old_document() {
        let mut l = Live::new(Config::default());
        l.batch("a", 1, &batch("a", 1, "http://h/1"));
        l.navigated("http://h/b");
        l.batch("b", 1, &batch("b", 1, "http://h/2"));
        assert_eq!(
            l.hello("a", 5, "http://h/a", true),
            Action::Sync {
                doc: "a".into(),
                after: 0
            }
        );
        assert!(l.notice.as_deref().unwrap().contains("back/forward cache"));
        // DevTools then reports the same page as a navigation: the history stays.
        l.navigated("http://h/a");
        l.batch("a", 1, &batch("a", 1, "http://h/1"));
        assert_eq!(l.engine.stats().requests, 1);
        // A late hello from a retired page that was not restored changes nothing.
        assert_eq!(l.hello("b", 1, "http://h/b", false), Action::Nothing);
    }

    #[test]
    fn new_settings_reanalyze_the_session() {
        let mut l = Live::new(Config::default());
        for s in 1..=2 {
            l.batch("a", s, &batch("a", s, "http://h/same"));
        }
        assert_eq!(l.engine.findings().len(), 1);
        let mut cfg = Config::default();
        cfg.disabled.push("duplicate-request".into());
        l.set_config(cfg);
        assert_eq!(l.engine.findings().len(), 0);
        assert_eq!(l.engine.stats().requests, 2);
    }

    #[test]
    fn stopped_recording_skips_batches_without_losing_its_place() {
        let mut l = Live::new(Config::default());
        l.batch("a", 1, &batch("a", 1, "http://h/1"));
        l.recording = false;
        assert_eq!(l.batch("a", 2, &batch("a", 2, "http://h/2")), Action::Nothing);
        l.har_entries(&har_entry("http://h/x")).unwrap();
        l.recording = true;
        assert_eq!(l.batch("a", 3, &batch("a", 3, "http://h/3")), Action::Nothing);
        assert_eq!(l.engine.stats().requests, 2);
    }

    fn big_batch(doc: &str, seq: u64, n: u64) -> String {
        let events: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"type":"request_start","id":{id},"api":"fetch","method":"GET","url":"http://h/item/{i}?pad={pad}","t":{t},"body":"","keepalive":false,"range":false,"op":null}}"#,
                    id = seq * 100_000 + i,
                    t = 1000 + i,
                    pad = "p".repeat(100)
                )
            })
            .collect();
        format!(
            r#"{{"v":2,"kind":"stormwatch.batch","doc":"{doc}","seq":{seq},"dropped":3,"count":{n},"events":[{}],"cost_us":0,"origin":null}}"#,
            events.join(",")
        )
    }

    #[test]
    fn a_big_batch_is_ingested_in_slices_in_order_and_exactly_once() {
        let text = big_batch("a", 1, 2_000);
        assert!(text.len() > INGEST_AT_ONCE_BYTES);
        let mut sliced = Live::new(Config::default());
        assert_eq!(sliced.accept_batch("a", 1, &text), Action::Nothing);
        assert_eq!(sliced.backlog_len(), 2_000);
        let mut steps = 0;
        while sliced.step(300) {
            steps += 1;
        }
        // Eight steps decode it (`DECODE_AT_ONCE` events at most each), seven
        // more ingest it (300 each; the last is not counted: it returns false).
        assert_eq!(steps, 8 + 6);
        assert!(!sliced.busy());
        let mut whole = Live::new(Config::default());
        whole.batch("a", 1, &text);
        assert_eq!(sliced.engine.stats(), whole.engine.stats());
        assert_eq!(sliced.engine.stats().requests, 2_000);
        assert_eq!(sliced.engine.stats().dropped, 3);
        assert_eq!(sliced.engine.findings(), whole.engine.findings());
        // A resend of the same batch is recognized before anything is decoded.
        sliced.accept_batch("a", 1, &text);
        assert!(!sliced.busy());
    }

    /// The session's engine after `text` went through `accept_batch` and `step(max)`,
    /// with the number of steps and the events ingested after the first step.
    fn sliced(text: &str, max: usize) -> (Live, usize, u64) {
        let mut l = Live::new(Config::default());
        assert_eq!(l.accept_batch("a", 1, text), Action::Nothing);
        let mut steps = 1;
        let mut more = l.step(max);
        let after_first = l.engine.stats().events;
        while more {
            steps += 1;
            more = l.step(max);
        }
        (l, steps, after_first)
    }

    /// What the engine makes of the same batch decoded whole.
    fn whole(text: &str) -> Engine {
        let mut e = Engine::new(&Config::default());
        let _ = e.ingest_batch(&clip_json_strings(text, MAX_STRING_BYTES));
        e
    }

    #[test]
    fn a_huge_batch_is_decoded_in_slices_and_reads_as_decoded_whole() {
        // 16,000 events (3.4 MB): decoding them at once blocked the panel for tens of ms.
        let text = big_batch("a", 1, 16_000);
        let (l, steps, after_first) = sliced(&text, 64);
        assert_eq!(after_first, 0, "the first steps only decode");
        assert_eq!(steps, 2 * 16_000 / 64, "decoded, then ingested, 64 at a time");
        let w = whole(&text);
        assert_eq!(l.engine.stats().requests, 16_000);
        assert_eq!(l.engine.stats(), w.stats());
        assert_eq!(l.engine.findings(), w.findings());
    }

    #[test]
    fn a_huge_batch_with_bad_events_is_salvaged_or_rejected_as_a_whole_one_is() {
        let good = big_batch("a", 1, 2_000);
        // One event of the wrong shape: left out and counted, the rest kept.
        let bad_event = good.replacen(r#""api":"fetch""#, r#""api":17"#, 1);
        // A count that is not the number of events, and broken JSON in the middle:
        // the whole batch is rejected, nothing of it ingested.
        let bad_count = good.replacen(r#""count":2000"#, r#""count":1999"#, 1);
        let at = good.len() / 2;
        let at = at + good[at..].find("\"url\"").unwrap();
        let broken = format!("{}{}", &good[..at], &good[at + 1..]);
        for (name, text) in [
            ("bad event", &bad_event),
            ("bad count", &bad_count),
            ("broken", &broken),
        ] {
            let (l, _, _) = sliced(text, 64);
            let w = whole(text);
            assert_eq!(l.engine.stats(), w.stats(), "{name}");
            assert_eq!(l.engine.findings(), w.findings(), "{name}");
        }
        let (l, _, _) = sliced(&bad_event, 64);
        assert_eq!((l.engine.stats().requests, l.engine.stats().dropped), (1_999, 4));
        for text in [&bad_count, &broken] {
            let (l, _, _) = sliced(text, 64);
            assert_eq!((l.engine.stats().requests, l.engine.stats().rejected_batches), (0, 1));
        }
    }

    #[test]
    fn array_elements_follow_strings_and_nesting() {
        let text = r#"[ {"a":"x,]\"}"} , [1,[2]] ,"s]" ] tail"#;
        let (spans, end) = array_elements(text.as_bytes(), 1).unwrap();
        let parts: Vec<&str> = spans.iter().map(|(a, b)| &text[*a..*b]).collect();
        assert_eq!(parts, [r#"{"a":"x,]\"}"}"#, "[1,[2]]", r#""s]""#]);
        assert_eq!(&text[end..], "] tail");
        assert_eq!(array_elements(b"[ ]", 1), Some((vec![], 2)));
        assert_eq!(array_elements(br#"[{"a":1"#, 1), None);
    }

    #[test]
    fn waiting_events_are_dropped_by_clear_and_by_stop() {
        let mut l = Live::new(Config::default());
        l.accept_batch("a", 1, &big_batch("a", 1, 2_000));
        l.step(500);
        l.clear();
        assert!(!l.busy());
        assert_eq!(l.engine.stats().requests, 0);
        l.accept_batch("a", 2, &big_batch("a", 2, 2_000));
        l.recording = false;
        assert!(!l.step(10));
        assert_eq!(l.engine.stats().requests, 0);
        // A big garbage batch is counted like a small one.
        l.recording = true;
        l.accept_batch("a", 3, &format!("{{\"v\":1,\"pad\":\"{}\"", "x".repeat(200_000)));
        assert!(!l.busy());
        assert_eq!(l.engine.stats().rejected_batches, 1);
    }

    #[test]
    fn long_page_strings_are_cut_distinctly_and_stay_valid_json() {
        let long = |tail: &str| format!("http://h/api/x?q={}{tail}", "é\\u00e9\\\"".repeat(2_000));
        let (a, b) = (long("a"), long("b"));
        let json = format!(r#"{{"k":"short","u":"{a}","v":["{b}"],"n":1}}"#);
        let cut = clip_json_strings(&json, 100);
        let v: serde_json::Value = serde_json::from_str(&cut).expect("still JSON");
        let (ua, ub) = (v["u"].as_str().unwrap(), v["v"][0].as_str().unwrap());
        assert_eq!(v["k"], "short");
        assert_eq!(v["n"], 1);
        assert!(ua.len() < 200 && ua.contains("…(+"), "{ua}");
        assert_ne!(ua, ub, "different tails stay different");
        assert_eq!(clip_json_strings(&json, 100), cut, "the same every time");
        assert!(matches!(
            clip_json_strings(r#"{"a":"b"}"#, 100),
            std::borrow::Cow::Borrowed(_)
        ));
        // Through the session: the engine keeps the short form.
        let mut l = Live::new(Config::default());
        l.batch("a", 1, &batch("a", 1, &"http://h/".repeat(50_000)));
        let url = match l.engine.events().next() {
            Some(Event::RequestStart(s)) => s.url.clone(),
            other => panic!("{other:?}"),
        };
        assert!(url.len() < MAX_STRING_BYTES + 40, "{}", url.len());
    }

    #[test]
    fn text_redaction_matches_the_reports_tree_redaction() {
        let mut l = Live::new(Config::default());
        for s in 1..=3 {
            l.batch(
                "a",
                s,
                &batch("a", s, "http://h/api?access_token=abc&page=2&q=\\\"x=1\\\"&apiKey=k"),
            );
        }
        for with_events in [false, true] {
            let tree: serde_json::Value =
                serde_json::from_str(&crate::report::Report::json_of(&l.engine, with_events, true)).unwrap();
            let plain = crate::report::Report::json_of(&l.engine, with_events, false);
            assert!(plain.contains("access_token=abc"));
            let text: serde_json::Value = serde_json::from_str(&redact_json_text(&plain)).unwrap();
            assert_eq!(text, tree);
            assert!(!text.to_string().contains("abc"));
        }
    }

    #[test]
    fn garbage_is_counted_not_fatal() {
        let mut l = Live::new(Config::default());
        l.batch("a", 1, "{not json");
        assert!(l.har_entries("[{\"nope\":1}]").is_err());
        assert_eq!(l.engine.stats().rejected_batches, 1);
        assert_eq!(l.engine.stats().dropped, 2);
    }

    /// Records what the session sends, as the panel's port would carry it.
    #[derive(Default)]
    struct FakePort(std::cell::RefCell<Vec<String>>);

    impl Transport for FakePort {
        fn sync(&self, doc: &str, after: u64) {
            self.0.borrow_mut().push(format!("sync {doc} {after}"));
        }
        fn fetch_map(&self, map: &str, script: &str) {
            self.0.borrow_mut().push(format!("fetch_map {map} {script}"));
        }
    }

    fn devtools_entry(i: usize, url: &str) -> (u64, String) {
        let started = format!("2026-12-01T00:00:{:02}.{:03}Z", i / 1000 % 60, i % 1000);
        let json = format!(
            r#"{{"startedDateTime":"{started}","time":5,"request":{{"method":"GET","url":"{url}"}},"response":{{"status":200}},"_resourceType":"fetch"}}"#
        );
        (har_key(&started, url), json)
    }

    #[test]
    fn devtools_entries_in_get_har_and_the_listener_are_taken_once_in_order() {
        let mut log = NetworkLog::default();
        log.start();
        // Reported while getHAR() is on its way: two it will hold, one it will not.
        let (a, b, c) = (
            devtools_entry(1, "http://h/a"),
            devtools_entry(2, "http://h/b"),
            devtools_entry(3, "http://h/c"),
        );
        for (k, j) in [&a, &b, &c] {
            assert!(log.push(*k, j.clone()));
        }
        assert!(log.take_chunks().is_empty(), "nothing leaves before getHAR() answers");
        assert_eq!(log.answered(&[a.0, b.0]), [0, 1]);
        // The listener's later copy of an answered entry is skipped; a new one is not.
        assert!(!log.push(b.0, b.1.clone()));
        let d = devtools_entry(4, "http://h/d");
        assert!(log.push(d.0, d.1.clone()));
        let chunks = log.take_chunks();
        assert_eq!(chunks.len(), 1);
        let mut l = Live::new(Config::default());
        assert_eq!(l.har_entries(&chunks[0]), Ok(2));
        let urls: Vec<String> = l.engine.requests().map(|r| r.url.clone()).collect();
        assert_eq!(urls, ["http://h/c", "http://h/d"]);
        // Once getHAR()'s keys are let go, an entry with the same key counts again
        // (a later request to the same URL within the same millisecond is rare, but real).
        log.forget_answer();
        assert!(log.push(a.0, a.1.clone()));
        assert_eq!(log.waiting(), 1);
    }

    #[test]
    fn a_catch_up_skips_what_the_listener_already_handed_on() {
        // After a flood pause the listener resumes at a navigation; the catch-up's
        // getHAR() comes later and holds the new page's entries the listener missed
        // (its document) and those it already handed on.
        let mut log = NetworkLog::default();
        log.start();
        log.answered(&[]);
        let (doc, fetched) = (devtools_entry(1, "http://h/"), devtools_entry(2, "http://h/api"));
        assert!(log.push(fetched.0, fetched.1.clone()));
        assert_eq!(log.take_chunks().len(), 1);
        log.start();
        assert_eq!(log.answered(&[doc.0, fetched.0]), [0], "only the document is new");
        // A later listener copy of either is skipped as well.
        assert!(!log.push(fetched.0, fetched.1.clone()));
        assert!(!log.push(doc.0, doc.1.clone()));
    }

    #[test]
    fn a_flood_of_devtools_entries_leaves_in_small_valid_chunks() {
        let mut log = NetworkLog::default();
        log.start();
        log.answered(&[]);
        for i in 0..1_010 {
            let (k, j) = devtools_entry(i, &format!("http://h/flood/{i}"));
            log.push(k, j);
        }
        let chunks = log.take_chunks();
        assert_eq!(chunks.len(), 1_010usize.div_ceil(HAR_CHUNK));
        assert_eq!(log.waiting(), 0);
        let mut l = Live::new(Config::default());
        let n: usize = chunks.iter().map(|c| l.har_entries(c).unwrap()).sum();
        assert_eq!(n, 1_010);
        assert_eq!(l.engine.stats().requests, 1_010);
        assert_eq!(
            l.engine.requests().next().map(|r| r.url.as_str()),
            Some("http://h/flood/0")
        );
    }

    #[test]
    fn bodies_are_read_for_a_chains_first_links_and_a_few_a_second_otherwise() {
        // 2,000 sequential fetches, each starting as the previous one ends: one chain.
        let mut reads = BodyReads::default();
        let mut t = 1_000_000.0;
        let mut n = 0;
        for _ in 0..2_000 {
            n += usize::from(reads.wants(Some((t, t + 3.0)), t + 3.0));
            t += 4.0;
        }
        assert_eq!(n, CHAIN_READS as usize);
        // 1,000 answers in parallel within one second: the burst, plus a few.
        let mut reads = BodyReads::default();
        let n = (0..1_000)
            .filter(|i| {
                let at = 5_000_000.0 + *i as f64;
                reads.wants(Some((at - 500.0, at)), at)
            })
            .count();
        assert!((12..=16).contains(&n), "{n}");
        // Near miss: a short awaited chain of 4 gets every body even after a flood.
        let t = 9_000_000.0;
        let got: Vec<bool> = (0..4)
            .map(|i| reads.wants(Some((t + i as f64 * 20.0, t + i as f64 * 20.0 + 15.0)), t + 100.0))
            .collect();
        assert_eq!(got, [true; 4]);
    }

    #[test]
    fn source_maps_are_asked_a_few_at_a_time_and_the_relays_fetches_are_ours() {
        let port = FakePort::default();
        let mut maps = SourceMaps::default();
        for i in 0..MAX_CHUNKS_WAITING {
            assert!(maps.ask(
                &format!("http://h/{i}.js"),
                &format!("http://h/{i}.js.map"),
                "code".into(),
                &port
            ));
        }
        assert!(!maps.ask("http://h/late.js", "http://h/late.js.map", "code".into(), &port));
        assert!(
            !maps.ask("http://h/0.js", "http://h/0.js.map", "code".into(), &port),
            "already waiting"
        );
        assert_eq!(port.0.borrow().len(), MAX_CHUNKS_WAITING);
        assert_eq!(port.0.borrow()[0], "fetch_map http://h/0.js.map http://h/0.js");
        assert!(maps.is_ours("http://h/3.js.map"));
        assert!(!maps.is_ours("http://h/3.js"));
        assert_eq!(maps.answered("http://h/3.js").as_deref(), Some("code"));
        assert_eq!(maps.answered("http://h/3.js"), None, "answered once");
        assert!(maps.ask("http://h/late.js", "http://h/late.js.map", "code".into(), &port));
    }

    #[test]
    fn a_gap_is_answered_through_the_transport() {
        let port = FakePort::default();
        let mut l = Live::new(Config::default());
        l.accept_batch("a", 3, &batch("a", 3, "http://h/3")).send(&port);
        l.accept_batch("a", 4, &batch("a", 4, "http://h/4")).send(&port);
        assert_eq!(*port.0.borrow(), ["sync a 0"]);
    }
}
