//! The records store in one SQLite file — the embedded default (`records.sqlite3` in the data dir).
//!
//! A single instance needs no database server to keep its editorial records. rusqlite is
//! synchronous, so every call runs on tokio's blocking pool over one connection behind a mutex
//! (WAL, `synchronous = NORMAL`). The layout's version is `PRAGMA user_version`; a file written by
//! a newer layout is refused rather than dropped, because these are editors' records, not
//! throw-away sessions.

use super::*;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

const CREATE_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS feedback (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms     INTEGER NOT NULL,
        channel   TEXT    NOT NULL,
        entry     TEXT,
        kind      TEXT,
        useful    INTEGER NOT NULL,
        question  TEXT,
        comment   TEXT
    );
    CREATE INDEX IF NOT EXISTS feedback_at ON feedback (at_ms);
    CREATE TABLE IF NOT EXISTS day_counts (
        day    TEXT    NOT NULL,
        kind   TEXT    NOT NULL,
        entry  TEXT    NOT NULL,
        n      INTEGER NOT NULL,
        PRIMARY KEY (day, kind, entry)
    );
    CREATE TABLE IF NOT EXISTS unanswered_groups (
        key            TEXT    PRIMARY KEY NOT NULL,
        text           TEXT    NOT NULL,
        status         TEXT    NOT NULL,
        entry          TEXT,
        reason         TEXT,
        resolved_by    TEXT,
        resolved_at_ms INTEGER,
        created_at_ms  INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS unanswered (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        group_key  TEXT    NOT NULL,
        at_ms      INTEGER NOT NULL,
        channel    TEXT    NOT NULL,
        kind       TEXT    NOT NULL,
        text       TEXT    NOT NULL,
        candidates TEXT    NOT NULL,
        entry      TEXT
    );
    CREATE INDEX IF NOT EXISTS unanswered_group ON unanswered (group_key);
    CREATE INDEX IF NOT EXISTS unanswered_at ON unanswered (at_ms);
    CREATE TABLE IF NOT EXISTS audit (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms          INTEGER NOT NULL,
        who            TEXT    NOT NULL,
        action         TEXT    NOT NULL,
        target_kind    TEXT    NOT NULL,
        target_id      TEXT    NOT NULL,
        version_before TEXT,
        version_after  TEXT,
        before         TEXT,
        after          TEXT,
        reason         TEXT
    );
    CREATE INDEX IF NOT EXISTS audit_target ON audit (target_kind, target_id, seq);
    CREATE TABLE IF NOT EXISTS drafts (
        target_kind  TEXT    NOT NULL,
        target_id    TEXT    NOT NULL,
        body         TEXT    NOT NULL,
        base_version TEXT,
        saved_by     TEXT    NOT NULL,
        saved_at_ms  INTEGER NOT NULL,
        PRIMARY KEY (target_kind, target_id)
    );
";

/// The editorial records in an SQLite file.
pub struct SqliteRecords {
    conn: Arc<Mutex<Connection>>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for SqliteRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteRecords")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

pub(super) fn sql(e: rusqlite::Error) -> Error {
    Error::Other(format!("records store (sqlite): {e}"))
}

impl SqliteRecords {
    /// Open (or create) the database at `path`.
    pub async fn open(path: impl Into<PathBuf>) -> Result<Self> {
        Self::open_migrating(path.into(), None).await
    }

    /// Open (or create) the database at `path`; when `legacy` names an old `feedback.sqlite3`,
    /// copy its verdicts in (their hashed session ids are not copied) and rename it to
    /// `feedback.sqlite3.migrated`.
    pub async fn open_migrating(path: PathBuf, legacy: Option<PathBuf>) -> Result<Self> {
        tokio::task::spawn_blocking(move || Self::open_blocking(&path, legacy.as_deref()))
            .await
            .map_err(|e| Error::Other(format!("opening the records store panicked: {e}")))?
    }

    fn open_blocking(path: &Path, legacy: Option<&Path>) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(sql)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(sql)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), %mode, "SQLite refused WAL mode for the records store");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql)?;
        init_schema(&mut conn)?;
        if let Some(old) = legacy.filter(|p| p.exists()) {
            migrate_legacy_feedback(&mut conn, old)?;
        }
        tracing::info!(path = %path.display(), "opened SQLite records store");
        Ok(SqliteRecords {
            conn: Arc::new(Mutex::new(conn)),
            path: Some(path.to_owned()),
        })
    }

    /// A private in-memory database (bots built in tests, `Bot::new`). Needs no runtime.
    pub fn in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory().map_err(sql)?;
        init_schema(&mut conn)?;
        Ok(SqliteRecords {
            conn: Arc::new(Mutex::new(conn)),
            path: None,
        })
    }

    /// The database file (None in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Run `f` on the connection in tokio's blocking pool.
    async fn run<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Other(format!("records store task failed: {e}")))?
    }
}

fn init_schema(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let found: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sql)?;
    if found > SCHEMA_VERSION {
        return Err(Error::Other(format!(
            "records store: the file has layout version {found}, this build knows up to \
             {SCHEMA_VERSION}; run the newer build or move the file away"
        )));
    }
    tx.execute_batch(CREATE_SCHEMA).map_err(sql)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(sql)?;
    tx.commit().map_err(sql)
}

/// Copy an old `feedback.sqlite3`'s verdicts (not its hashed sessions) and rename the file.
fn migrate_legacy_feedback(conn: &mut Connection, old: &Path) -> Result<()> {
    let legacy = Connection::open_with_flags(old, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sql)?;
    let mut rows = Vec::new();
    {
        let mut stmt = legacy
            .prepare("SELECT at, entry, kind, useful, question, comment FROM feedback ORDER BY id")
            .map_err(sql)?;
        let mapped = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(sql)?;
        for row in mapped {
            rows.push(row.map_err(sql)?);
        }
    }
    drop(legacy);
    let tx = conn.transaction().map_err(sql)?;
    for (at, entry, kind, useful, question, comment) in &rows {
        let at_ms = DateTime::parse_from_rfc3339(at)
            .map(|t| t.timestamp_millis())
            .unwrap_or(0);
        tx.execute(
            "INSERT INTO feedback (at_ms, channel, entry, kind, useful, question, comment)
             VALUES (?1, 'unknown', ?2, ?3, ?4, ?5, ?6)",
            params![
                at_ms,
                entry,
                kind,
                useful,
                question.as_deref().map(clean_text),
                comment.as_deref().map(clean_text)
            ],
        )
        .map_err(sql)?;
    }
    tx.commit().map_err(sql)?;
    let mut done = old.as_os_str().to_owned();
    done.push(".migrated");
    std::fs::rename(old, &done).map_err(|e| Error::io(old, e))?;
    tracing::info!(rows = rows.len(), from = %old.display(), "records: migrated the old feedback file");
    Ok(())
}

/// File an unanswered question under its group (an existing near-duplicate or a new one).
fn insert_unanswered(
    tx: &Transaction<'_>,
    at_ms: i64,
    channel: &str,
    kind: &str,
    text: &str,
    candidates: &[(String, f32)],
    entry: Option<&str>,
) -> Result<()> {
    let groups: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare_cached("SELECT key, text FROM unanswered_groups")
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql)?
    };
    let key = match find_group(text, groups.iter().map(|(k, t)| (k.as_str(), t.as_str()))) {
        Some(k) => k,
        None => {
            let k = group_key(text);
            tx.execute(
                "INSERT OR IGNORE INTO unanswered_groups (key, text, status, created_at_ms)
                 VALUES (?1, ?2, 'open', ?3)",
                params![k, text, at_ms],
            )
            .map_err(sql)?;
            k
        }
    };
    tx.execute(
        "INSERT INTO unanswered (group_key, at_ms, channel, kind, text, candidates, entry)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            key,
            at_ms,
            channel,
            kind,
            text,
            candidates_json(candidates),
            entry
        ],
    )
    .map_err(sql)?;
    Ok(())
}

fn json_text(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

fn parse_json(s: Option<String>) -> Result<Option<serde_json::Value>> {
    s.map(|s| {
        serde_json::from_str(&s)
            .map_err(|e| Error::Other(format!("records store: stored JSON is damaged: {e}")))
    })
    .transpose()
}

type AuditRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const AUDIT_COLUMNS: &str = "seq, at_ms, who, action, target_kind, target_id, version_before, \
                             version_after, before, after, reason";

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn audit_entry(row: AuditRow) -> Result<AuditEntry> {
    let (seq, at_ms, who, action, kind, id, vb, va, before, after, reason) = row;
    Ok(AuditEntry {
        seq,
        record: AuditRecord {
            at: from_ms(at_ms),
            who,
            action: action.parse()?,
            target_kind: kind.parse()?,
            target_id: id,
            version_before: vb,
            version_after: va,
            before: parse_json(before)?,
            after: parse_json(after)?,
            reason,
        },
    })
}

type DraftRow = (String, String, String, Option<String>, String, i64);

fn draft_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn draft(row: DraftRow) -> Result<Draft> {
    let (kind, id, body, base, by, at) = row;
    Ok(Draft {
        target_kind: kind.parse()?,
        target_id: id,
        body: parse_json(Some(body))?.unwrap_or_default(),
        base_version: base,
        by,
        saved_at: from_ms(at),
    })
}

#[async_trait]
impl RecordStore for SqliteRecords {
    async fn record_feedback(&self, f: FeedbackRecord) -> Result<()> {
        self.run(move |conn| {
            let at_ms = to_ms(&f.at);
            let question = f.question.as_deref().map(clean_text);
            let comment = f.comment.as_deref().map(clean_text);
            let tx = conn.transaction().map_err(sql)?;
            tx.execute(
                "INSERT INTO feedback (at_ms, channel, entry, kind, useful, question, comment)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![at_ms, f.channel, f.entry, f.kind, f.useful, question, comment],
            )
            .map_err(sql)?;
            if let Some(q) = question.filter(|q| !f.useful && !q.is_empty()) {
                insert_unanswered(
                    &tx,
                    at_ms,
                    &f.channel,
                    "not_useful",
                    &q,
                    &[],
                    f.entry.as_deref(),
                )?;
            }
            tx.commit().map_err(sql)
        })
        .await
    }

    async fn feedback_summary(&self) -> Result<Summary> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT entry, useful, COUNT(*) FROM feedback GROUP BY entry, useful",
                )
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
                s.add(entry.as_deref(), useful, n.max(0) as u64);
            }
            Ok(s)
        })
        .await
    }

    async fn record_turn(&self, t: TurnRecord) -> Result<()> {
        self.run(move |conn| {
            let at_ms = to_ms(&t.at);
            let day = china_day(&t.at).to_string();
            let tx = conn.transaction().map_err(sql)?;
            // Every turn passes here: the statement is parsed once per connection, not per turn.
            tx.prepare_cached(
                "INSERT INTO day_counts (day, kind, entry, n) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (day, kind, entry) DO UPDATE SET n = n + 1",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![day, t.kind, t.entry.as_deref().unwrap_or("")])
            })
            .map_err(sql)?;
            if t.unanswered() {
                let text = clean_text(t.text.as_deref().unwrap_or_default());
                if !text.is_empty() {
                    insert_unanswered(&tx, at_ms, &t.channel, &t.kind, &text, &t.candidates, None)?;
                }
            }
            tx.commit().map_err(sql)
        })
        .await
    }

    async fn unanswered(&self, filter: UnansweredFilter) -> Result<Vec<UnansweredGroup>> {
        self.run(move |conn| {
            let status = filter.status.map(|s| s.as_str());
            let groups = {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT key, text, status, entry, reason, resolved_by, resolved_at_ms
                         FROM unanswered_groups WHERE ?1 IS NULL OR status = ?1",
                    )
                    .map_err(sql)?;
                let rows = stmt
                    .query_map([status], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                        ))
                    })
                    .map_err(sql)?;
                let mut out = Vec::new();
                for row in rows {
                    let (key, text, status, entry, reason, resolved_by, resolved_at_ms) =
                        row.map_err(sql)?;
                    out.push(GroupRow {
                        key,
                        text,
                        status: status.parse()?,
                        entry,
                        reason,
                        resolved_by,
                        resolved_at_ms,
                    });
                }
                out
            };
            let rows = {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT u.group_key, u.at_ms, u.channel, u.kind, u.text, u.candidates, u.entry
                         FROM unanswered u JOIN unanswered_groups g ON g.key = u.group_key
                         WHERE ?1 IS NULL OR g.status = ?1",
                    )
                    .map_err(sql)?;
                let rows = stmt
                    .query_map([status], |r| {
                        Ok(UnansweredRow {
                            group: r.get(0)?,
                            at_ms: r.get(1)?,
                            channel: r.get(2)?,
                            kind: r.get(3)?,
                            text: r.get(4)?,
                            candidates: parse_candidates(&r.get::<_, String>(5)?),
                            entry: r.get(6)?,
                        })
                    })
                    .map_err(sql)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql)?
            };
            Ok(assemble_groups(groups, rows, filter.limit))
        })
        .await
    }

    async fn resolve_unanswered(
        &self,
        key: &str,
        resolution: Resolution,
        by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<bool> {
        let (key, by) = (key.to_string(), by.to_string());
        self.run(move |conn| {
            let (status, entry, reason) = match resolution {
                Resolution::Attached { entry } => (UnansweredStatus::Attached, Some(entry), None),
                Resolution::Dismissed { reason } => {
                    (UnansweredStatus::Dismissed, None, Some(reason))
                }
            };
            let n = conn
                .execute(
                    "UPDATE unanswered_groups SET status = ?2, entry = ?3, reason = ?4,
                         resolved_by = ?5, resolved_at_ms = ?6 WHERE key = ?1",
                    params![key, status.as_str(), entry, reason, by, to_ms(&at)],
                )
                .map_err(sql)?;
            Ok(n > 0)
        })
        .await
    }

    async fn stats(&self, days: u32, today: NaiveDate) -> Result<Stats> {
        let from = window_start(days, today);
        self.run(move |conn| {
            let counts = {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT day, kind, entry, n FROM day_counts WHERE day >= ?1 AND day <= ?2",
                    )
                    .map_err(sql)?;
                let rows = stmt
                    .query_map(params![from.to_string(), today.to_string()], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                        ))
                    })
                    .map_err(sql)?;
                let mut out = Vec::new();
                for row in rows {
                    let (day, kind, entry, n) = row.map_err(sql)?;
                    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|e| {
                        Error::Other(format!("records store: bad day {day:?} in day_counts: {e}"))
                    })?;
                    out.push((day, kind, entry, n.max(0) as u64));
                }
                out
            };
            let start_ms = to_ms(
                &from
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_local_timezone(crate::china_time::offset())
                    .single()
                    .unwrap_or_default(),
            );
            let feedback = {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT entry, useful, COUNT(*) FROM feedback
                         WHERE entry IS NOT NULL AND at_ms >= ?1 GROUP BY entry, useful",
                    )
                    .map_err(sql)?;
                let rows = stmt
                    .query_map([start_ms], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, bool>(1)?,
                            r.get::<_, i64>(2)?.max(0) as u64,
                        ))
                    })
                    .map_err(sql)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql)?
            };
            Ok(assemble_stats(from, today, counts, feedback))
        })
        .await
    }

    async fn append_audit(&self, r: AuditRecord) -> Result<i64> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO audit (at_ms, who, action, target_kind, target_id, version_before,
                                    version_after, before, after, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    to_ms(&r.at),
                    r.who,
                    r.action.as_str(),
                    r.target_kind.as_str(),
                    r.target_id,
                    r.version_before,
                    r.version_after,
                    json_text(&r.before),
                    json_text(&r.after),
                    r.reason
                ],
            )
            .map_err(sql)?;
            Ok(conn.last_insert_rowid())
        })
        .await
    }

    async fn audit(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>> {
        self.run(move |conn| {
            let (kind, id) = match &filter.target {
                Some((k, id)) => (Some(k.as_str()), Some(id.clone())),
                None => (None, None),
            };
            let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit
                     WHERE (?1 IS NULL OR (target_kind = ?1 AND target_id = ?2))
                       AND (?3 IS NULL OR seq < ?3)
                     ORDER BY seq DESC LIMIT ?4"
                ))
                .map_err(sql)?;
            let rows = stmt
                .query_map(params![kind, id, filter.before_seq, limit], audit_row)
                .map_err(sql)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(audit_entry(row.map_err(sql)?)?);
            }
            Ok(out)
        })
        .await
    }

    async fn audit_with_version_after(
        &self,
        kind: TargetKind,
        id: &str,
        version: &str,
    ) -> Result<Option<AuditEntry>> {
        let (id, version) = (id.to_string(), version.to_string());
        self.run(move |conn| {
            let row = conn
                .prepare_cached(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit
                     WHERE target_kind = ?1 AND target_id = ?2 AND version_after = ?3
                     ORDER BY seq DESC LIMIT 1"
                ))
                .map_err(sql)?
                .query_row(params![kind.as_str(), id, version], audit_row)
                .optional()
                .map_err(sql)?;
            row.map(audit_entry).transpose()
        })
        .await
    }

    async fn save_draft(&self, d: Draft) -> Result<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO drafts (target_kind, target_id, body, base_version, saved_by, saved_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (target_kind, target_id) DO UPDATE SET body = excluded.body,
                     base_version = excluded.base_version, saved_by = excluded.saved_by,
                     saved_at_ms = excluded.saved_at_ms",
                params![
                    d.target_kind.as_str(),
                    d.target_id,
                    d.body.to_string(),
                    d.base_version,
                    d.by,
                    to_ms(&d.saved_at)
                ],
            )
            .map_err(sql)?;
            Ok(())
        })
        .await
    }

    async fn get_draft(&self, kind: TargetKind, id: &str) -> Result<Option<Draft>> {
        let id = id.to_string();
        self.run(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT target_kind, target_id, body, base_version, saved_by, saved_at_ms
                     FROM drafts WHERE target_kind = ?1 AND target_id = ?2",
                )
                .map_err(sql)?
                .query_row(params![kind.as_str(), id], draft_row)
                .optional()
                .map_err(sql)?;
            row.map(draft).transpose()
        })
        .await
    }

    async fn list_drafts(&self) -> Result<Vec<Draft>> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT target_kind, target_id, body, base_version, saved_by, saved_at_ms
                     FROM drafts ORDER BY saved_at_ms DESC, target_kind, target_id",
                )
                .map_err(sql)?;
            let rows = stmt.query_map([], draft_row).map_err(sql)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(draft(row.map_err(sql)?)?);
            }
            Ok(out)
        })
        .await
    }

    async fn delete_draft(&self, kind: TargetKind, id: &str) -> Result<bool> {
        let id = id.to_string();
        self.run(move |conn| {
            let n = conn
                .execute(
                    "DELETE FROM drafts WHERE target_kind = ?1 AND target_id = ?2",
                    params![kind.as_str(), id],
                )
                .map_err(sql)?;
            Ok(n > 0)
        })
        .await
    }

    async fn purge_older_than(&self, days: u32, now: DateTime<FixedOffset>) -> Result<Purged> {
        let (cut_ms, cut_day) = cutoff(days, now);
        self.run(move |conn| {
            let tx = conn.transaction().map_err(sql)?;
            let n = |sql_text: &str, p: &dyn rusqlite::ToSql| -> Result<u64> {
                Ok(tx.execute(sql_text, [p]).map_err(sql)? as u64)
            };
            let purged = Purged {
                day_counts: n(
                    "DELETE FROM day_counts WHERE day < ?1",
                    &cut_day.to_string(),
                )?,
                unanswered: n("DELETE FROM unanswered WHERE at_ms < ?1", &cut_ms)?,
                feedback: n("DELETE FROM feedback WHERE at_ms < ?1", &cut_ms)?,
                groups: tx
                    .execute(
                        "DELETE FROM unanswered_groups
                         WHERE NOT EXISTS (SELECT 1 FROM unanswered u WHERE u.group_key = key)",
                        [],
                    )
                    .map_err(sql)? as u64,
            };
            tx.commit().map_err(sql)?;
            Ok(purged)
        })
        .await
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }
}
