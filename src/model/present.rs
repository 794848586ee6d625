//! How a finding reads: one place that turns numbers and page strings into text,
//! used by the panel and by every report format (text, HTML, Markdown) and the
//! timeline's labels, so the same finding reads the same wherever it is shown.
//!
//! - Quantities: [`bytes`] (380 KB, 2.4 MB: decimal units, as DevTools' Network
//!   panel counts them), [`duration`] (850 ms, 1.2 s, 2 min 5 s), [`at`] (a moment
//!   in the session), [`number`], [`rate`], [`percent`], [`heap`].
//! - A finding's parts: [`metric`] (a metric's name and value, its unit read from
//!   its key's suffix), [`metrics`], [`when`], [`headline`].
//! - Escaping: [`html`] for HTML and XML, [`markdown`] for Markdown text,
//!   [`markdown_code`] for a Markdown code span, [`terminal`] for a terminal.
//!
//! It depends on nothing but the finding model, so any layer may use it.

use crate::model::finding::{Finding, Metric};

/// What a value that is not a number (NaN, infinite) reads as.
pub const NO_VALUE: &str = "–";

/// Bytes as people read them: `999 B`, `1 KB`, `380 KB`, `2.4 MB`, `1.5 GB`.
/// Decimal units (1 KB = 1000 bytes), as the Network panel counts transfers; the
/// unit is picked after rounding, so 999,999 bytes read `1.0 MB`, never `1000 KB`.
pub fn bytes(n: u64) -> String {
    if n < 1000 {
        format!("{n} B")
    } else {
        scaled_bytes(n as f64)
    }
}

/// A byte count that may be fractional, negative or not a number (a metric's value).
pub fn bytes_f(n: f64) -> String {
    if !n.is_finite() {
        NO_VALUE.to_string()
    } else if n < 0.0 {
        format!("-{}", bytes_f(-n))
    } else if n.round() < 1000.0 {
        format!("{:.0} B", n.round())
    } else {
        scaled_bytes(n)
    }
}

/// At least 999.5 bytes, in the largest unit it does not round to 1000 of.
fn scaled_bytes(x: f64) -> String {
    if (x / 1e3).round() < 1000.0 {
        return format!("{:.0} KB", x / 1e3);
    }
    for (size, unit) in [(1e6, "MB"), (1e9, "GB")] {
        if (x / size * 10.0).round() < 10_000.0 {
            return format!("{:.1} {unit}", x / size);
        }
    }
    format!("{:.1} TB", x / 1e12)
}

/// A JavaScript heap size (`performance.memory`, bytes) as `31.5 MB` in
/// 1,048,576-byte megabytes: how the memory-growth detector's titles state it,
/// so the timeline's heap line and that finding give the same figures.
pub fn heap(bytes: f64) -> String {
    if bytes.is_finite() {
        format!("{:.1} MB", bytes / 1_048_576.0)
    } else {
        NO_VALUE.to_string()
    }
}

/// A span of time given in milliseconds: `0.3 ms`, `2 ms`, `850 ms`, `1.2 s`, `2 s`,
/// `2 min 5 s`, `1 h 20 min`. Negative spans keep their sign (a clock went
/// backwards: better seen than hidden); NaN and infinities read [`NO_VALUE`].
pub fn duration(ms: f64) -> String {
    if !ms.is_finite() {
        return NO_VALUE.to_string();
    }
    if ms < 0.0 {
        return format!("-{}", duration(-ms));
    }
    // Under a millisecond a tenth shows it is not nothing; above, whole ones.
    if ms < 0.95 && ms.fract() != 0.0 {
        return format!("{} ms", trim(format!("{ms:.1}")));
    }
    if ms.round() < 1000.0 {
        return format!("{ms:.0} ms");
    }
    let s = ms / 1000.0;
    if (s * 10.0).round() < 600.0 {
        return format!("{} s", trim(format!("{s:.1}")));
    }
    let s = s.round();
    if s < 3600.0 {
        let (m, s) = ((s / 60.0).floor(), s % 60.0);
        return if s == 0.0 {
            format!("{m:.0} min")
        } else {
            format!("{m:.0} min {s:.0} s")
        };
    }
    let m = (s / 60.0).round();
    let (h, m) = ((m / 60.0).floor(), m % 60.0);
    if m == 0.0 {
        format!("{h:.0} h")
    } else {
        format!("{h:.0} h {m:.0} min")
    }
}

/// A moment in the session, milliseconds since it started: `12.3 s` (always
/// seconds with one decimal, like the timeline's axis, so moments line up).
pub fn at(ms: f64) -> String {
    if ms.is_finite() {
        format!("{:.1} s", ms / 1000.0)
    } else {
        NO_VALUE.to_string()
    }
}

/// A plain number: whole numbers without decimals (`12`, `18060`), others with
/// at most two (`0.25`, `3.5`).
pub fn number(n: f64) -> String {
    if !n.is_finite() {
        NO_VALUE.to_string()
    } else if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        let s = trim(format!("{n:.2}"));
        // -0.001 rounds to "-0".
        if s == "-0" {
            "0".into()
        } else {
            s
        }
    }
}

/// Something per second: `12/s`, `0.5/s`.
pub fn rate(per_s: f64) -> String {
    if per_s.is_finite() {
        format!("{}/s", number(per_s))
    } else {
        NO_VALUE.to_string()
    }
}

/// A share given as a fraction (0.42) as a percentage (`42%`). A share that is
/// not zero never reads `0%` (`0.4%`, `<0.1%`).
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return NO_VALUE.to_string();
    }
    let p = fraction * 100.0;
    if p.round() == 0.0 && p != 0.0 {
        let tenth = (p * 10.0).round() / 10.0;
        if tenth == 0.0 {
            "<0.1%".to_string()
        } else {
            format!("{}%", number(tenth))
        }
    } else {
        format!("{p:.0}%")
    }
}

/// "2.50" → "2.5", "2.00" → "2".
fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// How a metric's number is shown, read from its key's suffix (the detectors'
/// naming convention: `_bytes`, `_ms`, `_ms_per_s`, `_per_s`, `_s`, `_share`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Unit {
    Bytes,
    Millis,
    MillisPerSecond,
    PerSecond,
    Seconds,
    Share,
    Plain,
}

/// The key's unit and its name without the unit suffix.
fn unit_of(key: &str) -> (Unit, &str) {
    for (suffix, unit) in [
        ("_ms_per_s", Unit::MillisPerSecond),
        ("_per_s", Unit::PerSecond),
        ("_bytes", Unit::Bytes),
        ("_ms", Unit::Millis),
        ("_s", Unit::Seconds),
    ] {
        if let Some(name) = key.strip_suffix(suffix).filter(|n| !n.is_empty()) {
            return (unit, name);
        }
    }
    if key == "share" || key.ends_with("_share") {
        return (Unit::Share, key);
    }
    (Unit::Plain, key)
}

/// A metric as it reads everywhere: its name (the key in words, without the unit
/// the value now carries) and its value (`("decoded", "1.2 MB")`,
/// `("period", "2 s")`, `("while hidden", "no")`). A text value keeps its whole
/// key as its name (its unit, if any, is in the text). Values are not escaped.
pub fn metric(key: &str, value: &Metric) -> (String, String) {
    let (unit, short) = unit_of(key);
    let name = |s: &str| {
        // Two metrics of one finding must not read alike (`largest_burst` is a
        // count, `largest_burst_ms` its time).
        match s {
            "largest_burst" if unit == Unit::Millis => "largest burst took".to_string(),
            _ => s.replace('_', " "),
        }
    };
    match value {
        Metric::Num(n) => {
            let text = match unit {
                Unit::Bytes => bytes_f(*n),
                Unit::Millis => duration(*n),
                Unit::MillisPerSecond if n.is_finite() => format!("{} ms/s", number(*n)),
                Unit::MillisPerSecond => NO_VALUE.to_string(),
                Unit::PerSecond => rate(*n),
                Unit::Seconds => duration(*n * 1000.0),
                Unit::Share => percent(*n),
                Unit::Plain => number(*n),
            };
            (name(short), text)
        }
        Metric::Text(t) => (name(key), t.clone()),
        Metric::Flag(b) => (name(key), if *b { "yes" } else { "no" }.to_string()),
    }
}

/// A finding's metrics as they read, in key order (the same order everywhere).
pub fn metrics(f: &Finding) -> Vec<(String, String)> {
    f.metrics.iter().map(|(k, v)| metric(k, v)).collect()
}

/// When a finding happened: `at 1.2 s`, or `1.2 s – 3.4 s` over a span.
pub fn when(f: &Finding) -> String {
    if f.first_ms == f.last_ms {
        format!("at {}", at(f.first_ms))
    } else {
        format!("{} – {}", at(f.first_ms), at(f.last_ms))
    }
}

/// How often: `×5`.
pub fn times(count: u64) -> String {
    format!("×{count}")
}

/// The line under a finding's title in every format: `1.2 s – 3.4 s · ×5`.
pub fn headline(f: &Finding) -> String {
    format!("{} · {}", when(f), times(f.count))
}

/// Escapes text for HTML and XML content and attribute values. Control
/// characters other than tab and newline are dropped (XML 1.0 forbids them).
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for Markdown (CommonMark and GitHub's tables), so a page's
/// string reads as itself: `*`, `_`, `` ` ``, brackets, `<`, `|`, `~` and `\\`
/// are backslash-escaped (which every renderer accepts before ASCII
/// punctuation), and line breaks become spaces (one string, one line: a list
/// item or a cell). Characters that are markup only in one position are escaped
/// only there, so URLs stay readable: `&` before what would be an entity
/// (`&lt;`), `#` after a space (a heading's closing sequence), `_` unless it sits
/// between two letters or digits (`snake_case` can never be emphasis).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let entity_at = |i: usize| {
        let name = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
            .count();
        name > 0 && chars.get(i + 1 + name) == Some(&';')
    };
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '|' | '~' => true,
            '_' => !(i > 0 && chars[i - 1].is_alphanumeric() && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())),
            '&' => entity_at(i),
            '#' => i == 0 || chars[i - 1].is_whitespace(),
            _ => false,
        };
        match c {
            _ if escape => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A Markdown code span showing `s` exactly: fenced by one more backtick than
/// the longest run inside it, padded when it starts or ends with a backtick.
/// A `|` is written `\|` so the span can sit in a table cell (GitHub reads it
/// as `|` inside code too).
pub fn markdown_code(s: &str) -> String {
    let s: String = s
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let s = s.replace('|', "\\|");
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if s.is_empty() {
        return "` `".into();
    }
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Stormwatch's own prose (a finding's advice), whose `` `code` `` spans stay
/// code spans in Markdown while everything else is escaped as [`markdown`]
/// (a page's string inside it, such as a component's name, cannot add markup).
pub fn markdown_prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, part) in parts.iter().enumerate() {
        // Odd parts sit after a backtick; they are code when one closes them too.
        let closed = i + 1 < parts.len();
        if i % 2 == 0 {
            out.push_str(&markdown(part));
        } else if closed && !part.is_empty() {
            out.push_str(&markdown_code(part));
        } else {
            out.push_str("\\`");
            out.push_str(&markdown(part));
            if closed {
                out.push_str("\\`");
            }
        }
    }
    out
}

/// Text for a terminal or a CI log: control characters (an escape sequence in
/// a page's URL could repaint the terminal) are shown as `\u{1b}`, not sent.
pub fn terminal(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_in_decimal_units_and_never_as_1000_of_a_unit() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1000), "1 KB");
        assert_eq!(bytes(1024), "1 KB");
        assert_eq!(bytes(1499), "1 KB");
        assert_eq!(bytes(380_000), "380 KB");
        assert_eq!(bytes(999_499), "999 KB");
        assert_eq!(bytes(999_500), "1.0 MB");
        assert_eq!(bytes(1_000_000), "1.0 MB");
        assert_eq!(bytes(1_200_000), "1.2 MB");
        assert_eq!(bytes(2_400_000), "2.4 MB");
        assert_eq!(bytes(999_940_000), "999.9 MB");
        assert_eq!(bytes(999_990_000), "1.0 GB");
        assert_eq!(bytes(1_500_000_000), "1.5 GB");
        assert_eq!(bytes(2_000_000_000_000), "2.0 TB");
        assert_eq!(bytes(u64::MAX), "18446744.1 TB");
    }

    #[test]
    fn byte_metrics_that_are_not_counts_still_read() {
        assert_eq!(bytes_f(1_200_000.0), "1.2 MB");
        assert_eq!(bytes_f(999.6), "1 KB");
        assert_eq!(bytes_f(-2048.0), "-2 KB");
        assert_eq!(bytes_f(f64::NAN), NO_VALUE);
        assert_eq!(bytes_f(f64::INFINITY), NO_VALUE);
        assert_eq!(bytes_f(1e30), "1000000000000000000.0 TB");
    }

    #[test]
    fn durations_pick_a_unit_a_person_would() {
        assert_eq!(duration(0.0), "0 ms");
        assert_eq!(duration(0.3), "0.3 ms");
        assert_eq!(duration(5.0), "5 ms");
        assert_eq!(duration(2.3), "2 ms");
        assert_eq!(duration(0.96), "1 ms");
        assert_eq!(duration(9.96), "10 ms");
        assert_eq!(duration(174.4), "174 ms");
        assert_eq!(duration(999.0), "999 ms");
        assert_eq!(duration(999.6), "1 s");
        assert_eq!(duration(1000.0), "1 s");
        assert_eq!(duration(1240.0), "1.2 s");
        assert_eq!(duration(59_940.0), "59.9 s");
        assert_eq!(duration(59_960.0), "1 min");
        assert_eq!(duration(125_000.0), "2 min 5 s");
        assert_eq!(duration(3_599_600.0), "1 h");
        assert_eq!(duration(4_800_000.0), "1 h 20 min");
        assert_eq!(duration(1e15), "277777777 h 47 min");
    }

    #[test]
    fn negative_and_missing_durations_are_visible() {
        assert_eq!(duration(-20.0), "-20 ms");
        assert_eq!(duration(-1500.0), "-1.5 s");
        assert_eq!(duration(f64::NAN), NO_VALUE);
        assert_eq!(duration(f64::NEG_INFINITY), NO_VALUE);
        assert_eq!(at(f64::NAN), NO_VALUE);
        assert_eq!(at(12_345.0), "12.3 s");
        assert_eq!(at(0.0), "0.0 s");
    }

    #[test]
    fn heap_sizes_read_as_the_memory_growth_detector_writes_them() {
        assert_eq!(heap(0.0), "0.0 MB");
        assert_eq!(heap(33_030_144.0), "31.5 MB");
        assert_eq!(heap(f64::NAN), NO_VALUE);
    }

    #[test]
    fn numbers_rates_and_percentages() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(18_060.0), "18060");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(3.5), "3.5");
        assert_eq!(number(2.004), "2");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(1e21), "1000000000000000000000");
        assert_eq!(number(f64::NAN), NO_VALUE);
        assert_eq!(rate(12.0), "12/s");
        assert_eq!(rate(0.5), "0.5/s");
        assert_eq!(rate(f64::INFINITY), NO_VALUE);
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.42), "42%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(1.5), "150%");
        assert_eq!(percent(0.004), "0.4%");
        assert_eq!(percent(0.00001), "<0.1%");
        assert_eq!(percent(f64::NAN), NO_VALUE);
    }

    #[test]
    fn metrics_take_their_unit_from_the_key() {
        let m = |k: &str, v: Metric| metric(k, &v);
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(m("decoded_bytes", Metric::Num(1_200_000.0)), pair("decoded", "1.2 MB"));
        assert_eq!(m("period_ms", Metric::Num(2000.0)), pair("period", "2 s"));
        assert_eq!(m("min_gap_ms", Metric::Num(5.0)), pair("min gap", "5 ms"));
        assert_eq!(m("held_s", Metric::Num(2.3)), pair("held", "2.3 s"));
        assert_eq!(m("window_s", Metric::Num(120.0)), pair("window", "2 min"));
        assert_eq!(m("renders_per_s", Metric::Num(18.0)), pair("renders", "18/s"));
        assert_eq!(m("cost_ms_per_s", Metric::Num(90.3)), pair("cost", "90.3 ms/s"));
        assert_eq!(m("unchanged_share", Metric::Num(0.4)), pair("unchanged share", "40%"));
        assert_eq!(m("requests", Metric::Num(12.0)), pair("requests", "12"));
        assert_eq!(m("while_hidden", Metric::Flag(false)), pair("while hidden", "no"));
        assert_eq!(m("strict_mode", Metric::Flag(true)), pair("strict mode", "yes"));
        // Text keeps its whole key: the unit is in the text, if anywhere.
        assert_eq!(
            m("retry_delays_ms", Metric::Text("150, 300".into())),
            pair("retry delays ms", "150, 300")
        );
        assert_eq!(
            m("transfer_bytes", Metric::Text("unknown".into())),
            pair("transfer bytes", "unknown")
        );
        // A count and a time of the same thing stay apart.
        assert_eq!(m("largest_burst", Metric::Num(12.0)).0, "largest burst");
        assert_eq!(
            m("largest_burst_ms", Metric::Num(340.0)),
            pair("largest burst took", "340 ms")
        );
        // A bare suffix is a name, not a unit.
        assert_eq!(m("ms", Metric::Num(3.0)), pair("ms", "3"));
        assert_eq!(m("x_ms", Metric::Num(f64::NAN)), pair("x", NO_VALUE));
    }

    #[test]
    fn html_escapes_markup_and_quotes_and_drops_control_characters() {
        assert_eq!(
            html("<img src=x onerror=\"a('&')\">\u{1b}[2J\tok\n"),
            "&lt;img src=x onerror=&quot;a(&#39;&amp;&#39;)&quot;&gt;[2J\tok\n"
        );
        assert_eq!(html(""), "");
        assert_eq!(html("plain ×3 – ü"), "plain ×3 – ü");
    }

    #[test]
    fn markdown_text_reads_as_itself() {
        assert_eq!(markdown("GET /api/*/items_by_id"), "GET /api/\\*/items_by_id");
        assert_eq!(markdown("_a_ b_ _c"), "\\_a\\_ b\\_ \\_c");
        assert_eq!(
            markdown("a|b <b>x</b> [l](u) `c` \\"),
            "a\\|b \\<b>x\\</b> \\[l\\](u) \\`c\\` \\\\"
        );
        assert_eq!(markdown("&lt; &#39; #1 ~~y~~"), "\\&lt; \\&#39; \\#1 \\~\\~y\\~\\~");
        // URLs keep their `&`, `#` and `!` where they cannot be markup.
        assert_eq!(markdown("/a?b=1&c=2#/x!"), "/a?b=1&c=2#/x!");
        assert_eq!(markdown("a&b;"), "a\\&b;");
        assert_eq!(markdown("two\nlines\r\n"), "two lines  ");
        assert_eq!(markdown("plain 1.2 MB – ü"), "plain 1.2 MB – ü");
    }

    #[test]
    fn markdown_code_spans_hold_any_text() {
        assert_eq!(markdown_code("http://h/a?x=<1>"), "`http://h/a?x=<1>`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("``x"), "``` ``x ```");
        assert_eq!(markdown_code("a|b"), "`a\\|b`");
        assert_eq!(markdown_code("x\ny"), "`x y`");
        assert_eq!(markdown_code(""), "` `");
    }

    #[test]
    fn advice_keeps_its_code_spans_and_escapes_the_rest() {
        assert_eq!(
            markdown_prose("Wrap `Row` in React.memo (a *fast* path)"),
            "Wrap `Row` in React.memo (a \\*fast\\* path)"
        );
        assert_eq!(markdown_prose("use `a|b` <now>"), "use `a\\|b` \\<now>");
        assert_eq!(markdown_prose("odd ` tick"), "odd \\` tick");
        assert_eq!(markdown_prose("empty `` pair"), "empty \\`\\` pair");
        assert_eq!(markdown_prose("plain"), "plain");
    }

    #[test]
    fn terminal_text_cannot_send_escape_sequences() {
        assert_eq!(terminal("GET /a"), "GET /a");
        assert_eq!(terminal("x\u{1b}[2Jy\n"), "x\\u{1b}[2Jy\\u{a}");
    }

    #[test]
    fn a_finding_reads_when_and_how_often() {
        let mut f = Finding {
            detector: "d".into(),
            key: "k".into(),
            severity: crate::Severity::Info,
            title: "t".into(),
            count: 5,
            first_ms: 1200.0,
            last_ms: 3449.0,
            evidence: Default::default(),
            metrics: Default::default(),
            advice: String::new(),
            page: None,
        };
        assert_eq!(headline(&f), "1.2 s – 3.4 s · ×5");
        f.last_ms = f.first_ms;
        f.count = 1;
        assert_eq!(headline(&f), "at 1.2 s · ×1");
    }
}
