//! Which scheme a question is about, so an entry for another scheme does not answer it.
//!
//! Blind batches showed one kind of miss again and again: the question names its scheme and the
//! top entry is about another one — "退休了还要继续交医保吗" answered with the pension entry,
//! "补缴养老保险的钱是进统筹基金还是进个人账户" with the medical one, "我是个体户……能不能把前面的补上"
//! with the resident-pension rules, "居民医保能不能一次性预交好几年" with an employee-medical entry.
//! Similarity cannot see it: the wording around the scheme's name matches the other entry well.
//!
//! The question's scheme is read from plain words: medical (医保, 医疗, 看病…) or pension (养老,
//! 养老金…) when exactly one of the two is named; resident (居民, 城乡, 新农合, 农村…) or working
//! (单位, 公司, 厂, 职工, 个体, 灵活就业…; not after 没/无) when exactly one of the two is named. An
//! entry conflicts when its `insurance` is the other insurance, or its `audience` has no resident
//! (or any) for a resident question, or is resident only for a working one. The answer layer
//! multiplies a conflicting candidate's score by `DecisionParams::scheme_mismatch`; a candidate with
//! no rival of the right scheme keeps its place. Laws and articles carry no audience and never
//! conflict on it.

use crate::knowledge::{Audience, InsuranceScope};
use crate::search::Snapshot;
use crate::text::{normalize, vocabulary};

/// The scheme a question names, if it names one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scheme {
    pub insurance: Option<InsuranceScope>,
    /// `Some(true)`: resident schemes only; `Some(false)`: a working person's schemes only.
    pub resident: Option<bool>,
    /// A former employer's arrears are the subject ("离职三个月了，原来的厂有一年医保没交"):
    /// entries about employers' arrears, not about one's own continuity of cover.
    pub former_employer: bool,
}

fn names(text: &str, words: &[String]) -> bool {
    crate::text::contains_any(text, words)
}

/// Whether a working-scheme word occurs other than right after a negation.
fn names_working(text: &str) -> bool {
    let words = &vocabulary().schemes;
    words.working.iter().any(|w| {
        text.match_indices(w.as_str()).any(|(at, _)| {
            let before = &text[..at];
            !words
                .negations
                .iter()
                .any(|n| before.ends_with(n.as_str()) || before.ends_with(&format!("{n}有")))
        })
    })
}

impl Scheme {
    pub fn of(question: &str) -> Scheme {
        Scheme::of_normalized(&normalize(question))
    }

    /// [`Scheme::of`] a text already normalised.
    pub fn of_normalized(q: &str) -> Scheme {
        let words = &vocabulary().schemes;
        let insurance = match (names(q, &words.medical), names(q, &words.pension)) {
            (true, false) => Some(InsuranceScope::Medical),
            (false, true) => Some(InsuranceScope::Pension),
            _ => None,
        };
        let resident = match (names(q, &words.resident), names_working(q)) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        };
        let former_employer = names(q, &words.former_employer) && names(q, &words.arrears);
        Scheme {
            insurance,
            resident,
            former_employer,
        }
    }

    /// Whether the entry at `index` is about employers' arrears (an `employer-…` entry or one
    /// tagged 单位欠费), which a question about a former employer's arrears wants first.
    pub fn about_employers(snap: &Snapshot, index: usize) -> bool {
        let id = &snap.entries[index].id;
        id.starts_with("employer-")
            || snap
                .kb
                .faq(id)
                .is_some_and(|f| f.tags.iter().any(|t| t == "单位欠费"))
    }

    /// Whether the entry at `index` is written for another scheme than the one named.
    pub fn conflicts(&self, snap: &Snapshot, index: usize) -> bool {
        let entry = &snap.entries[index];
        if let Some(want) = self.insurance {
            if entry.insurance != InsuranceScope::Any && entry.insurance != want {
                return true;
            }
        }
        let Some(resident) = self.resident else {
            return false;
        };
        let Some(faq) = snap.kb.faq(&entry.id) else {
            return false;
        };
        let has = |a: Audience| faq.audience.contains(&a);
        if resident {
            !has(Audience::Resident) && !has(Audience::Any)
        } else {
            faq.audience.iter().all(|a| *a == Audience::Resident)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_scheme() {
        let s = Scheme::of("退休了还要继续交医保吗");
        assert_eq!(s.insurance, Some(InsuranceScope::Medical));
        assert_eq!(s.resident, None);
        let s = Scheme::of("补缴养老保险的钱是进统筹基金还是进个人账户");
        assert_eq!(s.insurance, Some(InsuranceScope::Pension));
        let s = Scheme::of("我是个体户一直没交社保，能不能把前面的补上");
        assert_eq!(s.resident, Some(false));
        let s = Scheme::of("居民医保能不能一次性预交好几年");
        assert_eq!(
            (s.insurance, s.resident),
            (Some(InsuranceScope::Medical), Some(true))
        );
    }

    #[test]
    fn the_village_scheme_and_cooperative_medical_care_are_resident_schemes() {
        assert_eq!(
            Scheme::of("村里的养老保险断了三年，现在能一次补齐吗").resident,
            Some(true)
        );
        assert_eq!(Scheme::of("合作医疗一年交多少").resident, Some(true));
        // Living in a village names no scheme.
        assert_eq!(Scheme::of("我住在村里，养老能补缴吗").resident, None);
    }

    #[test]
    fn a_former_employer_with_arrears_is_the_subject() {
        assert!(Scheme::of("离职三个月了，原来的厂有一年医保没交，我找谁去要").former_employer);
        assert!(Scheme::of("上家公司欠了我半年社保").former_employer);
        // Leaving alone, or a former employer without arrears, is not.
        assert!(!Scheme::of("离职三个月了，医保怎么续上").former_employer);
        assert!(!Scheme::of("原单位开的证明丢了怎么办").former_employer);
    }

    #[test]
    fn both_or_neither_names_nothing() {
        // Both insurances, both kinds of scheme, or none: no preference.
        assert_eq!(
            Scheme::of("补缴社保的时候养老和医保必须一起补吗").insurance,
            None
        );
        assert_eq!(
            Scheme::of("农民工在城里交了职工养老，回老家只能交居民养老吗").resident,
            None
        );
        assert_eq!(Scheme::of("滞纳金怎么算"), Scheme::default());
    }

    #[test]
    fn a_negated_employer_is_no_working_scheme() {
        assert_eq!(
            Scheme::of("俺在村里种地，没单位，能交哪种养老").resident,
            None
        );
        assert_eq!(Scheme::of("没有单位的人交什么医保").resident, None);
        assert_eq!(Scheme::of("单位没给交医保").resident, Some(false));
    }
}
