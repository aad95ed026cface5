//! Where `ask` spends its time, per stage, over the development questions.
//! Run: cargo run --release --example timing -- tests/eval
use bujiao::answer::{decide, DecisionParams, Domain};
use bujiao::eval::load_set;
use std::time::{Duration, Instant};

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p) as usize]
}

fn main() {
    let set = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/eval".into());
    let cases = load_set(std::path::Path::new(&set)).expect("eval set");
    let paths = bujiao::config::Paths::resolve(None, None, None);
    let snap = bujiao::answer::load_snapshot(&paths, &|_, _| {}).expect("knowledge");
    let domain = Domain::new(&snap.kb.dict);
    let (mut d, mut t, mut r, mut a) = (vec![], vec![], vec![], vec![]);
    let (mut no_lm, mut no_clf) = (vec![], vec![]);
    let base = snap.params;
    let without_lm = bujiao::search::RankParams { w_lm: 0.0, ..base };
    let without_clf = bujiao::search::RankParams { w_clf: 0.0, ..base };
    for _ in 0..3 {
        for c in &cases {
            let s = Instant::now();
            let _ = domain.check(&c.q);
            d.push(s.elapsed());
            let s = Instant::now();
            let _ = snap.analyzer.query_terms(&c.q);
            t.push(s.elapsed());
            let s = Instant::now();
            let _ = snap.rank(&c.q, None, 8).unwrap();
            r.push(s.elapsed());
            let s = Instant::now();
            let _ = snap.rank_with(&c.q, None, 8, &without_lm).unwrap();
            no_lm.push(s.elapsed());
            let s = Instant::now();
            let _ = snap.rank_with(&c.q, None, 8, &without_clf).unwrap();
            no_clf.push(s.elapsed());
            let s = Instant::now();
            let _ = decide(&snap, &c.q, &DecisionParams::default()).unwrap();
            a.push(s.elapsed());
        }
    }
    for (name, v) in [
        ("domain", d),
        ("terms", t),
        ("rank", r),
        ("rank-lm", no_lm),
        ("rank-clf", no_clf),
        ("decide", a),
    ] {
        println!(
            "{name:8} p50 {:?} p99 {:?}",
            pct(v.clone(), 0.5),
            pct(v, 0.99)
        );
    }
}
