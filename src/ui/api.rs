//! `window.stormwatch`: the automation hook tests and scripts use, and the
//! Export button's download. `report()` resolves to the same JSON Export saves.

use super::state::Panel;
use crate::report::Report;
use js_sys::{Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub fn report_json(panel: &Panel, with_events: bool) -> String {
    super::network::note_pauses(panel);
    // Serialized straight to text, then redacted in the text: the same values as
    // `Report::json_of(.., true)`, without building a JSON tree of the whole event
    // log first (that took most of report()'s time on a big session).
    let plain = panel.with_live(|l| Report::plain_json_of(&l.engine, with_events));
    crate::live::redact_json_text(&plain)
}

fn set(obj: &Object, name: &str, f: JsValue) {
    let _ = Reflect::set(obj, &name.into(), &f);
}

pub fn install(panel: &Panel) {
    let api = Object::new();
    let p = panel.clone();
    set(
        &api,
        "report",
        // Written in slices between frames (see `pump::report_promise`).
        Closure::<dyn Fn() -> Promise>::new(move || super::pump::report_promise(&p)).into_js_value(),
    );
    // Exactly what Export saves, as text: 'json', 'html' or 'md'.
    let p = panel.clone();
    set(
        &api,
        "exportText",
        Closure::<dyn Fn(String) -> String>::new(move |kind: String| export_text(&p, &kind).0).into_js_value(),
    );
    // The report without its event log: cheap enough to poll.
    let p = panel.clone();
    set(
        &api,
        "summary",
        Closure::<dyn Fn() -> Promise>::new(move || {
            let parsed = JSON::parse(&report_json(&p, false)).unwrap_or(JsValue::NULL);
            Promise::resolve(&parsed)
        })
        .into_js_value(),
    );
    // For tests and for pasting a saved batch into a panel opened in a plain tab.
    let p = panel.clone();
    set(
        &api,
        "ingestBatch",
        Closure::<dyn Fn(String) -> JsValue>::new(move |text: String| {
            match p.with_live(|l| l.engine.ingest_batch(&text)) {
                Ok(n) => JsValue::from(n as u32),
                Err(e) => JsValue::from(e.to_string()),
            }
        })
        .into_js_value(),
    );
    // Thresholds: the same settings a config file holds (`Config` as JSON).
    let p = panel.clone();
    set(
        &api,
        "getConfig",
        Closure::<dyn Fn() -> JsValue>::new(move || config_value(&p)).into_js_value(),
    );
    let p = panel.clone();
    set(
        &api,
        "setConfig",
        Closure::<dyn Fn(JsValue) -> JsValue>::new(move |value: JsValue| {
            let value = match value.as_string() {
                Some(text) => parse_json(&text),
                None => Ok(value),
            };
            match value.and_then(|v| apply_config_value(&p, v)) {
                Ok(()) => JsValue::TRUE,
                Err(e) => JsValue::from(e),
            }
        })
        .into_js_value(),
    );
    // Messages and events waiting to be ingested (the panel ingests in slices).
    let p = panel.clone();
    set(
        &api,
        "pendingWork",
        Closure::<dyn Fn() -> f64>::new(move || p.pending() as f64).into_js_value(),
    );
    // When the flood pause now on began (ms since the epoch; 0 while DevTools' log
    // is heard), so a test can act while a pause is young.
    set(
        &api,
        "floodPausedSince",
        Closure::<dyn Fn() -> f64>::new(super::network::paused_since).into_js_value(),
    );
    // Bytes of wasm linear memory, so tests and benchmarks can check it stays bounded.
    set(
        &api,
        "wasmMemoryBytes",
        Closure::<dyn Fn() -> f64>::new(|| {
            let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
            memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64
        })
        .into_js_value(),
    );
    if let Some(w) = web_sys::window() {
        let _ = Reflect::set(&w, &"stormwatch".into(), &api);
    }
}

const CONFIG_KEY: &str = "stormwatch.config";

// Settings cross into and out of the wasm as JSON text, parsed and written by the
// browser's JSON on this side (its error messages, its number formatting) and read
// and written by `Config::from_json` and `to_json` on the other.

/// The settings as a plain object (`getConfig()`).
fn config_value(panel: &Panel) -> JsValue {
    let text = panel.with_live(|l| l.config().to_json());
    JSON::parse(&text).unwrap_or(JsValue::NULL)
}

fn parse_json(text: &str) -> Result<JsValue, String> {
    JSON::parse(text).map_err(|e| {
        let why = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()));
        format!("Settings not applied: not JSON ({})", why.unwrap_or_default())
    })
}

/// Applies settings given as JSON text (missing fields keep their defaults) and
/// keeps them for the next time the panel opens.
pub fn apply_config(panel: &Panel, json: &str) -> Result<(), String> {
    apply_config_value(panel, parse_json(json)?)
}

/// `apply_config` for settings already parsed (an object from `setConfig`).
fn apply_config_value(panel: &Panel, value: JsValue) -> Result<(), String> {
    let text = JSON::stringify(&value).ok().and_then(|s| s.as_string());
    let cfg = crate::Config::from_json(text.as_deref().unwrap_or("undefined"))
        .map_err(|e| format!("Settings not applied: {e}"))?;
    panel.with_live(|l| l.set_config(cfg));
    if let (Some(storage), Some(text)) = (web_sys::window().and_then(|w| w.local_storage().ok().flatten()), text) {
        let _ = storage.set_item(CONFIG_KEY, &text);
    }
    Ok(())
}

/// Settings saved by an earlier session of the panel, if any.
pub fn load_saved_config(panel: &Panel) {
    let saved = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(CONFIG_KEY).ok().flatten());
    if let Some(Ok(cfg)) = saved.as_deref().map(crate::Config::from_json) {
        panel.with_live(|l| l.set_config(cfg));
        panel.with_live(|l| l.notice = None);
    }
}

/// The settings as indented JSON text, for the settings editor.
pub fn config_json(panel: &Panel) -> String {
    JSON::stringify_with_replacer_and_space(&config_value(panel), &JsValue::NULL, &JsValue::from(2))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// What Export saves: `json` (the replayable session), `html` (one self-contained
/// page) or `md`, with its MIME type and file extension.
pub fn export_text(panel: &Panel, kind: &str) -> (String, &'static str, &'static str) {
    super::network::note_pauses(panel);
    match kind {
        "html" => (
            panel.with_live(|l| crate::report::html_of(&l.engine, l.engine.page_url(), true)),
            "text/html",
            "html",
        ),
        "md" => (
            panel.with_live(|l| {
                let r = Report::from_engine(&l.engine, false);
                crate::report::markdown::render(&r, l.engine.page_url())
            }),
            "text/markdown",
            "md",
        ),
        _ => (report_json(panel, true), "application/json", "json"),
    }
}

/// Saves the report as a file, as DevTools users expect from an Export button.
pub fn download_report(panel: &Panel, kind: &str) {
    let (text, mime, ext) = export_text(panel, kind);
    save_file(
        &format!("stormwatch-report-{}.{ext}", js_sys::Date::now() as u64),
        mime,
        &text,
    );
}

fn save_file(name: &str, mime: &str, text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&JsValue::from(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = doc
        .create_element("a")
        .map(|e| e.unchecked_into::<web_sys::HtmlAnchorElement>())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Reads a chosen or dropped file and shows it instead of the live page.
pub fn import_file(panel: &Panel, file: web_sys::File, done: impl FnOnce(Result<(), String>) + 'static) {
    let name = file.name();
    let panel = panel.clone();
    let text = wasm_bindgen_futures::JsFuture::from(file.text());
    wasm_bindgen_futures::spawn_local(async move {
        let result = match text.await {
            Ok(t) => panel.with_live(|l| l.import(&name, &t.as_string().unwrap_or_default())),
            Err(_) => Err(format!("{name}: cannot read the file")),
        };
        done(result);
    });
}
