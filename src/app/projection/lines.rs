//! The read model's lines JSON, written and read by hand for the one shape the projection
//! writes: it is read and rewritten on every item event, and serde's general path was most
//! of the projector's own time. Any other text goes through `serde_json`, so the result
//! is always what `serde_json` gives (the tests below hold the two to it).

use std::cell::RefCell;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::Line;

thread_local! {
    /// The last text written on this thread and the lines it holds: an order's next item
    /// event reads back what its last one wrote, and takes the lines instead of parsing.
    static LAST: RefCell<Option<(String, Vec<Line>)>> = const { RefCell::new(None) };
}

/// `lines` as `serde_json::to_string` writes them (kept for the next `read` of the text).
pub(super) fn write(lines: Vec<Line>) -> String {
    let out = format_lines(&lines);
    LAST.with_borrow_mut(|last| match last {
        Some((text, held)) => {
            text.clone_from(&out);
            *held = lines;
        }
        None => *last = Some((out.clone(), lines)),
    });
    out
}

fn format_lines(lines: &[Line]) -> String {
    let mut out = String::with_capacity(2 + lines.len() * 64);
    out.push('[');
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"sku\":");
        if needs_escape(&l.sku) {
            out.push_str(&serde_json::Value::from(l.sku.as_str()).to_string());
        } else {
            out.push('"');
            out.push_str(&l.sku);
            out.push('"');
        }
        out.push_str(",\"quantity\":");
        push_digits(&mut out, u128::from(l.quantity));
        out.push_str(",\"unit_price\":\"");
        push_decimal(&mut out, &l.unit_price);
        out.push_str("\"}");
    }
    out.push(']');
    out
}

/// `n` in decimal, without the formatting machinery (this runs once per line per event).
fn push_digits(out: &mut String, n: u128) {
    let mut buf = [0u8; 39];
    let start = digits_into(&mut buf, n);
    out.push_str(ascii(&buf[start..]));
}

/// Digits as text (they are ASCII, so this never falls back to the empty string).
fn ascii(digits: &[u8]) -> &str {
    std::str::from_utf8(digits).unwrap_or_default()
}

/// Writes `n`'s digits at the end of `buf`; returns where they start.
fn digits_into(buf: &mut [u8; 39], n: u128) -> usize {
    let mut i = buf.len();
    // Most mantissas fit 64 bits, whose division is far cheaper than 128-bit division;
    // the few that do not are rare enough for the formatter.
    let Ok(mut small) = u64::try_from(n) else {
        let text = n.to_string();
        i -= text.len();
        buf[i..].copy_from_slice(text.as_bytes());
        return i;
    };
    loop {
        i -= 1;
        buf[i] = b'0' + (small % 10) as u8;
        small /= 10;
        if small == 0 {
            return i;
        }
    }
}

/// `d` as its `Display` writes it (every digit of its scale, the sign of a negative zero),
/// from its mantissa and scale: the formatter was most of the cost of writing lines.
fn push_decimal(out: &mut String, d: &Decimal) {
    let mut buf = [0u8; 39];
    let start = digits_into(&mut buf, d.mantissa().unsigned_abs());
    let digits = &buf[start..];
    let scale = d.scale() as usize;
    if d.is_sign_negative() {
        out.push('-');
    }
    let whole = digits.len().saturating_sub(scale);
    if whole == 0 {
        out.push('0');
    } else {
        out.push_str(ascii(&digits[..whole]));
    }
    if scale > 0 {
        out.push('.');
        for _ in digits.len()..scale {
            out.push('0');
        }
        out.push_str(ascii(&digits[whole..]));
    }
}

/// `text` as `serde_json::from_str` reads it.
pub(super) fn read(text: &str) -> Result<Vec<Line>, serde_json::Error> {
    // Taken, not copied: the text is forgotten with them, so a second read parses.
    let held = LAST.with_borrow_mut(|last| {
        let (written, _) = last.as_ref()?;
        if written == text {
            last.take().map(|(_, lines)| lines)
        } else {
            None
        }
    });
    if let Some(lines) = held {
        return Ok(lines);
    }
    match fast(text) {
        Some(lines) => Ok(lines),
        None => serde_json::from_str(text),
    }
}

/// What JSON escapes in a string: quotes, backslashes and control characters.
fn needs_escape(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
}

/// The shape `write` produces, and nothing else (`None`: let serde decide).
fn fast(text: &str) -> Option<Vec<Line>> {
    let mut s = text.strip_prefix('[')?;
    let mut lines = Vec::new();
    if s == "]" {
        return Some(lines);
    }
    loop {
        s = s.strip_prefix("{\"sku\":\"")?;
        let end = s.find('"')?;
        let sku = &s[..end];
        if needs_escape(sku) {
            return None;
        }
        s = s[end + 1..].strip_prefix(",\"quantity\":")?;
        let end = s.find(|c: char| !c.is_ascii_digit())?;
        let digits = &s[..end];
        // JSON numbers have no leading zeros: "01" is serde's error to report.
        if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
            return None;
        }
        let quantity = digits.parse().ok()?;
        s = s[end..].strip_prefix(",\"unit_price\":\"")?;
        let end = s.find('"')?;
        let price = &s[..end];
        if needs_escape(price) {
            return None;
        }
        let unit_price = Decimal::from_str(price).ok()?;
        s = s[end + 1..].strip_prefix('}')?;
        lines.push(Line {
            sku: sku.to_string(),
            quantity,
            unit_price,
        });
        match s.strip_prefix(',') {
            Some(rest) => s = rest,
            None => return (s == "]").then_some(lines),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn line() -> impl Strategy<Value = Line> {
        let sku = prop_oneof![
            "[A-Z0-9-]{1,12}",
            "\\PC{1,8}",
            ".*",
            Just("MU\"G\\\u{1}".to_string())
        ];
        let price = prop_oneof![
            (any::<i64>(), 0u32..=28).prop_map(|(m, scale)| Decimal::new(m, scale)),
            (any::<i128>(), 0u32..=28).prop_filter_map("fits 96 bits", |(m, scale)| {
                Decimal::try_from_i128_with_scale(m >> 32, scale).ok()
            }),
        ];
        (sku, any::<u32>(), price).prop_map(|(sku, quantity, unit_price)| Line {
            sku,
            quantity,
            unit_price,
        })
    }

    fn serde_read(text: &str) -> Result<Vec<Line>, String> {
        serde_json::from_str::<Vec<Line>>(text).map_err(|e| e.to_string())
    }

    proptest! {
        #[test]
        fn writes_what_serde_writes_and_reads_it_back(lines in prop::collection::vec(line(), 0..5)) {
            let text = write(lines.clone());
            prop_assert_eq!(&text, &serde_json::to_string(&lines).unwrap());
            prop_assert_eq!(read(&text).unwrap(), lines.clone());
            // And again, without the last write's memory: the text alone.
            prop_assert_eq!(read(&text).unwrap(), lines);
        }

        #[test]
        fn reads_any_text_as_serde_does(
            lines in prop::collection::vec(line(), 0..3),
            cut in any::<prop::sample::Index>(),
            insert in prop_oneof![Just(""), Just(" "), Just("0"), Just("\""), Just(","), Just("}"), Just("-"), Just("e5")],
        ) {
            // A written text with something put in at any char boundary: the fast path
            // either reads it as serde does or leaves it to serde.
            let text = format_lines(&lines);
            let bounds: Vec<usize> = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
            let at = bounds[cut.index(bounds.len())];
            let edited = format!("{}{insert}{}", &text[..at], &text[at..]);
            let ours = read(&edited).map_err(|e| e.to_string());
            prop_assert_eq!(ours, serde_read(&edited));
        }
    }

    #[test]
    fn decimals_are_written_as_display_writes_them() {
        let mut negative_zero = Decimal::new(0, 2);
        negative_zero.set_sign_negative(true);
        let edge = [
            Decimal::MAX,
            Decimal::MIN,
            Decimal::ZERO,
            negative_zero,
            Decimal::new(5, 28),
            Decimal::new(-5, 3),
            Decimal::new(1250, 2),
            Decimal::new(i64::MAX, 0),
        ];
        for d in edge {
            let mut out = String::new();
            push_decimal(&mut out, &d);
            assert_eq!(out, d.to_string(), "{d:?}");
        }
    }

    #[test]
    fn leading_zeros_and_spaces_are_serdes_to_judge() {
        for text in [
            r#"[{"sku":"A","quantity":01,"unit_price":"1"}]"#,
            r#"[ {"sku":"A","quantity":1,"unit_price":"1"}]"#,
            r#"[{"sku":"A","quantity":1,"unit_price":"1e2"}]"#,
            r#"[{"sku":"A","quantity":1,"unit_price":"1"},]"#,
            "[]x",
            "",
        ] {
            let ours = read(text).map_err(|e| e.to_string());
            assert_eq!(ours, serde_read(text), "{text}");
        }
    }
}
