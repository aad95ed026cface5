//! Full-text retrieval over the knowledge base: the tantivy index, its atomic rebuild, and ranking.
//!
//! One tantivy document per *phrasing* (an FAQ's standard question and each similar question, an
//! article's title and questions, a law's title) so an entry is scored by its best-matching phrasing.
//! Queries are built from our own segmentation as a `BooleanQuery` of term queries — never through
//! `QueryParser`, which turns a multi-token Chinese query into a phrase query and loses recall. BM25
//! finds candidates; [`Snapshot::rank`] reranks them with coverage and overlap features computed in
//! memory. A [`Snapshot`] is immutable; the engine swaps in a new one when the knowledge is republished.

mod build;
mod classifier;
mod cutting;
mod lm;
mod rank;

pub use build::{
    build_index, current_fingerprint, ensure_index, open_current, BuildOptions, Manifest,
    INDEX_FORMAT, SOURCES_DIR,
};
pub use lm::term_key;
pub use rank::{Candidate, RankParams, Ranked};

use crate::knowledge::{InsuranceScope, Knowledge, Status};
use crate::text::{Analyzer, BigramTokenizer, ZhTokenizer};
use crate::Result;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, ReloadPolicy};

/// This process's resident memory in MB (`VmRSS` of `/proc/self/status`; `None` where there is
/// no such file), for the debug log of a snapshot's open.
fn resident_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// What kind of knowledge item a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Faq,
    Article,
    Law,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Faq => "faq",
            Kind::Article => "article",
            Kind::Law => "law",
        }
    }
}

/// An answerable knowledge item held in memory beside the index.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub regions: Vec<String>,
    pub sources: Vec<String>,
    pub insurance: InsuranceScope,
    pub tags: Vec<String>,
    /// A published entry states the same rule for a later year (`supersedes` in the FAQ).
    pub superseded: bool,
    /// Ids of the national entries this regional entry is the local version of.
    pub localizes: Vec<String>,
    /// Keys (`lm::term_key`) of the body's terms and of the tags' terms, for cheap coverage
    /// tests. No term is held as a string: a national corpus has millions of them, and ranking,
    /// the language model and the classifier only ever compare keys.
    body_keys: FxHashSet<u64>,
    tag_keys: FxHashSet<u64>,
}

impl Entry {
    /// The body's terms as language-model features (keys sorted, each once).
    fn body_lm_features(&self) -> lm::Features {
        let keys: Vec<u64> = self.body_keys.iter().copied().collect();
        lm::Features::from_keys(&keys, &[])
    }

    /// Words and bigrams of the body, as a (weak) training example for the classifier.
    fn body_features(&self) -> lm::Features {
        let bigrams = Analyzer::bigrams(&self.body);
        let keys: Vec<u64> = self.body_keys.iter().copied().collect();
        lm::Features::from_keys(&keys, &bigram_keys(bigrams.iter().map(String::as_str)))
    }
}

/// One way of asking for an entry.
#[derive(Debug, Clone)]
pub struct Phrasing {
    pub entry: usize,
    pub text: String,
}

/// Every phrasing's term keys with their idf, and its bigram keys, in flat arrays: phrasing i's
/// terms are `term_keys[term_start[i]..term_start[i + 1]]` (idf alike), its bigram keys
/// `bigram_keys[bigram_start[i]..bigram_start[i + 1]]`. The rerank compares a question with every
/// phrasing of some thirty entries; an entry's phrasings are consecutive, so their keys are one
/// run of memory each, where a vector per phrasing cost a cache miss per vector. Collecting the
/// knowledge appends each phrasing's keys here directly (a vector per phrasing would be a million
/// small allocations for a national corpus, freed again at once); the idf follows once the
/// document frequencies are known ([`set_idf`](Self::set_idf)).
///
/// A phrasing's term keys are `lm::term_key` of the analyzer's terms of its text, in order, each
/// once (the terms themselves are not kept); its bigram keys are sorted and deduplicated (cheap
/// to intersect per query).
#[derive(Debug, Default)]
pub(crate) struct FlatPhrasings {
    term_start: Vec<u32>,
    term_keys: Vec<u64>,
    term_idf: Vec<f32>,
    /// The sum of each phrasing's term idf (at least 1e-6).
    idf_total: Vec<f32>,
    bigram_start: Vec<u32>,
    bigram_keys: Vec<u64>,
}

impl FlatPhrasings {
    fn new() -> FlatPhrasings {
        FlatPhrasings {
            term_start: vec![0],
            bigram_start: vec![0],
            ..FlatPhrasings::default()
        }
    }

    /// The number of phrasings.
    fn len(&self) -> usize {
        self.term_start.len() - 1
    }

    /// Append the next phrasing's term keys (each kept once, in order) and bigram keys.
    fn push(&mut self, term_keys: impl IntoIterator<Item = u64>, bigram_keys: &[u64]) {
        let first = self.term_keys.len();
        for k in term_keys {
            // A question has a handful of terms: a linear check.
            if !self.term_keys[first..].contains(&k) {
                self.term_keys.push(k);
            }
        }
        self.bigram_keys.extend_from_slice(bigram_keys);
        self.term_start
            .push(u32::try_from(self.term_keys.len()).expect("under 4G terms"));
        self.bigram_start
            .push(u32::try_from(self.bigram_keys.len()).expect("under 4G bigrams"));
    }

    /// Each term's idf, and each phrasing's sum of them (at least 1e-6).
    fn set_idf(&mut self, idf: impl Fn(u64) -> f32) {
        self.term_idf = self.term_keys.iter().map(|&k| idf(k)).collect();
        self.idf_total = (0..self.len())
            .map(|i| self.terms(i).1.iter().sum::<f32>().max(1e-6))
            .collect();
    }

    /// Phrasing `i`'s term keys.
    fn term_keys(&self, i: usize) -> &[u64] {
        &self.term_keys[self.term_start[i] as usize..self.term_start[i + 1] as usize]
    }

    /// Phrasing `i`'s term keys and their idf (once [`set_idf`](Self::set_idf) has run).
    fn terms(&self, i: usize) -> (&[u64], &[f32]) {
        let r = self.term_start[i] as usize..self.term_start[i + 1] as usize;
        (&self.term_keys[r.clone()], &self.term_idf[r])
    }

    fn idf_total(&self, i: usize) -> f32 {
        self.idf_total[i]
    }

    /// Phrasing `i`'s sorted, deduplicated bigram keys.
    fn bigrams(&self, i: usize) -> &[u64] {
        &self.bigram_keys[self.bigram_start[i] as usize..self.bigram_start[i + 1] as usize]
    }

    /// Phrasing `i`'s terms and bigrams as language-model and classifier features. Worked out
    /// when needed (opening a snapshot, training) rather than held: they would be a third copy
    /// of every key.
    fn features(&self, i: usize) -> lm::Features {
        lm::Features::from_keys(self.term_keys(i), self.bigrams(i))
    }
}

/// Seed of the hashed bigram keys (see `lm::term_key` for why XXH3).
const BIGRAM_SEED: u64 = 0x6269_6772_616d;

/// Sorted, deduplicated 64-bit keys of bigram strings: a CJK bigram packs its two characters,
/// anything else is hashed (XXH3-64, stable across Rust releases: the keys are persisted).
pub(crate) fn bigram_keys<'a>(bigrams: impl Iterator<Item = &'a str>) -> Vec<u64> {
    let mut keys: Vec<u64> = bigrams
        .map(|b| {
            let mut it = b.chars();
            match (it.next(), it.next(), it.next()) {
                (Some(a), Some(c), None) => (1u64 << 63) | ((a as u64) << 21) | c as u64,
                (Some(a), None, None) => (1u64 << 62) | a as u64,
                _ => {
                    xxhash_rust::xxh3::xxh3_64_with_seed(b.as_bytes(), BIGRAM_SEED) & !(3u64 << 62)
                }
            }
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// [`phrasing_key`] of the document's phrasing.
    pkey: Field,
    entry: Field,
    kind: Field,
    phrasing: Field,
    phrasing_bi: Field,
    body: Field,
    region: Field,
}

/// The document key of an entry's `ord`-th phrasing: stable while the entry's phrasings stay the
/// same, whatever changes elsewhere in the corpus (a position in the corpus would shift with every
/// added entry, and an index updated in place would point at the wrong phrasings).
pub(crate) fn phrasing_key(entry: &str, ord: usize) -> u64 {
    let mut bytes = Vec::with_capacity(entry.len() + 9);
    bytes.extend_from_slice(entry.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(&(ord as u64).to_le_bytes());
    xxhash_rust::xxh3::xxh3_64(&bytes)
}

/// Marker indexed in the region field of entries that apply nationwide.
pub(crate) const NATIONAL: &str = "_national";

pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let zh = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("zh")
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let bi = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("zh_bigram")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        pkey: b.add_u64_field("pkey", INDEXED | FAST | STORED),
        entry: b.add_text_field("entry", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        phrasing: b.add_text_field("phrasing", zh(true)),
        phrasing_bi: b.add_text_field("phrasing_bi", bi),
        body: b.add_text_field("body", zh(false)),
        region: b.add_text_field("region", STRING),
    };
    (b.build(), fields)
}

pub(crate) fn register_tokenizers(index: &Index, analyzer: &Arc<Analyzer>) {
    index.tokenizers().register(
        "zh",
        TextAnalyzer::builder(ZhTokenizer(analyzer.clone())).build(),
    );
    index
        .tokenizers()
        .register("zh_bigram", TextAnalyzer::builder(BigramTokenizer).build());
}

/// Entries and phrasings of the published knowledge, in a stable order (index docs refer to
/// phrasings by position, so the order must only depend on the knowledge files).
pub(crate) fn collect(
    kb: &Knowledge,
    analyzer: &Analyzer,
) -> (Vec<Entry>, Vec<Phrasing>, FlatPhrasings) {
    collect_reusing(kb, analyzer, None, None)
}

/// Store the cutting of collected entries in `path` (best effort: a start without the file
/// only cuts again): every phrasing with its term and bigram keys (in `flat`), every answer with
/// its sorted distinct term keys.
fn store_cutting(
    path: &Path,
    analyzer: &Analyzer,
    entries: &[Entry],
    phrasings: &[Phrasing],
    flat: &FlatPhrasings,
) {
    let body_keys: Vec<Vec<u64>> = entries
        .iter()
        .map(|e| {
            let mut k: Vec<u64> = e.body_keys.iter().copied().collect();
            k.sort_unstable();
            k
        })
        .collect();
    let texts = phrasings
        .iter()
        .enumerate()
        .map(|(i, p)| (p.text.as_str(), flat.term_keys(i), flat.bigrams(i)))
        .chain(
            entries
                .iter()
                .zip(&body_keys)
                .map(|(e, k)| (e.body.as_str(), k.as_slice(), &[][..])),
        );
    match cutting::save(path, analyzer.key(), texts) {
        Ok(()) => tracing::debug!(path = %path.display(), "cutting stored"),
        Err(e) => tracing::warn!(path = %path.display(), error = %e, "could not store the cutting"),
    }
}

/// As [`collect`], taking the cutting of every text `previous` (a snapshot cut with the same
/// analyzer) already has instead of cutting it again: a publish that changed one entry of a
/// national corpus cuts that entry's texts, not a million phrasings.
///
/// `stored` is the cutting a generation keeps beside its index ([`cutting`]): texts found there
/// are not cut either.
pub(crate) fn collect_reusing(
    kb: &Knowledge,
    analyzer: &Analyzer,
    previous: Option<&Snapshot>,
    stored: Option<cutting::Cutting>,
) -> (Vec<Entry>, Vec<Phrasing>, FlatPhrasings) {
    let stored = std::cell::RefCell::new(stored.unwrap_or_default());
    let previous = previous.filter(|p| p.analyzer.key() == analyzer.key());
    // Text → the previous snapshot's phrasing position (its keys live in `flat` there).
    let known_phrasings: HashMap<&str, usize> = previous
        .map(|p| {
            p.phrasings
                .iter()
                .enumerate()
                .map(|(i, x)| (x.text.as_str(), i))
                .collect()
        })
        .unwrap_or_default();
    let known_bodies: HashMap<&str, &Entry> = previous
        .map(|p| p.entries.iter().map(|e| (e.body.as_str(), e)).collect())
        .unwrap_or_default();
    // Cut every text not known yet up front, on all cores: jieba is most of a start's time.
    // (Borrowed from `kb`, not copied: a national corpus has a million texts.)
    let laws: Vec<Vec<String>> = kb.laws.iter().map(law_texts).collect();
    let faqs = || kb.faqs.iter().filter(|f| f.status == Status::Published);
    let articles = || kb.articles.iter().filter(|a| a.status == Status::Published);
    let texts = faqs()
        .flat_map(|f| std::iter::once(&f.question).chain(&f.similar))
        .chain(articles().flat_map(|a| std::iter::once(&a.title).chain(&a.questions)))
        .chain(laws.iter().flatten())
        .map(String::as_str);
    let bodies = faqs()
        .map(|f| f.answer.as_str())
        .chain(articles().map(|a| a.body.as_str()))
        .chain(kb.laws.iter().map(|l| l.text.as_str()));
    let todo: Vec<&str> = {
        let stored = stored.borrow();
        texts
            .filter(|t| !known_phrasings.contains_key(t) && !stored.contains(t))
            .chain(bodies.filter(|b| !known_bodies.contains_key(b) && !stored.contains(b)))
            .collect()
    };
    // Taken out as they are used, so the cut texts are not held twice.
    let cuts = std::cell::RefCell::new(cut_in_parallel(analyzer, &todo));
    // A text's term keys and, when the stored cutting has them, its bigram keys.
    let cut_of = |text: &str| -> cutting::Cut {
        if let Some(term_keys) = cuts.borrow_mut().remove(text) {
            return cutting::Cut {
                term_keys,
                bigram_keys: vec![],
            };
        }
        stored
            .borrow_mut()
            .take(text)
            .unwrap_or_else(|| cutting::Cut {
                term_keys: term_keys_of(analyzer, text),
                bigram_keys: vec![],
            })
    };
    // Keys of the text's character bigrams (`stored` when the stored cutting had them).
    let keys_of_bigrams = |text: &str, stored: Vec<u64>| -> Vec<u64> {
        if stored.is_empty() {
            let bigrams = Analyzer::bigrams(text);
            bigram_keys(bigrams.iter().map(String::as_str))
        } else {
            stored
        }
    };
    let mut entries = Vec::new();
    let mut phrasings = Vec::new();
    let mut flat = FlatPhrasings::new();
    let mut add = |entry: Entry, texts: Vec<String>| {
        let idx = entries.len();
        entries.push(entry);
        for text in texts {
            if let (Some(&i), Some(prev)) = (known_phrasings.get(text.as_str()), previous) {
                flat.push(prev.flat.term_keys(i).iter().copied(), prev.flat.bigrams(i));
            } else {
                let cut = cut_of(&text);
                let bigram_keys = keys_of_bigrams(&text, cut.bigram_keys);
                flat.push(cut.term_keys, &bigram_keys);
            }
            phrasings.push(Phrasing { entry: idx, text });
        }
    };
    // Cutting a body is the expensive part of loading; do it once per body.
    let body = |s: &str| -> FxHashSet<u64> {
        if let Some(e) = known_bodies.get(s) {
            return e.body_keys.clone();
        }
        cut_of(s).term_keys.into_iter().collect()
    };
    // Tags repeat across entries (a national corpus has a few hundred distinct ones for tens of
    // thousands of entries): each is cut once.
    let tag_cuts: std::cell::RefCell<HashMap<String, Vec<u64>>> = Default::default();
    let tag_keys = |tags: &[String]| -> FxHashSet<u64> {
        let mut cuts = tag_cuts.borrow_mut();
        let mut out = FxHashSet::default();
        for t in tags {
            if !cuts.contains_key(t) {
                cuts.insert(t.clone(), term_keys_of(analyzer, t));
            }
            out.extend(cuts[t].iter().copied());
        }
        out
    };
    let published_faqs = || kb.faqs.iter().filter(|f| f.status == Status::Published);
    // Entries a published entry supersedes, collected once rather than searched for per entry.
    let superseded: HashSet<&str> = published_faqs()
        .flat_map(|newer| newer.supersedes.iter().map(String::as_str))
        .collect();
    for f in published_faqs() {
        let body_keys = body(&f.answer);
        let mut texts = vec![f.question.clone()];
        texts.extend(f.similar.iter().cloned());
        add(
            Entry {
                id: f.id.clone(),
                kind: Kind::Faq,
                title: f.question.clone(),
                body: f.answer.clone(),
                regions: f.regions.clone(),
                sources: f.sources.clone(),
                insurance: f.insurance,
                tags: f.tags.clone(),
                superseded: superseded.contains(f.id.as_str()),
                localizes: f.localizes.clone(),
                body_keys,
                tag_keys: tag_keys(&f.tags),
            },
            texts,
        );
    }
    for a in kb.articles.iter().filter(|a| a.status == Status::Published) {
        let body_keys = body(&a.body);
        let mut texts = vec![a.title.clone()];
        texts.extend(a.questions.iter().cloned());
        add(
            Entry {
                id: a.id.clone(),
                kind: Kind::Article,
                title: a.title.clone(),
                body: a.body.clone(),
                regions: a.regions.clone(),
                sources: a.sources.clone(),
                insurance: a.insurance,
                tags: a.tags.clone(),
                superseded: false,
                localizes: vec![],
                body_keys,
                tag_keys: tag_keys(&a.tags),
            },
            texts,
        );
    }
    for (l, texts) in kb.laws.iter().zip(&laws) {
        let texts = texts.clone();
        let title = l.title();
        let body_keys = body(&l.text);
        add(
            Entry {
                id: l.id.clone(),
                kind: Kind::Law,
                title,
                body: l.text.clone(),
                regions: vec![],
                sources: vec![format!("law:{}", l.id)],
                insurance: InsuranceScope::Any,
                tags: l.tags.clone(),
                superseded: false,
                localizes: vec![],
                body_keys,
                tag_keys: tag_keys(&l.tags),
            },
            texts,
        );
    }
    (entries, phrasings, flat)
}

/// `lm::term_key` of each of `analyzer.query_terms(text)`, in order.
fn term_keys_of(analyzer: &Analyzer, text: &str) -> Vec<u64> {
    analyzer
        .query_terms(text)
        .iter()
        .map(|t| lm::term_key(t))
        .collect()
}

/// [`term_keys_of`] each text, cut on every available core.
fn cut_in_parallel<'a>(analyzer: &Analyzer, texts: &[&'a str]) -> HashMap<&'a str, Vec<u64>> {
    if texts.len() < 256 {
        return texts
            .iter()
            .map(|t| (*t, term_keys_of(analyzer, t)))
            .collect();
    }
    map_in_parallel(texts, |part| {
        part.iter()
            .map(|t| (*t, term_keys_of(analyzer, t)))
            .collect()
    })
    .into_iter()
    .collect()
}

/// `f` over `items` split into one contiguous part per available core (at most 8), the results
/// concatenated in the order of `items`.
pub(crate) fn map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    if threads == 1 || items.len() < 2 {
        return f(items);
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                scope.spawn(move || f(part))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("parallel work does not panic"))
            .collect()
    })
}

/// What the index holds of one entry: its documents' texts. [`collect`] makes the same list in
/// the same order (with the cutting the in-memory model needs); this one does no cutting, so an
/// update can compare two corpora cheaply and re-index only the entries that differ.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IndexedEntry<'a> {
    pub id: &'a str,
    pub kind: Kind,
    /// Standard question or title first, then the other phrasings.
    pub texts: Vec<String>,
    pub body: &'a str,
    pub regions: &'a [String],
}

pub(crate) fn indexed_entries(kb: &Knowledge) -> Vec<IndexedEntry<'_>> {
    let mut out = Vec::new();
    for f in kb.faqs.iter().filter(|f| f.status == Status::Published) {
        let mut texts = vec![f.question.clone()];
        texts.extend(f.similar.iter().cloned());
        out.push(IndexedEntry {
            id: &f.id,
            kind: Kind::Faq,
            texts,
            body: &f.answer,
            regions: &f.regions,
        });
    }
    for a in kb.articles.iter().filter(|a| a.status == Status::Published) {
        let mut texts = vec![a.title.clone()];
        texts.extend(a.questions.iter().cloned());
        out.push(IndexedEntry {
            id: &a.id,
            kind: Kind::Article,
            texts,
            body: &a.body,
            regions: &a.regions,
        });
    }
    for l in &kb.laws {
        out.push(IndexedEntry {
            id: &l.id,
            kind: Kind::Law,
            texts: law_texts(l),
            body: &l.text,
            regions: &[],
        });
    }
    out
}

fn law_texts(l: &crate::knowledge::Law) -> Vec<String> {
    let short = format!(
        "{}{}",
        l.law.trim_start_matches("中华人民共和国"),
        l.article
    );
    let mut texts = vec![l.title(), short];
    if !l.tags.is_empty() {
        texts.push(format!("{} {}", l.law, l.tags.join(" ")));
    }
    texts
}

/// Train the entry classifier on every phrasing (its keys in `flat`) and, weakly, every answer
/// body.
pub(crate) fn train_classifier(
    entries: &[Entry],
    phrasings: &[Phrasing],
    flat: &FlatPhrasings,
    skip: impl Fn(usize) -> bool,
) -> classifier::Classifier {
    let phrasing_features: Vec<(usize, lm::Features)> = phrasings
        .iter()
        .enumerate()
        .filter(|(i, _)| !skip(*i))
        .map(|(i, p)| (p.entry, flat.features(i)))
        .collect();
    let body_features: Vec<lm::Features> = entries.iter().map(Entry::body_features).collect();
    let mut examples: Vec<(usize, &lm::Features, f32)> = phrasing_features
        .iter()
        .map(|(e, f)| (*e, f, 1.0))
        .collect();
    examples.extend(
        body_features
            .iter()
            .enumerate()
            .map(|(i, f)| (i, f, classifier::BODY_WEIGHT)),
    );
    classifier::Classifier::train(entries.len(), &examples)
}

/// The classifier features of a text (as [`collect`] computes them for phrasings and bodies).
fn text_features(analyzer: &Analyzer, text: &str) -> lm::Features {
    let terms = analyzer.query_terms(text);
    let bigrams = Analyzer::bigrams(text);
    lm::Features::new(&terms, &bigram_keys(bigrams.iter().map(String::as_str)))
}

/// The classifier for `kb` made from `old` (trained on the corpus whose entries were `old_ids`)
/// after the entries `changed` were added or edited (and any others removed): unchanged entries
/// keep their weights; the changed ones get the weights of a model trained on them and their
/// rivals (the entries the old model confuses them with). Only those entries' texts are cut, so
/// this takes about as long for a national corpus as for one city.
pub(crate) fn patch_classifier(
    old: &classifier::Classifier,
    old_ids: &[&str],
    kb: &Knowledge,
    analyzer: &Analyzer,
    changed: &HashSet<&str>,
) -> classifier::Classifier {
    let entries = indexed_entries(kb);
    let new_ids: Vec<&str> = entries.iter().map(|e| e.id).collect();
    let by_id: HashMap<&str, &IndexedEntry> = entries.iter().map(|e| (e.id, e)).collect();
    let texts_of = |e: &IndexedEntry| -> Vec<(lm::Features, f32)> {
        let mut out: Vec<(lm::Features, f32)> = e
            .texts
            .iter()
            .map(|t| (text_features(analyzer, t), 1.0))
            .collect();
        out.push((text_features(analyzer, e.body), classifier::BODY_WEIGHT));
        out
    };
    let changed_texts: Vec<(&str, Vec<(lm::Features, f32)>)> = new_ids
        .iter()
        .filter(|id| changed.contains(*id))
        .map(|id| (*id, texts_of(by_id[id])))
        .collect();
    let features: Vec<&lm::Features> = changed_texts
        .iter()
        .flat_map(|(_, t)| t.iter().map(|(f, _)| f))
        .collect();
    let rivals: Vec<&str> = old
        .rivals_of_texts(&features)
        .into_iter()
        .map(|c| old_ids[c])
        .filter(|id| !changed.contains(id) && by_id.contains_key(id))
        .collect();
    let mut local_ids: Vec<&str> = changed_texts.iter().map(|(id, _)| *id).collect();
    let mut local_texts: Vec<Vec<(lm::Features, f32)>> =
        changed_texts.into_iter().map(|(_, t)| t).collect();
    for id in rivals {
        local_ids.push(id);
        local_texts.push(texts_of(by_id[id]));
    }
    let examples: Vec<(usize, &lm::Features, f32)> = local_texts
        .iter()
        .enumerate()
        .flat_map(|(c, t)| t.iter().map(move |(f, w)| (c, f, *w)))
        .collect();
    let local = classifier::Classifier::train(local_ids.len(), &examples);
    classifier::Classifier::patched(old, old_ids, &new_ids, &local, &local_ids, changed)
}

/// Folds of the leave-one-out measurement: phrasing `i` is held out by the classifier of fold
/// `i % HELD_OUT_FOLDS`, trained without that fold.
const HELD_OUT_FOLDS: usize = 5;

/// An immutable, searchable view of one published knowledge base.
pub struct Snapshot {
    pub kb: Arc<Knowledge>,
    pub analyzer: Arc<Analyzer>,
    pub entries: Vec<Entry>,
    pub phrasings: Vec<Phrasing>,
    pub manifest: Manifest,
    /// Rerank weights used by [`Snapshot::rank`].
    pub params: RankParams,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// By term key ([`lm::term_key`]).
    idf: FxHashMap<u64, f32>,
    max_idf: f32,
    by_id: HashMap<String, usize>,
    /// [`phrasing_key`] → position in `phrasings`.
    by_key: FxHashMap<u64, u32>,
    /// Each entry body's tokens, cut on first use and reused by every later snippet of it.
    body_tokens: Vec<std::sync::OnceLock<Arc<Vec<crate::text::Tok>>>>,
    ranges: Vec<std::ops::Range<usize>>,
    /// The phrasings' keys and idf, laid out for the rerank.
    flat: FlatPhrasings,
    /// Entry-level language model over phrasings and answers.
    lm: lm::EntryLm,
    /// Which entry a question asks for, learned from all phrasings.
    classifier: classifier::Classifier,
    /// Classifiers each trained without one fold of phrasings, for leave-one-out measurement
    /// (trained on first use; never used to answer).
    held_out: std::sync::OnceLock<Vec<classifier::Classifier>>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("entries", &self.entries.len())
            .field("phrasings", &self.phrasings.len())
            .field("manifest", &self.manifest)
            .finish()
    }
}

impl Snapshot {
    /// Open the current index under `index_root` for `kb`, building it first when it is missing or
    /// was built from other knowledge files.
    pub fn open_or_build(
        kb: Arc<Knowledge>,
        analyzer: Arc<Analyzer>,
        index_root: &Path,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Snapshot> {
        Self::open_or_build_after(kb, analyzer, index_root, progress, None)
    }

    /// As [`open_or_build`](Self::open_or_build) for a reload: texts `previous` has already cut
    /// (with the same dictionaries) are not cut again.
    pub fn open_or_build_after(
        kb: Arc<Knowledge>,
        analyzer: Arc<Analyzer>,
        index_root: &Path,
        progress: &dyn Fn(usize, usize),
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot> {
        let started = std::time::Instant::now();
        let (index, manifest) = ensure_index(&kb, &analyzer, index_root, progress)?;
        tracing::debug!(
            generation = %manifest.generation,
            millis = started.elapsed().as_millis() as u64,
            rss_mb = resident_mb(),
            "index generation ready"
        );
        let dir = index_root.join(&manifest.generation);
        Self::from_index_after(kb, analyzer, index, manifest, Some(&dir), previous)
    }

    /// Open the current generation under `index_root` with the knowledge files it was built from
    /// (the copy kept inside the generation), whatever the knowledge directory holds now: the
    /// last good knowledge base, for a server whose files were broken by an edit.
    pub fn open_last_good(index_root: &Path) -> Result<Snapshot> {
        let (index, manifest) = build::open_current(index_root).ok_or_else(|| {
            crate::Error::Other(format!("no index under {}", index_root.display()))
        })?;
        let dir = index_root.join(&manifest.generation);
        let sources = dir.join(SOURCES_DIR);
        if !sources.is_dir() {
            return Err(crate::Error::Other(format!(
                "index generation {} keeps no copy of its knowledge files",
                manifest.generation
            )));
        }
        let (kb, problems) = crate::knowledge::load(&sources)?;
        if !problems.is_empty() || kb.fingerprint != manifest.fingerprint {
            return Err(crate::Error::Other(format!(
                "the knowledge copy in index generation {} does not match it",
                manifest.generation
            )));
        }
        let analyzer = Arc::new(Analyzer::new(&kb.dict));
        Self::from_index(Arc::new(kb), analyzer, index, manifest, Some(&dir))
    }

    /// A snapshot over an opened index; the classifier is read from `dir` when it was stored there
    /// for these entries, else trained now.
    pub(crate) fn from_index(
        kb: Arc<Knowledge>,
        analyzer: Arc<Analyzer>,
        index: Index,
        manifest: Manifest,
        dir: Option<&Path>,
    ) -> Result<Snapshot> {
        Self::from_index_after(kb, analyzer, index, manifest, dir, None)
    }

    fn from_index_after(
        kb: Arc<Knowledge>,
        analyzer: Arc<Analyzer>,
        index: Index,
        manifest: Manifest,
        dir: Option<&Path>,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot> {
        register_tokenizers(&index, &analyzer);
        let (_, fields) = schema();
        let started = std::time::Instant::now();
        // The stored classifier is read on another core while the texts are collected (a
        // national corpus's file is hundreds of megabytes).
        let stored_path = dir.map(|d| d.join(classifier::FILE_NAME));
        let loading = stored_path
            .clone()
            .map(|path| std::thread::spawn(move || classifier::Classifier::load(&path)));
        // The cutting stored with the generation, unless a previous snapshot cut by the same
        // analyzer has every unchanged text already (a reload).
        let cutting_path = dir.map(|d| d.join(cutting::FILE_NAME));
        let reuse_previous = previous.is_some_and(|p| p.analyzer.key() == analyzer.key());
        let mut rejected = false;
        let stored = match cutting_path.as_deref().filter(|_| !reuse_previous) {
            Some(path) => match cutting::Cutting::load(path, analyzer.key()) {
                Ok(c) => {
                    tracing::debug!(
                        texts = c.len(),
                        millis = started.elapsed().as_millis() as u64,
                        rss_mb = resident_mb(),
                        "stored cutting read"
                    );
                    Some(c)
                }
                Err(cutting::Rejected::Unreadable(_)) => None,
                Err(why) => {
                    tracing::warn!(path = %path.display(), %why, "stored cutting not used; cutting again");
                    rejected = true;
                    None
                }
            },
            None => None,
        };
        let had_stored = stored.is_some();
        let (entries, phrasings, mut flat) = collect_reusing(&kb, &analyzer, previous, stored);
        let collect_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(collect_ms, rss_mb = resident_mb(), "texts collected");
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let mut ranges = vec![0..0; entries.len()];
        for (i, p) in phrasings.iter().enumerate() {
            let r = &mut ranges[p.entry];
            if r.start == r.end {
                *r = i..i + 1;
            } else {
                r.end = i + 1;
            }
        }
        let entries_len = entries.len();
        // The entry language model is built on another core while the corpus statistics and
        // lookups are worked out (each is about a second for a national corpus).
        let (lm, idf, by_id, by_key) = std::thread::scope(|scope| {
            let lm = scope.spawn(|| {
                lm::EntryLm::build_in_parallel(
                    entries_len,
                    |e| ranges[e].clone().map(|p| flat.features(p)).collect(),
                    |e| entries[e].body_lm_features(),
                )
            });
            // Document frequency per entry: a term counts once per entry, phrasings and answer
            // alike. Counted on the terms' keys (computed already for ranking), not on their
            // strings: a national corpus has millions of (entry, term) pairs.
            let mut df: FxHashMap<u64, u32> = FxHashMap::default();
            let mut in_entry: FxHashSet<u64> = FxHashSet::default();
            for (i, e) in entries.iter().enumerate() {
                in_entry.clear();
                for p in ranges[i].clone() {
                    in_entry.extend(flat.term_keys(p).iter().copied());
                }
                in_entry.extend(e.body_keys.iter().copied());
                for k in &in_entry {
                    *df.entry(*k).or_default() += 1;
                }
            }
            let n = entries.len().max(1) as f32;
            let idf: FxHashMap<u64, f32> = df
                .into_iter()
                .map(|(k, d)| (k, (1.0 + n / d as f32).ln()))
                .collect();
            let by_id: HashMap<String, usize> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.id.clone(), i))
                .collect();
            let by_key: FxHashMap<u64, u32> = ranges
                .iter()
                .enumerate()
                .flat_map(|(e, r)| {
                    let id = &entries[e].id;
                    r.clone()
                        .enumerate()
                        .map(move |(ord, p)| (phrasing_key(id, ord), p as u32))
                })
                .collect();
            let lm = lm
                .join()
                .expect("building the language model does not panic");
            (lm, idf, by_id, by_key)
        });
        let max_idf = (1.0 + (entries_len.max(1) as f32) / 0.5).ln();
        flat.set_idf(|k| idf.get(&k).copied().unwrap_or(max_idf));
        if let Some(path) = cutting_path.as_deref() {
            if !had_stored && (rejected || !path.exists()) {
                store_cutting(path, &analyzer, &entries, &phrasings, &flat);
            }
        }
        let stats_ms = started.elapsed().as_millis() as u64 - collect_ms;
        tracing::debug!(
            stats_ms,
            rss_mb = resident_mb(),
            "statistics and language model ready"
        );
        let models_from = std::time::Instant::now();
        let loaded = loading.map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(classifier::Rejected::Unreadable(
                    "reading the classifier panicked".into(),
                ))
            })
        });
        let (classifier, stored) = classifier::load_or_train_from(loaded, entries_len, || {
            train_classifier(&entries, &phrasings, &flat, |_| false)
        });
        // A missing or damaged stored classifier was retrained (never used): write the new one
        // back (temp file + rename), so the next start does not train again. Best effort.
        if let (false, Some(path)) = (stored, stored_path.as_deref()) {
            let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
            match classifier
                .save(&tmp)
                .and_then(|()| std::fs::rename(&tmp, path))
            {
                Ok(()) => tracing::info!(path = %path.display(), "entry classifier stored again"),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    tracing::warn!(path = %path.display(), error = %e, "could not store the entry classifier");
                }
            }
        }
        tracing::debug!(
            entries = entries_len,
            phrasings = phrasings.len(),
            collect_ms,
            stats_ms,
            classifier_ms = models_from.elapsed().as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            rss_mb = resident_mb(),
            "snapshot opened"
        );
        Ok(Snapshot {
            kb,
            analyzer,
            entries,
            phrasings,
            manifest,
            params: RankParams::default(),
            index,
            reader,
            fields,
            idf,
            max_idf,
            by_id,
            by_key,
            body_tokens: (0..entries_len)
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            ranges,
            flat,
            lm,
            classifier,
            held_out: std::sync::OnceLock::new(),
        })
    }

    /// For a snapshot served from a patched generation ([`Manifest::patched_entries`]): the same
    /// knowledge built from scratch. `None` when this one is not patched or a newer generation
    /// has taken over the index root.
    pub fn rebuilt_if_patched(&self, index_root: &Path) -> Result<Option<Snapshot>> {
        if self.manifest.patched_entries == 0 {
            return Ok(None);
        }
        match build::rebuild_if_patched(&self.kb, &self.analyzer, index_root)? {
            Some((index, manifest)) => {
                let dir = index_root.join(&manifest.generation);
                let snap = Self::from_index_after(
                    self.kb.clone(),
                    self.analyzer.clone(),
                    index,
                    manifest,
                    Some(&dir),
                    Some(self),
                )?;
                Ok(Some(snap))
            }
            None => Ok(None),
        }
    }

    /// The tantivy index behind this snapshot.
    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Inverse document frequency of a canonical term (unknown terms weigh the most).
    pub fn idf(&self, term: &str) -> f32 {
        self.idf
            .get(&lm::term_key(term))
            .copied()
            .unwrap_or(self.max_idf)
    }

    /// The classifier that ranks phrasing `pidx` as unseen (trained without its fold).
    pub(crate) fn held_out_classifier(&self, pidx: usize) -> &classifier::Classifier {
        let models = self.held_out.get_or_init(|| {
            (0..HELD_OUT_FOLDS)
                .map(|fold| {
                    train_classifier(&self.entries, &self.phrasings, &self.flat, |i| {
                        i % HELD_OUT_FOLDS == fold
                    })
                })
                .collect()
        });
        &models[pidx % HELD_OUT_FOLDS]
    }

    /// Those of `terms` that entry `id` contains: in a phrasing, a tag or its body (what a preview
    /// shows as the words that matched).
    pub fn matched_terms(&self, id: &str, terms: &[String]) -> Vec<String> {
        let Some(&i) = self.by_id.get(id) else {
            return Vec::new();
        };
        let e = &self.entries[i];
        let mut out: Vec<String> = Vec::new();
        for t in terms {
            let key = lm::term_key(t);
            let found = e.body_keys.contains(&key)
                || e.tags.iter().any(|g| g.contains(t.as_str()))
                || self.ranges[i]
                    .clone()
                    .any(|p| self.flat.term_keys(p).contains(&key));
            if found && !out.contains(t) {
                out.push(t.clone());
            }
        }
        out
    }

    /// Phrasing `i`'s term keys ([`term_key`] of each of the analyzer's terms, in order, each
    /// once): what the ranker compares, the only form in which a snapshot keeps the terms.
    pub fn phrasing_term_keys(&self, i: usize) -> &[u64] {
        self.flat.term_keys(i)
    }

    /// Whether the term occurs anywhere in the published corpus.
    pub fn known_term(&self, term: &str) -> bool {
        self.idf.contains_key(&lm::term_key(term))
    }
}
