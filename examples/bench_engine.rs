//! Engine throughput: how fast the panel's engine takes page batches, against a
//! reference measured in the same run (parsing the same JSON into a generic value,
//! which every consumer of the wire format must pay at least).
//!
//! Run: `cargo run --release --example bench_engine`

use std::time::Instant;
use stormwatch::{Config, Engine};

fn batches(requests: usize, per_batch: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut events = Vec::new();
    let mut seq = 0;
    let t0 = 1_796_083_200_000.0;
    for i in 0..requests {
        let t = t0 + i as f64 * 3.0;
        // A realistic mix: APIs with ids, a poll, a few repeated URLs.
        let url = match i % 4 {
            0 => format!("https://app.example/api/items/{}", i % 5000),
            1 => "https://app.example/api/status?_=1".to_string(),
            2 => format!("https://app.example/api/search?q=term{}", i % 300),
            _ => format!("https://cdn.example/img/{}.png", i),
        };
        events.push(format!(
            r#"{{"type":"request_start","id":{i},"api":"fetch","method":"GET","url":"{url}","t":{t},"body":"","keepalive":false,"range":false,"op":null}}"#
        ));
        events.push(format!(
            r#"{{"type":"request_end","id":{i},"t":{},"status":200,"outcome":"ok","content_type":"application/json","content_length":{},"content_encoding":"br","cache_control":"no-store"}}"#,
            t + 40.0,
            200 + i % 1000
        ));
        if events.len() >= per_batch {
            seq += 1;
            out.push(format!(
                r#"{{"v":1,"kind":"stormwatch.batch","doc":"bench","seq":{seq},"dropped":0,"events":[{}]}}"#,
                events.join(",")
            ));
            events.clear();
        }
    }
    out
}

fn main() {
    let requests = 200_000;
    let input = batches(requests, 500);
    let events = requests * 2;
    let bytes: usize = input.iter().map(String::len).sum();

    let t = Instant::now();
    let mut parsed = 0usize;
    for b in &input {
        let v: serde_json::Value = serde_json::from_str(b).expect("valid json");
        parsed += v["events"].as_array().map_or(0, Vec::len);
    }
    let reference = t.elapsed().as_secs_f64();
    assert_eq!(parsed, events);

    let t = Instant::now();
    let mut engine = Engine::new(&Config::default());
    for b in &input {
        engine.ingest_batch(b).expect("valid batch");
    }
    let ingest = t.elapsed().as_secs_f64();
    assert_eq!(engine.stats().requests as usize, requests);

    let t = Instant::now();
    let findings = engine.findings();
    let report = stormwatch::report::Report::json_of(&engine, true, true);
    let report_s = t.elapsed().as_secs_f64();

    println!(
        "stormwatch engine benchmark: {requests} requests, {events} events, {:.1} MB of batches",
        bytes as f64 / 1e6
    );
    println!(
        "  reference (serde_json::Value parse only): {:>8.1} ms  {:>6.2} µs/event",
        reference * 1e3,
        reference * 1e6 / events as f64
    );
    println!(
        "  engine.ingest_batch (decode + detect):    {:>8.1} ms  {:>6.2} µs/event  ({:.2}× the reference)",
        ingest * 1e3,
        ingest * 1e6 / events as f64,
        ingest / reference
    );
    println!("  throughput: {:.0} events/s", events as f64 / ingest);
    println!(
        "  findings: {}; report with event log: {:.1} MB in {:.1} ms",
        findings.len(),
        report.len() as f64 / 1e6,
        report_s * 1e3
    );
    let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in &findings {
        *by.entry(f.detector.as_str()).or_default() += 1;
    }
    println!("  findings by detector: {by:?}");
    println!(
        "  kept: {} requests, {} logged events ({} not logged)",
        engine.requests().count(),
        engine.events().count(),
        engine.stats().events_not_logged
    );
}
