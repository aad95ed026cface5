//! The editorial records store and the publish bus, against every backend.
//!
//! One suite of async functions taking a [`Backend`] runs on SQLite (a temp dir) and on
//! PostgreSQL (`BUJIAO_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`,
//! each test in a fresh schema dropped at the end). When nothing answers there the PostgreSQL
//! cases print `SKIPPED: …` to stderr and pass, unless `BUJIAO_REQUIRE_POSTGRES=1`. The Redis bus
//! test does the same for `BUJIAO_TEST_REDIS_URL` (default `redis://127.0.0.1:6379/`) and
//! `BUJIAO_REQUIRE_REDIS=1`. Times are injected: nothing sleeps.

use crate::common::unique;
use bujiao::records::bus::{PostgresBus, PublishBus};
use bujiao::records::{
    AuditAction, AuditFilter, AuditRecord, Draft, FeedbackRecord, PostgresRecords, RecordStore,
    Resolution, SqliteRecords, TargetKind, TurnRecord, UnansweredFilter, UnansweredStatus,
};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone};
use serde_json::json;
use std::io::Write;
use std::sync::Arc;

fn pg_url() -> String {
    std::env::var("BUJIAO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Whether something answers TCP at host:port; prints SKIPPED (or panics when `require` is set
/// to 1) when nothing does.
fn reachable(what: &str, host: &str, port: u16, require: &str) -> bool {
    let up = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .map(|addrs| {
            addrs.into_iter().any(|a| {
                std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(1)).is_ok()
            })
        })
        .unwrap_or(false);
    if !up {
        if std::env::var(require).as_deref() == Ok("1") {
            panic!("{what} not reachable at {host}:{port} and {require}=1");
        }
        // Straight to stderr: libtest captures eprintln!, and a skip must be visible.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {what} not reachable at {host}:{port}"
        );
    }
    up
}

fn pg_reachable() -> bool {
    let cfg: tokio_postgres::Config = pg_url().parse().expect("BUJIAO_TEST_POSTGRES_URL");
    let host = match cfg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    reachable("postgres", &host, port, "BUJIAO_REQUIRE_POSTGRES")
}

async fn pg_client() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
        .await
        .expect("connect to postgres");
    tokio::spawn(conn);
    client
}

enum Backend {
    Sqlite {
        _dir: tempfile::TempDir,
        path: std::path::PathBuf,
        store: Arc<dyn RecordStore>,
    },
    Postgres {
        schema: String,
        store: Arc<dyn RecordStore>,
    },
}

impl Backend {
    async fn sqlite() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.sqlite3");
        let store = Arc::new(SqliteRecords::open(path.clone()).await.unwrap());
        Backend::Sqlite {
            _dir: dir,
            path,
            store,
        }
    }

    async fn postgres() -> Option<Backend> {
        if !pg_reachable() {
            return None;
        }
        let schema = unique("records_test");
        let store = Arc::new(
            PostgresRecords::connect(&pg_url(), Some(&schema))
                .await
                .unwrap(),
        );
        Some(Backend::Postgres { schema, store })
    }

    fn store(&self) -> &Arc<dyn RecordStore> {
        match self {
            Backend::Sqlite { store, .. } | Backend::Postgres { store, .. } => store,
        }
    }

    /// Every text value of every table, for looking for what must not be there.
    async fn dump(&self) -> String {
        const TABLES: [&str; 6] = [
            "feedback",
            "day_counts",
            "unanswered_groups",
            "unanswered",
            "audit",
            "drafts",
        ];
        let mut out = String::new();
        match self {
            Backend::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).unwrap();
                for t in TABLES {
                    let mut stmt = conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
                    let n = stmt.column_count();
                    let mut rows = stmt.query([]).unwrap();
                    while let Some(r) = rows.next().unwrap() {
                        for i in 0..n {
                            let v: rusqlite::types::Value = r.get(i).unwrap();
                            out.push_str(&format!("{v:?}|"));
                        }
                        out.push('\n');
                    }
                }
            }
            Backend::Postgres { schema, .. } => {
                let client = pg_client().await;
                for t in TABLES {
                    let rows = client
                        .query(
                            &format!("SELECT row_to_json(x)::TEXT FROM {schema}.{t} x"),
                            &[],
                        )
                        .await
                        .unwrap();
                    for r in rows {
                        out.push_str(&r.get::<_, String>(0));
                        out.push('\n');
                    }
                }
            }
        }
        out
    }

    async fn cleanup(self) {
        if let Backend::Postgres { schema, .. } = self {
            let _ = pg_client()
                .await
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .await;
        }
    }
}

macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let b = super::Backend::sqlite().await;
                super::$name(&b).await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(b) = super::Backend::postgres().await else { return };
                super::$name(&b).await;
                b.cleanup().await;
            }
        }
    )*};
}

on_every_backend!(
    feedback_summary,
    turn_counters_and_stats,
    unanswered_groups_near_duplicates_and_masks_numbers,
    resolving_attaches_and_dismisses,
    audit_trail,
    drafts,
    retention_purge,
);

fn china(y: i32, m: u32, d: u32, h: u32) -> DateTime<FixedOffset> {
    bujiao::china_time::offset()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
}

fn turn(at: DateTime<FixedOffset>, channel: &str, kind: &str, entry: Option<&str>) -> TurnRecord {
    TurnRecord {
        at,
        channel: channel.into(),
        kind: kind.into(),
        entry: entry.map(str::to_string),
        text: Some("医保断缴三个月还能补吗".into()),
        candidates: vec![],
    }
}

fn fallback(at: DateTime<FixedOffset>, channel: &str, text: &str, c: &[(&str, f32)]) -> TurnRecord {
    TurnRecord {
        at,
        channel: channel.into(),
        kind: "fallback".into(),
        entry: None,
        text: Some(text.into()),
        candidates: c.iter().map(|(id, s)| (id.to_string(), *s)).collect(),
    }
}

fn vote(at: DateTime<FixedOffset>, entry: &str, useful: bool, q: Option<&str>) -> FeedbackRecord {
    FeedbackRecord {
        at,
        channel: "http".into(),
        entry: Some(entry.into()),
        kind: Some("answer".into()),
        useful,
        question: q.map(str::to_string),
        comment: None,
    }
}

fn all(limit: usize) -> UnansweredFilter {
    UnansweredFilter {
        status: None,
        limit,
    }
}

async fn feedback_summary(b: &Backend) {
    let s = b.store();
    let at = china(2026, 3, 2, 10);
    s.record_feedback(vote(at, "a", true, None)).await.unwrap();
    s.record_feedback(vote(at, "a", false, Some("这个回答没用，滞纳金到底多少")))
        .await
        .unwrap();
    s.record_feedback(vote(at, "b", true, Some("好")))
        .await
        .unwrap();
    let sum = s.feedback_summary().await.unwrap();
    assert_eq!((sum.total.useful, sum.total.not_useful), (2, 1));
    assert_eq!(
        (sum.entries["a"].useful, sum.entries["a"].not_useful),
        (1, 1)
    );
    assert_eq!(sum.entries["b"].useful, 1);
    // "没用" with its question is on the unanswered list, naming the entry found useless;
    // "有用" is not.
    let groups = s.unanswered(all(10)).await.unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].kinds, vec!["not_useful"]);
    assert_eq!(groups[0].disliked, vec!["a"]);
    assert_eq!(groups[0].text, "这个回答没用 滞纳金到底多少");
}

async fn turn_counters_and_stats(b: &Backend) {
    let s = b.store();
    let d1 = china(2026, 3, 1, 9);
    let d3 = china(2026, 3, 3, 23);
    for _ in 0..3 {
        s.record_turn(turn(d1, "http", "answer", Some("a")))
            .await
            .unwrap();
    }
    s.record_turn(turn(d1, "telegram", "answer", Some("b")))
        .await
        .unwrap();
    s.record_turn(turn(d1, "http", "clarify", None))
        .await
        .unwrap();
    s.record_turn(turn(d3, "cli", "answer", Some("b")))
        .await
        .unwrap();
    s.record_turn(turn(d3, "cli", "answer", Some("b")))
        .await
        .unwrap();
    s.record_turn(turn(d3, "http", "fallback", None))
        .await
        .unwrap();
    s.record_turn(turn(d3, "http", "ask", None)).await.unwrap();
    // Outside the window: counted, but not in a three-day window ending 03-03.
    s.record_turn(turn(china(2026, 2, 27, 12), "http", "answer", Some("c")))
        .await
        .unwrap();
    s.record_feedback(vote(d3, "b", false, None)).await.unwrap();
    s.record_feedback(vote(d3, "b", true, None)).await.unwrap();
    s.record_feedback(vote(d3, "b", true, None)).await.unwrap();

    let today = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
    let st = s.stats(3, today).await.unwrap();
    assert_eq!(st.days.len(), 3);
    let days: Vec<(u64, u64, u64, u64, u64)> = st
        .days
        .iter()
        .map(|d| (d.turns, d.questions, d.answered, d.clarified, d.fallback))
        .collect();
    assert_eq!(
        days,
        vec![(5, 5, 4, 1, 0), (0, 0, 0, 0, 0), (4, 3, 2, 0, 1)]
    );
    assert_eq!(st.questions, 8);
    assert!((st.answered_share - 0.75).abs() < 1e-9, "{st:?}");
    assert!((st.clarified_share - 0.125).abs() < 1e-9);
    assert!((st.fallback_share - 0.125).abs() < 1e-9);
    assert_eq!(st.top_entries, vec![("a".into(), 3), ("b".into(), 3)]);
    assert_eq!(st.hits.get("c"), None);
    assert_eq!(
        (st.feedback["b"].useful, st.feedback["b"].not_useful),
        (2, 1)
    );
    // One day: only 03-03.
    let st = s.stats(1, today).await.unwrap();
    assert_eq!(st.questions, 3);
    assert_eq!(st.hits["b"], 2);
    // A turn at 23:00 China time is counted on its China day, and the clarify's text went to
    // the unanswered list while the answers' did not.
    let groups = s.unanswered(all(10)).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(
        groups[0].count, 2,
        "one clarify and one fallback: {groups:?}"
    );
    assert_eq!(groups[0].kinds, vec!["clarify", "fallback"]);
}

async fn unanswered_groups_near_duplicates_and_masks_numbers(b: &Backend) {
    let s = b.store();
    let t = china(2026, 3, 1, 8);
    s.record_turn(fallback(
        t,
        "http",
        "医保断缴三个月还能补吗",
        &[("med-gap", 0.08), ("late-fee", 0.05)],
    ))
    .await
    .unwrap();
    // Traditional characters, punctuation and one more character: a near-duplicate.
    s.record_turn(fallback(
        t + Duration::hours(1),
        "telegram",
        "醫保斷繳三個月還能補繳嗎？",
        &[("med-gap", 0.11)],
    ))
    .await
    .unwrap();
    s.record_turn(fallback(
        t + Duration::hours(2),
        "http",
        "医保断缴六个月还能补吗",
        &[],
    ))
    .await
    .unwrap();
    s.record_turn(fallback(
        t + Duration::hours(3),
        "cli",
        "我身份证110101199003071234，手机13812345678，卡号6222 0212 3456 7890 123，能查吗",
        &[],
    ))
    .await
    .unwrap();
    // An empty text is counted but not listed.
    s.record_turn(fallback(t, "http", "  ？ ", &[]))
        .await
        .unwrap();

    let groups = s.unanswered(all(10)).await.unwrap();
    assert_eq!(groups.len(), 3, "{groups:#?}");
    let g = &groups[0];
    assert_eq!(g.text, "医保断缴三个月还能补吗");
    assert_eq!(g.count, 2);
    assert_eq!(g.variants, vec!["医保断缴三个月还能补缴吗"]);
    assert_eq!(g.channels, vec!["http", "telegram"]);
    assert_eq!(g.first_seen, t);
    assert_eq!(g.last_seen, t + Duration::hours(1));
    assert_eq!(
        g.candidates,
        vec![
            ("med-gap".to_string(), 0.11),
            ("late-fee".to_string(), 0.05)
        ]
    );
    assert_eq!(g.status, UnansweredStatus::Open);
    assert_eq!(g.key.len(), 16);
    // Keys are stable: listing again gives the same.
    assert_eq!(s.unanswered(all(10)).await.unwrap()[0].key, g.key);
    assert!(groups.iter().any(|g| g.text == "医保断缴六个月还能补吗"));
    let masked = groups
        .iter()
        .find(|g| g.text.contains("身份证"))
        .expect("the masked question");
    assert!(
        masked.text.contains("110*************34"),
        "{}",
        masked.text
    );
    assert!(masked.text.contains("138******78"), "{}", masked.text);
    assert!(!masked.text.contains("3456"), "{}", masked.text);
    let dump = b.dump().await;
    for secret in ["110101199003071234", "13812345678", "1234567", "3456 7890"] {
        assert!(!dump.contains(secret), "{secret} stored:\n{dump}");
    }
    assert_eq!(s.unanswered(all(1)).await.unwrap().len(), 1, "limit");
}

async fn resolving_attaches_and_dismisses(b: &Backend) {
    let s = b.store();
    let t = china(2026, 3, 1, 8);
    s.record_turn(fallback(t, "http", "灵活就业补缴要带什么", &[]))
        .await
        .unwrap();
    s.record_turn(fallback(t, "http", "你是机器人吗", &[]))
        .await
        .unwrap();
    s.record_turn(fallback(t, "http", "退休后还能补医保吗", &[]))
        .await
        .unwrap();
    let groups = s.unanswered(all(10)).await.unwrap();
    let key = |text: &str| groups.iter().find(|g| g.text == text).unwrap().key.clone();
    let at = t + Duration::days(1);
    assert!(s
        .resolve_unanswered(
            &key("灵活就业补缴要带什么"),
            Resolution::Attached {
                entry: "flexible-materials".into()
            },
            "editor-li",
            at
        )
        .await
        .unwrap());
    assert!(s
        .resolve_unanswered(
            &key("你是机器人吗"),
            Resolution::Dismissed {
                reason: "chit-chat".into()
            },
            "editor-li",
            at
        )
        .await
        .unwrap());
    assert!(!s
        .resolve_unanswered(
            "no-such-key",
            Resolution::Dismissed { reason: "x".into() },
            "e",
            at
        )
        .await
        .unwrap());
    let list = |status| async move {
        s.unanswered(UnansweredFilter {
            status: Some(status),
            limit: 10,
        })
        .await
        .unwrap()
    };
    let open = list(UnansweredStatus::Open).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].text, "退休后还能补医保吗");
    let attached = list(UnansweredStatus::Attached).await;
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0].entry.as_deref(), Some("flexible-materials"));
    assert_eq!(attached[0].resolved_by.as_deref(), Some("editor-li"));
    assert_eq!(attached[0].resolved_at, Some(at));
    let dismissed = list(UnansweredStatus::Dismissed).await;
    assert_eq!(dismissed[0].reason.as_deref(), Some("chit-chat"));
    // A later occurrence stays in its resolved group and is counted there.
    s.record_turn(fallback(at, "telegram", "灵活就业补缴要带什么？", &[]))
        .await
        .unwrap();
    let attached = list(UnansweredStatus::Attached).await;
    assert_eq!(attached[0].count, 2);
    assert_eq!(list(UnansweredStatus::Open).await.len(), 1);
}

fn audit_rec(
    at: DateTime<FixedOffset>,
    action: AuditAction,
    id: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> AuditRecord {
    AuditRecord {
        at,
        who: "editor-li".into(),
        action,
        target_kind: TargetKind::Faq,
        target_id: id.into(),
        version_before: before.map(str::to_string),
        version_after: after.map(str::to_string),
        before: before.map(|v| json!({"answer": format!("答案 {v}")})),
        after: after.map(|v| json!({"answer": format!("答案 {v}"), "similar": ["问法"]})),
        reason: Some("政策更新".into()),
    }
}

async fn audit_trail(b: &Backend) {
    let s = b.store();
    let t = china(2026, 3, 1, 8);
    let s1 = s
        .append_audit(audit_rec(t, AuditAction::Create, "a", None, Some("v1")))
        .await
        .unwrap();
    let s2 = s
        .append_audit(audit_rec(
            t + Duration::minutes(1),
            AuditAction::Update,
            "a",
            Some("v1"),
            Some("v2"),
        ))
        .await
        .unwrap();
    let s3 = s
        .append_audit(audit_rec(
            t + Duration::minutes(2),
            AuditAction::Update,
            "b",
            None,
            Some("v1"),
        ))
        .await
        .unwrap();
    let s4 = s
        .append_audit(audit_rec(
            t + Duration::minutes(3),
            AuditAction::Publish,
            "a",
            Some("v2"),
            Some("v3"),
        ))
        .await
        .unwrap();
    assert!(s1 < s2 && s2 < s3 && s3 < s4);
    let everything = s
        .audit(AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        everything.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![s4, s3, s2, s1]
    );
    let only_a = s
        .audit(AuditFilter {
            target: Some((TargetKind::Faq, "a".into())),
            limit: 10,
            before_seq: None,
        })
        .await
        .unwrap();
    assert_eq!(only_a.len(), 3);
    assert!(only_a.iter().all(|e| e.record.target_id == "a"));
    let page = s
        .audit(AuditFilter {
            target: Some((TargetKind::Faq, "a".into())),
            limit: 1,
            before_seq: Some(s4),
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].seq, s2);
    assert_eq!(
        page[0].record,
        audit_rec(
            t + Duration::minutes(1),
            AuditAction::Update,
            "a",
            Some("v1"),
            Some("v2")
        )
    );
    let found = s
        .audit_with_version_after(TargetKind::Faq, "a", "v2")
        .await
        .unwrap()
        .expect("the record that made v2");
    assert_eq!(found.seq, s2);
    assert_eq!(found.record.after.unwrap()["answer"], "答案 v2");
    assert!(s
        .audit_with_version_after(TargetKind::Faq, "b", "v2")
        .await
        .unwrap()
        .is_none());
    assert!(s
        .audit_with_version_after(TargetKind::Article, "a", "v1")
        .await
        .unwrap()
        .is_none());
}

async fn drafts(b: &Backend) {
    let s = b.store();
    let t = china(2026, 3, 1, 8);
    let d = |id: &str, body: serde_json::Value, at| Draft {
        target_kind: TargetKind::Faq,
        target_id: id.into(),
        body,
        base_version: Some("v1".into()),
        by: "editor-li".into(),
        saved_at: at,
    };
    assert!(s.get_draft(TargetKind::Faq, "a").await.unwrap().is_none());
    s.save_draft(d("a", json!({"answer": "草稿一"}), t))
        .await
        .unwrap();
    s.save_draft(d("b", json!({"answer": "草稿"}), t + Duration::minutes(1)))
        .await
        .unwrap();
    s.save_draft(d(
        "a",
        json!({"answer": "草稿二"}),
        t + Duration::minutes(2),
    ))
    .await
    .unwrap();
    let got = s.get_draft(TargetKind::Faq, "a").await.unwrap().unwrap();
    assert_eq!(
        got,
        d("a", json!({"answer": "草稿二"}), t + Duration::minutes(2))
    );
    assert!(s
        .get_draft(TargetKind::Article, "a")
        .await
        .unwrap()
        .is_none());
    let listed = s.list_drafts().await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|d| d.target_id.as_str())
            .collect::<Vec<_>>(),
        vec!["a", "b"]
    );
    assert!(s.delete_draft(TargetKind::Faq, "a").await.unwrap());
    assert!(!s.delete_draft(TargetKind::Faq, "a").await.unwrap());
    assert_eq!(s.list_drafts().await.unwrap().len(), 1);
}

async fn retention_purge(b: &Backend) {
    let s = b.store();
    let now = china(2026, 6, 30, 12);
    let old = now - Duration::days(100);
    let recent = now - Duration::days(10);
    s.record_turn(fallback(old, "http", "很久以前问的问题", &[]))
        .await
        .unwrap();
    s.record_turn(fallback(old, "http", "两边都问过的问题", &[]))
        .await
        .unwrap();
    s.record_turn(fallback(recent, "http", "两边都问过的问题", &[]))
        .await
        .unwrap();
    s.record_turn(turn(old, "http", "answer", Some("a")))
        .await
        .unwrap();
    s.record_turn(turn(recent, "http", "answer", Some("a")))
        .await
        .unwrap();
    s.record_feedback(vote(old, "a", true, None)).await.unwrap();
    s.record_feedback(vote(recent, "a", true, None))
        .await
        .unwrap();
    s.append_audit(audit_rec(old, AuditAction::Create, "a", None, Some("v1")))
        .await
        .unwrap();
    s.save_draft(Draft {
        target_kind: TargetKind::Dict,
        target_id: "synonyms".into(),
        body: json!("补交 补缴"),
        base_version: None,
        by: "editor-li".into(),
        saved_at: old,
    })
    .await
    .unwrap();

    let purged = s.purge_older_than(90, now).await.unwrap();
    assert_eq!(purged.unanswered, 2, "{purged:?}");
    assert_eq!(purged.groups, 1, "{purged:?}");
    assert_eq!(purged.feedback, 1, "{purged:?}");
    assert_eq!(
        purged.day_counts, 2,
        "old answer + old fallback rows: {purged:?}"
    );
    let groups = s.unanswered(all(10)).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].text, "两边都问过的问题");
    assert_eq!(groups[0].count, 1);
    assert_eq!(groups[0].first_seen, recent);
    assert_eq!(s.feedback_summary().await.unwrap().total.useful, 1);
    let st = s.stats(365, now.date_naive()).await.unwrap();
    assert_eq!(st.hits["a"], 1);
    // The audit trail and drafts are kept.
    assert_eq!(
        s.audit(AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .len(),
        1
    );
    assert_eq!(s.list_drafts().await.unwrap().len(), 1);
    // Purging again removes nothing.
    let again = s.purge_older_than(90, now).await.unwrap();
    assert_eq!(
        (
            again.unanswered,
            again.groups,
            again.feedback,
            again.day_counts
        ),
        (0, 0, 0, 0)
    );
}

#[tokio::test]
async fn sqlite_refuses_a_newer_layout_and_open_rejects_unknown_specs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let e = SqliteRecords::open(path).await.unwrap_err().to_string();
    assert!(e.contains("layout version 99"), "{e}");
    let e = bujiao::records::open(Some("mysql://x"), dir.path())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("expected `sqlite`"), "{e}");
    let store = bujiao::records::open(None, dir.path()).await.unwrap();
    assert_eq!(store.name(), "sqlite");
    assert!(dir.path().join(bujiao::records::FILE_NAME).exists());
}

#[tokio::test]
async fn an_old_feedback_file_is_migrated_without_its_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join(bujiao::records::LEGACY_FEEDBACK_FILE);
    {
        let conn = rusqlite::Connection::open(&old).unwrap();
        conn.execute_batch(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
                 session TEXT NOT NULL, entry TEXT, kind TEXT, useful INTEGER NOT NULL,
                 question TEXT, comment TEXT);
             INSERT INTO feedback (at, session, entry, kind, useful, question)
                 VALUES ('2026-03-01T10:00:00+08:00', 'web:5f2a9c1e0b7d', 'a', 'answer', 1, '问题'),
                        ('2026-03-01T11:00:00+08:00', 'web:5f2a9c1e0b7d', 'a', 'answer', 0, NULL);",
        )
        .unwrap();
    }
    let store = bujiao::records::open(None, dir.path()).await.unwrap();
    let sum = store.feedback_summary().await.unwrap();
    assert_eq!(
        (sum.entries["a"].useful, sum.entries["a"].not_useful),
        (1, 1)
    );
    assert!(!old.exists());
    assert!(dir.path().join("feedback.sqlite3.migrated").exists());
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join(bujiao::records::FILE_NAME)).unwrap();
    let mut stmt = conn.prepare("SELECT * FROM feedback").unwrap();
    let n = stmt.column_count();
    let mut rows = stmt.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        for i in 0..n {
            let v: rusqlite::types::Value = r.get(i).unwrap();
            assert!(!format!("{v:?}").contains("5f2a9c1e0b7d"), "{v:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The publish bus

/// Two subscribers hear a third's publish; the sender does not hear itself.
async fn bus_round_trip(a: Arc<dyn PublishBus>, b: Arc<dyn PublishBus>, c: Arc<dyn PublishBus>) {
    let timeout = std::time::Duration::from_secs(5);
    let (mut sa, mut sb, mut sc) = (a.subscribe(), b.subscribe(), c.subscribe());
    c.publish("fingerprint-1").await.unwrap();
    for s in [&mut sa, &mut sb] {
        let got = tokio::time::timeout(timeout, s.recv())
            .await
            .expect("delivered");
        assert_eq!(got.as_deref(), Some("fingerprint-1"));
    }
    // c's own message is skipped: the first thing c hears is a's.
    a.publish("fingerprint-2").await.unwrap();
    let got = tokio::time::timeout(timeout, sc.recv())
        .await
        .expect("delivered");
    assert_eq!(got.as_deref(), Some("fingerprint-2"));
    let got = tokio::time::timeout(timeout, sb.recv())
        .await
        .expect("delivered");
    assert_eq!(got.as_deref(), Some("fingerprint-2"));
    // …and a does not hear its own.
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), sa.recv())
            .await
            .is_err(),
        "a heard its own publish"
    );
}

#[tokio::test]
async fn postgres_bus_reaches_other_instances() {
    if !pg_reachable() {
        return;
    }
    let channel = unique("bus");
    let open = || async {
        Arc::new(PostgresBus::connect(&pg_url(), &channel).await.unwrap()) as Arc<dyn PublishBus>
    };
    bus_round_trip(open().await, open().await, open().await).await;
}

#[cfg(feature = "redis-store")]
#[tokio::test]
async fn redis_bus_reaches_other_instances() {
    let url =
        std::env::var("BUJIAO_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let client = redis::Client::open(url.as_str()).expect("a Redis URL");
    let (host, port) = match &client.get_connection_info().addr {
        redis::ConnectionAddr::Tcp(h, p) => (h.clone(), *p),
        _ => ("127.0.0.1".to_string(), 6379),
    };
    if !reachable("redis", &host, port, "BUJIAO_REQUIRE_REDIS") {
        return;
    }
    let channel = unique("bujiao:test-bus");
    let open = || async {
        Arc::new(
            bujiao::records::bus::RedisBus::connect(&url, &channel)
                .await
                .unwrap(),
        ) as Arc<dyn PublishBus>
    };
    bus_round_trip(open().await, open().await, open().await).await;
}

#[tokio::test]
async fn bus_open_follows_the_stores() {
    let bus = bujiao::records::bus::open("sqlite", Some("sqlite"))
        .await
        .unwrap();
    assert_eq!(bus.name(), "in-process");
    if pg_reachable() {
        let bus = bujiao::records::bus::open("memory", Some(&pg_url()))
            .await
            .unwrap();
        assert_eq!(bus.name(), "postgres");
    }
}
