use crate::detect::testkit::Kit;
use crate::event::{Event, NetworkEntry};

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
    assert_eq!(t.engine.stats().events_not_logged, 120_000 - 50_000);
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
    assert_eq!(s.events_not_logged, 10_000);
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
    use crate::event::Focus;
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
