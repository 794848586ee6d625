//! The DevTools panel (wasm32 only): a Leptos view over the live session.
//!
//! `state` holds the one `Panel` state (the session, the view's signal, the work
//! queue of `pump`), provided to the view through Leptos context and held by the
//! callbacks below. `bridge` reads `chrome.*` and starts the three channels the
//! session is fed from: `port` (the service worker, and the page behind it),
//! `network` (DevTools' network log) and `sourcemaps`. Their logic that needs no
//! browser (taking DevTools entries once, in chunks; which bodies to read; which
//! maps to ask for) lives in the native `crate::live`, where it is tested. `view`
//! draws, `api` is `window.stormwatch` for automation and the Export button;
//! `heap` counts the wasm heap (live and peak bytes) for the memory benchmark.

mod api;
mod bridge;
mod components_view;
mod findings_view;
mod heap;
mod network;
mod port;
mod pump;
mod sourcemaps;
mod state;
mod timeline_view;
mod view;
mod virtual_list;

pub use state::Panel;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// Runs when the panel's wasm module is initialized.
#[wasm_bindgen(start)]
pub fn start() {
    // For scripts/bench-panel.mjs: when the wasm is fetched, compiled and running
    // (what the first render waited for until then, and what the mount takes after).
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark("stormwatch:start");
    }
    state::install_panic_hook();
    let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else {
        return;
    };
    let panel = Panel::new(crate::Config::default());
    api::load_saved_config(&panel);
    mount_panel(body, panel.clone());
    // For scripts/bench-panel.mjs: how long opening the panel takes to its first render.
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark("stormwatch:mounted");
    }
    api::install(&panel);
    heap::install();
    bridge::connect(&panel);
}

/// Mounts a new panel into an element (a test's container) and returns its state.
pub fn mount_into(el: web_sys::HtmlElement) -> Panel {
    let panel = Panel::new(crate::Config::default());
    mount_panel(el, panel.clone());
    panel
}

fn mount_panel(el: web_sys::HtmlElement, panel: Panel) {
    leptos::mount::mount_to(el, move || {
        provide_context(panel);
        view::Panel()
    })
    .forget();
}
