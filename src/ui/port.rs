//! The port to the extension's service worker: the inspected page's messages come
//! in through it (`hello`, `batch`, `lost`, `map`; several at a time as a list, see
//! extension/background.js) and the panel's answers go out (`sync`, `fetch_map`,
//! through `PortTransport`). A port the service worker closes (it stops after 30 s
//! idle) is reopened with a doubling backoff.

use super::bridge::{call, chrome, get, listen};
use super::state::Panel;
use crate::live::Transport;
use gloo_timers::callback::Timeout;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

pub const FIRST_BACKOFF_MS: i32 = 100;
const MAX_BACKOFF_MS: i32 = 5_000;

fn text(msg: &JsValue, key: &str) -> String {
    get(msg, &[key]).and_then(|v| v.as_string()).unwrap_or_default()
}

fn num(msg: &JsValue, key: &str) -> u64 {
    get(msg, &[key])
        .and_then(|v| v.as_f64())
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map_or(0, |n| n as u64)
}

/// The session's answers, as port messages to the page's relay.
pub struct PortTransport<'a>(pub &'a Panel);

impl Transport for PortTransport<'_> {
    fn sync(&self, doc: &str, after: u64) {
        let m = Object::new();
        let _ = Reflect::set(&m, &"kind".into(), &"sync".into());
        let _ = Reflect::set(&m, &"doc".into(), &doc.into());
        let _ = Reflect::set(&m, &"after".into(), &(after as f64).into());
        post(self.0, &m);
    }

    fn fetch_map(&self, map: &str, script: &str) {
        let m = Object::new();
        let _ = Reflect::set(&m, &"kind".into(), &"fetch_map".into());
        let _ = Reflect::set(&m, &"url".into(), &map.into());
        let _ = Reflect::set(&m, &"script".into(), &script.into());
        post(self.0, &m);
    }
}

fn post(panel: &Panel, msg: &Object) {
    let port = panel.state().link.borrow().port.clone();
    if let Some(port) = port {
        let _ = call(&port, "postMessage", &[msg.clone().into()]);
    }
}

/// Connects to the service worker for tab `tab`.
pub fn connect(panel: &Panel, tab: f64) {
    panel.state().link.borrow_mut().tab = tab;
    open(panel);
}

fn open(panel: &Panel) {
    let tab = panel.state().link.borrow().tab;
    let Some(runtime) = chrome(&["runtime"]) else {
        return;
    };
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"name".into(), &format!("stormwatch-panel:{tab}").into());
    let Ok(port) = call(&runtime, "connect", &[opts.into()]) else {
        retry(panel);
        return;
    };
    if let Some(on_message) = get(&port, &["onMessage"]) {
        let p = panel.clone();
        listen(
            &on_message,
            Closure::<dyn FnMut(JsValue)>::new(move |msg| on_message_from_page(&p, msg)).into_js_value(),
        );
    }
    if let Some(on_disconnect) = get(&port, &["onDisconnect"]) {
        let mine = port.clone();
        let p = panel.clone();
        listen(
            &on_disconnect,
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                // Read lastError so Chrome does not log it as unchecked.
                let _ = chrome(&["runtime", "lastError"]);
                let current = p.state().link.borrow().port.clone();
                if current.as_ref() == Some(&mine) {
                    p.state().link.borrow_mut().port = None;
                    p.set_status("Reconnecting to the page (the extension's service worker restarted)…");
                    retry(&p);
                }
            })
            .into_js_value(),
        );
    }
    panel.state().link.borrow_mut().port = Some(port);
    panel.set_status(&format!("Live: watching tab {tab}."));
    wake_relay();
}

fn retry(panel: &Panel) {
    let delay = {
        let mut link = panel.state().link.borrow_mut();
        let d = link.backoff;
        link.backoff = (d * 2).min(MAX_BACKOFF_MS);
        d
    };
    let p = panel.clone();
    Timeout::new(delay as u32, move || open(&p)).forget();
}

/// Asks the page's relay to say hello, so what it recorded before we connected
/// comes over even if the page is quiet now.
fn wake_relay() {
    let Some(iw) = chrome(&["devtools", "inspectedWindow"]) else {
        return;
    };
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"useContentScriptContext".into(), &JsValue::TRUE);
    let _ = call(
        &iw,
        "eval",
        &[
            "globalThis.__stormwatchRelay && globalThis.__stormwatchRelay.wake()".into(),
            opts.into(),
        ],
    );
}

/// Page messages are queued (see `pump`), so a flood of them, or one huge batch,
/// is ingested in slices between frames.
fn on_message_from_page(panel: &Panel, msg: JsValue) {
    panel.state().link.borrow_mut().backoff = FIRST_BACKOFF_MS;
    // The service worker forwards what came in over ~16 ms as one list.
    if Array::is_array(&msg) {
        for m in Array::from(&msg).iter() {
            on_one_message(panel, m);
        }
    } else {
        on_one_message(panel, msg);
    }
}

fn on_one_message(panel: &Panel, msg: JsValue) {
    let doc = text(&msg, "doc");
    match text(&msg, "kind").as_str() {
        "batch" => {
            let body = text(&msg, "text");
            let seq = num(&msg, "seq");
            panel.push(move |p| {
                let action = p.with_live(|l| l.accept_batch(&doc, seq, &body));
                action.send(&PortTransport(p));
            });
        }
        "hello" if !doc.is_empty() => {
            let url = text(&msg, "url");
            let restored = get(&msg, &["restored"]).and_then(|v| v.as_bool()).unwrap_or(false);
            let seq = num(&msg, "seq");
            panel.push(move |p| {
                let action = p.with_live(|l| l.hello(&doc, seq, &url, restored));
                action.send(&PortTransport(p));
            });
        }
        "lost" => {
            let (events, first) = (num(&msg, "events"), num(&msg, "first"));
            panel.push(move |p| p.with_live(|l| l.lost(&doc, events, first)));
        }
        "map" => super::sourcemaps::on_map(panel, &msg),
        _ => {}
    }
}
