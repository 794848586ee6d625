use crate::detect::testkit::Kit;
use crate::model::event::{Event, NetworkEntry};

fn net(url: &str, t: f64, dur: f64, initiator: Option<&str>) -> Event {
    Event::Network(Box::new(NetworkEntry {
        method: "GET".into(),
        url: url.into(),
        t,
        duration: dur,
        status: 200,
        resource_type: "fetch".into(),
        content_size: Some(10),
        body: Some(String::new()),
        initiator: initiator.map(str::to_string),
        ..NetworkEntry::default()
    }))
}

#[test]
fn page_and_devtools_records_merge_in_either_order() {
    let mut t = Kit::new();
    // DevTools first, then the page's start: one request.
    t.engine
        .ingest(net("http://h/a", 100.0, 20.0, Some("http://h/app.js:3:1")));
    t.start(1, "GET", "http://h/a", 99.0);
    t.end(1, 121.0);
    // Page first, then DevTools.
    t.start(2, "GET", "http://h/b", 500.0);
    t.engine.ingest(net("http://h/b", 501.0, 20.0, None));
    t.end(2, 521.0);
    assert_eq!(t.engine.stats().requests, 2);
    let a = t.engine.requests().next().unwrap();
    assert!(a.from_page && a.from_devtools);
    assert_eq!(a.initiator.as_deref(), Some("http://h/app.js:3:1"));
    t.assert_none("duplicate-request");
}

#[test]
fn duplicates_seen_only_by_devtools_carry_their_initiator() {
    let mut t = Kit::new();
    t.engine
        .ingest(net("http://h/cfg", 0.0, 50.0, Some("http://h/a.js:1:1")));
    t.engine
        .ingest(net("http://h/cfg", 10.0, 50.0, Some("http://h/b.js:2:2")));
    let f = t.only("duplicate-request");
    assert_eq!(f.count, 2);
    assert_eq!(f.evidence.sources, vec!["http://h/b.js:2:2".to_string()]);
}

#[test]
fn resent_page_events_are_not_counted_twice() {
    let mut t = Kit::new();
    t.start(1, "GET", "http://h/a", 0.0);
    t.start(1, "GET", "http://h/a", 0.0);
    assert_eq!(t.engine.stats().requests, 1);
    t.assert_none("duplicate-request");
}

#[test]
fn a_flood_of_distinct_urls_stays_bounded() {
    let mut t = Kit::new();
    for i in 0..60_000u64 {
        let at = i as f64;
        t.request(i, "GET", &format!("http://h/item/{i}"), at, at + 1.0);
    }
    assert_eq!(t.engine.stats().requests, 60_000);
    assert!(t.engine.requests().count() <= 20_000);
    assert!(t.engine.events().count() <= 50_000);
    let s = t.engine.stats();
    assert_eq!(t.engine.events().count() as u64 + s.events_not_logged, 120_000);
    assert!(s.events_not_logged >= 120_000 - 50_000);
    assert!(s.log_bytes_dropped > 0);
}

#[test]
fn every_event_is_logged_or_counted_even_the_ends_of_requests_that_left_the_ring() {
    // All starts first, then all ends (a Promise.all flood): the first 10,000 ends
    // find no request any more, and must still be logged for replay.
    let mut t = Kit::new();
    for i in 0..30_000u64 {
        t.start(i, "GET", &format!("http://h/item/{i}"), i as f64);
    }
    for i in 0..30_000u64 {
        t.end(i, 40_000.0 + i as f64);
    }
    let s = t.engine.stats();
    assert_eq!(s.events, 60_000);
    assert_eq!(t.engine.events().count() as u64 + s.events_not_logged, 60_000);
    assert!(s.events_not_logged >= 10_000);
}

#[test]
fn clear_keeps_late_reports_of_earlier_requests_out() {
    let mut t = Kit::new();
    for i in 0..4u64 {
        t.start(i, "GET", "http://h/api/profile", 1_000.0 + i as f64);
    }
    assert!(!t.engine.findings().is_empty());
    t.engine = t.engine.fresh();
    // DevTools' log of those four requests arrives after the Clear.
    for i in 0..4u64 {
        t.net("http://h/api/profile", 1_000.0 + i as f64, 120.0, |_| {});
    }
    assert!(t.engine.findings().is_empty(), "{:#?}", t.engine.findings());
    assert_eq!(t.engine.stats().requests, 0);
    // What happens afterwards is analyzed as usual.
    for i in 10..14u64 {
        t.start(i, "GET", "http://h/api/profile", 5_000.0 + i as f64);
    }
    assert_eq!(t.engine.findings().len(), 1);
}

#[test]
fn a_steady_poll_is_reported_as_polling_not_as_duplicates() {
    let mut t = Kit::new();
    for i in 0..6u64 {
        let at = i as f64 * 1500.0;
        t.request(i, "GET", "http://h/api/jobs/1", at, at + 30.0);
    }
    t.only("polling-loop");
    t.assert_none("duplicate-request");
}

#[test]
fn copies_in_flight_together_stay_duplicates_even_inside_a_poll() {
    let mut t = Kit::new();
    for i in 0..6u64 {
        let at = i as f64 * 1500.0;
        t.request(i, "GET", "http://h/api/jobs/1", at, at + 30.0);
    }
    t.start(50, "GET", "http://h/api/jobs/1", 7600.0);
    t.start(51, "GET", "http://h/api/jobs/1", 7601.0);
    assert!(t.only("duplicate-request").count >= 2);
}

#[test]
fn refetches_right_after_a_focus_change_are_not_duplicates_or_polls() {
    use crate::model::event::Focus;
    let mut t = Kit::new();
    for i in 0..5u64 {
        let at = i as f64 * 500.0;
        t.engine.ingest(Event::Focus(Focus {
            t: at,
            focused: i % 2 == 0,
        }));
        t.request(i, "GET", "http://h/api/todos", at + 3.0, at + 40.0);
    }
    t.assert_none("duplicate-request");
    t.assert_none("polling-loop");
    assert!(t.engine.requests().all(|r| r.provoked));
}

/// A fixed, mixed event stream: page-side starts and ends, DevTools' log of the
/// same requests (some before the page's start, some after, some only one side),
/// route changes, visibility and focus flips. Deterministic, no randomness.
pub(crate) fn mixed_stream(requests: u64) -> Vec<Event> {
    use crate::model::event::{Api, Focus, RequestEnd, RequestStart, RouteChange, Visibility};
    let mut out = Vec::new();
    let t0 = 1_796_083_200_000.0;
    for i in 0..requests {
        let t = t0 + i as f64 * 37.0;
        if i % 400 == 0 {
            out.push(Event::Route(RouteChange {
                t: t - 1.0,
                url: format!("http://h/page/{}", i / 400),
                kind: "push".into(),
            }));
        }
        if i % 700 == 350 {
            out.push(Event::Visibility(Visibility {
                t: t - 2.0,
                hidden: (i / 700) % 2 == 0,
            }));
        }
        if i % 900 == 5 {
            out.push(Event::Focus(Focus {
                t: t - 3.0,
                focused: true,
            }));
        }
        let url = match i % 7 {
            0 => format!("http://h/api/items/{}", i % 20),
            1 => "http://h/api/status?_=1".to_string(),
            2 => format!("http://h/api/search?q=term{}", i % 13),
            3 => format!("http://h/api/users/{}/posts", 1000 + i % 9),
            4 => "http://h/api/config".to_string(),
            5 => format!("http://h/api/feed?page={}", i % 3),
            _ => format!("http://h/img/{}.png", i % 20),
        };
        let page_side = i % 7 != 6;
        let devtools_side = i % 11 != 3;
        let net = Event::Network(Box::new(NetworkEntry {
            method: "GET".into(),
            url: url.clone(),
            t: t + 0.5,
            duration: 20.0 + (i % 17) as f64 * 9.0,
            status: if i % 53 == 0 { 500 } else { 200 },
            resource_type: if page_side { "fetch".into() } else { "image".into() },
            mime_type: Some(if page_side { "application/json" } else { "image/png" }.into()),
            transfer_size: Some(300 + (i % 97) * 40),
            content_size: Some(900 + (i % 97) * 120),
            body: Some(String::new()),
            initiator: Some(format!("http://h/app.js:{}:7", 10 + i % 5)),
            ..NetworkEntry::default()
        }));
        let start = Event::RequestStart(RequestStart {
            id: i,
            api: Api::Fetch,
            method: "GET".into(),
            url,
            t,
            body: Some(String::new()),
            keepalive: false,
            range: false,
            op: None,
        });
        let end = Event::RequestEnd(RequestEnd {
            id: i,
            t: t + 20.0 + (i % 17) as f64 * 9.0,
            status: if i % 53 == 0 { 500 } else { 200 },
            outcome: crate::model::event::Outcome::Ok,
            content_type: Some("application/json".into()),
            content_length: Some(900 + (i % 97) * 120),
            content_encoding: None,
            cache_control: None,
        });
        match (page_side, devtools_side, i % 3) {
            (true, true, 0) => out.extend([start, net, end]),
            (true, true, 1) => out.extend([net, start, end]),
            (true, true, _) => out.extend([start, end, net]),
            (true, false, _) => out.extend([start, end]),
            (false, true, _) => out.push(net),
            (false, false, _) => {}
        }
    }
    out
}

/// The findings of a fixed input as JSON, to compare with a golden file. The golden
/// files pin what the engine finds, so engine work (speed, memory, merging) can be
/// checked to change nothing. When a detector's output changes on purpose, rewrite
/// them with `STORMWATCH_UPDATE_GOLDEN=1 cargo test --lib engine::tests::golden`.
fn golden_check(name: &str, engine: &crate::Engine) {
    let got = serde_json::to_string_pretty(&serde_json::json!({
        "requests": engine.stats().requests,
        "findings": engine.findings(),
    }))
    .unwrap()
        + "\n";
    let path = format!("{}/tests/fixtures/golden/{name}.json", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("STORMWATCH_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    if got != want {
        let line = got.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name}: findings differ from {path} at line {}:\n  got:  {}\n  want: {}",
            line + 1,
            got.lines().nth(line).unwrap_or(""),
            want.lines().nth(line).unwrap_or("")
        );
    }
}

#[test]
fn golden_findings_of_the_fixtures_are_unchanged() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(format!("{dir}/har"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".har"))
        .collect();
    names.sort();
    for name in names {
        let text = std::fs::read_to_string(format!("{dir}/har/{name}")).unwrap();
        let input = crate::input::session::parse(&text).unwrap();
        let engine = crate::input::session::replay(input, &crate::Config::default());
        golden_check(&format!("har-{}", name.trim_end_matches(".har")), &engine);
    }
    let text = std::fs::read_to_string(format!("{dir}/reports/react-storm.json")).unwrap();
    let engine = crate::input::session::replay(crate::input::session::parse(&text).unwrap(), &crate::Config::default());
    golden_check("report-react-storm", &engine);
}

#[test]
fn golden_findings_of_a_mixed_page_and_devtools_stream_are_unchanged() {
    let mut engine = crate::Engine::new(&crate::Config::default());
    for e in mixed_stream(1_800) {
        engine.ingest(e);
    }
    golden_check("mixed-1800", &engine);
}

// Exact counts: a request seen by the page hook and by DevTools' log is one
// request, whatever order its halves arrive in.

fn devtools(url: &str, t: f64) -> Event {
    net(url, t, 12.5, Some("http://h/app.js:1:1"))
}

#[test]
fn page_start_then_devtools_then_page_end_is_one_request() {
    let mut t = Kit::new();
    t.start(1, "GET", "http://h/a?x=1", 100.0);
    t.engine.ingest(devtools("http://h/a?x=1", 100.4));
    t.end(1, 113.0);
    assert_eq!(t.engine.stats().requests, 1);
    let r = t.engine.requests().next().unwrap();
    assert!(r.from_page && r.from_devtools);
}

#[test]
fn devtools_log_of_a_flood_after_every_page_record_counts_each_request_once() {
    // 6,000 distinct URLs, all of the page's halves first (a late DevTools log).
    let mut t = Kit::new();
    for i in 0..6_000u64 {
        t.request(i, "GET", &format!("http://h/item/{i}"), i as f64, i as f64 + 5.0);
    }
    for i in 0..6_000u64 {
        t.engine.ingest(devtools(&format!("http://h/item/{i}"), i as f64 + 0.3));
    }
    assert_eq!(t.engine.stats().requests, 6_000);
}

#[test]
fn devtools_entries_before_the_page_starts_count_each_request_once() {
    // The panel opened late: getHAR() answers before the relay resends the page's history.
    let mut t = Kit::new();
    for i in 0..6_000u64 {
        t.engine.ingest(devtools(&format!("http://h/item/{i}"), i as f64 + 0.3));
    }
    for i in 0..6_000u64 {
        t.request(i, "GET", &format!("http://h/item/{i}"), i as f64, i as f64 + 5.0);
    }
    assert_eq!(t.engine.stats().requests, 6_000);
}

#[test]
fn devtools_entries_of_requests_that_left_the_ring_are_not_new_requests() {
    let mut t = Kit::new();
    let n = 25_000u64; // more than the ring holds
    for i in 0..n {
        t.request(i, "GET", &format!("http://h/item/{i}"), i as f64, i as f64 + 5.0);
    }
    assert!(t.engine.requests().count() < n as usize);
    for i in 0..n {
        t.engine.ingest(devtools(&format!("http://h/item/{i}"), i as f64 + 0.3));
    }
    assert_eq!(t.engine.stats().requests, n);
}

#[test]
fn a_devtools_entry_delivered_twice_is_one_request() {
    // getHAR() and onRequestFinished can both hand over the same entry.
    let mut t = Kit::new();
    t.start(1, "GET", "http://h/api/me", 100.0);
    t.engine.ingest(devtools("http://h/api/me", 100.4));
    t.engine.ingest(devtools("http://h/api/me", 100.4));
    t.end(1, 113.0);
    // ...and both before the page's half.
    t.engine.ingest(devtools("http://h/api/team", 500.4));
    t.engine.ingest(devtools("http://h/api/team", 500.4));
    t.start(2, "GET", "http://h/api/team", 500.0);
    t.end(2, 513.0);
    assert_eq!(t.engine.stats().requests, 2);
    t.assert_none("duplicate-request");
}

#[test]
fn near_miss_two_real_requests_with_one_url_and_start_stay_two() {
    // Two copies issued in the same millisecond are two requests: their DevTools
    // entries differ in timing, so neither is taken for a repeat of the other.
    let mut t = Kit::new();
    t.start(1, "GET", "http://h/api/me", 100.0);
    t.start(2, "GET", "http://h/api/me", 100.0);
    t.engine.ingest(net("http://h/api/me", 100.4, 12.5, None));
    t.engine.ingest(net("http://h/api/me", 100.4, 13.25, None));
    assert_eq!(t.engine.stats().requests, 2);
    assert!(t.engine.requests().all(|r| r.from_page && r.from_devtools));
    assert_eq!(t.only("duplicate-request").count, 2);
}

#[test]
fn identical_urls_issued_concurrently_pair_one_to_one() {
    // Promise.all over 300 fetches of one URL, DevTools' entries after, and the
    // same with DevTools first.
    let mut t = Kit::new();
    for i in 0..300u64 {
        t.start(i, "GET", "http://h/api/same", 1_000.0 + i as f64 * 0.1);
    }
    for i in 0..300u64 {
        t.engine.ingest(net(
            "http://h/api/same",
            1_000.2 + i as f64 * 0.1,
            40.0 + i as f64 * 0.01,
            None,
        ));
    }
    for i in 0..300u64 {
        t.end(i, 1_100.0 + i as f64);
    }
    assert_eq!(t.engine.stats().requests, 300);
    for i in 0..300u64 {
        t.engine.ingest(net(
            "http://h/api/other",
            9_000.2 + i as f64 * 0.1,
            40.0 + i as f64 * 0.01,
            None,
        ));
    }
    for i in 300..600u64 {
        t.start(i, "GET", "http://h/api/other", 9_000.0 + (i - 300) as f64 * 0.1);
    }
    assert_eq!(t.engine.stats().requests, 600);
    assert!(t.engine.requests().all(|r| r.from_page && r.from_devtools));
}

#[test]
fn a_long_request_still_pairs_after_later_copies_of_its_url_started() {
    // An SSE or long poll: DevTools reports it only when it ends, 75 s later, after
    // the page has started the same URL again.
    let mut t = Kit::new();
    t.start(1, "GET", "http://h/api/stream", 0.0);
    t.start(2, "GET", "http://h/api/stream", 70_000.0);
    t.engine.ingest(net("http://h/api/stream", 0.5, 75_000.0, None));
    t.engine.ingest(net("http://h/api/stream", 70_000.5, 100.0, None));
    assert_eq!(t.engine.stats().requests, 2);
}

#[test]
fn devtools_only_assets_do_not_wait_for_a_page_half() {
    // Scripts and images never have a page half: they must not be held for one.
    let mut t = Kit::new();
    for i in 0..100u64 {
        t.net(&format!("http://h/img/{i}.png"), i as f64, 5.0, |n| {
            n.resource_type = "image".into()
        });
    }
    assert_eq!(t.engine.stats().requests, 100);
    assert_eq!(t.engine.waiting_for_page.len(), 0);
}

#[test]
fn a_flood_of_20000_requests_keeps_the_engine_within_its_byte_budget() {
    // Page start + end and DevTools' entry for each of 20,000 distinct URLs, three
    // floods in a row: what the engine keeps stays under budget and does not grow.
    const BUDGET: usize = 14 << 20;
    let mut t = Kit::new();
    let mut after = Vec::new();
    for round in 0..3u64 {
        for k in 0..20_000u64 {
            let i = round * 20_000 + k;
            let at = round as f64 * 1_000_000.0 + k as f64 * 0.05;
            let url = format!("http://127.0.0.1:8080/api/flood/{i}?page={}", k % 7);
            t.start(i, "GET", &url, at);
            t.engine.ingest(devtools(&url, at + 0.4));
            t.end(i, at + 39.0);
        }
        let s = t.engine.stats();
        assert_eq!(s.requests, (round + 1) * 20_000, "each request counted once");
        assert_eq!(t.engine.events().count() as u64 + s.events_not_logged, s.events);
        after.push(t.engine.retained_bytes());
    }
    assert!(
        after.iter().all(|b| *b <= BUDGET),
        "retained bytes per flood: {after:?}"
    );
    // Flat: the third flood leaves no more than the second (within 2%), and the
    // second no more than the first plus 10% (lookups that fill over the first two
    // floods: about 0.5 MB, a larger share since the replay log is 4 MiB).
    assert!(
        after[2] <= after[1] + after[1] / 50 && after[1] <= after[0] + after[0] / 10,
        "retained bytes per flood: {after:?}"
    );
    // What was dropped is counted, in events and in bytes.
    let s = t.engine.stats();
    assert!(s.events_not_logged > 0 && s.log_bytes_dropped > 0);
}

/// A distinct resource name per number ("ab", "ac", …): letters only, so the URL
/// shape keeps it (a name with digits would read as an id and group as one poll).
fn letters(k: u64) -> String {
    let a = |n: u64| (b'a' + (n % 26) as u8) as char;
    format!("{}{}", a(k / 26), a(k))
}

#[test]
fn past_50_findings_a_detector_reports_how_many_more_it_found() {
    let mut t = Kit::new();
    // 80 distinct endpoints each polled steadily: 80 polling loops.
    for round in 0..5u64 {
        for k in 0..80u64 {
            let at = round as f64 * 2_000.0 + k as f64;
            t.request(
                round * 1000 + k,
                "GET",
                &format!("http://h/api/poll-{}", letters(k)),
                at,
                at + 5.0,
            );
        }
    }
    let findings = t.engine.findings();
    let polls: Vec<_> = findings.iter().filter(|f| f.detector == "polling-loop").collect();
    assert_eq!(polls.len(), crate::detect::MAX_PER_DETECTOR + 1);
    let more = polls
        .iter()
        .find(|f| f.key == super::NOT_SHOWN_KEY)
        .expect("a summary finding");
    assert_eq!(more.count, 30);
    assert!(more.title.starts_with("30 more like these not shown"), "{}", more.title);
    assert_eq!(more.severity, crate::Severity::Info);
    assert_eq!(t.engine.stats().findings_not_shown.get("polling-loop"), Some(&30));
    // A stats block from an older report (no such field) still loads.
    let old: super::Stats = serde_json::from_str(r#"{"events":1,"dropped":0,"requests":1}"#).unwrap();
    assert!(old.findings_not_shown.is_empty());
}

#[test]
fn near_miss_exactly_50_findings_need_no_summary() {
    let mut t = Kit::new();
    for round in 0..5u64 {
        for k in 0..50u64 {
            let at = round as f64 * 2_000.0 + k as f64;
            t.request(
                round * 1000 + k,
                "GET",
                &format!("http://h/api/poll-{}", letters(k)),
                at,
                at + 5.0,
            );
        }
    }
    let findings = t.engine.findings();
    assert_eq!(findings.iter().filter(|f| f.detector == "polling-loop").count(), 50);
    assert!(findings.iter().all(|f| f.key != super::NOT_SHOWN_KEY));
    assert!(t.engine.stats().findings_not_shown.is_empty());
}

// The engine's promise to detectors (see `Detector`): each hook once per request,
// whatever order the halves arrive in and however often each is delivered.

/// Counts every hook call per (request, hook), and how often `count_once` said yes.
struct Recorder(std::rc::Rc<std::cell::RefCell<std::collections::BTreeMap<(u64, &'static str), usize>>>);

impl Recorder {
    fn note(&self, req: &crate::model::request::Request, hook: &'static str) {
        *self.0.borrow_mut().entry((req.id, hook)).or_default() += 1;
    }
}

impl crate::detect::Detector for Recorder {
    fn on_start(
        &mut self,
        req: &crate::model::request::Request,
        _: &crate::detect::PageState,
        _: &mut crate::detect::Findings,
    ) {
        self.note(req, "start");
    }
    fn on_end(
        &mut self,
        req: &crate::model::request::Request,
        _: &crate::detect::PageState,
        _: &mut crate::detect::Findings,
    ) {
        self.note(req, "end");
    }
    fn on_enrich(&mut self, req: &crate::model::request::Request, _: &mut crate::detect::Findings) {
        self.note(req, "enrich");
    }
    fn on_settled(
        &mut self,
        req: &crate::model::request::Request,
        _: &crate::detect::PageState,
        _: &mut crate::detect::Findings,
    ) {
        self.note(req, "settled");
        if req.count_once(crate::detect::index_of(crate::detect::slow_request::ID)) {
            self.note(req, "counted");
        }
    }
}

/// A Kit whose engine runs only a `Recorder` (no detector shares its `count_once` bit).
fn recording() -> (
    Kit,
    std::rc::Rc<std::cell::RefCell<std::collections::BTreeMap<(u64, &'static str), usize>>>,
) {
    let mut cfg = crate::Config::default();
    cfg.disabled = crate::detect::DETECTORS.iter().map(|d| d.id.to_string()).collect();
    let mut t = Kit::with(cfg);
    let calls = std::rc::Rc::new(std::cell::RefCell::new(Default::default()));
    t.engine.detectors.push(Box::new(Recorder(calls.clone())));
    (t, calls)
}

#[test]
fn each_detector_hook_fires_once_per_request_in_any_order_and_on_any_repeat() {
    #[derive(Clone, Copy, Debug)]
    enum Half {
        Start,
        End,
        DevTools,
    }
    use Half::*;
    // (order of the halves, settles expected: one per half that brings news)
    let orders: [([Half; 3], usize, usize); 3] = [
        ([Start, End, DevTools], 1, 2), // the page's end, then DevTools' sizes
        ([Start, DevTools, End], 1, 1), // DevTools brings end and sizes at once
        ([DevTools, Start, End], 0, 1), // DevTools first: nothing left to add
    ];
    for (order, enrich, settled) in orders {
        for copies in [1, 2, 3] {
            let (mut t, calls) = recording();
            for half in order {
                for _ in 0..copies {
                    match half {
                        Start => t.start(1, "GET", "http://h/api/a?x=1", 100.0),
                        End => t.end(1, 113.0),
                        DevTools => t.engine.ingest(devtools("http://h/api/a?x=1", 100.4)),
                    }
                }
            }
            assert_eq!(t.engine.stats().requests, 1, "{order:?} ×{copies}");
            let got = calls.borrow().clone();
            let n = |hook| got.get(&(1, hook)).copied().unwrap_or(0);
            let what = format!("{order:?}, each delivered {copies}×: {got:?}");
            assert_eq!(n("start"), 1, "{what}");
            assert_eq!(n("end"), 1, "{what}");
            assert_eq!(n("enrich"), enrich, "{what}");
            assert_eq!(n("settled"), settled, "{what}");
            assert_eq!(n("counted"), 1, "{what}");
        }
    }
}

#[test]
fn an_abort_the_page_reports_after_devtools_ended_the_request_ends_it_again_once() {
    let (mut t, calls) = recording();
    t.start(1, "GET", "http://h/api/a", 100.0);
    t.engine.ingest(devtools("http://h/api/a", 100.4));
    t.abort(1, 105.0);
    t.abort(1, 105.0);
    let got = calls.borrow().clone();
    assert_eq!(got.get(&(1, "end")), Some(&2), "{got:?}");
    assert_eq!(got.get(&(1, "counted")), Some(&1), "{got:?}");
    assert_eq!(
        t.engine.requests().next().unwrap().outcome,
        Some(crate::model::event::Outcome::Abort)
    );
}
