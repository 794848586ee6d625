//! The events the engine ingests. One serde enum tagged by `type`; the page hook,
//! the panel's DevTools bridge, the HAR reader and saved reports all produce these,
//! so the same events in the same order give the same findings everywhere.
//!
//! Times (`t`, `start`) are milliseconds since the Unix epoch as floats: the page
//! sends `performance.timeOrigin + performance.now()`, HAR gives wall-clock dates.
//!
//! The events the page hook sends (everything but `network` and `chunk_packages`)
//! are a contract with extension/hook.js and react.js: every field is required, and
//! an `Option` may be `null` but not absent, so a field renamed on one side is an
//! error (the batch decoder drops and counts that event) instead of a silent `None`.
//! `tests/fixtures/wire/events/` holds a golden of each type, checked from both
//! sides (tests/wire.rs and tests/e2e/wire.test.mjs). `network` and
//! `chunk_packages` are made here in Rust, never by the page, and stay lenient so
//! that reports saved by older versions still load.

use crate::model::protocol::{MAX_HASHED_BODY, MAX_OPERATION_NAME};
use serde::{Deserialize, Deserializer, Serialize};

/// For an `Option` field that must be present, though it may be `null`. Serde's
/// derive takes a missing `Option` as `None`; with `deserialize_with` it is an error.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

// Deserialize is written by hand (below): same format, without buffering every event.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A document started: its URL and time origin. Resets nothing by itself;
    /// the panel starts a new engine per document.
    Page(PageInfo),
    /// The page called `fetch` or `XMLHttpRequest.send` (recorded before it runs).
    RequestStart(RequestStart),
    /// That call settled: response headers where readable, or the failure.
    RequestEnd(RequestEnd),
    /// A Resource Timing entry, seen by the page's `PerformanceObserver`.
    Resource(ResourceEntry),
    /// `history.pushState` / `replaceState` / `popstate`.
    Route(RouteChange),
    /// `visibilitychange`.
    Visibility(Visibility),
    /// One entry of DevTools' own network log (HAR), normalized.
    Network(Box<NetworkEntry>),
    /// `DOMContentLoaded` (`phase: "dcl"`) and `load` (`phase: "load"`).
    Lifecycle(Lifecycle),
    /// The window gained or lost focus (clicking into DevTools blurs the page).
    Focus(Focus),
    /// The page opened an `EventSource` or `WebSocket`.
    ConnectionOpen(ConnectionOpen),
    /// ...and it closed (by the page or the server).
    ConnectionClose(ConnectionClose),
    /// A long animation frame (or, where that API is missing, a long task).
    LongTask(LongTask),
    /// A periodic sample of what the page holds on to.
    Memory(MemorySample),
    /// A React renderer the page loaded (seen at its first commit).
    ReactRenderer(ReactRenderer),
    /// React renders counted over a short window of commits, per component.
    ReactRenders(ReactRenders),
    /// What a script is made of, read by the panel from the script's source map.
    ChunkPackages(ChunkPackages),
    /// Event types this version does not know yet (from a newer hook). Counted, ignored.
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageInfo {
    pub t: f64,
    pub url: String,
}

/// Which page API issued a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    Fetch,
    Xhr,
    Beacon,
    /// Known only from DevTools' log: a document, script, image, worker request...
    #[default]
    Other,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestStart {
    /// Unique within one document (the hook's counter).
    pub id: u64,
    pub api: Api,
    pub method: String,
    pub url: String,
    pub t: f64,
    /// A signature of the request body: `""` for none, a hash for strings and
    /// form data, `null` when it cannot be known without reading it (a stream).
    #[serde(deserialize_with = "nullable")]
    pub body: Option<String>,
    pub keepalive: bool,
    /// The request carries a `Range` header.
    pub range: bool,
    /// GraphQL `operationName`, when the body names one.
    #[serde(deserialize_with = "nullable")]
    pub op: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    #[default]
    Ok,
    Error,
    Abort,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestEnd {
    pub id: u64,
    pub t: f64,
    /// 0 when the request failed before a response.
    pub status: u16,
    pub outcome: Outcome,
    #[serde(deserialize_with = "nullable")]
    pub content_type: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub content_length: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub content_encoding: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub cache_control: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceEntry {
    pub url: String,
    /// `initiatorType`: script, link, img, fetch, xmlhttprequest...
    pub initiator: String,
    pub start: f64,
    pub duration: f64,
    /// Unknown (not zero) when the server sent no `Timing-Allow-Origin`.
    #[serde(deserialize_with = "nullable")]
    pub transfer_size: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub encoded_size: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub decoded_size: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub status: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouteChange {
    pub t: f64,
    pub url: String,
    /// push, replace or pop.
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visibility {
    pub t: f64,
    pub hidden: bool,
}

/// What DevTools knows about a request that the page cannot see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct NetworkEntry {
    pub method: String,
    pub url: String,
    /// Start, epoch milliseconds.
    pub t: f64,
    /// Total time in milliseconds.
    pub duration: f64,
    #[serde(default)]
    pub status: u16,
    /// Chrome's `_resourceType`: document, script, stylesheet, fetch, xhr, image...
    #[serde(default)]
    pub resource_type: String,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub transfer_size: Option<u64>,
    #[serde(default)]
    pub body_size: Option<u64>,
    #[serde(default)]
    pub content_size: Option<u64>,
    #[serde(default)]
    pub content_encoding: Option<String>,
    #[serde(default)]
    pub cache_control: Option<String>,
    /// Seconds the `Expires` header keeps the response fresh (from the response's
    /// `Date`, or its start); 0 for a past or invalid date. Only read when
    /// `Cache-Control` gives no `max-age`, as HTTP caches do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_s: Option<i64>,
    /// The recorder kept no response headers (Firefox writes its cache hits this
    /// way): what `Cache-Control` or `Content-Encoding` said is unknown, not absent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_headers: bool,
    /// The `SourceMap` (or `X-SourceMap`) response header: the code ships a source map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_map: Option<String>,
    /// Signature of the posted body, as for [`RequestStart::body`].
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub range: bool,
    /// `url:line:column` of the script that issued it, when DevTools knows.
    #[serde(default)]
    pub initiator: Option<String>,
    /// Waiting for the first byte, in milliseconds.
    #[serde(default)]
    pub wait: Option<f64>,
    /// True when the request failed (no response, or `_error` set).
    #[serde(default)]
    pub failed: bool,
    /// The HAR timing phases, in milliseconds (absent phases are `None`).
    #[serde(default)]
    pub timings: Option<Timings>,
    /// The request carried `x-request-id` or `traceparent` (None: headers unknown).
    #[serde(default)]
    pub traced: Option<bool>,
    /// GraphQL `operationName` from the posted body.
    #[serde(default)]
    pub op: Option<String>,
    /// Ids and short strings from a small JSON response (when DevTools had the
    /// body), so a later request that uses one can be recognized as depending on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Which page code issued it and what that code resumed from, from DevTools'
    /// initiator stack (None: no stack, as in Firefox and Safari exports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<Caller>,
    /// DevTools saw it cancelled (`net::ERR_ABORTED`): the page or a navigation aborted it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aborted: bool,
}

/// The code behind a request, as DevTools' initiator stack tells it: enough to
/// tell "awaited right after the previous request in the same function" from
/// "started by a click, a timer or another component".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// The innermost page function that called `fetch`/`send`: `url#name`
    /// (positions left out: each `await` in one function has its own line).
    pub function: String,
    /// The first asynchronous step below it (`await`, `Promise.then`, `setTimeout`,
    /// `requestAnimationFrame`...); None when it ran synchronously from an event
    /// or a script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed: Option<String>,
    /// Page functions in the asynchronous parents (nearest first, a few): the code
    /// that scheduled the step it resumed from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scheduled_by: Vec<String>,
    /// The task that sent it was React's scheduler rendering, or running the
    /// effects of a render (`performWorkUntilDeadline` at the bottom of the stack,
    /// as React 17 to 19 development builds name it, and React 19's unminified
    /// production build too): the page reacting to an
    /// update such as an answer arriving, not to the user's input. A component that
    /// fetches in its effect, or suspends on a query, after its parent's data came.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rendered: bool,
}

impl Caller {
    /// Resumed from a timer or a frame callback (a poll's tick, an animation).
    pub fn is_timer(&self) -> bool {
        matches!(
            self.resumed.as_deref(),
            Some("setTimeout" | "setInterval" | "requestAnimationFrame" | "requestIdleCallback")
        )
    }

    /// Resumed from a promise the code awaited or chained on (as opposed to a
    /// timer, an animation frame, a message or an event).
    pub fn is_continuation(&self) -> bool {
        matches!(
            self.resumed.as_deref(),
            Some("await" | "async function" | "Promise.then" | "Promise.catch" | "Promise.finally" | "Promise.resolve")
                | Some("XMLHttpRequest.send")
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    #[serde(default)]
    pub blocked: Option<f64>,
    #[serde(default)]
    pub dns: Option<f64>,
    #[serde(default)]
    pub connect: Option<f64>,
    #[serde(default)]
    pub ssl: Option<f64>,
    #[serde(default)]
    pub send: Option<f64>,
    #[serde(default)]
    pub wait: Option<f64>,
    #[serde(default)]
    pub receive: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub t: f64,
    pub phase: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Focus {
    pub t: f64,
    pub focused: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionOpen {
    pub id: u64,
    /// `eventsource` or `websocket`.
    pub kind: String,
    pub url: String,
    pub t: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LongTask {
    /// Start, epoch milliseconds.
    pub t: f64,
    pub duration: f64,
    /// The part of it that blocked input (`blockingDuration`); None for plain long tasks.
    #[serde(deserialize_with = "nullable")]
    pub blocking: Option<f64>,
    /// Style and layout forced by scripts (`forcedStyleAndLayoutDuration` summed).
    pub forced_layout: f64,
    /// The scripts that ran in it, longest first (at most a few).
    pub scripts: Vec<TaskScript>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemorySample {
    pub t: f64,
    /// `performance.memory.usedJSHeapSize` in bytes, where the browser has it.
    #[serde(deserialize_with = "nullable")]
    pub heap: Option<f64>,
    /// Elements in the document.
    #[serde(deserialize_with = "nullable")]
    pub nodes: Option<f64>,
    /// Intervals created and not cleared.
    #[serde(deserialize_with = "nullable")]
    pub intervals: Option<f64>,
    /// EventSource/WebSocket connections open.
    #[serde(deserialize_with = "nullable")]
    pub connections: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskScript {
    /// `sourceURL`.
    pub url: String,
    /// `sourceFunctionName`.
    pub function: String,
    /// `sourceCharPosition` (-1 when unknown).
    pub char: i64,
    /// What called it: `BUTTON#save.onclick`, `Window.setTimeout`...
    pub invoker: String,
    pub duration: f64,
    pub forced_layout: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReactRenderer {
    pub t: f64,
    /// The page's renderer id (1 for the first React DOM).
    pub id: u32,
    pub version: String,
    /// `react-dom`, `react-native-renderer`...
    pub package: String,
    /// React's build marker: 0 production, 1 development; None when not told.
    #[serde(deserialize_with = "nullable")]
    pub bundle_type: Option<u8>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReactRenders {
    /// The window's first commit, epoch milliseconds.
    pub t: f64,
    /// When the window was sent.
    pub t_end: f64,
    /// Commits in the window (all roots and renderers).
    pub commits: u32,
    /// Fibers not walked because a commit exceeded the page's per-commit cap.
    pub skipped_fibers: u32,
    /// Components counted but not sent (past the page's per-window cap).
    pub components_not_sent: u32,
    /// Time our hook spent inside React's commits in this window.
    pub hook_ms: f64,
    pub components: Vec<ComponentRenders>,
}

/// One component's renders in a window: every instance of it summed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ComponentRenders {
    pub name: String,
    /// Renders (instances × commits).
    pub renders: u32,
    /// Commits in which at least one instance rendered: its render rate.
    pub commits: u32,
    /// Of those, commits whose first instance rendered was the one rendered first in
    /// its previous commit (same key or position): a lone ticker repeats, rows that
    /// each render once when their own value changes take turns. Added after reports
    /// were first saved: absent (None) in older ones, so it is the one optional field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<u32>,
    /// Why: first mount, props changed, state (or hooks) changed, context changed,
    /// or the parent rendered with shallow-equal props.
    pub mounts: u32,
    pub props: u32,
    pub state: u32,
    pub context: u32,
    pub parent: u32,
    /// Re-renders whose props and state were deep-equal to the previous ones.
    pub unnecessary: u32,
    /// Self render time (development and profiling builds only).
    #[serde(deserialize_with = "nullable")]
    pub self_ms: Option<f64>,
    /// Wrapped in React.memo.
    pub memo: bool,
    /// The component that rendered above it most often (what triggered it).
    #[serde(deserialize_with = "nullable")]
    pub owner: Option<String>,
    pub keys: Vec<ChangedKey>,
    /// Its effects that re-ran with dependencies of the same content in this window.
    /// Added after reports were first saved: absent (empty) in older ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<EffectRuns>,
}

/// One effect hook of a component that re-ran although every dependency that
/// changed kept its content (a new object, array or function each render).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EffectRuns {
    /// The hook's position in the component (0-based, every hook counted).
    pub index: u32,
    /// `useEffect`, `useLayoutEffect` or `useInsertionEffect`.
    pub kind: String,
    /// Re-runs in the window (first runs at mount not counted)...
    pub runs: u32,
    /// ...and of those, the avoidable ones: each dependency that changed has the same content.
    pub same: u32,
    /// The dependency (position in the array) that last changed identity only, and
    /// previews; null (and empty previews) for an effect without a dependency array,
    /// sent only when its runs sent requests or set state.
    #[serde(deserialize_with = "nullable")]
    pub dep: Option<u32>,
    pub from: String,
    pub to: String,
    /// The start of the effect function's source text, on one line: where to find it.
    pub source: String,
    /// Requests the page sent while the avoidable runs ran, when only they ran
    /// (React 18 and later tell when effects are done; 0 with React 17)...
    pub requests: u32,
    /// ...and the page's ids of the first few (the engine turns them into its own).
    pub request_ids: Vec<u64>,
    /// Commits whose avoidable runs set state as they ran (a render more each):
    /// React's root had work scheduled after them that it had not before.
    pub updates: u32,
    /// Their URLs, filled in by the engine for the detector (not on the wire).
    #[serde(skip)]
    pub urls: Vec<String>,
}

/// A prop or state slot that changed identity, and whether its content did too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangedKey {
    /// `props` or `state`.
    pub kind: String,
    /// The prop name, state key, `hook N`, or `store N` for a hook reading an
    /// external store (`useSyncExternalStore`: zustand, Redux, valtio).
    pub key: String,
    pub count: u32,
    /// Of those, changes to an equal value (new identity, same content).
    pub equal: u32,
    /// Short previews of the last change.
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChunkPackages {
    pub t: f64,
    /// The script.
    pub url: String,
    /// Its source map (a URL, or `inline`).
    #[serde(default)]
    pub map: String,
    /// Bytes of the script per npm package (`(app code)` for the rest), largest first.
    #[serde(default)]
    pub packages: Vec<(String, u64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionClose {
    pub id: u64,
    pub t: f64,
}

/// The `type` tags, as the wire format spells them.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Tag {
    Page,
    RequestStart,
    RequestEnd,
    Resource,
    Route,
    Visibility,
    Network,
    Lifecycle,
    Focus,
    ConnectionOpen,
    ConnectionClose,
    LongTask,
    Memory,
    ReactRenderer,
    ReactRenders,
    ChunkPackages,
    #[serde(other)]
    Unknown,
}

impl Tag {
    /// The event of this type from the rest of its object.
    fn event<'de, D: serde::Deserializer<'de>>(self, rest: D) -> Result<Event, D::Error> {
        Ok(match self {
            Tag::Page => Event::Page(PageInfo::deserialize(rest)?),
            Tag::RequestStart => Event::RequestStart(RequestStart::deserialize(rest)?),
            Tag::RequestEnd => Event::RequestEnd(RequestEnd::deserialize(rest)?),
            Tag::Resource => Event::Resource(ResourceEntry::deserialize(rest)?),
            Tag::Route => Event::Route(RouteChange::deserialize(rest)?),
            Tag::Visibility => Event::Visibility(Visibility::deserialize(rest)?),
            Tag::Network => Event::Network(Box::new(NetworkEntry::deserialize(rest)?)),
            Tag::Lifecycle => Event::Lifecycle(Lifecycle::deserialize(rest)?),
            Tag::Focus => Event::Focus(Focus::deserialize(rest)?),
            Tag::ConnectionOpen => Event::ConnectionOpen(ConnectionOpen::deserialize(rest)?),
            Tag::ConnectionClose => Event::ConnectionClose(ConnectionClose::deserialize(rest)?),
            Tag::LongTask => Event::LongTask(LongTask::deserialize(rest)?),
            Tag::Memory => Event::Memory(MemorySample::deserialize(rest)?),
            Tag::ReactRenderer => Event::ReactRenderer(ReactRenderer::deserialize(rest)?),
            Tag::ReactRenders => Event::ReactRenders(ReactRenders::deserialize(rest)?),
            Tag::ChunkPackages => Event::ChunkPackages(ChunkPackages::deserialize(rest)?),
            Tag::Unknown => {
                serde::de::IgnoredAny::deserialize(rest)?;
                Event::Unknown
            }
        })
    }
}

/// An event object's first key: `type` (the page hook and our own writer put it
/// first), or another one.
enum FirstKey {
    Type,
    Other(String),
}

impl<'de> Deserialize<'de> for FirstKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FirstKey, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = FirstKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: serde::de::Error>(self, k: &str) -> Result<FirstKey, E> {
                Ok(if k == "type" {
                    FirstKey::Type
                } else {
                    FirstKey::Other(k.to_string())
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// Internally tagged like serde's derive, but when `type` comes first (always, from
/// the hook and from reports) the rest of the object goes straight into the event's
/// struct; serde's derive would first copy every field into a generic buffer. An
/// object with `type` elsewhere takes that slower path, with the same result.
impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Event;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an event object with a `type`")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
                use serde::de::Error;
                match map.next_key::<FirstKey>()? {
                    None => Err(A::Error::missing_field("type")),
                    Some(FirstKey::Type) => {
                        let tag: Tag = map.next_value()?;
                        tag.event(serde::de::value::MapAccessDeserializer::new(map))
                    }
                    Some(FirstKey::Other(first)) => {
                        let mut obj = serde_json::Map::new();
                        obj.insert(first, map.next_value()?);
                        while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                            obj.insert(k, v);
                        }
                        let tag = obj.remove("type").ok_or_else(|| A::Error::missing_field("type"))?;
                        // Written again with `type` first and decoded from that text:
                        // decoding the events from a JSON tree instead would link a
                        // second copy of every event decoder into the panel's wasm.
                        let mut text = String::from("{\"type\":");
                        text.push_str(&tag.to_string());
                        for (k, v) in &obj {
                            text.push(',');
                            text.push_str(&serde_json::Value::String(k.clone()).to_string());
                            text.push(':');
                            text.push_str(&v.to_string());
                        }
                        text.push('}');
                        serde_json::from_str::<Event>(&text).map_err(A::Error::custom)
                    }
                }
            }
        }
        d.deserialize_map(V)
    }
}

impl Event {
    /// The time the event happened, when it has one.
    pub fn time(&self) -> Option<f64> {
        match self {
            Event::Page(e) => Some(e.t),
            Event::RequestStart(e) => Some(e.t),
            Event::RequestEnd(e) => Some(e.t),
            Event::Resource(e) => Some(e.start),
            Event::Route(e) => Some(e.t),
            Event::Visibility(e) => Some(e.t),
            Event::Network(e) => Some(e.t),
            Event::Lifecycle(e) => Some(e.t),
            Event::Focus(e) => Some(e.t),
            Event::ConnectionOpen(e) => Some(e.t),
            Event::ConnectionClose(e) => Some(e.t),
            Event::LongTask(e) => Some(e.t),
            Event::Memory(e) => Some(e.t),
            Event::ReactRenderer(e) => Some(e.t),
            Event::ReactRenders(e) => Some(e.t),
            Event::ChunkPackages(e) => Some(e.t),
            Event::Unknown => None,
        }
    }
}

/// The GraphQL `operationName` of a JSON body, found without parsing all of it: the
/// first `"operationName": "Name"` whose name is 1 to [`MAX_OPERATION_NAME`] ASCII
/// letters, digits or `_`, in a body of at most [`MAX_HASHED_BODY`] UTF-16 units.
/// A mutation's name reads `mutation Name` (its `"query"` text starts with the
/// keyword): a write, after which a read of the same data again is no copy.
/// The page hook applies the same rule (regular expressions in hook.js);
/// `tests/fixtures/wire/graphql_ops.json` holds cases both sides are tested on.
pub fn graphql_operation(body: &str) -> Option<String> {
    let name = graphql_operation_name(body)?;
    Some(if graphql_mutation(body) {
        format!("mutation {name}")
    } else {
        name.to_string()
    })
}

/// Whether an operation name from [`graphql_operation`] is a mutation's.
pub fn is_mutation_op(op: &str) -> bool {
    op.starts_with("mutation ")
}

/// The first `"query"` string of the body starts with the keyword `mutation`, after
/// what GraphQL ignores there (white space, commas, written as JSON escapes or not).
fn graphql_mutation(body: &str) -> bool {
    const KEY: &str = "\"query\"";
    let Some(at) = body.find(KEY) else {
        return false;
    };
    let rest = body[at + KEY.len()..].trim_start_matches(JSON_SPACE);
    let Some(rest) = rest.strip_prefix(':') else {
        return false;
    };
    let Some(mut rest) = rest.trim_start_matches(JSON_SPACE).strip_prefix('"') else {
        return false;
    };
    loop {
        let skipped = rest.trim_start_matches([' ', '\t', '\n', '\r', ',']);
        let skipped = ["\\n", "\\r", "\\t"]
            .iter()
            .find_map(|e| skipped.strip_prefix(e))
            .unwrap_or(skipped);
        if skipped.len() == rest.len() {
            break;
        }
        rest = skipped;
    }
    rest.strip_prefix("mutation")
        .is_some_and(|after| !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

fn graphql_operation_name(body: &str) -> Option<&str> {
    const KEY: &str = "\"operationName\"";
    if over_utf16_units(body, MAX_HASHED_BODY) {
        return None;
    }
    let mut from = 0;
    while let Some(at) = body[from..].find(KEY) {
        let start = from + at;
        // One byte on, not past the key: a key's closing quote may open the next.
        from = start + 1;
        let rest = body[start + KEY.len()..].trim_start_matches(JSON_SPACE);
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let Some(rest) = rest.trim_start_matches(JSON_SPACE).strip_prefix('"') else {
            continue;
        };
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if (1..=MAX_OPERATION_NAME).contains(&len) && rest[len..].starts_with('"') {
            return Some(&rest[..len]);
        }
    }
    None
}

/// The whitespace JSON allows between tokens (the hook's pattern says `[ \t\n\r]`).
const JSON_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// Whether `text` is longer than `limit` UTF-16 code units (JavaScript's `length`).
/// A UTF-8 byte is at most one unit, so short texts are answered without counting.
pub fn over_utf16_units(text: &str, limit: usize) -> bool {
    text.len() > limit && text.encode_utf16().nth(limit).is_some()
}

/// Id-like values of a JSON response, worth matching against later URLs: integers
/// of two digits or more, and 3–64 character tokens of letters, digits, `-` and
/// `_` with a digit in them. Nothing else (no names, emails, text) is kept, and
/// nothing under a secret-looking key. At most 32.
pub fn response_values(json: &str) -> Vec<String> {
    let found = serde_json::from_str::<Found>(json).map_or_else(|_| Vec::new(), |f| f.0);
    // The capacity a Vec grown one push at a time has (4, 8, 16, 32): the engine
    // counts the replay log's bytes by capacity, so this keeps which events a report
    // keeps exactly as before.
    let mut out = Vec::with_capacity(match found.len() {
        0 => 0,
        n => n.next_power_of_two().max(4),
    });
    out.extend(found);
    crate::model::sort::sort(&mut out);
    out.dedup();
    out
}

/// At most this many values per response, taken in document order with each
/// object's members in key order (as a `serde_json::Value` would be walked).
const MAX_VALUES: usize = 32;

fn id_like(s: &str) -> bool {
    (3..=64).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && s.chars().any(|c| c.is_ascii_digit())
}

/// The values of one JSON value and everything in it, in walk order, at most
/// `MAX_VALUES`. Decoded straight from the text, without building a
/// `serde_json::Value` tree (which cost more than the rest of reading an entry's body).
struct Found(Vec<String>);

impl Found {
    fn one(v: String) -> Found {
        Found(vec![v])
    }

    fn extend(&mut self, more: Vec<String>) {
        let room = MAX_VALUES.saturating_sub(self.0.len());
        self.0.extend(more.into_iter().take(room));
    }
}

impl<'de> serde::Deserialize<'de> for Found {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Found, D::Error> {
        d.deserialize_any(FoundVisitor)
    }
}

struct FoundVisitor;

/// An object key, borrowed from the text when it has no escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(s)))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> serde::de::Visitor<'de> for FoundVisitor {
    type Value = Found;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Found, E> {
        Ok(Found(Vec::new()))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Found, E> {
        Ok(Found(Vec::new()))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Found, E> {
        Ok(Found(Vec::new()))
    }
    // Integers as `Value::as_i64` reads them: those that fit an i64, from two digits.
    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Found, E> {
        Ok(if n.wrapping_abs() >= 10 {
            // Written as `serde_json::Number` writes it (the same text, and the same
            // capacity, which the engine's byte count sees).
            Found::one(serde_json::Number::from(n).to_string())
        } else {
            Found(Vec::new())
        })
    }
    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Found, E> {
        match i64::try_from(n) {
            Ok(i) => self.visit_i64(i),
            Err(_) => Ok(Found(Vec::new())),
        }
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Found, E> {
        Ok(if id_like(s) {
            Found::one(s.to_string())
        } else {
            Found(Vec::new())
        })
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Found, A::Error> {
        let mut out = Found(Vec::new());
        while let Some(item) = seq.next_element::<Found>()? {
            out.extend(item.0);
        }
        Ok(out)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Found, A::Error> {
        // Members in key order, the last of a repeated key winning (as in a `Value`'s map).
        let mut members: Vec<(Key<'de>, Vec<String>)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<Key<'de>, Found>()? {
            members.push((k, v.0));
        }
        crate::model::sort::sort_by(&mut members, |a, b| a.0 .0.cmp(&b.0 .0));
        let mut out = Found(Vec::new());
        let mut it = members.into_iter().peekable();
        while let Some((k, v)) = it.next() {
            if it.peek().is_some_and(|(next, _)| next.0 == k.0) {
                continue;
            }
            // (Nothing to keep or leave out when the member holds no value.)
            if !v.is_empty() && !crate::model::redact::is_secret_name(&k.0) {
                out.extend(v);
            }
        }
        Ok(out)
    }
}

/// A short, stable signature of a text, so bodies can be compared without keeping
/// them: FNV-1a over its UTF-16 code units, then `:` and their count (`""` for an
/// empty text). The page hook computes the same (`signature` in hook.js);
/// `tests/fixtures/wire/body_hashes.json` holds pairs both sides are tested on.
pub fn body_signature(body: &str) -> String {
    if body.is_empty() {
        return String::new();
    }
    let mut h: u32 = 0x811c_9dc5;
    let mut units = 0usize;
    for unit in body.encode_utf16() {
        h ^= unit as u32;
        h = h.wrapping_mul(0x0100_0193);
        units += 1;
    }
    format!("{h:08x}:{units}")
}

/// The signature of a request body as the page hook records it: `None` (unknown)
/// above [`MAX_HASHED_BODY`] UTF-16 units, which the hook does not hash so that a
/// large upload costs the page nothing. The HAR reader uses this too, so the same
/// request reads the same live and from a saved HAR.
pub fn request_body_signature(body: &str) -> Option<String> {
    (!over_utf16_units(body, MAX_HASHED_BODY)).then(|| body_signature(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_event_types_decode_as_unknown() {
        let e: Event = serde_json::from_str(r#"{"type":"from_the_future","x":1}"#).unwrap();
        assert_eq!(e, Event::Unknown);
        let e: Event = serde_json::from_str(r#"{"x":{"y":[1]},"type":"from_the_future"}"#).unwrap();
        assert_eq!(e, Event::Unknown);
    }

    #[test]
    fn the_type_may_come_anywhere_and_bad_events_are_errors() {
        let first: Event =
            serde_json::from_str(r#"{"type":"request_end","id":3,"t":5.5,"status":200,"outcome":"abort","content_type":null,"content_length":null,"content_encoding":null,"cache_control":null}"#).unwrap();
        let last: Event =
            serde_json::from_str(r#"{"id":3,"t":5.5,"status":200,"outcome":"abort","content_type":null,"content_length":null,"content_encoding":null,"cache_control":null,"type":"request_end"}"#).unwrap();
        assert_eq!(first, last);
        assert!(matches!(&first, Event::RequestEnd(e) if e.outcome == Outcome::Abort && e.content_type.is_none()));
        // Round trip of every kind through our own writer, and through a Value (keys sorted).
        for text in [
            r#"{"type":"page","t":1,"url":"http://h/"}"#,
            r#"{"type":"network","method":"GET","url":"http://h/a","t":1,"duration":2,"timings":{"wait":1.5}}"#,
            r#"{"type":"long_task","t":1,"duration":80,"blocking":null,"forced_layout":0,"scripts":[{"url":"http://h/a.js","function":"","char":-1,"invoker":"","duration":70,"forced_layout":0}]}"#,
            r#"{"type":"react_renders","t":1,"t_end":2,"commits":3,"skipped_fibers":0,"components_not_sent":0,"hook_ms":0.5,"components":[{"name":"Row","renders":4,"commits":1,"mounts":0,"props":4,"state":0,"context":0,"parent":0,"unnecessary":0,"self_ms":null,"memo":false,"owner":null,"keys":[{"kind":"props","key":"style","count":2,"equal":2,"from":"{color}","to":"{color}"}]}]}"#,
            r#"{"type":"chunk_packages","t":1,"url":"http://h/a.js","packages":[["react",1200]]}"#,
        ] {
            let e: Event = serde_json::from_str(text).unwrap();
            let again: Event = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
            assert_eq!(e, again, "{text}");
            let via_value: Event = serde_json::from_value(serde_json::from_str(text).unwrap()).unwrap();
            assert_eq!(e, via_value, "{text}");
        }
        for bad in [
            r#"{"id":3,"t":5.5}"#,
            r#"{}"#,
            r#"[1]"#,
            r#"{"type":"request_end","id":"x","t":1}"#,
            r#"{"t":1,"type":"request_end","id":"x"}"#,
            r#"{"type":"request_start","id":1}"#,
            r#"{"type":7}"#,
            // A field the page always sends, absent or renamed: an error, not a silent default.
            r#"{"type":"request_end","id":3,"t":5.5,"status":200,"outcome":"ok","content_length":null,"content_encoding":null,"cache_control":null}"#,
            r#"{"type":"request_end","id":3,"t":5.5,"status":200,"outcome":"ok","contentType":null,"content_length":null,"content_encoding":null,"cache_control":null}"#,
            r#"{"t":1,"heap":null,"nodes":1,"intervals":0,"type":"memory"}"#,
        ] {
            assert!(serde_json::from_str::<Event>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn response_values_keep_ids_only() {
        let v = response_values(
            r#"{"id":4711,"name":"Ada Lovelace","email":"ada@x.io","team":"t_9x","token":"abc123def","n":3,"items":[{"id":"9f8e7d"}]}"#,
        );
        assert_eq!(v, vec!["4711", "9f8e7d", "t_9x"]);
        assert!(response_values("not json").is_empty());
    }

    /// The walk `response_values` did over a `serde_json::Value` before it decoded
    /// the text directly: the reference the direct decoding must agree with.
    fn values_through_a_value_tree(json: &str) -> Vec<String> {
        fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
            if out.len() >= MAX_VALUES {
                return;
            }
            match v {
                serde_json::Value::String(s) if id_like(s) => out.push(s.clone()),
                serde_json::Value::Number(n) if n.as_i64().is_some_and(|i| i.abs() >= 10) => out.push(n.to_string()),
                serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
                serde_json::Value::Object(map) => map
                    .iter()
                    .filter(|(k, _)| !crate::model::redact::is_secret_name(k))
                    .for_each(|(_, i)| walk(i, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(json) {
            walk(&v, &mut out);
        }
        crate::model::sort::sort(&mut out);
        out.dedup();
        out
    }

    #[test]
    fn response_values_read_as_a_value_tree_walk_would() {
        let mut cases: Vec<String> = [
            r#"{"b":"id_22","a":"id_11","b":"id_33"}"#,
            r#"{"z":[1,22,333,-44,1.5,1e3,18446744073709551615,-9223372036854775807],"a":{"token":"abc123","k":"x\u0031yz"}}"#,
            r#"[{"id":"a1b"},{"id":"a1b"},"q9q",true,null,{"\u0069d":"c3d"}]"#,
            r#"{"id":1} trailing"#,
            r#"{"deep":[[[[{"x":"v5v"}]]]]}"#,
            "",
            "42",
        ]
        .map(String::from)
        .to_vec();
        // Past the cap of 32, which values are kept depends on the walk's order:
        // members in key order, arrays in order, repeated values counted.
        let members: Vec<String> = (0..40)
            .rev()
            .map(|i| format!(r#""k{i:02}":["v{i}x","v{i}x",{i}0]"#))
            .collect();
        cases.push(format!("{{{}}}", members.join(",")));
        let mut seed = 11u64;
        let mut rnd = move |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for _ in 0..200 {
            let items: Vec<String> = (0..rnd(30))
                .map(|i| match rnd(5) {
                    0 => format!(r#""k{}":"t{}_{}""#, rnd(8), rnd(50), i),
                    1 => format!(r#""k{}":{}"#, rnd(8), rnd(200)),
                    2 => format!(r#""secret{}":"s{}9""#, rnd(3), i),
                    3 => format!(r#""k{}":[{},"a{}b",{{"id":"n{}n"}}]"#, rnd(8), rnd(99), i, rnd(40)),
                    _ => format!(r#""k{}":{{"x":{},"y":"z{}z"}}"#, rnd(8), rnd(300), i),
                })
                .collect();
            cases.push(format!("{{{}}}", items.join(",")));
        }
        for json in &cases {
            let (new, old) = (response_values(json), values_through_a_value_tree(json));
            assert_eq!(new, old, "{json}");
            // Capacities too: the engine counts the replay log's bytes by capacity.
            assert_eq!(new.capacity(), old.capacity(), "{json}");
            let caps = |v: &[String]| v.iter().map(String::capacity).collect::<Vec<_>>();
            assert_eq!(caps(&new), caps(&old), "{json}");
        }
    }

    #[test]
    fn body_signature_tells_bodies_apart() {
        assert_eq!(body_signature(""), "");
        assert_eq!(body_signature("{\"a\":1}"), body_signature("{\"a\":1}"));
        assert_ne!(body_signature("{\"a\":1}"), body_signature("{\"a\":2}"));
    }
}
