//! Typed knowledge items, each remembering the file and line it came from.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which insurance an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InsuranceScope {
    Medical,
    Pension,
    Any,
}

impl InsuranceScope {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "medical" => Some(Self::Medical),
            "pension" => Some(Self::Pension),
            "any" => Some(Self::Any),
            _ => None,
        }
    }
}

/// Who an entry is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Employee,
    Flexible,
    Resident,
    Retiree,
    Employer,
    Unemployed,
    Any,
}

impl Audience {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "employee" => Self::Employee,
            "flexible" => Self::Flexible,
            "resident" => Self::Resident,
            "retiree" => Self::Retiree,
            "employer" => Self::Employer,
            "unemployed" => Self::Unemployed,
            "any" => Self::Any,
            _ => return None,
        })
    }
}

/// Published entries are indexed; drafts are validated but not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Published,
    Draft,
}

/// A question with its answer and the other ways people ask it.
#[derive(Debug, Clone)]
pub struct Faq {
    pub id: String,
    pub question: String,
    pub similar: Vec<String>,
    pub answer: String,
    pub tags: Vec<String>,
    pub insurance: InsuranceScope,
    pub audience: Vec<Audience>,
    pub regions: Vec<String>,
    pub sources: Vec<String>,
    /// Ids of older entries this one replaces for the present (the same local figures for an
    /// earlier year): a question that names no year gets this one.
    pub supersedes: Vec<String>,
    /// Ids of national entries this regional one is the local version of: a question naming
    /// this entry's place that the national entry would answer gets this one.
    pub localizes: Vec<String>,
    pub effective: NaiveDate,
    /// The last day the entry's rule or figures apply (a base year ending 06-30, a notice for one
    /// coverage year); `kb validate` warns once it has passed.
    pub expires: Option<NaiveDate>,
    pub updated: NaiveDate,
    pub status: Status,
    pub file: PathBuf,
    pub line: usize,
}

/// A longer explainer in Markdown.
#[derive(Debug, Clone)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub questions: Vec<String>,
    pub body: String,
    pub tags: Vec<String>,
    pub insurance: InsuranceScope,
    pub audience: Vec<Audience>,
    pub regions: Vec<String>,
    pub sources: Vec<String>,
    pub effective: NaiveDate,
    /// See [`Faq::expires`].
    pub expires: Option<NaiveDate>,
    pub updated: NaiveDate,
    pub status: Status,
    pub file: PathBuf,
    pub line: usize,
}

/// One article of a law or regulation, quoted in full.
#[derive(Debug, Clone)]
pub struct Law {
    pub id: String,
    pub law: String,
    pub article: String,
    pub text: String,
    pub effective: NaiveDate,
    pub amended: Option<NaiveDate>,
    pub tags: Vec<String>,
    pub file: PathBuf,
    pub line: usize,
}

impl Law {
    /// 《中华人民共和国社会保险法》第八十六条
    pub fn title(&self) -> String {
        format!("《{}》{}", self.law, self.article)
    }
}

/// What a `[[doc]]` is: a document someone issued, or a summary of how offices commonly work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A law, regulation, notice or published guide with an issuer (cited by its title).
    #[default]
    Document,
    /// Our summary of common practice (经办通行做法) with no single document behind it: shown to
    /// citizens as 常见做法, never as a title in 《》 that reads like an official document.
    Practice,
}

/// A named document (notice, regulation, local rule) that entries cite.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: String,
    pub title: String,
    pub number: Option<String>,
    pub issuer: String,
    pub year: i32,
    pub region: Option<String>,
    pub url: Option<String>,
    pub kind: DocKind,
    pub file: PathBuf,
    pub line: usize,
}

impl Doc {
    /// How the document is cited in an answer: 《标题》（文号，年份）, or for common practice
    /// 常见做法：标题（各地以当地规定为准） with no 《》.
    pub fn cite(&self) -> String {
        match (self.kind, &self.number) {
            (DocKind::Practice, _) => format!("常见做法：{}（各地以当地规定为准）", self.title),
            (DocKind::Document, Some(n)) => format!("《{}》（{}）", self.title, n),
            (DocKind::Document, None) => format!("《{}》（{}年）", self.title, self.year),
        }
    }
}

/// Dictionaries that shape the text pipeline.
#[derive(Debug, Clone, Default)]
pub struct Dictionaries {
    /// jieba user dictionary lines (`word [freq] [tag]`).
    pub user_dict: String,
    /// Groups of equivalent words; the first word of each group is canonical.
    pub synonyms: Vec<Vec<String>>,
    /// Function words and story filler dropped from questions and indexed text alike
    /// (`dict/stopwords.txt`).
    pub stopwords: Vec<String>,
    /// Words that mark a question as being about social insurance.
    pub in_domain: Vec<String>,
    /// Explicit names of our systems (社保, 医保, 养老保险…): their presence outweighs another
    /// system's vocabulary ("社保和公积金都断了").
    pub core: Vec<String>,
    /// Other systems people confuse with ours, each with where to send the citizen instead.
    pub other_systems: Vec<OtherSystem>,
    /// Phrases that mean "not our business" even though in-domain words appear (养老金补发…).
    pub out_of_domain_phrases: Vec<String>,
    /// Words that keep a question ours despite an out-of-domain phrase: "养老金补发要我再交钱吗" asks
    /// about paying in (补缴), "养老金补发什么时候到账" does not.
    pub phrase_exceptions: Vec<String>,
    /// Pairs of word lists that rule a question out when a word of each appears, wherever they
    /// stand ("养老金每年几月份调整": 养老金 … 调整); the same exceptions apply as to the phrases.
    pub out_of_domain_pairs: Vec<WordPair>,
    /// The vocabularies above compiled for scanning, built on first use.
    pub scanners: std::sync::OnceLock<std::sync::Arc<DomainScanners>>,
}

impl crate::text::AnalyzerInput for Dictionaries {
    fn analyzer_source(&self) -> crate::text::AnalyzerSource<'_> {
        crate::text::AnalyzerSource {
            user_dict: &self.user_dict,
            synonyms: &self.synonyms,
            stopwords: &self.stopwords,
        }
    }
}

/// The domain vocabularies compiled once (Aho-Corasick), so a domain check is linear in the
/// question's length whatever the size of the vocabularies.
#[derive(Debug, Clone)]
pub struct DomainScanners {
    pub in_domain: crate::text::WordScanner,
    pub core: crate::text::WordScanner,
    pub out_of_domain: crate::text::WordScanner,
    pub exceptions: crate::text::WordScanner,
    /// One (first, second) pair of scanners per [`WordPair`].
    pub pairs: Vec<(crate::text::WordScanner, crate::text::WordScanner)>,
    /// Every other system's words together (to mask them before counting ours).
    pub other_words: crate::text::WordScanner,
    /// One per other system, in order.
    pub others: Vec<crate::text::WordScanner>,
}

impl Dictionaries {
    /// The compiled vocabularies (built once per knowledge base).
    pub fn scanners(&self) -> &DomainScanners {
        use crate::text::WordScanner;
        self.scanners.get_or_init(|| {
            let all_other: Vec<&String> =
                self.other_systems.iter().flat_map(|o| &o.words).collect();
            std::sync::Arc::new(DomainScanners {
                in_domain: WordScanner::new(&self.in_domain),
                core: WordScanner::new(&self.core),
                out_of_domain: WordScanner::new(&self.out_of_domain_phrases),
                exceptions: WordScanner::new(&self.phrase_exceptions),
                pairs: self
                    .out_of_domain_pairs
                    .iter()
                    .map(|p| (WordScanner::new(&p.first), WordScanner::new(&p.second)))
                    .collect(),
                other_words: WordScanner::new(&all_other),
                others: self
                    .other_systems
                    .iter()
                    .map(|o| WordScanner::new(&o.words))
                    .collect(),
            })
        })
    }
}

/// Two word lists of `domain.toml`'s `[[out_of_domain_pair]]`: a question with a word of each
/// is about something else (a pension's yearly adjustment: 养老金/退休金 and 调整/涨/提高…).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordPair {
    pub first: Vec<String>,
    pub second: Vec<String>,
}

/// Another system's vocabulary (tax, housing fund, commercial insurance…) and the referral to give.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherSystem {
    pub words: Vec<String>,
    pub referral: String,
    /// Unambiguous vocabulary (商业保险…) that wins even over our own system names.
    #[serde(default)]
    pub strong: bool,
}

/// A raw policy table file, handed to the calculation module for parsing.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub file: PathBuf,
    pub text: String,
}

/// Everything under `knowledge/`.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    pub faqs: Vec<Faq>,
    pub articles: Vec<Article>,
    pub laws: Vec<Law>,
    pub docs: Vec<Doc>,
    pub dict: Dictionaries,
    pub policies: Vec<PolicyFile>,
    /// The parsed policy tables (None when they had problems; those are reported by `load`).
    pub policy_set: Option<std::sync::Arc<crate::calc::PolicySet>>,
    /// City and province names with aliases (`dict/regions.toml`), for the slot extractor.
    pub region_table: Option<std::sync::Arc<crate::knowledge::regions::RegionTable>>,
    /// Other data files (e.g. `dict/regions.toml`) by path relative to the knowledge dir.
    pub extra: Vec<(String, String)>,
    /// Hash of every file's path and content; the index is rebuilt when it changes.
    pub fingerprint: String,
    /// The directory the files were loaded from (empty for a knowledge base built in memory).
    pub root: PathBuf,
    /// Positions of FAQ entries and articles by id, built on first lookup (see [`Knowledge::faq`]).
    pub by_id: std::sync::OnceLock<ById>,
}

/// Positions in [`Knowledge::faqs`] and [`Knowledge::articles`] by id (the first of a duplicated
/// id, as a linear scan finds it).
#[derive(Debug, Clone, Default)]
pub struct ById {
    faqs: std::collections::HashMap<String, usize>,
    articles: std::collections::HashMap<String, usize>,
}

impl Knowledge {
    fn by_id(&self) -> &ById {
        self.by_id.get_or_init(|| {
            let mut ids = ById::default();
            for (i, f) in self.faqs.iter().enumerate() {
                ids.faqs.entry(f.id.clone()).or_insert(i);
            }
            for (i, a) in self.articles.iter().enumerate() {
                ids.articles.entry(a.id.clone()).or_insert(i);
            }
            ids
        })
    }

    /// The FAQ entry with this id, by lookup: staff search asks this for every hit. The vectors
    /// are public, so a position is checked before it is trusted; a knowledge base changed after
    /// its first lookup falls back to a scan rather than answering from a stale table.
    pub fn faq(&self, id: &str) -> Option<&Faq> {
        match self.by_id().faqs.get(id).and_then(|&i| self.faqs.get(i)) {
            Some(f) if f.id == id => Some(f),
            _ => self.faqs.iter().find(|f| f.id == id),
        }
    }

    /// The article with this id (as [`Knowledge::faq`]).
    pub fn article(&self, id: &str) -> Option<&Article> {
        match self
            .by_id()
            .articles
            .get(id)
            .and_then(|&i| self.articles.get(i))
        {
            Some(a) if a.id == id => Some(a),
            _ => self.articles.iter().find(|a| a.id == id),
        }
    }

    pub fn extra_file(&self, rel: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(p, _)| p == rel)
            .map(|(_, t)| t.as_str())
    }
}
