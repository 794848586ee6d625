//! The panel's markup. Everything from the page (URLs, titles, sources) is
//! rendered as text nodes, never as HTML.

use super::api;
use super::state::{self, Snapshot};
use crate::detect;
use crate::finding::{Finding, Metric};
use leptos::prelude::*;

fn metric_text(m: &Metric) -> String {
    match m {
        Metric::Num(n) if n.fract() == 0.0 => format!("{n:.0}"),
        Metric::Num(n) => format!("{n:.2}"),
        Metric::Text(t) => t.clone(),
        Metric::Flag(b) => if *b { "yes" } else { "no" }.to_string(),
    }
}

fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms / 1000.0)
}

#[component]
fn FindingCard(f: Finding) -> impl IntoView {
    let class = format!("finding sev-{}", f.severity.as_str());
    let when = if f.first_ms == f.last_ms {
        format!("at {}", seconds(f.first_ms))
    } else {
        format!("{} – {}", seconds(f.first_ms), seconds(f.last_ms))
    };
    let metrics = f
        .metrics
        .iter()
        .map(|(k, v)| view! { <span class="metric"><b>{k.replace('_', " ")}</b>" "{metric_text(v)}</span> })
        .collect_view();
    let urls = f
        .evidence
        .urls
        .iter()
        .map(|u| view! { <li class="url">{u.clone()}</li> })
        .collect_view();
    let sources = f
        .evidence
        .sources
        .iter()
        .map(|s| view! { <li class="source">{s.clone()}</li> })
        .collect_view();
    let explain = detect::info(&f.detector).map(|d| d.title).unwrap_or_default();
    view! {
        <li class=class data-detector=f.detector.clone()>
            <div class="head">
                <span class="sev">{f.severity.as_str()}</span>
                <span class="detector" title=explain>{f.detector.clone()}</span>
                <span class="title">{f.title.clone()}</span>
                <span class="when">{when}" · ×"{f.count}</span>
            </div>
            <div class="metrics">{metrics}</div>
            <ul class="evidence">{urls}{sources}</ul>
            <p class="advice">{f.advice.clone()}</p>
        </li>
    }
}

#[component]
pub fn Panel() -> impl IntoView {
    let snap = RwSignal::new(Snapshot::default());
    state::register(snap);
    let clear = move |_| {
        state::with_live(|l| l.clear());
    };
    let export = move |_| api::download_report();
    let counts = move || {
        let s = snap.get();
        let dropped = if s.stats.dropped > 0 {
            format!(" · {} dropped", s.stats.dropped)
        } else {
            String::new()
        };
        format!("{} requests · {} events{}", s.stats.requests, s.stats.events, dropped)
    };
    let list = move || {
        let s = snap.get();
        if s.findings.is_empty() {
            view! { <p class="empty">"No findings yet. Stormwatch flags duplicate requests and polling loops as they happen."</p> }.into_any()
        } else {
            let more = (s.total_findings > s.findings.len())
                .then(|| format!("{} more in the exported report", s.total_findings - s.findings.len()));
            view! {
                <ul class="findings">{s.findings.into_iter().map(|f| view! { <FindingCard f=f /> }).collect_view()}</ul>
                <p class="more">{more}</p>
            }
            .into_any()
        }
    };
    view! {
        <header>
            <h1>"Stormwatch"</h1>
            <span class="page">{move || snap.get().page_url}</span>
            <span class="counts">{counts}</span>
            <button id="clear" on:click=clear>"Clear"</button>
            <button id="export" on:click=export>"Export"</button>
        </header>
        <div class="status">
            <span class="state">{move || snap.get().status}</span>
            <span class="notice">{move || snap.get().notice.unwrap_or_default()}</span>
        </div>
        <main>{list}</main>
    }
}
