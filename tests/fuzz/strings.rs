//! Text strategies shared by the targets: characters near the grammars (digits, separators)
//! mixed with the ones that break naive parsers (Unicode spaces and digits, zero-width and
//! bidi characters, controls), amounts the grammar takes and ones it must refuse.

use proptest::prelude::*;
use proptest::sample::select;

/// Unicode whitespace beyond ASCII: `split_whitespace` and `trim` split on them.
pub const SPACES: &[char] = &[
    ' ', '\t', '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{A0}', '\u{1680}', '\u{2003}',
    '\u{2028}', '\u{2029}', '\u{202F}', '\u{3000}',
];

/// Characters that print as nothing or reorder text: zero-width, bidi, BOM, soft hyphen.
pub const INVISIBLE: &[char] = &[
    '\u{00AD}',
    '\u{034F}',
    '\u{061C}',
    '\u{180E}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}',
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}',
    '\u{2060}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{FE0F}',
    '\u{FEFF}',
    '\u{E0001}',
];

/// Control characters, C0 and C1 (ESC starts terminal sequences).
pub const CONTROLS: &[char] = &['\0', '\u{7}', '\u{8}', '\u{1B}', '\u{7F}', '\u{9B}'];

/// Digits that are not ASCII: Arabic-Indic, Extended Arabic-Indic, fullwidth, Devanagari, NKo.
pub const FOREIGN_DIGITS: &[char] = &['٣', '٠', '۵', '０', '９', '३', '߁', '𝟙'];

/// Punctuation the grammars split on or must refuse.
pub const PUNCT: &[char] = &[
    ':', '.', ',', '_', '-', '+', '#', '!', '"', '\'', '\\', '/', '{', '}', '[', ']', 'e', 'E',
    'x', '=', '@', '%', '*', '?', '~',
];

/// One character from near the grammar, or any at all.
pub fn nasty_char() -> BoxedStrategy<char> {
    prop_oneof![
        6 => proptest::char::range('0', '9'),
        4 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('A', 'Z'),
        4 => select(PUNCT),
        2 => select(SPACES),
        2 => select(INVISIBLE),
        1 => select(CONTROLS),
        1 => select(FOREIGN_DIGITS),
        1 => select(vec!['é', '€', '日', '😀', '\u{301}', '\u{10FFFF}', '\u{FFFD}']),
        2 => any::<char>(),
    ]
    .boxed()
}

/// Up to `max` characters of [`nasty_char`].
pub fn nasty(max: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(nasty_char(), 0..=max)
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

/// Any characters at all, up to `max`.
pub fn arbitrary(max: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(any::<char>(), 0..=max)
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

/// A piece repeated into a long string (up to 30 000 pieces).
pub fn long() -> BoxedStrategy<String> {
    (nasty(4), 500..30_000usize)
        .prop_map(|(piece, n)| piece.repeat(n))
        .boxed()
}

/// A non-empty word without whitespace, that does not start with `-`: a value the prompt
/// keeps whole and clap does not take for a flag.
pub fn word(max: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(nasty_char(), 1..=max)
        .prop_map(|v| {
            let s: String = v
                .into_iter()
                .map(|c| if c.is_whitespace() { '_' } else { c })
                .collect();
            if s.starts_with('-') {
                format!("w{s}")
            } else {
                s
            }
        })
        .boxed()
}

/// A visible word: no whitespace, control, invisible or bidi character (what a SKU or a
/// free-text field admits), never starting with `-`; with `colon` false, no `:` either.
pub fn visible_word(max: usize, colon: bool) -> BoxedStrategy<String> {
    word(max)
        .prop_map(move |s| {
            s.chars()
                .map(|c| {
                    if chronicle::domain::limits::visible(c) && (colon || c != ':') {
                        c
                    } else {
                        'v'
                    }
                })
                .collect()
        })
        .boxed()
}

/// ASCII digits, `min..=max` of them.
pub fn digits(min: usize, max: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(proptest::char::range('0', '9'), min..=max)
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

/// An amount in the documented form: `DIGITS[.DIGITS]`, with at most 28 digits in all (what
/// an exact decimal holds), leading zeros and all.
pub fn good_amount() -> BoxedStrategy<String> {
    (digits(1, 16), proptest::option::of(digits(1, 12)))
        .prop_map(|(whole, fraction)| match fraction {
            Some(f) => format!("{whole}.{f}"),
            None => whole,
        })
        .boxed()
}

/// Whether `s` is in the documented form (digits, then optionally `.` and digits).
pub fn plain_decimal(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        Some((w, f)) => digits(w) && digits(f),
        None => digits(s),
    }
}

/// A good amount broken the way the grammar says is refused: a sign, a bare point, a
/// separator, an exponent, a space (leading, trailing or inside), a foreign digit, an
/// invisible character. `spaces` false keeps it one word (for the prompt).
pub fn bad_amount(spaces: bool) -> BoxedStrategy<String> {
    let amount = good_amount();
    let space = if spaces {
        select(SPACES)
    } else {
        select(vec!['_'])
    };
    prop_oneof![
        amount.clone().prop_map(|a| format!("+{a}")),
        amount.clone().prop_map(|a| format!("{a}.")),
        digits(1, 6).prop_map(|d| format!(".{d}")),
        digits(1, 6).prop_map(|d| format!("{d}.")),
        (
            amount.clone(),
            select(vec!['_', ',', '\'', 'e', 'E', ':', '/', '+', '-']),
            any::<usize>()
        )
            .prop_map(|(a, c, at)| insert(&a, c, at)),
        (amount.clone(), select(INVISIBLE), any::<usize>())
            .prop_map(|(a, c, at)| insert(&a, c, at)),
        (amount.clone(), select(CONTROLS), any::<usize>()).prop_map(|(a, c, at)| insert(&a, c, at)),
        (amount.clone(), select(FOREIGN_DIGITS), any::<usize>())
            .prop_map(|(a, c, at)| insert(&a, c, at)),
        (amount.clone(), space.clone()).prop_map(|(a, c)| format!("{c}{a}")),
        (amount.clone(), space.clone()).prop_map(|(a, c)| format!("{a}{c}")),
        (amount.clone(), space, any::<usize>()).prop_map(|(a, c, at)| insert(&a, c, at)),
        amount.clone().prop_map(|a| format!("{a}e3")),
        amount.prop_map(|a| format!("0x{a}")),
        select(vec![
            "", "-", "--1", ".", "+", "inf", "NaN", "1.2.3", "٣", "1e3", "+0"
        ])
        .prop_map(String::from),
    ]
    .boxed()
}

/// `s` with `c` inserted at the char boundary nearest `at`.
pub fn insert(s: &str, c: char, at: usize) -> String {
    let n = s.chars().count();
    let at = at % (n + 1);
    let mut out: String = s.chars().take(at).collect();
    out.push(c);
    out.extend(s.chars().skip(at));
    out
}
