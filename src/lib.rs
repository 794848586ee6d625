//! Stormwatch: an engine that turns what a page does (requests, route changes,
//! visibility, DevTools' network log) into findings about performance anti-patterns.
//!
//! The same engine runs in the DevTools panel (wasm32, with the Leptos UI in `ui`)
//! and natively in the `stormwatch` command-line tool over HAR files and reports.

// The layers, each using only those above it in this list (a test in `layers`
// checks the imports):
pub mod detect; //    the rules: one detector per file, their thresholds and `Config`
pub mod engine; //    ingest, merge a request's halves, run the detectors, the React components table
pub mod input; //     saved input: HAR files and reports, replayed page by page; source maps
pub mod live;
pub mod model; //     what everything speaks: events, the wire, requests, findings, URLs, presentation
pub mod report; //    the report: its schema, text/HTML/Markdown output, the timeline's layout //      the panel's session: documents, resets, DevTools' log, what goes back out

#[cfg(target_arch = "wasm32")]
pub mod ui; //        the Leptos panel (wasm32 only)

#[cfg(test)]
mod layers;

pub use detect::config::Config;
pub use engine::Engine;
pub use model::event::Event;
pub use model::finding::{Finding, Severity};

/// The version written into reports and shown in the panel.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
