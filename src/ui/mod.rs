//! The DevTools panel (wasm32 only): a Leptos view over the live engine.
//!
//! `state` owns the session and the signals the view reads, `bridge` is the only
//! module that touches `chrome.*`, `view` draws, `api` is `window.stormwatch` for
//! automation and the Export button.

mod api;
mod bridge;
mod components_view;
mod findings_view;
mod pump;
mod state;
mod timeline_view;
mod view;
mod virtual_list;

pub use pump::pending as pending_work;
pub use state::{refresh_now, with_live};

use wasm_bindgen::prelude::*;

/// Runs when the panel's wasm module is initialized.
#[wasm_bindgen(start)]
pub fn start() {
    state::install_panic_hook();
    let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else {
        return;
    };
    api::load_saved_config();
    mount_into(body);
    // For scripts/bench-panel.mjs: how long opening the panel takes to its first render.
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark("stormwatch:mounted");
    }
    api::install();
    bridge::connect();
}

/// Mounts the panel into an element (the page body, or a test's container).
pub fn mount_into(el: web_sys::HtmlElement) {
    leptos::mount::mount_to(el, view::Panel).forget();
}
