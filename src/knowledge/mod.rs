//! The knowledge base: human-editable files under `knowledge/` are the source of truth.
//!
//! This module reads FAQ entries (TOML), articles (Markdown with TOML front matter), law articles,
//! named source documents and dictionaries, keeps the file and line every item came from, and checks
//! the whole corpus (`bujiao kb validate`). Nothing here knows about the index or any channel; the
//! search module builds its index from a loaded [`Knowledge`].

pub mod edit;
mod load;
pub mod regions;
pub mod synth;
mod types;
mod validate;

pub use load::{fingerprint, load, parse_stopwords};
pub use types::*;
pub use validate::{bare_opening, validate, warnings};

use std::fmt;
use std::path::PathBuf;

/// One problem found in a knowledge file, reported as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
    /// Which part of the knowledge the problem is in.
    pub area: Area,
}

/// The part of the knowledge base a problem concerns: the calculators need only the policy
/// tables, so `bujiao calc` refuses to run only on problems in those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Area {
    /// FAQ entries, articles, laws, documents, dictionaries.
    #[default]
    Content,
    /// The calculators' policy tables (`knowledge/policies/`).
    Policy,
}

impl Problem {
    pub fn new(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Problem {
            file: file.into(),
            line,
            message: message.into(),
            area: Area::Content,
        }
    }

    /// A problem in a policy table.
    pub fn policy(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Problem {
            area: Area::Policy,
            ..Problem::new(file, line, message)
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let area = match self.area {
            Area::Content => "",
            Area::Policy => "policy: ",
        };
        write!(
            f,
            "{}:{}: {area}{}",
            self.file.display(),
            self.line,
            self.message
        )
    }
}

/// One JSON line of `bujiao kb export --jsonl`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportRecord {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub questions: Vec<String>,
    pub body: String,
    pub regions: Vec<String>,
    pub sources: Vec<String>,
}

impl Knowledge {
    /// Every published item as an export record: FAQ entries, articles, policy tables, laws.
    pub fn export_records(&self) -> Vec<ExportRecord> {
        let mut out = Vec::new();
        for f in self.faqs.iter().filter(|f| f.status == Status::Published) {
            let mut questions = vec![f.question.clone()];
            questions.extend(f.similar.iter().cloned());
            out.push(ExportRecord {
                id: f.id.clone(),
                kind: "faq",
                title: f.question.clone(),
                questions,
                body: f.answer.clone(),
                regions: f.regions.clone(),
                sources: f.sources.clone(),
            });
        }
        for a in self
            .articles
            .iter()
            .filter(|a| a.status == Status::Published)
        {
            out.push(ExportRecord {
                id: a.id.clone(),
                kind: "article",
                title: a.title.clone(),
                questions: a.questions.clone(),
                body: a.body.clone(),
                regions: a.regions.clone(),
                sources: a.sources.clone(),
            });
        }
        for pf in &self.policies {
            if let Some(r) = policy_record(pf) {
                out.push(r);
            }
        }
        for l in &self.laws {
            out.push(ExportRecord {
                id: l.id.clone(),
                kind: "law",
                title: l.title(),
                questions: vec![],
                body: l.text.clone(),
                regions: vec![],
                sources: vec![],
            });
        }
        out
    }

    /// Human-readable title for a `law:`/`doc:` source reference, if it resolves.
    pub fn source_title(&self, reference: &str) -> Option<String> {
        let (kind, id) = reference.split_once(':')?;
        match kind {
            "law" => self.laws.iter().find(|l| l.id == id).map(|l| l.title()),
            "doc" => self.docs.iter().find(|d| d.id == id).map(|d| d.cite()),
            _ => None,
        }
    }
}

/// A policy table as an export record: region and year as the title, the file as the body.
fn policy_record(pf: &PolicyFile) -> Option<ExportRecord> {
    let table = pf.text.parse::<toml::Table>().ok()?;
    let region = table.get("region")?.as_str()?.to_string();
    let year = table
        .get("year")
        .and_then(|y| y.as_integer())
        .unwrap_or_default();
    let national = table
        .get("national")
        .and_then(|n| n.as_bool())
        .unwrap_or(false);
    let stem = pf.file.file_stem()?.to_string_lossy().to_string();
    let mut sources = Vec::new();
    for group in table.values() {
        let items: Vec<&toml::Value> = match group {
            toml::Value::Array(a) => a.iter().collect(),
            v @ toml::Value::Table(_) => vec![v],
            _ => continue,
        };
        for item in items {
            if let Some(s) = item.get("source").and_then(|s| s.as_str()) {
                if !sources.iter().any(|x: &String| x == s) {
                    sources.push(s.to_string());
                }
            }
        }
    }
    Some(ExportRecord {
        id: format!("policy-{stem}"),
        kind: "policy",
        title: format!("{region} 社保医保政策数据（{year}年）"),
        questions: vec![],
        body: pf.text.clone(),
        regions: if national { vec![] } else { vec![region] },
        sources,
    })
}
