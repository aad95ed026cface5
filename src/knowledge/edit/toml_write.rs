//! Format-preserving edits of one TOML table (a `[[faq]]` entry or an article's front matter).
//!
//! Only the keys whose value changed are rewritten, in the corpus's own style (basic strings,
//! the answer as a `"""` block, similar questions one per line); every other key keeps its bytes,
//! comments and position, so a change is a small diff a reviewer can read in git.

use super::record::{FieldValue, Style};
use toml_edit::{Array, Item, Table, Value};

/// A string as a TOML basic string: `"`, `\` and control characters escaped, the rest as is.
pub(crate) fn basic_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A multi-line answer as `"""\n…\n"""`. Backslashes and control characters other than newline
/// and tab are escaped, and a quote next to another quote, so no `"""` can end the block early.
pub(crate) fn text_block(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::from("\"\"\"\n");
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '"' if (i > 0 && chars[i - 1] == '"') || chars.get(i + 1) == Some(&'"') => {
                out.push_str("\\\"")
            }
            '\\' => out.push_str("\\\\"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str("\n\"\"\"");
    out
}

/// The TOML text of a value in the field's style.
fn repr(value: &FieldValue, style: Style) -> Option<String> {
    Some(match (value, style) {
        (FieldValue::Absent, _) => return None,
        (FieldValue::Str(s), Style::Text) => text_block(s),
        (FieldValue::Str(s), _) => basic_string(s),
        (FieldValue::List(items), Style::Lines) if !items.is_empty() => {
            let mut out = String::from("[\n");
            for i in items {
                out.push_str("  ");
                out.push_str(&basic_string(i));
                out.push_str(",\n");
            }
            out.push(']');
            out
        }
        (FieldValue::List(items), _) => {
            let inner: Vec<String> = items.iter().map(|i| basic_string(i)).collect();
            format!("[{}]", inner.join(", "))
        }
    })
}

fn parse_value(text: &str) -> Value {
    // The text comes from `repr`, which writes valid TOML for any input string.
    text.parse::<Value>()
        .unwrap_or_else(|_| Value::from(text.to_string()))
}

/// Whether an absent key stays absent for this value (an empty optional list, a missing
/// optional scalar).
fn omit_when_absent(value: &FieldValue, style: Style) -> bool {
    match value {
        FieldValue::Absent => true,
        FieldValue::List(l) => l.is_empty() && style == Style::OptionalInline,
        FieldValue::Str(_) => false,
    }
}

/// Applies `new` onto `table`, where `old` is what the table held (read by the same field list):
/// unchanged fields are not touched; a changed one is rewritten in its style keeping the key's
/// decoration; a new key is placed in `order`; an optional key whose value became empty goes.
pub(crate) fn apply_fields(
    table: &mut Table,
    order: &[(&str, Style)],
    old: &[(&'static str, FieldValue)],
    new: &[(&'static str, FieldValue)],
) {
    let mut inserted = false;
    for (name, value) in new {
        let Some(style) = order.iter().find(|(n, _)| n == name).map(|(_, s)| *s) else {
            continue;
        };
        let before = old.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        let present = table.contains_key(name);
        if before == Some(value) && (present || omit_when_absent(value, style)) {
            continue;
        }
        let remove = match value {
            FieldValue::Absent => true,
            FieldValue::List(l) => l.is_empty() && style == Style::OptionalInline,
            FieldValue::Str(_) => false,
        };
        if remove {
            table.remove(name);
            continue;
        }
        let Some(text) = repr(value, style) else {
            continue;
        };
        let mut v = parse_value(&text);
        match table.get_mut(name) {
            Some(Item::Value(old_value)) => {
                let decor = old_value.decor().clone();
                *v.decor_mut() = decor;
                *old_value = v;
            }
            Some(item) => *item = Item::Value(v),
            None => {
                table.insert(name, Item::Value(v));
                inserted = true;
            }
        }
    }
    if inserted {
        reorder(table, order);
    }
}

/// Rebuilds the table with its keys in `order` (unknown keys last), keeping every key's and
/// value's decoration and the table's own.
fn reorder(table: &mut Table, order: &[(&str, Style)]) {
    let mut out = Table::new();
    *out.decor_mut() = table.decor().clone();
    if let Some(p) = table.position() {
        out.set_position(p);
    }
    let mut names: Vec<String> = order
        .iter()
        .map(|(n, _)| n.to_string())
        .filter(|n| table.contains_key(n))
        .collect();
    for (k, _) in table.iter() {
        if !names.iter().any(|n| n == k) {
            names.push(k.to_string());
        }
    }
    for n in names {
        if let Some((key, item)) = table.get_key_value(&n) {
            out.insert_formatted(key, item.clone());
        }
    }
    *table = out;
}

/// A new table holding `fields` in order, in the corpus style; `prefix` goes before its header
/// (a blank line between entries; a new file's header comment).
pub(crate) fn new_table(
    order: &[(&str, Style)],
    fields: &[(&'static str, FieldValue)],
    prefix: &str,
) -> Table {
    let mut t = Table::new();
    t.decor_mut().set_prefix(prefix);
    t.decor_mut().set_suffix("");
    for (name, style) in order {
        let Some((_, value)) = fields.iter().find(|(n, _)| n == name) else {
            continue;
        };
        if omit_when_absent(value, *style) {
            continue;
        }
        if let Some(text) = repr(value, *style) {
            t.insert(name, Item::Value(parse_value(&text)));
        }
    }
    t
}

/// A string field of a table (empty when absent or not a string).
pub(crate) fn get_str(table: &Table, key: &str) -> String {
    table
        .get(key)
        .and_then(Item::as_str)
        .unwrap_or_default()
        .to_string()
}

/// An optional string field.
pub(crate) fn get_opt_str(table: &Table, key: &str) -> Option<String> {
    table.get(key).and_then(Item::as_str).map(str::to_string)
}

/// A list of strings (empty when absent; non-string items are skipped, the loader reports them).
pub(crate) fn get_list(table: &Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(Item::as_array)
        .map(|a: &Array| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_through_toml() {
        for s in [
            "普通文字",
            "带\"引号\"和\\反斜杠",
            "tab\there",
            "换行\n第二行",
            "ctl\u{1}x",
        ] {
            let v: Value = basic_string(s).parse().unwrap();
            assert_eq!(v.as_str(), Some(s));
        }
        for s in [
            "一行",
            "两行\n第二行",
            "结尾引号\"",
            "三个引号\"\"\"中间",
            "\\d",
        ] {
            // The block ends with a newline before the closing quotes; the loader trims it.
            let v: Value = text_block(s).parse().unwrap();
            assert_eq!(
                v.as_str(),
                Some(format!("{s}\n").as_str()),
                "{}",
                text_block(s)
            );
        }
    }

    #[test]
    fn a_changed_field_keeps_the_others_bytes() {
        let src = "[[faq]]\nid = \"a\"  # keep me\nquestion = 'literal'\nstatus = \"draft\"\n";
        let mut doc: toml_edit::DocumentMut = src.parse().unwrap();
        let t = doc["faq"]
            .as_array_of_tables_mut()
            .unwrap()
            .get_mut(0)
            .unwrap();
        let order = [
            ("id", Style::Str),
            ("question", Style::Str),
            ("expires", Style::OptionalStr),
            ("status", Style::Str),
        ];
        let old = vec![
            ("id", FieldValue::Str("a".into())),
            ("question", FieldValue::Str("literal".into())),
            ("expires", FieldValue::Absent),
            ("status", FieldValue::Str("draft".into())),
        ];
        let mut new = old.clone();
        new[2].1 = FieldValue::Str("2026-06-30".into());
        new[3].1 = FieldValue::Str("published".into());
        apply_fields(t, &order, &old, &new);
        assert_eq!(
            doc.to_string(),
            "[[faq]]\nid = \"a\"  # keep me\nquestion = 'literal'\nexpires = \"2026-06-30\"\nstatus = \"published\"\n"
        );
    }
}
