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

use super::lm::Features;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

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
const MAGIC: &[u8; 8] = b"BJCLSv01";
pub(crate) const FILE_NAME: &str = "classifier.bin";

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
        let mut out = Vec::with_capacity(32 + keys.len() * 8 + self.weights.len() * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.classes as u64).to_le_bytes());
        out.extend_from_slice(&(keys.len() as u64).to_le_bytes());
        for (k, _) in &keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        for v in self.bias.iter().chain(&self.weights) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let mut file = std::fs::File::create(path)?;
        file.write_all(&out)?;
        file.sync_all()
    }

    /// Read weights written by [`Classifier::save`]; `None` when the file is missing, truncated or
    /// of another format.
    pub fn load(path: &Path) -> Option<Classifier> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .ok()?
            .read_to_end(&mut bytes)
            .ok()?;
        let (magic, rest) = bytes.split_at_checked(8)?;
        if magic != MAGIC {
            return None;
        }
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

    #[test]
    fn saves_and_loads_the_same_weights_and_rejects_damaged_files() {
        let a = f(&["兼并", "欠费"]);
        let a2 = f(&["兼并", "单位"]);
        let b = f(&["破产", "欠费"]);
        let b2 = f(&["破产", "单位"]);
        let model = Classifier::train(
            2,
            &[(0, &a, 1.0), (0, &a2, 1.0), (1, &b, 1.0), (1, &b2, 1.0)],
        );
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(FILE_NAME);
        model.save(&path).unwrap();
        assert_eq!(Classifier::load(&path), Some(model));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(Classifier::load(&path), None);
        std::fs::write(&path, b"not a model").unwrap();
        assert_eq!(Classifier::load(&path), None);
        assert_eq!(Classifier::load(&dir.path().join("missing")), None);
    }
}
