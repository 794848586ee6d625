//! Markdown for pasting into a GitHub issue: a summary line, then one section per
//! finding with its numbers, evidence and fix. Secret-looking URL parameters are
//! redacted, as in every export.

use super::redact::redact_str;
use super::Report;
use crate::finding::{Metric, Severity};

fn esc(s: &str) -> String {
    let s = redact_str(s).unwrap_or_else(|| s.to_string());
    s.replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;")
}

pub fn render(r: &Report, source: &str) -> String {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let mut out = format!(
        "## Stormwatch: {} finding(s) on {}\n\n{} error, {} warning, {} info · {} requests · from `{}` · stormwatch {}\n\n",
        r.findings.len(),
        esc(if r.page.url.is_empty() { source } else { &r.page.url }),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        r.stats.requests,
        esc(source),
        r.tool.version
    );
    let mut findings: Vec<_> = r.findings.iter().collect();
    crate::sort::sort_by(&mut findings, |a, b| {
        b.severity.cmp(&a.severity).then(a.first_ms.total_cmp(&b.first_ms))
    });
    for f in findings {
        out.push_str(&format!(
            "### {} `{}`: {}\n\n",
            f.severity.as_str().to_uppercase(),
            f.detector,
            esc(&f.title)
        ));
        out.push_str(&format!(
            "- when: {:.1} s – {:.1} s, ×{}\n",
            f.first_ms / 1000.0,
            f.last_ms / 1000.0,
            f.count
        ));
        for (k, v) in &f.metrics {
            let v = match v {
                Metric::Num(n) => format!("{n}"),
                Metric::Text(t) => esc(t),
                Metric::Flag(b) => b.to_string(),
            };
            out.push_str(&format!("- {}: {v}\n", k.replace('_', " ")));
        }
        for u in f.evidence.urls.iter().take(5) {
            out.push_str(&format!("- url: `{}`\n", esc(u)));
        }
        for s in f.evidence.sources.iter().take(5) {
            out.push_str(&format!("- from: `{}`\n", esc(s)));
        }
        if !f.evidence.components.is_empty() {
            let names: Vec<String> = f.evidence.components.iter().map(|c| format!("`{}`", esc(c))).collect();
            out.push_str(&format!("- components: {}\n", names.join(", ")));
        }
        out.push_str(&format!("\n**Fix:** {}\n\n", esc(&f.advice)));
    }
    if r.findings.is_empty() {
        out.push_str("No findings.\n");
    }
    if !r.components.is_empty() {
        out.push_str("\n### React components\n\n| component | renders | changed nothing | peak/s | self ms | causes |\n|---|---|---|---|---|---|\n");
        for c in r.components.iter().take(15) {
            let c = &c.component;
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                esc(&c.name),
                c.renders,
                c.unnecessary,
                c.peak_per_s,
                c.self_ms.map(|m| format!("{m:.1}")).unwrap_or("–".into()),
                c.causes()
            ));
        }
    }
    out
}
