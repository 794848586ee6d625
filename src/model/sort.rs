//! Sorting that stays small in the panel's wasm.
//!
//! std's sorts are about 5 KB of wasm for every element type and comparator they
//! are instantiated with (the stable sort, `sort_unstable` and `select_nth_unstable`
//! alike); the panel had 16 of them, then 24 with the unstable ones and the
//! selections. In the wasm, every sort here orders indices with one `dyn`
//! comparator through one small merge sort of its own, so no std sort is linked
//! for these call sites and only the short loop that moves the elements is generic.
//! Natively they are std's (`slice::sort_by`, `sort_unstable`, ...), as fast as
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

/// A stable merge sort of `order` by `cmp`: runs of 8 by insertion, then merged
/// bottom-up through one scratch buffer. O(n log n) and a few hundred bytes of
/// wasm, shared by every call site (std's sort is 5 KB per instantiation).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline(never)]
fn sort_indices(order: &mut [usize], cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    const RUN: usize = 8;
    let n = order.len();
    for start in (0..n).step_by(RUN) {
        let end = (start + RUN).min(n);
        for i in start + 1..end {
            let mut j = i;
            // Strictly greater only: equal elements keep their order (stable).
            while j > start && cmp(order[j - 1], order[j]) == Ordering::Greater {
                order.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    let mut scratch = vec![0usize; n];
    let mut width = RUN;
    while width < n {
        for lo in (0..n).step_by(2 * width) {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            if mid == hi || cmp(order[mid - 1], order[mid]) != Ordering::Greater {
                continue; // already in order (or nothing to merge)
            }
            let (mut a, mut b, mut k) = (lo, mid, lo);
            while a < mid && b < hi {
                // Take from the right only when strictly smaller: stable.
                if cmp(order[b], order[a]) == Ordering::Less {
                    scratch[k] = order[b];
                    b += 1;
                } else {
                    scratch[k] = order[a];
                    a += 1;
                }
                k += 1;
            }
            scratch[k..k + (mid - a)].copy_from_slice(&order[a..mid]);
            k += mid - a;
            scratch[k..k + (hi - b)].copy_from_slice(&order[b..hi]);
            order[lo..hi].copy_from_slice(&scratch[lo..hi]);
        }
        width *= 2;
    }
}

/// Sorts `v` by `cmp`, in an order of equal elements that is not promised (as
/// `v.sort_unstable_by(cmp)`); in the wasm it shares the stable sort above.
#[cfg(not(target_arch = "wasm32"))]
pub fn sort_unstable_by<T>(v: &mut [T], cmp: impl FnMut(&T, &T) -> Ordering) {
    v.sort_unstable_by(cmp);
}

/// Sorts `v` by `cmp`, in an order of equal elements that is not promised (as
/// `v.sort_unstable_by(cmp)`); in the wasm it shares the stable sort above.
#[cfg(target_arch = "wasm32")]
pub fn sort_unstable_by<T>(v: &mut [T], cmp: impl FnMut(&T, &T) -> Ordering) {
    by_indices(v, cmp);
}

/// Sorts `v` in its natural order, equal elements in no promised order (as
/// `v.sort_unstable()`).
pub fn sort_unstable<T: Ord>(v: &mut [T]) {
    sort_unstable_by(v, T::cmp);
}

/// The value that would be at `at` if `times` were sorted by `f64::total_cmp`
/// (as `*times.select_nth_unstable_by(at, |a, b| a.total_cmp(b)).1`), for the
/// cutoffs of bounded maps. One non-generic function, so one copy of std's
/// selection in the wasm whatever the map's value type. Panics if `at` is out of
/// bounds, as std's does.
#[inline(never)]
pub fn nth_f64(times: &mut [f64], at: usize) -> f64 {
    *times.select_nth_unstable_by(at, |a, b| a.total_cmp(b)).1
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
        for n in [0, 1, 2, 7, 8, 9, 16, 17, 100, 1000] {
            let mut v: Vec<(u8, u32)> = (0..n)
                .map(|i| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((seed >> 61) as u8, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by(|a, b| a.0.cmp(&b.0));
            by_indices(&mut v, |a, b| a.0.cmp(&b.0));
            assert_eq!(v, want, "n = {n}");
        }
        let mut u = vec![5, 3, 9, 1, 3];
        sort_unstable(&mut u);
        assert_eq!(u, [1, 3, 3, 5, 9]);
        let mut t = vec![3.0, f64::NAN, -1.0, 2.0, 0.5];
        assert_eq!(nth_f64(&mut t, 1), 0.5);
        let mut s = vec!["b", "a", "c", "a"];
        sort(&mut s);
        assert_eq!(s, ["a", "a", "b", "c"]);
    }
}
