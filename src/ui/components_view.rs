//! The Components view: a live table of the React components the page rendered,
//! sorted by render rate or by total renders, each with a sparkline of its rate,
//! why it rendered, and which props and state keys changed (and from what to what).
//! Component names and values come from the page: text nodes only.

use super::state::Snapshot;
use super::virtual_list::{clip, key_of, mix, set_items, Item, Virtual};
use crate::engine::components::ComponentRow;
use leptos::prelude::*;
use std::sync::Arc;

/// Characters of a component name or value shown (the report keeps them whole).
const MAX_TEXT: usize = 200;

/// What the panel shows, and which component a finding pointed at.
#[derive(Clone, Copy)]
pub struct Nav {
    pub tab: RwSignal<Tab>,
    pub selected: RwSignal<Option<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Findings,
    Timeline,
    Components,
}

impl Nav {
    /// Switches to the Components view with `name`'s row highlighted.
    pub fn show_component(&self, name: &str) {
        self.selected.set(Some(name.to_string()));
        self.tab.set(Tab::Components);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    Rate,
    Total,
}

/// An SVG polyline of renders per second; numbers only, nothing from the page.
fn sparkline(values: &[u64]) -> impl IntoView {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let w = values.len().saturating_sub(1).max(1) as f64;
    let points: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1} ", i as f64 * 60.0 / w, 15.0 - *v as f64 * 14.0 / max))
        .collect();
    view! {
        <svg class="spark" viewBox="0 0 60 16" preserveAspectRatio="none" aria-hidden="true">
            <polyline points=points fill="none" stroke="currentColor" stroke-width="1.2"></polyline>
        </svg>
    }
}

fn keys_view(row: &ComponentRow) -> impl IntoView {
    row.component
        .keys
        .iter()
        .map(|k| {
            let same = if k.equal == k.count {
                " (same content)".to_string()
            } else if k.equal > 0 {
                format!(" ({} same content)", k.equal)
            } else {
                String::new()
            };
            view! {
                <li class="key">
                    <code>{format!("{} {}", k.kind, clip(&k.key, MAX_TEXT))}</code>
                    {format!(" ×{}{same}: ", k.count)}
                    <span class="from">{clip(&k.from, MAX_TEXT)}</span>" → "<span class="to">{clip(&k.to, MAX_TEXT)}</span>
                </li>
            }
        })
        .collect_view()
}

fn row_view(row: &ComponentRow, selected: bool, vkey: u64) -> impl IntoView {
    let c = &row.component;
    let time = c.self_ms.map(|ms| format!("{ms:.1} ms")).unwrap_or_else(|| "–".into());
    let owner = c.owner.as_deref().map(|o| format!("under {}", clip(o, MAX_TEXT)));
    view! {
        <tr class="component" class:selected=selected data-component=c.name.clone() data-vkey=vkey.to_string()>
            <td class="name">{clip(&c.name, MAX_TEXT)}<div class="owner">{owner}</div></td>
            <td class="num rate">{row.per_s}<span class="unit">"/s"</span></td>
            <td class="spark-cell">{sparkline(&row.sparkline)}</td>
            <td class="num">{c.renders}</td>
            <td class="num wasted">{c.unnecessary}</td>
            <td class="num">{c.peak_per_s}</td>
            <td class="num">{time}</td>
            <td class="causes">{c.causes()}<ul class="keys">{keys_view(row)}</ul></td>
        </tr>
    }
}

/// The table's rows in the chosen order, each keyed by component name.
fn rows(
    all: &Arc<Vec<ComponentRow>>,
    sort: Sort,
    selected: Option<&str>,
) -> Vec<Item<(Arc<Vec<ComponentRow>>, usize, bool)>> {
    let mut order: Vec<usize> = (0..all.len()).collect();
    if sort == Sort::Rate {
        crate::model::sort::sort_by(&mut order, |&a, &b| {
            let (a, b) = (&all[a], &all[b]);
            b.per_s
                .cmp(&a.per_s)
                .then(b.component.renders.cmp(&a.component.renders))
        });
    }
    order
        .into_iter()
        .map(|i| {
            let r = &all[i];
            let c = &r.component;
            let key = key_of(&[&c.name]);
            let sel = selected == Some(c.name.as_str());
            let sparkline = r.sparkline.iter().fold(0u64, |h, v| mix(h, &[*v]));
            Item {
                key,
                version: mix(
                    key,
                    &[
                        r.per_s as u64,
                        c.renders,
                        c.unnecessary,
                        c.peak_per_s as u64,
                        c.keys.len() as u64,
                        sel as u64,
                        sparkline,
                    ],
                ),
                est: 48.0,
                data: (all.clone(), i, sel),
            }
        })
        .collect()
}

#[component]
pub fn ComponentsView(snap: RwSignal<Snapshot>, nav: Nav) -> impl IntoView {
    let sort = RwSignal::new(Sort::Rate);
    let sort_button = move |s: Sort, label: &'static str| {
        view! {
            <button class="filter" class:on=move || sort.get() == s on:click=move |_| sort.set(s)>{label}</button>
        }
    };
    let items = RwSignal::new(Arc::new(Vec::new()));
    Effect::new(move |_| {
        let selected = nav.selected.get();
        let order = sort.get();
        set_items(items, snap.with(|s| rows(&s.components, order, selected.as_deref())));
    });
    let list = Virtual::new(items.into());
    // Bring the row a finding pointed at into view once it is drawn.
    Effect::new(move |_| {
        if let Some(name) = nav.selected.get() {
            let key = key_of(&[&name]);
            request_animation_frame(move || {
                list.scroll_to_key(key);
                request_animation_frame(move || scroll_to(&name));
            });
        }
    });
    let empty = move || snap.with(|s| s.components.is_empty());
    // What was not counted is said, never hidden.
    let footer = move || {
        snap.with(|s| {
            let mut footer = format!("{} components · {} commits", s.component_total, s.commits);
            if let Some(ms) = s.hook_ms {
                footer.push_str(&format!(" · {ms:.1} ms spent counting them"));
            }
            if s.fibers_skipped > 0 {
                footer.push_str(&format!(
                    " · {} fibers not walked (commits over 20,000 fibers)",
                    s.fibers_skipped
                ));
            }
            if s.components_not_kept > 0 {
                footer.push_str(&format!(" · {} components not kept", s.components_not_kept));
            }
            footer
        })
    };
    let draw = |item: Item<(Arc<Vec<ComponentRow>>, usize, bool)>| {
        let (all, i, sel) = item.data;
        row_view(&all[i], sel, item.key)
    };
    view! {
        <div class="components-view">
            <div class="toolbar">"Sort by "{sort_button(Sort::Rate, "Renders/s")}{sort_button(Sort::Total, "Total renders")}</div>
            <p class="empty" hidden=move || !empty()>"No React renders seen on this page yet. Stormwatch counts them from React's own \
                commits (React 16.8 to 19, development and production builds); interact with the page to see them."</p>
            <div class="vlist" node_ref=list.scroller on:scroll=move |_| list.next_frame() hidden=empty>
                <table class="components">
                    <thead><tr>
                        <th>"Component"</th><th>"Now"</th><th>"Last 30 s"</th><th>"Renders"</th>
                        <th title="Re-renders whose props and state were deep-equal to the previous ones">"Changed nothing"</th>
                        <th>"Peak/s"</th><th title="Self render time (development and profiling builds)">"Self time"</th>
                        <th>"Why, and what changed"</th>
                    </tr></thead>
                    <tbody>
                        <tr class="spacer"><td colspan="8" style=move || format!("height:{}px;padding:0;border:0", list.top_px())></td></tr>
                        <For each=move || list.visible() key=|it| (it.key, it.version) children=draw />
                        <tr class="spacer"><td colspan="8" style=move || format!("height:{}px;padding:0;border:0", list.bottom_px())></td></tr>
                    </tbody>
                </table>
                <p class="more">{footer}</p>
            </div>
        </div>
    }
}

fn scroll_to(name: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(rows) = doc.query_selector_all("tr.component") else {
        return;
    };
    for i in 0..rows.length() {
        let Some(el) = rows
            .item(i)
            .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
        else {
            continue;
        };
        if el.get_attribute("data-component").as_deref() == Some(name) {
            el.scroll_into_view();
            return;
        }
    }
}
