//! Segmentation + normalisation + synonyms: one [`Analyzer`] per loaded knowledge base.

use super::normalize::{is_cjk, normalize};
use jieba_rs::Jieba;
use std::collections::{HashMap, HashSet};
use std::io::BufReader;

/// A token with its byte range in the text it was cut from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

/// jieba with our dictionaries, the synonym table and the stop words.
pub struct Analyzer {
    /// [`Analyzer::input_key`] of the dictionaries it was built from.
    key: u64,
    jieba: Jieba,
    canonical: HashMap<String, String>,
    stopwords: HashSet<String>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("synonyms", &self.canonical.len())
            .field("stopwords", &self.stopwords.len())
            .finish()
    }
}

/// What an analyzer is built from: the jieba user dictionary, the synonym groups (first word
/// canonical) and the stop words. The knowledge base's dictionaries provide it; `text` itself
/// knows nothing of the knowledge layer above it.
pub struct AnalyzerSource<'a> {
    pub user_dict: &'a str,
    pub synonyms: &'a [Vec<String>],
    pub stopwords: &'a [String],
}

/// Anything an analyzer can be built from (`knowledge::Dictionaries`).
pub trait AnalyzerInput {
    fn analyzer_source(&self) -> AnalyzerSource<'_>;
}

impl Analyzer {
    /// A hash of what an analyzer is built from (the user dictionary, the synonym groups and the
    /// stop words): two
    /// analyzers with the same key cut every text the same way, so a reload whose dictionaries
    /// did not change can keep the analyzer and every text's cutting.
    pub fn input_key(input: &impl AnalyzerInput) -> u64 {
        let dict = input.analyzer_source();
        let mut bytes = dict.user_dict.as_bytes().to_vec();
        for group in dict.synonyms {
            bytes.push(0);
            for w in group {
                bytes.push(1);
                bytes.extend_from_slice(w.as_bytes());
            }
        }
        bytes.push(2);
        for w in dict.stopwords {
            bytes.push(3);
            bytes.extend_from_slice(w.as_bytes());
        }
        xxhash_rust::xxh3::xxh3_64(&bytes)
    }

    /// See [`Analyzer::input_key`].
    pub fn key(&self) -> u64 {
        self.key
    }

    /// Build from the knowledge dictionaries: jieba's default dictionary plus our user dictionary,
    /// with every synonym registered as a word so multi-character synonyms stay whole.
    pub fn new(input: &impl AnalyzerInput) -> Self {
        let dict = input.analyzer_source();
        let mut jieba = Jieba::new();
        let mut reader = BufReader::new(dict.user_dict.as_bytes());
        // Lines were checked by the loader; a malformed line only loses that word.
        let _ = jieba.load_dict(&mut reader);
        let mut canonical = HashMap::new();
        for group in dict.synonyms {
            let head = normalize(&group[0]);
            for w in group {
                let w = normalize(w);
                if w.chars().count() > 1 && !jieba.has_word(&w) {
                    jieba.add_word(&w, Some(20_000), None);
                }
                if w != head {
                    canonical.insert(w, head.clone());
                }
            }
        }
        let stopwords = dict.stopwords.iter().cloned().collect();
        Analyzer {
            key: Self::input_key(input),
            jieba,
            canonical,
            stopwords,
        }
    }

    /// The canonical form of a (normalised) word.
    pub fn canonical<'a>(&'a self, word: &'a str) -> &'a str {
        self.canonical.get(word).map(String::as_str).unwrap_or(word)
    }

    fn meaningful(&self, word: &str) -> bool {
        word.chars().any(|c| c.is_alphanumeric()) && !self.stopwords.contains(word)
    }

    /// Segment `text` (search mode: long words also yield their dictionary sub-words), normalise and
    /// canonicalise each token, drop punctuation and stop words. Offsets point into `text`.
    pub fn tokens(&self, text: &str) -> Vec<Tok> {
        let mut out = Vec::new();
        for t in self.jieba.cut_for_search(text, true) {
            let from = t.word.as_ptr() as usize - text.as_ptr() as usize;
            let to = from + t.word.len();
            let word = normalize(t.word);
            for part in word.split(' ') {
                if !self.meaningful(part) {
                    continue;
                }
                out.push(Tok {
                    text: self.canonical(part).to_string(),
                    from,
                    to,
                });
                // Words jieba guessed with its HMM ("咋算", "谁来管") are not in any dictionary, so
                // they would match nothing; their characters still carry meaning ("算" → "计算").
                if part.chars().count() > 1
                    && part.chars().all(super::normalize::is_cjk)
                    && !self.jieba.has_word(part)
                    && !self.canonical.contains_key(part)
                {
                    let same_len = part.len() == t.word.len();
                    let mut offset = from;
                    for c in part.chars() {
                        let len = c.len_utf8();
                        let s = c.to_string();
                        if self.meaningful(&s) {
                            let (f, e) = if same_len {
                                (offset, offset + len)
                            } else {
                                (from, to)
                            };
                            out.push(Tok {
                                text: self.canonical(&s).to_string(),
                                from: f,
                                to: e,
                            });
                        }
                        offset += len;
                    }
                }
            }
        }
        out
    }

    /// Distinct canonical terms of a user's question (normalised first, so traditional or full-width
    /// input segments like the corpus).
    pub fn query_terms(&self, question: &str) -> Vec<String> {
        self.query_terms_normalized(&normalize(question))
    }

    /// [`Analyzer::query_terms`] of a text already normalised (a [`super::Message`]'s `norm`).
    pub fn query_terms_normalized(&self, norm: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        self.tokens(norm)
            .into_iter()
            .filter(|t| seen.insert(t.text.clone()))
            .map(|t| t.text)
            .collect()
    }

    /// Whether `word` appears in the (normalised) text as a token or, for multi-character words, as
    /// a substring — used for vocabulary checks such as out-of-domain words.
    pub fn contains_word(&self, normalized_text: &str, word: &str) -> bool {
        let w = normalize(word);
        !w.is_empty() && normalized_text.contains(&w)
    }

    /// Character bigrams of the normalised text (CJK runs), plus whole ascii/digit words.
    pub fn bigrams(text: &str) -> Vec<String> {
        Self::bigrams_normalized(&normalize(text))
    }

    /// [`Analyzer::bigrams`] of a text already normalised.
    pub fn bigrams_normalized(norm: &str) -> Vec<String> {
        let mut out = Vec::new();
        for run in norm.split(' ') {
            let chars: Vec<char> = run.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                if is_cjk(chars[i]) {
                    let start = i;
                    while i < chars.len() && is_cjk(chars[i]) {
                        i += 1;
                    }
                    let seg = &chars[start..i];
                    if seg.len() == 1 {
                        out.push(seg[0].to_string());
                    }
                    for w in seg.windows(2) {
                        out.push(w.iter().collect());
                    }
                } else {
                    let start = i;
                    while i < chars.len() && !is_cjk(chars[i]) {
                        i += 1;
                    }
                    let word: String = chars[start..i].iter().collect();
                    if word.chars().any(|c| c.is_alphanumeric()) {
                        out.push(word);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Dictionaries;

    fn analyzer() -> Analyzer {
        let dict = Dictionaries {
            user_dict: "灵活就业 50000 n\n滞纳金 50000 n\n".into(),
            synonyms: vec![
                vec!["医保".into(), "医疗保险".into()],
                vec!["补缴".into(), "补交".into()],
                vec!["怎么".into(), "咋".into()],
            ],
            stopwords: vec!["请问".into(), "的".into(), "吗".into()],
            ..Default::default()
        };
        Analyzer::new(&dict)
    }

    #[test]
    fn synonyms_map_to_canonical() {
        let a = analyzer();
        let terms = a.query_terms("医疗保险咋补交");
        assert!(terms.contains(&"医保".to_string()), "{terms:?}");
        assert!(terms.contains(&"补缴".to_string()), "{terms:?}");
        assert!(terms.contains(&"怎么".to_string()), "{terms:?}");
    }

    #[test]
    fn user_dictionary_keeps_domain_words_whole() {
        let a = analyzer();
        let terms = a.query_terms("灵活就业人员的滞纳金");
        assert!(terms.contains(&"灵活就业".to_string()), "{terms:?}");
        assert!(terms.contains(&"滞纳金".to_string()), "{terms:?}");
    }

    #[test]
    fn stopwords_and_punctuation_dropped() {
        let a = analyzer();
        let terms = a.query_terms("请问，医保的？");
        assert_eq!(terms, vec!["医保".to_string()]);
    }

    #[test]
    fn bigrams_of_cjk_runs() {
        assert_eq!(
            Analyzer::bigrams("医保断缴 3个月"),
            vec!["医保", "保断", "断缴", "3", "个月"]
        );
    }
}
