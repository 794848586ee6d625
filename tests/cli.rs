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
        md.contains("### ERROR `error-burst`: POST /api/_error failed 6 of 6 times"),
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
