//! Saved input: HAR files (streamed, from any recorder) and Stormwatch reports,
//! replayed through the engine page by page; source maps of the page's chunks.

pub mod har;
#[cfg(not(target_arch = "wasm32"))]
pub mod har_fast;
pub mod session;
pub mod sourcemap;
