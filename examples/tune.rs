//! Grid search over rerank weights and decision thresholds on the development set.
//! Run: cargo run --release --example tune -- tests/eval
//! Prints the best settings by a combined objective; copy them into the defaults by hand.
use bujiao::answer::DecisionParams;
use bujiao::eval::{evaluate, load_set};
use bujiao::search::RankParams;

fn main() {
    let set = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/eval".into());
    let cases = load_set(std::path::Path::new(&set)).expect("eval set");
    let paths = bujiao::config::Paths::resolve(None, None, None);
    let mut snap = bujiao::answer::load_snapshot(&paths, &|_, _| {}).expect("knowledge");
    let mut best: Vec<(f64, String)> = Vec::new();
    for wq in [0.35f32, 0.45, 0.55] {
        for wp in [0.15f32, 0.25, 0.35] {
            for wsim in [0.5f32, 0.62, 0.75] {
                for wbm in [0.05f32, 0.15, 0.25] {
                    let rp = RankParams {
                        w_query_cov: wq,
                        w_phrasing_cov: wp,
                        w_dice: (1.0 - wq - wp).max(0.0),
                        w_similarity: wsim,
                        w_coverage: (1.0 - wsim - wbm).max(0.0),
                        w_bm25: wbm,
                        ..RankParams::default()
                    };
                    snap.params = rp;
                    for answer in [0.40f32, 0.45, 0.50] {
                        for margin in [0.02f32, 0.04] {
                            let dp = DecisionParams {
                                answer,
                                clarify: answer - 0.12,
                                margin,
                                ..DecisionParams::default()
                            };
                            let r = evaluate(&snap, &cases, &dp).unwrap();
                            let obj = r.hit_at_1 + 0.5 * r.hit_at_3 + r.fallback_recall
                                - 3.0 * r.wrong_fallback
                                + 0.5 * r.answered_correctly;
                            best.push((
                                obj,
                                format!(
                                    "obj {obj:.3} h1 {:.3} h3 {:.3} fbR {:.3} fbP {:.3} wrongfb {:.3} ans {:.3} | {rp:?} {dp:?}",
                                    r.hit_at_1, r.hit_at_3, r.fallback_recall, r.fallback_precision,
                                    r.wrong_fallback, r.answered_correctly
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, line) in best.iter().take(8) {
        println!("{line}");
    }
}
