//! Measuring answer quality on a labelled question set (`bujiao eval`).
//!
//! Each case is a question with the FAQ ids that answer it, or `fallback`. The report gives hit@1,
//! hit@3 and MRR over in-domain questions (a fallback reply counts as a miss), fallback precision and
//! recall, the share of in-domain questions wrongly sent away, and every confusion — so a change to
//! ranking or content shows its effect in numbers, and a test keeps them from regressing.

use crate::answer::{decide, DecisionParams, ReplyKind};
use crate::search::Snapshot;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The label for questions the bot must not answer from the knowledge base.
pub const FALLBACK: &str = "fallback";

/// One labelled question.
#[derive(Debug, Clone)]
pub struct EvalCase {
    pub q: String,
    pub expect: Vec<String>,
    pub file: PathBuf,
    pub line: usize,
}

impl EvalCase {
    pub fn wants_fallback(&self) -> bool {
        self.expect.iter().any(|e| e == FALLBACK)
    }
}

#[derive(Deserialize)]
struct RawCase {
    q: String,
    expect: Vec<String>,
}

/// Load a `.jsonl` file, or every `.jsonl` file in a directory (sorted).
pub fn load_set(path: &Path) -> Result<Vec<EvalCase>> {
    let mut files = Vec::new();
    if path.is_dir() {
        for e in std::fs::read_dir(path).map_err(|e| Error::io(path, e))? {
            let p = e.map_err(|e| Error::io(path, e))?.path();
            if p.extension().is_some_and(|x| x == "jsonl") {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut cases = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| Error::io(&f, e))?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let raw: RawCase = serde_json::from_str(line).map_err(|e| {
                Error::Other(format!("{}:{}: bad eval case: {e}", f.display(), i + 1))
            })?;
            if raw.expect.is_empty() {
                return Err(Error::Other(format!(
                    "{}:{}: `expect` is empty",
                    f.display(),
                    i + 1
                )));
            }
            cases.push(EvalCase {
                q: raw.q,
                expect: raw.expect,
                file: f.clone(),
                line: i + 1,
            });
        }
    }
    Ok(cases)
}

/// Minimum acceptable figures; `bujiao eval` exits non-zero below them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Floors {
    pub hit_at_1: f64,
    pub hit_at_3: f64,
    pub fallback_recall: f64,
    pub max_wrong_fallback: f64,
}

impl Floors {
    /// The targets.
    pub const TARGETS: Floors = Floors {
        hit_at_1: 0.92,
        hit_at_3: 0.98,
        fallback_recall: 0.95,
        max_wrong_fallback: 0.03,
    };

    pub fn load(path: &Path) -> Result<Floors> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| Error::Other(format!("{}: {e}", path.display())))
    }
}

/// A question the bot got wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Confusion {
    pub q: String,
    pub expected: Vec<String>,
    pub got: String,
    pub reply_kind: ReplyKind,
    pub at: String,
}

/// Evaluation figures.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub in_domain: usize,
    pub off_topic: usize,
    pub hit_at_1: f64,
    pub hit_at_3: f64,
    pub mrr: f64,
    pub fallback_precision: f64,
    pub fallback_recall: f64,
    pub wrong_fallback: f64,
    /// In-domain questions answered outright (kind `answer`) with a correct entry.
    pub answered_correctly: f64,
    /// Ranking alone (ignoring the fallback decision): correct entry first / in the top 3.
    pub rank_hit_at_1: f64,
    pub rank_hit_at_3: f64,
    pub confusions: Vec<Confusion>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Run every case through the answer layer.
pub fn evaluate(snap: &Snapshot, cases: &[EvalCase], params: &DecisionParams) -> Result<Report> {
    let (mut n_in, mut n_off) = (0, 0);
    let (mut h1, mut h3, mut rr, mut answered) = (0usize, 0usize, 0f64, 0usize);
    let (mut fb_total, mut fb_right, mut wrong_fb) = (0usize, 0usize, 0usize);
    let (mut r1, mut r3) = (0usize, 0usize);
    let mut confusions = Vec::new();
    for c in cases {
        let d = decide(snap, &c.q, params)?;
        let fell_back = d.reply.kind == ReplyKind::Fallback;
        if fell_back {
            fb_total += 1;
        }
        let got = if fell_back {
            FALLBACK.to_string()
        } else {
            d.ranked.first().map(|r| r.0.clone()).unwrap_or_default()
        };
        let at = format!("{}:{}", c.file.display(), c.line);
        if c.wants_fallback() {
            n_off += 1;
            if fell_back {
                fb_right += 1;
            } else {
                confusions.push(Confusion {
                    q: c.q.clone(),
                    expected: c.expect.clone(),
                    got,
                    reply_kind: d.reply.kind,
                    at,
                });
            }
            continue;
        }
        n_in += 1;
        let rank_pos = d.ranked.iter().position(|(id, _)| c.expect.contains(id));
        r1 += usize::from(rank_pos == Some(0));
        r3 += usize::from(rank_pos.is_some_and(|p| p < 3));
        if fell_back {
            wrong_fb += 1;
        } else {
            let pos = d.ranked.iter().position(|(id, _)| c.expect.contains(id));
            if let Some(p) = pos {
                rr += 1.0 / (p + 1) as f64;
                if p == 0 {
                    h1 += 1;
                    if d.reply.kind == ReplyKind::Answer {
                        answered += 1;
                    }
                }
                if p < 3 {
                    h3 += 1;
                }
            }
            if pos == Some(0) {
                continue;
            }
        }
        confusions.push(Confusion {
            q: c.q.clone(),
            expected: c.expect.clone(),
            got,
            reply_kind: d.reply.kind,
            at,
        });
    }
    Ok(Report {
        in_domain: n_in,
        off_topic: n_off,
        hit_at_1: ratio(h1, n_in),
        hit_at_3: ratio(h3, n_in),
        mrr: if n_in == 0 { 1.0 } else { rr / n_in as f64 },
        fallback_precision: ratio(fb_right, fb_total),
        fallback_recall: ratio(fb_right, n_off),
        wrong_fallback: if n_in == 0 {
            0.0
        } else {
            wrong_fb as f64 / n_in as f64
        },
        answered_correctly: ratio(answered, n_in),
        rank_hit_at_1: ratio(r1, n_in),
        rank_hit_at_3: ratio(r3, n_in),
        confusions,
    })
}

impl Report {
    /// Floors this report falls below, as messages.
    pub fn failures(&self, f: &Floors) -> Vec<String> {
        let mut out = Vec::new();
        let mut below = |name: &str, got: f64, floor: f64| {
            if got + 1e-9 < floor {
                out.push(format!("{name} {got:.3} is below the floor {floor:.3}"));
            }
        };
        below("hit@1", self.hit_at_1, f.hit_at_1);
        below("hit@3", self.hit_at_3, f.hit_at_3);
        below("fallback recall", self.fallback_recall, f.fallback_recall);
        if self.wrong_fallback > f.max_wrong_fallback + 1e-9 {
            out.push(format!(
                "wrong fallbacks {:.3} exceed the limit {:.3}",
                self.wrong_fallback, f.max_wrong_fallback
            ));
        }
        out
    }

    /// Human-readable summary with the confusions.
    pub fn render(&self) -> String {
        let mut s = format!(
            "questions: {} in-domain, {} off-topic\nhit@1 {:.3}  hit@3 {:.3}  MRR {:.3}\nanswered outright and correct {:.3}\nranking alone: hit@1 {:.3}  hit@3 {:.3}\nfallback precision {:.3}  recall {:.3}\nin-domain wrongly sent to fallback {:.3}\n",
            self.in_domain,
            self.off_topic,
            self.hit_at_1,
            self.hit_at_3,
            self.mrr,
            self.answered_correctly,
            self.rank_hit_at_1,
            self.rank_hit_at_3,
            self.fallback_precision,
            self.fallback_recall,
            self.wrong_fallback
        );
        if !self.confusions.is_empty() {
            s.push_str(&format!("confusions ({}):\n", self.confusions.len()));
            for c in &self.confusions {
                s.push_str(&format!(
                    "  {} {:?}: expected {} got {} ({:?})\n",
                    c.at,
                    c.q,
                    c.expected.join("|"),
                    c.got,
                    c.reply_kind
                ));
            }
        }
        s
    }
}

/// Ranking measured on the FAQ's own similar questions, each ranked with itself left out of the
/// knowledge base (leave-one-out). Unlike the development set this needs no labels and cannot be
/// tuned to by writing the set: it asks whether the other phrasings of an entry carry it to a
/// wording they do not contain.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct HeldOut {
    pub phrasings: usize,
    pub hit_at_1: f64,
    pub hit_at_3: f64,
}

/// Leave-one-out ranking over every similar question of every published FAQ (standard questions
/// stay in: they are the entry's anchor). `stride` > 1 takes every stride-th phrasing, for speed.
pub fn held_out_phrasings(
    snap: &Snapshot,
    params: &crate::search::RankParams,
    stride: usize,
) -> Result<HeldOut> {
    use crate::search::Kind;
    let (mut n, mut h1, mut h3) = (0usize, 0usize, 0usize);
    let mut prev_entry = usize::MAX;
    let mut candidates = Vec::new();
    for (i, p) in snap.phrasings.iter().enumerate() {
        // The first phrasing of each entry is its standard question.
        let first = p.entry != prev_entry;
        prev_entry = p.entry;
        if first || snap.entries[p.entry].kind != Kind::Faq {
            continue;
        }
        candidates.push(i);
    }
    for &i in candidates.iter().step_by(stride.max(1)) {
        let want = snap.phrasings[i].entry;
        let ranked = snap.rank_held_out(i, 3, params)?;
        let pos = ranked.candidates.iter().position(|c| c.entry == want);
        n += 1;
        h1 += usize::from(pos == Some(0));
        h3 += usize::from(pos.is_some());
    }
    Ok(HeldOut {
        phrasings: n,
        hit_at_1: ratio(h1, n),
        hit_at_3: ratio(h3, n),
    })
}
