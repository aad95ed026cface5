//! Is this question ours at all? Vocabulary checks that run before ranking.
//!
//! The nearest FAQ to "个税滞纳金怎么算" is about social-insurance late fees — answering with it would
//! be confidently wrong. In order: an out-of-domain phrase (养老金补发, 医保卡挂失, 买房…) rules the
//! question out unless a back-payment word keeps it ours ("补发和补缴是一回事吗"); another system's
//! words (tax, housing fund, credit, commercial insurance, utilities…) send the citizen elsewhere
//! unless our system names appear outside those words at least half as often (医疗保险 inside 商业医疗保险
//! does not count; "交了社保……公积金能补吗" with 公积金 named three times is about 公积金), and
//! `strong` groups win even then; otherwise our vocabulary — broad, because citizens
//! tell stories (断了, 交了几年, 看病) — marks it ours, and its absence means no signal. The words
//! come from `knowledge/dict/domain.toml`, normalised at load.

use crate::knowledge::Dictionaries;
use crate::text::normalize;

/// The verdict of the domain check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainVerdict {
    /// Social-insurance vocabulary present.
    Ours,
    /// Another system's question; carries the referral text if one is known.
    Other { referral: Option<String> },
    /// No vocabulary either way (chit-chat, or a very short question).
    NoSignal,
}

/// The domain vocabulary of one knowledge base.
pub struct Domain<'a> {
    dict: &'a Dictionaries,
}

impl<'a> Domain<'a> {
    pub fn new(dict: &'a Dictionaries) -> Self {
        Domain { dict }
    }

    pub fn check(&self, question: &str) -> DomainVerdict {
        // The vocabulary is normalised when the knowledge is loaded; no per-word work here.
        let norm = normalize(question);
        let has = |w: &String| !w.is_empty() && norm.contains(w.as_str());
        if self.dict.out_of_domain_phrases.iter().any(has)
            && !self.dict.phrase_exceptions.iter().any(has)
        {
            return DomainVerdict::Other { referral: None };
        }
        // A core word inside another system's word (医疗保险 in 商业医疗保险) does not name ours.
        let mut masked = None::<String>;
        for w in self.dict.other_systems.iter().flat_map(|o| &o.words) {
            if has(w) {
                masked = Some(
                    masked
                        .unwrap_or_else(|| norm.clone())
                        .replace(w.as_str(), " "),
                );
            }
        }
        let masked = masked.as_deref().unwrap_or(&norm);
        let core = count_mentions(masked, &self.dict.core);
        for other in &self.dict.other_systems {
            // A story may name our system once and ask about another one at length
            // ("交了社保但没交公积金……公积金能补吗"): a system named over twice as often as ours is
            // the subject.
            let theirs = count_mentions(&norm, &other.words);
            if theirs > 0 && (other.strong || theirs > 2 * core) {
                return DomainVerdict::Other {
                    referral: Some(other.referral.clone()),
                };
            }
        }
        if core > 0 || self.dict.in_domain.iter().any(has) {
            DomainVerdict::Ours
        } else {
            DomainVerdict::NoSignal
        }
    }
}

/// How many times any of `words` occurs in `text`, left to right without overlaps, the longest
/// word first at each position (公积金贷款 counts once, not also as 公积金).
fn count_mentions(text: &str, words: &[String]) -> usize {
    let mut n = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let hit = words
            .iter()
            .filter(|w| !w.is_empty() && rest.starts_with(w.as_str()))
            .map(String::len)
            .max();
        match hit {
            Some(len) => {
                n += 1;
                rest = &rest[len..];
            }
            None => rest = &rest[rest.chars().next().map_or(1, char::len_utf8)..],
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::count_mentions;

    #[test]
    fn mentions_count_without_overlaps() {
        let words = ["公积金".to_string(), "公积金贷款".to_string()];
        assert_eq!(count_mentions("公积金贷款和公积金", &words), 2);
        assert_eq!(count_mentions("社保断了", &words), 0);
    }
}
