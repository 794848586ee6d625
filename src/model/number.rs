//! Decimal text to `f64`, for the few numbers that arrive as text (a HAR's string
//! fields, DevTools' entry heads, a batch's `origin`).
//!
//! `str::parse::<f64>` links core's Eisel-Lemire parser with its 10 KB table of
//! 128-bit powers of five, incompressible: 12 KB of the panel's brotli download.
//! The numbers read here (times, sizes) have at most 19 significant digits, the
//! last no further than 38 places after the point, and are below 2^128: there
//! exact integer arithmetic rounds them correctly on its own, to the same `f64` as
//! `str::parse`, bit for bit (tested below against it). Anything else (more digits, a huge or tiny exponent) goes to serde_json's
//! parser, which the wasm links anyway and which can be 1 ULP off there.

/// The finite number `s` spells (the syntax `str::parse::<f64>` accepts: an
/// optional sign, digits with an optional point, an optional exponent), or `None`
/// (not a number, or infinite, or NaN).
pub fn parse_f64(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let (negative, mut i) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    // value = mantissa × 10^exp10. Leading zeros are skipped; a significant digit
    // past the 19th is not kept (nor exact unless it is a 0) but still scales the
    // kept ones when it comes before the point.
    let (mut mantissa, mut digits, mut exp10) = (0u64, 0u32, 0i64);
    let (mut exact, mut any, mut seen_point) = (true, false, false);
    while i < b.len() {
        match b[i] {
            c @ b'0'..=b'9' => {
                any = true;
                let significant = mantissa != 0 || c != b'0';
                if significant && digits < 19 {
                    mantissa = mantissa * 10 + u64::from(c - b'0');
                    digits += 1;
                    exp10 -= i64::from(seen_point);
                } else if significant {
                    exact &= c == b'0';
                    exp10 += i64::from(!seen_point);
                } else {
                    exp10 -= i64::from(seen_point); // a leading zero after the point
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if i < b.len() {
        if b[i] != b'e' && b[i] != b'E' {
            return None;
        }
        let (exp_negative, digits) = match b.get(i + 1) {
            Some(b'-') => (true, &b[i + 2..]),
            Some(b'+') => (false, &b[i + 2..]),
            _ => (false, &b[i + 1..]),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        // Saturated: past 10^6 the value is 0 or infinite either way.
        let e = digits
            .iter()
            .fold(0i64, |e, &c| (e * 10 + i64::from(c - b'0')).min(1_000_000));
        exp10 += if exp_negative { -e } else { e };
    }
    while mantissa != 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        exp10 += 1;
    }
    let value = if mantissa == 0 {
        Some(0.0)
    } else if exact {
        exact_value(mantissa, exp10)
    } else {
        None
    };
    let value = match value {
        Some(v) => v,
        // Out of the exact range: serde_json reads JSON numbers, so give it one.
        None => {
            let json = json_number(&s[usize::from(b.first() == Some(&b'+') || negative)..])?;
            serde_json::from_str::<f64>(&json).ok()?
        }
    };
    let value = if negative { -value } else { value };
    value.is_finite().then_some(value)
}

/// `mantissa × 10^exp10` rounded to the nearest `f64` (ties to even), when
/// `exp10 >= -38` and the value is below 2^128 (this integer arithmetic's range).
fn exact_value(mantissa: u64, exp10: i64) -> Option<f64> {
    if exp10 >= 0 {
        // An integer: exact in u128 up to 10^38, and `as f64` rounds correctly.
        let pow = 10u128.checked_pow(u32::try_from(exp10).ok()?)?;
        return Some(u128::from(mantissa).checked_mul(pow)? as f64);
    }
    // mantissa / 10^d by long division in binary until the quotient has 66 bits,
    // with a sticky bit for any remainder, so it rounds to 53 bits as the exact
    // quotient would; the scaling back by 2^-k is exact (the result is at least
    // 10^-38, a normal f64).
    let den = 10u128.checked_pow(u32::try_from(-exp10).ok()?)?;
    let (mut q, mut r) = (u128::from(mantissa) / den, u128::from(mantissa) % den);
    let mut k = 0;
    while q < 1 << 65 {
        r <<= 1; // r < den < 2^127: no overflow
        q = q << 1 | u128::from(r >= den);
        if r >= den {
            r -= den;
        }
        k += 1;
    }
    let q = q | u128::from(r != 0);
    Some(q as f64 * f64::from_bits((1023 - k) << 52))
}

/// `s` (no sign) as JSON's number syntax: `5.` and `.5` get their missing zero.
fn json_number(s: &str) -> Option<String> {
    let (num, exp) = match s.find(['e', 'E']) {
        Some(at) => s.split_at(at),
        None => (s, ""),
    };
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (num, None),
    };
    let int = int.trim_start_matches('0');
    let mut out = String::with_capacity(s.len() + 2);
    out.push_str(if int.is_empty() { "0" } else { int });
    if let Some(f) = frac.filter(|f| !f.is_empty()) {
        out.push('.');
        out.push_str(f);
    }
    out.push_str(exp);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `s` is in the exactly rounded range: 19 significant digits at most,
    /// the last at most 38 places after the point, below 2^128.
    fn in_range(s: &str) -> bool {
        let v = s.parse::<f64>().unwrap_or(0.0).abs();
        let (num, e) = s.split_once(['e', 'E']).unwrap_or((s, "0"));
        let e: i64 = e.parse().unwrap_or(0);
        let num = num.trim_start_matches(['-', '+']);
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        let all = format!("{int}{frac}");
        let sig = all.trim_start_matches('0');
        let kept = sig.trim_end_matches('0');
        let last = e - frac.len() as i64 + (sig.len() - kept.len()) as i64;
        v == 0.0 || (kept.len() <= 19 && last >= -38 && v < 3.4e38)
    }

    fn same(s: &str) {
        let want = s.parse::<f64>().ok().filter(|v| v.is_finite());
        let got = parse_f64(s);
        if !in_range(s) {
            // serde_json's reading: the same syntax, within a few ULPs.
            assert_eq!(got.is_some(), want.is_some(), "{s:?}: {got:?} against {want:?}");
            if let (Some(g), Some(w)) = (got, want) {
                assert!((g - w).abs() <= w.abs() * 1e-15, "{s:?}: {g:?} against {w:?}");
            }
            return;
        }
        assert_eq!(
            got.map(f64::to_bits),
            want.map(f64::to_bits),
            "{s:?}: {got:?} against str::parse's {want:?}"
        );
    }

    #[test]
    fn reads_what_str_parse_reads() {
        for s in [
            "0",
            "-0",
            "+0",
            "0.0",
            "1",
            "-1",
            "+1",
            "12.5",
            " 12.5",
            "12.5 ",
            "5.",
            ".5",
            "-.5",
            ".",
            "-",
            "+",
            "",
            "1e3",
            "1E3",
            "1e+3",
            "1e-3",
            "1e",
            "1e+",
            "e3",
            ".e3",
            "1.5e2",
            "00012.50",
            "0.1",
            "0.2",
            "0.3",
            "1733200000000.456",
            "1764763745123.4568",
            "9007199254740993",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234567890",
            "0.000000000000000000001",
            "1e-30",
            "1e38",
            "1e39",
            "1e300",
            "1e400",
            "-1e400",
            "1e-400",
            "inf",
            "-inf",
            "infinity",
            "NaN",
            "nan",
            "1_000",
            "0x10",
            "1.2.3",
            "1e3.5",
            "--1",
            "2.2250738585072014e-308",
            "4.9e-324",
            "1.7976931348623157e308",
            "0.30000000000000004",
            "123.456e-5",
            "1000000000000000000000",
        ] {
            same(s);
        }
    }

    #[test]
    fn reads_times_and_sizes_exactly_as_str_parse() {
        // A small deterministic generator: numbers as JavaScript and HAR writers
        // print them (up to 17 significant digits, points anywhere, exponents).
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let digits = 1 + next() % 19;
            let mut s: String = (0..digits).map(|_| char::from(b'0' + (next() % 10) as u8)).collect();
            let point = next() % (digits + 2);
            if point <= digits && next() % 4 != 0 {
                s.insert(point as usize, '.');
            }
            if next() % 5 == 0 {
                s.push_str(&format!("e{}", (next() % 60) as i64 - 30));
            }
            same(&s);
            let v = f64::from_bits(next() >> 2);
            if v.is_finite() {
                same(&v.to_string());
                same(&format!("{v:e}"));
            }
            let small = (next() % 10_000_000_000_000) as f64 / 1000.0;
            same(&small.to_string());
        }
    }
}
