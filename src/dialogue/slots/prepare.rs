//! Preparing a message for the readers: punctuation becomes spaces (commas and dots survive
//! inside numbers), and the fillers around a bare answer ("不对,是5个月吧") are stripped. Both
//! run once per message, in time linear in its length.

/// Punctuation the normaliser may have left (or that a caller passes in raw) becomes spaces;
/// commas and dots survive only inside numbers ("12,000", "1.2万").
pub(super) fn prepare(text: &str) -> String {
    let chars: Vec<char> = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '％' => '%',
            '，' => ',',
            '．' => '.',
            '—' | '–' | '－' => '-',
            '～' => '~',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let keep = match c {
            ',' => i > 0 && digit(i - 1) && (1..=3).all(|k| digit(i + k)) && !digit(i + 4),
            '.' => i > 0 && digit(i - 1) && digit(i + 1),
            c if c.is_alphanumeric() => true,
            '%' | '‰' | '-' | '~' | '/' => true,
            _ => false,
        };
        out.push(if keep { c } else { ' ' });
    }
    out
}

pub(super) fn starts_with_negation(text: &str) -> bool {
    text.split_whitespace()
        .any(|clause| clause.starts_with("不是") || clause.starts_with("不对"))
}

/// Strips what people put around a bare answer: "不对,是5个月吧" → "5个月".
pub(super) fn strip_fillers(text: &str) -> &str {
    const LEADING: [&str; 22] = [
        "我说错了",
        "说错了",
        "不对",
        "不是",
        "错了",
        "改成",
        "改为",
        "换成",
        "应该是",
        "我的",
        "我是",
        "就是",
        "是",
        "大概",
        "大约",
        "差不多",
        "约",
        "一共",
        "总共",
        "有",
        "我",
        "按",
    ];
    const TRAILING: [&str; 12] = [
        "左右",
        "的样子",
        "上下",
        "吧",
        "啊",
        "呀",
        "呢",
        "哈",
        "嘛",
        "了",
        "哦",
        "嗯",
    ];
    let mut s = text.trim();
    loop {
        let before = s;
        for p in LEADING {
            if let Some(rest) = s.strip_prefix(p) {
                s = rest.trim_start();
                break;
            }
        }
        for p in TRAILING {
            if let Some(rest) = s.strip_suffix(p) {
                s = rest.trim_end();
                break;
            }
        }
        if s.len() == before.len() {
            return s;
        }
    }
}
