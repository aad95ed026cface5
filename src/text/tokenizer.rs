//! tantivy tokenizers over the shared [`Analyzer`].
//!
//! tantivy-jieba's `JiebaTokenizer` owns its `Jieba` by value, and tantivy clones a field's tokenizer
//! whenever it needs one (snippets, writers) — a deep copy of the whole dictionary each time. These
//! adapters hold an `Arc<Analyzer>` instead, so a clone is a pointer copy, and they apply our
//! normalisation and synonyms so the index sees exactly what queries see. The segmentation itself is
//! jieba's search mode with the same offsets tantivy-jieba produces (checked in the tests).

use super::analyzer::{Analyzer, Tok};
use std::sync::Arc;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Streams a pre-computed list of tokens.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> Self {
        VecTokenStream { tokens, index: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

/// Word tokenizer: jieba search-mode segmentation + normalisation + synonyms.
#[derive(Clone)]
pub struct ZhTokenizer(pub Arc<Analyzer>);

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = self
            .0
            .tokens(text)
            .into_iter()
            .enumerate()
            .map(|(i, Tok { text, from, to })| Token {
                offset_from: from,
                offset_to: to,
                position: i,
                text,
                position_length: 1,
            })
            .collect();
        VecTokenStream::new(tokens)
    }
}

/// Character-bigram tokenizer for the fallback fields.
#[derive(Clone, Default)]
pub struct BigramTokenizer;

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = Analyzer::bigrams(text)
            .into_iter()
            .enumerate()
            .map(|(i, text)| Token {
                offset_from: 0,
                offset_to: 0,
                position: i,
                text,
                position_length: 1,
            })
            .collect();
        VecTokenStream::new(tokens)
    }
}

/// Collapse overlapping tokens (jieba's search mode emits 去哪 and 去哪里 over the same characters)
/// into one token per run of overlapping characters, spanning the whole run and carrying the text
/// that `weight` values most. Highlighting needs this: tantivy's snippet generator assumes tokens
/// never start before the fragment it is building, and panics on a stream that steps back.
pub fn merge_overlapping(tokens: &[Tok], weight: impl Fn(&str) -> f32) -> Vec<Tok> {
    let mut sorted: Vec<&Tok> = tokens.iter().filter(|t| t.from < t.to).collect();
    sorted.sort_by_key(|t| (t.from, std::cmp::Reverse(t.to)));
    let mut out: Vec<Tok> = Vec::with_capacity(sorted.len());
    let mut best_w = f32::MIN;
    for t in sorted {
        let w = weight(&t.text);
        match out.last_mut() {
            Some(last) if t.from < last.to => {
                last.to = last.to.max(t.to);
                if w > best_w {
                    best_w = w;
                    last.text = t.text.clone();
                }
            }
            _ => {
                best_w = w;
                out.push(t.clone());
            }
        }
    }
    out
}

/// Replays tokens cut earlier from one known text (an entry body), so a snippet of that text does
/// not run jieba again. Only valid for the text the tokens were cut from.
#[derive(Clone)]
pub struct ReplayTokenizer(pub Arc<Vec<Tok>>);

impl Tokenizer for ReplayTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, t)| t.to <= text.len())
            .map(|(i, t)| Token {
                offset_from: t.from,
                offset_to: t.to,
                position: i,
                text: t.text.clone(),
                position_length: 1,
            })
            .collect();
        VecTokenStream::new(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(text: &str, from: usize, to: usize) -> Tok {
        Tok {
            text: text.into(),
            from,
            to,
        }
    }

    #[test]
    fn overlapping_tokens_become_one_increasing_run() {
        // 断缴的医保去哪里补: 去哪 15..21, 去哪(哪里) 18..24, 去哪(去哪里) 15..24.
        let toks = vec![
            tok("断缴", 0, 6),
            tok("医保", 9, 15),
            tok("去哪", 15, 21),
            tok("哪里", 18, 24),
            tok("去哪里", 15, 24),
            tok("补缴", 24, 27),
        ];
        let w = |t: &str| if t == "哪里" { 2.0 } else { 1.0 };
        let merged = merge_overlapping(&toks, w);
        let spans: Vec<(&str, usize, usize)> = merged
            .iter()
            .map(|t| (t.text.as_str(), t.from, t.to))
            .collect();
        assert_eq!(
            spans,
            vec![
                ("断缴", 0, 6),
                ("医保", 9, 15),
                ("哪里", 15, 24),
                ("补缴", 24, 27)
            ]
        );
        for pair in merged.windows(2) {
            assert!(pair[0].to <= pair[1].from);
        }
    }
}
