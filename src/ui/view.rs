//! The panel's markup. Everything from the page (URLs, titles, sources) is
//! rendered as text nodes, never as HTML; links act through DevTools' own API
//! (open in Sources, filter the Network panel), never by navigating.

use super::components_view::{ComponentsView, Nav, Tab};
use super::state::{self, Snapshot};
use super::timeline_view::TimelineView;
use super::{api, bridge};
use crate::detect;
use crate::finding::{location, Finding, Location, Metric, Severity};
use leptos::prelude::*;

fn metric_text(key: &str, m: &Metric) -> String {
    match m {
        Metric::Num(n) if key.ends_with("_bytes") => detect::bytes(*n as u64),
        Metric::Num(n) if n.fract() == 0.0 => format!("{n:.0}"),
        Metric::Num(n) => format!("{n:.2}"),
        Metric::Text(t) => t.clone(),
        Metric::Flag(b) => if *b { "yes" } else { "no" }.to_string(),
    }
}

/// The span the header's cost and rate figures are averaged over.
const RATE_WINDOW_MS: f64 = 2_000.0;

fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms / 1000.0)
}

/// The path of a URL, which is what the Network panel's filter box matches well.
fn network_filter(url: &str) -> String {
    crate::urls::short(url).split('?').next().unwrap_or("").to_string()
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
        .map(|(k, v)| view! { <span class="metric"><b>{k.replace('_', " ")}</b>" "{metric_text(k, v)}</span> })
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
            view! { <li class="url"><span>{u.clone()}</span>" "{show}</li> }
        })
        .collect_view();
    let sources = f
        .evidence
        .sources
        .iter()
        .map(|s| match location(s) {
            Some(at) => {
                let text = s.clone();
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
            None => view! { <li class="source">{s.clone()}</li> }.into_any(),
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
                    <button class="link" title="Show in the Components view" on:click=show>{name.clone()}</button>
                </li>
            }
        })
        .collect_view();
    let requests = f.evidence.requests.len();
    let requests = (requests > 0).then(|| format!("{requests} request(s) behind it"));
    view! {
        <li class=class data-detector=f.detector.clone()>
            <div class="head">
                <span class="sev">{f.severity.as_str()}</span>
                <span class="title">{f.title.clone()}</span>
                <span class="when">{when}" · ×"{f.count}</span>
            </div>
            <div class="metrics">{metrics}</div>
            <ul class="evidence">{urls}{sources}{components}</ul>
            <p class="advice">{f.advice.clone()}</p>
            <p class="requests">{requests}</p>
        </li>
    }
}

/// Findings of one detector, worst first, then newest.
#[component]
fn Group(detector: String, findings: Vec<Finding>) -> impl IntoView {
    let title = detect::info(&detector).map(|d| d.title).unwrap_or("Findings");
    let n = findings.len();
    view! {
        <section class="group" data-group=detector.clone()>
            <h2><span class="group-title">{title}</span>" "<code>{detector.clone()}</code>" "<span class="n">{n}</span></h2>
            <ul class="findings">{findings.into_iter().map(|f| view! { <FindingCard f=f /> }).collect_view()}</ul>
        </section>
    }
}

fn grouped(mut findings: Vec<Finding>, min: Severity) -> Vec<(String, Vec<Finding>)> {
    findings.retain(|f| f.severity >= min);
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.last_ms.total_cmp(&a.last_ms)));
    let mut groups: Vec<(String, Vec<Finding>)> = Vec::new();
    for f in findings {
        match groups.iter_mut().find(|(d, _)| *d == f.detector) {
            Some((_, list)) => list.push(f),
            None => groups.push((f.detector.clone(), vec![f])),
        }
    }
    groups
}

#[component]
pub fn Panel() -> impl IntoView {
    let snap = RwSignal::new(Snapshot::default());
    let min_severity = RwSignal::new(Severity::Info);
    let nav = Nav {
        tab: RwSignal::new(Tab::Findings),
        selected: RwSignal::new(None),
    };
    provide_context(nav);
    let tab_button = move |tab: Tab, id: &'static str, label: &'static str| {
        let count = move || match tab {
            Tab::Findings => Some(snap.get().total_findings),
            Tab::Timeline => None,
            Tab::Components => Some(snap.get().component_total),
        };
        view! {
            <button id=id class="tab" class:on=move || nav.tab.get() == tab
                on:click=move |_| nav.tab.set(tab)>{label}" "<span class="n">{count}</span></button>
        }
    };
    state::register(snap);
    let clear = move |_| {
        state::with_live(|l| l.clear());
    };
    let export = move |kind: &'static str| move |_| api::download_report(kind);
    // Whether the session records comes from the session itself (Import and a
    // navigation change it too), not from this button alone.
    let recording = Memo::new(move |_| snap.get().recording);
    let toggle_recording = move |_| {
        let on = !state::read_live(|l| l.recording);
        state::with_live(|l| {
            if on && l.imported.is_some() {
                l.resume_live();
                return;
            }
            l.recording = on;
            l.notice = Some(
                if on {
                    "Recording again."
                } else {
                    "Stopped: new activity is not analyzed until you press Record."
                }
                .into(),
            );
            l.generation += 1;
        });
    };
    // Import: a report or HAR file, chosen here or dropped anywhere on the panel.
    let import_error = RwSignal::new(String::new());
    let import = move |file: web_sys::File| {
        api::import_file(file, move |result| match result {
            Ok(()) => {
                import_error.set(String::new());
                nav.tab.set(Tab::Findings);
            }
            Err(e) => import_error.set(e),
        });
    };
    let chosen = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            import(file);
        }
        input.set_value("");
    };
    let pick = move |_| {
        if let Some(input) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("import-file"))
        {
            if let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(input) {
                input.click();
            }
        }
    };
    let _ = window_event_listener(leptos::ev::dragover, |ev| ev.prevent_default());
    let _ = window_event_listener(leptos::ev::drop, move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            import(file);
        }
    });
    let settings_open = RwSignal::new(false);
    let settings_text = RwSignal::new(String::new());
    let settings_error = RwSignal::new(String::new());
    let toggle_settings = move |_| {
        if !settings_open.get() {
            settings_text.set(api::config_json());
            settings_error.set(String::new());
        }
        settings_open.update(|o| *o = !*o);
    };
    let apply_settings = move |_| match api::apply_config(&settings_text.get()) {
        Ok(()) => {
            settings_error.set(String::new());
            settings_open.set(false);
        }
        Err(e) => settings_error.set(e),
    };
    let settings = move || {
        settings_open.get().then(|| {
            view! {
                <div class="settings">
                    <p>"Thresholds per detector, and " <code>"disabled"</code>
                       " detector ids. The session is re-analyzed when you apply; the settings are kept for next time."</p>
                    <textarea id="settings-json" spellcheck="false" rows="18"
                        prop:value=move || settings_text.get()
                        on:input=move |ev| settings_text.set(event_target_value(&ev))></textarea>
                    <div>
                        <button id="settings-apply" on:click=apply_settings>"Apply"</button>
                        <span class="error">{move || settings_error.get()}</span>
                    </div>
                </div>
            }
        })
    };
    let counts = move || {
        let s = snap.get();
        let dropped = if s.stats.dropped > 0 {
            format!(" · {} dropped", s.stats.dropped)
        } else {
            String::new()
        };
        format!("{} requests · {} events{}", s.stats.requests, s.stats.events, dropped)
    };
    // What watching costs the page, so a user can see the tool is not the problem:
    // the hook's own time per second (it measures itself and reports it with each
    // batch) and the events received per second, both over the last RATE_WINDOW_MS.
    let samples = StoredValue::new(std::collections::VecDeque::<(f64, u64, u64)>::new());
    let cost = move || {
        let s = snap.get();
        let now = js_sys::Date::now();
        let (events, hook_us) = (s.stats.events, s.stats.hook_us);
        samples.update_value(|q| {
            // Clear and re-analysis start the counts again.
            if q.back().is_some_and(|&(_, e, h)| events < e || hook_us < h) {
                q.clear();
            }
            q.push_back((now, events, hook_us));
            while q.len() > 2 && now - q[1].0 >= RATE_WINDOW_MS {
                q.pop_front();
            }
        });
        samples.with_value(|q| {
            let &(t0, e0, h0) = q.front()?;
            let secs = (now - t0) / 1000.0;
            (secs >= 0.25).then(|| {
                let hook_ms = (hook_us - h0) as f64 / 1000.0 / secs;
                let rate = (events - e0) as f64 / secs;
                format!("page hook {hook_ms:.1} ms/s · {rate:.0} events/s")
            })
        })
    };
    let filter_button = move |sev: Severity, label: &'static str| {
        let count = move || snap.get().findings.iter().filter(|f| f.severity >= sev).count();
        view! {
            <button class="filter" class:on=move || min_severity.get() == sev
                on:click=move |_| min_severity.set(sev)>{label}" "{count}</button>
        }
    };
    let list = move || {
        let s = snap.get();
        if s.findings.is_empty() {
            return view! {
                <p class="empty">"No findings yet. Stormwatch is watching this page's requests and renders and flags \
                duplicates, polling loops, N+1 bursts, waterfalls, slow or oversized responses, error bursts, \
                leaked connections, long tasks, memory growth and React re-render storms as they happen."</p>
            }
            .into_any();
        }
        let more = (s.total_findings > s.findings.len())
            .then(|| format!("{} more in the exported report", s.total_findings - s.findings.len()));
        let groups = grouped(s.findings, min_severity.get());
        view! {
            <div class="groups">
                {groups.into_iter().map(|(d, fs)| view! { <Group detector=d findings=fs /> }).collect_view()}
            </div>
            <p class="more">{more}</p>
        }
        .into_any()
    };
    view! {
        <header>
            <h1>"Stormwatch"</h1>
            <span class="page">{move || snap.get().page_url}</span>
            <span class="counts">{counts}</span>
            <span class="counts cost" id="hook-cost"
                title="Time the page hook spent on its own work per second, and events received per second (last 2 s)">
                {cost}</span>
            {filter_button(Severity::Info, "All")}
            {filter_button(Severity::Warning, "Warnings+")}
            {filter_button(Severity::Error, "Errors")}
            <button id="record" class:stopped=move || !recording.get() on:click=toggle_recording>
                {move || if recording.get() { "Stop" } else { "Record" }}
            </button>
            <button id="settings" on:click=toggle_settings>"Settings"</button>
            <button id="clear" on:click=clear>"Clear"</button>
            <button id="import" title="Open a saved report or HAR file (or drop it on the panel)" on:click=pick>"Import"</button>
            <input type="file" id="import-file" accept=".json,.har,application/json" hidden on:change=chosen />
            <span class="export">"Export "
                <button id="export" title="The session report, replayable (JSON)" on:click=export("json")>"JSON"</button>
                <button id="export-html" title="One self-contained page for a ticket" on:click=export("html")>"HTML"</button>
                <button id="export-md" title="Markdown for a GitHub issue" on:click=export("md")>"Markdown"</button>
            </span>
        </header>
        <div class="status">
            <span class="state">{move || snap.get().status}</span>
            <span class="notice">{move || snap.get().notice.unwrap_or_default()}</span>
            <span class="error">{move || import_error.get()}</span>
        </div>
        {settings}
        <nav class="tabs">
            {tab_button(Tab::Findings, "tab-findings", "Findings")}
            {tab_button(Tab::Timeline, "tab-timeline", "Timeline")}
            {tab_button(Tab::Components, "tab-components", "Components")}
        </nav>
        <main>
            {move || match nav.tab.get() {
                Tab::Findings => list().into_any(),
                Tab::Timeline => view! { <TimelineView snap=snap /> }.into_any(),
                Tab::Components => view! { <ComponentsView snap=snap nav=nav /> }.into_any(),
            }}
        </main>
    }
}
