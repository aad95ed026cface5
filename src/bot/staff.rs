//! What the staff console and the web pages need from the core beyond a dialogue turn: a filtered
//! staff search, one knowledge entry in full, the calculators as a form, and citizens' feedback.
//! No transport types here: the HTTP channel translates these into routes.

use super::Bot;
use crate::answer::Reply;
use crate::calc::{CalcError, CalcResult};
use crate::calc_api::CalcRequest;
use crate::knowledge::{Audience, InsuranceScope, Status};
use crate::records::{FeedbackRecord, Summary};
use crate::search::{Entry, Kind, Snapshot};
use crate::{Error, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// A staff search with its filters.
#[derive(Debug, Clone, Default)]
pub struct StaffQuery {
    pub text: String,
    pub limit: usize,
    /// National entries and this region's (a canonical name or an alias: 北京市 → 北京).
    pub region: Option<String>,
    /// `medical` or `pension` (entries about any insurance always match).
    pub insurance: Option<String>,
    /// `employee`, `flexible`, `resident`, `retiree`, `employer`, `unemployed`.
    pub audience: Option<String>,
    /// `faq`, `article` or `law`.
    pub kind: Option<String>,
}

/// A filter value the knowledge base does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// `region`, `insurance`, `audience` or `kind`.
    pub field: &'static str,
    pub message: String,
}

/// A cited document or law article with its title.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    /// `law:<id>` or `doc:<id>`.
    pub id: String,
    pub title: String,
    /// The document's address, when the knowledge base gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The law article's entry id (open it like any entry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

/// One staff search hit.
#[derive(Debug, Clone, Serialize)]
pub struct StaffHit {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub score: f32,
    /// The matching passage: escaped text with the query's words in `<mark>`.
    pub snippet: String,
    pub regions: Vec<String>,
    pub sources: Vec<SourceInfo>,
    /// When the entry was last checked (YYYY-MM-DD).
    pub updated: Option<NaiveDate>,
    pub superseded: bool,
    pub expired: bool,
}

/// `{"hits": [...]}`.
#[derive(Debug, Clone, Serialize)]
pub struct StaffResults {
    pub hits: Vec<StaffHit>,
}

/// A linked entry (a local version, a newer edition).
#[derive(Debug, Clone, Serialize)]
pub struct EntryLink {
    pub id: String,
    pub title: String,
    pub regions: Vec<String>,
}

/// One knowledge entry in full, for the console and the chat's source links.
#[derive(Debug, Clone, Serialize)]
pub struct EntryDetail {
    pub id: String,
    pub kind: &'static str,
    /// The standard question (an article's or a law article's title).
    pub question: String,
    /// Other ways people ask it.
    pub similar: Vec<String>,
    pub answer: String,
    pub sources: Vec<SourceInfo>,
    pub regions: Vec<String>,
    pub insurance: InsuranceScope,
    pub audience: Vec<Audience>,
    pub tags: Vec<String>,
    pub effective: Option<NaiveDate>,
    pub updated: Option<NaiveDate>,
    /// Regional entries that are the local version of this one.
    pub local_versions: Vec<EntryLink>,
    /// National entries this one is the local version of.
    pub localizes: Vec<EntryLink>,
    /// A published entry states the same rule for a later year.
    pub superseded: bool,
    pub superseded_by: Vec<EntryLink>,
    /// The entry's figures are for a year that has ended (its question names an earlier year).
    pub expired: bool,
    /// The answer as plain text, ready to read out on the phone.
    pub plain: String,
}

/// The values the staff search can be filtered by.
#[derive(Debug, Clone, Serialize)]
pub struct Filters {
    /// Regions that have entries of their own, sorted.
    pub regions: Vec<String>,
    pub insurance: Vec<&'static str>,
    pub audience: Vec<&'static str>,
    pub kind: Vec<&'static str>,
}

/// Why a calculation from a form could not be done.
#[derive(Debug, Clone)]
pub enum CalcFailure {
    /// An input neither given nor supplied by the policy tables; `field` names it.
    Missing { field: String, message: String },
    /// An input that cannot be right; `field` names it when one is to blame.
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// The policy tables did not load.
    Unavailable(String),
}

/// What the citizen's "有用 / 没用" says about which reply.
#[derive(Debug, Clone, Default)]
pub struct FeedbackInput {
    /// Checked by the channel but not stored: a verdict is not tied to a conversation.
    pub session: Option<String>,
    /// Where the verdict came from.
    pub channel: super::Channel,
    pub entry: Option<String>,
    pub kind: Option<String>,
    pub useful: bool,
    pub question: Option<String>,
    pub comment: Option<String>,
}

impl Bot {
    /// Ranked hits with highlighted snippets and filters, for hotline staff.
    pub async fn staff_search(
        &self,
        query: StaffQuery,
    ) -> Result<std::result::Result<StaffResults, FilterError>> {
        let snap = self.snapshot();
        tokio::task::spawn_blocking(move || staff_search(&snap, &query))
            .await
            .map_err(|e| Error::Other(format!("search panicked: {e}")))?
    }

    /// The filter values of the staff search (for the console's menus).
    pub fn filters(&self) -> Filters {
        let snap = self.snapshot();
        let mut regions: Vec<String> = snap
            .entries
            .iter()
            .flat_map(|e| e.regions.iter().cloned())
            .collect();
        regions.sort();
        regions.dedup();
        Filters {
            regions,
            insurance: vec!["medical", "pension"],
            audience: vec![
                "employee",
                "flexible",
                "resident",
                "retiree",
                "employer",
                "unemployed",
            ],
            kind: vec!["faq", "article", "law"],
        }
    }

    /// One published entry in full, by id; None when there is none.
    pub fn entry(&self, id: &str) -> Option<EntryDetail> {
        let snap = self.snapshot();
        let e = snap.entry(id)?;
        Some(detail(&snap, e))
    }

    /// Run a calculator on the live policy tables.
    pub fn calc(&self, request: &CalcRequest) -> std::result::Result<CalcResult, CalcFailure> {
        let snap = self.snapshot();
        let Some(policies) = snap.kb.policy_set.clone() else {
            return Err(CalcFailure::Unavailable(
                "the policy tables did not load; run `bujiao kb validate`".into(),
            ));
        };
        request.run(&policies).map_err(|e| {
            let field = request.field_of(&e).map(str::to_string);
            match e {
                CalcError::Missing { .. } => CalcFailure::Missing {
                    field: field.unwrap_or_default(),
                    message: e.to_string(),
                },
                other => CalcFailure::Invalid {
                    field,
                    message: other.to_string(),
                },
            }
        })
    }

    /// The welcome with the four calculators added to its example questions (the web chat's
    /// first bubble).
    pub fn welcome_with_calculators(&self) -> Reply {
        let mut r = self.welcome();
        r.options.extend(self.calculators().options);
        r
    }

    /// Store a "有用 / 没用" (free text normalised and masked, no session kept); a "没用" with
    /// its question goes to the editors' unanswered list too. Returns the counts after it.
    pub async fn feedback(&self, input: FeedbackInput) -> Result<Summary> {
        let record = FeedbackRecord {
            at: crate::china_time::now(),
            channel: input.channel.as_str().to_string(),
            entry: input.entry.filter(|e| !e.is_empty()),
            kind: input.kind.filter(|k| !k.is_empty()),
            useful: input.useful,
            question: input.question,
            comment: input.comment,
        };
        self.records.record_feedback(record).await?;
        self.records.feedback_summary().await
    }

    /// Counts of "有用 / 没用", in total and per entry.
    pub async fn feedback_summary(&self) -> Result<Summary> {
        self.records.feedback_summary().await
    }
}

fn staff_search(
    snap: &Snapshot,
    q: &StaffQuery,
) -> Result<std::result::Result<StaffResults, FilterError>> {
    let bad = |field: &'static str, message: String| Ok(Err(FilterError { field, message }));
    // The region and the regions it lies in (乐平 → 景德镇, 江西).
    let mut places: Vec<String> = Vec::new();
    if let Some(r) = nonempty(&q.region) {
        let known = snap.kb.region_table.as_ref().and_then(|t| t.get(r));
        match known {
            Some(region) => {
                places.push(region.name.clone());
                places.extend(region.within.clone());
                places.push(region.province.clone());
            }
            None if snap
                .entries
                .iter()
                .any(|e| e.regions.iter().any(|x| x == r)) =>
            {
                places.push(r.to_string())
            }
            None => return bad("region", format!("unknown region {r:?}")),
        }
    }
    let insurance = match nonempty(&q.insurance) {
        None | Some("any") => None,
        Some(s) => match InsuranceScope::parse(s) {
            Some(i) => Some(i),
            None => {
                return bad(
                    "insurance",
                    format!("`insurance` must be medical or pension, not {s:?}"),
                )
            }
        },
    };
    let audience = match nonempty(&q.audience) {
        None | Some("any") => None,
        Some(s) => match Audience::parse(s) {
            Some(a) => Some(a),
            None => return bad("audience", format!("unknown audience {s:?}")),
        },
    };
    let kind = match nonempty(&q.kind) {
        None => None,
        Some("faq") => Some(Kind::Faq),
        Some("article") => Some(Kind::Article),
        Some("law") => Some(Kind::Law),
        Some(s) => {
            return bad(
                "kind",
                format!("`kind` must be faq, article or law, not {s:?}"),
            )
        }
    };
    let filtered =
        !places.is_empty() || insurance.is_some() || audience.is_some() || kind.is_some();
    let limit = q.limit.clamp(1, 100);
    let fetch = if filtered { 100 } else { limit };
    let ranked = snap.rank(&q.text, places.first().map(String::as_str), fetch)?;
    let today = crate::china_time::today();
    let hits = ranked
        .candidates
        .iter()
        .filter(|c| {
            let e = &snap.entries[c.entry];
            (places.is_empty()
                || e.regions.is_empty()
                || e.regions.iter().any(|r| places.contains(r)))
                && insurance.is_none_or(|i| e.insurance == i || e.insurance == InsuranceScope::Any)
                && kind.is_none_or(|k| e.kind == k)
                && audience.is_none_or(|a| {
                    let aud = audience_of(snap, e);
                    aud.is_empty() || aud.contains(&a) || aud.contains(&Audience::Any)
                })
        })
        .take(limit)
        .map(|c| {
            let e = &snap.entries[c.entry];
            StaffHit {
                id: e.id.clone(),
                kind: e.kind.as_str(),
                title: e.title.clone(),
                score: (c.score * 1000.0).round() / 1000.0,
                snippet: snap.snippet(c.entry, &ranked.terms, 240),
                regions: e.regions.clone(),
                sources: sources(snap, e),
                updated: dates(snap, e).1,
                superseded: e.superseded,
                expired: expired(snap, e, today),
            }
        })
        .collect();
    Ok(Ok(StaffResults { hits }))
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn audience_of(snap: &Snapshot, e: &Entry) -> Vec<Audience> {
    match e.kind {
        Kind::Faq => snap.kb.faq(&e.id).map(|f| f.audience.clone()),
        Kind::Article => snap
            .kb
            .articles
            .iter()
            .find(|a| a.id == e.id)
            .map(|a| a.audience.clone()),
        Kind::Law => None,
    }
    .unwrap_or_default()
}

/// (effective, updated) of an entry.
fn dates(snap: &Snapshot, e: &Entry) -> (Option<NaiveDate>, Option<NaiveDate>) {
    match e.kind {
        Kind::Faq => snap
            .kb
            .faq(&e.id)
            .map(|f| (Some(f.effective), Some(f.updated)))
            .unwrap_or_default(),
        Kind::Article => snap
            .kb
            .articles
            .iter()
            .find(|a| a.id == e.id)
            .map(|a| (Some(a.effective), Some(a.updated)))
            .unwrap_or_default(),
        Kind::Law => snap
            .kb
            .laws
            .iter()
            .find(|l| l.id == e.id)
            .map(|l| (Some(l.effective), Some(l.amended.unwrap_or(l.effective))))
            .unwrap_or_default(),
    }
}

fn sources(snap: &Snapshot, e: &Entry) -> Vec<SourceInfo> {
    e.sources
        .iter()
        .map(|s| {
            let (prefix, id) = s.split_once(':').unwrap_or(("", s));
            let url = match prefix {
                "doc" => snap
                    .kb
                    .docs
                    .iter()
                    .find(|d| d.id == id)
                    .and_then(|d| d.url.clone()),
                _ => None,
            };
            let entry = (prefix == "law" && snap.entry(id).is_some()).then(|| id.to_string());
            SourceInfo {
                id: s.clone(),
                title: snap.kb.source_title(s).unwrap_or_else(|| s.clone()),
                url,
                entry,
            }
        })
        .collect()
}

/// Past its validity: the entry's `expires` date (China time) has passed; for an entry without
/// one, a year-specific regional entry (its question names a year such as 2024年) whose year has
/// ended.
fn expired(snap: &Snapshot, e: &Entry, today: NaiveDate) -> bool {
    let expires = match e.kind {
        Kind::Faq => snap.kb.faq(&e.id).and_then(|f| f.expires),
        Kind::Article => snap.kb.article(&e.id).and_then(|a| a.expires),
        Kind::Law => None,
    };
    match expires {
        Some(date) => date < today,
        None => named_year(&e.title).is_some_and(|y| y < today.year()) && !e.regions.is_empty(),
    }
}

/// The first calendar year (2000–2099) a title names, as in "2024年" or "2024年度".
fn named_year(title: &str) -> Option<i32> {
    let chars: Vec<char> = title.chars().collect();
    chars.windows(5).find_map(|w| {
        let digits: String = w[..4].iter().collect();
        (w[4] == '年' && w[0] == '2' && w[1] == '0' && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| digits.parse().ok())
            .flatten()
    })
}

/// The body without the Markdown marks articles use (`## `, `**`), to read out.
fn plain_text(body: &str) -> String {
    body.trim()
        .lines()
        .map(|l| l.trim_start_matches('#').trim_start().replace("**", ""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn link(snap: &Snapshot, id: &str) -> Option<EntryLink> {
    snap.entry(id).map(|e| EntryLink {
        id: e.id.clone(),
        title: e.title.clone(),
        regions: e.regions.clone(),
    })
}

fn detail(snap: &Snapshot, e: &Entry) -> EntryDetail {
    let similar = match e.kind {
        Kind::Faq => snap.kb.faq(&e.id).map(|f| f.similar.clone()),
        Kind::Article => snap
            .kb
            .articles
            .iter()
            .find(|a| a.id == e.id)
            .map(|a| a.questions.clone()),
        Kind::Law => None,
    }
    .unwrap_or_default();
    let published = || {
        snap.kb
            .faqs
            .iter()
            .filter(|f| f.status == Status::Published)
    };
    let local_versions = published()
        .filter(|f| f.localizes.contains(&e.id))
        .filter_map(|f| link(snap, &f.id))
        .collect();
    let superseded_by: Vec<EntryLink> = published()
        .filter(|f| f.supersedes.contains(&e.id))
        .filter_map(|f| link(snap, &f.id))
        .collect();
    let (effective, updated) = dates(snap, e);
    let sources = sources(snap, e);
    let mut plain = format!("{}\n{}", e.title, plain_text(&e.body));
    if !sources.is_empty() {
        let titles: Vec<&str> = sources.iter().map(|s| s.title.as_str()).collect();
        plain.push_str(&format!("\n依据：{}", titles.join("；")));
    }
    EntryDetail {
        id: e.id.clone(),
        kind: e.kind.as_str(),
        question: e.title.clone(),
        similar,
        answer: e.body.clone(),
        sources,
        regions: e.regions.clone(),
        insurance: e.insurance,
        audience: audience_of(snap, e),
        tags: e.tags.clone(),
        effective,
        updated,
        local_versions,
        localizes: e.localizes.iter().filter_map(|id| link(snap, id)).collect(),
        superseded: e.superseded || !superseded_by.is_empty(),
        superseded_by,
        expired: expired(snap, e, crate::china_time::today()),
        plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_in_titles() {
        assert_eq!(named_year("2024年北京灵活就业缴费基数是多少"), Some(2024));
        assert_eq!(named_year("北京2025年度缴费基数"), Some(2025));
        assert_eq!(named_year("交满15年就行吗"), None);
        assert_eq!(named_year("医保断缴三个月"), None);
    }

    #[test]
    fn plain_text_drops_markdown_marks() {
        assert_eq!(
            plain_text("**简短回答：不能。**\n## 一般规则\n正文"),
            "简短回答：不能。\n一般规则\n正文"
        );
    }
}
