//! Settings: which detectors run, which requests they see, and each detector's
//! thresholds. Every struct has `#[serde(default)]`, so a config file (or the
//! panel's settings) only names what it changes.
//!
//! The thresholds' types live in their detectors' files (declared with
//! `detect::thresholds!`); `Config` has one field per detector that has them, named
//! after its module, from the registry (`detect::registry!`).

use serde::{Deserialize, Serialize};

/// `Config`, from the registry's list of detectors.
macro_rules! config {
    ($($module:ident $(: $thresholds:ident)?),* $(,)?) => {
        // So `config::PollingLoopConfig` names a detector's thresholds, as before
        // they moved to the detectors' files.
        $($(pub use crate::detect::$module::$thresholds;)?)*

        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct Config {
            /// Detector ids switched off (by default only the opt-in `missing-request-id`).
            pub disabled: Vec<String>,
            /// URL patterns whose requests are left out of the analysis (analytics beacons,
            /// a chat widget): `*` matches anything; a pattern without `*` matches anywhere
            /// in the URL.
            pub ignore: Vec<String>,
            $($(pub $module: $thresholds,)?)*
        }

        impl Default for Config {
            fn default() -> Self {
                Config {
                    disabled: vec!["missing-request-id".into()],
                    ignore: Vec::new(),
                    $($($module: $thresholds::default(),)?)*
                }
            }
        }
    };
}
crate::detect::registry!(config);

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
