//! The CLI's fast path for decoding one HAR entry: a hand-written parser that
//! builds the same [`HarEntry`] serde's derive builds. serde's path was most of
//! the reader thread's work (every key decoded and matched through a visitor,
//! every ignored value walked by the generic deserializer): on the 20,000-entry
//! bench HAR, finding and decoding an entry took 28k instructions that way and
//! 15k this way (callgrind).
//!
//! It accepts only what it is sure serde reads the same way: valid JSON (checked
//! as strictly as serde_json checks it, ignored values included), each known field
//! once, of the type the common producers write (a custom field may also be
//! `null`), numbers without an exponent and with at most 18 digits. On anything
//! else (an escape in a key, a number as text where serde is strict, a duplicate
//! field, invalid JSON, a value cut off by the end of the buffer) it gives up and
//! the caller decodes the entry with serde, whose result, or error, is then the
//! one used. So a file never reads differently for taking this path.

use crate::input::har::{Content, Frame, HarEntry, HarRequest, HarResponse, Header, Initiator, PostData, Stack};
use crate::model::event::Timings;
use std::borrow::Cow;

/// Nesting deeper than this gives up (serde_json refuses beyond 128 levels).
const MAX_DEPTH: u32 = 100;

/// The entry that starts `text` (at its `{`) and how many bytes it took, or None
/// to have serde decode it.
pub fn entry(text: &str) -> Option<(HarEntry<'_>, usize)> {
    let mut p = Parser {
        s: text,
        i: 0,
        depth: 0,
    };
    let e = p.entry()?;
    Some((e, p.i))
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
    depth: u32,
}

/// Exact powers of ten, as serde_json scales a decimal's digits (the same division,
/// so the same `f64`, bit for bit).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// Marks a field seen; None (give up) when it was already: serde refuses a
/// duplicate field.
fn once(seen: &mut u32, bit: u32) -> Option<()> {
    if *seen & bit != 0 {
        return None;
    }
    *seen |= bit;
    Some(())
}

/// The index of the first byte from `j` on that ends a plain run of string
/// bytes: `"`, `\` or a control character; `b.len()` when none does. Sixteen
/// bytes at a time: scanning keys and strings was most of the parser's work.
#[cfg(target_arch = "x86_64")]
fn plain_run(b: &[u8], mut j: usize) -> usize {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86_64; each load reads `b[j..j + 16]`, within `b`.
    unsafe {
        let (quote, backslash, ctrl_max) = (
            _mm_set1_epi8(b'"' as i8),
            _mm_set1_epi8(b'\\' as i8),
            _mm_set1_epi8(0x1f),
        );
        while j + 16 <= b.len() {
            let v = _mm_loadu_si128(b.as_ptr().add(j).cast());
            // A control character is one that max(byte, 0x1f) leaves at 0x1f.
            let ctrl = _mm_cmpeq_epi8(_mm_max_epu8(v, ctrl_max), ctrl_max);
            let hit = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                ctrl,
            );
            let mask = _mm_movemask_epi8(hit) as u32;
            if mask != 0 {
                return j + mask.trailing_zeros() as usize;
            }
            j += 16;
        }
    }
    plain_tail(b, j)
}

/// `plain_run` elsewhere: eight bytes at a time, as serde_json scans.
#[cfg(not(target_arch = "x86_64"))]
fn plain_run(b: &[u8], mut j: usize) -> usize {
    const ONES: u64 = u64::MAX / 255;
    while j + 8 <= b.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&b[j..j + 8]);
        let v = u64::from_le_bytes(chunk);
        let ctrl = v.wrapping_sub(ONES * 0x20) & !v;
        let q = v ^ (ONES * u64::from(b'"'));
        let quote = q.wrapping_sub(ONES) & !q;
        let bs = v ^ (ONES * u64::from(b'\\'));
        let backslash = bs.wrapping_sub(ONES) & !bs;
        let hit = (ctrl | quote | backslash) & (ONES << 7);
        if hit != 0 {
            return j + hit.trailing_zeros() as usize / 8;
        }
        j += 8;
    }
    plain_tail(b, j)
}

/// The last few bytes of the buffer, one by one.
fn plain_tail(b: &[u8], mut j: usize) -> usize {
    while j < b.len() && !matches!(b[j], b'"' | b'\\' | 0..=0x1f) {
        j += 1;
    }
    j
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// The next byte that is not whitespace, consumed.
    fn next(&mut self) -> Option<u8> {
        self.ws();
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    /// Consumes `null` if that is what comes next.
    fn null(&mut self) -> bool {
        self.ws();
        if self.s.as_bytes()[self.i..].starts_with(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    /// An object's members, each handed to `member` with its key, which must
    /// consume the value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        if self.next()? != b'{' {
            return None;
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
        } else {
            loop {
                self.ws();
                let key = self.key()?;
                if self.next()? != b':' {
                    return None;
                }
                self.ws();
                member(self, key)?;
                match self.next()? {
                    b',' => {}
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// An array's items, each handed to `item`, which must consume it.
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.next()? != b'[' {
            return None;
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
        } else {
            loop {
                self.ws();
                item(self)?;
                match self.next()? {
                    b',' => {}
                    b']' => break,
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// A key without escapes (serde would decode one; here it gives up).
    #[inline]
    fn key(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let from = self.i + 1;
        let end = plain_run(self.s.as_bytes(), from);
        if self.s.as_bytes().get(end)? != &b'"' {
            return None;
        }
        self.i = end + 1;
        Some(&self.s[from..end])
    }

    /// A string value: borrowed when it has no escapes, else decoded by
    /// serde_json itself (so exactly as serde would, or refused as it would be).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        if self.peek()? != b'"' {
            return None;
        }
        let from = self.i;
        let end = plain_run(self.s.as_bytes(), from + 1);
        match self.s.as_bytes().get(end)? {
            b'"' => {
                self.i = end + 1;
                Some(Cow::Borrowed(&self.s[from + 1..end]))
            }
            b'\\' => self.escaped(from, end),
            _ => None,
        }
    }

    /// The rest of a string that has escapes (`from` is its `"`, `at` its first
    /// `\`). The one-character escapes (a JSON body's `\"`) are decoded here;
    /// a `\u` (which may be half of a surrogate pair) is left to serde_json.
    fn escaped(&mut self, from: usize, mut at: usize) -> Option<Cow<'a, str>> {
        let b = self.s.as_bytes();
        let mut out = String::with_capacity(at - from + 16);
        let mut run = from + 1;
        loop {
            out.push_str(&self.s[run..at]);
            match b.get(at)? {
                b'"' => {
                    self.i = at + 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {}
                _ => return None,
            }
            out.push(match b.get(at + 1)? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    self.i = from;
                    self.skip_string()?;
                    return serde_json::from_str::<String>(&self.s[from..self.i])
                        .ok()
                        .map(Cow::Owned);
                }
                _ => return None,
            });
            run = at + 2;
            at = plain_run(b, run);
        }
    }

    /// Skips a string, checking it as serde_json checks an ignored one: no control
    /// characters, only valid escapes.
    fn skip_string(&mut self) -> Option<()> {
        let b = self.s.as_bytes();
        let mut j = self.i + 1;
        loop {
            j = plain_run(b, j);
            match b.get(j)? {
                b'"' => break,
                b'\\' => match b.get(j + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' => {
                        let hex = b.get(j + 2..j + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        j += 6;
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
        self.i = j + 1;
        Some(())
    }

    /// A number as serde_json reads it into an `f64`; None for a form not handled
    /// here (an exponent, more than 18 digits, more than 22 decimals) or not a number.
    fn number(&mut self) -> Option<f64> {
        let b = self.s.as_bytes();
        let mut j = self.i;
        let negative = b.get(j) == Some(&b'-');
        j += usize::from(negative);
        let (mut sig, mut digits) = (0u64, 0u32);
        match *b.get(j)? {
            b'0' => j += 1,
            b'1'..=b'9' => {
                while let Some(c @ b'0'..=b'9') = b.get(j).copied() {
                    sig = sig * 10 + u64::from(c - b'0');
                    digits += 1;
                    if digits > 18 {
                        return None;
                    }
                    j += 1;
                }
            }
            _ => return None,
        }
        let mut decimals = 0usize;
        if b.get(j) == Some(&b'.') {
            j += 1;
            while let Some(c @ b'0'..=b'9') = b.get(j).copied() {
                sig = sig * 10 + u64::from(c - b'0');
                digits += 1;
                decimals += 1;
                if digits > 18 || decimals >= POW10.len() {
                    return None;
                }
                j += 1;
            }
            if decimals == 0 {
                return None;
            }
        }
        // An exponent, or a leading zero followed by digits (invalid JSON).
        if matches!(b.get(j), Some(b'e' | b'E' | b'0'..=b'9')) {
            return None;
        }
        self.i = j;
        // serde_json: an integer goes through u64/i64 (`-0` through -0.0), a
        // decimal through `digits / 10^decimals`; both end as these same values.
        let f = if decimals == 0 {
            sig as f64
        } else {
            sig as f64 / POW10[decimals]
        };
        Some(if negative { -f } else { f })
    }

    /// Skips any JSON value, checking its syntax.
    fn skip(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.object(|p, _| p.skip()),
            b'[' => self.array(Parser::skip),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if !self.s.as_bytes()[self.i..].starts_with(word) {
            return None;
        }
        self.i += word.len();
        Some(())
    }

    /// Skips a number of any size, checking the JSON grammar.
    fn skip_number(&mut self) -> Option<()> {
        let b = self.s.as_bytes();
        let mut j = self.i;
        let digits = |j: &mut usize| {
            let from = *j;
            while b.get(*j).is_some_and(u8::is_ascii_digit) {
                *j += 1;
            }
            *j > from
        };
        if b.get(j) == Some(&b'-') {
            j += 1;
        }
        match b.get(j)? {
            b'0' => j += 1,
            b'1'..=b'9' => {
                digits(&mut j);
            }
            _ => return None,
        }
        if b.get(j) == Some(&b'.') {
            j += 1;
            if !digits(&mut j) {
                return None;
            }
        }
        if let Some(b'e' | b'E') = b.get(j) {
            j += 1;
            if let Some(b'+' | b'-') = b.get(j) {
                j += 1;
            }
            if !digits(&mut j) {
                return None;
            }
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            return None; // a leading zero
        }
        self.i = j;
        Some(())
    }

    // Fields, by the type serde gives them in `har.rs`.

    /// `Option<Cow<str>>`: null or a string.
    fn opt_string(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null() {
            return Some(None);
        }
        self.string().map(Some)
    }

    /// `Option<f64>`: null or a number.
    fn opt_number(&mut self) -> Option<Option<f64>> {
        if self.null() {
            return Some(None);
        }
        self.number().map(Some)
    }

    /// `lenient_string`, for the types seen in practice: a string or null.
    fn lenient_string(&mut self) -> Option<Option<String>> {
        // Copied to its length, as serde's `to_string` gives it (an escaped string's
        // buffer has room to spare): capacities reach the engine's byte accounting.
        Some(self.opt_string()?.map(|s| String::from(&*s)))
    }

    /// `lenient_number`, for the types seen in practice: a number, a number as
    /// text (WebPageTest) or null.
    fn lenient_number(&mut self) -> Option<Option<f64>> {
        if self.peek()? == b'"' {
            return Some(crate::model::number::parse_f64(self.string()?.trim()));
        }
        self.opt_number()
    }

    /// `lenient_bool`: a boolean or null.
    fn lenient_bool(&mut self) -> Option<Option<bool>> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|_| Some(true)),
            b'f' => self.literal(b"false").map(|_| Some(false)),
            _ => self.null().then_some(None),
        }
    }

    /// `null_as_default` for a list: null, or an array of `item`.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        if self.null() {
            return Some(Vec::new());
        }
        // Lists here (headers, call frames) are seldom empty: one allocation up
        // front costs less than growing from nothing.
        let mut out = Vec::with_capacity(4);
        self.array(|p| {
            out.push(item(p)?);
            Some(())
        })?;
        Some(out)
    }

    fn entry(&mut self) -> Option<HarEntry<'a>> {
        let (mut started, mut request, mut response) = (None, None, None);
        let mut e = HarEntry {
            started: Cow::Borrowed(""),
            time: None,
            request: HarRequest {
                method: Cow::Borrowed(""),
                url: Cow::Borrowed(""),
                headers: Vec::new(),
                post_data: None,
            },
            response: empty_response(),
            timings: None,
            pageref: None,
            resource_type: None,
            transfer_size: None,
            bytes_in: None,
            initiator: None,
            initiator_line: None,
            initiator_column: None,
            initiator_function: None,
            error: None,
            from_cache: None,
            was_aborted: None,
        };
        let mut seen = 0u32;
        self.object(|p, key| {
            match key {
                "startedDateTime" => {
                    once(&mut seen, 1)?;
                    started = Some(p.string()?);
                }
                "time" => {
                    once(&mut seen, 1 << 1)?;
                    e.time = p.opt_number()?;
                }
                "request" => {
                    once(&mut seen, 1 << 2)?;
                    request = Some(p.request()?);
                }
                "response" => {
                    once(&mut seen, 1 << 3)?;
                    response = Some(p.response()?);
                }
                "timings" => {
                    once(&mut seen, 1 << 4)?;
                    e.timings = if p.null() { None } else { Some(p.timings()?) };
                }
                "pageref" => {
                    once(&mut seen, 1 << 5)?;
                    e.pageref = p.lenient_string()?;
                }
                "_resourceType" => {
                    once(&mut seen, 1 << 6)?;
                    e.resource_type = p.lenient_string()?;
                }
                "_transferSize" => {
                    once(&mut seen, 1 << 7)?;
                    e.transfer_size = p.lenient_number()?;
                }
                "_bytesIn" => {
                    once(&mut seen, 1 << 8)?;
                    e.bytes_in = p.lenient_number()?;
                }
                "_initiator" => {
                    once(&mut seen, 1 << 9)?;
                    e.initiator = p.initiator_field()?;
                }
                "_initiator_line" => {
                    once(&mut seen, 1 << 10)?;
                    e.initiator_line = p.lenient_number()?;
                }
                "_initiator_column" => {
                    once(&mut seen, 1 << 11)?;
                    e.initiator_column = p.lenient_number()?;
                }
                "_initiator_function_name" => {
                    once(&mut seen, 1 << 12)?;
                    e.initiator_function = p.lenient_string()?;
                }
                "_error" => {
                    once(&mut seen, 1 << 13)?;
                    e.error = p.lenient_string()?;
                }
                "_fromCache" => {
                    once(&mut seen, 1 << 14)?;
                    e.from_cache = p.lenient_string()?;
                }
                "_wasAborted" => {
                    once(&mut seen, 1 << 15)?;
                    e.was_aborted = p.lenient_bool()?;
                }
                _ => p.skip()?,
            }
            Some(())
        })?;
        // Required by serde: missing, it refuses the entry.
        e.started = started?;
        e.request = request?;
        e.response = response?;
        Some(e)
    }

    fn request(&mut self) -> Option<HarRequest<'a>> {
        let (mut method, mut url) = (None, None);
        let mut headers = Vec::new();
        let mut post_data = None;
        let mut seen = 0u32;
        self.object(|p, key| {
            match key {
                "method" => {
                    once(&mut seen, 1)?;
                    method = Some(p.string()?);
                }
                "url" => {
                    once(&mut seen, 1 << 1)?;
                    url = Some(p.string()?);
                }
                "headers" => {
                    once(&mut seen, 1 << 2)?;
                    headers = p.list(Parser::header)?;
                }
                "postData" => {
                    once(&mut seen, 1 << 3)?;
                    post_data = if p.null() { None } else { Some(p.post_data()?) };
                }
                _ => p.skip()?,
            }
            Some(())
        })?;
        Some(HarRequest {
            method: method?,
            url: url?,
            headers,
            post_data,
        })
    }

    fn post_data(&mut self) -> Option<PostData<'a>> {
        let mut text = None;
        let mut seen = 0u32;
        self.object(|p, key| {
            match key {
                "text" => {
                    once(&mut seen, 1)?;
                    text = p.opt_string()?;
                }
                _ => p.skip()?,
            }
            Some(())
        })?;
        Some(PostData { text })
    }

    fn header(&mut self) -> Option<Header<'a>> {
        let (mut name, mut value) = (None, None);
        let mut seen = 0u32;
        self.object(|p, key| {
            match key {
                "name" => {
                    once(&mut seen, 1)?;
                    name = Some(p.string()?);
                }
                "value" => {
                    once(&mut seen, 1 << 1)?;
                    value = Some(p.string()?);
                }
                _ => p.skip()?,
            }
            Some(())
        })?;
        Some(Header {
            name: name?,
            value: value.unwrap_or_default(),
        })
    }

    fn response(&mut self) -> Option<HarResponse<'a>> {
        let mut r = empty_response();
        let mut seen = 0u32;
        self.object(|p, key| {
            match key {
                "status" => {
                    once(&mut seen, 1)?;
                    r.status = p.number()?;
                }
                "headers" => {
                    once(&mut seen, 1 << 1)?;
                    r.headers = p.list(Parser::header)?;
                }
                "content" => {
                    once(&mut seen, 1 << 2)?;
                    r.content = if p.null() { None } else { Some(p.content()?) };
                }
                "bodySize" => {
                    once(&mut seen, 1 << 3)?;
                    r.body_size = p.opt_number()?;
                }
                "_transferSize" => {
                    once(&mut seen, 1 << 4)?;
                    r.transfer_size = p.lenient_number()?;
                }
                "_error" => {
                    once(&mut seen, 1 << 5)?;
                    r.error = p.lenient_string()?;
                }
                "_failureText" => {
                    once(&mut seen, 1 << 6)?;
                    r.failure = p.lenient_string()?;
                }
                _ => p.skip()?,
            }
            Some(())
        })?;
        Some(r)
    }

    fn content(&mut self) -> Option<Content<'a>> {
        let mut c = Content {
            size: None,
            mime_type: None,
            text: None,
            encoding: None,
        };
        let mut seen = 0u32;
        self.object(|p, key| {
            match key {
                "size" => {
                    once(&mut seen, 1)?;
                    c.size = p.opt_number()?;
                }
                "mimeType" => {
                    once(&mut seen, 1 << 1)?;
                    c.mime_type = p.opt_string()?;
                }
                "text" => {
                    once(&mut seen, 1 << 2)?;
                    c.text = p.opt_string()?;
                }
                "encoding" => {
                    once(&mut seen, 1 << 3)?;
                    c.encoding = p.opt_string()?;
                }
                _ => p.skip()?,
            }
            Some(())
        })?;
        Some(c)
    }

    fn timings(&mut self) -> Option<Timings> {
        let mut t = Timings::default();
        let mut seen = 0u32;
        self.object(|p, key| {
            let (bit, slot) = match key {
                "blocked" => (1, &mut t.blocked),
                "dns" => (1 << 1, &mut t.dns),
                "connect" => (1 << 2, &mut t.connect),
                "ssl" => (1 << 3, &mut t.ssl),
                "send" => (1 << 4, &mut t.send),
                "wait" => (1 << 5, &mut t.wait),
                "receive" => (1 << 6, &mut t.receive),
                _ => return p.skip(),
            };
            once(&mut seen, bit)?;
            *slot = p.opt_number()?;
            Some(())
        })?;
        Some(t)
    }

    /// `initiator_field`: Chrome's object, a URL string (chrome-har, WebPageTest)
    /// or null.
    fn initiator_field(&mut self) -> Option<Option<Initiator>> {
        match self.peek()? {
            b'{' => self.initiator().map(Some),
            b'"' => Some(Some(Initiator {
                url: Some(String::from(&*self.string()?)),
                ..Initiator::default()
            })),
            _ => self.null().then_some(None),
        }
    }

    fn initiator(&mut self) -> Option<Initiator> {
        let mut i = Initiator::default();
        let mut seen = 0u32;
        self.object(|p, key| {
            match key {
                "type" => {
                    once(&mut seen, 1)?;
                    i.kind = p.lenient_string()?;
                }
                "url" => {
                    once(&mut seen, 1 << 1)?;
                    i.url = p.lenient_string()?;
                }
                "lineNumber" => {
                    once(&mut seen, 1 << 2)?;
                    i.line = p.lenient_number()?;
                }
                "stack" => {
                    once(&mut seen, 1 << 3)?;
                    i.stack = if p.null() { None } else { Some(p.stack()?) };
                }
                _ => p.skip()?,
            }
            Some(())
        })?;
        Some(i)
    }

    fn stack(&mut self) -> Option<Stack> {
        let mut s = Stack {
            frames: Vec::new(),
            parent: None,
            description: None,
        };
        let mut seen = 0u32;
        self.object(|p, key| {
            match key {
                "callFrames" => {
                    once(&mut seen, 1)?;
                    s.frames = p.list(Parser::frame)?;
                }
                "parent" => {
                    once(&mut seen, 1 << 1)?;
                    s.parent = if p.null() { None } else { Some(Box::new(p.stack()?)) };
                }
                "description" => {
                    once(&mut seen, 1 << 2)?;
                    s.description = p.lenient_string()?;
                }
                _ => p.skip()?,
            }
            Some(())
        })?;
        Some(s)
    }

    fn frame(&mut self) -> Option<Frame> {
        let mut f = Frame {
            function: None,
            url: None,
            line: None,
            column: None,
        };
        let mut seen = 0u32;
        self.object(|p, key| {
            match key {
                "functionName" => {
                    once(&mut seen, 1)?;
                    f.function = p.lenient_string()?;
                }
                "url" => {
                    once(&mut seen, 1 << 1)?;
                    f.url = p.lenient_string()?;
                }
                "lineNumber" => {
                    once(&mut seen, 1 << 2)?;
                    f.line = p.lenient_number()?;
                }
                "columnNumber" => {
                    once(&mut seen, 1 << 3)?;
                    f.column = p.lenient_number()?;
                }
                _ => p.skip()?,
            }
            Some(())
        })?;
        Some(f)
    }
}

/// A response with every field at serde's default.
fn empty_response<'a>() -> HarResponse<'a> {
    HarResponse {
        status: 0.0,
        headers: Vec::new(),
        content: None,
        body_size: None,
        transfer_size: None,
        error: None,
        failure: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::har::{read_raw, Raw};

    /// What makes the fast path safe: whatever it accepts, serde reads to the same
    /// entry, ending at the same byte. True when the fast path took `text`.
    fn agrees(text: &str) -> bool {
        let Some((fast, used)) = entry(text) else {
            return false;
        };
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<HarEntry>();
        match stream.next() {
            Some(Ok(slow)) => {
                assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "in {text}");
                assert_eq!(used, stream.byte_offset(), "in {text}");
            }
            other => panic!("the fast path took what serde refuses ({other:?}): {text}"),
        }
        true
    }

    fn har_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                har_files(&path, out);
            } else if path.extension().is_some_and(|x| x == "har") {
                out.push(path);
            }
        }
    }

    /// Each entry of a file as the reader hands it over: followed by the rest of
    /// the array.
    fn entries(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        read_raw(text.as_bytes(), |raw| {
            if let Raw::Entry(_, bytes) = raw {
                out.push(format!("{}, {{\"next\": 1}}]", std::str::from_utf8(bytes).unwrap()));
            }
        })
        .unwrap();
        out
    }

    #[test]
    fn every_fixture_entry_reads_as_serde_reads_it() {
        let mut files = Vec::new();
        har_files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/har"),
            &mut files,
        );
        files.sort();
        assert!(files.len() > 30, "{files:?}");
        let (mut total, mut fast) = (0, 0);
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let all = entries(&text);
            let taken = all.iter().filter(|e| agrees(e)).count();
            let name = file.file_name().unwrap().to_string_lossy();
            // DevTools' own exports are the common shape: every entry takes the fast path.
            if name.starts_with("chrome-") {
                assert_eq!(taken, all.len(), "{name}");
            }
            total += all.len();
            fast += taken;
        }
        // Most entries of the other producers too (WebPageTest's odd custom fields do not).
        assert!(fast * 10 > total * 8, "{fast} of {total}");
    }

    /// A Chrome entry with every field the decoder reads, escapes, a nested
    /// initiator stack and custom fields of several types.
    const RICH: &str = r#"{"startedDateTime":"2026-12-01T10:00:00.000Z","time":40.5,"pageref":"page_1",
        "request":{"method":"POST","url":"https://h/api?q=a%20b","headers":[{"name":"x-request-id","value":"7"},{"name":"a"}],
          "postData":{"mimeType":"application/json","text":"{\"query\":\"query Q { a }\"}"},"cookies":[],"headersSize":-1},
        "response":{"status":200,"statusText":"OK","headers":[{"name":"Content-Encoding","value":"br"}],
          "content":{"size":180,"mimeType":"application/json","text":"{\"id\":\"\u00e9\\n\"}","encoding":null},
          "bodySize":-1,"_transferSize":"220","_error":null,"_failureText":null},
        "cache":{"x":[1,2.5e3,-0,true,false,null,{"y":"z"}]},
        "timings":{"blocked":0.8,"dns":-1,"ssl":-1,"connect":-1,"send":0.1,"wait":35.25,"receive":4.4,"_q":1},
        "_initiator":{"type":"script","stack":{"callFrames":[{"functionName":"load","scriptId":"12","url":"https://h/app.js","lineNumber":120,"columnNumber":17}],
          "parent":{"description":"await","callFrames":[{"functionName":"","url":"https://h/b.js","lineNumber":-0,"columnNumber":1.5}],"parent":null}}},
        "_initiator_line":"12","_initiator_column":3,"_initiator_function_name":"poll","_resourceType":"fetch",
        "_fromCache":"disk","_wasAborted":false,"_bytesIn":0.000001,"_custom":{"deep":[[[{}]]]},"connection":"443"}, 7]"#;

    #[test]
    fn a_rich_entry_takes_the_fast_path_and_reads_the_same() {
        assert!(agrees(RICH));
        assert!(agrees(
            r#"{"startedDateTime":"x","request":{"method":"GET","url":"u"},"response":{},"_initiator":"https://h/a.js"}"#
        ));
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        let base = |extra: &str| {
            format!(
                r#"{{"startedDateTime":"x","request":{{"method":"GET","url":"u"}},"response":{{"status":200}}{extra}}}"#
            )
        };
        for extra in [
            r#","time":1e3"#,
            r#","time":"12""#,
            r#","time":12345678901234567890"#,
            r#","time":01"#,
            r#","time":1."#,
            r#","time":5,"time":6"#,
            r#","_initiator":42"#,
            r#","_resourceType":{"x":1}"#,
            r#","_wasAborted":"yes""#,
            r#","_ti\u006de":1"#,
            r#","_x":"\q""#,
            r#","_x":"a	b""#,
            r#","_x":[1,]"#,
            r#","_x":tru"#,
            r#","pageref":5"#,
        ] {
            let text = base(extra);
            assert!(!agrees(&text), "took {text}");
        }
        let deep = base(&format!(r#","_x":{}{}"#, "[".repeat(150), "]".repeat(150)));
        assert!(!agrees(&deep));
        // A lone surrogate in a field that is read: serde refuses it, and so does this.
        assert!(!agrees(&base(r#","pageref":"\ud800""#)));
        assert!(agrees(&base(r#","_x":"\ud800""#)));
    }

    #[test]
    fn broken_or_cut_entries_never_read_differently() {
        // Every cut, and every byte replaced by a character that changes the JSON,
        // of an entry that takes the fast path: whatever the fast path still takes,
        // serde reads the same way (`agrees` panics otherwise).
        let text = RICH;
        assert!(agrees(text));
        for (i, _) in text.char_indices() {
            agrees(&text[..i]);
            for c in [
                '"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', '.', 'e', 'n', ' ', '\u{1}', 'x',
            ] {
                let mut t = String::with_capacity(text.len() + 1);
                t.push_str(&text[..i]);
                t.push(c);
                let rest = &text[i..];
                t.push_str(&rest[rest.chars().next().map_or(0, char::len_utf8)..]);
                agrees(&t);
                t.clear();
                t.push_str(&text[..i]);
                t.push(c);
                t.push_str(&text[i..]);
                agrees(&t);
            }
        }
    }

    #[test]
    fn the_run_scan_stops_where_a_byte_loop_stops() {
        // Plain bytes (ASCII and high bytes, 0x20 and 0x7f to 0xff among them) with
        // stops planted at uneven gaps, each kind of stop at each offset of a chunk.
        let stops = [b'"', b'\\', 0x00, 0x1f, b'\n'];
        let mut b: Vec<u8> = (0..2000usize)
            .map(|i| [b'a', 0x20, 0x7f, 0x80, 0xc3, 0xff, b'!', b'#'][i % 8])
            .collect();
        let (mut at, mut gap) = (3, 1);
        while at < b.len() {
            b[at] = stops[at % stops.len()];
            gap = gap % 29 + 1;
            at += gap;
        }
        for from in 0..b.len() {
            let naive = (from..b.len())
                .find(|&j| matches!(b[j], b'"' | b'\\' | 0..=0x1f))
                .unwrap_or(b.len());
            assert_eq!(plain_run(&b, from), naive, "from {from}");
            assert_eq!(plain_run(&b[..from.min(40)], from.min(40)), from.min(40));
        }
    }

    #[test]
    fn numbers_read_bit_for_bit_as_serde_reads_them() {
        for n in [
            "0",
            "-0",
            "-0.0",
            "7",
            "-1",
            "40.5",
            "35.2",
            "0.1",
            "0.000001",
            "123456789012345678",
            "-99.999999999",
            "1.7976931348",
            "9007199254740993",
            "0.30000000000000004",
        ] {
            let mut p = Parser { s: n, i: 0, depth: 0 };
            let fast = p.number();
            let slow: f64 = serde_json::from_str(n).unwrap();
            if let Some(fast) = fast {
                assert_eq!(fast.to_bits(), slow.to_bits(), "{n}");
            }
        }
    }
}
