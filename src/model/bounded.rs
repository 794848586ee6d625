//! Small tools for keeping per-key state bounded and cheap: maps keyed by ids or
//! hashes, eviction of the oldest keys when a map outgrows its cap, and scratch
//! buffers that need no allocation per request.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for keys that are already hashes (or small ids): one multiply.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;
pub type IdSet = HashSet<u64, BuildHasherDefault<IdHasher>>;
/// A map keyed by strings built from requests (URLs, request keys), hashed with
/// the detectors' quick hasher instead of SipHash: these maps are looked up several
/// times per request, and nothing depends on their order (`evict_oldest` keeps by
/// time, not by position).
pub type StrMap<V> = HashMap<String, V, BuildHasherDefault<crate::model::urls::QuickHasher>>;

/// Drops the oldest-touched keys when a per-key map outgrows its cap, so a flood
/// of distinct URLs cannot grow memory without bound. Returns how many were dropped.
pub fn evict_oldest<K: Eq + std::hash::Hash, V, S: std::hash::BuildHasher>(
    map: &mut std::collections::HashMap<K, V, S>,
    cap: usize,
    last_seen: impl Fn(&V) -> f64,
) -> usize {
    if map.len() <= cap {
        return 0;
    }
    let mut times: Vec<f64> = map.values().map(&last_seen).collect();
    // The same cutoff a full sort would give, in linear time.
    let at = map.len() - cap / 2;
    let cutoff = &crate::model::sort::nth_f64(&mut times, at);
    let cutoff = *cutoff;
    let before = map.len();
    map.retain(|_, v| last_seen(v) >= cutoff);
    before - map.len()
}

/// Items collected on the stack up to this many (a URL's segments or query pairs, a
/// request's n-plus-one keys: almost always a handful), past it on the heap.
const ON_STACK: usize = 16;

/// Collects `items` and hands them to `f` as a slice (to sort or index), on the stack
/// when they are few: detectors cut every request's URL into pieces, and a vector
/// each was an allocation and a free per request. The stack's slots are not
/// filled first: that was 16 stores of a pair at every call site, run per request
/// and, unrolled, a good part of each caller's code (instruction-cache misses).
pub fn with_collected<T: Copy, R>(items: impl Iterator<Item = T>, f: impl FnOnce(&mut [T]) -> R) -> R {
    let mut stack = [std::mem::MaybeUninit::<T>::uninit(); ON_STACK];
    let mut n = 0;
    let mut items = items;
    for item in items.by_ref() {
        if n == ON_STACK {
            // SAFETY: all ON_STACK slots were written.
            let mut heap: Vec<T> = stack.iter().map(|s| unsafe { s.assume_init() }).collect();
            heap.push(item);
            heap.extend(items);
            return f(&mut heap);
        }
        stack[n].write(item);
        n += 1;
    }
    // SAFETY: the first `n` slots were written, and `MaybeUninit<T>` has `T`'s layout.
    f(unsafe { std::slice::from_raw_parts_mut(stack.as_mut_ptr().cast::<T>(), n) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_on_the_stack_and_past_it() {
        for len in [0, 1, ON_STACK - 1, ON_STACK, ON_STACK + 1, 3 * ON_STACK] {
            let got = with_collected(0..len, |s| s.to_vec());
            assert_eq!(got, (0..len).collect::<Vec<_>>(), "{len} items");
        }
    }
}
