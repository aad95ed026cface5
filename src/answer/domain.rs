//! Is this question ours at all? Vocabulary checks that run before ranking.
//!
//! The nearest FAQ to "个税滞纳金怎么算" is about social-insurance late fees — answering with it would
//! be confidently wrong. In order: an out-of-domain phrase (养老金补发, 医保卡挂失, 买房…), or a word
//! of each list of an out-of-domain pair (养老金 … 调整, wherever they stand), rules the
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
        self.check_normalized(&normalize(question))
    }

    /// [`Domain::check`] of a text already normalised (a [`crate::text::Message`]'s `norm`).
    pub fn check_normalized(&self, norm: &str) -> DomainVerdict {
        // The vocabulary is normalised when the knowledge is loaded and compiled once; one
        // linear scan per vocabulary here.
        let v = self.dict.scanners();
        let phrase = v.out_of_domain.contains_any(norm)
            || v.pairs
                .iter()
                .any(|(a, b)| a.contains_any(norm) && b.contains_any(norm));
        if phrase && !v.exceptions.contains_any(norm) {
            return DomainVerdict::Other { referral: None };
        }
        // A core word inside another system's word (医疗保险 in 商业医疗保险) does not name ours.
        let others = v.other_words.scan(norm, |_, _| true);
        let core = if others.is_empty() {
            v.core.count(norm)
        } else {
            let mut masked = norm.to_string();
            // Right to left so earlier byte ranges stay valid.
            for (_, range) in others.iter().rev() {
                masked.replace_range(range.clone(), " ");
            }
            v.core.count(&masked)
        };
        for (other, words) in self.dict.other_systems.iter().zip(&v.others) {
            // A story may name our system once and ask about another one at length
            // ("交了社保但没交公积金……公积金能补吗"): a system named over twice as often as ours is
            // the subject.
            let theirs = words.count(norm);
            if theirs > 0 && (other.strong || theirs > 2 * core) {
                return DomainVerdict::Other {
                    referral: Some(other.referral.clone()),
                };
            }
        }
        if core > 0 || v.in_domain.contains_any(norm) {
            DomainVerdict::Ours
        } else {
            DomainVerdict::NoSignal
        }
    }
}
