//! Reading the knowledge directory into typed items, with line numbers for every problem.

use super::types::*;
use super::Problem;
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Bump when the analysis or index layout changes so existing indexes are rebuilt.
pub const INDEX_FORMAT_VERSION: &str = "bujiao-index-v9";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFaq {
    id: Spanned<String>,
    question: Spanned<String>,
    #[serde(default)]
    similar: Vec<Spanned<String>>,
    answer: Spanned<String>,
    #[serde(default)]
    tags: Vec<String>,
    insurance: Spanned<String>,
    #[serde(default)]
    audience: Vec<Spanned<String>>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    sources: Vec<Spanned<String>>,
    #[serde(default)]
    supersedes: Vec<String>,
    #[serde(default)]
    localizes: Vec<String>,
    effective: Spanned<String>,
    #[serde(default)]
    expires: Option<Spanned<String>>,
    updated: Spanned<String>,
    status: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqFile {
    #[serde(default)]
    faq: Vec<Spanned<RawFaq>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArticle {
    id: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    questions: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    insurance: Spanned<String>,
    #[serde(default)]
    audience: Vec<Spanned<String>>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    sources: Vec<Spanned<String>>,
    effective: Spanned<String>,
    #[serde(default)]
    expires: Option<Spanned<String>>,
    updated: Spanned<String>,
    status: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLaw {
    id: Spanned<String>,
    law: String,
    article: String,
    text: Spanned<String>,
    effective: Spanned<String>,
    #[serde(default)]
    amended: Option<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LawFile {
    #[serde(default)]
    law: Vec<Spanned<RawLaw>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    number: Option<String>,
    issuer: String,
    year: Spanned<i64>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocFile {
    #[serde(default)]
    doc: Vec<Spanned<RawDoc>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DomainFile {
    #[serde(default)]
    in_domain: Vec<String>,
    #[serde(default)]
    core: Vec<String>,
    #[serde(default)]
    out_of_domain_phrases: Vec<String>,
    #[serde(default)]
    phrase_exceptions: Vec<String>,
    #[serde(default)]
    out_of_domain_pair: Vec<WordPair>,
    #[serde(default)]
    other: Vec<OtherSystem>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// Lines of one file's byte offsets, found by binary search over its newline positions: a file
/// of thousands of entries would otherwise be rescanned from its start for every entry (quadratic:
/// at a hundred times the corpus that was 70 of the 72 seconds of loading).
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// 1-based line of `offset` (as [`line_of`]).
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// Collects problems for one file; `base` shifts lines (front matter starts below `+++`).
struct Ctx<'a> {
    file: &'a Path,
    text: &'a str,
    base: usize,
    problems: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn line<T>(&self, s: &Spanned<T>) -> usize {
        line_of(self.text, s.span().start) + self.base
    }
    fn err(&mut self, line: usize, msg: impl Into<String>) {
        self.problems.push(Problem::new(self.file, line, msg));
    }
    fn parse_err(&mut self, e: toml::de::Error) {
        let line = e.span().map(|s| line_of(self.text, s.start)).unwrap_or(1) + self.base;
        let msg = e.message().to_string();
        self.err(line, format!("invalid TOML: {msg}"));
    }
    fn date(&mut self, s: &Spanned<String>, field: &str) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(s.get_ref(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                let l = self.line(s);
                self.err(
                    l,
                    format!(
                        "bad date in `{field}`: {:?} (expected YYYY-MM-DD)",
                        s.get_ref()
                    ),
                );
                None
            }
        }
    }
    /// An optional date: `Some(None)` when absent, `None` when present but malformed.
    fn optional_date(
        &mut self,
        s: &Option<Spanned<String>>,
        field: &str,
    ) -> Option<Option<NaiveDate>> {
        match s {
            Some(s) => self.date(s, field).map(Some),
            None => Some(None),
        }
    }
    fn insurance(&mut self, s: &Spanned<String>) -> Option<InsuranceScope> {
        let v = InsuranceScope::parse(s.get_ref());
        if v.is_none() {
            let l = self.line(s);
            self.err(
                l,
                format!(
                    "unknown insurance {:?} (expected medical, pension or any)",
                    s.get_ref()
                ),
            );
        }
        v
    }
    fn audience(&mut self, list: &[Spanned<String>]) -> Option<Vec<Audience>> {
        let mut out = Vec::new();
        let mut ok = true;
        for a in list {
            match Audience::parse(a.get_ref()) {
                Some(v) => out.push(v),
                None => {
                    ok = false;
                    let l = self.line(a);
                    self.err(l, format!("unknown audience {:?} (expected employee, flexible, resident, retiree, employer, unemployed or any)", a.get_ref()));
                }
            }
        }
        if out.is_empty() && ok {
            out.push(Audience::Any);
        }
        ok.then_some(out)
    }
    fn status(&mut self, s: &Spanned<String>) -> Option<Status> {
        match s.get_ref().as_str() {
            "published" => Some(Status::Published),
            "draft" => Some(Status::Draft),
            other => {
                let l = self.line(s);
                self.err(
                    l,
                    format!("unknown status {other:?} (expected published or draft)"),
                );
                None
            }
        }
    }
}

/// Files directly or recursively under `dir` with the extension, sorted for stable order.
fn files_with_ext(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let p = entry.map_err(|e| Error::io(&d, e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// Hash of every file (path relative to `dir` and content; hidden files skipped) plus the index
/// format version.
pub fn fingerprint(dir: &Path) -> Result<String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for entry in rd {
            let p = entry.map_err(|e| Error::io(&d, e))?.path();
            // Hidden files are not knowledge: the publish lock, an edit's temporary file before
            // its rename, an editor's swap file.
            if p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut h = Sha256::new();
    h.update(INDEX_FORMAT_VERSION.as_bytes());
    for f in files {
        let rel = f.strip_prefix(dir).unwrap_or(&f);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(std::fs::read(&f).map_err(|e| Error::io(&f, e))?);
        h.update([0]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Load everything under `dir`. Files that cannot be read are errors; content problems are returned
/// beside the items that did load, so `kb validate` can report them all at once.
pub fn load(dir: &Path) -> Result<(Knowledge, Vec<Problem>)> {
    if !dir.is_dir() {
        return Err(Error::Other(format!(
            "knowledge directory {} does not exist",
            dir.display()
        )));
    }
    let mut kb = Knowledge::default();
    let mut problems = Vec::new();

    // FAQ files are most of a national corpus (tens of megabytes of TOML): parsed on every core,
    // kept in file order.
    let faq_files = files_with_ext(&dir.join("faq"), "toml")?;
    for parsed in parse_in_parallel(&faq_files, |path| {
        let text = read(path)?;
        let mut faqs = Vec::new();
        let mut problems = Vec::new();
        load_faqs(path, &text, &mut faqs, &mut problems);
        Ok::<_, Error>((faqs, problems))
    }) {
        let (faqs, file_problems) = parsed?;
        kb.faqs.extend(faqs);
        problems.extend(file_problems);
    }
    for path in files_with_ext(&dir.join("articles"), "md")? {
        let text = read(&path)?;
        load_article(&path, &text, &mut kb, &mut problems);
    }
    for path in files_with_ext(&dir.join("laws"), "toml")? {
        let text = read(&path)?;
        load_laws(&path, &text, &mut kb, &mut problems);
    }
    for path in files_with_ext(&dir.join("sources"), "toml")? {
        let text = read(&path)?;
        load_docs(&path, &text, &mut kb, &mut problems);
    }
    for path in files_with_ext(&dir.join("policies"), "toml")? {
        let text = read(&path)?;
        kb.policies.push(PolicyFile { file: path, text });
    }
    load_policies(&mut kb, &mut problems);
    load_dicts(&dir.join("dict"), &mut kb, &mut problems)?;
    kb.fingerprint = fingerprint(dir)?;
    kb.root = dir.to_path_buf();
    Ok((kb, problems))
}

/// `f` of every path, on all available cores, the results in the order of `paths`. Each worker
/// takes the next path as it finishes one, so a few large files do not land on one core.
fn parse_in_parallel<T: Send>(paths: &[PathBuf], f: impl Fn(&Path) -> T + Sync) -> Vec<T> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(paths.len());
    if threads <= 1 {
        return paths.iter().map(|p| f(p)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = paths.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else { break };
                let out = f(path);
                *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(out);
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("every path is parsed")
        })
        .collect()
}

fn load_faqs(path: &Path, text: &str, faqs: &mut Vec<Faq>, problems: &mut Vec<Problem>) {
    let mut cx = Ctx {
        file: path,
        text,
        base: 0,
        problems,
    };
    let parsed: FaqFile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => return cx.parse_err(e),
    };
    let lines = LineIndex::new(text);
    for entry in parsed.faq {
        let line = lines.line(entry.span().start);
        let r = entry.into_inner();
        let insurance = cx.insurance(&r.insurance);
        let audience = cx.audience(&r.audience);
        let effective = cx.date(&r.effective, "effective");
        let expires = cx.optional_date(&r.expires, "expires");
        let updated = cx.date(&r.updated, "updated");
        let status = cx.status(&r.status);
        let (
            Some(insurance),
            Some(audience),
            Some(effective),
            Some(expires),
            Some(updated),
            Some(status),
        ) = (insurance, audience, effective, expires, updated, status)
        else {
            continue;
        };
        faqs.push(Faq {
            id: r.id.into_inner(),
            question: r.question.into_inner(),
            similar: r.similar.into_iter().map(Spanned::into_inner).collect(),
            answer: r.answer.into_inner().trim().to_string(),
            tags: r.tags,
            insurance,
            audience,
            regions: r.regions,
            sources: r.sources.into_iter().map(Spanned::into_inner).collect(),
            supersedes: r.supersedes,
            localizes: r.localizes,
            effective,
            expires,
            updated,
            status,
            file: path.to_path_buf(),
            line,
        });
    }
}

fn load_article(path: &Path, text: &str, kb: &mut Knowledge, problems: &mut Vec<Problem>) {
    let body_text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = body_text
        .strip_prefix("+++\n")
        .or_else(|| body_text.strip_prefix("+++\r\n"))
    else {
        problems.push(Problem::new(
            path,
            1,
            "missing front matter: the file must start with a `+++` line",
        ));
        return;
    };
    let Some(end) = rest.find("\n+++") else {
        problems.push(Problem::new(
            path,
            1,
            "unterminated front matter: no closing `+++` line",
        ));
        return;
    };
    let front = &rest[..end + 1];
    let body = rest[end + 4..].trim().to_string();
    let mut cx = Ctx {
        file: path,
        text: front,
        base: 1,
        problems,
    };
    let r: RawArticle = match toml::from_str(front) {
        Ok(p) => p,
        Err(e) => return cx.parse_err(e),
    };
    let insurance = cx.insurance(&r.insurance);
    let audience = cx.audience(&r.audience);
    let effective = cx.date(&r.effective, "effective");
    let expires = cx.optional_date(&r.expires, "expires");
    let updated = cx.date(&r.updated, "updated");
    let status = cx.status(&r.status);
    let (
        Some(insurance),
        Some(audience),
        Some(effective),
        Some(expires),
        Some(updated),
        Some(status),
    ) = (insurance, audience, effective, expires, updated, status)
    else {
        return;
    };
    kb.articles.push(Article {
        id: r.id.into_inner(),
        title: r.title.into_inner(),
        questions: r.questions,
        body,
        tags: r.tags,
        insurance,
        audience,
        regions: r.regions,
        sources: r.sources.into_iter().map(Spanned::into_inner).collect(),
        effective,
        expires,
        updated,
        status,
        file: path.to_path_buf(),
        line: 2,
    });
}

fn load_laws(path: &Path, text: &str, kb: &mut Knowledge, problems: &mut Vec<Problem>) {
    let mut cx = Ctx {
        file: path,
        text,
        base: 0,
        problems,
    };
    let parsed: LawFile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => return cx.parse_err(e),
    };
    let lines = LineIndex::new(text);
    for entry in parsed.law {
        let line = lines.line(entry.span().start);
        let r = entry.into_inner();
        let effective = cx.date(&r.effective, "effective");
        let amended = match &r.amended {
            Some(a) => cx.date(a, "amended").map(Some),
            None => Some(None),
        };
        let (Some(effective), Some(amended)) = (effective, amended) else {
            continue;
        };
        if r.text.get_ref().trim().is_empty() {
            let l = cx.line(&r.text);
            cx.err(l, format!("law {} has empty text", r.id.get_ref()));
        }
        kb.laws.push(Law {
            id: r.id.into_inner(),
            law: r.law,
            article: r.article,
            text: r.text.into_inner().trim().to_string(),
            effective,
            amended,
            tags: r.tags,
            file: path.to_path_buf(),
            line,
        });
    }
}

fn load_docs(path: &Path, text: &str, kb: &mut Knowledge, problems: &mut Vec<Problem>) {
    let mut cx = Ctx {
        file: path,
        text,
        base: 0,
        problems,
    };
    let parsed: DocFile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => return cx.parse_err(e),
    };
    let lines = LineIndex::new(text);
    for entry in parsed.doc {
        let line = lines.line(entry.span().start);
        let r = entry.into_inner();
        let year = *r.year.get_ref();
        if !(1949..=2100).contains(&year) {
            let l = cx.line(&r.year);
            cx.err(l, format!("implausible year {year}"));
            continue;
        }
        let kind = match r.kind.as_ref().map(|k| k.get_ref().as_str()) {
            None | Some("document") => DocKind::Document,
            Some("practice") => DocKind::Practice,
            Some(other) => {
                let l = cx.line(r.kind.as_ref().expect("matched Some"));
                cx.err(
                    l,
                    format!("unknown document kind {other:?} (expected document or practice)"),
                );
                continue;
            }
        };
        kb.docs.push(Doc {
            id: r.id.into_inner(),
            title: r.title,
            number: r.number.filter(|s| !s.is_empty()),
            issuer: r.issuer,
            year: year as i32,
            region: r.region.filter(|s| !s.is_empty()),
            url: r.url.filter(|s| !s.is_empty()),
            kind,
            file: path.to_path_buf(),
            line,
        });
    }
}

/// Parse the regional policy tables with the calculation module's own checks.
fn load_policies(kb: &mut Knowledge, problems: &mut Vec<Problem>) {
    if kb.policies.is_empty() {
        return;
    }
    let labels: Vec<String> = kb
        .policies
        .iter()
        .map(|p| p.file.to_string_lossy().to_string())
        .collect();
    let files: Vec<(&str, &str)> = labels
        .iter()
        .zip(&kb.policies)
        .map(|(l, p)| (l.as_str(), p.text.as_str()))
        .collect();
    match crate::calc::PolicySet::from_strs(&files) {
        Ok(set) => kb.policy_set = Some(std::sync::Arc::new(set)),
        Err(list) => problems.extend(
            list.into_iter()
                .map(|p| Problem::policy(p.file, p.line, p.message)),
        ),
    }
}

/// The words of a `dict/stopwords.txt` (one per line, `#` comments), normalised.
pub fn parse_stopwords(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|w| !w.is_empty())
        .map(crate::text::normalize)
        .filter(|w| !w.is_empty())
        .collect()
}

fn load_dicts(dir: &Path, kb: &mut Knowledge, problems: &mut Vec<Problem>) -> Result<()> {
    let user = dir.join("user.dict");
    if user.is_file() {
        let text = read(&user)?;
        for (i, line) in text.lines().enumerate() {
            let mut parts = line.split_whitespace();
            let Some(_word) = parts.next() else { continue };
            if let Some(freq) = parts.next() {
                if freq.parse::<usize>().is_err() {
                    problems.push(Problem::new(
                        &user,
                        i + 1,
                        format!("bad frequency {freq:?} (expected a whole number)"),
                    ));
                }
            }
        }
        kb.dict.user_dict = text;
    }
    let syn = dir.join("synonyms.txt");
    if syn.is_file() {
        let text = read(&syn)?;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let group: Vec<String> = line
                .split(|c: char| c.is_whitespace() || c == ',' || c == '=')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            if group.len() < 2 {
                problems.push(Problem::new(
                    &syn,
                    i + 1,
                    "a synonym group needs at least two words",
                ));
                continue;
            }
            kb.dict.synonyms.push(group);
        }
    }
    let stop = dir.join("stopwords.txt");
    if stop.is_file() {
        let text = read(&stop)?;
        kb.dict.stopwords = parse_stopwords(&text);
    }
    let domain = dir.join("domain.toml");
    if domain.is_file() {
        let text = read(&domain)?;
        match toml::from_str::<DomainFile>(&text) {
            Ok(d) => {
                // Stored normalised, so the per-question check is plain substring search.
                let norm = |words: Vec<String>| -> Vec<String> {
                    words
                        .iter()
                        .map(|w| crate::text::normalize(w))
                        .filter(|w| !w.is_empty())
                        .collect()
                };
                kb.dict.in_domain = norm(d.in_domain);
                kb.dict.core = norm(d.core);
                kb.dict.other_systems = d
                    .other
                    .into_iter()
                    .map(|o| OtherSystem {
                        words: norm(o.words),
                        ..o
                    })
                    .collect();
                kb.dict.out_of_domain_phrases = norm(d.out_of_domain_phrases);
                kb.dict.phrase_exceptions = norm(d.phrase_exceptions);
                kb.dict.out_of_domain_pairs = d
                    .out_of_domain_pair
                    .into_iter()
                    .map(|p| WordPair {
                        first: norm(p.first),
                        second: norm(p.second),
                    })
                    .collect();
            }
            Err(e) => {
                let line = e.span().map(|s| line_of(&text, s.start)).unwrap_or(1);
                problems.push(Problem::new(
                    &domain,
                    line,
                    format!("invalid TOML: {}", e.message()),
                ));
            }
        }
    }
    for path in files_with_ext(dir, "toml")? {
        if path.file_name().is_some_and(|n| n == "domain.toml") {
            continue;
        }
        let rel = format!(
            "dict/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        let text = read(&path)?;
        if rel == "dict/regions.toml" {
            match crate::knowledge::regions::RegionTable::from_toml(&text) {
                Ok(t) => kb.region_table = Some(std::sync::Arc::new(t)),
                Err(e) => problems.push(Problem::new(&path, 1, format!("regions: {e}"))),
            }
        }
        kb.extra.push((rel, text));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_counting() {
        let text = "a\nbc\n\nd\n";
        let lines = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(lines.line(offset), line_of(text, offset), "offset {offset}");
        }
    }

    #[test]
    fn line_of_counts_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
