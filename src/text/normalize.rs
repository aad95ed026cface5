//! Input normalisation: the same string whatever keyboard, script or emoji the citizen used.

use unicode_normalization::UnicodeNormalization;

/// Whether a character belongs to a CJK ideograph block (the characters jieba segments).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Characters kept as they are: letters, digits and the few symbols that carry meaning in numbers
/// ("20%", "1.2万", "2024-03", "12,000"). Everything else (punctuation, emoji) becomes a space.
fn keep(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '%' | '‰' | '.' | '-' | ',' | ':' | '/' | '~')
}

/// Traditional → simplified, to a fixed point: zhconv maps some characters onto one its table
/// maps again (薴 → 苧 → 苎; found by the long fuzzing run), and normalising must be idempotent
/// (text normalised at index time is normalised again when compared). Text zhconv leaves alone —
/// most questions — costs one pass.
fn to_simplified(text: String) -> String {
    let mut cur = text;
    for _ in 0..4 {
        let next = zhconv::zhconv(&cur, zhconv::Variant::ZhHans);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// Full-width → half-width (NFKC), lowercase, traditional → simplified, punctuation and emoji →
/// single spaces. Commas, dots and dashes survive only between digits.
pub fn normalize(input: &str) -> String {
    let nfkc: String = input.nfkc().flat_map(char::to_lowercase).collect();
    let simplified = if nfkc.chars().any(is_cjk) {
        to_simplified(nfkc)
    } else {
        nfkc
    };
    let chars: Vec<char> = simplified.chars().collect();
    let mut out = String::with_capacity(simplified.len());
    for (i, &c) in chars.iter().enumerate() {
        let mapped = if !keep(c) {
            ' '
        } else if matches!(c, ',' | '.' | '-' | ':' | '/' | '~') {
            let digit_before = i > 0 && chars[i - 1].is_ascii_digit();
            let digit_after = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if digit_after && (c == '-' || c == '~' || digit_before) {
                c
            } else {
                ' '
            }
        } else {
            c
        };
        if mapped == ' ' {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(mapped);
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_becomes_half_width() {
        assert_eq!(normalize("ＡＢＣ１２３"), "abc123");
    }

    #[test]
    fn traditional_becomes_simplified() {
        assert_eq!(normalize("醫療保險斷繳怎麼辦"), "医疗保险断缴怎么办");
    }

    #[test]
    fn punctuation_and_emoji_become_spaces() {
        assert_eq!(normalize("医保断缴了？？😭怎么办！"), "医保断缴了 怎么办");
    }

    #[test]
    fn numbers_keep_their_symbols() {
        assert_eq!(
            normalize("基数1.2万，费率20%，12,000元"),
            "基数1.2万 费率20% 12,000元"
        );
        assert_eq!(normalize("2024-03到2024-08"), "2024-03到2024-08");
    }

    #[test]
    fn idempotent_where_zhconv_maps_twice() {
        assert_eq!(normalize("薴"), "苎");
        assert_eq!(normalize(&normalize("薴麻")), normalize("薴麻"));
    }

    #[test]
    fn empty_and_symbol_only_input() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("？！。。。"), "");
    }
}
