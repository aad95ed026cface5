//! "有用 / 没用" under an answer: what citizens thought of it, stored and counted so editors can see
//! which entries do not help.
//!
//! [`FeedbackStore`] is a small synchronous trait (callers run it on the blocking pool) with an
//! SQLite implementation (`feedback.sqlite3` in the data dir, table `feedback`) and an in-memory
//! one for tests. Free text is masked before it is stored ([`mask`]): digit runs that could be an
//! ID card, phone or account number, and e-mail addresses never reach the table; session ids are
//! kept only as [`crate::bot::log_id`] hashes.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

/// The feedback database's file name in the data dir.
pub const FILE_NAME: &str = "feedback.sqlite3";

/// Longest question or comment kept, in characters (longer text is cut).
pub const MAX_FEEDBACK_CHARS: usize = 500;

/// One verdict on one reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// Hashed session id ([`crate::bot::log_id`]); empty when none was given.
    pub session: String,
    /// The knowledge entry the reply was based on, if any.
    pub entry: Option<String>,
    /// The reply's kind (`answer`, `result`, …).
    pub kind: Option<String>,
    pub useful: bool,
    /// The citizen's question, masked.
    pub question: Option<String>,
    /// An optional comment, masked.
    pub comment: Option<String>,
    /// When it was given (China time, RFC 3339).
    pub at: String,
}

/// Counts of verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub useful: u64,
    pub not_useful: u64,
}

/// All counts: in total and per entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: Counts,
    pub entries: BTreeMap<String, Counts>,
}

/// Where feedback goes.
pub trait FeedbackStore: Send + Sync {
    fn record(&self, feedback: &Feedback) -> crate::Result<()>;
    fn summary(&self) -> crate::Result<Summary>;
}

/// Feedback kept in memory (tests, `--sessions memory`).
#[derive(Debug, Default)]
pub struct MemoryFeedback {
    items: Mutex<Vec<Feedback>>,
}

impl MemoryFeedback {
    pub fn new() -> Self {
        Self::default()
    }
    /// Everything recorded, in order.
    pub fn items(&self) -> Vec<Feedback> {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl FeedbackStore for MemoryFeedback {
    fn record(&self, feedback: &Feedback) -> crate::Result<()> {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(feedback.clone());
        Ok(())
    }
    fn summary(&self) -> crate::Result<Summary> {
        let mut s = Summary::default();
        for f in self
            .items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            count(&mut s, f.entry.as_deref(), f.useful, 1);
        }
        Ok(s)
    }
}

fn count(s: &mut Summary, entry: Option<&str>, useful: bool, n: u64) {
    if useful {
        s.total.useful += n
    } else {
        s.total.not_useful += n
    }
    if let Some(e) = entry {
        let c = s.entries.entry(e.to_string()).or_default();
        if useful {
            c.useful += n
        } else {
            c.not_useful += n
        }
    }
}

/// Feedback in an SQLite file.
pub struct SqliteFeedback {
    conn: Mutex<Connection>,
}

impl SqliteFeedback {
    /// Open (or create) the database and its table.
    pub fn open(path: &Path) -> crate::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| crate::Error::io(parent, e))?;
        }
        let conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS feedback (
                id        INTEGER PRIMARY KEY AUTOINCREMENT,
                at        TEXT    NOT NULL,
                session   TEXT    NOT NULL,
                entry     TEXT,
                kind      TEXT,
                useful    INTEGER NOT NULL,
                question  TEXT,
                comment   TEXT
            );
            CREATE INDEX IF NOT EXISTS feedback_entry ON feedback (entry);",
        )
        .map_err(sql)?;
        Ok(SqliteFeedback {
            conn: Mutex::new(conn),
        })
    }
}

fn sql(e: rusqlite::Error) -> crate::Error {
    crate::Error::Other(format!("feedback store: {e}"))
}

impl FeedbackStore for SqliteFeedback {
    fn record(&self, f: &Feedback) -> crate::Result<()> {
        self.conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .execute(
                "INSERT INTO feedback (at, session, entry, kind, useful, question, comment)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![f.at, f.session, f.entry, f.kind, f.useful, f.question, f.comment],
            )
            .map_err(sql)?;
        Ok(())
    }

    fn summary(&self) -> crate::Result<Summary> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stmt = conn
            .prepare("SELECT entry, useful, COUNT(*) FROM feedback GROUP BY entry, useful")
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(sql)?;
        let mut s = Summary::default();
        for row in rows {
            let (entry, useful, n) = row.map_err(sql)?;
            count(&mut s, entry.as_deref(), useful, n.max(0) as u64);
        }
        Ok(s)
    }
}

/// Text as it may be stored: digit runs of five or more (ID card, phone, bank and social
/// security numbers, with an ID card's trailing X) become `*`s, e-mail addresses `[email]`, and
/// the text is cut to [`MAX_FEEDBACK_CHARS`].
pub fn mask(text: &str) -> String {
    let cut: String = text.trim().chars().take(MAX_FEEDBACK_CHARS).collect();
    let mut out = String::with_capacity(cut.len());
    for word in split_keep(&cut) {
        if word.contains('@') && word.contains('.') && !word.contains(char::is_whitespace) {
            out.push_str("[email]");
        } else {
            out.push_str(word);
        }
    }
    let chars: Vec<char> = out.chars().collect();
    let mut masked = String::with_capacity(out.len());
    let mut i = 0;
    while i < chars.len() {
        let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
        if digit(chars[i]) {
            let mut j = i;
            while j < chars.len()
                && (digit(chars[j])
                    || ((chars[j] == 'x' || chars[j] == 'X') && j > i)
                    || (chars[j] == '-' || chars[j] == ' ')
                        && j + 1 < chars.len()
                        && digit(chars[j + 1]))
            {
                j += 1;
            }
            let run = &chars[i..j];
            let digits = run.iter().filter(|c| digit(**c)).count();
            if digits >= 5 {
                masked.extend(
                    run.iter()
                        .map(|c| if *c == ' ' || *c == '-' { *c } else { '*' }),
                );
            } else {
                masked.extend(run.iter());
            }
            i = j;
        } else {
            masked.push(chars[i]);
            i += 1;
        }
    }
    masked
}

/// Split into runs of ASCII e-mail-ish characters and everything else, keeping both.
fn split_keep(s: &str) -> Vec<&str> {
    let mailish = |c: char| c.is_ascii_alphanumeric() || "@._%+-".contains(c);
    let mut parts = Vec::new();
    let mut start = 0;
    let mut cur: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let m = mailish(c);
        if cur.is_some_and(|k| k != m) {
            parts.push(&s[start..i]);
            start = i;
        }
        cur = Some(m);
    }
    if start < s.len() {
        parts.push(&s[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_numbers_and_mail_but_keeps_amounts() {
        assert_eq!(mask("欠了3000元，30天"), "欠了3000元，30天");
        assert_eq!(
            mask("我的身份证110101199003071234，电话 138 0013 8000"),
            "我的身份证******************，电话 *** **** ****"
        );
        assert_eq!(
            mask("身份证11010119900307123X号"),
            "身份证******************号"
        );
        assert_eq!(mask("邮箱 zhang.san@example.com 联系"), "邮箱 [email] 联系");
        assert_eq!(mask(&"好".repeat(900)).chars().count(), MAX_FEEDBACK_CHARS);
    }

    #[test]
    fn sqlite_counts_per_entry() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteFeedback::open(&dir.path().join("f.sqlite3")).unwrap();
        let fb = |entry: &str, useful| Feedback {
            session: "web:abc".into(),
            entry: Some(entry.into()),
            kind: Some("answer".into()),
            useful,
            question: Some(mask("问题")),
            comment: None,
            at: "2026-12-07T12:00:00+08:00".into(),
        };
        store.record(&fb("a", true)).unwrap();
        store.record(&fb("a", false)).unwrap();
        store.record(&fb("b", true)).unwrap();
        let s = store.summary().unwrap();
        assert_eq!(
            s.total,
            Counts {
                useful: 2,
                not_useful: 1
            }
        );
        assert_eq!(
            s.entries["a"],
            Counts {
                useful: 1,
                not_useful: 1
            }
        );
    }
}
