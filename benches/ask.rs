//! Latency of search alone and of `ask` in-process, over a fixed list of citizen questions.
//! Run: cargo bench --bench ask
//! Each iteration asserts its result, so a fast wrong answer cannot pass. Startup with an existing
//! index (load knowledge + analyzer + open index) is measured too.

use bujiao::answer::{load_snapshot, Answerer, ReplyKind};
use bujiao::config::Paths;
use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;

const QUESTIONS: &[&str] = &[
    "单位被兼并了以前欠的医保费找谁",
    "社保滞纳金一天收多少",
    "医保断交了三个月还能报销吗",
    "灵活就业养老保险能补缴以前的吗",
    "居民医保断了两年再交要等几个月",
    "退休时医保年限不够怎么办",
    "北京职工医保退休要交多少年",
    "个人医保怎么在网上交",
    "养老保险交不满15年怎么办",
    "明天会下雨吗",
];

fn paths() -> Paths {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Paths {
        knowledge: root.join("knowledge"),
        index: root.join("target").join("bench-index"),
        data: root.join("target").join("bench-data"),
    }
}

fn benches(c: &mut Criterion) {
    let p = paths();
    let answerer = Answerer::new(load_snapshot(&p, &|_, _| {}).expect("knowledge loads"));

    c.bench_function("startup_with_existing_index", |b| {
        b.iter(|| {
            let s = load_snapshot(&p, &|_, _| {}).unwrap();
            assert!(!s.entries.is_empty());
        })
    });

    let mut i = 0;
    c.bench_function("search", |b| {
        b.iter(|| {
            let q = QUESTIONS[i % QUESTIONS.len()];
            i += 1;
            let r = answerer.search(q, 10, None).unwrap();
            assert!(!r.hits.is_empty() || q.contains("下雨"));
        })
    });

    let mut i = 0;
    c.bench_function("ask", |b| {
        b.iter(|| {
            let q = QUESTIONS[i % QUESTIONS.len()];
            i += 1;
            let r = answerer.ask(q);
            assert_ne!(r.kind, ReplyKind::Error, "{q}");
        })
    });

    // Per-question percentiles (criterion reports means; the issue asks for p50/p99).
    let mut samples = Vec::new();
    for round in 0..200 {
        for q in QUESTIONS {
            let t = std::time::Instant::now();
            let r = answerer.ask(q);
            samples.push(t.elapsed());
            assert_ne!(r.kind, ReplyKind::Error, "{q} {round}");
        }
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    println!(
        "ask per question over {} runs: p50 {:?}  p99 {:?}  max {:?}",
        samples.len(),
        pct(0.50),
        pct(0.99),
        samples[samples.len() - 1]
    );
}

criterion_group! {
    name = ask;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(ask);
