//! The Timeline view: requests by endpoint, long tasks, React commits and memory
//! on one axis, findings marked, zoomable. The shapes come from `crate::timeline`
//! (shared with the HTML report); this draws them as SVG elements, page strings as
//! text nodes in `<title>` tooltips and the detail line.

use super::state::{self, Snapshot};
use crate::report::timeline::{Shape, Timeline, WIDTH};
use leptos::prelude::*;

/// The timeline is rebuilt from the session at most this often (milliseconds).
const REBUILD_MS: f64 = 500.0;

/// What part of the session is in view: all of it, the last `ms` (following live),
/// or a fixed range.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Range {
    All,
    Last(f64),
    Fixed(f64, f64),
}

impl Range {
    fn bounds(self, end: f64) -> (f64, f64) {
        let end = end.max(1000.0);
        match self {
            Range::All => (0.0, end),
            Range::Last(ms) => ((end - ms).max(0.0), end.max(ms)),
            Range::Fixed(a, b) => (a, b),
        }
    }
}

fn draw(shape: Shape, detail: RwSignal<String>) -> AnyView {
    match shape {
        Shape::Rect { x, y, w, h, class, tip } => {
            let hover = tip.clone();
            view! {
                <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{w:.1}") height=format!("{h:.1}")
                    class=class on:mouseenter=move |_| detail.set(hover.clone())>
                    <title>{tip}</title>
                </rect>
            }
            .into_any()
        }
        Shape::Line { points, class, tip } => {
            let hover = tip.clone();
            view! {
                <polyline points=points class=class on:mouseenter=move |_| detail.set(hover.clone())>
                    <title>{tip}</title>
                </polyline>
            }
            .into_any()
        }
        Shape::Text { x, y, text, class } => {
            view! { <text x=format!("{x:.1}") y=format!("{y:.1}") class=class>{text}</text> }.into_any()
        }
    }
}

#[component]
pub fn TimelineView(snap: RwSignal<Snapshot>) -> impl IntoView {
    let range = RwSignal::new(Range::All);
    let panel = state::use_panel();
    let detail = RwSignal::new(String::new());
    // Rebuilt when the session changes, at most every REBUILD_MS (a flood of
    // requests must not rebuild 20,000 spans on every redraw), and once more after
    // the last change.
    let tick = RwSignal::new(0u64);
    let last = StoredValue::new(0.0f64);
    let pending = StoredValue::new(false);
    Effect::new(move |_| {
        snap.track();
        let now = js_sys::Date::now();
        if now - last.get_value() >= REBUILD_MS {
            last.set_value(now);
            tick.update(|t| *t += 1);
        } else if !pending.get_value() {
            pending.set_value(true);
            gloo_timers::callback::Timeout::new(REBUILD_MS as u32, move || {
                pending.set_value(false);
                last.set_value(js_sys::Date::now());
                tick.update(|t| *t += 1);
            })
            .forget();
        }
    });
    let timeline = Memo::new(move |_| {
        tick.track();
        panel.with_value(|p| p.read_live(|l| Timeline::of(&l.engine)))
    });
    let zoom = move |factor: f64| {
        let end = timeline.with(|t| t.end);
        let (a, b) = range.get().bounds(end);
        let mid = (a + b) / 2.0;
        let half = ((b - a) * factor / 2.0).max(50.0);
        range.set(Range::Fixed((mid - half).max(0.0), mid + half));
    };
    let pan = move |dir: f64| {
        let end = timeline.with(|t| t.end);
        let (a, b) = range.get().bounds(end);
        let shift = (b - a) / 2.0 * dir;
        let shift = shift.max(-a);
        range.set(Range::Fixed(a + shift, b + shift));
    };
    let button = move |label: &'static str, id: &'static str, r: Range| {
        view! {
            <button class="filter" id=id class:on=move || range.get() == r on:click=move |_| range.set(r)>{label}</button>
        }
    };
    let picture = move || {
        timeline.with(|tl| {
            if tl.lanes.is_empty() {
                return view! {
                    <p class="empty">"Nothing on the timeline yet: requests, long tasks, React commits and memory \
                    samples appear here as the page runs."</p>
                }
                .into_any();
            }
            let (a, b) = range.get().bounds(tl.end);
            let shapes = tl.layout(a, b);
            let height = tl.height();
            view! {
                <svg class="timeline" viewBox=format!("0 0 {WIDTH} {height:.0}")>
                    {shapes.into_iter().map(|s| draw(s, detail)).collect_view()}
                </svg>
            }
            .into_any()
        })
    };
    view! {
        <div class="timeline-view">
            <div class="toolbar">
                {button("All", "tl-all", Range::All)}
                {button("Last 60 s", "tl-60", Range::Last(60_000.0))}
                {button("Last 10 s", "tl-10", Range::Last(10_000.0))}
                <button class="filter" id="tl-in" title="Zoom in" on:click=move |_| zoom(0.5)>"+"</button>
                <button class="filter" id="tl-out" title="Zoom out" on:click=move |_| zoom(2.0)>"−"</button>
                <button class="filter" title="Earlier" on:click=move |_| pan(-1.0)>"←"</button>
                <button class="filter" title="Later" on:click=move |_| pan(1.0)>"→"</button>
                <span class="legend">
                    <i class="ok"></i>"request "<i class="error"></i>"failed "<i class="task"></i>"long task "
                    <i class="react"></i>"React commits "<i class="mark-warning"></i>"finding"
                </span>
            </div>
            {picture}
            <p class="detail">{move || detail.get()}</p>
        </div>
    }
}
