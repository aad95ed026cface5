//! Line-oriented JSON loops for scripts: one JSON object in per line, one reply out per line.

use crate::answer::Reply;
use std::io::{BufRead, Write};

/// The shared loop: one JSON object per line in, one reply per line out (flushed per line), so
/// output line N is always the reply to input line N. Lines that are blank, not UTF-8 or not JSON
/// get an error reply; `reply` handles the parsed object.
fn jsonl_loop(
    input: impl BufRead,
    mut output: impl Write,
    mut reply: impl FnMut(&serde_json::Value) -> Reply,
) -> std::io::Result<()> {
    for line in input.split(b'\n') {
        let line = line?;
        let r = match std::str::from_utf8(&line) {
            Err(_) => Reply::error("输入不是有效的 UTF-8 文本。"),
            // Output line N answers input line N, so a blank line gets a reply too.
            Ok(s) if s.trim().is_empty() => Reply::error("空行：请每行输入一个 JSON 对象。"),
            Ok(s) => match serde_json::from_str::<serde_json::Value>(s) {
                Err(e) => Reply::error(&format!("输入不是有效的 JSON：{e}")),
                Ok(v) => reply(&v),
            },
        };
        serde_json::to_writer(&mut output, &r)?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
    Ok(())
}

/// Read `{"text": "..."}` per line and write one reply per line. A line that is not valid UTF-8 or
/// JSON, or has no `text`, gets an error reply and the loop continues.
pub fn ask_jsonl(
    input: impl BufRead,
    output: impl Write,
    mut ask: impl FnMut(&str) -> Reply,
) -> std::io::Result<()> {
    jsonl_loop(input, output, |v| {
        match v.get("text").and_then(|t| t.as_str()) {
            Some(text) => ask(text),
            None => Reply::error("缺少字符串字段 \"text\"。"),
        }
    })
}

/// Read `{"session": "...", "text": "..."}` per line and write one reply per line. Sessions are
/// independent and may interleave freely; bad lines get an error reply.
pub fn chat_jsonl(
    input: impl BufRead,
    output: impl Write,
    mut handle: impl FnMut(&str, &str) -> Reply,
) -> std::io::Result<()> {
    jsonl_loop(input, output, |v| {
        match (
            v.get("session").and_then(|t| t.as_str()),
            v.get("text").and_then(|t| t.as_str()),
        ) {
            (Some(session), Some(text)) if !session.trim().is_empty() => handle(session, text),
            _ => Reply::error("需要字符串字段 \"session\"（非空）和 \"text\"。"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::ReplyKind;

    #[test]
    fn bad_lines_get_errors_and_the_loop_continues() {
        let input: &[u8] = b"{\"text\":\"a\"}\nnot json\n\xff\xfe\n{\"x\":1}\n\n{\"text\":\"b\"}\n";
        let mut out = Vec::new();
        ask_jsonl(input, &mut out, |t| Reply::new(ReplyKind::Answer, t)).unwrap();
        let replies: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let kinds: Vec<ReplyKind> = replies
            .iter()
            .map(|r| serde_json::from_value(r["kind"].clone()).unwrap())
            .collect();
        assert_eq!(
            kinds,
            vec![
                ReplyKind::Answer,
                ReplyKind::Error,
                ReplyKind::Error,
                ReplyKind::Error,
                ReplyKind::Error,
                ReplyKind::Answer
            ]
        );
        assert_eq!(replies[5]["text"], "b");
    }
}
