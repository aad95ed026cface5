//! The reply contract and the wording of answers, clarifications and fallbacks.

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

/// One reply to the user: `{"kind","text","sources","options"}` plus `slot`/`result` for the
/// dialogue engine's questions and calculations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub kind: ReplyKind,
    pub text: String,
    #[serde(default)]
    pub sources: Vec<SourceRef>,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
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
        }
    }
    pub fn fallback(text: &str) -> Self {
        Self::new(ReplyKind::Fallback, text)
    }
    pub fn error(text: &str) -> Self {
        Self::new(ReplyKind::Error, text)
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
        let title = snap.entries[c.entry].title.clone();
        text.push_str(&format!("\n{}. {}", i + 1, title));
        options.push(title);
    }
    text.push_str("\n请回复序号，或换个说法再问。");
    let mut r = Reply::new(ReplyKind::Clarify, text);
    r.options = options;
    r.sources = close.iter().map(|c| source_ref(snap, c)).collect();
    r
}
