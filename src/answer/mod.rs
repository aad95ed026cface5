//! Turning a citizen's question into one reply: answer, clarify, or a polite fallback.
//!
//! [`Answerer`] owns the live [`Snapshot`] (swappable without a restart) and applies the decision
//! rules on top of the ranking: first a domain check (a question about income tax or the housing fund
//! must not get the nearest social-insurance FAQ), then calibrated thresholds on the reranked score.
//! The [`Reply`] shape is the public contract every channel serialises.

mod domain;
mod reply;
mod scheme;

pub use domain::{Domain, DomainVerdict};
pub use reply::{Reply, ReplyKind, ReplyOption, SourceRef, CALC_PREFIX, ENTRY_PREFIX, SAY_PREFIX};
pub use scheme::Scheme;

use crate::config::Paths;
use crate::knowledge::{self, Knowledge};
use crate::search::{Kind, Snapshot};
use crate::text::{Analyzer, Message};
use crate::{Error, Result};
use std::sync::{Arc, RwLock};

/// Thresholds of the answer / clarify / fallback decision, calibrated on the development set.
///
/// For a question with our vocabulary: below `clarify` → fallback; a top entry with other entries
/// within `margin` and below `answer` → clarify; otherwise the top entry is answered. A question
/// with no vocabulary either way needs `no_signal_min` and `no_signal_terms` terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecisionParams {
    /// Score at or above which the top entry is answered even when others are close.
    pub answer: f32,
    /// Lowest score answered from the knowledge base at all.
    pub clarify: f32,
    /// Candidates within this distance of the top one count as "close".
    pub margin: f32,
    /// Down-weighting of articles against FAQ entries when answering citizens (0.8 until
    /// 2026-12: blind and batch-i questions an FAQ entry answers still went to the long
    /// explainer; 0.5 moved blind hit@1 0.801 → 0.803, batch-i 0.889 → 0.892, dev unchanged).
    pub article_weight: f32,
    /// Score needed to answer a question with no domain vocabulary at all.
    pub no_signal_min: f32,
    /// Fewest meaningful terms a question with no domain vocabulary needs to be answered.
    pub no_signal_terms: usize,
    /// Share of a no-vocabulary question's (idf-weighted) terms the top entry must contain: one
    /// shared word such as 材料 or 比例 does not make 小学报名 or 首付 our question.
    pub no_signal_coverage: f32,
    /// Factor on the score of an entry written for another scheme than the question names
    /// (medical vs pension, resident vs a working person's; see [`Scheme`]).
    pub scheme_mismatch: f32,
}

impl Default for DecisionParams {
    fn default() -> Self {
        DecisionParams {
            answer: 0.40,
            clarify: 0.12,
            margin: 0.01,
            article_weight: 0.50,
            no_signal_min: 0.45,
            no_signal_terms: 3,
            no_signal_coverage: 0.5,
            scheme_mismatch: 0.6,
        }
    }
}

/// One staff search hit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub score: f32,
    pub snippet: String,
}

/// `{"hits": [...]}` — the shape of `search --json` and `GET /v1/search`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
}

/// Load, validate and index a knowledge directory into a ready snapshot. Validation problems refuse
/// the load, so a broken edit never replaces a working knowledge base.
///
/// When the current index generation was built from exactly these files (the usual start), it
/// is opened while the files are validated on another core, and dropped if they fail: a national
/// corpus takes seconds for each.
pub fn load_snapshot(paths: &Paths, progress: &dyn Fn(usize, usize)) -> Result<Snapshot> {
    let started = std::time::Instant::now();
    let (kb, problems) = knowledge::load(&paths.knowledge)?;
    let load_ms = started.elapsed().as_millis() as u64;
    let built_for_these = problems.is_empty()
        && crate::search::current_fingerprint(&paths.index).as_deref() == Some(&kb.fingerprint);
    if !built_for_these {
        // A build may follow: only from files that validate.
        return snapshot_from(validated(kb, problems, load_ms)?, paths, progress);
    }
    let kb = Arc::new(kb);
    let validating = {
        let kb = kb.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let problems = knowledge::validate(&kb);
            (problems, started.elapsed().as_millis() as u64)
        })
    };
    let analyzer = Arc::new(Analyzer::new(&kb.dict));
    let opened = Snapshot::open_or_build(kb, analyzer, &paths.index, progress);
    let (problems, validate_ms) = validating
        .join()
        .map_err(|_| Error::Other("knowledge validation panicked".into()))?;
    tracing::debug!(
        load_ms,
        validate_ms,
        "knowledge loaded and validated beside the open"
    );
    if !problems.is_empty() {
        return Err(Error::Knowledge(problems));
    }
    opened
}

/// The knowledge files, loaded and validated; any problem is an error.
fn load_valid(paths: &Paths) -> Result<Knowledge> {
    let started = std::time::Instant::now();
    let (kb, problems) = knowledge::load(&paths.knowledge)?;
    validated(kb, problems, started.elapsed().as_millis() as u64)
}

/// `kb` once it validates, with the problems its loading found (`problems`) and validation's
/// together as the error otherwise.
fn validated(
    kb: Knowledge,
    mut problems: Vec<knowledge::Problem>,
    load_ms: u64,
) -> Result<Knowledge> {
    let started = std::time::Instant::now();
    problems.extend(knowledge::validate(&kb));
    tracing::debug!(
        load_ms,
        validate_ms = started.elapsed().as_millis() as u64,
        "knowledge loaded and validated"
    );
    if !problems.is_empty() {
        return Err(Error::Knowledge(problems));
    }
    Ok(kb)
}

/// As [`load_snapshot`] for a reload while `previous` serves: when the dictionaries did not
/// change, its analyzer and its cutting of every unchanged text are reused (a publish of one
/// entry then costs that entry, not the corpus).
pub fn reload_snapshot(paths: &Paths, previous: &Snapshot) -> Result<Snapshot> {
    let kb = load_valid(paths)?;
    let analyzer = if previous.analyzer.key() == Analyzer::input_key(&kb.dict) {
        previous.analyzer.clone()
    } else {
        Arc::new(Analyzer::new(&kb.dict))
    };
    Snapshot::open_or_build_after(
        Arc::new(kb),
        analyzer,
        &paths.index,
        &|_, _| {},
        Some(previous),
    )
}

/// Index (or open the index of) an already validated knowledge base.
pub fn snapshot_from(
    kb: Knowledge,
    paths: &Paths,
    progress: &dyn Fn(usize, usize),
) -> Result<Snapshot> {
    let analyzer = Arc::new(Analyzer::new(&kb.dict));
    Snapshot::open_or_build(Arc::new(kb), analyzer, &paths.index, progress)
}

/// Answers questions from the current snapshot; the snapshot can be replaced while serving.
pub struct Answerer {
    current: RwLock<Arc<Snapshot>>,
}

impl Answerer {
    pub fn new(snapshot: Snapshot) -> Self {
        Answerer {
            current: RwLock::new(Arc::new(snapshot)),
        }
    }

    /// An answerer starting from a snapshot another answerer already serves.
    pub fn new_shared(snapshot: Arc<Snapshot>) -> Self {
        Answerer {
            current: RwLock::new(snapshot),
        }
    }

    /// The snapshot in use right now (cheap: an `Arc` clone).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Publish a new snapshot; requests already running finish on the old one.
    pub fn swap(&self, snapshot: Snapshot) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(snapshot);
    }

    /// Swap only if the serving snapshot was made from the same knowledge files (a rebuild that
    /// finished after a newer publish must not bring the older knowledge back).
    pub fn swap_if_same_knowledge(&self, snapshot: Snapshot) -> bool {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        if current.manifest.fingerprint != snapshot.manifest.fingerprint {
            return false;
        }
        *current = Arc::new(snapshot);
        true
    }

    /// Ranked hits with highlighted snippets, for hotline staff.
    pub fn search(&self, query: &str, limit: usize, region: Option<&str>) -> Result<SearchResults> {
        let snap = self.snapshot();
        let ranked = snap.rank(query, region, limit.clamp(1, 100))?;
        let hits = ranked
            .candidates
            .iter()
            .map(|c| {
                let e = &snap.entries[c.entry];
                Hit {
                    id: e.id.clone(),
                    kind: e.kind.as_str(),
                    title: e.title.clone(),
                    score: round3(c.score),
                    snippet: snap.snippet(c.entry, &ranked.terms, 240),
                }
            })
            .collect();
        Ok(SearchResults { hits })
    }

    /// One reply for a citizen's question.
    pub fn ask(&self, question: &str) -> Reply {
        let snap = self.snapshot();
        match answer(&snap, question) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "ask failed");
                Reply::error("抱歉，系统暂时出了点问题，请稍后再试，或拨打 12333 咨询。")
            }
        }
    }
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// The decision rules, on one snapshot, with the default thresholds.
pub fn answer(snap: &Snapshot, question: &str) -> Result<Reply> {
    Ok(decide(snap, question, &DecisionParams::default())?.reply)
}

/// A reply together with the ranking it was decided from (for evaluation and logging).
#[derive(Debug, Clone)]
pub struct Decision {
    pub reply: Reply,
    /// Entry ids best first, as the answer layer saw them (after the domain check; empty when
    /// the question was ruled out before ranking).
    pub ranked: Vec<(String, f32)>,
}

/// One message analysed for the decision, once: its text (raw and normalised) and whether it is
/// ours at all. The dialogue asks the domain question before it decides how to reply, and the
/// decision rules ask it again; both read this value.
#[derive(Debug, Clone)]
pub struct Question<'m> {
    pub message: &'m Message,
    pub verdict: DomainVerdict,
}

impl<'m> Question<'m> {
    /// Run the domain check on `message` with `snap`'s vocabulary.
    pub fn analyse(snap: &Snapshot, message: &'m Message) -> Self {
        Question {
            message,
            verdict: Domain::new(&snap.kb.dict).check_normalized(message.norm()),
        }
    }

    /// Not ruled out as another system's question (ours, or no signal either way).
    pub fn ours(&self) -> bool {
        !matches!(self.verdict, DomainVerdict::Other { .. })
    }
}

/// Domain check, ranking and thresholds.
pub fn decide(snap: &Snapshot, question: &str, p: &DecisionParams) -> Result<Decision> {
    let message = Message::new(question);
    decide_question(snap, &Question::analyse(snap, &message), p)
}

/// [`decide`] for a message analysed already.
pub fn decide_question(snap: &Snapshot, q: &Question, p: &DecisionParams) -> Result<Decision> {
    let early = |reply: Reply| Decision {
        reply,
        ranked: vec![],
    };
    if q.message.raw().is_empty() {
        return Ok(early(Reply::fallback(
            "您好，请直接输入您想咨询的社保、医保补缴问题，例如“医保断缴三个月还能补吗”。",
        )));
    }
    let verdict = &q.verdict;
    if let DomainVerdict::Other { referral } = verdict {
        return Ok(early(Reply::fallback(&reply::off_topic_text(
            referral.as_deref(),
        ))));
    }
    let mut ranked = snap.rank_message(q.message, None, 8)?;
    // Citizens get the short FAQ answer when one fits about as well as a long explainer.
    // An entry for another scheme than the one the question names yields to one for that scheme;
    // when none of the right scheme beats it, it keeps its score (the thresholds below judge it
    // as before).
    let scheme = Scheme::of_normalized(q.message.norm());
    let mut demoted = Vec::new();
    for c in &mut ranked.candidates {
        if snap.entries[c.entry].kind == Kind::Article {
            c.score *= p.article_weight;
        }
        if scheme.conflicts(snap, c.entry) {
            demoted.push((c.entry, c.score));
            c.score *= p.scheme_mismatch;
        }
    }
    let by_score = |a: &crate::search::Candidate, b: &crate::search::Candidate| {
        b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry))
    };
    ranked.candidates.sort_by(by_score);
    if let Some(first) = ranked.candidates.first() {
        if demoted.iter().any(|(e, _)| *e == first.entry) {
            for c in &mut ranked.candidates {
                if let Some((_, s)) = demoted.iter().find(|(e, _)| *e == c.entry) {
                    c.score = *s;
                }
            }
            ranked.candidates.sort_by(by_score);
        }
    }
    // A former employer's arrears ("离职三个月了，原来的厂有一年医保没交"): the subject is the
    // employer's duty, not one's own continuity of cover. When an entry about employers' arrears
    // comes within `scheme_mismatch` of the top, every entry not about employers is demoted by that
    // factor, as an entry of the wrong scheme is: they do not stay as close alternatives to ask
    // about.
    if scheme.former_employer {
        let top = ranked.candidates.first().map(|c| (c.entry, c.score));
        if let Some((_, top_score)) = top.filter(|(e, _)| !Scheme::about_employers(snap, *e)) {
            let close = ranked.candidates.iter().any(|c| {
                Scheme::about_employers(snap, c.entry) && c.score >= p.scheme_mismatch * top_score
            });
            if close {
                for c in ranked.candidates.iter_mut() {
                    if !Scheme::about_employers(snap, c.entry) {
                        c.score *= p.scheme_mismatch;
                    }
                }
                ranked.candidates.sort_by(by_score);
            }
        }
    }
    let ids: Vec<(String, f32)> = ranked
        .candidates
        .iter()
        .map(|c| (snap.entries[c.entry].id.clone(), c.score))
        .collect();
    let decided = |mut reply: Reply| {
        reply.candidates = ids.iter().take(5).cloned().collect();
        Decision { reply, ranked: ids }
    };
    let Some(top) = ranked.candidates.first() else {
        return Ok(decided(Reply::fallback(&reply::off_topic_text(None))));
    };
    // No vocabulary of ours: answer only a confident match of a question with some substance, so
    // chit-chat ("你是谁") never reaches an FAQ through one shared character.
    if *verdict == DomainVerdict::NoSignal
        && (top.score < p.no_signal_min
            || ranked.terms.len() < p.no_signal_terms
            || top.coverage < p.no_signal_coverage)
    {
        return Ok(decided(Reply::fallback(&reply::off_topic_text(None))));
    }
    if top.score < p.clarify {
        return Ok(decided(Reply::fallback(&reply::unknown_text())));
    }
    let close: Vec<_> = ranked
        .candidates
        .iter()
        .filter(|c| top.score - c.score <= p.margin && c.score >= p.clarify)
        .take(3)
        .collect();
    let reply = if close.len() >= 2 && top.score < p.answer {
        reply::clarify_reply(snap, &close)
    } else {
        reply::answer_reply(snap, top)
    };
    Ok(decided(reply))
}

/// The answer reply for one entry by id (a citizen picking an option of a clarification).
pub fn answer_entry(snap: &Snapshot, id: &str) -> Option<Reply> {
    let idx = snap.entries.iter().position(|e| e.id == id)?;
    let c = crate::search::Candidate {
        entry: idx,
        score: 1.0,
        bm25: 0.0,
        phrasing: 0,
        similarity: 1.0,
        coverage: 1.0,
    };
    Some(reply::answer_reply(snap, &c))
}
