//! What editors need from the core: which entry would answer a question (the preview), and — built
//! on the knowledge editor and the records store — saving, publishing and reverting entries.
//!
//! No transport types here: the HTTP admin routes translate these calls. Every operation that
//! changes the knowledge files runs under one publish lock (in-process, plus an OS file lock in
//! the knowledge directory so two instances sharing the directory never interleave), writes the
//! files atomically, reloads, and records the change in the audit log.

use super::Bot;
use crate::answer::{self, DecisionParams, ReplyKind};
use crate::search::Snapshot;
use crate::{Error, Result};
use serde::Serialize;
use std::sync::Arc;

/// One ranked entry in a preview.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PreviewHit {
    pub id: String,
    pub title: String,
    pub score: f32,
}

/// Which entry would answer a question, and how sure the bot is.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The reply kind a citizen would get: `answer`, `clarify` or `fallback`.
    pub kind: ReplyKind,
    /// The entry that would answer (for `clarify`: the best of the options).
    pub entry: Option<PreviewHit>,
    pub runner_up: Option<PreviewHit>,
    /// Up to five entries, best first.
    pub ranked: Vec<PreviewHit>,
    /// The question's terms after segmentation and synonyms.
    pub terms: Vec<String>,
    /// Those of `terms` the answering entry contains (its phrasings, tags or answer).
    pub matched_terms: Vec<String>,
    /// The reply's opening line, as a citizen would see it.
    pub reply_opening: String,
    /// `live` (the snapshot serving now) or `edited` (a snapshot built with the edited entry).
    pub against: &'static str,
    /// The index generation previewed against.
    pub index: String,
}

/// Preview `text` against one snapshot.
pub fn preview_on(snap: &Snapshot, text: &str, against: &'static str) -> Result<Preview> {
    let decision = answer::decide(snap, text, &DecisionParams::default())?;
    let hit = |(id, score): &(String, f32)| PreviewHit {
        id: id.clone(),
        title: snap.entry(id).map(|e| e.title.clone()).unwrap_or_default(),
        score: (score * 1000.0).round() / 1000.0,
    };
    let ranked: Vec<PreviewHit> = decision.ranked.iter().take(5).map(hit).collect();
    let terms = snap.analyzer.query_terms(text);
    let entry = ranked.first().cloned();
    let matched_terms = match &entry {
        Some(e) => snap.matched_terms(&e.id, &terms),
        None => Vec::new(),
    };
    let reply = decision.reply;
    Ok(Preview {
        kind: reply.kind,
        entry,
        runner_up: ranked.get(1).cloned(),
        ranked,
        terms,
        matched_terms,
        reply_opening: reply.text.lines().next().unwrap_or("").to_string(),
        against,
        index: snap.manifest.generation.clone(),
    })
}

impl Bot {
    /// Which entry would answer `text` on the live snapshot.
    pub async fn preview(&self, text: &str) -> Result<Preview> {
        let snap: Arc<Snapshot> = self.snapshot();
        let text = text.to_string();
        tokio::task::spawn_blocking(move || preview_on(&snap, &text, "live"))
            .await
            .map_err(|e| Error::Other(format!("preview panicked: {e}")))?
    }
}

// ------------------------------------------------------------------------------------ editing

use crate::admin::Principal;
use crate::knowledge::edit::{
    ArticleRecord, Change, EditError, Editor, FaqRecord, FieldProblem, Plan, Versioned,
};
use crate::records::{AuditAction, AuditEntry, AuditFilter, AuditRecord, Draft, TargetKind};
use crate::records::{Resolution, UnansweredFilter, UnansweredGroup};

/// Why an editorial operation was refused. The HTTP layer maps each to its status.
#[derive(Debug, thiserror::Error)]
pub enum EditorialError {
    /// This bot has no knowledge directory to edit (built over an in-memory snapshot).
    #[error("this bot was not opened from a knowledge directory")]
    NoKnowledgeDir,
    #[error("not found: {0}")]
    NotFound(String),
    /// A write to an existing entry must name the version it was made from.
    #[error("a write to an existing entry needs the version it was edited from (If-Match)")]
    VersionRequired { current_version: String },
    /// Someone else changed the entry since it was read.
    #[error("the entry changed since it was read (current version: {})", .current_version.as_deref().unwrap_or("none: it no longer exists"))]
    Conflict { current_version: Option<String> },
    /// The edit does not validate; nothing changed.
    #[error("the edit does not validate")]
    Invalid(Vec<FieldProblem>),
    /// The edit validates but has warnings; resend with an override reason to publish anyway.
    #[error("the edit has warnings; give a reason to publish anyway")]
    NeedsOverride(Vec<FieldProblem>),
    /// The files were written but the index could not be rebuilt; they were put back.
    #[error("publishing failed and was rolled back: {0}")]
    Publish(String),
    #[error("{0}")]
    Internal(String),
}

impl From<EditError> for EditorialError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Conflict { current_version } => EditorialError::Conflict { current_version },
            EditError::FileChanged(f) => EditorialError::Conflict {
                current_version: Some(format!("{f} changed on disk; reload the entry")),
            },
            EditError::NotFound(what) => EditorialError::NotFound(what),
            EditError::Invalid(problems) => EditorialError::Invalid(problems),
            other => EditorialError::Internal(other.to_string()),
        }
    }
}

impl From<Error> for EditorialError {
    fn from(e: Error) -> Self {
        EditorialError::Internal(e.to_string())
    }
}

type EdResult<T> = std::result::Result<T, EditorialError>;

/// An edit of one FAQ entry, as an editor sends it.
#[derive(Debug, Clone, Default)]
pub struct FaqEdit {
    pub record: FaqRecord,
    /// The version the editor read (`If-Match`); required when the entry exists.
    pub if_match: Option<String>,
    /// Save as a draft (kept in the records store, not served) instead of publishing.
    pub draft: bool,
    /// Publish despite warnings, for this reason (recorded in the audit log).
    pub override_reason: Option<String>,
}

/// What a save or publish did.
#[derive(Debug, Clone, Serialize)]
pub struct Saved {
    pub id: String,
    /// The entry's version after the change (`None` after a delete; for a draft, the version the
    /// draft's content will have once published).
    pub version: Option<String>,
    pub file: String,
    /// `published`, `draft` or `deleted`.
    pub status: &'static str,
    pub warnings: Vec<FieldProblem>,
    /// The reload that made the change live (absent for drafts).
    pub reload: Option<super::ReloadReport>,
    /// The audit record written.
    pub audit: i64,
}

/// One entry in the editors' list.
#[derive(Debug, Clone, Serialize)]
pub struct FaqSummary {
    pub id: String,
    pub question: String,
    pub file: Option<String>,
    pub status: String,
    pub updated: Option<String>,
    pub expires: Option<String>,
    pub regions: Vec<String>,
    pub insurance: String,
    pub tags: Vec<String>,
    pub version: String,
    pub has_draft: bool,
    pub stale: bool,
}

/// Filters of the editors' list.
#[derive(Debug, Clone, Default)]
pub struct FaqFilter {
    /// Substring of the id, question, a similar question or the answer.
    pub text: Option<String>,
    pub tag: Option<String>,
    pub region: Option<String>,
    pub insurance: Option<String>,
    /// `published` or `draft` (entries with a pending draft, or drafted in the file).
    pub status: Option<String>,
    /// Only entries past their `expires` date.
    pub stale: bool,
    pub limit: usize,
    pub offset: usize,
}

/// One entry with its pending draft.
#[derive(Debug, Clone, Serialize)]
pub struct FaqDetail {
    pub record: FaqRecord,
    pub version: String,
    pub draft: Option<DraftView>,
}

/// A pending draft as editors see it.
#[derive(Debug, Clone, Serialize)]
pub struct DraftView {
    pub record: serde_json::Value,
    /// The published version it was edited from (None for a new entry).
    pub base_version: Option<String>,
    pub by: String,
    pub at: String,
}

impl From<Draft> for DraftView {
    fn from(d: Draft) -> Self {
        DraftView {
            record: d.body,
            base_version: d.base_version,
            by: d.by,
            at: d.saved_at.to_rfc3339(),
        }
    }
}

/// Editors' statistics: the store's figures plus the entries never hit.
#[derive(Debug, Clone, Serialize)]
pub struct EditorStats {
    #[serde(flatten)]
    pub stats: crate::records::Stats,
    pub never_hit: Vec<String>,
}

fn is_stale(expires: Option<&str>, today: chrono::NaiveDate) -> bool {
    expires
        .and_then(|e| chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d").ok())
        .is_some_and(|d| d < today)
}

fn to_json<T: Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

/// A write to an existing record must name the version it was made from (428 otherwise) and
/// that version must still be the current one (409 otherwise).
fn check_version(current: &str, if_match: Option<&str>) -> EdResult<()> {
    match if_match {
        None => Err(EditorialError::VersionRequired {
            current_version: current.to_string(),
        }),
        Some(v) if v != current => Err(EditorialError::Conflict {
            current_version: Some(current.to_string()),
        }),
        Some(_) => Ok(()),
    }
}

/// Which record a change is about (an empty id: a new FAQ entry without one yet).
fn target_of(change: &Change) -> (TargetKind, String) {
    match change {
        Change::UpsertFaq(r) => (TargetKind::Faq, r.id.clone()),
        Change::DeleteFaq(id) => (TargetKind::Faq, id.clone()),
        Change::UpsertArticle(a) => (TargetKind::Article, a.id.clone()),
        Change::DeleteArticle(id) => (TargetKind::Article, id.clone()),
        Change::ReplaceDict { name, .. } => (TargetKind::Dict, name.clone()),
    }
}

/// A record's current version and JSON form, if it exists.
fn current_json(
    editor: &Editor,
    kind: TargetKind,
    id: &str,
) -> EdResult<Option<(String, serde_json::Value)>> {
    Ok(match kind {
        TargetKind::Faq => editor
            .get_faq(id)?
            .map(|v| (v.version, to_json(&v.record).unwrap_or_default())),
        TargetKind::Article => editor
            .get_article(id)?
            .map(|v| (v.version, to_json(&v.record).unwrap_or_default())),
        TargetKind::Dict => match editor.get_dict(id) {
            Ok(v) => Some((v.version, serde_json::Value::String(v.record))),
            Err(EditError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
    })
}

/// Holds an exclusive OS lock on `<knowledge>/.publish.lock` while alive, so two instances that
/// share one knowledge directory never write it at the same time.
struct DirLock(std::fs::File);

impl DirLock {
    fn acquire(dir: &std::path::Path) -> std::io::Result<DirLock> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(".publish.lock"))?;
        f.lock()?;
        Ok(DirLock(f))
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl Bot {
    fn editor(&self) -> EdResult<Editor> {
        let paths = self.paths.as_ref().ok_or(EditorialError::NoKnowledgeDir)?;
        Ok(Editor::new(paths.knowledge.clone()))
    }

    async fn blocking<T: Send + 'static>(
        f: impl FnOnce() -> EdResult<T> + Send + 'static,
    ) -> EdResult<T> {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| EditorialError::Internal(format!("editor task panicked: {e}")))?
    }

    /// Entries for the editors' list, filtered, with their versions and draft flags.
    pub async fn admin_faq_list(&self, filter: FaqFilter) -> EdResult<(usize, Vec<FaqSummary>)> {
        let editor = self.editor()?;
        let all = Self::blocking(move || Ok(editor.list_faq()?)).await?;
        let drafts = self.records.list_drafts().await?;
        let drafted: std::collections::HashSet<String> = drafts
            .iter()
            .filter(|d| d.target_kind == TargetKind::Faq)
            .map(|d| d.target_id.clone())
            .collect();
        let today = crate::china_time::today();
        let needle = filter.text.as_deref().map(crate::text::normalize);
        let mut out: Vec<FaqSummary> = all
            .into_iter()
            .filter(|v| {
                let r = &v.record;
                let text_ok = needle.as_deref().is_none_or(|n| {
                    n.trim().is_empty()
                        || r.id.contains(n.trim())
                        || std::iter::once(&r.question)
                            .chain(r.similar.iter())
                            .chain(std::iter::once(&r.answer))
                            .any(|t| crate::text::normalize(t).contains(n.trim()))
                });
                let tag_ok = filter
                    .tag
                    .as_deref()
                    .is_none_or(|t| r.tags.iter().any(|x| x == t));
                let region_ok = filter.region.as_deref().is_none_or(|g| {
                    if g == "national" || g == "全国" {
                        r.regions.is_empty()
                    } else {
                        r.regions.iter().any(|x| x == g)
                    }
                });
                let ins_ok = filter.insurance.as_deref().is_none_or(|i| r.insurance == i);
                let status_ok = match filter.status.as_deref() {
                    Some("draft") => r.status == "draft" || drafted.contains(&r.id),
                    Some(s) => r.status == s,
                    None => true,
                };
                let stale_ok = !filter.stale || is_stale(r.expires.as_deref(), today);
                text_ok && tag_ok && region_ok && ins_ok && status_ok && stale_ok
            })
            .map(|v| FaqSummary {
                has_draft: drafted.contains(&v.record.id),
                stale: is_stale(v.record.expires.as_deref(), today),
                id: v.record.id,
                question: v.record.question,
                file: v.record.file,
                status: v.record.status,
                updated: v.record.updated,
                expires: v.record.expires,
                regions: v.record.regions,
                insurance: v.record.insurance,
                tags: v.record.tags,
                version: v.version,
            })
            .collect();
        // New drafts (no entry in the files yet) are listed too when drafts are asked for.
        if filter.status.as_deref() == Some("draft") {
            for d in drafts.iter().filter(|d| d.target_kind == TargetKind::Faq) {
                if out.iter().any(|s| s.id == d.target_id) {
                    continue;
                }
                if let Ok(r) = serde_json::from_value::<FaqRecord>(d.body.clone()) {
                    out.push(FaqSummary {
                        id: d.target_id.clone(),
                        question: r.question,
                        file: r.file,
                        status: "draft".into(),
                        updated: r.updated,
                        expires: r.expires,
                        regions: r.regions,
                        insurance: r.insurance,
                        tags: r.tags,
                        version: String::new(),
                        has_draft: true,
                        stale: false,
                    });
                }
            }
        }
        let total = out.len();
        let limit = if filter.limit == 0 { 50 } else { filter.limit };
        Ok((
            total,
            out.into_iter().skip(filter.offset).take(limit).collect(),
        ))
    }

    /// One entry with its pending draft.
    pub async fn admin_faq(&self, id: &str) -> EdResult<FaqDetail> {
        let editor = self.editor()?;
        let key = id.to_string();
        let found = Self::blocking(move || Ok(editor.get_faq(&key)?)).await?;
        let draft = self.records.get_draft(TargetKind::Faq, id).await?;
        match (found, draft) {
            (Some(v), draft) => Ok(FaqDetail {
                record: v.record,
                version: v.version,
                draft: draft.map(DraftView::from),
            }),
            (None, Some(d)) => {
                let record: FaqRecord = serde_json::from_value(d.body.clone())
                    .map_err(|e| EditorialError::Internal(format!("draft of {id}: {e}")))?;
                Ok(FaqDetail {
                    record,
                    version: String::new(),
                    draft: Some(d.into()),
                })
            }
            (None, None) => Err(EditorialError::NotFound(format!("faq {id}"))),
        }
    }

    /// Validate an edit without saving it: field problems and warnings (for live validation).
    pub async fn admin_validate(
        &self,
        record: FaqRecord,
    ) -> EdResult<crate::knowledge::edit::Validation> {
        let editor = self.editor()?;
        let plan = Self::blocking({
            let editor = editor.clone();
            move || Ok(editor.plan(&[Change::UpsertFaq(record)], None)?)
        })
        .await;
        let plan = match plan {
            Ok(p) => p,
            Err(EditorialError::Invalid(problems)) => {
                return Ok(crate::knowledge::edit::Validation {
                    errors: problems,
                    warnings: vec![],
                })
            }
            Err(e) => return Err(e),
        };
        let conflicts = self.ranking_conflicts(&plan).await?;
        let mut v = Self::blocking(move || Ok(editor.validate(&plan)?)).await?;
        v.errors.retain(|p| !p.preexisting);
        v.warnings.retain(|p| !p.preexisting);
        v.warnings.extend(conflicts);
        Ok(v)
    }

    /// New similar questions (and a new standard question) that the live snapshot already
    /// answers confidently (at or above the answer threshold) with another entry: the editor should know before publishing.
    async fn ranking_conflicts(&self, plan: &Plan) -> EdResult<Vec<FieldProblem>> {
        let snap = self.snapshot();
        let mut asks: Vec<(String, String, String)> = Vec::new();
        for o in &plan.outcomes {
            let Some(faq) = &o.faq else { continue };
            for q in &o.added_similar {
                let i = faq.similar.iter().position(|s| s == q);
                let field = i.map_or("similar".to_string(), |i| format!("similar[{i}]"));
                asks.push((o.id.clone(), field, q.clone()));
            }
            if let Some(q) = &o.new_question {
                asks.push((o.id.clone(), "question".into(), q.clone()));
            }
        }
        Self::blocking(move || {
            let mut out = Vec::new();
            for (id, field, q) in asks {
                let params = DecisionParams::default();
                if let answer::DomainVerdict::Other { .. } =
                    answer::Domain::new(&snap.kb.dict).check(&q)
                {
                    // Ruled out before ranking: the domain vocabulary says this is another
                    // system's question, so the entry would never be reached with it.
                    out.push(FieldProblem::field(
                        &id,
                        field,
                        format!(
                            "“{q}” 会被领域判断当作其他部门的问题直接转介，永远到不了这个条目；请改写，或在 dict/domain.toml 调整词表"
                        ),
                    ));
                    continue;
                }
                let d = answer::decide(&snap, &q, &params)?;
                if d.reply.kind != ReplyKind::Answer {
                    continue;
                }
                if let Some((top, score)) = d.ranked.first() {
                    // Only a confident answer counts: a weak best match in a small corpus is
                    // not a competitor.
                    if top != &id && *score >= params.answer {
                        out.push(FieldProblem::field(
                            &id,
                            field,
                            format!(
                                "“{q}” 现在已由条目 {top} 回答（得分 {score:.2}）；加入后两个条目会争同一类问题，请确认"
                            ),
                        ));
                    }
                }
            }
            Ok(out)
        })
        .await
    }

    /// Save or publish an edit of one FAQ entry (a new one when its id is empty or unknown).
    pub async fn admin_save_faq(&self, who: &Principal, edit: FaqEdit) -> EdResult<Saved> {
        let editor = self.editor()?;
        let id = edit.record.id.clone();
        let current = if id.is_empty() {
            None
        } else {
            let e = editor.clone();
            let key = id.clone();
            Self::blocking(move || Ok(e.get_faq(&key)?)).await?
        };
        if let Some(cur) = &current {
            check_version(&cur.version, edit.if_match.as_deref())?;
        }
        if edit.draft {
            return self.save_draft(who, editor, edit, current).await;
        }
        let action = if current.is_some() {
            AuditAction::Update
        } else {
            AuditAction::Create
        };
        self.publish_change(
            who,
            Change::UpsertFaq(edit.record),
            edit.if_match,
            edit.override_reason,
            action,
        )
        .await
    }

    async fn save_draft(
        &self,
        who: &Principal,
        editor: Editor,
        edit: FaqEdit,
        current: Option<Versioned<FaqRecord>>,
    ) -> EdResult<Saved> {
        let record = edit.record;
        let if_match = edit.if_match.clone();
        let plan = Self::blocking({
            let editor = editor.clone();
            let record = record.clone();
            move || Ok(editor.plan(&[Change::UpsertFaq(record)], if_match.as_deref())?)
        })
        .await?;
        let outcome = plan
            .outcomes
            .first()
            .cloned()
            .ok_or_else(|| EditorialError::Internal("empty plan".into()))?;
        // The draft is checked like a publish (so the editor learns of problems early), but
        // problems do not stop it from being saved: it is work in progress.
        let validation = Self::blocking(move || Ok(editor.validate(&plan)?)).await?;
        let mut warnings: Vec<FieldProblem> = validation
            .errors
            .into_iter()
            .chain(validation.warnings)
            .filter(|p| !p.preexisting)
            .collect();
        let saved_record = outcome.faq.clone().unwrap_or(record);
        let draft = Draft {
            target_kind: TargetKind::Faq,
            target_id: outcome.id.clone(),
            body: to_json(&saved_record).unwrap_or_default(),
            base_version: current.as_ref().map(|c| c.version.clone()),
            by: who.label.clone(),
            saved_at: crate::china_time::now(),
        };
        self.records.save_draft(draft).await?;
        let audit = self
            .records
            .append_audit(AuditRecord {
                at: crate::china_time::now(),
                who: who.label.clone(),
                action: AuditAction::Draft,
                target_kind: TargetKind::Faq,
                target_id: outcome.id.clone(),
                version_before: current.as_ref().map(|c| c.version.clone()),
                version_after: outcome.version.clone(),
                before: current.as_ref().and_then(|c| to_json(&c.record)),
                after: to_json(&saved_record),
                reason: None,
            })
            .await?;
        warnings.dedup();
        Ok(Saved {
            id: outcome.id,
            version: outcome.version,
            file: outcome.file,
            status: "draft",
            warnings,
            reload: None,
            audit,
        })
    }

    /// Publish the pending draft of an entry (or a `status = "draft"` entry in the files).
    pub async fn admin_publish_draft(
        &self,
        who: &Principal,
        id: &str,
        override_reason: Option<String>,
    ) -> EdResult<Saved> {
        let editor = self.editor()?;
        let key = id.to_string();
        let current = Self::blocking(move || Ok(editor.get_faq(&key)?)).await?;
        let (record, base) = match self.records.get_draft(TargetKind::Faq, id).await? {
            Some(d) => {
                let r: FaqRecord = serde_json::from_value(d.body)
                    .map_err(|e| EditorialError::Internal(format!("draft of {id}: {e}")))?;
                (r, d.base_version)
            }
            None => match &current {
                Some(c) if c.record.status == "draft" => {
                    (c.record.clone(), Some(c.version.clone()))
                }
                _ => return Err(EditorialError::NotFound(format!("draft of faq {id}"))),
            },
        };
        let mut record = record;
        record.status = "published".into();
        // The draft was edited from `base`: if the entry changed since, that is a conflict.
        let current_version = current.as_ref().map(|c| c.version.clone());
        if base != current_version {
            return Err(EditorialError::Conflict { current_version });
        }
        self.publish_change(
            who,
            Change::UpsertFaq(record),
            current_version,
            override_reason,
            AuditAction::Publish,
        )
        .await
    }

    /// Drop an entry's pending draft.
    pub async fn admin_discard_draft(&self, who: &Principal, id: &str) -> EdResult<()> {
        let Some(d) = self.records.get_draft(TargetKind::Faq, id).await? else {
            return Err(EditorialError::NotFound(format!("draft of faq {id}")));
        };
        self.records.delete_draft(TargetKind::Faq, id).await?;
        self.records
            .append_audit(AuditRecord {
                at: crate::china_time::now(),
                who: who.label.clone(),
                action: AuditAction::Delete,
                target_kind: TargetKind::Faq,
                target_id: id.to_string(),
                version_before: None,
                version_after: None,
                before: Some(d.body),
                after: None,
                reason: Some("draft discarded".into()),
            })
            .await?;
        Ok(())
    }

    /// Delete an entry (needs the version it was read at).
    pub async fn admin_delete_faq(
        &self,
        who: &Principal,
        id: &str,
        if_match: Option<String>,
    ) -> EdResult<Saved> {
        let editor = self.editor()?;
        let key = id.to_string();
        let current = Self::blocking(move || Ok(editor.get_faq(&key)?))
            .await?
            .ok_or_else(|| EditorialError::NotFound(format!("faq {id}")))?;
        check_version(&current.version, if_match.as_deref())?;
        self.publish_change(
            who,
            Change::DeleteFaq(id.to_string()),
            if_match,
            Some("delete".into()),
            AuditAction::Delete,
        )
        .await
    }

    /// Publish what the entry was at `version` (a version from the audit log).
    pub async fn admin_revert(&self, who: &Principal, id: &str, version: &str) -> EdResult<Saved> {
        // The content the entry had at `version`: the `after` of the change that produced it, or
        // the `before` of the change that replaced it (the version an entry had before its first
        // edit through the API is only known that way).
        let history = self
            .records
            .audit(AuditFilter {
                target: Some((TargetKind::Faq, id.to_string())),
                limit: 10_000,
                before_seq: None,
            })
            .await?;
        let content: Option<Option<serde_json::Value>> =
            history.iter().find_map(|e: &AuditEntry| {
                if e.record.action == AuditAction::Draft {
                    return None;
                }
                if e.record.version_after.as_deref() == Some(version) {
                    Some(e.record.after.clone())
                } else if e.record.version_before.as_deref() == Some(version) {
                    Some(e.record.before.clone())
                } else {
                    None
                }
            });
        let content = content
            .ok_or_else(|| EditorialError::NotFound(format!("version {version} of faq {id}")))?;
        let editor = self.editor()?;
        let key = id.to_string();
        let current = Self::blocking(move || Ok(editor.get_faq(&key)?)).await?;
        let if_match = current.as_ref().map(|c| c.version.clone());
        let change = match content {
            Some(after) => {
                let mut r: FaqRecord = serde_json::from_value(after).map_err(|e| {
                    EditorialError::Internal(format!("audit of {id} at {version}: {e}"))
                })?;
                r.status = "published".into();
                Change::UpsertFaq(r)
            }
            None => Change::DeleteFaq(id.to_string()),
        };
        self.publish_change(
            who,
            change,
            if_match,
            Some(format!("revert to {version}")),
            AuditAction::Revert,
        )
        .await
    }

    /// Plan, validate, write atomically, reload, audit and announce one change. The publish lock
    /// (in-process and on the knowledge directory) is held throughout so publishes never
    /// interleave; questions keep being answered on the old snapshot until the swap.
    async fn publish_change(
        &self,
        who: &Principal,
        change: Change,
        if_match: Option<String>,
        override_reason: Option<String>,
        action: AuditAction,
    ) -> EdResult<Saved> {
        let editor = self.editor()?;
        let _one_publish = self.publish_lock.lock().await;
        let dir = editor.dir().to_path_buf();
        let lock = Self::blocking(move || {
            DirLock::acquire(&dir).map_err(|e| {
                EditorialError::Internal(format!("cannot lock the knowledge directory: {e}"))
            })
        })
        .await?;
        let (target_kind, id_hint) = target_of(&change);
        let before: Option<(String, serde_json::Value)> = if id_hint.is_empty() {
            None
        } else {
            let e = editor.clone();
            let key = id_hint.clone();
            Self::blocking(move || current_json(&e, target_kind, &key)).await?
        };
        let dict_text = match &change {
            Change::ReplaceDict { text, .. } => Some(text.clone()),
            _ => None,
        };
        let (plan, validation) = Self::blocking({
            let editor = editor.clone();
            move || {
                let plan = editor.plan(&[change], if_match.as_deref())?;
                let validation = editor.validate(&plan)?;
                Ok((plan, validation))
            }
        })
        .await?;
        let blocking: Vec<FieldProblem> = validation.blocking().into_iter().cloned().collect();
        if !blocking.is_empty() {
            return Err(EditorialError::Invalid(blocking));
        }
        let mut warnings: Vec<FieldProblem> = validation
            .warnings
            .into_iter()
            .filter(|p| !p.preexisting)
            .collect();
        warnings.extend(self.ranking_conflicts(&plan).await?);
        if !warnings.is_empty()
            && override_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            return Err(EditorialError::NeedsOverride(warnings));
        }
        let outcome = plan
            .outcomes
            .first()
            .cloned()
            .ok_or_else(|| EditorialError::Internal("empty plan".into()))?;
        Self::blocking({
            let editor = editor.clone();
            let plan = plan.clone();
            move || Ok(editor.commit(&plan)?)
        })
        .await?;
        let reload = match self.reload().await {
            Ok(r) => r,
            Err(e) => {
                // Put the old files back so files and index agree again.
                let undo = Plan {
                    files: plan
                        .files
                        .iter()
                        .map(|f| crate::knowledge::edit::PlannedFile {
                            path: f.path.clone(),
                            old: f.new.clone(),
                            new: f.old.clone(),
                        })
                        .collect(),
                    outcomes: vec![],
                };
                let e2 = editor.clone();
                let restored = Self::blocking(move || Ok(e2.commit(&undo)?)).await;
                if let Err(r) = &restored {
                    tracing::error!(error = %r, "could not restore the knowledge files after a failed publish");
                }
                let _ = self.reload().await;
                return Err(EditorialError::Publish(e.to_string()));
            }
        };
        drop(lock);
        if outcome.action != crate::knowledge::edit::Action::Deleted
            || action == AuditAction::Delete
        {
            let _ = self.records.delete_draft(target_kind, &outcome.id).await;
        }
        let audit = self
            .records
            .append_audit(AuditRecord {
                at: crate::china_time::now(),
                who: who.label.clone(),
                action,
                target_kind,
                target_id: outcome.id.clone(),
                version_before: before.as_ref().map(|b| b.0.clone()),
                version_after: outcome.version.clone(),
                before: before.map(|b| b.1),
                after: match (&outcome.faq, &outcome.article, &dict_text) {
                    (Some(f), _, _) => to_json(f),
                    (_, Some(a), _) => to_json(a),
                    (_, _, Some(t)) => Some(serde_json::Value::String(t.clone())),
                    _ => None,
                },
                reason: override_reason.filter(|r| !r.trim().is_empty()),
            })
            .await?;
        if let Err(e) = self.bus.publish(&reload.fingerprint).await {
            tracing::warn!(error = %e, "could not tell other instances about the publish; they pick it up at their next reload");
        }
        tracing::info!(who = %who.label, id = %outcome.id, action = action.as_str(), millis = reload.millis, "published");
        Ok(Saved {
            id: outcome.id,
            version: outcome.version,
            file: outcome.file,
            status: if action == AuditAction::Delete {
                "deleted"
            } else {
                "published"
            },
            warnings,
            reload: Some(reload),
            audit,
        })
    }

    /// The audit log, newest first.
    pub async fn admin_audit(
        &self,
        target: Option<(TargetKind, String)>,
        limit: usize,
        before: Option<i64>,
    ) -> EdResult<Vec<AuditEntry>> {
        Ok(self
            .records
            .audit(AuditFilter {
                target,
                limit: limit.clamp(1, 500),
                before_seq: before,
            })
            .await?)
    }

    /// Questions the bot could not answer well, grouped.
    pub async fn admin_unanswered(
        &self,
        filter: UnansweredFilter,
    ) -> EdResult<Vec<UnansweredGroup>> {
        Ok(self.records.unanswered(filter).await?)
    }

    /// Add an unanswered question to an entry's similar questions and publish it.
    pub async fn admin_attach(
        &self,
        who: &Principal,
        key: &str,
        entry: &str,
        text: Option<String>,
    ) -> EdResult<Saved> {
        let groups = self
            .records
            .unanswered(UnansweredFilter {
                status: None,
                limit: 10_000,
            })
            .await?;
        let group = groups
            .into_iter()
            .find(|g| g.key == key)
            .ok_or_else(|| EditorialError::NotFound(format!("unanswered question {key}")))?;
        let question = text
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or(group.text);
        let editor = self.editor()?;
        let id = entry.to_string();
        let current = Self::blocking(move || Ok(editor.get_faq(&id)?))
            .await?
            .ok_or_else(|| EditorialError::NotFound(format!("faq {entry}")))?;
        let mut record = current.record.clone();
        if !record.similar.contains(&question) {
            record.similar.push(question.clone());
        }
        let saved = self
            .publish_change(
                who,
                Change::UpsertFaq(record),
                Some(current.version),
                Some(format!("attach unanswered question {key}")),
                AuditAction::Attach,
            )
            .await?;
        self.records
            .resolve_unanswered(
                key,
                Resolution::Attached {
                    entry: entry.to_string(),
                },
                &who.label,
                crate::china_time::now(),
            )
            .await?;
        Ok(saved)
    }

    /// Dismiss an unanswered question with a reason.
    pub async fn admin_dismiss(&self, who: &Principal, key: &str, reason: &str) -> EdResult<()> {
        let found = self
            .records
            .resolve_unanswered(
                key,
                Resolution::Dismissed {
                    reason: reason.to_string(),
                },
                &who.label,
                crate::china_time::now(),
            )
            .await?;
        if !found {
            return Err(EditorialError::NotFound(format!(
                "unanswered question {key}"
            )));
        }
        self.records
            .append_audit(AuditRecord {
                at: crate::china_time::now(),
                who: who.label.clone(),
                action: AuditAction::Dismiss,
                target_kind: TargetKind::Faq,
                target_id: key.to_string(),
                version_before: None,
                version_after: None,
                before: None,
                after: None,
                reason: Some(reason.to_string()),
            })
            .await?;
        Ok(())
    }

    /// Usage statistics over `days` days, with the published FAQ entries never hit.
    pub async fn admin_stats(&self, days: u32) -> EdResult<EditorStats> {
        let stats = self
            .records
            .stats(days.clamp(1, 366), crate::china_time::today())
            .await?;
        let snap = self.snapshot();
        let never_hit = snap
            .entries
            .iter()
            .filter(|e| e.kind == crate::search::Kind::Faq && !stats.hits.contains_key(&e.id))
            .map(|e| e.id.clone())
            .collect();
        Ok(EditorStats { stats, never_hit })
    }
}

impl Bot {
    /// Which entry would answer `text` if `record` were published: the edit is applied to a
    /// temporary copy of the knowledge files and a snapshot is built from it exactly as a publish
    /// would (seconds on the full corpus; one preview build at a time).
    pub async fn preview_edited(&self, text: &str, record: FaqRecord) -> EdResult<Preview> {
        let editor = self.editor()?;
        let _one_build = self.preview_lock.lock().await;
        let text = text.to_string();
        Self::blocking(move || {
            let plan = editor.plan(&[Change::UpsertFaq(record)], None)?;
            let validation = editor.validate(&plan)?;
            let blocking: Vec<FieldProblem> = validation.blocking().into_iter().cloned().collect();
            if !blocking.is_empty() {
                return Err(EditorialError::Invalid(blocking));
            }
            let tmp = tempfile::tempdir()
                .map_err(|e| EditorialError::Internal(format!("preview: no temp dir: {e}")))?;
            let knowledge = tmp.path().join("knowledge");
            editor.stage(&plan, &knowledge)?;
            let paths = crate::config::Paths {
                knowledge,
                index: tmp.path().join("index"),
                data: tmp.path().join("data"),
            };
            let snap = answer::load_snapshot(&paths, &|_, _| {})?;
            Ok(preview_on(&snap, &text, "edited")?)
        })
        .await
    }
}

impl Bot {
    /// Reload whenever another instance announces a publish on the bus (they share the knowledge
    /// directory). Runs until the bot is dropped or the bus closes.
    pub fn spawn_publish_listener(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let mut sub = self.bus.subscribe();
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            while let Some(fingerprint) = sub.recv().await {
                let Some(bot) = weak.upgrade() else { break };
                if bot.snapshot().manifest.fingerprint == fingerprint {
                    continue;
                }
                match bot.reload().await {
                    Ok(r) if r.fingerprint == fingerprint => {
                        tracing::info!(fingerprint = %fingerprint, millis = r.millis, "reloaded after another instance's publish")
                    }
                    Ok(r) => tracing::warn!(
                        announced = %fingerprint,
                        loaded = %r.fingerprint,
                        "reloaded after another instance's publish, but the files here differ (is the knowledge directory shared?)"
                    ),
                    Err(e) => {
                        tracing::error!(error = %e, "could not reload after another instance's publish")
                    }
                }
            }
        })
    }
}

/// An edit of an article or a dictionary file.
#[derive(Debug, Clone)]
pub enum OtherEdit {
    Article(Box<ArticleRecord>),
    DeleteArticle(String),
    Dict { name: String, text: String },
}

impl Bot {
    /// Every article with its version.
    pub async fn admin_articles(&self) -> EdResult<Vec<Versioned<ArticleRecord>>> {
        let editor = self.editor()?;
        Self::blocking(move || Ok(editor.list_articles()?)).await
    }

    /// One article with its version.
    pub async fn admin_article(&self, id: &str) -> EdResult<Versioned<ArticleRecord>> {
        let editor = self.editor()?;
        let key = id.to_string();
        Self::blocking(move || Ok(editor.get_article(&key)?))
            .await?
            .ok_or_else(|| EditorialError::NotFound(format!("article {id}")))
    }

    /// A dictionary file (`synonyms.txt`, `user.dict`, `stopwords.txt`) with its version.
    pub async fn admin_dict(&self, name: &str) -> EdResult<Versioned<String>> {
        let editor = self.editor()?;
        let key = name.to_string();
        Self::blocking(move || Ok(editor.get_dict(&key)?)).await
    }

    /// Publish an article or dictionary change (the same checks, lock, audit and reload as a FAQ
    /// edit). Replacing an existing record needs its version.
    pub async fn admin_publish_other(
        &self,
        who: &Principal,
        edit: OtherEdit,
        if_match: Option<String>,
        override_reason: Option<String>,
    ) -> EdResult<Saved> {
        let editor = self.editor()?;
        let change = match edit {
            OtherEdit::Article(a) => Change::UpsertArticle(*a),
            OtherEdit::DeleteArticle(id) => Change::DeleteArticle(id),
            OtherEdit::Dict { name, text } => Change::ReplaceDict { name, text },
        };
        let (kind, id) = target_of(&change);
        let current = {
            let key = id.clone();
            Self::blocking(move || current_json(&editor, kind, &key)).await?
        };
        let deleting = matches!(change, Change::DeleteArticle(_));
        let action = match (&current, deleting) {
            (None, true) => return Err(EditorialError::NotFound(format!("article {id}"))),
            (_, true) => AuditAction::Delete,
            (Some(_), false) => AuditAction::Update,
            (None, false) => AuditAction::Create,
        };
        if let Some((version, _)) = &current {
            check_version(version, if_match.as_deref())?;
        }
        let reason = if deleting {
            override_reason.or_else(|| Some("delete".into()))
        } else {
            override_reason
        };
        self.publish_change(who, change, if_match, reason, action)
            .await
    }
}
