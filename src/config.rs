//! Typed thresholds for every detector. Each struct has `#[serde(default)]`, so a
//! config file (or the panel's settings) only names what it changes.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Detector ids switched off.
    pub disabled: Vec<String>,
    pub duplicate_request: DuplicateRequestConfig,
    pub polling_loop: PollingLoopConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DuplicateRequestConfig {
    /// A copy issued this long after the first settled still counts.
    pub window_ms: f64,
    /// Copies (including the first) from which the finding is an error.
    pub error_copies: u32,
}

impl Default for DuplicateRequestConfig {
    fn default() -> Self {
        Self {
            window_ms: 2000.0,
            error_copies: 5,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PollingLoopConfig {
    /// Requests with one signature needed before it is called a loop.
    pub min_requests: usize,
    /// Steadiness: coefficient of variation of the intervals must stay under this.
    pub max_cv: f64,
    /// Longest period considered polling.
    pub max_period_ms: f64,
    /// Shortest period considered polling; faster steady series are bursts.
    pub min_period_ms: f64,
    /// Loops at or above this period are only informational.
    pub info_period_ms: f64,
}

impl Default for PollingLoopConfig {
    fn default() -> Self {
        Self {
            min_requests: 4,
            max_cv: 0.15,
            max_period_ms: 60_000.0,
            min_period_ms: 250.0,
            info_period_ms: 30_000.0,
        }
    }
}

impl Config {
    pub fn enabled(&self, id: &str) -> bool {
        !self.disabled.iter().any(|d| d == id)
    }
}
