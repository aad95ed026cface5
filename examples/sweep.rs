//! Sweep one rerank weight over a few values and print ranking quality on several labelled sets,
//! to see whether a change helps beyond the set it was noticed on.
//! Run: cargo run --release --example sweep -- <param> <v1,v2,...> <set> [<set> ...]
//! e.g. `cargo run --release --example sweep -- region_bonus 0.05,0.1,0.2 tests/eval`
use bujiao::answer::DecisionParams;
use bujiao::eval::{evaluate, load_set};
use bujiao::search::RankParams;

fn set(p: &mut RankParams, name: &str, v: f32) {
    let slot = match name {
        "w_query_cov" => &mut p.w_query_cov,
        "w_phrasing_cov" => &mut p.w_phrasing_cov,
        "w_dice" => &mut p.w_dice,
        "w_similarity" => &mut p.w_similarity,
        "w_coverage" => &mut p.w_coverage,
        "w_bm25" => &mut p.w_bm25,
        "unmentioned_region" => &mut p.unmentioned_region,
        "region_bonus" => &mut p.region_bonus,
        "national_when_local" => &mut p.national_when_local,
        "superseded" => &mut p.superseded,
        "article_weight" => &mut p.article_weight,
        "law_weight" => &mut p.law_weight,
        "w_tags" => &mut p.w_tags,
        "w_union" => &mut p.w_union,
        "last_clause" => &mut p.last_clause,
        "w_lm" => &mut p.w_lm,
        "lm_mu" => &mut p.lm_mu,
        "w_clf" => &mut p.w_clf,
        "lm_scale" => &mut p.lm_scale,
        other => panic!("unknown parameter {other}"),
    };
    *slot = v;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: sweep <param> <v1,v2,...> <set> [<set> ...]");
        std::process::exit(2);
    }
    let values: Vec<f32> = args[1]
        .split(',')
        .map(|v| v.parse().expect("number"))
        .collect();
    let sets: Vec<_> = args[2..]
        .iter()
        .map(|s| {
            (
                s.clone(),
                load_set(std::path::Path::new(s)).expect("eval set"),
            )
        })
        .collect();
    let paths = bujiao::config::Paths::resolve(None, None, None);
    let mut snap = bujiao::answer::load_snapshot(&paths, &|_, _| {}).expect("knowledge");
    let dp = DecisionParams::default();
    for v in values {
        let mut p = RankParams::default();
        set(&mut p, &args[0], v);
        snap.params = p;
        let mut line = format!("{}={v:<6}", args[0]);
        for (name, cases) in &sets {
            let r = evaluate(&snap, cases, &dp).expect("evaluate");
            line += &format!(
                " | {name}: h1 {:.3} h3 {:.3} ok {:.3}",
                r.rank_hit_at_1, r.rank_hit_at_3, r.answered_correctly
            );
        }
        println!("{line}");
    }
}
