//! The HAR reader's own cost, without the engine, over one file: cutting it into
//! entries without decoding them (`har::read_raw`), decoding each entry in place
//! into typed structs (`har::read`, what the CLI uses), and that plus turning each
//! into an event (`to_event`: exactly what the CLI does before `Engine::ingest`). Prints wall and CPU time for each, since
//! wall time on a shared machine says more about the neighbours than the code.
//!
//! Run: `cargo run --release --example bench_har_read -- FILE.har`
//! (`scripts/bench-har.mjs` generates the file and prints this beside the CLI's
//! full run and Node's `JSON.parse` of the same file.)

use std::time::Instant;
use stormwatch::input::har::{self, Item, Raw};

/// User + system CPU seconds of this process so far (Linux; 100 ticks a second).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    // Fields 14 and 15 of the stat line, counted after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn timed(what: &str, entries: usize, run: impl FnOnce() -> usize) {
    let (t, c) = (Instant::now(), cpu_seconds());
    let n = run();
    let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    assert_eq!(n, entries, "{what}");
    println!(
        "  {what:<28} wall {wall:>6.2} s, cpu {cpu:>6.2} s ({:.2} µs/entry cpu)",
        cpu * 1e6 / n.max(1) as f64
    );
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bench_har_read FILE.har");
        std::process::exit(2);
    };
    let open = || std::fs::File::open(&path).expect("open the HAR");
    let mut entries = 0;
    har::read_raw(open(), |r| {
        if let Raw::Entry(..) = r {
            entries += 1;
        }
    })
    .expect("a HAR");
    println!("reader alone over {entries} entries (no engine):");
    timed("split only (read_raw)", entries, || {
        let mut n = 0;
        let _ = har::read_raw(open(), |r| {
            if let Raw::Entry(..) = r {
                n += 1;
            }
        });
        n
    });
    timed("decode in place (read)", entries, || {
        let mut n = 0;
        let _ = har::read(open(), |i| {
            if let Item::Entry(_, Ok(_)) = i {
                n += 1;
            }
        });
        n
    });
    timed("+ Request::prepare (thread)", entries, || {
        // What the CLI's reader thread does per entry before handing it to the engine's.
        let mut n = 0;
        let _ = har::read(open(), |i| {
            if let Item::Entry(_, Ok(e)) = i {
                if let Ok(ev) = e.to_event() {
                    std::hint::black_box(stormwatch::model::request::Request::prepare(&ev));
                    n += 1;
                }
            }
        });
        n
    });
    timed("read + to_event", entries, || {
        let mut n = 0;
        let _ = har::read(open(), |i| {
            if let Item::Entry(_, Ok(e)) = i {
                if e.to_event().is_ok() {
                    n += 1;
                }
            }
        });
        n
    });
}
