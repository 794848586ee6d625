//! The `stormwatch` CLI over real and hand-written HAR files: exact findings,
//! exit codes, and one clear error line for bad input.

use serde_json::Value;
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stormwatch"))
        .args(args)
        .output()
        .expect("run stormwatch")
}

fn analyze_json(file: &str) -> Value {
    let out = run(&["analyze", &fixture(file), "--format", "json"]);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{out:?}");
    serde_json::from_slice(&out.stdout).expect("json report")
}

fn findings<'a>(report: &'a Value, detector: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["detector"] == detector)
        .collect()
}

#[test]
fn chrome_har_with_duplicates_gives_exactly_that_finding() {
    let r = analyze_json("har/chrome-duplicates.har");
    assert_eq!(r["schema"], "stormwatch.report/1");
    assert_eq!(r["findings"].as_array().unwrap().len(), 1, "{r:#}");
    let f = findings(&r, "duplicate-request")[0];
    assert_eq!(f["count"], 4);
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["evidence"]["urls"][0], "http://127.0.0.1:8477/api/profile");
    let sources: Vec<&str> = f["evidence"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        sources
            .iter()
            .any(|s| s.starts_with("http://127.0.0.1:8477/duplicates.js:")),
        "{sources:?}"
    );
    assert!(
        sources.iter().all(|s| !s.starts_with("chrome-extension://")),
        "{sources:?}"
    );
}

#[test]
fn chrome_har_with_a_polling_loop_gives_exactly_that_finding() {
    let r = analyze_json("har/chrome-polling.har");
    assert_eq!(r["findings"].as_array().unwrap().len(), 1, "{r:#}");
    let f = findings(&r, "polling-loop")[0];
    assert!(f["count"].as_u64().unwrap() >= 5, "{f:#}");
    let period = f["metrics"]["period_ms"].as_f64().unwrap();
    assert!((period - 1000.0).abs() < 100.0, "{period}");
    assert_eq!(f["metrics"]["response_changed"], "yes");
}

#[test]
fn chrome_har_of_the_clean_page_is_clean_and_exits_0() {
    let out = run(&["analyze", &fixture("har/chrome-clean.har"), "--fail-on", "info"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 finding(s)"));
}

#[test]
fn firefox_and_safari_shaped_hars_are_read() {
    let r = analyze_json("har/firefox-polling.har");
    let polls = findings(&r, "polling-loop");
    assert_eq!(polls.len(), 1, "{r:#}");
    assert_eq!(polls[0]["count"], 6);
    assert_eq!(polls[0]["metrics"]["period_ms"], 2000.0);
    // Two searches with different bodies are not duplicates.
    assert!(findings(&r, "duplicate-request").is_empty(), "{r:#}");
    let r = analyze_json("har/safari-duplicates.har");
    assert_eq!(findings(&r, "duplicate-request")[0]["count"], 3, "{r:#}");
}

#[test]
fn fail_on_sets_the_exit_code() {
    let file = fixture("har/chrome-duplicates.har");
    assert_eq!(run(&["analyze", &file]).status.code(), Some(0));
    assert_eq!(run(&["analyze", &file, "--fail-on", "warning"]).status.code(), Some(1));
}

#[test]
fn a_saved_report_replays_to_the_same_findings() {
    let dir = std::env::temp_dir().join(format!("stormwatch-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("report.json");
    let out = run(&[
        "analyze",
        &fixture("har/chrome-polling.har"),
        "--format",
        "json",
        "--output",
        saved.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let first: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let out = run(&["analyze", saved.to_str().unwrap(), "--format", "json"]);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(first["findings"], again["findings"]);
    assert!(!first["findings"].as_array().unwrap().is_empty());
}

fn assert_bad_input(path: &str, expect: &str) {
    let out = run(&["analyze", path]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{path}: {err}");
    assert!(err.contains(path), "names the file: {err}");
    assert!(err.contains(expect), "says what is wrong ({expect}): {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let dir = std::env::temp_dir().join(format!("stormwatch-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, body: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };
    let har = std::fs::read(fixture("har/chrome-duplicates.har")).unwrap();
    // Cut inside the first entry: nothing to analyse.
    let first_entry = har.windows(9).position(|w| w == b"\"entries\"").unwrap() + 40;
    assert_bad_input(&write("truncated.har", &har[..first_entry]), "truncated JSON");
    assert_bad_input(&write("empty.har", b""), "empty");
    assert_bad_input(&write("text.har", b"hello"), "not JSON");
    assert_bad_input(&write("other.json", b"{\"name\":\"package\"}"), "neither a HAR file");
    assert_bad_input(
        &write("no-entries.har", b"{\"log\":{\"version\":\"1.2\"}}"),
        "not a valid HAR 1.2 file",
    );
    assert_bad_input(&write("braces.json", b"{}"), "neither a HAR file");
    assert_bad_input(&write("empty-log.har", b"{\"log\":{}}"), "not a valid HAR 1.2 file");
    assert_bad_input(&write("bad-date.har", br#"{"log":{"entries":[{"startedDateTime":"soon","request":{"method":"GET","url":"http://h/"},"response":{"status":200}}]}}"#), "bad startedDateTime");
    assert_bad_input(
        &write("future.json", b"{\"schema\":\"stormwatch.report/9\"}"),
        "unsupported report schema",
    );
    assert_bad_input(&write("binary.har", &[0xff, 0xfe, 0x00, 0x01]), "not UTF-8");
    // A 2 GB file (sparse: it takes no disk) is refused before it is read.
    let huge = dir.join("huge.har");
    std::fs::File::create(&huge).unwrap().set_len(2 << 30).unwrap();
    assert_bad_input(huge.to_str().unwrap(), "too large to analyze");
    std::fs::remove_file(&huge).unwrap();
    assert_bad_input(dir.join("missing.har").to_str().unwrap(), "cannot read");
}

#[test]
fn usage_errors_exit_2_and_explain_prints_the_docs() {
    assert_eq!(run(&["analyze"]).status.code(), Some(2));
    assert_eq!(run(&["analyze", "x", "--format", "yaml"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    let out = run(&["explain", "polling-loop"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for section in ["## What it detects", "## Why it matters", "## Example", "## Thresholds"] {
        assert!(text.contains(section), "{text}");
    }
    assert_eq!(run(&["explain", "nope"]).status.code(), Some(2));
}

#[test]
fn chrome_hars_of_each_network_scenario_give_exactly_their_findings() {
    let cases: &[(&str, &[&str])] = &[
        ("nplusone", &["n-plus-one"]),
        ("waterfall", &["request-waterfall"]),
        ("errors", &["error-burst"]),
        ("slow", &["slow-request"]),
        ("payload", &["large-payload", "uncompressed-response"]),
        (
            "bundle",
            &[
                "missing-cache-headers",
                "oversized-chunk",
                "oversized-chunk",
                "uncompressed-response",
            ],
        ),
    ];
    for (name, expected) in cases {
        let r = analyze_json(&format!("har/chrome-{name}.har"));
        let mut got: Vec<&str> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["detector"].as_str().unwrap())
            .collect();
        got.sort();
        assert_eq!(&got, expected, "{name}: {r:#}");
    }
}

#[test]
fn json_output_redacts_secret_parameters_unless_asked_not_to() {
    let dir = std::env::temp_dir().join(format!("stormwatch-redact-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let entry = |t: &str| {
        format!(
            r#"{{"startedDateTime":"2026-12-01T00:00:0{t}.000Z","time":30,"request":{{"method":"GET","url":"https://h/api/me?access_token=SECRET123&page=2","headers":[]}},"response":{{"status":200,"headers":[],"content":{{"size":10,"mimeType":"application/json"}}}},"_resourceType":"fetch"}}"#
        )
    };
    let har = format!(r#"{{"log":{{"entries":[{},{}]}}}}"#, entry("0"), entry("1"));
    let file = dir.join("secret.har");
    std::fs::write(&file, har).unwrap();
    let out = run(&["analyze", file.to_str().unwrap(), "--format", "json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("duplicate-request"), "{text}");
    assert!(!text.contains("SECRET123"), "{text}");
    assert!(text.contains("access_token=REDACTED&page=2"), "{text}");
    let out = run(&["analyze", file.to_str().unwrap(), "--format", "json", "--no-redact"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("SECRET123"));
    // The HTML report too, timeline tooltips included.
    let out = run(&["analyze", file.to_str().unwrap(), "--format", "html"]);
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.contains("duplicate-request") && html.contains("<svg"), "{html}");
    assert!(!html.contains("SECRET123"), "{html}");
    let out = run(&["analyze", file.to_str().unwrap(), "--format", "html", "--no-redact"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("SECRET123"));
}

#[test]
fn html_output_is_one_self_contained_page() {
    let dir = std::env::temp_dir().join(format!("stormwatch-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.html");
    let out = run(&[
        "analyze",
        &fixture("reports/react-storm.json"),
        "--format",
        "html",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{out:?}");
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<h2>Warnings (2)</h2>"), "{html}");
    assert!(html.contains("Ticker rendered"), "{html}");
    assert!(html.contains("<svg") && html.contains("React commits"), "the timeline");
    assert!(
        html.contains("<h2>React components</h2>") && html.contains("<td>Row</td>"),
        "the component table"
    );
    // Nothing to fetch: no scripts, no external styles, images or fonts.
    for needle in ["<script", "<link", "src=", "url(", "@import"] {
        assert!(!html.contains(needle), "found {needle}");
    }
}

#[test]
fn ignored_url_patterns_leave_requests_out() {
    let dir = std::env::temp_dir().join(format!("stormwatch-ignore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("stormwatch.toml");
    std::fs::write(&cfg, "ignore = [\"*/api/status?*\"]\n").unwrap();
    let har = fixture("har/chrome-polling.har");
    assert!(!findings(&analyze_json("har/chrome-polling.har"), "polling-loop").is_empty());
    let out = run(&["analyze", &har, "--format", "json", "--config", cfg.to_str().unwrap()]);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings(&r, "polling-loop").is_empty(), "{r:#}");
    assert!(r["stats"]["ignored"].as_u64().unwrap() >= 4, "{}", r["stats"]);
}

#[test]
fn a_config_file_changes_thresholds_and_disables_detectors() {
    let dir = std::env::temp_dir().join(format!("stormwatch-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let har = fixture("har/chrome-polling.har");
    // Polling at 1 s counts as informational when the info period is lowered.
    let cfg = dir.join("stormwatch.toml");
    std::fs::write(&cfg, "[polling_loop]\ninfo_period_ms = 500.0\n").unwrap();
    let out = run(&["analyze", &har, "--format", "json", "--config", cfg.to_str().unwrap()]);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&r, "polling-loop")[0]["severity"], "info");
    std::fs::write(&cfg, "disabled = [\"polling-loop\"]\n").unwrap();
    let out = run(&["analyze", &har, "--format", "json", "--config", cfg.to_str().unwrap()]);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings(&r, "polling-loop").is_empty(), "{r:#}");
    std::fs::write(&cfg, "[polling_loop]\nmax_cv = \"steady\"\n").unwrap();
    let out = run(&["analyze", &har, "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stormwatch.toml: invalid config"), "{err}");
}

#[test]
fn markdown_output_is_ready_for_an_issue() {
    let out = run(&["analyze", &fixture("har/chrome-errors.har"), "--format", "markdown"]);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("## Stormwatch: 1 finding(s) on "), "{md}");
    assert!(
        md.contains("### ERROR `error-burst`: POST /api/\\_error failed 6 of 6 times"),
        "{md}"
    );
    assert!(md.contains("**Fix:**"), "{md}");
}

#[test]
fn a_saved_react_session_replays_to_its_storm_and_components() {
    // Recorded from the real panel on the demo's React 18 storm page.
    let report = analyze_json("reports/react-storm.json");
    let storm = findings(&report, "rerender-storm");
    assert_eq!(storm.len(), 1);
    assert_eq!(storm[0]["key"], "Ticker");
    assert_eq!(storm[0]["evidence"]["components"], serde_json::json!(["Ticker", "Row"]));
    let wasted = findings(&report, "unnecessary-render");
    assert_eq!(wasted.len(), 1);
    assert_eq!(wasted[0]["key"], "Row");
    let components = report["components"].as_array().expect("components");
    let names: Vec<&str> = components.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Row", "Ticker", "Status"]);
    assert_eq!(components[2]["mounts"], 1);

    let text = run(&["analyze", &fixture("reports/react-storm.json")]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("React components, most renders first:"), "{text}");
    assert!(text.contains("Ticker: 136 renders"), "{text}");
    let md = run(&["analyze", &fixture("reports/react-storm.json"), "--format", "markdown"]);
    assert!(String::from_utf8_lossy(&md.stdout).contains("| `Row` | 2720 | 2700 |"));
}

// ---------------------------------------------------------------------------
// Every HAR people have: producers, broken entries, pages, archives, stdin.

fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_stormwatch"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stormwatch");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn detectors(report: &Value) -> Vec<String> {
    let mut got: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["detector"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    got
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("stormwatch-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn hars_from_every_producer_are_read_with_their_custom_fields() {
    // chrome-har (browsertime, sitespeed.io): `_initiator` is a URL string with
    // `_initiator_line`/`_column` beside it; these used to refuse the whole file.
    let r = analyze_json("har/producers/sitespeed-chrome-har.har");
    assert_eq!(detectors(&r), ["duplicate-request"], "{r:#}");
    let f = findings(&r, "duplicate-request")[0];
    assert_eq!(f["count"], 3);
    assert_eq!(
        f["evidence"]["sources"][0],
        "https://shop.example/assets/app.js:88:14 (fetchCart)"
    );

    // WebPageTest: `_bytesIn` as a string gives the transfer size, `_initiator`
    // the parser location; a `_lighthouse` object follows the log.
    let r = analyze_json("har/producers/webpagetest.har");
    assert_eq!(
        detectors(&r),
        [
            "missing-cache-headers",
            "oversized-chunk",
            "oversized-chunk",
            "uncompressed-response"
        ],
        "{r:#}"
    );
    let chunk = findings(&r, "oversized-chunk")
        .into_iter()
        .find(|f| f["evidence"]["urls"][0] == "https://news.example/static/vendor.js")
        .expect("the vendor chunk");
    assert_eq!(chunk["evidence"]["sources"][0], "https://news.example/:12");

    // Playwright's recordHar: bodies embedded as text or base64 (both read, so the
    // poll is seen to return changing data), a failed request with status -1.
    let r = analyze_json("har/producers/playwright.har");
    assert_eq!(detectors(&r), ["polling-loop"], "{r:#}");
    let poll = findings(&r, "polling-loop")[0];
    assert_eq!(poll["count"], 5);
    assert_eq!(poll["metrics"]["response_changed"], "yes");

    // A proxy (mitmproxy): no pages, base64 bodies, upper-case header names.
    let r = analyze_json("har/producers/mitmproxy.har");
    assert_eq!(detectors(&r), ["duplicate-request"], "{r:#}");
    assert_eq!(findings(&r, "duplicate-request")[0]["count"], 3);

    // Firefox: no custom fields, guessed resource types.
    let r = analyze_json("har/producers/firefox.har");
    assert_eq!(detectors(&r), ["n-plus-one"], "{r:#}");

    // Safari: -1 for every unknown size and time; only what it knows is judged.
    let r = analyze_json("har/producers/safari.har");
    assert_eq!(
        detectors(&r),
        [
            "missing-cache-headers",
            "uncompressed-response",
            "uncompressed-response"
        ],
        "{r:#}"
    );
}

/// The duplicates HAR with unreadable entries put in at `bad` positions.
fn har_with_bad_entries(bad: &[(usize, Value)]) -> Vec<u8> {
    let mut har: Value = serde_json::from_slice(&std::fs::read(fixture("har/chrome-duplicates.har")).unwrap()).unwrap();
    let entries = har["log"]["entries"].as_array_mut().unwrap();
    for (at, v) in bad {
        entries.insert(*at, v.clone());
    }
    serde_json::to_vec_pretty(&har).unwrap()
}

#[test]
fn unreadable_entries_are_skipped_and_named_and_the_rest_analysed() {
    let dir = temp_dir("malformed");
    let file = dir.join("malformed.har");
    let time_as_string = serde_json::json!({"startedDateTime":"2026-12-01T00:00:00Z","time":"12","request":{"method":"GET","url":"http://h/x"},"response":{"status":200}});
    let no_request = serde_json::json!({"startedDateTime":"2026-12-01T00:00:00Z","response":{"status":200}});
    std::fs::write(
        &file,
        har_with_bad_entries(&[(1, time_as_string), (4, no_request), (6, Value::from(7))]),
    )
    .unwrap();
    let out = run(&[
        "analyze",
        file.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "warning",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "findings decide the exit code: {err}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&r, "duplicate-request")[0]["count"], 4, "{r:#}");
    assert!(
        err.contains("entry 1: invalid type: string \"12\", expected f64"),
        "{err}"
    );
    assert!(err.contains("entry 4: missing field `request`"), "{err}");
    assert!(err.contains("entry 6: invalid type: integer `7`"), "{err}");
    assert!(err.contains("3 of "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_har_whose_every_entry_is_bad_exits_2_with_one_line() {
    let dir = temp_dir("allbad");
    let bad = serde_json::json!({"startedDateTime":"2026-12-01T00:00:00Z","time":"12","request":{"method":"GET","url":"http://h/x"},"response":{"status":200}});
    let har = serde_json::json!({"log":{"version":"1.2","entries":[bad.clone(), bad.clone(), bad]}});
    let file = dir.join("all-bad.har");
    std::fs::write(&file, har.to_string()).unwrap();
    assert_bad_input(
        file.to_str().unwrap(),
        "no entry could be read (all 3 entries skipped; first: entry 0: invalid type: string \"12\"",
    );
}

#[test]
fn a_multi_page_har_is_analysed_per_page_and_a_navigation_resets() {
    let r = analyze_json("har/producers/chrome-two-pages.har");
    let got: Vec<(String, String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["page"].as_str().unwrap_or("").to_string(),
                f["detector"].as_str().unwrap().to_string(),
                f["evidence"]["urls"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "http://127.0.0.1:8477/a.html".into(),
                "duplicate-request".into(),
                "http://127.0.0.1:8477/api/cart".into()
            ),
            (
                "http://127.0.0.1:8477/b.html".into(),
                "duplicate-request".into(),
                "http://127.0.0.1:8477/api/me".into()
            ),
        ],
        "{r:#}"
    );
    let text = run(&["analyze", &fixture("har/producers/chrome-two-pages.har")]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("-- page 1 of 2: http://127.0.0.1:8477/a.html"), "{text}");
    assert!(text.contains("-- page 2 of 2: http://127.0.0.1:8477/b.html"), "{text}");
    assert!(text.contains("total: 2 finding(s) on 2 pages"), "{text}");

    // The near miss: the same requests without page boundaries. The poll (3 + 3
    // requests) and the profile fetched again by the second page are then one
    // session's, which is exactly what a navigation must reset.
    let mut har: Value =
        serde_json::from_slice(&std::fs::read(fixture("har/producers/chrome-two-pages.har")).unwrap()).unwrap();
    for e in har["log"]["entries"].as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("pageref");
    }
    har["log"]["pages"] = serde_json::json!([]);
    let dir = temp_dir("onepage");
    let file = dir.join("one-page.har");
    std::fs::write(&file, har.to_string()).unwrap();
    let out = run(&["analyze", file.to_str().unwrap(), "--format", "json"]);
    let one: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        detectors(&one),
        [
            "duplicate-request",
            "duplicate-request",
            "duplicate-request",
            "polling-loop"
        ],
        "{one:#}"
    );
    assert!(one["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("page").is_none()));

    // A saved report of the multi-page HAR replays page by page too.
    let saved = dir.join("two-pages.json");
    std::fs::write(&saved, serde_json::to_string(&r).unwrap()).unwrap();
    let out = run(&["analyze", saved.to_str().unwrap(), "--format", "json"]);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["findings"], again["findings"]);
}

#[test]
fn standard_input_gzip_and_zip_are_read() {
    let plain = analyze_json("har/chrome-polling.har");
    let har = std::fs::read(fixture("har/chrome-polling.har")).unwrap();
    let out = run_with_stdin(&["analyze", "-", "--format", "json"], &har);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["findings"], plain["findings"]);

    let gz = analyze_json("har/archives/chrome-polling.har.gz");
    assert_eq!(gz["findings"], plain["findings"]);
    let gz_bytes = std::fs::read(fixture("har/archives/chrome-polling.har.gz")).unwrap();
    let out = run_with_stdin(&["analyze", "-", "--format", "json"], &gz_bytes);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["findings"], plain["findings"]);

    // A CI artifact: two HARs (one deflated, one stored) beside files that are not HARs.
    let zip = fixture("har/archives/ci-artifact.zip");
    let out = run(&["analyze", &zip, "--fail-on", "warning"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("== {zip}:playwright-report/data/chrome-duplicates.har")),
        "{text}"
    );
    assert!(text.contains("== summary"), "{text}");
    assert!(
        text.contains(&format!(
            "{zip}:playwright-report/data/chrome-duplicates.har: 1 finding(s) (0 error, 1 warning, 0 info)"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{zip}:playwright-report/data/chrome-clean.har: 0 finding(s)")),
        "{text}"
    );
    assert!(
        !text.contains("screenshot.png") && !text.contains("index.html"),
        "{text}"
    );
}

#[test]
fn several_files_in_one_run_each_get_a_summary_line_and_a_bad_one_exits_2() {
    let dir = temp_dir("several");
    let missing = dir.join("missing.har");
    let clean = fixture("har/chrome-clean.har");
    let dup = fixture("har/chrome-duplicates.har");
    let out = run(&["analyze", &clean, &dup, missing.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}{err}");
    assert!(
        text.contains(&format!(
            "{clean}: 0 finding(s) (0 error, 0 warning, 0 info), 11 requests"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{dup}: 1 finding(s) (0 error, 1 warning, 0 info)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}: error: cannot read", missing.display())),
        "{text}"
    );
    assert!(err.contains("missing.har: cannot read"), "{err}");
    // Without the bad file, the findings decide.
    let out = run(&["analyze", &clean, &dup, "--fail-on", "warning", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("stormwatch: {dup}: 1 finding(s)")),
        "summary on stderr for JSON: {err}"
    );
}

#[test]
fn a_report_saved_without_events_shows_its_findings_and_fail_on_applies() {
    // What the demo used to save: the summary, findings without the event log.
    let dir = temp_dir("summary");
    let mut report = analyze_json("har/chrome-polling.har");
    assert!(!findings(&report, "polling-loop").is_empty());
    report["events"] = serde_json::json!([]);
    let file = dir.join("polling-summary.json");
    std::fs::write(&file, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    let path = file.to_str().unwrap();

    let out = run(&["analyze", path, "--fail-on", "warning"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}{err}");
    assert!(text.contains("[polling-loop]"), "{text}");
    assert!(text.contains("1 finding(s)"), "{text}");
    assert!(text.contains("could not be replayed"), "{text}");
    assert!(err.contains("could not be replayed"), "{err}");
    let out = run(&["analyze", path, "--format", "json"]);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["findings"], report["findings"]);
    // Settings still apply: a disabled detector's recorded findings are not shown.
    let cfg = dir.join("off.toml");
    std::fs::write(&cfg, "disabled = [\"polling-loop\"]\n").unwrap();
    let out = run(&["analyze", path, "--fail-on", "info", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn no_input_makes_it_panic() {
    let dir = temp_dir("fuzz");
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("braces".into(), b"{}".to_vec()),
        ("log".into(), br#"{"log":{}}"#.to_vec()),
        ("log-null".into(), br#"{"log":null}"#.to_vec()),
        ("entries-null".into(), br#"{"log":{"entries":null}}"#.to_vec()),
        ("array".into(), b"[]".to_vec()),
        ("nul".into(), vec![0; 16]),
        (
            "deep-array".into(),
            format!(r#"{{"log":{{"entries":{}}}}}"#, "[".repeat(50_000)).into_bytes(),
        ),
    ];
    // A custom field of ten nested levels of junk, and one of every JSON type.
    let deep = "{\"a\":[".repeat(10) + "null" + &"]}".repeat(10);
    let junk = format!(
        r#"{{"log":{{"entries":[{{"startedDateTime":"2026-12-01T00:00:00.5+02:00","time":-1,"request":{{"method":"GET","url":"http://h/a","headers":null}},"response":{{"status":0}},"_junk":{deep},"_initiator":[1,{{}}],"_initiator_line":{{}},"_transferSize":"x","_fromCache":true,"_resourceType":9}}]}}}}"#
    );
    cases.push(("junk".into(), junk.clone().into_bytes()));
    for name in ["chrome-two-pages", "webpagetest", "playwright", "sitespeed-chrome-har"] {
        let bytes = std::fs::read(fixture(&format!("har/producers/{name}.har"))).unwrap();
        for cut in (0..bytes.len()).step_by(bytes.len() / 23 + 1) {
            cases.push((format!("{name}-{cut}"), bytes[..cut].to_vec()));
        }
    }
    for (name, body) in cases {
        let file = dir.join(format!("{name}.har"));
        std::fs::write(&file, &body).unwrap();
        let out = run(&["analyze", file.to_str().unwrap(), "--format", "json"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(matches!(out.status.code(), Some(0..=2)), "{name}: {out:?}");
        if out.status.code() == Some(2) {
            assert!(err.starts_with("stormwatch: "), "{name}: {err}");
        }
    }
    let file = dir.join("junk.har");
    std::fs::write(&file, junk).unwrap();
    let out = run(&["analyze", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["stats"]["requests"], 1);
}

#[test]
fn a_saved_report_keeps_saying_devtools_was_not_heard_under_a_flood() {
    let dir = std::env::temp_dir().join(format!("stormwatch-cli-paused-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut report: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("reports/react-storm.json")).unwrap()).unwrap();
    let text = |path: &std::path::Path| {
        let out = run(&["analyze", path.to_str().unwrap()]);
        String::from_utf8(out.stdout).unwrap()
    };
    let saved = dir.join("plain.json");
    std::fs::write(&saved, report.to_string()).unwrap();
    assert!(!text(&saved).contains("paused"));
    report["stats"]["devtools_paused_ms"] = 12_400.into();
    let saved = dir.join("paused.json");
    std::fs::write(&saved, report.to_string()).unwrap();
    let out = text(&saved);
    assert!(
        out.contains("DevTools' request details paused for 12 s under a flood"),
        "{out}"
    );
    let out = run(&["analyze", saved.to_str().unwrap(), "--format", "json"]);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["stats"]["devtools_paused_ms"], 12_400);
}
