//! The panel's markup: header, status, settings, tabs. The views under the tabs
//! live in their own modules. Everything from the page is rendered as text nodes,
//! never as HTML.

use super::api;
use super::components_view::{ComponentsView, Nav, Tab};
use super::findings_view::FindingsView;
use super::state::{self, Snapshot};
use super::timeline_view::TimelineView;
use crate::model::finding::Severity;
use leptos::prelude::*;

/// The span the header's cost and rate figures are averaged over.
const RATE_WINDOW_MS: f64 = 2_000.0;

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
    let panel = state::use_panel();
    panel.with_value(|p| p.register(snap));
    let clear = move |_| {
        panel.with_value(|p| p.with_live(|l| l.clear()));
    };
    let export = move |kind: &'static str| move |_| panel.with_value(|p| api::download_report(p, kind));
    // Whether the session records comes from the session itself (Import and a
    // navigation change it too), not from this button alone.
    let recording = Memo::new(move |_| snap.get().recording);
    let toggle_recording = move |_| {
        let on = !panel.with_value(|p| p.read_live(|l| l.recording));
        panel.with_value(|p| {
            p.with_live(|l| {
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
            })
        });
    };
    // Import: a report or HAR file, chosen here or dropped anywhere on the panel.
    let import_error = RwSignal::new(String::new());
    let import = move |file: web_sys::File| {
        panel.with_value(|p| {
            api::import_file(p, file, move |result| match result {
                Ok(()) => {
                    import_error.set(String::new());
                    nav.tab.set(Tab::Findings);
                }
                Err(e) => import_error.set(e),
            })
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
            settings_text.set(panel.with_value(api::config_json));
            settings_error.set(String::new());
        }
        settings_open.update(|o| *o = !*o);
    };
    let apply_settings = move |_| match panel.with_value(|p| api::apply_config(p, &settings_text.get())) {
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
                Tab::Findings => view! { <FindingsView snap=snap min_severity=min_severity /> }.into_any(),
                Tab::Timeline => view! { <TimelineView snap=snap /> }.into_any(),
                Tab::Components => view! { <ComponentsView snap=snap nav=nav /> }.into_any(),
            }}
        </main>
    }
}
