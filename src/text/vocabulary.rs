//! The dialogue's vocabulary, kept as data in `knowledge/dict/vocabulary.toml`.
//!
//! The rules that read a message (is it a command, a question, a request to calculate, which
//! scheme does it name, is it only a place) each need a list of words. Those lists used to sit
//! inside the rules, scattered over four modules; now they are one reviewable file. It is compiled
//! in (`include_str!`) because each list belongs to the rule that reads it: changing a word is
//! changing the rule's behaviour, pinned by the dialogue tests. The words that shape the index
//! (stop words, synonyms, the domain vocabulary) are knowledge data instead, loaded at run time.

use serde::Deserialize;
use std::sync::LazyLock;

/// The format this code reads; the file says which it is written in.
pub const VOCABULARY_FORMAT: u32 = 1;

const SOURCE: &str = include_str!("../../knowledge/dict/vocabulary.toml");

/// Every word list, as the file has it (normalised at load).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    pub format: u32,
    pub commands: Commands,
    pub questions: Questions,
    pub calculation: Calculation,
    pub schemes: Schemes,
    pub follow_up: FollowUp,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commands {
    pub reset: Vec<String>,
    pub cancel: Vec<String>,
    pub human: Vec<String>,
    pub help: Vec<String>,
    pub thanks: Vec<String>,
    pub greeting: Vec<String>,
    /// Whole messages only.
    pub ack: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questions {
    pub looks_like: Vec<String>,
    pub asks: Vec<String>,
    /// Yes/no and either/or shapes ("对吗", "是一次补还是按月交", "够不够"), read by
    /// `dialogue::intent::rule_question`.
    pub about_rule: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calculation {
    pub calc_words: Vec<String>,
    pub ask_to_compute: Vec<String>,
    pub rough_cost: Vec<String>,
    pub method: Vec<String>,
    /// Whole messages accepting a calculation just offered (besides `commands.ack`).
    pub accept_offer: Vec<String>,
    /// A figure that is received, charged as a penalty or refunded ("每个月能领多少", "会被罚多少"):
    /// none of our calculators computes it, so it asks about a rule.
    pub not_cost: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schemes {
    pub medical: Vec<String>,
    pub pension: Vec<String>,
    pub resident: Vec<String>,
    pub working: Vec<String>,
    pub negations: Vec<String>,
    /// A former employer named ("前公司", "原单位") together with one of `arrears` ("没给交",
    /// "欠"): the question is about that employer's duty, not about continuing one's own cover.
    pub former_employer: Vec<String>,
    pub arrears: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub place_filler: Vec<String>,
    pub schemes: Vec<String>,
}

impl Vocabulary {
    fn parse(text: &str) -> Result<Vocabulary, String> {
        let mut v: Vocabulary = toml::from_str(text).map_err(|e| e.to_string())?;
        if v.format != VOCABULARY_FORMAT {
            return Err(format!(
                "vocabulary format {} (this build reads {VOCABULARY_FORMAT})",
                v.format
            ));
        }
        // The rules match normalised messages, so the words are normalised the same way
        // (a traditional or full-width word in the file still matches).
        for list in v.lists_mut() {
            for w in list.iter_mut() {
                *w = super::normalize(w);
            }
            list.retain(|w| !w.is_empty());
        }
        Ok(v)
    }

    fn lists_mut(&mut self) -> [&mut Vec<String>; 25] {
        let Vocabulary {
            commands: c,
            questions: q,
            calculation: k,
            schemes: s,
            follow_up: f,
            ..
        } = self;
        [
            &mut c.reset,
            &mut c.cancel,
            &mut c.human,
            &mut c.help,
            &mut c.thanks,
            &mut c.greeting,
            &mut c.ack,
            &mut q.looks_like,
            &mut q.asks,
            &mut q.about_rule,
            &mut k.calc_words,
            &mut k.ask_to_compute,
            &mut k.rough_cost,
            &mut k.method,
            &mut k.accept_offer,
            &mut k.not_cost,
            &mut s.medical,
            &mut s.pension,
            &mut s.resident,
            &mut s.working,
            &mut s.negations,
            &mut s.former_employer,
            &mut s.arrears,
            &mut f.place_filler,
            &mut f.schemes,
        ]
    }
}

/// The compiled-in vocabulary. The file is part of the source: a unit test parses it, so a
/// broken file fails `cargo test` rather than a running server.
pub fn vocabulary() -> &'static Vocabulary {
    static V: LazyLock<Vocabulary> = LazyLock::new(|| {
        Vocabulary::parse(SOURCE)
            .unwrap_or_else(|e| panic!("knowledge/dict/vocabulary.toml (compiled in): {e}"))
    });
    &V
}

/// Whether `text` contains any of `words`.
pub fn contains_any(text: &str, words: &[String]) -> bool {
    words.iter().any(|w| text.contains(w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_parses_with_every_list_filled() {
        let mut v = Vocabulary::parse(SOURCE).expect("vocabulary.toml");
        assert!(v.lists_mut().iter().all(|l| !l.is_empty()));
        assert!(vocabulary().commands.reset.iter().any(|w| w == "重新开始"));
    }

    #[test]
    fn another_format_or_an_unknown_list_is_refused() {
        let other = SOURCE.replace("format = 1", "format = 2");
        assert!(Vocabulary::parse(&other).unwrap_err().contains("format 2"));
        let extra = SOURCE.replace("[commands]", "[commands]\nnew_list = [\"x\"]");
        assert!(Vocabulary::parse(&extra).is_err());
    }

    #[test]
    fn words_are_normalised_like_messages() {
        let text = SOURCE.replace("\"重新开始\"", "\"重新開始\"");
        let v = Vocabulary::parse(&text).unwrap();
        assert!(v.commands.reset.iter().any(|w| w == "重新开始"));
    }
}
