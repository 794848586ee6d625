//! # connection-leak
//!
//! ## What it detects
//! `EventSource` and `WebSocket` connections the page leaves open: more than one
//! open connection to the same URL, a number of open connections that keeps growing
//! (4 or more at once, each new peak reported), and connections still open after a
//! route change they were opened before (the component that opened them is gone).
//!
//! ## Why it matters
//! Each open connection holds a socket, server resources, and listeners that keep
//! their closures (and whatever they reference) alive: the "SSE cleanup memory leak
//! on disconnect" and "socket listener accumulation" of real audits.
//!
//! ## Example
//! 3 EventSource connections open to `/api/events` (opened at 1.2 s, 4.0 s, 6.8 s),
//! still open after navigating to `/settings`.
//!
//! ## Thresholds
//! - `max_open` (4): open connections at once from which growth is reported (info;
//!   a warning from `warning_open` (6), an error from `error_open` (10)).
//! - `same_url_error` (3): connections open to one URL at once from which that is an
//!   error (two are a warning).

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::event::Event;
use crate::model::finding::{Metric, Severity};
use crate::model::urls;
use std::collections::BTreeMap;

thresholds!(ConnectionLeakConfig {
    /// Open connections at once from which growth is flagged (info), a warning, an error.
    max_open: usize = 4,
    warning_open: usize = 6,
    error_open: usize = 10,
    /// Connections open to one URL at once from which it is an error (2 is a warning).
    same_url_error: usize = 3,
});

pub const ID: &str = "connection-leak";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Leaked connections",
    doc: include_str!(concat!(env!("OUT_DIR"), "/connection_leak.doc")),
    build: |c| Box::new(ConnectionLeak::new(c)),
};

struct Open {
    kind: String,
    url: String,
    t: f64,
    route_epoch: usize,
}

pub struct ConnectionLeak {
    cfg: ConnectionLeakConfig,
    open: BTreeMap<u64, Open>,
    peak: usize,
}

impl ConnectionLeak {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.connection_leak.clone(),
            open: BTreeMap::new(),
            peak: 0,
        }
    }

    fn label(kind: &str) -> &'static str {
        if kind == "websocket" {
            "WebSocket"
        } else {
            "EventSource"
        }
    }

    fn same_url(&self, url: &str, at: f64, out: &mut Findings) {
        let same: Vec<&Open> = self.open.values().filter(|o| o.url == url).collect();
        if same.len() < 2 {
            return;
        }
        let kind = Self::label(&same[0].kind);
        let opened: Vec<String> = same.iter().map(|o| format!("{:.1} s", o.t / 1000.0)).collect();
        let n = same.len();
        let cfg = &self.cfg;
        out.upsert(ID, &format!("same {url}"), at, |f| {
            f.count = f.count.max(n as u64);
            f.evidence.add_url(url);
            f.metrics.insert("open_to_this_url".into(), Metric::Num(n as f64));
            f.metrics
                .insert("opened_at_epoch_s".into(), Metric::Text(opened.join(", ")));
            f.severity = if n >= cfg.same_url_error {
                Severity::Error
            } else {
                Severity::Warning
            };
            f.title = format!("{n} {kind} connections open to {} at once", urls::short(url));
            f.advice = "Open one connection per stream and share it (a module-level singleton or context), \
                        and close it in the effect's cleanup (`return () => source.close()`)."
                .into();
        });
    }
}

impl Detector for ConnectionLeak {
    fn on_page(&mut self, event: &Event, page: &PageState, out: &mut Findings) {
        match event {
            Event::ConnectionOpen(c) => {
                if self.open.len() >= 10_000 {
                    return;
                }
                let route_epoch = page.routes.len();
                self.open.insert(
                    c.id,
                    Open {
                        kind: c.kind.clone(),
                        url: c.url.clone(),
                        t: c.t,
                        route_epoch,
                    },
                );
                self.same_url(&c.url, c.t, out);
                let n = self.open.len();
                if n >= self.cfg.max_open && n > self.peak {
                    self.peak = n;
                    let urls: Vec<String> = self.open.values().map(|o| o.url.clone()).collect();
                    let cfg = &self.cfg;
                    out.upsert(ID, "growing", c.t, |f| {
                        f.count = n as u64;
                        for u in &urls {
                            f.evidence.add_url(u);
                        }
                        f.metrics.insert("open_now".into(), Metric::Num(n as f64));
                        // A few sockets are normal (the app's, a chat widget's); a climbing count is not.
                        f.severity = if n >= cfg.error_open {
                            Severity::Error
                        } else if n >= cfg.warning_open {
                            Severity::Warning
                        } else {
                            Severity::Info
                        };
                        f.title = format!("{n} connections open at once and growing");
                        f.advice = "Something opens connections without closing the previous ones: close them \
                                    when the component unmounts or before opening a new one."
                            .into();
                    });
                }
            }
            Event::ConnectionClose(c) => {
                self.open.remove(&c.id);
            }
            Event::Route(r) => {
                let epoch = page.routes.len();
                let stale: Vec<(String, String, f64)> = self
                    .open
                    .values()
                    .filter(|o| o.route_epoch < epoch)
                    .map(|o| (o.kind.clone(), o.url.clone(), o.t))
                    .collect();
                for (kind, url, opened) in stale {
                    let kind = Self::label(&kind);
                    out.upsert(ID, &format!("route {url}"), r.t, |f| {
                        f.count += 1;
                        f.evidence.add_url(&url);
                        f.metrics
                            .insert("opened_at_s".into(), Metric::Num((opened / 1000.0).round()));
                        f.metrics
                            .insert("route_changes_survived".into(), Metric::Num(f.count as f64));
                        f.severity = Severity::Info;
                        f.title = format!(
                            "{kind} to {} still open after navigating to {}",
                            urls::short(&url),
                            urls::short(&r.url)
                        );
                        f.advice = "If only the previous screen needed it, close it in that screen's cleanup; \
                                    if the whole app needs it, open it once at the app level."
                            .into();
                    });
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::model::event::{ConnectionClose, ConnectionOpen, Event};

    fn open(t: &mut Kit, id: u64, url: &str, at: f64) {
        t.engine.ingest(Event::ConnectionOpen(ConnectionOpen {
            id,
            kind: "eventsource".into(),
            url: url.into(),
            t: at,
        }));
    }

    fn close(t: &mut Kit, id: u64, at: f64) {
        t.engine.ingest(Event::ConnectionClose(ConnectionClose { id, t: at }));
    }

    #[test]
    fn two_open_connections_to_one_url_are_flagged() {
        let mut t = Kit::new();
        open(&mut t, 1, "http://h/api/events", 100.0);
        open(&mut t, 2, "http://h/api/events", 900.0);
        let f = t.only("connection-leak");
        assert!(
            f.title.contains("2 EventSource connections open to /api/events"),
            "{}",
            f.title
        );
    }

    #[test]
    fn connections_kept_across_a_route_change_and_growth_are_flagged() {
        let mut t = Kit::new();
        open(&mut t, 1, "http://h/a", 0.0);
        t.route(10.0, "http://h/next");
        open(&mut t, 2, "http://h/b", 20.0);
        open(&mut t, 3, "http://h/c", 30.0);
        open(&mut t, 4, "http://h/d", 40.0);
        let keys: Vec<String> = t.of("connection-leak").into_iter().map(|f| f.key).collect();
        assert!(keys.contains(&"route http://h/a".to_string()), "{keys:?}");
        assert!(keys.contains(&"growing".to_string()), "{keys:?}");
    }

    #[test]
    fn near_miss_reconnecting_after_closing_is_quiet() {
        let mut t = Kit::new();
        for i in 0..5u64 {
            open(&mut t, i, "http://h/api/events", i as f64 * 100.0);
            close(&mut t, i, i as f64 * 100.0 + 50.0);
        }
        t.route(1000.0, "http://h/x");
        t.assert_none("connection-leak");
    }
}
