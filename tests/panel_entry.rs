//! The panel hands the engine DevTools entries cut down to what `har::HarEntry`
//! reads (src/ui/network.rs, `entry_json`): it keeps only the request and response
//! headers `har.rs` looks up. A header read added to `har.rs` and not to those lists
//! would be silently missing live while the CLI still saw it; this checks the two
//! files agree, and that every field `HarEntry` and its parts deserialize is copied.

const HAR: &str = include_str!("../src/input/har.rs");
const NETWORK: &str = include_str!("../src/ui/network.rs");

/// The names in `header(&<expr>.<side>.headers, "name")` calls of har.rs, per side.
fn headers_read(side: &str) -> Vec<String> {
    let needle = format!("{side}.headers, \"");
    let mut out = Vec::new();
    let mut rest = HAR;
    while let Some(i) = rest.find(&needle) {
        let after = &rest[i + needle.len()..];
        let end = after.find('"').expect("a closing quote");
        out.push(after[..end].to_ascii_lowercase());
        rest = &after[end..];
    }
    out
}

/// The header names of the JS set `name` in network.rs.
fn kept(name: &str) -> Vec<String> {
    let start = NETWORK
        .find(&format!("const {name} = new Set(["))
        .expect("the set in network.rs");
    let list = &NETWORK[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    list.split(',')
        .map(|s| s.trim().trim_matches('\'').to_string())
        .collect()
}

/// The names `ResponseHeaders::of` or `RequestHeaders::of` in har.rs matches
/// (`eq_ignore_ascii_case("name")`), given the line that opens its impl: to_event
/// finds its headers in one pass there.
fn headers_matched(impl_line: &str) -> Vec<String> {
    let start = HAR
        .find(impl_line)
        .expect("ResponseHeaders::of / RequestHeaders::of in har.rs");
    let block = &HAR[start..];
    let block = &block[..block.find("\n}\n").expect("the end of the impl")];
    let needle = "eq_ignore_ascii_case(\"";
    let mut out = Vec::new();
    let mut rest = block;
    while let Some(i) = rest.find(needle) {
        let after = &rest[i + needle.len()..];
        let end = after.find('"').expect("a closing quote");
        out.push(after[..end].to_ascii_lowercase());
        rest = &after[end..];
    }
    out
}

#[test]
fn the_panel_keeps_every_header_the_har_reader_reads() {
    // `ResponseHeaders::of` and any `resp.headers` lookup in to_event;
    // `RequestHeaders::of`, `self.request.headers` and `e.request.headers` elsewhere.
    let mut response = headers_matched("impl<'a> ResponseHeaders<'a>");
    response.extend(headers_read("resp"));
    let mut request = headers_matched("impl RequestHeaders");
    request.extend(headers_read("request"));
    assert!(
        response.len() >= 6 && request.len() >= 3,
        "the scan found the reads: {response:?} {request:?}"
    );
    let (keep_response, keep_request) = (kept("RESPONSE_HEADERS"), kept("REQUEST_HEADERS"));
    for h in &response {
        assert!(
            keep_response.contains(h),
            "har.rs reads response header {h:?}; add it to RESPONSE_HEADERS in src/ui/network.rs"
        );
    }
    for h in &request {
        assert!(
            keep_request.contains(h),
            "har.rs reads request header {h:?}; add it to REQUEST_HEADERS in src/ui/network.rs"
        );
    }
}

#[test]
fn the_panel_copies_every_field_the_har_reader_decodes() {
    // Every serde name of HarEntry, HarRequest, PostData, HarResponse and Content
    // (renamed or not) appears as a key `entry_json` writes.
    let start = HAR.find("pub struct HarEntry").unwrap();
    let end = HAR.find("pub struct HarPage").unwrap();
    let structs = &HAR[start..end];
    let js_start = NETWORK.find("export function entry_json").unwrap();
    let js = &NETWORK[js_start..NETWORK[js_start..].find("\"#)]").unwrap() + js_start];
    let mut rename: Option<String> = None;
    let mut checked = 0;
    for line in structs.lines().map(str::trim) {
        if let Some(i) = line.find("rename = \"") {
            let r = &line[i + 10..];
            rename = Some(r[..r.find('"').unwrap()].to_string());
        }
        if let Some(field) = line
            .strip_prefix("pub ")
            .and_then(|l| l.split_once(':'))
            .map(|(f, _)| f.trim())
        {
            if field.contains(' ') {
                continue; // `pub struct ...`
            }
            let name = rename.take().unwrap_or_else(|| field.to_string());
            assert!(
                js.contains(&format!("{name}:")),
                "HarEntry reads {name:?}; entry_json in src/ui/network.rs must copy it"
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "checked {checked} fields");
}

#[test]
fn the_panel_leaves_out_the_request_bodies_the_engine_would_not_hash() {
    // A body over MAX_HASHED_BODY UTF-16 units has no signature (hook, CLI and panel
    // alike); the panel drops its text before it crosses into the wasm.
    let line = NETWORK
        .lines()
        .find(|l| l.starts_with("const MAX_HASHED_BODY = "))
        .expect("MAX_HASHED_BODY in network.rs");
    let value: usize = line
        .trim_start_matches("const MAX_HASHED_BODY = ")
        .trim_end_matches(';')
        .split('*')
        .map(|f| f.trim().parse::<usize>().expect("a product of numbers"))
        .product();
    assert_eq!(value, stormwatch::model::protocol::MAX_HASHED_BODY);
    // Without its text, the entry's body is unknown, as the CLI reads a body that long.
    let big = "b".repeat(stormwatch::model::protocol::MAX_HASHED_BODY + 1);
    for post in [serde_json::json!({}), serde_json::json!({ "text": big })] {
        let entry = serde_json::json!({
            "startedDateTime": "2026-12-01T00:00:00.000Z", "time": 5,
            "request": { "method": "POST", "url": "http://h/up", "postData": post },
            "response": { "status": 200 },
        });
        let text = entry.to_string();
        let e: stormwatch::input::har::HarEntry = serde_json::from_str(&text).unwrap();
        assert_eq!(e.to_event().unwrap().body, None);
    }
}
