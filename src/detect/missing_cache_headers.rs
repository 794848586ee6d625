//! # missing-cache-headers
//!
//! ## What it detects
//! Static assets (scripts, stylesheets, fonts, images) answered 200/203/206 whose
//! `Cache-Control` lets browsers keep them for less than 30 days (or says nothing),
//! unless they are `private` or `no-store` on purpose. A content-hashed file name
//! (`app.3f9a2c1b.js`) without `immutable` and a one-year `max-age` is flagged too:
//! such a file never changes, so it can be cached forever.
//!
//! ## Why it matters
//! Every repeat visit downloads (or at least revalidates) the same bytes again.
//!
//! ## Example
//! 12 static assets cached for less than 30 days, e.g. `/assets/app.3f9a2c1b.js`
//! (`max-age=3600`).
//!
//! ## Thresholds
//! - `min_max_age_s` (2592000, 30 days).

use super::{Detector, DetectorInfo, Findings, PageState};
use crate::config::{Config, MissingCacheHeadersConfig};
use crate::finding::{Metric, Severity};
use crate::request::Request;
use crate::urls;
use std::collections::HashSet;

pub const ID: &str = "missing-cache-headers";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Static assets without long caching",
    doc: include_str!(concat!(env!("OUT_DIR"), "/missing_cache_headers.doc")),
    build: |c| Box::new(MissingCacheHeaders::new(c)),
};

const ONE_YEAR_S: u64 = 365 * 24 * 3600;

pub struct MissingCacheHeaders {
    cfg: MissingCacheHeadersConfig,
    seen: HashSet<String>,
}

impl MissingCacheHeaders {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.missing_cache_headers.clone(),
            seen: HashSet::new(),
        }
    }
}

/// `max-age` (or `s-maxage`) in seconds, and whether the response opts out of
/// shared caching on purpose, and whether it is `immutable`.
fn parse(cc: &str) -> (Option<u64>, bool, bool) {
    let mut max_age = None;
    let (mut opted_out, mut immutable) = (false, false);
    for part in cc.split(',').map(|p| p.trim().to_ascii_lowercase()) {
        if let Some(v) = part.strip_prefix("max-age=").or_else(|| part.strip_prefix("s-maxage=")) {
            max_age = v.trim_matches('"').parse().ok().max(max_age);
        }
        opted_out |= part == "private" || part == "no-store";
        immutable |= part == "immutable";
    }
    (max_age, opted_out, immutable)
}

/// A file name carrying a content hash: `app.3f9a2c1b.js`, `chunk-5HX2ZQ7M.js`.
pub fn content_hashed(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let name = path.rsplit('/').next().unwrap_or("");
    name.split(['.', '-', '_']).any(|part| {
        part.len() >= 8
            && part.chars().all(|c| c.is_ascii_alphanumeric())
            && part.chars().any(|c| c.is_ascii_digit())
            && part.chars().any(|c| c.is_ascii_alphabetic())
    })
}

impl Detector for MissingCacheHeaders {
    fn on_settled(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        if !req.from_devtools || !matches!(req.status, 200 | 203 | 206) {
            return;
        }
        if !matches!(req.kind(), "script" | "stylesheet" | "font" | "image") || req.url.starts_with("data:") {
            return;
        }
        let cc = req.cache_control.as_deref().unwrap_or("");
        let (max_age, opted_out, immutable) = parse(cc);
        if opted_out {
            return;
        }
        let hashed = content_hashed(&req.url);
        let short = max_age.unwrap_or(0) < self.cfg.min_max_age_s;
        let hashed_not_forever = hashed && !(immutable && max_age.unwrap_or(0) >= ONE_YEAR_S);
        if !(short || hashed_not_forever) || !self.seen.insert(urls::normalize(&req.url)) {
            return;
        }
        let (key, title_of) = if hashed {
            (
                "hashed",
                "content-hashed static asset(s) not cached as immutable for a year",
            )
        } else {
            ("short", "static asset(s) cached for less than 30 days")
        };
        let header = if cc.is_empty() {
            "no Cache-Control".to_string()
        } else {
            format!("Cache-Control: {cc}")
        };
        out.upsert(ID, key, req.start, |f| {
            f.count += 1;
            f.evidence.add_request(req.id);
            if f.evidence.urls.len() < 10 {
                f.evidence.add_url(&req.url);
            }
            if f.count <= 3 {
                let example = format!("{} ({header})", urls::short(&req.url));
                let examples = match f.metrics.remove("examples") {
                    Some(Metric::Text(t)) => format!("{t}; {example}"),
                    _ => example,
                };
                f.metrics.insert("examples".into(), Metric::Text(examples));
            }
            // Hashed files are the easy win: caching them forever is always safe.
            f.severity = if hashed { Severity::Warning } else { Severity::Info };
            f.title = format!("{} {title_of}", f.count);
            f.advice = if hashed {
                "Serve content-hashed files with `Cache-Control: public, max-age=31536000, immutable`: a new \
                 version gets a new name, so the old one can be kept forever."
            } else {
                "Give static assets a long `max-age` (30 days or more), and put a content hash in their file \
                 names so a new version is a new URL; keep `no-cache` for HTML only."
            }
            .into();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::content_hashed;
    use crate::detect::testkit::*;

    fn asset(t: &mut Kit, url: &str, cc: Option<&str>) {
        t.net(url, 0.0, 5.0, |n| {
            n.resource_type = "script".into();
            n.mime_type = Some("text/javascript".into());
            n.cache_control = cc.map(str::to_string);
        });
    }

    #[test]
    fn short_lived_and_hashed_assets_are_flagged() {
        let mut t = Kit::new();
        asset(&mut t, "http://h/assets/app.3f9a2c1b.js", Some("max-age=3600"));
        asset(&mut t, "http://h/main.js", None);
        asset(&mut t, "http://h/other.js", Some("no-cache"));
        let all = t.of("missing-cache-headers");
        assert_eq!(all.len(), 2, "{all:#?}");
        let hashed = all.iter().find(|f| f.key == "hashed").unwrap();
        assert_eq!(hashed.severity, crate::Severity::Warning);
        assert_eq!(all.iter().find(|f| f.key == "short").unwrap().count, 2);
    }

    #[test]
    fn near_miss_long_lived_private_and_api_responses_are_quiet() {
        let mut t = Kit::new();
        asset(
            &mut t,
            "http://h/assets/app.3f9a2c1b.js",
            Some("public, max-age=31536000, immutable"),
        );
        asset(&mut t, "http://h/lib.js", Some("max-age=2592000"));
        asset(&mut t, "http://h/me.js", Some("private, max-age=0"));
        t.net("http://h/api/user", 0.0, 5.0, |_| {});
        t.assert_none("missing-cache-headers");
    }

    #[test]
    fn content_hashes_are_recognized() {
        assert!(content_hashed("http://h/assets/app.3f9a2c1b.js"));
        assert!(content_hashed("/_next/static/chunks/main-5HX2ZQ7M.js"));
        assert!(!content_hashed("/static/polling.js"));
        assert!(!content_hashed("/vendor/react-dom.production.min.js"));
    }
}
