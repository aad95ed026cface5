//! The records store in PostgreSQL, for several instances sharing one set of editorial records
//! (`BUJIAO_DB=postgres://…`).
//!
//! `tokio-postgres` through a `deadpool-postgres` pool (eight connections, 5 s to connect or to
//! wait for one). The layout is versioned in table `records_schema`; creating or checking it runs
//! under a transaction-level advisory lock so instances starting together do not race. Tables may
//! live in a named schema (tests give each run its own). Near-duplicate grouping of unanswered
//! questions is decided in Rust with the same function as SQLite's; two instances filing the first
//! two near-duplicates of a new question at the same moment may start two groups (harmless: an
//! editor resolves both).

use super::*;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::{NoTls, Row};

/// Advisory lock key taken while the layout is created or checked ("bujiao-r").
const SCHEMA_LOCK: i64 = 0x6275_6a69_616f_2d72;

const CREATE_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS records_schema (version BIGINT NOT NULL);
    CREATE TABLE IF NOT EXISTS feedback (
        id        BIGSERIAL PRIMARY KEY,
        at_ms     BIGINT  NOT NULL,
        channel   TEXT    NOT NULL,
        entry     TEXT,
        kind      TEXT,
        useful    BOOLEAN NOT NULL,
        question  TEXT,
        comment   TEXT
    );
    CREATE INDEX IF NOT EXISTS feedback_at ON feedback (at_ms);
    CREATE TABLE IF NOT EXISTS day_counts (
        day    TEXT   NOT NULL,
        kind   TEXT   NOT NULL,
        entry  TEXT   NOT NULL,
        n      BIGINT NOT NULL,
        PRIMARY KEY (day, kind, entry)
    );
    CREATE TABLE IF NOT EXISTS unanswered_groups (
        key            TEXT   PRIMARY KEY,
        text           TEXT   NOT NULL,
        status         TEXT   NOT NULL,
        entry          TEXT,
        reason         TEXT,
        resolved_by    TEXT,
        resolved_at_ms BIGINT,
        created_at_ms  BIGINT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS unanswered (
        id         BIGSERIAL PRIMARY KEY,
        group_key  TEXT   NOT NULL,
        at_ms      BIGINT NOT NULL,
        channel    TEXT   NOT NULL,
        kind       TEXT   NOT NULL,
        text       TEXT   NOT NULL,
        candidates TEXT   NOT NULL,
        entry      TEXT
    );
    CREATE INDEX IF NOT EXISTS unanswered_group ON unanswered (group_key);
    CREATE INDEX IF NOT EXISTS unanswered_at ON unanswered (at_ms);
    CREATE TABLE IF NOT EXISTS audit (
        seq            BIGSERIAL PRIMARY KEY,
        at_ms          BIGINT NOT NULL,
        who            TEXT   NOT NULL,
        action         TEXT   NOT NULL,
        target_kind    TEXT   NOT NULL,
        target_id      TEXT   NOT NULL,
        version_before TEXT,
        version_after  TEXT,
        before         TEXT,
        after          TEXT,
        reason         TEXT
    );
    CREATE INDEX IF NOT EXISTS audit_target ON audit (target_kind, target_id, seq);
    CREATE TABLE IF NOT EXISTS drafts (
        target_kind  TEXT   NOT NULL,
        target_id    TEXT   NOT NULL,
        body         TEXT   NOT NULL,
        base_version TEXT,
        saved_by     TEXT   NOT NULL,
        saved_at_ms  BIGINT NOT NULL,
        PRIMARY KEY (target_kind, target_id)
    );
";

/// The editorial records in PostgreSQL.
pub struct PostgresRecords {
    pool: Pool,
    url: String,
}

impl std::fmt::Debug for PostgresRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresRecords")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

pub(crate) fn pg(e: impl std::fmt::Display) -> Error {
    Error::Other(format!("records store (postgres): {e}"))
}

/// Whether `name` may be used as a schema name as it is (lowercase letters, digits, `_`).
fn valid_schema(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Parse a `postgres://` URL into a client configuration with a 5 s connect timeout.
pub(crate) fn parse_config(url: &str) -> Result<tokio_postgres::Config> {
    let mut cfg: tokio_postgres::Config = url.parse().map_err(|e| {
        Error::Other(format!(
            "records store {:?}: not a PostgreSQL URL: {e}",
            crate::session::redact_url(url)
        ))
    })?;
    cfg.connect_timeout(Duration::from_secs(5));
    Ok(cfg)
}

impl PostgresRecords {
    /// Connect to `url` and create or check the layout. With `schema`, the tables live in that
    /// schema (created if missing; lowercase letters, digits and `_` only), else in the
    /// connection's default search path.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self> {
        let mut cfg = parse_config(url)?;
        if let Some(schema) = schema {
            if !valid_schema(schema) {
                return Err(Error::Other(format!(
                    "records store: schema name {schema:?} must be lowercase letters, digits or _"
                )));
            }
            let (client, conn) = cfg.connect(NoTls).await.map_err(pg)?;
            let task = tokio::spawn(conn);
            let made = client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await;
            drop(client);
            let _ = task.await;
            // Another run creating the same schema at the same moment is not a failure.
            if let Err(e) = made {
                if e.code() != Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
                    return Err(pg(e));
                }
            }
            cfg.options(format!("-c search_path={schema}"));
        }
        let manager = Manager::from_config(
            cfg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(8)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(5)))
            .create_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(pg)?;
        let store = PostgresRecords {
            pool,
            url: crate::session::redact_url(url),
        };
        store.init_schema().await?;
        tracing::info!(url = %store.url, "opened PostgreSQL records store");
        Ok(store)
    }

    async fn init_schema(&self) -> Result<()> {
        let mut client = self.pool.get().await.map_err(pg)?;
        let tx = client.transaction().await.map_err(pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await
            .map_err(pg)?;
        tx.batch_execute(CREATE_SCHEMA).await.map_err(pg)?;
        let found: Option<i64> = tx
            .query_opt("SELECT max(version) FROM records_schema", &[])
            .await
            .map_err(pg)?
            .and_then(|r| r.get(0));
        match found {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(Error::Other(format!(
                    "records store: the database has layout version {v}, this build knows up to \
                     {SCHEMA_VERSION}; run the newer build"
                )));
            }
            Some(_) => {
                tx.execute("UPDATE records_schema SET version = $1", &[&SCHEMA_VERSION])
                    .await
                    .map_err(pg)?;
            }
            None => {
                tx.execute(
                    "INSERT INTO records_schema (version) VALUES ($1)",
                    &[&SCHEMA_VERSION],
                )
                .await
                .map_err(pg)?;
            }
        }
        tx.commit().await.map_err(pg)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pg)
    }
}

async fn insert_unanswered(
    tx: &deadpool_postgres::Transaction<'_>,
    at_ms: i64,
    channel: &str,
    kind: &str,
    text: &str,
    candidates: &[(String, f32)],
    entry: Option<&str>,
) -> Result<()> {
    let groups: Vec<(String, String)> = tx
        .query("SELECT key, text FROM unanswered_groups", &[])
        .await
        .map_err(pg)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let key = match find_group(text, groups.iter().map(|(k, t)| (k.as_str(), t.as_str()))) {
        Some(k) => k,
        None => {
            let k = group_key(text);
            tx.execute(
                "INSERT INTO unanswered_groups (key, text, status, created_at_ms)
                 VALUES ($1, $2, 'open', $3) ON CONFLICT (key) DO NOTHING",
                &[&k, &text, &at_ms],
            )
            .await
            .map_err(pg)?;
            k
        }
    };
    tx.execute(
        "INSERT INTO unanswered (group_key, at_ms, channel, kind, text, candidates, entry)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &key,
            &at_ms,
            &channel,
            &kind,
            &text,
            &candidates_json(candidates),
            &entry,
        ],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

fn parse_json(s: Option<String>) -> Result<Option<serde_json::Value>> {
    s.map(|s| {
        serde_json::from_str(&s)
            .map_err(|e| Error::Other(format!("records store: stored JSON is damaged: {e}")))
    })
    .transpose()
}

const AUDIT_COLUMNS: &str = "seq, at_ms, who, action, target_kind, target_id, version_before, \
                             version_after, before, after, reason";

fn audit_entry(r: &Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0),
        record: AuditRecord {
            at: from_ms(r.get(1)),
            who: r.get(2),
            action: r.get::<_, String>(3).parse()?,
            target_kind: r.get::<_, String>(4).parse()?,
            target_id: r.get(5),
            version_before: r.get(6),
            version_after: r.get(7),
            before: parse_json(r.get(8))?,
            after: parse_json(r.get(9))?,
            reason: r.get(10),
        },
    })
}

const DRAFT_COLUMNS: &str = "target_kind, target_id, body, base_version, saved_by, saved_at_ms";

fn draft(r: &Row) -> Result<Draft> {
    Ok(Draft {
        target_kind: r.get::<_, String>(0).parse()?,
        target_id: r.get(1),
        body: parse_json(Some(r.get(2)))?.unwrap_or_default(),
        base_version: r.get(3),
        by: r.get(4),
        saved_at: from_ms(r.get(5)),
    })
}

#[async_trait]
impl RecordStore for PostgresRecords {
    async fn record_feedback(&self, f: FeedbackRecord) -> Result<()> {
        let at_ms = to_ms(&f.at);
        let question = f.question.as_deref().map(clean_text);
        let comment = f.comment.as_deref().map(clean_text);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        tx.execute(
            "INSERT INTO feedback (at_ms, channel, entry, kind, useful, question, comment)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &at_ms, &f.channel, &f.entry, &f.kind, &f.useful, &question, &comment,
            ],
        )
        .await
        .map_err(pg)?;
        if let Some(q) = question.filter(|q| !f.useful && !q.is_empty()) {
            insert_unanswered(
                &tx,
                at_ms,
                &f.channel,
                "not_useful",
                &q,
                &[],
                f.entry.as_deref(),
            )
            .await?;
        }
        tx.commit().await.map_err(pg)
    }

    async fn feedback_summary(&self) -> Result<Summary> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT entry, useful, COUNT(*) FROM feedback GROUP BY entry, useful",
                &[],
            )
            .await
            .map_err(pg)?;
        let mut s = Summary::default();
        for r in rows {
            let n: i64 = r.get(2);
            s.add(
                r.get::<_, Option<String>>(0).as_deref(),
                r.get(1),
                n.max(0) as u64,
            );
        }
        Ok(s)
    }

    async fn record_turn(&self, t: TurnRecord) -> Result<()> {
        let at_ms = to_ms(&t.at);
        let day = china_day(&t.at).to_string();
        let entry = t.entry.clone().unwrap_or_default();
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        tx.execute(
            "INSERT INTO day_counts (day, kind, entry, n) VALUES ($1, $2, $3, 1)
             ON CONFLICT (day, kind, entry) DO UPDATE SET n = day_counts.n + 1",
            &[&day, &t.kind, &entry],
        )
        .await
        .map_err(pg)?;
        if t.unanswered() {
            let text = clean_text(t.text.as_deref().unwrap_or_default());
            if !text.is_empty() {
                insert_unanswered(&tx, at_ms, &t.channel, &t.kind, &text, &t.candidates, None)
                    .await?;
            }
        }
        tx.commit().await.map_err(pg)
    }

    async fn unanswered(&self, filter: UnansweredFilter) -> Result<Vec<UnansweredGroup>> {
        let status = filter.status.map(|s| s.as_str().to_string());
        let client = self.client().await?;
        let mut groups = Vec::new();
        for r in client
            .query(
                "SELECT key, text, status, entry, reason, resolved_by, resolved_at_ms
                 FROM unanswered_groups WHERE $1::TEXT IS NULL OR status = $1",
                &[&status],
            )
            .await
            .map_err(pg)?
        {
            groups.push(GroupRow {
                key: r.get(0),
                text: r.get(1),
                status: r.get::<_, String>(2).parse()?,
                entry: r.get(3),
                reason: r.get(4),
                resolved_by: r.get(5),
                resolved_at_ms: r.get(6),
            });
        }
        let rows = client
            .query(
                "SELECT u.group_key, u.at_ms, u.channel, u.kind, u.text, u.candidates, u.entry
                 FROM unanswered u JOIN unanswered_groups g ON g.key = u.group_key
                 WHERE $1::TEXT IS NULL OR g.status = $1",
                &[&status],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| UnansweredRow {
                group: r.get(0),
                at_ms: r.get(1),
                channel: r.get(2),
                kind: r.get(3),
                text: r.get(4),
                candidates: parse_candidates(r.get(5)),
                entry: r.get(6),
            })
            .collect();
        Ok(assemble_groups(groups, rows, filter.limit))
    }

    async fn resolve_unanswered(
        &self,
        key: &str,
        resolution: Resolution,
        by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<bool> {
        let (status, entry, reason) = match resolution {
            Resolution::Attached { entry } => (UnansweredStatus::Attached, Some(entry), None),
            Resolution::Dismissed { reason } => (UnansweredStatus::Dismissed, None, Some(reason)),
        };
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE unanswered_groups SET status = $2, entry = $3, reason = $4,
                     resolved_by = $5, resolved_at_ms = $6 WHERE key = $1",
                &[&key, &status.as_str(), &entry, &reason, &by, &to_ms(&at)],
            )
            .await
            .map_err(pg)?;
        Ok(n > 0)
    }

    async fn stats(&self, days: u32, today: NaiveDate) -> Result<Stats> {
        let from = window_start(days, today);
        let client = self.client().await?;
        let mut counts = Vec::new();
        for r in client
            .query(
                "SELECT day, kind, entry, n FROM day_counts WHERE day >= $1 AND day <= $2",
                &[&from.to_string(), &today.to_string()],
            )
            .await
            .map_err(pg)?
        {
            let day: String = r.get(0);
            let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|e| {
                Error::Other(format!("records store: bad day {day:?} in day_counts: {e}"))
            })?;
            let n: i64 = r.get(3);
            counts.push((day, r.get(1), r.get(2), n.max(0) as u64));
        }
        let start_ms = to_ms(
            &from
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_local_timezone(crate::china_time::offset())
                .single()
                .unwrap_or_default(),
        );
        let feedback = client
            .query(
                "SELECT entry, useful, COUNT(*) FROM feedback
                 WHERE entry IS NOT NULL AND at_ms >= $1 GROUP BY entry, useful",
                &[&start_ms],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get::<_, i64>(2).max(0) as u64))
            .collect();
        Ok(assemble_stats(from, today, counts, feedback))
    }

    async fn append_audit(&self, r: AuditRecord) -> Result<i64> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO audit (at_ms, who, action, target_kind, target_id, version_before,
                                    version_after, before, after, reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq",
                &[
                    &to_ms(&r.at),
                    &r.who,
                    &r.action.as_str(),
                    &r.target_kind.as_str(),
                    &r.target_id,
                    &r.version_before,
                    &r.version_after,
                    &r.before.as_ref().map(|v| v.to_string()),
                    &r.after.as_ref().map(|v| v.to_string()),
                    &r.reason,
                ],
            )
            .await
            .map_err(pg)?;
        Ok(row.get(0))
    }

    async fn audit(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>> {
        let (kind, id) = match &filter.target {
            Some((k, id)) => (Some(k.as_str().to_string()), Some(id.clone())),
            None => (None, None),
        };
        let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit
                     WHERE ($1::TEXT IS NULL OR (target_kind = $1 AND target_id = $2))
                       AND ($3::BIGINT IS NULL OR seq < $3)
                     ORDER BY seq DESC LIMIT $4"
                ),
                &[&kind, &id, &filter.before_seq, &limit],
            )
            .await
            .map_err(pg)?;
        rows.iter().map(audit_entry).collect()
    }

    async fn audit_with_version_after(
        &self,
        kind: TargetKind,
        id: &str,
        version: &str,
    ) -> Result<Option<AuditEntry>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit
                     WHERE target_kind = $1 AND target_id = $2 AND version_after = $3
                     ORDER BY seq DESC LIMIT 1"
                ),
                &[&kind.as_str(), &id, &version],
            )
            .await
            .map_err(pg)?;
        row.as_ref().map(audit_entry).transpose()
    }

    async fn save_draft(&self, d: Draft) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO drafts (target_kind, target_id, body, base_version, saved_by, saved_at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (target_kind, target_id) DO UPDATE SET body = excluded.body,
                     base_version = excluded.base_version, saved_by = excluded.saved_by,
                     saved_at_ms = excluded.saved_at_ms",
                &[
                    &d.target_kind.as_str(),
                    &d.target_id,
                    &d.body.to_string(),
                    &d.base_version,
                    &d.by,
                    &to_ms(&d.saved_at),
                ],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }

    async fn get_draft(&self, kind: TargetKind, id: &str) -> Result<Option<Draft>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {DRAFT_COLUMNS} FROM drafts WHERE target_kind = $1 AND target_id = $2"
                ),
                &[&kind.as_str(), &id],
            )
            .await
            .map_err(pg)?;
        row.as_ref().map(draft).transpose()
    }

    async fn list_drafts(&self) -> Result<Vec<Draft>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {DRAFT_COLUMNS} FROM drafts
                     ORDER BY saved_at_ms DESC, target_kind, target_id"
                ),
                &[],
            )
            .await
            .map_err(pg)?;
        rows.iter().map(draft).collect()
    }

    async fn delete_draft(&self, kind: TargetKind, id: &str) -> Result<bool> {
        let client = self.client().await?;
        let n = client
            .execute(
                "DELETE FROM drafts WHERE target_kind = $1 AND target_id = $2",
                &[&kind.as_str(), &id],
            )
            .await
            .map_err(pg)?;
        Ok(n > 0)
    }

    async fn purge_older_than(&self, days: u32, now: DateTime<FixedOffset>) -> Result<Purged> {
        let (cut_ms, cut_day) = cutoff(days, now);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let day_counts = tx
            .execute(
                "DELETE FROM day_counts WHERE day < $1",
                &[&cut_day.to_string()],
            )
            .await
            .map_err(pg)?;
        let unanswered = tx
            .execute("DELETE FROM unanswered WHERE at_ms < $1", &[&cut_ms])
            .await
            .map_err(pg)?;
        let feedback = tx
            .execute("DELETE FROM feedback WHERE at_ms < $1", &[&cut_ms])
            .await
            .map_err(pg)?;
        let groups = tx
            .execute(
                "DELETE FROM unanswered_groups g
                 WHERE NOT EXISTS (SELECT 1 FROM unanswered u WHERE u.group_key = g.key)",
                &[],
            )
            .await
            .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(Purged {
            day_counts,
            unanswered,
            groups,
            feedback,
        })
    }

    fn name(&self) -> &'static str {
        "postgres"
    }
}
