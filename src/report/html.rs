//! A single self-contained HTML report: no external assets, opens offline from a
//! ticket attachment. The page, the time span, findings by severity with their
//! evidence and advice, the timeline and the React component table as pictures.
//! Every string from the page is escaped; secret-looking values are redacted unless
//! the caller asked otherwise.

use super::Report;
use crate::model::finding::{Finding, Severity};
use crate::model::present;
use crate::model::redact::redact_str;

const STYLE: &str = r#"
:root { color-scheme: light dark; --fg: #1f1f1f; --bg: #fff; --muted: #666; --line: #ddd; --err: #c5221f; --warn: #b06000; --info: #1967d2; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8eaed; --bg: #202124; --muted: #9aa0a6; --line: #3c4043; --err: #f28b82; --warn: #fdd663; --info: #8ab4f8; } }
body { font: 14px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); } .meta code { overflow-wrap: anywhere; }
.counts span { margin-right: 14px; font-weight: 600; }
.finding { border-left: 4px solid var(--info); padding: 6px 12px; margin: 10px 0; background: color-mix(in srgb, var(--line) 25%, transparent); }
.finding.warning { border-color: var(--warn); } .finding.error { border-color: var(--err); }
.finding .sev { text-transform: uppercase; font-size: 11px; font-weight: 700; margin-right: 6px; }
.finding.error .sev { color: var(--err); } .finding.warning .sev { color: var(--warn); } .finding.info .sev { color: var(--info); }
.finding h3 { font-size: 14px; margin: 0; overflow-wrap: anywhere; } .finding .det { color: var(--muted); font: 12px ui-monospace, monospace; }
.finding ul { margin: 4px 0; padding-left: 18px; font: 12px/1.5 ui-monospace, monospace; overflow-wrap: anywhere; }
.finding .fix { margin: 4px 0 0; } .finding .fix b { margin-right: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
svg.timeline { width: 100%; height: auto; border: 1px solid var(--line); }
.timeline .ok { fill: var(--info); opacity: .75; } .timeline .pending { fill: none; stroke: var(--info); stroke-dasharray: 2 2; }
.timeline .error, .timeline .blocking, .timeline .mark-error { fill: var(--err); } .timeline .task, .timeline .mark-warning { fill: var(--warn); }
.timeline .react { fill: #61dafb; } .timeline .mark-info { fill: var(--info); } .timeline .memory { fill: none; stroke: var(--fg); stroke-width: 1.2; }
.timeline .grid { stroke: var(--line); stroke-width: .5; } .timeline text { fill: var(--muted); font: 10px system-ui, sans-serif; } .timeline .lane { fill: var(--fg); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"#;

/// `text`, redacted when asked, escaped for HTML.
fn esc(text: &str, redact: bool) -> String {
    let text = if redact {
        redact_str(text).unwrap_or_else(|| text.to_string())
    } else {
        text.to_string()
    };
    present::html(&text)
}

fn finding(f: &Finding, redact: bool) -> String {
    let sev = f.severity.as_str();
    let mut out = format!(
        "<div class=\"finding {sev}\"><h3><span class=\"sev\">{sev}</span>{}</h3><div class=\"det\">{} · {}</div><ul>",
        esc(&f.title, redact),
        esc(&f.detector, false),
        esc(&present::headline(f), false)
    );
    for (name, value) in present::metrics(f) {
        out.push_str(&format!("<li>{}: {}</li>", esc(&name, false), esc(&value, redact)));
    }
    for u in f.evidence.urls.iter().take(10) {
        out.push_str(&format!("<li>url: {}</li>", esc(u, redact)));
    }
    for s in f.evidence.sources.iter().take(10) {
        out.push_str(&format!("<li>from: {}</li>", esc(s, redact)));
    }
    if !f.evidence.components.is_empty() {
        out.push_str(&format!(
            "<li>components: {}</li>",
            esc(&f.evidence.components.join(", "), false)
        ));
    }
    out.push_str(&format!(
        "</ul><p class=\"fix\"><b>Fix:</b>{}</p></div>",
        esc(&f.advice, redact)
    ));
    out
}

/// The report as one HTML document. `timeline_svg` comes from `Timeline::svg` (already escaped).
pub fn render(r: &Report, timeline_svg: &str, source: &str, redact: bool) -> String {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let page = if r.page.url.is_empty() { source } else { &r.page.url };
    let span = r.findings.iter().map(|f| f.last_ms).fold(0.0, f64::max);
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Stormwatch report: {}</title><style>{STYLE}</style></head><body>\
         <h1>Stormwatch report</h1><p class=\"meta\"><code>{}</code><br>{} · {} with findings · {} requests · {} events{}</p>\
         <p class=\"counts\"><span>{} error</span><span>{} warning</span><span>{} info</span></p>",
        esc(page, redact),
        esc(page, redact),
        esc(source, redact),
        present::at(span),
        r.stats.requests,
        r.stats.events,
        if r.stats.dropped > 0 { format!(" · {} lost on the way", r.stats.dropped) } else { String::new() }
            + &r.paused_note().map_or(String::new(), |n| format!("<br>{}", esc(&n, false))),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    for (sev, title) in [
        (Severity::Error, "Errors"),
        (Severity::Warning, "Warnings"),
        (Severity::Info, "Information"),
    ] {
        let list: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if list.is_empty() {
            continue;
        }
        out.push_str(&format!("<h2>{title} ({})</h2>", list.len()));
        for f in list {
            out.push_str(&finding(f, redact));
        }
    }
    if r.findings.is_empty() {
        out.push_str("<h2>Findings</h2><p>No findings.</p>");
    }
    out.push_str("<h2>Timeline</h2>");
    out.push_str(timeline_svg);
    if !r.components.is_empty() {
        out.push_str(
            "<h2>React components</h2><table><thead><tr><th>Component</th><th>Renders</th><th>Changed nothing</th>\
             <th>Peak/s</th><th>Self time</th><th>Why</th><th>What changed</th></tr></thead><tbody>",
        );
        for row in r.components.iter().take(50) {
            let c = &row.component;
            let keys: Vec<String> = c
                .keys
                .iter()
                .map(|k| format!("{} {} ×{}: {} → {}", k.kind, k.key, k.count, k.from, k.to))
                .collect();
            out.push_str(&format!(
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.name, false),
                c.renders,
                c.unnecessary,
                c.peak_per_s,
                c.self_ms.map(|m| format!("{m:.1} ms")).unwrap_or_else(|| "–".into()),
                esc(&c.causes(), false),
                esc(&keys.join("; "), redact)
            ));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str(&format!(
        "<footer>stormwatch {} · schema {}{}</footer></body></html>\n",
        esc(&r.tool.version, false),
        esc(&r.schema, false),
        if redact {
            " · secret-looking values redacted"
        } else {
            " · not redacted"
        }
    ));
    out
}
