//! Stable sorting that stays small in the panel's wasm.
//!
//! std's stable sort is about 5 KB of wasm for every element type and comparator it
//! is instantiated with; the panel had 16 of them (90 KB of its code before
//! wasm-opt). In the wasm, `sort_by` sorts indices with one `dyn` comparator, so
//! every call site shares one instantiation of std's sort and only the short loop
//! that moves the elements is generic. Natively it is `slice::sort_by`, as fast as
//! ever (the CLI sorts hundreds of thousands of entries).

use std::cmp::Ordering;

/// Sorts `v` stably by `cmp` (same order as `v.sort_by(cmp)`).
#[cfg(not(target_arch = "wasm32"))]
pub fn sort_by<T>(v: &mut [T], cmp: impl FnMut(&T, &T) -> Ordering) {
    v.sort_by(cmp);
}

/// Sorts `v` stably by `cmp` (same order as `v.sort_by(cmp)`).
#[cfg(target_arch = "wasm32")]
pub fn sort_by<T>(v: &mut [T], cmp: impl FnMut(&T, &T) -> Ordering) {
    by_indices(v, cmp);
}

/// The wasm's `sort_by`: sorts the indices, then moves the elements.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn by_indices<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    sort_indices(&mut order, &mut |a, b| cmp(&v[a], &v[b]));
    // Position i takes the element that was at order[i]: follow each cycle of the
    // permutation with swaps, marking positions done as they are filled.
    for start in 0..v.len() {
        let mut at = start;
        while order[at] != at {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline(never)]
fn sort_indices(order: &mut [usize], cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| cmp(a, b));
}

/// Sorts `v` stably by the key `f` returns (as `v.sort_by_key(f)`).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut f: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

/// Sorts `v` in its natural order (as `v.sort()`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_equal_to_std() {
        // Pairs compared on the first member only, so stability shows in the second.
        let mut seed = 7u64;
        let mut v: Vec<(u8, u32)> = (0..500)
            .map(|i| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((seed >> 60) as u8, i)
            })
            .collect();
        let mut want = v.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        let mut native = v.clone();
        sort_by(&mut native, |a, b| a.0.cmp(&b.0));
        assert_eq!(native, want);
        by_indices(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, want);
        let mut s = vec!["b", "a", "c", "a"];
        sort(&mut s);
        assert_eq!(s, ["a", "a", "b", "c"]);
    }
}
