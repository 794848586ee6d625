//! Virtualized lists: only the items in view (plus a margin) are in the DOM, the
//! rest is two spacers of the right height, so a list of thousands scrolls as
//! smoothly as one of twenty and a redraw touches a few dozen elements. Items can
//! have any height: each is drawn first at an estimate, then measured, and the
//! measurement is kept by key.

use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use wasm_bindgen::JsCast;

/// Pixels drawn above and below what is in view.
const MARGIN_PX: f64 = 800.0;
/// Measured heights remembered (keys of items long gone are dropped past this).
const MAX_MEASURED: usize = 20_000;

/// One row: `key` identifies it across redraws, `version` changes when its content
/// does (the row is then drawn again), `est` is its height until measured.
#[derive(Clone)]
pub struct Item<T> {
    pub key: u64,
    pub version: u64,
    pub est: f64,
    pub data: T,
}

impl<T> PartialEq for Item<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.version == other.version
    }
}

/// Replaces a list's items only when a row was added, removed or changed: a new
/// snapshot comes with every refresh (the header's counts), and new items make the
/// list measure its rows again, a forced layout of the panel each time.
pub fn set_items<T: Send + Sync + 'static>(items: RwSignal<Arc<Vec<Item<T>>>>, new: Vec<Item<T>>) {
    if items.with_untracked(|old| old.as_slice() != new.as_slice()) {
        items.set(Arc::new(new));
    }
}

/// Which items to draw for the pixel range `from..to`: their index range and the
/// heights of the spacers above and below them.
pub fn window(heights: impl Iterator<Item = f64>, from: f64, to: f64) -> (usize, usize, f64, f64) {
    let (mut start, mut end, mut top, mut y, mut at_end) = (None, None, 0.0, 0.0, 0.0);
    let mut n = 0;
    for (i, h) in heights.enumerate() {
        n = i + 1;
        if start.is_none() && y + h > from {
            start = Some(i);
            top = y;
        }
        if start.is_some() && end.is_none() && y >= to {
            end = Some(i);
            at_end = y;
        }
        y += h;
    }
    let start = start.unwrap_or(n);
    if start == n {
        top = y;
    }
    let end = end.unwrap_or(n);
    if end == n {
        at_end = y;
    }
    (start, end.max(start), top, y - at_end)
}

/// The state of one virtualized list; `Copy`, like the signals it is made of.
pub struct Virtual<T: Send + Sync + 'static> {
    items: Signal<Arc<Vec<Item<T>>>>,
    /// The pixel range of the list in view.
    range: RwSignal<(f64, f64)>,
    heights: StoredValue<HashMap<u64, f64>>,
    measured: RwSignal<u64>,
    win: Memo<(usize, usize, f64, f64)>,
    frame_pending: StoredValue<bool>,
    pub scroller: NodeRef<leptos::html::Div>,
}

impl<T: Send + Sync + 'static> Clone for Virtual<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Virtual<T> {}

impl<T: Clone + Send + Sync + 'static> Virtual<T> {
    pub fn new(items: Signal<Arc<Vec<Item<T>>>>) -> Self {
        let range = RwSignal::new((0.0, 1_000.0));
        let heights = StoredValue::new(HashMap::new());
        let measured = RwSignal::new(0u64);
        let win = Memo::new(move |_| {
            measured.track();
            let (a, b) = range.get();
            items.with(|its| {
                heights.with_value(|h: &HashMap<u64, f64>| {
                    window(
                        its.iter().map(|i| h.get(&i.key).copied().unwrap_or(i.est)),
                        a - MARGIN_PX,
                        b + MARGIN_PX,
                    )
                })
            })
        });
        let v = Virtual {
            items,
            range,
            heights,
            measured,
            win,
            frame_pending: StoredValue::new(false),
            scroller: NodeRef::new(),
        };
        // After each draw: measure what was drawn (and where the list is now).
        Effect::new(move |_| {
            v.win.track();
            v.items.track();
            v.next_frame();
        });
        let _ = window_event_listener(leptos::ev::resize, move |_| v.next_frame());
        let _ = window_event_listener(leptos::ev::scroll, move |_| v.next_frame());
        v
    }

    /// Reads scroll position and sizes at the next frame (once per frame).
    pub fn next_frame(self) {
        if self.frame_pending.get_value() {
            return;
        }
        self.frame_pending.set_value(true);
        request_animation_frame(move || {
            self.frame_pending.set_value(false);
            self.measure();
            self.read_range();
        });
    }

    fn read_range(self) {
        let Some(el) = self.scroller.get_untracked() else {
            return;
        };
        let Some(w) = web_sys::window() else { return };
        let inner = w.inner_height().ok().and_then(|v| v.as_f64()).unwrap_or(800.0);
        // The list scrolls itself (the panel's stylesheet), or with the page.
        let page = (w.scroll_y().unwrap_or(0.0) - el.offset_top() as f64).max(0.0);
        let from = el.scroll_top() as f64 + page;
        let seen = (el.client_height() as f64).min(inner).max(1.0);
        let r = (from.round(), (from + seen).round());
        if self.range.get_untracked() != r {
            self.range.set(r);
        }
    }

    fn measure(self) {
        let Some(el) = self.scroller.get_untracked() else {
            return;
        };
        let Ok(rows) = el.query_selector_all("[data-vkey]") else {
            return;
        };
        let mut changed = false;
        self.heights.update_value(|h| {
            if h.len() > MAX_MEASURED {
                h.clear();
            }
            for i in 0..rows.length() {
                let Some(row) = rows.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) else {
                    continue;
                };
                let Some(key) = row.get_attribute("data-vkey").and_then(|k| k.parse::<u64>().ok()) else {
                    continue;
                };
                let height = row.offset_height() as f64;
                if height > 0.0 && h.get(&key).is_none_or(|old| (old - height).abs() > 0.5) {
                    h.insert(key, height);
                    changed = true;
                }
            }
        });
        if changed {
            self.measured.update(|m| *m += 1);
        }
    }

    /// The items to draw now.
    pub fn visible(self) -> Vec<Item<T>> {
        let (a, b, _, _) = self.win.get();
        self.items
            .with(|its| its.get(a..b).map(<[_]>::to_vec).unwrap_or_default())
    }

    pub fn top_px(self) -> f64 {
        self.win.get().2
    }

    pub fn bottom_px(self) -> f64 {
        self.win.get().3
    }

    /// Scrolls the list so the item with `key` is at its top.
    pub fn scroll_to_key(self, key: u64) {
        let Some(el) = self.scroller.get_untracked() else {
            return;
        };
        let y = self.items.with_untracked(|its| {
            self.heights.with_value(|h| {
                let mut y = 0.0;
                for i in its.iter() {
                    if i.key == key {
                        return Some(y);
                    }
                    y += h.get(&i.key).copied().unwrap_or(i.est);
                }
                None
            })
        });
        if let Some(y) = y {
            el.set_scroll_top(y as i32);
            self.read_range();
        }
    }
}

/// A stable 64-bit key for strings (the same in every session: no random seed).
pub fn key_of(parts: &[&str]) -> u64 {
    // FNV-1a: small and deterministic; collisions only redraw a row.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Mixes numbers into a key (a row's version).
pub fn mix(mut h: u64, values: &[u64]) -> u64 {
    for v in values {
        h ^= *v;
        h = h.wrapping_mul(0x0100_0000_01b3).rotate_left(17);
    }
    h
}

/// At most `max` characters of a page string, saying how much was left out: a
/// 100 KB URL is one line of the list, not a wall of text.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((at, _)) => format!("{}… ({} more characters)", &s[..at], s[at..].chars().count()),
    }
}
