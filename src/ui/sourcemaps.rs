//! Source maps of the page's big scripts, to say which packages fill them: the
//! script's text comes from DevTools, its map inline or through the page's relay
//! (maps are usually served to the page's origin only); the session's `SourceMaps`
//! keeps which scripts wait for a map and which map requests are ours.

use super::bridge::{call, get};
use super::port::PortTransport;
use super::state::Panel;
use crate::model::protocol::MapReply;
use wasm_bindgen::prelude::*;

/// Scripts this big get their source map read, to say which packages fill them.
pub const MIN_CHUNK_FOR_MAP: f64 = 250_000.0;

/// Reads a big script's text from DevTools, finds its source map (a `SourceMap`
/// header or a `sourceMappingURL` comment) and reads the map: inline ones here,
/// others through the page's relay.
pub fn read_chunk(panel: &Panel, entry: &JsValue) {
    let url = get(entry, &["request", "url"])
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let header = get(entry, &["response", "headers"])
        .map(|h| js_sys::Array::from(&h))
        .and_then(|headers| {
            headers.iter().find_map(|h| {
                let name = get(&h, &["name"])?.as_string()?.to_ascii_lowercase();
                (name == "sourcemap" || name == "x-sourcemap").then(|| get(&h, &["value"])?.as_string())?
            })
        });
    let p = panel.clone();
    let on_content = Closure::once_into_js(move |content: JsValue, encoding: JsValue| {
        let Some(script) = content.as_string() else { return };
        if !encoding.as_string().unwrap_or_default().is_empty() {
            return;
        }
        let Some(reference) = header.or_else(|| crate::input::sourcemap::reference(&script)) else {
            return;
        };
        if let Some(data) = reference.strip_prefix("data:") {
            let (meta, payload) = data.split_once(',').unwrap_or(("", ""));
            let map = if meta.contains(";base64") {
                web_sys::window().and_then(|w| w.atob(payload).ok())
            } else {
                js_sys::decode_uri_component(payload).ok().and_then(|s| s.as_string())
            };
            if let Some(map) = map {
                chunk_map(&p, &url, "inline", &map, &script);
            }
            return;
        }
        let Ok(resolved) = web_sys::Url::new_with_base(&reference, &url).map(|u| u.href()) else {
            return;
        };
        // At most a few fetches in the page at once; later chunks go without.
        let transport = PortTransport(&p);
        p.state().maps.borrow_mut().ask(&url, &resolved, script, &transport);
    });
    let _ = call(entry, "getContent", &[on_content]);
}

/// The relay's answer: the map's text, or why there is none (the script's slot is
/// freed either way).
pub fn on_map(panel: &Panel, reply: MapReply) {
    let Some(content) = panel.state().maps.borrow_mut().answered(&reply.script) else {
        return;
    };
    if let Some(map) = reply.text {
        chunk_map(panel, &reply.script, &reply.url, &map, &content);
    }
}

fn chunk_map(panel: &Panel, script: &str, map_url: &str, map: &str, content: &str) {
    let Ok(mut packages) = crate::input::sourcemap::packages(map, content) else {
        return;
    };
    if packages.is_empty() {
        return;
    }
    packages.truncate(20);
    let c = crate::model::event::ChunkPackages {
        t: js_sys::Date::now(),
        url: script.to_string(),
        map: map_url.to_string(),
        packages,
    };
    panel.push(move |p| p.with_live(|l| l.chunk_packages(c)));
}
