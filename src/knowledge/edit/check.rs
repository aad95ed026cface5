//! Checking a plan before it is written: `kb validate` on the corpus as it would be, with each
//! problem attributed to the edited record's field where possible, plus the contradictions
//! between an answer's opening and the way a similar question asks.
//!
//! The checks are exactly `knowledge::load` + `knowledge::validate` (+ `warnings`), run on a
//! temporary copy of the knowledge directory with the planned files written into it, so an
//! editor gets the same verdict CI will give. A problem is *new* when the corpus on disk did not
//! have it already; only new errors block a write, so one broken entry does not stop every edit.

use super::{Action, ArticleRecord, EditError, Editor, FaqRecord, ItemKind, Outcome, Plan};
use crate::knowledge::{self, Problem};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// A problem, placed as precisely as known: a file and line, and (for an edited record) the
/// record's id and field (`similar[3]`, `answer`, `audience[0]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    /// Relative to the knowledge dir.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The edited record the problem concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    /// The corpus on disk already had this problem (it does not block a write).
    pub preexisting: bool,
    /// For input problems: the index of the change (in the list given to `plan`) they are in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<usize>,
}

impl FieldProblem {
    /// A problem with one field of the record `id` (empty id: a new record without one).
    pub fn field(id: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldProblem {
            file: None,
            line: None,
            id: (!id.is_empty()).then(|| id.to_string()),
            field: Some(field.into()),
            message: message.into(),
            preexisting: false,
            change: None,
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            _ => {}
        }
        match (&self.id, &self.field) {
            (Some(id), Some(field)) => write!(f, "{id}.{field}: ")?,
            (None, Some(field)) => write!(f, "{field}: ")?,
            _ => {}
        }
        f.write_str(&self.message)
    }
}

/// What `validate` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Validation {
    /// `kb validate` errors of the corpus with the plan applied.
    pub errors: Vec<FieldProblem>,
    /// `kb validate` warnings, and answer/similar-question contradictions of changed entries.
    pub warnings: Vec<FieldProblem>,
}

impl Validation {
    /// The errors the plan brings in (not already on disk): any of them refuses the write.
    pub fn blocking(&self) -> Vec<&FieldProblem> {
        self.errors.iter().filter(|p| !p.preexisting).collect()
    }

    pub fn is_ok(&self) -> bool {
        self.blocking().is_empty()
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), EditError> {
    std::fs::create_dir_all(to).map_err(|e| EditError::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| EditError::io(from, e))? {
        let entry = entry.map_err(|e| EditError::io(from, e))?;
        let p = entry.path();
        let dest = to.join(entry.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest)?;
        } else {
            std::fs::copy(&p, &dest).map_err(|e| EditError::io(&p, e))?;
        }
    }
    Ok(())
}

/// Errors and warnings of the corpus in `dir`.
fn run_checks(
    dir: &Path,
    today: chrono::NaiveDate,
) -> Result<(Vec<Problem>, Vec<Problem>), EditError> {
    let (kb, mut problems) = knowledge::load(dir).map_err(|e| match e {
        crate::Error::Io { path, source } => EditError::io(path, source),
        other => EditError::Unreadable {
            file: dir.display().to_string(),
            message: other.to_string(),
        },
    })?;
    problems.extend(knowledge::validate(&kb));
    let warnings = knowledge::warnings(&kb, today);
    Ok((problems, warnings))
}

/// A problem's path relative to `root` and its message with `root` taken out.
fn relative(p: &Problem, root: &Path) -> (String, String) {
    let file = p
        .file
        .strip_prefix(root)
        .unwrap_or(&p.file)
        .to_string_lossy()
        .replace('\\', "/");
    let mut prefix = root.to_string_lossy().to_string();
    prefix.push(std::path::MAIN_SEPARATOR);
    let area = match p.area {
        knowledge::Area::Content => "",
        knowledge::Area::Policy => "policy: ",
    };
    (file, format!("{area}{}", p.message.replace(&prefix, "")))
}

/// A message with line numbers of cross-references (`file:12)`) blanked, to recognise the same
/// problem before and after an edit that moved lines.
fn problem_key(file: &str, message: &str) -> String {
    let re = regex::Regex::new(r":\d+").expect("static regex");
    format!("{file}\u{1f}{}", re.replace_all(message, ":"))
}

/// Write a plan's files into a copy of the corpus at `root` (deleting the ones it deletes).
fn apply_files(plan: &Plan, root: &Path) -> Result<(), EditError> {
    for f in &plan.files {
        let path = root.join(&f.path);
        match &f.new {
            Some(text) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| EditError::io(parent, e))?;
                }
                std::fs::write(&path, text).map_err(|e| EditError::io(&path, e))?;
            }
            None => {
                if path.exists() {
                    std::fs::remove_file(&path).map_err(|e| EditError::io(&path, e))?;
                }
            }
        }
    }
    Ok(())
}

/// A copy of the knowledge directory at `dest` with the plan applied (nothing else written):
/// what an edited-entry preview builds its snapshot from.
pub(super) fn stage(editor: &Editor, plan: &Plan, dest: &Path) -> Result<(), EditError> {
    copy_dir(editor.dir(), dest)?;
    apply_files(plan, dest)
}

pub(super) fn validate(editor: &Editor, plan: &Plan) -> Result<Validation, EditError> {
    let today = editor.today();
    let tmp = tempfile::Builder::new()
        .prefix("bujiao-kb-check-")
        .tempdir()
        .map_err(|e| EditError::io(std::env::temp_dir(), e))?;
    let root = tmp.path().join("knowledge");
    copy_dir(editor.dir(), &root)?;
    let (base_errors, base_warnings) = run_checks(&root, today)?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for p in base_errors.iter().chain(&base_warnings) {
        let (f, m) = relative(p, &root);
        *seen.entry(problem_key(&f, &m)).or_default() += 1;
    }
    apply_files(plan, &root)?;
    let (errors, warnings) = run_checks(&root, today)?;
    let locator = Locator::new(plan);
    let mut out = Validation::default();
    for (list, target) in [(&errors, &mut out.errors), (&warnings, &mut out.warnings)] {
        for p in list.iter() {
            let (file, message) = relative(p, &root);
            let key = problem_key(&file, &message);
            let preexisting = match seen.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            };
            let (id, field) = locator.locate(&file, p.line, &message);
            target.push(FieldProblem {
                file: Some(file),
                line: Some(p.line),
                id,
                field,
                message,
                preexisting,
                change: None,
            });
        }
    }
    for o in &plan.outcomes {
        if let Some(r) = &o.faq {
            out.warnings.extend(answer_contradictions(r));
        }
    }
    Ok(out)
}

/// Where the edited records sit in the planned files, to name the field a problem is in.
struct Locator<'a> {
    /// (outcome, file, first line, last line, key → (first line, last line, item lines))
    entries: Vec<(&'a Outcome, String, usize, usize, Vec<KeySpan>)>,
}

struct KeySpan {
    key: String,
    first: usize,
    last: usize,
    /// First line of each array item.
    items: Vec<usize>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn key_spans(t: &toml_edit::Table, text: &str, base: usize) -> Vec<KeySpan> {
    let mut out = Vec::new();
    for (k, item) in t.iter() {
        let key_line = t
            .key(k)
            .and_then(|key| key.span())
            .map(|s| line_of(text, s.start) + base);
        let Some(span) = item.span() else { continue };
        let items = item
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.span().map(|s| line_of(text, s.start) + base))
                    .collect()
            })
            .unwrap_or_default();
        out.push(KeySpan {
            key: k.to_string(),
            first: key_line.unwrap_or(line_of(text, span.start) + base),
            last: line_of(text, span.end.saturating_sub(1)) + base,
            items,
        });
    }
    out
}

impl<'a> Locator<'a> {
    fn new(plan: &'a Plan) -> Self {
        let mut entries = Vec::new();
        for o in &plan.outcomes {
            let Some(text) = plan
                .files
                .iter()
                .find(|f| f.path == o.file)
                .and_then(|f| f.new.as_deref())
            else {
                continue;
            };
            match o.kind {
                ItemKind::Faq => {
                    let Ok(doc) = toml_edit::ImDocument::parse(text) else {
                        continue;
                    };
                    let Some(a) = doc.get("faq").and_then(|i| i.as_array_of_tables()) else {
                        continue;
                    };
                    for t in a.iter() {
                        if t.get("id").and_then(|i| i.as_str()) != Some(o.id.as_str()) {
                            continue;
                        }
                        let Some(span) = t.span() else { continue };
                        let keys = key_spans(t, text, 0);
                        let first = line_of(text, span.start);
                        let last = keys.iter().map(|k| k.last).max().unwrap_or(first);
                        entries.push((o, o.file.clone(), first, last, keys));
                    }
                }
                ItemKind::Article => {
                    let Ok((front, _)) = super::split_article(&o.file, text) else {
                        continue;
                    };
                    let Ok(doc) = toml_edit::ImDocument::parse(front.as_str()) else {
                        continue;
                    };
                    let keys = key_spans(doc.as_table(), &front, 1);
                    let last = front.matches('\n').count() + 2;
                    entries.push((o, o.file.clone(), 1, last, keys));
                }
                ItemKind::Dict => {}
            }
        }
        Locator { entries }
    }

    /// The edited record and field a problem at `file:line` with `message` concerns.
    ///
    /// Changed records are tried first: an import lists every row, and a phrasing a changed row
    /// took from another is reported on the unchanged one, but the changed row caused it.
    fn locate(&self, file: &str, line: usize, message: &str) -> (Option<String>, Option<String>) {
        for changed in [true, false] {
            let entries = self
                .entries
                .iter()
                .filter(|e| (e.0.action != Action::Unchanged) == changed);
            for (o, f, first, last, keys) in entries.clone() {
                if f == file && (*first..=*last).contains(&line) {
                    if let Some(field) = field_from_message(o, message) {
                        return (Some(o.id.clone()), Some(field));
                    }
                    let field = keys
                        .iter()
                        .find(|k| k.first <= line && line <= k.last)
                        .map(|k| match k.items.iter().rposition(|&l| l <= line) {
                            Some(i) if k.first != k.last => format!("{}[{i}]", k.key),
                            _ => k.key.clone(),
                        });
                    return (Some(o.id.clone()), field);
                }
            }
            // A problem reported on another entry or file that names an edited one ("also
            // appears under <id> (…)", "duplicate id \"<id>\" (first defined at …)").
            for (o, ..) in entries {
                if message.contains(&format!("under {} (", o.id))
                    || message.contains(&format!("{:?} (first defined", o.id))
                {
                    return (Some(o.id.clone()), field_from_message(o, message));
                }
            }
        }
        (None, None)
    }
}

/// The field an entry-level message (reported on the entry's first line) is about.
fn field_from_message(o: &Outcome, m: &str) -> Option<String> {
    let quoted = |items: &[String], name: &str| -> Option<String> {
        items
            .iter()
            .position(|s| m.contains(&format!("{s:?}")))
            .map(|i| format!("{name}[{i}]"))
    };
    if let Some(r) = &o.faq {
        return faq_field(r, m, quoted);
    }
    if let Some(a) = &o.article {
        return article_field(a, m, quoted);
    }
    None
}

/// Fields the loader names in its messages (dates, enumerations).
fn common_field(m: &str, audience: &[String]) -> Option<String> {
    if let Some(rest) = m.split_once("bad date in `").map(|(_, r)| r) {
        return rest.split('`').next().map(str::to_string);
    }
    if m.starts_with("unknown insurance") {
        return Some("insurance".into());
    }
    if m.starts_with("unknown status") {
        return Some("status".into());
    }
    if m.starts_with("unknown audience") {
        return Some(
            audience
                .iter()
                .position(|a| m.starts_with(&format!("unknown audience {a:?}")))
                .map_or("audience".to_string(), |i| format!("audience[{i}]")),
        );
    }
    None
}

fn faq_field(
    r: &FaqRecord,
    m: &str,
    quoted: impl Fn(&[String], &str) -> Option<String>,
) -> Option<String> {
    if let Some(field) = common_field(m, &r.audience) {
        return Some(field);
    }
    let f = |s: &str| Some(s.to_string());
    if m.contains("bad id") || m.contains("duplicate id") {
        f("id")
    } else if m.contains("empty question") {
        f("question")
    } else if m.contains("empty answer") || m.contains("the answer opens") {
        f("answer")
    } else if m.contains("`expires`") || m.contains("expired on") {
        f("expires")
    } else if m.contains("similar questions, needs") || m.contains("empty similar question") {
        f("similar")
    } else if m.contains("question \"") {
        if m.contains(&format!("question {:?}", r.question)) {
            f("question")
        } else {
            quoted(&r.similar, "similar").or_else(|| f("similar"))
        }
    } else if m.contains(" supersedes ") {
        quoted(&r.supersedes, "supersedes").or_else(|| f("supersedes"))
    } else if m.contains("names no region") {
        f("regions")
    } else if m.contains(" localizes ") {
        quoted(&r.localizes, "localizes").or_else(|| f("localizes"))
    } else if m.contains("source") || m.contains("is regional") {
        quoted(&r.sources, "sources").or_else(|| f("sources"))
    } else {
        None
    }
}

fn article_field(
    a: &ArticleRecord,
    m: &str,
    quoted: impl Fn(&[String], &str) -> Option<String>,
) -> Option<String> {
    if let Some(field) = common_field(m, &a.audience) {
        return Some(field);
    }
    let f = |s: &str| Some(s.to_string());
    if m.contains("bad id") || m.contains("duplicate id") {
        f("id")
    } else if m.contains("empty title") {
        f("title")
    } else if m.contains("empty body") {
        f("body")
    } else if m.contains("`expires`") || m.contains("expired on") {
        f("expires")
    } else if m.contains("source") || m.contains("is regional") {
        quoted(&a.sources, "sources").or_else(|| f("sources"))
    } else {
        None
    }
}

/// Negative openings: the answer says "no".
const NEGATIVE_OPENINGS: &[&str] = &[
    "不能",
    "不可以",
    "无法",
    "不行",
    "不用",
    "不需要",
    "不必",
    "无需",
    "没法",
    "不得",
    "不予",
    "不会",
    "不算",
    "不允许",
];

/// Affirmative openings: the answer says "yes".
const POSITIVE_OPENINGS: &[&str] = &[
    "能",
    "可以",
    "需要",
    "必须",
    "应当",
    "应该",
    "仍须",
    "仍然可以",
    "还能",
    "会",
];

/// A-not-A forms (能不能…) that ask without negating.
const A_NOT_A: &[&str] = &[
    "能不能",
    "可不可以",
    "是不是",
    "会不会",
    "要不要",
    "用不用",
    "需不需要",
    "有没有",
    "算不算",
    "行不行",
];

const NEGATIONS: &[&str] = &[
    "不用",
    "不能",
    "不可以",
    "不需要",
    "不会",
    "不必",
    "无需",
    "无法",
    "没法",
    "不再",
    "不算",
    "不给",
    "不交",
    "不缴",
    "不补",
    "不让",
    "不管",
];

/// +1 when the answer opens with a bare "yes" (能/可以/会… standing alone: followed by at most a
/// particle such as 的/啊 and then punctuation), -1 for a bare "no" (不能/不可以/无法…), 0 when it
/// opens with a conclusion that stands on its own ("不算连续。", "声明无效，单位仍须补缴").
fn opening_polarity(answer: &str) -> i8 {
    let a = answer.trim_start();
    let a = ["一般", "通常", "原则上"]
        .iter()
        .find_map(|p| a.strip_prefix(p))
        .unwrap_or(a);
    let bare = |w: &&str| {
        a.strip_prefix(*w).is_some_and(|rest| {
            let rest = rest.trim_start_matches(['的', '啊', '呀', '哦', '了', '呢', '哈']);
            rest.chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || !c.is_alphanumeric())
        })
    };
    // Longest words first, so 不可以 is not read as 不可 + 以.
    if NEGATIVE_OPENINGS.iter().any(bare) {
        -1
    } else if POSITIVE_OPENINGS.iter().any(bare) {
        1
    } else {
        0
    }
}

/// +1 for a yes/no question asked the positive way ("还能补吗"), -1 the negative way ("就不用补
/// 了吗"), 0 for other questions (找谁、怎么、多少…).
fn question_polarity(q: &str) -> i8 {
    // The question is in the last clause: "公司困难先停几个月不缴，这样行不行，看病咋办" asks 咋办.
    let t = q.trim().trim_end_matches(|c: char| !c.is_alphanumeric());
    let clause = t
        .rsplit(|c: char| !c.is_alphanumeric())
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let mut stripped = clause.to_string();
    for w in A_NOT_A {
        stripped = stripped.replace(w, "");
    }
    // 能不能… asks yes or no when little follows it ("能不能补缴"), not in "行不行啊停的时候看病咋办".
    let a_not_a = A_NOT_A.iter().any(|w| {
        clause
            .rfind(w)
            .is_some_and(|at| clause[at + w.len()..].chars().count() <= 4)
    });
    let clause = clause.trim_end_matches(['啊', '呀', '呢', '哈']);
    let yes_no =
        a_not_a || clause.ends_with('吗') || clause.ends_with('么') || clause.ends_with('嘛');
    if !yes_no || clause.ends_with("什么") || clause.ends_with("怎么") {
        return 0;
    }
    if NEGATIONS.iter().any(|n| stripped.contains(n)) {
        -1
    } else {
        1
    }
}

/// Warnings for an entry whose answer opens with a yes or a no while a similar question asks the
/// other way round from the standard question: "不能。" answers "单位就不用补了吗" and contradicts
/// "还能要求补缴吗". Bare openings the validator refuses (`bare_opening`: "不能。") are caught here
/// too, and so is a yes/no word with a particle ("不能的，", "可以啊，") that the validator lets
/// through; the warning names the similar question, `similar[i]`.
pub fn answer_contradictions(r: &FaqRecord) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    let pol = opening_polarity(&r.answer);
    let q = question_polarity(&r.question);
    if pol == 0 || q == 0 {
        return out;
    }
    let opening: String = r.answer.trim_start().chars().take(8).collect();
    for (i, s) in r.similar.iter().enumerate() {
        let sp = question_polarity(s);
        if sp != 0 && sp != q {
            out.push(FieldProblem {
                file: r.file.clone(),
                line: None,
                id: Some(r.id.clone()),
                field: Some(format!("similar[{i}]")),
                message: format!(
                    "warning: the answer opens with {opening:?}…, a {} to the standard question, but this similar question asks the {} way ({s:?}), so the same opening reads the opposite; open with a conclusion true for both",
                    if pol > 0 { "yes" } else { "no" },
                    if sp > 0 { "positive" } else { "negative" },
                ),
                preexisting: false,
                change: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polarity_of_questions() {
        assert_eq!(question_polarity("签了放弃声明还能要求补缴吗"), 1);
        assert_eq!(question_polarity("签了自愿放弃，单位就不用补缴了吗？"), -1);
        assert_eq!(question_polarity("能不能补缴"), 1);
        assert_eq!(question_polarity("欠的医保费找谁补？"), 0);
        assert_eq!(question_polarity("滞纳金是什么"), 0);
    }

    #[test]
    fn a_no_to_both_ways_of_asking_is_flagged_on_the_similar() {
        let r = FaqRecord {
            id: "x".into(),
            question: "签了自愿放弃社保的声明，单位就不用补缴了吗？".into(),
            similar: vec![
                "放弃声明签了单位是不是就不用交了".into(),
                "签了放弃声明还能要求补缴吗".into(),
            ],
            answer: "不能的，单位仍须补缴".into(),
            ..Default::default()
        };
        let w = answer_contradictions(&r);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].field.as_deref(), Some("similar[1]"));
        let fine = FaqRecord {
            answer: "不能免除，单位仍须补缴".into(),
            ..r
        };
        assert!(answer_contradictions(&fine).is_empty());
    }
}
