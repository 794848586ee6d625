//! Which npm packages a bundle's bytes come from, read from its source map the way
//! a bundle analyzer does: every mapped segment of the generated code is counted
//! for the source file it came from, and source files under `node_modules/` are
//! grouped by package ("mermaid: 640 KB of this chunk").

use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct Map {
    #[serde(default)]
    sources: Vec<Option<String>>,
    #[serde(default)]
    mappings: String,
    #[serde(default, rename = "sourceRoot")]
    source_root: Option<String>,
    #[serde(default)]
    sections: Option<serde_json::Value>,
}

/// The `sourceMappingURL` a script names in its last comment, if any.
pub fn reference(script: &str) -> Option<String> {
    let mut start = script.len().saturating_sub(4096);
    while !script.is_char_boundary(start) {
        start += 1;
    }
    let tail = &script[start..];
    let at = tail.rfind("sourceMappingURL=")?;
    let before = tail[..at].trim_end_matches([' ', '#', '@']);
    if !(before.ends_with("//") || before.ends_with("/*")) {
        return None;
    }
    let url: String = tail[at + "sourceMappingURL=".len()..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '*')
        .collect();
    (!url.is_empty()).then_some(url)
}

/// What a source file belongs to: `react-dom`, `@scope/name`, or the app's own code.
pub fn package_of(source: &str) -> String {
    let path = source.replace('\\', "/");
    match path.rfind("node_modules/") {
        Some(at) => {
            let rest = &path[at + "node_modules/".len()..];
            let mut parts = rest.split('/');
            let first = parts.next().unwrap_or("");
            if first.starts_with('@') {
                format!("{first}/{}", parts.next().unwrap_or(""))
            } else {
                first.to_string()
            }
        }
        None => "(app code)".to_string(),
    }
}

fn base64_value(c: u8) -> Option<i64> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as i64)
}

/// Decodes one segment's base64 VLQ fields.
fn segment(text: &str) -> Result<Vec<i64>, String> {
    let mut out = Vec::with_capacity(5);
    let (mut value, mut shift) = (0i64, 0u32);
    for &c in text.as_bytes() {
        let digit = base64_value(c).ok_or_else(|| format!("bad character {:?} in mappings", c as char))?;
        value += (digit & 31) << shift;
        if digit & 32 != 0 {
            shift += 5;
            if shift > 60 {
                return Err("a mapping value is too long".into());
            }
        } else {
            let negative = value & 1 == 1;
            value >>= 1;
            out.push(if negative { -value } else { value });
            value = 0;
            shift = 0;
        }
    }
    Ok(out)
}

/// Bytes of `generated` per package, largest first. `generated` is the bundle's
/// text (its line lengths give the size of each line's last segment).
pub fn packages(map_json: &str, generated: &str) -> Result<Vec<(String, u64)>, String> {
    let map: Map = serde_json::from_str(map_json).map_err(|e| format!("not a source map: {e}"))?;
    if map.sections.is_some() {
        return Err("indexed source maps (sections) are not read".into());
    }
    let root = map.source_root.unwrap_or_default();
    let owners: Vec<String> = map
        .sources
        .iter()
        .map(|s| package_of(&format!("{root}{}", s.as_deref().unwrap_or(""))))
        .collect();
    let lines: Vec<&str> = generated.split('\n').collect();
    let mut bytes: HashMap<&str, u64> = HashMap::new();
    let mut source: i64 = 0;
    for (n, line) in map.mappings.split(';').enumerate() {
        let line_len = lines.get(n).map_or(0, |l| l.len()) as i64;
        let mut col: i64 = 0;
        // (generated column, source index) of each mapped segment on this line.
        let mut segs: Vec<(i64, Option<usize>)> = Vec::new();
        for seg in line.split(',').filter(|s| !s.is_empty()) {
            let f = segment(seg)?;
            col += f.first().copied().unwrap_or(0);
            let src = if f.len() >= 4 {
                source += f[1];
                usize::try_from(source).ok()
            } else {
                None
            };
            segs.push((col, src));
        }
        for (i, (start, src)) in segs.iter().enumerate() {
            let end = segs.get(i + 1).map_or(line_len, |s| s.0).max(*start);
            if let Some(owner) = src.and_then(|s| owners.get(s)) {
                *bytes.entry(owner.as_str()).or_default() += (end - start) as u64;
            }
        }
    }
    let mut out: Vec<(String, u64)> = bytes
        .into_iter()
        .filter(|(_, v)| *v > 0)
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    crate::model::sort::sort_by(&mut out, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_read_from_node_modules_paths() {
        assert_eq!(
            package_of("webpack://app/./node_modules/react-dom/cjs/x.js"),
            "react-dom"
        );
        assert_eq!(
            package_of("../node_modules/@mermaid-js/parser/dist/a.mjs"),
            "@mermaid-js/parser"
        );
        assert_eq!(package_of("node_modules/a/node_modules/b/index.js"), "b");
        assert_eq!(package_of("src/App.tsx"), "(app code)");
    }

    #[test]
    fn the_map_reference_is_read_from_the_last_comment() {
        assert_eq!(
            reference("var a=1;\n//# sourceMappingURL=app.js.map\n").as_deref(),
            Some("app.js.map")
        );
        assert_eq!(
            reference("x\n/*# sourceMappingURL=data:application/json;base64,eyJ9 */").as_deref(),
            Some("data:application/json;base64,eyJ9")
        );
        assert_eq!(reference("var s = 'sourceMappingURL=nope';"), None);
        assert_eq!(reference("no map here"), None);
    }

    #[test]
    fn vlq_segments_decode() {
        assert_eq!(segment("AAAA").unwrap(), vec![0, 0, 0, 0]);
        assert_eq!(segment("SAAS").unwrap(), vec![9, 0, 0, 9]);
        assert_eq!(segment("D").unwrap(), vec![-1]);
        assert_eq!(segment("gB").unwrap(), vec![16]);
        assert!(segment("A*").is_err());
    }

    #[test]
    fn bytes_are_counted_per_package() {
        // Line 0: cols 0-9 from react (source 0), 10-29 from app (source 1).
        // Line 1: cols 0-4 from mermaid (source 2), the rest unmapped (a 1-field segment).
        let generated = format!("{}\n{}", "x".repeat(30), "y".repeat(12));
        // Segments: "AAAA" (col 0, src 0); "UCAA" (col +10, src +1); ";" then "AEAA" (col 0, src +2 -> 2... relative +1)
        let map = r#"{"version":3,"sources":["node_modules/react/index.js","src/app.js","node_modules/mermaid/dist/m.js"],
            "mappings":"AAAA,UCAA;ACAA,K"}"#;
        let p = packages(map, &generated).unwrap();
        assert_eq!(
            p,
            vec![
                ("(app code)".to_string(), 20),
                ("react".to_string(), 10),
                ("mermaid".to_string(), 5)
            ]
        );
    }

    #[test]
    fn bad_maps_are_errors_not_panics() {
        assert!(packages("not json", "").is_err());
        assert!(packages(r#"{"sections":[]}"#, "").is_err());
        assert!(packages(r#"{"sources":["a"],"mappings":"AA!A"}"#, "x").is_err());
        assert_eq!(packages(r#"{"sources":["a"],"mappings":"AAAA"}"#, "").unwrap(), vec![]);
    }
}
