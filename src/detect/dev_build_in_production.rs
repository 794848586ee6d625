//! # dev-build-in-production
//!
//! ## What it detects
//! A React development build (the renderer's `bundleType` is not production)
//! running on a page whose host is not local development (localhost, 127.0.0.1,
//! `[::1]`, or a name ending in `.local`, `.test` or `.localhost`). Also, as
//! information, scripts and styles served with a `SourceMap` header on such a host:
//! the original source ships to every visitor.
//!
//! ## Why it matters
//! Development builds run extra checks on every render and are several times
//! slower and larger than production builds: the audits' "production optimizations
//! disabled". Public source maps give away the original code.
//!
//! ## Example
//! React 18.3.1 (react-dom) is a development build on shop.example.com.
//!
//! ## Thresholds
//! - `local_suffixes` ([".local", ".test", ".localhost"]): hosts taken as local.

use super::{thresholds, Detector, DetectorInfo, Findings, PageState};
use crate::model::event::Event;
use crate::model::finding::{Metric, Severity};
use crate::model::request::Request;

thresholds!(DevBuildInProductionConfig {
    /// Hosts taken as local development (besides localhost, 127.0.0.1, [::1]):
    /// suffixes, matched at the end of the host name.
    local_suffixes: Vec<String> = vec![".local".into(), ".test".into(), ".localhost".into()],
});

pub const ID: &str = "dev-build-in-production";

pub const INFO: DetectorInfo = DetectorInfo {
    id: ID,
    title: "Development builds in production",
    doc: include_str!(concat!(env!("OUT_DIR"), "/dev_build_in_production.doc")),
    build: |c| {
        Box::new(DevBuild {
            cfg: c.dev_build_in_production.clone(),
        })
    },
};

pub struct DevBuild {
    cfg: DevBuildInProductionConfig,
}

/// The host of a URL, lowercased, without port or userinfo.
fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let host = if let Some(v6) = authority.strip_prefix('[') {
        format!("[{}]", v6.split(']').next()?)
    } else {
        authority.split(':').next()?.to_string()
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Whether a host name is local development: localhost, 127.*, `[::1]`, 0.0.0.0,
/// or a name ending in one of `suffixes`. The one list every detector uses.
pub fn local_host(host: &str, suffixes: &[String]) -> bool {
    let h = host.to_ascii_lowercase();
    h == "localhost"
        || h.starts_with("127.")
        || h == "[::1]"
        || h == "0.0.0.0"
        || suffixes.iter().any(|s| h.ends_with(s.as_str()))
}

/// Whether a URL is served from a local development host (see [`local_host`]).
pub fn local_url(url: &str, suffixes: &[String]) -> bool {
    host(url).is_some_and(|h| local_host(&h, suffixes))
}

/// Said by the asset findings (`uncompressed-response`, `missing-cache-headers`,
/// `oversized-chunk`) about files from a local host.
pub const LOCAL_NOTE: &str = "local development server: check the production build";

/// Caps an asset finding about a local host at info and says why: dev servers
/// (Vite, webpack-dev-server, `next dev`) serve unminified, uncompressed, uncached
/// bundles by design, so only the production build can tell.
pub fn local_asset_finding(f: &mut crate::model::finding::Finding) {
    f.severity = f.severity.min(Severity::Info);
    f.metrics.insert("local_dev".into(), Metric::Flag(true));
    f.metrics.insert("note".into(), Metric::Text(LOCAL_NOTE.into()));
    if !f.title.contains(LOCAL_NOTE) {
        f.title.push_str(&format!(" ({LOCAL_NOTE})"));
    }
    f.advice = format!(
        "Served from a local development server, which skips compression, long caching and minification on \
         purpose. Check the production build and its server instead; there: {}",
        f.advice
    );
}

impl DevBuild {
    /// The page's host when it is not local development.
    fn public_host(&self, page: &PageState) -> Option<String> {
        let h = host(&page.url)?;
        (!local_host(&h, &self.cfg.local_suffixes)).then_some(h)
    }
}

impl Detector for DevBuild {
    fn on_page(&mut self, event: &Event, page: &PageState, out: &mut Findings) {
        let Event::ReactRenderer(r) = event else { return };
        if r.bundle_type.is_none_or(|b| b == 0) {
            return;
        }
        let Some(host) = self.public_host(page) else { return };
        let what = match (r.version.is_empty(), r.package.is_empty()) {
            (false, false) => format!("React {} ({})", r.version, r.package),
            (false, true) => format!("React {}", r.version),
            _ => "React".to_string(),
        };
        out.upsert(ID, "react", r.t, |f| {
            f.count = 1;
            f.severity = Severity::Error;
            f.title = format!("{what} is a development build on {host}");
            f.evidence.add_url(page.current_url());
            f.metrics.insert("host".into(), Metric::Text(host.clone()));
            f.metrics
                .insert("bundle_type".into(), Metric::Num(r.bundle_type.unwrap_or(1) as f64));
            f.advice = "Build for production: NODE_ENV=production (`next build`/`vite build`/`webpack --mode \
                        production`), and make sure the production `react-dom` is the one served. Development \
                        builds check every render and are several times slower."
                .into();
        });
    }

    fn on_settled(&mut self, req: &Request, page: &PageState, out: &mut Findings) {
        let Some(map) = &req.source_map else { return };
        let Some(host) = self.public_host(page) else { return };
        if out
            .iter()
            .any(|f| f.detector == ID && f.key == "source-maps" && f.evidence.urls.contains(&req.url))
        {
            return;
        }
        out.upsert(ID, "source-maps", req.start, |f| {
            f.count += 1;
            f.severity = Severity::Info;
            f.evidence.add_url(&req.url);
            f.evidence.add_request(req.id);
            f.metrics.insert("example_map".into(), Metric::Text(map.clone()));
            f.title = format!("{} file(s) on {host} point to a public source map", f.count);
            f.advice = "Source maps give away the original code. Upload them to your error tracker instead of \
                        serving them, or restrict who can fetch them."
                .into();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::run_events;
    use crate::model::event::{PageInfo, ReactRenderer};

    fn page(url: &str, bundle_type: Option<u8>) -> Vec<Event> {
        vec![
            Event::Page(PageInfo {
                t: 1_000.0,
                url: url.into(),
            }),
            Event::ReactRenderer(ReactRenderer {
                t: 1_100.0,
                id: 1,
                version: "18.3.1".into(),
                package: "react-dom".into(),
                bundle_type,
            }),
        ]
    }

    #[test]
    fn a_development_build_on_a_public_host() {
        let f = run_events(&page("https://shop.example.com:8443/cart", Some(1)))
            .into_iter()
            .find(|f| f.detector == ID)
            .expect("finding");
        assert_eq!(
            f.title,
            "React 18.3.1 (react-dom) is a development build on shop.example.com"
        );
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.evidence.urls, vec!["https://shop.example.com:8443/cart"]);
    }

    #[test]
    fn one_list_of_local_hosts() {
        let suffixes = crate::detect::config::DevBuildInProductionConfig::default().local_suffixes;
        for url in [
            "http://localhost:5173/src/main.tsx",
            "http://127.0.0.2:8000/",
            "http://[::1]:3000/",
            "http://0.0.0.0:8080/",
            "http://myapp.local/",
            "https://shop.test/",
            "http://app.localhost/",
            "http://LOCALHOST/",
        ] {
            assert!(local_url(url, &suffixes), "{url}");
        }
        for url in [
            "https://app.example.com/",
            "https://localhost.example.com/",
            "https://test.example.com/",
            "data:text/javascript,1",
        ] {
            assert!(!local_url(url, &suffixes), "{url}");
        }
    }

    #[test]
    fn local_hosts_and_production_builds_are_quiet() {
        for url in [
            "http://localhost:3000/",
            "http://127.0.0.1:8080/",
            "http://[::1]:5173/",
            "http://myapp.local/",
            "https://shop.test/",
            "http://app.localhost/",
        ] {
            assert!(
                run_events(&page(url, Some(1))).iter().all(|f| f.detector != ID),
                "{url}"
            );
        }
        assert!(run_events(&page("https://shop.example.com/", Some(0)))
            .iter()
            .all(|f| f.detector != ID));
        assert!(run_events(&page("https://shop.example.com/", None))
            .iter()
            .all(|f| f.detector != ID));
    }

    #[test]
    fn hosts_are_read_without_port_userinfo_or_case() {
        assert_eq!(
            host("https://u:p@Shop.Example.com:8443/x?y").as_deref(),
            Some("shop.example.com")
        );
        assert_eq!(host("http://[::1]:80/").as_deref(), Some("[::1]"));
        assert_eq!(host("not a url"), None);
    }
}
