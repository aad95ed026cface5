//! Longest-match scanning of a text for a fixed list of words.
//!
//! The domain check counts mentions of vocabularies (公积金贷款 once, not also as 公积金) and the
//! region gazetteer finds place names (乐平市 before 乐平), both "left to right, never overlapping,
//! the longest word at each position". Done naively that is words × positions string comparisons
//! per message; [`WordScanner`] runs one Aho-Corasick automaton built once per vocabulary, so the
//! cost is linear in the message. A caller may reject a match (a region inside one of its `not_in`
//! words), in which case the next-longest word at the same position is tried, as before.

use aho_corasick::{AhoCorasick, MatchKind};
use std::ops::Range;

/// One vocabulary, compiled.
#[derive(Debug, Clone, Default)]
pub struct WordScanner {
    ac: Option<AhoCorasick>,
    /// Pattern index in the automaton → index in the caller's word list (empty words are left
    /// out of the automaton).
    ids: Vec<usize>,
}

impl WordScanner {
    /// Compile `words`; empty words never match.
    pub fn new<S: AsRef<str>>(words: &[S]) -> Self {
        let (ids, patterns): (Vec<usize>, Vec<&str>) = words
            .iter()
            .enumerate()
            .map(|(i, w)| (i, w.as_ref()))
            .filter(|(_, w)| !w.is_empty())
            .unzip();
        if patterns.is_empty() {
            return WordScanner::default();
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("a word list within aho-corasick's size limits");
        WordScanner { ac: Some(ac), ids }
    }

    /// Whether any word occurs anywhere in `text`.
    pub fn contains_any(&self, text: &str) -> bool {
        self.ac.as_ref().is_some_and(|ac| ac.is_match(text))
    }

    /// Mentions left to right, never overlapping; at each position the longest word that
    /// `accept(word index, byte range)` takes wins. Returns (word index, byte range) pairs.
    pub fn scan(
        &self,
        text: &str,
        mut accept: impl FnMut(usize, Range<usize>) -> bool,
    ) -> Vec<(usize, Range<usize>)> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let mut all: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .map(|m| (m.start(), m.end(), self.ids[m.pattern().as_usize()]))
            .collect();
        // By position, then longest first.
        all.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let mut found = Vec::new();
        let mut pos = 0;
        let mut taken_at = None;
        for (start, end, word) in all {
            if start < pos || taken_at == Some(start) {
                continue;
            }
            if accept(word, start..end) {
                found.push((word, start..end));
                pos = end;
                taken_at = Some(start);
            }
        }
        found
    }

    /// How many non-overlapping mentions `text` has (longest word first at each position).
    pub fn count(&self, text: &str) -> usize {
        self.scan(text, |_, _| true).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_first_without_overlaps() {
        let s = WordScanner::new(&["公积金", "公积金贷款", ""]);
        assert_eq!(s.count("公积金贷款和公积金"), 2);
        assert_eq!(s.count("社保断了"), 0);
        assert!(s.contains_any("交公积金"));
        let found = s.scan("公积金贷款", |_, _| true);
        assert_eq!(found, vec![(1, 0..15)]);
    }

    #[test]
    fn a_rejected_match_gives_way_to_a_shorter_one_at_the_same_place() {
        let s = WordScanner::new(&["乐平", "乐平市"]);
        let found = s.scan("去乐平市", |w, _| w != 1);
        assert_eq!(found, vec![(0, 3..9)]);
    }

    #[test]
    fn an_empty_vocabulary_finds_nothing() {
        let s = WordScanner::new::<&str>(&[]);
        assert_eq!(s.count("任何文字"), 0);
        assert!(!s.contains_any("任何文字"));
    }
}
