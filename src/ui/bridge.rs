//! The panel's way into `chrome.*`: reading the extension APIs, and DevTools'
//! own panels (Network, Sources). `connect` starts the three channels the session
//! is fed from, each in its own module: the port to the service worker (`port`),
//! DevTools' network log (`network`) and source maps (`sourcemaps`). Outside
//! DevTools (the panel opened in a plain tab) it says so and leaves the panel
//! usable through `window.stormwatch`.

use super::state::Panel;
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Property names the panel reads, made into JavaScript strings once. A key made
/// afresh for every read costs a view of wasm memory, a decoded string and its
/// internalization on each `Reflect.get`: under a flood of DevTools entries that
/// was tens of MB of young garbage in the panel's JS heap (a sampling profile).
const MAX_KEYS: usize = 128;

thread_local! {
    static KEYS: std::cell::RefCell<Vec<(String, JsValue)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn key(name: &str) -> JsValue {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some((_, k)) = keys.iter().find(|(n, _)| n == name) {
            return k.clone();
        }
        let k = JsValue::from_str(name);
        if keys.len() < MAX_KEYS {
            keys.push((name.to_string(), k.clone()));
        }
        k
    })
}

pub(super) fn get(root: &JsValue, path: &[&str]) -> Option<JsValue> {
    let mut v = root.clone();
    for name in path {
        v = Reflect::get(&v, &key(name)).ok()?;
        if v.is_undefined() || v.is_null() {
            return None;
        }
    }
    Some(v)
}

pub(super) fn chrome(path: &[&str]) -> Option<JsValue> {
    get(&js_sys::global(), &[&["chrome"], path].concat())
}

pub(super) fn call(obj: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(obj, &key(method))?.dyn_into()?;
    f.apply(obj, &args.iter().collect::<Array>())
}

pub(super) fn listen(target: &JsValue, f: JsValue) {
    let _ = call(target, "addListener", &[f]);
}

pub fn connect(panel: &Panel) {
    let Some(tab) = chrome(&["devtools", "inspectedWindow", "tabId"]).and_then(|v| v.as_f64()) else {
        panel.set_status("Not inside DevTools: import a saved report or HAR file (Import, or drop it here), or open DevTools on a page and choose the Stormwatch tab.");
        return;
    };
    super::port::connect(panel, tab);
    super::network::watch(panel);
}

/// Whether this DevTools can filter its Network panel for us (Chrome 124+).
pub fn can_show_network() -> bool {
    chrome(&["devtools", "panels", "network", "show"]).is_some_and(|f| f.is_function())
}

/// Switches to the Network panel, filtered to the given text.
pub fn show_in_network(filter: &str) {
    if let Some(network) = chrome(&["devtools", "panels", "network"]) {
        let opts = Object::new();
        let _ = Reflect::set(&opts, &"filter".into(), &filter.into());
        let _ = call(&network, "show", &[opts.into()]);
    }
}

/// Opens a script in the Sources panel at a 1-based line and column.
pub fn open_source(url: &str, line: u32, column: u32) {
    // Only web URLs: page data never chooses what DevTools opens beyond that.
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return;
    }
    if let Some(panels) = chrome(&["devtools", "panels"]) {
        let args = [
            url.into(),
            JsValue::from(line.saturating_sub(1)),
            JsValue::from(column.saturating_sub(1)),
        ];
        let _ = call(&panels, "openResource", &args);
    }
}

/// Opens a script at a character offset (what long animation frames report): the
/// script's text, from DevTools, turns the offset into a line and column.
pub fn open_source_at_char(url: &str, offset: u32) {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return;
    }
    let Some(iw) = chrome(&["devtools", "inspectedWindow"]) else {
        return;
    };
    let url = url.to_string();
    let on_resources = Closure::once_into_js(move |resources: JsValue| {
        let list: Array = resources.unchecked_into();
        let Some(resource) = list
            .iter()
            .find(|r| get(r, &["url"]).and_then(|u| u.as_string()).as_deref() == Some(&url))
        else {
            open_source(&url, 1, offset + 1);
            return;
        };
        let target = url.clone();
        let on_content = Closure::once_into_js(move |content: JsValue| {
            let text = content.as_string().unwrap_or_default();
            let before: String = text.chars().take(offset as usize).collect();
            let line = before.matches('\n').count() as u32 + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            open_source(&target, line, column);
        });
        let _ = call(&resource, "getContent", &[on_content]);
    });
    let _ = call(&iw, "getResources", &[on_resources]);
}
