//! The HAR reader's own cost, without the engine: streams a HAR file through
//! `har::read` and turns every entry into an event (exactly what the CLI does
//! before `Engine::ingest`), then prints the time and the entries read.
//!
//! Run: `cargo run --release --example bench_har_read -- FILE.har`
//! (`scripts/bench-har.mjs` generates the file and prints this beside the CLI's
//! full run and Node's `JSON.parse` of the same file.)

use std::time::Instant;
use stormwatch::har::{self, Item};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bench_har_read FILE.har");
        std::process::exit(2);
    };
    let file = std::fs::File::open(&path).expect("open the HAR");
    let t = Instant::now();
    let (mut ok, mut bad, mut bytes) = (0usize, 0usize, 0usize);
    let doc = har::read(file, |item| {
        if let Item::Entry(_, e) = item {
            match e.and_then(|e| e.to_event()) {
                Ok(ev) => {
                    ok += 1;
                    bytes += ev.url.len();
                }
                Err(_) => bad += 1,
            }
        }
    });
    let secs = t.elapsed().as_secs_f64();
    assert!(matches!(doc, Ok(har::Document::Har(_))), "{doc:?}");
    println!(
        "read+decode only: {ok} entries ({bad} unreadable) in {secs:.3} s ({:.2} µs/entry; {bytes} URL bytes)",
        secs * 1e6 / ok.max(1) as f64
    );
}
