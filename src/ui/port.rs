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

/// Sends one of the protocol's messages as a plain object, with the fields (and
/// the `kind` tag) its serde type writes (the wire goldens pin them). The panel
/// sends only `sync` and `fetch_map`.
fn post(panel: &Panel, msg: &PortMessage) {
    let obj = Object::new();
    let set = |name: &str, value: JsValue| {
        let _ = Reflect::set(&obj, &name.into(), &value);
    };
    match msg {
        PortMessage::Sync(s) => {
            set("kind", "sync".into());
            set("doc", s.doc.as_str().into());
            set("after", (s.after as f64).into());
        }
        PortMessage::FetchMap(f) => {
            set("kind", "fetch_map".into());
            set("url", f.url.as_str().into());
            set("script", f.script.as_str().into());
        }
        _ => return,
    }
    let port = panel.state().link.borrow().port.clone();
    if let Some(port) = port {
        let _ = call(&port, "postMessage", &[obj.into()]);
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
/// `kind` is read first and then its fields.
fn on_one_message(panel: &Panel, msg: JsValue) {
    let kind = get(&msg, &["kind"]).and_then(|k| k.as_string()).unwrap_or_default();
    let mut f = Fields { msg: &msg, bad: None };
    match kind.as_str() {
        "batch" => {
            let b = BatchText {
                doc: f.string("doc"),
                seq: f.number("seq", MAX_SAFE_INTEGER) as u64,
                text: f.string("text"),
            };
            let Some(b) = f.done(&kind, b) else { return };
            panel.push(move |p| {
                let action = p.with_live(|l| l.accept_batch(&b.doc, b.seq, &b.text));
                action.send(&PortTransport(p));
            });
        }
        "hello" => {
            let h = Hello {
                v: f.number("v", u32::MAX as f64) as u32,
                doc: f.string("doc"),
                seq: f.number("seq", MAX_SAFE_INTEGER) as u64,
                url: f.string("url"),
                restored: f.bool("restored"),
            };
            let Some(h) = f.done(&kind, h) else { return };
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
            let l = Lost {
                doc: f.string("doc"),
                events: f.number("events", MAX_SAFE_INTEGER) as u64,
                first: f.number("first", MAX_SAFE_INTEGER) as u64,
            };
            let Some(l) = f.done(&kind, l) else { return };
            panel.push(move |p| p.with_live(|s| s.lost(&l.doc, l.events, l.first)));
        }
        "map" => {
            let m = MapReply {
                script: f.string("script"),
                url: f.string("url"),
                text: f.nullable_string("text"),
                error: f.nullable_string("error"),
            };
            if let Some(m) = f.done(&kind, m) {
                super::sourcemaps::on_map(panel, m);
            }
        }
        _ => web_sys::console::warn_1(
            &format!("Stormwatch: a message of unknown kind {kind:?} from the page's relay").into(),
        ),
    }
}

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// One message's fields, read as the protocol's serde types read them: each one
/// present and of its type (an `Option` may be `null`), other fields ignored. Read
/// by hand: serde-wasm-bindgen's decoders of these structs cost the panel's wasm
/// more than 10 KB.
struct Fields<'a> {
    msg: &'a JsValue,
    /// The first field missing or of the wrong type.
    bad: Option<&'static str>,
}

impl Fields<'_> {
    fn value(&mut self, name: &'static str) -> JsValue {
        let key = JsValue::from_str(name);
        match Reflect::has(self.msg.unchecked_ref(), &key) {
            Ok(true) => Reflect::get(self.msg, &key).unwrap_or(JsValue::UNDEFINED),
            _ => {
                self.bad.get_or_insert(name);
                JsValue::UNDEFINED
            }
        }
    }

    fn string(&mut self, name: &'static str) -> String {
        let value = self.value(name).as_string();
        value.unwrap_or_else(|| {
            self.bad.get_or_insert(name);
            String::new()
        })
    }

    fn nullable_string(&mut self, name: &'static str) -> Option<String> {
        let value = self.value(name);
        if value.is_null() || value.is_undefined() {
            return None;
        }
        let text = value.as_string();
        if text.is_none() {
            self.bad.get_or_insert(name);
        }
        text
    }

    /// A whole number from 0 to `max`.
    fn number(&mut self, name: &'static str, max: f64) -> f64 {
        match self.value(name).as_f64() {
            Some(n) if (0.0..=max).contains(&n) && n.fract() == 0.0 => n,
            _ => {
                self.bad.get_or_insert(name);
                0.0
            }
        }
    }

    fn bool(&mut self, name: &'static str) -> bool {
        let value = self.value(name).as_bool();
        value.unwrap_or_else(|| {
            self.bad.get_or_insert(name);
            false
        })
    }

    /// The message read, or `None` (named in the console) when a field was bad.
    fn done<T>(self, kind: &str, message: T) -> Option<T> {
        let Some(name) = self.bad else {
            return Some(message);
        };
        let text = format!(
            "Stormwatch: a {kind} message from the page's relay was not understood: `{name}` is missing or of the wrong type"
        );
        web_sys::console::warn_1(&text.into());
        None
    }
}
