//! Engine throughput and memory.
//!
//! 1. Throughput: how fast the engine takes page batches, against a reference measured
//!    in the same run (parsing the same JSON into a generic `serde_json::Value`, which
//!    every consumer of the wire format pays at least).
//! 2. Memory: a flood of 20,000 requests (page start + end and DevTools' entry for
//!    each, all distinct URLs), three times into one engine: the engine's own count of
//!    the bytes it keeps after each flood, and the process's peak RSS.
//! 3. With `--detectors`: what each detector adds per event.
//!
//! Run: `cargo run --release --example bench_engine [-- --requests N] [--detectors]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use stormwatch::model::event::{Event, NetworkEntry, Timings};
use stormwatch::{Config, Engine};

const T0: f64 = 1_796_083_200_000.0;

/// The system allocator (or with `STORMWATCH_BENCH_MIMALLOC=1` the native CLI's
/// mimalloc), counting the bytes live on the heap and their peak: the engine's real
/// footprint, free of RSS's page granularity and allocator caching.
struct Counting;

/// 0: not decided yet, 1: the system allocator, 2: mimalloc. Decided on the first
/// allocation (before `main`), from the environment.
static WHICH: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

fn use_mimalloc() -> bool {
    match WHICH.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            // Read with libc's getenv: std's env access allocates, which would recurse.
            extern "C" {
                fn getenv(name: *const std::ffi::c_char) -> *const std::ffi::c_char;
            }
            let on = !unsafe { getenv(c"STORMWATCH_BENCH_MIMALLOC".as_ptr()) }.is_null();
            WHICH.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            on
        }
    }
}

fn inner() -> &'static dyn GlobalAlloc {
    if use_mimalloc() {
        &mimalloc::MiMalloc
    } else {
        &System
    }
}

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { inner().alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { inner().dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { inner().realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn page_events(i: usize, url: &str, t: f64) -> [String; 2] {
    [
        format!(
            r#"{{"type":"request_start","id":{i},"api":"fetch","method":"GET","url":"{url}","t":{t},"body":"","keepalive":false,"range":false,"op":null}}"#
        ),
        format!(
            r#"{{"type":"request_end","id":{i},"t":{},"status":200,"outcome":"ok","content_type":"application/json","content_length":{},"content_encoding":"br","cache_control":"no-store"}}"#,
            t + 40.0,
            200 + i % 1000
        ),
    ]
}

fn batch(seq: usize, events: &[String]) -> String {
    format!(
        r#"{{"v":2,"kind":"stormwatch.batch","doc":"bench","seq":{seq},"dropped":0,"count":{n},"events":[{}],"cost_us":0,"origin":null}}"#,
        events.join(","),
        n = events.len()
    )
}

/// The throughput workload: APIs with ids, a poll, repeated searches, images.
fn mixed_batches(requests: usize, per_batch: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut events = Vec::new();
    for i in 0..requests {
        let t = T0 + i as f64 * 3.0;
        let url = match i % 4 {
            0 => format!("https://app.example/api/items/{}", i % 5000),
            1 => "https://app.example/api/status?_=1".to_string(),
            2 => format!("https://app.example/api/search?q=term{}", i % 300),
            _ => format!("https://cdn.example/img/{}.png", i),
        };
        events.extend(page_events(i, &url, t));
        if events.len() >= per_batch {
            out.push(batch(out.len() + 1, &events));
            events.clear();
        }
    }
    out
}

/// DevTools' entry for one flood request, as the panel's bridge hands it over.
fn devtools_entry(url: &str, t: f64) -> Event {
    Event::Network(Box::new(NetworkEntry {
        method: "GET".into(),
        url: url.into(),
        t: t + 0.4,
        duration: 38.5,
        status: 200,
        resource_type: "fetch".into(),
        mime_type: Some("application/json".into()),
        transfer_size: Some(540),
        content_size: Some(212),
        content_encoding: Some("br".into()),
        cache_control: Some("no-store".into()),
        body: Some(String::new()),
        initiator: Some("http://127.0.0.1:8080/flood.js:12:9".into()),
        wait: Some(30.1),
        timings: Some(Timings {
            blocked: Some(0.5),
            send: Some(0.1),
            wait: Some(30.1),
            receive: Some(0.4),
            ..Timings::default()
        }),
        traced: Some(false),
        ..NetworkEntry::default()
    }))
}

/// The default config, less the detectors named in STORMWATCH_BENCH_DISABLE (`id,id`
/// or `all`), to see what a detector's time or state costs.
fn bench_config() -> Config {
    let mut cfg = Config::default();
    if let Ok(off) = std::env::var("STORMWATCH_BENCH_DISABLE") {
        cfg.disabled = stormwatch::detect::DETECTORS
            .iter()
            .map(|d| d.id.to_string())
            .filter(|id| off == "all" || off.split(',').any(|o| o == id))
            .collect();
    }
    cfg
}

/// Resident set now and its peak since the last reset, in bytes (Linux only).
fn rss() -> (usize, usize) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<usize>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn reset_peak_rss() {
    // "5" resets VmHWM to the current RSS (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mb(n: usize) -> String {
    format!("{:.1} MB", n as f64 / 1_048_576.0)
}

/// One flood: 20,000 requests with distinct URLs, page batches of 500 events, and
/// DevTools' entries arriving after each batch (as onRequestFinished delivers them).
fn flood(engine: &mut Engine, round: usize, requests: usize) {
    let base = round * requests;
    let mut events = Vec::new();
    let mut pending = Vec::new();
    for k in 0..requests {
        let i = base + k;
        let t = T0 + 1_000_000.0 * round as f64 + k as f64 * 0.05;
        let url = format!("http://127.0.0.1:8080/api/flood/{i}?page={}", k % 7);
        events.extend(page_events(i, &url, t));
        pending.push(devtools_entry(&url, t));
        if events.len() >= 500 {
            engine.ingest_batch(&batch(i, &events)).expect("valid batch");
            events.clear();
            for e in pending.drain(..) {
                engine.ingest(e);
            }
        }
    }
    if !events.is_empty() {
        engine
            .ingest_batch(&batch(base + requests, &events))
            .expect("valid batch");
    }
    for e in pending.drain(..) {
        engine.ingest(e);
    }
}

fn memory() {
    const FLOOD: usize = 20_000;
    println!("memory: a flood of {FLOOD} requests (distinct URLs; page start + end + DevTools entry each), three times into one engine");
    let (rss0, _) = rss();
    reset_peak_rss();
    let heap0 = LIVE.load(Ordering::Relaxed);
    PEAK.store(heap0, Ordering::Relaxed);
    let mut engine = Engine::new(&bench_config());
    for round in 0..3 {
        flood(&mut engine, round, FLOOD);
        let (now, peak) = rss();
        let s = engine.stats();
        println!(
            "  flood {}: requests seen {} (exact: {}); retained {} (engine's count); heap {} live, {} peak; RSS {} now, {} peak (at start {})",
            round + 1,
            s.requests,
            s.requests as usize == FLOOD * (round + 1),
            mb(engine.retained_bytes()),
            mb(LIVE.load(Ordering::Relaxed) - heap0),
            mb(PEAK.load(Ordering::Relaxed) - heap0),
            mb(now),
            mb(peak),
            mb(rss0)
        );
    }
    let s = engine.stats();
    println!(
        "  kept: {} requests, {} logged events ({} not logged{}), findings {}",
        engine.requests().count(),
        engine.events().count(),
        s.events_not_logged,
        if s.log_bytes_dropped > 0 {
            format!(", {} of them", mb(s.log_bytes_dropped as usize))
        } else {
            String::new()
        },
        engine.findings().len()
    );
}

fn throughput(requests: usize) -> Vec<String> {
    let input = mixed_batches(requests, 500);
    let events = requests * 2;
    let bytes: usize = input.iter().map(String::len).sum();
    println!(
        "throughput: {requests} requests, {events} events, {:.1} MB of batches",
        bytes as f64 / 1e6
    );

    // Best of three of each, interleaved, so a busy machine hurts both alike.
    let mut reference = f64::INFINITY;
    let mut decode = f64::INFINITY;
    let mut ingest = f64::INFINITY;
    let cfg = bench_config();
    let mut engine = Engine::new(&cfg);
    for _ in 0..3 {
        let t = Instant::now();
        let mut parsed = 0usize;
        for b in &input {
            let v: serde_json::Value = serde_json::from_str(b).expect("valid json");
            parsed += v["events"].as_array().map_or(0, Vec::len);
        }
        reference = reference.min(t.elapsed().as_secs_f64());
        assert_eq!(parsed, events);

        let t = Instant::now();
        let mut decoded = 0usize;
        for b in &input {
            decoded += stormwatch::model::protocol::decode_batch(b)
                .expect("valid batch")
                .events
                .len();
        }
        decode = decode.min(t.elapsed().as_secs_f64());
        assert_eq!(decoded, events);

        let t = Instant::now();
        engine = Engine::new(&cfg);
        for b in &input {
            engine.ingest_batch(b).expect("valid batch");
        }
        ingest = ingest.min(t.elapsed().as_secs_f64());
        assert_eq!(engine.stats().requests as usize, requests);
    }
    let line = |what: &str, s: f64| {
        println!(
            "  {what:<44} {:>8.1} ms {:>7.3} µs/event {:>10.0} events/s  {:>5.2}× the reference",
            s * 1e3,
            s * 1e6 / events as f64,
            events as f64 / s,
            s / reference
        )
    };
    line("reference (serde_json::Value parse only)", reference);
    line("typed decode only (protocol::decode_batch)", decode);
    line("engine.ingest_batch (decode + merge + detect)", ingest);

    let t = Instant::now();
    let findings = engine.findings();
    let report = stormwatch::report::Report::json_of(&engine, true, true);
    let report_s = t.elapsed().as_secs_f64();
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
    let s = engine.stats();
    println!(
        "  kept: {} requests, {} logged events ({} not logged), retained {}",
        engine.requests().count(),
        engine.events().count(),
        s.events_not_logged,
        mb(engine.retained_bytes())
    );
    input
}

/// Engine time with one detector on, minus the time with none.
fn per_detector(input: &[String], events: usize) {
    let all: Vec<&str> = stormwatch::detect::DETECTORS.iter().map(|d| d.id).collect();
    let run = |enabled: Option<&str>| {
        let mut cfg = Config::default();
        cfg.disabled = all
            .iter()
            .filter(|d| Some(**d) != enabled)
            .map(|d| d.to_string())
            .collect();
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            let mut engine = Engine::new(&cfg);
            for b in input {
                engine.ingest_batch(b).expect("valid batch");
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        best
    };
    let none = run(None);
    println!(
        "per detector ({events} events): engine with no detector {:.3} µs/event; each detector adds:",
        none * 1e6 / events as f64
    );
    for d in &all {
        let s = run(Some(d));
        println!("  {d:<28} {:>+7.3} µs/event", (s - none) * 1e6 / events as f64);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let requests = args
        .iter()
        .position(|a| a == "--requests")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    // `--only reference|decode|engine`: one phase once, for `perf stat -e instructions`
    // (instruction counts do not depend on how busy the machine is).
    if let Some(phase) = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)) {
        let input = mixed_batches(requests, 500);
        let mut n = 0usize;
        for b in &input {
            n += match phase.as_str() {
                "reference" => serde_json::from_str::<serde_json::Value>(b).expect("valid json")["events"]
                    .as_array()
                    .map_or(0, Vec::len),
                "decode" => stormwatch::model::protocol::decode_batch(b)
                    .expect("valid batch")
                    .events
                    .len(),
                "engine" => 0,
                _ => 0,
            };
        }
        if phase == "engine" {
            let mut engine = Engine::new(&bench_config());
            for b in &input {
                n += engine.ingest_batch(b).expect("valid batch");
            }
        }
        println!("{phase}: {n} events");
        return;
    }
    println!(
        "allocator: {}",
        if use_mimalloc() {
            "mimalloc (the native CLI's; STORMWATCH_BENCH_MIMALLOC=1)"
        } else {
            "the system's (the CLI uses mimalloc: STORMWATCH_BENCH_MIMALLOC=1)"
        }
    );
    // Memory first, while the process holds nothing else.
    memory();
    if args.iter().any(|a| a == "--memory-only") {
        return;
    }
    let input = throughput(requests);
    if args.iter().any(|a| a == "--detectors") {
        let n = input.len().min(100);
        per_detector(&input[..n], n * 500);
    }
}
