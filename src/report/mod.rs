//! The session report (`stormwatch.report/1`): what the panel's Export button
//! downloads, what `window.stormwatch.report()` returns, what the CLI prints with
//! `--format json`. It embeds the events, so replaying it reproduces the findings.
//! Fields are only ever added, never renamed.

pub mod html;
pub mod markdown;
pub mod text;
pub mod timeline;

use crate::engine::components::ComponentRow;
use crate::engine::{Engine, Stats};
use crate::model::event::Event;
use crate::model::finding::{Finding, Severity};
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "stormwatch.report/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageRef {
    pub url: String,
    /// Session start, epoch milliseconds (finding times are relative to it).
    #[serde(default)]
    pub started_at: f64,
}

/// The report. `Events` is how its event log is held: a `Vec<Event>` when the
/// report is a value (read back from a file, merged, replayed), or an
/// [`EventLog`] borrowing the engine's log when it is written straight out (taking
/// a report must not double the panel's memory). One type, so the JSON written
/// and the JSON read back cannot drift apart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report<Events = Vec<Event>> {
    pub schema: String,
    pub tool: Tool,
    pub page: PageRef,
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// React components rendered, most renders first (empty without React).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentRow>,
    /// The ingested events, oldest first (see `stats.events_not_logged`).
    #[serde(default)]
    pub events: Events,
}

/// An engine's event log written as a report's `events` without copying it
/// (empty when the report is taken without events).
pub struct EventLog<'a> {
    engine: &'a Engine,
    with_events: bool,
}

impl Serialize for EventLog<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.with_events {
            s.collect_seq(self.engine.events())
        } else {
            s.collect_seq(std::iter::empty::<&Event>())
        }
    }
}

/// Components listed in a report.
const REPORT_COMPONENTS: usize = 200;

/// The self-contained HTML report of a session (see `html`).
pub fn html_of(engine: &Engine, source: &str, redact: bool) -> String {
    let report = Report::from_engine(engine, false);
    let svg = crate::report::timeline::Timeline::of(engine).svg(redact);
    html::render(&report, &svg, source, redact)
}

impl<Events> Report<Events> {
    /// The engine's report, its event log held as `events`.
    fn of(engine: &Engine, events: Events) -> Report<Events> {
        Report {
            schema: SCHEMA.to_string(),
            tool: Tool {
                name: "stormwatch".into(),
                version: crate::VERSION.into(),
            },
            page: PageRef {
                url: engine.page_url().to_string(),
                started_at: engine.origin(),
            },
            findings: engine.findings(),
            stats: engine.stats(),
            components: engine.components().rows(REPORT_COMPONENTS),
            events,
        }
    }

    /// What a report says when the panel stopped listening to DevTools under a flood.
    pub fn paused_note(&self) -> Option<String> {
        let ms = self.stats.devtools_paused_ms;
        (ms > 0).then(|| {
            format!(
                "DevTools' request details paused for {} s under a flood: those requests are counted, \
                 without initiators, headers or bodies",
                (ms as f64 / 1000.0).round().max(1.0)
            )
        })
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

impl<Events: Serialize> Report<Events> {
    /// Pretty JSON (the CLI's `--format json`). `redact`: replace secret-looking
    /// values (see `redact`), as every export should.
    pub fn to_json(&self, redact: bool) -> String {
        let mut v = match serde_json::to_value(self) {
            Ok(v) => v,
            Err(e) => return format!("{{\"error\":\"{e}\"}}"),
        };
        if redact {
            crate::model::redact::redact(&mut v);
        }
        serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

impl Report {
    pub fn from_engine(engine: &Engine, with_events: bool) -> Report {
        let events = if with_events {
            engine.events().cloned().collect()
        } else {
            Vec::new()
        };
        Report::of(engine, events)
    }

    /// The report's JSON straight from the engine, without copying its event log.
    /// `redact`: replace secret-looking values (see `redact`), as every export should.
    pub fn json_of(engine: &Engine, with_events: bool, redact: bool) -> String {
        if !redact {
            return Report::plain_json_of(engine, with_events);
        }
        let report = Report::of(engine, EventLog { engine, with_events });
        match serde_json::to_value(&report) {
            Ok(mut v) => {
                crate::model::redact::redact(&mut v);
                v.to_string()
            }
            Err(e) => format!("{{\"error\":\"{e}\"}}"),
        }
    }

    /// The report's JSON, not redacted. The panel exports this and redacts the text
    /// (`live::redact_json_text`): calling it rather than `json_of(.., false)` keeps
    /// the JSON-tree serializer of `json_of`'s redacting branch out of the wasm (a
    /// second copy of every report type's `Serialize`).
    pub fn plain_json_of(engine: &Engine, with_events: bool) -> String {
        let report = Report::of(engine, EventLog { engine, with_events });
        serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// `plain_json_of(engine, true)` in pieces, so the panel can write a big report
    /// a few hundred events at a time between frames (`window.stormwatch.report()`):
    /// the head (everything up to and including the event log's `[`; the log is the
    /// report's last field), then `events_json` for consecutive ranges of the log,
    /// then `"]}"`. Joined, the pieces are exactly `plain_json_of`'s text, as long as
    /// the engine did not change between them.
    pub fn plain_json_head(engine: &Engine) -> String {
        let mut head = Report::plain_json_of(engine, false);
        // `..."events":[]}`: the empty log and the closing brace are written by the
        // last piece. Anything else (an error text) is returned whole.
        if head.ends_with("[]}") {
            head.truncate(head.len() - 2);
        }
        head
    }

    /// The events `from..to` of the engine's log as they appear in the report's
    /// `events` array (comma-separated, with a leading comma unless `from` is 0).
    pub fn events_json(engine: &Engine, from: usize, to: usize) -> String {
        let mut out = String::new();
        for (i, e) in engine.events().enumerate().skip(from).take(to.saturating_sub(from)) {
            if i > 0 {
                out.push(',');
            }
            // An event that cannot be written (it never happens: they are plain
            // data) would make the whole report an error text in `plain_json_of`.
            if let Ok(text) = serde_json::to_string(e) {
                out.push_str(&text);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
