//! Cheap estimates of the bytes a value keeps on the heap, for the engine's own
//! accounting (`Engine::retained_bytes`) and its byte-bounded stores. They count
//! capacities plus a small per-allocation overhead, which is what an allocator
//! (glibc's or the wasm build's) actually hands out; they never walk deep trees.

use crate::model::event::{Event, NetworkEntry};
use crate::model::finding::{Finding, Metric};
use crate::model::request::Request;

/// What one heap allocation costs beyond its payload (header and rounding).
pub const ALLOC_OVERHEAD: usize = 16;

pub trait HeapSize {
    /// Bytes owned on the heap (not counting `size_of::<Self>()`).
    fn heap_bytes(&self) -> usize;
}

impl HeapSize for String {
    fn heap_bytes(&self) -> usize {
        match self.capacity() {
            0 => 0,
            n => n + ALLOC_OVERHEAD,
        }
    }
}

impl<T: HeapSize> HeapSize for Option<T> {
    fn heap_bytes(&self) -> usize {
        self.as_ref().map_or(0, HeapSize::heap_bytes)
    }
}

impl<T: HeapSize> HeapSize for Vec<T> {
    fn heap_bytes(&self) -> usize {
        match self.capacity() {
            0 => 0,
            n => n * std::mem::size_of::<T>() + ALLOC_OVERHEAD + self.iter().map(HeapSize::heap_bytes).sum::<usize>(),
        }
    }
}

impl HeapSize for u64 {
    fn heap_bytes(&self) -> usize {
        0
    }
}

impl<A: HeapSize, B: HeapSize> HeapSize for (A, B) {
    fn heap_bytes(&self) -> usize {
        self.0.heap_bytes() + self.1.heap_bytes()
    }
}

impl HeapSize for NetworkEntry {
    fn heap_bytes(&self) -> usize {
        self.method.heap_bytes()
            + self.url.heap_bytes()
            + self.resource_type.heap_bytes()
            + self.mime_type.heap_bytes()
            + self.content_encoding.heap_bytes()
            + self.cache_control.heap_bytes()
            + self.source_map.heap_bytes()
            + self.body.heap_bytes()
            + self.initiator.heap_bytes()
            + self.op.heap_bytes()
            + self.values.heap_bytes()
            + self
                .timings
                .as_ref()
                .map_or(0, |t| std::mem::size_of_val(t) + ALLOC_OVERHEAD)
    }
}

impl HeapSize for Event {
    fn heap_bytes(&self) -> usize {
        match self {
            Event::Page(p) => p.url.heap_bytes(),
            Event::RequestStart(s) => {
                s.method.heap_bytes() + s.url.heap_bytes() + s.body.heap_bytes() + s.op.heap_bytes()
            }
            Event::RequestEnd(e) => {
                e.content_type.heap_bytes() + e.content_encoding.heap_bytes() + e.cache_control.heap_bytes()
            }
            Event::Resource(r) => r.url.heap_bytes() + r.initiator.heap_bytes(),
            Event::Route(r) => r.url.heap_bytes() + r.kind.heap_bytes(),
            Event::Visibility(_) | Event::Focus(_) | Event::ConnectionClose(_) | Event::Memory(_) | Event::Unknown => 0,
            Event::Network(n) => std::mem::size_of::<NetworkEntry>() + ALLOC_OVERHEAD + n.heap_bytes(),
            Event::Lifecycle(l) => l.phase.heap_bytes(),
            Event::ConnectionOpen(c) => c.kind.heap_bytes() + c.url.heap_bytes(),
            Event::LongTask(l) => {
                l.scripts.capacity() * std::mem::size_of::<crate::model::event::TaskScript>()
                    + l.scripts
                        .iter()
                        .map(|s| ALLOC_OVERHEAD + s.url.heap_bytes() + s.function.heap_bytes() + s.invoker.heap_bytes())
                        .sum::<usize>()
            }
            Event::ReactRenderer(r) => r.version.heap_bytes() + r.package.heap_bytes(),
            Event::ReactRenders(r) => {
                r.components.capacity() * std::mem::size_of::<crate::model::event::ComponentRenders>()
                    + r.components
                        .iter()
                        .map(|c| {
                            ALLOC_OVERHEAD
                                + c.name.heap_bytes()
                                + c.owner.heap_bytes()
                                + c.keys.capacity() * std::mem::size_of::<crate::model::event::ChangedKey>()
                                + c.keys
                                    .iter()
                                    .map(|k| {
                                        k.kind.heap_bytes()
                                            + k.key.heap_bytes()
                                            + k.from.heap_bytes()
                                            + k.to.heap_bytes()
                                    })
                                    .sum::<usize>()
                        })
                        .sum::<usize>()
            }
            Event::ChunkPackages(c) => c.url.heap_bytes() + c.map.heap_bytes() + c.packages.heap_bytes(),
        }
    }
}

impl HeapSize for Request {
    fn heap_bytes(&self) -> usize {
        self.method.heap_bytes()
            + self.url.heap_bytes()
            + self.body.heap_bytes()
            + self.resource_type.heap_bytes()
            + self.initiator.heap_bytes()
            + self.content_type.heap_bytes()
            + self.content_encoding.heap_bytes()
            + self.cache_control.heap_bytes()
            + self.source_map.heap_bytes()
            + self.op.heap_bytes()
            + self.values.heap_bytes()
            + self
                .timings
                .as_ref()
                .map_or(0, |t| std::mem::size_of_val(t) + ALLOC_OVERHEAD)
            + self.endpoint_bytes()
    }
}

impl HeapSize for Metric {
    fn heap_bytes(&self) -> usize {
        match self {
            Metric::Text(s) => s.heap_bytes(),
            _ => 0,
        }
    }
}

impl HeapSize for Finding {
    fn heap_bytes(&self) -> usize {
        self.detector.heap_bytes()
            + self.key.heap_bytes()
            + self.title.heap_bytes()
            + self.advice.heap_bytes()
            + self.evidence.urls.heap_bytes()
            + self.evidence.components.heap_bytes()
            + self.evidence.sources.heap_bytes()
            + self.evidence.requests.heap_bytes()
            // A B-tree node per few entries; count each entry with its share of a node.
            + self
                .metrics
                .iter()
                .map(|(k, v)| k.heap_bytes() + v.heap_bytes() + std::mem::size_of::<(String, Metric)>() + 8)
                .sum::<usize>()
    }
}

/// The heap bytes of one stored event, as the log counts them.
pub fn event_bytes(e: &Event) -> usize {
    std::mem::size_of::<Event>() + e.heap_bytes()
}

/// The heap bytes of one stored request, as the ring counts them.
pub fn request_bytes(r: &Request) -> usize {
    std::mem::size_of::<Request>() + r.heap_bytes()
}
