//! Typed thresholds for every detector. Each struct has `#[serde(default)]`, so a
//! config file (or the panel's settings) only names what it changes.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Detector ids switched off (by default only the opt-in `missing-request-id`).
    pub disabled: Vec<String>,
    /// URL patterns whose requests are left out of the analysis (analytics beacons,
    /// a chat widget): `*` matches anything; a pattern without `*` matches anywhere
    /// in the URL.
    pub ignore: Vec<String>,
    pub duplicate_request: DuplicateRequestConfig,
    pub polling_loop: PollingLoopConfig,
    pub n_plus_one: NPlusOneConfig,
    pub request_waterfall: RequestWaterfallConfig,
    pub error_burst: ErrorBurstConfig,
    pub slow_request: SlowRequestConfig,
    pub large_payload: LargePayloadConfig,
    pub uncompressed_response: UncompressedResponseConfig,
    pub missing_cache_headers: MissingCacheHeadersConfig,
    pub oversized_chunk: OversizedChunkConfig,
    pub connection_leak: ConnectionLeakConfig,
    pub long_task: LongTaskConfig,
    pub memory_growth: MemoryGrowthConfig,
    pub rerender_storm: RerenderStormConfig,
    pub unnecessary_render: UnnecessaryRenderConfig,
    pub dev_build_in_production: DevBuildInProductionConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            disabled: vec!["missing-request-id".into()],
            ignore: Vec::new(),
            duplicate_request: Default::default(),
            polling_loop: Default::default(),
            n_plus_one: Default::default(),
            request_waterfall: Default::default(),
            error_burst: Default::default(),
            slow_request: Default::default(),
            large_payload: Default::default(),
            uncompressed_response: Default::default(),
            missing_cache_headers: Default::default(),
            oversized_chunk: Default::default(),
            connection_leak: Default::default(),
            long_task: Default::default(),
            memory_growth: Default::default(),
            rerender_storm: Default::default(),
            unnecessary_render: Default::default(),
            dev_build_in_production: Default::default(),
        }
    }
}

/// Declares a config struct whose `Default` is the listed values.
macro_rules! thresholds {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty = $val:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct $name { $($(#[$fm])* pub $field: $ty),* }
        impl Default for $name {
            fn default() -> Self { Self { $($field: $val),* } }
        }
    };
}

thresholds!(NPlusOneConfig {
    /// Distinct items (values in the one varying position) in a burst.
    min_requests: usize = 5,
    /// Each starts within this long of the previous one.
    max_gap_ms: f64 = 15.0,
    /// The round trip the finding states its cost at: a local API answers in 1 ms,
    /// a real one does not.
    assumed_latency_ms: f64 = 100.0,
    /// A burst this large is an error.
    error_requests: usize = 20,
    /// ...and so is one whose measured durations add up to this.
    error_total_ms: f64 = 1_000.0,
    /// When the varying values are names, not ids (`/api/me/profile`, `/api/me/cart`),
    /// the answers must look alike: largest at most this many times the smallest.
    max_size_ratio: f64 = 4.0,
    /// Path segments that name an API, not a collection: a name varying right
    /// after them is a different endpoint (`/api/user`, `/api/settings`), not an item.
    /// Version segments (`v1`, `v2`) count too.
    namespace_segments: Vec<String> = ["api", "apis", "rest", "rpc", "internal", "public", "private", "graphql", "services", "me", "self", "current", "account"].map(String::from).to_vec(),
    /// Query parameters that move through one resource (chunk and page reads), not items.
    chunk_params: Vec<String> = ["offset", "start", "end", "from", "to", "skip", "page", "cursor", "after", "before", "since", "until", "range", "bytes", "position", "pos", "chunk", "part", "index"].map(String::from).to_vec(),
    /// Collections whose members are pieces of one resource (`/files/7/chunks/3`).
    chunk_segments: Vec<String> = ["chunks", "chunk", "parts", "part", "pages", "page", "ranges", "range", "segments", "blocks", "slices", "bytes"].map(String::from).to_vec(),
});

thresholds!(RequestWaterfallConfig {
    /// Requests in one chain, each started by the previous one's completion.
    min_requests: usize = 3,
    /// A request starting this soon after the previous one ended continues the chain.
    max_gap_ms: f64 = 50.0,
    /// ...or this much before it (rounded HAR times; the page's and DevTools' clocks).
    max_overlap_ms: f64 = 2.0,
    /// Measured saving (sum minus the longest) from which a chain is a warning; a
    /// chain whose cause is unknown (no initiator stacks) needs it to be reported at all.
    min_savings_ms: f64 = 300.0,
    /// Measured saving from which it is an error.
    error_savings_ms: f64 = 1_000.0,
    /// The round trip the title states the cost at (a local API answers in 1 ms).
    assumed_rtt_ms: f64 = 100.0,
});

thresholds!(ErrorBurstConfig {
    /// Failures to one endpoint within `window_ms`.
    burst_failures: usize = 5,
    window_ms: f64 = 10_000.0,
    /// Or an endpoint failing at least this share of at least `rate_min_requests`.
    rate: f64 = 0.2,
    rate_min_requests: usize = 20,
    /// From this failure rate the finding is an error.
    error_rate: f64 = 0.5,
    /// Retries back off when each waits at least this many times longer than the last.
    backoff_factor: f64 = 1.5,
});

thresholds!(SlowRequestConfig {
    ttfb_ms: f64 = 600.0,
    total_ms: f64 = 1_000.0,
    /// From here it is an error.
    error_total_ms: f64 = 10_000.0,
    /// ...or from this long waiting for the first byte.
    error_ttfb_ms: f64 = 5_000.0,
});

thresholds!(LargePayloadConfig {
    encoded_bytes: u64 = 300_000,
    min_duration_ms: f64 = 100.0,
    decoded_bytes: u64 = 1_000_000,
    /// Decoded size from which it is an error.
    error_decoded_bytes: u64 = 5_000_000,
});

thresholds!(UncompressedResponseConfig {
    min_savings_bytes: u64 = 1_400,
    warning_bytes: u64 = 100_000,
    error_bytes: u64 = 500_000,
    /// Share of a text body that compression typically removes.
    savings_share: f64 = 0.7,
});

thresholds!(MissingCacheHeadersConfig {
    min_max_age_s: u64 = 30 * 24 * 3600,
    /// A content-hashed file should be `immutable` with at least this `max-age`.
    immutable_max_age_s: u64 = 365 * 24 * 3600,
    /// A body this small is a tracking pixel or a beacon, not an asset to cache.
    max_beacon_bytes: u64 = 100,
});

thresholds!(OversizedChunkConfig {
    transfer_bytes: u64 = 250_000,
    decoded_bytes: u64 = 1_000_000,
    /// One script from which it is an error (on the wire, decoded).
    error_transfer_bytes: u64 = 1_000_000,
    error_decoded_bytes: u64 = 4_000_000,
    /// All JavaScript of the page, transferred.
    total_budget_bytes: u64 = 500_000,
    /// The page's total from which it is an error.
    total_error_bytes: u64 = 1_000_000,
});

thresholds!(RerenderStormConfig {
    /// Commits per second in which one component renders.
    renders_per_s: f64 = 30.0,
    /// Commits per second on the whole page.
    commits_per_s: f64 = 60.0,
    /// How long the rate must hold.
    sustain_ms: f64 = 1_000.0,
    /// A pause longer than this ends a run of renders.
    run_gap_ms: f64 = 500.0,
    /// Once a storm runs, windows at this share of the rate keep it going (jitter).
    hold_share: f64 = 0.8,
    /// Render work per second (measured, or estimated) from which a storm is a warning.
    costly_ms_per_s: f64 = 4.0,
    /// Share of renders that change nothing from which a storm is a warning.
    wasted_share: f64 = 0.5,
    /// Assumed cost of one component render when React gives no timings (production
    /// builds): render, diff and commit of a small component (a production React 18
    /// table row of three cells measured 6.3 µs in Chromium; this stays below that).
    assumed_render_us: f64 = 5.0,
});

thresholds!(UnnecessaryRenderConfig {
    /// Re-renders with deep-equal props and state before a component is named.
    min_renders: u64 = 20,
    /// ...and the share of its re-renders they are.
    min_share: f64 = 0.5,
    /// Wasted re-renders, or render time spent on them, from which it is a warning.
    warning_renders: u64 = 100,
    warning_ms: f64 = 16.0,
});

thresholds!(LongTaskConfig {
    /// Frames (or tasks) longer than this are reported.
    min_ms: f64 = 50.0,
    /// Input blocked this long makes it a warning, and this long an error.
    warning_blocking_ms: f64 = 50.0,
    error_blocking_ms: f64 = 150.0,
    /// Forced style and layout over this is layout thrashing (a warning).
    thrashing_ms: f64 = 30.0,
});

thresholds!(DevBuildInProductionConfig {
    /// Hosts taken as local development (besides localhost, 127.0.0.1, [::1]):
    /// suffixes, matched at the end of the host name.
    local_suffixes: Vec<String> = vec![".local".into(), ".test".into(), ".localhost".into()],
});

thresholds!(ConnectionLeakConfig {
    /// Open connections at once from which growth is flagged (info), a warning, an error.
    max_open: usize = 4,
    warning_open: usize = 6,
    error_open: usize = 10,
    /// Connections open to one URL at once from which it is an error (2 is a warning).
    same_url_error: usize = 3,
});

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DuplicateRequestConfig {
    /// A copy issued this long after the first settled still counts.
    pub window_ms: f64,
    /// Copies (including the first) from which the finding is an error.
    pub error_copies: u32,
    /// Two copies started at most this far apart in a React development build on a
    /// local host are StrictMode's double effect (information only).
    pub strict_mode_gap_ms: f64,
}

impl Default for DuplicateRequestConfig {
    fn default() -> Self {
        Self {
            window_ms: 2000.0,
            error_copies: 5,
            strict_mode_gap_ms: 50.0,
        }
    }
}

thresholds!(PollingLoopConfig {
    /// Ticks of identical requests (cache-busters aside) before it is called a loop.
    min_requests: usize = 4,
    /// Steadiness: coefficient of variation of the intervals must stay under this.
    max_cv: f64 = 0.15,
    /// Ticks needed when the requests differ each time (a cursor, a timestamp, new
    /// GraphQL variables): only their steady rhythm tells a poll from a user.
    varying_min_requests: usize = 6,
    /// ...and their steadiness, stricter for the same reason.
    varying_max_cv: f64 = 0.1,
    /// Longest period considered polling.
    max_period_ms: f64 = 60_000.0,
    /// Shortest period considered polling; faster steady series are bursts.
    min_period_ms: f64 = 250.0,
    /// Loops at or above this period are only informational.
    info_period_ms: f64 = 30_000.0,
    /// Requests of one shape starting this close together are one tick (React
    /// StrictMode's doubled first request, two widgets on one timer).
    same_tick_ms: f64 = 100.0,
    /// A tick further than this share of the period off the rhythm ends the loop;
    /// a request sooner than (1 − this) × period after a failed tick is its retry.
    max_tick_deviation: f64 = 0.5,
});

impl Config {
    pub fn enabled(&self, id: &str) -> bool {
        !self.disabled.iter().any(|d| d == id)
    }

    /// Whether requests to `url` are left out (see `ignore`).
    pub fn ignored(&self, url: &str) -> bool {
        self.ignore.iter().any(|p| matches_pattern(p, url))
    }
}

/// `*` matches any run of characters; without `*` the pattern matches anywhere.
fn matches_pattern(pattern: &str, text: &str) -> bool {
    if pattern.is_empty() {
        return false;
    }
    if !pattern.contains('*') {
        return text.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod pattern_tests {
    use super::*;

    #[test]
    fn ignore_patterns_match_like_globs_or_substrings() {
        let cfg = Config {
            ignore: vec![
                "google-analytics.com".into(),
                "https://*.intercom.io/*".into(),
                "*/beacon".into(),
            ],
            ..Config::default()
        };
        assert!(cfg.ignored("https://www.google-analytics.com/g/collect?v=2"));
        assert!(cfg.ignored("https://api-iam.intercom.io/messenger/ping"));
        assert!(cfg.ignored("https://shop.example/api/beacon"));
        assert!(!cfg.ignored("https://shop.example/api/beacon/2"));
        assert!(!cfg.ignored("https://shop.example/api/items"));
        assert!(!Config::default().ignored("https://anything"));
    }
}

thresholds!(MemoryGrowthConfig {
    /// The trend is judged over this much time (seconds in tests, minutes in life).
    window_ms: f64 = 120_000.0,
    /// Growth of the rising floor over the window, as a share of where it started.
    min_growth: f64 = 0.10,
    /// Samples needed within the window.
    min_samples: usize = 8,
    /// Share of the window the samples must span before a trend is judged.
    min_coverage: f64 = 0.9,
    /// Growth over the window from which it is an error.
    error_growth: f64 = 0.5,
});
