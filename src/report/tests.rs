//! The report's JSON pinned as text, and one finding read in every format.

use super::{html, markdown, text, Report};
use crate::model::finding::{Evidence, Finding, Metric, Severity};
use crate::model::present;

fn fixture(path: &str) -> String {
    let path = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A saved report (events, findings, components, stats) replayed and written
/// again. The golden file pins the JSON text a report is written as, so a
/// change to the report's types that would stop saved reports from loading, or
/// change what other tools read, shows up here. Rewrite it on purpose with
/// `STORMWATCH_UPDATE_GOLDEN=1 cargo test --lib report::tests`.
#[test]
fn golden_report_json_text_is_unchanged_and_reads_back_as_written() {
    let saved = fixture("reports/react-storm.json");
    let engine =
        crate::input::session::replay(crate::input::session::parse(&saved).unwrap(), &crate::Config::default());
    let report = Report::from_engine(&engine, true);
    assert!(!report.events.is_empty() && !report.components.is_empty() && !report.findings.is_empty());

    // The panel's export (borrowing the engine's log) and the value give one text.
    let streamed = Report::json_of(&engine, true, false);
    assert_eq!(streamed, serde_json::to_string(&report).unwrap());
    let without = Report::json_of(&engine, false, false);
    assert_eq!(
        without,
        serde_json::to_string(&Report::from_engine(&engine, false)).unwrap()
    );
    assert!(without.ends_with(",\"events\":[]}"), "{without}");

    // What is written reads back to the same report, and writes the same text.
    let back: Report = serde_json::from_str(&streamed).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), streamed);
    assert_eq!(back.to_json(true), report.to_json(true));

    let mut pinned = report.clone();
    pinned.tool.version = "(version)".into();
    let got = pinned.to_json(false) + "\n";
    let path = format!("{}/tests/fixtures/golden/report-json.json", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("STORMWATCH_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = fixture("golden/report-json.json");
    if got != want {
        let line = got.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "the report's JSON differs from {path} at line {}:\n  got:  {}\n  want: {}",
            line + 1,
            got.lines().nth(line).unwrap_or(""),
            want.lines().nth(line).unwrap_or("")
        );
    }
}

fn finding() -> Finding {
    let mut metrics = std::collections::BTreeMap::new();
    for (k, v) in [
        ("decoded_bytes", Metric::Num(1_234_567.0)),
        ("period_ms", Metric::Num(2000.0)),
        ("min_gap_ms", Metric::Num(0.4)),
        ("unchanged_share", Metric::Num(0.375)),
        ("renders_per_s", Metric::Num(18.0)),
        ("held_s", Metric::Num(75.0)),
        ("requests", Metric::Num(12.0)),
        ("ratio", Metric::Num(0.25)),
        ("while_hidden", Metric::Flag(false)),
        ("ids", Metric::Text("a_b, c*d".into())),
    ] {
        metrics.insert(k.to_string(), v);
    }
    Finding {
        detector: "polling-loop".into(),
        key: "k".into(),
        severity: Severity::Warning,
        title: "GET /api/feed polled every 2 s".into(),
        count: 12,
        first_ms: 1234.0,
        last_ms: 23_456.0,
        evidence: Evidence {
            urls: vec!["http://h/api/feed".into()],
            ..Default::default()
        },
        metrics,
        advice: "Stop it.".into(),
        page: None,
    }
}

fn report_of(f: Finding) -> Report {
    Report {
        schema: super::SCHEMA.into(),
        tool: super::Tool {
            name: "stormwatch".into(),
            version: "0".into(),
        },
        page: Default::default(),
        findings: vec![f],
        stats: Default::default(),
        components: Vec::new(),
        events: Vec::new(),
    }
}

#[test]
fn one_finding_reads_the_same_in_text_html_and_markdown() {
    let f = finding();
    let r = report_of(f.clone());
    let text = text::render(&r, false);
    let html = html::render(&r, "", "src", false);
    let md = markdown::render(&r, "src");

    let metrics = present::metrics(&f);
    let shown: Vec<String> = metrics.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    assert_eq!(
        shown,
        [
            "decoded: 1.2 MB",
            "held: 1 min 15 s",
            "ids: a_b, c*d",
            "min gap: 0.4 ms",
            "period: 2 s",
            "ratio: 0.25",
            "renders: 18/s",
            "requests: 12",
            "unchanged share: 38%",
            "while hidden: no",
        ]
    );
    let headline = "1.2 s – 23.5 s · ×12";
    assert_eq!(present::headline(&f), headline);

    // The same words in each format, written in that format's syntax.
    assert!(
        text.contains(&format!("        {headline}; {}\n", shown.join(", "))),
        "{text}"
    );
    assert!(
        html.contains(&format!("<div class=\"det\">polling-loop · {headline}</div>")),
        "{html}"
    );
    assert!(md.contains(&format!("- when: {headline}\n")), "{md}");
    for (name, value) in &metrics {
        let plain = format!("{name}: {value}");
        assert!(text.contains(&plain), "text lacks {plain}: {text}");
        let in_html = format!("<li>{name}: {}</li>", present::html(value));
        assert!(html.contains(&in_html), "HTML lacks {in_html}: {html}");
        let in_md = format!("- {name}: {}\n", present::markdown(value));
        assert!(md.contains(&in_md), "Markdown lacks {in_md}: {md}");
    }
    // Markdown escapes what would become emphasis; the rendered text is the same.
    assert!(md.contains("- ids: a_b, c\\*d\n"), "{md}");
}

#[test]
fn a_session_heard_without_devtools_for_a_while_says_so_in_every_format() {
    let mut r = report_of(finding());
    let quiet = [
        text::render(&r, false),
        html::render(&r, "", "src", false),
        markdown::render(&r, "src"),
    ];
    for out in &quiet {
        assert!(!out.contains("paused"), "{out}");
    }
    r.stats.devtools_paused_ms = 12_400;
    let note = "DevTools' request details paused for 12 s under a flood";
    let text = text::render(&r, false);
    assert!(text.contains(note), "{text}");
    let md = markdown::render(&r, "src");
    assert!(md.contains(note), "{md}");
    let html = html::render(&r, "", "src", false);
    assert!(
        html.contains("DevTools&#39; request details paused for 12 s under a flood"),
        "{html}"
    );
    // And the JSON keeps it, to be read back.
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"devtools_paused_ms\":12400"), "{json}");
}

#[test]
fn page_strings_cannot_add_markup_to_any_format() {
    let mut f = finding();
    f.title = "<img src=x onerror=alert(1)> **bold** `tick` \u{1b}[31mred".into();
    f.evidence.urls = vec!["http://h/a?x=`y`|<z>".into()];
    let r = report_of(f);
    let html = html::render(&r, "", "src", false);
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    let md = markdown::render(&r, "src");
    assert!(
        md.contains("\\<img src=x onerror=alert(1)> \\*\\*bold\\*\\* \\`tick\\` \\[31mred"),
        "{md}"
    );
    assert!(md.contains("- url: ``http://h/a?x=`y`\\|<z>``\n"), "{md}");
    let text = text::render(&r, false);
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("\\u{1b}[31mred"), "{text}");
}

/// `window.stormwatch.report()` writes a big report in pieces between frames: the
/// pieces, however the log is cut, and redacted one by one, join to exactly the
/// text written in one go (and redacted whole).
#[test]
fn a_report_written_in_pieces_is_the_report_written_at_once() {
    let saved = fixture("reports/react-storm.json");
    let engine =
        crate::input::session::replay(crate::input::session::parse(&saved).unwrap(), &crate::Config::default());
    let whole = Report::plain_json_of(&engine, true);
    let n = engine.events().count();
    assert!(n > 10, "{n}");
    for step in [1, 7, n, n + 5] {
        let head = Report::plain_json_head(&engine);
        assert!(head.ends_with("\"events\":["), "{head}");
        let mut text = crate::live::redact_json_text(&head);
        let mut from = 0;
        while from < n {
            let to = (from + step).min(n);
            text.push_str(&crate::live::redact_json_text(&Report::events_json(&engine, from, to)));
            from = to;
        }
        text.push_str("]}");
        assert_eq!(text, crate::live::redact_json_text(&whole), "step {step}");
    }
    // A session without events: the head and the end alone.
    let empty = crate::Engine::new(&crate::Config::default());
    assert_eq!(
        Report::plain_json_head(&empty) + "]}",
        Report::plain_json_of(&empty, true)
    );
}
