//! # missing-cache-headers
//!
//! ## What it detects
//! Static assets (scripts, stylesheets, fonts, images) answered 200/203/206 whose
//! `Cache-Control` lets browsers keep them for less than 30 days (or says nothing),
//! unless they are `private` or `no-store` on purpose. Without a `max-age`, the
//! `Expires` header sets the lifetime, as it does for HTTP caches. A content-hashed file name
//! (`app.3f9a2c1b.js`) without `immutable` and a one-year `max-age` is flagged too:
//! such a file never changes, so it can be cached forever.
//!
//! A content hash is a hex run (`3f9a2c1b`) or a base62 one that mixes letters and
//! digits (`5HX2ZQ7M`, `BjBsm1pW`); words with a number (`mediumSquare149`,
//! `greenland2`, `1600x900`) and timestamps (`e1533255087393`) are not. Hashed
//! files already cached for 30 days or more that lack only `immutable` are
//! information; cached shorter, a warning.
//!
//! Not static assets, whatever their type: tracking pixels and beacons (a body of
//! at most 100 bytes), and answers made per request (`no-cache` or `max-age=0`
//! with a query parameter other than a version, such as JSONP and tag scripts).
//! Never about what the browser answers itself (`data:`, `blob:`, `about:`,
//! extension files); a UUID (as in a `blob:` URL) is not a content hash. On a local
//! development host (localhost, 127.*, `[::1]`, or a name ending in one of
//! `dev-build-in-production`'s `local_suffixes`) dev servers send `no-cache` on
//! purpose: those assets get their own finding, info at most, with a note to check
//! the production build.
//!
//! ## Why it matters
//! Every repeat visit downloads (or at least revalidates) the same bytes again.
//!
//! ## Example
//! 12 static assets cached for less than 30 days, e.g. `/assets/app.3f9a2c1b.js`
//! (`max-age=3600`).
//!
//! ## Thresholds
//! - `min_max_age_s` (2592000): 30 days.
//! - `immutable_max_age_s` (31536000): a year, for content-hashed files (with `immutable`).
//! - `max_beacon_bytes` (100): a body this small is a pixel or a beacon, not an asset.
//!
//! ## Compared with sitespeed.io's Coach
//! Coach (`cacheHeaders`, `cacheHeadersLong`) checks every HAR entry except the page's
//! final URL and three analytics hosts. It takes the first Cache-Control's `max-age`, or 0
//! with `no-cache`/`no-store` or without `max-age`. With no Cache-Control it uses `Expires`
//! minus the time of analysis. Zero or less on a GET costs 10 points; under 30 days (our
//! `min_max_age_s` too) costs 1. Only Coach reports: API calls, documents, redirects and
//! errors (it filters neither type nor status), `private` and `no-store` responses,
//! `max-age=0, s-maxage=...`, and local hosts at full weight (here info at most). Only
//! Stormwatch reports content-hashed files not `immutable` for a year, which Coach
//! accepts at 30 days. Both read `Expires` when Cache-Control has no `max-age`.

use super::{dev_build_in_production, thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::detect::config::Config;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;
use crate::model::urls;
use std::collections::HashSet;

thresholds!(MissingCacheHeadersConfig {
    min_max_age_s: u64 = 30 * 24 * 3600,
    /// A content-hashed file should be `immutable` with at least this `max-age`.
    immutable_max_age_s: u64 = 365 * 24 * 3600,
    /// A body this small is a tracking pixel or a beacon, not an asset to cache.
    max_beacon_bytes: u64 = 100,
});

pub const ID: &str = "missing-cache-headers";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Static assets without long caching",
    doc: include_str!(concat!(env!("OUT_DIR"), "/missing_cache_headers.doc")),
    build: |c| Box::new(MissingCacheHeaders::new(c)),
};

pub struct MissingCacheHeaders {
    cfg: MissingCacheHeadersConfig,
    local_suffixes: Vec<String>,
    seen: HashSet<String>,
}

impl MissingCacheHeaders {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.missing_cache_headers.clone(),
            local_suffixes: cfg.dev_build_in_production.local_suffixes.clone(),
            seen: HashSet::new(),
        }
    }
}

/// `5f1c2a9e-8b7d-4c3a-9f1e-2d6b8a7c5e41`: random, not derived from the content.
fn uuid(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("");
    let parts: Vec<&str> = stem.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `max-age` (or `s-maxage`) in seconds, and whether the response opts out of
/// shared caching on purpose, and whether it is `immutable`.
fn parse(cc: &str) -> (Option<u64>, bool, bool) {
    let mut max_age = None;
    let (mut opted_out, mut immutable) = (false, false);
    // Directives compared ignoring case, without a lower-cased copy of each: every
    // static asset's header is parsed.
    for part in cc.split(',').map(str::trim) {
        if let Some(v) =
            strip_prefix_ignore_case(part, "max-age=").or_else(|| strip_prefix_ignore_case(part, "s-maxage="))
        {
            max_age = v.trim_matches('"').parse().ok().max(max_age);
        }
        opted_out |= part.eq_ignore_ascii_case("private") || part.eq_ignore_ascii_case("no-store");
        immutable |= part.eq_ignore_ascii_case("immutable");
    }
    (max_age, opted_out, immutable)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// `text` contains `needle` (ASCII), ignoring case.
fn contains_ignore_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// A file name carrying a content hash: `app.3f9a2c1b.js`, `chunk-5HX2ZQ7M.js`.
pub fn content_hashed(url: &str) -> bool {
    if crate::model::request::browser_internal(url) {
        return false;
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    let name = path.rsplit('/').next().unwrap_or("");
    if uuid(name) {
        return false;
    }
    name.split(['.', '-', '_']).any(hash_like)
}

/// One part of a file name that reads as a hash (see `content_hashed`).
fn hash_like(part: &str) -> bool {
    let b = part.as_bytes();
    if !(8..=64).contains(&b.len())
        || !b.iter().all(u8::is_ascii_alphanumeric)
        || !b.iter().any(u8::is_ascii_digit)
        || !b.iter().any(u8::is_ascii_alphabetic)
    {
        return false;
    }
    // Runs of digits and of letters: a timestamp is a long digit run; a word with a
    // number (`greenland2`, `30HAMPTONS`, `1600x900`) is one letter run between digits.
    let mut runs: Vec<(bool, usize)> = Vec::new();
    for c in b {
        let digit = c.is_ascii_digit();
        match runs.last_mut() {
            Some((d, n)) if *d == digit => *n += 1,
            _ => runs.push((digit, 1)),
        }
    }
    if runs.iter().any(|&(d, n)| d && n >= 10) {
        return false;
    }
    let hex = b.iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        || b.iter().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c));
    if hex {
        return true;
    }
    let letter_runs = runs.iter().filter(|(d, _)| !d).count();
    let longest_letters = runs.iter().filter(|(d, _)| !d).map(|&(_, n)| n).max().unwrap_or(0);
    letter_runs >= 2 && longest_letters <= 5
}

/// Made per request rather than a file: `no-cache` (or `max-age=0`) and a query
/// parameter with a value that is not a version (a JSONP callback, a tag id, a
/// tracking payload). `app.css?v=3` with `no-cache` is still a static file.
fn per_request(url: &str, cc: &str) -> bool {
    let uncached = cc
        .split(',')
        .map(str::trim)
        .any(|p| p.eq_ignore_ascii_case("no-cache") || p.eq_ignore_ascii_case("max-age=0"));
    let query = url
        .split('#')
        .next()
        .unwrap_or("")
        .split_once('?')
        .map_or("", |(_, q)| q);
    uncached
        && urls::query_pairs(query).any(|(k, v)| {
            !v.is_empty()
                && !["v", "ver", "version", "rev", "hash", "_v"]
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(k))
        })
}

impl Detector for MissingCacheHeaders {
    fn on_settled(&mut self, req: &Request, _page: &PageState, out: &mut Findings) {
        if !req.from_devtools || !matches!(req.status, 200 | 203 | 206) {
            return;
        }
        if !matches!(req.kind(), "script" | "stylesheet" | "font" | "image") || req.is_local() {
            return;
        }
        // Recorded without headers (Firefox's cache hits): no Cache-Control is unknown, not missing.
        if req.no_headers && req.cache_control.is_none() {
            return;
        }
        let cc = req.cache_control.as_deref().unwrap_or("");
        let (max_age, opted_out, immutable) = parse(cc);
        if opted_out {
            return;
        }
        // Without a `max-age`, HTTP caches keep a response until its `Expires` (an
        // ASP.NET resource with `Cache-Control: public` and a date a year ahead).
        let no_cache = contains_ignore_case(cc, "no-cache");
        let by_expires = max_age.is_none() && !no_cache;
        let max_age = if by_expires {
            req.expires_s.map(|s| s.max(0) as u64)
        } else {
            max_age
        };
        let short = max_age.unwrap_or(0) < self.cfg.min_max_age_s;
        let forever = immutable && max_age.unwrap_or(0) >= self.cfg.immutable_max_age_s;
        // Cached long and as immutable: fine whatever its name (most static assets
        // stop here, before the checks of their URL below).
        if !short && forever {
            return;
        }
        // Pixels, beacons and per-request scripts are not files to cache.
        let body = req.content_size.filter(|n| *n > 0).or(req.content_length);
        if body.is_some_and(|n| n <= self.cfg.max_beacon_bytes) || per_request(&req.url, cc) {
            return;
        }
        let hashed = content_hashed(&req.url);
        let hashed_not_forever = hashed && !forever;
        if !(short || hashed_not_forever) || !self.seen.insert(urls::normalize(&req.url)) {
            return;
        }
        let local = dev_build_in_production::local_url(&req.url, &self.local_suffixes);
        let days = |s: u64| format!("{} days", s / 86_400);
        let (key, title_of) = if hashed {
            (
                "hashed",
                format!(
                    "content-hashed static asset(s) not cached as immutable for {}",
                    days(self.cfg.immutable_max_age_s)
                ),
            )
        } else {
            (
                "short",
                format!("static asset(s) cached for less than {}", days(self.cfg.min_max_age_s)),
            )
        };
        // Local assets apart: a dev server's `no-cache` must not hide (or inflate) production's.
        let key = if local { format!("local {key}") } else { key.to_string() };
        let mut header = if cc.is_empty() {
            "no Cache-Control".to_string()
        } else {
            format!("Cache-Control: {cc}")
        };
        if let (true, Some(s)) = (by_expires, req.expires_s) {
            header.push_str(&format!(", Expires in {} days", s.max(0) / 86_400));
        }
        let short_hashed = hashed && short;
        out.upsert(ID, &key, req.start, |f| {
            f.count += 1;
            if short_hashed {
                let n = f.num("short_cached").unwrap_or(0.0) + 1.0;
                f.metrics.insert("short_cached".into(), Metric::Num(n));
            }
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
            // Hashed files are the easy win: caching them forever is always safe. Those
            // already kept a month or more lack only `immutable`: worth saying, not urgent.
            f.severity = if f.num("short_cached").is_some() {
                Severity::Warning
            } else {
                Severity::Info
            };
            f.title = format!("{} {title_of}", f.count);
            f.advice = if hashed {
                "Serve content-hashed files with `Cache-Control: public, max-age=31536000, immutable`: a new \
                 version gets a new name, so the old one can be kept forever."
            } else {
                "Give static assets a long `max-age` (30 days or more), and put a content hash in their file \
                 names so a new version is a new URL; keep `no-cache` for HTML only."
            }
            .into();
            if local {
                dev_build_in_production::local_asset_finding(f);
            }
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
    fn a_vite_dev_server_on_localhost_is_info_with_a_note_and_a_public_host_is_not() {
        let mut t = Kit::new();
        asset(
            &mut t,
            "http://localhost:5173/node_modules/.vite/deps/react.js?v=abc123",
            Some("no-cache"),
        );
        asset(
            &mut t,
            "http://localhost:5173/assets/index-5HX2ZQ7M.js",
            Some("no-cache"),
        );
        let all = t.of("missing-cache-headers");
        assert_eq!(all.len(), 2, "{all:#?}");
        for f in &all {
            assert!(f.key.starts_with("local "), "{}", f.key);
            assert_eq!(f.severity, crate::Severity::Info, "{f:#?}");
            assert!(
                f.title
                    .ends_with("(local development server: check the production build)"),
                "{}",
                f.title
            );
            assert_eq!(f.evidence.urls.len(), 1);
        }

        let mut t = Kit::new();
        asset(
            &mut t,
            "https://app.example.com/node_modules/.vite/deps/react.js?v=abc123",
            Some("no-cache"),
        );
        asset(
            &mut t,
            "https://app.example.com/assets/index-5HX2ZQ7M.js",
            Some("no-cache"),
        );
        let hashed = t
            .of("missing-cache-headers")
            .into_iter()
            .find(|f| f.key == "hashed")
            .unwrap();
        assert_eq!(hashed.severity, crate::Severity::Warning);
        assert_eq!(
            hashed.evidence.urls,
            vec!["https://app.example.com/assets/index-5HX2ZQ7M.js"]
        );
        assert!(t.of("missing-cache-headers").iter().any(|f| f.key == "short"));
    }

    #[test]
    fn blob_data_and_extension_files_are_not_static_assets() {
        let mut t = Kit::new();
        asset(
            &mut t,
            "blob:http://localhost:5173/5f1c2a9e-8b7d-4c3a-9f1e-2d6b8a7c5e41",
            None,
        );
        asset(
            &mut t,
            "chrome-extension://fmkadmapgofadopljbjfkapdkoienihi/build/installHook.js",
            None,
        );
        asset(&mut t, "safari-web-extension://ABCD-1234/script.js", None);
        t.net("data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", 0.0, 0.0, |n| {
            n.resource_type = "image".into();
            n.mime_type = Some("image/svg+xml".into());
        });
        t.net("data:image/png;base64,iVBORw0KGgo=", 0.0, 0.0, |n| {
            n.resource_type = "image".into();
            n.mime_type = Some("image/png".into());
        });
        t.assert_none("missing-cache-headers");
    }

    #[test]
    fn content_hashes_are_recognized() {
        assert!(!content_hashed(
            "blob:http://localhost:5173/5f1c2a9e-8b7d-4c3a-9f1e-2d6b8a7c5e41"
        ));
        assert!(!content_hashed(
            "https://cdn.example.com/uploads/5f1c2a9e-8b7d-4c3a-9f1e-2d6b8a7c5e41.png"
        ));
        assert!(content_hashed("http://h/assets/app.3f9a2c1b.js"));
        assert!(content_hashed("/_next/static/chunks/main-5HX2ZQ7M.js"));
        assert!(!content_hashed("/static/polling.js"));
        assert!(!content_hashed("/vendor/react-dom.production.min.js"));
        // Real hashes: hex, base62 (Vite, esbuild), long md5s.
        for h in [
            "3f9a2c1b",
            "5HX2ZQ7M",
            "BjBsm1pW",
            "5295ccce7f",
            "a612bcc4e9d04c1f8a6b2d3e694f0c",
        ] {
            assert!(content_hashed(&format!("/assets/app-{h}.js")), "{h}");
        }
        // Near misses seen on real sites: words with numbers, sizes, edit timestamps.
        for w in [
            "mediumSquare149",
            "30HAMPTONS",
            "30MEXICOOPIUM1",
            "dfa7banner",
            "greenland2",
            "1600x900",
            "fortnitefoodfights6w8promo",
            "e1533255087393",
        ] {
            assert!(!content_hashed(&format!("/images/2015/{w}.jpg")), "{w}");
        }
    }

    #[test]
    fn pixels_beacons_and_per_request_scripts_are_not_assets() {
        let mut t = Kit::new();
        t.net("http://h/pixel.gif?u=42&ev=view", 0.0, 5.0, |n| {
            n.resource_type = "image".into();
            n.content_size = Some(43);
        });
        asset(&mut t, "http://h/jsonp.js?callback=cb123&q=news", Some("no-cache"));
        asset(&mut t, "http://h/tag.js?id=abc&r=0.123", Some("max-age=0"));
        t.assert_none("missing-cache-headers");
        // Near miss: a versioned stylesheet sent with no-cache is a file all the same.
        let mut t = Kit::new();
        t.net("http://h/all.css?version=02022022224801", 0.0, 5.0, |n| {
            n.resource_type = "stylesheet".into();
            n.cache_control = Some("max-age=0, no-cache".into());
            n.content_size = Some(48_000);
        });
        assert_eq!(t.of("missing-cache-headers").len(), 1);
    }

    #[test]
    fn expires_sets_the_lifetime_when_cache_control_has_no_max_age() {
        let year = Some(365 * 86_400);
        let mut t = Kit::new();
        t.net("http://h/WebResource.axd?d=abc", 0.0, 5.0, |n| {
            n.resource_type = "script".into();
            n.cache_control = Some("public".into());
            n.expires_s = year;
        });
        t.assert_none("missing-cache-headers");
        // Near misses: max-age wins over Expires, and no-cache means revalidate.
        let mut t = Kit::new();
        t.net("http://h/a.js", 0.0, 5.0, |n| {
            n.resource_type = "script".into();
            n.cache_control = Some("max-age=3600".into());
            n.expires_s = year;
        });
        t.net("http://h/b.js", 0.0, 5.0, |n| {
            n.resource_type = "script".into();
            n.cache_control = Some("no-cache".into());
            n.expires_s = year;
        });
        t.net("http://h/c.js", 0.0, 5.0, |n| {
            n.resource_type = "script".into();
            n.expires_s = Some(0);
        });
        assert_eq!(t.of("missing-cache-headers")[0].count, 3);
    }

    #[test]
    fn a_hashed_file_kept_a_year_without_immutable_is_information() {
        let mut t = Kit::new();
        asset(&mut t, "http://h/assets/app.3f9a2c1b.js", Some("max-age=31622400"));
        let f = &t.of("missing-cache-headers")[0];
        assert_eq!((f.key.as_str(), f.severity), ("hashed", crate::Severity::Info));
        // Near miss: the same file kept 6 days is a warning.
        asset(
            &mut t,
            "http://h/assets/front-5295ccce7f-rev.js",
            Some("max-age=518400"),
        );
        let f = &t.of("missing-cache-headers")[0];
        assert_eq!((f.count, f.severity), (2, crate::Severity::Warning));
    }
}
