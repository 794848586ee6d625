//! The port to the extension's service worker: the inspected page's messages come
//! in through it (`hello`, `batch`, `lost`, `map`; several at a time as a list, see
//! extension/background.js) and the panel's answers go out (`sync`, `fetch_map`,
//! through `PortTransport`). A port the service worker closes (it stops after 30 s
//! idle) is reopened with a doubling backoff.

use super::bridge::{call, chrome, get, listen};
use super::state::Panel;
use crate::live::Transport;
use crate::model::protocol::{BatchText, FetchMap, Hello, Lost, MapReply, PortMessage, Sync, PROTOCOL_VERSION};
use gloo_timers::callback::Timeout;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

pub const FIRST_BACKOFF_MS: i32 = 100;
const MAX_BACKOFF_MS: i32 = 5_000;

/// The session's answers, as port messages to the page's relay.
pub struct PortTransport<'a>(pub &'a Panel);

impl Transport for PortTransport<'_> {
    fn sync(&self, doc: &str, after: u64) {
        post(
            self.0,
            &PortMessage::Sync(Sync {
                doc: doc.to_string(),
                after,
            }),
        );
    }

    fn fetch_map(&self, map: &str, script: &str) {
        post(
            self.0,
            &PortMessage::FetchMap(FetchMap {
                url: map.to_string(),
                script: script.to_string(),
            }),
        );
    }
}

/// Sends one of the protocol's messages, written by its serde type (the same the
/// wire goldens pin), as a plain object.
fn post(panel: &Panel, msg: &PortMessage) {
    use serde::Serialize;
    let port = panel.state().link.borrow().port.clone();
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    if let (Some(port), Ok(value)) = (port, msg.serialize(&ser)) {
        let _ = call(&port, "postMessage", &[value]);
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

/// Decodes a message with the protocol's types (every field required, see
/// `model::protocol`); one that does not decode is named in the console and
/// otherwise ignored, so a relay of another version cannot break the panel. The
/// `kind` is read first and then its struct decoded: going through the tagged
/// `PortMessage` enum would buffer every batch's text once more (and cost 8 KB of
/// wasm for serde's buffering).
fn on_one_message(panel: &Panel, msg: JsValue) {
    let kind = get(&msg, &["kind"]).and_then(|k| k.as_string()).unwrap_or_default();
    match kind.as_str() {
        "batch" => {
            let Some(b) = decode::<BatchText>(&kind, msg) else {
                return;
            };
            panel.push(move |p| {
                let action = p.with_live(|l| l.accept_batch(&b.doc, b.seq, &b.text));
                action.send(&PortTransport(p));
            });
        }
        "hello" => {
            let Some(h) = decode::<Hello>(&kind, msg) else { return };
            if h.v != PROTOCOL_VERSION {
                panel.set_status(&format!(
                    "The page's hook speaks protocol {} and this panel {PROTOCOL_VERSION}: reload the page (the extension was updated).",
                    h.v
                ));
            } else if !h.doc.is_empty() {
                panel.push(move |p| {
                    let action = p.with_live(|l| l.hello(&h.doc, h.seq, &h.url, h.restored));
                    action.send(&PortTransport(p));
                });
            }
        }
        "lost" => {
            let Some(l) = decode::<Lost>(&kind, msg) else { return };
            panel.push(move |p| p.with_live(|s| s.lost(&l.doc, l.events, l.first)));
        }
        "map" => {
            if let Some(m) = decode::<MapReply>(&kind, msg) {
                super::sourcemaps::on_map(panel, m);
            }
        }
        _ => web_sys::console::warn_1(
            &format!("Stormwatch: a message of unknown kind {kind:?} from the page's relay").into(),
        ),
    }
}

fn decode<T: serde::de::DeserializeOwned>(kind: &str, msg: JsValue) -> Option<T> {
    serde_wasm_bindgen::from_value(msg)
        .map_err(|e| {
            let text = format!("Stormwatch: a {kind} message from the page's relay was not understood: {e}");
            web_sys::console::warn_1(&text.into());
        })
        .ok()
}
