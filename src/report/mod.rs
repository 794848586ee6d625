//! The session report (`stormwatch.report/1`): what the panel's Export button
//! downloads, what `window.stormwatch.report()` returns, what the CLI prints with
//! `--format json`. It embeds the events, so replaying it reproduces the findings.
//! Fields are only ever added, never renamed.

pub mod html;
pub mod markdown;
pub mod redact;
pub mod text;

use crate::components::ComponentRow;
use crate::engine::{Engine, Stats};
use crate::event::Event;
use crate::finding::{Finding, Severity};
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
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
    pub events: Vec<Event>,
}

/// Components listed in a report.
const REPORT_COMPONENTS: usize = 200;

fn tool() -> Tool {
    Tool {
        name: "stormwatch".into(),
        version: crate::VERSION.into(),
    }
}

fn page(engine: &Engine) -> PageRef {
    PageRef {
        url: engine.page_url().to_string(),
        started_at: engine.origin(),
    }
}

/// The self-contained HTML report of a session (see `html`).
pub fn html_of(engine: &Engine, source: &str, redact: bool) -> String {
    let report = Report::from_engine(engine, false);
    let svg = crate::timeline::Timeline::of(engine).svg(redact);
    html::render(&report, &svg, source, redact)
}

impl Report {
    pub fn from_engine(engine: &Engine, with_events: bool) -> Report {
        Report {
            schema: SCHEMA.to_string(),
            tool: tool(),
            page: page(engine),
            findings: engine.findings(),
            stats: engine.stats(),
            components: engine.components().rows(REPORT_COMPONENTS),
            events: if with_events {
                engine.events().cloned().collect()
            } else {
                Vec::new()
            },
        }
    }

    /// The report's JSON straight from the engine, without copying its event log
    /// (taking a report must not double the panel's memory).
    /// `redact`: replace secret-looking values (see `redact`), as every export should.
    pub fn json_of(engine: &Engine, with_events: bool, redact: bool) -> String {
        #[derive(Serialize)]
        struct Borrowed<'a> {
            schema: &'static str,
            tool: Tool,
            page: PageRef,
            findings: Vec<Finding>,
            stats: Stats,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            components: Vec<ComponentRow>,
            events: Vec<&'a Event>,
        }
        let report = Borrowed {
            schema: SCHEMA,
            tool: tool(),
            page: page(engine),
            findings: engine.findings(),
            stats: engine.stats(),
            components: engine.components().rows(REPORT_COMPONENTS),
            events: if with_events {
                engine.events().collect()
            } else {
                Vec::new()
            },
        };
        if !redact {
            return serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        }
        match serde_json::to_value(&report) {
            Ok(mut v) => {
                redact::redact(&mut v);
                v.to_string()
            }
            Err(e) => format!("{{\"error\":\"{e}\"}}"),
        }
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    pub fn to_json(&self, redact: bool) -> String {
        let mut v = match serde_json::to_value(self) {
            Ok(v) => v,
            Err(e) => return format!("{{\"error\":\"{e}\"}}"),
        };
        if redact {
            redact::redact(&mut v);
        }
        serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
