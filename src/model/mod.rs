//! The model: the types every layer speaks, and small tools with no knowledge of
//! detectors or the engine.

pub mod bounded;
pub mod event;
pub mod finding;
pub mod number;
pub mod present;
pub mod protocol;
pub mod redact;
pub mod request;
pub mod sort;
pub mod urls;
