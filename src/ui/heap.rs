//! The panel's wasm heap, counted: bytes live now and the most ever live at once.
//! Wasm linear memory only grows, so `memory.buffer.byteLength` is the allocator's
//! high-water mark plus whatever fragmentation left unusable; these two figures
//! tell the two apart (`window.stormwatch.wasmHeap()`, printed by
//! scripts/bench-panel-memory.mjs). Counting is two additions per allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

// The panel's wasm has one thread (no atomics in the build), so plain cells do.
struct Counts {
    live: Cell<usize>,
    peak: Cell<usize>,
}

unsafe impl Sync for Counts {}

static COUNTS: Counts = Counts {
    live: Cell::new(0),
    peak: Cell::new(0),
};

fn grew(by: usize) {
    let live = COUNTS.live.get() + by;
    COUNTS.live.set(live);
    if live > COUNTS.peak.get() {
        COUNTS.peak.set(live);
    }
}

fn shrank(by: usize) {
    COUNTS.live.set(COUNTS.live.get().saturating_sub(by));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated and not yet freed, and the most that ever were at once.
pub fn live_and_peak() -> (usize, usize) {
    (COUNTS.live.get(), COUNTS.peak.get())
}

/// Adds `wasmHeap()` to `window.stormwatch`: `{ live, peak }` in bytes.
pub fn install() {
    use wasm_bindgen::prelude::*;
    let Some(api) = web_sys::window().and_then(|w| js_sys::Reflect::get(&w, &"stormwatch".into()).ok()) else {
        return;
    };
    let f = Closure::<dyn Fn() -> JsValue>::new(|| {
        let (live, peak) = live_and_peak();
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &"live".into(), &(live as f64).into());
        let _ = js_sys::Reflect::set(&o, &"peak".into(), &(peak as f64).into());
        o.into()
    });
    let _ = js_sys::Reflect::set(&api, &"wasmHeap".into(), &f.into_js_value());
}
