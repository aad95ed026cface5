//! The reply contract and the wording of answers, clarifications and fallbacks.

use crate::calc::CalcResult;
use crate::field::SlotName;
use crate::search::{Candidate, Kind, Snapshot};
use serde::{Deserialize, Serialize};

/// What kind of reply this is; channels render each differently (buttons for options, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    Answer,
    Clarify,
    Fallback,
    Error,
    Ask,
    Result,
    Info,
}

/// A knowledge entry the reply is based on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRef {
    pub id: String,
    pub title: String,
    pub score: f32,
}

/// One choice a reply offers: a clarification's candidate entry, a calculator, or a quick reply.
///
/// Channels show `title` and send `id` back through `Bot::press`, so a button never depends on
/// the text "1" meaning the same thing by the time it is pressed. Ids are `entry:<faq id>`,
/// `calc:<calculator>` or `say:<text>` (as if the citizen had typed the text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyOption {
    pub id: String,
    pub title: String,
}

impl ReplyOption {
    /// Pick a knowledge entry (a clarification's candidate).
    pub fn entry(entry_id: &str, title: impl Into<String>) -> Self {
        ReplyOption {
            id: format!("{ENTRY_PREFIX}{entry_id}"),
            title: title.into(),
        }
    }

    /// Start a calculator by its id (`contribution`, `late-fee`, …).
    pub fn calc(calc_id: &str, title: impl Into<String>) -> Self {
        ReplyOption {
            id: format!("{CALC_PREFIX}{calc_id}"),
            title: title.into(),
        }
    }

    /// A quick reply: pressing it is the same as typing `text`.
    pub fn say(text: impl Into<String>) -> Self {
        let title = text.into();
        ReplyOption {
            id: format!("{SAY_PREFIX}{title}"),
            title,
        }
    }
}

/// Prefix of option ids that pick a knowledge entry.
pub const ENTRY_PREFIX: &str = "entry:";
/// Prefix of option ids that start a calculator.
pub const CALC_PREFIX: &str = "calc:";
/// Prefix of option ids that stand for typed text.
pub const SAY_PREFIX: &str = "say:";

/// One reply to the user: `{"kind","text","sources","options"}` plus `slot`/`result` for the
/// dialogue engine's questions and calculations.
///
/// On the wire (`/v1/chat`, `--jsonl`), `options` stays a list of titles as it always was, and
/// `choices` carries the same options with their ids for channels that render buttons.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub kind: ReplyKind,
    pub text: String,
    pub sources: Vec<SourceRef>,
    pub options: Vec<ReplyOption>,
    /// The field the dialogue is waiting for (kind `ask`, or a digression mid-form).
    pub slot: Option<SlotName>,
    /// The calculation (kind `result`).
    pub result: Option<Box<CalcResult>>,
    /// The entries the ranker considered, with scores, best first (at most five), for the
    /// editors' records — a fallback has no `sources` but still had near misses. Not part of the
    /// JSON contract: the hand-written `Serialize` below leaves it out (the effect of
    /// `#[serde(skip)]`).
    pub candidates: Vec<(String, f32)>,
}

impl Serialize for Reply {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            kind: ReplyKind,
            text: &'a str,
            sources: &'a [SourceRef],
            options: Vec<&'a str>,
            choices: &'a [ReplyOption],
            #[serde(skip_serializing_if = "Option::is_none")]
            slot: Option<SlotName>,
            #[serde(skip_serializing_if = "Option::is_none")]
            result: Option<&'a CalcResult>,
        }
        Wire {
            kind: self.kind,
            text: &self.text,
            sources: &self.sources,
            options: self.options.iter().map(|o| o.title.as_str()).collect(),
            choices: &self.options,
            slot: self.slot,
            result: self.result.as_deref(),
        }
        .serialize(serializer)
    }
}

impl Reply {
    pub fn new(kind: ReplyKind, text: impl Into<String>) -> Self {
        Reply {
            kind,
            text: text.into(),
            sources: vec![],
            options: vec![],
            slot: None,
            result: None,
            candidates: vec![],
        }
    }
    pub fn fallback(text: &str) -> Self {
        Self::new(ReplyKind::Fallback, text)
    }
    pub fn error(text: &str) -> Self {
        Self::new(ReplyKind::Error, text)
    }
    /// The option titles, in order (what a text-only channel lists).
    pub fn option_titles(&self) -> Vec<&str> {
        self.options.iter().map(|o| o.title.as_str()).collect()
    }
}

pub(crate) fn off_topic_text(referral: Option<&str>) -> String {
    let mut t = String::from(
        "抱歉，这个问题不在我能解答的范围内：我只解答社保、医保和养老保险的补缴问题。",
    );
    if let Some(r) = referral {
        t.push_str(r);
    } else {
        t.push_str("社保问题可拨打 12333（人社服务热线），医保问题可拨打 12393（医保服务热线），也可以到当地社保或医保经办机构咨询。");
    }
    t
}

pub(crate) fn unknown_text() -> String {
    "抱歉，这个问题我暂时没找到可靠的答案。您可以换个说法再问一次（例如说明险种、身份和所在城市），或拨打 12333（人社）、12393（医保）咨询，也可以到当地社保或医保经办机构办理窗口询问。".to_string()
}

fn source_ref(snap: &Snapshot, c: &Candidate) -> SourceRef {
    let e = &snap.entries[c.entry];
    SourceRef {
        id: e.id.clone(),
        title: e.title.clone(),
        score: (c.score * 1000.0).round() / 1000.0,
    }
}

/// The body of an entry as a reply text: FAQ answers as written, laws quoted with their title,
/// articles shortened to their opening; the basis is appended when the text does not name one.
pub(crate) fn answer_reply(snap: &Snapshot, c: &Candidate) -> Reply {
    let e = &snap.entries[c.entry];
    let mut text = match e.kind {
        Kind::Faq => e.body.clone(),
        Kind::Law => format!("{}：\n{}", e.title, e.body),
        Kind::Article => {
            let opening: String = e
                .body
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .take(3)
                .collect::<Vec<_>>()
                .join("\n");
            let short: String = opening.chars().take(300).collect();
            let cut = if short.len() < opening.len() {
                "…"
            } else {
                ""
            };
            format!("{}\n{}{}", e.title, short, cut)
        }
    };
    if e.kind != Kind::Law && !text.contains("依据") {
        let cites: Vec<String> = e
            .sources
            .iter()
            .filter_map(|s| snap.kb.source_title(s))
            .collect();
        if !cites.is_empty() {
            text.push_str(&format!("\n依据：{}", cites.join("；")));
        }
    }
    if !e.regions.is_empty() && !e.regions.iter().any(|r| text.contains(r.as_str())) {
        text.insert_str(0, &format!("（以下为{}的地方规定）", e.regions.join("、")));
    }
    let mut r = Reply::new(super::ReplyKind::Answer, text);
    r.sources.push(source_ref(snap, c));
    r
}

pub(crate) fn clarify_reply(snap: &Snapshot, close: &[&Candidate]) -> Reply {
    let mut text = String::from("您是想问：");
    let mut options = Vec::new();
    for (i, c) in close.iter().enumerate() {
        let e = &snap.entries[c.entry];
        text.push_str(&format!("\n{}. {}", i + 1, e.title));
        options.push(ReplyOption::entry(&e.id, e.title.clone()));
    }
    text.push_str("\n请回复序号，或换个说法再问。");
    let mut r = Reply::new(ReplyKind::Clarify, text);
    r.options = options;
    r.sources = close.iter().map(|c| source_ref(snap, c)).collect();
    r
}
