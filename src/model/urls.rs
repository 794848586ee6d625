//! URL normalization, so requests that are the same to the server compare equal.
//! Hand-written (no `url` crate) to keep the panel's wasm small; it only needs to
//! split, lowercase and sort, never to resolve.

use crate::model::bounded::with_collected;

/// Query parameters whose value is a cache-buster or a moving cursor: a poll that
/// sends `?_=1712345` each time is still the same poll.
const VOLATILE_PARAMS: &[&str] = &[
    "_",
    "t",
    "ts",
    "timestamp",
    "cb",
    "cachebuster",
    "nocache",
    "rnd",
    "rand",
];

// The cuts below are at ASCII bytes (so at char boundaries), found with `memchr`:
// these run several times per request on short strings, where the setup of `str`'s
// char and substring searchers costs more than the scan itself, and a byte loop
// costs a few instructions a byte.

/// Splits at every `sep` (an ASCII byte), as `str::split(char)`.
fn split_at_byte(s: &str, sep: u8) -> impl Iterator<Item = &str> + Clone {
    SplitByte { rest: Some(s), sep }
}

/// [`split_at_byte`]'s iterator: the text after the last cut, or None once the
/// last piece was handed out.
#[derive(Clone)]
struct SplitByte<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for SplitByte<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match memchr::memchr(self.sep, s.as_bytes()) {
            Some(i) => {
                self.rest = Some(&s[i + 1..]);
                Some(&s[..i])
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

/// `str::split_once(char)` for an ASCII byte.
fn split_once_byte(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = memchr::memchr(sep, s.as_bytes())?;
    Some((&s[..i], &s[i + 1..]))
}

/// Where `://` first starts in `b`.
fn scheme_end(b: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b':', b).find(|&i| b[i + 1..].starts_with(b"//"))
}

/// `s.split_once("://")`.
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let i = scheme_end(s.as_bytes())?;
    Some((&s[..i], &s[i + 3..]))
}

/// The URL up to its fragment, as `url.split('#').next()`.
fn before_fragment(url: &str) -> &str {
    split_once_byte(url, b'#').map_or(url, |(u, _)| u)
}

/// Lowercases scheme and host, drops the fragment and default ports, sorts the query.
pub fn normalize(url: &str) -> String {
    normalize_with(url, false)
}

/// As [`normalize`], and also replaces the values of cache-buster parameters with `…`.
pub fn signature(url: &str) -> String {
    normalize_with(url, true)
}

fn normalize_with(url: &str, blank_volatile: bool) -> String {
    if !blank_volatile && is_normal(url) {
        // Most URLs an app requests are already in normal form: one copy, no parsing.
        return url.to_string();
    }
    let url = url.split('#').next().unwrap_or("");
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, "/"),
            };
            let scheme = scheme.to_ascii_lowercase();
            let mut host = host.to_ascii_lowercase();
            if (scheme == "http" && host.ends_with(":80")) || (scheme == "https" && host.ends_with(":443")) {
                host.truncate(host.rfind(':').unwrap_or(host.len()));
            }
            format!("{scheme}://{host}{path}")
        }
        None => base.to_string(),
    };
    if let Some(q) = query {
        let mut pairs: Vec<(&str, &str)> = q
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .collect();
        crate::model::sort::sort(&mut pairs);
        if !pairs.is_empty() {
            out.push('?');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push('&');
                }
                out.push_str(k);
                out.push('=');
                if blank_volatile && VOLATILE_PARAMS.contains(&k.to_ascii_lowercase().as_str()) {
                    out.push('…');
                } else {
                    out.push_str(v);
                }
            }
        }
    }
    out
}

/// Whether `normalize(url) == url`, decided without allocating; false when unsure
/// (the caller then normalizes, which gives the same result either way).
pub fn is_normal(url: &str) -> bool {
    if memchr::memchr(b'#', url.as_bytes()).is_some() {
        return false;
    }
    let (base, query) = match split_once_byte(url, b'?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    if let Some((scheme, rest)) = split_scheme(base) {
        let Some(slash) = rest.bytes().position(|c| c == b'/') else {
            return false;
        };
        let host = &rest[..slash];
        if scheme.bytes().chain(host.bytes()).any(|b| b.is_ascii_uppercase()) {
            return false;
        }
        if (scheme == "http" && host.ends_with(":80")) || (scheme == "https" && host.ends_with(":443")) {
            return false;
        }
    }
    let Some(q) = query else { return true };
    let mut prev: Option<(&str, &str)> = None;
    for pair in split_at_byte(q, b'&') {
        let Some(kv) = split_once_byte(pair, b'=') else {
            return false; // empty pairs are dropped, `k` becomes `k=`
        };
        if prev.is_some_and(|p| p > kv) {
            return false;
        }
        prev = Some(kv);
    }
    prev.is_some()
}

fn is_uuid(s: &str) -> bool {
    // Five hex groups of 8-4-4-4-12 split by hyphens: hyphens exactly at these places.
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// What [`id_kind`] and [`looks_like_id`] ask of a text's bytes, counted in one
/// pass (they run per path segment and query value, several times per request).
/// Bytes, not chars: every test is about ASCII, and a multi-byte character's bytes
/// are never ASCII digits, letters or punctuation.
struct Class {
    digits: usize,
    letters: usize,
    /// Every byte is a hex digit.
    hex: bool,
    /// Every byte is a letter, a digit, `_` or `-`.
    word: bool,
}

fn classify(b: &[u8]) -> Class {
    let mut c = Class {
        digits: 0,
        letters: 0,
        hex: true,
        word: true,
    };
    for &x in b {
        if x.is_ascii_digit() {
            c.digits += 1;
        } else if x.is_ascii_alphabetic() {
            c.letters += 1;
            c.hex &= x.is_ascii_hexdigit();
        } else {
            c.hex = false;
            c.word &= x == b'_' || x == b'-';
        }
    }
    c
}

/// What an id looks like in a path or query value: a number, a UUID, or a long
/// hex or alphanumeric token with digits in it.
fn id_kind(s: &str) -> Option<&'static str> {
    id_kind_of(s, &classify(s.as_bytes()))
}

/// [`id_kind`] of `s`, whose bytes `c` classifies.
fn id_kind_of(s: &str, c: &Class) -> Option<&'static str> {
    let len = s.len();
    if len == 0 {
        return None;
    }
    if c.digits == len {
        return Some("{id}");
    }
    if is_uuid(s) {
        return Some("{uuid}");
    }
    if len >= 12 && c.digits > 0 && c.hex {
        return Some("{hash}");
    }
    if len >= 16 && c.digits >= 2 && c.word {
        return Some("{token}");
    }
    None
}

/// The URL with ids (numbers, UUIDs, hashes) in the path and query replaced by
/// placeholders, and the ids it replaced: `/api/items/42?x=7` is
/// `/api/items/{id}?x={id}` with ids `["42", "7"]`.
pub fn template(url: &str) -> (String, Vec<String>) {
    let mut ids = Vec::new();
    let mut out = String::with_capacity(url.len() + 8);
    template_with(url, Some(&mut ids), &mut out);
    (out, ids)
}

/// [`template`]'s URL alone, without listing the ids.
pub fn template_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len() + 8);
    template_with(url, None, &mut out);
    out
}

/// [`template_url`] added at the end of `out` (a request's endpoint key is its
/// method and its template, built in one string).
pub fn template_into(url: &str, out: &mut String) {
    template_with(url, None, out)
}

fn template_with(url: &str, mut ids: Option<&mut Vec<String>>, out: &mut String) {
    let url = before_fragment(url);
    let (base, query) = match split_once_byte(url, b'?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let from = out.len();
    let path = match split_scheme(base) {
        Some((scheme, rest)) => {
            let (host, path) = match memchr::memchr(b'/', rest.as_bytes()) {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, "/"),
            };
            // Copied whole, then lowercased in place (ASCII only, as before).
            out.push_str(scheme);
            out.push_str("://");
            out.push_str(host);
            out[from..].make_ascii_lowercase();
            path
        }
        None => base,
    };
    for (i, seg) in split_at_byte(path, b'/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        match id_kind(seg) {
            Some(k) => {
                if let Some(ids) = ids.as_deref_mut() {
                    ids.push(seg.to_string());
                }
                out.push_str(k);
            }
            None => out.push_str(seg),
        }
    }
    if let Some(q) = query {
        let pairs = split_at_byte(q, b'&').filter(|p| !p.is_empty()).map(|p| {
            let (k, v) = split_once_byte(p, b'=').unwrap_or((p, ""));
            match id_kind(v) {
                Some(kind) if !VOLATILE_PARAMS.contains(&k) => {
                    if let Some(ids) = ids.as_deref_mut() {
                        ids.push(v.to_string());
                    }
                    (k, kind)
                }
                _ if VOLATILE_PARAMS.contains(&k) => (k, "…"),
                _ => (k, v),
            }
        });
        with_collected(pairs, |pairs| {
            crate::model::sort::sort(pairs);
            for (i, (k, v)) in pairs.iter().enumerate() {
                out.push(if i == 0 { '?' } else { '&' });
                out.push_str(k);
                out.push('=');
                out.push_str(v);
            }
        });
    }
}

/// A URL cut into its parts without copying: `origin` is `scheme://host` as
/// written (compare it case-insensitively), `path` starts with `/` (or is empty
/// for a relative URL without one), `query` has no `?`. The fragment is dropped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Parts<'a> {
    pub origin: &'a str,
    pub path: &'a str,
    pub query: &'a str,
}

pub fn parts(url: &str) -> Parts<'_> {
    let [path, query, end] = offsets(url);
    slice(url, path, query, end)
}

/// Where [`parts`] cuts `url`: the path's start (the origin's end), the path's end
/// (its `?`, or `end` without one) and the query's end (its fragment's `#`, or the URL's end).
fn offsets(url: &str) -> [usize; 3] {
    // Cut at ASCII bytes (so at char boundaries) found with `memchr`: called
    // several times per request (see `split_once_byte`).
    let b = url.as_bytes();
    let end = memchr::memchr(b'#', b).unwrap_or(b.len());
    let path_end = memchr::memchr(b'?', &b[..end]).unwrap_or(end);
    let base = &b[..path_end];
    let path = match scheme_end(base) {
        Some(i) => memchr::memchr(b'/', &base[i + 3..]).map_or(path_end, |j| i + 3 + j),
        None => 0,
    };
    [path, path_end, end]
}

/// [`Parts`] from [`offsets`]'s cuts.
fn slice(url: &str, path: usize, path_end: usize, end: usize) -> Parts<'_> {
    Parts {
        origin: &url[..path],
        path: &url[path..path_end],
        // After the `?`, when there is one.
        query: &url[(path_end + 1).min(end)..end],
    }
}

/// Where [`parts`] cuts a URL, as byte offsets (see `offsets`): kept on a request
/// (`Request::parts`), so that each detector asking for its origin, path or query
/// does not cut the URL again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cut([u32; 3]);

impl Default for Cut {
    fn default() -> Self {
        Cut::NONE
    }
}

impl Cut {
    /// No URL is cut there (a path never starts after its end): "not cut yet".
    pub const NONE: Cut = Cut([u32::MAX, 0, 0]);

    /// `url`'s cut; `None` for a URL of 4 GiB or more (offsets are `u32`).
    pub fn of(url: &str) -> Option<Cut> {
        let [a, b, c] = offsets(url);
        Some(Cut([a.try_into().ok()?, b.try_into().ok()?, c.try_into().ok()?]))
    }

    /// The parts of `url`, which must be the URL this cut was made of.
    pub fn parts(self, url: &str) -> Parts<'_> {
        let [a, b, c] = self.0;
        slice(url, a as usize, b as usize, c as usize)
    }
}

/// The non-empty segments of a path: `/api//items/` is `api`, `items`.
pub fn segments(path: &str) -> impl Iterator<Item = &str> + Clone {
    split_at_byte(path, b'/').filter(|s| !s.is_empty())
}

/// The `name=value` pairs of a query, as written (no decoding).
pub fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> + Clone {
    split_at_byte(query, b'&')
        .filter(|p| !p.is_empty())
        .map(|p| split_once_byte(p, b'=').unwrap_or((p, "")))
}

/// A web framework's route payload: the data of a page the router loads on
/// navigation and prefetches for links in view, one request per link (Next.js's
/// `?_rsc=` and `/_next/data/…json`, Nuxt's `_payload.json`, SvelteKit's
/// `__data.json`, Gatsby's `page-data.json`). Pages, not items of a list.
pub fn is_route_payload(p: Parts) -> bool {
    let path = p.path;
    path.starts_with("/_next/data/")
        || path.ends_with("/_payload.json")
        || path.ends_with("/__data.json")
        || (path.starts_with("/page-data/") && path.ends_with("/page-data.json"))
        || (!p.query.is_empty() && query_pairs(p.query).any(|(name, _)| name == "_rsc"))
}

/// A map tile: a zoom level, column and row in the path (`/14/8190/5447.pbf`,
/// `/14/8190/5447@2x.png`) or the query (`?z=14&x=8190&y=5447`, WMTS's `TileRow`
/// and `TileCol`). A map library fetches a screenful of them at once.
pub fn is_map_tile(p: Parts) -> bool {
    let number = |s: &str| !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit());
    // The row may carry a scale and an extension: `5447`, `5447.vector.pbf`, `5447@2x.png`.
    let row = |s: &str| number(s.split(['.', '@']).next().unwrap_or(""));
    let zoom = |s: &str| number(s) && s.len() <= 2;
    let mut seg = segments(p.path);
    let (mut a, mut b) = (seg.next(), seg.next());
    for c in seg {
        if a.is_some_and(zoom) && b.is_some_and(number) && row(c) {
            return true;
        }
        (a, b) = (b, Some(c));
    }
    if p.query.is_empty() {
        return false;
    }
    let has = |names: &[&str]| {
        names
            .iter()
            .all(|n| query_pairs(p.query).any(|(k, v)| k.eq_ignore_ascii_case(n) && number(v)))
    };
    has(&["z", "x", "y"]) || has(&["tilerow", "tilecol"])
}

/// A cache-buster or timestamp parameter (`_`, `t`, `ts`, `cb`...): its value is noise.
pub fn is_volatile_param(name: &str) -> bool {
    VOLATILE_PARAMS.iter().any(|v| v.eq_ignore_ascii_case(name))
}

/// Whether a path segment or query value looks like an identifier: a number, a
/// UUID, a hash or long token (as [`template`] replaces), a short base62 id with
/// both letters and digits (`aZ3kP9`), or an email address. Human slugs
/// (`blue-widget`) and resource names (`settings`) do not.
pub fn looks_like_id(s: &str) -> bool {
    let b = s.as_bytes();
    let c = classify(b);
    if id_kind_of(s, &c).is_some() {
        return true;
    }
    if !c.word {
        // `@` and `%` are not word bytes: only such a text can be an email.
        if let Some(at) = memchr::memchr(b'@', b) {
            // An email (raw or %40-encoded is handled by the caller decoding nothing:
            // `%40` stays as text, so check it too).
            return at > 0 && s[at + 1..].contains('.') && !s[at + 1..].contains('@');
        }
        return b.windows(3).any(|w| w == b"%40");
    }
    // Short base62 / nanoid-style ids: letters and digits mixed, nothing else.
    (4..=32).contains(&b.len()) && c.digits > 0 && c.letters > 0
}

/// The placeholder [`template`] puts for an id-like segment, if it is one.
pub fn id_placeholder(s: &str) -> Option<&'static str> {
    id_kind(s)
}

/// The *shape* of a request URL: scheme and host (lowercased), the path with
/// id-like segments replaced by `{id}`, and the query's parameter names (sorted,
/// deduplicated) without their values: `https://h/api/feed?cursor=…&limit=…`.
/// Requests that differ only in ids and parameter values (a cursor, a timestamp,
/// a nonce) have one shape. A GraphQL GET keeps its `operationName`: another
/// operation is another request.
pub fn shape(url: &str) -> String {
    let p = parts(url);
    let mut out = String::with_capacity(p.origin.len() + p.path.len() + p.query.len() / 2 + 8);
    for c in p.origin.chars() {
        out.push(c.to_ascii_lowercase());
    }
    for seg in segments(p.path) {
        out.push('/');
        if looks_like_id(seg) {
            out.push_str("{id}");
        } else {
            out.push_str(seg);
        }
    }
    if p.path.ends_with('/') || p.path.is_empty() {
        out.push('/');
    }
    let mut names: Vec<(&str, &str)> = query_pairs(p.query)
        .map(|(k, v)| (k, if k == "operationName" { v } else { "…" }))
        .collect();
    crate::model::sort::sort(&mut names);
    names.dedup();
    for (i, (k, v)) in names.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// A small, fast, deterministic hasher for the detectors' per-request keys (the
/// std SipHasher is built for untrusted keys and costs more than the detector).
#[derive(Default, Clone, Copy)]
pub struct QuickHasher(u64);

impl QuickHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for QuickHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(tail_word(bytes, rest.len()) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.add(b as u64 | 1 << 63);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The last `n` (1 to 7) bytes of `bytes` as a little-endian word, zero above them
/// (as copied into a zeroed `[u8; 8]`), read with a few overlapping loads instead of
/// a copy of variable length: this runs at nearly every write of a string, inlined
/// at every hash of a key.
#[inline]
fn tail_word(bytes: &[u8], n: usize) -> u64 {
    let len = bytes.len();
    if len >= 8 {
        // The last 8 bytes, shifted down to the last `n`.
        let last = u64::from_le_bytes(bytes[len - 8..].try_into().expect("8 bytes"));
        return last >> (8 * (8 - n));
    }
    // Shorter than a word: `n == len`. Overlapping bytes are equal, so OR-ing is exact.
    let b = bytes;
    if len >= 4 {
        let lo = u32::from_le_bytes(b[..4].try_into().expect("4 bytes")) as u64;
        let hi = u32::from_le_bytes(b[len - 4..].try_into().expect("4 bytes")) as u64;
        lo | hi << (8 * (len - 4))
    } else {
        b[0] as u64 | (b[len / 2] as u64) << (8 * (len / 2)) | (b[len - 1] as u64) << (8 * (len - 1))
    }
}

/// Feeds `text`, ASCII-lowercased, into `h` a block at a time (a URL's origin, in
/// every key hashed per request): the same text in any case hashes alike, without
/// a write per byte.
pub fn write_lowercase<H: std::hash::Hasher>(text: &str, h: &mut H) {
    let mut block = [0u8; 32];
    for chunk in text.as_bytes().chunks(block.len()) {
        let block = &mut block[..chunk.len()];
        block.copy_from_slice(chunk);
        block.make_ascii_lowercase();
        h.write(block);
    }
}

/// Feeds what [`signature`] keeps into `h`, without building the string: equal
/// for URLs whose signatures are equal (default ports aside).
pub fn signature_hash<H: std::hash::Hasher>(url: &str, h: &mut H) {
    signature_hash_of(parts(url), h)
}

/// [`signature_hash`] of a URL already cut.
pub fn signature_hash_of<H: std::hash::Hasher>(p: Parts, h: &mut H) {
    write_lowercase(p.origin, h);
    h.write(if p.path.is_empty() { b"/" } else { p.path.as_bytes() });
    h.write_u8(b'?');
    with_collected(query_pairs(p.query), |pairs| {
        crate::model::sort::sort(pairs);
        for &mut (k, v) in pairs {
            h.write(k.as_bytes());
            h.write_u8(b'=');
            if !is_volatile_param(k) {
                h.write(v.as_bytes());
            }
            h.write_u8(b'&');
        }
    })
}

/// Feeds what [`shape`] keeps into `h`, without building the string: equal for
/// URLs of one shape.
pub fn shape_hash<H: std::hash::Hasher>(url: &str, h: &mut H) {
    shape_hash_of(parts(url), h)
}

/// [`shape_hash`] of a URL already cut.
pub fn shape_hash_of<H: std::hash::Hasher>(p: Parts, h: &mut H) {
    write_lowercase(p.origin, h);
    for seg in segments(p.path) {
        h.write_u8(b'/');
        h.write(if looks_like_id(seg) { b"{id}" } else { seg.as_bytes() });
    }
    h.write_u8(if p.path.ends_with('/') || p.path.is_empty() {
        b'/'
    } else {
        b'.'
    });
    let names = query_pairs(p.query).map(|(k, v)| (k, if k == "operationName" { v } else { "" }));
    with_collected(names, |names| {
        crate::model::sort::sort(names);
        for (i, &(k, v)) in names.iter().enumerate() {
            // Each distinct pair once (as `dedup` of the sorted pairs).
            if i > 0 && names[i - 1] == (k, v) {
                continue;
            }
            h.write(k.as_bytes());
            h.write_u8(b'=');
            h.write(v.as_bytes());
            h.write_u8(b'&');
        }
    })
}

/// The path and query of a URL, for short titles.
pub fn short(url: &str) -> &str {
    match split_scheme(url) {
        Some((_, rest)) => match rest.bytes().position(|c| c == b'/') {
            Some(i) => &rest[i..],
            None => "/",
        },
        None => url,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hashed_tail_is_its_bytes_zero_padded() {
        let text: Vec<u8> = (1..=40u8).map(|i| i.wrapping_mul(37)).collect();
        for len in 1..=text.len() {
            let bytes = &text[..len];
            let n = len % 8;
            if n == 0 {
                continue;
            }
            let mut w = [0u8; 8];
            w[..n].copy_from_slice(&bytes[len - n..]);
            assert_eq!(super::tail_word(bytes, n), u64::from_le_bytes(w), "{len} bytes");
        }
    }

    use super::*;

    #[test]
    fn normalizes_case_port_fragment_and_query_order() {
        assert_eq!(
            normalize("HTTP://Example.COM:80/a/B?z=1&a=2#frag"),
            "http://example.com/a/B?a=2&z=1"
        );
        assert_eq!(normalize("https://x.io"), "https://x.io/");
        assert_eq!(normalize("http://127.0.0.1:8080/api"), "http://127.0.0.1:8080/api");
    }

    #[test]
    fn signature_blanks_cache_busters_only() {
        assert_eq!(signature("http://h/p?_=123&id=7"), signature("http://h/p?_=456&id=7"));
        assert_ne!(signature("http://h/p?id=7"), signature("http://h/p?id=8"));
    }

    #[test]
    fn template_replaces_ids_and_lists_them() {
        let (t, ids) = template("http://H/api/users/42/posts?page=3&sort=new");
        assert_eq!(t, "http://h/api/users/{id}/posts?page={id}&sort=new");
        assert_eq!(ids, vec!["42", "3"]);
        let (t, ids) = template("/v1/orders/3f2b8c1e-1a2b-4c3d-8e9f-0123456789ab");
        assert_eq!(t, "/v1/orders/{uuid}");
        assert_eq!(ids.len(), 1);
        assert_eq!(template("/static/app.js").1.len(), 0);
        assert_eq!(
            template("/commits/9fceb02d0ae598e95dc970b74767f19372d61af8").0,
            "/commits/{hash}"
        );
    }

    #[test]
    fn parts_split_without_copying() {
        let p = parts("HTTP://H:1/a/b?x=1&y#f");
        assert_eq!((p.origin, p.path, p.query), ("HTTP://H:1", "/a/b", "x=1&y"));
        let p = parts("/rel/x");
        assert_eq!((p.origin, p.path, p.query), ("", "/rel/x", ""));
        assert_eq!(parts("https://h").path, "");
        assert_eq!(segments("/api//items/").collect::<Vec<_>>(), vec!["api", "items"]);
        assert_eq!(query_pairs("a=1&&b").collect::<Vec<_>>(), vec![("a", "1"), ("b", "")]);
    }

    #[test]
    fn a_kept_cut_gives_the_parts() {
        for url in [
            "HTTP://H:1/a/b?x=1&y#f",
            "https://h",
            "https://h?q=1",
            "https://h/?",
            "https://h/p#a?b",
            "/rel/x?y=2",
            "",
            "?",
            "#",
            "data:text/plain,a/b?c",
            "http://h/a://b/c?d",
        ] {
            let cut = Cut::of(url).expect("short");
            assert_ne!(cut, Cut::NONE, "{url}");
            assert_eq!(cut.parts(url), parts(url), "{url}");
        }
    }

    #[test]
    fn one_pass_classes_ids_as_the_separate_tests_did() {
        // The tests of id_kind and looks_like_id as they were written, a pass each.
        fn id_kind_ref(s: &str) -> Option<&'static str> {
            let b = s.as_bytes();
            if b.is_empty() {
                return None;
            }
            let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
            if digits == b.len() {
                return Some("{id}");
            }
            if is_uuid(s) {
                return Some("{uuid}");
            }
            if b.len() >= 12 && digits > 0 && b.iter().all(|c| c.is_ascii_hexdigit()) {
                return Some("{hash}");
            }
            if b.len() >= 16 && digits >= 2 && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-') {
                return Some("{token}");
            }
            None
        }
        fn looks_like_id_ref(s: &str) -> bool {
            if id_kind_ref(s).is_some() {
                return true;
            }
            let b = s.as_bytes();
            if let Some(at) = b.iter().position(|c| *c == b'@') {
                return at > 0 && s[at + 1..].contains('.') && !s[at + 1..].contains('@');
            }
            if b.windows(3).any(|w| w == b"%40") {
                return true;
            }
            let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
            let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
            (4..=32).contains(&b.len())
                && digits > 0
                && letters > 0
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
        }
        let alphabet: Vec<char> = "0123456789abcdefAFgzGZ_-@.%4é ".chars().collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut texts: Vec<String> = vec![
            String::new(),
            "3f2b8c1e-1a2b-4c3d-8e9f-0123456789ab".into(),
            "3f2b8c1e-1a2b-4c3d-8e9f-0123456789aZ".into(),
        ];
        for _ in 0..50_000 {
            let len = rnd(40);
            // Mostly from a few bytes, so the rarer shapes (all digits, all hex) come up.
            let pick = 1 + rnd(alphabet.len());
            texts.push((0..len).map(|_| alphabet[rnd(pick)]).collect());
        }
        for t in &texts {
            assert_eq!(id_kind(t), id_kind_ref(t), "{t:?}");
            assert_eq!(looks_like_id(t), looks_like_id_ref(t), "{t:?}");
        }
    }

    #[test]
    fn ids_are_told_from_slugs_and_names() {
        for id in [
            "42",
            "aZ3kP9",
            "x7Gq",
            "3f2b8c1e-1a2b-4c3d-8e9f-0123456789ab",
            "ada@example.com",
            "ada%40example.com",
            "usr_9x2k",
        ] {
            assert!(looks_like_id(id), "{id}");
        }
        for word in ["blue-widget", "settings", "user", "api", "v", "", "notifications"] {
            assert!(!looks_like_id(word), "{word}");
        }
    }

    #[test]
    fn shape_keeps_names_and_drops_values_and_ids() {
        assert_eq!(
            shape("HTTP://H/api/feed?limit=20&cursor=abc"),
            "http://h/api/feed?cursor=…&limit=…"
        );
        assert_eq!(
            shape("http://h/api/feed?cursor=zz&limit=20"),
            shape("http://h/api/feed?limit=5&cursor=q")
        );
        assert_eq!(shape("http://h/api/jobs/42/status"), "http://h/api/jobs/{id}/status");
        assert_ne!(shape("http://h/api/feed?cursor=1"), shape("http://h/api/feed?since=1"));
        assert_eq!(shape("http://h"), "http://h/");
        assert_eq!(
            shape("http://h/graphql?operationName=Feed&variables=%7B%22after%22%3A3%7D"),
            "http://h/graphql?operationName=Feed&variables=…"
        );
    }

    #[test]
    fn the_hashes_agree_with_the_strings() {
        use std::hash::Hasher;
        let urls = [
            "http://h/api/feed?cursor=1&limit=20",
            "http://H/api/feed?limit=5&cursor=zz",
            "http://h/api/feed?since=1",
            "http://h/api/jobs/42/status?_=1",
            "http://h/api/jobs/43/status?_=2",
            "http://h/api/jobs/43/status?_=2&x=1",
            "http://h/api/jobs/blue/status",
            "http://h/graphql?operationName=A&variables=1",
            "http://h/graphql?operationName=B&variables=1",
            "http://h/",
            "http://h",
            "http://h/a/",
            "http://h/a",
        ];
        let sh = |u: &str| {
            let mut h = QuickHasher::default();
            shape_hash(u, &mut h);
            h.finish()
        };
        let sg = |u: &str| {
            let mut h = QuickHasher::default();
            signature_hash(u, &mut h);
            h.finish()
        };
        for a in urls {
            for b in urls {
                assert_eq!(shape(a) == shape(b), sh(a) == sh(b), "shape {a} {b}");
                assert_eq!(signature(a) == signature(b), sg(a) == sg(b), "signature {a} {b}");
            }
        }
    }

    #[test]
    fn short_keeps_path_and_query() {
        assert_eq!(short("http://h:1/api/x?y=1"), "/api/x?y=1");
    }
}
