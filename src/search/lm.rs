//! An entry-level language model: how likely is the user's wording under everything we know an
//! entry is asked with?
//!
//! Matching a question against one phrasing at a time misses what the phrasings say together: a word
//! that turns up in five of an entry's ten phrasings is strong evidence for it, a word in one of
//! them is weak, and a word every entry uses is no evidence at all. This is the classic
//! query-likelihood model with Dirichlet smoothing, with an entry's "document" being its phrasings
//! (each counted once per feature) plus its answer at a lower weight. Features are the canonical
//! query terms and the character bigrams, so a colloquial word jieba cuts differently still counts.
//!
//! The score is a log-likelihood ratio against the whole corpus, summed over the question's
//! features: only the differences between entries matter, and the ranker turns them into a 0..=1
//! feature relative to the best candidate.

use rustc_hash::FxHashMap;

/// Weight of the answer body relative to one phrasing.
const BODY_WEIGHT: f32 = 0.3;
/// Weight of a character bigram relative to a word.
const BIGRAM_WEIGHT: f32 = 0.5;

/// Seed of [`term_key`]; hashed bigram keys use another one, so the two never share a key.
const TERM_SEED: u64 = 0x6c6d_7465_726d;

/// A feature key for a canonical term: XXH3-64 of its UTF-8 bytes. The hash is specified and
/// stable across Rust releases, which matters because keys are persisted in `classifier.bin`
/// (the std `HashMap` hasher makes no such promise).
pub fn term_key(term: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(term.as_bytes(), TERM_SEED)
}

/// The weighted features of one text: (key, weight), keys unique.
#[derive(Debug, Clone, Default)]
pub(crate) struct Features(pub Vec<(u64, f32)>);

impl Features {
    pub fn new(terms: &[String], bigram_keys: &[u64]) -> Features {
        let keys: Vec<u64> = terms.iter().map(|t| term_key(t)).collect();
        Self::from_keys(&keys, bigram_keys)
    }

    /// As [`new`](Self::new) from the terms' keys (`term_key`): a term and a bigram that share
    /// a key count once, as the term.
    pub fn from_keys(term_keys: &[u64], bigram_keys: &[u64]) -> Features {
        let mut v: Vec<(u64, f32)> = term_keys.iter().map(|&k| (k, 1.0)).collect();
        v.extend(bigram_keys.iter().map(|&k| (k, BIGRAM_WEIGHT)));
        v.sort_by_key(|f| f.0);
        v.dedup_by_key(|f| f.0);
        Features(v)
    }

    pub fn mass(&self) -> f32 {
        self.0.iter().map(|f| f.1).sum()
    }

    fn get(&self, key: u64) -> f32 {
        self.0
            .binary_search_by_key(&key, |f| f.0)
            .map(|i| self.0[i].1)
            .unwrap_or(0.0)
    }
}

/// Feature counts per entry and for the corpus. The keys are XXH3 hashes already, so the maps
/// hash them with Fx (one multiply) rather than SipHash: a question looks up each of its features
/// in each of some thirty candidates' maps.
#[derive(Debug, Default)]
pub(crate) struct EntryLm {
    counts: Vec<FxHashMap<u64, f32>>,
    mass: Vec<f32>,
    background: FxHashMap<u64, f32>,
    total: f32,
}

/// A question's features that the corpus knows, each with its weight, its background
/// probability and the prior's share of it (`mu × p`), worked out once per question rather than
/// once per candidate entry.
#[derive(Debug, Default)]
pub(crate) struct LmQuery {
    features: Vec<(u64, f32, f32, f32)>,
    mu: f32,
}

impl EntryLm {
    /// `phrasings` are (entry, features); `bodies[e]` is entry e's answer features. The plain
    /// definition, which [`build_in_parallel`](Self::build_in_parallel) must equal.
    #[cfg(test)]
    pub fn build(
        entries: usize,
        phrasings: impl IntoIterator<Item = (usize, Features)>,
        bodies: impl IntoIterator<Item = Features>,
    ) -> EntryLm {
        let mut lm = EntryLm {
            counts: vec![FxHashMap::default(); entries],
            mass: vec![0.0; entries],
            ..EntryLm::default()
        };
        for (e, f) in phrasings {
            lm.add(e, &f, 1.0);
        }
        for (e, f) in bodies.into_iter().enumerate().take(entries) {
            lm.add(e, &f, BODY_WEIGHT);
        }
        lm
    }

    /// As [`build`](Self::build), the phrasings' part on every available core (a national corpus
    /// has tens of millions of (phrasing, feature) pairs): `phrasings_of(e)` gives entry e's
    /// phrasings' features in order, `body_of(e)` its answer's. Each thread counts a contiguous
    /// run of entries. The result is the same model: a phrasing's weights are multiples of 0.5,
    /// so the per-entry and corpus counts of phrasings are exact in any order, and the answers'
    /// counts (weight 0.3) are added afterwards in entry order, as `build` does. (The corpus
    /// total is exact too while it stays below 2^23, about a hundred thousand phrasings'
    /// worth; beyond that the two may differ in its last bit.)
    pub fn build_in_parallel(
        entries: usize,
        phrasings_of: impl Fn(usize) -> Vec<Features> + Sync,
        body_of: impl Fn(usize) -> Features,
    ) -> EntryLm {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8);
        let chunk = entries.div_ceil(threads).max(1);
        let part = |from: usize, to: usize| {
            let mut lm = EntryLm {
                counts: vec![FxHashMap::default(); to - from],
                mass: vec![0.0; to - from],
                ..EntryLm::default()
            };
            for e in from..to {
                for f in phrasings_of(e) {
                    lm.add(e - from, &f, 1.0);
                }
            }
            lm
        };
        let parts: Vec<EntryLm> = if threads == 1 || entries < 2 * threads {
            vec![part(0, entries)]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..entries)
                    .step_by(chunk)
                    .map(|from| {
                        let part = &part;
                        scope.spawn(move || part(from, (from + chunk).min(entries)))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("counting features does not panic"))
                    .collect()
            })
        };
        let mut lm = EntryLm::default();
        for p in parts {
            lm.counts.extend(p.counts);
            lm.mass.extend(p.mass);
            lm.total += p.total;
            if lm.background.len() < p.background.len() {
                let smaller = std::mem::replace(&mut lm.background, p.background);
                for (k, c) in smaller {
                    *lm.background.entry(k).or_default() += c;
                }
            } else {
                for (k, c) in p.background {
                    *lm.background.entry(k).or_default() += c;
                }
            }
        }
        for e in 0..entries {
            lm.add(e, &body_of(e), BODY_WEIGHT);
        }
        lm
    }

    fn add(&mut self, e: usize, f: &Features, w: f32) {
        for &(k, fw) in &f.0 {
            *self.counts[e].entry(k).or_default() += fw * w;
            *self.background.entry(k).or_default() += fw * w;
        }
        self.mass[e] += f.mass() * w;
        self.total += f.mass() * w;
    }

    /// The query's features as [`score`](Self::score) needs them, with Dirichlet prior `mu`.
    pub fn query(&self, query: &Features, mu: f32) -> LmQuery {
        let features = query
            .0
            .iter()
            .filter_map(|&(k, qw)| {
                let bg = *self.background.get(&k)?;
                let p_bg = bg / self.total;
                Some((k, qw, p_bg, mu * p_bg))
            })
            .collect();
        LmQuery { features, mu }
    }

    /// Log-likelihood ratio of the query features under entry `e` versus the corpus. `exclude`
    /// removes one phrasing's features from the entry first (to measure the model on phrasings
    /// it has not seen).
    pub fn score(&self, e: usize, query: &LmQuery, exclude: Option<&Features>) -> f32 {
        let counts = &self.counts[e];
        let mass = self.mass[e] - exclude.map(Features::mass).unwrap_or(0.0);
        let denom = mass.max(0.0) + query.mu;
        let mut s = 0.0;
        for &(k, qw, p_bg, prior) in &query.features {
            let mut c = counts.get(&k).copied().unwrap_or(0.0);
            if let Some(x) = exclude {
                c = (c - x.get(k)).max(0.0);
            }
            s += qw * ((c + prior) / (denom * p_bg)).ln();
        }
        s
    }
}

/// Word-only features of a few terms (for tests of the models built on them).
#[cfg(test)]
pub(crate) fn words(terms: &[&str]) -> Features {
    let t: Vec<String> = terms.iter().map(|s| s.to_string()).collect();
    Features::new(&t, &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use words as f;

    #[test]
    fn entry_whose_phrasings_share_the_words_scores_higher() {
        let a1 = f(&["单位", "兼并", "欠费"]);
        let a2 = f(&["兼并", "医保"]);
        let b1 = f(&["单位", "破产", "欠费"]);
        let b2 = f(&["破产", "清算"]);
        let lm = EntryLm::build(
            2,
            [(0, a1), (0, a2), (1, b1), (1, b2)],
            [Features::default(), Features::default()],
        );
        let q = f(&["兼并", "欠费"]);
        assert!(lm.score(0, &lm.query(&q, 1.0), None) > lm.score(1, &lm.query(&q, 1.0), None));
        // Words nobody uses carry no evidence either way.
        let unknown = f(&["天气"]);
        assert_eq!(lm.score(0, &lm.query(&unknown, 1.0), None), 0.0);
    }

    /// The parallel build is the same model as the sequential one, bit for bit, on a corpus
    /// with more entries than threads and answers weighted 0.3.
    #[test]
    fn parallel_build_equals_the_sequential_one() {
        let words = [
            "单位",
            "兼并",
            "欠费",
            "医保",
            "破产",
            "清算",
            "断缴",
            "补缴",
            "滞纳金",
        ];
        let phr = |e: usize| -> Vec<Features> {
            (0..(e % 4) + 1)
                .map(|j| {
                    let t: Vec<String> = (0..3)
                        .map(|i| words[(e * 7 + j * 3 + i) % words.len()].to_string())
                        .collect();
                    Features::new(&t, &[(e * 31 + j) as u64 | (1 << 63)])
                })
                .collect()
        };
        let body = |e: usize| f(&[words[e % words.len()], words[(e + 4) % words.len()]]);
        let n = 37;
        let seq = EntryLm::build(
            n,
            (0..n).flat_map(|e| phr(e).into_iter().map(move |x| (e, x))),
            (0..n).map(body),
        );
        let par = EntryLm::build_in_parallel(n, phr, body);
        assert_eq!(par.total.to_bits(), seq.total.to_bits());
        assert_eq!(par.mass, seq.mass);
        assert_eq!(par.counts, seq.counts);
        assert_eq!(par.background, seq.background);
    }

    #[test]
    fn excluding_the_only_phrasing_with_a_word_removes_its_evidence() {
        let a1 = f(&["兼并"]);
        let a2 = f(&["医保"]);
        let b1 = f(&["医保"]);
        let lm = EntryLm::build(2, [(0, a1.clone()), (0, a2), (1, b1)], []);
        let q = f(&["兼并"]);
        let with = lm.score(0, &lm.query(&q, 1.0), None);
        let without = lm.score(0, &lm.query(&q, 1.0), Some(&a1));
        assert!(with > 0.0 && without < with);
    }
}
