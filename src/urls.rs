//! URL normalization, so requests that are the same to the server compare equal.
//! Hand-written (no `url` crate) to keep the panel's wasm small; it only needs to
//! split, lowercase and sort, never to resolve.

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

/// Lowercases scheme and host, drops the fragment and default ports, sorts the query.
pub fn normalize(url: &str) -> String {
    normalize_with(url, false)
}

/// As [`normalize`], and also replaces the values of cache-buster parameters with `…`.
pub fn signature(url: &str) -> String {
    normalize_with(url, true)
}

fn normalize_with(url: &str, blank_volatile: bool) -> String {
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
        pairs.sort();
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

/// The path and query of a URL, for short titles.
pub fn short(url: &str) -> &str {
    match url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(i) => &rest[i..],
            None => "/",
        },
        None => url,
    }
}

#[cfg(test)]
mod tests {
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
    fn short_keeps_path_and_query() {
        assert_eq!(short("http://h:1/api/x?y=1"), "/api/x?y=1");
    }
}
