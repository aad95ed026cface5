//! The editable forms of a FAQ entry and an article, and their versions.
//!
//! Records carry every field as the text an editor typed (`insurance` and dates as strings), so a
//! bad value comes back as a field-level problem from `Editor::plan` instead of a serde error the
//! API could not attribute to a field. A record's version (an HTTP ETag) is a hash of a canonical
//! serialisation defined here, not of serde's output, so it stays stable across crate releases.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One FAQ entry as editors see it (JSON, CSV/XLSX rows, `kb add --file`). See `knowledge/FORMAT.md`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaqRecord {
    /// Empty on input: one is generated from the question.
    pub id: String,
    pub question: String,
    pub similar: Vec<String>,
    pub answer: String,
    pub tags: Vec<String>,
    pub insurance: String,
    pub audience: Vec<String>,
    pub regions: Vec<String>,
    pub sources: Vec<String>,
    pub supersedes: Vec<String>,
    pub localizes: Vec<String>,
    pub effective: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `None` on input: today in China.
    pub updated: Option<String>,
    /// Empty on input: `published`.
    pub status: String,
    /// The knowledge file, relative to the knowledge dir (`faq/late-fees.toml`). On input: `None`
    /// keeps an existing entry where it is and puts a new one beside the entries it resembles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One article as editors see it: its front matter fields and its Markdown body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArticleRecord {
    pub id: String,
    pub title: String,
    pub questions: Vec<String>,
    pub tags: Vec<String>,
    pub insurance: String,
    pub audience: Vec<String>,
    pub regions: Vec<String>,
    pub sources: Vec<String>,
    pub effective: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub updated: Option<String>,
    pub status: String,
    pub body: String,
    /// `articles/<id>.md`; on input `None` means that path (or the existing article's file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// A record with the version it had when read; send the version back as `if_match`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Versioned<T> {
    pub version: String,
    pub record: T,
}

/// A field's value in the generic form the TOML writer and the version hash work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldValue {
    Str(String),
    List(Vec<String>),
    /// An optional scalar that is absent.
    Absent,
}

/// How a field is written into TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `key = "value"`
    Str,
    /// `key = """\n…\n"""` (the answer)
    Text,
    /// `key = ["a", "b"]`
    Inline,
    /// One item per line, two spaces in, trailing comma (the similar questions).
    Lines,
    /// An inline list the file may omit when empty (`supersedes`, `localizes`).
    OptionalInline,
    /// A string the file may omit (`expires`).
    OptionalStr,
}

/// FAQ keys in the order entries write them.
pub(crate) const FAQ_FIELDS: &[(&str, Style)] = &[
    ("id", Style::Str),
    ("question", Style::Str),
    ("similar", Style::Lines),
    ("answer", Style::Text),
    ("tags", Style::Inline),
    ("insurance", Style::Str),
    ("audience", Style::Inline),
    ("regions", Style::Inline),
    ("sources", Style::Inline),
    ("supersedes", Style::OptionalInline),
    ("localizes", Style::OptionalInline),
    ("effective", Style::Str),
    ("expires", Style::OptionalStr),
    ("updated", Style::Str),
    ("status", Style::Str),
];

/// Article front matter keys in the order articles write them.
pub(crate) const ARTICLE_FIELDS: &[(&str, Style)] = &[
    ("id", Style::Str),
    ("title", Style::Str),
    ("questions", Style::Inline),
    ("tags", Style::Inline),
    ("insurance", Style::Str),
    ("audience", Style::Inline),
    ("regions", Style::Inline),
    ("sources", Style::Inline),
    ("effective", Style::Str),
    ("expires", Style::OptionalStr),
    ("updated", Style::Str),
    ("status", Style::Str),
];

fn opt(s: &Option<String>) -> FieldValue {
    match s {
        Some(s) => FieldValue::Str(s.clone()),
        None => FieldValue::Absent,
    }
}

impl FaqRecord {
    /// Every FAQ field (not `file`) in [`FAQ_FIELDS`] order.
    pub(crate) fn fields(&self) -> Vec<(&'static str, FieldValue)> {
        use FieldValue::{List, Str};
        vec![
            ("id", Str(self.id.clone())),
            ("question", Str(self.question.clone())),
            ("similar", List(self.similar.clone())),
            ("answer", Str(self.answer.clone())),
            ("tags", List(self.tags.clone())),
            ("insurance", Str(self.insurance.clone())),
            ("audience", List(self.audience.clone())),
            ("regions", List(self.regions.clone())),
            ("sources", List(self.sources.clone())),
            ("supersedes", List(self.supersedes.clone())),
            ("localizes", List(self.localizes.clone())),
            ("effective", Str(self.effective.clone())),
            ("expires", opt(&self.expires)),
            ("updated", opt(&self.updated)),
            ("status", Str(self.status.clone())),
        ]
    }

    /// The record's version: the first 16 hex digits of the SHA-256 of its canonical form.
    pub fn version(&self) -> String {
        version_of("faq", &self.fields(), self.file.as_deref())
    }

    /// The value of one field by its name, as list items (a scalar is a one-item list, an
    /// absent one empty). `None` for an unknown name.
    pub fn field(&self, name: &str) -> Option<Vec<String>> {
        self.fields()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| match v {
                FieldValue::Str(s) => vec![s],
                FieldValue::List(l) => l,
                FieldValue::Absent => vec![],
            })
    }
}

impl ArticleRecord {
    /// Every front matter field in [`ARTICLE_FIELDS`] order.
    pub(crate) fn fields(&self) -> Vec<(&'static str, FieldValue)> {
        use FieldValue::{List, Str};
        vec![
            ("id", Str(self.id.clone())),
            ("title", Str(self.title.clone())),
            ("questions", List(self.questions.clone())),
            ("tags", List(self.tags.clone())),
            ("insurance", Str(self.insurance.clone())),
            ("audience", List(self.audience.clone())),
            ("regions", List(self.regions.clone())),
            ("sources", List(self.sources.clone())),
            ("effective", Str(self.effective.clone())),
            ("expires", opt(&self.expires)),
            ("updated", opt(&self.updated)),
            ("status", Str(self.status.clone())),
        ]
    }

    /// See [`FaqRecord::version`]; the body is part of it.
    pub fn version(&self) -> String {
        let mut fields = self.fields();
        fields.push(("body", FieldValue::Str(self.body.clone())));
        version_of("article", &fields, self.file.as_deref())
    }
}

/// The version of a dictionary file's text.
pub fn text_version(text: &str) -> String {
    version_of("dict", &[("text", FieldValue::Str(text.to_string()))], None)
}

/// Canonical form: a kind tag, then per field its name, a type byte and its items, with
/// separator bytes that cannot occur in TOML text (0x1C–0x1F). Hashed with SHA-256, which is
/// specified, unlike std's hasher.
fn version_of(kind: &str, fields: &[(&str, FieldValue)], file: Option<&str>) -> String {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update([0x1c]);
    for (name, value) in fields {
        h.update(name.as_bytes());
        match value {
            FieldValue::Str(s) => {
                h.update([b's', 0x1f]);
                h.update(s.as_bytes());
            }
            FieldValue::List(items) => {
                h.update([b'l']);
                for item in items {
                    h.update([0x1f]);
                    h.update(item.as_bytes());
                }
            }
            FieldValue::Absent => h.update([b'-']),
        }
        h.update([0x1e]);
    }
    h.update(b"file");
    h.update([0x1f]);
    h.update(file.unwrap_or("").as_bytes());
    let digest = h.finalize();
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_sixteen_hex_digits_and_pinned() {
        let r = FaqRecord {
            id: "a".into(),
            question: "q".into(),
            ..Default::default()
        };
        let v = r.version();
        assert_eq!(v.len(), 16);
        assert!(v.chars().all(|c| c.is_ascii_hexdigit()));
        // Pinned: a change to the canonical form changes every ETag clients hold.
        assert_eq!(v, "524ed06233352271");
    }

    #[test]
    fn version_separates_list_items_from_joined_text() {
        let a = FaqRecord {
            similar: vec!["ab".into()],
            ..Default::default()
        };
        let b = FaqRecord {
            similar: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        assert_ne!(a.version(), b.version());
        let c = FaqRecord {
            expires: Some(String::new()),
            ..Default::default()
        };
        assert_ne!(FaqRecord::default().version(), c.version());
    }
}
