//! The page-to-panel wire envelope. Any script on the page can forge one, so it is
//! decoded with `Result` and checked: version, kind, size. Golden files under
//! `tests/fixtures/protocol/` pin the format; the page hook follows them.

use crate::event::Event;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const PROTOCOL_VERSION: u32 = 1;
pub const BATCH_KIND: &str = "stormwatch.batch";
/// Batches above this are refused unread (the hook sends far smaller ones).
pub const MAX_BATCH_BYTES: usize = 4 << 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub v: u32,
    pub kind: String,
    /// Random id of the document that sent it (a new one after each navigation).
    pub doc: String,
    /// Per-document sequence number, from 1, so resends can be recognized.
    pub seq: u64,
    pub events: Vec<Event>,
    /// Events the page side had to drop before this batch.
    #[serde(default)]
    pub dropped: u64,
    /// How many events it holds (the relay reads this from the head to bound its history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Microseconds the page hook spent on its own work since its previous batch
    /// (absent from older hooks), so the panel can show what watching costs the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_us: Option<u64>,
    /// When the sending document began (`performance.timeOrigin`, epoch ms): network
    /// entries that started before it belong to the page the tab left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<f64>,
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
            ProtocolError::TooLarge(n) => write!(f, "batch of {n} bytes is over the {MAX_BATCH_BYTES}-byte limit"),
            ProtocolError::Malformed(m) => write!(f, "malformed batch: {m}"),
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

// Batches cross from the page as JSON text, not as JS objects read through
// serde-wasm-bindgen: 2,000 events (345 KB) decode in 21.5 ms from text against
// 39.3 ms from the same object (tests/ui_wasm.rs prints both; debug build, 2026-12).
pub fn decode_batch(json: &str) -> Result<Batch, ProtocolError> {
    if json.len() > MAX_BATCH_BYTES {
        return Err(ProtocolError::TooLarge(json.len()));
    }
    // One pass for a good batch. A batch that fails is read again for its head only,
    // so one from another version is named as such rather than as whatever field it
    // happens to lack.
    let check = |kind: &str, v: u32| {
        if kind != BATCH_KIND {
            Err(ProtocolError::Kind(kind.to_string()))
        } else if v != PROTOCOL_VERSION {
            Err(ProtocolError::Version(v))
        } else {
            Ok(())
        }
    };
    match serde_json::from_str::<Batch>(json) {
        Ok(batch) => check(&batch.kind, batch.v).map(|()| batch),
        Err(e) => {
            let head: Head = serde_json::from_str(json).map_err(|h| ProtocolError::Malformed(h.to_string()))?;
            check(&head.kind, head.v)?;
            Err(ProtocolError::Malformed(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_batches_decode() {
        for name in ["requests", "page_and_route", "react"] {
            let path = format!("{}/tests/fixtures/protocol/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            let batch = decode_batch(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert!(!batch.events.is_empty());
            assert!(
                !batch.events.contains(&Event::Unknown),
                "{path} has an event this version does not know"
            );
            // Round trip: what we write is what we read.
            let again = decode_batch(&serde_json::to_string(&batch).unwrap()).unwrap();
            assert_eq!(batch, again);
        }
    }

    #[test]
    fn bad_batches_are_rejected_not_panicking() {
        let ok = r#"{"v":1,"kind":"stormwatch.batch","doc":"d","seq":1,"events":[]}"#;
        assert!(decode_batch(ok).is_ok());
        assert_eq!(
            decode_batch(r#"{"v":2,"kind":"stormwatch.batch","doc":"d","seq":1,"events":[{"type":"x"}]}"#),
            Err(ProtocolError::Version(2))
        );
        assert!(matches!(
            decode_batch(r#"{"v":1,"kind":"stormwatch.batch","doc":"d","events":[]}"#),
            Err(ProtocolError::Malformed(_))
        ));
        let wrong_type = r#"{"v":1,"kind":"stormwatch.batch","doc":"d","seq":1,"events":[{"type":"request_start","id":"x","api":"fetch","method":"GET","url":"/","t":1}]}"#;
        assert!(matches!(decode_batch(wrong_type), Err(ProtocolError::Malformed(_))));
        assert!(matches!(
            decode_batch(r#"{"v":1,"kind":"other"}"#),
            Err(ProtocolError::Kind(_))
        ));
        let garbage = "\u{1}x".repeat(5 << 20);
        assert!(matches!(decode_batch(&garbage), Err(ProtocolError::TooLarge(_))));
        let garbage = "{[".repeat(1 << 20);
        assert!(matches!(decode_batch(&garbage), Err(ProtocolError::Malformed(_))));
    }

    #[test]
    fn hook_cost_is_optional_and_summed() {
        let mut e = crate::Engine::new(&crate::Config::default());
        let with = |seq: u64, cost: &str| {
            format!(
                r#"{{"v":1,"kind":"stormwatch.batch","doc":"d","seq":{seq},"dropped":0,"count":0,"events":[]{cost}}}"#
            )
        };
        e.ingest_batch(&with(1, r#","cost_us":1500"#)).unwrap();
        e.ingest_batch(&with(2, "")).unwrap(); // an older hook says nothing
        e.ingest_batch(&with(3, r#","cost_us":250"#)).unwrap();
        assert_eq!(e.stats().hook_us, 1750);
        assert!(
            e.ingest_batch(&with(4, r#","cost_us":-1"#)).is_err(),
            "a negative cost is malformed"
        );
    }

    #[test]
    fn engine_counts_rejected_batches_and_keeps_going() {
        let mut e = crate::Engine::new(&crate::Config::default());
        assert!(e.ingest_batch("not json").is_err());
        assert!(e.ingest_batch(&"x".repeat(10 << 20)).is_err());
        assert_eq!(e.stats().rejected_batches, 2);
        assert_eq!(e.stats().dropped, 2);
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/protocol/requests.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(e.ingest_batch(&text).unwrap() > 0);
        assert!(e.stats().requests > 0);
    }
}
