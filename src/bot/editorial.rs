//! What editors need from the core: which entry would answer a question (the preview), and — built
//! on the knowledge editor and the records store — saving, publishing and reverting entries.
//!
//! No transport types here: the HTTP admin routes translate these calls. Every operation that
//! changes the knowledge files runs under one publish lock (in-process, plus an OS file lock in
//! the knowledge directory so two instances sharing the directory never interleave), writes the
//! files atomically, reloads, and records the change in the audit log.

use super::Bot;
use crate::answer::{self, DecisionParams, ReplyKind};
use crate::search::Snapshot;
use crate::{Error, Result};
use serde::Serialize;
use std::sync::Arc;

/// One ranked entry in a preview.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PreviewHit {
    pub id: String,
    pub title: String,
    pub score: f32,
}

/// Which entry would answer a question, and how sure the bot is.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The reply kind a citizen would get: `answer`, `clarify` or `fallback`.
    pub kind: ReplyKind,
    /// The entry that would answer (for `clarify`: the best of the options).
    pub entry: Option<PreviewHit>,
    pub runner_up: Option<PreviewHit>,
    /// Up to five entries, best first.
    pub ranked: Vec<PreviewHit>,
    /// The question's terms after segmentation and synonyms.
    pub terms: Vec<String>,
    /// Those of `terms` the answering entry contains (its phrasings, tags or answer).
    pub matched_terms: Vec<String>,
    /// The reply's opening line, as a citizen would see it.
    pub reply_opening: String,
    /// `live` (the snapshot serving now) or `edited` (a snapshot built with the edited entry).
    pub against: &'static str,
    /// The index generation previewed against.
    pub index: String,
}

/// Preview `text` against one snapshot.
pub fn preview_on(snap: &Snapshot, text: &str, against: &'static str) -> Result<Preview> {
    let decision = answer::decide(snap, text, &DecisionParams::default())?;
    let hit = |(id, score): &(String, f32)| PreviewHit {
        id: id.clone(),
        title: snap.entry(id).map(|e| e.title.clone()).unwrap_or_default(),
        score: (score * 1000.0).round() / 1000.0,
    };
    let ranked: Vec<PreviewHit> = decision.ranked.iter().take(5).map(hit).collect();
    let terms = snap.analyzer.query_terms(text);
    let entry = ranked.first().cloned();
    let matched_terms = match &entry {
        Some(e) => snap.matched_terms(&e.id, &terms),
        None => Vec::new(),
    };
    let reply = decision.reply;
    Ok(Preview {
        kind: reply.kind,
        entry,
        runner_up: ranked.get(1).cloned(),
        ranked,
        terms,
        matched_terms,
        reply_opening: reply.text.lines().next().unwrap_or("").to_string(),
        against,
        index: snap.manifest.generation.clone(),
    })
}

impl Bot {
    /// Which entry would answer `text` on the live snapshot.
    pub async fn preview(&self, text: &str) -> Result<Preview> {
        let snap: Arc<Snapshot> = self.snapshot();
        let text = text.to_string();
        tokio::task::spawn_blocking(move || preview_on(&snap, &text, "live"))
            .await
            .map_err(|e| Error::Other(format!("preview panicked: {e}")))?
    }
}
