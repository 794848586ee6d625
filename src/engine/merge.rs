//! Pairs the page's record of a request with DevTools' record of the same request.
//! Neither side has an id the other knows, so they are matched by method and URL
//! and the closest start time. Unpaired records expire, so this stays bounded.

use crate::urls;
use std::collections::HashMap;

/// How far apart the two sides' start times may be and still be one request.
const MATCH_WINDOW_MS: f64 = 2_000.0;
/// How long a record waits for its other half.
const WAIT_MS: f64 = 60_000.0;
const MAX_PER_KEY: usize = 64;
const MAX_KEYS: usize = 4_096;

pub fn key(method: &str, url: &str) -> String {
    format!("{} {}", method.to_ascii_uppercase(), urls::normalize(url))
}

#[derive(Default)]
pub struct Unmatched {
    by_key: HashMap<String, Vec<(u64, f64)>>,
}

impl Unmatched {
    pub fn add(&mut self, key: String, id: u64, start: f64) {
        let list = self.by_key.entry(key).or_default();
        list.retain(|(_, t)| *t + WAIT_MS >= start);
        if list.len() >= MAX_PER_KEY {
            list.remove(0);
        }
        list.push((id, start));
        crate::detect::evict_oldest(&mut self.by_key, MAX_KEYS, |v| v.last().map_or(0.0, |x| x.1));
    }

    /// Heap bytes held (an estimate).
    pub fn bytes(&self) -> usize {
        self.by_key
            .iter()
            .map(|(k, v)| k.capacity() + 16 + v.capacity() * 16 + 16 + 40)
            .sum()
    }

    /// Removes and returns the waiting record whose start is closest to `start`.
    pub fn take_closest(&mut self, key: &str, start: f64) -> Option<u64> {
        let list = self.by_key.get_mut(key)?;
        let (pos, _) = list
            .iter()
            .enumerate()
            .map(|(i, (_, t))| (i, (t - start).abs()))
            .filter(|(_, d)| *d <= MATCH_WINDOW_MS)
            .min_by(|a, b| a.1.total_cmp(&b.1))?;
        let (id, _) = list.remove(pos);
        if list.is_empty() {
            self.by_key.remove(key);
        }
        Some(id)
    }
}
