//! Markdown for pasting into a GitHub issue: a summary line, then one section per
//! finding with its numbers, evidence and fix. Secret-looking URL parameters are
//! redacted, as in every export.

use super::Report;
use crate::model::finding::Severity;
use crate::model::present;
use crate::model::redact::redact_str;

/// A page's string as Markdown text, redacted.
fn esc(s: &str) -> String {
    present::markdown(&redact_str(s).unwrap_or_else(|| s.to_string()))
}

/// A page's string as a code span, redacted.
fn code(s: &str) -> String {
    present::markdown_code(&redact_str(s).unwrap_or_else(|| s.to_string()))
}

pub fn render(r: &Report, source: &str) -> String {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let mut out = format!(
        "## Stormwatch: {} finding(s) on {}\n\n{} error, {} warning, {} info · {} requests · from {} · stormwatch {}\n\n",
        r.findings.len(),
        esc(if r.page.url.is_empty() { source } else { &r.page.url }),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        r.stats.requests,
        code(source),
        esc(&r.tool.version)
    );
    if let Some(note) = r.paused_note() {
        out.push_str(&format!("{note}.\n\n"));
    }
    let mut findings: Vec<_> = r.findings.iter().collect();
    crate::model::sort::sort_by(&mut findings, |a, b| {
        b.severity.cmp(&a.severity).then(a.first_ms.total_cmp(&b.first_ms))
    });
    for f in findings {
        out.push_str(&format!(
            "### {} {}: {}\n\n",
            f.severity.as_str().to_ascii_uppercase(),
            present::markdown_code(&f.detector),
            esc(&f.title)
        ));
        out.push_str(&format!("- when: {}\n", esc(&present::headline(f))));
        for (name, value) in present::metrics(f) {
            out.push_str(&format!("- {}: {}\n", esc(&name), esc(&value)));
        }
        for u in f.evidence.urls.iter().take(5) {
            out.push_str(&format!("- url: {}\n", code(u)));
        }
        for s in f.evidence.sources.iter().take(5) {
            out.push_str(&format!("- from: {}\n", code(s)));
        }
        if !f.evidence.components.is_empty() {
            let names: Vec<String> = f.evidence.components.iter().map(|c| code(c)).collect();
            out.push_str(&format!("- components: {}\n", names.join(", ")));
        }
        out.push_str(&format!(
            "\n**Fix:** {}\n\n",
            present::markdown_prose(&redact_str(&f.advice).unwrap_or_else(|| f.advice.clone()))
        ));
    }
    if r.findings.is_empty() {
        out.push_str("No findings.\n");
    }
    if !r.components.is_empty() {
        out.push_str("\n### React components\n\n| component | renders | changed nothing | peak/s | self ms | causes |\n|---|---|---|---|---|---|\n");
        for c in r.components.iter().take(15) {
            let c = &c.component;
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                code(&c.name),
                c.renders,
                c.unnecessary,
                c.peak_per_s,
                c.self_ms.map(|m| format!("{m:.1}")).unwrap_or("–".into()),
                esc(&c.causes())
            ));
        }
    }
    out
}
