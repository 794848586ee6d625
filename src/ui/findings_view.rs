//! The Findings view: findings grouped by detector, worst first, then newest, in
//! a virtualized list (only the rows in view are drawn). Everything from the page
//! (URLs, titles, sources, component names) is rendered as text nodes, never as
//! HTML, and clipped to a readable length; links act through DevTools' own API.

use super::bridge;
use super::components_view::Nav;
use super::state::Snapshot;
use super::virtual_list::{clip, key_of, mix, set_items, Item, Virtual};
use crate::detect;
use crate::model::finding::{location, Finding, Location, Severity};
use crate::model::present;
use leptos::prelude::*;
use std::sync::Arc;

/// Characters of a page string shown in a row (the report keeps them whole).
const MAX_TEXT: usize = 300;

/// The path of a URL, which is what the Network panel's filter box matches well.
fn network_filter(url: &str) -> String {
    clip(crate::model::urls::short(url).split('?').next().unwrap_or(""), 2_000)
}

fn finding_card(f: &Finding, vkey: u64) -> impl IntoView {
    let class = format!("finding sev-{}", f.severity.as_str());
    let metrics = present::metrics(f)
        .into_iter()
        .map(|(name, value)| view! { <span class="metric"><b>{name}</b>" "{clip(&value, MAX_TEXT)}</span> })
        .collect_view();
    let can_filter = bridge::can_show_network();
    let urls = f
        .evidence
        .urls
        .iter()
        .map(|u| {
            let filter = network_filter(u);
            let show = (can_filter && u.contains("://")).then(|| {
                view! {
                    <button class="link" title="Show these requests in the Network panel"
                        on:click=move |_| bridge::show_in_network(&filter)>"Network"</button>
                }
            });
            view! { <li class="url"><span>{clip(u, MAX_TEXT)}</span>" "{show}</li> }
        })
        .collect_view();
    let sources = f
        .evidence
        .sources
        .iter()
        .map(|s| match location(s) {
            Some(at) => {
                let text = clip(s, MAX_TEXT);
                let open = move |_| match &at {
                    Location::Line(url, line, col) => bridge::open_source(url, *line, *col),
                    Location::Char(url, offset) => bridge::open_source_at_char(url, *offset),
                };
                view! {
                    <li class="source">
                        <button class="link" title="Open in the Sources panel" on:click=open>{text}</button>
                    </li>
                }
                .into_any()
            }
            None => view! { <li class="source">{clip(s, MAX_TEXT)}</li> }.into_any(),
        })
        .collect_view();
    let nav = use_context::<Nav>();
    let components = f
        .evidence
        .components
        .iter()
        .map(|name| {
            let target = name.clone();
            let show = move |_| {
                if let Some(nav) = nav {
                    nav.show_component(&target);
                }
            };
            view! {
                <li class="component-link">
                    <button class="link" title="Show in the Components view" on:click=show>{clip(name, MAX_TEXT)}</button>
                </li>
            }
        })
        .collect_view();
    let requests = f.evidence.requests.len();
    let requests = (requests > 0).then(|| format!("{requests} request(s) behind it"));
    view! {
        <div class=class data-detector=f.detector.clone() data-vkey=vkey.to_string()>
            <div class="head">
                <span class="sev">{f.severity.as_str()}</span>
                <span class="title">{clip(&f.title, MAX_TEXT * 2)}</span>
                <span class="when">{present::headline(f)}</span>
            </div>
            <div class="metrics">{metrics}</div>
            <ul class="evidence">{urls}{sources}{components}</ul>
            <p class="advice">{clip(&f.advice, MAX_TEXT * 4)}</p>
            <p class="requests">{requests}</p>
        </div>
    }
}

#[derive(Clone)]
pub enum Row {
    Head { detector: String, n: usize },
    Card(Arc<Vec<Finding>>, usize),
}

/// Findings at or above `min`, grouped by detector (worst first, then newest), as
/// the list's rows: a heading per group, then its cards.
fn rows(findings: &Arc<Vec<Finding>>, min: Severity) -> Vec<Item<Row>> {
    let mut order: Vec<usize> = (0..findings.len()).filter(|&i| findings[i].severity >= min).collect();
    crate::model::sort::sort_by(&mut order, |&a, &b| {
        let (a, b) = (&findings[a], &findings[b]);
        b.severity.cmp(&a.severity).then(b.last_ms.total_cmp(&a.last_ms))
    });
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for i in order {
        let d = findings[i].detector.as_str();
        match groups.iter_mut().find(|(g, _)| *g == d) {
            Some((_, list)) => list.push(i),
            None => groups.push((d, vec![i])),
        }
    }
    let mut out = Vec::new();
    for (detector, list) in groups {
        out.push(Item {
            key: key_of(&["group", detector]),
            version: list.len() as u64,
            est: 30.0,
            data: Row::Head {
                detector: detector.to_string(),
                n: list.len(),
            },
        });
        for i in list {
            let f = &findings[i];
            let key = key_of(&[&f.detector, &f.key]);
            let e = &f.evidence;
            let version = mix(
                key,
                &[
                    f.count,
                    f.first_ms.to_bits(),
                    f.last_ms.to_bits(),
                    f.severity as u64,
                    f.title.len() as u64,
                    f.metrics.len() as u64,
                    e.urls.len() as u64,
                    e.sources.len() as u64,
                    e.components.len() as u64,
                    e.requests.len() as u64,
                ],
            );
            out.push(Item {
                key,
                version,
                est: 110.0,
                data: Row::Card(findings.clone(), i),
            });
        }
    }
    out
}

fn draw(item: Item<Row>) -> AnyView {
    match item.data {
        Row::Head { detector, n } => {
            let title = detect::info(&detector).map(|d| d.title).unwrap_or("Findings");
            let code = detector.clone();
            view! {
                <h2 class="group-head" data-group=detector.clone() data-vkey=item.key.to_string()>
                    <span class="group-title">{title}</span>" "<code>{code}</code>" "<span class="n">{n}</span>
                </h2>
            }
            .into_any()
        }
        Row::Card(all, i) => finding_card(&all[i], item.key).into_any(),
    }
}

#[component]
pub fn FindingsView(snap: RwSignal<Snapshot>, min_severity: RwSignal<Severity>) -> impl IntoView {
    // Rebuilt by an effect on every new snapshot or filter (rows() is cheap: no copies).
    let items = RwSignal::new(Arc::new(Vec::new()));
    Effect::new(move |_| {
        let min = min_severity.get();
        set_items(items, snap.with(|s| rows(&s.findings, min)));
    });
    let list = Virtual::new(items.into());
    let empty = move || snap.with(|s| s.findings.is_empty());
    let more = move || {
        snap.with(|s| {
            (s.total_findings > s.findings.len())
                .then(|| format!("{} more in the exported report", s.total_findings - s.findings.len()))
        })
    };
    view! {
        <p class="empty" hidden=move || !empty()>"No findings yet. Stormwatch is watching this page's requests and renders and flags \
            duplicates, polling loops, N+1 bursts, waterfalls, slow or oversized responses, error bursts, \
            leaked connections, long tasks, memory growth and React re-render storms as they happen."</p>
        <div class="vlist findings" node_ref=list.scroller on:scroll=move |_| list.next_frame()>
            <div class="spacer" style=move || format!("height:{}px", list.top_px())></div>
            <For each=move || list.visible() key=|it| (it.key, it.version) children=draw />
            <div class="spacer" style=move || format!("height:{}px", list.bottom_px())></div>
            <p class="more">{more}</p>
        </div>
    }
}
