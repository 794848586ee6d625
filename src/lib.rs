//! Stormwatch: an engine that turns what a page does (requests, route changes,
//! visibility, DevTools' network log) into findings about performance anti-patterns.
//!
//! The same engine runs in the DevTools panel (wasm32, with the Leptos UI in `ui`)
//! and natively in the `stormwatch` command-line tool over HAR files and reports.

pub mod components;
pub mod config;
pub mod detect;
pub mod engine;
pub mod event;
pub mod finding;
pub mod har;
pub mod live;
pub mod present;
pub mod protocol;
pub mod report;
pub mod request;
pub mod session;
pub mod sort;
pub mod sourcemap;
pub mod timeline;
pub mod urls;

#[cfg(target_arch = "wasm32")]
pub mod ui;

pub use config::Config;
pub use engine::Engine;
pub use event::Event;
pub use finding::{Finding, Severity};

/// The version written into reports and shown in the panel.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
