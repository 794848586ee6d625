//! A finding is a value: which detector, how bad, what was measured, the evidence
//! behind it, and what to do about it. Its JSON form is part of the report schema.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(default)]
    pub urls: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    /// Source locations (`url:line:column`) of the code behind it.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Engine ids of the requests behind it (newest last, capped).
    #[serde(default)]
    pub requests: Vec<u64>,
}

/// A measured number or a short fact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Metric {
    Num(f64),
    Text(String),
    Flag(bool),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub detector: String,
    /// Stable identity within the detector (what it groups by).
    pub key: String,
    pub severity: Severity,
    pub title: String,
    pub count: u64,
    /// Milliseconds since the session started.
    pub first_ms: f64,
    pub last_ms: f64,
    pub evidence: Evidence,
    pub metrics: BTreeMap<String, Metric>,
    pub advice: String,
    /// Which page of a multi-page HAR it was found on (its URL, else its title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

impl Finding {
    /// The number stored under `key`, if any.
    pub fn num(&self, key: &str) -> Option<f64> {
        match self.metrics.get(key) {
            Some(Metric::Num(n)) => Some(*n),
            _ => None,
        }
    }

    /// Keeps the larger of the stored number and `value` (rounded) under `key`; returns it.
    pub fn raise(&mut self, key: &str, value: f64) -> f64 {
        let v = self.num(key).map_or(value, |n| n.max(value)).round();
        self.metrics.insert(key.to_string(), Metric::Num(v));
        v
    }
}

/// How many request ids a finding keeps as evidence.
pub const MAX_EVIDENCE_REQUESTS: usize = 50;

impl Evidence {
    pub fn add_request(&mut self, id: u64) {
        if self.requests.last() != Some(&id) && !self.requests.contains(&id) {
            self.requests.push(id);
            if self.requests.len() > MAX_EVIDENCE_REQUESTS {
                self.requests.remove(0);
            }
        }
    }

    /// The request, its URL and the code that issued it (when known).
    pub fn note(&mut self, req: &crate::model::request::Request) {
        self.add_request(req.id);
        self.add_url(&req.url);
        if let Some(src) = &req.initiator {
            self.add_source(src);
        }
    }

    pub fn add_source(&mut self, src: &str) {
        if !src.is_empty() && !self.sources.iter().any(|s| s == src) && self.sources.len() < 10 {
            self.sources.push(src.to_string());
        }
    }

    pub fn add_url(&mut self, url: &str) {
        if !self.urls.iter().any(|u| u == url) && self.urls.len() < 10 {
            self.urls.push(url.to_string());
        }
    }
}

/// Where a source points: `url:line:column (function)` from DevTools' initiator
/// stacks, or `url @ char N (function)` from long animation frames.
#[derive(Debug, PartialEq)]
pub enum Location {
    Line(String, u32, u32),
    Char(String, u32),
}

pub fn location(src: &str) -> Option<Location> {
    let src = src.split(" (").next()?;
    if let Some((url, pos)) = src.split_once(" @ char ") {
        return Some(Location::Char(url.to_string(), pos.parse().ok()?));
    }
    let (rest, last) = src.rsplit_once(':')?;
    let last: u32 = last.parse().ok()?;
    // `url:line:column`, or `url:line` (a parser-inserted script has no column).
    match rest
        .rsplit_once(':')
        .and_then(|(url, line)| Some((url, line.parse::<u32>().ok()?)))
    {
        Some((url, line)) if url.contains("://") => Some(Location::Line(url.to_string(), line, last)),
        _ if rest.contains("://") => Some(Location::Line(rest.to_string(), last, 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{location, Location};

    #[test]
    fn source_locations_split_for_open_resource() {
        assert_eq!(
            location("http://h:8/app.js:10:5 (load)"),
            Some(Location::Line("http://h:8/app.js".into(), 10, 5))
        );
        assert_eq!(
            location("http://h/a.js @ char 376 (build)"),
            Some(Location::Char("http://h/a.js".into(), 376))
        );
        assert_eq!(
            location("http://h:80/page.html:7"),
            Some(Location::Line("http://h:80/page.html".into(), 7, 1))
        );
        assert_eq!(location("http://h/app.js"), None);
    }
}
