//! Plain-text rendering of findings for a terminal or a CI log.

use super::Report;
use crate::model::finding::{Finding, Severity};
use crate::model::present::{self, terminal};

fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
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
        paint(&format!("[{}]", terminal(&f.detector)), "2", color),
        terminal(&f.title)
    );
    let metrics: Vec<String> = present::metrics(f)
        .into_iter()
        .map(|(name, value)| format!("{name}: {}", terminal(&value)))
        .collect();
    out.push_str(&format!("        {}", present::headline(f)));
    if !metrics.is_empty() {
        out.push_str(&format!("; {}", metrics.join(", ")));
    }
    out.push('\n');
    for u in f.evidence.urls.iter().take(3) {
        out.push_str(&format!("        url: {}\n", terminal(u)));
    }
    for s in f.evidence.sources.iter().take(3) {
        out.push_str(&format!("        from: {}\n", terminal(s)));
    }
    if !f.evidence.components.is_empty() {
        out.push_str(&format!(
            "        components: {}\n",
            terminal(&f.evidence.components.join(", "))
        ));
    }
    out.push_str(&format!("        fix: {}\n", terminal(&f.advice)));
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
            out.push_str(&format!("        {}\n", terminal(&c.component.summary())));
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
    if let Some(note) = r.paused_note() {
        out.push_str(&format!("{note}\n"));
    }
    out
}
