//! Plain-text rendering of findings for a terminal or a CI log.

use super::Report;
use crate::finding::{Finding, Metric, Severity};

fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn metric(key: &str, m: &Metric) -> String {
    match m {
        Metric::Num(n) if key.ends_with("_bytes") => crate::detect::bytes(*n as u64),
        Metric::Num(n) if n.fract() == 0.0 => format!("{n:.0}"),
        Metric::Num(n) => format!("{n:.2}"),
        Metric::Text(t) => t.clone(),
        Metric::Flag(b) => if *b { "yes" } else { "no" }.to_string(),
    }
}

pub fn finding(f: &Finding, color: bool) -> String {
    let sev = match f.severity {
        Severity::Error => paint("error  ", "31;1", color),
        Severity::Warning => paint("warning", "33;1", color),
        Severity::Info => paint("info   ", "36", color),
    };
    let mut out = format!(
        "{sev} {} {}\n",
        paint(&format!("[{}]", f.detector), "2", color),
        f.title
    );
    let metrics: Vec<String> = f.metrics.iter().map(|(k, v)| format!("{k}={}", metric(k, v))).collect();
    out.push_str(&format!(
        "        at {:.1}s..{:.1}s, count {}; {}\n",
        f.first_ms / 1000.0,
        f.last_ms / 1000.0,
        f.count,
        metrics.join(", ")
    ));
    for u in f.evidence.urls.iter().take(3) {
        out.push_str(&format!("        url: {u}\n"));
    }
    for s in f.evidence.sources.iter().take(3) {
        out.push_str(&format!("        from: {s}\n"));
    }
    if !f.evidence.components.is_empty() {
        out.push_str(&format!("        components: {}\n", f.evidence.components.join(", ")));
    }
    out.push_str(&format!("        fix: {}\n", f.advice));
    out
}

pub fn render(r: &Report, color: bool) -> String {
    let mut out = String::new();
    for f in &r.findings {
        out.push_str(&finding(f, color));
    }
    if !r.components.is_empty() {
        out.push_str("React components, most renders first:\n");
        for c in r.components.iter().take(10) {
            out.push_str(&format!("        {}\n", c.component.summary()));
        }
    }
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    out.push_str(&format!(
        "{} finding(s): {} error, {} warning, {} info; {} requests, {} events{}\n",
        r.findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        r.stats.requests,
        r.stats.events,
        if r.stats.dropped > 0 {
            format!(", {} dropped", r.stats.dropped)
        } else {
            String::new()
        }
    ));
    out
}
