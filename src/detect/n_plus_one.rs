//! # n-plus-one
//!
//! ## What it detects
//! At least 5 requests to the same parameterized path (numeric ids, UUIDs and
//! hashes replaced by a placeholder), each starting within 15 ms of the previous
//! one, whose durations add up to at least 300 ms. GET and POST alike; GraphQL
//! requests are grouped by operation name.
//!
//! ## Why it matters
//! One request per item costs a round trip and server work per item (often a
//! database query each) where one batched request would do. The page waits for the
//! slowest of them, and the server sees a burst.
//!
//! ## Example
//! `GET /api/messages/{id}` 24× within 9 ms (ids 101, 102, 103…): "messages synced
//! individually, not in batch".
//!
//! ## Thresholds
//! - `min_requests` (5), `max_gap_ms` (15), `min_total_ms` (300).

use super::{evict_oldest, Detector, DetectorInfo, Findings, PageState};
use crate::config::{Config, NPlusOneConfig};
use crate::finding::{Metric, Severity};
use crate::request::Request;
use crate::urls;
use std::collections::{BTreeSet, HashMap};

pub const ID: &str = "n-plus-one";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "N+1 request bursts",
    doc: include_str!(concat!(env!("OUT_DIR"), "/n_plus_one.doc")),
    build: |c| Box::new(NPlusOne::new(c)),
};

const MAX_KEYS: usize = 2048;
const MAX_IDS_SHOWN: usize = 20;
const MAX_IDS_KEPT: usize = 64;
const MAX_REQUESTS_KEPT: usize = crate::finding::MAX_EVIDENCE_REQUESTS;

#[derive(Default)]
struct Burst {
    last_start: f64,
    size: usize,
    /// The latest requests of the burst (the evidence keeps no more anyway).
    requests: Vec<u64>,
    /// Distinct ids, up to `MAX_IDS_KEPT`: enough to tell ids apart from copies.
    ids: BTreeSet<String>,
    total_ms: f64,
    template: String,
    counted: usize,
}

pub struct NPlusOne {
    cfg: NPlusOneConfig,
    bursts: HashMap<String, Burst>,
    /// Which burst key a request belongs to, until it ends.
    open: HashMap<u64, String>,
}

impl NPlusOne {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.n_plus_one.clone(),
            bursts: HashMap::new(),
            open: HashMap::new(),
        }
    }

    fn report(&mut self, key: &str, out: &mut Findings, at: f64) {
        let cfg = &self.cfg;
        let Some(b) = self.bursts.get_mut(key) else { return };
        if b.requests.len() < cfg.min_requests || b.ids.len() < cfg.min_requests || b.total_ms < cfg.min_total_ms {
            return;
        }
        let new = b.requests.len() - b.counted;
        if new == 0 {
            return;
        }
        let first_new = b.counted == 0;
        b.counted = b.requests.len();
        let (count_now, ids, reqs, total, template) = (
            b.requests.len(),
            b.ids.iter().take(MAX_IDS_SHOWN).cloned().collect::<Vec<_>>(),
            b.requests.clone(),
            b.total_ms,
            b.template.clone(),
        );
        out.upsert(ID, key, at, |f| {
            f.count += new as u64;
            let bursts = f.num("bursts").map_or(1.0, |n| n + if first_new { 1.0 } else { 0.0 });
            let largest = f.raise("largest_burst", count_now as f64);
            f.metrics.insert("bursts".into(), Metric::Num(bursts));
            f.metrics.insert("total_ms".into(), Metric::Num(total.round()));
            f.metrics.insert("path".into(), Metric::Text(template.clone()));
            f.metrics.insert("ids".into(), Metric::Text(ids.join(", ")));
            for r in reqs {
                f.evidence.add_request(r);
            }
            f.severity = if largest >= 20.0 {
                Severity::Error
            } else {
                Severity::Warning
            };
            f.title = format!(
                "{} requested {}× at once, one per id ({} ms of requests)",
                template,
                count_now,
                total.round()
            );
            f.advice = "Fetch these in one request: a batch endpoint (`?ids=1,2,3`), an include/expand parameter \
                        on the parent resource, or a GraphQL query (or DataLoader) that batches them."
                .into();
        });
    }
}

impl Detector for NPlusOne {
    fn on_start(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        if !req.is_api() || req.provoked {
            return;
        }
        let (template, mut ids) = urls::template(&req.url);
        let (key, label) = match &req.op {
            // GraphQL: one endpoint, told apart by operation; the variables are the ids.
            Some(op) => {
                ids = vec![req.body.clone().unwrap_or_default()];
                (
                    format!("{} {} op={op}", req.method, template),
                    format!("{} {} ({op})", req.method, urls::short(&template)),
                )
            }
            None if ids.is_empty() => return,
            None => (
                format!("{} {}", req.method, template),
                format!("{} {}", req.method, urls::short(&template)),
            ),
        };
        let gap = self.cfg.max_gap_ms;
        let b = self.bursts.entry(key.clone()).or_default();
        if b.size == 0 || req.start - b.last_start > gap || req.start < b.last_start - gap {
            *b = Burst {
                template: label,
                ..Burst::default()
            };
        }
        b.last_start = b.last_start.max(req.start);
        b.size += 1;
        b.requests.push(req.id);
        if b.requests.len() > MAX_REQUESTS_KEPT {
            b.requests.remove(0);
        }
        if b.ids.len() < MAX_IDS_KEPT {
            b.ids.insert(ids.join("/"));
        }
        if let Some(d) = req.duration() {
            b.total_ms += d;
        } else {
            self.open.insert(req.id, key.clone());
        }
        self.report(&key, out, req.start);
        let now = req.start;
        evict_oldest(&mut self.bursts, MAX_KEYS, |b| {
            if b.requests.is_empty() {
                now
            } else {
                b.last_start
            }
        });
    }

    fn on_end(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        let Some(key) = self.open.remove(&req.id) else { return };
        if let (Some(b), Some(d)) = (self.bursts.get_mut(&key), req.duration()) {
            b.total_ms += d;
        }
        self.report(&key, out, req.end.unwrap_or(req.start));
        if self.open.len() > 10_000 {
            self.open.clear();
        }
    }

    fn on_enrich(&mut self, req: &Request, out: &mut Findings) {
        let Some(src) = &req.initiator else { return };
        let (template, _) = urls::template(&req.url);
        let key = match &req.op {
            Some(op) => format!("{} {} op={op}", req.method, template),
            None => format!("{} {}", req.method, template),
        };
        if let Some(f) = out.get_mut(ID, &key) {
            if f.evidence.requests.contains(&req.id) {
                f.evidence.add_source(src);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testkit::*;

    #[test]
    fn a_burst_of_per_id_requests_is_n_plus_one() {
        let mut t = Kit::new();
        for i in 0..8u64 {
            t.start(
                i,
                "GET",
                &format!("http://h/api/messages/{}", 100 + i),
                1000.0 + i as f64 * 2.0,
            );
        }
        for i in 0..8u64 {
            t.end(i, 1080.0 + i as f64);
        }
        let f = t.only("n-plus-one");
        assert_eq!(f.count, 8);
        assert!(f.title.contains("/api/messages/{id} requested 8×"), "{}", f.title);
    }

    #[test]
    fn graphql_operations_are_grouped_by_name() {
        let mut t = Kit::new();
        for i in 0..6u64 {
            let body = Some(crate::event::body_signature(&format!(
                "{{\"operationName\":\"User\",\"variables\":{{\"id\":{i}}}}}"
            )));
            t.start_op(i, "http://h/graphql", 10.0 + i as f64, body, "User");
            t.end(i, 200.0);
        }
        assert!(t.only("n-plus-one").title.contains("(User)"));
    }

    #[test]
    fn near_miss_user_driven_pagination_is_quiet() {
        let mut t = Kit::new();
        for i in 0..8u64 {
            let at = i as f64 * 900.0;
            t.request(i, "GET", &format!("http://h/api/items?page={i}"), at, at + 200.0);
        }
        t.assert_none("n-plus-one");
    }

    #[test]
    fn near_miss_fast_cheap_bursts_and_few_requests_are_quiet() {
        let mut t = Kit::new();
        for i in 0..8u64 {
            t.request(i, "GET", &format!("http://h/api/i/{i}"), i as f64, i as f64 + 10.0);
        }
        for i in 0..4u64 {
            t.request(
                20 + i,
                "GET",
                &format!("http://h/api/j/{i}"),
                i as f64,
                i as f64 + 200.0,
            );
        }
        t.assert_none("n-plus-one");
    }
}
