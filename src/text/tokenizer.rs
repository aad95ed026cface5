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
