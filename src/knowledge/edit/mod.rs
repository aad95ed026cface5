//! Editing the knowledge files: the library behind the editors' CLI (`bujiao kb add/edit/rm/
//! publish/import`) and the admin HTTP API.
//!
//! The files under `knowledge/` stay the source of truth and stay reviewable in git, so every
//! change is computed as the new text of the few files it touches ([`Editor::plan`]), checked
//! with exactly `kb validate`'s checks on the corpus as it would be ([`Editor::validate`]), and
//! only then written, each file atomically ([`Editor::commit`]). FAQ files are edited with
//! `toml_edit`: only the keys that changed are rewritten, so comments, ordering and the
//! formatting of everything else keep their bytes. Records carry a version (an ETag); a write
//! that names a version other than the current one is refused ([`EditError::Conflict`]), never
//! applied over someone else's change.
//!
//! Everything here is synchronous file work; async callers run it on the blocking pool.

mod check;
mod commit;
mod record;
pub mod table;
mod toml_write;

pub use check::{answer_contradictions, FieldProblem, Validation};
pub use commit::CommitHook;
pub use record::{text_version, ArticleRecord, FaqRecord, Versioned};

use crate::knowledge::{Audience, InsuranceScope};
use chrono::NaiveDate;
use record::{FieldValue, ARTICLE_FIELDS, FAQ_FIELDS};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

/// Where FAQ entries go that resemble no topic file.
pub const EDITOR_FAQ_FILE: &str = "faq/editor.toml";

const EDITOR_FILE_HEADER: &str = "# FAQ entries added with the editors' tools (`bujiao kb add`, `kb import`, the admin API)\n# that share no id prefix or tag with a topic file. Move an entry to its topic file when one fits.\n";

/// The dictionary files editors may replace as a whole.
pub const DICT_FILES: &[&str] = &["synonyms.txt", "user.dict", "stopwords.txt"];

/// Why an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// `if_match` named another version than the record's current one (`None`: the record does
    /// not exist). HTTP: 412.
    #[error("version conflict: the record changed since it was read (current version: {})", .current_version.as_deref().unwrap_or("none, it does not exist"))]
    Conflict { current_version: Option<String> },
    /// A file changed on disk between `plan` and `commit`: plan again.
    #[error("{0} changed on disk since the change was planned; nothing was written")]
    FileChanged(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// Malformed input, field by field.
    #[error("invalid input: {}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldProblem>),
    /// A knowledge file that cannot be parsed, so it cannot be edited safely.
    #[error("{file}: cannot edit this file: {message}")]
    Unreadable { file: String, message: String },
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl EditError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EditError::Io {
            path: path.into(),
            source,
        }
    }
}

/// One change an editor asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Add a FAQ entry (no id, or an id not in use) or replace one (same id).
    UpsertFaq(FaqRecord),
    DeleteFaq(String),
    UpsertArticle(ArticleRecord),
    DeleteArticle(String),
    /// Replace `dict/<name>` (one of [`DICT_FILES`]) with this text.
    ReplaceDict {
        name: String,
        text: String,
    },
}

/// What a planned change does to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Added,
    Changed,
    Unchanged,
    Deleted,
}

/// Which kind of record a change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Faq,
    Article,
    Dict,
}

/// The result of one change in a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub kind: ItemKind,
    /// The record's id (a dictionary's file name).
    pub id: String,
    /// The file it is in (relative to the knowledge dir).
    pub file: String,
    pub action: Action,
    /// The record's version once the plan is committed (`None` when deleted).
    pub version: Option<String>,
    /// Similar questions the new record has and the old one had not (all of them for a new
    /// entry): the phrasings whose ranking the HTTP layer checks against other entries.
    pub added_similar: Vec<String>,
    /// The standard question when it is new or changed.
    pub new_question: Option<String>,
    /// The FAQ entry as it will be (FAQ upserts).
    pub faq: Option<FaqRecord>,
    /// The article as it will be (article upserts).
    pub article: Option<ArticleRecord>,
}

/// One file a plan rewrites, creates (`old: None`) or deletes (`new: None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Relative to the knowledge dir, `/`-separated.
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The new text of every file a list of changes touches; nothing is written yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub files: Vec<PlannedFile>,
    pub outcomes: Vec<Outcome>,
}

impl Plan {
    /// Whether committing would change no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files the plan writes or deletes.
    pub fn paths(&self) -> Vec<&str> {
        self.files.iter().map(|f| f.path.as_str()).collect()
    }
}

/// Reads and edits one knowledge directory.
#[derive(Debug, Clone)]
pub struct Editor {
    dir: PathBuf,
    today: Option<NaiveDate>,
}

/// A parsed FAQ file being edited.
struct FaqDoc {
    old: Option<String>,
    doc: DocumentMut,
}

/// A parsed article.
struct ArticleDoc {
    front: DocumentMut,
    /// Everything after the closing `+++` line, byte for byte.
    rest: String,
}

fn read_opt(path: &Path) -> Result<Option<String>, EditError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(EditError::io(path, e)),
    }
}

/// Files under `dir` with the extension, recursively, sorted, as `/`-separated paths relative
/// to `root` (the order `knowledge::load` reads them in).
fn files_with_ext(root: &Path, dir: &str, ext: &str) -> Result<Vec<String>, EditError> {
    let mut out: Vec<PathBuf> = Vec::new();
    let base = root.join(dir);
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    let mut stack = vec![base];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| EditError::io(&d, e))? {
            let p = entry.map_err(|e| EditError::io(&d, e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out
        .into_iter()
        .filter_map(|p| {
            p.strip_prefix(root)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        })
        .collect())
}

fn parse_doc(file: &str, text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>()
        .map_err(|e| EditError::Unreadable {
            file: file.to_string(),
            message: e.message().to_string(),
        })
}

fn faq_array(doc: &DocumentMut) -> Option<&ArrayOfTables> {
    doc.get("faq").and_then(Item::as_array_of_tables)
}

fn faq_array_mut(doc: &mut DocumentMut) -> Option<&mut ArrayOfTables> {
    doc.get_mut("faq").and_then(Item::as_array_of_tables_mut)
}

/// A FAQ record from its table (the answer trimmed, as the loader reads it).
fn faq_from_table(t: &Table, file: &str) -> FaqRecord {
    use toml_write::{get_list, get_opt_str, get_str};
    FaqRecord {
        id: get_str(t, "id"),
        question: get_str(t, "question"),
        similar: get_list(t, "similar"),
        answer: get_str(t, "answer").trim().to_string(),
        tags: get_list(t, "tags"),
        insurance: get_str(t, "insurance"),
        audience: get_list(t, "audience"),
        regions: get_list(t, "regions"),
        sources: get_list(t, "sources"),
        supersedes: get_list(t, "supersedes"),
        localizes: get_list(t, "localizes"),
        effective: get_str(t, "effective"),
        expires: get_opt_str(t, "expires"),
        updated: get_opt_str(t, "updated"),
        status: get_str(t, "status"),
        file: Some(file.to_string()),
    }
}

/// Splits an article into its front matter and the rest after the closing `+++` line.
fn split_article(file: &str, text: &str) -> Result<(String, String), EditError> {
    let unreadable = |m: &str| EditError::Unreadable {
        file: file.to_string(),
        message: m.to_string(),
    };
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = t
        .strip_prefix("+++\n")
        .or_else(|| t.strip_prefix("+++\r\n"))
        .ok_or_else(|| unreadable("missing front matter: the file must start with a `+++` line"))?;
    let end = rest
        .find("\n+++")
        .ok_or_else(|| unreadable("unterminated front matter: no closing `+++` line"))?;
    Ok((rest[..end + 1].to_string(), rest[end + 4..].to_string()))
}

fn parse_article(file: &str, text: &str) -> Result<ArticleDoc, EditError> {
    let (front, rest) = split_article(file, text)?;
    Ok(ArticleDoc {
        front: parse_doc(file, &front)?,
        rest,
    })
}

fn article_from_doc(a: &ArticleDoc, file: &str) -> ArticleRecord {
    use toml_write::{get_list, get_opt_str, get_str};
    let t = a.front.as_table();
    ArticleRecord {
        id: get_str(t, "id"),
        title: get_str(t, "title"),
        questions: get_list(t, "questions"),
        tags: get_list(t, "tags"),
        insurance: get_str(t, "insurance"),
        audience: get_list(t, "audience"),
        regions: get_list(t, "regions"),
        sources: get_list(t, "sources"),
        effective: get_str(t, "effective"),
        expires: get_opt_str(t, "expires"),
        updated: get_opt_str(t, "updated"),
        status: get_str(t, "status"),
        body: a.rest.trim().to_string(),
        file: Some(file.to_string()),
    }
}

/// The first 16 hex digits of SHA-256, for generated ids.
fn short_hash(s: &str, len: usize) -> String {
    let d = Sha256::digest(s.as_bytes());
    hex::encode(d)[..len].to_string()
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn valid_date(s: &str) -> bool {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// A file name part editors may use: lowercase ascii, digits, '-' and '_'.
fn valid_stem(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn tidy_list(items: &[String]) -> Vec<String> {
    items.iter().map(|s| s.trim().to_string()).collect()
}

fn tidy_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_string()
}

/// Checks shared by FAQ entries and articles, over a record's fields: insurance, audience,
/// dates, status, and no empty list item.
fn check_common(p: &mut Vec<FieldProblem>, id: &str, fields: &[(&'static str, FieldValue)]) {
    let mut bad = |field: String, message: String| {
        p.push(FieldProblem::field(id, field, message));
    };
    for (name, value) in fields {
        match (*name, value) {
            ("insurance", FieldValue::Str(v)) if InsuranceScope::parse(v).is_none() => bad(
                "insurance".into(),
                format!("unknown insurance {v:?} (expected medical, pension or any)"),
            ),
            ("audience", FieldValue::List(items)) => {
                for (i, a) in items.iter().enumerate() {
                    if Audience::parse(a).is_none() {
                        bad(format!("audience[{i}]"), format!("unknown audience {a:?} (expected employee, flexible, resident, retiree, employer, unemployed or any)"));
                    }
                }
            }
            ("effective" | "expires" | "updated", FieldValue::Str(v)) if !valid_date(v) => bad(
                name.to_string(),
                format!("bad date {v:?} (expected YYYY-MM-DD)"),
            ),
            ("status", FieldValue::Str(v)) if !matches!(v.as_str(), "published" | "draft") => bad(
                "status".into(),
                format!("unknown status {v:?} (expected published or draft)"),
            ),
            (_, FieldValue::List(items)) => {
                for (i, s) in items.iter().enumerate() {
                    if s.is_empty() {
                        bad(format!("{name}[{i}]"), "empty item".into());
                    }
                }
            }
            _ => {}
        }
    }
}

impl Editor {
    pub fn new(knowledge_dir: impl Into<PathBuf>) -> Self {
        Editor {
            dir: knowledge_dir.into(),
            today: None,
        }
    }

    /// Fixes "today" (the default `updated` date) instead of China's current date; for tests.
    pub fn with_today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(crate::china_time::today)
    }

    fn faq_docs(&self) -> Result<BTreeMap<String, FaqDoc>, EditError> {
        let mut out = BTreeMap::new();
        for rel in files_with_ext(&self.dir, "faq", "toml")? {
            let path = self.dir.join(&rel);
            let text = std::fs::read_to_string(&path).map_err(|e| EditError::io(&path, e))?;
            let doc = parse_doc(&rel, &text)?;
            out.insert(
                rel,
                FaqDoc {
                    old: Some(text),
                    doc,
                },
            );
        }
        Ok(out)
    }

    /// Every FAQ entry in file order.
    pub fn list_faq(&self) -> Result<Vec<Versioned<FaqRecord>>, EditError> {
        let docs = self.faq_docs()?;
        let mut out = Vec::new();
        for (rel, d) in &docs {
            if let Some(a) = faq_array(&d.doc) {
                for t in a.iter() {
                    let record = faq_from_table(t, rel);
                    out.push(Versioned {
                        version: record.version(),
                        record,
                    });
                }
            }
        }
        Ok(out)
    }

    /// One FAQ entry by id.
    pub fn get_faq(&self, id: &str) -> Result<Option<Versioned<FaqRecord>>, EditError> {
        Ok(self.list_faq()?.into_iter().find(|v| v.record.id == id))
    }

    /// Every article, by file name.
    pub fn list_articles(&self) -> Result<Vec<Versioned<ArticleRecord>>, EditError> {
        let mut out = Vec::new();
        for rel in files_with_ext(&self.dir, "articles", "md")? {
            let path = self.dir.join(&rel);
            let text = std::fs::read_to_string(&path).map_err(|e| EditError::io(&path, e))?;
            let record = article_from_doc(&parse_article(&rel, &text)?, &rel);
            out.push(Versioned {
                version: record.version(),
                record,
            });
        }
        Ok(out)
    }

    pub fn get_article(&self, id: &str) -> Result<Option<Versioned<ArticleRecord>>, EditError> {
        Ok(self
            .list_articles()?
            .into_iter()
            .find(|v| v.record.id == id))
    }

    /// A dictionary file's whole text (one of [`DICT_FILES`]).
    pub fn get_dict(&self, name: &str) -> Result<Versioned<String>, EditError> {
        let rel = dict_path(name)?;
        let path = self.dir.join(&rel);
        let text = read_opt(&path)?.ok_or_else(|| EditError::NotFound(rel.clone()))?;
        Ok(Versioned {
            version: text_version(&text),
            record: text,
        })
    }

    /// The new text of every file the changes touch, computed in memory. `if_match` is the
    /// version the caller read; it needs exactly one change and is checked against that
    /// change's record (`"*"`: the record must exist).
    pub fn plan(&self, changes: &[Change], if_match: Option<&str>) -> Result<Plan, EditError> {
        if if_match.is_some() && changes.len() != 1 {
            return Err(EditError::Invalid(vec![FieldProblem::field(
                "",
                "if_match",
                format!(
                    "a version applies to one change, not {} changes",
                    changes.len()
                ),
            )]));
        }
        let mut w = Work {
            editor: self,
            faqs: self.faq_docs()?,
            files: BTreeMap::new(),
            outcomes: Vec::new(),
            new_ids: Vec::new(),
        };
        let mut problems = Vec::new();
        for (i, change) in changes.iter().enumerate() {
            match w.apply(change, if_match) {
                Ok(()) => {}
                Err(EditError::Invalid(p)) => problems.extend(p.into_iter().map(|mut p| {
                    p.change = Some(i);
                    p
                })),
                Err(e) => return Err(e),
            }
        }
        if !problems.is_empty() {
            return Err(EditError::Invalid(problems));
        }
        Ok(w.finish())
    }

    /// `kb validate`'s checks on the corpus with the plan applied (in a temporary copy), the
    /// problems attributed to the edited records' fields where they fall inside them, plus the
    /// answer-against-similar-question contradictions of the changed entries as warnings.
    pub fn validate(&self, plan: &Plan) -> Result<Validation, EditError> {
        check::validate(self, plan)
    }

    /// A copy of the knowledge directory at `dest` with the plan applied; the real files are not
    /// touched (previews).
    pub fn stage(&self, plan: &Plan, dest: &Path) -> Result<(), EditError> {
        check::stage(self, plan, dest)
    }

    /// Writes the plan's files, each atomically (see [`commit::commit_with`]).
    pub fn commit(&self, plan: &Plan) -> Result<Vec<String>, EditError> {
        commit::commit_with(&self.dir, plan, &mut |_| Ok(()))
    }

    /// [`Editor::commit`] with a hook run before each rename (a test seam to inject a crash
    /// between writing the temporary files and renaming them).
    pub fn commit_with(
        &self,
        plan: &Plan,
        hook: &mut CommitHook<'_>,
    ) -> Result<Vec<String>, EditError> {
        commit::commit_with(&self.dir, plan, hook)
    }
}

fn dict_path(name: &str) -> Result<String, EditError> {
    let n = name.strip_prefix("dict/").unwrap_or(name);
    if DICT_FILES.contains(&n) {
        Ok(format!("dict/{n}"))
    } else {
        Err(EditError::NotFound(format!(
            "dictionary {name:?} (editable: {})",
            DICT_FILES.join(", ")
        )))
    }
}

/// The state of a plan being computed.
struct Work<'a> {
    editor: &'a Editor,
    faqs: BTreeMap<String, FaqDoc>,
    /// Articles and dictionaries: path → (text on disk, planned text).
    files: BTreeMap<String, (Option<String>, Option<String>)>,
    outcomes: Vec<Outcome>,
    /// Ids generated in this plan (not yet in any file).
    new_ids: Vec<String>,
}

fn check_version(current: Option<&str>, if_match: Option<&str>) -> Result<(), EditError> {
    match (if_match, current) {
        (None, _) => Ok(()),
        (Some("*"), Some(_)) => Ok(()),
        (Some(want), Some(cur)) if want == cur => Ok(()),
        (Some(_), cur) => Err(EditError::Conflict {
            current_version: cur.map(str::to_string),
        }),
    }
}

impl Work<'_> {
    fn apply(&mut self, change: &Change, if_match: Option<&str>) -> Result<(), EditError> {
        match change {
            Change::UpsertFaq(r) => self.upsert_faq(r, if_match),
            Change::DeleteFaq(id) => self.delete_faq(id, if_match),
            Change::UpsertArticle(r) => self.upsert_article(r, if_match),
            Change::DeleteArticle(id) => self.delete_article(id, if_match),
            Change::ReplaceDict { name, text } => self.replace_dict(name, text, if_match),
        }
    }

    /// (file, index) of a FAQ entry in the working state.
    fn find_faq(&self, id: &str) -> Option<(String, usize)> {
        for (rel, d) in &self.faqs {
            if let Some(a) = faq_array(&d.doc) {
                if let Some(i) = a.iter().position(|t| toml_write::get_str(t, "id") == id) {
                    return Some((rel.clone(), i));
                }
            }
        }
        None
    }

    fn id_in_use(&self, id: &str) -> bool {
        self.find_faq(id).is_some()
            || self.new_ids.iter().any(|n| n == id)
            || self.editor.dir.join(format!("articles/{id}.md")).exists()
    }

    fn generate_id(&self, prefix: &str, text: &str) -> String {
        for len in [8, 12, 16] {
            let id = format!("{prefix}-{}", short_hash(text, len));
            if !self.id_in_use(&id) {
                return id;
            }
        }
        let base = format!("{prefix}-{}", short_hash(text, 16));
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|id| !self.id_in_use(id))
            .unwrap_or(base)
    }

    /// The file of the entries a new one most resembles: most entries with its id prefix, else
    /// most shared tags, else [`EDITOR_FAQ_FILE`].
    fn choose_file(&self, r: &FaqRecord, generated: bool) -> String {
        let prefix = r.id.split('-').next().unwrap_or("");
        let mut best: Option<(usize, &String)> = None;
        if !generated && !prefix.is_empty() && r.id.contains('-') {
            for (rel, d) in &self.faqs {
                let n = faq_array(&d.doc).map_or(0, |a| {
                    a.iter()
                        .filter(|t| toml_write::get_str(t, "id").split('-').next() == Some(prefix))
                        .count()
                });
                if n > 0 && best.is_none_or(|(b, _)| n > b) {
                    best = Some((n, rel));
                }
            }
        }
        if best.is_none() && !r.tags.is_empty() {
            for (rel, d) in &self.faqs {
                let n = faq_array(&d.doc).map_or(0, |a| {
                    a.iter()
                        .map(|t| {
                            toml_write::get_list(t, "tags")
                                .iter()
                                .filter(|x| r.tags.contains(x))
                                .count()
                        })
                        .sum()
                });
                if n > 0 && best.is_none_or(|(b, _)| n > b) {
                    best = Some((n, rel));
                }
            }
        }
        best.map(|(_, f)| f.clone())
            .unwrap_or_else(|| EDITOR_FAQ_FILE.to_string())
    }

    fn doc_for(&mut self, rel: &str) -> Result<&mut FaqDoc, EditError> {
        if !self.faqs.contains_key(rel) {
            let path = self.editor.dir.join(rel);
            let old = read_opt(&path)?;
            let doc = parse_doc(rel, old.as_deref().unwrap_or(""))?;
            self.faqs.insert(rel.to_string(), FaqDoc { old, doc });
        }
        Ok(self.faqs.get_mut(rel).expect("inserted above"))
    }

    fn upsert_faq(&mut self, input: &FaqRecord, if_match: Option<&str>) -> Result<(), EditError> {
        let mut r = FaqRecord {
            id: input.id.trim().to_string(),
            question: input.question.trim().to_string(),
            similar: tidy_list(&input.similar),
            answer: tidy_text(&input.answer),
            tags: tidy_list(&input.tags),
            insurance: input.insurance.trim().to_string(),
            audience: tidy_list(&input.audience),
            regions: tidy_list(&input.regions),
            sources: tidy_list(&input.sources),
            supersedes: tidy_list(&input.supersedes),
            localizes: tidy_list(&input.localizes),
            effective: input.effective.trim().to_string(),
            expires: input
                .expires
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            updated: input
                .updated
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            status: match input.status.trim() {
                "" => "published".to_string(),
                s => s.to_string(),
            },
            file: input
                .file
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        };
        let shown_id = r.id.clone();
        let mut p = Vec::new();
        if !r.id.is_empty() && !valid_id(&r.id) {
            p.push(FieldProblem::field(
                &shown_id,
                "id",
                format!(
                    "bad id {:?}: use lowercase ascii letters, digits and '-'",
                    r.id
                ),
            ));
        }
        if r.question.is_empty() {
            p.push(FieldProblem::field(&shown_id, "question", "is required"));
        }
        if r.answer.is_empty() {
            p.push(FieldProblem::field(&shown_id, "answer", "is required"));
        }
        check_common(&mut p, &shown_id, &r.fields());
        if let Some(f) = &r.file {
            let ok = f
                .strip_prefix("faq/")
                .and_then(|s| s.strip_suffix(".toml"))
                .is_some_and(valid_stem);
            if !ok {
                p.push(FieldProblem::field(
                    &shown_id,
                    "file",
                    format!("bad file {f:?}: expected faq/<name>.toml with a lowercase ascii name"),
                ));
            }
        }
        if !p.is_empty() {
            return Err(EditError::Invalid(p));
        }
        if r.updated.is_none() {
            r.updated = Some(self.editor.today().format("%Y-%m-%d").to_string());
        }

        let existing = if r.id.is_empty() {
            None
        } else {
            self.find_faq(&r.id)
        };
        let old = existing.as_ref().map(|(rel, i)| {
            let t = faq_array(&self.faqs[rel].doc)
                .and_then(|a| a.get(*i))
                .expect("found above");
            faq_from_table(t, rel)
        });
        check_version(old.as_ref().map(|o| o.version()).as_deref(), if_match)?;

        let generated = r.id.is_empty();
        if generated {
            r.id = self.generate_id("faq", &r.question);
            self.new_ids.push(r.id.clone());
        }
        let target = match (&r.file, &existing) {
            (Some(f), _) => f.clone(),
            (None, Some((rel, _))) => rel.clone(),
            (None, None) => self.choose_file(&r, generated),
        };
        r.file = Some(target.clone());

        let action = match (&old, &existing) {
            (Some(o), Some((rel, i))) if *rel == target => {
                let old_fields = o.fields();
                let new_fields = r.fields();
                let unchanged = old_fields == new_fields;
                let t = faq_array_mut(&mut self.faqs.get_mut(rel).expect("found").doc)
                    .and_then(|a| a.get_mut(*i))
                    .expect("found above");
                toml_write::apply_fields(t, FAQ_FIELDS, &old_fields, &new_fields);
                if unchanged {
                    Action::Unchanged
                } else {
                    Action::Changed
                }
            }
            (_, moved_from) => {
                if let Some((rel, i)) = moved_from {
                    remove_table(&mut self.faqs.get_mut(rel).expect("found").doc, *i);
                }
                let doc = self.doc_for(&target)?;
                push_table(&mut doc.doc, &r.fields());
                if moved_from.is_some() {
                    Action::Changed
                } else {
                    Action::Added
                }
            }
        };
        let added_similar = match &old {
            Some(o) => r
                .similar
                .iter()
                .filter(|s| !o.similar.contains(s))
                .cloned()
                .collect(),
            None => r.similar.clone(),
        };
        let new_question = match &old {
            Some(o) if o.question == r.question => None,
            _ => Some(r.question.clone()),
        };
        self.outcomes.push(Outcome {
            kind: ItemKind::Faq,
            id: r.id.clone(),
            file: target,
            action,
            version: Some(r.version()),
            added_similar,
            new_question,
            faq: Some(r),
            article: None,
        });
        Ok(())
    }

    fn delete_faq(&mut self, id: &str, if_match: Option<&str>) -> Result<(), EditError> {
        let Some((rel, i)) = self.find_faq(id) else {
            return match if_match {
                Some(_) => Err(EditError::Conflict {
                    current_version: None,
                }),
                None => Err(EditError::NotFound(format!("FAQ entry {id:?}"))),
            };
        };
        let doc = &mut self.faqs.get_mut(&rel).expect("found").doc;
        let old = faq_from_table(faq_array(doc).and_then(|a| a.get(i)).expect("found"), &rel);
        check_version(Some(&old.version()), if_match)?;
        remove_table(doc, i);
        self.outcomes.push(Outcome {
            kind: ItemKind::Faq,
            id: id.to_string(),
            file: rel,
            action: Action::Deleted,
            version: None,
            added_similar: vec![],
            new_question: None,
            faq: None,
            article: None,
        });
        Ok(())
    }

    /// An article's working text (planned, else on disk) by path.
    fn file_text(&mut self, rel: &str) -> Result<Option<String>, EditError> {
        if let Some((_, new)) = self.files.get(rel) {
            return Ok(new.clone());
        }
        let old = read_opt(&self.editor.dir.join(rel))?;
        self.files
            .insert(rel.to_string(), (old.clone(), old.clone()));
        Ok(old)
    }

    /// (path, parsed article) of an article by id: `articles/<id>.md` first, else any article
    /// file whose front matter carries the id.
    fn find_article(&mut self, id: &str) -> Result<Option<(String, ArticleDoc)>, EditError> {
        let mut candidates = vec![format!("articles/{id}.md")];
        candidates.extend(files_with_ext(&self.editor.dir, "articles", "md")?);
        for rel in candidates {
            let Some(text) = self.file_text(&rel)? else {
                continue;
            };
            let a = parse_article(&rel, &text)?;
            if toml_write::get_str(a.front.as_table(), "id") == id {
                return Ok(Some((rel, a)));
            }
        }
        Ok(None)
    }

    fn upsert_article(
        &mut self,
        input: &ArticleRecord,
        if_match: Option<&str>,
    ) -> Result<(), EditError> {
        let opt = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut r = ArticleRecord {
            id: input.id.trim().to_string(),
            title: input.title.trim().to_string(),
            questions: tidy_list(&input.questions),
            tags: tidy_list(&input.tags),
            insurance: input.insurance.trim().to_string(),
            audience: tidy_list(&input.audience),
            regions: tidy_list(&input.regions),
            sources: tidy_list(&input.sources),
            effective: input.effective.trim().to_string(),
            expires: opt(&input.expires),
            updated: opt(&input.updated),
            status: match input.status.trim() {
                "" => "published".to_string(),
                s => s.to_string(),
            },
            body: tidy_text(&input.body),
            file: None,
        };
        let shown_id = r.id.clone();
        let mut p = Vec::new();
        if !r.id.is_empty() && !valid_id(&r.id) {
            p.push(FieldProblem::field(
                &shown_id,
                "id",
                format!(
                    "bad id {:?}: use lowercase ascii letters, digits and '-'",
                    r.id
                ),
            ));
        }
        if r.title.is_empty() {
            p.push(FieldProblem::field(&shown_id, "title", "is required"));
        }
        if r.body.is_empty() {
            p.push(FieldProblem::field(&shown_id, "body", "is required"));
        }
        check_common(&mut p, &shown_id, &r.fields());
        if let Some(f) = input.file.as_deref().filter(|f| !f.trim().is_empty()) {
            let ok = f
                .strip_prefix("articles/")
                .and_then(|s| s.strip_suffix(".md"))
                .is_some_and(valid_stem);
            if !ok {
                p.push(FieldProblem::field(
                    &shown_id,
                    "file",
                    format!("bad file {f:?}: expected articles/<name>.md"),
                ));
            }
        }
        if !p.is_empty() {
            return Err(EditError::Invalid(p));
        }
        if r.updated.is_none() {
            r.updated = Some(self.editor.today().format("%Y-%m-%d").to_string());
        }
        if r.id.is_empty() {
            r.id = self.generate_id("article", &r.title);
            self.new_ids.push(r.id.clone());
        }
        let existing = self.find_article(&r.id)?;
        let old = existing.as_ref().map(|(rel, a)| article_from_doc(a, rel));
        check_version(old.as_ref().map(|o| o.version()).as_deref(), if_match)?;
        let target = existing
            .as_ref()
            .map(|(rel, _)| rel.clone())
            .or_else(|| input.file.clone().filter(|f| !f.trim().is_empty()))
            .unwrap_or_else(|| format!("articles/{}.md", r.id));
        r.file = Some(target.clone());
        let (action, text) = match existing {
            Some((_, mut a)) => {
                let o = old.as_ref().expect("existing");
                let mut new_fields = r.fields();
                new_fields.push(("body", FieldValue::Str(r.body.clone())));
                let mut old_fields = o.fields();
                old_fields.push(("body", FieldValue::Str(o.body.clone())));
                let unchanged = new_fields == old_fields;
                toml_write::apply_fields(
                    a.front.as_table_mut(),
                    ARTICLE_FIELDS,
                    &o.fields(),
                    &r.fields(),
                );
                if o.body != r.body {
                    a.rest = format!("\n{}\n", r.body);
                }
                (
                    if unchanged {
                        Action::Unchanged
                    } else {
                        Action::Changed
                    },
                    format!("+++\n{}+++{}", a.front, a.rest),
                )
            }
            None => {
                let t = toml_write::new_table(ARTICLE_FIELDS, &r.fields(), "");
                let mut front = DocumentMut::new();
                *front.as_table_mut() = t;
                (Action::Added, format!("+++\n{front}+++\n{}\n", r.body))
            }
        };
        self.file_text(&target)?;
        if let Some(entry) = self.files.get_mut(&target) {
            entry.1 = Some(text);
        }
        self.outcomes.push(Outcome {
            kind: ItemKind::Article,
            id: r.id.clone(),
            file: target,
            action,
            version: Some(r.version()),
            added_similar: vec![],
            new_question: None,
            faq: None,
            article: Some(r),
        });
        Ok(())
    }

    fn delete_article(&mut self, id: &str, if_match: Option<&str>) -> Result<(), EditError> {
        let Some((rel, a)) = self.find_article(id)? else {
            return match if_match {
                Some(_) => Err(EditError::Conflict {
                    current_version: None,
                }),
                None => Err(EditError::NotFound(format!("article {id:?}"))),
            };
        };
        check_version(Some(&article_from_doc(&a, &rel).version()), if_match)?;
        if let Some(entry) = self.files.get_mut(&rel) {
            entry.1 = None;
        }
        self.outcomes.push(Outcome {
            kind: ItemKind::Article,
            id: id.to_string(),
            file: rel,
            action: Action::Deleted,
            version: None,
            added_similar: vec![],
            new_question: None,
            faq: None,
            article: None,
        });
        Ok(())
    }

    fn replace_dict(
        &mut self,
        name: &str,
        text: &str,
        if_match: Option<&str>,
    ) -> Result<(), EditError> {
        let rel = dict_path(name)?;
        let current = self.file_text(&rel)?;
        check_version(current.as_deref().map(text_version).as_deref(), if_match)?;
        let mut new = text.replace("\r\n", "\n");
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        let action = match &current {
            Some(c) if *c == new => Action::Unchanged,
            Some(_) => Action::Changed,
            None => Action::Added,
        };
        let version = text_version(&new);
        if let Some(entry) = self.files.get_mut(&rel) {
            entry.1 = Some(new);
        }
        self.outcomes.push(Outcome {
            kind: ItemKind::Dict,
            id: rel.trim_start_matches("dict/").to_string(),
            file: rel,
            action,
            version: Some(version),
            added_similar: vec![],
            new_question: None,
            faq: None,
            article: None,
        });
        Ok(())
    }

    fn finish(self) -> Plan {
        let mut files = Vec::new();
        for (path, d) in self.faqs {
            let new = d.doc.to_string();
            if d.old.as_deref() != Some(new.as_str()) {
                files.push(PlannedFile {
                    path,
                    old: d.old,
                    new: Some(new),
                });
            }
        }
        for (path, (old, new)) in self.files {
            if old != new {
                files.push(PlannedFile { path, old, new });
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Plan {
            files,
            outcomes: self.outcomes,
        }
    }
}

/// Appends an entry to a FAQ file, with a blank line before it (or the new file's header).
fn push_table(doc: &mut DocumentMut, fields: &[(&'static str, FieldValue)]) {
    let first = faq_array(doc).is_none_or(|a| a.is_empty()) && doc.as_table().is_empty();
    let prefix = if first {
        format!("{EDITOR_FILE_HEADER}\n")
    } else {
        "\n".to_string()
    };
    let table = toml_write::new_table(FAQ_FIELDS, fields, &prefix);
    if faq_array(doc).is_none() {
        doc.as_table_mut()
            .insert("faq", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    if let Some(a) = faq_array_mut(doc) {
        a.push(table);
    }
}

/// Removes entry `i`; the first entry's leading comment (the file header) moves to the next
/// entry, or to the end of the document when no entry is left.
fn remove_table(doc: &mut DocumentMut, i: usize) {
    let Some(a) = faq_array_mut(doc) else { return };
    let prefix = a
        .get(i)
        .and_then(|t| t.decor().prefix())
        .and_then(|p| p.as_str())
        .unwrap_or("")
        .to_string();
    a.remove(i);
    if i != 0 || !prefix.contains('#') {
        return;
    }
    if let Some(next) = a.get_mut(0) {
        next.decor_mut().set_prefix(prefix);
    } else {
        let trailing = doc.trailing().as_str().unwrap_or("").to_string();
        doc.set_trailing(format!("{}{trailing}", prefix.trim_end_matches('\n')) + "\n");
    }
}
