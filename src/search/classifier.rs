//! A discriminative model of which entry a question asks for: softmax regression over words and
//! character bigrams, trained on every phrasing (and, weakly, every answer) of the knowledge base.
//!
//! Similarity features ask "how alike are the question and this phrasing"; they cannot learn that
//! 2030 separates the 20-year rule from the 15-year rule, or that 利滚利 means compound interest,
//! when both entries share most of their words. A classifier trained on all phrasings learns exactly
//! those separating words, and its probability joins the rerank as one feature.
//!
//! Training is deterministic (fixed orders, AdaGrad, a fixed number of epochs) and happens when the
//! index is built. One pass of stochastic training depends on the order of the examples: adding two
//! phrasings reshuffled everything and moved development-set hit@1 by ±1.5 points. So the model is
//! the average of [`SHUFFLES`] models trained on different fixed orders (in parallel), which is
//! both steadier and better than any one of them. The weights are stored beside the index
//! (`classifier.bin`) so a restart only reads them. A missing or mismatched file is retrained in
//! memory, never an error.
//!
//! The file is only as good as its feature keys: they are hashes of words and bigrams, and a file
//! whose keys were made by another hash function would still load and silently match nothing. So
//! keys are XXH3 (specified, stable across Rust releases), and the header carries a format
//! version, a *key probe* (the keys this build gives a few fixed strings, hashed together) and a
//! checksum of the payload. Any mismatch — other version, other keying, damaged payload — means
//! the file is ignored and the model retrained in memory.

use super::lm::Features;
use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

/// Weight of an answer body as a training example, relative to one phrasing.
pub(crate) const BODY_WEIGHT: f32 = 0.3;
/// A feature must occur in this many training texts to get weights (rarer ones are noise).
const MIN_DF: u32 = 2;
const EPOCHS: usize = 12;
const LEARNING_RATE: f32 = 0.4;
/// Small L2 shrinkage per update, so weights of frequent features do not grow without bound.
const L2: f32 = 1e-5;
/// Errors smaller than this are not worth an update.
const MIN_ERROR: f32 = 1e-4;
/// Models, each trained on its own order of the examples, averaged into one.
const SHUFFLES: u64 = 4;
/// First bytes of `classifier.bin`. Format 1 had `BJCLSv01` here and no header beyond it.
const MAGIC: &[u8; 8] = b"BJCLSF\0\0";
const LEGACY_MAGIC_V1: &[u8; 8] = b"BJCLSv01";
/// Layout of `classifier.bin`; bump on any change to the header, the payload or the keying.
///
/// Format 2: magic (8 bytes), format version (u32), reserved (u32, 0), key probe (u64),
/// XXH3-64 of the payload (u64), then the payload: classes (u64), vocabulary size n (u64),
/// n feature keys (u64), `classes` biases and `n × classes` weights (f32), all little-endian.
pub(crate) const FORMAT_VERSION: u32 = 2;
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 8;
pub(crate) const FILE_NAME: &str = "classifier.bin";

/// The keys this build gives a few fixed strings (a term, CJK bigrams, a hashed non-CJK bigram),
/// hashed together. Stored in the file header: a file whose probe differs was written with other
/// feature keys and must not be used.
pub(crate) fn key_probe() -> u64 {
    let mut keys = vec![
        super::lm::term_key("补缴养老保险"),
        super::lm::term_key("滞纳金"),
    ];
    keys.extend(super::bigram_keys(["补缴", "ab", "x", "保险"].into_iter()));
    let bytes: Vec<u8> = keys.iter().flat_map(|k| k.to_le_bytes()).collect();
    xxh3_64(&bytes)
}

/// Why a stored classifier was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejected {
    /// The file could not be read (usually: it does not exist).
    Unreadable(String),
    /// Not a classifier file at all.
    NotAClassifier,
    /// Written in another format version.
    OtherVersion(u32),
    /// Written with other feature keys (another hash function or keying).
    OtherKeys,
    /// The payload does not match its checksum.
    Checksum,
    /// The payload's sizes do not add up.
    Layout,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejected::Unreadable(e) => write!(f, "cannot read it: {e}"),
            Rejected::NotAClassifier => f.write_str("not a classifier file"),
            Rejected::OtherVersion(v) => {
                write!(f, "format version {v}, this build reads {FORMAT_VERSION}")
            }
            Rejected::OtherKeys => f.write_str("written with other feature keys"),
            Rejected::Checksum => f.write_str("payload checksum mismatch"),
            Rejected::Layout => f.write_str("payload sizes do not add up"),
        }
    }
}

/// The classifier stored at `path` if it is usable and has `classes` classes; otherwise the one
/// `train` makes (logged with the reason). The flag says whether the stored one was used.
pub(crate) fn load_or_train(
    path: Option<&Path>,
    classes: usize,
    train: impl FnOnce() -> Classifier,
) -> (Classifier, bool) {
    match path.map(Classifier::load) {
        Some(Ok(c)) if c.classes() == classes => return (c, true),
        Some(Ok(c)) => tracing::info!(
            stored = c.classes(),
            expected = classes,
            "stored entry classifier has another number of entries; training it now"
        ),
        Some(Err(Rejected::Unreadable(error))) => {
            tracing::info!(%error, "entry classifier not stored with the index; training it now")
        }
        Some(Err(reason)) => {
            tracing::warn!(%reason, "stored entry classifier not usable; training it now")
        }
        None => {}
    }
    (train(), false)
}

/// A training example as (class, [(row, value)], weight).
type Example = (usize, Vec<(usize, f32)>, f32);

/// Softmax regression weights.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Classifier {
    classes: usize,
    /// Feature key → row in `weights`.
    vocab: HashMap<u64, u32>,
    /// Row-major `vocab.len() × classes`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Classifier {
    /// Train on `(class, features, weight)` examples.
    pub fn train(classes: usize, examples: &[(usize, &Features, f32)]) -> Classifier {
        let mut df: HashMap<u64, u32> = HashMap::new();
        for (_, f, _) in examples {
            for &(k, _) in &f.0 {
                *df.entry(k).or_default() += 1;
            }
        }
        let mut keys: Vec<u64> = df
            .into_iter()
            .filter(|&(_, d)| d >= MIN_DF)
            .map(|(k, _)| k)
            .collect();
        keys.sort_unstable();
        let vocab: HashMap<u64, u32> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        let mut model = Classifier {
            classes,
            vocab,
            weights: vec![0.0; keys.len() * classes],
            bias: vec![0.0; classes],
        };
        if classes == 0 {
            return model;
        }
        // Examples as (class, [(row, value)], weight).
        let rows: Vec<Example> = examples
            .iter()
            .filter(|(c, _, _)| *c < classes)
            .map(|(c, f, w)| (*c, model.rows(f), *w))
            .collect();
        let size = model.weights.len();
        let fits: Vec<(Vec<f32>, Vec<f32>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..SHUFFLES)
                .map(|i| {
                    let rows = &rows;
                    // xorshift needs a non-zero seed.
                    let seed = 0x2545_f491_4f6c_dd1du64
                        .wrapping_add(0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i))
                        | 1;
                    scope.spawn(move || fit(rows, classes, size, seed))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("classifier training does not panic"))
                .collect()
        });
        let share = 1.0 / fits.len() as f32;
        for (weights, bias) in &fits {
            for (a, b) in model.weights.iter_mut().zip(weights) {
                *a += b * share;
            }
            for (a, b) in model.bias.iter_mut().zip(bias) {
                *a += b * share;
            }
        }
        model
    }

    pub fn classes(&self) -> usize {
        self.classes
    }

    fn rows(&self, f: &Features) -> Vec<(usize, f32)> {
        f.0.iter()
            .filter_map(|&(k, v)| self.vocab.get(&k).map(|&r| (r as usize, v)))
            .collect()
    }

    fn probabilities_into(&self, x: &[(usize, f32)], out: &mut [f32]) {
        softmax_into(&self.weights, &self.bias, self.classes, x, out);
    }

    /// P(class | features) for every class.
    pub fn probabilities(&self, f: &Features) -> Vec<f32> {
        let mut out = vec![0.0; self.classes];
        if self.classes > 0 {
            self.probabilities_into(&self.rows(f), &mut out);
        }
        out
    }

    /// Write the weights (little-endian) to `path`.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut keys: Vec<(u64, u32)> = self.vocab.iter().map(|(&k, &r)| (k, r)).collect();
        keys.sort_unstable_by_key(|k| k.1);
        let mut payload = Vec::with_capacity(16 + keys.len() * 8 + self.weights.len() * 4);
        payload.extend_from_slice(&(self.classes as u64).to_le_bytes());
        payload.extend_from_slice(&(keys.len() as u64).to_le_bytes());
        for (k, _) in &keys {
            payload.extend_from_slice(&k.to_le_bytes());
        }
        for v in self.bias.iter().chain(&self.weights) {
            payload.extend_from_slice(&v.to_le_bytes());
        }
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&key_probe().to_le_bytes());
        out.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        let mut file = std::fs::File::create(path)?;
        file.write_all(&out)?;
        file.sync_all()
    }

    /// Read weights written by [`Classifier::save`]; an error says why a file is not usable:
    /// missing, of another format version, written with other feature keys, or damaged.
    pub fn load(path: &Path) -> Result<Classifier, Rejected> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| Rejected::Unreadable(e.to_string()))?;
        if bytes.starts_with(LEGACY_MAGIC_V1) {
            return Err(Rejected::OtherVersion(1));
        }
        let (header, rest) = bytes
            .split_at_checked(HEADER_LEN)
            .ok_or(Rejected::NotAClassifier)?;
        if &header[..8] != MAGIC {
            return Err(Rejected::NotAClassifier);
        }
        let u32_le = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let u64_le =
            |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        let version = u32_le(&header[8..12]);
        if version != FORMAT_VERSION {
            return Err(Rejected::OtherVersion(version));
        }
        if u64_le(&header[16..24]) != key_probe() {
            return Err(Rejected::OtherKeys);
        }
        if u64_le(&header[24..32]) != xxh3_64(rest) {
            return Err(Rejected::Checksum);
        }
        Self::parse_payload(rest).ok_or(Rejected::Layout)
    }

    fn parse_payload(rest: &[u8]) -> Option<Classifier> {
        let u64_at = |b: &[u8], i: usize| -> Option<u64> {
            Some(u64::from_le_bytes(
                b.get(i * 8..i * 8 + 8)?.try_into().ok()?,
            ))
        };
        let classes = usize::try_from(u64_at(rest, 0)?).ok()?;
        let n = usize::try_from(u64_at(rest, 1)?).ok()?;
        let keys_end = 16usize.checked_add(n.checked_mul(8)?)?;
        let floats = classes.checked_mul(n.checked_add(1)?)?;
        if rest.len() != keys_end.checked_add(floats.checked_mul(4)?)? {
            return None;
        }
        let vocab = (0..n)
            .map(|i| Some((u64_at(&rest[16..], i)?, i as u32)))
            .collect::<Option<HashMap<u64, u32>>>()?;
        let mut values = rest[keys_end..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        let bias: Vec<f32> = values.by_ref().take(classes).collect();
        let weights: Vec<f32> = values.collect();
        Some(Classifier {
            classes,
            vocab,
            weights,
            bias,
        })
    }
}

/// Softmax of `bias + x · weights` (row-major `features × classes`) into `out`.
fn softmax_into(
    weights: &[f32],
    bias: &[f32],
    classes: usize,
    x: &[(usize, f32)],
    out: &mut [f32],
) {
    out.copy_from_slice(bias);
    for &(row, v) in x {
        let w = &weights[row * classes..(row + 1) * classes];
        for (o, wi) in out.iter_mut().zip(w) {
            *o += wi * v;
        }
    }
    let max = out.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for o in out.iter_mut() {
        *o = (*o - max).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

/// One softmax regression over `rows` in the order a xorshift `seed` shuffles them: AdaGrad,
/// [`EPOCHS`] passes. Returns (weights, bias).
fn fit(rows: &[Example], classes: usize, size: usize, mut seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    for i in (1..order.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        order.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    let mut weights = vec![0.0f32; size];
    let mut bias = vec![0.0f32; classes];
    let mut g2 = vec![1e-6f32; size];
    let mut g2_bias = vec![1e-6f32; classes];
    let mut probs = vec![0.0f32; classes];
    let mut errors: Vec<(usize, f32)> = Vec::with_capacity(classes);
    for _ in 0..EPOCHS {
        for &i in &order {
            let (class, x, w) = &rows[i];
            softmax_into(&weights, &bias, classes, x, &mut probs);
            // Only classes with a noticeable error get an update: after the first epoch most
            // of the hundreds of classes have a probability near zero for any one example.
            errors.clear();
            errors.extend(probs.iter().enumerate().filter_map(|(c, p)| {
                let err = (p - if c == *class { 1.0 } else { 0.0 }) * w;
                (err.abs() >= MIN_ERROR).then_some((c, err))
            }));
            for &(c, err) in &errors {
                g2_bias[c] += err * err;
                bias[c] -= LEARNING_RATE * err / g2_bias[c].sqrt();
            }
            for &(row, v) in x {
                let base = row * classes;
                for &(c, err) in &errors {
                    let idx = base + c;
                    let g = err * v + L2 * weights[idx];
                    g2[idx] += g * g;
                    weights[idx] -= LEARNING_RATE * g / g2[idx].sqrt();
                }
            }
        }
    }
    (weights, bias)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::lm::words as f;

    #[test]
    fn learns_the_word_that_separates_two_close_entries() {
        // Both entries talk about 养老 and 年限; only 2030 / 二十年 tells them apart.
        let a = [
            f(&["养老", "年限", "15年"]),
            f(&["养老", "最低", "年限"]),
            f(&["养老", "15年", "够"]),
        ];
        let b = [
            f(&["养老", "年限", "2030"]),
            f(&["养老", "2030", "二十年"]),
            f(&["养老", "二十年", "年限"]),
        ];
        let mut ex: Vec<(usize, &Features, f32)> = a.iter().map(|x| (0, x, 1.0)).collect();
        ex.extend(b.iter().map(|x| (1, x, 1.0)));
        let model = Classifier::train(2, &ex);
        let p = model.probabilities(&f(&["2030", "养老", "年限"]));
        assert!(p[1] > 0.7, "{p:?}");
        let p = model.probabilities(&f(&["15年", "养老"]));
        assert!(p[0] > 0.7, "{p:?}");
        // Unknown words only: the prior.
        let p = model.probabilities(&f(&["天气"]));
        assert!((p[0] - p[1]).abs() < 0.2, "{p:?}");
    }

    fn two_entry_model() -> Classifier {
        let a = f(&["兼并", "欠费"]);
        let a2 = f(&["兼并", "单位"]);
        let b = f(&["破产", "欠费"]);
        let b2 = f(&["破产", "单位"]);
        Classifier::train(
            2,
            &[(0, &a, 1.0), (0, &a2, 1.0), (1, &b, 1.0), (1, &b2, 1.0)],
        )
    }

    /// A model that answers class 1 for everything: if it were loaded, it would show.
    fn poisoned_model() -> Classifier {
        let mut m = two_entry_model();
        m.bias = vec![-50.0, 50.0];
        m
    }

    #[test]
    fn saves_and_loads_the_same_weights_and_rejects_damaged_files() {
        let model = two_entry_model();
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(FILE_NAME);
        model.save(&path).unwrap();
        assert_eq!(Classifier::load(&path), Ok(model));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(Classifier::load(&path), Err(Rejected::Checksum));
        std::fs::write(&path, b"not a model").unwrap();
        assert_eq!(Classifier::load(&path), Err(Rejected::NotAClassifier));
        assert!(matches!(
            Classifier::load(&dir.path().join("missing")),
            Err(Rejected::Unreadable(_))
        ));
    }

    #[test]
    fn keys_are_stable_across_builds() {
        // Pinned values: if these change, the keying changed and FORMAT_VERSION must be bumped
        // (a stored file with old keys would otherwise be rejected only by the probe).
        assert_eq!(crate::search::lm::term_key("补缴"), 0xfeea_87be_d79a_511d);
        assert_eq!(key_probe(), key_probe());
    }

    /// Files of another format version, with another key probe, or with a damaged payload are
    /// not used: the model is retrained. A good file is used as stored.
    #[test]
    fn other_version_other_keys_or_corrupt_payload_are_retrained_not_used() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(FILE_NAME);
        let poisoned = poisoned_model();
        let trained = two_entry_model();
        let probe = f(&["兼并", "欠费"]);
        assert!(poisoned.probabilities(&probe)[1] > 0.99);

        // A good file is used as it is (the poisoned weights come back).
        poisoned.save(&path).unwrap();
        let (m, stored) = load_or_train(Some(&path), 2, two_entry_model);
        assert!(stored);
        assert_eq!(m, poisoned);
        let good = std::fs::read(&path).unwrap();

        let mut cases: Vec<(&str, Vec<u8>, Rejected)> = Vec::new();
        // The same file claiming another format version.
        let mut v3 = good.clone();
        v3[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        cases.push((
            "other version",
            v3,
            Rejected::OtherVersion(FORMAT_VERSION + 1),
        ));
        // A format-1 file (old magic, no header).
        let mut v1 = LEGACY_MAGIC_V1.to_vec();
        v1.extend_from_slice(&good[HEADER_LEN..]);
        cases.push(("format 1", v1, Rejected::OtherVersion(1)));
        // Written with other feature keys.
        let mut keys = good.clone();
        keys[16..24].copy_from_slice(&(key_probe() ^ 1).to_le_bytes());
        cases.push(("other keys", keys, Rejected::OtherKeys));
        // One flipped bit in the weights (sizes still add up).
        let mut flipped = good.clone();
        let last = flipped.len() - 2;
        flipped[last] ^= 0x40;
        cases.push(("corrupt payload", flipped, Rejected::Checksum));

        for (what, bytes, reason) in cases {
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(Classifier::load(&path), Err(reason), "{what}");
            let (m, stored) = load_or_train(Some(&path), 2, two_entry_model);
            assert!(!stored, "{what}: the file was used");
            assert_eq!(m, trained, "{what}: not the retrained model");
            assert!(m.probabilities(&probe)[0] > 0.5, "{what}");
        }

        // Another number of classes (another knowledge base): retrained too.
        poisoned.save(&path).unwrap();
        let (_, stored) = load_or_train(Some(&path), 3, || Classifier::train(3, &[]));
        assert!(!stored);
    }
}
