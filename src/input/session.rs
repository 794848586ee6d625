//! Loading saved input: a HAR file or a Stormwatch report, told apart by content,
//! not by file name. Errors say what is wrong in one line.
//!
//! HAR files are streamed (see `har::read`): each entry goes to the engine as it is
//! read, through a small reorder window so entries written slightly out of time
//! order are still fed oldest first. A HAR with several pages is analysed per page,
//! the way the live panel treats a new document: each page gets a fresh engine, so
//! a navigation resets what every detector keeps, and findings say which page.

use crate::input::har::{self, Document, HarPage, Item};
use crate::model::event::{Event, NetworkEntry, PageInfo};
use crate::model::finding::Finding;
use crate::model::request::Request;
use crate::report::{PageRef, Report, SCHEMA};
use crate::{Config, Engine};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::io::Read;

#[derive(Debug)]
pub enum Input {
    Har(Vec<Event>, String),
    Report(Saved),
}

/// What replaying a saved report reads from it: its page, its lost-event count and
/// its events. Its findings, components and other stats are skipped unread, since
/// the replay finds them again; decoding them as well would link a decoder for
/// every report type (findings, metrics, component rows) into the panel's wasm.
#[derive(Debug, serde::Deserialize)]
pub struct Saved {
    pub page: PageRef,
    pub stats: SavedStats,
    #[serde(default)]
    pub events: Vec<Event>,
}

#[derive(Debug, serde::Deserialize)]
pub struct SavedStats {
    pub dropped: u64,
    /// How long the panel did not hear DevTools' log (the replay cannot know).
    #[serde(default)]
    pub devtools_paused_ms: u64,
}

/// Recognizes and decodes the text of a saved file (the panel's Import: all pages
/// of a HAR in one session; unreadable entries are left out).
pub fn parse(text: &str) -> Result<Input, String> {
    let mut events = Vec::new();
    let mut first_doc: Option<String> = None;
    let mut first_title: Option<String> = None;
    let mut first_error = None;
    let doc = har::read(text.as_bytes(), |item| match item {
        Item::Entry(i, e) => match e.and_then(|e| e.to_event()) {
            Ok(n) => {
                if first_doc.is_none() && n.resource_type == "document" {
                    first_doc = Some(n.url.clone());
                }
                events.push(n);
            }
            Err(m) => {
                first_error.get_or_insert(format!("entry {i}: {m}"));
            }
        },
        Item::Page(p) => {
            if first_title.is_none() {
                first_title = p.title;
            }
        }
    })?;
    match doc {
        Document::Other(bytes) => Ok(Input::Report(parse_report(&bytes)?)),
        Document::Har(st) => {
            if events.is_empty() && st.entries > 0 {
                return Err(first_error.unwrap_or_else(|| "no entry could be read".into()));
            }
            crate::model::sort::sort_by(&mut events, |a, b| a.t.total_cmp(&b.t));
            let page = first_doc.or(first_title).unwrap_or_default();
            Ok(Input::Har(
                events.into_iter().map(|n| Event::Network(Box::new(n))).collect(),
                page,
            ))
        }
    }
}

/// A document that is not a HAR: a Stormwatch report, or an error saying what it is.
///
/// The report is decoded straight from its text (after a quick look at its
/// `schema`), never through a `serde_json::Value` tree: decoding every report type
/// from a tree as well as from text would link a second copy of all their decoders
/// into the panel's wasm (tens of kilobytes), and building the tree costs time too.
fn parse_report<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    let json_error = |e: serde_json::Error| {
        if e.is_eof() {
            format!("truncated JSON ({e})")
        } else {
            format!("invalid JSON ({e})")
        }
    };
    let schema = match serde_json::from_str::<Head>(text) {
        Ok(head) => head.schema,
        // Valid JSON that is not an object has no schema; invalid JSON says so.
        Err(e) if e.is_data() => {
            serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(json_error)?;
            None
        }
        Err(e) => return Err(json_error(e)),
    };
    match schema {
        Some(schema) if schema != SCHEMA => Err(format!(
            "unsupported report schema {schema:?} (this version reads {SCHEMA:?})"
        )),
        Some(_) => serde_json::from_str(text).map_err(|e| format!("not a valid {SCHEMA} report: {e}")),
        None => Err("neither a HAR file (no \"log\") nor a stormwatch report (no \"schema\")".into()),
    }
}

/// A JSON object's `schema` when it is a string (the last one, as a JSON tree would
/// keep it); every other member is skipped unread.
struct Head {
    schema: Option<String>,
}

impl<'de> serde::Deserialize<'de> for Head {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Head, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Head;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
                let mut schema = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "schema" {
                        schema = map.next_value::<serde_json::Value>()?.as_str().map(str::to_string);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(Head { schema })
            }
        }
        d.deserialize_map(V)
    }
}

/// Runs the engine over saved input, exactly as the panel would have.
pub fn replay(input: Input, cfg: &Config) -> Engine {
    replay_with_progress(input, cfg, |_, _| {})
}

/// `replay`, calling `progress(done, total)` every 10,000 events.
pub fn replay_with_progress(input: Input, cfg: &Config, mut progress: impl FnMut(usize, usize)) -> Engine {
    let mut engine = Engine::new(cfg);
    let mut feed = |engine: &mut Engine, events: Vec<Event>| {
        let total = events.len();
        for (i, e) in events.into_iter().enumerate() {
            engine.ingest(e);
            if (i + 1) % 10_000 == 0 {
                progress(i + 1, total);
            }
        }
        progress(total, total);
    };
    match input {
        Input::Har(events, page) => {
            if let Some(t) = events.first().and_then(Event::time) {
                engine.ingest(Event::Page(PageInfo { t, url: page }));
            }
            feed(&mut engine, events);
        }
        Input::Report(r) => {
            engine.set_page_url(&r.page.url);
            let dropped = r.stats.dropped;
            feed(&mut engine, r.events);
            engine.note_dropped(dropped);
            engine.note_devtools_paused(r.stats.devtools_paused_ms);
        }
    }
    engine
}

// ---------------------------------------------------------------------------
// The CLI's analysis: streaming, per page.

/// One page of the input and the engine that analysed it.
pub struct PageRun {
    /// Which page, when the input has several (its URL, else its title or id).
    pub label: Option<String>,
    pub engine: Engine,
}

/// Everything the CLI reports about one input.
#[derive(Default)]
pub struct Analysis {
    pub runs: Vec<PageRun>,
    /// HAR entries in the file, and how many could not be read.
    pub entries: usize,
    pub skipped: usize,
    /// The first few unreadable entries: `entry 7: why`.
    pub problems: Vec<String>,
    /// Said on stderr: a truncated file, unreadable pages, findings not replayed.
    pub warnings: Vec<String>,
    /// A report's findings its events could not reproduce (it was saved without
    /// them, or with a partial log): shown as recorded, and `--fail-on` applies.
    pub recorded: Vec<Finding>,
    /// The report itself when it holds no events at all (its stats and page).
    pub not_replayable: Option<Report>,
}

/// Unreadable entries named one by one on stderr; the rest are only counted.
const MAX_PROBLEMS: usize = 10;
/// Entries held to put slightly out-of-order entries back in time order.
const REORDER_WINDOW: usize = 1024;

impl Analysis {
    /// One report for the whole input: every page's findings (labelled with their
    /// page when there are several), stats summed, events in page order.
    pub fn report(&self, with_events: bool) -> Report {
        if let (true, Some(r)) = (self.runs.is_empty(), &self.not_replayable) {
            let mut r = r.clone();
            r.findings = self.recorded.clone();
            return r;
        }
        let mut merged: Option<Report> = None;
        for run in &self.runs {
            let mut r = Report::from_engine(&run.engine, with_events);
            if let Some(label) = &run.label {
                for f in &mut r.findings {
                    f.page = Some(label.clone());
                }
            }
            match &mut merged {
                None => merged = Some(r),
                Some(m) => {
                    m.findings.extend(r.findings);
                    m.components.extend(r.components);
                    m.events.extend(r.events);
                    let (a, b) = (&mut m.stats, r.stats);
                    a.events += b.events;
                    a.dropped += b.dropped;
                    a.requests += b.requests;
                    a.rejected_batches += b.rejected_batches;
                    a.events_not_logged += b.events_not_logged;
                    a.findings_not_kept += b.findings_not_kept;
                    a.ignored += b.ignored;
                }
            }
        }
        let mut report = merged.unwrap_or_else(|| Report::from_engine(&Engine::new(&Config::default()), false));
        report.findings.extend(self.recorded.iter().cloned());
        report
    }

    fn skip(&mut self, index: usize, why: String) {
        self.skipped += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(format!("entry {index}: {why}"));
        }
    }
}

/// An entry waiting in the reorder window, oldest first.
struct Waiting {
    t: f64,
    seq: u64,
    pageref: Option<String>,
    /// Boxed once here (the engine takes it boxed): the heap moves a pointer, not the entry.
    entry: Box<NetworkEntry>,
    /// Its request record, built on the reader's thread (see `Request::prepare`).
    prepared: Option<Box<Request>>,
}

impl PartialEq for Waiting {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == std::cmp::Ordering::Equal
    }
}
impl Eq for Waiting {}
impl PartialOrd for Waiting {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Waiting {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.t.total_cmp(&o.t).then(self.seq.cmp(&o.seq))
    }
}

struct Run {
    pageref: Option<String>,
    engine: Engine,
    /// The first document request of the page.
    url: Option<String>,
}

/// Feeds HAR entries to one engine per page.
struct Pages<'c> {
    cfg: &'c Config,
    window: BinaryHeap<Reverse<Waiting>>,
    seq: u64,
    runs: Vec<Run>,
    by_ref: BTreeMap<String, usize>,
    current: Option<usize>,
    pages: BTreeMap<String, HarPage>,
}

impl Pages<'_> {
    fn push(&mut self, pageref: Option<String>, entry: NetworkEntry, prepared: Option<Box<Request>>) {
        self.seq += 1;
        self.window.push(Reverse(Waiting {
            t: entry.t,
            seq: self.seq,
            pageref,
            entry: Box::new(entry),
            prepared,
        }));
        if self.window.len() > REORDER_WINDOW {
            if let Some(Reverse(w)) = self.window.pop() {
                self.feed(w);
            }
        }
    }

    fn finish(&mut self) {
        while let Some(Reverse(w)) = self.window.pop() {
            self.feed(w);
        }
    }

    fn feed(&mut self, w: Waiting) {
        // Entries without a pageref belong to the page being loaded.
        let known = match &w.pageref {
            Some(r) => self.by_ref.get(r).copied(),
            None => self.current,
        };
        let i = match known {
            Some(i) => i,
            None => self.start(w.pageref.clone(), &w.entry),
        };
        self.current = Some(i);
        let run = &mut self.runs[i];
        if run.url.is_none() && w.entry.resource_type == "document" {
            run.url = Some(w.entry.url.clone());
            run.engine.set_page_url(&w.entry.url);
        }
        run.engine.ingest_prepared(Event::Network(w.entry), w.prepared);
    }

    /// A new page: a fresh engine, as the panel starts one for a new document.
    fn start(&mut self, pageref: Option<String>, first: &NetworkEntry) -> usize {
        let page = pageref.as_ref().and_then(|r| self.pages.get(r));
        let t = page
            .and_then(HarPage::started_ms)
            .filter(|t| *t <= first.t)
            .unwrap_or(first.t);
        let doc = (first.resource_type == "document").then(|| first.url.clone());
        let url = doc
            .clone()
            .or_else(|| page.and_then(|p| p.wpt_url.clone()))
            .or_else(|| page.and_then(|p| p.title.clone()).filter(|t| t.contains("://")))
            .unwrap_or_default();
        let mut engine = Engine::new(self.cfg);
        engine.ingest(Event::Page(PageInfo { t, url }));
        if let Some(r) = &pageref {
            self.by_ref.insert(r.clone(), self.runs.len());
        }
        self.runs.push(Run {
            pageref,
            engine,
            url: doc,
        });
        self.runs.len() - 1
    }

    fn label(&self, run: &Run) -> String {
        let page = run.pageref.as_ref().and_then(|r| self.pages.get(r));
        let url = run.engine.page_url();
        if !url.is_empty() {
            return url.to_string();
        }
        page.and_then(|p| p.title.clone().filter(|t| !t.is_empty()))
            .or_else(|| run.pageref.clone())
            .unwrap_or_else(|| "requests outside any page".into())
    }
}

/// One HAR item, decoded into what the engine takes (on the reader's thread when
/// the CLI reads with two, see [`analyze_threaded`]).
enum Decoded {
    Page(HarPage),
    /// The entry's index, and its pageref, event and request record (when built
    /// ahead), or why it cannot be read.
    Entry(usize, Result<Ready, String>),
}

type Ready = (Option<String>, NetworkEntry, Option<Box<Request>>);

/// `prepare`: build each entry's request record here too (the reader's thread,
/// taking that work off the engine's).
fn decode(item: Item<'_>, prepare: bool) -> Decoded {
    match item {
        Item::Page(p) => Decoded::Page(p),
        Item::Entry(i, e) => Decoded::Entry(
            i,
            e.and_then(|e| {
                e.to_event().map(|n| {
                    let r = prepare.then(|| Box::new(Request::prepare(&n)));
                    (e.pageref, n, r)
                })
            }),
        ),
    }
}

/// What `analyze` builds up from the decoded items, in file order.
struct Collector<'c> {
    out: Analysis,
    pages: Pages<'c>,
    read_ok: usize,
}

impl<'c> Collector<'c> {
    fn new(cfg: &'c Config) -> Self {
        Collector {
            out: Analysis::default(),
            pages: Pages {
                cfg,
                window: BinaryHeap::new(),
                seq: 0,
                runs: Vec::new(),
                by_ref: BTreeMap::new(),
                current: None,
                pages: BTreeMap::new(),
            },
            read_ok: 0,
        }
    }

    fn take(&mut self, d: Decoded, progress: &mut impl FnMut(usize)) {
        match d {
            Decoded::Page(p) => {
                if let Some(id) = p.id.clone() {
                    self.pages.pages.entry(id).or_insert(p);
                }
            }
            Decoded::Entry(i, e) => {
                match e {
                    Ok((pageref, n, prepared)) => {
                        self.read_ok += 1;
                        self.pages.push(pageref, n, prepared);
                    }
                    Err(why) => self.out.skip(i, why),
                }
                if (i + 1) % 10_000 == 0 {
                    progress(i + 1);
                }
            }
        }
    }

    fn finish(self, doc: Document, cfg: &Config) -> Result<Analysis, String> {
        let Collector {
            mut out,
            mut pages,
            read_ok,
        } = self;
        let stats = match doc {
            Document::Other(bytes) => return replay_report(parse_report::<Report>(&bytes)?, cfg),
            Document::Har(st) => st,
        };
        if read_ok == 0 && stats.entries > 0 {
            let first = out.problems.first().cloned().unwrap_or_default();
            let more = if stats.entries > 1 {
                format!(" (all {} entries skipped; first: {first})", stats.entries)
            } else {
                format!(" ({first})")
            };
            return Err(format!("no entry could be read{more}"));
        }
        pages.finish();
        if let Some(t) = stats.truncated {
            out.warnings.push(format!(
                "{t}: the file is incomplete; the {} entries before that point were analysed",
                stats.entries
            ));
        }
        if stats.entries == 0 {
            out.warnings
                .push("log.entries is empty: there was nothing to analyse".into());
        }
        if stats.bad_pages > 0 {
            out.warnings
                .push(format!("{} page(s) in log.pages could not be read", stats.bad_pages));
        }
        out.entries = stats.entries;
        let several = pages.runs.len() > 1;
        let labels: Vec<Option<String>> = pages.runs.iter().map(|r| several.then(|| pages.label(r))).collect();
        out.runs = pages
            .runs
            .into_iter()
            .zip(labels)
            .map(|(run, label)| PageRun {
                label,
                engine: run.engine,
            })
            .collect();
        Ok(out)
    }
}

/// Reads one input (HAR or report) from `src` and analyses it; `progress(n)` is
/// called every 10,000 entries. Fails (exit 2) only when nothing can be read.
pub fn analyze<R: Read>(src: R, cfg: &Config, mut progress: impl FnMut(usize)) -> Result<Analysis, String> {
    let mut c = Collector::new(cfg);
    let doc = har::read(src, |item| c.take(decode(item, false), &mut progress))?;
    c.finish(doc, cfg)
}

/// Decoded entries handed from the reader's thread to the engine's per message:
/// enough that the channel's cost (a lock and a wake-up per message) is noise.
#[cfg(not(target_arch = "wasm32"))]
const BATCH: usize = 256;
/// Messages in flight at most: the reader runs this far ahead of the engine and no
/// further, so memory stays bounded (a few MB) whatever the file's size.
#[cfg(not(target_arch = "wasm32"))]
const BATCHES_IN_FLIGHT: usize = 8;

/// [`analyze`] on two threads (the native CLI; the panel's wasm has one): this
/// thread runs the engines while another reads the input and decodes each entry
/// into its event. Items cross in file order through one bounded channel, and the
/// reorder window and everything after it stay on this thread, so the analysis is
/// exactly `analyze`'s.
#[cfg(not(target_arch = "wasm32"))]
pub fn analyze_threaded<R: Read + Send>(
    src: R,
    cfg: &Config,
    mut progress: impl FnMut(usize),
) -> Result<Analysis, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Decoded>>(BATCHES_IN_FLIGHT);
    std::thread::scope(|s| {
        let reader = s.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let doc = har::read(src, |item| {
                batch.push(decode(item, true));
                if batch.len() == BATCH {
                    // A send fails only when the engine's side is gone; then nobody reads.
                    let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            });
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
            doc
        });
        let mut c = Collector::new(cfg);
        for batch in rx {
            for d in batch {
                c.take(d, &mut progress);
            }
        }
        let doc = reader
            .join()
            .unwrap_or_else(|_| Err("the reader stopped unexpectedly".into()))?;
        c.finish(doc, cfg)
    })
}

/// Replays a report's events, one engine per page event (a report of a multi-page
/// HAR holds several; a live session's holds one). Findings the report recorded but
/// its events cannot reproduce are kept as recorded, never dropped silently.
fn replay_report(r: Report, cfg: &Config) -> Result<Analysis, String> {
    let mut out = Analysis::default();
    let recorded: Vec<Finding> = r
        .findings
        .iter()
        .filter(|f| cfg.enabled(&f.detector))
        .cloned()
        .collect();
    if r.events.is_empty() && (!recorded.is_empty() || r.stats.events > 0) {
        out.warnings.push(format!(
            "this report holds no events (saved without its event log), so it could not be replayed; \
             showing the {} finding(s) it recorded",
            recorded.len()
        ));
        out.recorded = recorded;
        out.not_replayable = Some(r);
        return Ok(out);
    }
    let partial = r.stats.events_not_logged > 0 || (r.events.len() as u64) < r.stats.events;
    let dropped = r.stats.dropped;
    let paused = r.stats.devtools_paused_ms;
    let url = r.page.url.clone();
    let mut runs: Vec<(Engine, bool)> = Vec::new();
    for e in r.events {
        let page = matches!(e, Event::Page(_));
        match runs.last_mut() {
            Some((_, seen_page)) if !(page && *seen_page) => *seen_page |= page,
            _ => {
                let mut engine = Engine::new(cfg);
                if runs.is_empty() {
                    engine.set_page_url(&url);
                }
                runs.push((engine, page));
            }
        }
        if let Some((engine, _)) = runs.last_mut() {
            engine.ingest(e);
        }
    }
    if runs.is_empty() {
        let mut engine = Engine::new(cfg);
        engine.set_page_url(&url);
        runs.push((engine, false));
    }
    if let Some((engine, _)) = runs.first_mut() {
        engine.note_dropped(dropped);
        engine.note_devtools_paused(paused);
    }
    let several = runs.len() > 1;
    out.runs = runs
        .into_iter()
        .enumerate()
        .map(|(i, (engine, _))| {
            let label = several.then(|| {
                let u = engine.page_url();
                if u.is_empty() {
                    format!("page {}", i + 1)
                } else {
                    u.to_string()
                }
            });
            PageRun { label, engine }
        })
        .collect();
    if partial {
        let replayed: Vec<(String, String)> = out
            .runs
            .iter()
            .flat_map(|r| r.engine.findings())
            .map(|f| (f.detector, f.key))
            .collect();
        let missing: Vec<Finding> = recorded
            .into_iter()
            .filter(|f| !replayed.iter().any(|(d, k)| *d == f.detector && *k == f.key))
            .collect();
        if !missing.is_empty() {
            out.warnings.push(format!(
                "this report's event log is partial: {} recorded finding(s) could not be replayed and are shown as recorded",
                missing.len()
            ));
            out.recorded = missing;
        }
    }
    Ok(out)
}
