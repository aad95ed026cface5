//! The editorial records: what citizens asked and thought, and what editors did about it.
//!
//! Editors improve the knowledge base from evidence: which questions the bot could not answer
//! (fallbacks, clarifications, answers marked "没用"), how often each entry is hit, what citizens
//! thought of the answers ("有用 / 没用"), and an audit trail of their own edits with the drafts
//! not yet published. All of it lives behind one async [`RecordStore`] trait with two backends:
//!
//! * [`SqliteRecords`] — the embedded default, `records.sqlite3` in the data dir (WAL,
//!   `PRAGMA user_version` schema version, rusqlite on tokio's blocking pool);
//! * [`PostgresRecords`] — chosen by `BUJIAO_DB=postgres://…` so several instances share one
//!   store (`tokio-postgres` + `deadpool-postgres`, a `records_schema` version table).
//!
//! Privacy: nothing here ever stores a session id, a user id or a hash of either. Citizens' text
//! is kept only for questions that went unanswered and for feedback, normalised
//! ([`crate::text::normalize`]) and masked ([`clean_text`]: ID, mobile and bank-card numbers,
//! e-mail addresses). Every other turn only increments per-day counters by kind and entry.
//!
//! The logic both backends share — masking, the near-duplicate test that groups unanswered
//! questions, the aggregation of stats — lives in this file, so the two cannot disagree.
//! `bus.rs` is the publish bus that tells the other instances a new knowledge version is live.
//!
//! This store replaces `feedback.sqlite3` of earlier versions: on first open, the SQLite backend
//! copies its rows (without the hashed session ids) into `records.sqlite3` and renames the old
//! file to `feedback.sqlite3.migrated`.

pub mod bus;
mod postgres;
mod sqlite;

pub use postgres::PostgresRecords;
pub use sqlite::SqliteRecords;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::{Error, Result};

/// The SQLite records database's file name in the data dir.
pub const FILE_NAME: &str = "records.sqlite3";

/// The feedback database of earlier versions (migrated on first open).
pub const LEGACY_FEEDBACK_FILE: &str = "feedback.sqlite3";

/// Days turns, unanswered questions and feedback are kept unless configured otherwise
/// (`BUJIAO_RECORDS_RETENTION_DAYS`). The audit trail and drafts are kept for good.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// Longest stored question or comment, in characters (longer text is cut).
pub const MAX_TEXT_CHARS: usize = 500;

/// Two unanswered questions whose character-bigram Jaccard similarity reaches this are one group.
pub const NEAR_DUPLICATE: f64 = 0.75;

/// Most candidates kept per unanswered question and shown per group.
pub const MAX_CANDIDATES: usize = 5;

/// Version of the records layout, kept by both backends.
pub const SCHEMA_VERSION: i64 = 1;

// ---------------------------------------------------------------------------------------------
// Records

/// Counts of verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub useful: u64,
    pub not_useful: u64,
}

/// All "有用 / 没用" counts: in total and per entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: Counts,
    pub entries: BTreeMap<String, Counts>,
}

impl Summary {
    pub(crate) fn add(&mut self, entry: Option<&str>, useful: bool, n: u64) {
        let bump = |c: &mut Counts| {
            if useful {
                c.useful += n
            } else {
                c.not_useful += n
            }
        };
        bump(&mut self.total);
        if let Some(e) = entry.filter(|e| !e.is_empty()) {
            bump(self.entries.entry(e.to_string()).or_default());
        }
    }
}

/// One "有用 / 没用" on one reply. No session: a verdict is not tied to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    pub at: DateTime<FixedOffset>,
    /// The channel it came from (`http`, `telegram`, …).
    pub channel: String,
    /// The knowledge entry the reply was based on, if any.
    pub entry: Option<String>,
    /// The reply's kind (`answer`, `result`, …).
    pub kind: Option<String>,
    pub useful: bool,
    /// The citizen's question as given; the store cleans it ([`clean_text`]) before keeping it.
    pub question: Option<String>,
    /// An optional comment; cleaned the same way.
    pub comment: Option<String>,
}

/// One dialogue turn, as the core saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    pub at: DateTime<FixedOffset>,
    pub channel: String,
    /// The reply's kind: `answer`, `clarify`, `fallback`, `ask`, `result`, `info`, `error`.
    pub kind: String,
    /// The entry the reply was based on (an answer's top source).
    pub entry: Option<String>,
    /// What the citizen typed; kept (cleaned) only when the turn went unanswered.
    pub text: Option<String>,
    /// Entries the ranker considered, with scores, best first.
    pub candidates: Vec<(String, f32)>,
}

impl TurnRecord {
    /// Whether this turn goes to the unanswered list (and keeps its text).
    pub fn unanswered(&self) -> bool {
        matches!(self.kind.as_str(), "fallback" | "clarify")
            && self.text.as_deref().is_some_and(|t| !t.trim().is_empty())
    }
}

/// An unanswered group's state in the editors' workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnansweredStatus {
    Open,
    Attached,
    Dismissed,
}

impl UnansweredStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UnansweredStatus::Open => "open",
            UnansweredStatus::Attached => "attached",
            UnansweredStatus::Dismissed => "dismissed",
        }
    }
}

impl std::str::FromStr for UnansweredStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "open" => Ok(Self::Open),
            "attached" => Ok(Self::Attached),
            "dismissed" => Ok(Self::Dismissed),
            other => Err(Error::Other(format!(
                "unknown unanswered status {other:?} (expected open, attached or dismissed)"
            ))),
        }
    }
}

/// Which unanswered groups to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnansweredFilter {
    /// Only groups in this state; `None` lists all.
    pub status: Option<UnansweredStatus>,
    pub limit: usize,
}

/// What an editor did with an unanswered group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Resolution {
    /// The question is now covered by this entry (e.g. added as a similar question).
    Attached { entry: String },
    /// Not worth an entry (off topic, spam, a test).
    Dismissed { reason: String },
}

/// Near-duplicate unanswered questions, grouped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnansweredGroup {
    /// Stable key (hex XXH3-64 of the group's first text); what `resolve_unanswered` takes.
    pub key: String,
    /// The text that started the group (normalised, masked).
    pub text: String,
    /// Other texts in the group (distinct, at most five).
    pub variants: Vec<String>,
    pub count: u64,
    pub first_seen: DateTime<FixedOffset>,
    pub last_seen: DateTime<FixedOffset>,
    pub channels: Vec<String>,
    /// Turn kinds seen: `fallback`, `clarify`, `not_useful`.
    pub kinds: Vec<String>,
    /// The ranker's candidates, best score per entry, best first.
    pub candidates: Vec<(String, f32)>,
    /// Entries whose answer was marked "没用" for this question.
    pub disliked: Vec<String>,
    pub status: UnansweredStatus,
    /// The entry an `attached` group was attached to.
    pub entry: Option<String>,
    /// Why a `dismissed` group was dismissed.
    pub reason: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<FixedOffset>>,
}

/// Turns of one day (China time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStats {
    pub day: NaiveDate,
    /// Every turn.
    pub turns: u64,
    /// Turns that were questions: answered + clarified + fell back.
    pub questions: u64,
    pub answered: u64,
    pub clarified: u64,
    pub fallback: u64,
}

/// Usage over a window of days ending today.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// One row per day, oldest first, days without turns included.
    pub days: Vec<DayStats>,
    pub questions: u64,
    /// Shares of questions, 0 when there were none.
    pub answered_share: f64,
    pub clarified_share: f64,
    pub fallback_share: f64,
    /// Entries by hits, most first (ties by id), at most twenty.
    pub top_entries: Vec<(String, u64)>,
    /// Hits per entry (entries never hit are absent: the caller knows its entry list).
    pub hits: BTreeMap<String, u64>,
    /// "有用 / 没用" per entry within the window.
    pub feedback: BTreeMap<String, Counts>,
}

/// What a piece of knowledge an audit record or draft is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Faq,
    Article,
    Dict,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Faq => "faq",
            TargetKind::Article => "article",
            TargetKind::Dict => "dict",
        }
    }
}

impl std::str::FromStr for TargetKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "faq" => Ok(Self::Faq),
            "article" => Ok(Self::Article),
            "dict" => Ok(Self::Dict),
            other => Err(Error::Other(format!(
                "unknown target kind {other:?} (expected faq, article or dict)"
            ))),
        }
    }
}

/// What an editor did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Create,
    Update,
    Delete,
    Publish,
    Revert,
    Attach,
    Dismiss,
    Draft,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::Publish => "publish",
            AuditAction::Revert => "revert",
            AuditAction::Attach => "attach",
            AuditAction::Dismiss => "dismiss",
            AuditAction::Draft => "draft",
        }
    }
}

impl std::str::FromStr for AuditAction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "create" => Self::Create,
            "update" => Self::Update,
            "delete" => Self::Delete,
            "publish" => Self::Publish,
            "revert" => Self::Revert,
            "attach" => Self::Attach,
            "dismiss" => Self::Dismiss,
            "draft" => Self::Draft,
            other => {
                return Err(Error::Other(format!("unknown audit action {other:?}")));
            }
        })
    }
}

/// One editor action, as appended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<FixedOffset>,
    /// The admin token's label (never the token).
    pub who: String,
    pub action: AuditAction,
    pub target_kind: TargetKind,
    pub target_id: String,
    pub version_before: Option<String>,
    pub version_after: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

/// An audit record with its sequence number (increasing in append order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub record: AuditRecord,
}

/// Which audit records to list: newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only records about this target.
    pub target: Option<(TargetKind, String)>,
    pub limit: usize,
    /// Only records with a smaller sequence number (paging backwards).
    pub before_seq: Option<i64>,
}

/// An edited entry not yet published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub target_kind: TargetKind,
    pub target_id: String,
    pub body: serde_json::Value,
    /// The published version the draft was edited from (None for a new entry).
    pub base_version: Option<String>,
    pub by: String,
    pub saved_at: DateTime<FixedOffset>,
}

/// How many rows a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Per-day counter rows.
    pub day_counts: u64,
    pub unanswered: u64,
    /// Unanswered groups left without any question.
    pub groups: u64,
    pub feedback: u64,
}

// ---------------------------------------------------------------------------------------------
// The store

/// Where the editorial records live. Every method is one short transaction; a failure is an
/// error (callers recording turns log it and carry on).
#[async_trait]
pub trait RecordStore: Send + Sync + 'static {
    /// Store one "有用 / 没用"; a "没用" with a question also goes to the unanswered list.
    async fn record_feedback(&self, feedback: FeedbackRecord) -> Result<()>;
    /// All verdicts, in total and per entry.
    async fn feedback_summary(&self) -> Result<Summary>;
    /// Count one turn; a fallback or clarification with text also goes to the unanswered list.
    async fn record_turn(&self, turn: TurnRecord) -> Result<()>;
    /// Unanswered groups, most asked first (then most recent).
    async fn unanswered(&self, filter: UnansweredFilter) -> Result<Vec<UnansweredGroup>>;
    /// Attach or dismiss a group; `Ok(false)` when there is no group with this key.
    async fn resolve_unanswered(
        &self,
        key: &str,
        resolution: Resolution,
        by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<bool>;
    /// Usage over the `days` days ending `today` (China time; pass [`crate::china_time::today`]).
    async fn stats(&self, days: u32, today: NaiveDate) -> Result<Stats>;
    /// Append an editor action; returns its sequence number.
    async fn append_audit(&self, record: AuditRecord) -> Result<i64>;
    /// Audit records, newest first.
    async fn audit(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>>;
    /// The newest record about this target whose `version_after` is `version` (what a revert to
    /// that version restores: its `after`).
    async fn audit_with_version_after(
        &self,
        kind: TargetKind,
        id: &str,
        version: &str,
    ) -> Result<Option<AuditEntry>>;
    /// Save (or replace) the draft of one target.
    async fn save_draft(&self, draft: Draft) -> Result<()>;
    async fn get_draft(&self, kind: TargetKind, id: &str) -> Result<Option<Draft>>;
    /// Every draft, most recently saved first.
    async fn list_drafts(&self) -> Result<Vec<Draft>>;
    /// `Ok(false)` when there was no such draft.
    async fn delete_draft(&self, kind: TargetKind, id: &str) -> Result<bool>;
    /// Drop per-day counters, unanswered questions and feedback older than `days` days before
    /// `now`, and unanswered groups left empty. The audit trail and drafts are kept.
    async fn purge_older_than(&self, days: u32, now: DateTime<FixedOffset>) -> Result<Purged>;
    /// Short backend name for logs.
    fn name(&self) -> &'static str;
}

/// Open the store: `spec` `None`, empty or `sqlite` → SQLite at `<data_dir>/records.sqlite3`;
/// `sqlite:<path>` → that file; `postgres://…` / `postgresql://…` → PostgreSQL.
pub async fn open(spec: Option<&str>, data_dir: &Path) -> Result<Arc<dyn RecordStore>> {
    let spec = spec.map(str::trim).filter(|s| !s.is_empty());
    match spec {
        None | Some("sqlite") => {
            let path = data_dir.join(FILE_NAME);
            let legacy = data_dir.join(LEGACY_FEEDBACK_FILE);
            Ok(Arc::new(
                SqliteRecords::open_migrating(path, Some(legacy)).await?,
            ))
        }
        Some(s) if s.starts_with("sqlite:") => {
            let path = &s["sqlite:".len()..];
            if path.is_empty() {
                return Err(Error::Other(
                    "records store: empty path after `sqlite:`".into(),
                ));
            }
            Ok(Arc::new(SqliteRecords::open(path).await?))
        }
        Some(s) if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
            Ok(Arc::new(PostgresRecords::connect(s, None).await?))
        }
        Some(s) => Err(Error::Other(format!(
            "records store {:?}: expected `sqlite`, `sqlite:<path>` or a `postgres://` URL",
            crate::session::redact_url(s)
        ))),
    }
}

/// Whether a records spec names PostgreSQL.
pub fn is_postgres(spec: Option<&str>) -> bool {
    spec.map(str::trim)
        .is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// Retention in days from `BUJIAO_RECORDS_RETENTION_DAYS` (unset or empty: the default); a
/// value that is not a whole number of days from 1 up is an error naming the variable.
pub fn retention_days_from_env() -> Result<u32> {
    parse_retention(
        std::env::var("BUJIAO_RECORDS_RETENTION_DAYS")
            .ok()
            .as_deref(),
    )
}

fn parse_retention(value: Option<&str>) -> Result<u32> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_RETENTION_DAYS),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(Error::Other(format!(
                "BUJIAO_RECORDS_RETENTION_DAYS={v:?}: expected a whole number of days, 1 or more"
            ))),
        },
    }
}

/// Purge once now and then once a day, for as long as the task runs (abort it at shutdown).
pub fn spawn_retention(store: Arc<dyn RecordStore>, days: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(24 * 3600));
        loop {
            every.tick().await;
            match store.purge_older_than(days, crate::china_time::now()).await {
                Ok(p) => tracing::info!(
                    days,
                    day_counts = p.day_counts,
                    unanswered = p.unanswered,
                    groups = p.groups,
                    feedback = p.feedback,
                    "records: purged what is older than the retention"
                ),
                Err(e) => tracing::error!(error = %e, "records: purge failed"),
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Shared logic

/// Text as it may be stored: e-mail addresses → `[email]`, normalised
/// ([`crate::text::normalize`]: NFKC, lowercase, simplified, punctuation → spaces), ID, mobile
/// and bank-card numbers masked ([`crate::text::mask`]), cut to [`MAX_TEXT_CHARS`].
pub fn clean_text(raw: &str) -> String {
    let without_mail: String = raw
        .split_inclusive(char::is_whitespace)
        .map(|w| {
            if w.contains('@') && w.contains('.') {
                let end = w.trim_end();
                format!("[email]{}", &w[end.len()..])
            } else {
                w.to_string()
            }
        })
        .collect();
    let normalized = crate::text::normalize(&without_mail);
    let masked = crate::text::mask(normalized.trim());
    masked.chars().take(MAX_TEXT_CHARS).collect()
}

/// The stable key of a group started by `text` (hex XXH3-64, specified and stable).
pub fn group_key(text: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// Character bigrams of `text` without spaces (single characters for a one-character text).
fn bigrams(text: &str) -> BTreeSet<(char, char)> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() == 1 {
        return BTreeSet::from([(chars[0], chars[0])]);
    }
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Jaccard similarity of two texts' character bigrams (1 for identical texts).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    let inter = x.intersection(&y).count() as f64;
    inter / (x.len() as f64 + y.len() as f64 - inter)
}

/// The group an unanswered text joins: the key of the existing group with the same text, or the
/// most similar one at [`NEAR_DUPLICATE`] or above; `None` starts a new group.
pub fn find_group<'a>(
    text: &str,
    groups: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<String> {
    let own = group_key(text);
    let mut best: Option<(f64, &str)> = None;
    for (key, rep) in groups {
        if key == own {
            return Some(own);
        }
        let s = similarity(text, rep);
        if s >= NEAR_DUPLICATE && best.is_none_or(|(b, _)| s > b) {
            best = Some((s, key));
        }
    }
    best.map(|(_, k)| k.to_string())
}

/// Candidates as stored: finite scores, rounded to 1/1000, at most [`MAX_CANDIDATES`].
pub(crate) fn clean_candidates(c: &[(String, f32)]) -> Vec<(String, f32)> {
    c.iter()
        .filter(|(_, s)| s.is_finite())
        .take(MAX_CANDIDATES)
        .map(|(id, s)| (id.clone(), (s * 1000.0).round() / 1000.0))
        .collect()
}

/// One stored unanswered question, as the backends read it back.
pub(crate) struct UnansweredRow {
    pub group: String,
    pub at_ms: i64,
    pub channel: String,
    pub kind: String,
    pub text: String,
    pub candidates: Vec<(String, f32)>,
    pub entry: Option<String>,
}

/// A stored group's own columns.
pub(crate) struct GroupRow {
    pub key: String,
    pub text: String,
    pub status: UnansweredStatus,
    pub entry: Option<String>,
    pub reason: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at_ms: Option<i64>,
}

/// Assemble groups from their rows: counts, first/last seen, channels, best candidates; most
/// asked first, then most recent; at most `limit`.
pub(crate) fn assemble_groups(
    groups: Vec<GroupRow>,
    rows: Vec<UnansweredRow>,
    limit: usize,
) -> Vec<UnansweredGroup> {
    let mut by_group: HashMap<String, Vec<UnansweredRow>> = HashMap::new();
    for r in rows {
        by_group.entry(r.group.clone()).or_default().push(r);
    }
    let mut out: Vec<UnansweredGroup> = groups
        .into_iter()
        .filter_map(|g| {
            let rows = by_group.remove(&g.key)?;
            let first = rows.iter().map(|r| r.at_ms).min()?;
            let last = rows.iter().map(|r| r.at_ms).max()?;
            let mut channels = BTreeSet::new();
            let mut kinds = BTreeSet::new();
            let mut disliked = BTreeSet::new();
            let mut variants = BTreeSet::new();
            let mut best: HashMap<String, f32> = HashMap::new();
            for r in &rows {
                channels.insert(r.channel.clone());
                kinds.insert(r.kind.clone());
                if let Some(e) = &r.entry {
                    disliked.insert(e.clone());
                }
                if r.text != g.text {
                    variants.insert(r.text.clone());
                }
                for (id, s) in &r.candidates {
                    let b = best.entry(id.clone()).or_insert(*s);
                    if *s > *b {
                        *b = *s;
                    }
                }
            }
            let mut candidates: Vec<(String, f32)> = best.into_iter().collect();
            candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            candidates.truncate(MAX_CANDIDATES);
            Some(UnansweredGroup {
                key: g.key,
                text: g.text,
                variants: variants.into_iter().take(5).collect(),
                count: rows.len() as u64,
                first_seen: from_ms(first),
                last_seen: from_ms(last),
                channels: channels.into_iter().collect(),
                kinds: kinds.into_iter().collect(),
                candidates,
                disliked: disliked.into_iter().collect(),
                status: g.status,
                entry: g.entry,
                reason: g.reason,
                resolved_by: g.resolved_by,
                resolved_at: g.resolved_at_ms.map(from_ms),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_seen.cmp(&a.last_seen))
            .then_with(|| a.key.cmp(&b.key))
    });
    out.truncate(limit);
    out
}

/// One per-day counter row: (day, kind, entry or "", n).
pub(crate) type DayCount = (NaiveDate, String, String, u64);

/// Build [`Stats`] from the counter rows and feedback of the window `from..=to`.
pub(crate) fn assemble_stats(
    from: NaiveDate,
    to: NaiveDate,
    counts: Vec<DayCount>,
    feedback: Vec<(String, bool, u64)>,
) -> Stats {
    let mut days: BTreeMap<NaiveDate, DayStats> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            (
                d,
                DayStats {
                    day: d,
                    ..DayStats::default()
                },
            )
        })
        .collect();
    let mut hits: BTreeMap<String, u64> = BTreeMap::new();
    for (day, kind, entry, n) in counts {
        let Some(d) = days.get_mut(&day) else {
            continue;
        };
        d.turns += n;
        match kind.as_str() {
            "answer" => d.answered += n,
            "clarify" => d.clarified += n,
            "fallback" => d.fallback += n,
            _ => {}
        }
        if !entry.is_empty() {
            *hits.entry(entry).or_default() += n;
        }
    }
    for d in days.values_mut() {
        d.questions = d.answered + d.clarified + d.fallback;
    }
    let q: u64 = days.values().map(|d| d.questions).sum();
    let share = |f: fn(&DayStats) -> u64| {
        if q == 0 {
            0.0
        } else {
            days.values().map(f).sum::<u64>() as f64 / q as f64
        }
    };
    let (answered_share, clarified_share, fallback_share) = (
        share(|d| d.answered),
        share(|d| d.clarified),
        share(|d| d.fallback),
    );
    let mut top: Vec<(String, u64)> = hits.iter().map(|(k, v)| (k.clone(), *v)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(20);
    let mut fb = Summary::default();
    for (entry, useful, n) in feedback {
        fb.add(Some(&entry), useful, n);
    }
    Stats {
        from,
        to,
        days: days.into_values().collect(),
        questions: q,
        answered_share,
        clarified_share,
        fallback_share,
        top_entries: top,
        hits,
        feedback: fb.entries,
    }
}

/// The first day of a window of `days` days ending `today` (at least one day).
pub(crate) fn window_start(days: u32, today: NaiveDate) -> NaiveDate {
    today - chrono::Days::new(u64::from(days.max(1) - 1))
}

/// Milliseconds since the epoch.
pub(crate) fn to_ms(at: &DateTime<FixedOffset>) -> i64 {
    at.timestamp_millis()
}

/// China time at `ms` milliseconds since the epoch (out of range → the epoch).
pub(crate) fn from_ms(ms: i64) -> DateTime<FixedOffset> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .with_timezone(&crate::china_time::offset())
}

/// The China date of an instant.
pub(crate) fn china_day(at: &DateTime<FixedOffset>) -> NaiveDate {
    at.with_timezone(&crate::china_time::offset()).date_naive()
}

/// The instant `days` days before `now`, and the first China day still kept.
pub(crate) fn cutoff(days: u32, now: DateTime<FixedOffset>) -> (i64, NaiveDate) {
    let at = now - chrono::Duration::days(i64::from(days));
    (to_ms(&at), china_day(&at))
}

/// Parse a stored JSON list of candidates; a damaged value reads as none.
pub(crate) fn parse_candidates(json: &str) -> Vec<(String, f32)> {
    serde_json::from_str(json).unwrap_or_default()
}

pub(crate) fn candidates_json(c: &[(String, f32)]) -> String {
    serde_json::to_string(&clean_candidates(c)).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_masks_numbers_and_mail_and_normalises() {
        let t = clean_text(
            "我的身份证110101199003071234，电话 138-1234-5678，邮箱 zhang.san@example.com ！",
        );
        assert!(!t.contains("1101011990"), "{t}");
        assert!(!t.contains("1234-5678"), "{t}");
        assert!(!t.contains("zhang"), "{t}");
        assert!(t.contains("身份证110"), "{t}");
        assert_eq!(clean_text("醫保斷繳三個月？"), "医保断缴三个月");
        assert_eq!(
            clean_text(&"好".repeat(900)).chars().count(),
            MAX_TEXT_CHARS
        );
    }

    #[test]
    fn near_duplicates_join_one_group_and_different_questions_do_not() {
        let a = "医保断缴三个月还能补吗";
        assert_eq!(similarity(a, a), 1.0);
        let groups = [(group_key(a), a.to_string())];
        let g = || groups.iter().map(|(k, t)| (k.as_str(), t.as_str()));
        assert_eq!(find_group(a, g()), Some(group_key(a)));
        assert_eq!(
            find_group("医保断缴三个月还能补缴吗", g()),
            Some(group_key(a))
        );
        assert_eq!(find_group("医保断缴六个月还能补吗", g()), None);
        assert_eq!(find_group("养老保险怎么转移", g()), None);
        assert!(similarity("医保断缴三个月还能补缴吗", a) >= NEAR_DUPLICATE);
        assert!(similarity("医保断缴六个月还能补吗", a) < NEAR_DUPLICATE);
    }

    #[test]
    fn retention_is_a_positive_whole_number_of_days() {
        assert_eq!(parse_retention(None).unwrap(), DEFAULT_RETENTION_DAYS);
        assert_eq!(parse_retention(Some("")).unwrap(), DEFAULT_RETENTION_DAYS);
        assert_eq!(parse_retention(Some("30")).unwrap(), 30);
        for bad in ["0", "-3", "ninety", "1.5"] {
            let e = parse_retention(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("BUJIAO_RECORDS_RETENTION_DAYS"), "{e}");
        }
    }

    #[test]
    fn stats_fill_empty_days_and_compute_shares() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let s = assemble_stats(
            d("2026-03-01"),
            d("2026-03-03"),
            vec![
                (d("2026-03-01"), "answer".into(), "a".into(), 3),
                (d("2026-03-01"), "fallback".into(), "".into(), 1),
                (d("2026-03-03"), "answer".into(), "b".into(), 4),
                (d("2026-02-28"), "answer".into(), "a".into(), 9),
            ],
            vec![("a".into(), false, 2)],
        );
        assert_eq!(s.days.len(), 3);
        assert_eq!(s.days[1].turns, 0);
        assert_eq!(s.questions, 8);
        assert!((s.fallback_share - 0.125).abs() < 1e-9);
        assert_eq!(s.top_entries, vec![("b".into(), 4), ("a".into(), 3)]);
        assert_eq!(s.feedback["a"].not_useful, 2);
    }
}
