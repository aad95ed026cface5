//! The Chinese text pipeline shared by indexing and querying.
//!
//! Citizens type colloquial, sometimes traditional or full-width Chinese. Everything that compares
//! text goes through one [`Analyzer`]: normalise (full-width → half-width, case, traditional →
//! simplified, stray punctuation and emoji), segment with jieba (default dictionary + our user
//! dictionary, loaded once), and map synonyms to one canonical word. Because index and query share it,
//! "补交" in a question finds "补缴" in an answer. A second, character-bigram view catches words jieba
//! splits differently in the two places.

mod analyzer;
pub mod calendar;
mod mask;
mod message;
mod normalize;
pub mod numbers;
pub mod scan;
mod tokenizer;
pub mod vocabulary;

pub use analyzer::{Analyzer, AnalyzerInput, AnalyzerSource, Tok};
pub use mask::mask;
pub use message::Message;
pub use normalize::normalize;
pub use scan::WordScanner;
pub use tokenizer::{merge_overlapping, BigramTokenizer, ReplayTokenizer, ZhTokenizer};
pub use vocabulary::{contains_any, vocabulary, Vocabulary};
