//! Loading saved input for the CLI: a HAR file or a Stormwatch report, told apart
//! by content, not by file name. Errors say what is wrong in one line.

use crate::event::{Event, PageInfo};
use crate::har::Har;
use crate::report::{Report, SCHEMA};
use crate::{Config, Engine};

#[derive(Debug)]
pub enum Input {
    Har(Vec<Event>, String),
    Report(Report),
}

/// Recognizes and decodes the text of a saved file.
pub fn parse(text: &str) -> Result<Input, String> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err("the file is empty".into());
    }
    if !trimmed.starts_with('{') {
        return Err("not JSON (expected a HAR file or a stormwatch report)".into());
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            format!("truncated JSON ({e})")
        } else {
            format!("invalid JSON ({e})")
        }
    })?;
    if let Some(schema) = value.get("schema").and_then(|s| s.as_str()) {
        if schema != SCHEMA {
            return Err(format!(
                "unsupported report schema {schema:?} (this version reads {SCHEMA:?})"
            ));
        }
        let report: Report = serde_json::from_value(value).map_err(|e| format!("not a valid {SCHEMA} report: {e}"))?;
        return Ok(Input::Report(report));
    }
    if value.get("log").is_some() {
        let har: Har = serde_json::from_value(value).map_err(|e| format!("not a valid HAR 1.2 file: {e}"))?;
        let net = crate::har::entries_to_events(&har.log.entries)?;
        let page = har
            .log
            .entries
            .iter()
            .find(|e| e.resource_type.as_deref() == Some("document"))
            .map(|e| e.request.url.clone());
        let page = page
            .or_else(|| har.log.pages.first().map(|p| p.title.clone()))
            .unwrap_or_default();
        return Ok(Input::Har(
            net.into_iter().map(|n| Event::Network(Box::new(n))).collect(),
            page,
        ));
    }
    Err("neither a HAR file (no \"log\") nor a stormwatch report (no \"schema\")".into())
}

/// Runs the engine over saved input, exactly as the panel would have.
pub fn replay(input: Input, cfg: &Config) -> Engine {
    replay_with_progress(input, cfg, |_, _| {})
}

/// `replay`, calling `progress(done, total)` every 10,000 events (the CLI's progress line).
pub fn replay_with_progress(input: Input, cfg: &Config, mut progress: impl FnMut(usize, usize)) -> Engine {
    let mut engine = Engine::new(cfg);
    let mut feed = |engine: &mut Engine, events: Vec<Event>| {
        let total = events.len();
        for (i, e) in events.into_iter().enumerate() {
            engine.ingest(e);
            if (i + 1) % 10_000 == 0 {
                progress(i + 1, total);
            }
        }
        progress(total, total);
    };
    match input {
        Input::Har(events, page) => {
            if let Some(t) = events.first().and_then(Event::time) {
                engine.ingest(Event::Page(PageInfo { t, url: page }));
            }
            feed(&mut engine, events);
        }
        Input::Report(r) => {
            engine.set_page_url(&r.page.url);
            let dropped = r.stats.dropped;
            feed(&mut engine, r.events);
            engine.note_dropped(dropped);
        }
    }
    engine
}
