//! The corpus pages (static/demo/corpus/) as DevTools saved them (HAR, captured by
//! tests/e2e/capture-corpus-har.mjs), through the `stormwatch` CLI: the same
//! polling loops and N+1 bursts the live panel shows, and none on the near misses.
//! Only `polling-loop` and `n-plus-one` are asserted here; the pages carry the
//! background traffic (beacons, a second poll) other detectors may comment on.

use serde_json::Value;
use std::process::Command;

fn analyze(name: &str) -> Vec<Value> {
    let file = format!("{}/tests/fixtures/har/corpus-{name}.har", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_stormwatch"))
        .args(["analyze", &file, "--format", "json"])
        .output()
        .expect("run stormwatch");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["detector"] == "polling-loop" || f["detector"] == "n-plus-one")
        .cloned()
        .collect()
}

fn titles(found: &[Value]) -> Vec<&str> {
    found.iter().map(|f| f["title"].as_str().unwrap()).collect()
}

#[test]
fn a_cursor_poll_with_beacons_and_a_second_poll_gives_two_loops() {
    let found = analyze("cursor-poll");
    assert_eq!(found.len(), 2, "{:#?}", titles(&found));
    let feed = found
        .iter()
        .find(|f| f["title"].as_str().unwrap().contains("/api/feed"))
        .expect("the cursor poll");
    let title = feed["title"].as_str().unwrap();
    assert!(
        title.starts_with("GET /api/feed?cursor=…&limit=… polled every 0.5 s ("),
        "{title}"
    );
    assert_eq!(feed["metrics"]["requests_differ"], true);
    let urls = feed["evidence"]["urls"].as_array().unwrap();
    assert!(urls.len() >= 6, "{urls:?}");
    assert!(urls.iter().all(|u| u
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:8477/api/feed?cursor=")));
    // The aborted StrictMode copy of the first request is not a tick of its own.
    let cursor0 = urls
        .iter()
        .filter(|u| u.as_str().unwrap().contains("cursor=0&"))
        .count();
    assert!(cursor0 <= 1, "{urls:?}");
    let status = found
        .iter()
        .find(|f| f["title"].as_str().unwrap().contains("/api/status"))
        .expect("the unread poll");
    assert!(
        status["title"]
            .as_str()
            .unwrap()
            .starts_with("GET /api/status?job=7 polled every 1.3 s"),
        "{status:#}"
    );
}

#[test]
fn a_graphql_operation_polled_with_changing_variables_is_one_loop() {
    let found = analyze("graphql-poll");
    assert_eq!(found.len(), 1, "{:#?}", titles(&found));
    let title = found[0]["title"].as_str().unwrap();
    assert!(
        title.starts_with("POST /api/graphql (Notifications) polled every 0.6 s ("),
        "{title}"
    );
}

#[test]
fn a_slug_n_plus_one_on_a_fast_local_api_is_found_by_its_shape() {
    let found = analyze("products");
    assert_eq!(found.len(), 1, "{:#?}", titles(&found));
    let f = &found[0];
    assert_eq!(f["detector"], "n-plus-one");
    assert_eq!(
        f["title"],
        "GET /api/products/{slug} requested 12× at once, one per item (12 round trips: about 1.2 s at 100 ms each)"
    );
    assert_eq!(f["metrics"]["requests"], 12.0);
    assert_eq!(f["evidence"]["urls"].as_array().unwrap().len(), 10);
}

#[test]
fn near_misses_stay_quiet() {
    for name in ["cursor-pages", "search-typing", "dashboard", "document"] {
        let found = analyze(name);
        assert!(found.is_empty(), "{name}: {:#?}", titles(&found));
    }
}
