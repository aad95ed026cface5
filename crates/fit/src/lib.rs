//! The numeric kernels that train bujiao's entry classifier: softmax regression by AdaGrad over
//! sparse examples, densely (every class in every step) or over a candidate set per step, and
//! the average of several fits on different fixed orders.
//!
//! Why a crate of its own: training is pure arithmetic over slices, and an unoptimised build
//! runs it some twenty times slower. Every `cargo test` builds the index of the real knowledge
//! base once, in a debug build; with these loops in the main crate that took most of a minute.
//! Here they get `opt-level = 3` in the dev profile (see the root `Cargo.toml`) while the rest of
//! the crate still compiles quickly. The results are the same in every profile: IEEE arithmetic
//! in a fixed order, no fast-math.
//!
//! What the features mean, how examples are chosen and how the model is stored stay in
//! `bujiao::search::classifier`; this crate knows only rows, classes and weights.

/// A training example: (class, `[(row, value)]` ascending by row, weight).
pub type Example = (usize, Vec<(u32, f32)>, f32);

/// The settings of one fit.
#[derive(Debug, Clone, Copy)]
pub struct Hyper {
    /// Passes over the examples.
    pub epochs: usize,
    pub learning_rate: f32,
    /// Shrinkage per update, so weights of frequent features do not grow without bound.
    pub l2: f32,
    /// Errors smaller than this are not worth an update.
    pub min_error: f32,
    /// Classes drawn at random into each candidate-set step (sparse fits only).
    pub random_negatives: usize,
}

/// Which rows each class carries: class c's rows (ascending) are
/// `rows[class_start[c]..class_start[c + 1]]`, and the weight of (c, `rows[i]`) lives at index i
/// of a class-major weight vector.
#[derive(Debug, Clone, Copy)]
pub struct ClassRows<'a> {
    pub class_start: &'a [usize],
    pub rows: &'a [u32],
}

impl ClassRows<'_> {
    fn of(&self, c: usize) -> &[u32] {
        &self.rows[self.class_start[c]..self.class_start[c + 1]]
    }
}

/// xorshift64: a fixed, seedable order (the seed must not be zero).
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// `0..n` in the order a xorshift `seed` shuffles it (Fisher–Yates).
fn shuffled(n: usize, seed: &mut u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..order.len()).rev() {
        let j = (next(seed) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// Turns scores into probabilities in place.
pub fn softmax_in_place(out: &mut [f32]) {
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

/// The average of `shuffles` fits (weights of length `size`, biases of length `classes`), each
/// given its own fixed seed and run on its own thread.
pub fn averaged_fits(
    shuffles: u64,
    size: usize,
    classes: usize,
    fit: impl Fn(u64) -> (Vec<f32>, Vec<f32>) + Sync,
) -> (Vec<f32>, Vec<f32>) {
    let fits: Vec<(Vec<f32>, Vec<f32>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..shuffles)
            .map(|i| {
                let fit = &fit;
                // xorshift needs a non-zero seed.
                let seed = 0x2545_f491_4f6c_dd1du64
                    .wrapping_add(0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i))
                    | 1;
                scope.spawn(move || fit(seed))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("classifier training does not panic"))
            .collect()
    });
    let share = 1.0 / fits.len() as f32;
    let mut weights = vec![0f32; size];
    let mut bias = vec![0f32; classes];
    for (w, b) in &fits {
        for (a, x) in weights.iter_mut().zip(w) {
            *a += x * share;
        }
        for (a, x) in bias.iter_mut().zip(b) {
            *a += x * share;
        }
    }
    (weights, bias)
}

/// One dense softmax regression over `rows` (row indices below `size / classes`) in the order a
/// xorshift `seed` shuffles them. Returns (row-major `features × classes` weights, bias).
pub fn fit_dense(
    rows: &[Example],
    classes: usize,
    size: usize,
    hyper: &Hyper,
    mut seed: u64,
) -> (Vec<f32>, Vec<f32>) {
    let order = shuffled(rows.len(), &mut seed);
    let mut weights = vec![0.0f32; size];
    let mut bias = vec![0.0f32; classes];
    let mut g2 = vec![1e-6f32; size];
    let mut g2_bias = vec![1e-6f32; classes];
    let mut probs = vec![0.0f32; classes];
    let mut errors: Vec<(usize, f32)> = Vec::with_capacity(classes);
    for _ in 0..hyper.epochs {
        for &i in &order {
            let (class, x, w) = &rows[i];
            softmax_into(&weights, &bias, classes, x, &mut probs);
            // Only classes with a noticeable error get an update: after the first epoch most
            // of the hundreds of classes have a probability near zero for any one example.
            errors.clear();
            errors.extend(probs.iter().enumerate().filter_map(|(c, p)| {
                let err = (p - if c == *class { 1.0 } else { 0.0 }) * w;
                (err.abs() >= hyper.min_error).then_some((c, err))
            }));
            for &(c, err) in &errors {
                g2_bias[c] += err * err;
                bias[c] -= hyper.learning_rate * err / g2_bias[c].sqrt();
            }
            for &(row, v) in x {
                let base = row as usize * classes;
                for &(c, err) in &errors {
                    let idx = base + c;
                    let g = err * v + hyper.l2 * weights[idx];
                    g2[idx] += g * g;
                    weights[idx] -= hyper.learning_rate * g / g2[idx].sqrt();
                }
            }
        }
    }
    (weights, bias)
}

/// Row-major dense weights (`classes` per row) as compressed rows, keeping only weights of at
/// least `min_abs` in magnitude: (row offsets, n + 1 of them; each kept weight's class; the
/// weights). Row r's weights are `offsets[r]..offsets[r + 1]`, classes ascending.
pub fn prune_dense(dense: &[f32], classes: usize, min_abs: f32) -> (Vec<u64>, Vec<u32>, Vec<f32>) {
    let n = dense.len().checked_div(classes).unwrap_or(0);
    let mut offsets = Vec::with_capacity(n + 1);
    let mut class_of = Vec::new();
    let mut weights = Vec::new();
    offsets.push(0);
    for row in dense.chunks_exact(classes.max(1)) {
        for (c, &w) in row.iter().enumerate() {
            if w.abs() >= min_abs {
                class_of.push(c as u32);
                weights.push(w);
            }
        }
        offsets.push(weights.len() as u64);
    }
    (offsets, class_of, weights)
}

fn softmax_into(weights: &[f32], bias: &[f32], classes: usize, x: &[(u32, f32)], out: &mut [f32]) {
    out.copy_from_slice(bias);
    for &(row, v) in x {
        let row = row as usize;
        let w = &weights[row * classes..(row + 1) * classes];
        for (o, wi) in out.iter_mut().zip(w) {
            *o += wi * v;
        }
    }
    softmax_in_place(out);
}

/// One softmax regression over `examples` in the order a xorshift `seed` shuffles them, each
/// step a softmax over the example's class, that class's `rivals` and
/// [`Hyper::random_negatives`] classes drawn at random. Returns (class-major weights laid out as
/// `support`, bias).
pub fn fit_sparse(
    examples: &[Example],
    support: ClassRows<'_>,
    rivals: &[Vec<u32>],
    classes: usize,
    hyper: &Hyper,
    mut seed: u64,
) -> (Vec<f32>, Vec<f32>) {
    let order = shuffled(examples.len(), &mut seed);
    let size = support.rows.len();
    let mut weights = vec![0.0f32; size];
    let mut bias = vec![0.0f32; classes];
    let mut g2 = vec![1e-6f32; size];
    let mut g2_bias = vec![1e-6f32; classes];
    // Per candidate of the current step: its class, score, and where its weights for the
    // example's rows are (index into `hits`).
    let mut candidates: Vec<u32> = Vec::new();
    let mut scores: Vec<f32> = Vec::new();
    let mut hit_start: Vec<usize> = Vec::new();
    let mut hits: Vec<(usize, f32)> = Vec::new();
    for _ in 0..hyper.epochs {
        for &i in &order {
            let (class, x, w) = &examples[i];
            candidates.clear();
            candidates.push(*class as u32);
            candidates.extend_from_slice(&rivals[*class]);
            // A few classes drawn at random join: every class is pushed down on the common
            // features now and then, not only the ones that happen to be someone's rival.
            for _ in 0..hyper.random_negatives {
                let k = (next(&mut seed) % classes as u64) as u32;
                if !candidates.contains(&k) {
                    candidates.push(k);
                }
            }
            scores.clear();
            hit_start.clear();
            hits.clear();
            for &k in &candidates {
                let k = k as usize;
                let base = support.class_start[k];
                let own = support.of(k);
                hit_start.push(hits.len());
                let mut s = bias[k];
                for &(r, v) in x {
                    if let Ok(j) = own.binary_search(&r) {
                        s += weights[base + j] * v;
                        hits.push((base + j, v));
                    }
                }
                scores.push(s);
            }
            hit_start.push(hits.len());
            softmax_in_place(&mut scores);
            for (slot, &k) in candidates.iter().enumerate() {
                let err = (scores[slot] - if slot == 0 { 1.0 } else { 0.0 }) * w;
                // Only candidates with a noticeable error get an update.
                if err.abs() < hyper.min_error {
                    continue;
                }
                let k = k as usize;
                g2_bias[k] += err * err;
                bias[k] -= hyper.learning_rate * err / g2_bias[k].sqrt();
                for &(idx, v) in &hits[hit_start[slot]..hit_start[slot + 1]] {
                    let g = err * v + hyper.l2 * weights[idx];
                    g2[idx] += g * g;
                    weights[idx] -= hyper.learning_rate * g / g2[idx].sqrt();
                }
            }
        }
    }
    (weights, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYPER: Hyper = Hyper {
        epochs: 20,
        learning_rate: 0.4,
        l2: 1e-5,
        min_error: 1e-4,
        random_negatives: 1,
    };

    /// Two classes told apart by one feature each, a third feature shared.
    fn examples() -> Vec<Example> {
        vec![
            (0, vec![(0, 1.0), (2, 1.0)], 1.0),
            (1, vec![(1, 1.0), (2, 1.0)], 1.0),
        ]
    }

    fn score(w: &[f32], b: &[f32], classes: usize, x: &[(u32, f32)]) -> Vec<f32> {
        let mut out = vec![0.0; classes];
        softmax_into(w, b, classes, x, &mut out);
        out
    }

    #[test]
    fn dense_fit_separates_the_classes_and_is_deterministic() {
        let ex = examples();
        let (w, b) = averaged_fits(3, 3 * 2, 2, |s| fit_dense(&ex, 2, 6, &HYPER, s));
        let p0 = score(&w, &b, 2, &[(0, 1.0)]);
        let p1 = score(&w, &b, 2, &[(1, 1.0)]);
        assert!(p0[0] > 0.9 && p1[1] > 0.9, "{p0:?} {p1:?}");
        let again = averaged_fits(3, 6, 2, |s| fit_dense(&ex, 2, 6, &HYPER, s));
        assert_eq!((w, b), again);
    }

    #[test]
    fn sparse_fit_learns_the_same_separation() {
        let ex = examples();
        // Class 0 carries rows 0 and 2, class 1 rows 1 and 2.
        let class_start = [0, 2, 4];
        let rows = [0, 2, 1, 2];
        let support = ClassRows {
            class_start: &class_start,
            rows: &rows,
        };
        let rivals = vec![vec![1], vec![0]];
        let (w, b) = fit_sparse(&ex, support, &rivals, 2, &HYPER, 7);
        // Class-major: class 0's row-0 weight is w[0]; class 1's row-1 weight is w[2].
        assert!(w[0] > 0.5 && w[2] > 0.5, "{w:?} {b:?}");
    }

    #[test]
    fn pruning_keeps_large_weights_row_by_row() {
        let dense = [0.1, -0.5, 0.3, 0.0, 0.0, 0.9];
        let (offsets, class_of, weights) = prune_dense(&dense, 3, 0.25);
        assert_eq!(offsets, [0, 2, 3]);
        assert_eq!(class_of, [1, 2, 2]);
        assert_eq!(weights, [-0.5, 0.3, 0.9]);
        assert_eq!(prune_dense(&[], 0, 0.25).0, [0]);
    }

    #[test]
    fn softmax_sums_to_one_and_survives_large_scores() {
        let mut s = [1000.0, 999.0, -5.0];
        softmax_in_place(&mut s);
        assert!((s.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(s[0] > s[1] && s[1] > s[2]);
    }
}
