//! The wire contract from the Rust side (tests/e2e/wire.test.mjs checks the same
//! files against what the real hook and relay post in Chromium):
//! - every golden under tests/fixtures/wire/ decodes and writes back to the same text;
//! - every field of a page event, of the envelope and of a port message is required:
//!   removing or renaming any one is an error, and a batch keeps its other events
//!   (but for the few added after reports were first saved: `ADDED_LATER`);
//! - the limits in constants.json are the crate's, and the body hash and GraphQL
//!   operation parser give the answers the hook gives on the same inputs.
//!
//! `STORMWATCH_BLESS=1 cargo test --test wire -- --ignored bless` rewrites the
//! goldens in the writer's own layout and fills in body_hashes.json's signatures.

use serde_json::Value;
use std::path::{Path, PathBuf};
use stormwatch::model::event::{body_signature, graphql_operation, request_body_signature, Event};
use stormwatch::model::protocol::{self, decode_batch, decode_port_message, PortMessage, ProtocolError};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wire")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn files(sub: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    out.sort();
    out
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Every event type the engine knows. The match makes a new variant a compile
/// error here until it has a name (and so a golden file).
fn tag(e: &Event) -> &'static str {
    match e {
        Event::Page(_) => "page",
        Event::RequestStart(_) => "request_start",
        Event::RequestEnd(_) => "request_end",
        Event::Resource(_) => "resource",
        Event::Route(_) => "route",
        Event::Visibility(_) => "visibility",
        Event::Network(_) => "network",
        Event::Lifecycle(_) => "lifecycle",
        Event::Focus(_) => "focus",
        Event::ConnectionOpen(_) => "connection_open",
        Event::ConnectionClose(_) => "connection_close",
        Event::LongTask(_) => "long_task",
        Event::Memory(_) => "memory",
        Event::ReactRenderer(_) => "react_renderer",
        Event::ReactRenders(_) => "react_renders",
        Event::ChunkPackages(_) => "chunk_packages",
        Event::Unknown => "unknown",
    }
}

const ALL_TYPES: [&str; 16] = [
    "page",
    "request_start",
    "request_end",
    "resource",
    "route",
    "visibility",
    "network",
    "lifecycle",
    "focus",
    "connection_open",
    "connection_close",
    "long_task",
    "memory",
    "react_renderer",
    "react_renders",
    "chunk_packages",
];
/// Made in Rust (from DevTools' log and source maps), never sent by the page; they
/// stay lenient so that reports saved by older versions load.
const RUST_MADE: [&str; 2] = ["network", "chunk_packages"];
const ALL_PORT_KINDS: [&str; 7] = ["hello", "batch", "lost", "map", "sync", "fetch_map", "listeners"];

fn port_kind(m: &PortMessage) -> &'static str {
    match m {
        PortMessage::Hello(_) => "hello",
        PortMessage::Batch(_) => "batch",
        PortMessage::Lost(_) => "lost",
        PortMessage::Map(_) => "map",
        PortMessage::Sync(_) => "sync",
        PortMessage::FetchMap(_) => "fetch_map",
        PortMessage::Listeners(_) => "listeners",
    }
}

fn pretty<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

fn decode_events(path: &Path, text: &str) -> Vec<Event> {
    let events: Vec<Event> = serde_json::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for e in &events {
        assert_eq!(tag(e), stem(path), "{}: an event of another type", path.display());
    }
    events
}

fn decode_ports(path: &Path, text: &str) -> Vec<PortMessage> {
    let raw: Vec<Value> = serde_json::from_str(text).unwrap();
    raw.iter()
        .map(|m| {
            let m = decode_port_message(&m.to_string()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                port_kind(&m),
                stem(path),
                "{}: a message of another kind",
                path.display()
            );
            m
        })
        .collect()
}

#[test]
fn every_event_type_and_port_message_has_a_golden() {
    let events: Vec<String> = files("events").iter().map(|p| stem(p)).collect();
    let mut want: Vec<String> = ALL_TYPES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(events, want);
    let ports: Vec<String> = files("port").iter().map(|p| stem(p)).collect();
    let mut want: Vec<String> = ALL_PORT_KINDS.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(ports, want);
}

#[test]
fn goldens_decode_and_write_back_to_the_same_text() {
    for path in files("events") {
        let text = read(&path);
        assert_eq!(pretty(&decode_events(&path, &text)), text, "{}", path.display());
    }
    for path in files("port") {
        let text = read(&path);
        assert_eq!(pretty(&decode_ports(&path, &text)), text, "{}", path.display());
    }
    let path = dir().join("batch.json");
    let text = read(&path);
    let batch = decode_batch(&text).unwrap();
    assert!(batch.malformed.is_empty());
    assert_eq!(pretty(&batch), text);
    // The port golden carries a batch as text: it is a batch too.
    let ports = decode_ports(&dir().join("port/batch.json"), &read(&dir().join("port/batch.json")));
    let PortMessage::Batch(b) = &ports[0] else {
        unreachable!()
    };
    assert_eq!(decode_batch(&b.text).unwrap(), batch);
}

/// Fields the page sends that reports saved before them lack: they may be absent
/// (each says so where it is declared). The JavaScript side still requires them.
const ADDED_LATER: &[&str] = &["repeats", "effects"];

/// Each example with one top-level field taken out, and with it renamed.
fn without_each_field(example: &Value) -> Vec<(String, Value)> {
    let obj = example.as_object().unwrap();
    let mut out = Vec::new();
    for key in obj
        .keys()
        .filter(|k| *k != "type" && *k != "kind" && !ADDED_LATER.contains(&k.as_str()))
    {
        let mut gone = obj.clone();
        let value = gone.remove(key).unwrap();
        out.push((format!("without {key}"), Value::Object(gone.clone())));
        gone.insert(format!("{key}X"), value);
        out.push((format!("{key} renamed"), Value::Object(gone)));
    }
    out
}

#[test]
fn a_report_saved_before_a_field_was_added_still_decodes() {
    let mut old: Vec<Value> = serde_json::from_str(&read(&dir().join("events/react_renders.json"))).unwrap();
    for c in old[0]["components"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("repeats");
        c.as_object_mut().unwrap().remove("effects");
    }
    let Event::ReactRenders(r) = serde_json::from_value::<Event>(old[0].clone()).unwrap() else {
        unreachable!()
    };
    assert!(r.components.iter().all(|c| c.repeats.is_none() && c.effects.is_empty()));
    // And writes back as it was read: no field made up.
    assert_eq!(serde_json::to_value(Event::ReactRenders(r)).unwrap(), old[0]);
}

#[test]
fn every_field_the_page_sends_is_required() {
    for path in files("events") {
        if RUST_MADE.contains(&stem(&path).as_str()) {
            continue;
        }
        let examples: Vec<Value> = serde_json::from_str(&read(&path)).unwrap();
        for example in &examples {
            for (what, bad) in without_each_field(example) {
                assert!(
                    serde_json::from_value::<Event>(bad.clone()).is_err(),
                    "{}: {what} still decodes: {bad}",
                    path.display()
                );
            }
            // Nested objects too (a long task's scripts, a React window's components, keys and effects).
            for (field, inner) in [
                ("scripts", None),
                ("components", None),
                ("components", Some("keys")),
                ("components", Some("effects")),
            ] {
                let Some(items) = example.get(field).and_then(Value::as_array) else {
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let targets: Vec<(usize, Option<usize>, &Value)> = match inner {
                        None => vec![(i, None, item)],
                        Some(k) => item[k]
                            .as_array()
                            .unwrap()
                            .iter()
                            .enumerate()
                            .map(|(j, v)| (i, Some(j), v))
                            .collect(),
                    };
                    for (i, j, target) in targets {
                        for (what, bad) in without_each_field(target) {
                            let mut whole = example.clone();
                            let slot = match (inner, j) {
                                (Some(k), Some(j)) => &mut whole[field][i][k][j],
                                _ => &mut whole[field][i],
                            };
                            *slot = bad;
                            assert!(
                                serde_json::from_value::<Event>(whole).is_err(),
                                "{}: {field} {what} still decodes",
                                path.display()
                            );
                        }
                    }
                }
            }
        }
    }
    for path in files("port") {
        let examples: Vec<Value> = serde_json::from_str(&read(&path)).unwrap();
        for example in &examples {
            for (what, bad) in without_each_field(example) {
                assert!(
                    decode_port_message(&bad.to_string()).is_err(),
                    "{}: {what} still decodes",
                    path.display()
                );
            }
        }
    }
    let envelope: Value = serde_json::from_str(&read(&dir().join("batch.json"))).unwrap();
    for (what, bad) in without_each_field(&envelope) {
        assert!(
            matches!(decode_batch(&bad.to_string()), Err(ProtocolError::Malformed(_))),
            "batch.json: {what} still decodes"
        );
    }
}

#[test]
fn a_renamed_event_field_drops_that_event_counted_with_its_reason_and_keeps_the_rest() {
    let golden = read(&dir().join("batch.json"));
    // What a hook that renamed `content_type` to `contentType` would send.
    let renamed = golden.replace("\"content_type\":", "\"contentType\":");
    assert_ne!(renamed, golden);
    let batch = decode_batch(&renamed).expect("the envelope is sound");
    assert_eq!(batch.events.len(), 2, "page and request_start are kept");
    assert_eq!(batch.dropped, 1);
    assert_eq!(
        batch.malformed,
        vec!["event 2 (request_end): missing field `content_type`".to_string()]
    );
    // Through the engine: counted as dropped, the rest ingested, nothing rejected.
    let mut engine = stormwatch::Engine::new(&stormwatch::Config::default());
    assert_eq!(engine.ingest_batch(&renamed).unwrap(), 2);
    assert_eq!(engine.stats().dropped, 1);
    assert_eq!(engine.stats().rejected_batches, 0);
    assert_eq!(engine.stats().requests, 1);
    // A value of the wrong type is the same kind of error.
    let wrong = golden.replace("\"status\": 200", "\"status\": \"200\"");
    assert_ne!(wrong, golden);
    let batch = decode_batch(&wrong).unwrap();
    assert_eq!((batch.events.len(), batch.dropped), (2, 1));
    assert!(
        batch.malformed[0].starts_with("event 2 (request_end): invalid type: string \"200\""),
        "{:?}",
        batch.malformed
    );
}

#[test]
fn a_bad_envelope_rejects_the_batch_and_says_why() {
    let golden = read(&dir().join("batch.json"));
    let renamed = golden.replace("\"cost_us\":", "\"costUs\":");
    assert_eq!(
        decode_batch(&renamed),
        Err(ProtocolError::Malformed("missing field `cost_us`".into()))
    );
    let old = golden.replace("\"v\": 2", "\"v\": 1");
    assert_eq!(decode_batch(&old), Err(ProtocolError::Version(1)));
    let miscounted = golden.replace("\"count\": 3", "\"count\": 4");
    assert_eq!(
        decode_batch(&miscounted),
        Err(ProtocolError::Malformed("count 4 but 3 events".into()))
    );
    // A hello from another version is named as such.
    let hello = read(&dir().join("port/hello.json"));
    let hello: Vec<Value> = serde_json::from_str(&hello).unwrap();
    let mut old = hello[0].clone();
    old["v"] = 1.into();
    assert_eq!(decode_port_message(&old.to_string()), Err(ProtocolError::Version(1)));
    // Unknown kinds are errors (nothing else uses these ports).
    assert!(matches!(
        decode_port_message(r#"{"kind":"batches","doc":"d"}"#),
        Err(ProtocolError::Malformed(_))
    ));
}

#[test]
fn constants_are_the_ones_both_sides_are_tested_on() {
    let c: Value = serde_json::from_str(&read(&dir().join("constants.json"))).unwrap();
    let n = |k: &str| c[k].as_u64().unwrap_or_else(|| panic!("constants.json: {k}")) as usize;
    assert_eq!(n("protocol_version"), protocol::PROTOCOL_VERSION as usize);
    assert_eq!(c["batch_kind"], protocol::BATCH_KIND);
    assert_eq!(n("max_batch_chars"), protocol::MAX_BATCH_CHARS);
    assert_eq!(n("max_doc_id_chars"), protocol::MAX_DOC_ID_CHARS);
    assert_eq!(n("max_hashed_body"), protocol::MAX_HASHED_BODY);
    assert_eq!(n("max_operation_name"), protocol::MAX_OPERATION_NAME);
    assert_eq!(n("batch_flush_at"), protocol::BATCH_FLUSH_AT);
    assert_eq!(n("max_buffered_events"), protocol::MAX_BUFFERED_EVENTS);
    assert_eq!(
        c.as_object().unwrap().len(),
        8,
        "a constant here that the test does not check"
    );
}

/// A fixture input: `[[text, times], ...]` joined.
fn input(case: &Value) -> String {
    case["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap().repeat(p[1].as_u64().unwrap() as usize))
        .collect()
}

#[test]
fn the_body_hash_is_the_hooks() {
    let cases: Vec<Value> = serde_json::from_str(&read(&dir().join("body_hashes.json"))).unwrap();
    assert!(cases.len() >= 10);
    for case in &cases {
        let want = case["signature"].as_str().map(str::to_string);
        assert_eq!(request_body_signature(&input(case)), want, "{}", case["what"]);
    }
    // Over the limit the hash is unknown, but the function under it still hashes.
    assert!(cases.iter().any(|c| c["signature"].is_null()));
    assert_eq!(body_signature(&"a".repeat(300_000)).len(), "00000000:300000".len());
}

#[test]
fn the_graphql_operation_is_the_hooks() {
    let cases: Vec<Value> = serde_json::from_str(&read(&dir().join("graphql_ops.json"))).unwrap();
    for case in &cases {
        let body = input(case);
        assert_eq!(
            body.encode_utf16().count() as u64,
            case["units"].as_u64().unwrap(),
            "{}",
            case["what"]
        );
        let want = case["op"].as_str().map(str::to_string);
        assert_eq!(graphql_operation(&body), want, "{}", case["what"]);
    }
}

/// Rewrites the goldens in the writer's layout and the hashes from this crate's
/// function; review the diff (the e2e test then checks the hook agrees).
#[test]
#[ignore]
fn bless() {
    if std::env::var("STORMWATCH_BLESS").is_err() {
        return;
    }
    for path in files("events") {
        let text = read(&path);
        std::fs::write(&path, pretty(&decode_events(&path, &text))).unwrap();
    }
    for path in files("port") {
        let text = read(&path);
        std::fs::write(&path, pretty(&decode_ports(&path, &text))).unwrap();
    }
    let path = dir().join("batch.json");
    let batch = decode_batch(&read(&path)).unwrap();
    std::fs::write(&path, pretty(&batch)).unwrap();
    let path = dir().join("body_hashes.json");
    let mut cases: Vec<Value> = serde_json::from_str(&read(&path)).unwrap();
    for case in &mut cases {
        let sig = request_body_signature(&input(case));
        case["signature"] = sig.map_or(Value::Null, Value::String);
    }
    std::fs::write(&path, pretty(&cases)).unwrap();
}
