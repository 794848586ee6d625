//! Redaction for exported reports: values of query parameters (and `name=value`
//! pairs anywhere in a string) whose name looks like a secret are replaced, so a
//! report can be attached to a ticket. Stormwatch never records request headers,
//! cookies or bodies (only body hashes), so URLs are where secrets can hide.

use serde_json::Value;

pub const REDACTED: &str = "REDACTED";

/// Name parts that mark a secret (`api_key`, `accessToken`, `sessionid`...).
const SECRET_WORDS: &[&str] = &[
    "token",
    "key",
    "apikey",
    "secret",
    "password",
    "passwd",
    "pwd",
    "session",
    "sessionid",
    "sid",
    "auth",
    "authorization",
    "jwt",
    "signature",
    "sig",
    "credential",
    "credentials",
];

/// Splits `accessToken`, `api_key`, `X-Auth` into lowercase words (the reading
/// `is_secret_name` implements without allocating; the tests compare the two).
#[cfg(test)]
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.push(lower(c));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `c` lowercased as far as `SECRET_WORDS` can tell: ASCII letters, and the one
/// non-ASCII letter whose Unicode lowercase is ASCII (KELVIN SIGN, `k`); every other
/// letter lowercases to non-ASCII, which no secret word holds. Unicode's
/// `to_lowercase` would link its 11 KB conversion table into the panel's wasm.
fn lower(c: char) -> char {
    if c == '\u{212A}' {
        'k'
    } else {
        c.to_ascii_lowercase()
    }
}

/// Whether a name is secret: one of its lowercased words (as `words` cuts them),
/// or all of them joined, is a secret word. Checked as the words are cut, in small
/// buffers on the stack: this runs for every key of every JSON answer the CLI reads,
/// and allocating the words cost more than the rest of reading those answers.
pub fn is_secret_name(name: &str) -> bool {
    let mut word = Lowered::default();
    let mut joined = Lowered::default();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if word.is_secret() {
                return true;
            }
            word.clear();
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !word.is_empty() {
            if word.is_secret() {
                return true;
            }
            word.clear();
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        let l = lower(c);
        word.push(l);
        joined.push(l);
    }
    word.is_secret() || joined.is_secret()
}

/// A lowercased word as far as `SECRET_WORDS` can tell: its ASCII bytes while it
/// could still be one of them (all ASCII, at most `Lowered::CAP` bytes).
#[derive(Default)]
struct Lowered {
    bytes: [u8; Lowered::CAP],
    /// Characters pushed (also those that made it impossible).
    chars: usize,
    impossible: bool,
}

impl Lowered {
    /// Longer than every secret word.
    const CAP: usize = 16;

    fn push(&mut self, c: char) {
        if c.is_ascii() && self.chars < Self::CAP {
            self.bytes[self.chars] = c as u8;
        } else {
            self.impossible = true;
        }
        self.chars += 1;
    }

    fn is_empty(&self) -> bool {
        self.chars == 0
    }

    fn clear(&mut self) {
        self.chars = 0;
        self.impossible = false;
    }

    fn is_secret(&self) -> bool {
        !self.impossible && self.chars > 0 && SECRET_WORDS.iter().any(|w| w.as_bytes() == &self.bytes[..self.chars])
    }
}

/// Replaces the values of secret-looking `name=value` pairs in a string.
pub fn redact_str(s: &str) -> Option<String> {
    if !s.contains('=') {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    let mut rest = s;
    while let Some(eq) = rest.find('=') {
        let before = &rest[..eq];
        let name_start = before
            .rfind(['?', '&', ';', ' ', '#', '"', '(', ','])
            .map_or(0, |i| i + 1);
        let name = &before[name_start..];
        out.push_str(&rest[..=eq]);
        rest = &rest[eq + 1..];
        let end = rest.find(['&', '#', ' ', '"', ')', ',', ';']).unwrap_or(rest.len());
        if !name.is_empty() && end > 0 && is_secret_name(name) && &rest[..end] != REDACTED {
            out.push_str(REDACTED);
            changed = true;
        } else {
            out.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Redacts every string in a JSON value, in place.
pub fn redact(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some(r) = redact_str(s) {
                *s = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::Object(map) => map.values_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_query_values_are_redacted_and_others_kept() {
        assert_eq!(
            redact_str("https://h/api?access_token=abc123&page=2&apiKey=zz#x").as_deref(),
            Some("https://h/api?access_token=REDACTED&page=2&apiKey=REDACTED#x")
        );
        assert_eq!(
            redact_str("GET /login?password=hunter2 took 1.2 s").as_deref(),
            Some("GET /login?password=REDACTED took 1.2 s")
        );
        assert_eq!(redact_str("/search?keyword=shoes&monkey=1"), None);
        assert_eq!(
            redact_str("/s?sessionid=9&sid=1&X-Auth=q").as_deref(),
            Some("/s?sessionid=REDACTED&sid=REDACTED&X-Auth=REDACTED")
        );
        assert_eq!(redact_str("no pairs here"), None);
    }

    #[test]
    fn secret_names_read_as_with_unicode_lowercase() {
        // The Unicode reading `lower` stands for: a name is secret when one of its
        // lowercased words, or all of them joined, is a secret word.
        fn unicode(name: &str) -> bool {
            let ws: Vec<String> = words(name).iter().map(|w| w.to_lowercase()).collect();
            ws.iter().any(|w| SECRET_WORDS.contains(&w.as_str())) || SECRET_WORDS.contains(&ws.concat().as_str())
        }
        assert!(is_secret_name("\u{212A}ey") && is_secret_name("API_\u{212A}EY"));
        assert!(!is_secret_name("\u{130}d") && !is_secret_name("tökén"));
        for w in SECRET_WORDS {
            for c in ['\u{212A}', '\u{130}', 'Ä', 'ß', 'Σ', 'K', 'k', '_'] {
                for name in [
                    format!("{c}{w}"),
                    format!("{w}{c}"),
                    w.replacen('k', &c.to_string(), 1),
                    w.to_uppercase(),
                ] {
                    assert_eq!(is_secret_name(&name), unicode(&name), "{name}");
                }
            }
        }
    }

    #[test]
    fn secret_names_read_as_the_words_joined_and_apart() {
        fn by_words(name: &str) -> bool {
            let ws = words(name);
            ws.iter().any(|w| SECRET_WORDS.contains(&w.as_str())) || SECRET_WORDS.contains(&ws.concat().as_str())
        }
        let parts = [
            "",
            "_",
            "-",
            " ",
            "api",
            "Key",
            "KEY",
            "key",
            "token",
            "Token",
            "access",
            "x",
            "Auth",
            "sid",
            "9",
            "ß",
            "\u{212A}",
            "credentials",
            "Credentials",
            "passwordpassword",
            "sessionId",
            "a1",
            "S",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    let name = format!("{a}{b}{c}");
                    assert_eq!(is_secret_name(&name), by_words(&name), "{name:?}");
                }
            }
        }
    }

    #[test]
    fn redacts_inside_json() {
        let mut v = serde_json::json!({"a": ["http://h/?token=t1"], "b": {"c": "x?secret=s"}, "n": 1});
        redact(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a": ["http://h/?token=REDACTED"], "b": {"c": "x?secret=REDACTED"}, "n": 1})
        );
    }
}
