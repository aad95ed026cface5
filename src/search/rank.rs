//! Candidate retrieval with BM25 and a rerank of the top entries by in-memory features.
//!
//! BM25 alone favours long answers that repeat common words; the rerank asks the questions a human
//! would. Per phrasing: how much of the user's question it covers (weighted by rarity), how much of
//! it is in the question, and how many character pairs they share (Dice; robust to jieba cutting a
//! colloquial word differently). An entry is scored by its best phrasing, plus how much of the
//! question all its phrasings cover together, how much its tags cover, how much phrasing + answer
//! body cover, and a little normalised BM25. With the default weights (tuned on the development set
//! with `examples/tune.rs`) scores land in 0..=1 so the answer layer can use fixed thresholds.

use super::{Kind, Snapshot, NATIONAL};
use crate::text::{merge_overlapping, Analyzer, Message, ReplayTokenizer};
use crate::Result;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

/// How many tantivy docs (phrasings) to pull before grouping by entry.
const RETRIEVE_DOCS: usize = 80;
/// How many of the classifier's most likely entries join the rerank pool.
const CLASSIFIER_CANDIDATES: usize = 8;
/// Up to this many phrasings, retrieval scores every match rather than pruning (see `retrieve`).
const EXHAUSTIVE_DOCS: usize = 50_000;
/// How many entries get the full rerank.
const RERANK_ENTRIES: usize = 24;

/// Weights of the rerank; the defaults are calibrated on the development set (`bujiao eval`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankParams {
    /// Share of the question's (idf-weighted) terms found in the phrasing.
    pub w_query_cov: f32,
    /// Share of the phrasing's terms found in the question.
    pub w_phrasing_cov: f32,
    /// Character-bigram Dice between question and phrasing.
    pub w_dice: f32,
    /// Weight of the best phrasing similarity in the final score.
    pub w_similarity: f32,
    /// Weight of the question's coverage by the whole entry (phrasing + body).
    pub w_coverage: f32,
    /// Weight of BM25 relative to the best candidate.
    pub w_bm25: f32,
    /// Multiplier for regional entries whose region the question does not mention.
    pub unmentioned_region: f32,
    /// Added to a regional entry whose region (or a place inside it) the question names.
    pub region_bonus: f32,
    /// Multiplier for national entries when the question names a place that a candidate's
    /// local rule covers: the local answer carries the local figures.
    pub national_when_local: f32,
    /// Multiplier for an entry a later one supersedes, when the question names no year.
    pub superseded: f32,
    /// Multipliers for articles and law articles against FAQ entries: a citizen is better served
    /// by the short FAQ answer when both fit.
    pub article_weight: f32,
    pub law_weight: f32,
    /// Weight of the question's coverage by the entry's tags.
    pub w_tags: f32,
    /// Weight of the question's coverage by all phrasings of the entry together.
    pub w_union: f32,
    /// Extra weight of terms in the last clause of a multi-clause question (the actual question
    /// after the story).
    pub last_clause: f32,
    /// Weight of the entry language model (see `lm.rs`).
    pub w_lm: f32,
    /// Dirichlet prior of the entry language model (higher = trust the corpus more).
    pub lm_mu: f32,
    /// Weight of the entry classifier's probability (see `classifier.rs`).
    pub w_clf: f32,
    /// Sharpness of the language-model feature `1 - exp(-scale · LLR per question feature)`.
    pub lm_scale: f32,
}

impl Default for RankParams {
    fn default() -> Self {
        // Round values from the plateau `examples/tune.rs` found on the development set and the
        // leave-one-out phrasings together (2026-11-25: dev hit@1 0.90, leave-one-out hit@1 0.74).
        RankParams {
            w_query_cov: 0.05,
            w_phrasing_cov: 0.25,
            w_dice: 0.10,
            w_similarity: 0.45,
            w_coverage: 0.05,
            w_bm25: 0.03,
            unmentioned_region: 0.50,
            region_bonus: 0.05,
            national_when_local: 0.8,
            superseded: 0.7,
            article_weight: 0.9,
            law_weight: 0.92,
            w_tags: 0.20,
            w_union: 0.05,
            last_clause: 0.60,
            w_clf: 0.20,
            w_lm: 0.45,
            lm_mu: 25.0,
            lm_scale: 2.3,
        }
    }
}

/// One ranked knowledge entry.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Index into [`Snapshot::entries`].
    pub entry: usize,
    /// Final score in 0..=1.
    pub score: f32,
    /// Best raw BM25 among the entry's phrasings.
    pub bm25: f32,
    /// Index into [`Snapshot::phrasings`] of the best-matching phrasing.
    pub phrasing: usize,
    /// Similarity of the best phrasing (0..=1).
    pub similarity: f32,
    /// Weighted share of the question's terms found in the entry (phrasings or body).
    pub coverage: f32,
}

/// The outcome of ranking one question.
#[derive(Debug, Clone, Default)]
pub struct Ranked {
    /// Canonical query terms.
    pub terms: Vec<String>,
    /// Best first.
    pub candidates: Vec<Candidate>,
}

/// Whether a (normalised) question names a calendar year: 2024, 2024年, 24年, 二〇二四, 二零二五.
/// "15年" (fifteen years of contributions) also counts; then no entry is preferred for recency.
fn names_a_year(q: &str) -> bool {
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let run = i - start;
        if (run == 4 && matches!(chars[start], '1' | '2'))
            || (run == 2 && chars.get(i) == Some(&'年'))
        {
            return true;
        }
    }
    q.contains("二〇") || q.contains("二零二") || q.contains("一九")
}

/// The question's bigram keys with a 4096-bit filter over them, so that the Dice coefficient
/// against each of hundreds of phrasings costs a bit test per phrasing bigram (and a binary
/// search for the few that pass) instead of a branchy merge of two lists.
struct KeySet<'a> {
    sorted: &'a [u64],
    bits: [u64; 64],
}

impl<'a> KeySet<'a> {
    fn new(sorted: &'a [u64]) -> Self {
        let mut bits = [0u64; 64];
        for &k in sorted {
            let b = Self::bit(k);
            bits[b >> 6] |= 1 << (b & 63);
        }
        KeySet { sorted, bits }
    }

    /// Mixes both characters of a bigram key into 12 bits.
    fn bit(k: u64) -> usize {
        ((k ^ (k >> 21) ^ (k >> 42)) & 4095) as usize
    }

    /// Dice coefficient of the set and a sorted, deduplicated key list.
    fn dice(&self, other: &[u64]) -> f32 {
        if self.sorted.is_empty() || other.is_empty() {
            return 0.0;
        }
        let inter = other
            .iter()
            .filter(|&&k| {
                let b = Self::bit(k);
                self.bits[b >> 6] & (1 << (b & 63)) != 0 && self.sorted.binary_search(&k).is_ok()
            })
            .count();
        2.0 * inter as f32 / (self.sorted.len() + other.len()) as f32
    }
}

/// The question's distinct term keys, each with the summed weight of its occurrences: every
/// per-phrasing test is then one integer lookup instead of string comparisons. A question has a
/// few dozen terms at most, so a linear scan of the keys beats hashing, and a 256-bit filter
/// rejects most phrasing terms (which are not in the question) with one bit test.
struct WeightedTerms {
    keys: Vec<u64>,
    weights: Vec<f32>,
    total: f32,
    filter: [u64; 4],
}

impl WeightedTerms {
    fn new<'t>(terms: impl Iterator<Item = (&'t String, f32)>) -> Self {
        let mut keys: Vec<u64> = Vec::new();
        let mut weights: Vec<f32> = Vec::new();
        for (t, w) in terms {
            let k = super::lm::term_key(t);
            match keys.iter().position(|&x| x == k) {
                Some(s) => weights[s] += w,
                None => {
                    keys.push(k);
                    weights.push(w);
                }
            }
        }
        let mut filter = [0u64; 4];
        for k in &keys {
            filter[(*k as usize >> 6) & 3] |= 1 << (k & 63);
        }
        let total = weights.iter().sum::<f32>().max(1e-6);
        WeightedTerms {
            keys,
            weights,
            total,
            filter,
        }
    }

    /// The slot of term key `k`, if the question has that term.
    fn slot(&self, k: u64) -> Option<usize> {
        if self.filter[(k as usize >> 6) & 3] & (1 << (k & 63)) == 0 {
            return None;
        }
        self.keys.iter().position(|&x| x == k)
    }

    /// The weighted share of the question's terms whose slot passes `hit`.
    fn share(&self, hit: impl Fn(usize) -> bool) -> f32 {
        self.weights
            .iter()
            .enumerate()
            .filter(|(s, _)| hit(*s))
            .map(|(_, w)| w)
            .sum::<f32>()
            / self.total
    }
}

/// Per-slot flags reused across the candidates of one question (no allocation per phrasing).
struct PhrasingScratch {
    hits: Vec<bool>,
    best_hits: Vec<bool>,
    in_any: Vec<bool>,
}

impl PhrasingScratch {
    fn new(slots: usize) -> Self {
        PhrasingScratch {
            hits: vec![false; slots],
            best_hits: vec![false; slots],
            in_any: vec![false; slots],
        }
    }
}

impl Snapshot {
    fn term_clause(&self, field: Field, text: &str, boost: f32) -> (Occur, Box<dyn Query>) {
        let q = TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        );
        (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)))
    }

    /// Rank entries for `question`; `region` keeps only national entries and that region's.
    pub fn rank(&self, question: &str, region: Option<&str>, limit: usize) -> Result<Ranked> {
        self.rank_with(question, region, limit, &self.params)
    }

    /// [`Snapshot::rank`] of a message normalised already.
    pub fn rank_message(
        &self,
        message: &Message,
        region: Option<&str>,
        limit: usize,
    ) -> Result<Ranked> {
        self.rank_inner(message, region, limit, &self.params, None)
    }

    /// [`Snapshot::rank`] with explicit weights (for tuning).
    pub fn rank_with(
        &self,
        question: &str,
        region: Option<&str>,
        limit: usize,
        params: &RankParams,
    ) -> Result<Ranked> {
        self.rank_inner(&Message::new(question), region, limit, params, None)
    }

    /// Rank phrasing `pidx`'s own text as if that phrasing were not in the knowledge base: the
    /// leave-one-out measure of how well the ranker generalises to wording it has not seen.
    pub fn rank_held_out(&self, pidx: usize, limit: usize, params: &RankParams) -> Result<Ranked> {
        let text = &self.phrasings[pidx].text;
        self.rank_inner(&Message::new(text), None, limit, params, Some(pidx))
    }

    fn rank_inner(
        &self,
        message: &Message,
        region: Option<&str>,
        limit: usize,
        params: &RankParams,
        exclude: Option<usize>,
    ) -> Result<Ranked> {
        let terms = self.analyzer.query_terms_normalized(message.norm());
        let bigrams: HashSet<String> = Analyzer::bigrams_normalized(message.norm())
            .into_iter()
            .collect();
        if terms.is_empty() && bigrams.is_empty() {
            return Ok(Ranked::default());
        }
        let region = region.map(str::trim).filter(|r| !r.is_empty());
        let mut pool = self.retrieve(&terms, &bigrams, region, exclude)?;
        let max_bm25 = pool.first().map(|p| p.1).unwrap_or(1.0).max(1e-6);
        let bigram_keys = super::bigram_keys(bigrams.iter().map(String::as_str));
        // The classifier is always consulted: besides its weighted feature it nominates candidates.
        let query_features = {
            let mut uniq = terms.clone();
            uniq.sort();
            uniq.dedup();
            super::lm::Features::new(&uniq, &bigram_keys)
        };
        let probabilities = match exclude {
            Some(pi) => self.held_out_classifier(pi).probabilities(&query_features),
            None => self.classifier.probabilities(&query_features),
        };
        self.add_classifier_nominees(&mut pool, &probabilities, region);

        let norm_q = message.norm();
        let names_year = names_a_year(norm_q);
        // The places the question is about, with the cities and provinces around them.
        let places = self
            .kb
            .region_table
            .as_deref()
            .map(|t| t.enclosing(norm_q))
            .unwrap_or_default();
        let question = self.weighted_terms(message.raw(), &terms, params);
        // The held-out phrasing: its entry and its features (worked out once, for the LM).
        let excluded = exclude.map(|pi| (self.phrasings[pi].entry, self.flat.features(pi)));
        let lm_norm = query_features.mass().max(1.0);
        let query_bigrams = KeySet::new(&bigram_keys);
        let lm_query = self.lm.query(&query_features, params.lm_mu);
        let mut scratch = PhrasingScratch::new(question.keys.len());
        let mut candidates: Vec<Candidate> = pool
            .into_iter()
            .map(|(entry, bm25)| {
                let e = &self.entries[entry];
                let best = self.best_phrasing(
                    entry,
                    &question,
                    &query_bigrams,
                    params,
                    exclude,
                    &mut scratch,
                );
                let lm_score = if params.w_lm > 0.0 {
                    let ex = excluded
                        .as_ref()
                        .filter(|(e, _)| *e == entry)
                        .map(|(_, f)| f);
                    self.lm.score(entry, &lm_query, ex)
                } else {
                    0.0
                };
                let keys = &question.keys;
                let coverage =
                    question.share(|s| scratch.best_hits[s] || e.body_keys.contains(&keys[s]));
                let union = question.share(|s| scratch.in_any[s]);
                let tags = question.share(|s| e.tag_keys.contains(&keys[s]));
                let mut score = params.w_similarity * best.1.max(0.0)
                    + params.w_coverage * coverage
                    + params.w_bm25 * (bm25 / max_bm25)
                    + params.w_tags * tags
                    + params.w_union * union
                    + params.w_lm * (1.0 - (-params.lm_scale * lm_score.max(0.0) / lm_norm).exp())
                    + params.w_clf * probabilities.get(entry).copied().unwrap_or(0.0);
                score = self.entry_adjusted(score, e, norm_q, &places, names_year, params);
                Candidate {
                    entry,
                    score,
                    bm25,
                    phrasing: best.0,
                    similarity: best.1.max(0.0),
                    coverage,
                }
            })
            .collect();
        self.prefer_local_rules(&mut candidates, &places, names_year, params);
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        candidates.truncate(limit);
        Ok(Ranked { terms, candidates })
    }

    /// BM25 retrieval over the phrasings: the best score of each entry, best first, at most
    /// [`RERANK_ENTRIES`] entries (and only national ones and `region`'s when it is given).
    fn retrieve(
        &self,
        terms: &[String],
        bigrams: &HashSet<String>,
        region: Option<&str>,
        exclude: Option<usize>,
    ) -> Result<Vec<(usize, f32)>> {
        let f = self.fields;
        let mut clauses = Vec::new();
        // Phrasings only: answer bodies reach the pool through the classifier (which learned
        // them), at a fraction of the cost of their long postings.
        for t in terms {
            clauses.push(self.term_clause(f.phrasing, t, 3.0));
        }
        // A bigram inside one of the question's words adds nothing the word's clause does not
        // find, and the common ones (医保, 社保) have the longest postings; keep the rest, which
        // catch words jieba cut differently (typos, colloquial spellings).
        for b in bigrams
            .iter()
            .filter(|b| !terms.iter().any(|t| t.contains(b.as_str())))
        {
            clauses.push(self.term_clause(f.phrasing_bi, b, 1.0));
        }
        let union: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
        // Below EXHAUSTIVE_DOCS phrasings, every matching phrasing is scored (a union of the
        // postings, block by block) instead of block-max WAND: a question has thirty-odd
        // clauses, and WAND re-sorts them at every pivot, which cost more than scoring the few
        // thousand postings outright. (A boost of 1 changes no score; its weight has no pruning
        // path of its own, so the collector takes the plain one.) Larger corpora keep WAND.
        let text_query: Box<dyn Query> = if self.phrasings.len() <= EXHAUSTIVE_DOCS {
            Box::new(BoostQuery::new(union, 1.0))
        } else {
            union
        };
        let query: Box<dyn Query> = match region {
            Some(r) => {
                let regions = BooleanQuery::new(vec![
                    self.term_clause(f.region, r, 1.0),
                    self.term_clause(f.region, NATIONAL, 1.0),
                ]);
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, text_query),
                    (Occur::Must, Box::new(regions)),
                ]))
            }
            None => text_query,
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(RETRIEVE_DOCS).order_by_score())?;

        let mut columns = HashMap::new();
        let mut best: HashMap<usize, f32> = HashMap::new();
        for (score, addr) in top {
            let col = match columns.entry(addr.segment_ord) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(
                    searcher
                        .segment_reader(addr.segment_ord)
                        .fast_fields()
                        .u64("pkey")?,
                ),
            };
            let Some(&pidx) = col.first(addr.doc_id).and_then(|k| self.by_key.get(&k)) else {
                continue;
            };
            if exclude == Some(pidx as usize) {
                continue;
            }
            let Some(p) = self.phrasings.get(pidx as usize) else {
                continue;
            };
            let e = best.entry(p.entry).or_insert(0.0);
            *e = e.max(score);
        }
        let mut pool: Vec<(usize, f32)> = best.into_iter().collect();
        pool.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        pool.truncate(RERANK_ENTRIES);
        Ok(pool)
    }

    /// The classifier's most likely entries join the pool (with no BM25 score) even when no
    /// phrasing shares a word with the question: it also learned from the answers.
    fn add_classifier_nominees(
        &self,
        pool: &mut Vec<(usize, f32)>,
        probabilities: &[f32],
        region: Option<&str>,
    ) {
        let mut by_p: Vec<usize> = (0..probabilities.len()).collect();
        let likelier = |a: &usize, b: &usize| {
            probabilities[*b]
                .total_cmp(&probabilities[*a])
                .then(a.cmp(b))
        };
        // Only the leaders matter: select them, then order just those.
        if by_p.len() > CLASSIFIER_CANDIDATES {
            by_p.select_nth_unstable_by(CLASSIFIER_CANDIDATES, likelier);
            by_p.truncate(CLASSIFIER_CANDIDATES);
        }
        by_p.sort_by(likelier);
        let allowed = |e: &super::Entry| match region {
            Some(r) => e.regions.is_empty() || e.regions.iter().any(|x| x == r),
            None => true,
        };
        for entry in by_p.into_iter().take(CLASSIFIER_CANDIDATES) {
            if !pool.iter().any(|p| p.0 == entry) && allowed(&self.entries[entry]) {
                pool.push((entry, 0.0));
            }
        }
    }

    /// The question's terms by key, each with its idf weight (more in the last clause of a story:
    /// the actual question comes after it).
    fn weighted_terms(&self, raw: &str, terms: &[String], params: &RankParams) -> WeightedTerms {
        let last: HashSet<String> = if params.last_clause > 0.0 {
            last_clause(raw)
                .map(|c| self.analyzer.query_terms(c).into_iter().collect())
                .unwrap_or_default()
        } else {
            HashSet::new()
        };
        let weights = terms.iter().map(|t| {
            let w = self.idf(t);
            if last.contains(t) {
                w * (1.0 + params.last_clause)
            } else {
                w
            }
        });
        WeightedTerms::new(terms.iter().zip(weights))
    }

    /// The entry's phrasing most similar to the question, as (phrasing index, similarity);
    /// leaves in `scratch` which question terms that phrasing has (`best_hits`) and which any
    /// phrasing of the entry has (`in_any`).
    fn best_phrasing(
        &self,
        entry: usize,
        question: &WeightedTerms,
        query_bigrams: &KeySet,
        params: &RankParams,
        exclude: Option<usize>,
        scratch: &mut PhrasingScratch,
    ) -> (usize, f32) {
        let mut best_sim = -1.0f32;
        let mut best_p = 0;
        scratch.in_any.fill(false);
        scratch.best_hits.fill(false);
        for pi in self.ranges[entry].clone() {
            if exclude == Some(pi) {
                continue;
            }
            scratch.hits.fill(false);
            let (mut cov_q, mut cov_p) = (0.0f32, 0.0f32);
            let (keys, idfs) = self.flat.terms(pi);
            for (k, idf) in keys.iter().zip(idfs) {
                if let Some(s) = question.slot(*k) {
                    if !scratch.hits[s] {
                        scratch.hits[s] = true;
                        cov_q += question.weights[s];
                    }
                    cov_p += idf;
                    scratch.in_any[s] = true;
                }
            }
            let sim = params.w_query_cov * cov_q / question.total
                + params.w_phrasing_cov * cov_p / self.flat.idf_total(pi)
                + params.w_dice * query_bigrams.dice(self.flat.bigrams(pi));
            if sim > best_sim {
                best_sim = sim;
                best_p = pi;
                std::mem::swap(&mut scratch.hits, &mut scratch.best_hits);
            }
        }
        (best_p, best_sim)
    }

    /// The score after the entry's own adjustments: its kind, whether the question names its
    /// region, and whether a later edition supersedes it.
    fn entry_adjusted(
        &self,
        mut score: f32,
        e: &super::Entry,
        norm_q: &str,
        places: &[String],
        names_year: bool,
        params: &RankParams,
    ) -> f32 {
        score *= match e.kind {
            Kind::Faq => 1.0,
            Kind::Law => params.law_weight,
            Kind::Article => params.article_weight,
        };
        if !e.regions.is_empty() {
            let about = |r: &String| norm_q.contains(r.as_str()) || places.iter().any(|p| p == r);
            if e.regions.iter().any(about) {
                score = (score + params.region_bonus).min(1.0);
            } else {
                score *= params.unmentioned_region;
            }
        }
        if e.superseded && !names_year {
            score *= params.superseded;
        }
        score
    }

    /// Place preferences, applied once every candidate has its score: a local rule among the
    /// leaders for a place the question names beats the national frame, and a national answer
    /// gives way to its local version (`localizes`) for that place.
    fn prefer_local_rules(
        &self,
        candidates: &mut [Candidate],
        places: &[String],
        names_year: bool,
        params: &RankParams,
    ) {
        // Whether an entry's rule is for a place the question names (national entries: never).
        let named_place = |i: usize| {
            let e = &self.entries[i];
            e.regions.iter().any(|r| places.iter().any(|p| p == r))
        };
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        let local_leader = candidates.iter().take(3).any(|c| named_place(c.entry));
        if params.national_when_local < 1.0 && local_leader {
            for c in candidates.iter_mut() {
                if self.entries[c.entry].regions.is_empty() {
                    c.score *= params.national_when_local;
                }
            }
        }
        // A national answer gives way to its local version (`localizes`) for a place the question
        // names, when that version is among the candidates at all: the local entry carries the
        // local figures the national one can only say vary by city.
        let mut lifts = Vec::new();
        for n in candidates.iter() {
            let national = &self.entries[n.entry];
            if !national.regions.is_empty() {
                continue;
            }
            let local = candidates
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    // The current version stands in, not one a later entry supersedes.
                    (names_year || !self.entries[l.entry].superseded)
                        && named_place(l.entry)
                        && self.entries[l.entry]
                            .localizes
                            .iter()
                            .any(|id| id == &national.id)
                })
                .max_by(|a, b| a.1.score.total_cmp(&b.1.score));
            if let Some((li, l)) = local {
                if l.score <= n.score {
                    lifts.push((li, n.score));
                }
            }
        }
        for (li, above) in lifts {
            let c = &mut candidates[li];
            c.score = c.score.max((above + 1e-4).min(1.0));
        }
    }

    /// A highlighted excerpt (`<mark>…</mark>`; everything else HTML-escaped) of the entry body for the query terms.
    pub fn snippet(&self, entry: usize, terms: &[String], max_chars: usize) -> String {
        let e = &self.entries[entry];
        let mut weights = BTreeMap::new();
        for t in terms {
            weights.insert(t.clone(), self.idf(t));
        }
        // Cutting the body with jieba is most of a snippet's cost; do it once per entry.
        let tokens = self.body_tokens[entry]
            .get_or_init(|| Arc::new(self.analyzer.tokens(&e.body)))
            .clone();
        let merged = merge_overlapping(&tokens, |t| weights.get(t).copied().unwrap_or(0.0));
        let analyzer = TextAnalyzer::builder(ReplayTokenizer(Arc::new(merged))).build();
        let generator = SnippetGenerator::new(weights, analyzer, self.fields.body, max_chars);
        let mut snippet = generator.snippet(&e.body);
        snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
        if snippet.is_empty() {
            let head: String = e.body.chars().take(max_chars / 3).collect();
            html_escape(&head)
        } else {
            snippet.to_html()
        }
    }
}

/// The last clause of a question with several clauses ("我去年离职……，现在补上以后能报吗" → "现在补上以后能报吗").
fn last_clause(question: &str) -> Option<&str> {
    let is_sep = |c: char| "，,。.？?！!；;\n ".contains(c);
    let parts: Vec<&str> = question
        .split(is_sep)
        .filter(|p| p.chars().count() >= 2)
        .collect();
    if parts.len() >= 2 {
        parts.last().copied()
    } else {
        None
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

#[cfg(test)]
mod tests {
    use super::{names_a_year, KeySet};

    #[test]
    fn filtered_dice_equals_the_plain_count() {
        let a: Vec<u64> = vec![3, 9, 4096 + 3, 70_000, 1 << 40];
        let b: Vec<u64> = vec![3, 8, 4096 + 3, 1 << 40, 1 << 41];
        // 3 shared of 5 + 5.
        assert!((KeySet::new(&a).dice(&b) - 0.6).abs() < 1e-6);
        assert_eq!(KeySet::new(&a).dice(&[]), 0.0);
        assert_eq!(KeySet::new(&[]).dice(&b), 0.0);
    }

    #[test]
    fn years_are_recognised_and_other_numbers_are_not() {
        for q in [
            "2024年上海基数",
            "上海2025基数",
            "24年7月起",
            "二〇二四年度",
            "二零二五年",
        ] {
            assert!(names_a_year(q), "{q}");
        }
        for q in [
            "上海现在的基数",
            "12333",
            "交了3个月",
            "欠了12000元",
            "今年的标准",
        ] {
            assert!(!names_a_year(q), "{q}");
        }
    }
}
