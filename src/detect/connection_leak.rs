//! # connection-leak
//!
//! ## What it detects
//! `EventSource` and `WebSocket` connections the page leaves open: more than one
//! open connection to the same URL, a number of open connections that keeps growing
//! (4 or more at once, each new peak reported), and connections still open a second
//! after a route change they were opened before (the component that opened them is
//! gone). Not the app's own connection: one opened as the app started, before any
//! route change, and never opened again while open (a notifications socket in a
//! provider at the root, a dev server's hot-reload socket) is meant to outlive
//! every screen. The grace second is the screen's own cleanup: React unmounts the
//! old screen just after the URL changes, and a widget that disconnects in its effect's
//! cleanup (socket.io's `socket.disconnect()`) closes its socket then. A socket that
//! failed to connect or that the server closed is closed, not leaked (a client
//! retrying a server that is down opens one socket after another).
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
//! - `route_grace_ms` (1000): how long after a route change a connection opened
//!   before it may still close before it counts as left open. It is judged at the
//!   page's next event after that (the hook samples memory every 2 s).

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
    /// How long after a route change the old screen may still close its connections.
    route_grace_ms: f64 = 1000.0,
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
    /// Already counted as left open after a route change.
    counted: bool,
    /// Another connection to its endpoint was opened while it was open: a screen
    /// that connects on each visit, not the app's one connection.
    repeated: bool,
}

/// A route change whose grace has not run out yet.
struct Pending {
    epoch: usize,
    t: f64,
    url: String,
}

pub struct ConnectionLeak {
    cfg: ConnectionLeakConfig,
    open: BTreeMap<u64, Open>,
    peak: usize,
    pending: Option<Pending>,
}

impl ConnectionLeak {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.connection_leak.clone(),
            open: BTreeMap::new(),
            peak: 0,
            pending: None,
        }
    }

    /// Once the latest route change's grace has run out (`now` is the time of the
    /// page's latest event): the connections opened before it and still open.
    /// One finding per endpoint (kind, origin and path: socket.io puts a new
    /// session id in each socket's query), counting each connection once.
    fn judge_route(&mut self, now: f64, out: &mut Findings) {
        let Some(p) = self.pending.take_if(|p| now >= p.t + self.cfg.route_grace_ms) else {
            return;
        };
        // One connection opened as the app started (before any route change) and never
        // opened again is the app's own (a notifications socket in a provider, a dev
        // server's hot-reload socket): it is meant to outlive every screen.
        let left = |o: &Open| o.route_epoch < p.epoch && (o.route_epoch > 0 || o.repeated);
        for o in self.open.values_mut().filter(|o| left(o)) {
            let kind = Self::label(&o.kind);
            let parts = urls::parts(&o.url);
            let first = !o.counted;
            o.counted = true;
            let (url, opened) = (&o.url, o.t);
            out.upsert(ID, &format!("route {kind} {}{}", parts.origin, parts.path), p.t, |f| {
                if first {
                    f.count += 1;
                }
                f.evidence.add_url(url);
                f.metrics
                    .insert("opened_at_s".into(), Metric::Num((opened / 1000.0).round()));
                f.metrics.insert("left_open".into(), Metric::Num(f.count as f64));
                f.severity = Severity::Info;
                let what = if f.count == 1 {
                    format!("{kind} to {}", urls::short(url))
                } else {
                    format!("{} {kind} connections to {}", f.count, urls::short(url))
                };
                f.title = format!("{what} still open after navigating to {}", urls::short(&p.url));
                f.advice = "If only the previous screen needed it, close it in that screen's cleanup; \
                            if the whole app needs it, open it once at the app level."
                    .into();
            });
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

/// The same origin and path (socket.io puts a new session id in each socket's query).
fn same_endpoint(a: &str, b: &str) -> bool {
    let (a, b) = (urls::parts(a), urls::parts(b));
    a.origin == b.origin && a.path == b.path
}

impl Detector for ConnectionLeak {
    fn on_start(&mut self, req: &crate::model::request::Request, _page: &PageState, out: &mut Findings) {
        // A request is the page's clock moving on too (sooner than its next sample).
        self.judge_route(req.start, out);
    }

    fn on_page(&mut self, event: &Event, page: &PageState, out: &mut Findings) {
        if let Some(t) = event.time() {
            self.judge_route(t, out);
        }
        match event {
            Event::ConnectionOpen(c) => {
                if self.open.len() >= 10_000 {
                    return;
                }
                let route_epoch = page.routes.len();
                let mut repeated = false;
                for o in self.open.values_mut() {
                    if o.kind == c.kind && same_endpoint(&o.url, &c.url) {
                        o.repeated = true;
                        repeated = true;
                    }
                }
                self.open.insert(
                    c.id,
                    Open {
                        kind: c.kind.clone(),
                        url: c.url.clone(),
                        t: c.t,
                        route_epoch,
                        counted: false,
                        repeated,
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
                // Judged once its grace has run out (a later route change takes its
                // place: the connections older than it are older than this one too).
                self.pending = Some(Pending {
                    epoch: page.routes.len(),
                    t: r.t,
                    url: r.url.clone(),
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;
    use crate::model::event::{ConnectionClose, ConnectionOpen, Event, MemorySample};

    fn connect(t: &mut Kit, kind: &str, id: u64, url: &str, at: f64) {
        t.engine.ingest(Event::ConnectionOpen(ConnectionOpen {
            id,
            kind: kind.into(),
            url: url.into(),
            t: at,
        }));
    }

    fn open(t: &mut Kit, id: u64, url: &str, at: f64) {
        connect(t, "eventsource", id, url, at);
    }

    fn websocket(t: &mut Kit, id: u64, url: &str, at: f64) {
        connect(t, "websocket", id, url, at);
    }

    fn close(t: &mut Kit, id: u64, at: f64) {
        t.engine.ingest(Event::ConnectionClose(ConnectionClose { id, t: at }));
    }

    /// The hook's memory sample, which comes every 2 s: the page's clock moving on.
    fn sample(t: &mut Kit, at: f64) {
        t.engine.ingest(Event::Memory(MemorySample {
            t: at,
            heap: None,
            nodes: None,
            intervals: None,
            connections: None,
        }));
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
        t.route(0.0, "http://h/feed");
        open(&mut t, 1, "http://h/a", 5.0);
        t.route(10.0, "http://h/next");
        open(&mut t, 2, "http://h/b", 20.0);
        open(&mut t, 3, "http://h/c", 30.0);
        open(&mut t, 4, "http://h/d", 40.0);
        sample(&mut t, 2000.0);
        let keys: Vec<String> = t.of("connection-leak").into_iter().map(|f| f.key).collect();
        assert!(keys.contains(&"route EventSource http://h/a".to_string()), "{keys:?}");
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

    #[test]
    fn near_miss_a_socket_the_old_screen_closes_in_its_cleanup_is_quiet() {
        // React unmounts the chat screen a few ms after the URL changed; its effect's
        // cleanup disconnects (socket.io: `socket.disconnect()`).
        let mut t = Kit::new();
        websocket(
            &mut t,
            1,
            "ws://h/socket.io/?EIO=4&transport=websocket&sid=FSDjXWRwSA4zTZMALqx1",
            100.0,
        );
        t.route(3000.0, "http://h/settings");
        close(&mut t, 1, 3012.0);
        sample(&mut t, 4000.0);
        sample(&mut t, 6000.0);
        t.assert_none("connection-leak");
    }

    #[test]
    fn sockets_left_open_after_a_route_change_are_one_finding_per_endpoint() {
        // A widget that connects on each visit and never disconnects: socket.io puts a
        // new session id in each socket's URL.
        let mut t = Kit::new();
        let sid = |n: u32| format!("ws://h/socket.io/?EIO=4&transport=websocket&sid=k{n}aZ93mQpXw2");
        t.route(50.0, "http://h/chat");
        websocket(&mut t, 1, &sid(1), 100.0);
        t.route(3000.0, "http://h/settings");
        // Not yet: the old screen may still close it.
        sample(&mut t, 3500.0);
        t.assert_none("connection-leak");
        sample(&mut t, 4000.0);
        let f = t.only("connection-leak");
        assert_eq!(f.count, 1);
        assert!(f.title.starts_with("WebSocket to /socket.io/"), "{}", f.title);
        assert!(
            f.title.ends_with("still open after navigating to /settings"),
            "{}",
            f.title
        );
        t.route(5000.0, "http://h/chat");
        websocket(&mut t, 2, &sid(2), 5010.0);
        t.route(7000.0, "http://h/settings");
        sample(&mut t, 8000.0);
        let f = t.only("connection-leak");
        assert_eq!(f.count, 2, "each socket counted once: {f:#?}");
        assert!(
            f.title.starts_with("2 WebSocket connections to /socket.io/"),
            "{}",
            f.title
        );
    }

    #[test]
    fn the_apps_own_socket_outlives_screens_until_it_is_opened_again() {
        let sid = |n: u32| format!("ws://h/socket.io/?EIO=4&transport=websocket&sid=k{n}aZ93mQpXw2");
        // Opened once as the app starts (a provider at the root), and a dev server's
        // hot-reload socket: the user goes back and forth, both stay open, by design.
        let mut t = Kit::new();
        websocket(&mut t, 1, &sid(1), 100.0);
        websocket(&mut t, 2, "ws://localhost:5173/?token=Zx81qPm2", 120.0);
        for (i, to) in ["settings", "chat", "settings", "chat"].iter().enumerate() {
            t.route(2000.0 * (i + 1) as f64, &format!("http://h/{to}"));
            sample(&mut t, 2000.0 * (i + 1) as f64 + 1500.0);
        }
        t.assert_none("connection-leak");
        // The chat screen connecting on each visit while the first is open: that one
        // was the screen's too, and both are left open.
        websocket(&mut t, 3, &sid(3), 9000.0);
        t.route(10_000.0, "http://h/settings");
        sample(&mut t, 11_500.0);
        let f = t.only("connection-leak");
        assert_eq!(f.count, 2, "{f:#?}");
    }
}
