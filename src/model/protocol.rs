//! The wire between the page and the panel, decoded here and nowhere else.
//!
//! Two layers cross it. The page hook (extension/hook.js) hands the relay a
//! [`Batch`] envelope as JSON text; the relay (extension/relay.js), the service
//! worker and the panel then exchange [`PortMessage`]s over `chrome.runtime` ports,
//! one of which (`batch`) carries that text. Any script on the page can forge a
//! batch, so everything is decoded with `Result` and checked: version, kind, size,
//! and every field the sender always writes is required (an `Option` may be `null`,
//! never absent), so a field renamed on one side is an error rather than a silent
//! default. A batch whose envelope is sound but whose events are not all readable
//! keeps the readable ones: each bad event is counted in [`Batch::dropped`] and its
//! error kept in [`Batch::malformed`].
//!
//! `tests/fixtures/wire/` pins the format: a golden file for every event type, the
//! envelope and every port message, checked by tests/wire.rs (decode and write
//! again: the same text) and by tests/e2e/wire.test.mjs (what the real hook and
//! relay post has the goldens' keys, in their order, with their types). The limits
//! the two languages share are the constants below, listed with their values in
//! `tests/fixtures/wire/constants.json`, which both test files check.

use crate::model::event::Event;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The version of the whole wire: the batch envelope's `v` and the relay's `hello`.
/// Version 2 made every field the page sends required.
pub const PROTOCOL_VERSION: u32 = 2;
pub const BATCH_KIND: &str = "stormwatch.batch";
/// Batches longer than this many UTF-16 units (JavaScript's `length`, which is what
/// the relay measures) are refused unread; the hook sends far smaller ones.
pub const MAX_BATCH_CHARS: usize = 4 << 20;
/// The longest document id the relay accepts in a batch's head.
pub const MAX_DOC_ID_CHARS: usize = 40;
/// Request bodies longer than this many UTF-16 units are not hashed (their
/// signature is unknown) nor searched for a GraphQL operation name: on the page
/// that work would be paid by every large upload.
pub const MAX_HASHED_BODY: usize = 256 * 1024;
/// The longest GraphQL `operationName` taken (longer ones are not names).
pub const MAX_OPERATION_NAME: usize = 100;
/// The hook sends a batch when this many events wait, so no batch holds more.
pub const BATCH_FLUSH_AT: usize = 500;
/// The hook buffers at most this many events between batches (more are counted in
/// the next batch's `dropped`); the relay bounds a forged head's `count` by it.
pub const MAX_BUFFERED_EVENTS: usize = 10_000;
/// Errors kept per batch in [`Batch::malformed`] (all are counted).
pub const MAX_ERRORS_KEPT: usize = 8;

/// One batch of page events, as the hook's `flush` writes it (field order too: the
/// relay checks the head up to `events` with a cheap pattern).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub v: u32,
    pub kind: String,
    /// Random id of the document that sent it (a new one after each navigation).
    pub doc: String,
    /// Per-document sequence number, from 1, so resends can be recognized.
    pub seq: u64,
    /// Events lost before this batch: dropped by the page side (buffer full) and,
    /// after decoding, the events of this batch that did not decode.
    pub dropped: u64,
    /// How many events it holds (the relay reads this from the head to bound its
    /// history); must equal the length of `events`.
    #[serde(deserialize_with = "count_hint")]
    pub count: Option<u64>,
    #[serde(deserialize_with = "sized_events")]
    pub events: Vec<Event>,
    /// Microseconds the page hook spent on its own work since its previous batch,
    /// so the panel can show what watching costs the page.
    #[serde(deserialize_with = "nullable")]
    pub cost_us: Option<u64>,
    /// When the sending document began (`performance.timeOrigin`, epoch ms): network
    /// entries that started before it belong to the page the tab left.
    #[serde(deserialize_with = "nullable")]
    pub origin: Option<f64>,
    /// Why events of this batch were dropped (at most [`MAX_ERRORS_KEPT`]); not on the wire.
    #[serde(skip)]
    pub malformed: Vec<String>,
}

/// An `Option` that must be present, though it may be `null` (see event.rs).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

std::thread_local! {
    /// The `count` of the batch being decoded, which the wire puts before `events`:
    /// the events' vector is allocated once at its size instead of doubling its way
    /// there (seven reallocations and copies for the hook's 500-event batches).
    static COUNT_HINT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// `nullable`, noting the count for `sized_events` (at most what the hook sends in
/// a batch: a forged count allocates no more; a larger batch grows as before).
fn count_hint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let count = Option::<u64>::deserialize(d)?;
    COUNT_HINT.with(|h| h.set(count.map_or(0, |n| n.min(BATCH_FLUSH_AT as u64) as usize)));
    Ok(count)
}

/// A batch's events, in a vector sized by the `count` read before them (only a
/// hint: a wrong count is rejected after, as before).
fn sized_events<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Event>, D::Error> {
    struct Events;
    impl<'de> serde::de::Visitor<'de> for Events {
        type Value = Vec<Event>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Event>, A::Error> {
            let mut events = Vec::with_capacity(COUNT_HINT.with(|h| h.replace(0)));
            while let Some(e) = seq.next_element()? {
                events.push(e);
            }
            Ok(events)
        }
    }
    d.deserialize_seq(Events)
}

/// A message on a `chrome.runtime` port, tagged by `kind` (the service worker
/// routes on that field). Page to panel: `hello`, `batch`, `lost`, `map`; panel to
/// page: `sync`, `fetch_map`; service worker to page: `listeners`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PortMessage {
    Hello(Hello),
    Batch(BatchText),
    Lost(Lost),
    Map(MapReply),
    Sync(Sync),
    FetchMap(FetchMap),
    Listeners(Listeners),
}

/// The relay introduces its document: on connecting, when a panel starts listening,
/// and when the page comes back from the back/forward cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`] of the relay (and of the hook it ships with).
    pub v: u32,
    pub doc: String,
    /// The last batch it holds (0: none yet).
    pub seq: u64,
    pub url: String,
    /// The page came back from the back/forward cache.
    pub restored: bool,
}

/// One batch, as the hook's JSON text (decoded with [`decode_batch`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchText {
    pub doc: String,
    pub seq: u64,
    pub text: String,
}

/// The relay trimmed `events` events of its history before a panel asked; what it
/// still holds starts at batch `first`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lost {
    pub doc: String,
    pub events: u64,
    pub first: u64,
}

/// The relay's answer to [`FetchMap`]: the source map's text, or why there is none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapReply {
    pub script: String,
    pub url: String,
    #[serde(deserialize_with = "nullable")]
    pub text: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub error: Option<String>,
}

/// The panel asks for every batch of `doc` after `after`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sync {
    pub doc: String,
    pub after: u64,
}

/// The panel asks the relay for a script's source map (same-origin only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchMap {
    pub url: String,
    pub script: String,
}

/// How many panels inspect the tab (the relay posts only while one does).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Listeners {
    pub n: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProtocolError {
    TooLarge(usize),
    Malformed(String),
    Version(u32),
    Kind(String),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::TooLarge(n) => {
                write!(
                    f,
                    "batch of {n} bytes is over the limit of {MAX_BATCH_CHARS} UTF-16 units"
                )
            }
            ProtocolError::Malformed(m) => write!(f, "malformed message: {m}"),
            ProtocolError::Version(v) => write!(f, "unsupported protocol version {v} (expected {PROTOCOL_VERSION})"),
            ProtocolError::Kind(k) => write!(f, "not a stormwatch batch (kind {k:?})"),
        }
    }
}

impl std::error::Error for ProtocolError {}

#[derive(Deserialize)]
struct Head {
    v: u32,
    kind: String,
}

/// The envelope with its events still undecoded, to read them one at a time.
#[derive(Deserialize)]
struct Loose {
    v: u32,
    kind: String,
    doc: String,
    seq: u64,
    dropped: u64,
    #[serde(deserialize_with = "nullable")]
    count: Option<u64>,
    events: Vec<serde_json::Value>,
    #[serde(deserialize_with = "nullable")]
    cost_us: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    origin: Option<f64>,
}

fn check_head(kind: &str, v: u32) -> Result<(), ProtocolError> {
    if kind != BATCH_KIND {
        Err(ProtocolError::Kind(kind.to_string()))
    } else if v != PROTOCOL_VERSION {
        Err(ProtocolError::Version(v))
    } else {
        Ok(())
    }
}

/// serde_json's message without its " at line 1 column N" (a position in a text
/// the reader never sees).
fn reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Decodes one batch (the hook's JSON text). A good batch takes one pass. One that
/// fails is read again: for its head, so a batch from another version or of another
/// kind is named as such; then, when only some events are bad, event by event, so
/// the good ones are kept and each bad one is counted in `dropped` with its error
/// in `malformed`. A bad envelope (a field missing or of the wrong type, a `count`
/// that is not the number of events) rejects the whole batch.
///
/// Batches cross from the page as JSON text, not as JS objects read through
/// serde-wasm-bindgen: 2,000 events (345 KB) decode in 21.5 ms from text against
/// 39.3 ms from the same object (tests/ui_wasm.rs prints both; debug build, 2026-12).
pub fn decode_batch(json: &str) -> Result<Batch, ProtocolError> {
    if crate::model::event::over_utf16_units(json, MAX_BATCH_CHARS) {
        return Err(ProtocolError::TooLarge(json.len()));
    }
    match serde_json::from_str::<Batch>(json) {
        Ok(batch) => {
            check_head(&batch.kind, batch.v)?;
            check_count(batch.count, batch.events.len())?;
            Ok(batch)
        }
        Err(e) => {
            let head: Head = serde_json::from_str(json).map_err(|h| ProtocolError::Malformed(reason(&h)))?;
            check_head(&head.kind, head.v)?;
            let loose: Loose = serde_json::from_str(json).map_err(|_| ProtocolError::Malformed(reason(&e)))?;
            check_count(loose.count, loose.events.len())?;
            Ok(salvage(loose))
        }
    }
}

/// The head's `count` (what the relay bounded its history by) is the events' number.
fn check_count(count: Option<u64>, events: usize) -> Result<(), ProtocolError> {
    match count {
        Some(n) if n != events as u64 => Err(ProtocolError::Malformed(format!("count {n} but {events} events"))),
        _ => Ok(()),
    }
}

/// Decodes the events of a sound envelope one at a time (only for a batch that did
/// not decode whole). Each is written back to text and read with the same decoder
/// as the fast path: decoding from the JSON tree instead would link a second copy
/// of every event decoder into the panel's wasm.
fn salvage(loose: Loose) -> Batch {
    let mut events = Vec::with_capacity(loose.events.len());
    let mut malformed = Vec::new();
    let mut bad = 0u64;
    for (i, value) in loose.events.into_iter().enumerate() {
        match serde_json::from_str::<Event>(&value.to_string()) {
            Ok(event) => events.push(event),
            Err(e) => {
                bad += 1;
                if malformed.len() < MAX_ERRORS_KEPT {
                    let ty = value.get("type").and_then(|t| t.as_str()).unwrap_or("?");
                    malformed.push(format!("event {i} ({ty}): {}", reason(&e)));
                }
            }
        }
    }
    Batch {
        v: loose.v,
        kind: loose.kind,
        doc: loose.doc,
        seq: loose.seq,
        dropped: loose.dropped.saturating_add(bad),
        count: loose.count,
        events,
        cost_us: loose.cost_us,
        origin: loose.origin,
        malformed,
    }
}

/// Decodes one port message (its JSON text). A `hello` of another protocol version
/// is an error: the relay and hook on that page do not speak this panel's wire.
pub fn decode_port_message(json: &str) -> Result<PortMessage, ProtocolError> {
    let message: PortMessage = serde_json::from_str(json).map_err(|e| ProtocolError::Malformed(reason(&e)))?;
    if let PortMessage::Hello(h) = &message {
        if h.v != PROTOCOL_VERSION {
            return Err(ProtocolError::Version(h.v));
        }
    }
    Ok(message)
}

impl PortMessage {
    /// The message as JSON text, as the relay writes it.
    pub fn to_json(&self) -> String {
        // Plain strings and numbers: writing them cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golden_batch() -> String {
        std::fs::read_to_string(format!("{}/tests/fixtures/wire/batch.json", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn envelope(seq: u64, events: &str, count: usize, cost: &str) -> String {
        format!(
            r#"{{"v":2,"kind":"stormwatch.batch","doc":"d","seq":{seq},"dropped":0,"count":{count},"events":[{events}],"cost_us":{cost},"origin":null}}"#
        )
    }

    #[test]
    fn bad_batches_are_rejected_not_panicking() {
        assert!(decode_batch(&envelope(1, "", 0, "0")).is_ok());
        assert_eq!(
            decode_batch(r#"{"v":3,"kind":"stormwatch.batch","doc":"d","seq":1,"events":[{"type":"x"}]}"#),
            Err(ProtocolError::Version(3))
        );
        assert!(matches!(
            decode_batch(r#"{"v":2,"kind":"stormwatch.batch","doc":"d","events":[]}"#),
            Err(ProtocolError::Malformed(_))
        ));
        assert!(matches!(
            decode_batch(r#"{"v":2,"kind":"other"}"#),
            Err(ProtocolError::Kind(_))
        ));
        let garbage = "\u{1}x".repeat(5 << 20);
        assert!(matches!(decode_batch(&garbage), Err(ProtocolError::TooLarge(_))));
        let garbage = "{[".repeat(1 << 20);
        assert!(matches!(decode_batch(&garbage), Err(ProtocolError::Malformed(_))));
        // The size limit is in UTF-16 units, as the relay measures: 3 MiB of 'é' is
        // 6 MiB of UTF-8 and still under it.
        let wide = envelope(
            1,
            &format!(r#"{{"type":"page","t":1,"url":"http://h/{}"}}"#, "é".repeat(3 << 20)),
            1,
            "0",
        );
        assert!(wide.len() > MAX_BATCH_CHARS);
        assert_eq!(decode_batch(&wide).unwrap().events.len(), 1);
    }

    #[test]
    fn an_event_of_the_wrong_shape_is_dropped_and_counted_with_the_rest_kept() {
        let bad = r#"{"type":"request_start","id":"x","api":"fetch","method":"GET","url":"/","t":1,"body":"","keepalive":false,"range":false,"op":null}"#;
        let good = r#"{"type":"page","t":1,"url":"http://h/"}"#;
        let future = r#"{"type":"from_the_future","x":1}"#;
        let b = decode_batch(&envelope(1, &[good, bad, future, bad].join(","), 4, "0")).unwrap();
        assert_eq!(
            b.events,
            vec![
                Event::Page(crate::model::event::PageInfo {
                    t: 1.0,
                    url: "http://h/".into()
                }),
                Event::Unknown
            ]
        );
        assert_eq!(b.dropped, 2);
        assert_eq!(b.malformed.len(), 2);
        assert!(
            b.malformed[0].starts_with("event 1 (request_start): invalid type"),
            "{:?}",
            b.malformed
        );
        // Not an object at all.
        let b = decode_batch(&envelope(1, &[good, "7", "[1]"].join(","), 3, "0")).unwrap();
        assert_eq!((b.events.len(), b.dropped), (1, 2));
        assert!(b.malformed[0].starts_with("event 1 (?): "), "{:?}", b.malformed);
    }

    #[test]
    fn hook_cost_is_required_and_summed() {
        let mut e = crate::Engine::new(&crate::Config::default());
        e.ingest_batch(&envelope(1, "", 0, "1500")).unwrap();
        e.ingest_batch(&envelope(2, "", 0, "null")).unwrap();
        e.ingest_batch(&envelope(3, "", 0, "250")).unwrap();
        assert_eq!(e.stats().hook_us, 1750);
        assert!(
            e.ingest_batch(&envelope(4, "", 0, "-1")).is_err(),
            "a negative cost is malformed"
        );
        let absent = envelope(5, "", 0, "0").replace(r#","cost_us":0"#, "");
        assert!(e.ingest_batch(&absent).is_err(), "an absent cost is malformed");
    }

    #[test]
    fn engine_counts_rejected_batches_and_keeps_going() {
        let mut e = crate::Engine::new(&crate::Config::default());
        assert!(e.ingest_batch("not json").is_err());
        assert!(e.ingest_batch(&"x".repeat(10 << 20)).is_err());
        assert_eq!(e.stats().rejected_batches, 2);
        assert_eq!(e.stats().dropped, 2);
        assert!(e.ingest_batch(&golden_batch()).unwrap() > 0);
        assert!(e.stats().requests > 0);
    }

    #[test]
    fn port_messages_round_trip_through_their_text() {
        for m in [
            PortMessage::Sync(Sync {
                doc: "d".into(),
                after: 3,
            }),
            PortMessage::FetchMap(FetchMap {
                url: "http://h/a.js.map".into(),
                script: "http://h/a.js".into(),
            }),
            PortMessage::Listeners(Listeners { n: 0 }),
        ] {
            assert_eq!(decode_port_message(&m.to_json()), Ok(m.clone()));
        }
        assert_eq!(
            PortMessage::Sync(Sync {
                doc: "d".into(),
                after: 3
            })
            .to_json(),
            r#"{"kind":"sync","doc":"d","after":3}"#
        );
        assert!(matches!(decode_port_message("{"), Err(ProtocolError::Malformed(_))));
    }
}
