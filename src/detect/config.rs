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

        impl Config {
            /// Each detector's thresholds, named after its module (see `from_json`).
            fn each_section(&mut self, f: &mut dyn FnMut(&'static str, &mut dyn Thresholds)) {
                $($(f(stringify!($module), &mut self.$module as &mut $thresholds);)?)*
            }
        }
    };
}
crate::detect::registry!(config);

/// A detector's thresholds, one by one (declared by `detect::thresholds!`).
pub trait Thresholds {
    fn each(&mut self, f: &mut dyn FnMut(&'static str, &mut dyn Setting));
}

/// One setting, read from and written as JSON by `Config::from_json` and `to_json`.
pub trait Setting {
    fn read(&mut self, value: &serde_json::Value) -> Result<(), serde_json::Error>;
    fn write(&self, out: &mut String);
}

impl<T: Serialize + serde::de::DeserializeOwned> Setting for T {
    fn read(&mut self, value: &serde_json::Value) -> Result<(), serde_json::Error> {
        *self = T::deserialize(value)?;
        Ok(())
    }

    fn write(&self, out: &mut String) {
        // Numbers and lists of strings: writing them cannot fail.
        out.push_str(&serde_json::to_string(self).unwrap_or_default());
    }
}

// The panel reads and writes its settings as JSON with `from_json` and `to_json`
// rather than serde's derive, which the CLI's config file uses: the derive's decoder
// is generic code for each of the ~80 thresholds, 29 KB of the panel's wasm, where
// these walk the fields (`thresholds!` lists them) with one small function per type.
impl Config {
    /// The settings as compact JSON, fields in declaration order (as serde writes them).
    pub fn to_json(&self) -> String {
        let mut cfg = self.clone();
        let mut out = String::from("{\"disabled\":");
        cfg.disabled.write(&mut out);
        out.push_str(",\"ignore\":");
        cfg.ignore.write(&mut out);
        cfg.each_section(&mut |name, section| {
            out.push_str(&format!(",\"{name}\":{{"));
            let mut first = true;
            section.each(&mut |field, setting| {
                out.push_str(&format!("{}\"{field}\":", if first { "" } else { "," }));
                setting.write(&mut out);
                first = false;
            });
            out.push('}');
        });
        out.push('}');
        out
    }

    /// Settings from JSON, as serde's derive reads them: missing fields keep their
    /// defaults, unknown ones are ignored, a value of the wrong type is an error
    /// (naming the field).
    pub fn from_json(text: &str) -> Result<Config, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let top = object(&value, "the settings")?;
        let mut cfg = Config::default();
        if let Some(v) = top.get("disabled") {
            read("disabled", &mut cfg.disabled, v)?;
        }
        if let Some(v) = top.get("ignore") {
            read("ignore", &mut cfg.ignore, v)?;
        }
        // The first error is the one reported.
        let mut result = Ok(());
        cfg.each_section(&mut |name, section| match (top.get(name), result.is_ok()) {
            (Some(v), true) => match object(v, name) {
                Ok(fields) => section.each(&mut |field, setting| {
                    if let (Some(v), true) = (fields.get(field), result.is_ok()) {
                        result = read(&format!("{name}.{field}"), setting, v);
                    }
                }),
                Err(e) => result = Err(e),
            },
            _ => {}
        });
        result.map(|()| cfg)
    }

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

fn read(path: &str, setting: &mut dyn Setting, value: &serde_json::Value) -> Result<(), String> {
    setting.read(value).map_err(|e| format!("{path}: {e}"))
}

fn object<'a>(
    value: &'a serde_json::Value,
    what: &str,
) -> Result<&'a serde_json::Map<String, serde_json::Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("{what}: invalid type: expected an object"))
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

#[cfg(test)]
mod json_tests {
    use super::*;

    /// `from_json` reads what serde's derive (the CLI's config file) reads.
    #[test]
    fn settings_read_from_json_as_serde_reads_them() {
        for text in [
            "{}",
            r#"{"disabled":[],"ignore":["*/beacon"]}"#,
            r#"{"memory_growth":{"window_ms":12000,"min_samples":6},"unknown":{"x":1}}"#,
            r#"{"polling_loop":{"max_cv":0.2,"nonsense":true},"n_plus_one":{}}"#,
            r#"{"n_plus_one":{"chunk_params":["page","offset"],"min_requests":7}}"#,
        ] {
            let serde: Config = serde_json::from_str(text).unwrap();
            assert_eq!(Config::from_json(text), Ok(serde), "{text}");
        }
        for text in [
            "7",
            r#"{"disabled":"all"}"#,
            r#"{"memory_growth":null}"#,
            r#"{"memory_growth":{"min_samples":1.5}}"#,
            r#"{"memory_growth":{"min_samples":-1}}"#,
            r#"{"slow_request":{"ttfb_ms":"600"}}"#,
            "not json",
        ] {
            assert!(serde_json::from_str::<Config>(text).is_err(), "{text}");
            assert!(Config::from_json(text).is_err(), "{text}");
        }
        assert_eq!(
            Config::from_json(r#"{"slow_request":{"ttfb_ms":"600"}}"#),
            Err(r#"slow_request.ttfb_ms: invalid type: string "600", expected f64"#.into())
        );
    }

    /// `to_json` writes what serde writes, in the same order, and reads back whole.
    #[test]
    fn settings_written_as_json_as_serde_writes_them() {
        let mut cfg = Config::default();
        cfg.ignore.push("a\"b".into());
        cfg.memory_growth.window_ms = 0.1 + 0.2;
        let ours: serde_json::Value = serde_json::from_str(&cfg.to_json()).unwrap();
        assert_eq!(ours, serde_json::to_value(&cfg).unwrap());
        let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        let order = |text: &str| {
            let mut at: Vec<(usize, String)> = keys(&ours)
                .into_iter()
                .map(|k| (text.find(&format!("\"{k}\":")).unwrap(), k))
                .collect();
            at.sort();
            at.into_iter().map(|(_, k)| k).collect::<Vec<_>>()
        };
        assert_eq!(order(&cfg.to_json()), order(&serde_json::to_string(&cfg).unwrap()));
        assert_eq!(Config::from_json(&cfg.to_json()), Ok(cfg));
    }
}
