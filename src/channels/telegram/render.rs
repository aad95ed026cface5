//! A core [`Reply`] as Telegram messages: HTML text (escaped), split under the length limit at
//! line boundaries, and the reply's options as inline-keyboard buttons on the last part.
//!
//! Pure functions, no I/O: the handler sends what these return.

use super::keys::CallbackKeys;
use crate::answer::{Reply, ReplyKind};

/// Telegram's limit on a message's text, in UTF-16 code units (after entity parsing; counting the
/// HTML source is the conservative side of it).
pub const MAX_MESSAGE_UTF16: usize = 4096;

/// One inline-keyboard button: what it shows and the `callback_data` it sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub text: String,
    pub data: String,
}

/// One message to send: HTML text and (on the last part of a reply only) its buttons, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub html: String,
    pub buttons: Vec<Vec<Button>>,
}

/// Escapes the three characters Telegram's HTML parse mode reserves.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Splits `text` into parts of at most `limit` UTF-16 units, cutting between lines; a single
/// line longer than the limit is cut between characters (never inside an HTML entity such as
/// `&amp;`, which the caller's escaping produces). No part is empty.
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    assert!(limit >= 16, "limit too small to split safely");
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0;
    for line in text.split_inclusive('\n') {
        let len = utf16_len(line);
        if cur_len + len <= limit {
            cur.push_str(line);
            cur_len += len;
            continue;
        }
        if !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
        }
        if len <= limit {
            cur.push_str(line);
            cur_len = len;
            continue;
        }
        // One overlong line: cut it by characters, not inside an entity.
        let mut piece = String::new();
        let mut piece_len = 0;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            let mut unit = c.to_string();
            if c == '&' {
                while let Some(&n) = chars.peek() {
                    unit.push(n);
                    chars.next();
                    if n == ';' || unit.len() > 8 {
                        break;
                    }
                }
            }
            let ul = utf16_len(&unit);
            if piece_len + ul > limit {
                parts.push(std::mem::take(&mut piece));
                piece_len = 0;
            }
            piece.push_str(&unit);
            piece_len += ul;
        }
        cur = piece;
        cur_len = piece_len;
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    for p in &mut parts {
        while p.ends_with('\n') {
            p.pop();
        }
    }
    parts.retain(|p| !p.trim().is_empty());
    if parts.is_empty() {
        parts.push(String::from("…"));
    }
    parts
}

/// The reply's options as (id, title).
fn options(reply: &Reply) -> Vec<(&str, &str)> {
    reply
        .options
        .iter()
        .map(|o| (o.id.as_str(), o.title.as_str()))
        .collect()
}

/// The calculation's breakdown, for results.
fn breakdown(reply: &Reply) -> Option<String> {
    reply.result.as_ref().map(|r| r.to_text())
}

/// The body of a reply as HTML: the core's text, the calculation's breakdown for results, and
/// the entry an answer is based on.
pub fn body_html(reply: &Reply) -> String {
    let mut html = String::new();
    match (&reply.kind, breakdown(reply)) {
        (ReplyKind::Result, Some(breakdown)) => {
            let text = reply.text.trim();
            if !text.is_empty() && !text.contains(breakdown.trim()) {
                html.push_str(&escape_html(text));
                html.push_str("\n\n");
            }
            let shown = if text.contains(breakdown.trim()) {
                text.to_string()
            } else {
                breakdown
            };
            for (i, line) in shown.lines().enumerate() {
                let esc = escape_html(line);
                // The title line (【…】) and the total stand out.
                if (i == 0 && line.starts_with('【')) || line.starts_with("合计") {
                    html.push_str(&format!("<b>{esc}</b>\n"));
                } else {
                    html.push_str(&esc);
                    html.push('\n');
                }
            }
        }
        _ => {
            html.push_str(&escape_html(reply.text.trim_end()));
            if reply.kind == ReplyKind::Answer {
                if let Some(s) = reply.sources.first() {
                    html.push_str(&format!(
                        "\n\n<i>参考条目：{}</i>",
                        escape_html(s.title.trim())
                    ));
                }
            }
        }
    }
    html.trim_end().to_string()
}

/// The reply's options as buttons: short titles two to a row, longer ones one to a row.
pub fn buttons(reply: &Reply, keys: &CallbackKeys) -> Vec<Vec<Button>> {
    let mut rows: Vec<Vec<Button>> = Vec::new();
    let short = options(reply)
        .iter()
        .all(|(_, title)| title.chars().count() <= 8);
    for (id, title) in options(reply) {
        let b = Button {
            text: title.to_string(),
            data: keys.encode(id),
        };
        match rows.last_mut() {
            Some(row) if short && row.len() < 2 => row.push(b),
            _ => rows.push(vec![b]),
        }
    }
    rows
}

/// A whole reply as the messages to send, in order.
pub fn render(reply: &Reply, keys: &CallbackKeys) -> Vec<Outgoing> {
    let mut parts: Vec<Outgoing> = split_message(&body_html(reply), MAX_MESSAGE_UTF16)
        .into_iter()
        .map(|html| Outgoing {
            html,
            buttons: vec![],
        })
        .collect();
    if let Some(last) = parts.last_mut() {
        last.buttons = buttons(reply, keys);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{ReplyOption, SourceRef};

    #[test]
    fn escapes_html_reserved_characters() {
        assert_eq!(escape_html("a<b>&c"), "a&lt;b&gt;&amp;c");
        let r = Reply::new(ReplyKind::Info, "<script>&");
        assert_eq!(body_html(&r), "&lt;script&gt;&amp;");
    }

    #[test]
    fn splits_at_line_boundaries_under_the_limit() {
        let line = "补缴".repeat(10); // 20 units
        let text = [line.as_str(); 10].join("\n");
        let parts = split_message(&text, 50);
        assert!(parts.len() > 1);
        for p in &parts {
            assert!(utf16_len(p) <= 50, "{p}");
            assert!(p.split('\n').all(|l| l == line), "cut inside a line: {p:?}");
        }
        assert_eq!(parts.join("\n"), text);
    }

    #[test]
    fn cuts_overlong_lines_between_characters_not_inside_entities() {
        let text = "&amp;".repeat(30);
        let parts = split_message(&text, 17);
        for p in &parts {
            assert!(utf16_len(p) <= 17);
            assert!(p.starts_with("&amp;") && p.ends_with("&amp;"), "{p}");
        }
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn counts_utf16_units_for_emoji() {
        let text = "😀".repeat(30); // 60 units
        let parts = split_message(&text, 20);
        assert_eq!(parts.len(), 3);
    }

    #[test]
    fn long_reply_keeps_buttons_on_the_last_part() {
        let mut r = Reply::new(ReplyKind::Clarify, "第一行\n".repeat(2000));
        r.options = vec![ReplyOption {
            id: "entry:a".into(),
            title: "选项一".into(),
        }];
        let out = render(&r, &CallbackKeys::default());
        assert!(out.len() >= 2);
        assert!(out[..out.len() - 1].iter().all(|o| o.buttons.is_empty()));
        assert_eq!(out.last().unwrap().buttons[0][0].data, "entry:a");
        for o in &out {
            assert!(utf16_len(&o.html) <= MAX_MESSAGE_UTF16);
        }
    }

    #[test]
    fn answers_name_their_entry() {
        let mut r = Reply::new(ReplyKind::Answer, "由兼并方补缴。\n依据：规程");
        r.sources.push(SourceRef {
            id: "merged".into(),
            title: "兼并<后>".into(),
            score: 0.9,
        });
        let html = body_html(&r);
        assert!(html.contains("依据：规程"));
        assert!(html.ends_with("<i>参考条目：兼并&lt;后&gt;</i>"));
    }

    #[test]
    fn short_options_pair_up_long_ones_stand_alone() {
        let mut r = Reply::new(ReplyKind::Ask, "哪一档？");
        r.options = ["最低档", "中档", "最高档"]
            .iter()
            .map(|t| ReplyOption {
                id: format!("say:{t}"),
                title: t.to_string(),
            })
            .collect();
        let rows = buttons(&r, &CallbackKeys::default());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].len(), 2);
        r.options[0].title = "一个很长很长的按钮标题文字".into();
        assert_eq!(buttons(&r, &CallbackKeys::default()).len(), 3);
    }
}
